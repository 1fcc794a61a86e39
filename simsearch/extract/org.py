"""Emacs Org-mode to prose, as Org's own parser (``org-element``) reads a file.

A heading (``* ``, ``** `` … at the start of a line) is a block of its own, without its stars, its
TODO keyword (TODO, DONE and those the file's ``#+TODO:`` lines name), priority cookie (``[#A]``),
``COMMENT`` mark, statistics cookies (``[1/3]``, ``[50%]``) and tags (``:work:urgent:``). A list
item (``- ``, ``+ ``, an indented ``* ``, ``1.``, ``1)``; its checkbox and counter cookie left out)
starts a block, which its continuation lines join; a description item (``- term :: text``) reads
"term: text". A table is one block per row, its cells joined with "; " (``rst._add_row``'s
rules), its rules (``|---+---|``) and width cookies left out. A ``#+TITLE:`` (and
``#+SUBTITLE:``) and a ``#+CAPTION:`` are blocks of their words; a footnote definition is text;
quote, center and any other special block are read as text, a verse block one block per line.

What is left out: source, example, export and comment blocks (``#+BEGIN_SRC`` … ``#+END_SRC``,
in any case; the old ``#+BEGIN_HTML``/``#+BEGIN_LaTeX`` too), dynamic blocks (``#+BEGIN:`` …
``#+END:``: a clock table, a table of contents, generated from the file), fixed-width lines
(``: ``), comment lines (``# ``), drawers of data (``:PROPERTIES:`` … ``:END:``, ``:LOGBOOK:``,
``:RESULTS:``; another, ``:NOTES:``, is text, as Org exports it: ``org-export-with-drawers``), planning
and clock lines (``SCHEDULED:``, ``DEADLINE:``, ``CLOSED:``, ``CLOCK:``), every other keyword line
(``#+OPTIONS:``, ``#+NAME:``), the results of a code block (what follows ``#+RESULTS:`` up to a
blank line), horizontal rules and LaTeX environments. A drawer does not run past the next heading
(Org's rule); a block runs to its ``#+END_…`` over lines that read as headings (``closing``). One
found unclosed is its opening line alone.

Inline markup is read as Org reads it: a link ``[[target][description]]`` as its description,
``[[target]]`` as its target (without ``file:`` or ``roam:``; a link to an image shows the image, no
text, and an ``id:`` link has no words); ``*bold*``, ``/italic/``, ``_underline_``, ``+strike+`` as their text, and ``=verbatim=`` and
``~code~`` as their text as written, one piece of the sentence (``rst._glued``): each only between
the characters Org allows around it (``org-emphasis-regexp-components``), so "a/b/c" and "2*3*4"
are text, and over two lines at most. A footnote reference (``[fn:1]``) and a target (``<<id>>``)
show nothing, an inline footnote (``[fn::text]``) " (text)", a radio target (``<<<word>>>``) its
word, an export snippet (``@@html:<b>@@``) nothing, a line break (``\\\\``) nothing. Timestamps
(``<2024-01-02 Tue>``, ``[2024-01-02 Tue 10:00]``) are kept as written: a date is something a user
searches for.
"""

from __future__ import annotations

import bisect
import re

from ..segment import source_lines
from .markdown import _md_sub
from .rst import Lines, _add_row, _glue_after, _glued, _inline_blocks, _Out, _restore, _without_nul

