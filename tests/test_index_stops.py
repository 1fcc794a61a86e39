"""`index` stopped (Ctrl-C, SIGTERM) at each point of its end: what it leaves is what the docs say
(session 49, trial stops).

The stop is a real signal, sent by the process to itself from inside the function named (so the
test does not depend on timing), and handled by the command's own handlers (``interrupt``). The
oracle: after any stop, `status` says what happened (never "killed" of a run whose process
handled the stop), a refused first command leaves no index, and the same command run again
makes the index an uninterrupted run makes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from simsearch import cli, indexer, interrupt
from simsearch.store import Store


@pytest.fixture(autouse=True)
def _ctrl_c_as_in_a_terminal():
    """Python's own SIGINT handler (a background job ignores SIGINT), put back after each test."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _stop_in(monkeypatch, owner, name: str, signals: list[int], *, after: bool = False) -> None:
    """Send ``signals`` to this process as ``owner.name`` is called (or as it returns), once."""
    real = getattr(owner, name)
    sent = []

    def send():
        if not sent:
            sent.append(True)
            for signum in signals:
                os.kill(os.getpid(), signum)

    def stopped(*args, **kwargs):
        if not after:
            send()
        result = real(*args, **kwargs)
        if after:
            send()
        return result

    monkeypatch.setattr(owner, name, stopped)


