"""Review 43: reader cases the session's own tests missed."""

from __future__ import annotations

from .textgen import read

PROSE = ("The rows below list the keys that move around the list of entries, and what each of\n"
         "them does when the list is longer than the screen, as the manual describes them at\n"
         "greater length in its chapter on the menus, with the functions they are bound to.\n\n")


def test_table_with_header_border_only_and_a_wrapped_cell_keeps_its_rows_apart():
    # rich's tables (a border under the header only) wrap a long cell onto a line whose first cell
    # is empty. That line goes on with its row; the rows stay apart. All the body's rows were one,
    # "j k; down up to the entry above", as if one cell held "j k".
    source = (PROSE +
              "┏━━━━━┳━━━━━━━━━━━━━━┓\n"
              "┃ key ┃ action       ┃\n"
              "┡━━━━━╇━━━━━━━━━━━━━━┩\n"
              "│ j   │ down         │\n"
              "│ k   │ up to the    │\n"
              "│     │ entry above  │\n"
              "│ q   │ quit         │\n"
              "└─────┴──────────────┘\n")
    assert read("keys.txt", source)[1:] == [
        (6, "key; action"), (8, "j; down"), (9, "k; up to the entry above"), (11, "q; quit")]


def test_paragraph_after_a_line_of_two_dashes_is_wrapped_prose_not_a_signature():
    # A signature opens with "-- " (RFC 3676's delimiter, its space kept). A line of two dashes
    # alone separates a note's entries; the paragraph under it was read as a signature, a
    # sentence per line cut mid-phrase: "The second entry comes right after a line of two dashes
    # and is wrapped".
    source = ("The first entry of these notes says what the server did over the weekend, and\n"
              "why the certificate had to be renewed before the move to the new machine could\n"
              "go ahead, which took the whole of Saturday and part of Sunday as well.\n"
              "--\n"
              "The second entry comes right after a line of two dashes and is wrapped over\n"
              "two lines as the rest of the prose in these notes is wrapped.\n")
    last = read("notes.txt", source)[-1]
    assert last[1].endswith("The second entry comes right after a line of two dashes and is wrapped over two "
                            "lines as the rest of the prose in these notes is wrapped.")


def test_markdown_field_line_ending_in_a_backslash_hard_break_loses_the_backslash():
    # "Author: Jane Doe\" ends its line with CommonMark's hard break; a field's line is a sentence of
    # its own, and the break's backslash was stored with it, "Author: Jane Doe\". An escaped one stays.
    source = "Title: Router notes\\\nAuthor: Jane Doe\\\nPath: C:\\\\\nDate: 2024-01-02\n"
    assert read("notes.md", source) == [(1, "Title: Router notes"), (2, "Author: Jane Doe"), (3, "Path: C:\\"),
                                        (4, "Date: 2024-01-02")]


def test_box_around_a_wrapped_paragraph_is_one_text_not_a_row_per_line():
    # A box drawn around a note (a one-column "table" with no border inside it) holds a paragraph
    # wrapped over its lines. Each line was a row, a sentence cut at each line end: "since it will
    # erase the disk it is given".
    source = (PROSE +
              "┌────────────────────────────────────────────┐\n"
              "│ WARNING: do not run this program as root,  │\n"
              "│ since it will erase the disk it is given   │\n"
              "│ without asking first.                      │\n"
              "└────────────────────────────────────────────┘\n\n"
              "+--------------------------------------------+\n"
              "| NOTE: the configuration file is read once, |\n"
              "| at start-up, and never again.              |\n"
              "+--------------------------------------------+\n")
    assert read("notes.txt", source)[1:] == [
        (6, "WARNING: do not run this program as root, since it will erase the disk it is given without "
            "asking first."),
        (12, "NOTE: the configuration file is read once, at start-up, and never again.")]


def test_underlined_version_titles_do_not_make_a_text_file_asciidoc():
    # screen's changelog: "3.2.2" underlined with "=====", a blank line, then its entries. The
    # evidence of AsciiDoc's "= Title" read the underline, the line break and the next line as one
    # title ("=====\n\n* screen.c ..."), twice, and the file was read as AsciiDoc, which left out
    # lines 116-210 (an indented list read as a literal block's).
    source = ("3.2.2\n=====\n\n* screen.c (main): -m option to make always a new session.\n\n"
              "3.2.0\n=====\n\n* Ultrix port of the whole program.\n\n"
              "  Changed Commands:\n  * 'digraph' can take a second parameter to specify custom digraphs.\n")
    line, text = read("changelog.txt", source)[-1]
    assert line == 12 and text.endswith("'digraph' can take a second parameter to specify custom digraphs.")


def test_table_row_led_by_a_greater_than_sign_keeps_it():
    # A grid table's row whose first cell begins with ">" (an operator, a prompt) lost it as a
    # quote's marker: "| >= | at least |" read "=; at least", "| > | greater than |" "; greater than".
    source = (PROSE +
              "+------+--------------+\n"
              "| op   | meaning      |\n"
              "+======+==============+\n"
              "| >    | greater than |\n"
              "| >=   | at least     |\n"
              "| - x  | minus x      |\n"
              "+------+--------------+\n")
    assert read("ops.txt", source)[1:] == [
        (6, "op; meaning"), (8, ">; greater than"), (9, ">=; at least"), (10, "- x; minus x")]


