"""User trial, session 40 (sqlite-utils 4.2.1's docs; a Sphinx ``_templates`` page)."""
from __future__ import annotations

import pytest

from simsearch.extract.template import without_template_syntax

from .textgen import read


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
