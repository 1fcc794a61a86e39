"""HTML to prose, with a map from text offsets back to the file's lines."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import PurePath

from .base import Extracted
from .plain import _PRE_QUOTE, _TEXT_ITEM
from .rst import (
    _CELL_MARKS,
    _CODE_LINE,
    _LABEL_END,
    _SENTENCE_LABEL,
    _column_label,
    _glue_after,
    _glued,
    _looks_like_code,
    _quoted_cell,
    _reads_as_type,
)
from .template import is_template, without_template_syntax


# A list item's label that ends in a dash, its text in a block of its own after it (mkdocstrings'
# parameters: "config (MkDocsConfig) –" then <div><p>The MkDocs config.</p></div>).
_DASH_LABEL = re.compile(r"\s[–—]$")


class _Table:
    """A table being read: its header row's texts by column, and where the row being read stands."""

    def __init__(self):
        self.header: list[str] | None = None  # (None until its first row ends; [] when that row is no row of <th>)
        self.first: list[str] = []  # the first row's texts by column, while it is read
        self.headed = True  # the first row's cells so far are <th>
        self.column = 0  # the column the row's next cell starts in
        self.shifted = False  # a cell of the row was empty: the cells after it are named by their column
        # The open cell: its column, and where its text starts in the block (None: none came yet;
        # -1: a block ended inside it, which is left as it is).
        self.cell: list | None = None
        # The row's cells with text so far in the open block: (start, end) of their pieces. They
        # are put in quotes when they hold a ";" (``_quoted_cell``) once the row or the block ends,
        # and only when two or more share the block: a cell alone in its sentence (a note or a
        # quote laid out as a table beside an empty or image cell) is no field of a row.
        self.spans: list[tuple[int, int]] = []

    def row_ended(self) -> None:
        if self.header is None:
            self.header = self.first if self.headed else []
        self.column, self.shifted, self.cell = 0, False, None


