"""A document dated ahead of the clock (a tarball from a machine whose clock ran fast) is read once,
not at every `index` run, and every run's index still equals a fresh index of the files' text
(session 51, trial left51; the model files' side of it is ``models.file_sha256``, review51).

Was: ``indexer._racily_clean`` took any date after the read for one a write could have given again
("racy git"), so each run hashed such a file again. Now a date still ahead of the clock by more
than ``RACY_NS`` is trusted: a write since the read dates the file at most now. Once the clock
comes within ``RACY_NS`` of that date a write then could give it again, and the file is hashed
until a read lies ``RACY_NS`` past it; the property below reaches that moment.

The file system here is virtual in its dates alone: ``os.stat`` reports the dates each rule
gave (FAT's 2 s, and on a "FAT" disk the ctime follows the mtime, so only the dates can tell),
and the clock is the test's (``store.now`` for the reads' dates, ``indexer._clock_ns``).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from simsearch import indexer, store as store_module
from simsearch.indexer import index
from simsearch.store import Store

SECOND = 10**9
HOUR = 3600 * SECOND
TICK = 2 * SECOND  # FAT's
START = 1_800_000_000 * SECOND  # (2027: a whole number of ticks)
NAMES = ["a.txt", "b.txt", "c.txt"]
WORDS = ["cat", "dog", "owl", "elk", "ram"]  # one length: an edit keeps the size
WHEN = {"past": -HOUR, "now": 0, "future": HOUR}


def text(word: str) -> str:
    return f"The {word} sat on the mat.\n"


class VirtualDates:
    """The clock, and each file's (mtime, ctime) as ``os.stat`` reports them."""

    def __init__(self, monkeypatch):
        self.clock = START
        self.dates: dict[str, tuple[int, int]] = {}
        real_stat = os.stat

        def stat(path, *args, **kwargs):
            result = real_stat(path, *args, **kwargs)
            dates = self.dates.get(os.fspath(path))
            if dates is None:
                return result
            times = {name: getattr(result, name) for name in dir(result) if name.startswith("st_") and "time" in name}
            times.update(st_mtime_ns=dates[0], st_ctime_ns=dates[1], st_mtime=dates[0] / SECOND,
                         st_ctime=dates[1] / SECOND)
            return os.stat_result(tuple(result[:8]) + (dates[0] // SECOND, dates[1] // SECOND), times)

        monkeypatch.setattr(os, "stat", stat)
        monkeypatch.setattr(indexer, "_clock_ns", lambda: self.clock)
        monkeypatch.setattr(store_module, "now", lambda: dt.datetime.fromtimestamp(
            self.clock // SECOND, dt.timezone.utc).isoformat(timespec="seconds"))

    def tick(self) -> int:
        return self.clock // TICK * TICK

    def write(self, path: Path, content: str | None, when: str, fat: bool) -> None:
        """Write ``content`` (None: only date the file, ``touch -d``), dated ``when`` from now. On
        "FAT" the ctime is the mtime, so content changed under a date given back (``cp -p``) cannot
        show: a date given here is one never given before (a write's own date is now)."""
        if content is not None:
            path.write_text(content)
        mtime = self.tick() + WHEN[when]
        if fat and when != "now":
            given = [date for dates in self.dates.values() for date in dates]
            mtime = min([*given, mtime]) - TICK if when == "past" else max([*given, mtime - TICK]) + TICK
        self.dates[str(path)] = (mtime, mtime if fat else self.tick())


def reads(monkeypatch) -> list[str]:
    """The paths ``indexer`` reads (hashes), as it reads them."""
    read: list[str] = []
    real = indexer._read_stable

    def counted(path, *args, **kwargs):
        read.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(indexer, "_read_stable", counted)
    return read


def held(db: Path) -> dict[str, list[str]]:
    store = Store.open(db)
    try:
        rows = store.conn.execute("SELECT d.path, s.text FROM documents d JOIN sentences s ON s.document_id = d.id "
                                  "ORDER BY d.path, s.ordinal").fetchall()
    finally:
        store.close()
    found: dict[str, list[str]] = {}
    for path, sentence in rows:
        found.setdefault(Path(path).name, []).append(sentence)
    return found


def run(db: Path, files: list[Path]):
    store = Store.open(db)
    try:
        return index(store, files, progress=False, device="cpu")
    finally:
        store.close()


class DatesMachine(RuleBasedStateMachine):
    root: Path
    disk: VirtualDates

    @initialize(fat=st.booleans(), words=st.lists(st.sampled_from(WORDS), min_size=len(NAMES), max_size=len(NAMES)),
                when=st.lists(st.sampled_from(sorted(WHEN)), min_size=len(NAMES), max_size=len(NAMES)))
    def start(self, fat, words, when):
        self.disk.clock, self.disk.dates = START, {}
        self.folder = Path(tempfile.mkdtemp(dir=self.root))
        self.fat = fat
        self.files = [self.folder / name for name in NAMES]
        for path, word, date in zip(self.files, words, when):
            self.disk.write(path, text(word), date, fat)
        self.fresh = 0
        run(self.folder / "index.db", self.files)

    @rule(seconds=st.sampled_from([0, 1, 3, 3600, 3601, 7200]))
    def wait(self, seconds):
        self.disk.clock += seconds * SECOND

    @rule(name=st.sampled_from(NAMES), word=st.sampled_from(WORDS), when=st.sampled_from(sorted(WHEN)))
    def edit(self, name, word, when):
        """Save the file (dated now), then on a disk with ctimes date it ``when`` (``cp -p``, ``tar x``)."""
        self.disk.write(self.folder / name, text(word), "now" if self.fat else when, self.fat)

    @rule(name=st.sampled_from(NAMES), when=st.sampled_from(sorted(WHEN)))
    def date(self, name, when):
        self.disk.write(self.folder / name, None, when, self.fat)

    @rule()
    def index_again(self):
        run(self.folder / "index.db", self.files)
        self.fresh += 1
        fresh = self.folder / f"fresh{self.fresh}.db"
        run(fresh, self.files)
        assert held(self.folder / "index.db") == held(fresh)


def test_every_run_over_past_present_and_future_dates_equals_a_fresh_index(tmp_path, monkeypatch):
    DatesMachine.root, DatesMachine.disk = tmp_path, VirtualDates(monkeypatch)
    run_state_machine_as_test(DatesMachine, settings=settings(
        max_examples=int(os.environ.get("SIMSEARCH_STATEFUL_EXAMPLES", 40)),
        stateful_step_count=int(os.environ.get("SIMSEARCH_STATEFUL_STEPS", 12)), deadline=None, derandomize=True,
        database=None, suppress_health_check=list(HealthCheck)))


def test_a_file_dated_ahead_of_the_clock_is_not_read_again_by_an_unchanged_run(tmp_path, monkeypatch):
    """Was: each run read (hashed) the future-dated files again; now an unchanged run reads none."""
    disk = VirtualDates(monkeypatch)
    files = [tmp_path / name for name in NAMES]
    for path, date in zip(files, ["past", "future", "future"]):
        disk.write(path, text("cat"), date, fat=False)  # extracted now: its ctime is now
    db = tmp_path / "index.db"
    run(db, files)
    read = reads(monkeypatch)
    disk.clock += 3 * SECOND  # past the ctimes' racy window
    run(db, files)  # the extraction's ctime was within 2 s of the read: all three hashed once more
    assert sorted(read) == NAMES
    read.clear()
    for _ in range(3):
        disk.clock += 60 * SECOND
        report = run(db, files)
        assert (read, report.unchanged) == ([], 3)
    disk.clock += HOUR  # the clock reaches the future dates: a write now could give them again
    run(db, files)
    assert sorted(read) == ["b.txt", "c.txt"]
    read.clear()
    disk.clock += 3 * SECOND
    run(db, files)
    assert read == []


def test_a_file_saved_when_the_clock_reaches_its_future_date_is_read_again(tmp_path, monkeypatch):
    """The case that a date trusted for being far from its read (not from the clock) misses: on a
    disk whose ctime is its mtime (FAT), a file dated an hour ahead and saved, at the same size, an
    hour later in the tick of that date keeps its stat."""
    disk = VirtualDates(monkeypatch)
    note = tmp_path / "note.txt"
    disk.write(note, text("cat"), "future", fat=True)
    db = tmp_path / "index.db"
    run(db, [note])
    disk.clock += HOUR
    disk.write(note, text("dog"), "now", fat=True)
    assert disk.dates[str(note)] == (START + HOUR,) * 2  # the date it had: only the clock can tell
    run(db, [note])
    assert held(db) == {"note.txt": ["The dog sat on the mat."]}
