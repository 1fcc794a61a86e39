"""The index database's migrations: an index written by an older simsearch opens, upgrades
without loss and searches as it did; the migrations are named, ordered, recorded, applied once."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from simsearch import migrations
from simsearch.ann import VectorIndex
from simsearch.errors import SimsearchError
from simsearch.search import Searcher
from simsearch.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "index-schema6"


def copy_fixture(tmp_path: Path) -> Path:
    """The schema-6 database made by simsearch at fc76f6f (make_fixture.py), copied: opening migrates it."""
    path = tmp_path / "index.db"
    shutil.copyfile(FIXTURE / "index.db", path)
    return path


def schema(path: Path) -> dict:
    """Every table's and index's columns (name, type, not null, default, primary key), and the
    triggers: what a database made by migrating must share with a new one."""
    conn = sqlite3.connect(path)
    try:
        objects = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                               "ORDER BY type, name").fetchall()
        columns = {name: conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall()
                   for kind, name in objects if kind == "table"}
        indexes = {name: conn.execute(f"PRAGMA index_xinfo('{name}')").fetchall()
                   for kind, name in objects if kind == "index"}
        return {"objects": objects, "columns": columns, "indexes": indexes}
    finally:
        conn.close()


def test_migrations_are_named_ordered_and_their_names_unique():
    names = [m.name for m in migrations.MIGRATIONS]
    assert len(set(names)) == len(names)
    # Numbered in order: a database records them by name, and applies them in this order.
    assert [int(name.split("_")[0]) for name in names] == list(range(1, len(names) + 1))
    # The names simsearch recorded before migrations had their own module: old databases upgrade by them.
    assert names[:6] == ["0001_documents_sentences_models_vectors", "0002_runs", "0003_ann_checksum", "0004_roots",
                         "0005_fts", "0006_extractor_version"]

    def m0002_runs(db):  # a second migration under a shipped name
        pass

    with pytest.raises(ValueError, match="two migrations named '0002_runs'"):
        migrations.migration(m0002_runs)
    assert [m.name for m in migrations.MIGRATIONS] == names


def test_an_index_made_by_the_previous_simsearch_upgrades_and_searches_the_same(tmp_path):
    expected = json.loads((FIXTURE / "expected.json").read_text())
    path = copy_fixture(tmp_path)
    before = sqlite3.connect(path)
    assert [n for (n,) in before.execute("SELECT name FROM _migrations ORDER BY id")] == \
        [m.name for m in migrations.MIGRATIONS[:expected["schema"]]]
    rows_before = {table: before.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                   for table in ("documents", "sentences", "vectors", "roots", "runs")}
    before.close()

    store = Store.open(path)
    try:
        assert store.schema_version() == len(migrations.MIGRATIONS) > expected["schema"]
        assert migrations.applied(store.db) == [m.name for m in migrations.MIGRATIONS]
        # Nothing lost: every row of the old tables is still there, column for column.
        for table, rows in rows_before.items():
            after = store.conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            assert [row[:len(rows[0])] for row in after] == rows, table
        assert store.counts() == expected["counts"] and list(store.roots()) == expected["roots"]
        [row] = store.models()
        assert (row.name, row.dim, row.pooler, row.generation) == tuple(
            expected["model"][key] for key in ("name", "dim", "pooler", "generation"))
        assert store.count_vectors(row.id) == expected["model"]["vectors"]
        assert row.precision == "fp32"  # 0007: every vector made before precisions existed was fp32
        assert store.check_fts() == []
        # The same searches give the same hits (vectors as queries: no model needed).
        searcher = Searcher(store, row, VectorIndex.open(store, row, save=False), ref=object())
        for case in expected["dense"]:
            hits = searcher.search_vector(np.array(case["query"], dtype=np.float32), k=5, context=0)
            assert [{"path": h.path, "line": h.line, "text": h.text} for h in hits] == \
                [{key: hit[key] for key in ("path", "line", "text")} for hit in case["hits"]]
            assert [h.score for h in hits] == pytest.approx([hit["score"] for hit in case["hits"]], abs=1e-5)
        text = dict(store.conn.execute("SELECT id, text FROM sentences"))
        for query, hits in expected["lexical"].items():
            found = store.lexical(query, 5)
            assert [text[i] for i, _ in found] == [t for t, _ in hits]
            assert [s for _, s in found] == pytest.approx([s for _, s in hits], abs=1e-5)
    finally:
        store.close()
    # Migrated, it has the schema a new database gets.
    assert schema(path) == schema(Store.open(tmp_path / "new.db").path)


def test_each_migration_step_keeps_the_schema_a_new_database_gets(tmp_path):
    """A database brought up one migration at a time, reopened between steps (as successive
    versions of simsearch would), ends with exactly the new database's schema."""
    path = tmp_path / "stepwise.db"
    for upto in range(1, len(migrations.MIGRATIONS) + 1):
        store = Store(path, sqlite3.connect(path, isolation_level=None))
        assert store.schema_version() == upto - 1
        store.migrate(upto=upto)
        assert migrations.applied(store.db) == [m.name for m in migrations.MIGRATIONS[:upto]]
        store.close()
    fresh = Store.open(tmp_path / "fresh.db")
    fresh.close()
    assert schema(path) == schema(tmp_path / "fresh.db")


