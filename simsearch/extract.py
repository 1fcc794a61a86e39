"""Finding documents and getting their text: the file walk and the per-format extractors.

The walk skips hidden files and folders, paths ignored by a ``.gitignore`` on the way
down, files with an unknown extension, and binary files. Extractors return plain text
and, where the text is not the file itself (HTML, PDF), a map from text offsets back to
the file's own line numbers, so that a search hit points at ``path:line`` in the source.
"""

from __future__ import annotations

import bisect
import html
import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import SimsearchError
from .segment import (
    PARAGRAPH_PER_LINE,
    SENTENCE_PER_LINE,
    BlockSplitter,
    Sentence,
    line_shape,
    source_lines,
    split_sentences,
    starts_item,
    wrap_evidence,
)

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".rst": "rst", ".html": "html", ".htm": "html", ".pdf": "pdf"}
# Sentences longer than this are cut at a space: a model reads at most a few hundred tokens.
MAX_SENTENCE_CHARS = 1000
BINARY_SNIFF = 8192
# Raise when extraction or segmentation changes what a file yields: the index reads again every
# document read by another version (its content hash alone would keep the old sentences).
EXTRACTOR_VERSION = 9


@dataclass(frozen=True)
class FoundFile:
    path: Path  # absolute
    size: int
    mtime_ns: int


class Skip(Exception):
    """A file that is left out of the index, with the reason shown to the user."""


# --- .gitignore ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern
    negate: bool
    dir_only: bool


def _gitignore_regex(pattern: str) -> str:
    """A gitignore glob as a regex over a '/'-separated path relative to the .gitignore."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "\\":  # escapes the next character: \#, \!, \*, \ (a space)
            if i + 1 == len(pattern):
                return "(?!)"  # a trailing lone backslash: git matches nothing with the pattern
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern[i] == "[":
            bracket = _gitignore_bracket(pattern, i)
            if bracket is None:
                return "(?!)"  # an unclosed [: git's wildmatch matches nothing with the pattern
            regex, i = bracket
            out.append(regex)
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    # \Z, not $ (which also matches before a final newline): a name may hold one, as in git.
    return ("^" if anchored else "^(?:.*/)?") + body + "\\Z"


# git's wildmatch reads these classes inside brackets, on ASCII only (its own ctype table).
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "\\x21-\\x7e", "lower": "a-z", "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~", "space": " \\t\\n\\r", "upper": "A-Z", "xdigit": "0-9a-fA-F",
}


def _gitignore_bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The bracket expression at ``pattern[start]`` (a ``[``) as a regex class and the index
    after it, read as git's wildmatch reads it: ``!`` or ``^`` first negates, a ``]`` first is
    literal, ``\\`` escapes the next character, ``a-z`` is a range, ``[:alpha:]`` and the other
    POSIX classes are their ASCII characters; a negated one never matches ``/``. None when the
    pattern can match nothing: the bracket is not closed, or it names an unknown class."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    i += negate
    items: list[str] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            return ("[^/" if negate else "[") + "".join(items) + "]", i + 1
        first = False
        if char == "[" and pattern.startswith(":", i + 1):
            end = pattern.find("]", i + 2)
            if end < 0:
                return None
            if end - 1 >= i + 2 and pattern[end - 1] == ":":
                name = pattern[i + 2:end - 1]
                if name not in _POSIX_CLASSES:
                    return None  # git: a malformed class matches nothing
                items.append(_POSIX_CLASSES[name])
                i = end + 1
                continue
            # no ":]" before the next "]": the "[" is an ordinary character
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        i += 1
        if i + 1 < len(pattern) and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            i += 2
            if high == "\\" and i < len(pattern):
                high, i = pattern[i], i + 1
            # a reversed range (z-a) matches its first character only, as wildmatch compares it first
            items.append(f"{re.escape(char)}-{re.escape(high)}" if char <= high else re.escape(char))
        else:
            items.append(re.escape(char))
    return None


def parse_gitignore(text: str) -> list[_Rule]:
    r"""A .gitignore's rules, its lines read as git reads them (``git check-ignore`` agrees): a
    line ends at ``\n`` only (a form feed, U+2028 or U+0085 is part of its pattern, where
    ``str.splitlines`` would cut it), one ``\r`` before that is dropped (CRLF files), then
    trailing spaces unless backslash-escaped (not tabs, which stay); a byte-order mark at the
    very start is skipped."""
    rules = []
    for raw in text.removeprefix("\ufeff").split("\n"):
        line = raw.removesuffix("\r")
        trimmed = line.rstrip(" ")
        if len(trimmed) < len(line) and (len(trimmed) - len(trimmed.rstrip("\\"))) % 2:
            trimmed = line[:len(trimmed) + 1]  # an odd run of backslashes escapes the first space
        line = trimmed
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        rules.append(_Rule(re.compile(_gitignore_regex(_as_bytes(line)), re.DOTALL), negate, line.endswith("/")))
    return rules


def _as_bytes(text: str) -> str:
    """``text``'s UTF-8 bytes, one character each: git matches patterns against names byte by
    byte (``?`` or ``[!a]`` is one byte, not one character), and so do these regexes."""
    return os.fsencode(text).decode("latin-1")


def _ignored(rules: list[tuple[Path, list[_Rule]]], path: Path, is_dir: bool) -> bool:
    """Last matching rule wins, deeper .gitignore files after shallower ones (as git does)."""
    ignored = False
    for base, base_rules in rules:
        relative = _as_bytes(path.relative_to(base).as_posix())
        for rule in base_rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(relative):
                ignored = not rule.negate
    return ignored


# --- the walk -----------------------------------------------------------------------------

def printable(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 backslash-escaped."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_undecodable(name: Path | str) -> bool:
    """Whether a name holds bytes that are not UTF-8 (Python keeps them as lone surrogates).

    Such a path cannot be stored in SQLite as text nor printed, so the walk skips it with a
    warning rather than storing an escaped name that could collide with a real one.
    """
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def walk(roots: list[Path]) -> Iterator[FoundFile | tuple[Path, str]]:
    """Yield every indexable file under ``roots``, or ``(path, reason)`` for a skipped one.

    Files named directly are taken whatever their name; hidden entries and ignored
    paths are skipped only below a named folder. A problem with one entry (a name that is
    not UTF-8, an unreadable folder, a symlink loop, a path too long) skips that entry, never
    the walk. The walk keeps its own stack, so nesting depth is not bounded by Python's.
    """
    for root in roots:
        root = Path(root).expanduser().absolute()
        if is_undecodable(root):
            yield root, "skipped: the path is not valid UTF-8 (rename it to index it)"
            continue
        try:
            exists, is_file = root.exists(), root.is_file()
        except OSError as exc:
            yield root, f"skipped: cannot read ({exc.strerror or exc})"
            continue
        if not exists:
            raise SimsearchError(f"{root}: no such file or folder")
        if is_file:
            found = _found(root)
            if isinstance(found, FoundFile):
                yield found
            else:
                yield root, found or f"unsupported file type {root.suffix or '(none)'}"
            continue
        yield from _walk_dir(root)


_Frame = tuple[Iterator[os.DirEntry], list[tuple[Path, list[_Rule]]]]


def _walk_dir(top: Path) -> Iterator[FoundFile | tuple[Path, str]]:
    """Depth first, each folder's entries in name order (the order a recursive walk gives)."""
    stack: list[_Frame] = []
    seen: set[tuple[int, int]] = set()  # (device, inode) of folders entered: a bind-mount loop ends
    yield from _enter(top, [], stack, seen)
    while stack:
        entries, rules = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if is_undecodable(entry.name):
            yield path, "skipped: the name is not valid UTF-8 (rename it to index it)"
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)  # symlinked folders are not followed
        except OSError as exc:
            yield path, f"skipped: cannot read ({exc.strerror or exc})"
            continue
        if rules and _ignored(rules, path, is_dir):
            continue
        if is_dir:
            yield from _enter(path, rules, stack, seen)
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        found = _found(path, entry)
        if found is not None:
            yield found if isinstance(found, FoundFile) else (path, found)


def _enter(folder: Path, rules: list[tuple[Path, list[_Rule]]], stack: list[_Frame],
           seen: set[tuple[int, int]]) -> Iterator[tuple[Path, str]]:
    """Push a folder's sorted entries (and its .gitignore rules) on the stack, or say why not."""
    try:
        stat = os.stat(folder)
        if (stat.st_dev, stat.st_ino) in seen:
            yield folder, "skipped: folder already walked (a loop of mounts or links)"
            return
        seen.add((stat.st_dev, stat.st_ino))
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"skipped: cannot list folder ({exc.strerror or exc})"
        return
    if any(entry.name == ".gitignore" for entry in entries):
        gitignore = folder / ".gitignore"
        try:
            rules = [*rules, (folder, parse_gitignore(os.fsdecode(gitignore.read_bytes())))]
        except IsADirectoryError:
            pass
        except OSError as exc:
            yield gitignore, f"cannot read ({exc.strerror or exc}); its rules are not applied"
    stack.append((iter(entries), rules))


def _found(path: Path, entry: os.DirEntry | None = None) -> FoundFile | str | None:
    """The file with its size and mtime; None if it is not a file we index; a reason if unreadable."""
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        if entry is not None and not entry.is_file():  # follows a symlink: a link loop raises
            return None
        stat = entry.stat() if entry is not None else path.stat()
    except FileNotFoundError:
        return None  # vanished between listing and stat, or a dangling link
    except OSError as exc:
        return f"skipped: cannot read ({exc.strerror or exc})"
    return FoundFile(path, stat.st_size, stat.st_mtime_ns)


