"""The side-by-side TUI, driven headless with Textual's pilot, plus a snapshot of its main screen."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from simsearch.indexer import index
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


@pytest.fixture(scope="module")
def two_model_index(tmp_path_factory, index_model):
    """An index of 12 notes with two tiny models; the second one looks trained (simsearch.json has steps)."""
    from simsearch.models import create_random_bert

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
        index(store, [docs], ["base-model", "notes-simcse"], progress=False)
    finally:
        os.chdir(here)
    store.close()
    return root / "index.db", "base-model", "notes-simcse"


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


def test_query_fills_both_panes_with_correct_overlap_marks(two_model_index, monkeypatch):
    db, base, trained = two_model_index
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
        assert "Select a result" in str(app.query_one("#detail", Static).render())
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await pilot.pause()
        detail = str(app.query_one("#detail", Static).render())
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
        assert "simsearch index --model" in str(app.query_one("#hint", Static).render())
        await ask(app, pilot, "A list item on travel 1.")
        assert table_column(app, "left", "text")[0].startswith("A list item on travel 1")

    run_app(CompareApp(tmp_path / "one.db", show_timings=False), scenario)


def test_no_index_says_how_to_make_one(tmp_path):
    async def scenario(app, pilot):
        assert "simsearch index" in str(app.query_one("#detail", Static).render())
        assert app.query_one("#query", Input).disabled

    run_app(CompareApp(tmp_path / "absent.db"), scenario)


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
