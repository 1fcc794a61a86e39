"""Context vectors (the default for a new index): with ``index --vector-context 1`` a
sentence's vector is ``normalize(enc(sentence) + enc(window) + 0.5 enc(name))``, the window being its
document's sentences from ordinal - 1 to ordinal + 1 joined by single spaces and the name its
file's (``oracle_name``); files of one sentence per line
keep sentence vectors; every reuse of a vector (an unchanged text, a moved file, a copy) holds
only where the window is the same too; a change of the setting re-embeds every model; with
context 0 nothing differs from sentence vectors.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from simsearch import indexer
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.store import Store, context_key, window_texts

PROSE = ("The river rose in the night. Farmers moved their cattle to the hills. "
         "By morning the bridge was under water. Schools stayed closed for a week.\n")
PROSE_SENTENCES = ["The river rose in the night.", "Farmers moved their cattle to the hills.",
                   "By morning the bridge was under water.", "Schools stayed closed for a week."]
# Many short lines without sentence ends: read as one sentence per line (segment.line_shape).
LINES = "".join(f"{word} apples and pears\n" for word in
                ["red", "green", "yellow", "brown", "small", "large", "sweet", "sour", "ripe", "fresh"])


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


@pytest.fixture(scope="module")
def oracle(index_model):
    """Encodes as an independent reader of the tiny model would: fp32, one text at a time."""
    from simsearch.encoder import Encoder

    encoder = Encoder.load(str(index_model), device="cpu", precision="fp32")

    def enc(text: str) -> np.ndarray:
        return encoder.encode([text], normalize=True, progress=False)[0].astype(np.float32)

    def vector(text: str, window: str | None, name: str | None = None) -> np.ndarray:
        if window is None:
            return enc(text)
        summed = enc(text) + enc(window) + (0.5 * enc(name) if name is not None else 0)
        return summed / np.linalg.norm(summed)

    return vector


def oracle_name(path: str) -> str | None:
    """A document's name as context vectors embed it, written out as the README says it: the file
    name without its extension, '-', '_' and '.' read as spaces; an index or README file is named
    by its folder; a name without a letter is none."""
    folder, file = path.rsplit("/", 2)[-2:]
    stem = file.rsplit(".", 1)[0] if "." in file else file
    if stem.lower() in ("index", "readme"):
        stem = folder
    words = " ".join(stem.replace("-", " ").replace("_", " ").replace(".", " ").split())
    return words if any(c.isalpha() for c in words) else None


def run(store, roots, model, **kwargs):
    return index(store, roots, [str(model)], progress=False, precision="fp32", device="cpu", **kwargs)


def rows(store) -> list[tuple[str, int, str, str | None, np.ndarray | None, int]]:
    """(path, ordinal, text, context, vector, sentence id) of every sentence, in path and ordinal order."""
    model = store.models()[0]
    vectors = dict(zip(*store.vectors(model)))
    out = []
    for path, ordinal, text, context, sentence_id in store.conn.execute(
            "SELECT d.path, s.ordinal, s.text, s.context, s.id FROM sentences s JOIN documents d "
            "ON d.id = s.document_id ORDER BY d.path, s.ordinal"):
        out.append((path, ordinal, text, context, vectors.get(sentence_id), sentence_id))
    return out


def check_against_oracle(store, oracle, *, per_line: set[str] = frozenset(), window: int = 1) -> None:
    by_document: dict[str, list[str]] = {}
    for path, _, text, *_ in rows(store):
        by_document.setdefault(path, []).append(text)
    for path, ordinal, text, context, vector, _ in rows(store):
        windowed = window and Path(path).name not in per_line
        expected_window = window_texts(by_document[path], 1)[ordinal] if windowed else None
        name = oracle_name(path) if windowed else None
        assert context == (context_key(expected_window, name) if windowed else None), (path, ordinal)
        assert vector is not None, (path, ordinal)
        np.testing.assert_allclose(vector, oracle(text, expected_window, name), atol=2e-5, err_msg=f"{path}:{ordinal}")


def encoded(report) -> int:
    return sum(report.encoded.values())


def test_each_vector_is_the_normalised_sum_of_sentence_and_window(tmp_path, store, index_model, oracle):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "one.md").write_text("A single sentence here.\n")
    report = run(store, [docs], index_model, context=1)
    assert store.context_window() == 1
    assert [r[2] for r in rows(store) if r[0].endswith("flood.txt")] == PROSE_SENTENCES
    assert encoded(report) == 5
    check_against_oracle(store, oracle)
    # The first sentence's window is itself and the next one; the last's the one before and itself.
    flood = [r for r in rows(store) if r[0].endswith("flood.txt")]
    assert flood[0][3] == context_key(" ".join(PROSE_SENTENCES[:2]), "flood")
    assert flood[-1][3] == context_key(" ".join(PROSE_SENTENCES[-2:]), "flood")


def test_an_edit_re_embeds_the_sentence_and_its_two_neighbours_only(tmp_path, store, index_model, oracle):
    docs = tmp_path / "docs"
    docs.mkdir()
    sentences = [f"Sentence number {word} talks about topic {word}." for word in
                 ["one", "two", "three", "four", "five", "six", "seven"]]
    (docs / "a.txt").write_text(" ".join(sentences) + "\n")
    (docs / "b.txt").write_text(PROSE)
    run(store, [docs], index_model, context=1)
    before = {(r[0], r[2]): r[4] for r in rows(store)}
    sentences[3] = "Sentence number four now says something else entirely."
    (docs / "a.txt").write_text(" ".join(sentences) + "\n")
    report = run(store, [docs], index_model)
    assert store.context_window() == 1  # kept: the recorded setting
    assert encoded(report) == 3  # the edited sentence and its two neighbours
    after = rows(store)
    for path, ordinal, text, _, vector, _ in after:
        if path.endswith("a.txt") and ordinal in (2, 3, 4):
            continue
        np.testing.assert_array_equal(vector, before[(path, text)])
    check_against_oracle(store, oracle)


def test_a_moved_file_keeps_every_vector_and_a_renamed_one_takes_its_new_name(tmp_path, store, index_model, oracle):
    """A file moved to another folder under its name keeps every vector; renamed, its sentences
    are embedded again with the new name (and only those: the windows are the same)."""
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "flood.txt").write_text(PROSE)
    run(store, [docs], index_model, context=1)
    before = [r[4] for r in rows(store)]
    (docs / "flood.txt").rename(docs / "sub" / "flood.txt")
    report = run(store, [docs], index_model)
    assert encoded(report) == 0
    after = rows(store)
    assert [r[0] for r in after] == [str(docs / "sub" / "flood.txt")] * 4
    for old, (_, _, _, _, new, _) in zip(before, after):
        np.testing.assert_array_equal(old, new)
    (docs / "sub" / "flood.txt").rename(docs / "sub" / "high-water.txt")
    report = run(store, [docs], index_model)
    assert encoded(report) == 4
    check_against_oracle(store, oracle)
    assert all(r[3] == context_key(w, "high water") for r, w in zip(rows(store), window_texts(PROSE_SENTENCES, 1)))


def test_a_name_s_vector_does_not_depend_on_the_other_names_embedded_with_it(tmp_path, store, index_model):
    """A file's vectors are bit for bit those a fresh index of that file alone makes, whichever
    other files were embedded in the same run: at fp32 on a CPU the vector of a short input moves
    in its last bits with the other inputs of its batch (names "a" and "b" in one batch against
    "b" alone, with this model), so each name is encoded alone (``indexer._encode_rows``)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(PROSE)
    (docs / "b.txt").write_text(PROSE)
    run(store, [docs], index_model, context=1)
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "b.txt").write_text(PROSE)
    fresh = Store.open(tmp_path / "fresh.db")
    run(fresh, [alone], index_model, context=1)
    together = [r for r in rows(store) if r[0].endswith("b.txt")]
    assert [r[3] for r in together] == [r[3] for r in rows(fresh)]  # the same keys: name "b", the same windows
    assert [r[4].tobytes() for r in together] == [r[4].tobytes() for r in rows(fresh)]
    fresh.close()


