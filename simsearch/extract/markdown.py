"""Markdown (CommonMark, GFM, MyST, pymdown, Quarto) to prose."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ..segment import source_lines
from .html import _HtmlText
from .rst import (
    _ADORNMENT,
    _CODE_DIRECTIVES,
    _include,
    _OPTION_LINE,
    _VERSIONED,
    Lines,
    _cell_names,
    _clean_rst,
    _document_words,
    _glue_after,
    _glued,
    _indent,
    _inline_blocks,
    _label_key,
    _nested_bullets_end,
    _Out,
    _protect,
    _quoted_cell,
    _ref_text,
    _restore,
    _role_text,
    _without_nul,
    _words,
)

_MD_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})[ \t]*(?:\{([\w:.-]+)\}[ \t]*)?(.*?)\s*$")
_MD_HEADING = re.compile(r"^\s*#{1,6}(?:[ \t]+(.*)|$)")
_MD_ITEM = re.compile(r"^(\s*)(?:[-*+•]|(\d{1,9})[.)])\s+(?:\[[ xX]\]\s+)?(?=\S)")
_MD_QUOTE = re.compile(r" {0,3}>(?!>>) ?")  # one marker; ">>>" is a doctest's prompt
_MD_LINK_DEF = re.compile(r"^\s{0,3}\[([^\]^]+)\]:\s*\S")
# A link reference definition over lines, as CommonMark reads one: its label alone on its line, its
# destination on the next; a title alone on the line after the destination.
_MD_LINK_DEF_LABEL = re.compile(r"^\s{0,3}\[([^\]^]+)\]:\s*$")
_MD_LINK_DEF_UNTITLED = re.compile(r"^\s{0,3}\[[^\]^]+\]:\s*(?:<[^<>]*>|\S+)\s*$")
_MD_LINK_DEF_DESTINATION = re.compile(r"""^\s*(?:<[^<>]*>|[^\s<"'(]\S*)(?P<title>\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*$""")
_MD_LINK_DEF_TITLE = re.compile(r"""^\s*(?:"[^"]*"|'[^']*'|\([^()]*\))\s*$""")
_MD_FOOTNOTE_DEF = re.compile(r"^\s{0,3}\[\^[^\]]+\]:\s*")
# A definition of a definition list: ":" at the start of a line, then spaces (MyST's deflist and
# Pandoc take one, Python-Markdown three); its text starts the definition's content column.
_MD_DEFINITION = re.compile(r":[ \t]+(?=\S)")
_MD_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_MD_CELL_PIPE = re.compile(r"(?<!\\)\|")
# A setext heading's underline (any length, after a paragraph line); a thematic break with spaces (``* * *``).
_MD_SETEXT = re.compile(r"^\s*(?:=+|-+)\s*$")
_MD_BREAK = re.compile(r"^\s*([-*_])(?:[ \t]*\1){2,}\s*$")
# GitHub's alert marker on a block quote's first line; a callout's (Obsidian, pymdown's Quotes) may
# add classes (``[!warning | inline]``), a fold sign (``[!faq]-``) and a title, group 1.
_MD_ALERT = re.compile(r"^\s*\[![\w-]+(?:[ \t]*\|[^\]\n]*)?\][+-]?(?:[ \t]+(.*?))?\s*$")
# A front matter's lines: YAML or TOML keys, list entries, comments, tables, indented values.
_MD_FRONT_MATTER_LINE = re.compile(r"""^(?:\s|#|-(?:\s|$)|\[|["']?[\w.-]+["']?\s*[:=])""")
# A line of fields ("Author: Jane Doe", MultiMarkdown's metadata, a note's "Phone: 555 0199"): a
# key of one to three words, a colon, a space and a value on the line (not "https://…").
_MD_FIELD = re.compile(r"^ {0,3}[^\W\d_][\w'.-]*(?: [\w'.-]+){0,2}:[ \t]+\S")
# A line's hard break written as a backslash at its end (not an escaped one: "C:\\" ends in one "\").
_MD_HARD_BREAK_END = re.compile(r"(?<!\\)(?:\\\\)*\\$")
# HTML blocks whose content is not Markdown (CommonMark's first kind): left out up to the closing tag.
_MD_RAW_HTML = re.compile(r"^\s*<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE)
# An admonition (``!!! note "Title"``, ``??? warning classes``, ``!!! info inline end``) or a
# content tab (``=== "Label"``, ``===! "Label"``); the title or label is group 2.
_MD_ADMONITION = re.compile(r"^(\s*)(?:(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+[\w-]+)*(?:\s+\"(.*)\")?|===[!+]*\s+\"(.*)\")\s*$")
# HTML's <details> in Markdown (GitHub's way of folding a section): its <summary> on one line, group 1,
# the <details> tag before it or not; group 2, what follows on the line.
_MD_SUMMARY = re.compile(r"^\s*(?:<details(?:\s[^<>]*)?>\s*)?<summary(?:\s[^<>]*)?>(.*?)</summary>(.*)$", re.IGNORECASE)
# pymdown's Blocks: ``/// type | title`` opens (its YAML options indented under it), ``///`` closes.
_MD_BLOCK_OPEN = re.compile(r"^(\s*)/{3,}\s*([\w-]+)(?:\s*\|\s*(.*?))?\s*$")
_MD_BLOCK_CLOSE = re.compile(r"^\s*/{3,}\s*$")
# Blocks whose argument is no title of their body: an element's selector (``html | div.result``), a
# caption's number or place (``figure-caption | 1.2``, ``caption | <``).
_MD_UNTITLED_BLOCKS = frozenset({"html", "caption", "figure-caption", "table-caption"})
# pymdown's Snippets: ``--8<-- "file.md"`` includes a file; a bare ``--8<--`` opens and closes a list of files.
_MD_SNIPPET = re.compile(r"^\s*-+8<-+\s*(?:(?:\"[^\"]*\"|'[^']*')\s*)?$")
_MD_SNIPPET_FILE = re.compile(r"^\s*(?:;.*|\S+)?\s*$")
# Display math's closing line, with MyST's optional equation label: "$$", "$$ (eq-label)", and as
# dollarmath reads a label, one with spaces: "$$ (growth rate)". Nothing may follow the label.
_MD_MATH_CLOSE = re.compile(r"\$\$[ \t]*(?:\([^)$\n]+\)[ \t]*)?$")
# A LaTeX environment standing as a block (MyST's amsmath extension): \begin{align} ... \end{align}.
_MD_AMSMATH = re.compile(r"\\begin\{(equation|multline|gather|align|alignat|flalign|matrix|pmatrix|bmatrix|Bmatrix|"
                         r"vmatrix|Vmatrix|eqnarray)(\*?)\}")
_MD_SKIP_LINE = re.compile(r"^\s*(?:\[TOC\]|\*\[[^\]]+\]:.*|\(.+\)=|%\s.*|\{[:#.][^}]*\})\s*$")
# A MyST target, ``(label)=`` alone on its line (any label: ``(syntax/core)=``, ``(my label)=``), group 1.
_MD_TARGET = re.compile(r"^\s*\((.+)\)=\s*$")
# Fences around code besides the rst directives of _CODE_DIRECTIVES: MyST-NB's and Quarto's cells.
_MD_CODE_DIRECTIVES = frozenset({"code-cell", "python", "r", "julia", "ojs", "sql", "bash", "dot"})
# MyST directives whose argument is a title (a block of its own), and those whose text on the fence
# line is their body's first line (``{note} Text``); a versioned one's argument starts with versions.
_MD_TITLE_DIRECTIVES = frozenset({"admonition", "topic", "sidebar", "rubric", "centered", "dropdown", "tab-item",
                                  "tab", "card", "grid-item-card", "margin", "table", "list-table"})
# Those whose title labels the text their body begins with ("Note: The special constants ..."), as
# an admonition's (``!!! note "Title"``) and a content tab's do; a rubric, a table's title, a card's stay alone.
_MD_LABEL_DIRECTIVES = frozenset({"admonition", "topic", "sidebar", "dropdown", "tab-item", "tab"})
# MyST directives a label (``:name:``, or a target before them) names by their argument, as Sphinx
# takes a table's title for a reference (a figure's caption is its body's first paragraph).
_MD_NAMED_BY_TITLE = frozenset({"table", "list-table", "csv-table", "rubric"})
# A directive's ``name`` option, as ``name: label`` (in YAML, or an option line without its first colon).
_MD_NAME_OPTION = re.compile(r"""name:\s+["']?(\S.*?)["']?\s*$""")
_MD_BODY_DIRECTIVES = frozenset({"note", "warning", "tip", "hint", "important", "caution", "danger", "error",
                                 "attention", "seealso", "todo", "epigraph", "highlights", "pull-quote"})
# Tags between which the words are separate ones: a block's (a list in a table cell) and a line break's.
_MD_SEPARATING_TAGS = frozenset(_HtmlText.BLOCKS | {"br"})
# Such tags at a table cell's edge (``<ul><li>``, ``</li></ul>``): they separate its words from nothing.
_MD_SEPARATING_TAG = rf"</?(?:{'|'.join(sorted(_MD_SEPARATING_TAGS))})(?:\s[^<>]*)?/?>"
# An HTML block (CommonMark's sixth kind: a line that starts with a block-level tag, up to a blank
# line), and the tags that part its text into blocks of their own (a table's cells stay one row's).
_MD_HTML_BLOCK_TAGS = frozenset(_HtmlText.BLOCKS - {"td", "th", "br"})
# (<details> is read apart: its <summary> labels what follows, ``_MD_SUMMARY``)
_MD_HTML_BLOCK = re.compile(rf"^\s*</?(?:{'|'.join(sorted(_MD_HTML_BLOCK_TAGS - {'details', 'summary'}))})(?:\s|/?>|$)",
                            re.IGNORECASE)
_MD_HTML_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(sorted(_MD_HTML_BLOCK_TAGS))})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_MD_CELL_EDGE_TAGS = re.compile(rf"^(?:\s*{_MD_SEPARATING_TAG})+|(?:{_MD_SEPARATING_TAG}\s*)+$", re.IGNORECASE)


