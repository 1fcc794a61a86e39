"""Every reader's table rows keep their cells' columns (session 38). Session 37 named a cell by its
column's header where its place no longer tells it (an empty cell before it) and a check or cross
mark ("Command Prompt; cmd; Windows: yes"), in Markdown and HTML; reStructuredText's grid, simple
and list tables and AsciiDoc's ``|===`` still read "x; yes", saying nothing of which column the
"yes" is in. They follow the same rule now (``rst._cell_names``), and AsciiDoc's cells are grouped
into rows as Asciidoctor groups them (a cell per line was a sentence per cell)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, read


@pytest.mark.parametrize("source, expected", [
    # a grid table: its header is the rows above the "+===+" border
    (("+------+-------+---------+\n| Name | Linux | Windows |\n+======+=======+=========+\n"
      "| x    |       | yes     |\n+------+-------+---------+\n| y    | ✅    | ❌      |\n+------+-------+---------+\n"),
     [(2, "Name; Linux; Windows"), (4, "x; Windows: yes"), (6, "y; Linux: yes; Windows: no")]),
    # no header border: no names (a cell after an empty one stays as it is)
    (("+------+-------+---------+\n| Name | Linux | Windows |\n+------+-------+---------+\n"
      "| x    |       | yes     |\n+------+-------+---------+\n"),
     [(2, "Name; Linux; Windows"), (4, "x; yes")]),
    # a cell spanning columns is no empty one
    (("+------+-------+---------+\n| Name | Linux | Windows |\n+======+=======+=========+\n"
      "| both of them | yes     |\n+--------------+---------+\n"),
     [(2, "Name; Linux; Windows"), (4, "both of them; yes")]),
    # a simple table: its header is the rows above the second border, the lowest row's names
    ("=====  =====  =======\nName   Linux  Windows\n=====  =====  =======\nx             yes\ny      ✅      ❌\n=====  =====  =======\n",
     [(2, "Name; Linux; Windows"), (4, "x; Windows: yes"), (5, "y; Linux: yes; Windows: no")]),
    (("=====  =====  =======\n       Platforms\n       --------------\nName   Linux  Windows\n=====  =====  =======\n"
      "x             yes\n=====  =====  =======\n"),
     [(2, "Platforms"), (4, "Name; Linux; Windows"), (6, "x; Windows: yes")]),
    ("=====  =====  =======\nx             yes\n=====  =====  =======\n", [(2, "x; yes")]),  # no header
    # a list-table: its :header-rows:; an empty cell ("-" alone) was read as "-" and took no column
    ((".. list-table:: Platforms\n   :header-rows: 1\n\n   * - Name\n     - Linux\n     - Windows\n"
      "   * - x\n     -\n     - yes\n   * - y\n     - ✅\n     - ❌\n"),
     [(1, "Platforms"), (4, "Name; Linux; Windows"), (7, "x; Windows: yes"), (10, "y; Linux: yes; Windows: no")]),
    (".. list-table::\n\n   * - x\n     -\n     - yes\n", [(3, "x; yes")]),
])
def test_an_rst_table_names_the_column_of_a_cell_after_an_empty_one_and_of_a_mark(source, expected):
    assert read("doc.rst", source) == expected


@pytest.mark.parametrize("source, expected", [
    # the first line followed by a blank line is the header (Asciidoctor's implicit header row)
    ("|===\n|Name |Linux |Windows\n\n|x | |yes\n|y |✅ |:x:\n|===\n",
     [(2, "Name; Linux; Windows"), (4, "x; Windows: yes"), (5, "y; Linux: yes; Windows: no")]),
    # a cell per line: the columns are the cols attribute's; the header is the table's own option
    ('[%header,cols="1,1,1"]\n|===\n|Name\n|Linux\n|Windows\n\n|x\n|\n|yes\n|===\n',
     [(3, "Name; Linux; Windows"), (7, "x; Windows: yes")]),
    ('[cols="3*",options="header"]\n|===\n|Name |Linux |Windows\n|x | |yes\n|===\n',
     [(3, "Name; Linux; Windows"), (4, "x; Windows: yes")]),
    # no header: none implied (no blank line after the first), or refused
    ("|===\n|Name |Linux |Windows\n|x | |yes\n|===\n", [(2, "Name; Linux; Windows"), (3, "x; yes")]),
    ("[%noheader]\n|===\n|Name |Linux |Windows\n\n|x | |yes\n|===\n", [(3, "Name; Linux; Windows"), (5, "x; yes")]),
    # spans: a cell spanning rows takes its column in the row under it; one spanning columns, each of them
    ("|===\n|A |B |C\n\n.2+|down |b1 |c1\n|b2 |c2\n2+|wide |c3\n|===\n",
     [(2, "A; B; C"), (4, "down; b1; c1"), (5, "b2; c2"), (6, "wide; c3")]),
    # a cell's text over lines is one cell; an escaped separator is text
    ("|===\n|Col 1 |Col 2\n\n|Cell text that\ngoes on here |x \\| y\n|===\n",
     [(2, "Col 1; Col 2"), (4, "Cell text that goes on here; x | y")]),
])
def test_an_asciidoc_table_s_cells_are_grouped_into_rows_named_by_their_columns(source, expected):
    assert read("doc.adoc", source) == expected


# --- one table in every format, against a rule written out in a few lines ---------------------

MARKS = {"✅": "yes", "❌": "no"}
CELL = st.one_of(st.sampled_from(WORDS), st.just(""), st.sampled_from(sorted(MARKS)))


def oracle(header: list[str], row: list[str]) -> str:
    """Session 37's rule as its CHANGELOG states it: empty cells left out; a cell after an empty one
    and a mark named by their column ("Windows: yes"); a mark read as "yes" or "no"."""
    texts, shifted = [], False
    for name, cell in zip(header, row):
        if not cell:
            shifted = True
            continue
        texts.append(f"{name}: {MARKS.get(cell, cell)}" if shifted or cell in MARKS else cell)
    return "; ".join(texts)


def markdown(header, rows):
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def grid(header, rows):
    widths = [max(len(cell) for cell in column) + 2 for column in zip(header, *rows)]
    border = "+" + "+".join("-" * w for w in widths) + "+"

    def line(cells):
        return "|" + "|".join(f" {cell}".ljust(w) for cell, w in zip(cells, widths)) + "|"
    return "\n".join([border, line(header), border.replace("-", "="), *(part for row in rows for part in (line(row), border))]) + "\n"


def simple(header, rows):
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    border = "  ".join("=" * w for w in widths)

    def line(cells):
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()
    return "\n".join([border, line(header), border, *map(line, rows), border]) + "\n"


def list_table(header, rows):
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines += [f"   * - {row[0]}".rstrip()] + [f"     - {cell}".rstrip() for cell in row[1:]]
    return "\n".join(lines) + "\n"


def asciidoc(header, rows):
    return "\n".join(["|===", " ".join(f"|{cell}" for cell in header), "", *(" ".join(f"|{cell}" for cell in row) for row in rows),
                      "|==="]) + "\n"


def asciidoc_cell_per_line(header, rows):
    return "\n".join([f'[%header,cols="{len(header)}*"]', "|===", *(f"|{cell}" for row in [header, *rows] for cell in row),
                      "|==="]) + "\n"


# A table's writers: the file's name, and the table written in its markup.
FORMATS = {"markdown": ("doc.md", markdown), "grid": ("doc.rst", grid), "simple": ("doc.rst", simple),
           "list-table": ("doc.rst", list_table), "asciidoc": ("doc.adoc", asciidoc),
           "asciidoc, a cell per line": ("doc.adoc", asciidoc_cell_per_line)}


@st.composite
def tables(draw):
    columns = draw(st.integers(2, 5))
    header = draw(st.lists(st.sampled_from(WORDS), min_size=columns, max_size=columns, unique=True))
    header = [name.capitalize() for name in header]
    # (a first cell that is a word: a simple table's row whose first cell is empty goes on the row above)
    rows = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.lists(CELL, min_size=columns - 1, max_size=columns - 1))
                         .map(lambda row: [row[0], *row[1]]), min_size=1, max_size=4))
    return header, rows


@settings(max_examples=100, deadline=None)
@given(tables(), st.sampled_from(sorted(FORMATS)))
def test_every_reader_names_a_row_s_cells_by_one_rule(table, form):
    header, rows = table
    name, write = FORMATS[form]
    sentences = [text for _, text in read(name, write(header, rows))]
    assert sentences == ["; ".join(header), *(oracle(header, row) for row in rows)], write(header, rows)


# --- a ";" in a cell (session 38) ---------------------------------------------------------------
# A row's cells are joined with "; ", so Hatch's "| `HATCH_BUILD_NO_HOOKS` | `false` | Whether or not
# to disable all build hooks; this takes precedence over other options |" read as four cells. A cell
# holding a ";" is in quotes now (a closing quote in it doubled, one that begins with an opening
# quote quoted too, as CSV quotes a field), so every row reads back as the cells it has.

@pytest.mark.parametrize("name, source, expected", [
    ("doc.md", ("| Variable | Default | Description |\n| --- | --- | --- |\n"
                "| `HATCH_BUILD_NO_HOOKS` | `false` | Whether to disable all build hooks; this takes precedence |\n"),
     "HATCH_BUILD_NO_HOOKS; false; “Whether to disable all build hooks; this takes precedence”"),
    ("doc.md", "| Variable | Value |\n| --- | --- |\n| `;` | `;` on Windows, `:` otherwise |\n",
     "“;”; “; on Windows, : otherwise”"),
    ("doc.html", ("<table><tr><th>Variable</th><th>Value</th></tr>\n<tr><td><code>;</code></td><td><code>;</code> on Windows,"
                  " <code>:</code> otherwise</td></tr></table>"), "“;”; “; on Windows, : otherwise”"),
    ("doc.rst", ("+-------+--------------+\n| Var   | Value        |\n+=======+==============+\n| ``;`` | ``;`` on     |\n"
                 "|       | Windows      |\n+-------+--------------+\n"), "“;”; “; on Windows”"),
    ("doc.rst", "===  ===========\nVar  Value\n===  ===========\nsep  a; b\n===  ===========\n", "sep; “a; b”"),
    ("doc.adoc", "|===\n|Var |Value\n\n|sep |a; b\n|===\n", "sep; “a; b”"),
    # a cell after an empty one: its label is part of its text
    ("doc.md", "| A | B | C |\n| --- | --- | --- |\n| x | | a; b |\n", "x; “C: a; b”"),
    # quotes of the cell's own stay its own
    ("doc.md", "| A | B |\n| --- | --- |\n| “quoted” first | say “hi”; go |\n", "““quoted”” first”; “say “hi””; go”"),
    ("doc.md", '| A | B |\n| --- | --- |\n| `"2.3"` | say “hi” |\n', '"2.3"; say “hi”'),  # (no ";", no opening quote first)
])
def test_a_cell_holding_a_semicolon_is_in_quotes(name, source, expected):
    assert [text for _, text in read(name, source)][-1] == expected


# A ";" of a Markdown cell's markup, not of its text: an entity (``&amp;``, ``&#124;``, GFM's way of
# writing a "|" in a cell, ``&nbsp;``), a link's address. The cell shows no ";": no quotes (it was
# “Tom & Jerry”, “Pipe | or pipe.”).
@pytest.mark.parametrize("cell, shown", [
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("Pipe &#124; or pipe.", "Pipe | or pipe."),
    ("Use&nbsp;this value.", "Use this value."),  # (a no-break space is a space in a sentence)
    ("See [the page](https://example.org/a;b) for more.", "See the page for more."),
    ("a &#59; b", "“a ; b”"),  # (an entity that is a ";": one the cell shows)
])
def test_a_semicolon_of_a_markdown_cell_s_markup_puts_it_in_no_quotes(cell, shown):
    sentences = read("doc.md", f"| Name | Value |\n| --- | --- |\n| x | {cell} |\n")
    assert [text for _, text in sentences][-1] == f"x; {shown}"


# The same in reStructuredText and AsciiDoc: a link's address (`` `the page <http://x/a;b>`_ ``,
# ``link:http://x/a;b[the page]``) put the cell in quotes (“See the page now.”). A ";" the cell shows
# still does, one of a substitution or an attribute too (it did not).
@pytest.mark.parametrize("name, cell, shown", [
    ("doc.rst", "See `the page <http://x/a;b>`_ now.", "See the page now."),
    ("doc.rst", "See http://x/a;b now.", "“See http://x/a;b now.”"),  # (a bare address is the cell's text)
    ("doc.rst", "a |semi| b", "“a ; b”"),  # (a substitution that is a ";": one the cell shows)
    ("doc.adoc", "See link:http://x/a;b[the page] now.", "See the page now."),
    ("doc.adoc", "See http://x/a;b[the page] now.", "See the page now."),
    ("doc.adoc", "a {two-semicolons} b", "“a ;; b”"),
])
def test_a_semicolon_of_an_rst_or_asciidoc_cell_s_markup_puts_it_in_no_quotes(name, cell, shown):
    if name == "doc.rst":
        source = f".. |semi| replace:: ;\n\n====  {'=' * 40}\nName  Value\n====  {'=' * 40}\nx     {cell}\n====  {'=' * 40}\n"
    else:
        source = f"|===\n|Name |Value\n\n|x |{cell}\n|===\n"
    assert [text for _, text in read(name, source)][1] == f"x; {shown}"


def cells_of(row: str) -> list[str]:
    """A row's sentence read back into its cells: "; " ends a cell, but inside “quotes” (where ””
    is one ”)."""
    cells, at = [], 0
    while at <= len(row):
        if row.startswith("“", at):
            text, at = "", at + 1
            while True:
                close = row.index("”", at)
                if row.startswith("””", close):
                    text, at = text + row[at:close] + "”", close + 2
                    continue
                cells.append(text + row[at:close])
                at = close + 1
                break
            assert at == len(row) or row.startswith("; ", at), row
        else:
            end = row.find("; ", at)
            end = len(row) if end < 0 else end
            cells.append(row[at:end])
            at = end
        at += 2
    return cells


def html(header, rows):
    def line(tag, cells):
        return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"
    return "<table>\n" + "\n".join([line("th", header), *(line("td", row) for row in rows)]) + "\n</table>\n"


# A cell's text: a word (a row of punctuation alone is no sentence), quotes and semicolons around it.
PIECE = st.one_of(st.sampled_from(WORDS), st.sampled_from(["“", "”", "“quoted”"]))
SEMICOLON_CELL = st.tuples(st.sampled_from(["", "“", "“quoted” ", "”"]), st.sampled_from(WORDS),
                           st.lists(st.tuples(st.sampled_from([" ", "; ", ";", " ; ", "”; "]), PIECE), max_size=3)).map(
    lambda parts: parts[0] + parts[1] + "".join(gap + piece for gap, piece in parts[2]))


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from(WORDS), min_size=n, max_size=n, unique=True),
    st.lists(st.lists(SEMICOLON_CELL, min_size=n, max_size=n), min_size=1, max_size=3))),
    st.sampled_from([*sorted(FORMATS), "html"]))
def test_every_row_reads_back_as_the_cells_it_has(table, form):
    header, rows = table
    header = [word.capitalize() for word in header]
    name, write = ("doc.html", html) if form == "html" else FORMATS[form]
    source = write(header, rows)
    sentences = [text for _, text in read(name, source)]
    assert [cells_of(sentence) for sentence in sentences] == [header, *rows], source


# A quoted cell of several sentences is cut by the sentence splitter, as any cell is: “Do not split
# on commas; some rows contain quotes. Another one; here.” is two sentences, the first with the
# opening quote, the second with the closing one. Those quotes stay (session 38's review): without
# them the second sentence, "Another one; here.; z", reads as three cells, where “...”; z is two. So
# a row still reads back as the cells it has, its sentences joined: the sentence a quoted cell is cut
# at the end of opens a quote it does not close, the one it goes on in closes it.
SENTENCE = st.lists(st.tuples(st.sampled_from(["", ";"]), st.sampled_from(WORDS)), min_size=2, max_size=4).map(
    lambda words: " ".join(word + gap for gap, word in words).rstrip(";").capitalize() + ".")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=3, max_size=3, unique=True), st.sampled_from(WORDS),
       st.lists(SENTENCE, min_size=1, max_size=3), st.sampled_from(WORDS), st.sampled_from([*sorted(FORMATS), "html"]))
def test_a_row_whose_cell_is_cut_into_sentences_reads_back_as_its_cells(header, first, sentences, last, form):
    header = [word.capitalize() for word in header]
    row = [first, " ".join(sentences), last]
    name, write = ("doc.html", html) if form == "html" else FORMATS[form]
    source = write(header, [row])
    stored = [text for _, text in read(name, source)]
    assert stored[0] == "; ".join(header), source
    assert cells_of(" ".join(stored[1:])) == row, (source, stored)
    quoted = ";" in row[1]
    assert all((text.count("“"), text.count("”")) == (0, 0) for text in stored[1:] if not quoted)
    assert "".join(stored[1:]).count("“") == "".join(stored[1:]).count("”") == quoted, stored


# Where a substitution is defined does not count (session 39): docutils resolves ``|name|`` over the
# whole document, so one defined after the table that uses it shows its text there too. A cell was
# read with what the file had defined before the table: "a |semi| b" under a table with ".. |semi|
# replace:: ;" after it was in no quotes, though the page shows "a ; b". A definition in a literal
# block or a comment is an example of markup, and defines nothing wherever it stands.
SEMI_TABLE = "====  ==========\nName  Value\n====  ==========\nx     a |semi| b\n====  ==========\n"


@pytest.mark.parametrize("before, after, shown", [
    (".. |semi| replace:: ;\n\n", "", "“a ; b”"),
    ("", "\n.. |semi| replace:: ;\n", "“a ; b”"),
    ("", "\nLater, in a note:\n\n.. note::\n\n   .. |semi| replace:: ;\n", "“a ; b”"),
    ("", "\nAn example::\n\n   .. |semi| replace:: ;\n", "a semi b"),
    ("", "\n..\n   .. |semi| replace:: ;\n", "a semi b"),
], ids=["before", "after", "after, in a directive", "in a literal block", "in a comment"])
def test_a_cell_reads_a_substitution_wherever_it_is_defined(before, after, shown):
    assert [text for _, text in read("doc.rst", before + SEMI_TABLE + after)][1] == f"x; {shown}"


# A cell that shows no text is an empty cell (session 39), as a Markdown cell of markup alone (a badge)
# is since session 37: the cell after it is named by its column ("x; Windows: yes"), and a header cell
# that shows none names no column. An rst or AsciiDoc cell of an image, an anchor, a comment or an
# attribute that shows nothing was a cell of text: "x; ; yes", or its markup ("x; .. not yet; yes"),
# and a header cell of an image labelled the cells under it with a colon alone ("x; : yes").
def grid_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, (4, 24, 7))) + " |\n"


def grid_table(header: list[str], row: list[str], after: str = "") -> str:
    border = "+------+--------------------------+---------+\n"
    return (border + grid_row(header) + border.replace("-", "=") + grid_row(row) + border + after
            + "\n.. |tux| image:: tux.png\n")  # (defined after the table: docutils reads it all the same)


@pytest.mark.parametrize("cell", ["|tux|", ".. image:: tux.png", ".. not yet", ".. _linux-x:", ".."])
def test_an_rst_cell_that_shows_no_text_is_an_empty_one(cell):
    assert read("doc.rst", grid_table(["Name", "Linux", "Windows"], ["x", cell, "yes"])) == [
        (2, "Name; Linux; Windows"), (4, "x; Windows: yes")]


@pytest.mark.parametrize("cell", ["image:tux.png[]", "[[linux-x]]", "anchor:linux-x[]", "{empty}", "indexterm:[Linux]",
                                  "(((Linux, kernel)))"])
def test_an_asciidoc_cell_that_shows_no_text_is_an_empty_one(cell):
    assert read("doc.adoc", f"|===\n|Name |Linux |Windows\n\n|x |{cell} |yes\n|===\n") == [
        (2, "Name; Linux; Windows"), (4, "x; Windows: yes")]


@pytest.mark.parametrize("source, expected", [
    ('[cols="3*",options="header"]\n|===\n|Name |Linux |Windows\n|x\n|\n// not yet\n|yes\n|===\n',
     [(3, "Name; Linux; Windows"), (4, "x; Windows: yes")]),
    # (nor does one part the first line from the blank line that makes it the header)
    ("|===\n|Name |Linux |Windows\n// the platforms\n\n|x | |yes\n|===\n", [(2, "Name; Linux; Windows"), (5, "x; Windows: yes")]),
], ids=["a cell of a comment", "under the header"])
def test_an_asciidoc_comment_line_in_a_table_is_no_cell_s_text(source, expected):
    # Asciidoctor drops a table's comment lines before reading its cells: the first cell is an empty one
    assert read("doc.adoc", source) == expected


@pytest.mark.parametrize("name, source", [
    ("doc.rst", grid_table(["Name", "|tux|", "Windows"], ["x", "✅", "❌"])),
    ("doc.rst", grid_table(["Name", ".. image:: tux.png", "Windows"], ["x", "✅", "❌"])),
    ("doc.adoc", "|===\n|Name |image:tux.png[] |Windows\n\n|x |✅ |❌\n|===\n"),
    ("doc.adoc", "|===\n|Name |[[linux]] |Windows\n\n|x |✅ |❌\n|===\n"),
], ids=["rst substitution", "rst image", "asciidoc image", "asciidoc anchor"])
def test_a_header_cell_that_shows_no_text_names_no_column(name, source):
    # as an empty header cell: the mark under it says "yes" without a label, not ": yes"
    assert [text for _, text in read(name, source)] == ["Name; Windows", "x; yes; Windows: no"]


# (The review of session 39.) A cell whose first block shows nothing (a target, a comment, an
# image) and whose next block is a paragraph: docutils shows the paragraph; the cell was dropped.
_GRID_BLOCKS = """Title
=====

