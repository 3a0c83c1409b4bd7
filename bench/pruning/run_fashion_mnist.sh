#!/usr/bin/env bash
# The Fashion-MNIST part of the pruning benchmark (issue 5) in one command:
#
#   bench/pruning/run_fashion_mnist.sh
#
# For each seed of SEEDS, runs bench/pruning/fashion_mnist.yaml without a pruner for TRIALS
# trials (full-budget random search: TRIALS x 9 epochs), then with each pruner of PRUNERS: first
# TRIALS trials, then 9 more at a time (the study resumes) until its trials have consumed as many
# epochs as the full-budget search; every study is exported to RESULTS/fm__PRUNER__sSEED.json. A
# study already exported is kept (delete its file to redo it). Then bench/pruning/report.py
# prints the tables.
#
# Labels: sha, hyperband, median, curve (the pruner of that name, random sampler) and bohb (sampler
# bohb with pruner hyperband: its configurations differ from the others').
#
# Environment: SEEDS (default "0 1 2"), TRIALS (27), PRUNERS (sha hyperband median curve bohb),
# RESULTS (bench/pruning/results), AUTOML (build/src/cli/automl).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/pruning"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
seeds="${SEEDS:-0 1 2}"
trials="${TRIALS:-27}"
pruners="${PRUNERS:-sha hyperband median curve bohb}"
[[ -x "${automl}" ]] || { echo "run_fashion_mnist.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# The pruner spec for a label; max_resource is the config's 9 epochs.
spec() {
  case "$1" in
    none) echo none ;;
    sha) echo '{name: sha, min_resource: 1, max_resource: 9, reduction_factor: 3}' ;;
    hyperband|bohb) echo '{name: hyperband, min_resource: 1, max_resource: 9, reduction_factor: 3}' ;;
    median) echo '{name: median, n_startup_trials: 5, n_warmup_steps: 1}' ;;
    curve) echo '{name: curve, max_resource: 9, n_warmup_steps: 3}' ;;
    *) echo "run_fashion_mnist.sh: unknown pruner label '$1'" >&2; exit 1 ;;
  esac
}

# Epochs consumed by the trials of an exported study: each trial's last reported step.
epochs() {
  /usr/bin/python3 -c 'import json,sys; print(sum(max(map(int, t["intermediate"]), default=0) for t in json.load(open(sys.argv[1]))["trials"]))' "$1"
}

budget=$((trials * 9))
for seed in ${seeds}; do
  for label in none ${pruners}; do
    out="${results}/fm__${label}__s${seed}.json"
    [[ -s "${out}" ]] && continue
    study="fm-${label}-s${seed}"
    n="${trials}"
    sampler=random
    [[ "${label}" == bohb ]] && sampler=bohb
    while :; do
      echo "== ${study}: ${n} trials" >&2
      (cd "${work}" && "${automl}" run "${here}/fashion_mnist.yaml" --storage "sqlite:///${work}/fm.db" \
        --study "${study}" --seed "${seed}" --trials "${n}" --sampler "${sampler}" --pruner "$(spec "${label}")" \
        --progress lines >>"${work}/${study}.log" 2>&1) || { tail -5 "${work}/${study}.log" >&2; exit 1; }
      "${automl}" export "${study}" --storage "sqlite:///${work}/fm.db" --format json -o "${out}.tmp"
      [[ "${label}" == none || "$(epochs "${out}.tmp")" -ge "${budget}" ]] && break
      n=$((n + 9))
    done
    mv "${out}.tmp" "${out}"
  done
done
/usr/bin/python3 "${here}/report.py" "${results}"
