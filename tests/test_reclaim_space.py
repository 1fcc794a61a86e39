"""Session 45, trial "months": an index kept for months. `forget` gives back the space it frees.

Found by 50 simulated days of `simsearch index` over Celery's docs (11.5k sentences): forgetting
the `history` folder (half the sentences) left the 31.6 MiB file at 31.6 MiB with 16.1 MiB of
free pages, and `status` said "5,536 sentences, 31.6MiB"; the space came back into use only when
the folder was indexed again.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from simsearch import ann
from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import StorageError, Store

WORDS = ["river", "valley", "harbour", "lantern", "meadow", "orchard", "glacier", "canyon", "bridge", "market"]


def _text(name: str, count: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    return "\n".join(f"The {name} note {i} speaks of the {' and the '.join(rng.choice(WORDS, 3))} in spring {i}."
                     for i in range(count)) + "\n"


def _index(tmp_path, index_model, big: int = 400):
    kept, gone = tmp_path / "kept", tmp_path / "gone"
    for root, files, count in ((kept, 2, 60), (gone, 8, big)):
        root.mkdir()
        for i in range(files):
            (root / f"{root.name}{i}.txt").write_text(_text(f"{root.name}{i}", count, i), encoding="utf-8")
    db = tmp_path / "i.db"
    store = Store.open(db)
    index(store, [kept, gone], [str(index_model)], progress=False, context=0)
    return store, db, kept, gone


def _pages(db) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA freelist_count").fetchone()[0]


def test_forgetting_most_of_the_index_gives_its_space_back(tmp_path, index_model, run_cli):
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()
    before, _ = _pages(db)
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 0, err
    assert "back to the disk" in out and str(db) in out
    after, free = _pages(db)
    assert free == 0 and after < 0.5 * before, (before, after)
    assert db.stat().st_size == after * 4096  # the file itself shrank (no reader held it back)
    code, out, err = run_cli("search", "river", "--db", db, "--json", "-k", "50")
    assert code == 0, err
    paths = {json.loads(line)["path"] for line in out.splitlines()}
    assert paths and all(path.startswith(str(kept)) for path in paths)
    code, out, err = run_cli("status", "--db", db)
    assert code == 0 and "unused" not in out, out


def test_a_small_forget_leaves_the_file_as_it_is_and_json_says_so(tmp_path, index_model, run_cli):
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()
    code, out, err = run_cli("forget", kept, "--db", db, "--json")  # 120 of 3,320 sentences
    assert code == 0, err
    assert json.loads(out)["space"] == {"reclaimed_bytes": 0, "seconds": 0.0}
    assert _pages(db)[1] > 0  # free pages stay for the next run to reuse


def test_status_says_how_much_of_the_file_is_unused(tmp_path, index_model, run_cli):
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()
    for file in gone.iterdir():  # deleted on disk: the next run takes them out, the file keeps its size
        file.unlink()
    code, out, err = run_cli("index", "--db", db)
    assert code == 0, err
    total, free = _pages(db)
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    first = out.splitlines()[0]
    assert f"{free * 4096 / 2**20:.1f}MiB of it unused: later runs reuse it" in first, first
    code, out, err = run_cli("status", "--db", db, "--json")
    assert json.loads(out)["db_unused_bytes"] == free * 4096


def test_a_failed_vacuum_keeps_what_was_forgotten_and_warns(tmp_path, index_model, run_cli, monkeypatch):
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()

    def full(self, share=0.25, force=False):
        raise StorageError(f"{db}: the disk is full", "the disk is full")

    monkeypatch.setattr(Store, "reclaim", full)
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 0, err
    assert "could not give the unused space" in err and "the disk is full" in err and "later index runs reuse it" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_a_search_open_across_the_vacuum_answers_from_the_kept_folder(tmp_path, index_model, run_cli, monkeypatch):
    # A reader (a TUI) keeps its store and HNSW graph across `forget` and the VACUUM after it:
    # sentence ids are kept by VACUUM (INTEGER PRIMARY KEY), so its graph's labels still name the
    # right rows, and the ids forgotten are marked deleted when it next searches.
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    store, db, kept, gone = _index(tmp_path, index_model)
    searcher = Searcher.open(Store.open(db, readonly=True), str(index_model))
    assert searcher.vectors.method == "hnsw"
    reader = Store.open(db, readonly=True)
    reader.conn.execute("BEGIN")
    held = reader.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]  # a snapshot held through it
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 0 and "back to the disk" in out, err
    assert reader.conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == held
    reader.conn.execute("COMMIT")
    hits = searcher.search("the river in spring", k=30)
    assert hits and all(hit.path.startswith(str(kept)) for hit in hits)
    with sqlite3.connect(db) as conn:
        texts = {sid: text for sid, text in conn.execute("SELECT id, text FROM sentences")}
    assert all(texts[hit.sentence_id] == hit.text for hit in hits)


def test_an_index_run_holding_the_writer_lock_is_not_waited_for(tmp_path, index_model):
    # `forget` releases the writer lock before it reclaims; an `index` that took it meanwhile is
    # not an error for `forget` (it already forgot): nothing is reclaimed, the run reuses the pages.
    from simsearch.indexer import forget_roots, reclaim_space, writer_lock

    store, db, kept, gone = _index(tmp_path, index_model)
    forget_roots(store, [gone])
    other = Store.open(db)
    with writer_lock(other):
        assert reclaim_space(store) == {"reclaimed_bytes": 0, "seconds": 0.0}
    assert reclaim_space(store)["reclaimed_bytes"] > 0


def test_forgetting_one_model_of_two_gives_its_vectors_space_back(tmp_path, index_model, tiny_model, run_cli):
    # The two models' vectors alternate in `vectors` (keyed by sentence, then model): forgetting one
    # left every page half full and none free, so the free pages alone never called for a VACUUM
    # (Celery's docs: `forget --model` of 7,541 vectors, a 35.5 MiB file kept its size).
    store, db, kept, gone = _index(tmp_path, index_model)
    index(store, [], [str(index_model), str(tiny_model)], progress=False)
    store.close()
    before, _ = _pages(db)
    code, out, err = run_cli("forget", "--model", tiny_model, "--db", db)
    assert code == 0, err
    assert "back to the disk" in out, out
    after, free = _pages(db)
    assert free == 0 and after < 0.85 * before, (before, after)


def test_ctrl_c_while_the_space_is_given_back_still_reports_what_was_forgotten(tmp_path, index_model, run_cli,
                                                                             monkeypatch):
    # Session 46 review: SQLite runs VACUUM to its end through a Ctrl-C (2 s on a 254 MiB index),
    # and Python raises KeyboardInterrupt after it. `forget` then said only "interrupted" (130),
    # though the folder was forgotten and the space given back: nothing told the user either.
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()
    vacuum = Store.reclaim

    def then_ctrl_c(self, share=0.25, force=False):
        vacuum(self, share, force=force)
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "reclaim", then_ctrl_c)
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 130, err
    assert out.startswith(f"forgot {gone}"), out
    assert "interrupted while giving the unused space" in err and "what was forgotten stays forgotten" in err, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_the_space_given_back_is_not_kept_in_the_wal_by_an_idle_reader(tmp_path, index_model, run_cli):
    # Session 46 review: with another connection open and idle (a TUI left open between searches),
    # `forget` said "gave 5.6MiB … back to the disk" of a 16.7 MB index (Flask's, Werkzeug's,
    # Click's and Jinja's docs, half forgotten), and the disk then held the 10.9 MB file and a
    # 11.0 MB WAL, 5.2 MB more than before, until that connection closed.
    store, db, kept, gone = _index(tmp_path, index_model)
    store.close()
    before = db.stat().st_size
    idle = sqlite3.connect(db, isolation_level=None)
    idle.execute("SELECT count(*) FROM sentences").fetchone()
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 0 and "back to the disk" in out, err
    wal = db.with_name(db.name + "-wal")
    on_disk = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    assert on_disk < 0.5 * before, (before, db.stat().st_size, wal.stat().st_size if wal.exists() else None)
    idle.close()


def test_a_wal_a_search_held_through_the_vacuum_is_cut_by_the_next_run(tmp_path, index_model, run_cli):
    # Session 47: a search reading while `forget` gave space back keeps the VACUUM's WAL (SQLite
    # needs it for that search's snapshot); with a TUI left open after it, the 20 MB WAL of a
    # 17.8 MB index (Flask's, Werkzeug's, Click's and Jinja's docs, half forgotten) stayed 20 MB
    # through later `index` runs, until the TUI closed. A later run now cuts it to WAL_KEEP_BYTES.
    from simsearch.store import WAL_KEEP_BYTES

    store, db, kept, gone = _index(tmp_path, index_model, big=1500)
    store.close()
    reader = sqlite3.connect(db, isolation_level=None)  # a search, then a TUI left open
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sentences").fetchone()
    code, out, err = run_cli("forget", gone, "--db", db)
    assert code == 0 and "back to the disk" in out, err
    # (said: the disk holds more than before until the search ends, not less)
    assert "a search reading the index now keeps it, and a copy of the index beside it (its -wal file), until " \
           "that search ends" in " ".join(out.split()), out
    wal = db.with_name(db.name + "-wal")
    held = wal.stat().st_size
    assert held > 1.5 * WAL_KEEP_BYTES, held
    reader.execute("COMMIT")
    code, out, err = run_cli("index", "--db", db)  # nothing changed since
    assert code == 0, err
    assert wal.stat().st_size <= WAL_KEEP_BYTES, (held, wal.stat().st_size)
    reader.close()


CRASH_AFTER_RESTARTS = r"""
import os, sys
from pathlib import Path
from simsearch.store import Store

