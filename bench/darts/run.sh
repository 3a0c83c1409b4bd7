#!/usr/bin/env bash
# The differentiable-search benchmark of issue 8 in one command, from the repository root:
#
#   bench/darts/run.sh
#   /usr/bin/python3 bench/darts/report.py bench/darts/results
#
# 1. Searches, seeds 0, 1, 2 each (bench/darts/search.yaml): DARTS first order, DARTS second
#    order, DARTS first order with the softmax temperature annealed from 1 to 0.2, HM-NAS, and
#    DARTS first order and HM-NAS with ten times the architecture (and mask) learning rates; and
#    NAS I's aging evolution over NASNet cells of the same operations (bench/darts/nas1.yaml,
#    seed 0). Three random DARTS cells (random alphas, discretized) are drawn by report.py's
#    --random mode.
# 2. Retrainings with one recipe (bench/darts/retrain.yaml), seed S for the cell of seed S: each
#    DARTS search's discretized cells, the random cells, NAS I's best cells (seeds 0, 1, 2), and the
#    hand-made ResNet (bench/darts/resnet.yaml); HM-NAS's found cells with the same recipe in
#    the same layout (bench/darts/retrain_hmnas.yaml). HM-NAS's own result, its fine-tuned
#    sub-network, is measured by the search itself.
# JOBS (2) jobs run at once, each on one thread: these small convolutions keep a second thread of
# one process mostly idle. Results land in RESULTS (bench/darts/results); every job whose result
# file exists is skipped, and a search resumes from its last epoch. Environment: AUTOML
# (build/src/cli/automl), RESULTS, JOBS, SEEDS.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/darts"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
jobs="${JOBS:-2}"
seeds="${SEEDS:-0 1 2}"
[[ -x "${automl}" ]] || { echo "run.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
export OMP_WAIT_POLICY=passive  # idle LibTorch threads sleep instead of spinning
export AUTOML RESULTS="${results}" HERE="${here}"
AUTOML="${automl}"

# One job: "search METHOD VARIANT SEED", "nas1", or "train LABEL SEED GENOTYPE|resnet".
job() {
  set -euo pipefail  # a failed step ends the job: no result file from a partial run
  local kind="$1"; shift
  cd "${RESULTS}"
  case "${kind}" in
    search)
      local method="$1" variant="$2" seed="$3"
      local out="${RESULTS}/search-${variant}-s${seed}.json"
      [[ -f "${out}" ]] && return 0
      local config="${RESULTS}/search-${variant}.yaml"
      case "${variant}" in
        darts1|hmnas) cp "${HERE}/search.yaml" "${config}.$$" ;;
        darts2) sed 's/order: 1/order: 2/' "${HERE}/search.yaml" > "${config}.$$" ;;
        darts1-t) sed 's/order: 1}/order: 1, temperature: {start: 1, end: 0.2}}/' \
                    "${HERE}/search.yaml" > "${config}.$$" ;;
        # Ten times the paper's architecture rates, for a run of 130 steps instead of 19,550.
        darts1-a) sed 's/order: 1}/order: 1, arch_lr: 3.0e-3}/' "${HERE}/search.yaml" \
                    > "${config}.$$" ;;
        hmnas-a) sed 's/batch_size: 64}$/batch_size: 64, arch_lr: 3.0e-3, mask_lr: 1.0e-2,\n        weight_mask_lr: 1.0e-3}/' "${HERE}/search.yaml" > "${config}.$$" ;;
      esac
      mv "${config}.$$" "${config}"
      "${AUTOML}" nas "${method}" "${config}" --name "${variant}-s${seed}" --seed "${seed}" \
        --storage "sqlite:///${RESULTS}/darts.db" --json "${out}.partial" \
        > /dev/null 2> "${RESULTS}/search-${variant}-s${seed}.log"
      mv "${out}.partial" "${out}"
      ;;
    nas1)
      local out="${RESULTS}/nas1-genotype.json"
      [[ -f "${out}" ]] && return 0
      "${AUTOML}" run "${HERE}/nas1.yaml" --storage "sqlite:///${RESULTS}/nas1.db" \
        > "${RESULTS}/nas1.log" 2>&1
      "${AUTOML}" nas best nas1 --storage "sqlite:///${RESULTS}/nas1.db" > "${out}.partial"
      mv "${out}.partial" "${out}"
      ;;
    train)
      local label="$1" seed="$2" genotype="$3"
      local out="${RESULTS}/train-${label}-s${seed}.json"
      [[ -f "${out}" ]] && return 0
      local config="${RESULTS}/train-${label}-s${seed}.yaml"
      if [[ "${genotype}" == resnet ]]; then
        cp "${HERE}/resnet.yaml" "${config}"
      elif [[ "${genotype}" == *.masked-genotype.json ]]; then
        sed "s|GENOTYPE|${genotype}|" "${HERE}/retrain_hmnas.yaml" > "${config}"
      else
        sed "s|GENOTYPE|${genotype}|" "${HERE}/retrain.yaml" > "${config}"
      fi
      "${AUTOML}" train "${config}" --seed "${seed}" --json > "${out}.partial" \
        2> "${RESULTS}/train-${label}-s${seed}.log"
      mv "${out}.partial" "${out}"
      ;;
  esac
}
export -f job

run_jobs() { xargs -P "${jobs}" -I{} bash -c 'job {}'; }

# 1. Searches, longest first so that the two lanes end together.
{
  for s in ${seeds}; do echo "search darts darts2 ${s}"; done
  echo "nas1"
  for s in ${seeds}; do
    echo "search hmnas hmnas ${s}"
    echo "search darts darts1 ${s}"
    echo "search darts darts1-t ${s}"
  done
  for s in ${seeds}; do
    echo "search hmnas hmnas-a ${s}"
    echo "search darts darts1-a ${s}"
  done
} | run_jobs

# Random DARTS cells, one per seed.
for s in ${seeds}; do
  [[ -f "${results}/random-s${s}.json" ]] ||
    /usr/bin/python3 "${here}/report.py" --random "${s}" > "${results}/random-s${s}.json"
done

# 2. Retrainings with one recipe.
{
  for s in ${seeds}; do
    for v in darts1 darts2 darts1-t darts1-a; do
      echo "train ${v} ${s} ${results}/${v}-s${s}.darts-genotype.json"
    done
    for v in hmnas hmnas-a; do
      echo "train ${v} ${s} ${results}/${v}-s${s}.masked-genotype.json"
    done
    echo "train random ${s} ${results}/random-s${s}.json"
    echo "train nas1 ${s} ${results}/nas1-genotype.json"
    echo "train resnet ${s} resnet"
  done
} > "${results}/train-jobs.txt"
# The DARTS genotypes, out of the searches' results.
for s in ${seeds}; do
  for v in hmnas hmnas-a; do
    /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["genotype"], indent=2))' \
      "${results}/search-${v}-s${s}.json" > "${results}/${v}-s${s}.masked-genotype.json"
  done
  for v in darts1 darts2 darts1-t darts1-a; do
    /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["genotype"], indent=2))' \
      "${results}/search-${v}-s${s}.json" > "${results}/${v}-s${s}.darts-genotype.json"
  done
done
run_jobs < "${results}/train-jobs.txt"
/usr/bin/python3 "${here}/report.py" "${results}"
