"""An empty string given for a path, a model or a glob is refused, never taken for the working
directory or the default model.

Typer turns ``""`` into ``Path(".")`` and ``resolve_model`` took ``""`` for minilm: an unset shell
variable (``simsearch index "$DOCS"``, ``-m "$MODEL"``) indexed, forgot or trained on the working
directory, or added minilm under the name ``''``. The oracle is the CLI's own signatures: every
option and argument that takes a path or a name, found by walking the typer app, so one added
later is tested without being listed here.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import get_args

import pytest
import typer

from simsearch.cli import app

# Free-text parameters that are not paths or model names: the arguments that take the command
# as far as their check, and the message of the check that covers them.
NOT_NAMES = {
    ("search", "query"): ((), "the query is empty"),  # refused in the command (a query, not a path)
    ("train", "recipe"): (("--unsup", "private.txt"), "--recipe '': expected one of"),  # a choice, checked by TrainConfig
}


def _commands(group, words=()):
    for name, command in group.commands.items():
        if getattr(command, "commands", None):
            yield from _commands(command, (*words, name))
        else:
            yield (*words, name), command


def _takes_text(param) -> bool:
    annotation = param.type_descriptor.annotation
    return any(kind in (str, Path) for kind in (annotation, *get_args(annotation)))


CASES = [(words, param) for words, command in _commands(typer.main.get_command(app))
         for param in command.params if _takes_text(param)]


def _case_id(case) -> str:
    words, param = case
    return " ".join(words) + " " + (param.opts[0] if param.opts[0].startswith("-") else param.name.upper())


def test_the_oracle_finds_every_kind_of_parameter():
    found = {_case_id(case) for case in CASES}
    # one of each kind the walk must see: a path argument, a path option, a model option, a list of models
    assert {"index PATHS", "forget PATHS", "eval retrieval QUERIES", "index --db", "train --out", "train --unsup",
            "search --path", "tui --left", "eval sts --model", "index --model", "forget --model"} <= found
    assert len(found) >= 25


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory with a note in it (what `index ""` used to index), an index in another
    folder and no model anywhere near: whatever a refused command would touch, it would show."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "private.txt").write_text("My private note in the working directory.\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("SIMSEARCH_DB", str(tmp_path / "state" / "index.db"))
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "state" / "models"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "state"))
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_an_empty_value_is_refused_naming_the_option_and_nothing_is_written(case, workdir, run_cli):
    words, param = case
    option = param.opts[0]
    given = [option, ""] if option.startswith("-") else [""]
    extra, expected = NOT_NAMES.get((words[-1], param.name), ((), None))
    before = _files(workdir)
    code, out, err = run_cli(*words, *given, *extra)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err
    if expected is None:
        label = option if option.startswith("-") else param.name.upper()
        assert f'{label} "": an empty' in err, err
    else:
        assert expected in err, err
    assert _files(workdir) == before  # no index, no model folder, no output file


def test_index_of_an_empty_path_does_not_index_the_working_directory(workdir, index_model, run_cli):
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("A sentence in docs.\n")
    db = workdir / "i.db"
    for args in (["index", ""], ["index", docs, ""], ["index", docs, "-m", ""], ["index", docs, "-m", index_model, "-m", ""]):
        code, _, err = run_cli(*args, "--db", db)
        assert code == 2 and '"": an empty' in err, (args, err)
        assert not db.exists()
    # the library refuses an empty model name too (it was the default model)
    from simsearch.errors import SimsearchError
    from simsearch.models import resolve_model, resolve_offline

    for resolve in (resolve_model, resolve_offline):
        with pytest.raises(SimsearchError, match="empty model name"):
            resolve("")


def test_a_model_named_empty_by_an_older_version_can_be_forgotten_by_its_folder(workdir, index_model, run_cli):
    """`index D -m ""` used to add a model named '' (the default model's folder): `forget -m ""` is
    refused now, and `forget -m FOLDER` reaches that row (one folder is one row of the index)."""
    docs = workdir / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("A sentence in docs.\n")
    db = workdir / "i.db"
    code, _, err = run_cli("index", docs, "-m", index_model, "--db", db)
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE models SET name = ''")
    code, _, err = run_cli("forget", "-m", "", "--db", db)
    assert code == 2 and '--model "": an empty model name' in err
    code, out, err = run_cli("forget", "-m", index_model, "--db", db, "--json")
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM models").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


# --- nearby messages: an empty folder, a query that begins with "-" -------------------------

def test_indexing_a_folder_with_nothing_to_index_says_so_naming_it(workdir, index_model, run_cli):
    empty, foreign = workdir / "empty", workdir / "foreign"
    empty.mkdir()
    foreign.mkdir()
    (foreign / "report.xlsx").write_bytes(b"PK\x03\x04")
    (foreign / ".hidden.txt").write_text("A hidden note.\n")
    db = workdir / "i.db"
    for folder in (empty, foreign):
        code, out, err = run_cli("index", folder, "-m", index_model, "--db", db)
        assert code == 0, err
        assert f"no file to index was found in {folder} (simsearch reads .txt" in out, out
        assert "up to date" not in out
        # still a root (read by the next plain `index`): said, with the command that takes it out
        assert " ".join(out.split()).endswith(f"(`simsearch forget {folder}` takes it out)"), out
        assert str(folder) in run_cli("status", "--db", db, "--json")[1]
    # a folder with something in it is indexed as before
    (empty / "a.txt").write_text("A sentence.\n")
    code, out, err = run_cli("index", empty, "--db", db)
    assert code == 0 and "indexed 1 new" in out, (out, err)


def test_a_refresh_whose_roots_are_all_gone_does_not_call_them_empty_folders(workdir, index_model, run_cli):
    """A root moved away or a file deleted: its documents stay (warned), and the summary says
    that nothing could be read, not that no file was found in a folder that is not there."""
    folder = workdir / "d"
    folder.mkdir()
    (folder / "x.txt").write_text("A lone sentence here.\n")
    single = workdir / "y.txt"
    single.write_text("Another lone sentence.\n")
    db = workdir / "i.db"
    assert run_cli("index", folder, single, "-m", index_model, "--db", db)[0] == 0
    folder.rename(workdir / "d.moved")
    single.unlink()
    code, out, err = run_cli("index", "--db", db)
    assert code == 0 and "no longer exists" in err, err
    flat = " ".join(err.split())  # the remedies act on this index, not the default one
    assert f"simsearch forget {folder} --db {db}" in flat and f"simsearch forget --missing --db {db}" in flat, flat
    assert "nothing to read: none of the roots exists now" in out and "no file to index was found" not in out, out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_a_search_for_something_that_looks_like_an_option_is_told_about_the_double_dash(run_cli):
    code, _, err = run_cli("search", "--batch-size")
    assert code == 2 and "No such option: --batch-size" in err
    assert "put '--' before it: simsearch search [OPTIONS] -- --batch-size" in err
    code, _, err = run_cli("search", "-v", "--json")
    assert code == 2 and "simsearch search [OPTIONS] -- -v" in err
    # an option misspelt (click names the near ones) or another command: no hint about queries
    for args in (("search", "--modle", "dense", "x"), ("index", "--batch-sise", "64"), ("status", "--bogus")):
        code, _, err = run_cli(*args)
        assert code == 2 and "No such option" in err and "'--' before it" not in err, (args, err)


def test_indexing_only_skipped_files_does_not_say_up_to_date(workdir, index_model, run_cli):
    # Session 43, trial F: `simsearch index bad/binary.txt` (a binary file named .txt, the only one
    # given) said "index is up to date: 0 files unchanged, 1 skipped (see the warnings)" of a new
    # index that holds nothing. A folder of such files says that nothing was indexed, and why.
    folder = workdir / "bad"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    db = workdir / "i.db"
    code, out, err = run_cli("index", folder, "-m", index_model, "--db", db)
    assert code == 0 and "skipped: binary content" in err, err
    assert "up to date" not in out and out.startswith("nothing was indexed: 0 files unchanged, 1 skipped (see the warnings)"), out


def test_files_named_of_which_none_could_be_read_exit_2_on_every_run(workdir, index_model, run_cli):
    """Session 45: `simsearch index binary.txt` exited 0, as if it had done what was asked; a
    second run said "up to date … 1 still skipped", also 0. Files named on the command line of
    which none is indexed are bad input: exit 2, naming the first and its reason, on every run;
    one readable file among them is a run that did something (0)."""
    binary, good = workdir / "binary.txt", workdir / "good.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    good.write_text("A sentence that can be read. And another one.\n")
    db = workdir / "new" / "i.db"
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db)
    assert code == 2 and err.strip().splitlines()[-1] == (
        f"error: {binary}: skipped: binary content; nothing of the file named was indexed; no index was made"), err
    assert "Traceback" not in err and out == "" and not (workdir / "new").exists()  # (nor the folder made for it)
    code, out, err = run_cli("index", good, "-m", index_model, "--db", db)
    assert code == 0 and db.exists()
    for _ in range(2):  # an index there keeps the file as skipped: it is read again once it changes
        code, out, err = run_cli("index", binary, "--db", db)
        assert code == 2 and err.strip().splitlines()[-1] == (
            f"error: {binary}: skipped: binary content; nothing of the file named was indexed"), err
        assert out == ""
    code, out, err = run_cli("index", binary, "--db", db, "--json")
    assert code == 2 and json.loads(out)["skipped_before"] == 1 and "nothing of the file named" in err
    code, out, err = run_cli("index", binary, good, "--db", db)
    assert code == 0 and "1 still skipped" in out, (out, err)


def test_a_refused_first_run_removes_the_folders_it_made_however_the_db_is_spelt(workdir, index_model, run_cli):
    """Session 47: `index binary.txt --db newdir/../y.db` (newdir absent) made newdir to open the
    index, removed the index when it refused the run, and left newdir: its clean-up climbed from
    `newdir/..`, which it cannot remove, and stopped there. A folder it did not make stays."""
    binary = workdir / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    (workdir / "kept").mkdir()
    for db in (workdir / "newdir" / ".." / "y.db", workdir / "a" / ".." / "a" / "b" / ".." / "c" / "y.db",
               workdir / "kept" / "d" / ".." / "y.db"):
        before = sorted(p.name for p in workdir.iterdir())
        code, out, err = run_cli("index", binary, "-m", index_model, "--db", db)
        assert code == 2 and err.strip().endswith("no index was made"), err
        assert sorted(p.name for p in workdir.iterdir()) == before, db
        assert not any((workdir / "kept").iterdir())


def test_two_refused_first_runs_at_once_leave_no_index(workdir, index_model, run_cli, monkeypatch):
    """Session 47: two `index binary.txt --db new/i.db` started together (no index there), the
    second indexing between the first's indexing and its clean-up: each found two runs in the
    index, not its own alone, and kept it, so an index of nothing but the two runs' skips was
    left, with the folder made for it. A refused run's row now says so, and an index that holds
    refused runs' skips alone is removed by the last of them."""
    import simsearch.cli as cli

    binary = workdir / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    db = workdir / "new" / "i.db"
    original, runs = cli._none_of_the_files_read, []

    def the_other_run_first(store, paths):
        if not runs:  # the other command, started after this one indexed, refused and done
            runs.append(None)
            runs[0] = run_cli("index", binary, "-m", index_model, "--db", db)
        return original(store, paths)

    monkeypatch.setattr(cli, "_none_of_the_files_read", the_other_run_first)
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db)
    assert [c for c, _, _ in runs] == [2] and code == 2, (runs, err)
    assert err.strip().endswith("no index was made"), err
    assert not (workdir / "new").exists()


