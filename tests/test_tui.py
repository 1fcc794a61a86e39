"""The side-by-side TUI, driven headless with Textual's pilot, plus a snapshot of its main screen."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import textwrap
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import DataTable, Input, Static

from simsearch.indexer import forget_models, index
from simsearch.search import Hit, Searcher
from simsearch.store import Store
from simsearch.tui import CompareApp, ModelPicker, default_models, overlap, rank_marks

from .test_index import write_docs

QUERY = "A second remark about chess tools"


def hit(sentence_id: int, rank: int) -> Hit:
    return Hit(rank, 1.0 - rank / 10, f"s{sentence_id}", "/x.md", 1, sentence_id, 1, 0)


def test_rank_marks_and_overlap():
    left = [hit(1, 1), hit(2, 2), hit(3, 3)]
    right = [hit(2, 1), hit(1, 2), hit(3, 3), hit(4, 4)]
    assert rank_marks(left, right) == ["▲2", "▼1", "=3"]  # 1 is higher here (1) than there (2)
    assert rank_marks(right, left) == ["▲2", "▼1", "=3", "only"]
    assert overlap(left, right) == (3, 4)
    # One text stored twice: each side may show another copy of it; it is the same result.
    copy = Hit(1, 0.9, "s1", "/y.md", 7, 99, 2, 0)
    assert rank_marks([copy], left) == ["=1"] and overlap([copy], left) == (1, 3)


@pytest.fixture(scope="module")
def two_model_indexes(tmp_path_factory, index_model):
    """``make(context)``: an index of 12 notes with two tiny models, the second one looking
    trained (simsearch.json has steps), made once per context window (None: the default a new
    index takes, see conftest)."""
    from simsearch import indexer

    from .tiny_bert import create_random_bert

    made = {}

    def make(context: int | None = None):
        context = indexer.DEFAULT_CONTEXT_WINDOW if context is None else context
        if context not in made:
            root = tmp_path_factory.mktemp("tui")
            shutil.copytree(index_model, root / "base-model")
            trained = create_random_bert(root / "notes-simcse", hidden_size=32, heads=2, layers=2, pooler="avg", seed=5)
            meta = json.loads((trained / "simsearch.json").read_text())
            (trained / "simsearch.json").write_text(json.dumps({**meta, "steps": 100}))
            docs = write_docs(root / "docs", 12)
            store = Store.open(root / "index.db")
            here = os.getcwd()
            os.chdir(root)  # models named by relative folders, as a user types them: stable names for the snapshot
            try:
                index(store, [docs], ["base-model", "notes-simcse"], progress=False, context=context)
            finally:
                os.chdir(here)
            store.close()
            made[context] = root / "index.db", "base-model", "notes-simcse"
        return made[context]

    return make


@pytest.fixture(scope="module")
def two_model_index(two_model_indexes):
    return two_model_indexes()


def run_app(app: CompareApp, scenario, size=(150, 40)):
    async def main():
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            await scenario(app, pilot)
    asyncio.run(main())


async def settle(app, pilot):
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def ask(app, pilot, query: str):
    app.query_one("#query", Input).value = query
    app.query_one("#query", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)


def table_ids(app, side: str) -> list[int]:
    """The sentence ids a pane shows, in order (each row's key)."""
    return [int(key.value) for key in app.query_one(f"#{side}-table", DataTable).rows]


def table_column(app, side: str, column: str) -> list[str]:
    """A column's text; ``mark`` is the second line of the "rank score / mark" cell."""
    table = app.query_one(f"#{side}-table", DataTable)
    if column == "mark":
        return [str(table.get_cell(row, "hit")).split("\n")[1].strip() for row in table.rows]
    return [str(table.get_cell(row, column)) for row in table.rows]


def test_default_models_left_embedded_else_first_right_most_recently_trained(two_model_index):
    db, base, trained = two_model_index
    assert default_models(Store.open(db, create=False)) == (base, trained)


@pytest.mark.parametrize("context", [0, 1])  # sentence vectors; context vectors, the users' default
def test_query_fills_both_panes_with_correct_overlap_marks(two_model_indexes, monkeypatch, context):
    db, base, trained = two_model_indexes(context)
    monkeypatch.chdir(db.parent)
    store = Store.open(db, create=False)
    expected_left = Searcher.open(store, base).search(QUERY, 10)
    expected_right = Searcher.open(store, trained).search(QUERY, 10)

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        assert table_ids(app, "left") == [h.sentence_id for h in expected_left]
        assert table_ids(app, "right") == [h.sentence_id for h in expected_right]
        assert table_column(app, "left", "mark") == rank_marks(expected_left, expected_right)
        assert table_column(app, "right", "mark") == rank_marks(expected_right, expected_left)
        common, total = overlap(expected_left, expected_right)
        assert f"overlap@10: {common}/{total}" in str(app.query_one("#stats", Static).render())
        # Selecting a row shows its context, file and line.
        assert "Select a result" in _context(app)
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await pilot.pause()
        detail = _context(app)
        second = expected_left[1]
        assert second.location in detail and second.text in detail
        assert all(sentence in detail for sentence in second.before + second.after)

    run_app(CompareApp(db, show_timings=False), scenario)


def test_a_newer_query_supersedes_a_stale_one_and_both_panes_update_together(two_model_index, monkeypatch):
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    store = Store.open(db, create=False)
    newer = "Notes about the garden and its trees"
    expected = {"left": Searcher.open(store, base).search(newer, 10), "right": Searcher.open(store, trained).search(newer, 10)}
    redraws = []

    async def scenario(app, pilot):
        original = app.show_results

        def show_results(answers):
            original(answers)
            redraws.append({name: pane.answer.query for name, pane in app.panes.items()})

        app.show_results = show_results
        box = app.query_one("#query", Input)
        box.focus()
        box.value = QUERY
        await pilot.press("enter")
        box.value = newer  # typed and sent before the first query's results arrive
        await pilot.press("enter")
        await settle(app, pilot)
        for name in ("left", "right"):
            assert app.panes[name].answer.query == newer
            assert table_ids(app, name) == [h.sentence_id for h in expected[name]]
        # Every redraw shows both panes answering the same query: never one pane ahead.
        assert redraws and all(r["left"] == r["right"] for r in redraws)
        assert redraws[-1] == {"left": newer, "right": newer}

    run_app(CompareApp(db, show_timings=False), scenario)


def test_query_thread_skips_a_query_cancelled_by_a_newer_one():
    from types import SimpleNamespace

    from simsearch.widgets import answer_query

    class Unused:
        def search(self, *args, **kwargs):
            raise AssertionError("a superseded request must not encode")

    assert answer_query(SimpleNamespace(is_cancelled=True), Unused(), "q", 10, "dense") is None


def test_switching_a_model_re_runs_the_query_and_k_changes(two_model_index, monkeypatch):
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    expected = Searcher.open(Store.open(db, create=False), base).search(QUERY, 10)

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)
        await pilot.press("up", "enter")  # the base model is first in the list
        await settle(app, pilot)
        assert app.panes["right"].model == base
        assert table_ids(app, "right") == [h.sentence_id for h in expected]
        assert table_column(app, "right", "mark") == [f"={i}" for i in range(1, 11)]
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("plus")
        await settle(app, pilot)
        assert app.k == 20 and len(table_ids(app, "left")) == 20

    run_app(CompareApp(db, show_timings=False), scenario)


