"""The Markdown reader against review ZS's findings: prose in every container comes out word for
word on its own line, code and markup inside containers stay out, and the cases the review found
(D1, D6-D10, K1, K5-K15, P1, P2) each have an example that failed before they were fixed."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import extract
from simsearch.extract.markdown import (
    _MD_ATTRIBUTES,
    _MD_CODE,
    _MD_IMAGE,
    _MD_LINK,
    _MD_STRONG,
)

from .textgen import WORDS, paragraph, read, sentence, wrap

# A number that starts a wrapped line mid-paragraph (D9): only a list that starts at 1 may interrupt one.
numbered_sentence = st.tuples(sentence, st.sampled_from(["15.", "2)", "42.", "7)"]), sentence).map(
    lambda parts: f"{parts[0][:-1]} on day {parts[1]} {parts[2]}")


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


# Code a container may hold between its paragraphs, as the lines after its marker (each line is
# prefixed by the container's own indentation or quote marker): never read as prose.
CODE = [["```python", "# hidden comment", "hidden_call(1)", "```"],
        ["~~~", "hidden_line one", "~~~"],
        ["", "    hidden_indented()", "    # hidden"],  # indented code: after a blank line
        [">>> hidden_doctest()", "'hidden'"]]

KINDS = ["plain", "numbers", "quote", "nested-quote", "quote-code", "alert", "bullet", "ordered", "task",
         "two-para-item", "item-code", "loose-4", "admonition", "admonition-heading", "collapsible", "tab",
         "footnote", "footnote-2para", "deflist", "heading", "setext", "myst-note", "myst-note-arg",
         "myst-admonition", "myst-options", "colon-note", "eval-rst", "html-div", "details", "block",
         "break", "raw-html"]


@st.composite
def markdown_document(draw):
    """A Markdown file of prose in containers, and the words a reader should give, in order."""
    out, wanted = [], []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(KINDS))
        paras = draw(st.lists(paragraph if kind != "numbers" else st.lists(numbered_sentence, min_size=1, max_size=2),
                              min_size=1, max_size=2))
        width = draw(st.sampled_from([24, 30, 50, 79, 1000]))
        text = [" ".join(p) for p in paras]
        code = draw(st.sampled_from(CODE))
        block: list[str] = []
        if kind in ("plain", "numbers"):
            for t in text:
                block += wrap(t, width, "") + [""]
        elif kind == "quote":
            for i, t in enumerate(text):
                block += wrap(t, width, "> ") + ([">"] if i < len(text) - 1 else [])
            block += [""]
        elif kind == "nested-quote":
            for t in text:
                block += wrap(t, width, "> > ") + [""]
        elif kind == "quote-code":  # K1: a fence, indented code or a doctest inside a block quote
            block += wrap(text[0], width, "> ") + [">"] + [f"> {line}".rstrip() for line in code if line] + [""]
            text = text[:1]
        elif kind == "alert":  # K11: GitHub's alert marker is no prose
            block += [f"> [!{draw(st.sampled_from(['NOTE', 'TIP', 'WARNING', 'Important']))}]"]
            block += wrap(text[0], width, "> ") + [""]
            text = text[:1]
        elif kind in ("bullet", "ordered", "task"):
            marker = {"bullet": "* ", "ordered": "1. ", "task": "- [ ] "}[kind]
            for t in text:
                block += wrap(t, width, " " * len(marker), marker)
            block += [""]
        elif kind == "two-para-item":
            block += wrap(text[0], width, "   ", "1. ") + [""]
            for t in text[1:]:
                block += wrap(t, width, "   ") + [""]
        elif kind == "item-code":  # code in a list item, at the item's content column
            block += wrap(text[0], width, "   ", "1. ") + [""] + [f"   {line}".rstrip() for line in code] + [""]
            text = text[:1]
        elif kind == "loose-4":  # Python-Markdown / mkdocs: continuation indented four spaces
            block += wrap(text[0], width, "    ", "-   ") + [""]
            for t in text[1:]:
                block += wrap(t, width, "    ") + [""]
        elif kind in ("admonition", "collapsible", "tab"):
            head = {"admonition": '!!! note "Title words"', "collapsible": '??? tip "Title words"',
                    "tab": '=== "Title words"'}[kind]
            wanted += ["Title", "words:"]  # the title labels the text its body begins with (session 37)
            block += [head, ""]
            for t in text:
                block += wrap(t, width, "    ") + [""]
        elif kind == "admonition-heading":  # K12: a heading's "#" counts from the container's column
            block += ["!!! note", "", "    ## Heading words", ""]
            wanted += ["Heading", "words"]
            for t in text:
                block += wrap(t, width, "    ") + [""]
        elif kind in ("footnote", "footnote-2para"):  # D6: a footnote's later paragraphs are indented four
            block += wrap(text[0], width, "    ", "[^1]: ") + [""]
            if kind == "footnote-2para":
                for t in text[1:]:
                    block += wrap(t, width, "    ") + [""]
            else:
                text = text[:1]
        elif kind == "deflist":
            term = draw(st.sampled_from(WORDS))
            wanted += [term + ":"]  # the term labels its definition (session 37)
            block += [term] + wrap(text[0], width, "    ", ":   ") + [""]
            text = text[:1]
        elif kind == "heading":
            block += ["## " + text[0].rstrip(".")] + [""]
            text = [text[0].rstrip(".")]
        elif kind == "setext":  # K13: an underline of any length
            underline = draw(st.sampled_from("=-")) * draw(st.integers(1, 6))
            block += [text[0].rstrip("."), underline, ""]
            text = [text[0].rstrip(".")]
        elif kind in ("myst-note", "myst-options"):
            block += ["```{note}"]
            if kind == "myst-options":  # K10: options as fields or as a YAML block
                block += draw(st.sampled_from([[":class: hidden_class"], ["---", "class: hidden_class", "---"]]))
            for i, t in enumerate(text):
                block += wrap(t, width, "") + ([""] if i < len(text) - 1 else [])
            block += ["```", ""]
        elif kind == "myst-note-arg":  # D10: text on the fence line is the body's first line
            block += wrap(text[0], width, "", "```{note} ")
            for t in text[1:]:
                block += [""] + wrap(t, width, "")
            block += ["```", ""]
        elif kind == "myst-admonition":  # D10: the argument is the title
            block += ["```{admonition} Title words"]
            wanted += ["Title", "words:"]  # the title labels the text its body begins with (session 37)
            for i, t in enumerate(text):
                block += wrap(t, width, "") + ([""] if i < len(text) - 1 else [])
            block += ["```", ""]
        elif kind == "colon-note":
            block += [":::{warning}"]
            for i, t in enumerate(text):
                block += wrap(t, width, "") + ([""] if i < len(text) - 1 else [])
            block += [":::", ""]
        elif kind == "eval-rst":  # D10: rst inside Markdown, read as rst
            block += ["```{eval-rst}", ".. note::", ""]
            for t in text:
                block += wrap(t, width, "   ") + [""]
            block += [".. code-block:: python", "", "   hidden_rst_code = 1", "```", ""]
        elif kind == "html-div":
            block += ['<div class="hidden">', ""]
            for t in text:
                block += wrap(t, width, "") + [""]
            block += ["</div>", ""]
        elif kind == "details":  # its summary labels the text the details begin with (session 38)
            block += ["<details>", "<summary>Title words</summary>", ""]
            wanted += ["Title", "words:"]
            for t in text:
                block += wrap(t, width, "") + [""]
            block += ["</details>", ""]
        elif kind == "block":  # its title labels the text its body begins with (session 38)
            block += ["/// note | Title words", ""]
            wanted += ["Title", "words:"]
            for t in text:
                block += wrap(t, width, "") + [""]
            block += ["///", ""]
        elif kind == "break":  # D7: a thematic break (at the top of a file it is no front matter)
            block += [draw(st.sampled_from(["---", "***", "* * *", "- - -", "___"])), ""]
            for t in text:
                block += wrap(t, width, "") + [""]
        elif kind == "raw-html":  # K9: script, style and pre blocks hold no prose
            tag = draw(st.sampled_from(["script", "style", "pre", "PRE"]))
            block += [f"<{tag}>", "hidden_raw { one: 1; }", "hidden_raw two", f"</{tag}>", ""]
            for t in text:
                block += wrap(t, width, "") + [""]
        out += block
        wanted += " ".join(text).split()
    return "\n".join(out) + "\n", wanted


@given(markdown_document())
@settings(max_examples=150, deadline=None)
def test_prose_in_every_markdown_container_comes_out_word_for_word_on_its_line(document):
    """Oracle: the words generated, independent of the reader. Each sentence's first word is on
    the line the sentence reports; no word of code, options or raw HTML ("hidden...") is read."""
    source, wanted = document
    sentences = md(source)
    assert " ".join(text for _, text in sentences).split() == wanted, (source, sentences)
    lines = re.split(r"\r\n|\r|\n", source)
    for number, text in sentences:
        assert text.split()[0].rstrip(":") in lines[number - 1], (number, text, source)


# Any ASCII punctuation after a backslash is that character (CommonMark); a backslash before
# another character stays.
ESCAPED = st.sampled_from(string.punctuation).map(lambda c: ("\\" + c, c))
KEPT = st.sampled_from(["\\a", "\\é", "\\1"]).map(lambda t: (t, t))


@given(st.lists(st.one_of(st.sampled_from(WORDS).map(lambda w: (w, w)), ESCAPED, KEPT), min_size=2, max_size=10))
@settings(max_examples=150, deadline=None)
def test_a_backslash_escape_is_its_character_whatever_follows(tokens):
    """K6: "\\*args\\*" once read "\\args\\" (emphasis ran before the escapes), "\\<b\\>" "\\<b>"."""
    source = "Start " + " ".join(written for written, _ in tokens) + " end.\n"
    wanted = "Start " + " ".join(meant for _, meant in tokens) + " end."
    assert " ".join(extract(Path("x.md"), source.encode()).text.split()) == wanted, source


# Each: (review item, source, sentences). Every one failed on the reader before its fix.
CASES = [
    ("D1 <!-- in a code span", "Use `<!--` to open a comment.\n\nThis paragraph is prose.\n\n## Heading\n\nMore prose.\n",
     [(1, "Use <!-- to open a comment."), (3, "This paragraph is prose."), (5, "Heading"), (7, "More prose.")]),
    ("D1 markdown's change log", "* July 9, 2006: Fixed the `<!--@address.com>` problem.\n\n"
     "* May 18, 2006: Stopped catching unquoted titles.\n",
     [(1, "July 9, 2006: Fixed the <!--@address.com> problem."), (3, "May 18, 2006: Stopped catching unquoted titles.")]),
    ("D1 a comment opened mid-line", "Text <!-- a note\nover lines --> goes on.\n\nNext.\n",
     [(1, "Text goes on."), (4, "Next.")]),
    ("D6 footnote's second paragraph", "Text[^1].\n\n[^1]: First paragraph of the note.\n\n    Second paragraph of the note.\n",
     [(1, "Text."), (3, "First paragraph of the note."), (5, "Second paragraph of the note.")]),
    ("D7 leading thematic break", "---\n\nIntro paragraph.\n\nTitle\n---\n\nBody.\n",
     [(3, "Intro paragraph."), (5, "Title"), (8, "Body.")]),
    ("D7 front matter still skipped", "---\ntitle: Hidden title\ntags:\n  - hidden\n---\n\nBody.\n", [(7, "Body.")]),
    ("D8 closer indented four", "```\nhidden\n    ```\nstill code\n```\n\nText.\n", [(7, "Text.")]),
    ("D9 number starting a wrapped line", "The meeting is on March\n15. Please attend it.\n",
     [(1, "The meeting is on March 15."), (2, "Please attend it.")]),
    ("D9 a list still goes on", "1. One item.\n2. Two items.\n\n3. Three.\n",
     [(1, "One item."), (2, "Two items."), (4, "Three.")]),
    ("D10 admonition title", "```{admonition} The title\nThe body.\n```\n", [(1, "The title: The body.")]),
    ("D10 text on the fence line", "```{note} Text on the fence line.\nMore.\n```\n",
     [(1, "Text on the fence line."), (2, "More.")]),
    ("D10 versioned", "```{versionadded} 1.2 The new reader.\n```\n", [(1, "The new reader.")]),
    ("D10 eval-rst", "```{eval-rst}\n.. note:: Prose inside eval-rst.\n\n   And :func:`more` *here*.\n```\n\nEnd.\n",
     [(2, "Prose inside eval-rst."), (4, "And more here."), (7, "End.")]),
    ("K1 fence in a quote", "> Note:\n>\n> ```python\n> # hidden comment\n> hidden = 1\n> ```\n\nEnd.\n",
     [(1, "Note:"), (8, "End.")]),
    ("K1 indented code in a quote", "> Run:\n>\n>     hidden --flag\n\nText.\n", [(1, "Run:"), (5, "Text.")]),
    ("K1 doctest in a quote", "> >>> hidden()\n> 'hidden'\n\nText.\n", [(4, "Text.")]),
    ("K5 tag over lines", 'Click <img src="a.png"\n alt="hidden"> here.\n', [(1, "Click here.")]),
    ("K5 link target over lines", 'Click <a href="https://x.org"\ntarget="_blank">here</a> now.\nNext line.\n',
     [(1, "Click here now."), (3, "Next line.")]),
    ("K5 image over lines", "See ![alt\ntext](x.png) this.\nAnd that.\n", [(1, "See this."), (3, "And that.")]),
    ("K6 hard-break backslash", "First line\\\nsecond line.\n", [(1, "First line second line.")]),
    ("K6 backslash in a code span stays", "Type `C:\\*` here.\n", [(1, "Type C:\\* here.")]),
    ("K7 badge", "[![Build](https://img.shields.io/x.svg)](https://ci.example.com/hidden)\n\nText.\n", [(3, "Text.")]),
    ("K7 nested brackets", "See [the [x] docs](https://x.org) now.\n", [(1, "See the [x] docs now.")]),
    ("K7 parentheses in a URL", "See [docs](https://x.org/a_(b)) now.\n", [(1, "See docs now.")]),
    ("K8 one-hyphen delimiters", "Name | Kind\n-|-\nalpha | one\n", [(1, "Name; Kind"), (3, "alpha; one")]),
    ("K8 setext after a pipe line", "Options | Flags\n---\n\nText.\n", [(1, "Options | Flags"), (4, "Text.")]),
    ("K8 escaped pipe in a cell", "| a | b |\n|---|---|\n| bool \\| str | x |\n", [(1, "a; b"), (3, "bool | str; x")]),
    ("K9 script", "<script>\nvar hidden = 1;\n</script>\n\nText.\n", [(5, "Text.")]),
    ("K9 style", "<style>\n.hidden { color: red; }\n</style>\n\nText.\n", [(5, "Text.")]),
    ("K9 pre", "<pre>\nhidden code line\n</pre>\n\nText.\n", [(5, "Text.")]),
    ("K10 code-cell", "```{code-cell} ipython3\nimport hidden\nhidden.run()\n```\n\nEnd.\n", [(6, "End.")]),
    ("K10 YAML options", "```{note}\n---\nclass: hidden\n---\nBody.\n```\n", [(5, "Body.")]),
    ("K11 GitHub alert", "> [!NOTE]\n> Useful information.\n", [(2, "Useful information.")]),
    ("K12 heading in an admonition", "!!! note\n    # Inner heading\n\n    Body.\n", [(2, "Inner heading"), (4, "Body.")]),
    ("K12 indented code after a heading", "# Example\n    hidden_code()\n\nText.\n", [(1, "Example"), (4, "Text.")]),
    ("K13 short setext", "Hi\n=\n\nText.\n", [(1, "Hi"), (4, "Text.")]),
    ("K14 two comments on a line", "Alpha <!-- x --> beta <!-- y --> gamma.\n", [(1, "Alpha beta gamma.")]),
    ("K14 a comment in a list", "- item <!-- hidden -->\n- two\n", [(1, "item"), (2, "two")]),
    ("K15 display math", "Before.\n\n$$\nE = mc^2\n$$\n\nAfter.\n", [(1, "Before."), (7, "After.")]),
    ("K15 one-line math", "$$ a^2 + b^2 $$\n\nAfter.\n", [(3, "After.")]),
    ("K15 inline math", "The sum $$a+b$$ is known.\n", [(1, "The sum is known.")]),
    # MyST's dollarmath: an equation label after the closing $$; amsmath: a LaTeX environment as a block.
    ("K15 labelled display math", "Before.\n\n$$\n  w = r s\n$$ (eq-growth)\n\nAfter.\n", [(1, "Before."), (7, "After.")]),
    ("K15 one-line labelled math", "$$ x = y $$ (eq-one)\n\nAfter.\n", [(3, "After.")]),
    ("K15 amsmath block", "Before.\n\n\\begin{gather*}\na_1=b_1\\\\\na_2=b_2\n\\end{gather*}\n\n"
     "\\begin{align}\na& =b\n\\end{align}\n\nAfter.\n", [(1, "Before."), (12, "After.")]),
    ("K15 amsmath never closed is text", "\\begin{align} starts an environment in LaTeX.\n",
     [(1, "\\begin{align} starts an environment in LaTeX.")]),
    ("K15 dollars in prose", "Costs $$5 and $$6 here.\n", [(1, "Costs $$5 and $$6 here.")]),
    # dollarmath's inline math reads as a {math} role does: its LaTeX, without the dollars (and no
    # emphasis inside it); amounts ("$5 and $10", "$5-$10") are no math, as with dmath_allow_space
    # and dmath_allow_digits off: a "$" before a space or a digit closes nothing.
    ("K15 inline dollar math", "Let $x_i$ be one of $n$ terms, $a *b* c$ and {math}`y^2`.\n",
     [(1, "Let x_i be one of n terms, a *b* c and y^2.")]),
    ("K15 inline math over a line end", "The sum $a +\nb$ is known.\n", [(1, "The sum a + b is known.")]),
    ("K15 dollar amounts stay", "It costs $5 and $10, $5-$10 or \\$3, in $HOME and $PATH.\n",
     [(1, "It costs $5 and $10, $5-$10 or $3, in $HOME and $PATH.")]),
    # A dollar in one link's text and one in the next took the links' brackets for math: "[$filter](a)
    # and [$select](b)" (OData's parameters) read as "filter](a) and [select". No math crosses a "](" or
    # "][" (as pandoc, whose link text is bracketed first); math inside a link's text still reads.
    ("K15 dollars in two links", "Use [$filter](https://x.org/f) and [$select][s] or [$top](#top).\n\n"
     "[s]: https://x.org/s\n\nSee [the $x_i$ note](n.md) and $[0,1]$ too.\n",
     [(1, "Use $filter and $select or $top."), (5, "See the x_i note and [0,1] too.")]),
    # An autolink's URL is no math: "<https://x/?$filter=a&$top=5>" lost its dollars ("?filter=a&top=5").
    ("K15 dollars in an autolink", "Try <https://x.org/odata?$filter=a&$top=5> or $x$.\n",
     [(1, "Try https://x.org/odata?$filter=a&$top=5 or x.")]),
    ("K15 e-mail autolink", "Write to <user@example.com> today.\n", [(1, "Write to user@example.com today.")]),
    ("link title on the next line", '[x]: https://x.org\n    "Hidden title"\n\nText.\n', [(4, "Text.")]),
    # A definition's title alone on the next line, indented under four, was read as a sentence
    # ('"Guide title"'), and a label alone on its line ("[g]:", CommonMark's destination on the
    # next line) left the whole definition as text; a quote after a titled definition is still text.
    ("definition's title on the next line", 'See [the guide][g] for more.\n\n[g]: https://x.org/guide\n"Guide title"\n',
     [(1, "See the guide for more.")]),
    ("definition's title on the next line, indented", "[g]: https://x.org\n  (Guide title)\nText.\n", [(3, "Text.")]),
    ("definition's destination on the next line", '[g]:\nhttps://x.org/guide\n"Guide title"\n\nText.\n',
     [(5, "Text.")]),
    ("a quote after a titled definition", '[g]: https://x.org "Title"\n"A quote."\n', [(2, '"A quote."')]),
    ("a label alone before text", "[g]:\nnot a destination\n", [(1, "[g]: not a destination")]),
    ("backticks fence with a backtick", "``` not a fence ``` is code.\n", [(1, "not a fence is code.")]),
    # wiki links of a personal vault (Obsidian and others): the text they show, never the brackets
    ("wikilink", "See [[Tomato plan]] first.\n", [(1, "See Tomato plan first.")]),
    ("wikilink alias", "See [[2024-05 garden|the garden notes]] too.\n", [(1, "See the garden notes too.")]),
    ("wikilink heading", "See [[Tomato plan#Watering]] now.\n", [(1, "See Tomato plan Watering now.")]),
    ("wikilink block", "As [[Tomato plan#^a1b2c3]] says.\n", [(1, "As Tomato plan says.")]),
    ("wikilink to a heading here", "Above in [[#Costs]].\n", [(1, "Above in Costs.")]),
    ("wikilink embed", "The photo ![[tomatoes.jpg]] of May.\n", [(1, "The photo of May.")]),
    ("wikilink in a code span stays", "Write `[[name]]` to link.\n", [(1, "Write [[name]] to link.")]),
    # callouts of Obsidian and pymdown's Quotes: GitHub's alert marker with a title, a fold sign or more classes
    ("callout title", "> [!tip] Here's a tip\n> Use a custom title!\n", [(1, "Here's a tip"), (2, "Use a custom title!")]),
    ("callout folded", "> [!faq]- Are callouts foldable?\n> Yes, they are.\n",
     [(1, "Are callouts foldable?"), (2, "Yes, they are.")]),
    ("callout classes", "> [!warning | inline | end]\n> Set at the end.\n", [(2, "Set at the end.")]),
    # pymdown's Keys, Mark and Caret (Mark's ==x== is also Obsidian's highlight): the text, not the delimiters
    ("keys", "Press ++ctrl+alt+delete++ to restart.\n", [(1, "Press ctrl+alt+delete to restart.")]),
    ("keys quoted", 'Press ++ctrl+"My Key"++ now.\n', [(1, "Press ctrl+My Key now.")]),
    ("mark", "This is ==very\nimportant== text.\n", [(1, "This is very important text.")]),
    ("insert", "This is ^^inserted^^ text.\n", [(1, "This is inserted text.")]),
    ("no keys or mark", "Write C++ or g++ code; x==y and a == b stay.\n", [(1, "Write C++ or g++ code; x==y and a == b stay.")]),
    ("arrows are no mark", "Then a ==> b, and b <== c.\n", [(1, "Then a ==> b, and b <== c.")]),
    ("arrows are no insert", "Read x ^^> y and y <^^ z.\n", [(1, "Read x ^^> y and y <^^ z.")]),
    ("keys in a code span stay", "Type `++ctrl++` or `==x==` here.\n", [(1, "Type ++ctrl++ or ==x== here.")]),
    ("callout nested", "> [!note] Outer\n> Content.\n> > [!danger]+\n> > Inner content.\n",
     [(1, "Outer"), (2, "Content."), (4, "Inner content.")]),
]


@pytest.mark.parametrize("source, wanted", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_review_zs_markdown_cases(source, wanted):
    assert md(source) == wanted


def test_every_line_of_a_block_keeps_its_number_through_multi_line_constructs():
    """K5: a construct spanning lines (a tag, a link, an image, a comment, a badge) once changed a
    block's line count and sent it down a line-by-line fallback that kept the markup verbatim."""
    constructs = ['<a href="x"\ntarget="_blank">', "![alt\ntext](x.png)", "[link\ntext](https://x.org/\n)",
                  "<!-- a\ncomment -->", "[![b](i.svg)](\nhttps://ci)", "**bold\nwords**", "$$a\n+ b$$", "`code\nspan`"]
    for construct in constructs:
        source = f"Alpha beta {construct} gamma.\nDelta line.\nEpsilon line.\n"
        sentences = md(source)
        assert [text for _, text in sentences][-2:] == ["Delta line.", "Epsilon line."], (construct, sentences)
        assert [number for number, _ in sentences][-2:] == [construct.count("\n") + 2, construct.count("\n") + 3]
        assert not any(mark in sentences[0][1] for mark in "<>[]()!{}`"), (construct, sentences)


