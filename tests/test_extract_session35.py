"""Reader cases found by a user trial on attrs' documentation (session 35): MyST and
CommonMark constructs whose markup reached a sentence, or that split or joined sentences wrongly."""

from __future__ import annotations

import pytest

from .textgen import read


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


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
