"""Defects found by session 42's trial C: `simsearch tui` driven headless over Python-Markdown
3.7's docs with minilm and an all-MiniLM-L6-v2 fine-tune. Each test fails on the code as it was
found."""

from __future__ import annotations

from contextlib import closing

from textual.widgets import Static

from simsearch.indexer import index
from simsearch.store import Store
from simsearch.tui import CompareApp

from .test_index import write_docs
from .test_tui import ask, run_app, settle, table_ids, two_model_index, two_model_indexes  # noqa: F401 (fixtures)


def _context(app) -> str:
    return str(app.query_one("#detail", Static).render())


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
