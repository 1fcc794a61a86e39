"""reStructuredText to prose, and the helpers the other markup readers share (``_Out``, the
code test, inline protection)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from ..segment import GLUE, source_lines
from ..store import FOLDER_NAMED_STEMS

# --- markup: reStructuredText, Markdown, plain-text lists -----------------------------------
#
# Each cleaner reads a file's lines and returns (source line, text) pairs: the prose left
# once markup is removed, with a blank pair wherever a block (paragraph, heading, list
# item, table row) ends. Code is left out: fenced, indented and `::` literal blocks,
# code-block/doctest/testcode directives and doctest `>>>` blocks are not prose, and a
# `#` comment inside them never becomes a heading. A directive simsearch does not know (a
# Sphinx extension's, a project's own) keeps its body when that reads as prose and loses it
# when it reads as code (``_looks_like_code``): on eight documentation trees this left out
# 539 sentences, 2 of them prose, where leaving out every unknown directive's body would have
# lost 30,000 prose sentences (sqlalchemy's ``.. change::`` entries). Tables are kept one row
# per sentence, cells joined with "; " (a simple table's cells cut at its border's columns; a cell
# holding a ";" in quotes, ``_quoted_cell``).
# Every output line keeps the number of the line it came from.

Lines = list[tuple[int, str]]

_CODE_DIRECTIVES = frozenset(
    """
    code code-block sourcecode literalinclude highlight doctest testcode testoutput testsetup testcleanup
    ipython jupyter-execute jupyter-kernel math raw productionlist parsed-literal graphviz digraph graph
    inheritance-diagram uml plantuml mermaid csv-table toctree autosummary index include image
    autoclasstree program-output command-output runblock plot tabularcolumns role
    default-role default-domain contents sectnum header footer meta title currentmodule highlightlang
    code-tab prompt spelling:word-list rst-class cssclass eval-rst exec towncrier-draft-entries
    """.split()
)
# Directives whose first line's text is prose (an admonition's first words, a rubric's title,
# a todo's text) and whose lines right after it, before any option, are prose too (a glossary
# whose first term follows on the next line).
_PROSE_ARGUMENT = frozenset(
    """
    note warning tip hint important caution danger error attention seealso admonition rubric topic
    sidebar versionadded versionchanged versionremoved deprecated deprecated-removed centered table
    list-table epigraph highlights pull-quote todo glossary hlist compound
    """.split()
)
# Directives whose argument opens with version numbers before its prose: how many.
_VERSIONED = {"versionadded": 1, "versionchanged": 1, "versionremoved": 1, "deprecated": 1, "deprecated-removed": 2}
_TYPE_FIELDS = frozenset({"type", "rtype", "vartype", "kwtype", "meta", "tocdepth", "nocomments", "orphan"})
# Of these, the fields that give a type: their body is left out when it reads as a type.
_TYPE_ONLY_FIELDS = frozenset({"type", "rtype", "vartype", "kwtype"})
# A sentence's end: ".", "!" or "?" (closing quotes or brackets after it) before a space or the end.
_SENTENCE_END = re.compile(r"[.!?][\"')\]’”]*(?:\s|$)")


def _reads_as_type(text: str) -> bool:
    """Whether a type field's body ("Type:", ``:rtype:``) reads as a type, to be left out with its
    label: one line of one paragraph with no sentence end ("Optional[str]", "list of str, optional",
    ":class:`~django.http.HttpResponse`"). Prose (Sphinx's ``html_search_options`` documents its
    type in sentences and paragraphs) is kept."""
    text = text.strip()
    return "\n" not in text and _SENTENCE_END.search(text) is None


_PARAM_FIELDS = frozenset({"param", "parameter", "arg", "argument", "key", "keyword", "kwarg", "kwparam",
                           "var", "ivar", "cvar"})
_RAISE_FIELDS = frozenset({"raises", "raise", "except", "exception", "throws"})

_ADORNMENT = re.compile(r"""^\s*([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])\1{2,}\s*$""")
# An underline of one to three characters: a title's when it is at least as long as the title.
_SHORT_ADORNMENT = re.compile(r"""^([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])\1{0,2}\s*$""")
_EXPLICIT = re.compile(r"^(\s*)\.\.(?:\s+(.*?)|\s*)$")
_DIRECTIVE = re.compile(r"^(\|[^|]+\|\s+)?([\w][\w:.+-]*)::(?:\s+(.*))?$")
_FOOTNOTE = re.compile(r"\[([^\]]+)\](?:\s+(.*))?$")
_FIELD = re.compile(r"^(\s*):(?![\s:`])([^:`]+?):(?:\s+(.*)|\s*)$")
_RST_ITEM = re.compile(r"^(\s*)(?:[-*+•‣⁃]|\d{1,3}[.)]|\(\d{1,3}\)|#[.)]|[a-zA-Z][.)]|\([a-zA-Z]\))\s+(?=\S)")
_OPTION_LINE = re.compile(r"^\s*:[\w][\w .-]*:(?:\s|$)")
_GRID_BORDER = re.compile(r"^\s*\+(?:[-=:]+\+)+\s*$")
_GRID_ROW = re.compile(r"^\s*\|.*\|\s*$")
_GRID_LINE = re.compile(r"^\s*[+|].*[+|]\s*$")  # a grid table's row, border, or row with a span's border
_SIMPLE_BORDER = re.compile(r"^\s*=+(?:\s+=+)+\s*$")
_SIMPLE_RULE = re.compile(r"^\s*-+(?:\s+-+)*\s*$")
_LINE_BLOCK = re.compile(r"^(\s*)\|\s(?=.*\S)")
_LABEL = re.compile(r"^\.\.\s+_(`[^`]+`|[^:`\s][^:`]*):\s*$")  # an internal target: ".. _notes-on-proxies:"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body_end(lines: list[str], i: int, indent: int) -> int:
    """First line after ``i`` that is not blank and not indented deeper than ``indent``."""
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
        j += 1
    return j


def _skip_to_blank(lines: list[str], i: int) -> int:
    """The first blank line from ``i`` on (a doctest block's end), or the end of the lines."""
    while i < len(lines) and lines[i].strip():
        i += 1
    return i


def _simple_cells(row: str, columns: list[int]) -> list[str]:
    """A simple table's row, one text per column: cut where the border's columns start (cells may
    be one space apart), never inside a word (text overflowing its column, as in the last one,
    stays in the column it starts in, and the columns it covers are empty)."""
    cells = [""] * len(columns)
    start = column = 0
    for k, cut in enumerate(columns[1:], start=1):
        if cut < len(row) and row[cut - 1].isspace():
            cells[column] = row[start:cut].strip()
            start, column = cut, k
    cells[column] = row[start:].strip()
    return cells


Cell = list[tuple[int, str]]  # a table cell's text: (source line, text) of each of its lines


def _add_row(out: "_Out", cells: list[tuple[int, Cell]], header: dict[int, str] | None = None) -> dict[int, str]:
    """A table's row as one block: its cells in order, joined with "; ", each cell's lines kept
    on their own source lines (a cell wrapped over several lines reads as one text); ``cells``:
    (column, cell) pairs, an empty cell too (it names the cells after it, ``_cell_names``, by their
    column's name in ``header``), as is one that shows no text (``out.words``: an image, a comment).
    Returns the row's texts by column: a header row's are the names."""
    # Each cell without its blocks that show no text (a target, a comment or an image before a
    # paragraph: docutils shows the paragraph); a cell of such blocks alone is an empty one.
    cells = [(column, _shown_blocks(cell, out.words, out.source)) for column, cell in cells]
    texts = [" ".join(text for _, text in cell if text) for _, cell in cells]
    row = []
    for (column, cell), named in zip(cells, _cell_names(texts, header, [column for column, _ in cells], out.words)):
        if named is None:
            continue
        label, mark = named
        pieces = [(number, text) for number, text in cell if text]
        pieces = [(pieces[0][0], mark)] if mark else pieces
        pieces = [(pieces[0][0], f"{label} {pieces[0][1]}"), *pieces[1:]] if label else pieces
        row.append(pieces)
    if len(row) >= 2:  # (a cell alone in its row is no field of it: never in quotes)
        row = [list(zip([number for number, _ in pieces], _quoted_cell([text for _, text in pieces], out.words)))
               for pieces in row]
    if row:
        out.gap(row[0][0][0])
        for k, pieces in enumerate(row):
            for m, (number, text) in enumerate(pieces):
                out.add(number, text + (";" if m == len(pieces) - 1 and k < len(row) - 1 else ""))
        out.gap(row[-1][-1][0])
    return {column: text for (column, _), text in zip(cells, texts) if text}


def _shown_blocks(cell: Cell, words: Callable[[str], str], source: list[str] | None = None) -> Cell:
    """A table cell's lines without its blocks (lines between blank ones: a gap in the line
    numbers) whose text ``words`` reads as nothing: ".. _linux:", a blank line, "The best kernel"
    is the paragraph alone, as docutils shows the cell. A comment with words on its first line
    (".. not yet written") also hides the blocks indented under it, blank lines between (its
    body, as docutils reads it): their indentation is read from the file's lines, ``source``
    (a cell's lines are stripped; numbered from 1)."""
    blocks: list[Cell] = []
    for number, text in cell:
        if not text:
            continue
        if blocks and number == blocks[-1][-1][0] + 1:
            blocks[-1].append((number, text))
        else:
            blocks.append([(number, text)])
    if len(blocks) < 2:  # (one block: the cell as it is; it is empty or not as a whole)
        return cell

    def column(number: int, text: str) -> int | None:  # where the text starts on its source line
        found = source[number - 1].find(text) if source and 0 < number <= len(source) else -1
        return found if found >= 0 else None

    kept: Cell = []
    comment = None  # the column of a comment whose body the next blocks may be
    for block in blocks:
        number, first = block[0]
        if comment is not None:
            at = column(number, first)
            if at is not None and at > comment:
                continue
            comment = None
        if words(" ".join(text for _, text in block)).strip():
            kept.extend(block)
        elif _is_worded_comment(first):
            comment = column(number, first)
    return kept


def _is_worded_comment(text: str) -> bool:
    """Whether ``text`` opens an rst comment with words on its first line (".. not yet written"),
    whose body goes on over blank lines while indented; an empty ".." ends at the first blank line."""
    explicit = _EXPLICIT.match(text)
    rest = (explicit.group(2) or "").strip() if explicit else ""
    return bool(rest) and not rest.startswith(("_", "|", "[")) and not _DIRECTIVE.match(rest)


def _rst_simple_table(lines: list[str], i: int, out: "_Out", borders: list[int]) -> int | None:
    """A simple table from its top border at line ``i``, each row added as one block
    (``_add_row``); the line after it, or None when no border of the same length follows (a
    stray border is no table). As docutils reads one: a line whose first column is empty
    continues the row above it; the table ends at the second border after its top or at a
    border followed by a blank line. ``borders``: the indexes of all lines that look like one."""
    k = bisect.bisect_right(borders, i)
    if k == len(borders) or len(lines[borders[k]].strip()) != len(lines[i].strip()):
        return None
    columns = [match.start() for match in re.finditer(r"=+", lines[i])]
    row: list[Cell] = []
    names: dict[int, str] = {}  # the header rows' texts by column (the lowest row's where several are)
    seen, j = 1, i + 1

    def add(row: list[Cell]) -> None:  # (rows after the second border have the rows before it as their header)
        texts = _add_row(out, list(enumerate(row)), names if seen >= 2 else None)
        if seen == 1:
            names.update(texts)

    while j < len(lines):
        line = lines[j]
        j += 1
        if _SIMPLE_BORDER.match(line):
            add(row)
            row = []
            seen += 1
            if seen >= 3 or j == len(lines) or not lines[j].strip():
                break
        elif line.strip() and not _SIMPLE_RULE.match(line):  # (a header's column-span underline is no row)
            cells = _simple_cells(line, columns)
            if not (row and len(columns) > 1 and not cells[0]):
                add(row)
                row = [[] for _ in columns]
            for cell, text in zip(row, cells):
                cell.append((j, text))
    add(row)
    return j


def _rst_grid_table(lines: list[str], i: int, out: "_Out", rows_by_line: bool = False) -> int:
    """A grid table from its top border at line ``i``: each row (the lines between two full
    borders) added as one block (``_add_row``); a cell closed inside the row by a span's border
    (``|   +-----+``) comes before the cell under it. Columns are cut at the ``+`` of the top
    border where a line has a ``|`` or ``+`` there (a cell spanning columns has none); a line
    that does not line up is cut at its ``|``. With ``rows_by_line`` each line is a row (a plain
    text's table with no border between its rows: psql's output), but for a line whose first cell
    is empty, which goes on with the row above (rich's wrapped cell). Returns the line after the table."""
    columns = [match.start() for match in re.finditer(r"\+", lines[i])]
    cells: dict[int, Cell] = {}  # column -> the lines of its open cell
    closed: dict[int, list[Cell]] = {}  # column -> cells closed above the open one
    seen: set[int] = set()  # the columns a cell of the row starts in (an empty one's too)
    names: dict[int, str] = {}  # the rows' texts by column, the lowest row's first: at a "+===+" border, the header
    header: dict[int, str] | None = None

    def close(column: int) -> None:
        cell = cells.pop(column, [])
        if cell:
            closed.setdefault(column, []).append(cell)

    def flush() -> None:
        for column in list(cells):
            close(column)
        names.update(_add_row(out, [(column, cell) for column in sorted(seen) for cell in closed.get(column) or [[]]],
                              header))
        closed.clear()
        seen.clear()

    out.gap(i + 1)
    j = i + 1
    while j < len(lines) and _GRID_LINE.match(lines[j]):
        line = lines[j].rstrip()
        j += 1
        if _GRID_BORDER.match(line):
            flush()
            if "=" in line and header is None:  # the rows above it are the header
                header = dict(names)
            continue
        bounds = [c for c in columns if c < len(line) and line[c] in "+|"]
        if not bounds or bounds[-1] != len(line) - 1:  # not lined up with the top border
            pieces = list(enumerate(line.strip().strip("|+").split("|")))
        else:
            pieces = [(columns.index(a), line[a + 1:b]) for a, b in zip(bounds, bounds[1:])]
        if rows_by_line and seen and dict(pieces).get(0, "").strip():  # a line whose first cell is empty goes on
            flush()
        for column, piece in pieces:
            seen.add(column)
            if piece and not piece.strip("-=:+"):  # a span's border, across its column: the cell above it ends
                close(column)
            elif piece := piece.strip():
                cells.setdefault(column, []).append((j, piece))
    flush()
    out.gap(j)
    return j


_NESTED_BULLET = re.compile(r"[-*+•‣⁃][ \t]+(?=\S)")
_HEADER_ROWS = re.compile(r"^\s*:header-rows:\s*(\d{1,3})\s*$")
_BARE_BULLET = re.compile(r"[-*+•‣⁃]$")  # a list-table's empty cell: its bullet alone


def _rst_list_table(lines: list[str], start: int, end: int, out: "_Out", header_rows: int = 0) -> int:
    """A ``list-table`` directive's body (lines ``start`` to ``end``), each row added as one
    block (``_add_row``, as grid and simple tables give their rows): a row is an item of the
    outer bullet list, a cell an item of the list inside it ("* - a" opens both). A cell's
    directive (a code block in a cell) is left out with what is indented under it. The first
    ``header_rows`` rows (its ``:header-rows:`` option) name the columns of the rows after them."""
    rows: list[list[Cell]] = []
    row_indent = cell_indent = skip_deeper = None
    for number in range(start, end):
        line = lines[number]
        if not line.strip():
            continue
        indent, text = _indent(line), line.strip()
        if skip_deeper is not None and indent > skip_deeper:
            continue
        skip_deeper = None
        bullet = _NESTED_BULLET.match(text) or _BARE_BULLET.match(text)
        if row_indent is None:
            row_indent = indent
        if bullet and indent == row_indent:
            rows.append([])
            rest = text[bullet.end():]
            cell = _NESTED_BULLET.match(rest) or _BARE_BULLET.match(rest)
            if cell:
                rows[-1].append([(number + 1, rest[cell.end():])])
                cell_indent = indent + bullet.end() if cell_indent is None else cell_indent
            continue
        if not rows:
            continue
        if bullet and (cell_indent is None or indent == cell_indent):
            cell_indent = indent
            rows[-1].append([(number + 1, text[bullet.end():])])
        elif text.startswith(".."):
            skip_deeper = indent
        elif rows[-1]:  # the cell goes on (a list inside it loses its bullets)
            rows[-1][-1].append((number + 1, text[bullet.end():] if bullet else text))
    header: dict[int, str] = {}
    for k, row in enumerate(rows):
        texts = _add_row(out, list(enumerate(row)), header if k >= header_rows else None)
        if k < header_rows:
            header.update(texts)
    return end


def _nested_bullets_end(line: str, start: int) -> int:
    """Where an item's text begins after the bullets of items nested on its first line (a
    list-table's "- * cell", Markdown's "- * item")."""
    while nested := _NESTED_BULLET.match(line, start):
        start = nested.end()
    return start


# A label that ends a sentence ("Working on Windows?") is one of its own; one ending in a colon takes no other.
_SENTENCE_LABEL = re.compile(r"""[.!?…]["'”’»)\]`*_]*$""")
_LABEL_END = re.compile(r"""[.!?…:;]["'”’»)\]`*_]*$""")
# A table cell that is only a check or a cross mark (the emoji, or GitHub's and pymdown's shortcode for
# it): it says "yes" or "no" in its column (the Markdown and HTML readers' rows, ``_column_label``).
_CELL_MARKS = ({mark: "yes" for mark in (":white_check_mark:", ":heavy_check_mark:", ":ballot_box_with_check:",
                                        "✅", "✔", "✔️", "☑", "☑️")}
               | {mark: "no" for mark in (":x:", ":heavy_multiplication_x:", ":negative_squared_cross_mark:",
                                         "❌", "❎", "✖", "✖️")})


def _cell_names(cells: list[str], header: dict[int, str] | None, columns: list[int] | None = None,
                words: Callable[[str], str] = str) -> list[tuple[str, str | None] | None]:
    """How each cell of a table row reads in the row's sentence: None for an empty cell (left out),
    else the label it takes ("" or "Windows:") and what a check or cross mark reads as ("yes",
    "no"; None for any other text). A cell whose place no longer tells its column (an empty cell
    before it in the row) and a mark, which says nothing without its column, are named by their
    column's name in ``header`` (``_column_label``): "Command Prompt; cmd; Windows: yes", not
    "Command Prompt; cmd; :white_check_mark:". Every reader's rows but HTML's (read as it streams,
    ``_HtmlText._cell_ended``) go through here. ``columns``: each cell's column (by default its
    place in the row); ``words``: a text without its markup (a cell of markup only, a badge, is empty)."""
    named: list[tuple[str, str | None] | None] = []
    shifted = False
    for k, cell in enumerate(cells):
        if not words(cell).strip():
            named.append(None)
            shifted = True
            continue
        mark = _CELL_MARKS.get(cell.strip())
        name = (header or {}).get(columns[k] if columns else k, "")
        name = _CELL_MARKS.get(name, name) if words(name).strip() else ""
        named.append((_column_label(name) if name and (shifted or mark) else "", mark))
    return named


# A table row's cells are joined with "; " (every reader's rows): a cell whose text holds a ";" is put
# in quotes, “like; this”, so that no ";" of a cell reads as the end of one (``_quoted_cell``); not
# a cell alone in its row (a note laid out as a table), which has no other to be told from.
_CELL_OPEN, _CELL_CLOSE = "“", "”"


def _quoted_cell(texts: list[str], words: Callable[[str], str] = str) -> list[str]:
    """A table cell's text, in pieces (its lines; HTML's text nodes), as its row's sentence holds
    it: in quotes when it holds a ";" or begins with an opening quote (which would read as a quoted
    cell's), each closing quote in it doubled, as CSV quotes a field; else as it is. So the cells
    of "a; “b; c”; d" are a, "b; c" and d, and those of "a; b; c; d" are four. ``words``: the text
    as it reads, when the pieces are markup (a Markdown cell's ``&amp;`` or link address holds a ";"
    that its text does not)."""
    shown = words("".join(texts))
    if ";" not in shown and not shown.lstrip().startswith(_CELL_OPEN):
        return texts
    texts = [text.replace(_CELL_CLOSE, _CELL_CLOSE * 2) for text in texts]
    inked = [k for k, text in enumerate(texts) if text.strip()]
    first, last = inked[0], inked[-1]
    lead = len(texts[first]) - len(texts[first].lstrip())
    texts[first] = texts[first][:lead] + _CELL_OPEN + texts[first][lead:]
    end = len(texts[last].rstrip())
    texts[last] = texts[last][:end] + _CELL_CLOSE + texts[last][end:]
    return texts


# The longest header that names a cell: a column is named in a few words, and a header of a page's
# length put before a cell of each of thousands of rows multiplied the text (a 2 KB .docx gave 200 MB).
MAX_LABEL = 100


def _column_label(header: str) -> str:
    """A column's header as the label of a cell in it ("Windows:"; "Required?" as it is): a row
    names the column of a cell whose place no longer tells it (an empty cell before it in the row)
    and of a check or cross mark, which says nothing without it ("Command Prompt; cmd; Windows: yes").
    A header over ``MAX_LABEL`` characters names nothing ("")."""
    header = header.strip()
    if len(header) > MAX_LABEL:
        return ""
    return header + ("" if _LABEL_END.search(header) else ":")


class _Label(str):
    """A label's text with the colon ``_Out.label`` put after it. Whether words follow it is known
    only once its block's markup is read (``_inline_blocks``): a body of an image, a badge or an
    HTML tag alone has none, and the label then stays a block of its own, without the colon
    ("Preview", not "Preview:" over a screenshot)."""


class _Out:
    """Collects (source line, text) pairs; ``gap`` ends the current block. ``words``: a text as it
    reads once its inline markup is read (the reader's inline cleaner), for what is decided before
    its blocks are cleaned: whether a table cell shows a ";" (``_add_row``), not one of a link's address."""

    def __init__(self, words: Callable[[str], str] = str, source: list[str] | None = None):
        self.lines: Lines = []
        self.words = words
        self.source = source  # the file's lines, where a table cell's indentation is read (``_shown_blocks``)
        self.held: tuple[int, int] | None = None  # a label waiting for its text (``hold``): its place, the text's line
        # The files the text includes where it is read (not in code): (source line, the target as written).
        self.includes: list[tuple[int, str]] = []

    def gap(self, number: int) -> None:
        if self.lines and self.lines[-1][1]:
            self.lines.append((number, ""))

    def add(self, number: int, text: str) -> None:
        held, self.held = self.held, None
        if held is not None and number == held[1] and not any(kept for _, kept in self.lines[held[0] + 1:]):
            del self.lines[held[0] + 1:]  # (the gaps after the label)
            self.label(held[0])
        self.lines.append((number, text))

    def hold(self, number: int) -> None:
        """The text added last (an admonition's title, a definition list's term) labels the text
        that line ``number`` begins, when that text is the next one added (a paragraph, an item;
        not code, which adds none): the two are one block (``label``). Else it stays a block of its
        own, as does a label that ends a sentence ("Working on Windows?")."""
        at = len(self.lines) - 1
        while at >= 0 and not self.lines[at][1]:
            at -= 1
        if at >= 0 and not _SENTENCE_LABEL.search(self.lines[at][1].rstrip()):
            self.held = at, number

    def label(self, at: int) -> None:
        """Line ``at`` labels the text after it in its block, as a field's name does: a colon after
        it, unless it ends with one ("and: Return true if ...", "Note: The special constants ...")."""
        number, text = self.lines[at]
        if not _LABEL_END.search(text.rstrip()):
            self.lines[at] = number, _Label(text.rstrip() + ":")

    def block(self, number: int, text: str) -> None:
        self.gap(number)
        if text.strip():
            self.add(number, text)
            self.gap(number)


def _section_titles(lines: list[str]) -> dict[str, str]:
    """The title each label (``.. _name:``, alone on its line) names, by the label as ``:ref:``
    looks it up (``_label_key``): what Sphinx shows for a ``:ref:`` without a title of its own.

    As Sphinx's standard domain reads a label: the element right after it (blank lines and other
    labels between) gives the title when it is a section (its title), a rubric (its text), a
    table (``.. table:: Title``, ``list-table``, ``csv-table``), a figure (its caption), a code
    block or a toctree (its ``:caption:``). A label set before anything else (a paragraph, a list) has
    none: Sphinx wants an explicit title there, and the label reads as its words. A label indented
    in a list item, a quote or a directive names what follows it there, or, the last thing there,
    what follows that block; an indented section title is no section (docutils refuses one there)
    except in the directives that take sections (``only``, ``ifconfig``). A label in a literal
    block or a code directive (an example of markup) names nothing."""
    titles: dict[str, str] = {}
    labels: list[str] = []
    depth = 0  # the last label's indentation: what follows deeper is a quote, no element of its own
    openers, literal = _openers(lines)
    for i, line in enumerate(lines):
        label = _LABEL.match(line.lstrip())
        if label and not literal[i]:
            labels.append(_label_key(label.group(1).strip("`")))
            depth = _indent(line)
            continue
        if not labels or not line.strip():
            continue
        title = _named_title(lines, i, openers[i]) if _indent(line) <= depth else ""
        if title:
            for key in labels:
                titles.setdefault(key, title)
        labels = []
    return titles


_TITLED = re.compile(r"^\s*\.\.\s+(rubric|table|list-table|csv-table|figure|code-block|sourcecode|literalinclude|"
                     r"toctree)::(?:\s+(.*?))?\s*$")
_SECTION_BODIES = re.compile(r"^\s*\.\.\s+(?:only|ifconfig)::")
_CAPTION = re.compile(r"^\s*:caption:\s+(.*?)\s*$")


def _openers(lines: list[str]) -> tuple[list[int | None], list[bool]]:
    """For each line, the line that opens the block it is indented in (None at the left margin,
    and for a blank line), and whether it is in a literal block (after "::"), a code directive's
    body or a comment's, at any depth. One pass, a stack of the indentations still open: looking
    back from each label for its opener took a file of labels indented in one long block (all of
    it under ``.. only::``) quadratic time."""
    openers: list[int | None] = [None] * len(lines)
    literal = [False] * len(lines)
    stack: list[tuple[int, int]] = []  # (indentation, line) of the lines still open, shallower first
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        indent = _indent(line)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            j = openers[i] = stack[-1][1]
            literal[i] = literal[j] or _opens_literal(lines[j])
        stack.append((indent, i))
    return openers, literal


def _opens_literal(opener: str) -> bool:
    """Whether what is indented under ``opener`` is literal: after "::", in a code directive, in a comment."""
    explicit = _EXPLICIT.match(opener)
    directive = _DIRECTIVE.match(explicit.group(2) or "") if explicit else None
    if directive:
        return directive.group(2).lower() in _CODE_DIRECTIVES
    return opener.rstrip().endswith("::") or explicit is not None  # (a comment's body)


def _named_title(lines: list[str], i: int, opener: int | None) -> str:
    """The title Sphinx takes for a label set before line ``i`` (see ``_section_titles``), or "";
    ``opener``: the line that opens the block line ``i`` is indented in (``_openers``)."""
    line, title = lines[i], ""
    if _ADORNMENT.match(line) and i + 2 < len(lines) and _ADORNMENT.match(lines[i + 2]):
        title = lines[i + 1].strip()  # a title between an overline and an underline
    elif i + 1 < len(lines) and _ADORNMENT.match(lines[i + 1]) and not _ADORNMENT.match(line):
        title = line.strip()
    if title:
        return title if opener is None or _SECTION_BODIES.match(lines[opener]) else ""
    directive = _TITLED.match(line)
    if not directive:
        return ""
    name, argument, indent = directive.group(1), (directive.group(2) or "").strip(), _indent(line)
    if name in ("rubric", "table", "list-table", "csv-table"):
        return argument
    j = i + 1
    while j < len(lines) and lines[j].strip() and _indent(lines[j]) > indent and _OPTION_LINE.match(lines[j]):
        caption = _CAPTION.match(lines[j])
        if caption and name != "figure":
            return caption.group(1)
        j += 1
    if name != "figure":
        return ""
    while j < len(lines) and not lines[j].strip():
        j += 1
    caption = []  # a figure's caption: the first paragraph of its body ("..": none, only a legend)
    while j < len(lines) and lines[j].strip() and _indent(lines[j]) > indent:
        caption.append(lines[j].strip())
        j += 1
    return "" if caption == [".."] else " ".join(caption)


def _substitutions(lines: list[str]) -> dict[str, str]:
    """The text each substitution the file defines shows, by its name: a ``replace::``'s text, its
    inline markup read (``.. |semi| replace:: ;``), and nothing for an image (``.. |logo| image::
    logo.png``, no words). Read before the file's blocks, as docutils resolves ``|name|`` over the
    whole document: a table's cell reads one defined after the table as the page shows it (the ";"
    it shows puts the cell in quotes, ``_add_row``). The last definition of a name counts, as in
    docutils; one in a literal block, a code directive's body or a comment (an example of markup)
    defines nothing."""
    found: dict[str, str] = {}
    _, literal = _openers(lines)
    for i, line in enumerate(lines):
        explicit = None if literal[i] else _EXPLICIT.match(line)
        directive = _DIRECTIVE.match((explicit.group(2) or "").strip()) if explicit else None
        if not directive or not directive.group(1):
            continue
        name, kind = directive.group(1).strip().strip("|").strip(), directive.group(2).lower()
        if kind == "replace":  # its text goes on in the lines indented under it, up to a blank line
            end = min(_body_end(lines, i, _indent(line)), _skip_to_blank(lines, i + 1))
            text = " ".join([directive.group(3) or "", *(more.strip() for more in lines[i + 1:end])])
            found[name] = _rst_inline(text.strip())
        elif kind == "image":  # an icon or picture in the text: no words
            found[name] = ""
    return found


# The labels Sphinx itself defines, with the titles it shows for them: every project's "Indices
# and tables" list ("* :ref:`genindex`") read as "genindex", a one-word sentence.
SPHINX_LABELS = {"genindex": "Index", "modindex": "Module Index", "py-modindex": "Python Module Index",
                 "search": "Search Page"}


def _ref_text(label: str, titles: dict[str, str] | None = None) -> str:
    """What a reference to ``label`` without a title of its own shows: the title of the section
    the label is set before in the same file (``titles``), the title Sphinx gives a label of its
    own (``SPHINX_LABELS``), else the label's words."""
    key = _label_key(label)
    return (titles or {}).get(key) or SPHINX_LABELS.get(key) or _words(label)


def _words(name: str) -> str:
    """A label's or a file name's words: "topics-http_urls" -> "topics http urls"."""
    return " ".join(re.split(r"[-_\s]+", name)).strip()


def _document_words(target: str) -> str:
    """What a link to another document without a text of its own reads as (a ``:doc:`` role, MyST's
    ``[](guide/x.md)``): the document's name in words (``/shell-completion`` -> "shell completion"),
    its folders and extension left out. Sphinx shows the document's title, which is in another
    file; its name's words are what search finds of that title more often than the path. A folder's
    ``index`` or ``README`` is named by its folder, as the index names such a file
    (``store.document_name``): ``/deployment/index`` -> "deployment"."""
    folders, _, name = target.strip().rstrip("/").rpartition("/")
    if not any(character.isalnum() for character in name):  # "./", "../": a folder named by dots only
        return ""
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    folder = folders.rsplit("/", 1)[-1]
    if stem.lower() in FOLDER_NAMED_STEMS and any(character.isalnum() for character in folder):
        stem = folder  # (a bare "index" names the linking file's own folder, which the reader is not told)
    return _words(stem)


def _label_key(label: str) -> str:
    """A label as Sphinx matches it: case and runs of spaces do not count."""
    return " ".join(label.lower().split())


def _clean_rst(text: str, includes: list[tuple[int, str]] | None = None) -> Lines:
    """The prose of an rst file (``Lines``); the files its ``.. include::`` directives name, which
    are not followed, go to ``includes`` as (line, target as written)."""
    lines = source_lines(text)
    borders = [k for k, line in enumerate(lines) if _SIMPLE_BORDER.match(line)]
    replacements = _substitutions(lines)  # |name| -> its text, each known before any table's cell is read
    out = _Out(words=lambda text: _rst_cell_words(text, replacements), source=lines)
    i = 0
    para_indent = None  # indentation of the paragraph being read (None between blocks)
    para_start = -1  # the line the paragraph being read began on
    item_indent = None  # lines indented deeper than this continue a list item or field
    literal_after = None  # the indentation of a paragraph that ended with "::"
    while i < len(lines):
        line, number = lines[i], i + 1
        stripped = line.strip()
        indent = _indent(line)
        if not stripped:
            out.gap(number)
            para_indent = None
            i += 1
            continue
        literal, literal_after = literal_after, None
        if literal is not None and indent > literal:  # the literal block: code, left out
            i = _body_end(lines, i, literal)
            continue
        if literal is not None and indent == literal and not stripped[0].isalnum():
            # a quoted literal block: unindented lines that all begin with the same character ("$ ", "> ")
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) == indent and lines[i].strip()[0] == stripped[0]:
                i += 1
            out.gap(number)
            continue
        if para_indent is not None and indent > para_indent and para_start == i - 1 and item_indent is None:
            out.hold(number)  # a definition list's term (a paragraph of one line, its definition indented under it)
        if _GRID_BORDER.match(line):
            i = _rst_grid_table(lines, i, out)
            para_indent = item_indent = None
            continue
        if _SIMPLE_BORDER.match(line):
            end = _rst_simple_table(lines, i, out, borders)
            out.gap(number)
            i = i + 1 if end is None else end  # a stray border is no table: left out, like an underline
            para_indent = item_indent = None
            continue
        if _ADORNMENT.match(line) or (
                _SHORT_ADORNMENT.match(line) and i > 0 and para_start == i - 1 and indent == 0 == _indent(lines[i - 1])
                and len(lines[i - 1].strip()) <= len(stripped) and stripped not in ("-", "*", "+", "..")):
            out.gap(number)  # a section's underline or overline (a short title's too), a transition
            para_indent = None
            i += 1
            continue
        if stripped.startswith(">>>") and para_indent is None:  # a doctest block runs to the next blank line
            i = _skip_to_blank(lines, i)
            out.gap(number)
            continue
        if stripped.startswith("__ ") or stripped == "__":  # an anonymous link target
            i = _body_end(lines, i, indent)
            out.gap(number)
            continue
        explicit = _EXPLICIT.match(line)
        if explicit:
            i, continues, literal_after = _rst_explicit(lines, i, explicit, out)
            para_indent = item_indent = None
            if continues and i < len(lines):  # the text begun on the construct's line goes on
                para_indent, item_indent, para_start = _indent(lines[i]), indent, i
            continue
        field = _FIELD.match(line)
        if field:
            out.gap(number)
            name = field.group(2).split()
            kind = name[0].lower()
            body = field.group(3) or ""
            if kind in _TYPE_FIELDS:
                end = _body_end(lines, i, indent)
                while end > i + 1 and not lines[end - 1].strip():
                    end -= 1
                # the body's lines are one paragraph (as they are one <p> in Sphinx's HTML) unless a blank line parts them
                body_lines = [body.strip(), *(text.strip() for text in lines[i + 1:end])]
                if kind not in _TYPE_ONLY_FIELDS or ("" not in body_lines[1:] and _reads_as_type(" ".join(body_lines))):
                    i = _body_end(lines, i, indent)
                    continue
            para_indent, item_indent, para_start = indent, indent, i
            if not body:
                i += 1
                continue
            if kind in _TYPE_ONLY_FIELDS:  # a type field whose body is prose: its text, without a label
                i, literal_after = _rst_paragraph_line(out, number, body, indent, i)
                continue
            if kind in _PARAM_FIELDS and len(name) > 1:
                label = name[-1]
            elif kind in _RAISE_FIELDS:
                label = "Raises " + name[-1] if len(name) > 1 else "Raises"
            elif kind in ("returns", "return"):
                label = "Returns"
            elif kind == "yields":
                label = "Yields"
            else:
                label = field.group(2)
            i, literal_after = _rst_paragraph_line(out, number, f"{label}: {body}", indent, i)
            continue
        item = _RST_ITEM.match(line)
        # An item starts a block, or is indented differently from the paragraph before it (an
        # item's text, a definition): inside a paragraph, a line that starts "- " or "A. " goes on with it.
        if item and (para_indent is None or indent != para_indent or (item_indent is not None and indent <= item_indent)):
            out.gap(number)
            start = _nested_bullets_end(line, item.end())
            para_indent, item_indent, para_start = start, indent, i
            i, literal_after = _rst_paragraph_line(out, number, line[start:], start, i)
            continue
        block = _LINE_BLOCK.match(line)
        if block and not _GRID_ROW.match(line):
            out.block(number, line[block.end():])
            i += 1
            continue
        continuing = item_indent is not None and indent > item_indent
        if not continuing:
            item_indent = None
            if para_indent is not None and indent != para_indent:
                out.gap(number)  # a definition-list term, or a quote: its own block
                para_indent = None
        if para_indent is None:
            para_indent, para_start = indent, i  # (in an item or field: its later paragraph, whose "::" opens a literal block)
        i, literal_after = _rst_paragraph_line(out, number, line, para_indent, i)
    if includes is not None:
        includes.extend(out.includes)
    titles = {label: _rst_inline(title, replacements) for label, title in _section_titles(lines).items()}
    return _inline_blocks(out.lines, lambda block: _rst_inline(block, replacements, titles))


