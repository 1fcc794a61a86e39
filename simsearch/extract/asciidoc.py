"""AsciiDoc to prose: Asciidoctor's syntax, and the older asciidoc.py's that Git's documentation is
written in (``'emphasis'``, ``linkgit:git-log[1]``, ````quotes''``, two-line titles), read from
``.adoc``/``.asciidoc`` files and from a ``.txt`` that carries AsciiDoc's own marks (``reads_as_asciidoc``).

What is left out: listing, literal, passthrough and comment blocks (``----``, ``....``, ``++++``,
``////``, a ```` ``` ```` fence), a paragraph styled ``[source]``, ``[listing]`` or ``[literal]``,
an indented (literal) paragraph, comment lines, attribute entries (``:name: value``), block
attribute lines and anchors, and preprocessor and block macro lines (``include::``, ``ifdef::``,
``image::``; what an ``ifdef`` encloses stays). A title (``== Title`` or a two-line one), a block
title (``.Title``), a list item, a definition list's term (consecutive terms in one block: "-q,
--quiet") and each line of a ``[verse]`` paragraph are blocks of their own; a table keeps one block
per row, its cells joined with "; " (``_table``). Inline markup becomes its text: ``linkgit:git-log[1]`` as
"git-log(1)", a link or cross reference as its text (``<<id>>`` as the title of the section it
names, when it is in the same file), literals and emphasis without their marks, the built-in
attributes (``{litdd}``, ``{caret}``) and character references (``&amp;``) as the characters they
stand for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ..segment import source_lines
from .markdown import _closing_line
from .rst import Cell, Lines, _add_row, _glue_after, _glued, _indent, _inline_blocks, _Out, _protect, _restore, _without_nul

# Delimited blocks whose content is not prose: listing, literal, passthrough, comment, a fence.
_SKIPPED_BLOCK = re.compile(r"^(?:-{4,}|\.{4,}|\+{4,}|/{4,}|`{3}.*)$")
# Delimited blocks whose content is text: example, sidebar, quote, open block; a table.
_KEPT_BLOCK = re.compile(r"^(?:={4,}|\*{4,}|_{4,}|--)$")
_TABLE = re.compile(r"^[|,:!]={3,}$")
# A cell's specifier, right before its separator: a span (``2+``, ``.3+``, ``2.3+``) or a duplication
# (``3*``), alignments and a style (``^.^a``), at the start of a line or after a space (Asciidoctor's rule).
_CELL_SPEC = re.compile(r"(?:^|(?<=\s))(?:(\d{1,4})?(?:\.(\d{1,4}))?([*+]))?(?:[<^>])?(?:\.[<^>])?[adehlmsv]?$")
_MAX_COLUMNS = 1000  # (a "cols" of a million columns is no table to lay out)
_TITLE = re.compile(r"^(={1,6})\s+(\S.*?)(?:\s+=+)?$")
_UNDERLINE = re.compile(r"^([=\-~^+])\1+$")
_BLOCK_TITLE = re.compile(r"^\.([^.\s].*)$")
_ATTRIBUTE_ENTRY = re.compile(r"^:!?(\w[\w-]*)!?:(?:\s+(.*))?$")
_BLOCK_ATTRIBUTES = re.compile(r"^\[(?:\[([\w:.-]+)(?:,\s*(.*?))?\]|([^\[\]]*))\]$")
# An include of a file named as written, without an attribute to resolve ("{includedir}/x.adoc") or a URL.
_INCLUDE = re.compile(r"^include::(?![a-z][a-z0-9+.-]*://)([^\[{}]+)\[")
_LINE_MACRO = re.compile(r"^(?:include|ifdef|ifndef|endif|ifeval|image|video|audio|toc)::\S*\[.*\]$")
_COMMENT = re.compile(r"^//(?!//)")
_ITEM = re.compile(r"^\s*(?:-|\*{1,5}|\.{1,5}|\d{1,3}\.|[a-zA-Z]\.|[ivxIVX]{1,5}\)|<(?:\d{1,2}|\.)>)\s+(?:\[[ x*]\]\s+)?(?=\S)")
_TERM = re.compile(r"^\s*(\S.*?)(?::{2,4}|;;)(?:\s+(\S.*?))?\s*$")
# Styles of a paragraph whose text is not prose.
# A paragraph's hardbreaks option, in its attribute line: ``[%hardbreaks]``, ``[options="hardbreaks"]``.
_HARDBREAKS = re.compile(r"%hardbreaks\b|\b(?:options|opts)\s*=\s*[\"']?[\w,]*\bhardbreaks\b")
_CODE_STYLES = frozenset({"source", "listing", "literal", "pass", "comment", "stem", "latexmath", "asciimath"})

# Git's documentation (and Asciidoctor) name characters that would read as markup.
_BUILTIN_ATTRIBUTES = {
    "litdd": "--", "caret": "^", "tilde": "~", "asterisk": "*", "plus": "+", "startsb": "[", "endsb": "]",
    "hash": "#", "empty": "", "nbsp": " ", "sp": " ", "zwsp": "", "amp": "&", "lt": "<", "gt": ">",
    "apos": "'", "quot": '"', "vbar": "|", "brvbar": "|", "backslash": "\\", "backtick": "`",
    "two-colons": "::", "two-semicolons": ";;", "cpp": "C++", "pp": "++", "deg": "°",
    "ldquo": "“", "rdquo": "”", "lsquo": "‘", "rsquo": "’",
}
_ATTRIBUTE_REF = re.compile(r"\{([\w-]+)\}")
_LINKGIT = re.compile(r"\blinkgit:([\w.-]+)\[(\w+)\]")
# (a link's text is read up to 500 characters: an unclosed "[" is not followed to the block's end each time)
_LINK = re.compile(r"(?<![\w])(link:|xref:|mailto:|(?:https?|ftp|irc|file)://)([^\s\[]*)\[([^\]]{0,500})\]")
_XREF = re.compile(r"<<([^<>,\s]+)(?:,\s*([^<>]+?))?>>")
_FOOTNOTE = re.compile(r"\bfootnote(?:ref)?:[\w-]*\[(?:([\w-]+),)?([^\]\n]*)\]")
_TEXT_MACRO = re.compile(r"\b(?:kbd|btn|pass|stem|latexmath|asciimath|indexterm2):[^\s\[]*\[([^\]\n]*)\]")
# ``menu:File[Save]``, ``menu:View[Zoom > Reset]``: Asciidoctor shows "File › Save", "View › Zoom › Reset".
_MENU_MACRO = re.compile(r"\bmenu:([^\s\[]+)\[([^\]\n]*)\]")
# An inline image or icon: its target and its attribute list (``image:x.png[alt,16,opts=interactive]``).
_IMAGE_MACRO = re.compile(r"\b(image|icon):(?!:)([^\s\[]*)\[([^\]\n]*)\]")
# One attribute of a list: ``name=value`` or a positional one, either quoted or not.
_ATTRIBUTE = re.compile(r"""\s*(?:([\w-]+)\s*=\s*)?("[^"]*"|'[^']*'|[^,]*)\s*(?:,|$)""")
# What shows nothing: an anchor, and a concealed index term (``indexterm:[a, b]``, ``(((a, b)))``), an
# entry of the index alone (``indexterm2:[a]`` and ``((a))`` are shown).
_INLINE_ANCHOR = re.compile(r"\[\[\[[\w:.-]+\]\]\]|\[\[[\w:.-]+(?:,[^\]\n]*)?\]\]|\banchor:[\w:.-]+\[[^\]\n]*\]|\(\(\(.*?\)\)\)"
                            r"|\bindexterm:\[[^\]\n]*\]")
