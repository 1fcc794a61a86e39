"""Hybrid search (issue 12): the FTS5 index beside the sentences, lexical and hybrid modes,
copies of one text collapsed into one hit, which side found a hit, the half-indexed warning."""

from __future__ import annotations

import json
import re
import shlex
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import ann, indexer
from simsearch.errors import SimsearchError
from simsearch import search as search_module
from simsearch.search import DEFAULT_MODE, FUSION_DEPTH, MODES, Searcher
from simsearch.store import FTS_MAX_WORDS, MIGRATIONS, Store, fts_query, query_words

Sentence = namedtuple("Sentence", "text start end line")

# --- the full-text index stays equal to the sentences --------------------------------------

WORDS = ["alpha", "beta", "gamma", "delta", "os", "path", "join", "value", "error", "x1", "db"]
SEPARATORS = [" ", " ", ", ", ". ", "_", ".", "-", "'", '"', " (", ") "]


@st.composite
def sentence_texts(draw):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + draw(st.sampled_from([word, word.upper(), word.title()]))
    return text


documents = st.lists(sentence_texts(), min_size=0, max_size=5)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 3), documents),       # index a new or edited file
        st.tuples(st.just("delete"), st.integers(0, 3), st.just(None)),   # a file removed
        st.tuples(st.just("interrupted"), st.integers(0, 3), documents),  # killed mid-transaction
    ),
    max_size=12,
)


def tokens(text: str) -> list[str]:
    """The index's tokens of ASCII text: runs of letters, digits and ``_``, case-folded (``. - '``
    and spaces separate). WORDS are chosen so that Porter stemming merges none of them."""
    return re.findall(r"[a-z0-9_]+", text.lower())


class Killed(Exception):
    pass


def write(store: Store, path: str, texts: list[str]) -> None:
    sentences = [Sentence(text, 0, len(text), line) for line, text in enumerate(texts, 1)]
    store.replace_document(path, f"hash-{hash(tuple(texts))}", 1, 1, "text", sentences)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, data=st.data())
def test_fts_equals_the_sentences_after_any_sequence_of_runs(tmp_path_factory, ops, data):
    """Oracle: a dict of files. After every step the FTS rowids are exactly the sentence ids,
    and MATCH for a stored word returns exactly the sentences whose text holds that word."""
    store = Store.open(tmp_path_factory.mktemp("fts") / "index.db")
    files: dict[str, list[str]] = {}
    try:
        for op, number, texts in ops:
            path = f"/docs/{number}.txt"
            if op == "write":
                with store.transaction():
                    write(store, path, texts)
                files[path] = texts
            elif op == "delete":
                old = store.conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
                with store.transaction():
                    store.delete_documents([old[0]] if old else [])
                files.pop(path, None)
            else:  # the indexer killed inside a file's transaction: nothing of it may remain
                with pytest.raises(Killed), store.transaction():
                    write(store, path, texts)
                    raise Killed
            sentence_ids = {row[0] for row in store.conn.execute("SELECT id FROM sentences")}
            fts_ids = {row[0] for row in store.conn.execute("SELECT id FROM sentences_fts_docsize")}
            assert fts_ids == sentence_ids
            assert store.check_fts() == []
            stored = sorted((path, i) for path, texts in files.items() for i in range(len(texts)))
            assert sorted(store.conn.execute(
                "SELECT d.path, s.ordinal FROM sentences s JOIN documents d ON d.id = s.document_id")) == stored
            words = sorted({word for texts in files.values() for text in texts for word in tokens(text)})
            for word in data.draw(st.lists(st.sampled_from(words), max_size=3)) if words else ["alpha"]:
                found = {row for row in store.conn.execute(
                    "SELECT d.path, s.ordinal FROM sentences s JOIN documents d ON d.id = s.document_id "
                    "WHERE s.id IN (SELECT value FROM json_each(?))",
                    (json.dumps([i for i, _ in store.lexical(word, 1000)]),))}
                expected = {(path, i) for path, texts in files.items() for i, text in enumerate(texts)
                            if word in tokens(text)}
                assert found == expected, word
    finally:
        store.close()


