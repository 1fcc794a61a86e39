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
