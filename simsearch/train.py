"""SimCSE training: one flat loop, readable top to bottom.

data -> model -> optimizer and schedule -> steps (both views in one forward pass) ->
evaluation every N steps (STS-B dev, keep the best) -> save. Ctrl-C finishes the current
step, writes a checkpoint and exits; ``resume=True`` continues from it and ends with the
same weights as an uninterrupted run with the same seed. Under ``torchrun`` every process
trains on its slice of each global batch and embeddings are all-gathered, so negatives
span the global batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from . import __version__
from .data import file_sha256, load_sentences, load_triplets
from .encoder import Encoder, load_transformer, needs_hidden_states, pad_batch, pick_device, pool
from .errors import Interrupted, SimsearchError  # noqa: F401 - Interrupted is part of this API
from .loss import gather_with_grad, simcse_loss
from .models import METADATA_FILE, POOLERS, ModelRef, models_dir, resolve_model
from .progress import progress_bar, stderr

# The paper's defaults (Table A.1 for BERT-base; the supervised batch is 512, lr 5e-5, 3 epochs).
MODE_DEFAULTS = {
    "unsup": {"batch_size": 64, "lr": 3e-5, "epochs": 1},
    "sup": {"batch_size": 512, "lr": 5e-5, "epochs": 3},
}


@dataclass
class TrainConfig:
    mode: str  # "unsup" or "sup"
    data: Path
    model: str = "minilm"
    out: Path | None = None
    epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    temp: float = 0.05
    pooler: str | None = None
    max_len: int = 32
    hard_negative_weight: float = 1.0
    dropout: float = 0.1
    warmup_steps: int = 0  # the paper uses none; linear warm-up, then linear decay
    same_dropout_mask: bool = False  # the "fixed 0.1" ablation of the paper's Table 3
    seed: int = 42
    eval_steps: int = 125
    device: str = "auto"
    eval_data: Path | None = None
    resume: bool = False
    bucket: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODE_DEFAULTS:
            raise SimsearchError(f"unknown training mode {self.mode!r}")
        for key, value in MODE_DEFAULTS[self.mode].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        self.data = Path(self.data)
        if self.out is None:
            self.out = models_dir() / f"{self.data.stem}-{self.mode}-simcse"
        self.out = Path(self.out)
        checks = [
            (self.batch_size >= 2, "--batch-size must be at least 2 (the other sentences are the negatives)"),
            (self.temp > 0, "--temp must be positive"),
            (self.lr > 0, "--lr must be positive"),
            (0.0 <= self.dropout < 1.0, "--dropout must be in [0, 1)"),
            (self.max_len >= 4, "--max-len must be at least 4"),
            (self.epochs >= 1, "--epochs must be at least 1"),
            (self.max_steps is None or self.max_steps >= 1, "--max-steps must be at least 1"),
            (self.eval_steps >= 1, "--eval-steps must be at least 1"),
            (self.warmup_steps >= 0, "--warmup-steps must be >= 0"),
            (self.hard_negative_weight >= 0, "--hard-negative-weight must be >= 0"),
            (self.pooler is None or self.pooler in POOLERS, f"--pooler must be one of {', '.join(POOLERS)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise SimsearchError(message)


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
        if base.kind == "embedded" or base.pooler != "cls":
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
    train_seconds: float = 0.0  # steps only: evaluation time is counted apart
    eval_seconds: float = 0.0
    losses: list = field(default_factory=list)
    evals: list = field(default_factory=list)


def _distributed(device: torch.device) -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device), starting the process group under torchrun.

    The backend follows the device, not the machine: gloo for CPU training (also on a machine
    with GPUs), NCCL for CUDA, with one GPU per process on each node.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
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
    rank, world, device = _distributed(pick_device(config.device))
    main_process = rank == 0
    if config.batch_size % world:
        raise SimsearchError(f"--batch-size {config.batch_size} must divide evenly over {world} processes")

    staging = config.out.parent / f".{config.out.name}.partial"
    if config.resume and not (staging / "checkpoint.pt").is_file():
        raise SimsearchError(f"--resume: no checkpoint at {staging / 'checkpoint.pt'} (nothing was interrupted for --out {config.out})")

    # Data: tokenized once, up front; each step only pads its own batch.
    base = resolve_model(config.model)
    pooling = Pooling.choose(base, config.pooler, config.mode)
    if config.mode == "unsup":
        examples = [(s,) for s in load_sentences(config.data)]
    else:
        examples = load_triplets(config.data)
    tokenizer, model = load_transformer(base.path, dropout=config.dropout)
    columns = len(examples[0])

    eval_root, holdout, examples = _evaluation_source(config, examples)
    if config.batch_size > len(examples):
        raise SimsearchError(
            f"--batch-size {config.batch_size} is larger than the {len(examples)} training examples in {config.data}"
        )
    token_ids = [
        tokenizer([row[c] for row in examples], truncation=True, max_length=config.max_len,
                  return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        for c in range(columns)
    ]
    lengths = np.array([max(len(token_ids[c][i]) for c in range(columns)) for i in range(len(examples))])
    steps_per_epoch = len(examples) // config.batch_size
    total_steps = config.epochs * steps_per_epoch
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)

    # Model: the MLP head over [CLS] is BERT's pooler (dense + tanh), freshly initialised as in
    # SimCSE, so AutoModel and sentence-transformers load it. Unused, it is dropped.
    torch.manual_seed(config.seed)
    if pooling.train == "cls":
        if getattr(model, "pooler", None) is None:
            raise SimsearchError(f"model {base.name!r} has no pooler layer to serve as the MLP head; use another --pooler")
        if not base.metadata.get("train_pooler"):
            model.pooler.dense.reset_parameters()
            torch.nn.init.normal_(model.pooler.dense.weight, std=model.config.initializer_range)
            torch.nn.init.zeros_(model.pooler.dense.bias)
    elif hasattr(model, "pooler"):
        model.pooler = None
    model.to(device)
    inference_ref = dataclasses.replace(base, name=config.out.name, pooler=pooling.inference)
    evaluator = Encoder(inference_ref, tokenizer, model, device)
    model.train()
    ddp_model = model
    if world > 1:
        ddp_model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, partial(_lr_factor, warmup=config.warmup_steps, total=total_steps))
    state = TrainState()
    if config.resume:
        state = _load_checkpoint(staging, model, optimizer, scheduler, config, device)
    elif main_process:
        if (staging / "checkpoint.pt").is_file():
            stderr.print(f"[yellow]warning:[/] discarding the checkpoint of an interrupted run in {staging} "
                         "(pass --resume to continue it instead)", highlight=False)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    if main_process:
        _print_config(config, pooling, base, len(examples), total_steps, world, eval_root, holdout)

    interrupted = {"flag": False}
    previous_handler = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        if interrupted["flag"]:  # a second Ctrl-C: stop now
            signal.signal(signal.SIGINT, previous_handler)
            raise KeyboardInterrupt
        interrupted["flag"] = True

    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:  # signal handlers can only be set there (a worker thread keeps Python's)
        signal.signal(signal.SIGINT, on_sigint)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
    started, done_at_start, eval_seconds_at_start = time.perf_counter(), state.step, state.eval_seconds
    last_dev = "-"
    try:
        with progress_bar(total_steps, f"training ({config.mode})", unit="step",
                          enabled=config.progress and main_process) as advance:
            advance(state.step)
            while state.step < total_steps:
                batches = epoch_batches(lengths, config.batch_size, config.seed, state.epoch, config.bucket)
                for index in range(state.batch_in_epoch, len(batches)):
                    rows = batches[index][rank::world] if world > 1 else batches[index]
                    inputs = _batch_inputs(tokenizer, token_ids, rows, config, device)
                    with autocast:
                        outputs = ddp_model(**inputs, output_hidden_states=needs_hidden_states(pooling.train))
                        embeddings = pool(pooling.train, outputs, inputs["attention_mask"]).float()
                    views = [gather_with_grad(v) for v in embeddings.view(-1, len(rows), embeddings.shape[-1])]
                    if config.same_dropout_mask:
                        views = [views[0], views[0]]
                    loss = simcse_loss(*views, temp=config.temp, hard_negative_weight=config.hard_negative_weight)
                    # DDP averages gradients over processes; each computed the global loss.
                    (loss * world).backward()
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
                    state.step += 1
                    state.batch_in_epoch = index + 1
                    state.losses.append(round(loss.item(), 6))
                    if state.step % config.eval_steps == 0 or state.step == total_steps:
                        eval_started = time.perf_counter()
                        last_dev = _evaluate(evaluator, eval_root, holdout, state, staging, main_process, config)
                        model.train()
                        state.eval_seconds += time.perf_counter() - eval_started
                    rate = (state.step - done_at_start) * config.batch_size / max(time.perf_counter() - started, 1e-9)
                    advance(1, loss=f"{state.losses[-1]:.4f}", **{"sent/s": f"{rate:,.0f}", "dev": last_dev})
                    if state.step >= total_steps:
                        break
                    if interrupted["flag"] or state.step == stop_at_step:
                        now = time.perf_counter()
                        state.train_seconds += now - started - (state.eval_seconds - eval_seconds_at_start)
                        started, eval_seconds_at_start = now, state.eval_seconds
                        if main_process:
                            _save_checkpoint(staging, model, optimizer, scheduler, state)
                        raise Interrupted(
                            f"interrupted at step {state.step} of {total_steps}; checkpoint saved in {staging}; "
                            f"run the same command with --resume to continue"
                        )
                else:
                    state.epoch += 1
                    state.batch_in_epoch = 0
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous_handler)
        state.train_seconds += time.perf_counter() - started - (state.eval_seconds - eval_seconds_at_start)

    metadata = None
    if main_process:
        metadata = _finish(config, pooling, base, model, tokenizer, state, staging, total_steps, len(examples), eval_root)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return metadata


def _batch_inputs(tokenizer, token_ids, rows, config: TrainConfig, device) -> dict[str, torch.Tensor]:
    """One padded tensor batch holding every view: [sent0 x2] (unsup) or [sent0; sent1; hard_neg]."""
    columns = [[token_ids[c][i] for i in rows] for c in range(len(token_ids))]
    if config.mode == "unsup" and not config.same_dropout_mask:
        columns = [columns[0], columns[0]]  # two views, one forward pass: independent dropout masks
    return pad_batch([ids for column in columns for ids in column], tokenizer, device)


def _lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up over `warmup` steps, then linear decay to 0 at `total` (no warm-up: the paper's schedule)."""
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, 1.0 - (step - warmup) / max(1, total - warmup))


