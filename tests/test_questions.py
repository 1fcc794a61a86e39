"""Answers kept from the TUI (``simsearch tui --questions FILE``): the file ``eval retrieval`` reads.

The invariants, against a plain oracle (a dict of each query's marked (file, sentence) pairs):
whatever the marks, the lines already in the file stay byte for byte; ``load_queries`` reads
exactly the marked answers per query, without a warning; marking an answer twice writes nothing;
and a result is shown as an answer exactly when the oracle holds it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from simsearch.errors import SimsearchError
from simsearch.questions import EDITED, FILE_GONE, NOT_KNOWN, QuestionFile
from simsearch.retrieval import load_queries, normalize_text
from simsearch.search import Hit

from .test_eval_hunt import one_line_error

QUERIES = ["how do I reset it", "  how do I reset it ", "chess openings", "Chess openings", "ünïcode “quotes”"]
TEXTS = ["Hold the button ten seconds.", "Hold  the button ten seconds.", "The Sicilian is sharp.", "Line \"one\"\\two"]


def a_hit(root: Path, where: str, text: str, line: int = 3) -> Hit:
    return Hit(1, 0.5, text, str(root / where), line, 1, 1, 0)


# Hits below the file's folder (written relative) and outside it (written absolute).
PLACES = ["notes/a.md", "notes/deep/b.rst", "../elsewhere/c.txt"]

# Lines a user wrote before: no line end at the end, CRLF, a blank line, an answer by lines.
PREFIXES = [
    b"",
    b'{"query": "chess openings", "relevant": ["notes/a.md:1-9"]}',
    b'{"id": "mine", "query": "stock prices", "relevant": [{"text": "Prices rose."}]}\r\n\r\n',
    b'{"query": "how do I reset it", "relevant": "notes/a.md"}\n',
]


def questions_in_a_new_folder(factory, prefix: bytes) -> tuple[Path, Path]:
    """A new folder ("work") and its questions.jsonl, holding ``prefix`` (no file for b"")."""
    root = factory.mktemp("q") / "work"
    root.mkdir()
    path = root / "questions.jsonl"
    if prefix:
        path.write_bytes(prefix)
    return root, path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES),
       marks=st.lists(st.tuples(st.sampled_from(QUERIES), st.sampled_from(PLACES), st.sampled_from(TEXTS)), max_size=12),
       reopen_every=st.integers(1, 4))
def test_marks_are_appended_and_read_back_as_marked(tmp_path_factory, prefix, marks, reopen_every):
    root, path = questions_in_a_new_folder(tmp_path_factory, prefix)
    before = {query.text: set(query.units) for query in load_queries(path)} if prefix else {}
    oracle: dict[str, set[tuple[str, str]]] = {}
    kept = QuestionFile(path)
    for step, (query, place, text) in enumerate(marks, 1):
        hit = a_hit(root, place, text)
        key = (os.path.normpath(hit.path), normalize_text(text))
        # A line the user wrote may already count it: a whole file, or lines holding its line.
        prior = any(unit.matches((key[0],), hit.line, key[1]) for unit in before.get(query.strip(), ()))
        new = key not in oracle.get(query.strip(), set()) and not prior
        marked = kept.mark(query, hit)
        assert marked.written == new
        if new:
            oracle.setdefault(query.strip(), set()).add(key)
        assert kept.mark(query, hit).written is False  # twice: nothing more written
        if step % reopen_every == 0:
            kept = QuestionFile(path)  # another session of the app: reads what the last one wrote
        other = a_hit(root, place, text + " not it", line=500)
        counted = any(unit.matches((key[0],), 500, normalize_text(other.text)) for unit in before.get(query.strip(), ()))
        assert kept.answered(query, [hit, other]) == [True, counted]
    if not marks:
        return
    data = path.read_bytes()
    assert data.startswith(prefix)  # a user's lines are never rewritten
    warnings: list[str] = []
    queries = {query.text: query for query in load_queries(path, on_warning=warnings.append)}
    # An answer to a line of the user's without an "id" has an id of its own ("qN"), never that
    # line's place: merged with the warning eval retrieval gives such lines. Otherwise none.
    assert all(' the same query as line 1; ' in w and '(--details lists "q' in w for w in warnings)
    if b'"id"' in prefix or not prefix:
        assert warnings == []
    for query, answers in oracle.items():
        found = {(unit.path, unit.text) for unit in queries[query].units if unit.text is not None}
        prior = {(u.path, u.text) for u in before.get(query, ()) if u.text is not None}
        assert found == answers | prior
    # Each new line is one JSON object with the first answer's id for its query; the paths are
    # relative below the file's folder, absolute elsewhere.
    for line in data[len(prefix):].decode().splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        written = obj["relevant"][0]["path"]
        assert os.path.isabs(written) == written.endswith("c.txt") and obj["id"] in queries[obj["query"]].ids


def test_an_answer_is_the_sentence_in_its_file_and_eval_reads_it_as_one_query(tmp_path):
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    assert not path.exists()  # created by the first answer, not by opening
    first = kept.mark("reset it", a_hit(tmp_path, "notes/a.md", "Hold the button."))
    second = kept.mark("reset it", a_hit(tmp_path, "notes/b.md", "Or pull the plug."))
    other = kept.mark("chess", a_hit(tmp_path, "notes/a.md", "The Sicilian is sharp."))
    assert [(m.id, m.answers, m.line) for m in (first, second, other)] == [("q1", 1, 1), ("q1", 2, 2), ("q2", 1, 3)]
    assert json.loads(path.read_text().splitlines()[0]) == {
        "id": "q1", "query": "reset it", "relevant": [{"path": os.path.join("notes", "a.md"), "text": "Hold the button."}]}
    [reset, chess] = load_queries(path)
    assert (reset.id, len(reset.units), reset.merged, chess.id) == ("q1", 2, [f"{path}:2"], "q2")
    again = kept.mark("reset it", a_hit(tmp_path, "notes/b.md", "Or pull the plug.", line=40))  # the line moved: same answer
    assert (again.written, again.line) == (False, 2)


def test_a_new_id_is_not_one_the_file_already_uses(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q7", "query": "a", "relevant": "x.md"}\n{"id": "q8x", "query": "b", "relevant": "x.md"}\n')
    assert QuestionFile(path).mark("c", a_hit(tmp_path, "x.md", "Text.")).id == "q8"


@pytest.mark.parametrize("name, content, needle", [
    ("notes.txt", None, "--questions notes.txt: expected a JSON Lines file"),
    ("q.jsonl", '{"query": "a"}\n', "q.jsonl:1: missing key 'relevant'"),
    ("q.jsonl", '{"query": "a", "relevant": "x.md"}\nnot json\n', "q.jsonl:2: not valid JSON"),
    ("gone/q.jsonl", None, "no folder"),
    ("adir.jsonl", "DIR", "is a folder"),
])
def test_a_bad_questions_file_is_one_line_before_the_app_and_is_left_as_it_was(tmp_path, run_cli, monkeypatch,
                                                                               name, content, needle):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / name
    if content == "DIR":
        target.mkdir()
    elif content is not None:
        target.write_text(content)
    code, out, err = run_cli("tui", "--questions", name, "--db", tmp_path / "none.db")
    one_line_error(code, err, needle)
    assert "terminal" not in err  # refused before the app, whatever stdin is
    if content not in (None, "DIR"):
        assert target.read_text() == content


def test_mark_refuses_an_empty_query(tmp_path):
    with pytest.raises(SimsearchError, match="needs a query"):
        QuestionFile(tmp_path / "q.jsonl").mark("  ", a_hit(tmp_path, "a.md", "x"))


# --- the TUI: `a` keeps the selected result; both panes and the status line show it ----------

from textual.widgets import DataTable  # noqa: E402

from simsearch.tui import CompareApp  # noqa: E402
from simsearch.widgets import StatusLine  # noqa: E402

from .test_tui import QUERY, ask, run_app, settle, table_column, two_model_index, two_model_indexes  # noqa: E402,F401


async def press_a_on_the_first_result(app, pilot) -> None:
    """QUERY asked, the left pane focused (its first result selected), and `a` pressed."""
    await ask(app, pilot, QUERY)
    app.query_one("#left-table", DataTable).focus()
    await settle(app, pilot)
    await pilot.press("a")
    await settle(app, pilot)


def test_a_in_a_pane_keeps_the_answer_that_eval_retrieval_then_finds_at_its_rank(two_model_index, tmp_path,
                                                                                 monkeypatch, run_cli):
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    kept = QuestionFile.open(path)
    said: list[str] = []
    shown: dict = {}

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await ask(app, pilot, QUERY)
        table = app.query_one("#left-table", DataTable)
        table.focus()
        await pilot.press("down")  # the second result
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        shown["chosen"] = app.selected[1]
        shown["left"] = table_column(app, "left", "hit")
        shown["right"] = table_column(app, "right", "hit")
        shown["right_hits"] = app.panes["right"].answer.hits
        shown["status"] = str(app.query_one(StatusLine).render())
        shown["data"] = path.read_bytes()
        await pilot.press("a")  # again: taken back (was: "Already an answer", and only an editor took it back)
        await settle(app, pilot)
        shown["after"] = (path.read_bytes(), table_column(app, "left", "hit"), str(app.query_one(StatusLine).render()))
        await pilot.press("a")  # and kept again
        await settle(app, pilot)

    run_app(CompareApp(db, show_timings=False, questions=kept), scenario)
    data, cells, status = shown["after"]
    assert data == b"" and not any(cell.split("\n")[1].lstrip().startswith("✓") for cell in cells)
    assert not status.startswith("✓"), status
    assert path.read_bytes() == shown["data"]
    assert "Taken back: no longer an answer to" in said[1] and "questions.jsonl:1;" in said[1], said
    assert "the query has no answer left" in said[1] and "Press a again to keep it" in said[1]
    assert "Kept as answer 1" in said[2] and "a again takes it back" in said[2]
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["query"] == QUERY
    assert json.loads(lines[0])["relevant"][0]["text"] == shown["chosen"].text
    assert "Kept as answer 1" in said[0] and f"-m {base} -m {trained}" in said[0]
    assert [cell.split("\n")[1].lstrip().startswith("✓") for cell in shown["left"]][:3] == [False, True, False]
    on_right = [hit.text == shown["chosen"].text for hit in shown["right_hits"]]
    assert [cell.split("\n")[1].lstrip().startswith("✓") for cell in shown["right"]] == on_right
    right_rank = on_right.index(True) + 1 if any(on_right) else None
    assert shown["status"].startswith(f"✓ {base} #2, {trained} " + (f"#{right_rank}" if right_rank else "not in 10"))
    # What the app showed is what eval retrieval measures over the file (the TUI searched in dense mode).
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", base, "-m", trained, "--mode", "dense",
                             "--json", "--details", tmp_path / "details.jsonl")
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "details.jsonl").read_text().splitlines()]
    assert [r["first_relevant_rank"] for r in records] == [2, right_rank]


def test_a_without_a_questions_file_says_how_to_keep_answers(two_model_index, monkeypatch):
    db, _, _ = two_model_index
    said: list[str] = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await press_a_on_the_first_result(app, pilot)

    run_app(CompareApp(db, show_timings=False), scenario)
    assert said and "--questions FILE.jsonl" in said[0]


def test_in_lexical_mode_the_status_line_names_no_model(two_model_index, tmp_path, monkeypatch):
    # Lexical search reads the index's words alone: both panes answer alike, and naming each
    # model beside the same rank would say that a model found it.
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    kept = QuestionFile.open(tmp_path / "questions.jsonl")
    shown: list[str] = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: None)
        await press_a_on_the_first_result(app, pilot)  # the first result, kept as the answer
        shown.append(str(app.query_one(StatusLine).render()))
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("m")  # dense -> lexical, asked again
        await settle(app, pilot)
        shown.append(str(app.query_one(StatusLine).render()))

    run_app(CompareApp(db, show_timings=True, questions=kept), scenario)
    dense, lexical = shown
    assert dense.startswith(f"✓ {base} #1, {trained} ") and " dense" in dense
    assert " lexical" in lexical and base not in lexical and trained not in lexical, lexical
    assert lexical.count(" ms") == 1 and "words" in lexical


def test_an_answer_the_index_no_longer_holds_is_not_shown_as_missed_by_both_models(two_model_index, tmp_path,
                                                                                   monkeypatch):
    """Trial user51: an answer kept in the TUI, its sentence then edited in the file and indexed
    again, is in no model's results; the status line said "✓ minilm not in 10, trained not in 10",
    which reads as both models missing it, where `eval retrieval` refuses the file (every figure
    would be 0). It says the answer is not in the index; an answer that is says where each put it."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    shown: list[str] = []
    edited, as_indexed, hits = {}, {}, []

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        first = app.panes["left"].answer.hits[0]
        hits.append(first)
        edited.update(path=first.path, text=first.text + " (edited)")
        path.write_text(json.dumps({"id": "q1", "query": QUERY, "relevant": [edited]}) + "\n")
        await ask(app, pilot, QUERY)
        shown.append(str(app.query_one(StatusLine).render()))
        as_indexed.update(path=first.path, text=first.text)
        path.write_text(json.dumps({"id": "q1", "query": QUERY, "relevant": [edited, as_indexed]}) + "\n")
        await ask(app, pilot, QUERY)
        shown.append(str(app.query_one(StatusLine).render()))

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)
    assert shown[0].startswith("✓ answer's sentence edited since kept · "), shown
    assert "not in 10" not in shown[0], shown
    assert shown[1].startswith(f"✓ {base} #1, {trained} "), shown
    from simsearch.store import Store

    store, first = Store.open(db, create=False, readonly=True), hits[0]
    for relevant, held in (([edited], False), ([edited, as_indexed], True), ([as_indexed], True),
                           ([f"{first.path}:{first.line}"], True), ([f"{first.path}:900-910"], False)):
        path.write_text(json.dumps({"id": "q1", "query": QUERY, "relevant": relevant}) + "\n")
        assert QuestionFile.open(path).answers_in_index(QUERY, store) is held, relevant
    status = StatusLine()
    status.answers, status.answers_gone, status.overlap = (("left", base, None), ("right", trained, None)), NOT_KNOWN, (8, 10)
    assert status.line(short=True, timings="pair") == "✓ answer not in the index · overlap@10: 8/10 · k=10 · dense"


