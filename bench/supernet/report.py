#!/usr/bin/env python3
"""Tables for BENCHMARKS.md from bench/supernet/run.sh's results directory."""
import glob
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main(results):
    rank_file = os.path.join(results, "rank.json")
    if os.path.exists(rank_file):
        print_rank(load(rank_file))
    print_search(results)


def print_rank(rank):
    sa = rank["standalone"]
    print(f"Stand-alone: {sum(v is not None for v in sa['accuracy'])} of {rank['paths']} paths, "
          f"{sa['seconds_per_path']:.1f} s each")
    print()
    print("| sampler | supernet epochs | pairs | Kendall tau | Spearman rho [95% CI] | "
          "training s | of which scoring s |")
    print("|---|---|---|---|---|---|---|")
    for s in rank["samplers"]:
        ci = s["spearman_ci"] or [None, None]
        tau = "-" if s["kendall"] is None else f"{s['kendall']:.3f}"
        rho = "-" if s["spearman"] is None else f"{s['spearman']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]"
        print(f"| {s['sampler']} | {s['supernet']['epochs']} | {s['pairs']} | {tau} | {rho} | "
              f"{s['train_seconds']:.0f} | {s['score_seconds']:.0f} |")
    print()


def print_search(results):
    rows = []
    for strategy in ("evolution", "random"):
        path = os.path.join(results, f"search-{strategy}.json")
        if not os.path.exists(path):
            continue
        s = load(path)
        best = s["best"][0]
        tests = [r["test_accuracy"] for r in s["retrained"] if r["rank"] == 1]
        vals = [r["val_accuracy"] for r in s["retrained"] if r["rank"] == 1]
        ops = " ".join(op for stage in best["arch"]["stages"] for op in stage["ops"])
        rows.append((strategy, best, vals, tests, ops, s))
    if rows:
        check = rows[0][5].get("latency_check", {})
        if check:
            print(f"Latency table: mean |error| {100 * check['mean_abs_error']:.1f}%, max "
                  f"{100 * check['max_abs_error']:.1f}% over {len(check['measured_ms'])} paths")
            print()
        print("| network | params | FLOPs | predicted latency ms | supernet val acc | "
              "val acc (3 seeds) | test acc (3 seeds) | ops |")
        print("|---|---|---|---|---|---|---|---|")
        for strategy, best, vals, tests, ops, _ in rows:
            print(f"| best of {strategy} | {best['params']} | {best['flops']} | "
                  f"{best['latency_ms']:.3f} | {best['accuracy']:.4f} | {mean_sd(vals)} | "
                  f"{mean_sd(tests)} | {ops} |")
    for net in ("mb3", "mb6"):
        handmade = sorted(glob.glob(os.path.join(results, f"handmade-{net}-seed*.json")))
        if handmade:
            runs = [load(p) for p in handmade]
            print(f"| hand-made ({net}_k3 x 6) | {runs[0]['params']} | {runs[0]['flops']} | - | - "
                  f"| {mean_sd([r['val_accuracy'] for r in runs])} | "
                  f"{mean_sd([r['test_accuracy'] for r in runs])} | {net}_k3 x 6 |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/supernet/results")
