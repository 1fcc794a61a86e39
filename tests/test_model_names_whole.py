"""Every table that lists models shows each model's name whole on one line, at any terminal width
(40–200) and for names of any length: a user copies the name into ``-m``. Session 51, trial
names51: at 80 columns `status` showed "trio-index-unsup-simcse" as "trio-index-unsup-sim" /
"cse", while keeping a `dim` column whole."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from simsearch import cli

# Model names as folders and hub ids spell them; a few wide characters (two columns each).
# Long ones drawn as often as short ones (a trained model's default name is 20-30 characters),
# and the common terminal widths as often as the others.
LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_.é日本")
NAME = st.one_of(st.text(LETTERS, min_size=1, max_size=12), st.text(LETTERS, min_size=13, max_size=70))
NAMES = st.lists(NAME, min_size=1, max_size=4, unique=True)
WIDTH = st.one_of(st.integers(40, 200), st.sampled_from([40, 60, 80, 100]))


def _render(table, width: int) -> list[str]:
    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    console.print(table, soft_wrap=False, crop=False)
    return console.export_text().splitlines()


def _check(lines: list[str], names: list[str], width: int, left_out: list[str], order: tuple[str, ...]) -> None:
    """The oracle: each name is the whole of a line's first cell (a table) or of a line (the list
    form); no line is wider than the terminal but such a name's own; columns are left out only in
    their order."""
    table = any(line.startswith("┏") for line in lines)
    for name in names:
        if table:
            whole = [line for line in lines if line.startswith("│") and line.split("│")[1].strip() == name]
        else:
            whole = [line for line in lines if line == name]
        assert len(whole) == 1, (name, "\n".join(lines))
    assert all(cell_len(line) <= width or line in names for line in lines), "\n".join(lines)
    assert set(left_out) == set(order[:len(left_out)]), left_out  # (named in the table's order)
    assert table or not left_out  # the list form shows every field


def _status_row(name: str, n: int) -> dict:
    changed = n % 3 == 2  # refused by search, with an HNSW file still beside the index
    return {"name": name, "dim": 384 if n % 2 else 32, "pooler": ("avg", "cls_before_pooler", "cls")[n % 3],
            "precision": ("bf16", "fp32", "int8")[n % 3], "vectors": 10 ** (n + 1), "missing": n * 7,
            "search": "hnsw" if n % 2 else "exact", "folder": "changed" if changed else "current",
            "ann_file_bytes": 12_900_000 if n % 2 or changed else 0, "ann_current": n != 3}


@settings(max_examples=300, deadline=None)
@given(names=NAMES, width=WIDTH)
def test_status_table_shows_each_name_whole(names, width):
    table, left_out = cli._status_table([_status_row(name, n) for n, name in enumerate(names)], width)
    _check(_render(table, width), names, width, left_out, cli.STATUS_LEFT_OUT_WHEN_NARROW)


def _ref(name: str, n: int) -> SimpleNamespace:
    metadata = [{}, {"base_model": "minilm", "best_dev_stsb": 82.5},
                {"base_model": "sentence-transformers/all-MiniLM-L6-v2"}][n % 3]
    return SimpleNamespace(name=name, source=("embedded", "trained", "folder")[n % 3], pooler="avg",
                           max_length=256 if n % 2 else None, metadata=metadata,
                           path=f"/home/you/.local/share/simsearch/models/{name}")


@settings(max_examples=300, deadline=None)
@given(names=NAMES, width=WIDTH)
def test_models_table_shows_each_name_whole(names, width):
    table, left_out = cli._models_table([_ref(name, n) for n, name in enumerate(names)], width)
    _check(_render(table, width), names, width, left_out, cli.MODELS_LEFT_OUT_WHEN_NARROW)


def test_the_trials_status_at_80_columns():
    """The trial's case: minilm and trio's default `train --from-index` name at 80 columns: the
    name whole, dim left out (and said so) rather than the name folded."""
    names = ["minilm", "trio-index-unsup-simcse"]
    rows = [_status_row(name, 0) for name in names]
    table, left_out = cli._status_table(rows, 80)
    lines = _render(table, 80)
    _check(lines, names, 80, left_out, cli.STATUS_LEFT_OUT_WHEN_NARROW)
    assert left_out == ["dim"], "\n".join(lines)


def _sts_row(name: str, n: int) -> dict:
    from simsearch.sts import TASKS

    return {"model": name, "pooler": ("avg", "cls_before_pooler")[n % 2],
            **{task: 100 * ((n + 1) / 7 % 1) - 5 * n for task in [*TASKS, "avg"]}}


@settings(max_examples=200, deadline=None)
@given(names=NAMES, width=WIDTH, split=st.sampled_from(["dev", "test"]), pooler=st.booleans())
def test_eval_sts_table_shows_each_name_whole(names, width, split, pooler):
    rows = [_sts_row(name, n) for n, name in enumerate(names)]
    _check(_render(cli._sts_table(rows, "all", split, pooler, width), width), names, width, [], ())


@settings(max_examples=200, deadline=None)
@given(names=NAMES, width=WIDTH, pooler=st.booleans())
def test_eval_geometry_table_shows_each_name_whole(names, width, pooler):
    rows = [{"model": name, "pooler": "avg", "alignment": 0.25 * n, "uniformity": -3.8158 - n,
             "positive_pairs": 1491 * 10 ** n, "sentences": 15437} for n, name in enumerate(names)]
    _check(_render(cli._geometry_table(rows, pooler, width), width), names, width, [], ())


@settings(max_examples=200, deadline=None)
@given(names=NAMES, width=WIDTH, k=st.sampled_from([10, 100]), precisions=st.booleans())
def test_eval_retrieval_table_shows_each_name_whole(names, width, k, precisions):
    """One row per model and mode: each name is whole on each of its rows (the oracle counts rows
    by model, so a name is checked on every one)."""
    from pathlib import Path

    from simsearch.retrieval import Evaluation, metric_names

    results = [Evaluation(name, mode, k, {metric: 0.5 for metric in metric_names(k)}, 30, 100, 0, 0, [],
                          ("fp32", "int8")[n % 2] if precisions else "fp32")
               for n, name in enumerate(names) for mode in ("dense", "hybrid")]
    lines = _render(cli._retrieval_table(results, 30, Path("q.jsonl"), Path("i.db"), k, width=width), width)
    table = any(line.startswith("┏") for line in lines)
    for name in names:
        shown = [line for line in lines if (line.startswith("│") and line.split("│")[1].strip() == name)
                 or (not table and line == name)]
        assert len(shown) == 2, (name, "\n".join(lines))
    assert all(cell_len(line) <= width or line in names for line in lines), "\n".join(lines)
    assert "…" not in "\n".join(lines)
