#!/usr/bin/python3
"""Tables of the training-policy benchmark (bench/policy/run.sh) for BENCHMARKS.md.

Usage: /usr/bin/python3 bench/policy/report.py bench/policy/results
"""
import glob
import json
import os
import statistics
import sys


def load(results, label):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, f"{label}-s*.json"))):
        seed = int(path.rsplit("-s", 1)[1].split(".")[0])
        with open(path) as f:
            runs[seed] = json.load(f)
    return runs


def test_accuracy(run):
    return run["final_model"]["test_accuracy"] if "final_model" in run else run["test_accuracy"]


def seconds(run):
    return run["search_seconds"] if "search_seconds" in run else run["seconds"]


def summary(values, scale=100.0):
    if not values:
        return "-"
    xs = [v * scale for v in values]
    spread = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.2f} ± {spread:.2f}"


def row(name, runs):
    accs = [test_accuracy(r) for r in runs.values()]
    secs = [seconds(r) for r in runs.values()]
    per_seed = ", ".join(f"{100 * a:.2f}" for a in accs)
    cost = f"{statistics.median(secs):.0f}" if secs else "-"
    return f"| {name} | {len(runs)} | {summary(accs)} | {per_seed} | {cost} |"


def main():
    results = sys.argv[1]
    print("### Augmentation (test accuracy %, mean ± std over seeds; seconds: median per run)\n")
    print("| arm | seeds | test acc | per seed | seconds |")
    print("|---|---|---|---|---|")
    for label, name in [("none", "no augmentation"), ("cropflip", "crop + flip (fixed baseline)"),
                        ("ohl", "OHL, its final model (crop + flip + learned)"),
                        ("ohl-retrain", "OHL's learned policy retrained from scratch"),
                        ("ohl-lr", "OHL, policy lr x10, its final model"),
                        ("ohl-lr-retrain", "OHL, policy lr x10, retrained from scratch"),
                        ("ohl-plain", "OHL without crop + flip, its final model"),
                        ("ohl-plain-retrain", "OHL without crop + flip, retrained")]:
        print(row(name, load(results, label)))
    base = load(results, "cropflip")
    for variant in ["ohl", "ohl-lr", "ohl-plain"]:
        ohl_cost(variant, load(results, variant), base)
    loss_tables(results)


def ohl_cost(variant, ohl, base):
    if ohl and base:
        print(f"\n### {variant}: cost against separate trainings\n")
        print("| seed | OHL seconds | copies x trunks | distinct sub-policies tried | one training "
              "(s) | separate trainings of the same policies (s) | ratio |")
        print("|---|---|---|---|---|---|---|")
        for seed, run in sorted(ohl.items()):
            one = base[seed]["seconds"] if seed in base else statistics.median(
                r["seconds"] for r in base.values())
            policies = run["copies"] * run["trunks"]
            separate = policies * one
            print(f"| {seed} | {run['search_seconds']:.0f} | {policies} | "
                  f"{run['distinct_policies']} | {one:.0f} | {separate:.0f} | "
                  f"{separate / run['search_seconds']:.1f}x |")
        print("\nLearned policies (top sub-policies, probability):\n")
        for seed, run in sorted(ohl.items()):
            subs = run["policy"]["sub_policies"]
            text = "; ".join(
                " + ".join(f"{s['op']}({s['probability']:.2g}, {s['magnitude']:.2g})"
                           for s in sp["steps"]) + f" [{sp['weight']:.3f}]" for sp in subs)
            print(f"- seed {seed}: entropy {run['entropy']:.3f}: {text}")


def loss_tables(results):
    print("\n### Loss (test accuracy %, mean ± std over seeds)\n")
    print("| label noise | cross-entropy | AM-LFS | difference (points) | CE s | AM-LFS s |")
    print("|---|---|---|---|---|---|")
    for noise in ["0", "0.2", "0.4"]:
        ce, am = load(results, f"ce-n{noise}"), load(results, f"amlfs-n{noise}")
        ce_acc = [test_accuracy(r) for r in ce.values()]
        am_acc = [test_accuracy(r) for r in am.values()]
        diff = (statistics.mean(am_acc) - statistics.mean(ce_acc)) * 100 if ce_acc and am_acc else 0
        ce_s = statistics.median(seconds(r) for r in ce.values()) if ce else 0
        am_s = statistics.median(seconds(r) for r in am.values()) if am else 0
        print(f"| {noise} | {summary(ce_acc)} | {summary(am_acc)} | {diff:+.2f} | {ce_s:.0f} | "
              f"{am_s:.0f} |")
    print("\nLearned losses (mean of theta: slopes a, intercepts b):\n")
    for noise in ["0", "0.2", "0.4"]:
        for seed, run in sorted(load(results, f"amlfs-n{noise}").items()):
            pw = run["loss"]["piecewise"]
            a = ", ".join(f"{x:.2f}" for x in pw["a"])
            b = ", ".join(f"{x:.2f}" for x in pw["b"])
            print(f"- noise {noise}, seed {seed}: a = [{a}], b = [{b}]")


if __name__ == "__main__":
    main()
