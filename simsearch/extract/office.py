"""Word (.docx) and OpenDocument (.odt) text documents to prose, with the standard library alone.

Both are zip files of XML parts: ``zipfile`` opens them and ``xml.etree.ElementTree`` reads the
parts, so no dependency is needed. A hit's "line" is its paragraph's number (``Extracted.line_map``):
the paragraphs with text counted from the top of the document, a heading, a list item and a table
row each one, as the document shows them (a code paragraph, which is not indexed, counts too); a
footnote, an endnote or a text box is read after the paragraph that holds its mark or anchor, and
has that paragraph's number. What a reader is shown (``paragraphs``) is numbered the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import BinaryIO
from xml.etree import ElementTree

from . import zipped
from .base import Extracted, Skip, terminal_text
from .plain import _assemble
from .rst import _cell_names, _quoted_cell

# (what the parts read from one document may unpack to, in all: ``zipped.Zipped``'s budget)
_TOO_LARGE = "unpacks to over {mib} MiB of XML (a zip bomb?); not read"

W_NS = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main")  # (transitional and strict OOXML)
_NS = {
    **dict.fromkeys(W_NS, "w"),
    "http://schemas.openxmlformats.org/officeDocument/2006/math": "m",
    "http://purl.oclc.org/ooxml/officeDocument/math": "m",
    "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
    "urn:oasis:names:tc:opendocument:xmlns:office:1.0": "office",
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0": "text",
    "urn:oasis:names:tc:opendocument:xmlns:table:1.0": "table",
    "urn:oasis:names:tc:opendocument:xmlns:style:1.0": "style",
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0": "draw",
    "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0": "svg",
    "urn:oasis:names:tc:opendocument:xmlns:meta:1.0": "meta",
}
_REL_DOCUMENT = "/officeDocument"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Paragraph styles that hold code (Word's "HTML Preformatted", pandoc's "Source Code", LibreOffice's
# "Preformatted Text"): left out, as every reader leaves code blocks out.
_CODE_STYLE = re.compile(r"(?i)\b(?:source[ _]?code|code|preformatted|verbatim|macro[ _]text)\b")
# Fixed-pitch fonts: a paragraph whose style sets one is code (as a PDF's lines in one are), unless
# most of the document's paragraphs are (a letter typed in Courier). Inline code (runs in such a font
# inside a paragraph, a list item that is one name) is text, as a Markdown reader's literals are.
_MONO_FONTS = re.compile(r"(?i)^(?:courier(?: new)?|consolas|lucida (?:console|sans typewriter)|menlo|monaco|"
                         r"(?:dejavu|bitstream vera|liberation|noto|ubuntu|roboto|droid|pt|fira|jetbrains|ibm plex) (?:sans )?mono|"
                         r"source code pro|cascadia (?:code|mono)|fira code|inconsolata|andale mono|sf mono|hack|monospace)$")
# Word's table-of-contents styles ("toc 1", "TOC Heading"): the contents list repeats the headings.
_TOC_STYLE = re.compile(r"(?i)^toc(?: \d| heading)$")
_ODF_SPACE = re.compile(r"[ \t\r\n]+")


# What an inline element of a run stands for in the text: a tab or a space (``text:s`` may ask for
# any number of spaces, ``text:c``: one reads the same), a line break, a hyphen that must not
# break, a soft hyphen (dropped where the sentence is read, as in every reader).
_INLINE_MARKS = {"w:tab": " ", "w:ptab": " ", "text:s": " ", "text:tab": " ",
                 "w:br": "\n", "w:cr": "\n", "text:line-break": "\n",
                 "w:noBreakHyphen": "-", "w:softHyphen": "\u00ad", "text:soft-hyphen": "\u00ad"}


@dataclass
class _Paragraph:
    """A paragraph as the document shows it: its text, whether its style is a code style, whether
    its style sets a fixed-pitch font, and the texts anchored in it (footnotes, text boxes)."""
    text: str
    code: bool = False
    mono: bool = False
    anchored: list[str] = field(default_factory=list)


def _extract_office(path: PurePath, data: bytes | BinaryIO, file_format: str, budget: int | None = None) -> Extracted:
    """A .docx or .odt file's text (from its bytes, or a binary file open on a zip): one block per
    paragraph, heading, list item or table row; ``budget``: what its parts may unpack to
    (``zipped.Zipped``). Raises ``Skip`` with the reason for a file that is no such document or
    cannot be read safely."""
    items, file_format = _read(data, file_format, budget)
    lines: list[tuple[int, str]] = []
    for number, text, indexed in _numbered(items):
        if indexed:
            lines += [(number, line) for line in text.split("\n")]
            lines.append((number, ""))
    clean, line_map = _assemble(lines)
    return Extracted(clean, file_format, None, line_map, blocks_marked=True)


def paragraphs(data: bytes | BinaryIO, file_format: str, budget: int | None = None) -> list[str]:
    """The document's paragraphs as a hit's line numbers them (``paragraphs(...)[line - 1]``), each
    with the texts anchored in it after it; code paragraphs too. Raises ``Skip`` as the reader does
    (``data`` and ``budget`` as ``_extract_office`` takes them)."""
    shown: list[str] = []
    for number, text, _ in _numbered(_read(data, file_format, budget)[0]):
        if number > len(shown):
            shown.append(text.replace("\n", " "))
        else:
            shown[number - 1] += "  [" + text.replace("\n", " ") + "]"
    return shown


def _numbered(items: list[_Paragraph]):
    """(number, text, indexed) for each paragraph with text and each text anchored in it."""
    mono = sum(item.mono for item in items)
    drop_mono = mono * 2 < len(items)
    number = 0
    for item in items:
        if item.text.strip():
            number += 1
            yield number, item.text.strip(), not (item.code or (item.mono and drop_mono))
            for text in item.anchored:
                yield number, text, True
        else:  # (a paragraph holding only a text box: the box's paragraphs are the ones shown)
            for text in item.anchored:
                number += 1
                yield number, text, True


def _read(data: bytes | BinaryIO, file_format: str, budget: int | None = None) -> tuple[list[_Paragraph], str]:
    if isinstance(data, bytes) and data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE compound file, not a zip
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise Skip("password-protected document: save a copy without the password to index it")
        raise Skip("a Word 97-2003 (.doc) file or another binary Office file, not .docx or .odt: "
                   "save it as .docx or .odt to index it")
    try:
        archive = zipped.Zipped(data, _TOO_LARGE, budget)
    except zipped.DAMAGED:
        raise Skip(f"not a {_NAMES[file_format]} (not a zip file, or a damaged one)") from None
    with archive.zip:
        names = archive.names
        mimetype = _part(archive, "mimetype") if "mimetype" in names else None
        if (mimetype is not None and mimetype.strip() == _ODT_MIMETYPE) or ("content.xml" in names and "[Content_Types].xml" not in names):
            return _OdtReader(archive).read(), "odt"
        if "[Content_Types].xml" in names:
            return _DocxReader(archive).read(), "docx"
    raise Skip(f"not a {_NAMES[file_format]} (a zip file without a document in it)")


_NAMES = {"docx": "Word document", "odt": "OpenDocument text"}


def _part(archive: zipped.Zipped, name: str) -> bytes | None:
    """A part's bytes, None when there is no such part; ``Skip`` when it is damaged or the parts
    read unpack to more than the archive's budget."""
    if name not in archive.names:
        return None
    try:
        return archive.read(name)
    except zipped.DAMAGED as exc:
        raise Skip(f"damaged or encrypted zip entry {name} ({str(exc).strip() or type(exc).__name__})") from None


