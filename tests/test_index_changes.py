"""The index notices every change to its files, and re-checks the skips that can change.

A file replaced by one of the same size and mtime (``mv``, ``cp -p``, ``rsync -t``, ``unzip``)
is read again (its inode and ctime differ); a skip that depends on this run's options or
environment (``--max-file-mb``, PDF support) is checked again each run, and ``--max-file-mb``
applies to the index as it is after the run; nested roots and other spellings of one folder
are one set of documents; every spelling of the database shares one writer lock and one
HNSW file. Rows written before inodes were recorded are checked once, without re-embedding.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import types
from pathlib import Path

import pytest

from simsearch import ann, indexer, migrations
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


def run(store, roots, models=None, **kwargs):
    return index(store, roots, models, progress=False, **kwargs)


def texts(store, path: Path) -> list[str]:
    return [t for (t,) in store.conn.execute(
        "SELECT s.text FROM sentences s JOIN documents d ON d.id = s.document_id WHERE d.path = ? ORDER BY s.ordinal",
        (str(path),))]


def sentence_ids(store) -> list[int]:
    return [i for (i,) in store.conn.execute("SELECT id FROM sentences ORDER BY id")]


# --- same size, same mtime ------------------------------------------------------------------

@pytest.mark.parametrize("how", ["mv over it", "rewritten in place, mtime put back"])
def test_a_file_replaced_by_one_of_the_same_size_and_mtime_is_read_again(tmp_path, store, index_model, how):
    docs, incoming = tmp_path / "docs", tmp_path / "incoming"
    docs.mkdir(), incoming.mkdir()
    plan = docs / "plan.txt"
    plan.write_text("The meeting is on Monday at nine.\n")
    run(store, [docs], [str(index_model)])
    assert texts(store, plan) == ["The meeting is on Monday at nine."]
    before = os.stat(plan)
    new = "The meeting moved to Friday noon.\n"
    assert len(new) == before.st_size
    if how == "mv over it":
        (incoming / "plan.txt").write_text(new)
        os.utime(incoming / "plan.txt", ns=(before.st_atime_ns, before.st_mtime_ns))  # cp -p, rsync -t, unzip
        os.replace(incoming / "plan.txt", plan)
    else:
        plan.write_text(new)
        os.utime(plan, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(plan)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    report = run(store, [docs])
    assert (report.updated, report.unchanged) == (1, 0)
    assert texts(store, plan) == ["The meeting moved to Friday noon."]
    again = run(store, [docs])  # and then it is unchanged: read once, not every run
    assert (again.unchanged, again.updated, again.touched) == (1, 0, 0)


def test_rows_from_before_inodes_were_recorded_are_checked_once_without_re_embedding(tmp_path, store, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):
        (docs / f"{i}.txt").write_text(f"Note {i} is about the garden shed.\n\nIt has {i} doors.\n")
    run(store, [docs], [str(index_model)])
    (docs / "swapped.txt").write_text("Alpha beta gamma.\n")
    run(store, [docs])
    # Written by a simsearch before m0008, then replaced (same size and mtime) before the upgrade.
    stat = os.stat(docs / "swapped.txt")
    replacement = tmp_path / "swapped.txt"
    replacement.write_text("Gamma delta alpha.\n")
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(replacement, docs / "swapped.txt")
    with store.transaction():
        store.conn.execute("UPDATE documents SET inode = NULL, ctime_ns = NULL")
    ids = sentence_ids(store)
    report = run(store, [docs])
    assert (report.touched, report.updated, report.unchanged) == (4, 1, 0)
    assert sum(report.encoded.values()) == 1  # only the swapped file's new sentence
    assert texts(store, docs / "swapped.txt") == ["Gamma delta alpha."]
    assert [i for i in sentence_ids(store) if i in ids] == ids[:-1]  # the others kept their rows and vectors
    rows = store.conn.execute("SELECT path, inode, ctime_ns FROM documents").fetchall()
    assert all((inode, ctime) == (os.stat(path).st_ino, os.stat(path).st_ctime_ns) for path, inode, ctime in rows)
    again = run(store, [docs])
    assert (again.unchanged, again.touched, again.updated) == (5, 0, 0)


# --- skips that depend on options or the environment ------------------------------------------

def test_max_file_mb_applies_to_the_index_as_it_is_after_the_run(tmp_path, store, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "small.txt").write_text("A short note about tea.\n")
    big = docs / "big.txt"
    big.write_text("".join(f"Sentence number {i} talks about the annual volcano festival.\n\n" for i in range(20)))
    def limit(n: int) -> float:  # n bytes, as --max-file-mb
        return n / 2**20

    first = run(store, [docs], [str(index_model)], max_file_mb=limit(200))
    assert [s["path"] for s in first.skipped] == [str(big)] and texts(store, big) == []
    raised = run(store, [docs], max_file_mb=limit(10_000))  # the user followed the warning's advice
    assert (raised.added, raised.unchanged) == (1, 1)
    assert len(texts(store, big)) == 20 and store.count_missing_vectors(store.models()[0].id) == 0
    kept = run(store, [docs])  # no limit given: the last one given for this index
    assert (kept.unchanged, kept.changed, kept.skipped) == (2, 0, [])
    lowered = run(store, [docs], max_file_mb=limit(200))
    assert (lowered.removed, lowered.unchanged) == (1, 1)
    assert [w["path"] for w in lowered.warnings] == [str(big)] and "over --max-file-mb" in lowered.warnings[0]["reason"]
    assert texts(store, big) == [] and store.counts() == {"documents": 1, "skipped": 1, "sentences": 1}
    quiet = run(store, [docs])  # still over the recorded limit: not read, not warned about again
    assert (quiet.unchanged, quiet.warnings, quiet.skipped) == (2, [], [])


def test_a_pdf_skipped_for_want_of_pypdf_is_read_once_it_is_installed(tmp_path, store, index_model, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manual.pdf").write_bytes(b"%PDF-1.4 stand-in\n")
    (docs / "saved.txt").write_bytes(b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n")  # a PDF under another name
    (docs / "notes.txt").write_text("A plain note about the garden.\n")
    (docs / "blob.txt").write_bytes(b"\x00\x01binary\x00")
    monkeypatch.setitem(sys.modules, "pypdf", None)  # not installed: `import pypdf` raises ImportError
    first = run(store, [docs], [str(index_model)])
    assert sorted(Path(s["path"]).name for s in first.skipped) == ["blob.txt", "manual.pdf", "saved.txt"]
    assert all("PDF support is not installed" in s["reason"] for s in first.skipped if "blob" not in s["path"])
    again = run(store, [docs])  # still not installed: nothing read or warned about again
    assert (again.unchanged, again.skipped) == (4, [])

    class Page:
        def extract_text(self):
            return "Press the red button to restart the pump."

    fake = types.ModuleType("pypdf")
    fake.PdfReader = lambda stream: types.SimpleNamespace(pages=[Page()])
    monkeypatch.setitem(sys.modules, "pypdf", fake)  # pip install 'simsearch[pdf]'
    installed = run(store, [docs])
    assert (installed.added, installed.unchanged, installed.skipped) == (2, 2, [])  # binary content stays skipped
    assert texts(store, docs / "manual.pdf") == ["Press the red button to restart the pump."]
    assert texts(store, docs / "saved.txt") == ["Press the red button to restart the pump."]


# --- roots --------------------------------------------------------------------------------------

def test_nested_roots_and_other_spellings_of_a_root_are_one_set_of_documents(tmp_path, store, index_model,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / ".private").mkdir()
    for name in ("a.txt", "b.txt", "sub/n.txt", ".private/p.txt"):
        (docs / name).write_text(f"The file {name} mentions whales.\n")
    first = run(store, [Path("docs")], [str(index_model)])
    assert (first.files_seen, first.added) == (3, 3)  # the hidden folder is left out below a root
    nested = run(store, [Path("docs/sub"), Path("docs/.private")])
    assert (nested.files_seen, nested.added, nested.unchanged) == (2, 1, 1)
    with open(docs / "sub" / "n.txt", "a") as handle:
        handle.write("A second sentence.\n")
    refresh = run(store, indexer.previous_roots(store))  # a plain `simsearch index`: every root
    assert (refresh.files_seen, refresh.unchanged, refresh.updated) == (4, 3, 1)
    for spelling in ("docs/../docs", "./docs/", str(docs) + "//sub/.", "docs/sub/../sub"):
        again = run(store, [Path(spelling)])
        assert (again.added, again.removed) == (0, 0), spelling
    assert list(store.roots()) == [str(docs), str(docs / "sub"), str(docs / ".private")]
    paths = [p for (p,) in store.conn.execute("SELECT path FROM documents")]
    assert len(paths) == len(set(paths)) == 4 and all(p == os.path.normpath(p) for p in paths)
    # Forgetting the outer root keeps what a nested root still covers.
    indexer.forget_roots(store, [Path("docs/./")])
    assert sorted(Path(p).name for (p,) in store.conn.execute("SELECT path FROM documents")) == ["n.txt", "p.txt"]


def test_an_edit_under_a_nested_root_is_counted_once(tmp_path, store, index_model):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("Top level.\n")
    (docs / "sub" / "n.txt").write_text("Nested sentence about whales.\n")
    run(store, [docs], [str(index_model)])
    run(store, [docs / "sub"])
    with open(docs / "sub" / "n.txt", "a") as handle:
        handle.write("Second sentence.\n")
    report = run(store, indexer.previous_roots(store))
    assert (report.files_seen, report.updated, report.unchanged) == (2, 1, 1)
    assert report.sentences_added == 2


# --- the database under another name ------------------------------------------------------------

def test_every_spelling_of_the_database_shares_its_writer_lock_and_hnsw_files(tmp_path, index_model, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"{i}.txt").write_text(f"Sentence {i} about rivers.\n\nAnother on bridges {i}.\n")
    real = Store.open(tmp_path / "idx.db")
    (tmp_path / "link.db").symlink_to("idx.db")
    link = Store.open(tmp_path / "link.db")
    try:
        with indexer.writer_lock(real), pytest.raises(SimsearchError, match="another `simsearch index`"):
            run(link, [docs], [str(index_model)])
        monkeypatch.setattr(ann, "EXACT_BELOW", 0)  # an HNSW file for these few vectors
        run(link, [docs], [str(index_model)])
        row = link.models()[0]
        assert ann.ann_path(link, row) == ann.ann_path(real, row) == tmp_path / f"idx.db.model-{row.id}.hnsw"
        assert sorted(p.name for p in tmp_path.glob("*.hnsw")) == [f"idx.db.model-{row.id}.hnsw"]
        assert not ann.VectorIndex.open(real, real.models()[0], save=False).repaired  # the writer's file, as saved
        # A file saved beside the link by an earlier simsearch is still found (verified), not rebuilt.
        os.replace(ann.ann_path(link, row), tmp_path / f"link.db.model-{row.id}.hnsw")
        assert not ann.VectorIndex.open(link, link.models()[0], save=False).repaired
        indexer.forget_models(link, [row.name])
        assert list(tmp_path.glob("*.hnsw")) == []
    finally:
        link.close()
        real.close()


# --- the migrations -------------------------------------------------------------------------------

def old_store(path: Path, before: str) -> Store:
    store = Store(path, sqlite3.connect(path, isolation_level=None))
    store.migrate(upto=[m.name for m in migrations.MIGRATIONS].index(before))
    return store


def test_skips_from_before_m0008_are_classified_by_what_simsearch_wrote_for_them(tmp_path):
    old = old_store(tmp_path / "old.db", "0008_file_identity")
    rows = [("/d/big.txt", "", "skipped: 30.0 MB is over --max-file-mb 20"),
            ("/d/a.pdf", "h1", "skipped: PDF support is not installed: pip install 'simsearch[pdf]'"),
            ("/d/b.pdf", "h2", "skipped: unreadable PDF (PdfReadError)"),
            ("/d/c.txt", "h3", "skipped: binary content"),
            ("/d/d.txt", "h4", None)]
    for path, digest, reason in rows:
        old.conn.execute("INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at, skip_reason) "
                         "VALUES (?, ?, 1, 1, 'text', 't', ?)", (path, digest, reason))
    old.close()
    store = Store.open(tmp_path / "old.db")
    found = store.documents_under(["/d"])
    assert {Path(p).name: (d.skip_kind, d.inode, d.ctime_ns) for p, d in found.items()} == {
        "big.txt": ("limit", None, None), "a.pdf": ("support", None, None), "b.pdf": ("content", None, None),
        "c.txt": ("content", None, None), "d.txt": (None, None, None)}
    store.close()


def test_m0009_stores_unnormalised_roots_and_paths_normalised_keeping_vectors(tmp_path):
    old = old_store(tmp_path / "old.db", "0009_normalised_paths")
    old.conn.execute("INSERT INTO models (name, path, fingerprint, dim, pooler, added_at, hnsw_space, hnsw_m, "
                     "hnsw_ef_construction, hnsw_ef) VALUES ('m', '/m', 'fp', 1, 'avg', 't', 'cosine', 16, 200, 128)")
    for root in ("/x/docs", "/x/docs/../docs", "/y/./notes/"):
        old.conn.execute("INSERT INTO roots (path, added_at) VALUES (?, 't')", (root,))
    for path in ("/x/docs/a.txt", "/x/docs/../docs/a.txt", "/x/docs/../docs/b.txt", "/y/./notes/c.txt"):
        document_id = old.conn.execute("INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at) "
                                       "VALUES (?, 'h', 1, 1, 'text', 't')", (path,)).lastrowid
        sentence_id = old.conn.execute('INSERT INTO sentences (document_id, ordinal, text, start, "end", line) '
                                       "VALUES (?, 0, ?, 0, 1, 1)", (document_id, f"in {path}")).lastrowid
        old.conn.execute("INSERT INTO vectors VALUES (?, 1, x'0000803f')", (sentence_id,))
    generation = old.conn.execute("SELECT generation FROM models").fetchone()[0]
    old.close()
    store = Store.open(tmp_path / "old.db")
    assert list(store.roots()) == ["/x/docs", "/y/notes"]
    docs = dict(store.conn.execute("SELECT d.path, s.text FROM documents d JOIN sentences s ON s.document_id = d.id "
                                   "JOIN vectors v ON v.sentence_id = s.id"))
    assert docs == {"/x/docs/a.txt": "in /x/docs/a.txt", "/x/docs/b.txt": "in /x/docs/../docs/b.txt",
                    "/y/notes/c.txt": "in /y/./notes/c.txt"}  # the duplicate of a.txt is gone, the rest renamed
    assert store.counts() == {"documents": 3, "skipped": 0, "sentences": 3} and store.check_fts() == []
    assert store.models()[0].generation == generation + 1  # a vector went: the HNSW file is out of date
    store.close()


def test_a_plain_cli_run_keeps_the_limit_the_index_was_given(tmp_path, index_model, run_cli):
    """The CLI's --max-file-mb has no default of its own: a plain `index` after `--max-file-mb 2`
    must not take out the 1.2 MB file that limit let in (with a default of 20 passed every run,
    a limit above 20 would be undone the same way)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "small.txt").write_text("A small note about boats.\n")
    (docs / "big.txt").write_text("A long note about trains and their timetables. " * 26000 + "\n")
    db = tmp_path / "i.db"
    base = ["--db", db, "--device", "cpu", "--json"]
    def counts():
        status = json.loads(run_cli("status", "--db", db, "--json")[1])
        return status["documents"], status["skipped"]

    assert run_cli("index", docs, "-m", index_model, "--max-file-mb", "0.5", *base)[0] == 0
    assert run_cli("index", *base)[0] == 0
    assert counts() == (1, 1)  # still 0.5: the big file stays out
    assert run_cli("index", docs, "--max-file-mb", "2", *base)[0] == 0
    assert run_cli("index", *base)[0] == 0
    assert counts() == (2, 0)  # still 2: the big file stays in


