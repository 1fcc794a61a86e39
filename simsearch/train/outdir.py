"""The output folder of a training run: the checks before anything is written (a folder
simsearch did not make is never overwritten), the lock that keeps two runs off one ``--out``, the
hidden work folder (staging) a run writes into, and the swap that puts the finished model in
place in one step, recovered when a run was stopped in the middle of it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from rich.markup import escape

from ..errors import SimsearchError
from ..models import (METADATA_FILE, STAGING_MARKER, default_out_name, out_locked_elsewhere,  # noqa: F401 (re-exported)
                      staging_marker_text, train_lock_path)
from ..progress import print_warning as _warn
from ..progress import stderr


# What a work folder holds (older versions wrote no marker: a folder of only these is ours too).
_STAGING_NAMES = {STAGING_MARKER, "checkpoint.pt", "checkpoint.pt.tmp", "best", "best.tmp", "model", "model.tmp",
                  "train_log.jsonl", "train_log.jsonl.tmp"}


# What ``_save_model`` writes into a model folder (``save_pretrained`` of the model and of any of
# the tokenizers transformers has, the sentence-transformers files, the card, the log, the plot).
# A model saved since the list was recorded names its own files (``files`` in its metadata).
_MODEL_NAMES = {METADATA_FILE, "config.json", "model.safetensors", "pytorch_model.bin", "generation_config.json",
                "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.txt",
                "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
                "chat_template.jinja", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
                "README.md", "train_log.jsonl", "training.png", "1_Pooling/config.json", "2_Dense/config.json",
                "2_Dense/model.safetensors", "spm.model", "model.safetensors.index.json", "pytorch_model.bin.index.json"}


# The pieces of weights saved in shards (a base of several GB): model-00001-of-00003.safetensors.
_SHARD = re.compile(r"(?:model|pytorch_model)-\d{5}-of-\d{5}\.(?:safetensors|bin)")


def _training_metadata(folder: Path) -> dict | None:
    """The metadata ``simsearch train`` wrote in ``folder``, or None when there is none it wrote
    (no file, not JSON, or JSON that is not a training record: a user's own simsearch.json)."""
    try:
        meta = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    from .config import MODE_DEFAULTS  # (config imports this module before it defines them)

    if not isinstance(meta, dict) or meta.get("mode") not in MODE_DEFAULTS or "train_pooler" not in meta:
        return None
    versions = meta.get("versions")
    return meta if isinstance(versions, dict) and "simsearch" in versions else None


def _model_files(folder: Path) -> list[str]:
    """Every file under ``folder``, as paths relative to it (what the metadata records)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _unexpected_entry(folder: Path, meta: dict) -> str | None:
    """The first entry of a model folder (relative path) that ``simsearch train`` did not write
    there, or None. A link, or a folder holding anything but what we write, is unexpected."""
    recorded = meta.get("files")
    allowed = set(recorded) if isinstance(recorded, list) and all(isinstance(f, str) for f in recorded) else set()
    allowed |= _MODEL_NAMES
    folders = {str(Path(name).parent.as_posix()) for name in allowed} - {"."}
    for top, dirs, files in os.walk(folder):
        here = Path(top)
        for name in sorted(dirs + files):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                return relative
            if name in dirs and relative not in folders:
                return relative + "/"
            if name in files and relative not in allowed and not _SHARD.fullmatch(relative):
                return relative
    return None


def _check_out(out: Path) -> None:
    """--out may be new, an empty folder, or a model folder simsearch trained holding only what
    training wrote there; anything else is refused (never deleted), naming what is in the way.
    In the models directory it must not be named like the built-in model (``-m minilm`` is the built-in)."""
    from ..models import check_trained_name

    check_trained_name(out)
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise SimsearchError(f"--out {out}: exists and is not a folder; choose another --out")
    if not any(out.iterdir()):
        return
    meta = _training_metadata(out)
    if meta is None:
        why = (f"its {METADATA_FILE} is not one simsearch train wrote" if (out / METADATA_FILE).exists()
               else f"no {METADATA_FILE}")
        raise SimsearchError(f"--out {out}: exists and is not a simsearch model ({why}); choose another --out, "
                             "or move that folder away yourself")
    unexpected = _unexpected_entry(out, meta)
    if unexpected is not None:
        raise SimsearchError(f"--out {out}: holds {unexpected}, which simsearch did not write there; a model folder "
                             "is replaced whole, so move that away yourself or choose another --out")


def _check_default_out(out: Path, data: Path) -> None:
    """The default --out is named after the data's file name: another file of that name (another
    project's notes.txt) must not replace the model trained there without a word."""
    try:
        trained_on = json.loads((out / METADATA_FILE).read_text()).get("data_file")
    except (OSError, ValueError, AttributeError):
        return  # no model there (or not one simsearch can read: _check_out has decided about it)
    if not isinstance(trained_on, str) or not os.path.isabs(trained_on):
        return  # written before data_file was absolute: which file it was is unknown
    if os.path.abspath(trained_on) != os.path.abspath(data):
        raise SimsearchError(f"the default --out {out} holds a model trained on {trained_on}, not {os.path.abspath(data)}; "
                             f"choose where this one goes with --out (or give --out {out} to replace it)")


@contextlib.contextmanager
def out_lock(out: Path):
    """Hold the lock of ``--out`` (an fcntl lock on ``.NAME.lock`` beside its work folder), or
    refuse at once when another ``simsearch train`` holds it. A lock file this run made is removed
    on release (while still locked; a run that then finds the file gone or replaced locks the one
    there now, so two runs never hold locks on two files of that name); one that was there before
    (a run killed earlier, or a file of the user's) is left in place. So are the folders above
    ``--out`` that this run made, unless they are empty then (a run stopped or refused before it
    saved anything: no ``models/`` of nothing is left behind); a folder that was there before is
    never removed. Where the file system has no locks (Lustre without ``flock``, some network file
    systems) the run goes on unlocked, with a warning."""
    import errno
    import fcntl

    path = _lock_path(out)
    made: list[Path] = []  # the folders above --out this run made, the deepest last
    while True:
        made += _make_folders(out)
        try:
            try:
                handle, created = open(path, "x"), True
            except FileExistsError:
                handle, created = open(path, "a"), False
        except FileNotFoundError:
            continue  # removed between the two opens by the run that held it (or its folder, by another run)
        except OSError as exc:  # a read-only folder: one line, nothing written
            raise SimsearchError(f"--out {out}: cannot create the lock file {path} ({exc.strerror or exc})") from None
        try:
            _lock_or_wait_out_a_probe(handle)
        except BlockingIOError:
            handle.close()
            raise SimsearchError(f"another `simsearch train` is writing to --out {out} (its work folder is "
                                 f"{out.parent / f'.{out.name}.partial'}); wait for it to finish or choose "
                                 "another --out") from None
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
                handle.close()
                raise
            _warn(f"--out {out}: this file system has no file locks ({exc.strerror}); "
                  "nothing stops a second run into the same --out meanwhile")
            break
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the file was removed by the run that held it: lock the one there now
    try:
        yield
    finally:
        if created:
            with contextlib.suppress(OSError):
                path.unlink()
        handle.close()
        for folder in reversed(made):
            with contextlib.suppress(OSError):  # (one that holds anything stays, and so do those above it)
                folder.rmdir()


# How long ``out_lock`` waits for a lock held only for an instant: ``simsearch models`` probing
# whether a run holds it (``models.out_locked_elsewhere``) holds it for microseconds; a run, for its run.
PROBE_WAIT_SECONDS = 0.5


def _lock_or_wait_out_a_probe(handle) -> None:
    """``flock(LOCK_EX | LOCK_NB)``, tried again for ``PROBE_WAIT_SECONDS`` while it is busy:
    a ``train`` starting as ``simsearch models`` probed the lock was refused ("another `simsearch
    train` is writing"). BlockingIOError once the wait is over: another run holds it."""
    import fcntl
    import time

    deadline = time.monotonic() + PROBE_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _make_folders(out: Path) -> list[Path]:
    """Make the folders that are to hold ``--out``: those that were missing, outermost first."""
    missing = []
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimsearchError(f"--out {out}: cannot create its folder ({exc.strerror or exc})") from None
    return missing[::-1]


def _lock_path(out: Path) -> Path:
    return train_lock_path(out)


def _staging_is_ours(staging: Path) -> bool:
    if staging.is_symlink() or not staging.is_dir():
        return False
    return (staging / STAGING_MARKER).is_file() or all(p.name in _STAGING_NAMES for p in staging.iterdir())


def _fresh_staging(staging: Path, other_run: str | None = None, data: Path | None = None) -> None:
    """An empty work folder beside --out, replacing only an earlier one of ours. ``other_run``:
    how the interrupted run whose checkpoint is discarded differs from this one, when known
    (``_refuse_to_drop_a_resumable_checkpoint``); this command's --resume could not continue it.
    ``data``: what the run trains on, said in the folder's marker (``models.staging_data``), so
    that the TUI of that index can say a run from it is under way."""
    if staging.exists() or staging.is_symlink():
        if not _staging_is_ours(staging):
            raise SimsearchError(f"{staging} is in the way (training's work folder for this --out) and was not "
                                 "made by simsearch; move it away")
        if (staging / "checkpoint.pt").is_file():
            # (was: "pass --resume to continue it instead", which for another run's checkpoint, the
            # only one a run without --resume replaces, was refused as differing in those options)
            why = f": {other_run}; only that run's own options with --resume could continue it" if other_run else ""
            stderr.print(f"[yellow]warning:[/] discarding the checkpoint of an interrupted run in {escape(str(staging))}"
                         f"{escape(why)}", highlight=False, soft_wrap=True)
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    (staging / STAGING_MARKER).write_text(staging_marker_text(data), encoding="utf-8")


def _discard_staging(staging: Path) -> None:
    if _staging_is_ours(staging):
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(final: Path, out: Path) -> None:
    """Put the assembled model folder ``final`` at ``out``, replacing what is there.

    Where the OS can (Linux), the two folders are exchanged in one step: at every moment ``out``
    holds a whole model. Elsewhere the old one is first moved to a fresh ``.NAME.old-XXXXXXXX``
    beside it; a run killed between the two renames is recovered by the next run
    (:func:`_recover_swap`)."""
    if not out.exists():
        final.rename(out)
    elif _exchange(final, out):  # out: the new model; final: the old one, removed with the work folder
        shutil.rmtree(final)
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}{_OLD_INFIX}", dir=out.parent))
        out.rename(old)  # onto the empty folder just made
        final.rename(out)
        shutil.rmtree(old)