def test_migration_fills_the_fts_of_an_older_database(tmp_path):
    # A database at the schema before 0005_fts, with sentences in it.
    path = tmp_path / "old.db"
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    old = Store(path, conn)
    old.migrate(upto=[name for name, _ in MIGRATIONS].index("0005_fts"))
    assert "sentences_fts" not in old.db.table_names()
    with old.transaction():
        write(old, "/docs/a.txt", ["Set SIMSEARCH_DB to move the index.", "Nothing else here."])
    conn.close()
    store = Store.open(path)
    try:
        assert store.check_fts() == []
        assert [i for i, _ in store.lexical("SIMSEARCH_DB", 10)] == [
            store.conn.execute("SELECT id FROM sentences WHERE ordinal = 0").fetchone()[0]]
    finally:
        store.close()


# --- any text is a safe query ------------------------------------------------------------------

FTS5_SYNTAX = ["AND", "OR", "NOT", "NEAR", "NEAR(", "(", ")", '"', '""', "*", "^", ":", "text:", "sentences_fts:",
               "-", "+", "{", "}", "\x00", "'", "alpha", "beta", "os.path.join", "SIMSEARCH_DB", "\\", ";", "--"]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("small") / "index.db")
    with store.transaction():
        write(store, "/docs/a.txt", ["alpha beta AND gamma", 'a "quoted" NEAR(word) *star*', "os.path.join(a, b)"])
    yield store
    store.close()


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), st.lists(st.sampled_from(FTS5_SYNTAX), max_size=100).map(" ".join),
                      st.lists(st.sampled_from(FTS5_SYNTAX)).map("".join)))
def test_any_text_is_a_query_that_never_raises(small_store, text):
    found = small_store.lexical(text, 10)
    if fts_query(text) is None:
        assert found == []
    # Every word is one quoted string: the expression is a flat OR of phrases, never user syntax.
    expression = fts_query(text)
    if expression is not None:
        assert re.fullmatch(r'"(?:[^"]|"")*"(?: OR "(?:[^"]|"")*")*', expression)
    # The query is the OR of its words (no word acted as an operator): each hit is found by one
    # word searched alone, and each word's hits are among the query's (every word's, when there
    # are not more than FTS_MAX_WORDS: no word is dropped as a duplicate of another it is not).
    words = text.replace("\x00", " ").split()
    words = words if len(set(words)) <= FTS_MAX_WORDS else query_words(text)
    alone = {word: {i for i, _ in small_store.lexical(word, 100)} for word in words}
    assert {i for i, _ in found} == set().union(*alone.values())


def test_empty_or_punctuation_only_queries_find_nothing(small_store):
    for text in ["", "   ", "!!!", '"', "* ^ :", "\x00"]:
        assert small_store.lexical(text, 10) == []


# --- searching an indexed tree -----------------------------------------------------------------

FILLER = [
    "The garden needs water every morning in summer.",
    "Our team met on Tuesday to plan the next release.",
    "A long walk by the river clears the mind.",
    "The recipe calls for two eggs and a cup of flour.",
    "Configuration lives in a small file in your home folder.",
    "Errors are reported on one line without a traceback.",
    "The index is stored in a database beside your notes.",
    "Searching is fast because vectors are kept in memory.",
]
IDENTIFIERS = {
    "SIMSEARCH_DB": "Set SIMSEARCH_DB to keep the index somewhere else.",
    "os.path.join": "Paths are built with os.path.join so they work everywhere.",
    "ValueError": "A negative size raises ValueError before anything is written.",
    "--max-file-mb": "Large files are skipped; raise the limit with --max-file-mb when needed.",
    "hnswlib": "Approximate neighbours come from hnswlib for large collections.",
}
# Near misses: the identifier's pieces, not the identifier (a dense model may rank them first).
NEAR_MISSES = [
    "SIMSEARCH_DATA and SIMSEARCH_DEVICE are read before DB_PATH.", "The simsearch folder holds a db file.",
    "Join the os team on the path to release.", "os.path.split and path.join_all are different.",
    "Value errors and type errors are different errors.", "The value of an error is its message.",
    "The file max is 5 mb, the max file count is ten.", "Max out the file at mb size.",
    "hnsw and its lib are fast.", "The hnsw graph library.",
]
BOILERPLATE = "This file is part of the example project."


