"""Keys typed in a burst, names the panes repeat, and what fits an 80×24 terminal."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import DataTable, Input

from simsearch.questions import QuestionFile
from simsearch.tui import CompareApp

from .test_tui import ask, run_app, settle, two_model_index, two_model_indexes  # noqa: F401
from .test_tui_hunt import screen_lines, shown_in, two_models  # noqa: F401


def burst(app, text: str) -> None:
    """``text``'s keys as a terminal delivers keys typed fast: all read before the app handles
    the first (``Pilot.press`` waits for the app to be idle after each key)."""
    names = {"/": "slash", " ": "space", "+": "plus", "-": "minus", "?": "question_mark"}
    for char in text:
        event = events.Key(names.get(char, char), char)
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.mark.parametrize("where", ["#left-table", "#context"])
def test_keys_typed_right_after_slash_go_to_the_query_box_and_record_no_answer(two_model_index, monkeypatch, tmp_path,
                                                                               where):
    """Was: `/` in a pane moved the focus to the query box only after the keys already read, so
    "/async" typed fast from a pane gave its `a` to the pane: the selected result was kept as an
    answer to the query (the file of questions that `eval retrieval` reads, changed), and the box
    got "sync" or less."""
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    questions = tmp_path / "q.jsonl"

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await settle(app, pilot)
        assert app.selected is not None
        app.query_one(where).focus()
        await pilot.pause()
        box = app.query_one("#query", Input)
        box.value = ""
        burst(app, "/async mode")
        await settle(app, pilot)
        assert app.focused is box and box.value == "async mode", box.value
        assert (app.k, app.mode, app.is_running) == (10, "dense", True)
        assert not questions.exists() or not questions.read_text(), questions.read_text()

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(questions)), scenario, size=(80, 24))
