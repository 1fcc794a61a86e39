"""An index read by another version of the reader (``extract.EXTRACTOR_VERSION``), before the
`index` that reads it again: the commands that read it say so (trust hunt on re-reads, session 32).

Until then search finds the files as that version stored them; `status`, `train --from-index` and
`eval retrieval` said nothing of it, so a model trained, or a figure measured, on the older reader's
sentences was recorded as of an index up to date ("files_changed_since_indexed": 0).
"""

from __future__ import annotations

import json
import shlex
import sqlite3
from pathlib import Path

from simsearch.extract import EXTRACTOR_VERSION
from simsearch.indexer import index
from simsearch.store import Store


def write_docs(root: Path) -> Path:
    root.mkdir()
    (root / "garden.md").write_text("# Garden\n\nThe tomatoes need water every morning. Basil grows best in the sun.\n")
    (root / "trip.txt").write_text("The train leaves at nine from platform four. Tickets are sold at the kiosk.\n")
    (root / "budget.rst").write_text("Budget\n======\n\nThe trip costs two thousand euros. Hotels take most of it.\n")
    return root


def build(tmp_path: Path, model: Path) -> tuple[Path, Path]:
    docs, db = write_docs(tmp_path / "docs"), tmp_path / "index.db"
    store = Store.open(db)
    try:
        index(store, [docs], [str(model)], device="cpu", progress=False)
    finally:
        store.close()
    return docs, db


def read_by_older(db: Path, *paths: Path) -> None:
    """As an upgrade leaves an index: these documents recorded as read by an older reader."""
    conn = sqlite3.connect(db)
    for path in paths:
        conn.execute("UPDATE documents SET extractor_version = ? WHERE path = ?", (EXTRACTOR_VERSION - 3, str(path)))
    conn.commit()
    conn.close()


def test_status_says_how_many_files_an_older_reader_read_until_index_reads_them_again(tmp_path, index_model,
                                                                                     run_cli):
    docs, db = build(tmp_path, index_model)
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["read_by_other_version"] == 0, err
    code, out, _ = run_cli("status", "--db", db)
    assert "another version" not in out

    read_by_older(db, docs / "garden.md", docs / "trip.txt")
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["read_by_other_version"] == 2, err
    code, out, err = run_cli("status", "--db", db)
    text = " ".join(out.split())
    assert code == 0 and "2 of its 3 files were read by another version of simsearch" in text, out
    assert "reads them again" in text and "simsearch index --db" in text

    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--json")
    assert code == 0 and json.loads(out)["reextracted"] == 2, err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert json.loads(out)["read_by_other_version"] == 0


def test_train_from_index_says_and_records_files_an_older_reader_read(tmp_path, index_model):
    from simsearch.train import TrainConfig, training_data

    docs, db = build(tmp_path, index_model)
    config = TrainConfig(mode="unsup", data=db, from_index=True)

    def read():
        warnings: list[tuple[str, str]] = []
        data = training_data(config, lambda path, reason: warnings.append((path, reason)))
        return data, warnings

    data, warnings = read()
    assert warnings == [] and data.source["files_read_by_other_version"] == 0
    read_by_older(db, docs / "trip.txt")
    data, warnings = read()
    [(where, reason)] = warnings
    assert where == str(db) and reason.startswith("1 of its 3 files was read by another version of simsearch")
    assert str(docs / "trip.txt") in reason and f"run `simsearch index --db {shlex.quote(str(db))}` first" in reason
    assert data.source["files_read_by_other_version"] == 1
    assert data.source["files_changed_since_indexed"] == 0  # the file itself did not change

    store = Store.open(db)
    try:
        assert index(store, [docs], None, device="cpu", progress=False).reextracted == 1
    finally:
        store.close()
    data, warnings = read()
    assert warnings == [] and data.source["files_read_by_other_version"] == 0


