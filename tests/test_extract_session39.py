"""Reader cases found by a user trial on Werkzeug 3.0.6's docs (session 39): a ``:doc:`` link to a
folder's ``index`` page was stored as the word "index". serving.rst's "For deployment setups have
a look at the :doc:`/deployment/index` pages." read "... have a look at the index pages.", where
Sphinx shows the page's title ("Deploying to Production"). The index names such a file by its
folder ("deployment", ``store.document_name``); so does a link to it now."""

from __future__ import annotations

import pytest

from .textgen import read


@pytest.mark.parametrize("name, source, expected", [
    # Werkzeug 3.0.6, docs/serving.rst line 34
    ("serving.rst", "For deployment setups have a look at the\n:doc:`/deployment/index` pages.\n",
     [(1, "For deployment setups have a look at the deployment pages.")]),
    ("a.rst", "Read :doc:`../deploy/index.rst`, :doc:`guide/README` and :doc:`/patterns/Index/`.\n",
     [(1, "Read deploy, guide and patterns.")]),
    ("a.md", "Read [](deploy/index.md) and {doc}`/deployment/index`.\n", [(1, "Read deploy and deployment.")]),
    # a title of its own is kept; a file named like an index's folder is its own name
    ("a.rst", "Read :doc:`the guide </guide/index>` and :doc:`/guide/indexes`.\n", [(1, "Read the guide and indexes.")]),
    # a bare "index" is the linking file's own folder, which the reader does not know: as before
    ("a.rst", "See the servers listed in :doc:`index`, or :doc:`../index`.\n",
     [(1, "See the servers listed in index, or index.")]),
], ids=["werkzeug serving.rst 34", "folders", "myst", "titled", "bare index"])
def test_a_link_to_a_folders_index_page_reads_as_the_folders_name(name, source, expected):
    assert read(name, source) == expected


@pytest.mark.parametrize("source, expected", [
    # Werkzeug 3.0.6, CHANGES.rst lines 20-22 (which docs/changes.rst includes)
    ("-   The Watchdog reloader ignores file closed no write events. :issue:`2945`\n"
     "-   Logging works with client addresses containing an IPv6 scope :issue:`2952`\n",
     [(1, "The Watchdog reloader ignores file closed no write events. #2945"),
      (2, "Logging works with client addresses containing an IPv6 scope #2952")]),
    ("-   Refactor the test client cookie implementation. :issue:`1060, 1680`\n",
     [(1, "Refactor the test client cookie implementation. #1060, #1680")]),
    ("-   Drop support for Python 3.4. (:pr:`1478`)\n", [(1, "Drop support for Python 3.4. (#1478)")]),
    ("Fixed in Django 4.2 (:ticket:`34000`).\n", [(1, "Fixed in Django 4.2 (#34000).")]),
    # a title of its own, or a target that is no number, reads as before
    ("See :issue:`the bug <12>` and :issue:`gh-12`.\n", [(1, "See the bug and gh-12.")]),
], ids=["werkzeug CHANGES 20-22", "a list", "in brackets", "ticket", "titled"])
def test_an_issue_or_pull_request_number_reads_as_sphinx_shows_it(source, expected):
    """A changelog item's closing ``:issue:`2945``` was stored as a sentence of its own, "2945":
    296 of the 1,721 sentences of Werkzeug's CHANGES.rst were such numbers. Sphinx shows them as
    "#2945" (sphinx-issues, and the extlinks of Pallets', pytest's and Django's docs), which ends no
    sentence, so the number stays with its item."""
    assert read("CHANGES.rst", source) == expected
