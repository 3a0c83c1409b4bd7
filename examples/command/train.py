#!/usr/bin/env python3
"""A stand-in for a training script, as automl runs one.

It takes its hyperparameters on the command line, reports a validation loss after each "epoch" as
JSON lines ({"step": k, "value": v}, k the epochs done so far: the resource a pruner counts) and
ends with the final loss ({"value": v}). When automl's pruner stops the trial, the program gets
SIGTERM (then SIGKILL after the objective's `grace` seconds). The loss surface is
Branin-Hoo in x, with penalties that favour a learning rate near 3e-3, a depth of 4, and momentum
near 0.9 for SGD, so that the search has something real to find. Swap in your own training loop:
the only contract is the JSON lines on stdout.
"""
import argparse
import json
import math


def branin(x, y):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("x", type=float)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--opt", choices=["sgd", "adam"], required=True)
    parser.add_argument("--momentum", type=float, default=None)
    args = parser.parse_args()

    loss = branin(args.x, 2.275)
    loss += 0.5 * (math.log10(args.lr) - math.log10(3e-3)) ** 2
    loss += 0.1 * (args.layers - 4) ** 2
    if args.opt == "sgd":
        loss += 5 * (args.momentum - 0.9) ** 2
    else:
        loss += 0.05
    epochs = 5
    for epoch in range(epochs):
        # Validation loss falls towards its final value as training proceeds.
        print(json.dumps({"step": epoch + 1, "value": loss * (1 + 2.0 ** -epoch)}), flush=True)
    print(json.dumps({"value": loss}))


if __name__ == "__main__":
    main()
