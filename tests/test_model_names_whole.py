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
