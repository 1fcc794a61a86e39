"""Retrieval quality on every benchmark, every model and every search mode, side by side.

Reads the sets ``build_benchmarks.py`` made (default ``~/.cache/simsearch-bench``), indexes
each corpus into ``<set>/index.db`` beside it when needed (incremental: a second run only
encodes what is missing, so adding a model costs one encoding pass), then runs
``simsearch.retrieval.run_eval`` for each model x mode and prints, per benchmark and model,
BM25 (``lexical``), ``dense`` and ``hybrid`` side by side (``--json``: one object per
benchmark x model x mode). An index made by an older simsearch is migrated when opened (the
full-text index of hybrid search is filled then), so existing ``index.db`` files are reused.

    python benchmarks/build_benchmarks.py
    python benchmarks/bench_retrieval.py                       # minilm, every mode in retrieval.MODES
    python benchmarks/bench_retrieval.py -m minilm -m models/my-simcse --json

With several modes it also checks the issue's ordering target on each benchmark
(hybrid >= dense >= BM25, by hit@10) for the modes that exist.
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
LABELS = {"lexical": "BM25"}


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
    modes = args.mode or [mode for mode in ("lexical", "dense", "hybrid") if mode in retrieval.MODES]
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
    for bench in dict.fromkeys(row["benchmark"] for row in rows):
        for model in dict.fromkeys(row["model"] for row in rows):
            by_mode = {row["mode"]: row for row in rows if row["benchmark"] == bench and row["model"] == model}
            if not by_mode:
                continue
            shown = list(by_mode)
            queries = next(iter(by_mode.values()))["queries"]
            print(f"\n{bench} ({queries} queries), {model}")
            print(f"  {'':10}" + "".join(f"{LABELS.get(mode, mode):>10}" for mode in shown))
            for name in names:
                print(f"  {name:10}" + "".join(f"{by_mode[mode][name]:>10.3f}" for mode in shown))
            present = [mode for mode in ORDER if mode in by_mode]
            if len(present) > 1:
                hit = {mode: by_mode[mode][f"hit@{retrieval.TOP}"] for mode in present}
                ok = all(hit[a] >= hit[b] for a, b in zip(present, present[1:]))
                print(f"  target {' >= '.join(LABELS.get(m, m) for m in present)} by hit@{retrieval.TOP}: "
                      f"{'met' if ok else 'NOT MET'} ({', '.join(f'{LABELS.get(m, m)} {hit[m]:.3f}' for m in present)})")


if __name__ == "__main__":
    main()
