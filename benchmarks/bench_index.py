"""Index and search benchmarks (issue: document index and search), one run each, ratios printed.

  python benchmarks/bench_index.py overhead   # index a folder vs encoding its sentences alone
  python benchmarks/bench_index.py reindex    # `simsearch index` on an unchanged tree of 2,000 files
  python benchmarks/bench_index.py query      # p50/p99 query latency and recall@10 over 100k sentences
  python benchmarks/bench_index.py scale      # 1M x 384 random unit vectors: build, memory, p50, recall
  python benchmarks/bench_index.py build      # `simsearch index` of 100k sentences from scratch, per --precision:
                                              # wall and peak RSS of the whole process (issue 14)

Real text comes from the evaluation data (``$SIMSEARCH_DATA`` or ../shared/data): Wikipedia,
SNLI, STS and SICK sentences, written out as Markdown files of a few paragraphs each.
Work folders live under ``$BENCH_DIR`` (default /tmp/simsearch-bench) and are reused.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simsearch.sts import data_dir  # noqa: E402

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/simsearch-bench"))


def real_sentences() -> list[str]:
    """Distinct sentences from the evaluation data, in a fixed shuffled order."""
    root = data_dir(None)
    seen: dict[str, None] = {}
    wiki = [line.strip() for line in (root / "wiki" / "wiki1m_for_simcse.first11914.txt").open(encoding="utf-8")]
    for line in wiki:
        seen[line] = None
    for file in sorted((root / "nli" / "snli_senteval").glob("s[12].*")):
        for line in file.open(encoding="utf-8"):
            seen[line.strip()] = None
    for file in sorted((root / "senteval" / "STS").glob("STS1*-en-test/STS.input.*.txt")):
        for line in file.open(encoding="utf-8", errors="replace"):
            for part in line.rstrip("\n").split("\t"):
                seen[part.strip()] = None
    for file in sorted((root / "senteval" / "STS" / "STSBenchmark").glob("sts-*.csv")):
        for row in csv.reader(file.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                seen[row[5].strip()] = seen[row[6].strip()] = None
    for file in sorted((root / "senteval" / "SICK").glob("SICK_*.txt")):
        for row in list(csv.reader(file.open(encoding="utf-8"), delimiter="\t"))[1:]:
            if len(row) >= 3:
                seen[row[1].strip()] = seen[row[2].strip()] = None
    # Longer passages, as notes have: consecutive Wikipedia sentences, and SNLI premise + hypothesis.
    for a, b in zip(wiki[::2], wiki[1::2]):
        seen[f"{a} {b}"] = None
    for split in ("dev", "test"):
        premises = (root / "nli" / "snli_senteval" / f"s1.{split}").read_text(encoding="utf-8").splitlines()
        hypotheses = (root / "nli" / "snli_senteval" / f"s2.{split}").read_text(encoding="utf-8").splitlines()
        for a, b in zip(premises, hypotheses):
            seen[f"{a.strip()} {b.strip()}"] = None
    sentences = [s for s in seen if len(s.split()) >= 3]
    random.Random(0).shuffle(sentences)
    return sentences


def write_tree(folder: Path, sentences: list[str], per_file: int, per_paragraph: int = 4) -> Path:
    """Markdown files of ``per_file`` sentences, in paragraphs of 4 (skipped if already there).

    Many benchmark sentences are lowercased or lack final punctuation, so a paragraph may
    segment into fewer sentences than were written; the benchmarks count what is stored.
    """
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, len(sentences), per_file)):
        chunk = sentences[start : start + per_file]
        paragraphs = [" ".join(chunk[i : i + per_paragraph]) for i in range(0, len(chunk), per_paragraph)]
        sub = folder / f"part{number % 20:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"note{number:05d}.md").write_text(f"# Note {number}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    marker.touch()
    return folder


def _precision_kwargs(args) -> dict:
    """``precision=`` for index() and Encoder.load: the first --precision value (default fp32, the
    precision of every figure measured before --precision existed); nothing for a simsearch without it."""
    import inspect

    from simsearch.indexer import index

    if "precision" not in inspect.signature(index).parameters:
        return {}
    return {"precision": (args.precision or "fp32").split(",")[0].strip()}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def overhead(args) -> None:
    """Wall time of `index` (walk, parse, store, HNSW) against encoding the same sentences alone."""
    from simsearch.encoder import Encoder
    from simsearch.indexer import index
    from simsearch.store import Store

    sentences = real_sentences()[: args.sentences]
    docs = write_tree(WORK / f"overhead-{len(sentences)}", sentences, per_file=20)
    index_times, encode_times, outside = [], [], []
    # index() and the encoder alone at the same precision (index's own default became auto with --precision).
    at = _precision_kwargs(args)
    Encoder.load("minilm", device="cpu", **at).encode(sentences[:256], progress=False)  # warm file cache and kernels

    def run_index(repeat):
        db = WORK / f"overhead-{repeat}.db"
        for stale in WORK.glob(f"overhead-{repeat}.db*"):
            stale.unlink()
        started = time.perf_counter()
        store = Store.open(db)
        report = index(store, [docs], ["minilm"], device="cpu", progress=False, **at)
        index_times.append(time.perf_counter() - started)
        outside.append(index_times[-1] - report.encode_seconds)
        stored = [row[0] for row in store.conn.execute("SELECT text FROM sentences ORDER BY id")]
        store.close()
        return report, stored

    def run_encode(stored):
        started = time.perf_counter()
        Encoder.load("minilm", device="cpu", **at).encode(stored, normalize=True, progress=False)
        encode_times.append(time.perf_counter() - started)

    report, stored = run_index(0)
    run_encode(stored)
    for repeat in range(1, args.repeats):  # alternate the order: this machine drifts by several percent
        if repeat % 2:
            run_encode(stored)
            run_index(repeat)
        else:
            run_index(repeat)
            run_encode(stored)
    for repeat, (a, b) in enumerate(zip(index_times, encode_times)):
        print(f"  repeat {repeat}: index {a:.2f} s, encode alone {b:.2f} s "
              f"({report.files_seen} files, {len(stored):,} sentences)")
    best_index, best_encode = min(index_times), min(encode_times)
    print(json.dumps({"benchmark": "index overhead", "files": report.files_seen, "sentences": len(stored),
                      "index_s": round(best_index, 2), "encode_alone_s": round(best_encode, 2),
                      "ratio": round(best_index / best_encode, 3), "target": "<= 1.10", "both_include_model_load": True,
                      "precision": at.get("precision", "fp32"),
                      "index_s_outside_encoding": round(min(outside), 2),
                      "overhead_share": round(min(outside) / best_encode, 3)}))


def reindex(args) -> None:
    """`simsearch index` on an unchanged tree of 2,000 files, as a user runs it (new process)."""
    sentences = real_sentences()[: args.files * 5]
    docs = write_tree(WORK / f"reindex-{args.files}", sentences, per_file=5)
    db = WORK / f"reindex-{args.files}.db"
    command = [sys.executable, "-m", "simsearch", "index", str(docs), "--db", str(db), "--json", "--device", "cpu"]
    if not db.exists():
        print("  first run (embeds everything) ...", flush=True)
        subprocess.run(command, check=True, capture_output=True)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    report = json.loads(done.stdout)
    print(json.dumps({"benchmark": "re-index unchanged tree", "files": report["files_seen"],
                      "unchanged": report["unchanged"], "sentences_encoded": sum(report["encoded"].values()),
                      "wall_s_with_process_start": round(wall, 2), "in_process_s": round(report["seconds"], 2),
                      "target": "0 forward passes, < 3 s"}))


def query(args) -> None:
    """End-to-end query latency (encoding included) and HNSW recall@10 over 100k sentences."""
    from simsearch.indexer import index
    from simsearch.search import Searcher
    from simsearch.store import Store

    sentences = real_sentences()
    queries, corpus = sentences[: args.queries], sentences[args.queries : args.queries + args.sentences]
    if len(corpus) < args.sentences:
        print(f"  note: only {len(corpus):,} distinct sentences available")
    docs = write_tree(WORK / f"query-{len(corpus)}", corpus, per_file=20, per_paragraph=1)
    db = WORK / f"query-{len(corpus)}.db"
    store = Store.open(db)
    started = time.perf_counter()
    report = index(store, [docs], ["minilm"], device="cpu", progress=True, **_precision_kwargs(args))
    if sum(report.encoded.values()):
        print(f"  indexed {report.files_seen:,} files in {time.perf_counter() - started:.0f} s")
    searcher = Searcher.open(store, "minilm", device="cpu")
    searcher.load_encoder()
    for text in queries[:10]:  # warm-up
        searcher.search(text, 10)
    latencies = []
    for text in queries:
        started = time.perf_counter()
        searcher.search(text, 10)
        latencies.append((time.perf_counter() - started) * 1e3)
    ids, matrix = store.vectors(searcher.model)
    position = {int(sentence_id): row for row, sentence_id in enumerate(ids)}
    vectors = searcher.embed(queries)
    hits = tie_hits = 0
    for vector in vectors:
        scores = matrix @ vector
        order = np.argsort(-scores)[:10]
        approx, _ = searcher.vectors.search(vector, 10)
        hits += len(set(ids[order].tolist()) & set(approx.tolist()))
        # A text that occurs twice has two identical vectors: either copy is a correct answer.
        tie_hits += sum(scores[position[int(a)]] >= scores[order[-1]] - 1e-6 for a in approx)
    duplicates = store.conn.execute(
        "SELECT count(*) FROM (SELECT text FROM sentences GROUP BY text HAVING count(*) > 1)").fetchone()[0]
    print(json.dumps({"benchmark": "query latency", "sentences": searcher.size, "queries": len(queries),
                      "search": searcher.vectors.method, "p50_ms": round(float(np.percentile(latencies, 50)), 1),
                      "p99_ms": round(float(np.percentile(latencies, 99)), 1), "recall_at_10": round(hits / (10 * len(queries)), 4),
                      "recall_at_10_ties_counted": round(tie_hits / (10 * len(queries)), 4),
                      "texts_stored_more_than_once": duplicates,
                      "precision": getattr(searcher.model, "precision", "fp32"),
                      "hnsw": {"M": searcher.model.hnsw_m, "ef_construction": searcher.model.hnsw_ef_construction,
                               "ef": searcher.model.hnsw_ef},
                      "target": "p50 <= 30 ms, p99 <= 60 ms, recall@10 >= 0.98"}))


MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.3f} {peak:.1f} {done.returncode}")
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
"""


def measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds and peak RSS (MiB) of ``command`` run alone in a fresh watcher process, and its stdout."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True)
    head, _, rest = done.stdout.partition("\n")
    wall, peak, code = head.split()
    if code != "0":
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return float(wall), float(peak), rest


def index_has_precision() -> bool:
    done = subprocess.run([sys.executable, "-m", "simsearch", "index", "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})
    return "--precision" in done.stdout


def cpu_line() -> str:
    import torch

    try:
        from simsearch.precision import cpu_features

        features = dict(cpu_features())
    except ImportError:
        flags = set()
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines() if Path("/proc/cpuinfo").exists() else []:
            if line.startswith("flags"):
                flags = set(line.partition(":")[2].split())
                break
        features = {"capability": torch.backends.cpu.get_cpu_capability(),
                    **{f: f in flags for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni")}}
    capability = features.pop("capability")
    return (f"CPU: {os.cpu_count()} cores, torch {torch.__version__} capability {capability}; "
            + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in features.items()))


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build(args) -> None:
    """`simsearch index` of ``--sentences`` real sentences into a new database, as a user runs it.

    One fresh process per precision (model load, walk, segmentation, encoding, SQLite, HNSW);
    wall time and peak RSS of that process. fp32 is what every version before --precision did.
    """
    sentences = real_sentences()[: args.sentences]
    if len(sentences) < args.sentences:
        print(f"  note: only {len(sentences):,} distinct sentences available")
    docs = write_tree(WORK / f"build-{len(sentences)}", sentences, per_file=20)
    supported = index_has_precision()
    precisions = [p.strip() for p in (args.precision or ("fp32,auto" if supported else "fp32")).split(",") if p.strip()]
    if not supported and precisions != ["fp32"]:
        sys.exit("this simsearch's index has no --precision: only fp32 (its only precision) can be measured")
    print(cpu_line())
    results = []
    for precision in precisions:
        db = WORK / f"build-{len(sentences)}-{precision}.db"
        for stale in WORK.glob(f"build-{len(sentences)}-{precision}.db*"):
            stale.unlink()  # our own database from an earlier run of this benchmark
        command = [sys.executable, "-m", "simsearch", "index", str(docs), "--db", str(db), "--json", "--device", "cpu"]
        if supported:
            command += ["--precision", precision]
        before = load_average()
        wall, peak, out = measured(command)
        report = json.loads(out)
        row = {"benchmark": "index from scratch", "precision": precision,
               "recorded_precision": _recorded_precision(db), "files": report["files_seen"],
               "sentences": sum(report["encoded"].values()), "wall_s": round(wall, 1),
               "in_process_s": round(report["seconds"], 1), "peak_rss_mib": round(peak),
               "sentences_per_s_wall": round(sum(report["encoded"].values()) / wall, 1),
               "load_before": before, "load_after": load_average()}
        results.append(row)
        print(json.dumps(row), flush=True)
    if len(results) > 1:
        base = results[0]
        for row in results[1:]:
            print(f"{row['precision']} ({row['recorded_precision']}) vs {base['precision']}: wall "
                  f"{base['wall_s'] / row['wall_s']:.2f}x faster, peak RSS {row['peak_rss_mib']} vs {base['peak_rss_mib']} MiB")


def _recorded_precision(db: Path) -> str:
    """The precision the index recorded for its model's vectors (fp32 where it records none)."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(models)")]
        if "precision" not in columns:
            return "fp32"
        return ",".join(row[0] for row in conn.execute("SELECT precision FROM models"))
    finally:
        conn.close()


def scale(args) -> None:
    """1M x 384 random unit vectors through the store and `VectorIndex` (no encoder)."""
    from simsearch.store import Store

    db = WORK / f"scale-{args.vectors}.db"
    rng = np.random.default_rng(0)
    if not db.exists():
        store = Store.open(db)
        with store.transaction():
            model = store.add_model("random-384", "/dev/null", "random", 384, "avg")
            document = store.conn.execute(
                "INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at) VALUES ('/random', '', 0, 0, 'text', '')"
            ).lastrowid
        started = time.perf_counter()
        for start in range(0, args.vectors, 100_000):
            block = _unit(rng, min(100_000, args.vectors - start))
            ids = range(start + 1, start + 1 + len(block))
            with store.transaction():
                store.conn.executemany('INSERT INTO sentences (id, document_id, ordinal, text, start, "end", line) '
                                       "VALUES (?, ?, ?, '', 0, 0, 1)", ((i, document, i) for i in ids))
                store.add_vectors(model.id, list(ids), block)
        print(f"  wrote {args.vectors:,} vectors to {db} in {time.perf_counter() - started:.0f} s", flush=True)
        store.close()
    # Build in a fresh process so that its peak memory is the index's, not this writer's.
    done = subprocess.run([sys.executable, __file__, "scale-build", "--db", str(db)], check=True,
                          capture_output=True, text=True)
    print(done.stdout.strip())


def _unit(rng, n: int, dim: int = 384) -> np.ndarray:
    block = rng.standard_normal((n, dim), dtype=np.float32)
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    return block


def scale_build(args) -> None:
    from simsearch.ann import VectorIndex, ann_path
    from simsearch.store import Store

    store = Store.open(Path(args.db))
    model = store.model("random-384")
    path = ann_path(store, model)
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    vectors = VectorIndex.open(store, model, save=True)
    build_s = time.perf_counter() - started
    build_peak = peak_mib()
    started = time.perf_counter()
    vectors = VectorIndex.open(store, model, save=False)
    load_s = time.perf_counter() - started
    queries = _unit(np.random.default_rng(1), 100)
    results = []
    for ef in (128, 512):
        vectors.model = dataclasses.replace(vectors.model, hnsw_ef=ef)
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            ids, _ = vectors.search(q, 10)
            times.append((time.perf_counter() - t) * 1e3)
            found.append(ids)
        results.append((ef, times, found))
    exact = _exact_top10(store, model, queries)
    report = {"benchmark": "scale", "vectors": vectors.count, "dim": model.dim, "build_s": round(build_s, 1),
              "load_s": round(load_s, 1), "peak_rss_mib_build": round(build_peak),
              "index_file_mib": round(path.stat().st_size / 2**20), "M": model.hnsw_m,
              "ef_construction": model.hnsw_ef_construction}
    for ef, times, found in results:
        recall = np.mean([len(set(f.tolist()) & set(e)) / 10 for f, e in zip(found, exact)])
        report[f"ef{ef}"] = {"p50_ms": round(float(np.percentile(times, 50)), 2), "recall_at_10": round(float(recall), 4)}
    report["target"] = "peak memory <= 3 GiB"
    print(json.dumps(report))


def _exact_top10(store, model, queries: np.ndarray) -> list[list[int]]:
    best_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 10), dtype=np.int64)
    total = store.count_vectors(model.id)
    for start in range(1, total + 1, 100_000):
        ids, matrix = store.vectors(model, range(start, min(start + 100_000, total + 1)))
        scores = queries @ matrix.T
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        merged_ids = np.concatenate([best_ids, np.broadcast_to(ids, scores.shape)], axis=1)
        top = np.argsort(-merged_scores, axis=1)[:, :10]
        best_scores = np.take_along_axis(merged_scores, top, axis=1)
        best_ids = np.take_along_axis(merged_ids, top, axis=1)
    return [row.tolist() for row in best_ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=["overhead", "reindex", "query", "scale", "scale-build", "build"])
    parser.add_argument("--sentences", type=int, default=None)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--vectors", type=int, default=1_000_000)
    parser.add_argument("--db")
    parser.add_argument("--precision", default=None,
                        help="build: comma-separated --precision values (default fp32,auto where index has it); "
                             "overhead, query: the precision of index and encoder (default fp32)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.sentences is None:
        args.sentences = 4000 if args.benchmark == "overhead" else 100_000
    {"overhead": overhead, "reindex": reindex, "query": query, "scale": scale, "scale-build": scale_build,
     "build": build}[args.benchmark](args)


if __name__ == "__main__":
    main()
