"""SimCSE training: one flat loop, readable top to bottom.

data -> model -> optimizer and schedule -> steps (both views in one forward pass) ->
evaluation every N steps (STS-B dev, keep the best) -> save. Ctrl-C finishes the current
step, writes a checkpoint and exits; ``resume=True`` continues from it and ends with the
same weights as an uninterrupted run with the same seed. Under ``torchrun`` every process
trains on its slice of each global batch and embeddings are all-gathered, so negatives
span the global batch. What a run tells its user and leaves beside the model (verdicts, the
model card, the plot) is in ``report``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import itertools
import json
import math
import os
import re
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.distributed as dist
from rich.markup import escape

from .. import interrupt
from ..data import (COLUMNS, Document, Warn, documents_from_path, documents_sha256, file_sha256, indexed_documents,
                   load_triplets, print_file_warning, unique_sentences)
from ..encoder import (Encoder, float32_states, head_missing, load_transformer, needs_hidden_states, pad_batch, pick_device, pool,
                      texts_for_model)
from ..errors import Interrupted, SimsearchError, counted, plain_number
from ..loss import gather_with_grad, simcse_loss, with_names
from ..memory import give_back_when_short
from ..models import METADATA_FILE, POOLERS, ModelRef, check_models_dir, fingerprint, models_dir, read_pooling, resolve_model
from ..precision import Precision, autocast, describe, resolve
from ..progress import print_warning, progress_bar, stderr
from ..store import NAME_WEIGHT
from .outdir import (_check_default_out, _check_out, _discard_staging, _fresh_staging, _model_files,
                     _recover_swap, _staging_is_ours, _swap_in, default_out_name, out_lock, out_locked_elsewhere)
from .report import (_heldout_summary, _no_questions, _plot, _versions, _write_model_card,
                     _write_sentence_transformers_files, sentence_transformers_refusal, step0)

if TYPE_CHECKING:  # read lazily at run time (scipy)
    from ..sts import Pairs

# The paper's defaults (Table A.1 for BERT-base; the supervised batch is 512, lr 5e-5, 3 epochs).
CHECKPOINT_FORMAT = 2  # 2: loads with weights_only=True and holds the run's settings (signature)

MODE_DEFAULTS = {
    "unsup": {"batch_size": 64, "lr": 3e-5, "epochs": 1},
    "sup": {"batch_size": 512, "lr": 5e-5, "epochs": 3},
}
# Unsupervised recipes (docs/adaptation.md): ``paper`` is the paper's (two dropout views of one
# sentence); ``ict`` is the inverse cloze task on the user's documents (a sentence and the rest
# of its window), trained through the supervised pair path with the same loss and tau.
RECIPES = ("paper", "ict")
PAPER_MAX_LEN = 32
ICT_MAX_LEN = 128  # the passage is up to 4 sentences
# A step of batch 64 with 128-token passages took 14 s for all-MiniLM-L6-v2 on the shared 2-core
# CPU (load ~2; 13 s at load 5-8 in docs/adaptation.md), so 60 steps is ~14 minutes at worst; one
# epoch of a 15k-sentence corpus would be ~230 steps (~54 min). The measured gains on pytest-docs
# came from 37 steps. --max-steps (or --epochs) overrides it.
ICT_MAX_STEPS = 60
ICT_WINDOW = 2
HELDOUT_SHARE = 0.1
HELDOUT_MIN_QUERIES = 200  # more documents are held out (up to a quarter of the sentences) to reach it
# and to reach this many documents that ask questions: the held-out change is tested by document, and
# with fewer no change could be told from chance (``paired.fewest_units()``: 2 of 2**6 sign patterns)
HELDOUT_MIN_DOCUMENTS = 6
# The paper's recipe chosen by itself (one file of lines) from a sentence encoder: on 14,820 lines
# of STS/SICK, all-MiniLM-L6-v2 trained with the paper's loss alone lost paraphrase retrieval
# (hit@10 0.942 -> 0.902) and STS (78.87 -> 77.09); with --distill 5 it kept both (0.940, 78.96)
# and gained MRR@10 (0.752 -> 0.762); --distill 1: 0.936, 78.88 (docs/adaptation.md).
AUTO_DISTILL = 5.0
AUTO_ICT_MIN_DOCUMENTS = 10  # fewer: the paper's recipe (one file of lines is one document)
CHECKPOINT_MINUTES = 5.0  # --checkpoint-every's default


@dataclass
class TrainConfig:
    mode: str  # "unsup" or "sup"
    data: Path  # a text file or folder (unsup), a CSV/TSV/JSONL (sup), or an index database (from_index)
    from_index: bool = False  # unsup on exactly the sentences the index at ``data`` holds
    model: str = "minilm"
    out: Path | None = None
    epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    micro_batch: int | None = None  # gradient caching: encode each batch in pieces of this many rows
    lr: float | None = None
    temp: float = 0.05
    pooler: str | None = None
    max_len: int | None = None  # paper and sup: 32; ict: 128
    hard_negative_weight: float = 1.0
    dropout: float = 0.1
    warmup_steps: int = 0  # the paper uses none; linear warm-up, then linear decay
    same_dropout_mask: bool = False  # the "fixed 0.1" ablation of the paper's Table 3
    seed: int = 42
    eval_steps: int = 125
    # Minutes between the checkpoints a run saves as it goes (0: only on Ctrl-C or SIGTERM), so that
    # kill -9, a crash or a power cut loses at most this much work to --resume.
    checkpoint_every: float = CHECKPOINT_MINUTES
    device: str = "auto"
    eval_data: Path | None = None
    resume: bool = False
    bucket: bool = True
    progress: bool = True
    recipe: str | None = None  # unsup: "paper" or "ict"; None: chosen from the data (see resolve_recipe)
    precision: str = "auto"  # "fp32", "bf16" (autocast forward; loss, optimizer, evaluation fp32) or "auto"
    distill: float | None = None  # weight of the distillation term towards the frozen base (0: the paper's loss;
    # None: AUTO_DISTILL when the paper's recipe is chosen for a sentence-encoder base, else 0; see resolve_recipe)

    def __post_init__(self) -> None:
        if self.mode not in MODE_DEFAULTS:
            raise SimsearchError(f"unknown training mode {self.mode!r}")
        # --epochs given (even as the default 1) asks for whole passes: ict's step cap is for when it is not
        self.epochs_given = self.epochs is not None  # (not a field, as default_out)
        self.max_steps_given = self.max_steps is not None  # (ict's default cap is not the user's)
        for key, value in MODE_DEFAULTS[self.mode].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        self.data = Path(self.data)
        self.checkpoint_every = float(self.checkpoint_every) + 0.0  # (-0.0, as typed, is 0)
        if str(getattr(self.precision, "value", self.precision)) not in ("auto", "fp32", "bf16"):
            raise SimsearchError("--precision must be auto, fp32 or bf16 for training (int8 is for encoding)")
        self.precision = Precision(self.precision).value
        if self.recipe is not None and self.recipe not in RECIPES:
            raise SimsearchError(f"--recipe {self.recipe!r}: expected one of {', '.join(RECIPES)}")
        if self.recipe is not None and self.mode != "unsup":
            raise SimsearchError(f"--recipe {self.recipe} is for unsupervised training (--unsup or --from-index); "
                                 "--sup trains on your pairs as they are")
        if self.mode == "sup" or self.recipe is not None:
            self._recipe_defaults()
        if self.from_index and self.mode != "unsup":
            raise SimsearchError("--from-index trains unsupervised on the index's sentences; it does not go with --sup")
        self.default_out = self.out is None  # (not a field: settings and signature stay as they were)
        if self.out is None:
            check_models_dir()  # an unreadable models folder: one line, before anything is read or written
            source = "index-unsup" if self.from_index else self.mode
            self.out = models_dir() / default_out_name(self.data, source)
        self.out = Path(self.out)
        # "--epochs 0: must be at least 1": the value as given beside the rule, as the CLI's other options say it
        ranges = [
            ("--batch-size", self.batch_size, self.batch_size >= 2, "must be at least 2 (the other sentences are the negatives)"),
            ("--micro-batch", self.micro_batch, self.micro_batch is None or self.micro_batch >= 1, "must be at least 1"),
            ("--temp", self.temp, self.temp > 0, "must be positive"),
            ("--lr", self.lr, self.lr > 0, "must be positive"),
            ("--dropout", self.dropout, 0.0 <= self.dropout < 1.0, "must be in [0, 1)"),
            ("--max-len", self.max_len, self.max_len is None or self.max_len >= 4, "must be at least 4"),
            ("--epochs", self.epochs, self.epochs >= 1, "must be at least 1"),
            ("--max-steps", self.max_steps, self.max_steps is None or self.max_steps >= 1, "must be at least 1"),
            ("--eval-steps", self.eval_steps, self.eval_steps >= 1, "must be at least 1"),
            ("--checkpoint-every", self.checkpoint_every, self.checkpoint_every >= 0, "must be >= 0 (0: only on Ctrl-C or SIGTERM)"),
            ("--warmup-steps", self.warmup_steps, self.warmup_steps >= 0, "must be >= 0"),
            ("--hard-negative-weight", self.hard_negative_weight, self.hard_negative_weight >= 0, "must be >= 0"),
            ("--distill", self.distill, self.distill is None or self.distill >= 0, "must be >= 0"),
        ]
        checks = [(ok, f"{option} {plain_number(value)}: {rule}" if isinstance(value, (int, float)) else f"{option} {rule}")
                  for option, value, ok, rule in ranges] + [
            (self.pooler is None or self.pooler in POOLERS, f"--pooler {self.pooler!r}: expected one of {', '.join(POOLERS)}"),
            # The ablation gives the two dropout views of one sentence the same mask; supervised
            # views are different sentences (anchor, entailment, contradiction), so it has no meaning.
            (not (self.same_dropout_mask and self.mode == "sup"),
             "--same-dropout-mask is an unsupervised ablation (two views of one sentence); "
             "supervised views are different sentences: drop it or use --unsup"),
            (not (self.same_dropout_mask and self.recipe == "ict"),
             "--same-dropout-mask is an ablation of the paper recipe (two views of one sentence); use --recipe paper"),
            (self.hard_negative_weight == 1.0 or self.mode == "sup",
             f"--hard-negative-weight {plain_number(self.hard_negative_weight)}: it weighs a supervised triplet's "
             "hard negative (--sup with a hard_neg column); unsupervised training has none: drop it"),
        ]
        for ok, message in checks:
            if not ok:
                raise SimsearchError(message)

    def _recipe_defaults(self) -> None:
        """The defaults that depend on the recipe (an option the user gave is kept)."""
        if self.max_len is None:
            self.max_len = ICT_MAX_LEN if self.recipe == "ict" else PAPER_MAX_LEN
        if self.recipe == "ict" and self.max_steps is None and not getattr(self, "epochs_given", False):
            # neither --max-steps nor --epochs given: --epochs N (1 too) asks for whole passes
            self.max_steps = ICT_MAX_STEPS


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


@dataclass
class TrainState:
    """Everything a resumed run needs besides model and optimizer tensors."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    best_score: float | None = None
    best_step: int | None = None
    train_seconds: float = 0.0  # steps only: evaluation time is counted apart, checkpoints' not at all
    eval_seconds: float = 0.0
    losses: list = field(default_factory=list)
    evals: list = field(default_factory=list)
    best_heldout: list | None = None  # [hit@10, mrr@10] of the kept step when held-out retrieval selects
    # Each evaluation's held-out ranks, question by question (``pairs.structure_retrieval``), by its
    # step ("0": the run's start) and "base" (the base model measured apart): what tells a change
    # from the noise of the held-out questions (``report._heldout_summary``). Kept out of the log.
    heldout_ranks: dict = field(default_factory=dict)