class _HtmlText(HTMLParser):
    """The text of an HTML page as a reader of its content sees it.

    Left out, with everything inside them: scripts, styles, icons, formulas and controls
    (``INLINE_SKIP``: where one stood inside a sentence, the sentence goes on); navigation
    (``<nav>``, ``role="navigation"`` or ``"search"``: menus, sidebars and tables of contents
    repeated on every page); page chrome (``_is_chrome``): the page's footer (``<footer>``
    outside an ``<article>``, ``role="contentinfo"``, Sphinx's ``div.footer``, Django's
    ``div#ft``; also its ``div#hd`` and ``div#sidebar``; DocBook XSL's navigation header and footer,
    ``div.navheader`` and ``div.navfooter``, its table of contents, ``div.toc``, and a picture's
    "[D]" link to its description, ``div.longdesc-link``), an ``<aside>`` outside the content of a
    page that marks it (``<main>``, ``<article>``, ``role="main"``: a sidebar of related links),
    what the page asks a search engine to leave out (``class="nosearch"``, SQLite's header, menus
    and table of contents; ``robots-nocontent``; ``data-pagefind-ignore``), a block that only says
    when the page last changed (``LAST_MODIFIED``), a Texinfo manual's navigation panel and index
    (``TEXINFO``: its pages' titles too, where a heading stands; its ``@example`` blocks are
    code, ``TEXINFO_CODE``), dialogs and what the page hides from readers
    (``<dialog>``, ``role="dialog"``, ``aria-hidden="true"`` but on the page's own html, body, main
    or article); a block that is nothing but links and separators (``LINK_BAR``: spaces and
    ``| « » ‹ › · • / – — - ← →``; any other character outside its links, "OPTIONS." or "gettext
    (on Windows)", is text of its own) and stands in no paragraph, heading or caption (a list item
    or a table cell holding one link, "« previous | up | next »"), or stands beside a control (a
    diagram's label and its "show" button); a link whose whole text has no letter or digit (a "¶" or "#" permalink) and
    Sphinx's ``a.headerlink``. A ``<pre>`` is code (left out, as code blocks are left out of
    Markdown and reStructuredText) when it or a block around it has a code class ("highlight",
    "literal-block", "language-..."), it holds ``<code>``, ``<samp>`` or ``<kbd>``, or its lines
    read as code (``_looks_like_code``, or half its lines ``_CODE_LINE``), or too few of them
    read as prose (``_reads_as_plain_text``: SQL, shell commands, a program's report); any other
    ``<pre>`` is plain text (a mailing-list archive, an RFC, a ChangeLog) read line by line. ``<br>`` is a line break
    inside its block. A table row is one block, its cells joined with "; " (as the Markdown and
    reStructuredText readers give a row). A Sphinx field list loses its labels ("Parameters:")
    and its type fields ("Return type:" and its body) when the body reads as a type
    (``_reads_as_type``: one line, no sentence end), as the rst reader drops ``:rtype:`` and
    ``:type:``; a type field whose body is prose keeps the prose, without its label; a "Returns" or other field keeps its label before its text ("Returns: the
    response"). The ``<title>`` is kept only when the page has no ``<h1>`` (it repeats the h1,
    with the site's name) and no heading of its text (DocBook's section pages head with an h2 or
    h3); a redirect page (``<meta http-equiv="refresh" content="0; url=...">``)
    gives no text. An ``<li>`` left unclosed ends at the next item of its list, a ``<dt>`` or
    ``<dd>`` at the next term or definition of its ``<dl>`` (``_implied_end``), and nothing asks
    for a scan of the open elements, so a page of items left unclosed, or nested thousands deep,
    is read in time linear in its size."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "dl",
              "table", "section", "article", "header", "footer", "blockquote", "pre", "dd", "dt", "hr",
              "title", "main", "nav", "aside", "figcaption", "details", "summary", "caption", "body", "dialog"}
    INLINE_SKIP = {"script", "style", "noscript", "template", "svg", "math", "button", "select", "textarea"}
    SKIP = INLINE_SKIP | {"pre", "nav", "dialog"}
    SKIP_ROLES = {"navigation", "search", "dialog", "alertdialog", "contentinfo"}
    # Controls hold no blocks: one left unclosed ends with the block around it.
    CONTROLS = {"button", "select", "textarea"}
    # Marks in the text, not words of it, left out with nothing in their place (``_is_mark``): a
    # ruby's annotation and its fallback parentheses ("漢<rt>かん</rt>字" is 漢字; an <rt> left
    # unclosed ends at the next one, or with its <ruby>), a note's number ("page<a
    # role="doc-noteref">1</a>.") and a printed page's number where its page broke ("runs
    # over<span epub:type="pagebreak">12</span> the page"): DPUB-ARIA's roles and EPUB's types, which
    # pandoc's HTML and EPUB writers and most EPUBs made from print write.
    RUBY_TEXT = frozenset({"rt", "rp"})
    MARKS = frozenset({"doc-noteref", "doc-pagebreak", "noteref", "pagebreak"})
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    # Inline literals: each is one piece of the sentence around it, which ends nowhere inside it.
    LITERALS = frozenset({"code", "kbd", "samp", "tt"})
    # What marks a <dt> as a Sphinx object's signature (``sig`` since Sphinx 4, the name's class
    # before): a name to look up, which stays as it was, not a term that labels its definition.
    SIGNATURE = frozenset({"sig", "descname", "sig-name"})
    # A box's title in Sphinx's and docutils' HTML (``<p class="admonition-title">Note</p>``): it labels
    # the text the box's body begins with, as a term labels its definition's; so does a <details>' <summary>.
    BOX_TITLES = frozenset({"admonition-title", "topic-title", "sidebar-title"})
    # A <summary> that is a toggle's label, no title: rustdoc's ``summary.hideme`` ("Expand description",
    # "Show 25 methods"), which its CSS colours as a toggle and hides while its <details> is open.
    TOGGLE_LABELS = frozenset({"hideme"})
    # Text inside these is the page's own words, not a menu, even when it is all links.
    HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
    PROSE = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "title", "blockquote", "figcaption", "caption", "summary"}
    # Inside a table cell these join the cell's text with a space; any other block (a heading, a
    # nested table: a page laid out in a table) ends the row's text as it ends any block.
    # A list in a cell stays a list: its items are blocks (an index page's columns of entries).
    CELL_INLINE = frozenset({"p", "div", "section", "article", "blockquote", "details", "summary", "figcaption"})
    TABLE_PARTS = frozenset({"table", "tr", "td", "th"})
    # What a link bar has between its links ("« previous | up | next »", "a · b", "a / b"): any
    # other character outside a link ("OPTIONS.", "gettext (on Windows)") is the block's own text.
    LINK_BAR = re.compile(r"[\s|«»‹›·•/–—\-←→]*")
    CODE_CLASS = re.compile(r"highlight|code|literal|language|lang-|source|console|doctest|prettyprint"
                            r"|program|listing|shell|terminal|linenos|syntax|brush", re.IGNORECASE)
    NOT_SEARCHED = frozenset({"nosearch", "robots-nocontent"})
    # A div of these classes is the site's, not the page's (``_is_chrome``).
    CHROME_CLASSES = frozenset({"footer", "navheader", "navfooter", "toc", "longdesc-link"})
    # A page made by Texinfo (``<meta name="Generator" content="makeinfo">``; "texi2any" since 7),
    # and the classes of its index's tables: "index-cp" (before 7), "cp-entries-printindex" and
    # "cp-letters-header-printindex" (7), for each index ("fn", "vr", a manual's own).
    TEXINFO = re.compile(r"\s*(?:makeinfo|texi2any)\b", re.IGNORECASE)
    TEXINFO_INDEX = re.compile(r"index-\w+|\w+-(?:entries|letters-header|letters-footer)-printindex")
    # A Texinfo manual's code blocks: @example, @smallexample, @lisp, @smalllisp (Texinfo 7 adds
    # "-preformatted") and @verbatim, left out as a Markdown fence is; @display, @format and
    # @quotation are its prose, read as any other <pre>.
    TEXINFO_CODE = re.compile(r"(?:small)?(?:example|lisp)(?:-preformatted)?|verbatim")
    # Before Texinfo 7, the index's letters stand in a table of no class ("Jump to: A B C"), a
    # summary-letter link each: the block that is nothing else is left out.
    JUMP_TO = re.compile(r"Jump to:;?(?:\s+\S{1,3})*\s*")
    # A block that says only when the page last changed ("This page last modified on 2018-12-10
    # 12:34:08 UTC", "Last updated: May 5, 2024.", "... on 5 May 2024, at 10:00 (UTC)", "... by
    # Ann Lee"): the site's footer, whatever element holds it. What follows "on" or ":" is a date
    # and a time, nothing else: "Last modified: the time of the last write (ISO 8601)", a field's
    # description, and "Last updated: the cache keeps 2 pages", a release note, are text.
    DATE_WORD = (r"\(?(?:\d[\d:./-]*(?:st|nd|rd|th)?|at|[ap]\.?m\.?|(?-i:[A-Z]{2,5})"
                 r"|(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
                 r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?)"
                 r"(?![a-z])\.?)\)?")
    LAST_MODIFIED = re.compile(r"(?:this\s+(?:page|document|file|site)\s+(?:was\s+|is\s+)?)?last\s+"
                               r"(?:modified|updated|edited|changed|revised|update)(?:\s+on\b|\s*:)"
                               rf"\s*{DATE_WORD}(?:[\s,]+{DATE_WORD})*,?(?:\s+by\s+[^.!?]{{1,40}})?\.?\s*", re.IGNORECASE)
    # Sphinx field-list labels: which fields are the type-only ones, which lose their label.
    TYPE_FIELDS = frozenset({"type", "types", "rtype", "return type", "return types", "variable type", "vartype"})
    PARAMETER_FIELDS = frozenset({"parameters", "parameter", "params", "param", "arguments", "argument", "keyword arguments",
                                  "keyword argument", "other parameters", "variables", "attributes"})

    def __init__(self, has_main: bool = False):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.line_map: list[tuple[int, int]] = []
        self.skipped: str | None = None  # the element being left out
        self.skip_depth = 0  # how many of its kind are open inside it, itself included
        self.skip_blocks: list[str] = []  # blocks opened inside it (a control's end is not theirs)
        self.skip_counts: Counter = Counter()  # how many of each tag ``skip_blocks`` holds
        self.captured: list[tuple[str, int]] | None = None  # a <pre>'s or a field label's text, kept aside
        self.captured_code = False  # a <pre> holding <code>, <samp> or <kbd>, or with a code class
        self.in_head = False
        # The open <a> elements: (where in the block its text starts, whether it is a permalink), or
        # None for an <a> with no href (an anchor: its text is the page's own).
        self.links: list[tuple[int, bool] | None] = []
        self.hrefs = 0  # how many of ``links`` are links (not None)
        # The open block elements, outermost first, and their attributes. Every push and pop goes
        # through ``_push`` and ``_pop_to``, which keep what is asked of the stack at every tag and
        # text node without a scan of it: where each tag last stands, how many PROSE elements and
        # elements with a code class are open, and where the table parts stand.
        self.open: list[str] = []
        self.open_attrs: list[dict] = []
        # Whether the page marks its content (<main>, <article>, role="main"; ``MAIN_CONTENT``),
        # and how many such elements are open: an <aside> outside them is a sidebar.
        self.has_main = has_main
        self.main_open = 0
        self.open_at: dict[str, list[int]] = {}  # tag -> its places in ``open``, innermost last
        self.open_code: list[bool] = []  # whether each has a code class
        self.prose_open = 0
        self.code_open = 0
        self.table_parts: list[int] = []  # the places of the open table, tr, td and th elements
        self.tables: list[_Table] = []  # the open tables, innermost last
        # The open bodies (<dd>) of type fields: (its place in ``open``, the size of ``parts``,
        # ``line_map`` and ``size`` when it began): a body that reads as a type goes when it ends.
        self.type_bodies: list[tuple[int, int, int, int]] = []
        self.block: list[tuple[str, int]] = []  # the current block's text, held until it ends
        self.literal_depth = 0  # how many inline literals (LITERALS) are open in the block
        self.literal_start = 0  # where the outermost one's text starts in ``block``
        self.literal_periods: list[int] = []  # pieces of ``block`` that end a literal with a period
        self.block_has_words = False  # a letter or digit outside any link
        self.block_in_prose = False  # text inside a PROSE element
        self.block_has_control = False  # a button, a select or a text area (left out) stood in it
        self.block_in_title = False
        self.block_in_h1 = False
        self.block_in_term = False  # text in a <dt> that is not a signature (SIGNATURE)
        self.block_is_signature = False  # a signature's name in the block (Sphinx before 4 marks no <dt>)
        self.block_in_definition = False  # text in a <dd>
        # The box (its attributes) whose title (``BOX_TITLES``) the block is: an admonition's, a topic's, a
        # sidebar's, or a <details> whose <summary> it is.
        self.block_titles: dict | None = None
        # The term kept last, while nothing else is: (its end in ``parts``, its text); its
        # definition's first block goes on from it ("and: Return true if ...", ``_join_term``).
        # A box's title is held as a term is, for the box's first block ("Note: The special constants ...").
        self.term_end: tuple[int, str, dict | None, bool] | None = None  # (..., a list item's dash label)
        # The boxes (by id) whose title is of several blocks (a <summary> holding a link and a heading:
        # rustdoc's): no title, each block stands alone (``_join_term``). (The boxes are kept: no id is reused.)
        self.split_titles: dict[int, dict] = {}
        self.cell_gap = False  # a cell ended: "; " goes before the next text of the row
        self.field_prefix: tuple[str, int] | None = None  # a field's label and its line, put before its body's text
        self.skip_field_body = False  # the next <dd> is a type-only field's body
        self.title: list[tuple[str, int]] | None = None
        self.has_h1 = False
        self.block_in_heading = False
        self.headings: set[str] = set()  # the page's headings' text (``_folded``): a title one repeats is not kept
        self.redirect = False
        self.texinfo = False  # a page made by Texinfo (``TEXINFO``)

    def _add(self, text: str, line: int) -> None:
        self.line_map.append((self.size, line))
        self.parts.append(text)
        self.size += len(text)

    def _end_block(self) -> None:
        """The block so far is complete: keep it unless it is a link list's item."""
        for table in self.tables:
            self._quote_cells(table)
        if self.literal_depth:  # a literal left unclosed ends with its block: never a page glued into one sentence
            self._literal_ended()
            self.literal_depth = 0
        self._glue_literal_periods()
        only_links = not self.block_has_words and any(text.strip() for text, _ in self.block)
        if self.block_in_title:
            if self.title is None:
                self.title = self.block  # kept only when the page turns out to have no h1 (``close``)
        elif only_links and (self.block_has_control or not self.block_in_prose):
            pass  # a menu, a link bar, or a widget: a link beside a button ("join-constraint: [show]")
        elif self._says_when_modified():
            pass
        elif self.texinfo and self.JUMP_TO.fullmatch(" ".join("".join(piece for piece, _ in self.block).split())):
            pass  # a Texinfo index's letters (``JUMP_TO``)
        elif any(text.strip() for text, _ in self.block):
            self._join_term()
            for text, line in self.block:
                self._add(text, line)
            self.has_h1 = self.has_h1 or self.block_in_h1
            if self.block_in_heading:
                self.headings.add(_folded(self.block))
            term = " ".join("".join(text for text, _ in self.block).split())
            held = ((self.block_in_term and not self.block_is_signature and not self.block_in_definition
                     or self.block_titles is not None and id(self.block_titles) not in self.split_titles)
                    and not _SENTENCE_LABEL.search(term))
            box, item, dashed = self.block_titles, self._last("li"), False
            if not held and item >= 0 and _DASH_LABEL.search(term):  # "config (MkDocsConfig) –", its text in a <div>
                held, box, dashed = True, self.open_attrs[item], True  # (the item's next block goes on from it)
            self.term_end = (len(self.parts), term, box, dashed) if held else None
        self._add("\n\n", self.getpos()[0])  # what stood either side never joins into one sentence
        self.block, self.block_has_words, self.block_in_prose, self.block_has_control = [], False, False, False
        self.literal_start, self.literal_periods = 0, []
        self.block_in_title = self.block_in_h1 = self.block_in_heading = False
        self.block_in_term = self.block_in_definition = self.cell_gap = False
        self.block_is_signature, self.block_titles = False, None
        for table in self.tables:
            if table.cell:
                table.cell[1] = -1
            table.spans = []
        # A link left unclosed ends with its block: its words stay in the text, whatever comes after.
        self.links, self.hrefs = [], 0

    def _join_term(self) -> None:
        """A definition's first block goes on from its term, when nothing was kept between them (code
        was left out: ``_skip``), as a field's label goes before its text: "and: Return true if ...".
        So does a box's first block from the box's title, when it is in the box ("Note: The ...")."""
        if self.term_end is None:
            return
        end, term, box, dashed = self.term_end
        if box is not None and self.block_titles is box:  # the title's second block: a title of several, none
            self.split_titles[id(box)] = box
            return
        if not (self.block_in_definition if box is None else any(attributes is box for attributes in self.open_attrs)):
            return
        item = self._last("li")
        if dashed and (self.open_attrs[item] is not box or self._last("table") > item):
            return  # a dash label's item goes on into its own text, not a nested list's item or a table's row
        if end > len(self.parts) or "".join(self.parts[end:]).strip():
            return
        del self.parts[end:], self.line_map[end:]
        while not self.parts[-1].strip():  # (the term's own trailing spaces)
            self.parts.pop(), self.line_map.pop()
        self.parts[-1] = self.parts[-1].rstrip()
        self.size = self.line_map[-1][0] + len(self.parts[-1])
        self._add(("" if _LABEL_END.search(term) or _DASH_LABEL.search(term) else ":") + " ", self.line_map[-1][1])

    def _literal_ended(self) -> None:
        """An inline literal's text, from ``literal_start`` in the block on, is one piece of its
        sentence (``rst._glued``): Sphinx's ``<code><span>foo.</span> <span>Bar</span></code>`` too,
        its words in pieces of their own. A period that ends it is decided on when the block ends
        (``_glue_literal_periods``), when the words after it are known."""
        start = min(self.literal_start, len(self.block))
        text = "".join(piece for piece, _ in self.block[start:])
        glued = _glued(text)  # (as long as the text: each piece keeps its length and its line)
        at = 0
        for k in range(start, len(self.block)):
            piece, line = self.block[k]
            self.block[k] = glued[at:at + len(piece)], line
            at += len(piece)
        if text.endswith("."):
            self.literal_periods.append(len(self.block) - 1)

    def _glue_literal_periods(self) -> None:
        """A literal's last period ends no sentence before a lowercase word (``rst._glue_after``):
        "Set it to <code>foo.</code> and go on" is one sentence."""
        for at in self.literal_periods:
            if at >= len(self.block) or not self.block[at][0].endswith("."):  # (a permalink's text went)
                continue
            k, following = at + 1, ""
            while k < len(self.block) and not following.strip():
                following += self.block[k][0]
                k += 1
            piece, line = self.block[at]
            self.block[at] = piece + _glue_after(piece, following, 0), line

    def _says_when_modified(self) -> bool:
        """Whether the block is only a "last modified" line (``LAST_MODIFIED``)."""
        text = " ".join("".join(piece for piece, _ in self.block).split())
        return len(text) <= 120 and self.LAST_MODIFIED.fullmatch(text) is not None

    def _push(self, tag: str, attributes: dict) -> None:
        self.open_at.setdefault(tag, []).append(len(self.open))
        if tag in self.TABLE_PARTS:
            self.table_parts.append(len(self.open))
        code = self.CODE_CLASS.search(attributes.get("class") or "") is not None
        if tag == "table":
            self.tables.append(_Table())
        elif tag in ("td", "th") and self.tables:
            table = self.tables[-1]
            table.cell = [table.column, None]
            span = attributes.get("colspan") or ""
            table.column += int(span) if span.isdigit() and 0 < int(span) < 1000 else 1
            table.headed = table.headed and tag == "th"
        self.open.append(tag)
        self.open_attrs.append(attributes)
        self.open_code.append(code)
        self.prose_open += tag in self.PROSE
        self.code_open += code
        self.main_open += self._is_main(tag, attributes)

    def _pop_to(self, size: int) -> None:
        """The elements from place ``size`` of ``open`` on end (a type field's body among them is
        left out when it reads as a type)."""
        while len(self.open) > size:
            if self.type_bodies and self.type_bodies[-1][0] == len(self.open) - 1:
                self._end_block()
                self._type_body_ended(*self.type_bodies.pop()[1:])
            tag = self.open.pop()
            self.main_open -= self._is_main(tag, self.open_attrs.pop())
            if tag in ("td", "th") and self.tables:
                self._cell_ended(self.tables[-1])
            elif tag == "tr" and self.tables:
                self._quote_cells(self.tables[-1])
                self.tables[-1].row_ended()
            elif tag == "table" and self.tables:
                self.tables.pop()
            self.open_at[tag].pop()
            if tag in self.TABLE_PARTS:
                self.table_parts.pop()
            self.prose_open -= tag in self.PROSE
            self.code_open -= self.open_code.pop()

    def _cell_ended(self, table: _Table) -> None:
        """A table cell ended: in the first row, its text is its column's header; in another, a
        cell after an empty one and a check or cross mark are named by their column's header
        (``_column_label``), as the Markdown reader names them, and a mark reads as "yes" or "no".
        A cell holding a ";" is put in quotes when the row ends (``_quote_cells``)."""
        if table.cell is None:
            return
        (column, start), table.cell = table.cell, None
        if start == -1 or (start is not None and start > len(self.block)):  # (a block ended in it)
            return
        pieces = self.block[start:] if start is not None else []
        text = " ".join("".join(piece for piece, _ in pieces).split())
        if not text:
            table.shifted = True
            return
        mark = _CELL_MARKS.get(text)
        if mark:
            pieces = [(mark, next(line for piece, line in pieces if piece.strip()))]
        name = table.header[column] if table.header and column < len(table.header) else ""
        if table.header is None:
            table.first += [""] * (column + 1 - len(table.first))
            table.first[column] = mark or text
        elif name and (table.shifted or mark):
            while not pieces[0][0].strip():
                pieces.pop(0)
            pieces = [(_column_label(name) + " ", pieces[0][1]), (pieces[0][0].lstrip(), pieces[0][1]), *pieces[1:]]
        shift = len(pieces) - (len(self.block) - start)  # (the pieces a literal's period or start is at move with it)
        self.literal_periods = [at + shift if at >= start else at for at in self.literal_periods]
        self.literal_start += shift if self.literal_start >= start else 0
        self.block[start:] = pieces
        table.spans.append((start, len(self.block)))

    def _quote_cells(self, table: _Table) -> None:
        """The row's cells that share the block with another, each in quotes when it holds a ";"
        (“a; b”): the cells of "a; “b; c”; d" are three."""
        if len(table.spans) >= 2:
            for start, end in table.spans:
                pieces = self.block[start:end]
                self.block[start:end] = zip(_quoted_cell([piece for piece, _ in pieces]), [line for _, line in pieces])
        table.spans = []

    @staticmethod
    def _is_main(tag: str, attributes: dict) -> bool:
        return tag in ("main", "article") or attributes.get("role") == "main"

    def _last(self, tag: str) -> int:
        """Where the innermost open ``tag`` stands in ``open``, or -1."""
        places = self.open_at.get(tag)
        return places[-1] if places else -1

    def _close(self, tag: str) -> None:
        """``tag`` ends, and with it every element opened inside it and left unclosed."""
        at = self._last(tag)
        if at >= 0:
            self._pop_to(at)

    def _cell(self) -> int:
        """Where the table cell the text is in stands in ``open``, or -1 (in no cell, or in a table
        nested in it)."""
        if self.table_parts and self.open[self.table_parts[-1]] in ("td", "th"):
            return self.table_parts[-1]
        return -1

    def _implied_end(self, tag: str) -> None:
        """HTML's implied end tags: an item (``<li>``) ends the open item of its list, a term or
        a definition (``<dt>``, ``<dd>``) the open term or definition of its ``<dl>``; never one of
        an outer list or outside a table the tag stands in. (A list of 20,000 items left unclosed
        is 20,000 items side by side, not 20,000 nested ones.)"""
        if tag == "li":
            item, bound = self._last("li"), max(self._last("ul"), self._last("ol"))
        else:
            item, bound = max(self._last("dt"), self._last("dd")), self._last("dl")
        if item > max(bound, self.table_parts[-1] if self.table_parts else -1):
            self._pop_to(item)

    def _type_body_ended(self, parts: int, lines: int, size: int) -> None:
        """A type field's body ended: what it gave is left out when it reads as a type."""
        if _reads_as_type("".join(self.parts[parts:])):
            del self.parts[parts:], self.line_map[lines:]
            self.size = size

    def _classes(self, attributes: dict) -> list[str]:
        return (attributes.get("class") or "").split()

    def _is_chrome(self, tag: str, attributes: dict) -> bool:
        """A page's footer, a dialog, or what it hides from readers: the site's, not the page's."""
        if attributes.get("role") in self.SKIP_ROLES:
            return True
        if (attributes.get("aria-hidden") or "").lower() == "true":
            # a page saved while a dialog was open hides its content wrapper: never the page itself
            return tag not in ("html", "body", "main", "article") and attributes.get("role") != "main"
        if tag == "footer":
            return self._last("article") < 0 and self._last("blockquote") < 0  # a post's own footer is its text
        if tag == "aside":  # a sidebar beside the page's content ("Related: ..."); inside it, a note of its own
            return self.has_main and not self.main_open
        # what the page asks a search engine to leave out: SQLite's header, menus and table of
        # contents (class "nosearch"), Yahoo's "robots-nocontent", Pagefind's data-pagefind-ignore
        if self.NOT_SEARCHED.intersection(self._classes(attributes)) or (
                "data-pagefind-ignore" in attributes and attributes["data-pagefind-ignore"] != "false"):
            return True
        if tag == "summary" and self._is_toggle_label(attributes) and self.open[-1:] == ["details"] \
                and "open" in self.open_attrs[-1]:
            return True  # a toggle's label that the page hides while its details are open
        # Sphinx's div.footer; Django's (YUI's) header, sidebar and footer: div#hd, div#sidebar, div#ft;
        # DocBook XSL's navigation header and footer (the previous and next pages' titles), its
        # table of contents and a picture's "[D]" link to its long description: div.navheader,
        # div.navfooter, div.toc, div.longdesc-link
        if tag == "div" and (bool(self.CHROME_CLASSES.intersection(self._classes(attributes)))
                             or attributes.get("id") in ("ft", "footer", "hd", "sidebar")):
            return True
        # A Texinfo manual's page (makeinfo, texi2any): its navigation panel ("Next: ..., Previous:
        # ..., Up: ... [Contents][Index]"; div.header before Texinfo 7, div.nav-panel since), on every
        # page; and its index (a book's index, left out as a PDF's index pages are: a table of entries
        # and the sections they name, "~r, mail escape: Adding a File to the Message", and its letters)
        return self.texinfo and (tag == "div" and bool({"header", "nav-panel"}.intersection(self._classes(attributes)))
                                 or tag == "table" and any(self.TEXINFO_INDEX.fullmatch(name)
                                                           for name in self._classes(attributes)))

    def _is_mark(self, tag: str, attributes: dict) -> bool:
        """A mark in the text (``RUBY_TEXT``, ``MARKS``), left out with nothing in its place."""
        if tag in self.RUBY_TEXT:
            return True
        kinds = (attributes.get("role") or "").split() + (attributes.get("epub:type") or "").split()
        return not self.MARKS.isdisjoint(kinds)

    def _is_toggle_label(self, attributes: dict) -> bool:
        """Whether a <summary> is a toggle's label (``TOGGLE_LABELS``), which labels nothing."""
        return bool(self.TOGGLE_LABELS.intersection(self._classes(attributes)))

    def _field_list(self) -> bool:
        """Whether the text is directly in a Sphinx field list (``dl.field-list``)."""
        return self._last("dl") >= 0 and "field-list" in self._classes(self.open_attrs[self._last("dl")])

    def _skip(self, tag: str, capture: bool = False) -> None:
        self.skipped, self.skip_depth, self.skip_blocks, self.skip_counts = tag, 1, [], Counter()
        if tag == "pre":  # a definition that begins with code: its term stays a block of its own
            self.term_end = None
        self.block_has_control = self.block_has_control or tag in self.CONTROLS
        self.captured = [] if capture else None
        if tag not in self.BLOCKS:
            self.block.append((" ", self.getpos()[0]))  # the sentence around it goes on
        elif tag != "dt":
            self._end_block()

    def _skip_ended(self) -> None:
        tag, captured, self.skipped, self.captured = self.skipped, self.captured, None, None
        if captured is None:
            return
        text = "".join(piece for piece, _ in captured)
        if tag == "pre":
            self._pre(captured)
            return
        label = " ".join(text.split()).rstrip(":").strip().lower()
        self.skip_field_body = label in self.TYPE_FIELDS
        self.field_prefix = None
        if label and label not in self.TYPE_FIELDS and label not in self.PARAMETER_FIELDS:
            self.field_prefix = " ".join(text.split()).rstrip(":").strip() + ": ", captured[0][1]

    def _pre(self, captured: list[tuple[str, int]]) -> None:
        """A <pre>'s text: plain text read line by line, or left out as code."""
        lines: list[tuple[int, str]] = []
        for piece, line in captured:
            for k, part in enumerate(piece.split("\n")):
                if k or not lines:
                    lines.append((line + k, part))
                else:
                    lines[-1] = (lines[-1][0], lines[-1][1] + part)
        while lines and not lines[0][1].strip():
            lines.pop(0)
        while lines and not lines[-1][1].strip():
            lines.pop()
        texts = [text for _, text in lines]
        nonblank = [text.strip() for text in texts if text.strip()]
        if (self.captured_code or not any(char.isalpha() for text in texts for char in text)
                or _looks_like_code(texts) or sum(bool(_CODE_LINE.match(text)) for text in nonblank) * 2 >= len(nonblank)
                or not _reads_as_plain_text(nonblank)):
            return
        depth = 0
        for number, text in lines:
            # an e-mail's quoted lines ("> ...") are text without their markers; a change of quote
            # depth or a list item (its bullet left out, as in a .txt file) starts a block
            quote = _PRE_QUOTE.match(text)
            text = text[quote.end():]
            item = _TEXT_ITEM.match(text)  # its bullet or number goes, as in a .txt file
            if (quote.group().count(">") != depth or item) and text.strip():
                self._add("\n", number)
            depth = quote.group().count(">")
            text = text[item.end():] if item else text
            self._add(text.rstrip() + "\n" if text.strip() else "\n", number)
        self._add("\n", lines[-1][0])

    def handle_starttag(self, tag, attrs):
        if self.skipped == "dt" and tag in ("dt", "dd") and self.skip_depth == 1 and not self.skip_blocks:
            self._skip_ended()  # a field's label left unclosed ends where its body (or the next label) begins
        if self.skipped in self.RUBY_TEXT and tag in self.RUBY_TEXT and self.skip_depth == 1:
            self._skip_ended()  # (an <rt> or <rp> left unclosed ends where the next begins)
        if self.skipped is not None:
            if tag == self.skipped:
                self.skip_depth += 1
            elif tag in self.BLOCKS and tag not in self.VOID:
                self.skip_blocks.append(tag)
                self.skip_counts[tag] += 1
            if self.captured is not None and tag in ("code", "samp", "kbd"):
                self.captured_code = True
            if self.captured is not None and tag == "br":
                self.captured.append(("\n", self.getpos()[0]))
            return
        attributes = dict(attrs)
        if tag not in self.BLOCKS and self.SIGNATURE.intersection(self._classes(attributes)):
            self.block_is_signature = True
        if tag == "meta" and (attributes.get("name") or "").lower() == "generator":
            self.texinfo = self.texinfo or self.TEXINFO.match(attributes.get("content") or "") is not None
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.redirect = self.redirect or re.search(r"url\s*=", attributes.get("content") or "", re.IGNORECASE) is not None
        if tag not in self.VOID and self._is_mark(tag, attributes):
            size = len(self.block)
            self._skip(tag)
            del self.block[size:]  # (nothing in its place: "page<a role="doc-noteref">1</a>." reads "page.")
        elif tag not in self.VOID and (tag in self.SKIP or self._is_chrome(tag, attributes)):
            if tag == "pre":
                self.captured_code = (self.code_open > 0 or self.CODE_CLASS.search(attributes.get("class") or "") is not None
                                      or self.texinfo and any(self.TEXINFO_CODE.fullmatch(name)
                                                              for name in self._classes(attributes)))
            self._skip(tag, capture=tag == "pre")
        elif tag == "head":
            self.in_head = True
        elif tag == "a":
            href = attributes.get("href") is not None
            self.links.append((len(self.block), "headerlink" in self._classes(attributes)) if href else None)
            self.hrefs += href
        elif tag in self.LITERALS:
            if not self.literal_depth:
                self.literal_start = len(self.block)
            self.literal_depth += 1
        elif tag == "br":
            if not self.in_head:
                self.block.append(("\n", self.getpos()[0]))  # a line break: the sentence may go on
        elif tag == "dt" and self._field_list():
            self._implied_end(tag)  # (a field's body left unclosed ends where the next label begins)
            self._end_block()
            self._skip(tag, capture=True)  # the field's label: read when it ends
        elif tag in self.BLOCKS:
            self.in_head = self.in_head and tag == "title"
            if tag in ("li", "dt", "dd"):
                self._implied_end(tag)
            cell = self._cell()
            if tag in ("td", "th") and cell >= 0:
                self._close(self.open[cell])  # a cell left unclosed ends where the next one begins
                cell = -1
            if tag in ("td", "th"):
                self.cell_gap = any(text.strip() for text, _ in self.block)
            elif cell >= 0 and tag in self.CELL_INLINE:
                self.block.append((" ", self.getpos()[0]))  # a paragraph in a cell: the row goes on
            else:
                while self.open and self.open[-1] == "p":
                    self._pop_to(len(self.open) - 1)  # a paragraph ends where a block begins, closed or not
                if tag == "tr" and self._last("table") >= 0:  # a row left unclosed ends where the next begins
                    self._pop_to(self._last("table") + 1)
                self._end_block()
            if tag not in self.VOID:
                if tag == "dd" and self.skip_field_body and self._field_list():
                    self.skip_field_body = False
                    self.type_bodies.append((len(self.open), len(self.parts), len(self.line_map), self.size))
                self._push(tag, attributes)

    def handle_endtag(self, tag):
        if self.skipped is not None:
            if tag in ("body", "html"):  # an element left unclosed ends with the page
                self._skip_ended()
            elif tag == self.skipped:
                self.skip_depth -= 1
                if not self.skip_depth:
                    self._skip_ended()
            elif self.skipped == "dt" and tag == "dl" and not self.skip_counts[tag]:
                self._skip_ended()  # a field's label left unclosed ends with its list
                self.handle_endtag(tag)
            elif self.skip_counts[tag]:
                while True:  # the innermost one ends, with what was opened inside it
                    self.skip_counts[self.skip_blocks[-1]] -= 1
                    if self.skip_blocks.pop() == tag:
                        break
            elif self.skipped in self.RUBY_TEXT and tag == "ruby":
                self._skip_ended()  # (an <rt> left unclosed ends with its ruby)
            elif self.skipped in self.CONTROLS | self.RUBY_TEXT and self._last(tag) >= 0:
                self._skip_ended()  # a control left unclosed ends with the block around it
                self.handle_endtag(tag)
            return
        if tag == "head":
            self.in_head = False
            self._close("title")
        elif tag == "a":
            if self.links:
                link = self.links.pop()
                self.hrefs -= link is not None
                self._link_ended(link)
        elif tag in self.LITERALS and self.literal_depth:
            self.literal_depth -= 1
            if not self.literal_depth:
                self._literal_ended()
        elif tag in ("td", "th") and self._last(tag) >= 0:
            self._close(tag)
            self.cell_gap = self.cell_gap or any(text.strip() for text, _ in self.block)
        elif tag in self.CELL_INLINE and self._last(tag) > self._cell() >= 0:
            self._close(tag)
            self.block.append((" ", self.getpos()[0]))
        elif tag in self.BLOCKS or tag == "html":
            if tag in ("tr", "table") and self._cell() >= 0:
                self._close(self.open[self._cell()])  # a cell left unclosed ends with its row, before the row's text
            self._end_block()
            self._close(tag)
            if tag == "dl":
                self.field_prefix, self.skip_field_body = None, False

    def _link_ended(self, link: tuple[int, bool] | None) -> None:
        """A link's text is dropped when it is a permalink or, all of it, has no letter or digit
        ("¶", "#"); never its spaces (``<a><code>a</code> <code>b</code></a>`` reads "a b")."""
        if link is None:
            return
        start, permalink = link
        text = "".join(piece for piece, _ in self.block[start:])
        if permalink or not any(char.isalnum() for char in text):
            line = self.block[start][1] if start < len(self.block) else self.getpos()[0]
            self.block[start:] = [(" ", line)] if any(char.isspace() for char in text) else []

    def handle_data(self, data):
        if self.skipped is not None:
            if self.captured is not None:
                self.captured.append((data, self.getpos()[0]))
            return
        if self.in_head and self.open[-1:] != ["title"]:
            return
        line = self.getpos()[0]
        if data.strip():
            # any character outside a link but spaces and a link bar's separators is the block's own text
            self.block_has_words = self.block_has_words or (not self.hrefs and not self.LINK_BAR.fullmatch(data))
            self.block_in_prose = self.block_in_prose or self.prose_open > 0
            self.block_in_title = self.block_in_title or self._last("title") >= 0
            self.block_in_h1 = self.block_in_h1 or self._last("h1") >= 0
            self.block_in_heading = self.block_in_heading or any(self._last(h) >= 0 for h in self.HEADINGS)
            term = self._last("dt")
            self.block_in_term = self.block_in_term or (term >= 0 and not self.SIGNATURE.intersection(
                self._classes(self.open_attrs[term])))
            self.block_in_definition = self.block_in_definition or (self._last("dd") >= 0 and not self._field_list())
            title = self._last("p")
            if title > 0 and self.BOX_TITLES.intersection(self._classes(self.open_attrs[title])):
                self.block_titles = self.open_attrs[title - 1]
            summary = self._last("summary")
            if summary > 0 and self.open[summary - 1] == "details" and not self._is_toggle_label(self.open_attrs[summary]):
                # <details><summary>Title</summary>: a box's title too
                self.block_titles = self.open_attrs[summary - 1]
            if self.cell_gap:
                while self.block and not self.block[-1][0].strip():
                    self.block.pop()  # the cell's trailing spaces: "a; b", never "a ; b"
                if self.block:
                    self.block[-1] = (self.block[-1][0].rstrip(), self.block[-1][1])
                for table in self.tables:  # (the cells before end where their text does now)
                    table.spans = [(start, min(end, len(self.block))) for start, end in table.spans]
                self.block.append(("; ", line))
                self.cell_gap = False
            if self.tables and self.tables[-1].cell and self.tables[-1].cell[1] is None and self._cell() >= 0:
                self.tables[-1].cell[1] = len(self.block)  # the cell's text starts here
            if self.field_prefix:
                self.block.append(self.field_prefix)
                self.block_has_words = True
                self.field_prefix = None
        pieces = data.split("\n")
        for number, piece in enumerate(pieces):  # text nodes span lines: map each one
            # a line end is a space; the text's own end is not (``<b>x</b>.`` reads "x.")
            self.block.append((piece + (" " if number < len(pieces) - 1 else ""), line + number))

    def close(self):
        super().close()
        self._end_block()
        self._pop_to(0)  # the elements left unclosed end with the page
        if self.redirect:  # a page that sends the reader elsewhere has no text of its own
            self.parts, self.line_map, self.size = [], [], 0
        elif (self.title and not self.has_h1 and any(text.strip() for text, _ in self.title)
              and _folded(self.title) not in self.headings
              and not (self.texinfo and self.headings)):  # (Texinfo's: "node (Manual's Name)" over its heading)  # (DocBook's pages: the title is their h2 or h3)
            parts, line_map = self.parts, self.line_map
            self.parts, self.line_map, self.size = [], [], 0
            for text, line in self.title:
                self._add(text, line)
            self._add("\n\n", self.title[-1][1])
            shift = self.size
            self.parts += parts
            self.line_map += [(offset + shift, line) for offset, line in line_map]


