"""An rst admonition's title (``.. admonition:: Note``, Jinja's way of writing a note) is no sentence
of its own: a bare "Note" says nothing and ranks as noise. It labels the text its body begins with,
as a field's label does ("Note: The special constants ... are lowercase."), on the title's line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, paragraph, read, wrap


def rst(source: str) -> list[tuple[int, str]]:
    return read("doc.rst", source)


def test_jinja_s_note():
    source = (".. admonition:: Note\n\n    The special constants ``true``, ``false``, and ``none`` are indeed\n"
              "    lowercase.  Because that caused confusion in the past, all three can\n    now also be written in title case.\n")
    assert rst(source) == [
        (1, "Note: The special constants true, false, and none are indeed lowercase."),
        (4, "Because that caused confusion in the past, all three can now also be written in title case.")]


@pytest.mark.parametrize("source, expected", [
    (".. admonition:: Where to get help:\n\n   Ask on the forum.\n", [(1, "Where to get help: Ask on the forum.")]),
    (".. admonition:: Working on Windows?\n\n   Use the launcher.\n", [(1, "Working on Windows?"), (3, "Use the launcher.")]),
    (".. admonition:: ``setup()`` may only be called once.\n\n   Call it early.\n",
     [(1, "setup() may only be called once."), (3, "Call it early.")]),
    (".. admonition:: Steps\n   :class: tip\n\n   - Install it.\n   - Run it.\n",
     [(1, "Steps: Install it."), (5, "Run it.")]),
    (".. admonition:: Philosophy\n\n   In Django, models are Python.\n\n   More text.\n",
     [(1, "Philosophy: In Django, models are Python."), (5, "More text.")]),
    # a body that begins with code: the title stays, as a heading over the code would
    (".. admonition:: Example\n\n   ::\n\n      x = 1\n\n   It sets x.\n", [(1, "Example"), (7, "It sets x.")]),
    # the title alone, its body elsewhere: as it was
    (".. admonition:: Note\n\nNot in it.\n", [(1, "Note"), (3, "Not in it.")]),
])
def test_the_title_labels_the_text_its_body_begins_with(source, expected):
    assert rst(source) == expected


# A topic's and a sidebar's title is a title as an admonition's is (Sphinx shows each in a box over its body).
@pytest.mark.parametrize("source, expected", [
    (".. topic:: Summary\n\n   The body text.\n", [(1, "Summary: The body text.")]),
    (".. sidebar:: Optional parameters\n   :subtitle: Advanced\n\n   Pass them last.\n\n   More.\n",
     [(1, "Optional parameters: Pass them last."), (6, "More.")]),
    (".. topic:: Is it safe?\n\n   Yes.\n", [(1, "Is it safe?"), (3, "Yes.")]),
    (".. sidebar:: Example\n\n   ::\n\n      x = 1\n", [(1, "Example")]),
])
def test_a_topic_s_or_sidebar_s_title_labels_the_text_its_body_begins_with(source, expected):
    assert rst(source) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), st.lists(paragraph, min_size=1, max_size=2),
       st.sampled_from(["", ":class: tip\n"]), st.integers(1, 2))
def test_no_sentence_is_an_admonition_s_title_alone(title_words, body, option, blanks):
    title = " ".join(title_words).capitalize()
    lines = [f".. admonition:: {title}"] + (["   " + option.strip()] if option else []) + [""] * blanks
    for sentences in body:
        lines += wrap(" ".join(sentences), 60, "   ") + [""]
    sentences = rst("\n".join(lines) + "\n")
    assert sentences[0] == (1, f"{title}: {body[0][0]}"), sentences
    assert [text for _, text in sentences[1:]] == [s for para in body for s in para][1:]
    source_lines = lines
    for line, text in sentences[1:]:
        assert re.sub(r"[.!?]", "", text.split()[0]) in source_lines[line - 1], (lines, sentences)


# Markdown (session 37: 7 admonition titles and 30 of 41 content-tab labels of Hatch's docs were
# sentences alone): pymdown's and mkdocs-material's admonitions (``!!! note "Title"``, ``??? tip
# "Title"``) and content tabs (``=== "pip"``) label the text their body begins with, as rst's
# admonition does; one without a title has no label (not "Note"), and one whose body begins with
# code keeps its title as a block of its own.
@pytest.mark.parametrize("source, expected", [
    ('!!! note "Setting up PATH"\n    Add the folder to your PATH.\n\n    More.\n',
     [(1, "Setting up PATH: Add the folder to your PATH."), (4, "More.")]),
    ('??? tip "Reminder"\n\n    Run it twice.\n', [(1, "Reminder: Run it twice.")]),
    ('=== "pip"\n    Install it with pip.\n\n=== "uv"\n    Install it with uv.\n',
     [(1, "pip: Install it with pip."), (4, "uv: Install it with uv.")]),
    ('=== "Windows"\n    1. Run the installer.\n    2. Restart.\n', [(1, "Windows: Run the installer."), (3, "Restart.")]),
    ('=== ":octicons-file-code-16: `pyproject.toml`"\n    Set it there.\n', [(1, "pyproject.toml: Set it there.")]),
    # nested tabs: each label labels the text its body begins with
    ('=== "macOS"\n    === "GUI installer"\n        Run the package.\n',
     [(1, "macOS: GUI installer: Run the package.")]),
    # no title: no label
    ("!!! note\n    Read this first.\n", [(2, "Read this first.")]),
    ("??? warning classes\n    Collapsed content here.\n", [(2, "Collapsed content here.")]),
    # a title that is a sentence, or a label of no words, labels nothing
    ('!!! warning "Working on Windows?"\n    Use the launcher.\n', [(1, "Working on Windows?"), (2, "Use the launcher.")]),
    ('=== ":material-apple:"\n    Use Homebrew.\n', [(2, "Use Homebrew.")]),
    # a body that begins with code: the label stays, as a heading over the code would
    ('=== "pyproject.toml"\n    ```toml\n    [x]\n    ```\n\n    It sets x.\n', [(1, "pyproject.toml"), (6, "It sets x.")]),
    # the label alone, nothing indented under it: as it was
    ('=== "Alone"\n\nNot in it.\n', [(1, "Alone"), (3, "Not in it.")]),
])
def test_a_markdown_title_or_tab_label_labels_the_text_its_body_begins_with(source, expected):
    assert read("doc.md", source) == expected


# MyST (session 37's leftovers): a directive's title (```{admonition} Title```, ``:::{admonition}``,
# a topic's, a sidebar's, a dropdown's or a tab's) labels the text its body begins with, as ``!!!``'s
# title does; ```{note}``` has no title (its fence line's text is its body's first line): no label.
@pytest.mark.parametrize("source, expected", [
    ("```{admonition} My title\nBody text here.\n```\n", [(1, "My title: Body text here.")]),
    (":::{admonition} My title\n:class: tip\n\nBody text here.\n\nMore.\n:::\n",
     [(1, "My title: Body text here."), (6, "More.")]),
    ("```{admonition} Setup\n---\nclass: tip\n---\nRun it.\n```\n", [(1, "Setup: Run it.")]),
    ("::::{tab-set}\n:::{tab-item} pip\nInstall it with pip.\n:::\n::::\n", [(2, "pip: Install it with pip.")]),
    ("```{topic} Summary\nThe gist.\n```\n", [(1, "Summary: The gist.")]),
    ("```{dropdown} Details\nHidden text.\n```\n", [(1, "Details: Hidden text.")]),
    # no title: no label; a note's fence-line text is its body's first line, as before
    ("```{note}\nBody text here.\n```\n", [(2, "Body text here.")]),
    ("```{note} Inline text\ngoes on here.\n```\n", [(1, "Inline text goes on here.")]),
    # a title that is a sentence, or a body that begins with code: the title stays alone
    ("```{admonition} Working on Windows?\nUse the launcher.\n```\n", [(1, "Working on Windows?"), (2, "Use the launcher.")]),
    ("````{admonition} Example\n```python\nx = 1\n```\nIt sets x.\n````\n", [(1, "Example"), (5, "It sets x.")]),
    # a rubric is a heading of no body: as before
    ("```{rubric} Footnotes\n```\n\nText.\n", [(1, "Footnotes"), (4, "Text.")]),
])
def test_a_myst_directive_s_title_labels_the_text_its_body_begins_with(source, expected):
    assert read("doc.md", source) == expected


# Sphinx's HTML (session 37's leftovers): an admonition's, a topic's or a sidebar's title
# (``<p class="admonition-title">Note</p>``) labels the text its body begins with, as in rst.
_NOTE = '<div class="admonition note">\n<p class="admonition-title">Note</p>\n{}\n</div>\n'


@pytest.mark.parametrize("body, expected", [
    ("<p>The special constants are lowercase. Title case works too.</p>",
     [(2, "Note: The special constants are lowercase."), (3, "Title case works too.")]),
    ("<ul>\n<li><p>Install it.</p></li>\n<li><p>Run it.</p></li>\n</ul>", [(2, "Note: Install it."), (5, "Run it.")]),
    # a body that begins with code: the title stays, as a heading over the code would
    ('<div class="highlight"><pre>x = 1</pre></div>\n<p>It sets x.</p>', [(2, "Note"), (4, "It sets x.")]),
    ("", [(2, "Note")]),  # a title alone
])
def test_a_sphinx_html_admonition_title_labels_the_text_its_body_begins_with(body, expected):
    assert read("doc.html", _NOTE.format(body)) == expected


@pytest.mark.parametrize("source, expected", [
    ('<div class="topic"><p class="topic-title">Summary</p><p>The gist.</p></div>', ["Summary: The gist."]),
    ('<aside class="sidebar"><p class="sidebar-title">Side</p><p>The side text.</p></aside>', ["Side: The side text."]),
    ('<div class="admonition"><p class="admonition-title">Where to get help:</p><p>Ask.</p></div>',
     ["Where to get help: Ask."]),
    ('<div class="admonition"><p class="admonition-title">Working on Windows?</p><p>Use it.</p></div>',
     ["Working on Windows?", "Use it."]),
    # the title's box ends: the text after it is not its body
    ('<div class="admonition"><p class="admonition-title">Note</p></div><p>Not in it.</p>', ["Note", "Not in it."]),
    # a paragraph of any other class is no title
    ('<div class="x"><p class="lead">Intro</p><p>More text.</p></div>', ["Intro", "More text."]),
])
def test_a_topic_s_or_sidebar_s_title_in_html_labels_its_body_s_text(source, expected):
    assert [text for _, text in read("doc.html", source)] == expected


# pymdown's Blocks (session 38): ``/// note | Title``, ``/// details | Title``, ``/// admonition | Title``
# and ``/// tab | Label`` were read as "Title" alone, then the body; the title labels the text the
# body begins with, as ``!!! note "Title"``'s does. An element's selector (``/// html | div.result``)
# and a caption's number are no title; a block without a title has no label.
@pytest.mark.parametrize("source, expected", [
    ("/// note | Setting up PATH\n\nAdd the folder to your PATH.\n\nMore.\n///\n",
     [(1, "Setting up PATH: Add the folder to your PATH."), (5, "More.")]),
    ("/// details | Why pin it\n    type: warning\n    open: True\n\nA new release may break it.\n///\n",
     [(1, "Why pin it: A new release may break it.")]),
    ("/// admonition | Custom title\n    type: tip\nBody text here.\n///\n", [(1, "Custom title: Body text here.")]),
    ("/// tab | pip\nInstall it with pip.\n///\n\n/// tab | uv\nInstall it with uv.\n///\n",
     [(1, "pip: Install it with pip."), (5, "uv: Install it with uv.")]),
    ("/// note | Steps\n- Install it.\n- Run it.\n///\n", [(1, "Steps: Install it."), (3, "Run it.")]),
    # no title, or an argument that is none: no label
    ("/// note\nRead this first.\n///\n", [(2, "Read this first.")]),
    ("/// html | div.result\nThe result.\n///\n", [(2, "The result.")]),
    # (a caption's number or place was a sentence of its own: "1.2")
    ("/// figure-caption | 1.2\nThe fruit counted.\n///\n", [(2, "The fruit counted.")]),
    ("/// table-caption | 2.1\nThe fruit counted.\n///\n", [(2, "The fruit counted.")]),
    ("/// caption | <\nThe fruit counted.\n///\n", [(2, "The fruit counted.")]),
    # a title that is a sentence, a body that begins with code, an empty block: the title stays alone
    ("/// warning | Working on Windows?\nUse the launcher.\n///\n", [(1, "Working on Windows?"), (2, "Use the launcher.")]),
    ("/// note | Example\n```python\nx = 1\n```\nIt sets x.\n///\n", [(1, "Example"), (5, "It sets x.")]),
    ("/// note | Empty\n///\n\nNot in it.\n", [(1, "Empty"), (4, "Not in it.")]),
    # a body that begins with an image (pymdown's docs: "//// tab | Preview" over a screenshot) was "Preview:"
    ("/// tab | Preview\n![Progress bar](progress.png)\n///\n", [(1, "Preview")]),
])
def test_a_pymdown_block_s_title_labels_the_text_its_body_begins_with(source, expected):
    assert read("doc.md", source) == expected


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["note", "details", "admonition", "tip", "tab"]), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
       st.lists(st.sampled_from(["type: warning", "open: True", "attrs: {class: x}"]), max_size=2), st.integers(0, 2),
       st.lists(paragraph, min_size=1, max_size=2))
def test_no_sentence_is_a_pymdown_block_s_title_alone(kind, title_words, options, blanks, body):
    title = " ".join(title_words).capitalize()
    lines = [f"/// {kind} | {title}"] + [f"    {option}" for option in options] + [""] * blanks
    for k, sentences in enumerate(body):
        lines += ([""] if k else []) + wrap(" ".join(sentences), 60, "")
    lines.append("///")
    sentences = read("doc.md", "\n".join(lines) + "\n")
    # oracle: the title and the first sentence on the title's line, then every other sentence as written
    assert sentences[0] == (1, f"{title}: {body[0][0]}"), (lines, sentences)
    assert [text for _, text in sentences[1:]] == [s for para in body for s in para][1:]
    for line, text in sentences[1:]:
        assert re.sub(r"[.!?]", "", text.split()[0]) in lines[line - 1], (lines, sentences)


# HTML's <details> (session 38): its <summary> stood alone ("Show more", "Why pin it"); it labels the
# text the details begin with, as a box's title does, in an HTML page and in Markdown (GitHub's way of
# folding a section of a README).
@pytest.mark.parametrize("source, expected", [
    ("<details><summary>Show more</summary><p>Hidden text here. More.</p></details>",
     [(1, "Show more: Hidden text here."), (1, "More.")]),
    ("<details open>\n<summary>Why pin it</summary>\n<ul><li>A release may break it.</li></ul>\n</details>",
     [(2, "Why pin it: A release may break it.")]),
    ("<details><summary>Show more</summary>Bare text in it.</details>", [(1, "Show more: Bare text in it.")]),
    # a summary that is a sentence, a body of code, nothing in it, a <summary> outside <details>: alone
    ("<details><summary>Why?</summary><p>Because.</p></details>", [(1, "Why?"), (1, "Because.")]),
    ("<details><summary>Example</summary><pre>x = 1</pre><p>It sets x.</p></details>",
     [(1, "Example"), (1, "It sets x.")]),
    ("<details><summary>Empty</summary></details><p>Not in it.</p>", [(1, "Empty"), (1, "Not in it.")]),
    ("<div><summary>Stray</summary><p>Text.</p></div>", [(1, "Stray"), (1, "Text.")]),
])
def test_a_details_summary_in_html_labels_the_text_the_details_begin_with(source, expected):
    assert read("doc.html", source) == expected


# A <summary> of several blocks is no title (rustdoc's pages: each impl's and each method's summary
# holds a "Source" link and a code header): each of its blocks labelled the next, a chain of a page's
# signatures and the first sentence of its docs in one sentence ("Source: impl Bar for Foo: Source:
# fn baz(&self) -> u32: Returns the baz of the foo."). Its blocks stand alone, as before session 38.
_RUSTDOC = ('<details class="toggle implementors-toggle" open><summary><section class="impl"><a class="src" href="s.html#10">'
            'Source</a><h3 class="code-header">impl Bar for Foo</h3></section></summary>\n<div class="impl-items">'
            '<details class="toggle method-toggle" open><summary><section class="method"><a class="src" href="s.html#12">'
            'Source</a><h4 class="code-header">fn baz(&amp;self) -&gt; u32</h4></section></summary>'
            '<div class="docblock"><p>Returns the baz of the foo.</p></div></details></div></details>')


@pytest.mark.parametrize("source, expected", [
    (_RUSTDOC, ["Source", "impl Bar for Foo", "Source", "fn baz(&self) -> u32", "Returns the baz of the foo."]),
    ("<details><summary><p>First part</p><p>Second part</p></summary><p>The body text.</p></details>",
     ["First part", "Second part", "The body text."]),
    # one block in the summary, however it is marked up: a title
    ("<details><summary><section><h3>Why pin it</h3></section></summary><p>A release may break it.</p></details>",
     ["Why pin it: A release may break it."]),
])
def test_a_summary_of_several_blocks_labels_nothing(source, expected):
    assert [text for _, text in read("doc.html", source)] == expected


# rustdoc's toggles: a <summary class="hideme"> is a toggle's label (rustdoc's CSS colours it as a
# toggle and hides its text while its <details> is open): it labels nothing, and the text of one whose
# <details> is open, which the page does not show, is no sentence. Every rustdoc page began "Expand
# description: The context of an asynchronous task." (the "Expand description" of its top doc).
@pytest.mark.parametrize("source, expected", [
    (('<details class="toggle top-doc" open><summary class="hideme"><span>Expand description</span></summary>'
      '<div class="docblock"><p>The context of an asynchronous task.</p></div></details>'),
     ["The context of an asynchronous task."]),
    # closed: the page shows the label, a block of its own
    (('<details class="toggle non-exhaustive"><summary class="hideme"><span>This enum is marked as non-exhaustive'
      '</span></summary><div class="docblock">Non-exhaustive enums could have additional variants added in future.'
      '</div></details>'),
     ["This enum is marked as non-exhaustive", "Non-exhaustive enums could have additional variants added in future."]),
    # an open <details> in rustdoc's older markup, and text after the toggle
    (('<details class="rustdoc-toggle top-doc" open><summary class="hideme"><span>Expand description</span>'
      '</summary><div class="docblock"><p>A trait for hashing.</p></div></details><p>After it.</p>'),
     ["A trait for hashing.", "After it."]),
])
def test_a_rustdoc_toggle_s_summary_labels_nothing(source, expected):
    assert [text for _, text in read("doc.html", source)] == expected


@pytest.mark.parametrize("source, expected", [
    ("<details>\n<summary>Show more</summary>\n\nHidden text here. More.\n\n</details>\n",
     [(2, "Show more: Hidden text here."), (4, "More.")]),
    ("<details open><summary><b>Why pin it</b></summary>\n\n- A release may break it.\n</details>\n",
     [(1, "Why pin it: A release may break it.")]),
    ("<details><summary>Show more</summary>Hidden text here.</details>\n", [(1, "Show more: Hidden text here.")]),
    ("<details><summary>Outer</summary>\n<details><summary>Inner</summary>\n\nText.\n</details>\n</details>\n",
     [(1, "Outer: Inner: Text.")]),
    # a summary that is a sentence, a body of code, an empty one: the summary stays alone
    ("<details><summary>Why?</summary>\n\nBecause.\n</details>\n", [(1, "Why?"), (3, "Because.")]),
    ("<details><summary>Example</summary>\n\n```sh\nrun it\n```\n\nAfter code.\n</details>\n",
     [(1, "Example"), (7, "After code.")]),
    ("<details><summary>Empty</summary>\n</details>\n\nNot in it.\n", [(1, "Empty"), (4, "Not in it.")]),
])
def test_a_details_summary_in_markdown_labels_the_text_the_details_begin_with(source, expected):
    assert read("doc.md", source) == expected


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["doc.md", "doc.html"]), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
       st.sampled_from(["<details>\n<summary>{}</summary>", "<details open><summary>{}</summary>",
                        "<details>\n  <summary><b>{}</b></summary>"]),
       st.integers(0, 2), st.lists(paragraph, min_size=1, max_size=2))
def test_no_sentence_is_a_details_summary_alone(name, title_words, opener, blanks, body):
    title = " ".join(title_words).capitalize()
    lines = opener.format(title).split("\n") + [""] * blanks
    summary_line = len(lines) - blanks
    for k, sentences in enumerate(body):
        text = wrap(" ".join(sentences), 60, "")
        lines += ([""] if k else []) + (text if name == "doc.md" else ["<p>" + text[0], *text[1:-1], text[-1] + "</p>"]
                                        if len(text) > 1 else [f"<p>{text[0]}</p>"])
    lines.append("</details>")
    sentences = read(name, "\n".join(lines) + "\n")
    # oracle: the summary and the first sentence on the summary's line, then every other sentence as written
    assert sentences[0] == (summary_line, f"{title}: {body[0][0]}"), (lines, sentences)
    assert [text for _, text in sentences[1:]] == [s for para in body for s in para][1:]
    for line, text in sentences[1:]:
        assert re.sub(r"[.!?]", "", text.split()[0]) in lines[line - 1], (lines, sentences)


# A title or a term over a body of no words (session 38): pymdown's docs put "Preview" over a
# screenshot. The label's colon is taken off again once its block's markup is read and no words
# follow it (``rst._Label``, one rule for every reader's labels): "Preview:" was stored alone, with
# a colon that pointed at nothing, for ``!!!``, ``===``, MyST's titles, rst's (an image given by a
# substitution defined further down) and definition terms. A body of code alone kept its title
# alone already (code adds no line to label); those cases stay as guards.
@pytest.mark.parametrize("name, source, expected", [
    ("doc.md", '!!! note "Preview"\n    ![Progress bar](progress.png)\n', [(1, "Preview")]),
    ("doc.md", '??? tip "Preview"\n    <img src="progress.png" alt="Progress bar">\n', [(1, "Preview")]),
    ("doc.md", '!!! note "Status"\n    [![CI](ci.svg)](https://ci.example.org)\n', [(1, "Status")]),
    ("doc.md", '=== "Preview"\n    ![Progress bar](progress.png)\n\n=== "Text"\n    It shows progress.\n',
     [(1, "Preview"), (4, "Text: It shows progress.")]),
    ("doc.md", "```{admonition} Preview\n![Progress bar](progress.png)\n```\n", [(1, "Preview")]),
    ("doc.md", ":::{dropdown} Preview\n![Progress bar][bar]\n:::\n\n[bar]: progress.png\n", [(1, "Preview")]),
    ("doc.md", "::::{tab-set}\n:::{tab-item} Preview\n![Progress bar](progress.png)\n:::\n::::\n", [(2, "Preview")]),
    ("doc.rst", ".. admonition:: Preview\n\n   |bar|\n\n.. |bar| image:: progress.png\n", [(1, "Preview")]),
    ("doc.rst", ".. topic:: Preview\n\n   |bar|\n\n.. |bar| image:: progress.png\n", [(1, "Preview")]),
    ("doc.rst", ".. admonition:: Preview\n\n   .. image:: progress.png\n", [(1, "Preview")]),
    # a definition list's term over an image: a label too
    ("doc.md", "Preview\n: ![Progress bar](progress.png)\n\nNext.\n", [(1, "Preview"), (4, "Next.")]),
    ("doc.rst", "Preview\n   |bar|\n\n.. |bar| image:: progress.png\n", [(1, "Preview")]),
    ("doc.adoc", "Preview:: image:progress.png[]\n", [(1, "Preview")]),
    # the image is a paragraph of its own: the text after it is no longer the body's first, as in a /// block
    ("doc.md", '!!! note "Preview"\n    ![Progress bar](progress.png)\n\n    It shows progress.\n',
     [(1, "Preview"), (4, "It shows progress.")]),
    # an image at the start of the body's first paragraph: the title labels that paragraph's text
    ("doc.md", '!!! note "Preview"\n    ![Progress bar](progress.png)\n    It shows progress.\n',
     [(1, "Preview: It shows progress.")]),
    ("doc.md", "/// tab | Preview\n![Progress bar](progress.png)\nIt shows progress.\n///\n",
     [(1, "Preview: It shows progress.")]),
    ("doc.rst", ".. admonition:: Preview\n\n   |bar| It shows progress.\n\n.. |bar| image:: progress.png\n",
     [(1, "Preview: It shows progress.")]),
    # nested: the inner title is alone over the image, the outer one labels the inner
    ("doc.md", '=== "macOS"\n    === "Preview"\n        ![Installer](installer.png)\n', [(1, "macOS: Preview")]),
    # a body of code alone: the title alone, as it was
    ("doc.md", '!!! note "Example"\n    ```python\n    x = 1\n    ```\n', [(1, "Example")]),
    ("doc.md", '=== "pip"\n    ```sh\n    pip install x\n    ```\n', [(1, "pip")]),
    ("doc.md", "````{admonition} Example\n```python\nx = 1\n```\n````\n", [(1, "Example")]),
    ("doc.rst", ".. admonition:: Example\n\n   .. code-block:: python\n\n      x = 1\n", [(1, "Example")]),
])
def test_a_title_over_no_words_stays_alone_without_its_colon(name, source, expected):
    assert read(name, source) == expected


# Each way of writing a box's title in Markdown and rst, over a body of blocks that are prose, an
# image alone (an rst substitution defined at the end of the file), an image at the head of a
# paragraph, or code. Oracle: the title labels the first sentence when the body's first block holds
# prose, else it is a sentence alone, without a colon; then every other sentence as written.
_TITLE_FORMS = {  # form: (file name, opening lines with {} for the title, the body's indentation, closing lines)
    "!!!": ("doc.md", ['!!! note "{}"'], "    ", []),
    "===": ("doc.md", ['=== "{}"'], "    ", []),
    "{admonition}": ("doc.md", ["````{{admonition}} {}"], "", ["````"]),
    ":::{tab-item}": ("doc.md", ["::::{{tab-set}}", ":::{{tab-item}} {}"], "", [":::", "::::"]),
    "///": ("doc.md", ["/// note | {}"], "", ["///"]),
    "<details>": ("doc.md", ["<details>", "<summary>{}</summary>", ""], "", ["</details>"]),
    ".. admonition::": ("doc.rst", [".. admonition:: {}", ""], "   ", []),
    ".. topic::": ("doc.rst", [".. topic:: {}", ""], "   ", []),
}
_NO_WORDS = {"doc.md": ["![Progress bar](progress.png)", '<img src="progress.png" alt="Progress bar">',
                        "[![CI](ci.svg)](https://ci.example.org)"],
             "doc.rst": ["|bar|"]}
_CODE = {"doc.md": ["```python", "x = 1", "```"], "doc.rst": ["::", "", "   x = 1"]}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_TITLE_FORMS)), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
       st.lists(st.tuples(st.sampled_from(["prose", "image", "image and prose", "code"]), paragraph, st.integers(0, 2)),
                min_size=1, max_size=3))
def test_no_title_ends_a_sentence_with_nothing_after_its_colon(form, title_words, blocks):
    name, opening, indent, closing = _TITLE_FORMS[form]
    title = " ".join(title_words).capitalize()
    lines = [line.format(title) for line in opening]
    title_line = len(lines) - (opening[-1] == "")
    prose: list[str] = []
    for k, (kind, sentences, which) in enumerate(blocks):
        image = _NO_WORDS[name][which % len(_NO_WORDS[name])]
        block = {"prose": [], "image": [image], "image and prose": [image], "code": _CODE[name]}[kind]
        if kind in ("prose", "image and prose"):
            block = block + wrap(" ".join(sentences), 60, "")
            prose += sentences
        lines += ([""] if k else []) + [indent + line if line else "" for line in block]
    lines += closing + ([".. |bar| image:: progress.png"] if name == "doc.rst" else [])
    sentences = read(name, "\n".join(lines) + "\n")
    assert not any(text.endswith(f"{title}:") for _, text in sentences), (lines, sentences)
    labels = blocks[0][0] in ("prose", "image and prose")
    assert sentences[0] == (title_line, f"{title}: {prose[0]}" if labels else title), (lines, sentences)
    assert [text for _, text in sentences[1:]] == (prose[1:] if labels else prose), (lines, sentences)
    for line, text in sentences[1:]:
        assert re.sub(r"[.!?]", "", text.split()[0]) in lines[line - 1], (lines, sentences)
