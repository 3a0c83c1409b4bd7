#!/usr/bin/env bash
# The README's second command (and what CI runs): installs the dependencies (Debian 12, as
# root), builds automl with its tests and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} ./scripts/build.sh -DAUTOML_BUILD_TESTS=ON
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
