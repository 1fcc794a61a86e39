"""Jupyter notebooks (``.ipynb``: nbformat 4, and the older 3 and 2) to prose: the text of their markdown cells.

A notebook is JSON. Its markdown cells are read with the Markdown reader (``_clean_markdown``), each
cell a block of its own: a sentence never runs from one cell into the next. An nbformat 3 heading
cell is a block of its words. Code cells, their outputs and raw cells are left out, as the Markdown
reader leaves code blocks out.

A sentence's line is the line of the ``.ipynb`` file itself, as an editor and ``git diff`` show it:
the line where the JSON string that holds its text begins. Jupyter writes a cell's ``source`` as a
list of strings, one per line of the cell, one per line of the file: each line of a cell's text
then has its own line. A ``source`` written as one string (as some tools write it) puts all the
cell's lines on the line where that string begins, and a notebook minified onto one line puts
everything on line 1: the line holds the text all the same. A file that is not JSON, or JSON that
is not a notebook (no ``cells`` list, nor nbformat 3's ``worksheets``), is skipped with the reason.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from typing import Any, BinaryIO

from ..segment import source_lines
from .base import Skip
from .markdown import _clean_markdown
from .rst import Lines

_LINE_END = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_OR_WORD = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")
_WORDS = {"true": True, "false": False, "null": None}


class _Positions:
    """A JSON parser that keeps, for each list and dict it reads, where each of its values begins
    (an offset in the text): ``starts[id(value)]``, a list of offsets for a list, a dict of offsets
    by key for a dict. The text is known to be valid JSON (``json.loads`` read it first)."""

    def __init__(self, text: str):
        self.text = text
        self.starts: dict[int, Any] = {}

    def value(self, at: int) -> tuple[object, int]:
        text = self.text
        at = _SPACE.match(text, at).end()
        char = text[at]
        if char == '"':
            return json.decoder.scanstring(text, at + 1, False)
        if char == "[":
            items, starts = [], []
            at = _SPACE.match(text, at + 1).end()
            if text[at] == "]":
                self.starts[id(items)] = starts
                return items, at + 1
            while True:
                at = _SPACE.match(text, at).end()
                starts.append(at)
                item, at = self.value(at)
                items.append(item)
                at = _SPACE.match(text, at).end()
                if text[at] == "]":
                    self.starts[id(items)] = starts
                    return items, at + 1
                at += 1  # ","
        if char == "{":
            pairs: dict[str, object] = {}
            offsets: dict[str, int] = {}
            at = _SPACE.match(text, at + 1).end()
            if text[at] == "}":
                self.starts[id(pairs)] = offsets
                return pairs, at + 1
            while True:
                at = _SPACE.match(text, at).end()
                key, at = json.decoder.scanstring(text, at + 1, False)
                at = _SPACE.match(text, at).end() + 1  # ":"
                at = _SPACE.match(text, at).end()
                offsets[key] = at
                pairs[key], at = self.value(at)
                at = _SPACE.match(text, at).end()
                if text[at] == "}":
                    self.starts[id(pairs)] = offsets
                    return pairs, at + 1
                at += 1  # ","
        found = _NUMBER_OR_WORD.match(text, at)
        if not found:
            return None, len(text)
        word = found.group()
        if word[-1].isalpha():
            return _WORDS.get(word), found.end()
        return int(word) if word.lstrip("-").isdigit() else float(word), found.end()


def _notebook(text: str) -> tuple[object, dict[int, Any]]:
    """The parsed JSON and where each value begins (``_Positions``); ``Skip`` when it is not JSON."""
    try:
        json.loads(text, strict=False)  # (its message says where the JSON goes wrong)
    except json.JSONDecodeError as exc:
        raise Skip(f"not a notebook: invalid JSON on line {exc.lineno}, column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise Skip("not a notebook: JSON nested too deeply") from None
    parser = _Positions(text)
    try:
        found, _ = parser.value(0)
    except RecursionError:
        raise Skip("not a notebook: JSON nested too deeply") from None
    return found, parser.starts


def _cells(notebook: object) -> list:
    """A notebook's cells, nbformat 4's ``cells`` or nbformat 3's cells of each worksheet; ``Skip``
    for JSON that is no notebook."""
    if isinstance(notebook, dict):
        if isinstance(notebook.get("cells"), list):
            return notebook["cells"]
        if isinstance(notebook.get("worksheets"), list):  # nbformat 3 (and 2)
            return [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
                    and isinstance(sheet.get("cells"), list) for cell in sheet["cells"]]
    if isinstance(notebook, dict) and isinstance(notebook.get("nbformat"), int) and notebook["nbformat"] < 4:
        raise Skip(f"not a notebook: nbformat {notebook['nbformat']} JSON without its \"worksheets\" list")
    kind = {dict: "an object", list: "a list", str: "a string"}.get(type(notebook), "a single value")
    raise Skip(f"not a notebook: JSON, but {kind} without a \"cells\" list")


def _line_of(text: str) -> Callable[[int], int]:
    """The file's line (from 1) that holds an offset of ``text``."""
    breaks = [found.end() for found in _LINE_END.finditer(text)]
    return lambda offset: bisect.bisect_right(breaks, offset) + 1


def _markdown_sources(notebook: object, starts: dict[int, Any]):
    """Each markdown (or nbformat 3 heading) cell's ``(cell, pieces, offsets)``: the strings of its
    ``source`` and where each begins in the file."""
    for cell in _cells(notebook):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("markdown", "heading"):
            continue
        source = cell.get("source")
        where = starts.get(id(cell), {}).get("source")
        if isinstance(source, str):
            yield cell, [source], [where]
        elif isinstance(source, list) and all(isinstance(piece, str) for piece in source) and source:
            yield cell, source, starts.get(id(source), [])


