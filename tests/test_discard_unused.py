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
