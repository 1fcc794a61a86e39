"""Trust after a retrain: whatever the user did to a model's folder between `index` and `search`,
`search -m NAME` answers with NAME's current weights or refuses.

Oracle: exact cosine search over the index's sentences with the folder's own model, loaded
directly (``Encoder``), never through the index."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from simsearch.encoder import Encoder
from simsearch.store import Store

from .test_model_identity import QUERY, exact_top, make_model


@pytest.fixture
def notes(tmp_path, monkeypatch):
    """docs/ and an empty models folder ($SIMSEARCH_MODELS), the working directory elsewhere."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.txt").write_text("The boats wait in the harbour for the tide.\nGulls sit on the old pier.\n"
                                      "A ferry leaves at noon every day.\nThe fish market opens early.\n")
    (docs / "garden.txt").write_text("Tomatoes need sun and water.\nThe roses climb the south wall.\n")
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    (tmp_path / "models").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return tmp_path


def exact_top6(db: Path, model: Path, query: str) -> list[str]:
    with closing(Store.open(db)) as store:
        return exact_top(store, model, query, k=6)


def searched(run_cli, db: Path, model: str) -> tuple[int, list[str], str]:
    code, out, err = run_cli("search", QUERY, "-m", model, "--db", db, "--mode", "dense", "-k", "6", "--json",
                             "--context", "0")
    return code, [json.loads(line)["text"] for line in out.splitlines()], err


def test_a_trained_model_renamed_and_found_again_answers_by_its_new_name_only(notes, run_cli):
    """Keep the old model, train a new one under the old name: `mv models/a models/a-v1`, `index -m a-v1` (as
    search advised: its vectors are kept), then a new `a`. `search -m a` answered with a-v1's vectors, as
    "a", without a word, and `index -m a` refused to add the new `a` (the row was still named `a`)."""
    db = notes / "idx.db"
    models = notes / "models"
    make_model(models / "a", seed=1)
    assert run_cli("index", notes / "docs", "-m", "a", "--db", db, "--device", "cpu", "--precision", "fp32")[0] == 0
    (models / "a").rename(models / "a-v1")
    code, _, err = run_cli("index", "-m", "a-v1", "--db", db, "--device", "cpu")
    assert code == 0 and "was moved from" in err, err
    make_model(models / "a", seed=2)  # the retrain, under the old name
    expected = {name: exact_top6(db, models / name, QUERY) for name in ("a", "a-v1")}
    assert expected["a"] != expected["a-v1"]  # the two models disagree, so a mix-up would show
    code, texts, err = searched(run_cli, db, "a")
    assert code == 2 and texts == [] and "not in the index" in err, (texts, err)  # not a-v1's answer under a's name
    code, _, err = run_cli("index", "-m", "a", "--db", db, "--device", "cpu")
    assert code == 0, err
    for name in ("a", "a-v1"):
        code, texts, err = searched(run_cli, db, name)
        assert code == 0 and texts == expected[name], (name, err)
    with closing(Store.open(db)) as store:
        assert sorted((row.name, row.path, store.count_vectors(row.id)) for row in store.models()) == [
            ("a", str(models / "a"), 6), ("a-v1", str(models / "a-v1"), 6)]


