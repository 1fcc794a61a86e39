"""The index database: migrations, refusals, vector BLOBs, concurrent reading."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from simsearch.errors import SimsearchError
from simsearch.segment import Sentence
from simsearch.store import MIGRATIONS, Store, from_blobs, to_blob


def test_a_database_from_an_older_schema_opens_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    store = Store(path, sqlite3.connect(path, isolation_level=None))
    store.migrate(upto=1)  # what the first version wrote
    with store.transaction():
        store.replace_document("/docs/a.md", "h", 1, 2, "markdown", [Sentence("Hello there.", 0, 12, 1)])
    assert store.schema_version() == 1 and "runs" not in store.db.table_names()
    store.close()
    reopened = Store.open(path)
    assert reopened.schema_version() == len(MIGRATIONS) and "runs" in reopened.db.table_names()
    assert reopened.counts()["sentences"] == 1
    assert reopened.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_refuses_a_newer_schema_a_foreign_database_and_a_non_database(tmp_path):
    store = Store.open(tmp_path / "new.db")
    store.conn.execute("INSERT INTO _migrations VALUES (99, 'future', 'now')")
    store.close()
    with pytest.raises(SimsearchError, match="newer simsearch"):
        Store.open(tmp_path / "new.db")
    foreign = sqlite3.connect(tmp_path / "foreign.db")
    foreign.execute("CREATE TABLE customers (id)")
    foreign.commit()
    with pytest.raises(SimsearchError, match="not a simsearch index"):
        Store.open(tmp_path / "foreign.db")
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SimsearchError, match="not a simsearch index"):
        Store.open(tmp_path / "junk.db")
    with pytest.raises(SimsearchError, match="no index at"):
        Store.open(tmp_path / "absent.db", create=False)


def test_vectors_are_little_endian_float32_blobs():
    vectors = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    blobs = [to_blob(v) for v in vectors]
    assert all(len(b) == 20 for b in blobs) and blobs[0] == vectors[0].astype("<f4").tobytes()
    assert np.array_equal(from_blobs(blobs, 5), vectors)


def test_readers_see_committed_data_while_a_writer_holds_a_transaction(tmp_path):
    writer = Store.open(tmp_path / "i.db")
    with writer.transaction():
        writer.replace_document("/a.txt", "h", 1, 1, "text", [Sentence("One.", 0, 4, 1)])
    reader = Store.open(tmp_path / "i.db")
    writer.conn.execute("BEGIN IMMEDIATE")
    writer.replace_document("/b.txt", "h", 1, 1, "text", [Sentence("Two.", 0, 4, 1)])
    assert reader.counts()["documents"] == 1  # WAL: no "database is locked", and no dirty read
    writer.conn.execute("COMMIT")
    assert reader.counts()["documents"] == 2
