"""HTML pages read as their reader sees them: the words inside links and inline markup keep their
spaces and punctuation, a <br> is a line break, a page written in <pre> is read, the site's
chrome is left out, a table row is one sentence, a Sphinx field list reads as the rst reader
reads its source, and the <title> is kept only when no heading of the page repeats it.

Oracles: the same words without any tags (links, code, spans, emphasis); the Markdown and
reStructuredText readers on the same table or field list; hand-built pages for the rest.
"""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import _HtmlText, extract, sentences_of


def read(page: str, name: str = "page.html") -> list[str]:
    return [s.text for s in sentences_of(extract(Path(name), page.encode()))]


def read_lines(page: str) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in sentences_of(extract(Path("page.html"), page.encode()))]


# Words as documentation writes them: identifiers, operators, template tags, e-mail parts.
TOKENS = ["django-admin", "startproject", "USE_TZ", "=", "True", "{%", "load", "%}", "ann", "@", "example",
          ".", "com", "--", "help", "manage.py", "(x)", "¶", "#", "a.b", "river", "é", "×", "+"]
INLINE = ['a href="ref.html"', "code", 'span class="pre"', "em", 'a class="reference internal" href="#t"', "b"]


@st.composite
def marked_up(draw):
    """(html of one paragraph, the same text as a reader sees it): tokens with or without spaces
    between them, any run of them wrapped in nested inline elements (never a link in a link).
    A link whose whole text has no letter or digit is a permalink-like mark: its text goes, its
    spaces stay."""
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
    out, seen = ["<p>Run "], ["Run "]
    stack: list[str] = []
    link: list[str] | None = None  # the open link's text, as a reader would see it

    def emit(html: str, text: str) -> None:
        out.append(html)
        (link if link is not None else seen).append(text)

    for token in tokens:
        for _ in range(draw(st.integers(0, 2))):
            tag = draw(st.sampled_from(INLINE))
            if tag.startswith("a ") and link is not None:
                continue
            stack.append(tag.split()[0])
            out.append(f"<{tag}>")
            if tag.startswith("a "):
                link = []
        emit(html_lib.escape(token, quote=False), token)
        for _ in range(draw(st.integers(0, len(stack)))):
            name = stack.pop()
            out.append(f"</{name}>")
            if name == "a":
                text = "".join(link)
                if not any(char.isalnum() for char in text):
                    text = " " if any(char.isspace() for char in text) else ""
                link = None
                seen.append(text)
        separator = draw(st.sampled_from(["", " ", "\n", "  "]))
        emit(separator, separator)
    while stack:
        name = stack.pop()
        out.append(f"</{name}>")
        if name == "a":
            text = "".join(link)
            seen.append(text if any(char.isalnum() for char in text) else " " if any(c.isspace() for c in text) else "")
            link = None
    out.append(" now</p>")
    seen.append(" now")
    return "".join(out), " ".join("".join(seen).split())


@settings(max_examples=200, deadline=None)
@given(marked_up())
def test_words_inside_inline_markup_and_links_keep_their_spaces_and_punctuation(case):
    page, expected = case
    assert " ".join(read(page)) == expected


def test_link_texts_of_documentation_pages():
    page = ('<p>Run <a href="x"><code><span class="pre">django-admin</span> <span class="pre">startproject</span>'
            '</code></a>.</p>\n<p>Set <a href="y"><code><span class="pre">USE_TZ</span> <span class="pre">=</span> '
            '<span class="pre">True</span></code></a>.</p>\n<p>Use <a href="z"><code><span class="pre">{%</span> '
            '<span class="pre">load</span> <span class="pre">%}</span></code></a>.</p>\n'
            '<p>Mail <a href="mailto:a@b.c">ann<span>@</span>example<span>.</span>com</a>.</p>\n'
            '<h2>Title<a class="headerlink" href="#t">¶</a></h2>\n<h2>Version 2<a class="headerlink" href="#v">'
            'link</a></h2>\n')
    assert read_lines(page) == [(1, "Run django-admin startproject."), (2, "Set USE_TZ = True."), (3, "Use {% load %}."),
                                (4, "Mail ann@example.com."), (5, "Title"), (6, "Version 2")]


def test_a_line_break_is_no_sentence_end():
    page = ("<p>Dear Anna,<br>\nthank you for the flowers that you sent<br>\nto the office last week. Everyone enjoyed<br/>\n"
            "them very much.</p>\n<h5><code>&gt;</code> operator</h5>\n")
    assert read_lines(page) == [(1, "Dear Anna, thank you for the flowers that you sent to the office last week."),
                                (3, "Everyone enjoyed them very much."), (5, "> operator")]


MAIL = """<html><head><title>[users] Question about backups</title></head><body>
<h1>[users] Question about backups</h1>
<pre>Hello list,

How do I restore a backup that was made with the old version? The tool
refuses to read it and says the format is unknown.
&gt; Did you try the --legacy flag?
&gt; It reads the old format.
- first I ran the tool
- then it failed

Thanks, Jane
</pre>
<pre>$ backup --restore old.tar
error: unknown format</pre>
<div class="highlight"><pre>Make a copy before you restore it.</pre></div>
<pre><code>Restore the copy first, then the rest.</code></pre>
<pre>import backup
backup.restore("old.tar")
</pre>
</body></html>
"""


def test_a_pre_that_is_not_code_is_read_line_by_line_and_code_is_left_out():
    assert read_lines(MAIL) == [
        (2, "[users] Question about backups"), (3, "Hello list,"),
        (5, "How do I restore a backup that was made with the old version?"),
        (5, "The tool refuses to read it and says the format is unknown."),
        (7, "Did you try the --legacy flag?"), (8, "It reads the old format."),
        (9, "first I ran the tool"), (10, "then it failed"), (12, "Thanks, Jane")]


