"""The TUI's one-model hint under a taken default --out (session 50, trial left2): it said
`simsearch train --from-index --db DB` while the default --out held a model trained on another
index of the same name, or a folder of the user's, and `train` refuses that --out (it never
overwrites a folder it did not make, nor a model trained on other data)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from simsearch.tui import CompareApp

from .test_tui import run_app


@pytest.mark.parametrize("taken_by", ["a folder of the user's", "nothing"])
def test_the_one_model_hint_names_an_out_that_train_takes(tmp_path, index_model, monkeypatch, taken_by):
    from simsearch.indexer import index
    from simsearch.models import models_dir
    from simsearch.store import Store
    from simsearch.train.outdir import _check_out

    from .test_index import write_docs

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    shutil.copytree(index_model, "base")
    store = Store.open(Path("notes.db"))
    index(store, [write_docs(Path("docs"), 2)], ["base"], progress=False)
    store.close()
    default = models_dir() / "notes-index-unsup-simcse"
    if taken_by != "nothing":
        default.mkdir(parents=True)
        (default / "plan.txt").write_text("mine\n")
    said = {}

    async def scenario(app, pilot):
        said["hint"] = " ".join(str(app.query_one("#hint").content).split())

    run_app(CompareApp(Path("notes.db"), show_timings=False), scenario, size=(160, 45))
    hint = said["hint"]
    train = shlex.split(hint.split("simsearch train", 1)[1].split(" simsearch ", 1)[0])
    if taken_by == "nothing":
        assert "--out" not in train and "simsearch index --model notes-index-unsup-simcse --db notes.db" in hint
        return
    out = Path(train[train.index("--out") + 1])
    _check_out(out)  # what train checks first: passes (was: the default, refused)
    assert not out.exists() and out.parent == models_dir()
    assert f"simsearch index --model {out.name} --db notes.db" in hint
    assert (default / "plan.txt").read_text() == "mine\n"
