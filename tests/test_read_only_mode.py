"""An index whose file has no write bit (``chmod 444``) is not written, whoever runs simsearch:
root too, whom ``os.access`` lets write anything (session 50, trial left)."""

from __future__ import annotations

import gc
import hashlib
import os


def _indexed_note(tmp_path, index_model, run_cli):
    """A folder of one note, indexed: (the folder, the index)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Rivers run to the sea. Lakes are still.\n")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--vector-context", "0")
    assert code == 0, err
    return notes, db


def test_an_index_with_no_write_bit_is_read_not_written(tmp_path, index_model, run_cli):
    """Was: as root, `simsearch index notes --db ro.db` on a `chmod 444` index added the new file's
    sentences to it and said "indexed 1 new"."""
    notes, db = _indexed_note(tmp_path, index_model, run_cli)
    gc.collect()  # (the run's connection, if still open in this process, checkpoints as it is collected)
    os.chmod(db, 0o444)
    data, beside = hashlib.sha256(db.read_bytes()).hexdigest(), sorted(os.listdir(tmp_path))
    (notes / "b.txt").write_text("Glaciers carve the valleys.\n")
    code, out, err = run_cli("index", notes, "--db", db)
    assert code == 2 and err.strip().endswith("the database is read-only; nothing was written"), (code, err)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == data
    assert sorted(os.listdir(tmp_path)) == beside
    code, out, err = run_cli("search", "rivers", "-m", index_model, "--db", db, "-k", "1", "--json")
    assert code == 0 and '"Rivers run to the sea."' in out, err  # read as it is
    os.chmod(db, 0o644)
    code, _, err = run_cli("index", notes, "--db", db)
    assert code == 0 and "1 new" in err + _, err


def test_a_shm_left_by_a_read_only_open_does_not_keep_the_index_read_only_once_writable(tmp_path, index_model,
                                                                                          run_cli):
    """Was: an index left with a ``-wal`` (a writer killed) and made read-only was read by `search`
    (``mode=ro``, root too since session 50), and SQLite made its ``-shm`` with the file's mode of
    then, 444; after ``chmod u+w`` the owner's `index` said "the database is read-only; nothing was
    written" of a file that was not, for ever: SQLite opened the index read-only through the
    ``-shm`` it could not write. A writable open gives that ``-shm`` the file's write bits again.
    (As root, SQLite writes the 444 ``-shm`` all the same: the mode is checked while the index is
    open; the command that failed is run as any other user.)"""
    import stat
    import subprocess
    import sys

    from simsearch.store import Store

    notes, db = _indexed_note(tmp_path, index_model, run_cli)
    gc.collect()  # (the run's connection, if still open in this process, is closed: it would remove the -wal)
    subprocess.run([sys.executable, "-c", "import os, sqlite3, sys\n"  # a writer killed: its -wal stays
                    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                    "conn.execute('PRAGMA wal_autocheckpoint=0')\n"
                    "conn.execute('UPDATE documents SET path = path')\n"
                    "os._exit(0)", str(db)], check=True)
    shm = tmp_path / "i.db-shm"
    shm.unlink()
    os.chmod(db, 0o444)
    code, out, err = run_cli("search", "rivers", "-m", index_model, "--db", db, "-k", "1", "--json")
    assert code == 0 and '"Rivers run to the sea."' in out, err
    assert stat.S_IMODE(os.stat(shm).st_mode) == 0o444  # (SQLite's: the -wal is read through it)
    os.chmod(db, 0o644)
    store = Store.open(db, create=False)
    try:
        assert stat.S_IMODE(os.stat(shm).st_mode) == 0o644
    finally:
        store.close()
    (notes / "b.txt").write_text("Glaciers carve the valleys.\n")
    code, out, err = run_cli("index", notes, "--db", db)
    assert code == 0 and "1 new" in err + out, err
