"""benchmarks/try_task_queries.py: the task a sentence names, and the row it gives (session 41)."""

from __future__ import annotations

import pytest

from simsearch.pairs import Document

from .benchmark_scripts import load_benchmark

script = load_benchmark("try_task_queries")


@pytest.mark.parametrize("sentence, expected", [
    ("To show the default values, pass show_default=True.", ("show the default values", "Pass show_default=True.")),
    ("If you want to run the tests in parallel, install pytest-xdist.",
     ("run the tests in parallel", "Install pytest-xdist.")),
    ("Use show_default=True to show the default values.", ("show the default values", "Use show_default=True")),
    ("To help you with this, we wrote a guide.", None),  # the task is elsewhere ("this")
    ("To be fair, it works.", None),  # too short to be a task
    ("The function returns a list.", None),
])
def test_a_sentence_that_names_a_task_gives_the_task_and_how(sentence, expected):
    assert script.task_of(sentence) == expected


def test_the_passage_is_the_window_with_the_task_taken_out():
    document = Document("a.rst", ("Options have defaults of their own.",
                                  "To show the default values, pass show_default=True.",
                                  "The help text then lists each default."))
    [row] = script.task_pairs([document], window=2)
    assert row.anchor == "show the default values"
    assert row.positive == ("Options have defaults of their own. Pass show_default=True. "
                            "The help text then lists each default.")
    assert "show the default values" not in row.positive
