#!/usr/bin/env bash
# The NAS benchmark of issue 6 in one command:
#
#   bench/nas/run.sh
#
# For each seed of SEEDS and each strategy of STRATEGIES, searches bench/nas/search.yaml for
# TRIALS trials (the same budget for every strategy), exports the study, then retrains the best
# cell at the full setting (the trial's training_config without its proxy, the study's seed) and
# keeps the result; then trains the hand-made ResNet baseline (bench/train/accuracy/resnet.yaml)
# with the same seeds, and prints the tables (bench/nas/report.py). Everything lands in RESULTS;
# a search or a training whose file exists is kept (delete the file to redo it), so an
# interrupted run resumes where it stopped.
#
# Strategies: random, evolution (population 20, sample size 5: a budget of 80 trials leaves the
# tournament 60), reinforce (the defaults), econas (population 20, 8 children per iteration, three
# chunks, promote [4, 2]: each trial is one chunk, so TRIALS buys it more networks).
#
# Environment: SEEDS ("0 1 2"), STRATEGIES ("random evolution reinforce"), TRIALS (80),
# FINAL_EPOCHS (the config's 30; fewer for a quick check), CONFIG (bench/nas/search.yaml),
# RESULTS (bench/nas/results), AUTOML (build/src/cli/automl). A check of the whole pipeline in
# about 15 minutes (that example also searches a continuous lr, which reinforce refuses):
#   STRATEGIES="random evolution" CONFIG=examples/nas/nasnet_cells.yaml TRIALS=4 SEEDS=0 \
#     FINAL_EPOCHS=1 RESULTS=/tmp/nas-smoke bench/nas/run.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${repo}/bench/nas"
automl="${AUTOML:-${repo}/build/src/cli/automl}"
results="${RESULTS:-${here}/results}"
seeds="${SEEDS:-0 1 2}"
strategies="${STRATEGIES:-random evolution reinforce}"
trials="${TRIALS:-80}"
final_epochs="${FINAL_EPOCHS:-}"
config="$(realpath "${CONFIG:-${here}/search.yaml}")"
python=/usr/bin/python3
[[ -x "${automl}" ]] || { echo "run.sh: no automl at ${automl}; build first" >&2; exit 1; }
mkdir -p "${results}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

spec() {
  case "$1" in
    random) echo random ;;
    evolution) echo '{name: evolution, population: 20, sample_size: 5}' ;;
    reinforce) echo reinforce ;;
    econas) echo '{name: econas, population: 20, children: 8, levels: 3, promote: [4, 2], sample_size: 5}' ;;
    *) echo "run.sh: unknown strategy '$1'" >&2; exit 1 ;;
  esac
}

epochs_flag=()
[[ -n "${final_epochs}" ]] && epochs_flag=(--epochs "${final_epochs}")

for seed in ${seeds}; do
  for strategy in ${strategies}; do
    study="nas-${strategy}-s${seed}"
    export_file="${results}/${study}.json"
    if [[ ! -s "${export_file}" ]]; then
      echo "== ${study}: ${trials} trials" >&2
      start=$(date +%s)
      (cd "${work}" && "${automl}" run "${config}" --storage "sqlite:///${results}/nas.db" \
        --study "${study}" --seed "${seed}" --trials "${trials}" --sampler "$(spec "${strategy}")" \
        --progress lines)
      echo "$(( $(date +%s) - start ))" > "${results}/${study}.seconds"
      "${automl}" export "${study}" --storage "sqlite:///${results}/nas.db" --format json \
        -o "${export_file}.partial"
      mv "${export_file}.partial" "${export_file}"
    fi
    final="${results}/${study}.final.json"
    if [[ ! -s "${final}" ]]; then
      # The best trial's full setting, without its proxy and cap, with the study's seed.
      "${python}" - "${export_file}" "${results}/nas.db" "${study}" "${seed}" > "${work}/final.json" <<'PY'
import json, sqlite3, sys
export, db, study, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
done = [t for t in json.load(open(export))["trials"] if t["state"] == "COMPLETE"]
best = max(done, key=lambda t: t["value"])
# The export leaves system attributes out: the trial's training config is read from the storage.
row = sqlite3.connect(db).execute(
    "SELECT t.system_attrs FROM trials t JOIN studies s ON s.study_id = t.study_id"
    " WHERE s.name = ? AND t.number = ?", (study, best["number"])).fetchone()
config = json.loads(row[0])["training_config"]
config.pop("proxy", None)
config["seed"] = seed
json.dump(config, sys.stdout)
PY
      echo "== ${study}: retraining the best cell at the full setting" >&2
      "${automl}" train "${work}/final.json" --json "${epochs_flag[@]}" > "${final}.partial"
      mv "${final}.partial" "${final}"
    fi
  done
  baseline="${results}/resnet-s${seed}.final.json"
  if [[ ! -s "${baseline}" ]]; then
    echo "== resnet baseline, seed ${seed}" >&2
    "${automl}" train "${repo}/bench/train/accuracy/resnet.yaml" --seed "${seed}" --json \
      "${epochs_flag[@]}" > "${baseline}.partial"
    mv "${baseline}.partial" "${baseline}"
  fi
done
"${python}" "${here}/report.py" "${results}"