_HEADING = re.compile(r"^(\*+)(?:[ \t]+(.*))?$")  # (on lines without trailing spaces)
_PRIORITY = re.compile(r"^\[#[A-Za-z0-9]\][ \t]*")
_COMMENT_MARK = re.compile(r"^COMMENT(?:[ \t]+|$)")
_TAGS = re.compile(r"(?:^|(?<![ \t])[ \t]+)(?::[\w@#%]+)+:[ \t]*$")
_COOKIE = re.compile(r"(?<![ \t])[ \t]*\[(?:\d*%|\d*/\d*)\]")
# An item's cookie, at the start or the end of its first line ("- [1/3] Errands", "- Errands [50%]"):
# elsewhere in an item "[50%]" is as likely the writer's text ("of type 'percent' (e.g. [50%])").
_ITEM_COOKIE = re.compile(r"^\[(?:\d*%|\d*/\d*)\][ \t]*|(?<![ \t])[ \t]*\[(?:\d*%|\d*/\d*)\]$")
# The file's own TODO keywords: "#+TODO: TODO(t) NEXT(n) | DONE(d!) CANCELLED(c@)".
_TODO_LINE = re.compile(r"^[ \t]*#\+(?:TODO|SEQ_TODO|TYP_TODO):[ \t]*(.*)$", re.IGNORECASE)
_TODO_WORD = re.compile(r"^([^\s(|]+)(?:\([^)]*\))?$")
_BLOCK_BEGIN = re.compile(r"^[ \t]*#\+BEGIN_(\S+)(?:[ \t].*)?$", re.IGNORECASE)
_DYNAMIC_BEGIN = re.compile(r"^[ \t]*#\+BEGIN:(?:[ \t].*)?$", re.IGNORECASE)
_DYNAMIC_END = re.compile(r"^[ \t]*#\+END:[ \t]*$", re.IGNORECASE)
# Blocks whose content is not prose: code, examples, raw export code (Org 8's #+BEGIN_HTML too), comments.
_SKIPPED_BLOCKS = frozenset({"src", "example", "export", "comment", "html", "latex", "ascii", "texinfo", "man", "odt"})
_BLOCK_END = re.compile(r"^[ \t]*#\+END_(\S+)[ \t]*$", re.IGNORECASE)
_LATEX_BEGIN = re.compile(r"^[ \t]*\\begin\{([A-Za-z*]+)\}")
_DRAWER = re.compile(r"^[ \t]*:([\w-]+):[ \t]*$")
_DRAWER_END = re.compile(r"^[ \t]*:END:[ \t]*$", re.IGNORECASE)
# Drawers of data, left out; any other (":NOTES:", ":PREAMBLE:") is text, as Org exports it
# (``org-export-with-drawers``), its ":NAME:" and ":END:" lines left out.
_DATA_DRAWERS = frozenset({"PROPERTIES", "LOGBOOK", "CLOCK", "RESULTS"})
_FIXED_WIDTH = re.compile(r"^[ \t]*:(?:[ \t]|$)")
_COMMENT = re.compile(r"^[ \t]*#(?:[ \t]|$)")
_KEYWORD = re.compile(r"^[ \t]*#\+(\S+?):[ \t]*(.*)$")  # (Org takes "#+title:Notes" too)
_PLANNING = re.compile(r"^[ \t]*(?:SCHEDULED|DEADLINE|CLOSED|CLOCK):[ \t]*[<\[]")
_RULE = re.compile(r"^[ \t]*-{5,}[ \t]*$")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
_TABLE_RULE = re.compile(r"^[ \t]*\|[-+]")
_WIDTH_COOKIE = re.compile(r"^<[lrc]?\d*>$")
# A list item's bullet ("*" only indented: at the start of a line it is a heading's), its counter
# cookie ("[@3]") and checkbox ("[ ]", "[X]", "[-]").
_ITEM = re.compile(r"^([ \t]*)(?:[-+]|(?<=[ \t])\*|\d{1,9}[.)])(?:[ \t]+|$)(?:\[@\d+\][ \t]*)?(?:\[[ xX-]\](?:[ \t]+|$))?")
_DESCRIPTION = re.compile(r"^(.*?\S)[ \t]+::(?:[ \t]+|$)")
_FOOTNOTE_DEFINITION = re.compile(r"^\[fn:[\w-]+\][ \t]*")
_INCLUDE = re.compile(r"""^"([^"]+)"|^([^\s"]+)""")


def _todo_keywords(lines: list[str]) -> frozenset[str]:
    """TODO and DONE, and the keywords the file's ``#+TODO:`` (``#+SEQ_TODO:``, ``#+TYP_TODO:``) lines set."""
    words = {"TODO", "DONE"}
    for line in lines:
        setting = _TODO_LINE.match(line)
        if setting:
            words.update(found.group(1) for word in setting.group(1).split() if (found := _TODO_WORD.match(word)))
    return frozenset(words)


def _heading_title(text: str, keywords: frozenset[str]) -> str:
    """A heading's title without its keyword, priority, COMMENT mark, cookies and tags."""
    first = text.split(None, 1)
    if first and first[0] in keywords:
        text = first[1] if len(first) > 1 else ""
    text = _PRIORITY.sub("", text)
    text = _COMMENT_MARK.sub("", text)
    text = _TAGS.sub("", text)
    return _COOKIE.sub("", text).strip()