def _md_unquote(line: str, container: int) -> tuple[str, bool]:
    """A line without its block-quote markers (``> ``, nested ``> > ``), the indentation before
    them kept, and whether it had any. A marker indented four columns past the container is code."""
    indent = _indent(line)
    if indent > container + 3:
        return line, False
    end = indent
    while marker := _MD_QUOTE.match(line, end):
        end = marker.end()
    return (line[:indent] + line[end:], True) if end > indent else (line, False)


def _md_cells(row: str) -> list[str]:
    """A table row's cells, split at its pipes but not at an escaped one (``\\|``)."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [_MD_CELL_EDGE_TAGS.sub("", cell).strip() for cell in _MD_CELL_PIPE.split(row)]


def _md_row(row: str, header: list[str] | None = None) -> str:
    """A table row as one text, its cells joined with "; ", empty ones left out; a cell after an
    empty one and a check or cross mark are named by their column's ``header`` ("Command Prompt;
    cmd; Windows: yes"), as every reader names them (``_cell_names``), and a cell holding a ";" is
    in quotes (``_quoted_cell``) when the row has another. A cell of markup only (a badge, an
    image) is an empty one."""
    cells, texts = _md_cells(row), []
    for cell, named in zip(cells, _cell_names(cells, dict(enumerate(header or [])), words=_md_inline)):
        if named:
            label, mark = named
            texts.append(f"{label} {mark or cell}" if label else mark or cell)
    if len(texts) >= 2:
        texts = [_quoted_cell([text], words=_md_inline)[0] for text in texts]
    return "; ".join(texts)


def _md_fence_argument(name: str, argument: str) -> str:
    """A MyST directive's argument without the versions a versioned one starts with."""
    versions = _VERSIONED.get(name, 0)
    return " ".join(argument.split(None, versions)[versions:]) if versions else argument


