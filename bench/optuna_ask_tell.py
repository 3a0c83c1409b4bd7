#!/usr/bin/python3
"""Optuna's ask + tell overhead, the same space and loop as bench/ask_tell_bench.cc.

Run with Debian's interpreter, which has python3-optuna 3.1 (a pyenv python3 on PATH may not):

    /usr/bin/python3 bench/optuna_ask_tell.py [--repeats 3] [--tmpdir DIR]

One iteration is study.ask(), define-by-run trial.suggest_* calls for the five parameters
(x, lr (log), layers, opt, momentum when opt == "sgd"), and study.tell(trial, sum of the
parameters); RandomSampler(seed=0); logging at WARNING. Configurations:

  memory        optuna.create_study() in memory, --memory-trials trials (default 10,000)
  sqlite        a fresh "sqlite:///file" study, --sqlite-trials trials (default 1,000: Optuna
                commits several times per trial, each with fsync, so 10,000 would take long)
  sqlite_at     flatness: --flat-trials ask+tells (default 200) in a study that already holds
                1,000 trials, paired with as many in one that holds 10,000 (--flat-sizes, the
                first is the base), one in each study in turn, so that the disk's latency, which
                drifts a lot on a shared machine, weighs on both sizes alike. The trials are
                written once per size (the same ask/tell loop run in memory, then
                study.add_trials() on connections with PRAGMA synchronous=OFF: fast, not
                durable), and each repetition copies those files and opens the copies with the
                plain default URL.

Optuna's SQLite storage uses SQLite's defaults: a rollback journal (journal_mode=DELETE) and
synchronous=FULL. Each repetition prints one JSON line (times are wall-clock; cpu_us_per_trial is
this process's CPU time):
  {"impl": "optuna", "optuna_version": "3.1.0", "config": ..., "trials_before": N, "trials": M,
   "repeat": i, "seconds": s, "us_per_trial": t, "cpu_us_per_trial": c}
(sqlite_at lines also carry "pair": the size the base was paired with).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

try:
    import optuna
except ImportError:
    sys.exit("optuna_ask_tell.py: 'import optuna' failed; run it with /usr/bin/python3 "
             "(Debian python3-optuna, installed by scripts/install-deps.sh)")

STUDY_NAME = "ask_tell_bench"


def ask_tell(study):
    trial = study.ask()
    x = trial.suggest_float("x", -5.0, 10.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 8)
    opt = trial.suggest_categorical("opt", ["sgd", "adam"])
    value = x + lr + layers + (0.0 if opt == "sgd" else 1.0)
    if opt == "sgd":
        value += trial.suggest_float("momentum", 0.8, 0.99)
    study.tell(trial, value)


def new_study(storage):
    return optuna.create_study(storage=storage, study_name=STUDY_NAME,
                               sampler=optuna.samplers.RandomSampler(seed=0),
                               load_if_exists=True)


def timed_loop(study, trials):
    """Runs |trials| ask+tells; returns (wall seconds, CPU seconds of this process)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(trials):
        ask_tell(study)
    return time.perf_counter() - start, time.process_time() - start_cpu


def record(config, trials_before, trials, repeat, times):
    seconds, cpu_seconds = times
    return {"impl": "optuna", "optuna_version": optuna.__version__, "config": config,
            "trials_before": trials_before, "trials": trials, "repeat": repeat,
            "seconds": seconds, "us_per_trial": seconds / trials * 1e6,
            "cpu_us_per_trial": cpu_seconds / trials * 1e6}


def url(path):
    return "sqlite:///" + os.path.abspath(path)


