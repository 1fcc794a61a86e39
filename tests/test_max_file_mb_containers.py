"""``--max-file-mb`` weighs an EPUB, Word or OpenDocument file by the text its zip unpacks to, and a
notebook by its JSON without its pictures, not by their size on disk (session 46, trial books): an
illustrated book over the limit on disk is read, one whose pages are over it is skipped with the
reason, a zip bomb is refused from the zip's directory without being unpacked, and an incremental
run judges each again when the limit changes."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import struct
import time
import zipfile
from pathlib import Path

import pytest

from simsearch import indexer
from simsearch.data import documents_from_path
from simsearch.extract import Skip, extract, ipynb, read_size, sentences_of, zipped
from tests.test_extract_epub import book, page
from tests.test_extract_office import docx, odt, p

MiB = 2**20


def with_pictures(data: bytes, folder: str, size: int) -> bytes:
    """The zip ``data`` with ``size`` bytes of pictures (random, so stored as they are) added."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        for number in range(4):
            archive.writestr(zipfile.ZipInfo(f"{folder}/picture{number}.jpeg"), b"\xff\xd8\xff\xe0" + os.urandom(size // 4))
        archive.writestr(f"{folder}/font.otf", os.urandom(1000))
    return out.getvalue()


def forget_weights(db) -> None:
    """The index ``db`` as a simsearch before m0018 left it: no file's weight recorded."""
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE documents SET weight = NULL, weight_note = NULL, weight_limit = NULL")
    conn.close()


def stored(data: bytes) -> bytes:
    """The zip ``data`` with every member stored as it is (not deflated): its size on disk about its text's."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def illustrated(tmp_path: Path) -> dict[str, Path]:
    """An EPUB, a .docx and an .odt of a few sentences each and 1.2 MiB of pictures."""
    folder = tmp_path / "library"
    folder.mkdir()
    files = {
        "book.epub": with_pictures(book({"a.xhtml": page("<p>The lighthouse keeper logged every passing ship.</p>"),
                                         "b.xhtml": page('<p>Storms closed the harbour in March.</p><img src="picture0.jpeg"/>')}),
                                   "OEBPS", int(1.2 * MiB)),
        "report.docx": with_pictures(docx(p("Quarterly revenue rose after the price change.")), "word/media", int(1.2 * MiB)),
        "minutes.odt": with_pictures(odt("<text:p>The committee approved the new budget.</text:p>"), "Pictures", int(1.2 * MiB)),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def test_a_container_over_the_limit_by_its_pictures_is_read_and_its_text_weighed(tmp_path, run_cli, index_model):
    paths = illustrated(tmp_path)
    for path in paths.values():
        assert path.stat().st_size > 1.2 * MiB
        size, weighed = read_size(path, path.stat().st_size)
        assert weighed and size < 5_000, (path, size)  # its XML and pages only
    db = tmp_path / "index.db"
    code, out, err = run_cli("index", tmp_path / "library", "--db", db, "-m", index_model, "--device", "cpu",
                             "--max-file-mb", "1")
    assert code == 0, err
    assert "skipped" not in err, err
    assert "indexed 3 new" in out, out
    code, out, err = run_cli("search", "ships passing the lighthouse", "--db", db, "--json", "-k", "10")
    texts = {json.loads(line)["text"] for line in out.splitlines() if line.strip()}
    assert {"The lighthouse keeper logged every passing ship.", "Quarterly revenue rose after the price change.",
            "The committee approved the new budget."} <= texts
    # training on the folder reads what index reads
    documents = documents_from_path(tmp_path / "library", warn=lambda *a: pytest.fail(str(a)), max_file_mb=1)
    assert len(documents) == 3


def test_a_container_over_the_limit_by_its_text_is_skipped_with_the_reason(tmp_path, run_cli, index_model):
    folder = tmp_path / "library"
    folder.mkdir()
    words = "".join(f"<p>Sentence number {n} of a long book about the sea.</p>" for n in range(30_000))
    (folder / "long.epub").write_bytes(stored(book({"a.xhtml": page(words)})))  # 1.6 MiB of pages, stored
    (folder / "notes.txt").write_text("A short note.\n")
    assert (folder / "long.epub").stat().st_size > 1.5 * MiB
    db = tmp_path / "index.db"
    code, out, err = run_cli("index", folder, "--db", db, "-m", index_model, "--device", "cpu", "--max-file-mb", "1")
    assert code == 0, err
    assert (f"warning: {folder / 'long.epub'}: skipped: 1.6 MiB of text and markup unpacked (pictures and fonts not "
            "counted) is over --max-file-mb 1\n") in err, err
    warned = []
    documents_from_path(folder, warn=lambda path, reason: warned.append((Path(path).name, reason)), max_file_mb=1)
    assert warned == [("long.epub", "skipped: 1.6 MiB of text and markup unpacked (pictures and fonts not counted) "
                                    "is over --max-file-mb 1")]


def test_a_text_only_container_within_the_limit_on_disk_is_read_though_its_pages_unpack_past_it(tmp_path, run_cli,
                                                                                                 index_model):
    """A text-only book of 6 MiB (a "complete works") unpacks to some 20 MiB of pages: every version
    read it under the default limit, weighing its size on disk, and so does this one."""
    folder = tmp_path / "library"
    folder.mkdir()
    words = "".join(f"<p>Sentence number {n} of a long book about the sea.</p>" for n in range(30_000))
    (folder / "long.epub").write_bytes(book({"a.xhtml": page(words)}))  # 1.6 MiB of pages in a zip of 100 KiB
    assert (folder / "long.epub").stat().st_size < 0.5 * MiB
    assert read_size(folder / "long.epub", (folder / "long.epub").stat().st_size, MiB) == \
        ((folder / "long.epub").stat().st_size, None)
    db = tmp_path / "index.db"
    code, out, err = run_cli("index", folder, "--db", db, "-m", index_model, "--device", "cpu", "--max-file-mb", "1")
    assert code == 0 and err == "" and "indexed 1 new" in out, (out, err)
    assert len(documents_from_path(folder, warn=lambda *a: pytest.fail(str(a)), max_file_mb=1)) == 1


def test_a_zip_bomb_is_refused_from_its_directory_without_being_unpacked(tmp_path, run_cli, index_model):
    folder = tmp_path / "library"
    folder.mkdir()
    bomb = docx(p("x" * (200 * MiB)))  # 200 MiB of one letter, a few hundred KiB deflated
    assert len(bomb) < MiB
    (folder / "bomb.docx").write_bytes(bomb)
    (folder / "notes.txt").write_text("A short note.\n")
    db = tmp_path / "index.db"
    started = time.perf_counter()
    code, out, err = run_cli("index", folder, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0, err
    assert "bomb.docx: skipped: 200.0 MiB of text and markup unpacked (pictures and fonts not counted) is over " \
           "--max-file-mb 20\n" in err, err
    # the reader given the limit stops there too, even where the file is read (the budget counts as it unpacks)
    with pytest.raises(Skip, match="unpacks to over 20 MiB of XML"):
        extract(Path("bomb.docx"), bomb, unpacked_limit=20 * MiB)
    assert time.perf_counter() - started < 20


def test_a_zip_whose_directory_understates_a_member_is_damaged_not_read_past_it():
    """``text_size`` trusts the zip's directory: ``zipfile`` never gives more of a member than it says."""
    data = bytearray(book({"a.xhtml": page("<p>" + "word " * 100_000 + "</p>")}))
    declared = zipped.text_size(io.BytesIO(bytes(data)))
    # the central directory entry of a.xhtml: its uncompressed size made 1,000 bytes
    entry = data.find(b"PK\x01\x02", data.find(b"OEBPS/a.xhtml") + 1)
    while data[entry + 46:entry + 46 + len(b"OEBPS/a.xhtml")] != b"OEBPS/a.xhtml":
        entry = data.find(b"PK\x01\x02", entry + 1)
    data[entry + 24:entry + 28] = struct.pack("<I", 1000)
    assert zipped.text_size(io.BytesIO(bytes(data))) < declared
    with pytest.raises(Skip, match="damaged zip"):
        extract(Path("a.epub"), bytes(data))


def test_an_incremental_run_judges_containers_again_when_the_limit_changes(tmp_path, run_cli, index_model, monkeypatch):
    paths = illustrated(tmp_path)
    db = tmp_path / "index.db"
    args = ("index", tmp_path / "library", "--db", db, "-m", index_model, "--device", "cpu")
    # an index made by a version that weighed a file's size on disk: the three skipped for the limit
    monkeypatch.setattr(indexer, "read_size", lambda path, size, limit=None: (size, None))
    code, out, err = run_cli(*args, "--max-file-mb", "1")
    assert err.count("MiB is over --max-file-mb 1\n") == 3, err
    monkeypatch.undo()
    forget_weights(db)  # (such a version recorded no weight: m0018)
    code, out, err = run_cli(*args)  # (the limit recorded: 1)
    assert code == 0 and "indexed 3 new" in out and "skipped" not in out + err, (out, err)
    code, out, err = run_cli(*args)
    assert "index is up to date: 3 files unchanged" in out, out  # (not read again: weighed from the directories)
    code, out, err = run_cli(*args, "--max-file-mb", "0.001")
    assert err.count("of text and markup unpacked (pictures and fonts not counted) is over --max-file-mb 0.001\n") == 3, err
    assert "3 removed (3 now skipped)" in out, out
    code, out, err = run_cli(*args)
    assert "3 still skipped" in out and err == "", (out, err)
    code, out, err = run_cli(*args, "--max-file-mb", "1")
    assert "indexed 3 new" in out and "skipped" not in out + err, (out, err)
    # a book whose pages grow past the limit is skipped, and read again once it is back within it
    epub = paths["book.epub"]
    original = epub.read_bytes()
    epub.write_bytes(with_pictures(stored(book({"a.xhtml": page("<p>" + "Waves broke on the rocks all night. " * 40_000
                                                                 + "</p>")})), "OEBPS", 1000))
    code, out, err = run_cli(*args)
    assert "book.epub: skipped: 1.4 MiB of text and markup unpacked" in err, err
    epub.write_bytes(original)
    code, out, err = run_cli(*args)
    assert "indexed 1 new" in out and "skipped" not in out + err, (out, err)


def notebook(words: list[str], pictures: int, size: int, wrapped: bool = False, indent: int | None = 1) -> str:
    """A notebook of markdown cells of ``words`` and ``pictures`` plots of ``size`` random bytes."""
    cells: list[dict] = [{"cell_type": "markdown", "metadata": {}, "source": [text + "\n" for text in words]}]
    for _ in range(pictures):
        raw = base64.b64encode(os.urandom(size)).decode()
        if wrapped:
            raw = "\n".join(raw[at:at + 76] for at in range(0, len(raw), 76)) + "\n"
        cells.append({"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["plot()"],
                      "outputs": [{"output_type": "display_data", "metadata": {},
                                   "data": {"image/png": raw, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}]})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=indent)


def test_a_notebook_over_the_limit_by_its_plots_is_read_and_one_over_it_by_text_skipped(tmp_path, run_cli, index_model):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    plots = folder / "plots.ipynb"
    plots.write_text(notebook(["The model converged after ten epochs.", "Loss fell steadily."], 4, 400_000))
    assert plots.stat().st_size > 2 * MiB
    size, weighed = read_size(plots, plots.stat().st_size)
    assert size < 2_000 and weighed == "of JSON without its pictures"
    long = folder / "long.ipynb"
    long.write_text(notebook([f"Observation {n} of the long experiment was noted." for n in range(50_000)], 0, 0))
    db = tmp_path / "index.db"
    args = ("index", folder, "--db", db, "-m", index_model, "--device", "cpu")
    code, out, err = run_cli(*args, "--max-file-mb", "2")
    assert code == 0, err
    assert err == f"warning: {long}: skipped: 2.9 MiB of JSON without its pictures is over --max-file-mb 2\n", err
    assert "indexed 1 new" in out, out
    code, out, err = run_cli("search", "did the model converge", "--db", db, "--json", "-k", "5")
    hits = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert ("The model converged after ten epochs.", 7) in [(hit["text"], hit["line"]) for hit in hits], hits
    code, out, err = run_cli(*args)
    assert "up to date: 1 file unchanged, 1 still skipped" in out and err == "", (out, err)
    code, out, err = run_cli(*args, "--max-file-mb", "0.001")  # (its words alone are over this)
    assert f"{plots}: skipped: 1.5 KiB of JSON without its pictures is over --max-file-mb 0.001" in err, err


def test_a_notebook_read_without_its_pictures_reads_the_same_sentences_on_the_same_lines():
    random.seed(46)
    for _ in range(12):  # (pictures across the 1 MiB reads' edges at random places, wrapped or not)
        text = " " * random.randint(0, MiB) + notebook(["First words here.", "Second line of words."],
                                                      random.randint(1, 3), random.randint(2_000, 900_000),
                                                      wrapped=random.random() < 0.5, indent=random.choice([None, 1]))
        kept, counted = ipynb.without_pictures(io.BytesIO(text.encode()))
        assert counted == len(kept) < 2_000 + len(text) - len(text.lstrip())
        json.loads(kept)
        whole = [(s.text, s.line) for s in sentences_of(extract(Path("a.ipynb"), text.encode()))]
        assert whole == [(s.text, s.line) for s in sentences_of(extract(Path("a.ipynb"), io.BytesIO(text.encode())))]
        assert whole and whole[0][0] == "First words here."
    # a long word that is no whole JSON string, or a string not long enough, is text
    text = notebook(["A" * 5000 + " is a long word.", "Short."], 0, 0)
    assert ipynb.without_pictures(io.BytesIO(text.encode()))[0] == text.encode()


def test_a_container_skipped_by_a_zip_readers_cap_is_judged_again_by_the_limit(tmp_path, run_cli, index_model, monkeypatch):
    """Before session 46 the readers' cap was 100 MiB whatever ``--max-file-mb`` said, and its skip
    was kept while the file was the same: a limit raised past the text never read it."""
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "long.docx").write_bytes(docx(p("word " * 300_000)))  # 1.4 MiB of XML, a few KiB deflated
    db = tmp_path / "index.db"
    args = ("index", folder, "--db", db, "-m", index_model, "--device", "cpu")
    monkeypatch.setattr(zipped, "MAX_UNPACKED", MiB)  # (the readers' cap made small: 1 MiB here)
    with monkeypatch.context() as before:
        before.setattr(indexer, "read_size", lambda path, size, limit=None: (size, None))  # (weighed as before)
        code, out, err = run_cli(*args, "--max-file-mb", "0.5")
    assert "long.docx: skipped: unpacks to over 1 MiB of XML (a zip bomb?); not read" in err, err
    code, out, err = run_cli(*args, "--max-file-mb", "0.5")
    assert "long.docx: skipped: 1.4 MiB of text and markup unpacked (pictures and fonts not counted) is over " \
           "--max-file-mb 0.5" in err, err
    with monkeypatch.context() as before:
        before.setattr(indexer, "read_size", lambda path, size, limit=None: (size, None))
        run_cli(*args, "--max-file-mb", "0.5")
    code, out, err = run_cli(*args, "--max-file-mb", "2")
    assert "indexed 1 new" in out and err == "", (out, err)


def test_the_panel_shows_a_document_indexed_under_a_limit_past_the_readers_own_cap(tmp_path, index_model, monkeypatch):
    """The panel read a Word file within a cap of 100 MiB whatever the index's limit, so a document
    ``index --max-file-mb 500`` had read (XML of 100–500 MiB) said "the file cannot be read now"."""
    from simsearch.indexer import index
    from simsearch.search import Searcher
    from simsearch.store import Store
    from simsearch.widgets import Excerpt, read_excerpt

    monkeypatch.setattr(zipped, "MAX_UNPACKED", MiB)  # (the cap made small: 1 MiB here)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "long.docx").write_bytes(with_pictures(docx(p("The boat is ready.") + p("word " * 300_000)), "word/media", 1000))
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model)], progress=False, max_file_mb=2)
    hit = next(h for h in Searcher.open(store, str(index_model)).search("boat", 10, context=2) if h.text == "The boat is ready.")
    excerpt = read_excerpt(store, hit)
    assert isinstance(excerpt, Excerpt), excerpt
    assert excerpt.lines[0] == "The boat is ready."


