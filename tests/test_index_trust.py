"""The indexer under a user's mistakes and a changing disk (issue 11, items 6-8): typo roots, vanished
roots and models, ``forget``, files saved while they are read, hostile names and trees, raw models
with an explicit pooler, and models whose output is not finite."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from simsearch import ann, indexer
from simsearch.errors import SimsearchError
from simsearch.extract import FoundFile, walk
from simsearch.indexer import forget_missing_roots, forget_models, forget_roots, index, index_status, previous_roots
from simsearch.models import METADATA_FILE
from simsearch.store import Store


def write_notes(root: Path, words: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i, word in enumerate(words):
        (root / f"{i:02d}-{word}.md").write_text(f"A first note about {word}. A second note on {word} {i}.\n")
    return root


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


def run(store, roots, models=None, warnings=None, **kwargs):
    on_warning = (lambda path, reason: warnings.append((path, reason))) if warnings is not None else None
    return index(store, roots, models, progress=False, on_warning=on_warning, **kwargs)


def paths_in(store) -> set[str]:
    return {row[0] for row in store.conn.execute("SELECT path FROM documents")}


def copy_model(model: Path, dest: Path) -> Path:
    shutil.copytree(model, dest)
    return dest


# --- item 6: roots --------------------------------------------------------------------------

def test_a_typo_root_writes_nothing_and_later_plain_runs_still_work(run_cli, tmp_path, index_model):
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    db = tmp_path / "cli.db"
    assert run_cli("index", docs, "--model", index_model, "--db", db)[0] == 0
    with _opened(db) as s:
        runs_before = s.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    code, out, err = run_cli("index", tmp_path / "typo.txt", "--db", db)
    assert code == 2 and "no such file or folder" in err and len(err.strip().splitlines()) == 1
    with _opened(db) as s:
        assert s.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == runs_before  # nothing written
    code, out, err = run_cli("index", "--db", db, "--json")  # the plain refresh the typo used to break
    assert code == 0, err
    assert json.loads(out)["unchanged"] == 2
    with _opened(db) as s:
        assert list(s.roots()) == [str(docs)]


class _opened:
    def __init__(self, path):
        self.store = Store.open(path)

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.close()


def test_a_vanished_root_keeps_its_documents_until_forgotten_and_files_are_never_touched(store, tmp_path, index_model):
    model = str(index_model)
    kept = write_notes(tmp_path / "kept", ["tea", "rain"])
    drive = write_notes(tmp_path / "drive" / "notes", ["sail", "chess", "moss"])
    run(store, [kept, drive], [model])
    before = store.counts()
    elsewhere = tmp_path / "unplugged"
    os.rename(tmp_path / "drive", elsewhere)  # the drive is unmounted: its folder is gone
    warnings = []
    report = run(store, previous_roots(store), warnings=warnings)
    assert report.removed == 0 and store.counts() == before
    (path, reason), = warnings
    assert path == str(drive) and "3 documents stay" in reason and f"simsearch forget {drive}" in reason
    status = {r["path"]: (r["documents"], r["exists"]) for r in index_status(store)["roots"]}
    assert status == {str(kept): (2, True), str(drive): (3, False)}
    # Naming the missing root explicitly is not a typo either: it is an indexed root.
    assert run(store, [drive]).removed == 0 and store.counts() == before
    os.rename(elsewhere, tmp_path / "drive")  # plugged back in: nothing to redo
    back = run(store, previous_roots(store))
    assert (back.unchanged, back.changed, back.encoded) == (5, 0, {model: 0})
    os.rename(tmp_path / "drive", elsewhere)
    forgotten = forget_missing_roots(store)
    assert forgotten == {"roots": [str(drive)], "documents": 3, "skipped": 0, "sentences": 6}
    assert list(store.roots()) == [str(kept)] and all(p.startswith(str(kept)) for p in paths_in(store))
    assert sorted(p.name for p in (elsewhere / "notes").iterdir()) == ["00-sail.md", "01-chess.md", "02-moss.md"]
    assert store.conn.execute("SELECT count(*) FROM vectors WHERE sentence_id NOT IN (SELECT id FROM sentences)"
                              ).fetchone()[0] == 0


def test_an_empty_mount_point_on_another_device_is_a_missing_drive_but_an_emptied_folder_is_not(store, tmp_path,
                                                                                             index_model):
    drive = write_notes(tmp_path / "usb", ["sail", "chess"])
    run(store, [drive], [str(index_model)])
    stash = tmp_path / "stash"
    stash.mkdir()
    for file in drive.iterdir():
        file.rename(stash / file.name)
    with store.transaction():  # as if the folder had been a mount point of another file system
        store.conn.execute("UPDATE roots SET device = device + 1")
    warnings = []
    assert run(store, [drive], warnings=warnings).removed == 0 and len(paths_in(store)) == 2
    assert "not mounted" in warnings[0][1]
    with store.transaction():
        store.conn.execute("UPDATE roots SET device = device - 1")
    assert run(store, [drive]).removed == 2 and paths_in(store) == set()  # same device: really emptied


def test_forget_removes_only_what_no_other_root_covers(store, tmp_path, index_model):
    docs = write_notes(tmp_path / "docs", ["tea", "rain", "moss"])
    one = docs / "00-tea.md"
    run(store, [one], [str(index_model)])
    run(store, [docs])
    assert list(store.roots()) == [str(one), str(docs)]
    assert forget_roots(store, [one])["documents"] == 0 and len(paths_in(store)) == 3  # docs still covers it
    with pytest.raises(SimsearchError, match="is inside the indexed folder .*docs, whose next index run.*"
                                             "leave the file out with a .gitignore"):
        forget_roots(store, [docs / "01-rain.md"])
    (docs / "sub").mkdir()
    with pytest.raises(SimsearchError, match="leave the folder out with a .gitignore"):  # (said "the file")
        forget_roots(store, [docs / "sub"])
    assert forget_roots(store, [docs])["documents"] == 3 and paths_in(store) == set() and store.roots() == {}
    assert sorted(p.name for p in docs.iterdir()) == ["00-tea.md", "01-rain.md", "02-moss.md", "sub"]


def test_an_old_database_keeps_its_roots_but_not_a_typo_from_a_failed_run(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    Store(path, conn).migrate(upto=2)  # the schema before the roots table
    runs = [(["/home/me/docs", "/home/me/typo"], "failed"), (["/home/me/docs"], "done"),
            (["/mnt/usb"], "failed"), (["/home/me/typo2"], "failed"), (["/home/me/notes.txt"], "interrupted")]
    for roots, status in runs:
        conn.execute("INSERT INTO runs (started_at, roots, models, status) VALUES ('t', ?, '[]', ?)",
                     (json.dumps(roots), status))
    conn.execute("INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at) "
                 "VALUES ('/mnt/usb/a.txt', 'h', 1, 1, 'text', 't')")  # a failed run that had indexed files
    conn.close()
    store = Store.open(path)
    assert list(store.roots()) == ["/home/me/docs", "/mnt/usb", "/home/me/notes.txt"]
    store.close()


def test_a_vanished_model_is_skipped_unless_named_and_forget_removes_it_with_its_files(store, tmp_path, index_model,
                                                                                     monkeypatch):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)  # so both models have an HNSW file
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    stays, goes = copy_model(index_model, tmp_path / "stays"), copy_model(index_model, tmp_path / "goes")
    run(store, [docs], [str(stays), str(goes)])
    gone_row = store.model(str(goes))
    vectors = store.count_vectors(gone_row.id)
    shutil.rmtree(goes)
    warnings = []
    (docs / "02-new.md").write_text("A fresh note about kites.\n")
    report = run(store, [docs], warnings=warnings)
    assert report.models == [str(stays)] and report.encoded == {str(stays): 1}
    assert any(f"simsearch forget --model {goes}" in reason for _, reason in warnings)
    assert store.count_vectors(gone_row.id) == vectors  # kept, not purged
    with pytest.raises(SimsearchError):
        run(store, [docs], [str(goes)])  # named explicitly: an error, as for any unknown model
    hnsw = ann.ann_path(store, gone_row)
    partial = hnsw.with_name(hnsw.name + ".4242.partial")
    partial.write_bytes(b"left by a crash")
    assert hnsw.is_file()
    assert forget_models(store, [str(goes)]) == {"models": [str(goes)], "vectors": vectors}
    assert not hnsw.exists() and not partial.exists() and ann.ann_path(store, store.model(str(stays))).is_file()
    assert store.model(str(goes)) is None and store.count_vectors(gone_row.id) == 0
    files = sorted(p.name for p in stays.iterdir())
    forget_models(store, [str(stays)])
    assert sorted(p.name for p in stays.iterdir()) == files  # a model's own folder is never touched
    with pytest.raises(SimsearchError, match="not in the index"):
        forget_models(store, ["nope"])


# --- item 7: a file saved while it is read --------------------------------------------------

def test_a_file_saved_during_the_read_is_read_again_not_stored_stale(store, tmp_path, index_model, monkeypatch):
    docs = write_notes(tmp_path / "docs", ["tea"])
    target = docs / "00-tea.md"
    real_read = Path.read_bytes
    saves = {"left": 1}

    def read_then_saved(self):
        data = real_read(self)
        if self == target and saves["left"]:
            saves["left"] -= 1  # the editor saves right after our read, with a new mtime
            target.write_text("The saved version mentions lighthouses.\n")
            os.utime(target, ns=(10**18, 10**18))
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_saved)
    run(store, [docs], [str(index_model)])
    texts = [row[0] for row in store.conn.execute("SELECT text FROM sentences")]
    assert texts == ["The saved version mentions lighthouses."]
    assert store.conn.execute("SELECT mtime_ns FROM documents").fetchone()[0] == 10**18


def test_a_file_that_keeps_changing_is_left_for_the_next_run(store, tmp_path, index_model, monkeypatch):
    docs = write_notes(tmp_path / "docs", ["tea"])
    run(store, [docs], [str(index_model)])
    target = docs / "00-tea.md"
    target.write_text("Second version about kettles.\n")
    real_read = Path.read_bytes
    counter = {"n": 0}

    def always_saved(self):
        data = real_read(self)
        counter["n"] += 1
        os.utime(self, ns=(counter["n"], counter["n"]))
        return data

    monkeypatch.setattr(Path, "read_bytes", always_saved)
    warnings = []
    report = run(store, [docs], warnings=warnings)
    assert report.changed == 0 and "kept changing" in warnings[0][1]
    old = store.conn.execute("SELECT mtime_ns FROM documents").fetchone()[0]
    assert old != target.stat().st_mtime_ns  # the old version stays, with its old mtime: read again next run
    monkeypatch.setattr(Path, "read_bytes", real_read)
    assert run(store, [docs]).updated == 1
    assert [r[0] for r in store.conn.execute("SELECT text FROM sentences")] == ["Second version about kettles."]


# --- item 8: hostile names and trees --------------------------------------------------------

def _deep_tree(base: Path, depth: int) -> Path:
    folder = base
    for _ in range(depth):  # os.makedirs recurses itself
        folder = folder / "d"
        os.mkdir(folder)
    (folder / "deep.txt").write_text("A sentence at the very bottom.\n")
    return folder


def _remove_deep_tree(base: Path, depth: int) -> None:
    folder = base / "/".join(["d"] * depth)
    (folder / "deep.txt").unlink()
    for _ in range(depth):  # shutil.rmtree recurses too
        os.rmdir(folder)
        folder = folder.parent


def test_walk_goes_deeper_than_the_recursion_limit(tmp_path):
    depth = sys.getrecursionlimit() + 50
    _deep_tree(tmp_path, depth)
    try:
        found = [item for item in walk([tmp_path]) if isinstance(item, FoundFile)]
        assert [f.path.name for f in found] == ["deep.txt"] and len(found[0].path.parts) > depth
    finally:
        _remove_deep_tree(tmp_path, depth)


def test_bad_names_unreadable_folders_and_link_loops_are_skipped_with_warnings(store, tmp_path, index_model,
                                                                              monkeypatch):
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    raw = os.fsencode(docs)
    with open(raw + b"/caf\xe9.txt", "wb") as handle:  # a Latin-1 file name
        handle.write(b"Undecodable name.\n")
    os.mkdir(raw + b"/d\xe9j\xe0")
    with open(raw + b"/d\xe9j\xe0/inside.txt", "wb") as handle:
        handle.write(b"Inside an undecodable folder.\n")
    (docs / "loop.txt").symlink_to("loop.txt")
    locked = docs / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_text("Behind a folder we may not list.\n")
    (docs / "zz-last.md").write_text("The walk goes on after every problem.\n")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the tests run as root, which chmod cannot stop
    warnings = []
    report = run(store, [docs], [str(index_model)], warnings=warnings)
    assert report.added == 3
    assert paths_in(store) == {str(docs / "00-tea.md"), str(docs / "01-rain.md"), str(docs / "zz-last.md")}
    reasons = {Path(path).name: reason for path, reason in warnings}
    assert "not valid UTF-8" in reasons["caf\\xe9.txt"] and "not valid UTF-8" in reasons["d\\xe9j\\xe0"]
    assert "symbolic links" in reasons["loop.txt"] and "cannot list folder" in reasons["locked"]
    json.dumps(report.as_dict()).encode("utf-8")  # printable: no lone surrogates anywhere in the report
    again = run(store, [docs])
    assert (again.unchanged, again.changed) == (3, 0)


def test_a_root_that_is_not_utf8_is_refused_in_one_line(store, tmp_path):
    folder = os.fsencode(tmp_path) + b"/r\xe9sum\xe9s"
    os.mkdir(folder)
    with pytest.raises(SimsearchError, match=r"r\\xe9sum\\xe9s: the path is not valid UTF-8"):
        run(store, [Path(os.fsdecode(folder))])
    assert store.roots() == {}


# --- raw models and an explicit pooler; models that give NaN -----------------------------------

def test_a_raw_model_needs_pooler_and_the_index_remembers_it(store, tmp_path, index_model):
    raw = copy_model(index_model, tmp_path / "raw-bert")
    (raw / METADATA_FILE).unlink()
    docs = write_notes(tmp_path / "docs", ["tea"])
    with pytest.raises(SimsearchError, match="pass --pooler"):
        run(store, [docs], [str(raw)])
    assert store.models() == []
    report = run(store, [docs], [str(raw)], pooler="avg")
    assert report.encoded == {str(raw): 2} and store.model(str(raw)).pooler == "avg"
    assert list(store.roots()) == [str(docs)]  # the failed run did not record the root either
    again = run(store, previous_roots(store))  # the index's own models: the recorded pooler is used
    assert (again.models, again.encoded) == ([str(raw)], {str(raw): 0})
    with pytest.raises(SimsearchError, match="--pooler applies to the models named"):
        run(store, [docs], pooler="cls")


def test_a_model_with_nan_weights_stops_with_one_line_and_stores_no_vector(store, tmp_path, index_model):
    import torch
    from transformers import AutoModel

    broken = copy_model(index_model, tmp_path / "diverged")
    model = AutoModel.from_pretrained(broken)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(float("nan"))
    model.save_pretrained(broken)
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    with pytest.raises(SimsearchError) as caught:
        run(store, [docs], [str(broken)])
    message = str(caught.value)
    assert repr(str(broken)) in message and "not finite" in message and "\n" not in message
    assert store.count_vectors(store.model(str(broken)).id) == 0
    assert store.last_run()["status"] == "failed"


def test_a_plain_refresh_finds_the_index_models_where_they_were_indexed_not_by_name_in_the_cwd(
        store, tmp_path, index_model, tiny_model, monkeypatch):
    """A relative model name indexed from one folder names another model in another folder:
    a plain refresh from there must not take it for a retrain and re-embed with it."""
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    first, second = tmp_path / "first", tmp_path / "second"
    copy_model(index_model, first / "m")
    copy_model(tiny_model, second / "m")  # same relative name, another model
    monkeypatch.chdir(first)
    run(store, [docs], ["m"])
    [row] = store.models()
    vectors = store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall()
    monkeypatch.chdir(second)
    warnings = []
    report = run(store, [docs], None, warnings)
    assert not any("changed since it was indexed" in reason for _, reason in warnings), warnings
    assert report.encoded.get("m", 0) == 0
    assert store.models() == [row]
    assert store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall() == vectors


def test_a_lock_file_that_cannot_be_created_is_one_line_and_nothing_is_indexed(run_cli, tmp_path, index_model,
                                                                                  monkeypatch):
    """A database in a folder where the lock file cannot be made (read-only, full) fails in one line."""
    docs = write_notes(tmp_path / "docs", ["tea"])
    db = tmp_path / "cli.db"

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(indexer, "open", refuse, raising=False)
    code, out, err = run_cli("index", docs, "--model", index_model, "--db", db)
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and "cli.db.lock: permission denied" in err
    monkeypatch.undo()
    with _opened(db) as s:
        assert s.counts()["documents"] == 0


def test_forget_a_path_that_does_not_exist_says_so(store, tmp_path, index_model):
    # Session 43, trial F: `simsearch forget inc/nothere` (a typo) inside an indexed folder said
    # "is inside the indexed folder …, whose next index run would read it again: … leave the file
    # out with a .gitignore there", of a file that was not there to read.
    docs = write_notes(tmp_path / "docs", ["tea", "rain"])
    run(store, [docs], [str(index_model)])
    with pytest.raises(SimsearchError, match=r"typo\.md: no such file or folder \(the index's roots: .*docs\)$"):
        forget_roots(store, [docs / "typo.md"])
    assert len(paths_in(store)) == 2 and list(store.roots()) == [str(docs)]
