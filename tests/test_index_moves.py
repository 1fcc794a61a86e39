"""Moved, renamed, copied and swapped files keep their vectors (brief ZM, D6), an interrupted run
counts exactly what it saved (D7), and long phases show a bar (D8).

The oracle for D6 is a fresh index of the same files: after any sequence of moves, copies,
swaps, edits and deletions, each followed by ``index``, the index holds the same documents,
sentences and full-text rows as a fresh one, and every sentence's vector is byte for byte the
one the fresh index gives it (the encoder embeds each text alone, so a vector found under
another path is the vector). And what a run encodes is exactly its sentences whose text the
index did not hold before the run: a pure move encodes nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import indexer
from simsearch.store import Store

POOL = [f"Sentence {word} tells of {other} rivers and hills." for word, other in
        zip(("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"),
            ("red", "green", "blue", "grey", "white", "black", "brown", "pink", "gold", "teal"))]
NAMES = ["a.txt", "b.txt", "c.txt", "archive/a.txt", "archive/d.txt", "old/e.md"]


def write(root: Path, files: dict[str, list[int]]) -> None:
    """Make ``root`` hold exactly ``files`` (name -> indices into POOL, one paragraph each)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, sentences in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(POOL[i] for i in sentences) + "\n")


def move(root: Path, src: str, dst: str) -> None:
    """``mv`` (a rename keeps the inode, as a user's move does)."""
    (root / dst).parent.mkdir(parents=True, exist_ok=True)
    (root / src).rename(root / dst)


def contents(store: Store) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path, text in store.conn.execute("SELECT d.path, s.text FROM sentences s JOIN documents d "
                                         "ON d.id = s.document_id ORDER BY d.path, s.ordinal"):
        out.setdefault(path, []).append(text)
    return out


def vectors(store: Store) -> dict[tuple[str, str, int], bytes]:
    """(model path, document path, ordinal) -> the stored vector's bytes."""
    rows = store.conn.execute(
        "SELECT m.path, d.path, s.ordinal, v.embedding FROM vectors v JOIN models m ON m.id = v.model_id "
        "JOIN sentences s ON s.id = v.sentence_id JOIN documents d ON d.id = s.document_id")
    return {(model, path, ordinal): blob for model, path, ordinal, blob in rows}


def fts_rows(store: Store) -> list[tuple[str, int, str]]:
    """The full-text rows, by document path and ordinal (ids differ between two indexes)."""
    return sorted(store.conn.execute(
        "SELECT d.path, s.ordinal, f.text FROM sentences_fts f JOIN sentences s ON s.id = f.rowid "
        "JOIN documents d ON d.id = s.document_id"))


def held_keys(store: Store) -> list[tuple[str, str | None]]:
    """Each sentence's (text, context): what a vector is reused by (context NULL: sentence vectors)."""
    return store.conn.execute("SELECT text, context FROM sentences").fetchall()


files_strategy = st.dictionaries(st.sampled_from(NAMES), st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4),
                                 min_size=1, max_size=4)
# One step between two runs: what the user did to the files.
step_strategy = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from(NAMES)),
    st.tuples(st.just("copy"), st.integers(0, 20), st.sampled_from(NAMES)),
    st.tuples(st.just("swap"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("edit"), st.integers(0, 20), st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4)),
    st.tuples(st.just("delete"), st.integers(0, 20), st.none()),
)


def apply(root: Path, files: dict[str, list[int]], step) -> None:
    """Apply one step to the files on disk and to ``files`` (their model)."""
    kind, pick, arg = step
    names = sorted(files)
    src = names[pick % len(names)]
    if kind == "move" and arg != src:
        if arg in files:
            (root / arg).unlink()
        move(root, src, arg)
        files[arg] = files.pop(src)
    elif kind == "copy" and arg != src:
        (root / arg).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / src, root / arg)
        files[arg] = list(files[src])
    elif kind == "swap":
        other = names[arg % len(names)]
        if other != src:
            move(root, src, "swap.tmp")
            move(root, other, src)
            move(root, "swap.tmp", other)
            files[src], files[other] = files[other], files[src]
    elif kind == "edit":
        (root / src).write_text("\n\n".join(POOL[i] for i in arg) + "\n")
        files[src] = list(arg)
    elif kind == "delete" and len(files) > 1:
        (root / src).unlink()
        del files[src]


