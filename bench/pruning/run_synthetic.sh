#!/usr/bin/env bash
# The synthetic part of the pruning benchmark (issue 5) in one command:
#
#   bench/pruning/run_synthetic.sh
#
# Builds automl_pruning_bench in BUILD_DIR, runs every family of FAMILIES for SEEDS seeds without
# a pruner (TRIALS trials, each to the full resource 27) and with each pruner of PRUNERS (at
# least TRIALS trials, and more until they have consumed the same total resource), writes
# RESULTS/synthetic/LABEL__FAMILY.jsonl, and prints bench/pruning/report.py's tables (which also
# include the Fashion-MNIST results of run_fashion_mnist.sh when they are there). A result file
# that exists is kept (FORCE=1 recomputes).
#
# Labels: sha, sha-sync, hyperband, hyperband-sync, median, curve (the pruner of that name with
# the random sampler), sha-r3 (sha with min_resource 3: rungs 3, 9, 27) and bohb (sampler bohb
# with pruner hyperband). The curve pruner fits an
# MCMC model at each check point, so it decides every third step and runs CURVE_SEEDS only.
#
# Environment: FAMILIES (power exponential crossing plateau), PRUNERS (sha sha-sync sha-r3
# hyperband hyperband-sync median curve bohb), SEEDS (0:19), CURVE_SEEDS (0:4), TRIALS (81),
# RESULTS (bench/pruning/results), BUILD_DIR (build), JOBS (number of cores).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/pruning"
build_dir="${BUILD_DIR:-${repo}/build}"
results="${RESULTS:-${here}/results}"
families="${FAMILIES:-power exponential crossing plateau}"
pruners="${PRUNERS:-sha sha-sync sha-r3 hyperband hyperband-sync median curve bohb}"
seeds="${SEEDS:-0:19}"
curve_seeds="${CURVE_SEEDS:-0:4}"
trials="${TRIALS:-81}"
jobs="${JOBS:-$(nproc)}"

cmake --build "${build_dir}" --target automl_pruning_bench >&2
bench="${build_dir}/bench/automl_pruning_bench"
mkdir -p "${results}/synthetic"

spec() {
  case "$1" in
    none) echo '"none"' ;;
    sha) echo '{"name": "sha", "min_resource": 1, "max_resource": 27, "reduction_factor": 3}' ;;
    sha-sync) echo '{"name": "sha", "min_resource": 1, "max_resource": 27, "reduction_factor": 3, "mode": "sync"}' ;;
    sha-r3) echo '{"name": "sha", "min_resource": 3, "max_resource": 27, "reduction_factor": 3}' ;;
    hyperband|bohb) echo '{"name": "hyperband", "min_resource": 1, "max_resource": 27, "reduction_factor": 3}' ;;
    hyperband-sync) echo '{"name": "hyperband", "min_resource": 1, "max_resource": 27, "reduction_factor": 3, "mode": "sync"}' ;;
    median) echo '{"name": "median", "n_startup_trials": 5, "n_warmup_steps": 3}' ;;
    curve) echo '{"name": "curve", "max_resource": 27, "interval_steps": 3}' ;;
    *) echo "run_synthetic.sh: unknown pruner label '$1'" >&2; exit 1 ;;
  esac
}

jobs_file="$(mktemp)"
trap 'rm -f "${jobs_file}"' EXIT
for family in ${families}; do
  for label in none ${pruners}; do
    budget=$((trials * 27))
    [[ "${label}" == none ]] && budget=0
    sampler='"random"'
    [[ "${label}" == bohb ]] && sampler='"bohb"'
    label_seeds="${seeds}"
    [[ "${label}" == curve ]] && label_seeds="${curve_seeds}"
    out="${results}/synthetic/${label}__${family}.jsonl"
    [[ -s "${out}" && -z "${FORCE:-}" ]] && continue
    printf '%s\0' "${bench} --pruner '$(spec "${label}")' --sampler '${sampler}' --label ${label} --family ${family} --seeds ${label_seeds} --trials ${trials} --resource-budget ${budget} --max-resource 27 --out ${out}.tmp && mv ${out}.tmp ${out}" >>"${jobs_file}"
  done
done
xargs -0 -P "${jobs}" -I{} bash -c '{}' <"${jobs_file}"
/usr/bin/python3 "${here}/report.py" "${results}"