def test_an_answer_whose_file_is_gone_is_not_called_edited(tmp_path):
    """Trial left51: a kept answer's file deleted (and indexed again) while the same sentence stays
    in another file: the status line said "✓ answer not in the index (edited since kept?)". It says
    the file is gone from the index where that is so, edited where the file is there without the
    sentence, and neither where it cannot tell; each form fits 80 columns."""
    store = _an_index(tmp_path, FILES)
    path = tmp_path / "questions.jsonl"
    kept_a = {"path": str(tmp_path / "a.md"), "text": "The Sicilian is sharp."}
    edited_b = {"path": str(tmp_path / "notes/b.md"), "text": "The Sicilian is sharper."}
    with store.conn:  # a.md deleted, indexed again: its sentence is still in notes/b.md
        (document_id,) = store.conn.execute("SELECT id FROM documents WHERE path = ?", (str(tmp_path / "a.md"),)).fetchone()
        store.conn.execute("DELETE FROM sentences WHERE document_id = ?", (document_id,))
        store.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
    for relevant, why in (([kept_a], FILE_GONE), ([edited_b], EDITED), ([kept_a, edited_b], NOT_KNOWN),
                          ([{"text": "Gone everywhere."}], NOT_KNOWN), ([kept_a, {"path": str(tmp_path / "notes/b.md")}], None)):
        path.write_text(json.dumps({"query": "q", "relevant": relevant}) + "\n")
        assert QuestionFile.open(path).why_not_in_index("q", store) == why, relevant
    assert QuestionFile.open(path).why_not_in_index("another query", store) is None
    from textual.geometry import Size

    class Eighty(StatusLine):
        content_size = Size(80, 1)  # (what ``render`` fits its line to)

    status = Eighty()
    status.answers, status.overlap = (("left", "minilm", None), ("right", "journal-unsup-simcse", None)), (8, 10)
    status.latencies = (("left", "minilm", 23.0), ("right", "journal-unsup-simcse", 45.0))
    said = {FILE_GONE: "file gone from the index", EDITED: "sentence edited since kept", NOT_KNOWN: "not in the index"}
    for why, words in said.items():
        status.answers_gone = why
        assert words in status.line()
        for same in (None, "journal-unsup-simcse"):
            status.same_model = same
            line = str(status.render())
            assert cell_len(line) <= 80, line
            assert ("edited" in line) == (why == EDITED) and ("file" in line) == (why == FILE_GONE), line


