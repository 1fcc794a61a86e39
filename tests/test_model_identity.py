"""A model is its folder: the same spelling from another working directory is another model, and
weights read after the index's check must still be the ones it checked.

Oracle: exact cosine search over the index's sentences with the folder's own model, loaded
directly (``Encoder``), never through the index."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.search import Searcher
from simsearch.store import Store
from tests.tiny_bert import create_random_bert

QUERY = "where do the boats wait for the tide"


def make_model(folder: Path, seed: int) -> Path:
    return create_random_bert(folder, hidden_size=32, heads=2, layers=2, pooler="avg", seed=seed)


@pytest.fixture
def two_places(tmp_path):
    """docs/, and two folders d1/m and d2/m holding different models."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text("The boats wait in the harbour for the tide.\nGulls sit on the old pier.\n"
                                      "A ferry leaves at noon every day.\nThe fish market opens early.\n")
    (docs / "garden.txt").write_text("Tomatoes need sun and water.\nThe roses climb the south wall.\n")
    for place, seed in (("d1", 1), ("d2", 2)):
        make_model(tmp_path / place / "m", seed)
    return tmp_path


def exact_top(store: Store, model: Path, query: str, k: int = 3) -> list[str]:
    texts = [row[0] for row in store.conn.execute("SELECT DISTINCT text FROM sentences ORDER BY text")]
    encoder = Encoder.load(str(model), device="cpu", precision="fp32")
    vectors = encoder.encode(texts, normalize=True, progress=False)
    scores = vectors @ encoder.encode([query], normalize=True, progress=False)[0]
    return [texts[i] for i in np.argsort(-scores, kind="stable")[:k]]


def test_a_relative_model_name_from_another_folder_is_another_model(two_places, run_cli, monkeypatch):
    db = two_places / "idx.db"
    monkeypatch.chdir(two_places / "d1")
    code, _, err = run_cli("index", two_places / "docs", "-m", "./m", "--db", db, "--precision", "fp32",
                           "--device", "cpu")
    assert code == 0, err
    monkeypatch.chdir(two_places / "d2")
    # d2's ./m is not in the index: refused, naming both folders (was: d1's vectors served as d2's model)
    code, out, err = run_cli("search", QUERY, "-m", "./m", "--db", db, "--mode", "dense", "--json")
    assert code == 2 and out == ""
    assert str(two_places / "d2" / "m") in err and str(two_places / "d1" / "m") in err
    # indexing it adds a model (was: d1's vectors deleted and the row pointed at d2's folder)
    code, _, err = run_cli("index", "-m", "./m", "--db", db, "--device", "cpu")
    assert code == 0, err
    with closing(Store.open(db)) as store:
        rows = {row.path: store.count_vectors(row.id) for row in store.models()}
        assert rows == {str(two_places / "d1" / "m"): 6, str(two_places / "d2" / "m"): 6}
        expected = {place: exact_top(store, two_places / place / "m", QUERY) for place in ("d1", "d2")}
    assert expected["d1"] != expected["d2"]  # the two models disagree, so a mix-up would show
    for place in ("d2", "d1"):
        monkeypatch.chdir(two_places / place)
        code, out, err = run_cli("search", QUERY, "-m", "./m", "--db", db, "--mode", "dense", "-k", "3", "--json",
                                 "--context", "0")
        assert code == 0, err
        assert [json.loads(line)["text"] for line in out.splitlines()] == expected[place]
    # forget ./m from d1 removes d1's model only
    code, _, err = run_cli("forget", "--model", "./m", "--db", db)
    assert code == 0, err
    with closing(Store.open(db)) as store:
        assert [row.path for row in store.models()] == [str(two_places / "d2" / "m")]


def test_an_index_from_before_keeps_its_relative_name_where_it_means_its_folder(two_places, run_cli, monkeypatch):
    """Rows named './m' by earlier versions: found from their folder, refused from another."""
    db = two_places / "idx.db"
    monkeypatch.chdir(two_places / "d1")
    assert run_cli("index", two_places / "docs", "-m", "./m", "--db", db, "--device", "cpu")[0] == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE models SET name = './m' WHERE path = ?", (str(two_places / "d1" / "m"),))
    code, out, err = run_cli("search", QUERY, "-m", "./m", "--db", db, "--json")
    assert code == 0, err
    monkeypatch.chdir(two_places / "d2")
    code, _, err = run_cli("search", QUERY, "-m", "./m", "--db", db, "--json")
    assert code == 2 and "d1/m" in err
    code, _, err = run_cli("forget", "--model", "./m", "--db", db)
    assert code == 2  # never forgets d1's model for a name that means d2's here
    code, _, err = run_cli("index", "-m", "./m", "--db", db, "--device", "cpu")
    assert code == 0, err  # d2's model is added beside it, not written over it
    with closing(Store.open(db)) as store:
        assert [(row.name, row.path, store.count_vectors(row.id)) for row in store.models()] == [
            ("./m", str(two_places / "d1" / "m"), 6), (str(two_places / "d2" / "m"), str(two_places / "d2" / "m"), 6)]


