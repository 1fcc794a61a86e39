"""A reference without a title of its own reads as what Sphinx shows for it (session 32): MyST's
``(label)=`` targets as reStructuredText's ``.. _label:``, and an rst label before something
else than a top-level section title (a rubric, a table, a figure, a code block's caption; in a
list item or a directive). Oracle: Sphinx's standard domain (``StandardDomain.process_doc``),
which takes a label's title from the element right after it: a section's title, a rubric's
text, an enumerable node's caption or title; before anything else, none (an explicit title is
needed, else Sphinx warns), and simsearch reads the label's words."""

from __future__ import annotations

import pytest

from .textgen import read


def md(source: str) -> list[tuple[int, str]]:
    return read("notes.md", source)


def rst(source: str) -> list[tuple[int, str]]:
    return read("doc.rst", source)


MYST = """(notes-on-proxies)=
(Other_Label)=

# Notes on *proxies*

A proxy forwards requests.

(syntax/core)=
Set **up**
==========

(a-paragraph)=
Plain text under a label.

(my label)=

% a comment: the target names it, not the heading
## Not named

See {ref}`notes-on-proxies`, {ref}`other_label` and {ref}`Syntax/Core`.
Then {ref}`a-paragraph`, {ref}`my label`, {ref}`howto-use_tls`, {ref}`the FAQ <faq>` and {ref}`!syntax/core`.
Links: [](#syntax/core), [](#elsewhere-label), <project:#notes-on-proxies>, [its text](#syntax/core).
"""


def test_a_myst_ref_without_a_title_reads_as_the_section_its_target_names():
    """Was: {ref}`notes-on-proxies` read as "notes on proxies" (the label's words) even where the
    file names its section: ``(notes-on-proxies)=`` before ``# Notes on proxies``. Now as rst's
    :ref:, the title of the heading right after the target (ATX or setext, blank lines between,
    several targets on one heading, case not counted); the label's words when the target names
    something else (a paragraph, a comment) or is elsewhere; an explicit title is kept, "!" reads
    as the text. MyST's empty link to a target (``[](#label)``, ``<project:#label>``) alike."""
    assert md(MYST)[-3:] == [
        (20, "See Notes on proxies, Notes on proxies and Set up."),
        (21, "Then a paragraph, my label, howto use tls, the FAQ and syntax/core."),
        (22, "Links: Set up, elsewhere label, Notes on proxies, its text."),
    ]


def test_myst_targets_never_reach_a_sentence():
    """Was: a target whose label holds a "/" or a space (``(syntax/core)=``, MyST's own docs) was
    stored as a sentence. Any ``(label)=`` line is a target, as markdown-it's MyST plugin reads one."""
    texts = [text for _, text in md(MYST)]
    assert not any(")=" in text for text in texts), texts
    assert md("(syntax/core)=\n(my label)=\n(a.b:c-d_e)=\n\n# Title\n\nText.\n") == [(5, "Title"), (7, "Text.")]
    # Not a target: more on the line.
    assert md("The sum (a + b)= c is wrong.\n") == [(1, "The sum (a + b)= c is wrong.")]


def test_a_myst_target_in_a_fence_names_nothing():
    source = "```\n(in-code)=\n# a comment in code\n```\n\nSee {ref}`in-code`.\n"
    assert md(source) == [(6, "See in code.")]


def test_the_same_refs_read_the_same_in_rst_and_myst():
    """Mirror: each rst document and its MyST twin give the same sentences for their refs."""
    pairs = [
        (".. _a:\n\nTitle A\n=======\n\nSee :ref:`a`, :ref:`b-c`, :ref:`X <a>`, :ref:`!a`.\n",
         "(a)=\n\n# Title A\n\nSee {ref}`a`, {ref}`b-c`, {ref}`X <a>`, {ref}`!a`.\n"),
        (".. _a:\n\nA paragraph.\n\nSee :ref:`a`.\n", "(a)=\n\nA paragraph.\n\nSee {ref}`a`.\n"),
    ]
    for source_rst, source_md in pairs:
        assert [text for _, text in rst(source_rst)] == [text for _, text in md(source_md)]


