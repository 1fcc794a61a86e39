"""The trained model: assembled in the work folder with its metadata, then swapped into --out."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SimsearchError
from ..models import METADATA_FILE
from ..progress import stderr
from ..store import NAME_WEIGHT
from .checkpoint import BEST_STEP_FILE, _fsync_files, _save_weights, _write_log
from .config import effective_micro_batch
from .outdir import _check_out, _discard_staging, _model_files, _swap_in
from .report import (_heldout_summary, _plot, _versions, _write_model_card, _write_sentence_transformers_files,
                     sentence_transformers_refusal, step0)

if TYPE_CHECKING:
    from . import Run


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
