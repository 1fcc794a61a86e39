"""Sentence encoder: a transformer plus one of the SimCSE poolers.

Used by every command (eval, train, index, search). Encoding is batched, sorted by
token length so that a batch pads little, and encodes each distinct sentence once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from .errors import SimsearchError
from .models import ModelRef, resolve_model
from .precision import autocast, bf16_linears, quantize_int8, resolve
from .progress import progress_bar

# Below this many sentences a progress bar is noise.
PROGRESS_MIN = 2000
# Sentences tokenized per call to the tokenizer.
TOKENIZE_SLICE = 2048


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` is CUDA when available, else CPU; ``cuda`` without CUDA is the user's error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SimsearchError("--device cuda: no CUDA device is available on this machine (use --device cpu)")
    if device != "cpu" and not device.startswith("cuda"):
        raise SimsearchError(f"--device {device!r}: expected auto, cpu or cuda")
    return torch.device(device)


def _masked_mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.unsqueeze(-1).to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def pool(pooler: str, outputs, attention_mask: torch.Tensor) -> torch.Tensor:
    """Sentence embeddings from a transformer's outputs, as SimCSE's ``Pooler`` computes them.

    ``cls`` is [CLS] through the MLP head (dense + tanh, stored as BERT's ``pooler``);
    ``cls_before_pooler`` is the raw [CLS] state; ``avg`` the masked mean of the last
    layer; ``avg_top2`` of the last two layers averaged; ``avg_first_last`` of the first
    transformer layer's output and the last (``hidden_states[1]``, not the embeddings).
    """
    if pooler == "cls":
        if getattr(outputs, "pooler_output", None) is None:
            raise SimsearchError("pooler 'cls' needs the model's MLP head, and this model has none")
        return outputs.pooler_output
    if pooler == "cls_before_pooler":
        return outputs.last_hidden_state[:, 0]
    if pooler == "avg":
        return _masked_mean(outputs.last_hidden_state, attention_mask)
    if pooler == "avg_top2":
        states = outputs.hidden_states
        return _masked_mean((states[-1] + states[-2]) / 2.0, attention_mask)
    if pooler == "avg_first_last":
        states = outputs.hidden_states
        return _masked_mean((states[1] + states[-1]) / 2.0, attention_mask)
    raise SimsearchError(f"unknown pooler {pooler!r}")


def float32_states(outputs):
    """A transformer's outputs with its states in float32 (after a bf16 autocast forward: pooling
    and the loss run in fp32)."""
    for key in ("last_hidden_state", "pooler_output"):
        if getattr(outputs, key, None) is not None:
            outputs[key] = outputs[key].float()
    if getattr(outputs, "hidden_states", None) is not None:
        outputs["hidden_states"] = tuple(state.float() for state in outputs.hidden_states)
    return outputs


def needs_hidden_states(pooler: str) -> bool:
    return pooler in ("avg_top2", "avg_first_last")


def texts_for_model(ref: ModelRef, texts: Sequence[str]) -> list[str]:
    """The texts as the model's tokenizer must see them: lowercased (``str.lower``, as
    sentence-transformers does) when its folder says ``do_lower_case`` (``ModelRef.lower_case``),
    else as given. Every place that tokenizes for a model goes through this."""
    return [text.lower() for text in texts] if ref.lower_case else list(texts)


def pad_batch(ids: Sequence[Sequence[int]], tokenizer, device: torch.device) -> dict[str, torch.Tensor]:
    """Model inputs for token-id lists, right-padded to the longest (dynamic padding)."""
    width = max(len(row) for row in ids)
    input_ids = np.full((len(ids), width), tokenizer.pad_token_id or 0, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    batch = {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(mask)}
    if "token_type_ids" in tokenizer.model_input_names:
        batch["token_type_ids"] = torch.zeros_like(batch["input_ids"])
    return {key: value.to(device, non_blocking=True) for key, value in batch.items()}


# transformers' from_pretrained swaps global state (meta-device init), so two threads loading
# models at once (the TUI's two panes) corrupt each other: loads take turns.
_LOAD_LOCK = threading.Lock()


def load_transformer(path, *, dropout: float | None = None):
    """Tokenizer and model from a folder; ``dropout`` overrides the config's rates (training)."""
    with _LOAD_LOCK:
        return _load_transformer(path, dropout)


