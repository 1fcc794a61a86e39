"""What the readers of zip files (EPUB books, Word and OpenDocument files) share: a zip's members
read within one budget of unpacked bytes, what a damaged zip raises, and the refusal of XML that
declares entities. Each reader says in its own words what it skips and why.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import BinaryIO
from xml.etree import ElementTree

from .base import Skip

try:
    from lzma import LZMAError
except ImportError:  # (a Python built without lzma: zipfile cannot read LZMA members either)
    LZMAError = zlib.error

# The most the members read from one file may unpack to, in all, where no larger limit is given
# (``budget``; ``extract`` without ``unpacked_limit``: training on one file named): a zip bomb (a few
# KiB that unpack to gigabytes) is skipped once it passes this, never unpacked whole, whatever sizes
# the zip claims. Markup is some five times the text it holds, so this is about the 20 MiB of text
# ``index --max-file-mb``'s default lets a plain file have. ``index`` weighs a zip container by the
# smaller of its size on disk and what ``text_size`` says its members unpack to (more than
# ``budget`` of them: refused unread), and gives the reader ``budget`` of the limit.
MAX_UNPACKED = 100 * 2**20
_CHUNK = 2**20

# What reading a damaged zip can raise: one cut short or not a zip (BadZipFile, EOFError, OSError,
# struct.error, ValueError), damaged compressed bytes (zlib.error, LZMAError, OSError for bzip2), a
# compression method or zip version zipfile lacks (NotImplementedError), a member encrypted with a
# password (RuntimeError), a ZIP64 member it cannot read (LargeZipFile).
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError,
           ValueError, struct.error, zlib.error, LZMAError)

# What ElementTree raises for XML it cannot read: not well-formed (ParseError), or declaring an
# encoding Python lacks or one that is no text encoding (LookupError: "hex", "rot13"), or one expat
# cannot read (ValueError, UnicodeError: "multi-byte encodings are not supported", "idna").
XML_ERRORS = (ElementTree.ParseError, LookupError, ValueError)

# What no zip reader reads (by a member's suffix): pictures, fonts, sound, video and embedded files.
# Every other member counts in ``text_size``, a page or part of any name among them.
_NOT_READ = frozenset(
    ".jpg .jpeg .jpe .png .gif .webp .bmp .tif .tiff .svg .svgz .emf .wmf .emz .wmz .ico .heic .heif .avif .jxl "
    ".otf .ttf .ttc .woff .woff2 .eot .pfb .odttf .fntdata .mp3 .m4a .m4b .aac .ogg .oga .opus .flac .wav .mp4 "
    ".m4v .mov .webm .ogv .avi .mkv .bin .ole .pdf .xlsx .xlsm .xls .pptx .ppt .docx .doc .ods .odp .odg .zip".split())


def text_size(source) -> int | None:
    """What a zip container's members other than pictures, fonts, sound, video and embedded files
    unpack to, from its directory alone (nothing is unpacked): no reader reads more of them, as
    ``zipfile`` never gives more of a member than its directory entry says (a member whose bytes
    unpack to more fails its check, a damaged zip). ``source``: a path or a binary file. None for
    what is no zip that can be read."""
    try:
        with zipfile.ZipFile(source) as archive:
            return sum(info.file_size for info in archive.infolist()
                       if not info.is_dir() and "." + info.filename.rsplit(".", 1)[-1].lower() not in _NOT_READ)
    except DAMAGED:
        return None

# An entity declaration, as UTF-8 (or any encoding that writes ASCII as ASCII) or UTF-16 writes it:
# an entity that expands to itself a billion times ("billion laughs") or reads a file on this
# machine (an external entity) needs one, and no EPUB container or package file, Word or
# OpenDocument part has one. A DOCTYPE alone is harmless (ElementTree fetches nothing), and an old
# EPUB's package file has one.
_ENTITY = re.compile(rb"<!ENTITY|<\0!\0E\0N\0T\0I\0T\0Y\0|\0<\0!\0E\0N\0T\0I\0T\0Y")


class BadXml(ValueError):
    """Why a member's XML is not read, in words that go after its name in a reader's message."""


def parse(data: bytes) -> ElementTree.Element:
    """A member's XML parsed; ``BadXml`` when it declares entities (before any of it is parsed:
    no entity is ever expanded, and ElementTree fetches no external one) or cannot be read."""
    if _ENTITY.search(data):
        raise BadXml("declares XML entities")
    try:
        return ElementTree.fromstring(data)
    except XML_ERRORS as exc:
        raise BadXml(f"is not well-formed XML ({exc})") from None


class Zipped:
    """A zip file (its bytes, or a binary file open on it: a large container is not read into
    memory) whose members are read within ``budget`` bytes in all (None: ``MAX_UNPACKED``). Opening
    it and reading a member raise one of ``DAMAGED`` for a damaged zip; passing the budget raises
    ``Skip`` with ``too_large`` (``{mib}``: the budget in MiB)."""

    def __init__(self, data: bytes | BinaryIO, too_large: str, budget: int | None = None):
        self.zip = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data)
        self.names = {info.filename: info for info in self.zip.infolist()}
        self.too_large = too_large
        self.budget = MAX_UNPACKED if budget is None else budget
        self.left = self.budget

    def too_large_skip(self) -> Skip:
        return Skip(self.too_large.format(mib=_mib(self.budget)))

    def read(self, name: str) -> bytes:
        """A member's bytes, counted as they unpack."""
        chunks = []
        with self.zip.open(self.names[name]) as member:
            while chunk := member.read(_CHUNK):
                self.left -= len(chunk)
                if self.left < 0:
                    raise self.too_large_skip()
                chunks.append(chunk)
        return b"".join(chunks)


def budget(limit: int | None) -> int:
    """What the members read from one container may unpack to, in all, under ``--max-file-mb``
    ``limit`` (bytes; None: no limit given): the limit, or ``MAX_UNPACKED`` where that is larger, as
    every version read a container within the limit on disk whose markup unpacks past the limit (a
    text-only "complete works" of 6 MiB unpacks to some 20 MiB of pages)."""
    return MAX_UNPACKED if limit is None else max(limit, MAX_UNPACKED)


def _mib(size: int) -> str:
    """A budget in MiB as a message says it: "100", "20", "0.5"."""
    return f"{size / 2**20:.1f}".removesuffix(".0") if size % 2**20 else str(size >> 20)
