"""The file walk (.gitignore, hidden, binary) and the text extractors."""

from __future__ import annotations

from pathlib import Path

import pytest

from simsearch.extract import MAX_SENTENCE_CHARS, FoundFile, Skip, decode, extract, parse_gitignore, sentences_of, walk


def found(root: Path) -> list[str]:
    return sorted(item.path.relative_to(root).as_posix() for item in walk([root]) if isinstance(item, FoundFile))


def test_walk_skips_hidden_ignored_and_unknown_types(tmp_path):
    files = {
        "a.md": "x", "b.txt": "x", "c.html": "x", "d.rst": "x", "image.png": "x", "notes.docx": "x",
        ".hidden.md": "x", ".git/config.txt": "x", "build/out.txt": "x", "keep/build.txt": "x",
        "logs/today.log.txt": "x", "sub/.gitignore": "*.md\n!important.md\n", "sub/x.md": "x",
        "sub/important.md": "x", "sub/deep/y.md": "x", "docs/secret/z.txt": "x",
        ".gitignore": "# comment\nbuild/\n/logs\ndocs/**/z.txt\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert found(tmp_path) == ["a.md", "b.txt", "c.html", "d.rst", "keep/build.txt", "sub/important.md"]


def test_gitignore_rules_anchor_and_negate():
    rules = parse_gitignore("/top.txt\n*.tmp\n!keep.tmp\nnotes/*.md\n")
    def ignored(path):
        result = False
        for rule in rules:
            if rule.regex.match(path):
                result = not rule.negate
        return result
    assert ignored("top.txt") and not ignored("sub/top.txt")
    assert ignored("a.tmp") and ignored("x/y/b.tmp") and not ignored("keep.tmp")
    assert ignored("notes/a.md") and not ignored("notes/sub/a.md")


def test_walk_takes_a_named_file_and_rejects_a_missing_path(tmp_path):
    (tmp_path / "one.txt").write_text("x")
    assert [i.path.name for i in walk([tmp_path / "one.txt"])] == ["one.txt"]
    from simsearch.errors import SimsearchError

    with pytest.raises(SimsearchError, match="no such file or folder"):
        list(walk([tmp_path / "missing"]))


def test_binary_content_is_skipped():
    with pytest.raises(Skip, match="binary"):
        extract(Path("x.txt"), b"PK\x03\x04\x00\x00binary")


def test_non_utf8_is_read_as_cp1252_with_a_warning_naming_the_line():
    text, warning = decode("line one\ncaf\u00e9 au lait\n".encode("cp1252"))
    assert text == "line one\ncafé au lait\n"
    assert "line 2" in warning and "cp1252" in warning
    assert decode("\ufeffBOM text".encode("utf-8")) == ("BOM text", None)
    assert decode("utf-16 text".encode("utf-16")) == ("utf-16 text", None)


def test_markdown_code_fences_are_left_out_and_lines_kept():
    source = "Intro sentence.\n\n```python\nprint('Not prose.')\n```\n\nAfter the code.\n"
    sentences = sentences_of(extract(Path("a.md"), source.encode()))
    assert [(s.text, s.line) for s in sentences] == [("Intro sentence.", 1), ("After the code.", 7)]


def test_html_text_skips_scripts_and_maps_lines_to_the_source():
    html = ("<html><head><title>Trip notes</title>\n<style>p {color: red}</style>\n"
            "<script>var ignored = 1;</script></head>\n<body>\n<p>We flew to Lisbon in May.\nIt was warm.</p>\n"
            "<ul><li>Pack light</li></ul>\n</body></html>\n")
    sentences = sentences_of(extract(Path("t.html"), html.encode()))
    assert [(s.text, s.line) for s in sentences] == [
        ("Trip notes", 1), ("We flew to Lisbon in May.", 5), ("It was warm.", 6), ("Pack light", 7)]


def test_an_overlong_sentence_is_cut_at_spaces():
    text = ("word " * 1000).strip()
    sentences = sentences_of(extract(Path("long.txt"), text.encode()))
    assert len(sentences) > 1 and all(len(s.text) <= MAX_SENTENCE_CHARS for s in sentences)
    assert " ".join(s.text for s in sentences) == text


def test_empty_file_has_no_sentences():
    assert sentences_of(extract(Path("empty.md"), b"")) == []


def minimal_pdf(pages: list[str]) -> bytes:
    """A valid PDF with one line of Helvetica text per page, written by hand."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_extracted_with_page_numbers_as_lines():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    data = minimal_pdf(["The first page talks about sailing.", "The second page is about chess."])
    sentences = sentences_of(extract(Path("doc.pdf"), data))
    assert [(s.text, s.line) for s in sentences] == [
        ("The first page talks about sailing.", 1), ("The second page is about chess.", 2)]
    with pytest.raises(Skip, match="unreadable PDF"):
        extract(Path("broken.pdf"), b"%PDF-1.4 this is not a pdf")
