"""A bracketed fragment after a sentence's end (Jinja's "Get an attribute of an object.  (See
:ref:`variables`)") is no sentence of its own: it stays with the sentence before it. A whole
sentence in brackets ("(This may not apply to all builders.)") is still one of its own."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.segment import split_sentences

from .textgen import WORDS, read, sentence


def texts(source: str) -> list[str]:
    return [s.text for s in split_sentences(source, blocks_marked=True)]


@pytest.mark.parametrize("source, expected", [
    ("Get an attribute of an object. (See Variables)",
     ["Get an attribute of an object. (See Variables)"]),
    ("Version of project. (see version). Release of project.",
     ["Version of project. (see version).", "Release of project."]),
    ("Sign up here! (by 22 March)", ["Sign up here! (by 22 March)"]),
    ("Check for an item. (foo.__getitem__('bar'))", ["Check for an item. (foo.__getitem__('bar'))"]),
    ("As shown before. [1]", ["As shown before. [1]"]),
    # words after the brackets: a label that opens the next sentence, as often as an aside that ends
    # the last one, so the sentence after a sentence's end is left as it is
    ("Send it. (After acceptance) Translate it.", ["Send it.", "(After acceptance) Translate it."]),
    ("It writes new files. (This may not apply to all builders.) Then it stops.",
     ["It writes new files.", "(This may not apply to all builders.)", "Then it stops."]),
    ("It is done. (It was hard. We slept.) Then more.",
     ["It is done.", "(It was hard.", "We slept.)", "Then more."]),
    ("(See Variables) stands first.", ["(See Variables) stands first."]),
])
def test_a_bracketed_fragment_stays_with_the_sentence_before_it(source, expected):
    assert texts(source) == expected


def test_the_fragment_keeps_the_line_of_the_sentence_it_joins():
    assert [(s.line, s.text) for s in split_sentences("A title line.\n(See Variables)\n\nNext.", blocks_marked=True)] == [
        (1, "A title line. (See Variables)"), (4, "Next.")]


def test_through_the_rst_reader():
    """Jinja's templates.rst: the reference's title comes from the file's own section; the term
    labels its definition (tests/test_definition_terms.py)."""
    source = (".. _variables:\n\nVariables\n---------\n\nText.\n\n"
              "``.`` / ``[]``\n    Get an attribute of an object.  (See :ref:`variables`)\n")
    assert read("doc.rst", source)[-1] == (8, ". / []: Get an attribute of an object. (See Variables)")


fragment = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
bracket = st.sampled_from(["()", "[]"])
end = st.sampled_from(["", ".", "!", "?"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(sentence, st.none() | st.tuples(bracket, fragment, end, st.booleans())), min_size=1, max_size=5))
def test_no_sentence_after_the_first_is_only_a_bracketed_fragment(units):
    """Sentences, each perhaps followed by a bracketed fragment (``(see x)``, ``[2]``, ``(by 22
    March).``) or by a whole sentence in brackets (``(It was hard.)``): the sentences come back as
    written, each with the fragment after it, and a bracketed sentence alone."""
    pieces, expected = [], []
    for k, (text, extra) in enumerate(units):
        pieces.append(text)
        expected.append(text)
        if extra is None:
            continue
        (opening, closing), words, mark, whole = extra
        if whole:  # a sentence in brackets: its end inside them
            piece = opening + words.capitalize() + "." + closing
            expected.append(piece)
        else:
            # (a fragment that ends no sentence is followed by none: see the case of a label above)
            piece = opening + words + closing + (mark or ("" if k == len(units) - 1 else "."))
            expected[-1] += " " + piece
        pieces.append(piece)
    assert texts(" ".join(pieces)) == expected