def _xml(archive: zipped.Zipped, name: str) -> ElementTree.Element | None:
    """A part parsed, None when absent; ``Skip`` for one that declares entities (no Word or
    OpenDocument part does) or is damaged."""
    data = _part(archive, name)
    if data is None:
        return None
    try:
        return zipped.parse(data)
    except zipped.BadXml as exc:
        raise Skip(f"{name} {exc}: not read") from None


def _tag(element: ElementTree.Element) -> str:
    """``prefix:local`` for the namespaces read here (``w:p``, ``text:p``), else the local name."""
    tag = element.tag
    if not isinstance(tag, str):  # (a comment or processing instruction)
        return ""
    if tag[:1] == "{":
        uri, _, local = tag[1:].partition("}")
        prefix = _NS.get(uri)
        return f"{prefix}:{local}" if prefix else local
    return tag


def _attr(element: ElementTree.Element, prefix: str, name: str) -> str | None:
    for uri, known in _NS.items():
        if known == prefix:
            value = element.get(f"{{{uri}}}{name}")
            if value is not None:
                return value
    return None


def _depth_guard(read):
    """A reader that turns a document nested deeper than Python recurses into a skip."""
    def guarded(self):
        try:
            return read(self)
        except RecursionError:
            raise Skip("elements nested too deeply to read") from None
    return guarded


