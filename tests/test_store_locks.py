"""The header check must never drop this process's SQLite locks: variants of
tests/test_tui_hunt.py::test_a_second_store_open_in_one_process_does_not_orphan_the_first_ones_wal."""

from __future__ import annotations

import errno
import threading
from pathlib import Path

import pytest

from simsearch import store as store_module
from simsearch.errors import SimsearchError
from simsearch.store import Store

from .test_tui_hunt import _write_from_another_process


def _assert_still_sees_writes(db: Path, reader: Store) -> None:
    _write_from_another_process(db, "one")
    assert Path(f"{db}-wal").exists(), "the writer deleted the WAL under an open connection"
    _write_from_another_process(db, "two")
    tables = {row[0] for row in reader.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"one", "two"} <= tables, "the open connection no longer sees what is committed"


def test_a_pane_store_opened_on_a_worker_thread_keeps_the_apps_locks(tmp_path):
    """The TUI's shape: the app's store on the main thread, each pane's on a worker thread."""
    db = tmp_path / "index.db"
    Store.open(db).close()
    app_store = Store.open(db, create=False, readonly=True)
    app_store.conn.execute("SELECT count(*) FROM documents").fetchone()
    panes: list[Store] = []
    workers = [threading.Thread(target=lambda: panes.append(Store.open(db, create=False, readonly=True)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    try:
        assert len(panes) == 2
        _assert_still_sees_writes(db, app_store)
    finally:
        for pane in panes:
            pane.close()
        app_store.close()


@pytest.mark.parametrize("when", ["as the open fails", "as its count is taken back"])
def test_a_failed_open_is_still_counted_until_its_connection_is_closed(tmp_path, monkeypatch, when):
    """Was: `Store.open` released its claim *before* the failing connection was closed, which (WAL
    mode) holds a SHARED lock by then. An open on another thread in that instant sees a count of
    0 and runs the header check: its close drops the failing connection's OS lock, while SQLite's
    per-process inode record still says SHARED, so the new connection takes no OS lock of its own
    (SQLite shares the inode's lock between connections). The failing connection then closes, and
    the survivor holds no lock at all. The other open comes at the failure, and again just after
    the failing open's count is taken back (by then its connection must be closed)."""
    db = tmp_path / "index.db"
    Store.open(db).close()
    survivors: list[Store] = []
    real_abandon, real_release, real_migrate = store_module._abandon_open, store_module._release, Store.migrate
    failing = [True]

    def another_open():
        failing[0] = False
        survivors.append(Store.open(db, create=False, readonly=True))

    def abandon_open(conn, claimed, path, exc):
        if failing[0] and when == "as the open fails":
            another_open()
        real_abandon(conn, claimed, path, exc)

    def release(identity):
        real_release(identity)
        if failing[0] and when == "as its count is taken back":
            another_open()

    def failing_migrate(self, upto=None):
        if not failing[0]:
            return real_migrate(self, upto)
        self.conn.execute("SELECT count(*) FROM documents").fetchone()  # what a migration reads first
        raise SimsearchError("the upgrade failed")

    monkeypatch.setattr(store_module, "_abandon_open", abandon_open)
    monkeypatch.setattr(store_module, "_release", release)
    monkeypatch.setattr(Store, "migrate", failing_migrate)
    with pytest.raises(SimsearchError, match="the upgrade failed"):
        Store.open(db, create=False)
    monkeypatch.undo()
    assert survivors
    try:
        survivors[0].conn.execute("SELECT count(*) FROM documents").fetchone()
        _assert_still_sees_writes(db, survivors[0])
    finally:
        survivors[0].close()


def test_an_index_made_in_place_is_counted_from_its_connection_on(tmp_path, monkeypatch):
    """Where the file system has no hard links, `Store.open` makes the index in place and claims
    it only after the whole open (migrations included) succeeded: an open on another thread
    meanwhile runs the header check and drops the first connection's locks."""
    db = tmp_path / "index.db"

    linked: list[bool] = []

    def no_links(*args, **kwargs):
        linked.append(True)
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(store_module.os, "link", no_links)
    others: list[Store] = []
    real_migrate = Store.migrate

    def migrate_then_another_open(self, upto=None):
        real_migrate(self, upto)
        if linked and linked[0]:  # (not _create's staging) a worker thread opening the same index meanwhile
            linked[0] = False
            others.append(Store.open(db, create=False, readonly=True))

    monkeypatch.setattr(Store, "migrate", migrate_then_another_open)
    first = Store.open(db)
    monkeypatch.undo()
    try:
        first.conn.execute("SELECT count(*) FROM documents").fetchone()
        _assert_still_sees_writes(db, first)
    finally:
        first.close()
        for other in others:
            other.close()


def test_a_store_dropped_without_close_does_not_disable_the_check_forever(tmp_path):
    """Most commands (and every TUI pane) never call `close`: the connection goes with the
    object, the count stays. An empty file at the same inode later is then not called empty."""
    db = tmp_path / "index.db"
    Store.open(db).close()
    leaked = Store.open(db, create=False, readonly=True)
    del leaked  # what cli.search / cli.status / a reloaded pane do
    import gc
    gc.collect()
    db.write_bytes(b"")  # the same inode, emptied in place
    with pytest.raises(SimsearchError, match="is an empty file"):
        Store.open(db, create=False)


def test_the_index_inside_an_indexed_folder_is_never_read_as_a_document(tmp_path, index_model, run_cli):
    """`--db notes/index.txt` (or a link to the index under a text name): the indexer skipped it
    as binary, but only after reading it, and closing it dropped the run's own SQLite locks."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("The cat sat on the mat.\n")
    db = notes / "index.txt"
    (notes / "link.md").symlink_to(db)
    reads = []
    real_read_bytes = Path.read_bytes

    def read_bytes(self):
        reads.append(self.name)
        return real_read_bytes(self)

    runs = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_bytes", read_bytes)
        for _ in range(2):  # a first run and an incremental one
            code, out, err = run_cli("index", notes, "--db", db, "-m", index_model, "--json")
            assert code == 0, err
            runs.append(out + err)
    assert "index.txt" not in reads and "link.md" not in reads and "a.txt" in reads
    assert "the index database itself" in runs[0]  # said, as every skip is
    store = Store.open(db, create=False, readonly=True)
    try:
        assert [row[0] for row in store.conn.execute("SELECT count(*) FROM sentences")] == [1]
    finally:
        store.close()