def _closing_line(lines: list[str], start: int, closes: Callable[[str], object], key: str, unclosed: set) -> int | None:
    """The first line from ``start`` that ``closes`` a block, or None. A block whose closer was
    not found (``key`` in ``unclosed``) is not looked for again: thousands of unclosed openers
    would each read the rest of the file."""
    if key in unclosed:
        return None
    end = next((j for j in range(start, len(lines)) if closes(lines[j])), None)
    if end is None:
        unclosed.add(key)
    return end


def _link_definition_lines(line: str, after: list[str]) -> int:
    """How many lines a link reference definition starting at ``line`` takes (0: it is none),
    ``after`` being the lines after it: a title or a destination on a line of its own is the
    definition's, not text ("[g]: https://x.org" then '"Guide title"' read "Guide title")."""
    if _MD_LINK_DEF.match(line):
        taken, untitled = 1, bool(_MD_LINK_DEF_UNTITLED.match(line))
    elif _MD_LINK_DEF_LABEL.match(line) and after and (destination := _MD_LINK_DEF_DESTINATION.match(after[0])):
        taken, untitled = 2, destination.group("title") is None
    else:
        return 0
    return taken + bool(untitled and len(after) >= taken and _MD_LINK_DEF_TITLE.match(after[taken - 1]))


