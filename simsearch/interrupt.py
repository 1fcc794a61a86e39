"""Ctrl-C in a torchrun process before training starts: noted, not fatal.

Under torchrun every process must reach each collective (the barrier after setup, the
all-gather of each step). A SIGINT that kills one process while it imports or sets up leaves
the others waiting for it until torchrun tears the run down. So ``python -m simsearch`` (what
``torchrun -m simsearch`` starts) installs :func:`defer_under_torchrun` before anything heavy
is imported: a Ctrl-C is only noted (:data:`pressed`), and training acts on it where the
processes first agree, all of them together. A single process keeps Python's own handler.
"""

from __future__ import annotations

import os
import signal

pressed = False


def under_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def _note(signum, frame) -> None:
    global pressed
    pressed = True


def defer_under_torchrun() -> None:
    """Under torchrun, note SIGINT from now on instead of raising KeyboardInterrupt."""
    if under_torchrun():
        signal.signal(signal.SIGINT, _note)


def is_deferring(handler) -> bool:
    return handler is _note
