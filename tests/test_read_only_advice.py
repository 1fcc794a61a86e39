"""Advice that names a writing command (`index`, `forget --missing`) under a read-only index
(session 50, trial left2): `search` and `status` said "run simsearch index", which then refuses
("the database is read-only"). The advice now says to make the index writable first."""

from __future__ import annotations

import os
import sqlite3

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="chmod")

FIX = "the index is read-only: make it writable first, chmod u+w"


@pytest.fixture
def read_only_index(tmp_path, index_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("Hold the button ten seconds to reset it.\n\nThe kettle boils.\n")
    (tmp_path / "notes" / "b.md").write_text("Cats sleep most of the day.\n")
    code, _, err = run_cli("index", "notes", "--db", "i.db", "-m", index_model)
    assert code == 0, err
    with sqlite3.connect(tmp_path / "i.db") as conn:  # read by an older version of the reader
        conn.execute("UPDATE documents SET extractor_version = extractor_version - 1")
    conn.close()
    (tmp_path / "notes" / "b.md").write_text("Cats sleep all day long now.\n")  # changed since indexed
    os.chmod(tmp_path / "i.db", 0o444)
    yield tmp_path
    os.chmod(tmp_path / "i.db", 0o644)


def test_status_and_search_say_to_make_a_read_only_index_writable_before_index(read_only_index, index_model,
                                                                                run_cli, monkeypatch):
    code, out, err = run_cli("status", "--db", "i.db")
    assert code == 0, err
    [line] = [line for line in (out + err).splitlines() if "read by another version" in line]
    assert f"until `simsearch index --db i.db` reads them again ({FIX} i.db)" in line
    monkeypatch.setenv("COLUMNS", "400")
    for query in ("reset the button", "cats sleep"):
        code, out, err = run_cli("search", query, "--db", "i.db", "-m", index_model, "-k", "3")
        assert code == 0, err
        assert FIX in " ".join(out.split()), out
    code, _, err = run_cli("index", "--db", "i.db")  # what the advice was: refused
    assert code != 0 and "read-only" in err


def test_a_writable_index_gets_the_advice_alone(tmp_path, read_only_index, run_cli):
    os.chmod(tmp_path / "i.db", 0o644)
    code, out, err = run_cli("status", "--db", "i.db")
    assert code == 0 and "read by another version" in out + err and "chmod" not in out + err