def _distributed(device: torch.device) -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device), starting the process group under torchrun.

    The backend follows the device, not the machine: gloo for CPU training (also on a machine
    with GPUs), NCCL for CUDA, with one GPU per process on each node.
    """
    world = interrupt.world_size()
    if world is None:
        raise SimsearchError(f"WORLD_SIZE={os.environ.get('WORLD_SIZE')!r} is not a number of processes: torchrun "
                             "sets it; unset it to train in one process")
    if world > 1 and device.type == "cuda":
        local_rank, gpus = int(os.environ.get("LOCAL_RANK", "0")), torch.cuda.device_count()
        if local_rank >= gpus:
            raise SimsearchError(f"torchrun process {local_rank} has no GPU: this node has {gpus}; launch at most "
                                 f"{gpus} with --nproc_per_node, or train with --device cpu")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), device
    return 0, 1, device


def epoch_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int, bucket: bool) -> list[np.ndarray]:
    """Shuffled batches of example indices for one epoch (the last partial batch is dropped).

    With ``bucket``, the shuffled order is cut into windows of 50 batches, each sorted by
    length before cutting batches, and the batches are shuffled again: batches pad little,
    yet each still draws its negatives from a random slice of the data.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    usable = len(order) // batch_size * batch_size
    if bucket:
        window = batch_size * 50
        parts = []
        for start in range(0, usable, window):
            chunk = order[start : min(start + window, usable)]
            parts.append(chunk[np.argsort(lengths[chunk], kind="stable")])
        order = np.concatenate(parts) if parts else order[:0]
    batches = [order[i : i + batch_size] for i in range(0, usable, batch_size)]
    if bucket:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def train(config: TrainConfig, *, stop_at_step: int | None = None) -> dict:
    """Train a SimCSE model and save it at ``config.out``; returns the saved metadata.

    ``stop_at_step`` simulates Ctrl-C after that step (for tests of resume).
    """
    # Under torchrun a Ctrl-C during setup is noted too, and acted on below by every process
    # together: one process dying of it would leave the others waiting in a collective.
    # ``held``: the lock on --out, taken in _setup and released once the model is in place.
    with contextlib.ExitStack() as held, _CtrlC(wait=interrupt.under_torchrun()) as ctrl_c:
        try:
            run = _setup(config, interrupted=lambda: ctrl_c.pressed, hold=held)
        except KeyboardInterrupt:  # before the work folder is touched (_setup answers for it after that)
            raise Interrupted("interrupted before the first step of this run; nothing was changed") from None
        ctrl_c.wait = True
        _train(run, ctrl_c, stop_at_step)
        # The steps are done: a Ctrl-C now (even a second one) only waits for the model to be saved.
        ctrl_c.saving = True
        metadata = _finish(run)
    if ctrl_c.pressed:
        raise Interrupted(f"interrupted while the finished model was being saved; it was saved in {config.out} "
                          "(nothing to resume)")
    return metadata


def _train(run: Run, ctrl_c: _CtrlC, stop_at_step: int | None) -> None:
    """The steps, from where ``run.state`` stands to the last; evaluations, checkpoints, Ctrl-C."""
    config, state, total = run.config, run.state, run.total_steps
    if _agree(ctrl_c.pressed, device=run.device)[0]:
        _discard_fresh_staging(run)
        if run.world > 1:
            dist.barrier()  # no process exits (and makes torchrun stop the rest) mid-removal
        raise _interrupted_before_first_step(run.staging, run.state.step)
    clock, last_eval, first_step, timed_work = _Clock(state), "-", 0.0, 0
    started, saved_at = state.step, time.monotonic()
    tried, failures = 0, []  # the checkpoints saved as the run goes: how many, and why each that failed did
    try:
        with progress_bar(total, f"training ({config.mode})", unit="step",
                          enabled=config.progress and run.main_process) as advance:
            if not state.evals:  # step 0: the base model, measured as every later step will be
                with clock.evaluating():
                    _evaluate(run, base_only=True)
            elif _base_unmeasured(run):  # a checkpoint from before the base was measured apart
                with clock.evaluating():
                    _measure_base_on_resume(run)
            advance(state.step)
            batches = _remaining_batches(run)
            while state.step < total:
                rows = next(batches)
                work = batch_work(run.lengths, rows)
                loss = _step(run, rows)
                # Every process stops at the same step, or one would wait forever in all_gather.
                stop, diverged, due = _agree(ctrl_c.pressed or state.step == stop_at_step, not math.isfinite(loss),
                                             _checkpoint_due(config, saved_at), device=run.device)
                if diverged:
                    raise TrainingDiverged(state.step, f"loss {loss}", config)
                state.losses.append(round(loss, 6))
                if state.step % config.eval_steps == 0 or state.step == total:
                    _check_finite(run.model, state.step, config)
                    kept = state.best_step
                    with clock.evaluating():
                        last_eval = _evaluate(run)
                    # A new best step's weights replaced the last one's: the checkpoint follows at
                    # once, so that a run killed later resumes knowing which weights those are.
                    # (Only the main process evaluates: the others learn of a new best step here.)
                    due = _agree(due or (state.best_step != kept and config.checkpoint_every > 0), device=run.device)[0]
                steps, seconds = clock.this_process()
                if steps == 1:  # warm-up (CUDA kernels and cuBLAS, oneDNN primitives): left out
                    first_step = seconds
                else:
                    timed_work += work
                if steps == 1 + ESTIMATE_AFTER and run.main_process and state.step < total:
                    _print_estimate(run, (seconds - first_step) / timed_work)
                advance(1, loss=f"{loss:.4f}", **{"sent/s": f"{steps * config.batch_size / max(seconds, 1e-9):,.0f}",
                                                  "dev": last_eval})
                if stop and state.step < total:
                    with clock.apart():
                        failed = _checkpoint(run)
                    if failed:
                        raise Interrupted(f"interrupted at step {state.step} of {total}, but {_not_saved(run, failed)}")
                    raise Interrupted(f"interrupted at step {state.step} of {total}; checkpoint saved in "
                                      f"{run.staging}; run the same command with --resume to continue")
                if due and state.step < total:  # (the last step's weights are saved as the model next)
                    with clock.apart():
                        failed = _checkpoint(run)
                    tried += 1
                    if failed and not failures and run.main_process:
                        # Only insurance: the run goes on and tries again next time, said once
                        # (a full disk stays full: a line every interval), then summed up at the end.
                        print_warning(f"{_not_saved(run, failed)}; training goes on (it tries again at each "
                                      "checkpoint, and says at the end how they went)")
                    if failed:
                        failures.append(failed)
                    saved_at = time.monotonic()
        _check_finite(run.model, state.step, config)
        if failures and tried > 1 and run.main_process:
            last = (f"the last saved holds step {run.saved_step}" if run.saved_step else "none was saved")
            print_warning(f"{len(failures):,} of {tried:,} checkpoints could not be saved in {run.staging} as the run "
                          f"went (the last: {failures[-1]}); {last}")
    except TrainingDiverged:
        if run.main_process:  # nothing of a diverged run is worth keeping; --out was never touched
            _discard_staging(run.staging)
        raise
    except KeyboardInterrupt:  # a Ctrl-C that stops at once (a second one)
        if state.step == started:  # while the base was measured (step 0)
            _discard_fresh_staging(run)
            raise _interrupted_before_first_step(run.staging, state.step) from None
        raise _stopped_at_once(run) from None
    finally:
        clock.lap()


def _discard_fresh_staging(run: Run) -> None:
    """A run stopped before its first step: the work folder it made goes (there is nothing to
    resume); a resumed run's checkpoint stays as it was."""
    if run.main_process and run.state.step == 0:
        _discard_staging(run.staging)


def _stopped_at_once(run: Run) -> Interrupted:
    """What a second Ctrl-C after some steps left: the checkpoint there was (this run's first
    Ctrl-C's, or the one it resumed from), else nothing to resume, and a work folder that goes."""
    where = f"stopped at once at step {run.state.step} of {run.total_steps} (a second Ctrl-C)"
    if run.saved_step:
        return Interrupted(f"{where}; the checkpoint in {run.staging} holds step {run.saved_step}: run the same "
                           "command with --resume to continue from there")
    if run.main_process:
        _discard_staging(run.staging)
    return Interrupted(f"{where}; no checkpoint was saved, so nothing is left to resume: the next run starts "
                       "from the first step")


def _interrupted_before_first_step(staging: Path, step: int) -> Interrupted:
    """What a Ctrl-C before this run's first step left (``step``: the resumed checkpoint's, else
    0), once a fresh work folder is discarded."""
    return Interrupted("interrupted before the first step of this run; nothing new was saved"
                       + (f" (the checkpoint in {staging} is as it was)" if step else ""))


@dataclass
class EvaluationSplit:
    """What a run is measured on, chosen once before training.

    ``sts_dev``: the STS data folder (STS-B dev is scored at each evaluation; the best step is
    kept). Without it, ``held_out``: examples kept out of training, measured by alignment and
    uniformity (none when the recipe holds out whole documents: their retrieval is measured
    instead). ``training``: the examples left to train on. ``sts_dev_pairs``: STS-B dev's pairs,
    read once at the start (every evaluation scores them, and ``--resume`` checks their fingerprint).
    """

    sts_dev: Path | None
    held_out: list
    training: list
    sts_dev_pairs: Pairs | None = None  # once read

    def describe(self, recipe: str | None, heldout_documents=()) -> str:
        """Which step is kept, as the run will choose it (``heldout_documents``: ict's)."""
        if self.sts_dev is not None:
            return "STS-B dev"
        if recipe == "ict":
            from ..pairs import question_count

            if heldout_documents and not question_count(heldout_documents):  # nothing to select by
                return f"last step ({_no_questions(len(heldout_documents))})"
            return "held-out documents (structure retrieval)"
        return f"none (held-out {len(self.held_out)} for alignment/uniformity)"


@dataclass
class Run:
    """A run as set up: what each step, evaluation and checkpoint works with."""

    config: TrainConfig
    rank: int
    world: int
    device: torch.device
    precision: str  # of the training forward pass: "fp32" or "bf16" (autocast)
    staging: Path  # the work folder beside --out: checkpoint, log, best weights
    base: ModelRef
    pooling: Pooling
    data: TrainingData
    split: EvaluationSplit
    heldout_docs: list  # ict: documents set aside, whose structure retrieval is measured
    signature: dict
    tokenizer: object
    model: torch.nn.Module
    forward_model: torch.nn.Module  # the model, wrapped in DistributedDataParallel under torchrun
    token_ids: list  # per column (sent0[, sent1, hard_neg], or ict's anchor, passage, name): each row's token ids
    lengths: np.ndarray
    total_steps: int
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    evaluator: Encoder  # the model being trained, pooled as it will be at inference
    state: TrainState
    teacher: list | None = None  # --distill: per column, the frozen base model's embedding of each example
    # The base as ``Encoder.load(--model)`` gives it, when step 0 (``start``, what that is) is not it
    # (another pooler, a new MLP head); None when they are the same model, measured once.
    base_as_loaded: ModelRef | None = None
    start: str | None = None
    saved_step: int = 0  # the step the checkpoint in ``staging`` holds (0: none), kept by ``_checkpoint``
    # ict: per row, the weight of its passage's document's name (``store.NAME_WEIGHT``, 0 for none);
    # the rows' last column is that name. None for the other recipes.
    name_weights: np.ndarray | None = None
    resumed_from: int | None = None  # --resume: the step of the checkpoint this run continued from

    @property
    def main_process(self) -> bool:
        return self.rank == 0


