"""A sentence's vector with its neighbours' text (context vectors), tried for issues 12 and 13.

Today each sentence is stored with the vector of its own text. Here each indexed sentence's
window (``--window`` sentences either side in its document, the sentence itself included, joined
by spaces, as ``pairs.ict_pairs`` joins a passage) is encoded too, and the dense side scores a
sentence by one of:

- ``sentence``: the cosine of the query and the sentence (today's search, the peer);
- ``passage``: the cosine of the query and the window;
- ``mean``: the mean of the two cosines (a dot product with the unnormalised mean vector);
- ``nsum``: the cosine of the query and the normalised sum of the two vectors (one unit vector a
  sentence, so what the vector index stores and searches would not change).

Every variant is searched exactly and run through the search path users get (``retrieval.evaluate``
with the searcher's vector index replaced: dense and hybrid modes, distinct texts, the fusion), so
only the dense scores differ from ``simsearch eval retrieval``'s (which reads HNSW: ±1 question).

    python benchmarks/try_context_vectors.py --bench django-docs --db IDX.db --model minilm --model MODEL

The index must hold the benchmark's corpus (``bench_retrieval.py --work`` builds one). The
windows' vectors are kept in ``--cache`` (one file per benchmark, model and window).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from simsearch import retrieval
from simsearch.search import Searcher
from simsearch.store import Store

VARIANTS = ("sentence", "passage", "mean", "nsum")


def windows(store: Store, ids: np.ndarray, window: int) -> tuple[list[str], list[str]]:
    """Each sentence's text and its window of its document, in the order of ``ids``."""
    rows = store.conn.execute("SELECT id, document_id, text FROM sentences ORDER BY document_id, ordinal").fetchall()
    by_document: dict[int, list[tuple[int, str]]] = {}
    for sentence_id, document_id, text in rows:
        by_document.setdefault(document_id, []).append((sentence_id, text))
    text_of: dict[int, str] = {}
    window_of: dict[int, str] = {}
    for items in by_document.values():
        for n, (sentence_id, text) in enumerate(items):
            text_of[sentence_id] = text
            window_of[sentence_id] = " ".join(text for _, text in items[max(0, n - window):n + window + 1])
    return [text_of[i] for i in ids.tolist()], [window_of[i] for i in ids.tolist()]


class ExactScores:
    """Stands for the searcher's vector index: exact search by ``score(query) -> scores``."""

    def __init__(self, ids: np.ndarray, score):
        self.ids, self.score = ids, score

    def search(self, query: np.ndarray, k: int, allowed=None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.score(query.astype(np.float32).reshape(-1))
        top = np.argsort(-scores, kind="stable")[:k]
        return self.ids[top], scores[top]


def scorers(sentences: np.ndarray, passages: np.ndarray) -> dict:
    summed = np.linalg.norm(sentences + passages, axis=1)
    return {
        "sentence": lambda q: sentences @ q,
        "passage": lambda q: passages @ q,
        "mean": lambda q: 0.5 * (sentences @ q + passages @ q),
        "nsum": lambda q: (sentences @ q + passages @ q) / summed,
    }


def add_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The options naming what to measure: ``--bench`` or ``--queries``, and the index ``--db``."""
    parser.add_argument("--bench", help="a benchmark under --bench-root")
    parser.add_argument("--queries", type=Path, help="a query file of your own instead (eval retrieval's format)")
    parser.add_argument("--bench-root", type=Path, default=Path.home() / ".cache/simsearch-bench")
    parser.add_argument("--db", type=Path, required=True)


def set_queries(parser: argparse.ArgumentParser, args) -> list:
    """The queries ``add_set_arguments``' options name (one of ``--bench`` and ``--queries``)."""
    if (args.bench is None) == (args.queries is None):
        parser.error("give --bench or --queries")
    return retrieval.load_queries(args.queries or args.bench_root / args.bench / "queries.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_arguments(parser)
    parser.add_argument("--model", action="append", help="a model the index holds (repeat)")
    parser.add_argument("--window", type=int, default=1, help="sentences either side (default 1)")
    parser.add_argument("--variant", action="append", choices=VARIANTS)
    parser.add_argument("--mode", action="append", choices=["dense", "hybrid"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/simsearch-context-vectors"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    queries = set_queries(parser, args)
    bench = args.bench or args.queries.stem
    store = Store.open(args.db, create=False)
    args.cache.mkdir(parents=True, exist_ok=True)
    print("bench\tmodel\twindow\tvariant\tmode\thit@1\thit@10\tMRR@10")
    for model in args.model or ["minilm"]:
        searcher = Searcher.open(store, model, device=args.device)
        ids, sentences = store.vectors(searcher.model)
        sentences = sentences.astype(np.float32)
        sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
        cached = args.cache / f"{bench}-{searcher.model.fingerprint}-w{args.window}.npy"
        if cached.exists():
            passages = np.load(cached)
        else:
            alone_texts, texts = windows(store, ids, args.window)
            encoder = searcher.load_encoder()
            started = time.perf_counter()
            encoder.encode(alone_texts, normalize=True, progress=False)
            alone = time.perf_counter() - started
            started = time.perf_counter()
            passages = encoder.encode(texts, normalize=True, progress=False).astype(np.float32)
            took = time.perf_counter() - started
            print(f"{model}: {len(texts):,} sentences encoded in {alone:.1f} s, their windows in {took:.1f} s "
                  f"(x{took / alone:.2f})", file=sys.stderr)
            np.save(cached, passages)
        for variant, score in scorers(sentences, passages).items():
            if variant not in (args.variant or VARIANTS):
                continue
            searcher._vectors = ExactScores(ids, score)
            for mode in args.mode or ["dense", "hybrid"]:
                metrics = retrieval.evaluate(searcher, queries, mode).metrics
                print(f"{bench}\t{searcher.name}\t{args.window}\t{variant}\t{mode}\t{metrics['hit@1']:.3f}\t"
                      f"{metrics['hit@10']:.3f}\t{metrics['mrr@10']:.3f}", flush=True)


if __name__ == "__main__":
    main()
