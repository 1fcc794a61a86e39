"""Reader cases found by a user trial on Werkzeug 3.0.6 (session 40), with Flask 3.0.3's and Jinja
3.1.4's sdists for more of the same: Jinja templates saved as ``.html`` gave sentences of template
syntax ("{% extends 'layout.html' %} {% block body %}", "The URL {{ url.target|urlize(40, true) }}
was shortened to ...")."""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract.template import is_template
from simsearch.indexer import index
from simsearch.store import Store

from .textgen import WORDS, paragraph, read

# --- Jinja and Django templates -------------------------------------------------------------------

# Werkzeug 3.0.6, examples/couchy/templates/display.html, whole
COUCHY_DISPLAY = """{% extends 'layout.html' %}
{% block body %}
  <h2>Shortened URL</h2>
  <p>
    The URL {{ url.target|urlize(40, true) }}
    was shortened to {{ url.short_url|urlize }}.
  </p>
{% endblock %}
"""


@pytest.mark.parametrize("name, source, expected", [
    ("templates/display.html", COUCHY_DISPLAY, [(3, "Shortened URL"), (5, "The URL … was shortened to ….")]),
    # Werkzeug 3.0.6, examples/i18nurls/templates/blog.html line 3: both branches are the page's text
    ("blog.html", "{% extends 'layout.html' %}\n<p>Blog {% if mode == 'index' %}Index{% else %}Post {{ post_id }}{% endif %}</p>\n",
     [(2, "Blog Index Post …")]),
    # a tag inside a word's sentence leaves nothing; a comment over lines keeps the lines after it
    ("a.html", "{# the greeting\n   shown to every user #}\n<p>Hello{% if name %}, {{ name }}{% endif %}! Welcome.</p>\n",
     [(3, "Hello, …!"), (3, "Welcome.")]),
    # Django: {% load %}, {% comment %} ... {% endcomment %}, a string to translate is text
    ("a.html", "{% load i18n %}\n{% comment %}Not shown.{% endcomment %}\n<p>{% translate \"Your account is ready.\" %}</p>\n",
     [(3, "Your account is ready.")]),
    # {% raw %}: its body is output as written
    ("a.html", "{% block body %}<p>Write {% raw %}{{ name }}{% endraw %} to print a name.</p>{% endblock %}\n",
     [(1, "Write {{ name }} to print a name.")]),
    # one expression in a templates folder (Flask's tests/templates/simple_template.html) is a value
    ("tests/templates/simple_template.html", "{{ whiskey }}\n", []),
], ids=["werkzeug couchy display.html", "branches", "comment", "django", "raw", "templates folder"])
def test_a_template_gives_its_text_without_template_syntax(name, source, expected):
    """Werkzeug's examples and Flask's gave "{% extends 'base.html' %} {% block header %}" and "{{
    post['title'] }}" as sentences. A template's tags and comments render as nothing; an expression
    is a value the file does not hold, read as "…"."""
    assert read(name, source) == expected


# A Sphinx page documenting Jinja: its template syntax is all in code, and stays as written.
DOC_PAGE = """<html><body><div class="body">
<p>A child template starts with <code class="docutils literal"><span class="pre">{% extends "base.html" %}</span></code>.</p>
<div class="highlight"><pre>{% block title %}Index{% endblock %}
{{ super() }}
</pre></div>
<p>Print a variable with <code>{{ user.name }}</code>. Comments are written <code>{# like this #}</code>.</p>
</div></body></html>
"""


def test_a_page_that_documents_templates_keeps_its_code_as_written():
    assert not is_template(DOC_PAGE, Path("templates/doc.html"))
    assert read("templates/doc.html", DOC_PAGE) == [
        (2, 'A child template starts with {% extends "base.html" %}.'),
        (6, "Print a variable with {{ user.name }}."), (6, "Comments are written {# like this #}.")]


_TEMPLATE_SYNTAX = re.compile(r"\{[%{#]|[%}#]\}")
tag = st.sampled_from(["{% if user %}", "{% endif %}", "{%- for x in xs -%}", "{% endfor %}", "{% set a = 'b' %}",
                       "{# a note\nover lines #}", "{% block body %}", "{% endblock %}"])
