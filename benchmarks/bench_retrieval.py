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

``--sweep`` instead compares fusion rules (docs/retrieval.md, "Fusion"): each query's
candidates are read once per model as hybrid search reads them, for every depth a rule uses
(50-300 distinct texts a side: each side's rows with copies of one text collapsed to its best
rank, search's own ``_distinct`` and ``Store.lexical_ranked``; cosine and BM25 of all of them,
relevance through all copies, as ``eval retrieval`` counts it), and every rule of
:data:`SWEEP` ranks them; printed is hit@10/MRR@10 per benchmark x model, and the rule's
worst hit@10 against dense over ``--pick`` benchmarks (the rest confirm). The sweep's dense,
BM25 and kept rule (:data:`KEPT`, search's constants) are checked against ``run_eval``'s
dense, lexical and hybrid query by query (the ten hits and the first relevant rank); any
difference fails the run.

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
from simsearch.store import Store, fts_query, searched_word_count

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


def parse_questions(values: list[str] | None) -> list[tuple[str, Path, Path]]:
    """``INDEX=QUERIES`` pairs: questions written by hand over an index made by ``simsearch
    index`` (evaluated as it is, never indexed here), named by the index file's stem."""
    sets = []
    for value in values or []:
        db, sep, queries = value.partition("=")
        if not sep or not db or not queries:
            sys.exit(f"--questions {value!r}: expected INDEX=QUERIES, for example click.db=click/questions.jsonl")
        db_path, query_path = Path(db).expanduser(), Path(queries).expanduser()
        for path, what in ((db_path, "index"), (query_path, "query file")):
            if not path.is_file():
                sys.exit(f"--questions {value!r}: no {what} {path}")
        sets.append((db_path.stem, db_path, query_path))
    return sets


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

# The most distinct texts a side gives a rule (RRF's deepest setting, the score-based rules).
SWEEP_DEPTH = 300
# RRF settings swept: (k, dense weight, distinct texts a side).
RRF_SETTINGS = ([(k, wd, depth) for k in (10, 20, 30, 45, 60, 100) for wd in (1.0, 1.25, 1.5, 2.0)
                 for depth in (50, 100, 200, 300)]
                + [(k, wd, depth) for k in (30, 45, 60, 100) for wd in (2.5, 3.0, 4.0) for depth in (50, 100)])


def rrf_name(k: float, dense_weight: float, depth: int) -> str:
    return f"RRF k={k:g} wd={float(dense_weight)} depth={depth}"


# The rule of simsearch's hybrid mode (search.RRF_K, DENSE_WEIGHT, FUSION_DEPTH).
KEPT = rrf_name(search.RRF_K, search.DENSE_WEIGHT, search.FUSION_DEPTH)


def lexical_depth(query: str, k: float, dense_weight: float, depth: int) -> int:
    """The distinct lexical texts hybrid search reads for ``query`` under an RRF rule (more than
    ``depth`` for a one-word query): ``search.lexical_depth_for`` with the rule's constants."""
    return search._lexical_head(search.fusion_weights(query, True, dense_weight), depth, k)


class Reads:
    """One side's rows for one query (id first, copies included), each depth read once."""

    def __init__(self, read):
        self.read, self.by_depth = read, {}

    def __call__(self, n: int) -> list:
        if n not in self.by_depth:
            self.by_depth[n] = self.read(n)
        return self.by_depth[n]

    def rows(self) -> list:
        return [row for rows in self.by_depth.values() for row in rows]


def read_mode(fetch, depth: int, texts: dict[int, str], text_of) -> list[int]:
    """The ids ``search --mode dense`` (``depth`` = k) or ``--mode lexical`` (``depth`` =
    max(k, 50)) ranks for k = 10: ``depth`` deep, four times deeper until ten distinct texts."""
    while True:
        raw = fetch(depth)
        texts.update(text_of([row[0] for row in raw if row[0] not in texts]))
        if len(raw) < depth or len({texts[row[0]] for row in raw}) >= retrieval.TOP:
            return [row[0] for row in raw]
        depth *= 4


def candidates(store: Store, queries: list, model: str, device: str) -> list[dict]:
    """Per query, what the rules of :data:`SWEEP` rank, read as search reads it. ``sides``:
    (dense depth, lexical depth) -> what hybrid search with that many distinct texts a side
    fuses (``search.distinct_sides``; each depth read by itself, as search would: HNSW's answer
    depends on how many are asked for); ``dense``/``lexical``: the ids the dense and lexical
    modes rank; the cosine and BM25 of every id of them, its text, and whether it is relevant
    (through any copy, as ``eval retrieval`` counts it)."""
    searcher = search.Searcher.open(store, model, device=device)
    # each query embedded alone, as search embeds it (in one bf16 batch a vector moves with the longest query)
    vectors = [searcher.embed([query.text])[0] for query in queries]
    forms, relevant, out = retrieval._PathForms(), {}, []
    for query, vector in zip(queries, vectors):
        texts: dict[int, str] = {}
        dense_reads = Reads(lambda n, v=vector: list(zip(*(a.tolist() for a in searcher.vectors.search(v, n)))))
        lexical_reads = Reads(lambda n, q=query.text: store.lexical_ranked(q, n))
        wanted = {(depth, lexical_depth(query.text, k, wd, depth)) for k, wd, depth in RRF_SETTINGS}
        sides = {}
        for depth, lexical in sorted(wanted | {(SWEEP_DEPTH, SWEEP_DEPTH)}):
            # read and made distinct by search's own functions, as Searcher._hybrid does
            dense_raw, _ = search.read_distinct(dense_reads, depth, texts, searcher._texts)
            lexical_raw, _ = search.read_distinct(lexical_reads, lexical, texts, searcher._texts)
            dense_side, lexical_side, written = search.distinct_sides(dense_raw, lexical_raw, texts)
            sides[depth, lexical] = dense_side[:depth], lexical_side[:lexical], written
        dense = read_mode(dense_reads, retrieval.TOP, texts, searcher._texts)
        lexical = read_mode(lexical_reads, max(retrieval.TOP, search.FUSION_DEPTH), texts, searcher._texts)
        union = list(dict.fromkeys(dense + lexical + [i for d, l, _ in sides.values() for i, _ in d + l]))
        cosine = {i: score for i, score in dense_reads.rows()}
        cosine.update(searcher._cosines(vector, [i for i in union if i not in cosine]))
        bm25 = {i: score for i, score, _ in lexical_reads.rows()}
        rest = [i for i in union if i not in bm25]
        if rest and fts_query(query.text):  # BM25 of the dense side's candidates: the same query, those rows only
            bm25.update((int(i), float(score)) for i, score in store.conn.execute(
                "SELECT rowid, -bm25(sentences_fts) FROM sentences_fts WHERE sentences_fts MATCH ? "
                "AND +rowid IN (SELECT value FROM json_each(?))", (fts_query(query.text), json.dumps(rest))))
        text = {i: texts[i] for i in union}
        shown = list({text[i]: i for i in reversed(union)}.values())  # one id per text
        for hit in searcher._hits(np.asarray(shown, dtype=np.int64), np.zeros(len(shown)), 0):
            key = (hit.text, tuple(query.units))
            if key not in relevant:
                copies = store.copies(hit.text)
                hit.copies = max(1, len(copies))
                hit.other_locations = [{"path": path, "line": line} for i, path, line in copies if i != hit.sentence_id]
                relevant[key] = bool(retrieval.unit_matches(hit, query.units, forms, store))
        out.append({"query": query.text, "sides": sides, "dense": dense, "lexical": lexical, "cosine": cosine,
                    "bm25": bm25, "text": text, "relevant": {i: relevant[(text[i], tuple(query.units))] for i in text}})
    return out


def rrf_rule(k: float, dense_weight: float = 1.0, depth: int = SWEEP_DEPTH):
    """``search.hybrid_order`` with these constants over the distinct texts search would fuse."""
    def rule(c):
        dense, lexical, written = c["sides"][depth, lexical_depth(c["query"], k, dense_weight, depth)]
        return [i for i, _ in search.hybrid_order(c["query"], dense, lexical, depth=depth, dense_weight=dense_weight,
                                                  rrf_k=k, written=written)]
    return rule


def _union(c) -> list[int]:
    dense, lexical, _ = c["sides"][SWEEP_DEPTH, SWEEP_DEPTH]
    return list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in lexical]))