RST = """Top
===

.. _footnotes:

.. rubric:: Footnotes *here*

.. note::

   .. _in-note:

   Inner title
   -----------

   Body of the note.

.. only:: html

   .. _in-only:

   Only title
   ----------

   Text.

- An item.

  .. _item-rubric:

  .. rubric:: Item rubric

- Another item.

  .. _ascends:

Next section
------------

.. _tbl:

.. list-table:: Frozen delights
   :header-rows: 1

   * - Treat

.. _code:

.. code-block:: python
   :caption: The *config* file

   x = 1

.. _fig:

.. figure:: a.png
   :alt: alt

   A caption
   over two lines

   Legend.

.. _legend-only:

.. figure:: b.png

   ..

   Only a legend.

.. _quoted:

   .. rubric:: A quote's rubric

Example::

   .. _example:

   .. rubric:: Example rubric

.. _para:

A paragraph.

See :ref:`footnotes`, :ref:`in-note`, :ref:`in-only`, :ref:`item-rubric`, :ref:`ascends`.
See :ref:`tbl`, :ref:`code`, :ref:`fig`, :ref:`legend-only`, :ref:`quoted`, :ref:`example`, :ref:`para`.
"""


def test_an_rst_label_reads_as_what_sphinx_shows_for_it():
    """Was: only a label at the left margin before a section title gave a title; one before a
    rubric, a table, a figure or a code block with a caption, or indented in a list item or an
    ``only`` directive, read as its words. Sphinx takes those elements' titles; before a section
    title indented in a note (docutils makes no section there), a paragraph, or a quote, it has
    none, and the label reads as its words; a label in a literal block is an example, no label."""
    assert rst(RST)[-2:] == [
        (85, "See Footnotes here, in note, Only title, Item rubric, Next section."),
        (86, "See Frozen delights, The config file, A caption over two lines, legend only, quoted, example, para."),
    ]


def test_a_label_nested_deeper_in_a_literal_block_names_nothing():
    """A literal block (an example of markup) whose label sits deeper than the block's first line:
    the label was read as naming the rubric after it, as if it were not in the block, because only
    the line right above it was asked whether it opens a literal block."""
    source = """Markup example::

    Some prose of the example
        .. _lit-label:

        .. rubric:: An example rubric

.. _real-label:

.. rubric:: The real rubric

See :ref:`lit-label` and :ref:`real-label`.
"""
    assert rst(source)[-1] == (12, "See lit label and The real rubric.")


def test_labels_in_one_long_indented_block_take_linear_time(monkeypatch):
    """Each indented label looked back line by line for the line opening its block: 2,000 labels
    under one ``.. only::`` (20,000 lines) took 5 s where the same file unindented took 0.3 s.
    Counted, not timed: the lines measured (``_indent``) grow as the file does, not as its square."""
    import simsearch.extract.rst as rst_module

    def source(labels: int) -> str:
        return ".. only:: html\n\n" + "".join(
            f"   .. _label-{k}:\n\n   Section {k}\n   {'-' * 12}\n\n   See :ref:`label-{(k * 7) % labels}` here.\n\n"
            for k in range(labels))

    calls = 0
    real = rst_module._indent

    def counted(line):
        nonlocal calls
        calls += 1
        return real(line)

    monkeypatch.setattr(rst_module, "_indent", counted)
    work = []
    for labels in (200, 800):
        calls = 0
        assert rst(source(labels))[3] == (15, "See Section 7 here.")
        work.append(calls)
    assert work[1] < 6 * work[0], work  # four times the file: about four times the work (was ~15 times)


def test_a_myst_target_opening_a_list_item_is_a_target():
    """``- (label)=`` then the item's text: markdown-it's MyST plugin reads the target as the item's
    first block; it was stored as words of the item's sentence ("(item-target)= Item one, ...")."""
    source = """- (item-target)=
  Item one, named by its target.
- (item-heading)=
  ## A heading in an item

1. (numbered)=
   Numbered item text.

See {ref}`item-target`, {ref}`item-heading` and {ref}`numbered`.
"""
    assert md(source) == [(2, "Item one, named by its target."), (4, "A heading in an item"),
                          (7, "Numbered item text."), (9, "See item target, A heading in an item and numbered.")]


def test_a_myst_link_without_text_to_another_document_reads_as_its_name():
    """``[](xref:guide/deployment)``, ``[](other.md)``: MyST shows the target's title, which is in
    another file; they were stored as nothing ("For setup, see and ."). They read as the
    document's name in words now, a fragment as the label's words, a URL as itself, and an empty
    link left by a badge's image still as nothing."""
    source = """See [](xref:guide/glossaries-and-terms). For setup, see [](xref:guide/deployment) and [](xref:guide/deployment-webserver).

Read [](mystmd.md) and [](../get-started/create-content.md) first.

The paper is at [](https://doi.org/10.25080/hwcj9957) today.

More in <xref:guide/document-parts> and [](xref:guide#my-fig).

Build [![build](badge.svg)](https://ci.example.org) passing. A [real link](other.md) keeps its text.
"""
    assert md(source) == [
        (1, "See glossaries and terms."), (1, "For setup, see deployment and deployment webserver."),
        (3, "Read mystmd and create content first."), (5, "The paper is at https://doi.org/10.25080/hwcj9957 today."),
        (7, "More in document parts and my fig."), (9, "Build passing."), (9, "A real link keeps its text."),
    ]


