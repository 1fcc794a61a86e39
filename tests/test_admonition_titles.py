"""An rst admonition's title (``.. admonition:: Note``, Jinja's way of writing a note) is no sentence
of its own: a bare "Note" says nothing and ranks as noise. It labels the text its body begins with,
as a field's label does ("Note: The special constants ... are lowercase."), on the title's line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, paragraph, read, wrap


def rst(source: str) -> list[tuple[int, str]]:
    return read("doc.rst", source)


def test_jinja_s_note():
    source = (".. admonition:: Note\n\n    The special constants ``true``, ``false``, and ``none`` are indeed\n"
              "    lowercase.  Because that caused confusion in the past, all three can\n    now also be written in title case.\n")
    assert rst(source) == [
        (1, "Note: The special constants true, false, and none are indeed lowercase."),
        (4, "Because that caused confusion in the past, all three can now also be written in title case.")]


@pytest.mark.parametrize("source, expected", [
    (".. admonition:: Where to get help:\n\n   Ask on the forum.\n", [(1, "Where to get help: Ask on the forum.")]),
    (".. admonition:: Working on Windows?\n\n   Use the launcher.\n", [(1, "Working on Windows?"), (3, "Use the launcher.")]),
    (".. admonition:: ``setup()`` may only be called once.\n\n   Call it early.\n",
     [(1, "setup() may only be called once."), (3, "Call it early.")]),
    (".. admonition:: Steps\n   :class: tip\n\n   - Install it.\n   - Run it.\n",
     [(1, "Steps: Install it."), (5, "Run it.")]),
    (".. admonition:: Philosophy\n\n   In Django, models are Python.\n\n   More text.\n",
     [(1, "Philosophy: In Django, models are Python."), (5, "More text.")]),
    # a body that begins with code: the title stays, as a heading over the code would
    (".. admonition:: Example\n\n   ::\n\n      x = 1\n\n   It sets x.\n", [(1, "Example"), (7, "It sets x.")]),
    # the title alone, its body elsewhere: as it was
    (".. admonition:: Note\n\nNot in it.\n", [(1, "Note"), (3, "Not in it.")]),
])
def test_the_title_labels_the_text_its_body_begins_with(source, expected):
    assert rst(source) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), st.lists(paragraph, min_size=1, max_size=2),
       st.sampled_from(["", ":class: tip\n"]), st.integers(1, 2))
def test_no_sentence_is_an_admonition_s_title_alone(title_words, body, option, blanks):
    title = " ".join(title_words).capitalize()
    lines = [f".. admonition:: {title}"] + (["   " + option.strip()] if option else []) + [""] * blanks
    for sentences in body:
        lines += wrap(" ".join(sentences), 60, "   ") + [""]
    sentences = rst("\n".join(lines) + "\n")
    assert sentences[0] == (1, f"{title}: {body[0][0]}"), sentences
    assert [text for _, text in sentences[1:]] == [s for para in body for s in para][1:]
    source_lines = lines
    for line, text in sentences[1:]:
        assert re.sub(r"[.!?]", "", text.split()[0]) in source_lines[line - 1], (lines, sentences)
