"""The Org-mode reader (session 44): ``.org`` files, the notes of many Emacs users, were not read at
all (``simsearch index ~/org`` found nothing to index). Cases from org-drill's manual, org-make-toc's
README and example, orgmunge's README and orgparse's test files, and Org's own syntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import READABLE, FoundFile, extract, format_of, included_file, reads_name, walk
from simsearch.extract.org import _spans

from .textgen import WORDS, paragraph, read, sentence, wrap


def org(source: str) -> list[tuple[int, str]]:
    return read("notes.org", source)


def texts(source: str) -> list[str]:
    return [text for _, text in org(source)]


def test_an_org_file_is_found_and_read_as_org(tmp_path):
    (tmp_path / "todo.org").write_text("* Groceries\nBuy milk and eggs.\n")
    (tmp_path / "Notes.ORG").write_text("Plain prose.\n")
    assert format_of(Path("todo.org")) == format_of(Path("Notes.ORG")) == "org"
    assert reads_name(Path("todo.org")) and ".org" in READABLE
    assert sorted(found.path.name for found in walk([tmp_path]) if isinstance(found, FoundFile)) == ["Notes.ORG", "todo.org"]
    assert extract(Path("todo.org"), b"* Groceries\n").format == "org"
    assert org("* Groceries\nBuy milk and eggs.\n") == [(1, "Groceries"), (2, "Buy milk and eggs.")]


@pytest.mark.parametrize("heading, title", [
    ("* TODO Call the plumber", "Call the plumber"),
    ("** DONE [#A] A node with a lot of attributes", "A node with a lot of attributes"),
    ("*** [#B] Review the budget [1/3]", "Review the budget"),
    ("* Errands [50%]   :home:urgent:", "Errands"),
    ("* Node 2                                                          :tag1:tag2:", "Node 2"),
    ("* Heading: :with:colon:                                                 :tag:", "Heading: :with:colon:"),
    ("* unicode                                                      :ёж:tag:háček:", "unicode"),
    ("* COMMENT Draft ideas", "Draft ideas"),
    ("* TODOS for the week", "TODOS for the week"),  # (a word that starts with a keyword is none)
    ("* NEXT steps", "NEXT steps"),  # (not a keyword of this file)
    ("* The *bold* plan and [[https://x.org][a link]]", "The bold plan and a link"),
])
def test_a_heading_is_a_sentence_without_its_keyword_priority_cookies_and_tags(heading, title):
    assert org(f"{heading}\nBody text here.\n") == [(1, title), (2, "Body text here.")]


def test_the_files_own_todo_keywords_are_left_out_of_headings():
    """orgparse's 00_simple.org: ``#+SEQ_TODO: TODO1 TODO2`` makes them keywords; ``#+TODO:`` with
    fast-access keys and a "|" between states too."""
    source = ("#+SEQ_TODO: TODO1 TODO2\n#+TODO: NEXT(n) WAIT(w@/!) | DONE CANCELLED(c@)\n\n"
              "* TODO1 Heading 0 \t\t\t       :TAG1:\n** TODO2 Heading 1\n* WAIT Reply from Ann\n* CANCELLED Trip\n")
    assert texts(source) == ["Heading 0", "Heading 1", "Reply from Ann", "Trip"]


def test_planning_clock_lines_and_drawers_are_left_out():
    """orgparse's 01_attributes.org and 04_logbook.org, abridged."""
    source = """\
* DONE [#A] A node with a lot of attributes
  SCHEDULED: <2010-08-06 Fri> DEADLINE: <2010-08-10 Tue> CLOSED: [2010-08-08 Sun 18:00]
  CLOCK: [2010-08-08 Sun 17:40]--[2010-08-08 Sun 17:50] =>  0:10
  :PROPERTIES:
  :Effort: 1:10
  :END:
  - <2010-08-16 Mon> DateList
* LOGBOOK drawer test
  :LOGBOOK:
  CLOCK: [2012-10-26 Fri 16:01]
  - State "DONE"       from "TODO"       [2012-10-26 Fri 14:50]
  :END:
  The body after the drawer.
"""
    assert org(source) == [(1, "A node with a lot of attributes"), (7, "<2010-08-16 Mon> DateList"),
                           (8, "LOGBOOK drawer test"), (13, "The body after the drawer.")]


def test_a_drawer_without_its_end_before_the_next_heading_is_its_line_alone():
    source = "* A\n:NOTES:\nKept text of the section.\n* B\n:END:\nMore text.\n"
    assert org(source) == [(1, "A"), (3, "Kept text of the section."), (4, "B"), (6, "More text.")]


