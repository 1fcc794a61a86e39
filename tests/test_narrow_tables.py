"""Tables in an 80-column terminal (or piped): a model's name is shown whole, never cut to "notes-i…"."""

from __future__ import annotations

import json
import shutil

NAMES = ("notes-index-unsup-simcse", "notes-index-unsup-simcse-v2")
TEXT = ("The river floods the valley every spring. Farmers plant rice when the water recedes.\n\n"
        "Old maps show the river further east. A bridge was built in the old town.\n")


def _first_column(out: str) -> str:
    """The first column's cells, joined: a name folded over several lines reads whole again."""
    return "".join(line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│"))


def _index(tmp_path, index_model, run_cli, monkeypatch):
    models = tmp_path / "models"
    for name in NAMES:
        shutil.copytree(index_model, models / name)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    monkeypatch.setenv("COLUMNS", "80")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT, encoding="utf-8")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", docs, "-m", NAMES[0], "-m", NAMES[1], "--db", db, "--device", "cpu")
    assert code == 0, err
    return docs, db


def test_eval_retrieval_table_names_each_model_whole(tmp_path, index_model, run_cli, monkeypatch):
    docs, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "river floods", "relevant": ["docs/a.txt"]}) + "\n", encoding="utf-8")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", NAMES[0], "-m", NAMES[1],
                             "--mode", "dense", "--mode", "hybrid", "--device", "cpu")
    assert code == 0, err
    assert "…" not in _first_column(out)
    assert _first_column(out) == NAMES[0] * 2 + NAMES[1] * 2  # dense and hybrid rows of each


def test_status_table_names_each_model_whole(tmp_path, index_model, run_cli, monkeypatch):
    _, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    assert NAMES[0] in _first_column(out) and NAMES[1] in _first_column(out)
    assert "…" not in _first_column(out)
