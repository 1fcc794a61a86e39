"""Searching while ``index`` rewrites the database (helper F saw a deleted sentence id come back
from HNSW while sphinx-docs was re-indexed in another process).

The invariant, checked against brute force over the vectors table: a search answers from the
one database snapshot it reads, its ids and scores are those of that snapshot's top k, and k
of them come back when the snapshot holds k. A ``Searcher`` opened before a re-index (the CLI
loading its encoder, a TUI session, a benchmark embedding its queries) used to search the
vectors as they were when it was opened and read the sentences as they are now: deleted ids
came back (and were skipped, leaving fewer than k hits) and sentences indexed since were
never found.

The store is filled directly (random unit vectors, no model); ``ann.EXACT_BELOW`` is lowered
so that HNSW serves the searches (below ``hnsw_ef`` entries it visits the whole graph, so it
is exact here and any difference from brute force is a bug).
"""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import ann
from simsearch.errors import SimsearchError
from simsearch.search import Searcher
from simsearch.segment import Sentence
from simsearch.store import Store
from tests.test_ann_trust import DIM, LoadSpy, oracle, unit

K = 5


class Writer:
    """What ``simsearch index`` does to the database, on its own connection: one transaction per
    file (sentences replaced, vectors of unchanged texts carried over), then one that stores
    the new sentences' vectors; and saving the HNSW file. Remembers every vector it wrote."""

    def __init__(self, path: Path, seed: int):
        self.store = Store.open(path)
        self.rng = np.random.default_rng(seed)
        self.vectors: dict[int, np.ndarray] = {}  # every id ever given a vector (ids are never reused)
        self.texts: dict[str, list[str]] = {}
        self.serial = 0
        with self.store.transaction():
            self.row = self.store.add_model("m", str(path.parent / "m"), "fp-1", DIM, "avg")

    def write(self, doc: str, keep: int = 0, new: int = 3, embed: bool = True) -> None:
        """Index ``doc`` again: its first ``keep`` texts unchanged, ``new`` new ones."""
        texts = self.texts.get(doc, [])[:keep]
        for _ in range(new):
            self.serial += 1
            texts.append(f"{doc} sentence {self.serial}")
        self.texts[doc] = texts
        with self.store.transaction():
            self.store.replace_document(f"/docs/{doc}.txt", f"h{self.serial}", self.serial, 1, "text",
                                        [Sentence(text, 0, 1, i + 1) for i, text in enumerate(texts)])
        if embed:
            self.embed()

    def embed(self) -> None:
        rows = self.store.missing_vectors(self.row.id, 10_000)
        if rows:
            vectors = unit(self.rng, len(rows))
            with self.store.transaction():
                self.store.add_vectors(self.row.id, [r[0] for r in rows], vectors)
            self.vectors.update(zip((r[0] for r in rows), vectors))

    def delete(self, doc: str) -> None:
        self.texts.pop(doc, None)
        with self.store.transaction():
            found = self.store.conn.execute("SELECT id FROM documents WHERE path = ?", (f"/docs/{doc}.txt",)).fetchone()
            if found:
                self.store.delete_documents([found[0]])

    def save(self) -> None:
        ann.VectorIndex.open(self.store, self.row, save=True)


def reader(path: Path, row) -> Searcher:
    """A searcher without an encoder (queries are given as vectors)."""
    store = Store.open(path)
    return Searcher(store, store.model_by_id(row.id), ann.VectorIndex.open(store, row, save=False), ref=object())


