"""Retrieval evaluation: metric functions, query files, and a run over a real tiny index."""

from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch import retrieval
from simsearch.errors import SimsearchError
from simsearch.retrieval import (
    Unit,
    first_relevant_rank,
    hit_at,
    load_queries,
    ndcg_at,
    query_metrics,
    recall_at,
    reciprocal_rank,
)

# --- metrics: hand-computed ------------------------------------------------------------------


def test_metrics_by_hand():
    # ranks 1..5: miss, unit 0, miss, unit 0 again (no gain), unit 1; two units.
    matches = [set(), {0}, set(), {0}, {1}]
    assert first_relevant_rank(matches) == 2
    assert hit_at(matches, 1) == 0.0 and hit_at(matches, 2) == 1.0
    assert reciprocal_rank(matches, 10) == 0.5 and reciprocal_rank(matches, 1) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(matches, 2, 10) == pytest.approx(dcg / ideal) == pytest.approx(0.62405, abs=1e-5)
    assert recall_at(matches, 2, 3) == 0.5 and recall_at(matches, 2, 5) == 1.0
    # one unit found at rank 3: nDCG is 1/log2(4) = 0.5
    assert ndcg_at([set(), set(), {0}], 1, 10) == pytest.approx(0.5)
    # a hit covering two units at once gains 1, not 2; the ideal needs two ranks
    assert ndcg_at([{0, 1}], 2, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # more units than ranks: ten new units in the top ten is perfect
    assert ndcg_at([{i} for i in range(10)], 12, 10) == pytest.approx(1.0)
    assert query_metrics([], 3, 5) == {"hit@1": 0.0, "hit@10": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0, "recall@5": 0.0}


# --- metrics: properties against brute-force oracles -----------------------------------------

def rankings(max_units: int = 5, max_len: int = 16):
    return st.integers(1, max_units).flatmap(lambda units: st.tuples(
        st.lists(st.frozensets(st.integers(0, units - 1), max_size=2), max_size=max_len), st.just(units)))


@given(rankings())
def test_mrr_and_hits_match_a_brute_force_oracle(case):
    matches, units = case
    ranks = [rank for rank, matched in enumerate(matches, 1) if matched]
    assert reciprocal_rank(matches, 10) == (1 / ranks[0] if ranks and ranks[0] <= 10 else 0.0)
    assert hit_at(matches, 10) == float(any(r <= 10 for r in ranks))
    assert hit_at(matches, 10) >= hit_at(matches, 1)
    assert hit_at(matches, 1) <= reciprocal_rank(matches, 10) <= hit_at(matches, 10)


@given(rankings(max_units=12))
def test_ndcg_bounds_and_perfect_iff_new_units_fill_the_top(case):
    matches, units = case
    value = ndcg_at(matches, units, 10)
    assert 0.0 <= value <= 1.0 + 1e-12
    top = min(units, 10)
    found: set[int] = set()
    fills = len(matches) >= top
    for matched in matches[:top]:
        fills = fills and bool(set(matched) - found)
        found |= set(matched)
    assert (abs(value - 1.0) < 1e-12) == fills
    assert (value == 0.0) == (not any(matches[:10]))


@given(rankings(max_len=14), rankings(max_len=6))
def test_cutoff_metrics_ignore_what_lies_below_rank_10(case, tail_case):
    matches, units = case
    tail = [frozenset(i for i in m if i < units) for m in tail_case[0]]
    top = list(matches[:10]) + [frozenset()] * (10 - len(matches))  # ten ranks, then anything
    longer = top + tail
    for name in ("hit@1", "hit@10", "mrr@10", "ndcg@10"):
        assert query_metrics(top, units)[name] == query_metrics(longer, units)[name]
        assert query_metrics(matches, units)[name] == query_metrics(top, units)[name]


@given(rankings())
def test_recall_is_the_share_of_units_found_and_grows_with_k(case):
    matches, units = case
    previous = 0.0
    for k in range(1, len(matches) + 2):
        value = recall_at(matches, units, k)
        assert value == len(set().union(*matches[:k])) / units
        assert value >= previous
        previous = value


@settings(max_examples=60)
@given(st.integers(1, 4), st.lists(st.integers(0, 5), min_size=1, max_size=6))
def test_ideal_dcg_is_the_best_ordering(units, labels):
    # Singleton units (label >= units means an irrelevant hit): the best permutation scores 1
    # exactly when every unit, or the first 10, can be placed; none scores above it.
    matches = [frozenset([label]) if label < units else frozenset() for label in labels]
    best = max(ndcg_at(list(order), units, 10) for order in itertools.permutations(matches))
    distinct = len({label for label in labels if label < units})
    assert best <= 1.0 + 1e-12
    assert (abs(best - 1.0) < 1e-12) == (distinct >= min(units, 10))


# --- query files ------------------------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_forms_and_relative_paths_resolve_against_the_query_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    folder = tmp_path / "bench"
    queries = write(folder / "q.jsonl", "\n".join(json.dumps(obj) for obj in [
        {"query": "first", "relevant": ["docs/a.rst", "docs/a.rst:10-25", "docs/b.md:7"]},
        {"query": " second ", "id": "q2", "relevant": [{"path": "docs/a.rst", "lines": [3, 4]},
                                                       {"text": "A  man\nplays."}, {"text": "x", "path": "/abs"}]},
    ]) + "\n\n")
    first, second = load_queries(queries)
    base = str(folder / "docs")
    assert first.units == [Unit.make(f"{base}/a.rst"), Unit.make(f"{base}/a.rst", (10, 25)),
                           Unit.make(f"{base}/b.md", (7, 7))]
    assert first.id == f"{queries}:1"
    assert second.text == "second" and second.id == "q2"
    assert second.units == [Unit.make(f"{base}/a.rst", (3, 4)), Unit.make(text="A man plays."),
                            Unit.make("/abs", text="x")]


def test_tsv_queries(tmp_path):
    queries = write(tmp_path / "q.tsv", "# comment\nhow to skip\tdocs/skip.rst:3-9\nwhat is x\tdocs/x.md\tdocs/y\n")
    skip, x = load_queries(queries)
    assert skip.text == "how to skip" and skip.units == [Unit.make(str(tmp_path / "docs/skip.rst"), (3, 9))]
    assert x.units == [Unit.make(str(tmp_path / "docs/x.md")), Unit.make(str(tmp_path / "docs/y"))]
    assert skip.source == f"{queries}:2"


@pytest.mark.parametrize(("content", "line", "message"), [
    ('{"query": "a", "relevant": ["x"]}\n{"query": "b", "relevant": ["x"]\n', 2, "not valid JSON"),
    ('{"query": "a"}\n', 1, "missing key 'relevant'"),
    ('{"relevant": ["x"]}\n', 1, "missing key 'query'"),
    ('\n{"query": "  ", "relevant": ["x"]}\n', 2, "empty query"),
    ('{"query": "\\u0000 \\u200b", "relevant": ["x"]}\n', 1, "empty query"),  # nothing to look for
    ('{"query": "a", "relevant": []}\n', 1, "at least one"),
    ('{"query": "a", "relevant": [{"url": "http://x"}]}\n', 1, "unknown relevance form"),
    ('{"query": "a", "relevant": [{"lines": [1, 2]}]}\n', 1, "unknown relevance form"),
    ('{"query": "a", "relevant": [42]}\n', 1, "unknown relevance form"),
    ('{"query": "a", "relevant": [{"path": "x", "lines": [5, 2]}]}\n', 1, "first <= last"),
    ('{"query": "a", "relevant": [{"path": "x", "lines": "1-2"}]}\n', 1, "\"lines\" must be"),
    ('{"query": "a", "relevant": [{"text": ""}]}\n', 1, "non-empty"),
    ('{"query": "a", "relevant": ["x"], "relevent": ["y"]}\n', 1, "unknown key 'relevent'"),
    ('["a", "x"]\n', 1, "a JSON array, which is not read"),
    ("5\n", 1, "expected a JSON object"),
    ('{"query": "a", "relevant": ["x:0"]}\n', 1, "first <= last"),
])
def test_bad_jsonl_names_file_and_line(tmp_path, content, line, message):
    path = write(tmp_path / "q.jsonl", content)
    with pytest.raises(SimsearchError) as info:
        load_queries(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("content", "line", "message"), [
    ("a\tx\nno tab here\n", 2, "at least two columns"),
    ("\tx\n", 1, "empty query"),
    ("a\tx\n\x00\u200b\tx\n", 2, "empty query"),
    ("a\t  \n", 1, "no relevant path"),
])
def test_bad_tsv_names_file_and_line(tmp_path, content, line, message):
    path = write(tmp_path / "q.tsv", content)
    with pytest.raises(SimsearchError, match=rf"^{path}:{line}: .*{message}"):
        load_queries(path)


def test_unreadable_query_files(tmp_path):
    with pytest.raises(SimsearchError, match="no such file"):
        load_queries(tmp_path / "missing.jsonl")
    with pytest.raises(SimsearchError, match="no queries"):
        load_queries(write(tmp_path / "empty.jsonl", "\n\n"))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"query": "a", "relevant": ["x"]}\n{"query": "\xff"}\n')
    with pytest.raises(SimsearchError, match=rf"^{bad}:2: not valid UTF-8"):
        load_queries(bad)


