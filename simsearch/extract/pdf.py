"""PDF text (pypdf): pages joined, running heads and footers dropped, hyphenation undone."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from ..segment import GLUE
from .base import Extracted, Skip
from .zipped import MAX_UNPACKED, _mib

PDF_MAGIC = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*%PDF-\d\.\d")
PDF_STRUCTURE = re.compile(rb"\bendobj\b|\bstartxref\b|%%EOF")


def is_pdf_data(data: bytes) -> bool:
    """Whether bytes are a PDF, whatever the file's name: the header opens them (after a
    byte-order mark or blank lines at most) and a PDF's structure follows (objects, a
    cross-reference, the end marker). A note that begins with "%PDF-1.7" and no more, or one
    that quotes PDF syntax further on (a Markdown page about the format), is text."""
    return PDF_MAGIC.match(data[:1024]) is not None and PDF_STRUCTURE.search(data) is not None


def open_pdf(data: bytes | BinaryIO):
    """pypdf's reader of ``data``, bytes or a binary file open on them (read from the file as pypdf
    needs its objects: a page's pictures are never read for its text) (ImportError without the pdf
    extra). pypdf logs what it repairs
    ("EOF marker not found"): a file it cannot read is skipped with one warning of ours, and one it
    can is read; neither needs its log lines on the terminal, so they are turned off."""
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    return PdfReader(io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data)


# A stream's dictionary, ended where its data starts; a picture's (an image XObject, a soft mask)
# says /Subtype /Image; its /Length, when written in it rather than in an object of its own
_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![\w#])")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_HEAD = 1024


class _ReadTooMuch(Exception):
    """pypdf read more of a PDF than it may (``_Capped``)."""


class _Capped:
    """A binary file as pypdf reads it, counting what it reads: past ``most`` bytes (None: no cap)
    every read raises ``_ReadTooMuch``. pypdf reads a damaged PDF whole, and each object whose
    cross-reference entry is wrong whole again, to find its objects: a file over ``--max-file-mb``
    let in by its weight without pictures is read no further than the readers' budget. (pypdf reads
    a few bytes again and again as it parses: beamer's guide, 3.0 MB without its pictures, reads
    4.2 MB; what is read is no measure of the file's weight.)"""

    def __init__(self, source: BinaryIO, most: int | None):
        self.left = most  # (bytes it may read yet, less one: below 0, it read too much)
        self.seek, self.tell = source.seek, source.tell  # (pypdf reads a byte at a time: nothing in between)
        self.read = source.read if most is None else self._read
        self._source = source

    def _read(self, size: int = -1) -> bytes:
        left = self.left
        if left < 0:
            raise _ReadTooMuch()
        data = self._source.read(size if 0 <= size <= left else left + 1)
        self.left = left - len(data)
        if self.left < 0:
            raise _ReadTooMuch()
        return data

    def over(self) -> bool:
        return self.left is not None and self.left < 0


def _pictures(reader, source: BinaryIO) -> tuple[dict[tuple[int, int], int], int]:
    """A PDF's pictures, the streams whose dictionary says /Subtype /Image (found from the
    cross-reference ``reader`` read and the first KiB of each object; none is decoded): their
    (generation, object number) and the bytes of their data; and the file's size."""
    objects = {offset: key for generation, numbers in (getattr(reader, "xref", None) or {}).items()
               for number, offset in numbers.items() if isinstance(offset, int) for key in [(generation, number)]}
    end = source.seek(0, 2)
    pictures = {}
    ordered = sorted(offset for offset in objects if 0 <= offset < end) + [end]
    for offset, following in zip(ordered, ordered[1:]):
        source.seek(offset)
        head = source.read(min(_HEAD, following - offset))
        start = _STREAM_START.search(head)
        if start and _IMAGE.search(head, 0, start.start()):
            span = following - offset - start.end()  # (to the next object: its data, "endstream", "endobj")
            length = _LENGTH.search(head, 0, start.start())
            pictures[objects[offset]] = max(0, min(span, int(length.group(1))) if length else span)
    return pictures, end