@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=files_strategy, runs=st.lists(st.lists(step_strategy, min_size=1, max_size=3), min_size=1, max_size=3),
       precision=st.sampled_from(["fp32", "bf16"]))
def test_moves_copies_swaps_and_edits_leave_the_index_a_fresh_index_would_build(index_model, tiny_model, files,
                                                                                 runs, precision):
    models = [str(index_model), str(tiny_model)]  # two models: a vector is never taken from another model
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "docs"
        write(root, files)
        store = Store.open(tmp / "index.db")
        try:
            indexer.index(store, [root], models, progress=False, precision=precision)
            for number, steps in enumerate(runs):
                for step in steps:
                    apply(root, files, step)
                before = set(held_keys(store))
                report = indexer.index(store, [root], progress=False)
                # What was embedded: exactly the sentences whose text (and window, with context
                # vectors) the index did not hold.
                new = sum(key not in before for key in held_keys(store))
                assert report.encoded == {name: new for name in report.models}, (steps, report.encoded)
                fresh = Store.open(tmp / f"fresh-{number}.db")
                try:
                    indexer.index(fresh, [root], models, progress=False, precision=precision)
                    assert contents(store) == contents(fresh)
                    assert store.check_fts() == [] and fts_rows(store) == fts_rows(fresh)
                    assert vectors(store) == vectors(fresh)  # every sentence, every model, bit for bit
                finally:
                    fresh.close()
        finally:
            store.close()


def test_a_moved_folder_encodes_nothing_and_its_old_paths_are_gone(tmp_path, index_model, run_cli):
    """The hunter's D6 through the CLI: `mv notes archive-2024` re-encoded every sentence."""
    import json

    root = tmp_path / "docs"
    write(root, {f"notes/n{i}.txt": [i % len(POOL), (i + 3) % len(POOL)] for i in range(6)})
    db = tmp_path / "i.db"
    code, out, err = run_cli("index", root, "--model", index_model, "--db", db, "--json")
    assert code == 0, err
    first = json.loads(out)
    move(root, "notes", "archive-2024")
    code, out, err = run_cli("index", "--db", db, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["added"], report["removed"]) == (6, 6)
    assert report["encoded"] == {name: 0 for name in first["encoded"]}
    store = Store.open(db, create=False)
    try:
        assert all("/archive-2024/" in path for path in contents(store))
        missing = store.count_missing_vectors(store.models()[0].id)
        assert missing == 0 and store.count_vectors(store.models()[0].id) == 12
    finally:
        store.close()


def test_vectors_of_another_precision_are_not_reused(tmp_path, index_model):
    """Re-embedding at another precision in the same run as a move: every vector is made anew
    at the new precision (the fp32 ones the moved file's old copy held are not taken)."""
    root = tmp_path / "docs"
    write(root, {"a.txt": [0, 1, 2]})
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], progress=False, precision="fp32")
        move(root, "a.txt", "b.txt")
        report = indexer.index(store, [root], [str(index_model)], progress=False, precision="bf16")
        assert list(report.encoded.values()) == [3]
        fresh = Store.open(tmp_path / "fresh.db")
        try:
            indexer.index(fresh, [root], [str(index_model)], progress=False, precision="bf16")
            assert vectors(store) == vectors(fresh)
        finally:
            fresh.close()
    finally:
        store.close()


# --- D7: an interrupt right after a commit ------------------------------------------------

def interrupt_after_commit(monkeypatch, method: str, nth: int) -> None:
    """Raise KeyboardInterrupt just after the ``nth`` transaction that calls ``Store.<method>``
    commits: where a SIGINT lands between a commit and the code after it."""
    import contextlib

    state = {"calls": 0, "fired": False}
    real_method, real_transaction = getattr(Store, method), Store.transaction

    def counted(self, *args, **kwargs):
        state["calls"] += 1
        return real_method(self, *args, **kwargs)

    @contextlib.contextmanager
    def transaction(self):
        before = state["calls"]
        with real_transaction(self):
            yield
        if not state["fired"] and before < nth <= state["calls"]:
            state["fired"] = True
            raise KeyboardInterrupt

    monkeypatch.setattr(Store, method, counted)
    monkeypatch.setattr(Store, "transaction", transaction)


