#!/usr/bin/env bash
# Configures and builds automl (Release) in BUILD_DIR (default: build). Extra arguments go to
# CMake, e.g. scripts/build.sh -DAUTOML_WITH_TORCH=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
