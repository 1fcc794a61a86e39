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
    """Vectors of quarters and a query of small integers: every score is an exact quarter in
    [-1, 1] (as a cosine is), most of them tied."""
    n = draw(st.integers(1, 60))
    dim = draw(st.integers(1, 4))
    matrix = np.array(draw(st.lists(st.lists(st.integers(-1, 1), min_size=dim, max_size=dim),
                                    min_size=n, max_size=n)), dtype=np.float32) / 4
    query = np.array(draw(st.lists(st.integers(-1, 1), min_size=dim, max_size=dim)), dtype=np.float32)
    ids = np.array(draw(st.permutations(range(1000, 1000 + 3 * n)))[:n], dtype=np.int64)  # not in id order
    return ids, matrix, query


@settings(max_examples=200, deadline=None)
@given(data=tied_vectors(), chunk=st.integers(1, 25))
def test_exact_top_k_is_sorted_by_score_then_id_and_a_prefix_of_every_deeper_k(data, chunk):
    """Fails when exact search partitions ties unstably (argpartition) before sorting the top k:
    tied ids came in another order, and another of them made the cut, for each k."""
    ids, matrix, query = data
    scores = [round(float(np.dot(4 * row, query))) / 4 for row in matrix]  # quarters: exact
    oracle = sorted(zip(ids.tolist(), scores), key=lambda pair: (-pair[1], pair[0]))
    for k in range(1, len(ids) + 2):
        got_ids, got_scores = ann._exact(ids, matrix, query, k)
        assert list(zip(got_ids.tolist(), got_scores.tolist())) == oracle[:k]
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


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 64), dim=st.sampled_from([3, 32, 33, 384]),
       copies=st.integers(2, 5), query_is_a_copy=st.booleans())
def test_a_vector_scores_the_same_wherever_it_lies_and_never_above_1(seed, n, dim, copies, query_is_a_copy):
    """``ann.cosines`` gives a vector one score whatever matrix it lies in and wherever: copies
    of a text tie exactly, and a sentence scores the same among the graph's candidates as beside
    the graph. Fails with ``matrix @ query``: BLAS summed a row in an order that depends on its
    place (copies an ulp apart); and without the clip (a vector's product with itself: 1.0000002)."""
    rng = np.random.default_rng(seed)
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    at = rng.choice(n, min(copies, n), replace=False)
    matrix[at] = matrix[at[0]]
    query = matrix[at[0]].copy() if query_is_a_copy else matrix[rng.integers(n)] + rng.standard_normal(dim).astype(np.float32)
    query /= np.linalg.norm(query)
    scores = ann.cosines(matrix, query)
    assert scores.dtype == np.float32 and scores.shape == (n,)
    assert len(set(scores[at].tolist())) == 1
    alone = [ann.cosines(matrix[i:i + 1], query)[0] for i in range(n)]
    assert scores.tolist() == alone
    order = rng.permutation(n)
    assert ann.cosines(matrix[order], query).tolist() == scores[order].tolist()
    assert np.all(scores <= 1.0) and np.all(scores >= -1.0)
    exact = matrix.astype(np.float64) @ query.astype(np.float64)
    assert np.allclose(scores, np.clip(exact, -1, 1), atol=1e-6)


WORDS_OF_LINES = ("river", "comet", "bread", "yeast", "sun", "winter", "orbit", "water", "crust", "brown", "mountains")


def write_copies(folder: Path, files: int, seed: int, prefix: str = "d") -> None:
    """``files`` documents of a few random lines, each ending in "See also." (one copy a file)."""
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        lines = [" ".join(rng.choice(WORDS_OF_LINES) for _ in range(rng.randint(2, 6))).capitalize() + "."
                 for _ in range(rng.randint(3, 6))]
        (folder / f"{prefix}{number}.txt").write_text("\n".join(lines) + "\nSee also.\n")