def _clean_markdown(text: str, includes: list[tuple[int, str]] | None = None) -> Lines:
    """The prose of a Markdown file (``Lines``); the files its MyST ``{include}`` directives name
    (and ``.. include::`` in an ``{eval-rst}`` block), not followed, go to ``includes`` as (line,
    target as written)."""
    lines = [line.expandtabs(4) for line in source_lines(text)]
    out = _Out()
    rst_bodies: list[tuple[int, int, Lines]] = []  # each {eval-rst} body read as rst: where it goes in out.lines
    i = 0
    container = 0  # content column of the list item, footnote or admonition the lines belong to
    containers: list[int] = []  # the content columns of it and of the containers around it, outermost first
    in_paragraph = False  # the last line read is a paragraph's: the next one may continue it
    in_table = False
    header: list[str] = []  # the cells of the table's header row
    unclosed: set = set()  # fences (and "$$") found with no closer up to the end of the file
    # MyST targets: the labels read just before the block they name (blank lines between), and the
    # title of each heading a label names, for a {ref} without a title (``_ref_text``).
    targets: list[str] = []
    titles: dict[str, str] = {}
    glossary_terms: dict[int, int] = {}  # a {glossary}'s term lines: the column its definition is indented to
    refs: set[str] = set()  # the labels of the file's link reference definitions, for a shortcut link ("[Mypy]")
    paragraph: tuple[list[str], list[str], int] | None = None  # its labels, its lines, its last line's index

    def name_section(labels: list[str], title: str) -> None:
        for label in labels:
            titles.setdefault(_label_key(label), _md_inline(title))

    def content(j: int) -> str:  # line j without its block-quote markers
        return _md_unquote(lines[j], container)[0]

    def enter(indent: int, column: int) -> int:
        """The container a block at ``indent`` opens, its content at ``column``: inside those whose
        content column ``indent`` reaches (a tab in a tab), beside or outside the others."""
        while containers and containers[-1] > indent:
            containers.pop()
        containers.append(column)
        return column

    fields_end = 0  # the paragraph from here to there is "Key: value" lines (``_fields_end``)
    if lines and lines[0].strip() in ("---", "+++"):  # front matter, when its lines read as YAML or TOML
        close = lines[0].strip()
        end = next((j for j in range(1, len(lines)) if lines[j].strip() in (close, "...")), None)
        if end is not None and all(_MD_FRONT_MATTER_LINE.match(line) for line in lines[1:end] if line.strip()):
            i = end + 1
    while i < len(lines):
        number = i + 1
        line, quoted = _md_unquote(lines[i], container)
        stripped = line.strip()
        indent = _indent(line)
        if not stripped:
            out.gap(number)
            in_paragraph, in_table = False, False
            i += 1
            continue
        waiting, targets = targets, []  # a target names the next block only (a blank line aside)
        if i in glossary_terms:  # a term: it labels its definition's text; the definition's lines are its container's
            out.block(number, stripped)
            if i + 1 < len(lines) and content(i + 1).strip() and _indent(content(i + 1)) > indent:
                out.hold(number + 1)
            container, in_paragraph = enter(indent, glossary_terms[i]), False
            i += 1
            continue
        if indent < container and not in_paragraph and not _MD_ITEM.match(line):
            while containers and containers[-1] > indent:  # back in the container around it, not on the page
                containers.pop()
            container = containers[-1] if containers else 0
        block_start = indent <= container + 3  # neither code nor a paragraph's indented continuation
        while block_start and stripped.startswith("<!--") and (close := line.find("-->", indent + 2)) != -1:
            line = line[close + 3:]  # a comment that ends on its line; another one may follow it
            stripped, indent = line.strip(), _indent(line)
            if not stripped:
                break
        if not stripped:
            i += 1
            continue
        if block_start and stripped.startswith("<!--"):  # an HTML comment up to the line holding -->
            j = i + 1
            while j < len(lines) and "-->" not in lines[j]:
                j += 1
            out.gap(number)
            in_paragraph = False
            if j < len(lines):
                lines[j] = lines[j][lines[j].index("-->") + 3:]
            i = j
            continue
        raw = _MD_RAW_HTML.match(line) if block_start else None
        if raw:
            closing = re.compile(rf"</{raw.group(1)}\s*>", re.IGNORECASE)
            j = i
            while j < len(lines) and not closing.search(lines[j]):
                j += 1
            out.gap(number)
            in_paragraph = False
            i = j + 1
            continue
        fence = _MD_FENCE.match(line) if block_start else None
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(4)):
            mark, name = fence.group(2), (fence.group(3) or "").lower()
            closing = re.compile(rf"^ {{0,{container + 3}}}{re.escape(mark[0])}{{{len(mark)},}}\s*$")
            j, closed = i + 1, False
            if not quoted and (mark[0], len(mark), container) in unclosed:
                j = len(lines)  # (a later one of the same kind finds none either)
            while j < len(lines):
                body, in_quote = _md_unquote(lines[j], container)
                if quoted and not in_quote:  # the quote ends, and the fence in it
                    break
                if closing.match(body):
                    closed = True
                    break
                j += 1
            if j == len(lines) and not quoted:
                unclosed.add((mark[0], len(mark), container))
            out.gap(number)
            in_paragraph = False
            short = name.rsplit(":", 1)[-1]
            if short == "eval-rst":  # rst inside Markdown: read by the rst reader
                body_lines = [content(k) for k in range(i + 1, j)]
                base = min((_indent(body) for body in body_lines if body.strip()), default=0)
                rst_includes: list[tuple[int, str]] = []
                rst_lines = _clean_rst("\n".join(body[base:] for body in body_lines), rst_includes)
                rst_bodies.append((len(out.lines), j, [(number + n, body) for n, body in rst_lines]))
                out.includes += [(number + n, target) for n, target in rst_includes]
                i = j + 1 if closed else j
                continue
            if short == "include":
                _include(out, number, fence.group(4), [content(k) for k in range(i + 1, j)])
            if (not name and mark[0] != ":") or (name.startswith((".", "#")) and mark[0] != ":") \
                    or name in _CODE_DIRECTIVES or short in _CODE_DIRECTIVES or short in _MD_CODE_DIRECTIVES:
                i = j + 1 if closed else j
                continue
            # a MyST directive or a ::: div around prose: its argument kept (a title, or its body's
            # first line), its options dropped (":key: value" lines or a "---" YAML block), its body read
            if closed:
                lines[j] = ""
            k = i + 1
            labels = list(waiting)  # a figure's or a table's name, and the targets before it
            if k < j and content(k).strip() == "---":
                end = next((m for m in range(k + 1, j) if content(m).strip() in ("---", "")), None)
                for m in range(k, end + 1 if end is not None and content(end).strip() == "---" else -1):
                    labels += [option.group(1)] if (option := _MD_NAME_OPTION.match(content(m).strip())) else []
                    lines[m] = ""
            else:
                while k < j and _OPTION_LINE.match(content(k)):
                    labels += [option.group(1)] if (option := _MD_NAME_OPTION.match(content(k).strip()[1:])) else []
                    lines[k] = ""
                    k += 1
            if short == "glossary":  # Sphinx's glossary markup: a term alone on its line, its definition indented under it
                body = [m for m in range(k, j) if content(m).strip() and not _MD_SKIP_LINE.match(content(m))]
                base = min((_indent(content(m)) for m in body), default=0)
                for at, m in enumerate(body):
                    if _indent(content(m)) == base:
                        under = next((n for n in body[at + 1:] if _indent(content(n)) > base), None)
                        glossary_terms[m] = _indent(content(under)) if under is not None else base
            argument = _md_fence_argument(short, fence.group(4)) if fence.group(3) else ""
            if short == "figure" and labels:  # named by its caption: its body's first paragraph
                m = next((m for m in range(i + 1, j) if content(m).strip()), j)
                caption = []
                while m < j and content(m).strip():
                    caption.append(content(m).strip())
                    m += 1
                name_section(labels, " ".join(caption))
            elif short in _MD_NAMED_BY_TITLE and labels:
                name_section(labels, argument)
            if short in _MD_TITLE_DIRECTIVES:
                out.block(number, argument)
                body = next((m for m in range(k, j) if content(m).strip()), None)
                if short in _MD_LABEL_DIRECTIVES and body is not None and re.search(r"\w", _md_inline(argument)):
                    out.hold(body + 1)  # "Note" alone says nothing: it labels the text its body begins with
            elif argument and (short in _MD_BODY_DIRECTIVES or short in _VERSIONED):
                out.add(number, argument)
                in_paragraph = True
            i += 1
            continue
        if stripped.startswith(">>>"):
            while i < len(lines) and content(i).strip():
                i += 1
            out.gap(number)
            in_paragraph = False
            continue
        if indent >= container + 4 and not in_paragraph and not in_table:  # indented code
            while i < len(lines) and (not content(i).strip() or _indent(content(i)) >= container + 4):
                i += 1
            out.gap(number)
            continue
        alert = _MD_ALERT.match(line) if quoted else None
        definition = (_link_definition_lines(line, [content(k) for k in range(i + 1, min(i + 3, len(lines)))])
                      if stripped.startswith("[") else 0)
        if definition:
            refs.add(_link_label((_MD_LINK_DEF.match(line) or _MD_LINK_DEF_LABEL.match(line)).group(1)))
        if _MD_SKIP_LINE.match(line) or definition or alert:
            if (target := _MD_TARGET.match(line)) and not alert:
                targets = [*waiting, target.group(1)]
            out.gap(number)
            if alert and alert.group(1):
                out.block(number, alert.group(1))  # a callout's title, a block of its own as an admonition's
            in_paragraph = False
            i += max(definition, 1)
            continue
        admonition = _MD_ADMONITION.match(line)
        if admonition:
            container = enter(indent, indent + 4)
            title = admonition.group(2) or admonition.group(3) or ""
            out.block(number, title)
            body = next((k for k in range(i + 1, len(lines)) if content(k).strip()), None)
            if body is not None and _indent(content(body)) > indent and re.search(r"\w", _md_inline(title)):
                out.hold(body + 1)  # "pip" alone says nothing: it labels the text its body begins with
            in_paragraph = False  # its indented body is prose; code in it is fenced or indented further
            i += 1
            continue
        summary = _MD_SUMMARY.match(line) if block_start else None
        if summary:  # <details><summary>Title</summary>: the title labels the text the details begin with
            title, rest = summary.group(1), summary.group(2)
            out.block(number, title)
            labels = re.search(r"\w", _md_inline(title))
            if rest.strip():  # (the text on the summary's line)
                if labels:
                    out.hold(number)
                out.add(number, rest)
            else:
                body = next((k for k in range(i + 1, len(lines)) if content(k).strip()), None)
                if labels and body is not None:
                    out.hold(body + 1)
            in_paragraph = bool(rest.strip())
            i += 1
            continue
        opened = _MD_BLOCK_OPEN.match(line)
        if opened or _MD_BLOCK_CLOSE.match(line):
            out.gap(number)
            title = (opened.group(3) or "") if opened else ""
            kind = opened.group(2).lower() if opened else ""
            if opened and kind not in _MD_UNTITLED_BLOCKS and "=" not in title:  # not a selector, a number, options
                out.block(number, title)
            i += 1
            while opened and i < len(lines) and lines[i].strip() and _indent(lines[i]) > indent:
                i += 1  # the block's options
            body = next((k for k in range(i, len(lines)) if content(k).strip()), None)
            if (opened and kind not in _MD_UNTITLED_BLOCKS and "=" not in title and body is not None
                    and re.search(r"\w", _md_inline(title))):
                out.hold(body + 1)  # "Note" alone says nothing: it labels the text its body begins with, as !!!'s title
            in_paragraph = False
            continue
        if _MD_SNIPPET.match(line):
            out.gap(number)
            j = i + 1
            if stripped.strip("-8<") == "":  # a bare marker: a list of files up to the next one
                while j < len(lines) and _MD_SNIPPET_FILE.match(lines[j]) and not _MD_SNIPPET.match(lines[j]):
                    j += 1
                j = j + 1 if j < len(lines) and _MD_SNIPPET.match(lines[j]) else i + 1
            i = j
            in_paragraph = False
            continue
        if block_start and stripped.startswith("$$") and not stripped.startswith("$$$"):  # display math
            end = None
            if stripped.find("$$", 2) == -1:  # opened here, closed by a later line's $$
                end = _closing_line(lines, i + 1, lambda text: _MD_MATH_CLOSE.search(text.rstrip()), "$$", unclosed)
            elif _MD_MATH_CLOSE.search(stripped, 2):
                end = i
            if end is not None:
                out.gap(number)
                in_paragraph = False
                i = end + 1
                continue
        amsmath = _MD_AMSMATH.match(stripped) if block_start else None
        if amsmath:  # left out as display math is, when its \end{...} follows (else it is text)
            closer = f"\\end{{{amsmath.group(1)}{amsmath.group(2)}}}"
            end = _closing_line(lines, i, lambda text: closer in text, closer, unclosed)
            if end is not None:
                out.gap(number)
                in_paragraph = False
                i = end + 1
                continue
        heading = _MD_HEADING.match(line) if block_start else None
        if heading:
            title = _MD_HEADING_ATTRIBUTES.sub("", (heading.group(1) or "").rstrip()).rstrip()
            bare = title.rstrip("#")
            if bare != title and (not bare or bare[-1] in " \t"):  # a closing sequence: ## Title ##
                title = bare.rstrip()
            name_section(waiting, title)
            out.block(number, title)
            in_paragraph = False
            i += 1
            continue
        if _ADORNMENT.match(line) or _MD_BREAK.match(line) or (in_paragraph and _MD_SETEXT.match(line)):
            if in_paragraph and _MD_SETEXT.match(line) and paragraph and paragraph[2] == i - 1:
                name_section(paragraph[0], " ".join(text.strip() for text in paragraph[1]))  # a setext heading
            out.gap(number)  # setext underline, thematic break
            in_paragraph = False
            i += 1
            continue
        if "|" in line and in_table:
            out.block(number, _md_row(line, header))
            i += 1
            continue
        if "|" in line and i + 1 < len(lines):
            separator = content(i + 1)
            if "-" in separator and _MD_TABLE_SEPARATOR.match(separator) \
                    and len(_md_cells(separator)) == len(_md_cells(line)):
                out.block(number, _md_row(line))  # the header row; the separator row is skipped
                header = _md_cells(line)
                in_table, in_paragraph = True, False
                i += 2
                continue
        footnote = _MD_FOOTNOTE_DEF.match(line)
        item = _MD_ITEM.match(line)
        if item and item.group(2) and int(item.group(2)) != 1 and in_paragraph and indent >= container:
            item = None  # "15." starting a wrapped line: only a list that starts at 1 interrupts a paragraph
        if footnote or item:
            start = _nested_bullets_end(line, (footnote or item).end())
            container = enter(indent, indent + 4 if footnote else start)  # a footnote's later paragraphs are indented four
            out.gap(number)
            opens = _MD_FENCE.match(line[start:]) if item and not quoted else None
            if opens and not (opens.group(2)[0] == "`" and "`" in opens.group(4)):
                # "- ```": the item opens with a fence (pip's configuration.md): read the line again
                # as that fence in the item, its marker blanked, so the code stays out
                lines[i] = " " * start + line[start:]
                in_paragraph = False
                continue
            target = _MD_TARGET.match(line[start:]) if item else None
            if target:  # "- (label)=": the item's first block is a target, naming the next one in it
                targets = [*waiting, target.group(1)]
                in_paragraph = False
                i += 1
                continue
            out.add(number, line[start:])
            in_paragraph = True
            i += 1
            continue
        definition = _MD_DEFINITION.match(line)
        if definition:  # definition list (Python-Markdown, PHP Markdown Extra, MyST, Pandoc)
            if paragraph and len(paragraph[1]) == 1 and (
                    (in_paragraph and paragraph[2] == i - 1) or (paragraph[2] == i - 2 and not content(i - 1).strip())):
                out.hold(number)  # its term (a paragraph of one line, right before it) labels its text
            out.gap(number)
            out.add(number, line[definition.end():])
            container = enter(indent, definition.end())
            in_paragraph = True
            i += 1
            continue
        if block_start and not in_paragraph and _MD_HTML_BLOCK.match(line):
            # its headings, paragraphs and list items are blocks of their own, as a browser shows them
            # (up to a blank line, as CommonMark has it; also up to a line that starts a Markdown list
            # item or heading, which Python-Markdown and a writer beside a closing tag mean as such)
            while (i < len(lines) and content(i).strip() and not _MD_SUMMARY.match(content(i))
                   and not _MD_ITEM.match(content(i)) and not _MD_HEADING.match(content(i))):
                for k, piece in enumerate(_MD_HTML_BLOCK_TAG.split(content(i))):
                    if k:
                        out.gap(i + 1)
                    if piece.strip():
                        out.add(i + 1, piece)
                i += 1
            out.gap(i)
            continue
        if not in_paragraph:
            fields_end = _fields_end(i, content, len(lines))
        if in_paragraph and paragraph and paragraph[2] == i - 1:
            paragraph[1].append(line)
            paragraph = (paragraph[0], paragraph[1], i)
        elif not in_paragraph:
            paragraph = (waiting, [line], i)
        if in_paragraph and i < fields_end:  # "Author: Jane Doe" under "Title: Router notes": a line each
            if _MD_HARD_BREAK_END.search(out.lines[-1][1]):  # (its hard break's "\" breaks no line now)
                out.lines[-1] = out.lines[-1][0], out.lines[-1][1][:-1]
            out.gap(number)
        out.add(number, line)
        in_paragraph = True
        i += 1
    if includes is not None:
        includes.extend(out.includes)
    cleaned: Lines = []
    start = 0
    for at, last, rst_lines in rst_bodies:  # Markdown's inline rules for Markdown's lines only
        cleaned += _md_blocks(out.lines[start:at], titles, refs) + rst_lines + [(last, "")]
        start = at
    return cleaned + _md_blocks(out.lines[start:], titles, refs)