# Pathological inputs: instant when the patterns are linear; the old patterns took minutes
# (a run of backticks was cubic, 2,000 of them 12.7 s) or tens of seconds (quadratic).
def test_a_long_run_of_backticks_is_read_in_linear_time():
    """P1: CommonMark's rule: a code span opens at a whole run of backticks and closes at the
    next run of the same length, so no run is tried from inside."""
    assert _MD_CODE.search("a " + "`" * 5000) is None
    assert _MD_CODE.search("a " + "`" * 5000 + " b") is None
    match = _MD_CODE.search("``` a `` b ```")
    assert match.group("code") == " a `` b "
    text = "".join(text for _, text in md("a " + "`" * 5000 + " b\n"))  # (cut at 1,000 characters)
    assert text.count("`") == 5000 and text.startswith("a ") and text.endswith(" b")


@pytest.mark.parametrize("pattern, text", [
    (_MD_STRONG, "a " + "**a " * 50_000),
    (_MD_ATTRIBUTES, "x {:" * 50_000),
    (_MD_IMAGE, "![" * 200_000),
    (_MD_LINK, "[a](" * 200_000),
], ids=["strong", "attributes", "image", "link"])
def test_unclosed_inline_markup_is_read_in_linear_time(pattern, text):
    """P2: each of these took seconds at 20,000 repeats and grew with the square of the size."""
    assert pattern.search(text) is None