def test_eval_retrieval_warns_that_figures_are_of_an_older_readers_sentences(tmp_path, index_model, run_cli):
    docs, db = build(tmp_path, index_model)
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "watering tomatoes", "relevant": "docs/garden.md"}\n')
    args = ("eval", "retrieval", queries, "--db", db, "-m", index_model, "--device", "cpu", "--json")
    code, _, err = run_cli(*args)
    assert code == 0 and "another version" not in err, err
    read_by_older(db, docs / "budget.rst")
    code, out, err = run_cli(*args)
    assert code == 0, err
    message = " ".join(err.split())
    assert "1 of its 3 files was read by another version of simsearch" in message, err
    assert "these figures are of the sentences that version stored" in message
    assert json.loads(out.splitlines()[0])["queries"] == 1


def test_a_file_over_the_size_limit_is_not_counted_as_read_by_another_version(tmp_path):
    """A file skipped as over --max-file-mb is read by no version of the reader, nor will the next
    `index` read it: status counted it among the files "read by another version", whose sentences
    search was said to find as that version stored them. And "1 of its 3 files were"."""
    from simsearch.indexer import index_status, reader_note

    docs = write_docs(tmp_path / "docs")
    (docs / "huge.txt").write_text("A long line of words. " * 200)  # 4.4 KB, over a 4 KB limit
    db = tmp_path / "index.db"
    store = Store.open(db)
    try:
        index(store, [docs], [], device="cpu", progress=False, max_file_mb=4 / 1024)
        assert store.counts()["skipped"] == 1
    finally:
        store.close()
    read_by_older(db, *(docs / name for name in ("garden.md", "huge.txt")))
    store = Store.open(db, create=False, readonly=True)
    try:
        info = index_status(store)
    finally:
        store.close()
    assert info["read_by_other_version"] == 1
    note = reader_note(info["read_by_other_version"], info["documents"] + info["skipped"], db)
    assert note.startswith("1 of its 4 files was read by another version of simsearch"), note
    assert reader_note(2, 4).startswith("2 of its 4 files were") and reader_note(4, 4).startswith("all its 4 files were")
    assert reader_note(1, 1).startswith("its file was")


def test_search_marks_each_result_an_older_reader_read(tmp_path, index_model, run_cli):
    """`status` said an older reader read some files, but `search` said nothing per result: a hit
    from such a file (its sentence and line as that version stored them) looked like any other.
    `search --json` gives each hit ``read_by_other_version`` (true or false), the table a line
    under the location."""
    docs, db = build(tmp_path, index_model)
    read_by_older(db, docs / "garden.md")
    code, out, err = run_cli("search", "tomatoes train", "--db", db, "--mode", "lexical", "--json", "-k", "5")
    assert code == 0, err
    marks = {Path(hit["path"]).name: hit["read_by_other_version"] for hit in map(json.loads, out.splitlines())}
    assert marks["garden.md"] is True and marks["trip.txt"] is False, marks
    code, out, err = run_cli("search", "tomatoes", "--db", db, "--mode", "lexical")
    assert code == 0 and "(read by another version" in out, out
    code, out, err = run_cli("search", "kiosk", "--db", db, "--mode", "lexical")
    assert code == 0 and "another version" not in out, out


def test_the_tui_marks_a_result_an_older_reader_read(tmp_path, index_model):
    from textual.widgets import DataTable, Static

    from simsearch.tui import CompareApp

    from .test_tui import ask, run_app, table_column

    docs, db = build(tmp_path, index_model)
    read_by_older(db, docs / "garden.md")

    async def scenario(app, pilot):
        await ask(app, pilot, "tomatoes need water every morning")
        rows = table_column(app, "left", "text")
        garden = [row for row in rows if "garden.md" in row]
        assert garden and all("another version" in row for row in garden), rows
        assert not any("another version" in row for row in rows if "garden.md" not in row), rows
        table = app.query_one("#left-table", DataTable)
        table.focus()
        table.move_cursor(row=next(k for k, row in enumerate(rows) if "garden.md" in row))
        await pilot.pause()
        detail = " ".join(str(app.query_one("#detail", Static).render()).split())
        assert "read by another version of simsearch" in detail, detail

    run_app(CompareApp(db, show_timings=False), scenario)
