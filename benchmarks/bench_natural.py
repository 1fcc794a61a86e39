"""Does training help on questions written by hand? Base vs trained, per set and pooled over sets.

Each hand-written set (docs/adaptation.md: 25-30 natural questions over one corpus) is too small
for a change of a question or two to be told from noise. This script evaluates the base model and
the model trained on that set's corpus, over the same index and the same questions, in one run
(``retrieval.run_eval``, the path ``simsearch eval retrieval`` takes), and tests the change with
the paired randomization test (``simsearch.paired``) per set and **pooled**: the sets' questions
concatenated, each question one pair, so that ten sets of 25-30 questions are judged as one set
of 250-300.

Each ``--set NAME=QUESTIONS:DB:MODEL`` names a query file, an index made by ``simsearch index``
(evaluated as it is, never indexed here) and the trained model the index holds beside the base
(``simsearch index --db DB -m minilm -m MODEL``; MODEL as it was indexed: a path or a name)::

    python benchmarks/bench_natural.py \\
        --set click=click-8.1.7/questions.jsonl:click/idx.db:click/model \\
        --set attrs=attrs-24.2.0/questions.jsonl:attrs/idx.db:attrs/model

Printed, for each mode (default dense and hybrid): hit@10 and MRR@10 base -> trained per set with
the change, its noise and the set's verdict; the same pooled over every set's questions with the
test's p and the questions gained and lost; how many sets moved up and down. ``--json``: one
object per set x mode, one per pooled mode, one summary per mode. Search goes through HNSW where
``eval retrieval`` does (an index of 5,000 vectors or more); ``--exact`` searches exactly.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simsearch import ann, paired, retrieval
from simsearch.errors import SimsearchError
from simsearch.store import Store

TOP = retrieval.TOP
FIGURES = (f"hit@{TOP}", f"mrr@{TOP}")
LABELS = {f"hit@{TOP}": f"hit@{TOP}", f"mrr@{TOP}": f"MRR@{TOP}"}


def parse_set(value: str) -> tuple[str, Path, Path, str]:
    """``NAME=QUESTIONS:DB:MODEL`` as (name, query file, index, model); the files must exist."""
    name, sep, rest = value.partition("=")
    parts = rest.split(":")
    if not sep or not name or len(parts) != 3 or not all(parts):
        raise SimsearchError(f"--set {value!r}: expected NAME=QUESTIONS:DB:MODEL, for example "
                             "click=click/questions.jsonl:click/idx.db:click/model")
    questions, db, model = parts
    questions_path, db_path = Path(questions).expanduser(), Path(db).expanduser()
    for path, what in ((questions_path, "query file"), (db_path, "index")):
        if not path.is_file():
            raise SimsearchError(f"--set {value!r}: no {what} {path}")
    return name, questions_path, db_path, model


def ranks(evaluation: retrieval.Evaluation, order: list[str]) -> list[int | None]:
    """Each query's first relevant rank, in ``order`` (query ids)."""
    found = {record["id"]: record["first_relevant_rank"] for record in evaluation.details}
    return [found[query_id] for query_id in order]


def compared(name: str, mode: str, base: list[int | None], trained: list[int | None]) -> dict:
    """One row: each figure base -> trained over the same questions (in the same order), its
    change against the noise of these questions (``paired.test``), and the verdict over both."""
    (base_hits, base_rr), (hits, rr) = paired.by_rank(base, TOP), paired.by_rank(trained, TOP)
    sides = {FIGURES[0]: (base_hits, hits), FIGURES[1]: (base_rr, rr)}
    tests = {figure: paired.test(before, after) for figure, (before, after) in sides.items()}
    count = len(base)
    return {"set": name, "mode": mode, "questions": count,
            "base": {figure: sum(before) / max(count, 1) for figure, (before, _) in sides.items()},
            "trained": {figure: sum(after) / max(count, 1) for figure, (_, after) in sides.items()},
            "change": tests, "verdict": paired.judge(list(tests.values()))}


def evaluate_set(name: str, questions: Path, db: Path, model: str, base: str, modes: list[str],
                 device: str) -> dict[str, tuple[list[int | None], list[int | None]]]:
    """Both models over the set's index, each mode: (base ranks, trained ranks) per question,
    in the query file's order."""
    store = Store.open(db, create=False)
    try:
        queries = retrieval.load_queries(questions)
        warn = lambda message: print(f"warning: {name}: {message}", file=sys.stderr)
        results = retrieval.run_eval(store, queries, [base, model], modes, device=device, on_warning=warn)
    finally:
        store.close()
    order = [query.id for query in queries]
    found = {}
    for mode in modes:
        evaluations = [result for result in results if result.mode == mode]  # in the order of the models
        if len(evaluations) != 2:
            raise SimsearchError(f"{name}: {base} and {model} are one model of {db}: nothing to compare")
        first, second = evaluations
        found[mode] = (ranks(first, order), ranks(second, order))
    return found