def _clean_org(text: str, includes: list[tuple[int, str]] | None = None) -> Lines:
    """The prose of an Org file (``Lines``); the files its ``#+INCLUDE:`` lines name, not followed,
    go to ``includes`` as (line, target as written)."""
    lines = [line.rstrip() for line in source_lines(text)]
    keywords = _todo_keywords(lines)
    headings = [k for k, line in enumerate(lines) if _HEADING.match(line)]
    ends: dict[str, list[int]] = {}  # a block's name (lowercase) -> the lines that end one
    for k, line in enumerate(lines):
        end = _BLOCK_END.match(line)
        if end:
            ends.setdefault(end.group(1).lower(), []).append(k)
        elif _DYNAMIC_END.match(line):
            ends.setdefault(":", []).append(k)
        elif _DRAWER_END.match(line):
            ends.setdefault(":end:", []).append(k)

    def closing(key: str, i: int) -> int | None:
        """The line that closes the block or drawer opened at ``i``, or None. A drawer ends before the
        next heading (Org's rule); a block may hold lines that read as headings: Org wants them
        escaped (",* Item"), but a block of examples often has them as written (org-drill's manual)
        and means them as its text, as GitHub's renderer reads it."""
        found = ends.get(key, [])
        at = bisect.bisect_right(found, i)
        if at == len(found):
            return None
        heading = bisect.bisect_right(headings, i)
        return found[at] if key != ":end:" or heading == len(headings) or found[at] < headings[heading] else None

    out = _Out(words=_org_inline)
    item: int | None = None  # the indentation of the list item going on, or None
    verse = False  # inside a verse block: each line a block of its own
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        stripped = line.strip()
        if not stripped:
            out.gap(number)
            item = None
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            out.block(number, _heading_title(heading.group(2) or "", keywords))
            item, verse = None, False
            i += 1
            continue
        block = _BLOCK_BEGIN.match(line)
        if block or _DYNAMIC_BEGIN.match(line):
            name = block.group(1).lower() if block else ":"
            end = closing(name, i)
            out.gap(number)
            if end is not None and (name in _SKIPPED_BLOCKS or name == ":"):
                i = end + 1
            else:  # a block of text (quote, center, verse, a special block), or one unclosed: its line alone
                verse = verse or (end is not None and name == "verse")
                i += 1
            continue
        if _BLOCK_END.match(line):  # the end of a block read as text
            out.gap(number)
            verse = False
            i += 1
            continue
        drawer = _DRAWER.match(line)
        if drawer or _DRAWER_END.match(line):
            end = closing(":end:", i) if drawer and drawer.group(1).upper() in _DATA_DRAWERS else None
            out.gap(number)
            i = i + 1 if end is None else end + 1
            continue
        latex = _LATEX_BEGIN.match(line)
        if latex:
            closer = re.compile(rf"\\end\{{{re.escape(latex.group(1))}\}}")
            end = next((k for k in range(i, min(len(lines), i + 200)) if closer.search(lines[k])), None)
            if end is not None:
                out.gap(number)
                i = end + 1
                continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, value = keyword.group(1).upper().split("[")[0], keyword.group(2) or ""  # (#+CAPTION[short]: long)
            i += 1
            if name in ("TITLE", "SUBTITLE", "CAPTION"):
                out.block(number, value)
            else:
                out.gap(number)
                if name == "INCLUDE" and (target := _INCLUDE.match(value)) and includes is not None:
                    includes.append((number, (target.group(1) or target.group(2)).split("::")[0]))
                # a code block's output: a block or a drawer (``:results:``), left out as such, else up to a blank line
                if name == "RESULTS" and not (i < len(lines) and (_BLOCK_BEGIN.match(lines[i]) or _DRAWER.match(lines[i]))):
                    while i < len(lines) and lines[i].strip() and not _HEADING.match(lines[i]):
                        i += 1
            continue
        if _FIXED_WIDTH.match(line) or _COMMENT.match(line) or _PLANNING.match(line) or _RULE.match(line):
            out.gap(number)
            i += 1
            continue
        if _TABLE_ROW.match(line):
            i = _table(lines, i, out)
            item = None
            continue
        if verse:
            out.block(number, stripped)
            i += 1
            continue
        listed = _ITEM.match(line)
        if listed:
            out.gap(number)
            item = len(listed.group(1).expandtabs(8))
            rest = _ITEM_COOKIE.sub("", line[listed.end():])
            described = _DESCRIPTION.match(rest)
            if described:
                out.add(number, described.group(1))
                out.label(len(out.lines) - 1)  # "term: text" (no colon when no text follows: ``_inline_blocks``)
                rest = rest[described.end():]
            if rest.strip():
                out.add(number, rest)
            i += 1
            continue
        footnote = _FOOTNOTE_DEFINITION.match(line)
        if footnote:
            out.gap(number)
            line = line[footnote.end():]
            item = None
        elif item is not None and len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip()) <= item:
            out.gap(number)  # a line no deeper than the item's bullet ends the list: a paragraph
            item = None
        if line.strip():
            out.add(number, line.strip())
        i += 1
    return _inline_blocks(out.lines, _org_inline)