def test_nested_strong_loses_both_pairs():
    assert md("A **very **bold** claim** here.\n") == [(1, "A very bold claim here.")]


def test_html_entities_read_as_their_characters_outside_code():  # review ZW: &nbsp; and &amp; were kept
    got = read("a.md", "AT&amp;T and Johnson&nbsp;&amp;&nbsp;Johnson sell tools &mdash; and `&amp;` stays.\n\n"
                       "A &bogus; name, &#8212; a dash, and \\&amp; escaped.\n")
    assert [text for _, text in got] == ["AT&T and Johnson & Johnson sell tools — and &amp; stays.",
                                         "A &bogus; name, — a dash, and &amp; escaped."]


def test_unclosed_latex_environments_are_read_in_linear_time(monkeypatch):
    """Each block opening with ``\\begin{align}`` looked for its ``\\end{align}`` through the rest of
    the file, again for every such block when none follows: 4,000 of them took 0.5 s, 16 times
    1,000's (quadratic). An environment found unclosed is not looked for again, as ``$$`` is not.
    Counted, not timed: the lines the reader steps through grow as the file does."""
    import builtins

    from simsearch.extract import markdown

    steps = 0

    def counting_range(*args):
        nonlocal steps
        for value in builtins.range(*args):
            steps += 1
            yield value

    monkeypatch.setattr(markdown, "range", counting_range, raising=False)
    blocks = 2000
    sentences = md("\\begin{align} is how an environment opens.\n\n" * blocks)
    assert len(sentences) == blocks and sentences[0] == (1, "\\begin{align} is how an environment opens.")
    assert steps < 20 * blocks, steps


