"""Jinja and Django templates saved as ``.html``: their text without template syntax.

Found by a user trial on Werkzeug 3.0.6 (session 40), with Flask 3.0.3's and Jinja 3.1.4's sdists:
templates gave sentences of template syntax ("{% extends 'layout.html' %} {% block body %}", "The
URL {{ url.target|urlize(40, true) }} was shortened to ..."). The strings to translate: a user
trial in session 40 (sqlite-utils 4.2.1's docs; a Sphinx ``_templates`` page)."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract.template import is_template, without_template_syntax

from .textgen import paragraph, read


@pytest.mark.parametrize("expression, text", [
    ("""{{ _('Enter your search words and click "search".') }}""", 'Enter your search words and click "search".'),
    ("""{{ _("Don't show this again") }}""", "Don't show this again"),
    ("""{{ gettext("It's 'quoted'") }}""", "It's 'quoted'"),
    ("""{{ _('Can\\'t find it') }}""", "Can't find it"),
    ("""{{ _('Search') }}""", "Search"),
])
def test_a_string_to_translate_keeps_a_quote_of_the_other_kind(expression, text):
    # As {% trans "Don't" %} does: a translated string is its text, whichever quotes it holds.
    assert without_template_syntax(f"<p>{expression}</p>") == f"<p>{text}</p>"


def test_a_sphinx_template_page_keeps_its_translated_sentence():
    # The sentence was "…" (left out): the string held a quote of the other kind.
    source = ('{%- extends "basic/layout.html" -%}\n{%- block body %}\n'
              "<h1>{{ _('Search') }}</h1>\n"
              """<p>{{ _('From here you can search these documents. Enter your search words into the box """
              """below and click "search".') }}</p>\n{%- endblock %}\n""")
    assert read("_templates/search.html", source) == [
        (3, "Search"), (4, "From here you can search these documents."),
        (4, 'Enter your search words into the box below and click "search".')]


# --- Found by a user trial on Werkzeug 3.0.6 (session 40), with Flask 3.0.3's and Jinja 3.1.4's sdists.

# Werkzeug 3.0.6, examples/couchy/templates/display.html, whole
COUCHY_DISPLAY = """{% extends 'layout.html' %}
{% block body %}
  <h2>Shortened URL</h2>
  <p>
    The URL {{ url.target|urlize(40, true) }}
    was shortened to {{ url.short_url|urlize }}.
  </p>
{% endblock %}
"""


@pytest.mark.parametrize("name, source, expected", [
    ("templates/display.html", COUCHY_DISPLAY, [(3, "Shortened URL"), (5, "The URL … was shortened to ….")]),
    # Werkzeug 3.0.6, examples/i18nurls/templates/blog.html line 3: both branches are the page's text
    ("blog.html", "{% extends 'layout.html' %}\n<p>Blog {% if mode == 'index' %}Index{% else %}Post {{ post_id }}{% endif %}</p>\n",
     [(2, "Blog Index Post …")]),
    # a tag inside a word's sentence leaves nothing; a comment over lines keeps the lines after it
    ("a.html", "{# the greeting\n   shown to every user #}\n<p>Hello{% if name %}, {{ name }}{% endif %}! Welcome.</p>\n",
     [(3, "Hello, …!"), (3, "Welcome.")]),
    # Django: {% load %}, {% comment %} ... {% endcomment %}, a string to translate is text
    ("a.html", "{% load i18n %}\n{% comment %}Not shown.{% endcomment %}\n<p>{% translate \"Your account is ready.\" %}</p>\n",
     [(3, "Your account is ready.")]),
    # {% raw %}: its body is output as written
    ("a.html", "{% block body %}<p>Write {% raw %}{{ name }}{% endraw %} to print a name.</p>{% endblock %}\n",
     [(1, "Write {{ name }} to print a name.")]),
    # one expression in a templates folder (Flask's tests/templates/simple_template.html) is a value
    ("tests/templates/simple_template.html", "{{ whiskey }}\n", []),
], ids=["werkzeug couchy display.html", "branches", "comment", "django", "raw", "templates folder"])
def test_a_template_gives_its_text_without_template_syntax(name, source, expected):
    """Werkzeug's examples and Flask's gave "{% extends 'base.html' %} {% block header %}" and "{{
    post['title'] }}" as sentences. A template's tags and comments render as nothing; an expression
    is a value the file does not hold, read as "…"."""
    assert read(name, source) == expected


# A Sphinx page documenting Jinja: its template syntax is all in code, and stays as written.
DOC_PAGE = """<html><body><div class="body">
<p>A child template starts with <code class="docutils literal"><span class="pre">{% extends "base.html" %}</span></code>.</p>
<div class="highlight"><pre>{% block title %}Index{% endblock %}
{{ super() }}
</pre></div>
<p>Print a variable with <code>{{ user.name }}</code>. Comments are written <code>{# like this #}</code>.</p>
</div></body></html>
"""


def test_a_page_that_documents_templates_keeps_its_code_as_written():
    assert not is_template(DOC_PAGE, Path("templates/doc.html"))
    assert read("templates/doc.html", DOC_PAGE) == [
        (2, 'A child template starts with {% extends "base.html" %}.'),
        (6, "Print a variable with {{ user.name }}."), (6, "Comments are written {# like this #}.")]


_TEMPLATE_SYNTAX = re.compile(r"\{[%{#]|[%}#]\}")
tag = st.sampled_from(["{% if user %}", "{% endif %}", "{%- for x in xs -%}", "{% endfor %}", "{% set a = 'b' %}",
                       "{# a note\nover lines #}", "{% block body %}", "{% endblock %}"])
expression = st.sampled_from(["{{ user.name|e }}", "{{ url_for('index') }}", "{{\n  total }}"])


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(paragraph, min_size=1, max_size=4), data=st.data())
def test_a_templates_text_is_its_prose_with_no_template_syntax(paragraphs, data):
    """Tags and comments put anywhere between the words of a template's paragraphs and between its
    elements, expressions between the words of a sentence: no sentence holds template syntax,
    each is the sentence written with "…" for its expressions, on the line its first word is on."""
    out, expected = ["{% extends 'layout.html' %}\n"], []
    for sentences in paragraphs:
        out.append("<p>")
        for sentence in sentences:
            words = sentence.split()
            for k, word in enumerate(words):
                if k == 0:
                    expected.append(("".join(out).count("\n") + 1, sentence))
                out.append(word)
                between = [st.just(" "), st.just("\n"), tag.map(lambda t: f" {t} ")]
                if k < len(words) - 1:
                    between.append(expression.map(lambda e: f" {e} "))
                out.append(data.draw(st.one_of(between)))
        out.append("</p>\n" + data.draw(st.one_of(st.just(""), tag)) + "\n")
    got = read("page.html", "".join(out))
    assert not any(_TEMPLATE_SYNTAX.search(text) for _, text in got)
    assert [(line, " ".join(text.replace("…", " ").split())) for line, text in got] == expected


