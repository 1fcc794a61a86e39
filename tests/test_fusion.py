"""Properties of hybrid search's fusion (``search.fuse``), against a brute-force oracle.

Each ranked list is a list of distinct ids (scores are ignored by reciprocal-rank fusion); the
oracle recomputes every id's fused score from its rank on each side with ``list.index`` and
sorts by (score, dense rank, lexical rank), the documented order.
"""

from __future__ import annotations

import math
from itertools import pairwise

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simsearch.search import (FUSION_WEIGHTS, ONE_WORD_LEXICAL_WEIGHT, RRF_K, fuse, fusion_weights, hybrid_order,
                              lexical_depth_for)

IDS = st.integers(0, 40)
ranked = st.lists(IDS, max_size=25, unique=True)
weights = st.fixed_dictionaries({"dense": st.sampled_from([0.5, 1.0, 1.5, 2.0]),
                                 "lexical": st.sampled_from([0.5, 1.0, ONE_WORD_LEXICAL_WEIGHT])})
ks = st.sampled_from([1, 10, RRF_K, 60])


def scored(ids: list[int]) -> list[tuple[int, float]]:
    """A side's (id, score) list; the scores decrease but play no part in the fusion."""
    return [(i, 100.0 - position) for position, i in enumerate(ids)]


def oracle(dense: list[int], lexical: list[int], w: dict[str, float], k: float) -> list[tuple[int, float]]:
    def score(i):
        total = 0.0
        if i in dense:
            total += w["dense"] / (k + dense.index(i) + 1)
        if i in lexical:
            total += w["lexical"] / (k + lexical.index(i) + 1)
        return total

    def key(i):
        return (-score(i), dense.index(i) if i in dense else math.inf, lexical.index(i) if i in lexical else math.inf)

    return [(i, score(i)) for i in sorted(set(dense) | set(lexical), key=key)]


def order(dense, lexical, w=None, k=RRF_K) -> list[int]:
    return [i for i, _ in fuse(scored(dense), scored(lexical), w, k)]


@settings(max_examples=300, deadline=None)
@given(dense=ranked, lexical=ranked, w=weights, k=ks)
def test_fusion_equals_the_oracle(dense, lexical, w, k):
    fused = fuse(scored(dense), scored(lexical), w, k)
    expected = oracle(dense, lexical, w, k)
    assert [i for i, _ in fused] == [i for i, _ in expected]
    for (_, got), (_, want) in zip(fused, expected):
        assert math.isclose(got, want, rel_tol=1e-12)
    # every candidate of either side exactly once, nothing else; best first
    assert sorted(i for i, _ in fused) == sorted(set(dense) | set(lexical))
    assert all(a[1] >= b[1] for a, b in pairwise(fused))


@settings(max_examples=200, deadline=None)
@given(dense=ranked, lexical=ranked, w=weights, k=ks)
def test_fusion_is_deterministic_and_ignores_the_sides_scores(dense, lexical, w, k):
    first = fuse(scored(dense), scored(lexical), w, k)
    other_scores = fuse([(i, -1.0) for i in dense], [(i, 7.0 * n) for n, i in enumerate(lexical)], w, k)
    assert first == fuse(scored(dense), scored(lexical), w, k)
    assert [i for i, _ in first] == [i for i, _ in other_scores]


@settings(max_examples=200, deadline=None)
@given(dense=ranked, lexical=ranked, w=weights, k=ks, data=st.data())
def test_first_on_both_sides_is_first(dense, lexical, w, k, data):
    top = data.draw(IDS)
    dense = [top] + [i for i in dense if i != top]
    lexical = [top] + [i for i in lexical if i != top]
    assert order(dense, lexical, w, k)[0] == top