def test_an_image_without_alt_text_is_not_read_as_an_empty_link():
    """``![](screenshot.png)`` was read as the link ``[](screenshot.png)`` after a "!", storing
    "See !screenshot here." (an image is left out, whatever its alt text); a badge whose image has
    no alt text left "!badge". ``[](./)`` and ``[](../)`` read as ".", which ended the sentence;
    ``[](<my notes.md>)`` (a destination with spaces) read as nothing."""
    source = """See ![](screenshot.png) here.

Build [![](badge.svg)](https://ci.example.org) passing.

Up [](../) and here [](./) too.

Read [](<my notes.md>) first.
"""
    assert md(source) == [(1, "See here."), (3, "Build passing."), (5, "Up and here too."), (7, "Read my notes first.")]


def test_a_myst_link_without_text_but_with_a_title_reads_as_its_title():
    """``[](other.md "The other page")`` was stored as nothing (the empty-link rules took no
    title). MyST shows the target's title; a document's is in another file, and the link's title is
    the author's words for it, so it reads as the title now ("…", '…' or (…)); a target in this
    file reads as its section's title, as without a link title, and a URL still as itself."""
    source = """(setup)=
# Setting up

See [](other.md "The other page") and [](<my notes.md> 'My notes') and [](xref:guide#frag (Guide part)).

Also [](#setup "Ignored here") and [](#elsewhere "Somewhere else") and [](https://x.org "X site").
"""
    assert md(source) == [(2, "Setting up"), (4, "See The other page and My notes and Guide part."),
                          (6, "Also Setting up and Somewhere else and https://x.org.")]


def test_a_myst_numref_reads_as_the_figure_its_label_names():
    """``{numref}`fig-loss``` read as the raw label ("fig-loss"), and a figure's ``:name:`` named
    nothing. A figure's name (``:name:`` or ``name:`` in its YAML options) or a ``(label)=`` before
    it names its caption, a ``{table}``'s its title, as Sphinx takes them; ``{numref}`` reads as
    ``{ref}`` does (the caption, where Sphinx shows "Fig. 1"), a title's number placeholder left
    out and ``{name}`` read as the caption. The name never reaches the text."""
    source = """```{figure} plot.png
:name: fig-loss
:alt: a plot

The training loss *falls* quickly
```

(fig-target)=
:::{figure} other.png
---
name: "fig-other"
---
The other caption
:::

```{table} Scores by model
:name: tab-scores

| a | b |
|---|---|
| 1 | 2 |
```

See {numref}`fig-loss`, {numref}`Figure %s <fig-other>`, {numref}`Fig. {number}: {name} <fig-target>`.

Also {ref}`fig-loss`, {numref}`tab-scores` and {numref}`elsewhere-fig`.
"""
    assert md(source) == [(5, "The training loss falls quickly"), (13, "The other caption"), (16, "Scores by model"),
                          (19, "a; b"), (21, "1; 2"),
                          (24, "See The training loss falls quickly, Figure, Fig.: The other caption."),
                          (26, "Also The training loss falls quickly, Scores by model and elsewhere fig.")]
    assert rst(".. _fig-plot:\n\n.. figure:: plot.png\n\n   The loss falls\n\nSee :numref:`fig-plot`.\n")[-1] == (
        7, "See The loss falls.")


def test_an_rst_doc_role_without_a_title_reads_as_the_documents_name():
    """Found on Click's docs (session 34): ``See :doc:`/shell-completion` for ...`` was stored as
    "See /shell-completion for ...". Sphinx shows the document's title, which is in another file;
    the role reads as the document's name in words now (as MyST's ``[](xref:guide/x)`` does: a leading
    "/" and the folders are not words), and a title of its own is kept. MyST's
    ``{doc}`` role, which Sphinx reads the same way, alike."""
    source = """See :doc:`/shell-completion` for more.

Read :doc:`../guide/setup_tools`, :doc:`wincmd` and :doc:`the FAQ </faq>` first.
"""
    assert rst(source) == [(1, "See shell completion for more."),
                           (3, "Read setup tools, wincmd and the FAQ first.")]
    assert md("See {doc}`/shell-completion` and {doc}`the FAQ </faq>`.\n") == [
        (1, "See shell completion and the FAQ.")]