def _load_transformer(path, dropout: float | None):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .lean_imports import transformers_without_scipy, transformers_without_sklearn

    transformers_without_scipy()
    transformers_without_sklearn()
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    # Never run code shipped in a model folder (config.json "auto_map"): a folder that needs it
    # is refused with transformers' ValueError, turned into one line below, instead of a prompt.
    try:
        config = AutoConfig.from_pretrained(path, trust_remote_code=False)
        if dropout is not None:
            config.hidden_dropout_prob = dropout
            config.attention_probs_dropout_prob = dropout
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        model, loading = AutoModel.from_pretrained(path, config=config, trust_remote_code=False, output_loading_info=True)
        # Weights the folder does not hold were made at random by this load (a different draw each time).
        model.simsearch_missing_keys = tuple(loading.get("missing_keys", ()))
    except MemoryError:
        raise
    except Exception as exc:  # the folder's mistake, whatever transformers raises (no tokenizer: TypeError;
        # a damaged safetensors file: SafetensorError)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SimsearchError(f"cannot load a model from {path}: {first_line}") from None
    return tokenizer, model


def head_missing(model) -> bool:
    """Whether a model loaded by :func:`load_transformer` got its MLP head (BERT's ``pooler``) at
    random because its folder holds no weights for it."""
    return any(key.startswith("pooler.") for key in getattr(model, "simsearch_missing_keys", ()))


def head_in_folder(path) -> bool | None:
    """Whether a model folder's weights hold the MLP head, read from the safetensors key names
    without loading the model: True for BERT's own layout (``pooler.dense.weight`` and ``.bias``,
    as a saved ``BertModel`` has them), False when no weight is a pooler's at all; None when only
    loading can tell (a prefix such as ``bert.``, another architecture's layout, ``pytorch_model.bin``)."""
    import json

    folder = Path(path)
    try:
        if (folder / "model.safetensors.index.json").is_file():
            keys = json.loads((folder / "model.safetensors.index.json").read_text())["weight_map"]
        elif (folder / "model.safetensors").is_file():
            from safetensors import safe_open

            with safe_open(str(folder / "model.safetensors"), "pt") as weights:
                keys = list(weights.keys())
        else:
            return None
    except Exception:  # damaged: the load itself will say what is wrong
        return None
    keys = set(keys)
    if {"pooler.dense.weight", "pooler.dense.bias"} <= keys:
        return True
    return None if any("pooler" in key for key in keys) else False


def check_head_in_folder(ref: ModelRef) -> None:
    """:func:`check_head` before loading the model where the weights' key names tell (a load otherwise)."""
    if ref.pooler != "cls":
        return
    present = head_in_folder(ref.path)
    if present is None:
        check_head(ref, load_transformer(ref.path)[1])
    elif not present:
        _refuse_headless(ref)


def check_head(ref: ModelRef, model) -> None:
    """Refuse pooler ``cls`` (through the MLP head) on a model whose folder holds no head weights:
    transformers makes them at random on each load, so no two loads (an index and a later search,
    two runs of ``eval sts``) would embed alike."""
    if ref.pooler == "cls" and head_missing(model):
        _refuse_headless(ref)


def _refuse_headless(ref: ModelRef) -> None:
    raise SimsearchError(f"--pooler cls: {ref.path} holds no weights for the MLP head over [CLS], so it would be "
                         "random at each load; use --pooler cls_before_pooler or avg (or train one: simsearch train "
                         "--pooler cls)")


# A query (a few sentences) is encoded on one CPU thread: on 2 cores beside a busy process, two
# intra-op threads made one query's p95 97 ms (166 ms in a first run), the rule 9.4 ms; idle, it
# costs about 2 ms (benchmarks/bench_query_threads.py, docs/speed.md). Batches keep every core.
ONE_THREAD_MAX = 4
_THREADS_LOCK = threading.Lock()


_pool_size: int | None = None  # torch's thread count outside one_thread(): what it restores


