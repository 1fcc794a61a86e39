"""The process's memory: what malloc keeps of freed tensors, given back to the system."""

from __future__ import annotations

import ctypes
import os


def _glibc():
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
        return ctypes.CDLL(None)
    except (AttributeError, OSError, ValueError):  # no such confstr name, not glibc (macOS, Windows, musl)
        return None


def give_back_freed_memory() -> bool:
    """Return the free pages malloc holds to the system (glibc's ``malloc_trim(0)``: every arena,
    holes inside its heaps too). Only where memory comes from changes, never a computed value.
    Returns False where the C library is not glibc."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    libc.malloc_trim(0)
    return True
