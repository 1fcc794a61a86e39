"""One-per-line files: does the index find paraphrase partners as well as exact search over the raw lines?

The issue's target: "one-per-line files retrieve their paraphrase partners at recall@10 within
0.01 of exact search over the same lines". On the paraphrase benchmark that
``build_benchmarks.py`` makes (``stsb-sick-paraphrase``: a corpus of one sentence per line, and
queries whose relevant items are exact sentence texts) this prints, side by side:

- **index**: ``simsearch.retrieval.run_eval`` over ``<set>/index.db`` in ``dense`` mode, the search
  path users get (the segmenter decides what a sentence is; HNSW when the index has one; copies
  of one text shown once);
- **exact**: brute-force cosine search over the corpus files' raw lines, each non-empty line one
  candidate, encoded directly with ``Encoder.load(model).encode(lines, normalize=True)``, the
  relevant items matched against the line's text (whitespace runs collapsed, as in the eval);

then the difference and PASS/FAIL against the 0.01 tolerance (on recall@k; hit@10 is shown too),
how the extractor read each corpus file (``segment.line_shape``), and how many lines were not
stored exactly as written (whitespace runs collapsed): split in several, characters changed, or
missing. Such a line can no longer match a relevant text exactly; ``--show`` lists them.

    python benchmarks/bench_one_per_line.py                   # minilm, ~/.cache/simsearch-bench
    python benchmarks/bench_one_per_line.py --show            # and every altered line
    python benchmarks/bench_one_per_line.py --bench stsb-sick-paraphrase -m minilm --json

The index must exist and hold vectors for the model (``bench_retrieval.py`` or
``simsearch index <set>/corpus --db <set>/index.db -m minilm`` makes it); it is not modified
except that opening it may build its ANN file. After an upgrade that raises
``extract.EXTRACTOR_VERSION``, run that ``simsearch index`` command again first: it re-reads the
corpus and re-embeds only the sentences whose text changed (otherwise this measures the old
sentences).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from simsearch import retrieval
from simsearch.retrieval import normalize_text

TOLERANCE = 0.01
METRIC = "recall@{k}"


def default_root() -> Path:
    return Path(os.environ.get("SIMSEARCH_BENCH") or Path.home() / ".cache" / "simsearch-bench")


def corpus_lines(corpus: Path) -> list[tuple[str, int, str]]:
    """(absolute path, 1-based line number, text) of every non-empty line of every file below ``corpus``."""
    out = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append((str(path.absolute()), number, line.strip()))
    return out


def exact_search(queries: list[retrieval.Query], lines: list[tuple[str, int, str]], model: str, k: int,
                 device: str) -> tuple[dict[str, float], list[dict], float]:
    """Brute-force cosine top-``depth`` over the raw lines; metrics as ``retrieval.query_metrics``."""
    from simsearch.encoder import Encoder

    encoder = Encoder.load(model, device=device)
    started = time.perf_counter()
    line_vectors = encoder.encode([text for _, _, text in lines], normalize=True, progress=False)
    query_vectors = encoder.encode([query.text for query in queries], normalize=True, progress=False)
    seconds = time.perf_counter() - started
    depth = max(k, retrieval.TOP)
    scores = query_vectors @ line_vectors.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    forms = retrieval._PathForms()
    totals = dict.fromkeys(retrieval.metric_names(k), 0.0)
    details = []
    for query, row in zip(queries, top):
        matches = []
        for index in row.tolist():
            path, number, text = lines[index]
            normalized = normalize_text(text)
            matches.append(frozenset(i for i, unit in enumerate(query.units)
                                     if unit.matches(forms(path), number, normalized)))
        values = retrieval.query_metrics(matches, len(query.units), k)
        for name, value in values.items():
            totals[name] += value
        details.append({"id": query.id, "first_relevant_rank": retrieval.first_relevant_rank(matches), **values})
    return {name: value / len(queries) for name, value in totals.items()}, details, seconds


def segmentation(store, lines: list[tuple[str, int, str]]) -> dict:
    """How the corpus' lines became stored sentences; every line not stored as exactly its own text.

    A line is *altered* unless the sentences stored on it are exactly one, equal to the line
    with whitespace runs collapsed: split in several, changed (characters dropped or added)
    or missing.
    """
    stored: dict[tuple[str, int], list[str]] = {}
    for path, line, text in store.conn.execute(
            "SELECT d.path, s.line, s.text FROM sentences s JOIN documents d ON d.id = s.document_id"):
        stored.setdefault((os.path.normpath(path), line), []).append(normalize_text(text))
    per_line = Counter()
    altered = []
    for path, number, text in lines:
        texts = stored.get((os.path.normpath(path), number), [])
        per_line[len(texts)] += 1
        if texts != [normalize_text(text)]:
            how = "split" if len(texts) > 1 else "changed" if texts else "missing"
            altered.append({"path": path, "line": number, "how": how, "text": text, "stored": texts})
    kinds = Counter(item["how"] for item in altered)
    return {
        "lines": len(lines),
        "sentences": sum(len(texts) for texts in stored.values()),
        "lines_kept_whole": len(lines) - len(altered),
        "lines_altered": len(altered),
        "lines_split": kinds["split"],
        "lines_changed": kinds["changed"],  # one sentence, but not the line's text
        "lines_with_no_sentence_starting_there": kinds["missing"],
        "sentences_per_line": {str(n): count for n, count in sorted(per_line.items())},
        "altered": altered,
    }


def shapes(corpus: Path) -> dict[str, str]:
    """How the extractor reads each corpus file (``segment.line_shape``: wrapped, paragraph or sentence per line)."""
    from simsearch.extract import extract

    out = {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(".")):
        extracted = extract(path, path.read_bytes())
        out[str(path.relative_to(corpus))] = ("sentence per line" if extracted.lines_are_sentences else
                                              "paragraph per line" if extracted.lines_are_blocks else
                                              "wrapped prose" if extracted.format == "text" else extracted.format)
    return out


def run(bench: Path, model: str, k: int, device: str) -> dict:
    from simsearch.store import Store

    db = bench / "index.db"
    if not db.is_file():
        sys.exit(f"{db}: no index; run `simsearch index {bench / 'corpus'} --db {db} -m {model}` first")
    queries = retrieval.load_queries(bench / "queries.jsonl")
    lines = corpus_lines(bench / "corpus")
    store = Store.open(db, create=False)
    try:
        warnings: list[str] = []
        started = time.perf_counter()
        [evaluation] = retrieval.run_eval(store, queries, [model], ["dense"], k, device=device,
                                          on_warning=warnings.append)
        index_seconds = time.perf_counter() - started
        shape = segmentation(store, lines)
    finally:
        store.close()
    exact, _, exact_seconds = exact_search(queries, lines, model, k, device)
    metric = METRIC.format(k=k)
    names = [metric, f"hit@{retrieval.TOP}"] + [n for n in retrieval.metric_names(k) if n not in (metric, f"hit@{retrieval.TOP}")]
    rows = {name: {"index": evaluation.metrics[name], "exact": exact[name],
                   "difference": evaluation.metrics[name] - exact[name]} for name in names}
    return {
        "bench": bench.name, "model": evaluation.model, "queries": len(queries), "k": k,
        "metrics": rows, "target": f"{metric} of the index within {TOLERANCE} of exact search",
        "pass": abs(rows[metric]["difference"]) <= TOLERANCE or rows[metric]["difference"] > 0,
        "unreachable_units": evaluation.unreachable_units, "missing_vectors": evaluation.missing_vectors,
        "warnings": warnings, "segmentation": shape, "shapes": shapes(bench / "corpus"),
        "seconds": {"index_eval": round(index_seconds, 1), "exact_encode": round(exact_seconds, 1)},
    }


def show(result: dict, altered: int = 0) -> None:
    print(f"\n{result['bench']} · {result['model']} · {result['queries']} queries · dense mode vs exact over raw lines")
    print(f"  {'metric':<10} {'index':>8} {'exact':>8} {'diff':>8}")
    for name, row in result["metrics"].items():
        print(f"  {name:<10} {row['index']:>8.4f} {row['exact']:>8.4f} {row['difference']:>+8.4f}")
    shape = result["segmentation"]
    print(f"  files read as: {', '.join(f'{name}: {how}' for name, how in result['shapes'].items())}")
    print(f"  {shape['lines']:,} non-empty lines -> {shape['sentences']:,} stored sentences "
          f"({shape['lines_kept_whole']:,} lines stored exactly, {shape['lines_altered']:,} altered: "
          f"{shape['lines_split']:,} split in several, {shape['lines_changed']:,} with characters changed, "
          f"{shape['lines_with_no_sentence_starting_there']:,} missing; per line: {shape['sentences_per_line']})")
    listed = shape["altered"] if altered < 0 else shape["altered"][:altered]
    for item in listed:
        print(f"    {Path(item['path']).name}:{item['line']} {item['how']}: {item['text']!r} -> {item['stored']!r}")
    if len(listed) < len(shape["altered"]):
        print(f"    ({len(shape['altered']) - len(listed):,} altered lines not listed; --show [N] lists them)")
    print(f"  unreachable relevant items: {result['unreachable_units']}; missing vectors: {result['missing_vectors']}")
    for warning in result["warnings"]:
        print(f"  warning: {warning}")
    print(f"  {result['target']}: {'PASS' if result['pass'] else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=default_root())
    parser.add_argument("--bench", default="stsb-sick-paraphrase", help="benchmark folder under --root")
    parser.add_argument("-m", "--model", default="minilm")
    parser.add_argument("-k", type=int, default=retrieval.TOP)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", type=int, nargs="?", const=-1, default=3, metavar="N",
                        help="list N altered lines (stored text differs from the line, whitespace collapsed); "
                             "alone: all of them")
    args = parser.parse_args(argv)
    bench = args.root / args.bench
    if not (bench / "queries.jsonl").is_file() or not (bench / "corpus").is_dir():
        sys.exit(f"{bench}: no queries.jsonl and corpus/; run python benchmarks/build_benchmarks.py first")
    result = run(bench, args.model, args.k, args.device)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        show(result, args.show)
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
