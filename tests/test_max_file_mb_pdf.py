"""A PDF is weighed against ``--max-file-mb`` without its pictures' data, as EPUB, Word and
OpenDocument files and notebooks are (``extract.read_size``, ``pdf.text_size``), read from the file,
and a PDF whose pages give more text than the readers' budget is refused (``pdf._extract_pdf``)."""

from __future__ import annotations

import io
import json
import os
import zlib
from pathlib import Path

import pytest

from simsearch.data import documents_from_path
from simsearch.extract import Skip, extract, read_path, read_size
from tests.test_extract_pdf import handmade_pdf
from tests.test_max_file_mb_containers import forget_weights

pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")

MiB = 2**20
PAGES = [["The lighthouse keeper logged every passing ship.", "Storms closed the harbour in March."],
         ["Quarterly revenue rose after the price change."]]


def with_photographs(data: bytes, size: int) -> bytes:
    """The PDF ``data`` with ``size`` bytes of photographs (image XObjects of random JPEG-like
    bytes, never decoded for text) drawn on its pages."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject, StreamObject

    writer = PdfWriter(clone_from=io.BytesIO(data))
    for number, page in enumerate(writer.pages):
        photo = StreamObject()
        photo._data = b"\xff\xd8\xff\xe0" + os.urandom(size // len(writer.pages))
        photo.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                      NameObject("/Width"): NumberObject(640), NameObject("/Height"): NumberObject(480),
                      NameObject("/ColorSpace"): NameObject("/DeviceRGB"), NameObject("/BitsPerComponent"): NumberObject(8),
                      NameObject("/Filter"): NameObject("/DCTDecode")})
        resources = page["/Resources"].get_object()
        resources[NameObject("/XObject")] = DictionaryObject({NameObject(f"/Photo{number}"): writer._add_object(photo)})
        draw = DecodedStreamObject()
        draw.set_data(f"q 120 0 0 80 10 10 cm /Photo{number} Do Q".encode())
        page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), writer._add_object(draw)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_over_the_limit_by_its_photographs_is_read_and_weighed_without_them(tmp_path, run_cli, index_model):
    folder = tmp_path / "library"
    folder.mkdir()
    text_only = tmp_path / "text.pdf"
    text_only.write_bytes(handmade_pdf(PAGES))
    slides = folder / "slides.pdf"
    slides.write_bytes(with_photographs(handmade_pdf(PAGES), int(1.5 * MiB)))
    assert slides.stat().st_size > 1.5 * MiB
    size, weighed = read_size(slides, slides.stat().st_size, MiB)
    assert weighed == "of PDF without its pictures" and size < 5_000, size
    assert read_size(slides, slides.stat().st_size, 2 * MiB) == (slides.stat().st_size, None)  # within: not weighed
    # the same sentences on the same pages as the PDF without its photographs
    assert ([(s.text, s.line) for s in read_path(slides)[1]] == [(s.text, s.line) for s in read_path(text_only)[1]]
            == [(PAGES[0][0], 1), (PAGES[0][1], 1), (PAGES[1][0], 2)])
    db = tmp_path / "index.db"
    args = ("index", folder, "--db", db, "-m", index_model, "--device", "cpu")
    code, out, err = run_cli(*args, "--max-file-mb", "1")
    assert code == 0 and "skipped" not in err and "indexed 1 new" in out, (out, err)
    # training on the folder reads what index reads
    assert len(documents_from_path(folder, warn=lambda *a: pytest.fail(str(a)), max_file_mb=1)) == 1
    code, out, err = run_cli("search", "ships passing the lighthouse", "--db", db, "--json", "-k", "3")
    assert PAGES[0][0] in {json.loads(line)["text"] for line in out.splitlines() if line.strip()}, out
    code, out, err = run_cli(*args, "--max-file-mb", "1")
    assert "up to date: 1 file unchanged" in out and err == "", (out, err)
    code, out, err = run_cli(*args, "--max-file-mb", "0.001")  # (its text alone is over this)
    assert f"{slides}: skipped: 2.0 KiB of PDF without its pictures is over --max-file-mb 0.001\n" in err, err


def test_a_pdf_skipped_for_its_size_on_disk_by_an_older_version_is_read(tmp_path, run_cli, index_model, monkeypatch):
    from simsearch import indexer

    folder = tmp_path / "library"
    folder.mkdir()
    slides = folder / "slides.pdf"
    slides.write_bytes(with_photographs(handmade_pdf(PAGES), int(1.5 * MiB)))
    db = tmp_path / "index.db"
    args = ("index", folder, "--db", db, "-m", index_model, "--device", "cpu")
    # an index made by a version that weighed a PDF's size on disk
    monkeypatch.setattr(indexer, "read_size", lambda path, size, limit=None: (size, None))
    code, out, err = run_cli(*args, "--max-file-mb", "1")
    assert "skipped: 1.5 MiB is over --max-file-mb 1" in err, err
    monkeypatch.undo()
    forget_weights(db)  # (such a version recorded no weight: m0018)
    code, out, err = run_cli(*args)  # (the limit recorded: 1)
    assert code == 0 and "indexed 1 new" in out and "3 sentences" in out and err == "", (out, err)


def test_a_pdf_whose_pages_give_more_text_than_the_budget_is_refused(tmp_path):
    line = "(The same sentence drawn again and again on one page of a small file.) Tj T* " * 20_000
    content = zlib.compress(f"BT /F1 11 Tf 14 TL 72 740 Td {line} ET".encode(), 9)
    data = handmade_pdf([["A first page."]])
    body = b"BT /F1 11 Tf 14 TL 72 740 Td (A first page.) Tj ET"
    stream = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)
    assert stream in data
    bomb = data.replace(stream, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
                        + b"\nendstream")  # (offsets now wrong: pypdf repairs the cross-reference)
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    assert len(bomb) < 20_000
    with open(path, "rb") as handle, pytest.raises(Skip, match=r"its pages give over 1 MiB of text \(a PDF bomb\?\)"):
        extract(path, handle, unpacked_limit=MiB)
    with open(path, "rb") as handle:  # within a budget its text fits in
        assert "The same sentence drawn again" in extract(path, handle, unpacked_limit=2 * MiB).text


class _Counted(io.RawIOBase):
    """A binary file counting the bytes read from it."""

    def __init__(self, source):
        self.source, self.read_bytes = source, 0

    def read(self, size=-1):
        data = self.source.read(size)
        self.read_bytes += len(data)
        return data

    def seek(self, offset, whence=0):
        return self.source.seek(offset, whence)

    def tell(self):
        return self.source.tell()

    def seekable(self):
        return True

    def readable(self):
        return True


# session 47, trial readrev: a page's pictures were read (pypdf resolves each XObject a page draws,
# its data with it, and keeps it), so a PDF of 200 MB of photographs let in by its weight of 27 KiB
# took 242 MB to read
def test_a_pdfs_pictures_are_never_read_for_its_text(tmp_path):
    path = tmp_path / "slides.pdf"
    path.write_bytes(with_photographs(handmade_pdf(PAGES), 3 * MiB))
    with open(path, "rb") as handle:
        counted = _Counted(handle)
        text = extract(path, counted).text
    assert PAGES[0][0] in text and PAGES[1][0] in text
    assert counted.read_bytes < 50_000, counted.read_bytes


def damaged(data: bytes) -> bytes:
    """The PDF ``data`` with its ``startxref`` pointing nowhere: pypdf reads the whole file to find its objects."""
    at = data.rindex(b"startxref") + len(b"startxref")
    return data[:at] + b"\n99999999\n%%EOF\n"


# session 47, trial readrev: pypdf opens a PDF whose cross-reference is damaged by reading it whole
# (and every object in it, pictures too): one of 200 MB over --max-file-mb 20 was weighed 27 KiB
# "without its pictures" and read, 245 MB of memory to weigh it and as much to read it
def test_a_damaged_pdf_over_the_limit_is_read_no_further_than_the_readers_budget(tmp_path, monkeypatch):
    from simsearch.extract import pdf, zipped

    folder = tmp_path / "library"
    folder.mkdir()
    path = folder / "slides.pdf"
    path.write_bytes(damaged(with_photographs(handmade_pdf(PAGES), 3 * MiB)))
    (folder / "text.pdf").write_bytes(handmade_pdf(PAGES))
    size = path.stat().st_size
    assert "The lighthouse keeper" in read_path(path)[0].text  # (pypdf repairs it: within the limit it is read)
    with open(path, "rb") as handle:  # opening it reads it whole: past the most it may read, not weighed
        assert pdf.text_size(handle) < 5_000 and pdf.text_size(handle, 2 * MiB) is None
    # read past what it may read (replaced by a damaged one after it was weighed), it is refused
    with open(path, "rb") as handle, pytest.raises(Skip, match=r"reading it took over 1 MiB of the file, though "
                                                               r"without its pictures it weighs less \(a damaged PDF"):
        extract(path, handle, read_limit=MiB)
    monkeypatch.setattr(zipped, "MAX_UNPACKED", 2 * MiB)  # (the readers' budget: 100 MiB)
    assert read_size(path, size, MiB) == (size, None)
    skipped = []
    assert len(documents_from_path(folder, warn=lambda *a: skipped.append(a), max_file_mb=1)) == 1
    assert skipped == [(str(path), "skipped: 3.0 MiB is over --max-file-mb 1")], skipped


def test_an_unchanged_pdf_over_the_limit_on_disk_is_weighed_once(tmp_path, run_cli, index_model, monkeypatch):
    """Session 48: every run weighed it again, the file unchanged (0.18 s of an up-to-date run's 0.19 s
    for beamer's illustrated user guide, 26.7 MiB); its weight is recorded with its stat now."""
    from simsearch import indexer

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "slides.pdf").write_bytes(with_photographs(handmade_pdf(PAGES), int(1.5 * MiB)))
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))  # (a file written just now is otherwise read again)
    weighed = []
    real = indexer.read_size
    monkeypatch.setattr(indexer, "read_size", lambda *args: weighed.append(args[0]) or real(*args))
    args = ("index", folder, "--db", tmp_path / "index.db", "-m", index_model, "--device", "cpu", "--max-file-mb", "1")
    code, out, err = run_cli(*args)
    assert code == 0 and "indexed 1 new" in out and len(weighed) == 1, (out, err, weighed)
    code, out, err = run_cli(*args)
    assert "up to date: 1 file unchanged" in out and len(weighed) == 1, (out, err, weighed)