CHROME = """<html><body><div role="main"><p>The only sentence of this page.</p>
<article><p>A post about the river.</p><footer><p>Posted by Ann on the way home.</p></footer></article>
<blockquote><p>The river is wide.</p><footer>Ann Smith, in her diary</footer></blockquote></div>
<div class="nav">&laquo; <a href="p.html">previous</a> | <a href="u.html">up</a> | <a href="n.html">next</a> &raquo;</div>
<div id="global-nav"><a href="/">Home</a> | <a href="c.html">Table of contents</a> | <a href="i.html">Index</a></div>
<div class="footer" role="contentinfo">&#169; Copyright 2023 Pallets. Created using <a href="s">Sphinx</a> 5.3.0.</div>
<div class="footer">Last updated on May 26, 2026.</div>
<div id="ft"><p>Django documentation footer text.</p></div>
<footer><p>Documentation built with <a href="m">MkDocs</a>.</p></footer>
<div class="modal" role="dialog"><h4>Keyboard Shortcuts</h4><p>Enter your search terms below.</p></div>
<div id="cookie-banner" aria-hidden="true"><p>We use cookies to improve your experience.</p></div>
<dialog><p>Are you sure you want to leave?</p></dialog>
<p>Closing words <span aria-hidden="true">&#9733;</span>of the page.</p>
</body></html>
"""


def test_footers_dialogs_hidden_text_and_link_bars_are_left_out():
    assert read(CHROME) == ["The only sentence of this page.", "A post about the river.",
                            "Posted by Ann on the way home.", "The river is wide.", "Ann Smith, in her diary",
                            "Closing words of the page."]
    # a page saved while a dialog was open: the content it hid is still the page's
    assert read('<html aria-hidden="true"><body aria-hidden="true"><main aria-hidden="true"><p>Kept text.</p>'
                '</main><div role="main" aria-hidden="true"><p>Kept too.</p></div></body></html>') == ["Kept text.", "Kept too."]


CELL_WORDS = ["Ann", "Smith", "leads", "the", "finance", "team", "budget", "river", "copper", "✅", "❌"]


@st.composite
def tables(draw):
    columns = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(st.lists(st.sampled_from(CELL_WORDS), max_size=3).map(" ".join),
                                  min_size=columns, max_size=columns), min_size=2, max_size=5))
    wrap = draw(st.lists(st.sampled_from(["{}", "<p>{}</p>", "<code>{}</code>", "<div><p>{}</p></div>"]),
                         min_size=columns, max_size=columns))
    return rows, wrap