expression = st.sampled_from(["{{ user.name|e }}", "{{ url_for('index') }}", "{{\n  total }}"])


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(paragraph, min_size=1, max_size=4), data=st.data())
def test_a_templates_text_is_its_prose_with_no_template_syntax(paragraphs, data):
    """Tags and comments put anywhere between the words of a template's paragraphs and between its
    elements, expressions between the words of a sentence: no sentence holds template syntax,
    each is the sentence written with "…" for its expressions, on the line its first word is on."""
    out, expected = ["{% extends 'layout.html' %}\n"], []
    for sentences in paragraphs:
        out.append("<p>")
        for sentence in sentences:
            words = sentence.split()
            for k, word in enumerate(words):
                if k == 0:
                    expected.append(("".join(out).count("\n") + 1, sentence))
                out.append(word)
                between = [st.just(" "), st.just("\n"), tag.map(lambda t: f" {t} ")]
                if k < len(words) - 1:
                    between.append(expression.map(lambda e: f" {e} "))
                out.append(data.draw(st.one_of(between)))
        out.append("</p>\n" + data.draw(st.one_of(st.just(""), tag)) + "\n")
    got = read("page.html", "".join(out))
    assert not any(_TEMPLATE_SYNTAX.search(text) for _, text in got)
    assert [(line, " ".join(text.replace("…", " ").split())) for line, text in got] == expected


@settings(max_examples=100, deadline=None)
@given(paragraphs=st.lists(paragraph, min_size=1, max_size=3), code=st.lists(st.one_of(tag, expression), min_size=1, max_size=4),
       inline=st.booleans())
def test_template_syntax_in_a_pages_code_is_the_pages_text(paragraphs, code, inline):
    """A page whose template syntax is all in ``<pre>`` or ``<code>`` is no template, however much
    of it there is (and in a ``templates`` folder): its code reads as it reads in any page."""
    plain = "".join(f"<p>{' '.join(sentences)}</p>\n" for sentences in paragraphs)
    prose = [(1 + k, s) for k, sentences in enumerate(paragraphs) for s in sentences]
    if inline:
        page = plain + f"<p>Write <code>{' '.join(code)}</code> in a template.</p>\n"
        prose.append((len(paragraphs) + 1, f"Write {' '.join(' '.join(code).split())} in a template."))
    else:
        page = plain + f"<pre class=\"highlight\">{chr(10).join(code)}</pre>\n"
    assert not is_template(page, Path("templates/x.html"))
    assert read("templates/x.html", page) == prose


@pytest.mark.parametrize("opener", ["{#", "{{", "{%", "<tt>", "<code>", "<!--", "{% raw %}", "{% comment %}"])
def test_template_syntax_left_open_is_read_in_time_linear_in_the_page(opener):
    """A construct runs to the first end of its kind after it; one with none is no construct. Read
    as ``open.*?end`` over and over, a page of 40,000 openers left open took minutes (20,000: 8 to
    22 s); it takes well under a second."""
    page = "{% extends 'base.html' %}<p>{{ a }} {{ b }}" + f"{opener} word " * 40_000 + "</p>"
    started = time.perf_counter()
    read("templates/page.html", page)
    assert time.perf_counter() - started < 5


# --- a sentence that opens with a symbol -----------------------------------------------------------

from simsearch.segment import ABBREVIATIONS, CAPITALISED_ONLY, NEVER_FINAL, split_sentences  # noqa: E402


def sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


@pytest.mark.parametrize("name, source, expected", [
    # Werkzeug 3.0.6, docs/tutorial.rst line 249
    ("tutorial.rst", "Here we create a URL map with three rules.  ``/`` for the root of the URL\n"
                     "space where we will just dispatch to a function.\n",
     [(1, "Here we create a URL map with three rules."), (1, "/ for the root of the URL space where we will just dispatch to a function.")]),
    # Flask 3.0.3, docs/cli.rst lines 168-169 and 546-547
    ("cli.rst", "Variables are used over those set in :file:`.flaskenv`. :file:`.flaskenv` should be\nused for public variables.\n",
     [(1, "Variables are used over those set in .flaskenv."), (1, ".flaskenv should be used for public variables.")]),
    ("cli.rst", "This will run the development server in\ndebug mode. ``--app hello`` should be the import.\n",
     [(1, "This will run the development server in debug mode."), (2, "--app hello should be the import.")]),
    # Flask 3.0.3, docs/quickstart.rst; Django's intro/tutorial02.rst
    ("q.rst", "The first argument is the name of the module. ``__name__`` is a shortcut.\n",
     [(1, "The first argument is the name of the module."), (1, "__name__ is a shortcut.")]),
    ("t.rst", "Wait a minute. ``<Question: Question object (1)>`` isn't a helpful representation.\n",
     [(1, "Wait a minute."), (1, "<Question: Question object (1)> isn't a helpful representation.")]),
    # plain text and Markdown: code in backquotes, a variable, a decorator
    ("a.txt", "See the note. `len` returns the length. $HOME is unset. @app.route registers it.\n",
     [(1, "See the note."), (1, "`len` returns the length."), (1, "$HOME is unset."), (1, "@app.route registers it.")]),
    ("a.md", "Pass them all. `*args` holds the rest.\n", [(1, "Pass them all."), (1, "*args holds the rest.")]),
], ids=["werkzeug tutorial.rst 249", "flask cli.rst 168", "flask cli.rst 546", "__name__", "<tag>", "plain text", "markdown"])
def test_a_sentence_that_opens_with_a_symbol_is_a_sentence(name, source, expected):
    """"Here we create a URL map with three rules. ``/`` for the root ..." was one sentence: after a
    full stop, only a capital, a digit, a letter or an opening quote or bracket began one."""
    assert read(name, source) == expected