def check_search(searcher: Searcher, query: np.ndarray, k: int, path_glob: str | None = None, *,
                 collapse: bool = True) -> list:
    """One search through the Searcher, inside a snapshot that the oracle then reads too: the hits
    are the brute-force top k of that snapshot (ids with their own scores, k when it holds k)."""
    store = searcher.store
    with store.snapshot():
        if collapse:  # the CLI's path (texts are unique here, so collapsing changes nothing)
            hits = searcher._search("query", query, k, "dense", None, path_glob, 0)
        else:
            hits = searcher.search_vector(query, k, path_glob=path_glob, context=0)
        truth = oracle(store, searcher.model.id, DIM)
        if path_glob is not None:
            allowed = set(searcher.allowed_ids(path_glob).tolist())
            truth = {i: v for i, v in truth.items() if i in allowed}
    ids = np.array(sorted(truth), dtype=np.int64)
    true = np.stack([truth[i] for i in ids]) @ query if len(ids) else np.empty(0, np.float32)
    by_id = dict(zip(ids.tolist(), true.tolist()))
    got = [hit.sentence_id for hit in hits]
    assert len(got) == min(k, len(ids)) == len(set(got)), f"{len(got)} hits for k={k} over {len(ids)} vectors"
    for hit in hits:
        assert hit.sentence_id in by_id, f"sentence {hit.sentence_id} is not in the snapshot searched"
        assert hit.score == pytest.approx(by_id[hit.sentence_id], abs=1e-4), f"{hit.sentence_id} scored wrong"
    expected = np.sort(true)[::-1][: len(got)]
    assert np.allclose([hit.score for hit in hits], expected, atol=1e-4), "not the top k of the snapshot"
    return hits


@pytest.fixture
def hnsw(monkeypatch):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)


# --- the observation, deterministic ----------------------------------------------------------------

@pytest.mark.parametrize("use_hnsw", [True, False])
def test_a_searcher_opened_before_a_reindex_finds_the_new_sentences_and_no_deleted_ones(tmp_path, monkeypatch,
                                                                                        use_hnsw):
    """F's observation: ``index`` replaces a document's sentences after the searcher opened."""
    if use_hnsw:
        monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    writer = Writer(tmp_path / "index.db", seed=1)
    for d in range(6):
        writer.write(f"d{d}", new=5)
    writer.save()
    searcher = reader(writer.store.path, writer.row)
    assert searcher.vectors.method == ("hnsw" if use_hnsw else "exact") and not searcher.vectors.repaired
    old = {sid for sid, in searcher.store.conn.execute("SELECT id FROM sentences WHERE document_id = 1")}
    query = writer.vectors[min(old)]  # the old document's best match: itself
    writer.write("d0", keep=2, new=3)  # extractor changed: new ids for every sentence of d0
    writer.write("d6", new=4)
    writer.delete("d5")
    new = {sid for sid, in searcher.store.conn.execute(
        "SELECT s.id FROM sentences s JOIN documents d ON d.id = s.document_id WHERE d.path = '/docs/d0.txt'")}
    monkeypatch.setattr(fcntl, "flock", lambda *a: pytest.fail("a reader took a file lock"))
    changes = searcher.store.conn.total_changes
    ids, _ = searcher.vectors.search(query, K)
    assert not set(ids.tolist()) & old, "a deleted sentence id came back from the vector index"
    hits = check_search(searcher, query, K)
    assert hits[0].sentence_id in new  # the carried-over copy of the query's text, found
    check_search(searcher, unit(np.random.default_rng(2), 1)[0], 1000, collapse=False)
    check_search(searcher, query, K, "/docs/d0.txt")
    assert searcher.store.conn.total_changes == changes, "a search wrote to the database"
    assert searcher.size == len(oracle(searcher.store, writer.row.id, DIM))


# --- the invariant, for any interleaving ------------------------------------------------------------

OPS = st.lists(st.one_of(
    st.tuples(st.just("write"), st.integers(0, 7), st.integers(0, 4), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("embed")),
    st.tuples(st.just("delete"), st.integers(0, 7)),
    st.tuples(st.just("save")),
    st.tuples(st.just("search"), st.integers(1, 12), st.integers(0, 2**31), st.sampled_from([None, "/docs/d[0-3].txt"]),
              st.booleans()),
), min_size=1, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=OPS, seed=st.integers(0, 2**32 - 1), start=st.integers(2, 8))
def test_any_interleaving_of_index_and_search_answers_from_the_snapshot_read(hnsw, ops, seed, start):
    """Documents written (some texts kept, some not embedded yet), deleted, the file saved, and
    searched, in any order, by one searcher opened at the start: every search is brute force
    over the vectors the database holds at that moment."""
    with tempfile.TemporaryDirectory() as folder:
        writer = Writer(Path(folder) / "index.db", seed)
        for d in range(start):
            writer.write(f"d{d}", new=4)
        if seed % 2:
            writer.save()  # else the reader builds in memory
        searcher = reader(writer.store.path, writer.row)
        rng = np.random.default_rng(seed)
        for op in ops:
            if op[0] == "write":
                writer.write(f"d{op[1]}", keep=op[2], new=op[3], embed=op[4])
            elif op[0] == "embed":
                writer.embed()
            elif op[0] == "delete":
                writer.delete(f"d{op[1]}")
            elif op[0] == "save":
                writer.save()
            else:
                _, k, pick, glob, collapse = op
                stored = list(writer.vectors.values())
                query = stored[pick % len(stored)] if pick % 3 else unit(rng, 1)[0]
                check_search(searcher, query, k, glob, collapse=collapse)
        check_search(searcher, unit(rng, 1)[0], K)
        searcher.store.close()
        writer.store.close()


