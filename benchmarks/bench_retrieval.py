"""Retrieval quality on every benchmark, every model and every search mode, side by side.

Reads the sets ``build_benchmarks.py`` made (default ``~/.cache/simsearch-bench``), indexes
each corpus into ``<set>/index.db`` beside it when needed (incremental: a second run only
encodes what is missing, so adding a model costs one encoding pass), then runs
``simsearch.retrieval.run_eval`` for each model x mode and prints one table (``--json``:
one object per benchmark x model x mode).

    python benchmarks/build_benchmarks.py
    python benchmarks/bench_retrieval.py                       # minilm, every mode in retrieval.MODES
    python benchmarks/bench_retrieval.py -m minilm -m models/my-simcse --json

With several modes it also checks the issue's ordering target on each benchmark
(hybrid >= dense >= lexical, by hit@10) for the modes that exist.
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

ORDER = ("hybrid", "dense", "lexical")  # the target: each at least as good as the next


def default_root() -> Path:
    return Path(os.environ.get("SIMSEARCH_BENCH") or Path.home() / ".cache" / "simsearch-bench")


def benchmarks(root: Path, only: list[str] | None) -> list[Path]:
    found = sorted(p for p in root.iterdir() if (p / "queries.jsonl").is_file() and (p / "corpus").is_dir())
    if only:
        found = [p for p in found if p.name in only]
    if not found:
        sys.exit(f"no benchmarks under {root}: run python benchmarks/build_benchmarks.py first")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=default_root())
    parser.add_argument("--bench", action="append", help="only this benchmark (repeatable)")
    parser.add_argument("-m", "--model", action="append", help="model (repeatable; default minilm)")
    parser.add_argument("--mode", action="append", help=f"search mode (repeatable; default all: {', '.join(retrieval.MODES)})")
    parser.add_argument("-k", type=int, default=retrieval.TOP)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-index", action="store_true", help="evaluate the indexes as they are")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    models = args.model or ["minilm"]
    modes = args.mode or list(retrieval.MODES)
    rows = []
    for folder in benchmarks(args.root.expanduser(), args.bench):
        store = Store.open(folder / "index.db")
        try:
            if not args.no_index:
                index(store, [folder / "corpus"], models, device=args.device, progress=not args.json)
            warn = lambda message, name=folder.name: print(f"warning: {name}: {message}", file=sys.stderr)  # noqa: E731
            for result in retrieval.run_eval(store, folder / "queries.jsonl", models, modes, args.k,
                                             device=args.device, on_warning=warn):
                rows.append({"benchmark": folder.name, **result.as_dict()})
        finally:
            store.close()
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    names = retrieval.metric_names(args.k)
    print(f"{'benchmark':24} {'model':20} {'mode':8} {'queries':>7} " + " ".join(f"{n:>9}" for n in names))
    for row in rows:
        print(f"{row['benchmark']:24} {row['model']:20} {row['mode']:8} {row['queries']:>7} "
              + " ".join(f"{row[n]:>9.3f}" for n in names))
    for bench in dict.fromkeys(row["benchmark"] for row in rows):
        for model in dict.fromkeys(row["model"] for row in rows):
            by_mode = {row["mode"]: row[f"hit@{retrieval.TOP}"] for row in rows
                       if row["benchmark"] == bench and row["model"] == model}
            present = [mode for mode in ORDER if mode in by_mode]
            if len(present) > 1:
                ok = all(by_mode[a] >= by_mode[b] for a, b in zip(present, present[1:]))
                print(f"{bench} {model}: {' >= '.join(present)} by hit@10: {'ok' if ok else 'NOT MET'} "
                      f"({', '.join(f'{m} {by_mode[m]:.3f}' for m in present)})")


if __name__ == "__main__":
    main()
