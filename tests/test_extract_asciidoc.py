"""The AsciiDoc reader, from a user trial on Git's documentation (Debian's git-doc: 292 ``.txt``
files in AsciiDoc). Read as plain text, 37 of 60 stored sentences carried markup, code or a
broken line: "`GIT_DIFF_OPTS`::", "Part of the linkgit:git[1] suite", "[verse]",
"------------- f(X) = min(...) -------------", "'%<(<N>[,trunc|ltrunc|mtrunc])':: make the next
placeholder take at". An ``.adoc`` file was not read at all."""

from __future__ import annotations

from pathlib import Path

from simsearch.extract import FoundFile, format_of, walk
from simsearch.extract.asciidoc import reads_as_asciidoc

from .textgen import read

# As Git writes its manual pages (git-reset.txt, abridged).
GIT_PAGE = """\
git-reset(1)
============

NAME
----
git-reset - Reset current HEAD to the specified state

SYNOPSIS
--------
[verse]
'git reset' [-q] [<tree-ish>] [--] <pathspec>...
'git reset' [--soft | --hard] [<commit>]

DESCRIPTION
-----------
In the last form, set the current branch head (`HEAD`) to `<commit>`,
optionally modifying index and working tree to match.
See linkgit:git-restore[1] and the ``Interactive Mode'' section.

--soft::
	Does not touch the index file or the working tree at all
	(but resets the head to `<commit>`).
+
If `-N` is specified, removed paths are marked as intent-to-add.

-q::
--quiet::
	Be quiet, only report errors.

include::config/reset.txt[]

ifdef::git-diff[]
This is the default.
endif::git-diff[]

EXAMPLES
--------
Undo a commit and redo::
+
------------
$ git commit ...
$ git reset --soft HEAD^      <1>
------------
+
This is most often done when you {litdd}amend.
"""


def test_a_git_manual_page_in_txt_is_read_as_asciidoc():
    assert read("git-reset.txt", GIT_PAGE) == [
        (1, "git-reset(1)"),
        (4, "NAME"),
        (6, "git-reset - Reset current HEAD to the specified state"),
        (8, "SYNOPSIS"),
        (11, "git reset [-q] [<tree-ish>] [--] <pathspec>..."),
        (12, "git reset [--soft | --hard] [<commit>]"),
        (14, "DESCRIPTION"),
        (16, "In the last form, set the current branch head (HEAD) to <commit>, optionally modifying index "
             "and working tree to match."),
        (18, "See git-restore(1) and the “Interactive Mode” section."),
        (20, "--soft: Does not touch the index file or the working tree at all (but resets the head to <commit>)."),
        (24, "If -N is specified, removed paths are marked as intent-to-add."),
        (26, "-q, --quiet: Be quiet, only report errors."),
        (33, "This is the default."),
        (36, "EXAMPLES"),
        (38, "Undo a commit and redo"),
        (45, "This is most often done when you --amend."),
    ]


ADOC = """\
= The Guide
:toc: left
:product: Frobnicator

[[install]]
== Installing {product}

Run the installer.
// a comment that is not text
Then *restart* the _service_, see <<usage>> and <<not-here>>.

[source,shell]
make install

  an indented literal line

[[usage]]
== Using it

.A block title
* first item with link:https://example.com[the site]
* second item footnote:[A note.]

....
literal block
....

|===
|Name |Meaning
|a |one
|===

NOTE: Back up first.
"""


def test_an_adoc_file_is_read_without_markup_or_code():
    assert format_of(Path("guide.adoc")) == "asciidoc"
    assert read("guide.adoc", ADOC) == [
        (1, "The Guide"),
        (6, "Installing Frobnicator"),
        (8, "Run the installer."),
        (10, "Then restart the service, see Using it and not here."),
        (18, "Using it"),
        (20, "A block title"),
        (21, "first item with the site"),
        (22, "second item (A note.)"),
        (29, "Name; Meaning"),
        (30, "a; one"),
        (33, "NOTE: Back up first."),
    ]


def test_the_walk_finds_adoc_files(tmp_path):
    (tmp_path / "a.adoc").write_text("= A\n\nText.\n")
    (tmp_path / "b.asciidoc").write_text("= B\n\nText.\n")
    assert sorted(item.path.name for item in walk([tmp_path]) if isinstance(item, FoundFile)) == ["a.adoc", "b.asciidoc"]