+----------+----------------+
| Name     | Notes          |
+==========+================+
| Linux    | .. _linux:     |
|          |                |
|          | The best kernel|
+----------+----------------+
| BSD      | .. not yet     |
|          |                |
|          | Shown text     |
+----------+----------------+
"""

_LIST_TABLE_BLOCKS = """Title
=====

.. list-table::
   :header-rows: 1

   * - Name
     - Notes
   * - BSD
     - .. image:: a.png
          :width: 10

       Caption words here
"""


@pytest.mark.parametrize("source, row", [(_GRID_BLOCKS, "Linux; The best kernel"), (_GRID_BLOCKS, "BSD; Shown text"),
                                         (_LIST_TABLE_BLOCKS, "BSD; Caption words here")])
def test_a_cell_whose_first_block_shows_nothing_keeps_its_text(tmp_path, source, row):
    from simsearch.extract import sentences_from_path

    path = tmp_path / "t.rst"
    path.write_text(source)
    assert row in [s.text for s in sentences_from_path(path)]


def test_a_cell_hides_the_body_a_comment_holds_over_a_blank_line(tmp_path):
    """(The second review of session 39.) A comment with words on its first line goes on over
    blank lines while indented (docutils); a cell's blocks are read apart, so its indented body was
    shown ("BSD; hidden draft"). A paragraph at the comment's own indentation is shown."""
    from simsearch.extract import sentences_from_path

    source = """Title
=====

+----------+--------------------+
| Name     | Notes              |
+==========+====================+
| BSD      | .. not yet written |
|          |                    |
|          |    hidden draft    |
+----------+--------------------+
| Linux    | .. not yet         |
|          |                    |
|          | Shown text         |
+----------+--------------------+
| Plan 9   | ..                 |
|          |                    |
|          |    quoted text     |
+----------+--------------------+
"""
    path = tmp_path / "t.rst"
    path.write_text(source)
    rows = [s.text for s in sentences_from_path(path)]
    assert "BSD" in rows and not any("hidden draft" in row for row in rows)
    assert "Linux; Shown text" in rows
    assert "Plan 9; quoted text" in rows  # an empty comment ends at the blank line: a block quote follows