_INDEX_TERM = re.compile(r"\(\((.+?)\)\)")
_DOUBLE_QUOTED = re.compile(r"``(?=\S)(.+?)(?<=\S)''", re.DOTALL)
# (each constrained: the "++" of "C++ and C++" opens nothing)
_PASSTHROUGH = re.compile(r"(?<![\w+])(?:\+{3}(\S.*?)\+{3}|\+\+(\S.*?)\+\+|\+([^\s+](?:[^+\n]*[^\s+])?)\+)(?![\w+])", re.DOTALL)
# The pass macro, ``pass:[text]`` or with the substitutions it applies (``pass:c,a,r[text]``).
_PASS_MACRO = re.compile(r"\bpass:[a-z,]*\[((?:\\\]|[^\]\n])*)\]")
_MONOSPACE = re.compile(r"``(.+?)``|(?<![\w`])`([^`\s](?:[^`]*?[^`\s])?)`(?![\w`])", re.DOTALL)
_STRONG = re.compile(r"(?<!\\)\*\*(.+?)\*\*|(?<![\w*\\])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<!\\)__(.+?)__|(?<![\w_\\])_(\S(?:[^_\n]*?\S)?)_(?![\w_])|(?<![\w'])'(\S(?:[^']*?\S)?)'(?![\w'])")
# Marked text: ``##text##`` anywhere, ``#text#`` at word boundaries (Asciidoctor's <mark>).
# (Each of these quotes after a backslash is text: "\\*not strong*" shows "*not strong*".)
_MARK = re.compile(r"(?<!\\)##(.+?)##|(?<![\w#\\])#(\S(?:[^#\n]*?\S)?)#(?![\w#])")
# A phrase's attribute list, right before the quote it applies to: a role, an id or an option
# (``[.path]_images_``, ``[#id.role]*word*``, ``[.line-through]#text#``); shown as nothing.
_PHRASE_ATTRIBUTES = re.compile(r"(?<![\w\]])\[(?:[.#%][\w.#%-]*|role=[\w\s\"'-]*)\](?=(?:\*|_|`|#|\+)+\S)")
_ESCAPE = re.compile(r"\\(?=[*_`'+#{}\[<-])")
# A character reference, as Asciidoctor's replacements restore one (every "&" is escaped first):
# a name, a decimal or a hexadecimal number; after a backslash it is shown as written.
_CHARACTER_REFERENCE = re.compile(r"\\?&(?:[a-zA-Z][a-zA-Z]+\d{0,2}|#\d\d\d{0,4}|#x[\da-fA-F][\da-fA-F][\da-fA-F]{0,3});")
_HARD_BREAK = re.compile(r"[ \t]\+[ \t]*$", re.MULTILINE)


