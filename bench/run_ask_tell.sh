#!/usr/bin/env bash
# The ask + tell overhead benchmark, automl next to Optuna 3.1, in one command:
#
#   bench/run_ask_tell.sh [BUILD_DIR]        (default BUILD_DIR: build-bench in the repository)
#
# Builds automl_ask_tell_bench (Release) in BUILD_DIR, measures the disk's commit latency, runs the
# C++ benchmark and bench/optuna_ask_tell.py (with Debian's /usr/bin/python3, which has
# python3-optuna), each configuration REPEATS times, and prints a markdown table of the medians,
# the flatness ratios and whether each target of issue 2 is met. The C++ repetitions run in random
# order, and the flatness sizes are measured in pairs, so that the disk's latency, which drifts a
# lot on a shared machine, does not pass for a difference between configurations. Results are kept
# in BUILD_DIR/ask_tell_results/ (automl.json, optuna.jsonl, fsync.jsonl, summary.md). It takes
# about 10 minutes on a 2-core VM, most of it in Optuna and in fsync.
#
# Environment:
#   REPEATS=3               repetitions of each configuration (the table shows medians)
#   JOBS=2                  build parallelism
#   AUTOML_BENCH_TMPDIR     where the SQLite files go (default /tmp); use a real disk, not tmpfs
#   OPTUNA_ARGS             extra arguments for optuna_ask_tell.py (e.g. "--sqlite-trials 500")
#   BENCH_ARGS              extra arguments for automl_ask_tell_bench (e.g. a --benchmark_filter)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-${repo}/build-bench}"
repeats="${REPEATS:-3}"
jobs="${JOBS:-2}"
python=/usr/bin/python3
tmp_base="${AUTOML_BENCH_TMPDIR:-/tmp}"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'run_ask_tell.sh: %s\n' "$*" >&2; exit 1; }

# ---- Prerequisites ---------------------------------------------------------------------------
command -v cmake >/dev/null || die "cmake not found; run scripts/install-deps.sh (as root)"
[ -x "${python}" ] || die "${python} not found; run scripts/install-deps.sh (as root)"
if ! "${python}" -c 'import optuna' 2>/dev/null; then
  die "'${python} -c \"import optuna\"' failed: Optuna 3.1 (Debian python3-optuna) is missing.
Run scripts/install-deps.sh as root. (The python3 first on PATH may be another interpreter
without Optuna; this script always uses ${python}.)"
fi
[ -d "${tmp_base}" ] || die "AUTOML_BENCH_TMPDIR=${tmp_base} is not a directory"
if [ "$(stat -f -c %T "${tmp_base}")" = "tmpfs" ]; then
  printf 'run_ask_tell.sh: warning: %s is tmpfs; SQLite fsync figures will not reflect a disk\n' \
    "${tmp_base}" >&2
fi

# ---- Build -----------------------------------------------------------------------------------
say "Building automl_ask_tell_bench (Release) in ${build_dir}"
configure=(-DCMAKE_BUILD_TYPE=Release -DAUTOML_BUILD_BENCHMARKS=ON)
if [ ! -f "${build_dir}/CMakeCache.txt" ]; then
  configure+=(-DAUTOML_BUILD_TESTS=OFF -DAUTOML_WITH_TORCH=OFF)
  command -v ninja >/dev/null && configure+=(-G Ninja)
fi
cmake -S "${repo}" -B "${build_dir}" "${configure[@]}" >/dev/null
cmake --build "${build_dir}" --target automl_ask_tell_bench -j "${jobs}"
bench_bin="${build_dir}/bench/automl_ask_tell_bench"
[ -x "${bench_bin}" ] || die "${bench_bin} was not built (is libbenchmark-dev installed?)"

results="${build_dir}/ask_tell_results"
mkdir -p "${results}"