def test_a_model_forgotten_while_the_app_is_open_is_said_in_its_pane_and_the_other_pane_still_answers(
        two_model_index, tmp_path, monkeypatch):
    """``simsearch forget`` from another connection while the TUI is open: the next search of
    that pane meets ``ann.ModelChanged``. Its title says so (the worker must not crash the app),
    the other pane still shows its answer, the picker no longer offers it, and a query sent again
    reports the load's error."""
    source, base, trained = two_model_index
    db = tmp_path / "index.db"  # a copy: the module's index keeps both models
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(db)) as dst:
        src.backup(dst)
    monkeypatch.chdir(source.parent)
    newer = "Notes about the garden and its trees"
    expected = Searcher.open(Store.open(db, create=False), base).search(newer, 10)

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        assert table_ids(app, "right") and "overlap@10" in str(app.query_one("#stats", Static).render())
        other = Store.open(db, create=False)
        forget_models(other, [trained])
        other.close()
        await ask(app, pilot, newer)
        right = app.panes["right"]
        title = str(app.query_one("#right-title").render())
        assert app.is_running and right.searcher is None
        assert trained in title and "was removed from the index" in title
        assert table_ids(app, "right") == []  # no stale hits of the forgotten model
        assert table_ids(app, "left") == [h.sentence_id for h in expected]  # not left waiting for the right pane
        assert "overlap@" not in str(app.query_one("#stats", Static).render())
        await ask(app, pilot, QUERY)  # the pane stays quiet; the other one answers again
        assert table_ids(app, "right") == [] and len(table_ids(app, "left")) == 10
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker) and app.screen.models == [base]  # the index's models now
        await pilot.press("escape")
        await ask(app, pilot, QUERY)  # sent again: the model is opened again, and its load says it is gone
        title = str(app.query_one("#right-title").render())
        assert app.is_running and right.searcher is None and "is not in the index" in title

    run_app(CompareApp(db, show_timings=False), scenario)


def test_history_recalls_previous_queries(two_model_index):
    db, _, _ = two_model_index

    async def scenario(app, pilot):
        await ask(app, pilot, "first query")
        await ask(app, pilot, "second query")
        box = app.query_one("#query", Input)
        await pilot.press("up")
        assert box.value == "second query"
        await pilot.press("up")
        assert box.value == "first query"
        await pilot.press("down", "down")
        assert box.value == ""

    run_app(CompareApp(db, show_timings=False), scenario)


def test_one_model_index_shows_one_pane_and_how_to_add_another(tmp_path, index_model):
    store = Store.open(tmp_path / "one.db")
    index(store, [write_docs(tmp_path / "docs", 3)], [str(index_model)], progress=False)

    async def scenario(app, pilot):
        assert not app.query_one("#right-pane").display and app.query_one("#hint").display
        hint = str(app.query_one("#hint", Static).content)
        assert "simsearch index --model" in hint
        # the README's loop, on this index: train on what it holds, embed with the model that makes
        # (was: "simsearch train --unsup notes.txt", a file the user may not have, and a model named
        # after it, without --db)
        db = shlex.quote(str(tmp_path / "one.db"))
        assert f"simsearch train --from-index --db {db}" in hint
        assert f"simsearch index --model one-index-unsup-simcse --db {db}" in hint and "notes" not in hint
        await ask(app, pilot, "A list item on travel 1.")
        assert table_column(app, "left", "text")[0].startswith("A list item on travel 1")

    run_app(CompareApp(tmp_path / "one.db", show_timings=False), scenario)


