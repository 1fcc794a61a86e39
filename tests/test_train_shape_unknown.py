"""Training from an index whose plain text was read before m0014 (session 37).

Such a document's shape is not recorded (``documents.lines_are_sentences`` NULL): the index
gives it no context window (``store.windows_of``), as it would a file of one sentence per line,
but ``train --from-index`` made inverse-cloze passages across its lines. Training and the index
now agree: no passage, the recipe note says how many documents are so, and ``simsearch index``
reads them again (whatever the index's ``--vector-context``), after which both give windows."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

TOPICS = "river mountain engine garden violin coffee planet window market doctor silver winter".split()
FIXTURE = Path(__file__).parent / "fixtures" / "index-schema6" / "index.db"


def prose_index(root: Path, model, run_cli) -> Path:
    """12 files of wrapped prose (several sentences a line, lines joined), indexed."""
    docs = root / "docs"
    docs.mkdir()
    for topic in TOPICS:
        sentences = [f"The {topic} note {i} is about {topic} and its many curious habits again." for i in range(12)]
        (docs / f"{topic}.txt").write_text("\n".join(" ".join(sentences[k:k + 3]) for k in range(0, 12, 3)) + "\n",
                                           encoding="utf-8")
    db = root / "index.db"
    code, _, err = run_cli("index", docs, "-m", model, "--db", db, "--device", "cpu")
    assert code == 0, err
    return db


def forget_shape(db: Path, names: list[str] | None = None) -> None:
    """As m0014 leaves plain text an older simsearch read: its shape NULL (sqlite3 itself, no simsearch)."""
    with sqlite3.connect(db) as conn:
        for name in names or TOPICS:
            conn.execute("UPDATE documents SET lines_are_sentences = NULL, lines_are_blocks = NULL "
                         "WHERE kind = 'text' AND path LIKE ?", (f"%/{name}.txt",))
    conn.close()


def windows_and_passages(db: Path) -> dict[str, tuple[bool, bool]]:
    """For each document: whether the index gives it a context window (at ``--vector-context 1``)
    and whether training makes a passage of it."""
    from simsearch import pairs
    from simsearch.data import indexed_documents
    from simsearch.store import Store, windows_of

    store = Store.open(db, create=False)  # (opens: nothing of the schema is missing)
    try:
        shapes = {path: (sentences, blocks) for path, sentences, blocks in store.conn.execute(
            "SELECT path, lines_are_sentences, lines_are_blocks FROM documents")}
        documents = indexed_documents(store)
        out = {}
        for document in documents:
            lines = [row[0] for row in store.conn.execute("SELECT line FROM sentences WHERE document_id = ? "
                                                         "ORDER BY ordinal", (document.id,))]
            sentences, blocks = shapes[document.path]
            windows = windows_of(document.sentences, lines, 1, None if sentences is None else bool(sentences),
                                 None if blocks is None else bool(blocks))
            passages = pairs.ict_pairs(pairs.as_documents([document]), 2)
            out[Path(document.path).name] = (any(w is not None for w in windows), bool(passages))
        return out
    finally:
        store.close()


def train(run_cli, db: Path, model, out: Path, *extra):
    code, _, err = run_cli("train", "--from-index", "--db", db, "-m", model, "--out", out, "--batch-size", "8",
                           "--max-steps", "1", "--eval-steps", "1", "--device", "cpu", *extra)
    return code, " ".join(err.split())


def test_a_document_of_no_recorded_shape_gives_no_passage_as_it_gets_no_window(tmp_path, index_model, run_cli):
    db = prose_index(tmp_path, index_model, run_cli)
    assert set(windows_and_passages(db).values()) == {(True, True)}
    forget_shape(db, TOPICS[:3])
    seen = windows_and_passages(db)
    assert {name: value for name, value in seen.items() if value != (True, True)} == \
        {f"{topic}.txt": (False, False) for topic in TOPICS[:3]}  # was (False, True): passages across its lines


def test_a_migrated_schema_6_index_trains_no_passage_of_its_plain_text(tmp_path):
    """A real index of an older simsearch (schema 6): opening it migrates it, its plain text's shape NULL."""
    from simsearch import pairs
    from simsearch.data import indexed_documents
    from simsearch.store import Store

    db = tmp_path / "index.db"
    shutil.copyfile(FIXTURE, db)
    store = Store.open(db)
    try:
        documents = {Path(d.path).name: d for d in indexed_documents(store)}
        assert {Path(store.conn.execute("SELECT path FROM documents WHERE id = ?", (i,)).fetchone()[0]).name
                for i in store.shape_unknown()} == {"rain.txt"}
    finally:
        store.close()
    rain = documents["rain.txt"]
    assert rain.shape_unknown and len(rain.sentences) == 2
    assert pairs.ict_pairs(pairs.as_documents([rain]), 2, min_words=1) == []
    assert not any(d.shape_unknown for name, d in documents.items() if name != "rain.txt")


def test_train_says_how_many_documents_have_no_recorded_shape_and_index_reads_them(tmp_path, tiny_model, index_model,
                                                                                   run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here: the recipe is chosen from the documents
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    db = prose_index(tmp_path, index_model, run_cli)
    forget_shape(db, TOPICS[:3])
    code, said = train(run_cli, db, tiny_model, tmp_path / "some")
    assert code == 0, said
    assert said.startswith("recipe: ict (12 documents, "), said
    assert ("3 of the 12 documents are plain text whose shape an older simsearch did not record: they give no "
            f"passage, as the index gives them no window, until `simsearch index --db {db}` reads them again") in said, said
    assert "one sentence per line" not in said, said

    forget_shape(db)  # all of them: nothing gives a passage; the paper's recipe, and why
    code, said = train(run_cli, db, tiny_model, tmp_path / "all")
    assert code == 0 and said.startswith("recipe: paper (12 documents; "), said
    assert "all 12 documents are plain text whose shape an older simsearch did not record" in said, said
    assert "one sentence per line" not in said and "it needs documents of several sentences" not in said, said
    code, said = train(run_cli, db, tiny_model, tmp_path / "ict", "--recipe", "ict")
    assert code == 2 and "error: --recipe ict:" in said and "Traceback" not in said, said
    assert "all 12 documents are plain text whose shape an older simsearch did not record" in said, said

    # `simsearch index` (the index's --vector-context 0: the tests' default) reads them again,
    # as unchanged files, re-embedding nothing; then training makes their passages again
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["unchanged"] == 12 and report["updated"] == 0 and set(report["encoded"].values()) == {0}, report
    assert set(windows_and_passages(db).values()) == {(True, True)}
    code, said = train(run_cli, db, tiny_model, tmp_path / "again")
    assert code == 0 and said.startswith("recipe: ict (12 documents, ") and "did not record" not in said, said


def test_the_recipe_notes_count_documents_in_plain_words():
    """Was "1 of the 1 documents are plain text ..." (a trial's notes file of one document)."""
    from simsearch.train.data import _some_documents

    assert [_some_documents(*counts) for counts in [(1, 1), (12, 12), (1, 12), (3, 12)]] == [
        "the document is", "all 12 documents are", "1 of the 12 documents is", "3 of the 12 documents are"]