# --- Word ---------------------------------------------------------------------------------------

class _DocxReader:
    """The main document part's body in order, its footnotes and endnotes where they are marked.

    Left out: headers and footers (other parts: running text), comments (another part),
    deleted tracked changes (``w:del``, ``w:moveFrom``), field codes (``w:instrText``: a field
    reads as the result it shows), hidden text (``w:vanish``), a table of contents (its styles, or
    its content control), display math, and the fallback copy of a text box (``mc:Fallback``)."""

    SKIP = frozenset({"w:del", "w:moveFrom", "w:delText", "w:instrText", "w:delInstrText", "w:rPr", "w:pPr",
                      "w:sdtPr", "w:sdtEndPr", "mc:Fallback", "w:tblPr", "w:trPr", "w:tcPr", "w:sectPr",
                      "m:oMathPara", "w:commentReference", "w:footnoteRef", "w:endnoteRef", "w:fldChar",
                      "w:rt"})  # (a ruby's annotation: "漢字" is read, not "かん漢字", as the other readers read ruby)

    def __init__(self, archive: zipped.Zipped):
        self.archive = archive
        self.styles: dict[str, tuple[str, str | None, bool | None]] = {}  # id: (name, based on, mono)
        self.notes: dict[tuple[str, str], list[str]] = {}
        self.items: list[_Paragraph] = []

    @_depth_guard
    def read(self) -> list[_Paragraph]:
        main = self._main_part()
        root = _xml(self.archive, main)
        if root is None:
            raise Skip(f"not a Word document (no {main} in it)")
        rels = self._relationships(main)
        folder = main.rpartition("/")[0]
        for kind, default in (("styles", "styles.xml"), ("footnotes", "footnotes.xml"), ("endnotes", "endnotes.xml")):
            target = rels.get(kind, default)
            part = _xml(self.archive, _join(folder, target))
            if part is None:
                continue
            if kind == "styles":
                self._read_styles(part)
            else:
                for note in part:
                    if _tag(note) in ("w:footnote", "w:endnote") and _attr(note, "w", "type") in (None, "normal"):
                        texts: list[str] = []
                        for paragraph in self._block_paragraphs(note):
                            texts += [paragraph.text.strip(), *paragraph.anchored] if paragraph.text.strip() else paragraph.anchored
                        self.notes[(kind[:-1], _attr(note, "w", "id") or "")] = texts
        body = next((child for child in root if _tag(child) == "w:body"), None)
        if body is None:
            raise Skip(f"not a Word document (no body in {main})")
        self.items = self._block_paragraphs(body, notes=True)
        return self.items

    def _main_part(self) -> str:
        rels = _xml(self.archive, "_rels/.rels")
        for rel in rels if rels is not None else ():
            if (rel.get("Type") or "").endswith(_REL_DOCUMENT) and rel.get("Target"):
                return rel.get("Target").lstrip("/")
        return "word/document.xml"

    def _relationships(self, part: str) -> dict[str, str]:
        folder, _, name = part.rpartition("/")
        rels = _xml(self.archive, _join(folder, f"_rels/{name}.rels"))
        found = {}
        for rel in rels if rels is not None else ():
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            if kind in ("styles", "footnotes", "endnotes") and rel.get("Target") and rel.get("TargetMode") != "External":
                found[kind] = rel.get("Target")
        return found

    def _read_styles(self, root: ElementTree.Element) -> None:
        for style in root:
            if _tag(style) != "w:style":
                continue
            name = based = None
            mono: bool | None = None
            for child in style:
                tag = _tag(child)
                if tag == "w:name":
                    name = _attr(child, "w", "val")
                elif tag == "w:basedOn":
                    based = _attr(child, "w", "val")
                elif tag == "w:rPr":
                    mono = _fonts_mono(child)
            self.styles[_attr(style, "w", "styleId") or ""] = (name or "", based, mono)

    def _style_chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            yield style_id, *self.styles[style_id]
            style_id = self.styles[style_id][1]

    def _style_mono(self, style_id: str | None) -> bool:
        return next((mono for _, _, _, mono in self._style_chain(style_id) if mono is not None), False)

    def _block_paragraphs(self, container: ElementTree.Element, notes: bool = False) -> list[_Paragraph]:
        """The paragraphs of a body, cell, note or text box in order; a table's rows each one
        (``_table``)."""
        out: list[_Paragraph] = []
        for child in container:
            tag = _tag(child)
            if tag == "w:p":
                out.append(self._paragraph(child, notes))
            elif tag == "w:tbl":
                out += self._table(child, notes)
            elif tag == "w:sdt":
                if not _is_toc_control(child) and not _control_flag(child, "w:showingPlcHdr"):
                    out += self._block_paragraphs(_content(child, "w:sdtContent"), notes)
            elif tag in ("w:customXml", "w:ins", "w:moveTo", "mc:AlternateContent", "mc:Choice", "w:sdtContent"):
                if tag == "mc:AlternateContent":
                    child = next((c for c in child if _tag(c) == "mc:Choice"), child)
                out += self._block_paragraphs(child, notes)
        return out

    def _paragraph(self, paragraph: ElementTree.Element, notes: bool) -> _Paragraph:
        properties = next((c for c in paragraph if _tag(c) == "w:pPr"), None)
        style_id = None
        if properties is not None:
            style = next((c for c in properties if _tag(c) == "w:pStyle"), None)
            style_id = _attr(style, "w", "val") if style is not None else None
        names = [name or sid for sid, name, _, _ in self._style_chain(style_id)] or [style_id or ""]
        pieces: list[str] = []
        anchored: list[str] = []
        self._runs(paragraph, pieces, anchored, notes)
        text = terminal_text("".join(pieces))  # (XML allows U+007F-U+009F: a space, as every reader reads them)
        if any(_TOC_STYLE.match(name) for name in names):
            text = ""  # (a table of contents' entry: a heading repeated, with its page)
        code = any(_CODE_STYLE.search(name) for name in names)
        return _Paragraph(text, code, self._style_mono(style_id), anchored)

    def _runs(self, element, pieces: list[str], anchored: list[str], notes: bool) -> None:
        for child in element:
            tag = _tag(child)
            if tag in self.SKIP:
                continue
            if tag == "w:r":
                properties = next((c for c in child if _tag(c) == "w:rPr"), None)
                if properties is not None and any(_tag(c) == "w:vanish" and _attr(c, "w", "val") not in ("0", "false", "off")
                                                  for c in properties):
                    continue  # hidden text
                self._runs(child, pieces, anchored, notes)
            elif tag in ("w:t", "m:t"):
                pieces.append(_WORD_SPACE.sub(" ", child.text or ""))
            elif tag in _INLINE_MARKS:
                pieces.append(_INLINE_MARKS[tag])
            elif tag == "w:sym":
                pieces.append(_symbol(_attr(child, "w", "font"), _attr(child, "w", "char")))
            elif tag in ("w:footnoteReference", "w:endnoteReference"):
                if notes:  # (read at its first mark only: a note marked a thousand times is no thousand notes, nor a zip bomb)
                    anchored += self.notes.pop((tag[2:-9], _attr(child, "w", "id") or ""), [])
            elif tag == "w:txbxContent":
                for paragraph in self._block_paragraphs(child, notes):
                    anchored += [paragraph.text.strip()] if paragraph.text.strip() and not paragraph.code else []
                    anchored += paragraph.anchored
            elif tag == "mc:AlternateContent":
                choice = next((c for c in child if _tag(c) == "mc:Choice"), None)
                if choice is not None:
                    self._runs(choice, pieces, anchored, notes)
            elif tag == "w:sdt" and _control_flag(child, "w:showingPlcHdr"):
                continue  # a form's empty field, showing its prompt ("Click or tap here to enter text.")
            else:  # hyperlinks, fields' results, inserted text, smart tags, content controls, drawings
                self._runs(child, pieces, anchored, notes)

    def _table(self, table: ElementTree.Element, notes: bool) -> list[_Paragraph]:
        """A table's rows: a row whose cells hold one paragraph each is one paragraph, its cells
        joined with "; " as every reader joins a row's (``_cell_names``, ``_quoted_cell``); a row
        with a cell of several paragraphs (a page laid out in a table: a CV, a form) is read cell by
        cell, each paragraph its own. The first row names the columns when Word repeats it as the
        table's header (``w:tblHeader``)."""
        out: list[_Paragraph] = []
        header: dict[int, str] | None = None
        first = True
        for row in _children(table, "w:tr", ("w:sdt", "w:sdtContent", "w:customXml", "w:ins", "w:moveTo")):
            cells: list[list[_Paragraph]] = []
            columns: list[int] = []
            column = 0
            for cell in _children(row, "w:tc", ("w:sdt", "w:sdtContent", "w:customXml", "w:ins", "w:moveTo")):
                columns.append(column)
                span = _first_val(cell, ("w:tcPr", "w:gridSpan"))
                column += int(span) if span and span.isdigit() and 0 < int(span) < 1000 else 1
                cells.append(self._block_paragraphs(cell, notes))
            is_header = _first_val(row, ("w:trPr", "w:tblHeader"), present=True) is not None
            out += _row(cells, columns, header)
            if first and is_header:
                header = _header(cells, columns)
            first = False
        return out