def test_display_math_closes_at_a_label_as_dollarmath_reads_one():
    """dollarmath (mdit-py-plugins) closes display math at a line ending in ``$$``, or in ``$$``
    and a ``(label)`` whose label may hold spaces (``$$ (growth rate)``, made "growth-rate"): such a
    block was read as text, LaTeX and all. Text after the label closes nothing, there as here: the
    block runs on to the next closing line."""
    assert md("Before.\n\n$$\n  w = r s\n$$ (growth rate)\n\nAfter.\n") == [(1, "Before."), (7, "After.")]
    assert md("$$ x = y $$ (eq: one)\n\nAfter.\n") == [(3, "After.")]
    assert md("$$\nx = y\n$$ (eq-one) and more\n$$\n\nAfter.\n") == [(6, "After.")]


field_key = st.sampled_from(["Title", "Author", "Date", "Tags", "Phone", "E-mail", "Due date", "Status"])
field_value = st.sampled_from(["Router notes", "Jane Doe", "2024-01-02", "network, home", "555 0199",
                               "ann@example.org", "call Ann about the lease", "done"])


@settings(max_examples=40, deadline=None)
@given(fields=st.lists(st.tuples(field_key, field_value), min_size=2, max_size=6))
def test_a_paragraph_of_key_value_lines_is_a_sentence_per_line(fields):
    """MultiMarkdown's metadata ("Title: Router notes" then "Author: Jane Doe") and a note's
    fields were one sentence, "Title: Router notes Author: Jane Doe Date: 2024-01-02": each line
    is a sentence of its own, its text kept whole, at the top of the file as further down."""
    lines = [f"{key}: {value}" for key, value in fields]
    assert md("\n".join(lines) + "\n\n# Resetting\n\nHold the button.\n") == [
        *((k + 1, line) for k, line in enumerate(lines)), (len(lines) + 2, "Resetting"), (len(lines) + 4, "Hold the button.")]
    assert md("Intro.\n\n" + "\n".join(lines) + "\n") == [(1, "Intro."), *((k + 3, line) for k, line in enumerate(lines))]