def length_batches(order: Sequence[int], lengths: Sequence[int], size: int):
    """``order`` (indices sorted by length) cut into batches of at most ``size`` of one length.

    A padded batch changes a sentence's vector under bf16: the attention kernel's blocks follow
    the padded length, and its sums round in another order. Batches without padding give every
    sentence the vector it has alone, so an index updated file by file equals one built at once.
    ``python benchmarks/bench_length_batches.py`` (4,000 django-docs sentences, minilm, 2-core
    AVX512-BF16 EPYC): largest coordinate difference from the sentence encoded alone, padded
    batches 4.0e-3 (bf16) and 8.5e-7 (fp32), these batches 0 and 0; time 0.96x and 0.95x of
    padded batches (242 batches instead of 182 on django-docs' 11,616 sentences, 1.4% fewer tokens).
    On a CPU with AMX the bf16 kernels' blocking follows the batch's size, so even these batches
    move a vector a little: 400 of 4,000 Wikipedia sentences in batches of 64 against each alone
    (minilm, 2-core Sapphire Rapids), 67 differ, by up to 7.9e-4 per coordinate, cosine >= 0.99999
    (fp32: 181, by up to 2.0e-7). An index updated file by file then equals one built at once to
    that, not bit for bit.
    """
    for _, run in itertools.groupby(order, key=lambda i: lengths[i]):
        run = list(run)
        for first in range(0, len(run), size):
            yield run[first : first + size]


@contextlib.contextmanager
def one_thread():
    """torch's intra-op thread count at one for the duration, then back to the pool's size.

    torch's setting is neither per thread nor simply process-wide (a worker setting 1 changes what
    the main thread and new threads read), so a caller that reads the count while another holds 1
    would "restore" 1 for everyone. Callers go one at a time (the lock) and restore the size last
    seen outside this rule: any count other than 1 (simsearch sets no other), else the first one
    seen — which is 1 only where the user or the environment (``OMP_NUM_THREADS=1``) chose it.
    """
    global _pool_size
    with _THREADS_LOCK:
        current = torch.get_num_threads()
        if current != 1 or _pool_size is None:
            _pool_size = current
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(_pool_size)


