"""Reader cases found by a user trial on Jinja's documentation (session 36): an inline literal
that quotes sentences ("Rendering ``child.tmpl`` will give ``body: Hi from child. Hi from
parent.``") was split inside the literal, leaving "Hi from parent." a sentence of its own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simsearch.extract import Extracted, _pdf_text, sentences_of
from simsearch.segment import GLUE

from .textgen import WORDS, paragraph, read, sentence


def rst(source: str) -> list[tuple[int, str]]:
    return read("doc.rst", source)


def test_sentences_quoted_in_an_inline_literal_stay_in_the_sentence_around_them():
    source = ("Rendering ``child.tmpl`` will give\n``body: Hi from child. Hi from parent.``\n\n"
              "This results in ``This is %(book_title)s. You should read it!`` in the\ntranslation file.\n")
    assert rst(source) == [
        (1, "Rendering child.tmpl will give body: Hi from child. Hi from parent."),
        (4, "This results in This is %(book_title)s. You should read it! in the translation file.")]


@pytest.mark.parametrize("source, expected", [
    ("Set it to ``foo.`` and go on.\n", [(1, "Set it to foo. and go on.")]),
    ("Set it to ``foo.``\nand go on. More\nhere.\n", [(1, "Set it to foo. and go on."), (2, "More here.")]),
    ("- Set it to ``foo.``\n  and go on.\n", [(1, "Set it to foo. and go on.")]),
    ("Set it to ``foo.`` Then go on.\n", [(1, "Set it to foo."), (1, "Then go on.")]),
])
def test_a_period_that_ends_a_literal_ends_no_sentence_before_a_lowercase_word(source, expected):
    assert rst(source) == expected


def test_a_literal_that_ends_a_sentence_still_ends_it():
    assert rst("Call ``env.get_template()``. Then render it with ``t.render(x=1).``\nNext one.\n") == [
        (1, "Call env.get_template()."), (1, "Then render it with t.render(x=1)."), (2, "Next one.")]


@given(st.lists(sentence, min_size=1, max_size=4), st.sampled_from(WORDS), st.sampled_from(WORDS))
def test_no_sentence_ends_inside_an_inline_literal(quoted, before, after):
    """Whatever sentences a literal quotes ("!", "?", closing brackets and quotes too, at its end
    as well), the sentence around it is one sentence, its words as written."""
    marks = [".", "!", "?", '."', ".)", "?'"]
    inside = " ".join(s[:-1] + marks[k % len(marks)] for k, s in enumerate(quoted))
    text = f"The {before} gives ``{inside}`` and {after} too."
    assert rst(text + "\n") == [(1, text.replace("``", ""))]


# The glue is written by the markup readers alone: the character in a file of any format is a space,
# as it always read, so every other reader's sentences are what they were.
@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.rst", "a.adoc", "a.html"])
@given(paragraph)
def test_the_glue_character_in_a_file_reads_as_a_space(name, sentences):
    spaced = " ".join(sentences)
    glued = GLUE.join(sentences)
    if name == "a.html":
        spaced, glued = f"<p>{spaced}</p>", f"<p>{glued}</p>"
    assert read(name, glued + "\n") == read(name, spaced + "\n")
    assert len(read(name, glued + "\n")) == len(sentences)


@given(paragraph)
def test_the_glue_character_in_a_pdf_reads_as_a_space(sentences):
    def pdf(page: str) -> list[str]:
        text, line_map = _pdf_text([page])
        return [s.text for s in sentences_of(Extracted(text, "pdf", None, line_map))]

    assert pdf(GLUE.join(sentences)) == pdf(" ".join(sentences)) == sentences