LONE_CELL_TABLES = {
    "doc.md": "| x | y |\n|---|---|\n| a; b | |\n| | c; d |\n| e; f | g |\n",
    "doc.html": ("<table><tr><th>x</th><th>y</th></tr><tr><td>a; b</td><td></td></tr>"
                 "<tr><td></td><td>c; d</td></tr><tr><td>e; f</td><td>g</td></tr></table>"),
    "doc.adoc": "|===\n|x |y\n\n|a; b |\n| |c; d\n|e; f |g\n|===\n",
    "doc.rst": ("+------+------+\n| x    | y    |\n+======+======+\n| a; b |      |\n+------+------+\n"
                "|      | c; d |\n+------+------+\n| e; f | g    |\n+------+------+\n"),
}


@pytest.mark.parametrize("name", sorted(LONE_CELL_TABLES))
def test_a_cell_alone_in_its_row_is_not_put_in_quotes(name):
    """A cell holding a ";" is put in quotes so that its ";" is not read as the end of a cell:
    "“e; f”; g". A cell alone in its row was put in quotes too ("“a; b”"), with no other cell to
    be told from: DocBook's notes and block quotes, laid out as a table beside an image or an
    empty cell, read "““What ... is your name?””"."""
    assert [text for _, text in read(name, LONE_CELL_TABLES[name])] == ["x; y", "a; b", "y: c; d", "“e; f”; g"]


def test_a_block_quote_laid_out_as_a_table_keeps_its_own_quotes():
    """aptitude's manual (DocBook XSL): a block quote is a table row of an empty cell and the
    quote's paragraphs, each in “ ” of its own."""
    page = ('<table class="blockquote"><tr><td width="10%"> </td><td width="80%">'
            '<p><span class="quote">“<span class="quote">What ... is your name?</span>”</span></p>'
            '<p><span class="quote">“<span class="quote">I am Arthur, King of the Britons.</span>”</span></p>'
            '</td></tr></table>')
    assert [text for _, text in read("doc.html", page)] == ["“What ... is your name?”", "“I am Arthur, King of the Britons.”"]
