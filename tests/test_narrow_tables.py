"""Tables in an 80-column terminal (or piped): a model's name is shown whole, never cut to "notes-i…"."""

from __future__ import annotations

import json
import re
import shutil

import pytest

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


def _names_shown(out: str) -> list[str]:
    """The models' names a table of models shows, in order: its rows' first cells (a name is whole
    on its row's first line), or, in the list form, the lines of a name (each followed by its
    fields, indented)."""
    lines = out.splitlines()
    if any(line.startswith("┏") for line in lines):
        return [cell for line in lines if line.startswith("│") if (cell := line.split("│")[1].strip())]
    return [line for n, line in enumerate(lines[:-1]) if line and line[0] != " " and lines[n + 1].startswith("  ")]


@pytest.mark.parametrize("columns", [80, 100])
def test_eval_retrieval_table_names_each_model_whole(tmp_path, index_model, run_cli, monkeypatch, columns):
    """Each name whole on one line: a table at 100 columns; at 80, where these 24- and
    27-character names leave the figures too little room even with "recall" / "@10" over two
    lines, the list form (session 51; was a table whose names folded)."""
    docs, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    monkeypatch.setenv("COLUMNS", str(columns))
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "river floods", "relevant": ["docs/a.txt"]}) + "\n", encoding="utf-8")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", NAMES[0], "-m", NAMES[1],
                             "--mode", "dense", "--mode", "hybrid", "--device", "cpu")
    assert code == 0, err
    assert _names_shown(out) == [NAMES[0]] * 2 + [NAMES[1]] * 2, out  # dense and hybrid rows of each
    # Every header and number whole (eight columns cut "recall@10" to "recall@…"); the models
    # share one precision, so it is said once, in the note under the table.
    if columns == 100:
        header = next(line for line in out.splitlines() if "hit@1" in line)
        for name in ("mode", "hit@1", "hit@10", "mrr@10", "ndcg@10", "recall@10"):
            assert f" {name} " in header, header
    else:
        fields = " ".join(line for line in out.splitlines() if line.startswith("  "))
        for name in ("mode: dense", "mode: hybrid", "hit@1: ", "hit@10: ", "mrr@10: ", "ndcg@10: ", "recall@10: "):
            assert name in fields, out
    assert "precision" not in out.split("a relevant section")[0], out
    assert re.search(r"vectors at (fp32|bf16|fp16|int8)\b", " ".join(out.split())) and "…" not in out
    # the table fits; its note and each comparison with the first model are one line, however
    # long (tests/test_piped_output.py): a dense and a hybrid one
    compared = [line for line in out.splitlines() if f"{NAMES[1]} against {NAMES[0]}: " in line]
    assert [line.split(",")[0] for line in compared] == ["dense", "hybrid"]
    assert all(len(line) <= columns for line in out.splitlines() if "counts once" not in line and line not in compared)


def test_status_table_names_each_model_whole(tmp_path, index_model, run_cli, monkeypatch):
    _, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    assert NAMES[0] in _first_column(out) and NAMES[1] in _first_column(out)
    assert "…" not in _first_column(out)


def _status_table_at(tmp_path, model, run_cli, monkeypatch, columns=80) -> tuple[str, list[str]]:
    """`status` of two models, each with its HNSW file (the widest search cells): its output and
    table lines, checked to fit ``columns`` columns with no cut cell."""
    from simsearch import ann

    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    _, db = _index(tmp_path, model, run_cli, monkeypatch)
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= columns
    assert not any("…" in line for line in table), out
    return out, table


def _header(table: list[str]) -> list[str]:
    return [cell.strip() for cell in next(line for line in table if line.startswith("┃")).split("┃")[1:-1]]


def test_status_table_headers_and_cells_whole_at_80_columns(tmp_path, index_model, run_cli, monkeypatch):
    """The trial's 80-column `status` cut its headers to "preci…", "vecto…", "missi…". Each header
    shown is whole; with the names whole too (27 characters here), dim and pooler are left out at
    80 columns and said so (session 51: they were kept while the name was folded after 9 letters)."""
    out, table = _status_table_at(tmp_path, index_model, run_cli, monkeypatch)
    assert _header(table) == ["name", "precision", "vectors", "missing", "search"], out
    assert "dim and pooler left out at 80 columns: `simsearch status --json` has every field" in out
    search = " ".join(" ".join(line.split("│")[-2] for line in table if line.startswith("│")).split())
    assert search == "hnsw, file 0.0MiB hnsw, file 0.0MiB", out
    # The HNSW settings the table had a column for: said once under it.
    assert "HNSW" in out and "16 / 200 / 128" in " ".join(out.split())
    out, table = _status_table_at(tmp_path / "wide", index_model, run_cli, monkeypatch, columns=100)
    assert _header(table) == ["name", "dim", "pooler", "precision", "vectors", "missing", "search"], out
    assert "left out" not in out


def test_status_table_keeps_a_long_pooler_whole(tmp_path, tiny_model, run_cli, monkeypatch):
    """Models with CLS pooling (a sentence-transformers model with CLS pooling, such as bge) are "cls_before_pooler":
    at 80 columns the trial's names cut it to "cls_before…", the table's own pledge of no cut cell.
    A pooler is whole where it is shown (at 100 columns), else left out and said so (at 80)."""
    out, table = _status_table_at(tmp_path, tiny_model, run_cli, monkeypatch, columns=100)
    assert _header(table)[2] == "pooler", out
    poolers = [cell for cell in (line.split("│")[3].strip() for line in table if line.startswith("│")) if cell]
    assert poolers == ["cls_before_pooler"] * 2, out
    assert [cell for line in table if line.startswith("│") if (cell := line.split("│")[1].strip())] == list(NAMES), out
    out, table = _status_table_at(tmp_path / "narrow", tiny_model, run_cli, monkeypatch)
    assert "pooler" not in _header(table) and "dim and pooler left out at 80 columns" in out, out
    assert [cell for line in table if line.startswith("│") if (cell := line.split("│")[1].strip())] == list(NAMES), out


