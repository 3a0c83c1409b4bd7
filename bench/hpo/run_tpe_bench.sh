#!/usr/bin/env bash
# The TPE sampler next to Optuna 3.1's TPESampler, in one command:
#
#   bench/hpo/run_tpe_bench.sh [BUILD_DIR]       (default BUILD_DIR: build in the repository)
#
# Runs automl_tpe_bench (build it first: ninja -C BUILD_DIR automl_tpe_bench) and
# bench/hpo/optuna_tpe_bench.py (with Debian's /usr/bin/python3, which has python3-optuna 3.1) on
# Branin, Hartmann6, Rosenbrock-5D, Levy-10D, Ackley-10D, Styblinski-Tang-10D, a mixed
# int/categorical function and a noisy Hartmann6, 100 trials (200 for the 10-D ones), SEEDS seeds
# each, and prints median regrets side by side, and the time per ask at 100 and 1,000 trials.
# Results are kept in BUILD_DIR/tpe_results/. Optuna takes most of the time (an hour or more on
# a 2-core machine: its TPE spends tens of milliseconds per ask at a few hundred trials).
#
# Environment:
#   SEEDS=20                  seeds per function (1 .. SEEDS)
#   FUNCTIONS="branin ..."    a subset of the functions
#   AUTOML_CONFIGS            automl sampler configurations, ';'-separated lists of option=value
#                             (default: "" (the defaults, multivariate) and "multivariate=false")
#   OPTUNA_CONFIGS            Optuna TPESampler configurations, the same way (default: "" (its
#                             defaults, independent) and "multivariate=true group=true")
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-${repo}/build}"
seeds="${SEEDS:-20}"
functions="${FUNCTIONS:-branin hartmann6 rosenbrock5 levy10 ackley10 styblinski_tang10 mixed noisy_hartmann6}"
automl_configs="${AUTOML_CONFIGS:-;multivariate=false}"
optuna_configs="${OPTUNA_CONFIGS:-;multivariate=true group=true}"
python=/usr/bin/python3
bench="${build_dir}/bench/automl_tpe_bench"
results="${build_dir}/tpe_results"

[ -x "${bench}" ] || { echo "run_tpe_bench.sh: build ${bench} first" >&2; exit 1; }
"${python}" -c 'import optuna' 2>/dev/null || {
  echo "run_tpe_bench.sh: ${python} cannot import optuna (Debian python3-optuna)" >&2; exit 1; }
mkdir -p "${results}"
: > "${results}/regret.jsonl"
: > "${results}/timing.jsonl"

trials_for() { case "$1" in *10) echo 200 ;; *) echo 100 ;; esac; }

IFS=';' read -r -a automl_list <<< "${automl_configs}"
IFS=';' read -r -a optuna_list <<< "${optuna_configs}"
[ "${automl_configs: -1}" = ";" ] && automl_list+=("")
[ "${optuna_configs: -1}" = ";" ] && optuna_list+=("")

for f in ${functions}; do
  n="$(trials_for "${f}")"
  for config in "${automl_list[@]}"; do
    echo "automl ${f} ${n} trials {${config}}" >&2
    # shellcheck disable=SC2086  # config is a list of option=value words
    "${bench}" regret "${f}" "${n}" 1 "${seeds}" ${config} >> "${results}/regret.jsonl"
  done
  for config in "${optuna_list[@]}"; do
    echo "optuna ${f} ${n} trials {${config}}" >&2
    # shellcheck disable=SC2086
    "${python}" "${repo}/bench/hpo/optuna_tpe_bench.py" regret "${f}" "${n}" 1 "${seeds}" ${config} \
      >> "${results}/regret.jsonl"
  done
done
for config in "${automl_list[@]}"; do
  # shellcheck disable=SC2086
  "${bench}" timing ${config} >> "${results}/timing.jsonl"
done
for config in "${optuna_list[@]}"; do
  # shellcheck disable=SC2086
  "${python}" "${repo}/bench/hpo/optuna_tpe_bench.py" timing ${config} >> "${results}/timing.jsonl"
done

"${python}" - "${results}" <<'EOF' | tee "${results}/summary.md"
import collections, json, os, statistics, sys

results = sys.argv[1]
runs = collections.defaultdict(list)
configs = []
for line in open(os.path.join(results, "regret.jsonl")):
    r = json.loads(line)
    options = {k: v for k, v in r["options"].items() if k != "name"}
    config = "%s %s" % (r["impl"], json.dumps(options, sort_keys=True) if options else "defaults")
    if config not in configs:
        configs.append(config)
    runs[(r["function"], r["trials"], config)].append(r["regret"])

functions = []
for f, n, _ in runs:
    if (f, n) not in functions:
        functions.append((f, n))
print("Median final regret (seeds per cell in parentheses):")
print()
print("| function | trials | " + " | ".join(configs) + " |")
print("|---|---:|" + "---:|" * len(configs))
for f, n in functions:
    cells = []
    for c in configs:
        v = runs.get((f, n, c))
        cells.append("%.4g (%d)" % (statistics.median(v), len(v)) if v else "-")
    print("| %s | %d | %s |" % (f, n, " | ".join(cells)))
print()
print("Time per ask (CPU, median):")
print()
print("| implementation | options | trials in the study | µs per ask | sampler alone µs |")
print("|---|---|---:|---:|---:|")
for line in open(os.path.join(results, "timing.jsonl")):
    r = json.loads(line)
    options = {k: v for k, v in r["options"].items() if k != "name"}
    print("| %s | %s | %d | %.0f | %s |" % (
        r["impl"], json.dumps(options) if options else "defaults", r["trials_before"],
        r["ask_us"], "%.0f" % r["sample_relative_us"] if "sample_relative_us" in r else "-"))
EOF
