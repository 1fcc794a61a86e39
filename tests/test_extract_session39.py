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
