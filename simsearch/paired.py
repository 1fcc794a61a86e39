"""Is a change between two models more than the noise of the questions it was measured on?

Both ``train`` (the held-out figure: the base model against the trained one on the same held-out
sentences) and ``eval retrieval`` (two models on the same questions) compare two models question
by question. With 25 questions one question is 0.04 of hit@10, and a model that finds one more
has not been shown to be better. :func:`test` is the paired randomization test (Fisher's; the one
Smucker, Allan & Carterette, CIKM 2007, recommend for retrieval): if the two models were equally
good, which of a question's two figures came from which model would be chance, so each question's
difference is as likely to have either sign. Flipping the signs at random gives the changes chance
alone makes; ``noise`` is the size that 95% of them stay within, and a change is beyond the noise
when it is larger. Exact (every sign pattern) when at most ``EXACT`` questions changed, else
``SAMPLES`` patterns drawn with a fixed seed, so the same figures always give the same answer.
With four questions gained and none lost, a pattern as lopsided comes by chance one time in eight:
within the noise, however many questions were asked. :func:`judge` reads several figures as one verdict.

Questions that are not independent of one another (the held-out sentences of a few documents:
sentences of one document are found or missed together) are tested in ``clusters``: each
cluster's summed difference flips its sign as one, so the noise is that of the clusters, never of
more independent questions than there are. With few clusters no change can be beyond the noise
(:func:`can_tell`: four documents give 16 sign patterns, and the most lopsided comes one time in 8).
"""

from __future__ import annotations

import itertools
import math
from typing import Sequence

import numpy as np

LEVEL = 0.95
SAMPLES = 10_000
SEED = 0
EXACT = 16  # up to 2**16 sign patterns enumerated; drawn beyond
_BLOCK = 1_000  # patterns drawn at a time, at most
_CELLS = 4_000_000  # signs held at a time (10,000 patterns of 500 questions at once would be 5,000,000)
_TOLERANCE = 1e-12  # sums of the same differences in another order: equal

BETTER, WORSE, MIXED, NOISE = "better", "worse", "mixed", "within noise"