# --- extraction ---------------------------------------------------------------------------

@dataclass
class Extracted:
    text: str
    format: str  # how the file was read: "text", "markdown", "rst", "html" or "pdf" (``format_of``)
    warning: str | None = None
    # (offset in text, source line) pairs, sorted; None when text lines are the file's lines.
    line_map: list[tuple[int, int]] | None = None
    # Plain text of one paragraph per line: every line break ends a sentence (``segment.line_shape``).
    lines_are_blocks: bool = False
    # Plain text of one sentence or thought per line: each line is one sentence, as written.
    lines_are_sentences: bool = False
    # Markup removed and every block ended by a blank line (Markdown, reStructuredText): a line
    # that starts with "-", "*", "#" or ">" is text, not a new block (``segment.split_sentences``).
    blocks_marked: bool = False

    def source_line(self, offset: int, text_line: int) -> int:
        if not self.line_map:
            return text_line
        # bisect on the pairs themselves: (offset, inf) sorts after every entry at that offset.
        i = bisect.bisect_right(self.line_map, (offset, float("inf"))) - 1
        return self.line_map[max(i, 0)][1]


def extract(path: Path, data: bytes) -> Extracted:
    """Text of a file from its bytes; raises ``Skip`` for binary or unreadable content.

    Markdown and reStructuredText (``.rst``, and Sphinx's ``_sources/*.rst.txt``) come out
    as prose without markup or code; plain text is read by its shape (``segment.line_shape``):
    wrapped prose, one paragraph per line, or one sentence per line (each line kept as written).
    """
    file_format = format_of(path)
    if file_format == "pdf" or is_pdf_data(data):  # (a PDF under another name: its text, not its syntax)
        return _extract_pdf(path, data)
    if b"\0" in data[:BINARY_SNIFF] and not is_utf16(data):  # UTF-16 text is full of NUL bytes
        raise Skip("binary content")
    text, warning = decode(data)
    if file_format == "html":
        return _extract_html(text, warning)
    shape = None
    if file_format == "markdown":
        lines = _clean_markdown(text)
    elif file_format == "rst":
        lines = _clean_rst(text)
    else:
        shape = line_shape(text)
        lines = _clean_plain(text, shape == SENTENCE_PER_LINE)
    clean, line_map = _assemble(lines)
    return Extracted(clean, file_format, warning, line_map, lines_are_blocks=shape == PARAGRAPH_PER_LINE,
                     lines_are_sentences=shape == SENTENCE_PER_LINE, blocks_marked=shape is None)


def format_of(path: Path) -> str:
    """How a file is read: text, markdown, rst, html or pdf (``a.rst.txt`` is rst)."""
    name = path.name.lower()
    if name.endswith((".rst.txt", ".rest.txt")):
        return "rst"
    if name.endswith(".md.txt"):
        return "markdown"
    return TEXT_SUFFIXES.get(path.suffix.lower(), "text")


def is_utf16(data: bytes) -> bool:
    """Text with a UTF-16 byte-order mark that decodes as UTF-16 (Windows tools write it); the
    mark alone (a file's first two bytes) counts."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes) -> tuple[str, str | None]:
    """UTF-8 (with or without BOM; UTF-16 with a BOM); otherwise cp1252, with a warning."""
    if is_utf16(data):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warning = f"not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as cp1252"
        return data.decode("cp1252", errors="replace"), warning


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
# per sentence, cells joined with "; " (a simple table's cells cut at its border's columns).
# Every output line keeps the number of the line it came from.

Lines = list[tuple[int, str]]

_CODE_DIRECTIVES = frozenset(
    """
    code code-block sourcecode literalinclude highlight doctest testcode testoutput testsetup testcleanup
    ipython jupyter-execute jupyter-kernel math raw productionlist parsed-literal graphviz digraph graph
    inheritance-diagram uml plantuml mermaid csv-table toctree autosummary index include image
    autoclasstree program-output command-output runblock plot tabularcolumns role
    default-role default-domain contents sectnum header footer meta title currentmodule highlightlang
    code-tab prompt spelling:word-list rst-class cssclass eval-rst exec
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


def _add_row(out: "_Out", cells: list[list[tuple[int, str]]]) -> None:
    """A table's row as one block: its cells in order, joined with "; ", each cell's lines kept
    on their own source lines (a cell wrapped over several lines reads as one text)."""
    cells = [cell for cell in cells if any(text for _, text in cell)]
    if not cells:
        return
    out.gap(cells[0][0][0])
    for k, cell in enumerate(cells):
        pieces = [(number, text) for number, text in cell if text]
        for m, (number, text) in enumerate(pieces):
            out.add(number, text + (";" if m == len(pieces) - 1 and k < len(cells) - 1 else ""))
    out.gap(cells[-1][-1][0])


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
    row: list[list[tuple[int, str]]] = []
    seen, j = 1, i + 1
    while j < len(lines):
        line = lines[j]
        j += 1
        if _SIMPLE_BORDER.match(line):
            _add_row(out, row)
            row = []
            seen += 1
            if seen >= 3 or j == len(lines) or not lines[j].strip():
                break
        elif line.strip() and not _SIMPLE_RULE.match(line):  # (a header's column-span underline is no row)
            cells = _simple_cells(line, columns)
            if not (row and len(columns) > 1 and not cells[0]):
                _add_row(out, row)
                row = [[] for _ in columns]
            for cell, text in zip(row, cells):
                cell.append((j, text))
    _add_row(out, row)
    return j


def _rst_grid_table(lines: list[str], i: int, out: "_Out") -> int:
    """A grid table from its top border at line ``i``: each row (the lines between two full
    borders) added as one block (``_add_row``); a cell closed inside the row by a span's border
    (``|   +-----+``) comes before the cell under it. Columns are cut at the ``+`` of the top
    border where a line has a ``|`` or ``+`` there (a cell spanning columns has none); a line
    that does not line up is cut at its ``|``. Returns the line after the table."""
    columns = [match.start() for match in re.finditer(r"\+", lines[i])]
    cells: dict[int, list[tuple[int, str]]] = {}  # column -> the lines of its open cell
    closed: dict[int, list[list[tuple[int, str]]]] = {}  # column -> cells closed above the open one

    def close(column: int) -> None:
        cell = cells.pop(column, [])
        if cell:
            closed.setdefault(column, []).append(cell)

    def flush() -> None:
        for column in list(cells):
            close(column)
        _add_row(out, [cell for column in sorted(closed) for cell in closed[column]])
        closed.clear()

    out.gap(i + 1)
    j = i + 1
    while j < len(lines) and _GRID_LINE.match(lines[j]):
        line = lines[j].rstrip()
        j += 1
        if _GRID_BORDER.match(line):
            flush()
            continue
        bounds = [c for c in columns if c < len(line) and line[c] in "+|"]
        if not bounds or bounds[-1] != len(line) - 1:  # not lined up with the top border
            pieces = list(enumerate(line.strip().strip("|+").split("|")))
        else:
            pieces = [(columns.index(a), line[a + 1:b]) for a, b in zip(bounds, bounds[1:])]
        for column, piece in pieces:
            piece = piece.strip()
            if piece and not piece.strip("-=:+"):  # a span's border: the cell above it ends
                close(column)
            elif piece:
                cells.setdefault(column, []).append((j, piece))
    flush()
    out.gap(j)
    return j


_NESTED_BULLET = re.compile(r"[-*+•‣⁃][ \t]+(?=\S)")


def _rst_list_table(lines: list[str], start: int, end: int, out: "_Out") -> int:
    """A ``list-table`` directive's body (lines ``start`` to ``end``), each row added as one
    block (``_add_row``, as grid and simple tables give their rows): a row is an item of the
    outer bullet list, a cell an item of the list inside it ("* - a" opens both). A cell's
    directive (a code block in a cell) is left out with what is indented under it."""
    rows: list[list[list[tuple[int, str]]]] = []
    row_indent = cell_indent = skip_deeper = None
    for number in range(start, end):
        line = lines[number]
        if not line.strip():
            continue
        indent, text = _indent(line), line.strip()
        if skip_deeper is not None and indent > skip_deeper:
            continue
        skip_deeper = None
        bullet = _NESTED_BULLET.match(text)
        if row_indent is None:
            row_indent = indent
        if bullet and indent == row_indent:
            rows.append([])
            rest = text[bullet.end():]
            cell = _NESTED_BULLET.match(rest)
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
    for row in rows:
        _add_row(out, row)
    return end


def _nested_bullets_end(line: str, start: int) -> int:
    """Where an item's text begins after the bullets of items nested on its first line (a
    list-table's "- * cell", Markdown's "- * item")."""
    while nested := _NESTED_BULLET.match(line, start):
        start = nested.end()
    return start


class _Out:
    """Collects (source line, text) pairs; ``gap`` ends the current block."""

    def __init__(self):
        self.lines: Lines = []

    def gap(self, number: int) -> None:
        if self.lines and self.lines[-1][1]:
            self.lines.append((number, ""))

    def add(self, number: int, text: str) -> None:
        self.lines.append((number, text))

    def block(self, number: int, text: str) -> None:
        self.gap(number)
        if text.strip():
            self.add(number, text)
            self.gap(number)


def _clean_rst(text: str) -> Lines:
    lines = source_lines(text)
    borders = [k for k, line in enumerate(lines) if _SIMPLE_BORDER.match(line)]
    replacements: dict[str, str] = {}  # |name| -> its replace:: text, collected on the way
    out = _Out()
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
            i, continues, literal_after = _rst_explicit(lines, i, explicit, out, replacements)
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
    cleaned = {name: _rst_inline(value) for name, value in replacements.items()}
    return _inline_blocks(out.lines, lambda block: _rst_inline(block, cleaned))


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


