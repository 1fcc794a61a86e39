"""EPUB books: the standard library's zipfile and ElementTree for the container and package
files, the HTML reader for the book's pages (its XHTML content documents).

A book's text is its pages in reading order, the package file's spine (items marked
``linear="no"`` too: notes, answers and other pages a reading system shows when the text links
to them are the book's words). Its table of contents is left out, as a page's menus are: the
EPUB 3 navigation document (the manifest item with ``properties="nav"``) and the EPUB 2 NCX (never
a page of the spine). A page the EPUB 2 guide names as the table of contents (``<reference
type="toc">``) is read: Sphinx names its first page so, the book's introduction above its list of
chapters (a list of links, left out as the HTML reader leaves out menus); so is a page that lists
the book's headings as headings that are links (SiSU's first page), without them. A page's ``<title>`` is left out (a reading system never shows it,
and it is most often the book's title, repeated on every page). Footnotes and endnotes
(``<aside epub:type="footnote">``, ``role="doc-endnote"`` ...) are read where they stand.

A hit's line is its page's place in the book: 1 for the first document of the spine, 2 for the
next (a document the spine names twice counts once), much as a PDF hit's line is its page.
"""

from __future__ import annotations

import codecs
import posixpath
import re
from collections.abc import Callable
from typing import BinaryIO
from pathlib import PurePath
from urllib.parse import unquote
from xml.etree import ElementTree

from . import zipped
from ..segment import GLUE
from .base import Extracted, Skip, terminal_text
from .html import MAIN_CONTENT, _HtmlText

# (what the files of one book may unpack to, in all: ``zipped.Zipped``'s budget)
_TOO_LARGE = "an EPUB whose text decompresses to over {mib} MiB (a zip bomb?): not read"
# The media types of the pages read (EPUB 2 allowed HTML; a page of SVG or an image is not read).
PAGE_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/html"})
PAGE_SUFFIXES = (".xhtml", ".html", ".htm", ".xht")
# Font obfuscation (IDPF's and Adobe's) touches fonts only: the text can be read.
FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
# Where a note stands in a page: read even in an <aside> outside the page's <main>.
NOTE_TYPES = frozenset({"footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes", "note",
                        "doc-footnote", "doc-endnote", "doc-endnotes"})
