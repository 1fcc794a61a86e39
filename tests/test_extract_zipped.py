"""The zip readers (EPUB, .docx, .odt) attacked (session 45, readers review): small valid files
built here, then damaged byte by byte, cut short, with members dropped or doubled and odd XML put
in. Whatever comes in, ``extract`` returns text without control characters or raises ``Skip``,
and quickly."""

from __future__ import annotations

import io
import re
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.extract import Skip, extract, sentences_of
from tests.test_extract_epub import book, page
from tests.test_extract_office import docx, odt, p, run

SEEDS = {
    "a.docx": docx(p("Hello world, this is a sentence.") + p("A heading here.", "Heading1")
                   + p("", inner=run("Marked") + '<w:r><w:footnoteReference w:id="1"/></w:r>'),
                   footnotes='<w:footnote w:id="1"><w:p><w:r><w:t>The note.</w:t></w:r></w:p></w:footnote>'),
    "a.odt": odt("<text:h>A heading</text:h><text:p>Hello world here.<text:note><text:note-citation>1</text:note-citation>"
                 "<text:note-body><text:p>A note.</text:p></text:note-body></text:note></text:p>"
                 "<text:list><text:list-item><text:p>An item.</text:p></text:list-item></text:list>"),
    "a.epub": book({"a.xhtml": page("<h1>One</h1><p>First page text.</p>"),
                    "b.xhtml": page('<p>Second page<a epub:type="noteref" href="#n">1</a>.</p>'
                                    '<aside epub:type="footnote" id="n"><p>A note.</p></aside>')}),
}
# What no reader leaves in its text (``terminal_text`` makes them spaces; XML forbids the rest). U+001F
# is ``segment.GLUE``, which a markup reader writes in a literal ("!\x1fgrep-aptavail": one piece).
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1e\x7f-\x9f]")
# Odd XML to put into a member: markup a parser must take in its stride, or refuse in one line.
ODD = [b"<!-- a comment -->", b"<?pi data?>", b"<![CDATA[x < y]]>", b"&#x85;", b"&#x9b;31m", b"&#x7f;", b"&#1;",
       b"\xef\xbb\xbf", b"\xff\xfe", b"\xc2\x85", b"\xc2\x9b", b"\x00", b"\x1b[31m", b"<x a='" + b"a" * 200_000 + b"'/>",
       b"<d>" * 3000 + b"</d>" * 3000, b"<w:r><w:t>" * 400 + b"deep" + b"</w:t></w:r>" * 400,
       b"<?xml version='1.0' encoding='latin-1'?>", b"<?xml version='1.0' encoding='utf-16'?>",
       b"<?xml version='1.0' encoding='no-such-codec'?>", b"<?xml version='1.1'?>", b"<!DOCTYPE x>",
       b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"xmlns:w='urn:another'", b"\r\n\t", b"&shy;", b"&nbsp;"]


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[str, bytes]], method: int) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", method) as archive:
        warnings.simplefilter("ignore")  # (a duplicate name is the point)
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


