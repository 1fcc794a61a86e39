"""The one exception type the CLI turns into a one-line message and a non-zero exit, and the
wording of counts in messages."""


class SimsearchError(Exception):
    """A mistake in the user's input or environment, explained in one line.

    Raised by the library wherever the fix is the user's (a wrong path, a malformed
    line, an unknown model); the CLI prints ``error: <message>`` and exits with 2.
    Bugs stay ordinary exceptions with tracebacks.
    """


class Superseded(SimsearchError):
    """A searcher's model was re-embedded since it opened (retrained, or at another precision), and
    the index holds the new version's vectors: a searcher opened again answers with it (the TUI
    opens it again at once, and says so)."""


class Interrupted(SimsearchError):
    """Ctrl-C, handled: work so far is saved and the message says how to continue (exit 130)."""


def plain_number(number: float) -> str:
    """A number as a user types it in an option: 2, -1, 0.05, 3e-05 (not 2.0, -1.0)."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def counted(number: int, noun: str) -> str:
    """'1 file', '2 files', '1,204 files' (nouns with a plain plural)."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def all_of(number: int, noun: str) -> str:
    """'all 6 vectors', 'the 1 vector' ("all 1 vector" reads as a slip)."""
    return f"{'the' if number == 1 else 'all'} {counted(number, noun)}"
