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
from xml.etree import ElementTree

from .base import Skip

try:
    from lzma import LZMAError
except ImportError:  # (a Python built without lzma: zipfile cannot read LZMA members either)
    LZMAError = zlib.error

# The most the members read from one file may unpack to, in all: a zip bomb (a few KiB that
# unpack to gigabytes) is skipped once it passes this, never unpacked whole, whatever sizes the zip
# claims. Markup is some five times the text it holds, so this is about the 20 MiB of text
# ``index --max-file-mb``'s default lets a plain file have; a 1,000-page report's XML is about 20
# MiB, the longest novels' pages a few. It is not ``--max-file-mb`` itself: that option judges a
# file's size on disk, and a skip for what a file holds is kept while the file is the same,
# whatever option a later run is given (``indexer``'s ``skip_kind``), as it is where ``extract`` is
# called without an index (training data, the TUI's panel).
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
    """A zip file whose members are read within ``MAX_UNPACKED`` in all. Opening it and reading a
    member raise one of ``DAMAGED`` for a damaged zip; passing the budget raises ``Skip`` with
    ``too_large`` (``{mib}``: the budget in MiB)."""

    def __init__(self, data: bytes, too_large: str):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = {info.filename: info for info in self.zip.infolist()}
        self.too_large = too_large
        self.left = MAX_UNPACKED

    def read(self, name: str) -> bytes:
        """A member's bytes, counted as they unpack."""
        chunks = []
        with self.zip.open(self.names[name]) as member:
            while chunk := member.read(_CHUNK):
                self.left -= len(chunk)
                if self.left < 0:
                    raise Skip(self.too_large.format(mib=MAX_UNPACKED >> 20))
                chunks.append(chunk)
        return b"".join(chunks)