def _words(anchor: str) -> str:
    """An anchor's words, as a cross reference to a section of another file reads."""
    return re.sub(r"[-_]+", " ", anchor).strip()


def _clean_asciidoc(text: str, includes: list[tuple[int, str]] | None = None) -> Lines:
    """The prose of an AsciiDoc file (``Lines``); the files its ``include::`` lines name outside
    its code blocks, not followed, go to ``includes`` as (line, target as written)."""
    lines = [line.rstrip() for line in source_lines(text)]
    titles: dict[str, str] = {}  # anchor -> the title of the section or block it is set on
    attributes_set: dict[str, str] = {}  # the file's own attribute entries, for {name}
    out = _Out(words=lambda text: _asciidoc_inline(text, titles, attributes_set))  # (those set so far)
    anchors: list[str] = []  # anchors waiting for the next title
    unclosed: set[str] = set()
    style = None  # the style of the next block ([source], [verse]), from an attribute line
    breaks = False  # the next paragraph has the hardbreaks option ([%hardbreaks])
    all_breaks = False  # the document sets hardbreaks-option: every paragraph has it
    para = item = term = False  # in a paragraph; it is a list item's text; the last block was a bare term
    para_start = -1  # the line the paragraph began on
    last_term = -2  # the line of the last term, so that consecutive terms share a block
    term_at = -1  # where that term stands in out.lines
    i = _mail_header_end(lines)

    def title(number: int, text: str) -> None:
        for anchor in anchors:
            titles.setdefault(anchor, text)
        anchors.clear()
        out.block(number, text)

    while i < len(lines):
        line, number = lines[i], i + 1
        stripped = line.strip()
        if not stripped:
            out.gap(number)
            para = item = False
            i += 1
            continue
        if _COMMENT.match(line) or _LINE_MACRO.match(line):  # (inside a paragraph too)
            include = _INCLUDE.match(line)
            if include and includes is not None:
                includes.append((number, include.group(1)))
            i += 1
            continue
        if (para and not item and para_start == i - 1 and _UNDERLINE.match(line)
                and abs(len(line) - len(lines[i - 1])) <= 2
                and any(c.isalnum() for c in lines[i - 1])):  # a two-line title: the line above it
            out.lines.pop()
            title(i, lines[i - 1].strip())
            para, style = False, None
            i = _header_end(lines, i + 1, attributes_set) if line[0] == "=" else i + 1
            continue
        if _SKIPPED_BLOCK.match(line):
            closer = "```" if line.startswith("```") else line
            end = _closing_line(lines, i + 1, lambda other: other == closer, closer, unclosed)
            out.gap(number)
            para = item = term = False
            style, breaks = None, False
            i = i + 1 if end is None else end + 1  # (an unclosed one: its line alone, never the rest of the file)
            continue
        if _TABLE.match(line):
            end = _closing_line(lines, i + 1, lambda other: other == line, line, unclosed)
            end = len(lines) if end is None else end
            if line[0] in "|!":
                _table(lines, i, end, out)
            else:  # comma- or delimiter-separated values: a row per line, as written
                for k in range(i + 1, end):
                    out.block(k + 1, lines[k].strip())
            para = item = term = False
            style, breaks = None, False
            i = end + 1
            continue
        if _KEPT_BLOCK.match(line) or stripped == "+":  # a block's delimiter, a list continuation
            out.gap(number)
            para = item = term = False
            breaks = False
            i += 1
            continue
        if not para:
            heading = _TITLE.match(line)
            attributes = _BLOCK_ATTRIBUTES.match(line)
            block_title = _BLOCK_TITLE.match(line)
            if heading:
                title(number, heading.group(2))
                style, term, breaks = None, False, False
                end = _header_end(lines, i + 1, attributes_set) if heading.group(1) == "=" else i + 1
                for k in range(i + 1, end):  # (the header is where a document sets it, as a rule)
                    setting = _hardbreaks_entry(lines[k])
                    all_breaks = all_breaks if setting is None else setting
                i = end
                continue
            if attributes:
                if attributes.group(1):  # [[anchor]], [[anchor,reftext]]
                    anchors.append(attributes.group(1))
                    if attributes.group(2):
                        titles.setdefault(attributes.group(1), attributes.group(2).strip())
                else:
                    first = re.split(r"[,#.%]", attributes.group(3), maxsplit=1)[0].strip().lower()
                    style = first or style
                    breaks = breaks or bool(_HARDBREAKS.search(attributes.group(3)))
                    anchors.extend(re.findall(r"#([\w:-]+)", attributes.group(3)))
                i += 1
                continue
            entry = _ATTRIBUTE_ENTRY.match(line)
            if entry:
                setting = _hardbreaks_entry(line)
                all_breaks = all_breaks if setting is None else setting
                if entry.group(1) and entry.group(2):
                    attributes_set.setdefault(entry.group(1).lower(), entry.group(2))
                i += 1
                continue
            if block_title:
                title(number, block_title.group(1))
                i += 1
                continue
            if style in _CODE_STYLES or (_indent(line) and not term and not _ITEM.match(line)):
                i = _paragraph_end(lines, i)  # a paragraph of code, or an indented (literal) one
                style, term, breaks = None, False, False
                continue
            if style == "verse":  # each line its own
                end = _paragraph_end(lines, i)
                for k in range(i, end):
                    out.block(k + 1, lines[k].strip())
                i, style, breaks = end, None, False
                continue
            if (breaks or all_breaks) and not _ITEM.match(line) and not _TERM.match(line):
                end = _paragraph_end(lines, i)  # each line ends in a line break: a block of its own
                for k in range(i, end):
                    if not _COMMENT.match(lines[k]):
                        out.block(k + 1, lines[k].strip())
                i, style, breaks = end, None, False
                continue
        if not para or item:
            listed = _ITEM.match(line)
            defined = None if listed else _TERM.match(line)
            if listed or defined:
                if defined and not defined.group(2) and last_term == i - 1 and term and len(out.lines[term_at][1]) < 200:
                    k = term_at  # (the term's line, before its gap)
                    out.lines[k] = (out.lines[k][0], f"{out.lines[k][1]}, {defined.group(1).strip()}")
                    out.hold(_next_text_line(lines, i + 1))
                else:
                    out.gap(number)
                    if defined:
                        out.block(number, defined.group(1).strip())
                        term_at = len(out.lines) - 2  # (block adds the term, then a gap)
                        # the term labels its text ("and: Return true if ..."), on its line or the next ones
                        out.hold(number if defined.group(2) else _next_text_line(lines, i + 1))
                        if defined.group(2):
                            out.add(number, defined.group(2))
                    else:
                        out.add(number, line[listed.end():])
                para = item = bool(listed or defined.group(2))
                term = bool(defined and not defined.group(2))
                last_term = i if term else last_term
                style, breaks = None, False
                i += 1
                continue
        out.add(number, stripped)
        if not para:
            item = term  # the text of a term written under it
            para_start = i
        para, term, style, breaks = True, False, None, False
        i += 1
    return _inline_blocks(out.lines, lambda block: _asciidoc_inline(block, titles, attributes_set))