_WORD_SPACE = re.compile(r"[\t\r\n]")


def _row(cells: list[list[_Paragraph]], columns: list[int], header: dict[int, str] | None) -> list[_Paragraph]:
    """A table row's paragraphs (``_DocxReader._table``, ``_OdtReader._table``)."""
    if any(sum(bool(p.text.strip()) for p in cell) > 1 for cell in cells):
        return [p for cell in cells for p in cell]  # a layout table: each paragraph its own
    texts = [" ".join(" ".join(p.text.split()) for p in cell if p.text.strip() and not p.code) for cell in cells]
    anchored = [text for cell in cells for p in cell for text in p.anchored]
    joined = []
    for text, named in zip(texts, _cell_names(texts, header, columns)):
        if named:
            label, mark = named
            joined.append(f"{label} {mark or text}" if label else mark or text)
    if len(joined) >= 2:
        joined = [_quoted_cell([text])[0] for text in joined]
    return [_Paragraph("; ".join(joined), anchored=anchored)]


def _header(cells: list[list[_Paragraph]], columns: list[int]) -> dict[int, str]:
    """A header row's texts by column."""
    return {column: " ".join(" ".join(p.text.split()) for p in cell if p.text.strip()) for column, cell in zip(columns, cells)}


def _children(element, tag: str, transparent: tuple[str, ...]):
    """``element``'s children of ``tag``, also those inside the wrappers named in ``transparent``."""
    for child in element:
        name = _tag(child)
        if name == tag:
            yield child
        elif name in transparent:
            yield from _children(child, tag, transparent)


