"""Rich progress bars for long work, drawn on stderr so stdout stays clean for --json."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

stderr = Console(stderr=True)


class RateColumn(TextColumn):
    """Items per second, named by unit (``sent/s``); under one a second, seconds per item
    (``3.2 s/step``), never a rounded ``0 step/s``. With no rate yet, the work's phase when it
    has one (``advance(0, phase="sentences first")``), else ``- sent/s``."""

    def __init__(self, unit: str):
        super().__init__("")
        self.unit = unit

    def render(self, task):  # noqa: D102 - rich's column protocol
        speed = task.finished_speed or task.speed
        if not speed:
            return task.fields.get("phase") or f"- {self.unit}/s"
        return f"{speed:,.0f} {self.unit}/s" if speed >= 1 else f"{1 / speed:,.1f} s/{self.unit}"


@contextlib.contextmanager
def progress_bar(
    total: int, description: str, *, unit: str = "sent", enabled: bool = True
) -> Iterator[Callable[..., None]]:
    """Yield ``advance(n=1, *, phase=None, **fields)``; draws a bar with rate and ETA when enabled.

    Extra fields (say ``loss=...``) are shown after the bar; ``phase`` (a short text) where the
    rate goes while there is none, "" to take it back; with ``enabled=False``
    or when stderr is not a terminal, nothing is written and ``advance`` costs next to nothing.
    ``unit="B"``: ``total`` and ``n`` are bytes, shown as sizes (``1.2/5.0 MB``, ``MB/s``).
    """
    # Not a terminal (2>err.txt, a pipe): a bar is never drawn there, and rich's Progress would
    # still end with a blank line.
    if not enabled or not stderr.is_terminal:
        yield lambda n=1, *, phase=None, **fields: None
        return
    counts = (DownloadColumn(), TaskProgressColumn(), TransferSpeedColumn()) if unit == "B" else (
        MofNCompleteColumn(), TaskProgressColumn(), RateColumn(unit))
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        *counts,
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
        console=stderr,
        transient=not sys.stderr.isatty(),
    )
    with progress:
        # The description names models and files (a folder called "m[/]"): shown as written.
        task = progress.add_task(escape(description), total=total, info="", phase="")

        def advance(n: int = 1, *, phase: str | None = None, **fields) -> None:
            if phase is not None:
                progress.update(task, phase=phase)
            # A field given as "" is taken off the bar (a pass that ended).
            info = "  ".join(f"{k} {v}" for k, v in fields.items() if v != "")
            if fields:
                progress.update(task, advance=n, info=info)
            else:
                progress.update(task, advance=n)

        yield advance


_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Text from a document or a file name, safe to print: a terminal never sees its control
    characters (an escape sequence in a file could clear the screen or retitle the window);
    each is shown as ``\\xNN``, a tab as a space."""
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text.replace("\t", " "))


def print_warning(message: str) -> None:
    """One warning line on stderr, its text (paths, names from the user's files) as written."""
    stderr.print(f"[yellow]warning:[/] {escape(visible(message))}", highlight=False, soft_wrap=True)