def convex_rule(alpha: float, norm: str):
    """alpha * cosine + (1 - alpha) * BM25, each min-max or z-normalised over the union of both
    sides' first SWEEP_DEPTH distinct texts."""
    def rule(c):
        union = _union(c)
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


def bonus_rule(beta: float):
    """Cosine of every candidate (the union of convex_rule) plus beta x its BM25 / the best
    BM25 (x4 for one word)."""
    def rule(c):
        union = _union(c)
        best = max([c["bm25"].get(i, 0.0) for i in union] or [0.0]) or 1.0
        one_word = searched_word_count(c["query"]) == 1 and c["sides"][SWEEP_DEPTH, SWEEP_DEPTH][1]
        b = beta * (search.ONE_WORD_LEXICAL_WEIGHT if one_word else 1)
        score = {i: c["cosine"].get(i, -1.0) + b * c["bm25"].get(i, 0.0) / best for i in union}
        return sorted(union, key=lambda i: -score[i])
    return rule


def agreement_rule(measure: str, n: int, low: float, high: float = 1.0):
    """The kept RRF rule with the lexical side's weight set per query by how far it agrees
    with the dense side: ``low + (high - low) * a`` (one-word queries keep their weights).
    ``overlap``: a = the share of the two sides' first ``n`` distinct texts they hold in common;
    ``in-dense``: a = the share of the lexical side's first ``n`` that the dense side holds among
    its ``FUSION_DEPTH`` (a lexical hit the dense model does not even consider is likely a match
    of the wrong words)."""
    def rule(c):
        k, wd, depth = search.RRF_K, search.DENSE_WEIGHT, search.FUSION_DEPTH
        dense, lexical, written = c["sides"][depth, lexical_depth(c["query"], k, wd, depth)]
        weights = search.fusion_weights(c["query"], bool(lexical), wd)
        dense_ids = [i for i, _ in dense]
        lexical_ids = [i for i, _ in lexical[:n]]
        if lexical_ids and weights["lexical"] == 1.0:
            if measure == "overlap":
                a = len(set(dense_ids[:n]) & set(lexical_ids)) / n
            else:
                a = sum(i in set(dense_ids) for i in lexical_ids) / len(lexical_ids)
            weights = {"dense": wd, "lexical": low + (high - low) * a}
        return [i for i, _ in search.fuse(dense, lexical, weights, k)]
    return rule


