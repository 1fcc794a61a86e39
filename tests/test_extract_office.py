"""Word (.docx) and OpenDocument (.odt) files: built here with zipfile, read with the standard library."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import Skip, extract, sentences_of
from simsearch.extract import office, zipped

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (f'xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
STYLES = f"""<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>
<w:style w:type="paragraph" w:styleId="SourceCode"><w:name w:val="Source Code"/></w:style>
<w:style w:type="paragraph" w:styleId="Mono"><w:name w:val="My Listing"/><w:rPr><w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>
</w:styles>"""


def docx(body: str, footnotes: str = "", endnotes: str = "", parts: dict | None = None) -> bytes:
    """A .docx whose body is ``body`` (WordprocessingML), with a styles part and optional notes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        archive.writestr("word/document.xml", f"<w:document {NS}><w:body>{body}<w:sectPr/></w:body></w:document>")
        archive.writestr("word/styles.xml", STYLES)
        if footnotes:
            archive.writestr("word/footnotes.xml", f'<w:footnotes xmlns:w="{W}"><w:footnote w:type="separator" w:id="-1">'
                             f'<w:p><w:r><w:separator/></w:r></w:p></w:footnote>{footnotes}</w:footnotes>')
        if endnotes:
            archive.writestr("word/endnotes.xml", f'<w:endnotes xmlns:w="{W}">{endnotes}</w:endnotes>')
        for name, text in (parts or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def p(text: str, style: str | None = None, inner: str | None = None) -> str:
    """A Word paragraph of one run (or of the raw ``inner`` XML)."""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}{inner if inner is not None else run(text)}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
       'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def odt(body: str, styles: str = "", manifest: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest or "<manifest/>")
        archive.writestr("styles.xml", f"<office:document-styles {ODF}><office:styles>{styles}</office:styles>"
                         "<office:master-styles><style:master-page><style:header><text:p>Running head</text:p>"
                         "</style:header></style:master-page></office:master-styles></office:document-styles>")
        archive.writestr("content.xml", f"<office:document-content {ODF}><office:body><office:text>{body}"
                         "</office:text></office:body></office:document-content>")
    return buffer.getvalue()


def read(data: bytes, name: str = "a.docx") -> list[tuple[str, int]]:
    return [(s.text, s.line) for s in sentences_of(extract(Path(name), data))]


def test_paragraphs_headings_and_list_items_are_blocks_numbered_as_paragraphs():
    body = (p("Introduction", "Heading1") + p("") + p("We met on Monday. It rained") +
            '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>' + run("buy milk") + "</w:p>"
            + p("call the bank", inner='<w:pPr><w:outlineLvl w:val="1"/></w:pPr>' + run("Next steps")))
    assert read(docx(body)) == [("Introduction", 1), ("We met on Monday.", 2), ("It rained", 2), ("buy milk", 3),
                                ("Next steps", 4)]
    body = ('<text:h text:outline-level="1">Introduction</text:h><text:p/><text:p>We met on Monday. It rained</text:p>'
            '<text:list><text:list-item><text:p>buy milk</text:p></text:list-item>'
            '<text:list-item><text:number>2.</text:number><text:p>call <text:a>the bank</text:a></text:p></text:list-item></text:list>')
    assert read(odt(body), "a.odt") == [("Introduction", 1), ("We met on Monday.", 2), ("It rained", 2), ("buy milk", 3),
                                        ("call the bank", 4)]


def test_breaks_tabs_and_spaces_are_whitespace_within_the_paragraph():
    inner = run("Name:") + "<w:r><w:tab/><w:t>Ada</w:t><w:br/><w:t>Street</w:t><w:noBreakHyphen/><w:t>1</w:t></w:r>"
    assert read(docx(p("", inner=inner))) == [("Name: Ada Street-1", 1)]
    body = '<text:p>Name:<text:tab/>Ada<text:line-break/>Street<text:s text:c="1000000000"/>1\n   two</text:p>'
    assert read(odt(body), "a.odt") == [("Name: Ada Street 1 two", 1)]