def test_the_context_panel_says_whether_a_hit_was_indexed_again_or_taken_out(tmp_path, index_model):
    """A hit shown before `index` or `forget` changed its document: the panel says which. After
    `simsearch forget FOLDER` it said "the file was indexed again since this search" (session 41
    second trial), of a file the index no longer holds at all."""
    from simsearch.indexer import forget_roots

    db = tmp_path / "one.db"
    docs, old = write_docs(tmp_path / "docs", 2), tmp_path / "old"
    old.mkdir()
    (old / "chess.md").write_text("A second remark about chess tools, from an old folder.\n")
    index(Store.open(db), [docs, old], [str(index_model)], progress=False)
    shown: dict[str, str] = {}

    async def show(app, pilot, folder: str) -> str:
        await ask(app, pilot, "A second remark about chess tools")
        table = app.query_one("#left-table", DataTable)
        table.focus()
        table.move_cursor(row=next(i for i, hit in enumerate(app.panes["left"].answer.hits) if f"/{folder}/" in hit.path))
        await settle(app, pilot)
        return _context(app)

    async def again(app, pilot) -> str:
        table = app.query_one("#left-table", DataTable)
        row = table.cursor_row
        table.move_cursor(row=row + 1 if row + 1 < table.row_count else row - 1)
        table.move_cursor(row=row)
        await settle(app, pilot)
        return _context(app)

    async def scenario(app, pilot):
        assert "chess.md" in await show(app, pilot, "old")
        forget_roots(Store.open(db), [old])  # another shell
        shown["forgotten"] = await again(app, pilot)
        await show(app, pilot, "docs")
        path = app.selected[1].path
        Path(path).write_text("A new first line.\n\n" + Path(path).read_text())
        index(Store.open(db), [docs], [str(index_model)], progress=False)
        shown["indexed again"] = await again(app, pilot)

    run_app(CompareApp(db, show_timings=False), scenario)
    assert "taken out of the index since this search" in shown["forgotten"]
    assert "indexed again" not in shown["forgotten"]
    assert "the file was indexed again since this search" in shown["indexed again"]


def test_no_index_says_how_to_make_one(tmp_path):
    async def scenario(app, pilot):
        assert "simsearch index" in _context(app)
        assert app.query_one("#query", Input).disabled

    run_app(CompareApp(tmp_path / "absent.db"), scenario)


def test_an_index_whose_models_were_all_forgotten_says_what_works(tmp_path, index_model):
    """No model left: the app (which compares models) says how to add one, and that lexical
    search works from the shell — in every mode, lexical included."""
    store = Store.open(tmp_path / "none.db")
    index(store, [write_docs(tmp_path / "docs", 2)], [str(index_model)], progress=False)
    store.close()
    from typer.testing import CliRunner

    from simsearch.cli import app as cli_app

    assert CliRunner().invoke(cli_app, ["forget", "-m", str(index_model), "--db", str(tmp_path / "none.db")]).exit_code == 0

    async def scenario(app, pilot):
        shown = _context(app)
        assert "holds no models" in shown and "simsearch index --model" in shown
        assert "simsearch search --mode lexical" in shown and app.query_one("#query", Input).disabled

    for mode in ("lexical", "hybrid"):
        run_app(CompareApp(tmp_path / "none.db", mode=mode, show_timings=False), scenario)


def test_main_screen_snapshot(two_model_index, monkeypatch, snap_compare):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)

    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await ask(pilot.app, pilot, QUERY)

    assert snap_compare(CompareApp(db, show_timings=False), terminal_size=(150, 40), run_before=run_before)


def test_editor_command_puts_the_line_where_each_editor_wants_it():
    from simsearch.tui import editor_command

    assert editor_command("vim", "/n/a.md", 7) == ["vim", "+7", "/n/a.md"]
    assert editor_command("emacs -nw", "/n/a.md", 7) == ["emacs", "-nw", "+7", "/n/a.md"]
    assert editor_command("/usr/bin/code --wait", "/n/a.md", 7) == ["/usr/bin/code", "--wait", "--goto", "/n/a.md:7"]


def test_edit_key_without_a_terminal_to_hand_over_says_where_the_result_is(two_model_index, monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    monkeypatch.setenv("EDITOR", "vim")
    notes = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notes.append(message))
        await pilot.press("e")  # in the query box: typed, not a command
        assert app.query_one("#query", Input).value == "e" and notes == []
        await ask(app, pilot, QUERY)
        app.query_one("#left-table", DataTable).focus()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert notes and "Cannot open an editor" in notes[-1] and app.selected[1].location in notes[-1]

    run_app(CompareApp(db, show_timings=False), scenario)



def test_edit_key_on_a_result_whose_file_is_gone_says_so_instead_of_opening_an_empty_file(two_model_index, monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    monkeypatch.setenv("EDITOR", "vim")
    notes, opened = [], []
    monkeypatch.setattr("simsearch.tui.subprocess.run", lambda command, **kwargs: opened.append(command))

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notes.append(message))
        await ask(app, pilot, QUERY)
        app.query_one("#left-table", DataTable).focus()
        await pilot.pause()
        hit = app.selected[1]
        Path(hit.path).unlink()
        await pilot.press("e")
        await pilot.pause()
        assert opened == []
        from simsearch.models import command_line

        assert notes[-1] == f"Cannot open {hit.location}: gone since indexed: run {command_line('index', db=db)}"

    run_app(CompareApp(db, show_timings=False), scenario)

# --- keys: typed in the query box, acting in a pane; the footer shows only what acts -------------

