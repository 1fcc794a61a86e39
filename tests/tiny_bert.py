"""Tiny randomly initialised BERT models for the tests (a test helper, not part of the package)."""

from __future__ import annotations

import json
from pathlib import Path

from simsearch.models import METADATA_FILE, embedded_model_path


def create_random_bert(
    folder: Path,
    *,
    hidden_size: int = 128,
    layers: int = 2,
    heads: int = 2,
    intermediate_size: int | None = None,
    pooler: str = "cls_before_pooler",
    seed: int = 0,
) -> Path:
    """Write a randomly initialised BERT with the embedded model's (uncased) tokenizer.

    The same seed and shape give the same weights, so a test can make "the same model" twice
    or a different one on purpose. ``simsearch.json`` names ``pooler`` (absent from a folder
    once the test deletes it: a raw BERT as from the hub).
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(embedded_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate_size or 4 * hidden_size,
        max_position_embeddings=512,
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / METADATA_FILE).write_text(
        json.dumps({"pooler": pooler, "max_length": 128, "base_model": f"random-bert-{layers}x{hidden_size}"}, indent=2)
    )
    return folder