store = Store.open(Path(sys.argv[1]))
for round in range(6):  # 2 MiB a commit; each checkpoint lets the next commit restart the WAL, cut to the limit
    with store.transaction():
        store.set_setting(f"blob{round}", str(round) * (2 << 20))
    if round % 2:
        store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
os._exit(0)  # killed: no checkpoint, no close
"""


def test_the_wal_size_limit_keeps_a_readers_snapshot_and_every_commit_of_a_killed_writer(tmp_path):
    """Review 47: ``journal_size_limit`` (session 47) cuts the WAL only when SQLite starts it again
    from the top, which it does only once no reader's snapshot needs a frame of it: a search
    reading through 12 MiB of commits still sees the index as it began, and a writer killed
    after its WAL was cut loses no commit."""
    import os
    import subprocess
    import sys
    from pathlib import Path


    db = tmp_path / "i.db"
    store = Store.open(db)
    with store.transaction():
        store.set_setting("before", "x")
    search = sqlite3.connect(db, isolation_level=None)
    search.execute("BEGIN")
    assert search.execute("SELECT count(*) FROM settings WHERE key LIKE 'blob%'").fetchone() == (0,)
    for round in range(6):
        with store.transaction():
            store.set_setting(f"blob{round}", str(round) * (2 << 20))
        store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        assert search.execute("SELECT count(*) FROM settings WHERE key LIKE 'blob%'").fetchone() == (0,)
    search.execute("COMMIT")
    assert search.execute("SELECT count(*) FROM settings WHERE key LIKE 'blob%'").fetchone() == (6,)
    search.close()
    store.close()

    killed = tmp_path / "k.db"
    Store.open(killed).close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", CRASH_AFTER_RESTARTS, str(killed)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(killed)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        values = dict(conn.execute("SELECT key, value FROM settings WHERE key LIKE 'blob%'").fetchall())
        assert values == {f"blob{r}": str(r) * (2 << 20) for r in range(6)}
    finally:
        conn.close()
