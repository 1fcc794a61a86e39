"""Defects found by session 43's trial G: a fresh install driven by the README, and an index
attacked with odd files and events. Each test fails on the code as it was found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_readme_trust import _settle, as_a_user, indexed  # noqa: F401 (fixtures)


def _as_user(prefix: list[str], folder, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(folder), "SIMSEARCH_MODELS": str(folder / "models"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # this checkout's simsearch, run elsewhere
    return subprocess.run([*prefix, sys.executable, "-m", "simsearch", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=folder, timeout=300)


def test_index_on_a_read_only_database_leaves_nothing_that_keeps_it_read_only(indexed, index_model, as_a_user):
    """Was: `index` on a 444 index in a writable folder said "read-only" but left a 444 -wal and
    -shm beside it (SQLite opened the file read-only and made them with its mode), so after
    `chmod u+w` every `index` still said "the database is read-only", until the user found and
    deleted the -shm. Now nothing is made beside it, and the index is writable again with the file."""
    db = indexed / "idx.db"
    _settle(db)
    beside = sorted(os.listdir(indexed))
    db.chmod(0o444)
    try:
        done = _as_user(as_a_user, indexed, "index", "a.txt", "--db", db, "-m", index_model, "--device", "cpu")
        assert done.returncode == 2 and "idx.db: the database is read-only" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert sorted(os.listdir(indexed)) == beside
    finally:
        db.chmod(0o644)
    (indexed / "b.txt").write_text("Bread rises in a warm kitchen.\n")
    done = _as_user(as_a_user, indexed, "index", "b.txt", "--db", db, "-m", index_model, "--device", "cpu")
    assert done.returncode == 0, done.stderr


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


def test_a_full_disk_mid_run_says_what_was_saved(tmp_path, index_model, run_cli, monkeypatch):
    """Was: "idx.db: the disk is full; nothing was written (free some space and run again)" when
    the disk filled at the third file of a run, although the first two were in the index (and
    `status` counted them): each file is committed on its own. Now it says what was saved, as
    Ctrl-C does, and the next run continues to the index a fresh run makes."""
    import sqlite3

    from simsearch.store import Store, storage_error

    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    for number, text in enumerate(["The cat sat on the mat.", "A dog ran in the park.", "Bread rises slowly."]):
        (docs / f"{number}.txt").write_text(text + "\n")
    real = Store.replace_document
    calls = []

    def fills_the_disk(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:  # as the connection says SQLite's SQLITE_FULL
            raise storage_error(sqlite3.OperationalError("database or disk is full"), self.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_document", fills_the_disk)
    code, _, err = run_cli("index", "docs", "--db", "idx.db", "-m", index_model, "--device", "cpu")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "the disk is full" in err and "2 new or changed files were saved" in err, err
    assert "nothing was written" not in err and "run the same command again" in err, err
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("index", "docs", "--db", "idx.db", "--json", "--device", "cpu")
    assert code == 0 and json.loads(out)["added"] == 1, err
    code, out, err = run_cli("search", "cat", "--db", "idx.db", "--mode", "lexical", "--json")
    assert json.loads(out.splitlines()[0])["text"] == "The cat sat on the mat."


def test_a_new_index_whose_checkpoint_fails_is_not_left_half_made(tmp_path, monkeypatch):
    """Was: a new index on a nearly full disk (a 300 KiB tmpfs) was left as a malformed file
    ("idx.db is not a simsearch index (database disk image is malformed)" from every command after,
    until removed by hand): its schema was built in a staging file's WAL, the checkpoint that
    closing the connection makes failed for want of space, and the staging file was linked into
    place and its WAL, which held the schema, deleted. Here the close makes no checkpoint, as on
    that disk; the schema is checkpointed before the link now, and a failure of that says so."""
    import sqlite3

    from simsearch import store as store_module
    from simsearch.store import STAGING_PREFIX, Store, StorageError, storage_error

    real_close = store_module._Connection.close

    def close_without_checkpoint(self):
        if STAGING_PREFIX in self.execute("PRAGMA database_list").fetchone()[2]:
            return None  # the staging file's connection: its WAL stays as it is
        return real_close(self)

    monkeypatch.setattr(store_module._Connection, "close", close_without_checkpoint)
    store = Store.open(tmp_path / "idx.db")
    assert store.counts()["documents"] == 0 and store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store.close()
    real_execute = store_module._Connection.execute

    def full_at_checkpoint(self, sql, *args):
        if "wal_checkpoint" in sql:
            raise storage_error(sqlite3.OperationalError("database or disk is full"), self.db_path)
        return real_execute(self, sql, *args)

    monkeypatch.setattr(store_module._Connection, "execute", full_at_checkpoint)
    with pytest.raises(StorageError, match="the disk is full"):
        Store.open(tmp_path / "full.db")
    assert not (tmp_path / "full.db").exists() and not list(tmp_path.glob(".simsearch-new-*"))
