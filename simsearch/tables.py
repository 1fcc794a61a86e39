"""Tables that list models, laid out by hand for a terminal of a given width so that each
model's name is whole on one line of the output: a user copies it into ``-m``.

The rule, in this order:

1. The name column is as wide as the longest name; it is never narrowed, never wrapped.
2. Other cells that may wrap (at spaces; a path by its end, a hub id folded) start at their
   narrowest (``least``: by default the longest word, or the header, whichever is longer);
   cells that may not (a count, a pooler) are as wide as their widest.
3. While that does not fit, columns are left out in the caller's order (the least useful
   first: ``dim`` and ``pooler`` in ``status``), and the caller says which under the table.
4. Where even that does not fit, the narrowest a column may go in the last resort is tried (a
   path cut to its end, ``floor``; a header over two lines, "recall" / "@10", its numbers whole);
   then, where nothing fits, the table becomes a list: each model's name on a line of its own,
   whatever its length, then its fields as "header: value".
5. Room left over widens the wrapping columns towards their widest, in the caller's order
   (``grow``), then a column whose header was broken, back towards one line.

Was: rich narrowed every column alike: at 80 columns "trio-index-unsup-simcse" was shown as
"trio-index-unsup-sim" / "cse" in ``status``, beside a ``dim`` column kept whole."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text


@dataclass
class Column:
    """One column: its header, its cells (one a row), and how it may be narrowed."""

    header: str
    cells: list[Text]
    wrap: bool = False  # may be laid out narrower than its widest cell (it wraps at spaces, else folds)
    least: int | None = None  # the narrowest it is laid out while columns can still be left out
    floor: int | None = None  # the narrowest a wrapping column goes in the last resort (default: least)
    justify: str = "left"
    fit: Callable[[Text, int], Text] | None = None  # a cell made to fit its column's width (a path's end)
    grow: int = 0  # the order in which left-over room widens wrapping columns (lowest first)

    def natural(self) -> int:
        return max(cell_len(line) for cell in [Text(self.header), *self.cells] for line in (cell.plain.split("\n") or [""]))

    def narrowest(self) -> int:
        if not self.wrap:
            return self.natural()
        if self.least is not None:
            return min(self.least, self.natural())
        words = [word for cell in self.cells for word in cell.plain.split()]
        return max(cell_len(self.header), *map(cell_len, words or [""]))

    def last_resort(self) -> int:
        """The narrowest in the last resort: a wrapping column's ``floor``; a column whose cells
        do not wrap keeps them whole, and its header goes on over lines (:func:`header_lines`)."""
        if self.wrap:
            return min(self.floor, self.narrowest()) if self.floor is not None else self.narrowest()
        cells = max((cell_len(line) for cell in self.cells for line in cell.plain.split("\n")), default=0)
        return max(cells, *map(cell_len, _header_pieces(self.header)))


def _header_pieces(header: str) -> list[str]:
    """A header's pieces it may be broken between: at a space, before an "@" ("recall" "@10")."""
    return [piece for word in header.split() for piece in re.split(r"(?=@)", word) if piece]


def header_lines(header: str, width: int) -> str:
    """``header`` over lines of at most ``width`` columns, broken between its pieces, where it
    is wider than that: "recall@10" in 6 columns is "recall" over "@10" (not "recall" "@10" cut
    anywhere, as rich would fold it)."""
    if cell_len(header) <= width:
        return header
    lines: list[str] = []
    for piece in _header_pieces(header):
        glue = "" if piece.startswith("@") else " "
        if lines and cell_len(lines[-1] + glue + piece) <= width:
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return "\n".join(lines)


@dataclass
class Layout:
    """Where :func:`layout` put the columns: ``widths`` of those shown (none: the list form)."""

    shown: list[Column]
    widths: list[int] | None
    left_out: list[str] = field(default_factory=list)


def _table_width(widths) -> int:
    """A rich table's width: each column's padding (2) and border (1), and the first border."""
    return 1 + sum(width + 3 for width in widths)