def footer_keys(app) -> set[str]:
    return {key for key, active in app.screen.active_bindings.items() if active.binding.show}


def test_keys_are_typed_into_the_query_box_and_the_footer_shows_only_keys_that_act(two_model_index, monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        box = app.query_one("#query", Input)
        assert app.focused is box
        await pilot.press(*"c++ -q", "m", "e", "l", "r", "question_mark", "slash")
        await pilot.pause()
        assert box.value == "c++ -qmelr?/"
        assert (app.k, app.mode, app.is_running, app.screen) == (10, "dense", True, app.screen_stack[0])
        # While typing, the footer shows no key that the box would type instead.
        assert footer_keys(app) and all(re.fullmatch(r"ctrl\+.|f\d+", key) for key in footer_keys(app))
        box.value = QUERY
        await pilot.press("enter")
        await settle(app, pilot)
        app.query_one("#left-table", DataTable).focus()
        await pilot.pause()
        assert {"plus", "minus", "m", "e"} <= footer_keys(app)
        await pilot.press("minus")
        await settle(app, pilot)
        assert app.k == 5 and len(table_ids(app, "left")) == len(table_ids(app, "right")) == 5
        await pilot.press("m")
        await settle(app, pilot)
        assert app.mode == "lexical" and app.panes["left"].answer.mode == "lexical"
        await pilot.press("slash", "q")
        await pilot.pause()
        assert app.focused is box and box.value.endswith("q") and app.is_running
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    run_app(CompareApp(db, show_timings=False), scenario)


# --- the context panel: the hit in its file ----------------------------------------------------

NOTE = """\
# Chess openings

An opening sets up the middle game. The **Sicilian defence** answers
e4 with c5, and it is [the most popular](https://example.com/sicilian) reply
at every level. Club players
like it too.

- A list item about the endgame.
"""


@pytest.fixture
def note_index(tmp_path, index_model):
    note = tmp_path / "notes" / "chess.md"
    note.parent.mkdir()
    note.write_text(NOTE)
    store = Store.open(tmp_path / "index.db")
    index(store, [note.parent], [str(index_model)], progress=False)
    return store, note, str(index_model)


def sentence_hit(store, model, text: str) -> Hit:
    hits = Searcher.open(store, model).search(text, 20, context=2)
    return next(hit for hit in hits if hit.text == text)


def highlighted(text) -> str:
    """The characters of a rendered excerpt styled as the hit (line-number gutters removed)."""
    return "".join(text.plain[span.start:span.end] for span in text.spans if span.style == "bold reverse")


def test_context_shows_a_multi_line_hit_as_it_is_in_the_file(note_index):
    from simsearch.widgets import Excerpt, read_excerpt

    store, note, model = note_index
    text = "The Sicilian defence answers e4 with c5, and it is the most popular reply at every level."
    hit = sentence_hit(store, model, text)
    assert hit.line == 3
    excerpt = read_excerpt(store, hit)
    assert isinstance(excerpt, Excerpt)
    lines = NOTE.splitlines()
    # The hit's lines as written (markup and link included), from the heading (two sentences
    # before) to the list item (two after).
    assert excerpt.first == 1 and excerpt.lines == lines[:8]
    assert excerpt.start == (3, lines[2].index("The **Sicilian")) and excerpt.end == (5, len("at every level."))
    rendered = excerpt.render()
    assert highlighted(rendered) == "The **Sicilian defence** answers" + "e4 with c5, and it is [the most popular]" \
        "(https://example.com/sicilian) reply" + "at every level."
    assert " 4 │ e4 with c5" in rendered.plain.replace("\n", "\n ")


def test_context_falls_back_to_the_indexed_sentences_when_the_file_changed_or_vanished(note_index):
    from simsearch.widgets import Excerpt, read_excerpt

    store, note, model = note_index
    hit = sentence_hit(store, model, "An opening sets up the middle game.")
    stat = note.stat()
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes: still the file
    assert isinstance(read_excerpt(store, hit), Excerpt)
    # The same size and mtime put back (`touch -r`), other bytes: the panel does not show new text
    # under the old line; it is read again and found changed (its inode's ctime moved).
    before = note.stat()
    note.write_text(NOTE.replace("middle game", "middle gamE"))
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert note.stat().st_size == before.st_size
    assert "changed since it was indexed" in read_excerpt(store, hit)
    note.write_text(NOTE.replace("middle game", "endgame"))
    assert "changed since it was indexed" in read_excerpt(store, hit)
    note.unlink()
    assert "gone since it was indexed (simsearch index --db " in read_excerpt(store, hit)
    note.parent.rmdir()  # its folder too: `index` keeps the folder's documents (the Hatch trial, session 37)
    assert "gone since it was indexed, and its folder too (simsearch forget --missing --db " in read_excerpt(store, hit)


def test_context_of_a_pdf_hit_names_its_page_from_the_format_the_index_recorded(tmp_path, index_model):
    from simsearch.widgets import read_excerpt

    from .test_extract import minimal_pdf

    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "paper.pdf").write_bytes(minimal_pdf(["The first page talks about sailing.", "The second page is about chess."]))
    (docs / "note.md").write_text("A note about chess, in a file with lines.\n")
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model)], progress=False)
    formats = dict(store.conn.execute("SELECT path, kind FROM documents"))
    assert formats == {str(docs / "paper.pdf"): "pdf", str(docs / "note.md"): "markdown"}
    searcher = Searcher.open(store, str(index_model))
    by_text = {h.text: h for h in searcher.search("chess", 20, context=0)}
    assert read_excerpt(store, by_text["The second page is about chess."]) == "a PDF: the text indexed from page 2"
    assert read_excerpt(store, by_text["A note about chess, in a file with lines."]).lines == [
        "A note about chess, in a file with lines."]


