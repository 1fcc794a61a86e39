"""``simsearch index``: bring the database in line with files on disk, for every model.

A run has three phases, each safe to interrupt:

1. documents: walk the roots; a file whose size and mtime are unchanged is not opened,
   one whose content hash is unchanged is not parsed; a new or changed file is split
   into sentences and written in one transaction; files gone from disk are removed;
2. vectors: each model embeds the sentences it has no vector for, in chunks, each
   chunk committed (this is also how a model added later catches up, without reading
   a single file);
3. HNSW: each model's index file is patched or rebuilt to match the database.

Killed at any point, the next run continues where the database says it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import Interrupted, SimsearchError
from .extract import FoundFile, Skip, extract, sentences_of, walk
from .models import ModelRef, fingerprint, hidden_size, resolve_local, resolve_model
from .progress import progress_bar
from .store import ModelRow, Store

# Sentences per encode call and per committed chunk of vectors: large enough for length
# sorting to pay, small enough that an interrupted run loses little work.
EMBED_CHUNK = 2048
DEFAULT_MAX_FILE_MB = 20.0


@dataclass
class IndexReport:
    db: str
    models: list[str] = field(default_factory=list)
    files_seen: int = 0
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    touched: int = 0  # mtime changed, content did not: no parsing, no encoding
    removed: int = 0
    sentences_added: int = 0
    encoded: dict[str, int] = field(default_factory=dict)  # model -> sentences through the model
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    warnings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    encode_seconds: float = 0.0  # of ``seconds``, the time in model forward passes (and model loading)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.removed

    def as_dict(self) -> dict:
        return asdict(self)


@contextlib.contextmanager
def writer_lock(store: Store, *, required: bool = True) -> Iterator[bool]:
    """One writer per database at a time; readers are never blocked.

    Yields whether the lock is held: with ``required=False`` a busy lock yields False
    (a searcher then keeps a rebuilt HNSW index in memory instead of saving it).
    """
    import fcntl

    lock_path = store.path.with_name(store.path.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if required:
                raise SimsearchError(f"another `simsearch index` is writing to {store.path}; wait for it to finish") from None
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def register_models(store: Store, names: list[str], report: IndexReport) -> list[tuple[ModelRow, ModelRef]]:
    """The index's rows for these models (with their resolved refs), added, or reset when the
    files behind a name changed."""
    rows = []
    for name in names:
        ref = resolve_local(name)
        stored = store.model(name) or (store.model_by_path(str(Path(ref.path).absolute())) if ref else None)
        if ref is None:
            # A name the index knows but that no longer resolves here (say, a relative folder
            # from another working directory) is found at its stored path; else it is a hub id.
            ref = (stored and resolve_local(stored.path)) or resolve_model(name)
        digest = fingerprint(ref)
        path = str(Path(ref.path).absolute())
        with store.transaction():
            if stored is None:
                stored = store.add_model(name, path, digest, hidden_size(ref), ref.pooler)
            elif stored.fingerprint != digest:
                report.warnings.append({"path": path, "reason": f"model {stored.name!r} changed since it was indexed; re-embedding"})
                store.reset_model(stored.id, path, digest, hidden_size(ref), ref.pooler)
                stored = store.model_by_id(stored.id)
        rows.append((stored, ref))
    return rows


def model_ref(row: ModelRow):
    """The ``ModelRef`` behind an index's model, checked against the fingerprint it was indexed with."""
    ref = resolve_local(row.name) or resolve_local(row.path)
    if ref is None:
        raise SimsearchError(f"model {row.name!r} of the index is no longer at {row.path}")
    if fingerprint(ref) != row.fingerprint:
        raise SimsearchError(
            f"model {row.name!r} changed since it was indexed; re-embed with `simsearch index --model {row.name}`"
        )
    return ref


