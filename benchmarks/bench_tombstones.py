"""HNSW recall against exact search before and after many deletions (tombstones), and whether a
deleted sentence ever comes back.

    python benchmarks/bench_tombstones.py --db INDEX.db --model NAME --forget-share 0.2 --work DIR

The index is copied into ``--work`` (the original is never written). Queries are stored vectors
of 200 sentences chosen at random, each moved by noise (so a query is near, not on, a stored
vector). Each query goes through ``VectorIndex.search`` (what ``search --mode dense`` runs) and
through numpy exact search over the same vectors (the peer); printed: recall@10 of the exact top
10 and the share of queries whose top 10 is the exact one. Then ``--forget-share`` of the copy's
documents (whole files, chosen at random) are deleted as a run deletes removed files, the HNSW file
is brought in line as ``index`` does (patched with ``mark_deleted`` under 25% deleted, else rebuilt),
and the same queries are asked again of a fresh process's view (``VectorIndex.open``, as
``search`` opens it): recall again, and any returned id that was deleted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simsearch.ann import VectorIndex, ann_path, cosines  # noqa: E402
from simsearch.indexer import _sync_ann  # noqa: E402
from simsearch.search import find_model  # noqa: E402
from simsearch.store import Store  # noqa: E402


def exact_top(ids: np.ndarray, matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = cosines(matrix, query)
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def measure(store: Store, row, queries: np.ndarray, k: int) -> dict:
    t = time.perf_counter()
    index = VectorIndex.open(store, row, save=False)
    opened = time.perf_counter() - t
    ids, matrix = store.vectors(row)
    live = set(ids.tolist())
    hits = same = returned_dead = 0
    ms = []
    for query in queries:
        t = time.perf_counter()
        got, _ = index.search(query, k)
        ms.append((time.perf_counter() - t) * 1000)
        want, scores = exact_top(ids, matrix, query, k)
        # counting ties with the k-th exact score as hits (identical texts, identical vectors)
        got_scores = cosines(store.vectors(row, got.tolist())[1], query) if len(got) else np.empty(0)
        hits += sum(1 for s in got_scores if s >= scores[-1] - 1e-6)
        same += set(got.tolist()) == set(want.tolist())
        returned_dead += sum(1 for g in got.tolist() if g not in live)
    return {"vectors": len(ids), "method": index.method, "deleted_in_graph": index.deleted,
            "open_s": round(opened, 2), "recall@k": round(hits / (k * len(queries)), 4),
            "exact_topk_share": round(same / len(queries), 3), "deleted_returned": returned_dead,
            "p50_ms": round(float(np.median(ms)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--forget-share", type=float, default=0.2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.5, help="noise norm relative to the vector's")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / args.db.name
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{args.db}{suffix}").exists():
            shutil.copy(f"{args.db}{suffix}", f"{db}{suffix}")
    store = Store.open(db)
    row = find_model(store, args.model)
    src = ann_path(Store.open(args.db, readonly=True), row)
    if src.exists():
        shutil.copy(src, ann_path(store, row))
    rng = np.random.default_rng(0)
    ids, matrix = store.vectors(row)
    pick = rng.choice(len(ids), size=args.queries, replace=False)
    noise = rng.standard_normal((args.queries, matrix.shape[1])).astype(np.float32)
    noise *= args.noise / np.linalg.norm(noise, axis=1, keepdims=True)
    queries = matrix[pick] + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    print("before:", measure(store, row, queries, args.k))
    documents = [d for (d,) in store.conn.execute("SELECT id FROM documents ORDER BY id")]
    gone = random.Random(0).sample(documents, int(args.forget_share * len(documents)))
    t = time.perf_counter()
    with store.transaction():
        store.delete_documents(gone)
    deleted = time.perf_counter() - t
    t = time.perf_counter()
    _sync_ann(store, store.model_by_id(row.id))
    print(f"deleted {len(gone):,} of {len(documents):,} documents in {deleted:.1f} s; "
          f"HNSW file brought in line in {time.perf_counter() - t:.1f} s")
    print("after: ", measure(Store.open(db), store.model_by_id(row.id), queries, args.k))


if __name__ == "__main__":
    main()