def remove_db(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def fast_storage(path):
    """An RDBStorage whose connections skip fsync (synchronous=OFF), for pre-filling only."""
    from sqlalchemy import event

    storage = optuna.storages.RDBStorage(url(path))

    def on_connect(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    event.listen(storage.engine, "connect", on_connect)
    storage.engine.dispose()  # connections opened before the listener are dropped
    return storage


def prefill(path, size):
    """Writes a study with |size| finished trials to |path|; returns the seconds it took.

    The trials come from the same ask/tell loop run in memory (same seed, so the same parameters
    and values), then study.add_trials() writes them, one transaction per trial, on connections
    with synchronous=OFF: an ask/tell loop on SQLite costs Optuna about 8 commits and ~20 ms of CPU
    per trial, too slow to pre-fill 10,000 trials three times a run.
    """
    start = time.perf_counter()
    remove_db(path)
    source = new_study(None)
    timed_loop(source, size)
    storage = fast_storage(path)
    study = new_study(storage)
    study.add_trials(source.get_trials(deepcopy=False))
    storage.engine.dispose()
    return time.perf_counter() - start


def emit(record):
    print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-trials", type=int, default=10000)
    parser.add_argument("--sqlite-trials", type=int, default=1000)
    parser.add_argument("--flat-sizes", default="1000,10000")
    parser.add_argument("--flat-trials", type=int, default=200)
    parser.add_argument("--configs", default="memory,sqlite,sqlite_at",
                        help="comma-separated subset of memory,sqlite,sqlite_at")
    parser.add_argument("--tmpdir", default=None,
                        help="where the SQLite files go (default: the system temporary directory)")
    args = parser.parse_args()
    configs = set(args.configs.split(","))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    scratch = tempfile.mkdtemp(prefix="optuna_bench_", dir=args.tmpdir)
    try:
        if "memory" in configs:
            for repeat in range(args.repeats):
                times = timed_loop(new_study(None), args.memory_trials)
                emit(record("memory", 0, args.memory_trials, repeat, times))

        if "sqlite" in configs:
            path = os.path.join(scratch, "fresh.db")
            for repeat in range(args.repeats):
                remove_db(path)
                storage = optuna.storages.RDBStorage(url(path))
                times = timed_loop(new_study(storage), args.sqlite_trials)
                storage.engine.dispose()
                emit(record("sqlite", 0, args.sqlite_trials, repeat, times))
                remove_db(path)

        if "sqlite_at" in configs:
            sizes = [int(size) for size in args.flat_sizes.split(",") if size]
            templates = {}
            for size in sizes:
                templates[size] = os.path.join(scratch, "prefilled_%d.db" % size)
                fill_seconds = prefill(templates[size], size)
                print("optuna_ask_tell.py: pre-filled %d trials in %.1f s (synchronous=OFF)"
                      % (size, fill_seconds), file=sys.stderr, flush=True)
            # The first size is the base; each other size is measured in pairs with it: one
            # ask+tell in each study in turn (alternating which goes first), so that a drift in
            # the disk's latency weighs on both sizes alike.
            base = sizes[0]
            for repeat in range(args.repeats):
                for size in sizes[1:] or [base]:
                    measured = [base] if size == base else [base, size]
                    studies, storages, times = {}, {}, {}
                    for n in measured:
                        path = os.path.join(scratch, "at_%d.db" % n)
                        remove_db(path)
                        shutil.copyfile(templates[n], path)
                        storages[n] = optuna.storages.RDBStorage(url(path))  # default durability
                        studies[n] = new_study(storages[n])
                        before = len(studies[n].get_trials(deepcopy=False))
                        if before != n:
                            sys.exit("optuna_ask_tell.py: the pre-filled study holds %d trials, "
                                     "not %d" % (before, n))
                        times[n] = [0.0, 0.0]
                    for i in range(args.flat_trials):
                        for n in (measured if i % 2 == 0 else measured[::-1]):
                            wall, cpu = timed_loop(studies[n], 1)
                            times[n][0] += wall
                            times[n][1] += cpu
                    for n in measured:
                        storages[n].engine.dispose()
                        remove_db(os.path.join(scratch, "at_%d.db" % n))
                        emit(dict(record("sqlite_at", n, args.flat_trials, repeat, times[n]),
                                  pair=size))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
