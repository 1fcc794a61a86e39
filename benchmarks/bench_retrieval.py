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

``--sweep`` instead compares fusion rules (docs/retrieval.md, "Fusion"): each query's 300
best candidates from each side are gathered once per model (cosine and BM25 of all of them,
relevance through all copies, as ``eval retrieval`` counts it), and every rule of
:data:`SWEEP` ranks them; printed is hit@10/MRR@10 per benchmark x model, and the rule's
worst hit@10 against dense over ``--pick`` benchmarks (the rest confirm).

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

import numpy as np

from simsearch import retrieval, search
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.store import Store, fts_query

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


# --- comparing fusion rules (--sweep) -------------------------------------------------------

SWEEP_DEPTH = 300


def candidates(store: Store, queries: list, model: str, device: str) -> list[dict]:
    """Per query: the dense and lexical lists (SWEEP_DEPTH each), cosine and BM25 of every id
    of their union, its text, and whether it is relevant (through any copy)."""
    searcher = search.Searcher.open(store, model, device=device)
    vectors = searcher.embed([query.text for query in queries])
    forms, relevant, out = retrieval._PathForms(), {}, []
    for query, vector in zip(queries, vectors):
        ids, scores = searcher.vectors.search(vector, SWEEP_DEPTH)
        dense = list(zip(ids.tolist(), scores.tolist()))
        lexical = store.lexical(query.text, SWEEP_DEPTH)
        union = list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in lexical]))
        cosine = dict(dense)
        cosine.update(searcher._cosines(vector, [i for i in union if i not in cosine]))
        bm25 = dict(lexical)
        rest = [i for i in union if i not in bm25]
        if rest and fts_query(query.text):  # BM25 of the dense side's candidates: the same query, those rows only
            bm25.update((int(i), float(score)) for i, score in store.conn.execute(
                "SELECT rowid, -bm25(sentences_fts) FROM sentences_fts WHERE sentences_fts MATCH ? "
                "AND rowid IN (SELECT value FROM json_each(?))", (fts_query(query.text), json.dumps(rest))))
        text = {}
        for hit in searcher._hits(np.asarray(union, dtype=np.int64), np.zeros(len(union)), 0):
            text[hit.sentence_id] = hit.text
            key = (hit.text, tuple(query.units))
            if key not in relevant:
                copies = store.copies(hit.text)
                hit.copies = max(1, len(copies))
                hit.other_locations = [{"path": path, "line": line} for i, path, line in copies if i != hit.sentence_id]
                relevant[key] = bool(retrieval.unit_matches(hit, query.units, forms, store))
        out.append({"query": query.text, "dense": dense, "lexical": lexical, "cosine": cosine, "bm25": bm25,
                    "text": text, "relevant": {i: relevant[(text[i], tuple(query.units))] for i in text}})
    return out


def rrf_rule(k: float, dense_weight: float = 1.0, depth: int = SWEEP_DEPTH):
    def rule(c):
        return [i for i, _ in search.hybrid_order(c["query"], c["dense"], c["lexical"], depth=depth,
                                                  dense_weight=dense_weight, rrf_k=k)]
    return rule


def convex_rule(alpha: float, norm: str, depth: int = SWEEP_DEPTH):
    """alpha * cosine + (1 - alpha) * BM25, each min-max or z-normalised over the union."""
    def rule(c):
        union = list(dict.fromkeys([i for i, _ in c["dense"][:depth]] + [i for i, _ in c["lexical"][:depth]]))
        if not union:
            return []
        cos = np.array([c["cosine"].get(i, -1.0) for i in union])
        bm = np.array([c["bm25"].get(i, 0.0) for i in union])
        if norm == "minmax":
            cos, bm = (cos - cos.min()) / (np.ptp(cos) or 1), (bm - bm.min()) / (np.ptp(bm) or 1)
        else:
            cos, bm = (cos - cos.mean()) / (cos.std() or 1), (bm - bm.mean()) / (bm.std() or 1)
        fused = alpha * cos + (1 - alpha) * bm
        return [union[j] for j in np.argsort(-fused, kind="stable")]
    return rule


def bonus_rule(beta: float, depth: int = SWEEP_DEPTH):
    """Cosine of every candidate plus beta x its BM25 / the best BM25 (x4 for one word)."""
    def rule(c):
        union = list(dict.fromkeys([i for i, _ in c["dense"][:depth]] + [i for i, _ in c["lexical"][:depth]]))
        best = max([c["bm25"].get(i, 0.0) for i in union] or [0.0]) or 1.0
        b = beta * (search.ONE_WORD_LEXICAL_WEIGHT if len(c["query"].split()) == 1 and c["lexical"] else 1)
        score = {i: c["cosine"].get(i, -1.0) + b * c["bm25"].get(i, 0.0) / best for i in union}
        return sorted(union, key=lambda i: -score[i])
    return rule