def _folded(block: list[tuple[str, int]]) -> str:
    """A block's text as headings and titles are compared: runs of whitespace one space, no case."""
    return " ".join("".join(text for text, _ in block).split()).casefold()


# A word of prose: letters of any script, the first of either case and the rest lower case
# ("SELECT", "sqlite3.c", "-DSQLITE_X", "BeOS" are not), with its punctuation.
_PROSE_WORD = re.compile(r"[(\"'“‘«„]?([^\W\d_]+(?:['’-][^\W\d_]+)*)[,.;:!?)\"'”’»]{0,2}")
# What makes a <pre>'s line other than prose: a code comment (a line opening one: "--", "/*", "**",
# "//", "#", ";"; "/*" or "*/" anywhere), a C or SQL statement's end ("typedef struct a a;"), a
# dot leader ("Pages in the file........ 221": a report). SQL's comment after code on a line,
# " -- ", is cut off and what comes before it judged ("a TEXT,   -- the text affinity" is not prose).
_NOT_PROSE = re.compile(r"^(?:--|/\*|\*\*|//|#|;)|/\*|\*/|;\s*$|\.{4,}|(?:\s\.){4,}")


def _prose_words(token: str) -> int:
    """How many words of prose a token of a line is: one for a word (``_PROSE_WORD``); as many as
    its letters for letters of a script without case (Chinese, Japanese: no spaces between words)."""
    letters = [char for char in token if char.isalpha()]
    if letters and all(char.lower() == char.upper() for char in letters):
        return len(letters)
    word = _PROSE_WORD.fullmatch(token)
    return 1 if word and (len(word.group(1)) == 1 or word.group(1)[1:].islower()) else 0