def _contents(db: Path) -> list[tuple]:
    """The index as a user searches it: each file's sentences, in order, with their vectors."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT d.path, d.skip_reason, s.ordinal, s.text, v.embedding FROM documents d "
            "LEFT JOIN sentences s ON s.document_id = d.id LEFT JOIN vectors v ON v.sentence_id = s.id "
            "ORDER BY d.path, s.ordinal").fetchall()
    finally:
        conn.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# Where a refused first command (given only a file it cannot read) can be stopped once it has read it.
REFUSED_STOPS = [
    (indexer, "includes_not_indexed", False),  # the file read, before the vectors
    (Store, "finish_run", False),  # the run's end being recorded
    (indexer, "none_of_the_files_read", True),  # its refusal decided, the index not yet removed
    (cli, "_discard_refused", False),
    (indexer, "discard_unused", False),
    (Store, "discard_unused", False),
    (Store, "close", False),
]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("owner,name,after", REFUSED_STOPS, ids=[f"{o.__name__}.{n}" for o, n, _ in REFUSED_STOPS])
def test_a_refused_first_command_leaves_no_index_wherever_it_is_stopped(tmp_path, index_model, run_cli, monkeypatch,
                                                                        owner, name, after, signum):
    """Session 49: stopped while its refusal was recorded or while its new index was removed, a
    first `index binary.txt` left the index (a run "done" or "refused" with the file's skip, and
    its lock file): the same command then found an index there and kept it, refused for good.
    Now the stop waits until the removal is done, and says so: exit 130, no index, no folder."""
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    db = tmp_path / "new" / "i.db"
    _stop_in(monkeypatch, owner, name, [signum], after=after)
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db, "--vector-context", "0")
    assert code == 130, (code, err)
    assert "interrupted" in err and "no index was made" in err and "Traceback" not in err, err
    assert not (tmp_path / "new").exists(), _leftovers(tmp_path / "new")
    monkeypatch.undo()
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db, "--vector-context", "0")
    assert code == 2 and err.strip().endswith("no index was made"), err  # as an uninterrupted run
    assert not (tmp_path / "new").exists()

def each_signal_at(points):
    """The test once per stop point (``owner.name``, before it or after it) and signal."""
    def decorate(test):
        test = pytest.mark.parametrize("owner,name,after", points,
                                       ids=[f"{o.__name__}.{n}{' (after)' if a else ''}" for o, n, a in points])(test)
        return pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])(test)
    return decorate


# Where a run that indexes can be stopped around the recording of its start and its end.
RUN_STOPS = [
    (Store, "start_run", False),  # before the start's commit: rolled back, no run
    (Store, "names_upgrade_dropped", False),  # just after it: was before the run's ``try``
    (indexer, "includes_not_indexed", False),
    (Store, "finish_run", False),
    (Store, "finish_run", True),
    (indexer, "none_of_the_files_read", True),
    (cli, "_discard_refused", True),
]


@each_signal_at(RUN_STOPS)
def test_a_stop_as_the_run_is_recorded_is_told_by_status_and_a_rerun_completes_it(
        tmp_path, index_model, run_cli, monkeypatch, owner, name, after, signum):
    """Session 49: a stop as the run's end was recorded (``finish_run``, a millisecond) rolled the
    record back, and one just after its start was recorded came before the run's ``try``: either
    way the run stayed "running", and `status` said "killed (its process ended without
    finishing)" of a run that had saved its work and said so. Now a stop there waits until the
    record is written; `status` says "done" or "interrupted", and the same command run again makes
    the index an uninterrupted run makes."""
    from simsearch.indexer import index_status

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"n{i}.txt").write_text(f"Note {i} about rivers and lakes. A second sentence of note {i}.\n")
    db, fresh = tmp_path / "i.db", tmp_path / "fresh.db"
    command = ["index", docs, "-m", index_model, "--vector-context", "0", "--db"]
    _stop_in(monkeypatch, owner, name, [signum], after=after)
    code, out, err = run_cli(*command, db)
    assert code == 130 and "Traceback" not in err, (code, err)
    monkeypatch.undo()
    if not db.exists():  # stopped before the run's start was committed: nothing written, no index
        assert "no index was made" in err, err
    else:
        store = Store.open(db, create=False)
        try:
            assert index_status(store)["last_run"]["status"] in ("done", "interrupted")
            assert "running" not in [run["status"] for run in store.db.query("SELECT status FROM runs")]
        finally:
            store.close()
        code, out, err = run_cli("status", "--db", db)
        assert code == 0 and "killed" not in out, out
    assert run_cli(*command, db)[0] == 0
    assert run_cli(*command, fresh)[0] == 0
    assert _contents(db) == _contents(fresh) and len(_contents(fresh)) == 6


SEQUENCES = {
    # first stop while embedding (the 3rd chunk), then another at the 4th chunk's commit
    "sigterm then ctrl-c": ([signal.SIGTERM], [signal.SIGINT]),
    "ctrl-c then sigterm": ([signal.SIGINT], [signal.SIGTERM]),
    "sigterm, ctrl-c, ctrl-c": ([signal.SIGTERM], [signal.SIGINT, signal.SIGINT]),
    "ctrl-c, sigterm, ctrl-c": ([signal.SIGINT], [signal.SIGTERM, signal.SIGINT]),
}


@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_sigterm_and_ctrl_c_mixed_count_as_the_docs_say(tmp_path, index_model, run_cli, monkeypatch, sequence):
    """The first stop, SIGTERM or Ctrl-C, stops the run and its saving starts; a SIGTERM after it
    is ignored, a Ctrl-C after it is the second ("still saving …"), and a third stop, a Ctrl-C,
    stops at once, rolling back what it cut short: never anything half-written, and a re-run
    makes the index an uninterrupted run makes."""
    first, then = SEQUENCES[sequence]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n\n".join(f"Sentence number {i} about rivers." for i in range(8)) + "\n")
    db, fresh = tmp_path / "i.db", tmp_path / "fresh.db"
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 2)
    real, calls = Store.add_vectors, []

    def add_vectors(self, *args, **kwargs):
        calls.append(None)
        for signum in {3: first, 4: then}.get(len(calls), []):
            os.kill(os.getpid(), signum)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "add_vectors", add_vectors)
    command = ["index", docs, "-m", index_model, "--vector-context", "0", "--db"]
    code, out, err = run_cli(*command, db)
    monkeypatch.undo()
    assert code == 130 and "Traceback" not in err, (code, err)
    presses_after = [s for s in then if s == signal.SIGINT]
    assert ("still saving" in err) == bool(presses_after), err
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = conn.execute("SELECT status FROM runs").fetchall()
        vectors = conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
    finally:
        conn.close()
    if len(presses_after) < 2:  # saved: the vectors made when the first stop came (4 chunks of 2)
        assert runs == [("interrupted",)] and vectors == 8, (runs, vectors)
        assert "interrupted; 1 new or changed file and 8 vectors" in err, err
    else:  # the third stop cut the saving short: what it cut was rolled back, the rest is whole
        assert runs in ([("interrupted",)], [("running",)]) and vectors in (4, 6, 8), (runs, vectors)
    assert run_cli(*command, db)[0] == 0
    assert run_cli(*command, fresh)[0] == 0
    assert _contents(db) == _contents(fresh)


def test_stops_held_waits_for_the_step_and_counts_the_presses_after_it():
    """``interrupt.stops_held``: a first stop during the step is raised once it ends; a second
    Ctrl-C meanwhile says it is still saving, a third stops at once, inside the step."""
    with pytest.raises(KeyboardInterrupt):
        with interrupt.sigterm_as_ctrl_c():
            with interrupt.stops_held():
                os.kill(os.getpid(), signal.SIGTERM)
                done = True
            pytest.fail("the held stop was not raised")
    assert done
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with interrupt.sigterm_as_ctrl_c():
            with interrupt.stops_held():
                for _ in range(3):
                    os.kill(os.getpid(), signal.SIGINT)
                    reached.append(None)
    assert len(reached) == 2  # the third press stopped the step itself
    with interrupt.stops_held() as held:  # outside a block: nothing is held, nothing is set
        pass
    assert not held.stopped


AT_EXIT = r"""
import atexit, os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
sys.argv = ["simsearch", "index", sys.argv[1], "-m", sys.argv[2], "--db", sys.argv[3], "--vector-context", "0"]
from simsearch.cli import main
try:
    main()
