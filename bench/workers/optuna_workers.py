#!/usr/bin/python3
"""The peer of bench/workers/run.sh: Optuna's RDB storage with N worker processes.

Usage: optuna_workers.py STORAGE_URL WORKERS TRIALS OBJECTIVE

Each worker process loads the study and runs TRIALS / WORKERS trials (the last one the rest), each
running OBJECTIVE ("sleep 0" of automl's test objective, which prints {"value": 0}) as a
subprocess and reading its value, as automl's command objective does.
"""
import json
import multiprocessing
import subprocess
import sys

import optuna


def objective(trial, program):
    x = trial.suggest_float("x", -5, 10)
    y = trial.suggest_float("y", 0, 15)
    out = subprocess.run([program, "sleep", "0", str(x), str(y)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["value"]


def work(url, trials, program):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="noop", storage=url,
                              sampler=optuna.samplers.RandomSampler())
    study.optimize(lambda t: objective(t, program), n_trials=trials)


def main():
    url, workers, trials, program = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study(study_name="noop", storage=url, direction="minimize")
    shares = [trials // workers] * workers
    shares[-1] += trials - sum(shares)
    procs = [multiprocessing.Process(target=work, args=(url, n, program)) for n in shares]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            sys.exit(1)


if __name__ == "__main__":
    main()