@settings(max_examples=100, deadline=None)
@given(tables())
def test_an_html_table_reads_as_the_same_markdown_table(table):
    rows, wrap = table
    markdown = "\n".join(["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
                         + ["| " + " | ".join(row) + " |" for row in rows[1:]]) + "\n"
    cells = ["".join(f"<{tag}>{w.format(cell)}</{tag}>" for cell, w in zip(row, wrap))
             for tag, row in [("th", rows[0]), *[("td", row) for row in rows[1:]]]]
    page = "<table>\n" + "\n".join(f"<tr>{row}</tr>" for row in cells) + "\n</table>\n"
    assert read(page) == read(markdown, "table.md")


def test_a_table_row_is_one_sentence_and_a_list_in_a_cell_stays_a_list():
    page = ("<table><tr><th>Name</th><th>Role</th></tr>\n<tr><td>Ann Smith</td><td><p>Leads the finance team.</p>"
            "</td></tr>\n<tr><td>Bo<td>Cells left unclosed.</tr>\n<tr><td>Index</td><td><ul><li>first entry (a method)</li>"
            "<li>second entry (a class)</li></ul></td></tr></table>")
    assert read(page) == ["Name; Role", "Ann Smith; Leads the finance team.", "Bo; Cells left unclosed.", "Index",
                          "first entry (a method)", "second entry (a class)"]


# Sphinx's rendering of a docstring's field list, and its reStructuredText source.
FIELDS_HTML = """<dl class="py method"><dt class="sig">send(request)</dt><dd><p>Sends the request.</p>
<dl class="field-list simple">
<dt class="field-odd">Parameters<span class="colon">:</span></dt>
<dd class="field-odd"><p><strong>request</strong> – the prepared request to send.</p></dd>
<dt class="field-even">Returns<span class="colon">:</span></dt>
<dd class="field-even"><p>the response of the server.</p></dd>
<dt class="field-odd">Return type<span class="colon">:</span></dt>
<dd class="field-odd"><p>None</p></dd>
<dt class="field-even">Type<span class="colon">:</span></dt>
<dd class="field-even"><p><em>Optional</em>[<em>str</em>]</p></dd>
</dl></dd></dl>
"""
FIELDS_RST = """Sends the request.

:param request: the prepared request to send.
:returns: the response of the server.
:rtype: None
:type request: Optional[str]
"""


# A type field whose body is prose (Sphinx's own configuration page documents html_search_options
# so): the prose is the page's text, only the label goes.
PROSE_TYPE_HTML = """<dl class="field-list">
<dt class="field-odd">Type<span class="colon">:</span></dt>
<dd class="field-odd"><p>The splitter is a dotted module path.
It names the class.</p>
<p>You can choose from these modules.</p></dd>
<dt class="field-even">Return type<span class="colon">:</span></dt>
<dd class="field-even"><p><em>list</em> of <em>str</em> or
<em>None</em></p></dd>
</dl>
"""
PROSE_TYPE_RST = """:type: The splitter is a dotted module path.
   It names the class.

   You can choose from these modules.
:rtype: list of str or
   None
"""


def test_a_sphinx_field_list_reads_as_its_rst_source_does():
    html_texts = read(FIELDS_HTML)
    rst_texts = read(FIELDS_RST, "api.rst")
    assert rst_texts == ["Sends the request.", "request: the prepared request to send.",
                         "Returns: the response of the server."]
    assert html_texts == ["send(request)", "Sends the request.", "request – the prepared request to send.",
                          "Returns: the response of the server."]
    # the labels and the type-only fields are out of both; the parameter's description is in both
    assert not any(text in ("Parameters:", "Return type:", "None", "Optional[str]") for text in html_texts + rst_texts)
    # a type field's prose is kept by both readers (without its label); a type over two lines still goes
    assert read(PROSE_TYPE_HTML) == read(PROSE_TYPE_RST, "api.rst") == [
        "The splitter is a dotted module path.", "It names the class.", "You can choose from these modules."]


TYPE_WORDS = ["Optional[str]", "list", "of", "str,", "optional", "the", "path", "is", "used", "or", "None", "dict",
              "e.g.", "it.", "done!", "(see", "below).", "why?"]


@st.composite
def type_fields(draw):
    """A type field's body: one or two paragraphs of one or two lines of words, some of them ending a sentence."""
    return draw(st.lists(st.lists(st.lists(st.sampled_from(TYPE_WORDS), min_size=1, max_size=4).map(" ".join),
                                  min_size=1, max_size=2), min_size=1, max_size=2))


@settings(max_examples=150, deadline=None)
@given(type_fields(), st.sampled_from([("Type", "type"), ("Return type", "rtype"), ("Variable type", "vartype")]))
def test_a_type_fields_body_goes_only_when_it_reads_as_a_type_in_html_as_in_rst(body, names):
    html_label, rst_name = names
    html = (f'<dl class="field-list"><dt class="field-odd">Returns<span class="colon">:</span></dt>'
            f'<dd class="field-odd"><p>the river</p></dd>\n<dt class="field-even">{html_label}<span class="colon">:'
            '</span></dt>\n<dd class="field-even">' + "".join("<p>" + "\n".join(lines) + "</p>\n" for lines in body)
            + '</dd></dl><p>After the list.</p>\n')
    rst = (":returns: the river\n" + f":{rst_name}: " + "\n\n".join("\n".join("   " + line for line in lines)
                                                                   for lines in body).lstrip() + "\n\nAfter the list.\n")
    words = " ".join(line for lines in body for line in lines)
    # the oracle: a type is one paragraph with no ".", "!" or "?" before a space or its end
    is_type = len(body) == 1 and not any(word[-1] in ".!?" or word.endswith(".)") for word in words.split())
    html_texts, rst_texts = read(html), read(rst, "api.rst")
    assert html_texts == rst_texts
    assert html_texts[0] == "Returns: the river" and html_texts[-1] == "After the list."
    kept = " ".join(html_texts[1:-1])
    assert kept.split() == ([] if is_type else words.split())
    assert html_label not in kept


LINK_ITEMS = """<p>Connection settings are used in this order:</p>
<ol class="arabic simple">
<li><a class="reference internal" href="settings.html#OPTIONS"><code class="xref"><span class="pre">OPTIONS</span></code></a>.</li>
<li><a href="settings.html#NAME"><code>NAME</code></a>, <a href="settings.html#USER"><code>USER</code></a></li>
<li><a href="https://www.gnu.org/software/gettext/">gettext</a> (<a href="translation.html#win">gettext on Windows</a>)</li>
<li><a href="#day">day</a> [<a href="#get_day">get_day()</a>]</li>
<li><a href="intro.html">Introduction to it</a></li>
</ol>
<div>&laquo; <a href="p.html">previous</a> | <a href="u.html">up</a> &middot; <a href="n.html">next</a> &raquo;</div>
<p class="nav"><a href="a.html">A</a> / <a href="b.html">B</a> &ndash; <a href="c.html">C</a> &mdash; <a href="d.html">D</a></p>
"""


def test_a_link_item_with_text_of_its_own_is_kept_and_a_link_bar_goes():
    assert read(LINK_ITEMS) == ["Connection settings are used in this order:", "OPTIONS.", "NAME, USER",
                                "gettext (gettext on Windows)", "day [get_day()]",
                                # a bar in a paragraph is the paragraph's text, as it was
                                "A / B – C — D"]


SEPARATORS = ["|", "«", "»", "·", "•", "/", "–", "—", "-", "&nbsp;", " ", "\n"]
OWN_TEXT = [".", ",", "(", ")", "[", "]", ":", ";", "and", "+", "*", "#"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["previous", "up", "next", "get_day()", "NAME"]),
                          st.lists(st.sampled_from(SEPARATORS), max_size=3).map("".join)), min_size=1, max_size=4),
       st.one_of(st.none(), st.tuples(st.sampled_from(OWN_TEXT), st.integers(0, 4))))
def test_a_block_of_links_goes_unless_something_but_separators_stands_outside_its_links(links, own):
    pieces = [f'{separator}<a href="{k}.html">{text}</a>' for k, (text, separator) in enumerate(links)]
    if own is not None:
        pieces.insert(own[1] % (len(pieces) + 1), own[0])
    texts = read("<ul><li>" + "".join(pieces) + "</li></ul><p>The end.</p>")
    assert texts[-1] == "The end."
    assert bool(texts[:-1]) == (own is not None)


@pytest.mark.parametrize("page, expected", [
    (("<html><head><title>Sessions — Django 3.2 documentation</title></head><body><h1>How to use sessions</h1>"
      "<p>Sessions keep state.</p></body></html>"), ["How to use sessions", "Sessions keep state."]),
    ("<html><head><title>Trip notes</title></head><body><h2>Day one</h2><p>We flew.</p></body></html>",
     ["Trip notes", "Day one", "We flew."]),
    (('<html><head><meta http-equiv="refresh" content="0; url=new.html"><title>Redirecting...</title></head>'
      '<body><p>Redirecting to <a href="new.html">new.html</a>...</p></body></html>'), []),
    (('<html><head><meta http-equiv="refresh" content="60"><title>Status</title></head>'
      '<body><p>All systems run.</p></body></html>'), ["Status", "All systems run."]),
    # DocBook XSL's section pages: no h1, the title is the page's h2 or h3 (each heading was there
    # twice, on one line: aptitude's manual, session 42 trial B); the comparison ignores case and spaces.
    (('<html><head><title>Managing  packages</title></head><body><div class="section"><h3 class="title">'
      '<a id="x"></a>Managing packages</h3><p>This section says how.</p></div></body></html>'),
     ["Managing packages", "This section says how."]),
    ("<html><head><title>Trip notes</title></head><body><h2>trip NOTES</h2><p>We flew.</p></body></html>",
     ["trip NOTES", "We flew."]),
])
def test_the_title_only_when_no_heading_gives_it_and_a_redirect_page_gives_nothing(page, expected):
    assert read(page) == expected