def test_a_migration_that_fails_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(upto=len(migrations.MIGRATIONS) - 2)  # two migrations behind
    old.close()
    last = migrations.MIGRATIONS[-1]

    def broken(db):
        last.apply(db)
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS[:-1], migrations.Migration(last.name, broken)])
    with pytest.raises(RuntimeError, match="half-way"):
        Store.open(path)
    conn = sqlite3.connect(path)
    # The earlier pending migration committed; the failed one neither applied nor recorded.
    names = [n for (n,) in conn.execute("SELECT name FROM _migrations ORDER BY id")]
    assert last.name not in names
    assert names == [m.name for m in migrations.MIGRATIONS[:-1]]
    conn.close()
    monkeypatch.undo()
    store = Store.open(path)  # the next open applies it
    assert store.schema_version() == len(migrations.MIGRATIONS)
    store.close()


def test_a_database_with_a_migration_this_simsearch_does_not_know_is_refused(tmp_path):
    path = copy_fixture(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _migrations VALUES (50, '0050_from_the_future', 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(SimsearchError, match="newer simsearch"):
        Store.open(path)


def test_the_precision_column_defaults_to_fp32_for_models_indexed_before_it(tmp_path):
    path = tmp_path / "old.db"
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(upto=[m.name for m in migrations.MIGRATIONS].index("0007_model_precision"))
    for name in ("a", "b"):
        old.conn.execute("INSERT INTO models (name, path, fingerprint, dim, pooler, added_at, hnsw_space, hnsw_m, "
                         "hnsw_ef_construction, hnsw_ef) VALUES (?, '/m', 'fp', 4, 'avg', 't', 'cosine', 16, 200, 128)",
                         (name,))
    old.close()
    store = Store.open(path)
    assert [row.precision for row in store.models()] == ["fp32", "fp32"]
    with pytest.raises(sqlite3.IntegrityError):  # NOT NULL: a model's precision is always known
        store.conn.execute("UPDATE models SET precision = NULL")
    store.close()


def test_an_index_with_the_first_fts_tokenizer_gets_todays_and_searches_as_a_new_one(tmp_path, index_model):
    """Indexes made while the tokenizer was measured (plain unicode61) kept it after every later
    run; m0011 makes the table again. Oracle: lexical search over a fresh index of the same files."""
    from simsearch.indexer import index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The gardens were skipping stones.\nSet SIMSEARCH_DB to choose the file.\n"
                                "Her garden grows beans.\n")
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    for path in (fresh, old):
        store = Store.open(path)
        index(store, [docs], [str(index_model)], progress=False)
        store.close()
    conn = sqlite3.connect(old)
    with conn:  # what an index of that time held: the first tokenizer, no record of m0011
        for trigger in ("insert", "delete", "update"):
            conn.execute(f"DROP TRIGGER sentences_fts_{trigger}")
        conn.execute("DROP TABLE sentences_fts")
        conn.execute("CREATE VIRTUAL TABLE sentences_fts USING fts5(text, content='sentences', content_rowid='id', "
                     "tokenize='unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO sentences_fts (sentences_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM _migrations WHERE name = '0011_fts_tokenizer'")
    conn.close()
    queries = ["garden", "skip", "SIMSEARCH_DB", "stones", "bean"]

    def lexical(path):
        store = Store.open(path, create=False)
        try:
            searcher = Searcher.open(store, str(index_model), lexical_only=True)
            return [[hit.text for hit in searcher.search(q, 5, mode="lexical")] for q in queries]
        finally:
            store.close()

    answers = lexical(old)
    assert answers == lexical(fresh)
    assert sorted(answers[0]) == ["Her garden grows beans.", "The gardens were skipping stones."]  # stemmed
    assert schema(old)["objects"] == schema(fresh)["objects"]
    # Later writes keep it in step (the triggers are back).
    (docs / "b.txt").write_text("Gardening takes patience.\n")
    for path in (old, fresh):
        store = Store.open(path)
        index(store, [docs], [str(index_model)], progress=False)
        store.close()
    assert lexical(old) == lexical(fresh)
