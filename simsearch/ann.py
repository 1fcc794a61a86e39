"""Nearest-neighbour search over one model's vectors: an hnswlib file beside the database.

The database is the truth; the HNSW file is a cache of it. Its parameters (space, dim,
M, ef_construction, ef) live in the ``models`` row, because hnswlib's file does not
store them, together with the size, sha256 and vector generation the file was saved at.
A file is handed to hnswlib only if its size, header and sha256 are the recorded ones
(hnswlib trusts its input: a damaged file gives wrong results, ``OverflowError`` or a
segfault). A file that is missing, damaged or from a model since retrained is rebuilt
from the database; one that is merely out of date is patched (new vectors added, removed
ones ``mark_deleted``), or rebuilt when too many entries are deleted. Ids and vectors are
always read together, inside one database snapshot, and paired as read. Small
collections are searched exactly.

Only a writer (``index``, holding the writer lock) saves the file; a reader that finds it
out of date keeps the patched or rebuilt index in memory.

An open index is kept in step with the database, not with the moment it was opened: every
``search`` runs inside one snapshot and first brings the index to that snapshot
(:meth:`VectorIndex.refresh`; one read of the ``models`` row when nothing changed). Sentences
deleted since are marked deleted in memory, vectors added since are searched exactly beside
the graph, and a file the writer has saved for exactly that snapshot replaces both. So a
search, however long its searcher has been open (a TUI session, a CLI loading its encoder
while ``index`` replaces documents), returns only ids that the snapshot it read holds, with
their own scores, and ``k`` of them when the snapshot holds ``k`` finite vectors (callers
that read the sentences' rows inside the same ``Store.snapshot()`` find every one).

Every score is :func:`cosines` of the stored vector, whichever way the vector was found (the
graph's candidates are scored again from the store, not by hnswlib's own arithmetic): one
sentence has one score, copies of a text that share a vector tie exactly (and so come by id:
with context vectors only copies with the same neighbours share one), none is above 1.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import struct
import threading
from pathlib import Path

import numpy as np

from .errors import SimsearchError, Superseded
from .store import ModelRow, Store, StorageError, file_identity, storage_error

# Below this many vectors an exact search is as fast as HNSW and never misses.
# Read at call time: tests lower it (monkeypatch) to exercise HNSW on tiny indexes.
EXACT_BELOW = 5000
# Rebuild instead of patching once this share of the file's entries is deleted.
REBUILD_DELETED_SHARE = 0.25
# Vectors read per slice while building (bounded memory).
BUILD_CHUNK = 50_000
# Vectors per ``add_items`` call while building or patching, so a progress bar can move
# (``VectorIndex.open(progress=...)``); insertion order is the same as in one call.
ADD_CHUNK = 5_000
# A reader whose in-memory graph has lost more than this share of its entries to deletions
# (an ``index`` run replacing most documents) stops using it and searches every vector
# exactly: a graph that is mostly deleted is slow to walk, and rebuilding it is the writer's job.
READER_DROP_GRAPH_SHARE = 0.5
# A reader loads the file the writer saved for its snapshot once more than this share of its
# vectors are searched beside its graph or deleted in it (else it keeps what it has).
READER_ADOPT_SHARE = 0.02

# hnswlib's saveIndex header (0.7/0.8): offsetLevel0, max_elements, cur_element_count,
# size_data_per_element, label_offset, offsetData, maxlevel, enterpoint_node, maxM,
# maxM0, M, mult, ef_construction; then the level-0 block, then one
# (uint32 size, links) record per element.
_HEADER = struct.Struct("<QQQQQQiIQQQdQ")


def ann_path(store: Store, model: ModelRow) -> Path:
    """The model's HNSW file: beside the database's real file, named after it (``Store.real_path``),
    so every spelling of the database (a symlink to it) reads and writes the same file."""
    real = store.real_path
    return real.with_name(f"{real.name}.model-{model.id}.hnsw")


def ann_paths(store: Store, model: ModelRow) -> list[Path]:
    """Where the model's HNSW file may be: ``ann_path``, then, for a database opened through a
    symlink, where it was put before files were named after the real database (beside the link,
    named after it). A file found there is still loaded (verified like any other); a writer
    saves to ``ann_path``."""
    legacy = Path(os.path.realpath(store.path.parent)) / f"{store.path.name}.model-{model.id}.hnsw"
    primary = ann_path(store, model)
    return [primary] if legacy == primary else [primary, legacy]


def file_checksum(path: Path) -> str:
    """sha256 of the file (~2 GB/s with SHA extensions: ~80 ms for 100k x 384)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def hnsw_file_problem(path: Path, dim: int) -> str | None:
    """Why the file at ``path`` is not a complete hnswlib index of ``dim``-float vectors, or None.

    Reads the header and walks the per-element link records to the end: a short write
    (hnswlib's ``save_index`` does not report a full disk) or a wrong dimension shows here.
    Both layouts are understood: nmslib's, and chroma-hnswlib's, which stores one float
    (the vector's length) per element between the level-0 block and the link records.
    """
    try:
        size = path.stat().st_size
        if size < _HEADER.size:
            return f"{size} bytes is shorter than a header"
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            (_, _, count, per_element, label_offset, data_offset, *_rest) = _HEADER.unpack_from(data, 0)
            if label_offset - data_offset != 4 * dim or per_element != label_offset + 8:
                return f"header does not describe {dim}-dimensional vectors"
            level0_end = _HEADER.size + count * per_element
            if level0_end + 4 * count > size:
                return "ended before its last vector"
            problems = [_walk_links(data, start, count, size) for start in (level0_end, level0_end + 4 * count)]
            if None in problems:
                return None
            return problems[0]
    except (OSError, ValueError) as exc:
        return f"unreadable ({getattr(exc, 'strerror', None) or exc})"