@pytest.mark.parametrize("text", [
    "Use extensions (e.g. .rst) here.", "Fix the router so that i.e. /2df does not match.",
    "Give a field (e.g. <input type=\"text\">, <select>) to render.", "Queries -- in filter, etc. -- are joined.",
    "Ignore invalid authorization parameters. #2955", "Who has PHP installed, right? :)",
    "It is done. -> next", "He left. ... and came back.", "Run git add . /tmp is next.",
    "Use Fig. %s for figures.", "Read it in vol. `2` of the set.", "Upgrade to version 1.2.3 of the tool.",
    "Sounds fine. -- the team", "Call it as cf. `len`.",
], ids=lambda text: text[:30])
def test_what_opens_no_sentence_is_not_split(text):
    """After an abbreviation, before an issue's number, a dash, an arrow, an ellipsis, an
    emoticon, or after a dot standing alone, a symbol opens no sentence."""
    assert sentences(text) == [text]


words = st.lists(st.sampled_from(WORDS), min_size=2, max_size=6)
symbol_word = st.tuples(st.sampled_from(["`", "/", "~/", ".", "./", "$", "@", "<", "*", "**", "__", ":", "%", "--", "-"]),
                        st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True),
                        st.sampled_from(["", "`", ">", ".py", "()", ":", "%", "__", "/"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(first=words, opener=symbol_word, rest=words, end=st.sampled_from([".", "!", "?", '."', ".)"]))
def test_a_symbol_word_after_a_sentences_end_opens_the_next(first, opener, rest, end):
    """Any sentence's end (a word then ".", "!", "?", with a closing quote or bracket) followed by
    a word written with a symbol before it ("--app", ".env", "`len`", "__init__.py") ends there."""
    one = " ".join(first).capitalize() + end
    one = {'"': '"', ")": "("}.get(end[-1], "") + one  # '"Time river."', "(Time river.)"
    two = opener + " " + " ".join(rest) + "."
    assert sentences(one + " " + two) == [one, two]


@settings(max_examples=300, deadline=None)
@given(first=words, abbreviation=st.sampled_from(sorted((ABBREVIATIONS | NEVER_FINAL) - CAPITALISED_ONLY)),
       opener=symbol_word, rest=words)
def test_a_symbol_word_after_an_abbreviation_goes_on(first, abbreviation, opener, rest):
    """"e.g. `x`", "i.e. /2df", "etc. --app", "vs. $HOME", "No. *args": an abbreviation before a
    symbol ends no sentence, as before no lowercase word. (Not "sun.", "sat.": everyday words
    in lowercase, ``CAPITALISED_ONLY``.)"""
    text = " ".join(first).capitalize() + f" {abbreviation}. {opener} " + " ".join(rest) + "."
    assert sentences(text) == [text]


# --- an include that names a file outside the index -----------------------------------------------

from simsearch.extract import extract, included_file  # noqa: E402


@pytest.mark.parametrize("name, source, expected", [
    # Werkzeug 3.0.6, docs/changes.rst, whole
    ("changes.rst", ".. include:: ../CHANGES.rst\n", [(1, "../CHANGES.rst")]),
    # an include in an `.. only::` is read; one shown in code, docutils' own files and a file read as code are not
    ("a.rst", "Text.\n\n.. only:: html\n\n   .. include:: /inc/y.rst\n\n.. code-block:: rst\n\n   .. include:: shown.rst\n\n"
              "Literal::\n\n    .. include:: shown.rst\n\n.. include:: <isonum.txt>\n.. include:: conftest.py\n   :literal:\n"
              "\n..\n   .. include:: commented.rst\n",
     [(5, "/inc/y.rst")]),
    # MyST's {include}, and rst's in an {eval-rst} block; not one inside a fence of code, nor one read as code
    ("a.md", "# T\n\n```{include} ../README.md\n:relative-docs: docs/\n```\n\n```{include} x.py\n:code: python\n```\n\n"
             "```{eval-rst}\n.. include:: ../CHANGES.rst\n```\n\n````md\n```{include} shown.md\n```\n````\n",
     [(3, "../README.md"), (12, "../CHANGES.rst")]),
    # AsciiDoc's include::, not in a listing block, nor one naming an attribute or a URL
    ("a.adoc", "= T\n\ninclude::chapter.adoc[]\n\n----\ninclude::shown.adoc[]\n----\n\ninclude::{includedir}/x.adoc[]\n"
               "include::https://example.org/a.adoc[]\n", [(3, "chapter.adoc")]),
], ids=["werkzeug changes.rst", "rst", "myst", "asciidoc"])
def test_the_files_a_file_includes_are_known_not_followed(name, source, expected):
    extracted = extract(Path(name), source.encode())
    assert extracted.includes == expected
    assert not any("include" in line for line in extracted.text.splitlines())


def test_an_included_files_path_is_read_as_sphinx_and_asciidoctor_read_it(tmp_path):
    project = tmp_path / "project"
    (project / "docs" / "inc").mkdir(parents=True)
    (project / "docs" / "conf.py").write_text("")
    for name in ("CHANGES.rst", "LICENSE", "docs/inc/y.rst", "docs/guide.adoc"):
        (project / name).write_text("x\n")
    includer = project / "docs" / "changes.rst"
    assert included_file(includer, "../CHANGES.rst", "rst") == project / "CHANGES.rst"
    assert included_file(includer, "/inc/y.rst", "rst") == project / "docs" / "inc" / "y.rst"  # (the project's folder)
    assert included_file(includer, "../LICENSE", "rst") is None  # (no type simsearch reads: no remedy to offer)
    assert included_file(includer, "../MISSING.rst", "rst") is None
    guide = project / "docs" / "guide.adoc"
    assert included_file(project / "docs" / "a.adoc", str(guide), "asciidoc") == guide  # (an absolute path is one)


def _project(tmp_path: Path) -> Path:
    """Werkzeug's shape: docs/changes.rst includes ../CHANGES.rst, outside docs/."""
    project = tmp_path / "project"
    (project / "docs" / "inc").mkdir(parents=True)
    files = {"CHANGES.rst": "Version 1.0\n===========\n\nThe reloader ignores closed files.\n",
             "CONTRIBUTING.rst": "Contributing\n============\n\nOpen an issue first.\n",
             "LICENSE": "Permission is granted.\n",
             "docs/changes.rst": "Changes\n=======\n\n.. include:: ../CHANGES.rst\n",
             "docs/faq.rst": "FAQ\n===\n\nWhat changed?\n\n.. include:: ../CHANGES.rst\n",
             "docs/contributing.rst": ".. include:: ../CONTRIBUTING.rst\n",
             "docs/license.rst": "License\n=======\n\n.. include:: ../LICENSE\n",
             "docs/inner.rst": "Inner\n=====\n\n.. include:: inc/part.rst\n",
             "docs/inc/part.rst": "A part of the inner page.\n"}
    for name, text in files.items():
        (project / name).write_text(text)
    return project


def test_index_says_once_which_included_files_it_does_not_hold_and_how_to_index_them(run_cli, tmp_path, index_model):
    """`simsearch index werkzeug-3.0.6/docs` stored docs/changes.rst as its title alone, and said
    nothing of the changelog it includes. It now names each included file outside the folders
    indexed, once, after its summary (with the files that include it and the command that indexes
    it); `--json` holds the same as data. A file inside them (indexed anyway) and one simsearch does
    not read (`LICENSE`) are not named."""
    project, db = _project(tmp_path), tmp_path / "index.db"
    code, out, err = run_cli("index", project / "docs", "--model", index_model, "--db", db)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "include" in line]
    changes, contributing = project / "CHANGES.rst", project / "CONTRIBUTING.rst"
    assert warnings == [
        f"warning: {project / 'docs/changes.rst'}:4 and 1 more file include {changes}, outside the folders indexed "
        f"(an include is not followed): `simsearch index {changes} --db {db}` indexes it",
        f"warning: {project / 'docs/contributing.rst'}:1 includes {contributing}, outside the folders indexed "
        f"(an include is not followed): `simsearch index {contributing} --db {db}` indexes it"]
    code, out, err = run_cli("index", project / "docs", "--model", index_model, "--db", tmp_path / "json.db", "--json")
    assert code == 0 and "include" not in err
    assert json.loads(out)["includes_not_indexed"] == [
        {"path": str(changes), "included_by": [{"path": str(project / "docs/changes.rst"), "line": 4},
                                               {"path": str(project / "docs/faq.rst"), "line": 6}],
         "command": f"simsearch index {changes} --db {tmp_path / 'json.db'}"},
        {"path": str(contributing), "included_by": [{"path": str(project / "docs/contributing.rst"), "line": 1}],
         "command": f"simsearch index {contributing} --db {tmp_path / 'json.db'}"}]
    # the command given indexes the changelog; then an edit of the file that includes it says nothing
    code, out, err = run_cli(*shlex.split(warnings[0].split("`")[1])[1:])
    assert code == 0 and "indexed 1 new" in out and "include" not in err, (out, err)
    (project / "docs" / "changes.rst").write_text("Changes\n=======\n\nSee below.\n\n.. include:: ../CHANGES.rst\n")
    code, out, err = run_cli("index", "--db", db)
    assert code == 0 and "indexed 0 new, 1 changed" in out and "include" not in err, (out, err)


FILES = ["a/one.rst", "a/two.md", "b/three.rst", "top.rst", "b/c/four.adoc"]
INCLUDE = {".rst": ".. include:: {}\n", ".md": "```{{include}} {}\n```\n", ".adoc": "include::{}[]\n"}


@settings(max_examples=25, deadline=None)
@given(edges=st.sets(st.tuples(st.sampled_from(FILES), st.sampled_from(FILES)).filter(lambda e: e[0] != e[1]), max_size=8),
       roots=st.sets(st.sampled_from(["a", "b", "top.rst", "b/c"]), min_size=1))
def test_the_included_files_named_are_those_outside_every_root(tmp_path_factory, index_model, edges, roots):
    """Whatever includes what, and whichever folders and files are indexed: the files named are
    exactly those included by a file read and outside every root, each with the files including it."""
    top = tmp_path_factory.mktemp("tree")
    for name in FILES:
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "Some words of prose here.\n\n" + "".join(
            INCLUDE[path.suffix].format(os.path.relpath(top / target, path.parent)) for includer, target in sorted(edges)
            if includer == name)
        path.write_text(text)
    store = Store.open(top / "index.db")
    try:
        report = index(store, [top / root for root in sorted(roots)], [str(index_model)], progress=False)
    finally:
        store.close()

    def under(name: str) -> bool:
        return any(name == root or name.startswith(root + "/") for root in roots)

    expected = {(str(top / target), str(top / includer)) for includer, target in edges if under(includer) and not under(target)}
    assert {(entry["path"], by["path"]) for entry in report.includes_not_indexed for by in entry["included_by"]} == expected
    assert len({entry["path"] for entry in report.includes_not_indexed}) == len(report.includes_not_indexed)


def test_past_ten_included_files_the_rest_are_one_line(capsys):
    from simsearch.cli import INCLUDE_LINES, _warn_includes

    entries = [{"path": f"/p/inc{k}.rst", "included_by": [{"path": "/p/docs/a.rst", "line": k + 1}],
                "command": f"simsearch index /p/inc{k}.rst"} for k in range(INCLUDE_LINES + 2)]
    _warn_includes(entries, None)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == INCLUDE_LINES + 1 and all("`simsearch index /p/inc" in line for line in lines[:-1])
    assert lines[-1] == (f"warning: and 2 more included files outside the folders indexed: `simsearch index "
                         f"/p/inc{INCLUDE_LINES}.rst /p/inc{INCLUDE_LINES + 1}.rst` indexes them")


def test_a_run_stopped_while_embedding_names_the_included_files_of_what_it_read(run_cli, tmp_path, index_model, monkeypatch):
    """The files read before Ctrl-C are saved and not read again by the next run (which "continues"):
    what they include is named before the interruption's line, or never."""
    project, db = _project(tmp_path), tmp_path / "index.db"

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "add_vectors", stopped)
    code, out, err = run_cli("index", project / "docs", "--model", index_model, "--db", db)
    lines = err.splitlines()
    assert code == 130 and lines[-1].startswith("error: interrupted;"), err
    assert [line.split(" include")[0] for line in lines if " include" in line] == [
        f"warning: {project / 'docs/changes.rst'}:4 and 1 more file", f"warning: {project / 'docs/contributing.rst'}:1"]
    monkeypatch.undo()
    code, out, err = run_cli("index", "--db", db)
    assert code == 0 and "include" not in err, err
