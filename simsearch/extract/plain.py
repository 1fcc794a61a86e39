"""Plain text: lists, quotes and line shapes; the assembly of cleaned lines into text."""

from __future__ import annotations

import re
import unicodedata

from ..segment import COLUMN_RULE as _COLUMN_RULE, GLUE, mail_lines, source_lines, starts_item, wrap_evidence
from .rst import _GRID_BORDER, _GRID_LINE, _GRID_ROW, Lines, _Out, _rst_grid_table, _simple_cells

# A list item's bullet or number; "!" is a NEWS file's bullet for a changed feature (mutt's).
_TEXT_ITEM = re.compile(r"^(\s*)(?:[-*+!•‣⁃]|\d{1,3}[.)])\s+(?=\S)")
_TEXT_QUOTE = re.compile(r"^\s*>(?:[ \t]?>)*[ \t]?")  # an e-mail's quote markers, "> " or "> > "
# A title's underline or a rule: one punctuation character repeated ("=====", "-----", "~~~~", "* * *"),
# or two in turn ("=-=-=-=-", screen's FAQ).
_TEXT_RULE = re.compile(r"^\s*(?:([-=~^*_+#.:])(?:[ \t]*\1){2,}"
                        r"|([-=~^*_+#.:])(?!\2)([-=~^*_+#.:])(?:\2\3){2,}\2?)\s*$")
# A section number of several levels opening a line ("3.1. Leitregeln", "1.1.10. Additional package
# suggestions", a text rendering's table of contents): where a list item would start, it starts one,
# its number kept as a heading's is (not an item's marker, which the reader leaves out).
_TEXT_SECTION = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})+\.[ \t]+(?=\S)")
# A heading marked as Markdown's ("# Known bugs"): the segmenter drops the marker.
_TEXT_HEADING = re.compile(r"^\s*#{1,6}[ \t]+\S")
# A title set between two rules on its line ("------- SYSTEM REQUIREMENTS -------", procmail's README).
_RULED_TITLE = re.compile(r"^\s*([-=~*_#+])\1{3,}[ \t]+(\S(?:.*\S)?)[ \t]+\1{4,}\s*$")


def _grid_character(name: str) -> str:
    """The grid table's character for a box-drawing character's Unicode name (``_BOX_AS_GRID``)."""
    if " AND " in name or not name.endswith(("HORIZONTAL", "VERTICAL")):
        return "+"
    if name.endswith("VERTICAL"):
        return "|"
    return "=" if "HEAVY" in name or "DOUBLE" in name else "-"


# A table drawn with box-drawing characters (a DocBook manual rendered to text, rich's and tabulate's
# tables) is read as the grid table it draws: a line "─" as "-" (a heavy or double one, "━" "═", as
# "=", the border under a header), "│" as "|", every corner and junction as "+"; one character each.
_BOX_AS_GRID = {code: _grid_character(unicodedata.name(chr(code))) for code in range(0x2500, 0x2580)}


# A border between a table's rows drawn with "|" at its ends ("|-----+------|", w3m's rendering of a
# DocBook table, as the Debian Reference's text has it) is the grid border "+-----+------+".
_INNER_BORDER = re.compile(r"^(\s*)\|((?:[-=]+\+)*[-=]+)\|(?=\s*$)")


def _grid_borders(grid: list[str]) -> list[str]:
    """``grid`` with a table's outer border drawn without its columns' junctions ("+-------+" over
    "|a  |b  |", w3m's) drawn as the first border inside it that has them, so its cells are cells."""
    out = list(grid)
    k = 0
    while k < len(out):
        if not _GRID_LINE.match(out[k]):
            k += 1
            continue
        end = k
        while end < len(out) and _GRID_LINE.match(out[end]):
            end += 1
        inner = next((line for line in out[k:end] if _GRID_BORDER.match(line) and line.count("+") > 2), None)
        if inner is not None:
            for j in range(k, end):
                if _GRID_BORDER.match(out[j]) and out[j].count("+") == 2 and len(out[j].rstrip()) == len(inner.rstrip()):
                    out[j] = inner
        k = end
    return out