def _setup(config: TrainConfig, interrupted=lambda: False, hold: contextlib.ExitStack | None = None) -> Run:
    """Everything before the first step: checks, data, model, optimizer, and the state to resume.

    ``interrupted()``: whether Ctrl-C was pressed meanwhile (under torchrun it is noted, not
    raised); the processes agree on it before the work folder is touched, so a run stopped
    while starting leaves an earlier run's checkpoint as it was. ``hold``: where the main
    process keeps the lock on --out until the run is over (without it, tests only, the lock is let go
    as soon as it is taken)."""
    rank, world, device = _distributed(pick_device(config.device))
    if config.batch_size % world:
        raise SimsearchError(f"--batch-size {config.batch_size} must divide evenly over {world} processes")
    precision = resolve(config.precision, device, purpose="train",
                        on_warning=print_warning if rank == 0 else (lambda message: None))
    _check_out(config.out)
    if getattr(config, "default_out", False):
        _check_default_out(config.out, config.data)
    staging = config.out.parent / f".{config.out.name}.partial"
    if config.resume and not (staging / "checkpoint.pt").is_file():
        if out_locked_elsewhere(config.out):
            raise SimsearchError(f"--resume: another `simsearch train` is writing to --out {config.out} now; "
                                 "wait for it to finish (or stop it with Ctrl-C, then --resume)")
        if _staging_is_ours(staging):  # a run was stopped there, but not by Ctrl-C: nothing of it can go on
            every = (f"one is saved every {plain_number(config.checkpoint_every)} minutes "
                     "(--checkpoint-every) and on Ctrl-C or SIGTERM" if config.checkpoint_every > 0 else
                     "with --checkpoint-every 0 only Ctrl-C or SIGTERM saves one")
            raise SimsearchError(f"--resume: the run into --out {config.out} was stopped before it saved a checkpoint "
                                 f"in {staging} ({every}; kill -9, a crash or a power cut before then leaves none); "
                                 "run the same command without --resume to start again")
        raise SimsearchError(f"--resume: no checkpoint at {staging / 'checkpoint.pt'} (nothing was interrupted for --out {config.out})")

    # Data: tokenized once, up front; each step only pads its own batch.
    base = _resolve_base(config)
    pooling = Pooling.choose(base, config.pooler, config.mode)
    base_as_loaded, start = base_and_start(config, base, pooling)
    data = training_data(config, warn=None if rank == 0 else (lambda path, reason: None))
    # one line, piped too (rich broke it at 80 columns); the base's name is shown as written, never as markup
    note = partial(stderr.print, soft_wrap=True, markup=False) if rank == 0 else None
    examples, heldout_docs = resolve_recipe(config, data, note=note, base=base)
    split = split_for_evaluation(config, examples, documents_held_out=bool(heldout_docs))
    if split.sts_dev is not None:  # read and checked now: a malformed file is refused before anything is touched
        from ..sts import load_stsb

        split.sts_dev_pairs = load_stsb(split.sts_dev, "dev")
    _check_max_len(config, base)  # (the recipe, resolved now, gives the default)
    if len(split.training) < 2:  # (--batch-size 1 or less is refused: a batch needs another example)
        raise SimsearchError(
            f"{config.data}: needs at least 2 training examples (each step's other examples are its "
            f"negatives); found {len(split.training)}: train on more text"
        )
    if config.batch_size > len(split.training):
        raise SimsearchError(
            f"--batch-size {config.batch_size} is larger than the {counted(len(split.training), 'training example')} in "
            f"{config.data}: give --batch-size {len(split.training)} or less (each step's other examples are its "
            f"negatives: a smaller batch learns less), or train on more text"
        )
    # One run per --out at a time: its work folder and the final swap are this run's alone. Taken
    # once the input has been checked (the lock file's folder is made here: a mistake writes nothing).
    if rank == 0:
        (hold if hold is not None else contextlib.ExitStack()).enter_context(out_lock(config.out))
        _recover_swap(config.out)
        _check_out(config.out)  # (what was restored, or written meanwhile, is checked as any --out)
    signature = _signature(config, data.sha256, base, pooling, split.sts_dev, world, device, precision, heldout_docs,
                           repeated_names(named_documents(data)) if heldout_docs else frozenset(),
                           split.sts_dev_pairs, split.training if names_column(config) else None)
    saved = (_checkpoint_to_resume(staging, signature, heldout_docs,
                                   lambda: _heldout_before_session_47(data, config.seed)) if config.resume else None)
    if not config.resume:
        _refuse_to_drop_a_resumable_checkpoint(staging, signature)

    tokenizer, model = load_transformer(base.path, dropout=config.dropout)
    token_ids = [tokenizer(texts_for_model(base, [row[c] for row in split.training]), truncation=True,
                           max_length=config.max_len, return_attention_mask=False, return_token_type_ids=False)["input_ids"]
                 for c in range(len(split.training[0]))]
    # ict: the last column is each passage's document's name, encoded in a batch of its own (_embed).
    name_weights = (np.array([NAME_WEIGHT if row[-1] else 0.0 for row in split.training], dtype=np.float32)
                    if names_column(config) else None)
    texts = token_ids[:-1] if name_weights is not None else token_ids
    lengths = np.array([max(len(column[i]) for column in texts) for i in range(len(split.training))])
    total_steps = config.epochs * (len(split.training) // config.batch_size)
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)
    _prepare_head(model, pooling, base, config.seed)
    model.to(device)
    evaluator = Encoder(dataclasses.replace(base, name=config.out.name, pooler=pooling.inference), tokenizer, model,
                        device)
    model.train()
    forward_model = model
    if world > 1:
        forward_model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(_lr_factor, warmup=config.warmup_steps, total=total_steps))

    if _agree(interrupted(), device=device)[0]:
        raise Interrupted("interrupted before the first step of this run; nothing was changed")
    state = TrainState()
    if saved is not None:
        state = _restore_checkpoint(saved, model, optimizer, scheduler, rank)
        if heldout_docs and not state.heldout_ranks and any(e.get("heldout_hit@10") is not None for e in state.evals):
            # Its evaluations' answers, question by question, are gone: the saved model could not be
            # told from the noise of the held-out questions as an uninterrupted run tells it.
            raise SimsearchError(f"--resume: {staging / 'checkpoint.pt'} was written by a version of simsearch that "
                                 "did not keep the held-out answers question by question; start again without --resume")
        if rank == 0:  # the log of a run that went past the checkpoint would repeat those steps
            try:
                _write_log(staging, state.evals)
            except OSError as exc:  # (the checkpoint is as it was)
                raise SimsearchError(f"--resume: {staging / 'train_log.jsonl'} could not be written ({_why(exc)}); "
                                     "make room, then run the same command again") from None
            _best_of_checkpoint(staging, state)
    elif rank == 0:
        _fresh_staging(staging)
    if world > 1:
        dist.barrier()  # the staging folder exists before any process writes to it
    try:
        teacher = (_teacher_embeddings(base, split.training, config.max_len, device, precision, name_weights)
                   if config.distill > 0 else None)
    except KeyboardInterrupt:  # a single process stops at once while setting up: the fresh work folder goes
        if rank == 0 and saved is None:
            _discard_staging(staging)
        raise _interrupted_before_first_step(staging, state.step) from None
    run = Run(config, rank, world, device, precision, staging, base, pooling, data, split, heldout_docs, signature,
              tokenizer, model, forward_model, token_ids, lengths, total_steps, optimizer, scheduler, evaluator, state,
              teacher, base_as_loaded, start, state.step, name_weights,
              resumed_from=state.step if saved is not None else None)
    if run.main_process:
        _print_config(run)
    return run


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


def _batches_from(run: Run, epoch: int, start: int):
    """(epoch, index, this process's rows) of each batch from batch ``start`` of ``epoch`` on,
    epoch after epoch."""
    config = run.config
    while True:
        batches = epoch_batches(run.lengths, config.batch_size, config.seed, epoch, config.bucket)
        for index in range(start, len(batches)):
            yield epoch, index, batches[index][run.rank::run.world] if run.world > 1 else batches[index]
        epoch, start = epoch + 1, 0


def _remaining_batches(run: Run):
    """This process's rows of each batch still to train on, from where the state says the run
    stands; ``state.epoch`` and ``state.batch_in_epoch`` follow what it yields."""
    state = run.state
    for epoch, index, rows in _batches_from(run, state.epoch, state.batch_in_epoch):
        state.epoch, state.batch_in_epoch = epoch, index + 1
        yield rows


def _step(run: Run, rows: np.ndarray) -> float:
    """One optimizer step: the loss over the global batch, every view of a row in one forward pass.

    With ``--micro-batch`` smaller than this process's rows, gradient caching (Gao, Zhang, Han &
    Callan 2021, "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup"): the pieces are
    first encoded without a graph, the loss and its gradient with respect to the embeddings are
    computed over the whole batch, then each piece is encoded again with the random state it had
    the first time (the same dropout masks) and back-propagates its share. The gradients are
    those of one pass over the pieces' embeddings; the memory is a piece's."""
    pieces = _pieces(rows, effective_micro_batch(run.config, run.world))
    if len(pieces) == 1:
        loss = _batch_loss(run, rows, _embed(run, rows))
        # DDP averages gradients over processes; each computed the global loss.
        (loss * run.world).backward()
    else:
        loss = _cached_backward(run, rows, pieces)
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    run.state.step += 1
    loss = loss.item()
    # The step's activations (batch 64 of ict pairs at 128 tokens: about 3.7 GB) are free now;
    # malloc keeps much of them in heaps that the next batch, of another shape, reuses only in
    # part, so each long batch grew the process (the Markdown trial: 7.5 GB peak on 60 steps).
    # Given back, they cost page faults in the next step: only where memory is short.
    give_back_when_short()
    return loss


def effective_micro_batch(config: TrainConfig, world: int) -> int | None:
    """--micro-batch when it splits a process's share of the batch; otherwise None (one pass)."""
    micro = config.micro_batch
    return micro if micro and micro < config.batch_size // world else None


def _pieces(rows: np.ndarray, micro_batch: int | None) -> list[np.ndarray]:
    """``rows`` in pieces of ``micro_batch`` (None: one piece)."""
    size = micro_batch or len(rows)
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _embed(run: Run, rows: np.ndarray) -> torch.Tensor:
    """This process's embeddings of ``rows``: (views, rows, dim), one forward pass for every view.

    ict: the passages' document names in a second, short pass (padded to the longest name, not
    to the passages), each passage view combined with its name as the index combines a window
    with its file's name (``loss.with_names``)."""
    if run.name_weights is None:
        return _forward(run, _batch_inputs(run.tokenizer, run.token_ids, rows, run.config, run.device), len(rows))
    texts = _forward(run, _batch_inputs(run.tokenizer, run.token_ids[:-1], rows, run.config, run.device), len(rows))
    names = _forward(run, pad_batch([run.token_ids[-1][i] for i in rows], run.tokenizer, run.device), len(rows))[0]
    weights = torch.from_numpy(run.name_weights[rows]).to(run.device)
    return torch.stack([texts[0], with_names(texts[1], names, weights)])


def _forward(run: Run, inputs: dict[str, torch.Tensor], rows: int) -> torch.Tensor:
    """The pooled embeddings of a padded batch holding ``rows`` rows per view: (views, rows, dim)."""
    with autocast(run.precision, run.device):  # bf16: the transformer's matrix products only
        outputs = run.forward_model(**inputs, output_hidden_states=needs_hidden_states(run.pooling.train))
    embeddings = pool(run.pooling.train, float32_states(outputs), inputs["attention_mask"])
    return embeddings.view(-1, rows, embeddings.shape[-1])


def names_column(config: TrainConfig) -> bool:
    """Whether the rows' last column is each passage's document's name (ict, :func:`resolve_recipe`)."""
    return config.mode == "unsup" and config.recipe == "ict"


def _batch_loss(run: Run, rows: np.ndarray, local: torch.Tensor) -> torch.Tensor:
    """The loss over the global batch from this process's embeddings (views, rows, dim)."""
    config = run.config
    views = [gather_with_grad(v) for v in local]
    if len(views) == 1:  # --same-dropout-mask: one forward pass, so both views share its mask
        views = views * 2
    teacher = None
    if run.teacher is not None:
        index = torch.as_tensor(rows, device=run.device)
        teacher = [gather_with_grad(column[index]) for column in run.teacher]
        teacher = teacher * 2 if len(teacher) == 1 else teacher  # paper: both views are the same sentence
    return simcse_loss(*views, temp=config.temp, hard_negative_weight=config.hard_negative_weight,
                       teacher=teacher, distill=config.distill)


