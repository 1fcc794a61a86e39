"""Keys in the model picker: it is a place one goes back from, not the app's end."""

from __future__ import annotations

import pytest

from simsearch.tui import CompareApp, ModelPicker

from .test_tui import ask, run_app, settle, two_model_index, two_model_indexes  # noqa: F401
from .test_tui import QUERY


@pytest.mark.parametrize("key", ["q", "escape"])
def test_q_or_escape_in_the_model_picker_closes_it_and_keeps_the_app(two_model_index, monkeypatch, key):
    """Was: `q` in the picker (F2/F3) did nothing (an earlier review took it to quit the app); a
    user in a picker expects it to go back, as Escape does, and as any key leaves the help. The
    pane keeps its model, and `q` in a pane still quits."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    seen = {}

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        before = app.panes["right"].model
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)
        await pilot.press(key)
        await settle(app, pilot)
        seen["running"] = app.is_running and not app._exit_renderables
        seen["screen"] = type(app.screen).__name__
        seen["model"] = (before, app.panes["right"].model)
        app.query_one("#left-table").focus()
        await pilot.press("q")  # and q in a pane still quits
        await pilot.pause()
        seen["quit"] = app.return_code is not None or not app.is_running

    run_app(CompareApp(db, show_timings=False), scenario)
    assert seen["screen"] != "ModelPicker" and seen["running"], seen
    assert seen["model"][0] == seen["model"][1] == trained
    assert seen["quit"]