def test_a_utf16_file_skipped_as_binary_by_an_earlier_version_is_read_now(tmp_path, index_model):
    """Earlier versions stored UTF-16 text (Notepad, PowerShell) as a "binary content" skip; an
    unchanged such file is read on the next run, a real binary file stays skipped without a read."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "utf16.txt").write_text("The boiler needs servicing every autumn.\n", encoding="utf-16")
    (docs / "blob.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    store = Store.open(tmp_path / "i.db")
    index(store, [docs], [str(index_model)], progress=False, device="cpu")
    store.conn.execute("DELETE FROM sentences")  # as an earlier version left it: a skip, no sentences
    store.conn.execute("UPDATE documents SET skip_reason = 'binary content', skip_kind = 'content'")
    store.conn.commit()
    index(store, [docs], progress=False, device="cpu")
    rows = dict(store.conn.execute("SELECT path, skip_reason FROM documents"))
    assert rows == {str(docs / "utf16.txt"): None, str(docs / "blob.txt"): "binary content"}
    texts = [t for (t,) in store.conn.execute("SELECT text FROM sentences")]
    assert texts == ["The boiler needs servicing every autumn."]
    store.close()


@pytest.mark.parametrize(("size", "limit", "reason"), [
    (8_000, 0.004, "skipped: 7.8 KiB is over --max-file-mb 0.004"),  # was "0.0 MiB is over --max-file-mb 0.00399971"
    (31_457_280, 20, "skipped: 30.0 MiB is over --max-file-mb 20"),
])
def test_the_skip_reason_shows_the_size_and_the_limit_as_given(size, limit, reason):
    import re

    from simsearch.indexer import over_limit

    assert over_limit(size, int(limit * 2**20)) == reason
    # the pattern migration 0010 reads limits back out of skip reasons with still finds it
    assert float(re.search(r"over --max-file-mb ([0-9.eE+-]+)", reason).group(1)) == limit


def test_m0010_starts_from_the_smallest_limit_older_size_skips_name(tmp_path):
    """An index from before remembered no limit; its skips name the one the user gave: a plain
    run after the upgrade must not index what that limit kept out."""
    old = old_store(tmp_path / "old.db", "0008_file_identity")
    for path, reason in (("/d/a.txt", "skipped: 0.5 MB is over --max-file-mb 0.3"),
                         ("/d/b.txt", "skipped: 0.9 MB is over --max-file-mb 0.75"),
                         ("/d/c.txt", "skipped: binary content")):
        old.conn.execute("INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at, skip_reason) "
                         "VALUES (?, ?, 1, 1, 'text', 't', ?)", (path, "" if "MB" in reason else "h", reason))
    old.close()
    store = Store.open(tmp_path / "old.db")
    assert store.setting("max_file_mb") == repr(0.3)
    store.close()
    fresh = Store.open(tmp_path / "new.db")
    assert fresh.setting("max_file_mb") is None
    fresh.close()


@pytest.mark.parametrize("value", ["1e308", "1e10"])
def test_a_limit_too_large_to_compare_is_one_line_and_never_remembered(tmp_path, index_model, run_cli, value):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("A note about boats.\n")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", docs, "-m", index_model, "--db", db, "--max-file-mb", value)
    assert code == 2 and "--max-file-mb" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    store = Store.open(db)
    with pytest.raises(SimsearchError, match="--max-file-mb"):
        index(store, [docs], [str(index_model)], max_file_mb=float(value), progress=False, device="cpu")
    assert store.setting("max_file_mb") is None
    store.set_setting("max_file_mb", "1e+308")  # as a version that did not check it left it
    warnings = []
    index(store, [docs], [str(index_model)], progress=False, device="cpu",
          on_warning=lambda path, reason: warnings.append(reason))
    assert any("cannot be used" in w for w in warnings) and store.setting("max_file_mb") == repr(20.0)
    store.close()


def test_a_skip_for_size_names_the_limit_of_the_last_run_as_a_fresh_index_would(tmp_path, index_model):
    """Found by the stateful test: a file still over a changed limit kept the old limit's reason."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Amber falcons circle above the quiet harbor.\n" * 2)
    store = Store.open(tmp_path / "i.db")
    for limit in (60 / 2**20, 0.0):
        index(store, [docs], [str(index_model)], max_file_mb=limit, progress=False, device="cpu")
        fresh = Store.open(tmp_path / f"fresh-{limit}.db")
        index(fresh, [docs], [str(index_model)], max_file_mb=limit, progress=False, device="cpu")
        reasons = [dict(s.conn.execute("SELECT path, skip_reason FROM documents")) for s in (store, fresh)]
        assert reasons[0] == reasons[1] and f"--max-file-mb {limit:g}" in reasons[0][str(docs / "a.txt")]
        fresh.close()
    store.close()