# A heading that is nothing but a link to a place in the book: on a page with three or more, an entry
# of a table of contents written as headings (SiSU's first page lists every heading of the book so,
# <h5 class="toc"><a href="...">), left out as the navigation document is. A chapter's one heading
# that links back to the contents is its text.
_LINKED_HEADING = re.compile(r"<h[1-6]\b[^>]*>\s*<a\s[^>]*\bhref\s*=", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class _Page(_HtmlText):
    """A page of a book, read as the HTML reader reads a page; its notes are text, and the URLs
    Sphinx writes out after its links for readers who cannot follow them (``span.link-target``,
    " [https://…]") are not, as no reader keeps a link's target."""

    def _is_chrome(self, tag: str, attributes: dict) -> bool:
        kinds = set((attributes.get("epub:type") or "").split()) | set((attributes.get("role") or "").split())
        if tag == "aside" and kinds & NOTE_TYPES:
            return False
        if tag == "span" and "link-target" in self._classes(attributes):
            return True
        return super()._is_chrome(tag, attributes)

    def __init__(self, has_main: bool, contents: bool = False):
        super().__init__(has_main=has_main)
        self.contents = contents

    def _end_block(self) -> None:
        if self.contents and self.block_in_heading and not self.block_has_words:
            del self.block[:]  # (a contents page's entry: a heading of the book repeated)
        super()._end_block()

    def _skip(self, tag: str, capture: bool = False) -> None:
        size = len(self.block)
        super()._skip(tag, capture)
        if tag == "span":  # (what it stands for is nothing: "colorama [https://…]." reads "colorama.")
            del self.block[size:]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Book(zipped.Zipped):
    """A zip read within the book's budget of decompressed bytes."""

    def __init__(self, data: bytes | BinaryIO, budget: int | None = None):
        super().__init__(data, _TOO_LARGE, budget)

    def xml(self, name: str) -> ElementTree.Element:
        """A small XML file of the book, parsed; ValueError with why it cannot be."""
        if name not in self.names:
            raise ValueError(f"no {name}")
        try:
            return zipped.parse(self.read(name))
        except zipped.BadXml as exc:
            raise ValueError(f"{name} {exc}") from None


def _package(book: _Book) -> tuple[list[tuple[int, str]], str]:
    """The pages to read, as (place in the book: which document of the spine it is, from 1; name in the zip), and the package file's name;
    ValueError with why there are none to be had from the package file."""
    container = book.xml("META-INF/container.xml")
    roots = [element for element in container.iter() if _local(element.tag) == "rootfile"]
    roots.sort(key=lambda element: element.get("media-type") != "application/oebps-package+xml")
    if not roots or not roots[0].get("full-path"):
        raise ValueError("META-INF/container.xml names no package file")
    opf = roots[0].get("full-path").lstrip("/")
    package = book.xml(opf)
    folder = posixpath.dirname(opf)

    def name(href: str) -> str:
        return posixpath.normpath(posixpath.join(folder, unquote(href.split("#", 1)[0])))

    items, spine = {}, []
    for element in package.iter():
        kind = _local(element.tag)
        if kind == "item" and element.get("id") and element.get("href"):
            items[element.get("id")] = element
        elif kind == "itemref":
            spine.append(element.get("idref"))
    if not spine:
        raise ValueError(f"{opf} has no spine")
    pages, places = [], {}
    for idref in spine:
        item = items.get(idref)
        if item is None:
            continue
        page = name(item.get("href"))
        if page in places:  # (a page the spine names again, "ch1.xhtml#part2": read once, at its first place)
            continue
        places[page] = len(places) + 1
        if (item.get("media-type") or "").strip().lower() not in PAGE_TYPES:
            continue  # (an image or SVG page: no text read, but a place in the book)
        if "nav" in (item.get("properties") or "").split():
            continue  # the table of contents
        pages.append((places[page], page))
    return pages, opf


def _encrypted(book: _Book) -> set[str]:
    """The names of the files META-INF/encryption.xml says are encrypted (not only obfuscated fonts)."""
    if "META-INF/encryption.xml" not in book.names:
        return set()
    try:
        root = book.xml("META-INF/encryption.xml")
    except ValueError as exc:
        raise Skip(f"an encrypted EPUB (DRM?): {exc}") from None
    names = set()
    for data in root.iter():
        if _local(data.tag) != "EncryptedData":
            continue
        method = next((e.get("Algorithm") for e in data.iter() if _local(e.tag) == "EncryptionMethod"), None)
        for reference in data.iter():
            if _local(reference.tag) == "CipherReference" and reference.get("URI") and method not in FONT_OBFUSCATION:
                names.add(posixpath.normpath(unquote(reference.get("URI")).lstrip("/")))
    return names


# What a page's declared encoding must read as ASCII reads it: the declaration was read so, and a
# codec that does not ("hex", "rot13", "punycode", "unicode_escape", "utf-7") is no encoding of a page.
_ASCII_PROBE = "<?xml version='1.0'?>\n<p class=\"a+b\">C:\\x41 &amp; ~@#-_.</p>"


def _page_codec(name: str) -> str | None:
    """The codec a page's XML declaration names, None where ``decode`` reads it (UTF-8, UTF-16, a
    name Python does not know, or a codec that is no ASCII-compatible text encoding)."""
    try:
        codec = codecs.lookup(name).name
        if _ASCII_PROBE.encode(codec).decode(codec, "replace") != _ASCII_PROBE or _ASCII_PROBE.encode(codec) != _ASCII_PROBE.encode():
            return None
    except (LookupError, ValueError, TypeError):  # (ValueError: UnicodeError)
        return None
    return None if codec in ("utf-8", "utf-16", "utf-16-le", "utf-16-be") else codec  # (those: ``decode`` tells them apart)


def _page_text(data: bytes, decode: Callable[[bytes], str]) -> str:
    declared = _XML_ENCODING.match(data[:200])
    codec = _page_codec(declared.group(1).decode("ascii")) if declared else None
    if codec is None:
        text = decode(data)
    else:
        text = terminal_text(data.decode(codec, errors="replace")).replace(GLUE, " ")
    parser = _Page(has_main=MAIN_CONTENT.search(text) is not None, contents=len(_LINKED_HEADING.findall(text)) >= 3)
    parser.feed(text)
    parser.title = None  # (no reading system shows it; most often the book's title, on every page)
    parser.close()
    return "".join(parser.parts)


def _extract_epub(path: PurePath, data: bytes | BinaryIO, decode: Callable[[bytes], str],
                  budget: int | None = None) -> Extracted:
    """The text of an EPUB book (its bytes, or a binary file open on it); ``decode`` turns a page's
    bytes into text (the HTML reader's decoding and cleaning); ``budget``: what its files may unpack
    to (``zipped.Zipped``). Raises ``Skip`` for a file that is no readable book."""
    try:
        return _read(data, decode, budget)
    except zipped.DAMAGED as exc:
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise Skip(f"unreadable EPUB: a damaged zip ({detail})") from None


def _read(data: bytes | BinaryIO, decode: Callable[[bytes], str], budget: int | None) -> Extracted:
    book = _Book(data, budget)
    warning = None
    try:
        pages, opf = _package(book)
    except ValueError as exc:
        pages = [(place, name) for place, name in enumerate(sorted(
            name for name in book.names if name.lower().endswith(PAGE_SUFFIXES) and not name.startswith("META-INF/")), 1)]
        if not pages:
            raise Skip(f"not an EPUB book: {exc}, and no XHTML page") from None
        warning = f"{exc}: its {len(pages)} XHTML pages were read in the order of their names"
    else:
        missing = [name for _, name in pages if name not in book.names]
        if missing:
            warning = (f"{len(missing)} of the {len(pages)} pages {opf} names are not in the book "
                       f"({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}): the others were read")
        pages = [(place, name) for place, name in pages if name in book.names]
    encrypted = _encrypted(book)
    locked = [name for _, name in pages if name in encrypted]
    if locked:
        raise Skip(f"an encrypted EPUB (DRM): {len(locked)} of its {len(pages)} pages are encrypted, "
                   "which simsearch cannot read")
    total = sum(book.names[name].file_size for _, name in pages)
    if total > book.left:  # (said by the zip, before any of it is read; what is read is counted too)
        raise book.too_large_skip()
    parts, line_map, size = [], [], 0
    for place, name in pages:
        text = _page_text(book.read(name), decode).strip("\n")
        if not text.strip():
            continue
        line_map.append((size, place))
        parts.append(text + "\n\n")
        size += len(text) + 2
    if not parts:
        raise Skip("no text in this EPUB (pictures only?)")
    return Extracted("".join(parts), "epub", warning, line_map, blocks_marked=True)