def test(before: Sequence[float], after: Sequence[float], *, candidates: int = 1, level: float = LEVEL,
         samples: int = SAMPLES, seed: int = SEED, clusters: Sequence | None = None) -> dict | None:
    """The change of a figure's mean from ``before`` to ``after`` (one value per question, the
    same questions in the same order) against the changes chance makes: ``difference``; ``noise``,
    the size chance stays within at ``level``; ``beyond`` (the difference is larger); ``p``, the
    share of chance's changes as large as this one (not adjusted for ``candidates``: ``beyond`` is
    ``p <= (1 - level) / candidates``); ``rose`` and ``fell``, how many questions moved each way.
    ``candidates``: how many models the ``after`` one was picked from by this very figure (the
    best of several steps), each a chance to look better: the level is made stricter to match
    (Bonferroni), so the best of twenty is not called better by luck. ``clusters``: one label per
    question (its document, say), for questions that are not independent: the sign patterns flip
    each cluster's summed difference as one, and ``clusters`` in the result says how many there
    were. None without a question."""
    a, b = np.asarray(before, dtype=np.float64), np.asarray(after, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired values differ in shape: {a.shape} and {b.shape}")
    if not 0 < level < 1 or samples < 1 or candidates < 1:
        raise ValueError(f"level {level}, samples {samples}, candidates {candidates}: need 0 < level < 1 and "
                         "samples, candidates >= 1")
    n = len(a)
    if clusters is not None and len(clusters) != n:
        raise ValueError(f"{len(clusters)} cluster labels for {n} paired values")
    if n == 0:
        return None
    differences = b - a
    units = differences
    if clusters is not None:  # each cluster's questions move together: one sign per cluster
        labels = {label: k for k, label in enumerate(dict.fromkeys(clusters))}
        units = np.zeros(len(labels))
        np.add.at(units, [labels[label] for label in clusters], differences)
    changed = units[units != 0]
    observed = float(differences.sum() / n)
    chance = np.sort(np.abs(_flipped_sums(changed, samples, seed))) / n
    # The size chance stays within: the order statistic at the level (a stricter one for a pick of
    # several), so that beyond it is exactly p <= (1 - level) / candidates.
    noise = float(chance[math.ceil((1 - (1 - level) / candidates) * len(chance)) - 1])
    beyond = abs(observed) > noise + _TOLERANCE
    p = int(np.count_nonzero(chance >= abs(observed) - _TOLERANCE)) / len(chance)
    return {"difference": observed, "noise": noise, "beyond": bool(beyond), "p": p,
            "rose": int(np.count_nonzero(differences > 0)), "fell": int(np.count_nonzero(differences < 0)),
            **({"clusters": len(units)} if clusters is not None else {})}


def can_tell(units: int, candidates: int = 1, level: float = LEVEL) -> bool:
    """Whether a change over ``units`` independent questions (or clusters) can be beyond the
    noise at all: the most lopsided sign pattern and its mirror, 2 of the 2**units, must come by
    chance no more often than ``(1 - level) / candidates`` (6 at 95%, 7 for the best of 2 or 3 steps)."""
    return units > EXACT or 2.0 ** (1 - units) <= (1 - level) / candidates + _TOLERANCE


def fewest_units(candidates: int = 1, level: float = LEVEL) -> int:
    """The fewest units (questions, clusters) with which :func:`can_tell` holds."""
    return next(k for k in itertools.count(1) if can_tell(k, candidates, level))


def _flipped_sums(changed: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """The sums of ``changed`` under sign patterns: all 2**m of them when m <= EXACT, else the
    observed one and ``samples`` drawn (in the order of ``changed``: the same questions in the
    same order give the same draws)."""
    m = len(changed)
    if m == 0:
        return np.zeros(1)
    if m <= EXACT:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=m)))
        return signs @ changed
    rng = np.random.default_rng(seed)
    block = max(1, min(_BLOCK, _CELLS // m))  # (a file of 100,000 questions: blocks of 40 patterns)
    drawn = [(rng.integers(0, 2, size=(min(block, samples - start), m), dtype=np.int8) * 2 - 1) @ changed
             for start in range(0, samples, block)]
    return np.concatenate([[changed.sum()], *drawn])


def by_rank(ranks: Sequence[int | None], top: int = 10) -> tuple[list[float], list[float]]:
    """Each question's hit@``top`` and reciprocal rank (0 past ``top``) from the rank of its first
    relevant answer (None: not found): the per-question figures two models are tested by."""
    found = [rank if rank is not None and rank <= top else None for rank in ranks]
    return [0.0 if rank is None else 1.0 for rank in found], [0.0 if rank is None else 1.0 / rank for rank in found]


def judge(found: Sequence[dict | None]) -> str | None:
    """One verdict over several figures' tests (:func:`test`): "better" when some figure rose
    beyond its noise and none fell beyond it, "worse" the other way round, "mixed" when one rose
    and another fell beyond the noise, "within noise" when none moved beyond it. None when none
    was measured."""
    known = [result for result in found if result is not None]
    if not known:
        return None
    up = any(result["beyond"] and result["difference"] > 0 for result in known)
    down = any(result["beyond"] and result["difference"] < 0 for result in known)
    return MIXED if up and down else BETTER if up else WORSE if down else NOISE


def signed(value: float, digits: int = 3) -> str:
    """``+0.042``, ``-0.010``, ``+0.000``: a change, its sign always shown."""
    shown = f"{value:+.{digits}f}"
    return "+" + shown[1:] if float(shown) == 0 else shown


def _digits(result: dict) -> int:
    """As many decimals (3 to 6) as it takes for the printed change to be larger than the printed
    noise exactly when the change is beyond it (+0.002 beyond a noise of 0.0015 is not "+0.002
    (noise ±0.002)")."""
    return next((d for d in range(3, 7) if (round(abs(result["difference"]), d) > round(result["noise"], d))
                 == result["beyond"]), 6)


def shown(result: dict) -> str:
    """"+0.042 (noise ±0.026)": a figure's change and its noise (:func:`_digits`)."""
    digits = _digits(result)
    return f"{signed(result['difference'], digits)} (noise ±{result['noise']:.{digits}f})"


def noise(result: dict) -> str:
    """"±0.026": the noise alone, as :func:`shown` prints it."""
    return f"±{result['noise']:.{_digits(result)}f}"