def _clean_plain(text: str, per_line: bool) -> Lines:
    """Plain text: in prose, a list item's bullet or number is left out and starts a block.

    Inside a paragraph a number starts an item only where ``segment.starts_item`` says so
    ("... on March\n15. Please" goes on). An e-mail's quoted lines lose their "> " markers and
    stay together, one block per run of lines quoted to the same depth. A line short enough
    to leave half the wrap width (``segment.wrap_evidence``) after it and the next line's first
    word ends its block when it ends a sentence (".", ":", ";", "!", "?") or stands in a run of
    such lines: a list of one item per line inside wrapped prose is not one sentence, and a
    line broken short by hand inside a sentence ("The results were") goes on.

    A mail's header fields and its signature's lines (``segment.mail_lines``) are a block each.

    A title's underline or a rule ("=====", "-----", "=-=-=-") ends the block before it and is left
    out: "Background ----------" is no sentence; a title set between rules on its line ("-----
    DESCRIPTION -----") is a block of its words, and a heading marked "# " a block of its line.

    A file of one sentence per line is not markup: its lines are kept exactly as written
    (a leading "- ", "* ", "1." or "#" is part of the line, as in a tokenised corpus or a log),
    but for a list item's continuation lines (``_lines_with_items``).
    """
    lines = source_lines(text)
    if per_line:
        return _lines_with_items(lines)
    width = wrap_evidence(text)[0]
    quotes = [_TEXT_QUOTE.match(line) for line in lines]
    depths = [quote.group().count(">") if quote else 0 for quote in quotes]
    texts = [line[quote.end():] if quote else line for line, quote in zip(lines, quotes)]

    def short(i: int) -> bool:
        """Line ``i`` leaves half the wrap width after it and the next line's first word (the
        next line in the same paragraph)."""
        if i < 0 or i + 1 >= len(texts) or not texts[i].strip() or not texts[i + 1].strip() or depths[i] != depths[i + 1]:
            return False
        return len(texts[i].rstrip()) + 1 + len(texts[i + 1].split()[0]) <= width / 2

    mail = mail_lines(lines)
    header_end = next((k for k in range(len(lines)) if k not in mail), len(lines))  # (the header's, from line 1)
    grid = _grid_borders([_INNER_BORDER.sub(r"\1+\2+", line.translate(_BOX_AS_GRID)) for line in texts])
    out = _Out()
    previous, in_list = "", False  # the line before (markers left out)
    numbered = False  # whether the list going on is numbered (its items open with "2." or "1.2.")
    table_end = 0
    for k, line in enumerate(texts):
        number = k + 1
        if k < table_end:
            continue
        if _GRID_BORDER.match(grid[k]) and k + 1 < len(grid) and _GRID_ROW.match(grid[k + 1]):
            table_end = _text_table(grid, k, out)
            previous, in_list = "", False
            continue
        if _COLUMN_RULE.match(line) and k + 1 < len(texts) and texts[k + 1].strip() and not depths[k]:
            table_end = _column_table(lines, k, out)  # (a row's ">" is its cell's, no quote's: the rule is not quoted)
            previous, in_list = "", False
            continue
        if k in mail:  # a mail's header field, a line of its signature: a block of its own
            if k < header_end and line[:1] in " \t" and out.lines and not out.lines[-1][1]:
                out.lines.pop()  # (a field folded onto this line goes on: "Subject: ... the" / " certificate")
                out.add(number, line)
                out.gap(number)
            else:
                out.block(number, line)
            previous, in_list = "", False
            continue
        if (k and depths[k] != depths[k - 1]) or not line.strip():
            out.gap(number)
            previous, in_list, numbered = "", False, False
        elif _TEXT_RULE.match(line):  # ends the title above it, or the paragraph: never words of a sentence
            out.gap(number)
            previous, in_list = "", False
            continue
        elif title := _RULED_TITLE.match(line):  # a block of its own: the title's words, not its rules
            out.block(number, title.group(2))
            previous, in_list = "", False
            continue
        elif _TEXT_HEADING.match(line):  # a heading ends at its line
            out.block(number, line)
            previous, in_list = "", False
            continue
        elif short(k - 1) and (previous.rstrip().endswith((".", ":", ";", "!", "?")) or short(k - 2) or short(k)):
            # a short line ending a sentence, or a run of short lines (the items of a list), is a
            # block of its own; one short line inside prose (wrapped by hand) goes on
            out.gap(number)
        item = _TEXT_ITEM.match(line)
        if item and starts_item(line, previous, in_list):
            out.gap(number)
            out.add(number, line[item.end():])
            in_list, numbered = True, item.group().strip()[0].isdigit()
        elif _TEXT_SECTION.match(line) and starts_item("2. ", previous, numbered):
            # as a numbered item that is not the first: in a numbered list or after a sentence's end; not
            # "Linux kernel\n2.6. Upon" nor "modern OAuth\n2.0. (For" in a bulleted item
            out.gap(number)
            out.add(number, line)
            in_list = numbered = True
        else:
            out.add(number, line)
        previous = line if line.strip() else ""
    return _hyphenation_undone(out.lines, text)