@pytest.mark.parametrize("nth", [1, 3])
def test_an_interrupt_right_after_a_file_is_saved_counts_that_file(tmp_path, index_model, monkeypatch, nth):
    import re

    from simsearch.errors import Interrupted

    root = tmp_path / "docs"
    write(root, {f"n{i}.txt": [i, i + 1] for i in range(5)})
    store = Store.open(tmp_path / "i.db")
    try:
        interrupt_after_commit(monkeypatch, "replace_document", nth)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [root], [str(index_model)], progress=False)
        monkeypatch.undo()
        documents = store.counts()["documents"]
        assert documents == nth  # the nth file was committed, the interrupt came after
        said = re.search(r"interrupted; ([0-9,]+) new or changed files?", str(info.value))
        assert said and int(said.group(1)) == documents, str(info.value)
        run = store.last_run()
        assert run["status"] == "interrupted"
        assert run["files_changed"] - run["files_removed"] == documents
        assert run["sentences_added"] == store.counts()["sentences"]
    finally:
        store.close()


def test_an_interrupt_counts_files_read_again_by_a_new_version_apart(tmp_path, index_model, monkeypatch):
    """After an upgrade every unchanged file is read again; an interrupt said "3 new or changed
    files saved", as ``status`` did, where the summary says "read again by this version"."""
    from simsearch.errors import Interrupted
    from simsearch.extract import EXTRACTOR_VERSION

    root = tmp_path / "docs"
    write(root, {f"n{i}.txt": [i, i + 1] for i in range(4)})
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], progress=False)
        with store.transaction():
            store.conn.execute("UPDATE documents SET extractor_version = ?", (EXTRACTOR_VERSION - 1,))
        (root / "n0.txt").write_text(POOL[7] + "\n\n" + POOL[8] + "\n")  # one file really changed
        interrupt_after_commit(monkeypatch, "replace_document", 3)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [root], [str(index_model)], progress=False)
        monkeypatch.undo()
        run = store.last_run()
        again = run["files_reextracted"]
        assert run["files_changed"] == 3 and again in (2, 3), run  # n0.txt changed, or read first
        changed = 3 - again
        said = str(info.value)
        assert f"{again:,} files read again by this version of simsearch" in said, said
        assert (f"{changed} new or changed file" in said) == bool(changed), said
    finally:
        store.close()


def test_an_interrupt_right_after_a_chunk_of_vectors_is_saved_counts_those_vectors(tmp_path, index_model,
                                                                                    monkeypatch):
    import re

    from simsearch.errors import Interrupted

    root = tmp_path / "docs"
    write(root, {"a.txt": list(range(7))})
    store = Store.open(tmp_path / "i.db")
    try:
        monkeypatch.setattr(indexer, "EMBED_CHUNK", 3)
        interrupt_after_commit(monkeypatch, "add_vectors", 2)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [root], [str(index_model)], progress=False)
        monkeypatch.undo()
        saved = store.count_vectors(store.models()[0].id)
        # Two chunks of 3 committed, then Ctrl-C: the seventh vector, made and not yet committed,
        # is written too (session 42), and the second chunk, committed just before, not twice.
        assert saved == 7
        said = re.search(r"and ([0-9,]+) vectors? for ", str(info.value))
        assert said and int(said.group(1)) == saved, str(info.value)
        assert store.last_run()["sentences_encoded"] == saved
        # The next run has nothing left to embed, and its row says so.
        report = indexer.index(store, [root], progress=False)
        assert list(report.encoded.values()) == [0]
        run = store.last_run()
        assert (run["status"], run["files_changed"], run["sentences_added"], run["sentences_encoded"]) == ("done", 0, 0, 0)
    finally:
        store.close()


# --- D8: long phases show a bar -------------------------------------------------------------

class Bars:
    """Stands in for ``indexer.progress_bar``: records each bar and what it was advanced by."""

    def __init__(self):
        self.bars: list[dict] = []

    def __call__(self, total, description, *, unit="sent", enabled=True):
        import contextlib

        bar = {"total": total, "description": description, "unit": unit, "enabled": enabled, "steps": []}
        self.bars.append(bar)

        @contextlib.contextmanager
        def run():
            yield lambda n=1, **fields: bar["steps"].append(n)

        return run()

    def named(self, prefix: str) -> list[dict]:
        return [bar for bar in self.bars if bar["description"].startswith(prefix)]