SWEEP = {
    "dense": lambda c: [i for i, _ in c["dense"]],
    "BM25": lambda c: [i for i, _ in c["lexical"]],
    **{f"RRF k={k} wd={wd} depth={depth}": rrf_rule(k, wd, depth)
       for k in (10, 20, 30, 45, 60, 100) for wd in (1.0, 1.25, 1.5, 2.0) for depth in (50, 100, 200, 300)},
    **{f"RRF k={k} wd={wd} depth={depth}": rrf_rule(k, wd, depth)
       for k in (30, 45, 60, 100) for wd in (2.5, 3.0, 4.0) for depth in (50, 100)},
    **{f"convex alpha={a} {norm}": convex_rule(a, norm) for a in (0.3, 0.5, 0.7, 0.8, 0.9) for norm in ("minmax", "z")},
    **{f"cosine + {b} BM25/max": bonus_rule(b) for b in (0.05, 0.1, 0.2, 0.3)},
}


def rule_metrics(rule, cands: list[dict]) -> tuple[float, float]:
    """hit@10 and MRR@10 of a rule, copies of one text collapsed into one hit as search does."""
    hits = mrr = 0.0
    for c in cands:
        seen: set[str] = set()
        for i in rule(c):
            if i not in c["text"] or c["text"][i] in seen:  # removed meanwhile, or a copy of a text shown
                continue
            seen.add(c["text"][i])
            if c["relevant"][i]:
                hits, mrr = hits + 1, mrr + 1 / len(seen)
                break
            if len(seen) == retrieval.TOP:
                break
    return hits / max(len(cands), 1), mrr / max(len(cands), 1)


def run_sweep(table: dict[tuple[str, str], list[dict]], pick: list[str]) -> None:
    results = {name: {key: rule_metrics(rule, cands) for key, cands in table.items()} for name, rule in SWEEP.items()}
    dense = results["dense"]
    picked = [key for key in table if key[0] in pick] or list(table)
    confirm = [key for key in table if key not in picked]

    def worst(name, keys):
        return min((results[name][key][0] - dense[key][0] for key in keys), default=0.0)

    order = sorted(results, key=lambda name: (-round(worst(name, picked), 6),
                                              -sum(results[name][key][1] for key in picked)))
    print(f"{'rule':30} {'worst (pick)':>12} {'worst (rest)':>12}  " + " ".join(f"{b[:10] + '/' + m[:8]:>19}" for b, m in table))
    for name in order:
        print(f"{name:30} {worst(name, picked):>+12.3f} {worst(name, confirm):>+12.3f}  " + " ".join(
            f"{results[name][key][0]:>11.3f}/{results[name][key][1]:.3f}" for key in table))


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
    parser.add_argument("--sweep", action="store_true", help="compare the fusion rules of SWEEP instead")
    parser.add_argument("--pick", action="append", help="with --sweep: benchmarks the rule is picked on (repeatable)")
    args = parser.parse_args(argv)
    root = args.root.expanduser()
    folders = benchmarks(root, args.bench)
    trained = parse_trained(args.trained, {folder.name for folder in benchmarks(root, None)})
    base = list(dict.fromkeys(args.model or ["minilm"]))
    modes = args.mode or [mode for mode in ("lexical", "dense", "hybrid") if mode in retrieval.MODES]
    work = args.work.expanduser() if args.work else None
    rows, table = [], {}
    for folder in folders:
        models = list(dict.fromkeys(base + trained.get(folder.name, [])))
        store = Store.open(database(folder, work))
        try:
            if not args.no_index:
                index(store, [folder / "corpus"], models, device=args.device, progress=not args.json)
            warn = lambda message, name=folder.name: print(f"warning: {name}: {message}", file=sys.stderr)
            queries = retrieval.load_queries(folder / "queries.jsonl")
            if args.sweep:
                for model in models:
                    table[(folder.name, display(model))] = candidates(store, queries, model, args.device)
                continue
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
    if args.sweep:
        run_sweep(table, args.pick or [])
        return
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
    try:
        main()
    except SimsearchError as error:  # an index without models (--no-index), a model that is not there
        sys.exit(f"error: {error}")