def test_a_notebook_reads_the_same_sentences_within_the_limit_and_over_it(tmp_path, run_cli, index_model):
    """A markdown cell's line of 4 KiB or more of nothing but base64's letters (a DNA sequence, a
    key) is taken for a picture when the notebook is read from the file (over the limit by its
    size; ``train --unsup FOLDER``; the TUI's panel), so ``index`` within the limit (from its
    bytes) read 14 sentences of such a notebook and over it 4: now 4 both ways."""
    nb = tmp_path / "notes" / "seq.ipynb"
    nb.parent.mkdir()
    sequence = "ACGT" * 1100
    nb.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "metadata": {},
         "source": ["The reference fragment follows.\n", "\n", sequence + "\n", "\n", "It was aligned against the assembly.\n"]},
        {"cell_type": "markdown", "metadata": {}, "source": [sequence]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        indent=1))
    from_bytes = [(s.text, s.line) for s in sentences_of(extract(nb, nb.read_bytes()))]
    with open(nb, "rb") as handle:
        from_file = [(s.text, s.line) for s in sentences_of(extract(nb, handle))]
    assert from_bytes == from_file == [("The reference fragment follows.", 7), ("It was aligned against the assembly.", 11)]
    assert documents_from_path(nb.parent)[0].sentences == [text for text, _ in from_file]
    for limit in ("20", "0.005"):  # (within it: read from its bytes; over it by its size: from the file)
        db = tmp_path / f"index-{limit}.db"
        code, out, err = run_cli("index", nb.parent, "--db", db, "-m", index_model, "--device", "cpu", "--max-file-mb", limit)
        assert code == 0 and "2 sentences stored" in out, (limit, out, err)