def test_status_never_splits_a_size_at_80_columns(tmp_path, index_model, run_cli, monkeypatch):
    """The trial's 80-column `status` ended its first line with "3.3" and began the next with
    "MiB". The database's name is lengthened one letter at a time, so that the line breaks at
    every word of its end in turn."""
    _, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    monkeypatch.chdir(tmp_path)  # a short relative name: the first line is about 80 columns long
    for length in range(4, 30):
        name = f"{'d' * length}.db"
        shutil.copyfile(db, name)
        code, out, err = run_cli("status", "--db", name)
        assert code == 0, err
        first = out.split("Models in the index")[0]
        assert re.search(r"\b\d+\.\d ?MiB\b", first) and not re.search(r"^\s*MiB", first, re.MULTILINE), first


def test_eval_retrieval_table_shows_the_model_in_a_60_column_terminal(monkeypatch):
    """With every other column kept whole (never wrapped), the model's column was the only one
    rich could narrow, and in 60 columns it was given no width: the rows named no model. Now each
    name is whole on one line: minilm's rows fit a 60-column table with "recall" / "@10" (and
    the other figures' headers) over two lines; the 24- and 27-character names, a list."""
    from pathlib import Path

    from rich.console import Console

    from simsearch import cli
    from simsearch.retrieval import Evaluation, metric_names

    def evaluation(model, mode, precision):
        return Evaluation(model, mode, 10, {name: 0.5 for name in metric_names(10)}, 30, 100, 0, 0, [], precision)

    for results in ([evaluation("minilm", "dense", "fp32"), evaluation("minilm", "hybrid", "fp32")],
                    [evaluation(NAMES[0], "dense", "int8"), evaluation(NAMES[1], "dense", "fp32")]):
        for width in (60, 80):
            console = Console(width=width, force_terminal=False, record=True)
            console.print(cli._retrieval_table(results, 30, Path("q.jsonl"), Path("index.db"), 10, width=width),
                          crop=False)
            out = console.export_text()
            assert all(len(line) <= width for line in out.splitlines()), out
            assert _names_shown(out) == [result.model for result in results], out
            assert "…" not in out, out
            assert ("┏" in out) == (results[0].model == "minilm"), out
            if width == 60 and "┏" in out:  # the headers over two lines, broken before the "@"
                assert re.search(r"┃ recall ┃", out) and re.search(r"┃ +@10 ┃", out), out


@pytest.mark.parametrize("columns", [40, 50, 60, 80, 100])
def test_status_shows_each_model_name_whole_in_a_narrow_terminal(tmp_path, index_model, run_cli, monkeypatch, columns):
    """Was: at COLUMNS=40 rich narrowed all seven columns alike and gave the name none (an empty
    first column, headers cut to "precisi", "vecto"); at 60 the names were folded 3 letters a line;
    then (to session 51) the name kept 9 characters a line, "trio-index-unsup-sim" / "cse" at 80.
    Now each name is whole on one line: dim, pooler, vectors and precision are left out, in that
    order, and said so; where even that does not fit (40 columns, for these 24- and 27-character
    names), each model's name is a line of its own, its fields as "header: value" under it."""
    _, db = _index(tmp_path, index_model, run_cli, monkeypatch)
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    lines = out.splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    if columns == 40:  # the list form
        assert not table and "left out" not in out, out
        for name in NAMES:
            after = lines[lines.index(name) + 1:]
            fields = after[:next(n for n, line in enumerate(after) if not line.startswith("  "))]
            assert all(len(line) <= columns for line in fields), out
            listed = " ".join(fields)
            for field in ("dim: 32", "pooler: avg", "precision:", "vectors: 4", "missing: 0", "search: exact"):
                assert field in listed, out
        return
    assert table and max(len(line) for line in table) <= columns, out
    assert "…" not in "".join(table), out
    assert [cell for line in table if line.startswith("│") if (cell := line.split("│")[1].strip())] == list(NAMES), out
    header = [cell.strip() for cell in next(line for line in table if line.startswith("┃")).split("┃")[1:-1]]
    assert header[0] == "name" and header[-2:] == ["missing", "search"], out  # headers whole, never cut
    dropped = [column for column in ("dim", "pooler", "precision", "vectors") if column not in header]  # (table order)
    assert header == [c for c in ("name", "dim", "pooler", "precision", "vectors", "missing", "search")
                      if c not in dropped]
    # each left out only where the one before it in the order (dim, pooler, vectors, precision) is
    assert dropped in ([], ["dim"], ["dim", "pooler"], ["dim", "pooler", "vectors"],
                       ["dim", "pooler", "precision", "vectors"]), out
    assert bool(dropped) == (columns < 87), out  # the whole table: 87 columns for these names
    notes = [line for line in out.splitlines() if "left out" in line]
    if dropped:
        listed = f"{', '.join(dropped[:-1])} and {dropped[-1]}" if len(dropped) > 1 else dropped[0]
        assert notes == [f"{listed} left out at {columns} columns: `simsearch status --json` has every field"], out
    else:
        assert notes == [], out
