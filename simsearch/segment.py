"""Sentence segmentation for plain text and markdown.

Rule-based, and careful where naive splitting on ". " is wrong: abbreviations ("e.g.",
"Dr.", "U.S."), initials ("J. R. R. Tolkien"), decimals ("3.14"), ellipses, and list
items ("1. First step" starts an item; it is not a one-word sentence). Blank lines,
headings and list items always end a sentence. Every sentence keeps its character
offsets and its 1-based line number in the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft vs etc e.g i.e cf al fig figs eq eqs no nos vol vols pp ed eds
    approx est inc ltd co corp dept univ assn bros gen gov sen rep col lt sgt capt cmdr adm
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
    u.s u.k u.n a.m p.m ph.d m.d b.a m.a b.sc m.sc e.u d.c viz ca resp incl min max
    """.split()
)

# End of a sentence: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s)""")
# A line that starts a block of its own: heading, bullet, numbered item, quote, table row.
_BLOCK_START = re.compile(r"^\s*(#{1,6}\s|[-*+•]\s|\d{1,3}[.)]\s|>\s?|\|)")
_LIST_MARKER = re.compile(r"^\s*(#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+|>\s?)", re.MULTILINE)
_WORD_BEFORE = re.compile(r"(\S+)$")
_NON_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # character offset in the source, inclusive
    end: int  # exclusive
    line: int  # 1-based line of the first character


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``text[dot]`` closes an abbreviation, initial or list number."""
    match = _WORD_BEFORE.search(text, max(0, dot - 64), dot)
    if not match:
        return False
    word = match.group(1).lstrip("(\"'“‘[").lower()
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))  # dotted forms: "e.g", "u.s.a"


def _blocks(text: str, lines_are_blocks: bool):
    """(start offset, end offset) of paragraphs, headings and list items (or of lines)."""
    start = None
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if lines_are_blocks:
            if stripped:
                yield offset, offset + len(line)
        elif not stripped:
            if start is not None:
                yield start, offset
                start = None
        elif _BLOCK_START.match(line) and start is not None:
            yield start, offset
            start = offset
        elif start is None:
            start = offset
        offset += len(line)
    if start is not None:
        yield start, offset


def split_sentences(text: str, *, lines_are_blocks: bool = False) -> list[Sentence]:
    """Split ``text`` into sentences with offsets and line numbers.

    By default wrapped lines of a paragraph are joined (prose, markdown). With
    ``lines_are_blocks`` every line break also ends a sentence: one sentence or one
    thought per line, the format of SimCSE's training files.
    """
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    sentences: list[Sentence] = []

    def emit(start: int, end: int) -> None:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        start, piece = start + lead, piece.strip()
        if not piece or not any(ch.isalnum() for ch in piece):
            return
        line = _line_of(line_starts, start)
        sentences.append(Sentence(" ".join(piece.split()), start, start + len(piece), line))

    for block_start, block_end in _blocks(text, lines_are_blocks):
        marker = _LIST_MARKER.match(text, block_start, block_end)
        cursor = marker.end() if marker else block_start
        for match in _BOUNDARY.finditer(text, cursor, block_end):
            dot = match.start()
            following = _NON_SPACE.search(text, match.end(), block_end)
            if following is None:
                continue
            rest = text[following.start()]
            if text[dot] == "." and match.end() - dot == 1 and _is_abbreviation(text, dot):
                continue
            if not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘(["):
                continue  # "... the U.S. and" / "etc. and so on": a lowercase word continues
            emit(cursor, match.end())
            cursor = match.end()
        emit(cursor, block_end)
    return sentences


def _line_of(line_starts: list[int], offset: int) -> int:
    lo, hi = 0, len(line_starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1