def test_notes_are_read_after_the_paragraph_that_marks_them_with_its_number():
    body = (p("First.") + p("", inner=run("Cited here") + '<w:r><w:footnoteReference w:id="2"/></w:r>'
                           + run(" And") + '<w:r><w:endnoteReference w:id="3"/></w:r>') + p("Last."))
    notes = f'<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>{run(" The source is a letter.")}</w:p></w:footnote>'
    ends = f'<w:endnote w:id="3"><w:p>{run("An endnote.")}</w:p></w:endnote>'
    assert read(docx(body, notes, ends)) == [("First.", 1), ("Cited here And", 2), ("The source is a letter.", 2),
                                             ("An endnote.", 2), ("Last.", 3)]
    body = ('<text:p>Cited here<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            '<text:note-body><text:p>The source is a letter.</text:p></text:note-body></text:note> And more.</text:p>'
            '<text:p>Last.</text:p>')
    assert read(odt(body), "a.odt") == [("Cited here And more.", 1), ("The source is a letter.", 1), ("Last.", 2)]


def test_links_and_fields_read_as_shown_and_field_codes_do_not():
    inner = (f'<w:hyperlink r:id="rId9" xmlns:r="x">{run("the report")}</w:hyperlink>'
             '<w:fldSimple w:instr=" DATE "><w:r><w:t>1 May</w:t></w:r></w:fldSimple>'
             '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \\* MERGEFORMAT </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t> page 7</w:t></w:r>'
             '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    assert read(docx(p("", inner=run("See ") + inner))) == [("See the report1 May page 7", 1)]


def test_a_text_box_is_read_once_after_its_paragraph():
    box = f"<w:txbxContent>{p('Boxed words.')}</w:txbxContent>"
    inner = (run("Anchor paragraph.") + "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx>"
             f"{box}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict>"
             "</mc:Fallback></mc:AlternateContent></w:r>")
    assert read(docx(p("", inner=inner) + p("After."))) == [("Anchor paragraph.", 1), ("Boxed words.", 1), ("After.", 2)]
    body = ('<text:p>Anchor paragraph.<draw:frame><svg:title>Frame title</svg:title><draw:text-box>'
            '<text:p>Boxed words.</text:p></draw:text-box></draw:frame></text:p><text:p>After.</text:p>')
    assert read(odt(body), "a.odt") == [("Anchor paragraph.", 1), ("Boxed words.", 1), ("After.", 2)]


def test_deleted_changes_comments_headers_and_hidden_text_are_left_out():
    inner = (run("Keep ") + f'<w:del w:id="1" w:author="A"><w:r><w:delText>old words </w:delText></w:r></w:del>'
             f'<w:ins w:id="2" w:author="A">{run("new words")}</w:ins>'
             f'<w:moveFrom w:id="3">{run(" moved away")}</w:moveFrom>'
             '<w:commentRangeStart w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
             '<w:r><w:rPr><w:vanish/></w:rPr><w:t> hidden</w:t></w:r>' + run("."))
    parts = {"word/header1.xml": f'<w:hdr xmlns:w="{W}">{p("Running head")}</w:hdr>',
             "word/comments.xml": f'<w:comments xmlns:w="{W}"><w:comment w:id="0">{p("A comment.")}</w:comment></w:comments>'}
    assert read(docx(p("", inner=inner), parts=parts)) == [("Keep new words.", 1)]
    prompt = ('<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>' + run("Click or tap here to enter text.")
              + "</w:sdtContent></w:sdt>")
    filled = '<w:sdt><w:sdtPr/><w:sdtContent>' + run("Ada Lovelace") + "</w:sdtContent></w:sdt>"
    assert read(docx(p("", inner=run("Name: ") + prompt) + p("", inner=run("Author: ") + filled))) == [
        ("Name:", 1), ("Author: Ada Lovelace", 2)]
    body = ('<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>old words</text:p>'
            '</text:deletion></text:changed-region></text:tracked-changes>'
            '<text:p>Keep <text:change text:change-id="c1"/>new words<office:annotation><dc:creator>A</dc:creator>'
            '<text:p>A comment.</text:p></office:annotation>.</text:p>')
    assert read(odt(body), "a.odt") == [("Keep new words.", 1)]


def cell(text: str) -> str:
    return f"<w:tc>{p(text)}</w:tc>"


def test_a_table_row_is_one_sentence_of_its_cells_as_the_html_reader_reads_a_row():
    header = '<w:tr><w:trPr><w:tblHeader/></w:trPr>' + cell("Shell") + cell("Program") + cell("Windows") + "</w:tr>"
    rows = ("<w:tr>" + cell("Command Prompt") + cell("") + cell("✅") + "</w:tr>"
            + "<w:tr>" + cell("a; b") + cell("c") + cell("d") + "</w:tr>")
    assert read(docx(f"<w:tbl>{header}{rows}</w:tbl>")) == [
        ("Shell; Program; Windows", 1), ("Command Prompt; Windows: yes", 2), ("“a; b”; c; d", 3)]
    # The same table in HTML reads the same.
    html = ("<table><tr><th>Shell</th><th>Program</th><th>Windows</th></tr><tr><td>Command Prompt</td><td></td>"
            "<td>✅</td></tr><tr><td>a; b</td><td>c</td><td>d</td></tr></table>")
    assert [s.text for s in sentences_of(extract(Path("a.html"), html.encode()))] == [
        "Shell; Program; Windows", "Command Prompt; Windows: yes", "“a; b”; c; d"]
    body = ('<table:table><table:table-header-rows><table:table-row><table:table-cell><text:p>Shell</text:p></table:table-cell>'
            '<table:table-cell><text:p>Program</text:p></table:table-cell><table:table-cell><text:p>Windows</text:p>'
            '</table:table-cell></table:table-row></table:table-header-rows><table:table-row><table:table-cell>'
            '<text:p>Command Prompt</text:p></table:table-cell><table:table-cell/><table:table-cell><text:p>✅</text:p>'
            '</table:table-cell><table:table-cell table:number-columns-repeated="1000000"/></table:table-row></table:table>')
    assert read(odt(body), "a.odt") == [("Shell; Program; Windows", 1), ("Command Prompt; Windows: yes", 2)]


def test_a_table_laid_out_as_a_page_is_read_paragraph_by_paragraph():
    layout = ("<w:tbl><w:tr><w:tc>" + p("Experience") + "</w:tc><w:tc>" + p("Engineer at Acme") + p("Built the billing system")
              + "</w:tc></w:tr></w:tbl>")
    assert read(docx(layout)) == [("Experience", 1), ("Engineer at Acme", 2), ("Built the billing system", 3)]


def test_code_and_contents_paragraphs_are_left_out_but_counted():
    body = (p("Run this:") + p("make install", "SourceCode") + p("ls -l", "Mono") + p("Introduction\t3", "TOC1")
            + p("Then it works."))
    assert read(docx(body)) == [("Run this:", 1), ("Then it works.", 4)]
    assert office.paragraphs(docx(body), "docx") == ["Run this:", "make install", "ls -l", "Then it works."]
    # A document written wholly in a fixed-pitch style (a letter in Courier) is prose, not code.
    assert read(docx(p("Dear Ada,", "Mono") + p("Thank you.", "Mono"))) == [("Dear Ada,", 1), ("Thank you.", 2)]
    styles = ('<style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph"/>'
              '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Preformatted_20_Text"/>')
    body = ('<text:table-of-content><text:index-body><text:p>Introduction 3</text:p></text:index-body></text:table-of-content>'
            '<text:p>Run this:</text:p><text:p text:style-name="P1">make install</text:p><text:p>Then it works.</text:p>')
    assert read(odt(body, styles), "a.odt") == [("Run this:", 1), ("Then it works.", 3)]


@pytest.mark.parametrize("data, reason", [
    (b"PK\x03\x04" + b"damaged" * 20, "not a Word document (not a zip file, or a damaged one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le"), "password-protected document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "a Word 97-2003 (.doc) file"),
    (b"", "not a Word document"),
])
def test_files_that_are_no_readable_document_are_skipped_with_the_reason(data, reason):
    with pytest.raises(Skip, match=reason.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        extract(Path("a.docx"), data)


def test_an_entity_expansion_or_an_external_entity_is_refused_before_parsing():
    laughs = ('<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                                                                   for i in range(8)) + ']>'
              f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>')
    data = docx("")
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, laughs if item.filename == "word/document.xml" else source.read(item))
    with pytest.raises(Skip, match="declares XML entities"):
        extract(Path("a.docx"), buffer.getvalue())
    buffer = io.BytesIO()  # an external entity (odfpy's tests/examples/nasty.odt is one)
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", f'<!DOCTYPE x [<!ENTITY x SYSTEM "/etc/passwd">]><office:document-content {ODF}>'
                         "<office:body><office:text><text:p>Test: &x;</text:p></office:text></office:body></office:document-content>")
    with pytest.raises(Skip, match="declares XML entities"):
        extract(Path("a.odt"), buffer.getvalue())


