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