def test_an_unclosed_listing_block_does_not_swallow_the_file():
    assert read("a.adoc", "= T\n\n----\nText after a stray delimiter.\n") == [(1, "T"), (4, "Text after a stray delimiter.")]


def test_plain_text_is_not_taken_for_asciidoc():
    """IDLE's notes name events "<<z-in>>"; a reST literal block follows "::" and a blank line; a
    Markdown-ish title underline, "----" rules and `code` are no evidence."""
    assert not reads_as_asciidoc("Zoom in with <<z-in>> and out with <<z-out>>.\n")
    assert not reads_as_asciidoc("Title\n=====\n\nRun `make`::\n\n    make all\n\nThen::\n\n    make install\n")
    assert not reads_as_asciidoc("Notes\n-----\n\nSome text.\n\n----\n\nMore text.\n")
    assert read("notes.txt", "Zoom in with <<z-in>>.\nOut with <<z-out>>.\n") == [
        (1, "Zoom in with <<z-in>>."), (2, "Out with <<z-out>>.")]


def test_git_fragments_and_articles_are_asciidoc():
    """Git's shared fragments (rerere-options.txt, mergetools-merge.txt) hold only a definition list;
    an article (git-bisect-lk2009.txt) has a title, its attributes under it, and headings."""
    assert reads_as_asciidoc("--rerere-autoupdate::\n--no-rerere-autoupdate::\n\tAllow it to update the index.\n")
    assert reads_as_asciidoc("`araxis`;;    Use Araxis Merge\n`bc`;;    Use Beyond Compare\n")
    assert reads_as_asciidoc("Fighting regressions\n====================\n:Author: Christian Couder\n\nText.\n")
    assert read("m.txt", "`araxis`;;    Use Araxis Merge\n`bc`;;    Use Beyond Compare\n") == [
        (1, "araxis: Use Araxis Merge"), (2, "bc: Use Beyond Compare")]


def test_markup_across_a_line_break_and_a_title_under_an_anchor():
    """Git's glossary and hooks page: an anchor above a two-line title ("update ~~~~~~" was one
    sentence), a cross reference and an emphasis wrapped over two lines, a bibliography entry."""
    source = ("= Hooks\n\n[[update]]\nupdate\n~~~~~~\n\n"
              "The current branch.  In more detail: Your <<def_working_tree,\n"
              "working tree>> is derived from HEAD, a 'best common\nancestor'.\n\n"
              "- [[[9]]] Ealdwulf, bbchop.\n")
    assert read("hooks.adoc", source) == [
        (1, "Hooks"), (4, "update"), (7, "The current branch."),
        (7, "In more detail: Your working tree is derived from HEAD, a best common ancestor."),
        (11, "Ealdwulf, bbchop.")]


def test_a_howto_mail_header_is_left_out():
    """Git's howtos are mails; their header ("Date: Mon, 29 Aug 2005 21:39:02 -0700 Content-type:
    text/asciidoc Message-ID: <...>") was stored as a sentence and found by searches for "undo"."""
    source = ("From: Junio C Hamano <gitster@pobox.com>\nDate: Mon, 29 Aug 2005 21:39:02 -0700\n"
              "Subject: [HOWTO] Reverting an existing commit\nContent-type: text/asciidoc\n"
              "Message-ID: <7voe7g3uop.fsf@assigned-by-dhcp.cox.net>\n\n"
              "How to revert an existing commit\n================================\n\nOne of the changes broke the build.\n")
    assert read("revert-branch-rebase.txt", source) == [
        (7, "How to revert an existing commit"), (10, "One of the changes broke the build.")]


def test_a_document_header_s_author_and_revision_lines_are_left_out():
    """Asciidoctor's header: the author and revision lines under the title were one sentence,
    "Author Name <author@example.org> v1.0, 2024-01-01 :toc: :icons: font"."""
    source = "= Document Title\nAuthor Name <author@example.org>\nv1.0, 2024-01-01\n:toc:\n\nA preamble.\n"
    assert read("b.adoc", source) == [(1, "Document Title"), (6, "A preamble.")]
    assert read("c.adoc", "Title\n=====\nAuthor Name\n\nA preamble.\n") == [(1, "Title"), (5, "A preamble.")]