def _table(lines: list[str], i: int, end: int, out: _Out) -> None:
    """A table delimited by ``|===`` (or ``!===``, nested) at line ``i``, its closing delimiter at
    ``end``: each row one block (``rst._add_row``), its cells grouped into rows as Asciidoctor groups
    them, its comment lines (``// not yet``) left out first, as Asciidoctor leaves them out. A cell
    starts at a ``|`` (a ``\\|`` is text) and runs to the next one, over lines; a row has as many
    columns as the ``cols`` attribute says, else as the first line has cells; a cell spanning
    columns (``2+|``) takes each of them, one spanning rows (``.2+|``) its columns in the rows under
    it, a duplicated one (``3*|``) stands that many times. The first row is the header,
    naming the columns of a cell after an empty one and of a check or cross mark (``_cell_names``),
    when the table says so (``%header``, ``options="header"``) or its first line is followed by a
    blank line (and it does not say ``%noheader``)."""
    separator = lines[i][0]
    attributes = _table_attributes(lines, i)
    options = set(re.findall(r"%([\w-]+)", attributes))
    for value in _attribute_values("options|opts", attributes):
        options.update(option.strip() for option in value.split(","))
    cols = next(iter(_attribute_values("cols", attributes)), "")
    count = sum(int(repeat.group(1)) if (repeat := re.match(r"\s*(\d{1,4})\*", entry)) else 1
                for entry in cols.split(",")) if cols.strip() else 0
    cells: list[tuple[int, int, int, int, Cell]] = []  # (its separator's line, columns and rows spanned, copies, its lines)
    kept = [k for k in range(i + 1, end) if not _COMMENT.match(lines[k])]  # (Asciidoctor drops its comment lines first)
    for k in kept:
        line = lines[k]
        if not line.strip() or _TABLE.match(line.strip()):  # (a nested table's delimiter is no text)
            continue
        start = 0
        for match in re.finditer(rf"(?<!\\){re.escape(separator)}", line):
            before = line[start:match.start()]
            spec = _CELL_SPEC.search(before)
            text = before[:spec.start() if spec else len(before)].strip().replace("\\" + separator, separator)
            if text and not cells:  # (words before the first separator: a cell of their own, never lost)
                cells.append((k, 1, 1, 1, []))
            if text:
                cells[-1][4].append((k + 1, text))
            spanned, rows, operator = spec.groups() if spec else (None, None, None)
            cells.append((k, int(spanned or 1) if operator == "+" else 1, int(rows or 1) if operator == "+" else 1,
                          int(spanned or 1) if operator == "*" else 1, []))
            start = match.end()
        rest = line[start:].strip().replace("\\" + separator, separator)
        if rest and not cells:
            cells.append((k, 1, 1, 1, []))
        if rest:
            cells[-1][4].append((k + 1, rest))
    if not cells:
        return
    first = cells[0][0]
    count = min(count or sum(spanned * copies for line, spanned, _, copies, _ in cells if line == first), _MAX_COLUMNS)
    headed = "header" in options or ("noheader" not in options and first == kept[0] and len(kept) > 1
                                      and not lines[kept[1]].strip())
    header: dict[int, str] | None = None
    below = [0] * count  # per column, how many rows from this one on a cell above takes it
    row: list[tuple[int, Cell]] = []
    column = 0

    def row_ended() -> None:
        nonlocal row, column, header
        texts = _add_row(out, row, header)
        header = texts if headed and header is None else header
        for c in range(count):
            below[c] = max(below[c] - 1, 0)
        row, column = [], 0

    def free_column() -> None:  # the next column no cell of a row above takes
        nonlocal column
        while column < count and below[column]:
            column += 1

    for _, spanned, rows, copies, cell in cells:
        for _ in range(copies):
            free_column()
            if column >= count:  # (a row whose columns all are taken from above: an empty one)
                row_ended()
                free_column()
            row.append((column, cell))
            for c in range(column, min(column + spanned, count)):
                below[c] = rows  # (its own row counted: the count goes down as each row ends)
            column += spanned
            free_column()
            if column >= count:
                row_ended()
    if row:
        row_ended()
    out.gap(end)


