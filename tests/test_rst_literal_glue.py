"""Review of session 36's glue (``segment.GLUE``): whatever inline literals an rst paragraph
holds, however it is wrapped, no stored sentence holds the glue, every word is kept in order,
and each sentence's line is the line its first word is on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import Extracted, _pdf_text, sentences_of
from simsearch.segment import GLUE

from .textgen import WORDS, paragraph, read, sentence


@st.composite
def rst_paragraph(draw):
    count = draw(st.integers(3, 30))
    words = [f"w{i}" for i in range(count)]
    marks = draw(st.lists(st.sampled_from(["", "", "", ".", "!", "?", ".)", '."']), min_size=count, max_size=count))
    upper = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    tokens = [(w.upper() if up else w) + m for w, m, up in zip(words, marks, upper)]
    # inline literals over runs of tokens (never nested, never empty)
    literal = [False] * count
    for _ in range(draw(st.integers(0, 4))):
        a = draw(st.integers(0, count - 1))
        b = draw(st.integers(a, min(count - 1, a + 5)))
        if not any(literal[max(0, a - 1):b + 2]):
            for k in range(a, b + 1):
                literal[k] = True
    breaks = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    out = []
    for k, token in enumerate(tokens):
        opens = literal[k] and (k == 0 or not literal[k - 1])
        closes = literal[k] and (k == count - 1 or not literal[k + 1])
        out.append(("``" if opens else "") + token + ("``" if closes else ""))
        if k < count - 1:
            out.append("\n" if breaks[k] else " ")
    text = "".join(out)
    if draw(st.booleans()):  # a list item: its continuation lines indented under its text
        text = "- " + text.replace("\n", "\n  ")
    return text + "\n"


@settings(max_examples=300, deadline=None)
@given(rst_paragraph())
def test_no_glue_is_stored_and_each_sentence_is_on_the_line_it_starts(source):
    lines = source.split("\n")
    line_of = {word.lower(): n for n, line in enumerate(lines, 1) for word in re.findall(r"w\d+", line, re.I)}
    sentences = read("doc.rst", source)
    assert not any("\x1f" in text for _, text in sentences), sentences
    words = [w.lower() for _, text in sentences for w in re.findall(r"w\d+", text, re.I)]
    assert words == [w.lower() for w in re.findall(r"w\d+", source, re.I)], sentences
    for line, text in sentences:
        first = re.search(r"w\d+", text, re.I).group().lower()
        assert line == line_of[first], (source, sentences)


# Sphinx's code-like roles show their text as a literal does (in <code> or <kbd>): one piece of the
# sentence around them, never split inside, nor at a period that ends them before a lowercase word.
@pytest.mark.parametrize("source, expected", [
    ("Use :code:`e.g. x` to go. Also :samp:`foo. Bar` here.\n", ["Use e.g. x to go.", "Also foo. Bar here."]),
    ("Run :command:`make. Then` now.\n", ["Run make. Then now."]),
    ("Open :file:`notes. Old/a.txt` first.\n", ["Open notes. Old/a.txt first."]),
    ("Press :kbd:`Ctrl. C` to stop.\n", ["Press Ctrl. C to stop."]),
    ("The :option:`-x. Y` flag and :envvar:`AB. CD` var.\n", ["The -x. Y flag and AB. CD var."]),
    ("See :std:option:`--no. Way` now.\n", ["See --no. Way now."]),  # (a domain's name before the role)
    ("Set :code:`foo.` and go on. Then :code:`bar.` Next one.\n", ["Set foo. and go on.", "Then bar.", "Next one."]),
    ("Wrapped :samp:`one. Two\nthree. Four` here.\n", ["Wrapped one. Two three. Four here."]),
    # other roles are text, as before
    ("Read :doc:`intro`. Then go.\n", ["Read intro.", "Then go."]),
])
def test_a_code_like_role_is_glued_as_a_literal_is(source, expected):
    assert [text for _, text in read("doc.rst", source)] == expected


# --- Found by a user trial on Jinja's documentation (session 36): an inline literal that quotes
# sentences ("Rendering ``child.tmpl`` will give ``body: Hi from child. Hi from parent.``") was split
# inside the literal, leaving "Hi from parent." a sentence of its own.

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
