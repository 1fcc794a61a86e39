"""benchmarks/bench_retrieval.py --sweep measures what search does: its dense, BM25 and kept
fusion rule give, query by query, the ten hits ``eval retrieval`` gives, on an index where
copies of one text fill the raw ranks and one-word queries hold punctuation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simsearch import indexer, retrieval, search
from simsearch.store import Store

from .benchmark_scripts import load_benchmark


BOILERPLATE = "Contact the support desk when you forgot your password and cannot sign in."
WORDS = ["garden", "river", "kitchen", "window", "report", "song", "folder", "server"]
IDENTIFIERS = [
    "Set --batch-size to 64 when the garden report is slow.",
    "The batch size of the river song matters.",
    "Edit config.json before you open the kitchen folder.",
    "Edit the config: json is easy for the window server.",
    "Paths are built with os.path.join so the report works everywhere.",
    "Join the path to the os team and the garden.",
]
QUERIES = [
    (BOILERPLATE, {"path": "docs/page29.md"}),  # relevant through a copy the hit may not show
    ("password support desk garden", {"text": BOILERPLATE}),
    ("the garden and the river", "docs/page00.md"),
    ("kitchen window report list", "docs/more.md:5"),
    ("server folder song item 7", "docs/more.md:15"),
    ("--batch-size", "docs/ids.md:1"),
    ("config.json", "docs/ids.md:5"),
    ("os.path.join()", "docs/ids.md:9"),
    ("garden", "docs/page08.md"),
    ("report", "docs/page04.md"),
    ("batch size", "docs/ids.md:3"),
    ("forgot password sign", {"text": BOILERPLATE}),
]
# One-word queries embedded as the prose holding only their tokens: the dense side ranks it
# first, so without the sentence holding the query as written first it would lead the fusion.
AIMED = {"--batch-size": IDENTIFIERS[1], "config.json": IDENTIFIERS[3], "os.path.join()": IDENTIFIERS[5]}


def load_bench():
    return load_benchmark("bench_retrieval")


@pytest.fixture(scope="module")
def bench_index(tmp_path_factory, index_model):
    """Forty pages, thirty of them ending with one boilerplate sentence, list items sharing
    their words, and identifiers written with punctuation beside prose holding their tokens."""
    root = tmp_path_factory.mktemp("bench")
    docs = root / "docs"
    docs.mkdir()
    for i in range(40):
        extra = f"\n\n{BOILERPLATE}\n" if i < 30 else "\n"
        (docs / f"page{i:02d}.md").write_text(
            f"Page {i} is about the {WORDS[i % 8]} and the {WORDS[(i * 3 + 1) % 8]} of number {i}.{extra}")
    (docs / "more.md").write_text("\n\n".join(f"The {WORDS[i % 8]} {WORDS[(i + 2) % 8]} list holds item {i}."
                                              for i in range(40)) + "\n")
    (docs / "ids.md").write_text("\n\n".join(IDENTIFIERS) + "\n")
    (root / "queries.jsonl").write_text("".join(json.dumps({"id": f"q{n}", "query": query, "relevant": [relevant]})
                                                + "\n" for n, (query, relevant) in enumerate(QUERIES)))
    store = Store.open(root / "index.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    yield store, retrieval.load_queries(root / "queries.jsonl"), str(index_model)
    store.close()


def aim(monkeypatch, store: Store) -> None:
    """Every searcher embeds the queries of AIMED as their prose sentence's stored vector."""
    embed = search.Searcher.embed

    def aimed(self, texts):
        vectors = embed(self, texts)
        for n, text in enumerate(texts):
            if text in AIMED:
                (sentence_id,), = store.conn.execute("SELECT id FROM sentences WHERE text = ?", (AIMED[text],))
                vectors[n] = store.vectors(self.model, [sentence_id])[1][0]
        return vectors

    monkeypatch.setattr(search.Searcher, "embed", aimed)


