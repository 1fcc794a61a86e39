"""``simsearch index``: bring the database in line with files on disk, for every model.

A run has three phases, each safe to interrupt:

1. documents: walk the roots; a file whose stat (size, mtime, inode, ctime) is unchanged is
   not opened, one whose content hash is unchanged is not parsed (unless an older extractor
   read it: ``EXTRACTOR_VERSION``); a new or changed file is split into sentences and written
   in one transaction, each new sentence with the vector a model already holds for its text
   (``Store.replace_document``: a moved or copied file is not embedded again, nor a renamed one
   with sentence vectors; with context vectors a new name is embedded, ``store.document_name``); files
   gone from disk are removed once every file is read. A skip that depends on this run's
   options or environment (``--max-file-mb``, PDF support) is checked again every run, and an
   indexed file now over ``--max-file-mb`` is taken out; a skip for the file's content
   (binary) holds while the stat is the same;
2. vectors: each model embeds the sentences it has no vector for, in chunks, each
   chunk committed (this is also how a model added later catches up, without reading
   a single file);
3. HNSW: each model's index file is patched or rebuilt to match the database.

Killed at any point, the next run continues where the database says it stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import math
import os
import sqlite3
import stat as stat_module
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .errors import Interrupted, SimsearchError, all_of, counted
from .interrupt import sigterm_as_ctrl_c, stops_held
from .extract import zipped
from .extract import (EXTRACTOR_VERSION, WEIGHED_FORMATS, ZIP_FORMATS, FoundFile, Skip, extract, format_of, included_file, is_pdf_data,
                      is_undecodable, is_utf16, printable, read_size, sentences_of, walk)
from .models import (EMBEDDED_ALIASES, ModelRef, command_line, files_counted_since, read_only_note, fingerprint, hidden_size, index_command_line,
                     models_dir, racy, ref_at_path, resolve_model, resolve_offline)
from .progress import progress_bar
from .search import display_path, find_model, folder_named, model_ref, row_for_folder, same_folder
from .store import (CONTEXT_WINDOW_KEY, NAME_WEIGHT, NAMES_UPGRADE_KEY, NAMES_UPGRADE_NOTE, RECLAIM_FREE_SHARE, ModelRow, Store, check_context_window,
                    StorageError, file_identity, process_alive, process_started_after, remove_dead_staging, run_files,
                    storage_error, writer_alive)

# Sentences handed to the encoder at once (EMBED_WINDOW) and committed at once (EMBED_CHUNK).
# The encoder cuts batches of one token length from what it is given, so a wider window fills
# them: 16,384 Wikipedia sentences encoded 1.5x faster as one window than as eight of 2,048 (bf16,
# 2-core Sapphire Rapids). Vectors are committed every EMBED_CHUNK as they come, so a killed
# run loses at most a chunk's work, and with context vectors the pass over the window's sentences
# alone that comes before any of its vectors is complete (``_encode_rows``); a Ctrl-C also writes
# the vectors made since the last commit.
EMBED_WINDOW = 16384
EMBED_CHUNK = 2048
DEFAULT_MAX_FILE_MB = 20.0
# Context vectors (``Store.context_window``): the setting a new index starts with. 1 measured
# better on the documentation benchmarks (docs/retrieval.md "Context vectors": hybrid MRR@10 up
# on five of six model x set rows) for 2.7x the indexing time; an index made before m0014 keeps 0.
DEFAULT_CONTEXT_WINDOW = 1
# A file that changes while it is read is read again, at most this many times in one run.
READ_ATTEMPTS = 3
# A file written again within its file system's timestamp granularity of the read that indexed it
# (FAT: 2 s, HFS+: 1 s, Linux before 6.13: a clock tick) can keep its size, mtime and ctime: a row
# whose stat is this close to its read is not trusted by its stat, and the file is hashed again
# by the next run ("racy git"). A date further ahead of the clock than this (a tarball from a
# machine whose clock ran fast) is trusted while it stays ahead: a write since the read dates the
# file at most now (as ``models.file_sha256``); once the clock comes within this of it, a write
# then could give it again, and the file is hashed until it lies this far behind a read.
RACY_NS = 2_000_000_000
# "reading files" shows a bar (by bytes) for more files than this, or for this many bytes.
READ_BAR_FILES = 20
READ_BAR_BYTES = 4 * 2**20
# Sentences written between two moves of the reading bar inside one large file.
READ_BAR_SENTENCES = 2048


@dataclass
class IndexReport:
    db: str
    models: list[str] = field(default_factory=list)
    files_seen: int = 0
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    reextracted: int = 0  # of ``updated``: content unchanged, read again by a newer extractor
    touched: int = 0  # mtime changed, content did not: no parsing, no encoding
    skipped_before: int = 0  # of ``unchanged`` and ``touched``: files still skipped for the reason recorded (not warned again)
    removed: int = 0
    removed_skipped: int = 0  # of ``removed``: files still on disk whose sentences left the index because they are now skipped
    sentences_added: int = 0  # the sentences of the files this run read (new, changed, read again)
    sentences: int = 0  # the index's sentences after the run, all of its files'
    encoded: dict[str, int] = field(default_factory=dict)  # model -> sentences through the model
    precision: dict[str, str] = field(default_factory=dict)  # model -> the precision of all its vectors
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    warnings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    encode_seconds: float = 0.0  # of ``seconds``, the time in model forward passes (and model loading)
    hnsw: dict[str, str] = field(default_factory=dict)  # model -> "built" or "patched": its HNSW file was (re)written
    context_window: int = 0  # the index's setting after the run (``index --vector-context``)
    vectors_dropped: int = 0  # vectors dropped by a change of ``context_window`` (made again by the models that load)
    # Files that the files this run read include (not followed: ``Extracted.includes``) and that lie
    # outside every root of the index: {"path", "included_by": [{"path", "line"}], "command"}.
    includes_not_indexed: list[dict] = field(default_factory=list)
    run_id: int | None = None  # this run's row in ``runs`` (not in ``as_dict``)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.removed

    def as_dict(self) -> dict:
        fields = asdict(self)
        del fields["run_id"]
        return fields


@contextlib.contextmanager
def writer_lock(store: Store, *, required: bool = True) -> Iterator[bool]:
    """One writer per database at a time; readers are never blocked.

    Yields whether the lock is held: with ``required=False`` a busy lock yields False. While
    held, the lock file holds the holder's process id (``writer_alive``, for ``status``).
    """
    import fcntl

    real = store.real_path  # every spelling of the database (a symlink to it) shares one lock
    lock_path = real.with_name(real.name + ".lock")
    for attempt in range(100):
        try:
            handle = open(lock_path, "a+")
        except OSError as exc:  # a read-only folder, a full disk: one line, nothing written
            raise storage_error(exc, lock_path) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            if required:
                raise SimsearchError(f"another `simsearch index` is writing to {store.path}; wait for it to finish") from None
            yield False
            return
        except BaseException:
            handle.close()
            raise
        # The lock file was removed (``Store.discard_unused``) between its open and its lock: that
        # file locks no one out (the next command makes a new one); lock the one the path names.
        try:
            current = os.stat(lock_path)
        except OSError:
            current = None
        mine = os.fstat(handle.fileno())
        # (A file system whose path and handle never agree: the lock as taken, as before.)
        if attempt == 99 or current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            break
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
    with handle:
        try:
            # Who holds it, for `status` (a run marked "running" whose process is gone was killed).
            if not store.on_disk():  # removed by a refused first command (Store.discard_unused) meanwhile
                raise SimsearchError(f"{store.path} was removed after this command opened it; run the command again")
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            # A new index killed between its hard link and its clean-up left its hidden twin here.
            remove_dead_staging(real.parent)
            yield True
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)  # no one holds it now (a killed holder leaves its pid)
            fcntl.flock(handle, fcntl.LOCK_UN)


def none_of_the_files_read(store: Store, paths: list[Path | str]) -> str | None:
    """The error for a run given files only (no folder) of which none is indexed now, each
    skipped for its content (a binary file named .txt, a scanned PDF): the run did none of what
    was asked, so it exits 2 as for any bad input, naming the first file and why, on every run
    (the reason is the one recorded: a file still skipped is not warned of again). An index the
    run made is removed; an existing one keeps the files as skipped (a later run reads them once
    they change). None when a folder was given, or any file named is indexed (or not read yet:
    a run stopped before it)."""
    paths = [Path(path) for path in paths]
    if not paths or not all(path.is_file() for path in paths):
        return None
    reasons = [(path, store.conn.execute("SELECT skip_reason FROM documents WHERE path = ?",
                                         (os.path.abspath(path),)).fetchone()) for path in paths]
    if any(row is None or row[0] is None for _, row in reasons):  # indexed, or not known by that name
        return None
    path, (reason,) = reasons[0]
    named = "the file named" if len(paths) == 1 else f"the {len(paths):,} files named"
    return f"{printable(path)}: {reason}; nothing of {named} was indexed"


def discard_unused(store: Store, refused: bool = False) -> bool:
    """``Store.discard_unused`` under the writer lock: a new index whose first command was
    refused is removed only while no other command is writing to it. Returns whether it was."""
    if store.on_disk():
        try:
            with writer_lock(store, required=False) as held:
                if held:
                    return store.discard_unused(refused)
        except SimsearchError:  # removed in this instant, or no lock file can be made: the command's own error is told
            pass
    # Busy (another command writes to it), or already removed by another refused first command
    # (taking the lock would leave a lock file beside no index).
    store.close()
    return False


def register_models(store: Store, names: list[str], report: IndexReport, pooler: str | None = None, *,
                    explicit: bool = True,
                    warn: Callable[[str, str], None] | None = None,
                    precision: str = "auto", device: str = "auto", batch_size: int = 64,
                    encoders: dict[str, object] | None = None,
                    reembed_all: bool = False) -> list[tuple[ModelRow, ModelRef]]:
    """The index's rows for these models (with their resolved refs), added, or reset when the
    files behind a name changed or their vectors are to be made at another precision.

    ``pooler`` is for models that do not say how to pool (a raw BERT); it is recorded in the
    row, and a later run without it uses the recorded one. With ``explicit=False`` (the index's
    own models, none named by the user) a model that cannot be loaded any more (its folder was
    deleted) is skipped with a warning and keeps its vectors, instead of stopping the run.
    ``precision`` (see ``vector_precision``) is recorded in the row: every vector a model has
    is of its recorded precision. Every model is resolved before any row is written.

    A model whose vectors this run starts from nothing (a new model, one re-embedded because its
    files or precision changed, one that has no vector yet) is also loaded (weights, tokenizer, on
    ``device``) before anything of it is written: a folder whose weights do not load is refused (or,
    not named, skipped with a warning) and leaves no row, no reset vectors, no run behind. The
    loaded encoders go to ``encoders`` (keyed by model folder) for the run to embed with. A model
    whose files are those its vectors were made from loaded before, and is loaded only if this run
    gives it sentences to embed (a refresh that changed nothing loads no model).

    ``reembed_all``: this run drops every model's vectors (another ``--vector-context``), so every model
    starts from nothing, and one that cannot be loaded loses its vectors all the same (said so).
    """
    def note(path: str, reason: str) -> None:
        if warn is not None:
            warn(path, reason)
        else:
            report.warnings.append({"path": path, "reason": reason})

    def skipped(name: str, stored: ModelRow | None, exc: SimsearchError) -> None:
        """A model of the index, not named by the user, that cannot be loaded: said, and skipped."""
        where = stored.path if stored else name
        kept = ("its vectors are dropped all the same (made with the other --vector-context); "
                f"`{command_line('index', db=store.path)}` makes them again once it loads"
                if reembed_all and stored is not None else "its vectors stay in the index")
        note(where, f"{_model_named(name, where)} cannot be loaded ({exc}); skipped, {kept}. "
             f"`{command_line('forget', '--model', name, db=store.path)}` removes it")

    resolved = []
    for name in names:
        stored = store.model(name)
        here = folder_named(name) if explicit else None
        namesake = None  # the index's model of this name, when the name means another folder now
        if here is not None and stored is not None and not same_folder(stored.path, here):
            # './m' from another working directory (a name that means another folder now, as
            # `search` reads it: ``search.folder_named``): another folder, so another model (not
            # a retrain of the one the index holds under that name), added under its path
            namesake = stored
            stored = row_for_folder(store, here)
            name = stored.name if stored else here
        elif stored is None and here is not None:
            # the index's model spelled another way ('raw' for '/…/raw', a symlink): its row, so that
            # the pooler it was indexed with is kept, as `search` finds it (``find_model``)
            stored = row_for_folder(store, here)
        # A name the index holds, that is no path to another folder here, is the index's model:
        # read at the folder it was indexed from, as `search --model NAME` reads it (another
        # folder the name reaches now, a trained model of that name in the models directory, is
        # another model). Only a folder that is gone is looked for again by name (moved).
        at_stored_path = not explicit or (stored is not None and namesake is None and _folder_present(stored))
        try:
            ref = _resolve(name, stored, pooler, at_stored_path=at_stored_path, db=store.path)
            if ref.pooler == "cls":  # before anything is written: a head made at random would differ at each load
                from .encoder import check_head_in_folder

                check_head_in_folder(ref)
        except SimsearchError as exc:
            if explicit:
                raise
            skipped(name, stored, exc)
            continue
        if explicit and at_stored_path:
            other = _trained_namesake(name, stored)
            if other is not None:
                note(stored.path, f"model {name!r} of the index is this folder, where it was indexed (and where "
                                  f"`search --model {name}` reads it); the models directory's {name!r} ({other}) is "
                                  f"another model: `{index_command_line(other, store.path)}` adds it")
        path = os.path.abspath(ref.path)  # '..' collapsed: one spelling per folder
        try:
            digest, dim = fingerprint(ref), hidden_size(ref)  # a file it cannot read, a config without a size
        except SimsearchError as exc:
            if explicit:
                raise
            skipped(name, stored, exc)
            continue
        stored = stored or row_for_folder(store, path) or _moved_here(store, digest)
        wanted = vector_precision(stored, precision, device, on_warning=lambda message, name=name: note(name, message))
        starts = (reembed_all or stored is None or stored.fingerprint != digest or stored.precision != wanted
                  or store.count_vectors(stored.id) == 0)
        try:
            if starts:
                loaded = _load_encoder(ref, device=device, batch_size=batch_size, precision=wanted)
                if encoders is not None:
                    encoders[path] = loaded
            else:  # loaded only if it has sentences to embed: a device or precision it cannot run is refused now
                _check_runs_on(wanted, device)
        except SimsearchError as exc:
            if explicit:
                raise
            skipped(name, stored, exc)
            continue
        resolved.append((name, stored, ref, path, digest, dim, wanted, namesake))
    rows: dict[int, tuple[ModelRow, ModelRef]] = {}
    for name, stored, ref, path, digest, dim, wanted, namesake in resolved:
        with store.transaction():
            # one folder spelled twice in this run ('m', './m/', its absolute path): one model,
            # registered (and warned about) once
            stored = stored or row_for_folder(store, path)
            if stored is not None and stored.id in rows:
                continue
            if stored is None:
                stored = store.add_model(name, path, digest, dim, ref.pooler, wanted)
                if pooler is not None and _own_pooler(ref) not in (None, ref.pooler):
                    note(path, f"{_model_named(stored.name, path)}: its own files pool with {_own_pooler(ref)}; its "
                               f"vectors are made with {ref.pooler} (--pooler {ref.pooler}), which the index records")
                if namesake is not None:
                    note(path, f"model {namesake.name!r} means this folder here, not the index's {namesake.name!r} "
                               f"({namesake.path}): added as another model, named by its path; the index's "
                               f"{namesake.name!r} keeps its vectors")
            elif stored.fingerprint == digest and not same_folder(stored.path, path):
                # Found under the name the user gave its new folder (``_moved_here``): named so from
                # now on. Its old name would go on meaning it, also once another model (a retrain
                # kept beside it, say) is at the old name's folder: `search -m OLD` answered with it.
                renamed = name if name != stored.name and store.model(name) is None and not (
                    {name.lower(), stored.name.lower()} & set(EMBEDDED_ALIASES)) else None  # the built-in keeps its name
                note(path, f"{_model_named(stored.name, path)} was moved from {stored.path}: the same files, so its vectors "
                           f"are kept" + (f"; it is named {name!r} in the index now" if renamed else ""))
                store.move_model(stored.id, path, renamed)
                stored = store.model_by_id(stored.id)
            if stored.fingerprint != digest:
                if stored.pooler != ref.pooler and fingerprint(replace(ref, pooler=stored.pooler)) == stored.fingerprint:
                    # its files as they were: only --pooler differs (what was said was "changed")
                    count = store.count_vectors(stored.id)
                    own = _own_pooler(ref)
                    note(path, f"{_model_named(stored.name, path)}: its {counted(count, 'vector')} {_were(count)} made with "
                               f"pooler {stored.pooler}; re-embedding {_them(count)} with {ref.pooler} (--pooler {ref.pooler})"
                               + (f"; its own files pool with {own}" if own not in (None, ref.pooler) else ""))
                elif counted_since := files_counted_since(ref, stored.fingerprint):
                    # its files as they were, some of them not checked then (was: "changed")
                    note(path, f"{_model_named(stored.name, path)}: this version of simsearch checks its "
                               f"{', '.join(counted_since)} too, which the index did not record; re-embedding")
                else:  # with the pooler it now has, said where it is not its files' own choice
                    if pooler is None and _own_pooler(ref) is None:  # (the one recorded: ``_resolve``)
                        how = (f" with pooler {ref.pooler}, the one it was indexed with (its files name none; "
                               "--pooler chooses another)")
                    else:
                        how = f" with pooler {ref.pooler} (was {stored.pooler})" if ref.pooler != stored.pooler else ""
                    note(path, f"{_model_named(stored.name, path)} changed since it was indexed; re-embedding{how}")
                store.reset_model(stored.id, path, digest, dim, ref.pooler, wanted)
                stored = store.model_by_id(stored.id)
            elif stored.precision != wanted:
                count = store.count_vectors(stored.id)
                note(path, f"{_model_named(stored.name, path)}: its {counted(count, 'vector')} {_were(count)} made at "
                           f"{stored.precision}; re-embedding {_them(count)} at {wanted} (--precision {precision})")
                store.reset_model(stored.id, path, digest, dim, ref.pooler, wanted)
                stored = store.model_by_id(stored.id)
        rows.setdefault(stored.id, (stored, ref))
    return list(rows.values())


def _own_pooler(ref: ModelRef) -> str | None:
    """The pooler a model's own files name (``simsearch.json``, sentence-transformers' pooling),
    whatever ``--pooler`` says; None for a model that names none (a raw BERT)."""
    from .models import read_pooling

    try:
        return read_pooling(Path(ref.path))[0]
    except SimsearchError:
        return None


def _load_encoder(ref: ModelRef, *, device: str, batch_size: int, precision: str):
    """The model's encoder, loaded as the run will embed with it (a model retrained meanwhile is
    refused where its vectors would be written: ``_embed_missing`` compares its fingerprint)."""
    from .encoder import Encoder

    return Encoder.load(ref, device=device, batch_size=batch_size, precision=precision)


def _check_runs_on(precision: str, device: str) -> None:
    """Refuse (``SimsearchError``) a device this machine lacks, or a precision that device cannot run
    (int8 off the CPU). Only those can be refused: other cases do not import torch to ask."""
    if device == "cpu" or (device == "auto" and precision != "int8"):
        return
    from .encoder import pick_device
    from .precision import resolve

    resolve(precision, pick_device(device), on_warning=lambda message: None)


def _folder_present(row: ModelRow) -> bool:
    """Whether the index's model is still where it was indexed (the embedded one always is: it is
    found anew when its package moved)."""
    return os.path.isdir(row.path) or row.name.lower() in EMBEDDED_ALIASES


def _trained_namesake(name: str, row: ModelRow) -> str | None:
    """The models directory's folder of this name, when it is not the index's model of that name."""
    if "/" in name or name.lower() in EMBEDDED_ALIASES:
        return None
    trained = models_dir() / name
    return os.path.abspath(trained) if trained.is_dir() and not same_folder(str(trained), row.path) else None


def _model_named(name: str, path: str) -> str:
    """"model 'NAME'" where the name says more than the folder the warning begins with (a name
    such as minilm), else "the model" (a folder name: the warning's path already says it)."""
    return "the model" if same_folder(name, path) else f"model {name!r}"


def _moved_here(store: Store, digest: str) -> ModelRow | None:
    """The index's model whose folder is gone and whose files (and pooler) are byte for byte
    these: the same model, moved (its vectors stay valid)."""
    return next((row for row in store.models() if row.fingerprint == digest and not os.path.isdir(row.path)), None)


def vector_precision(stored: ModelRow | None, requested: str = "auto", device: str = "auto", *,
                     on_warning: Callable[[str], None] | None = None) -> str:
    """The precision a model's vectors are made at in this run (one of ``precision.CONCRETE``).

    ``auto`` keeps the one an indexed model's vectors were made at (its recorded precision), and
    for a new model follows the hardware (``precision.resolve``); an explicit precision is that
    precision (a different one from the recorded re-embeds the model, see ``register_models``).
    """
    requested = getattr(requested, "value", requested)
    if requested == "auto" and stored is not None:
        return stored.precision
    from .encoder import pick_device
    from .precision import resolve

    return resolve(requested, pick_device(device), on_warning=on_warning)


def _resolve(name: str, stored: ModelRow | None, pooler: str | None, *, at_stored_path: bool = False,
             db: str | Path | None = None) -> ModelRef:
    """The model behind a name, resolved offline first (a name the index knows but that does not resolve
    here, say a relative folder from another working directory, is found at its stored path),
    else a hub id. Without ``pooler``, a model the index holds resolves with the pooler it was
    indexed with (its own, or the ``--pooler`` given then).

    ``at_stored_path``: the index's own models on a plain refresh are found at the folder they
    were indexed from, never by re-resolving their name against the working directory or the
    models directory (another folder of that name there is another model, not a retrain)."""
    def attempt(chosen: str | None) -> ModelRef:
        if at_stored_path and stored is not None:
            return ref_at_path(stored.name, stored.path, chosen, db)  # (``db``: named in the remedy)
        ref = resolve_offline(name, chosen)
        if ref is None and stored is not None:
            ref = resolve_offline(stored.path, chosen)
        return ref or resolve_model(name, chosen)

    if pooler is not None or stored is None:
        return attempt(pooler)
    with contextlib.suppress(SimsearchError):
        # Unchanged files: the pooler recorded for it, the folder's own or the --pooler it was
        # indexed with (a plain refresh must not re-embed a model the user chose to pool otherwise).
        ref = attempt(stored.pooler)
        if fingerprint(ref) == stored.fingerprint:
            return ref
    try:
        return attempt(None)  # retrained (or moved): read as its folder now says
    except SimsearchError as first:
        try:
            return attempt(stored.pooler)  # succeeds only if the missing pooler was the problem
        except SimsearchError:
            raise first from None


# --- roots --------------------------------------------------------------------------------

def root_key(path: Path | str) -> str:
    """How a root (and every document path) is stored: absolute, ``~`` expanded, normalised
    (``docs/../docs``, ``./docs/`` and ``docs`` are one root). Symlinks are kept as spelled:
    a path is what the user sees (``..`` after a symlink is taken lexically, as a shell's
    ``cd`` does)."""
    return os.path.normpath(Path(path).expanduser().absolute())


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _root_state(path: str, device: int | None) -> tuple[str, int | None]:
    """("present", st_dev), ("missing", None), or ("unmounted", None) for an empty folder on
    another device than when it was indexed: the mount point an unmounted drive leaves behind."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing", None
    if device is not None and st.st_dev != device and stat_module.S_ISDIR(st.st_mode):
        try:
            with os.scandir(path) as listing:
                empty = next(listing, None) is None
        except OSError:
            empty = False
        if empty:
            return "unmounted", None
    return "present", st.st_dev


@dataclass
class _RootPlan:
    walk: dict[str, int]  # present roots of this run -> st_dev
    kept: dict[str, str]  # indexed roots that are not there now -> what to tell the user


def _plan_roots(store: Store, roots: list[Path]) -> _RootPlan:
    """Check this run's roots before anything is written: a path that does not exist and was
    never indexed is a typo (an error); an indexed root that is gone keeps its documents."""
    known = store.roots()
    plan = _RootPlan({}, {})
    for given in roots:
        key = root_key(given)
        if is_undecodable(key):
            raise SimsearchError(f"{printable(key)}: the path is not valid UTF-8; rename it to index it")
        state, device = _root_state(key, known.get(key))
        if state == "present":
            plan.walk[key] = device
        elif key not in known:
            raise SimsearchError(f"{given}: no such file or folder")
    new = [key for key in plan.walk if key not in known]
    for key in new:  # the same files under two names would be stored, and found, twice
        other = next((root for root in [*known, *plan.walk] if root != key and _aliases(key, root)), None)
        if other is not None:
            advice = (f"`{command_line('forget', other, db=store.path)}` first to use this one instead" if other in known
                      else "give only one of them")
            raise SimsearchError(
                f"{printable(key)} and {'the indexed root' if other in known else 'also given'} {printable(other)} "
                f"reach the same files through a symlink ({_real_paths(key, other)}): "
                f"they would be indexed twice. Index one spelling only ({advice})")
    given = [*plan.walk, *map(root_key, roots)]
    for key, device in known.items():  # indexed roots inside this run's ones, or named in it
        if key in plan.walk or not any(_under(key, root) for root in given):
            continue
        state, st_dev = _root_state(key, device)
        if state == "present":
            # Walked too: it may hold what the outer walk leaves out (a hidden or ignored folder).
            plan.walk[key] = st_dev
            continue
        count = store.count_documents_under(key)
        why = ("no longer exists (deleted, or on a drive that is not mounted)" if state == "missing"
               else "is empty and on another device than when indexed (a drive that is not mounted?)")
        documents = f"its {count:,} documents stay" if count != 1 else "its 1 document stays"
        plan.kept[key] = (f"{why}; {documents} in the index. `{command_line('forget', key, db=store.path)}` "
                          f"removes them (`{command_line('forget', '--missing', db=store.path)}`: every root that no longer "
                          "exists)")
    return plan


def _real_paths(a: str, b: str) -> str:
    real_a, real_b = os.path.realpath(a), os.path.realpath(b)
    return f"both are {real_a}" if real_a == real_b else f"{real_a} and {real_b}"


def _aliases(a: str, b: str) -> bool:
    """Whether roots ``a`` and ``b`` hold the same files (one is, or is inside, the other) once
    symlinks are resolved, though their spellings do not say so."""
    if _under(a, b) or _under(b, a):
        return False  # nested as spelled: each file is counted once (see ``_sync_documents``)
    real_a, real_b = os.path.realpath(a), os.path.realpath(b)
    return _under(real_a, real_b) or _under(real_b, real_a)


def previous_roots(store: Store) -> list[Path]:
    """Every root indexed before, for a plain ``simsearch index``."""
    return [Path(root) for root in store.roots()]


def forget_roots(store: Store, paths: list[Path | str], *, progress: bool = False) -> dict:
    """Stop indexing these roots and remove their documents from the index (not documents that
    another root still covers). Files on disk are never touched. ``progress``: a bar while the
    HNSW files are brought in line (a rebuild, when a quarter or more of a model's vectors went,
    took 19 s for 61k vectors of 32 dimensions on 2 cores)."""
    with writer_lock(store):
        known = store.roots()
        for given in paths:
            key = root_key(given)
            if key not in known:
                held = ", ".join(known) or "none"
                if not os.path.lexists(key):  # a typo, not a file the next run would read
                    raise SimsearchError(f"{printable(given)}: no such file or folder (the index's roots: {held})")
                inside = next((root for root in known if Path(key).is_relative_to(root)), None)
                if inside is not None:
                    raise SimsearchError(
                        f"{printable(given)} is inside the indexed folder {inside}, whose next index run would "
                        f"read it again: forget that folder, or leave the {'folder' if Path(key).is_dir() else 'file'} out "
                        "with a .gitignore there")
                raise SimsearchError(f"{printable(given)} is not a root of the index (its roots: {held})")
        return _forget_roots(store, list(dict.fromkeys(root_key(p) for p in paths)), progress=progress)


def forget_missing_roots(store: Store, *, progress: bool = False) -> dict:
    """Forget every root that does not exist now (see ``forget_roots``)."""
    with writer_lock(store):
        keys = [key for key in store.roots() if not os.path.exists(key)]
        return _forget_roots(store, keys, progress=progress)


def _forget_roots(store: Store, keys: list[str], *, progress: bool = False) -> dict:
    remaining = [root for root in store.roots() if root not in keys]
    purge = [doc.id for path, doc in store.documents_under(keys).items()
             if not any(_under(path, root) for root in remaining)]
    before = store.counts()
    with store.transaction():
        store.remove_roots(keys)
        store.delete_documents(purge)
    after = store.counts()
    if purge:
        for row in store.models():  # bring the HNSW files in line now, not at the next search
            _sync_ann(store, row, progress=progress)
    return {"roots": keys, "documents": before["documents"] - after["documents"],
            "skipped": before["skipped"] - after["skipped"], "sentences": before["sentences"] - after["sentences"]}


def reclaim_space(store: Store, vectors_removed: int = 0) -> dict:
    """After ``forget``: give the database's unused space back to the disk when it is more than
    ``store.RECLAIM_FREE_SHARE`` of the file (``Store.reclaim``), or when ``vectors_removed``
    (``forget --model``) were more than that share of the vectors held: those were interleaved
    with the others and leave part-full pages, which SQLite does not count as free. Under the
    writer lock. Returns
    ``{"reclaimed_bytes", "seconds"}`` (0 bytes: nothing to do; ``"held_by_search": True``: a
    search reading meanwhile keeps that space, and as much again in the WAL, until it ends), or ``{"reclaimed_bytes": 0,
    "reclaim_failed": reason}`` when it could not (a full disk): what was forgotten stays
    forgotten, and later runs reuse the space. An `index` run that took the writer lock since the
    forget: nothing done (it reuses the space as it writes)."""
    with writer_lock(store, required=False) as held:
        if not held:
            return {"reclaimed_bytes": 0, "seconds": 0.0}
        started = time.perf_counter()
        held = store.conn.execute("SELECT count(*) FROM vectors").fetchone()[0] if vectors_removed else 0
        try:
            freed = store.reclaim(force=vectors_removed > RECLAIM_FREE_SHARE * (vectors_removed + held))
        except StorageError as exc:
            return {"reclaimed_bytes": 0, "reclaim_failed": exc.reason or str(exc)}
        return {"reclaimed_bytes": freed, "seconds": round(time.perf_counter() - started, 2),
                **({"held_by_search": True} if freed and store.reclaim_held else {})}


def forget_models(store: Store, names: list[str]) -> dict:
    """Remove models from the index: their rows, vectors and HNSW files (the model's own folder
    is never touched)."""
    from .ann import SAVED_STAT_KEY, ann_paths

    with writer_lock(store):
        rows = []
        for name in dict.fromkeys(names):
            row = find_model(store, name)
            if row is None:
                held = ", ".join(r.name for r in store.models()) or "none"
                raise SimsearchError(f"model {name!r} is not in the index (it holds: {held})")
            if row.id not in {r.id for r in rows}:
                rows.append(row)
        vectors = sum(store.count_vectors(row.id) for row in rows)
        with store.transaction():
            for row in rows:
                store.conn.execute("DELETE FROM vectors WHERE model_id = ?", (row.id,))
                store.conn.execute("DELETE FROM models WHERE id = ?", (row.id,))
                store.conn.execute("DELETE FROM settings WHERE key = ?", (SAVED_STAT_KEY.format(row.id),))
        for row in rows:  # ids are never reused, so a file left by a crash here is never read
            for path in ann_paths(store, row):
                for file in glob.glob(glob.escape(str(path)) + "*"):  # the file, its *.partial and side files
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(file)
    return {"models": [row.name for row in rows], "vectors": vectors}


# --- the run ------------------------------------------------------------------------------

def index(
    store: Store,
    roots: list[Path],
    models: list[str] | None = None,
    *,
    device: str = "auto",
    batch_size: int = 64,
    max_file_mb: float | None = None,
    progress: bool = True,
    on_warning: Callable[[str, str], None] | None = None,
    pooler: str | None = None,
    precision: str = "auto",
    context: int | None = None,
    refusable: bool = False,
) -> IndexReport:
    """Index ``roots`` (files or folders) with ``models`` (default: the index's models, else minilm).

    ``pooler`` is how the named ``models`` pool when they do not say (a raw BERT). ``precision``
    (``auto``, ``fp32``, ``bf16``, ``int8``) is what this run's models embed at: ``auto`` keeps an
    indexed model's recorded precision and follows the hardware for a new one; another precision
    than a model's recorded one re-embeds all of its vectors (with a warning), so a model's
    vectors are never of two precisions.

    ``max_file_mb`` applies to the index as it is after the run: a larger file is skipped (with
    a warning), and one indexed before is taken out; a file skipped for an earlier, lower limit
    is read. None: the last limit given for this index (recorded), else ``DEFAULT_MAX_FILE_MB``.

    ``context`` (0 or 1): how many neighbours either side each sentence's vector
    also embeds (``Store.context_window``), for every model of the index. None: the index's
    recorded setting, else ``DEFAULT_CONTEXT_WINDOW``. Another setting than the recorded one
    re-embeds every model's vectors (with a note).

    ``refusable``: the ``roots`` are what the user named (``simsearch index FILE...``): a run of
    files alone, none of them indexed (``none_of_the_files_read``), is recorded as "refused".
    """
    start = time.perf_counter()
    report = IndexReport(db=str(store.path))

    def warn(path, reason: str) -> None:
        report.warnings.append({"path": printable(path), "reason": reason})
        if on_warning:
            on_warning(printable(path), reason)

    if pooler is not None and not models:
        raise SimsearchError("--pooler applies to the models named with --model")
    if device not in ("auto", "cpu"):  # --device cuda without CUDA: refused before anything is written
        from .encoder import pick_device

        pick_device(device)
    if context is not None:
        check_context_window(context)
    with writer_lock(store), sigterm_as_ctrl_c():  # `timeout`, `kill`, systemd: saved as a Ctrl-C saves
        plan = _plan_roots(store, roots)
        if max_file_mb is None:
            max_file_mb = _recorded_max_file_mb(store, warn)
        elif not (isinstance(max_file_mb, (int, float)) and 0 <= max_file_mb <= MAX_FILE_MB_LIMIT):
            raise SimsearchError(f"--max-file-mb {max_file_mb}: must be a number from 0 to {MAX_FILE_MB_LIMIT:g}")
        explicit = bool(models) or not store.models()
        names = list(dict.fromkeys(models or [m.name for m in store.models()] or ["minilm"]))
        encoders: dict[str, object] = {}  # model folder -> its encoder, loaded before anything was written
        window = _context_wanted(store, context)
        switching = window != store.context_window()
        if window:  # a switch, or one interrupted before it read every such file
            _check_unshaped_read(store, plan)
        before = store.models()
        rows = register_models(store, names, report, pooler, explicit=explicit, warn=warn, precision=precision,
                               device=device, batch_size=batch_size, encoders=encoders, reembed_all=switching)
        if switching and models:
            # A switch drops every model's vectors: the index's models not named are embedded
            # again in this run too (as in a run that names none: one that cannot load is skipped),
            # each at its own precision (``--precision`` is for the models named).
            named = {row.id for row, _ in rows}
            rows += register_models(store, [m.name for m in before if m.id not in named], report, None,
                                    explicit=False, warn=warn, precision="auto", device=device,
                                    batch_size=batch_size, encoders=encoders, reembed_all=True)
        report.models = [row.name for row, _ in rows]
        report.precision = {row.name: row.precision for row, _ in rows}
        run_id = None  # the run's row: once recorded, however the run ends, it says how
        status = "failed"
        embedding = None  # the model whose vectors are being made
        try:
            # Inside the ``try``: a stop just after this commit was raised before it, and left the
            # run "running" (`status`: "killed"). One before the commit rolls it back: no run.
            with store.transaction():
                # We hold the writer lock, so a run still marked as running died without a word.
                store.conn.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'")
                for key, st_dev in plan.walk.items():
                    store.add_root(key, st_dev)
                store.set_setting("max_file_mb", repr(float(max_file_mb)))
                report.vectors_dropped = _apply_context_window(store, window, warn, plan, embedding=len(rows))
                report.context_window = window
                run_id = report.run_id = store.start_run([root_key(r) for r in roots], report.models)
            for key, reason in plan.kept.items():
                warn(key, reason)
            upgraded = store.names_upgrade_dropped()
            if upgraded and rows:
                warn(store.path, f"{NAMES_UPGRADE_NOTE}: making its {counted(upgraded, 'vector')} again")
            included: list[tuple[str, int, str]] = []
            _sync_documents(store, plan, report, max_file_mb, progress, warn, run_id=run_id, included=included)
            report.includes_not_indexed = includes_not_indexed(store, included)
            for row, ref in rows:
                embedding = row.name
                encode_start = time.perf_counter()
                encoder = encoders.pop(os.path.abspath(ref.path), None)
                try:
                    report.encoded[row.name] = _embed_missing(store, row, ref, device, batch_size, progress,
                                                              report.encoded, run_id=run_id, encoder=encoder)
                except ModelNotLoaded as exc:
                    # Not loaded before the run wrote (its files are those its vectors were made from,
                    # so only the environment changed): the run's files are indexed, and this model
                    # is skipped as a model that cannot be found is -- unless the user named it: then
                    # the run fails, never "up to date" with sentences the model has no vector for.
                    if explicit:
                        raise SimsearchError(
                            f"{_model_named(row.name, row.path)} cannot be loaded ({exc}); the files of this run "
                            f"are indexed, and its {store.count_missing_vectors(row.id):,} sentences without a vector "
                            f"wait until it loads (`{command_line('index', db=store.path)}` then makes them)") from None
                    report.encoded[row.name] = 0
                    warn(row.path, f"{_model_named(row.name, row.path)} cannot be loaded ({exc}); skipped, its "
                                   f"vectors stay in the index. `{command_line('forget', '--model', row.name, db=store.path)}` "
                                   "removes it")
                report.encode_seconds += time.perf_counter() - encode_start
                embedding = None
            for row, _ in rows:
                _sync_ann(store, row, progress=progress, done=report.hnsw)
            if upgraded and not any(store.count_missing_vectors(model.id) for model in store.models()):
                with store.transaction():
                    store.conn.execute("DELETE FROM settings WHERE key = ?", (NAMES_UPGRADE_KEY,))
            status = "done"
        except StorageError as exc:
            if not _recorded(store, run_id):  # the run was not recorded: nothing of it was written
                run_id = None
                raise
            # The write that failed was undone; what the run committed before it stays, and is
            # said as Ctrl-C says it (never "nothing was written" of an index that changed).
            saved = _saved_by_run(store, run_id, report, embedding)
            if not saved or exc.reason is None:
                raise
            remedy = "free some space and run" if exc.reason in ("the disk is full", "disk quota exceeded") else "run"
            raise StorageError(f"{store.path}: {exc.reason}; {saved_phrase(saved)} saved before it (the write "
                               f"that failed was undone): {remedy} the same command again to continue", exc.reason) from None
        except KeyboardInterrupt:
            if not _recorded(store, run_id):  # stopped before the run was recorded: nothing of it was written
                run_id = None
                raise
            status = "interrupted"
            saved = _saved_by_run(store, run_id, report, embedding)
            # A model this run added is in the index now, vectors or not: never "nothing new".
            added = [row.name for row, _ in rows if row.id not in {m.id for m in before}
                     and not store.count_vectors(row.id)]
            if added:
                empty = f"model{'s' if len(added) > 1 else ''} {', '.join(map(repr, added))} with no vector yet"
                what = f"{saved_phrase(saved)} saved to {store.path}, and {empty} added" if saved else (
                    f"{empty} added to {store.path}")
            else:
                what = f"{saved_phrase(saved)} saved to {store.path}"
            interrupted = Interrupted(f"interrupted; {what}. Run the same command again to continue.")
            # (files read are not read again by the next run: what they include is said now)
            interrupted.includes_not_indexed = report.includes_not_indexed
            raise interrupted from None
        finally:
            report.seconds = time.perf_counter() - start
            # A first stop while the run's end is recorded waits until it is (cut short, the run
            # stayed "running": `status` said "killed" of a run that had finished, or saved its work).
            with stops_held(raise_after=False) as held:
                if run_id is not None:
                    # Given files only, none of them indexed, each skipped for its content: the run
                    # did none of what was asked, and says so in the same commit that ends it (a new
                    # index of such runs alone is none: the ``index`` command removes it).
                    if refusable and status != "failed" and none_of_the_files_read(store, roots):
                        status = "refused"
                    with store.transaction():
                        # The other counts were committed with what they count (``Store.count_run``).
                        store.finish_run(run_id, status, files_seen=report.files_seen)
            if held.stopped and status == "done":
                raise stopped_once_finished(store, report)
            if held.stopped and status != "failed":  # (a failed run's own error is told: what it saved, how to go on)
                raise KeyboardInterrupt
    report.sentences = store.counts()["sentences"]
    return report


def stopped_once_finished(store: Store, report: IndexReport) -> Interrupted:
    """The error of a stop that came once the run had done all it was asked (as its end was
    recorded, which the stop waits for, or after it): what it saved, and nothing left to do. (Was
    a bare "interrupted", said alike of a run stopped before it saved anything.)"""
    saved = _saved_by_run(store, report.run_id, report, None)
    what = f"{saved_phrase(saved)} saved to {store.path}" if saved else f"{store.path} is up to date"
    stopped = Interrupted(f"interrupted as the run ended, once it had finished: {what}")
    stopped.includes_not_indexed = report.includes_not_indexed
    return stopped


def _recorded(store: Store, run_id: int | None) -> bool:
    """Whether the run's row is in the index (not rolled back with the commit that made it)."""
    return run_id is not None and store.run(run_id) is not None


def _context_wanted(store: Store, context: int | None) -> int:
    """This run's context window: ``context``, else the index's recorded one, else ``DEFAULT_CONTEXT_WINDOW``."""
    recorded = store.setting(CONTEXT_WINDOW_KEY)
    return context if context is not None else (int(recorded) if recorded is not None else DEFAULT_CONTEXT_WINDOW)


def _check_unshaped_read(store: Store, plan: _RootPlan) -> None:
    """With context on, the plain-text documents whose shape was not recorded (indexed before
    m0014 or m0015, ``Store.shape_unknown``) are read again: a run that would not read one (no
    PATHS, another root) embedded its prose as sentence vectors under the new setting (or its
    lines' windows across them), and the next full run all of them again. Refused before
    anything is written, in the switch's run and in every run after a switch that was
    interrupted before it read them all (not for a root of this run that is gone: its documents
    stay as they are, as the run says, and are read once it is back)."""
    unshaped = store.shape_unknown()
    if not unshaped:
        return
    unread = [path for document_id, path in store.conn.execute("SELECT id, path FROM documents")
              if document_id in unshaped
              and not any(_under(path, root) for root in [*plan.walk, *plan.kept])  # (kept: a root gone, said so)
              and os.path.exists(path)]  # (a file of a drive not mounted is read once it is back)
    if unread:
        raise SimsearchError(
            f"--vector-context 1 reads again the {counted(len(unread), 'plain-text file')} whose shape an older "
            f"simsearch did not record ({printable(unread[0])}{', …' if len(unread) > 1 else ''}), which this run "
            f"does not read: run `{command_line('index', '--vector-context', '1', db=store.path)}` (no PATHS, "
            "no --model) first")


def _apply_context_window(store: Store, wanted: int, warn, plan: _RootPlan, *, embedding: int) -> int:
    """Record this run's context window ``wanted`` (inside the run's first transaction). A change
    drops every model's vectors, which this run embeds again for the ``embedding`` models that
    loaded (``Store.set_context_window``; every model was loaded first, see ``register_models``'
    ``reembed_all``; one that cannot load was said to lose them), said in one line when there
    were any; so are the plain-text files of no recorded shape that this run reads again for it
    with context on (``Store.shape_unknown``: counted unchanged, not as read by another version).
    Returns the number of vectors dropped."""
    dropped = store.set_context_window(wanted)
    reshaped = len(_unshaped_read(store, plan)) if wanted else 0
    shape = ""
    if reshaped:
        one = reshaped == 1
        shape = (f"{counted(reshaped, 'plain-text file')} whose shape an older simsearch did not record "
                 f"{'is' if one else 'are'} read again for it (a file of one sentence per line keeps sentence "
                 "vectors, one of a paragraph per line gets windows within its lines)")
    if dropped:
        kind = "its window of neighbours too (context vectors)" if wanted else "its sentence alone"
        models = len(store.models())
        if embedding >= models:
            what = f"re-embedding {all_of(dropped, 'vector')} of {counted(models, 'model')}"
        elif embedding:
            what = (f"dropping {all_of(dropped, 'vector')} of {counted(models, 'model')}; re-embedding those of "
                    + ("the one that loads" if embedding == 1 else f"the {embedding} that load"))
        else:
            what = (f"dropping {all_of(dropped, 'vector')} of {counted(models, 'model')}; none is embedded again: no model of the "
                    "index can be loaded now (said above)")
        warn(str(store.path), f"--vector-context {wanted}: each sentence's vector now embeds {kind}; {what}"
                              + (f"; {shape}" if shape else ""))
    elif shape:
        warn(str(store.path), shape)
    return dropped


def _were(number: int) -> str:  # (for ``counted``'s noun)
    return "was" if number == 1 else "were"


def _them(number: int) -> str:
    return "it" if number == 1 else "all of them"


def _unshaped_read(store: Store, plan: _RootPlan) -> list[str]:
    """The documents of no recorded shape (``Store.shape_unknown``) that this run reads."""
    unshaped = store.shape_unknown()
    if not unshaped:
        return []
    return [path for path, doc in store.documents_under(list(plan.walk)).items()
            if doc.id in unshaped and not any(_under(path, kept) for kept in plan.kept)]


def _saved_by_run(store: Store, run_id: int, report: IndexReport, embedding: str | None) -> list[str]:
    """What the run ``run_id`` saved, for the line that says so when it stops early: its files
    and each model's vectors, as committed (``Store.count_run``: the stop may have come between a
    commit and the report's count of it). ``embedding``: the model whose vectors were being made;
    its count in ``report.encoded`` is set to what was committed."""
    counted = store.run(run_id)
    files, _, again = run_files(counted)  # unchanged files read by this version: said apart
    if embedding is not None:  # the model being embedded: the run's vectors, less the other models'
        report.encoded[embedding] = counted["sentences_encoded"] - sum(
            count for name, count in report.encoded.items() if name != embedding)
    saved = [f"{files:,} new or changed file{'' if files == 1 else 's'}"] if files else []
    saved += [f"{again:,} file{'' if again == 1 else 's'} read again by this version of simsearch"] if again else []
    return saved + [f"{count:,} vector{'' if count == 1 else 's'} for {name}" for name, count in report.encoded.items() if count]


def saved_phrase(saved: list[str]) -> str:
    """``["1 new or changed file", "4 vectors for m"]`` -> "1 new or changed file and 4 vectors for m
    were" (one thing counted 1: "was"; nothing: "nothing new was")."""
    if not saved:
        return "nothing new was"
    one = len(saved) == 1 and saved[0].startswith("1 ")
    return f"{' and '.join(saved)} {'was' if one else 'were'}"


def _sync_documents(store: Store, plan: _RootPlan, report: IndexReport, max_file_mb: float,
                    progress: bool, warn: Callable[[Path, str], None], *, run_id: int | None = None,
                    included: list[tuple[str, int, str]] | None = None) -> None:
    """Bring the documents under ``plan``'s roots in line with the files (phase 1); each change
    is counted in the run's row ``run_id`` in its own transaction (``Store.count_run``). The files
    that the files read include go to ``included`` (``_index_file``)."""
    roots = list(plan.walk)
    # Documents of an indexed root that is not there now stay, even inside a root walked now.
    known = {path: doc for path, doc in store.documents_under(roots).items()
             if not any(_under(path, kept) for kept in plan.kept)}
    # Nested roots (``docs`` and ``docs/sub``) are each walked (a nested root may be one the
    # outer walk leaves out: hidden, .gitignored), and each file counted once.
    found: dict[str, FoundFile] = {}
    reported: set[str] = set()
    for item in walk([Path(root) for root in roots]):
        if isinstance(item, FoundFile):
            found.setdefault(str(item.path), item)
        else:
            path, reason = item
            if str(path) in reported:
                continue
            reported.add(str(path))
            warn(path, reason)
            report.skipped.append({"path": printable(path), "reason": reason})
    report.files_seen = len(found)
    stale = store.read_by_other_extractor(EXTRACTOR_VERSION)
    # Plain text of no recorded shape is read again (``Store.shape_unknown``): context vectors and
    # training's passages (``data.indexed_documents``) both follow the shape. With context off its
    # vectors are of its sentences alone, whatever the shape: none is made again.
    unshaped = store.shape_unknown()
    max_bytes = int(max_file_mb * 1024 * 1024)
    support = _Support()
    weighed = _Weights(max_bytes)
    to_read = []
    for key, file in found.items():
        old = known.get(key)
        if (old is not None and old.size == file.size and old.mtime_ns == file.mtime_ns and old.id not in stale
                and old.id not in unshaped and not _racily_clean(old, _clock_ns()) and _same_file(old, file.path)
                and _skip_holds(old, max_bytes, support, file.path, store, weighed)):
            report.unchanged += 1
            report.skipped_before += old.skip_reason is not None
        else:
            to_read.append(file)
    # The bar counts bytes (a few large files take as long as many small ones); a file over the
    # limit is not read, so it weighs nothing.
    weights = [file.size if weighed(file.path, file.size)[0] <= max_bytes else 0 for file in to_read]
    shown = progress and (len(to_read) > READ_BAR_FILES or sum(weights) >= READ_BAR_BYTES)
    # Vectors are looked up by text (``Store.replace_document``): a file moved or renamed since
    # the last run finds its sentences' vectors in its old document, removed as gone only below.
    with store.holding_released_vectors(), \
            progress_bar(sum(weights), "reading files", unit="B", enabled=shown) as advance:
        for number, (file, weight) in enumerate(zip(to_read, weights), 1):
            old = known.get(str(file.path))
            moved = 0

            def within(share: float, weight=weight) -> None:
                """``share`` of this file's sentences are written: the bar moves as far into it."""
                nonlocal moved
                step = int(weight * share) - moved
                if step > 0:
                    advance(step)
                    moved += step

            _index_file(store, file, old, report, max_bytes, warn, stale=old is not None and old.id in stale,
                        unshaped=old is not None and old.id in unshaped, support=support, run_id=run_id,
                        on_share=within if shown else None, included=included, weighed=weighed)
            advance(weight - moved, files=f"{number:,}/{len(to_read):,}")
    gone = [doc for path, doc in known.items() if path not in found]
    if gone:
        removed = sum(doc.skip_reason is None for doc in gone)
        with store.transaction():
            store.delete_documents([doc.id for doc in gone])
            store.count_run(run_id, files_changed=removed, files_removed=removed)
        report.removed += removed


def includes_not_indexed(store: Store, included: list[tuple[str, int, str]]) -> list[dict]:
    """Of ``included`` ((includer, line, included file), as ``_index_file`` gives them), the files
    outside every root of the index, each once, in the order first met: {"path", "included_by":
    [{"path", "line"}], "command"}, the command that indexes it (a root of its own). An include is
    not followed (a document is one file, read again when that file changes), so what such a file
    says is found nowhere until it is indexed; one inside a root is indexed by the walk."""
    roots = list(store.roots())
    found: dict[str, dict] = {}
    for includer, line, path in included:
        if any(_under(path, root) for root in roots):
            continue
        entry = found.setdefault(path, {"path": printable(path), "included_by": [],
                                        "command": command_line("index", display_path(path), db=store.path)})
        if not any(by["path"] == printable(includer) for by in entry["included_by"]):
            entry["included_by"].append({"path": printable(includer), "line": line})
    return list(found.values())


def _racily_clean(old, now_ns: int) -> bool:
    """Whether a write since ``old``'s stat was recorded could have left that stat as it was
    (``RACY_NS``): a date in it within ``RACY_NS`` of the read, or after it but no longer ahead of
    the clock (``now_ns``) by more. A file over --max-file-mb is never read: its size is what counts."""
    if old.indexed_at is None or old.skip_kind == "limit":
        return False
    read_ns = int(dt.datetime.fromisoformat(old.indexed_at).timestamp()) * 10**9  # (whole seconds: up to 1 s early)
    return racy((old.mtime_ns, old.ctime_ns or 0), read_ns, now_ns, RACY_NS)


def _clock_ns() -> int:
    return time.time_ns()


def _same_file(old, path: Path) -> bool:
    """Whether the file at ``path`` is the version ``old`` recorded (a row from before inodes were
    recorded never is: it is read once more, and only its stat updated if its content is the same)."""
    try:
        stat = os.stat(path)
    except OSError:
        return False  # gone or unreadable now: reading it says which
    return (old.size, old.mtime_ns, old.inode, old.ctime_ns) == file_identity(stat)


class _Support:
    """Whether optional readers are installed now (asked once per run, when a skip depends on it)."""

    def __init__(self) -> None:
        self._pdf: bool | None = None

    def pdf(self) -> bool:
        if self._pdf is None:
            try:
                import pypdf  # noqa: F401
            except ImportError:
                self._pdf = False
            else:
                self._pdf = True
        return self._pdf


MAX_FILE_MB_LIMIT = 1e9  # MB: any file; a larger number could not be compared in bytes


def _recorded_max_file_mb(store: Store, warn) -> float:
    """The last --max-file-mb given for this index, else the default (a value that cannot be
    used, written by hand or by a version that did not check it, is ignored with a warning)."""
    recorded = store.setting("max_file_mb")
    if recorded is None:
        return DEFAULT_MAX_FILE_MB
    try:
        value = float(recorded)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_FILE_MB_LIMIT:
        warn(store.path, f"the --max-file-mb this index recorded ({recorded}) cannot be used; "
                         f"using {DEFAULT_MAX_FILE_MB:g} (give --max-file-mb to set another)")
        return DEFAULT_MAX_FILE_MB
    return value


class _Weights:
    """``extract.read_size`` against one limit, each version of a file weighed once a run: the bar
    weighs a file before it is read and ``_index_file`` again as it reads it, and a PDF or
    notebook over the limit on disk is read through to be weighed (0.24 s for a 26.7 MiB PDF). A
    version is its path and ``store.file_identity`` (size, mtime, inode, ctime): one written or
    replaced in between is weighed again."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._known: dict[tuple, tuple[int, str | None]] = {}

    def __call__(self, path: Path, size: int, stat: os.stat_result | None = None) -> tuple[int, str | None]:
        """(weight, what it is where not ``size``, the size on disk): ``read_size``; ``stat``: the
        file's, where the caller has it."""
        if format_of(path) not in WEIGHED_FORMATS:
            return size, None
        try:
            stat = os.stat(path) if stat is None else stat
        except OSError:
            return size, None  # (gone: its read says so)
        key = (str(path), *file_identity(stat))
        if key not in self._known:
            self._known[key] = read_size(path, stat.st_size, self.max_bytes)
        return self._known[key]


def over_limit(size: int, max_bytes: int, weighed: str | None = None) -> str:
    """The skip reason of a file over ``--max-file-mb``: its size in MiB (KiB under one MiB, where
    MiB would read "0.0"), and the limit in the fewest digits that give its bytes back (``0.004``,
    not the ``0.00399971`` its 4,194 bytes make). ``weighed``: what ``size`` is when it is not the
    file's size on disk (``extract.read_size``: "of JSON without its pictures")."""
    shown = f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size / 2**10:.1f} KiB"
    if weighed:
        shown += f" {weighed}"
    exact = max_bytes / 2**20
    limit = next((value for value in (float(f"{exact:.{d}g}") for d in range(1, 18))
                  if int(value * 1024 * 1024) == max_bytes), exact)
    return f"skipped: {shown} is over --max-file-mb {repr(limit).removesuffix('.0')}"


def _skip_holds(old, max_bytes: int, support: _Support, path: Path, store: Store, weights: _Weights) -> bool:
    """Whether an unchanged file's row is still what this run would write: an indexed file within
    the limit, a skip for the limit still over it, a skip for missing PDF support still without it,
    a skip for its content (binary, unreadable) always — except "binary" text with a UTF-16 byte-
    order mark, which earlier versions skipped (two bytes read to tell)."""
    if old.skip_kind == "limit" or old.skip_reason is None:
        # An EPUB, Word or OpenDocument file weighs its text (read from its zip's directory), a
        # notebook its JSON without pictures (read through), a PDF its objects but its pictures' data
        # (from its cross-reference) (the last two only when its size is over the limit): weighed
        # once for this version of the file and this limit (``DocumentRow.weighed``; the row's
        # stat is the file's, and a new reader reads it again, ``Store.read_by_other_extractor``).
        if format_of(path) not in WEIGHED_FORMATS:
            size, weighed = old.size, None
        elif old.weighed is not None and old.weighed[2] == max_bytes and (format_of(path) != "pdf" or support.pdf()):
            size, weighed = old.weighed[:2]  # (a PDF's, weighed by pypdf: by its size once pypdf is gone)
        else:
            size, weighed = weights(path, old.size)  # (a file read after all is not weighed again)
            _record_weight(store, old, path, _weight_to_record(path, size, weighed, max_bytes, support))
        if old.skip_reason is None:
            return size <= max_bytes
        # still over, and the reason names this size and limit (as a fresh index's would)
        return size > max_bytes and old.skip_reason == over_limit(size, max_bytes, weighed)
    if old.skip_kind == "support":  # (a PDF without pypdf weighs its size: over the limit, skipped for that)
        return not support.pdf() and old.size <= max_bytes
    if _zip_cap(old):
        return False
    if old.skip_reason == "binary content":
        with contextlib.suppress(OSError), open(path, "rb") as handle:
            return not is_utf16(handle.read(2))
    return True


def _weight_to_record(path: Path, size: int, weighed: str | None, max_bytes: int,
                      support: _Support) -> tuple[int, str | None, int] | None:
    """What to record of a file's weighing (``DocumentRow.weighed``): none for a format weighed by
    its size alone, nor for a PDF while pypdf is not installed (weighed by its size; once it is, by
    its pictures)."""
    if format_of(path) not in WEIGHED_FORMATS or (format_of(path) == "pdf" and not support.pdf()):
        return None
    return size, weighed, max_bytes


def _record_weight(store: Store, old, path: Path, weighed: tuple[int, str | None, int] | None) -> None:
    """Record what an unchanged file weighs (a row from before m0018, or weighed for another limit),
    unless it changed while it was weighed (then the next run reads it)."""
    if weighed is None:
        return
    with contextlib.suppress(OSError):
        if file_identity(os.stat(path)) == (old.size, old.mtime_ns, old.inode, old.ctime_ns):
            with store.transaction():
                store.record_weight(old.id, weighed)


def _zip_cap(old) -> bool:
    """Whether ``old`` is a skip by a zip reader's budget ("… (a zip bomb?) …"): that budget is
    ``--max-file-mb`` (it was 100 MiB, whatever the limit, before session 46), so the file is judged
    again as a fresh index would judge it, by its text against the limit given now."""
    return old.skip_kind == "content" and "(a zip bomb?)" in (old.skip_reason or "")


def _read_stable(path: Path, in_memory: bool = True) -> tuple[bytes | BinaryIO, str, os.stat_result] | None:
    """The file's bytes, their sha256 and the stat they belong to: stat before and after the read,
    and read again if the file changed (or was replaced) meanwhile. None if it kept changing.
    Not ``in_memory`` (a zip container, whose pictures are not read): a binary file open on it, at its
    start, its hash taken a MiB at a time (the caller closes it)."""
    for _ in range(READ_ATTEMPTS):
        before = os.stat(path)
        if in_memory:
            data = path.read_bytes()
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        else:
            data = open(path, "rb")
            hashed, size = hashlib.sha256(), 0
            while chunk := data.read(2**20):
                hashed.update(chunk)
                size += len(chunk)
            digest = hashed.hexdigest()
            data.seek(0)
        after = os.stat(path)
        if file_identity(before) == file_identity(after) and size == after.st_size:
            return data, digest, after
        if not in_memory:
            data.close()
    return None


def _index_file(store: Store, file: FoundFile, old, report: IndexReport, max_bytes: int,
                warn: Callable[[Path, str], None], *, stale: bool = False, unshaped: bool = False,
                support: _Support | None = None, run_id: int | None = None,
                on_share: Callable[[float], None] | None = None,
                included: list[tuple[str, int, str]] | None = None, weighed: _Weights | None = None) -> None:
    """Read one new or changed file into the index; ``stale``: its row was written by another
    extractor version, so it is read again even if its content is unchanged; ``unshaped``: its
    shape is not recorded (``Store.shape_unknown``), likewise, but an unchanged
    file read for its shape alone is counted unchanged, its reader being this one. What it changes is
    counted in the run's row ``run_id`` inside the transaction that changes it. ``on_share(x)``:
    a share ``x`` of the file's sentences is written (a progress bar moving inside a large file).
    The files it includes that simsearch reads go to ``included`` as (its path, the include's line,
    the included file's path)."""
    path = file.path
    support = support or _Support()
    weight = None  # what this version weighs where not its size, recorded with it (``DocumentRow.weighed``)

    def skip(reason: str, digest: str, stat: os.stat_result, kind: str) -> None:
        """Leave the file out, and remember it so an unchanged file is not read (or warned about)
        again while the skip holds (``kind``: what it depends on, see ``_skip_holds``)."""
        warn(path, reason)
        report.skipped.append({"path": str(path), "reason": reason})
        with store.transaction():
            document_id = store.replace_document(str(path), digest, stat.st_mtime_ns, stat.st_size, "skipped", [],
                                                 skip_reason=reason, inode=stat.st_ino, ctime_ns=stat.st_ctime_ns,
                                                 skip_kind=kind, weighed=weight)
            store.set_extractor_version(document_id, EXTRACTOR_VERSION)
            if old is not None and old.skip_reason is None:
                store.count_run(run_id, files_changed=1, files_removed=1)
        if old is not None and old.skip_reason is None:
            report.removed += 1
            report.removed_skipped += 1

    def vanished(reason: str) -> None:
        warn(path, reason)
        report.skipped.append({"path": str(path), "reason": reason})
        if old is not None:
            with store.transaction():
                store.delete_documents([old.id])
                store.count_run(run_id, files_changed=1, files_removed=1)
            report.removed += 1

    try:
        for _ in range(READ_ATTEMPTS):
            stat = os.stat(path)
            if store.is_its_file(stat):  # (--db notes/index.txt, a link to it): reading it, then closing
                # it, would drop this process's SQLite locks on it (see store._claim)
                return skip("skipped: the index database itself", "", stat, "content")
            # An EPUB, Word or OpenDocument file weighs the text it unpacks to, and is read from the
            # file (its pictures never in memory), as is a PDF (over the limit, weighed without its
            # pictures) and a notebook over the limit by its pictures (read without them); any other
            # file weighs its size, and is read whole.
            size, what = (weighed or _Weights(max_bytes))(path, stat.st_size, stat)
            weight = _weight_to_record(path, size, what, max_bytes, support)
            in_memory = format_of(path) not in ZIP_FORMATS | {"pdf"} and stat.st_size <= max_bytes
            read = None if size > max_bytes else _read_stable(path, in_memory=in_memory)
            if read is None or file_identity(read[2]) == file_identity(stat):
                break
            # Changed or replaced after it was weighed (a book of pictures weighed, one of 2 MiB of
            # pages read): weighed again, as this version may be over the limit.
            if not isinstance(read[0], bytes):
                read[0].close()
            read = None
    except FileNotFoundError:
        return vanished("skipped: the file disappeared while indexing")
    except OSError as exc:
        return vanished(f"skipped: cannot read ({exc.strerror or exc})")
    if size > max_bytes:  # not read: an unread file's hash is ""
        return skip(over_limit(size, max_bytes, what), "", stat, "limit")
    if read is None:
        # Nothing is written: the index keeps the previous version (with its older mtime), so
        # the next run reads the file again.
        reason = f"skipped this run: the file kept changing while it was read ({READ_ATTEMPTS} tries); read again next run"
        warn(path, reason)
        report.skipped.append({"path": str(path), "reason": reason})
        return None
    data, digest, stat = read
    with data if not isinstance(data, bytes) else contextlib.nullcontext():
        return _read_file(store, file, old, report, max_bytes, warn, data, digest, stat, skip, stale=stale,
                          unshaped=unshaped, support=support, run_id=run_id, on_share=on_share, included=included,
                          weighed=weight)


def _read_file(store: Store, file: FoundFile, old, report: IndexReport, max_bytes: int,
               warn: Callable[[Path, str], None], data: bytes | BinaryIO, digest: str, stat: os.stat_result,
               skip: Callable[[str, str, os.stat_result, str], None], *, stale: bool, unshaped: bool,
               support: _Support, run_id: int | None, on_share: Callable[[float], None] | None,
               included: list[tuple[str, int, str]] | None, weighed: tuple[int, str | None, int] | None = None) -> None:
    """``_index_file``'s reading of a file within the limit: ``data`` its bytes, or a binary file
    open on a zip container; ``skip`` as there; ``weighed`` what it weighs (``DocumentRow.weighed``)."""
    path = file.path
    in_memory = isinstance(data, bytes)
    if (old is not None and old.hash == digest and not stale and not unshaped
            and (old.skip_reason is None
                 or (old.skip_kind == "content" and not _zip_cap(old)
                     and not (old.skip_reason == "binary content" and in_memory and is_utf16(data)))
                 or (old.skip_kind == "support" and not support.pdf()))):
        # The same content (and the same verdict on it): only the stat is new.
        with store.transaction():
            store.touch_document(old.id, stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns, weighed)
        if file_identity(stat) == (old.size, old.mtime_ns, old.inode, old.ctime_ns):
            report.unchanged += 1  # read only because its stat was recorded too soon to trust (``_racily_clean``)
        else:
            report.touched += 1
        report.skipped_before += old.skip_reason is not None
        return None
    try:
        # (a PDF over the limit on disk, let in by its weight without pictures, is read no further
        # than the readers' budget: pypdf reads a damaged one whole)
        extracted = extract(path, data, unpacked_limit=zipped.budget(max_bytes),
                            read_limit=zipped.budget(max_bytes) if stat.st_size > max_bytes else None)
    except Skip as reason:
        # A PDF skipped for want of pypdf is read again once it is installed; other skips are for the content.
        pdf = format_of(path) == "pdf" or (in_memory and is_pdf_data(data))
        kind = "support" if pdf and not support.pdf() else "content"
        return skip(f"skipped: {reason}", digest, stat, kind)
    if extracted.warning:
        warn(path, extracted.warning)
    if included is not None:
        for line, target in extracted.includes:
            found = included_file(path, target, extracted.format)
            if found is not None:
                included.append((str(path), line, str(found)))
    sentences = sentences_of(extracted)
    same = old is not None and old.skip_reason is None and old.hash == digest
    again = same and stale  # only the reader is new
    shape_only = same and not stale  # read for its shape alone: the file and its reader are as before
    with store.transaction():
        written = None if on_share is None or not sentences else (lambda count: on_share(count / len(sentences)))
        document_id = store.replace_document(str(path), digest, stat.st_mtime_ns, stat.st_size, extracted.format,
                                             sentences, inode=stat.st_ino, ctime_ns=stat.st_ctime_ns,
                                             on_written=written, every=READ_BAR_SENTENCES,
                                             lines_are_sentences=extracted.lines_are_sentences,
                                             lines_are_blocks=extracted.lines_are_blocks, weighed=weighed)
        store.set_extractor_version(document_id, EXTRACTOR_VERSION)
        if not shape_only:
            store.count_run(run_id, files_changed=1, files_reextracted=int(again), sentences_added=len(sentences))
    if shape_only:  # said by the switch's note (``_apply_context_window``), not as a change
        report.unchanged += 1
        return None
    report.sentences_added += len(sentences)
    if old is None or old.skip_reason is not None:
        report.added += 1
    else:
        report.updated += 1
        report.reextracted += again
    return None


class ModelNotLoaded(SimsearchError):
    """A model that the run could not load when it came to embed with it."""


def _embed_missing(store: Store, model: ModelRow, ref: ModelRef, device: str, batch_size: int,
                   progress: bool, encoded: dict[str, int] | None = None, *, run_id: int | None = None,
                   encoder=None) -> int:
    """Embed every sentence the model has no vector for; returns how many went through it,
    also kept up to date in ``encoded[model.name]`` as each chunk is committed (an interrupted
    run reports what it did). ``encoder``: the model, loaded already (else it is loaded here, and a
    failure to load is ``ModelNotLoaded``).

    A model whose output is not finite (NaN weights from a diverged training run) stops the
    run with an error, and the vectors this call wrote for it are taken back.
    """
    total = store.count_missing_vectors(model.id)
    if total == 0:
        return 0
    if encoder is None:
        from .encoder import Encoder

        try:
            encoder = Encoder.load(ref, device=device, batch_size=batch_size, precision=model.precision)
        except SimsearchError as exc:
            raise ModelNotLoaded(str(exc)) from None
    encoder.batch_size = batch_size
    if fingerprint(ref) != model.fingerprint:  # retrained while this run read the documents
        raise SimsearchError(f"model {model.name!r} changed while this run was indexing ({ref.path}); "
                             f"run `{command_line('index', db=store.path)}` again to re-embed it")
    if encoder.precision != model.precision:  # a bug, never a silent mix of precisions
        raise RuntimeError(f"encoder for {model.name!r} runs at {encoder.precision}, its vectors are {model.precision}")
    done = 0
    written: list[int] = []

    def commit(ids: list[int], vectors: list[np.ndarray]) -> None:
        nonlocal done
        with store.transaction():
            _check_still_registered(store, model)
            store.add_vectors(model.id, ids, np.stack(vectors))
            store.count_run(run_id, sentences_encoded=len(ids))
        written.extend(ids)
        done += len(ids)
        if encoded is not None:
            encoded[model.name] = done

    pending_ids: list[int] = []  # vectors made, not yet committed
    pending: list[np.ndarray] = []

    def keep_pending() -> None:
        """On Ctrl-C: commit the vectors made and not yet written (up to a chunk's work), those of a
        commit the interrupt cut short included, none counted twice."""
        if store.conn.in_transaction:  # the interrupt came right after a BEGIN: nothing of it was written
            with contextlib.suppress(sqlite3.Error):
                store.conn.execute("ROLLBACK")
        kept = min(len(pending_ids), len(pending))  # (an interrupt between the two appends)
        ids, vectors = pending_ids[:kept], pending[:kept]
        stored = {sid for (sid,) in store.conn.execute(
            f"SELECT sentence_id FROM vectors WHERE model_id = ? AND sentence_id IN ({','.join('?' * kept)})",
            [model.id, *ids])} if kept else set()
        keep = [i for i, sid in enumerate(ids) if sid not in stored]
        if keep:
            commit([ids[i] for i in keep], [vectors[i] for i in keep])

    with progress_bar(total, f"embedding ({model.name})", enabled=progress) as advance:
        try:
            while True:
                rows = store.missing_vectors(model.id, EMBED_WINDOW, windows=True)
                if not rows:
                    break
                del pending_ids[:], pending[:]
                def tell(phase: str | None, counted: str | None = None) -> None:
                    advance(0, **({} if phase is None else {"phase": phase}),
                            **({} if counted is None else {"sentences first": counted}))

                for positions, vectors in _encode_rows(encoder, rows, tell):
                    if not np.isfinite(vectors).all():
                        del pending_ids[:], pending[:]  # (ids first: a Ctrl-C from here on keeps none of them)
                        with store.transaction():
                            store.conn.executemany("DELETE FROM vectors WHERE model_id = ? AND sentence_id = ?",
                                                   [(model.id, sid) for sid in written])
                            store.bump_generations([model.id])
                            store.count_run(run_id, sentences_encoded=-done)
                        if encoded is not None:
                            encoded[model.name] = 0
                        raise SimsearchError(
                            f"model {model.name!r} gives embeddings that are not finite (NaN or inf: diverged "
                            f"training?); no vectors were stored for it"
                        )
                    for places, vector in zip(positions, vectors):
                        pending_ids += [rows[i][0] for i in places]  # a repeated text: one vector, each of its ids
                        pending += [vector] * len(places)
                    advance(sum(map(len, positions)))
                    while len(pending_ids) >= EMBED_CHUNK:
                        commit(pending_ids[:EMBED_CHUNK], pending[:EMBED_CHUNK])
                        del pending_ids[:EMBED_CHUNK], pending[:EMBED_CHUNK]
                if pending_ids:
                    commit(pending_ids, pending)
        except KeyboardInterrupt:
            keep_pending()
            raise
    return done


def _encode_rows(encoder, rows: list[tuple[int, str, str | None, str | None]],
                 tell: Callable[..., None] = lambda phase, counted=None: None) -> Iterator[tuple[list[list[int]], np.ndarray]]:
    """``(positions, vectors)`` as ``Encoder.encode_batches`` yields them, for ``Store.missing_vectors``'
    (id, text, window, name) rows: a row without a window is its text's vector; one with a window is
    ``normalize(enc(text) + enc(window) + NAME_WEIGHT * enc(name))`` (each unit length; no name
    term for a document whose name has no letter), yielded once all are encoded. Rows of one
    (text, window, name) are one vector (the encoder's de-duplication, on the triple). ``tell``
    hears which pass runs, for the bar: while the sentences are encoded no pair is done, so it
    has no rate to show (1,014 sentences on a busy 2-core CPU: 106 s at 0), and says "sentences first";
    ``tell(None, "4,096/16,384")`` as that pass goes (with minilm on 2 busy cores the bar's count
    stood still 90 s in the first window of 16,384 and 27 s in the next), ``tell(None, "")`` when it ends."""
    if all(row[2] is None for row in rows):
        yield from encoder.encode_batches([r[1] for r in rows], normalize=True)
        return
    names = sorted({row[3] for row in rows if row[2] is not None and row[3] is not None})
    # Each name alone: on a CPU the vector of an input moves in its last bits with the other
    # inputs of its batch (fp32: "a" and "b" together against "b" alone), and a name's batch
    # would be the names of whichever documents this chunk holds. Alone, the name's term is
    # the oracle's (one text at a time), whatever else the run embeds; a few tokens a name,
    # one forward pass each costs no more than the batch did (500 names, minilm, 2 cores).
    name_vectors = {name: encoder.encode([name], normalize=True, progress=False)[0] for name in names}
    where: dict[tuple[str, str | None, str | None], list[int]] = {}
    for position, (_, text, window, name) in enumerate(rows):
        where.setdefault((text, window, name), []).append(position)
    # The sentences first, then the windows, each in one call: a window completes its pair as it
    # comes, so pairs are committed (and counted by the bar, and kept by a Ctrl-C) from about a
    # fifth of the time on. All strings in one call took the longer windows first, so no pair was
    # complete before 70% of the time; the pairs a chunk at a time cost 30% more time (django-docs:
    # encoding 55 s against 42 s), as the encoder's batches of one token length are fuller from
    # a wider pool.
    got: dict[str, np.ndarray] = {}
    by_window: dict[str, list[tuple[str, str, str | None]]] = {}
    texts = list(dict.fromkeys(text for text, _, _ in where))
    tell("sentences first")
    for places, vectors in encoder.encode_batches(texts, normalize=True):
        done = [(texts[positions[0]], vector) for positions, vector in zip(places, vectors)]
        got.update(done)
        tell(None, f"{len(got):,}/{len(texts):,}")
        alone = [(where[(text, None, None)], vector) for text, vector in done if (text, None, None) in where]
        if alone:
            yield [positions for positions, _ in alone], np.stack([vector for _, vector in alone])
    for text, window, name in where:
        if window is not None:
            by_window.setdefault(window, []).append((text, window, name))
    windows = list(by_window)
    tell("", "")
    for places, vectors in encoder.encode_batches(windows, normalize=True):
        done_positions: list[list[int]] = []
        done_vectors: list[np.ndarray] = []
        for positions, vector in zip(places, vectors):
            for text, window, name in by_window[windows[positions[0]]]:
                combined = got[text] + vector
                if name is not None:
                    combined = combined + NAME_WEIGHT * name_vectors[name]
                norm = float(np.linalg.norm(combined))
                done_positions.append(where[(text, window, name)])
                # (NaN stays NaN: refused by the caller)
                done_vectors.append((combined / norm if norm > 0 else combined).astype(np.float32))
        yield done_positions, np.stack(done_vectors)


def _check_still_registered(store: Store, model: ModelRow) -> None:
    """Refuse to go on with a model that another ``index`` re-embedded (other weights, another
    precision) or forgot since this run registered it: its vectors would be two models' under one
    fingerprint. Only a writer let in beside this one does that: its lock file deleted by hand."""
    rows = store.conn.execute("SELECT fingerprint, precision, dim FROM models WHERE id = ?", (model.id,)).fetchall()
    if rows != [(model.fingerprint, model.precision, model.dim)]:
        lock = store.real_path.with_name(store.real_path.name + ".lock")
        raise SimsearchError(f"another `simsearch index` {'re-embedded' if rows else 'forgot'} model {model.name!r} while "
                             f"this run was indexing it (was {lock} deleted?); this run stored none of its vectors "
                             f"from then on: run `{command_line('index', db=store.path)}` again")


def _sync_ann(store: Store, model: ModelRow, *, progress: bool = False, done: dict[str, str] | None = None) -> None:
    """Bring the model's HNSW file in line with its vectors (phase 3); a build or a patch shows a
    bar and is recorded in ``done`` (model name -> "built" or "patched")."""
    from .ann import VectorIndex, ann_path, remove_stale_partials, saved_file_current

    _check_still_registered(store, model)
    if saved_file_current(store, model):  # saved for these very vectors, untouched since
        remove_stale_partials(ann_path(store, model))
        return

    def bar(action: str, total: int):
        if done is not None:
            done[model.name] = {"building": "built", "patching": "patched"}.get(action, action)
        return progress_bar(total, f"{action} HNSW ({model.name})", unit="vec", enabled=progress)

    if VectorIndex.open(store, model, save=True, progress=bar).repaired and done is not None:
        done.setdefault(model.name, "patched")  # entries deleted, none added: no bar, but saved again


FOLDER_STATES = ("current", "changed", "gone", "unreadable")


def model_folder_state(row: ModelRow, db: str | Path | None = None) -> tuple[str, str | None]:
    """Whether the model's vectors can be searched now, decided as ``search`` decides it
    (``search.model_ref``: the folder the model was indexed from, read with its recorded pooler,
    checked against its fingerprint), with search's refusal (None for "current"):

    - "current": search uses them;
    - "changed": a file of the model changed since it was indexed (retrained, replaced under its
      name): search refuses, ``index --model NAME`` re-embeds;
    - "gone": no folder where it was indexed (moved or deleted);
    - "unreadable": the folder is there but cannot be read as a model now.

    Reads the model's small files and hashes its files (as search does before loading them),
    never loads its weights.
    """
    try:
        model_ref(row, db)  # (``db``: the index, named in the remedy)
        return "current", None
    except (SimsearchError, OSError) as refused:
        message = str(refused)
    # Why search refuses: the folder found and read means its fingerprint is what differs.
    try:
        ref_at_path(row.name, row.path, row.pooler)
    except (SimsearchError, OSError):
        return ("unreadable" if _folder_present(row) else "gone"), message
    return "changed", message


def folder_notes(info: dict) -> list[str]:
    """One line per model of ``index_status(...)`` whose vectors search refuses now (its folder
    changed, is gone or cannot be read): what ``simsearch status`` prints under its table."""
    notes = []
    for m in info["models"]:
        if m["folder"] == "current":
            continue
        remedy = (f"; if it was deleted, `{command_line('forget', '--model', m['name'], db=info['db'])}` removes its vectors"
                  if m["folder"] == "gone" else "")
        note = m["folder_note"]
        if m["folder"] == "unreadable":  # a reader's message names a file, not always the model
            note = f"model {m['name']!r} cannot be read at {m['path']}, so search refuses it: {note}"
        notes.append(note + remedy)
    return notes


def index_status(store: Store) -> dict:
    """What ``simsearch status`` shows, as a dict. A last run still marked "running" whose
    process is gone (SIGKILL, a power cut) is shown as "killed", as the next `index` marks it.
    Each model's ``folder`` is ``model_folder_state``'s verdict (``folder_note``: search's refusal).
    ``read_by_other_version``: files (skipped ones too) another version of the reader read, which
    the next `index` reads again. ``context_window``: ``index --vector-context``'s recorded setting."""
    from .ann import EXACT_BELOW, ann_paths

    models, counts = [], store.counts()
    for row in store.models():
        vectors = store.count_vectors(row.id)
        # Where search finds the file: beside the real database, else where an older simsearch
        # put it for a database opened through a symlink (``ann_paths``).
        paths = ann_paths(store, row)
        path = next((p for p in paths if p.is_file()), paths[0])
        size = path.stat().st_size if path.is_file() else 0
        folder, folder_note = model_folder_state(row, store.path)
        models.append({
            "name": row.name, "path": row.path, "dim": row.dim, "pooler": row.pooler, "precision": row.precision,
            "added_at": row.added_at, "folder": folder, "folder_note": folder_note,
            "vectors": vectors, "missing": store.count_missing_vectors(row.id),
            # "no": nothing to search yet (``index -m NEW`` interrupted before its first commit), or
            # nothing at all (every folder forgotten: no sentence is waiting for a vector).
            "search": ("no: the index holds no sentences" if not counts["sentences"] else "no: no vectors yet")
            if not vectors else "exact" if vectors < EXACT_BELOW else "hnsw",
            "ann_file": str(path), "ann_file_bytes": size,
            "ann_current": bool(size) and row.ann_generation == row.generation and row.ann_file_size == size,
            "hnsw_space": row.hnsw_space, "hnsw_m": row.hnsw_m, "hnsw_ef_construction": row.hnsw_ef_construction,
            "hnsw_ef": row.hnsw_ef,
        })
    roots = [{"path": root, "documents": store.count_documents_under(root), "exists": os.path.exists(root)}
             for root in store.roots()]
    last_run = store.last_run()
    if last_run is not None and last_run["status"] == "running" and not writer_alive(store):
        last_run = {**last_run, "status": "killed"}
    return {"db": str(store.path), "schema": store.schema_version(), **counts,
            "db_bytes": store.path.stat().st_size, "db_unused_bytes": store.space()[1], "roots": roots, "models": models, "last_run": last_run,
            "read_by_other_version": store.count_read_by_other_extractor(EXTRACTOR_VERSION),
            "context_window": store.context_window()}


def files_of(count: int, total: int) -> str:
    """``count`` of an index's ``total`` files, as a sentence's subject: "1 of its 3 files was",
    "2 of its 3 files were", "all its 3 files were", "its file was"."""
    if count == total:
        return "its file was" if total == 1 else f"all its {total:,} files were"
    return f"{count:,} of its {total:,} files {'was' if count == 1 else 'were'}"


def reader_note(count: int, total: int, db: str | Path | None = None) -> str:
    """One line for ``count`` of an index's ``total`` files read by another version of simsearch's
    reader (``EXTRACTOR_VERSION``): what search finds for them, and the command that reads them again."""
    return (f"{files_of(count, total)} read by another version of simsearch, which reads files otherwise: "
            f"search finds them as that version stored them (its sentences and lines) until `{command_line('index', db=db)}` "
            f"reads them again{read_only_note(db)}")