_OLD_INFIX = ".old-"  # .NAME.old-XXXXXXXX: tempfile.mkdtemp's 8 characters after it


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where
    the OS, its C library or the file system cannot, so the caller renames in two steps."""
    import ctypes
    import errno
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(error, os.strerror(error), str(b))


def _recover_swap(out: Path) -> None:
    """Undo a swap a killed run left half done: ``out`` missing and the previous model in a
    ``.NAME.old-XXXXXXXX`` folder made by :func:`_swap_in` (recognisably a model training wrote):
    it is put back, with a warning. An empty one (killed just after making it) is removed."""
    import re

    pattern = re.compile(re.escape(f".{out.name}{_OLD_INFIX}") + r"[a-z0-9_]{8}")
    try:
        found = [p for p in out.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink()]
    except OSError:
        return
    for old in found:
        if not any(old.iterdir()):
            old.rmdir()
    candidates = []
    for old in found:
        meta = _training_metadata(old) if old.exists() else None
        if meta is not None and _unexpected_entry(old, meta) is None:
            candidates.append(old)
    if candidates and not out.exists() and not out.is_symlink():
        newest = max(candidates, key=lambda p: p.stat().st_mtime)
        newest.rename(out)
        _warn(f"restored the previous model at {out} from {newest.name} (a run was stopped while replacing it)")