def _attribute_values(names: str, attributes: str) -> list[str]:
    """The values of the attributes ``names`` (a regex: "options|opts") in a block attribute line's
    text (``cols="1,2"``, ``options=header``), quoted or not."""
    return ["".join(value) for value in re.findall(rf"\b(?:{names})\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^,\s]*))", attributes)]


def _table_attributes(lines: list[str], i: int) -> str:
    """The block attributes written on the lines right above line ``i`` (``[%header,cols="1,2"]``),
    a block title and anchors between them, joined with commas."""
    found = []
    k = i - 1
    while k >= 0 and (_BLOCK_ATTRIBUTES.match(lines[k].strip()) or _BLOCK_TITLE.match(lines[k].strip())):
        attributes = _BLOCK_ATTRIBUTES.match(lines[k].strip())
        if attributes and attributes.group(3) is not None:
            found.append(attributes.group(3))
        k -= 1
    return ",".join(found)


def _next_text_line(lines: list[str], i: int) -> int:
    """The number (1-based) of the first line from index ``i`` on that is not blank."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i + 1


def _hardbreaks_entry(line: str) -> bool | None:
    """What an attribute entry line says of the document's hardbreaks option: set (True), unset
    (``:!hardbreaks-option:``, ``:hardbreaks-option!:``: False), or nothing (None)."""
    entry = _ATTRIBUTE_ENTRY.match(line)
    if not entry or entry.group(1).lower() not in ("hardbreaks-option", "hardbreaks"):
        return None
    return not (line.startswith(":!") or line.split(":")[1].endswith("!"))


def _header_end(lines: list[str], i: int, attributes: dict[str, str]) -> int:
    """The line after a document title's header: its author and revision lines and attribute
    entries (kept in ``attributes``) stand right under it, up to a blank line."""
    while i < len(lines) and lines[i].strip():
        entry = _ATTRIBUTE_ENTRY.match(lines[i])
        if entry and entry.group(2):
            attributes.setdefault(entry.group(1).lower(), entry.group(2))
        i += 1
    return i


def _mail_header_end(lines: list[str]) -> int:
    """Where the text begins after a mail's header that names AsciiDoc as its content type (Git's
    howtos are mails: "From:", "Date:", "Message-ID:"; Git's build leaves the header out of the page)."""
    end = next((k for k, line in enumerate(lines) if not line.strip()), len(lines))
    header = lines[:end]
    if header and re.match(r"[A-Z][\w-]*:\s", header[0]) and any(_CONTENT_TYPE.match(line) for line in header):
        return end
    return 0


