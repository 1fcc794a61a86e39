"""EPUB books (session 45): the spine's pages in reading order, read by the HTML reader's rules;
the table of contents left out; a hit's line its page's place in the book; a damaged, encrypted
or oversized book skipped in one line."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import READABLE, Skip, extract, format_of, reads_name, sentences_of
from simsearch.extract import zipped

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="{opf}" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


LINEAR_NO = ' linear="no"'


def page(body: str, title: str = "The Book") -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">\n'
            f"<head><title>{title}</title></head>\n<body>\n{body}\n</body>\n</html>\n")


def book(pages: dict[str, str | bytes], spine: list[str] | None = None, *, nav: str | None = None, linear_no=(),
         extra: dict[str, str | bytes] | None = None, opf: str = "OEBPS/content.opf", container: str | None = None,
         package: str | None = None) -> bytes:
    """An EPUB: ``pages`` by name (relative to the package file's folder), read in ``spine`` order."""
    spine = list(pages) if spine is None else spine
    folder = opf.rpartition("/")[0]
    items = "".join(f'<item id="p{i}" href="{quote(name)}" media-type="application/xhtml+xml"/>\n' for i, name in enumerate(pages))
    ids = {name: f"p{i}" for i, name in enumerate(pages)}
    if nav is not None:
        items += '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>\n'
        items += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>\n'
    refs = "".join(f'<itemref idref="{ids[name]}"{LINEAR_NO if name in linear_no else ""}/>\n' for name in spine)
    if nav is not None:
        refs = '<itemref idref="nav"/>\n' + refs
    if package is None:
        package = (f'<?xml version="1.0"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0">\n'
                   f'<metadata/>\n<manifest>\n{items}</manifest>\n<spine toc="ncx">\n{refs}</spine>\n</package>\n')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER.format(opf=opf) if container is None else container)
        z.writestr(opf, package)
        prefix = f"{folder}/" if folder else ""
        for name, text in pages.items():
            z.writestr(prefix + name, text)
        if nav is not None:
            z.writestr(prefix + "nav.xhtml", page(f'<nav epub:type="toc"><ol><li><a href="a.xhtml">{nav}</a></li></ol></nav>'
                                                  f"<h1>{nav}</h1><p>{nav} listed here.</p>"))
            z.writestr(prefix + "toc.ncx", f"<ncx><navMap><navPoint><navLabel><text>{nav}</text></navLabel></navPoint></navMap></ncx>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def read(data: bytes, name: str = "book.epub") -> list[tuple[str, int]]:
    return [(s.text, s.line) for s in sentences_of(extract(Path(name), data))]


def test_epub_is_a_format_simsearch_reads():
    assert reads_name(Path("Moby Dick.EPUB")) and format_of(Path("x.epub")) == "epub"
    assert ".epub" in READABLE


def test_pages_are_read_in_spine_order_each_hit_on_its_page_number():
    data = book({"c.xhtml": page("<h1>Third chapter</h1><p>The whale was seen at dawn.</p>"),
                 "a.xhtml": page("<h1>First chapter</h1><p>Call me Ishmael.</p>"),
                 "b.xhtml": page("<p>The ship sailed from Nantucket.</p>")},
                spine=["a.xhtml", "b.xhtml", "c.xhtml"])
    extracted = extract(Path("moby.epub"), data)
    assert extracted.format == "epub" and extracted.warning is None
    assert read(data) == [("First chapter", 1), ("Call me Ishmael.", 1), ("The ship sailed from Nantucket.", 2),
                          ("Third chapter", 3), ("The whale was seen at dawn.", 3)]


def test_the_table_of_contents_and_page_titles_are_left_out_and_linear_no_pages_read():
    """The nav document (properties="nav") and the NCX are no text; a page's <title> (the book's
    title on every page) neither; a page marked linear="no" (notes) is the book's text."""
    data = book({"a.xhtml": page("<h2>Beginning</h2><p>Once upon a time.</p>", title="Grimm's Tales"),
                 "notes.xhtml": page("<p>A note on the translation.</p>", title="Grimm's Tales")},
                nav="Contents entry", linear_no={"notes.xhtml"})
    # (the nav document is the spine's first item: the pages are its second and third)
    assert read(data) == [("Beginning", 2), ("Once upon a time.", 2), ("A note on the translation.", 3)]


def test_footnotes_are_read_and_menus_and_images_as_the_html_reader_reads_them():
    body = ('<main><p>The claim stands.<a epub:type="noteref" href="#n1">1</a></p>'
            '<p><img src="whale.png" alt="A drawing of a whale"/></p></main>'
            '<aside epub:type="footnote" id="n1"><p>See the ship\'s log.</p></aside>'
            '<aside><p>Related books you may like.</p></aside>'
            '<nav><ul><li><a href="x.xhtml">Previous</a></li></ul></nav>')
    texts = [text for text, _ in read(book({"a.xhtml": page(body)}))]
    assert texts == ["The claim stands.", "See the ship's log."]  # (the note's number is no word)


def test_a_page_the_spine_names_again_is_read_once_at_its_first_place():
    """sisu's books (Debian's live-manual-epub) name each page again for each of its sections
    ("about.xhtml#o8"): it was read once per name, 20,864 sentences for a book of 1,864."""
    pages = {"a.xhtml": page("<p>First page text.</p>"), "b.xhtml": page("<p>Second page text.</p>")}
    package = ('<package xmlns="http://www.idpf.org/2007/opf"><manifest>'
               '<item id="a" href="a.xhtml" media-type="application/xhtml+xml"/>'
               '<item id="a8" href="a.xhtml#o8" media-type="application/xhtml+xml"/>'
               '<item id="b" href="b.xhtml" media-type="application/xhtml+xml"/>'
               '</manifest><spine><itemref idref="a"/><itemref idref="a8"/><itemref idref="b"/></spine></package>')
    assert read(book(pages, package=package)) == [("First page text.", 1), ("Second page text.", 2)]


def test_sphinx_link_targets_are_left_out_as_the_html_reader_leaves_out_a_links_url():
    body = ('<p>On Windows this uses <a class="reference external" href="https://pypi.org/project/colorama/">colorama</a>'
            '<span class="link-target"> [https://pypi.org/project/colorama/]</span>.</p>')
    assert read(book({"a.xhtml": page(body)})) == [("On Windows this uses colorama.", 1)]


def test_a_page_in_another_declared_encoding_and_escaped_names():
    latin = page("<p>Caf\xe9 au lait, s'il vous pla\xeet.</p>").replace('encoding="utf-8"', 'encoding="iso-8859-1"')
    assert read(book({"Chapter 1.xhtml": latin.encode("latin-1")})) == [("Café au lait, s'il vous plaît.", 1)]


# --- what is not a book, or not one to read -------------------------------------------------------

@pytest.mark.parametrize("data, reason", [
    (b"just some text, not a zip\n", "unreadable EPUB: a damaged zip (File is not a zip file)"),
    (b"", "unreadable EPUB: a damaged zip (File is not a zip file)"),
])
def test_what_is_no_zip_is_skipped_in_one_line(data, reason):
    with pytest.raises(Skip) as skipped:
        extract(Path("x.epub"), data)
    assert str(skipped.value) == reason


def test_a_zip_cut_short_or_with_a_damaged_page_is_skipped_in_one_line():
    data = book({"a.xhtml": page("<p>" + "Words of the page. " * 200 + "</p>")})
    with pytest.raises(Skip, match=r"^unreadable EPUB: a damaged zip \("):
        extract(Path("x.epub"), data[: len(data) // 2])
    start = data.index(b"OEBPS/a.xhtml") + len("OEBPS/a.xhtml") + 10  # (inside its compressed bytes)
    damaged = data[:start] + bytes(b ^ 0x55 for b in data[start:start + 40]) + data[start + 40:]
    with pytest.raises(Skip, match=r"^unreadable EPUB: a damaged zip \("):
        extract(Path("x.epub"), damaged)


def test_an_encrypted_book_is_skipped_and_one_with_obfuscated_fonts_read():
    def encryption(uri: str, algorithm: str) -> str:
        return ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                f'<enc:EncryptionMethod Algorithm="{algorithm}"/>'
                f'<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData></encryption>')
    pages = {"a.xhtml": page("<p>Readable words.</p>"), "b.xhtml": page("<p>More words.</p>")}
    locked = book(pages, extra={"META-INF/encryption.xml": encryption("OEBPS/b.xhtml", "http://www.w3.org/2001/04/xmlenc#aes128-cbc")})
    with pytest.raises(Skip) as skipped:
        extract(Path("x.epub"), locked)
    assert str(skipped.value) == "an encrypted EPUB (DRM): 1 of its 2 pages are encrypted, which simsearch cannot read"
    fonts = book(pages, extra={"META-INF/encryption.xml": encryption("OEBPS/font.otf", "http://www.idpf.org/2008/embedding"),
                               "OEBPS/font.otf": b"\x00\x01obfuscated"})
    assert read(fonts) == [("Readable words.", 1), ("More words.", 2)]


def test_a_zip_bomb_is_skipped_without_being_read(monkeypatch):
    monkeypatch.setattr(zipped, "MAX_UNPACKED", 100_000)
    data = book({"a.xhtml": page("<p>" + "a " * 100_000 + "</p>")})
    assert len(data) < 2_000
    with pytest.raises(Skip) as skipped:
        extract(Path("x.epub"), data)
    assert str(skipped.value) == "an EPUB whose text decompresses to over 0.1 MiB (a zip bomb?): not read"
    # what the zip says of its sizes is not trusted: the bytes read are counted too
    monkeypatch.setattr(zipped, "MAX_UNPACKED", 150_000)
    data = book({"a.xhtml": page("<p>" + "a " * 50_000 + "</p>"), "b.xhtml": page("<p>" + "b " * 50_000 + "</p>")},
                extra={"META-INF/encryption.xml": "<encryption>" + " " * 200_000 + "</encryption>"})
    with pytest.raises(Skip, match="zip bomb"):
        extract(Path("x.epub"), data)


def test_a_missing_or_broken_package_file_falls_back_to_the_pages_in_name_order():
    pages = {"2.xhtml": page("<p>Second by name.</p>"), "1.xhtml": page("<p>First by name.</p>")}
    for kwargs, why in [({"container": "<container><rootfiles>"}, "META-INF/container.xml is not well-formed XML"),
                        ({"package": "<package><spine>"}, "OEBPS/content.opf is not well-formed XML"),
                        ({"package": "<package/>"}, "OEBPS/content.opf has no spine")]:
        extracted = extract(Path("x.epub"), book(pages, **kwargs))
        assert extracted.warning.startswith(why) and extracted.warning.endswith(
            ": its 2 XHTML pages were read in the order of their names"), extracted.warning
        assert [(s.text, s.line) for s in sentences_of(extracted)] == [("First by name.", 1), ("Second by name.", 2)]
    with pytest.raises(Skip, match="^not an EPUB book: no META-INF/container.xml, and no XHTML page$"):
        extract(Path("x.epub"), _zip({"readme.txt": "hello"}))


def test_missing_pages_are_named_and_the_others_read():
    data = book({"a.xhtml": page("<p>Present.</p>")}, spine=["a.xhtml"])
    package = ('<package xmlns="http://www.idpf.org/2007/opf"><manifest>'
               '<item id="a" href="a.xhtml" media-type="application/xhtml+xml"/>'
               '<item id="g" href="gone.xhtml" media-type="application/xhtml+xml"/>'
               '</manifest><spine><itemref idref="g"/><itemref idref="a"/></spine></package>')
    extracted = extract(Path("x.epub"), book({"a.xhtml": page("<p>Present.</p>")}, package=package))
    assert extracted.warning == "1 of the 2 pages OEBPS/content.opf names are not in the book (OEBPS/gone.xhtml): the others were read"
    assert [(s.text, s.line) for s in sentences_of(extracted)] == [("Present.", 2)]
    assert read(data) == [("Present.", 1)]


def test_entity_expansion_is_refused_quickly():
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
              + ']>\n<package xmlns="http://www.idpf.org/2007/opf"><metadata><title>&lol9;</title></metadata></package>')
    external = ('<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                '<container><rootfiles><rootfile full-path="&x;"/></rootfiles></container>')
    pages = {"a.xhtml": page("<p>Text of the book.</p>")}
    start = time.monotonic()
    for kwargs, why in [({"package": laughs}, "OEBPS/content.opf declares XML entities"),
                        ({"container": external}, "META-INF/container.xml declares XML entities")]:
        extracted = extract(Path("x.epub"), book(pages, **kwargs))
        assert extracted.warning.startswith(why)
        assert [s.text for s in sentences_of(extracted)] == ["Text of the book."]
    assert time.monotonic() - start < 2


def test_a_book_of_pictures_only_is_skipped_with_why():
    with pytest.raises(Skip, match=r"^no text in this EPUB \(pictures only\?\)$"):
        extract(Path("x.epub"), book({"a.xhtml": page('<p><img src="1.jpg" alt="Panel one"/></p>')}))


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


# --- through the commands -------------------------------------------------------------------------

def test_index_reads_books_and_skips_a_damaged_one_in_one_line(tmp_path, run_cli, index_model):
    docs = tmp_path / "books"
    docs.mkdir()
    (docs / "notes.txt").write_text("A note about nothing much.\n")
    db = tmp_path / "index.db"
    code, out, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0, err
    # books put in a folder indexed before (by a simsearch that did not read them) are read by the next run
    (docs / "tales.epub").write_bytes(book({"a.xhtml": page("<p>Once upon a time.</p>"),
                                            "b.xhtml": page("<p>Revenue rose in May after the price change.</p>")}))
    (docs / "broken.epub").write_bytes(b"PK\x03\x04 not really a zip")
    code, out, err = run_cli("index", "--db", db, "--device", "cpu")
    assert code == 0, err
    assert "Traceback" not in err, err
    assert "/broken.epub: skipped: unreadable EPUB: a damaged zip (File is not a zip file)\n" in err
    code, out, err = run_cli("search", "revenue in May", "--db", db, "-m", index_model, "--json", "-k", "5")
    hits = [json.loads(line) for line in out.splitlines() if line.strip()]
    found = [(Path(hit["path"]).name, hit["line"], hit["text"]) for hit in hits]
    assert ("tales.epub", 2, "Revenue rose in May after the price change.") in found, found

    from simsearch.store import Store  # (the preview of a hit: the text indexed, never the zip)
    from simsearch.widgets import read_excerpt

    class Hit:
        path, line, ordinal = str(docs / "tales.epub"), 2, 1

    store = Store.open(db, create=False, readonly=True)
    Hit.document_id = store.conn.execute("SELECT id FROM documents WHERE path = ?", (Hit.path,)).fetchone()[0]
    assert read_excerpt(store, Hit) == "an EPUB book: the text indexed from its document 2 in reading order"


# --- property: any spine order ------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.permutations(range(6)), st.lists(st.integers(1, 3), min_size=6, max_size=6))
def test_chapters_come_back_in_spine_order_on_their_place(order, lengths):
    words = ["apple", "river", "stone", "cloud", "maple", "ember"]
    pages = {f"ch{i}.xhtml": page("".join(f"<p>Chapter {words[i]} sentence {k} is here.</p>" for k in range(lengths[i])))
             for i in range(6)}
    spine = [f"ch{i}.xhtml" for i in order]
    got = read(book(pages, spine=spine))
    want = [(f"Chapter {words[i]} sentence {k} is here.", place) for place, i in enumerate(order, 1) for k in range(lengths[i])]
    assert got == want


# --- session 45, readers review -------------------------------------------------------------------

def test_note_and_page_numbers_and_ruby_annotations_are_not_glued_into_sentences():
    # (before: "Second page1 goes on.", "runs over12 the page.", "漢(かん)字じ"; EPUBs made from print mark
    # each printed page's break so, and pandoc writes role="doc-noteref" in HTML too)
    body = ('<p>The sea<a epub:type="noteref" href="#n1">1</a> was calm<sup><a role="doc-noteref" href="#n2">[2]</a></sup>.</p>'
            '<p>The sentence runs over<span epub:type="pagebreak" id="page12" title="12">12</span> the page, and exam'
            '<span role="doc-pagebreak" aria-label="13"/>ple words stay whole.</p>'
            '<div epub:type="pagebreak" title="14">14</div>'
            '<p>This is <ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt>じ</rt></ruby> here.</p>'
            '<aside epub:type="footnote" id="n1"><p>The note.</p></aside>')
    assert read(book({"a.xhtml": page(body)})) == [
        ("The sea was calm.", 1), ("The sentence runs over the page, and example words stay whole.", 1),
        ("This is 漢字 here.", 1), ("The note.", 1)]
    # an HTML page's <rt> left unclosed ends at the next one, or with its ruby
    html = "<p>A <ruby>漢<rt>かん<rt>じ</ruby>字 after.</p><p>Next <ruby>本<rt>ほん</ruby> one.</p>"
    assert [s.text for s in sentences_of(extract(Path("a.html"), html.encode()))] == ["A 漢字 after.", "Next 本 one."]


def test_a_contents_page_written_as_linked_headings_is_left_out_but_a_heading_linking_back_is_read():
    # (before: the Debian Live manual's first page, made by SiSU, gave 198 sentences at line 1, every
    # heading of the book again, "4.5.1 Burning an ISO image to a physical medium")
    contents = ('<p class="centerbold">Live Systems Manual</p><h1 class="toc">About</h1>'
                + "".join(f'<h5 class="toc"><a href="b.xhtml#o{i}">\n  1.{i} Section {i} of the book\n</a></h5>' for i in range(1, 5)))
    chapter = '<h2><a href="a.xhtml">1. A chapter whose heading links back</a></h2><p>Its text.</p>'
    assert read(book({"a.xhtml": page(contents), "b.xhtml": page(chapter)})) == [
        ("Live Systems Manual", 1), ("About", 1), ("1. A chapter whose heading links back", 2), ("Its text.", 2)]