def _table(lines: list[str], i: int, out: _Out) -> int:
    """A table from its first line ``i``: each row a block (``rst._add_row``), its cells joined
    with "; ", rules and rows of width cookies (``<l>``, ``<10>``) left out; the row above the first
    rule (when a rule comes after it) is the header, which names a cell after an empty one. Returns
    the line after the table."""
    end = i
    while end < len(lines) and _TABLE_ROW.match(lines[end]):
        end += 1
    rows = [k for k in range(i, end) if not _TABLE_RULE.match(lines[k])]
    headed = any(_TABLE_RULE.match(lines[k]) for k in range(i + 1, end)) and not _TABLE_RULE.match(lines[i])
    header: dict[int, str] | None = None
    for k in rows:
        cells = _cells(lines[k])
        if all(not cell or _WIDTH_COOKIE.match(cell) for cell in cells):
            continue
        texts = _add_row(out, [(column, [(k + 1, cell)]) for column, cell in enumerate(cells)], header)
        if headed and header is None:
            header = texts
    out.gap(end + 1)
    return end


def _cells(row: str) -> list[str]:
    """A table row's cells (Org writes a "|" in a cell as ``\\vert``)."""
    row = row.strip()[1:]
    row = row[:-1] if row.endswith("|") else row
    return [cell.strip() for cell in row.split("|")]


# --- inline markup ---------------------------------------------------------------------------

