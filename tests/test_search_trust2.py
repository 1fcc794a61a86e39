"""A search's answer depends on the query and the index only (round-7 search/API hunt).

- ``search_many`` (``search --queries``, ``eval retrieval``) answers each query exactly as
  ``search`` does, whatever the other queries of the list (bf16 padding moved vectors).
- Exactly tied scores are ordered by id: the top ``k`` is the start of the top ``k'``, and the
  copy of a repeated text that is shown does not depend on ``-k``.
- A one-word query is one word as lexical search counts words: ``config.json ?`` and
  ``config.json config.json`` rank as ``config.json`` does.
- The API refuses an empty query as the CLI does.
- A model name the index does not hold gets a remedy that works.
"""

from __future__ import annotations

import re
import shlex
import shutil
import warnings
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import ann
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.search import Searcher, empty_query, fusion_weights, hybrid_order, pick_model
from simsearch.store import Store, searched_word_count

WORDS = ("river", "comet", "bread", "yeast", "config.json", "the", "sun", "winter", "--batch-size", "orbit",
         "water", "crust", "std::vector", "tails", "brown", "mountains")
DOCS = {
    "rivers.txt": "Rivers carry water from the mountains to the sea.\nSome rivers freeze in winter.\n"
                  "Read config.json before you start.\nThe config json file is read once.\n",
    "comets.txt": "Comets are icy bodies that orbit the sun.\nTheir tails point away from the sun.\n"
                  "Set --batch-size to 64.\nThe batch size matters.\n",
    "bread.txt": "Bread rises because yeast makes gas.\nBake it until the crust is brown.\n"
                 "Use std::vector for the list.\nA vector of crusts.\n",
    # copies of one text, and texts an uncased model cannot tell apart (exact ties)
    "boiler.txt": "See also.\nSee also.\nSEE ALSO.\nsee also.\nThe sun.\nthe sun.\nThe Sun.\n",
    "boiler2.txt": "See also.\nThe sun.\nSee also.\nRivers carry water from the mountains to the sea.\n",
}


def build(root: Path, model: Path, precision: str) -> Store:
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    store = Store.open(root / "index.db")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bf16 emulated on a CPU without it: slow, still right
        index(store, [docs], [str(model)], progress=False, device="cpu", precision=precision)
    return store


@pytest.fixture(scope="module")
def searchers(tmp_path_factory, index_model):
    out = {}
    for precision in ("fp32", "bf16"):
        store = build(tmp_path_factory.mktemp(f"many-{precision}"), index_model, precision)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            searcher = Searcher.open(store, str(index_model), device="cpu")
            searcher.load_encoder()
        out[precision] = searcher
    return out


def answer(hits) -> list[tuple]:
    return [(h.sentence_id, h.score, h.dense_score, h.lexical_score, h.copies, h.found_by) for h in hits]


query_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join)


# --- 1. search_many answers each query as search does -------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(query_text, min_size=1, max_size=6), precision=st.sampled_from(["bf16", "fp32"]),
       mode=st.sampled_from(["dense", "hybrid"]))
def test_a_query_gets_the_same_hits_whatever_the_other_queries_of_its_list(searchers, queries, precision, mode):
    """Fails when search_many embeds the list in padded batches: under bf16 autocast a short
    query's vector (and so its scores and ranks) moved with the longest query of its batch."""
    searcher = searchers[precision]
    many = searcher.search_many(queries, 5, mode=mode, context=0)
    assert len(many) == len(queries)
    for query, hits in zip(queries, many):
        assert answer(hits) == answer(searcher.search(query, 5, mode=mode, context=0)), (query, queries)


# --- 2. exact ties ordered by id, whatever k -----------------------------------------------------

@st.composite
def tied_vectors(draw):
    """Vectors and a query of small integers: every score is an exact integer, most of them tied."""
    n = draw(st.integers(1, 60))
    dim = draw(st.integers(1, 4))
    matrix = np.array(draw(st.lists(st.lists(st.integers(-1, 1), min_size=dim, max_size=dim),
                                    min_size=n, max_size=n)), dtype=np.float32)
    query = np.array(draw(st.lists(st.integers(-1, 1), min_size=dim, max_size=dim)), dtype=np.float32)
    ids = np.array(draw(st.permutations(range(1000, 1000 + 3 * n)))[:n], dtype=np.int64)  # not in id order
    return ids, matrix, query