SUBJECTS = ["The editor", "A reviewer", "My neighbour", "The old server", "Our teacher", "The build script"]
VERBS = ["opened", "described", "replaced", "tested", "ignored", "painted"]
OBJECTS = ["the blue window", "a strange report", "every folder", "the kitchen door", "a quiet song"]


def write_tree(root: Path) -> Path:
    """Six notes that share a boilerplate line, one file of identifiers, and enough other
    sentences (150) that the dense side's candidates are not the whole index."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(6):
        lines = [FILLER[(i + j) % len(FILLER)] for j in range(4)] + [BOILERPLATE]
        (root / f"note-{i}.txt").write_text("\n\n".join(lines) + "\n")
    made = [f"{s} {v} {o} on day {d}." for d, (s, v, o) in
            enumerate((s, v, o) for s in SUBJECTS for v in VERBS for o in OBJECTS)]
    (root / "diary.txt").write_text("\n\n".join(made) + "\n")
    (root / "identifiers.txt").write_text("\n\n".join([*IDENTIFIERS.values(), BOILERPLATE]) + "\n")
    (root / "near-misses.txt").write_text("\n\n".join(NEAR_MISSES) + "\n")
    return root


@pytest.fixture(scope="module")
def tree_index(tmp_path_factory, index_model):
    root = tmp_path_factory.mktemp("hybrid")
    docs = write_tree(root / "docs")
    store = Store.open(root / "index.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    yield root, store, str(index_model)
    store.close()


def test_a_bare_identifier_comes_first_in_hybrid_mode(tree_index):
    root, store, model = tree_index
    searcher = Searcher.open(store, model, device="cpu")
    assert DEFAULT_MODE == "hybrid"
    for identifier, sentence in IDENTIFIERS.items():
        hits = searcher.search(identifier, 10, mode="hybrid", context=0)
        assert hits[0].text == sentence, (identifier, [h.text for h in hits])
        assert "lexical" in hits[0].found_by
        # and the lexical side alone finds it too
        assert searcher.search(identifier, 1, mode="lexical")[0].text == sentence


def test_an_identifier_the_dense_side_misses_still_comes_first(tree_index, monkeypatch):
    """In a large index the dense side often misses the one sentence with the identifier
    (it ranks near misses first): here it never returns it at all."""
    root, store, model = tree_index
    searcher = Searcher.open(store, model, device="cpu")
    search = searcher.vectors.search
    for identifier, sentence in IDENTIFIERS.items():
        target = store.conn.execute("SELECT id FROM sentences WHERE text = ?", (sentence,)).fetchone()[0]

        def blind(query, k, allowed=None, target=target):
            ids, scores = search(query, k + 1, allowed)
            keep = ids != target
            return ids[keep][:k], scores[keep][:k]

        monkeypatch.setattr(searcher.vectors, "search", blind)
        hits = searcher.search(identifier, 10, mode="hybrid", context=0)
        assert hits[0].text == sentence and hits[0].found_by == ["lexical"], (identifier, [h.text for h in hits])
        assert len(hits) == 10 and any(hit.found_by == ["dense"] for hit in hits)


def test_the_first_ten_do_not_depend_on_k(tree_index, monkeypatch):
    """``-k 60`` and ``-k 10`` start with the same ten hits in every mode, also when k is past
    the fusion's candidate depth (made small here, so that the tree's 190 sentences go past it)."""
    root, store, model = tree_index
    monkeypatch.setattr(search_module, "FUSION_DEPTH", 12)
    searcher = Searcher.open(store, model, device="cpu")
    queries = ["the blue window on day 3", "ValueError", "errors before anything is written", "kitchen door song"]
    for query in queries:
        for mode in MODES:
            ten = [hit.sentence_id for hit in searcher.search(query, 10, mode=mode, context=0)]
            sixty = [hit.sentence_id for hit in searcher.search(query, 60, mode=mode, context=0)]
            assert sixty[:10] == ten, (query, mode)
            assert len(sixty) == len(set(sixty)) and (mode == "lexical" or len(sixty) == 60)


def test_the_first_ten_do_not_depend_on_k_when_hnsw_serves_the_dense_side(tmp_path, monkeypatch):
    """Review ZF-5: HNSW searches with ``ef = max(hnsw_ef, ids read)``, so a read as deep as
    ``-k 100`` returns another top 50 than the read behind ``-k 10``, and hybrid's fused head
    changed with k. Here HNSW serves a graph made coarse on purpose (M 4, ef 8, random vectors),
    so that reads of different depths disagree (checked), and ``-k 100`` must still start with
    ``-k 10``'s hits (the same sentences, not only the same texts) for every query."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    rng = np.random.default_rng(5)
    words = ["alpha", "beta", "gamma", "delta", "river", "garden", "window", "report", "kitchen", "server",
             "folder", "song", "config.json", "--batch-size", "os.path"]
    store = Store.open(tmp_path / "index.db")
    try:
        with store.transaction():
            model = store.add_model("m", str(tmp_path / "m"), "fp", 16, "avg")
            store.conn.execute("UPDATE models SET hnsw_m = 4, hnsw_ef_construction = 16, hnsw_ef = 8")
            for d in range(30):  # 1,500 sentences, a boilerplate line in each file (copies)
                texts = [" ".join(rng.choice(words, size=rng.integers(3, 7))) + "." for _ in range(49)]
                write(store, f"/docs/{d}.txt", texts + ["This file is part of the example project."])
            ids = [row[0] for row in store.conn.execute("SELECT id FROM sentences ORDER BY id")]
            vectors = rng.standard_normal((len(ids), 16)).astype(np.float32)
            store.add_vectors(model.id, ids, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        searcher = Searcher(store, store.model("m"), device="cpu")
        queries = ["garden", "config.json", "--batch-size", "river window report", "alpha os.path",
                   "the kitchen server song", "example project", "delta"] * 3
        query_vectors = rng.standard_normal((len(queries), 16)).astype(np.float32)
        asked = []  # the vector of the query being searched (each query text three times, three vectors)
        monkeypatch.setattr(searcher, "embed", lambda batch: np.stack([asked[-1]] * len(batch)))
        assert searcher.vectors.method == "hnsw"
        disagree = 0
        for query, vector in zip(queries, query_vectors):
            asked.append(vector)
            shallow, deep = searcher.vectors.search(vector, 100)[0][:50], searcher.vectors.search(vector, 400)[0][:50]
            disagree += shallow.tolist() != deep.tolist()
            ten = searcher.search_many([query], 10, mode="hybrid", context=0)[0]
            hundred = searcher.search_many([query], 100, mode="hybrid", context=0)[0]
            assert len(ten) == 10 and len(hundred) == 100
            assert [hit.sentence_id for hit in hundred[:10]] == [hit.sentence_id for hit in ten], query
        assert disagree >= 5  # the graph is approximate enough for the test to mean something
    finally:
        store.close()


def test_copies_of_one_text_are_one_hit_with_their_other_locations(tree_index):
    root, store, model = tree_index
    searcher = Searcher.open(store, model, device="cpu")
    total = store.counts()["sentences"]
    distinct = store.conn.execute("SELECT count(DISTINCT text) FROM sentences").fetchone()[0]
    assert distinct < total  # the boilerplate line is in every file
    for mode in MODES:
        hits = searcher.search(BOILERPLATE, 5, mode=mode, context=0)
        texts = [hit.text for hit in hits]
        assert len(texts) == len(set(texts)) == 5, mode
        copy = next(hit for hit in hits if hit.text == BOILERPLATE)
        paths = sorted([copy.path] + [other["path"] for other in copy.other_locations])
        assert copy.copies == 7 and paths == sorted(str(p) for p in (root / "docs").iterdir() if p.name not in ("diary.txt", "near-misses.txt"))
    # Everything asked for: each distinct text once, and the copies add up to every sentence.
    hits = searcher.search("anything", 1000, mode="dense", context=0)
    assert len(hits) == distinct and sum(hit.copies for hit in hits) == total
    # --path: copies outside the filter are neither hits nor listed.
    only = searcher.search(BOILERPLATE, 3, mode="hybrid", path_glob="note-1.txt", context=0)
    assert {hit.path for hit in only} == {str(root / "docs" / "note-1.txt")}
    assert all(hit.copies == 1 and hit.other_locations == [] for hit in only)


def test_found_by_says_which_side_found_each_hit(tree_index):
    root, store, model = tree_index
    searcher = Searcher.open(store, model, device="cpu")
    query = "water in the garden"
    # the candidates hybrid mode fuses: FUSION_DEPTH distinct texts from each side
    dense = {hit.text for hit in searcher.search(query, FUSION_DEPTH, mode="dense", context=0)}
    lexical = {hit.text for hit in searcher.search(query, FUSION_DEPTH, mode="lexical", context=0)}
    assert all(hit.found_by == ["dense"] for hit in searcher.search(query, 10, mode="dense"))
    assert all(hit.found_by == ["lexical"] and hit.lexical_score is not None
               for hit in searcher.search(query, 10, mode="lexical"))
    hits = searcher.search(query, 20, mode="hybrid", context=0)
    assert hits and {side for hit in hits for side in hit.found_by} == {"dense", "lexical"}
    for hit in hits:
        assert ("dense" in hit.found_by) == (hit.text in dense)
        assert ("lexical" in hit.found_by) == (hit.text in lexical) == (hit.lexical_score is not None)
        assert hit.dense_score is not None  # every sentence here has a vector, whichever side found it
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_path_and_min_score_hold_in_every_mode(tree_index):
    root, store, model = tree_index
    searcher = Searcher.open(store, model, device="cpu")
    wanted = str(root / "docs" / "identifiers.txt")
    for mode in MODES:
        hits = searcher.search("the index file", 10, mode=mode, path_glob="identifiers.txt", context=0)
        assert hits and all(hit.path == wanted for hit in hits), mode
        everything = searcher.search("the index file", 50, mode=mode, context=0)
        scored = [hit.dense_score for hit in searcher.search("the index file", 50, mode=mode, min_score=-1.0)]
        assert all(score is not None and score >= -1.0 for score in scored)
        cut = sorted(scored)[len(scored) // 2]
        kept = searcher.search("the index file", 50, mode=mode, min_score=cut, context=0)
        assert kept and all(hit.dense_score >= cut for hit in kept), mode
        assert len(kept) < len(everything) or mode == "lexical"


def test_cli_mode_json_and_choices(tree_index, run_cli):
    root, store, model = tree_index
    db = root / "index.db"
    for mode in MODES:
        code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "-m", model, "--mode", mode, "--json", "-k", "3")
        records = [json.loads(line) for line in out.splitlines()]
        assert code == 0 and err == "" and records and all(r["mode"] == mode for r in records), err
        assert {"found_by", "dense_score", "lexical_score", "copies", "other_locations", "missing_vectors"} <= set(records[0])
    code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "-m", model, "--json", "-k", "1")
    assert json.loads(out)["mode"] == DEFAULT_MODE and json.loads(out)["text"] == IDENTIFIERS["SIMSEARCH_DB"]
    code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "-m", model, "-k", "3")
    assert code == 0 and "hybrid" in out and "by: D dense (meaning), L lexical (words)" in out
    for command in (["search", "x", "--db", db], ["tui", "--db", db], ["eval", "retrieval", db, "--db", db]):
        code, out, err = run_cli(*command, "--mode", "fuzzy")
        assert code == 2 and "--mode 'fuzzy': expected one of dense, lexical, hybrid" in err, err
        assert len(err.strip().splitlines()) == 1