def test_a_paragraph_with_one_line_that_is_no_field_reads_as_before():
    assert md("Note: a single field line\nthat wraps on.\n") == [(1, "Note: a single field line that wraps on.")]
    assert md("Phone: 555 0199\nsee the list at https://example.org for more.\n") == [
        (1, "Phone: 555 0199 see the list at https://example.org for more.")]
    assert md("See https://x.org and\nhttp://y.org for more.\n") == [(1, "See https://x.org and http://y.org for more.")]


# --- Found by a user trial on attrs' documentation (session 35): MyST and CommonMark constructs whose
# markup reached a sentence, or that split or joined sentences wrongly.

# A shortcut reference link ("[Mypy]", defined by a "[Mypy]: URL" line anywhere in the file) is
# its text, as CommonMark shows it: attrs' types.md stored "tools like [Mypy], [pytype], or [Pyright]".
SHORTCUT_LINKS = [
    ("shortcut links", "Tools like [Mypy], [*pytype*], or [Pyright] help.\n\n"
     "[Mypy]: http://mypy-lang.org\n[Pyright]: https://github.com/microsoft/pyright\n"
     "[*pytype*]: https://google.github.io/pytype/\n",
     [(1, "Tools like Mypy, pytype, or Pyright help.")]),
    ("a label matches in any case and spacing", "Use [The  Tool] daily.\n\n[the tool]: https://x.org\n",
     [(1, "Use The Tool daily.")]),
    ("a definition over lines (label, then its destination and title) defines it too",
     "See [g] for more.\n\n[g]:\n  https://example.com/guide\n  \"Guide title\"\n",
     [(1, "See g for more.")]),
    ("brackets without a definition stay", "A list [x] and a [note] stay.\n", [(1, "A list [x] and a [note] stay.")]),
    ("a defined label in a code span stays", "Write `[Mypy]` here.\n\n[Mypy]: http://mypy-lang.org\n",
     [(1, "Write [Mypy] here.")]),
]


