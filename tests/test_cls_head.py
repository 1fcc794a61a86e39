"""`--pooler cls` reads [CLS] through the model's MLP head; a folder without head weights would get
a random head at each load (transformers initialises missing weights), so nothing it embeds could
be reproduced: an index and a later search, or two runs of `eval sts`, would disagree. Refused."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from simsearch.encoder import Encoder
from simsearch.errors import SimsearchError
from simsearch.indexer import index
from simsearch.store import Store

from .tiny_bert import create_random_bert


@pytest.fixture(scope="module")
def headless(tmp_path_factory):
    """A tiny BERT whose weights file holds no ``pooler.*`` (as a model trained with avg pooling)."""
    folder = create_random_bert(tmp_path_factory.mktemp("headless") / "m", hidden_size=32, heads=2, layers=1, seed=3)
    weights = load_file(folder / "model.safetensors")
    dropped = [key for key in weights if key.startswith("pooler.")]
    assert dropped  # the model had a head, so the test removes something
    save_file({k: v for k, v in weights.items() if k not in dropped}, folder / "model.safetensors", metadata={"format": "pt"})
    return folder


def test_cls_without_head_weights_is_refused_on_load(headless):
    with pytest.raises(SimsearchError, match="--pooler cls: .* no weights for the MLP head"):
        Encoder.load(str(headless), pooler="cls", device="cpu")
    Encoder.load(str(headless), pooler="cls_before_pooler", device="cpu")  # the raw [CLS] needs no head


def test_cls_with_head_weights_embeds_alike_at_every_load(tmp_path):
    folder = create_random_bert(tmp_path / "m", hidden_size=32, heads=2, layers=1, seed=3)
    sentences = ["The head is part of the model.", "A second sentence."]
    first, second = (Encoder.load(str(folder), pooler="cls", device="cpu").encode(sentences, progress=False) for _ in range(2))
    assert np.array_equal(first, second)


def test_index_refuses_cls_without_head_before_writing(headless, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("One sentence about cats. Another about dogs.\n")
    store = Store.open(tmp_path / "i.db")
    try:
        with pytest.raises(SimsearchError, match="MLP head"):
            index(store, [docs], [str(headless)], pooler="cls", device="cpu", progress=False)
        assert store.counts()["sentences"] == 0 and store.models() == []
        # The same folder with the raw [CLS] state indexes.
        shutil.copytree(headless, tmp_path / "copy")
        index(store, [docs], [str(tmp_path / "copy")], pooler="cls_before_pooler", device="cpu", progress=False)
        assert store.counts()["sentences"] == 2
    finally:
        store.close()


def test_head_in_folder_reads_the_key_names_without_loading(tmp_path, headless):
    import torch
    from transformers import BertConfig, BertForMaskedLM, BertForPreTraining

    from simsearch.encoder import head_in_folder

    config = BertConfig(vocab_size=128, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    torch.manual_seed(0)
    BertForPreTraining(config).save_pretrained(tmp_path / "pretraining")  # bert.pooler.dense.* present
    from transformers import AutoTokenizer

    from simsearch.models import embedded_model_path

    AutoTokenizer.from_pretrained(embedded_model_path()).save_pretrained(tmp_path / "pretraining")
    BertForMaskedLM(config).save_pretrained(tmp_path / "mlm")  # bert.* without a pooler
    BertForMaskedLM(config).save_pretrained(tmp_path / "bin", safe_serialization=False)
    create_random_bert(tmp_path / "own", hidden_size=32, heads=2, layers=1, seed=3)  # a BertModel's own layout
    assert head_in_folder(tmp_path / "own") is True
    assert head_in_folder(tmp_path / "mlm") is False and head_in_folder(headless) is False
    # Only a load can tell (check_head_in_folder loads these): a prefix the load may or may not
    # strip (bert. is stripped, model. is not), a .bin.
    assert head_in_folder(tmp_path / "pretraining") is None and head_in_folder(tmp_path / "bin") is None
    from safetensors.torch import load_file, save_file

    from simsearch.encoder import check_head_in_folder
    from simsearch.models import resolve_model

    weights = load_file(tmp_path / "own" / "model.safetensors")
    assert not [k for k in weights if k.startswith("model.")]
    save_file({f"model.{k}": v for k, v in weights.items()}, tmp_path / "own" / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(SimsearchError, match="MLP head"):  # model.* is not stripped: the load's head is random
        check_head_in_folder(resolve_model(str(tmp_path / "own"), "cls"))
    check_head_in_folder(resolve_model(str(tmp_path / "pretraining"), "cls"))  # bert.pooler.* is the head


def test_distill_from_a_base_without_head_weights_uses_its_raw_cls_state(headless):
    """The teacher is the base as it is: with no head weights, the [CLS] state the head would read
    (a random head would make the teacher noise, and another noise at each load)."""
    import dataclasses

    import torch

    from simsearch import train as train_module
    from simsearch.models import resolve_model

    base = dataclasses.replace(resolve_model(str(headless), "cls"), max_length=32)
    rows = [("A first sentence about ships.",), ("A second one, about trains.",)]
    teacher = train_module._teacher_embeddings(base, rows, 32, torch.device("cpu"), "fp32")
    raw = Encoder.load(str(headless), pooler="cls_before_pooler", device="cpu").encode([r[0] for r in rows], progress=False)
    assert np.allclose(teacher[0].numpy(), raw, atol=1e-6)


def test_a_folder_transformers_cannot_load_is_one_line_not_a_traceback(tmp_path):
    """A folder without a tokenizer (transformers raises TypeError) or with damaged weights
    (SafetensorError) is the user's folder's fault: a SimsearchError naming it."""
    no_tokenizer = create_random_bert(tmp_path / "nt", hidden_size=32, heads=2, layers=1, seed=1)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (no_tokenizer / name).unlink(missing_ok=True)
    damaged = create_random_bert(tmp_path / "dw", hidden_size=32, heads=2, layers=1, seed=1)
    (damaged / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    for folder in (no_tokenizer, damaged):
        with pytest.raises(SimsearchError, match=f"cannot load a model from {folder}"):
            Encoder.load(str(folder), device="cpu")
