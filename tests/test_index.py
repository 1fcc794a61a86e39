"""Indexing and searching with tiny models: incremental runs, several models, HNSW upkeep, bad files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from simsearch import ann, indexer
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store

TOPICS = ["cooking", "travel", "music", "gardening", "physics", "history", "sailing", "chess"]


def write_docs(root: Path, count: int = 8) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        (root / f"{i:03d}-{topic}.md").write_text(
            f"# Notes on {topic} {i}\n\nThe first remark about {topic} number {i}. "
            f"A second remark, e.g. about {topic} tools, costs 3.5 dollars.\n\n"
            f"- A list item on {topic} {i}.\n- Another item for file {i}.\n"
        )
    return root


@pytest.fixture
def docs(tmp_path):
    return write_docs(tmp_path / "docs")


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


def run(store, roots, models, **kwargs):
    return index(store, roots, models, progress=False, **kwargs)


def top_texts(store, model, query, k=3, **kwargs):
    return [hit.text for hit in Searcher.open(store, model).search(query, k, **kwargs)]


def test_unchanged_tree_costs_no_read_and_no_forward_pass(store, docs, index_model):
    first = run(store, [docs], [str(index_model)])
    sentences = store.counts()["sentences"]
    assert first.added == 8 and first.encoded == {str(index_model): sentences} and sentences == 8 * 5
    again = run(store, [docs], None)  # the index's own models
    assert (again.unchanged, again.changed, again.encoded) == (8, 0, {str(index_model): 0})
    os.utime(docs / "000-cooking.md", ns=(1, 1))  # new mtime, same bytes: hashed, not parsed
    touched = run(store, [docs], None)
    assert (touched.touched, touched.changed, touched.encoded[str(index_model)]) == (1, 0, 0)


def test_edits_re_embed_only_new_sentences_and_deleted_files_leave_results(store, docs, index_model):
    name = str(index_model)
    run(store, [docs], [name])
    text = (docs / "001-travel.md").read_text()
    (docs / "001-travel.md").write_text(text + "\nA brand new closing sentence about trains.\n")
    report = run(store, [docs], [name])
    assert report.updated == 1 and report.encoded[name] == 1
    assert top_texts(store, name, "A brand new closing sentence about trains.", 1) == [
        "A brand new closing sentence about trains."]
    (docs / "002-music.md").unlink()
    report = run(store, [docs], [name])
    assert report.removed == 1
    hits = Searcher.open(store, name).search("The first remark about music number 2.", 40)
    assert all("002-music" not in hit.path for hit in hits)
    assert store.conn.execute("SELECT count(*) FROM vectors WHERE sentence_id NOT IN (SELECT id FROM sentences)").fetchone()[0] == 0


def test_a_model_added_later_embeds_stored_sentences_without_reading_files(store, docs, index_model, tmp_path, monkeypatch):
    from .tiny_bert import create_random_bert

    run(store, [docs], [str(index_model)])
    other = create_random_bert(tmp_path / "other", hidden_size=48, heads=2, layers=1, seed=3)

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was read")

    monkeypatch.setattr(indexer, "extract", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    report = run(store, [], [str(other)])
    assert report.encoded == {str(other): store.counts()["sentences"]}
    assert [m.name for m in store.models()] == [str(index_model), str(other)]
    assert [m.dim for m in store.models()] == [32, 48]
    query = "A list item on chess 7."
    assert top_texts(store, str(other), query, 1) == top_texts(store, str(index_model), query, 1) == [query]


def test_search_context_path_filter_min_score_and_k_clamp(store, docs, index_model):
    name = str(index_model)
    run(store, [docs], [name])
    searcher = Searcher.open(store, name)
    hit = searcher.search("A second remark, e.g. about sailing tools, costs 3.5 dollars.", 1)[0]
    assert hit.text == "A second remark, e.g. about sailing tools, costs 3.5 dollars."  # one sentence
    assert hit.path.endswith("006-sailing.md") and hit.line == 3 and hit.score == pytest.approx(1.0, abs=1e-5)
    assert hit.before == ["The first remark about sailing number 6."] and hit.after == ["A list item on sailing 6."]
    assert len(searcher.search("anything", 1000)) == store.counts()["sentences"]  # k clamped
    only = searcher.search("remark", 50, path_glob="*-chess.md")
    assert only and all(h.path.endswith("007-chess.md") for h in only)
    assert all(h.score >= 0.99 for h in searcher.search("A list item on chess 7.", 10, min_score=0.99))
    with pytest.raises(SimsearchError, match="not in the index"):
        Searcher.open(store, "no-such-model")


@pytest.fixture
def hnsw_always(monkeypatch):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)


def test_hnsw_file_is_saved_and_rebuilt_when_missing_truncated_or_corrupt(store, docs, index_model, hnsw_always):
    name = str(index_model)
    run(store, [docs], [name])
    row = store.model(name)
    path = ann.ann_path(store, row)
    assert path.is_file() and store.model(name).ann_generation == store.model(name).generation
    query = "A list item on physics 4."
    expected = top_texts(store, name, query, 5)
    assert expected[0] == query
    for damage in ("truncate", "garbage", "delete"):
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(b"\x07" * len(data))
        else:
            path.unlink()
        damaged = path.read_bytes() if path.exists() else None
        searcher = Searcher.open(store, name)
        assert searcher.vectors.repaired and searcher.vectors.method == "hnsw"
        assert [h.text for h in searcher.search(query, 5)] == expected
        # A search repairs in memory and writes nothing; the next `index` saves the repair.
        assert (path.read_bytes() if path.exists() else None) == damaged
        run(store, [docs], None)
        assert path.is_file() and not Searcher.open(store, name).vectors.repaired


def test_hnsw_patches_deletions_and_rebuilds_past_the_threshold(store, tmp_path, index_model, hnsw_always):
    name = str(index_model)
    docs = write_docs(tmp_path / "many", 40)
    run(store, [docs], [name])
    (docs / "000-cooking.md").unlink()
    run(store, [docs], [name])
    vectors = Searcher.open(store, name).vectors
    assert vectors.deleted == 5 and vectors.hnsw.element_count == 200
    for file in sorted(docs.iterdir())[:20]:
        file.unlink()
    run(store, [docs], [name])
    vectors = Searcher.open(store, name).vectors
    assert vectors.deleted == 0 and vectors.hnsw.element_count == vectors.count == 19 * 5


def test_hnsw_recall_against_exact_search(store, tmp_path, index_model, monkeypatch):
    name = str(index_model)
    run(store, [write_docs(tmp_path / "many", 200)], [name])
    row = store.model(name)
    ids = store.vector_ids(row.id)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(ids), row.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with store.transaction():  # spread-out random unit vectors: near-ties would make recall meaningless
        store.add_vectors(row.id, ids.tolist(), vectors)
    exact = Searcher.open(store, name)
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    approx = Searcher.open(store, name)
    assert (exact.vectors.method, approx.vectors.method) == ("exact", "hnsw") and approx.vectors.count == 1000
    queries = rng.standard_normal((50, row.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    found = [len({h.sentence_id for h in exact.search_vector(q, 10)} & {h.sentence_id for h in approx.search_vector(q, 10)})
             for q in queries]
    assert sum(found) / (10 * len(queries)) >= 0.98


def test_model_changed_behind_its_name_is_re_embedded_and_search_says_why(store, docs, tmp_path):
    from .tiny_bert import create_random_bert

    folder = create_random_bert(tmp_path / "mine", hidden_size=32, heads=2, layers=1, seed=1)
    run(store, [docs], [str(folder)])
    shutil.rmtree(folder)
    create_random_bert(folder, hidden_size=64, heads=2, layers=1, seed=2)  # retrained, another dimension
    with pytest.raises(SimsearchError, match="changed since it was indexed"):
        Searcher.open(store, str(folder))
    warnings = []
    report = run(store, [docs], None, on_warning=lambda path, reason: warnings.append(reason))
    assert any("re-embedding" in w for w in warnings) and report.encoded[str(folder)] == store.counts()["sentences"]
    assert store.model(str(folder)).dim == 64
    assert Searcher.open(store, str(folder)).search("A list item on music 2.", 1)[0].text == "A list item on music 2."


def test_bad_files_are_skipped_with_warnings_and_never_crash(store, docs, index_model, monkeypatch):
    name = str(index_model)
    (docs / "latin1.txt").write_bytes("Un caf\u00e9 cr\u00e8me, s'il vous pla\u00eet.\n".encode("cp1252"))
    (docs / "empty.md").write_text("")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    with (docs / "huge.txt").open("wb") as handle:  # a 50 MB single line
        handle.truncate(50 * 2**20)
    vanishing = docs / "005-history.md"
    real_read = Path.read_bytes

    def read_bytes(self):
        if self == vanishing:
            raise FileNotFoundError(self)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    warnings = []
    report = run(store, [docs], [name], on_warning=lambda path, reason: warnings.append((Path(path).name, reason)))
    reasons = dict(warnings)
    assert "not UTF-8" in reasons["latin1.txt"] and "binary" in reasons["binary.txt"]
    assert "over --max-file-mb" in reasons["huge.txt"] and "disappeared" in reasons["005-history.md"]
    assert report.added == 9  # 7 good notes + latin1 + empty
    assert top_texts(store, name, "Un café crème, s'il vous plaît.", 1) == ["Un café crème, s'il vous plaît."]
    monkeypatch.setattr(Path, "read_bytes", real_read)
    warnings.clear()
    again = run(store, [docs], [name], on_warning=lambda path, reason: warnings.append((Path(path).name, reason)))
    # The vanished file is back; skipped files are remembered and not read (nor warned about) again.
    assert warnings == [] and again.added == 1 and again.unchanged == 11


def test_cli_index_search_eval_status_and_an_edit(run_cli, tmp_path, docs, index_model, new_index_context):
    """The main loop through the CLI, at both settings a new index takes when no --context is
    given (context vectors being the users' default): index, search, --queries, eval retrieval,
    status --json, then an edit and a deletion indexed again, each vector checked afterwards."""
    context = new_index_context
    db = tmp_path / "cli.db"
    name = str(index_model)
    code, out, err = run_cli("index", docs, "--model", name, "--db", db, "--precision", "fp32", "--json")
    assert code == 0, err
    assert (json.loads(out)["added"], json.loads(out)["context_window"]) == (8, context)
    code, out, err = run_cli("search", "A list item on travel 1.", "--db", db, "-k", "2", "--json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 2 and records[0]["text"] == "A list item on travel 1."
    assert set(records[0]) >= {"query", "model", "rank", "score", "text", "path", "line", "location", "before", "after"}
    queries = tmp_path / "queries.txt"
    queries.write_text("A list item on travel 1.\n\nA list item on chess 7.\n")
    code, out, err = run_cli("search", "--queries", queries, "--db", db, "-k", "1")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(r["query"], r["text"]) for r in records] == [
        ("A list item on travel 1.", "A list item on travel 1."), ("A list item on chess 7.", "A list item on chess 7.")]
    code, out, err = run_cli("search", "A list item", "--db", db)
    assert code == 0 and "score" in out
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": f"q{i}", "query": f"A list item on {topic} {i}.",
                                             "relevant": [f"docs/{i:03d}-{topic}.md"]}) + "\n"
                                 for i, topic in enumerate(TOPICS)))
    code, out, err = run_cli("eval", "retrieval", questions, "--db", db, "--mode", "hybrid", "--mode", "dense", "--json")
    rows = {row["mode"]: row for row in map(json.loads, out.splitlines())}
    assert code == 0 and {mode: row["context_window"] for mode, row in rows.items()} == {"hybrid": context, "dense": context}
    assert rows["hybrid"]["queries"] == 8 and rows["hybrid"]["hit@1"] == 1.0, rows
    code, out, err = run_cli("status", "--db", db, "--json")
    status = json.loads(out)
    assert code == 0 and status["documents"] == 8 and status["models"][0]["vectors"] == 40
    assert (status["context_window"], status["models"][0]["missing"]) == (context, 0)
    code, out, err = run_cli("index", "--db", db, "--json")  # no paths: the roots indexed before
    assert code == 0 and json.loads(out)["unchanged"] == 8
    text = (docs / "001-travel.md").read_text()
    (docs / "001-travel.md").write_text(text + "\nA brand new closing sentence about trains.\n")
    (docs / "002-music.md").unlink()
    code, out, err = run_cli("index", "--db", db, "--json")
    report = json.loads(out)
    # The new sentence; with context vectors also the one before it, whose window it joined.
    assert code == 0 and (report["updated"], report["removed"], report["encoded"]) == (1, 1, {name: 1 + context})
    code, out, err = run_cli("search", "A brand new closing sentence about trains.", "--db", db, "-k", "40", "--json")
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and hits[0]["text"] == "A brand new closing sentence about trains."
    assert len(hits) == 36 and not any("002-music" in hit["path"] for hit in hits)
    store = Store.open(db, create=False)
    try:
        assert_vectors_embed_their_windows(store, context)
    finally:
        store.close()


def assert_vectors_embed_their_windows(store: Store, context: int) -> None:
    """Every sentence has one vector, that of its text alone (context 0) or normalised with its
    window's and half its file's name's (context 1), by an encoder that embeds one text at a time."""
    from simsearch.encoder import Encoder
    from simsearch.store import window_texts

    from .test_context_vectors import oracle_name

    model = store.models()[0]
    encoder = Encoder.load(model.path, device="cpu", precision="fp32")
    ids, matrix = store.vectors(model)
    stored = dict(zip(ids.tolist(), matrix))
    for document_id, path in store.conn.execute("SELECT id, path FROM documents").fetchall():
        rows = store.conn.execute("SELECT id, text FROM sentences WHERE document_id = ? ORDER BY ordinal",
                                  (document_id,)).fetchall()
        windows = window_texts([text for _, text in rows], 1) if context else [None] * len(rows)
        name = oracle_name(path)
        for (sentence_id, text), window in zip(rows, windows):
            parts = encoder.encode([text] + [part for part in (window, name) if window and part], normalize=True,
                                   batch_size=1)
            expected = parts[0] + (parts[1] if window else 0) + (0.5 * parts[2] if window and name else 0)
            np.testing.assert_allclose(stored.pop(sentence_id), expected / np.linalg.norm(expected), atol=2e-5,
                                       err_msg=text)
    assert stored == {}  # no vector of a sentence gone


@pytest.mark.parametrize("args, message", [
    (["search", "x", "--db", "{tmp}/absent.db"], "no index at"),
    (["search", "x", "--db", "{tmp}/cli.db", "--model", "nope"], "not in the index"),
    (["search", "x", "--db", "{tmp}/cli.db", "-k", "0"], "-k 0"),
    (["search", "--queries", "{tmp}/missing.txt", "--db", "{tmp}/cli.db"], "--queries"),
    (["search", "--db", "{tmp}/cli.db"], "give a QUERY"),
    (["index", "{tmp}/no-such-folder", "--db", "{tmp}/cli.db"], "no such file or folder"),
    (["index", "--db", "{tmp}/fresh.db"], "nothing to index"),
    (["status", "--db", "{tmp}/absent.db"], "no index at"),
])
def test_cli_errors_are_one_line(run_cli, tmp_path, docs, index_model, args, message):
    run_cli("index", docs / "000-cooking.md", "--model", str(index_model), "--db", tmp_path / "cli.db")
    code, out, err = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_index_with_a_model_and_no_paths_says_it_read_no_file(tmp_path, index_model, tiny_model, run_cli):
    """`index -m NEW` embeds what the index holds without walking the roots: its summary must
    not read as "0 unchanged files" of a tree it never looked at."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("The river floods in spring. Boats stay in the harbour.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", notes, "-m", index_model, "--db", db, "--device", "cpu")[0] == 0
    code, out, err = run_cli("index", "-m", tiny_model, "--db", db, "--device", "cpu")
    assert code == 0, err
    assert out.startswith("encoded the index's sentences:") and f"{tiny_model} 2 (" in out
    assert "files not read" in out and len(out.strip().splitlines()) == 1
