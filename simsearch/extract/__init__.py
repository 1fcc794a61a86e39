"""Finding documents and getting their text: the file walk and the per-format extractors.

The walk skips hidden files and folders, paths ignored by a ``.gitignore`` on the way
down, files with an unknown extension, and binary files. Extractors return plain text
and, where the text is not the file itself (HTML, PDF), a map from text offsets back to
the file's own line numbers, so that a search hit points at ``path:line`` in the source.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import itertools
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..segment import (GLUE, PARAGRAPH_PER_LINE, SENTENCE_PER_LINE, BlockSplitter, Sentence, line_shape, sentence_text,
                       split_sentences)
from .base import (
    BINARY_SNIFF,
    EXTRACTOR_VERSION,
    READABLE,
    TEXT_SUFFIXES,
    Extracted,
    FoundFile,
    Skip,
    reads_name,
    terminal_text,
)
from .asciidoc import _clean_asciidoc, reads_as_asciidoc
from .gitignore import parse_gitignore
from .epub import _extract_epub
from .html import _extract_html, _HtmlText
from .latex import _clean_latex
from .ipynb import _clean_notebook, may_hold_pictures, without_pictures
from .markdown import _clean_markdown
from .office import _extract_office
from .org import _clean_org
from .pdf import _extract_pdf, _pdf_text, is_pdf_data
from . import pdf as _pdf
from .plain import _assemble, _clean_plain
from .rst import _clean_rst
from .walk import is_undecodable, printable, walk
from . import zipped

__all__ = ["BINARY_SNIFF", "EXTRACTOR_VERSION", "MAX_SENTENCE_CHARS", "READABLE", "TEXT_SUFFIXES", "Extracted", "FoundFile",
           "Skip", "WEIGHED_FORMATS", "ZIP_FORMATS", "decode", "extract", "format_of", "included_file", "is_pdf_data", "is_undecodable", "is_utf16",
           "parse_gitignore", "printable", "read_path", "read_size", "reads_name", "sentences_from_path", "sentences_of", "walk",
           "_HtmlText", "_pdf_text"]

# Sentences longer than this are cut at a space: a model reads at most a few hundred tokens.
MAX_SENTENCE_CHARS = 1000


# The formats that are zip files: weighed against ``--max-file-mb`` by what they unpack to
# (``read_size``), and read from the file rather than from its bytes in memory.
ZIP_FORMATS = frozenset({"epub", "docx", "odt"})
# The formats ``read_size`` weighs by their text rather than their size on disk.
WEIGHED_FORMATS = ZIP_FORMATS | {"notebook", "pdf"}
_UNPACKED = "of text and markup unpacked (pictures and fonts not counted)"
_NOTEBOOK = "of JSON without its pictures"
_PDF = "of PDF without its pictures"


def read_size(path: Path, size: int, limit: int | None = None) -> tuple[int, str | None]:
    """What reading a file takes, as ``--max-file-mb`` weighs it, and what that is when it is not
    the file's size on disk (words for a message: "of JSON without its pictures"). An EPUB, Word or
    OpenDocument file that is a zip weighs the smaller of its size on disk and what its members
    other than pictures, fonts and media unpack to, read from the zip's directory alone
    (``zipped.text_size``: its pages and XML, which no reader unpacks more of), so an illustrated book
    is weighed by its text and a text-only one is read wherever its size on disk is within the limit,
    as it always was; but one whose text unpacks past what a reader may unpack
    (``zipped.budget(limit)``: a zip bomb, or pages past a limit raised above 100 MiB) weighs that
    text, refused before anything is unpacked. A notebook weighs its JSON without its pictures
    (``ipynb.without_pictures``: the file is read through, only where its size is over ``limit``, as
    it weighs no more than that); a PDF, where its size is over ``limit``, the file without its
    pictures' data (``pdf.text_size``: its cross-reference and the first KiB of each object read, no
    stream decoded), so slides or a book of photographs are read for their text; any other file (one
    of those that is no zip or no PDF pypdf opens too, or one pypdf reads more than the readers'
    budget of to open, ``zipped.budget(limit)``: a damaged PDF, read whole) its size on disk."""
    file_format = format_of(path)
    with contextlib.suppress(OSError):
        if file_format in ZIP_FORMATS:
            unpacked = zipped.text_size(path)
            if unpacked is not None and (unpacked < size or unpacked > zipped.budget(limit)):
                return unpacked, _UNPACKED
        elif file_format == "notebook" and (limit is None or size > limit):
            with open(path, "rb") as handle:
                return without_pictures(handle, keep=False)[1], _NOTEBOOK
        elif file_format == "pdf" and (limit is None or size > limit):
            with open(path, "rb") as handle:
                weight = _pdf.text_size(handle, zipped.budget(limit))
            if weight is not None and weight < size:
                return weight, _PDF
    return size, None


def extract(path: Path, data: bytes | BinaryIO, *, unpacked_limit: int | None = None,
            read_limit: int | None = None) -> Extracted:
    """Text of a file from its bytes; raises ``Skip`` for binary or unreadable content. An EPUB,
    Word or OpenDocument file may come as a binary file open on it (``index`` and ``read_path`` give
    one): a zip is read from it, its pictures never in memory; so may a notebook, read without its
    pictures (``ipynb.without_pictures``), as it is from its bytes; so may a PDF, read from the file as pypdf needs
    its objects (its pictures never read). ``unpacked_limit``: what a zip's members read may
    unpack to, in all, and the most text a PDF's pages may give (``index`` gives ``zipped.budget`` of
    ``--max-file-mb``; None: ``zipped.MAX_UNPACKED``). ``read_limit``: the most bytes of a PDF
    read from its file (``index`` gives ``zipped.budget`` of ``--max-file-mb`` for one over it on
    disk, let in by its weight without pictures: ``read_size``; pypdf reads a few bytes again and
    again as it parses, some 1.4 times the weight in all, and a damaged PDF whole).

    Markdown, reStructuredText (``.rst``, and Sphinx's ``_sources/*.rst.txt``), AsciiDoc
    (``.adoc``, and a ``.txt`` written in it, as Git's documentation is), Org (``.org``) and a Jupyter
    notebook's markdown cells (``.ipynb``), Word's ``.docx``, OpenDocument's ``.odt`` and an EPUB book's pages come out as prose without markup or code; plain text is
    read by its shape (``segment.line_shape``): wrapped prose, one paragraph per line, or one sentence per line (each line kept as written).
    """
    file_format = format_of(path)
    if file_format == "notebook":  # (from its bytes too: a notebook reads alike whichever way it comes)
        if not isinstance(data, (bytes, bytearray)):
            data = without_pictures(data)[0]
        elif may_hold_pictures(data):
            data = without_pictures(io.BytesIO(data))[0]
    elif not isinstance(data, (bytes, bytearray)):  # (an open container)
        if file_format == "pdf":
            data.seek(0)
            return _extract_pdf(path, data, unpacked_limit, read_limit)
        if file_format in ZIP_FORMATS and zipfile.is_zipfile(data):
            data.seek(0)
            if file_format == "epub":
                return _extract_epub(path, data, lambda page: terminal_text(decode(page)[0]).replace(GLUE, " "),
                                     unpacked_limit)
            return _extract_office(path, data, file_format, unpacked_limit)
        else:
            data.seek(0)
            data = data.read()  # (no zip: weighed by its size on disk, and read as it always was)
    if file_format == "epub":  # (a zip: its pages are read as HTML)
        return _extract_epub(path, data, lambda page: terminal_text(decode(page)[0]).replace(GLUE, " "), unpacked_limit)
    if file_format == "pdf" or is_pdf_data(data):  # (a PDF under another name: its text, not its syntax)
        return _extract_pdf(path, data, unpacked_limit)
    if file_format in ("docx", "odt"):  # (zip files of XML: read with the standard library)
        return _extract_office(path, data, file_format, unpacked_limit)
    if b"\0" in data[:BINARY_SNIFF] and not is_utf16(data):  # UTF-16 text is full of NUL bytes
        raise Skip("binary content")
    text, warning = decode(data)
    if file_format == "notebook":  # (JSON: its cells' text is cleaned as a file's is, once read out of it)
        includes: list[tuple[int, str]] = []
        lines = _clean_notebook(text, includes, lambda cell: terminal_text(cell).replace(GLUE, " "))
        clean, line_map = _assemble(lines)
        return Extracted(clean, file_format, warning, line_map, blocks_marked=True, includes=includes)
    text = terminal_text(text).replace(GLUE, " ")  # (a file's own is a space, as it always read: only a markup reader writes it)
    if file_format == "text" and reads_as_asciidoc(text):
        file_format = "asciidoc"
    if file_format == "html":
        return _extract_html(text, warning, path)
    shape = None
    includes = []
    if file_format == "markdown":
        lines = _clean_markdown(text, includes)
    elif file_format == "rst":
        lines = _clean_rst(text, includes)
    elif file_format == "asciidoc":
        lines = _clean_asciidoc(text, includes)
    elif file_format == "org":
        lines = _clean_org(text, includes)
    elif file_format == "latex":
        lines = _clean_latex(text, includes)
    else:
        shape = line_shape(text)
        lines = _clean_plain(text, shape == SENTENCE_PER_LINE)
    clean, line_map = _assemble(lines)
    return Extracted(clean, file_format, warning, line_map, lines_are_blocks=shape == PARAGRAPH_PER_LINE,
                     lines_are_sentences=shape == SENTENCE_PER_LINE, blocks_marked=shape is None, includes=includes)


def included_file(path: Path, target: str, file_format: str) -> Path | None:
    """The file an include in ``path`` names (``Extracted.includes``), when it is one simsearch
    reads: relative to ``path``'s folder; in rst and MyST a target that starts with "/" is relative
    to the Sphinx project's folder (the nearest one above with a ``conf.py``), as Sphinx reads it.
    None for a file that is not there or of a type simsearch does not read (``../LICENSE``)."""
    folder = Path(os.path.normpath(Path(path).absolute().parent))
    if target.startswith("/") and file_format not in ("asciidoc", "org", "latex"):
        project = next((above for above in (folder, *folder.parents) if (above / "conf.py").is_file()), None)
        found = Path(target) if project is None else project / target.lstrip("/")
    else:
        found = folder / target
    found = Path(os.path.normpath(found))
    try:
        readable = reads_name(found) and found.is_file()
    except OSError:  # (a name too long, a loop of links)
        return None
    return found if readable else None


def format_of(path: Path) -> str:
    """How a file is read by its name: text, markdown, rst, asciidoc, org, notebook, html, pdf, epub, docx or odt (``a.rst.txt``
    is rst). A ``.txt`` written in AsciiDoc is told by its text (``extract``)."""
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
        # A word that ``sentence_text`` leaves out (a soft hyphen standing alone) is no word of it, and
        # one it changes ("Konfigu\u00adration", "\ufb01le") maps inside its own span.
        words = [word for word in _WORD.finditer(extracted.text, sentence.start, sentence.end) if sentence_text(word.group())]
        collapsed = list(itertools.accumulate((len(sentence_text(word.group())) + 1 for word in words[:-1]), initial=0))

        def offset(at: int) -> int:
            k = bisect.bisect_right(collapsed, at) - 1
            return words[k].start() + min(at - collapsed[k], len(words[k].group()) - 1)

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
    return read_path(path, warn)[1]


def read_path(path: Path, warn: Callable[[str], None] | None = None,
              unpacked_limit: int | None = None, read_limit: int | None = None,
              source: BinaryIO | None = None) -> tuple[Extracted, list[Sentence]]:
    """A file's extracted text (its shape: ``lines_are_blocks``, ...) and its sentences, as
    :func:`sentences_from_path` reads them (``unpacked_limit``, ``read_limit``: as ``extract`` takes them).
    ``source``: a binary file open on it, at its start, read instead of ``path`` (the version weighed)."""
    path = Path(path)
    with open(path, "rb") if source is None else contextlib.nullcontext(source) as handle:
        if format_of(path) in WEIGHED_FORMATS:
            extracted = extract(path, handle, unpacked_limit=unpacked_limit, read_limit=read_limit)
        else:
            extracted = extract(path, handle.read())
    if extracted.warning and warn is not None:
        warn(extracted.warning)
    return extracted, sentences_of(extracted)


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
