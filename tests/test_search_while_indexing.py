"""`simsearch search` while another command writes the index (session 38).

Was: a search beside a running `simsearch index` said nothing (a warning came only when a
model's vectors were missing), though its results could miss the files not indexed yet and show
changed files as they were. It now says so in one line on stderr, and `--json`'s records carry
it as a field (stdout stays JSON alone). The run is held here as the indexer holds it: its
writer lock, taken in this process (``indexer.writer_alive`` reads the holder's process id).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simsearch.indexer import writer_lock
from simsearch.store import Store

WARNING = ("warning: an index run is in progress on idx.db: results may miss files not yet indexed, and show changed "
           "files as they were; search again when it is done")


@pytest.fixture
def indexed(tmp_path, index_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sat on the mat. A dog ran in the park.\n")
    (tmp_path / "q.txt").write_text("cat\ndog\n")
    code, _, err = run_cli("index", "a.txt", "--db", "idx.db", "-m", index_model, "--device", "cpu")
    assert code == 0, err
    return tmp_path


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_search_says_in_one_line_that_an_index_run_is_in_progress(indexed, run_cli, mode):
    search = ("search", "--db", "idx.db", "-k", "1", "--mode", mode, "--device", "cpu")
    store = Store.open(indexed / "idx.db", create=False)
    try:
        with writer_lock(store):
            code, out, err = run_cli(*search, "cat")
            assert code == 0 and "The cat sat on the mat." in out
            assert err.splitlines() == [WARNING], err
            for args in (("cat", "--json"), ("--queries", "q.txt")):  # NDJSON: the warning is a field, not a line
                code, out, err = run_cli(*search, *args)
                records = [json.loads(line) for line in out.splitlines()]
                assert code == 0 and records and all(r["index_in_progress"] is True for r in records), out
                assert err.splitlines() == [WARNING], err
    finally:
        store.close()
    code, out, err = run_cli(*search, "cat", "--json")  # the run over: nothing said, the field false
    assert code == 0 and err == "" and json.loads(out)["index_in_progress"] is False, err


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="a process's start time is read from /proc")
def test_a_lock_file_left_by_a_killed_run_whose_number_another_process_took_is_no_run(indexed, run_cli):
    """A run killed (SIGKILL, the OOM killer, a power cut) leaves its process id in the lock file, and a
    process started since can have that number: after a reboot, or in a container, where each run
    starts at the same number (the search itself). Was: search said "an index run is in progress" on
    every search until the next `index`, and status called the killed run running. A process that
    started after the number was written is not the one that wrote it."""
    from simsearch.store import Store

    store = Store.open(indexed / "idx.db", create=False)
    store.start_run([str(indexed)], [])  # the killed run's row: status asks whether its process lives
    store.close()
    lock = indexed / "idx.db.lock"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(f"{other.pid}\n")
        written = time.time() - 3600  # the killed run took the lock an hour ago
        os.utime(lock, (written, written))
        code, out, err = run_cli("search", "--db", "idx.db", "-k", "1", "--mode", "lexical", "cat", "--json")
        assert code == 0 and err == "" and json.loads(out)["index_in_progress"] is False, err
        code, out, err = run_cli("status", "--db", "idx.db", "--json")
        assert code == 0 and json.loads(out)["last_run"]["status"] == "killed", err
    finally:
        other.kill()
        other.wait()


def test_eval_retrieval_says_its_figures_came_while_an_index_run_was_writing(indexed, run_cli):
    """Figures measured while `index` writes are of an index half old, half new: a before/after
    comparison must not take them for the index's own. Was: eval retrieval said nothing."""
    (indexed / "q.jsonl").write_text(json.dumps({"query": "cat", "relevant": ["a.txt"]}) + "\n")
    evaluate = ("eval", "retrieval", "q.jsonl", "--db", "idx.db", "--mode", "lexical", "--mode", "hybrid",
                "--device", "cpu", "--json")
    warning = WARNING.replace("search again", "evaluate again")
    store = Store.open(indexed / "idx.db", create=False)
    try:
        with writer_lock(store):
            code, out, err = run_cli(*evaluate)
            rows = [json.loads(line) for line in out.splitlines()]
            assert code == 0 and len(rows) == 2 and all(row["index_in_progress"] is True for row in rows), out
            assert err.splitlines() == [warning], err
            code, out, err = run_cli(*evaluate[:-1])  # the table: the same one line on stderr
            assert code == 0 and "Retrieval" in out and err.splitlines() == [warning], err
    finally:
        store.close()
    code, out, err = run_cli(*evaluate)
    assert code == 0 and err == "" and all(json.loads(line)["index_in_progress"] is False for line in out.splitlines())