# HTML's implied end tags, and no scan of the open elements at a tag or a text node: a page of
# 20,000 list items left unclosed, or nested 20,000 deep, is read in time linear in its size.
@st.composite
def lists(draw, depth=0):
    """(kind, items) of a list (ul, ol, dl), each item a word and maybe a list inside it."""
    kind = draw(st.sampled_from(["ul", "ol", "dl"]))
    items = []
    for k in range(draw(st.integers(1, 3))):
        child = draw(lists(depth + 1)) if depth < 3 and draw(st.booleans()) else None
        items.append((f"{CELL_WORDS[(depth * 3 + k) % len(CELL_WORDS)]} {depth} {k}", child))
    return kind, items


def render(tree, closed: bool) -> str:
    kind, items = tree
    end = (lambda tag: f"</{tag}>") if closed else (lambda tag: "")
    out = [f"<{kind}>"]
    for word, child in items:
        inner = render(child, closed) if child else ""
        if kind == "dl":
            out.append(f"<dt>{word}{end('dt')}<dd>{word} said{inner}{end('dd')}\n")
        else:
            out.append(f"<li>{word}{inner}{end('li')}\n")
    return "".join(out) + f"</{kind}>"


def levels(tree) -> int:
    return 1 + max((levels(child) for _, child in tree[1] if child), default=0)


class DepthProbe(_HtmlText):
    """The reader, noting the deepest its stack of open elements gets at a text node."""
    deepest = 0

    def handle_data(self, data):
        self.deepest = max(self.deepest, len(self.open))
        super().handle_data(data)


def probe(page: str) -> DepthProbe:
    parser = DepthProbe()
    parser.feed(page)
    parser.close()
    return parser


@settings(max_examples=100, deadline=None)
@given(lists())
def test_items_left_unclosed_read_as_closed_ones_and_never_pile_up(tree):
    closed, unclosed = render(tree, True), render(tree, False)
    assert read(unclosed) == read(closed)
    # a list and its item (or term, or definition) per level: an item left unclosed ends where the next begins
    assert probe(unclosed).deepest <= 2 * levels(tree)


def test_many_items_left_unclosed_stay_side_by_side():
    page = "<ul>\n" + "".join(f"<li>item {n}\n" for n in range(2000)) + "</ul>\n<dl>\n" + "".join(
        f"<dt>term {n}\n<dd>Definition {n}.\n" for n in range(2000)) + "</dl>"
    parser = probe(page)
    assert parser.deepest == 2
    texts = read(page)
    assert texts == [f"item {n}" for n in range(2000)] + [f"term {n}: Definition {n}." for n in range(2000)]
    # an item's list inside a table cell inside an item: the inner item never closes the outer one
    assert read("<ul><li>outer<table><tr><td><li>inner</td></tr></table> goes on</li></ul>") == ["outer", "inner", "goes on"]


class CountedList(list):
    """A list that counts the times it is scanned (searched, iterated, or sliced past one element)."""
    scans = 0

    def _count(self):
        CountedList.scans += 1

    def __contains__(self, item):
        self._count()
        return super().__contains__(item)

    def __iter__(self):
        self._count()
        return super().__iter__()

    def __reversed__(self):
        self._count()
        return super().__reversed__()

    def index(self, *args):
        self._count()
        return super().index(*args)

    def count(self, item):
        self._count()
        return super().count(item)

    def __getitem__(self, key):
        if isinstance(key, slice) and len(range(*key.indices(len(self)))) > 1:
            self._count()
        return super().__getitem__(key)


def test_the_reader_never_scans_its_stack_of_open_elements():
    page = (FIELDS_HTML + PROSE_TYPE_HTML + CHROME + MAIL + LINK_ITEMS
            + "<table><tr><td>Bo<td><p>Cells left</p> unclosed<tr><td><div>x</div>y</table>"
            + "<div>" * 50 + "<p>Deep <a href='x'>link</a>.</p>" + "</div>" * 50)
    parser = _HtmlText()
    parser.open, parser.open_attrs = CountedList(), CountedList()
    CountedList.scans = 0
    parser.feed(page)
    parser.close()
    assert CountedList.scans == 0
    assert "".join(parser.parts).split() == "".join(probe(page).parts).split()  # (the counting list changes nothing)


SOUP_TAGS = ["div", "p", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "h1", "blockquote",
             "section", "span", "a", "title", "caption"]


class CheckedText(_HtmlText):
    """The reader, checking after every tag that what it keeps of its open elements is what a scan would find."""

    def check(self):
        assert self.open_at == {tag: [i for i, t in enumerate(self.open) if t == tag] for tag in self.open_at}
        assert all(self.open_at.get(tag) for tag in self.open)
        assert self.prose_open == sum(tag in self.PROSE for tag in self.open)
        assert self.code_open == sum(bool(self.CODE_CLASS.search(a.get("class") or "")) for a in self.open_attrs)
        assert self.table_parts == [i for i, tag in enumerate(self.open) if tag in self.TABLE_PARTS]
        assert self.hrefs == sum(link is not None for link in self.links)
        assert [place for place, *_ in self.type_bodies] == sorted({place for place, *_ in self.type_bodies})
        assert all(self.open[place] == "dd" for place, *_ in self.type_bodies)

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        self.check()

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        self.check()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.tuples(st.just("start"), st.sampled_from(SOUP_TAGS), st.sampled_from(["", ' class="highlight"', ' class="field-list"', ' href="x"'])),
    st.tuples(st.just("end"), st.sampled_from(SOUP_TAGS), st.just("")),
    st.tuples(st.just("text"), st.sampled_from(["Type:", "river", "Return type:", "a.", " | "]), st.just(""))), max_size=40))
def test_what_the_reader_keeps_of_its_open_elements_matches_them_in_any_tag_soup(events):
    page = "".join(f"<{name}{attrs}>" if kind == "start" else f"</{name}>" if kind == "end" else name
                   for kind, name, attrs in events)
    parser = CheckedText()
    parser.feed(page)
    parser.close()
    assert parser.open == [] and parser.type_bodies == []


