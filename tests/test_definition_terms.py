"""A definition list's term (Jinja's operators: a term ``and``, its definition "Return true if the
left and the right operand are true.") is no sentence of its own: a bare "and" says nothing. It
labels the text its definition begins with, as a field's name does ("and: Return true if ..."), on
the term's line; a term that is a sentence ("What is it?") stays one. In reStructuredText,
Markdown's definition lists, HTML's ``<dt>``/``<dd>`` and AsciiDoc's ``term::``."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, paragraph, read, wrap

JINJA = ("Logic\n~~~~~\n\n``and``\n    Return true if the left and the right operand are true.\n\n"
         "``or``\n    Return true if the left or the right operand are true.\n\n"
         "``not``\n    negate a statement (see below).\n")


def test_jinja_s_operators():
    assert read("templates.rst", JINJA) == [
        (1, "Logic"), (4, "and: Return true if the left and the right operand are true."),
        (7, "or: Return true if the left or the right operand are true."), (10, "not: negate a statement (see below).")]


@pytest.mark.parametrize("name, source, expected", [
    # rst: the definition's later sentences and paragraphs are as they were
    ("a.rst", "``in``\n    Perform a test.  Returns true if it is in.\n\n    More.\n",
     [(1, "in: Perform a test."), (2, "Returns true if it is in."), (4, "More.")]),
    ("a.rst", "What is it?\n    A thing.\n", [(1, "What is it?"), (2, "A thing.")]),
    ("a.rst", "Options:\n    The list.\n", [(1, "Options: The list.")]),
    ("a.rst", "term\n    - one\n    - two\n", [(1, "term: one"), (3, "two")]),
    ("a.rst", "term\n    .. code-block:: python\n\n        x = 1\n\n    It sets x.\n", [(1, "term"), (6, "It sets x.")]),
    ("a.rst", "first\n   one.\nsecond\n   two.\n", [(1, "first: one."), (3, "second: two.")]),
    ("a.rst", ".. glossary::\n\n   environment\n      A structure.\n", [(3, "environment: A structure.")]),
    # a paragraph of two lines before an indented one is no term (a quote after it)
    ("a.rst", "A paragraph\nof two lines\n    quoted\n", [(1, "A paragraph of two lines"), (3, "quoted")]),
    # Markdown (Python-Markdown, PHP Markdown Extra, MyST, Pandoc)
    ("a.md", "and\n:   Return true if both are.\n\nor\n\n:   Return true if one is.\n: A second definition.\n",
     [(1, "and: Return true if both are."), (4, "or: Return true if one is."), (7, "A second definition.")]),
    ("a.md", "```{glossary}\nenvironment\n  A structure.\n```\n", [(2, "environment: A structure.")]),
    # HTML
    ("a.html", "<dl><dt>and</dt><dd>Return true if both are.</dd>\n<dt>or</dt>\n<dd><p>Return true if one is.</p></dd></dl>",
     [(1, "and: Return true if both are."), (2, "or: Return true if one is.")]),
    ("a.html", '<dl class="simple">\n<dt><code class="docutils literal"><span class="pre">and</span></code></dt>\n'
               "<dd><p>Return true.</p>\n</dd></dl>", [(2, "and: Return true.")]),
    ("a.html", "<dl><dt>Why?</dt><dd>Because.</dd></dl>", [(1, "Why?"), (1, "Because.")]),
    ("a.html", "<dl><dt>term</dt><dd><pre><code>x = 1</code></pre><p>It sets x.</p></dd></dl>",
     [(1, "term"), (1, "It sets x.")]),
    # a Sphinx object's signature is no term: it stays as it was
    ("a.html", '<dl class="py function"><dt class="sig sig-object py"><span>get(name)</span></dt>\n'
               "<dd><p>Load it.</p></dd></dl>", [(1, "get(name)"), (2, "Load it.")]),
    ("a.html", '<dl class="method"><dt id="m.get"><code class="descname">get</code>(name)</dt>\n'
               "<dd><p>Load it.</p></dd></dl>", [(1, "get(name)"), (2, "Load it.")]),  # (Sphinx before 4)
    # AsciiDoc
    ("a.adoc", "= T\n\nand:: Return true if both are.\nor::\n  Return true if one is.\n-q::\n--quiet::\n  Be quiet.\n",
     [(1, "T"), (3, "and: Return true if both are."), (4, "or: Return true if one is."), (6, "-q, --quiet: Be quiet.")]),
])
def test_a_term_labels_the_text_its_definition_begins_with(name, source, expected):
    assert read(name, source) == expected


def _rst(term: str, body: list[list[str]]) -> str:
    lines = [term]
    for k, sentences in enumerate(body):
        lines += ([""] if k else []) + wrap(" ".join(sentences), 60, "    ")
    return "\n".join(lines)


def _md(term: str, body: list[list[str]]) -> str:
    lines = [term]
    for k, sentences in enumerate(body):
        lines += ([""] if k else []) + wrap(" ".join(sentences), 60, "    ", ":   " if k == 0 else "    ")
    return "\n".join(lines)


def _html(term: str, body: list[list[str]]) -> str:
    return f"<dt>{term}</dt>\n<dd>" + "\n".join("<p>" + "\n".join(wrap(" ".join(s), 60, "")) + "</p>" for s in body) + "</dd>"


def _adoc(term: str, body: list[list[str]]) -> str:
    lines = [term + "::"]
    for k, sentences in enumerate(body):
        lines += ["+", *wrap(" ".join(sentences), 60, "")] if k else wrap(" ".join(sentences), 60, "  ")  # (an indented block after "+" is literal)
    return "\n".join(lines)


FORMATS = {"a.rst": (_rst, "\n\n", "", ""), "a.md": (_md, "\n\n", "", ""), "a.html": (_html, "\n", "<dl>", "</dl>"),
           "a.adoc": (_adoc, "\n\n", "= T\n\n", "")}


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=60, deadline=None)
@given(items=st.lists(st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
                                st.lists(paragraph, min_size=1, max_size=2)), min_size=1, max_size=4))
def test_no_sentence_is_a_term_alone(name, items):
    """Whatever the terms and their definitions, each term begins its definition's first sentence
    ("term: First sentence."), on the term's line, and every other sentence is as written."""
    item_of, between, head, tail = FORMATS[name]
    terms = ["-".join(words) for words, _ in items]
    source = head + between.join(item_of(term, body) for term, (_, body) in zip(terms, items)) + tail + "\n"
    sentences = read(name, source)
    if name == "a.adoc":
        assert sentences[0] == (1, "T")
        sentences = sentences[1:]
    wanted = []
    for term, (_, body) in zip(terms, items):
        flat = [s for para in body for s in para]
        wanted += [f"{term}: {flat[0]}", *flat[1:]]
    assert [text for _, text in sentences] == wanted, source
    source_lines = source.split("\n")
    for line, text in sentences:
        first = text.split()[0]
        assert re.sub(r"[.:!?]$", "", first).split("-")[0] in source_lines[line - 1], (source, sentences)