def test_two_refused_first_runs_at_once_leave_no_folder_whichever_ends_last(workdir, index_model, run_cli, monkeypatch):
    """Review 47: of two `index binary.txt --db new/i.db` started together, the first made `new`
    and the index; the second, started after, found the index there. When the first's clean-up
    came while the second ran, it kept the index (another run's in it), and the second, the last
    of the refused runs, removed it but left the empty `new`, which it had not made. The folders a
    new index's opening made are recorded in it, and removed with it by whichever run removes it."""
    import simsearch.cli as cli
    from simsearch.indexer import discard_unused
    from simsearch.store import Store

    binary = workdir / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    db = workdir / "new" / "i.db"
    original = cli._none_of_the_files_read

    class Paused(Exception):
        """The first run, indexed, not yet cleaned up."""

    def paused(store, paths):
        store.close()
        raise Paused

    monkeypatch.setattr(cli, "_none_of_the_files_read", paused)
    with pytest.raises(Paused):
        run_cli("index", binary, "-m", index_model, "--db", db)
    ended = []

    def the_first_run_ends_meanwhile(store, paths):
        if not ended:
            first = Store.open(db)
            first.refuse_run(1)
            # The second run's row is in it, refused in the commit that ended it (session 49): the
            # first (here a bare ``discard_unused``) removes the index, not the folder, and the
            # second, finding the index gone, removes the folder recorded in it.
            ended.append(discard_unused(first, refused=True))
        return original(store, paths)

    monkeypatch.setattr(cli, "_none_of_the_files_read", the_first_run_ends_meanwhile)
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db)
    assert ended == [True] and code == 2 and err.strip().endswith("no index was made"), err
    assert not (workdir / "new").exists()


def test_a_refused_first_run_keeps_an_index_another_run_wrote_meanwhile(workdir, index_model, run_cli, monkeypatch):
    """Session 46 review: a first run given only unreadable files removed the new index it had
    made, even when another `simsearch index` had indexed a folder into it since (between the
    refused run's indexing and its clean-up): that run's work gone, though it exited 0. Only an
    index that holds nothing but the refused run's own skips is removed."""
    import simsearch.cli as cli
    from simsearch.indexer import index
    from simsearch.store import Store

    binary, docs = workdir / "binary.txt", workdir / "docs"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    docs.mkdir()
    (docs / "good.txt").write_text("A sentence that can be read. And another one.\n")
    db = workdir / "new" / "i.db"
    original = cli._none_of_the_files_read

    def another_run_first(store, paths):
        index(Store.open(db), [docs], [str(index_model)], progress=False)  # the other command, done
        return original(store, paths)

    monkeypatch.setattr(cli, "_none_of_the_files_read", another_run_first)
    code, out, err = run_cli("index", binary, "-m", index_model, "--db", db)
    assert code == 2 and "no index was made" not in err, err
    assert db.exists()
    held = sqlite3.connect(db).execute("SELECT count(*) FROM sentences").fetchone()[0]
    assert held == 2