def test_a_field_list_left_unclosed_reads_as_the_closed_one():
    for page in (FIELDS_HTML, PROSE_TYPE_HTML):
        unclosed = page.replace("</dt>", "").replace("</dd>", "")
        assert read(unclosed) == read(page)
    assert read(FIELDS_HTML.replace("</dt>", "").replace("</dd>", "").replace("</dl>", "")) == read(FIELDS_HTML)


def test_a_pages_aside_is_left_out_but_an_aside_in_its_content_is_kept():
    """A saved page's <aside> beside its <main> or <article> is a sidebar ("Related: ..."),
    which the README leaves out with menus and footers; an <aside> inside the content (a
    docutils sidebar or footnote in Sphinx's role="main" body, a pull quote in an article) is
    the page's own text."""
    page = ("<html><body><main><article><p>Limescale builds up quickly in hard water.</p>"
            "<aside><p>Vinegar works as well as citric acid.</p></aside></article></main>"
            "<aside>Related: <a href='/oven'>How to clean an oven</a> | <a href='/sink'>How to unblock a sink</a></aside>"
            "</body></html>")
    assert read(page) == ["Limescale builds up quickly in hard water.", "Vinegar works as well as citric acid."]
    sphinx = ('<html><body><div class="body" role="main"><p>Install it first.</p>'
              '<aside class="sidebar"><p>A note on versions.</p></aside></div>'
              '<aside class="related">Related: <a href="x.html">Other page</a></aside></body></html>')
    assert read(sphinx) == ["Install it first.", "A note on versions."]
    # A page with no main content element at all keeps its aside: nothing says it is chrome.
    assert read("<html><body><p>One.</p><aside><p>Two.</p></aside></body></html>") == ["One.", "Two."]


# A page laid out as SQLite's documentation is (session 32's user trial): its header, menus and
# table of contents marked "nosearch" for the site's own search, numbered headings, a syntax
# diagram's label beside its "show" button, code and a program's report in untyped <pre>s, and
# a "last modified" line for a footer.
NOSEARCH = """<html><head><title>The Widget Tool</title></head><body>
<div class=nosearch><a href="index.html"><img src="logo.gif" alt="Widgets"></a>
<div class="tagline">Small. Quick. Sturdy.<br>Pick all three.</div>
<div class="menu"><ul><li><a href="about.html">About</a><li><a href="docs.html">Documentation</a></ul></div></div>
<div class=nosearch><div class="fancy_title">The Widget Tool</div>
<div class="fancy_toc"><a onclick="toggle_toc()"><span>&#x25ba;</span> Table Of Contents</a>
<div id="toc_sub"><div><a href="#impl">1.1. Implementation</a></div></div></div></div>
<h1><span>1. </span>The Widget Tool</h1>
<p>The widget tool measures how much space each table uses.
Example usage:
</p><blockquote><pre>
widget_tool data.db
</pre></blockquote>
<h2 id="impl"><span>1.1. </span>Implementation</h2>
<p><b><a href="syntax/widget-stmt.html">widget-stmt:</a></b>
<button id='x1' onclick='hideorshow("x1","x2")'>show</button></p>
<div id='x2' style='display:none;'><svg><text>WIDGET</text></svg></div>
<p>The tool reads the file once.</p>
<center><table><tr><td><pre>
SELECT price FROM widgets WHERE name='Gear';
</pre></table></center>
<blockquote><pre>
Pages in the whole file (measured)........ 221
Pages that store data..................... 221        100.0%
</pre></blockquote>
<pre>
CREATE TABLE t1(
   a TEXT,      -- text affinity for this column
   b NUMERIC    -- numeric affinity for this column
);
</pre>
<p data-pagefind-ignore>Share this page with a friend today.</p>
<div class="robots-nocontent"><p>Sponsored by the widget people.</p></div>
<p><a href="download.html">Download the widget tool</a> from the site.</p>
<p align="center"><small><i>This page last modified on <a href="x">2018-12-10 12:34:08</a> UTC </i></small></p>
</body></html>
"""


def test_a_page_s_nosearch_chrome_widgets_code_pres_and_modified_line_are_left_out():
    assert read(NOSEARCH) == ["1. The Widget Tool", "The widget tool measures how much space each table uses.",
                              "Example usage:", "1.1. Implementation", "The tool reads the file once.",
                              "Download the widget tool from the site."]


@pytest.mark.parametrize("footer", ["This page last modified on 2018-12-10 12:34:08 UTC",
                                    "Last updated: May 5, 2024.", "This page was last edited on 5 May 2024, at 10:00."])
def test_a_block_that_only_says_when_the_page_changed_goes_but_a_sentence_about_it_stays(footer):
    kept = "The last modified time of a file is kept in its header, as 8 bytes."
    assert read(f"<html><body><p>{kept}</p><p>{footer}</p></body></html>") == [kept]


def test_a_pre_of_prose_is_read_and_one_of_commands_or_output_is_left_out():
    prose = ("<pre>\nThe tool reads the file once and then writes the\nreport to the terminal, as the manual says.\n</pre>")
    assert read(f"<html><body>{prose}</body></html>") == [
        "The tool reads the file once and then writes the report to the terminal, as the manual says."]
    for pre in ["make widget.c", "gcc -Os -I. -DWIDGET_X=1 widget.c -o widget", "kennesaw",
                "/*\n** This function opens the file that holds the widgets.\n*/\nint open_widgets(void);"]:
        assert read(f"<html><body><p>Before.</p><pre>\n{pre}\n</pre></body></html>") == ["Before."]


# Mailing-list archives (pipermail, hypermail, MHonArc) put a message's body in an untyped <pre>:
# a greeting, a sign-off and a signature are short lines, a reply quotes ("> ") what it answers.
def pipermail(body: str) -> str:
    return ("<html><head><title>[db-users] Locking</title></head><body><h1>[db-users] Locking</h1>\n"
            "<b>Ann Lee</b> <a href=\"mailto:x\">ann at example.org</a><br><i>Mon May 5 2024</i>\n"
            f"<hr><!--beginarticle-->\n<pre>{body}\n</pre>\n<!--endarticle--><hr></body></html>\n")