def _rst_cell_words(text: str, replacements: dict[str, str]) -> str:
    """A table cell's text as the page shows it (``_Out.words``): its inline markup read, and
    nothing for a cell of explicit markup that shows none, which docutils reads as a block there: a
    comment (``.. not yet``), a link target (``.. _linux:``), an image (``.. image:: tux.png``)."""
    explicit = _EXPLICIT.match(text)
    if explicit:
        rest = (explicit.group(2) or "").strip()
        directive = _DIRECTIVE.match(rest)
        if not _FOOTNOTE.match(rest) and (not directive or directive.group(1)
                                          or directive.group(2).rsplit(":", 1)[-1].lower() == "image"):
            return ""
    return _rst_inline(text, replacements)


def _rst_paragraph_line(out: _Out, number: int, text: str, indent: int, i: int) -> tuple[int, int | None]:
    """Add one line of prose (line ``i``, indented ``indent``): the next line to read, and
    ``indent`` when a trailing "::" announces a literal block after it."""
    stripped = text.rstrip()
    if stripped.endswith("::"):
        if stripped.strip() == "::":
            stripped = ""
        elif stripped[-3:-2].isspace():
            stripped = stripped[:-2].rstrip()
        else:
            stripped = stripped[:-1]
        if stripped.strip():
            out.add(number, stripped)
        return i + 1, indent
    if text.strip():
        out.add(number, text)
    return i + 1, None