def test_long_runs_of_terms_and_unclosed_links_read_in_linear_time():
    """A file of 100,000 consecutive terms took 37 s (each joined onto one growing block, found again
    by a scan of all blocks so far); unclosed "link:x[" macros were each followed to the block's end.
    Four times the input may take about four times as long, not sixteen."""
    import time

    def seconds(n: int) -> float:
        source = ("word " * 20 + "::\n") * n + "\n" + "link:x[ " * (n // 4) + "\n"
        start = time.perf_counter()
        read("terms.txt", source)
        return time.perf_counter() - start

    seconds(2_000)  # (warm-up)
    assert seconds(32_000) < 10 * max(seconds(8_000), 0.05)


def test_a_character_reference_reads_as_the_character_asciidoctor_shows():
    """``&amp;`` was stored as written ("Tom &amp; Jerry"). Asciidoctor escapes every "&" and then
    restores a character reference (its replacements substitution: a name, ``&#174;``, ``&#x2014;``),
    so the page shows the character; in a literal too, but not in a passthrough (``+&amp;+`` is
    shown as written) nor after a backslash (``\\&amp;``). A bare "&" is an "&"."""
    source = ("Tom &amp; Jerry &#174; &#x2014; &copy; in `a&lt;b` link:x[A &amp; B] but +&amp;+ and \\&amp; as written; R&D.\n\n"
              "|===\n|Name |Value\n\n|x |Tom &amp; Jerry\n|y |a &#59; b\n|===\n")
    assert [text for _, text in read("doc.adoc", source)] == [
        "Tom & Jerry ® — © in a<b A & B but &amp; and &amp; as written; R&D.",
        "Name; Value", "x; Tom & Jerry", "y; “a ; b”"]


def test_a_concealed_index_term_shows_nothing():
    """``indexterm:[knight, Lancelot]`` read as "knight, Lancelot", in the sentence. It is a
    concealed index term, as ``(((Sword, Broadsword)))`` is: an entry of the book's index, no word of
    the page; ``indexterm2:[Merlin]`` and ``((Arthur))`` are shown. In a table, a cell of one alone
    is an empty cell (tests/test_table_columns.py)."""
    source = "Sir Lancelot indexterm:[knight, Lancelot] rode on, with ((Arthur)) and indexterm2:[Merlin].\n"
    assert [text for _, text in read("doc.adoc", source)] == ["Sir Lancelot rode on, with Arthur and Merlin."]


def test_a_menu_macro_reads_as_asciidoctor_shows_it():
    """``menu:File[Save]`` read as "Save", the menu's name lost; Asciidoctor shows "File › Save"
    and ``menu:View[Zoom > Reset]`` "View › Zoom › Reset"; kbd and btn show their label alone."""
    source = ("To save, choose menu:File[Save] or press kbd:[Ctrl+S].\n\n"
              "Select menu:View[Zoom > Reset] or btn:[OK], then menu:Tools[].\n")
    assert [text for _, text in read("doc.adoc", source)] == [
        "To save, choose File › Save or press Ctrl+S.", "Select View › Zoom › Reset or OK, then Tools."]


# --- Found by a user trial (session 42, trial D) on Asciidoctor 2.0.18's syntax reference
# (data/reference/syntax.adoc, Debian's ruby-asciidoctor).

# --- AsciiDoc: a passthrough inside a literal --------------------------------------------------------

def test_asciidoc_passthrough_in_a_literal_reads_as_its_text():
    # Asciidoctor's literal monospace, `+text+` (syntax.adoc:43): shown as "text" in code. The
    # passthrough's placeholder stood in the literal's text and was stored as "\x000\x00".
    assert read("a.adoc", "Use `+literal text+` here.\n") == [(1, "Use literal text here.")]
    assert read("a.adoc", "Use `+a+` and `+{b}+` here.\n") == [(1, "Use a and {b} here.")]


# --- AsciiDoc: the pass macro ------------------------------------------------------------------------

def test_asciidoc_pass_macro_is_a_passthrough_taken_out_first():
    # syntax.adoc:64-66. Asciidoctor takes passthroughs out before any other substitution: the
    # text of pass:[...] (with the substitutions it names, pass:c,a,r[...]) is shown as written.
    # It was read after the "+" passthroughs and strong text had eaten into it.
    source = ("Since `pass:[++]` has strong priority, you can rewrite pass:c,a,r[C++ => C{pp}].\n\n"
              "It contains pass:[************] arranged.\n")
    assert read("a.adoc", source) == [(1, "Since ++ has strong priority, you can rewrite C++ => C++."),
                                      (3, "It contains ************ arranged.")]


# --- AsciiDoc: inline image and icon macros ----------------------------------------------------------

def test_asciidoc_inline_image_reads_as_its_alt_text_and_an_icon_as_its_name():
    # syntax.adoc:282 and :64. An inline image's text is its alt text, the first positional
    # attribute (else alt=; none, nothing, as before), never its size and options; an icon's, its name
    # (Asciidoctor writes "[flag]" without icons, the image's alt "flag" with image icons, and a
    # font icon's role is its color). They were read as "Press reload,16,opts=interactive to
    # reload the page." and "The European role=blue is blue".
    source = ("Press image:reload.svg[reload,16,opts=interactive] to reload the page.\n\n"
              "The European icon:flag[role=blue] is blue.\n\n"
              "See image:images/tux-logo.png[width=32,alt=\"Tux, the penguin\"] and image:sunset_beach.jpg[] here.\n")
    assert read("a.adoc", source) == [(1, "Press reload to reload the page."),
                                      (3, "The European flag is blue."),
                                      (5, "See Tux, the penguin and here.")]


# --- AsciiDoc: marked text and a phrase's role --------------------------------------------------------

def test_asciidoc_mark_and_a_phrase_role_read_as_their_text():
    # syntax.adoc:44, :50 and :58-60. "#text#" (constrained) and "##text##" (unconstrained) are
    # Asciidoctor's marked text, a <mark>; an attribute list right before a quote ("[.path]_images_",
    # "[.line-through]#delete me#") gives the phrase a role or an id, shown as nothing. They were
    # read as written: "a #mark# to remember", "[.line-through]#delete me# the [.path]images directory".
    source = ("a #mark# to remember and ##mark##up your text.\n\n"
              "[.line-through]#delete me# the [.path]_images_ directory a [#wibble.term]*wibble* does wobble.\n\n"
              "Write it in C# or F# and see issue #12, #13 or [.code]`x`.\n")
    assert read("a.adoc", source) == [(1, "a mark to remember and markup your text."),
                                      (3, "delete me the images directory a wibble does wobble."),
                                      (5, "Write it in C# or F# and see issue #12, #13 or x.")]


def test_asciidoc_escaped_quote_marks_are_text():
    # Asciidoctor shows a quote whose opening mark is escaped as written, without the backslash.
    # The backslash went, and the marks with it: "An \\escaped star".
    assert read("a.adoc", "An \\*escaped* star, \\_escaped_ line and \\#escaped# hash.\n") == [
        (1, "An *escaped* star, _escaped_ line and #escaped# hash.")]


# --- AsciiDoc: hard line breaks -----------------------------------------------------------------------

def test_asciidoc_hardbreaks_paragraph_keeps_each_line_its_own():
    # syntax.adoc:82-86 and :35-50. A paragraph with the hardbreaks option ([%hardbreaks],
    # options=hardbreaks), or any while the document sets hardbreaks-option, shows each line on a
    # line of its own (Asciidoctor ends each with <br>): four links were one sentence, "A webpage A
    # local file A sibling document Email to say hello!".
    source = ("[%hardbreaks]\n"
              "https://example.org/page[A webpage]\n"
              "link:../path/to/file.txt[A local file]\n"
              "mailto:hello@example.org[Email to say hello!]\n"
              "\n"
              "== Text\n"
              ":hardbreaks-option:\n"
              "\n"
              ".Constrained\n"
              "*strong importance* (aka bold)\n"
              "// a comment\n"
              "_stress emphasis_ (aka italic)\n"
              "\n"
              ":!hardbreaks-option:\n"
              "Two lines of\n"
              "one sentence.\n")
    assert read("a.adoc", source) == [(2, "A webpage"), (3, "A local file"), (4, "Email to say hello!"),
                                      (6, "Text"), (9, "Constrained"), (10, "strong importance (aka bold)"),
                                      (12, "stress emphasis (aka italic)"), (15, "Two lines of one sentence.")]


# --- Found by session 42's review.

def test_hardbreaks_set_in_the_document_header_breaks_every_paragraphs_lines():
    """``:hardbreaks-option:`` is set in the header as a rule (Asciidoctor's docs); the header's
    entries were read by ``_header_end`` alone, so it was ignored there."""
    from .textgen import read

    source = "= Title\n:hardbreaks-option:\n\nRoses are red\nviolets are blue\n"
    assert read("a.adoc", source) == [(1, "Title"), (4, "Roses are red"), (5, "violets are blue")]
    unset = "= Title\n:hardbreaks-option:\n:hardbreaks-option!:\n\nRoses are red\nviolets are blue\n"
    assert read("a.adoc", unset) == [(1, "Title"), (5, "Roses are red violets are blue")]
