#!/usr/bin/env python3
"""Issue 8's benchmark tables from bench/darts/run.sh's results directory.

    report.py RESULTS        the tables for BENCHMARKS.md
    report.py --random SEED  a random DARTS cell pair (JSON): every node reads two distinct
                             earlier states and applies an operation other than none to each,
                             uniformly, which is what discretizing random alphas gives
"""
import glob
import json
import os
import random
import statistics
import sys

OPS = ["identity", "max_pool_3x3", "avg_pool_3x3", "sep_conv_3x3", "sep_conv_5x5",
       "dil_conv_3x3", "dil_conv_5x5"]
SEARCHES = [("darts1", "DARTS, first order"), ("darts2", "DARTS, second order"),
            ("darts1-t", "DARTS, first order, T 1 to 0.2"), ("hmnas", "HM-NAS"),
            ("darts1-a", "DARTS, first order, arch lr x10"),
            ("hmnas-a", "HM-NAS, arch and mask lr x10")]


def random_cell(rng, nodes=4):
    blocks = []
    for i in range(nodes):
        states = ["c_prev_prev", "c_prev"] + [f"b{k}" for k in range(i)]
        inputs = rng.sample(states, 2)
        blocks.append({"inputs": inputs, "ops": [rng.choice(OPS), rng.choice(OPS)],
                       "combine": "add"})
    return {"output": "all", "blocks": blocks}


def load(path):
    with open(path) as f:
        return json.load(f)


