"""``paired``: a change between two models on the same questions, with its 95% interval."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch import paired

SETTINGS = settings(max_examples=60, deadline=None)
values = st.lists(st.sampled_from([0.0, 1.0, 0.5, 1 / 3, 0.25, 0.1]), min_size=1, max_size=40)


@st.composite
def pairs_of(draw):
    before = draw(values)
    after = draw(st.lists(st.sampled_from([0.0, 1.0, 0.5, 1 / 3, 0.25, 0.1]), min_size=len(before), max_size=len(before)))
    return before, after


@SETTINGS
@given(pairs_of())
def test_swapping_the_models_negates_the_interval_exactly(pair):
    before, after = pair
    forward, backward = paired.interval(before, after, resamples=500), paired.interval(after, before, resamples=500)
    assert backward["difference"] == pytest.approx(-forward["difference"], abs=1e-12)
    assert (backward["low"], backward["high"]) == pytest.approx((-forward["high"], -forward["low"]), abs=1e-12)
    assert forward["low"] <= forward["high"]


@SETTINGS
@given(pairs_of())
def test_the_difference_is_the_change_of_the_means(pair):
    before, after = pair
    assert paired.interval(before, after, resamples=100)["difference"] == pytest.approx(np.mean(after) - np.mean(before))


@SETTINGS
@given(pairs_of())
def test_a_model_better_or_equal_on_every_question_has_no_bound_below_zero(pair):
    before, after = pair
    after = [max(a, b) for a, b in zip(before, after)]
    found = paired.interval(before, after, resamples=300)
    assert found["low"] >= 0
    assert paired.judge([found]) in (paired.BETTER, paired.NOISE)


@SETTINGS
@given(values)
def test_the_same_figures_have_an_interval_of_no_width(same):
    assert paired.interval(same, same, resamples=200) == {"difference": 0.0, "low": 0.0, "high": 0.0}
    assert paired.judge([paired.interval(same, same, resamples=200)]) == paired.NOISE


def test_one_question_more_in_25_is_within_noise():
    """The case the verdicts exist for: 25 questions, the trained model finds one more."""
    before = [1.0] * 20 + [0.0] * 5
    after = [1.0] * 21 + [0.0] * 4
    found = paired.interval(before, after)
    assert found["difference"] == pytest.approx(0.04)
    assert found["low"] <= 0 < found["high"]
    assert paired.judge([found]) == paired.NOISE


def test_the_width_matches_the_normal_approximation_on_many_questions():
    """Oracle: for 2,000 independent questions the bootstrap's 95% interval is the normal one,
    mean +- 1.96 standard errors, within a few per cent (a wrong tail index, a resample that
    breaks the pairs, or a mean over the wrong axis is far off)."""
    rng = np.random.default_rng(7)
    before = rng.integers(0, 2, 2000).astype(float)
    after = np.where(rng.random(2000) < 0.1, 1 - before, before)  # 10% of the questions flip
    differences = after - before
    half = 1.96 * differences.std(ddof=1) / math.sqrt(len(differences))
    found = paired.interval(before, after)
    assert found["high"] - found["low"] == pytest.approx(2 * half, rel=0.06)
    assert (found["low"] + found["high"]) / 2 == pytest.approx(differences.mean(), abs=half * 0.1)


def test_pairs_are_kept_together():
    """A model that is better on every question by the same margin is better at any sample size,
    though its figures overlap the base's a lot: unpaired resampling would say "within noise"."""
    rng = np.random.default_rng(3)
    before = rng.random(30)
    found = paired.interval(before, before + 0.01)
    assert found["low"] == pytest.approx(0.01) and found["high"] == pytest.approx(0.01)
    assert paired.judge([found]) == paired.BETTER


def test_the_same_figures_give_the_same_interval_every_time():
    before, after = [1, 0, 1, 1, 0, 0, 1] * 5, [1, 1, 0, 1, 1, 0, 1] * 5
    assert paired.interval(before, after) == paired.interval(before, after)


@pytest.mark.parametrize("intervals, verdict", [
    ([{"low": 0.01, "high": 0.05}, {"low": -0.01, "high": 0.02}], paired.BETTER),
    ([{"low": -0.05, "high": -0.01}, {"low": -0.01, "high": 0.02}], paired.WORSE),
    ([{"low": 0.01, "high": 0.05}, {"low": -0.05, "high": -0.01}], paired.MIXED),
    ([{"low": -0.01, "high": 0.05}, {"low": 0.0, "high": 0.0}], paired.NOISE),
    ([None, {"low": 0.02, "high": 0.03}], paired.BETTER),
    ([None], None),
    ([], None),
])
def test_the_verdict_over_several_figures(intervals, verdict):
    assert paired.judge(intervals) == verdict


def test_no_question_gives_no_interval_and_unpaired_values_are_refused():
    assert paired.interval([], []) is None
    with pytest.raises(ValueError, match="differ in shape"):
        paired.interval([1, 0], [1])


@pytest.mark.parametrize("value, shown", [(0.042, "+0.042"), (-0.01, "-0.010"), (-0.0001, "+0.000"), (0.0, "+0.000")])
def test_a_change_is_shown_with_its_sign(value, shown):
    assert paired.signed(value) == shown
