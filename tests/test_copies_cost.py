"""Session 47: a text stored very many times costs a search for it its copies once, not once a
round. 30,000 copies of one line in 300 files beside Click's and Jinja's docs (32,421 sentences):
lexical search collapsed the copies into hits at every deepening round (6 rounds for `zeppelin`),
and each fetch of the dense read read every copy's vector again (46 MiB for minilm, 6 fetches).
Measured with ``benchmarks/bench_copies.py``: lexical 1.87 -> 1.50 s, dense 2.48 -> 1.64 s, hybrid
3.16 -> 2.37 s a query, the same hits."""

from __future__ import annotations

import pytest

from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store

LINE = "The zeppelin hovered over the harbour at dawn."


@pytest.fixture
def searcher(tmp_path, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"f{i}.txt").write_text((LINE + "\n") * 100)
    (docs / "other.txt").write_text("".join(f"Line {i} speaks of the meadow and the river number {i}.\n"
                                            for i in range(30)))
    store = Store.open(tmp_path / "i.db")
    index(store, [docs], [str(index_model)], progress=False)
    return Searcher.open(store, str(index_model))


def test_lexical_search_makes_its_hits_once(searcher, monkeypatch):
    calls = []
    collapse = searcher._collapse
    monkeypatch.setattr(searcher, "_collapse", lambda *a, **kw: calls.append(1) or collapse(*a, **kw))
    hits = searcher.search("zeppelin", k=10, mode="lexical")
    assert len(calls) == 1  # (three rounds: 50, 200, 800 rows)
    assert [(hit.path.rsplit("/", 1)[1], hit.line, hit.copies) for hit in hits] == [("f0.txt", 1, 600)]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_the_dense_read_reads_the_copies_vectors_once(searcher, monkeypatch, mode):
    read = []
    vectors = searcher.store.vectors
    monkeypatch.setattr(searcher.store, "vectors", lambda model, ids: read.append(len(ids)) or vectors(model, ids))
    hits = searcher.search(LINE, k=10, mode=mode)
    assert sum(read) <= 700, read  # 600 copies (each fetch read them all: 100, 400, 1600 rows)
    assert (hits[0].path.rsplit("/", 1)[1], hits[0].line, hits[0].copies) == ("f0.txt", 1, 600)