# A word broken at a line end: a lowercase letter before a hyphen, a letter after it.
_BROKEN_START = re.compile(r"[A-Za-z]*[a-z]-$")
_BROKEN_END = re.compile(r"[A-Za-z]\S*")
_WORD = re.compile(r"[A-Za-z]+")
_HYPHENATED = re.compile(r"\b[A-Za-z]+-[a-z]+\b")


def _hyphenation_undone(lines: Lines, text: str) -> Lines:
    """Wrapped prose's lines with each word broken at a line end ("ap-" / "plication.") whole on
    the first: joined ("application.") when ``text`` writes the word whole elsewhere and never with
    the hyphen, else with its hyphen ("set-uid", "multi-user", "on-the-fly", "Quoted-Printable"):
    in plain text a line end's hyphen is as often a compound's as hyphenation's, and a word written
    nowhere else may be either. A line left empty is left out (an empty one ends a block)."""
    words = {word.lower() for word in _WORD.findall(text)}
    kept = {word.lower() for word in _HYPHENATED.findall(text)}
    out: Lines = []
    for number, line in lines:
        before = _BROKEN_START.search(out[-1][1].rstrip()) if out and out[-1][1] else None
        after = _BROKEN_END.match(line.lstrip()) if before and line.strip() else None
        if after is None:
            out.append((number, line))
            continue
        start, rest = before.group()[:-1], line.lstrip()[after.end():]
        fragment = _WORD.match(after.group()).group()
        whole = fragment.islower() and (start + fragment).lower() in words and f"{start}-{fragment}".lower() not in kept
        head = out[-1][1].rstrip()
        out[-1] = out[-1][0], (head[:-1] if whole else head) + after.group()
        if rest.strip():
            out.append((number, rest))
    return out


# The space after a table row's leading "-", "*", "+", "#" or ">", which the segmenter would drop as a
# list's, heading's or quote's marker: ``GLUE``, a space to everything else (and before a ">", a
# quote's marker with no space after it too).
_MARKER_AS_TEXT = re.compile(r"(?<=^[-*+#>])[ \t]|^(?=>)")


