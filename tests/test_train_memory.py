"""Training gives each step's freed activations back to the system (glibc) where memory is short.

The Markdown trial's `train --from-index` (defaults: batch 64, max length 128) peaked at 7.5 GB
resident: after a step, malloc kept most of the freed activations in heaps that the next batch,
of another shape, reused only in part, so each long batch grew the process. Each step now ends
with ``malloc_trim(0)`` (simsearch.memory) while less than half the machine's memory is
available (giving back costs page faults in the next step). These check that it is called, when,
and what it does in a process of its own, not a training run's RSS (which other work on the
machine moves).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from simsearch import memory

from .test_train import config, notes  # noqa: F401 - a fixture

glibc = pytest.mark.skipif(not hasattr(os, "confstr") or not os.confstr("CS_GNU_LIBC_VERSION"),
                           reason="malloc_trim is glibc's")

# In a child: 200 blocks of 1 MiB taken from malloc's heap (a freed 16 MiB block first raises
# glibc's mmap threshold, as a training step's tensors do), all freed but the last, which keeps
# the heap from shrinking by itself; prints the resident MiB before and after.
CHILD = textwrap.dedent("""
    import ctypes, os, sys
    from simsearch import memory
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    def resident():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    libc.free(libc.malloc(16 << 20))
    blocks = [libc.malloc(1 << 20) for _ in range(200)]
    for block in blocks:
        ctypes.memset(block, 1, 1 << 20)
    for block in blocks[:-1]:
        libc.free(block)
    before = resident()
    if sys.argv[1] == "give back":
        assert memory.give_back_freed_memory()
    print(before, resident())
""")


def _resident_mib(mode: str) -> tuple[int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # glibc's tunables: not here
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split()[-2:])
    return before, after


@glibc
def test_freed_heap_memory_goes_back_to_the_system():
    before, after = _resident_mib("keep")  # the control: malloc keeps the 199 MiB freed
    assert after > before - 50
    before, after = _resident_mib("give back")
    assert after < before - 150


def test_every_step_gives_its_freed_memory_back(tmp_path, tiny_model, notes, monkeypatch):  # noqa: F811
    import simsearch.train as train_module

    calls = []
    real = train_module._step

    def step(run, rows):
        calls.append("step")
        return real(run, rows)

    monkeypatch.setattr(train_module, "_step", step)
    monkeypatch.setattr(memory, "memory_is_short", lambda: calls.append("short?") or True)
    monkeypatch.setattr(memory, "give_back_freed_memory", lambda: calls.append("give back") or True)
    train_module.train(config(notes, tiny_model, tmp_path / "out", max_steps=3, eval_steps=10))
    assert calls == ["step", "short?", "give back"] * 3


def _meminfo(tmp_path, available_kb: int | None, total_kb: int = 16_000_000) -> str:
    path = tmp_path / "meminfo"
    lines = [f"MemTotal:       {total_kb} kB", "MemFree:          123456 kB"]
    if available_kb is not None:
        lines.append(f"MemAvailable:   {available_kb} kB")
    path.write_text("\n".join(lines) + "\nBuffers:           1000 kB\n")
    return str(path)


def test_memory_is_short_below_half_of_it_available(tmp_path):
    assert memory.memory_is_short(meminfo=_meminfo(tmp_path, 7_999_999), cgroup=str(tmp_path / 'no-group'))
    assert not memory.memory_is_short(meminfo=_meminfo(tmp_path, 8_000_000), cgroup=str(tmp_path / 'no-group'))
    assert memory.memory_is_short(0.75, meminfo=_meminfo(tmp_path, 11_000_000), cgroup=str(tmp_path / 'no-group'))


def test_unknown_memory_is_not_short(tmp_path):
    nowhere = str(tmp_path / "nowhere")
    assert not memory.memory_is_short(meminfo=nowhere, cgroup=nowhere)  # not Linux
    assert not memory.memory_is_short(meminfo=_meminfo(tmp_path, None), cgroup=nowhere)  # a kernel without MemAvailable
    (tmp_path / "meminfo").write_text("MemTotal: lots\nMemAvailable: some\n")
    assert not memory.memory_is_short(meminfo=str(tmp_path / "meminfo"), cgroup=nowhere)


def _group(tmp_path, limit: str, current: int, inactive_file: int | None = None) -> str:
    folder = tmp_path / "cgroup"
    folder.mkdir(exist_ok=True)
    (folder / "memory.max").write_text(limit + "\n")
    (folder / "memory.current").write_text(f"{current}\n")
    if inactive_file is not None:
        (folder / "memory.stat").write_text(f"anon 1\nfile 2\ninactive_file {inactive_file}\nactive_file 3\n")
    return str(folder)


def test_a_memory_limited_container_is_short_by_its_own_limit(tmp_path):
    """In a container limited to 8 GB on a large host the host's MemAvailable looks plentiful
    up to the OOM kill: the group's memory.max and memory.current count too."""
    plenty = _meminfo(tmp_path, 15_000_000)
    gb = 10**9
    assert memory.memory_is_short(meminfo=plenty, cgroup=_group(tmp_path, str(8 * gb), 5 * gb))
    assert not memory.memory_is_short(meminfo=plenty, cgroup=_group(tmp_path, str(8 * gb), 3 * gb))
    # the group's inactive file cache is the kernel's to reclaim first: not counted as used
    assert not memory.memory_is_short(meminfo=plenty, cgroup=_group(tmp_path, str(8 * gb), 5 * gb, 2 * gb))
    assert not memory.memory_is_short(meminfo=plenty, cgroup=_group(tmp_path, "max", 50 * gb))  # no limit


def test_it_gives_back_only_when_short(monkeypatch):
    given = []
    monkeypatch.setattr(memory, "give_back_freed_memory", lambda: given.append(1) or True)
    monkeypatch.setattr(memory, "memory_is_short", lambda: False)
    assert memory.give_back_when_short() is False and given == []
    monkeypatch.setattr(memory, "memory_is_short", lambda: True)
    assert memory.give_back_when_short() is True and given == [1]


def test_off_glibc_it_does_nothing(monkeypatch):
    monkeypatch.setattr(os, "confstr", lambda name: None)
    assert memory.give_back_freed_memory() is False
