"""Model resolution: aliases, trained models, folders, pooling metadata, and clear errors."""

from __future__ import annotations

import json
import shutil

import pytest

from simsearch.errors import SimsearchError
from simsearch.models import embedded_model_path, list_models, resolve_model


def test_embedded_default_uses_its_own_mean_pooling():
    ref = resolve_model(None)
    assert (ref.name, ref.source, ref.pooler, ref.max_length) == ("minilm", "embedded", "avg", 256)
    assert resolve_model("all-MiniLM-L6-v2").path == embedded_model_path()


def test_trained_model_by_name(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path))
    shutil.copytree(tiny_model, tmp_path / "notes-simcse")
    (tmp_path / "broken").mkdir()  # not a model: skipped by the listing
    ref = resolve_model("notes-simcse")
    assert (ref.source, ref.pooler) == ("trained", "cls_before_pooler")
    assert [m.name for m in list_models()] == ["minilm", "notes-simcse"]


def test_pooling_comes_from_sentence_transformers_metadata(tmp_path, tiny_model):
    folder = tmp_path / "st"
    shutil.copytree(tiny_model, folder)
    (folder / "simsearch.json").unlink()
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert resolve_model(str(folder)).pooler == "cls_before_pooler"


def test_folder_without_pooling_needs_explicit_pooler(tmp_path, tiny_model):
    folder = tmp_path / "plain-bert-unsup"  # the name must not be used to guess anything
    shutil.copytree(tiny_model, folder)
    (folder / "simsearch.json").unlink()
    with pytest.raises(SimsearchError, match="does not say how to pool.*pass --pooler"):
        resolve_model(str(folder))
    assert resolve_model(str(folder), pooler="avg_top2").pooler == "avg_top2"
    with pytest.raises(SimsearchError, match="unknown --pooler 'max'"):
        resolve_model(str(folder), pooler="max")


def test_bad_names_and_folders(tmp_path):
    with pytest.raises(SimsearchError, match="is not a model folder"):
        resolve_model(str(tmp_path))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(SimsearchError, match="is a file, not a model folder"):
        resolve_model(str(tmp_path / "file.txt"))
    with pytest.raises(SimsearchError, match="unknown model 'no-such-model'"):
        resolve_model("no-such-model")  # HF_HUB_OFFLINE=1 in tests: fails without the network
    with pytest.raises(SimsearchError, match="not a Hugging Face id"):
        resolve_model("bad name with spaces")


def test_corrupt_metadata_is_reported(tmp_path, tiny_model):
    folder = tmp_path / "m"
    shutil.copytree(tiny_model, folder)
    (folder / "simsearch.json").write_text("{not json")
    with pytest.raises(SimsearchError, match="simsearch.json: not valid JSON"):
        resolve_model(str(folder))


# --- Found by session 43's trial E: the supervised training path (`train --sup`) and its input, tried
# as a user.

def test_a_roberta_like_models_positions_start_after_its_padding_id(tmp_path):
    """RoBERTa's 514 position embeddings hold 512 tokens (fairseq's positions start after
    pad_token_id 1): a --max-len of 513 or 514 was let through, to fail at the first step."""
    import json

    from simsearch.models import position_limit

    def limit(**config):
        (tmp_path / "config.json").write_text(json.dumps(config))
        return position_limit(tmp_path)

    assert limit(model_type="roberta", max_position_embeddings=514, pad_token_id=1) == 512
    assert limit(model_type="xlm-roberta", max_position_embeddings=514, pad_token_id=1) == 512
    assert limit(model_type="bert", max_position_embeddings=512, pad_token_id=0) == 512
    assert limit(model_type="roberta") is None
