"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class SimsearchError(Exception):
    """A mistake in the user's input or environment, explained in one line.

    Raised by the library wherever the fix is the user's (a wrong path, a malformed
    line, an unknown model); the CLI prints ``error: <message>`` and exits with 2.
    Bugs stay ordinary exceptions with tracebacks.
    """


class Interrupted(SimsearchError):
    """Ctrl-C, handled: work so far is saved and the message says how to continue (exit 130)."""