@settings(max_examples=100, deadline=None)
@given(paragraphs=st.lists(paragraph, min_size=1, max_size=3), code=st.lists(st.one_of(tag, expression), min_size=1, max_size=4),
       inline=st.booleans())
def test_template_syntax_in_a_pages_code_is_the_pages_text(paragraphs, code, inline):
    """A page whose template syntax is all in ``<pre>`` or ``<code>`` is no template, however much
    of it there is (and in a ``templates`` folder): its code reads as it reads in any page."""
    plain = "".join(f"<p>{' '.join(sentences)}</p>\n" for sentences in paragraphs)
    prose = [(1 + k, s) for k, sentences in enumerate(paragraphs) for s in sentences]
    if inline:
        page = plain + f"<p>Write <code>{' '.join(code)}</code> in a template.</p>\n"
        prose.append((len(paragraphs) + 1, f"Write {' '.join(' '.join(code).split())} in a template."))
    else:
        page = plain + f"<pre class=\"highlight\">{chr(10).join(code)}</pre>\n"
    assert not is_template(page, Path("templates/x.html"))
    assert read("templates/x.html", page) == prose


@pytest.mark.parametrize("opener", ["{#", "{{", "{%", "<tt>", "<code>", "<!--", "{% raw %}", "{% comment %}"])
def test_template_syntax_left_open_is_read_in_time_linear_in_the_page(opener):
    """A construct runs to the first end of its kind after it; one with none is no construct. Read
    as ``open.*?end`` over and over, a page of 40,000 openers left open took minutes (20,000: 8 to
    22 s); it takes well under a second."""
    page = "{% extends 'base.html' %}<p>{{ a }} {{ b }}" + f"{opener} word " * 40_000 + "</p>"
    started = time.perf_counter()
    read("templates/page.html", page)
    assert time.perf_counter() - started < 5