def test_paragraphs_join_their_lines_and_keep_each_sentences_line():
    source = "* Notes\n\nThe first sentence is\nwrapped here. The second one\nstarts on line four.\n\nA new paragraph.\n"
    assert org(source) == [(1, "Notes"), (3, "The first sentence is wrapped here."),
                           (4, "The second one starts on line four."), (7, "A new paragraph.")]


def test_list_items_take_their_continuation_lines_and_lose_bullets_and_checkboxes():
    source = """\
Things to do:
- [X] buy a new washer
  that fits the old tap
- [ ] call the plumber
+ a plus item
  * a star item, indented
1. first step
2) second step
3. [@3] [-] third step, half done
A line at the bullet's column ends the list.
- [1/3] Errands
- Growth of type 'percent' (e.g. [50%]) stays
"""
    assert org(source) == [
        (1, "Things to do:"), (2, "buy a new washer that fits the old tap"), (4, "call the plumber"),
        (5, "a plus item"), (6, "a star item, indented"), (7, "first step"), (8, "second step"),
        (9, "third step, half done"), (10, "A line at the bullet's column ends the list."),
        (11, "Errands"), (12, "Growth of type 'percent' (e.g. [50%]) stays")]


def test_a_description_item_reads_term_then_description():
    """org-drill's manual: ``- file :: The current buffer, ignoring hidden items.``"""
    source = ("- file :: The current buffer, ignoring hidden items. This is the default.\n"
              "- file-no-restriction :: The current buffer, including both hidden and\n"
              "     non-hidden items.\n- Plumber ::\n  someone who fixes pipes\n")
    assert org(source) == [(1, "file: The current buffer, ignoring hidden items."), (1, "This is the default."),
                           (2, "file-no-restriction: The current buffer, including both hidden and non-hidden items."),
                           (4, "Plumber: someone who fixes pipes")]


@pytest.mark.parametrize("opener, closer", [
    ("#+BEGIN_SRC emacs-lisp", "#+END_SRC"), ("#+begin_src python :results output", "#+end_src"),
    ("#+BEGIN_EXAMPLE", "#+END_EXAMPLE"), ("#+begin_export html", "#+end_export"),
    ("#+BEGIN_COMMENT", "#+END_COMMENT"), ("#+BEGIN_HTML", "#+END_HTML"), ("#+BEGIN: clocktable :scope file", "#+END:"),
    ("  #+Begin_Src sh", "  #+eNd_sRc"),
])
def test_code_example_export_and_comment_blocks_are_left_out(opener, closer):
    source = f"Before the block.\n{opener}\n(setq secret-value 42)\n* Item  :drill:\n{closer}\nAfter the block.\n"
    assert org(source) == [(1, "Before the block."), (6, "After the block.")]


def test_an_unclosed_block_is_its_line_alone():
    assert org("Text.\n#+BEGIN_SRC\nStill read as text.\n") == [(1, "Text."), (3, "Still read as text.")]


def test_fixed_width_comment_keyword_and_rule_lines_are_left_out():
    source = """\
#+TITLE: Router notes
#+SUBTITLE: for the home network
#+AUTHOR: Jane Doe
#+OPTIONS: toc:nil num:nil
#+title:Orgmunge
# -*- mode: org -*-
The setting is:
: last-interval * (factor - 1)
# a comment in the middle
#+NAME: fig:plan
-----
#+CAPTION: The router's front panel
[[./router.png]]
#+ATTR_HTML: :width 300
#+INCLUDE: "./chapter.org::*Setup" :minlevel 2
#+RESULTS:
| 1 | 2 |
: 42

Done.
"""
    extracted = extract(Path("notes.org"), source.encode())
    assert org(source) == [(1, "Router notes"), (2, "for the home network"), (5, "Orgmunge"), (7, "The setting is:"),
                           (12, "The router's front panel"), (20, "Done.")]
    assert extracted.includes == [(15, "./chapter.org")]


def test_quote_center_and_special_blocks_read_as_text_a_verse_block_line_by_line():
    source = """\
#+BEGIN_QUOTE
The classic symptoms of tuberculosis are a chronic cough
with blood-tinged sputum. @<font style="color: yellow;">Prevention relies
on screening.@</font>
#+END_QUOTE
#+begin_center
Centered words.
#+end_center
#+begin_verse
Roses are red
Violets are blue
#+end_verse
#+begin_note
A note block.
#+end_note
"""
    assert org(source) == [(2, "The classic symptoms of tuberculosis are a chronic cough with blood-tinged sputum."),
                           (3, "Prevention relies on screening."), (7, "Centered words."), (10, "Roses are red"),
                           (11, "Violets are blue"), (14, "A note block.")]


