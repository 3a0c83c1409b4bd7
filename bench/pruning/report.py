#!/usr/bin/python3
"""Tables of the pruning benchmark (issue 5) from bench/pruning/results.

  report.py RESULTS [--targets]

Reads RESULTS/synthetic/*.jsonl (automl_pruning_bench) and RESULTS/fm__LABEL__sSEED.json
(`automl export --format json` of the Fashion-MNIST studies). For every benchmark (a synthetic
family, or fashion-mnist) and seed, the study without a pruner (label `none`, N trials at full
resource) is the reference: its total resource R_full and its best final value. Each pruner's
study saw the same configurations in the same order (random sampler, same seed), so:
  - at the same trial count: the resource its first N trials consumed, as a fraction of R_full,
    and the best final value of those of them that ran to the end (COMPLETE);
  - at equal resource: the best final value of the longest prefix of its trials whose resource
    is at most R_full;
  - the speed-up curve: the best final value within each fraction of R_full.
A trial's resource is its last reported step (the epochs it trained, for Fashion-MNIST). A
synthetic trial's final value is the noise-free end of its curve; a Fashion-MNIST trial's is its
value (best validation accuracy over its epochs), known only when it completed.
Gaps to the full-budget best are per seed (relative for the synthetic error-like values, in
accuracy points for Fashion-MNIST), then the median over seeds; "within" counts the seeds whose
best within one third of the full budget's resource meets the issue's target (5% of the
full-budget best on the synthetic families, 0.3 accuracy points on Fashion-MNIST), "better" those
whose best at equal resource beats the full-budget best.
"""
import argparse
import glob
import json
import os
import statistics
import sys

FRACTIONS = [1 / 9, 2 / 9, 1 / 3, 1 / 2, 2 / 3, 1.0]


def load_synthetic(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "synthetic", "*.jsonl"))):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                trials = [(t["state"], t["resource"], t["final"]) for t in r["trials"]]
                runs[(r["family"], r["label"], r["seed"])] = (r["direction"], trials)
    return runs


def load_fashion_mnist(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "fm__*__s*.json"))):
        label, seed = os.path.basename(path)[len("fm__"):-len(".json")].split("__s")
        with open(path) as f:
            study = json.load(f)
        trials = []
        for t in sorted(study["trials"], key=lambda t: t["number"]):
            steps = [int(k) for k in (t.get("intermediate") or {})]
            final = t["value"] if t["state"] == "COMPLETE" else None
            trials.append((t["state"], max(steps, default=0), final))
        runs[("fashion-mnist", label, int(seed))] = (study["directions"][0], trials)
    return runs


def best(trials, direction):
    finals = [f for s, _, f in trials if s == "COMPLETE" and f is not None]
    if not finals:
        return None
    return min(finals) if direction == "minimize" else max(finals)


def prefix_within(trials, budget):
    total, out = 0, []
    for t in trials:
        if total + t[1] > budget:
            break
        total += t[1]
        out.append(t)
    return out


def gap(value, reference, direction):
    """How far |value| is behind |reference|: relative for minimize (error-like values),
    in accuracy points for maximize; negative when better."""
    if value is None:
        return float("inf")
    if direction == "minimize":
        return value / reference - 1
    return (reference - value) * 100


def fmt(x, digits=4):
    if x is None:
        return "-"
    if isinstance(x, float) and x == float("inf"):
        return "none"
    return f"{x:.{digits}g}"


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def pruner_rows(runs, bench, label, seeds, n, direction):
    """Per-seed figures of |label| on |bench| against the full-budget study of the same seed."""
    rows = []
    for s in seeds:
        if (bench, label, s) not in runs:
            continue
        ref = runs[(bench, "none", s)][1]
        r_full = sum(t[1] for t in ref)
        b_full = best(ref, direction)
        trials = runs[(bench, label, s)][1]
        first = trials[:n]
        equal = prefix_within(trials, r_full)
        third = prefix_within(trials, r_full / 3)
        rows.append({
            "seed": s,
            "b_full": b_full,
            "ratio": sum(t[1] for t in first) / r_full,
            "gap_n": gap(best(first, direction), b_full, direction),
            "best_third": best(third, direction),
            "gap_third": gap(best(third, direction), b_full, direction),
            "best_eq": best(equal, direction),
            "gap_eq": gap(best(equal, direction), b_full, direction),
            "curve": [best(prefix_within(trials, f * r_full), direction) for f in FRACTIONS],
            "short": len(equal) == len(trials) and sum(t[1] for t in trials) < r_full,
        })
    return rows


