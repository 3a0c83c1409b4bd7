#!/usr/bin/python3
"""The report of the HPO benchmark suite, from the result files of bench/hpo/run.sh.

    python3 bench/hpo/report.py --results DIR [--samplers S ...] [--functions F ...]

Reads DIR/SAMPLER__FUNCTION.jsonl (one JSON line per seed, as automl_hpo_bench and
optuna_bench.py write them) and prints markdown: the median final simple regret with its IQR
[q25, q75] over seeds (rows functions, columns samplers; the lowest median of a row in bold), the
mean rank of each sampler over the functions, and the median CPU time per ask. Writes one SVG per
function, DIR/plots/FUNCTION.svg: the median best-so-far regret against the number of trials, log
y-axis, one line per sampler. Hand-written SVG: the suite adds no plotting dependency.
Without --samplers / --functions, every file in DIR is reported.
"""

import argparse
import glob
import json
import math
import os
import statistics
import sys


def load(results, samplers, functions):
    """{(function, sampler): [row per seed]} for the files present."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*__*.jsonl"))):
        sampler, function = os.path.basename(path)[:-len(".jsonl")].split("__", 1)
        if (samplers and sampler not in samplers) or (functions and function not in functions):
            continue
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        if rows:
            runs[(function, sampler)] = sorted(rows, key=lambda r: r["seed"])
    return runs


def quartiles(values):
    """(q25, median, q75), linear interpolation between order statistics (numpy's default)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    return tuple(statistics.quantiles(values, n=4, method="inclusive"))


def fmt(x):
    if x == 0:
        return "0"
    if abs(x) >= 1000 or abs(x) < 0.001:
        return "%.2e" % x
    return "%.3g" % x


def ordered(present, wanted):
    return [x for x in wanted if x in present] + sorted(present - set(wanted))


def regret_table(runs, functions, samplers):
    lines = ["| function | " + " | ".join(samplers) + " |",
             "|---|" + "---:|" * len(samplers)]
    ranks = {s: [] for s in samplers}
    for f in functions:
        medians = {s: quartiles([r["final_regret"] for r in runs[(f, s)]])
                   for s in samplers if (f, s) in runs}
        best = min((q[1] for q in medians.values()), default=None)
        order = sorted(medians, key=lambda s: medians[s][1])
        for s in medians:  # ties share the mean of their ranks
            tied = [i + 1 for i, o in enumerate(order) if medians[o][1] == medians[s][1]]
            ranks[s].append(sum(tied) / len(tied))
        cells = []
        for s in samplers:
            if s not in medians:
                cells.append("-")
                continue
            q25, q50, q75 = medians[s]
            median = "**%s**" % fmt(q50) if q50 == best else fmt(q50)
            cells.append("%s [%s, %s]" % (median, fmt(q25), fmt(q75)))
        seeds = {len(runs[(f, s)]) for s in medians}
        trials = {runs[(f, s)][0]["trials"] for s in medians}
        label = "%s (%s trials, %s seeds)" % (f, "/".join(map(str, sorted(trials))),
                                             "/".join(map(str, sorted(seeds))))
        lines.append("| %s | %s |" % (label, " | ".join(cells)))
    lines.append("| mean rank | %s |" % " | ".join(
        "%.2f" % statistics.mean(ranks[s]) if ranks[s] else "-" for s in samplers))
    return lines


def time_table(runs, functions, samplers):
    lines = ["| function | " + " | ".join(samplers) + " |",
             "|---|" + "---:|" * len(samplers)]
    for f in functions:
        cells = []
        for s in samplers:
            if (f, s) not in runs:
                cells.append("-")
                continue
            rows = runs[(f, s)]
            cpu = all("ask_cpu_seconds_median" in r for r in rows)
            key = "ask_cpu_seconds_median" if cpu else "ask_seconds_median"
            ms = statistics.median(r[key] for r in rows) * 1e3
            cells.append("%.3g%s" % (ms, "" if cpu else " (wall)"))
        lines.append("| %s | %s |" % (f, " | ".join(cells)))
    return lines


# ---- SVG ----------------------------------------------------------------------------------------

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8", "#98df8a", "#ffbb78"]
FLOOR = 1e-12  # regrets below (zero included) are drawn at this value on the log axis


def median_curve(rows):
    n = min(len(r["regret"]) for r in rows)
    return [statistics.median(r["regret"][i] for r in rows) for i in range(n)]


def nice_step(span, target=6):
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def svg_plot(function, curves, seeds):
    """curves: [(sampler, [median regret after trial 1..n])]; returns the SVG text."""
    width, height = 760, 460
    left, right, top, bottom = 70, 190, 40, 50
    pw, ph = width - left - right, height - top - bottom
    n_max = max(len(c) for _, c in curves)
    values = [max(v, FLOOR) for _, c in curves for v in c]
    y_lo = math.floor(math.log10(min(values)))
    y_hi = math.ceil(math.log10(max(values)))
    if y_hi == y_lo:
        y_hi += 1

    def x_of(trial):
        return left + pw * (trial - 1) / max(n_max - 1, 1)

    def y_of(v):
        return top + ph * (y_hi - math.log10(max(v, FLOOR))) / (y_hi - y_lo)

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">'
           % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15">%s: median best-so-far regret over %s seeds'
           '</text>' % (left, function, seeds)]
    # Grid and ticks: a line per decade, labelled; x ticks at round trial counts.
    decade_step = max(1, math.ceil((y_hi - y_lo) / 10))
    for e in range(y_lo, y_hi + 1):
        y = y_of(10.0 ** e)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (left, y, left + pw, y))
        if (e - y_lo) % decade_step == 0:
            out.append('<text x="%d" y="%.1f" text-anchor="end">1e%d</text>' % (left - 6, y + 4, e))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">1</text>' % (x_of(1), top + ph + 18))
    step = nice_step(n_max)
    tick = step
    while tick <= n_max:
        x = x_of(tick)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>'
                   % (x, top, x, top + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>'
                   % (x, top + ph + 18, tick))
        tick += step
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
               % (left, top, pw, ph))
    out.append('<text x="%d" y="%d" text-anchor="middle">trials</text>'
               % (left + pw // 2, height - 10))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">'
               'simple regret (log scale)</text>' % (top + ph // 2))
    # One polyline per sampler; Optuna's dashed; the legend on the right.
    for i, (sampler, curve) in enumerate(curves):
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="6,3"' if sampler.startswith("optuna-") else ""
        points = " ".join("%.1f,%.1f" % (x_of(t + 1), y_of(v)) for t, v in enumerate(curve))
        out.append('<polyline fill="none" stroke="%s" stroke-width="1.8"%s points="%s"/>'
                   % (color, dash, points))
        ly = top + 10 + 18 * i
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (left + pw + 12, ly, left + pw + 40, ly, color, dash))
        out.append('<text x="%d" y="%d">%s</text>' % (left + pw + 46, ly + 4, sampler))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--samplers", nargs="*", default=[])
    parser.add_argument("--functions", nargs="*", default=[])
    args = parser.parse_args()
    runs = load(args.results, set(args.samplers), set(args.functions))
    if not runs:
        sys.exit("report.py: no result files in %s" % args.results)
    functions = ordered({f for f, _ in runs}, args.functions)
    samplers = ordered({s for _, s in runs}, args.samplers)

    print("Median final simple regret over seeds, [q25, q75] (lower is better; bold: the lowest "
          "median of the row; mean rank: by median, over the functions a sampler ran):")
    print()
    print("\n".join(regret_table(runs, functions, samplers)))
    print()
    print("Median CPU time per ask in ms (median over seeds of each run's median; the process's "
          "CPU time, which other load on a shared machine does not inflate as it does wall time; "
          "automl: Study::Ask(); Optuna: study.ask() plus the suggest calls):")
    print()
    print("\n".join(time_table(runs, functions, samplers)))
    print()
    plots = os.path.join(args.results, "plots")
    os.makedirs(plots, exist_ok=True)
    for f in functions:
        curves = [(s, median_curve(runs[(f, s)])) for s in samplers if (f, s) in runs]
        seeds = "/".join(str(n) for n in sorted({len(runs[(f, s)]) for s, _ in curves}))
        with open(os.path.join(plots, f + ".svg"), "w") as out:
            out.write(svg_plot(f, curves, seeds))
    print("Plots (median best-so-far regret against trials, log scale): plots/{%s}.svg in %s"
          % (",".join(functions), args.results))


if __name__ == "__main__":
    main()