def test_a_zip_bomb_is_skipped_once_it_unpacks_past_the_cap(monkeypatch):
    monkeypatch.setattr(zipped, "MAX_UNPACKED", 4 * 2**20)
    body = p("x" * (8 * 2**20))  # 8 MiB of one letter: a few KiB deflated, whatever size the zip claims
    data = docx(body)
    assert len(data) < 100_000
    with pytest.raises(Skip, match="unpacks to over 4 MiB of XML"):
        extract(Path("a.docx"), data)


def test_elements_nested_past_recursion_and_damaged_xml_are_skipped():
    deep = p("", inner="<w:hyperlink>" * 5000 + run("deep") + "</w:hyperlink>" * 5000)
    with pytest.raises(Skip, match="nested too deeply"):
        extract(Path("a.docx"), docx(deep))
    with pytest.raises(Skip, match="word/document.xml is not well-formed XML"):
        extract(Path("a.docx"), docx("<w:p>"))
    with pytest.raises(Skip, match="password-protected"):
        extract(Path("a.odt"), odt("<text:p>x</text:p>", manifest="<manifest><encryption-data/></manifest>"))


def test_an_odt_named_docx_is_read_as_what_it_is():
    extracted = extract(Path("a.docx"), odt("<text:p>Hello there.</text:p>"))
    assert extracted.format == "odt" and extracted.text == "Hello there.\n\n"