@pytest.mark.parametrize("body, kept", [
    (("Hi all,\n\nIs it safe to use the journal on a shared network drive?\n\nThanks,\nBob\n-- \nBob Smith\n"
      "<a href=\"http://bob.example.com\">http://bob.example.com</a>"),
     "Is it safe to use the journal on a shared network drive?"),
    (("On Mon, May 5, 2024 at 10:00 AM, Bob Smith &lt;bob at example.com&gt; wrote:\n"
      "<i>&gt; Is it safe to use the journal on a network drive?\n</i>\nNo.  It needs shared memory, "
      "and that does not work across machines.\n\n--\nRichard"), "It needs shared memory, and that does not work across machines."),
    (("Hello,\n\nmy query is slow:\n\n  SELECT * FROM docs WHERE title LIKE '%foo%';\n"
      "  CREATE INDEX docs_title ON docs(title);\n\nThe index does not seem to help at all.\nAnn"),
     "The index does not seem to help at all."),
    ("<i>&gt; The new release fixes the slow query planner.\n</i>\nConfirmed, thanks!\n\nCarl", "Confirmed, thanks!"),
    ("I tried the patch -- it did not help -- and the crash is still there\nwhen the file is empty.\nJo",
     "I tried the patch -- it did not help -- and the crash is still there when the file is empty."),
    (("Добрый день!\n\nПодскажите, пожалуйста, почему при записи из двух процессов\nбаза данных возвращает "
      "ошибку о блокировке?\n\nИван"), "Подскажите, пожалуйста, почему при записи из двух процессов база данных возвращает ошибку о блокировке?"),
    ("皆さん、こんにちは。\n\n二つのプロセスから同時に書き込むと、エラーが出ます。\n\n山田", "二つのプロセスから同時に書き込むと、エラーが出ます。"),
])
def test_an_e_mail_in_a_pre_is_read_with_its_short_lines_in_any_language(body, kept):
    # The rule that leaves out untyped <pre>s of code once asked half of all lines to read as
    # prose (and prose to be written in ASCII letters): every one of these messages was lost.
    assert kept in read(pipermail(body))


# A plain-text manual in one <pre> (Vim's help files as HTML): headings, commands, screen drawings
# and a tag line stand between the paragraphs, fewer than half of its lines prose.
MANUAL = """<html><body><pre>
*windows.txt*	For version 9.0.  Last change: 2021 May 20

			      Splitting windows

|08.1|	Split a window
|08.2|	Split a window on another file

==============================================================================
*08.1*	Split a window

The easiest way to open a new window is to use the following command:

	:split

This command splits the screen into two windows and leaves the cursor in the
top one:

	+----------------------------------+
	|/* file one.c */		   |
	|~				   |
	|one.c=============================|
	|/* file one.c */		   |
	|one.c=============================|
	+----------------------------------+

CLOSE THE WINDOW

To close a window, use the command:

	:close
</pre></body></html>
"""

CHANGELOG = """<html><body><pre>
2024-05-01  John Doe  &lt;john@example.com&gt;

	* src/widget.c (widget_open): Fix a crash when the file is empty.
	* doc/widget.texi: Document the new --fast option.

2024-04-20  Jane Roe  &lt;jane@example.com&gt;

	* configure.ac: Bump the version to 1.2.
</pre></body></html>
"""


def test_a_plain_text_manual_or_changelog_in_a_pre_is_read_with_its_examples_and_headings():
    manual = read(MANUAL)
    assert "The easiest way to open a new window is to use the following command:" in manual
    assert "To close a window, use the command:" in manual
    assert "src/widget.c (widget_open): Fix a crash when the file is empty." in read(CHANGELOG)


@pytest.mark.parametrize("pre", [
    "typedef struct widget widget;\n#define WIDGET_OK  0   /* Successful result */\n\nwidget *widget_open(const char *name);\n",
    "int widget_set_directory(unsigned long type, const char *zValue);\nint widget_set_name(unsigned long type, const void *z);",
    "select name from widgets where price &gt; 10;",
    "CREATE TABLE t1(\n   a TEXT,      -- text affinity for this column\n   b NUMERIC    -- numeric affinity\n);"])
def test_a_pre_of_c_declarations_or_sql_statements_is_left_out(pre):
    assert read(f"<html><body><p>Before.</p><pre>\n{pre}\n</pre></body></html>") == ["Before."]


@pytest.mark.parametrize("block, kept", [
    ("<ul><li><b>Last modified:</b> the time of the last write, in UTC (ISO 8601).</li></ul>",
     "Last modified: the time of the last write, in UTC (ISO 8601)."),
    ("<p>Last updated: the new cache keeps 2 pages per table.</p>", "Last updated: the new cache keeps 2 pages per table."),
    ("<table><tr><td>Last modified:</td><td>seconds since 1970</td></tr></table>", "Last modified:; seconds since 1970"),
    ("<p>Last updated: maybe 2024, maybe later.</p>", "Last updated: maybe 2024, maybe later."),
])
def test_a_block_that_describes_a_last_modified_field_is_text(block, kept):
    # "last modified" then anything with a digit in it was taken for the page's footer: a field's
    # description in a manual, a release note. Only a date and a time after it make a footer.
    assert read(f"<html><body>{block}</body></html>") == [kept]


@pytest.mark.parametrize("footer", ["Last updated on Monday, June 3rd, 2024 at 5:00 p.m.",
                                    "Last modified: 2024-05-01 by Ann Lee", "Last modified: Tue Nov 24 23:35:10 2026"])
def test_a_last_modified_line_with_a_weekday_a_time_or_an_author_is_left_out(footer):
    assert read(f"<html><body><p>Kept.</p><p>{footer}</p></body></html>") == ["Kept."]


def test_a_paragraph_with_words_of_its_own_beside_a_button_is_kept():
    page = ("<html><body><p>Download the tool <a href='x'>here</a>. <button>Copy link</button></p>"
            "<p><a href='y'>widget-1.2.tar.gz</a> <button>Copy</button></p></body></html>")
    assert read(page) == ["Download the tool here."]


# --- Found by session 42's second user trial (Python-Markdown's, coverage.py's and aptitude's
# documentation).

