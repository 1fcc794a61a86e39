"""One text path: training reads a user's files exactly as the indexer stores them; training on
what an index holds; documents re-read when the extractor changes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.data import documents_from_path, documents_sha256, indexed_documents, load_sentences, unique_sentences
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.store import Store
from simsearch.train.data import DISTINCT_SENTENCES, FILES_MEANING

# --- generated folders ----------------------------------------------------------------------

WORDS = ["the", "cat", "sat", "on", "mat", "café", "naïve", "über", "résumé", "Dr.", "e.g.", "U.S.", "it",
         "Hello", "World", "ran", "fast", "x_y", "A1", "3.5", "ok", "Ñandú", "zoë", "fin"]
NAMES = ["a", "b", "A", "a-b", "a_b", "z", "é", "x.y"]  # "a" before "a-b", "A" before "a": walk order matters


@st.composite
def sentences(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
    end = draw(st.sampled_from([".", "!", "?", "", ":"]))
    text = " ".join(words) + end
    return text[0].upper() + text[1:] if draw(st.booleans()) else text


@st.composite
def blocks(draw, kind: str) -> str:
    shape = draw(st.sampled_from(["paragraph", "wrapped", "lines", "heading", "code", "list", "blank"]))
    if shape == "paragraph":
        return " ".join(draw(st.lists(sentences(), min_size=1, max_size=4)))
    if shape == "wrapped":  # prose hard-wrapped mid-sentence
        words = draw(st.lists(st.sampled_from(WORDS), min_size=12, max_size=40))
        lines, line = [], []
        for word in words:
            line.append(word)
            if len(" ".join(line)) > 50:
                lines.append(" ".join(line))
                line = []
        return "\n".join(lines + [" ".join(line) + "."])
    if shape == "lines":
        return "\n".join(draw(st.lists(sentences(), min_size=2, max_size=6)))
    if shape == "heading":
        title = draw(sentences()).rstrip(".!?:") or "Title"
        return {"markdown": f"## {title}", "rst": f"{title}\n{'=' * len(title)}"}.get(kind, title)
    if shape == "code":
        code = draw(st.sampled_from(["x = 1  # set x", ">>> print('hi')\nhi", "def f():\n    return 2"]))
        if kind == "markdown":
            return f"```python\n{code}\n```"
        if kind == "rst":
            return ".. code-block:: python\n\n" + "\n".join("   " + line for line in code.splitlines())
        return code
    if shape == "list":
        return "\n".join(f"- {s}" for s in draw(st.lists(sentences(), min_size=1, max_size=4)))
    return ""


@st.composite
def file_texts(draw, suffix: str) -> str:
    kind = {".md": "markdown", ".rst": "rst"}.get(suffix, "text")
    return "\n\n".join(draw(st.lists(blocks(kind), max_size=6))) + draw(st.sampled_from(["", "\n"]))


ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]


@st.composite
def trees(draw) -> dict[str, bytes]:
    """Relative path -> bytes: text files in several encodings, a binary file, hidden entries,
    files of other types, and .gitignore files whose patterns name some of the entries."""
    files: dict[str, bytes] = {}
    folders = draw(st.lists(st.lists(st.sampled_from(NAMES), max_size=2).map("/".join), min_size=1, max_size=4))
    for folder in folders:
        for _ in range(draw(st.integers(1, 3))):
            name = draw(st.sampled_from(NAMES))
            suffix = draw(st.sampled_from([".txt", ".md", ".rst", ".txt", ".md", ".csv"]))
            hidden = "." if draw(st.integers(0, 9)) == 0 else ""
            path = "/".join(p for p in (folder, hidden + name + suffix) if p)
            encoding = draw(st.sampled_from(ENCODINGS))
            text = draw(file_texts(suffix))
            try:
                data = text.encode(encoding)
            except UnicodeEncodeError:
                data = text.encode("utf-8")
            files[path] = data
    # Always one of each: a cp1252 file that is not UTF-8, binary content behind a text name,
    # a hidden folder, and a .gitignore (at the top or below).
    legacy = draw(st.sampled_from(folders)) + "/" + draw(st.sampled_from(NAMES)) + ".txt"
    files[legacy.lstrip("/")] = (draw(file_texts(".txt")) + "\nCafé crème, naïve résumé.\n").encode("cp1252", "replace")
    files[draw(st.sampled_from(NAMES)) + ".txt"] = b"Some text.\n\x00\x01\x02binary\n"
    files[".hidden/" + draw(st.sampled_from(NAMES)) + ".md"] = b"Never read. It is hidden.\n"
    for folder in draw(st.lists(st.sampled_from(["", *folders]), min_size=1, max_size=2, unique=True)):
        patterns = draw(st.lists(st.sampled_from(["*.rst", "a*", "b/", "!a.md", "z.txt", "/A.md", "**/b.md", "x.y*"]),
                                 min_size=1, max_size=3))
        files["/".join(p for p in (folder, ".gitignore") if p)] = ("\n".join(patterns) + "\n").encode()
    return files


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = root / relative
        if path.is_dir() or any(parent.is_file() for parent in path.parents):
            continue  # a name drawn both as a file and as a folder: keep the first
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(trees())
def test_training_reads_exactly_what_index_stores(index_model, files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        root.mkdir()
        write_tree(root, files)
        train_warnings: list[tuple[str, str]] = []
        try:
            documents = documents_from_path(root, lambda path, reason: train_warnings.append((path, reason)))
        except SimsearchError as exc:
            assert "no sentences found" in str(exc)
            documents = []
        index_warnings: list[tuple[str, str]] = []
        store = Store.open(Path(tmp) / "index.db")
        try:
            index(store, [root], [str(index_model)], device="cpu", progress=False,
                  on_warning=lambda path, reason: index_warnings.append((path, reason)))
            indexed = indexed_documents(store)
        finally:
            store.close()
        # Same files, same order, same sentences; the same files left out, for the same reasons.
        assert [(d.path, d.sentences) for d in documents] == [(d.path, d.sentences) for d in indexed]
        assert train_warnings == index_warnings
        assert documents_sha256(documents) == documents_sha256(indexed)
        if documents:
            assert load_sentences(root, lambda *_: None) == unique_sentences(indexed)


def test_skipped_files_warn_and_mistakes_are_one_line(tmp_path):
    (tmp_path / "notes.md").write_text("# Plans\n\nWe meet on Monday.\n\n```\n# not a heading\n```\n")
    (tmp_path / "old.txt").write_bytes("Caf\xe9 au lait is nice.\nA second line here.\n".encode("cp1252"))
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "table.csv").write_text("a,b\n")
    heard = []
    assert load_sentences(tmp_path, lambda path, reason: heard.append((Path(path).name, reason))) == [
        "Plans", "We meet on Monday.", "Café au lait is nice.", "A second line here."]
    assert heard == [("blob.txt", "skipped: binary content"),
                     ("old.txt", "not UTF-8 (byte 0xe9 on line 1); read as cp1252")]
    with pytest.raises(SimsearchError, match="no such file or folder"):
        load_sentences(tmp_path / "missing")
    heard.clear()  # a file named on its own and left out: the error says why, no warning repeats it
    with pytest.raises(SimsearchError, match=r"blob.txt: skipped: binary content$"):
        load_sentences(tmp_path / "blob.txt", lambda path, reason: heard.append(reason))
    with pytest.raises(SimsearchError, match=r"table.csv: unsupported file type .csv"):
        load_sentences(tmp_path / "table.csv", lambda path, reason: heard.append(reason))
    assert heard == []
    assert load_sentences(tmp_path / "old.txt", lambda path, reason: heard.append(reason)) == [
        "Café au lait is nice.", "A second line here."]
    assert heard == ["not UTF-8 (byte 0xe9 on line 1); read as cp1252"]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "blank.txt").write_text("\n\n")
    with pytest.raises(SimsearchError, match="no sentences found"):
        load_sentences(tmp_path / "empty")


# --- train --from-index ---------------------------------------------------------------------

def write_notes(root: Path) -> Path:
    """Three documents, 48 distinct sentences and one repeated across files."""
    root.mkdir()
    subjects, verbs = ["The cat", "A dog", "Our team", "My aunt"], ["likes", "paints", "repairs", "sells"]
    sentences = [f"{s} {v} item number {i}." for i, (s, v) in enumerate((s, v) for s in subjects for v in verbs)]
    (root / "travel.md").write_text("# Travel\n\n" + " ".join(sentences[:16]) + "\n\n```\ncode = 1\n```\n")
    (root / "work.txt").write_text("\n".join(sentences[8:]) + "\n")
    (root / "sub").mkdir()
    (root / "sub" / "misc.rst").write_text("Misc\n====\n\n" + " ".join(s.lower() for s in sentences) + "\n")
    return root


def test_train_from_index_then_index_and_search_with_the_new_model(tmp_path, tiny_model, index_model, sts_fixture,
                                                                   run_cli):
    notes, db, out = write_notes(tmp_path / "notes"), tmp_path / "index.db", tmp_path / "from-index"
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--device", "cpu", "--json")
    assert code == 0, err
    store = Store.open(db, create=False)
    indexed = indexed_documents(store)
    store.close()
    assert [Path(d.path).relative_to(notes).as_posix() for d in indexed] == ["sub/misc.rst", "travel.md", "work.txt"]
    assert [(d.path, d.sentences) for d in indexed] == [(d.path, d.sentences) for d in documents_from_path(notes)]

    code, stdout, err = run_cli("train", "--from-index", "--db", db, "-m", tiny_model, "--out", out, "--max-steps", "2",
                                "--batch-size", "8", "--data", sts_fixture, "--device", "cpu", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    expected = unique_sentences(indexed)
    assert result["examples"] == len(expected) and result["steps"] == 2
    assert result["data_source"] == {"kind": "index", "path": str(db.absolute()), "documents": 3,
                                     "sentences": len(expected), "sentences_meaning": DISTINCT_SENTENCES,
                                     "sha256": documents_sha256(indexed),
                                     "files_changed_since_indexed": 0, "files_read_by_other_version": 0,
                                     "index_in_progress": False,
                                     # (the paper's recipe: every file with a sentence, all three)
                                     "files": 3, "files_without_sentences": 0, "files_trained_on": 3,
                                     "files_held_out": 0, "files_without_pairs": 0, "files_meaning": FILES_MEANING}
    assert result["data_sha256"] == documents_sha256(indexed)
    saved = json.loads((out / "simsearch.json").read_text())
    assert saved["data_source"] == result["data_source"]

    code, _, err = run_cli("index", "-m", out, "--db", db, "--device", "cpu", "--json")
    assert code == 0, err
    code, stdout, err = run_cli("search", "a dog paints", "-m", out, "--db", db, "--device", "cpu", "-k", "3", "--json")
    assert code == 0, err
    hits = [json.loads(line) for line in stdout.splitlines()]
    assert len(hits) == 3 and all(hit["text"] in expected or hit["text"] in {s for d in indexed for s in d.sentences}
                                  for hit in hits)


def test_from_index_options_and_default_out(tmp_path, tiny_model, run_cli, monkeypatch):
    from simsearch.models import models_dir
    from simsearch.train import TrainConfig

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("One line here.\nAnother line there.\n")
    assert TrainConfig(mode="unsup", data=tmp_path / "my.db", from_index=True).out == \
        models_dir() / "my-index-unsup-simcse"
    with pytest.raises(SimsearchError, match="--from-index .* does not go with --sup"):
        TrainConfig(mode="sup", data=tmp_path / "my.db", from_index=True)
    m = str(tiny_model)
    for args, message in [
        (("train", "--from-index", "--unsup", "notes.txt", "-m", m), "give exactly one of --unsup FILE or --sup FILE"),
        (("train", "--unsup", "notes.txt", "--db", "x.db", "-m", m), "--db goes with --from-index"),
        (("train", "--from-index", "--db", "missing.db", "-m", m), "no index at missing.db"),
    ]:
        code, _, err = run_cli(*args)
        assert code == 2 and message in err and "Traceback" not in err, (args, err)
    assert not (tmp_path / "missing.db").exists()
    store = Store.open(tmp_path / "empty.db")
    store.close()
    code, _, err = run_cli("train", "--from-index", "--db", "empty.db", "-m", m)
    assert code == 2 and "holds no sentences yet" in err, err


def test_resume_from_index_refuses_changed_sentences_not_a_changed_database(tmp_path, tiny_model, index_model,
                                                                          sts_fixture):
    """The resume hash is of the sentences read: new vectors in the database do not change it,
    an edited file does (a hash of the database file would fail the first half)."""
    from simsearch.train import Interrupted, TrainConfig, train

    notes, db = write_notes(tmp_path / "notes"), tmp_path / "index.db"

    def reindex(*models):
        store = Store.open(db)
        try:
            index(store, [notes], [str(m) for m in models] or None, device="cpu", progress=False)
        finally:
            store.close()

    reindex(index_model)
    settings = dict(mode="unsup", data=db, from_index=True, model=str(tiny_model), out=tmp_path / "out",
                    batch_size=8, max_steps=4, eval_steps=2, eval_data=sts_fixture, device="cpu", progress=False)
    with pytest.raises(Interrupted):
        train(TrainConfig(**settings), stop_at_step=1)
    original = (notes / "work.txt").read_text()
    (notes / "work.txt").write_text(original + "A brand new sentence.\n")
    reindex()
    with pytest.raises(SimsearchError, match=r"training data \(sha256\)"):
        train(TrainConfig(**settings, resume=True))
    (notes / "work.txt").write_text(original)
    reindex()
    reindex(tiny_model)  # another model's vectors: the database changes, its sentences do not
    result = train(TrainConfig(**settings, resume=True))
    assert result["steps"] == 4 and result["data_source"]["kind"] == "index"


# --- extractor version ----------------------------------------------------------------------

def test_documents_read_by_an_older_extractor_are_read_again(tmp_path, index_model, run_cli):
    import sqlite3

    from simsearch.extract import EXTRACTOR_VERSION

    notes, db = write_notes(tmp_path / "notes"), tmp_path / "index.db"
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--device", "cpu", "--json")
    assert code == 0, err
    fresh = {d.path: d.sentences for d in documents_from_path(notes)}

    def stored():
        store = Store.open(db, create=False)
        try:
            return {d.path: d.sentences for d in indexed_documents(store)}, dict(store.conn.execute(
                "SELECT path, id FROM documents"))
        finally:
            store.close()

    # A database from before 0006 whose sentences an older extractor wrote (markup kept).
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sentences SET text = 'old: ' || text")
    conn.execute("ALTER TABLE documents DROP COLUMN extractor_version")
    conn.execute("DELETE FROM _migrations WHERE name = '0006_extractor_version'")
    conn.commit()
    conn.close()
    code, stdout, err = run_cli("index", "--db", db, "--device", "cpu", "--json")  # plain: the roots indexed before
    assert code == 0, err
    report = json.loads(stdout)
    assert report["reextracted"] == report["updated"] == 3 and report["unchanged"] == 0
    assert stored()[0] == fresh

    # One document from an old extractor, two from this one: only that one is read again.
    travel = str(notes / "travel.md")
    conn = sqlite3.connect(db)
    assert {v for (v,) in conn.execute("SELECT extractor_version FROM documents")} == {EXTRACTOR_VERSION}
    conn.execute("UPDATE sentences SET text = 'old: ' || text")
    conn.execute("UPDATE documents SET extractor_version = ? WHERE path = ?", (EXTRACTOR_VERSION - 1, travel))
    conn.commit()
    conn.close()
    _, ids_before = stored()
    code, stdout, err = run_cli("index", "--db", db, "--device", "cpu", "--json")
    assert code == 0, err
    report = json.loads(stdout)
    assert report["reextracted"] == report["updated"] == 1 and report["unchanged"] == 2
    sentences, ids_after = stored()
    assert sentences[travel] == fresh[travel]
    assert all(text.startswith("old: ") for path, texts in sentences.items() if path != travel for text in texts)
    assert {p for p in ids_before if ids_before[p] != ids_after[p]} == {travel}
    code, stdout, err = run_cli("index", "--db", db, "--device", "cpu", "--json")
    assert code == 0 and json.loads(stdout)["reextracted"] == 0 and json.loads(stdout)["unchanged"] == 3, err


def indexed_notes_to_train_on(root, names, db, index_model):
    """``root`` with a note of two sentences for each of ``names``, indexed into ``db``; returns
    ``read()``: ``train --from-index``'s data over ``db`` and the warnings it gave, as read now."""
    from simsearch.train import TrainConfig, training_data

    root.mkdir()
    for name in names:
        (root / f"{name}.txt").write_text(f"Note {name} says one thing. Note {name} says another thing.\n")
    store = Store.open(db)
    try:
        index(store, [root], [str(index_model)], device="cpu", progress=False)
    finally:
        store.close()
    config = TrainConfig(mode="unsup", data=db, from_index=True)

    def read():
        warnings: list[tuple[str, str]] = []
        data = training_data(config, lambda path, reason: warnings.append((path, reason)))
        return data, warnings

    return read


