#!/usr/bin/env bash
# The README's first command: installs the dependencies (Debian 12, as root), builds automl and
# runs the quick-start study (a small Fashion-MNIST search, in-process on LibTorch) on the embedded
# SQLite default (automl.db in this directory); then exports the best trial's network and reports
# its accuracy on the test set, which the search never saw.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
automl=./build/src/cli/automl
"${automl}" run examples/quickstart/study.yaml
"${automl}" best quickstart
"${automl}" model export quickstart --out quickstart-best.pt
"${automl}" model evaluate quickstart-best.pt