def test_a_model_retrained_after_the_searcher_opened_is_refused_not_mixed(two_places):
    model = two_places / "d1" / "m"
    with closing(Store.open(two_places / "idx.db")) as store:
        index(store, [two_places / "docs"], [str(model)], progress=False, precision="fp32", device="cpu")
        searcher = Searcher.open(store, str(model), device="cpu")  # checks the folder; weights come later
        make_model(model, seed=7)  # retrained in place before the first query
        with pytest.raises(SimsearchError, match="changed since it was indexed"):
            searcher.search(QUERY, 3, mode="dense")


def test_a_model_retrained_while_index_reads_documents_stores_no_vector_of_it(two_places, monkeypatch):
    model = two_places / "d1" / "m"
    real_load = Encoder.load

    def retrain_first(ref, **kwargs):  # the retrain lands after the rows were registered
        make_model(model, seed=7)
        return real_load(ref, **kwargs)

    with closing(Store.open(two_places / "idx.db")) as store:
        monkeypatch.setattr(Encoder, "load", retrain_first)
        with pytest.raises(SimsearchError, match="changed while this run was indexing"):
            index(store, [two_places / "docs"], [str(model)], progress=False, precision="fp32", device="cpu")
        monkeypatch.setattr(Encoder, "load", real_load)
        [row] = store.models()
        assert store.count_vectors(row.id) == 0
        index(store, [two_places / "docs"], [str(model)], progress=False, precision="fp32", device="cpu")
        searcher = Searcher.open(store, str(model), device="cpu")
        hits = [hit.text for hit in searcher.search(QUERY, 3, mode="dense", context=0)]
        assert hits == exact_top(store, model, QUERY)  # the new weights, with vectors of the new weights
    assert indexer.folder_named("minilm") is None


def test_a_pooler_chosen_at_index_time_stays_until_the_model_itself_changes(two_places):
    model = two_places / "d1" / "m"  # its simsearch.json says avg
    warnings = []

    def run(models=None, pooler=None):
        return index(store, [two_places / "docs"], models, pooler=pooler, progress=False,
                     precision="fp32", device="cpu", on_warning=lambda path, reason: warnings.append(reason))

    with closing(Store.open(two_places / "idx.db")) as store:
        run([str(model)], pooler="cls_before_pooler")
        [said] = warnings  # (session 50: the model's own pooler, which --pooler overrides, is said)
        assert "its own files pool with avg" in said
        warnings.clear()
        [row] = store.models()
        before = store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall()
        run()  # a plain refresh (was: "changed since it was indexed", everything re-embedded with avg)
        run([str(model)])  # the model named again, without --pooler
        assert [r.pooler for r in store.models()] == ["cls_before_pooler"] and not warnings
        assert store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall() == before
        make_model(model, seed=5)  # retrained: its own pooler (avg) again
        run()
        assert [r.pooler for r in store.models()] == ["avg"] and any("changed" in w for w in warnings)


def test_every_spelling_of_one_folder_is_one_model(two_places, run_cli, monkeypatch):
    """'../d1/m' from d2, './m' from d1 and a symlink to it: one model, one set of vectors."""
    db = two_places / "idx.db"
    (two_places / "link").symlink_to(two_places / "d1" / "m")
    monkeypatch.chdir(two_places / "d2")
    assert run_cli("index", two_places / "docs", "-m", "../d1/m", "--db", db, "--device", "cpu")[0] == 0
    monkeypatch.chdir(two_places / "d1")
    for spelling in ("./m", str(two_places / "link"), "../d1/./m"):
        code, _, err = run_cli("index", "-m", spelling, "--db", db, "--device", "cpu", "--json")
        assert code == 0, err
        code, out, err = run_cli("search", QUERY, "-m", spelling, "--db", db, "--json", "-k", "1")
        assert code == 0, err
    with closing(Store.open(db)) as store:
        assert [(row.path, store.count_vectors(row.id)) for row in store.models()] == [(str(two_places / "d1" / "m"), 6)]
    assert run_cli("forget", "--model", "./m", "--db", db)[0] == 0


