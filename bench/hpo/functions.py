"""The test functions of the HPO benchmark suite, for Optuna (bench/hpo/optuna_bench.py).

The same functions, domains, minima and noise as bench/hpo/functions.h; bench/hpo/run.sh checks
that both give the same values before it runs anything (python3 functions.py check BINARY). The
standard functions, domains and minima follow S. Surjanovic & D. Bingham, "Virtual Library of
Simulation Experiments: Test Functions and Datasets"
(https://www.sfu.ca/~ssurjano/optimization.html); see functions.h for the list.

A function is described by its parameters, (name, kind, low, high, options) tuples in the order
Optuna suggests them, so that a value can be computed from an Optuna trial or from a plain dict.
"""

import json
import math
import random
import subprocess
import sys

PI = 3.14159265358979323846
MASK = (1 << 64) - 1


# ---- The standard functions, on lists ---------------------------------------------------------

def branin(x):
    b, c, t = 5.1 / (4 * PI * PI), 5 / PI, 1 / (8 * PI)
    u = x[1] - b * x[0] * x[0] + c * x[0] - 6
    return u * u + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            d = x[j] - P[i][j]
            inner += A[i][j] * d * d
        total += ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        a, b = x[i + 1] - x[i] * x[i], 1 - x[i]
        total += 100 * a * a + b * b
    return total


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s0 = math.sin(PI * w[0])
    total = s0 * s0
    for i in range(len(x) - 1):
        s = math.sin(PI * w[i] + 1)
        total += (w[i] - 1) * (w[i] - 1) * (1 + 10 * s * s)
    s = math.sin(2 * PI * w[-1])
    return total + (w[-1] - 1) * (w[-1] - 1) * (1 + s * s)


def ackley(x):
    d = float(len(x))
    squares = cosines = 0.0
    for v in x:
        squares += v * v
        cosines += math.cos(2 * PI * v)
    return (-20 * math.exp(-0.2 * math.sqrt(squares / d)) - math.exp(cosines / d) + 20
            + math.exp(1.0))


def styblinski_tang(x):
    total = 0.0
    for v in x:
        total += v * v * v * v - 16 * v * v + 5 * v
    return total / 2


# ---- The mixed function (bench/hpo/README.md) --------------------------------------------------

# choice -> (optimal x, offset)
MIXED_CHOICES = {"a": (-2.0, 1.0), "b": (1.0, 0.5), "c": (0.5, 0.0), "d": (3.0, 2.0),
                 "e": (-1.0, 0.25)}


def mixed(p):
    best_x, offset = MIXED_CHOICES[p["c"]]
    dx = p["x"] - best_x
    dy = p["y"] + 1
    dlr = math.log10(p["lr"]) + 3
    du = (float(p["units"]) - 128) / 64
    dl = float(p["layers"]) - 3
    return dx * dx + dy * dy + dlr * dlr / 4 + du * du + math.fabs(dl) / 2 + offset


# ---- Noise --------------------------------------------------------------------------------------

def splitmix64(x):
    """SplitMix64's output function, as in functions.h (64-bit unsigned arithmetic)."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def noise(seed, trial):
    """A standard normal draw for (seed, trial number), bit for bit functions.h's Noise()."""
    h = splitmix64(splitmix64(seed & MASK) ^ (trial & MASK))
    u1 = ((splitmix64((h + 1) & MASK) >> 11) + 0.5) * 2.0 ** -53
    u2 = (splitmix64((h + 2) & MASK) >> 11) * 2.0 ** -53
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * PI * u2)


# ---- The table ----------------------------------------------------------------------------------

class Function:
    """params: [(name, kind, low, high, options)], kind float|int|categorical; value(dict)."""

    def __init__(self, name, params, value, minimum, argmin, noise_sd=0.0):
        self.name, self.params, self.value = name, params, value
        self.minimum, self.argmin, self.noise_sd = minimum, argmin, noise_sd

    def suggest(self, trial):
        """The parameters of an Optuna trial, suggested in the order of self.params."""
        p = {}
        for name, kind, low, high, options in self.params:
            if kind == "float":
                p[name] = trial.suggest_float(name, low, high, log=options.get("log", False))
            elif kind == "int":
                p[name] = trial.suggest_int(name, low, high, step=options.get("step", 1))
            else:
                p[name] = trial.suggest_categorical(name, options["choices"])
        return p


def box_function(name, box, at, minimum, f, noise_sd=0.0):
    n = len(box)
    params = [("x%d" % i, "float", lo, hi, {}) for i, (lo, hi) in enumerate(box)]
    return Function(name, params, lambda p: f([p["x%d" % i] for i in range(n)]), minimum,
                    {"x%d" % i: v for i, v in enumerate(at)}, noise_sd)


def cube(name, n, low, high, at, minimum, f):
    return box_function(name, [(low, high)] * n, [at] * n, minimum, f)