def _link_label(label: str) -> str:
    """A link label as CommonMark matches one: case-insensitive, runs of whitespace as one space."""
    return " ".join(label.split()).casefold()


def _md_blocks(lines: Lines, titles: dict[str, str] | None = None, refs: set[str] | frozenset[str] = frozenset()) -> Lines:
    """``_md_inline`` applied to each block: its removals keep the newlines they held (so the
    whole block is cleaned at once and every line keeps its number; tests/test_extract_markdown2.py).
    ``titles``: the sections MyST targets name in this file, for a ``{ref}`` without a title;
    ``refs``: the labels its link reference definitions define, for a shortcut link."""
    return _inline_blocks(lines, lambda block: _md_inline(block, titles, refs))


# Read left to right, whichever starts first: a backslash escape (any ASCII punctuation is that
# character; a backslash ending a line is a line break), a MyST role ({name}`text`; a word count MyST
# makes when it builds the page, {sub-ref}`wordcount-words` or `wordcount-minutes`, is no word of the
# page: nothing, with the spaces before it, so "has {sub-ref}`wordcount-words`." reads "has."), a code span
# (a run of backticks up to the next run of the same length: CommonMark's rule) or inline math
# (dollarmath's ``$x_i$``, read as a ``{math}`` role is: its LaTeX). So a backslash in a code span
# stays, and a span's content is no other markup. Math is taken as dollarmath takes it with
# ``dmath_allow_space`` and ``dmath_allow_digits`` off (as pandoc does): no space inside either
# dollar, no digit before the first or after the second, so "$5 and $10" and "$5-$10" are amounts.
# Nor does math cross a link's "](" or "][" (a link's text is bracketed first, as pandoc reads it):
# "[$filter](a) and [$select](b)" are two links, not the math "filter](a) and [". An autolink
# (``<https://…>``) is read here too, so that its URL is no math ("?$filter=a&$top=5").
_MD_CODE = re.compile(r"\\(?P<escaped>[!-/:-@\[-`{-~])|\\(?P<hard_break>\n)"
                      r"|(?<![ \t])[ \t]*\{sub-ref\}`[ \t]*(?P<count>(?i:wordcount-(?:words|minutes)))[ \t]*`"
                      r"|\{(?P<role>[\w:.-]+)\}`(?P<role_text>[^`]+)`"
                      r"|(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)"
                      r"|(?P<autolink><[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>)"
                      r"|(?<![\\$\d])\$(?=[^\s$])(?P<math>(?:(?!\][(\[])[^$\\]|\\.)+?)(?<=\S)\$(?![\d$])", re.DOTALL)