# Around an emphasis marker, as ``org-emphasis-regexp-components`` has it: what may come before the
# opening one (or the start of the text) and after the closing one (or the end).
# (a placeholder, "\0", for a construct read before: "*bold*[fn:1]" is bold, as "[" may follow)
_PRE = frozenset(" \t\n-('\"{\0")
_POST = frozenset(" \t\n-.,:!?;'\")}[\\\0")
_LINK = re.compile(r"\[\[((?:[^\[\]\\]|\\.)+)\](?:\[((?:[^\[\]]|\[[^\[\]]*\])+)\])?\]")
_IMAGE = re.compile(r"^(?:file:)?[^\s\[\]]+\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.IGNORECASE)
# A footnote reference, or an inline footnote with its text ("[fn::text]", "[fn:name:text]", links in it too).
_FOOTNOTE = re.compile(r"(?<![ \t])[ \t]*\[fn:([\w-]*)(?::((?:[^\[\]]|\[\[[^\[\]]*\](?:\[[^\[\]]*\])?\])*))?\]")  # (with the spaces before it: "a claim [fn:1].")
_RADIO = re.compile(r"<<<([^<>\n]+)>>>")
_TARGET = re.compile(r"<<[^<>\n]+>>")
# An export snippet, "@@html:<b>@@", and Org 7's HTML tag, "@<b>", "@</font>".
_SNIPPET = re.compile(r"@@[\w-]+:.*?@@|@</?[A-Za-z][\w-]*(?:\s[^<>]*)?>")
_LINE_BREAK = re.compile(r"\\\\[ \t]*$", re.MULTILINE)


def _spans(text: str, markers: str) -> list[tuple[int, int]]:
    """The emphasis (or verbatim) spans of ``text`` for ``markers``, left to right, as (start, end)
    of the marked text with its markers: an opening marker after ``_PRE`` (or at the start) and
    before a non-space, closed by the nearest same marker after a non-space and before ``_POST``
    (or at the end), at most one line break between. Linear: each marker is looked at once or twice."""
    closers: dict[str, list[int]] = {}
    for at, char in enumerate(text):
        if char in markers and at and not text[at - 1].isspace() and (at + 1 == len(text) or text[at + 1] in _POST):
            closers.setdefault(char, []).append(at)
    spans: list[tuple[int, int]] = []
    position = 0
    for at, char in enumerate(text):
        if at < position or char not in markers or (at and text[at - 1] not in _PRE):
            continue
        if at + 1 == len(text) or text[at + 1].isspace():
            continue
        found = closers.get(char, [])
        k = bisect.bisect_left(found, at + 2)
        if k < len(found) and text.count("\n", at, found[k]) <= 1:
            spans.append((at, found[k] + 1))
            position = found[k] + 1
    return spans


def _link_text(match: re.Match) -> str:
    """What a link shows: its description (an image's nothing), else its target without ``file:``."""
    target, description = match.group(1), match.group(2)
    if description is not None:
        return "" if _IMAGE.match(description.strip()) else _emphasis(description)
    if _IMAGE.match(target.strip()) or target.startswith("id:"):  # (an ID is no words: org-roam's links)
        return ""
    target = target.replace("\\[", "[").replace("\\]", "]")
    if target.startswith(("file:", "roam:")):  # (org-roam's "roam:" names a note by its title)
        target = target.split(":", 1)[1]
    return target.lstrip("*#") if target[:1] in "*#" else target


def _footnote_text(match: re.Match) -> str:
    inline = (match.group(2) or "").strip()
    return f" ({_org_inline(inline)})" if inline else ""  # (its links, verbatim and emphasis read too)


def _emphasis(text: str) -> str:
    """Bold, italic, underline and strike-through read as their text, nested ones too."""
    for _ in range(2):  # */both/*: the outer pair, then the inner one
        spans = _spans(text, "*/_+")
        if not spans:
            break
        pieces, position = [], 0
        for start, end in spans:
            pieces.append(text[position:start] + text[start + 1:end - 1])
            position = end
        text = "".join(pieces) + text[position:]
    return text


_OBJECTS = re.compile(rf"{_LINK.pattern}|{_FOOTNOTE.pattern}|{_RADIO.pattern}|{_TARGET.pattern}|{_SNIPPET.pattern}")


def _org_inline(text: str) -> str:
    """A block's inline markup reduced to its text, left to right as Org reads it: whichever of a
    link, a footnote, a target, an export snippet or verbatim text starts first is read first (its
    text no other markup), then emphasis; every line break a construct held is kept, so the
    block keeps its lines."""
    text = _without_nul(text)
    keep: list[str] = []
    verbatim = _spans(text, "=~")
    objects = _OBJECTS.finditer(text)
    pieces: list[str] = []
    position = 0
    found = next(objects, None)
    v = 0
    while True:
        while found is not None and found.start() < position:
            found = next(objects, None)
        while v < len(verbatim) and verbatim[v][0] < position:
            v += 1
        if found is None and v == len(verbatim):
            break
        if found is not None and (v == len(verbatim) or found.start() <= verbatim[v][0]):
            start, end = found.span()
            kept = _object_text(found)
        else:
            start, end = verbatim[v]
            code = text[start + 1:end - 1].replace("\n", " ")
            kept = _glued(code) + _glue_after(code, text, end)
        keep.append(kept)
        pieces.append(text[position:start] + f"\0{len(keep) - 1}\0" + "\n" * (text.count("\n", start, end) - kept.count("\n")))
        position = end
    text = "".join(pieces) + text[position:]
    text = _md_sub(_LINE_BREAK, "", text)
    return _restore(_emphasis(text), keep)


def _object_text(match: re.Match) -> str:
    whole = match.group(0)
    if whole.startswith("[["):
        return _link_text(_LINK.match(whole))
    if whole.lstrip(" \t").startswith("[fn:"):
        return _footnote_text(_FOOTNOTE.match(whole))
    if whole.startswith("<<<"):
        return _RADIO.match(whole).group(1)
    return ""

