"""A sentence's vector with its document's name too, tried for issue 12 (session 35).

Context vectors (the default index) score a sentence by the cosine of the query and
``normalize(s + w)``: ``s`` the sentence's vector, ``w`` its window's (the sentence and one
either side). Nothing in either says which document the sentence is in, while a file's name often
says what it is about (``fixtures.rst``, ``git-reset.txt``, ``fileuploads.rst``). Dense retrievers
are commonly given a passage's title (DPR and Contriever encode "title [SEP] text"). Tried here,
each searched exactly and run through the search path users get (``retrieval.evaluate`` with the
searcher's vector index replaced, as ``try_context_vectors.py`` does), beside BM25:

- ``sentence``: ``s`` alone (sentence vectors);
- ``window`` (today's default): ``normalize(s + w)``;
- ``titled window``: ``normalize(s + w')``, ``w'`` the window's text after the name and ": ";
- ``+ beta name``: ``normalize(s + w + beta * t)``, ``t`` the vector of the name alone (one a document);
- controls for names that say nothing of the text, at the first beta: ``+ beta other's name``
  (each document given another document's name, a seeded shuffle) and ``+ beta date`` (each
  document named by a date, as a folder of daily notes is).

The name is the one the index embeds (``store.document_name``): the file's stem, its ``-``, ``_``
and ``.`` read as spaces (``how-to/fixtures.rst`` -> "fixtures"), a file named ``index`` or
``README`` taking its folder's name, none for a name without a letter (no name term then). Every sentence is encoded again (its vectors in the index are not read), so the
index may hold sentence or context vectors, or none.

    python benchmarks/try_document_names.py --bench pytest-docs --db IDX.db [--model MODEL]
    python benchmarks/try_document_names.py --queries click/questions.jsonl --db click.db

The vectors are kept in ``--cache`` (one file per set, model and variant).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from simsearch import retrieval
from simsearch.search import Searcher
from simsearch.store import Store, document_name

from try_context_vectors import ExactScores, add_set_arguments, set_queries, windows

def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_arguments(parser)
    parser.add_argument("--model", default="minilm", help="a model the index holds")
    parser.add_argument("--beta", type=float, action="append", help="weights of the name's vector (default 0.5, 1)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/simsearch-document-names"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    queries = set_queries(parser, args)
    name = args.bench or args.queries.parent.name
    store = Store.open(args.db, create=False)
    searcher = Searcher.open(store, args.model, device=args.device)
    encoder = searcher.load_encoder()
    ids = np.array([row[0] for row in store.conn.execute("SELECT id FROM sentences ORDER BY id")], dtype=np.int64)
    texts, window_texts = windows(store, ids, 1)
    paths = dict(store.conn.execute("SELECT s.id, d.path FROM sentences s JOIN documents d ON d.id = s.document_id"))
    names = [document_name(paths[i]) for i in ids.tolist()]
    args.cache.mkdir(parents=True, exist_ok=True)

    def encoded(kind: str, strings: list[str]) -> np.ndarray:
        digest = hashlib.sha256("\x00".join(strings).encode("utf-8", "surrogatepass")).hexdigest()[:12]
        cached = args.cache / f"{name}-{searcher.model.fingerprint}-{kind}-{digest}.npy"
        if cached.exists() and len(vectors := np.load(cached)) == len(strings):
            return vectors
        vectors = encoder.encode(strings, normalize=True, progress=False).astype(np.float32)
        np.save(cached, vectors)
        return vectors

    s = encoded("sentences", texts)
    w = encoded("windows", window_texts)
    titled = encoded("titled-windows", [text if n is None else f"{n}: {text}" for n, text in zip(names, window_texts)])
    distinct = sorted({n for n in names if n is not None})

    def name_vectors(named: dict[str, str]) -> np.ndarray:
        """Each sentence's name vector, the names mapped through ``named`` (zero without a name)."""
        order = sorted(set(named.values()))
        vectors = np.vstack([encoder.encode(order, normalize=True, progress=False).astype(np.float32),
                             np.zeros((1, s.shape[1]), dtype=np.float32)])
        return vectors[[order.index(named[n]) if n is not None else len(order) for n in names]]

    t = name_vectors({n: n for n in distinct})
    shuffled = list(np.random.default_rng(0).permutation(distinct))
    other = name_vectors(dict(zip(distinct, shuffled)))
    dates = name_vectors({n: f"2024 {1 + k // 28:02d} {1 + k % 28:02d}" for k, n in enumerate(distinct)})
    betas = args.beta or (0.5, 1.0)
    variants = {"sentence": s, "window (today)": unit(s + w), "titled window": unit(s + titled)}
    variants.update({f"+ {beta:g} name": unit(s + w + beta * t) for beta in betas})
    variants.update({f"+ {betas[0]:g} other's name": unit(s + w + betas[0] * other),
                     f"+ {betas[0]:g} date": unit(s + w + betas[0] * dates)})
    print(f"{name}: {len(ids):,} sentences, {len(distinct):,} names (e.g. {', '.join(distinct[:5])})")
    print(f"{'variant':22} {'mode':7} {'hit@1':>6} {'hit@10':>7} {'MRR@10':>7}")
    bm25 = retrieval.evaluate(searcher, queries, "lexical").metrics
    print(f"{'BM25':22} {'lexical':7} {bm25['hit@1']:>6.3f} {bm25['hit@10']:>7.3f} {bm25['mrr@10']:>7.3f}")
    for variant, matrix in variants.items():
        searcher._vectors = ExactScores(ids, lambda q, m=matrix: m @ q)
        for mode in ("dense", "hybrid"):
            metrics = retrieval.evaluate(searcher, queries, mode).metrics
            print(f"{variant:22} {mode:7} {metrics['hit@1']:>6.3f} {metrics['hit@10']:>7.3f} {metrics['mrr@10']:>7.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