# pymdown's InlineHilite: `#!python x = 1` is the code "x = 1" highlighted as Python.
_MD_CODE_LANGUAGE = re.compile(r"^#!\w[\w+-]*\s+")
# A link's text may hold one level of brackets; its destination one level of parentheses.
_MD_LINK_TEXT = r"(?:[^\[\]]|\[[^\[\]]*\])*+"
_MD_DESTINATION = r"(?:\((?:[^()]|\([^()]*\))*+\)|\[[^\[\]]*\])"
_MD_IMAGE = re.compile(rf"!\[{_MD_LINK_TEXT}\]{_MD_DESTINATION}")
_MD_LINK = re.compile(rf"\[({_MD_LINK_TEXT})\]{_MD_DESTINATION}")
_MD_FOOTNOTE_REF = re.compile(r"[ \t]*\[\^[^\]]+\]")  # (with the spaces before it: "for you [^1], however")
# A shortcut reference link, "[Mypy]" (its label defined by a "[Mypy]: URL" line of the file): not
# an image's, nor a link's text or label, nor a definition's own label.
_MD_SHORTCUT_LINK = re.compile(r"(?<![!\]\\])\[([^\[\]]+)\](?![(\[:])")
# A link's title after its destination: [](other.md "Title"), 'Title' or (Title).
_MD_LINK_TITLE = r"""(?:\s+(?P<title>"[^"]*"|'[^']*'|\([^()]*\)))?\s*"""
# MyST's link to a target with no text of its own, ``[](#label)``: it shows the target's title.
_MD_ANCHOR_LINK = re.compile(rf"\[\]\(<?#([^\s()<>]+)>?{_MD_LINK_TITLE}\)")
# Any other link without a text of its own: [](other.md), [](xref:guide/deployment), [](https://…).
# Not an image's "![](x.png)" (left out below); "<…>" may hold spaces: [](<my notes.md>).
_MD_EMPTY_LINK = re.compile(rf"(?<!!)\[\]\((?:<([^<>\n#][^<>\n]*)>|([^\s()<>#][^\s()<>]*)){_MD_LINK_TITLE}\)")
_URL_SCHEME = re.compile(r"(?:https?|ftp|mailto):", re.IGNORECASE)
# A wiki link (Obsidian, Foam, Dendron, MkDocs' roamlinks): [[note]], [[note|shown text]],
# [[note#heading]], [[note#^block-id]]; ![[note]] embeds a note or an image (left out, as an image is).
_MD_WIKILINK = re.compile(r"(?P<embed>!?)\[\[(?P<target>[^\[\]|#\n]*)(?:#(?P<block>\^)?(?P<fragment>[^\[\]|\n]*))?"
                          r"(?:\|(?P<alias>[^\[\]\n]+))?\]\]")
