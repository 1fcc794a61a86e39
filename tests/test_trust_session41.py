"""Session 41's user trial (edits, moves, retraining): what it found, each a test that failed first."""

from __future__ import annotations

import json

import pytest

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


def _moved_folder_index(tmp_path, index_model, run_cli, vector_context: str):
    """docs indexed, then moved to docs2 and docs2 indexed: the README's way to keep vectors
    (`index NEW` first); docs's documents stay in the index (a missing folder may be a drive not
    mounted) until `forget --missing`."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Intro line here.\n\nThe river runs to the sea.\n\nCats sleep all day long.\n")
    (docs / "b.txt").write_text("A dog barks at night near the river.\n")
    db = tmp_path / "i.db"
    common = ("--db", db, "-m", index_model, "--vector-context", vector_context)
    assert run_cli("index", docs, *common)[0] == 0
    docs.rename(tmp_path / "docs2")
    code, _, err = run_cli("index", tmp_path / "docs2", *common)
    assert code == 0, err
    return db


@pytest.mark.parametrize("vector_context", ["0", "1"])
@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_a_hit_stands_under_its_copy_on_disk_not_under_a_gone_one(tmp_path, index_model, run_cli, monkeypatch,
                                                                   mode, vector_context):
    """After `mv docs docs2; simsearch index docs2` every result was named by its gone copy
    (docs/a.txt:3, "gone since indexed"), the live one only among `other_locations`: the copies
    tie (the same text, the same neighbours and file name: the same vector, the same BM25), and
    ties go by sentence id, the old copy's lower. Of copies that tie, the one whose file holds
    what was indexed stands for the text."""
    monkeypatch.chdir(tmp_path)
    db = _moved_folder_index(tmp_path, index_model, run_cli, vector_context)
    code, out, err = run_cli("search", "river runs to the sea", "--db", db, "-m", index_model, "--mode", mode,
                             "-k", "3", "--json")
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits and all(hit["path"].startswith(str(tmp_path / "docs2")) for hit in hits)
    assert all(hit["file"] == "indexed" for hit in hits)
    [river] = [hit for hit in hits if hit["text"] == "The river runs to the sea."]
    assert river["location"] == "docs2/a.txt:3" and river["copies"] == 2
    assert [place["location"] for place in river["other_locations"]] == ["docs/a.txt:3"]
    if vector_context == "1" or mode != "lexical":
        assert river["before"] == ["Intro line here."]  # its own file's neighbours (--context 1)