# ---- The machine -----------------------------------------------------------------------------
say "Machine"
cpu_model="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
disk_dev="$(df --output=source "${tmp_base}" | tail -1)"
disk_name="$(basename "${disk_dev}")"
disk_kind="rotational=$(cat "/sys/block/${disk_name}/queue/rotational" 2>/dev/null || echo '?')"
if grep -qs virtio "/sys/block/${disk_name}/device/modalias"; then
  disk_kind="virtio block device: a virtual disk, its rotational flag means nothing"
fi
{
  echo "nproc=$(nproc)"
  echo "cpu_model=${cpu_model}"
  grep -qw hypervisor /proc/cpuinfo && echo "virtual_machine=yes (hypervisor flag)"
  echo "memory=$(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "tmp_dir=${tmp_base}"
  echo "filesystem=$(df --output=fstype "${tmp_base}" | tail -1) on ${disk_dev} (${disk_kind})"
  echo "kernel=$(uname -r)"
} | tee "${results}/machine.txt" >&2

# Commit latency of this disk: 1000 one-row SQLite commits in WAL + synchronous=FULL (automl's
# default; one fdatasync each) and 300 in journal_mode=DELETE + synchronous=FULL (Optuna's default).
# Measured before and after the benchmarks, since a shared disk's latency drifts.
probe_commit_latency() {
  say "Disk commit latency (SQLite, ${tmp_base}), $1 the benchmarks"
  "${python}" - "${tmp_base}" "$1" <<'EOF' | tee -a "${results}/fsync.jsonl" >&2
import json, os, sqlite3, sys, tempfile, time
base, when = sys.argv[1], sys.argv[2]
out = {"when": when}
for mode, n in (("wal", 1000), ("delete", 300)):
    d = tempfile.mkdtemp(prefix="automl_fsync_", dir=base)
    path = os.path.join(d, "probe.db")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=%s" % mode)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (x INTEGER)")
    start = time.perf_counter()
    for i in range(n):
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t VALUES (?)", (i,))
        con.execute("COMMIT")
    out["%s_full_commit_us" % mode] = (time.perf_counter() - start) / n * 1e6
    con.close()
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    os.rmdir(d)
print(json.dumps(out))
EOF
}
rm -f "${results}/fsync.jsonl"
probe_commit_latency before

# ---- automl ----------------------------------------------------------------------------------
say "automl: ${bench_bin} (${repeats} repetitions of each configuration)"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of flags
AUTOML_BENCH_TMPDIR="${tmp_base}" "${bench_bin}" \
  --benchmark_repetitions="${repeats}" --benchmark_enable_random_interleaving=true \
  --benchmark_out="${results}/automl.json" --benchmark_out_format=json \
  ${BENCH_ARGS:-} | tee "${results}/automl.txt" >&2

# ---- Optuna ----------------------------------------------------------------------------------
say "Optuna: ${python} bench/optuna_ask_tell.py (${repeats} repetitions of each configuration)"
# shellcheck disable=SC2086  # OPTUNA_ARGS is a list of flags
"${python}" "${repo}/bench/optuna_ask_tell.py" --repeats "${repeats}" --tmpdir "${tmp_base}" \
  ${OPTUNA_ARGS:-} | tee "${results}/optuna.jsonl" >&2

probe_commit_latency after

# ---- Side by side ----------------------------------------------------------------------------
say "Summary (also in ${results}/summary.md)"
"${python}" - "${results}" <<'EOF' | tee "${results}/summary.md"
import json, os, re, statistics, sys

results = sys.argv[1]
with open(os.path.join(results, "automl.json")) as f:
    automl_runs = [b for b in json.load(f)["benchmarks"]
                   if b.get("run_type") == "iteration" and not b.get("error_occurred")]
with open(os.path.join(results, "optuna.jsonl")) as f:
    optuna_runs = [json.loads(line) for line in f if line.startswith("{")]
with open(os.path.join(results, "fsync.jsonl")) as f:
    fsync = {r["when"]: r for r in map(json.loads, f)}

TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
median = statistics.median