def test_a_moved_model_folder_keeps_its_vectors_and_a_copy_is_another_model(two_places, run_cli, monkeypatch):
    db = two_places / "idx.db"
    monkeypatch.chdir(two_places)
    assert run_cli("index", "docs", "-m", "d1/m", "--db", db, "--device", "cpu")[0] == 0
    with closing(Store.open(db)) as store:
        before = store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall()
    (two_places / "d1" / "m").rename(two_places / "moved")
    code, _, err = run_cli("search", QUERY, "--db", db, "--json")
    assert code == 2 and "moved?" in err and "--model NEW_FOLDER" in err
    code, _, err = run_cli("index", "-m", "moved", "--db", db, "--device", "cpu")
    assert code == 0 and "was moved from" in err, err
    with closing(Store.open(db)) as store:
        [row] = store.models()
        assert row.path == str(two_places / "moved")
        assert store.conn.execute("SELECT sentence_id, embedding FROM vectors ORDER BY sentence_id").fetchall() == before
        expected = exact_top(store, two_places / "moved", QUERY)
    code, out, err = run_cli("search", QUERY, "-m", "moved", "--db", db, "--mode", "dense", "-k", "3", "--json",
                             "--context", "0")
    assert code == 0 and [json.loads(line)["text"] for line in out.splitlines()] == expected
    shutil.copytree(two_places / "moved", two_places / "copy")  # the original is still there: another model
    assert run_cli("index", "-m", "copy", "--db", db, "--device", "cpu")[0] == 0
    with closing(Store.open(db)) as store:
        assert sorted(row.path for row in store.models()) == [str(two_places / "copy"), str(two_places / "moved")]


def test_one_folder_spelled_several_ways_in_one_run_is_one_model(tmp_path, monkeypatch):
    model = make_model(tmp_path / "m", seed=5)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The first sentence is here. The second one follows it.\n")
    monkeypatch.chdir(tmp_path)
    with closing(Store.open(tmp_path / "i.db")) as store:
        report = index(store, [docs], [str(model), "m", "./m/"], device="cpu", progress=False)
        [row] = store.models()
        assert report.encoded == {row.name: 2} and store.count_vectors(row.id) == 2
        for spelling in ("m", "./m/", str(model)):  # each spelling finds that one model
            assert Searcher.open(store, spelling).search("The second one follows it.", 1)[0].text == "The second one follows it."
        # Retrained behind its name: re-embedded once, said once, however many spellings.
        shutil.rmtree(model)
        make_model(model, seed=6)
        warnings = []
        report = index(store, [docs], ["m", "./m/", str(model)], device="cpu", progress=False,
                       on_warning=lambda path, reason: warnings.append(reason))
        assert [w for w in warnings if "changed since it was indexed" in w] == ["the model changed since it was indexed; re-embedding"]
        assert report.encoded == {row.name: 2} and len(store.models()) == 1
        warnings.clear()
        report = index(store, [docs], ["m", "./m/"], device="cpu", progress=False, precision="fp32",
                       on_warning=lambda path, reason: warnings.append(reason))
        assert [w for w in warnings if "vectors were made at" in w] == [
            f"the model: its 2 vectors were made at {row.precision}; re-embedding all of them at fp32 (--precision fp32)"] \
            or row.precision == "fp32"


def test_an_indexed_model_whose_folder_is_gone_is_skipped_with_one_warning(tmp_path, monkeypatch, run_cli):
    model = make_model(tmp_path / "m", seed=7)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The first sentence is here. The second one follows it.\n")
    monkeypatch.chdir(tmp_path)
    assert run_cli("index", docs, "--db", "i.db", "-m", "./m")[0] == 0
    shutil.rmtree(model)
    (docs / "b.txt").write_text("A new file arrives. It has two sentences.\n")
    code, out, err = run_cli("index", docs, "--db", "i.db")
    assert code == 0, err
    [line] = [w for w in err.splitlines() if "cannot be loaded" in w]
    assert line.count("./m") + line.count(str(model)) >= 1 and "model './m'" not in line.split("cannot be loaded")[0]
    assert "skipped, its vectors stay in the index" in line
    assert "encoded: nothing (no model could be loaded)" in " ".join(out.split())