def mean_sd(values, scale=1.0, digits=2):
    values = [v * scale for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def seeds_of(results, pattern):
    out = {}
    for path in sorted(glob.glob(os.path.join(results, pattern))):
        seed = int(path.rsplit("-s", 1)[1].split(".")[0])
        out[seed] = load(path)
    return out


def skips(result):
    s = result["skip_connections"]
    return f"{s['normal']}/{s['reduction']}"


def print_searches(results):
    print("| search | seeds | search CPU-min per seed | supernet val acc (last epoch) | "
          "skip connections in the discretized normal/reduction cells, per seed |")
    print("|---|---|---|---|---|")
    for variant, name in SEARCHES:
        runs = seeds_of(results, f"search-{variant}-s*.json")
        if not runs:
            continue
        minutes = [r["search_seconds"] / 60 for r in runs.values()]
        vals = [r["val_accuracy"] for r in runs.values()]
        print(f"| {name} | {len(runs)} | {mean_sd(minutes, digits=1)} | {mean_sd(vals, 100)}% | "
              f"{', '.join(skips(r) for r in runs.values())} |")
    print()


def print_retrained(results):
    rows = [("darts1", "DARTS first order, retrained"),
            ("darts2", "DARTS second order, retrained"),
            ("darts1-t", "DARTS first order, T 1 to 0.2, retrained"),
            ("darts1-a", "DARTS first order, arch lr x10, retrained"),
            ("hmnas", "HM-NAS cells, retrained from scratch"),
            ("hmnas-a", "HM-NAS lr x10 cells, retrained from scratch"),
            ("nas1", "NAS I best cells (evolution, 10 trials)"),
            ("random", "random DARTS cells"),
            ("resnet", "hand-made ResNet")]
    print("| network | runs | params | test acc | val acc | retrain s |")
    print("|---|---|---|---|---|---|")
    for label, name in rows:
        runs = seeds_of(results, f"train-{label}-s*.json")
        if not runs:
            continue
        params = sorted({r["params"] for r in runs.values()})
        p = f"{params[0]:,}" if len(params) == 1 else f"{min(params):,}-{max(params):,}"
        print(f"| {name} | {len(runs)} | {p} | "
              f"{mean_sd([r['test_accuracy'] for r in runs.values()], 100)}% | "
              f"{mean_sd([r['val_accuracy'] for r in runs.values()], 100)}% | "
              f"{mean_sd([r['seconds'] for r in runs.values()], digits=0)} |")
    for variant, name in (("hmnas", "HM-NAS"), ("hmnas-a", "HM-NAS, lr x10")):
        hm = seeds_of(results, f"search-{variant}-s*.json")
        if not hm:
            continue
        print(f"| {name} fine-tuned sub-network (not retrained) | {len(hm)} | "
              f"{min(r['params'] for r in hm.values()):,}-{max(r['params'] for r in hm.values()):,} | "
              f"{mean_sd([r['test_accuracy'] for r in hm.values()], 100)}% | "
              f"{mean_sd([r['val_accuracy'] for r in hm.values()], 100)}% | - |")
    print()


def print_hmnas(results, variant):
    hm = seeds_of(results, f"search-{variant}-s*.json")
    if not hm:
        return
    print(f"{variant}:")
    print("| seed | edges per node (normal; reduction) | ops kept | weights kept | "
          "params | search + fine-tune s | test acc |")
    print("|---|---|---|---|---|---|---|")
    for seed, r in hm.items():
        g = r["genotype"]
        per = []
        ops = 0
        for cell in ("normal", "reduction"):
            per.append(",".join(str(len(node)) for node in g[cell]["nodes"]))
            ops += sum(len(e["ops"]) for node in g[cell]["nodes"] for e in node)
        print(f"| {seed} | {per[0]}; {per[1]} | {ops} | {r['kept_weights'] * 100:.1f}% | "
              f"{r['params']:,} | {r['search_seconds']:.0f} | {r['test_accuracy'] * 100:.2f}% |")
    print()
    for seed, r in hm.items():
        ew = r["edge_weights"]
        print(f"seed {seed} learned edge weights sigmoid(beta), normal: "
              + " ".join(f"{w:.2f}" for w in ew["normal"])
              + "; reduction: " + " ".join(f"{w:.2f}" for w in ew["reduction"]))
    print()


def print_costs(results):
    """Search plus retraining (DARTS, NAS I) against search plus fine-tuning (HM-NAS)."""
    print("| method | search s | retrain s | total s |")
    print("|---|---|---|---|")
    for variant, name in SEARCHES:
        runs = seeds_of(results, f"search-{variant}-s*.json")
        if not runs:
            continue
        search = [r["search_seconds"] for r in runs.values()]
        if variant.startswith("hmnas"):
            print(f"| {name} (fine-tuning included) | {mean_sd(search, digits=0)} | 0 | "
                  f"{mean_sd(search, digits=0)} |")
            continue
        trains = seeds_of(results, f"train-{variant}-s*.json")
        retrain = [trains[s]["seconds"] for s in runs if s in trains]
        total = [runs[s]["search_seconds"] + trains[s]["seconds"] for s in runs if s in trains]
        print(f"| {name} | {mean_sd(search, digits=0)} | {mean_sd(retrain, digits=0)} | "
              f"{mean_sd(total, digits=0)} |")
    print()


def print_collapse(results):
    print("Skip connections in the discretized cells (normal/reduction) after each search epoch:")
    for variant, name in SEARCHES:
        for seed, r in seeds_of(results, f"search-{variant}-s*.json").items():
            per_epoch = [f"{h['skip_connections']['normal']}/{h['skip_connections']['reduction']}"
                         for h in r["history"] if h["phase"] == "search"]
            print(f"- {name}, seed {seed}: {' '.join(per_epoch)}")
    print()


def main(argv):
    if len(argv) == 3 and argv[1] == "--random":
        rng = random.Random(1000 + int(argv[2]))
        print(json.dumps({"normal": random_cell(rng), "reduction": random_cell(rng)}, indent=2))
        return
    if len(argv) != 2:
        sys.exit("usage: report.py RESULTS | report.py --random SEED")
    print_searches(argv[1])
    print_retrained(argv[1])
    print_costs(argv[1])
    print_hmnas(argv[1], "hmnas")
    print_hmnas(argv[1], "hmnas-a")
    print_collapse(argv[1])


if __name__ == "__main__":
    main(sys.argv)