def test_context_panel_says_why_it_shows_the_indexed_sentences(note_index, tmp_path):
    store, note, model = note_index
    db = tmp_path / "index.db"
    note.write_text("Rewritten since.\n")

    async def scenario(app, pilot):
        await ask(app, pilot, "An opening sets up the middle game.")
        app.query_one("#left-table", DataTable).focus()
        await pilot.pause()
        detail = _context(app)
        hit = app.selected[1]
        assert "changed since it was indexed" in detail and "Rewritten" not in detail
        assert hit.text in detail and all(sentence in detail for sentence in hit.before + hit.after)

    run_app(CompareApp(db, show_timings=False), scenario)


WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "home", "then", "it", "slept"]


@st.composite
def markdown_notes(draw):
    """Paragraphs of sentences from a small vocabulary (repeated words), some words in **bold**,
    each paragraph wrapped at a random width."""
    paragraphs = []
    for _ in range(draw(st.integers(1, 3))):
        sentences = []
        for _ in range(draw(st.integers(1, 4))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=9))
            words = [f"**{w}**" if draw(st.booleans()) and draw(st.booleans()) else w for w in words]
            words[0] = words[0].replace(words[0].strip("*"), words[0].strip("*").capitalize())
            sentences.append(" ".join(words) + draw(st.sampled_from([".", "!", "?"])))
        paragraphs.append(textwrap.fill(" ".join(sentences), width=draw(st.integers(12, 70))))
    return "# Notes\n\n" + "\n\n".join(paragraphs) + "\n"


@settings(max_examples=60, deadline=None)
@given(markdown_notes())
def test_every_indexed_sentence_is_found_in_its_file(tmp_path_factory, note):
    """Oracle: the words of the highlighted span are the words of the sentence, in order."""
    from simsearch.extract import sentences_from_path
    from simsearch.widgets import WORD, excerpt

    path = tmp_path_factory.mktemp("note") / "note.md"
    path.write_text(note)
    lines = note.splitlines()
    sentences = sentences_from_path(path)
    assert sentences
    for ordinal, sentence in enumerate(sentences):
        neighbours = {o: sentences[o].line for o in range(max(0, ordinal - 2), min(len(sentences), ordinal + 4))
                      if o != ordinal}
        hit = Hit(1, 1.0, sentence.text, str(path), sentence.line, 1, 1, ordinal)
        shown = excerpt(lines, hit, neighbours)
        (l1, c1), (l2, c2) = shown.start, shown.end
        span = lines[l1 - 1][c1:] if l1 == l2 else \
            " ".join([lines[l1 - 1][c1:], *lines[l1:l2 - 1], lines[l2 - 1][:c2]])
        span = span[: len(span) - (len(lines[l2 - 1]) - c2)] if l1 == l2 else span
        assert WORD.findall(span.casefold()) == WORD.findall(sentence.text.casefold())
        assert shown.first <= l1 <= l2 < shown.first + len(shown.lines)
        assert shown.lines == lines[shown.first - 1:shown.first - 1 + len(shown.lines)]


def test_a_precision_the_vectors_were_not_made_at_is_said_in_the_pane(note_index, tmp_path):
    store, _, model = note_index
    recorded = next(row.precision for row in store.models())
    other = next(p for p in ("fp32", "bf16", "int8") if p != recorded)

    async def scenario(app, pilot):
        title = str(app.query_one("#left-title").render())
        assert f"--precision {other}" in title and f"indexed at {recorded}" in title
        assert app.panes["left"].searcher is None and app.is_running

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, precision=other), scenario)
    run_app(CompareApp(tmp_path / "index.db", show_timings=False, precision="auto"),
            lambda app, pilot: _loaded(app))


async def _loaded(app):
    assert app.panes["left"].searcher is not None and app.panes["left"].error is None