def _evaluation_source(config: TrainConfig, examples):
    """STS-B dev when the data is there; otherwise a held-out slice of the user's own data."""
    from .sts import data_dir

    try:
        return data_dir(config.eval_data), [], examples
    except SimsearchError:
        if config.eval_data is not None:
            raise
    size = min(1000, max(2, len(examples) // 20))
    if len(examples) < 3 * size:
        return None, [], examples
    held = set(np.random.default_rng(config.seed).permutation(len(examples))[:size].tolist())
    return None, [examples[i] for i in sorted(held)], [e for i, e in enumerate(examples) if i not in held]


def _evaluate(evaluator: Encoder, eval_root, holdout, state: TrainState, staging: Path, main_process: bool,
              config: TrainConfig) -> str:
    """Score on STS-B dev (saving a new best) or, without it, alignment/uniformity on held-out data."""
    record = {"step": state.step, "loss": float(np.mean(state.losses[-config.eval_steps:])),
              "time": datetime.datetime.now().isoformat(timespec="seconds")}
    if main_process:
        if eval_root is not None:
            from .sts import evaluate_sts

            score = evaluate_sts(lambda s: evaluator.encode(s, progress=False), eval_root, split="dev")["STSBenchmark"]
            record["stsb_dev"] = score
            if state.best_score is None or score > state.best_score:
                state.best_score, state.best_step = score, state.step
                _save_weights(evaluator.model, evaluator.tokenizer, staging / "best")
            shown = f"{score:.2f}"
        elif holdout:
            record.update(_holdout_geometry(evaluator, holdout))
            shown = f"align {record['alignment']:.3f} unif {record['uniformity']:.3f}"
        else:
            shown = "-"
        state.evals.append(record)
        with open(staging / "train_log.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
    else:
        shown = "-"
    if dist.is_initialized():
        dist.barrier()
    return shown


def _holdout_geometry(evaluator: Encoder, holdout) -> dict:
    """Alignment between anchors and their positives (two dropout views for unsup), uniformity."""
    from .sts import alignment, uniformity

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


def _save_weights(model, tokenizer, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _save_checkpoint(staging: Path, model, optimizer, scheduler, state: TrainState) -> None:
    tmp = staging / "checkpoint.pt.tmp"
    torch.save({
        "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
        "state": dataclasses.asdict(state), "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
    }, tmp)
    tmp.replace(staging / "checkpoint.pt")


def _load_checkpoint(staging: Path, model, optimizer, scheduler, config: TrainConfig, device) -> TrainState:
    saved = torch.load(staging / "checkpoint.pt", map_location=device, weights_only=False)
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["rng_cpu"].cpu())
    if saved["rng_cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(saved["rng_cuda"])
    return TrainState(**saved["state"])


def _print_config(config, pooling, base, examples, total_steps, world, eval_root, holdout) -> None:
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(config).items()}
    settings.update(base=base.name, train_pooler=pooling.train, inference_pooler=pooling.inference,
                    examples=examples, steps=total_steps, processes=world,
                    selection="STS-B dev" if eval_root else f"none (held-out {len(holdout)} for alignment/uniformity)")
    stderr.print("[bold]simsearch train[/] " + "  ".join(f"{k}={v}" for k, v in settings.items()), highlight=False)


def _finish(config, pooling, base, model, tokenizer, state, staging, total_steps, examples, eval_root) -> dict:
    """Assemble the model folder in the staging area, then swap it into place."""
    final = staging / "model"
    shutil.rmtree(final, ignore_errors=True)
    if eval_root is not None and (staging / "best").is_dir():
        shutil.copytree(staging / "best", final)
        selection = "best STS-B dev"
    else:
        _save_weights(model, tokenizer, final)
        selection = "last step"
    inference_max = base.max_length
    metadata = {
        "pooler": pooling.inference,
        "train_pooler": pooling.train,
        "mlp_only_train": pooling.mlp_only_train,
        "max_length": inference_max,
        "mode": config.mode,
        "base_model": base.name,
        "base_path": str(base.path),
        "temp": config.temp,
        "hard_negative_weight": config.hard_negative_weight,
        "hard_negative_weight_meaning": "alpha itself (Eq. 8), not its log",
        "dropout": config.dropout,
        "same_dropout_mask": config.same_dropout_mask,
        "lr": config.lr,
        "warmup_steps": config.warmup_steps,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "max_len": config.max_len,
        "seed": config.seed,
        "steps": total_steps,
        "examples": examples,
        "data_file": str(config.data),
        "data_sha256": file_sha256(config.data),
        "selection": selection,
        "best_dev_stsb": state.best_score,
        "train_seconds": round(state.train_seconds, 2),
        "sentences_per_second": round(total_steps * config.batch_size / max(state.train_seconds, 1e-9), 1),
        "best_step": state.best_step,
        "versions": _versions(),
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    (final / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
    _write_sentence_transformers_files(final, model.config.hidden_size, pooling.inference, inference_max)
    if (staging / "train_log.jsonl").exists():
        shutil.copy(staging / "train_log.jsonl", final / "train_log.jsonl")
    _plot(state, final / "training.png")
    # Swap in: the old folder (if any) stays whole until the new one is complete.
    out = config.out
    out.parent.mkdir(parents=True, exist_ok=True)
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    final.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return metadata


def _write_sentence_transformers_files(folder: Path, dim: int, pooler: str, max_length: int) -> None:
    """modules.json and friends, so ``SentenceTransformer(folder)`` gives the same vectors.

    For ``cls`` the MLP head is exported as a Dense + tanh module, taken from the weights
    saved in ``folder`` (the selected checkpoint, not necessarily the last step).
    """
    if pooler not in ("avg", "cls", "cls_before_pooler"):
        return  # layer-averaging poolers have no sentence-transformers module
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": dim,
        "pooling_mode_cls_token": pooler != "avg",
        "pooling_mode_mean_tokens": pooler == "avg",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=2))
    if pooler == "cls":
        from safetensors.torch import load_file, save_file

        saved = load_file(str(folder / "model.safetensors"))
        dense = folder / "2_Dense"
        dense.mkdir()
        (dense / "config.json").write_text(json.dumps({
            "in_features": dim, "out_features": dim, "bias": True,
            "activation_function": "torch.nn.modules.activation.Tanh",
        }))
        save_file({"linear.weight": saved["pooler.dense.weight"].contiguous(),
                   "linear.bias": saved["pooler.dense.bias"].contiguous()},
                  str(dense / "model.safetensors"))
        modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_length, "do_lower_case": False}))


def _plot(state: TrainState, path: Path) -> None:
    """Loss per step and the evaluation signal per evaluation, as a PNG beside the model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    steps = np.arange(1, len(state.losses) + 1)
    ax.plot(steps, state.losses, color="#999999", linewidth=0.8, label="loss")
    if len(state.losses) >= 20:
        window = max(5, len(state.losses) // 50)
        smooth = np.convolve(state.losses, np.ones(window) / window, mode="valid")
        ax.plot(steps[window - 1 :], smooth, color="black", linewidth=1.5, label=f"loss (mean of {window})")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    key = "stsb_dev" if any("stsb_dev" in e for e in state.evals) else "uniformity"
    points = [(e["step"], e[key]) for e in state.evals if key in e]
    if points:
        right = ax.twinx()
        right.plot(*zip(*points), "o-", color="tab:blue", label="STS-B dev" if key == "stsb_dev" else key)
        right.set_ylabel("STS-B dev Spearman x 100" if key == "stsb_dev" else key)
        right.legend(loc="upper right")
    ax.legend(loc="upper left")
    ax.set_title("SimCSE training")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _versions() -> dict:
    import transformers

    return {"simsearch": __version__, "torch": torch.__version__, "transformers": transformers.__version__}