def test_column_table_row_led_by_a_marker_keeps_it():
    # A table of columns under a rule of dash groups: a first cell ">", "- x" or "# y" lost its
    # first character as a quote's, a list's or a heading's marker ("go to the mailbox", "x; drop x").
    source = (PROSE +
              "Key        Action\n"
              "---        ------\n"
              ">          go to the mailbox\n"
              "- x        drop x\n"
              "# y        hash y\n")
    assert read("keys.txt", source)[1:] == [
        (5, "Key; Action"), (7, ">; go to the mailbox"), (8, "- x; drop x"), (9, "# y; hash y")]



def test_column_table_lines_are_no_evidence_against_wrapped_prose():
    # A note of a wrapped paragraph and a table of options under a rule of dash groups: the table's
    # short rows were counted as lines that end unwrapped, so the file was read a sentence per line,
    # its paragraph cut at each line end ("The program reads its configuration from the file named
    # below, and each"), as a box-drawn table's lines no longer are.
    source = ("The program reads its configuration from the file named below, and each\n"
              "option in it overrides the default that the manual gives for it; options\n"
              "given on the command line override both.\n\n"
              "Option        Meaning\n"
              "------        -------\n"
              "-v            verbose\n"
              "-q            quiet\n"
              "-n            dry run\n"
              "-c FILE       config\n\n"
              "Report bugs to the address in the README file.\n")
    assert read("README.txt", source) == [
        (1, "The program reads its configuration from the file named below, and each option in it overrides "
            "the default that the manual gives for it; options given on the command line override both."),
        (5, "Option; Meaning"), (7, "-v; verbose"), (8, "-q; quiet"), (9, "-n; dry run"), (10, "-c FILE; config"),
        (12, "Report bugs to the address in the README file.")]


def test_mail_header_field_folded_over_two_lines_is_one_sentence():
    # RFC 5322 folds a long field onto lines that start with a space: "Subject: ... after the
    # certificate" / " was renewed on Friday" was two sentences, the subject cut mid-phrase.
    source = ("From: Jane Doe <jane@example.org>\n"
              "To: ops@example.org\n"
              "Subject: fetchmail stopped polling the IMAP server after the certificate\n"
              " was renewed on Friday\n"
              "Date: Mon, 04 Mar 2024 09:12:44 +0100\n\n"
              "Hello all, since Friday fetchmail has not fetched anything from the server at\n"
              "mail.example.org. The log says that the certificate could not be verified, and\n"
              "I do not know whether it is our side or theirs that changed the certificate.\n")
    assert read("mail.txt", source)[:4] == [
        (1, "From: Jane Doe <jane@example.org>"), (2, "To: ops@example.org"),
        (3, "Subject: fetchmail stopped polling the IMAP server after the certificate was renewed on Friday"),
        (5, "Date: Mon, 04 Mar 2024 09:12:44 +0100")]


# --- a property: wrapped prose around tables reads as before, each table row one sentence ----------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .textgen import WORDS, paragraph, wrap  # noqa: E402

cell = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join)
table = st.tuples(st.integers(2, 3), st.sampled_from(["box", "grid", "columns"])).flatmap(
    lambda shape: st.tuples(st.just(shape[1]), st.lists(st.lists(cell, min_size=shape[0], max_size=shape[0]),
                                                         min_size=2, max_size=4)))


def _drawn(kind: str, rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[k]) for row in rows) + 2 for k in range(len(rows[0]))]
    if kind == "columns":
        return ["  ".join(text.ljust(w) for text, w in zip(rows[0], widths)).rstrip(),
                "  ".join("-" * w for w in widths), *("  ".join(text.ljust(w) for text, w in zip(row, widths)).rstrip()
                                                       for row in rows[1:])]
    h, v, corners = ("─", "│", "┌┬┐├┼┤└┴┘") if kind == "box" else ("-", "|", "+++++++++")

    def border(left: str, middle: str, right: str) -> str:
        return left + middle.join(h * w for w in widths) + right

    lines = [border(*corners[0:3])]
    for k, row in enumerate(rows):
        lines.append(v + v.join(f" {text}".ljust(w) for text, w in zip(row, widths)) + v)
        if k == 0:
            lines.append(border(*corners[3:6]))
    return [*lines, border(*corners[6:9])]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(paragraph, table), min_size=1, max_size=3), st.integers(50, 78))
def test_wrapped_prose_and_tables_property(parts, width):
    lines, expected = [], []
    lines += wrap(" ".join(PROSE.split()) + " " + " ".join(PROSE.split()), width, "") + [""]
    for sentences, (kind, rows) in parts:
        text = " ".join(sentences)
        expected += [(len(lines) + 1, sentences[0])]
        lines += wrap(text, width, "") + [""]
        first = len(lines) + 1
        drawn = _drawn(kind, rows)
        lines += [*drawn, ""]
        header = first if kind == "columns" else first + 1
        row_lines = [header] + [header + 1 + k for k in range(1, len(rows))]
        expected += [(number, "; ".join(row)) for number, row in zip(row_lines, rows)]
    got = read("notes.txt", "\n".join(lines) + "\n")
    for item in expected:
        assert item in got or any(line == item[0] and text.startswith(item[1]) for line, text in got), (item, got)