def test_a_file_replaced_after_it_was_weighed_is_weighed_again_before_it_is_read(tmp_path, index_model, monkeypatch):
    """A book weighed by its text (an illustrated one: 33 bytes of words, 2 MiB of pictures) and
    replaced before it was read by one over the limit by its text (1.9 MiB of pages, stored) was
    read, all 32,000 sentences, the index holding a file over the limit until the next run."""
    from simsearch.store import Store

    folder = tmp_path / "books"
    folder.mkdir()
    path = folder / "b.epub"
    path.write_bytes(with_pictures(book({"c1.xhtml": page("<p>The small book about herons.</p>")}), "OEBPS", 2 * MiB))
    long = stored(book({f"c{i}.xhtml": page("".join(f"<p>Sentence {i}.{j} of the long book about the estuary.</p>"
                                                    for j in range(4000))) for i in range(8)}))
    assert len(long) > MiB and zipped.text_size(io.BytesIO(long)) > MiB
    reads = []
    real = indexer._read_stable

    def replacing(file, *args, **kwargs):
        reads.append(file)
        if len(reads) == 1:  # (weighed, not yet read: replaced as the read begins)
            path.with_suffix(".new").write_bytes(long)
            os.replace(path.with_suffix(".new"), path)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(indexer, "_read_stable", replacing)
    store = Store.open(tmp_path / "index.db")
    try:
        report = indexer.index(store, [folder], [str(index_model)], max_file_mb=1, device="cpu")
        assert report.sentences_added == 0
        assert [item["reason"] for item in report.skipped] == [
            "skipped: 1.8 MiB of text and markup unpacked (pictures and fonts not counted) is over --max-file-mb 1"]
        assert store.conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 0
    finally:
        store.close()