def _rst_explicit(lines: list[str], i: int, explicit: re.Match, out: _Out,
                  replacements: dict[str, str]) -> tuple[int, bool, int | None]:
    """A ``..`` construct at line ``i``: directive, target, comment, footnote, substitution.

    Returns the next line to read; whether that line goes on with the text begun on the
    construct's own line (".. note:: This is\\n   one sentence.", ".. [1]\\n   Its text."); and the
    indentation a literal block must exceed when that text ended with "::". A ``replace::``
    substitution's text goes into ``replacements``.
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
        end = _body_end(lines, i, indent)
        kind = directive.group(2).lower() if directive and directive.group(1) else ""
        if kind == "replace":
            body = [directive.group(3) or ""] + [line.strip() for line in lines[i + 1:min(end, _skip_to_blank(lines, i + 1))]]
            replacements[directive.group(1).strip().strip("|").strip()] = " ".join(body).strip()
        elif kind == "image":  # an icon or picture in the text: no words
            replacements[directive.group(1).strip().strip("|").strip()] = ""
        return end, False, None
    name = directive.group(2).lower()
    short = name.rsplit(":", 1)[-1]
    if short in _CODE_DIRECTIVES or name in _CODE_DIRECTIVES:
        return _body_end(lines, i, indent), False, None
    argument = (directive.group(3) or "").strip()
    prose = short in _PROSE_ARGUMENT
    literal = None
    if prose and argument:
        argument = " ".join(argument.split(None, _VERSIONED.get(short, 0))[_VERSIONED.get(short, 0):])
        _, literal = _rst_paragraph_line(out, number, argument, indent, i)
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
    out.gap(number)
    if short == "list-table":
        return _rst_list_table(lines, j, _body_end(lines, j - 1, indent), out), False, None
    if not prose and _looks_like_code(lines[j:_body_end(lines, j - 1, indent)]):
        return _body_end(lines, j - 1, indent), False, None  # a directive simsearch does not know, around code
    return j, False, literal


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


def _role_text(content: str, role: str = "") -> str:
    content = content.strip()
    if content.endswith(">") and "<" in content:
        title = content[: content.rindex("<")].strip()
        content = title or content[content.rindex("<") + 1 : -1]
    content = content.lstrip("!")
    if content.startswith("~"):
        content = content[1:].rsplit(".", 1)[-1]
    role = role.strip(":").rsplit(":", 1)[-1].lower()
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
    r"``(?P<literal>.+?)``(?!`)"
    r"|\\(?P<escaped>.)"
    r"|(?<![\w:])(?P<role>(?::[\w.+-]+)+:)`(?P<role_text>(?=\S)(?:[^`\\]|\\.)+(?<=\S))`"
    r"|`(?P<text>(?=\S)(?:[^`\\]|\\.)+(?<=\S))`(?P<suffix>(?::[\w.+-]+)+:|_{1,2})?",
    re.DOTALL)
_FOOTNOTE_REF = re.compile(r"\s?\[(?:\d+|#[\w-]*|\*|[A-Za-z][\w.-]*)\]_")
_SUBSTITUTION = re.compile(r"(?<![\w|])\|([^|\s](?:[^|]*[^|\s])?)\|(?:_{1,2})?(?![\w|])")
# (the text never holds "**": an unclosed "**" is tried up to the next one, not to the block's end)
_STRONG = re.compile(r"(?<![\w*])\*\*(\S(?:(?:[^*]|\*(?!\*))*?\S)?)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
_SIMPLE_REF = re.compile(r"(?<![\w-])([A-Za-z0-9]+)_{1,2}(?![\w])")
_PLACEHOLDER = re.compile(r"\0(\d+)\0")


def _protect(pattern: re.Pattern, text: str, keep: list[str], render: Callable[[re.Match], str]) -> str:
    """Replace the matches of ``pattern`` by placeholders that later markup rules cannot touch.

    Called once per block, on text that holds no NUL (``_without_nul``): a placeholder never
    holds another one, so ``_restore`` puts every kept text back in one pass.
    """
    def sub(match):
        kept = render(match)
        keep.append(kept)  # a newline inside the removed part stays, so the block keeps its lines
        return f"\0{len(keep) - 1}\0" + "\n" * (match.group(0).count("\n") - kept.count("\n"))
    return pattern.sub(sub, text)


def _restore(text: str, keep: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: keep[int(m.group(1))], text)


def _without_nul(text: str) -> str:
    """A NUL in a file (past the bytes sniffed for binary content) is not text; removing it keeps
    the placeholders unambiguous."""
    return text.replace("\0", "")


def _rst_inline_text(match: re.Match) -> str:
    if match.group("literal") is not None:
        return match.group("literal").replace("\n", " ")
    if match.group("escaped") is not None:  # an escaped space or line end is nothing (docutils)
        return "" if match.group("escaped").isspace() else match.group("escaped")
    if match.group("role") is not None:
        return _rst_role_text(match.group("role_text"), match.group("role"))
    suffix = match.group("suffix") or ""
    return _rst_role_text(match.group("text"), suffix if suffix.startswith(":") else "")


def _rst_role_text(raw: str, role: str) -> str:
    """A role's or interpreted text's words, its escapes read (an escaped "<" opens no link
    target: ``Outer\\<int>`` is "Outer<int>"); a math role's LaTeX is kept as written."""
    if role.rstrip(":").endswith("math"):
        return raw
    text = _role_text(raw.replace("\\<", "\0"), role)  # (the text holds no NUL: ``_without_nul``)
    return re.sub(r"\\(.)", lambda m: "" if m.group(1).isspace() else m.group(1), text, flags=re.DOTALL).replace("\0", "<")


