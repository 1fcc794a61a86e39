"""reStructuredText and plain-text reading: the defects review ZS found, each with an input
that failed before the fix, and the review's container property (prose word for word)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.extract import MAX_SENTENCE_CHARS, extract, sentences_of
from simsearch.extract import rst as ex
from simsearch.segment import split_sentences

from .textgen import WORDS, paragraph, read, wrap


def rst(source: str) -> list[tuple[int, str]]:
    return read("doc.rst", source)


# ---- the oracle: prose wrapped in any rst container comes out word for word -----------------


CONTAINERS = ["plain", "quote", "bullet", "enum", "auto", "paren", "field", "param", "deflist", "note",
              "note-arg", "note-opts", "footnote", "citation", "footnote-next-line", "unknown", "versionadded",
              "glossary", "glossary-tight", "admonition", "topic", "sidebar", "only", "nested-bullets",
              "line-block", "todo", "versionremoved", "seealso-arg", "deprecated-arg", "option-list",
              "two-para-item", "quote-in-item", "empty-comment-quote"]


@st.composite
def rst_document(draw):
    """A document of prose in rst containers, and the words a reader must get, in order."""
    out: list[str] = []
    wanted: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(CONTAINERS))
        text = [" ".join(p) for p in draw(st.lists(paragraph, min_size=1, max_size=2))]
        width = draw(st.sampled_from([30, 50, 79, 1000]))

        def rest(lines: list[str], indent: str = "   ") -> list[str]:
            for t in text[1:]:
                lines += wrap(t, width, indent) + [""]
            return lines

        if kind in ("plain", "quote"):
            block = [line for t in text for line in [*wrap(t, width, "" if kind == "plain" else "   "), ""]]
        elif kind in ("bullet", "enum", "auto", "paren"):
            marker = {"bullet": "- ", "enum": "1. ", "auto": "#. ", "paren": "(1) "}[kind]
            block = [line for t in text for line in [*wrap(t, width, " " * len(marker), marker), ""]]
        elif kind == "two-para-item":
            block = rest(wrap(text[0], width, "  ", "- ") + [""], "  ")
        elif kind == "quote-in-item":
            block = rest(wrap(text[0], width, "  ", "- ") + [""], "      ")
        elif kind in ("field", "param"):
            name, label = ("Author", "Author") if kind == "field" else ("param hidden_x", "hidden_x")
            block = rest(wrap(text[0], width, "   ", f":{name}: ") + [""])
            wanted.append(label + ":")
        elif kind == "deflist":
            term = draw(st.sampled_from(WORDS))
            block = [term, *wrap(" ".join(text), width, "   "), ""]
            wanted.append(term + ":")  # the term labels its definition (session 37)
        elif kind in ("note", "admonition", "topic", "sidebar", "only", "unknown", "glossary"):
            head = {"note": ".. note::", "admonition": ".. admonition:: Title words",
                    "topic": ".. topic:: Title words", "sidebar": ".. sidebar:: Title words",
                    "only": ".. only:: html", "unknown": ".. myext:change::", "glossary": ".. glossary::"}[kind]
            if kind in ("admonition", "topic", "sidebar"):  # the title labels its body's text (session 37)
                wanted += ["Title", "words:"]
            block = [head, "", *[line for t in text for line in [*wrap(t, width, "   "), ""]]]
        elif kind == "glossary-tight":  # the first term right under the directive (D3)
            term = draw(st.sampled_from(WORDS))
            block = [".. glossary::", "   " + term, *wrap(" ".join(text), width, "      "), ""]
            wanted.append(term + ":")
        elif kind == "note-opts":
            block = [".. note::", "   :class: hidden", "   :name: hidden-name", "",
                     *[line for t in text for line in [*wrap(t, width, "   "), ""]]]
        elif kind in ("note-arg", "todo", "seealso-arg", "footnote", "citation"):
            first = {"note-arg": ".. warning:: ", "todo": ".. todo:: ", "seealso-arg": ".. seealso:: ",
                     "footnote": ".. [1] ", "citation": ".. [CIT2002] "}[kind]
            block = rest(wrap(text[0], width, "   ", first) + [""])
        elif kind == "footnote-next-line":  # D5
            block = rest([".. [#note]", *wrap(text[0], width, "   "), ""])
        elif kind in ("deprecated-arg", "versionremoved"):
            first = ".. deprecated:: 2.1 " if kind == "deprecated-arg" else ".. versionremoved:: 4.0 "
            block = rest(wrap(text[0], width, "   ", first) + [""])
        elif kind == "versionadded":
            block = rest([".. versionadded:: 1.2", *wrap(text[0], width, "   "), ""])
        elif kind == "empty-comment-quote":  # D4
            block = ["..", "", *[line for t in text for line in [*wrap(t, width, "   "), ""]]]
        elif kind == "nested-bullets":
            block = wrap(text[0], width, "  ", "- ") + [""]
            for t in text[1:]:
                block += wrap(t, width, "    ", "  - ") + [""]
        elif kind == "line-block":
            block = [line for t in text for line in ["| " + t, ""]]
        else:  # option-list
            block = [f"--hidden-opt  {text[0]}", ""]
            wanted.append("--hidden-opt")
            text = text[:1]
        out += block
        wanted += " ".join(text).split()
    return "\n".join(out) + "\n", wanted


@given(rst_document())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_prose_in_every_rst_container_comes_out_word_for_word_on_its_line(document):
    source, wanted = document
    sentences = sentences_of(extract(Path("doc.rst"), source.encode()))
    assert " ".join(s.text for s in sentences).split() == wanted, (source, [s.text for s in sentences])
    lines = source.split("\n")
    for s in sentences:
        assert s.text.split()[0].rstrip(":") in lines[s.line - 1], (s, source)


_ESCAPES = st.sampled_from(["\\*", "\\`", "\\_", "\\|", "\\\\"])


@given(st.lists(st.one_of(st.sampled_from(WORDS), _ESCAPES), min_size=2, max_size=10))
@settings(max_examples=100, deadline=None)
def test_an_escaped_markup_character_is_that_character(tokens):
    source = "Start " + " ".join(tokens) + " end.\n"
    wanted = "Start " + " ".join(t[1:] if t.startswith("\\") else t for t in tokens) + " end."
    assert " ".join(text for _, text in rst(source)) == wanted


# ---- prose that was dropped ----------------------------------------------------------------

def test_todo_and_versionremoved_text_on_the_directive_line_is_kept():  # D2
    assert rst(".. todo:: Write the section about caching.\n\nEnd.\n") == [
        (1, "Write the section about caching."), (3, "End.")]
    assert rst(".. versionremoved:: 4.0 The old parser is gone.\n\nEnd.\n") == [
        (1, "The old parser is gone."), (3, "End.")]
    assert rst(".. deprecated-removed:: 3.4 3.6 Use the new parser.\n") == [(1, "Use the new parser.")]


def test_a_glossary_whose_first_term_follows_its_line_is_read():  # D3
    assert rst(".. glossary::\n   environment\n      A structure where information is saved.\n\nEnd.\n") == [
        (2, "environment: A structure where information is saved."), (5, "End.")]


def test_an_empty_comment_does_not_swallow_the_block_quote_after_it():  # D4
    assert rst("Para one.\n\n..\n\n   This block quote is prose.\n\nEnd.\n") == [
        (1, "Para one."), (5, "This block quote is prose."), (7, "End.")]
    # a comment's own indented text (no blank line between) is still left out
    assert rst("..\n   hidden comment text\n\nEnd.\n") == [(4, "End.")]


def test_a_footnote_whose_text_starts_on_the_next_line_is_read():  # D5
    assert rst("Text [1]_ here.\n\n.. [1]\n   The footnote body is prose.\n") == [
        (1, "Text here."), (4, "The footnote body is prose.")]


# ---- markup or code that was kept -----------------------------------------------------------

def test_double_colon_on_a_field_admonition_or_footnote_line_opens_a_literal_block():  # K2
    for source, first in ((":param x: Example::\n\n        hidden_code = 1\n\nEnd.\n", "x: Example:"),
                          (".. note:: Example::\n\n      hidden_code = 1\n\nEnd.\n", "Example:"),
                          (".. [1] Example::\n\n      hidden_code = 1\n\nEnd.\n", "Example:")):
        assert rst(source) == [(1, first), (5, "End.")], source


def test_a_quoted_literal_block_is_left_out():
    assert rst("Run::\n\n$ pip install hidden\n$ hidden --run\n\nEnd.\n") == [(1, "Run:"), (6, "End.")]


def test_a_stray_simple_table_border_does_not_make_the_rest_of_the_file_a_table():  # K3
    source = ("=====  =====\nA      B\n=====  =====\n\n1      2\n=====  =====\n\n"
              "After the table comes prose.\nIt wraps here.\n\n.. code-block:: python\n\n   hidden = 1\n")
    got = rst(source)
    assert got[0] == (2, "A; B")
    assert got[-2:] == [(8, "After the table comes prose."), (9, "It wraps here.")]
    assert not any("hidden" in text or "code-block" in text for _, text in got)


def test_grid_table_cells_over_several_lines_and_row_spans_are_one_row():  # K4
    assert rst("+-------------+-------------+\n| This cell   | Other cell  |\n| wraps here. | also wraps. |\n"
               "+-------------+-------------+\n") == [(2, "This cell wraps here.; Other cell also wraps.")]
    assert rst("+------+------+\n| a    | b    |\n|      +------+\n|      | c    |\n+------+------+\n\n"
               "After the table.\n") == [(2, "a; b; c"), (7, "After the table.")]
    # a cell spanning two columns is not cut at the column between them; a "|" in a cell's text stays
    assert rst("+-----+-----+\n| a   | b   |\n+=====+=====+\n| spans a|b |\n+-----------+\n") == [
        (2, "a; b"), (4, "spans a|b")]


def test_a_simple_table_row_continued_by_a_line_with_an_empty_first_column_is_one_row():  # K4, ZR #8
    source = ("=========== ==============================================\n"
              "`rule`      the URL rule as string.  By default a rule\n"
              "            just listens for ``GET`` (and implicitly\n"
              "            ``HEAD``).\n"
              "`endpoint`  the endpoint for the registered URL rule.\n"
              "=========== ==============================================\n")
    assert rst(source) == [(2, "rule; the URL rule as string."),
                           (2, "By default a rule just listens for GET (and implicitly HEAD)."),
                           (5, "endpoint; the endpoint for the registered URL rule.")]


def test_rst_escapes_are_read_before_emphasis():  # K6
    assert rst("Use \\*args\\* here.\n") == [(1, "Use *args* here.")]
    assert rst("A \\\\ B.\n") == [(1, "A \\ B.")]
    assert rst("Re\\ structured and ``lit\\*eral`` stay.\n") == [(1, "Restructured and lit\\*eral stay.")]


def test_a_title_with_a_short_underline_is_a_title():  # K14
    assert rst("Hi\n==\n\nText.\n") == [(1, "Hi"), (4, "Text.")]
    assert rst("Go\n--\n\nText.\n") == [(1, "Go"), (4, "Text.")]
    assert rst("A longer title\n==\n\nText.\n") == [(1, "A longer title =="), (4, "Text.")]  # docutils: text


# ---- lines and splits ----------------------------------------------------------------------

def test_each_piece_of_a_cut_long_sentence_has_its_own_line_and_offsets():  # L1
    source = "\n".join(" ".join(f"w{row * 10 + k}" for k in range(10)) for row in range(40)) + ".\n"
    extracted = extract(Path("doc.rst"), source.encode())
    sentences = sentences_of(extracted)
    assert len(sentences) > 1 and all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert " ".join(s.text for s in sentences) == " ".join(source.split())
    lines = source.split("\n")
    for s in sentences:
        first, last = s.text.split()[0], s.text.split()[-1]
        assert re.search(rf"(?<!\S){first}(?!\S)", lines[s.line - 1]), (s.line, first)
        assert extracted.text[s.start:s.start + len(first)] == first
        assert extracted.text[s.end - len(last):s.end] == last


def test_a_wrapped_line_starting_with_a_dash_or_prompt_goes_on_with_its_paragraph():  # L2
    assert rst("This sentence wraps right before a dash\n- used as punctuation - and goes on.\n") == [
        (1, "This sentence wraps right before a dash - used as punctuation - and goes on.")]
    assert rst("The prompt is\n>>> in Python, and the paragraph goes on.\n") == [
        (1, "The prompt is >>> in Python, and the paragraph goes on.")]
    # items after items, and a doctest block after a blank line, are as before
    assert rst("- one\n- two\n\n>>> hidden()\n\nEnd.\n") == [(1, "one"), (2, "two"), (6, "End.")]


def test_replace_substitutions_span_lines_and_only_real_definitions_count():  # simplification 6
    assert rst(".. |pg| replace:: the PostgreSQL\n   database server\n\nUse |pg| here.\n") == [
        (4, "Use the PostgreSQL database server here.")]
    assert rst(".. |f| replace:: ``fetch()``\n.. _f: https://example.org/hidden\n\nCall |f|_ now.\n") == [
        (4, "Call fetch() now.")]
    source = "Example::\n\n   .. |x| replace:: hidden words\n\nUse |x| here.\n"
    assert rst(source) == [(1, "Example:"), (5, "Use x here.")]


# ---- plain text ----------------------------------------------------------------------------

PROSE = ("The committee has been talking about the new schedule for weeks, and we now know\n"
         "that the meeting is moved to a new date and it will now take place on the 3rd of March\n"
         "15. Please attend it if you can, as there is a great deal of work to talk about\n"
         "and the budget for next year is one of the items that will be decided on that day.\n")


def test_a_number_other_than_one_at_a_wrapped_line_start_stays_in_its_sentence():  # D9
    got = [text for _, text in read("note.txt", PROSE)]
    assert got[0].endswith("on the 3rd of March 15.") and got[1].startswith("Please attend")
    assert [s.text for s in split_sentences("We met on\n15. May it was.\n\n1. One\n2. Two\n")] == [
        "We met on 15.", "May it was.", "1. One", "2. Two"]
    # a list, or a number after a line that ends a sentence, still starts an item
    assert read("list.txt", PROSE + "\nSteps:\n1. Install it now\n2. Run it after\n") [-2:] == [
        (7, "Install it now"), (8, "Run it after")]


def test_quoted_email_lines_are_joined_into_their_sentences():  # ZR #7
    text = ("Thanks for the update. I think we should move the launch to next week,\n"
            "because the translations are not finished yet and the marketing team needs\n"
            "more time before we can announce anything to the customers in Europe.\n\n"
            "> On Monday, Tom wrote:\n> The launch is planned for Thursday. Please confirm that the\n"
            "> translations are done by Wednesday evening.\n")
    got = read("mail.txt", text)
    assert (6, "Please confirm that the translations are done by Wednesday evening.") in got
    assert not any(">" in t for _, t in got)


def test_a_list_of_short_lines_inside_wrapped_prose_is_not_glued():  # ZR #9
    prose = ("The quick brown fox jumps over the lazy dog while the farmer watches from the\n"
             "porch of the old house. Nobody knows why the dog never moves when the fox comes\n"
             "around, but the farmer has a theory about it that he tells everyone who visits.\n\n")
    text = prose + "Things to pack:\ntoothbrush\ncharger for the phone\ntwo books\nwalking shoes\n\n" + prose
    got = read("mixed.txt", text)
    assert [t for _, t in got[2:7]] == ["Things to pack:", "toothbrush", "charger for the phone", "two books",
                                        "walking shoes"]
    assert got[1] == (2, "Nobody knows why the dog never moves when the fox comes around, but the farmer has a "
                         "theory about it that he tells everyone who visits.")


def test_one_line_broken_short_by_hand_inside_a_sentence_goes_on():  # review ZW D3
    prose = ("We met on Tuesday to go over the plan for the spring release and the\n"
             "open questions from the last review. Most of the work is on track, and\n"
             "the remaining items are small enough to finish within the next two weeks.\n\n")
    text = prose + ("The results were\n"
                    "surprisingly good for a first attempt, and we will keep the current\n"
                    "settings until the next release unless somebody finds a regression in\n"
                    "the nightly runs or in the reports that users send us over the summer.\n")
    got = read("notes.txt", text)
    assert got[-1] == (5, "The results were surprisingly good for a first attempt, and we will keep the current "
                          "settings until the next release unless somebody finds a regression in the nightly "
                          "runs or in the reports that users send us over the summer.")
    # a list's last short line is a block of its own, and the prose after it one sentence again
    listed = prose + "We packed:\ntoothbrush\ntwo books\nThen we drove for six hours to the coast, where the weather was\n" \
        "better than anyone had expected for the time of the year.\n"
    assert [t for _, t in read("notes.txt", listed)[2:]] == [
        "We packed:", "toothbrush", "two books",
        "Then we drove for six hours to the coast, where the weather was better than anyone had expected for the "
        "time of the year."]


# ---- slow inputs: linear regexes (no timing asserted: quadratic would take minutes) --------

def test_strong_and_role_scans_are_linear():  # P2
    assert ex._STRONG.search("a " + "**a " * 20_000) is None
    assert ex._RST_INLINE.search("x " + ":a" * 60_000 + ":`x") is None  # the chain is tried from its first ":" only
    assert ex._RST_INLINE.search(":a" * 60_000 + ":`x`").group("role") == ":a" * 60_000 + ":"
    assert ex._rst_inline("a " + "**a " * 20_000).count("**") == 20_000


def test_nested_directives_read_each_line_a_bounded_number_of_times(monkeypatch):  # P3
    depth = 400
    source = "".join(" " * (3 * k) + ".. note::\n\n" for k in range(depth)) + " " * (3 * depth) + "text\n"
    scanned = 0
    body_end = ex._body_end

    def counting(lines, i, indent):
        nonlocal scanned
        end = body_end(lines, i, indent)
        scanned += end - i
        return end

    monkeypatch.setattr(ex, "_body_end", counting)
    assert rst(source) == [(2 * depth + 1, "text")]
    assert scanned <= 4 * source.count("\n")  # eagerly: depth * lines / 2


def test_what_the_benchmark_trees_showed_after_the_first_fixes():
    # a role right after a literal (django's files.rst), an escaped "<" in a role (sphinx's domains.rst)
    assert rst("Storage is ``'``:class:`a.b.Storage`\\ ``'``.\n") == [(1, "Storage is 'a.b.Storage'.")]
    assert rst("See :cpp:class:`template\\<> Outer\\<int>` here.\n") == [(1, "See template<> Outer<int> here.")]
    # an image substitution is no words; a definition's bullet list is a list (sqlalchemy's changelog)
    assert rst(".. |logo| image:: logo.png\n\nClick |logo| to start.\n") == [(3, "Click to start.")]
    assert rst("sqlite\n    - add a type, which\n      matches.\n") == [(1, "sqlite: add a type, which matches.")]


# ---- tables: a list-table reads as the same table written as a grid table or in HTML -------------

_CELL = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def table_rows(draw):
    columns = draw(st.integers(1, 4))
    return draw(st.lists(st.lists(_CELL, min_size=columns, max_size=columns), min_size=1, max_size=4))


def _texts(sentences: list[tuple[int, str]]) -> list[str]:
    return [text for _, text in sentences]


@settings(max_examples=60, deadline=None)
@given(table_rows(), st.sampled_from(["* - ", "- - "]))
def test_a_list_table_reads_as_the_same_grid_table_and_html_table(rows, bullets):
    width = max(len(cell) for row in rows for cell in row) + 2
    columns = len(rows[0])
    border = "+" + ("-" * width + "+") * columns
    grid = "\n".join([border] + [line for row in rows for line in
                                 ("|" + "|".join(f" {cell:<{width - 1}}" for cell in row) + "|", border)])
    listed = [".. list-table:: Title words here", "   :header-rows: 0", ""]
    for row in rows:
        for k, cell in enumerate(row):
            listed.append("   " + (bullets if k == 0 else "  - ") + cell)
        listed.append("")
    html = "<table>" + "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows) + "</table>"
    from_list = rst("\n".join(listed) + "\nAfter the table.\n")
    assert _texts(from_list) == ["Title words here", *_texts(rst(grid + "\n")), "After the table."]
    assert _texts(from_list)[1:-1] == _texts(read("page.html", html))


def test_a_list_table_cell_over_several_lines_with_a_list_and_a_code_block():
    source = """.. list-table:: Frozen delights
   :widths: 15 10 30
   :header-rows: 1

   * - Treat
     - Quantity
     - Description
   * - Crunchy Frog
     - 1.49
     - If we took the bones out, it would not be
       crunchy, now would it?

       - first point
       - second point
   * - Spam
     - 0.99
     - Served hot.

       .. code-block:: python

          hidden = 1