# A section page as DocBook XSL writes it (aptitude's, PostgreSQL's and many Debian -doc manuals):
# a navigation header and footer on every page, naming the previous, parent and next pages.
DOCBOOK = """<html><head><title>Using the menus</title></head><body><div class="navheader">
<table width="100%" summary="Navigation header"><tr><th colspan="3" align="center">Using the menus</th></tr>
<tr><td width="20%" align="left"><a accesskey="p" href="ch02s01.html"><img src="prev.gif" alt="Prev" /></a> </td>
<th width="60%" align="center">The terminal user interface</th>
<td width="20%" align="right"> <a accesskey="n" href="ch02s01s02.html"><img src="next.gif" alt="Next" /></a></td>
</tr></table><hr /></div><div class="section"><div class="titlepage"><h3 class="title">Using the menus</h3></div>
<p>The menu bar at the top of the screen lists the most important commands.</p></div>
<div class="toc"><p><b>Table of Contents</b></p><dl class="toc"><dt><span class="section"><a href="a.html">Menu commands</a></span></dt></dl></div>
<div class="navfooter"><hr /><table width="100%" summary="Navigation footer">
<tr><td width="40%" align="left"><a accesskey="p" href="ch02s01.html"><img src="prev.gif" alt="Prev" /></a> </td>
<td width="20%" align="center"><a accesskey="u" href="ch02s01.html"><img src="up.gif" alt="Up" /></a></td>
<td width="40%" align="right"> <a accesskey="n" href="ch02s01s02.html"><img src="next.gif" alt="Next" /></a></td></tr>
<tr><td width="40%" align="left" valign="top">The terminal user interface </td>
<td width="20%" align="center"><a accesskey="h" href="index.html"><img src="home.gif" alt="Home" /></a></td>
<td width="40%" align="right" valign="top"> Menu commands</td></tr></table></div></body></html>
"""


def test_docbook_navigation_header_footer_and_table_of_contents_are_left_out():
    """DocBook XSL's div.navheader and div.navfooter name the neighbouring pages on every page
    ("The terminal user interface; Menu commands"): searching aptitude's manual for "resolving
    package dependencies" gave four such rows among its first ten results, each at a page the
    words are not about. Its div.toc ("Table of Contents" and the links) is a table of contents."""
    assert read(DOCBOOK) == ["Using the menus",  # (its <title> too, until a heading repeating it dropped it)
                             "The menu bar at the top of the screen lists the most important commands."]


def test_a_docbook_pictures_long_description_link_is_left_out():
    """DocBook XSL puts "[D]" (a link to the picture's long description) under each screenshot:
    33 one-word sentences in aptitude's manual."""
    page = ('<html><body><h1>Start</h1><p>The main screen should appear:</p><div class="screenshot">'
            '<div class="mediaobject"><img src="s.png" alt="[main screen]"/><div class="longdesc-link" '
            'align="right"><br clear="all"/><span class="longdesc-link">[<a href="ld-1.html" target="longdesc">'
            'D</a>]</span></div></div></div><p>As you can see, the screen is divided.</p></body></html>')
    assert read(page, "page.html") == ["Start", "The main screen should appear:", "As you can see, the screen is divided."]


# A page of a Texinfo manual split one page per node, as makeinfo 6.8 writes it (GNU Mailutils
# 3.15's manual from Debian's mailutils-doc), and its index page.
TEXINFO6_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<!-- Created by GNU Texinfo 6.8, https://www.gnu.org/software/texinfo/ -->
<head>
<title>{title} (GNU Mailutils Manual)</title>
<meta name="Generator" content="makeinfo">
<link href="Composing-Mail.html" rel="up" title="Composing Mail">
</head>
<body lang="en">
"""
TEXINFO6_PAGE = TEXINFO6_HEAD.format(title="Conf-imap4d") + """<div class="subsection" id="Conf_002dimap4d">
<div class="header">
<p>
Next: <a href="Starting-imap4d.html" accesskey="n" rel="next">Starting <code>imap4d</code></a>, Previous: <a href="Namespace.html" accesskey="p" rel="prev">Namespace</a>, Up: <a href="imap4d.html" accesskey="u" rel="up">IMAP4 Daemon</a> &nbsp; [<a href="index.html#SEC_Contents" title="Table of contents" rel="contents">Contents</a>][<a href="Function-Index.html" title="Index" rel="index">Index</a>]</p>
</div>
<hr>
<span id="Configuration-of-imap4d_002e"></span><h4 class="subsection">3.17.2 Configuration of <code>imap4d</code>.</h4>

<p>The behavior of <code>imap4d</code> is altered by the following
configuration statements.
</p>
<hr>
<div class="header">
<p>
Next: <a href="Starting-imap4d.html" accesskey="n" rel="next">Starting <code>imap4d</code></a>, Up: <a href="imap4d.html" accesskey="u" rel="up">IMAP4 Daemon</a></p>
</div>
</div>
</body>
</html>
"""
TEXINFO6_INDEX = TEXINFO6_HEAD.format(title="Concept Index") + """<div class="unnumbered" id="Concept-Index">
<div class="header">
<p>
Previous: <a href="Program-Index.html" accesskey="p" rel="prev">Program Index</a>, Up: <a href="index.html" accesskey="u" rel="up">GNU Mailutils</a></p>
</div>
<hr>
<span id="Concept-Index-1"></span><h2 class="unnumbered">Concept Index</h2>

<p>This is a general index of all issues discussed in this manual
</p>
<table><tr><th valign="top">Jump to: &nbsp; </th><td><a class="summary-letter" href="#Concept-Index_cp_symbol-1"><b>~</b></a>
 &nbsp;
<br>
<a class="summary-letter" href="#Concept-Index_cp_letter-A"><b>A</b></a>
 &nbsp;
<a class="summary-letter" href="#Concept-Index_cp_letter-B"><b>B</b></a>
 &nbsp;
