"""The progress bar's rate column: a slow rate (a training step of several seconds) is readable."""

from __future__ import annotations

from types import SimpleNamespace

from simsearch.progress import RateColumn


def _render(speed, unit="step", phase=""):
    return str(RateColumn(unit).render(SimpleNamespace(finished_speed=None, speed=speed, fields={"phase": phase})))


def test_fast_rate_is_items_per_second():
    assert _render(1234.4, "sent") == "1,234 sent/s"


def test_rate_below_one_per_second_is_seconds_per_item_not_zero():
    # A CPU training step of about 3 s was shown as "0 step/s".
    assert _render(0.3) == "3.3 s/step"
    assert _render(0.05) == "20.0 s/step"


def test_no_rate_yet():
    assert _render(None) == "- step/s"


def test_no_rate_yet_says_the_phase_when_the_work_has_one():
    # Context vectors: no vector is done while the sentences are encoded, before their windows.
    assert _render(None, "sent", phase="sentences first") == "sentences first"
    assert _render(12.0, "sent", phase="sentences first") == "12 sent/s"  # a rate says more
