"""HTML pages give the words of their content, each at its source line, and nothing else.

The oracle is the page's own composition: documents are built from blocks of content (a
paragraph, a list item with a link inside, a heading with its "¶" permalink, a table cell, a
paragraph that is one link) and blocks a documentation site repeats on every page or that are
code (a <nav> menu, a sidebar with role="navigation" holding nested divs, a table of contents
that is a list of links, a <pre> code block, a copy button, a "Skip to content" link). The
extracted sentences must be exactly the content blocks' texts, in order, each at its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import extract, sentences_of

from .textgen import read

# (html with {text}, what a reader sees): one line each, so each block's line is known.
CONTENT = [
    ("<p>{text}</p>", "{text}"),
    ("<ul><li>{text} See <a href=\"other.html\">the other page</a> too.</li></ul>", "{text} See the other page too."),
    ("<h2>{text}<a class=\"headerlink\" href=\"#t\" title=\"Permalink\">¶</a></h2>", "{text}"),
    ("<h3><span><a class=\"mark\" href=\"#x\" id=\"x\">#</a></span>{text}</h3>", "{text}"),
    ("<table><tr><td>{text}</td></tr></table>", "{text}"),
    ("<p><a href=\"notes.html\">{text}</a></p>", "{text}"),
    ("<p>{text} Use <code>path.join()</code> for <b>that</b>.</p>", "{text} Use path.join() for that."),
    ("<div><div>{text}</div></div>", "{text}"),
    # left-out inline elements inside a paragraph: the sentence goes on, its links stay
    ("<p>{text} Press <button>Save</button> <svg><title>icon</title></svg><a href=\"k.html\">to keep it</a>.</p>",
     "{text} Press to keep it."),
    ("<p>{text}<br><a href=\"m.html\">The migration guide</a><br><a href=\"u.html\">Upgrade notes</a></p>",
     "{text} The migration guide Upgrade notes"),
]
JUNK = [
    "<nav><ul><li><a href=\"a.html\">Home page of the project</a></li><li>About us here</li></ul></nav>",
    "<div class=\"sphinxsidebar\" role=\"navigation\"><div><h3>Quick search</h3><div><p>Search the site now.</p>"
    "</div></div></div>",
    "<div class=\"toctree-wrapper\"><ul><li class=\"toctree-l1\"><a href=\"intro.html\">Introduction to it</a>"
    "<ul><li><a href=\"intro.html#a\"><code>path.basename(path)</code></a></li></ul></li></ul></div>",
    "<pre><code class=\"language-js\">path.<span>basename</span>('C:\\\\temp'); // Returns: 'temp'. Done.</code></pre>",
    "<button class=\"copy-button\">copy this code</button>",
    "<a href=\"#apicontent\" class=\"skip-to-content\">Skip to content</a>",
    "<div role=\"search\"><form><input type=\"text\" name=\"q\"><p>Enter search terms here.</p></form></div>",
    "<select><option>v20.x latest</option><option>v18.x older</option></select>",
]

WORDS = ["river", "garden", "lantern", "copper", "meadow", "harbour", "violin", "orchard", "glacier", "thimble"]


@st.composite
def pages(draw):
    blocks = draw(st.lists(st.one_of(st.tuples(st.just("content"), st.integers(0, len(CONTENT) - 1)),
                                     st.tuples(st.just("junk"), st.integers(0, len(JUNK) - 1))),
                           min_size=1, max_size=12))
    lines = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">",
             "<script>var x = 'Not text at all.';</script></head>", "<body>"]
    expected = []
    for n, (kind, which) in enumerate(blocks):
        if kind == "junk":
            lines.append(JUNK[which])
            continue
        words = draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=5))
        text = f"Block {n} is about the " + " ".join(words) + "."
        html, seen = CONTENT[which]
        lines.append(html.format(text=text))
        expected.append((seen.format(text=text), len(lines)))
    lines += ["</body></html>", ""]
    return "\n".join(lines), expected


@settings(max_examples=150, deadline=None)
@given(pages())
def test_an_html_page_gives_its_content_blocks_and_nothing_else(page):
    html, expected = page
    sentences = sentences_of(extract(Path("page.html"), html.encode()))
    # A block may hold two sentences ("... meadow. See the other page too."): join them back.
    got: dict[int, list[str]] = {}
    for sentence in sentences:
        got.setdefault(sentence.line, []).append(sentence.text)
    assert [(" ".join(texts), line) for line, texts in got.items()] == expected


def test_an_element_left_unclosed_ends_with_the_page():
    html = "<html><body><p>Before the menu.</p><nav><ul><li>Menu item one</li>\n</body></html>"
    texts = [s.text for s in sentences_of(extract(Path("p.html"), html.encode()))]
    assert texts == ["Before the menu."]
    html = "<html><body><pre>code()\n<p>Never closed.</p></body></html><p>After the page.</p>"
    texts = [s.text for s in sentences_of(extract(Path("p.html"), html.encode()))]
    assert texts == ["After the page."]


def test_the_title_is_kept_and_the_rest_of_the_head_is_not():
    html = ("<html><head><title>Trip notes</title><meta name=\"x\" content=\"y\">"
            "<style>p {color: red}</style></head><body><p>We flew to Lisbon.</p></body></html>")
    texts = [s.text for s in sentences_of(extract(Path("p.html"), html.encode()))]
    assert texts == ["Trip notes", "We flew to Lisbon."]


def test_a_link_left_unclosed_does_not_take_the_rest_of_the_page_with_it():
    html = ("<html><body><ul><li><a href=\"a.html\">Contents entry</li>\n"
            "<li>A list item that is prose.</li></ul>\n<div>A division of prose text.</div></body></html>")
    texts = [s.text for s in sentences_of(extract(Path("p.html"), html.encode()))]
    assert texts == ["A list item that is prose.", "A division of prose text."]


@pytest.mark.parametrize("html, expected", [
    # an omitted </caption> (valid HTML) ends with its table: a later link list is still a menu
    ("<table><caption>Results of the run<tr><td>Ten runs passed.</td></tr></table>"
     "<ul><li><a href='i.html'>Installation guide</a></li></ul>", ["Results of the run", "Ten runs passed."]),
    # a paragraph left open ends with the block around it: a bare link after it is a footer's
    ("<div><p>Intro text.</div><a href='n.html'>Next page</a>", ["Intro text."]),
    # a block or a line break inside a button does not let its label out
    ("<p>Click <button><div>Icon</div>Save changes</button> now.</p>", ["Click now."]),
    ("<p>Click <button>Save<br/>it</button> now.</p>", ["Click now."]),
    # a button left unclosed ends with its paragraph
    ("<p>Press <button>Save</p><p>The next paragraph.</p>", ["Press", "The next paragraph."]),
])
def test_elements_left_unclosed_end_with_the_block_around_them(html, expected):
    texts = [s.text for s in sentences_of(extract(Path("p.html"), f"<html><body>{html}</body></html>".encode()))]
    assert texts == expected


# --- Reader cases left from session 42's trials (mkdocstrings' pages), fixed in session 43.

# mkdocstrings' rendering of a function's parameters (its "list" section style): each item's name and
# type, a dash, then the description in a <div> of its own.
MKDOCSTRINGS_PARAMETERS = """<main><h2>on_config</h2>
<p>Called when the config is loaded.</p>
<p><span class="doc-section-title">Parameters:</span></p>
<ul>
<li class="doc-section-item field-body">
<b><code>config</code></b>
(<code><a class="autorefs" href="#x">MkDocsConfig</a></code>)
–
<div class="doc-md-description">
<p>The MkDocs config object; it holds everything.</p>
</div>
</li>
<li class="doc-section-item field-body"><b><code>strict</code></b> (<code>bool</code>) –
<div class="doc-md-description"><p>Whether to fail on warnings.</p><p>A second paragraph.</p></div>
</li>
</ul>
<ul><li>A list item that ends in a dash –</li><li>and the next item, apart.</li></ul>
</main>"""


def test_a_list_items_label_ending_in_a_dash_goes_on_into_its_description():
    """"config (MkDocsConfig) –" was a sentence of its own, its description the next one, as
    Sphinx's field lists never were (there the description is in the label's paragraph)."""
    assert [text for _, text in read("api.html", MKDOCSTRINGS_PARAMETERS)] == [
        "on_config", "Called when the config is loaded.", "Parameters:",
        "config (MkDocsConfig) – The MkDocs config object; it holds everything.",
        "strict (bool) – Whether to fail on warnings.", "A second paragraph.",
        "A list item that ends in a dash –", "and the next item, apart."]


def test_a_dash_label_does_not_go_on_into_a_nested_list_or_a_table():
    """The review's cases: a label "Options –" whose item holds a nested list, or a table, took the
    list's first item ("Options – alpha") or the table's first row ("alpha — a; b") into it."""
    page = ("<main><ul><li>Options –<ul><li>alpha is the first.</li><li>beta is the second.</li></ul></li>"
            "<li>Sizes —<table><tr><td>a</td><td>b</td></tr></table></li></ul></main>")
    assert [text for _, text in read("api.html", page)] == [
        "Options –", "alpha is the first.", "beta is the second.", "Sizes —", "a; b"]
