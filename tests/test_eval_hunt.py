"""Findings of an adversarial hunt over `eval retrieval`, `search` and `status`: inputs that
ended in a traceback (exit 1) instead of one `error:` line and exit status 2."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    root = tmp_path_factory.mktemp("hunt")
    docs = root / "docs"
    write(docs / "a.txt", "The cat sat on the mat.\n\nStock prices fell sharply on Monday.\n")
    store = Store.open(root / "index.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    store.close()
    return root, root / "index.db", str(index_model)


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("relevant", [
    {"path": "docs/a.txt", "lines": [1, 10**20]},  # past SQLite's INTEGER: OverflowError
    "docs/a.txt:1-99999999999999999999",
    "docs/a.txt:99999999999999999999",
])
def test_a_huge_line_number_is_a_one_line_error(small_index, tmp_path, run_cli, relevant):
    root, db, model = small_index
    queries = write(root / "huge.jsonl", json.dumps({"query": "cat", "relevant": [relevant]}) + "\n")
    code, _, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical")
    one_line_error(code, err, f"{queries}:1")


def test_a_huge_line_number_in_a_tsv_is_a_one_line_error(small_index, run_cli):
    root, db, model = small_index
    queries = write(root / "huge.tsv", "cat\tdocs/a.txt:1-99999999999999999999\n")
    code, _, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical")
    one_line_error(code, err, f"{queries}:1")


def test_a_range_on_a_name_too_long_for_the_file_system_is_not_a_traceback(small_index, run_cli):
    """`Path.exists()` raises ENAMETOOLONG (it only swallows ENOENT and the like)."""
    root, db, model = small_index
    queries = write(root / "long.tsv", "cat\tdocs/" + "x" * 300 + ":3\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical", "--json")
    one_line_error(code, err, f"{queries}:1: docs/{'x' * 300}:3: no such file on disk or in the index")


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_a_lone_surrogate_in_a_jsonl_query_is_refused_with_its_line(small_index, run_cli, mode):
    """JSON's "\\ud800" is half a character: FTS5's tokenizer (lexical) and the model's (dense)
    cannot take it; the query file's line says so before any model loads."""
    root, db, model = small_index
    queries = write(root / f"surrogate-{mode}.jsonl", '{"query": "cat \\ud800", "relevant": ["docs/a.txt"]}\n')
    code, _, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", mode)
    one_line_error(code, err, f"{queries}:1")


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_search_with_a_query_that_is_not_utf8_is_a_one_line_error(small_index, run_cli, mode):
    """`simsearch search $'cat\\xff'`: Python hands the byte over as a lone surrogate (\\udcff)."""
    root, db, model = small_index
    code, _, err = run_cli("search", "cat \udcff", "--db", db, "-m", model, "--mode", mode)
    one_line_error(code, err)


def test_search_over_a_damaged_vectors_table_is_a_one_line_error(small_index, tmp_path, run_cli):
    """The open checks the schema; a page of `vectors` overwritten (a disk error, a bad copy) is
    found only when dense search reads it: sqlite3.DatabaseError ("malformed") came out raw."""
    root, db, model = small_index
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(db.read_bytes())
    with sqlite3.connect(damaged) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        [root_page] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'vectors'").fetchone()
    conn.close()
    with open(damaged, "r+b") as file:
        file.seek((root_page - 1) * page_size)
        file.write(b"\xde\xad" * (page_size // 2))
    code, out, err = run_cli("search", "cat", "--db", damaged, "-m", model, "--mode", "dense", "--json")
    one_line_error(code, err, "damaged")
    queries = write(tmp_path / "q.jsonl", json.dumps({"query": "cat", "relevant": [str(root / "docs" / "a.txt")]}) + "\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", damaged, "-m", model, "--mode", "dense")
    one_line_error(code, err, "damaged")


@pytest.mark.parametrize("lines", ["abc", "1–2", "1 - 2", "L1-L2"])
def test_lines_that_do_not_read_as_lines_are_named_as_the_mistake_not_the_file(small_index, run_cli, lines):
    """Was: "docs/a.txt:abc: no such file on disk or in the index", though docs/a.txt is there
    (a user trial on Jinja's docs: an en dash pasted into "templates.rst:176–190" reads the same)."""
    root, db, model = small_index
    for name, text in (("lines.jsonl", json.dumps({"query": "cat", "relevant": [f"docs/a.txt:{lines}"]}) + "\n"),
                       ("lines.tsv", f"cat\tdocs/a.txt:{lines}\n")):
        queries = write(root / name, text)
        code, _, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical")
        one_line_error(code, err, f"{queries}:1: docs/a.txt:{lines}: no such file on disk or in the index; "
                                  f"the file is there, but {lines!r} after its ':' is not a line A or lines A-B")


@pytest.mark.parametrize("path", ["docs/b.txt", "docs"])
def test_a_missing_file_with_lines_is_still_a_missing_file(small_index, run_cli, path):
    """A folder before the ':' is no file with a wrong line either (was: "the file is there")."""
    root, db, model = small_index
    queries = write(root / "typo.tsv", f"cat\t{path}:abc\n")
    code, _, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical")
    one_line_error(code, err, f"{queries}:1: {path}:abc: no such file on disk or in the index")
    assert "the file is there" not in err


@pytest.mark.parametrize("count, title", [(1, "Retrieval: 1 query from"), (2, "Retrieval: 2 queries from")])
def test_the_table_counts_its_queries_in_words(small_index, run_cli, count, title):
    """Was "Retrieval: 1 queries from q.tsv" (a user trial's one-line query file)."""
    root, db, model = small_index
    queries = write(root / "q.tsv", "".join(f"cat {k}\tdocs/a.txt\n" for k in range(count)))
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", model, "--mode", "lexical")
    assert code == 0, err
    assert title in out, out
