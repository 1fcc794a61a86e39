"""One query's encoding time by torch intra-op thread count, on an idle machine and beside a busy one
(issue 14: "single-query encode with 2 threads stalls under load").

  python benchmarks/bench_query_threads.py [--queries 200] [--threads 1,2] [--precision auto]

The queries are sentences from the evaluation data (``bench_index.real_sentences``), encoded one
at a time through ``Encoder.encode`` exactly as ``simsearch search`` encodes a query. For each
thread count: p50/p95/max over the queries, first with nothing else running, then with
``--busy`` processes spinning on the CPU (a laptop compiling, a browser tab), started by this
script and stopped after; then the same with the encoder's rule as shipped (the pool at every
core, a query of up to ``ONE_THREAD_MAX`` sentences on one thread). Printed with the CPU flags
and the load average.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


SHIPPED = 4  # replaced by the encoder's value in main()


def spin() -> None:
    while True:
        pass


def timings(encoder, queries: list[str], threads: int, rule: bool) -> np.ndarray:
    """Per-query milliseconds with the pool at ``threads``; ``rule``: the encoder's one-thread rule
    for queries (``encoder.ONE_THREAD_MAX``) as shipped, else switched off."""
    import torch

    from simsearch import encoder as encoder_module

    encoder_module.ONE_THREAD_MAX = SHIPPED if rule else 0
    torch.set_num_threads(threads)
    encoder.encode(queries[:5])  # warm the thread pool
    out = []
    for query in queries:
        start = time.perf_counter()
        encoder.encode([query])
        out.append((time.perf_counter() - start) * 1000)
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--busy", type=int, default=1, help="spinning processes for the loaded runs")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--model", default="minilm")
    args = parser.parse_args()

    from bench_index import real_sentences
    from simsearch.encoder import Encoder
    from simsearch.precision import cpu_features

    global SHIPPED
    from simsearch import encoder as encoder_module

    SHIPPED = encoder_module.ONE_THREAD_MAX
    queries = real_sentences()[: args.queries]
    encoder = Encoder.load(args.model, device="cpu", precision=args.precision)
    print(f"cpu: {os.cpu_count()} cores, features {cpu_features()}; precision {encoder.precision}; "
          f"{len(queries)} queries, one at a time")
    for busy in (0, args.busy):
        spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        time.sleep(1.0)
        try:
            runs = [(int(t), False) for t in args.threads.split(",")] + [(os.cpu_count() or 1, True)]
            for threads, rule in runs:
                ms = timings(encoder, queries, threads, rule)
                label = f"pool {threads}, queries on 1 thread (as shipped)" if rule else f"threads {threads}, no rule"
                print(f"busy processes {busy}, {label}: p50 {np.percentile(ms, 50):6.1f} ms  "
                      f"p95 {np.percentile(ms, 95):6.1f} ms  max {ms.max():7.1f} ms  "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)
        finally:
            for p in spinners:
                p.terminate()
            for p in spinners:
                p.join()


if __name__ == "__main__":
    main()
