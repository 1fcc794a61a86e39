"""Markdown containers nested in containers (mkdocs-material's content tabs ``=== "Tab"``,
admonitions ``!!! note`` and ``??? tip``, list items): a line that leaves the inner one goes back to
the one around it, not to the page. A user trial on Hatch's docs (session 37) lost every line after
an inner tab or admonition ended: ``install.md``'s "Command line installer" tabs ("msiexec" was never
found) and ``config/metadata.md``'s readme tabs, read as indented code up to the next unindented line."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, read


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


NESTED_TABS = ('=== "Outer"\n    === "Inner one"\n        Echo sentence in inner one.\n\n        ```\n        code\n'
               '        ```\n\n    === "Inner two"\n        Foxtrot sentence in inner two.\n\n=== "Outer two"\n'
               "    Golf sentence in outer two.\n")
NESTED_NOTES = ("!!! note\n    Quebec first sentence.\n\n    !!! tip\n        Sierra nested tip.\n\n        ```\n"
                "        code\n        ```\n\n    Tango back in the note.\n\nUniform after.\n")
# Hatch's install.md, shortened: an inner tab right after a fence that ends an item in the tab before it
HATCH_INSTALL = ('=== "Windows"\n    === "GUI installer"\n        1. Run your downloaded file.\n'
                 "        2. Verify it with the following command.\n\n            ```\n            $ hatch --version\n"
                 '            ```\n    === "Command line installer"\n        1. Run the standard Windows msiexec program.\n\n'
                 '            === "x64"\n                ```\n                msiexec /passive /i hatch-x64.msi\n'
                 '                ```\n            === "x86"\n                ```\n                msiexec /i hatch-x86.msi\n'
                 "                ```\n        2. Restart your terminal.\n\n## Standalone binaries\n")


def test_text_after_an_inner_tab_is_the_outer_tab_s():
    # (a tab's label labels the text its body begins with: tests/test_admonition_titles.py)
    assert md(NESTED_TABS) == [(1, "Outer: Inner one: Echo sentence in inner one."),
                               (9, "Inner two: Foxtrot sentence in inner two."), (12, "Outer two: Golf sentence in outer two.")]


def test_text_after_an_inner_admonition_is_the_outer_one_s():
    assert md(NESTED_NOTES) == [(2, "Quebec first sentence."), (5, "Sierra nested tip."),
                                (11, "Tango back in the note."), (13, "Uniform after.")]


def test_hatch_s_command_line_installer_tab():
    assert md(HATCH_INSTALL) == [
        (1, "Windows: GUI installer: Run your downloaded file."), (4, "Verify it with the following command."),
        (9, "Command line installer: Run the standard Windows msiexec program."), (12, "x64"), (16, "x86"),
        (20, "Restart your terminal."), (22, "Standalone binaries")]


def test_a_line_between_two_containers_columns_is_the_outer_one_s_text():
    # (the inner tab's content is at column 8; a line at 6 is in the outer tab, as a paragraph)
    assert md('=== "A"\n    === "B"\n        Bravo.\n\n      Charlie.\n') == [(1, "A: B: Bravo."), (5, "Charlie.")]


@st.composite
def nested_markdown(draw):
    """Markdown of containers in containers holding paragraphs and fenced code: the source, each
    prose marker word with the line its sentence is on, and the code's marker words. A tab's label
    or an admonition's title labels the text its body begins with: that text's sentence is on the
    label's line ("t1x time: Water p2x time.")."""
    lines: list[str] = []
    prose: dict[str, int] = {}
    code: list[str] = []
    texts: set[int] = set()  # the lines that begin a text: a paragraph's, an item's, a label's
    labelled: dict[int, int] = {}  # a titled container's first body line: its title's line
    numbers = itertools.count()

    def sentence(marker: str) -> str:
        return f"{draw(st.sampled_from(WORDS)).capitalize()} {marker} {draw(st.sampled_from(WORDS))}."

    def block(indent: int, depth: int) -> bool:
        """One block at ``indent``; whether a blank line must follow it."""
        pad = " " * indent
        kind = draw(st.sampled_from(["paragraph", "code"] + (["tab", "note", "tip", "item"] if depth < 3 else [])))
        if kind == "paragraph":  # a sentence a line
            texts.add(len(lines) + 1)
            for _ in range(draw(st.integers(1, 2))):
                marker = f"p{next(numbers)}x"
                lines.append(pad + sentence(marker))
                prose[marker] = len(lines)
            return True
        if kind == "code":
            fence, info = draw(st.sampled_from([("```", ""), ("```", "toml"), ("~~~", ""), ("````", "console")]))
            lines.append(pad + fence + info)
            for _ in range(draw(st.integers(1, 2))):
                code.append(f"c{next(numbers)}x")
                lines.append(f"{pad}{code[-1]} = {draw(st.sampled_from(WORDS))}")
            lines.append(pad + fence)
            return draw(st.booleans())  # (the line after a fence may be the next block's)
        if kind == "item":
            bullet = draw(st.sampled_from(["- ", "* ", "1. "]))
            marker = f"p{next(numbers)}x"
            lines.append(pad + bullet + sentence(marker))
            prose[marker] = len(lines)
            texts.add(len(lines))
            if draw(st.booleans()):
                lines.append("")
                blocks(indent + draw(st.sampled_from([len(bullet), 4])), depth + 1)
            return True
        marker = f"t{next(numbers)}x"
        titled = kind == "tab" or draw(st.booleans())
        title = f' "{marker} {draw(st.sampled_from(WORDS))}"' if titled else ""
        lines.append(pad + {"tab": "===", "note": "!!! note", "tip": "??? tip"}[kind] + title)
        if titled:
            prose[marker] = len(lines)
            texts.add(len(lines))
        title_line = len(lines)
        if draw(st.booleans()):
            lines.append("")
        if titled:
            labelled[len(lines) + 1] = title_line
        blocks(indent + 4, depth + 1)
        return True

    def blocks(indent: int, depth: int) -> None:
        blank = False
        for _ in range(draw(st.integers(1, 3))):
            if blank:
                lines.append("")
            blank = block(indent, depth)

    def where(line: int) -> int:
        return where(labelled[line]) if line in labelled and line in texts else line

    blocks(0, 0)
    return "\n".join(lines) + "\n", {marker: where(line) for marker, line in prose.items()}, code