def _cached_backward(run: Run, rows: np.ndarray, pieces: list[np.ndarray]) -> torch.Tensor:
    """Gradient caching (see :func:`_step`): returns the loss, the gradients are in the model."""
    starts = []
    with torch.no_grad():
        parts = []
        for piece in pieces:
            starts.append(_rng_state(run.device))
            parts.append(_embed(run, piece))
    local = torch.cat(parts, dim=1).requires_grad_()
    loss = _batch_loss(run, rows, local)
    (loss * run.world).backward()
    offset = 0
    for i, (piece, start) in enumerate(zip(pieces, starts)):
        _set_rng_state(start, run.device)
        last = i == len(pieces) - 1
        # Under DDP: one all-reduce, after the last piece (each one would give the same sum, slower).
        with contextlib.nullcontext() if last or run.world == 1 else run.forward_model.no_sync():
            _embed(run, piece).backward(local.grad[:, offset : offset + len(piece)])
        offset += len(piece)
    return loss  # the replay drew what the first pass drew: the random state is where it left it


def _rng_state(device: torch.device) -> tuple:
    return torch.get_rng_state(), torch.cuda.get_rng_state(device) if device.type == "cuda" else None


def _set_rng_state(state: tuple, device: torch.device) -> None:
    torch.set_rng_state(state[0])
    if device.type == "cuda":
        torch.cuda.set_rng_state(state[1], device)


def _checkpoint_due(config: TrainConfig, saved_at: float) -> bool:
    """Whether --checkpoint-every minutes have passed since this process's last checkpoint (or its start)."""
    return config.checkpoint_every > 0 and time.monotonic() - saved_at >= config.checkpoint_every * 60


def _checkpoint(run: Run) -> str | None:
    """Save what resuming needs (main process), once every process has reached this step.

    A write that fails (a full disk, a work folder made read-only) is returned, as why, not
    raised: its half-written file is gone and the last checkpoint (``run.saved_step``) is as it
    was, so the caller says so in a line and goes on, or stops with that one to resume from."""
    _check_finite(run.model, run.state.step, run.config)
    rng = _all_rng_states(run.world)
    failed = None
    if run.main_process:
        try:
            _save_checkpoint(run.staging, run.model, run.optimizer, run.scheduler, run.state, run.signature, rng)
        except OSError as exc:
            failed = _why(exc)
    # (every process learns of it: their messages name the same checkpoint to resume from)
    if _agree(failed is not None, device=run.device)[0]:
        return failed or "the main process could not write it"
    run.saved_step = run.state.step
    if run.world > 1:
        dist.barrier()  # no process exits (and makes torchrun stop the rest) mid-save
    return None


def _not_saved(run: Run, why: str) -> str:
    """What a checkpoint that could not be written leaves (``_checkpoint``)."""
    return (f"the checkpoint of step {run.state.step} could not be saved in {run.staging} ({why}); "
            + (f"the one of step {run.saved_step} is there to --resume from" if run.saved_step else
               "there is no earlier one to --resume from"))


class _Clock:
    """Training time and evaluation time, counted apart into the state (a resumed run adds to them)."""

    def __init__(self, state: TrainState):
        self.state, self.mark = state, time.perf_counter()
        self.first_step, self.first_seconds = state.step, state.train_seconds

    def lap(self) -> None:
        """Count the time since the last lap as training."""
        now = time.perf_counter()
        self.state.train_seconds += now - self.mark
        self.mark = now

    @contextlib.contextmanager
    def apart(self):
        """Time counted neither as training nor as evaluation: a checkpoint's writing."""
        self.lap()
        try:
            yield
        finally:
            self.mark = time.perf_counter()

    @contextlib.contextmanager
    def evaluating(self):
        self.lap()
        try:
            yield
        finally:
            now = time.perf_counter()
            self.state.eval_seconds += now - self.mark
            self.mark = now

    def this_process(self) -> tuple[int, float]:
        """Steps and training seconds since this process started (the rate and the estimate)."""
        self.lap()
        return self.state.step - self.first_step, self.state.train_seconds - self.first_seconds


class _CtrlC:
    """Ctrl-C asks the loop to stop after the current step (it saves a checkpoint); a second one stops at once.
    Once the steps are done (``saving``) every Ctrl-C is only noted: the finished model is saved first.

    SIGTERM (what ``timeout``, ``kill``, systemd and job schedulers such as SLURM send before
    SIGKILL) counts as a Ctrl-C, so a run stopped so keeps its checkpoint; before, it died at once
    and saved nothing to resume from.

    While ``wait`` is false (a single process setting up) the first Ctrl-C stops at once too. A
    Ctrl-C that ``simsearch.interrupt`` noted before (a torchrun process starting) counts as
    pressed. Signal handlers can only be set in the main thread; elsewhere Python's own stays.
    """

    def __init__(self, wait: bool = True):
        self.pressed = False
        self.wait = wait
        self.saving = False  # the finished model is being saved: every Ctrl-C is noted, none stops it

    def __enter__(self) -> _CtrlC:
        self.previous = signal.getsignal(signal.SIGINT)
        if interrupt.is_deferring(self.previous) or self.previous is None:
            self.previous = signal.default_int_handler  # a second Ctrl-C must still stop at once
        self.previous_term = signal.getsignal(signal.SIGTERM)
        self.installed = threading.current_thread() is threading.main_thread()
        if self.installed:
            signal.signal(signal.SIGINT, self._on_sigint)
            signal.signal(signal.SIGTERM, self._on_sigint)
        self.pressed = self.pressed or interrupt.take()  # noted before this handler was in place
        return self

    def _on_sigint(self, signum, frame) -> None:
        name = b"Ctrl-C" if signum == signal.SIGINT else b"SIGTERM"
        if self.saving:
            if not self.pressed:
                os.write(2, b"\n" + name + b": saving the finished model first; simsearch stops once it is saved\n")
            self.pressed = True
            return
        if self.pressed or not self.wait:
            self._restore()
            raise KeyboardInterrupt
        if signum != signal.SIGINT:  # (a terminal echoes ^C; a signal from elsewhere says nothing)
            os.write(2, b"\nSIGTERM: stopping after this step; a checkpoint is saved for --resume\n")
        self.pressed = True

    def _restore(self) -> None:
        signal.signal(signal.SIGINT, self.previous)
        signal.signal(signal.SIGTERM, self.previous_term if self.previous_term is not None else signal.SIG_DFL)

    def __exit__(self, *exc) -> None:
        if self.installed:
            self._restore()


class TrainingDiverged(SimsearchError):
    """The loss or the weights stopped being finite numbers: nothing is saved."""

    def __init__(self, step: int, what: str, config: TrainConfig):
        super().__init__(f"training diverged at step {step} ({what}); nothing was saved; {divergence_hint(config)}")


# Settings far enough from the paper's (tau 0.05; a distillation weight of a few) to overflow the
# loss by themselves: a divergence with one of them is blamed on it, not on --lr.
EXTREME_TEMP = 1e-3
EXTREME_DISTILL = 1e3


def divergence_hint(config: TrainConfig) -> str:
    """What to change after a divergence: the extreme option(s) this run used, else --lr."""
    extremes = []
    if config.temp < EXTREME_TEMP:
        extremes.append(f"--temp {config.temp:g} is extreme (the paper uses 0.05)")
    if (config.distill or 0.0) > EXTREME_DISTILL:
        extremes.append(f"--distill {config.distill:g} is extreme (a few is typical)")
    if extremes:
        return "; ".join(extremes)
    return f"try a lower --lr (this run used {config.lr:g})"


def _agree(*flags: bool, device: torch.device) -> tuple[bool, ...]:
    """Each flag, true when it is true in any process (an all-reduce, MAX): whether any process was
    interrupted, diverged, or found a checkpoint due at this step, so that all act alike."""
    if not dist.is_initialized():
        return flags
    agreed = torch.tensor([int(flag) for flag in flags], device=device)
    dist.all_reduce(agreed, op=dist.ReduceOp.MAX)
    return tuple(bool(flag) for flag in agreed)


def _check_finite(model, step: int, config: TrainConfig) -> None:
    """Refuse to evaluate, checkpoint or save weights that hold NaN or infinity."""
    finite = torch.stack([torch.isfinite(p).all() for p in model.parameters()]).all()
    if not bool(finite):
        raise TrainingDiverged(step, "weights not finite", config)


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


def _batch_inputs(tokenizer, token_ids, rows, config: TrainConfig, device) -> dict[str, torch.Tensor]:
    """One padded tensor batch holding every view: [sent0 x2] (paper), [sent0; sent1[; hard_neg]] (sup), or
    [anchor; passage] (ict, given its rows' text columns: ``_embed``)."""
    columns = [[token_ids[c][i] for i in rows] for c in range(len(token_ids))]
    if len(columns) == 1 and not config.same_dropout_mask:
        columns = [columns[0], columns[0]]  # two views, one forward pass: independent dropout masks
    return pad_batch([ids for column in columns for ids in column], tokenizer, device)


def _lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up over `warmup` steps, then linear decay to 0 at `total` (no warm-up: the paper's schedule)."""
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, 1.0 - (step - warmup) / max(1, total - warmup))


@dataclass
class TrainingData:
    """What a run trains on, read before any model is loaded.

    ``examples``: 1-tuples of sentences (unsup, exact duplicates dropped) or (sent0, sent1[,
    hard_neg]) rows (sup). ``documents``: for unsup, the sentences grouped by document in
    order (with index ids for ``--from-index``), for recipes that use a text's structure.
    ``sha256`` is what ``--resume`` checks: of the sentences read (unsup), so a changed file
    or index is refused even when it would pass a check of file bytes; of the file (sup).
    ``roots``: per document, the folder its name is taken relative to (:func:`resolve_recipe`).
    """

    examples: list[tuple[str, ...]]
    sha256: str
    source: dict
    documents: list[Document] = field(default_factory=list)
    # Per document, the folder its held-out name is relative to: the folder given (unsup), or the
    # index root it was indexed under (--from-index).
    roots: list[str] = field(default_factory=list)


# What ``data_source.sentences`` counts, said beside it in simsearch.json: ``heldout``'s counts
# are of every sentence (report.ALL_SENTENCES), so the two differ by the duplicates.
DISTINCT_SENTENCES = "distinct sentences: an exact duplicate counted once (the texts training reads)"


