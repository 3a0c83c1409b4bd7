#!/usr/bin/env bash
# The worker benchmark of issue 10 (SQLite half), from the repository root:
#
#   bench/workers/run.sh
#
# A study of 200 trials of a no-op command objective (automl's test objective, "sleep 0") on a
# fresh SQLite file, with 1, 2, 4 and 8 workers: `automl run --workers N` against Optuna 3.1's
# RDB storage with N processes (bench/workers/optuna_workers.py, Debian's /usr/bin/python3), run
# in turn by farm-bench (5 pairs each; the ratio is taken pair by pair). Trials per second =
# 200 / the median wall time. Results: RESULTS (bench/workers/results). Environment: AUTOML
# (build/src/cli/automl), OBJECTIVE (build/tests/automl_test_objective), RUNS (5).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/workers"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
objective="${OBJECTIVE:-${repo}/build/tests/automl_test_objective}"
results="${RESULTS:-${here}/results}"
runs="${RUNS:-5}"
for tool in "${automl}" "${objective}"; do
  [[ -x "${tool}" ]] || { echo "run.sh: no ${tool}; build first" >&2; exit 1; }
done
mkdir -p "${results}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
sed "s|OBJECTIVE|${objective}|" "${here}/study.yaml" > "${work}/study.yaml"
for n in 1 2 4 8; do
  a="rm -f ${work}/a.db*; exec ${automl} run ${work}/study.yaml --workers ${n} --storage sqlite:///${work}/a.db --progress quiet"
  b="rm -f ${work}/b.db*; exec /usr/bin/python3 ${here}/optuna_workers.py sqlite:///${work}/b.db ${n} 200 ${objective}"
  farm-bench -n "${runs}" --timeout 1800 --vs "sh -c '${b}'" -- sh -c "${a}" \
    | tee "${results}/sqlite-w${n}.txt"
done
