"""Precision in the index: each model's vectors are all of one recorded precision, a change
re-embeds them all, queries must match it, and `eval sts` reports fp32 unless told otherwise."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.indexer import index
from simsearch.precision import resolve
from simsearch.store import Store, from_blobs, query_precision


def write_notes(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i, topic in enumerate(["tea", "rain", "moss", "kites", "chess", "sailing"]):
        (root / f"{i}-{topic}.md").write_text(
            f"# About {topic}\n\nA first remark on {topic} number {i}.\n\nA second, longer remark about {topic} "
            f"and what people say of it.\n")
    return root


def stored(store: Store, name: str) -> dict[str, np.ndarray]:
    """text -> stored vector of the model."""
    row = store.model(name)
    rows = store.conn.execute("SELECT s.text, v.embedding FROM vectors v JOIN sentences s ON s.id = v.sentence_id "
                              "WHERE v.model_id = ?", (row.id,)).fetchall()
    return {text: from_blobs([blob], row.dim)[0] for text, blob in rows}


def encoded(model: Path, texts, precision: str) -> dict[str, np.ndarray]:
    encoder = Encoder.load(str(model), device="cpu", precision=precision)
    texts = list(texts)
    return dict(zip(texts, encoder.encode(texts, normalize=True, progress=False)))


class EncoderLog:
    """Every vector an ``Encoder`` gave during the test, by text, with the precision it ran at.

    The oracle for "no mix": int8 activations are quantized per batch, so re-encoding a text
    alone need not give its stored int8 vector, and on a tiny random model int8, bf16 and fp32
    differ by ~1e-4. What the index stored must instead be, bit for bit, what an encoder at
    the recorded precision gave for that text."""

    def __init__(self, monkeypatch):
        self.outputs: list[tuple[str, str, np.ndarray]] = []
        real = Encoder.encode_batches

        def encode_batches(encoder, sentences, *args, **kwargs):
            for positions, vectors in real(encoder, sentences, *args, **kwargs):
                self.outputs += [(encoder.precision, sentences[places[0]], vector.copy())
                                 for places, vector in zip(positions, vectors)]
                yield positions, vectors

        monkeypatch.setattr(Encoder, "encode_batches", encode_batches)

    def mark(self) -> int:
        return len(self.outputs)

    def assert_all_made_at(self, store: Store, model: Path, precision: str, since: int = 0) -> None:
        """The model's recorded precision is ``precision`` and each of its vectors is an output
        of an encoder at that precision (encoded after ``since``)."""
        row = store.model(str(model))
        assert row.precision == precision
        vectors = stored(store, str(model))
        assert vectors, "no vectors to check"
        for text, vector in vectors.items():
            made = [p for p, t, v in self.outputs[since:] if t == text and np.array_equal(v.astype("<f4"), vector)]
            assert made and set(made) == {precision}, (text, made)


@pytest.fixture
def log(monkeypatch):
    return EncoderLog(monkeypatch)


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


def test_precision_is_recorded_and_a_change_reembeds_every_vector(store, tmp_path, index_model, log):
    docs = write_notes(tmp_path / "docs")
    name = str(index_model)
    first = index(store, [docs], [name], device="cpu", progress=False, precision="fp32")
    sentences = store.counts()["sentences"]
    assert first.encoded == {name: sentences} and first.precision == {name: "fp32"}
    log.assert_all_made_at(store, index_model, "fp32")
    fp32 = stored(store, name)
    generation = store.model(name).generation

    warnings = []
    since = log.mark()
    second = index(store, [docs], [name], device="cpu", progress=False, precision="int8",
                   on_warning=lambda path, reason: warnings.append(reason))
    assert second.encoded == {name: sentences} and second.precision == {name: "int8"}  # all, not only new ones
    assert store.count_vectors(store.model(name).id) == sentences
    assert store.model(name).generation > generation
    log.assert_all_made_at(store, index_model, "int8", since)
    int8 = stored(store, name)
    assert any(not np.allclose(int8[t], fp32[t], atol=1e-6) for t in fp32)  # int8 really is another encoding
    [line] = [w for w in warnings if "re-embedding" in w]
    assert f"{sentences:,} vectors were made at fp32" in line and "at int8" in line and "\n" not in line
    assert name not in line and line.startswith("the model:")  # the warning's path already names the folder

    # auto keeps what the model was indexed at: nothing re-embedded, still int8.
    generation = store.model(name).generation
    third = index(store, [docs], None, device="cpu", progress=False)
    assert third.encoded == {name: 0} and third.precision == {name: "int8"}
    assert store.model(name).generation == generation
    assert store.model(name).precision == "int8"
    # The same explicit precision again is not a change either.
    assert index(store, [docs], [name], device="cpu", progress=False, precision="int8").encoded == {name: 0}


def test_a_new_model_gets_auto_resolved_for_this_machine(store, tmp_path, index_model, log):
    docs = write_notes(tmp_path / "docs")
    index(store, [docs], [str(index_model)], device="cpu", progress=False)
    log.assert_all_made_at(store, index_model, resolve("auto", torch.device("cpu")))


def test_an_interrupted_reembedding_never_leaves_a_mix(store, tmp_path, index_model, monkeypatch, log):
    docs = write_notes(tmp_path / "docs")
    name = str(index_model)
    index(store, [docs], [name], device="cpu", progress=False, precision="fp32")
    since = log.mark()
    sentences = store.counts()["sentences"]
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 3)
    real = Store.add_vectors
    calls = []

    def add_then_die(self, model_id, ids, vectors):
        real(self, model_id, ids, vectors)
        calls.append(len(ids))
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Store, "add_vectors", add_then_die)
    with pytest.raises(Exception, match="interrupted"):
        index(store, [docs], [name], device="cpu", progress=False, precision="int8")
    monkeypatch.setattr(Store, "add_vectors", real)
    # Part of the model's vectors are there, and every one of them is int8, the recorded precision.
    kept = store.count_vectors(store.model(name).id)
    assert 0 < kept < sentences
    log.assert_all_made_at(store, index_model, "int8", since)
    # A plain run finishes the job at the recorded precision.
    resumed = index(store, [docs], None, device="cpu", progress=False)
    assert resumed.encoded == {name: sentences - kept}
    assert store.count_vectors(store.model(name).id) == sentences
    log.assert_all_made_at(store, index_model, "int8", since)


def test_query_precision_is_the_recorded_one_and_another_is_refused(store, tmp_path, index_model):
    docs = write_notes(tmp_path / "docs")
    index(store, [docs], [str(index_model)], device="cpu", progress=False, precision="int8")
    row = store.model(str(index_model))
    assert query_precision(row) == query_precision(row, "auto") == query_precision(row, "int8") == "int8"
    from simsearch.errors import SimsearchError

    for other in ("fp32", "bf16"):
        with pytest.raises(SimsearchError, match=f"indexed at int8.*--precision {other}|--precision {other}.*int8"):
            query_precision(row, other)


def test_cli_precision_mismatch_is_one_line_exit_2_and_status_shows_it(tmp_path, index_model, run_cli):
    docs = write_notes(tmp_path / "docs")
    db = tmp_path / "index.db"
    code, out, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu", "--precision", "int8",
                             "--json")
    assert code == 0, err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0 and [m["precision"] for m in json.loads(out)["models"]] == ["int8"]
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "tea", "relevant": [str(docs / "0-tea.md")]}) + "\n")
    for command in (["search", "tea"], ["eval", "retrieval", queries], ["tui"]):
        code, out, err = run_cli(*command, "--db", db, "-m" if command[0] != "tui" else "--left", index_model,
                                 "--device", "cpu", "--precision", "fp32")
        assert code == 2, (command, err)
        line = err.strip()
        assert "\n" not in line and "Traceback" not in err, err
        assert f"model {str(index_model)!r} was indexed at int8" in line and "--precision fp32" in line
    # The recorded precision, or auto, is accepted.
    for precision in ("int8", "auto"):
        code, out, err = run_cli("search", "tea", "--db", db, "-m", index_model, "--device", "cpu",
                                 "--precision", precision, "--json")
        assert code == 0 and out, err
    # A precision that is not one is a usage error listing the choices.
    code, out, err = run_cli("search", "tea", "--db", db, "--precision", "fp16")
    assert code == 2 and "expected one of auto, fp32, bf16, int8" in err


def test_eval_sts_reports_fp32_by_default_and_the_precision_asked(tiny_model, sts_fixture, run_cli):
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--device", "cpu", "--json")
    assert code == 0, err
    default = json.loads(out)
    assert default["protocol"]["precision"] == "fp32"
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--device", "cpu", "--json",
                             "--precision", "fp32")
    assert json.loads(out) == default  # the default run is the fp32 encoder: the same scores
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--device", "cpu", "--json",
                             "--precision", "int8")
    assert code == 0, err
    assert json.loads(out)["protocol"]["precision"] == "int8"
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--device", "cpu", "--split", "dev",
                             "--json")
    assert code == 0 and json.loads(out)["protocol"]["precision"] == "fp32"
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--device", "cpu")
    assert code == 0 and "encoder at fp32" in " ".join(out.split())  # the table says so too


def test_the_cli_choices_are_the_library_precisions():
    from simsearch import cli, precision

    assert [p.value for p in cli.Precision] == [p.value for p in precision.Precision] == ["auto", *precision.CONCRETE]


def test_a_warning_names_the_model_only_where_its_path_does_not():
    from simsearch.indexer import _model_named

    folder = str(Path(__file__).parent)
    assert _model_named(folder, folder) == "the model"
    assert _model_named(os.path.relpath(folder), folder) == "the model"  # './m' and its absolute path
    assert _model_named("minilm", "/somewhere/all-MiniLM-L6-v2") == "model 'minilm'"