def test_a_pdf_let_in_by_its_recorded_weight_is_weighed_by_its_size_once_pypdf_is_gone(tmp_path, run_cli, index_model,
                                                                                        monkeypatch):
    """Review 48: the weight recorded with pypdf (m0018: beamer's illustrated guide, 26.7 MiB on
    disk, 2.9 MiB without its pictures) was still taken once pypdf was uninstalled: under
    `--max-file-mb 5` the guide stayed indexed, 6,103 sentences, where a fresh index (and this
    version before m0018) weighs it by its size without pypdf and skips it ("26.7 MiB is over
    --max-file-mb 5"). A recorded weight of a PDF holds only while pypdf weighs it."""
    import sys

    from simsearch import indexer

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "slides.pdf").write_bytes(with_photographs(handmade_pdf(PAGES), int(1.5 * MiB)))
    (folder / "notes.txt").write_text("The harbour master keeps a log.\n")
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))  # (a file written just now is otherwise read again)
    args = ("index", folder, "-m", index_model, "--device", "cpu", "--max-file-mb", "1")
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db")
    assert code == 0 and "indexed 2 new" in out and err == "", (out, err)
    monkeypatch.setitem(sys.modules, "pypdf", None)  # uninstalled: `import pypdf` raises ImportError
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db")
    fresh_code, fresh_out, fresh_err = run_cli(*args, "--db", tmp_path / "fresh.db")
    assert fresh_err == f"warning: {folder / 'slides.pdf'}: skipped: 1.5 MiB is over --max-file-mb 1\n", fresh_err
    assert err == fresh_err and "1 removed" in out, (out, err)
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db")
    assert "up to date: 1 file unchanged, 1 still skipped" in out and err == "", (out, err)
    monkeypatch.undo()  # installed again: read by its weight without pictures
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db")
    assert code == 0 and "indexed 1 new" in out and err == "", (out, err)
    code, out, err = run_cli("search", "ships passing the lighthouse", "--db", tmp_path / "index.db", "--json", "-k", "3")
    assert PAGES[0][0] in {json.loads(line)["text"] for line in out.splitlines() if line.strip()}, out


def test_a_pdf_skipped_for_want_of_pypdf_is_skipped_for_its_size_under_a_lower_limit(tmp_path, run_cli, index_model,
                                                                                      monkeypatch):
    """Review 48 (found by ``tests/test_stateful_weights.py``): a PDF skipped because pypdf is not
    installed kept that reason under a limit it is over, where a fresh index says it is over the
    limit (a PDF without pypdf weighs its size, and is weighed before it is read)."""
    import sys

    from simsearch import indexer

    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "slides.pdf").write_bytes(handmade_pdf(PAGES))
    (folder / "notes.txt").write_text("The harbour master keeps a log.\n")
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))  # (a file written just now is otherwise read again)
    monkeypatch.setitem(sys.modules, "pypdf", None)  # not installed: `import pypdf` raises ImportError
    args = ("index", folder, "-m", index_model, "--device", "cpu")
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db")
    assert "skipped: PDF support is not installed" in err, err
    code, out, err = run_cli(*args, "--db", tmp_path / "index.db", "--max-file-mb", "0.0001")
    fresh = run_cli(*args, "--db", tmp_path / "fresh.db", "--max-file-mb", "0.0001")[2]
    assert "KiB is over --max-file-mb 0.0001" in fresh and err == fresh, (err, fresh)