# --- within one query -----------------------------------------------------------------------------

def test_one_query_reads_one_snapshot_when_index_commits_in_the_middle(tmp_path, hnsw, monkeypatch):
    """``index`` deletes the best hit's document after the dense side answered and before the
    hits' rows are read: the query still answers from the state it began reading, k hits."""
    writer = Writer(tmp_path / "index.db", seed=3)
    for d in range(6):
        writer.write(f"d{d}", new=5)
    searcher = reader(writer.store.path, writer.row)
    query = writer.vectors[7]  # in d1
    real = Searcher._hits

    def commit_first(self, ids, scores, context):
        if ids.size:
            writer.delete("d1")
        return real(self, ids, scores, context)

    monkeypatch.setattr(Searcher, "_hits", commit_first)
    hits = searcher._search("query", query, K, "dense", None, None, 0)
    assert [hit.sentence_id for hit in hits][:1] == [7] and len(hits) == K
    monkeypatch.setattr(Searcher, "_hits", real)
    hits = check_search(searcher, query, K)  # the next query: d1 is gone
    assert 7 not in [hit.sentence_id for hit in hits]


# --- keeping up over a long session ------------------------------------------------------------------

def test_a_searcher_adopts_the_file_the_writer_saved_for_its_snapshot(tmp_path, hnsw, monkeypatch):
    """After an ``index`` run saved its file, an open searcher loads it (verified) instead of
    keeping the new vectors beside its old graph."""
    writer = Writer(tmp_path / "index.db", seed=4)
    for d in range(5):
        writer.write(f"d{d}", new=4)
    writer.save()
    searcher = reader(writer.store.path, writer.row)
    writer.write("d5", new=4)
    check_search(searcher, writer.vectors[max(writer.vectors)], K)
    assert len(searcher.vectors.flat[0]) == 4  # the new sentences, searched exactly beside the graph
    writer.save()
    saved = hashlib.sha256(ann.ann_path(writer.store, writer.row).read_bytes()).hexdigest()
    spy = LoadSpy(monkeypatch)
    check_search(searcher, writer.vectors[max(writer.vectors)], K)
    assert spy.loaded == [saved] and len(searcher.vectors.flat[0]) == 0
    assert searcher.vectors.live.tolist() == sorted(writer.store.vector_ids(writer.row.id).tolist())


def test_a_reader_whose_graph_is_mostly_deleted_searches_exactly(tmp_path, hnsw):
    writer = Writer(tmp_path / "index.db", seed=5)
    for d in range(8):
        writer.write(f"d{d}", new=4)
    writer.save()
    searcher = reader(writer.store.path, writer.row)
    for d in range(5):  # 20 of 32 entries replaced
        writer.write(f"d{d}", keep=1, new=3)
    check_search(searcher, writer.vectors[max(writer.vectors)], K)
    assert searcher.vectors.method == "exact"
    writer.write("d7", new=2)
    check_search(searcher, unit(np.random.default_rng(5), 1)[0], 100)


