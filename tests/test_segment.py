"""Sentence segmentation: the cases where splitting on '. ' goes wrong."""

from __future__ import annotations

from simsearch.segment import split_sentences


def texts(source: str, **kwargs) -> list[str]:
    return [s.text for s in split_sentences(source, **kwargs)]


def test_abbreviations_and_initials_do_not_end_sentences():
    source = "Dr. Smith met Mr. J. R. R. Tolkien in the U.S. on Monday. See Fig. 2 for details, e.g. the table."
    assert texts(source) == ["Dr. Smith met Mr. J. R. R. Tolkien in the U.S. on Monday.",
                             "See Fig. 2 for details, e.g. the table."]


def test_decimals_ellipses_quotes_and_questions():
    source = 'Prices rose 3.14 percent to 2.5 million... Then they fell! "Why?" she asked. It was 9.30 a.m. Nobody knew.'
    # "a.m. Nobody" ends a sentence: a capitalised pronoun after an abbreviation starts the next one
    # (the old segmenter kept "It was 9.30 a.m. Nobody knew." whole).
    assert texts(source) == ["Prices rose 3.14 percent to 2.5 million...", "Then they fell!", '"Why?" she asked.',
                             "It was 9.30 a.m.", "Nobody knew."]


def test_list_items_and_headings_are_their_own_blocks():
    """Enumerators stay, as in the golden rules ("1. The first item"); extract drops them from lists."""
    source = "# Setup\n\n1. Install the package.\n2. Run it. It is fast.\n- a bullet without a period\n* another\n"
    assert texts(source) == ["Setup", "1. Install the package.", "2. Run it.", "It is fast.",
                             "a bullet without a period", "another"]


def test_wrapped_paragraph_lines_are_joined_with_offsets_and_lines():
    source = "First line of a\nwrapped sentence. Second\nsentence here.\n\nNew paragraph."
    sentences = split_sentences(source)
    assert [s.text for s in sentences] == ["First line of a wrapped sentence.", "Second sentence here.", "New paragraph."]
    assert [s.line for s in sentences] == [1, 2, 5]
    assert all(source[s.start:s.end].split() == s.text.split() for s in sentences)


def test_lines_as_blocks_for_one_sentence_per_line_files():
    source = "A title without a period\nA sentence. And another one.\n"
    assert texts(source) == ["A title without a period A sentence.", "And another one."]
    assert texts(source, lines_are_blocks=True) == ["A title without a period", "A sentence.", "And another one."]


def test_punctuation_only_and_empty_input():
    assert texts("") == [] and texts("...\n\n---\n") == []


def test_long_paragraph_is_linear():
    """A single 600 kB paragraph must segment quickly (the lookbehind is bounded)."""
    source = "Sentence number one is here. " * 20_000
    assert len(split_sentences(source)) == 20_000
