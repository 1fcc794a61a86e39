"""Excerpts of real documentation trees (the PyPI sdists of click 8.1.7, flask 3.0.3, SQLAlchemy
2.0.36 and pymdown-extensions 10.11.2; Sphinx's and Django's docs), each read as the index
reads it: what a hunt found wrong there, and the sentences that must come out now."""

from __future__ import annotations

from pathlib import Path

import pytest

from simsearch.extract import extract, sentences_of

CASES = {
    # A literal block after a list item's second paragraph: a "::" paragraph of its own
    # (sqlalchemy whatsnew_20.rst) was read as prose, code and all.
    "item_literal_alone.rst": (
        "* Individual SQL expressions assigned to :func:`_sql.select` constructs are packed\n"
        "  into a ``Tuple[]`` type.\n\n"
        "  ::\n\n"
        "    # (variable) stmt: Select[Tuple[str, int]]\n"
        "    stmt = select(str_col, int_col)\n\n"
        "* Next item.\n",
        ["Individual SQL expressions assigned to _sql.select constructs are packed into a Tuple[] type.",
         "Next item."]),
    # ... and an item's later paragraph that ends in "::" (sqlalchemy orm/mapping_styles.rst).
    "item_literal_after_text.rst": (
        "1. Use Python descriptors like ``@property``.\n\n"
        "   For example if an object ``Point`` wanted an attribute with the sum::\n\n"
        "      class Point(Base):\n"
        "          x: Mapped[int]\n\n"
        "   An advantage of using dynamic descriptors is that the value is computed.\n",
        ["Use Python descriptors like @property.",
         "For example if an object Point wanted an attribute with the sum:",
         "An advantage of using dynamic descriptors is that the value is computed."]),
    # Directives of a Sphinx extension around code (click's docs: 464 of 1,774 sentences were
    # Python lines); one around a shell session (Django's "console").
    "extension_code.rst": (
        "Many tools support aliases for commands. This shows how:\n\n"
        ".. click:example::\n\n"
        "    class AliasedGroup(click.Group):\n"
        "        def get_command(self, ctx, cmd_name):\n"
        "            rv = click.Group.get_command(self, ctx, cmd_name)\n"
        "            if rv is not None:\n"
        "                return rv\n\n"
        "And what it looks like:\n\n"
        ".. click:run::\n\n"
        "    invoke(cli, prog_name='cli', args=['--help'])\n\n"
        ".. console::\n\n"
        "    $ python manage.py migrate books 0002\n"
        "    Operations to perform:\n"
        "      Target specific migration: 0002_auto, from books\n",
        ["Many tools support aliases for commands.", "This shows how:", "And what it looks like:"]),
    # A project's own directive around prose is kept, and none of its options (sqlalchemy's
    # changelog: ":tickets:" after ":tags:" was stored as "tickets: 105", 3,849 times).
    "extension_prose.rst": (
        ".. changelog::\n"
        "    :version: 0.1.7\n"
        "    :released: Fri May 05 2006\n\n"
        "    .. change::\n"
        "        :tags: orm\n"
        "        :tickets: 105\n\n"
        "        Added statement encoding to the \"SET IDENTITY_INSERT\" statements.\n",
        ['Added statement encoding to the "SET IDENTITY_INSERT" statements.']),
    # Cells one space apart in a simple table (flask's views.rst).
    "simple_table.rst": (
        "================= ========== ===================\n"
        "URL               Method     Description\n"
        "----------------- ---------- -------------------\n"
        "``/users/<id>``   ``GET``    Show a single user\n"
        "``/stories/<id>`` ``DELETE`` Delete a story\n"
        "================= ========== ===================\n",
        ["URL; Method; Description", "/users/<id>; GET; Show a single user", "/stories/<id>; DELETE; Delete a story"]),
    # A list-table's rows: an item nested on its parent's line (Sphinx's configuration.rst).
    "list_table.rst": (
        ".. list-table::\n"
        "   :header-rows: 1\n"
        "   :stub-columns: 1\n\n"
        "   - * ``epub_writing_mode``\n"
        "     * ``'horizontal'``\n",
        ["epub_writing_mode; 'horizontal'"]),  # a row is one sentence, as in every table
    # An inline literal that starts a wrapped line is no bullet (pymdown keys.md, Sphinx basics.rst).
    "keys.md": (
        "Keys is an extension. Syntactically, Keys is built around the\n"
        "`+` symbol. A combination is surrounded by `++`.\n",
        ["Keys is an extension.", "Syntactically, Keys is built around the + symbol.",
         "A combination is surrounded by ++."]),
    "sections.rst": (
        "* ``#`` with overline, for parts\n"
        "* ``*`` with overline, for chapters\n",
        ["# with overline, for parts", "* with overline, for chapters"]),
    # mkdocs-material and pymdown (tabbed.md, admonition.md, snippets.md, magiclink.md).
    "tabs.md": (
        "Pick your platform below.\n\n"
        "=== \"Shell\"\n"
        "    ```sh\n"
        "    export HOME=/root\n"
        "    echo $HOME\n"
        "    ```\n\n"
        "!!! info inline end \"Side note\"\n"
        "    Admonitions can float to the side.\n\n"
        "??? warning classes\n"
        "    Collapsed content here.\n\n"
        "--8<-- \"includes/abbreviations.md\"\n\n"
        ":material-github: Source code on GitHub.\n\n"
        "/// html | div.result\n"
        "The `#!py3 False` default.\n"
        "///\n",
        ["Pick your platform below.", "Shell", "Side note: Admonitions can float to the side.",
         "Collapsed content here.", "Source code on GitHub.", "The False default."]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_documentation_excerpts(name):
    source, expected = CASES[name]
    assert [s.text for s in sentences_of(extract(Path(name), source.encode()))] == expected