def test_a_few_large_files_show_a_reading_bar_by_bytes_that_moves_inside_each_file(tmp_path, index_model, monkeypatch):
    root = tmp_path / "docs"
    root.mkdir()
    for name in ("big-1.txt", "big-2.txt"):
        (root / name).write_text("\n\n".join(f"{POOL[i % len(POOL)]} Number {i}." for i in range(40)) + "\n")
    (root / "small.txt").write_text("A small note.\n")
    bars = Bars()
    monkeypatch.setattr(indexer, "progress_bar", bars)
    monkeypatch.setattr(indexer, "READ_BAR_BYTES", 3000)  # the two files are ~4 kB each
    monkeypatch.setattr(indexer, "READ_BAR_SENTENCES", 8)
    # Written in the second they are read, the large files would be hashed again by the next run
    # (``indexer._racily_clean``), which would show its bar: their stat is trusted here.
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], progress=True)
        [reading] = bars.named("reading files")
        sizes = sum(path.stat().st_size for path in root.iterdir())
        assert reading["enabled"] and reading["unit"] == "B" and reading["total"] == sizes
        assert sum(reading["steps"]) == sizes and all(step >= 0 for step in reading["steps"])
        # 40 sentences a file, a move every 8: the bar moves inside each large file, not once per file.
        assert len([step for step in reading["steps"] if step > 0]) >= 2 * 4
        # Few small files: no bar, as before (nothing to wait for).
        (root / "small.txt").write_text("A small note, edited.\n")
        bars.bars.clear()
        indexer.index(store, [root], progress=True)
        assert [bar["enabled"] for bar in bars.named("reading files")] == [False]
        # Without progress (--json), never.
        (root / "big-1.txt").write_text("Rewritten.\n" * 400)
        bars.bars.clear()
        indexer.index(store, [root], progress=False)
        assert not any(bar["enabled"] for bar in bars.bars)
    finally:
        store.close()


def test_building_and_patching_the_hnsw_file_show_a_bar_and_are_reported(tmp_path, index_model, monkeypatch):
    from simsearch import ann

    monkeypatch.setattr(ann, "EXACT_BELOW", 5)
    monkeypatch.setattr(ann, "ADD_CHUNK", 4)
    root = tmp_path / "docs"
    write(root, {"a.txt": list(range(10))})
    bars = Bars()
    monkeypatch.setattr(indexer, "progress_bar", bars)
    store = Store.open(tmp_path / "i.db")
    try:
        report = indexer.index(store, [root], [str(index_model)], progress=True)
        name = report.models[0]
        [build] = bars.named("building HNSW")
        assert build["enabled"] and build["total"] == 10 and build["steps"] == [4, 4, 2, 0]
        assert report.hnsw == {name: "built"}
        # A run that only rebuilds the file (deleted) shows the bar and says so.
        row = store.models()[0]
        ann.ann_path(store, row).unlink()
        bars.bars.clear()
        report = indexer.index(store, [root], progress=True)
        assert report.changed == 0 and not any(report.encoded.values())
        assert report.hnsw == {name: "built"} and sum(bars.named("building HNSW")[0]["steps"]) == 10
        # New vectors patch the file: a bar for what is added.
        write(root, {"a.txt": list(range(10)), "b.txt": [0, 1]})
        (root / "b.txt").write_text("A new sentence here.\n\nAnother new one there.\n")
        bars.bars.clear()
        report = indexer.index(store, [root], progress=True)
        [patch] = bars.named("patching HNSW")
        assert report.hnsw == {name: "patched"} and patch["total"] == 2 and sum(patch["steps"]) == 2
        # Only deletions: the file is saved again (reported), with nothing to add (no bar).
        (root / "b.txt").unlink()
        bars.bars.clear()
        report = indexer.index(store, [root], progress=True)
        assert report.hnsw == {name: "patched"} and not bars.named("patching HNSW")
        # Nothing to do: no bar, nothing reported.
        bars.bars.clear()
        report = indexer.index(store, [root], progress=True)
        assert report.hnsw == {} and not bars.named("building HNSW") and not bars.named("patching HNSW")
        # The file built in slices answers as exactly as search needs: each vector finds itself.
        searcher_index = ann.VectorIndex.open(store, store.models()[0], save=False)
        ids, matrix = store.vectors(store.models()[0])
        assert searcher_index.hnsw is not None
        assert [int(searcher_index.search(vector, 1)[0][0]) for vector in matrix] == ids.tolist()
    finally:
        store.close()


