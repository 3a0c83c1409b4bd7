#!/usr/bin/python3
"""Optuna 3.1's TPESampler on the functions of bench/hpo/tpe_bench.cc, for comparison.

Run with Debian's interpreter, which has python3-optuna 3.1:

    /usr/bin/python3 bench/hpo/optuna_tpe_bench.py regret FUNCTION TRIALS FIRST LAST [opt=val ...]
    /usr/bin/python3 bench/hpo/optuna_tpe_bench.py timing [opt=val ...]

Options are TPESampler's keyword arguments (multivariate=true, group=true, n_startup_trials=20).
Output: one JSON line per seed (regret) or per study size (timing), like automl_tpe_bench's.
Regret of the noisy function is the noiseless value of the trial with the best observed value.
Timing: this process's CPU time of study.ask() plus the suggest calls (where Optuna samples) on
the 6-D Hartmann space after 100 and 1,000 trials of the same sampler, median over 20 asks.
"""

import json
import math
import statistics
import sys
import time
import warnings

try:
    import numpy as np
    import optuna
except ImportError:
    sys.exit("optuna_tpe_bench.py: run it with /usr/bin/python3 (Debian python3-optuna)")

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(x) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def styblinski_tang(x):
    return sum(v ** 4 - 16 * v ** 2 + 5 * v for v in x) / 2


def box(n, low, high, f, minimum):
    def suggest(trial):
        return f([trial.suggest_float("x%d" % i, low, high) for i in range(n)])
    return suggest, minimum


def mixed(trial):
    x0 = trial.suggest_float("x0", -5, 5)
    x1 = trial.suggest_float("x1", -5, 5)
    n0 = trial.suggest_int("n0", -10, 10, step=2)
    n1 = trial.suggest_int("n1", -10, 10)
    c0 = trial.suggest_categorical("c0", ["a", "b", "c", "d"])
    c1 = trial.suggest_categorical("c1", ["on", "off"])
    v = (x0 - 0.5) ** 2 + (x1 + 1) ** 2 + (n0 - 4) ** 2 / 10 + abs(n1 + 2) / 2
    return v + {"a": 2.0, "b": 1.0, "c": 0.0, "d": 3.0}[c0] + (0.0 if c1 == "on" else 1.5)


def function(name):
    """(suggest(trial) -> noiseless value, minimum, noise sd)."""
    if name == "branin":
        return (lambda t: branin([t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15)]),
                0.397887357729738, 0)
    if name in ("hartmann6", "noisy_hartmann6"):
        suggest, minimum = box(6, 0, 1, hartmann6, -3.32236801141551)
        return suggest, minimum, 0.1 if name == "noisy_hartmann6" else 0
    table = {
        "rosenbrock5": (5, -5, 10, rosenbrock, 0),
        "levy10": (10, -10, 10, levy, 0),
        "ackley10": (10, -32.768, 32.768, ackley, 0),
        "styblinski_tang10": (10, -5, 5, styblinski_tang, -39.16616570377142 * 10),
    }
    if name in table:
        return box(*table[name]) + (0,)
    if name == "mixed":
        return mixed, 0, 0
    sys.exit("unknown function " + name)


def parse_options(args):
    options = {}
    for arg in args:
        key, value = arg.split("=", 1)
        try:
            options[key] = json.loads(value)
        except ValueError:
            options[key] = value
    return options


def regret(name, trials, first, last, options):
    suggest, minimum, noise_sd = function(name)
    for seed in range(first, last + 1):
        sampler = optuna.samplers.TPESampler(seed=seed, **options)
        study = optuna.create_study(sampler=sampler)
        noise = np.random.RandomState(seed + 1000003)
        best_seen, best_truth, best_params = math.inf, None, None
        start = time.perf_counter()
        for _ in range(trials):
            trial = study.ask()
            truth = suggest(trial)
            seen = truth + (noise_sd * noise.normal() if noise_sd else 0.0)
            if seen < best_seen:
                best_seen, best_truth, best_params = seen, truth, trial.params
            study.tell(trial, seen)
        print(json.dumps({"impl": "optuna", "optuna_version": optuna.__version__,
                          "function": name, "trials": trials, "seed": seed, "best": best_truth,
                          "regret": best_truth - minimum,
                          "seconds": time.perf_counter() - start, "options": options,
                          "params": best_params}),
              flush=True)


def timing(options):
    suggest, _, _ = function("hartmann6")
    for size in (100, 1000):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1, **options))
        study.optimize(suggest, n_trials=size)
        cpu = []
        for _ in range(20):
            start = time.process_time()
            trial = study.ask()
            value = suggest(trial)
            cpu.append((time.process_time() - start) * 1e6)
            study.tell(trial, value)
        print(json.dumps({"impl": "optuna", "optuna_version": optuna.__version__,
                          "trials_before": size, "ask_us": statistics.median(cpu),
                          "options": options}), flush=True)


def main(argv):
    if len(argv) >= 5 and argv[0] == "regret":
        regret(argv[1], int(argv[2]), int(argv[3]), int(argv[4]), parse_options(argv[5:]))
    elif argv and argv[0] == "timing":
        timing(parse_options(argv[1:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