AGREEMENT_SETTINGS = [(measure, n, low) for measure, ns in (("overlap", (10, 20, 50)), ("in-dense", (1, 3, 10)))
                      for n in ns for low in (0.0, 0.25, 0.5)]


# (No benchmark query is one word, so neither the one-word weights nor words as written move
# any rule's numbers there; the score-based rules do not put words as written first.)
SWEEP = {
    "dense": lambda c: c["dense"],
    "BM25": lambda c: c["lexical"],
    **{rrf_name(k, wd, depth): rrf_rule(k, wd, depth) for k, wd, depth in RRF_SETTINGS},
    **{f"convex alpha={a} {norm}": convex_rule(a, norm) for a in (0.3, 0.5, 0.7, 0.8, 0.9) for norm in ("minmax", "z")},
    **{f"cosine + {b} BM25/max": bonus_rule(b) for b in (0.05, 0.1, 0.2, 0.3)},
    **{f"agree {measure} n={n} low={low}": agreement_rule(measure, n, low) for measure, n, low in AGREEMENT_SETTINGS},
}


def top_ids(rule, c) -> list[int]:
    """The first ten hits of a rule: its ranking with copies of one text collapsed, as search does."""
    seen: set[str] = set()
    out = []
    for i in rule(c):
        if i not in c["text"] or c["text"][i] in seen:  # removed meanwhile, or a copy of a text shown
            continue
        seen.add(c["text"][i])
        out.append(i)
        if len(out) == retrieval.TOP:
            break
    return out


def rule_metrics(rule, cands: list[dict]) -> tuple[float, float]:
    """hit@10 and MRR@10 of a rule."""
    hits = mrr = 0.0
    for c in cands:
        rank = next((n for n, i in enumerate(top_ids(rule, c), 1) if c["relevant"][i]), None)
        if rank is not None:
            hits, mrr = hits + 1, mrr + 1 / rank
    return hits / max(len(cands), 1), mrr / max(len(cands), 1)


CHECKED = {"dense": "dense", "lexical": "BM25", "hybrid": KEPT}


def check_sweep(store: Store, queries: list, model: str, cands: list[dict], device: str) -> list[str]:
    """Where the sweep's dense, BM25 and kept rule differ from ``run_eval`` (``eval retrieval``)
    on the same index and model, query by query: the ten hits' texts, or the rank of the first
    relevant one. Empty: the sweep measures what search does."""
    results = retrieval.run_eval(store, queries, [model], list(CHECKED), retrieval.TOP, device=device)
    problems = []
    for result in results:
        rule = SWEEP[CHECKED[result.mode]]
        for c, detail in zip(cands, result.details):
            top = top_ids(rule, c)
            rank = next((n for n, i in enumerate(top, 1) if c["relevant"][i]), None)
            texts = [c["text"][i] for i in top]
            if texts != [hit["text"] for hit in detail["hits"]] or rank != detail["first_relevant_rank"]:
                problems.append(f"{result.mode} ({CHECKED[result.mode]}): {c['query']!r}")
    return problems