def summary(runs):
    """One table over the synthetic families: per pruner and family, the median gap within 1/3
    of the budget (seeds within 5%) and at equal resource (seeds better than full)."""
    families = sorted({b for b, _, _ in runs if b != "fashion-mnist"})
    labels = sorted({l for b, l, _ in runs if b != "fashion-mnist" and l != "none"})
    out = ["| pruner | " + " | ".join(families) + " |", "| --- |" + " --- |" * len(families)]
    for label in labels:
        cells = []
        for bench in families:
            seeds = sorted({s for b, l, s in runs if b == bench and l == "none"})
            direction, ref = runs[(bench, "none", seeds[0])]
            rows = pruner_rows(runs, bench, label, seeds, len(ref), direction)
            if not rows:
                cells.append("-")
                continue
            within = sum(r["gap_third"] <= 0.05 for r in rows)
            better = sum(r["gap_eq"] < 0 for r in rows)
            cells.append(f"{median([r['gap_third'] for r in rows]):+.1%} ({within}/{len(rows)}); "
                         f"{median([r['gap_eq'] for r in rows]):+.1%} ({better}/{len(rows)}); "
                         f"{median([r['ratio'] for r in rows]):.2f}")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def report(runs):
    benches = sorted({b for b, _, _ in runs}, key=lambda b: (b == "fashion-mnist", b))
    out = []
    for bench in benches:
        seeds = sorted({s for b, l, s in runs if b == bench and l == "none"})
        labels = sorted({l for b, l, _ in runs if b == bench and l != "none"})
        if not seeds:
            continue
        direction = runs[(bench, "none", seeds[0])][0]
        fm = bench == "fashion-mnist"
        tol = 0.3 if fm else 0.05
        unit = "accuracy points behind" if fm else "relative gap"
        n = len(runs[(bench, "none", seeds[0])][1])
        r_max = max(t[1] for t in runs[(bench, "none", seeds[0])][1])
        out.append(f"### {bench}: {len(seeds)} seeds, N = {n} trials, max resource {r_max}\n")
        out.append(f"Full-budget random search: median best {fmt(median([best(runs[(bench, 'none', s)][1], direction) for s in seeds]))}"
                   f" ({direction}), resource {n * r_max} per seed.\n")
        out.append(f"| pruner | resource of N trials / full | {unit} at N trials | best within 1/3 of the resource | {unit} at 1/3 | within target at 1/3 | best at equal resource | {unit} at equal resource | better than full |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        curves = {}
        per_seed = {}
        for label in ["none"] + labels:
            rows = pruner_rows(runs, bench, label, seeds, n, direction)
            if not rows:
                continue
            curves[label] = [median([r["curve"][i] for r in rows]) for i in range(len(FRACTIONS))]
            per_seed[label] = rows
            if label == "none":
                continue
            within = sum(r["gap_third"] <= tol for r in rows)
            better = sum(r["gap_eq"] < 0 for r in rows)
            short = " (all trials used before equal resource)" if any(r["short"] for r in rows) else ""
            out.append(f"| {label} | {fmt(median([r['ratio'] for r in rows]), 3)} | {fmt(median([r['gap_n'] for r in rows]), 3)} | "
                       f"{fmt(median([r['best_third'] for r in rows]))} | {fmt(median([r['gap_third'] for r in rows]), 3)} | {within}/{len(rows)} | "
                       f"{fmt(median([r['best_eq'] for r in rows]))}{short} | {fmt(median([r['gap_eq'] for r in rows]), 3)} | {better}/{len(rows)} |")
        out.append("")
        out.append("Speed-up curve: median best final value within a fraction of the full budget's resource.\n")
        out.append("| pruner | " + " | ".join(f"{f:.0%}" for f in FRACTIONS) + " |")
        out.append("| --- |" + " --- |" * len(FRACTIONS))
        for label, c in curves.items():
            name = "none (random, full budget)" if label == "none" else label
            out.append(f"| {name} | " + " | ".join(fmt(v) for v in c) + " |")
        out.append("")
        if len(seeds) <= 5:
            out.append("Per seed: full-budget best; each pruner's best within 1/3 of the resource / at equal resource.\n")
            out.append("| seed | full budget | " + " | ".join(l for l in labels if l in per_seed) + " |")
            out.append("| --- | --- |" + " --- |" * sum(l in per_seed for l in labels))
            for s in seeds:
                cells = []
                for label in labels:
                    if label not in per_seed:
                        continue
                    r = [x for x in per_seed[label] if x["seed"] == s]
                    cells.append(f"{fmt(r[0]['best_third'])} / {fmt(r[0]['best_eq'])}" if r else "-")
                full = best(runs[(bench, "none", s)][1], direction)
                out.append(f"| {s} | {fmt(full)} | " + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--summary", action="store_true",
                        help="one table over the synthetic families instead of the full report")
    args = parser.parse_args()
    runs = load_synthetic(args.results)
    runs.update(load_fashion_mnist(args.results))
    if not runs:
        sys.exit(f"report.py: no results under {args.results}")
    print(summary(runs) if args.summary else report(runs))


if __name__ == "__main__":
    main()
