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
