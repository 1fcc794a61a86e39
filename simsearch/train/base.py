"""The base model a run starts from: how it pools (``Pooling``), how it is loaded, its MLP head,
and its embeddings as the frozen teacher of ``--distill``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..encoder import Encoder, head_missing, load_transformer
from ..errors import SimsearchError
from ..loss import with_names
from ..models import ModelRef, read_pooling, resolve_model
from .config import TrainConfig


def is_sentence_encoder(base: ModelRef) -> bool:
    """Whether the base already embeds sentences (the embedded model, a model whose folder says it
    pools in some other way than [CLS], a model simsearch trained) rather than being a raw
    language model such as BERT. Decided from the folder, never from a ``--pooler`` given for
    this run (a raw BERT trained with ``--pooler avg`` is still a raw BERT)."""
    if base.source == "embedded" or base.metadata.get("train_pooler"):
        return True
    stored, _, _ = read_pooling(Path(base.path))
    return stored is not None and stored != "cls"


@dataclass
class Pooling:
    """How the model pools in training and at inference, recorded in the saved metadata."""

    train: str
    inference: str
    mlp_only_train: bool

    @classmethod
    def choose(cls, base: ModelRef, override: str | None, mode: str) -> "Pooling":
        if override:
            # SimCSE: the unsupervised model drops the MLP head at test time.
            mlp_only = override == "cls" and mode == "unsup"
            return cls(override, "cls_before_pooler" if mlp_only else override, mlp_only)
        if base.metadata.get("train_pooler"):  # continuing a simsearch-trained model
            return cls(base.metadata["train_pooler"], base.pooler, bool(base.metadata.get("mlp_only_train")))
        if base.source == "embedded" or base.pooler != "cls":
            # A sentence-embedding base (all-MiniLM-L6-v2: mean pooling) keeps its own pooling:
            # a fresh [CLS] + MLP head would discard what it learned (README, "Training").
            return cls(base.pooler, base.pooler, False)
        return cls("cls", "cls_before_pooler" if mode == "unsup" else "cls", mode == "unsup")


def _teacher_embeddings(base: ModelRef, rows: list, max_len: int, device: torch.device,
                        precision: str, name_weights: np.ndarray | None = None) -> list[torch.Tensor]:
    """--distill: the frozen base model's embeddings of every training text, per column, truncated
    as the steps truncate them, computed once: the base never changes, so a resumed run gets the
    same ones. With ``name_weights`` (ict) the passages are combined with their names as the
    steps combine them (``loss.with_names``)."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        # Loading a model without pooler weights initialises them at random: that must not move
        # the random state a resumed run has just restored (its dropout masks follow it).
        tokenizer, model = load_transformer(base.path)
    if base.pooler == "cls" and head_missing(model):  # (a raw BERT) its head would be random: the [CLS] state it reads
        base = dataclasses.replace(base, pooler="cls_before_pooler")
    teacher = Encoder(dataclasses.replace(base, max_length=max_len), tokenizer, model.to(device), device,
                      precision=precision)
    columns = [torch.from_numpy(teacher.encode([row[c] for row in rows], progress=False)).to(device)
               for c in range(len(rows[0]))]
    if name_weights is None:
        return columns
    return [columns[0], with_names(columns[1], columns[2], torch.from_numpy(name_weights).to(device))]


def base_and_start(config: TrainConfig, base: ModelRef, pooling: Pooling) -> tuple[ModelRef | None, str | None]:
    """(the base model as ``Encoder.load(--model)`` gives it, what this run's step 0 is instead),
    or (None, None) when step 0 is that very model (the usual case: measured once).

    Step 0 is the base's weights pooled as the trained model will be at inference. That is not
    the model the user has when ``--pooler`` pools it otherwise, or when the MLP head over [CLS]
    is new (initialised at random, as SimCSE does): the "base" figures (held-out retrieval, STS-B
    dev, the verdict) must then be measured on the base itself. A base that does not say how it
    pools (a raw BERT) is taken with this run's inference pooler, as ``--pooler`` would load it."""
    from ..models import PoolerNeeded

    try:
        loaded = resolve_model(config.model)
    except PoolerNeeded:
        loaded = resolve_model(config.model, pooling.inference)
    new_head = pooling.inference == "cls" and pooling.train == "cls" and not base.metadata.get("train_pooler")
    if loaded.pooler == pooling.inference and not new_head:
        return None, None
    start = ("the base's weights with a new MLP head over [CLS] (random, as SimCSE starts it)" if new_head else
             f"the base's weights pooled by {pooling.inference}")
    if loaded.pooler != pooling.inference:
        start += f"; the base pools by {loaded.pooler}"
    return loaded, start


def _load_base(ref: ModelRef, device: torch.device) -> Encoder:
    """The base model as ``Encoder.load`` gives it, on ``device``, without moving the random state
    (loading a model without pooler weights initialises them at random)."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        tokenizer, model = load_transformer(ref.path)
    if ref.pooler == "cls" and head_missing(model):  # Encoder.load refuses it: its head would be random
        ref = dataclasses.replace(ref, pooler="cls_before_pooler")
    model.eval()
    return Encoder(ref, tokenizer, model.to(device), device)



def _prepare_head(model, pooling: Pooling, base: ModelRef, seed: int) -> None:
    """The MLP head over [CLS] is BERT's pooler (dense + tanh), freshly initialised as in SimCSE,
    so AutoModel and sentence-transformers load it. Unused, it is dropped."""
    torch.manual_seed(seed)
    if pooling.train == "cls":
        if getattr(model, "pooler", None) is None:
            raise SimsearchError(f"model {base.name!r} has no pooler layer to serve as the MLP head; use another --pooler")
        if not base.metadata.get("train_pooler"):
            model.pooler.dense.reset_parameters()
            torch.nn.init.normal_(model.pooler.dense.weight, std=model.config.initializer_range)
            torch.nn.init.zeros_(model.pooler.dense.bias)
    elif hasattr(model, "pooler"):
        model.pooler = None


def _resolve_base(config: TrainConfig) -> ModelRef:
    """The base model; a raw one (no pooling metadata) trains with the paper's [CLS] + MLP.

    ``Pooling.choose`` gives a base whose pooler is ``cls`` and that has no simsearch metadata
    exactly that default, so a raw model is resolved with ``cls`` and a model that says how it
    pools keeps its own pooler.
    """
    if config.pooler:
        return resolve_model(config.model, config.pooler)
    base = resolve_model(config.model, "cls")
    stored, _, _ = read_pooling(Path(base.path))
    return dataclasses.replace(base, pooler=stored) if stored else base


def _check_max_len(config: TrainConfig, base: ModelRef) -> None:
    """Refuse a --max-len beyond the base's position embeddings (BERT's end at 512): a longer text
    crashed the first step that held one, after the model was loaded and the base measured."""
    from ..models import position_limit

    limit = position_limit(base.path)
    if limit is not None and config.max_len > limit:
        raise SimsearchError(f"--max-len {config.max_len}: the base model {base.name} reads at most {limit} tokens "
                             f"(its position embeddings); give --max-len {limit} or less")