def _paragraph_end(lines: list[str], i: int) -> int:
    """The line after a paragraph: a blank line, a list continuation or a block's delimiter ends it."""
    i += 1
    while i < len(lines) and lines[i].strip() and lines[i].strip() != "+" and not (
            _SKIPPED_BLOCK.match(lines[i]) or _KEPT_BLOCK.match(lines[i]) or _TABLE.match(lines[i])):
        i += 1
    return i


def _asciidoc_inline(text: str, titles: dict[str, str] | None = None, attributes: dict[str, str] | None = None) -> str:
    """Inline markup reduced to its text; a literal's text is kept as written. ``{name}`` is the
    file's own attribute (``attributes``) or a built-in one; another stays as written."""
    keep: list[str] = []
    values = {**_BUILTIN_ATTRIBUTES, **(attributes or {})}
    text = _ATTRIBUTE_REF.sub(lambda m: values.get(m.group(1).lower(), m.group(0)), _without_nul(text))
    # (Asciidoctor takes the passthroughs out first, the pass macro's before the "+" ones)
    text = _protect(_PASS_MACRO, text, keep, lambda m: _literal(m, keep, lambda t: t.replace("\\]", "]")))
    text = _protect(_PASSTHROUGH, text, keep, lambda m: _literal(m, keep))
    text = _LINKGIT.sub(r"\1(\2)", text)
    text = _protect(_LINK, text, keep, lambda m: _characters(_link_text(m)))
    text = _protect(_XREF, text, keep, lambda m: _characters(
        " ".join((m.group(2) or (titles or {}).get(m.group(1)) or _words(m.group(1))).split())))
    text = _FOOTNOTE.sub(lambda m: f" ({m.group(2).strip()})" if m.group(2).strip() else "", text)
    text = _IMAGE_MACRO.sub(_image_text, text)
    text = _MENU_MACRO.sub(lambda m: " › ".join([m.group(1), *filter(None, (item.strip() for item in m.group(2).split(">")))]), text)
    text = _TEXT_MACRO.sub(r"\1", text)
    text = _INLINE_ANCHOR.sub("", text)
    text = _INDEX_TERM.sub(r"\1", text)
    text = _PHRASE_ATTRIBUTES.sub("", text)
    text = _DOUBLE_QUOTED.sub(r"“\1”", text)
    text = _protect(_MONOSPACE, text, keep, lambda m: _literal(m, keep, _characters))
    text = _STRONG.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    text = _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    text = _MARK.sub(lambda m: next(g for g in m.groups() if g is not None), text)
    text = _HARD_BREAK.sub("", _ESCAPE.sub("", text))
    return _restore(_characters(text), keep)  # (read last: a character it gives is no markup)