@st.composite
def damaged(draw, name: str) -> bytes:
    members = _members(SEEDS[name])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["drop", "double", "odd", "unnamespaced", "replace"]))
        i = draw(st.integers(0, len(members) - 1))
        member, data = members[i]
        if kind == "drop" and len(members) > 1:
            del members[i]
        elif kind == "double":
            members.append((member, draw(st.sampled_from([data, b"", data[: len(data) // 2]]))))
        elif kind == "odd":
            places = [0, len(data), *(m.end() for m in re.finditer(rb">", data))]  # (in text, between elements)
            at = draw(st.sampled_from(places)) if draw(st.booleans()) else draw(st.integers(0, len(data)))
            members[i] = (member, data[:at] + draw(st.sampled_from(ODD)) + data[at:])
        elif kind == "unnamespaced":
            members[i] = (member, re.sub(rb'xmlns(:\w+)?="[^"]*"', b"", data, count=draw(st.integers(1, 3))))
        else:
            members[i] = (member, draw(st.binary(max_size=64)))
    out = bytearray(_zip(members, draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2]))))
    if draw(st.integers(0, 3)) == 0:  # bytes of the zip itself changed: headers, sizes, compressed data
        for _ in range(draw(st.integers(1, 3))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    if draw(st.integers(0, 3)) == 0:
        out = out[: draw(st.integers(0, len(out)))]
    return bytes(out)


@pytest.mark.parametrize("name", list(SEEDS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_damaged_or_odd_zip_is_read_or_skipped_in_one_line_and_quickly(name, data):
    damaged_file = data.draw(damaged(name))
    start = time.monotonic()
    try:
        extracted = extract(Path(name), damaged_file)
    except Skip as skip:
        assert str(skip) and "\n" not in str(skip)
    else:
        assert isinstance(extracted.text, str) and not CONTROL.search(extracted.text), repr(extracted.text)
        sentences_of(extracted)
    assert time.monotonic() - start < 3


def test_the_seeds_are_read():
    assert [s.text for s in sentences_of(extract(Path("a.docx"), SEEDS["a.docx"]))] == [
        "Hello world, this is a sentence.", "A heading here.", "Marked", "The note."]
    assert [s.text for s in sentences_of(extract(Path("a.odt"), SEEDS["a.odt"]))] == [
        "A heading", "Hello world here.", "A note.", "An item."]
    assert [s.text for s in sentences_of(extract(Path("a.epub"), SEEDS["a.epub"]))] == [
        "One", "First page text.", "Second page.", "A note."]


@pytest.mark.parametrize("name", ["a.docx", "a.odt", "a.epub"])
def test_a_zip_of_a_version_zipfile_cannot_read_is_skipped(name):
    # (found by the test above: zipfile raises NotImplementedError while opening such a zip, and the
    # Word and OpenDocument reader let it through as a traceback)
    data = bytearray(SEEDS[name])
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 159  # "version needed to extract": 15.9
    with pytest.raises(Skip, match="damaged"):
        extract(Path(name), bytes(data))


@pytest.mark.parametrize("name, body", [
    ("a.docx", p("Price\u0080 list\u009b31m and\u0085 more.")),
    ("a.odt", "<text:p>Price\u0080 list\u009b31m and\u0085 more.</text:p>"),
])
def test_c1_control_characters_in_a_document_are_spaces_as_in_every_other_reader(name, body):
    # (XML 1.0 allows U+007F-U+009F, which a terminal acts on: "\x9b31m" turns the text red)
    data = docx(body) if name == "a.docx" else odt(body)
    assert extract(Path("a.txt"), "Price\u0080 list\u009b31m and\u0085 more.".encode()).text == "Price  list and  more.\n"
    assert extract(Path(name), data).text == "Price  list and  more.\n\n"


@pytest.mark.parametrize("encoding", ["no-such-codec", "hex", "rot13", "shift_jis"])
def test_xml_declaring_an_encoding_that_cannot_be_read_is_a_skip_or_a_warning(encoding):
    # (found by the test above: ElementTree raises LookupError or ValueError for these, not ParseError,
    # and both readers let it through as a traceback)
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    members = [(name, declaration.encode() + data if name == "content.xml" else data)
               for name, data in _members(odt("<text:p>Hello.</text:p>"))]
    with pytest.raises(Skip, match="content.xml is not well-formed XML"):
        extract(Path("a.odt"), _zip(members, zipfile.ZIP_DEFLATED))
    package = declaration + '<package xmlns="http://www.idpf.org/2007/opf"><spine/></package>'
    extracted = extract(Path("a.epub"), book({"a.xhtml": page("<p>Text of the book.</p>")}, package=package))
    assert extracted.warning.startswith("OEBPS/content.opf is not well-formed XML") and extracted.text == "Text of the book.\n\n"


@pytest.mark.parametrize("encoding", ["hex", "rot13", "idna", "punycode", "unicode_escape", "utf-7", "no-such-codec"])
def test_a_page_declaring_a_codec_that_is_no_page_encoding_is_read_as_utf8(encoding):
    # (before: a traceback for "hex" or "rot13", the whole book skipped as "a damaged zip" for "idna",
    # its words lost for "punycode", "\x41" read as "A" for "unicode_escape")
    data = f'<?xml version="1.0" encoding="{encoding}"?><html><body><p>Caf\u00e9 \\x41 + more.</p></body></html>'.encode()
    assert extract(Path("a.epub"), book({"a.xhtml": data})).text == "Caf\u00e9 \\x41 + more.\n\n"