def _walk_links(data, start: int, count: int, size: int) -> str | None:
    """Whether ``count`` (uint32 length, links) records from ``start`` end exactly at ``size``."""
    if start + 4 * count > size:
        return "ended before its links"
    words = memoryview(data)[start : size - (size - start) % 4].cast("I")
    try:
        index = 0
        for _ in range(count):  # link records are multiples of 4 bytes
            index += 1 + words[index] // 4
    except IndexError:
        return "ended inside its links"
    finally:
        words.release()
    if start + 4 * index != size:
        return f"{size - start - 4 * index} bytes beyond its end"
    return None


# The settings key (``Store.set_setting``) under which ``VectorIndex.save`` records the stat of the
# file it wrote: "checksum size mtime_ns inode ctime_ns device".
SAVED_STAT_KEY = "ann_file_stat.{}"


def _file_stat(stat: os.stat_result) -> list[int]:
    """What tells one version of the file from another (``store.file_identity``), and its device."""
    return [*file_identity(stat), stat.st_dev]


def saved_file_current(store: Store, model: ModelRow) -> bool:
    """Whether the model's HNSW file is the very file the writer saved and verified for the model's
    vectors as they are now: the recorded generation is the vectors' and the file's stat is the one
    recorded right after that save, ctime and inode included. No one can set a ctime: every write,
    truncation, replacement or rename since (one that puts the mtime back too) moves it. ``index``
    then leaves the file alone instead of loading it to verify it (its sha256 and hnswlib's load:
    ~2 s at 140k x 384). A reader still verifies the sha256 before it loads the file."""
    m = store.model_by_id(model.id)
    if m.ann_generation != m.generation:
        return False
    try:
        stat = os.stat(ann_path(store, m))
    except OSError:
        return False
    return _as_saved(store, m, stat)


def _as_saved(store: Store, model: ModelRow, stat: os.stat_result) -> bool:
    """Whether ``stat`` is that of the file ``save`` wrote and verified for ``model``'s recorded
    checksum (``SAVED_STAT_KEY``), untouched since."""
    if model.ann_checksum is None or stat.st_size != model.ann_file_size:
        return False
    recorded = store.setting(SAVED_STAT_KEY.format(model.id)) if store._has_column("settings", "value") else None
    if recorded is None:
        return False
    checksum, *numbers = recorded.split()
    return checksum == model.ann_checksum and numbers == [str(n) for n in _file_stat(stat)]


