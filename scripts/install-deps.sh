#!/usr/bin/env bash
# Installs every Debian package automl needs to build, test and benchmark.
# Idempotent; run as root on Debian 12. Packages already present are skipped
# by apt-get itself, and the package index is refreshed only when a package
# is missing, so a second run is quick and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git pkg-config
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libsqlite3-dev
  libboost-dev libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libtorch-dev libopenblas0-pthread zlib1g-dev
  libpqxx-dev postgresql
  dataset-fashion-mnist
  python3 python3-optuna python3-torch python3-psycopg2
  procps
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps.sh: missing packages (${missing[*]}); run as root, it calls apt-get" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