@pytest.mark.parametrize("source, wanted", [case[1:] for case in SHORTCUT_LINKS], ids=[case[0] for case in SHORTCUT_LINKS])
def test_a_shortcut_reference_link_is_its_text(source, wanted):
    assert md(source) == wanted


# A definition list's definition may start ": " with one space (MyST's deflist, markdown-it's,
# Pandoc's): attrs' overview.md stored ": attrs is for creating well-behaved classes ...". A term
# labels its definition's first text (session 37); one that is a sentence stays one.
DEFINITIONS = [
    ("one space", "**It's about regular classes.**\n\n: *attrs* is for creating classes.\n  It can be used for containers.\n",
     [(1, "It's about regular classes."), (3, "attrs is for creating classes."), (4, "It can be used for containers.")]),
    ("a tab", "Term\n:\tThe definition.\n", [(1, "Term: The definition.")]),
    ("three spaces as before", "Term\n:   The definition.\n\n    Its second paragraph.\n",
     [(1, "Term: The definition."), (4, "Its second paragraph.")]),
    ("a second paragraph indented two", "Term\n\n: The definition.\n\n  Its second paragraph.\n",
     [(1, "Term: The definition."), (5, "Its second paragraph.")]),
]


@pytest.mark.parametrize("source, wanted", [case[1:] for case in DEFINITIONS], ids=[case[0] for case in DEFINITIONS])
def test_a_definition_after_a_colon_and_one_space_is_prose(source, wanted):
    assert md(source) == wanted