def _first_val(element, path: tuple[str, ...], present: bool = False) -> str | None:
    for step in path:
        element = next((c for c in element if _tag(c) == step), None)
        if element is None:
            return None
    value = _attr(element, "w", "val")
    if present:
        return None if value in ("0", "false", "off") else value or ""
    return value


def _content(element, tag: str):
    return next((c for c in element if _tag(c) == tag), ElementTree.Element("none"))


# Word's symbols (``w:sym``: Insert > Symbol) in the Symbol font, by their code in it (Word writes
# U+F000 more): Greek letters and the signs of measures and formulas, as Unicode has them (Adobe's
# Symbol encoding). A symbol in another font (Wingdings' pictures) is no text.
_SYMBOL_FONT = dict(zip(
    b'"$\'*-@ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz~\xa2\xa3\xa5\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5'
    b'\xb6\xb7\xb8\xb9\xba\xbb\xbc\xc7\xc8\xc9\xcc\xce\xcf\xd1\xd5\xd6\xd7\xd8\xd9\xda\xdb\xde\xe5\xf2',
    "∀∃∋∗−≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖαβχδεφγηιϕκλμνοπθρστυϖωξψζ∼′≤∞↔←↑→↓°±″≥×∝"
    "∂•÷≠≡≈…∩∪⊃⊂∈∉∇∏√⋅¬∧∨⇔⇒∑∫", strict=True))