def index(
    store: Store,
    roots: list[Path],
    models: list[str] | None = None,
    *,
    device: str = "auto",
    batch_size: int = 64,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    progress: bool = True,
    on_warning: Callable[[str, str], None] | None = None,
) -> IndexReport:
    """Index ``roots`` (files or folders) with ``models`` (default: the index's models, else minilm)."""
    start = time.perf_counter()
    report = IndexReport(db=str(store.path))

    def warn(path, reason: str) -> None:
        report.warnings.append({"path": str(path), "reason": reason})
        if on_warning:
            on_warning(str(path), reason)

    with writer_lock(store):
        names = list(dict.fromkeys(models or [m.name for m in store.models()] or ["minilm"]))
        rows = register_models(store, names, report)
        for item in report.warnings:
            if on_warning:
                on_warning(item["path"], item["reason"])
        report.models = [row.name for row, _ in rows]
        with store.transaction():
            # We hold the writer lock, so a run still marked as running died without a word.
            store.conn.execute("UPDATE runs SET status = 'killed' WHERE status = 'running'")
            run_id = store.start_run([str(Path(r).absolute()) for r in roots], report.models)
        status = "failed"
        try:
            _sync_documents(store, roots, report, max_file_mb, progress, warn)
            for row, ref in rows:
                encode_start = time.perf_counter()
                report.encoded[row.name] = _embed_missing(store, row, ref, device, batch_size, progress)
                report.encode_seconds += time.perf_counter() - encode_start
            for row, _ in rows:
                _sync_ann(store, row)
            status = "done"
        except KeyboardInterrupt:
            status = "interrupted"
            raise Interrupted(
                f"interrupted; {report.added + report.updated} files were saved to {store.path}. "
                "Run the same command again to continue."
            ) from None
        finally:
            report.seconds = time.perf_counter() - start
            with store.transaction():
                store.finish_run(run_id, status, files_seen=report.files_seen, files_changed=report.changed,
                                 files_removed=report.removed, sentences_added=report.sentences_added,
                                 sentences_encoded=sum(report.encoded.values()))
    return report


def _sync_documents(store: Store, roots: list[Path], report: IndexReport, max_file_mb: float,
                    progress: bool, warn: Callable[[Path, str], None]) -> None:
    known = store.documents_under(roots)
    present = []
    for root in roots:
        if Path(root).expanduser().exists():
            present.append(root)
        elif not store.documents_under([root]):
            raise SimsearchError(f"{root}: no such file or folder")
        else:  # an indexed folder that is gone: its documents leave the index below
            warn(root, "no longer exists; its documents are removed from the index")
    roots = present
    found: list[FoundFile] = []
    for item in walk(roots):
        if isinstance(item, FoundFile):
            found.append(item)
        else:
            report.skipped.append({"path": str(item[0]), "reason": item[1]})
    report.files_seen = len(found)
    seen = set()
    max_bytes = int(max_file_mb * 1024 * 1024)
    to_read = []
    for file in found:
        key = str(file.path)
        seen.add(key)
        old = known.get(key)
        if old is not None and old.size == file.size and old.mtime_ns == file.mtime_ns:
            report.unchanged += 1
        else:
            to_read.append(file)
    with progress_bar(len(to_read), "reading files", unit="file", enabled=progress and len(to_read) > 20) as advance:
        for file in to_read:
            _index_file(store, file, known.get(str(file.path)), report, max_bytes, warn)
            advance(1)
    gone = [doc for path, doc in known.items() if path not in seen]
    if gone:
        with store.transaction():
            store.delete_documents([doc.id for doc in gone])
        report.removed += sum(doc.skip_reason is None for doc in gone)


