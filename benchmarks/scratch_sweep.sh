#!/usr/bin/env bash
# The from-scratch SimCSE sweep of the README ("From a randomly initialised BERT"): 20 runs of
# `simcse_evidence.py scratch-one`, started side by side on one GPU (about 2 minutes per batch
# of runs on an H100). Usage: benchmarks/scratch_sweep.sh [OUT_DIR] [DEVICE]; needs the
# evaluation data ($SIMSEARCH_DATA or ../shared/data). Prints every run's JSON rows at the end.
set -euo pipefail
out=${1:-/tmp/simsearch-scratch-sweep}
device=${2:-cuda}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
i=0
while read -r args; do
  [ -z "$args" ] && continue
  i=$((i + 1))
  OMP_NUM_THREADS=1 python3 "$here/simcse_evidence.py" scratch-one --device "$device" --epochs 3 \
    --keep "$out/run$i" $args > "$out/run$i.log" 2>&1 &
done <<'RUNS'
--pooler cls --lr 3e-5 --dropout 0.1
--pooler cls --lr 1e-4 --warmup 200 --dropout 0.1
--pooler cls --lr 1e-4 --warmup 200 --dropout 0.0
--pooler cls --lr 1e-4 --warmup 200 --dropout 0.1 --fixed
--pooler avg --lr 3e-5 --dropout 0.1
--pooler avg --lr 1e-4 --warmup 200 --dropout 0.1
--pooler avg --lr 1e-4 --warmup 200 --dropout 0.0
--pooler avg --lr 1e-4 --warmup 200 --dropout 0.1 --fixed
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1
--pooler cls --lr 5e-4 --warmup 200 --dropout 0.1
--pooler avg --lr 1e-4 --warmup 200 --dropout 0.1 --layers 6 --hidden 384
--pooler cls --lr 1e-4 --warmup 200 --dropout 0.1 --layers 6 --hidden 384
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.0 --seed 42
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1 --fixed --seed 42
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1 --seed 1
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.0 --seed 1
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1 --fixed --seed 1
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1 --seed 2
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.0 --seed 2
--pooler avg --lr 5e-4 --warmup 200 --dropout 0.1 --fixed --seed 2
RUNS
wait
for log in "$out"/run*.log; do echo "== $log"; grep -E '^\{' "$log" || tail -3 "$log"; done
