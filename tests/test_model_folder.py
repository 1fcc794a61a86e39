"""A trained model folder is complete: sentence-transformers loads it with the same vectors, or refuses it
naming the pooler (never a silent mean pooling), and its README.md model card says how it was made."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from simsearch.encoder import Encoder
from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.train import train
from simsearch.train.report import heldout_digits
from tests.test_train import config, write_notes_and_triplets
from tests.test_train_recipe import write_documents

sentence_transformers = pytest.importorskip("sentence_transformers")

# Short and long sentences in one batch: padding must not leak into a pooled vector.
TEXTS = ["A man plays a guitar.", "Stocks fell.",
         "The old farmer repairs a red car in the kitchen while two kids watch the sunset over the small boat."]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_notes_and_triplets(tmp_path_factory.mktemp("folder"))


def card(folder) -> str:
    return (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("mode, pooler, inference", [
    ("unsup", "cls", "cls_before_pooler"),  # the paper's unsupervised model: the MLP head is dropped at test time
    ("unsup", "avg", "avg"),
    ("sup", "cls", "cls"),  # [CLS] through the MLP head: a Dense + tanh module
])
def test_sentence_transformers_gives_simsearchs_vectors(tmp_path, tiny_model, data, sts_fixture, mode, pooler, inference):
    out = tmp_path / "model"
    meta = train(config(data["notes" if mode == "unsup" else "triplets"], tiny_model, out, mode=mode, pooler=pooler,
                        max_steps=2, eval_data=sts_fixture))
    assert meta["pooler"] == inference and meta["sentence_transformers"] == {"loads": True, "why_not": None}
    ours = Encoder.load(str(out), device="cpu").encode(TEXTS)
    theirs = sentence_transformers.SentenceTransformer(str(out), device="cpu").encode(TEXTS)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    settings = json.loads((out / "config_sentence_transformers.json").read_text())
    assert settings["model_type"] == "SentenceTransformer" and settings["similarity_fn_name"] == "cosine"
    assert "library_name: sentence-transformers" in card(out) and f"SentenceTransformer({json.dumps(str(out))})" in card(out)


@pytest.mark.parametrize("pooler", ["avg_top2", "avg_first_last"])
def test_a_pooler_sentence_transformers_cannot_express_is_refused_by_name_not_mean_pooled(
        tmp_path, tiny_model, data, sts_fixture, run_cli, pooler):
    out = tmp_path / "model"
    code, _, err = run_cli("train", "--unsup", data["notes"], "-m", tiny_model, "--out", out, "--pooler", pooler,
                           "--batch-size", "8", "--max-steps", "2", "--data", sts_fixture, "--device", "cpu", "--json")
    assert code == 0, err
    assert f"sentence-transformers has no pooling for {pooler}" in err  # said when training ends
    with pytest.raises(ValueError, match=f"^Invalid pooling mode: .{pooler}: sentence-transformers has no pooling for {pooler} \\(the mean"):
        sentence_transformers.SentenceTransformer(str(out), device="cpu")
    meta = json.loads((out / METADATA_FILE).read_text())
    assert meta["sentence_transformers"]["loads"] is False and pooler in meta["sentence_transformers"]["why_not"]
    assert Encoder.load(str(out), device="cpu").encode(TEXTS).shape == (3, 32)  # simsearch still loads it
    assert "library_name: sentence-transformers" not in card(out)
    assert f"Not loadable: sentence-transformers has no pooling for {pooler}" in card(out)


def field(text: str, name: str) -> str:
    found = re.search(rf"^- {re.escape(name)}: (.*)$", text, re.MULTILINE)
    assert found, name
    return found.group(1)


def test_the_model_card_states_how_the_model_was_made(tmp_path, tiny_model, data, sts_fixture):
    out = tmp_path / "sup-model"
    meta = train(config(data["triplets"], tiny_model, out, mode="sup", pooler="cls", max_steps=3, eval_steps=2,
                        temp=0.07, hard_negative_weight=2.5, precision="fp32", eval_data=sts_fixture))
    text = card(out)
    assert field(text, "base model").startswith(f"`{meta['base_model']}`")
    assert field(text, "data").endswith(f"sha256 `{meta['data_sha256']}`") and len(meta["data_sha256"]) == 64
    assert field(text, "objective").startswith("supervised SimCSE (Eq. 5)")
    assert field(text, "temperature tau") == "0.07"
    assert field(text, "hard-negative weight alpha").startswith("2.5 (the weight of each anchor's own contradiction")
    assert field(text, "distillation towards the base model") == "none (the loss above alone)"
    assert field(text, "steps").startswith("3 of batch 8, lr 0.001")
    assert field(text, "training precision").startswith("fp32")
    assert field(text, "STS-B dev") == (f"{meta['best_dev_stsb']:.2f} (Spearman x 100, at step {meta['best_step']}); "
                                        f"the base model: {meta['base_dev_stsb']:.2f}")
    assert field(text, "held-out retrieval of the training documents' structure").startswith("not measured")
    assert f"simsearch search \"how do I ...\" --model {out}" in text


def test_the_model_card_of_an_ict_run_gives_its_held_out_figures(tmp_path, tiny_model, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here: held-out retrieval selects
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    docs = write_documents(tmp_path / "docs")
    meta = train(config(docs, tiny_model, tmp_path / "ict", max_steps=3, eval_steps=3, precision="bf16", distill=1.5))
    text, base, trained = card(tmp_path / "ict"), meta["heldout"]["base"], meta["heldout"]["trained"]
    assert field(text, "objective").startswith("inverse cloze task")
    assert field(text, "training precision").startswith("bf16")
    # (3 decimals, more when 3 would show a move on the wrong side of the noise: heldout_digits)
    hit, mrr = (heldout_digits(meta["heldout"], key) for key in ("hit@10", "mrr@10"))
    # 3 held-out documents: too few for any change to be beyond the noise of their questions,
    # which rise and fall by document: no noise printed, and the verdict says so.
    change = meta["heldout"]["change"]
    assert change["by"] == "document" and change["documents"] == meta["heldout"]["documents"] == 3
    assert field(text, "held-out retrieval of the training documents' structure") == (
        f"hit@10 {base['hit@10']:.{hit}f} -> {trained['hit@10']:.{hit}f}, MRR@10 {base['mrr@10']:.{mrr}f} -> "
        f"{trained['mrr@10']:.{mrr}f} (base -> this model; {meta['heldout']['documents']} held-out documents, "
        f"{trained['queries']} queries)")
    assert field(text, "verdict") == "too few documents to tell it from the base model on the held-out documents"
    assert field(text, "STS-B dev") == "not measured"
    assert field(text, "hard-negative weight alpha").startswith("1 (not used")
    assert field(text, "distillation towards the base model").startswith("weight 1.5 (")


def test_a_users_readme_in_out_is_never_replaced(tmp_path, tiny_model, data, sts_fixture):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "README.md").write_text("my notes about this folder")
    with pytest.raises(SimsearchError, match="exists and is not a simsearch model"):
        train(config(data["notes"], tiny_model, mine, max_steps=2, eval_data=sts_fixture))
    assert [p.name for p in mine.iterdir()] == ["README.md"] and (mine / "README.md").read_text() == "my notes about this folder"