# --- trial review51: whether an answer is in the index, looked up in its own files ---------------

def _an_index(tmp_path: Path, files: dict[str, list[str]], filler: int = 0) -> "Store":
    """An index holding ``files`` (path below tmp_path: its sentences, one a line), and ``filler``
    sentences in a file of their own; written as `index` writes these tables (no model needed)."""
    from simsearch.store import Store

    store = Store.open(tmp_path / "index.db")
    files = {**files, **({"filler.txt": [f"Filler sentence number {i}." for i in range(filler)]} if filler else {})}
    with store.conn:
        for name, sentences in files.items():
            document_id = store.conn.execute(
                "INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at) VALUES (?, 'h', 0, 1, 'text', 'now')",
                (str(tmp_path / name),)).lastrowid
            store.conn.executemany(
                'INSERT INTO sentences (document_id, ordinal, text, start, "end", line) VALUES (?, ?, ?, 0, 1, ?)',
                [(document_id, number, text, number + 1) for number, text in enumerate(sentences)])
    return store


FILES = {"a.md": ["Hold the button ten seconds.", "The Sicilian is sharp."],
         "notes/b.md": ["The Sicilian is sharp.", "Prices  rose in May."], "notes/deep/c.md": ["Line one."]}
WHERE = [None, "a.md", "notes/b.md", "notes", "notes/deep/c.md", "gone.md", "notes/gone.md"]
WHAT = [None, "Hold the button ten seconds.", "The Sicilian is sharp.", "Prices rose in May.", "Prices  rose in May.",
        "Line one.", "Hold the button eleven seconds."]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(relevant=st.lists(st.tuples(st.sampled_from(WHERE), st.sampled_from([None, 1, 2, [2, 5], [3, 9]]),
                                   st.sampled_from(WHAT)).filter(lambda item: item[0] is not None or
                                                                  (item[1] is None and item[2] is not None)),
                         min_size=1, max_size=3))
