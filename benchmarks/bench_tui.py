"""Time from Enter to both TUI panes showing results, driving the app headless.

  python benchmarks/bench_tui.py [--db FILE] [--left minilm] [--right minilm] [--queries 50]

Default database: the 100k-sentence index that ``bench_index.py query`` builds. Each query
is typed into the app, Enter is pressed, and the clock stops at the first frame Textual
composes after both panes' answers were shown (each pane's worker encodes the query with its
model on the query thread, searches, fetches context; then the app fills both tables). Printed:
p50, p95 and max over the queries, and when the results reached the UI thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_index import WORK, real_sentences  # noqa: E402
from textual import events  # noqa: E402
from textual.screen import Screen  # noqa: E402

from simsearch.tui import CompareApp  # noqa: E402


# Timestamps taken inside the app: when a pane's answer is shown, and when Textual's
# screen-update timer composes a frame (it paints on its own ~60 Hz schedule, not on add_row).
RESULTS: dict[str, float] = {}
FRAMES: list[float] = []
SHOWN = asyncio.Event()  # set when results reach the UI thread (the bench does not poll)
_show_results = CompareApp.show_results
_on_timer_update = Screen._on_timer_update


def _timed_show_results(self, answers):
    _show_results(self, answers)
    for side in answers:
        RESULTS[side] = time.perf_counter()
    SHOWN.set()


def _timed_update(self):
    dirty = bool(self._dirty_widgets or self._layout_required or self._repaint_required)
    _on_timer_update(self)
    if dirty:
        FRAMES.append(time.perf_counter())


CompareApp.show_results = _timed_show_results
Screen._on_timer_update = _timed_update


async def drive(app: CompareApp, queries: list[str]) -> tuple[list[float], list[float], dict[str, int]]:
    """(Enter to both panes painted, Enter to both result sets in the UI thread) per query, ms,
    and each pane's number of sentences."""
    painted, ready = [], []
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(600):  # wait for both models and indexes to load
            await app.workers.wait_for_complete()
            if all(pane.searcher is not None for pane in app.panes.values() if pane.model is not None):
                break
            await pilot.pause(0.05)
        box = app.query_one("#query")
        sides = [name for name, pane in app.panes.items() if pane.model is not None]
        for i, query in enumerate(queries):
            box.value = query
            box.focus()
            await pilot.pause()
            RESULTS.clear()
            SHOWN.clear()
            started = time.perf_counter()
            # The key arrives as the terminal driver delivers it (Pilot.press also waits for
            # the app to go idle, which adds its own time to what is measured).
            app.post_message(events.Key("enter", "\r"))
            while not all(app.panes[name].answer and app.panes[name].answer.query == query for name in sides):
                SHOWN.clear()
                await SHOWN.wait()
            await pilot.pause(0.1)
            arrived = max(RESULTS[name] for name in sides)
            frame = min((t for t in FRAMES if t >= arrived), default=None)
            FRAMES.clear()
            if frame is None:
                raise SystemExit("no frame was composed after the results arrived")
            if i >= 3:  # warm-up queries are not counted
                painted.append((frame - started) * 1e3)
                ready.append((arrived - started) * 1e3)
        sizes = {name: pane.searcher.size for name, pane in app.panes.items() if pane.searcher is not None}
    return painted, ready, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--left", default="minilm")
    parser.add_argument("--right", default="minilm")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    db = args.db or next(WORK.glob("query-*.db"), None)
    if db is None or not db.exists():
        sys.exit("no index: run `python benchmarks/bench_index.py query` first, or pass --db")
    queries = real_sentences()[: args.queries + 3]
    app = CompareApp(db, args.left, args.right, 10, device="cpu")
    painted, ready, sizes = asyncio.run(drive(app, queries))
    print(json.dumps({"benchmark": "tui enter-to-results", "db": str(db), "left": args.left, "right": args.right,
                      "sentences": sizes, "queries": len(painted),
                      "painted_p50_ms": round(float(np.percentile(painted, 50)), 1),
                      "painted_p95_ms": round(float(np.percentile(painted, 95)), 1),
                      "painted_max_ms": round(max(painted), 1),
                      "results_in_ui_p50_ms": round(float(np.percentile(ready, 50)), 1),
                      "target": "both panes within 100 ms"}))


if __name__ == "__main__":
    main()