def _image_text(match: re.Match) -> str:
    """What an inline image shows in words: its alt text, the first positional attribute or
    ``alt=`` (none: nothing, as an image without a text reads in every format), never its size and
    options; an icon, its name (Asciidoctor writes "[flag]" without icons, and it is the alt text
    of an image icon)."""
    if match.group(1) == "icon":
        return match.group(2)
    positional, alt = [], ""
    for attribute in _ATTRIBUTE.finditer(match.group(3)):
        if attribute.start() == len(match.group(3)) and attribute.group(0) == "":
            break
        value = attribute.group(2).strip()
        value = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'" else value
        if attribute.group(1):
            alt = value if attribute.group(1) == "alt" else alt
        else:
            positional.append(value)
    return (positional[0] if positional else "") or alt


def _characters(text: str) -> str:
    """Character references read as the characters Asciidoctor shows (``&amp;`` as "&"); a
    passthrough's are not (protected before), nor one after a backslash (shown as written)."""
    return _CHARACTER_REFERENCE.sub(lambda m: m.group()[1:] if m.group().startswith("\\") else html.unescape(m.group()), text)


def _literal(match: re.Match, keep: list[str], read: Callable[[str], str] = str) -> str:
    """A literal's or a passthrough's text, one piece of its sentence: none ends inside it ("`e.g.
    x`") nor at its period before a lowercase word, also when a passthrough in it holds the period
    ("`+foo.+` and": ``keep`` has the passthroughs protected before). ``read``: what a literal's text
    goes through that a passthrough's does not (its character references)."""
    # (a passthrough in a literal, Asciidoctor's "`+text+`", goes back in now: a placeholder holds none)
    text = _restore(read(next(group for group in match.groups() if group is not None)), keep)
    return _glued(text) + _glue_after(text, match.string, match.end())