@pytest.mark.parametrize("source, text", [
    ("Org-Drill is an extension for [[http://orgmode.org/][Org mode]].", "Org-Drill is an extension for Org mode."),
    ("See [[https://y.org]] and [[file:spanish.org]] and [[*Setup]].", "See https://y.org and spanish.org and Setup."),
    ("A badge [[https://melpa.org][file:https://melpa.org/badge.svg]] here.", "A badge here."),
    ("An image [[./router.png]] here.", "An image here."),
    ("See [[id:5f1c-9a2b][the budget note]] [[id:5f1c-9a2b]] and [[roam:Landlord]].", "See the budget note and Landlord."),
    ("It is *bold*, /italic/, _under_, +gone+ and */both/*.", "It is bold, italic, under, gone and both."),
    ("Run =M-x org=drill-tree= and ~(setq a 1)~ now.", "Run M-x org=drill-tree and (setq a 1) now."),
    ("Verbatim =*not bold*= stays.", "Verbatim *not bold* stays."),
    ("Paths a/b/c, 2*3*4, snake_case_name, C++ and x=1, y=2 stay.",
     "Paths a/b/c, 2*3*4, snake_case_name, C++ and x=1, y=2 stay."),
    ("A path /usr/local/bin stays.", "A path /usr/local/bin stays."),
    ("A price[fn:1] and a note[fn:: said Ann] here.", "A price and a note (said Ann) here."),
    ("A *bold*[fn:2] word.", "A bold word."),
    ("Set <<target>>here and <<<radio>>> @@html:<b>@@word@@html:</b>@@.", "Set here and radio word."),
    ("A claim [fn:3].", "A claim."),
    ("Met on <2024-01-02 Tue> and [2024-01-03 Wed 10:00].", "Met on <2024-01-02 Tue> and [2024-01-03 Wed 10:00]."),
    ("A link [[https://x.org][with *bold* words]] too.", "A link with bold words too."),
], ids=["link", "bare links", "badge", "image", "id links", "emphasis", "verbatim", "verbatim holds markup", "no markup",
        "path", "footnotes", "footnote after a space", "footnote after bold", "targets", "timestamps", "markup in a link"])
def test_inline_markup_reads_as_org_shows_it(source, text):
    assert texts(source + "\n") == [text]


def test_emphasis_spans_two_lines_at_most():
    assert texts("It is *very\nbold* here.\n") == ["It is very bold here."]
    assert texts("A *star\nover\nthree lines* stays.\n") == ["A *star over three lines* stays."]


def test_a_verbatim_period_before_a_lowercase_word_ends_no_sentence():
    assert texts("Set it to =foo.= and go on. Then stop.\n") == ["Set it to foo. and go on.", "Then stop."]


def test_a_table_is_a_sentence_per_row_its_cells_joined_by_semicolons():
    """org-drill's manual's table, abridged: the rule is left out, the header row is a row, a cell
    after an empty one is named by its column."""
    source = """\
| Quality | SuperMemo label | Fail? | Meaning                        |
|---------+-----------------+-------+--------------------------------|
|       0 | NULL            | Yes   | Wrong, and the answer is *new*. |
|       5 | BRIGHT          |       | Correct answer; effortless.    |
| <l>     | <r10>           |       |                                |
"""
    assert org(source) == [(1, "Quality; SuperMemo label; Fail?; Meaning"),
                           (3, "0; NULL; Yes; Wrong, and the answer is new."),
                           (4, "5; BRIGHT; “Meaning: Correct answer; effortless.”")]


def test_a_footnote_definition_reads_as_text():
    assert org("A claim[fn:1].\n\n[fn:1] The source of the claim.\n") == [(1, "A claim."), (3, "The source of the claim.")]