def test_index_reads_documents_already_in_an_indexed_folder_and_skips_bad_ones_in_one_line(tmp_path, index_model, monkeypatch):
    from simsearch.extract import base
    from simsearch.indexer import index
    from simsearch.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("A note in Markdown.\n")
    (docs / "letter.docx").write_bytes(docx(p("Dear Ada, the boat is ready.")))
    (docs / "minutes.odt").write_bytes(odt("<text:p>The meeting ended early.</text:p>"))
    (docs / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    store = Store.open(tmp_path / "index.db")
    # A version of simsearch that did not read them: the files are in the folder, unread.
    older = {suffix: name for suffix, name in base.TEXT_SUFFIXES.items() if suffix not in (".docx", ".odt")}
    monkeypatch.setattr(base, "TEXT_SUFFIXES", older)
    index(store, [docs], [str(index_model)], progress=False)
    assert [row[0] for row in store.conn.execute("SELECT path FROM documents")] == [str(docs / "note.md")]
    monkeypatch.undo()
    report = index(store, [docs], [str(index_model)], progress=False)
    formats = dict(store.conn.execute("SELECT path, kind FROM documents"))
    assert formats[str(docs / "letter.docx")] == "docx" and formats[str(docs / "minutes.odt")] == "odt"
    assert {s["path"]: s["reason"] for s in report.skipped} == {
        str(docs / "old.docx"): "skipped: a Word 97-2003 (.doc) file or another binary Office file, not .docx or .odt: "
                                "save it as .docx or .odt to index it"}
    texts = {row[0] for row in store.conn.execute("SELECT text FROM sentences")}
    assert {"Dear Ada, the boat is ready.", "The meeting ended early."} <= texts


def test_the_context_panel_shows_paragraphs_not_xml(tmp_path, index_model):
    from simsearch.indexer import index
    from simsearch.retrieval import file_length
    from simsearch.search import Searcher
    from simsearch.store import Store
    from simsearch.widgets import Excerpt, read_excerpt

    docs = tmp_path / "docs"
    docs.mkdir()
    path = docs / "letter.docx"
    path.write_bytes(docx(p("Dear Ada,") + p("make install", "SourceCode") + p("The boat is ready. Come soon.")))
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model)], progress=False)
    hit = next(h for h in Searcher.open(store, str(index_model)).search("boat", 10, context=2) if h.text == "Come soon.")
    assert hit.line == 3
    excerpt = read_excerpt(store, hit)
    assert isinstance(excerpt, Excerpt)
    assert excerpt.first == 1 and excerpt.lines == ["Dear Ada,", "make install", "The boat is ready. Come soon."]
    assert file_length(str(path)) == (3, "paragraphs")