def test_unit_matching_paths_folders_lines_and_text(tmp_path):
    forms = retrieval._path_forms
    doc = str(tmp_path / "docs" / "a.rst")
    assert Unit.make(doc).matches(forms(doc), 1, "x")
    assert Unit.make(str(tmp_path / "docs")).matches(forms(doc), 1, "x")  # a folder holds its files
    assert not Unit.make(str(tmp_path / "doc")).matches(forms(doc), 1, "x")  # not a mere prefix
    assert Unit.make(doc, (3, 5)).matches(forms(doc), 5, "x")
    assert not Unit.make(doc, (3, 5)).matches(forms(doc), 6, "x")
    assert Unit.make(text="A man plays.").matches(forms(doc), 9, "A man plays.")
    assert not Unit.make(text="A man plays.").matches(forms(doc), 9, "a man plays.")
    assert not Unit.make(str(tmp_path / "b.rst"), text="A man plays.").matches(forms(doc), 9, "A man plays.")
    (tmp_path / "docs").mkdir()
    os.symlink(tmp_path / "docs", tmp_path / "link")  # a query file may name the folder through a link
    assert Unit.make(str(tmp_path / "link" / "a.rst")).matches(forms(doc), 1, "x")


# --- end to end over a real tiny index --------------------------------------------------------