def test_lines_map_to_their_source_lines_through_skipped_blocks():
    """``path:line`` of each sentence is its own line in the file, after drawers, blocks and tables."""
    source = """\
#+TITLE: Garden journal
#+STARTUP: showall

* TODO [#A] Prune the apple trees [0/2]                               :garden:
  DEADLINE: <2024-02-01 Thu>
  :PROPERTIES:
  :CUSTOM_ID: prune
  :END:
  Winter pruning keeps the trees small. Cut the
  water shoots first.

  #+BEGIN_SRC shell
  ls ~/photos/apple
  #+END_SRC
  - [ ] Sharpen the shears
    before Sunday.
  - [ ] Buy sealing wax
** Notes from the course
:LOGBOOK:
CLOCK: [2024-01-10 Wed 10:00]--[2024-01-10 Wed 11:00] =>  1:00
:END:
| Tree   | Age |
|--------+-----|
| Apple  |  12 |
| Cherry |   4 |

# private remark
: fixed width
Birds eat the cherries
each June.[fn:1]

#+begin_quote
Plant in autumn,
harvest in summer.
#+end_quote
[fn:1] Nets help a little.
* DONE Order seeds
Tomatoes, beans and squash.
"""
    assert org(source) == [
        (1, "Garden journal"), (4, "Prune the apple trees"), (9, "Winter pruning keeps the trees small."),
        (9, "Cut the water shoots first."), (15, "Sharpen the shears before Sunday."), (17, "Buy sealing wax"),
        (18, "Notes from the course"), (22, "Tree; Age"), (24, "Apple; 12"), (25, "Cherry; 4"),
        (29, "Birds eat the cherries each June."), (33, "Plant in autumn, harvest in summer."),
        (36, "Nets help a little."), (37, "Order seeds"), (38, "Tomatoes, beans and squash.")]


# --- properties ----------------------------------------------------------------------------------

_WRAPPERS = ["*{}*", "/{}/", "_{}_", "+{}+", "={}=", "~{}~", "[[https://example.org/{}][{}]]", "[[{}]]"]


@st.composite
def marked_paragraph(draw):
    """A paragraph of sentences, some words wrapped in Org's markup, hard-wrapped: (source, sentences)."""
    sentences = draw(paragraph)
    marked = []
    for text in sentences:
        words = text[:-1].split()
        out = []
        for word in words:
            wrapper = draw(st.sampled_from([None, None, *_WRAPPERS]))
            out.append(wrapper.format(word, word) if wrapper else word)
        marked.append(" ".join(out) + ".")
    width = draw(st.integers(20, 80))
    return "\n".join(wrap(" ".join(marked), width, "")), sentences


@settings(max_examples=200, deadline=None)
@given(marked_paragraph())
def test_marked_up_prose_reads_as_its_words(drawn):
    source, sentences = drawn
    assert texts(source + "\n") == sentences


_SECRET = "zqxsecret"


@st.composite
def org_document(draw):
    """Blocks of prose (headings, paragraphs, items, a table row) and of what is left out (code,
    examples, drawers, comments, fixed width, planning), the latter holding the word ``_SECRET``:
    (source, [(line, sentence)] expected)."""
    lines: list[str] = []
    expected: list[tuple[int, str]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["heading", "paragraph", "item", "row", "src", "example", "drawer",
                                     "comment", "fixed", "planning", "keyword"]))
        text = draw(sentence)
        if kind == "heading":
            stars = "*" * draw(st.integers(1, 3))
            todo = draw(st.sampled_from(["", "TODO ", "DONE [#A] "]))
            lines.append(f"{stars} {todo}{text[:-1]} [1/2] :tag:")
            expected.append((len(lines), text[:-1]))
        elif kind == "paragraph":
            lines.append(text)
            expected.append((len(lines), text))
        elif kind == "item":
            lines.append(f"- [ ] {text}")
            expected.append((len(lines), text))
        elif kind == "row":
            lines.append(f"| {text[:-1]} | {draw(st.sampled_from(WORDS))} |")
            expected.append((len(lines), f"{text[:-1]}; {expected_word(lines[-1])}"))
        elif kind in ("src", "example"):
            name = "SRC python" if kind == "src" else "example"
            lines += [f"#+BEGIN_{name}", f"{_SECRET} = '{text}'", f"* {_SECRET} heading", f"#+END_{name.split()[0]}"]
        elif kind == "drawer":
            lines += [":PROPERTIES:", f":ID: {_SECRET}", ":END:"]
        elif kind == "comment":
            lines.append(f"# {_SECRET} {text}")
        elif kind == "fixed":
            lines.append(f": {_SECRET} {text}")
        elif kind == "planning":
            lines.append(f"SCHEDULED: <2024-01-02 Tue> {_SECRET}")
        else:
            lines.append(f"#+OPTIONS: {_SECRET}")
        lines.append("")
    return "\n".join(lines) + "\n", expected


def expected_word(row: str) -> str:
    return row.rsplit("|", 2)[1].strip()


@settings(max_examples=200, deadline=None)
@given(org_document())
def test_no_left_out_text_reaches_a_sentence_and_prose_keeps_its_line(drawn):
    source, expected = drawn
    got = org(source)
    assert not any(_SECRET in text for _, text in got)
    assert got == expected


