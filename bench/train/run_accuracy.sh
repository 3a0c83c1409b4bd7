#!/usr/bin/env bash
# The hand-made baselines' accuracy on Fashion-MNIST's test set, in one command:
#
#   bench/train/run_accuracy.sh [BUILD_DIR]      (default: build; SEEDS="0 1 2" for several seeds)
#
# Trains bench/train/accuracy/two_conv.yaml (10 epochs, ~10 minutes on 2 cores) and resnet.yaml
# (30 epochs, ~50 minutes on 2 cores) with `automl train --json`, keeps each result under
# BUILD_DIR/train_accuracy/, and prints one table row per run. The test accuracy is that of the
# epoch with the best validation accuracy: the test set plays no part in choosing it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-${repo}/build}"
automl="${build_dir}/src/cli/automl"
out="${build_dir}/train_accuracy"
mkdir -p "${out}"
[ -x "${automl}" ] || { echo "run_accuracy.sh: build automl first (scripts/build.sh)" >&2; exit 1; }

echo "| model | seed | params | epochs | best val accuracy | test accuracy | minutes |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for name in ${MODELS:-two_conv resnet}; do
  for seed in ${SEEDS:-0}; do
    result="${out}/${name}-seed${seed}.json"
    "${automl}" train "${repo}/bench/train/accuracy/${name}.yaml" --seed "${seed}" --json \
      --out "${out}/${name}-seed${seed}.pt" > "${result}"
    /usr/bin/python3 - "${name}" "${seed}" "${result}" <<'PY'
import json, sys
name, seed, path = sys.argv[1:]
d = json.load(open(path))
print("| %s | %s | %s | %d | %.2f%% | %.2f%% | %.1f |" % (
    name, seed, format(d["params"], ","), len(d["history"]), 100 * d["val_accuracy"],
    100 * d["test_accuracy"], d["seconds"] / 60))
PY
  done
done