class Result:
    """Medians over repetitions of the wall and CPU time per ask+tell, in µs."""

    def __init__(self, wall, cpu, trials):
        self.wall, self.cpu = median(wall), median(cpu)
        self.trials, self.repeats = trials, len(wall)


def automl_reps(name):
    return [b for b in automl_runs
            if re.sub(r"/iterations:\d+|/real_time|/repeats:\d+", "", b["run_name"]) == name]


def automl(name):
    reps = automl_reps(name)
    if not reps:
        return None
    return Result([b["real_time"] * TO_US[b["time_unit"]] for b in reps],
                  [b["cpu_time"] * TO_US[b["time_unit"]] for b in reps], reps[0]["iterations"])


def automl_flat(size, which):
    """One side (which: "1000" or "size") of BM_AskTellSqliteFlatness/size."""
    reps = automl_reps("BM_AskTellSqliteFlatness/%d" % size)
    if not reps:
        return None
    return Result([b["at_%s_us" % which] for b in reps], [b["at_%s_cpu_us" % which] for b in reps],
                  reps[0]["iterations"])


def automl_ratio(size):
    """Medians of the per-repetition (wall, CPU) ratios of BM_AskTellSqliteFlatness/size."""
    reps = automl_reps("BM_AskTellSqliteFlatness/%d" % size)
    if not reps:
        return None
    return (median(b["at_size_us"] / b["at_1000_us"] for b in reps),
            median(b["at_size_cpu_us"] / b["at_1000_cpu_us"] for b in reps))


def optuna(config, before, pair=None):
    rows = [r for r in optuna_runs if r["config"] == config and r["trials_before"] == before
            and (pair is None or r.get("pair") == pair)]
    if not rows:
        return None
    return Result([r["us_per_trial"] for r in rows], [r["cpu_us_per_trial"] for r in rows],
                  rows[0]["trials"])


def optuna_ratio(size, base=1000):
    wall, cpu = [], []
    for repeat in {r["repeat"] for r in optuna_runs}:
        rows = {r["trials_before"]: r for r in optuna_runs
                if r["config"] == "sqlite_at" and r.get("pair") == size and r["repeat"] == repeat}
        if size in rows and base in rows:
            wall.append(rows[size]["us_per_trial"] / rows[base]["us_per_trial"])
            cpu.append(rows[size]["cpu_us_per_trial"] / rows[base]["cpu_us_per_trial"])
    return (median(wall), median(cpu)) if wall else None


def fmt(x):
    return "{:,.1f}".format(x) if x < 100 else "{:,.0f}".format(x)


def cell(r, field="wall"):
    if r is None:
        return "not measured"
    return "%s (n=%s, %s)" % (fmt(getattr(r, field)), "{:,}".format(r.trials),
                              "median of %d" % r.repeats if r.repeats > 1 else "1 run")


def speedup(a, o, field="wall"):
    return "{:,.1f}x".format(getattr(o, field) / getattr(a, field)) if a and o else "n/a"


optuna_big = max((r["trials_before"] for r in optuna_runs if r["config"] == "sqlite_at"),
                 default=None)
rows = [
    ("in memory, fresh study", automl("BM_AskTellMemory"), optuna("memory", 0)),
    ("SQLite, fresh study", automl("BM_AskTellSqlite"), optuna("sqlite", 0)),
    ("SQLite, study holding 1,000 trials",
     automl_flat(100000, "1000") or automl_flat(10000, "1000"),
     optuna("sqlite_at", 1000, optuna_big)),
    ("SQLite, study holding 10,000 trials", automl_flat(10000, "size"),
     optuna("sqlite_at", 10000)),
    ("SQLite, study holding 100,000 trials", automl_flat(100000, "size"),
     optuna("sqlite_at", 100000)),
    ("in memory, study holding 1,000 trials", automl("BM_AskTellMemoryAt/1000"), None),
    ("in memory, study holding 100,000 trials", automl("BM_AskTellMemoryAt/100000"), None),
]
rows = [row for row in rows if row[1] or row[2]]

