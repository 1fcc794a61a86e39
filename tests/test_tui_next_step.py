"""The one-model hint of the TUI: the next useful step, in commands that paste whole (session 50, trial ux)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import OptionList

from simsearch.models import trained_from_index
from simsearch.tui import CompareApp
from simsearch.widgets import CommandHint

from .test_text_path import write_notes
from .test_tui import run_app, settle
from .test_tui_hunt import shown_in

SIZES = [(80, 24), (100, 30), (160, 45)]


def shell_reads(lines: list[str]) -> list[list[str]]:
    """The commands among ``lines`` (pasted into a shell) as the shell reads them: a backslash
    before a line break is removed with it, except inside single quotes; each command's words."""
    text, joined, quote, at = "\n".join(lines), [], "", 0
    while at < len(text):
        char = text[at]
        if quote != "'" and char == "\\":
            if text[at + 1:at + 2] != "\n":
                joined.append(text[at:at + 2])
            at += 2
            continue
        quote = "" if quote == char else char if not quote and char in "'\"" else quote
        joined.append(char)
        at += 1
    return [shlex.split(line) for line in "".join(joined).splitlines() if line.strip().startswith("simsearch ")]


def hint_rows(app) -> list[str]:
    """The hint's rows on the screen, inside its border and padding; checked to be shown whole."""
    rows = shown_in(app, app.query_one("#hint"))
    assert rows[0].startswith("╭") and rows[-1].startswith("╰"), "\n".join(rows)  # whole, its border too
    return [row[2:-2].rstrip() for row in rows[1:-1]]


@pytest.fixture
def trained_index(tmp_path, index_model, run_cli, monkeypatch):
    """An index of notes with one model, and a model `train --from-index` made from it (not indexed)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    shutil.copytree(index_model, tmp_path / "models" / "minilm-l6")  # a model named as short as the embedded one
    notes, db = write_notes(tmp_path / "notes"), Path("my notes.db")  # (a name the shell must quote, as typed)
    code, _, err = run_cli("index", notes, "-m", "minilm-l6", "--db", db, "--device", "cpu")
    assert code == 0, err
    code, _, err = run_cli("train", "--from-index", "--db", db, "-m", "minilm-l6", "--max-steps", "1",
                           "--batch-size", "8", "--device", "cpu")
    assert code == 0, err
    assert [ref.name for ref in trained_from_index(db)] == ["my notes-index-unsup-simcse"]
    return db, "my notes-index-unsup-simcse"


@pytest.mark.parametrize("size", SIZES)
def test_a_model_trained_on_the_index_is_named_by_the_hint(trained_index, run_cli, size):
    """Was: the hint said "simsearch train --from-index" when the model that makes was in the
    models folder already, and at 100 columns split its `index --model` command over two lines
    (pasted, "simsearch index --model" ran alone)."""
    db, trained = trained_index
    command = shlex.join(["simsearch", "index", "--model", trained, "--db", str(db)])

    async def scenario(app, pilot):
        hint = app.query_one("#hint")
        assert hint.display and not app.query_one("#right-pane").display
        assert command in str(hint.content) and "train --from-index" not in str(hint.content)
        commands = shell_reads(hint_rows(app))  # each command whole once its rows are pasted
        assert shlex.split(command) in commands and len(commands) == 2, commands
        assert commands[-1] == ["simsearch", "index", "--model", "NAME", "--db", "my notes.db"], commands
        # and what it says works: indexed from another shell, F3 offers it
        code, _, err = run_cli("index", "--db", db, "-m", trained, "--device", "cpu")
        assert code == 0, err
        await pilot.press("f3")
        await settle(app, pilot)
        offered = app.screen.query_one(OptionList)
        assert [str(offered.get_option_at_index(i).prompt).strip() for i in range(offered.option_count)][-1] == trained

    run_app(CompareApp(db, show_timings=False), scenario, size=size)


def test_a_model_forgotten_from_the_index_is_named_again(trained_index, run_cli):
    db, trained = trained_index
    for args in (["index", "--db", db, "-m", trained], ["forget", "--db", db, "-m", trained]):
        code, _, err = run_cli(*args)
        assert code == 0, err

    async def scenario(app, pilot):
        hint = str(app.query_one("#hint").content)
        assert shlex.join(["simsearch", "index", "--model", trained, "--db", str(db)]) in hint, hint

    run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))


def test_models_trained_on_other_data_are_not_named(trained_index, tmp_path):
    """A model trained from another index, or one trained from this index that is the one the
    index holds, leaves the hint saying how to train one."""
    db, trained = trained_index
    other = tmp_path / "models" / trained
    meta = json.loads((other / "simsearch.json").read_text())
    meta["data_source"]["path"] = meta["data_file"] = str(tmp_path / "other.db")
    (other / "simsearch.json").write_text(json.dumps(meta))
    assert trained_from_index(db) == []

    async def scenario(app, pilot):
        hint = str(app.query_one("#hint").content)
        # (that model holds the default --out, which `train` refuses: a free one, session 50 left2)
        free = tmp_path / "models" / f"{trained}-2"
        assert shlex.join(["simsearch", "train", "--from-index", "--out", str(free), "--db", str(db)]) in hint, hint

    run_app(CompareApp(db, show_timings=False), scenario, size=(80, 24))


WORD = st.text(st.sampled_from("abé-_./ '$\"!`\\"), min_size=1, max_size=60)


@given(st.lists(WORD, min_size=1, max_size=5), st.integers(12, 90))
def test_a_command_goes_on_over_lines_the_shell_joins_again(words, width):
    """At any width, the lines of a command pasted into a shell are the command, and as narrow as
    the width, but for a single-quoted word (which cannot go on over lines) too wide for it."""
    from rich.cells import cell_len

    command = ("simsearch", "index", "--model", *words)
    hint = CommandHint("A line of prose, wrapped as prose.", CommandHint.command(shlex.join(command)))
    lines = hint.lines(width)
    assert lines[0] == "A line of prose, wrapped as prose."
    assert shell_reads(lines[1:]) == [list(command)], lines
    assert all(cell_len(line) <= width or "'" in line for line in lines[1:]), lines
    if width >= 40 and all(len(word) < 20 for word in words):  # room enough: between words only
        assert all(line.endswith(" \\") for line in lines[1:-1]), lines


def test_a_command_too_wide_goes_on_between_an_option_and_its_value_first():
    line = shlex.join(["simsearch", "index", "--model", "notes-index-unsup-simcse", "--db", "my notes/i.db"])
    assert CommandHint(CommandHint.command(line)).lines(40) == [
        "  simsearch index \\", "    --model notes-index-unsup-simcse \\", "    --db 'my notes/i.db'"]
    assert CommandHint(CommandHint.command(line)).lines(80) == ["  " + line]