@pytest.mark.parametrize("meanwhile", ["retrained", "forgotten"])
def test_a_second_writer_let_in_by_a_deleted_lock_file_never_mixes_a_models_vectors(notes, monkeypatch, meanwhile):
    """`rm index.db.lock` (taken for a stale lock, as git users do) while `index` embeds lets a second
    `index` in. When that one re-embedded the model (retrained behind its name) or forgot it, the first
    went on storing vectors of the old weights: the model's vectors were two models' under one
    fingerprint (or vectors of no model), and search served them as the new model's."""
    from simsearch.errors import SimsearchError
    from simsearch.indexer import forget_models, index

    db, docs, model = notes / "idx.db", notes / "docs", notes / "elsewhere" / "m"
    make_model(model, seed=1)
    with closing(Store.open(db)) as store:
        index(store, [docs], [str(model)], device="cpu", precision="fp32", progress=False)
    (docs / "new.txt").write_text("The tide turns at six tonight.\nThe harbour master rings the bell.\n")
    real = Encoder.encode_batches

    def second_writer_first(self, texts, **kwargs):
        monkeypatch.setattr(Encoder, "encode_batches", real)
        Path(f"{db}.lock").unlink()
        with closing(Store.open(db)) as other:
            if meanwhile == "retrained":
                shutil.rmtree(model)
                make_model(model, seed=2)
                index(other, [], [str(model)], device="cpu", precision="fp32", progress=False)
            else:
                forget_models(other, [str(model)])
        yield from real(self, texts, **kwargs)

    monkeypatch.setattr(Encoder, "encode_batches", second_writer_first)
    with closing(Store.open(db)) as store:
        with pytest.raises(SimsearchError, match="another `simsearch index`"):
            index(store, [docs], None, device="cpu", progress=False)
        rows = store.models()
        stored = store.conn.execute("SELECT s.text, v.embedding, v.model_id FROM vectors v "
                                    "JOIN sentences s ON s.id = v.sentence_id").fetchall()
    if meanwhile == "forgotten":
        assert rows == [] and stored == []
        return
    encoder = Encoder.load(str(model), device="cpu", precision="fp32")  # the weights the row's fingerprint is of
    texts = [text for text, _, _ in stored]
    expected = encoder.encode(texts, normalize=True, progress=False)
    got = np.stack([np.frombuffer(blob, dtype="<f4") for _, blob, _ in stored])
    assert np.abs(got - expected).max() < 1e-4, [t for t, g, e in zip(texts, got, expected) if np.abs(g - e).max() >= 1e-4]


def test_a_raw_bert_named_by_another_spelling_of_its_folder_keeps_its_recorded_pooler(notes, run_cli, monkeypatch):
    """A raw BERT indexed with `-m /abs/raw --pooler cls_before_pooler`; later `index docs -m raw` from its
    parent folder (the same folder, spelled as `search` accepts it). The index records the pooler and keeps
    it while the files are unchanged (README), and `search -m raw` answered; but `index -m raw` stopped with
    "does not say how to pool its token states; pass --pooler", and a user who then passed another pooler
    had every vector re-embedded under a note that the model "changed since it was indexed"."""
    db = notes / "idx.db"
    raw = make_model(notes / "bert" / "raw", seed=3)
    (raw / "simsearch.json").unlink()  # a raw BERT: says nothing of pooling
    code, _, err = run_cli("index", notes / "docs", "-m", raw, "--pooler", "cls_before_pooler", "--db", db,
                           "--device", "cpu", "--precision", "fp32")
    assert code == 0, err
    monkeypatch.chdir(notes / "bert")
    for spelling in ("raw", "./raw", "../bert/raw/"):
        code, out, err = run_cli("index", notes / "docs", "-m", spelling, "--db", db, "--device", "cpu", "--json")
        assert code == 0 and "pass --pooler" not in err, (spelling, err)
        assert json.loads(out)["encoded"] == {str(raw): 0}, (spelling, out)  # its vectors kept: nothing re-embedded
        with closing(Store.open(db)) as store:
            assert [(row.path, row.pooler, store.count_vectors(row.id)) for row in store.models()] == [
                (str(raw), "cls_before_pooler", 6)], spelling


def test_another_pooler_asked_for_is_said_as_such_not_as_a_changed_model(notes, run_cli):
    """`index -m raw --pooler avg` over the same files indexed with cls_before_pooler re-embeds, as asked,
    but said "the model changed since it was indexed; re-embedding": read as a folder altered behind the
    user's back. It now says what changed: the pooler, and how many vectors are made again."""
    db = notes / "idx.db"
    raw = make_model(notes / "raw", seed=3)
    (raw / "simsearch.json").unlink()
    for pooler in ("cls_before_pooler", "avg"):
        code, _, err = run_cli("index", notes / "docs", "-m", raw, "--pooler", pooler, "--db", db,
                               "--device", "cpu", "--precision", "fp32")
        assert code == 0, err
    assert "changed since it was indexed" not in err, err
    assert "its 6 vectors were made with pooler cls_before_pooler; re-embedding all of them with avg" in err, err
    with closing(Store.open(db)) as store:
        assert [(row.pooler, store.count_vectors(row.id)) for row in store.models()] == [("avg", 6)]
    make_model(raw, seed=4)  # retrained (and now says avg itself): a changed model, said so
    (raw / "simsearch.json").unlink()
    code, _, err = run_cli("index", "-m", raw, "--pooler", "cls_before_pooler", "--db", db, "--device", "cpu")
    assert code == 0 and "changed since it was indexed; re-embedding" in err, err
