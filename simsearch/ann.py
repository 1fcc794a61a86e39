"""Nearest-neighbour search over one model's vectors: an hnswlib file beside the database.

The database is the truth; the HNSW file is a cache of it. Its parameters (space, dim,
M, ef_construction, ef) live in the ``models`` row, because hnswlib's file does not
store them, together with the size, mtime and vector generation the file was saved at.
A file that is missing, unreadable, or out of date is brought in line with the
database: loaded and patched (new vectors added, removed ones ``mark_deleted``), or
rebuilt when too many entries are deleted. Small collections are searched exactly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .store import ModelRow, Store

# Below this many vectors an exact search is as fast as HNSW and never misses.
EXACT_BELOW = 5000
# Rebuild instead of patching once this share of the file's entries is deleted.
REBUILD_DELETED_SHARE = 0.25


def ann_path(store: Store, model: ModelRow) -> Path:
    return store.path.with_name(f"{store.path.name}.model-{model.id}.hnsw")


class VectorIndex:
    """One model's vectors, searchable: ``search(queries, k)`` -> (ids, scores)."""

    def __init__(self, store: Store, model: ModelRow):
        self.store = store
        self.model = model
        self.hnsw = None
        self.exact: tuple[np.ndarray, np.ndarray] | None = None
        self.deleted = 0
        self.count = 0
        self.rebuilt = False  # whether opening had to build or patch the file (for messages)

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, store: Store, model: ModelRow, *, save: bool = True) -> "VectorIndex":
        """Load the model's index, bringing it in line with the database.

        With ``save`` the patched or rebuilt file is written back (atomically); a
        reader that may race a running indexer passes ``save=False``.
        """
        index = cls(store, store.model_by_id(model.id))
        index.count = store.count_vectors(model.id)
        if index.count < EXACT_BELOW:
            ids, matrix = store.vectors(index.model)
            index.exact = (ids, matrix)
            return index
        index._open_hnsw(save)
        return index

    def _file_is_current(self, path: Path) -> bool:
        m = self.model
        try:
            stat = path.stat()
        except OSError:
            return False
        return (m.ann_generation == m.generation and m.ann_file_size == stat.st_size
                and m.ann_file_mtime_ns == stat.st_mtime_ns)

    def _open_hnsw(self, save: bool) -> None:
        import hnswlib

        path = ann_path(self.store, self.model)
        m = self.model
        hnsw = None
        if path.is_file() and m.ann_file_size is not None:
            candidate = hnswlib.Index(space=m.hnsw_space, dim=m.dim)
            try:
                if path.stat().st_size != m.ann_file_size:
                    raise RuntimeError("truncated or replaced: size differs from the one recorded")
                candidate.load_index(str(path))
                hnsw = candidate
            except (RuntimeError, OSError, ValueError):
                hnsw = None  # unreadable or tampered: rebuilt below
        if hnsw is not None and self._file_is_current(path):
            hnsw.set_ef(m.hnsw_ef)
            self.hnsw = hnsw
            self.deleted = hnsw.element_count - self.count
            return
        self.rebuilt = True
        db_ids = self.store.vector_ids(m.id)
        if hnsw is not None:
            in_file = np.asarray(hnsw.get_ids_list(), dtype=np.int64)
            stale = np.setdiff1d(in_file, db_ids)
            dead = 0
            for label in stale:
                try:
                    hnsw.mark_deleted(int(label))
                except RuntimeError:
                    pass  # already deleted
                dead += 1
            if dead > REBUILD_DELETED_SHARE * max(len(in_file), 1):
                hnsw = None
            else:
                self.deleted = dead
                missing = np.setdiff1d(db_ids, in_file)
                if len(missing):
                    _, vectors = self.store.vectors(m, missing.tolist())
                    hnsw.resize_index(hnsw.element_count + len(missing))
                    hnsw.add_items(vectors, missing)
        if hnsw is None:
            hnsw = self._build(db_ids)
            self.deleted = 0
        hnsw.set_ef(m.hnsw_ef)
        self.hnsw = hnsw
        if save:
            self.save()

    def _build(self, ids: np.ndarray):
        import hnswlib

        m = self.model
        hnsw = hnswlib.Index(space=m.hnsw_space, dim=m.dim)
        hnsw.init_index(max_elements=max(len(ids), 1), M=m.hnsw_m, ef_construction=m.hnsw_ef_construction)
        for start in range(0, len(ids), 50_000):  # bounded memory: vectors fetched in slices
            chunk = ids[start : start + 50_000]
            _, vectors = self.store.vectors(m, chunk.tolist())
            hnsw.add_items(vectors, chunk)
        return hnsw

    def save(self) -> None:
        """Write the HNSW file atomically and record what it reflects."""
        path = ann_path(self.store, self.model)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        self.hnsw.save_index(str(partial))
        os.replace(partial, path)
        stat = path.stat()
        # The generation read before the vectors were: if vectors changed since, the
        # file counts as stale next time and is patched then.
        with self.store.transaction():
            self.store.record_ann(self.model.id, self.model.generation, stat.st_size, stat.st_mtime_ns)

    # --- searching ------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return "exact" if self.exact is not None else "hnsw"

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sentence ids and cosine scores of the ``k`` nearest vectors, best first.

        ``allowed`` restricts the search to those sentence ids (``--path``); a small
        allowed set is searched exactly.
        """
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None and (self.exact is not None or len(allowed) < EXACT_BELOW):
            ids, matrix = self.store.vectors(self.model, allowed.tolist())
            return _exact(ids, matrix, query, k)
        if self.exact is not None:
            return _exact(*self.exact, query, k)
        k = min(k, self.count if allowed is None else len(allowed))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        self.hnsw.set_ef(max(self.model.hnsw_ef, k))
        allowed_set = set(allowed.tolist()) if allowed is not None else None
        labels, distances = self.hnsw.knn_query(
            query, k=k, filter=(lambda label: label in allowed_set) if allowed_set is not None else None
        )
        scores = 1.0 - distances[0] if self.model.hnsw_space == "cosine" else -distances[0]
        return labels[0].astype(np.int64), scores.astype(np.float32)


def _exact(ids: np.ndarray, matrix: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    scores = matrix @ query
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return ids[top], scores[top]