def training_data(config: TrainConfig, warn: Warn | None = None) -> TrainingData:
    """Read ``config.data``: the index's sentences (``from_index``), a text file or folder read
    as ``simsearch index`` reads it (unsup; ``warn`` hears about files left out), or triplets."""
    if config.mode == "sup":
        examples = load_triplets(config.data)
        sha256 = file_sha256(config.data)
        columns = list(COLUMNS[:len(examples[0])])  # (every row has the same arity)
        kind = "triplets" if len(columns) == 3 else "pairs"
        if kind == "pairs" and config.hard_negative_weight != 1.0:
            raise SimsearchError(f"--hard-negative-weight {plain_number(config.hard_negative_weight)}: {config.data} has "
                                 "no hard_neg column, so no hard negative to weigh: drop the option, or add the column")
        return TrainingData(examples, sha256, {"kind": kind, "path": str(config.data.absolute()),
                                               "rows": len(examples), "columns": columns, "sha256": sha256})
    if config.from_index:
        from ..indexer import writer_alive
        from ..models import command_line
        from ..store import Store

        store = Store.open(config.data, create=False)
        try:
            with store.snapshot():  # the files as `simsearch status` counts them, those with sentences among them
                documents = indexed_documents(store)
                files = store.counts()["documents"]
                # Every indexed file, one that held no sentence too: holding prose now, it is changed
                # as surely as an edited one, and training misses its text as well.
                indexed = sorted((Document(path, [], document_id) for document_id, path in store.conn.execute(
                    "SELECT id, path FROM documents WHERE skip_reason IS NULL")), key=lambda d: Path(d.path).parts)
            stale = stale_documents(store, indexed)
            roots = [index_root(list(store.roots()), d.path) for d in documents]
            older = other_reader_documents(store, indexed)
            running = writer_alive(store)
        finally:
            store.close()
        if not documents:
            raise SimsearchError(f"--from-index: the index {config.data} holds no sentences yet; "
                                 f"index your text first: {command_line('index', 'FOLDER', db=config.data)}")
        if running:  # as `search` and `eval retrieval` say it: what it holds now is not what it will hold
            (warn or print_file_warning)(str(config.data), (
                f"an index run is in progress: training on the {counted(files, 'file')} it holds so far (files not yet "
                "indexed are missed, changed ones read as they were); train again when the run is done"))
        if stale:
            path, state = stale[0]
            (warn or print_file_warning)(str(config.data), (
                f"{len(stale)} of its {files} files changed or are gone since they were indexed ({path}: "
                f"{state}{', …' if len(stale) > 1 else ''}); training on the text the index holds: run "
                f"`{command_line('index', db=config.data)}` first to train on what they hold now"))
        if older:
            from ..indexer import files_of

            (warn or print_file_warning)(str(config.data), (
                f"{files_of(len(older), files)} read by another version of simsearch, which "
                f"reads files otherwise ({older[0]}{', …' if len(older) > 1 else ''}); training on the sentences "
                f"that version stored: run `{command_line('index', db=config.data)}` first to train on what this version reads (the "
                "sentences it then searches)"))
        source = {"kind": "index", "path": str(config.data.absolute()), "files_changed_since_indexed": len(stale),
                  "files_read_by_other_version": len(older), "index_in_progress": running}
    else:
        empty: list[str] = []
        documents = documents_from_path(config.data, warn, without_sentences=empty)
        source = {"kind": "files", "path": str(config.data.absolute())}
        roots = [str(config.data.expanduser().absolute())] * len(documents)
        files = len(documents) + len(empty)
    sentences = unique_sentences(documents)
    sha256 = documents_sha256(documents)
    source.update(documents=len(documents), sentences=len(sentences), sentences_meaning=DISTINCT_SENTENCES, sha256=sha256,
                  files=files, files_without_sentences=files - len(documents))
    source.update(files_used(len(documents)))  # (all of them until a recipe holds some out: resolve_recipe)
    return TrainingData([(s,) for s in sentences], sha256, source, documents, roots)


# What ``data_source``'s "files" counts are, said beside them in simsearch.json.
FILES_MEANING = ("files: the index's files as `simsearch status` counts them (--from-index), else the files read; "
                 "files_trained_on: those whose text training read (ict: that gave a sentence/passage pair and were not "
                 "held out); the others had no sentence, were held out to measure the result, or gave no pair")


def files_used(documents: int, held_out: int = 0, without_pairs: int = 0) -> dict:
    """``data_source``'s counts of the files (with sentences: ``documents``) a recipe trained on,
    held out and could make no example of."""
    return {"files_trained_on": documents - held_out - without_pairs, "files_held_out": held_out,
            "files_without_pairs": without_pairs, "files_meaning": FILES_MEANING}


def index_root(roots: list[str], path: str) -> str | None:
    """The index root ``path`` was indexed under (the deepest holding it), or None."""
    holding = [root for root in roots
               if os.path.abspath(path) == os.path.abspath(root) or os.path.commonpath(
                   [os.path.abspath(root), os.path.abspath(path)]) == os.path.abspath(root)]
    return max(holding, key=len) if holding else None


def stale_documents(store, documents) -> list[tuple[str, str]]:
    """(path, state) of each indexed document whose file no longer holds what was indexed
    ("changed", "gone", "unreadable": decided as ``search`` decides it, :func:`search.file_state`)."""
    from ..search import file_state

    states = ((d.path, file_state(store, d.id, d.path)) for d in documents)
    return [(path, state) for path, state in states if state != "indexed"]


def other_reader_documents(store, documents) -> list[str]:
    """Paths of the indexed documents another version of simsearch's reader read
    (``extract.EXTRACTOR_VERSION``): the next `simsearch index` reads them again, and may store
    other sentences for them."""
    from ..extract import EXTRACTOR_VERSION

    older = store.read_by_other_extractor(EXTRACTOR_VERSION)
    return [d.path for d in documents if d.id in older]


ESTIMATE_AFTER = 3  # steps timed, after the first, before the estimate of the run's time


def heldout_split(documents, seed: int):
    """(training documents, held-out documents) as ``--recipe ict`` splits them."""
    from .. import pairs

    return pairs.heldout_split(documents, HELDOUT_SHARE, seed, min_queries=HELDOUT_MIN_QUERIES,
                               min_documents=HELDOUT_MIN_DOCUMENTS, window=ICT_WINDOW)


def resolve_recipe(config: TrainConfig, data: TrainingData, note=None, base: ModelRef | None = None
                   ) -> tuple[list, list]:
    """Choose the unsupervised recipe when none was given, apply its defaults, build its examples.

    Returns (training examples, held-out documents). ``paper``: the unique sentences, nothing
    held out (exactly the paper's run). ``ict``: ``HELDOUT_SHARE`` of the documents set aside
    (seeded, within a quarter of the sentences: :func:`pairs.heldout_split`), inverse-cloze
    pairs from the rest. With no --recipe, ``ict`` when the text is at least
    ``AUTO_ICT_MIN_DOCUMENTS`` documents giving at least a batch of pairs and held-out
    documents that give questions to measure the result with (a file of one sentence per line
    is one document of unrelated lines: the paper's recipe), else ``paper``. ``note`` hears
    which recipe was chosen and, for ``ict``, how much was held out. ``--distill``, when not
    given: ``AUTO_DISTILL`` where ``paper`` was chosen this way for a sentence-encoder ``base``
    (the paper's loss alone trains away what such a base knew), else 0 (``--recipe paper``
    given is the paper's loss alone).
    """
    if config.mode == "sup":
        config.distill = config.distill or 0.0
        return data.examples, []
    from .. import pairs

    # Named relative to the folder given (or each one's index root): the split is the same
    # wherever that folder is, and whatever is added beside it.
    documents = named_documents(data)
    chosen = config.recipe
    rows, heldout, questions = [], [], 0
    if chosen == "ict" or (chosen is None and len(documents) >= AUTO_ICT_MIN_DOCUMENTS):
        if len(documents) < 2:
            raise SimsearchError(f"--recipe ict sets {HELDOUT_SHARE:.0%} of your documents aside to measure the "
                                 f"result and trains on the rest: {config.data} is {len(documents)} document; "
                                 "use --recipe paper, or a folder of several documents")
        training, heldout = heldout_split(documents, config.seed)
        # (anchor, passage, the passage's document's name or ""): the step embeds the passage with
        # its name as the index embeds a window with its file's name (``_embed``, ``loss.with_names``).
        # One row per (anchor, passage), named by the first document that gives it: a window
        # repeated word for word in several files (an option's text on each command's page) would
        # otherwise be several rows told apart by their names alone, each the others' in-batch negative.
        named: dict[tuple, str] = {}
        paired: set[int] = set()  # the training documents that give a pair
        for e in pairs.ict_pairs(training, ICT_WINDOW):
            named.setdefault(e.row(), training[e.document].title or "")
            paired.add(e.document)
        rows = [(*row, name) for row, name in named.items()]
        questions = pairs.question_count(heldout, ICT_WINDOW)
    held_note = heldout_note(documents, heldout, questions)
    if chosen is None:
        batch = config.batch_size
        chosen = "ict" if len(rows) >= batch and questions else "paper"
        distilled = chosen == "paper" and config.distill is None and base is not None and is_sentence_encoder(base)
        if distilled:
            config.distill = AUTO_DISTILL
        if note is not None:
            if chosen == "ict":
                why = f"{counted(len(documents), 'document')}, {counted(len(rows), 'sentence/passage pair')}; {held_note}"
            elif len(rows) >= batch:  # enough pairs, but nothing held out could measure the result
                why = (f"{counted(len(documents), 'document')}; the inverse cloze recipe measures the result on held-out "
                       f"documents, and those it can hold out (at most a quarter of the sentences) give no questions")
            else:
                why = (f"{counted(len(documents), 'document')}; the inverse cloze recipe needs {AUTO_ICT_MIN_DOCUMENTS} "
                       f"or more giving at least {counted(batch, 'sentence/passage pair')}{_lines_alone_note(documents)}")
            why += _shape_unknown_note(documents, config.data)
            if distilled:
                why += (f"; --distill {AUTO_DISTILL:g} keeps what the base {base.name} knew, which the paper's loss alone "
                        "trains away from a sentence encoder")
            note(f"recipe: {chosen} ({why}; --recipe paper|ict to choose)", highlight=False)
    elif chosen == "ict" and note is not None:
        note(f"recipe: ict ({held_note}{_shape_unknown_note(documents, config.data)})", highlight=False)
    if config.distill is None:
        config.distill = 0.0
    config.recipe = chosen
    config._recipe_defaults()
    if chosen == "paper":
        data.source.update(files_used(len(documents)))
        return data.examples, []
    data.source.update(files_used(len(documents), len(heldout), len(training) - len(paired)))
    if len(rows) < 2:
        # (not for want of sentences, where every document is so)
        alone = _lines_alone_note(documents) + _shape_unknown_note(documents, config.data)
        why = (alone[2:] if _lines_alone(documents) + _shape_unknown(documents) == len(documents)
               else f"it needs documents of several sentences of 3+ words{alone}")
        raise SimsearchError(f"--recipe ict: {config.data} gives {counted(len(rows), 'sentence/passage pair')} ({why}); "
                             "use --recipe paper")
    return rows, heldout


def named_documents(data: TrainingData) -> list:
    """The data's documents (``pairs.Document``) named relative to the folder given, or each
    one's index root: the split is the same wherever that folder is, and whatever is added beside it."""
    from .. import pairs

    kept = [(d, r) for d, r in zip(data.documents, data.roots or [None] * len(data.documents)) if d.sentences]
    return pairs.relative_names(pairs.as_documents([d for d, _ in kept]), [r for _, r in kept])


def _lines_alone(documents) -> int:
    """How many of the documents (``pairs.Document``) hold each sentence alone in its line's block
    (``data.Document.blocks``: plain text of one sentence per line), whose lines give no passage."""
    blocks = [(getattr(d, "blocks", None), getattr(d, "shape_unknown", False)) for d in documents]
    return sum(1 for b, unknown in blocks if b is not None and len(set(b)) == len(b) and not unknown)


def _shape_unknown(documents) -> int:
    """How many of the documents (``pairs.Document``) an index holds as an older simsearch read them,
    before their shape was recorded (``data.Document.shape_unknown``): they give no passage."""
    return sum(1 for d in documents if getattr(d, "shape_unknown", False))


def _shape_unknown_note(documents, db) -> str:
    """'; 3 of the 12 documents are plain text whose shape an older simsearch did not record: ...',
    or '' for none: why they give no passage (the index gives them no window), and what reads them."""
    from ..models import command_line

    unknown = _shape_unknown(documents)
    if not unknown:
        return ""
    one = unknown == 1
    return (f"; {_some_documents(unknown, len(documents))} plain text whose shape an "
            f"older simsearch did not record: {'it gives' if one else 'they give'} no passage, as the index gives "
            f"{'it' if one else 'them'} no window, until `{command_line('index', db=db)}` reads "
            f"{'it' if one else 'them'} again")


def _lines_alone_note(documents) -> str:
    """'; 12 of the 12 documents are plain text of one sentence per line, ...', or '' for none: why
    the inverse cloze recipe finds no passage there (not for want of sentences)."""
    alone = _lines_alone(documents)
    return (f"; {_some_documents(alone, len(documents))} plain text of one sentence per line, whose "
            "lines are unrelated and give no passage") if alone else ""


