"""A new index whose first command is refused is removed (``indexer.discard_unused``), but never
from under another command that writes to it, and a command that opened it before it was removed
does not go on writing to a file no one can see."""

from __future__ import annotations

from pathlib import Path

import pytest

from simsearch import indexer
from simsearch.errors import SimsearchError
from simsearch.store import Store


def _leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def test_a_refused_first_command_leaves_nothing(tmp_path):
    db = tmp_path / "new.db"
    assert indexer.discard_unused(Store.open(db))
    assert _leftovers(db) == []


def test_an_index_another_command_is_writing_is_kept(tmp_path):
    db = tmp_path / "new.db"
    refused, writer = Store.open(db), Store.open(db)
    with indexer.writer_lock(writer):
        assert not indexer.discard_unused(refused)
        with writer.transaction():
            writer.add_root("/notes", None)
    assert db.exists()
    assert Store.open(db, create=False).roots() == {"/notes": None}


def test_an_index_with_content_is_kept(tmp_path):
    db = tmp_path / "new.db"
    writer = Store.open(db)
    with writer.transaction():
        writer.add_root("/notes", None)
    assert not indexer.discard_unused(Store.open(db))
    assert Store.open(db, create=False).roots() == {"/notes": None}


def test_a_command_that_opened_the_index_before_it_was_removed_writes_nothing(tmp_path):
    """Was: the second command took the writer lock after the first removed the file, and wrote
    to the removed file: it reported success, and there was no index."""
    db = tmp_path / "new.db"
    refused, other = Store.open(db), Store.open(db)
    assert indexer.discard_unused(refused)
    with pytest.raises(SimsearchError, match=r"new\.db was removed after this command opened it"):
        with indexer.writer_lock(other):
            pytest.fail("the writer lock was taken on a removed index")
    assert not db.exists()


def test_a_lock_file_removed_before_it_was_locked_is_not_held(tmp_path, monkeypatch):
    """Was: a command that opened the lock file just before a refused first command removed it
    (``Store.discard_unused``, lock file included) locked the removed file once it was free, and
    a command after it made a new lock file and locked that one: two writers at once."""
    import fcntl

    db = tmp_path / "new.db"
    first, second = Store.open(db), Store.open(db)
    lock = db.with_name(db.name + ".lock")
    real_flock = fcntl.flock
    removed = []

    def flock(handle, operation):
        if not removed and operation & fcntl.LOCK_EX:  # the first command removed it meanwhile
            removed.append(True)
            lock.unlink()
        return real_flock(handle, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    with indexer.writer_lock(first):
        with pytest.raises(SimsearchError, match="another `simsearch index` is writing"):
            with indexer.writer_lock(second):
                pytest.fail("two writers held the lock at once")


def test_two_refused_first_commands_leave_nothing(tmp_path):
    """Was: the second refused command's clean-up took the writer lock on an index already
    removed by the first: it raised (hiding nothing new, but) and left a lock file with no index."""
    db = tmp_path / "new.db"
    one, two = Store.open(db), Store.open(db)
    assert indexer.discard_unused(one)
    assert not indexer.discard_unused(two)
    assert _leftovers(db) == []


@pytest.mark.parametrize("stop_at", [0, 1, 2, 3])
def test_an_interrupted_removal_never_leaves_a_wal_without_its_database(tmp_path, monkeypatch, stop_at):
    """Review 47: the database was removed before its ``-wal`` file, so a Ctrl-C between the two
    could leave a WAL of a gone database, which a new index made at the same path would replay.
    The WAL and shared memory go first: stopped anywhere, the database is there or no WAL is."""
    import sqlite3

    db = tmp_path / "new.db"
    store = Store.open(db)
    reader = sqlite3.connect(db)  # holds the WAL open through the store's close, as a search would
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    real_unlink, calls = Path.unlink, []

    def unlink(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) > stop_at:
            raise KeyboardInterrupt
        return real_unlink(self, *args, **kwargs)

    try:
        assert (tmp_path / "new.db-wal").exists()
        monkeypatch.setattr(Path, "unlink", unlink)
        with pytest.raises(KeyboardInterrupt):
            indexer.discard_unused(store)
    finally:
        monkeypatch.undo()
        reader.close()
    left = _leftovers(db)
    assert "new.db" in left or "new.db-wal" not in left, (calls, left)