def _rst_explicit(lines: list[str], i: int, explicit: re.Match, out: _Out) -> tuple[int, bool, int | None]:
    """A ``..`` construct at line ``i``: directive, target, comment, footnote, substitution
    definition (read before, ``_substitutions``).

    Returns the next line to read; whether that line goes on with the text begun on the
    construct's own line (".. note:: This is\\n   one sentence.", ".. [1]\\n   Its text."); and the
    indentation a literal block must exceed when that text ended with "::".
    """
    indent = len(explicit.group(1))
    rest = (explicit.group(2) or "").strip()
    number = i + 1
    out.gap(number)
    if not rest and (i + 1 == len(lines) or not lines[i + 1].strip()):
        return i + 1, False, None  # an empty comment: an indented block after it is a block quote
    footnote = _FOOTNOTE.match(rest)
    if footnote:  # footnote or citation: its text is prose, on this line or the next
        i, literal = _rst_paragraph_line(out, number, footnote.group(2) or "", indent, i)
        return i, bool(footnote.group(2)), literal
    directive = _DIRECTIVE.match(rest)
    if not directive or directive.group(1):  # comment, link target, substitution definition
        return _body_end(lines, i, indent), False, None
    name = directive.group(2).lower()
    short = name.rsplit(":", 1)[-1]
    if short in _CODE_DIRECTIVES or name in _CODE_DIRECTIVES:
        end = _body_end(lines, i, indent)
        if name == "include" and directive.group(3):
            _include(out, number, directive.group(3), lines[i + 1:end])
        return end, False, None
    argument = (directive.group(3) or "").strip()
    prose = short in _PROSE_ARGUMENT
    literal = None
    if prose and argument:
        argument = " ".join(argument.split(None, _VERSIONED.get(short, 0))[_VERSIONED.get(short, 0):])
        _, literal = _rst_paragraph_line(out, number, argument, indent, i)
    # (its text: the body, not the title's line)
    title = short in ("admonition", "topic", "sidebar") and bool(argument) and literal is None
    j = i + 1
    while j < len(lines) and lines[j].strip() and _indent(lines[j]) > indent:  # argument lines, options
        if _OPTION_LINE.match(lines[j]):  # options, each perhaps on several lines, then the body
            option_indent = _indent(lines[j])
            while j < len(lines) and lines[j].strip() and _indent(lines[j]) > indent and (
                    _indent(lines[j]) > option_indent or _OPTION_LINE.match(lines[j])):
                j += 1
            break
        if prose:  # an admonition's text goes on here: the caller reads it (literal blocks and all)
            return j, bool(argument), literal
        j += 1  # a signature's continuation
    if title:  # "Note" alone says nothing: it labels the text the body begins with
        body = j
        while body < len(lines) and not lines[body].strip():
            body += 1
        if body < len(lines) and _indent(lines[body]) > indent:
            out.hold(body + 1)
    out.gap(number)
    if short == "list-table":
        rows = next((option.group(1) for option in map(_HEADER_ROWS.match, lines[i + 1:j]) if option), "0")
        return _rst_list_table(lines, j, _body_end(lines, j - 1, indent), out, int(rows)), False, None
    if not prose and _looks_like_code(lines[j:_body_end(lines, j - 1, indent)]):
        return _body_end(lines, j - 1, indent), False, None  # a directive simsearch does not know, around code
    return j, False, literal


