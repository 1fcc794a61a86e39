"""Is a change between two models more than the noise of the questions it was measured on?

Both ``train`` (the held-out figure: the base model against the trained one on the same held-out
sentences) and ``eval retrieval`` (two models on the same questions) compare two models question
by question. With 25 questions one question is 0.04 of hit@10, and a model that finds one more
has not been shown to be better. :func:`interval` gives the change in a figure's mean with a 95%
interval from a paired bootstrap over the questions (Efron & Tibshirani; Sakai, SIGIR 2006, for
IR evaluation): the questions are drawn again with replacement, each draw keeping a question's
two values together, and the interval is that of the draws' mean differences. A fixed seed makes
the same figures give the same interval every time. :func:`judge` reads the intervals of several
figures as one verdict.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

LEVEL = 0.95
RESAMPLES = 10_000
SEED = 0
# Resampled in blocks of this many draws: 10,000 draws of 500 questions at once are 40 MB of indices.
_BLOCK = 1_000

BETTER, WORSE, MIXED, NOISE = "better", "worse", "mixed", "within noise"


def interval(before: Sequence[float], after: Sequence[float], *, level: float = LEVEL,
             resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, float] | None:
    """The change of a figure's mean from ``before`` to ``after`` (one value per question, the
    same questions in the same order): ``{"difference", "low", "high"}``, the interval holding
    ``level`` of the paired bootstrap's mean differences. None without a question.

    The bounds are order statistics of the draws, so swapping ``before`` and ``after`` negates
    and swaps them exactly; a change that every question shares (all equal: 0) has no width."""
    a, b = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired values differ in shape: {a.shape} and {b.shape}")
    if not 0 < level < 1 or resamples < 1:
        raise ValueError(f"level {level} and resamples {resamples}: need 0 < level < 1 and resamples >= 1")
    n = len(a)
    if n == 0:
        return None
    differences = b - a
    rng = np.random.default_rng(seed)
    means = np.concatenate([differences[rng.integers(0, n, size=(min(_BLOCK, resamples - start), n))].mean(axis=1)
                            for start in range(0, resamples, _BLOCK)])
    means.sort()
    tail = int((1 - level) / 2 * resamples)
    return {"difference": float(differences.mean()), "low": float(means[tail]),
            "high": float(means[resamples - 1 - tail])}


def judge(intervals: Sequence[dict[str, float] | None]) -> str | None:
    """One verdict over several figures' intervals (:func:`interval`): "better" when some interval
    lies above 0 and none below, "worse" the other way round, "mixed" when one lies above and
    another below, "within noise" when every interval holds 0. None when none was measured."""
    known = [found for found in intervals if found is not None]
    if not known:
        return None
    up = any(found["low"] > 0 for found in known)
    down = any(found["high"] < 0 for found in known)
    return MIXED if up and down else BETTER if up else WORSE if down else NOISE


def signed(value: float, digits: int = 3) -> str:
    """``+0.042``, ``-0.010``, ``+0.000``: a change, its sign always shown."""
    shown = f"{value:+.{digits}f}"
    return "+" + shown[1:] if float(shown) == 0 else shown


def span(found: dict[str, float], digits: int = 3) -> str:
    """"+0.014 to +0.070": an interval as the verdicts print it."""
    return f"{signed(found['low'], digits)} to {signed(found['high'], digits)}"
