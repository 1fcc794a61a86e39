"""`status` shows the HNSW file of every model the index holds vectors for, whatever happened to
the model's folder since (moved, renamed, retrained, unreadable) and wherever search finds the file
(session 32). Oracle: the files beside the index on disk (``idx.db.model-N.hnsw``), sized by
``os.stat``, and the model rows that hold vectors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from simsearch import ann
from simsearch.store import Store
from tests.tiny_bert import create_random_bert

TEXT = "The river runs to the sea.\n\nA dog barks at the postman.\n\nBread rises overnight.\n"


@pytest.fixture(scope="module")
def other_model(tmp_path_factory) -> Path:
    """Another tiny model (other weights): the same name retrained."""
    return create_random_bert(tmp_path_factory.mktemp("other") / "other", hidden_size=32, heads=2, layers=2,
                              pooler="avg", seed=7)


@pytest.fixture
def setup(tmp_path, index_model, monkeypatch):
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)  # an HNSW file for three sentences
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(TEXT)
    return tmp_path


def hnsw_files(db: Path) -> dict[int, int]:
    """{model id: size} of the HNSW files beside the index, as the disk has them."""
    return {int(p.name.split(".model-")[1].removesuffix(".hnsw")): p.stat().st_size
            for p in db.parent.glob(f"{db.name}.model-*.hnsw")}


def models_with_vectors(db: Path) -> dict[str, int]:
    """{name: id} of the models the index holds vectors for."""
    store = Store.open(db, create=False, readonly=True)
    try:
        return {row.name: row.id for row in store.models() if store.count_vectors(row.id)}
    finally:
        store.close()


def search_cells(out: str) -> dict[str, str]:
    """{name: search cell} of `status`'s table, wrapped cells read whole again (a row's first line
    has its name, which is whole on that line)."""
    rows, name = {}, None
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells[0]:
            name = cells[0]
            rows[name] = cells[-1]
        else:
            rows[name] = f"{rows[name]} {cells[-1]}".strip()
    return rows


def check_status_shows_every_file(db: Path, run_cli) -> dict[str, str]:
    """Every model with vectors has its HNSW file in `status --json` and in the table; returns the cells."""
    files, models = hnsw_files(db), models_with_vectors(db)
    assert models and set(models.values()) <= set(files), (models, files)  # the index built one for each
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    shown = {m["name"]: m for m in json.loads(out)["models"]}
    for name, model_id in models.items():
        assert shown[name]["ann_file_bytes"] == files[model_id], name
        assert Path(shown[name]["ann_file"]).stat().st_size == files[model_id]
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    cells = search_cells(out)
    for name, model_id in models.items():
        assert f"file {files[model_id] / 2**20:.1f}MiB" in cells[name], (name, out)
    return cells


@pytest.mark.parametrize("what", ["moved", "retrained", "unreadable"])
def test_status_shows_the_hnsw_file_of_a_model_whose_folder_changed(setup, index_model, other_model, run_cli, what):
    shutil.copytree(index_model, setup / "folder")
    db = setup / "idx.db"
    code, _, err = run_cli("index", "docs", "-m", "./folder", "--db", db, "--device", "cpu")
    assert code == 0, err
    assert check_status_shows_every_file(db, run_cli) == {"./folder": "hnsw, file 0.0MiB"}
    if what == "moved":
        (setup / "folder").rename(setup / "renamed")
    elif what == "retrained":
        shutil.rmtree(setup / "folder")
        shutil.copytree(other_model, setup / "folder")
    else:
        (setup / "folder" / "config.json").unlink()
    state = {"moved": "gone", "retrained": "changed", "unreadable": "unreadable"}[what]
    # Search refuses the model's vectors; the file beside the index is still said, with its state.
    assert check_status_shows_every_file(db, run_cli) == {"./folder": f"no: {state}; hnsw file 0.0MiB"}


def test_status_shows_the_hnsw_files_after_a_move_found_again_and_a_retrain_under_the_old_name(
        setup, index_model, other_model, run_cli, monkeypatch):
    """The README's case: `mv models/a models/a-v1`, `index -m a-v1` keeps the vectors under the new
    name; a new `a` (other weights) is another model of the index. Each has its own file."""
    models = setup / "models"
    shutil.copytree(index_model, models / "a")
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    db = setup / "idx.db"
    assert run_cli("index", "docs", "-m", "a", "--db", db, "--device", "cpu")[0] == 0
    (models / "a").rename(models / "a-v1")
    check_status_shows_every_file(db, run_cli)  # "a", gone
    code, _, err = run_cli("index", "-m", "a-v1", "--db", db, "--device", "cpu")
    assert code == 0 and "named 'a-v1' in the index now" in " ".join(err.split()), err
    shutil.copytree(other_model, models / "a")
    code, _, err = run_cli("index", "-m", "a", "--db", db, "--device", "cpu")
    assert code == 0, err
    assert len(models_with_vectors(db)) == 2
    assert check_status_shows_every_file(db, run_cli) == {"a-v1": "hnsw, file 0.0MiB", "a": "hnsw, file 0.0MiB"}
    shutil.rmtree(models / "a-v1")
    assert check_status_shows_every_file(db, run_cli) == {"a-v1": "no: gone; hnsw file 0.0MiB",
                                                          "a": "hnsw, file 0.0MiB"}


def test_status_shows_an_hnsw_file_where_an_older_simsearch_put_it_beside_a_symlink(setup, index_model, run_cli):
    """An index opened through a symlink had its HNSW files beside the link, named after it; search
    still loads such a file (``ann.ann_paths``), and status says it."""
    (setup / "real").mkdir()
    (setup / "link").mkdir()
    db = setup / "real" / "idx.db"
    link = setup / "link" / "notes.db"
    link.symlink_to(db)
    code, _, err = run_cli("index", "docs", "-m", index_model, "--db", link, "--device", "cpu")
    assert code == 0, err
    (file,) = db.parent.glob("idx.db.model-*.hnsw")
    legacy = setup / "link" / file.name.replace("idx.db", "notes.db")
    os.rename(file, legacy)  # where it was before files were named after the real database
    code, out, err = run_cli("status", "--db", link, "--json")
    (model,) = json.loads(out)["models"]
    assert model["ann_file_bytes"] == legacy.stat().st_size and model["ann_file"] == str(legacy)
    code, out, err = run_cli("status", "--db", link)
    assert code == 0 and list(search_cells(out).values()) == ["hnsw, file 0.0MiB"], out