def _some_documents(count: int, total: int) -> str:
    """"3 of the 12 documents are", "1 of the 12 documents is", "all 12 documents are", "the
    document is" (the one of one)."""
    if count == total:
        return "the document is" if total == 1 else f"all {total:,} documents are"
    return f"{count:,} of the {total:,} documents {'is' if count == 1 else 'are'}"


def heldout_note(documents, heldout, questions: int) -> str:
    """What the ict split held out, for the ``recipe:`` note: documents, sentences, their share."""
    if not heldout:
        return "nothing held out"
    held = sum(len(d.sentences) for d in heldout)
    total = sum(len(d.sentences) for d in documents)
    from .. import pairs

    asked = min(questions, pairs.MAX_QUESTIONS)  # what structure_retrieval asks: the end line counts these
    drawn = f" (drawn from {questions:,})" if questions > asked else ""
    if _shape_unknown(heldout) == len(heldout):
        why = f"{'it is' if len(heldout) == 1 else 'they are'} plain text whose shape an older simsearch did not record"
    elif _lines_alone(heldout) == len(heldout):
        why = f"{'it is' if len(heldout) == 1 else 'they are'} plain text of one sentence per line, whose lines are unrelated"
    else:
        why = "no sentence of 3+ words has a neighbour in its document"
    measured = (f"{counted(asked, 'question')}{drawn} to measure the result" if questions else
                f"{_no_questions(len(heldout))}, so the result is not measured ({why})")
    return (f"held out: {counted(len(heldout), 'document')} of {len(documents):,}, {counted(held, 'sentence')} of "
            f"{total:,} ({held / max(total, 1):.0%}); {measured}")


