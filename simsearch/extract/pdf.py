"""PDF text (pypdf): pages joined, running heads and footers dropped, hyphenation undone."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from pathlib import Path

from .base import Extracted, Skip

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
