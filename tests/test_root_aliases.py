"""One folder reached by two spellings through a symlink is indexed once, never twice.

Roots are stored as spelled (a path is what the user sees), so `index ~/notes` after `index
/data/notes` (where ~/notes links there), or a root inside or around another through a link,
stored every file twice. It is refused before anything is written, naming both spellings;
nested roots as spelled (`docs` and `docs/sub`) stay allowed.
"""

from __future__ import annotations

import sqlite3

import pytest


@pytest.fixture
def tree(tmp_path):
    real = tmp_path / "data" / "notes"
    (real / "sub").mkdir(parents=True)
    (real / "a.txt").write_text("Rivers carry water to the sea.\n")
    (real / "sub" / "b.txt").write_text("Comets orbit the sun.\n")
    (tmp_path / "notes").symlink_to(real)
    (tmp_path / "sublink").symlink_to(real / "sub")
    (tmp_path / "datalink").symlink_to(tmp_path / "data")
    return tmp_path


def _documents(db):
    conn = sqlite3.connect(db)
    try:
        return sorted(path for (path,) in conn.execute("SELECT path FROM documents"))
    finally:
        conn.close()


@pytest.mark.parametrize("first, second", [
    ("data/notes", "notes"),        # the same folder through a link
    ("notes", "data/notes"),
    ("data/notes", "sublink"),      # a folder inside it through a link
    ("data/notes", "datalink"),     # a folder around it through a link
    ("sublink", "data/notes"),
])
def test_a_second_spelling_of_indexed_files_is_refused_and_nothing_written(tree, run_cli, index_model, first, second):
    db = tree / "index.db"
    assert run_cli("index", tree / first, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    before = _documents(db)
    code, _, err = run_cli("index", tree / second, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 2 and "reach the same files through a symlink" in err and "forget" in err
    assert _documents(db) == before
    # The plain run (the roots indexed before) is unaffected; forgetting the first spelling allows the second.
    assert run_cli("index", "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    assert run_cli("forget", tree / first, "--db", db)[0] == 0
    assert run_cli("index", tree / second, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    assert all(str(tree / second) in path for path in _documents(db))


def test_two_spellings_in_one_run_are_refused_and_nested_roots_as_spelled_are_not(tree, run_cli, index_model):
    db = tree / "index.db"
    code, _, err = run_cli("index", tree / "data/notes", tree / "notes", "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 2 and "through a symlink" in err and "give only one of them" in err and "forget" not in err
    code, _, err = run_cli("index", tree / "data/notes", tree / "data/notes/sub", "--db", db, "-m", index_model,
                           "--device", "cpu")
    assert code == 0, err
    assert len(_documents(db)) == 2