def test_two_files_that_swap_contents_keep_every_vector(tmp_path, store, index_model, oracle):
    """The released vectors of a re-read (``Store.holding_released_vectors``) match on the window
    and the name too: two files of one name (in two folders) that swap contents embed nothing;
    two of other names embed every sentence again, each with its new file's name."""
    docs = tmp_path / "docs"
    (docs / "x").mkdir(parents=True)
    (docs / "y").mkdir()
    other = "Wind tore the roof off the barn. The hens escaped into the field. Nobody was hurt.\n"
    (docs / "x" / "log.txt").write_text(PROSE)
    (docs / "y" / "log.txt").write_text(other)
    run(store, [docs], index_model, context=1)
    before = {(r[2], r[3]): r[4] for r in rows(store)}
    (docs / "x" / "log.txt").write_text(other)
    (docs / "y" / "log.txt").write_text(PROSE)
    report = run(store, [docs], index_model)
    assert encoded(report) == 0
    for _, _, text, context, vector, _ in rows(store):
        np.testing.assert_array_equal(vector, before[(text, context)])
    (docs / "x" / "log.txt").rename(docs / "x" / "a.txt")
    (docs / "y" / "log.txt").rename(docs / "y" / "b.txt")
    (docs / "x" / "a.txt").write_text(PROSE)
    (docs / "y" / "b.txt").write_text(other)
    assert encoded(run(store, [docs], index_model)) == 7
    check_against_oracle(store, oracle)


SHARED = "By morning the bridge was under water."  # a sentence of PROSE


def flood_then_a_copy_elsewhere(tmp_path, store, index_model, *, context: int):
    """docs/flood.txt (PROSE) indexed at ``context``, then docs/copy.txt written: SHARED between
    other neighbours. Returns the folder."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    run(store, [docs], index_model, context=context)
    (docs / "copy.txt").write_text(f"The festival opened on Friday. {SHARED} Tickets sold out quickly.\n")
    return docs


def test_a_copy_with_other_neighbours_gets_its_own_vector(tmp_path, store, index_model, oracle):
    docs = flood_then_a_copy_elsewhere(tmp_path, store, index_model, context=1)
    (docs / "old").mkdir()
    (docs / "old" / "flood.txt").write_text(PROSE)  # an exact copy of one name: the same windows, nothing to embed
    (docs / "same.txt").write_text(PROSE)  # of another name: its own vectors
    report = run(store, [docs], index_model)
    assert encoded(report) == 3 + 4  # copy.txt's three sentences, same.txt's four; old/flood.txt reuses flood.txt's
    copies = [r for r in rows(store) if r[2] == SHARED]
    assert len(copies) == 4 and len({r[3] for r in copies}) == 3
    in_copy = next(r for r in copies if r[0].endswith("copy.txt"))
    in_flood = next(r for r in copies if r[0].endswith("flood.txt"))
    assert not np.allclose(in_copy[4], in_flood[4])
    check_against_oracle(store, oracle)


def test_a_file_of_one_sentence_per_line_keeps_sentence_vectors(tmp_path, store, index_model, oracle):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "list.txt").write_text(LINES)
    (docs / "flood.txt").write_text(PROSE)
    run(store, [docs], index_model, context=1)
    shapes = dict(store.conn.execute("SELECT path, lines_are_sentences FROM documents"))
    assert shapes == {str(docs / "list.txt"): 1, str(docs / "flood.txt"): 0}
    assert len([r for r in rows(store) if r[0].endswith("list.txt")]) == 10
    check_against_oracle(store, oracle, per_line={"list.txt"})


def test_switching_context_re_embeds_every_model(tmp_path, store, index_model, oracle, tiny_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "list.txt").write_text(LINES)
    index(store, [docs], [str(index_model), str(tiny_model)], progress=False, precision="fp32", device="cpu", context=0)
    assert store.context_window() == 0
    check_against_oracle(store, oracle, window=0)
    report = index(store, [docs], None, progress=False, device="cpu", context=1)
    assert report.encoded == {str(index_model): 14, str(tiny_model): 14}
    assert any("--vector-context 1" in w["reason"] and "re-embedding all 28 vectors of 2 models" in w["reason"]
               for w in report.warnings)
    check_against_oracle(store, oracle, per_line={"list.txt"})
    assert all(row.ann_generation is None or row.ann_generation == row.generation for row in store.models())
    again = index(store, [docs], None, progress=False, device="cpu", context=1)
    assert sum(again.encoded.values()) == 0 and not again.warnings
    back = index(store, [docs], None, progress=False, device="cpu", context=0)
    assert back.encoded == {str(index_model): 14, str(tiny_model): 14}
    assert store.conn.execute("SELECT count(*) FROM sentences WHERE context IS NOT NULL").fetchone()[0] == 0
    check_against_oracle(store, oracle, window=0)


def test_context_zero_stores_no_context_and_reuses_by_text(tmp_path, store, index_model, oracle):
    """Context 0 (today's index): sentence vectors, a copy with other neighbours reuses the vector."""
    docs = flood_then_a_copy_elsewhere(tmp_path, store, index_model, context=0)
    report = run(store, [docs], index_model)
    assert encoded(report) == 2
    assert store.conn.execute("SELECT count(*) FROM sentences WHERE context IS NOT NULL").fetchone()[0] == 0
    check_against_oracle(store, oracle, window=0)


def test_an_index_from_before_keeps_context_zero(tmp_path):
    """An index that held documents before m0014 records context 0, whatever the default; its
    plain-text documents' shape is unknown (NULL), other formats' is 0."""
    import sqlite3

    from simsearch import migrations
    from simsearch.store import _Connection

    names = [m.name for m in migrations.MIGRATIONS]
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old, isolation_level=None, factory=_Connection)
    Store(old, conn).migrate(upto=names.index("0014_context_vectors"))
    conn.execute("INSERT INTO documents (path, hash, mtime_ns, size, kind, indexed_at) VALUES "
                 "('/x.txt', 'h', 1, 1, 'text', 'now'), ('/y.md', 'h', 1, 1, 'markdown', 'now')")
    conn.close()
    upgraded = Store.open(old)
    assert upgraded.setting("context_window") == "0" and upgraded.context_window() == 0
    assert dict(upgraded.conn.execute("SELECT path, lines_are_sentences FROM documents")) == {"/x.txt": None, "/y.md": 0}
    upgraded.close()
    new = Store.open(tmp_path / "new.db")
    assert new.setting("context_window") is None
    new.close()


