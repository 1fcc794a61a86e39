"""An option of one value given twice with two values is refused in one line (exit 2), before
anything runs. Was: click took the last silently, so `simsearch search QUERY -m minilm -m full`
showed full's results alone, under a title that named it, and a user comparing the two read one
model's answers as both (session 50)."""

from __future__ import annotations

import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.cli import app, repeated_option


def _commands(command=None, words=()):
    """Every leaf command: (its words, its click command)."""
    command = command or typer.main.get_command(app)
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "commands", None):
            yield from _commands(sub, (*words, name))
        else:
            yield (*words, name), sub


def _options(single: bool):
    """(command words, option spelling) for every option that takes a value: of one value
    (``single``), or of several (``multiple``)."""
    return [(words, opt) for words, command in _commands() for param in command.params
            if param.param_type_name == "option" and not param.is_flag and not param.count
            and param.multiple != single for opt in param.opts]


SINGLE, MULTIPLE = _options(single=True), _options(single=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SINGLE), st.text("abc123", min_size=1, max_size=4), st.text("xyz789", min_size=1, max_size=4),
       st.sampled_from(["apart", "equals", "after-other"]))
def test_every_option_of_one_value_given_twice_is_named(case, first, second, spelling):
    words, opt = case
    joined = f"{opt}={first}" if opt.startswith("--") else f"{opt}{first}"  # ("--db=x", "-kx": as click reads them)
    args = [opt, first, opt, second] if spelling == "apart" else [joined, opt, second]
    if spelling == "after-other":
        args = [opt, first, "--json", opt, second]
    message = repeated_option([*words, *args])
    assert message is not None and message.startswith(f"{opt} given twice ({first!r}, {second!r}): it takes one value")


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(MULTIPLE))
def test_an_option_of_several_values_may_be_given_again(case):
    words, opt = case
    assert repeated_option([*words, opt, "a", opt, "b"]) is None


def test_the_same_value_twice_after_dashes_or_under_help_is_no_error():
    assert repeated_option(["search", "q", "-k", "3", "-k", "3"]) is None  # (one value all the same)
    assert repeated_option(["search", "--", "-k 3", "-k"]) is None  # the query's words
    assert repeated_option(["search", "q", "-k", "3", "-k", "4", "--help"]) is None  # help, as asked


def test_search_with_two_models_says_how_to_compare_them_and_runs_nothing(tmp_path, run_cli):
    db = tmp_path / "none.db"
    code, out, err = run_cli("search", "rivers", "--db", db, "-m", "minilm", "-m", "full")
    assert code == 2 and out == ""
    assert err.strip().startswith("error: -m given twice ('minilm', 'full'): it takes one value; to compare models")
    assert len(err.strip().splitlines()) == 1 and "simsearch tui --left A --right B" in " ".join(err.split())
    code, _, err = run_cli("index", tmp_path, "--db", db, "--db", tmp_path / "other.db")
    assert code == 2 and "--db given twice" in err
    assert list(tmp_path.iterdir()) == []  # nothing made
