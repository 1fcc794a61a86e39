"""Review 47: copies collapsed once (session 47, trial leftovers) against a brute-force oracle.

The lexical rounds now count distinct texts and make the hits once, and a dense read keeps the
copies' vectors and places between its fetches. Whatever the k, ``--min-score`` and ``--path``,
the hits must be those of reading everything at once: every row the filter allows, ranked (dense:
by cosine, ties by place; lexical: as the full-text index ranks them all), those under the
minimum cosine dropped, the first copy of each text standing for it, the first ``k`` texts.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store

WORDS = "zeppelin harbour meadow river lantern violin copper orchard".split()
# Distinct texts, the first few stored very many times: more copies than a first read holds.
TEXTS = [f"The {a} met the {b} at dawn." for a in WORDS for b in WORDS if a != b][:40]
WEIGHTS = [120, 80, 60] + [1] * (len(TEXTS) - 3)
FILES = ["a/one.txt", "a/two.txt", "b/three.txt", "b/four.txt"]


@pytest.fixture(scope="module", params=[0, 1], ids=["sentence-vectors", "context-vectors"])
def searcher(request, tmp_path_factory, index_model):
    root = tmp_path_factory.mktemp("copies-oracle")
    rng = random.Random(7)
    for name in FILES:
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in rng.choices(TEXTS, WEIGHTS, k=150)))
    store = Store.open(root / "i.db")
    index(store, [root / "docs"], [str(index_model)], progress=False, context=request.param)
    searcher = Searcher.open(store, str(index_model))
    searcher.root = root / "docs"
    yield searcher
    store.close()


def oracle(searcher: Searcher, query: str, k: int, mode: str, min_score, documents):
    store = searcher.store
    vector = searcher.embed([query])[0]
    sql = "SELECT id, document_id FROM sentences"
    rows = [i for i, document in store.conn.execute(sql) if documents is None or document in documents]
    cosine = searcher._cosines(vector, rows)
    if mode == "dense":
        place = store.places(rows)
        ranked = sorted(((i, cosine[i]) for i in rows if i in cosine), key=lambda r: (-r[1], place[r[0]]))
    else:
        ranked = store.lexical(query, 10**6, documents)
    if min_score is not None:
        ranked = [(i, score) for i, score in ranked if cosine.get(i, -2.0) >= min_score]
    texts = dict(store.conn.execute("SELECT id, text FROM sentences"))
    first: dict[str, int] = {}
    for i, _ in ranked:
        first.setdefault(texts[i], i)
    return [(i, texts[i], len(store.copies(texts[i], documents))) for i in list(first.values())[:k]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2), k=st.integers(1, 45),
       mode=st.sampled_from(["dense", "lexical"]),
       min_score=st.none() | st.sampled_from([-1.0, 0.0, 0.2, 0.5, 0.8]),
       where=st.sampled_from([None, "a", "b/four.txt", "*/t*.txt"]))
def test_copies_collapse_as_reading_everything_at_once(searcher, words, k, mode, min_score, where):
    query = " ".join(words)
    glob = None if where is None else str(searcher.root / where)
    documents = None if glob is None else searcher.allowed_documents(glob)
    hits = searcher.search(query, k=k, mode=mode, min_score=min_score, path_glob=glob, context=0)
    got = [(hit.sentence_id, hit.text, hit.copies) for hit in hits]
    assert got == oracle(searcher, query, k, mode, min_score, documents)
