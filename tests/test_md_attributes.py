"""Python-Markdown's attribute lists (attr_list, used all over mkdocs-material sites) are markup:
``{ loading=lazy role="img" }`` after an image, ``{ .lg .middle }`` after an icon, ``{: #version }``
after a heading whose closing hashes come before it (``## Version ## {: #version }``). A user trial
on Hatch's docs (session 37) found 13 sentences that were only an attribute list and 80 headings
that kept their closing hashes ("Version (required) ##", "1.13.0 - 2024-10-13 ##")."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract.markdown import _MD_ATTRIBUTES

from .textgen import WORDS, read


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


@pytest.mark.parametrize("source, expected", [
    ("## Version (*required*) ## {: #version }\n", [(1, "Version (required)")]),
    ("## 1.13.0 - 2024-10-13 ## {: #hatch-v1.13.0 }\n", [(1, "1.13.0 - 2024-10-13")]),
    ("### Features (extras) ###   {: #features .wide }\n", [(1, "Features (extras)")]),
    ("## Title {: #title }\n", [(1, "Title")]),
    ('![Screenshot of the thing](shot.png){ loading=lazy role="img" }\n\nLima sentence.\n', [(3, "Lima sentence.")]),
    ("| CI/CD | [![CI](https://x.org/b.svg){ loading=lazy .off-glb }](https://x.org) |\n| --- | --- |\n", [(1, "CI/CD")]),
    (":material-hammer-wrench:{ .lg .middle } __Build system__\n", [(1, "Build system")]),
    ("[Get started](start.md){ target=_blank rel='noopener' } now.\n", [(1, "Get started now.")]),
    ("A paragraph with classes.\n{: .note data-x=\"a b\" }\n", [(1, "A paragraph with classes.")]),
    # braces that are no attribute list stay: a placeholder, a format field, a heading's own "#"s
    ("Use {env:HOME} or {root} here, and f\"{value=}\" too.\n", [(1, 'Use {env:HOME} or {root} here, and f"{value=}" too.')]),
    ("## The {name} field\n", [(1, "The {name} field")]),
    ("## C# ##\n", [(1, "C#")]),
])
def test_attribute_lists_and_closing_hashes_are_markup(source, expected):
    assert md(source) == expected


token = st.one_of(st.sampled_from(WORDS).map(lambda w: "." + w), st.sampled_from(WORDS).map(lambda w: "#" + w + "-1.2"),
                  st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(['{}', '"{} x"', "'{}'"])).map(
                      lambda t: f"{t[0]}={t[2].format(t[1])}"))
attributes = st.tuples(st.sampled_from(["{", "{:", "{ ", "{: "]), st.lists(token, min_size=1, max_size=3), st.sampled_from(["}", " }"])).map(
    lambda t: t[0] + " ".join(t[1]) + t[2])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=2, max_size=5), attributes,
       st.sampled_from(["## {} {}", "## {} ## {}", "### {} ###{}", "![alt](x.png){1} {0}", "[{0}](x.md){1}", "{0}\n{1}"]))
def test_no_attribute_list_reaches_a_sentence(words, attributes, shape):
    text = " ".join(words).capitalize()
    assert md(shape.format(text, attributes) + "\n") == [(1, text)]
    assert not re.search(r"[{}=#]", " ".join(text for _, text in md(shape.format(text, attributes) + "\n")))


@pytest.mark.parametrize("text", ["x { a=b" * 50_000, "{ a=b=c=d " * 50_000, "{ a=1 .b " * 50_000, "{ a='" * 50_000])
def test_an_unclosed_attribute_list_is_read_in_linear_time(text):
    assert _MD_ATTRIBUTES.search(text) is None