def text_size(source: BinaryIO, most: int | None = None) -> int | None:
    """What a PDF's reader reads of it, as ``--max-file-mb`` weighs it: the file without the data
    of its pictures (``_pictures``), which its reader never reads (``_extract_pdf``).
    Fonts count: pypdf reads a Type 1 font's program for the characters its glyphs stand for.
    None for a file pypdf cannot open (or without pypdf), or where opening it reads more than
    ``most`` bytes of it (a damaged cross-reference: pypdf reads the whole file to rebuild it): it
    weighs its size on disk."""
    try:
        capped = _Capped(source, most)
        reader = open_pdf(capped)
        if capped.over():  # (pypdf may go on after the read refused)
            return None
        pictures, end = _pictures(reader, source)
        return end - sum(pictures.values())
    except Exception:  # (no pypdf, or a file it cannot open: weighed by its size, and skipped when read)
        return None


def _extract_pdf(path: Path, data: bytes | BinaryIO, budget: int | None = None,
                 read_limit: int | None = None) -> Extracted:
    """A PDF's text (``data``: its bytes or a binary file open on it, whose pictures' data is never
    read: pypdf is handed a stand-in for each, as a page drawing one needs no more). ``budget``: the
    most text its pages may give in all (``zipped.MAX_UNPACKED`` where None), as a zip's members may
    unpack to: a page's content is compressed, and a few KiB can decompress to many MiB of text (a
    PDF bomb). ``read_limit``: the most bytes of the file read (a file over ``--max-file-mb`` on
    disk, let in by its weight without pictures: ``text_size``; pypdf reads whole a damaged one)."""
    try:
        import pypdf  # noqa: F401 (the extra installed?)
    except ImportError:
        raise Skip("PDF support is not installed: pip install 'simsearch[pdf]'") from None
    left = MAX_UNPACKED if budget is None else budget
    capped = None
    try:
        if isinstance(data, (bytes, bytearray)):
            reader = open_pdf(data)
        else:
            capped = _Capped(data, read_limit)
            reader = open_pdf(capped)
            for (generation, number) in _pictures(reader, data)[0]:
                reader.cache_indirect_object(generation, number, _picture())
        pages, code, sizes, bold, size_counts = [], [], [], [], Counter()
        for page in reader.pages:
            text, mono, line_sizes, heavy = _page_text(page, size_counts)
            left -= len(text)
            if left < 0:
                raise _TooMuchText()
            pages.append(text)
            code.append(mono)
            sizes.append(line_sizes)
            bold.append(heavy)
        if capped is not None and capped.over():
            raise _ReadTooMuch()  # (where pypdf went on after the read refused)
    except _TooMuchText:
        raise Skip(f"its pages give over {_mib(MAX_UNPACKED if budget is None else budget)} MiB of text "
                   "(a PDF bomb?)") from None
    except Exception as exc:  # pypdf raises many types for damaged files
        if capped is not None and capped.over():  # (pypdf may raise its own error for ours)
            raise Skip(f"reading it took over {_mib(read_limit)} MiB of the file, though without its pictures "
                       "it weighs less (a damaged PDF, which pypdf reads whole to find its objects?)") from None
        if type(exc).__name__ == "FileNotDecryptedError":  # (pypdf tries the empty password when it opens one)
            raise Skip("password-protected PDF: save a copy without the password to index it") from None
        if type(exc).__name__ == "DependencyError":  # AES encryption needs a package the pdf extra does not bring
            raise Skip(f"unreadable PDF: {str(exc).strip() or 'DependencyError'} (pip install cryptography)") from None
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from None
    if not any(page.strip() for page in pages):  # nothing to search, and nothing else would say so
        raise Skip("no text in this PDF (a scanned one, page images only? give it a text layer with OCR: ocrmypdf)")
    # a document set in a fixed-pitch font throughout (a text file printed to PDF) has no code to tell
    # apart (a manual made mostly of listings, LaTeX's documented source, has)
    if sum(len(c) for c in code) * 10 > sum(len(p.split("\n")) for p in pages) * 9:
        code = None
    # a heading: a line set larger than the body text (the size most characters have) throughout,
    # or a short one in bold throughout
    body = size_counts.most_common(1)[0][0] if size_counts else 0
    headings = [{i for i, size in line_sizes.items() if body and size >= body * 1.15} | heavy
                for line_sizes, heavy in zip(sizes, bold)]
    # a heading of two lines is one when they are set at one size and the second has no number of its
    # own: a title above its authors, "2 User syntax" above "2.1 Package loading and options", are two
    # (not weight: a wrapped heading's line may hold a word in a code font, "the R^2 estimate")
    # ("Part I" or "Chapter 3" above its title, in another size, is one with it)
    starts = [{i for i in heads if i - 1 in heads and not _HEADING_LABEL.fullmatch(lines[i - 1].strip())
               and (line_sizes.get(i) != line_sizes.get(i - 1) or _HEADING_NUMBER.match(lines[i]))}
              for heads, line_sizes, lines in zip(headings, sizes, (page.split("\n") for page in pages))]
    for number, line_sizes in enumerate(sizes):
        notes = _footnotes(pages[number].split("\n"), line_sizes, body)
        if notes:
            pages[number], order = _footnotes_moved(pages[number].split("\n"), notes)
            where = {old: new for new, old in enumerate(order)}
            headings[number] = {where[i] for i in headings[number] | notes}  # the notes: a block of their own
            starts[number] = {where[i] for i in starts[number]}
            if code:
                code[number] = {where[i] for i in code[number]}
    text, line_map = _pdf_text(pages, code, headings, starts)
    return Extracted(text, "pdf", None, line_map)