# A footnote reference after a space left that space before the punctuation after it: attrs'
# hashing.md stored "attrs will happily write a __hash__ method for you , however ...", and its
# glossary "... by passing weakref_slot=False to @attr.s ." (reStructuredText's "[#]_" never did).
FOOTNOTE_REFS = [
    ("before a comma and a period", "Written for you [^fn1], however not [^2].\n\n[^fn1]: A note.\n[^2]: Other.\n",
     [(1, "Written for you, however not."), (3, "A note."), (4, "Other.")]),
    ("between words", "A claim[^1] and more [^2] words.\n\n[^1]: A note.\n[^2]: Other.\n",
     [(1, "A claim and more words."), (3, "A note."), (4, "Other.")]),
]


@pytest.mark.parametrize("source, wanted", [case[1:] for case in FOOTNOTE_REFS], ids=[case[0] for case in FOOTNOTE_REFS])
def test_a_footnote_reference_takes_the_space_before_it(source, wanted):
    assert md(source) == wanted


# A MyST {glossary}'s body is Sphinx's glossary markup: a term alone on its line, its definition
# indented under it. Read as Markdown, the definition's first line went on the term's paragraph:
# attrs' glossary.md stored 'dunder methods "Dunder" is a contraction of "double underscore".' and
# "field As the project name suggests, attrs is all about attributes." A term labels its definition's
# first text since session 37 ("field: As the name suggests."), as a field's name does.
GLOSSARIES = [
    ("terms and definitions", ':::{glossary}\ndunder methods\n  "Dunder" is a contraction of "double underscore".\n\n'
     "  It's methods like `__init__`.\n\nfield\n  As the name suggests.\n\nattribute\n  See {term}`field`.\n:::\n",
     [(2, 'dunder methods: "Dunder" is a contraction of "double underscore".'), (5, "It's methods like __init__."),
      (7, "field: As the name suggests."), (10, "attribute: See field.")]),
    ("a backtick fence, options, two terms for one definition, no blank lines",
     "```{glossary}\n:sorted:\n\nenviron\nenvironment\n   A structure where information is kept.\nsource\n"
     "   The directory with the sources.\n```\n\nAfter.\n",
     [(4, "environ"), (5, "environment: A structure where information is kept."),
      (7, "source: The directory with the sources."), (11, "After.")]),
    ("definitions indented four, a later paragraph too", "```{glossary}\nterm\n    Its definition.\n\n"
     "    Its second paragraph.\n\n    - a list item\n```\n",
     [(2, "term: Its definition."), (5, "Its second paragraph."), (7, "a list item")]),
    ("code in a definition stays out", "````{glossary}\nterm\n  Its definition:\n\n  ```python\n  hidden = 1\n"
     "  ```\n\nnext\n  Another.\n````\n",
     [(2, "term: Its definition:"), (9, "next: Another.")]),
]


