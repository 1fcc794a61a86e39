"""Run a command in a pseudo-terminal (so its progress bars are drawn) and report where it showed
no progress: wall time, peak RSS (``/usr/bin/time -v``), and each stretch where the screen's text,
less its clocks and rates, stayed the same.

    python benchmarks/watch_progress.py --out trans.txt -- simsearch index ~/notes --db /tmp/i.db
    python benchmarks/watch_progress.py --stall 10 -- simsearch eval retrieval q.jsonl

``--out`` gets the transcript: one line per change of the screen, "seconds (+seconds it stayed) text".
Printed: wall, peak RSS, exit status, and every stretch of at least ``--stall`` seconds (default 10)
with the text that stood there ("" before anything was drawn). Session 44's scale trial found
`forget` of a large folder and `eval retrieval` this way.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import tempfile
import termios
import time

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# The parts of a rich bar that move by themselves: elapsed and remaining time, rates.
CLOCKS = re.compile(r"\d+:\d\d:\d\d|-:--:--|[\d,.]+ ?\S*/s|\? ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="transcript file")
    parser.add_argument("--stall", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, args.width, 0, 0))
    timing = tempfile.NamedTemporaryFile(suffix=".time", delete=False).name
    start = time.monotonic()
    process = subprocess.Popen(["/usr/bin/time", "-v", "-o", timing, *command], stdin=slave, stdout=slave,
                               stderr=slave, env={**os.environ, "COLUMNS": str(args.width)})
    os.close(slave)
    shown: list[tuple[float, str, str]] = [(0.0, "", "")]
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic() - start
            for line in ESCAPES.sub("", data.decode("utf-8", "replace")).replace("\r", "\n").split("\n"):
                key = CLOCKS.sub("", line).strip()
                if key and key != shown[-1][1]:
                    shown.append((now, key, line.strip()))
        elif process.poll() is not None:
            break
    process.wait()
    wall = time.monotonic() - start
    text = open(timing).read()
    os.unlink(timing)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    ends = [t for t, _, _ in shown[1:]] + [wall]
    if args.out:
        with open(args.out, "w") as out:
            for (t, _, line), end in zip(shown, ends):
                out.write(f"{t:8.1f} (+{end - t:6.1f}) {line[:200]}\n")
    print(f"wall {wall:.1f} s, peak RSS {int(rss.group(1)) // 1024 if rss else '?'} MiB, exit {process.returncode}")
    for (t, _, line), end in zip(shown, ends):
        if end - t >= args.stall:
            print(f"  no progress for {end - t:.1f} s from {t:.1f} s: {line[:150]!r}")


if __name__ == "__main__":
    main()
