#!/usr/bin/env bash
# The README's second command (and what CI runs): installs the dependencies (Debian 12, as
# root), builds automl with its tests and runs the whole suite, PostgreSQL's part included.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} ./scripts/build.sh -DAUTOML_BUILD_TESTS=ON
cd "${BUILD_DIR:-build}"
# The PostgreSQL tests run against a private server that CTest starts on loopback (the fixture
# `postgres`, scripts/postgres-test-server.sh) and stops at the end. Here, where the script has
# just installed PostgreSQL, a server that does not start is a failure, not a reason to skip.
export AUTOML_REQUIRE_POSTGRES=1
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