def test_the_bars_are_drawn_on_a_terminal(tmp_path, index_model, monkeypatch):
    """Through progress.py's console (the hook the other bar tests use): the reading bar in
    bytes and the HNSW bar reach the terminal, with their rate and ETA columns."""
    import io
    import re

    from rich.console import Console

    from simsearch import ann, progress

    monkeypatch.setattr(ann, "EXACT_BELOW", 5)
    monkeypatch.setattr(indexer, "READ_BAR_BYTES", 100)
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=200))
    root = tmp_path / "docs"
    write(root, {"a.txt": list(range(10))})
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], progress=True)
    finally:
        store.close()
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue())
    size = (root / "a.txt").stat().st_size
    assert "reading files" in text and f"/{size} bytes" in text  # counted in bytes
    assert "building HNSW" in text and "/10 " in text and "vec/s" in text and "eta" in text


# --- m0012: the look-up by text --------------------------------------------------------------

def test_an_index_from_before_m0012_gets_the_text_index_and_its_moved_files_keep_their_vectors(tmp_path, index_model):
    """An index written before m0012 (no ``sentences_text``) opens migrated: the index is built
    over the sentences it holds, a file moved since is found by its text, and the look-up goes
    through that index (SQLite's own plan read all of a model's vectors: 6.5 ms a sentence)."""
    import sqlite3

    from simsearch import migrations
    from simsearch.store import HELD_VECTOR_SQL

    root = tmp_path / "docs"
    write(root, {"a.txt": [0, 1, 2], "b.txt": [3, 4]})
    path = tmp_path / "old.db"
    names = [m.name for m in migrations.MIGRATIONS]
    old = Store(path, sqlite3.connect(path, isolation_level=None))  # as the previous simsearch left it
    try:
        old.migrate(upto=names.index("0012_sentence_text_index"))
        # Today's indexer writes columns of later migrations (m0013's run count): given them, the
        # index m0012 makes stays out.
        old.conn.execute("ALTER TABLE runs ADD COLUMN files_reextracted INTEGER")
        old.conn.execute("ALTER TABLE documents ADD COLUMN lines_are_sentences INTEGER")  # m0014's
        old.conn.execute("ALTER TABLE documents ADD COLUMN lines_are_blocks INTEGER")  # m0015's (read at any --vector-context)
        old.conn.execute("ALTER TABLE sentences ADD COLUMN context TEXT")
        indexer.index(old, [root], [str(index_model)], progress=False)
        old.conn.execute("ALTER TABLE runs DROP COLUMN files_reextracted")
        old.conn.execute("ALTER TABLE documents DROP COLUMN lines_are_sentences")
        old.conn.execute("ALTER TABLE documents DROP COLUMN lines_are_blocks")
        old.conn.execute("ALTER TABLE sentences DROP COLUMN context")
        old.conn.execute("DELETE FROM settings WHERE key = 'context_window'")
        assert "sentences_text" not in {name for (name,) in old.conn.execute("SELECT name FROM sqlite_master")}
    finally:
        old.close()
    move(root, "a.txt", "archive/a.txt")
    store = Store.open(path)
    try:
        assert "0012_sentence_text_index" in migrations.applied(store.db)
        plan = [step for *_, step in store.conn.execute("EXPLAIN QUERY PLAN " + HELD_VECTOR_SQL, (1, "x", None))]
        assert "sentences_text" in plan[0] and "vectors" not in plan[0], plan
        report = indexer.index(store, [root], progress=False)
        assert list(report.encoded.values()) == [0] and report.added == report.removed == 1
        fresh = Store.open(tmp_path / "fresh.db")
        try:
            indexer.index(fresh, [root], [str(index_model)], progress=False)
            assert vectors(store) == vectors(fresh)
        finally:
            fresh.close()
    finally:
        store.close()


