"""A sentence that opens with a symbol ("``/`` for the root", ".flaskenv should be", "--app hello")
is a sentence; after an abbreviation, a dash, an arrow or an ellipsis a symbol opens none.

Found by a user trial on Werkzeug 3.0.6 (session 40), with Flask 3.0.3's and Jinja 3.1.4's sdists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.segment import ABBREVIATIONS, CAPITALISED_ONLY, NEVER_FINAL, split_sentences

from .textgen import WORDS, read


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize("name, source, expected", [
    # Werkzeug 3.0.6, docs/tutorial.rst line 249
    ("tutorial.rst", "Here we create a URL map with three rules.  ``/`` for the root of the URL\n"
                     "space where we will just dispatch to a function.\n",
     [(1, "Here we create a URL map with three rules."), (1, "/ for the root of the URL space where we will just dispatch to a function.")]),
    # Flask 3.0.3, docs/cli.rst lines 168-169 and 546-547
    ("cli.rst", "Variables are used over those set in :file:`.flaskenv`. :file:`.flaskenv` should be\nused for public variables.\n",
     [(1, "Variables are used over those set in .flaskenv."), (1, ".flaskenv should be used for public variables.")]),
    ("cli.rst", "This will run the development server in\ndebug mode. ``--app hello`` should be the import.\n",
     [(1, "This will run the development server in debug mode."), (2, "--app hello should be the import.")]),
    # Flask 3.0.3, docs/quickstart.rst; Django's intro/tutorial02.rst
    ("q.rst", "The first argument is the name of the module. ``__name__`` is a shortcut.\n",
     [(1, "The first argument is the name of the module."), (1, "__name__ is a shortcut.")]),
    ("t.rst", "Wait a minute. ``<Question: Question object (1)>`` isn't a helpful representation.\n",
     [(1, "Wait a minute."), (1, "<Question: Question object (1)> isn't a helpful representation.")]),
    # plain text and Markdown: code in backquotes, a variable, a decorator
    ("a.txt", "See the note. `len` returns the length. $HOME is unset. @app.route registers it.\n",
     [(1, "See the note."), (1, "`len` returns the length."), (1, "$HOME is unset."), (1, "@app.route registers it.")]),
    ("a.md", "Pass them all. `*args` holds the rest.\n", [(1, "Pass them all."), (1, "*args holds the rest.")]),
], ids=["werkzeug tutorial.rst 249", "flask cli.rst 168", "flask cli.rst 546", "__name__", "<tag>", "plain text", "markdown"])
def test_a_sentence_that_opens_with_a_symbol_is_a_sentence(name, source, expected):
    """"Here we create a URL map with three rules. ``/`` for the root ..." was one sentence: after a
    full stop, only a capital, a digit, a letter or an opening quote or bracket began one."""
    assert read(name, source) == expected


@pytest.mark.parametrize("text", [
    "Use extensions (e.g. .rst) here.", "Fix the router so that i.e. /2df does not match.",
    "Give a field (e.g. <input type=\"text\">, <select>) to render.", "Queries -- in filter, etc. -- are joined.",
    "Ignore invalid authorization parameters. #2955", "Who has PHP installed, right? :)",
    "It is done. -> next", "He left. ... and came back.", "Run git add . /tmp is next.",
    "Use Fig. %s for figures.", "Read it in vol. `2` of the set.", "Upgrade to version 1.2.3 of the tool.",
    "Sounds fine. -- the team", "Call it as cf. `len`.",
], ids=lambda text: text[:30])
def test_what_opens_no_sentence_is_not_split(text):
    """After an abbreviation, before an issue's number, a dash, an arrow, an ellipsis, an
    emoticon, or after a dot standing alone, a symbol opens no sentence."""
    assert sentences(text) == [text]


words = st.lists(st.sampled_from(WORDS), min_size=2, max_size=6)
symbol_word = st.tuples(st.sampled_from(["`", "/", "~/", ".", "./", "$", "@", "<", "*", "**", "__", ":", "%", "--", "-"]),
                        st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True),
                        st.sampled_from(["", "`", ">", ".py", "()", ":", "%", "__", "/"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(first=words, opener=symbol_word, rest=words, end=st.sampled_from([".", "!", "?", '."', ".)"]))
def test_a_symbol_word_after_a_sentences_end_opens_the_next(first, opener, rest, end):
    """Any sentence's end (a word then ".", "!", "?", with a closing quote or bracket) followed by
    a word written with a symbol before it ("--app", ".env", "`len`", "__init__.py") ends there."""
    one = " ".join(first).capitalize() + end
    one = {'"': '"', ")": "("}.get(end[-1], "") + one  # '"Time river."', "(Time river.)"
    two = opener + " " + " ".join(rest) + "."
    assert sentences(one + " " + two) == [one, two]


@settings(max_examples=300, deadline=None)
@given(first=words, abbreviation=st.sampled_from(sorted((ABBREVIATIONS | NEVER_FINAL) - CAPITALISED_ONLY)),
       opener=symbol_word, rest=words)
def test_a_symbol_word_after_an_abbreviation_goes_on(first, abbreviation, opener, rest):
    """"e.g. `x`", "i.e. /2df", "etc. --app", "vs. $HOME", "No. *args": an abbreviation before a
    symbol ends no sentence, as before no lowercase word. (Not "sun.", "sat.": everyday words
    in lowercase, ``CAPITALISED_ONLY``.)"""
    text = " ".join(first).capitalize() + f" {abbreviation}. {opener} " + " ".join(rest) + "."
    assert sentences(text) == [text]