def count_weighings(monkeypatch) -> list[str]:
    """The names of the files ``indexer.read_size`` weighs from now on, in order (a list that grows)."""
    weighed = []
    real = indexer.read_size

    def counting(file, size, limit=None):
        weighed.append(Path(file).name)
        return real(file, size, limit)

    monkeypatch.setattr(indexer, "read_size", counting)
    return weighed


def test_a_notebook_over_the_limit_on_disk_is_weighed_once_a_run(tmp_path, index_model, monkeypatch):
    """The progress bar weighed each file and its read weighed it again: a notebook (or PDF) over
    the limit on disk is read through to be weighed, twice a run (0.24 s each for a 26.7 MiB PDF).
    A version of a file (its path and stat) is weighed once a run now; the race above still holds."""
    from simsearch.store import Store

    folder = tmp_path / "notebooks"
    folder.mkdir()
    plots = folder / "plots.ipynb"
    plots.write_text(notebook(["The model converged after ten epochs."], 3, 400_000))
    weighed = count_weighings(monkeypatch)
    store = Store.open(tmp_path / "index.db")
    try:
        report = indexer.index(store, [folder], [str(index_model)], max_file_mb=1, device="cpu", progress=False)
        assert report.sentences_added == 1 and weighed == ["plots.ipynb"], (report, weighed)
    finally:
        store.close()


