#!/usr/bin/env bash
# The compound scaling benchmark of issue 7 in one command, from the repository root:
#
#   bench/scale/run.sh
#
# 1. automl scale bench/scale/scale.yaml: the grid search of alpha, beta, gamma at phi = 1
#    (alpha * beta^2 * gamma^2 within 0.05 of 2, step 0.1), then the family phi = 0, 1, 2 of the
#    best point, each member trained with seeds 0, 1, 2.
# 2. The same base scaled by one dimension alone at phi = 1, FLOPs factor 2 as the compound
#    member: depth (alpha 2), width (beta 1.4), resolution (gamma 1.4), seeds 0, 1, 2 each.
# Results land in RESULTS (bench/scale/results): JSON, logs and the SQLite storage. Every step
# resumes: a training already recorded is not run again. Environment: AUTOML
# (build/src/cli/automl), RESULTS.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/scale"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
[[ -x "${automl}" ]] || { echo "run.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
export OMP_WAIT_POLICY=passive  # idle LibTorch threads sleep instead of spinning

# A copy of scale.yaml with the results' paths, and |2| for the grid line, |3| for phi, |4| name.
configure() {
  sed -e "s|sqlite:///bench/scale/results/scale.db|sqlite:///${results}/scale.db|" \
      -e "s|models_dir: bench/scale/results/models|models_dir: ${results}/models|" \
      -e "s|^  grid: .*|$2|" -e "s|^  phi: .*|$3|" -e "s|^name: .*|name: $4|" \
      "${here}/scale.yaml" > "$1"
}

cd "${repo}"
configure "${results}/compound.yaml" \
  "  grid: {step: 0.1, max: 2.0, target: 2, tolerance: 0.05, epochs: 2}" "  phi: [0, 1, 2]" scale
"${automl}" scale "${results}/compound.yaml" --json "${results}/compound.json" \
  > "${results}/compound.out" 2> "${results}/compound.log"
for dim in "depth 2 1 1" "width 1 1.4 1" "resolution 1 1 1.4"; do
  set -- ${dim}
  configure "${results}/$1.yaml" "  coefficients: {alpha: $2, beta: $3, gamma: $4}" \
    "  phi: [1]" "scale-$1"
  "${automl}" scale "${results}/$1.yaml" --json "${results}/$1.json" \
    > "${results}/$1.out" 2> "${results}/$1.log"
done
cat "${results}"/compound.out "${results}"/{depth,width,resolution}.out