def test_context_must_be_zero_or_one(tmp_path, store, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    with pytest.raises(SimsearchError, match="--vector-context 2"):
        run(store, [docs], index_model, context=2)


@pytest.mark.parametrize("value", [True, 1.0, 0.0])
def test_a_context_of_another_type_is_refused_before_anything_is_written(tmp_path, store, index_model, value):
    """``True`` and ``1.0`` equal 1 (and ``0.0`` 0), so ``value in (0, 1)`` let them through: the
    index recorded "True" as its setting, and every later command (`status`, `index`, `search`)
    died on ``int("True")`` with a traceback."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    with pytest.raises(SimsearchError, match=f"--vector-context {value}: must be one of 0, 1"):
        run(store, [docs], index_model, context=value)
    assert store.setting("context_window") is None and store.context_window() == 0


def test_cli_context_option(tmp_path, run_cli, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    db = tmp_path / "cli.db"
    code, out, err = run_cli("index", docs, "--model", index_model, "--db", db, "--device", "cpu", "--vector-context", "1")
    assert code == 0, err
    store = Store.open(db)
    assert store.context_window() == 1
    store.close()
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--vector-context", "0")
    assert code == 0, err
    assert "re-embedding all 4 vectors" in err + out
    code, _, err = run_cli("index", "--db", db, "--vector-context", "3")
    assert code == 2 and "error: --vector-context 3: must be at most 1" in err and len(err.strip().splitlines()) == 1, err
    # `--context` is search's (the neighbouring sentences shown), not the index's vector window
    code, _, err = run_cli("index", "--db", db, "--context", "1")
    assert code == 2 and "No such option: --context" in " ".join(err.split()), err
    code, out, err = run_cli("search", "bridge", "--db", db, "--context", "0", "--mode", "lexical")
    assert code == 0 and "bridge" in out, err


def test_switching_on_reads_again_plain_text_whose_shape_is_not_recorded(tmp_path, store, index_model, oracle):
    """A plain-text document read before m0014 has no recorded shape (NULL): switching context on
    reads it again in the same run, so a file of one sentence per line keeps sentence vectors."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "list.txt").write_text(LINES)
    (docs / "flood.txt").write_text(PROSE)
    run(store, [docs], index_model, context=0)
    store.conn.execute("UPDATE documents SET lines_are_sentences = NULL")  # as m0014 leaves plain text
    report = run(store, [docs], index_model, context=1)
    assert encoded(report) == 14
    # (the reader is the same: not "read again by this version", nor changed; the switch's note says it)
    assert (report.reextracted, report.updated, report.unchanged) == (0, 0, 2)
    assert [w["reason"] for w in report.warnings if "2 plain-text files whose shape an older simsearch did not "
            "record are read again for it" in w["reason"]]
    shapes = dict(store.conn.execute("SELECT path, lines_are_sentences FROM documents"))
    assert shapes == {str(docs / "list.txt"): 1, str(docs / "flood.txt"): 0}
    check_against_oracle(store, oracle, per_line={"list.txt"})


def test_plain_text_read_for_its_shape_is_not_said_read_by_another_version(tmp_path, run_cli, index_model):
    """Switching context on read an upgraded index's plain text again by marking it as read by
    extractor version 0: `index` said "1 file read again by this version of simsearch", `status`
    the same of the last run, and until the run read it (an interrupted switch, a root gone)
    `status` and `search` said it was read by another version of simsearch, which it was not."""
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "one.md").write_text("A single sentence here.\n")
    db = tmp_path / "cli.db"

    def unshaped() -> None:  # as m0014 leaves plain text
        store = Store.open(db)
        store.conn.execute("UPDATE documents SET lines_are_sentences = NULL WHERE kind = 'text'")
        store.close()

    def said(*args: str) -> str:
        code, out, err = run_cli(*args, "--db", db)
        assert code == 0, err
        return " ".join((out + err).split())

    said("index", docs, "--model", index_model, "--device", "cpu", "--vector-context", "0")
    unshaped()
    out = said("index", "--device", "cpu", "--vector-context", "1")
    assert "another version" not in out and "by this version" not in out, out
    assert "0 changed, 0 removed, 2 files unchanged" in out, out
    assert "1 plain-text file whose shape an older simsearch did not record is read again for it" in out, out
    assert "by this version" not in said("status") and "0 new or changed" in said("status")
    unshaped()  # the switch recorded, the file not read yet (the run was interrupted)
    assert "another version" not in said("status")
    assert json.loads(said("status", "--json"))["read_by_other_version"] == 0
    code, out, err = run_cli("search", "bridge", "--db", db, "--json")
    assert code == 0 and out.strip(), err
    assert not any(json.loads(line)["read_by_other_version"] for line in out.splitlines())
    out = said("index", "--device", "cpu")  # context on: the run reads it for its shape, as the switch would
    assert "by this version" not in out and "2 files unchanged" in out, out
    store = Store.open(db)
    assert store.shape_unknown() == set()
    store.close()


