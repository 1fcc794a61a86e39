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
