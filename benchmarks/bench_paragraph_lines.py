"""Context vectors in a file of one paragraph per line: windows within a line against windows across lines.

A file of reviews or notes, one per line and several sentences each, has unrelated neighbouring
lines. This builds such a file from real documentation (``--source``, default the Django docs
corpus ``build_benchmarks.py`` made: every paragraph of 3 to 8 sentences of 4 words or more,
as simsearch reads the files), ``--paragraphs`` of them (300) shuffled so that neighbouring lines
are unrelated, one per line; ``--queries`` of them (all) lose one sentence each (drawn at random),
which becomes a query whose relevant item is the rest of its line (``path`` with ``lines``). It
then indexes the file three ways and scores each with ``simsearch eval retrieval --json``
(dense and hybrid, minilm), for each ``--seed`` (repeatable; one draw of paragraphs, order and
queries each), then the mean over the seeds:

- ``sentence``: ``index --vector-context 0`` (each sentence alone);
- ``across``: context vectors with windows across lines, as before session 34 (``Store.replace_document``
  told that no file is one paragraph per line, as an index of schema 14 recorded it);
- ``within``: context vectors as now, windows within a sentence's line.

    python benchmarks/build_benchmarks.py --only django
    python benchmarks/bench_paragraph_lines.py --work /tmp/paragraph-lines --seed 0 --seed 1 --seed 2

``--work`` must be a new folder: each seed's corpus, queries and three index databases go to
``WORK/seed-N``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from simsearch.extract import TEXT_SUFFIXES, extract
from simsearch.indexer import index
from simsearch.segment import PARAGRAPH_PER_LINE, line_shape, split_sentences
from simsearch.store import Store

VARIANTS = ("sentence", "across", "within")


def paragraphs(source: Path) -> list[list[str]]:
    """Every paragraph of the documentation under ``source`` of 3 to 8 whole sentences (each of 4
    words or more and at most 300 characters, ending in . ! or ?), as simsearch reads the files,
    each once, in path order."""
    found, seen = [], set()
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES):
        name = path.with_suffix(".rst") if path.suffix == ".txt" else path  # (Django's .txt sources are reST)
        for block in re.split(r"\n\s*\n", extract(name, path.read_bytes()).text):
            text = " ".join(block.split())
            sentences = [s.text for s in split_sentences(text, lines_are_blocks=True)]
            if (text[:1].isupper() and 3 <= len(sentences) <= 8 and text not in seen
                    and all(len(s.split()) >= 4 and len(s) <= 300 and s[-1] in ".!?" for s in sentences)):
                seen.add(text)
                found.append(sentences)
    return found


def build(work: Path, source: Path, count: int, queries: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    chosen = paragraphs(source)
    if len(chosen) < count:
        sys.exit(f"error: {source} has {len(chosen)} paragraphs of 3 to 8 sentences, fewer than --paragraphs {count}")
    chosen = rng.sample(chosen, count)  # a random order: neighbouring lines are unrelated
    asked = set(rng.sample(range(count), queries))
    lines, rows = [], []
    for number, sentences in enumerate(chosen, 1):
        if number - 1 in asked:
            taken = rng.randrange(len(sentences))
            rows.append({"query": sentences[taken], "relevant": {"path": "corpus/paragraphs.txt", "lines": [number, number]}})
            sentences = sentences[:taken] + sentences[taken + 1:]
        lines.append(" ".join(sentences))
    corpus = work / "corpus" / "paragraphs.txt"
    corpus.parent.mkdir(parents=True)
    corpus.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if line_shape(corpus.read_text(encoding="utf-8")) != PARAGRAPH_PER_LINE:
        sys.exit(f"error: {corpus} does not read as one paragraph per line")
    query_file = work / "queries.jsonl"
    query_file.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return corpus, query_file


def index_as(variant: str, db: Path, corpus: Path, model: str, device: str) -> None:
    store = Store.open(db)
    real = Store.replace_document

    def across(self, *args, **kwargs):  # no file recorded as one paragraph per line: windows across lines
        kwargs["lines_are_blocks"] = False
        return real(self, *args, **kwargs)

    try:
        if variant == "across":
            Store.replace_document = across
        index(store, [corpus.parent], [model], device=device, progress=False, context=0 if variant == "sentence" else 1)
        blocks = store.conn.execute("SELECT lines_are_blocks FROM documents").fetchone()[0]
        assert blocks == (variant != "across"), (variant, blocks)
    finally:
        Store.replace_document = real
        store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a new folder for the corpus, queries and indexes")
    parser.add_argument("--source", type=Path, default=Path("~/.cache/simsearch-bench/django-docs/corpus"))
    parser.add_argument("--paragraphs", type=int, default=300)
    parser.add_argument("--queries", type=int, help="how many paragraphs lose a sentence to a query (default: all)")
    parser.add_argument("--seed", type=int, action="append", help="repeatable (default: 0)")
    parser.add_argument("-m", "--model", default="minilm")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    work, source = args.work.expanduser(), args.source.expanduser()
    if work.exists():
        sys.exit(f"error: --work {work} exists; give a new folder")
    if not source.is_dir():
        sys.exit(f"error: --source {source} is not a folder (python benchmarks/build_benchmarks.py --only django makes it)")
    seeds = args.seed or [0]
    queries = args.paragraphs if args.queries is None else args.queries
    metrics = ("hit@1", "hit@10", "mrr@10")
    scores: dict[tuple[str, str], list[list[float]]] = {}
    print(f"{'seed':<5} {'variant':<10} {'mode':<8} {'hit@1':>6} {'hit@10':>7} {'MRR@10':>7}")
    for seed in seeds:
        folder = work / f"seed-{seed}"
        corpus, query_file = build(folder, source, args.paragraphs, queries, seed)
        for variant in VARIANTS:
            db = folder / f"{variant}.db"
            index_as(variant, db, corpus, args.model, args.device)
            result = subprocess.run(
                [sys.executable, "-m", "simsearch", "eval", "retrieval", str(query_file), "--db", str(db), "-m",
                 args.model, "--mode", "dense", "--mode", "hybrid", "--device", args.device, "--json"],
                capture_output=True, text=True, check=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))})
            for row in map(json.loads, result.stdout.splitlines()):
                values = [row[metric] for metric in metrics]
                scores.setdefault((variant, row["mode"]), []).append(values)
                print(f"{seed:<5} {variant:<10} {row['mode']:<8} " + " ".join(f"{v:>6.3f}" for v in values), flush=True)
    print(f"mean over {len(seeds)} seed(s), {args.paragraphs} paragraphs of {source}, {queries} queries each:")
    for (variant, mode), rows in scores.items():
        print(f"{'':<5} {variant:<10} {mode:<8} " + " ".join(f"{sum(col) / len(col):>6.3f}" for col in zip(*rows)))


if __name__ == "__main__":
    main()