@pytest.mark.parametrize("keep", [0, 1])
def test_the_writer_saves_a_patched_graph_even_when_most_of_it_is_deleted(tmp_path, hnsw, monkeypatch, keep):
    """Found by the state machine: with rebuilds off (REBUILD_DELETED_SHARE 1.0), deleting most of
    the indexed files left a patched graph that the reader-side rule dropped, and the writer then
    had no graph to save (AttributeError). The writer keeps and saves it; a fresh reader answers
    from it exactly as brute force does."""
    monkeypatch.setattr(ann, "REBUILD_DELETED_SHARE", 1.0)
    writer = Writer(tmp_path / "index.db", seed=9)
    for d in range(4):
        writer.write(f"d{d}", new=2)
    writer.save()
    for d in range(4 - keep):
        writer.delete(f"d{d}")
    writer.save()
    row = writer.store.model_by_id(writer.row.id)
    assert row.ann_generation == row.generation and row.ann_checksum is not None
    if keep:
        check_search(reader(writer.store.path, writer.row), writer.vectors[max(writer.vectors)], K)


def test_a_model_re_embedded_or_removed_behind_an_open_searcher_is_a_one_line_error(tmp_path, hnsw):
    """Its query vectors would be compared with another model's: refused, never mixed."""
    writer = Writer(tmp_path / "index.db", seed=6)
    for d in range(3):
        writer.write(f"d{d}", new=4)
    searcher = reader(writer.store.path, writer.row)
    with writer.store.transaction():  # retrained behind its name: the same ids get new vectors
        writer.store.reset_model(writer.row.id, writer.row.path, "fp-2", DIM, "avg")
    writer.embed()
    with pytest.raises(SimsearchError, match="re-embedded"):
        searcher.search_vector(writer.vectors[1], K)
    searcher = reader(writer.store.path, writer.store.model_by_id(writer.row.id))
    check_search(searcher, writer.vectors[1], K)
    with writer.store.transaction():  # simsearch forget --model m
        writer.store.conn.execute("DELETE FROM vectors WHERE model_id = ?", (writer.row.id,))
        writer.store.conn.execute("DELETE FROM models WHERE id = ?", (writer.row.id,))
    with pytest.raises(SimsearchError, match="removed"):
        searcher.search_vector(writer.vectors[1], K)


# --- two connections at once ------------------------------------------------------------------------

def test_searching_while_another_thread_reindexes_in_a_loop(tmp_path, hnsw):
    """A writer thread replaces documents (new ids, some texts kept), deletes them and saves the
    file, while this thread searches with one searcher, for the newest sentence it can see among
    others: every answer is the top k of the snapshot it read, and the index did change under
    the searcher. (At most ~120 live vectors: below hnsw_ef, so HNSW is exact here.)"""
    writer = Writer(tmp_path / "index.db", seed=7)
    for d in range(20):
        writer.write(f"d{d}", new=5)
    writer.save()
    searcher = reader(writer.store.path, writer.row)
    done = threading.Event()
    failure: list[BaseException] = []

    def write_loop():
        try:
            rng = np.random.default_rng(8)
            for step in range(40):
                doc = f"d{rng.integers(0, 20)}"
                if step % 9 == 8:
                    writer.delete(doc)
                else:
                    writer.write(doc, keep=int(rng.integers(0, 3)), new=int(rng.integers(1, 4)))
                if step % 15 == 14:
                    writer.save()
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=write_loop)
    rng = np.random.default_rng(9)
    searches = refreshed = 0
    generation = searcher.vectors.model.generation
    thread.start()
    try:
        while not done.is_set() or searches < 5:
            newest = searcher.store.conn.execute("SELECT max(sentence_id) FROM vectors").fetchone()[0]
            query = writer.vectors.get(newest) if searches % 2 else None  # None: not recorded yet
            query = unit(rng, 1)[0] if query is None else query
            check_search(searcher, query, int(rng.integers(1, 12)), collapse=bool(searches % 3))
            searches += 1
            refreshed += searcher.vectors.model.generation != generation
            generation = searcher.vectors.model.generation
    finally:
        done.wait()
        thread.join()
    assert not failure, failure
    assert refreshed >= 2, f"the index never changed under {searches} searches: the race was not exercised"


@settings(max_examples=50, deadline=None)
@given(ids=st.sets(st.integers(-5, 60)), values=st.lists(st.integers(-10, 70), max_size=40))
def test_sorted_membership_is_isin(ids, values):
    sorted_ids = np.array(sorted(ids), dtype=np.int64)
    values = np.array(values, dtype=np.int64)
    assert ann._in_sorted(values, sorted_ids).tolist() == np.isin(values, sorted_ids).tolist()