def _rst_inline(text: str, replacements: dict[str, str] | None = None) -> str:
    """Roles, literals and references reduced to their text; ``|name|`` to its ``replace::`` text."""
    keep: list[str] = []
    text = _protect(_RST_INLINE, _without_nul(text), keep, _rst_inline_text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _SUBSTITUTION.sub(lambda m: (replacements or {}).get(m.group(1), m.group(1)), text)
    text = _STRONG.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    text = _SIMPLE_REF.sub(r"\1", text)
    return _restore(text, keep)


# A fence: group 3 is a MyST directive's name ({note}, {code-cell}), group 4 the rest of the line (the
# directive's argument, or a code block's info string: a backtick fence's holds no backtick).
_MD_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})[ \t]*(?:\{([\w:.-]+)\}[ \t]*)?(.*?)\s*$")
_MD_HEADING = re.compile(r"^\s*#{1,6}(?:[ \t]+(.*)|$)")
_MD_ITEM = re.compile(r"^(\s*)(?:[-*+•]|(\d{1,9})[.)])\s+(?:\[[ xX]\]\s+)?(?=\S)")
_MD_QUOTE = re.compile(r" {0,3}>(?!>>) ?")  # one marker; ">>>" is a doctest's prompt
_MD_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]^]+\]:\s*\S")
_MD_FOOTNOTE_DEF = re.compile(r"^\s{0,3}\[\^[^\]]+\]:\s*")
_MD_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_MD_CELL_PIPE = re.compile(r"(?<!\\)\|")
# A setext heading's underline (any length, after a paragraph line); a thematic break with spaces (``* * *``).
_MD_SETEXT = re.compile(r"^\s*(?:=+|-+)\s*$")
_MD_BREAK = re.compile(r"^\s*([-*_])(?:[ \t]*\1){2,}\s*$")
# GitHub's alert marker, alone on a block quote's first line.
_MD_ALERT = re.compile(r"^\s*\[![A-Za-z]+\]\s*$")
# A front matter's lines: YAML or TOML keys, list entries, comments, tables, indented values.
_MD_FRONT_MATTER_LINE = re.compile(r"""^(?:\s|#|-(?:\s|$)|\[|["']?[\w.-]+["']?\s*[:=])""")
# HTML blocks whose content is not Markdown (CommonMark's first kind): left out up to the closing tag.
_MD_RAW_HTML = re.compile(r"^\s*<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
# An admonition (``!!! note "Title"``, ``??? warning classes``, ``!!! info inline end``) or a
# content tab (``=== "Label"``, ``===! "Label"``); the title or label is group 2.
_MD_ADMONITION = re.compile(r"^(\s*)(?:(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+[\w-]+)*(?:\s+\"(.*)\")?|===[!+]*\s+\"(.*)\")\s*$")
# pymdown's Blocks: ``/// type | title`` opens (its YAML options indented under it), ``///`` closes.
_MD_BLOCK_OPEN = re.compile(r"^(\s*)/{3,}\s*([\w-]+)(?:\s*\|\s*(.*?))?\s*$")
_MD_BLOCK_CLOSE = re.compile(r"^\s*/{3,}\s*$")
# pymdown's Snippets: ``--8<-- "file.md"`` includes a file; a bare ``--8<--`` opens and closes a list of files.
_MD_SNIPPET = re.compile(r"^\s*-+8<-+\s*(?:(?:\"[^\"]*\"|'[^']*')\s*)?$")
_MD_SNIPPET_FILE = re.compile(r"^\s*(?:;.*|\S+)?\s*$")
_MD_SKIP_LINE = re.compile(r"^\s*(?:\[TOC\]|\*\[[^\]]+\]:.*|\([\w:.-]+\)=|%\s.*|\{[:#.][^}]*\})\s*$")
# Fences around code besides the rst directives of _CODE_DIRECTIVES: MyST-NB's and Quarto's cells.
_MD_CODE_DIRECTIVES = frozenset({"code-cell", "python", "r", "julia", "ojs", "sql", "bash", "dot"})
# MyST directives whose argument is a title (a block of its own), and those whose text on the fence
# line is their body's first line (``{note} Text``); a versioned one's argument starts with versions.
_MD_TITLE_DIRECTIVES = frozenset({"admonition", "topic", "sidebar", "rubric", "centered", "dropdown", "tab-item",
                                  "tab", "card", "grid-item-card", "margin", "table", "list-table"})
_MD_BODY_DIRECTIVES = frozenset({"note", "warning", "tip", "hint", "important", "caution", "danger", "error",
                                 "attention", "seealso", "todo", "epigraph", "highlights", "pull-quote"})


def _md_unquote(line: str, container: int) -> tuple[str, bool]:
    """A line without its block-quote markers (``> ``, nested ``> > ``), the indentation before
    them kept, and whether it had any. A marker indented four columns past the container is code."""
    indent = _indent(line)
    if indent > container + 3:
        return line, False
    end = indent
    while marker := _MD_QUOTE.match(line, end):
        end = marker.end()
    return (line[:indent] + line[end:], True) if end > indent else (line, False)


def _md_cells(row: str) -> list[str]:
    """A table row's cells, split at its pipes but not at an escaped one (``\\|``)."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip() for cell in _MD_CELL_PIPE.split(row)]


def _md_row(row: str) -> str:
    return "; ".join(cell for cell in _md_cells(row) if cell)


def _md_fence_argument(name: str, argument: str) -> str:
    """A MyST directive's argument without the versions a versioned one starts with."""
    versions = _VERSIONED.get(name, 0)
    return " ".join(argument.split(None, versions)[versions:]) if versions else argument


def _clean_markdown(text: str) -> Lines:
    lines = [line.expandtabs(4) for line in source_lines(text)]
    out = _Out()
    rst_bodies: list[tuple[int, int, Lines]] = []  # each {eval-rst} body read as rst: where it goes in out.lines
    i = 0
    container = 0  # content column of the list item, footnote or admonition the lines belong to
    in_paragraph = False  # the last line read is a paragraph's: the next one may continue it
    in_table = False
    unclosed: set = set()  # fences (and "$$") found with no closer up to the end of the file

    def content(j: int) -> str:  # line j without its block-quote markers
        return _md_unquote(lines[j], container)[0]

    if lines and lines[0].strip() in ("---", "+++"):  # front matter, when its lines read as YAML or TOML
        close = lines[0].strip()
        end = next((j for j in range(1, len(lines)) if lines[j].strip() in (close, "...")), None)
        if end is not None and all(_MD_FRONT_MATTER_LINE.match(line) for line in lines[1:end] if line.strip()):
            i = end + 1
    while i < len(lines):
        number = i + 1
        line, quoted = _md_unquote(lines[i], container)
        stripped = line.strip()
        indent = _indent(line)
        if not stripped:
            out.gap(number)
            in_paragraph, in_table = False, False
            i += 1
            continue
        if indent < container and not in_paragraph and not _MD_ITEM.match(line):
            container = 0
        block_start = indent <= container + 3  # neither code nor a paragraph's indented continuation
        while block_start and stripped.startswith("<!--") and (close := line.find("-->", indent + 2)) != -1:
            line = line[close + 3:]  # a comment that ends on its line; another one may follow it
            stripped, indent = line.strip(), _indent(line)
            if not stripped:
                break
        if not stripped:
            i += 1
            continue
        if block_start and stripped.startswith("<!--"):  # an HTML comment up to the line holding -->
            j = i + 1
            while j < len(lines) and "-->" not in lines[j]:
                j += 1
            out.gap(number)
            in_paragraph = False
            if j < len(lines):
                lines[j] = lines[j][lines[j].index("-->") + 3:]
            i = j
            continue
        raw = _MD_RAW_HTML.match(line) if block_start else None
        if raw:
            closing = re.compile(rf"</{raw.group(1)}\s*>", re.IGNORECASE)
            j = i
            while j < len(lines) and not closing.search(lines[j]):
                j += 1
            out.gap(number)
            in_paragraph = False
            i = j + 1
            continue
        fence = _MD_FENCE.match(line) if block_start else None
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(4)):
            mark, name = fence.group(2), (fence.group(3) or "").lower()
            closing = re.compile(rf"^ {{0,{container + 3}}}{re.escape(mark[0])}{{{len(mark)},}}\s*$")
            j, closed = i + 1, False
            if not quoted and (mark[0], len(mark), container) in unclosed:
                j = len(lines)  # (a later one of the same kind finds none either)
            while j < len(lines):
                body, in_quote = _md_unquote(lines[j], container)
                if quoted and not in_quote:  # the quote ends, and the fence in it
                    break
                if closing.match(body):
                    closed = True
                    break
                j += 1
            if j == len(lines) and not quoted:
                unclosed.add((mark[0], len(mark), container))
            out.gap(number)
            in_paragraph = False
            short = name.rsplit(":", 1)[-1]
            if short == "eval-rst":  # rst inside Markdown: read by the rst reader
                body_lines = [content(k) for k in range(i + 1, j)]
                base = min((_indent(body) for body in body_lines if body.strip()), default=0)
                rst_lines = _clean_rst("\n".join(body[base:] for body in body_lines))
                rst_bodies.append((len(out.lines), j, [(number + n, body) for n, body in rst_lines]))
                i = j + 1 if closed else j
                continue
            if (not name and mark[0] != ":") or (name.startswith((".", "#")) and mark[0] != ":") \
                    or name in _CODE_DIRECTIVES or short in _CODE_DIRECTIVES or short in _MD_CODE_DIRECTIVES:
                i = j + 1 if closed else j
                continue
            # a MyST directive or a ::: div around prose: its argument kept (a title, or its body's
            # first line), its options dropped (":key: value" lines or a "---" YAML block), its body read
            if closed:
                lines[j] = ""
            k = i + 1
            if k < j and content(k).strip() == "---":
                end = next((m for m in range(k + 1, j) if content(m).strip() in ("---", "")), None)
                for m in range(k, end + 1 if end is not None and content(end).strip() == "---" else -1):
                    lines[m] = ""
            else:
                while k < j and _OPTION_LINE.match(content(k)):
                    lines[k] = ""
                    k += 1
            argument = _md_fence_argument(short, fence.group(4)) if fence.group(3) else ""
            if short in _MD_TITLE_DIRECTIVES:
                out.block(number, argument)
            elif argument and (short in _MD_BODY_DIRECTIVES or short in _VERSIONED):
                out.add(number, argument)
                in_paragraph = True
            i += 1
            continue
        if stripped.startswith(">>>"):
            while i < len(lines) and content(i).strip():
                i += 1
            out.gap(number)
            in_paragraph = False
            continue
        if indent >= container + 4 and not in_paragraph and not in_table:  # indented code
            while i < len(lines) and (not content(i).strip() or _indent(content(i)) >= container + 4):
                i += 1
            out.gap(number)
            continue
        if _MD_SKIP_LINE.match(line) or _MD_LINK_DEF.match(line) or (quoted and _MD_ALERT.match(line)):
            out.gap(number)
            in_paragraph = False
            i += 1
            continue
        admonition = _MD_ADMONITION.match(line)
        if admonition:
            container = indent + 4
            out.block(number, admonition.group(2) or admonition.group(3) or "")
            in_paragraph = False  # its indented body is prose; code in it is fenced or indented further
            i += 1
            continue
        opened = _MD_BLOCK_OPEN.match(line)
        if opened or _MD_BLOCK_CLOSE.match(line):
            out.gap(number)
            title = (opened.group(3) or "") if opened else ""
            if opened and opened.group(2).lower() != "html" and "=" not in title:  # not an element (div.result), not options
                out.block(number, title)
            i += 1
            while opened and i < len(lines) and lines[i].strip() and _indent(lines[i]) > indent:
                i += 1  # the block's options
            in_paragraph = False
            continue
        if _MD_SNIPPET.match(line):
            out.gap(number)
            j = i + 1
            if stripped.strip("-8<") == "":  # a bare marker: a list of files up to the next one
                while j < len(lines) and _MD_SNIPPET_FILE.match(lines[j]) and not _MD_SNIPPET.match(lines[j]):
                    j += 1
                j = j + 1 if j < len(lines) and _MD_SNIPPET.match(lines[j]) else i + 1
            i = j
            in_paragraph = False
            continue
        if block_start and stripped.startswith("$$") and not stripped.startswith("$$$"):  # display math
            end = None
            if stripped.find("$$", 2) == -1 and "$$" not in unclosed:  # opened here, closed by a later line's $$
                end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip().endswith("$$")), None)
                if end is None:
                    unclosed.add("$$")
            elif stripped.endswith("$$"):
                end = i
            if end is not None:
                out.gap(number)
                in_paragraph = False
                i = end + 1
                continue
        heading = _MD_HEADING.match(line) if block_start else None
        if heading:
            title = (heading.group(1) or "").rstrip()
            bare = title.rstrip("#")
            if bare != title and (not bare or bare[-1] in " \t"):  # a closing sequence: ## Title ##
                title = bare
            out.block(number, title)
            in_paragraph = False
            i += 1
            continue
        if _ADORNMENT.match(line) or _MD_BREAK.match(line) or (in_paragraph and _MD_SETEXT.match(line)):
            out.gap(number)  # setext underline, thematic break
            in_paragraph = False
            i += 1
            continue
        if "|" in line and in_table:
            out.block(number, _md_row(line))
            i += 1
            continue
        if "|" in line and i + 1 < len(lines):
            separator = content(i + 1)
            if "-" in separator and _MD_TABLE_SEPARATOR.match(separator) \
                    and len(_md_cells(separator)) == len(_md_cells(line)):
                out.block(number, _md_row(line))  # the header row; the separator row is skipped
                in_table, in_paragraph = True, False
                i += 2
                continue
        footnote = _MD_FOOTNOTE_DEF.match(line)
        item = _MD_ITEM.match(line)
        if item and item.group(2) and int(item.group(2)) != 1 and in_paragraph and indent >= container:
            item = None  # "15." starting a wrapped line: only a list that starts at 1 interrupts a paragraph
        if footnote or item:
            start = _nested_bullets_end(line, (footnote or item).end())
            container = indent + 4 if footnote else start  # a footnote's later paragraphs are indented four
            out.gap(number)
            out.add(number, line[start:])
            in_paragraph = True
            i += 1
            continue
        if line.startswith(":   "):  # definition list (Python-Markdown, PHP Markdown Extra)
            out.gap(number)
            out.add(number, line[4:])
            container = 4
            in_paragraph = True
            i += 1
            continue
        out.add(number, line)
        in_paragraph = True
        i += 1
    cleaned: Lines = []
    start = 0
    for at, last, rst_lines in rst_bodies:  # Markdown's inline rules for Markdown's lines only
        cleaned += _md_blocks(out.lines[start:at]) + rst_lines + [(last, "")]
        start = at
    return cleaned + _md_blocks(out.lines[start:])