def split_for_evaluation(config: TrainConfig, examples: list, documents_held_out: bool = False) -> EvaluationSplit:
    """STS-B dev when the data is there; otherwise a held-out slice of the user's own data
    (none when whole documents are held out: they are the evaluation)."""
    from ..sts import data_dir

    try:
        return EvaluationSplit(data_dir(config.eval_data), [], examples)
    except SimsearchError:
        if config.eval_data is not None:
            raise
    size = min(1000, max(2, len(examples) // 20))
    if documents_held_out or len(examples) < 3 * size:
        return EvaluationSplit(None, [], examples)
    held = set(np.random.default_rng(config.seed).permutation(len(examples))[:size].tolist())
    return EvaluationSplit(None, [examples[i] for i in sorted(held)],
                           [e for i, e in enumerate(examples) if i not in held])


def _finite(value):
    value = float(value)
    return None if math.isnan(value) else value


def _evaluate(run: Run, base_only: bool = False) -> str:
    """Measure the model, log the record, and keep the weights when they are the best so far.

    STS-B dev when there is one (the best score is kept); without it, alignment/uniformity on
    held-out examples (the last step is kept). With held-out documents (``ict``): retrieval of
    their structure (``pairs.structure_retrieval``) at every evaluation; without STS-B dev it
    selects the kept step (best hit@10, then MRR@10). ``base_only``: step 0, measured the same
    way and logged, never kept: the base model (``"model": "base"``), or, when this run starts
    from something else (another pooler, a new head: :func:`base_and_start`), that start
    (``"model": "start"``, described in ``"start"``) with the base's own figures in ``"base"``.
    Returns what the progress bar shows.
    """
    state, split, evaluator, shown, failed = run.state, run.split, run.evaluator, "-", None
    if run.main_process:
        losses = state.losses[-run.config.eval_steps:]
        record = {"step": state.step, "loss": float(np.mean(losses)) if losses else None,
                  "train_precision": run.precision, "time": datetime.datetime.now().isoformat(timespec="seconds")}
        if base_only:
            record["model"] = "base" if run.base_as_loaded is None else "start"
        figures = _figures(run, evaluator, str(state.step))
        record.update(figures)
        hit, mrr, score = figures.get("heldout_hit@10"), figures.get("heldout_mrr@10"), figures.get("stsb_dev")
        if run.heldout_docs:
            shown = f"held-out hit@10 {hit:.3f}" if hit is not None else "-"
            if split.sts_dev is None and not base_only and hit is not None and (
                    state.best_heldout is None or (hit, mrr) > tuple(state.best_heldout)):
                state.best_heldout, state.best_step = [hit, mrr], state.step
                failed = _save_best(run)
        if split.sts_dev is not None:
            # None (NaN: constant embeddings) is never the best
            if not base_only and score is not None and (state.best_score is None or score > state.best_score):
                state.best_score, state.best_step = score, state.step
                failed = _save_best(run)
            shown = f"{score:.2f}" if score is not None else "nan"
        elif split.held_out:
            record.update({k: float(v) for k, v in _holdout_geometry(evaluator, split.held_out).items()})
            shown = f"align {record['alignment']:.3f} unif {record['uniformity']:.3f}"
        if base_only and run.base_as_loaded is not None:
            record["start"] = run.start  # (what "model": "start" was, with or without figures)
            if run.heldout_docs or split.sts_dev is not None:
                record["base"] = _base_record(run)
        state.evals.append(record)
        try:  # (the live log: the model's log is written from ``state.evals`` when it is saved)
            with open(run.staging / "train_log.jsonl", "a", encoding="utf-8") as log:
                log.write(json.dumps(record, allow_nan=False) + "\n")
        except OSError as exc:
            print_warning(f"step {state.step}'s record could not be added to {run.staging / 'train_log.jsonl'} "
                          f"({_why(exc)}); it is kept, and written with the model")
    run.model.train()
    _stop_together(run, failed)
    if dist.is_initialized():
        dist.barrier()
    return shown


def _base_record(run: Run) -> dict:
    """The base model as ``-m BASE`` loads it, measured as every step is: step 0's ``"base"``."""
    base = _load_base(run.base_as_loaded, run.device)
    return {"model": run.base_as_loaded.name, "pooler": base.ref.pooler, **_figures(run, base, "base")}


def _base_unmeasured(run: Run) -> bool:
    """Whether the resumed log's step-0 record is this run's start but lacks the base's own
    figures: a checkpoint written before the base was measured apart (its step 0 has no "model"
    and, when the start is not the base, would be reported as the base)."""
    if run.base_as_loaded is None or not (run.heldout_docs or run.split.sts_dev is not None):
        return False
    record = next((e for e in run.state.evals if e.get("step") == 0), None)
    return record is not None and not isinstance(record.get("base"), dict)


def _measure_base_on_resume(run: Run) -> None:
    """Complete the restored step-0 record as :func:`_evaluate` writes it today: ``"model":
    "start"``, the start described, the base model's own figures in ``"base"``. The random
    state the checkpoint restored is left as it was, so the steps that follow are the
    uninterrupted run's, bit for bit."""
    if run.main_process:
        with torch.random.fork_rng(devices=[run.device] if run.device.type == "cuda" else []):
            base = _base_record(run)
        record = next(e for e in run.state.evals if e.get("step") == 0)
        completed = {}
        for key, value in record.items():
            if key not in ("model", "start", "base"):
                completed[key] = value
            if key == "time":
                completed["model"] = "start"
        completed.setdefault("model", "start")
        completed.update(start=run.start, base=base)
        record.clear()
        record.update(completed)
        _write_log(run.staging, run.state.evals)
    if dist.is_initialized():
        dist.barrier()


def _figures(run: Run, encoder: Encoder, ranks_key: str) -> dict:
    """The figures every evaluation logs for ``encoder``: held-out retrieval (ict) and STS-B dev
    (when there is STS data); a figure that is NaN (no question, constant embeddings) is None.
    Each held-out question's rank goes to ``TrainState.heldout_ranks[ranks_key]``, not the log."""
    figures = {}
    if run.heldout_docs:
        from ..pairs import structure_retrieval

        found = structure_retrieval(encoder, run.heldout_docs)
        figures.update({"heldout_hit@10": _finite(found["hit@10"]), "heldout_mrr@10": _finite(found["mrr@10"]),
                        "heldout_queries": found["queries"]})
        run.state.heldout_ranks[ranks_key] = found["ranks"]
    if run.split.sts_dev is not None:  # the pairs read at the start: an edit of the file meanwhile changes nothing
        from ..sts import stsb_dev_score

        score = stsb_dev_score(lambda s: encoder.encode(s, progress=False), run.split.sts_dev_pairs)
        figures["stsb_dev"] = _finite(score)
    return figures


def batch_work(lengths: np.ndarray, rows: np.ndarray) -> int:
    """A batch's cost in padded tokens: its rows times its longest row (every view is padded to it)."""
    return len(rows) * int(lengths[rows].max()) if len(rows) else 0


def _remaining_work(run: Run) -> int:
    """The padded tokens of the batches still to come (those ``_remaining_batches`` will give)."""
    state = run.state
    coming = itertools.islice(_batches_from(run, state.epoch, state.batch_in_epoch), run.total_steps - state.step)
    return sum(batch_work(run.lengths, rows) for _, _, rows in coming)


def _print_estimate(run: Run, seconds_per_token: float) -> None:
    """The run's time from the steps timed so far, scaled to the padded tokens of the batches still
    to come: length-bucketed batches differ several-fold in cost, so a few steps are no sample of
    the rest (stderr; evaluations at their step-0 cost when known)."""
    state, total_steps, eval_steps = run.state, run.total_steps, run.config.eval_steps
    evaluates = bool(run.heldout_docs or run.split.sts_dev or run.split.held_out)
    evaluations = len({*range(eval_steps, total_steps + 1, eval_steps), total_steps} - set(range(state.step + 1)))
    per_eval = state.eval_seconds / len(state.evals) if evaluates and state.evals else 0.0
    remaining = seconds_per_token * _remaining_work(run) + per_eval * evaluations
    shown = f"{remaining / 60:.0f} min" if remaining >= 90 else f"{remaining:.0f} s"
    stderr.print(f"about {shown} for the remaining {total_steps - state.step} of {total_steps} steps "
                 f"(from {ESTIMATE_AFTER} steps timed after the first, scaled to the remaining batches' lengths)",
                 highlight=False, soft_wrap=True)


def _holdout_geometry(evaluator: Encoder, holdout) -> dict:
    """Alignment between anchors and their positives (two dropout views for unsup), uniformity."""
    from ..sts import alignment, uniformity

    anchors = [row[0] for row in holdout]
    a = evaluator.encode(anchors, normalize=True, progress=False).astype(np.float64)
    if len(holdout[0]) > 1:
        b = evaluator.encode([row[1] for row in holdout], normalize=True, progress=False).astype(np.float64)
    else:
        evaluator.model.train()  # positives are dropout views, as the loss sees them
        with torch.no_grad():
            b = torch.cat([
                torch.nn.functional.normalize(evaluator.forward(evaluator.batch_tensors(evaluator.tokenize(anchors[i:i + 64]))), dim=-1)
                for i in range(0, len(anchors), 64)
            ]).double().cpu().numpy()
    return {"alignment": alignment(a, b), "uniformity": uniformity(a)}


# In the work folder's best/: the step its weights are of (left out when they become the model).
BEST_STEP_FILE = "simsearch-step"


def _save_weights(model, tokenizer, folder: Path, step: int | None = None) -> None:
    """The weights (and tokenizer) into ``folder``, whole or not at all; ``step``: the step they
    are of, written with them (the work folder's best/, see ``_best_of_checkpoint``)."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if step is not None:
            (tmp / BEST_STEP_FILE).write_text(f"{step}\n", encoding="ascii")
            _fsync_files(tmp)  # on the disk before best/ names them: a power cut leaves whole weights
    except BaseException:  # (a full disk): no half-written copy is left taking the space
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _save_best(run: Run) -> SimsearchError | None:
    """This step's weights, the best so far, into the work folder's best/. A write that fails (a
    full disk) is returned, to stop the run in a line: going on, the model saved at the end would
    be another step's weights. best/ still holds the step before, which the last checkpoint knows."""
    try:
        _save_weights(run.model, run.tokenizer, run.staging / "best", run.state.step)
    except Exception as exc:  # noqa: BLE001 (safetensors' own error for a full disk is a bare Exception)
        if _disk_error(exc) is None:
            raise
        then = (f"run the same command with --resume to go on from the checkpoint of step {run.saved_step}"
                if run.saved_step else "run the same command again (no checkpoint was saved yet)")
        return SimsearchError(f"the weights of step {run.state.step}, the best so far, could not be saved in "
                              f"{run.staging / 'best'} ({_disk_error(exc)}); make room, then {then}")
    return None


def _fsync_files(folder: Path) -> None:
    """Every file in ``folder`` written to the disk (before a rename that puts it in place)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as file:
                os.fsync(file.fileno())


def _best_of_checkpoint(staging: Path, state: TrainState) -> None:
    """On --resume: the work folder's best/ as the checkpoint knows it. A run killed after saving a
    better step's weights, before the checkpoint that follows them, left best/ holding a step the
    checkpoint does not know (and without the one it does): those weights go, and the selection
    starts again from the checkpoint's step, said in a warning, rather than keep weights under
    another step's name. A best/ from before the step was written beside it is left as it was
    (only Ctrl-C saved checkpoints then: always after the best step)."""
    best, held = staging / "best", None
    if (best / BEST_STEP_FILE).is_file():
        text = (best / BEST_STEP_FILE).read_text(encoding="ascii", errors="replace").strip()
        held = int(text) if text.isdigit() else -1  # (damaged: a step no checkpoint holds)
    elif best.is_dir():
        return
    if held == state.best_step:
        return
    shutil.rmtree(best, ignore_errors=True)
    if state.best_step is not None:
        print_warning(f"the weights of step {state.best_step}, the best so far, were replaced after the checkpoint of "
                      f"step {state.step} was saved (the run was stopped while it saved a better step's); the steps "
                      f"from {state.step + 1} on are measured to choose the model again")
        state.best_step = state.best_score = state.best_heldout = None


def _write_log(staging: Path, records: list) -> None:
    """Rewrite the training log as exactly these records (on resume: the checkpoint's)."""
    tmp = staging / "train_log.jsonl.tmp"
    tmp.write_text("".join(json.dumps(r, allow_nan=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(staging / "train_log.jsonl")


STS_DEV_KEY = "--data (evaluation, STS-B dev sha256)"


def _signature(config: TrainConfig, data_sha256: str, base: ModelRef, pooling: "Pooling", sts_dev: Path | None,
               world: int, device: torch.device, precision: str, heldout_docs=(), repeated=frozenset(),
               sts_dev_pairs=None, named_rows=None) -> dict:
    """Every setting that changes what a step computes, keyed by the option that sets it.

    Stored in the checkpoint: ``--resume`` continues only the run that wrote it. The held-out
    documents are named by their paths relative to the data's folder (``pairs.relative_names``):
    the data hash ignores names, so a renamed file that moves a document in or out of the
    held-out set is caught here, while the same folder moved elsewhere resumes. STS-B dev, which
    chooses the step kept, is signed by its folder and by the pairs read from it
    (``sts.pairs_sha256``): the same file with other pairs is another criterion. ``named_rows``
    (ict): rows whose last column is the passage's document's name, which the data hash does not
    see: signed passage by passage (``names_sha256``), a file renamed meanwhile, two files that
    swapped their names, or a checkpoint of a run from before passages had names, is another run.
    """
    from ..sts import pairs_sha256

    return {
        "--unsup/--sup": config.mode,
        "--recipe": config.recipe,
        "--from-index": config.from_index,
        "training data (sha256)": data_sha256,
        HELDOUT_KEY: heldout_sha256(heldout_docs, repeated),
        "--model (files)": fingerprint(base),
        "--pooler": f"{pooling.train} -> {pooling.inference}",
        "--epochs": config.epochs,
        "--max-steps": config.max_steps,
        "--batch-size": config.batch_size,
        **({"--micro-batch": micro} if (micro := effective_micro_batch(config, world)) else {}),
        "--lr": config.lr,
        "--temp": config.temp,
        "--max-len": config.max_len,
        "--hard-negative-weight": config.hard_negative_weight,
        "--distill": config.distill,
        "--dropout": config.dropout,
        "--warmup-steps": config.warmup_steps,
        "--same-dropout-mask": config.same_dropout_mask,
        "--seed": config.seed,
        "--eval-steps": config.eval_steps,
        **({PASSAGE_NAMES_KEY: names_sha256(named_rows)} if named_rows is not None else {}),
        "--data (evaluation)": str(Path(sts_dev).resolve()) if sts_dev is not None else "held-out slice",
        STS_DEV_KEY: pairs_sha256(sts_dev_pairs) if sts_dev_pairs is not None else None,
        "--no-bucket": not config.bucket,
        "--device": device.type,
        "--precision": precision,
        "processes": world,
    }


# The signature's key for which name each of ict's passages is embedded with (``names_sha256``).
PASSAGE_NAMES_KEY = "the passages' file names, passage by passage (sha256)"
# The key session 37's checkpoints signed the names under: a hash of the set of names alone, which
# the names moved from one passage to another (two files' names swapped) passed.
SET_OF_NAMES_KEY = "the passages' file names (sha256)"


def names_sha256(rows) -> str:
    """A hash of which name each of ict's passages is embedded with: the rows' (passage, name)
    pairs (their last two columns), each once, sorted, so the rows' order does not matter and two
    passages that swap their names do."""
    import hashlib

    digest = hashlib.sha256()
    for pair in sorted({(row[-2], row[-1]) for row in rows}):
        for text in pair:
            data = text.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


HELDOUT_KEY = "held-out documents (sha256)"  # the signature's key for them


def _heldout_before_session_47(data: TrainingData, seed: int) -> tuple[list, str | None]:
    """The held-out documents as simsearch chose them before ``HELDOUT_MIN_DOCUMENTS`` (for
    ``HELDOUT_MIN_QUERIES`` alone), and their hash in a checkpoint's signature."""
    from .. import pairs

    documents = named_documents(data)
    held = pairs.heldout_split(documents, HELDOUT_SHARE, seed, min_queries=HELDOUT_MIN_QUERIES, window=ICT_WINDOW)[1]
    return held, heldout_sha256(held, repeated_names(documents))


def heldout_sha256(documents, repeated=frozenset()) -> str | None:
    """A hash of the held-out documents' names (sorted), or None when none are held out.

    ``repeated``: names that more than one document of the data has (``--from-index`` over two
    roots holding the same relative path); a held-out document of such a name is told apart by
    its text too. Without one the hash is of the names alone, as checkpoints have always had it."""
    if not documents:
        return None
    import hashlib

    if not any(d.name in repeated for d in documents):
        return hashlib.sha256("\0".join(sorted(d.name for d in documents)).encode("utf-8", "surrogatepass")).hexdigest()
    entries = sorted([d.name, documents_sha256([d]) if d.name in repeated else ""] for d in documents)
    return hashlib.sha256(json.dumps(entries).encode("utf-8", "surrogatepass")).hexdigest()


def repeated_names(documents) -> set[str]:
    """The names that more than one of ``documents`` has."""
    from collections import Counter

    return {name for name, count in Counter(d.name for d in documents).items() if count > 1}


def _compare_signatures(saved: dict, now: dict) -> None:
    def shown(value):
        return value[:12] if isinstance(value, str) and len(value) == 64 else value  # a sha256: its start

    def detail(key):
        if key == STS_DEV_KEY and saved.get(key) and now.get(key):  # the same folder's file, read otherwise
            from ..sts import stsb_file

            return (f"the STS-B dev pairs of {stsb_file(Path(now['--data (evaluation)']), 'dev')}, which choose "
                    f"the step kept (sha256 {shown(saved[key])!r} then, {shown(now[key])!r} now)")
        return f"{key} ({shown(saved.get(key))!r} then, {shown(now.get(key))!r} now)"

    differ = [key for key in now if saved.get(key) != now[key]] + [key for key in saved if key not in now]
    if STS_DEV_KEY in differ and saved.get("--data (evaluation)") != now.get("--data (evaluation)"):
        differ.remove(STS_DEV_KEY)  # another folder is said already: its pairs differ with it
    if differ:
        details = ", ".join(detail(key) for key in differ)
        raise SimsearchError(f"--resume: this run differs from the interrupted one in {details}; resume with the "
                             "same options and data, or start again without --resume")


def _all_rng_states(world: int) -> list[dict]:
    """Each process's random state (its dropout masks differ), indexed by rank."""
    mine = {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}
    if world == 1:
        return [mine]
    states = [None] * world
    dist.all_gather_object(states, mine)
    return states


def _save_checkpoint(staging: Path, model, optimizer, scheduler, state: TrainState, signature: dict,
                     rng: list[dict]) -> None:
    """Tensors and plain values only, so that resuming never has to unpickle an object."""
    tmp = staging / "checkpoint.pt.tmp"
    try:
        # Through a Python file, so that a full disk is an OSError naming itself (torch's own
        # writer says "unexpected pos 17920 vs 17814"); on the disk before the rename, so that a
        # power cut leaves the last checkpoint or this one, never an empty file in its place.
        with open(tmp, "wb") as file:
            writer = _Writes(file)
            try:
                torch.save({
                    "format": CHECKPOINT_FORMAT, "signature": signature,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "state": json.loads(json.dumps(dataclasses.asdict(state))), "rng": rng,
                }, writer)
            except RuntimeError:  # (torch's writer may have swallowed the OSError that made it fail)
                if writer.error is None:
                    raise
                raise writer.error from None
            file.flush()
            os.fsync(file.fileno())
    except BaseException:  # (a full disk; a second Ctrl-C): no half-written file is left taking the space
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(staging / "checkpoint.pt")
    try:  # the rename itself on the disk too
        folder = os.open(staging, os.O_RDONLY)
    except OSError:  # (a system whose folders cannot be opened so: the rename is as durable as it gets)
        return
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class _Writes:
    """A file as ``torch.save`` writes to it, keeping the first ``OSError`` of a write: torch's
    writer may report it only as "unexpected pos 17920 vs 17814"."""

    def __init__(self, file):
        self.file, self.error = file, None

    def write(self, data) -> int:
        try:
            return self.file.write(data)
        except OSError as exc:
            self.error = self.error or exc
            raise

    def flush(self) -> None:
        self.file.flush()


def _refuse_to_drop_a_resumable_checkpoint(staging: Path, signature: dict) -> None:
    """Without --resume a new run starts afresh, and its work folder replaces the interrupted one's
    (``_fresh_staging``). Where that run's checkpoint is this very command's, the rerun was surely
    meant to go on: refused, so a forgotten --resume never throws away the steps done. Another
    run's (other settings or data: it cannot be resumed by this command) is replaced, with a warning."""
    if not (staging / "checkpoint.pt").is_file() or not _staging_is_ours(staging):
        return
    try:
        saved = _checkpoint_to_resume(staging, signature)
    except SimsearchError:
        return
    raise SimsearchError(f"an interrupted run of this same command saved a checkpoint at step {saved['state']['step']} "
                         f"in {staging}: add --resume to go on from it, or delete that folder to start again")


def _checkpoint_to_resume(staging: Path, signature: dict, heldout_docs=(), heldout_before=None) -> dict:
    """The interrupted run's checkpoint, refused before any work unless it is this same run's.

    ``heldout_before()``: (held-out documents, their hash) as simsearch split this data before
    session 47 (``_heldout_before_session_47``), where ``heldout_docs`` are this run's: a
    checkpoint of that split is refused as such, not as a run of other options or data."""
    if not _staging_is_ours(staging):
        raise SimsearchError(f"--resume: {staging} was not made by simsearch; not loading anything from it")
    saved = _read_checkpoint(staging / "checkpoint.pt")
    held = saved["signature"].get(HELDOUT_KEY)
    if heldout_docs and heldout_before is not None and held is not None and held != signature.get(HELDOUT_KEY):
        before, sha = heldout_before()
        if held == sha:  # the same data and options, split by an older simsearch's rule
            raise SimsearchError(
                f"--resume: the checkpoint in {staging} was written by an older simsearch, which held out "
                f"{counted(len(before), 'document')} of this data, where this one holds out {len(heldout_docs):,} "
                f"(until {HELDOUT_MIN_DOCUMENTS} of them give questions: fewer cannot tell a change from chance); its steps "
                "trained on documents now held out, so it cannot go on: start again without --resume")
    if SET_OF_NAMES_KEY in saved["signature"] and PASSAGE_NAMES_KEY in signature:
        # (its hash cannot tell whether each passage has the name it had: refused, not guessed)
        raise SimsearchError(f"--resume: the checkpoint in {staging} was written by an older simsearch, which recorded "
                             "the passages' file names but not which passage had which; start again without --resume")
    # Checkpoints from before --precision: CUDA steps ran under bf16 autocast, CPU steps in fp32.
    saved["signature"].setdefault("--precision", "bf16" if saved["signature"].get("--device") == "cuda" else "fp32")
    saved["signature"].setdefault("--distill", 0.0)  # checkpoints from before --distill: the paper's loss alone
    # Checkpoints from before the held-out list was signed: right when nothing is held out; an ict
    # run's split then followed absolute paths, so it is refused (its split may differ now).
    saved["signature"].setdefault(HELDOUT_KEY, None)
    # The same STS-B dev pairs read from another folder (the data moved, another copy): the same
    # criterion, so it resumes, as training data moved elsewhere does. Only where the pairs were signed.
    pairs = saved["signature"].get(STS_DEV_KEY)
    if pairs is not None and pairs == signature.get(STS_DEV_KEY):
        saved["signature"]["--data (evaluation)"] = signature["--data (evaluation)"]
    # Checkpoints from before STS-B dev's pairs were signed: by their folder only, as they resumed then.
    saved["signature"].setdefault(STS_DEV_KEY, signature.get(STS_DEV_KEY))
    _compare_signatures(saved["signature"], signature)
    return saved


def _read_checkpoint(path: Path) -> dict:
    """A checkpoint, read with torch's safe unpickler (tensors and plain values; no code runs)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a planted or damaged file: torch raises UnpicklingError, RuntimeError, EOFError...
        raise SimsearchError(f"--resume: {path} is not a checkpoint simsearch can load safely ({type(exc).__name__}); "
                             "delete it and start again without --resume") from None
    if not isinstance(saved, dict) or saved.get("format") != CHECKPOINT_FORMAT or not isinstance(saved.get("signature"), dict):
        raise SimsearchError(f"--resume: {path} was written by another version of simsearch; "
                             "start again without --resume")
    return saved


def _restore_checkpoint(saved: dict, model, optimizer, scheduler, rank: int) -> TrainState:
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    rng = saved["rng"][rank]
    torch.set_rng_state(rng["cpu"])
    if rng["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return TrainState(**saved["state"])


def max_steps_note(config: TrainConfig, total_steps: int) -> str | None:
    """What to say when the user's ``--max-steps`` is beyond the steps the epochs hold (a cap, not
    a count); nothing for ict's own cap of ``ICT_MAX_STEPS``, which the user did not give."""
    if not (getattr(config, "max_steps_given", True) and config.max_steps and total_steps < config.max_steps):
        return None
    epochs = config.epochs
    return (f"--max-steps {config.max_steps}: {epochs} epoch{'s' if epochs != 1 else ''} of this data "
            f"{'is' if epochs == 1 else 'are'} {total_steps} steps, so {total_steps} steps (--epochs {epochs + 1} for more)")


def _print_config(run: Run) -> None:
    config, pooling = run.config, run.pooling
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(config).items()}
    if settings["pooler"] is None:  # (no --pooler: the base's, which train_pooler and inference_pooler name)
        del settings["pooler"]
    settings.update(base=run.base.name, train_pooler=pooling.train, inference_pooler=pooling.inference,
                    precision=describe(run.precision, run.device), examples=len(run.split.training),
                    steps=run.total_steps, processes=run.world,
                    selection=run.split.describe(config.recipe, run.heldout_docs))
    stderr.print("[bold]simsearch train[/] " + "  ".join(f"{k}={escape(str(v))}" for k, v in settings.items()), highlight=False,
                 soft_wrap=True)
    note = max_steps_note(config, run.total_steps)
    if note:
        stderr.print(note, highlight=False, soft_wrap=True)
    if run.resumed_from is not None:
        stderr.print(f"resuming from step {run.resumed_from} of {run.total_steps} (the checkpoint in "
                     f"{escape(str(run.staging))})", highlight=False, soft_wrap=True)


def _finish(run: Run) -> dict | None:
    """Save the model (main process): assembled in the work folder, then swapped into --out.

    Returns its metadata (None in the other processes under torchrun).
    """
    metadata, failed = None, None
    try:
        metadata = _save_model(run) if run.main_process else None
    except Exception as exc:  # noqa: BLE001 (a full disk) while the model was assembled in the work folder
        if _disk_error(exc) is None or ((run.config.out / METADATA_FILE).is_file()
                                        and not (run.staging / "model").exists()):
            raise  # (not the disk; or the model is in place: what failed came after)
        shutil.rmtree(run.staging / "model", ignore_errors=True)
        then = (f"run the same command with --resume to go on from the checkpoint of step {run.saved_step}"
                if run.saved_step else "run the same command again (no checkpoint was saved)")
        failed = SimsearchError(f"the trained model could not be saved in {run.staging / 'model'} ({_disk_error(exc)}); "
                                f"make room, then {then}")
    _stop_together(run, failed)
    if run.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return metadata


def _stop_together(run: Run, failed: SimsearchError | None) -> None:
    """Raise ``failed`` (the main process's) in every process under torchrun, agreed on first: a
    process left waiting for one that stopped dies of a broken connection, in a traceback."""
    if run.world > 1 and _agree(failed is not None, device=run.device)[0]:
        failed = failed or SimsearchError("stopped with the main process (its error says why)")
    if failed is not None:
        raise failed from None


def _disk_error(exc: BaseException) -> str | None:
    """Why a write failed, when the file system refused it (a full disk, a read-only folder), as
    "No space left on device"; None for any other error. safetensors reports the OS's error as a
    bare Exception, "No space left on device (os error 28)"."""
    if isinstance(exc, OSError):
        return _why(exc)
    found = re.fullmatch(r"(.+) \(os error \d+\)", str(exc))
    return found.group(1) if found else None


def _why(exc: OSError) -> str:
    """An OSError's reason, as "No space left on device" (shutil.copytree's: its first file's)."""
    if exc.strerror:
        return exc.strerror
    if isinstance(exc, shutil.Error) and exc.args and exc.args[0]:
        return re.sub(r"^\[Errno \d+\] ", "", str(exc.args[0][0][-1])).split(":")[0]
    return str(exc)


def _readable_as_umask(folder: Path) -> None:
    """Every file of the new model folder with the mode the user's umask gives a new file (0644
    under the usual 022), as every other tool's output: safetensors writes its weights 0600, so a
    model copied to a shared models folder could not be loaded by another user."""
    mask = os.umask(0)
    os.umask(mask)
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o666 & ~mask)


def _save_model(run: Run) -> dict:
    config, pooling, base, state, staging = run.config, run.pooling, run.base, run.state, run.staging
    final = staging / "model"
    shutil.rmtree(final, ignore_errors=True)
    if (run.split.sts_dev is not None or run.heldout_docs) and state.best_step is not None:
        if not (staging / "best").is_dir():  # the selected step's weights are gone: never save another step instead
            raise RuntimeError(f"step {state.best_step} was selected but its weights are not in {staging / 'best'}")
        shutil.copytree(staging / "best", final, ignore=shutil.ignore_patterns(BEST_STEP_FILE))
        selection = "best STS-B dev" if run.split.sts_dev is not None else "best held-out retrieval"
    else:
        _save_weights(run.model, run.tokenizer, final)
        selection = "last step"
    inference_max = base.max_length
    base0, start0 = step0(state.evals)
    metadata = {
        "pooler": pooling.inference,
        "train_pooler": pooling.train,
        "mlp_only_train": pooling.mlp_only_train,
        "max_length": inference_max,
        "mode": config.mode,
        "recipe": config.recipe,
        # ict: each passage was embedded as normalize(passage) + this × normalize(its file's name)
        "passage_name_weight": NAME_WEIGHT if run.name_weights is not None else None,
        "heldout": _heldout_summary(state, run.heldout_docs, selection, run.total_steps, run.data.documents),
        "base_model": base.name,
        "base_path": os.path.abspath(base.path),  # (the folder, wherever training was run from)
        "temp": config.temp,
        "hard_negative_weight": config.hard_negative_weight,
        "hard_negative_weight_meaning": "alpha itself (Eq. 8), not its log",
        "distill": config.distill,
        "dropout": config.dropout,
        "same_dropout_mask": config.same_dropout_mask,
        "lr": config.lr,
        "warmup_steps": config.warmup_steps,
        "batch_size": config.batch_size,
        "micro_batch": effective_micro_batch(config, run.world),  # None: one pass per batch
        "epochs": config.epochs,
        "max_len": config.max_len,
        "seed": config.seed,
        "train_precision": run.precision,  # of the training steps; evaluations and inference: fp32
        "steps": run.total_steps,
        "examples": len(run.split.training),
        "data_file": os.path.abspath(config.data),
        "data_sha256": run.data.sha256,
        "data_source": run.data.source,
        "selection": selection,
        "best_dev_stsb": state.best_score,
        "base_dev_stsb": base0.get("stsb_dev"),  # the base as Encoder.load gives it
        # When step 0 was not the base (another pooler, a new head): what it was, and its figure.
        "start": run.start,
        "start_dev_stsb": (start0 or {}).get("stsb_dev"),
        "train_seconds": round(state.train_seconds, 2),
        "sentences_per_second": round(run.total_steps * config.batch_size / max(state.train_seconds, 1e-9), 1),
        "best_step": state.best_step,
        "resumed_from_step": run.resumed_from,  # (None: not resumed; the weights are an uninterrupted run's)
        "versions": _versions(),
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    refusal = sentence_transformers_refusal(pooling.inference)
    metadata["sentence_transformers"] = {"loads": refusal is None, "why_not": refusal}
    _write_sentence_transformers_files(final, run.model.config.hidden_size, pooling.inference, inference_max,
                                       lower_case=base.lower_case)
    _write_model_card(final, metadata, config.out)
    if refusal is not None:
        stderr.print(f"note: {refusal}", highlight=False, soft_wrap=True)
    _write_log(staging, state.evals)  # exactly this run's evaluations, whatever a crashed run appended
    shutil.copy(staging / "train_log.jsonl", final / "train_log.jsonl")
    _plot(state, final / "training.png", run.total_steps if selection == "last step" else state.best_step,
          metadata["heldout"])
    # Last, with the list of every file written: a later --out check replaces only a folder of these.
    metadata["files"] = sorted({*_model_files(final), METADATA_FILE})
    (final / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
    _readable_as_umask(final)
    _fsync_files(final)  # on the disk before it replaces the old model: a power cut leaves one whole model
    # Swap in: the old folder (if any) stays whole until the new one is complete.
    # Only a model simsearch wrote (or an empty folder) is replaced, checked again now that
    # the run is over; the old one moves to a fresh name of ours, never onto a user's folder.
    out = config.out
    try:
        _check_out(out)
    except SimsearchError as exc:
        raise SimsearchError(f"{exc} (the trained model is in {final})") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    _swap_in(final, out)
    _discard_staging(staging)
    return metadata


