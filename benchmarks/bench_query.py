"""Where a query's time goes (issue 14): `simsearch search` over 100k real sentences, per phase.

  python benchmarks/bench_query.py                      # build (or reuse) the index, then measure
  python benchmarks/bench_query.py --work DIR --process-runs 5 --json out.json

The index: ``--sentences`` distinct real sentences (Wikipedia, SNLI, STS, SICK; see
``bench_index.real_sentences``), one per paragraph, 20 per Markdown file, indexed once by
``simsearch index --precision`` into ``--work`` and reused while its sentence count matches.
The queries: the ``--queries`` sentences set aside before the corpus (not in it).
``--vectors synthetic`` builds the same index through the same indexer with hashed-word
vectors in place of the model's (see ``HashedWords``): for a machine too slow or too busy to
encode 100k sentences; the queries are still encoded by the model, and the figures say which.

In one process, ``Searcher.search`` is timed as it runs, each phase by wrapping the method
that does it on the instance (the code path is the real one):

- encode: the query through the encoder (``Searcher.embed``);
- vector: ``VectorIndex.search`` (the refresh to the snapshot, HNSW, vectors beside the graph);
- lexical: ``Store.lexical`` (FTS5 BM25; hybrid only);
- rows: ``Searcher._hits`` (the candidates' rows); copies: ``Store.copies`` (every other
  sentence with a hit's text); context: ``Searcher._add_context``;
- other: the rest of ``search`` (fusion, the snapshot, collapsing).

p50/p95 over the queries (each a sum over the calls one query made), for dense and hybrid at
``-k``. Peer for the vector phase: exact numpy brute force (``matrix @ q``, argpartition) over
the same vectors, with the HNSW top-k's overlap with it. Then what one process pays before its
query (opening the store, the HNSW file's sha256 and load, the missing-vector count, the
encoder), and the wall time of whole ``simsearch search --json`` processes. Load average and
CPU flags are printed with the figures; on a shared machine they are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_index import cpu_line, load_average, real_sentences, write_tree  # noqa: E402

PHASES = ("encode", "vector", "lexical", "rows", "copies", "context", "other", "total")


def build(work: Path, sentences: int, queries: int, precision: str, vectors: str) -> tuple[Path, list[str]]:
    """The index of ``sentences`` real sentences under ``work`` (built once) and the queries."""
    pool = real_sentences()
    held_out, corpus = pool[:queries], pool[queries : queries + sentences]
    if len(corpus) < sentences:
        print(f"  note: only {len(corpus):,} distinct sentences available")
    docs = write_tree(work / f"docs-{len(corpus)}", corpus, per_file=20, per_paragraph=1)
    db = work / f"index-{len(corpus)}-{precision}-{vectors}.db"
    done = db.with_suffix(".done")
    if not done.exists():
        for stale in work.glob(db.name + "*"):
            stale.unlink()  # ours, from a build that did not finish
        print(f"  indexing {len(corpus):,} sentences into {db} ({vectors} vectors; once, reused under --work) ...",
              flush=True)
        started = time.perf_counter()
        if vectors == "encoded":
            subprocess.run([sys.executable, "-m", "simsearch", "index", str(docs), "--db", str(db), "--device", "cpu",
                            "--precision", precision, "--json"], check=True, stdout=subprocess.DEVNULL)
        else:
            subprocess.run([sys.executable, __file__, "--synthetic-build", str(docs), str(db), precision], check=True)
        done.write_text(f"{time.perf_counter() - started:.1f} s\n")
    return db, held_out


class HashedWords:
    """Stands in for the encoder while a ``--vectors synthetic`` index is built: each sentence's
    words (lowercased ``\\w+``), hashed into 2^15 fixed random 384-d directions, summed and
    normalised. Deterministic; equal texts get equal vectors and sentences sharing words lie
    near each other, so the HNSW graph has structure as with a real model (not uniform noise).
    Only the index's vectors are made so: queries go through the model (what is timed)."""

    BUCKETS = 1 << 15

    def __init__(self, precision: str, dim: int = 384):
        self.precision = precision
        self.table = np.random.default_rng(0).standard_normal((self.BUCKETS, dim), dtype=np.float32)

    def encode_batches(self, texts, normalize=True, **_):
        """As ``Encoder.encode_batches`` (what the indexer calls): one batch of the distinct texts,
        each with every position that holds it."""
        where: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            where.setdefault(text, []).append(position)
        yield list(where.values()), self.encode(list(where))

    def encode(self, texts, normalize=True, progress=False, on_batch=None, **_):
        import re
        import zlib

        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower()) or [text]
            out[row] = self.table[[zlib.crc32(w.encode("utf-8", "replace")) % self.BUCKETS for w in words]].sum(0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        if on_batch:
            on_batch(len(texts))
        return out


def synthetic_build(docs: Path, db: Path, precision: str) -> None:
    """``simsearch.indexer.index`` as `simsearch index` runs it (walk, extract, segment, store,
    full-text index, model row with the embedded model's real fingerprint, HNSW file saved and
    recorded), with :class:`HashedWords` in place of the encoder (this machine's 2 shared cores
    encode ~35 sentences/s under load: 100k would take an hour)."""
    from simsearch import encoder as encoder_module
    from simsearch.indexer import index
    from simsearch.store import Store

    encoder_module.Encoder.load = classmethod(lambda cls, ref, precision="fp32", **_: HashedWords(precision))
    store = Store.open(db)
    report = index(store, [docs], ["minilm"], device="cpu", progress=False, precision=precision)
    print(f"  {report.files_seen:,} files, {sum(report.encoded.values()):,} vectors in {report.seconds:.0f} s")
    store.close()


def percentiles(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


class Phases:
    """Milliseconds per phase of the current query, summed over the calls it made."""

    def __init__(self):
        self.current: dict[str, float] = defaultdict(float)

    def wrap(self, owner, name: str, phase: str) -> None:
        method = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.current[phase] += (time.perf_counter() - started) * 1e3

        setattr(owner, name, timed)


def in_process(db: Path, queries: list[str], k: int, modes: list[str]) -> dict:
    from simsearch.search import Searcher
    from simsearch.store import Store

    store = Store.open(db, create=False)
    searcher = Searcher.open(store, device="cpu")
    searcher.load_encoder()
    phases = Phases()
    phases.wrap(searcher, "embed", "encode")
    phases.wrap(searcher.vectors, "search", "vector")
    phases.wrap(store, "lexical", "lexical")
    phases.wrap(searcher, "_hits", "rows")
    phases.wrap(store, "copies", "copies")
    # _add_context runs inside _hits only with context > 0 (search passes 0 there), else per hit.
    phases.wrap(searcher, "_add_context", "context")
    for text in queries[:5]:  # warm-up: kernels, page cache
        for mode in modes:
            searcher.search(text, k, mode=mode)
    results = {}
    for mode in modes:
        per_phase: dict[str, list[float]] = defaultdict(list)
        copies_calls = []
        for text in queries:
            phases.current = defaultdict(float)
            started = time.perf_counter()
            searcher.search(text, k, mode=mode)
            total = (time.perf_counter() - started) * 1e3
            measured = dict(phases.current)
            measured["total"] = total
            measured["other"] = total - sum(v for p, v in measured.items() if p != "total")
            for phase in PHASES:
                per_phase[phase].append(measured.get(phase, 0.0))
            copies_calls.append(measured.get("copies", 0.0) / k)
        results[mode] = {phase: percentiles(per_phase[phase]) for phase in PHASES
                         if mode != "dense" or phase != "lexical"}
        results[mode]["copies_per_hit_ms_p50"] = round(float(np.percentile(copies_calls, 50)), 3)
    results["peer_vector"] = brute_force(store, searcher, queries, k)
    results["index"] = {"sentences": searcher.size, "search": searcher.vectors.method,
                        "precision": searcher.model.precision, "hnsw_ef": searcher.model.hnsw_ef}
    store.close()
    return results


def brute_force(store, searcher, queries: list[str], k: int) -> dict:
    """Exact top-k by numpy over the same vectors, and the HNSW top-k's overlap with it."""
    ids, matrix = store.vectors(searcher.model)
    matrix = np.ascontiguousarray(matrix)
    vectors = searcher.embed(queries)
    exact_ms, hnsw_ms, overlap = [], [], []
    for vector in vectors:
        started = time.perf_counter()
        scores = matrix @ vector
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        exact_ms.append((time.perf_counter() - started) * 1e3)
        started = time.perf_counter()
        found, _ = searcher.vectors.search(vector, k)
        hnsw_ms.append((time.perf_counter() - started) * 1e3)
        overlap.append(len(set(ids[top].tolist()) & set(found.tolist())) / k)
    return {"numpy_exact_ms": percentiles(exact_ms), "vector_index_ms": percentiles(hnsw_ms),
            "top_k_overlap_with_exact": round(float(np.mean(overlap)), 4)}


OPEN_COSTS = """
import json, sys, time
t0 = time.perf_counter()
from simsearch.ann import VectorIndex, ann_path, file_checksum
from simsearch.search import Searcher, pick_model
from simsearch.store import Store
t1 = time.perf_counter()
store = Store.open(sys.argv[1], create=False)
row = pick_model(store, None)
t2 = time.perf_counter()
checksum = file_checksum(ann_path(store, row))
t3 = time.perf_counter()
searcher = Searcher.open(store, row.name, device="cpu")
t4 = time.perf_counter()
searcher.missing_vectors()
t5 = time.perf_counter()
searcher.load_encoder()
t6 = time.perf_counter()
print(json.dumps({"imports_ms": (t1 - t0) * 1e3, "store_open_ms": (t2 - t1) * 1e3,
                  "hnsw_sha256_alone_ms": (t3 - t2) * 1e3, "searcher_open_ms (sha256 + hnswlib load + ids)": (t4 - t3) * 1e3,
                  "missing_vector_count_ms": (t5 - t4) * 1e3, "encoder_load_ms": (t6 - t5) * 1e3}))
"""


def open_costs(db: Path, runs: int) -> dict:
    """What one `search` process pays before its query, each step timed in a fresh process."""
    rows = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", OPEN_COSTS, str(db)], check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout))
    return {key: percentiles([row[key] for row in rows])["p50"] for key in rows[0]}


def processes(db: Path, queries: list[str], k: int, modes: list[str], runs: int) -> dict:
    """Wall time of whole `simsearch search --json` processes (start to exit), per mode."""
    out = {}
    for mode in modes:
        walls = []
        for text in queries[:runs]:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simsearch", "search", text, "--db", str(db), "-k", str(k),
                            "--mode", mode, "--device", "cpu", "--json"], check=True, capture_output=True)
            walls.append((time.perf_counter() - started) * 1e3)
        out[mode] = {**percentiles(walls), "runs": len(walls)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_DIR", "/tmp/simsearch-bench")) / "query")
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--modes", default="dense,hybrid")
    parser.add_argument("--precision", default="auto", help="what `simsearch index` embeds at (recorded; queries follow)")
    parser.add_argument("--process-runs", type=int, default=5, help="whole `simsearch search` processes per mode")
    parser.add_argument("--vectors", choices=("encoded", "synthetic"), default="encoded",
                        help="the index's vectors: made by the model (`simsearch index`), or hashed words "
                             "(HashedWords; same documents, sentences, full-text index and HNSW build)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    if sys.argv[1:2] == ["--synthetic-build"]:
        synthetic_build(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
        return
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    db, queries = build(args.work, args.sentences, args.queries, args.precision, args.vectors)
    print(cpu_line())
    results = {"benchmark": "query phases", "vectors": args.vectors, "k": args.k, "queries": len(queries), "load_before": load_average()}
    results.update(in_process(db, queries, args.k, modes))
    results["process_open"] = open_costs(db, max(1, args.process_runs))
    results["process_wall_ms"] = processes(db, queries, args.k, modes, args.process_runs)
    results["load_after"] = load_average()
    print(f"index: {results['index']}; load {results['load_before']} -> {results['load_after']}")
    for mode in modes:
        print(f"{mode:>7} (ms, p50/p95): " + ", ".join(
            f"{phase} {v['p50']}/{v['p95']}" for phase, v in results[mode].items() if isinstance(v, dict)))
        print(f"{'':>7} copies per hit p50 {results[mode]['copies_per_hit_ms_p50']} ms")
    peer = results["peer_vector"]
    print(f"   peer: numpy exact top-{args.k} {peer['numpy_exact_ms']['p50']}/{peer['numpy_exact_ms']['p95']} ms vs "
          f"VectorIndex.search {peer['vector_index_ms']['p50']}/{peer['vector_index_ms']['p95']} ms; "
          f"overlap {peer['top_k_overlap_with_exact']}")
    print("process, before the query (ms, p50): " + ", ".join(f"{k} {v:.0f}" for k, v in results["process_open"].items()))
    print("process wall (ms): " + ", ".join(f"{mode} {v['p50']:.0f}/{v['p95']:.0f} (p50/p95 of {v['runs']})"
                                           for mode, v in results["process_wall_ms"].items()))
    print(json.dumps(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
