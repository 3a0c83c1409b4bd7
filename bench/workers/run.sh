#!/usr/bin/env bash
# The worker benchmark of issue 10, from the repository root:
#
#   bench/workers/run.sh
#
# A study of 200 trials of a no-op command objective (automl's test objective, "sleep 0") with
# 1, 2, 4 and 8 workers: `automl run --workers N` against Optuna 3.1's RDB storage with N
# processes (bench/workers/optuna_workers.py, Debian's /usr/bin/python3), run in turn by
# farm-bench (RUNS pairs each; the ratio is taken pair by pair), on
#  - SQLite: a fresh file per run for each tool;
#  - PostgreSQL: one private server for both (scripts/postgres-test-server.sh --durable: default
#    durability settings, on 127.0.0.1), a database per tool; before each run, automl's schema
#    (automl) and Optuna's tables (schema public) are dropped, inside the timed command for both.
# Trials per second = 200 / the median wall time. Results: RESULTS (bench/workers/results).
# Environment: AUTOML (build/src/cli/automl), OBJECTIVE (build/tests/automl_test_objective),
# RUNS (5), STORAGES ("sqlite postgres").
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/workers"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
objective="${OBJECTIVE:-${repo}/build/tests/automl_test_objective}"
results="${RESULTS:-${here}/results}"
runs="${RUNS:-5}"
storages="${STORAGES:-sqlite postgres}"
for tool in "${automl}" "${objective}"; do
  [[ -x "${tool}" ]] || { echo "run.sh: no ${tool}; build first" >&2; exit 1; }
done
mkdir -p "${results}"
work="$(mktemp -d)"
pg="/tmp/automl-bench-pg-$$"
cleanup() {
  "${repo}/scripts/postgres-test-server.sh" stop "${pg}" || true
  rm -rf "${work}"
}
trap cleanup EXIT
sed "s|OBJECTIVE|${objective}|" "${here}/study.yaml" > "${work}/study.yaml"

# One script per tool and storage, taking the number of workers; farm-bench runs them. (The
# PostgreSQL URLs hold the server's password: in the scripts, not in farm-bench's report.)
cat > "${work}/automl-sqlite.sh" <<EOF
rm -f ${work}/a.db*
exec ${automl} run ${work}/study.yaml --workers "\$1" --storage sqlite:///${work}/a.db --progress quiet
EOF
cat > "${work}/optuna-sqlite.sh" <<EOF
rm -f ${work}/b.db*
exec /usr/bin/python3 ${here}/optuna_workers.py sqlite:///${work}/b.db "\$1" 200 ${objective}
EOF

for storage in ${storages}; do
  if [[ "${storage}" == postgres ]]; then
    AUTOML_REQUIRE_POSTGRES=1 "${repo}/scripts/postgres-test-server.sh" start "${pg}" --durable \
      > /dev/null
    server="$(cat "${pg}/url")"
    psql -q "${server}" -c "CREATE DATABASE bench_automl" -c "CREATE DATABASE bench_optuna"
    cat > "${work}/automl-postgres.sh" <<EOF
psql -q "${server%/postgres}/bench_automl" -c 'DROP SCHEMA IF EXISTS automl CASCADE' 2>/dev/null
exec ${automl} run ${work}/study.yaml --workers "\$1" --storage "${server%/postgres}/bench_automl" --progress quiet
EOF
    cat > "${work}/optuna-postgres.sh" <<EOF
psql -q "${server%/postgres}/bench_optuna" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' 2>/dev/null
exec /usr/bin/python3 ${here}/optuna_workers.py "${server%/postgres}/bench_optuna" "\$1" 200 ${objective}
EOF
  fi
  for n in 1 2 4 8; do
    farm-bench -n "${runs}" --timeout 1800 --vs "sh ${work}/optuna-${storage}.sh ${n}" \
      -- sh "${work}/automl-${storage}.sh" "${n}" | tee "${results}/${storage}-w${n}.txt"
  done
done