def test_half_indexed_database_says_so(tmp_path, index_model, run_cli):
    docs = write_tree(tmp_path / "docs")
    db = tmp_path / "index.db"
    store = Store.open(db)
    indexer.index(store, [docs], [str(index_model)], progress=False)
    total = store.counts()["sentences"]
    # An interrupted encode: the sentences of one file are there, their vectors not yet.
    with store.transaction():
        store.conn.execute("DELETE FROM vectors WHERE sentence_id IN (SELECT s.id FROM sentences s JOIN documents d "
                           "ON d.id = s.document_id WHERE d.path LIKE '%identifiers.txt')")
        store.bump_generations()
    missing = len(IDENTIFIERS) + 1
    searcher = Searcher.open(store, str(index_model), device="cpu")
    assert searcher.missing_vectors() == missing
    assert searcher.missing_message().startswith(f"{missing} of {total} sentences have no vector for model")
    # The lexical side still finds them; the dense side cannot.
    hit = searcher.search("SIMSEARCH_DB", 1, mode="hybrid")[0]
    assert hit.text == IDENTIFIERS["SIMSEARCH_DB"] and hit.found_by == ["lexical"] and hit.dense_score is None
    code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "--mode", "dense", "--json")
    assert code == 0 and f"{missing} of {total} sentences have no vector for model" in err
    assert f"run `simsearch index --db {shlex.quote(str(db))}`" in err  # the index given, not the default
    assert all(json.loads(line)["missing_vectors"] == missing for line in out.splitlines())
    # Hybrid's header counts what each side read: every sentence by its words, those with a vector
    # by meaning (it said "hybrid (N sentences" with N the vectors alone; session 42 trial).
    code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "--mode", "hybrid")
    assert code == 0 and f"hybrid ({total} sentences, {total - missing} with a vector, " in " ".join(out.split()), out
    code, out, err = run_cli("search", "SIMSEARCH_DB", "--db", db, "--mode", "dense")
    assert code == 0 and f"dense ({total - missing} sentences, " in " ".join(out.split()), out
    # Nothing has a vector: "no results" says why.
    with store.transaction():
        store.conn.execute("DELETE FROM vectors")
        store.bump_generations()
    store.close()
    code, out, err = run_cli("search", "garden", "--db", db, "--mode", "dense")
    assert code == 0 and "no results" in out and f"{total} sentences have no vector" in out
    assert f"{total} of {total} sentences have no vector" in err
    code, out, err = run_cli("search", "garden", "--db", db, "--mode", "lexical")
    assert code == 0 and "garden" in out.lower() and err == ""  # lexical needs no vectors