def test_status_and_eval_retrieval_say_the_setting(tmp_path, run_cli, index_model):
    """`status` says what a vector embeds (both settings: a before/after comparison needs to know),
    `eval retrieval` says so in the line under its table and JSON (None for lexical, which uses no vectors)."""
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "bridge under water", "relevant": [str(docs / "flood.txt")]}) + "\n")
    db = tmp_path / "cli.db"
    for window, said in ((0, "each sentence alone, `index --vector-context 0`"),
                         (1, "each sentence with 1 neighbour either side (context vectors), `index --vector-context 1`")):
        code, out, err = run_cli("index", docs, "--model", index_model, "--db", db, "--device", "cpu",
                                 "--vector-context", str(window), "--json")
        assert code == 0, err
        assert json.loads(out)["context_window"] == window
        code, out, err = run_cli("status", "--db", db)
        assert code == 0 and said in " ".join(out.split()), out
        code, out, err = run_cli("status", "--db", db, "--json")
        assert json.loads(out)["context_window"] == window
        code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", index_model, "--device", "cpu",
                                 "--mode", "dense", "--mode", "lexical", "--json")
        assert code == 0, err
        assert [json.loads(line)["context_window"] for line in out.splitlines()] == [window, None]
        code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", index_model, "--device", "cpu")
        assert code == 0, err
        assert ("context vectors" in " ".join(out.split())) == bool(window)