# An include's options that make the file's text code (``:literal:``, ``:code: python``), not text.
_INCLUDED_AS_CODE = re.compile(r"^\s*:(?:literal|code):", re.MULTILINE)


def _include(out: _Out, number: int, target: str, options: list[str]) -> None:
    """An ``.. include::`` (MyST's ``{include}``) at line ``number``: its target, unless it is one of
    docutils' own files (``<isonum.txt>``) or read as code (``:literal:``, ``:code:``)."""
    target = target.strip()
    if target and not target.startswith("<") and not _INCLUDED_AS_CODE.search("\n".join(options)):
        out.includes.append((number, target))


# A line of code as it stands at a body's own indentation: Python statements, decorators and
# calls, assignments, shell and doctest prompts, comments, lines that open or close brackets.
_CODE_LINE = re.compile(
    r"""^(?:(?:async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[(:]|(?:import|from)\s+[\w.]+(?:\s+import\s|\s*$)
    |@[\w.]+(?:\(|$)|(?:return|yield|raise|assert)\b(?!\s+(?:a|an|the|to)\b)
    |(?:if|elif|while|with)\s.*:$|for\s.+\sin\s.+:$|(?:else|try|finally)\s*:$|except\b.*:$|(?:pass|break|continue)$
    |[\w.\[\]'"]+(?:\s*,\s*[\w.\[\]'"]+)*\s*(?:[-+*/%|&^]|//|\*\*)?=(?!=)\s*\S
    |[\w.]+\([^()]*(?:\([^()]*\)[^()]*)*\)[,;]?$|[\w.]+\((?!\))[^)]*$|(?:\$|%|>>>|\.\.\.)\s|\#|//|/\*|<[\w!?/]|[{}()\[\]]+[,;]?$
    |.*[{(\[]$)""", re.VERBOSE)