def test_bad_mode_in_the_library_is_a_user_error(tree_index):
    root, store, model = tree_index
    with pytest.raises(SimsearchError, match="--mode 'semantic': expected one of dense, lexical, hybrid"):
        Searcher.open(store, model, device="cpu").search("x", 3, mode="semantic")


def test_tui_shows_the_mode_and_which_side_found_each_hit(tree_index, monkeypatch):
    from textual.widgets import Static

    from simsearch.tui import CompareApp

    from .test_tui import ask, run_app, table_ids

    root, store, model = tree_index
    monkeypatch.chdir(root)
    expected = Searcher.open(store, model, device="cpu").search("SIMSEARCH_DB", 10, mode="hybrid")

    async def scenario(app, pilot):
        await ask(app, pilot, "SIMSEARCH_DB")
        assert table_ids(app, "left") == [hit.sentence_id for hit in expected]
        heads = [str(app.query_one("#left-table").get_cell(row, "hit")) for row in app.query_one("#left-table").rows]
        assert [head.split()[-1] for head in heads] == [hit.found_mark for hit in expected]
        assert "hybrid" in str(app.query_one("#stats", Static).render())
        await pilot.press("tab", "m")  # next mode: dense
        await pilot.pause()
        for _ in range(50):
            if app.mode == "dense" and "dense" in str(app.query_one("#stats", Static).render()):
                break
            await pilot.pause(0.05)
        assert app.mode == "dense"

    run_app(CompareApp(root / "index.db", left=model, mode="hybrid", show_timings=False), scenario)


def test_a_text_with_thousands_of_copies_names_only_the_copies_it_lists(tmp_path, index_model, monkeypatch):
    # Session 46 review: 30,000 copies of one sentence (300 files): `search --mode lexical` took
    # 6.9 s against 1.8 s for a query without copies, 5 s of it spelling every copy's path for
    # `other_locations` (a relpath each, 180,000 of them) to keep the first 20.
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):
        (docs / f"f{i}.txt").write_text("\n\n".join([BOILERPLATE] * 50 + FILLER) + "\n")
    store = Store.open(tmp_path / "i.db")
    indexer.index(store, [docs], [str(index_model)], progress=False, context=0)
    spelled = []
    real = search_module.display_path
    monkeypatch.setattr(search_module, "display_path", lambda *args: spelled.append(args) or real(*args))
    hits = Searcher.open(store, str(index_model), device="cpu").search(BOILERPLATE, 1, mode="lexical", context=0)
    assert hits[0].copies == 200 and len(hits[0].other_locations) == search_module.COPIES_LISTED
    assert len(spelled) <= 2 * search_module.COPIES_LISTED, len(spelled)