def test_the_labels_sphinx_defines_read_as_the_titles_sphinx_shows():
    """Every Sphinx project's "Indices and tables" (``* :ref:`genindex```) read as the one-word
    sentences "genindex", "modindex", "search". Sphinx's standard domain defines these labels with
    the titles "Index", "Module Index", "Python Module Index" and "Search Page". A label of the
    file's own comes first; a link to a heading of another file (``other.md#search``) or a
    ``:doc:`search``` names that heading or document, never Sphinx's page."""
    assert rst("Indices\n=======\n\n* :ref:`genindex`\n* :ref:`modindex`\n* :ref:`py-modindex`\n"
               "* :ref:`search`\n") == [(1, "Indices"), (4, "Index"), (5, "Module Index"),
                                       (6, "Python Module Index"), (7, "Search Page")]
    assert rst(".. _search:\n\nSearching well\n==============\n\nSee :ref:`search`.\n") == [
        (3, "Searching well"), (6, "See Searching well.")]
    assert rst("Go to :doc:`search` or :ref:`the search <search>`.\n") == [(1, "Go to search or the search.")]
    assert md("# A\n\nSee {ref}`search`, [x](other.md#search) and [](other.md#search).\n") == [
        (1, "A"), (3, "See Search Page, x and search.")]


# --- Found by a user trial on Werkzeug 3.0.6's docs (session 39): a :doc: link to a folder's index page
# was stored as the word "index", and a changelog item's :issue: number as a sentence of its own.

@pytest.mark.parametrize("name, source, expected", [
    # Werkzeug 3.0.6, docs/serving.rst line 34
    ("serving.rst", "For deployment setups have a look at the\n:doc:`/deployment/index` pages.\n",
     [(1, "For deployment setups have a look at the deployment pages.")]),
    ("a.rst", "Read :doc:`../deploy/index.rst`, :doc:`guide/README` and :doc:`/patterns/Index/`.\n",
     [(1, "Read deploy, guide and patterns.")]),
    ("a.md", "Read [](deploy/index.md) and {doc}`/deployment/index`.\n", [(1, "Read deploy and deployment.")]),
    # a title of its own is kept; a file named like an index's folder is its own name
    ("a.rst", "Read :doc:`the guide </guide/index>` and :doc:`/guide/indexes`.\n", [(1, "Read the guide and indexes.")]),
    # a bare "index" is the linking file's own folder, which the reader does not know: as before
    ("a.rst", "See the servers listed in :doc:`index`, or :doc:`../index`.\n",
     [(1, "See the servers listed in index, or index.")]),
], ids=["werkzeug serving.rst 34", "folders", "myst", "titled", "bare index"])
def test_a_link_to_a_folders_index_page_reads_as_the_folders_name(name, source, expected):
    assert read(name, source) == expected


@pytest.mark.parametrize("source, expected", [
    # Werkzeug 3.0.6, CHANGES.rst lines 20-22 (which docs/changes.rst includes)
    ("-   The Watchdog reloader ignores file closed no write events. :issue:`2945`\n"
     "-   Logging works with client addresses containing an IPv6 scope :issue:`2952`\n",
     [(1, "The Watchdog reloader ignores file closed no write events. #2945"),
      (2, "Logging works with client addresses containing an IPv6 scope #2952")]),
    ("-   Refactor the test client cookie implementation. :issue:`1060, 1680`\n",
     [(1, "Refactor the test client cookie implementation. #1060, #1680")]),
    ("-   Drop support for Python 3.4. (:pr:`1478`)\n", [(1, "Drop support for Python 3.4. (#1478)")]),
    ("Fixed in Django 4.2 (:ticket:`34000`).\n", [(1, "Fixed in Django 4.2 (#34000).")]),
    # a title of its own, or a target that is no number, reads as before
    ("See :issue:`the bug <12>` and :issue:`gh-12`.\n", [(1, "See the bug and gh-12.")]),
], ids=["werkzeug CHANGES 20-22", "a list", "in brackets", "ticket", "titled"])
def test_an_issue_or_pull_request_number_reads_as_sphinx_shows_it(source, expected):
    """A changelog item's closing ``:issue:`2945``` was stored as a sentence of its own, "2945":
    296 of the 1,721 sentences of Werkzeug's CHANGES.rst were such numbers. Sphinx shows them as
    "#2945" (sphinx-issues, and the extlinks of Pallets', pytest's and Django's docs), which ends no
    sentence, so the number stays with its item."""
    assert read("CHANGES.rst", source) == expected
