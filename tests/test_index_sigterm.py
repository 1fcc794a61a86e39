"""SIGTERM stops `index` as Ctrl-C does (session 47, trial trial).

`timeout 40 simsearch index ~/notes` (SIGTERM) died mid-chunk: no message, exit status -15,
the vectors made since the last commit lost, and `status` said the run was "killed (its process
ended without finishing)". Ctrl-C saved them and said how to continue; training already treated
SIGTERM as Ctrl-C. The signal is sent from inside the run (at the third chunk's commit) so that
the test does not depend on timing.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import os, signal, sys
from pathlib import Path
from simsearch import indexer
from simsearch.cli import main
from simsearch.store import Store

indexer.EMBED_CHUNK = 2
real = Store.add_vectors
calls = {"n": 0}

def terminated_at_the_third_chunk(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] == 3:
        os.kill(os.getpid(), signal.SIGTERM)
    return real(self, *args, **kwargs)

Store.add_vectors = terminated_at_the_third_chunk
main(["index", sys.argv[1], "-m", sys.argv[2], "--db", sys.argv[3], "--vector-context", "0"])
"""


def _index_under(script: str, tmp_path, index_model):
    """A folder of 8 sentences indexed by ``script`` in a process of its own: (the folder, the
    index, the environment, the finished process)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n\n".join(f"Sentence number {i} about rivers." for i in range(8)) + "\n")
    db = tmp_path / "i.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script, str(docs), str(index_model), str(db)], env=env,
                          capture_output=True, text=True, timeout=300)
    return docs, db, env, done


def runs_and_vectors(db) -> tuple[list[tuple[str]], int]:
    """The index's runs' statuses and its vectors' count."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT status FROM runs").fetchall(), conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        conn.close()


