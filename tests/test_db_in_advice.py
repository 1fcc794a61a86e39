"""Advice to run `simsearch index` names the index the user gave (the Hatch trial, session 37).

Was: `simsearch status --db nope.db` answered "no index at nope.db: build one with `simsearch index
FOLDER` (or pass --db)": pasted, that command builds the default index, not nope.db. `search`,
`eval retrieval` and `forget` said the same, and an empty index's or a half-indexed one's advice
left --db out too. The TUI already named it. Every such command now carries the --db given,
quoted for the shell; the default index's needs none.
"""

from __future__ import annotations

import json
import sqlite3

import pytest


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIMSEARCH_DB", raising=False)
    (tmp_path / "a.txt").write_text("The cat sat on the mat.\n")
    (tmp_path / "q.jsonl").write_text(json.dumps({"query": "cat", "relevant": ["a.txt"]}) + "\n")
    return tmp_path


@pytest.mark.parametrize("command", [["status"], ["search", "cat"], ["search", "--queries", "q.jsonl"],
                                     ["eval", "retrieval", "q.jsonl"], ["forget", "--missing"]])
@pytest.mark.parametrize("db, said", [("nope.db", "simsearch index FOLDER --db nope.db"),
                                      ("my index.db", "simsearch index FOLDER --db 'my index.db'")])
def test_no_index_advice_names_the_db_given(here, run_cli, command, db, said):
    code, out, err = run_cli(*command, "--db", db)
    assert code == 2 and out == "", err
    assert err == f"error: no index at {db}: build one with `{said}`\n", err


def test_no_default_index_advice_needs_no_db(here, run_cli, monkeypatch):
    monkeypatch.setenv("SIMSEARCH_DB", str(here / "default.db"))  # the default index: no --db needed
    code, _, err = run_cli("status")
    assert code == 2 and err == (f"error: no index at {here / 'default.db'}: build one with `simsearch index FOLDER` "
                                 "(or pass --db)\n"), err


def test_an_empty_or_half_indexed_index_says_its_db(here, run_cli, index_model):
    from simsearch.store import Store

    Store.open(here / "empty index.db").close()
    code, out, _ = run_cli("search", "cat", "--db", "empty index.db", "--mode", "lexical")
    assert code == 0 and "add a folder with `simsearch index FOLDER --db 'empty index.db'`" in " ".join(out.split()), out

    assert run_cli("index", "a.txt", "--db", "half.db", "-m", index_model, "--device", "cpu")[0] == 0
    with sqlite3.connect(here / "half.db") as conn:  # as an interrupted `index` leaves it
        conn.execute("DELETE FROM vectors")
    code, out, err = run_cli("search", "cat", "--db", "half.db", "-m", index_model, "--device", "cpu")
    assert code == 0 and "run `simsearch index --db half.db` (dense search cannot find them until then)" in err, err
    code, out, err = run_cli("search", "nothing like it", "--db", "half.db", "-m", index_model, "--mode", "dense",
                             "--min-score", "0.99", "--device", "cpu")
    assert code == 0 and "run `simsearch index --db half.db`" in " ".join(out.split()), out