def remove_stale_partials(path: Path) -> None:
    """Delete ``<path>.<pid>.partial`` files left by processes that died while saving.

    Called by the writer only (it holds the writer lock, so no other process can be
    saving this file; the pid check is for callers of the library that hold no lock).
    """
    for partial in path.parent.glob(f"{path.name}.*.partial"):
        pid = partial.name[len(path.name) + 1 : -len(".partial")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its writer is alive
        except ProcessLookupError:
            pass
        except OSError:
            continue  # alive, another user's
        try:
            partial.unlink()
        except OSError:
            pass  # gone already, or not ours to delete


class ModelChanged(SimsearchError):
    """The model behind an open index was removed or re-embedded (other weights, another
    precision) since the index was opened: its query vectors no longer fit the stored ones."""


class ModelReembedded(ModelChanged, Superseded):
    """``ModelChanged`` by a re-embedding: the index holds the model's new vectors."""


class VectorIndex:
    """One model's vectors, searchable: ``search(queries, k)`` -> (ids, scores).

    State, as of the snapshot last read (``self.model.generation``): ``hnsw``, the graph
    (None: searched exactly), whose labels ``live`` the snapshot holds (the rest are marked
    deleted); ``flat``, (ids, vectors) searched exactly: everything when there is no graph,
    else the vectors the graph lacks; ``unusable``, ids whose vectors are not finite.
    """

    def __init__(self, store: Store, model: ModelRow):
        self.store = store
        self.model = model
        self.hnsw = None
        self.live = np.empty(0, dtype=np.int64)
        self.flat: tuple[np.ndarray, np.ndarray] = (np.empty(0, dtype=np.int64), np.empty((0, model.dim), np.float32))
        self.unusable = np.empty(0, dtype=np.int64)
        self.deleted = 0
        self.count = 0
        self.repaired = False  # whether opening had to build or patch the file (it then differs from the saved one)
        self.tried_checksum = model.ann_checksum  # the last recorded file this index loaded or tried to
        self.epoch = 0  # the index's ``Store.vectors_epoch`` its vectors are of
        self.progress = None  # see ``open``
        self.verified_stat: os.stat_result | None = None  # the stat of the file loaded, when verified here
        self._lock = threading.RLock()

    @property
    def exact(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Every vector, when this index is searched exactly (no graph); else None."""
        return self.flat if self.hnsw is None else None

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, store: Store, model: ModelRow, *, save: bool = True, progress=None) -> "VectorIndex":
        """Load the model's index, brought in line with one snapshot of the database.

        With ``save`` a patched or rebuilt file is written back (atomically); only the
        writer (``index``, holding the writer lock) passes it. Readers keep theirs in memory.
        ``progress(action, total)``, when given, is called when the graph is built ("building")
        or patched ("patching") with ``total`` vectors to add, and returns a context manager
        yielding ``advance(n)`` (``progress.progress_bar``'s), called as vectors are added.
        """
        with store.snapshot():
            index = cls(store, store.model_by_id(model.id))
            index.progress = progress
            index.epoch = store.vectors_epoch()
            index.count = store.count_vectors(model.id)
            if index.count >= EXACT_BELOW:
                index._open_hnsw()
            # The writer keeps even a mostly deleted graph: it is what gets saved (a rebuild is
            # _patch's decision, by REBUILD_DELETED_SHARE); only readers drop it for exact search.
            index._sync(store.vector_ids(model.id), may_drop_graph=not save)
        if save:
            remove_stale_partials(ann_path(store, index.model))
            if index.repaired:
                index.save()
            elif index.verified_stat is not None and not _as_saved(store, index.model, index.verified_stat):
                # A file this writer has just verified for the vectors as they are (one saved by a
                # simsearch before the stat was recorded): recorded, as ``save`` records its own.
                with store.transaction():
                    if store.model_by_id(index.model.id).ann_checksum == index.model.ann_checksum:
                        index._record_stat(index.verified_stat, index.model.ann_checksum)
        return index

    def refresh(self) -> bool:
        """Bring the index to the database's current snapshot (call inside ``store.snapshot()``
        to search that same snapshot); whether anything changed.

        Reads the model row; only when its generation moved are the ids read and compared:
        ids gone are marked deleted in memory, vectors new to the index are read and searched
        exactly beside the graph. A file the writer saved for exactly this snapshot is loaded
        instead (verified as in ``open``; each recorded file is tried once) when more than
        ``READER_ADOPT_SHARE`` of the index is deleted or beside its graph. Never writes.
        ``ModelChanged`` when the model was removed or re-embedded since opening.
        """
        with self._lock:
            rows = list(self.store.db.query("SELECT * FROM models WHERE id = ?", [self.model.id]))
            if not rows:
                raise ModelChanged(f"model {self.model.name!r} was removed from the index since this search "
                                   "began (simsearch forget?); search again")
            row = ModelRow(**rows[0])
            if (row.fingerprint, row.dim, getattr(row, "precision", None)) != (
                    self.model.fingerprint, self.model.dim, getattr(self.model, "precision", None)):
                raise ModelReembedded(f"model {self.model.name!r} was re-embedded (other weights or another "
                                   "precision) since this search began; search again")
            # Loading verifies the whole file (~2 s at 100k x 384 under load): worth it once the
            # vectors searched outside the graph, or deleted in it, are a noticeable share.
            outside = self.deleted + len(self.flat[0]) if self.hnsw is not None else self.count
            adopt = (row.ann_generation == row.generation and row.ann_checksum is not None
                     and row.ann_checksum != self.tried_checksum
                     and (self.hnsw is not None or self.count >= EXACT_BELOW)
                     and outside > READER_ADOPT_SHARE * self.count)
            if row.generation == self.model.generation and not adopt:
                self.model = row  # HNSW parameters (ef) as recorded now
                return False
            db_ids = self.store.vector_ids(row.id)
            epoch = self.store.vectors_epoch()
            if epoch != self.epoch:
                # Every vector was made again under its id (``index --vector-context``): none held
                # here is the index's now, graph or beside it. Read again, as ``open`` reads them.
                self.model, self.epoch, self.tried_checksum = row, epoch, row.ann_checksum
                self.hnsw, self.live, self.deleted = None, np.empty(0, dtype=np.int64), 0
                self.flat = (np.empty(0, dtype=np.int64), np.empty((0, row.dim), np.float32))
                self.unusable = np.empty(0, dtype=np.int64)
                self.count = len(db_ids)
                if self.count >= EXACT_BELOW:
                    self._open_hnsw()
                self._sync(db_ids)
                return True
            if adopt:
                self.tried_checksum = row.ann_checksum
                hnsw = VectorIndex(self.store, row)._load_verified(ann_path(self.store, row))
                if hnsw is not None:  # the writer's file for exactly this snapshot
                    hnsw.set_ef(row.hnsw_ef)
                    self.hnsw, self.live, self.deleted = hnsw, _labels(hnsw), 0
                    self.flat = (np.empty(0, dtype=np.int64), np.empty((0, row.dim), np.float32))
                    self.unusable = np.empty(0, dtype=np.int64)
            self.model = row
            self._sync(db_ids)
            return True

    def _sync(self, db_ids: np.ndarray, *, may_drop_graph: bool = True) -> None:
        """Inside a snapshot whose vector ids are ``db_ids`` (sorted): make graph, ``flat`` and
        ``unusable`` hold exactly those ids (sound by id because a sentence id's vector never
        changes while the model's fingerprint and precision and the index's
        ``Store.vectors_epoch`` stay the same: ``refresh`` reads everything again when it moves). Sorted-array
        lookups only: ~1 ms for 100k ids, where ``np.setdiff1d`` sorts them again."""
        db_ids = np.asarray(db_ids, dtype=np.int64)
        if self.hnsw is not None:
            present = _in_sorted(self.live, db_ids)
            for label in self.live[~present].tolist():
                try:
                    self.hnsw.mark_deleted(label)
                except RuntimeError:
                    pass  # deleted in the file already
            self.live = self.live[present]
            self.deleted = self.hnsw.element_count - len(self.live)
            if may_drop_graph and self.deleted > READER_DROP_GRAPH_SHARE * max(self.hnsw.element_count, 1):
                # Mostly deleted: search everything exactly from here on (vectors read below).
                self.hnsw, self.live, self.deleted = None, np.empty(0, dtype=np.int64), 0
        flat_ids, flat = self.flat
        keep = _in_sorted(flat_ids, db_ids)
        if not keep.all():
            flat_ids, flat = flat_ids[keep], flat[keep]
        self.unusable = self.unusable[_in_sorted(self.unusable, db_ids)]
        held = _in_sorted(db_ids, self.live) | _in_sorted(db_ids, np.sort(flat_ids)) | _in_sorted(db_ids, self.unusable)
        missing = db_ids[~held]
        if len(missing):
            if len(missing) > len(db_ids) // 2:  # most of them (opening, a dropped graph): one scan
                ids, vectors = self.store.vectors(self.model)
                wanted = _in_sorted(ids, missing)
                ids, vectors = ids[wanted], vectors[wanted]
            else:
                ids, vectors = self.store.vectors(self.model, missing.tolist())
            finite = np.isfinite(vectors).all(axis=1)
            self.unusable = np.union1d(self.unusable, ids[~finite])
            flat_ids = np.concatenate([flat_ids, ids[finite]])
            flat = np.concatenate([flat, vectors[finite]]) if len(flat) else vectors[finite]
        self.flat = (flat_ids, flat)
        self.count = len(db_ids)

    def _load_verified(self, path: Path):
        """The recorded HNSW file, loaded, if its size, header and sha256 are what was saved; else None."""
        import hnswlib

        m = self.model
        if m.ann_checksum is None or m.ann_file_size is None:
            return None  # never saved, saved for a model since retrained, or saved unverifiable
        try:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                if stat.st_size != m.ann_file_size:
                    return None
                header = handle.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    return None
                _, _, _, _, label_offset, data_offset, *_ = _HEADER.unpack(header)
                if label_offset - data_offset != 4 * m.dim:
                    return None  # another dimension: hnswlib would read past each vector
                handle.seek(0)
                if hashlib.file_digest(handle, "sha256").hexdigest() != m.ann_checksum:
                    return None
                candidate = hnswlib.Index(space=m.hnsw_space, dim=m.dim)
                candidate.load_index(str(path))
                # hnswlib opened the path again: make sure it is still the file just verified
                # (a writer may have replaced it; our open handle keeps its inode from reuse).
                after = os.stat(path)
                if after.st_ino != stat.st_ino:
                    return None
                if _file_stat(after) == _file_stat(stat) and path == ann_path(self.store, m):
                    self.verified_stat = stat  # (unchanged while it was hashed and loaded)
                return candidate
        except (OSError, RuntimeError, ValueError, MemoryError):
            return None

    def _open_hnsw(self) -> None:
        """Inside a snapshot: load, patch or build the HNSW index for ``self.model``."""
        m = self.model
        hnsw = None
        for path in ann_paths(self.store, m):
            hnsw = self._load_verified(path)
            if hnsw is not None:
                break
        if hnsw is not None and m.ann_generation == m.generation:
            hnsw.set_ef(m.hnsw_ef)
            self.hnsw = hnsw
            self.live = _labels(hnsw)  # deleted ones too: _sync finds them gone
            return
        self.repaired = True
        if hnsw is not None:
            hnsw = self._patch(hnsw)
        if hnsw is None:
            hnsw = self._build()
            self.deleted = 0
        hnsw.set_ef(m.hnsw_ef)
        self.hnsw = hnsw
        self.live = _labels(hnsw)

    def _patch(self, hnsw):
        """Bring a verified file of the same model up to date by id; None when a rebuild is due.

        Sound because a sentence id's vector never changes while the model's fingerprint
        stays the same: edits give new sentence ids, and a retrained model disowns the file.
        """
        db_ids = self.store.vector_ids(self.model.id)
        in_file = np.asarray(hnsw.get_ids_list(), dtype=np.int64)
        stale = np.setdiff1d(in_file, db_ids)
        if len(stale) > REBUILD_DELETED_SHARE * max(len(in_file), 1):
            return None
        for label in stale.tolist():
            try:
                hnsw.mark_deleted(label)
            except RuntimeError:
                pass  # already deleted
        self.deleted = len(stale)
        missing = np.setdiff1d(db_ids, in_file)
        if len(missing):
            ids, vectors = _finite(*self.store.vectors(self.model, missing.tolist()))
            if len(ids):
                hnsw.resize_index(hnsw.element_count + len(ids))
                with self._adding("patching", len(ids)) as advance:
                    _add_items(hnsw, vectors, ids, advance)
        return hnsw

    def _build(self):
        import hnswlib

        m = self.model
        hnsw = hnswlib.Index(space=m.hnsw_space, dim=m.dim)
        hnsw.init_index(max_elements=max(self.count, 1), M=m.hnsw_m, ef_construction=m.hnsw_ef_construction)
        with self._adding("building", self.count) as advance:
            for ids, vectors in self.store.iter_vectors(m, BUILD_CHUNK):
                read = len(ids)
                ids, vectors = _finite(ids, vectors)
                _add_items(hnsw, vectors, ids, advance)  # each vector with the id it was read with
                advance(read - len(ids))  # not finite: never added, but done
        return hnsw

    def _adding(self, action: str, total: int):
        if self.progress is None or total <= 0:
            return contextlib.nullcontext(lambda n=1: None)
        return self.progress(action, total)

    def save(self) -> None:
        """Write the HNSW file atomically, verified, and record its size and sha256.

        A full disk or a read-only folder is a ``StorageError``; the partial file is
        removed and the previous file and its record stay as they were.
        """
        path = ann_path(self.store, self.model)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        try:
            with open(partial, "wb"):
                pass  # hnswlib does not report a file it cannot create: find out here
            self.hnsw.save_index(str(partial))
            problem = hnsw_file_problem(partial, self.model.dim)
            if problem:
                raise StorageError(f"{path}: could not be written completely ({problem}); is the disk full? "
                                   "Nothing was recorded")
            size = partial.stat().st_size
            checksum = file_checksum(partial)
            os.replace(partial, path)
            stat = path.stat()
            mtime_ns = stat.st_mtime_ns
        except OSError as exc:
            raise storage_error(exc, path) from None
        finally:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                pass
        # The generation read in the snapshot the vectors came from: if vectors changed
        # since, the file counts as out of date next time and is patched then.
        with self.store.transaction():
            if self.store.record_ann(self.model.id, self.model.generation, size, mtime_ns, checksum,
                                     fingerprint=self.model.fingerprint):
                self._record_stat(stat, checksum)

    def _record_stat(self, stat: os.stat_result, checksum: str) -> None:
        """Record the stat of the file just saved or verified (``SAVED_STAT_KEY``; in a transaction)."""
        if self.store._has_column("settings", "value"):
            self.store.set_setting(SAVED_STAT_KEY.format(self.model.id), " ".join(map(str, [checksum, *_file_stat(stat)])))

    # --- searching ------------------------------------------------------------------------

    @property
    def method(self) -> str:
        """How a search runs: ``"exact"`` (every vector compared) or ``"hnsw"`` (the graph)."""
        return "exact" if self.hnsw is None else "hnsw"

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and cosine scores of the ``k`` nearest vectors, best first, among the
        vectors of the database's current snapshot (the caller's, when called inside
        ``store.snapshot()``): the index is refreshed to it first.

        ``allowed`` restricts the search to those sentence ids (``--path``); a small
        allowed set is searched exactly. Fewer than ``k`` come back when fewer exist;
        a stored vector that is not finite never matches.
        """
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if not np.isfinite(query).all():
            raise SimsearchError(
                f"model {self.model.name!r} embeds the query as NaN or infinity: its weights are broken "
                "(a diverged training run?); retrain it or index with another model"
            )
        with self._lock, self.store.snapshot():
            self.refresh()
            return self._search(query, k, allowed)

    def _search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0:
            return _empty()
        if allowed is not None and (self.hnsw is None or len(allowed) < EXACT_BELOW):
            return _exact(*self.store.vectors(self.model, allowed.tolist()), query, k)
        if self.hnsw is None:
            return _exact(*self.flat, query, k)
        graph = self.live
        flat_ids, flat = self.flat
        if allowed is not None:
            # Sorted-array lookups (``_in_sorted``): np.unique, intersect1d and isin took 250 ms
            # a query for --path over half of 366k sentences, against 1.3 ms for the graph search.
            allowed = _sorted_unique(np.asarray(allowed, dtype=np.int64))
            graph = graph[_in_sorted(graph, allowed)]
            inside = _in_sorted(flat_ids, allowed)
            flat_ids, flat = flat_ids[inside], flat[inside]
        found = self._graph_search(query, min(k, len(graph)), graph if allowed is not None else None, len(graph))
        if found is None:
            # Every vector of the graph was asked for (or hnswlib could not give k): score them all.
            if allowed is not None:
                return _exact(*self.store.vectors(self.model, allowed.tolist()), query, k)
            return _exact_chunks(self.store.iter_vectors(self.model, BUILD_CHUNK), query, k)
        ids, scores = found
        if len(flat_ids):  # vectors added since the graph was loaded: searched exactly, merged
            more_ids, more_scores = _exact(flat_ids, flat, query, k)
            ids, scores = np.concatenate([ids, more_ids]), np.concatenate([scores, more_scores])
        return _best(ids, scores, k)

    def _graph_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None,
                      available: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The graph's ``k`` nearest live labels (among ``allowed``) with their :func:`cosines`,
        or None when ``k`` is all ``available`` of them or hnswlib cannot give ``k`` (deleted
        entries, a filter). Call inside the snapshot the index was refreshed to (the candidates'
        vectors are read from the store)."""
        if k <= 0:
            return _empty()
        if k >= available:
            return None
        ef = max(self.model.hnsw_ef, k)
        self.hnsw.set_ef(ef)
        allowed_set = set(allowed.tolist()) if allowed is not None else None
        # All ``ef`` candidates the search kept, not its first k: hnswlib cuts exactly tied
        # candidates at k in its own order (another copy of a text for -k 1 than for -k 2). The
        # best k of them by score, then id, make any k up to ``hnsw_ef`` the start of a deeper k.
        for read in dict.fromkeys([min(ef, available), k]):
            try:
                labels, _ = self.hnsw.knn_query(
                    query, k=read, filter=(lambda label: label in allowed_set) if allowed_set is not None else None
                )
            except RuntimeError:
                continue  # fewer than ``read`` reachable (deleted entries, a filter)
            # Scored again as every vector beside the graph is (:func:`cosines` of the stored
            # vectors), not by hnswlib's 1 - distance: that is computed on hnswlib's own
            # renormalised copy of each vector (29% of django-docs' rows differ from the stored
            # one by an ulp), so one text scored 1.0000002 in the graph and 1.0 beside it, and a
            # copy beside the graph came after the graph's copies whatever its id.
            ids, vectors = self.store.vectors(self.model, labels[0].astype(np.int64).tolist())
            return _exact(ids, vectors, query, k)
        return None


def _sorted_unique(ids: np.ndarray) -> np.ndarray:
    """``np.unique(ids)`` (int64), at the cost of one pass when ``ids`` are sorted and unique already."""
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        ids = np.sort(ids)
        ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
    return ids


def _in_sorted(values: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """For each of ``values``, whether ``sorted_ids`` (sorted, unique) holds it."""
    if not len(sorted_ids) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_ids, values).clip(0, len(sorted_ids) - 1)
    return sorted_ids[at] == values


def _add_items(hnsw, vectors: np.ndarray, ids: np.ndarray, advance) -> None:
    """``hnsw.add_items`` in slices of ``ADD_CHUNK``, in order, each followed by ``advance``.

    One thread: hnswlib's graph is a function of the vectors and their order only when one thread
    inserts them (its maintainers say so: threads race for neighbours). With two, the same
    vectors built twice answered 8 of 1,708 queries otherwise (django-docs, minilm), so an
    unchanged index searched after a rebuild scored a benchmark 0.002 apart. The price: a build
    takes 1.8x the time of two threads on 2 cores (12k vectors 2.5 s against 1.4 s, 96k 23.8 s
    against 13.3 s; ``python benchmarks/check_hnswlib.py threads DB``)."""
    for start in range(0, len(ids), ADD_CHUNK):
        hnsw.add_items(vectors[start:start + ADD_CHUNK], ids[start:start + ADD_CHUNK], num_threads=1)
        advance(len(ids[start:start + ADD_CHUNK]))


def _labels(hnsw) -> np.ndarray:
    """Every label in the graph (those marked deleted too), sorted."""
    return np.unique(np.asarray(hnsw.get_ids_list(), dtype=np.int64))


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


def _finite(ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop vectors with NaN or infinity: they cannot be compared with anything."""
    keep = np.isfinite(vectors).all(axis=1)
    return (ids, vectors) if keep.all() else (ids[keep], vectors[keep])


def cosines(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Each stored vector's cosine with the query (both normalised), as every search scores it:
    a float32 dot product that depends only on the two vectors' bits, clipped to [-1, 1]; so
    a sentence has one score whichever way it was found, and copies that share a vector tie exactly.

    ``matrix @ query`` does not do that: BLAS sums a row's products in an order that depends on
    the row's place in the matrix, so copies of one text in one matrix scored an ulp apart (28 of
    200 draws on django-docs' vectors), and a sentence scored differently among the graph's
    candidates than in the whole index. ``einsum`` (numpy's own loop, no BLAS) sums each row
    alone, the same way wherever it lies (half the speed of BLAS: ~0.5 ms for 5k x 384). A
    normalised vector's product with itself rounds to up to 1.0000002: a cosine is never above 1.
    A vector that is not finite keeps its NaN or infinite score (callers leave those out).
    """
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or len(matrix) == 0:
        return np.empty(0, dtype=np.float32)
    scores = np.einsum("ij,j->i", matrix, np.asarray(query, dtype=np.float32).reshape(-1))
    return np.clip(scores, -1.0, 1.0, out=scores, where=np.isfinite(scores))


def _exact(ids: np.ndarray, matrix: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) == 0 or k <= 0:
        return _empty()
    scores = cosines(matrix, query)
    finite = np.isfinite(scores)
    if not finite.all():
        ids, scores = ids[finite], scores[finite]
        if len(ids) == 0:
            return _empty()
    return _best(ids, scores, k)


def _best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best (id, score) pairs, ordered by score, then by id (smaller first), so that
    exactly tied scores (copies of a text, texts the model cannot tell apart) come in one order
    whatever ``k``: the top ``k`` is always the start of the top ``k + 1``. (An unstable
    partition followed by a sort of the first ``k`` ordered ties, and chose which of them made
    the cut, differently for each ``k``.) Every candidate scoring at least the ``k``-th score
    takes part, so a tie at the cut goes to the smaller ids."""
    k = min(k, len(ids))
    if k <= 0:
        return _empty()
    candidates = np.arange(len(ids))
    if k < len(ids):
        kth = np.partition(scores, len(ids) - k)[len(ids) - k]  # the k-th best score
        candidates = np.flatnonzero(scores >= kth)
    order = candidates[np.lexsort((ids[candidates], -scores[candidates]))[:k]]
    return ids[order], scores[order]


def _exact_chunks(chunks, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k over slices of (ids, vectors), holding at most one slice and k results."""
    best_ids, best_scores = _empty()
    for ids, matrix in chunks:
        ids, scores = _exact(ids, matrix, query, k)
        best_ids, best_scores = _best(np.concatenate([best_ids, ids]), np.concatenate([best_scores, scores]), k)
    return best_ids, best_scores