def test_an_edit_of_one_sentence_says_its_files_sentences_are_stored_and_one_is_encoded(tmp_path, index_model, run_cli):
    """Was: "3 sentences added" for a one-sentence edit of a three-sentence file (every sentence
    of a changed file is written again; only the new one goes through the model)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    note = docs / "note.txt"
    note.write_text("Boats float on water.\nTrains run on rails.\nPlanes fly in the sky.\n")
    base = ["--db", tmp_path / "i.db", "--device", "cpu"]
    assert run_cli("index", docs, "-m", index_model, *base)[0] == 0
    note.write_text("Boats float on water.\nTrains run on rails.\nBicycles have two wheels.\n")
    code, out, _ = run_cli("index", *base)
    text = " ".join(out.split())
    assert code == 0 and "1 changed" in text and "3 sentences stored from 1 file read; encoded: " in text and "tiny-avg 1 (" in text, text


def test_files_read_again_by_a_newer_reader_are_not_called_changed(tmp_path, index_model, run_cli):
    """Was: "indexed 0 new, 50 changed" on the first run after an upgrade that reads files
    otherwise (the extractor version), though the user had changed no file (user trial on
    Markdown docs, session 31)."""
    from simsearch.extract import EXTRACTOR_VERSION

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# Boats\n\nBoats float on water.\n")
    (docs / "other.md").write_text("Trains run on rails.\n")
    base = ["--db", tmp_path / "i.db", "--device", "cpu"]
    assert run_cli("index", docs, "-m", index_model, *base)[0] == 0
    conn = sqlite3.connect(tmp_path / "i.db")
    conn.execute("UPDATE documents SET extractor_version = ?", (EXTRACTOR_VERSION - 1,))
    conn.commit()
    conn.close()
    (docs / "other.md").write_text("Trains run on rails.\nPlanes fly.\n")
    code, out, _ = run_cli("index", *base)
    text = " ".join(out.split())
    assert code == 0 and "0 new, 1 changed, 0 removed" in text and "1 file read again by this version" in text, text


def test_status_counts_the_last_run_as_the_index_summary_does(tmp_path, index_model, run_cli):
    """Was: `status` said "last run: ... 2 files seen, 2 changed" after a run whose summary said
    "0 new, 1 changed, ..., 1 file read again by this version of simsearch" (user trial on
    Markdown docs, session 31): the run's stored counts did not tell the files read again apart."""
    from simsearch.extract import EXTRACTOR_VERSION

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# Boats\n\nBoats float on water.\n")
    (docs / "other.md").write_text("Trains run on rails.\n")
    (docs / "gone.md").write_text("Ships sail.\n")
    base = ["--db", tmp_path / "i.db", "--device", "cpu"]
    assert run_cli("index", docs, "-m", index_model, *base)[0] == 0
    code, out, err = run_cli("status", *base[:2])
    assert code == 0 and "3 files seen, 3 new or changed, 0 removed, 4 sentences encoded" in " ".join(out.split()), out
    conn = sqlite3.connect(tmp_path / "i.db")
    conn.execute("UPDATE documents SET extractor_version = ?", (EXTRACTOR_VERSION - 1,))
    conn.commit()
    conn.close()
    (docs / "other.md").write_text("Trains run on rails.\nPlanes fly.\n")
    (docs / "gone.md").unlink()
    assert run_cli("index", *base)[0] == 0
    code, out, err = run_cli("status", *base[:2])
    text = " ".join(out.split())
    assert code == 0 and ("2 files seen, 1 new or changed, 1 removed, 1 read again by this version of simsearch, "
                          "1 sentence encoded") in text, text
    code, out, err = run_cli("status", *base[:2], "--json")
    run = json.loads(out)["last_run"]
    assert (run["files_changed"], run["files_removed"], run["files_reextracted"]) == (3, 1, 1), run


