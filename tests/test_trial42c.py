"""Defects found by session 42's trial C: `simsearch tui` driven headless over Python-Markdown
3.7's docs with minilm and an all-MiniLM-L6-v2 fine-tune. Each test fails on the code as it was
found."""

from __future__ import annotations

from simsearch.tui import CompareApp

from .test_tui import ask, run_app, two_model_index, two_model_indexes  # noqa: F401 (fixtures)


def test_a_moved_models_remedy_names_the_index_it_is_for(two_model_index, monkeypatch):
    """The pane of a model whose folder moved says what to run: `simsearch index --model
    NEW_FOLDER`, with the app's --db. Without it the command acts on the default index (it was
    "`simsearch index --model NEW_FOLDER` finds it there", as `search` said it too)."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    away = db.parent / f"{trained}.away"

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        error = app.panes["right"].error or ""
        assert "is no longer at" in error, error
        assert f"--db {db}" in error, error

    (db.parent / trained).rename(away)
    try:
        run_app(CompareApp(db, left=base, right=trained, mode="dense", show_timings=False), scenario)
    finally:
        away.rename(db.parent / trained)
