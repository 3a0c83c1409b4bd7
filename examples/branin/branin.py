#!/usr/bin/env python3
"""Branin-Hoo as an automl command objective.

Reads its parameters from argv, reports a few intermediate values (as a training script reports
its validation loss per epoch), and prints the result as the last JSON line on stdout.
"""
import json
import math
import sys


def branin(x, y):
    a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (y - b * x ** 2 + c * x - r) ** 2 + s * (1 - t) * math.cos(x) + s


def main():
    x, y = float(sys.argv[1]), float(sys.argv[2])
    value = branin(x, y)
    for step in range(3):
        # A curve that approaches the final value, as a loss would.
        print(json.dumps({"step": step, "value": value + 2.0 ** -step}), flush=True)
    print(json.dumps({"value": value}))


if __name__ == "__main__":
    main()