def _symbol(font: str | None, code: str | None) -> str:
    """A ``w:sym``'s text: its character, or what the Symbol font's code for it stands for."""
    try:
        char = int(code or "", 16)
    except ValueError:
        return ""
    if 0xF000 <= char <= 0xF0FF:  # (Word's codes in a symbol font)
        if (font or "").strip().lower() != "symbol":
            return ""
        char -= 0xF000
        return _SYMBOL_FONT.get(char, chr(char) if 0x20 <= char < 0x7F else "")
    return chr(char) if 0x20 <= char <= 0x10FFFF and not 0xD800 <= char < 0xE000 else ""


def _is_toc_control(sdt) -> bool:
    properties = next((c for c in sdt if _tag(c) == "w:sdtPr"), None)
    if properties is None:
        return False
    for element in properties.iter():
        if _tag(element) == "w:docPartGallery" and (_attr(element, "w", "val") or "").lower() == "table of contents":
            return True
    return False


def _control_flag(sdt, flag: str) -> bool:
    """Whether a content control's properties set ``flag`` (``w:showingPlcHdr``: it shows its prompt, not a value)."""
    properties = next((c for c in sdt if _tag(c) == "w:sdtPr"), None)
    return properties is not None and any(_tag(c) == flag and _attr(c, "w", "val") not in ("0", "false", "off")
                                          for c in properties)


def _fonts_mono(run_properties) -> bool | None:
    """Whether run properties set a fixed-pitch font (None: they set none)."""
    fonts = next((c for c in run_properties if _tag(c) == "w:rFonts"), None)
    if fonts is None:
        return None
    name = _attr(fonts, "w", "ascii") or _attr(fonts, "w", "hAnsi")
    return None if name is None else bool(_MONO_FONTS.match(name.strip()))