def index_quietly(store: Store, docs: Path, model: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index(store, [docs], [str(model)], progress=False, device="cpu", precision="fp32")


def exact_scores(searcher: Searcher, vector: np.ndarray) -> dict[int, float]:
    """Each sentence's cosine as its own vector alone gives it (no other vector in the matrix)."""
    ids, vectors = searcher.store.vectors(searcher.vectors.model)
    return {i: float(ann.cosines(vectors[row:row + 1], vector)[0]) for row, i in enumerate(ids.tolist())}


def test_dense_hits_do_not_depend_on_k_when_a_text_has_more_copies_than_ef(tmp_path, index_model, monkeypatch):
    """40 copies of "See also." and ef 8: dense search read the graph k deep, four times deeper
    while copies collapsed, and hnswlib searches with ef = max(hnsw_ef, read), so -k 1 showed
    one copy (and -k 2 other neighbours) than a deeper -k. The head is now one read of a fixed
    depth: -k 1 is the start of -k 2 ... -k 12, with --path too, and no score is above 1."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    write_copies(tmp_path / "docs" / "a", 20, seed=2, prefix="a")
    write_copies(tmp_path / "docs" / "b", 20, seed=3, prefix="b")
    store = Store.open(tmp_path / "index.db")
    index_quietly(store, tmp_path / "docs", index_model)
    store.db.execute("UPDATE models SET hnsw_ef = 8")
    searcher = Searcher.open(store, str(index_model), device="cpu")
    for path_glob in (None, str(tmp_path / "docs" / "a")):
        for query in ("See also.", "see also", "also see river", "comet orbit"):
            shown = [[(h.sentence_id, h.score) for h in searcher.search(query, k, context=0, path_glob=path_glob)]
                     for k in range(1, 13)]
            assert searcher.vectors.method == "hnsw" and searcher.vectors.model.hnsw_ef == 8
            for shorter, longer in pairwise(shown):
                assert longer[:len(shorter)] == shorter, (query, path_glob)
            assert len(shown[-1]) == 12
            assert all(score <= 1.0 for _, score in shown[-1])
            sixth, seventh = shown[-1][5][1], shown[-1][6][1]
            if sixth - seventh > 2e-6:  # --min-score between them: the first six, as -k 6 shows them
                between = searcher.search(query, 12, context=0, path_glob=path_glob, min_score=(sixth + seventh) / 2)
                assert [(h.sentence_id, h.score) for h in between] == shown[5], (query, path_glob)
    copies = searcher.search("See also.", 1, context=0)[0]
    assert copies.text == "See also." and copies.copies == 40


def test_copies_in_the_graph_and_beside_it_score_alike_and_come_by_id(tmp_path, index_model, monkeypatch):
    """A reader's graph plus vectors indexed since, searched exactly beside it. Copies of one text
    scored 1.0000002 in the graph (hnswlib's 1 - distance on its own renormalised copy of the
    vector) and 1.0 beside it, so the newest copy came after the graph's whatever its id, and
    scores above 1 were shown. Every score is now the sentence's own cosine, wherever it lies."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    monkeypatch.setattr(ann, "READER_ADOPT_SHARE", 10.0)  # the reader keeps its graph: new vectors beside it
    write_copies(tmp_path / "docs", 25, seed=1)
    store = Store.open(tmp_path / "index.db")
    index_quietly(store, tmp_path / "docs", index_model)
    searcher = Searcher.open(store, str(index_model), device="cpu")
    searcher.load_encoder()
    write_copies(tmp_path / "docs" / "late", 3, seed=7, prefix="late")
    index_quietly(store, tmp_path / "docs", index_model)
    store.db.execute("UPDATE models SET hnsw_ef = 16")
    vectors = searcher.vectors
    beside = None
    for query in ("See also.", "see also", "river water", "comet orbit brown"):
        vector = searcher.embed([query])[0]
        exact = exact_scores(searcher, vector)
        for k in (1, 2, 3, 5, 8, 16, 40):
            ids, scores = vectors.search(vector, k)
            beside = vectors.flat[0]
            assert vectors.method == "hnsw" and len(beside) > 0 and len(vectors.live) > 0
            assert len(ids) == k
            pairs = list(zip(ids.tolist(), scores.tolist()))
            assert all(score == exact[i] for i, score in pairs), (query, k)
            assert pairs == sorted(pairs, key=lambda pair: (-pair[1], pair[0])), (query, k)
            assert all(-1.0 <= score <= 1.0 for _, score in pairs)
        ids, scores = vectors.search(vector, 60)
        copies = [i for i, text in searcher._texts(ids.tolist()).items() if text == "See also."]
        found = [(i, score) for i, score in zip(ids.tolist(), scores.tolist()) if i in copies]
        assert len({score for _, score in found}) == 1, query  # copies tie exactly...
        assert [i for i, _ in found] == sorted(i for i, _ in found), query  # ...and come by id
        assert set(copies) & set(beside.tolist()), query  # the graph's copies and those beside it
        shown = [[(h.sentence_id, h.score) for h in searcher.search(query, k, context=0)] for k in range(1, 9)]
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
    # a name that is nothing here and nothing like the index's models: no `index --model nothing`
    # to suggest (it would fail the same way), but where to look; a folder here gets the index remedy
    with pytest.raises(SimsearchError, match="no model of that name is here") as refused:
        pick_model(store, "nothing")
    assert "index --model" not in str(refused.value)
    (elsewhere / "nothing").mkdir()
    with pytest.raises(SimsearchError, match="add it with `simsearch index --model nothing"):
        pick_model(store, "nothing")


@pytest.mark.parametrize("spelling", ["./gone", "{tmp}/gone", "gone/deeper/still"])
def test_a_path_to_no_folder_gets_no_index_command_that_would_fail(tmp_path, monkeypatch, spelling):
    """``search -m ./gone`` (a folder since deleted, a typo) answered "add it with `simsearch index
    --model ./gone`", which fails: "unknown model './gone': no such folder, and not a Hugging Face
    id" (user trial on Werkzeug's docs, session 39). A path is no hub id to download: the refusal
    says there is no such folder. An ``org/name``, which ``index`` would download, keeps the remedy."""
    from simsearch.search import not_held_message

    monkeypatch.chdir(tmp_path)
    name = spelling.format(tmp=tmp_path)
    message = not_held_message(Store.open(tmp_path / "s.db"), name)
    assert "index --model" not in message
    assert f"there is no folder {name} here" in message
    assert "add it with `simsearch index --model org/name" in not_held_message(Store.open(tmp_path / "s.db"), "org/name")