def test_a_new_index_with_context_one_says_nothing_about_re_embedding(tmp_path, store, index_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    report = run(store, [docs], index_model, context=1)
    assert store.context_window() == 1 and encoded(report) == 4
    assert report.warnings == []


def broken_copy(model: Path, folder: Path) -> Path:
    """A copy of ``model`` whose weights no longer load (its fingerprint is another, too)."""
    shutil.copytree(model, folder)
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    return folder


@pytest.mark.parametrize("damage", ["gone", "weights"])
def test_a_model_that_cannot_be_loaded_at_a_switch_is_not_said_to_keep_its_vectors(tmp_path, store, index_model,
                                                                                  tiny_model, damage):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    other = tmp_path / "other"
    shutil.copytree(tiny_model, other)
    index(store, [docs], [str(index_model), str(other)], progress=False, precision="fp32", device="cpu", context=0)
    shutil.rmtree(other)
    if damage == "weights":
        broken_copy(tiny_model, other)
    report = index(store, [docs], None, progress=False, device="cpu", context=1)
    assert report.encoded == {str(index_model): 4}
    assert store.count_vectors(store.model(str(other)).id) == 0
    notes = [w["reason"] for w in report.warnings if w["path"] == str(other)]
    assert len(notes) == 1 and "cannot be loaded" in notes[0] and "vectors stay" not in notes[0], notes
    assert "--vector-context" in notes[0]


@pytest.mark.parametrize("named", [False, True])
def test_a_model_that_fails_to_load_at_a_switch(tmp_path, store, index_model, tiny_model, monkeypatch, named):
    """Its files unchanged, only loading fails (the environment changed): at a switch, which drops
    every model's vectors, it is loaded before anything is written. Named, the switch is refused
    and the index left as it was; not named, it is skipped, said to have lost its vectors."""
    from simsearch.encoder import Encoder

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    index(store, [docs], [str(index_model), str(tiny_model)], progress=False, precision="fp32", device="cpu", context=0)
    load = Encoder.load.__func__

    def failing(cls, ref, *args, **kwargs):
        if Path(ref.path) == tiny_model:
            raise SimsearchError("no such device")
        return load(cls, ref, *args, **kwargs)

    monkeypatch.setattr(Encoder, "load", classmethod(failing))
    if named:
        with pytest.raises(SimsearchError, match="no such device"):
            index(store, [docs], [str(index_model), str(tiny_model)], progress=False, device="cpu", context=1)
        assert store.context_window() == 0
        assert [store.count_vectors(row.id) for row in store.models()] == [4, 4]
        return
    report = index(store, [docs], None, progress=False, device="cpu", context=1)
    assert report.encoded.get(str(index_model)) == 4 and not report.encoded.get(str(tiny_model))
    assert store.count_vectors(store.model(str(tiny_model)).id) == 0
    notes = [w["reason"] for w in report.warnings if w["path"] == str(tiny_model)]
    assert len(notes) == 1 and "no such device" in notes[0] and "vectors stay" not in notes[0], notes
    assert "--vector-context" in notes[0]


def test_a_line_many_files_share_is_looked_up_once_while_no_copy_has_a_vector(tmp_path, store, index_model, oracle):
    """With context vectors each copy of a repeated line has its own key (text, context), so the
    look-up of its vector (``Store.held_vector``) that a run does for each copy finds no answer
    it remembers: while no copy has a vector, one look-up must say so for all of them (each would
    walk every copy before it: quadratic in the copies, 4.4 s for a line in 4,000 files)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shared = "See the documentation for details."
    for n in range(30):
        (docs / f"note{n}.md").write_text(f"Note {n} opens here. {shared} Note {n} ends here.\n")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    run(store, [docs], index_model, context=1)
    store.conn.set_trace_callback(None)
    # One query for the first copy: its context's vector, else whether any copy has one (none has).
    assert len([s for s in statements if "CROSS JOIN vectors" in s and shared in s]) == 1
    check_against_oracle(store, oracle)


def test_an_interrupted_embedding_keeps_what_it_made_with_windows_too(tmp_path, store, index_model, monkeypatch):
    """A pair is complete when its sentence and its window are both encoded, and the encoder takes
    the longest texts first: were sentences and windows encoded in one call, the windows (about
    three quarters of the text) came first and no pair was complete (committed, counted by the
    bar, kept by a Ctrl-C) before then. Stopped when 45% of the characters are encoded, some
    vectors are kept."""
    from simsearch.encoder import Encoder
    from simsearch.errors import Interrupted

    docs = tmp_path / "docs"
    docs.mkdir()
    sentences = []
    for n in range(12):
        note = [f"Note {n} opens here.", f"It says one thing about {n}.", f"Note {n} ends here."]
        (docs / f"note{n}.md").write_text(" ".join(note) + "\n")
        sentences += note + window_texts(note, 1)
    total = sum(len(text) for text in set(sentences))
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 4)
    real = Encoder.encode_batches
    encoded_chars = [0]

    def interrupted(self, strings, *args, **kwargs):
        for batch in real(self, strings, *args, **kwargs):
            encoded_chars[0] += sum(len(strings[positions[0]]) for positions in batch[0])
            if encoded_chars[0] >= 0.45 * total:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(Encoder, "encode_batches", interrupted)
    with pytest.raises(Interrupted):
        index(store, [docs], [str(index_model)], progress=False, precision="fp32", device="cpu", context=1,
              batch_size=1)
    assert store.count_vectors(store.models()[0].id) >= 4


def test_the_bar_says_sentences_first_until_a_pair_is_done(tmp_path, store, index_model, monkeypatch):
    """No vector is done while the sentences are encoded, before their windows: the bar stood at
    "0/N - sent/s" all that time (a trial: 5 s; 1,014 sentences on a busy CPU: 106 s). It says
    what runs instead, and gives the rate's place back when the windows come."""
    import contextlib

    calls = []

    @contextlib.contextmanager
    def recorded(total, description, **kwargs):
        yield lambda n=1, **fields: calls.append((n, fields)) if description.startswith("embedding") else None

    monkeypatch.setattr(indexer, "progress_bar", recorded)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(PROSE)
    index(store, [docs], [str(index_model)], progress=True, precision="fp32", device="cpu", context=1)
    first = next(i for i, (n, _) in enumerate(calls) if n > 0)
    assert [fields["phase"] for _, fields in calls[:first] if "phase" in fields] == ["sentences first", ""]
    assert sum(n for n, _ in calls) == len(PROSE_SENTENCES)



    """Every copy of a repeated line holds a vector with context vectors (its own neighbours), so
    the look-up of one (text, context) pair must go to it through an index on both (m0014), not
    walk the text's other copies: a line in N files walked N rows for each new copy."""
    from simsearch.store import HELD_TEXT_SQL, HELD_VECTOR_SQL

    def plan(sql, args):
        return [step for *_, step in store.conn.execute("EXPLAIN QUERY PLAN " + sql, args)]

    assert "sentences_text_context (text=? AND context=?)" in plan(HELD_VECTOR_SQL, (1, "x", "key"))[0]
    assert "sentences_text_context (text=?)" in plan(HELD_TEXT_SQL, (1, "x"))[0]
    names = {name for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "sentences_text" not in names  # (m0012's, on the text alone: the new one serves its look-ups)


@pytest.mark.default_context
def test_a_new_index_embeds_context_by_default_and_a_later_run_keeps_its_setting(tmp_path, store, index_model, oracle):
    """The default (chosen on the benchmarks of docs/retrieval.md "Context vectors"): a new index
    embeds each sentence with its neighbours; a run that names no setting keeps the recorded one,
    whichever it is, and re-embeds nothing."""
    assert indexer.DEFAULT_CONTEXT_WINDOW == 1
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "list.txt").write_text(LINES)
    run(store, [docs], index_model)
    assert store.context_window() == 1
    check_against_oracle(store, oracle, per_line={"list.txt"})
    run(store, [docs], index_model, context=0)
    report = run(store, [docs], index_model)
    assert store.context_window() == 0 and encoded(report) == 0
    check_against_oracle(store, oracle, window=0)


@pytest.mark.default_context
def test_the_context_option_s_help_says_the_default_a_new_index_takes():
    """`index --help` said "Default: the index's setting, else 0" once 1 became the default."""
    import typer

    from simsearch.cli import app

    [option] = [param for param in typer.main.get_command(app).commands["index"].params if param.name == "vector_context"]
    assert option.help.endswith(f"else {indexer.DEFAULT_CONTEXT_WINDOW}."), option.help
    assert "an index made before context vectors: 0" in option.help  # (m0014 records 0 for it)


def test_a_switch_that_names_one_model_re_embeds_the_index_s_other_models_too(tmp_path, store, index_model,
                                                                             tiny_model, oracle):
    """A switch drops every model's vectors: `index --vector-context 0 -m ONE` on an index of two models
    said "re-embedding all 8 vectors of 2 model(s)" and embedded ONE only, leaving the other
    without a vector until a run that named no model."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    index(store, [docs], [str(index_model), str(tiny_model)], progress=False, precision="fp32", device="cpu",
          context=1)
    report = index(store, [], [str(tiny_model)], progress=False, precision="fp32", device="cpu", context=0)
    assert {model.name: store.count_missing_vectors(model.id) for model in store.models()} == {
        str(index_model): 0, str(tiny_model): 0}
    assert report.encoded == {str(index_model): 4, str(tiny_model): 4}
    check_against_oracle(store, oracle, window=0)


def prose_and_notes_of_no_recorded_shape(tmp_path, store, index_model, *, context: int) -> tuple[Path, Path]:
    """docs/flood.txt (plain prose) and notes/one.md indexed at ``context``, the plain text's
    shape then forgotten (as an upgrade, or a switch interrupted before it read the file, leaves it)."""
    docs, notes = tmp_path / "docs", tmp_path / "notes"
    docs.mkdir()
    notes.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (notes / "one.md").write_text("A single sentence here.\n")
    run(store, [docs, notes], index_model, context=context)
    store.conn.execute("UPDATE documents SET lines_are_sentences = NULL WHERE kind = 'text'")
    return docs, notes


@pytest.mark.parametrize("given", ["no-paths", "other-root"])
def test_switching_on_refuses_a_run_that_would_not_read_plain_text_of_no_recorded_shape(tmp_path, store, index_model,
                                                                                       oracle, given):
    """`index --vector-context 1 -m M` (no PATHS: no file read), or one naming another root, embedded an
    upgraded index's plain text of no recorded shape as sentence vectors while status said context
    vectors, and the next full run embedded them all again: refused before anything is written."""
    docs, notes = prose_and_notes_of_no_recorded_shape(tmp_path, store, index_model, context=0)  # as m0014 leaves it
    with pytest.raises(SimsearchError, match=r"1 plain-text file .*simsearch index --vector-context 1"):
        run(store, [] if given == "no-paths" else [notes], index_model, context=1)
    assert store.context_window() == 0 and store.count_missing_vectors(store.models()[0].id) == 0
    report = run(store, [docs, notes], index_model, context=1)
    assert store.shape_unknown() == set() and report.unchanged == 2 and report.reextracted == 0
    check_against_oracle(store, oracle)


def test_switching_on_with_a_root_that_is_gone_is_not_refused(tmp_path, store, index_model):
    """(The refusal above is for roots the run leaves out, not for a root it names that is gone,
    an unmounted drive: `index --vector-context 1`, the command the refusal suggests, must run.)"""
    docs, gone = tmp_path / "docs", tmp_path / "gone"
    docs.mkdir()
    gone.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (gone / "list.txt").write_text(LINES)
    run(store, [docs, gone], index_model, context=0)
    store.conn.execute("UPDATE documents SET lines_are_sentences = NULL WHERE kind = 'text'")
    shutil.rmtree(gone)
    report = run(store, [docs, gone], index_model, context=1)
    assert store.context_window() == 1 and report.reextracted == 0
    shapes = dict(store.conn.execute("SELECT path, lines_are_sentences FROM documents"))
    assert shapes == {str(docs / "flood.txt"): 0, str(gone / "list.txt"): None}  # read once it is back
    assert any("no longer exists" in warning["reason"] for warning in report.warnings)


# One review per line, several sentences each (``segment.PARAGRAPH_PER_LINE``): neighbouring lines are unrelated.
REVIEWS = [
    ["The hotel room was spotless.", "Staff greeted us warmly at midnight.", "Breakfast ended far too early."],
    ["This blender is very loud.", "It crushes ice in seconds.", "The lid cracked after a month."],
    ["Great shoes for running."],
    ["The novel starts slowly.", "Its second half is gripping.", "I cried at the ending.", "Worth every page."],
    ["Delivery took three weeks.", "The parcel arrived damaged."],
]


def reviews_text(reviews: list[list[str]]) -> str:
    return "".join(" ".join(line) + "\n" for line in reviews)


def expected_line_windows(reviews: list[list[str]]) -> list[str]:
    """Each sentence's window, by hand from the file's lines: the sentence and one either side
    *in its own line* (its review), joined by spaces."""
    return [" ".join(line[max(0, j - 1):j + 2]) for line in reviews for j in range(len(line))]


@pytest.mark.parametrize("switched", [False, True])
def test_a_file_of_one_paragraph_per_line_keeps_each_window_within_its_line(tmp_path, store, index_model, oracle,
                                                                          switched):
    """A window across lines mixed an unrelated review into a sentence's vector: "Breakfast ended
    far too early." was embedded with "This blender is very loud.". Checked against windows built
    by hand from the file's lines, beside a prose file whose windows cross its lines as before;
    in a new index and in one switched on (``Store.set_context_window`` writes the keys then)."""
    from simsearch.extract import extract

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reviews.txt").write_text(reviews_text(REVIEWS))
    (docs / "flood.txt").write_text(PROSE)
    assert extract(docs / "reviews.txt", reviews_text(REVIEWS).encode()).lines_are_blocks  # (the shape under test)
    if switched:
        run(store, [docs], index_model, context=0)
    report = run(store, [docs], index_model, context=1)
    assert encoded(report) == 17 and report.unchanged == (2 if switched else 0)
    shapes = {Path(path).name: (per_line, blocks) for path, per_line, blocks in store.conn.execute(
        "SELECT path, lines_are_sentences, lines_are_blocks FROM documents")}
    assert shapes == {"reviews.txt": (0, 1), "flood.txt": (0, 0)}
    reviews = [r for r in rows(store) if r[0].endswith("reviews.txt")]
    assert [r[2] for r in reviews] == [sentence for line in REVIEWS for sentence in line]
    for (path, ordinal, text, context, vector, _), window in zip(reviews, expected_line_windows(REVIEWS)):
        assert context == context_key(window, "reviews"), (ordinal, text)
        np.testing.assert_allclose(vector, oracle(text, window, "reviews"), atol=2e-5, err_msg=f"{ordinal}: {text}")
    flood = [r for r in rows(store) if r[0].endswith("flood.txt")]
    for (_, ordinal, text, context, vector, _), window in zip(flood, window_texts(PROSE_SENTENCES, 1)):
        np.testing.assert_allclose(vector, oracle(text, window, "flood"), atol=2e-5)


def test_an_edit_of_one_line_re_embeds_that_line_s_sentences_only(tmp_path, store, index_model, oracle):
    """Editing a review's last sentence re-embeds it and its neighbour in the same line, not the
    next line's first sentence (3 with windows across lines); lines put in another order keep
    every vector (their windows are the same)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    reviews = [list(line) for line in REVIEWS]
    (docs / "reviews.txt").write_text(reviews_text(reviews))
    run(store, [docs], index_model, context=1)
    before = {r[2]: r[4] for r in rows(store)}
    reviews[1][-1] = "The handle broke after a week."
    (docs / "reviews.txt").write_text(reviews_text(reviews))
    report = run(store, [docs], index_model)
    assert encoded(report) == 2  # "It crushes ice in seconds." and the edited sentence
    after = rows(store)
    changed = {r[2] for r in after if not np.array_equal(r[4], before.get(r[2], np.zeros(1)))}
    assert changed == {"It crushes ice in seconds.", "The handle broke after a week."}
    for (_, _, text, context, vector, _), window in zip(after, expected_line_windows(reviews)):
        assert context == context_key(window, "reviews")
        np.testing.assert_allclose(vector, oracle(text, window, "reviews"), atol=2e-5, err_msg=text)
    kept = {r[2]: r[4] for r in after}
    reviews.reverse()
    (docs / "reviews.txt").write_text(reviews_text(reviews))
    report = run(store, [docs], index_model)
    assert encoded(report) == 0
    for _, _, text, _, vector, _ in rows(store):
        np.testing.assert_array_equal(vector, kept[text])


def test_an_index_of_schema_14_reads_its_plain_text_again_for_windows_within_lines(tmp_path, index_model, oracle,
                                                                                  monkeypatch):
    """An index made before m0015 (context on) holds windows across the lines of a file of one
    paragraph per line: it opens with that file's shape unknown (NULL, as plain text's other
    than one sentence per line, whose shape was recorded), keeps and searches the vectors it has
    meanwhile, and the next run reads the file again and re-embeds the sentences whose window
    changes (a line's first and last), nothing of the prose file or the list."""
    from simsearch import migrations

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reviews.txt").write_text(reviews_text(REVIEWS))
    (docs / "flood.txt").write_text(PROSE)
    (docs / "list.txt").write_text(LINES)
    (docs / "one.md").write_text("A single sentence here.\n")
    db = tmp_path / "old.db"
    store = Store.open(db)
    real = Store.replace_document

    def as_schema_14(self, *args, **kwargs):  # the shape schema 14 could record: windows across lines
        kwargs["lines_are_blocks"] = False
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_document", as_schema_14)
    run(store, [docs], index_model, context=1)
    monkeypatch.setattr(Store, "replace_document", real)
    old = {(Path(r[0]).name, r[2]): (r[3], r[4]) for r in rows(store)}
    store.conn.execute("ALTER TABLE documents DROP COLUMN lines_are_blocks")
    store.conn.execute(f"DELETE FROM {migrations.TABLE} WHERE name = '0015_paragraph_lines'")
    store.close()

    upgraded = Store.open(db)
    shapes = {Path(path).name: blocks for path, blocks in upgraded.conn.execute(
        "SELECT path, lines_are_blocks FROM documents")}
    assert shapes == {"reviews.txt": None, "flood.txt": None, "list.txt": 0, "one.md": 0}
    assert {Path(upgraded.conn.execute("SELECT path FROM documents WHERE id = ?", (i,)).fetchone()[0]).name
            for i in upgraded.shape_unknown()} == {"reviews.txt", "flood.txt"}
    assert {(Path(r[0]).name, r[2]): (r[3], r[4]) for r in rows(upgraded)}.keys() == old.keys()
    report = run(upgraded, [docs], index_model)
    across = window_texts([s for line in REVIEWS for s in line], 1)
    assert encoded(report) == sum(a != w for a, w in zip(across, expected_line_windows(REVIEWS))) == 7
    assert report.unchanged == 4 and report.updated == 0 and report.reextracted == 0
    assert any("2 plain-text files whose shape an older simsearch did not record are read again" in w["reason"]
               for w in report.warnings)
    assert upgraded.shape_unknown() == set()
    for path, _, text, context, vector, _ in rows(upgraded):
        name = Path(path).name
        if name == "reviews.txt":
            continue
        assert (context, vector.tobytes()) == (old[(name, text)][0], old[(name, text)][1].tobytes()), (name, text)
    reviews = [r for r in rows(upgraded) if r[0].endswith("reviews.txt")]
    for (_, _, text, context, vector, _), window in zip(reviews, expected_line_windows(REVIEWS)):
        assert context == context_key(window, "reviews")
        np.testing.assert_allclose(vector, oracle(text, window, "reviews"), atol=2e-5, err_msg=text)
    again = run(upgraded, [docs], index_model)
    assert encoded(again) == 0 and again.unchanged == 4 and not again.warnings
    upgraded.close()


def test_a_switch_whose_models_cannot_load_says_their_vectors_are_dropped_not_up_to_date(tmp_path, index_model, run_cli):
    """Switching drops every model's vectors; when no model of the index loads (its folder moved),
    none is made again: the note and the summary say so, never "re-embedding" or "up to date"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The bridge opens at dawn. Cars cross it slowly.\n\nThe river is wide. Boats pass.\n")
    model = tmp_path / "model"
    shutil.copytree(index_model, model)
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", docs, "-m", model, "--db", db, "--device", "cpu", "--vector-context", "0")
    assert code == 0, err
    model.rename(tmp_path / "moved")
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--vector-context", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["vectors_dropped"] == 4 and report["encoded"] == {} and report["context_window"] == 1
    said = " ".join(" ".join(str(w) for w in report["warnings"]).split())
    assert "dropping all 4 vectors of 1 model; none is embedded again" in said and "re-embedding" not in said, said
    (tmp_path / "moved").rename(model)  # back: the next switch loads it and re-embeds
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--vector-context", "0")
    assert code == 0 and "up to date" not in out and "re-embedding all 0 vectors" not in err, out + err
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--vector-context", "1")
    said = " ".join((out + err).split())
    assert code == 0 and "re-embedding all 4 vectors of 1 model" in said and "encoded: " in said, said
    model.rename(tmp_path / "moved")
    code, out, err = run_cli("index", "--db", db, "--device", "cpu", "--vector-context", "0")
    said = " ".join(out.split())
    assert code == 0 and said.startswith("4 vectors dropped for --vector-context 0 and none made again"), said


def test_after_an_interrupted_switch_a_run_that_would_not_read_plain_text_of_no_recorded_shape_is_refused(
        tmp_path, store, index_model, oracle):
    """A switch interrupted before it read an upgraded index's plain text left the setting at 1
    and the shape unknown; a later `index SUBSET` then embedded that text's old windows, and the
    next full run embedded it again. Refused as the switch's own run is, until the file is read
    or its folder is gone (a drive not mounted: read once it is back)."""
    docs, notes = prose_and_notes_of_no_recorded_shape(tmp_path, store, index_model, context=1)  # not read yet
    (notes / "two.md").write_text("Another sentence there.\n")
    with pytest.raises(SimsearchError, match=r"1 plain-text file .*simsearch index --vector-context 1"):
        run(store, [notes], index_model, context=None)
    assert not store.conn.execute("SELECT 1 FROM documents WHERE path LIKE '%two.md'").fetchone()
    moved = tmp_path / "unmounted"
    docs.rename(moved)
    run(store, [notes], index_model, context=None)  # its folder is gone: nothing to read, nothing refused
    moved.rename(docs)
    report = run(store, [docs, notes], index_model, context=None)
    assert store.shape_unknown() == set() and report.reextracted == 0
    check_against_oracle(store, oracle)


@pytest.mark.parametrize("context", [0, 1])
def test_an_index_of_schema_15_embeds_its_documents_names_at_the_next_run(tmp_path, index_model, oracle, context,
                                                                         monkeypatch):
    """An index made before m0016 (context vectors without the document's name): opening it gives
    every sentence of a named document its new key and drops its vectors, for every model, and
    disowns the HNSW files; a document whose name has no letter keeps both. The next run embeds
    exactly the dropped ones, as the oracle says. An index of sentence vectors is unchanged."""
    from simsearch import ann, migrations
    from simsearch.store import contexts_of

    monkeypatch.setattr(ann, "EXACT_BELOW", 0)  # an HNSW file, to be disowned
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "2024-05-01.md").write_text("Rain all day. The cellar took water. We moved the boxes upstairs.\n")
    (docs / "list.txt").write_text(LINES)
    db = tmp_path / "old.db"
    store = Store.open(db)
    run(store, [docs], index_model, context=context)
    before = {(Path(r[0]).name, r[1]): (r[3], r[4]) for r in rows(store)}
    # As schema 15 wrote it: keys of the window alone
    for document_id, path in store.conn.execute("SELECT id, path FROM documents").fetchall():
        ids_texts = store.conn.execute("SELECT id, text, line FROM sentences WHERE document_id = ? ORDER BY ordinal",
                                       (document_id,)).fetchall()
        shape = store.conn.execute("SELECT lines_are_sentences, lines_are_blocks FROM documents WHERE id = ?",
                                   (document_id,)).fetchone()
        unnamed = contexts_of([t for _, t, _ in ids_texts], [line for *_, line in ids_texts], context,
                              bool(shape[0]), bool(shape[1]), "/x/0.txt")  # a name without a letter: no name
        store.conn.executemany("UPDATE sentences SET context = ? WHERE id = ?",
                               [(key, i) for (i, _, _), key in zip(ids_texts, unnamed)])
    store.conn.execute(f"DELETE FROM {migrations.TABLE} WHERE name = '0016_document_names'")
    model = store.models()[0]
    built = store.conn.execute("SELECT ann_generation FROM models WHERE id = ?", (model.id,)).fetchone()[0]
    assert built is not None
    store.close()

    upgraded = Store.open(db)
    after = {(Path(r[0]).name, r[1]): (r[3], r[4]) for r in rows(upgraded)}
    assert after.keys() == before.keys()
    for (name, ordinal), (key, vector) in after.items():
        dropped = context == 1 and name == "flood.txt"
        assert (vector is None) == dropped, (name, ordinal)
        assert key == before[(name, ordinal)][0]  # the key a new index writes (``before``: made by this version)
        if not dropped:
            np.testing.assert_array_equal(vector, before[(name, ordinal)][1])
    generation = upgraded.conn.execute("SELECT ann_generation FROM models WHERE id = ?", (model.id,)).fetchone()[0]
    assert generation == (None if context else built)
    # Search and index say why vectors are missing, until a run has made them again
    from simsearch.search import Searcher

    assert upgraded.names_upgrade_dropped() == (4 if context else 0)
    said = Searcher.open(upgraded, str(index_model)).missing_message()
    assert (said is not None and "embed each file's name" in said) == bool(context), said
    report = run(upgraded, [docs], index_model)
    assert encoded(report) == (4 if context else 0) and report.unchanged == 3
    upgrade_notes = [w for w in report.warnings if "making its 4 vectors again" in w["reason"]]
    assert len(upgrade_notes) == (1 if context else 0), report.warnings
    assert upgraded.names_upgrade_dropped() == 0 and Searcher.open(upgraded, str(index_model)).missing_message() is None
    check_against_oracle(upgraded, oracle, per_line={"list.txt"}, window=context)
    upgraded.close()


@pytest.mark.parametrize("graph", [False, True], ids=["exact", "hnsw"])
def test_a_searcher_open_across_a_switch_searches_the_new_vectors(tmp_path, index_model, monkeypatch, graph):
    """A searcher that stays open (a TUI pane) while another connection switches --vector-context:
    the switch makes every vector again under the same sentence ids, with the same model, so
    matching its vectors in memory by id kept the old ones (context vectors scored, and in the
    graph, after the index held sentence vectors). It reads them all again."""
    from simsearch import ann
    from simsearch.search import Searcher

    monkeypatch.setattr(ann, "EXACT_BELOW", 0 if graph else 10_000)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "flood.txt").write_text(PROSE)
    (docs / "storm.txt").write_text("Wind tore the roof off the barn. The hens escaped into the field. Nobody was hurt.\n")
    db = tmp_path / "index.db"
    writer = Store.open(db)
    run(writer, [docs], index_model, context=1)
    reader = Searcher.open(Store.open(db, create=False, readonly=True), str(index_model), device="cpu")
    query = "the bridge under water"
    reader.search(query, 5, mode="dense")
    for context in (0, 1):
        run(writer, [docs], index_model, context=context)
        hits = [(h.sentence_id, h.score) for h in reader.search(query, 7, mode="dense")]
        fresh = Searcher.open(Store.open(db, create=False, readonly=True), str(index_model), device="cpu")
        assert hits == [(h.sentence_id, h.score) for h in fresh.search(query, 7, mode="dense")], context
        ids, stored = writer.vectors(writer.models()[0])
        index = reader.vectors
        if graph:
            assert index.hnsw is not None
            held = np.array(index.hnsw.get_items(ids.tolist()), dtype=np.float32)
        else:
            assert index.hnsw is None and index.flat[0].tolist() == ids.tolist()
            held = index.flat[1]
        np.testing.assert_allclose(held / np.linalg.norm(held, axis=1, keepdims=True), stored, atol=1e-6)
    writer.close()
