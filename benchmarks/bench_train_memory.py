"""Peak memory and step time of `simsearch train`, freed memory kept or given back after each step.

`train` gives a step's freed activations back to the system (``malloc_trim``) only while less
than half of the machine's memory is available (``simsearch.memory``). This forces each way in
its own process, alternately, on one index, and prints the peak resident memory, the seconds of
training steps (``train_seconds``) and their ratio:

    python benchmarks/bench_train_memory.py --db IDX.db --max-steps 40 --repeat 1

The index is any `simsearch index` database (for example pytest's docs from
``build_benchmarks.py``); no STS data is read (``SIMSEARCH_DATA`` points nowhere).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys
from simsearch import memory
memory.memory_is_short = lambda *a, **k: {short}
from simsearch.cli import main
try:
    main(sys.argv[1:])
finally:
    print(json.dumps({{"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}), file=sys.stderr)
"""


def run(db: Path, steps: int, give_back: bool, out: Path) -> dict:
    env = {**os.environ, "SIMSEARCH_DATA": "/nonexistent", "HF_HUB_OFFLINE": "1"}
    args = ["train", "--from-index", "--db", str(db), "--out", str(out), "--max-steps", str(steps), "--json"]
    done = subprocess.run([sys.executable, "-c", CHILD.format(short=give_back), *args],
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    result = json.loads(done.stdout)
    peak = json.loads(done.stderr.strip().splitlines()[-1])["peak_kb"]
    weights = (out / "model.safetensors").read_bytes()
    return {"peak_gb": peak / 1e6, "train_seconds": result["train_seconds"], "steps": result.get("steps"),
            "weights": hashlib.sha256(weights).hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--max-steps", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    rows = {"kept": [], "given back": []}
    with tempfile.TemporaryDirectory() as work:
        for repeat in range(args.repeat):
            for name, give_back in (("kept", False), ("given back", True)):
                rows[name].append(run(args.db, args.max_steps, give_back, Path(work) / f"{name}-{repeat}".replace(" ", "-")))
                print(name, rows[name][-1], flush=True)
    same = len({row["weights"] for runs in rows.values() for row in runs}) == 1
    best = {name: (min(r["peak_gb"] for r in runs), min(r["train_seconds"] for r in runs)) for name, runs in rows.items()}
    print(f"\n{'freed memory':<12} {'peak GB':>8} {'step s':>8}")
    for name, (peak, seconds) in best.items():
        print(f"{name:<12} {peak:>8.2f} {seconds:>8.1f}")
    print(f"given back / kept: peak x{best['given back'][0] / best['kept'][0]:.2f}, "
          f"step time x{best['given back'][1] / best['kept'][1]:.2f}; weights the same: {same}")


if __name__ == "__main__":
    main()