def test_a_model_named_by_a_folder_here_is_that_folders_model_in_the_tui(two_model_index, tmp_path, monkeypatch,
                                                                        index_model):
    """The index's 'base-model' is another folder's: from a folder whose ./base-model is not it,
    the pane refuses (naming both folders), and once that folder is indexed it searches it."""
    db = tmp_path / "copy.db"
    shutil.copy(two_model_index[0], db)
    from .tiny_bert import create_random_bert

    create_random_bert(tmp_path / "base-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=11)
    monkeypatch.chdir(tmp_path)

    async def refused(app, pilot):
        detail = _context(app)
        assert str(tmp_path / "base-model") in detail and str(Path(two_model_index[0]).parent / "base-model") in detail

    run_app(CompareApp(db, left="base-model", show_timings=False), refused)
    store = Store.open(db)
    index(store, [], ["base-model"], progress=False)
    store.close()

    async def answered(app, pilot):
        await ask(app, pilot, "A list item on travel 1.")
        assert app.panes["left"].searcher.model.path == str(tmp_path / "base-model")

    run_app(CompareApp(db, left="base-model", show_timings=False), answered)


# --- lexical mode reads the index alone ------------------------------------------------------

def test_lexical_mode_opens_without_the_models_and_loads_them_when_a_mode_needs_them(two_model_index, monkeypatch):
    """`tui --mode lexical` answers from the index alone (both model folders moved away: no
    error, each pane says it searches words only); `m` (hybrid) then needs a model and says in
    the pane's title that its folder is gone; `m` `m` (dense, lexical) comes back to the words-only
    answers; with the folders back, `m` (hybrid) and `m` (dense) load each model by themselves and
    show what `Searcher` itself answers."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    store = Store.open(db, create=False)
    expected_lexical = [hit.sentence_id for hit in Searcher.open(store, base, lexical_only=True).search(QUERY, 10, mode="lexical")]
    expected_dense = {name: [hit.sentence_id for hit in Searcher.open(store, name, device="cpu").search(QUERY, 10, mode="dense")]
                      for name in (base, trained)}
    store.close()
    hidden = {name: db.parent / f"{name}.away" for name in (base, trained)}

    def words_only(app):
        for side in ("left", "right"):
            pane = app.panes[side]
            assert pane.error is None and pane.searcher is not None, pane.error
            assert "words only" in str(pane.title)
        assert table_ids(app, "left") == table_ids(app, "right") == expected_lexical

    async def press_m(app, pilot, mode):
        app.query_one("#left-table", DataTable).focus()  # in the query box "m" is typed
        await pilot.pause()
        await pilot.press("m")
        await settle(app, pilot)
        assert app.mode == mode

    async def scenario(app, pilot):
        assert app.mode == "lexical"
        assert not any(app.panes[side].searcher.model_loaded for side in ("left", "right"))
        await ask(app, pilot, QUERY)
        words_only(app)
        for mode in ("hybrid", "dense"):  # both need the models, whose folders are gone
            await press_m(app, pilot, mode)
            for side in ("left", "right"):
                assert "is no longer at" in (app.panes[side].error or ""), app.panes[side].error
        await press_m(app, pilot, "lexical")  # the round trip: words only again, no error left
        words_only(app)
        for name, away in hidden.items():
            away.rename(db.parent / name)
        await press_m(app, pilot, "hybrid")
        for side in ("left", "right"):
            assert app.panes[side].error is None and app.panes[side].searcher.model_loaded, app.panes[side].error
            assert "words only" not in str(app.panes[side].title)
        await press_m(app, pilot, "dense")
        for side, name in (("left", base), ("right", trained)):
            assert table_ids(app, side) == expected_dense[name]
        await press_m(app, pilot, "lexical")  # the models stay loaded; the panes say what they search
        words_only(app)

    for name, away in hidden.items():
        (db.parent / name).rename(away)
    try:
        run_app(CompareApp(db, left=base, right=trained, mode="lexical", show_timings=False), scenario)
    finally:
        for name, away in hidden.items():
            if away.exists():
                away.rename(db.parent / name)


def test_a_pane_says_when_its_model_lacks_vectors(tmp_path, index_model, monkeypatch):
    """After `index FOLDER -m A` adds a file, model B has no vectors for its sentences: B's pane
    says how many (as `search` warns), A's says nothing."""
    from .tiny_bert import create_random_bert

    other = create_random_bert(tmp_path / "other", hidden_size=32, heads=2, layers=2, pooler="avg", seed=3)
    docs = write_docs(tmp_path / "docs", 4)
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model), str(other)], progress=False)
    (docs / "new.md").write_text("A new note about chess openings.\n\nAnother sentence about rooks.\n")
    index(store, [docs], [str(index_model)], progress=False)
    searcher = Searcher.open(store, str(other), device="cpu")
    missing = searcher.missing_vectors()
    assert missing == 2
    store.close()

    async def scenario(app, pilot):
        left, right = app.panes["left"], app.panes["right"]
        assert left.error is None and right.error is None
        assert "without a vector" not in str(left.title)
        assert f"{missing:,} without a vector: run simsearch index" in str(right.title)

    run_app(CompareApp(tmp_path / "index.db", left=str(index_model), right=str(other), show_timings=False), scenario)


def test_a_panes_count_of_sentences_without_a_vector_follows_the_index(tmp_path, index_model):
    """The count in a pane's title is the index's as each answer comes, not as the model loaded:
    `index` finishing in another shell takes it away, a run that adds files for the other model
    alone brings it (session 41 trial: "(6,752 without a vector: run simsearch index)" stayed
    over answers from all 6,752 vectors)."""
    from .tiny_bert import create_random_bert

    other = create_random_bert(tmp_path / "other", hidden_size=32, heads=2, layers=2, pooler="avg", seed=3)
    docs = write_docs(tmp_path / "docs", 4)
    db = tmp_path / "index.db"
    index(Store.open(db), [docs], [str(index_model), str(other)], progress=False)
    (docs / "new.md").write_text("A new note about chess openings.\n\nAnother sentence about rooks.\n")
    index(Store.open(db), [docs], [str(index_model)], progress=False)
    titles: list[str] = []

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        titles.append(str(app.panes["right"].title))
        index(Store.open(db), [docs], [str(index_model), str(other)], progress=False)  # another shell
        await ask(app, pilot, QUERY)
        titles.append(str(app.panes["right"].title))
        (docs / "more.md").write_text("A third note about chess clocks.\n")
        index(Store.open(db), [docs], [str(index_model)], progress=False)
        await ask(app, pilot, QUERY)
        titles.append(str(app.panes["right"].title))

    run_app(CompareApp(db, left=str(index_model), right=str(other), show_timings=False), scenario)
    assert "2 without a vector: run simsearch index" in titles[0]
    assert "without a vector" not in titles[1]
    assert "1 without a vector: run simsearch index" in titles[2]