def test_a_text_without_a_vector_is_looked_up_once_a_run_however_many_files_hold_it(tmp_path, index_model):
    """Each look-up walks every copy of the text: a line shared by N new files cost N look-ups of
    up to N copies (quadratic: ~50 s for 50k files). Found by a review."""
    from simsearch.store import HELD_VECTOR_SQL

    root = tmp_path / "docs"
    root.mkdir()
    for i in range(30):
        (root / f"{i:02}.txt").write_text(f"Back to the top of the page.\n\nPage number {i} talks about boats.\n")
    store = Store.open(tmp_path / "i.db")
    lookups = []
    try:
        store.conn.set_trace_callback(lambda sql: lookups.append(sql) if sql.startswith(HELD_VECTOR_SQL[:40]) else None)
        report = indexer.index(store, [root], [str(index_model)], progress=False, device="cpu")
        store.conn.set_trace_callback(None)
        # one look-up a distinct text (31), not one a sentence (60); and every sentence has its vector
        assert len(lookups) == 31
        assert list(report.encoded.values()) == [60]  # sentences given a vector (31 texts encoded)
        assert store.conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 60
    finally:
        store.close()


# --- Found by session 41's user trial (edits, moves, retraining).

def _moved_folder_index(tmp_path, index_model, run_cli, vector_context: str):
    """docs indexed, then moved to docs2 and docs2 indexed: the README's way to keep vectors
    (`index NEW` first); docs's documents stay in the index (a missing folder may be a drive not
    mounted) until `forget --missing`."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Intro line here.\n\nThe river runs to the sea.\n\nCats sleep all day long.\n")
    (docs / "b.txt").write_text("A dog barks at night near the river.\n")
    db = tmp_path / "i.db"
    common = ("--db", db, "-m", index_model, "--vector-context", vector_context)
    assert run_cli("index", docs, *common)[0] == 0
    docs.rename(tmp_path / "docs2")
    code, _, err = run_cli("index", tmp_path / "docs2", *common)
    assert code == 0, err
    return db


@pytest.mark.parametrize("vector_context", ["0", "1"])
@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_a_hit_stands_under_its_copy_on_disk_not_under_a_gone_one(tmp_path, index_model, run_cli, monkeypatch,
                                                                   mode, vector_context):
    """After `mv docs docs2; simsearch index docs2` every result was named by its gone copy
    (docs/a.txt:3, "gone since indexed"), the live one only among `other_locations`: the copies
    tie (the same text, the same neighbours and file name: the same vector, the same BM25), and
    ties go by sentence id, the old copy's lower. Of copies that tie, the one whose file holds
    what was indexed stands for the text."""
    monkeypatch.chdir(tmp_path)
    db = _moved_folder_index(tmp_path, index_model, run_cli, vector_context)
    code, out, err = run_cli("search", "river runs to the sea", "--db", db, "-m", index_model, "--mode", mode,
                             "-k", "3", "--json")
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits and all(hit["path"].startswith(str(tmp_path / "docs2")) for hit in hits)
    assert all(hit["file"] == "indexed" for hit in hits)
    [river] = [hit for hit in hits if hit["text"] == "The river runs to the sea."]
    assert river["location"] == "docs2/a.txt:3" and river["copies"] == 2
    assert [place["location"] for place in river["other_locations"]] == ["docs/a.txt:3"]
    if vector_context == "1" or mode != "lexical":
        assert river["before"] == ["Intro line here."]  # its own file's neighbours (--context 1)


def test_a_hit_whose_file_cannot_be_read_now_says_index_would_take_it_out(tmp_path, index_model, run_cli):
    """A session-47 user trial: a file made unreadable (chmod 000) was noted "cannot be read now: run
    simsearch index", and `index` then took its sentences out (as a fresh index, which cannot read
    it, would not hold them): the note gave the remedy that loses the text. It now names both."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river runs to the sea.\n")
    (docs / "b.txt").write_text("A dog barks at night.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model)[0] == 0
    (docs / "a.txt").unlink()
    (docs / "a.txt").mkdir()  # not a file any more: unreadable whoever runs the test (root reads a chmod 000 file)
    code, out, err = run_cli("search", "river sea", "--db", db, "-m", index_model, "--mode", "lexical", "--json")
    assert code == 0, err
    assert json.loads(out.splitlines()[0])["file"] == "unreadable"
    code, out, err = run_cli("search", "river sea", "--db", db, "-m", index_model, "--mode", "lexical")
    note = " ".join(out.replace("│", " ").split())
    assert code == 0 and "cannot be read now: make it readable again" in note, note
    assert "or run simsearch index --db" in note and "to take it out" in note, note
