#!/usr/bin/env bash
# The HPO benchmark suite (issue 4) in one command:
#
#   bench/hpo/run.sh
#
# Builds automl_hpo_bench (Release) in BUILD_DIR, checks that bench/hpo/functions.h and
# bench/hpo/functions.py give the same values, runs every sampler of SAMPLERS on every function of
# FUNCTIONS for SEEDS seeds (100 trials each, 200 for the 10-D functions), in JOBS parallel
# processes, and prints the report of bench/hpo/report.py (markdown tables; one SVG plot per
# function). See bench/hpo/README.md.
#
# One result file per (sampler, function): RESULTS/SAMPLER__FUNCTION.jsonl, one JSON line per
# seed. A file that already holds every requested seed with the requested number of trials is
# kept, so a re-run computes only what is missing (a new sampler, a new function, more seeds).
# Samplers that this build does not register are skipped with a note.
#
# Environment:
#   SAMPLERS    space-separated labels; automl registry names, or optuna-tpe, optuna-cmaes,
#               optuna-random, optuna-nsga2 (default: random sobol gp rf tpe cmaes anneal genetic
#               nsga2 and the four Optuna ones)
#   FUNCTIONS   space-separated (default: all eight of bench/hpo/functions.h)
#   SEEDS       a count N (seeds 0..N-1) or a range A:B (default 20)
#   TRIALS      trials per study for every function (default: 100, 200 for the 10-D functions)
#   RESULTS     the results directory (default bench/hpo/results)
#   JOBS        parallel processes (default: the number of cores)
#   FORCE=1     recompute every requested (sampler, function), even when its file is complete
#   BUILD_DIR   the CMake build directory (default build-bench in the repository)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/hpo"
python=/usr/bin/python3
build_dir="${BUILD_DIR:-${repo}/build-bench}"
bench_bin="${build_dir}/bench/automl_hpo_bench"
results="${RESULTS:-${here}/results}"

die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '\n== %s\n' "$*" >&2; }

# The trials of one study of |function|.
trials_for() {
  if [ -n "${TRIALS:-}" ]; then echo "${TRIALS}"; return; fi
  case "$1" in
    *10) echo 200 ;;
    *) echo 100 ;;
  esac
}

seed_range() {
  local seeds="${SEEDS:-20}"
  case "${seeds}" in
    *:*) echo "${seeds}" ;;
    *) echo "0:$((seeds - 1))" ;;
  esac
}

# True when |file| holds every seed of |range| (maybe more), each with |trials| trials: a quick
# run with fewer seeds keeps a full result file instead of overwriting it.
complete() {
  [ -s "$1" ] || return 1
  "${python}" - "$1" "$2" "$3" <<'EOF'
import json, sys
path, (first, last), trials = sys.argv[1], map(int, sys.argv[2].split(":")), int(sys.argv[3])
try:
    rows = [json.loads(line) for line in open(path) if line.strip()]
except ValueError:
    sys.exit(1)
seeds = sorted(r["seed"] for r in rows if r["trials"] == trials and len(r["regret"]) == trials)
sys.exit(0 if set(range(first, last + 1)) <= set(seeds) else 1)
EOF
}

# ---- One job: run.sh --job SAMPLER FUNCTION (what xargs runs) ----------------------------------
if [ "${1:-}" = "--job" ]; then
  sampler="$2" function="$3"
  out="${results}/${sampler}__${function}.jsonl"
  log="${results}/logs/${sampler}__${function}.log"
  trials="$(trials_for "${function}")"
  start=$(date +%s)
  if [[ "${sampler}" == optuna-* ]]; then
    cmd=("${python}" "${here}/optuna_bench.py")
  else
    cmd=("${bench_bin}")
  fi
  if "${cmd[@]}" --sampler "${sampler}" --function "${function}" --seeds "$(seed_range)" \
      --trials "${trials}" --out "${out}.tmp" 2>"${log}"; then
    mv "${out}.tmp" "${out}"
    printf '  done %-16s %-18s %4ds\n' "${sampler}" "${function}" $(($(date +%s) - start)) >&2
  else
    printf '  FAILED %s on %s (see %s)\n' "${sampler}" "${function}" "${log}" >&2
    exit 1
  fi
  exit 0