ALPHA = [
    "The river floods the valley every spring.",
    "Farmers plant rice when the water recedes.",
    "Old maps show the river further east.",
]
BETA = [
    "Compilers translate source code into machine instructions.",
    "An optimizer removes dead code before emitting assembly.",
    "Linkers join object files into one program.",
]


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    root = tmp_path_factory.mktemp("retrieval")
    docs = root / "docs"
    write(docs / "alpha.txt", "\n\n".join(ALPHA) + "\n")
    write(docs / "beta.txt", "\n\n".join(BETA) + "\n")
    store = Store.open(root / "index.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    yield root, store, str(index_model)
    store.close()


def brute_force(searcher, query, k=10):
    """The oracle: one query at a time through ``Searcher.search``, scored by hand."""
    hits = searcher.search(query.text, k, context=0)
    forms = retrieval._PathForms()
    return [frozenset(i for i, unit in enumerate(query.units)
                      if unit.matches(forms(hit.path), hit.line, " ".join(hit.text.split()))) for hit in hits]


def test_eval_over_a_real_index_matches_single_query_search(tiny_index, tmp_path):
    from simsearch.search import Searcher

    root, store, model = tiny_index
    lines = [json.dumps({"query": text, "relevant": [{"text": text}]}) for text in ALPHA + BETA]
    lines.append(json.dumps({"query": ALPHA[1], "relevant": ["docs/alpha.txt:3"]}))  # the line ALPHA[1] is on
    lines.append(json.dumps({"query": BETA[0], "relevant": ["docs/beta.txt", "docs/alpha.txt"]}))
    lines.append(json.dumps({"query": "rivers", "relevant": ["docs/alpha.txt:2"]}))  # unreachable: a blank line
    queries = load_queries(write(root / "q.jsonl", "\n".join(lines) + "\n"))
    # lines 7 and 8 repeat the queries of lines 2 and 4: one query each, with both lines' units
    assert [len(query.units) for query in queries] == [1, 2, 1, 3, 1, 1, 1]
    warnings: list[str] = []
    [result] = retrieval.run_eval(store, queries, [model], k=4, device="cpu", on_warning=warnings.append)
    # A query that is an indexed sentence finds itself first: the random model is deterministic.
    assert all(d["first_relevant_rank"] == 1 for d in result.details[:6])
    assert result.unreachable_units == 1 and result.units == 10 and result.missing_vectors == 0
    assert len(warnings) == 1 and "1 of 10 relevant items match no sentence" in warnings[0]
    assert "q.jsonl:9" in warnings[0]
    searcher = Searcher.open(store, model, device="cpu")
    expected = dict.fromkeys(retrieval.metric_names(4), 0.0)
    for query, detail in zip(queries, result.details):
        matches = brute_force(searcher, query)
        for name, value in query_metrics(matches, len(query.units), 4).items():
            expected[name] += value / len(queries)
            assert detail[name] == pytest.approx(value, abs=1e-4)
        assert [hit["relevant"] for hit in detail["hits"]] == [bool(m) for m in matches]
    assert result.metrics == pytest.approx(expected)
    assert result.as_dict()["model"] == searcher.name and result.as_dict()["mode"] == "dense"
    # both files are relevant to the fourth query (and its own sentence, found first): recall@4
    # sees each file only if it appears
    both = result.details[3]
    files = {Path(hit["path"]).name for hit in both["hits"][:4]}
    assert both["recall@4"] == pytest.approx((1 + len(files)) / 3)


def test_reachable_units_are_the_ones_some_indexed_sentence_matches(tiny_index):
    root, store, _ = tiny_index
    docs = root / "docs"
    reachable = {
        Unit.make(str(docs)): True,  # a folder: its documents
        Unit.make(str(docs / "alpha.txt"), (1, 1)): True,
        Unit.make(str(docs / "alpha.txt"), (500, 600)): False,  # no sentence starts there
        Unit.make(str(docs / "alph")): False,  # a prefix of a name is not a folder
        Unit.make(text=" The river  floods the valley every spring."): True,
        Unit.make(str(docs / "beta.txt"), text=ALPHA[0]): False,  # the sentence is in alpha.txt
        Unit.make(text="The river floods the valley."): False,
    }
    queries = [retrieval.Query("q", list(reachable), "q:1")]
    assert retrieval.reachable_units(store, queries) == {unit for unit, ok in reachable.items() if ok}


def test_a_mode_is_a_plain_function(tiny_index, monkeypatch):
    from simsearch.search import Searcher

    root, store, model = tiny_index
    queries = load_queries(write(root / "q2.jsonl", "\n".join(
        json.dumps({"query": text, "relevant": [{"text": text}]}) for text in ALPHA + BETA) + "\n"))
    searcher = Searcher.open(store, model, device="cpu")

    def reversed_dense(searcher, texts, k):  # worst first: the self-match drops to the last rank
        return [list(reversed(hits)) for hits in retrieval.dense(searcher, texts, k)]

    result = retrieval.evaluate(searcher, queries, reversed_dense, k=10)
    assert result.mode == "reversed_dense"
    assert result.metrics["hit@1"] == 0.0
    assert result.metrics["mrr@10"] == pytest.approx(1 / 6)  # six sentences: the match is last
    with pytest.raises(SimsearchError, match="--mode 'nope': expected one of dense"):
        retrieval.evaluate(searcher, queries, "nope")
    # a mode registered by name is reported by that name, next to dense
    monkeypatch.setitem(retrieval.MODES, "worst-first", reversed_dense)
    by_name = retrieval.run_eval(store, queries, [model], ["dense", "worst-first"], device="cpu")
    assert [(r.mode, r.metrics["hit@1"]) for r in by_name] == [("dense", 1.0), ("worst-first", 0.0)]


def test_half_indexed_model_warns_and_details_are_written_once(tiny_index, tmp_path):
    from simsearch.store import Store

    root, store, model = tiny_index
    copy = tmp_path / "half.db"
    store.conn.execute("VACUUM INTO ?", (str(copy),))
    half = Store.open(copy)
    try:
        model_id = half.models()[0].id
        half.conn.execute("DELETE FROM vectors WHERE model_id = ? AND sentence_id IN "
                          "(SELECT min(id) FROM sentences)", (model_id,))
        queries = load_queries(write(tmp_path / "q.tsv", f"{ALPHA[0]}\t{root}/docs/alpha.txt\n"))
        warnings: list[str] = []
        results = retrieval.run_eval(half, queries, [model], device="cpu", on_warning=warnings.append)
        assert results[0].missing_vectors == 1
        assert any("no vectors for 1 of 6 sentences" in w for w in warnings)
    finally:
        half.close()
    details = tmp_path / "details.ndjson"
    assert retrieval.write_details(details, results) == 1
    record = json.loads(details.read_text())
    assert record["query"] == ALPHA[0] and record["mode"] == "dense" and record["units"] == 1
    assert {"sentence_id", "path", "line", "score", "relevant"} <= set(record["hits"][0])
    before = details.read_bytes()
    with pytest.raises(SimsearchError, match="already exists"):
        retrieval.write_details(details, results)
    assert details.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_eval_retrieval(tiny_index, tmp_path, run_cli):
    root, store, model = tiny_index
    queries = write(tmp_path / "q.jsonl", "".join(
        json.dumps({"query": text, "relevant": [f"{root}/docs/{'alpha' if text in ALPHA else 'beta'}.txt"]}) + "\n"
        for text in ALPHA + BETA))
    code, out, err = run_cli("eval", "retrieval", queries, "--db", store.path, "-m", model, "--json", "--device", "cpu",
                             "--mode", "dense")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    [expected] = retrieval.run_eval(store, load_queries(queries), [model], device="cpu")
    assert row == {**json.loads(json.dumps(expected.as_dict())), "index_in_progress": False}
    assert row["hit@1"] == 1.0  # each query is a sentence of its relevant file
    details = write(tmp_path / "mine.ndjson", "keep me\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", store.path, "-m", model, "--details", details)
    assert code == 2 and "already exists" in err and details.read_text() == "keep me\n"
    bad = write(tmp_path / "bad.jsonl", '{"query": "a", "relevant": ["x"]}\n{"query": ""}\n')
    code, out, err = run_cli("eval", "retrieval", bad, "--db", store.path)
    assert code == 2 and f"{bad}:2: " in err and "Traceback" not in err
    code, out, err = run_cli("eval", "retrieval", queries, "--db", store.path, "--mode", "nope")
    assert code == 2 and "--mode 'nope'" in err


# --- identical copies collapsed into one hit ---------------------------------------------------

SHARED = "The lighthouse keeper logs every passing ship."


@pytest.mark.parametrize("listed", [True, False], ids=["copy-listed", "copy-beyond-the-list"])
def test_a_relevant_copy_counts_even_when_another_copy_is_shown(tmp_path, index_model, monkeypatch, listed):
    """Search collapses identical sentences into one hit; the eval must judge every copy, not only
    the location shown (else a sentence repeated in a second file looks like a miss)."""
    from simsearch import indexer, search
    from simsearch.search import Searcher
    from simsearch.store import Store

    docs = tmp_path / "docs"
    write(docs / "one.txt", "\n\n".join([ALPHA[0], SHARED, ALPHA[1]]) + "\n")
    write(docs / "two.txt", "\n\n".join([BETA[0], BETA[1], SHARED]) + "\n")
    store = Store.open(tmp_path / "index.db")
    try:
        indexer.index(store, [docs], [str(index_model)], progress=False)
        if not listed:  # the hit lists none of its copies; they must be read from the index
            monkeypatch.setattr(search, "COPIES_LISTED", 0)
        searcher = Searcher.open(store, str(index_model), device="cpu")
        [[top, *_]] = retrieval.dense(searcher, [SHARED], 10)
        assert top.text == SHARED and top.copies == 2
        assert len(top.other_locations) == (1 if listed else 0)
        shown = Path(top.path).name
        other = "two.txt" if shown == "one.txt" else "one.txt"
        other_line = 5 if other == "two.txt" else 3  # where SHARED stands in the other file
        relevant = [
            ([f"docs/{other}"], 1.0),  # the other file
            ([f"docs/{other}:{other_line}"], 1.0),  # the other file at the copy's line
            ([{"path": f"docs/{other}", "text": SHARED}], 1.0),
            ([f"docs/{other}:1"], 0.0),  # the other file, but not where the copy is
            ([{"path": f"docs/{other}", "text": ALPHA[2]}], 0.0),
        ]
        # one file per case: a file that repeats a query is one query (its lines' units merged)
        queries = [query for n, (items, _) in enumerate(relevant) for query in load_queries(
            write(tmp_path / f"q{n}.jsonl", json.dumps({"query": SHARED, "relevant": items}) + "\n"))]
        result = retrieval.evaluate(searcher, queries, "dense", k=10)
        assert [d["hit@1"] for d in result.details] == [expected for _, expected in relevant]
        # both copies relevant: one hit finds both units
        both = load_queries(write(tmp_path / "both.jsonl", json.dumps(
            {"query": SHARED, "relevant": ["docs/one.txt", "docs/two.txt"]}) + "\n"))
        [detail] = retrieval.evaluate(searcher, both, "dense", k=1).details
        assert detail["recall@1"] == 1.0 and detail["hits"][0]["units"] == [0, 1]
    finally:
        store.close()


# --- one row per model and mode, whatever the spelling; each row's precision -------------------

def test_one_model_under_several_spellings_is_one_row(tiny_index, tmp_path, monkeypatch, run_cli):
    root, store, model = tiny_index
    model = Path(model)
    monkeypatch.chdir(model.parent)
    queries = write(tmp_path / "q.jsonl", "".join(
        json.dumps({"query": text, "relevant": [{"text": text}]}) + "\n" for text in ALPHA))
    spellings = [str(model), f"./{model.name}", model.name, f"{model.name}/"]
    warnings: list[str] = []
    results = retrieval.run_eval(store, load_queries(queries), spellings, ["dense", "lexical", "dense"], device="cpu",
                                 on_warning=warnings.append)
    assert [(r.model, r.mode) for r in results] == [(store.models()[0].name, "dense"), (None, "lexical")]
    assert sum("one model of the index" in w for w in warnings) == 1
    assert sum("--mode dense given 2 times" in w for w in warnings) == 1
    [spelled] = [w for w in warnings if "one model of the index" in w]
    assert all(f"-m {s}" in spelled for s in spellings)
    code, out, err = run_cli("eval", "retrieval", queries, "--db", store.path, "--json", "--device", "cpu",
                             *[arg for s in spellings for arg in ("-m", s)])
    assert code == 0, err
    assert len(out.splitlines()) == 1 and err.count("one model of the index") == 1


def two_copies_indexed(tmp_path, index_model, run_cli, docs, first: str, second: str):
    """Two copies of one model (folders ``first`` and ``second``), indexing ``docs`` into one index
    at fp32 and int8: (the two folders, the index)."""
    import shutil

    folders, db = (tmp_path / first, tmp_path / second), tmp_path / "i.db"
    for folder, precision in zip(folders, ("fp32", "int8")):
        shutil.copytree(index_model, folder)
        code, _, err = run_cli("index", docs, "-m", folder, "--precision", precision, "--db", db, "--device", "cpu")
        assert code == 0, err
    return (*folders, db)


def two_copies_with_questions(tmp_path, index_model, run_cli):
    """``two_copies_indexed`` over ALPHA's and BETA's files, and a questions file asking each of
    their sentences for its file: (the two folders, the index, the questions file)."""
    docs = tmp_path / "docs"
    write(docs / "alpha.txt", "\n\n".join(ALPHA) + "\n")
    write(docs / "beta.txt", "\n\n".join(BETA) + "\n")
    one, two, db = two_copies_indexed(tmp_path, index_model, run_cli, docs, "m-one", "m-two")
    queries = write(tmp_path / "q.jsonl", "".join(
        json.dumps({"query": text, "relevant": [f"docs/{'alpha' if text in ALPHA else 'beta'}.txt"]}) + "\n"
        for text in ALPHA + BETA))
    return one, two, db, queries


def test_each_row_says_the_precision_of_its_vectors(tmp_path, index_model, run_cli, monkeypatch):
    """Two copies of one model at two precisions: the table and --json tell the rows apart."""
    monkeypatch.setenv("COLUMNS", "250")  # the model column holds paths: room for every column
    docs = tmp_path / "docs"
    write(docs / "alpha.txt", "\n\n".join(ALPHA) + "\n")
    fp32, int8, db = two_copies_indexed(tmp_path, index_model, run_cli, docs, "m-fp32", "m-int8")
    queries = write(tmp_path / "q.jsonl", json.dumps({"query": ALPHA[0], "relevant": ["docs/alpha.txt"]}) + "\n")
    args = ["eval", "retrieval", queries, "--db", db, "-m", fp32, "-m", int8, "--mode", "dense", "--mode", "lexical",
            "--device", "cpu"]
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["model"] and Path(r["model"]).name, r["mode"], r["precision"]) for r in rows] == [
        ("m-fp32", "dense", "fp32"), (None, "lexical", None), ("m-int8", "dense", "int8")]  # BM25: no model, one row
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert "precision" in out
    cells = [[cell.strip() for cell in line.split("│")[2:4]] for line in out.splitlines() if line.startswith("│")]
    assert cells == [["dense", "fp32"], ["lexical", "-"], ["dense", "int8"]]


