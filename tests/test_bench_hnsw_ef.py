"""benchmarks/bench_hnsw_ef.py: the planted notes it indexes and asks about."""

from __future__ import annotations

from simsearch.segment import split_sentences

from .benchmark_scripts import load_benchmark


def test_each_planted_query_is_its_sentence_three_unusual_words(tmp_path):
    bench = load_benchmark("bench_hnsw_ef")
    pairs = bench.plant(tmp_path, 6, seed=3)
    files = sorted(tmp_path.glob("planted-*.md"))
    assert len(files) == len(pairs) == 6
    for file, (sentence, query) in zip(files, pairs):
        text = file.read_text()
        # The sentence is one sentence of its file as the index splits it, so its id can be found
        # by its text; the query is its three unusual words, in another order or not.
        assert sentence in [s.text for s in split_sentences(text.splitlines()[2])]
        words = query.split()
        assert len(words) == 3 and all(word in sentence.split() or word + "." in sentence.split() for word in words)
    assert len({query for _, query in pairs}) == 6
    assert pairs == bench.plant(tmp_path / "again", 6, seed=3)  # the same seed plants the same notes