finally:  # Ctrl-C as Python exits, before the finalizers torch registered run
    atexit.register(os.kill, os.getpid(), signal.SIGINT)
"""


def test_ctrl_c_as_the_process_exits_ends_it_with_status_130(tmp_path, index_model):
    """Session 49: a Ctrl-C after `index` said what it did, while Python shut down (2.5 s after an
    `index` on a busy 2-core machine), hit whatever finalizer ran: a traceback from torch's
    `_del_library` or tabulate, and exit status 0; or it killed the process (status -2 to the
    program that started it). Run as the program, `simsearch` now ends with status 130 then."""
    note = tmp_path / "a.txt"
    note.write_text("One sentence about rivers. Another about lakes.\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", AT_EXIT, str(note), str(index_model), str(tmp_path / "i.db")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
    assert "indexed 1 new" in done.stdout, done.stdout


GOES_ON = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
sys.argv = ["simsearch", "status", "--db", sys.argv[1]]
from simsearch.cli import main
try:
    main()
except SystemExit as exc:
    print("simsearch ended:", exc.code)
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:
    print("the program's own Ctrl-C handling")
finally:
    print("its finally")
"""


def test_a_program_that_goes_on_after_main_keeps_its_ctrl_c(tmp_path):
    """Session 49, review: `main()` (no argv: sys.argv read) as another program calls it, which goes
    on after it (a notebook's cell, a script): a Ctrl-C later ended that program at once with
    status 130, its own `except KeyboardInterrupt` and `finally` not run. Only a process that is
    exiting is ended so now; a program that goes on gets its KeyboardInterrupt, as before."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", GOES_ON, str(tmp_path / "none.db")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert "simsearch ended: 2" in done.stdout, (done.stdout, done.stderr)
    assert "the program's own Ctrl-C handling" in done.stdout and "its finally" in done.stdout, (done.returncode, done.stdout)
    assert done.returncode == 0, (done.returncode, done.stderr)


def test_a_train_starting_as_models_probes_its_lock_is_not_refused(tmp_path, monkeypatch):
    """Session 49: `simsearch models` probes each interrupted run's lock (``out_locked_elsewhere``)
    with an exclusive lock: a `train` into that --out starting in that instant was refused
    ("another `simsearch train` is writing"), and two probes at once (`models`, `train --resume`)
    took each other for a run. The probe is a shared lock now, and `train` waits a probe out."""
    import fcntl

    from simsearch import models
    from simsearch.errors import SimsearchError
    from simsearch.train.outdir import out_lock

    out = tmp_path / "models" / "mine"
    out.parent.mkdir()
    models.train_lock_path(out).write_text("")
    real_flock, probing, release = fcntl.flock, threading.Event(), threading.Event()

    def slow_probe(handle, operation):
        real_flock(handle, operation)
        if threading.current_thread() is not threading.main_thread() and not operation & fcntl.LOCK_UN:
            probing.set()
            release.wait(5)  # the probe's instant, drawn out

    monkeypatch.setattr(fcntl, "flock", slow_probe)
    seen = []
    probe = threading.Thread(target=lambda: seen.append(models.out_locked_elsewhere(out)))
    probe.start()
    try:
        assert probing.wait(5)
        assert not models.out_locked_elsewhere(out)  # a second probe meanwhile: no run holds it
        threading.Timer(0.1, release.set).start()
        with out_lock(out):  # a train starting now
            pass
    except SimsearchError as exc:
        pytest.fail(f"refused while a probe held the lock: {exc}")
    finally:
        release.set()
        probe.join()
    assert seen == [False]
    with out_lock(out):  # a run holds it: a probe says so, and another run is refused
        assert models.out_locked_elsewhere(out)
        with pytest.raises(SimsearchError, match="another `simsearch train` is writing"):
            with out_lock(out):
                pass


# Where a run that did all it was asked can be stopped once its work is saved: its end being recorded,
# or the command's clean-up after it.
FINISHED_STOPS = [
    (Store, "finish_run", False),
    (Store, "finish_run", True),
    (cli, "_discard_refused", False),
]


@each_signal_at(FINISHED_STOPS)
def test_a_stop_once_the_run_finished_says_its_work_is_saved(tmp_path, index_model, run_cli, monkeypatch,
                                                             owner, name, after, signum):
    """Session 49, review: a stop as a finished run's end was recorded waits for the record (the
    run is "done"), then said only "interrupted", exit 130: nothing said what was saved (the run
    had made every vector), while a stop a moment earlier says "3 new or changed files were saved
    … Run the same command again". It now says the run had finished and what it saved."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"n{i}.txt").write_text(f"Note {i} about rivers and lakes. A second sentence of note {i}.\n")
    db = tmp_path / "i.db"
    command = ["index", docs, "-m", index_model, "--vector-context", "0", "--db", db]
    _stop_in(monkeypatch, owner, name, [signum], after=after)
    code, out, err = run_cli(*command)
    monkeypatch.undo()
    assert code == 130 and "Traceback" not in err, (code, err)
    assert "once it had finished: 3 new or changed files and 6 vectors for" in err, err
    assert run_cli("status", "--db", db)[1].count("last run: done") == 1
    _stop_in(monkeypatch, owner, name, [signum], after=after)  # a refresh that finds nothing to do
    code, out, err = run_cli(*command)
    monkeypatch.undo()
    assert code == 130 and f"once it had finished: {db} is up to date" in err, (code, err)


