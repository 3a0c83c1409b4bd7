#!/usr/bin/env bash
# Training throughput, automl's C++ trainer next to the identical model and loop in PyTorch-Python
# on the same LibTorch (Debian's python3-torch 1.13), in one command:
#
#   bench/train/run_throughput.sh [BUILD_DIR]      (default: build)
#
# For each config in bench/train/*.json (same network, batch size 128, 2 threads, same data), it
# alternates `automl train CONFIG --steps S --json` and `pytorch_train.py CONFIG --steps S`
# ROUNDS times (pairing keeps the ratio honest while the machine's speed drifts), and prints the
# median images/s of each, the median of the per-round ratios, and the share of automl's training
# loop spent drawing batches (gather + augmentation) rather than in LibTorch's forward, backward
# and optimizer step. With PERF=1 it also profiles one run of the 2-conv model with `perf record`
# and prints the share of CPU samples by shared object.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-${repo}/build}"
automl="${build_dir}/src/cli/automl"
python=/usr/bin/python3
rounds="${ROUNDS:-5}"
out="${build_dir}/train_throughput"
mkdir -p "${out}"
[ -x "${automl}" ] || { echo "run_throughput.sh: build automl first (scripts/build.sh)" >&2; exit 1; }
"${python}" -c 'import torch' 2>/dev/null ||
  { echo "run_throughput.sh: ${python} lacks torch: run scripts/install-deps.sh" >&2; exit 1; }

declare -A steps=([two_conv]=120 [small_cnn]=400 [tiny_cnn]=600 [mlp]=1500)
results="${out}/results.jsonl"
: > "${results}"
for name in two_conv small_cnn tiny_cnn mlp; do
  config="${repo}/bench/train/${name}.json"
  for round in $(seq 1 "${rounds}"); do
    "${automl}" train "${config}" --steps "${steps[$name]}" --json 2>/dev/null |
      "${python}" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'model': '${name}', 'impl': 'automl', 'round': ${round}, 'images_per_sec': d['images_per_sec'], 'data_seconds': d['data_seconds'], 'train_seconds': d['train_seconds'], 'params': d['params']}))" >> "${results}"
    "${python}" "${repo}/bench/train/pytorch_train.py" "${config}" --steps "${steps[$name]}" |
      "${python}" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'model': '${name}', 'impl': 'python', 'round': ${round}, 'images_per_sec': d['images_per_sec'], 'threads': d['threads']}))" >> "${results}"
  done
done

"${python}" - "${results}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| model | params | automl images/s | PyTorch-Python images/s | ratio (median of rounds) | automl time drawing batches |")
print("|---|---:|---:|---:|---:|---:|")
for model in dict.fromkeys(r["model"] for r in rows):
    a = [r for r in rows if r["model"] == model and r["impl"] == "automl"]
    p = [r for r in rows if r["model"] == model and r["impl"] == "python"]
    ratios = [x["images_per_sec"] / y["images_per_sec"] for x, y in zip(a, p)]
    data = [x["data_seconds"] / (x["data_seconds"] + x["train_seconds"]) for x in a]
    print("| %s | %s | %.0f | %.0f | %.2fx | %.2f%% |" % (
        model, format(a[0]["params"], ","), statistics.median(x["images_per_sec"] for x in a),
        statistics.median(y["images_per_sec"] for y in p), statistics.median(ratios),
        100 * statistics.median(data)))
print("\n%d rounds per model; raw results in %s" % (len(rows) // 8, sys.argv[1]))
PY

if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
  perf record -F 999 -o "${out}/perf.data" "${automl}" train "${repo}/bench/train/two_conv.json" \
    --steps 300 --json > /dev/null 2>&1
  echo
  echo "CPU samples by shared object (perf record -F 999, 300 steps of two_conv, whole process):"
  perf report -i "${out}/perf.data" --sort dso --no-children --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -12
fi