</td></tr></table>
<table class="index-cp" border="0">
<tr><td></td><th align="left">Index Entry</th><td>&nbsp;</td><th align="left"> Section</th></tr>
<tr><td colspan="4"> <hr></td></tr>
<tr><th id="Concept-Index_cp_symbol-1">~</th><td></td><td></td></tr>
<tr><td></td><td valign="top"><a href="Attaching-a-File-to-the-Message.html#index-x">~+, mail escape</a>:</td><td>&nbsp;</td><td valign="top"><a href="Attaching-a-File-to-the-Message.html">Attaching a File to the Message</a></td></tr>
<tr><th id="Concept-Index_cp_letter-A">A</th><td></td><td></td></tr>
<tr><td></td><td valign="top"><a href="Actions-Described.html#index-y">action, sieve</a>:</td><td>&nbsp;</td><td valign="top"><a href="Actions-Described.html">Actions Described</a></td></tr>
</table>
<table><tr><th valign="top">Jump to: &nbsp; </th><td><a class="summary-letter" href="#Concept-Index_cp_letter-A"><b>A</b></a>
</td></tr></table>
</div>
</body>
</html>
"""
# The same as Texinfo 7 writes it: div.nav-panel, and the index's tables named for it.
TEXINFO7_INDEX = """<html><head><title>Concept Index (GNU Mailutils Manual)</title>
<meta name="Generator" content="texi2any"></head>
<body lang="en">
<div class="unnumbered-level-extent" id="Concept-Index">
<div class="nav-panel">
<p>
Previous: <a href="Program-Index.html" accesskey="p" rel="prev">Program Index</a>, Up: <a href="index.html" accesskey="u" rel="up">GNU Mailutils</a> &nbsp; [<a href="index.html#SEC_Contents" title="Table of contents" rel="contents">Contents</a>]</p>
</div>
<h2 class="unnumbered" id="Concept-Index-1">Concept Index</h2>
<p>This is a general index of all issues discussed in this manual
</p>
<div class="printindex cp-printindex">
<table class="cp-letters-header-printindex"><tr><th>Jump to: &nbsp; </th><td><a class="summary-letter-printindex" href="#Concept-Index_cp_letter-A"><b>A</b></a>
 &nbsp; </td></tr></table>
<table class="cp-entries-printindex" border="0">
<tr><td></td><th class="entries-header-printindex">Index Entry</th><th class="sections-header-printindex">Section</th></tr>
<tr><th id="Concept-Index_cp_letter-A">A</th></tr>
<tr><td></td><td class="printindex-index-entry"><a href="Actions-Described.html#index-y">action, sieve</a></td><td class="printindex-index-section"><a href="Actions-Described.html">Actions Described</a></td></tr>
</table>
<table class="cp-letters-footer-printindex"><tr><th>Jump to: &nbsp; </th><td><a class="summary-letter-printindex" href="#Concept-Index_cp_letter-A"><b>A</b></a>
 &nbsp; </td></tr></table>
</div>
</div>
</body>
</html>
"""


def test_texinfo_navigation_panel_and_title_are_left_out():
    """A Texinfo manual split by node (makeinfo's default: GNU Mailutils 3.15's, 306 pages) heads
    and ends each page with its neighbours' names ("Next: Starting imap4d, Previous: Namespace,
    Up: IMAP4 Daemon [Contents][Index]": 322 sentences on 230 pages) and titles it "node (GNU
    Mailutils Manual)" above its numbered heading (233 sentences)."""
    assert read_lines(TEXINFO6_PAGE) == [
        (16, "3.17.2 Configuration of imap4d."),
        (18, "The behavior of imap4d is altered by the following configuration statements.")]


def test_a_texinfo_manuals_index_is_left_out_as_a_pdfs_is():
    """A Texinfo index page is a table of entries and the sections that hold them ("~+, mail
    escape:; Attaching a File to the Message"), under "Jump to: A B …" letters: 872 of Mailutils'
    6,896 sentences, which outranked the sections they name. Its heading and prose stay."""
    expected = ["Concept Index", "This is a general index of all issues discussed in this manual"]
    assert read(TEXINFO6_INDEX) == expected
    assert read(TEXINFO7_INDEX) == expected


def test_a_div_header_or_an_index_class_outside_texinfo_is_text():
    """Only a page Texinfo made loses them: Doxygen's div.header holds its page's title."""
    page = ('<html><head><title>Foo</title></head><body><div class="header"><div class="title">Foo Class Reference</div></div>'
            '<table class="index-cp"><tr><td>Jump to: A</td></tr></table><p>Next: the end.</p></body></html>')
    assert read(page) == ["Foo", "Foo Class Reference", "Jump to: A", "Next: the end."]


def test_a_texinfo_manuals_examples_are_code_and_its_displays_text():
    """makeinfo writes @example (and @smallexample, @lisp, @verbatim) as <pre class="example">:
    Mailutils' manual had 66 sentences from them, commands ("comsat dgram udp wait root
    /usr/sbin/comsatd \\ comsatd -c /etc/comsat.conf"), Sieve scripts and a --help listing read as
    one sentence ("-c, --compile-only Compile script and exit -d, --debug[=FLAGS] Debug flags -e,
    ..."). They are code blocks, left out as a Markdown fence is; @display and @format are prose."""
    body = ('<p>The server is started from <samp>/etc/inetd.conf</samp> file:\n</p>\n<div class="example">\n'
            '<pre class="example">comsat dgram  udp wait  root  /usr/sbin/comsatd \\\ncomsatd -c /etc/comsat.conf\n</pre></div>\n'
            '<pre class="verbatim">  -c, --compile-only         Compile script and exit\n'
            '  -d, --debug[=FLAGS]        Debug flags\n  -e, --email=ADDRESS        Override user email address\n</pre>\n'
            '<div class="example"><pre class="example-preformatted">Reason given was as follows:\n'
            'I am not taking mail from you, and I do not want your birdseed, either!\n</pre></div>\n'
            '<pre class="display">Everyone is permitted to copy and distribute verbatim copies\n'
            'of this license document, but changing it is not allowed.\n</pre>\n')
    page = TEXINFO6_HEAD.format(title="Starting comsatd") + '<h4>Starting comsatd</h4>\n' + body + '</body></html>'
    assert read(page) == ["Starting comsatd", "The server is started from /etc/inetd.conf file:",
                          "Everyone is permitted to copy and distribute verbatim copies of this license document, "
                          "but changing it is not allowed."]