def test_train_from_index_says_when_indexed_files_changed_or_are_gone(tmp_path, index_model):
    import os

    root = tmp_path / "notes"
    read = indexed_notes_to_train_on(root, ("a", "b", "c", "d"), tmp_path / "i.db", index_model)
    data, warnings = read()
    assert warnings == [] and data.source["files_changed_since_indexed"] == 0
    (root / "a.txt").write_text("Note a was rewritten since.\n")
    (root / "b.txt").unlink()
    stat = (root / "c.txt").stat()  # same bytes, another mtime: not a change
    os.utime(root / "c.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    data, warnings = read()
    [(where, reason)] = warnings
    assert where == str(tmp_path / "i.db") and reason.startswith("2 of its 4 files changed or are gone")
    assert data.source["files_changed_since_indexed"] == 2
    # It still trains on exactly what the index holds (the old text of a, b still there).
    assert "Note a says one thing." in [s for d in data.documents for s in d.sentences]


# --- Found by session 42's trial A (the train → index → compare loop on marshmallow's docs).

def test_train_from_index_counts_a_changed_file_that_held_no_sentence(tmp_path, index_model):
    """A file indexed with no sentence (an `.. include::` alone, as marshmallow's docs/authors.rst)
    that holds prose now is a file changed since indexed: training misses its text as surely as an
    edited one's. The warning counted only files with sentences ("3 of its 30 files", of an index
    `status` counts 32 files in) and left it out."""
    from simsearch.train import TrainConfig, training_data

    root = tmp_path / "docs"
    root.mkdir()
    for name in ("a", "b", "c"):
        (root / f"{name}.txt").write_text(f"Note {name} says one thing. Note {name} says another thing.\n")
    (root / "authors.rst").write_text(".. include:: ../AUTHORS.rst\n")
    store = Store.open(tmp_path / "i.db")
    try:
        index(store, [root], [str(index_model)], device="cpu", progress=False)
        assert store.counts()["documents"] == 4
    finally:
        store.close()
    config = TrainConfig(mode="unsup", data=tmp_path / "i.db", from_index=True)
    (root / "authors.rst").write_text("Authors\n=======\n\nThe authors are thanked here. Everyone helped.\n")
    warnings: list[tuple[str, str]] = []
    data = training_data(config, lambda path, reason: warnings.append((path, reason)))
    [(where, reason)] = warnings
    assert reason.startswith("1 of its 4 files changed or is gone since it was indexed"), reason
    assert "authors.rst: changed" in reason
    assert data.source["files_changed_since_indexed"] == 1
    assert data.source["files"] == 4


def test_train_from_index_says_an_index_run_is_in_progress(tmp_path, index_model):
    """`simsearch index big --db m4.db` (248 files) and, 4 s in, `train --from-index --db m4.db`:
    the recipe line said "68 documents … 6,043 sentences" (of the 248 files and 17,968 sentences the
    run ended with), and nothing else, where `search` and `eval retrieval` say "an index run is in
    progress"; the model's `data_source` said nothing either. It says so now, and records it."""
    from simsearch.indexer import writer_lock

    from .test_text_path import indexed_notes_to_train_on

    read = indexed_notes_to_train_on(tmp_path / "docs", ("a", "b"), tmp_path / "i.db", index_model)
    data, warnings = read()
    assert warnings == [] and data.source["index_in_progress"] is False
    store = Store.open(tmp_path / "i.db", create=False)
    try:
        with writer_lock(store):  # held as a running `simsearch index` holds it
            data, warnings = read()
    finally:
        store.close()
    [(where, reason)] = warnings
    assert where == str(tmp_path / "i.db")
    assert reason.startswith("an index run is in progress: training on the 2 files it holds so far"), reason
    assert data.source["index_in_progress"] is True
