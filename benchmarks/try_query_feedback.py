"""Pseudo-relevance feedback on the query vector, tried for issue 12 and dropped (docs/retrieval.md).

Rocchio in embedding space: the query's vector plus ``beta`` times the mean vector of the first
``m`` sentences found for it, normalised, then searched in ``dense`` or ``hybrid`` mode through
the search path users get (``Searcher._search``). The feedback sentences come from the dense side
(``--source dense``: vector PRF as in Li et al. 2021) or from BM25 (``--source lexical``: the
lexical side's first sentences pull the dense query towards them). ``m = 0`` is today's search.

    python benchmarks/try_query_feedback.py --bench pytest-docs --db IDX.db --model minilm \
        --source dense --mode dense --mode hybrid

The index must hold the benchmark's corpus (``bench_retrieval.py --work`` builds one).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from simsearch import retrieval
from simsearch.search import Searcher
from simsearch.store import Store

SETTINGS = [(0, 0.0), (1, 0.2), (3, 0.2), (3, 0.3), (3, 0.6), (5, 0.3), (5, 0.6), (10, 0.5), (10, 1.0)]


def feedback_mode(m: int, beta: float, mode: str, source: str):
    def run(searcher: Searcher, texts, k: int):
        results = []
        for text in texts:
            vector = searcher.embed([text])[0]
            if m:
                if source == "lexical":
                    ids = [i for i, _ in searcher.store.lexical(text, m)]
                else:
                    ids = [hit.sentence_id for hit in searcher.search_vector(vector, m, context=0)]
                if ids:
                    _, matrix = searcher.store.vectors(searcher.model, ids)
                    moved = vector + beta * matrix.astype(np.float32).mean(0)
                    vector = (moved / np.linalg.norm(moved)).astype(vector.dtype)
            results.append(searcher._search(text, vector, k, mode, None, None, 0))
        return results

    run.__name__ = f"{mode} m={m} beta={beta}"
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="a benchmark under --bench-root")
    parser.add_argument("--bench-root", type=Path, default=Path.home() / ".cache/simsearch-bench")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--source", choices=["dense", "lexical"], default="dense")
    parser.add_argument("--mode", action="append", choices=["dense", "hybrid"])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    queries = retrieval.load_queries(args.bench_root / args.bench / "queries.jsonl")
    searcher = Searcher.open(Store.open(args.db, create=False), args.model, device=args.device)
    for mode in args.mode or ["dense"]:
        for m, beta in SETTINGS:
            evaluation = retrieval.evaluate(searcher, queries, feedback_mode(m, beta, mode, args.source))
            print(f"{args.bench}\t{args.model}\t{args.source}\t{evaluation.mode}\t"
                  f"hit@10 {evaluation.metrics['hit@10']:.3f}\tMRR@10 {evaluation.metrics['mrr@10']:.3f}", flush=True)


if __name__ == "__main__":
    main()
