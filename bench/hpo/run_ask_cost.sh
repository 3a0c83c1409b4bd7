#!/usr/bin/env bash
# The cost of one ask in a large study, automl next to Optuna 3.1, in one command:
#
#   bench/hpo/run_ask_cost.sh
#
# Runs, on Hartmann6 (six floats), one study per row below with automl_hpo_bench or
# bench/hpo/optuna_bench.py, and prints the median CPU time of Study::Ask() (Optuna: ask() plus
# its suggest_* calls) over the last tenth of the asks, i.e. the cost per ask at about N trials:
#   tpe (multivariate, the default), tpe multivariate=false            N = TRIALS_TPE (1000)
#   optuna-tpe (default, independent), optuna-tpe multivariate+group  N = TRIALS_TPE
#   gp (6-D, the issue's 300-trial target)                             N = TRIALS_GP (300)
# CPU time rather than wall time, since these machines are shared; one seed per row (each row's
# figure is already a median over N/10 asks). Results: RESULTS (default
# bench/hpo/results/ask_cost/), one JSON file per row; the table is also written to
# RESULTS/report.md. BUILD_DIR as for bench/hpo/run.sh (default build-bench).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/hpo"
python=/usr/bin/python3
build_dir="${BUILD_DIR:-${repo}/build-bench}"
bench_bin="${build_dir}/bench/automl_hpo_bench"
results="${RESULTS:-${here}/results/ask_cost}"
trials_tpe="${TRIALS_TPE:-1000}"
trials_gp="${TRIALS_GP:-300}"

die() { printf 'run_ask_cost.sh: %s\n' "$*" >&2; exit 1; }
"${python}" -c 'import optuna' 2>/dev/null ||
  die "${python} cannot import optuna: run scripts/install-deps.sh as root"
if [ ! -f "${build_dir}/CMakeCache.txt" ]; then
  cmake -S "${repo}" -B "${build_dir}" -DCMAKE_BUILD_TYPE=Release -DAUTOML_BUILD_TESTS=OFF \
    -DAUTOML_WITH_TORCH=OFF >/dev/null
fi
cmake --build "${build_dir}" --target automl_hpo_bench >/dev/null
mkdir -p "${results}"

# row LABEL SAMPLER OPTIONS_JSON TRIALS: one study, its JSON line in RESULTS/LABEL.json.
row() {
  local label="$1" sampler="$2" options="$3" trials="$4" cmd
  if [[ "${sampler}" == optuna-* ]]; then cmd=("${python}" "${here}/optuna_bench.py"); else
    cmd=("${bench_bin}"); fi
  printf '  %s (%s trials)\n' "${label}" "${trials}" >&2
  "${cmd[@]}" --sampler "${sampler}" --sampler-options "${options}" --function hartmann6 \
    --seeds 0:0 --trials "${trials}" --out "${results}/${label}.json"
}

row tpe tpe '{}' "${trials_tpe}"
row tpe-independent tpe '{"multivariate": false}' "${trials_tpe}"
row optuna-tpe optuna-tpe '{}' "${trials_tpe}"
row optuna-tpe-multivariate optuna-tpe '{"multivariate": true, "group": true}' "${trials_tpe}"
row gp gp '{}' "${trials_gp}"

"${python}" - "${results}" <<'EOF' | tee "${results}/report.md"
import json, os, sys
results = sys.argv[1]
rows = {}
for label in ["tpe", "tpe-independent", "optuna-tpe", "optuna-tpe-multivariate", "gp"]:
    with open(os.path.join(results, label + ".json")) as f:
        rows[label] = json.loads(f.readline())
ms = {k: 1e3 * r["ask_cpu_seconds_last_decile_median"] for k, r in rows.items()}
print("| sampler | trials | CPU ms per ask (median, last tenth) | Optuna TPE (same mode) / this |")
print("| --- | --- | --- | --- |")
peer = {"tpe": "optuna-tpe-multivariate", "tpe-independent": "optuna-tpe"}
for label, r in rows.items():
    ratio = "%.0fx" % (ms[peer[label]] / ms[label]) if label in peer else ""
    print("| %s | %d | %.3g | %s |" % (label, r["trials"], ms[label], ratio))
EOF