def test_answers_in_index_is_whether_some_sentence_of_the_index_is_one_of_them(tmp_path_factory, relevant):
    """Against a plain oracle: every sentence of the index, each kept answer's ``matches``."""
    from simsearch.retrieval import Unit

    root = tmp_path_factory.mktemp("held")
    store = _an_index(root, FILES)
    items = [{key: value for key, value in (("path", None if where is None else str(root / where)), ("lines", lines),
                                            ("text", text)) if value is not None} for where, lines, text in relevant]
    path = root / "questions.jsonl"
    path.write_text(json.dumps({"query": "q", "relevant": items}) + "\n")
    questions = QuestionFile.open(path)
    units = questions.answers("q")
    rows = store.conn.execute("SELECT d.path, s.line, s.text FROM sentences s JOIN documents d ON d.id = s.document_id")
    expected = any(unit.matches(Unit.make(path).forms, line, normalize_text(text)) for path, line, text in rows
                   for unit in units)
    assert questions.answers_in_index("q", store) is expected, items
    # why not: each answer's file indexed (edited), none (gone), or some of each / no file named
    indexed = [Unit.make(path).forms for (path,) in store.conn.execute("SELECT path FROM documents")]
    files = {any(unit.matches_path(forms) for forms in indexed) if unit.path is not None else None for unit in units}
    why = None if expected else {frozenset({False}): FILE_GONE, frozenset({True}): EDITED}.get(frozenset(files), NOT_KNOWN)
    assert questions.why_not_in_index("q", store) == why, items