def summary(mode: str, rows: list[dict]) -> dict:
    """How many sets each figure rose, fell or stayed on, and how many sets got each verdict."""
    moved = {figure: {"up": sum(row["change"][figure]["difference"] > 0 for row in rows),
                      "down": sum(row["change"][figure]["difference"] < 0 for row in rows),
                      "same": sum(row["change"][figure]["difference"] == 0 for row in rows)} for figure in FIGURES}
    verdicts = {verdict: sum(row["verdict"] == verdict for row in rows)
                for verdict in (paired.BETTER, paired.WORSE, paired.MIXED, paired.NOISE)}
    return {"summary": mode, "sets": len(rows), "moved": moved, "verdicts": verdicts}


def run(sets: list[tuple[str, Path, Path, str]], base: str, modes: list[str], device: str) -> list[dict]:
    """Every set's rows, then each mode's pooled row (the sets' questions concatenated) and summary."""
    rows, pooled = [], {mode: ([], []) for mode in modes}
    for name, questions, db, model in sets:
        found = evaluate_set(name, questions, db, model, base, modes, device)
        for mode in modes:
            before, after = found[mode]
            rows.append({**compared(name, mode, before, after), "model": model, "db": str(db)})
            pooled[mode][0].extend(before)
            pooled[mode][1].extend(after)
    totals = []
    for mode in modes:
        mine = [row for row in rows if row["mode"] == mode]
        totals += [{**compared("pooled", mode, *pooled[mode]), "sets": [row["set"] for row in mine]},
                   summary(mode, mine)]
    return rows + totals


def figure_cell(row: dict, figure: str) -> str:
    return (f"{row['base'][figure]:.3f} -> {row['trained'][figure]:.3f} "
            f"{paired.shown(row['change'][figure])}")


def print_report(rows: list[dict], base: str) -> None:
    width = max([len(row["set"]) for row in rows if "set" in row] + [6])
    print(f"{'set':{width}} {'mode':6} {'questions':>9}  {'hit@10, ' + base + ' -> trained':34}  "
          f"{'MRR@10, ' + base + ' -> trained':34}  verdict")
    for row in rows:
        if "set" not in row:
            continue
        print(f"{row['set']:{width}} {row['mode']:6} {row['questions']:>9}  {figure_cell(row, FIGURES[0]):34}  "
              f"{figure_cell(row, FIGURES[1]):34}  {row['verdict']}")
    print()
    for row in rows:
        if row.get("set") == "pooled":
            tests = ", ".join(
                f"{LABELS[figure]} {paired.shown(row['change'][figure])}, p {row['change'][figure]['p']:.3f}, "
                f"{row['change'][figure]['rose']} questions up and {row['change'][figure]['fell']} down"
                for figure in FIGURES)
            print(f"pooled, {row['mode']} ({row['questions']} questions from {len(row['sets'])} sets): {tests}: "
                  f"{row['verdict']}")
    for row in rows:
        if "summary" in row:
            moved = "; ".join(f"{LABELS[figure]} up on {counts['up']}, down on {counts['down']}, the same on "
                              f"{counts['same']}" for figure, counts in row["moved"].items())
            verdicts = ", ".join(f"{count} {verdict}" for verdict, count in row["verdicts"].items() if count)
            print(f"sets, {row['summary']} ({row['sets']}): {moved}; verdicts: {verdicts}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", required=True, metavar="NAME=QUESTIONS:DB:MODEL",
                        help="a hand-written set: its query file, its index, the trained model the index holds "
                             "(repeatable)")
    parser.add_argument("--base", default="minilm", help="the base model the index holds (default minilm)")
    parser.add_argument("--mode", action="append", choices=list(retrieval.MODES),
                        help="search mode (repeatable; default dense and hybrid)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--exact", action="store_true",
                        help="search exactly (default: through HNSW where eval retrieval does)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sets = [parse_set(value) for value in args.set]
    names = [name for name, *_ in sets]
    if len(set(names)) != len(names) or "pooled" in names:
        raise SimsearchError(f"--set names must differ and not be 'pooled': {', '.join(names)}")
    if args.exact:
        ann.EXACT_BELOW = 2**62
    modes = list(dict.fromkeys(args.mode or ["dense", "hybrid"]))
    if "lexical" in modes:
        raise SimsearchError("--mode lexical uses no model: nothing to compare")
    rows = run(sets, args.base, modes, args.device)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    print_report(rows, args.base)


if __name__ == "__main__":
    try:
        main()
    except SimsearchError as error:
        sys.exit(f"error: {error}")