@settings(max_examples=400, deadline=None)
@given(dense=ranked, lexical=ranked, w=weights, k=ks, side=st.sampled_from(["dense", "lexical"]), data=st.data())
def test_moving_up_on_one_side_never_moves_down_in_the_fusion(dense, lexical, w, k, side, data):
    """Swap a candidate with the one ranked just above it on one side (or add it at the end of a
    side that did not have it): its fused rank never gets worse, and it keeps its place or gains."""
    lists = {"dense": list(dense), "lexical": list(lexical)}
    assume(dense or lexical)
    target = data.draw(st.sampled_from(sorted(set(dense) | set(lexical))))
    before = order(lists["dense"], lists["lexical"], w, k).index(target)
    moved = lists[side]
    if target in moved:
        position = moved.index(target)
        assume(position > 0)
        moved[position - 1], moved[position] = moved[position], moved[position - 1]
    else:
        moved.append(target)
    after = order(lists["dense"], lists["lexical"], w, k).index(target)
    assert after <= before


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 20), m=st.integers(0, 20))
def test_equal_scores_interleave_dense_first(n, m):
    """Disjoint sides with equal weights tie at every rank: the dense hit comes first, then the
    lexical one, rank by rank, then the longer side's rest in its order."""
    dense = list(range(100 + n, 100, -1))  # ids larger than the lexical ones, and descending:
    lexical = list(range(m))  # a tie broken by id (either way) would show
    expected = [i for pair in zip(dense, lexical) for i in pair] + dense[m:] + lexical[n:]
    assert order(dense, lexical, {"dense": 1.0, "lexical": 1.0}) == expected


@settings(max_examples=300, deadline=None)
@given(dense=ranked, lexical=ranked.filter(bool), k=st.just(RRF_K))
def test_a_one_word_query_puts_a_lexical_hit_first(dense, lexical, k):
    """With the one-word lexical weight (what hybrid search uses for an identifier), the first
    fused hit is always one the lexical side found (a sentence containing the word), however
    the dense side ranks it or the others."""
    w = fusion_weights("SIMSEARCH_DB", lexical_found=True)
    assert w["lexical"] == ONE_WORD_LEXICAL_WEIGHT * FUSION_WEIGHTS["dense"]
    assert order(dense, lexical, w, k)[0] in lexical


def test_without_the_one_word_weight_a_dense_hit_can_win():
    """The weight is what makes the guarantee above: with equal weights, an id that the dense
    side ranks first and the lexical side second beats the lexical side's first."""
    equal = {"dense": 1.0, "lexical": 1.0}
    assert order([1, 2], [2, 1], equal) == [1, 2]  # a tie: dense order
    assert order([3, 2], [1, 2], equal)[0] == 2  # found by both sides beats either side's first alone
    assert order([3], [1], fusion_weights("ValueError", lexical_found=True))[0] == 1
    assert order([3], [1], fusion_weights("which error is raised", lexical_found=True))[0] == 3
    assert order([3], [1])[0] == 3


@settings(max_examples=300, deadline=None)
@given(dense=st.lists(IDS, max_size=40, unique=True), lexical=st.lists(IDS, max_size=40, unique=True),
       query=st.sampled_from(["ValueError", "how do I reset it"]), depth=st.integers(1, 12),
       cut=st.tuples(st.integers(0, 40), st.integers(0, 40)))
def test_the_hybrid_head_does_not_depend_on_how_deep_the_sides_were_read(dense, lexical, query, depth, cut):
    """``search -k 100`` starts with the ten of ``-k 10``: the fused head is the first ``depth`` of
    each side (deeper for a one-word query's lexical side), whatever was read past it, and every
    candidate read comes back exactly once."""
    head_dense, head_lexical = depth, lexical_depth_for(query, depth) if lexical else depth
    # Reading more of either side than the head needs never changes the head's order.
    more = hybrid_order(query, scored(dense), scored(lexical), depth=depth)
    fewer = hybrid_order(query, scored(dense[:max(head_dense, cut[0])]), scored(lexical[:max(head_lexical, cut[1])]),
                         depth=depth)
    weights = fusion_weights(query, bool(lexical))
    head = [i for i, _ in fuse(scored(dense[:head_dense]), scored(lexical[:head_lexical]), weights)]
    assert [i for i, _ in more][:len(head)] == head == [i for i, _ in fewer][:len(head)]
    assert sorted(i for i, _ in more) == sorted(set(dense) | set(lexical))


def test_a_one_word_query_reads_every_lexical_hit_that_could_still_come_first():
    """The lexical head of a one-word query reaches the last rank whose fused score beats the
    best a dense-only hit can get, and no further than one past it."""
    depth = lexical_depth_for("ValueError", 1)
    w = fusion_weights("ValueError", lexical_found=True)
    best_dense_only = w["dense"] / (RRF_K + 1)
    assert w["lexical"] / (RRF_K + depth - 1) > best_dense_only >= w["lexical"] / (RRF_K + depth + 1)
    assert lexical_depth_for("which error is raised", 7) == 7