_PROMPT = re.compile(r"^(?:\$|%|>>>)\s")


def _looks_like_code(body: list[str]) -> bool:
    """Whether the body of a directive simsearch does not know is code, to be left out.

    Read at the body's own indentation (deeper lines are a nested block, code or quote), its
    nested directives, options and fields set aside: code when it opens with a shell or doctest
    prompt (a session: commands, then their output) or when more than half of its other lines
    (doctest lines apart) read as code (``_CODE_LINE``). Prose bodies are kept: Sphinx domain directives (``.. function::``,
    ``.. confval::``), a project's own (``.. change::``), tabs, ``only``, ``glossary``."""
    lines = [line for line in body if line.strip()]
    if not lines:
        return False
    base = min(_indent(line) for line in lines)
    own = [line.strip() for line in lines if _indent(line) == base and not line.lstrip().startswith("..")
           and not _FIELD.match(line)]  # (an option line is a field)
    if not own:
        return False
    if _PROMPT.match(own[0]):
        return True
    own = [line for line in own if not line.startswith((">>>", "..."))]  # a doctest inside prose
    return sum(bool(_CODE_LINE.match(line)) for line in own) * 2 > len(own)


def _inline_blocks(lines: Lines, clean: Callable[[str], str]) -> Lines:
    """Apply an inline cleaner to each block (constructs may span its lines), keeping lines.
    A block whose line count the cleaner changes (a construct swallowed a newline) is cleaned
    line by line: never a crash on a user's file, at worst markup left in."""
    out: Lines = []
    block: Lines = []

    def flush():
        if not block:
            return
        cleaned = clean("\n".join(text for _, text in block)).split("\n")
        if len(cleaned) != len(block):
            cleaned = [clean(text) for _, text in block]
        for k, (_, text) in enumerate(block):  # a label with no words after it in its block: alone (``_Label``)
            if isinstance(text, _Label) and cleaned[k].rstrip().endswith(":") \
                    and not any(re.search(r"\w", after) for after in cleaned[k + 1:]):
                cleaned[k] = cleaned[k].rstrip()[:-1]
        # a line that held only markup (an image, an icon) is no blank line: the paragraph goes on
        out.extend((number, text) for (number, _), text in zip(block, cleaned) if text.strip())
        block.clear()

    for number, text in lines:
        if text.strip():
            block.append((number, text))
        else:
            flush()
            out.append((number, ""))
    flush()
    return out