# --- --details writes through a temporary file of its own -------------------------------------

def _one_evaluation(tiny_index):
    root, store, model = tiny_index
    queries = [retrieval.Query(ALPHA[0], [Unit.make(text=ALPHA[0])], "q:1")]
    return retrieval.run_eval(store, queries, [model], ["lexical"])


def test_details_leave_a_file_named_like_the_old_temporary_alone(tiny_index, tmp_path):
    """``.out.jsonl.partial`` was the fixed temporary name: a user's file of that name was
    overwritten, then deleted."""
    results = _one_evaluation(tiny_index)
    mine = write(tmp_path / ".out.jsonl.partial", "my precious draft\n")
    assert retrieval.write_details(tmp_path / "out.jsonl", results) == 1
    assert mine.read_text() == "my precious draft\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.jsonl.partial", "out.jsonl"]
    assert json.loads((tmp_path / "out.jsonl").read_text())["query"] == ALPHA[0]


def test_details_failure_removes_only_its_own_temporary(tiny_index, tmp_path, monkeypatch):
    results = _one_evaluation(tiny_index)
    mine = write(tmp_path / ".out.jsonl.partial", "mine\n")

    def full_disk(temporary, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(retrieval, "_publish", full_disk)
    with pytest.raises(SimsearchError, match="No space left"):
        retrieval.write_details(tmp_path / "out.jsonl", results)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.jsonl.partial"] and mine.read_text() == "mine\n"


@pytest.mark.parametrize("hard_links", [True, False], ids=["link", "no-hard-links"])
def test_details_never_replace_a_file_that_appeared_meanwhile(tiny_index, tmp_path, monkeypatch, hard_links):
    results = _one_evaluation(tiny_index)
    target = tmp_path / "out.jsonl"
    made = retrieval._new_temporary

    def racing(path):  # the user saves a file of that name while the evaluation runs
        found = made(path)
        target.write_text("theirs\n")
        return found

    monkeypatch.setattr(retrieval, "_new_temporary", racing)
    if not hard_links:  # a file system without hard links: the rename checks the name first
        def no_link(src, dst):
            raise PermissionError(1, "Operation not permitted")
        monkeypatch.setattr(retrieval.os, "link", no_link)
    with pytest.raises(SimsearchError, match="already exists"):
        retrieval.write_details(target, results)
    assert target.read_text() == "theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    # without the race, the same path is written (on either kind of file system)
    monkeypatch.setattr(retrieval, "_new_temporary", made)
    assert retrieval.write_details(tmp_path / "new.jsonl", results) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.jsonl", "out.jsonl"]


# --- two models compared: the change and whether it is more than the noise ---------------------

def _evaluation(model: str, ranks: list, mode: str = "hybrid") -> retrieval.Evaluation:
    details = [{"id": f"q:{n}", "first_relevant_rank": rank} for n, rank in enumerate(ranks, 1)]
    return retrieval.Evaluation(model, mode, 10, {}, len(ranks), len(ranks), 0, 0, details)


def test_one_question_more_in_25_is_within_the_noise_and_many_more_are_better():
    base = [1, 3, None, 2, 12] * 5
    one_more = list(base)
    one_more[2] = 4
    change = retrieval.compare(_evaluation("minilm", base), _evaluation("trained", one_more))
    assert change["hit@10"]["difference"] == pytest.approx(0.04) and change["verdict"] == "within noise"
    assert change["mrr@10"]["difference"] == pytest.approx(0.25 / 25)
    # One question gained and none lost: chance gives as much one time in two (either sign of one).
    assert change["hit@10"]["p"] == 1.0 and (change["hit@10"]["rose"], change["hit@10"]["fell"]) == (1, 0)
    assert retrieval.comparison_line(change) == (
        "hybrid, trained against minilm: hit@10 +0.040 (noise ±0.040), MRR@10 +0.010 (noise ±0.010): within the "
        "noise of 25 queries")
    # Every miss (None, and rank 12 below the ten) found: better; the other way round, worse.
    found = [rank if rank is not None and rank <= 10 else 1 for rank in base]
    assert retrieval.compare(_evaluation("minilm", base), _evaluation("t", found))["verdict"] == "better"
    worse = retrieval.compare(_evaluation("t", found), _evaluation("minilm", base))
    assert worse["verdict"] == "worse" and retrieval.comparison_line(worse).endswith("worse, beyond the noise of 25 queries")


def test_two_models_that_differ_on_no_question_are_said_so_not_within_a_noise_of_zero():
    """Was "hit@10 +0.000 (noise ±0.000), MRR@10 +0.000 (noise ±0.000): within the noise of 14
    queries" (the html trial): every query's first answer at the same rank, which says more."""
    ranks = [1, 3, None, 2, 12, 7]
    other = [1, 3, None, 2, 15, 7]  # (a rank below the ten moved: the same in the top 10)
    change = retrieval.compare(_evaluation("minilm", ranks), _evaluation("trained", other))
    assert change["verdict"] == "within noise"
    assert retrieval.comparison_line(change) == (
        "hybrid, trained against minilm: hit@10 +0, MRR@10 +0: every query's first answer at the same rank in the "
        "top 10 (6 queries)")
    moved = retrieval.compare(_evaluation("minilm", ranks), _evaluation("trained", [1, 3, None, 2, 12, 6]))
    assert retrieval.comparison_line(moved).endswith("within the noise of 6 queries")


def test_a_comparison_pairs_each_query_with_itself_whatever_the_order():
    """The pairs are by query id: rows in another order give the same change (pairing by position
    would pair other questions, and the interval would be that of unrelated figures)."""
    ranks = [1, None, 2, None, 5, 1, None, 3]
    other = [None, 1, 2, 1, None, None, 4, 3]
    reference = _evaluation("a", ranks)
    shuffled = _evaluation("b", other)
    shuffled.details = shuffled.details[::-1]
    assert retrieval.compare(reference, shuffled) == retrieval.compare(reference, _evaluation("b", other))
    with pytest.raises(ValueError, match="one mode"):
        retrieval.compare(reference, _evaluation("b", other, mode="dense"))


def test_eval_retrieval_compares_each_model_with_the_first(tmp_path, index_model, run_cli):
    """`--json`: each row of a model after the first says its change against the first model in
    that mode (`compared_with`), as `retrieval.compare` computes it; the table is followed by one
    line per such row."""
    one, two, db, queries = two_copies_with_questions(tmp_path, index_model, run_cli)
    args = ["eval", "retrieval", queries, "--db", db, "-m", one, "-m", two, "--mode", "dense", "--mode", "lexical",
            "--device", "cpu"]
    code, out, err = run_cli(*args, "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert ["compared_with" in row for row in rows] == [False, False, True]  # (lexical: no model, nothing to compare)
    against = rows[2]["compared_with"]
    assert against["model"] == rows[0]["model"] and against["mode"] == "dense"
    assert against["queries"] == len(ALPHA + BETA) and against["verdict"] in ("within noise", "better", "worse", "mixed")
    assert against["hit@10"]["difference"] == pytest.approx(rows[2]["hit@10"] - rows[0]["hit@10"], abs=1e-4)
    assert against["mrr@10"]["difference"] == pytest.approx(rows[2]["mrr@10"] - rows[0]["mrr@10"], abs=1e-4)
    code, out, err = run_cli(*args)
    assert code == 0, err
    [line] = [line for line in out.splitlines() if " against " in line]
    assert line.startswith("dense, ") and "hit@10 " in line and "queries" in line


# --- Found by session 41's user trial (edits, moves, retraining).

def test_a_relevant_file_that_holds_no_sentence_is_unreachable(tmp_path, index_model, run_cli, monkeypatch):
    """A relevant file the index holds with no sentence (emptied, or code and markup alone) can
    never be found: eval retrieval counted it reachable (a file needed no sentence, a line range
    did), so every metric of its query was capped without a word and ``unreachable_units`` was 0."""
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river runs to the sea.\n")
    (docs / "empty.md").write_text("")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db)[0] == 0
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "river", "relevant": "docs/a.txt"}) + "\n"
                       + json.dumps({"query": "nothing", "relevant": "docs/empty.md"}) + "\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", index_model, "--mode", "lexical", "--json")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["unreachable_units"] == 1
    [warning] = [line for line in err.splitlines() if "match no sentence" in line]
    assert "1 of 2 relevant items" in warning and "q.jsonl:2" in warning and "empty.md" in warning


def test_reachable_units_of_a_folder_whose_files_hold_no_sentence(tmp_path, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    (docs / "code").mkdir(parents=True)
    (docs / "a.txt").write_text("The river runs to the sea.\n")
    (docs / "code" / "b.md").write_text("```\nx = 1\n```\n")
    store = Store.open(tmp_path / "i.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    assert store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    file = tmp_path / "q.jsonl"
    file.write_text(json.dumps({"query": "q", "relevant": [str(docs / "code")]}) + "\n"
                    + json.dumps({"query": "r", "relevant": [str(docs / "a.txt"), str(docs)]}) + "\n")
    queries = retrieval.load_queries(file)
    reachable = retrieval.reachable_units(store, queries)
    assert [unit in reachable for unit in queries[0].units] == [False]
    assert [unit in reachable for unit in queries[1].units] == [True, True]