def layout(columns: list[Column], width: int, left_out_when_narrow: tuple[str, ...] = ()) -> Layout:
    """The columns to show and their widths for a terminal ``width`` columns wide (the rule in
    this module's docstring); the first column is the name's."""
    shown = list(columns)
    for header in left_out_when_narrow:
        if _table_width(c.narrowest() for c in shown) <= width:
            break
        shown = [c for c in shown if c.header != header]
    left_out = [c.header for c in columns if c not in shown]
    widths = [c.natural() if n == 0 else c.narrowest() for n, c in enumerate(shown)]
    if _table_width(widths) > width:
        widths = [c.natural() if n == 0 else c.last_resort() for n, c in enumerate(shown)]
    if _table_width(widths) > width:  # the list form shows every field
        return Layout(list(columns), None, [])
    spare = width - _table_width(widths)
    growing = sorted((n for n, c in enumerate(shown) if c.wrap), key=lambda n: shown[n].grow)
    growing += [n for n, c in enumerate(shown) if n and not c.wrap and widths[n] < c.natural()]  # a header broken
    for n in growing:
        more = min(spare, shown[n].natural() - widths[n])
        widths[n] += more
        spare -= more
    for n in growing:  # a path cut at a "/" is narrower than its room: the rest goes to the others
        column = shown[n]
        if column.fit is not None:
            fitted = max(cell_len(column.header), *(cell_len(column.fit(cell, widths[n]).plain) for cell in column.cells))
            spare += widths[n] - fitted
            widths[n] = fitted
    for n in growing:
        more = min(spare, shown[n].natural() - widths[n]) if shown[n].fit is None else 0
        widths[n] += more
        spare -= more
    return Layout(shown, widths, left_out)


def models_table(title: str, columns: list[Column], width: int,
                 left_out_when_narrow: tuple[str, ...] = ()) -> tuple[RenderableType, list[str]]:
    """A table of models (or, where none fits, the list form) for a terminal ``width`` columns
    wide, and the headers of the columns left out of it. Print it with ``crop=False``: a name
    longer than the terminal is one line, which the terminal wraps, not rich."""
    placed = layout(columns, width, left_out_when_narrow)
    if placed.widths is None:
        return _as_list(title, columns, width), []
    table = Table(title=title)
    for column, cells in zip(placed.shown, placed.widths):
        table.add_column(header_lines(column.header, cells), justify=column.justify, width=cells,
                         no_wrap=not column.wrap, overflow="fold")
    for row in range(len(columns[0].cells)):
        table.add_row(*(column.fit(column.cells[row], cells) if column.fit else column.cells[row]
                        for column, cells in zip(placed.shown, placed.widths)))
    return table, placed.left_out


def _as_list(title: str, columns: list[Column], width: int) -> Group:
    """The list form: the title, then for each row its name alone on a line (never wrapped by
    rich), then its other fields as "header: value", indented, as many to a line as fit (a field
    wider than the terminal alone on its lines, folded)."""
    parts: list[RenderableType] = [Text(title, style="italic", justify="center")]
    names, rest = columns[0], columns[1:]
    for row, name in enumerate(names.cells):
        parts.append(Text(name.plain, style="bold", no_wrap=True, overflow="ignore"))
        fields = [Text.assemble(f"{column.header}: ", column.cells[row]) for column in rest if column.cells[row].plain]
        line: Text | None = None
        for value in fields:
            value = Text(" ").join(value.split("\n"))  # (a cell of several lines: one here)
            if line is not None and cell_len(line.plain) + 2 + cell_len(value.plain) + 1 <= width - 2:  # (and its comma)
                line.append(", ")
                line.append_text(value)
                continue
            if line is not None:
                line.append(",")
                parts.append(Padding(line, (0, 0, 0, 2), expand=False))
            line = value.copy()
        if line is not None:
            parts.append(Padding(line, (0, 0, 0, 2), expand=False))
    return Group(*parts)
