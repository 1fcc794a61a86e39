"""`eval retrieval` and a relevant item whose lines start past the end of its file (session 37).

Was: `docs/x.rst:900` for a 100-line file was only the "match no sentence" warning; the run went
on and scored a question no version of the file can answer, with exit status 0. A missing file
is an error naming the query file's line: lines that no version of the file has are too. A
file that changed since indexing (its lines on disk, not indexed yet, or indexed, gone from
disk since) keeps the warnings it had: `simsearch index` makes those answerable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_eval_hunt2 import one_line_error
from .test_extract_pdf import handmade_pdf

LINES = 100  # x.rst: a sentence on every line but each fifth, which is blank


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def x_rst(count: int = LINES) -> str:
    return "".join("\n" if i % 5 == 4 else f"Sentence {i} is about topic {i % 7} in some detail.\n"
                   for i in range(count))


@pytest.fixture
def indexed(tmp_path, index_model, run_cli):
    root = tmp_path
    write(root / "docs" / "x.rst", x_rst())
    write(root / "docs" / "y.txt", "The cat sat on the mat.\nThe river runs to the sea.\n")
    code, _, err = run_cli("index", root / "docs", "-m", index_model, "--db", root / "index.db")
    assert code == 0, err
    return root, root / "index.db", str(index_model)


def queries(root: Path, name: str, *relevant) -> Path:
    return write(root / name, json.dumps({"query": "topic 3", "relevant": ["docs/x.rst:3"]}) + "\n"
                 + "".join(json.dumps({"query": f"topic {i}", "relevant": [item]}) + "\n"
                           for i, item in enumerate(relevant)))


@pytest.mark.parametrize("relevant, shown", [
    ("docs/x.rst:900", "docs/x.rst:900"),
    ("docs/x.rst:101", "docs/x.rst:101"),
    ("docs/x.rst:101-120", "docs/x.rst:101-120"),
    ({"path": "docs/x.rst", "lines": [150, 160]}, "docs/x.rst:150-160"),
    ({"path": "docs/x.rst", "lines": 900}, "docs/x.rst:900"),
])
@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_lines_past_the_end_are_an_error_naming_the_line_before_any_model_loads(indexed, run_cli, monkeypatch,
                                                                               relevant, shown, mode):
    from simsearch import search

    root, db, model = indexed
    opened = []
    monkeypatch.setattr(search.Searcher, "open", classmethod(lambda cls, *a, **k: opened.append(a) or 1 / 0))
    path = queries(root, "q.jsonl", relevant)
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", model, "--mode", mode)
    one_line_error(code, err, f"{path}:2: {shown}: past the end of the file, which has {LINES} lines")
    assert out == "" and opened == []


def test_a_tsv_target_past_the_end_and_the_count_of_others(indexed, run_cli):
    root, db, model = indexed
    path = write(root / "q.tsv", "topic 3\tdocs/x.rst:3\nfar\tdocs/x.rst:900\nfarther\tdocs/y.txt:3\tdocs/x.rst:500\n")
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical")
    one_line_error(code, err, f"{path}:2: docs/x.rst:900: past the end of the file, which has {LINES} lines",
                   "(2 more relevant items are past their file's end too)")


@pytest.mark.parametrize("relevant", ["docs/x.rst:100", "docs/x.rst:95-900", "docs/x.rst:5", "docs/y.txt:2",
                                      "docs/x.rst"])
def test_lines_inside_the_file_are_no_error(indexed, run_cli, relevant):
    """The last line (100, blank: no sentence starts on it, the warning), a range that starts inside
    and runs past the end (it holds sentences), a blank line inside, the whole file."""
    root, db, model = indexed
    path = queries(root, "q.jsonl", relevant)
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and "error" not in err, err
    blank = relevant in ("docs/x.rst:100", "docs/x.rst:5")
    assert ("match no sentence" in err) == blank, err
    assert json.loads(out)["unreachable_units"] == blank


def test_a_file_grown_since_indexing_keeps_the_warnings(indexed, run_cli):
    """Lines on disk that the index does not hold yet: `simsearch index` makes them answerable."""
    root, db, model = indexed
    write(root / "docs" / "x.rst", x_rst(200))
    path = queries(root, "q.jsonl", "docs/x.rst:151")
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and "error" not in err, err
    assert "match no sentence" in err and "1 relevant file changed since indexed" in err, err
    assert run_cli("index", "--db", db)[0] == 0
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and "warning" not in err and json.loads(out)["unreachable_units"] == 0, err


def test_a_file_shrunk_since_indexing_is_judged_by_its_indexed_lines(indexed, run_cli):
    """Past the end on disk, but the index holds sentences there: searched as indexed, with the stale warning."""
    root, db, model = indexed
    write(root / "docs" / "x.rst", x_rst(20))
    path = queries(root, "q.jsonl", "docs/x.rst:51")
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and "error" not in err and "match no sentence" not in err, err
    assert "1 relevant file changed since indexed" in err
    # once indexed again, no version of the file has line 51
    assert run_cli("index", "--db", db)[0] == 0
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical")
    one_line_error(code, err, f"{path}:2: docs/x.rst:51: past the end of the file, which has 20 lines")


def test_a_file_deleted_since_indexing_keeps_the_warnings(indexed, run_cli):
    """Only in the index: its length is not known (lines past its last sentence may be code), as before."""
    root, db, model = indexed
    (root / "docs" / "x.rst").unlink()
    path = queries(root, "q.jsonl", "docs/x.rst:900")
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and "error" not in err and "match no sentence" in err and "gone since indexed" in err, err


def test_a_pdf_is_counted_in_pages(tmp_path, index_model, run_cli):
    """A PDF hit's line is its page: page 3 of a 2-page PDF is past its end, page 2 is not."""
    pytest.importorskip("pypdf")
    root = tmp_path
    (root / "docs").mkdir()
    (root / "docs" / "p.pdf").write_bytes(handmade_pdf([["The first page speaks of rivers and seas."],
                                                        ["The second page speaks of mountains and snow."]]))
    assert run_cli("index", root / "docs", "-m", index_model, "--db", root / "index.db")[0] == 0
    path = write(root / "q.tsv", "rivers\tdocs/p.pdf:1\nsnow\tdocs/p.pdf:2\n")
    code, out, err = run_cli("eval", "retrieval", path, "--db", root / "index.db", "--mode", "lexical", "--json")
    assert code == 0 and "warning" not in err, err
    path = write(root / "q.tsv", "rivers\tdocs/p.pdf:1\nsnow\tdocs/p.pdf:3\n")
    code, out, err = run_cli("eval", "retrieval", path, "--db", root / "index.db", "--mode", "lexical")
    one_line_error(code, err, f"{path}:2: docs/p.pdf:3: past the end of the file, which has 2 pages")