def _picture():
    """What pypdf is given for a picture: an image XObject without its data (a page's text never
    needs it; "Do" of an image is passed over)."""
    from pypdf.generic import DictionaryObject, NameObject

    return DictionaryObject({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image")})


class _TooMuchText(Exception):
    """A PDF's pages gave more text than the budget (``_extract_pdf``)."""


# A heading's section number: "1 Introduction", "2.1 Package loading", "A.2 Tables"
_HEADING_NUMBER = re.compile(r"\s*(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s+\S")
# A heading's label line, its title on the next: "Part II", "Chapter 3", "Appendix A", "4"
_HEADING_LABEL = re.compile(r"(?:(?:Part|Chapter|Appendix|Lecture|Book)\s+)?(?:\d+|[IVXLC]+|[A-Z])\.?")
_FOOTNOTE_MARK = re.compile(r"\s*(?:\d{1,2}|[*†‡§])\s*[^\W\d]")


def _footnotes(lines: list[str], sizes: dict[int, float], body: float) -> set[int]:
    """A page's footnotes: the lines at its foot set smaller than the body text (a footer line
    of 40 characters at most may stand below them), the first opening with a mark ("1 Evaluation
    always takes place in an environment")."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end and len(lines[end - 1].strip()) <= 40 and not sizes.get(end - 1, body) <= body * 0.92:
        end -= 1  # a footer in the text's size, below the notes
    start = end
    while start and lines[start - 1].strip() and sizes.get(start - 1, body) <= body * 0.92:
        start -= 1
    # the notes start at the first marked line of the small run; a page all small is no page of notes
    while start < end and not _FOOTNOTE_MARK.match(lines[start]):
        start += 1
    return set(range(start, end)) if 0 < start < end else set()


def _footnotes_moved(lines: list[str], notes: set[int]) -> tuple[str, list[int]]:
    """The page with its footnotes after the first line of its text that ends a sentence (not
    in a URL, the next line opening with a capital), so
    that a sentence running over the page break is not cut by them (they keep their page), and
    the order of the original lines in it. With no such line they stay where they are."""
    text = [i for i in range(len(lines)) if i not in notes]
    for position, i in enumerate(text):
        last = (lines[i].split() or [""])[-1]
        after = lines[text[position + 1]].lstrip()[:1] if position + 1 < len(text) else "A"
        if _PAGE_END.search(last) and "/" not in last and "www." not in last and (after.isupper() or not after):
            order = text[:position + 1] + sorted(notes) + text[position + 1:]
            return "\n".join(lines[j] for j in order), order
    return "\n".join(lines), list(range(len(lines)))


# Fixed-pitch fonts by name (TeX's cmtt/cmsltt, cm-super's sftt, Latin Modern Mono, Courier, ...)
_MONO_FONT = re.compile(r"Courier|Mono|TT\d|Typewriter|Consol|Menlo|Inconsolata|Cousine", re.IGNORECASE)
# Bold fonts by name (TeX's cmbx/cmb, "-Bold", "Semibold", "Heavy", ...)
_BOLD_FONT = re.compile(r"Bold|BX\d|\+CMB\d|Black|Heavy|Demi|Semibold", re.IGNORECASE)


def _font_kind(font: object, cache: dict) -> tuple[bool, bool]:
    """Whether a font is fixed-pitch, and whether it is bold (by its name or its descriptor)."""
    if not font:
        return False, False
    key = id(font)
    if key not in cache:
        name = str(font.get("/BaseFont", ""))
        fixed, bold = bool(_MONO_FONT.search(name)), bool(_BOLD_FONT.search(name))
        try:
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else None
            if descriptor is None and "/DescendantFonts" in font:  # a Type0 font's descriptor is its descendant's
                descriptor = font["/DescendantFonts"].get_object()[0].get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else None
            if descriptor is not None:
                fixed = fixed or bool(int(descriptor.get("/Flags", 0)) & 1)
                bold = bold or float(descriptor.get("/FontWeight", 0)) >= 600
        except Exception:  # a damaged font dictionary: its name decides
            pass
        cache[key] = (font, fixed, bold)  # the font kept alive so that its id is not reused
    return cache[key][1:]


def _page_text(page, size_counts: Counter) -> tuple[str, set[int], dict[int, float], set[int]]:
    """A page's text as pypdf reads it, and which of its lines are code: set in a fixed-pitch
    font throughout, two or more together or one long one (a code example, a command's synopsis,
    program output), and the smallest size each line's characters are set in (``size_counts``
    gets the characters of each size), and which short lines are bold throughout (a heading set
    at the text's size: gnuplot's "Set datafile separator")."""
    chunks: list[tuple[str, tuple[bool, bool], float]] = []
    cache: dict = {}

    def visit(text, cm, tm, font, size):
        try:
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        except (TypeError, IndexError):
            scale = 1.0
        chunks.append((text, _font_kind(font, cache), round(float(size or 0) * scale, 1)))

    try:
        text = page.extract_text(visitor_text=visit) or ""
    except TypeError:  # a reader without visitors: the text alone
        return page.extract_text() or "", set(), {}, set()
    if "".join(chunk for chunk, _, _ in chunks) != text:  # the pieces do not add up: no font to tell
        return text, set(), {}, set()
    code, bold, sizes, line = set(), set(), {}, 0
    # a line's characters: in fixed-pitch fonts, in bold ones, all, and those of a listing's line
    # number in another font before them ("81" in cmr7, then "\newif\ifASYPDF" in cmtt)
    counts = [0, 0, 0, 0]

    def line_done() -> None:  # a line all in a fixed-pitch font is code, all in bold a heading's candidate
        code.update([line] if counts[0] == counts[2] - counts[3] > 0 else [])
        bold.update([line] if counts[1] == counts[2] > 0 else [])

    for chunk, (fixed, heavy), size in chunks:
        for piece in re.split(r"(\n)", chunk):
            if piece == "\n":
                line_done()
                line, counts = line + 1, [0, 0, 0, 0]
            elif letters := len(piece.replace(" ", "").replace("\t", "")):
                if not fixed and counts[2] == counts[3] and piece.strip().isdigit() and letters <= 5:
                    counts[3] += letters
                counts[0] += letters * fixed
                counts[1] += letters * heavy
                counts[2] += letters
                size_counts[size] += letters
                sizes[line] = min(sizes.get(line, size), size)
    line_done()
    # a short line on its own is a definition's term ("sys.parents" above what it does) or a
    # command shown inside a sentence ("The R command / > objects() / (alternatively, ls()) can be
    # used"): it stays text
    # (a URL or a mail address on a line of its own after prose is the end of a sentence: "... are available at")
    lines = text.split("\n")
    code = {i for i in code if (i - 1 in code or i + 1 in code or len(lines[i].strip()) > 40)
            and (i - 1 in code or not _LONE_ADDRESS.fullmatch(lines[i].strip()))}
    return text, code, sizes, {i for i in bold - code if len(lines[i].strip()) <= 80}


# A line that is a URL or a mail address alone (set in the text's font or a fixed-pitch one)
_LONE_ADDRESS = re.compile(r"[(<]?(?:(?:https?|ftp)://|www\.)\S+|[(<]?[\w.+-]+@[\w-]+(?:\.[\w-]+)+[)>]?[.,;:]?")


# Latin ligature glyphs (U+FB00-FB06) as the letters they stand for. Only these: NFKC of the whole
# page would also turn "x²" into "x2", "½" into "1⁄2" and "™" into "TM".
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
# TeX's accents as pypdf reads them: the spacing accent, then the letter ("M¨artin", "Fran¸cois",
# "J´erˆome", "Kul´ık" with a dotless i), inside a word or at the start of a capitalised one.
_ACCENTS = {"¨": "\u0308", "´": "\u0301", "`": "\u0300", "ˆ": "\u0302", "¸": "\u0327", "˚": "\u030a",
            "ˇ": "\u030c", "˝": "\u030b", "˜": "\u0303"}
_ACCENTED = re.compile(r"(?:(?<=[^\W\d_])|(?<![^\W\d_])(?=.[A-Z]))([¨´`ˆ¸˚ˇ˝˜])([^\W\d_])")


# A control character in a page's text is a glyph the font gives no Unicode for (TeX fonts without
# a ToUnicode map): gnuplot's bullets read "\x88", R's big parentheses "\x12" and "\x13".
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_UNMAPPED = re.compile(_CONTROL)
_UNMAPPED_MARK = re.compile(rf"^(\s*){_CONTROL}(?=\s+\S)")


def _unmapped(line: str) -> str:
    """``line`` without the glyphs its fonts map to control characters: one that opens the line
    before a space is a list item's mark, read as "•" (each item its own sentence, not glued to
    the one before: "…if supported by the platform. \x88 Integer overflow is …"); any other is
    a space."""
    return _UNMAPPED.sub(" ", _UNMAPPED_MARK.sub(r"\1•", line)) if _UNMAPPED.search(line) else line


def _accented(match: re.Match) -> str:
    accent, letter = match.groups()
    return unicodedata.normalize("NFC", ("i" if letter == "ı" else letter) + _ACCENTS[accent])


_DIGITS = re.compile(r"\d+")
# A word broken at a line end: lowercase letters either side of a hyphen (or a soft hyphen).
_LINE_END_HYPHEN = re.compile(r"([A-Za-z]*[a-z])([-\u00ad]\n[ \t]*)([a-z]+)")
# A URL broken at a line end, or where pypdf put a space: its piece ends with "/", ".", "-", "=",
# "?", "&" or "#" (or is its scheme alone) and the next line starts with a URL's piece, one with
# a "." or "/" or "=" inside ("(https://CRAN.\nR-project.org/package=DBI)", "https:// www.gnu.org").
# "at https://www.R-project.org/.\nIt is free" is a sentence's end.
_URL_BREAK = re.compile(r"(?:\bhttps?://|\bwww\.)(?:[^\s()<>\"]*[./=?&#-])?([ \t]*\n?[ \t]*)(?<!\S)(?=[\w.~-]*[./=][\w~%])")
_HYPHENATED = re.compile(r"\b[A-Za-z]+-[a-z]+\b")


# A page whose last line ends so ends a sentence.
_PAGE_END = re.compile(r"[.!?][\"')\]’”]*$")


def _running_key(line: str) -> str:
    return " ".join(_DIGITS.sub(" ", line).split())


_EDGE_NUMBERS = re.compile(r"^(\d+)\b|\b(\d+)$")


def _printed_numbers(line: str) -> set[int]:
    return {int(a or b) for a, b in _EDGE_NUMBERS.findall(line.strip())}


def _without_page_numbered_lines(original: list[list[str]]) -> list[list[str]]:
    """Pages without a first or last line that carries the page's printed number, whatever
    else it says: a chapter's header on the one page of a short chapter that is not its first
    ("Chapter 6: R and Emacs 27"), which repeats on too few pages to be told apart as a running
    header. The printed number is the page's index plus an offset that at least 3 pages'
    first or last lines show (front matter shifts it). Only a line at the page's very edge:
    below a bare page number left out, "1 Introduction" on page 1 is a chapter's title."""
    offsets = Counter()
    for index, page in enumerate(original, start=1):
        if len(page) > 1:
            offsets.update({number - index for end in (0, -1) for number in _printed_numbers(page[end])})
    shifts = {offset for offset, count in offsets.items() if count >= 3}
    dropped_at: dict[int, set[int]] = {}
    pages = _without_running_lines(original, dropped_at)
    for index, page in enumerate(pages, start=1):
        for end in (0, -1):
            if index - 1 not in dropped_at.get(end, ()) and len(page) > 1 and len(page[end].strip()) <= 80 and any(
                    number - index in shifts for number in _printed_numbers(page[end])):
                del page[end]
    return pages


