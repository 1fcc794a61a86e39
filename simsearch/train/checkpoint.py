"""The work folder beside --out: the checkpoint (what ``--resume`` reads, and the signature that
tells whether it is this same run's), the best step's weights in best/, and the training log."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.distributed as dist

from ..data import documents_sha256
from ..errors import SimsearchError, counted
from ..models import ModelRef, fingerprint
from ..progress import print_warning
from .config import TrainConfig, effective_micro_batch
from .data import HELDOUT_MIN_DOCUMENTS, HELDOUT_MIN_QUERIES, HELDOUT_SHARE, ICT_WINDOW, TrainingData, named_documents
from .outdir import _staging_is_ours

if TYPE_CHECKING:
    from . import Run
    from .base import Pooling


CHECKPOINT_FORMAT = 2  # 2: loads with weights_only=True and holds the run's settings (signature)


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


class OtherRun(SimsearchError):
    """A checkpoint written by a run of other options or data (``details``: which, then and now)."""

    def __init__(self, message: str, details: str):
        super().__init__(message)
        self.details = details


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
        raise OtherRun(f"--resume: this run differs from the interrupted one in {details}; resume with the "
                       "same options and data, or start again without --resume", details)


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


def _refuse_to_drop_a_resumable_checkpoint(staging: Path, signature: dict) -> str | None:
    """Without --resume a new run starts afresh, and its work folder replaces the interrupted one's
    (``_fresh_staging``). Where that run's checkpoint is this very command's, the rerun was surely
    meant to go on: refused, so a forgotten --resume never throws away the steps done. Another
    run's (other settings or data: it cannot be resumed by this command) is replaced, with a warning
    that says why (returned here: which options or data differ; None: no checkpoint, or one that
    no command can resume)."""
    if not (staging / "checkpoint.pt").is_file() or not _staging_is_ours(staging):
        return None
    try:
        saved = _checkpoint_to_resume(staging, signature)
    except OtherRun as exc:
        return f"that run differs from this one in {exc.details}"
    except SimsearchError:
        return None
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