def test_training_reads_a_file_replaced_after_it_was_weighed_only_once_weighed_again(tmp_path, monkeypatch):
    """Session 48: training's ``documents_from_path`` weighed a file against ``--max-file-mb`` by the
    size the walk saw and then read whatever was at its path: the small book weighed (33 bytes of
    words, 2 MiB of pictures) and replaced before its read by one of 1.8 MiB of pages was read, all
    32,000 sentences, for a model trained with `--max-file-mb 1`. As ``index`` does (the race test
    above), the version read is the version weighed: one replaced in between is weighed again."""
    from simsearch import data

    folder = tmp_path / "books"
    folder.mkdir()
    path = folder / "b.epub"
    path.write_bytes(with_pictures(book({"c1.xhtml": page("<p>The small book about herons.</p>")}), "OEBPS", 2 * MiB))
    (folder / "notes.txt").write_text("A short note about the estuary.\n")
    long = stored(book({f"c{i}.xhtml": page("".join(f"<p>Sentence {i}.{j} of the long book about the estuary.</p>"
                                                    for j in range(4000))) for i in range(8)}))
    weighings = []
    real = data.read_size

    def replacing(file, *args, **kwargs):
        weighed = real(file, *args, **kwargs)
        weighings.append(Path(file).name)
        if weighings == ["b.epub"]:  # (weighed, not yet read: replaced as the read begins)
            path.with_suffix(".new").write_bytes(long)
            os.replace(path.with_suffix(".new"), path)
        return weighed

    monkeypatch.setattr(data, "read_size", replacing)
    warned = []
    documents = documents_from_path(folder, warn=lambda where, reason: warned.append((Path(where).name, reason)),
                                    max_file_mb=1)
    assert [Path(d.path).name for d in documents] == ["notes.txt"], [(d.path, len(d.sentences)) for d in documents]
    assert warned == [("b.epub", "skipped: 1.8 MiB of text and markup unpacked (pictures and fonts not counted) "
                                 "is over --max-file-mb 1")]