After the table.
"""
    assert rst(source) == [(1, "Frozen delights"), (5, "Treat; Quantity; Description"),
                           (8, "Crunchy Frog; 1.49; If we took the bones out, it would not be crunchy, now would it? "
                               "first point second point"),
                           (15, "Spam; 0.99; Served hot."), (23, "After the table.")]


def test_a_ref_without_a_title_reads_as_the_section_it_points_to():
    """Was: "See :ref:`notes-on-proxies`." was stored as "See notes-on-proxies."; Sphinx shows the
    section's title. A label defined in the file (before a heading, with or without an overline,
    several labels on one heading) gives its title; one defined elsewhere gives its words."""
    source = """.. _notes-on-proxies:

Notes on *proxies*
==================

A proxy forwards requests.

.. _setup:
.. _Getting-Started:

=======
Set up
=======

.. _a-paragraph:

Plain text under a label.

See :ref:`notes-on-proxies`. Read :ref:`setup` and :ref:`getting-started`, then
:ref:`Notes-On-Proxies` again, :ref:`a-paragraph`, :ref:`howto-use_tls` and
:ref:`the FAQ <faq>`.
"""
    assert rst(source)[-2:] == [
        (19, "See Notes on proxies."),
        (19, "Read Set up and Set up, then Notes on proxies again, a paragraph, howto use tls and the FAQ."),
    ]
    assert read("notes.md", "See {ref}`notes-on-proxies` first.\n") == [(1, "See notes on proxies first.")]


def test_a_ref_with_an_exclamation_mark_reads_as_its_text():
    """Was (since a :ref: reads as its section's title): :ref:`!setup` was stored as "!setup", the
    mark that makes Sphinx show the text with no link kept in the sentence; it reads as "setup",
    as it did before and as Sphinx shows it."""
    source = ".. _setup:\n\nSet up\n======\n\nSee :ref:`!setup` and :ref:`!notes-on-proxies`, then :ref:`setup`.\n"
    assert rst(source)[-1] == (6, "See setup and notes-on-proxies, then Set up.")


def test_a_reference_name_with_hyphens_or_dots_loses_its_underscore():
    """Found on Click's docs (session 34): "The click-contrib_ GitHub organization" was stored with
    its underscore. A simple reference name may hold single hyphens, underscores, dots, colons
    and plus signs between its letters (docutils); only names of letters and digits lost the
    underscore. An identifier's own underscores ("``__init__``", "snake_case") stay."""
    source = """The click-contrib_ GitHub organization and Python-3.12_ or c++_ notes.

See sphinx.ext.autodoc__ and foo_bar_ here, not snake_case or __init__ words.
"""
    assert rst(source) == [(1, "The click-contrib GitHub organization and Python-3.12 or c++_ notes."),
                           (3, "See sphinx.ext.autodoc and foo_bar here, not snake_case or __init__ words.")]


def test_punctuation_after_markup_that_spans_lines_stays_beside_its_text():
    """Found on Click's docs (session 34): a link or literal wrapped over two lines was stored with
    a space before the punctuation after it, "(see Command alias example )", "calls it as --bar
    --foo , then": the line break it swallowed was put back after it, before the ")" or ",".
    Punctuation that closes the text now comes before that break; the sentence keeps its line."""
    source = """Many tools support aliases (see `Command alias example
<https://example.org/aliases>`_).

If the user calls it as ``--bar
--foo``, then the callback for ``bar`` fires first (``#!/usr/bin/env
python``) here.
"""
    assert rst(source) == [(1, "Many tools support aliases (see Command alias example)."),
                           (4, ("If the user calls it as --bar --foo, then the callback for bar fires first "
                                "(#!/usr/bin/env python) here."))]
    assert read("notes.md", "Run `git\nstatus`, then `ls\n-l`.\n") == [(1, "Run git status, then ls -l.")]
