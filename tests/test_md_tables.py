"""HTML in Markdown, in table cells above all (mkdocs-material's way of putting a list or two lines
in a cell): a block's tags and a line break separate the words on either side. A user trial on
Hatch's docs (session 37) found them removed with nothing in their place, gluing words that lexical
search then never found: "aalpha" (``a<br>alpha``), "linuxwin32darwin", "CPythonJython"."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, read


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


TABLE = "| Key | Value |\n| --- | --- |\n"


@pytest.mark.parametrize("row, expected", [
    # Hatch's version.md, config/dependency.md, how-to/static-analysis/behavior.md and index.md
    ("| `a`<br>`alpha` | `1.0.0a0` |", "a alpha; 1.0.0a0"),
    ("| `micro`<br>`patch`<br>`fix` | `1.0.1` |", "micro patch fix; 1.0.1"),
    ("| `sys_platform` | <ul><li>linux</li><li>win32</li><li>darwin</li></ul> |", "sys_platform; linux win32 darwin"),
    ("| `#!python import sys`<br>`sys.platform` | <ul><li>CPython</li><li>Jython</li></ul> |",
     "import sys sys.platform; CPython Jython"),
    ("| `hatch fmt src tests` | <ul><li><code>flake8 src tests</code></li><li><code>isort src tests</code></li></ul> |",
     "hatch fmt src tests; flake8 src tests isort src tests"),
    ("| <ul><li><kbd>,</kbd> (comma)</li><li><kbd>p</kbd></li></ul> | Previous page |", ", (comma) p; Previous page"),
    ("| <p>One</p><p>two</p> | <br/>three<BR /> |", "One two; three"),
    # an inline element joins what it holds to the words beside it, as it always did
    ("| H<sub>2</sub>O | x<sup>2</sup> |", "H2O; x2"),
])
def test_a_block_tag_or_a_line_break_in_a_cell_separates_words(row, expected):
    assert md(TABLE + row + "\n") == [(1, "Key; Value"), (3, expected)]


def test_a_line_break_between_two_sentences_ends_the_first():
    # Hatch's plugins/builder/wheel.md had "... for newer SDK versions.Note: This option ..."
    assert md("Some text.<br>More text after a break.\n") == [(1, "Some text."), (1, "More text after a break.")]


SEPARATORS = ["<br>", "<br/>", "<br />", "</li><li>", "</p><p>", "<p>", "</div><div>", " <br> "]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(WORDS), st.lists(st.sampled_from(WORDS), min_size=2, max_size=5),
       st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4), st.sampled_from(["", "<ul><li>|</li></ul>", "<p>|</p>"]))
def test_words_a_tag_separates_in_a_cell_stay_separate_words(key, words, separators, around):
    cell = words[0] + "".join(separator + word for separator, word in zip(separators, words[1:]))
    cell = around.replace("|", cell) if around else cell
    assert md(f"{TABLE}| {key} | {cell} |\n") == [(1, "Key; Value"), (3, f"{key}; {' '.join(words)}")]
    assert md(f"{TABLE}| {cell} | {key} |\n") == [(1, "Key; Value"), (3, f"{' '.join(words)}; {key}")]
    assert re.findall(r"\w+", md(f"Before {cell} after.\n")[0][1]) == ["Before", *words, "after"]
