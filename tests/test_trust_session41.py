"""Session 41's user trial (edits, moves, retraining): what it found, each a test that failed first."""

from __future__ import annotations

import json

from simsearch import retrieval


def test_a_relevant_file_that_holds_no_sentence_is_unreachable(tmp_path, index_model, run_cli, monkeypatch):
    """A relevant file the index holds with no sentence (emptied, or code and markup alone) can
    never be found: eval retrieval counted it reachable (a file needed no sentence, a line range
    did), so every metric of its query was capped without a word and ``unreachable_units`` was 0."""
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river runs to the sea.\n")
    (docs / "empty.md").write_text("")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db)[0] == 0
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "river", "relevant": "docs/a.txt"}) + "\n"
                       + json.dumps({"query": "nothing", "relevant": "docs/empty.md"}) + "\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", index_model, "--mode", "lexical", "--json")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["unreachable_units"] == 1
    [warning] = [line for line in err.splitlines() if "match no sentence" in line]
    assert "1 of 2 relevant items" in warning and "q.jsonl:2" in warning and "empty.md" in warning


def test_reachable_units_of_a_folder_whose_files_hold_no_sentence(tmp_path, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    (docs / "code").mkdir(parents=True)
    (docs / "a.txt").write_text("The river runs to the sea.\n")
    (docs / "code" / "b.md").write_text("```\nx = 1\n```\n")
    store = Store.open(tmp_path / "i.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    assert store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    file = tmp_path / "q.jsonl"
    file.write_text(json.dumps({"query": "q", "relevant": [str(docs / "code")]}) + "\n"
                    + json.dumps({"query": "r", "relevant": [str(docs / "a.txt"), str(docs)]}) + "\n")
    queries = retrieval.load_queries(file)
    reachable = retrieval.reachable_units(store, queries)
    assert [unit in reachable for unit in queries[0].units] == [False]
    assert [unit in reachable for unit in queries[1].units] == [True, True]