def _join(folder: str, target: str) -> str:
    """A relationship's target as a part name in the zip."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


# --- OpenDocument -------------------------------------------------------------------------------

class _OdtReader:
    """``content.xml``'s ``office:text`` in order, notes where they are marked.

    Left out: headers and footers (``styles.xml``: running text), comments (``office:annotation``),
    tracked changes' deleted text (``text:tracked-changes``), tables of contents and indexes,
    hidden text, list labels and heading numbers as last laid out (``text:number``), ruby
    annotations, a frame's title and description."""

    SKIP = frozenset({"office:annotation", "office:annotation-end", "text:tracked-changes", "text:note-citation",
                      "text:number", "text:ruby-text", "text:hidden-text", "svg:title", "svg:desc",
                      "text:table-of-content", "text:alphabetical-index", "text:illustration-index",
                      "text:table-index", "text:object-index", "text:user-index", "office:forms",
                      "text:sequence-decls", "text:variable-decls", "text:user-field-decls", "text:dde-connection-decls",
                      "table:table-column", "table:table-columns", "table:table-header-columns", "table:table-column-group"})
    ODF_MANIFEST = "META-INF/manifest.xml"

    def __init__(self, archive: zipped.Zipped):
        self.archive = archive
        self.styles: dict[str, tuple[str, str | None, bool | None]] = {}  # name: (display name, parent, mono)
        self.mono_fonts: set[str] = set()

    @_depth_guard
    def read(self) -> list[_Paragraph]:
        manifest = _part(self.archive, self.ODF_MANIFEST)
        if manifest is not None and b"encryption-data" in manifest:
            raise Skip("password-protected document: save a copy without the password to index it")
        for name in ("styles.xml", "content.xml"):
            root = _xml(self.archive, name)
            if root is None:
                if name == "content.xml":
                    raise Skip("not an OpenDocument text (no content.xml in it)")
                continue
            for child in root:
                if _tag(child) == "office:font-face-decls":
                    for face in child:
                        family = _attr(face, "svg", "font-family") or ""
                        if _attr(face, "style", "font-pitch") == "fixed" or _MONO_FONTS.match(family.strip("'\" ")):
                            self.mono_fonts.add(_attr(face, "style", "name") or "")
                elif _tag(child) in ("office:styles", "office:automatic-styles"):
                    self._read_styles(child)
        body = next((c for c in root if _tag(c) == "office:body"), None)
        text = next((c for c in body if _tag(c) == "office:text"), None) if body is not None else None
        if text is None:
            raise Skip("not an OpenDocument text (no text body: a spreadsheet or a presentation?)")
        return self._block_paragraphs(text)

    def _read_styles(self, styles) -> None:
        for style in styles:
            if _tag(style) != "style:style":
                continue
            mono = None
            for child in style:
                if _tag(child) == "style:text-properties" and _attr(child, "style", "font-name"):
                    mono = _attr(child, "style", "font-name") in self.mono_fonts
            name = _attr(style, "style", "name") or ""
            display = _attr(style, "style", "display-name") or name.replace("_20_", " ")
            self.styles[name] = (display, _attr(style, "style", "parent-style-name"), mono)

    def _style_chain(self, name: str | None):
        seen = set()
        while name and name in self.styles and name not in seen:
            seen.add(name)
            yield self.styles[name]
            name = self.styles[name][1]

    def _style_mono(self, name: str | None) -> bool:
        return next((mono for _, _, mono in self._style_chain(name) if mono is not None), False)

    def _block_paragraphs(self, container) -> list[_Paragraph]:
        out: list[_Paragraph] = []
        for child in container:
            tag = _tag(child)
            if tag in self.SKIP:
                continue
            if tag in ("text:p", "text:h"):
                out.append(self._paragraph(child))
            elif tag == "table:table":
                out += self._table(child)
            elif tag.startswith(("text:", "draw:", "office:", "table:")) or ":" not in tag:
                # lists and their items, sections, frames anchored to the page, a sub-table's wrappers
                out += self._block_paragraphs(child)
        return out

    def _paragraph(self, paragraph) -> _Paragraph:
        style = _attr(paragraph, "text", "style-name")
        names = [display for display, _, _ in self._style_chain(style)] or [style or ""]
        pieces: list[str] = []
        anchored: list[str] = []
        self._inline(paragraph, pieces, anchored)
        code = any(_CODE_STYLE.search(name) for name in names)
        return _Paragraph(terminal_text("".join(pieces)), code, self._style_mono(style), anchored)

    def _inline(self, element, pieces: list[str], anchored: list[str]) -> None:
        if element.text:
            pieces.append(_ODF_SPACE.sub(" ", element.text))
        for child in element:
            tag = _tag(child)
            if tag in self.SKIP:
                pass
            elif tag in _INLINE_MARKS:
                pieces.append(_INLINE_MARKS[tag])
            elif tag == "text:note":
                body = next((c for c in child if _tag(c) == "text:note-body"), None)
                if body is not None:
                    for paragraph in self._block_paragraphs(body):
                        anchored += [paragraph.text.strip()] if paragraph.text.strip() else []
                        anchored += paragraph.anchored
            elif tag.startswith("draw:"):  # a frame or shape in the paragraph: its text boxes' paragraphs
                for paragraph in self._block_paragraphs(child):
                    anchored += [paragraph.text.strip()] if paragraph.text.strip() and not paragraph.code else []
                    anchored += paragraph.anchored
            elif tag in ("text:p", "text:h"):  # (not allowed here; read as it shows)
                anchored.append(self._paragraph(child).text.strip())
            else:  # spans, links, fields, bookmarks, ruby bases, inserted text
                self._inline(child, pieces, anchored)
            if child.tail:
                pieces.append(_ODF_SPACE.sub(" ", child.tail))

    def _table(self, table) -> list[_Paragraph]:
        out: list[_Paragraph] = []
        header: dict[int, str] | None = None
        wrappers = ("table:table-rows", "table:table-row-group", "table:table-header-rows", "text:soft-page-break")
        for row_group in _odf_rows(table, wrappers):
            row, is_header = row_group
            cells: list[list[_Paragraph]] = []
            columns: list[int] = []
            column = 0
            for cell in row:
                tag = _tag(cell)
                if tag not in ("table:table-cell", "table:covered-table-cell"):
                    continue
                repeated = _attr(cell, "table", "number-columns-repeated")
                count = int(repeated) if repeated and repeated.isdigit() else 1
                paragraphs_ = self._block_paragraphs(cell) if tag == "table:table-cell" else []
                columns.append(column)
                cells.append(paragraphs_)
                # (a repeated cell with text is shown that many times; its text once is enough)
                column += max(count, 1)
            out += _row(cells, columns, header)
            if is_header and header is None:
                header = _header(cells, columns)
        return out


def _odf_rows(table, wrappers):
    for child in table:
        tag = _tag(child)
        if tag == "table:table-row":
            yield child, False
        elif tag == "table:table-header-rows":
            for row in child:
                if _tag(row) == "table:table-row":
                    yield row, True
        elif tag in wrappers:
            yield from _odf_rows(child, wrappers)
