"""Defects found by session 43's trial G: a fresh install driven by the README, and an index
attacked with odd files and events. Each test fails on the code as it was found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
