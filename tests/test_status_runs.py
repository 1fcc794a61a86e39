"""`status` tells the truth about the last run, however it ended.

- A run killed (SIGKILL) in the middle of encoding is "killed", not "running", as soon as its
  process is gone, before any later `index` marks it so; a run whose process is alive is "running".
- A run interrupted (Ctrl-C) while encoding counts the sentences it encoded and committed (the
  oracle: the vectors the database holds), not 0.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from simsearch.indexer import writer_lock
from simsearch.store import Store

from .test_index import write_docs


def _index_dying_on_second_chunk(docs: Path, model: Path, db: Path, how: str) -> subprocess.CompletedProcess:
    """`simsearch index` in a child whose encoder SIGKILLs it (or raises KeyboardInterrupt, as
    Ctrl-C does) on its second chunk of 4 sentences, the first chunk committed."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        import simsearch.indexer as indexer
        from simsearch.store import Store
        indexer.EMBED_CHUNK = 4
        calls = []
        real = Store.add_vectors
        def add_vectors(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the second chunk's vectors are encoded, never written
                if {how!r} == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)
        Store.add_vectors = add_vectors
        from simsearch.cli import main
        sys.exit(main(["index", {str(docs)!r}, "--db", {str(db)!r}, "-m", {str(model)!r}, "--device", "cpu"]))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def _vectors(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        conn.close()


def test_a_killed_run_is_killed_and_a_live_one_running(tmp_path, run_cli, index_model):
    docs = write_docs(tmp_path / "docs", 6)
    db = tmp_path / "index.db"
    done = _index_dying_on_second_chunk(docs, index_model, db, "kill")
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert _vectors(db) == 4
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out)["last_run"]["status"] == "killed"
    code, out, _ = run_cli("status", "--db", db)
    assert "last run: killed" in " ".join(out.split())
    # The same row while a live process holds the writer lock: running.
    store = Store.open(db, create=False)
    with writer_lock(store):
        code, out, _ = run_cli("status", "--db", db, "--json")
        assert json.loads(out)["last_run"]["status"] == "running"
        # It has counted no file as seen yet: said so by saying nothing (was "0 files seen, 6 new or changed").
        code, out, _ = run_cli("status", "--db", db)
        assert "last run: running" in " ".join(out.split()) and "files seen" not in " ".join(out.split())
    store.close()
    # The next index marks it and finishes the work.
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    code, out, _ = run_cli("status", "--db", db, "--json")
    assert json.loads(out)["last_run"]["status"] == "done"


def test_an_interrupted_run_counts_what_it_encoded(tmp_path, run_cli, index_model):
    docs = write_docs(tmp_path / "docs", 6)
    db = tmp_path / "index.db"
    done = _index_dying_on_second_chunk(docs, index_model, db, "interrupt")
    assert done.returncode == 130, (done.returncode, done.stderr)
    code, out, err = run_cli("status", "--db", db, "--json")
    run = json.loads(out)["last_run"]
    assert run["status"] == "interrupted"
    # The Ctrl-C cut the second chunk's commit short: every vector made by then is written, in
    # a commit of its own (session 42), and counted once (12 sentences; the kill above keeps 4).
    assert run["sentences_encoded"] == _vectors(db) == 12


def test_status_json_gives_the_last_runs_folders_and_models_as_lists(tmp_path, run_cli, index_model):
    """Found by a user trial on Click's docs (session 34): ``status --json``'s ``last_run`` gave
    ``roots`` and ``models`` as the database column holds them, JSON text inside the JSON
    (``"roots": "[\\"/tmp/docs\\"]"``), so a script had to decode them twice. They are lists now,
    as ``roots`` and ``models`` at the top level are."""
    docs = write_docs(tmp_path / "docs", 2)
    db = tmp_path / "index.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["last_run"]["roots"] == [root["path"] for root in info["roots"]]
    assert info["last_run"]["models"] == [model["name"] for model in info["models"]]
