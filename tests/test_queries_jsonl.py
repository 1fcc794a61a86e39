"""``search --queries`` with a JSON Lines file (the Hatch trial, session 37).

Was: `simsearch search --queries questions.jsonl`, the file in `eval retrieval`'s format, searched
each raw line (`{"id": ..., "query": ..., "relevant": [...]}`) as the query's text, with nothing on
stderr: lexical search matched the words of the paths. A `.jsonl`, `.ndjson` or `.json` file is
now read as `eval retrieval` reads it: each line's "query" is the query; a line without one is an
error naming the file and line. Any other file is one query per line as written, `{` or not.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def indexed(tmp_path, index_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sat on the mat. A dog ran in the park.\n")
    code, _, err = run_cli("index", "a.txt", "--db", "idx.db", "-m", index_model, "--device", "cpu")
    assert code == 0, err
    return tmp_path


def _search(run_cli, queries: str):
    return run_cli("search", "--db", "idx.db", "--queries", queries, "-k", "1", "--mode", "lexical")


@pytest.mark.parametrize("name", ["questions.jsonl", "questions.ndjson", "questions.json", "QUESTIONS.JSONL"])
def test_a_json_lines_file_searches_each_lines_query(indexed, run_cli, name):
    (indexed / name).write_text(
        json.dumps({"id": "q1", "query": "where did the cat sit", "relevant": ["a.txt:1"]}) + "\n\n"
        + json.dumps({"query": "a dog in the park"}) + "\n")  # "relevant" is eval's, not needed here
    code, out, err = _search(run_cli, name)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["query"], r["text"]) for r in records] == [("where did the cat sit", "The cat sat on the mat."),
                                                         ("a dog in the park", "A dog ran in the park.")]
    assert "1 blank line skipped" in err


@pytest.mark.parametrize("line, why", [
    ('{"id": "q1", "relevant": ["a.txt"]}', 'line 2: no "query" in the JSON object'),
    ('{"query": 3}', 'line 2: "query" must be a string, not a number'),
    ('{"query": "   "}', "line 2: the query is empty"),
    ('["cat"]', 'line 2: a JSON array, which is not read (a .jsonl file is JSON Lines: one object with a "query" a line)'),
    ('5', 'line 2: expected a JSON object (a .jsonl file is JSON Lines: one object with a "query" a line)'),
    ("where did the cat sit", "line 2: not valid JSON (Expecting value, column 1)"),
    ('{"query": "cat", ', "line 2: not valid JSON"),
    ('{"query": "\\ud800"}', "line 2: the query holds a lone surrogate"),
])
def test_a_json_line_without_a_query_string_is_an_error_naming_the_file_and_line(indexed, run_cli, line, why):
    (indexed / "q.jsonl").write_text(json.dumps({"query": "cat"}) + "\n" + line + "\n")
    code, out, err = _search(run_cli, "q.jsonl")
    assert code == 2 and out == "", err
    assert err.startswith(f"error: --queries q.jsonl: {why}") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_a_plain_file_keeps_each_line_as_written_and_says_when_lines_look_like_json(indexed, run_cli):
    # A plain line that begins with "{" is a query like any other (a LaTeX or template snippet).
    (indexed / "q.txt").write_text("{cat} on the mat\n")
    code, out, err = _search(run_cli, "q.txt")
    assert code == 0 and err == "", err
    assert [json.loads(line)["query"] for line in out.splitlines()] == ["{cat} on the mat"]
    # eval retrieval's lines in a file not named .jsonl: still searched as written, with a warning.
    (indexed / "questions.txt").write_text(json.dumps({"query": "cat", "relevant": ["a.txt"]}) + "\n"
                                           + json.dumps({"query": "dog", "relevant": ["a.txt"]}) + "\n")
    code, out, err = _search(run_cli, "questions.txt")
    assert code == 0, err
    assert json.loads(out.splitlines()[0])["query"] == '{"query": "cat", "relevant": ["a.txt"]}'
    assert ('warning: --queries questions.txt: 2 lines are JSON objects with a "query" (eval retrieval\'s format), '
            'searched as written: name the file .jsonl to search each "query"') in " ".join(err.split()), err


@pytest.mark.parametrize("indent", [2, None], ids=["pretty", "one-line"])
@pytest.mark.parametrize("command", ["search", "eval"])
def test_a_json_array_is_named_as_one(indexed, run_cli, command, indent):
    """An array of queries, as json.dump(indent=2) writes it (or on one line): its first line "["
    said "not valid JSON (Expecting value, column 2)", which names no mistake. The error names the
    file and line, says it is an array, and what each line must be instead: one JSON object with a
    "query" (eval retrieval's with "relevant" too)."""
    (indexed / "arr.json").write_text(json.dumps([{"query": "cat", "relevant": ["a.txt"]}], indent=indent) + "\n")
    args = (("search", "--db", "idx.db", "--queries", "arr.json") if command == "search" else
            ("eval", "retrieval", "arr.json", "--db", "idx.db", "--device", "cpu"))
    code, out, err = run_cli(*args)
    assert code == 2 and out == "", err
    expected = ('--queries arr.json: line 1: a JSON array, which is not read (a .json file is JSON Lines: one object '
                'with a "query" a line)' if command == "search" else  # (each command's way of naming a line)
                'arr.json:1: a JSON array, which is not read (JSON Lines: one object with "query" and "relevant" a line)')
    assert err == f"error: {expected}\n", err