@settings(max_examples=200, deadline=None)
@given(data=tied_vectors(), chunk=st.integers(1, 25))
def test_exact_top_k_is_sorted_by_score_then_id_and_a_prefix_of_every_deeper_k(data, chunk):
    """Fails when exact search partitions ties unstably (argpartition) before sorting the top k:
    tied ids came in another order, and another of them made the cut, for each k."""
    ids, matrix, query = data
    scores = [round(float(np.dot(row, query))) for row in matrix]  # integers: exact
    oracle = sorted(zip(ids.tolist(), scores), key=lambda pair: (-pair[1], pair[0]))
    for k in range(1, len(ids) + 2):
        got_ids, got_scores = ann._exact(ids, matrix, query, k)
        assert list(zip(got_ids.tolist(), [int(s) for s in got_scores.tolist()])) == oracle[:k]
        chunks = [(ids[i:i + chunk], matrix[i:i + chunk]) for i in range(0, len(ids), chunk)]
        chunked = ann._exact_chunks(chunks, query, k)
        assert chunked[0].tolist() == got_ids.tolist()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=query_text, precision=st.sampled_from(["bf16", "fp32"]))
def test_dense_hits_for_k_are_the_start_of_the_hits_for_a_deeper_k(searchers, query, precision):
    """Copies of a text ("See also." five times) and texts an uncased model reads alike ("The
    sun."/"the sun.") score exactly the same: the order of those hits, and which copy stands for
    a text, must not change with -k (it did: ties were ordered differently for each k)."""
    searcher = searchers[precision]
    answers = [[(h.sentence_id, h.score) for h in searcher.search(query, k, context=0)] for k in range(1, 13)]
    for shorter, longer in pairwise(answers):
        assert longer[:len(shorter)] == shorter, query
    deepest = answers[-1]
    assert deepest == sorted(deepest, key=lambda pair: (-pair[1], pair[0]))  # ties by id (scores as rounded)


def test_hnsw_orders_tied_copies_by_id_and_keeps_them_for_a_deeper_k(tmp_path, index_model, monkeypatch):
    """The graph (HNSW) is approximate, but within what it returns, tied hits come by id, and
    for -k up to its ef the top k is the start of a deeper top: the same copy of a repeated text
    is shown whatever -k."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    store = build(tmp_path, index_model, "fp32")
    searcher = Searcher.open(store, str(index_model), device="cpu")
    assert searcher.vectors.method == "hnsw"
    for query in ("See also.", "the sun", "rivers and the sea"):
        vector = searcher.embed([query])[0]
        raw = [searcher.vectors.search(vector, k) for k in range(1, 19)]
        for (ids, scores), (deeper_ids, _) in pairwise(raw):
            assert deeper_ids[:len(ids)].tolist() == ids.tolist(), query
        ids, scores = raw[-1]
        pairs = list(zip(scores.tolist(), ids.tolist()))
        assert pairs == sorted(pairs, key=lambda pair: (-pair[0], pair[1])), query
        shown = [[h.sentence_id for h in searcher.search(query, k, context=0)] for k in range(1, 8)]
        for shorter, longer in pairwise(shown):
            assert longer[:len(shorter)] == shorter, query


# --- 3. one word, as lexical search counts words -------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(["config.json", "--batch-size", "std::vector", "yeast", "comets"]),
       extra=st.lists(st.sampled_from(["?", "!", "--", "…", "(", "SAME", "same"]), min_size=1, max_size=4),
       mode=st.sampled_from(["lexical", "hybrid"]))
def test_words_lexical_search_does_not_look_for_do_not_change_a_one_word_query(searchers, word, extra, mode):
    """``config.json ?`` and ``config.json config.json`` are the one word ``config.json`` to the
    full-text side: they must rank as it does (the one-word rule: as written first, the lexical
    side weighing four times). Fails when the rule counts ``query.split()``."""
    words = [word.upper() if w == "SAME" else word if w == "same" else w for w in extra]
    decorated = " ".join([word, *words])
    assert searched_word_count(decorated) == searched_word_count(word) == 1
    searcher = searchers["fp32"]
    plain = searcher.search(word, 6, mode=mode, context=0)
    if mode == "lexical":
        assert answer(searcher.search(decorated, 6, mode=mode, context=0)) == answer(plain)
        assert searcher.store.lexical_ranked(decorated, 20) == searcher.store.lexical_ranked(word, 20)
    else:  # the decorated query embeds otherwise; the as-written sentence still comes first
        got = searcher.search(decorated, 6, mode=mode, context=0)
        if any(not c.isalnum() for c in word):
            assert word.casefold() in got[0].text.casefold(), (decorated, [h.text for h in got])
    assert fusion_weights(decorated, True) == fusion_weights(word, True)


@settings(max_examples=100, deadline=None)
@given(word=st.sampled_from(["config.json", "--batch-size", "yeast"]),
       extra=st.lists(st.sampled_from(["?", "!", "--", "…", "(", "SAME", "same"]), min_size=1, max_size=4),
       dense=st.permutations(range(12)), lexical=st.permutations(range(6, 20)),
       written=st.dictionaries(st.integers(0, 20), st.integers(1, 2), max_size=5))
def test_hybrid_order_of_a_decorated_one_word_query_is_the_words(word, extra, dense, lexical, written):
    """The fused order (weights, lexical depth, as-written first) of ``config.json ?`` is that of
    ``config.json``, for any two sides' lists."""
    decorated = " ".join([word, *[word.upper() if w == "SAME" else word if w == "same" else w for w in extra]])
    dense_list = [(i, 1.0 - r / 100) for r, i in enumerate(dense)]
    lexical_list = [(i, 10.0 - r) for r, i in enumerate(lexical)]
    assert (hybrid_order(decorated, dense_list, lexical_list, depth=5, written=written)
            == hybrid_order(word, dense_list, lexical_list, depth=5, written=written))