def run_sweep(table: dict[tuple[str, str], list[dict]], pick: list[str], hand: list[str] = ()) -> None:
    results = {name: {key: rule_metrics(rule, cands) for key, cands in table.items()} for name, rule in SWEEP.items()}
    dense = results["dense"]
    picked = [key for key in table if key[0] in pick] or list(table)
    confirm = [key for key in table if key not in picked]

    def worst(name, keys):
        return min((results[name][key][0] - dense[key][0] for key in keys), default=0.0)

    order = sorted(results, key=lambda name: (-round(worst(name, picked), 6),
                                              -sum(results[name][key][1] for key in picked)))
    by_hand = [key for key in table if key[0] in hand]
    count = sum(len(table[key]) for key in by_hand) or 1

    def pooled(name):  # hit@10 / MRR@10 over every hand-written question
        return "/".join(f"{sum(results[name][key][j] * len(table[key]) for key in by_hand) / count:.3f}" for j in (0, 1))

    print(f"{'rule':30} {'worst (pick)':>12} {'worst (rest)':>12}" + (f" {'hand-written':>12}" if by_hand else "") + "  "
          + " ".join(f"{b[:10] + '/' + m[:8]:>19}" for b, m in table))
    for name in order:
        print(f"{name + (' (kept)' if name == KEPT else ''):30} {worst(name, picked):>+12.3f} "
              f"{worst(name, confirm):>+12.3f}" + (f" {pooled(name):>12}" if by_hand else "") + "  " + " ".join(
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
    parser.add_argument("--vector-context", type=int, choices=[0, 1],
                        help="index with this context window (simsearch index --vector-context); default: the index's "
                             "setting")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--questions", action="append", metavar="INDEX=QUERIES",
                        help="also a query file written by hand over an index simsearch made (evaluated as it is, "
                             "with the models it holds of -m; repeatable)")
    parser.add_argument("--sweep", action="store_true", help="compare the fusion rules of SWEEP instead")
    parser.add_argument("--pick", action="append", help="with --sweep: benchmarks the rule is picked on (repeatable)")
    args = parser.parse_args(argv)
    root = args.root.expanduser()
    folders = benchmarks(root, args.bench)
    trained = parse_trained(args.trained, {folder.name for folder in benchmarks(root, None)})
    base = list(dict.fromkeys(args.model or ["minilm"]))
    modes = args.mode or [mode for mode in ("lexical", "dense", "hybrid") if mode in retrieval.MODES]
    work = args.work.expanduser() if args.work else None
    # (name, index, query file, corpus to index or None: a hand-written set's index is used as it is, models)
    sets = [(folder.name, database(folder, work), folder / "queries.jsonl", folder / "corpus",
             list(dict.fromkeys(base + trained.get(folder.name, [])))) for folder in folders]
    sets += [(name, db, queries, None, base) for name, db, queries in parse_questions(args.questions)]
    rows, table, mismatches = [], {}, []
    for name, db, query_file, corpus, models in sets:
        store = Store.open(db)
        try:
            if corpus is not None and not args.no_index:
                index(store, [corpus], models, device=args.device, progress=not args.json, context=args.vector_context)
            warn = lambda message, name=name: print(f"warning: {name}: {message}", file=sys.stderr)
            queries = retrieval.load_queries(query_file)
            if args.sweep:
                for model in models:
                    cands = table[(name, display(model))] = candidates(store, queries, model, args.device)
                    found = check_sweep(store, queries, model, cands, args.device)
                    mismatches += [f"{name}/{display(model)}: {problem}" for problem in found]
                continue
            results = retrieval.run_eval(store, queries, models, modes, args.k, device=args.device, on_warning=warn)
            for model in models:  # BM25 uses no model (one row, model None): reported for each
                rows += [{"benchmark": name, **result.as_dict(), "model": display(model)}
                         for result in results if result.model is None or display(result.model) == display(model)]
        finally:
            store.close()
    if args.sweep:
        run_sweep(table, args.pick or [], [name for name, *_ in parse_questions(args.questions)])
        if mismatches:
            sys.exit(f"\nFAIL: the sweep's dense, BM25 or kept rule differs from eval retrieval on "
                     f"{len(mismatches)} queries (first: {mismatches[0]})")
        print(f"\ncheck: the sweep's dense, BM25 and kept rule ({KEPT}) rank what eval retrieval does, "
              f"query by query ({sum(len(c) for c in table.values())} queries x model)")
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