def _without_running_lines(pages: list[list[str]], dropped_at: dict[int, set[int]] | None = None) -> list[list[str]]:
    """Pages (their lines) without running headers and footers.

    A page's first or last line is a running header or footer when the same line, digits
    ignored, stands at that end of at least 3 pages and either of at least half the pages or
    with a number that changes from page to page (a page number; a bare page number counts).
    A line next to one dropped is dropped too when it repeats at that end of at least 3 of the
    pages that lost one (a footer of two lines: a chapter's title above "Page 11"). A page of
    one line never loses it (a photo book's captions, "Photo 3 taken in 2019", are its text).
    ``dropped_at``, when given, gets the pages that lost a line at each end (0 and -1)."""
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
                if counts[key] < 3 or ends[i] == _CODE:  # a code example at a page's end is not a footer
                    continue
                if round_ or counts[key] * 2 >= len(pages) or len(numbers[key]) > 1:
                    dropped.add(i)
            for i in dropped:
                del pages[i][end]
            if dropped_at is not None:
                dropped_at.setdefault(end, set()).update(dropped)
            if not dropped:
                break
            candidates = dropped
    return pages


# A table of contents' or an index's entry: dot leaders (five dots or more, spaced or not) with
# the page number after them, or a term with its pages ("pm3d, 64, 141, 188" or "75, 162").
_LEADERS = re.compile(r"(?:\.[ \t]?){5,}[ \t]*(?:\d+|[ivxlc]+)?$")
_LOCATORS = re.compile(r"\S,[ \t]*\d+(?:[–-]\d+)?(?:,[ \t]*\d+(?:[–-]\d+)?)*,?$")
_SECTION_NUMBER = re.compile(r"\s*(?:\d+|[A-Z])(?:\.\d+)+\s")
_ENDS_IN_NUMBER = re.compile(r"(?:^|\s)(?:\d+|[ivxlc]+)$")


