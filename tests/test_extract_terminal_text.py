"""Text saved from a terminal (colour escapes, man pages' overstrike) reads as the terminal showed
it (session 44)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import extract, sentences_of, terminal_text

# SGR colours, cursor moves, erase-line, an OSC 8 hyperlink's parts and a window title: what
# `ls --color`, `script`, progress bars and build tools write.
ESCAPES = ["\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[38;5;208m", "\x1b[K", "\x1b[2A", "\x1b[?25l",
           "\x1b]8;;https://example.org/a\x1b\\", "\x1b]8;;\x1b\\", "\x1b]0;build\x07", "\x1b(B", "\x1b=", "\x9b1m"]
CLEAN = st.text(st.characters(blacklist_categories=["Cc", "Cs"]) | st.sampled_from("\n\t\r\x0c"), max_size=60)


@settings(max_examples=300)
@given(text=CLEAN, cuts=st.lists(st.tuples(st.integers(0, 60), st.sampled_from(ESCAPES)), max_size=8))
def test_escape_sequences_anywhere_leave_the_text_the_terminal_shows(text, cuts):
    """Oracle: text without control characters, escapes inserted anywhere, read back as it was."""
    dirty = text
    for at, escape in sorted(((min(at, len(text)), escape) for at, escape in cuts), reverse=True):
        dirty = dirty[:at] + escape + dirty[at:]  # (from the end: each cut is a place in the clean text)
    assert terminal_text(dirty) == text
    assert terminal_text(text) == text


@settings(max_examples=200)
@given(word=st.text(st.characters(whitelist_categories=["Ll", "Lu", "Nd"]), min_size=1, max_size=12))
def test_overstruck_words_read_as_the_word(word):
    bold = "".join(f"{c}\b{c}" for c in word)
    underlined = "".join(f"_\b{c}" for c in word)
    assert terminal_text(f"{bold} and {underlined}.") == f"{word} and {word}."


def test_a_coloured_build_log_and_a_man_page_saved_as_text_are_searchable_words():
    data = ("The build failed with \x1b[1;31mError:\x1b[0m missing header \x1b[32mfoo.h\x1b[0m today.\n\n"
            "N\bNA\bAM\bME\bE\n       ls - list directory contents\n\n"
            "The option -\b--\b-a\bal\bll\bl shows _\bh_\bi_\bd_\bd_\be_\bn files.\n\nThe bell \x07 rang.\n")
    extracted = extract(Path("notes.txt"), data.encode())
    assert [(s.line, s.text) for s in sentences_of(extracted)] == [
        (1, "The build failed with Error: missing header foo.h today."), (3, "NAME"),
        (4, "ls - list directory contents"), (6, "The option --all shows hidden files."), (8, "The bell rang.")]


def test_a_line_end_of_an_old_mac_file_is_never_taken_into_an_escape():
    """A lone "\\r" ends a line to the readers: an unterminated OSC or a backspace after it kept it."""
    assert terminal_text("one\x1b]0;title\rtwo\r\bthree") == "one\rtwo\r three"