print("Wall-clock time per ask+tell (n = ask+tells timed in each repetition):")
print()
print("| configuration | automl µs/trial | Optuna µs/trial | speed-up |")
print("|---|---:|---:|---:|")
for name, a, o in rows:
    print("| %s | %s | %s | %s |" % (name, cell(a), cell(o), speedup(a, o)))
print()
print("CPU time per ask+tell (this process only; less sensitive to other load on the machine, "
      "blind to time spent waiting for fsync):")
print()
print("| configuration | automl CPU µs/trial | Optuna CPU µs/trial | speed-up |")
print("|---|---:|---:|---:|")
for name, a, o in rows:
    print("| %s | %s | %s | %s |" % (name, cell(a, "cpu"), cell(o, "cpu"), speedup(a, o, "cpu")))
print()
if any(name.startswith("SQLite, study holding") for name, _, _ in rows):
    print("The SQLite \"study holding N trials\" rows come from the paired flatness runs; for "
          "1,000 trials, automl's is the half paired with 100,000 trials, Optuna's the half paired "
          "with {:,}.".format(optuna_big or 0))
    print()
print("SQLite commit latency of this disk (one-row commits; before / after the benchmarks): "
      "{} / {} µs in WAL + synchronous=FULL (automl's default), {} / {} µs with a rollback "
      "journal + synchronous=FULL (Optuna's default).".format(
          fmt(fsync["before"]["wal_full_commit_us"]), fmt(fsync["after"]["wal_full_commit_us"]),
          fmt(fsync["before"]["delete_full_commit_us"]),
          fmt(fsync["after"]["delete_full_commit_us"])))
print()


def show_ratio(label, ratio, target=None):
    if ratio is None:
        print("- %s: not measured" % label)
        return None
    verdict = "" if target is None else " -- target <= %gx: %s" % (
        target, "met" if ratio[0] <= target else "NOT met")
    print("- %s: %.2fx wall, %.2fx CPU%s" % (label, ratio[0], ratio[1], verdict))
    return ratio[0]


print("Flatness: time per ask+tell in a big study / in a study of 1,000 trials, measured in "
      "pairs (median of the per-repetition ratios; the target is on wall time):")
print()
flat = show_ratio("automl SQLite, 100,000 vs 1,000 trials", automl_ratio(100000), 2)
show_ratio("automl SQLite, 10,000 vs 1,000 trials", automl_ratio(10000))
mem_small, mem_big = automl("BM_AskTellMemoryAt/1000"), automl("BM_AskTellMemoryAt/100000")
show_ratio("automl in memory, 100,000 vs 1,000 trials (not paired)",
           (mem_big.wall / mem_small.wall, mem_big.cpu / mem_small.cpu)
           if mem_small and mem_big else None)
if optuna_big and optuna_big != 1000:
    show_ratio("Optuna SQLite, {:,} vs 1,000 trials".format(optuna_big), optuna_ratio(optuna_big))
print()


def check(label, ok):
    print("- %s: %s" % (label, "not measured" if ok is None else ("met" if ok else "NOT met")))


mem, sql = automl("BM_AskTellMemory"), automl("BM_AskTellSqlite")
omem, osql = optuna("memory", 0), optuna("sqlite", 0)
print("Targets (wall-clock medians):")
print()
check("in memory under 50 µs per ask+tell", None if not mem else mem.wall < 50)
check("SQLite under 2 ms per ask+tell", None if not sql else sql.wall < 2000)
check("at least 10x faster than Optuna in memory",
      None if not (mem and omem) else omem.wall / mem.wall >= 10)
check("at least 10x faster than Optuna on SQLite",
      None if not (sql and osql) else osql.wall / sql.wall >= 10)
check("SQLite at 100,000 trials no more than 2x slower than at 1,000",
      None if flat is None else flat <= 2)
EOF