def test_a_stop_as_a_failed_runs_end_is_recorded_keeps_its_error(tmp_path, index_model, run_cli, monkeypatch):
    """A run that failed (a full disk) and was stopped while its end was recorded said only
    "interrupted": its error, what it saved before it and how to go on, was lost."""
    from simsearch.store import StorageError

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Rivers run to the sea. Lakes are still.\n")
    real = Store.add_vectors

    def full(self, *args, **kwargs):
        raise StorageError("database or disk is full", "the disk is full")

    monkeypatch.setattr(Store, "add_vectors", full)
    _stop_in(monkeypatch, Store, "finish_run", [signal.SIGINT])
    code, out, err = run_cli("index", docs, "-m", index_model, "--vector-context", "0", "--db", tmp_path / "i.db")
    monkeypatch.setattr(Store, "add_vectors", real)
    assert code == 2 and "the disk is full; 1 new or changed file was saved before it" in err, (code, err)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("owner,name,after", [(cli, "_open_new_index", True), (Store, "open", False)],
                         ids=["cli._open_new_index (after)", "Store.open"])
def test_a_first_command_stopped_as_its_index_is_made_leaves_nothing(tmp_path, index_model, run_cli, monkeypatch,
                                                                      owner, name, after, signum):
    """Session 49, review: stopped as its new index was made (before the run's clean-up was set),
    a first `index` said "interrupted" and left an empty index (`status`: no model, no file) or,
    stopped while it was created, the folder made for it: now neither, as a stop while a model loads."""
    note = tmp_path / "n.txt"
    note.write_text("Rivers run to the sea. Lakes are still.\n")
    db = tmp_path / "new" / "i.db"
    _stop_in(monkeypatch, owner, name, [signum], after=after)
    code, out, err = run_cli("index", note, "-m", index_model, "--vector-context", "0", "--db", db)
    monkeypatch.undo()
    assert code == 130 and "no index was made" in err and "Traceback" not in err, (code, err)
    assert not (tmp_path / "new").exists(), _leftovers(tmp_path / "new")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("owner,name", [(cli, "_discard_refused"), (indexer, "discard_unused"), (Store, "close")],
                         ids=["cli._discard_refused", "indexer.discard_unused", "Store.close"])
def test_a_stop_as_a_failed_new_index_is_removed_keeps_its_error(tmp_path, index_model, run_cli, monkeypatch,
                                                                   owner, name, signum):
    """Session 50: a first `index` whose model does not load (its weights cut short) failed, and a
    stop while its new index was removed said only "interrupted; no index was made": why it failed,
    the one thing to fix, was lost. Now the error is said as the same run unstopped says it (exit 2:
    the stop waited for the clean-up, which it did not change), and no index is left."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(index_model, broken)
    with open(broken / "model.safetensors", "r+b") as weights:
        weights.truncate(1000)
    note = tmp_path / "n.txt"
    note.write_text("Rivers run to the sea. Lakes are still.\n")
    db = tmp_path / "new" / "i.db"
    code, _, unstopped = run_cli("index", note, "-m", broken, "--vector-context", "0", "--db", db)
    assert code == 2 and "cannot load a model from" in unstopped and not (tmp_path / "new").exists(), unstopped
    _stop_in(monkeypatch, owner, name, [signum])
    code, out, err = run_cli("index", note, "-m", broken, "--vector-context", "0", "--db", db)
    monkeypatch.undo()
    assert code == 2 and "Traceback" not in err, (code, err)
    assert err == unstopped
    assert not (tmp_path / "new").exists(), _leftovers(tmp_path / "new")