paragraph_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=40).filter(
    lambda text: any(ch.isalnum() for ch in text))


@settings(max_examples=200, deadline=None)
@given(st.lists(paragraph_text, min_size=1, max_size=8))
def test_paragraph_texts_come_back_in_order_one_block_each(texts):
    """Any paragraphs written into a .docx or .odt come back as the extracted text's blocks, in order,
    each numbered by its place."""
    word = docx("".join(p(text) for text in texts))
    opendocument = odt("".join(f"<text:p>{escape(' '.join(text.split()))}</text:p>" for text in texts))
    for data, name in ((word, "a.docx"), (opendocument, "a.odt")):
        extracted = extract(Path(name), data)
        blocks = [block for block in extracted.text.split("\n\n") if block.strip()]
        assert [" ".join(block.split()) for block in blocks] == [" ".join(text.split()) for text in texts if text.strip()]
        starts, at = [], 0
        for block in blocks:
            starts.append(extracted.text.index(block, at))
            at = starts[-1] + len(block)
        assert [extracted.source_line(start, 0) for start in starts] == list(range(1, len(blocks) + 1))


def test_edit_key_on_a_word_hit_names_its_paragraph_and_the_panel_shows_its_text(tmp_path, index_model, monkeypatch):
    """`e` would run `$EDITOR +3 letter.docx`: an editor shows the zip's bytes, where the hit's
    "line" is a paragraph."""
    from simsearch.indexer import index
    from simsearch.store import Store
    from simsearch.tui import CompareApp
    from simsearch.widgets import ContextPanel

    from .test_tui import ask, run_app, settle
    from .test_tui_hunt import shown_in

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.docx").write_bytes(docx(p("Dear Ada,") + p("Thank you.") + p("The zebrafinch sings at dawn.")))
    store = Store.open(tmp_path / "index.db")
    index(store, [tmp_path / "docs"], [str(index_model)], progress=False)
    store.close()
    monkeypatch.setenv("EDITOR", "vim")
    notes, opened = [], []
    monkeypatch.setattr("simsearch.tui.subprocess.run", lambda command, **kwargs: opened.append(command))

    async def scenario(app, pilot):
        from textual.widgets import DataTable

        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notes.append(message))
        await ask(app, pilot, "zebrafinch")
        app.query_one("#left-table", DataTable).focus()
        await settle(app, pilot)
        assert app.selected[1].line == 3
        shown = "\n".join(shown_in(app, app.query_one(ContextPanel)))
        assert "3 │ The zebrafinch sings at dawn." in shown and "1 │ Dear Ada," in shown and "w:t" not in shown, shown
        await pilot.press("e")
        await pilot.pause()
        assert opened == [] and notes[-1].endswith(
            "letter.docx is a Word document: open it in a word processor (the hit is in paragraph 3)"), notes

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario)