def _md_blocks(lines: Lines) -> Lines:
    """``_md_inline`` applied to each block: its removals keep the newlines they held (so the
    whole block is cleaned at once and every line keeps its number; tests/test_extract_markdown2.py)."""
    return _inline_blocks(lines, _md_inline)


# Read left to right, whichever starts first: a backslash escape (any ASCII punctuation is that
# character; a backslash ending a line is a line break), a MyST role ({name}`text`) or a code span
# (a run of backticks up to the next run of the same length: CommonMark's rule). So a backslash in a
# code span stays, and a span's content is no other markup.
_MD_CODE = re.compile(r"\\(?P<escaped>[!-/:-@\[-`{-~])|\\(?P<hard_break>\n)"
                      r"|\{(?P<role>[\w:.-]+)\}`(?P<role_text>[^`]+)`"
                      r"|(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)", re.DOTALL)
# pymdown's InlineHilite: `#!python x = 1` is the code "x = 1" highlighted as Python.
_MD_CODE_LANGUAGE = re.compile(r"^#!\w[\w+-]*\s+")
# A link's text may hold one level of brackets; its destination one level of parentheses.
_MD_LINK_TEXT = r"(?:[^\[\]]|\[[^\[\]]*\])*+"
_MD_DESTINATION = r"(?:\((?:[^()]|\([^()]*\))*+\)|\[[^\[\]]*\])"
_MD_IMAGE = re.compile(rf"!\[{_MD_LINK_TEXT}\]{_MD_DESTINATION}")
_MD_LINK = re.compile(rf"\[({_MD_LINK_TEXT})\]{_MD_DESTINATION}")
_MD_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_MD_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>|<([\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_MD_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_MD_COMMENT = re.compile(r"<!--(?:(?!<!--).)*?-->", re.DOTALL)
_MD_MATH = re.compile(r"\$\$(?=\S)(?:(?!\$\$).)+?(?<=\S)\$\$", re.DOTALL)
_MD_ATTRIBUTES = re.compile(r"[ \t]?\{[ \t]*[:#.][^{}\n]*\}")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1", re.DOTALL)
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
_MD_STRIKE = re.compile(r"~~(.+?)~~")
# An icon shortcode (mkdocs-material, pymdown's emoji): :material-github:, :octicons-mark-github-16:.
_MD_ICON = re.compile(r"(?<![\w:]):[a-z][a-z0-9]*(?:-[a-z0-9]+)+:(?![\w:])")


def _md_code_text(match: re.Match) -> str:
    if match.group("escaped") is not None:
        return match.group("escaped")
    if match.group("hard_break") is not None:
        return ""  # (``_protect`` keeps the newline)
    if match.group("role") is not None:
        return _role_text(match.group("role_text"), match.group("role"))
    return _MD_CODE_LANGUAGE.sub("", match.group("code").strip()).replace("\n", " ")


def _md_sub(pattern: re.Pattern, replace: str | Callable[[re.Match], str], text: str) -> str:
    """``pattern.sub``, each replacement followed by the newlines its match held and it lost."""
    def sub(match):
        new = replace(match) if callable(replace) else match.expand(replace)
        return new + "\n" * (match.group(0).count("\n") - new.count("\n"))
    return pattern.sub(sub, text)


# An HTML entity or character reference, as CommonMark reads one outside code.
_MD_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _md_inline(text: str) -> str:
    keep: list[str] = []
    text = _protect(_MD_CODE, _without_nul(text), keep, _md_code_text)
    text = _md_sub(_MD_COMMENT, "", text)
    text = _md_sub(_MD_MATH, "", text)
    text = _md_sub(_MD_IMAGE, "", text)
    text = _md_sub(_MD_FOOTNOTE_REF, "", text)
    text = _md_sub(_MD_LINK, r"\1", text)  # (a badge: its image gone, an empty link)
    text = _md_sub(_MD_AUTOLINK, lambda m: m.group(1) or m.group(2), text)
    text = _md_sub(_MD_TAG, "", text)
    text = _md_sub(_MD_ATTRIBUTES, "", text)
    text = _MD_ICON.sub("", text)
    for _ in range(2):  # **a **b** c**: the inner pair, then the outer one
        text = _md_sub(_MD_STRONG, r"\2", text)
    text = _md_sub(_MD_EMPHASIS, lambda m: m.group(1) or m.group(2), text)
    text = _MD_STRIKE.sub(r"\1", text)
    text = _MD_ENTITY.sub(lambda m: html.unescape(m.group()), text)  # AT&amp;T, &nbsp;, &#8212; (never in code)
    return _restore(text, keep)


_TEXT_ITEM = re.compile(r"^(\s*)(?:[-*+•‣⁃]|\d{1,3}[.)])\s+(?=\S)")
_TEXT_QUOTE = re.compile(r"^\s*>(?:[ \t]?>)*[ \t]?")  # an e-mail's quote markers, "> " or "> > "


def _clean_plain(text: str, per_line: bool) -> Lines:
    """Plain text: in prose, a list item's bullet or number is left out and starts a block.

    Inside a paragraph a number starts an item only where ``segment.starts_item`` says so
    ("... on March\n15. Please" goes on). An e-mail's quoted lines lose their "> " markers and
    stay together, one block per run of lines quoted to the same depth. A line short enough
    to leave half the wrap width (``segment.wrap_evidence``) after it and the next line's first
    word ends its block when it ends a sentence (".", ":", ";", "!", "?") or stands in a run of
    such lines: a list of one item per line inside wrapped prose is not one sentence, and a
    line broken short by hand inside a sentence ("The results were") goes on.

    A file of one sentence per line is not markup: its lines are kept exactly as written
    (a leading "- ", "* ", "1." or "#" is part of the line, as in a tokenised corpus or a log).
    """
    lines = source_lines(text)
    if per_line:
        return list(enumerate(lines, start=1))
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

    out = _Out()
    previous, in_list = "", False  # the line before (markers left out)
    for k, line in enumerate(texts):
        number = k + 1
        if (k and depths[k] != depths[k - 1]) or not line.strip():
            out.gap(number)
            previous, in_list = "", False
        elif short(k - 1) and (previous.rstrip().endswith((".", ":", ";", "!", "?")) or short(k - 2) or short(k)):
            # a short line ending a sentence, or a run of short lines (the items of a list), is a
            # block of its own; one short line inside prose (wrapped by hand) goes on
            out.gap(number)
        item = _TEXT_ITEM.match(line)
        if item and starts_item(line, previous, in_list):
            out.gap(number)
            out.add(number, line[item.end():])
            in_list = True
        else:
            out.add(number, line)
        previous = line if line.strip() else ""
    return out.lines


def _assemble(lines: Lines) -> tuple[str, list[tuple[int, int]]]:
    """The cleaned text and its map from offsets to source lines."""
    parts, line_map, size = [], [], 0
    for number, text in lines:
        line_map.append((size, number))
        parts.append(text + "\n")
        size += len(text) + 1
    return "".join(parts), line_map


_PRE_QUOTE = re.compile(r"(?:[ \t]*>)*[ \t]?")


class _HtmlText(HTMLParser):
    """The text of an HTML page as a reader of its content sees it.

    Left out, with everything inside them: scripts, styles, icons, formulas and controls
    (``INLINE_SKIP``: where one stood inside a sentence, the sentence goes on); navigation
    (``<nav>``, ``role="navigation"`` or ``"search"``: menus, sidebars and tables of contents
    repeated on every page); page chrome (``_is_chrome``): the page's footer (``<footer>``
    outside an ``<article>``, ``role="contentinfo"``, Sphinx's ``div.footer``, Django's
    ``div#ft``; also its ``div#hd`` and ``div#sidebar``), dialogs and what the page hides from readers
    (``<dialog>``, ``role="dialog"``, ``aria-hidden="true"`` but on the page's own html, body, main
    or article); a block that is nothing but links and separators (``LINK_BAR``: spaces and
    ``| « » ‹ › · • / – — - ← →``; any other character outside its links, "OPTIONS." or "gettext
    (on Windows)", is text of its own) and stands in no paragraph, heading or caption (a list item
    or a table cell holding one link, "« previous | up | next »"); a link whose whole text has no letter or digit (a "¶" or "#" permalink) and
    Sphinx's ``a.headerlink``. A ``<pre>`` is code (left out, as code blocks are left out of
    Markdown and reStructuredText) when it or a block around it has a code class ("highlight",
    "literal-block", "language-..."), it holds ``<code>``, ``<samp>`` or ``<kbd>``, or its lines
    read as code (``_looks_like_code``, or half its lines ``_CODE_LINE``); any other ``<pre>``
    is plain text (a mailing-list archive, an RFC) read line by line. ``<br>`` is a line break
    inside its block. A table row is one block, its cells joined with "; " (as the Markdown and
    reStructuredText readers give a row). A Sphinx field list loses its labels ("Parameters:")
    and its type fields ("Return type:" and its body) when the body reads as a type
    (``_reads_as_type``: one line, no sentence end), as the rst reader drops ``:rtype:`` and
    ``:type:``; a type field whose body is prose keeps the prose, without its label; a "Returns" or other field keeps its label before its text ("Returns: the
    response"). The ``<title>`` is kept only when the page has no ``<h1>`` (it repeats the h1,
    with the site's name); a redirect page (``<meta http-equiv="refresh" content="0; url=...">``)
    gives no text. An ``<li>`` left unclosed ends at the next item of its list, a ``<dt>`` or
    ``<dd>`` at the next term or definition of its ``<dl>`` (``_implied_end``), and nothing asks
    for a scan of the open elements, so a page of items left unclosed, or nested thousands deep,
    is read in time linear in its size."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "dl",
              "table", "section", "article", "header", "footer", "blockquote", "pre", "dd", "dt", "hr",
              "title", "main", "nav", "aside", "figcaption", "details", "summary", "caption", "body", "dialog"}
    INLINE_SKIP = {"script", "style", "noscript", "template", "svg", "math", "button", "select", "textarea"}
    SKIP = INLINE_SKIP | {"pre", "nav", "dialog"}
    SKIP_ROLES = {"navigation", "search", "dialog", "alertdialog", "contentinfo"}
    # Controls hold no blocks: one left unclosed ends with the block around it.
    CONTROLS = {"button", "select", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    # Text inside these is the page's own words, not a menu, even when it is all links.
    PROSE = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "title", "blockquote", "figcaption", "caption", "summary"}
    # Inside a table cell these join the cell's text with a space; any other block (a heading, a
    # nested table: a page laid out in a table) ends the row's text as it ends any block.
    # A list in a cell stays a list: its items are blocks (an index page's columns of entries).
    CELL_INLINE = frozenset({"p", "div", "section", "article", "blockquote", "details", "summary", "figcaption"})
    TABLE_PARTS = frozenset({"table", "tr", "td", "th"})
    # What a link bar has between its links ("« previous | up | next »", "a · b", "a / b"): any
    # other character outside a link ("OPTIONS.", "gettext (on Windows)") is the block's own text.
    LINK_BAR = re.compile(r"[\s|«»‹›·•/–—\-←→]*")
    CODE_CLASS = re.compile(r"highlight|code|literal|language|lang-|source|console|doctest|prettyprint"
                            r"|program|listing|shell|terminal|linenos|syntax|brush", re.IGNORECASE)
    # Sphinx field-list labels: which fields are the type-only ones, which lose their label.
    TYPE_FIELDS = frozenset({"type", "types", "rtype", "return type", "return types", "variable type", "vartype"})
    PARAMETER_FIELDS = frozenset({"parameters", "parameter", "params", "param", "arguments", "argument", "keyword arguments",
                                  "keyword argument", "other parameters", "variables", "attributes"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.line_map: list[tuple[int, int]] = []
        self.skipped: str | None = None  # the element being left out
        self.skip_depth = 0  # how many of its kind are open inside it, itself included
        self.skip_blocks: list[str] = []  # blocks opened inside it (a control's end is not theirs)
        self.skip_counts: Counter = Counter()  # how many of each tag ``skip_blocks`` holds
        self.captured: list[tuple[str, int]] | None = None  # a <pre>'s or a field label's text, kept aside
        self.captured_code = False  # a <pre> holding <code>, <samp> or <kbd>, or with a code class
        self.in_head = False
        # The open <a> elements: (where in the block its text starts, whether it is a permalink), or
        # None for an <a> with no href (an anchor: its text is the page's own).
        self.links: list[tuple[int, bool] | None] = []
        self.hrefs = 0  # how many of ``links`` are links (not None)
        # The open block elements, outermost first, and their attributes. Every push and pop goes
        # through ``_push`` and ``_pop_to``, which keep what is asked of the stack at every tag and
        # text node without a scan of it: where each tag last stands, how many PROSE elements and
        # elements with a code class are open, and where the table parts stand.
        self.open: list[str] = []
        self.open_attrs: list[dict] = []
        self.open_at: dict[str, list[int]] = {}  # tag -> its places in ``open``, innermost last
        self.open_code: list[bool] = []  # whether each has a code class
        self.prose_open = 0
        self.code_open = 0
        self.table_parts: list[int] = []  # the places of the open table, tr, td and th elements
        # The open bodies (<dd>) of type fields: (its place in ``open``, the size of ``parts``,
        # ``line_map`` and ``size`` when it began): a body that reads as a type goes when it ends.
        self.type_bodies: list[tuple[int, int, int, int]] = []
        self.block: list[tuple[str, int]] = []  # the current block's text, held until it ends
        self.block_has_words = False  # a letter or digit outside any link
        self.block_in_prose = False  # text inside a PROSE element
        self.block_in_title = False
        self.block_in_h1 = False
        self.cell_gap = False  # a cell ended: "; " goes before the next text of the row
        self.field_prefix: tuple[str, int] | None = None  # a field's label and its line, put before its body's text
        self.skip_field_body = False  # the next <dd> is a type-only field's body
        self.title: list[tuple[str, int]] | None = None
        self.has_h1 = False
        self.redirect = False

    def _add(self, text: str, line: int) -> None:
        self.line_map.append((self.size, line))
        self.parts.append(text)
        self.size += len(text)

    def _end_block(self) -> None:
        """The block so far is complete: keep it unless it is a link list's item."""
        only_links = not self.block_has_words and any(text.strip() for text, _ in self.block)
        if self.block_in_title:
            if self.title is None:
                self.title = self.block  # kept only when the page turns out to have no h1 (``close``)
        elif not (only_links and not self.block_in_prose):
            for text, line in self.block:
                self._add(text, line)
            self.has_h1 = self.has_h1 or (self.block_in_h1 and any(text.strip() for text, _ in self.block))
        self._add("\n\n", self.getpos()[0])  # what stood either side never joins into one sentence
        self.block, self.block_has_words, self.block_in_prose = [], False, False
        self.block_in_title = self.block_in_h1 = self.cell_gap = False
        # A link left unclosed ends with its block: its words stay in the text, whatever comes after.
        self.links, self.hrefs = [], 0

    def _push(self, tag: str, attributes: dict) -> None:
        self.open_at.setdefault(tag, []).append(len(self.open))
        if tag in self.TABLE_PARTS:
            self.table_parts.append(len(self.open))
        code = self.CODE_CLASS.search(attributes.get("class") or "") is not None
        self.open.append(tag)
        self.open_attrs.append(attributes)
        self.open_code.append(code)
        self.prose_open += tag in self.PROSE
        self.code_open += code

    def _pop_to(self, size: int) -> None:
        """The elements from place ``size`` of ``open`` on end (a type field's body among them is
        left out when it reads as a type)."""
        while len(self.open) > size:
            if self.type_bodies and self.type_bodies[-1][0] == len(self.open) - 1:
                self._end_block()
                self._type_body_ended(*self.type_bodies.pop()[1:])
            tag = self.open.pop()
            self.open_attrs.pop()
            self.open_at[tag].pop()
            if tag in self.TABLE_PARTS:
                self.table_parts.pop()
            self.prose_open -= tag in self.PROSE
            self.code_open -= self.open_code.pop()

    def _last(self, tag: str) -> int:
        """Where the innermost open ``tag`` stands in ``open``, or -1."""
        places = self.open_at.get(tag)
        return places[-1] if places else -1

    def _close(self, tag: str) -> None:
        """``tag`` ends, and with it every element opened inside it and left unclosed."""
        at = self._last(tag)
        if at >= 0:
            self._pop_to(at)

    def _cell(self) -> int:
        """Where the table cell the text is in stands in ``open``, or -1 (in no cell, or in a table
        nested in it)."""
        if self.table_parts and self.open[self.table_parts[-1]] in ("td", "th"):
            return self.table_parts[-1]
        return -1

    def _implied_end(self, tag: str) -> None:
        """HTML's implied end tags: an item (``<li>``) ends the open item of its list, a term or
        a definition (``<dt>``, ``<dd>``) the open term or definition of its ``<dl>``; never one of
        an outer list or outside a table the tag stands in. (A list of 20,000 items left unclosed
        is 20,000 items side by side, not 20,000 nested ones.)"""
        if tag == "li":
            item, bound = self._last("li"), max(self._last("ul"), self._last("ol"))
        else:
            item, bound = max(self._last("dt"), self._last("dd")), self._last("dl")
        if item > max(bound, self.table_parts[-1] if self.table_parts else -1):
            self._pop_to(item)

    def _type_body_ended(self, parts: int, lines: int, size: int) -> None:
        """A type field's body ended: what it gave is left out when it reads as a type."""
        if _reads_as_type("".join(self.parts[parts:])):
            del self.parts[parts:], self.line_map[lines:]
            self.size = size

    def _classes(self, attributes: dict) -> list[str]:
        return (attributes.get("class") or "").split()

    def _is_chrome(self, tag: str, attributes: dict) -> bool:
        """A page's footer, a dialog, or what it hides from readers: the site's, not the page's."""
        if attributes.get("role") in self.SKIP_ROLES:
            return True
        if (attributes.get("aria-hidden") or "").lower() == "true":
            # a page saved while a dialog was open hides its content wrapper: never the page itself
            return tag not in ("html", "body", "main", "article") and attributes.get("role") != "main"
        if tag == "footer":
            return self._last("article") < 0 and self._last("blockquote") < 0  # a post's own footer is its text
        # Sphinx's div.footer; Django's (YUI's) header, sidebar and footer: div#hd, div#sidebar, div#ft
        return tag == "div" and ("footer" in self._classes(attributes)
                                 or attributes.get("id") in ("ft", "footer", "hd", "sidebar"))

    def _field_list(self) -> bool:
        """Whether the text is directly in a Sphinx field list (``dl.field-list``)."""
        return self._last("dl") >= 0 and "field-list" in self._classes(self.open_attrs[self._last("dl")])

    def _skip(self, tag: str, capture: bool = False) -> None:
        self.skipped, self.skip_depth, self.skip_blocks, self.skip_counts = tag, 1, [], Counter()
        self.captured = [] if capture else None
        if tag not in self.BLOCKS:
            self.block.append((" ", self.getpos()[0]))  # the sentence around it goes on
        elif tag != "dt":
            self._end_block()

    def _skip_ended(self) -> None:
        tag, captured, self.skipped, self.captured = self.skipped, self.captured, None, None
        if captured is None:
            return
        text = "".join(piece for piece, _ in captured)
        if tag == "pre":
            self._pre(captured)
            return
        label = " ".join(text.split()).rstrip(":").strip().lower()
        self.skip_field_body = label in self.TYPE_FIELDS
        self.field_prefix = None
        if label and label not in self.TYPE_FIELDS and label not in self.PARAMETER_FIELDS:
            self.field_prefix = " ".join(text.split()).rstrip(":").strip() + ": ", captured[0][1]

    def _pre(self, captured: list[tuple[str, int]]) -> None:
        """A <pre>'s text: plain text read line by line, or left out as code."""
        lines: list[tuple[int, str]] = []
        for piece, line in captured:
            for k, part in enumerate(piece.split("\n")):
                if k or not lines:
                    lines.append((line + k, part))
                else:
                    lines[-1] = (lines[-1][0], lines[-1][1] + part)
        while lines and not lines[0][1].strip():
            lines.pop(0)
        while lines and not lines[-1][1].strip():
            lines.pop()
        texts = [text for _, text in lines]
        nonblank = [text.strip() for text in texts if text.strip()]
        if (self.captured_code or not any(char.isalpha() for text in texts for char in text)
                or _looks_like_code(texts) or sum(bool(_CODE_LINE.match(text)) for text in nonblank) * 2 >= len(nonblank)):
            return
        depth = 0
        for number, text in lines:
            # an e-mail's quoted lines ("> ...") are text without their markers; a change of quote
            # depth or a list item (its bullet left out, as in a .txt file) starts a block
            quote = _PRE_QUOTE.match(text)
            text = text[quote.end():]
            item = _TEXT_ITEM.match(text)  # its bullet or number goes, as in a .txt file
            if (quote.group().count(">") != depth or item) and text.strip():
                self._add("\n", number)
            depth = quote.group().count(">")
            text = text[item.end():] if item else text
            self._add(text.rstrip() + "\n" if text.strip() else "\n", number)
        self._add("\n", lines[-1][0])

    def handle_starttag(self, tag, attrs):
        if self.skipped == "dt" and tag in ("dt", "dd") and self.skip_depth == 1 and not self.skip_blocks:
            self._skip_ended()  # a field's label left unclosed ends where its body (or the next label) begins
        if self.skipped is not None:
            if tag == self.skipped:
                self.skip_depth += 1
            elif tag in self.BLOCKS and tag not in self.VOID:
                self.skip_blocks.append(tag)
                self.skip_counts[tag] += 1
            if self.captured is not None and tag in ("code", "samp", "kbd"):
                self.captured_code = True
            if self.captured is not None and tag == "br":
                self.captured.append(("\n", self.getpos()[0]))
            return
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.redirect = self.redirect or re.search(r"url\s*=", attributes.get("content") or "", re.IGNORECASE) is not None
        if tag not in self.VOID and (tag in self.SKIP or self._is_chrome(tag, attributes)):
            if tag == "pre":
                self.captured_code = self.code_open > 0 or self.CODE_CLASS.search(attributes.get("class") or "") is not None
            self._skip(tag, capture=tag == "pre")
        elif tag == "head":
            self.in_head = True
        elif tag == "a":
            href = attributes.get("href") is not None
            self.links.append((len(self.block), "headerlink" in self._classes(attributes)) if href else None)
            self.hrefs += href
        elif tag == "br":
            if not self.in_head:
                self.block.append(("\n", self.getpos()[0]))  # a line break: the sentence may go on
        elif tag == "dt" and self._field_list():
            self._implied_end(tag)  # (a field's body left unclosed ends where the next label begins)
            self._end_block()
            self._skip(tag, capture=True)  # the field's label: read when it ends
        elif tag in self.BLOCKS:
            self.in_head = self.in_head and tag == "title"
            if tag in ("li", "dt", "dd"):
                self._implied_end(tag)
            cell = self._cell()
            if tag in ("td", "th") and cell >= 0:
                self._close(self.open[cell])  # a cell left unclosed ends where the next one begins
                cell = -1
            if tag in ("td", "th"):
                self.cell_gap = any(text.strip() for text, _ in self.block)
            elif cell >= 0 and tag in self.CELL_INLINE:
                self.block.append((" ", self.getpos()[0]))  # a paragraph in a cell: the row goes on
            else:
                while self.open and self.open[-1] == "p":
                    self._pop_to(len(self.open) - 1)  # a paragraph ends where a block begins, closed or not
                if tag == "tr" and self._last("table") >= 0:  # a row left unclosed ends where the next begins
                    self._pop_to(self._last("table") + 1)
                self._end_block()
            if tag not in self.VOID:
                if tag == "dd" and self.skip_field_body and self._field_list():
                    self.skip_field_body = False
                    self.type_bodies.append((len(self.open), len(self.parts), len(self.line_map), self.size))
                self._push(tag, attributes)

    def handle_endtag(self, tag):
        if self.skipped is not None:
            if tag in ("body", "html"):  # an element left unclosed ends with the page
                self._skip_ended()
            elif tag == self.skipped:
                self.skip_depth -= 1
                if not self.skip_depth:
                    self._skip_ended()
            elif self.skipped == "dt" and tag == "dl" and not self.skip_counts[tag]:
                self._skip_ended()  # a field's label left unclosed ends with its list
                self.handle_endtag(tag)
            elif self.skip_counts[tag]:
                while True:  # the innermost one ends, with what was opened inside it
                    self.skip_counts[self.skip_blocks[-1]] -= 1
                    if self.skip_blocks.pop() == tag:
                        break
            elif self.skipped in self.CONTROLS and self._last(tag) >= 0:
                self._skip_ended()  # a control left unclosed ends with the block around it
                self.handle_endtag(tag)
            return
        if tag == "head":
            self.in_head = False
            self._close("title")
        elif tag == "a":
            if self.links:
                link = self.links.pop()
                self.hrefs -= link is not None
                self._link_ended(link)
        elif tag in ("td", "th") and self._last(tag) >= 0:
            self._close(tag)
            self.cell_gap = self.cell_gap or any(text.strip() for text, _ in self.block)
        elif tag in self.CELL_INLINE and self._last(tag) > self._cell() >= 0:
            self._close(tag)
            self.block.append((" ", self.getpos()[0]))
        elif tag in self.BLOCKS or tag == "html":
            self._end_block()
            self._close(tag)
            if tag == "dl":
                self.field_prefix, self.skip_field_body = None, False

    def _link_ended(self, link: tuple[int, bool] | None) -> None:
        """A link's text is dropped when it is a permalink or, all of it, has no letter or digit
        ("¶", "#"); never its spaces (``<a><code>a</code> <code>b</code></a>`` reads "a b")."""
        if link is None:
            return
        start, permalink = link
        text = "".join(piece for piece, _ in self.block[start:])
        if permalink or not any(char.isalnum() for char in text):
            line = self.block[start][1] if start < len(self.block) else self.getpos()[0]
            self.block[start:] = [(" ", line)] if any(char.isspace() for char in text) else []

    def handle_data(self, data):
        if self.skipped is not None:
            if self.captured is not None:
                self.captured.append((data, self.getpos()[0]))
            return
        if self.in_head and self.open[-1:] != ["title"]:
            return
        line = self.getpos()[0]
        if data.strip():
            # any character outside a link but spaces and a link bar's separators is the block's own text
            self.block_has_words = self.block_has_words or (not self.hrefs and not self.LINK_BAR.fullmatch(data))
            self.block_in_prose = self.block_in_prose or self.prose_open > 0
            self.block_in_title = self.block_in_title or self._last("title") >= 0
            self.block_in_h1 = self.block_in_h1 or self._last("h1") >= 0
            if self.cell_gap:
                while self.block and not self.block[-1][0].strip():
                    self.block.pop()  # the cell's trailing spaces: "a; b", never "a ; b"
                if self.block:
                    self.block[-1] = (self.block[-1][0].rstrip(), self.block[-1][1])
                self.block.append(("; ", line))
                self.cell_gap = False
            if self.field_prefix:
                self.block.append(self.field_prefix)
                self.block_has_words = True
                self.field_prefix = None
        pieces = data.split("\n")
        for number, piece in enumerate(pieces):  # text nodes span lines: map each one
            # a line end is a space; the text's own end is not (``<b>x</b>.`` reads "x.")
            self.block.append((piece + (" " if number < len(pieces) - 1 else ""), line + number))

    def close(self):
        super().close()
        self._end_block()
        self._pop_to(0)  # the elements left unclosed end with the page
        if self.redirect:  # a page that sends the reader elsewhere has no text of its own
            self.parts, self.line_map, self.size = [], [], 0
        elif self.title and not self.has_h1 and any(text.strip() for text, _ in self.title):
            parts, line_map = self.parts, self.line_map
            self.parts, self.line_map, self.size = [], [], 0
            for text, line in self.title:
                self._add(text, line)
            self._add("\n\n", self.title[-1][1])
            shift = self.size
            self.parts += parts
            self.line_map += [(offset + shift, line) for offset, line in line_map]


def _extract_html(text: str, warning: str | None) -> Extracted:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    # Markup is gone and every block ends with a blank line: a block's text that starts with "-",
    # "#" or ">" (a heading "> operator") is text, not a list item or a quote.
    return Extracted("".join(parser.parts), "html", warning, parser.line_map, blocks_marked=True)


PDF_MAGIC = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*%PDF-\d\.\d")
PDF_STRUCTURE = re.compile(rb"\bendobj\b|\bstartxref\b|%%EOF")


def is_pdf_data(data: bytes) -> bool:
    """Whether bytes are a PDF, whatever the file's name: the header opens them (after a
    byte-order mark or blank lines at most) and a PDF's structure follows (objects, a
    cross-reference, the end marker). A note that begins with "%PDF-1.7" and no more, or one
    that quotes PDF syntax further on (a Markdown page about the format), is text."""
    return PDF_MAGIC.match(data[:1024]) is not None and PDF_STRUCTURE.search(data) is not None


def _extract_pdf(path: Path, data: bytes) -> Extracted:
    try:
        import io
        import logging

        from pypdf import PdfReader
    except ImportError:
        raise Skip("PDF support is not installed: pip install 'simsearch[pdf]'") from None
    # pypdf logs what it repairs ("EOF marker not found"): a file it cannot read is skipped with
    # one warning of ours, and one it can is read; neither needs its log lines on the terminal.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        if type(exc).__name__ == "DependencyError":  # AES encryption needs a package the pdf extra does not bring
            raise Skip(f"unreadable PDF: {str(exc).strip() or 'DependencyError'} (pip install cryptography)") from None
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from None
    text, line_map = _pdf_text(pages)
    return Extracted(text, "pdf", None, line_map)


# Latin ligature glyphs (U+FB00-FB06) as the letters they stand for. Only these: NFKC of the whole
# page would also turn "x²" into "x2", "½" into "1⁄2" and "™" into "TM".
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
_DIGITS = re.compile(r"\d+")
# A word broken at a line end: lowercase letters either side of a hyphen (or a soft hyphen).
_LINE_END_HYPHEN = re.compile(r"([A-Za-z]*[a-z])([-\u00ad]\n[ \t]*)([a-z]+)")
_HYPHENATED = re.compile(r"\b[A-Za-z]+-[a-z]+\b")


# A page whose last line ends so ends a sentence.
_PAGE_END = re.compile(r"[.!?][\"')\]’”]*$")


def _running_key(line: str) -> str:
    return " ".join(_DIGITS.sub(" ", line).split())


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages (their lines) without running headers and footers.

    A page's first or last line is a running header or footer when the same line, digits
    ignored, stands at that end of at least 3 pages and either of at least half the pages or
    with a number that changes from page to page (a page number; a bare page number counts).
    A line next to one dropped is dropped too when it repeats at that end of at least 3 of the
    pages that lost one (a footer of two lines: a chapter's title above "Page 11"). A page of
    one line never loses it (a photo book's captions, "Photo 3 taken in 2019", are its text)."""
    pages = [[line for line in page] for page in pages]
    for end in (0, -1):
        candidates = {i for i, page in enumerate(pages) if len(page) > 1}  # pages whose end may still hold a running line
        for round_ in range(3):
            ends = {i: pages[i][end].strip() for i in candidates if pages[i]}
            keys = {i: _running_key(line) for i, line in ends.items()}
            counts = Counter(keys.values())
            numbers: dict[str, set[str]] = {}
            for i, key in keys.items():
                numbers.setdefault(key, set()).add(" ".join(_DIGITS.findall(ends[i])))
            dropped = set()
            for i, key in keys.items():
                if counts[key] < 3:
                    continue
                if round_ or counts[key] * 2 >= len(pages) or len(numbers[key]) > 1:
                    dropped.add(i)
            for i in dropped:
                del pages[i][end]
            if not dropped:
                break
            candidates = dropped
    return pages


def _pdf_text(pages: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The text of a PDF's pages and its map from offsets to page numbers.

    Ligatures become letters, running headers and footers are left out, a word hyphenated at
    a line end is joined (unless the document writes it with a hyphen elsewhere: "well-known"),
    and pages are joined as lines are, so a sentence runs over a page break (it keeps the
    number of the page where it starts: "line" of a PDF hit is its page, the one position
    every viewer can jump to), unless the page ends with a sentence's end: the next page then
    starts a block (a heading at its top never runs into the sentence before it)."""
    lines = [[line.rstrip() for line in page.translate(_LIGATURES).split("\n")] for page in pages]
    for page in lines:
        while page and not page[-1].strip():
            page.pop()
        while page and not page[0].strip():
            page.pop(0)
    lines = _without_running_lines(lines)
    pages_kept = [(number, "\n".join(page)) for number, page in enumerate(lines, start=1) if page]
    starts, size, joined = [], 0, []
    for number, page in pages_kept:
        if joined:
            joined.append("\n\n" if _PAGE_END.search(joined[-1]) else "\n")
            size += len(joined[-1])
        starts.append((size, number))
        joined.append(page)
        size += len(page)
    text = "".join(joined)
    kept = {word.lower() for word in _HYPHENATED.findall(text)}  # words the document writes with a hyphen
    parts, removed, position = [], [], 0  # removed: (offset in text, characters removed up to it)
    for match in _LINE_END_HYPHEN.finditer(text):
        before, broken, after = match.groups()
        hyphen = "-" if f"{before.lower()}-{after}" in kept else ""
        parts.append(text[position:match.start(2)] + hyphen)
        position = match.start(3)
        removed.append((position, (removed[-1][1] if removed else 0) + len(broken) - len(hyphen)))
    parts.append(text[position:])
    line_map = []
    for offset, number in starts:
        i = bisect.bisect_right(removed, (offset, float("inf"))) - 1
        line_map.append((offset - (removed[i][1] if i >= 0 else 0), number))
    text = "".join(parts)
    return (text + "\n" if text else ""), line_map


def sentences_of(extracted: Extracted, splitter: BlockSplitter | None = None) -> list[Sentence]:
    """Sentences of extracted text, long ones cut at spaces, lines mapped to the source: each
    piece of a cut sentence has its own offsets in the text and the line its first word is on."""
    out = []
    for sentence in split_sentences(extracted.text, lines_are_blocks=extracted.lines_are_blocks,
                                    lines_are_sentences=extracted.lines_are_sentences,
                                    blocks_marked=extracted.blocks_marked, splitter=splitter):
        if len(sentence.text) <= MAX_SENTENCE_CHARS:
            out.append(Sentence(sentence.text, sentence.start, sentence.end,
                                extracted.source_line(sentence.start, sentence.line)))
            continue
        # sentence.text is the source's words with each run of whitespace made one space: a
        # piece's first and last characters map back through the words they fall in.
        words = list(_WORD.finditer(extracted.text, sentence.start, sentence.end))
        collapsed = list(itertools.accumulate((len(word.group()) + 1 for word in words[:-1]), initial=0))

        def offset(at: int) -> int:
            k = bisect.bisect_right(collapsed, at) - 1
            return words[k].start() + at - collapsed[k]

        line, counted = sentence.line, sentence.start
        for start, piece in _cut(sentence.text):
            first, last = offset(start), offset(start + len(piece) - 1) + 1
            line += len(_LINE_BREAK.findall(extracted.text, counted, first))  # (each break counted once)
            counted = first
            out.append(Sentence(piece, first, last, extracted.source_line(first, line)))
    return out


_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def sentences_from_path(path: Path, warn: Callable[[str], None] | None = None) -> list[Sentence]:
    """A file's sentences read exactly as the indexer reads them (the training data reader's entry).

    Raises ``Skip`` for binary or unreadable content; an encoding warning goes to ``warn``.
    """
    path = Path(path)
    extracted = extract(path, path.read_bytes())
    if extracted.warning and warn is not None:
        warn(extracted.warning)
    return sentences_of(extracted)


def _cut(text: str) -> Iterator[tuple[int, str]]:
    """Pieces of at most MAX_SENTENCE_CHARS, cut at a space where one is near: (offset, piece)."""
    if len(text) <= MAX_SENTENCE_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(start + MAX_SENTENCE_CHARS, len(text))
        if end < len(text):
            space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, end)
            end = space if space > start else end
        piece = text[start:end]
        if piece.strip():
            yield start + len(piece) - len(piece.lstrip()), piece.strip()
        start = end