def test_emphasis_is_found_in_linear_time():
    """Each marker is looked at once or twice: a line of 100,000 unclosed openers is instant."""
    assert _spans("a " + "*a " * 100_000, "*/_+") == []
    assert _spans("a " + "/a " * 200_000, "/") == []
    assert _spans("=" * 9, "=") == [(0, 9)]  # (as org-element reads it: "=======" is verbatim "=====")
    assert texts("Text " + "/a " * 50_000 + "end.\n")[-1].endswith("end.")  # (cut at 1,000 characters)


def test_the_files_an_org_file_includes_are_known_not_followed(tmp_path):
    source = ('#+INCLUDE: "./chapter.org" :minlevel 1\n#+include: appendix.org\n'
              '#+BEGIN_SRC org\n#+INCLUDE: "shown.org"\n#+END_SRC\nText.\n')
    assert extract(Path("a.org"), source.encode()).includes == [(1, "./chapter.org"), (2, "appendix.org")]
    other = tmp_path / "elsewhere" / "b.org"
    other.parent.mkdir()
    other.write_text("* B\n")
    (tmp_path / "conf.py").write_text("")  # (a Sphinx project's folder above: no concern of Org's)
    assert included_file(tmp_path / "a.org", str(other), "org") == other  # (an absolute path is one, no Sphinx project's)


def test_a_long_run_of_spaces_is_read_in_linear_time():
    """Review: a heading with 100,000 spaces inside took 235 s (``_HEADING``'s and ``_KEYWORD``'s lazy
    title before ``[ \\t]*$``, ``_TAGS``, ``_COOKIE`` and ``_FOOTNOTE`` tried from every space of a
    run), a ``#+TITLE:`` 42 s, a paragraph 13 s; each is now read at once."""
    import time

    spaces = " " * 100_000
    source = "\n\n".join(f"{start}a{spaces}b" for start in ("* ", "#+TITLE: ", "- ", "", "[fn:1] ", "- a ::"))
    began = time.monotonic()
    got = org(source + "\n")
    assert time.monotonic() - began < 5
    assert [line for line, _ in got] == [1, 3, 5, 7, 9, 11]
    assert org("* Errands \t [1/2] \t :home:\nA claim \t [fn:1] here.\n") == [(1, "Errands"), (2, "A claim here.")]


def test_a_code_blocks_results_in_a_block_or_drawer_are_left_out_with_their_blank_lines():
    """Review: Babel puts output of ten lines or more in an example block, and ``:results drawer``
    in a ``:results:`` drawer; a blank line in the output ended the results, and the rest of it
    ("secret 1") was read as prose."""
    source = """\
#+begin_src python :results output
print(0); print(); print(1)
#+end_src

#+RESULTS:
#+begin_example
secret 0

secret 1
#+end_example

After the example.

#+RESULTS[8a1f]:
:results:
secret 2

secret 3
:end:
After the drawer.
#+RESULTS:
: 42
"""
    assert org(source) == [(12, "After the example."), (20, "After the drawer.")]


def test_a_drawer_of_the_writers_own_is_text_a_stray_end_hides_nothing():
    """Review: every drawer was left out, so with-editor's manual (``elpa-with-editor`` 3.0.5) lost
    its whole introduction, 30 lines in a ``:PREAMBLE:`` drawer, and a ``:NOTES:`` drawer its notes;
    Org exports any drawer but the logbook (``org-export-with-drawers``). And a stray ``:END:`` hid
    everything up to the next drawer's end."""
    source = """\
#+TITLE: With-Editor User Manual
:PREAMBLE:
This library was written because Magit has to be
able to do the above.
:END:
* Call Ann
:PROPERTIES:
:ID: zqx-1
:END:
:LOGBOOK:
- Note taken on [2024-01-02 Tue 10:00] zqx
:END:
:notes:
She prefers mornings.
:end:
A stray end follows.
:END:
Kept text.
:PROPERTIES:
:ID: zqx-2
:END:
"""
    assert org(source) == [(1, "With-Editor User Manual"),
                           (3, "This library was written because Magit has to be able to do the above."),
                           (6, "Call Ann"), (14, "She prefers mornings."), (16, "A stray end follows."), (18, "Kept text.")]


def test_an_inline_footnote_may_hold_a_link():
    """Review: "[fn::See [[https://x.org][the paper]].]" was kept as written, brackets and all."""
    assert texts("A claim[fn::See [[https://x.org][the paper]] by *Ann*.] stands.\n") == [
        "A claim (See the paper by Ann.) stands."]
