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
from pathlib import Path


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
CGROUP = "/sys/fs/cgroup"  # cgroup v2, as a container sees its own group


def memory_is_short(share: float = 0.5, meminfo: str = MEMINFO, cgroup: str = CGROUP) -> bool:
    """Whether less than ``share`` of the memory this process may use is available: the machine's
    (Linux's ``MemAvailable``: free memory plus what the kernel can reclaim without swapping), or
    that of its memory-limited container or group (cgroup v2 ``memory.max``), where the host's
    figures would look plentiful up to the limit's OOM kill. False where neither is known."""
    return _machine_short(share, meminfo) or _group_short(share, cgroup)


def _machine_short(share: float, meminfo: str) -> bool:
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


def _group_short(share: float, cgroup: str) -> bool:
    """The group's limit less what it uses (its inactive file cache, which the kernel reclaims
    first, not counted), against ``share`` of the limit; False without a limit ("max")."""
    folder = Path(cgroup)
    try:
        limit = (folder / "memory.max").read_text().strip()
        if not limit.isdigit():
            return False
        used = int((folder / "memory.current").read_text())
    except (OSError, ValueError):
        return False
    try:
        for line in (folder / "memory.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == "inactive_file":
                used -= int(value)
    except (OSError, ValueError):
        pass  # all it uses counts
    return int(limit) - used < share * int(limit)


def give_back_when_short() -> bool:
    """``give_back_freed_memory`` while the machine is short of memory (``memory_is_short``);
    whether it gave back."""
    return memory_is_short() and give_back_freed_memory()
