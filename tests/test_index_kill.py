"""Kill the indexer with SIGKILL at random points, run it again: same index as an uninterrupted run."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from simsearch.search import Searcher
from simsearch.store import Store

WORDS = ("river mountain engine violin garden theorem harbour cathedral glacier lantern meadow "
         "compiler orchard telescope monsoon parliament").split()


def write_tree(root: Path, files: int = 500) -> None:
    rng = random.Random(7)
    for i in range(files):
        folder = root / f"part{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        paragraphs = []
        for p in range(3):
            sentences = [f"{' '.join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize()} {i}-{p}-{s}."
                         for s in range(rng.randint(2, 5))]
            paragraphs.append(" ".join(sentences))
        (folder / f"note{i:03d}.md").write_text(f"# Note {i}\n\n" + "\n\n".join(paragraphs) + "\n")


def _count(db: Path, table: str) -> int:
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def index_command(docs: Path, model: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "simsearch", "index", str(docs), "--model", str(model), "--db", str(db),
            "--json", "--batch-size", "16"]


def snapshot(db: Path, model: str, queries: list[str]):
    store = Store.open(db, create=False)
    documents = {path: [row[0] for row in store.conn.execute(
                     "SELECT text FROM sentences WHERE document_id = ? ORDER BY ordinal", (doc_id,))]
                 for doc_id, path in store.conn.execute("SELECT id, path FROM documents")}
    searcher = Searcher.open(store, model)
    results = [[(h.path, h.line, h.text, round(h.score, 4)) for h in searcher.search(q, 5)] for q in queries]
    return documents, results, store


def test_sigkill_at_random_points_then_a_rerun_equals_an_uninterrupted_run(tmp_path, index_model):
    docs = tmp_path / "docs"
    write_tree(docs)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run(index_command(docs, index_model, tmp_path / "reference.db"), env=env,
                          capture_output=True, text=True, timeout=300)
    duration = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 500
    expected_vectors = sum(1 for _ in Store.open(tmp_path / "reference.db").conn.execute("SELECT id FROM sentences"))

    db = tmp_path / "killed.db"
    rng = random.Random(1)
    states = []
    # Kill once while files are being written, once between chunks of vectors, once at a
    # random time near the end (HNSW build and save): targets are read from the live database.
    targets = [("documents", rng.randint(20, 400)), ("vectors", rng.randint(2100, 4000)), ("time", None)]
    for table, target in targets:
        process = subprocess.Popen(index_command(docs, index_model, db), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.perf_counter() + (rng.uniform(0.85, 1.0) * duration if table == "time" else 120)
        while process.poll() is None and time.perf_counter() < deadline:
            if table != "time" and db.exists() and _count(db, table) >= target:
                break
            time.sleep(0.002)
        process.kill()
        process.wait()
        states.append((table, target, _count(db, "documents"), _count(db, "vectors")))
    print("kill target, documents, vectors after each kill:", states, f"(uninterrupted run {duration:.1f} s)")
    assert 0 < states[0][2] < 500 and 0 < states[1][3] < expected_vectors, states
    final = subprocess.run(index_command(docs, index_model, db), env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses[-1] == "done" and "running" not in statuses and "killed" in statuses
    conn.close()
    queries = ["river engine garden", "Note 17", "telescope over the harbour", "compiler orchard monsoon"]
    expected_docs, expected_results, _ = snapshot(tmp_path / "reference.db", str(index_model), queries)
    got_docs, got_results, store = snapshot(db, str(index_model), queries)
    assert len(got_docs) == 500 and got_docs == expected_docs  # every file exactly once, same sentences
    assert store.count_missing_vectors(store.model(str(index_model)).id) == 0
    assert got_results == expected_results
    ids, vectors = store.vectors(store.model(str(index_model)))
    assert len(np.unique(ids)) == len(ids) == sum(len(s) for s in got_docs.values())
