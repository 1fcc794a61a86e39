"""What a killed process leaves behind is cleaned up by the next one, and nothing else is.

A new index is built in a hidden file beside ``--db`` and hard-linked into place
(``Store._create``). SIGKILL between building and cleaning up left that file for good;
now the next run that creates an index there, or writes to one (``index`` under its
writer lock), removes such files once their process is gone. A file of a live process,
one touched in the last minute, or any other name is left alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from simsearch.store import STAGING_GRACE_SECONDS, Store, remove_dead_staging


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def _kill_inside_create(db: Path, after_link: bool) -> list[Path]:
    """Run ``Store.open(db)`` in a child that SIGKILLs itself just before (or just after) the
    hard link that publishes the new index; return the hidden files it left."""
    code = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        import simsearch.store as store
        real_link = os.link
        def link(src, dst):
            if {after_link!r}:
                real_link(src, dst)
            os.kill(os.getpid(), signal.SIGKILL)
        store.os.link = link
        store.Store.open(Path({str(db)!r}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert result.returncode == -9, result.stderr.decode()
    return sorted(db.parent.glob(".simsearch-new-*"))


def test_a_create_killed_before_its_link_leaves_a_file_the_next_create_removes(tmp_path):
    db = tmp_path / "index.db"
    left = _kill_inside_create(db, after_link=False)
    assert left and not db.exists()
    for path in left:
        _age(path, STAGING_GRACE_SECONDS + 5)
    Store.open(db).close()
    assert db.exists()
    assert not list(tmp_path.glob(".simsearch-new-*"))


def test_a_create_killed_after_its_link_leaves_a_file_the_next_index_run_removes(tmp_path, run_cli, index_model):
    db = tmp_path / "index.db"
    left = _kill_inside_create(db, after_link=True)
    assert left and db.exists()
    for path in left:
        _age(path, STAGING_GRACE_SECONDS + 5)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The cat sat on the mat.\n")
    code, _, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0, err
    assert not list(tmp_path.glob(".simsearch-new-*"))
    # the index the killed process published is whole and in use
    code, out, err = run_cli("search", "cat", "--db", db, "-m", index_model, "--device", "cpu", "--json")
    assert code == 0, err
    assert "The cat sat on the mat." in out


def test_only_dead_old_staging_files_are_removed(tmp_path):
    dead = _dead_pid()
    names = {
        "dead-old": f".simsearch-new-{dead}-0123abcd.db",
        "dead-old-wal": f".simsearch-new-{dead}-0123abcd.db-wal",
        "dead-recent": f".simsearch-new-{dead}-89abcdef.db",
        "alive-old": f".simsearch-new-{os.getpid()}-0123abcd.db",
        "user-a": f".simsearch-new-{dead}-0123abcd.db.bak",
        "user-b": f"simsearch-new-{dead}-0123abcd.db",
        "user-c": f".simsearch-new-{dead}-XYZ.db",
    }
    for key, name in names.items():
        path = tmp_path / name
        path.write_text(key)
        if key != "dead-recent":
            _age(path, STAGING_GRACE_SECONDS + 5)
    (tmp_path / f".simsearch-new-{dead}-00000000.db").mkdir()  # not a file: left alone
    _age(tmp_path / f".simsearch-new-{dead}-00000000.db", STAGING_GRACE_SECONDS + 5)
    removed = remove_dead_staging(tmp_path)
    assert sorted(p.name for p in removed) == sorted([names["dead-old"], names["dead-old-wal"]])
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {n for k, n in names.items() if not k.startswith("dead-old")} | {f".simsearch-new-{dead}-00000000.db"}
    for key, name in names.items():
        if not key.startswith("dead-old"):
            assert (tmp_path / name).read_text() == key


def test_names_with_numbers_no_process_can_have_are_no_traceback(tmp_path, run_cli):
    huge = tmp_path / ".simsearch-new-99999999999999999999-deadbeef.db"  # not a name simsearch makes
    big = tmp_path / ".simsearch-new-9999999999-deadbeef.db"  # past any process number: dead
    for path in (huge, big):
        path.write_text("x")
        _age(path, STAGING_GRACE_SECONDS + 5)
    store = Store.open(tmp_path / "index.db")
    assert huge.exists() and not big.exists()
    store.start_run([str(tmp_path)], [])  # a run marked running: status asks whether its process lives
    store.close()
    for text in ("99999999999999999999", "\u00b2", "-1", "", "garbage"):  # a damaged lock file
        (tmp_path / "index.db.lock").write_text(text)
        code, out, err = run_cli("status", "--db", tmp_path / "index.db", "--json")
        assert code == 0, err
        assert json.loads(out)["last_run"]["status"] == "killed"
