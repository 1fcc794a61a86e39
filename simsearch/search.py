"""Searching an index with one of its models: ``Searcher.open(store, "minilm").search(query)``.

The CLI (``simsearch search``) and the TUI both go through ``Searcher``; it loads the
encoder lazily, so opening is cheap and a UI can show a loading state meanwhile.

Searching is read-only: it never takes the indexer's writer lock and never writes the
database or the HNSW file (an out-of-date file is patched or rebuilt in memory only), so
a search never blocks, and is never blocked by, a running ``simsearch index``.
"""

from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .ann import VectorIndex
from .errors import SimsearchError
from .models import EMBEDDED_ALIASES, embedded_model_path, models_dir, ref_for_row
from .store import ModelRow, Store


@dataclass
class Hit:
    rank: int
    score: float
    text: str
    path: str
    line: int
    sentence_id: int
    document_id: int
    ordinal: int
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{display_path(self.path)}:{self.line}"

    def as_dict(self) -> dict:
        return {**asdict(self), "location": self.location}


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the working directory (``cwd``, read once by callers in a loop) when below it, else as stored."""
    cwd = cwd or os.getcwd()
    try:
        return os.path.relpath(path, cwd) if Path(path).is_relative_to(cwd) else path
    except ValueError:
        return path


def model_ref(row: ModelRow):
    """The ``ModelRef`` behind an index's model: found at its stored folder with its stored
    pooler, and checked against the fingerprint it was indexed with."""
    return ref_for_row(row.name, row.path, row.pooler, row.fingerprint)


def pick_model(store: Store, name: str | None) -> ModelRow:
    """An index's model by name (or by the folder the name points to); default the embedded one."""
    rows = store.models()
    if not rows:
        raise SimsearchError(f"the index at {store.path} holds no models yet: run `simsearch index FOLDER`")
    if name is None:
        return next((row for row in rows if row.name == "minilm"), rows[0])
    row = store.model(name)
    if row is None:
        # The same model under another spelling: an alias, a trained model's name, a path.
        folders = [Path(name).expanduser(), models_dir() / name]
        if name.lower() in EMBEDDED_ALIASES:
            folders.insert(0, embedded_model_path())
        for folder in folders:
            for spelling in {str(folder.absolute()), str(folder.resolve())}:
                row = row or store.model_by_path(spelling)
    if row is None:
        held = ", ".join(r.name for r in rows)
        raise SimsearchError(
            f"model {name!r} is not in the index (it holds: {held}); add it with `simsearch index --model {name}`"
        )
    return row


class Searcher:
    """Searches one model's vectors; ``timings`` holds the last query's milliseconds."""

    def __init__(self, store: Store, model: ModelRow, vectors: VectorIndex, *, device: str = "auto", ref=None):
        self.store = store
        self.model = model
        self.ref = ref or model_ref(model)
        self.vectors = vectors
        self.device = device
        self.encoder = None
        self.timings: dict[str, float] = {}

    @classmethod
    def open(cls, store: Store, model: str | None = None, *, device: str = "auto") -> "Searcher":
        row = pick_model(store, model)
        ref = model_ref(row)  # fails early, with a clear message, if the model changed on disk
        vectors = VectorIndex.open(store, row, save=False)  # a reader: never the writer lock, never a write
        return cls(store, row, vectors, device=device, ref=ref)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def size(self) -> int:
        return self.vectors.count

    def load_encoder(self):
        if self.encoder is None:
            from .encoder import Encoder

            self.encoder = Encoder.load(self.ref, device=self.device)
        return self.encoder

    def embed(self, queries: list[str]) -> np.ndarray:
        return self.load_encoder().encode(queries, normalize=True, progress=False)

    def search(self, query: str, k: int = 10, *, min_score: float | None = None, path_glob: str | None = None,
               context: int = 1) -> list[Hit]:
        """The ``k`` sentences nearest to ``query`` (fewer with ``min_score`` or a small index)."""
        self.load_encoder()  # loading is not query latency
        started = time.perf_counter()
        vector = self.embed([query])[0]
        encoded = time.perf_counter()
        hits = self.search_vector(vector, k, min_score=min_score, path_glob=path_glob, context=context)
        done = time.perf_counter()
        self.timings = {"encode_ms": (encoded - started) * 1e3, "search_ms": (done - encoded) * 1e3,
                        "total_ms": (done - started) * 1e3}
        return hits

    def search_vector(self, vector: np.ndarray, k: int = 10, *, min_score: float | None = None,
                      path_glob: str | None = None, context: int = 1) -> list[Hit]:
        if k < 1:
            raise SimsearchError(f"-k {k}: must be at least 1")
        allowed = self.allowed_ids(path_glob) if path_glob else None
        ids, scores = self.vectors.search(vector, k, allowed)
        hits = self._hits(ids, scores, context)
        if min_score is not None:
            hits = [hit for hit in hits if hit.score >= min_score]
        return hits

    def allowed_ids(self, path_glob: str) -> np.ndarray:
        """Sentence ids of documents whose path matches the glob (absolute or relative to cwd)."""
        pattern = str(Path(path_glob).expanduser()) if path_glob.startswith("~") else path_glob
        prefix = str(Path(pattern).absolute()).rstrip(os.sep) + os.sep
        cwd = os.getcwd()
        documents = []
        for document_id, path in self.store.conn.execute("SELECT id, path FROM documents"):
            if (fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(display_path(path, cwd), pattern)
                    or fnmatch.fnmatchcase(os.path.basename(path), pattern) or path.startswith(prefix)):
                documents.append(document_id)
        ids = []
        for start in range(0, len(documents), 900):
            chunk = documents[start : start + 900]
            ids += [row[0] for row in self.store.conn.execute(
                f"SELECT id FROM sentences WHERE document_id IN ({','.join('?' * len(chunk))})", chunk)]
        return np.asarray(ids, dtype=np.int64)

    def _hits(self, ids: np.ndarray, scores: np.ndarray, context: int) -> list[Hit]:
        if len(ids) == 0:
            return []
        rows = {
            row[0]: row
            for row in self.store.conn.execute(
                "SELECT s.id, s.text, s.line, s.document_id, s.ordinal, d.path FROM sentences s "
                f"JOIN documents d ON d.id = s.document_id WHERE s.id IN ({','.join('?' * len(ids))})",
                [int(i) for i in ids],
            )
        }
        hits = []
        for sentence_id, score in zip(ids.tolist(), scores.tolist()):
            row = rows.get(sentence_id)
            if row is None:
                continue  # removed by an indexer running right now
            hit = Hit(len(hits) + 1, round(float(score), 6), row[1], row[5], row[2], row[0], row[3], row[4])
            if context > 0:
                for ordinal, text in self.store.conn.execute(
                    "SELECT ordinal, text FROM sentences WHERE document_id = ? AND ordinal BETWEEN ? AND ? "
                    "AND ordinal != ? ORDER BY ordinal",
                    (hit.document_id, hit.ordinal - context, hit.ordinal + context, hit.ordinal),
                ):
                    (hit.before if ordinal < hit.ordinal else hit.after).append(text)
            hits.append(hit)
        return hits