# Roles whose text Sphinx shows as written, no reference ("`title <target>`", "~", "!" are text):
# docutils' :code:, Sphinx's :samp: and :file: (``_samp_text``) and its generic roles (:kbd:, :command:, ...).
_VERBATIM_ROLES = frozenset("code samp file command kbd dfn mailheader makevar mimetype newsgroup program regexp".split())
# An issue tracker's numbers (sphinx-issues' ``:issue:`` and ``:pr:``, the extlinks of the same
# names in Pallets' and pytest's docs, Django's ``:ticket:``): Sphinx shows each after a "#". As
# bare digits, a changelog item's closing ":issue:`2945`" was a sentence of its own, "2945".
_NUMBER_ROLES = frozenset(("issue", "pr", "ticket"))
# Sphinx's Python (and JavaScript) object roles: a target written with a leading "." is looked up
# from the current module and class first, and shown without the dot (``PyXRefRole.process_link``).
_OBJECT_ROLES = frozenset("func meth class attr obj exc data const mod type".split())
_NUMBER_LIST = re.compile(r"\d+(?:\s*,\s*\d+)*")
_SAMP_PART = re.compile(r"(\\\\|\\\{|\\\}|\{|\})")


def _samp_text(text: str) -> str:
    """A :samp: or :file: role's text as Sphinx shows it (its ``EmphasizedLiteral``): braces mark a
    variable part, shown without them (``print({name})`` -> "print(name)"); ``\\{``, ``\\}`` and
    ``\\\\`` are a brace and a backslash (in reStructuredText, once its own escapes are read: it
    writes ``\\\\{``); a brace that opens or closes nothing, or one inside a variable part, stays."""
    shown, stack = "", [""]  # stack: the text before a variable part, "{", the part so far
    for part in _SAMP_PART.split(text):
        if part == "{" and not (len(stack) >= 2 and stack[-2] == "{"):
            stack += ["{", ""]
        elif part == "}" and len(stack) == 3 and stack[2]:
            shown, stack = shown + stack[0] + stack[2], [""]
        elif part == "}":
            stack = ["".join(stack) + "}"]
        else:
            stack[-1] += part[-1] if part in ("\\\\", "\\{", "\\}") else part
    return shown + "".join(stack)