def _without_contents(pages: list[list[str]]) -> tuple[list[list[str]], set[int]]:
    """Pages without their tables of contents and index entries, and which pages were such.

    A line with dot leaders ("2.1 Vectors . . . . . 8") goes wherever it stands. A page where 3
    or more lines are such entries or an index's ("pm3d, 64, 141") and half its lines end in a
    page number is a contents or index page: lines ending in a number go too ("Canvas size 32",
    an entry without leaders), and so do an index's letters ("A", "%"); so is a page after one
    whose every line ends in a number (the last few entries: "V Bugs 303"). Its title stays, as
    a block of its own (never the start of the sentence on the page after)."""
    out, contents = [], set()
    for number, page in enumerate(pages):
        leaders = [bool(_LEADERS.search(line)) for line in page]
        locators = [leader or bool(_LOCATORS.search(line)) for leader, line in zip(leaders, page)]
        numbered = [loc or bool(_ENDS_IN_NUMBER.search(line)) for loc, line in zip(locators, page)]
        longer = [line for line in page if len(line.strip()) > 2 and line != _CODE]
        # (the last page of contents may hold a few entries without leaders: "V Bugs 303")
        if (sum(locators) >= 3 and sum(numbered) * 2 >= len(longer)
                or number - 1 in contents and longer and sum(numbered) == len(longer)):
            # an entry's first line when it wraps ("7.18 Why does the output from anova() depend on the")
            page = [line for line, num in zip(page, numbered)
                    if not num and len(line.strip()) > 2 and not _SECTION_NUMBER.match(line)]
            contents.add(number)
        else:
            page = [line for line, leader in zip(page, leaders) if not leader]
        out.append(page)
    return out, contents