def test_an_unchanged_notebook_over_the_limit_on_disk_is_not_weighed_again(tmp_path, index_model, monkeypatch):
    """Session 48: a PDF or notebook over the limit on disk is read through to be weighed, and an
    unchanged one was weighed again by every run (0.18 s a run for beamer's illustrated user guide,
    26.7 MiB, whose index was up to date). Its weight is recorded with its stat now: weighed again
    only when the file changes, the limit does, or a row has none recorded (then recorded)."""
    from simsearch.store import Store

    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "plots.ipynb").write_text(notebook(["The model converged after ten epochs."], 3, 400_000))
    (folder / "long.ipynb").write_text(notebook([f"Line {n} of the long log of the run." for n in range(40_000)], 0, 0))
    assert all(path.stat().st_size > MiB for path in folder.iterdir())
    weighed = count_weighings(monkeypatch)
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))  # (files written just now are otherwise read again)

    def run(limit: float = 1) -> list[str]:
        """The files the run weighed; the long one is skipped, by its text, the plots' read."""
        del weighed[:]
        store = Store.open(tmp_path / "index.db")
        try:
            indexer.index(store, [folder], [str(index_model)], max_file_mb=limit, device="cpu", progress=False)
            assert [Path(path).name for (path,) in store.conn.execute(
                "SELECT path FROM documents WHERE skip_reason IS NOT NULL")] == ["long.ipynb"]
        finally:
            store.close()
        return sorted(weighed)

    assert run() == ["long.ipynb", "plots.ipynb"]
    assert run() == []  # unchanged: not weighed (this was both, every run)
    os.utime(folder / "plots.ipynb", ns=(time.time_ns(), time.time_ns() + 10**9))  # its stat changed, not its text
    assert run() == ["plots.ipynb"]
    assert run() == []
    forget_weights(tmp_path / "index.db")  # rows from before the weight was recorded
    assert run() == ["long.ipynb", "plots.ipynb"]
    assert run() == []
    assert run(0.5) == ["long.ipynb", "plots.ipynb"]  # another limit: weighed against it