def _role_text(content: str, role: str = "", titles: dict[str, str] | None = None) -> str:
    """What Sphinx shows for a role: its title ("`text <target>`"), else its target read as text.

    A ``:ref:`` (MyST ``{ref}``) without a title shows the title of the section its label points
    to: ``titles`` (label key -> title, ``_section_titles``) has those defined in the same file;
    a label defined elsewhere reads as its words ("notes-on-proxies" -> "notes on proxies"),
    which search finds as the title's words more often than the label as written."""
    content = content.strip()
    role = role.strip(":").rsplit(":", 1)[-1].lower()
    if role in _VERBATIM_ROLES:  # no title and target, no "~" or "!": the text as written
        return _samp_text(content) if role in ("samp", "file") else content
    if role in _NUMBER_ROLES and _NUMBER_LIST.fullmatch(content):  # ":issue:`1060, 1680`": "#1060, #1680"
        return ", ".join(f"#{number.strip()}" for number in content.split(","))
    if role == "numref" and content.endswith(">") and "<" in content:  # "Fig. %s: {name} <label>"
        title = content[: content.rindex("<")].strip()
        name = _ref_text(content[content.rindex("<") + 1 : -1], titles)
        title = re.sub(r"\s*(?:%s|\{number\})", "", title).replace("{name}", name).strip()
        content = title or name
    elif content.endswith(">") and "<" in content:
        title = content[: content.rindex("<")].strip()
        content = title or content[content.rindex("<") + 1 : -1]
    elif role in ("ref", "numref") and not content.startswith("!"):  # ("!": no link, the text as written)
        return _ref_text(content, titles)
    elif role == "doc":  # Sphinx shows the document's title, which is in another file
        return _document_words(content)
    content = content.lstrip("!")
    if role in _OBJECT_ROLES:  # a leading "." only says where to look (":class:`.CoverageData`")
        content = content.lstrip(".")
    if content.startswith("~"):
        content = content[1:].rsplit(".", 1)[-1]
    if role in ("pep", "rfc"):
        return f"{role.upper()} {content}"
    return content


# One left-to-right scan over a block: an inline literal, a backslash escape, a role (before or
# after its text), a reference (`text`_) or interpreted text; whichever starts first is read
# first, and the scan goes on after it, so no construct can begin inside another or span from
# one literal's closing backtick to the next one's opening backtick, and an escaped character
# (``\*``, ``\```) is text that no later rule reads as markup. A role starts after no word
# character or colon: a run of ":a:a:a" is tried once, not from each of its colons.
_RST_INLINE = re.compile(
    r"``(?P<literal>.+?)``(?!`)(?P<after>(?<=\.``)\s+(?=[^\W\d_]))?"
    r"|\\(?P<escaped>.)"
    r"|(?<![\w:])(?P<role>(?::[\w.+-]+)+:)`(?P<role_text>(?=\S)(?:[^`\\]|\\.)+(?<=\S))`"
    r"|`(?P<text>(?=\S)(?:[^`\\]|\\.)+(?<=\S))`(?P<suffix>(?::[\w.+-]+)+:|_{1,2})?",
    re.DOTALL)