def _lines_with_items(lines: list[str]) -> Lines:
    """A file of one sentence per line: each line as written, but that a list item ("* ", "- ",
    "2. ") takes the lines after it indented at least as far as its text (CommonMark's rule, a
    Debian changelog's and a NEWS file's wrapping), up to a blank line or another item: "* new
    'backtick' command to embed command" and "  output into the hardstatus line" are one item."""
    out: Lines = []
    column = None  # the open item's text column
    for number, line in enumerate(lines, start=1):
        item = _TEXT_ITEM.match(line)
        indent = len(line) - len(line.lstrip())
        if column is not None and not item and line.strip() and indent >= column:
            out[-1] = out[-1][0], f"{out[-1][1]} {line.strip()}"
            continue
        out.append((number, line))
        column = item.end() if item else None
    return out


def _column_table(lines: list[str], i: int, out: _Out) -> int:
    """A table of columns from the rule under its header at line ``i`` ("------  -------"): the
    header (a line of its own above the rule) and each row after it, up to a blank line or another
    rule, one sentence, cells cut at the rule's columns (rst's ``_simple_cells``) and joined by
    "; "; a line whose first column is empty goes on with the row above. Returns the line after
    the rows."""
    columns = [match.start() for match in re.finditer(r"\S+", lines[i])]
    if out.lines and out.lines[-1] == (i, lines[i - 1]) and (len(out.lines) == 1 or not out.lines[-2][1]):
        out.lines[-1] = i, "; ".join(cell for cell in _simple_cells(lines[i - 1], columns) if cell)
    out.gap(i + 1)
    rows: list[tuple[int, list[str]]] = []
    j = i + 1
    while j < len(lines) and lines[j].strip() and not _TEXT_RULE.match(lines[j]):
        cells = _simple_cells(lines[j].rstrip(), columns)
        if rows and not cells[0]:
            rows[-1][1][:] = [f"{a} {b}".strip() for a, b in zip(rows[-1][1], cells)]
        else:
            rows.append((j + 1, cells))
        j += 1
    for number, cells in rows:
        out.block(number, _MARKER_AS_TEXT.sub(GLUE, "; ".join(cell for cell in cells if cell)))
    return j


def _text_table(grid: list[str], i: int, out: _Out) -> int:
    """A table drawn in text from its top border at line ``i`` (``grid``: the lines with box-drawing
    characters read as a grid table's), one sentence per row, as the rst reader reads a grid table.
    A table with a border between its rows (a DocBook manual's) has rows of several lines, a cell
    wrapped over them. One with borders around its header only (psql's output, rich's tables) has a
    row per line, but that a line whose first cell is empty goes on with the row above (a cell
    wrapped), and a box of one column around a paragraph is one text. Returns the line after the table."""
    end = i + 1
    while end < len(grid) and _GRID_LINE.match(grid[end]):
        end += 1
    borders = sum(bool(_GRID_BORDER.match(line)) for line in grid[i:end])
    # A box of one column with no border inside it is a paragraph drawn around (a note, a warning),
    # wrapped over its lines: one text.
    box = borders == 2 and grid[i].count("+") == 2
    rows = _Out()
    end = _rst_grid_table(grid, i, rows, rows_by_line=borders <= 3 and not box)
    # Each row on one line at its first line, so that no cell that begins with "- ", "* " or "#"
    # (mutt's "- or <PageUp>") reads as a list item or a heading that starts a block of its own.
    row: list[tuple[int, str]] = []
    for number, text in [*rows.lines, (end, "")]:
        if text:
            row.append((number, text))
        elif row:
            out.gap(row[0][0])
            out.add(row[0][0], _MARKER_AS_TEXT.sub(GLUE, " ".join(piece for _, piece in row)))
            out.gap(number)
            row = []
    return end


def _assemble(lines: Lines) -> tuple[str, list[tuple[int, int]]]:
    """The cleaned text and its map from offsets to source lines."""
    parts, line_map, size = [], [], 0
    for number, text in lines:
        line_map.append((size, number))
        parts.append(text + "\n")
        size += len(text) + 1
    return "".join(parts), line_map


_PRE_QUOTE = re.compile(r"(?:[ \t]*>)*[ \t]?")
