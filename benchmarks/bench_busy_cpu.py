"""How long `simsearch index` (and a few `train` steps) take on a quiet CPU and beside busy
processes, under libgomp's default spin count and under simsearch's (``simsearch.SPINCOUNT``).

torch's CPU wheel runs its threads with GNU OpenMP, whose idle threads spin up to 300,000 times
before they sleep. Beside another torch process (a `train` in another terminal, a notebook), each
process's spinning threads hold the cores the other's working threads wait for: on a 2-core
machine, indexing one file took 60-94 s instead of 8. The neighbour here is such a process, at
libgomp's defaults (``--neighbour python``: plain busy loops instead, one a core). Every run is a
fresh process (the spin count is read once, when torch loads), the settings interleaved so that a
drift of the machine hits each alike::

    python benchmarks/bench_busy_cpu.py --path DOCS_FOLDER_OR_FILE
    python benchmarks/bench_busy_cpu.py --path FOLDER --train --repeat 2

The peer is libgomp's default (``GOMP_SPINCOUNT=300000``, what runs when simsearch sets nothing);
``--spin`` adds settings to compare. Prints each setting's median seconds, quiet and busy, and its
ratio to the peer's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import simsearch

PEER = "300000"  # libgomp's spin count when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set


# A neighbour that computes with torch, as another `simsearch train` would: matmuls and an
# activation, in torch's thread pool at libgomp's default spin count.
TORCH_NEIGHBOUR = """
import torch
a = torch.randn(256, 256)
while True:
    for _ in range(50):
        b = a @ a
    torch.nn.functional.gelu(b)
"""
PYTHON_NEIGHBOUR = "while True: pass"


def neighbours(kind: str, count: int) -> list[subprocess.Popen]:
    env = {key: value for key, value in os.environ.items() if key not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    script = TORCH_NEIGHBOUR if kind == "torch" else PYTHON_NEIGHBOUR
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(count)]
    time.sleep(3)  # (torch imported, its pool started)
    return processes


def timed(command: list[str], spincount: str) -> float:
    env = {**os.environ, "GOMP_SPINCOUNT": spincount}
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def commands(path: Path, work: Path, train: bool, run: int) -> list[str]:
    python = [sys.executable, "-m", "simsearch"]
    if train:
        return [*python, "train", "--unsup", str(path), "--out", str(work / f"m{run}"), "--max-steps", "8",
                "--device", "cpu", "--model", "minilm"]
    return [*python, "index", str(path), "--db", str(work / f"i{run}.db"), "--device", "cpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", type=Path, required=True, help="a file or folder to index (or train on)")
    parser.add_argument("--train", action="store_true", help="time `train --unsup PATH --max-steps 8` instead")
    parser.add_argument("--neighbour", choices=["torch", "python"], default="torch",
                        help="torch: one torch process at libgomp's defaults; python: a busy loop a core")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spin", action="append", default=[], help="another GOMP_SPINCOUNT to compare (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = list(dict.fromkeys([PEER, str(simsearch.SPINCOUNT), *args.spin]))
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as work:
        run = 0
        for load in ("quiet", "busy"):
            workers = []
            if load == "busy":
                workers = neighbours(args.neighbour, 1 if args.neighbour == "torch" else os.cpu_count() or 2)
            try:
                for _ in range(args.repeat):
                    for setting in settings:
                        run += 1
                        seconds = timed(commands(args.path, Path(work), args.train, run), setting)
                        times.setdefault((load, setting), []).append(seconds)
                        print(f"{load:5} GOMP_SPINCOUNT={setting:>7}: {seconds:6.1f} s", file=sys.stderr)
            finally:
                for worker in workers:
                    worker.kill()
                    worker.wait()
    rows = []
    for (load, setting), seconds in times.items():
        median = statistics.median(seconds)
        peer = statistics.median(times[load, PEER])
        rows.append({"load": load, "spincount": setting, "median_s": round(median, 2), "runs": seconds,
                     "vs_peer": round(median / peer, 3), "simsearch": setting == str(simsearch.SPINCOUNT)})
    if args.json:
        print(json.dumps({"path": str(args.path), "train": args.train, "neighbour": args.neighbour, "cpus": os.cpu_count(),
                          "rows": rows}))
        return
    what = "train --max-steps 8" if args.train else "index"
    beside = "one torch process" if args.neighbour == "torch" else f"{os.cpu_count()} busy loops"
    print(f"{what} {args.path} on {os.cpu_count()} CPUs; busy = {beside} beside; median of {args.repeat}")
    for row in rows:
        mark = "  (simsearch's)" if row["simsearch"] else "  (libgomp's default: the peer)" if row["spincount"] == PEER else ""
        print(f"  {row['load']:5} GOMP_SPINCOUNT={row['spincount']:>7}: {row['median_s']:7.1f} s  "
              f"{row['vs_peer']:.2f}x the peer{mark}")


if __name__ == "__main__":
    main()