def test_sigterm_while_embedding_saves_the_vectors_made_and_says_so(tmp_path, index_model):
    docs, db, env, done = _index_under(SCRIPT, tmp_path, index_model)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "interrupted;" in done.stderr and "Run the same command again to continue" in done.stderr, done.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()[0] == "interrupted"
        # every vector made when the signal came is kept (killed, the run kept the first chunks' 4)
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 8
    finally:
        conn.close()
    again = subprocess.run([sys.executable, "-m", "simsearch", "index", str(docs), "-m", str(index_model),
                            "--db", str(db), "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert list(json.loads(again.stdout)["encoded"].values()) == [0], again.stdout  # nothing left to make


# SCRIPT, and a second SIGTERM as the run is recorded
TWICE = SCRIPT.replace("Store.add_vectors = terminated_at_the_third_chunk\n", """\
Store.add_vectors = terminated_at_the_third_chunk
real_finish = Store.finish_run

def terminated_again_while_recording_the_run(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return real_finish(self, *args, **kwargs)

Store.finish_run = terminated_again_while_recording_the_run
""")
assert TWICE != SCRIPT


def test_a_second_sigterm_does_not_cut_short_what_the_first_saves(tmp_path, index_model):
    """Review 47: a second SIGTERM while the first's interruption was being recorded (``kill``
    sent again) stopped that too: the run stayed "running" (`status` called it killed) and the
    message was a bare "interrupted", not what was saved. The first one stops the run; the others
    wait until it has saved its work and said so."""
    _, db, _, done = _index_under(TWICE, tmp_path, index_model)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "interrupted; 1 new or changed file and 8 vectors" in done.stderr, done.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
    finally:
        conn.close()


def test_sigterm_as_ctrl_c_puts_back_the_handler_it_found(tmp_path):
    """Called as a library function (tests, the TUI's worker thread): the handler it found is
    there again after it, after a SIGTERM too; in another thread it sets nothing."""
    import signal
    import threading

    from simsearch.interrupt import sigterm_as_ctrl_c

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        for _ in range(2):
            try:
                with sigterm_as_ctrl_c():
                    os.kill(os.getpid(), signal.SIGTERM)
                    os.kill(os.getpid(), signal.SIGTERM)  # ignored: the first is being handled
                    for _ in range(1000):
                        pass
            except KeyboardInterrupt:
                pass
            assert signal.getsignal(signal.SIGTERM) is mine
        seen = []
        thread = threading.Thread(target=lambda: seen.append(sigterm_as_ctrl_c().__enter__() or
                                                             signal.getsignal(signal.SIGTERM)))
        thread.start()
        thread.join()
        assert seen == [mine]
    finally:
        signal.signal(signal.SIGTERM, previous)


CTRL_C = r"""
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job ignores SIGINT)
from simsearch import indexer
from simsearch.cli import main
from simsearch.store import Store

indexer.EMBED_CHUNK = 2
real_add, real_finish = Store.add_vectors, Store.finish_run
calls = {"n": 0}
again = [int(n) for n in sys.argv[4].split(",")]  # the add_vectors calls that press Ctrl-C (the 3rd: the first press)
finishing = int(sys.argv[5])  # presses while the run is recorded

def pressed(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] in again:
        os.kill(os.getpid(), signal.SIGINT)
    return real_add(self, *args, **kwargs)

def pressed_while_recording_the_run(self, *args, **kwargs):
    for _ in range(finishing):
        os.kill(os.getpid(), signal.SIGINT)
    return real_finish(self, *args, **kwargs)

Store.add_vectors = pressed
Store.finish_run = pressed_while_recording_the_run
main(["index", sys.argv[1], "-m", sys.argv[2], "--db", sys.argv[3], "--vector-context", "0"])
"""


def _ctrl_c(tmp_path, index_model, presses: str, finishing: int):
    return _index_under(CTRL_C.replace("sys.argv[4]", repr(presses)).replace("sys.argv[5]", str(finishing)),
                        tmp_path, index_model)


def test_a_second_ctrl_c_while_saving_says_so_and_saves(tmp_path, index_model):
    """Session 48: a second Ctrl-C while the first one's saving ran cut it short: pressed while the
    vectors made were committed (keep_pending), they were lost; pressed while the run was recorded,
    the run stayed "running" (`status`: "killed") and the message was a bare "interrupted". Now
    the second press says the run is still saving, and how to stop at once; the saving goes on."""
    for presses, finishing in (("3,4", 0), ("3", 1)):  # pressed again while committing, while recording
        (tmp_path / presses).mkdir()
        _, db, _, done = _ctrl_c(tmp_path / presses, index_model, presses, finishing)
        assert done.returncode == 130, (done.returncode, done.stderr)
        assert "still saving" in done.stderr and "press Ctrl-C again to stop at once" in done.stderr, done.stderr
        assert "interrupted; 1 new or changed file and 8 vectors" in done.stderr, done.stderr
        assert runs_and_vectors(db) == ([("interrupted",)], 8)


def test_a_third_ctrl_c_stops_at_once_and_leaves_nothing_half_written(tmp_path, index_model):
    """The third press stops at once (a saving that hangs: a slow disk): what it cut short is
    rolled back, never half-written; the index opens, `status` tells the truth, a re-run completes it."""
    docs, db, env, done = _ctrl_c(tmp_path, index_model, "3,4", 1)  # the third while the run is recorded
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "still saving" in done.stderr, done.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]  # (cut short as it was recorded)
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 8
    finally:
        conn.close()
    status = subprocess.run([sys.executable, "-m", "simsearch", "status", "--db", str(db)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert status.returncode == 0 and "8 sentences" in status.stdout, (status.stdout, status.stderr)
    assert "last run: killed (its process ended without finishing)" in status.stdout, status.stdout
    again = subprocess.run([sys.executable, "-m", "simsearch", "index", str(docs), "-m", str(index_model),
                            "--db", str(db), "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert list(json.loads(again.stdout)["encoded"].values()) == [0], again.stdout
    fresh = tmp_path / "fresh.db"
    made = subprocess.run([sys.executable, "-m", "simsearch", "index", str(docs), "-m", str(index_model), "--db",
                           str(fresh), "--vector-context", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr

    def found(index):
        out = subprocess.run([sys.executable, "-m", "simsearch", "search", "number 3 about rivers", "--db", str(index),
                              "--json", "-k", "8"], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return [(hit["text"], hit["line"], round(hit["score"], 6)) for hit in map(json.loads, out.stdout.splitlines())]

    assert found(db) == found(fresh) and len(found(db)) == 8


AROUND = r"""
import os, signal, sys
import simsearch.models, simsearch.indexer
from simsearch.cli import main

where = sys.argv[4]
if where == "resolving":  # a new index: its models are resolved (and may download) before it is made
    real_resolve = simsearch.models.resolve_model
    def resolve(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return real_resolve(*args, **kwargs)
    simsearch.models.resolve_model = resolve
else:  # the summary, after index() returned
    real_index = simsearch.indexer.index
    def index(*args, **kwargs):
        report = real_index(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return report
    simsearch.indexer.index = index
main(["index", sys.argv[1], "-m", sys.argv[2], "--db", sys.argv[3], "--vector-context", "0"])
"""


def test_sigterm_before_or_after_the_run_proper_stops_as_ctrl_c(tmp_path, index_model):
    """Session 48: SIGTERM while `index` resolved a new index's models, or while it printed its
    summary, killed the process silently (exit -15, no word); only `index()` itself took it as Ctrl-C."""
    for where in ("resolving", "summary"):
        (tmp_path / where).mkdir()
        _, db, _, done = _index_under(AROUND.replace("sys.argv[4]", repr(where)), tmp_path / where, index_model)
        assert done.returncode == 130, (where, done.returncode, done.stderr)
        assert done.stderr.strip().endswith("interrupted") and "Traceback" not in done.stderr, (where, done.stderr)
        if where == "resolving":
            assert not db.exists(), where  # refused before anything was written: no index
        else:
            assert runs_and_vectors(db) == ([("done",)], 8)


def test_a_stop_while_the_handlers_are_set_or_put_back_leaves_none_behind(monkeypatch):
    """Review 48: a SIGTERM just as `sigterm_as_ctrl_c` set its handler (before its ``try``) raised
    out of it with its handler left in place and the block's state "stopping": every later SIGTERM
    of the process was ignored (a library caller, the TUI), and no later block stopped on one. One
    that comes as the block ends is raised after the handlers are put back."""
    import signal

    from simsearch import interrupt
    from simsearch.interrupt import sigterm_as_ctrl_c

    def mine(signum, frame):
        pass

    real = signal.signal
    at = {"set": None}

    def setting(signum, handler):
        old = real(signum, handler)
        if (signum, handler is interrupt._stop) == at["set"]:
            at["set"] = None
            os.kill(os.getpid(), signal.SIGTERM)  # delivered as this returns
        return old

    previous = real(signal.SIGTERM, mine)
    previous_int = real(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job ignores it)
    monkeypatch.setattr(signal, "signal", setting)
    try:
        for moment in [(signal.SIGTERM, True), (signal.SIGINT, True), (signal.SIGINT, False)]:
            at["set"] = moment  # as the block sets each handler, and as it puts back the first
            try:
                with sigterm_as_ctrl_c():
                    for _ in range(1000):
                        pass
            except KeyboardInterrupt:
                pass
            else:
                raise AssertionError(f"the SIGTERM at {moment} was lost")
            assert signal.getsignal(signal.SIGTERM) is mine, moment
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, moment
            assert not interrupt._held, moment
        with pytest.raises(KeyboardInterrupt):  # a later block stops on SIGTERM as the first did
            with sigterm_as_ctrl_c():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):
                    pass
    finally:
        real(signal.SIGTERM, previous)
        real(signal.SIGINT, previous_int)