_MD_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>|<([\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_MD_TAG = re.compile(r"</?([A-Za-z][\w-]*)(?:\s[^<>]*)?/?>")
_MD_COMMENT = re.compile(r"<!--(?:(?!<!--).)*?-->", re.DOTALL)
_MD_MATH = re.compile(r"\$\$(?=\S)(?:(?!\$\$).)+?(?<=\S)\$\$", re.DOTALL)
# Python-Markdown's attr_list: ``{: #id .class }``, or key=value pairs first (``{ loading=lazy .off-glb }``,
# ``{ role="img" }``); a placeholder's braces ("{root}", "{env:HOME}", f"{value=}") stay.
_MD_ATTRIBUTE_VALUE = r"""[\w-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s{}"'=]+)"""
_MD_ATTRIBUTE_LIST = (rf"\{{[ \t]*(?:[:#.][^{{}}\n]*|{_MD_ATTRIBUTE_VALUE}(?:[ \t]+(?:[#.][^\s{{}}]+|{_MD_ATTRIBUTE_VALUE}))*"
                      r"[ \t]*)\}")
_MD_ATTRIBUTES = re.compile(rf"[ \t]?{_MD_ATTRIBUTE_LIST}")
_MD_HEADING_ATTRIBUTES = re.compile(rf"{_MD_ATTRIBUTE_LIST}$")  # (after a heading's closing hashes: ## Title ## {: #id })
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1", re.DOTALL)
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])")
_MD_STRIKE = re.compile(r"~~(.+?)~~")
# pymdown's Mark (also Obsidian's highlight) and Caret's insert: ==text==, ^^text^^ (x==y is no mark,
# nor are the arrows of "a ==> b, b <== c": a mark's text does not start with ">" or end with "<").
_MD_MARK = re.compile(r"(?<![\w=^])(==|\^\^)(?=[^\s>])((?:(?!\1).)+?)(?<=[^\s<])\1(?![\w=^])", re.DOTALL)
# pymdown's Keys: ++ctrl+alt+delete++, ++ctrl+"My Key"++ (C++ and g++ are none).
_MD_KEYS = re.compile(r'(?<![\w+])\+\+((?:[\w-]+|"[^"\n]+")(?:\+(?:[\w-]+|"[^"\n]+"))*)\+\+(?![\w+])')
# An icon shortcode (mkdocs-material, pymdown's emoji): :material-github:, :octicons-mark-github-16:.
_MD_ICON = re.compile(r"(?<![\w:]):[a-z][a-z0-9]*(?:-[a-z0-9]+)+:(?![\w:])")


def _md_code_text(match: re.Match, titles: dict[str, str] | None = None) -> str:
    if match.group("escaped") is not None:
        return match.group("escaped")
    if match.group("hard_break") is not None:
        return ""  # (``_protect`` keeps the newline)
    if match.group("count") is not None:
        return ""
    if match.group("role") is not None:  # a {ref} without a title reads as its section's (``titles``)
        return _role_text(match.group("role_text"), match.group("role"), titles)
    if match.group("math") is not None:
        return match.group("math").replace("\n", " ")
    if match.group("autolink") is not None:
        return _autolink_text(_MD_AUTOLINK.match(match.group("autolink")), titles)
    # a code span is one piece of its sentence: none ends inside it ("`e.g. x`", "`Hi. Bye.`") nor at its period before a lowercase word
    code = _MD_CODE_LANGUAGE.sub("", _md_code_span(match.group("code")))
    core = code.rstrip(" ")
    # (its own trailing space parts it from the next word as a space after it does: "`foo. `and")
    glue = _glue_after(core, match.string, match.end()) or (
        _glue_after(core, " " + match.string[match.end():match.end() + 1], 0) if core != code else "")
    return _glued(core) + glue + code[len(core):]


def _md_code_span(code: str) -> str:
    """A code span's content as CommonMark reads it: a line ending is a space, and one space comes
    off each side only when both sides have one and it is not spaces alone. So "` `" is a space
    and "`by `" keeps the one that parts it from the next word (httpx's changelog: "and` `Response.raw"
    was stored as "andResponse.raw", and a span ending "replaced by `" as "replaced bytransport")."""
    code = code.replace("\n", " ")
    if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
        return code[1:-1]
    return code


def _wikilink_text(match: re.Match) -> str:
    """What a wiki link shows: its alias, else the note's name and the heading it points to
    (a block id is no text); an embed, nothing."""
    if match.group("embed"):
        return ""
    if match.group("alias"):
        return match.group("alias").strip()
    heading = match.group("fragment") if match.group("fragment") and not match.group("block") else ""
    return " ".join(part.strip() for part in (match.group("target"), heading) if part and part.strip())


