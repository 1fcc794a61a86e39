"""What `search` prints is what the index holds, and says so when the file no longer does.

- A hit's ``file`` says whether its file still holds the bytes that were indexed ("indexed"),
  or was changed, emptied, deleted or turned into a folder since: its ``path:line`` and context
  are the indexed version's, and the table says so beside the location. The oracle is the test's
  own record of each file's bytes at indexing time, over every sequence of edits (Hypothesis).
- Text from documents cannot drive the terminal: escape sequences and other control characters
  in a sentence, its context or a file name are printed as visible escapes, never raw.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store

FILES = {
    "rivers.txt": "Rivers carry water from the mountains to the sea.\nSome rivers freeze in winter.\n",
    "comets.txt": "Comets are icy bodies that orbit the sun.\nTheir tails point away from the sun.\n",
    "bread.txt": "Bread rises because yeast makes gas.\nBake it until the crust is brown.\n",
}
EDITS = ["none", "touch", "insert_above", "same_size", "empty", "delete", "folder", "copy_back"]


def apply(edit: str, path: Path) -> None:
    original = path.read_bytes()
    if edit == "touch":  # a new mtime, the same bytes
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    elif edit == "insert_above":
        path.write_bytes(b"A new first line.\nAnother one.\n" + original)
    elif edit == "same_size":
        path.write_bytes(original.replace(b"a", b"o", 1))
    elif edit == "empty":
        path.write_bytes(b"")
    elif edit == "delete":
        path.unlink()
    elif edit == "folder":
        path.unlink()
        path.mkdir()
    elif edit == "copy_back":  # another file (inode, ctime) with the same bytes
        path.unlink()
        path.write_bytes(original)


EXPECTED = {"none": "indexed", "touch": "indexed", "copy_back": "indexed", "insert_above": "changed",
            "same_size": "changed", "empty": "changed", "delete": "gone", "folder": "unreadable"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.fixed_dictionaries({name: st.sampled_from(EDITS) for name in FILES}))
def test_each_hit_says_whether_its_file_still_holds_what_was_indexed(tmp_path_factory, index_model, edits):
    root = tmp_path_factory.mktemp("stale")
    docs = root / "docs"
    docs.mkdir()
    for name, text in FILES.items():
        (docs / name).write_text(text)
    store = Store.open(root / "index.db")
    index(store, [docs], [str(index_model)], progress=False)
    for name, edit in edits.items():
        apply(edit, docs / name)
    searcher = Searcher.open(store, str(index_model), device="cpu")
    hits = searcher.search("rivers comets bread", 6, mode="hybrid")
    assert {Path(hit.path).name for hit in hits} == set(FILES)
    for hit in hits:
        assert hit.file == EXPECTED[edits[Path(hit.path).name]], (hit.path, edits)
        assert hit.as_dict()["file"] == hit.file
    store.close()
    shutil.rmtree(root)


def test_the_table_says_when_a_hit_is_from_a_changed_file(tmp_path, run_cli, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Alpha line about rivers.\nBeta line about mountains.\nGamma line about oceans and tides.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    code, out, _ = run_cli("search", "Gamma oceans tides", "--db", db, "-m", index_model, "-k", "1", "--device", "cpu")
    assert code == 0 and "changed since indexed" not in out
    (docs / "a.txt").write_text("Inserted one.\nInserted two.\n" + (docs / "a.txt").read_text())
    code, out, _ = run_cli("search", "Gamma oceans tides", "--db", db, "-m", index_model, "-k", "1", "--device", "cpu")
    assert code == 0 and "changed since indexed" in " ".join(out.split())
    code, out, _ = run_cli("search", "Gamma oceans tides", "--db", db, "-m", index_model, "-k", "1", "--device", "cpu",
                           "--json")
    assert json.loads(out.splitlines()[0])["file"] == "changed"


def test_control_characters_from_documents_never_reach_the_terminal(tmp_path, run_cli, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    hostile = "Second \x1b]0;TITLE\x07 line \x1b[2J\x1b[31mabout red text\x1b[0m here \x9b31m too."
    (docs / "x.txt").write_text(f"Harmless looking line about weather.\n{hostile}\nA last line about red paint.\n")
    (docs / "name\x1b[31m.txt").write_text("A sentence about red text in a file with a hostile name.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    for mode in ("lexical", "hybrid", "dense"):
        code, out, err = run_cli("search", "red text", "--db", db, "-m", index_model, "-k", "3", "--device", "cpu",
                                 "--mode", mode, "--context", "2")
        assert code == 0, err
        assert not any(char in out for char in "\x1b\x07\x9b"), repr(out)
        if mode == "lexical":  # both sentences are found by their words; the file's name is shown escaped
            assert "name\\x1b[31m" in "".join(out.split())
    # the text is stored as a terminal shows it (its escapes left out, session 44); --json escapes the name
    code, out, _ = run_cli("search", "red text", "--db", db, "-m", index_model, "-k", "3", "--mode", "lexical", "--json")
    assert code == 0 and "\x1b" not in out
    assert any(json.loads(line)["text"] == "Second line about red text here too." for line in out.splitlines())
    assert any("name\x1b[31m.txt" in json.loads(line)["path"] for line in out.splitlines())


def test_names_that_look_like_markup_are_printed_as_written(tmp_path, run_cli, index_model, monkeypatch):
    """A folder ending in "[" holding a file starting with "]" made `index` die (rich's
    MarkupError on "[/]" in a warning); "[red]" in a name was read as a colour."""
    root = tmp_path / "w[bold]"
    docs = root / "docs["
    docs.mkdir(parents=True)
    (docs / "]bin.txt").write_bytes(b"\x00\x01binary")  # skipped, with a warning naming it
    (docs / "[red]notes\x1b[5m.txt").write_text("Rivers carry water to the sea.\n")
    model = root / "m[/]"
    import shutil

    shutil.copytree(index_model, model)
    db = root / "i[/].db"
    code, out, err = run_cli("index", docs, "--db", db, "-m", model, "--device", "cpu")
    assert code == 0, err
    assert "docs[/]bin.txt" in "".join(err.split()) and "\x1b" not in out + err
    monkeypatch.chdir(docs)  # short locations: the table does not fold them
    code, out, err = run_cli("search", "rivers [/]", "--db", db, "-m", model, "--device", "cpu")
    assert code == 0, err
    flat = "".join(out.split())
    assert "[red]notes\\x1b[5m.txt" in flat and "'rivers[/]'" in flat
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    assert "w[bold]/i[/].db" in "".join(out.split())
    code, out, err = run_cli("search", "zzzz [/]", "--db", db, "-m", model, "--device", "cpu", "--mode", "lexical")
    assert code == 0 and "[/]" in out, err


def test_a_models_folder_and_progress_descriptions_that_look_like_markup(tmp_path, run_cli, monkeypatch):
    import io

    from rich.console import Console

    from simsearch import progress

    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models[/]x[red]"))
    code, out, err = run_cli("models")
    assert code == 0, err
    assert "models[/]x[red]" in "".join(out.split())
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=200))
    with progress.progress_bar(2, "embedding (mdl[/]x[red])") as advance:
        advance(2)
    assert "embedding (mdl[/]x[red])" in screen.getvalue()


def test_no_results_under_a_path_no_indexed_file_matches_says_so(tmp_path, run_cli, index_model, monkeypatch):
    """Was: `--path 'patterns/*'` run from another folder than the one it names gave a bare "no
    results ... (with --path patterns/*)", as if the query had found nothing there."""
    docs = tmp_path / "docs"
    (docs / "patterns").mkdir(parents=True)
    (docs / "patterns" / "a.txt").write_text("Alpha line about rivers.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    monkeypatch.chdir(tmp_path)
    args = ("--db", db, "-m", index_model, "--device", "cpu", "--mode", "lexical")
    code, out, _ = run_cli("search", "rivers", "--path", "patterns/*", *args)
    assert code == 0 and "with --path patterns/*: no indexed file matches it" in " ".join(out.split()), out
    assert "one indexed file from here: docs/patterns/a.txt)" in " ".join(out.split()), out
    code, out, _ = run_cli("search", "volcanoes", "--path", "docs/patterns/*", *args)  # matches: no such hint
    assert code == 0 and "(with --path docs/patterns/*)" in out, out
    assert run_cli("search", "rivers", "--path", "docs/patterns/*", *args)[1].count("a.txt") == 1


def test_a_search_of_an_index_that_holds_no_sentences_says_so(tmp_path, run_cli, index_model):
    """Was: after `forget` of its only folder, "no results for 'rivers' in hybrid mode", as if the
    notes did not mention rivers."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Alpha line about rivers.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    assert run_cli("forget", docs, "--db", db)[0] == 0
    for mode in ("hybrid", "dense", "lexical"):
        code, out, _ = run_cli("search", "rivers", "--db", db, "-m", index_model, "--device", "cpu", "--mode", mode)
        assert code == 0 and "the index holds no sentences" in " ".join(out.split()), (mode, out)


def test_a_path_spelled_with_dot_segments_matches_as_its_plain_spelling(tmp_path, run_cli, index_model, monkeypatch):
    """Was: `--path ./docs/a.txt` (what a shell's completion types) and `--path
    ../here/docs/a.txt` found nothing, "no indexed file matches it", while `--path docs/a.txt`
    found the file: a path relative to this folder matched only as spelled without `.` or `..`."""
    docs = tmp_path / "here" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.txt").write_text("Alpha line about rivers.\n")
    (docs / "b.txt").write_text("Beta line about rivers.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    monkeypatch.chdir(tmp_path / "here")
    args = ("--db", db, "-m", index_model, "--device", "cpu", "--mode", "lexical", "--json")
    for spelling in ("docs/a.txt", "./docs/a.txt", "../here/docs/a.txt", "docs/../docs/a.txt", "./docs/a*",
                     str(docs / ".." / "docs" / "a.txt")):
        code, out, _ = run_cli("search", "rivers", "--path", spelling, *args)
        assert code == 0 and [json.loads(line)["location"] for line in out.splitlines()] == ["docs/a.txt:1"], spelling
    for spelling in ("./docs", "../here/docs/", "docs/./"):  # a folder, with what is under it
        code, out, _ = run_cli("search", "rivers", "--path", spelling, *args)
        assert code == 0 and len(out.splitlines()) == 2, spelling
