#!/usr/bin/env bash
# The README's first command: installs the dependencies (Debian 12, as root), builds automl and
# runs the quick-start study on the embedded SQLite default (automl.db in this directory).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./build/src/cli/automl run examples/quickstart/study.yaml
./build/src/cli/automl best quickstart