_FOOTNOTE_REF = re.compile(r"\s?\[(?:\d+|#[\w-]*|\*|[A-Za-z][\w.-]*)\]_")
_SUBSTITUTION = re.compile(r"(?<![\w|])\|([^|\s](?:[^|]*[^|\s])?)\|(?:_{1,2})?(?![\w|])")
# (the text never holds "**": an unclosed "**" is tried up to the next one, not to the block's end)
_STRONG = re.compile(r"(?<![\w*])\*\*(\S(?:(?:[^*]|\*(?!\*))*?\S)?)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
# A reference by a simple name ("click-contrib_", "sphinx.ext.autodoc__"): letters and digits with
# single hyphens, underscores, dots, colons or plus signs between them, as docutils reads the name.
_SIMPLE_REF = re.compile(r"(?<![\w.:+-])([A-Za-z0-9]+(?:[-_.:+][A-Za-z0-9]+)*)_{1,2}(?![\w])")
_PLACEHOLDER = re.compile(r"\0(\d+)\0")
# Punctuation that closes the text before it (up to a space): it stays beside a construct that spanned lines.
_CLOSING_PUNCTUATION = re.compile(r"""[)\]}>,.;:!?'"’”]+(?=\s|$)""")


def _protect(pattern: re.Pattern, text: str, keep: list[str], render: Callable[[re.Match], str]) -> str:
    """Replace the matches of ``pattern`` by placeholders that later markup rules cannot touch.

    Called once per block, on text that holds no NUL (``_without_nul``): a placeholder never
    holds another one, so ``_restore`` puts every kept text back in one pass.
    """
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() < position:  # (in punctuation moved beside the construct before it)
            continue
        kept = render(match)
        keep.append(kept)
        out.append(text[position:match.start()] + f"\0{len(keep) - 1}\0")
        position = match.end()
        removed = match.group(0).count("\n") - kept.count("\n")
        if removed > 0:  # a newline inside the removed part stays, so the block keeps its lines
            # after the punctuation that closes the text: "(see `a link\n<url>`_)" is "(see a link)", not "(see a link )"
            closing = _CLOSING_PUNCTUATION.match(text, position)
            if closing:
                out.append(closing.group())
                position = closing.end()
            out.append("\n" * removed)
    out.append(text[position:])
    return "".join(out)


def _restore(text: str, keep: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: keep[int(m.group(1))], text)


def _without_nul(text: str) -> str:
    """A NUL in a file (past the bytes sniffed for binary content) is not text; removing it keeps
    the placeholders unambiguous."""
    return text.replace("\0", "")


# A sentence's end inside an inline literal, and the whitespace after it (``_glued``).
_LITERAL_STOP = re.compile(r"""([.!?…]["'”’»)\]]*)(\s+)(?=\S)""")
_LOWERCASE_NEXT = re.compile(r"\s+[^\W\d_]")


def _glued(literal: str) -> str:
    """An inline literal's text (``body: Hi from child. Hi from parent.``, ``e.g. x``) as one piece
    of the sentence around it: each whitespace character after a sentence's end inside it is
    ``GLUE``, which no sentence ends before. The text keeps its length (HTML's pieces keep their
    offsets)."""
    return _LITERAL_STOP.sub(lambda stop: stop.group(1) + GLUE * len(stop.group(2)), literal)


def _glue_after(literal: str, text: str, at: int) -> str:
    """``GLUE``, to go right after a literal ending in a period, when ``text`` goes on at ``at``
    with a lowercase word ("set it to ``foo.`` and go on": one sentence, as the literal is one
    piece of it); else "". Before a capital the period still ends the sentence ("``foo.`` Then")."""
    follow = _LOWERCASE_NEXT.match(text, at)
    return GLUE if literal.endswith(".") and follow is not None and follow.group()[-1].islower() else ""


# Roles whose text Sphinx shows as code or keys (``<code>``, ``<kbd>``), as it shows an inline
# literal: one piece of the sentence around it (``_glued``). (A domain's name may come before one:
# ``:std:option:``.)
_LITERAL_ROLES = frozenset("code samp file command kbd option envvar".split())


def _rst_inline_text(match: re.Match, titles: dict[str, str] | None = None) -> str:
    if match.group("literal") is not None:
        # one piece of text as written (``body: Hi from child. Hi from parent.``): no sentence ends inside
        # it, nor at a period that ends it before a lowercase word ("set it to ``foo.`` and go on")
        text = _glued(match.group("literal").replace("\n", " "))
        after = match.group("after") or ""
        return text + (GLUE if after and match.string[match.end()].islower() else after)
    if match.group("escaped") is not None:  # an escaped space or line end is nothing (docutils)
        return "" if match.group("escaped").isspace() else match.group("escaped")
    if match.group("role") is not None:
        text = _rst_role_text(match.group("role_text"), match.group("role"), titles)
        if match.group("role").strip(":").rsplit(":", 1)[-1].lower() in _LITERAL_ROLES:  # as a literal is
            text = _glued(text.replace("\n", " "))
            return text + _glue_after(text, match.string, match.end())
        return text
    suffix = match.group("suffix") or ""
    return _rst_role_text(match.group("text"), suffix if suffix.startswith(":") else "", titles)


def _rst_role_text(raw: str, role: str, titles: dict[str, str] | None = None) -> str:
    """A role's or interpreted text's words, its escapes read (an escaped "<" opens no link
    target: ``Outer\\<int>`` is "Outer<int>"); a math role's LaTeX is kept as written."""
    if role.rstrip(":").endswith("math"):
        return raw
    if role.strip(":").rsplit(":", 1)[-1].lower() in _VERBATIM_ROLES:  # escapes read first: ":samp:`a\\\\{b}`" is "a{b}", its braces read after
        return _role_text(_rst_unescaped(raw), role, titles)
    text = _role_text(raw.replace("\\<", "\0"), role, titles)  # (the text holds no NUL: ``_without_nul``)
    return _rst_unescaped(text).replace("\0", "<")


def _rst_unescaped(text: str) -> str:
    """Text with its backslash escapes read, as docutils reads them: an escaped space or line end is nothing."""
    return re.sub(r"\\(.)", lambda m: "" if m.group(1).isspace() else m.group(1), text, flags=re.DOTALL)


def _rst_inline(text: str, replacements: dict[str, str] | None = None, titles: dict[str, str] | None = None) -> str:
    """Roles, literals and references reduced to their text; ``|name|`` to its ``replace::`` text;
    a ``:ref:`` without a title to its section's title (``titles``, see ``_role_text``)."""
    keep: list[str] = []
    text = _protect(_RST_INLINE, _without_nul(text), keep, lambda match: _rst_inline_text(match, titles))
    text = _FOOTNOTE_REF.sub("", text)
    text = _SUBSTITUTION.sub(lambda m: (replacements or {}).get(m.group(1), m.group(1)), text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _SIMPLE_REF.sub(r"\1", text)
    return _restore(text, keep)


# A fence: group 3 is a MyST directive's name ({note}, {code-cell}), group 4 the rest of the line (the
# directive's argument, or a code block's info string: a backtick fence's holds no backtick).
