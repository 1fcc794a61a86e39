"""Inline code that quotes sentences or abbreviations ("`foo. Bar`", "<code>e.g. x</code>") is one
piece of text in the sentence around it, in Markdown, AsciiDoc and HTML as in reStructuredText
(tests/test_rst_literal_glue.py, session 36's ``segment.GLUE``): no sentence ends inside it, no
stored sentence holds the glue, and each sentence is on the line its first word is on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import read


def _sphinx_code(text: str) -> str:
    """A literal as Sphinx writes it in HTML: one span per word, the spaces between them outside."""
    spans = re.sub(r"(\S+)", r'<span class="pre">\1</span>', text)
    return f'<code class="docutils literal notranslate">{spans}</code>'


# name, suffix, how a literal is written, whether it may span lines, how the file is wrapped around a paragraph
FORMATS = {
    "markdown": ("a.md", lambda text: f"`{text}`", True, lambda text: text),
    "markdown double": ("a.md", lambda text: f"`` {text} ``", True, lambda text: text),
    "asciidoc": ("a.adoc", lambda text: f"`{text}`", True, lambda text: text),
    "asciidoc unconstrained": ("a.adoc", lambda text: f"``{text}``", True, lambda text: text),
    "asciidoc passthrough": ("a.adoc", lambda text: f"+{text}+", False, lambda text: text),
    "html": ("a.html", lambda text: f"<code>{text}</code>", True, lambda text: f"<p>{text}</p>"),
    "html sphinx": ("a.html", _sphinx_code, True, lambda text: f"<p>{text}</p>"),
    "html kbd": ("a.html", lambda text: f"<kbd>{text}</kbd>", True, lambda text: f"<p>{text}</p>"),
}


@st.composite
def paragraph(draw, literal_of, literal_spans_lines):
    """(source text, the literals' words): words w0, w1, ... with sentence ends after some, runs
    of them in inline literals, the paragraph hard-wrapped anywhere (inside literals too, where
    the markup allows it)."""
    count = draw(st.integers(3, 24))
    marks = draw(st.lists(st.sampled_from(["", "", "", ".", "!", "?", ".)", '."', ", e.g."]), min_size=count, max_size=count))
    upper = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    tokens = [(f"W{k}" if up else f"w{k}") + mark for k, (mark, up) in enumerate(zip(marks, upper))]
    literal = [False] * count
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.integers(0, count - 1))
        b = draw(st.integers(a, min(count - 1, a + 5)))
        if not any(literal[max(0, a - 1):b + 2]):
            literal[a:b + 1] = [True] * (b + 1 - a)
    breaks = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    out, literals, k = [], [], 0
    while k < count:
        if literal[k]:
            end = k
            while end + 1 < count and literal[end + 1]:
                end += 1
            words = " ".join(tokens[k:end + 1])
            if literal_spans_lines:
                words = "".join(token + ("\n" if breaks[j] and j < end else " " if j < end else "")
                                for j, token in enumerate(tokens[k:end + 1], start=k))
            literals.append(re.findall(r"w\d+", words, re.I))
            out.append(literal_of(words))
            k = end + 1
        else:
            out.append(tokens[k])
            k += 1
        if k < count:
            out.append("\n" if breaks[k - 1] else " ")
    return "".join(out), literals


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_no_sentence_ends_inside_inline_code(name, data):
    suffix, literal_of, spans_lines, page = FORMATS[name]
    text, literals = data.draw(paragraph(literal_of, spans_lines))
    source = page(text) + "\n"
    sentences = read(suffix, source)
    assert not any("\x1f" in sentence for _, sentence in sentences), sentences
    words_in = [re.findall(r"w\d+", sentence, re.I) for _, sentence in sentences]
    assert [w for words in words_in for w in words] == re.findall(r"w\d+", text, re.I), (source, sentences)
    for words in literals:  # each literal's words are all in one sentence, next to each other
        assert any(" ".join(words) in " ".join(sentence_words) for sentence_words in words_in), (source, sentences)
    line_of = {word.lower(): n for n, line in enumerate(source.split("\n"), 1) for word in re.findall(r"w\d+", line, re.I)}
    for line, sentence in sentences:
        assert line == line_of[re.search(r"w\d+", sentence, re.I).group().lower()], (source, sentences)


@pytest.mark.parametrize("name, source, expected", [
    ("a.md", "Rendering gives `body: Hi from child. Hi from parent.` here.\n",
     ["Rendering gives body: Hi from child. Hi from parent. here."]),
    ("a.md", "Use a name, `e.g. x` for one. Then go.\n", ["Use a name, e.g. x for one.", "Then go."]),
    ("a.md", "Set it to `foo.` and go on. Then stop.\n", ["Set it to foo. and go on.", "Then stop."]),
    ("a.md", "Call `env.get_template()`. Then render it.\n", ["Call env.get_template().", "Then render it."]),
    ("a.md", "Set it to `foo.` Then go on.\n", ["Set it to foo.", "Then go on."]),
    ("a.adoc", "Rendering gives `Hi from child. Hi from parent.` here.\n",
     ["Rendering gives Hi from child. Hi from parent. here."]),
    ("a.adoc", "Set it to +foo.+ and go on.\n", ["Set it to foo. and go on."]),
    ("a.html", "<p>Rendering gives <code>Hi from child. Hi from parent.</code> here.</p>\n",
     ["Rendering gives Hi from child. Hi from parent. here."]),
    ("a.html", "<p>Set it to <code>foo.</code> and go on. Then stop.</p>\n", ["Set it to foo. and go on.", "Then stop."]),
    ("a.html", "<p>Set it to <code>foo.</code> <em>and</em> go on.</p>\n", ["Set it to foo. and go on."]),
    ("a.html", "<p>Set it to <code>foo.</code> Then go on.</p>\n", ["Set it to foo.", "Then go on."]),
])
def test_a_period_that_ends_inline_code_ends_no_sentence_before_a_lowercase_word(name, source, expected):
    assert [text for _, text in read(name, source)] == expected


def test_an_html_literal_left_unclosed_ends_with_its_block():
    source = "<p>Type <code>a. B</p><p>It is done. Then go.</p>\n"
    assert [text for _, text in read("a.html", source)] == ["Type a. B", "It is done.", "Then go."]


# --- Found by a user trial on httpx 0.27.2 (session 38): a Markdown code span lost the spaces at its
# edges, so the words on either side were glued: httpx's CHANGELOG "Drop `Response.stream` and`
# `Response.raw`" was stored as "andResponse.raw".

def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


@pytest.mark.parametrize("source, expected", [
    # httpx 0.27.2's CHANGELOG.md, lines 582 and 584
    ("* Drop `dispatch=...`` on client, which has been replaced by `transport=...``\n",
     [(1, "Drop dispatch=...`` on client, which has been replaced by transport=...``")]),
    ("* Drop `Response.stream` and` `Response.raw`, which have been replaced by ``.aiter_bytes` and `.aiter_raw`.\n",
     [(1, "Drop Response.stream and Response.raw, which have been replaced by ``.aiter_bytes and .aiter_raw.")]),
    # CommonMark: a span of spaces alone is a space; one space each side comes off only when both sides have one
    ("Split on` `spaces.\n", [(1, "Split on spaces.")]),
    ("Use `` `ticks` `` here and ` a ` there.\n", [(1, "Use `ticks` here and a there.")]),
    ("Type `ls `then Enter.\n", [(1, "Type ls then Enter.")]),
    ("Type` ls`.\n", [(1, "Type ls.")]),
], ids=["httpx 582", "httpx 584", "a space alone", "padded both sides", "a trailing space", "a leading space"])
def test_a_code_span_keeps_the_spaces_at_its_edges(source, expected):
    assert md(source) == expected


def test_a_code_span_ending_in_a_period_still_glues_before_a_lowercase_word():
    """The span's own edge spaces are CommonMark's to strip, not the sentence rule's: "`foo.`" before
    a lowercase word ends no sentence, with or without padding."""
    for source in ("Set it to ` foo. ` and go on.\n", "Set it to `foo. ` and go on.\n", "Set it to `foo. `and go on.\n"):
        assert md(source) == [(1, "Set it to foo. and go on.")], source
    assert md("Set it to `foo.` Then go on.\n") == [(1, "Set it to foo."), (1, "Then go on.")]