def notebook_lines(text: str) -> list[str]:
    """The notebook file's lines as the TUI's context panel shows them: on each line where a
    markdown cell's string begins, that string's text (no quotes, no escapes); every other line
    (the JSON around the cells, code cells, outputs) empty. As many lines as the file has, so a
    hit's line is the same line here as in an editor."""
    shown = [""] * len(source_lines(text))
    if not text.strip():
        return shown
    notebook, starts = _notebook(text)
    line_of = _line_of(text)
    for _, pieces, offsets in _markdown_sources(notebook, starts):
        for piece, offset in zip(pieces, offsets):
            number = line_of(offset) if offset is not None else 1
            words = " ".join(piece.splitlines())
            shown[number - 1] = f"{shown[number - 1]} {words}".strip() if shown[number - 1] else words
    return shown


def _clean_notebook(text: str, includes: list[tuple[int, str]] | None = None,
                    cell_text: Callable[[str], str] = str) -> Lines:
    """The prose of a notebook's markdown cells (``Lines``, each cell a block, on the file's own
    lines); ``cell_text`` cleans a cell's text before it is read (a terminal's escapes). The files
    the cells' MyST ``{include}`` directives name go to ``includes`` as (line, target)."""
    if not text.strip():
        return []  # (an empty file: no cell)
    notebook, starts = _notebook(text)
    line_of = _line_of(text)
    # nbformat 4 and 3 keep each line's end in its string; nbformat 2 wrote the lines without them.
    version = notebook.get("nbformat") if isinstance(notebook, dict) else None
    separator = "\n" if isinstance(version, int) and version < 3 else ""
    out: Lines = []
    for cell, pieces, offsets in _markdown_sources(notebook, starts):
        joined = separator.join(pieces)
        if cell["cell_type"] == "heading":  # nbformat 3: its level in "level"
            joined = "# " + " ".join(joined.split())
        # Each line of the cell's text: the file's line where the string that holds its start begins.
        piece_starts = [0]
        for piece in pieces[:-1]:
            piece_starts.append(piece_starts[-1] + len(piece) + len(separator))
        piece_lines = [line_of(offset) for offset in offsets]
        line_starts = [0] + [found.end() for found in _LINE_END.finditer(joined)]
        mapped = [piece_lines[bisect.bisect_right(piece_starts, start) - 1] for start in line_starts]
        cell_includes: list[tuple[int, str]] = []
        lines = _clean_markdown(cell_text(joined), cell_includes)
        if not any(words.strip() for _, words in lines):
            continue
        last = len(source_lines(joined)) or 1

        def mapped_line(number: int) -> int:
            return mapped[min(max(number, 1), last, len(mapped)) - 1]

        out.extend((mapped_line(number), words) for number, words in lines)
        out.append((out[-1][0], ""))  # the cell's end ends its block
        if includes is not None:
            includes.extend((mapped_line(number), target) for number, target in cell_includes)
    return out


# A JSON string that is nothing but base64 (with the "\n" escapes that wrap it) of this many bytes or
# more: a picture (an output's "image/png", a markdown cell's attachment), which no sentence is read
# from. ``--max-file-mb`` weighs a notebook without them, and it is read without them.
_BASE64 = re.compile(rb'(?:[A-Za-z0-9+/=]+|\\n)+')
PICTURE_MIN = 4096
# A string that opens with as many of those units (a letter, or a "\n" escape: 1 or 2 bytes) as a
# picture has at the least: a notebook without one has no picture (searched in 0.04 s for 12 MiB of
# prose, where ``without_pictures`` takes 2.4 s).
_PICTURE_START = re.compile(rb'"(?:[A-Za-z0-9+/=]|\\n){%d}' % (PICTURE_MIN // 2))


def may_hold_pictures(data: bytes) -> bool:
    """Whether ``without_pictures`` may find a picture in a notebook's bytes (never False where it does)."""
    return _PICTURE_START.search(data) is not None


def without_pictures(handle: BinaryIO, keep: bool = True) -> tuple[bytes | None, int]:
    """A notebook's bytes read from ``handle`` a MiB at a time, each picture's string emptied
    (``"iVBORw0K…"`` becomes ``""``: the JSON and its lines stay as they were), and how many bytes
    that leaves; ``keep=False``: only the count (nothing is held but the picture being scanned)."""
    out: list[bytes] = []
    counted = 0
    run: list[bytes] = []  # the base64 run that reaches the end of what was scanned
    run_size = 0
    quoted = False  # whether that run opened a JSON string
    before = b""  # the byte before what is scanned now
    held = b""  # a backslash that ended a chunk: its "n" may begin the next

    def close(next_byte: bytes) -> None:
        nonlocal run, run_size, counted
        if not (run_size >= PICTURE_MIN and quoted and next_byte == b'"'):
            counted += run_size
            if keep:
                out.extend(run)
        run, run_size = [], 0

    while True:
        chunk = handle.read(2**20)
        data = held + chunk
        held = b""
        if chunk and data.endswith(b"\\"):
            held, data = b"\\", data[:-1]
        at = 0
        for match in _BASE64.finditer(data):
            if match.start() > 0 or not run:
                if run:
                    close(data[:1])
                text = data[at:match.start()]
                counted += len(text)
                if keep:
                    out.append(text)
                quoted = (data[match.start() - 1:match.start()] if match.start() else before) == b'"'
            run.append(match.group())
            run_size += len(match.group())
            at = match.end()
            if at < len(data):
                close(data[at:at + 1])
        if run and at < len(data):  # (no run began where the last ended)
            close(data[:1])
        text = data[at:]
        counted += len(text)
        if keep:
            out.append(text)
        before = data[-1:] or before
        if not chunk:
            if run:
                close(b"")
            return (b"".join(out) if keep else None), counted
