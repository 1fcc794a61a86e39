"""Retrieval quality on every benchmark: BM25, dense and hybrid, for minilm and a trained model, side by side.

Reads the sets ``build_benchmarks.py`` made (default ``~/.cache/simsearch-bench``), indexes
each corpus once per model into an index database (``<set>/index.db`` beside it, or
``WORK/<set>.db`` with ``--work WORK``; incremental: a second run only encodes what is
missing, so adding a model costs one encoding pass), then runs ``simsearch.retrieval.run_eval``
and prints, per benchmark, one row per model x mode: BM25 (``lexical``, the same for every
model, run once), then ``dense`` and ``hybrid`` for each model (``--json``: one object per
benchmark x model x mode). An index made by an older simsearch is migrated when opened, and
documents read by an older extractor are read again, so existing databases are reused.

    python benchmarks/build_benchmarks.py
    python benchmarks/bench_retrieval.py                       # minilm on every benchmark
    python benchmarks/bench_retrieval.py --work /tmp/bench \\
        --trained pytest-docs=/tmp/adapt/ict-default --trained sphinx-docs=/tmp/h13/sx-default

``--trained SET=PATH`` (repeatable) adds a model trained on that benchmark's own corpus
(``simsearch train --unsup <set>/corpus``): it is indexed and evaluated on that benchmark only.

Each model gets the issue's target checked by hit@10, one verdict per inequality:
``hybrid >= dense`` and ``dense >= BM25`` (PASS/FAIL with the numbers); the default mode must
also stay within 0.01 of dense (``hybrid >= dense - 0.01``, the README's promise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from simsearch import retrieval
from simsearch.indexer import index
from simsearch.store import Store

LABELS = {"lexical": "BM25"}
HIT = f"hit@{retrieval.TOP}"
# The default may cost at most this much hit@10 against dense (issue 12).
DEFAULT_TOLERANCE = 0.01


def default_root() -> Path:
    return Path(os.environ.get("SIMSEARCH_BENCH") or Path.home() / ".cache" / "simsearch-bench")


def benchmarks(root: Path, only: list[str] | None) -> list[Path]:
    found = sorted(p for p in root.iterdir() if (p / "queries.jsonl").is_file() and (p / "corpus").is_dir())
    if only:
        found = [p for p in found if p.name in only]
    if not found:
        sys.exit(f"no benchmarks under {root}: run python benchmarks/build_benchmarks.py first")
    return found


def parse_trained(values: list[str] | None, names: set[str]) -> dict[str, list[str]]:
    """``SET=PATH`` pairs: the trained models of each benchmark (a model folder must exist)."""
    trained: dict[str, list[str]] = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            sys.exit(f"--trained {value!r}: expected SET=PATH, for example pytest-docs=models/pytest-ict")
        if name not in names:
            sys.exit(f"--trained {value!r}: no benchmark {name!r} (found: {', '.join(sorted(names))})")
        folder = Path(path).expanduser()
        if not folder.is_dir():
            sys.exit(f"--trained {value!r}: no model folder {folder}")
        trained.setdefault(name, []).append(str(folder.absolute()))
    return trained


def database(folder: Path, work: Path | None) -> Path:
    if work is None:
        return folder / "index.db"
    work.mkdir(parents=True, exist_ok=True)
    return work / f"{folder.name}.db"


def verdicts(by_mode: dict[str, dict]) -> list[tuple[str, bool, str]]:
    """(inequality, holds, numbers) by hit@10 for the modes present: hybrid >= dense,
    dense >= BM25, and hybrid >= dense - 0.01 (the default's promise)."""
    hit = {mode: row[HIT] for mode, row in by_mode.items()}
    out = []
    for better, worse in (("hybrid", "dense"), ("dense", "lexical")):
        if better in hit and worse in hit:
            out.append((f"{LABELS.get(better, better)} >= {LABELS.get(worse, worse)}", hit[better] >= hit[worse],
                        f"{hit[better]:.3f} vs {hit[worse]:.3f}"))
    if "hybrid" in hit and "dense" in hit:
        out.append((f"hybrid >= dense - {DEFAULT_TOLERANCE}", hit["hybrid"] >= hit["dense"] - DEFAULT_TOLERANCE - 1e-9,
                    f"{hit['hybrid'] - hit['dense']:+.3f}"))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=default_root())
    parser.add_argument("--bench", action="append", help="only this benchmark (repeatable)")
    parser.add_argument("-m", "--model", action="append", help="model for every benchmark (repeatable; default minilm)")
    parser.add_argument("--trained", action="append", metavar="SET=PATH",
                        help="a model trained on benchmark SET's corpus, evaluated on SET only (repeatable)")
    parser.add_argument("--mode", action="append", help=f"search mode (repeatable; default all: {', '.join(retrieval.MODES)})")
    parser.add_argument("--work", type=Path, help="keep the index databases here (WORK/<set>.db) instead of <set>/index.db")
    parser.add_argument("-k", type=int, default=retrieval.TOP)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-index", action="store_true", help="evaluate the indexes as they are")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    root = args.root.expanduser()
    folders = benchmarks(root, args.bench)
    trained = parse_trained(args.trained, {folder.name for folder in benchmarks(root, None)})
    base = list(dict.fromkeys(args.model or ["minilm"]))
    modes = args.mode or [mode for mode in ("lexical", "dense", "hybrid") if mode in retrieval.MODES]
    work = args.work.expanduser() if args.work else None
    rows = []
    for folder in folders:
        models = list(dict.fromkeys(base + trained.get(folder.name, [])))
        store = Store.open(database(folder, work))
        try:
            if not args.no_index:
                index(store, [folder / "corpus"], models, device=args.device, progress=not args.json)
            warn = lambda message, name=folder.name: print(f"warning: {name}: {message}", file=sys.stderr)  # noqa: E731
            queries = retrieval.load_queries(folder / "queries.jsonl")
            results = []
            if "lexical" in modes:  # BM25 does not depend on the model: once, reported for each
                lexical = retrieval.run_eval(store, queries, models[:1], ["lexical"], args.k, device=args.device,
                                             on_warning=warn)[0]
            others = [mode for mode in modes if mode != "lexical"]
            if others:
                results = retrieval.run_eval(store, queries, models, others, args.k, device=args.device,
                                             on_warning=warn if "lexical" not in modes else None)
            for model in models:
                if "lexical" in modes:
                    rows.append({"benchmark": folder.name, **lexical.as_dict(), "model": display(model)})
                rows += [{"benchmark": folder.name, **result.as_dict(), "model": display(result.model)}
                         for result in results if display(result.model) == display(model)]
        finally:
            store.close()
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    print_tables(rows, args.k)