# What a code line is replaced by, and what stands either side of a heading, until pages are
# joined: a block ends there (it never comes out of pypdf: NULs around it)
_CODE = "\x00code\x00"


def _ends_at_address(line: str, after: str) -> bool:
    """Whether ``line`` is a URL or a mail address alone that ends its sentence before ``after``."""
    if not (_LONE_ADDRESS.fullmatch(line.strip()) and after.lstrip()[:1].isupper()):
        return False
    return not any("\n" in joined.group(1) for joined in _URL_BREAK.finditer(f"{line.strip()}\n{after.strip()}"))


def _pdf_text(pages: list[str], code: list[set[int]] | None = None,
              headings: list[set[int]] | None = None,
              heading_starts: list[set[int]] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The text of a PDF's pages and its map from offsets to page numbers.

    Ligatures become letters, TeX's accents accented letters ("M¨artin" is "Märtin"), running headers and footers are left out, a word hyphenated at
    a line end is joined (unless the document writes it with a hyphen elsewhere: "well-known"),
    and pages are joined as lines are, so a sentence runs over a page break (it keeps the
    number of the page where it starts: "line" of a PDF hit is its page, the one position
    every viewer can jump to), unless the page ends with a sentence's end: the next page then
    starts a block (a heading at its top never runs into the sentence before it).

    ``code`` holds each page's lines set in a fixed-pitch font (``_page_text``): a code example,
    a synopsis or program output is left out, as a Markdown file's code blocks are, and ends
    the block before it (the prose after it starts a sentence, on that page or the next).
    ``headings`` holds each page's lines set larger than the body text: each is a block of its
    own, never the start of the sentence after it ("10.3.2 Identifiers Identifiers consist of"),
    and heading lines one under another are one block but where ``heading_starts`` opens another.
    A URL or a mail address on a line of its own, in a fixed-pitch font or not, ends its sentence
    when the next line opens with a capital."""
    # (TeX's \copyright is a "c" drawn inside a circle: pypdf reads both, "Copyright c© 1990")
    lines = [[_unmapped(_ACCENTED.sub(_accented, line.rstrip()).replace("c\u00a9", "\u00a9"))
              for line in page.translate(_LIGATURES).replace(GLUE, " ").split("\n")]
             for page in pages]
    for page, fixed in zip(lines, code or ()):
        for i in fixed:
            if i < len(page) and page[i].strip():
                page[i] = _CODE
    if headings:
        # a heading of two lines is one block
        lines = [[part for i, line in enumerate(page)
                  for part in ((_CODE,) * (i - 1 not in heads or i in starts) + (line,)
                               + (_CODE,) * (i + 1 not in heads or i + 1 in starts)
                               if i in heads and line != _CODE and line.strip() else (line,))]
                 for page, heads, starts in zip(lines, headings, heading_starts or [set()] * len(headings))]
    # a URL or a mail address on a line of its own ends its sentence when the next line opens with a
    # capital and does not go on with the URL ("at https://asymptote.sourceforge.io/gallery/" / "Clicking on")
    lines = [[part for i, line in enumerate(page)
              for part in ((line, _CODE) if i + 1 < len(page) and _ends_at_address(line, page[i + 1]) else (line,))]
             for page in lines]
    for page in lines:
        while page and not page[-1].strip():
            page.pop()
        while page and not page[0].strip():
            page.pop(0)
    lines, contents = _without_contents(_without_page_numbered_lines(lines))
    pages_kept, ends_in_code, starts_block = [], set(), set()
    for number, page in enumerate(lines, start=1):
        if page and page[0] == _CODE:
            starts_block.add(number)
        while page and page[0] == _CODE:
            page.pop(0)
        if page and page[-1] == _CODE:
            ends_in_code.add(number)
        while page and page[-1] == _CODE:
            page.pop()
        page = [line for i, line in enumerate(page) if line != _CODE or page[i - 1] != _CODE]
        if page:
            pages_kept.append((number, "\n".join("" if line == _CODE else line for line in page)))
    starts, size, joined = [], 0, []
    for number, page in pages_kept:
        if joined:
            previous = starts[-1][1]
            block = (_PAGE_END.search(joined[-1]) or {number - 1, previous - 1} & contents or previous in ends_in_code
                     or number in starts_block or _ends_at_address(joined[-1].rsplit("\n", 1)[-1], page.split("\n", 1)[0]))
            joined.append("\n\n" if block else "\n")
            size += len(joined[-1])
        starts.append((size, number))
        joined.append(page)
        size += len(page)
    text = "".join(joined)
    kept = {word.lower() for word in _HYPHENATED.findall(text)}  # words the document writes with a hyphen
    # (start, end, what stands there instead): a URL's break first, then words hyphenated at a line end
    urls = [match.span(1) + ("",) for match in _URL_BREAK.finditer(text)]
    edits = list(urls)
    for match in _LINE_END_HYPHEN.finditer(text):
        before, broken, after = match.groups()
        if not any(start < match.end() and match.start() < end for start, end, _ in urls):
            word = text[max(text.rfind(" ", 0, match.start(2)), text.rfind("\n", 0, match.start(2))) + 1:match.start(2)]
            url = "/" in word  # a URL's piece after a first break ("R-project.org/x-" / "ray.html")
            edits.append(match.span(2) + ("-" if url or f"{before.lower()}-{after}" in kept else "",))
    parts, removed, position = [], [], 0  # removed: (offset in text, characters removed up to it)
    for start, end, instead in sorted(edits):
        parts.append(text[position:start] + instead)
        position = end
        removed.append((position, (removed[-1][1] if removed else 0) + end - start - len(instead)))
    parts.append(text[position:])
    line_map = []
    for offset, number in starts:
        i = bisect.bisect_right(removed, (offset, float("inf"))) - 1
        line_map.append((offset - (removed[i][1] if i >= 0 else 0), number))
    text = "".join(parts)
    return (text + "\n" if text else ""), line_map