def _link_text(match: re.Match) -> str:
    """A link's text, else its target (a ``link:`` or ``xref:`` without its prefix); a trailing
    ``^`` (open in a new window) and attributes after the text are not words."""
    words = match.group(3).split(",", 1)[0].strip().strip('"').rstrip("^").strip()
    if words:
        return words
    return match.group(2) if match.group(1) in ("link:", "xref:") else match.group(1) + match.group(2)


# Marks a plain-text file of another format would not carry: a preprocessor or block macro line, a
# block anchor or style, a table's delimiter, a list continuation, a definition list, Git's man-page links.
_EVIDENCE = re.compile(
    r"^(?:(?:include|ifdef|ifndef|endif|ifeval|image)::\S*\[.*\]"
    r"|\[\[[\w:.-]+(?:,.*)?\]\]|\[(?:verse|source|listing|literal|quote|NOTE|TIP|IMPORTANT|WARNING|CAUTION)(?:,.*)?\]"
    r"|[|,:!]={3,}|\+|(?:={1,5}[ \t]+\S.*))$"  # (a title on its line: not an underline, a blank line and the next)
    r"|^\S.*::(?=\n(?:[ \t]+\S|\S.*::$))"  # a definition list's term, its text indented under it (reST has a blank line there)
    r"|^\S[^;\n]*;;(?:[ \t]|$)"
    r"|\blinkgit:[\w.-]+\[\w+\]",  # (not "<<name>>": IDLE's notes name its events so)
    re.MULTILINE)


# A header that says so: a mail header Git's howtos carry; a title whose underline an attribute entry follows.
_CONTENT_TYPE = re.compile(r"^Content-type: text/asciidoc\s*$", re.IGNORECASE)
_HEADER = re.compile(r"^Content-type: text/asciidoc\s*$|\A\ufeff?\S.*\n={3,}\n:\w[\w-]*:", re.MULTILINE | re.IGNORECASE)


def reads_as_asciidoc(text: str) -> bool:
    """Whether a plain-text file is AsciiDoc (Git's documentation is ``.txt``): two lines or more
    with marks only AsciiDoc makes (``_EVIDENCE``), a document title (``= Title``) on its first line,
    or a header that says so."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if re.match(r"= \S", first) or _HEADER.search(text, 0, 2000):
        return True
    count = 0
    for _ in _EVIDENCE.finditer(text):
        count += 1
        if count >= 2:
            return True
    return False