@pytest.mark.parametrize("source, wanted", [case[1:] for case in GLOSSARIES], ids=[case[0] for case in GLOSSARIES])
def test_a_myst_glossary_term_labels_its_definition(source, wanted):
    assert md(source) == wanted


# sphinxcontrib-towncrier's directive is replaced by the draft change log, made at build time; its
# body is a version name (attrs' changelog.md: "main"), which was stored as a sentence.
@pytest.mark.parametrize("name, source", [
    ("doc.md", "Intro.\n\n ```{towncrier-draft-entries}\nmain\n ```\n\nEnd.\n"),
    ("doc.rst", "Intro.\n\n.. towncrier-draft-entries::\n\n   main\n\nEnd.\n"),
])
def test_towncrier_draft_entries_body_is_no_prose(name, source):
    assert [text for _, text in read(name, source)] == ["Intro.", "End."]


# --- Found by a user trial (session 42, trial D) on mkdocstrings 1.0.8's Markdown docs; the second case
# by that session's review.

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


# --- Found by session 43's review (reader cases the session's own tests missed).

def test_markdown_field_line_ending_in_a_backslash_hard_break_loses_the_backslash():
    # "Author: Jane Doe\" ends its line with CommonMark's hard break; a field's line is a sentence of
    # its own, and the break's backslash was stored with it, "Author: Jane Doe\". An escaped one stays.
    source = "Title: Router notes\\\nAuthor: Jane Doe\\\nPath: C:\\\\\nDate: 2024-01-02\n"
    assert read("notes.md", source) == [(1, "Title: Router notes"), (2, "Author: Jane Doe"), (3, "Path: C:\\"),
                                        (4, "Date: 2024-01-02")]