def _reads_as_prose(line: str) -> bool:
    """Whether a <pre>'s line reads as prose (an e-mail's, an RFC's): four words of prose in a row,
    and nothing that reads as code or a report (``_NOT_PROSE``)."""
    line = _PRE_QUOTE.sub("", line, count=1).split(" -- ")[0]
    if _NOT_PROSE.search(line):
        return False
    run = 0
    for token in line.split():
        words = _prose_words(token)
        run = run + words if words else 0
        if run >= 4:
            return True
    return False


def _reads_as_plain_text(lines: list[str]) -> bool:
    """Whether an untyped <pre>'s lines (none blank) are text to read, not commands, code or a
    program's report: some read as prose (``_reads_as_prose``), at least a third of those long
    enough to tell (four words or more; SQLite's code and reports: under a tenth). A short line
    ("Hi all,", "Thanks,", a signature, a heading, "make widget.c") counts neither way: a short
    e-mail, a ChangeLog, or a plain-text manual with its examples, tables and headings (Vim's help
    files) is read whole."""
    prose = judged = 0
    for line in lines:
        reads = _reads_as_prose(line)
        prose += reads
        judged += reads or len(_PRE_QUOTE.sub("", line, count=1).split()) >= 4
    return prose > 0 and prose * 3 >= judged


MAIN_CONTENT = re.compile(r"<(?:main|article)[\s>/]|\brole\s*=\s*[\"']?main\b", re.IGNORECASE)


def _extract_html(text: str, warning: str | None, path: PurePath | None = None) -> Extracted:
    if is_template(text, path):  # a Jinja or Django template: its tags are no text, its values unknown
        text = without_template_syntax(text)
    parser = _HtmlText(has_main=MAIN_CONTENT.search(text) is not None)
    parser.feed(text)
    parser.close()
    # Markup is gone and every block ends with a blank line: a block's text that starts with "-",
    # "#" or ">" (a heading "> operator") is text, not a list item or a quote.
    return Extracted("".join(parser.parts), "html", warning, parser.line_map, blocks_marked=True)
