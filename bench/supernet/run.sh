#!/usr/bin/env bash
# The weight-sharing benchmark of issue 7 in one command, from the repository root:
#
#   bench/supernet/run.sh
#
# 1. automl supernet-rank bench/supernet/rank.yaml: 30 random paths of a 6-layer chain space
#    trained stand-alone (3 epochs, 20% of the training split at 14x14) and evaluated with the
#    weights of a uniform, a greedy and a pcnas supernet (12 epochs each); Kendall's tau per sampler.
# 2. automl supernet-search, twice, on the uniform supernet under a latency limit of LATENCY_MS
#    (predicted by the measured table, batch 1, one thread; 0.35 ms excludes about two thirds of
#    the space): SPOS evolution (50 paths) and random search over as many paths; the best path of
#    each retrained with seeds 0, 1, 2.
# 3. Two hand-made baselines trained with the same recipe and seeds: mb3_k3 in every layer
#    (bench/supernet/handmade_mb3.yaml, within the latency limit, fewer parameters than the
#    found paths) and MobileNetV2's mb6_k3 in every layer (handmade_mb6.yaml, more parameters,
#    over the limit).
# 4. automl supernet-search bench/supernet/crnas.yaml: CR-NAS reallocation (blocks per stage,
#    dilations) at 6 and 7 blocks under the FLOPs of handmade_mb3.yaml's 2-2-2 allocation, on one
#    crnas supernet (12 epochs); each total's best retrained with the seeds, and the best split at
#    6 blocks without dilations (crnas_plain.yaml).
# Results land in RESULTS (bench/supernet/results): JSON per step, logs, the SQLite storage and
# the supernets. Every step resumes: trials already run are kept, supernets continue from their
# last saved epoch, a baseline whose file exists is kept. Environment: AUTOML
# (build/src/cli/automl), RESULTS, LATENCY_MS (0.35), SEEDS ("0 1 2").
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/supernet"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
latency_ms="${LATENCY_MS:-0.35}"
seeds="${SEEDS:-0 1 2}"
[[ -x "${automl}" ]] || { echo "run.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
# LibTorch's OpenMP threads sleep when idle instead of spinning, so that the evaluations and
# trainings of one run do not fight a neighbour's threads for the two cores.
export OMP_WAIT_POLICY=passive

config="${results}/config.yaml"
sed -e "s|LIMIT|${latency_ms}|" \
    -e "s|sqlite:///bench/supernet/results/supernet.db|sqlite:///${results}/supernet.db|" \
    -e "s|models_dir: bench/supernet/results/models|models_dir: ${results}/models|" \
    "${here}/rank.yaml" > "${config}"

cd "${repo}"
"${automl}" supernet-rank "${config}" --json "${results}/rank.json" 2> "${results}/rank.log"
for strategy in evolution random; do
  "${automl}" supernet-search "${config}" --strategy "${strategy}" \
    --json "${results}/search-${strategy}.json" 2> "${results}/search-${strategy}.log"
done
for net in mb3 mb6; do
  for seed in ${seeds}; do
    out="${results}/handmade-${net}-seed${seed}.json"
    [[ -s "${out}" ]] && continue
    "${automl}" train "${here}/handmade_${net}.yaml" --seed "${seed}" --json > "${out}.partial"
    mv "${out}.partial" "${out}"
  done
done
sed -e "s|sqlite:///bench/supernet/results/supernet.db|sqlite:///${results}/supernet.db|" \
    -e "s|models_dir: bench/supernet/results/models|models_dir: ${results}/models|" \
    "${here}/crnas.yaml" > "${results}/crnas-config.yaml"
"${automl}" supernet-search "${results}/crnas-config.yaml" --json "${results}/search-crnas.json" \
  2> "${results}/search-crnas.log" > "${results}/search-crnas.out"
for seed in ${seeds}; do  # CR-NAS's best split at 6 blocks without its dilations
  out="${results}/crnas-plain-seed${seed}.json"
  [[ -s "${out}" ]] && continue
  "${automl}" train "${here}/crnas_plain.yaml" --seed "${seed}" --json > "${out}.partial"
  mv "${out}.partial" "${out}"
done
/usr/bin/python3 "${here}/report.py" "${results}"