class Encoder:
    """Embeds sentences with one model.

    >>> enc = Encoder.load("minilm")
    >>> enc.encode(["A cat sits.", "A dog runs."], normalize=True).shape
    (2, 384)
    """

    def __init__(self, ref: ModelRef, tokenizer, model, device: torch.device, batch_size: int = 64,
                 precision: str = "fp32"):
        self.ref = ref
        self.tokenizer = tokenizer
        self.device = device
        # The concrete precision ("auto" resolved for this device). int8 encodes with a quantized
        # copy: the caller's model (a model being trained, say) is never changed, and later
        # changes to it do not reach this encoder.
        self.precision = resolve(precision, device)
        model = model.to(device).eval()
        self.model = quantize_int8(model) if self.precision == "int8" else model
        self.batch_size = batch_size
        self.max_length = min(ref.max_length, getattr(tokenizer, "model_max_length", ref.max_length) or ref.max_length)
        self.dim = model.config.hidden_size

    @classmethod
    def load(cls, model: str | ModelRef | None = None, *, pooler: str | None = None,
             device: str = "auto", batch_size: int = 64, precision: str = "fp32") -> "Encoder":
        ref = model if isinstance(model, ModelRef) else resolve_model(model, pooler)
        chosen = pick_device(device)
        concrete = resolve(precision, chosen)  # a bad --precision fails before the model loads
        tokenizer, transformer = load_transformer(ref.path)
        check_head(ref, transformer)
        encoder = cls(ref, tokenizer, transformer, chosen, batch_size, concrete)
        if encoder.precision == "bf16":
            bf16_linears(encoder.model)  # this encoder's own model, which nothing trains
        return encoder

    @property
    def name(self) -> str:
        return self.ref.name

    def tokenize(self, sentences: Sequence[str]) -> list[list[int]]:
        """Token ids without padding (special tokens added, truncated to ``max_length``), of the
        texts as the model reads them (:func:`texts_for_model`)."""
        return self.tokenizer(texts_for_model(self.ref, sentences), truncation=True, max_length=self.max_length,
                              add_special_tokens=True, return_attention_mask=False,
                              return_token_type_ids=False)["input_ids"]

    def batch_tensors(self, ids: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        """Right-padded model inputs for one batch of token-id lists."""
        return pad_batch(ids, self.tokenizer, self.device)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled float32 embeddings for a prepared batch (gradients follow the caller's mode).

        Under bf16 the transformer runs in autocast and its states are pooled in float32.
        """
        hidden = needs_hidden_states(self.ref.pooler)
        if self.precision != "bf16":
            outputs = self.model(**batch, output_hidden_states=hidden)
            return pool(self.ref.pooler, outputs, batch["attention_mask"])
        with autocast(self.precision, self.device):
            outputs = self.model(**batch, output_hidden_states=hidden)
        return pool(self.ref.pooler, float32_states(outputs), batch["attention_mask"])

    def encode_batches(self, sentences: Sequence[str], *, normalize: bool = False,
                       batch_size: int | None = None) -> Iterator[tuple[list[int], np.ndarray]]:
        """Yield ``(positions, vectors)`` batch by batch: float32 embeddings of distinct sentences,
        ``positions[i]`` the indices in ``sentences`` of the text that ``vectors[i]`` embeds
        (a repeated sentence is encoded once and yielded with all its indices).

        Sentences are encoded longest first (memory peaks early), in batches of one token length
        (:func:`length_batches`): no padding, so the sentences encoded with one change its vector
        only as far as the matmul kernels' blocking follows the batch's size (on a CPU with AMX:
        up to 7.9e-4 per coordinate under bf16, 2.0e-7 under fp32, cosine >= 0.99999 to the
        sentence encoded alone) or int8 scales its activations per batch.
        A caller that stores vectors as they come (the indexer) keeps what was done when it stops.
        """
        if isinstance(sentences, str):
            raise TypeError("encode() takes a sequence of sentences, not one string")
        where: dict[str, list[int]] = {}
        for position, sentence in enumerate(sentences):
            where.setdefault(sentence, []).append(position)
        unique = list(where)
        if not unique:
            return
        # In slices: the tokenizer's own per-call objects for 16,384 long sentences (the indexer's
        # window) took 840 MB more at their peak; the ids alone are what is kept.
        ids = [row for first in range(0, len(unique), TOKENIZE_SLICE)
               for row in self.tokenize(unique[first:first + TOKENIZE_SLICE])]
        order = sorted(range(len(unique)), key=lambda i: len(ids[i]), reverse=True)
        size = batch_size or self.batch_size
        on_cpu = self.device.type == "cpu"
        was_training = self.model.training
        self.model.eval()
        try:
            for rows in length_batches(order, [len(x) for x in ids], size):
                # Contexts per batch, not around the yields: the caller's code between batches runs
                # with its own grad mode and thread count.
                threads = one_thread() if on_cpu and len(unique) <= ONE_THREAD_MAX else contextlib.nullcontext()
                with torch.inference_mode(), threads:
                    embeddings = self.forward(self.batch_tensors([ids[i] for i in rows]))
                    if normalize:
                        embeddings = torch.nn.functional.normalize(embeddings, dim=-1)
                    vectors = embeddings.float().cpu().numpy()
                yield [where[unique[i]] for i in rows], vectors
        finally:
            self.model.train(was_training)

    def encode(self, sentences: Sequence[str], *, normalize: bool = False, progress: bool | None = None,
               batch_size: int | None = None) -> np.ndarray:
        """Float32 embeddings, one row per input sentence, in input order (:meth:`encode_batches`)."""
        if isinstance(sentences, str):
            raise TypeError("encode() takes a sequence of sentences, not one string")
        out = np.empty((len(sentences), self.dim), dtype=np.float32)
        distinct = len(set(sentences))
        show = distinct >= PROGRESS_MIN if progress is None else progress
        with progress_bar(distinct, f"encoding ({self.name})", enabled=show) as advance:
            for positions, vectors in self.encode_batches(sentences, normalize=normalize, batch_size=batch_size):
                for places, vector in zip(positions, vectors):
                    out[places] = vector
                advance(len(positions))
        return out