def test_searched_word_count_counts_the_words_that_have_tokens():
    assert searched_word_count("config.json") == 1
    assert searched_word_count("config.json ?") == 1
    assert searched_word_count("config.json config.json CONFIG.JSON") == 1
    assert searched_word_count("? ! --") == 0
    assert searched_word_count("config.json yeast") == 2
    assert searched_word_count("gardens garden") == 1  # one stem: FTS5 searches it once


# --- 4. the API refuses an empty query ------------------------------------------------------------

nothing = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=nothing, mode=st.sampled_from(["dense", "lexical", "hybrid"]))
def test_the_api_refuses_a_query_of_only_whitespace_and_control_characters(searchers, query, mode):
    """The CLI refuses ``search ""``; the API answered it (dense: the vector of an empty text)."""
    assert empty_query(query)
    searcher = searchers["fp32"]
    with pytest.raises(SimsearchError, match="^the query is empty"):
        searcher.search(query, 3, mode=mode)
    with pytest.raises(SimsearchError, match=re.escape("the query is empty (query 2 of 3")):
        searcher.search_many(["comets", query, "bread"], 3, mode=mode)


@given(around=nothing, char=st.characters(categories=["L", "N", "P", "S"]))
def test_a_query_with_a_letter_digit_or_sign_is_not_empty(around, char):
    assert not empty_query(around + char + around)


# --- 6. a remedy that works -------------------------------------------------------------------------

def test_a_model_named_by_its_folder_name_gets_the_spelling_the_index_holds(tmp_path, index_model, monkeypatch, run_cli):
    """The index holds ``./model a`` (indexed from edge/); from elsewhere ``-m 'model a'`` is no
    folder: the remedy named ``index --model 'model a'``, which fails (unknown model). It must name
    the index's model so that ``-m`` finds it from here."""
    edge = tmp_path / "edge"
    (edge / "docs").mkdir(parents=True)
    (edge / "docs" / "a.txt").write_text("Rivers carry water.\nComets orbit the sun.\n")
    shutil.copytree(index_model, edge / "model a")
    monkeypatch.chdir(edge)
    store = Store.open(edge / "s.db")
    index(store, [Path("docs")], ["./model a"], progress=False, device="cpu")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(SimsearchError) as refused:
        pick_model(store, "model a")
    message = str(refused.value)
    assert "index --model" not in message
    remedy = re.search(r"`(-m [^`]+)`", message).group(1)
    spelling = shlex.split(remedy)[1]
    assert pick_model(store, spelling).path == str(edge / "model a")
    code, out, _ = run_cli("search", "--db", edge / "s.db", "-m", spelling, "--mode", "lexical", "rivers", "--json")
    assert code == 0 and "Rivers carry water." in out
    # a name that is nothing here and nothing like the index's models: the index remedy, as before
    with pytest.raises(SimsearchError, match="add it with `simsearch index --model nothing"):
        pick_model(store, "nothing")
