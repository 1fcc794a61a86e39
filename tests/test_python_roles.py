"""Sphinx's Python roles (``:class:``, ``:meth:``, MyST's ``{class}``) read as Sphinx shows them.

Found by session 42's second user trial (Python-Markdown's, coverage.py's and aptitude's
documentation)."""

from __future__ import annotations

from pathlib import Path

from simsearch.extract import extract, sentences_of


def read(page: str, name: str = "page.html") -> list[str]:
    return [s.text for s in sentences_of(extract(Path(name), page.encode()))]


def test_a_python_role_with_a_leading_dot_shows_its_target_without_it():
    """Sphinx's Python roles read a leading "." as "search from here" and show the target without
    it (``PyXRefRole.process_link``): coverage.py's changelog "The corresponding
    :class:`.CoverageData` methods have been removed." reads "The corresponding CoverageData
    methods ...", not ".CoverageData" (18 such roles in its docs). Other roles keep their dot."""
    page = ("The corresponding :class:`.CoverageData` methods have been removed.\n\n"
            "Call :py:meth:`.Coverage.switch_context` or :meth:`~.Coverage.start` first.\n\n"
            "Set :envvar:`.PATH` and read :file:`.coveragerc` now.\n")
    assert read(page, "changes.rst") == ["The corresponding CoverageData methods have been removed.",
                                         "Call Coverage.switch_context or start first.",
                                         "Set .PATH and read .coveragerc now."]
    assert read("Use {class}`.CoverageData` here.\n", "page.md") == ["Use CoverageData here."]