def test_a_model_added_to_unchanged_files_is_not_said_to_store_0_sentences(tmp_path, index_model, tiny_model, run_cli):
    """User trial on attrs' docs (session 35): `index DOCS -m minilm -m NEW` after `index DOCS`
    said "16 files unchanged; 0 sentences stored; encoded: minilm 0, NEW 839", which reads as an
    index of 0 sentences. With no file read, no count of sentences stored is given."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Boats float on water.\nTrains run on rails.\nPlanes fly in the sky.\n")
    base = ["--db", tmp_path / "i.db", "--device", "cpu"]
    assert run_cli("index", docs, "-m", index_model, *base)[0] == 0
    code, out, _ = run_cli("index", docs, "-m", index_model, "-m", tiny_model, *base)
    text = " ".join(out.split())
    assert code == 0 and "1 file unchanged; encoded: " in text and "tiny-avg 0 (" in text and "tiny 3 (" in text, text
    assert "stored" not in text, text


# --- Found by session 43's trial G: a fresh install driven by the README, and an index attacked with
# odd files and events.

def _coarse_stat(monkeypatch, mtime_ns: int) -> None:
    """Make every stat of this process report ``mtime_ns`` as the file's mtime and ctime, as a file
    system whose timestamps are coarser than the writes do (FAT: 2 s, HFS+: 1 s; a clock tick on
    Linux before 6.13): two writes in one tick look alike."""
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        times = {name: getattr(result, name) for name in dir(result) if name.startswith("st_") and "time" in name}
        times.update(st_mtime_ns=mtime_ns, st_ctime_ns=mtime_ns)
        return os.stat_result(tuple(result[:10]), times)

    monkeypatch.setattr(os, "stat", stat)


def test_a_file_written_again_in_the_tick_it_was_read_in_is_read_again(tmp_path, index_model, monkeypatch):
    """Was: a file saved again within its file system's timestamp granularity of the read that
    indexed it, at the same size, kept its size, mtime, inode and ctime, and every later `index`
    said "unchanged": the index held the old text for good, and differed from a fresh one. Now a
    file whose recorded stat is that close to its read is hashed again by the next run ("racy git")."""
    import time

    from simsearch.indexer import index
    from simsearch.store import Store

    note = tmp_path / "note.txt"
    note.write_text("The cat sat on the mat.\n")
    _coarse_stat(monkeypatch, time.time_ns() // 10**9 * 10**9)
    store = Store.open(tmp_path / "idx.db")
    index(store, [note], [str(index_model)], progress=False, device="cpu")
    note.write_text("The dog sat on the rug.\n")  # the same size, in the same tick
    report = index(store, [note], progress=False, device="cpu")
    held = [text for (text,) in store.conn.execute("SELECT text FROM sentences")]
    assert held == ["The dog sat on the rug."], (held, report)
    report = index(store, [note], progress=False, device="cpu")  # read again, the same: unchanged
    assert (report.updated, report.unchanged + report.touched) == (0, 1)
    store.close()