@settings(max_examples=200, deadline=None)
@given(nested_markdown())
def test_every_prose_word_is_in_one_sentence_on_its_line_and_no_code_is(document):
    source, prose, code = document
    sentences = md(source)
    words = [(line, set(re.findall(r"\w+", text))) for line, text in sentences]
    for marker, line in prose.items():
        assert [at for at, have in words if marker in have] == [line], (marker, source, sentences)
    assert not [text for _, text in sentences if any(marker in text for marker in code)], (source, sentences)


# pip 24.2's docs/html/topics/configuration.md: a list item whose first line opens a fence
PIP_ENV_ITEMS = ("- `PIP_TIMEOUT=60` is the same as `--timeout=60`\n- ```\n"
                 '  PIP_FIND_LINKS="http://mirror1.example.com http://mirror2.example.com"\n  ```\n\n'
                 "  is the same as\n\n  ```\n  --find-links=http://mirror1.example.com\n  ```\n\n"
                 "Repeatable options can be given more than once.\n")


def test_a_fence_opened_on_a_list_item_s_line_is_code():
    """Before, "- ```" was read as an item's text, so its code ("``` PIP_FIND_LINKS=…") was a
    sentence and the item's prose after it ("is the same as") was taken for code."""
    assert md(PIP_ENV_ITEMS) == [(1, "PIP_TIMEOUT=60 is the same as --timeout=60"), (6, "is the same as"),
                                 (12, "Repeatable options can be given more than once.")]
    assert md("1. ~~~\n   pip install x\n   ~~~\n\n   Then it works.\n2. ```inline``` code.\n") == [
        (5, "Then it works."), (6, "inline code.")]
