"""SimCSE training: one flat loop, readable top to bottom.

data -> model -> optimizer and schedule -> steps (both views in one forward pass) ->
evaluation every N steps (STS-B dev, keep the best) -> save. Ctrl-C finishes the current
step, writes a checkpoint and exits; ``resume=True`` continues from it and ends with the
same weights as an uninterrupted run with the same seed. Under ``torchrun`` every process
trains on its slice of each global batch and embeddings are all-gathered, so negatives
span the global batch. What a run tells its user and leaves beside the model (verdicts, the
model card, the plot) is in ``report``.

The rest, a module each: the settings (``config``), the base model and its pooling (``base``),
what a run trains and is measured on (``data``), the work folder's checkpoint, best weights and
log (``checkpoint``), the model saved at the end (``save``), and --out itself (``outdir``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import itertools
import json
import math
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from rich.markup import escape

from .. import interrupt
from ..encoder import Encoder, float32_states, load_transformer, needs_hidden_states, pad_batch, pick_device, pool, texts_for_model
from ..errors import Interrupted, SimsearchError, counted, plain_number
from ..loss import gather_with_grad, simcse_loss, with_names
from ..memory import give_back_when_short
from ..models import METADATA_FILE, ModelRef
from ..precision import autocast, describe, resolve
from ..progress import print_warning, progress_bar, stderr
from ..store import NAME_WEIGHT
from .base import Pooling, _check_max_len, _load_base, _prepare_head, _resolve_base, _teacher_embeddings, base_and_start
from .checkpoint import (TrainState, _all_rng_states, _best_of_checkpoint, _checkpoint_to_resume, _disk_error,
                         _heldout_before_session_47, _refuse_to_drop_a_resumable_checkpoint, _restore_checkpoint,
                         _save_best, _save_checkpoint, _signature, _why, _write_log, repeated_names)
from .config import TrainConfig, effective_micro_batch
from .data import EvaluationSplit, TrainingData, named_documents, names_column, resolve_recipe, split_for_evaluation, training_data
from .outdir import (_check_default_out, _check_out, _discard_staging, _fresh_staging, _recover_swap, _staging_is_ours,
                     out_lock, out_locked_elsewhere)
from .save import _save_model


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
    other_run = None if config.resume else _refuse_to_drop_a_resumable_checkpoint(staging, signature)

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
        _fresh_staging(staging, other_run, Path(os.path.abspath(config.data)))
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


ESTIMATE_AFTER = 3  # steps timed, after the first, before the estimate of the run's time


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
