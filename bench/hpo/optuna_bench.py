#!/usr/bin/python3
"""Optuna's samplers on the functions of bench/hpo/functions.py: automl_hpo_bench's interface and
output, for comparison (bench/hpo/run.sh runs both).

Run with Debian's interpreter, which has python3-optuna 3.1:

    /usr/bin/python3 bench/hpo/optuna_bench.py --sampler LABEL [--sampler-options JSON]
        --function F --seeds A:B --trials N --out FILE.jsonl

LABEL is one of optuna-tpe, optuna-cmaes, optuna-random, optuna-nsga2: TPESampler, CmaEsSampler,
RandomSampler or NSGAIISampler with their default settings and seed=SEED, plus the keyword
arguments of --sampler-options. Any other label: one line on stderr and exit status 1.

One JSON line per seed, as automl_hpo_bench writes them: regret is the best-so-far simple regret
after each trial, measured on the noise-free value of the incumbent (the trial with the best value
the sampler saw, the first among ties); ask_seconds_* (wall) and ask_cpu_seconds_* (this
process's CPU time) time study.ask() plus the suggest_* calls (where Optuna samples,
define-by-run), not the objective.
"""

import argparse
import json
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import functions  # noqa: E402

try:
    import optuna
except ImportError:
    sys.exit("optuna_bench.py: no optuna; run it with /usr/bin/python3 (Debian python3-optuna)")

warnings.filterwarnings("ignore")  # ExperimentalWarning, CmaEs's independent-sampling notes
optuna.logging.set_verbosity(optuna.logging.ERROR)

SAMPLERS = {
    "optuna-tpe": optuna.samplers.TPESampler,
    "optuna-cmaes": optuna.samplers.CmaEsSampler,
    "optuna-random": optuna.samplers.RandomSampler,
    "optuna-nsga2": optuna.samplers.NSGAIISampler,
}


def run_once(label, options, f, seed, trials):
    sampler = SAMPLERS[label](seed=seed, **options)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    regret, ask_seconds, ask_cpu_seconds = [], [], []
    best_seen, best_truth = float("inf"), 0.0
    start = time.perf_counter()
    for _ in range(trials):
        before, cpu_before = time.perf_counter(), time.process_time()
        trial = study.ask()
        params = f.suggest(trial)
        ask_cpu_seconds.append(time.process_time() - cpu_before)
        ask_seconds.append(time.perf_counter() - before)
        truth = f.value(params)
        seen = truth + (f.noise_sd * functions.noise(seed, trial.number) if f.noise_sd else 0.0)
        if seen < best_seen:
            best_seen, best_truth = seen, truth
        study.tell(trial, seen)
        regret.append(float("%.6g" % (best_truth - f.minimum)))  # as automl_hpo_bench rounds
    spec = dict(options, name=SAMPLERS[label].__name__)
    return {"sampler": label, "impl": "optuna", "optuna_version": optuna.__version__,
            "spec": spec, "function": f.name, "seed": seed, "trials": trials,
            "minimum": f.minimum, "regret": regret, "final_regret": best_truth - f.minimum,
            "ask_seconds_median": statistics.median(ask_seconds),
            "ask_seconds_total": sum(ask_seconds),
            "ask_cpu_seconds_median": statistics.median(ask_cpu_seconds),
            "ask_cpu_seconds_total": sum(ask_cpu_seconds),
            "ask_cpu_seconds_last_decile_median": statistics.median(
                ask_cpu_seconds[-max(1, len(ask_cpu_seconds) // 10):]),
            "seconds": time.perf_counter() - start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sampler", required=True)
    parser.add_argument("--sampler-options", default="{}")
    parser.add_argument("--function", required=True)
    parser.add_argument("--seeds", required=True, help="A:B, both included")
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.sampler not in SAMPLERS:
        print("optuna_bench.py: unknown sampler '%s' (known: %s)"
              % (args.sampler, " ".join(SAMPLERS)), file=sys.stderr)
        sys.exit(1)
    options = json.loads(args.sampler_options)
    first, last = (int(s) for s in args.seeds.split(":"))
    f = functions.get(args.function)
    with open(args.out, "w") as out:
        for seed in range(first, last + 1):
            out.write(json.dumps(run_once(args.sampler, options, f, seed, args.trials)) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
