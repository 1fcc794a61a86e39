"""Encoding at each precision (fp32, bf16, int8) on this machine: speed, STS quality, HNSW agreement.

For each precision, in one process, one after the other:
  - encode throughput over the distinct STS sentences (26k; the SimCSE paper's test sets), as
    sentences per second of wall time and per CPU-second (the second is steadier on a shared
    machine: it counts only the cycles this process got);
  - STS avg with the paper's protocol (``simsearch.sts.evaluate_sts``; with ``--limit``, STS-B dev only);
  - HNSW top-10 overlap with fp32 on a real corpus: the corpus's distinct sentences are encoded,
    an hnswlib index is built with simsearch's parameters, and ``--queries`` corpus sentences
    (seeded draw) search it for their 10 nearest others. Overlap = shared ids / 10, averaged,
    against the fp32 index's answers; the same for exact (brute-force) search.
Targets (issue 14): STS within 0.1 of fp32 for bf16, within 0.3 for int8; HNSW overlap >= 0.98.

Usage: python benchmarks/bench_precision.py [--limit 2000] [--precisions fp32,bf16,int8] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from simsearch.encoder import Encoder
from simsearch.extract import FoundFile, Skip, sentences_from_path, walk
from simsearch.models import resolve_model
from simsearch.precision import CONCRETE, cpu_features, describe, resolve
from simsearch.store import HNSW_DEFAULTS
from simsearch.sts import data_dir, evaluate_sts

CORPUS = Path("~/.cache/simsearch-bench/pytest-docs/corpus").expanduser()
TARGET_STS = {"bf16": 0.1, "int8": 0.3}
TARGET_OVERLAP = 0.98


def cpu_line() -> dict:
    """What the figures were measured on: CPU model, the flags that decide precision, torch's view, load."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    features = cpu_features()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "capability": features["capability"],
        "flags": sorted(key for key, value in features.items() if value is True),
        "auto_encode": resolve("auto", "cpu"),
        "auto_train": resolve("auto", "cpu", purpose="train"),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def corpus_sentences(folder: Path) -> list[str]:
    """Distinct sentences of every indexable file under ``folder``, read as ``simsearch index`` reads them."""
    texts: dict[str, None] = {}
    for found in walk([folder]):
        if not isinstance(found, FoundFile):
            continue
        try:
            for sentence in sentences_from_path(found.path):
                texts.setdefault(sentence.text)
        except Skip:
            continue
    return list(texts)


def timed_encoder(encoder: Encoder, clock: dict):
    """``embed`` for evaluate_sts that adds its own wall and CPU seconds and sentence count to ``clock``."""
    def embed(sentences):
        wall, cpu = time.perf_counter(), time.process_time()
        vectors = encoder.encode(sentences, progress=False)
        clock["wall"] += time.perf_counter() - wall
        clock["cpu"] += time.process_time() - cpu
        clock["sentences"] += len(sentences)
        return vectors
    return embed


def hnsw_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    import hnswlib

    index = hnswlib.Index(space=HNSW_DEFAULTS["hnsw_space"], dim=vectors.shape[1])
    index.init_index(max_elements=len(vectors), M=HNSW_DEFAULTS["hnsw_m"],
                     ef_construction=HNSW_DEFAULTS["hnsw_ef_construction"], random_seed=100)
    index.add_items(vectors, np.arange(len(vectors)), num_threads=1)  # one thread: the same graph every run
    index.set_ef(HNSW_DEFAULTS["hnsw_ef"])
    labels, _ = index.knn_query(queries, k=k + 1, num_threads=1)
    return labels


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ vectors.T
    return np.argsort(-scores, axis=1, kind="stable")[:, : k + 1]


def without_self(labels: np.ndarray, query_ids: np.ndarray, k: int) -> list[set[int]]:
    """The k nearest other sentences of each query (a query finds itself first)."""
    return [set([int(x) for x in row if x != q][:k]) for row, q in zip(labels, query_ids)]


def overlap(a: list[set[int]], b: list[set[int]], k: int) -> float:
    return float(np.mean([len(x & y) / k for x, y in zip(a, b)]))


