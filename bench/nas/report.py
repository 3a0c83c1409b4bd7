#!/usr/bin/env python3
"""Tables of the NAS benchmark (bench/nas/run.sh): best proxy validation accuracy against trials,
search time, and the test accuracy of each best cell retrained at the full setting next to the
ResNet baseline's, per seed and as mean and standard deviation over seeds.

  /usr/bin/python3 bench/nas/report.py bench/nas/results
"""
import glob
import json
import os
import re
import statistics
import sys


def best_curve(trials, points):
    """Best COMPLETE value among the first n trials (by number), for each n of points."""
    trials = sorted(trials, key=lambda t: t["number"])
    curve, best = [], None
    for n in points:
        for t in trials[:n]:
            if t["state"] == "COMPLETE" and (best is None or t["value"] > best):
                best = t["value"]
        curve.append(best)
    return curve


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{100 * values[0]:.2f}"
    return f"{100 * statistics.mean(values):.2f} ± {100 * statistics.stdev(values):.2f}"


def main(results):
    searches = {}
    for path in sorted(glob.glob(os.path.join(results, "nas-*-s*.json"))):
        m = re.match(r"nas-(.+)-s(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        strategy, seed = m.group(1), int(m.group(2))
        trials = json.load(open(path))["trials"]
        final_path = path[: -len(".json")] + ".final.json"
        final = json.load(open(final_path)) if os.path.exists(final_path) else None
        seconds_path = path[: -len(".json")] + ".seconds"
        seconds = int(open(seconds_path).read()) if os.path.exists(seconds_path) else None
        searches.setdefault(strategy, {})[seed] = (trials, final, seconds)
    baselines = {}
    for path in sorted(glob.glob(os.path.join(results, "resnet-s*.final.json"))):
        seed = int(re.search(r"-s(\d+)\.final", path).group(1))
        baselines[seed] = json.load(open(path))

    if not searches:
        print("no searches in", results)
        return
    budget = max(len(t) for s in searches.values() for t, _, _ in s.values())
    points = sorted({n for n in (10, 20, 40, budget // 2, budget) if 0 < n <= budget})

    print("Best proxy validation accuracy (%) after n trials, mean ± sd over seeds\n")
    print("| strategy | seeds | " + " | ".join(f"n={n}" for n in points) + " | failed | search time |")
    print("|---|---|" + "---|" * (len(points) + 2))
    for strategy, runs in searches.items():
        curves = [best_curve(t, points) for t, _, _ in runs.values()]
        cells = [mean_sd([c[i] for c in curves]) for i in range(len(points))]
        failed = sum(sum(1 for x in t if x["state"] == "FAILED") for t, _, _ in runs.values())
        times = [s for _, _, s in runs.values() if s is not None]
        time = f"{statistics.median(times) / 60:.0f} min (median)" if times else "-"
        print(f"| {strategy} | {len(runs)} | " + " | ".join(cells) + f" | {failed} | {time} |")

    print("\nBest cell retrained at the full setting: test accuracy (%) and parameters\n")
    seeds = sorted({s for runs in searches.values() for s in runs} | set(baselines))
    print("| network | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± sd | params |")
    print("|---|" + "---|" * (len(seeds) + 2))
    rows = [(f"{k} (best cell)", {s: f for s, (_, f, _) in v.items()}) for k, v in searches.items()]
    rows.append(("resnet (hand-made)", baselines))
    for name, finals in rows:
        accs = [finals[s]["test_accuracy"] if finals.get(s) else None for s in seeds]
        params = sorted({finals[s]["params"] for s in seeds if finals.get(s)})
        print(f"| {name} | " + " | ".join("-" if a is None else f"{100 * a:.2f}" for a in accs)
              + f" | {mean_sd(accs)} | {', '.join(f'{p:,}' for p in params)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results"))
