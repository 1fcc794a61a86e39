"""Reader cases found by a user trial on httpx 0.27.2 (session 38): a Markdown code span lost the
spaces at its edges, so the words on either side were glued. httpx's CHANGELOG has "Drop
`Response.stream` and` `Response.raw`" (a span holding one space) and "`dispatch=...`` on client,
which has been replaced by `transport=...``" (a span that ends in a space), which were stored as
"andResponse.raw" and "replaced bytransport=...``"."""

from __future__ import annotations

import pytest

from .textgen import read


def md(source: str) -> list[tuple[int, str]]:
    return read("doc.md", source)


@pytest.mark.parametrize("source, expected", [
    # httpx 0.27.2's CHANGELOG.md, lines 582 and 584
    ("* Drop `dispatch=...`` on client, which has been replaced by `transport=...``\n",
     [(1, "Drop dispatch=...`` on client, which has been replaced by transport=...``")]),
    ("* Drop `Response.stream` and` `Response.raw`, which have been replaced by ``.aiter_bytes` and `.aiter_raw`.\n",
     [(1, "Drop Response.stream and Response.raw, which have been replaced by ``.aiter_bytes and .aiter_raw.")]),
    # CommonMark: a span of spaces alone is a space; one space each side comes off only when both sides have one
    ("Split on` `spaces.\n", [(1, "Split on spaces.")]),
    ("Use `` `ticks` `` here and ` a ` there.\n", [(1, "Use `ticks` here and a there.")]),
    ("Type `ls `then Enter.\n", [(1, "Type ls then Enter.")]),
    ("Type` ls`.\n", [(1, "Type ls.")]),
], ids=["httpx 582", "httpx 584", "a space alone", "padded both sides", "a trailing space", "a leading space"])
def test_a_code_span_keeps_the_spaces_at_its_edges(source, expected):
    assert md(source) == expected


def test_a_code_span_ending_in_a_period_still_glues_before_a_lowercase_word():
    """The span's own edge spaces are CommonMark's to strip, not the sentence rule's: "`foo.`" before
    a lowercase word ends no sentence, with or without padding."""
    for source in ("Set it to ` foo. ` and go on.\n", "Set it to `foo. ` and go on.\n", "Set it to `foo. `and go on.\n"):
        assert md(source) == [(1, "Set it to foo. and go on.")], source
    assert md("Set it to `foo.` Then go on.\n") == [(1, "Set it to foo."), (1, "Then go on.")]
