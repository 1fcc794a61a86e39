"""A text with very many copies: what a search for it costs, per mode (session 47).

  python benchmarks/bench_copies.py --docs DOCS --work DIR             # build (or reuse), then measure
  PYTHONPATH=OTHER_CHECKOUT python benchmarks/bench_copies.py ...     # the same index, other code

The index: the folder ``--docs`` (real documentation, copied) beside ``--files`` files each
holding ``--copies`` copies of one line, indexed once into ``--work`` by ``simsearch index`` with
the defaults and reused. Session 47 used Click 8.1.7's and Jinja 3.1.4's docs beside 300 files of
100 copies (32,421 sentences), as session 46 had. Each query is searched ``--runs`` times in one
process through ``Searcher.search`` (the model loaded and warmed first), each mode at ``-k``; the
median is printed, with a hash of the hits (``as_dict``) so that two checkouts can be compared for
the same results. On a shared machine the figures are upper bounds: the load is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

LINE = "The zeppelin hovered over the harbour at dawn."


def build(docs: Path, work: Path, files: int, copies: int) -> Path:
    db = work / "copies.db"
    if db.exists():
        return db
    corpus = work / "corpus"
    shutil.copytree(docs, corpus / "docs")
    (corpus / "copies").mkdir()
    for i in range(files):
        (corpus / "copies" / f"f{i:03d}.txt").write_text((LINE + "\n") * copies)
    subprocess.run([sys.executable, "-m", "simsearch", "index", str(corpus), "--db", str(db)], check=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, required=True, help="a folder of documentation to index beside the copies")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--copies", type=int, default=100, help="copies of the line in each file")
    parser.add_argument("--query", action="append", help="default: 'zeppelin' (the copies) and 'template inheritance'")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    db = build(args.docs, args.work, args.files, args.copies)

    from simsearch.search import Searcher
    from simsearch.store import Store

    searcher = Searcher.open(Store.open(db, create=False, readonly=True), None)
    searcher.search("warm up", k=1, mode="dense")
    for query in args.query or ["zeppelin", "template inheritance"]:
        for mode in ("lexical", "hybrid", "dense"):
            seconds, hits = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                hits = searcher.search(query, k=args.k, mode=mode)
                seconds.append(time.perf_counter() - start)
            digest = hashlib.sha256(json.dumps([hit.as_dict() for hit in hits]).encode()).hexdigest()[:12]
            print(json.dumps({"query": query, "mode": mode, "k": args.k, "median_s": round(statistics.median(seconds), 3),
                              "runs": args.runs, "first": f"{hits[0].path}:{hits[0].line}" if hits else None,
                              "copies": hits[0].copies if hits else 0, "hits_sha256": digest,
                              "load": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