def _index_file(store: Store, file: FoundFile, old, report: IndexReport, max_bytes: int,
                warn: Callable[[Path, str], None]) -> None:
    path = file.path

    def skip(reason: str, digest: str = "") -> None:
        """Leave the file out, and remember it so an unchanged file is not read (or warned about) again."""
        warn(path, reason)
        report.skipped.append({"path": str(path), "reason": reason})
        with store.transaction():
            store.replace_document(str(path), digest, file.mtime_ns, file.size, "skipped", [], skip_reason=reason)
        if old is not None and old.skip_reason is None:
            report.removed += 1

    def vanished(reason: str) -> None:
        warn(path, reason)
        report.skipped.append({"path": str(path), "reason": reason})
        if old is not None:
            with store.transaction():
                store.delete_documents([old.id])
            report.removed += 1

    if file.size > max_bytes:
        return skip(f"skipped: {file.size / 2**20:.1f} MB is over --max-file-mb {max_bytes / 2**20:g}")
    try:
        data = path.read_bytes()
        stat = path.stat()
    except FileNotFoundError:
        return vanished("skipped: the file disappeared while indexing")
    except OSError as exc:
        return vanished(f"skipped: cannot read ({exc.strerror})")
    digest = hashlib.sha256(data).hexdigest()
    if old is not None and old.hash == digest and old.skip_reason is None:
        with store.transaction():
            store.touch_document(old.id, stat.st_mtime_ns, stat.st_size)
        report.touched += 1
        return None
    try:
        extracted = extract(path, data)
    except Skip as reason:
        return skip(f"skipped: {reason}", digest)
    if extracted.warning:
        warn(path, extracted.warning)
    sentences = sentences_of(extracted)
    with store.transaction():
        store.replace_document(str(path), digest, stat.st_mtime_ns, stat.st_size, extracted.kind, sentences)
    report.sentences_added += len(sentences)
    if old is None or old.skip_reason is not None:
        report.added += 1
    else:
        report.updated += 1
    return None


def _embed_missing(store: Store, model: ModelRow, ref: ModelRef, device: str, batch_size: int,
                   progress: bool) -> int:
    """Embed every sentence the model has no vector for; returns how many went through it."""
    total = store.count_missing_vectors(model.id)
    if total == 0:
        return 0
    from .encoder import Encoder

    encoder = Encoder.load(ref, device=device, batch_size=batch_size)
    done = 0
    with progress_bar(total, f"embedding ({model.name})", enabled=progress) as advance:
        while True:
            rows = store.missing_vectors(model.id, EMBED_CHUNK)
            if not rows:
                break
            ids = [r[0] for r in rows]
            texts = [r[1] for r in rows]
            vectors = encoder.encode(texts, normalize=True, progress=False, on_batch=advance)
            advance(len(texts) - len(set(texts)))  # repeats are encoded once
            with store.transaction():
                store.add_vectors(model.id, ids, vectors)
            done += len(rows)
    return done


def _sync_ann(store: Store, model: ModelRow) -> None:
    from .ann import VectorIndex

    VectorIndex.open(store, model, save=True)


def previous_roots(store: Store) -> list[Path]:
    """Every root indexed by an earlier run, for a plain ``simsearch index``."""
    import json

    roots: dict[str, None] = {}
    for (value,) in store.conn.execute("SELECT roots FROM runs ORDER BY id"):
        for root in json.loads(value):
            roots[root] = None
    return [Path(root) for root in roots]


def index_status(store: Store) -> dict:
    """What ``simsearch status`` shows, as a dict."""
    from .ann import EXACT_BELOW, ann_path

    models = []
    for row in store.models():
        vectors = store.count_vectors(row.id)
        path = ann_path(store, row)
        size = path.stat().st_size if path.is_file() else 0
        models.append({
            "name": row.name, "path": row.path, "dim": row.dim, "pooler": row.pooler, "added_at": row.added_at,
            "vectors": vectors, "missing": store.count_missing_vectors(row.id),
            "search": "exact" if vectors < EXACT_BELOW else "hnsw",
            "ann_file": str(path), "ann_file_bytes": size,
            "ann_current": bool(size) and row.ann_generation == row.generation and row.ann_file_size == size,
            "hnsw_space": row.hnsw_space, "hnsw_m": row.hnsw_m, "hnsw_ef_construction": row.hnsw_ef_construction,
            "hnsw_ef": row.hnsw_ef,
        })
    return {"db": str(store.path), "schema": store.schema_version(), **store.counts(),
            "db_bytes": store.path.stat().st_size, "models": models, "last_run": store.last_run()}
