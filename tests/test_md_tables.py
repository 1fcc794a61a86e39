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


# A row as one sentence keeps its cells' columns: a reader of "Command Prompt; cmd; :white_check_mark:"
# (Hatch's config/hatch.md, of a table "Shell | Name | Arguments | macOS | Windows | Unix") cannot
# tell which platform the mark is for. A cell after an empty one, whose place no longer tells its
# column, and a check or cross mark, which says nothing without its column, are named by the
# column's header ("Windows: yes"); a whole-cell mark reads as "yes" or "no".
SHELLS = ("| Shell | Name | Arguments | macOS | Windows | Unix |\n| --- | --- | --- | --- | --- | --- |\n"
          "| [Command Prompt](https://x.org/Cmd.exe) | `cmd` | | | :white_check_mark: | |\n"
          "| Almquist shell | `ash` | `[\"-i\"]` | :white_check_mark: | | :white_check_mark: |\n")


def test_hatch_s_supported_shells():
    assert md(SHELLS) == [(1, "Shell; Name; Arguments; macOS; Windows; Unix"), (3, "Command Prompt; cmd; Windows: yes"),
                          (4, 'Almquist shell; ash; ["-i"]; macOS: yes; Unix: yes')]


@pytest.mark.parametrize("source, expected", [
    # Hatch's tutorials/testing/overview.md: a matrix of marks
    ("| Environment | Linux | Windows | macOS |\n| --- | --- | --- | --- |\n| `py3.12-foo` | :white_check_mark: | ✅ | :x: |\n",
     "py3.12-foo; Linux: yes; Windows: yes; macOS: no"),
    # Hatch's plugins/builder/wheel.md: an option without a default
    ("| Option | Default | Description |\n| --- | --- | --- |\n| `shared-data` | | A mapping of files. |\n",
     "shared-data; Description: A mapping of files."),
    # a header that ends with its own punctuation takes no colon; an empty header labels nothing
    ("| Name | | Required? |\n| --- | --- | --- |\n| `path` | | ❌ |\n", "path; Required? no"),
    ("| Name | | |\n| --- | --- | --- |\n| `path` | | :heavy_check_mark: |\n", "path; yes"),
    # nothing before them missing, no mark: as it was (a trailing empty cell shifts nothing)
    ("| Option | Default | Description |\n| --- | --- | --- |\n| `tag` | `x` | |\n", "tag; x"),
    ("| Option | Description |\n| --- | --- |\n| `tag` | The tag. |\n", "tag; The tag."),
    # a mark with words beside it is no yes or no
    ("| Scheme | Note |\n| --- | --- |\n| `git+http` | :warning: insecure |\n", "git+http; :warning: insecure"),
])
def test_a_cell_whose_place_does_not_tell_its_column_is_named_by_it(source, expected):
    assert md(source)[1] == (3, expected)


MARKS = {":white_check_mark:": "yes", ":x:": "no"}
HEADERS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS + [""] * 8 + list(MARKS)), min_size=2, max_size=6).filter(
    lambda cells: cells[0] and any(cells[1:])))
def test_each_cell_s_column_can_be_read_from_its_row_s_sentence(cells):
    headers = HEADERS[:len(cells)]
    source = f"| {' | '.join(headers)} |\n|{'---|' * len(cells)}\n| {' | '.join(cells)} |\n"
    (_, header), (_, row) = md(source)
    assert header == "; ".join(headers)
    read_back, column = {}, 0
    for part in row.split("; "):  # "Header: value" names its column; a bare value is the one after the last
        label, _, value = part.partition(": ")
        column = headers.index(label) if value else column
        read_back[column] = value or part
        column += 1
    assert read_back == {k: MARKS.get(cell, cell) for k, cell in enumerate(cells) if cell}, (source, row)


def test_the_same_table_in_html_names_the_same_columns():
    # (as mkdocs builds SHELLS, its marks as the emoji; tests/test_extract_html2.py holds the general property)
    page = ("<table><thead><tr><th>Shell</th><th>Name</th><th>Arguments</th><th>macOS</th><th>Windows</th><th>Unix</th>"
            "</tr></thead>\n<tbody><tr><td><a href='https://x.org/Cmd.exe'>Command Prompt</a></td><td><code>cmd</code></td>"
            "<td></td><td></td><td>✅</td><td></td></tr>\n<tr><td>Almquist shell</td><td><code>ash</code></td>"
            "<td><code>[\"-i\"]</code></td><td>✅</td><td></td><td>✅</td></tr></tbody></table>\n")
    assert [text for _, text in read("page.html", page)] == [text for _, text in md(SHELLS)]
    # a first row of <td> cells is no header: nothing is named by it
    assert [text for _, text in read("page.html", "<table><tr><td>a</td><td>b</td></tr><tr><td></td><td>c</td></tr></table>")] == [
        "a; b", "c"]
