"""What every reader shares: the formats by suffix, the version of the rules, a found file, a
skipped one, and what a reader returns."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".rst": "rst", ".adoc": "asciidoc", ".asciidoc": "asciidoc", ".org": "org",
                 ".ipynb": "notebook", ".html": "html", ".htm": "html", ".pdf": "pdf",
                 ".epub": "epub", ".docx": "docx", ".odt": "odt", ".tex": "latex", ".latex": "latex",
                 ".ltx": "latex"}
# Plain-text documents named by custom, without a suffix (a project's or a Debian package's
# README, NEWS, FAQ): read as text. LICENSE and COPYING are left out (the same boilerplate in
# every project).
DOC_NAMES = frozenset({"README", "NEWS", "CHANGES", "CHANGELOG", "HISTORY", "FAQ", "TODO", "INSTALL",
                       "AUTHORS", "THANKS", "CONTRIBUTING", "BUGS"})
# What simsearch reads, as its messages say it (a PDF needs the pdf extra: said apart).
READABLE = " ".join(suffix for suffix in TEXT_SUFFIXES if suffix != ".pdf") + ", README, NEWS, FAQ, TODO… without a suffix"
BINARY_SNIFF = 8192
# The reader's version, raised in simsearch/reader_version.py (outside this package: see there).
from ..reader_version import EXTRACTOR_VERSION  # noqa: E402


def reads_name(path: Path) -> bool:
    """Whether simsearch reads a file of this name: one of ``TEXT_SUFFIXES``, or one of
    ``DOC_NAMES`` (in any case) without a suffix."""
    return path.suffix.lower() in TEXT_SUFFIXES or (not path.suffix and path.name.upper() in DOC_NAMES)


@dataclass(frozen=True)
class FoundFile:
    path: Path  # absolute
    size: int
    mtime_ns: int


class Skip(Exception):
    """A file that is left out of the index, with the reason shown to the user."""


# What a terminal draws rather than prints, in text saved from one: colour and cursor escapes
# (ECMA-48 CSI and OSC: `script`, `ls --color`, a build log saved with its colours) and overstrike
# (`man ls > ls.txt` without `col -b`: "N\bNA\bA" is bold NA, "_\bw" an underlined w).
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n\r]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]")
_OVERSTRIKE = re.compile(r"[^\n\r\x08]\x08")
# Other control characters (not tab, line ends, vertical tab or form feed) are spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1e\x7f-\x9f]")


def terminal_text(text: str) -> str:
    """``text`` as a terminal shows it: without its escape sequences, an overstruck character as the
    one struck over it, any other control character a space. Lines stay where they were."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(" ", _OVERSTRIKE.sub("", _ESCAPE.sub("", text)))




# --- extraction ---------------------------------------------------------------------------

@dataclass
class Extracted:
    text: str
    format: str  # how the file was read: "text", "markdown", "rst", "asciidoc", "org", "latex", "notebook", "html", "pdf", "epub", "docx" or "odt" (``format_of``, ``extract``)
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
    # The files it includes (rst's ``.. include::``, MyST's ``{include}``, AsciiDoc's ``include::``, Org's ``#+INCLUDE:``),
    # which are not followed: (source line, the target as written, relative to the file's folder).
    includes: list[tuple[int, str]] = field(default_factory=list)

    def source_line(self, offset: int, text_line: int) -> int:
        if not self.line_map:
            return text_line
        # bisect on the pairs themselves: (offset, inf) sorts after every entry at that offset.
        i = bisect.bisect_right(self.line_map, (offset, float("inf"))) - 1
        return self.line_map[max(i, 0)][1]