def test_whether_an_answer_is_in_the_index_reads_its_file_not_every_sentence(tmp_path):
    """Was: for an answer the index no longer holds (the TUI's "✓ answer not in the index"), every
    sentence of the index was read into Python, on the TUI's own thread, at each such query: 1.4 s
    for 254k sentences (610 files), the app frozen meanwhile. It reads the answer's file now."""
    from simsearch.store import Store

    steps = {}
    for filler in (1_000, 20_000):
        root = tmp_path / str(filler)
        root.mkdir()
        _an_index(root, FILES, filler).close()
        store = Store.open(root / "index.db", create=False, readonly=True)
        path = root / "questions.jsonl"
        path.write_text(json.dumps({"query": "q", "relevant": [{"path": str(root / "a.md"), "text": "Hold it (edited)."}]}) + "\n")
        questions = QuestionFile.open(path)
        counted = []
        store.conn.set_progress_handler(lambda: counted.append(1), 1000)
        assert questions.answers_in_index("q", store) is False
        store.conn.set_progress_handler(None, 0)
        steps[filler] = len(counted)
    assert steps[20_000] < 2 * steps[1_000] + 10, steps


def test_an_answer_whose_file_went_from_the_index_meanwhile_is_seen_gone(tmp_path):
    """The index's files are read once while the index is unchanged (their paths' forms cost a
    ``realpath`` each): a file then removed by `index` in another process is seen gone."""
    from simsearch.store import Store

    _an_index(tmp_path, FILES).close()
    store = Store.open(tmp_path / "index.db", create=False, readonly=True)
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"query": "q", "relevant": [{"path": str(tmp_path / "a.md"), "text": "Hold the button ten seconds."},
                                                           {"path": str(tmp_path / "notes/deep/c.md")}]}) + "\n")
    questions = QuestionFile.open(path)
    assert questions.answers_in_index("q", store) is True
    writer = Store.open(tmp_path / "index.db")
    for name in ("a.md", "notes/deep/c.md"):
        assert questions.answers_in_index("q", store) is True
        with writer.conn:
            (document_id,) = writer.conn.execute("SELECT id FROM documents WHERE path = ?", (str(tmp_path / name),)).fetchone()
            writer.conn.execute("DELETE FROM sentences WHERE document_id = ?", (document_id,))
            writer.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
    assert questions.answers_in_index("q", store) is False