def measure(precision: str, args, sts_root: Path, corpus: list[str], query_ids: np.ndarray) -> dict:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bf16 on a CPU without it is measured, not refused
        encoder = Encoder.load(resolve_model(args.model), device="cpu", precision=precision, batch_size=args.batch_size)
    load_seconds = time.perf_counter() - started
    clock = {"wall": 0.0, "cpu": 0.0, "sentences": 0}
    embed = timed_encoder(encoder, clock)
    if args.limit:
        sts = evaluate_sts(embed, sts_root, split="dev")["STSBenchmark"]
    else:
        sts = evaluate_sts(embed, sts_root)["avg"]
    corpus_clock = {"wall": 0.0, "cpu": 0.0, "sentences": 0}
    vectors = timed_encoder(encoder, corpus_clock)(corpus)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
    return {
        "precision": precision,
        "describe": describe(precision, torch.device("cpu")),
        "load_s": round(load_seconds, 2),
        "sts_sentences": clock["sentences"],
        "sts_wall_s": round(clock["wall"], 2),
        "sts_sent_per_s": round(clock["sentences"] / clock["wall"], 1),
        "sts_sent_per_cpu_s": round(clock["sentences"] / clock["cpu"], 1),
        "corpus_sentences": corpus_clock["sentences"],
        "corpus_sent_per_s": round(corpus_clock["sentences"] / corpus_clock["wall"], 1),
        "corpus_sent_per_cpu_s": round(corpus_clock["sentences"] / corpus_clock["cpu"], 1),
        "sts": round(sts, 3),
        "_vectors": vectors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model name or folder (default: the embedded MiniLM)")
    parser.add_argument("--precisions", default=",".join(CONCRETE))
    parser.add_argument("--limit", type=int, default=0,
                        help="quick run: at most N corpus sentences, and STS-B dev instead of the seven STS sets")
    parser.add_argument("--data", default="/work/shared/data", help="evaluation data (holds senteval/)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    precisions = args.precisions.split(",")
    if "fp32" not in precisions or any(p not in CONCRETE for p in precisions):
        parser.error(f"--precisions: a comma-separated subset of {', '.join(CONCRETE)} that includes fp32")
    precisions = ["fp32", *(p for p in precisions if p != "fp32")]

    machine = cpu_line()
    if not args.json:
        print(f"CPU: {machine['cpu']} ({machine['cores']} cores), torch {machine['torch']} "
              f"({machine['torch_threads']} threads), kernels {machine['capability']}")
        print(f"flags: {' '.join(machine['flags'])}; auto -> encode {machine['auto_encode']}, "
              f"train {machine['auto_train']}; load {machine['load_avg_1m']}", flush=True)
    corpus = corpus_sentences(args.corpus)
    if args.limit:
        corpus = corpus[: args.limit]
    rng = np.random.default_rng(0)
    query_ids = np.sort(rng.choice(len(corpus), size=min(args.queries, len(corpus)), replace=False))
    k = 10

    rows = []
    for precision in precisions:
        row = measure(precision, args, data_dir(args.data), corpus, query_ids)
        vectors = row.pop("_vectors")
        row["_hnsw"] = without_self(hnsw_top(vectors, vectors[query_ids], k), query_ids, k)
        row["_exact"] = without_self(exact_top(vectors, vectors[query_ids], k), query_ids, k)
        rows.append(row)
        if not args.json:
            print(f"  {precision}: done ({row['sts_wall_s']} s on STS)", file=sys.stderr, flush=True)
    base = rows[0]
    for row in rows:
        row["sts_delta"] = round(row["sts"] - base["sts"], 3)
        row["speedup_wall"] = round(row["sts_sent_per_s"] / base["sts_sent_per_s"], 2)
        row["speedup_cpu"] = round(row["sts_sent_per_cpu_s"] / base["sts_sent_per_cpu_s"], 2)
        row["hnsw_overlap"] = round(overlap(row["_hnsw"], base["_hnsw"], k), 4)
        row["exact_overlap"] = round(overlap(row["_exact"], base["_exact"], k), 4)
        row["fp32_hnsw_recall"] = round(overlap(base["_hnsw"], base["_exact"], k), 4)
        row["meets_targets"] = row["precision"] == "fp32" or (
            abs(row["sts_delta"]) <= TARGET_STS[row["precision"]] and row["hnsw_overlap"] >= TARGET_OVERLAP)
    for row in rows:
        row.pop("_hnsw"), row.pop("_exact")
    machine["load_avg_1m_after"] = round(os.getloadavg()[0], 2)

    if args.json:
        json.dump({"machine": machine, "sts_measure": "STS-B dev" if args.limit else "STS avg (Table 5)",
                   "corpus": str(args.corpus), "queries": len(query_ids), "rows": rows}, sys.stdout, indent=2)
        print()
        return 0
    sts_name = "STS-B dev" if args.limit else "STS avg"
    print(f"{len(corpus)} corpus sentences from {args.corpus}, {len(query_ids)} queries, top-{k}")
    print(f"{'precision':9} {'sent/s':>8} {'sent/cpu-s':>10} {'x fp32':>7} {'corpus s/s':>10} "
          f"{sts_name:>9} {'delta':>6} {'hnsw ovl':>8} {'exact ovl':>9} {'load s':>6}  target")
    for row in rows:
        print(f"{row['precision']:9} {row['sts_sent_per_s']:8.1f} {row['sts_sent_per_cpu_s']:10.1f} "
              f"{row['speedup_cpu']:7.2f} {row['corpus_sent_per_s']:10.1f} {row['sts']:9.2f} {row['sts_delta']:+6.2f} "
              f"{row['hnsw_overlap']:8.3f} {row['exact_overlap']:9.3f} {row['load_s']:6.1f}  "
              f"{'-' if row['precision'] == 'fp32' else ('PASS' if row['meets_targets'] else 'FAIL')}")
    print(f"fp32 HNSW top-{k} vs exact: {base['fp32_hnsw_recall']:.3f}; load average "
          f"{machine['load_avg_1m']} before, {machine['load_avg_1m_after']} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