# --- session 45, readers review -------------------------------------------------------------------

def test_a_ruby_is_read_as_its_base_and_a_symbol_as_its_character():
    # (before: "かん漢字", the annotation glued before its base; and "25C", the degree sign dropped)
    ruby = ('<w:r><w:ruby><w:rubyPr><w:rubyAlign w:val="distributeSpace"/></w:rubyPr><w:rt><w:r><w:t>かん</w:t></w:r></w:rt>'
            '<w:rubyBase><w:r><w:t>漢</w:t></w:r></w:rubyBase></w:ruby></w:r>')
    symbols = ('<w:r><w:sym w:font="Symbol" w:char="F0B0"/></w:r>' + run("C, a change of ")
               + '<w:r><w:sym w:font="Symbol" w:char="F044"/><w:sym w:font="Symbol" w:char="F061"/></w:r>'
               + run(" ") + '<w:r><w:sym w:font="Calibri" w:char="2248"/></w:r>' + run(" 2")
               + '<w:r><w:sym w:font="Wingdings" w:char="F0E0"/></w:r>' + run("."))
    assert read(docx(p("", inner=run("This is ") + ruby + run("字 here.")) + p("", inner=run("At 25") + symbols))) == [
        ("This is 漢字 here.", 1), ("At 25°C, a change of Δα ≈ 2.", 2)]


def test_a_note_marked_many_times_is_read_once():
    # (before: a 1.7 KB .docx, one note of 20,000 words marked 1,000 times, gave 100 MB of text in 0.3 s:
    # a zip bomb past the cap on unpacked XML)
    note = '<w:footnote w:id="1"><w:p>' + run("word " * 20_000) + "</w:p></w:footnote>"
    data = docx(p("", inner=run("Marked.") + '<w:r><w:footnoteReference w:id="1"/></w:r>' * 1000), footnotes=note)
    assert len(data) < 3000
    extracted = extract(Path("a.docx"), data)
    assert len(extracted.text) < 110_000 and extracted.text.count("word") == 20_000


def test_a_header_of_a_pages_length_names_no_cell_of_the_rows_below():
    # (before: a 2 KB .docx, a 100,000-character header over 2,000 rows each with an empty cell
    # before its text, gave 200 MB of text: the header before every row's cell; an HTML table too)
    cell = lambda text: f"<w:tc>{p(text)}</w:tc>"
    header = '<w:tr><w:trPr><w:tblHeader/></w:trPr>' + cell("Name") + cell("head " * 20_000) + "</w:tr>"
    named = '<w:tr><w:trPr><w:tblHeader/></w:trPr>' + cell("Name") + cell("Windows") + "</w:tr>"
    rows = ("<w:tr><w:tc><w:p/></w:tc>" + cell("x") + "</w:tr>") * 2000
    assert len(extract(Path("a.docx"), docx(f"<w:tbl>{header}{rows}</w:tbl>")).text) < 120_000
    assert read(docx(f"<w:tbl>{named}<w:tr><w:tc><w:p/></w:tc>{cell('yes')}</w:tr></w:tbl>")) == [
        ("Name; Windows", 1), ("Windows: yes", 2)]
    html = "<table><tr><th>a</th><th>" + "head " * 20_000 + "</th></tr>" + "<tr><td></td><td>x</td></tr>" * 2000 + "</table>"
    assert len(extract(Path("a.html"), html.encode()).text) < 120_000