def _md_sub(pattern: re.Pattern, replace: str | Callable[[re.Match], str], text: str) -> str:
    """``pattern.sub``, each replacement followed by the newlines its match held and it lost."""
    def sub(match):
        new = replace(match) if callable(replace) else match.expand(replace)
        return new + "\n" * (match.group(0).count("\n") - new.count("\n"))
    return pattern.sub(sub, text)


# An HTML entity or character reference, as CommonMark reads one outside code.
_MD_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


_PROJECT_TARGET = "project:#"  # MyST's <project:#label>: a link to a target of this project
_MYST_SCHEMES = ("project:", "xref:", "doc:", "path:")  # MyST's link schemes to documents, not URLs


def _target_text(target: str) -> str:
    """What MyST shows for a link to another document without a text of its own (it shows the
    target's title, which is in another file): the label's words after a ``#``, else the
    document's name in words (``xref:guide/deployment-gitlab`` -> "deployment gitlab")."""
    _, _, fragment = target.partition("#")
    if fragment:
        return _words(fragment)
    return _document_words(target.split(":", 1)[1] if target.startswith(_MYST_SCHEMES) else target)


def _link_title(match: re.Match) -> str:
    """The title of a link (``_MD_LINK_TITLE``) without its quotes, or ""."""
    return " ".join((match.group("title") or "  ")[1:-1].split())


def _empty_link_text(match: re.Match) -> str:
    """``[](target)``: a URL reads as itself (as MyST shows it), a document as the link's title
    (the author's words for the document's title, which MyST shows), else as its name's words."""
    target = (match.group(1) or match.group(2)).strip()
    if _URL_SCHEME.match(target):
        return target
    return _link_title(match) or _target_text(target)


def _anchor_link_text(match: re.Match, titles: dict[str, str] | None) -> str:
    """``[](#label)``: the title of the section the label names in this file, else the link's
    title, else the label's words."""
    label = match.group(1)
    return (titles or {}).get(_label_key(label)) or _link_title(match) or _words(label)


def _autolink_text(match: re.Match, titles) -> str:
    """An autolink's text: ``<project:#label>`` reads as the section its target names (as
    ``{ref}`label``), MyST's ``<xref:guide/x>`` as the document's name in words, a URL or an
    address as itself."""
    url = match.group(1)
    if url and url.startswith(_PROJECT_TARGET) and len(url) > len(_PROJECT_TARGET):
        return _ref_text(url[len(_PROJECT_TARGET):], titles)
    if url and url.startswith(_MYST_SCHEMES) and len(url.split(":", 1)[1]) > 0:
        return _target_text(url)
    return url or match.group(2)


def _md_inline(text: str, titles: dict[str, str] | None = None, refs: set[str] | frozenset[str] = frozenset()) -> str:
    """A block's inline markup reduced to its text; a MyST reference without a text of its own
    (``{ref}`label```, ``[](#label)``, ``<project:#label>``) to the title of the section ``titles``
    has for the label, else to the label's words, as a reStructuredText ``:ref:``."""
    keep: list[str] = []
    text = _protect(_MD_CODE, _without_nul(text), keep, lambda match: _md_code_text(match, titles))
    text = _md_sub(_MD_COMMENT, "", text)
    text = _md_sub(_MD_MATH, "", text)
    text = _md_sub(_MD_WIKILINK, _wikilink_text, text)
    # Before images go: a badge ([![b](i.svg)](https://ci)) leaves an empty link that shows nothing.
    text = _md_sub(_MD_EMPTY_LINK, _empty_link_text, text)
    text = _md_sub(_MD_IMAGE, "", text)
    text = _md_sub(_MD_FOOTNOTE_REF, "", text)
    text = _md_sub(_MD_ANCHOR_LINK, lambda m: _anchor_link_text(m, titles), text)
    text = _md_sub(_MD_LINK, r"\1", text)  # (a badge: its image gone, an empty link)
    if refs:  # "[Mypy]" with a "[Mypy]: URL" in the file reads as "Mypy" (other brackets stay)
        text = _md_sub(_MD_SHORTCUT_LINK, lambda m: m.group(1) if _link_label(m.group(1)) in refs else m.group(0), text)
    text = _md_sub(_MD_AUTOLINK, lambda m: _autolink_text(m, titles), text)
    text = _md_sub(_MD_TAG, lambda m: " " if m.group(1).lower() in _MD_SEPARATING_TAGS else "", text)
    text = _md_sub(_MD_ATTRIBUTES, "", text)
    text = _MD_ICON.sub("", text)
    for _ in range(2):  # **a **b** c**: the inner pair, then the outer one
        text = _md_sub(_MD_STRONG, r"\2", text)
    text = _md_sub(_MD_EMPHASIS, lambda m: m.group(1) or m.group(2), text)
    text = _MD_STRIKE.sub(r"\1", text)
    text = _md_sub(_MD_MARK, r"\2", text)
    text = _MD_KEYS.sub(lambda m: m.group(1).replace('"', ""), text)
    text = _MD_ENTITY.sub(lambda m: html.unescape(m.group()), text)  # AT&amp;T, &nbsp;, &#8212; (never in code)
    return _restore(text, keep)


def _fields_end(start: int, content: Callable[[int], str], end: int) -> int:
    """Where a paragraph starting at line ``start`` ends when all of its two or more lines are
    fields (``_MD_FIELD``), else ``start``: each such line is a sentence of its own (a renderer
    joins them, "Title: Router notes Author: Jane Doe Date: 2024-01-02", which is no sentence;
    their text is kept, as written, since a note's "Todo: call Ann" is the user's)."""
    j = start
    while j < end and content(j).strip() and _MD_FIELD.match(content(j)):
        j += 1
    return j if j - start >= 2 and (j == end or not content(j).strip()) else start