def test_a_read_only_index_is_searched_and_left_as_it_was(two_model_index, tmp_path, monkeypatch):
    """An index this user cannot write (a read-only file or folder: ``os.access`` says so, as for a user
    who is not root) opens read-only: both panes answer, and nothing is written beside it."""
    import sqlite3

    db, base, trained = two_model_index
    folder = tmp_path / "ro"
    folder.mkdir()
    for path in db.parent.glob("index.db.model-*.hnsw"):
        shutil.copy(path, folder / path.name)
    with sqlite3.connect(db) as source, sqlite3.connect(folder / "index.db") as copy:
        source.backup(copy)
    copy.close()
    monkeypatch.chdir(db.parent)  # where the index's models are
    expected = Searcher.open(Store.open(db, create=False), base).search(QUERY, 10)  # the same index, writable
    before = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    from .test_readme_trust import _read_only_here

    _read_only_here(monkeypatch, folder, folder / "index.db")

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        assert table_ids(app, "left") == [h.sentence_id for h in expected]
        assert table_ids(app, "right")

    run_app(CompareApp(folder / "index.db", show_timings=False), scenario)
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == before


def test_the_model_picker_shows_its_whole_title(two_model_index, monkeypatch):
    """F2/F3's box was 54 columns inside, its title 55-56: "(Enter to choose, Esc to canc"."""
    from textual.widgets import Label

    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        for key, side in (("f2", "left"), ("f3", "right")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, ModelPicker)
            label = app.screen.query_one(Label)
            title = f"Model for the {side} pane (Enter to choose, Esc to cancel)"
            box = app.screen.query_one("#picker").content_region
            # the title, whole, inside the box: not cut at its right edge
            assert label.region.x >= box.x and label.region.right <= box.right, (label.region, box)
            assert label.content_size.width * label.content_size.height >= len(title)
            await pilot.press("escape")
            await pilot.pause()

    run_app(CompareApp(db, show_timings=False), scenario, size=(120, 35))


def test_the_app_says_once_that_answers_come_while_an_index_run_writes(two_model_index, monkeypatch):
    """`simsearch search` says it at every search; the app says it with the first answers that come
    while a run writes the index, not again at every query, and again once a later run starts."""
    from simsearch.indexer import writer_lock

    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    app = CompareApp(db, show_timings=False)
    said = []
    monkeypatch.setattr(app, "notify", lambda message, **options: said.append((message, options.get("severity"))))
    writer = Store.open(db, create=False)

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        assert said == []  # no run: nothing said
        with writer_lock(writer):
            await ask(app, pilot, QUERY)
            await ask(app, pilot, "another query")
        assert said == [(f"An index run is in progress on {db}: results may miss files not yet indexed, and show "
                         "changed files as they were; ask again when it is done", "warning")]
        await ask(app, pilot, QUERY)  # the run over
        with writer_lock(writer):
            await ask(app, pilot, "another query")
        assert len(said) == 2

    try:
        run_app(app, scenario)
    finally:
        writer.close()


def test_a_query_sent_again_opens_a_failed_model_again(two_model_index, monkeypatch):
    """A pane whose model failed to open (its folder moved away) says so in its title and what to
    do; once that is done, sending a query (Enter) opens the model again and the pane answers,
    as `simsearch search` would (it stayed broken until F3 chose the same model again)."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    store = Store.open(db, create=False)
    expected = [hit.sentence_id for hit in Searcher.open(store, trained, device="cpu").search(QUERY, 10, mode="dense")]
    store.close()
    away = db.parent / f"{trained}.away"

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        right = app.panes["right"]
        assert "is no longer at" in (right.error or ""), right.error
        away.rename(db.parent / trained)
        await ask(app, pilot, QUERY)  # the same query, sent again
        assert right.error is None and right.searcher is not None, right.error
        assert table_ids(app, "right") == expected
        await ask(app, pilot, QUERY)  # a model that opens is not opened again
        assert right.error is None and table_ids(app, "right") == expected

    (db.parent / trained).rename(away)
    try:
        run_app(CompareApp(db, left=base, right=trained, mode="dense", show_timings=False), scenario)
    finally:
        if away.exists():
            away.rename(db.parent / trained)


# --- Found by session 42's trial C: `simsearch tui` driven headless over Python-Markdown 3.7's docs
# with minilm and an all-MiniLM-L6-v2 fine-tune; each failed on the code as it was found.

def _context(app) -> str:
    """The context panel's text: its head (path:line and ranks, its border title) and its lines."""
    head = app.query_one("#context").head
    return (f"{head.plain}\n" if head is not None else "") + str(app.query_one("#detail", Static).render())


def test_a_moved_models_remedy_names_the_index_it_is_for(two_model_index, monkeypatch):
    """The pane of a model whose folder moved says what to run: `simsearch index --model
    NEW_FOLDER`, with the app's --db. Without it the command acts on the default index (it was
    "`simsearch index --model NEW_FOLDER` finds it there", as `search` said it too)."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        error = app.panes["right"].error or ""
        assert "is no longer at" in error, error
        assert f"--db {db}" in error, error

    _run_with_right_model_moved(db, base, trained, scenario)


def _run_with_right_model_moved(db, base, trained, scenario) -> None:
    """The app over ``db``, dense, ``trained`` on the right with its folder moved away meanwhile."""
    away = db.parent / f"{trained}.away"
    (db.parent / trained).rename(away)
    try:
        run_app(CompareApp(db, left=base, right=trained, mode="dense", show_timings=False), scenario)
    finally:
        away.rename(db.parent / trained)


def test_the_context_panel_does_not_say_not_found_by_a_pane_that_did_not_search(two_model_index, monkeypatch):
    """A left result's context panel gives its rank on the right, or says it is not in the
    right's top k. With the right pane's model failing to open (its folder moved), the right
    pane searched nothing: it said "notes-simcse: not in its top k" all the same."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        assert app.panes["right"].error and table_ids(app, "left")
        app.query_one("#left-table").focus()
        await pilot.press("down")
        await settle(app, pilot)
        head = _context(app).split("\n")[0]
        assert f"{base}: rank 2" in head, head
        assert "not in its top k" not in head, head
        assert f"{trained}: no results" in head, head

    _run_with_right_model_moved(db, base, trained, scenario)


