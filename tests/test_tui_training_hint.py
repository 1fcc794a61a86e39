"""The TUI's one-model hint while `simsearch train --from-index` runs from that index (session 51,
trial names51): it said "To train one on it and compare: simsearch train --from-index", the very
command running in another terminal, which the run's lock on its --out would refuse."""

from __future__ import annotations

import contextlib
import json
import shlex
import shutil
from pathlib import Path

import pytest

from simsearch import tui
from simsearch.train.outdir import _fresh_staging, out_lock
from simsearch.tui import CompareApp

from .test_text_path import write_notes
from .test_tui import run_app
from .test_tui_next_step import hint_rows, shell_reads


@pytest.fixture
def one_model_index(tmp_path, index_model, run_cli, monkeypatch):
    """An index of notes holding one model, its models folder empty."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    notes, db = write_notes(tmp_path / "notes"), Path("my notes.db")
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--device", "cpu")
    assert code == 0, err
    return db


def hint_text(app) -> str:
    return " ".join(str(app.query_one("#hint").content).split())


def trained_there(out: Path, db: Path, model: Path) -> None:
    """What the run leaves at --out once it ends: a model trained from ``db``."""
    shutil.copytree(model, out)
    meta = json.loads((out / "simsearch.json").read_text())
    meta.update(data_source={"kind": "index", "path": str(db.resolve())}, data_file=str(db.resolve()),
                created="2026-11-26T23:00:00")
    (out / "simsearch.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("where", ["its work folder names the index", "the default --out, no work folder yet"])
def test_the_hint_names_the_run_under_way_then_its_model(one_model_index, tmp_path, index_model, monkeypatch, where):
    """A run holds the real lock (``out_lock``, as `train` takes it) on an --out in the models
    folder: one whose work folder's marker names this index (any --out), or train --from-index's
    default --out for it before the run has made its work folder. The hint says a run is under
    way, where, and the `index` command for once it ends; when the lock is let go and the model is
    there, the hint (looked at again every TRAINING_CHECK_S) names it as ready."""
    db = one_model_index
    monkeypatch.setattr(tui, "TRAINING_CHECK_S", 0.05)
    models = tmp_path / "models"
    name = "my-run" if where.startswith("its") else "my notes-index-unsup-simcse"
    out = models / name
    index = shlex.join(["simsearch", "index", "--model", name, "--db", str(db)])

    async def scenario(app, pilot):
        text = hint_text(app)
        assert "A `simsearch train` run is making one from it now, into" in text, text
        assert str(out) in str(app.query_one("#hint").content).replace("\n", ""), text
        assert "Once that run ends, embed with it:" in text and index in text, text
        assert "train --from-index" not in text and "To train one" not in text, text
        # all of it on the screen at 80×24, the command whole once its rows are pasted
        assert shell_reads(hint_rows(app)) == [shlex.split(index)], hint_rows(app)
        assert [row for row in hint_rows(app) if row][-1] == "Then press F3 to show it here.", hint_rows(app)
        lock.close()  # the run ends, its model in place
        trained_there(out, db, index_model)
        await pilot.pause(0.3)
        text = hint_text(app)
        assert "A model trained on it is ready" in text and index in text, text
        assert "being trained" not in text and app.training_into is None, text

    lock = contextlib.ExitStack()  # the run: its lock, let go by ``close``
    lock.enter_context(out_lock(out))
    try:
        if where.startswith("its"):
            _fresh_staging(models / f".{name}.partial", data=db.resolve())
        run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))
    finally:
        lock.close()


def test_a_run_from_another_index_leaves_the_hint_as_it_was(one_model_index, tmp_path):
    """A run going on from another index (its marker names that one) is not this index's: the
    hint says how to train one on this index."""
    db = one_model_index
    models = tmp_path / "models"
    with out_lock(models / "other-run"):
        _fresh_staging(models / ".other-run.partial", data=(tmp_path / "other.db").resolve())

        async def scenario(app, pilot):
            text = hint_text(app)
            assert "being trained" not in text and app.training_into is None, text
            assert shlex.join(["simsearch", "train", "--from-index", "--db", str(db)]) in text, text

        run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))


def test_a_stopped_run_is_not_under_way(one_model_index, tmp_path):
    """A run killed earlier leaves its lock file and work folder, but no lock held: not a run
    under way (the hint says to train, as `train` would not be refused)."""
    db = one_model_index
    models = tmp_path / "models"
    models.mkdir()
    (models / ".my notes-index-unsup-simcse.lock").touch()
    _fresh_staging(models / ".my notes-index-unsup-simcse.partial", data=db.resolve())

    async def scenario(app, pilot):
        text = hint_text(app)
        assert "being trained" not in text and "train --from-index" in text, text

    run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))


def test_a_run_started_while_the_tui_is_open_is_named(one_model_index, tmp_path, monkeypatch):
    """The hint said to train; the user does, in another terminal (the default --out, its work
    folder made): the hint, looked at again, says the run is under way rather than to start it."""
    db = one_model_index
    monkeypatch.setattr(tui, "TRAINING_CHECK_S", 0.05)
    models = tmp_path / "models"
    out = models / "my notes-index-unsup-simcse"

    async def scenario(app, pilot):
        assert "train --from-index" in hint_text(app) and app.training_into is None
        with out_lock(out):
            _fresh_staging(models / f".{out.name}.partial", data=db.resolve())
            await pilot.pause(0.3)
            text = hint_text(app)
            assert "A `simsearch train` run is making one from it now" in text and app.training_into == out, text
            assert "train --from-index" not in text, text
        await pilot.pause(0.3)  # stopped before it saved a model: the hint says to train again
        assert "train --from-index" in hint_text(app) and app.training_into is None, hint_text(app)

    run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))



def test_the_hint_looked_at_again_as_the_app_closes(one_model_index, monkeypatch):
    """The timer that looks at the hint again can fire while the app closes, its widgets already
    gone: it stops, where it raised NoMatches (seen in a full test run: the app ended with that
    error, as a user's would on quitting within TRAINING_CHECK_S of the timer's tick)."""
    monkeypatch.setattr(tui, "TRAINING_CHECK_S", 0.05)

    async def scenario(app, pilot):
        assert app.hint_timer is not None
        await app.query_one("#hint").remove()
        app.check_one_model_hint()  # (raised NoMatches)
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None

    run_app(CompareApp(one_model_index, show_timings=False), scenario, size=(80, 24))
