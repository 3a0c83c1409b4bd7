#!/usr/bin/env bash
# The training-policy benchmark of issue 9 in one command, from the repository root:
#
#   bench/policy/run.sh
#   /usr/bin/python3 bench/policy/report.py bench/policy/results
#
# One recipe (bench/policy/base.yaml: the small CNN, 10% of Fashion-MNIST's training part, 12
# epochs of SGD with a cosine schedule), seeds 0, 1, 2:
# 1. Augmentation: no augmentation; the fixed crop-and-flip baseline (pad 2 and crop, horizontal
#    flips); OHL (`automl policy augment`, 4 copies, one-epoch trunks, 5 sub-policies per copy, on
#    top of crop and flip, as OHL does), whose final model is its result; OHL with ten times the
#    policy's learning rate (ohl-lr); OHL's policy alone, without crop and flip (ohl-plain); and
#    each learned policy retrained from scratch with `automl train` (with what its search had
#    underneath).
# 2. Loss: cross-entropy against AM-LFS (`automl policy loss`, 4 copies, one round per epoch, 6
#    intervals) with 0%, 20% and 40% symmetric label noise on the training labels (validation and
#    test labels stay clean).
# JOBS (2) jobs run at once, each on one thread. Results land in RESULTS (bench/policy/results);
# a job whose result file exists is skipped. Environment: AUTOML (build/src/cli/automl), RESULTS,
# JOBS, SEEDS.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/policy"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
jobs="${JOBS:-2}"
seeds="${SEEDS:-0 1 2}"
[[ -x "${automl}" ]] || { echo "run.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
export OMP_WAIT_POLICY=passive  # idle LibTorch threads sleep instead of spinning
export AUTOML="${automl}" RESULTS="${results}" HERE="${here}"

# The config of one job: the recipe, its data (with NOISE) and augmentation, and for a search
# (a third argument) the search options.
compose() {
  local noise="$1" augment="$2" search="${3:-}"
  printf 'data: {fraction: 0.1, label_noise: %s}\n' "${noise}"
  printf 'augment: %s\n' "${augment}"
  if [[ -n "${search}" ]]; then
    printf 'ohl: {copies: 4, trunk_epochs: 1, sub_policies: 5, top: 5}\n'
    printf 'amlfs: {copies: 4, intervals: 6, sigma: 0.2, lr: 0.05}\n'
    printf 'models_dir: %s/models\n' "${RESULTS}"
  fi
  cat "${HERE}/base.yaml"
}
export -f compose

# One job: "train ARM SEED NOISE AUGMENT", "ohl SEED", "amlfs SEED NOISE".
job() {
  set -euo pipefail  # a failed step ends the job: no result file from a partial run
  local kind="$1" label="$2" seed="$3"
  local out="${RESULTS}/${label}-s${seed}.json"
  [[ -f "${out}" ]] && return 0
  local config="${RESULTS}/${label}-s${seed}.yaml"
  case "${kind}" in
    train)
      compose "$4" "$5" > "${config}"
      "${AUTOML}" train "${config}" --seed "${seed}" --json > "${out}.partial" \
        2> "${RESULTS}/${label}-s${seed}.log"
      ;;
    ohl)
      # ohl-lr: ten times the policy's learning rate (12 updates here, not the paper's hundreds).
      # ohl-plain: the policy alone, without crop and flip underneath.
      local base='{crop: 2, flip: true}'
      [[ "${label}" == ohl-plain ]] && base='{}'
      compose 0 "${base}" search |
        if [[ "${label}" == ohl-lr ]]; then sed 's/top: 5}/top: 5, lr: 0.5}/'; else cat; fi \
        > "${config}"
      "${AUTOML}" policy augment "${config}" --name "${label}-s${seed}" --seed "${seed}" \
        --storage "sqlite:///${RESULTS}/policy.db" --json "${out}.partial" \
        > /dev/null 2> "${RESULTS}/${label}-s${seed}.log"
      ;;
    amlfs)
      compose "$4" '{}' search > "${config}"
      "${AUTOML}" policy loss "${config}" --name "${label}-s${seed}" --seed "${seed}" \
        --storage "sqlite:///${RESULTS}/policy.db" --json "${out}.partial" \
        > /dev/null 2> "${RESULTS}/${label}-s${seed}.log"
      ;;
  esac
  mv "${out}.partial" "${out}"
}
export -f job

run_jobs() { xargs -d '\n' -P "${jobs}" -I{} bash -c 'job {}'; }

# Searches first (longest), then the single trainings.
{
  for s in ${seeds}; do
    echo "ohl ohl ${s}"
    echo "ohl ohl-lr ${s}"
    echo "ohl ohl-plain ${s}"
    for n in 0 0.2 0.4; do echo "amlfs amlfs-n${n} ${s} ${n}"; done
  done
  for s in ${seeds}; do
    echo "train none ${s} 0 '{}'"
    echo "train cropflip ${s} 0 '{crop: 2, flip: true}'"
    for n in 0 0.2 0.4; do echo "train ce-n${n} ${s} ${n} '{}'"; done
  done
} | run_jobs
# The learned policies retrained from scratch.
for s in ${seeds}; do
  for v in ohl ohl-lr; do
    echo "train ${v}-retrain ${s} 0 '{policy: ${results}/models/${v}-s${s}.ohl/policy.json, crop: 2, flip: true}'"
  done
  echo "train ohl-plain-retrain ${s} 0 '{policy: ${results}/models/ohl-plain-s${s}.ohl/policy.json}'"
done | run_jobs
/usr/bin/python3 "${here}/report.py" "${results}"