fi

default_samplers="random sobol gp rf tpe cmaes anneal genetic nsga2
  optuna-tpe optuna-cmaes optuna-random optuna-nsga2"
default_functions="branin hartmann6 rosenbrock5 levy10 ackley10 styblinski_tang10 mixed
  noisy_hartmann6"
samplers="${SAMPLERS:-${default_samplers}}"
functions="${FUNCTIONS:-${default_functions}}"
jobs="${JOBS:-$(nproc)}"

# ---- Prerequisites -----------------------------------------------------------------------------
command -v cmake >/dev/null || die "cmake not found; run scripts/install-deps.sh (as root)"
[ -x "${python}" ] || die "${python} not found; run scripts/install-deps.sh (as root)"
"${python}" -c 'import optuna' 2>/dev/null || die "'${python} -c \"import optuna\"' failed: \
Optuna 3.1 (Debian python3-optuna) is missing; run scripts/install-deps.sh as root. (The python3 \
first on PATH may be another interpreter without Optuna; this script always uses ${python}.)"

# ---- Build -------------------------------------------------------------------------------------
say "Building automl_hpo_bench (Release) in ${build_dir}"
configure=(-DCMAKE_BUILD_TYPE=Release -DAUTOML_BUILD_BENCHMARKS=ON)
if [ ! -f "${build_dir}/CMakeCache.txt" ]; then
  configure+=(-DAUTOML_BUILD_TESTS=OFF -DAUTOML_WITH_TORCH=OFF)
  command -v ninja >/dev/null && configure+=(-G Ninja)
fi
cmake -S "${repo}" -B "${build_dir}" "${configure[@]}" >/dev/null
cmake --build "${build_dir}" --target automl_hpo_bench -j "${jobs}"
[ -x "${bench_bin}" ] || die "${bench_bin} was not built"

# ---- The C++ and Python functions must agree ---------------------------------------------------
say "Checking that functions.h and functions.py agree"
"${python}" "${here}/functions.py" check "${bench_bin}" >&2 ||
  die "bench/hpo/functions.h and bench/hpo/functions.py disagree (above); fix them first"

# ---- Jobs --------------------------------------------------------------------------------------
mkdir -p "${results}/logs"
registered=" $("${bench_bin}" --list | tr '\n' ' ') "
run_samplers=()
for s in ${samplers}; do
  if [[ "${s}" == optuna-* || "${registered}" == *" ${s} "* ]]; then
    run_samplers+=("${s}")
  else
    printf 'run.sh: note: sampler %s is not registered in this build; skipped\n' "${s}" >&2
  fi
done
[ "${#run_samplers[@]}" -gt 0 ] || die "no sampler to run"

todo=()
for s in "${run_samplers[@]}"; do
  for f in ${functions}; do
    file="${results}/${s}__${f}.jsonl"
    if [ "${FORCE:-0}" != 1 ] && complete "${file}" "$(seed_range)" "$(trials_for "${f}")"; then
      continue
    fi
    todo+=("${s} ${f}")
  done
done

say "Running ${#todo[@]} (sampler, function) pairs, seeds $(seed_range), ${jobs} at a time \
(results in ${results})"
export SEEDS TRIALS RESULTS="${results}" BUILD_DIR="${build_dir}"
failed=0
start=$(date +%s)
if [ "${#todo[@]}" -gt 0 ]; then
  printf '%s\n' "${todo[@]}" |
    xargs -P "${jobs}" -L 1 "${BASH_SOURCE[0]}" --job || failed=1
fi
say "Ran in $(($(date +%s) - start)) s"

# ---- Report ------------------------------------------------------------------------------------
say "Report (also in ${results}/report.md; plots in ${results}/plots/)"
# shellcheck disable=SC2086  # word lists
"${python}" "${here}/report.py" --results "${results}" --samplers "${run_samplers[@]}" \
  --functions ${functions} | tee "${results}/report.md"
[ "${failed}" = 0 ] || die "some runs failed; see ${results}/logs/"
