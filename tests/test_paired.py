"""``paired``: a change between two models on the same questions, against the changes chance makes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch import paired

SETTINGS = settings(max_examples=60, deadline=None)
FIGURES = [0.0, 1.0, 0.5, 1 / 3, 0.25, 0.1]


@st.composite
def pairs_of(draw, max_size=40):
    before = draw(st.lists(st.sampled_from(FIGURES), min_size=1, max_size=max_size))
    after = draw(st.lists(st.sampled_from(FIGURES), min_size=len(before), max_size=len(before)))
    return before, after


def sign_test_p(gained: int, lost: int) -> float:
    """Oracle: the exact two-sided sign test (McNemar's on the questions that changed), p of a
    lopsidedness at least |gained - lost| among gained + lost fair coin flips."""
    m = gained + lost
    return sum(math.comb(m, j) for j in range(m + 1) if abs(2 * j - m) >= abs(gained - lost)) / 2 ** m


@SETTINGS
@given(pairs_of())
def test_swapping_the_models_negates_the_change_and_keeps_its_noise(pair):
    before, after = pair
    forward, backward = paired.test(before, after), paired.test(after, before)
    assert backward["difference"] == pytest.approx(-forward["difference"], abs=1e-12)
    assert (backward["noise"], backward["beyond"], backward["p"]) == (forward["noise"], forward["beyond"], forward["p"])
    assert (backward["rose"], backward["fell"]) == (forward["fell"], forward["rose"])


@SETTINGS
@given(pairs_of())
def test_the_difference_is_the_change_of_the_means_and_beyond_means_larger_than_the_noise(pair):
    before, after = pair
    found = paired.test(before, after)
    assert found["difference"] == pytest.approx(np.mean(after) - np.mean(before))
    assert found["beyond"] == (abs(found["difference"]) > found["noise"] + 1e-12)
    assert found["beyond"] <= (found["p"] <= 0.05)  # beyond the noise: chance makes such a change 1 time in 20 or less
    # as printed, the change is larger than the noise exactly when it is beyond it
    change, noise = paired.shown(found).split(" (noise ±")
    assert (abs(float(change)) > float(noise.rstrip(")"))) == found["beyond"]


@SETTINGS
@given(st.integers(0, 8), st.integers(0, 8), st.integers(0, 40))  # (up to 16 changed: exact)
def test_on_questions_found_or_missed_it_is_the_exact_sign_test(gained, lost, same):
    """hit@10 is 0 or 1 per question: the randomization test is then McNemar's exact test."""
    before = [0.0] * gained + [1.0] * lost + [1.0] * same
    after = [1.0] * gained + [0.0] * lost + [1.0] * same
    if not before:
        return
    found = paired.test(before, after)
    assert found["p"] == pytest.approx(sign_test_p(gained, lost))
    assert (found["rose"], found["fell"]) == (gained, lost)


@pytest.mark.parametrize("gained, lost", [(30, 12), (25, 25), (40, 20), (20, 0)])
def test_past_the_exact_limit_the_drawn_patterns_agree_with_the_sign_test(gained, lost):
    before = [0.0] * gained + [1.0] * lost + [1.0] * 400
    after = [1.0] * gained + [0.0] * lost + [1.0] * 400
    assert paired.test(before, after)["p"] == pytest.approx(sign_test_p(gained, lost), abs=0.01)


@pytest.mark.parametrize("n, gained", [(1, 1), (2, 2), (25, 4), (25, 5), (500, 4)])
def test_a_handful_of_questions_gained_is_not_beyond_the_noise(n, gained):
    """(The review of session 39.) k questions gained and none lost: chance gives as lopsided a
    pattern with p = 2 * 0.5**k: 1.0 for one, 0.5 for two, 0.125 for four, 0.0625 for five. A
    percentile bootstrap put no draw of 4 or 5 gains below 0 and called them "better"."""
    before, after = [0.0] * n, [1.0] * gained + [0.0] * (n - gained)
    assert paired.judge([paired.test(before, after)]) == paired.NOISE


def test_six_gained_and_none_lost_is_beyond_it():
    found = paired.test([0.0] * 25, [1.0] * 6 + [0.0] * 19)
    assert found["beyond"] and found["p"] == pytest.approx(2 / 64) and paired.judge([found]) == paired.BETTER


def test_the_best_of_twenty_steps_by_chance_alone_is_not_called_better():
    """(The review of session 39.) Twenty steps that each differ from the base by chance alone;
    the best of them, picked by the same questions, is tested as one of 20 candidates."""
    rng = np.random.default_rng(1)
    called = plain = 0
    for _ in range(100):
        base = (rng.random(300) < 0.5).astype(float)
        steps = [np.where(rng.random(300) < 0.06, 1 - base, base) for _ in range(20)]
        kept = max(steps, key=lambda s: s.mean())
        called += paired.judge([paired.test(base, kept, candidates=20, samples=2000)]) == paired.BETTER
        plain += paired.judge([paired.test(base, kept, samples=2000)]) == paired.BETTER
    assert called <= 5 < plain  # (without the correction the pick looks better far more often)


def test_the_same_figures_have_no_noise_and_no_change():
    same = [1.0, 0.5, 0.0]
    assert paired.test(same, same) == {"difference": 0.0, "noise": 0.0, "beyond": False, "p": 1.0, "rose": 0, "fell": 0}
    assert paired.judge([paired.test(same, same)]) == paired.NOISE


@pytest.mark.parametrize("found, verdict", [
    ([{"difference": 0.1, "beyond": True}, {"difference": -0.01, "beyond": False}], paired.BETTER),
    ([{"difference": -0.1, "beyond": True}, {"difference": 0.01, "beyond": False}], paired.WORSE),
    ([{"difference": 0.1, "beyond": True}, {"difference": -0.1, "beyond": True}], paired.MIXED),
    ([{"difference": 0.1, "beyond": False}, {"difference": 0.0, "beyond": False}], paired.NOISE),
    ([None, {"difference": 0.02, "beyond": True}], paired.BETTER),
    ([None], None),
    ([], None),
])
def test_the_verdict_over_several_figures(found, verdict):
    assert paired.judge(found) == verdict


def test_no_question_gives_nothing_and_unpaired_values_are_refused():
    assert paired.test([], []) is None
    with pytest.raises(ValueError, match="differ in shape"):
        paired.test([1, 0], [1])


@pytest.mark.parametrize("value, shown", [(0.042, "+0.042"), (-0.01, "-0.010"), (-0.0001, "+0.000"), (0.0, "+0.000")])
def test_a_change_is_shown_with_its_sign(value, shown):
    assert paired.signed(value) == shown


def test_more_decimals_when_three_would_hide_the_verdict():
    """(The review of session 39.) 5 gained of 3,000 beyond a smaller noise read "+0.002 (noise
    ±0.002)"; so many decimals are shown that the printed change is the larger."""
    found = {"difference": 0.0016, "noise": 0.0015, "beyond": True}
    assert paired.shown(found) == "+0.0016 (noise ±0.0015)"
    assert paired.shown({**found, "beyond": False, "noise": 0.0017}) == "+0.002 (noise ±0.002)"


def test_with_drawn_patterns_beyond_the_noise_is_exactly_p_at_most_five_in_a_hundred():
    """(The second review of session 39.) With drawn patterns the noise came from the draws alone
    and p counted the observed change besides: a change could be beyond the noise with p 0.0501.
    Shifted to sit on the boundary, the two must agree."""
    rng = np.random.default_rng(5)
    base = rng.uniform(-1, 1, 25) * 0.1
    low, high = 0.0, 0.2
    for _ in range(40):  # the shift where the change crosses its noise
        middle = (low + high) / 2
        low, high = (low, middle) if paired.test(np.zeros(25), base + middle)["beyond"] else (middle, high)
    for shift in (low, high):
        found = paired.test(np.zeros(25), base + shift)
        assert found["beyond"] == (found["p"] <= 0.05)
    found = paired.test(np.zeros(30), np.ones(30) * np.linspace(0.5, 1.5, 30), candidates=1000)
    assert found["beyond"] == (found["p"] <= 0.05 / 1000)


def test_a_large_question_file_is_drawn_in_small_blocks():
    """(The second review of session 39.) 100,000 changed questions: the signs are drawn in
    blocks that fit in memory (1,000 patterns at once were three 800 MB arrays)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    before = rng.integers(0, 2, 100_000).astype(float)
    tracemalloc.start()
    try:
        found = paired.test(before, 1 - before, samples=200)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, peak
    z = abs(found["rose"] - found["fell"]) / math.sqrt(100_000)  # the sign test, normally approximated
    assert found["rose"] + found["fell"] == 100_000 and found["p"] == pytest.approx(math.erfc(z / math.sqrt(2)), abs=0.1)


def test_ranks_become_hits_and_reciprocal_ranks_within_the_top():
    assert paired.by_rank([1, 4, None, 10, 11]) == ([1.0, 1.0, 0.0, 1.0, 0.0], [1.0, 0.25, 0.0, 0.1, 0.0])
    assert paired.by_rank([3], top=2) == ([0.0], [0.0])


# Questions in clusters (the held-out sentences of a few documents): each cluster flips as one.

@st.composite
def clustered(draw, max_clusters=12):
    """(before, after, cluster of each question): a few questions per cluster."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=max_clusters))
    labels = [c for c, size in enumerate(sizes) for _ in range(size)]
    before = draw(st.lists(st.sampled_from(FIGURES), min_size=len(labels), max_size=len(labels)))
    after = draw(st.lists(st.sampled_from(FIGURES), min_size=len(labels), max_size=len(labels)))
    return before, after, labels


@SETTINGS
@given(pairs_of())
def test_one_question_per_cluster_is_the_test_question_by_question(pair):
    before, after = pair
    alone = paired.test(before, after, clusters=[f"doc{k}" for k in range(len(before))])
    assert alone.pop("clusters") == len(before)
    assert alone == paired.test(before, after)


@SETTINGS
@given(clustered(), st.integers(2, 5))
def test_asking_each_question_k_times_in_its_cluster_changes_nothing(case, k):
    """A document whose every sentence were asked k times holds no more evidence: the clustered
    test is unchanged, where the test question by question narrows its noise as if it had k
    times the questions."""
    before, after, labels = case
    once = paired.test(before, after, clusters=labels)
    repeated = paired.test(np.repeat(before, k), np.repeat(after, k), clusters=np.repeat(labels, k).tolist())
    for key in ("noise", "difference"):
        assert repeated[key] == pytest.approx(once[key], abs=1e-12)
    assert (repeated["beyond"], repeated["p"], repeated["clusters"]) == (once["beyond"], once["p"], once["clusters"])


def test_repeating_questions_narrows_the_test_question_by_question_but_not_the_clustered_one():
    """Four documents, each one question gained: never beyond the noise (p = 1/8), however many
    times each document's sentences ask it; question by question the same gains become "better"."""
    before, after, labels = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [0, 1, 2, 3, 0, 1]
    for k in (1, 2, 10):
        b, a, c = np.repeat(before, k), np.repeat(after, k), np.repeat(labels, k).tolist()
        found = paired.test(b, a, clusters=c)
        assert found["p"] == pytest.approx(1 / 8) and not found["beyond"]
    assert paired.test(np.repeat(before, 2), np.repeat(after, 2))["beyond"]


def test_too_few_clusters_can_never_be_beyond_the_noise():
    """With k clusters the most lopsided pattern comes 2 times in 2**k: 6 are needed at 95%,
    more for the best of several steps; with fewer, not even every cluster gaining is beyond it."""
    assert [paired.fewest_units(c) for c in (1, 2, 3, 5, 20)] == [6, 7, 7, 8, 10]
    for k in range(1, 6):
        assert not paired.can_tell(k)
        found = paired.test([0.0] * 10 * k, [1.0] * 10 * k, clusters=[c for c in range(k) for _ in range(10)])
        assert not found["beyond"]
    six = paired.test([0.0] * 60, [1.0] * 60, clusters=[c for c in range(6) for _ in range(10)])
    assert paired.can_tell(6) and six["beyond"] and six["p"] == pytest.approx(2 / 64)
    assert not paired.can_tell(6, candidates=2) and paired.can_tell(7, candidates=2)
    with pytest.raises(ValueError, match="2 cluster labels for 3"):
        paired.test([0, 1, 0], [1, 1, 0], clusters=["a", "b"])