def first_texts(searcher, ids: list[int]) -> list[str]:
    """The first ten distinct texts of a ranking of sentence ids."""
    texts = searcher._texts(ids)
    return list(dict.fromkeys(texts[i] for i in ids))[:retrieval.TOP]


def test_the_sweep_ranks_what_eval_retrieval_ranks(bench_index, monkeypatch):
    store, queries, model = bench_index
    bench = load_bench()
    aim(monkeypatch, store)
    cands = bench.candidates(store, queries, model, "cpu")
    assert bench.check_sweep(store, queries, model, cands, "cpu") == []
    # The index tells the rules apart: fusing raw rows (copies included, no words as written), as
    # the sweep did before, ranks otherwise for some query, and so does fusing without ``written``
    # (the sentences holding a one-word query as written first).
    raw_differs = written_moves = False
    searcher = search.Searcher.open(store, model, device="cpu")
    for c, query, vector in zip(cands, queries, searcher.embed([query.text for query in queries])):
        kept = bench.top_ids(bench.SWEEP[bench.KEPT], c)
        dense, lexical, _ = c["sides"][search.FUSION_DEPTH, search.lexical_depth_for(query.text,
                                                                                            search.FUSION_DEPTH)]
        ids, scores = searcher.vectors.search(vector, 2 * search.FUSION_DEPTH)
        raw = search.hybrid_order(query.text, list(zip(ids.tolist(), scores.tolist())),
                                  store.lexical(query.text, 2 * search.FUSION_DEPTH))
        kept_texts = [c["text"][i] for i in kept]
        raw_differs |= first_texts(searcher, [i for i, _ in raw]) != kept_texts
        unwritten = search.hybrid_order(query.text, dense, lexical)
        written_moves |= first_texts(searcher, [i for i, _ in unwritten]) != kept_texts
    assert raw_differs and written_moves


def test_a_sweep_that_fuses_raw_rows_is_caught(bench_index, monkeypatch):
    """The check fails when the sweep's lists keep copies (each copy a rank of its own)."""
    store, queries, model = bench_index
    bench = load_bench()
    aim(monkeypatch, store)

    def raw_rows(ranked, texts, first):
        out = []
        for sentence_id, score in ranked:
            first.setdefault(texts[sentence_id], sentence_id)
            out.append((sentence_id, score))
        return out

    with monkeypatch.context() as patch:
        patch.setattr(bench.search, "_distinct", raw_rows)
        cands = bench.candidates(store, queries, model, "cpu")
    assert bench.check_sweep(store, queries, model, cands, "cpu")


def test_the_sweep_embeds_each_query_alone(bench_index, monkeypatch):
    """A query's vector may depend on its batch (bf16 pads to the longest query): the sweep
    embeds each query alone, as search does, or it ranks other hits than eval retrieval."""
    store, queries, model = bench_index
    bench = load_bench()
    embed = search.Searcher.embed

    def batch_dependent(self, texts):
        vectors = embed(self, texts)
        if len(texts) > 1:  # as if padding moved every vector: far, so ranks move
            vectors = vectors[::-1].copy()
        return vectors

    monkeypatch.setattr(search.Searcher, "embed", batch_dependent)
    cands = bench.candidates(store, queries, model, "cpu")
    assert bench.check_sweep(store, queries, model, cands, "cpu") == []


def test_an_agreement_rule_at_full_weight_is_the_kept_rule(bench_index):
    """The agreement rules change only the lexical side's weight: at low = high = 1 they rank
    exactly as the kept rule does."""
    store, queries, model = bench_index
    bench = load_bench()
    cands = bench.candidates(store, queries, model, "cpu")
    kept = bench.SWEEP[bench.KEPT]
    for measure in ("overlap", "in-dense"):
        rule = bench.agreement_rule(measure, 3, 1.0)
        assert [bench.top_ids(rule, c) for c in cands] == [bench.top_ids(kept, c) for c in cands]
    fading = bench.agreement_rule("in-dense", 1, 0.0)
    assert any(bench.top_ids(fading, c) != bench.top_ids(kept, c) for c in cands)
