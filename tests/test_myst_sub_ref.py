"""MyST's ``{sub-ref}`` role (session 38): a substitution reference, as reStructuredText's ``|name|``.
``{sub-ref}`wordcount-words``` and ``{sub-ref}`wordcount-minutes``` (the page's words and minutes
of reading, which MyST counts when it builds the page) were stored as their names, role syntax in a
sentence ("This page has wordcount-words words"); they read as nothing now, no word of the page.
Any other name (``today``, ``version``, one of the project's) reads as rst's ``|today|`` does: its name."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .textgen import WORDS, read


@pytest.mark.parametrize("source, expected", [
    ("{sub-ref}`today` | {sub-ref}`wordcount-words` words | {sub-ref}`wordcount-minutes` min read\n",
     ["today | words | min read"]),  # (MyST's own example)
    ("This page has {sub-ref}`wordcount-words` words.\n", ["This page has words."]),
    ("Read it in {sub-ref}`Wordcount-Minutes` minutes.\n", ["Read it in minutes."]),  # (a name's case does not count)
    ("Last updated {sub-ref}`today`, for {sub-ref}`version`.\n", ["Last updated today, for version."]),
])
def test_a_myst_sub_ref_reads_as_a_substitution(source, expected):
    assert [text for _, text in read("doc.md", source)] == expected


def test_a_sub_ref_reads_as_rst_s_substitution_reference():
    assert read("doc.md", "Built {sub-ref}`today` from {sub-ref}`release`.\n") == read("doc.rst", "Built |today| from |release|.\n")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS).map(lambda word: (word, word)),
                          st.sampled_from(["today", "version", "release", "my-name"]).map(lambda name: (f"{{sub-ref}}`{name}`", name)),
                          st.sampled_from(["wordcount-words", "wordcount-minutes"]).map(lambda name: (f"{{sub-ref}}`{name}`", ""))),
                min_size=1, max_size=8).filter(lambda parts: parts[0][1] in WORDS))
def test_no_sentence_holds_a_sub_ref_s_syntax(parts):
    # oracle: each word as written, a substitution as its name, a word count as nothing
    written = " ".join(source for source, _ in parts)
    assert read("doc.md", written.capitalize() + ".\n") == [(1, " ".join(text for _, text in parts if text).capitalize() + ".")]
