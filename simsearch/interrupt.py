"""Ctrl-C in a torchrun process before training starts: noted, not fatal.

Under torchrun every process must reach each collective (the barrier after setup, the
all-gather of each step). A SIGINT that kills one process while it imports or sets up leaves
the others waiting for it until torchrun tears the run down. So ``python -m simsearch`` (what
``torchrun -m simsearch`` starts) installs :func:`defer_under_torchrun` for ``train`` before
anything heavy is imported: a Ctrl-C is only noted (:data:`pressed`), and training acts on it
where the processes first agree, all of them together. A single process, and every other
command, keeps Python's own handler.

:func:`sigterm_as_ctrl_c` makes SIGTERM a Ctrl-C where a command saves its work on Ctrl-C (the whole
``index`` command), and keeps a second stop from cutting that saving short.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

pressed = False


def world_size() -> int | None:
    """The number of processes torchrun says there are (``WORLD_SIZE``; 1 without it), or None
    when the variable holds no positive whole number."""
    try:
        size = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return None
    return size if size >= 1 else None


def under_torchrun() -> bool:
    return (world_size() or 1) > 1  # a malformed value: training says what is wrong with it


def _note(signum, frame) -> None:
    global pressed
    pressed = True


def take() -> bool:
    """Whether a Ctrl-C was noted since the last call (and forget it)."""
    global pressed
    was, pressed = pressed, False
    return was


def defer_under_torchrun(argv: list[str]) -> None:
    """Under torchrun, for ``train`` (the only command whose processes wait for each other), note
    SIGINT from now on instead of raising KeyboardInterrupt. Every other command keeps Python's."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if under_torchrun() and command == "train":
        signal.signal(signal.SIGINT, _note)


def is_deferring(handler) -> bool:
    return handler is _note


# Within ``sigterm_as_ctrl_c``: whether the first stop came (its saving is running), and how many
# Ctrl-Cs came after it.
_stopping = False
_pressed_again = 0
_closing: int | None = None  # the block is ending: a stop that came meanwhile (its signal; 0: none)
_held = False  # a block is open (an inner one, ``index()`` inside the ``index`` command, sets nothing)
_holding = False  # a step that must not be cut in two is running (``stops_held``)
_held_stop = False  # the first stop came during it: raised once it ends

STILL_SAVING = ("still saving what the run made (a moment); press Ctrl-C again to stop at once "
                "(what is being saved is then lost; the next run makes it again)")


def _stop(signum, frame) -> None:
    """The first SIGTERM or Ctrl-C stops the run (KeyboardInterrupt), and its saving starts (the
    vectors made, the run's record). A second SIGTERM (``kill`` sent again, a manager that repeats
    it) is ignored; a second Ctrl-C says the run is still saving, and a third stops at once (a
    saving that hangs: a slow disk), SQLite rolling back what it cut short."""
    global _stopping, _pressed_again, _closing, _held_stop
    if _closing is not None:  # the block is ending (``sigterm_as_ctrl_c``): a stop is kept for its end
        _closing = _closing or (signum if not _stopping or (signum == signal.SIGINT and _pressed_again) else 0)
        return
    if not _stopping:
        _stopping = True
        if _holding:  # the step in progress ends first (``stops_held``), then the stop
            _held_stop = True
            return
        raise KeyboardInterrupt
    if signum != signal.SIGINT:
        return
    _pressed_again += 1
    if _pressed_again == 1:
        print(STILL_SAVING, file=sys.stderr, flush=True)
        return
    raise KeyboardInterrupt


class Held:
    """What ``stops_held`` yields: ``stopped``, whether the first stop came during the step."""

    stopped = False


@contextlib.contextmanager
def stops_held(*, raise_after: bool = True) -> Iterator[Held]:
    """Within a ``sigterm_as_ctrl_c`` block: a step that must not be cut in two (the run's record
    written, a refused new index removed) finishes before the first SIGTERM or Ctrl-C that comes
    during it stops the command; that stop is raised (KeyboardInterrupt) as the step ends, or,
    with ``raise_after=False``, only said (``Held.stopped``: the caller stops, as it says). A
    second Ctrl-C meanwhile says it is still saving, and a third stops at once, as after any first
    stop (``_stop``). Outside a block, or inside one such step already, it holds nothing."""
    global _holding, _held_stop
    held = Held()
    if not _held or _holding or threading.current_thread() is not threading.main_thread():
        yield held
        return
    _held_stop = False
    _holding = True
    try:
        yield held
    finally:
        _holding = False  # a stop from now on is raised as it comes (``_stop``); one before it was held
        held.stopped, _held_stop = _held_stop, False
    if held.stopped and raise_after:
        raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """Within the block, SIGTERM (what ``timeout``, ``kill``, systemd and job schedulers send
    before SIGKILL) stops as Ctrl-C does: the work made so far is saved and the message says how
    to continue, instead of a process that dies mid-chunk and a run that ``status`` calls killed.
    Once stopped, further SIGTERMs are ignored until the block ends (SIGKILL still stops it), and
    a second Ctrl-C says it is still saving, a third stopping at once (``_stop``); Ctrl-C is taken
    only where Python's own handler was there. Signal handlers can only be set in the main
    thread; elsewhere Python's own stays. Blocks nest: the outer one holds the handlers."""
    global _held, _stopping, _pressed_again, _closing, _holding, _held_stop
    if threading.current_thread() is not threading.main_thread() or _held:
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    ctrl_c = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # A stop while the handlers are set or put back would leave ``_stop`` behind the block (and
    # ``_stopping``: every later SIGTERM ignored, ``_held``: no later block set): they are set
    # inside the ``try``, and put back with ``_stop`` made to wait (``_closing``).
    try:
        _held, _stopping, _pressed_again, _closing, _holding, _held_stop = True, False, 0, None, False, False
        signal.signal(signal.SIGTERM, _stop)
        if ctrl_c:
            signal.signal(signal.SIGINT, _stop)
        yield
    finally:
        _closing = 0
        if ctrl_c:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        late, _closing, _held = _closing, None, False
        if late:  # a stop as the block ended (a first one, a third Ctrl-C): raised after it
            raise KeyboardInterrupt