def test_the_model_picker_offers_the_models_the_index_holds_now(tmp_path, index_model):
    """With one model the app says "add another with simsearch index --model NAME"; once that
    is run in another shell, F3 offers the new model. The app read the index's models once, at
    start: F3 said "This index holds one model" again, and F2 offered a model forgotten since."""
    from simsearch.indexer import forget_models
    from simsearch.tui import ModelPicker

    from .tiny_bert import create_random_bert

    db = tmp_path / "one.db"
    index(Store.open(db), [write_docs(tmp_path / "docs", 3)], [str(index_model)], progress=False)
    second = create_random_bert(tmp_path / "second", hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    notes: list[str] = []

    async def scenario(app, pilot):
        app.notify = lambda message, *args, **kwargs: notes.append(message)
        await pilot.press("f3")
        await settle(app, pilot)
        assert notes and "holds one model" in notes[-1], notes
        with closing(Store.open(db)) as store:  # `simsearch index --model SECOND` from another shell
            index(store, [], [str(second)], progress=False)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, ModelPicker), notes
        assert app.screen.models == [str(index_model), str(second)]
        await pilot.press("escape")
        await settle(app, pilot)
        with closing(Store.open(db)) as store:  # `simsearch forget --model FIRST`
            forget_models(store, [str(index_model)])
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ModelPicker) and app.screen.models == [str(second)]

    run_app(CompareApp(db, show_timings=False), scenario)


def test_more_gives_more_results_and_fewer_fewer_from_any_k(two_model_index, monkeypatch):
    """`+` is "more results", `-` "fewer" (k = 5, 10, 20, 50, 100). From a `-k` the steps do not
    hold (1 to 1,000 is allowed) they went to the step nearest k and on from there: `tui -k 200`
    then `+` showed 100 results, and `-k 3` then `-` showed 5."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)

    async def press(app, pilot, key: str) -> int:
        app.query_one("#left-table").focus()
        await pilot.press(key)
        await settle(app, pilot)
        return app.k

    async def from_200(app, pilot):
        await ask(app, pilot, "chess")
        assert await press(app, pilot, "plus") == 200  # no step above: more is not fewer
        assert await press(app, pilot, "minus") == 100

    async def from_7(app, pilot):
        await ask(app, pilot, "chess")
        assert len(table_ids(app, "left")) == 7
        assert await press(app, pilot, "minus") == 5
        assert len(table_ids(app, "left")) == 5
        assert await press(app, pilot, "plus") == 10

    async def from_3(app, pilot):
        await ask(app, pilot, "chess")
        assert await press(app, pilot, "minus") == 3  # no step below: fewer is not more
        assert await press(app, pilot, "plus") == 5

    for k, scenario in ((200, from_200), (7, from_7), (3, from_3)):
        run_app(CompareApp(db, left=base, right=trained, k=k, mode="dense", show_timings=False), scenario)


def test_in_lexical_mode_the_context_panel_names_no_model(two_model_index, monkeypatch):
    """Lexical search reads the index's words alone, the same in both panes; the status line
    says "words" (session 41). The context panel said "base-model: rank 1, score 2.9 (found by
    lexical)   notes-simcse: rank 1, score 2.9", as if each model had ranked it."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        app.query_one("#right-table").focus()
        await settle(app, pilot)
        head = _context(app).split("\n")[0]
        assert "words: rank 1, score" in head, head
        assert base not in head and trained not in head, head

    run_app(CompareApp(db, left=base, right=trained, mode="lexical", show_timings=False), scenario)


def test_the_status_line_does_not_keep_a_failed_panes_figures(tmp_path, index_model):
    """A pane whose query failed (its model forgotten from another shell) shows no results; the
    status line kept the last answer's figures all the same ("k=10 · dense · MODEL 42 ms", and
    with `--questions` "✓ MODEL #1") when no other pane answered."""
    from simsearch.indexer import forget_models
    from simsearch.questions import QuestionFile

    db = tmp_path / "one.db"
    index(Store.open(db), [write_docs(tmp_path / "docs", 3)], [str(index_model)], progress=False)
    questions = QuestionFile.open(tmp_path / "questions.jsonl")

    async def scenario(app, pilot):
        await ask(app, pilot, "A list item on travel 1.")
        app.query_one("#left-table").focus()
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        status = str(app.query_one("#stats", Static).render())
        assert "✓" in status and f"{index_model} " in status and " ms" in status, status
        with closing(Store.open(db)) as store:  # `simsearch forget --model MODEL` from another shell
            forget_models(store, [str(index_model)])
        await ask(app, pilot, "A list item on travel 1.")
        assert app.panes["left"].error and not table_ids(app, "left")
        status = str(app.query_one("#stats", Static).render())
        assert "✓" not in status and str(index_model) not in status and " ms" not in status, status

    run_app(CompareApp(db, questions=questions), scenario)
