"""Reader cases found by a user trial (session 42, trial D) on Asciidoctor 2.0.18's syntax reference
(``data/reference/syntax.adoc``, Debian's ruby-asciidoctor), mkdocstrings 1.0.8's Markdown docs and
MkDocs 1.4.2's HTML docs (Debian's mkdocs-doc)."""

from __future__ import annotations

from .textgen import read


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


# --- Markdown: an HTML block's own blocks ------------------------------------------------------------

def test_markdown_html_block_keeps_its_headings_and_paragraphs_apart():
    # mkdocstrings 1.0.8, docs/usage/index.md:76-85 (a tab "Result" shows the rendered HTML): a
    # heading and the paragraphs of an HTML block are blocks of their own on the page, and were one
    # sentence, "Documentation for MyClass Print print print! method_a Print A!".
    source = ('Intro text here.\n\n'
              '<h3 id="x">Documentation for <code>MyClass</code></h3>\n'
              '<div><div><p>Print print print!</p><div><div>\n'
              '<h4 id="y">\n'
              '<code class="highlight">method_a(self)</code>\n'
              '</h4><div><p>Print A!</p></div></div></div>\n'
              '\nAfter.\n')
    assert read("a.md", source) == [(1, "Intro text here."), (3, "Documentation for MyClass"),
                                    (4, "Print print print!"), (6, "method_a(self)"), (7, "Print A!"),
                                    (9, "After.")]


def test_a_markdown_list_or_heading_right_after_an_html_block_stays_what_it_is():
    """The HTML block runs to a blank line (CommonMark), but a list item or a heading written on the
    line after a closing tag is one to its writer (and to Python-Markdown): the block's new reading
    made "</div>\\n- item one\\n- item two" one sentence, "- item one - item two" (review, session 42)."""
    source = ('<div class="x">\n<p>One para.</p>\n</div>\n- item one is here\n- item two is here\n\n'
              '<hr>\n# Heading after\n\nEnd.\n')
    assert read("b.md", source) == [(2, "One para."), (4, "item one is here"), (5, "item two is here"),
                                    (8, "Heading after"), (10, "End.")]