def display(model: str) -> str:
    """A model as the tables name it: an alias as given, a trained model by its folder's name."""
    return Path(model).name if os.sep in model else model


def print_tables(rows: list[dict], k: int) -> None:
    names = retrieval.metric_names(k)
    failed = []
    for bench in dict.fromkeys(row["benchmark"] for row in rows):
        mine = [row for row in rows if row["benchmark"] == bench]
        print(f"\n{bench} ({mine[0]['queries']} queries)")
        print(f"  {'':26}" + "".join(f"{name:>10}" for name in names))
        shown_lexical = False
        for model in dict.fromkeys(row["model"] for row in mine):
            by_mode = {row["mode"]: row for row in mine if row["model"] == model}
            for mode, row in by_mode.items():
                if mode == "lexical":
                    if shown_lexical:
                        continue
                    shown_lexical, label = True, "BM25"
                else:
                    label = f"{model} {mode}"
                print(f"  {label:26}" + "".join(f"{row[name]:>10.3f}" for name in names))
        for model in dict.fromkeys(row["model"] for row in mine):
            by_mode = {row["mode"]: row for row in mine if row["model"] == model}
            checks = verdicts(by_mode)
            if checks:
                print(f"  target, {model}, by {HIT}: " + "; ".join(
                    f"{what} {'PASS' if ok else 'FAIL'} ({numbers})" for what, ok, numbers in checks))
                failed += [f"{bench}/{model}: {what}" for what, ok, _ in checks if not ok]
    if failed:
        print(f"\nFAIL: {len(failed)} inequalities do not hold: {', '.join(failed)}")
    elif rows:
        print("\nPASS: every inequality holds")


if __name__ == "__main__":
    main()
