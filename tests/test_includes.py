"""An include (rst's ``.. include::``, MyST's ``{include}``, AsciiDoc's ``include::``) is known, not
followed: `index` names each included file outside the folders indexed, and how to index it.

Found by a user trial on Werkzeug 3.0.6 (session 40), with Flask 3.0.3's and Jinja 3.1.4's sdists:
docs/changes.rst, ``.. include:: ../CHANGES.rst``, was stored as its title alone."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import extract, included_file
from simsearch.indexer import index
from simsearch.store import Store


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
