"""`eval retrieval` over files that changed since they were indexed: it says so.

Search reads the indexed version of a file, so a ``path:A-B`` unit written against the file as
it is now can miss the very hit it names (its lines moved): the answer at rank 1 was judged not
relevant, hit@1 0.0, without a word. The eval now checks the files its units name and warns,
and ``--json`` counts them (``stale_files``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import retrieval
from simsearch.retrieval import Query, Unit

SECTIONS = ["Intro line.", "The river runs to the sea.", "A dog barks at night.", "Cats sleep all day long."]
TEXT = "\n\n".join(SECTIONS) + "\n"  # the river sentence on line 3


def test_an_edited_file_is_named_in_a_warning_and_counted_in_json(tmp_path, index_model, run_cli, monkeypatch):
    """The hunt's repro: 4 lines inserted on top, the unit written against the file as it is now."""
    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    (docs / "b.txt").write_text("Nothing about water here.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db)[0] == 0
    (docs / "a.txt").write_text("Header one.\n\nHeader two.\n\n" + TEXT)  # the river is on line 7 now
    queries = tmp_path / "q.tsv"
    queries.write_text("where does the river run\tdocs/a.txt:7\nwater\tdocs/b.txt\n")
    args = ("eval", "retrieval", queries, "--db", db, "-m", index_model, "--mode", "lexical", "--json")
    code, out, err = run_cli(*args)
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["stale_files"] == 1
    assert row["hit@1"] == 0.5  # the river answer, found at rank 1, is judged by the indexed line 3: a miss
    [warning] = [line for line in err.splitlines() if "as indexed" in line or "since indexed" in line]
    assert "1 relevant file changed since indexed (docs/a.txt)" in warning and "simsearch index" in warning
    assert "b.txt" not in warning  # unchanged: not named
    # after re-indexing, the same query file scores the answer it names, and nothing is said
    assert run_cli("index", "--db", db)[0] == 0
    code, out, err = run_cli(*args)
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["stale_files"] == 0 and row["hit@1"] == 1.0
    assert "since indexed" not in err and "as indexed" not in err


def test_a_deleted_and_an_edited_file_are_both_counted(tmp_path, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (docs / name).write_text(TEXT.replace("river", name[0] + " river"))
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [docs], [str(index_model)], progress=False)
        (docs / "b.txt").unlink()
        (docs / "c.txt").write_text("Rewritten.\n")
        queries = [Query("river", [Unit.make(str(docs / "b.txt"))], "q:1"),  # whole file, gone
                   Query("river", [Unit.make(str(docs / "c.txt"), (3, 3)), Unit.make(str(docs))], "q:2"),
                   Query("river", [Unit.make(str(docs / "a.txt"), text=SECTIONS[1])], "q:3")]
        warnings: list[str] = []
        results = retrieval.run_eval(store, queries, [str(index_model)], ["lexical"], on_warning=warnings.append)
        assert [r.stale_files for r in results] == [2]
        [warning] = [w for w in warnings if "as indexed" in w]
        assert "2 relevant files are not as indexed: 1 gone since indexed, 1 changed since indexed" in warning
        assert "(first: " in warning and "b.txt)" in warning  # in the order the queries name them
    finally:
        store.close()


# --- the oracle: a file counts exactly when its bytes are not the indexed ones -----------------

FILES = ["a.txt", "b.txt", "c.txt", "d.txt"]
ACTIONS = ["keep", "touch", "same-size-edit", "append", "delete"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, index_model):
    from simsearch import indexer
    from simsearch.store import Store

    root = tmp_path_factory.mktemp("stale")
    docs = root / "docs"
    docs.mkdir()
    originals = {}
    for i, name in enumerate(FILES):
        originals[name] = TEXT.replace("river", f"river {i}").encode()
        (docs / name).write_bytes(originals[name])
    store = Store.open(root / "i.db")
    indexer.index(store, [docs], [str(index_model)], progress=False)
    yield docs, store, originals
    store.close()


def _unit(docs: Path, name: str, form: int) -> Unit:
    path = str(docs / name)
    return [Unit.make(path), Unit.make(path, (3, 5)), Unit.make(path, text=SECTIONS[2])][form]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.fixed_dictionaries({name: st.sampled_from(ACTIONS) for name in FILES}),
       named=st.lists(st.tuples(st.sampled_from(FILES), st.integers(0, 2)), min_size=1, max_size=6),
       folder_too=st.booleans())
def test_stale_files_are_the_named_files_whose_bytes_differ_from_the_indexed_ones(indexed, actions, named, folder_too):
    docs, store, originals = indexed
    try:
        for name, action in actions.items():
            path = docs / name
            if action == "touch":  # another mtime, the same bytes: not stale (the bytes decide)
                stat = path.stat()
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
            elif action == "same-size-edit":
                path.write_bytes(originals[name].replace(b"Cats", b"Dogs"))
            elif action == "append":
                path.write_bytes(originals[name] + b"\nMore.\n")
            elif action == "delete":
                path.unlink()
        units = [_unit(docs, name, form) for name, form in named] + ([Unit.make(str(docs))] if folder_too else [])
        queries = [Query("q", units[i:i + 2], f"q:{i}") for i in range(0, len(units), 2)]
        stale = retrieval.stale_files(store, queries)
        expected = {}
        for name, _ in named:  # in the order the queries name them; a folder names no file
            if actions[name] in ("same-size-edit", "append"):
                expected.setdefault(str(docs / name), "changed")
            elif actions[name] == "delete":
                expected.setdefault(str(docs / name), "gone")
        assert stale == list(expected.items())
    finally:
        for name, data in originals.items():
            (docs / name).write_bytes(data)


def test_a_file_named_through_a_symlinked_folder_is_checked_too(indexed, tmp_path):
    docs, store, originals = indexed
    link = tmp_path / "link"
    os.symlink(docs, link)
    try:
        (docs / "a.txt").write_bytes(originals["a.txt"] + b"x")
        stale = retrieval.stale_files(store, [Query("q", [Unit.make(str(link / "a.txt"), (3, 3))], "q:1")])
        assert stale == [(str(docs / "a.txt"), "changed")]
    finally:
        (docs / "a.txt").write_bytes(originals["a.txt"])
