"""An index whose file has no write bit (``chmod 444``) is not written, whoever runs simsearch:
root too, whom ``os.access`` lets write anything (session 50, trial left)."""

from __future__ import annotations

import hashlib
import os


def test_an_index_with_no_write_bit_is_read_not_written(tmp_path, index_model, run_cli):
    """Was: as root, `simsearch index notes --db ro.db` on a `chmod 444` index added the new file's
    sentences to it and said "indexed 1 new"."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Rivers run to the sea. Lakes are still.\n")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--vector-context", "0")
    assert code == 0, err
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
