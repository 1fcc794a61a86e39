"""A FIFO, a device or a socket where the file of questions belongs (session 50, trial left2).

The TUI reads the file of questions again whenever it changes (``QUESTIONS_CHECK_S``) and opens it
to lock it on `a`: a FIFO there made ``open`` wait for a writer, /dev/zero made the read never
end, and the app froze. Each test fails on main by hanging, turned into a failure by an alarm."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable

from simsearch.errors import SimsearchError
from simsearch.questions import QuestionFile
from simsearch.tui import CompareApp

from .test_questions import a_hit
from .test_tui import QUERY, ask, run_app, settle, two_model_index, two_model_indexes  # noqa: F401

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "SIGALRM"), reason="POSIX only")

REPO = Path(__file__).resolve().parents[1]


class Hung(BaseException):
    """(Not an OSError, as TimeoutError is: the code under test would take it for a read error.)"""


@contextlib.contextmanager
def at_most(seconds: int):
    """A hang (what main did) as a failure: an alarm raises in the main thread."""

    def hung(signum, frame):
        raise Hung(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def simsearch(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "simsearch", *map(str, args)], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_tui_refuses_a_fifo_or_socket_at_the_questions_path_at_start(tmp_path, kind):
    path = tmp_path / "q.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    result = simsearch("tui", "--db", tmp_path / "none.db", "--questions", path, cwd=tmp_path)  # hung on main (FIFO)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert f"--questions {path}: not a regular file (a {'FIFO' if kind == 'fifo' else 'socket'})" in line
    assert "Traceback" not in result.stderr


def test_a_device_is_refused_as_a_file_of_questions(tmp_path):
    """/dev/null at the path (a symbolic link to it): main read it as an empty file and said "Kept as
    answer 1" for answers written into it. (/dev/zero, read to its end, never ends: main used all
    memory until the kernel killed it; /dev/null tests the same check without that risk.)"""
    path = tmp_path / "q.jsonl"
    path.symlink_to(os.devnull)
    with at_most(20), pytest.raises(SimsearchError, match=rf"--questions {path}: not a regular file \(a device\)"):
        QuestionFile.open(path)


def test_a_fifo_put_in_the_files_place_while_the_app_runs_never_blocks_it(tmp_path):
    """The poll reads the changed file: it keeps what it read before; `a` says the path is no file."""
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "Hold the button.")
    kept.mark("reset it", hit)
    path.unlink()
    os.mkfifo(path)
    with at_most(20):
        assert kept.answered("reset it", [hit]) == [True]  # what was read stays shown
        for action in (kept.toggle, kept.mark):
            with pytest.raises(SimsearchError, match=rf"{path}: not a regular file \(a FIFO\)"):
                action("chess", a_hit(tmp_path, "b.md", "The Sicilian is sharp."))
    assert os.path.exists(path) and not path.is_file()


def test_the_app_polls_past_a_fifo_and_says_so_on_a(two_model_index, tmp_path, monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    said: list[str] = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await ask(app, pilot, QUERY)
        path.unlink(missing_ok=True)
        os.mkfifo(path)
        app.check_questions_file()  # what the interval does each second
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)

    with at_most(60):
        run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)
    assert [message for message in said if "not a regular file (a FIFO)" in message], said


def test_eval_retrieval_reads_a_fed_fifo_once_and_refuses_a_device(tmp_path, run_cli):
    """A FIFO someone feeds (`cat q.jsonl > fifo`, or bash's `<(...)`) is read to its end, as cat
    reads it; a device is refused before anything is read."""
    fifo = tmp_path / "q.jsonl"
    os.mkfifo(fifo)
    line = json.dumps({"id": "q1", "query": "reset", "relevant": [{"path": "a.md", "text": "Hold it."}]})
    feeder = threading.Thread(target=lambda: fifo.write_text(line + "\n"), daemon=True)
    feeder.start()
    from simsearch.retrieval import load_queries

    with at_most(20):
        [query] = load_queries(fifo)
    assert query.text == "reset"
    feeder.join(5)
    device = tmp_path / "null.jsonl"  # (/dev/zero: main read it until the kernel killed it)
    device.symlink_to(os.devnull)
    with at_most(20):
        code, out, err = run_cli("eval", "retrieval", device, "--db", tmp_path / "none.db")
    assert code == 2 and f"{device}: not a regular file (a device), expected a query file" in err
