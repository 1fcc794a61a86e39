"""Session 42's second user trial (Python-Markdown's, coverage.py's and aptitude's documentation):
what it found, each a test that failed first."""

from __future__ import annotations

from pathlib import Path

from simsearch.extract import extract, sentences_of


def read(page: str, name: str = "page.html") -> list[str]:
    return [s.text for s in sentences_of(extract(Path(name), page.encode()))]


# A section page as DocBook XSL writes it (aptitude's, PostgreSQL's and many Debian -doc manuals):
# a navigation header and footer on every page, naming the previous, parent and next pages.
DOCBOOK = """<html><head><title>Using the menus</title></head><body><div class="navheader">
<table width="100%" summary="Navigation header"><tr><th colspan="3" align="center">Using the menus</th></tr>
<tr><td width="20%" align="left"><a accesskey="p" href="ch02s01.html"><img src="prev.gif" alt="Prev" /></a> </td>
<th width="60%" align="center">The terminal user interface</th>
<td width="20%" align="right"> <a accesskey="n" href="ch02s01s02.html"><img src="next.gif" alt="Next" /></a></td>
</tr></table><hr /></div><div class="section"><div class="titlepage"><h3 class="title">Using the menus</h3></div>
<p>The menu bar at the top of the screen lists the most important commands.</p></div>
<div class="toc"><p><b>Table of Contents</b></p><dl class="toc"><dt><span class="section"><a href="a.html">Menu commands</a></span></dt></dl></div>
<div class="navfooter"><hr /><table width="100%" summary="Navigation footer">
<tr><td width="40%" align="left"><a accesskey="p" href="ch02s01.html"><img src="prev.gif" alt="Prev" /></a> </td>
<td width="20%" align="center"><a accesskey="u" href="ch02s01.html"><img src="up.gif" alt="Up" /></a></td>
<td width="40%" align="right"> <a accesskey="n" href="ch02s01s02.html"><img src="next.gif" alt="Next" /></a></td></tr>
<tr><td width="40%" align="left" valign="top">The terminal user interface </td>
<td width="20%" align="center"><a accesskey="h" href="index.html"><img src="home.gif" alt="Home" /></a></td>
<td width="40%" align="right" valign="top"> Menu commands</td></tr></table></div></body></html>
"""


def test_docbook_navigation_header_footer_and_table_of_contents_are_left_out():
    """DocBook XSL's div.navheader and div.navfooter name the neighbouring pages on every page
    ("The terminal user interface; Menu commands"): searching aptitude's manual for "resolving
    package dependencies" gave four such rows among its first ten results, each at a page the
    words are not about. Its div.toc ("Table of Contents" and the links) is a table of contents."""
    assert read(DOCBOOK) == ["Using the menus",  # (its <title> too, until a heading repeating it dropped it)
                             "The menu bar at the top of the screen lists the most important commands."]


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


def test_a_docbook_pictures_long_description_link_is_left_out():
    """DocBook XSL puts "[D]" (a link to the picture's long description) under each screenshot:
    33 one-word sentences in aptitude's manual."""
    page = ('<html><body><h1>Start</h1><p>The main screen should appear:</p><div class="screenshot">'
            '<div class="mediaobject"><img src="s.png" alt="[main screen]"/><div class="longdesc-link" '
            'align="right"><br clear="all"/><span class="longdesc-link">[<a href="ld-1.html" target="longdesc">'
            'D</a>]</span></div></div></div><p>As you can see, the screen is divided.</p></body></html>')
    assert read(page, "page.html") == ["Start", "The main screen should appear:", "As you can see, the screen is divided."]