HARTMANN6_ARGMIN = [0.20168951100670543, 0.15001069182345797, 0.476873974221897,
                    0.2753324304940561, 0.31165161660011326, 0.6573005340656204]

FUNCTIONS = {
    "branin": box_function("branin", [(-5, 10), (0, 15)], [PI, 2.275], 5 / (4 * PI), branin),
    "hartmann6": box_function("hartmann6", [(0, 1)] * 6, HARTMANN6_ARGMIN, -3.322368011415515,
                              hartmann6),
    "rosenbrock5": cube("rosenbrock5", 5, -5, 10, 1, 0, rosenbrock),
    "levy10": cube("levy10", 10, -10, 10, 1, 0, levy),
    "ackley10": cube("ackley10", 10, -32.768, 32.768, 0, 0, ackley),
    "styblinski_tang10": cube("styblinski_tang10", 10, -5, 5, -2.903534027771177,
                              -39.16616570377141 * 10, styblinski_tang),
    "mixed": Function("mixed", [
        ("x", "float", -5, 5, {}),
        ("y", "float", -5, 5, {}),
        ("lr", "float", 1e-5, 1, {"log": True}),
        ("units", "int", 8, 512, {"step": 8}),
        ("layers", "int", 1, 8, {}),
        ("c", "categorical", None, None, {"choices": ["a", "b", "c", "d", "e"]}),
    ], mixed, 0.0, {"x": 0.5, "y": -1.0, "lr": 1e-3, "units": 128, "layers": 3, "c": "c"}),
    "noisy_hartmann6": box_function("noisy_hartmann6", [(0, 1)] * 6, HARTMANN6_ARGMIN,
                                    -3.322368011415515, hartmann6, noise_sd=0.1),
}


def get(name):
    if name not in FUNCTIONS:
        sys.exit("unknown function '%s' (known: %s)" % (name, ", ".join(FUNCTIONS)))
    return FUNCTIONS[name]


# ---- The cross-check with the C++ definitions ---------------------------------------------------

def random_point(f, rng):
    p = {}
    for name, kind, low, high, options in f.params:
        if kind == "float" and options.get("log"):
            p[name] = math.exp(rng.uniform(math.log(low), math.log(high)))
        elif kind == "float":
            p[name] = rng.uniform(low, high)
        elif kind == "int":
            step = options.get("step", 1)
            p[name] = low + step * rng.randrange((high - low) // step + 1)
        else:
            p[name] = rng.choice(options["choices"])
    return p


def check_points(points_per_function=50):
    """(function, params, seed, trial) cases: each argmin, each corner-ish point, random points."""
    rng = random.Random(20240601)
    cases = []
    for f in FUNCTIONS.values():
        cases.append((f.name, dict(f.argmin), 0, 0))
        for k in range(points_per_function):
            cases.append((f.name, random_point(f, rng), rng.randrange(1 << 32), k))
    return cases


def close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def check(binary):
    """Compares with `BINARY --evaluate`; returns the number of disagreements (printed)."""
    cases = check_points()
    stdin = "".join(json.dumps({"function": name, "params": p, "seed": seed, "trial": trial}) + "\n"
                    for name, p, seed, trial in cases)
    out = subprocess.run([binary, "--evaluate"], input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        print("functions.py check: %s --evaluate failed: %s" % (binary, out.stderr.strip()))
        return 1
    lines = out.stdout.splitlines()
    if len(lines) != len(cases):
        print("functions.py check: %d answers for %d points" % (len(lines), len(cases)))
        return 1
    bad = 0
    for (name, p, seed, trial), line in zip(cases, lines):
        got = json.loads(line)
        f = FUNCTIONS[name]
        want_value = f.value(p)
        want_noise = noise(seed, trial)
        if not (close(got["value"], want_value) and close(got["noise"], want_noise)):
            bad += 1
            print("MISMATCH %s at %s seed %d trial %d: C++ value %r noise %r, Python %r %r"
                  % (name, json.dumps(p), seed, trial, got["value"], got["noise"], want_value,
                     want_noise))
        if want_value < f.minimum - 1e-9 * max(1.0, abs(f.minimum)):
            bad += 1
            print("BELOW MINIMUM %s at %s: %r < %r" % (name, json.dumps(p), want_value, f.minimum))
    for f in FUNCTIONS.values():
        if not close(f.value(f.argmin), f.minimum) and abs(f.value(f.argmin) - f.minimum) > 1e-9:
            bad += 1
            print("ARGMIN %s: value %r, minimum %r" % (f.name, f.value(f.argmin), f.minimum))
    print("functions.py check: %d points, %d functions, %d disagreements"
          % (len(cases), len(FUNCTIONS), bad))
    return bad


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(1 if check(sys.argv[2]) else 0)
    sys.exit("usage: python3 functions.py check PATH/TO/automl_hpo_bench")
