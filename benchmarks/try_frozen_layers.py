"""Frozen lower layers during ``ict``, tried for issue 13 (session 48, trial recipe).

The idea: a strong base forgets less of what it knew if only the top of the encoder learns the
user's text. This script is ``simsearch train`` as a user runs it, with the token embeddings and
the lower ``FROZEN`` transformer layers of the model it loads set not to train (minilm has 6: by
default the bottom 3 and the embeddings are frozen, the top 3 train). Everything else — data,
split, held-out check, loss, steps — is the CLI's::

    python benchmarks/try_frozen_layers.py train --unsup CORPUS --out MODEL
    SIMSEARCH_TRY_FROZEN=2 python benchmarks/try_frozen_layers.py train ...

and through the benchmark, beside the base of the same run::

    python benchmarks/bench_adaptation.py --bench django-docs --variant benchmarks/try_frozen_layers.py

Measured in docs/adaptation.md ("Session 48: temperature and frozen layers").
"""

from __future__ import annotations

import os
import sys

from simsearch import train as training
from simsearch.cli import main

FROZEN = int(os.environ.get("SIMSEARCH_TRY_FROZEN", "3"))


def frozen_below(layers: int):
    """``load_transformer`` that returns the model with its embeddings and first ``layers``
    encoder layers frozen (``requires_grad`` off: AdamW leaves a parameter without a gradient as
    it is)."""
    load = training.load_transformer

    def load_frozen(*args, **kwargs):
        tokenizer, model = load(*args, **kwargs)
        if kwargs.get("dropout", None) is None:  # the teacher's copy (distillation): untouched
            return tokenizer, model
        blocks = model.encoder.layer
        if not 0 <= layers < len(blocks):
            raise SystemExit(f"SIMSEARCH_TRY_FROZEN={layers}: the model has {len(blocks)} layers")
        for part in [model.embeddings, *blocks[:layers]]:
            for parameter in part.parameters():
                parameter.requires_grad_(False)
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        print(f"try_frozen_layers: embeddings and layers 1-{layers} of {len(blocks)} frozen; "
              f"{trainable:,} of {total:,} parameters train", file=sys.stderr)
        return tokenizer, model

    return load_frozen


if __name__ == "__main__":
    training.load_transformer = frozen_below(FROZEN)
    main(sys.argv[1:])
