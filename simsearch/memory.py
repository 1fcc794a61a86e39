"""The process's memory: what malloc keeps of freed tensors, given back to the system when the
machine is short of memory.

Giving it back costs time: the next training step takes the same memory again, page by page
(``benchmarks/bench_train_memory.py``, a 2-core Xeon, one epoch of ``train --from-index`` on
pytest's docs: ×1.14 the step time for ×0.75 the peak, 8.17 → 6.11 GB). So a step gives
it back only while the machine has less than half its memory available: the process grows
while memory is plentiful and stops growing once it is not."""

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


MEMINFO = "/proc/meminfo"


def memory_is_short(share: float = 0.5, meminfo: str = MEMINFO) -> bool:
    """Whether less than ``share`` of the machine's memory is available (Linux's ``MemAvailable``:
    free memory plus what the kernel can reclaim without swapping). False where that is unknown."""
    fields = {}
    try:
        with open(meminfo) as f:
            for line in f:
                name, _, value = line.partition(":")
                fields[name] = value.split()
    except OSError:
        return False
    try:
        return int(fields["MemAvailable"][0]) < share * int(fields["MemTotal"][0])
    except (KeyError, IndexError, ValueError):  # a kernel before 3.14 has no MemAvailable
        return False


def give_back_when_short() -> bool:
    """``give_back_freed_memory`` while the machine is short of memory (``memory_is_short``);
    whether it gave back."""
    return memory_is_short() and give_back_freed_memory()
