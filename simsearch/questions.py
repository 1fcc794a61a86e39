"""Questions with their answers, kept as you search: the file ``simsearch eval retrieval`` reads.

``simsearch tui --questions FILE`` marks a result as an answer to the query (``a``): one line
is appended to FILE, a JSON Lines query file (:mod:`simsearch.retrieval`)::

    {"id": "q1", "query": "how do I reset it", "relevant": [{"path": "notes/x.md", "text": "Hold the button ten seconds."}]}

The answer is the sentence itself (its text, in its file), not its line: a note edited above it
moves its line, not its text. A second answer to the same query is another line with the same
``"id"``, which ``eval retrieval`` reads as one query with two answers. An answer is appended, one
whole line per write. ``a`` again on an answer this object kept takes it back (:meth:`QuestionFile.toggle`):
the line it wrote is deleted, the file rewritten whole (a temporary file in its folder, then
``os.replace``) with every other line byte for byte. A line it did not write (by hand, by an
earlier session, or its own line edited since) is never rewritten: the caller names it to edit.
The path is written relative to the file's folder when the document lies below it (a folder of
notes moved with its questions still matches), else absolute.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

try:
    import fcntl
except ImportError:  # (Windows)
    fcntl = None

from .data import decoded, file_kind
from .errors import SimsearchError
from .retrieval import JSON_LINES_SUFFIXES, Query, Unit, _PathForms, _jsonl_query, load_queries, normalize_text, unit_matches

_ID = re.compile(r"^q(\d+)$")


@dataclass
class Marked:
    """What marking a hit did: ``written`` is False when the hit already answered the query;
    ``taken_back`` (``toggle``): it did, on a line this object wrote, and that line is deleted."""

    written: bool
    query: str
    id: str
    answers: int  # the query's answers now
    line: int  # the file's line that holds this answer (the new line, the one that named it, the one deleted)
    taken_back: bool = False


# Why a query's kept answers are in no sentence of the index (``QuestionFile.why_not_in_index``).
FILE_GONE = "file gone"
EDITED = "edited"
NOT_KNOWN = "not known"


class QuestionFile:
    """A query file that answers are appended to (created by the first one)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.base = self.path.absolute().parent
        self.queries: dict[str, Query] = {}  # by query text, as searched (stripped)
        self.lines = 0  # lines the file holds (a line still being written counts once ended)
        self._forms = _PathForms()
        self._seen: tuple | None = None  # the file's state when last read or written (_refresh)
        self._mine: Counter[str] = Counter()  # the lines this object wrote (their text): ``toggle`` may delete them
        self._indexed: tuple[tuple, tuple] | None = None  # see ``_indexed_documents``
        self._load()

    @classmethod
    def open(cls, path: Path | str, option: str = "--questions") -> "QuestionFile":
        """The file at ``path``, read now: a missing file is created by the first answer; one that
        is not a JSON Lines query file ``eval retrieval`` reads is a one-line error naming it."""
        path = Path(path).expanduser()
        if path.suffix.lower() not in JSON_LINES_SUFFIXES:
            raise SimsearchError(f"{option} {path}: expected a JSON Lines file ({', '.join(JSON_LINES_SUFFIXES)}), "
                                 "which eval retrieval reads")
        if path.is_dir():
            raise SimsearchError(f"{option} {path}: is a folder, expected a file of questions (.jsonl)")
        if not path.parent.is_dir():
            raise SimsearchError(f"{option} {path}: no folder {path.parent} to write it in")
        with contextlib.suppress(OSError):
            _check_regular(path, os.stat(path), f"{option} {path}")
        return cls(path)

    def _load(self) -> None:
        queries: dict[str, Query] = {}
        lines, seen = 0, _state(self.path)  # (taken before the read: a later change is read again)
        if seen is not None:
            try:
                with _open(self.path, "rb") as handle:
                    text = decoded(self.path, handle.read())
            except FileNotFoundError:  # (deleted since the stat)
                text, seen = "", None
            except OSError as exc:
                raise SimsearchError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
            lines = len(re.findall(r"\r\n|\r|\n", text)) + (1 if text and text[-1] not in "\r\n" else 0)
            if text.strip():  # (the text read here: a second read could find another file)
                queries = {query.text: query for query in load_queries(self.path, "jsonl", text=text)}
        self.queries, self.lines, self._seen = queries, lines, seen

    def _refresh(self, strict: bool = True) -> None:
        """Read the file again when it changed since this object last read or wrote it: another
        session's answers, a line the user added or deleted (their ids, and what is an answer,
        are theirs). ``strict=False``: a file broken meanwhile keeps what was read before."""
        if _state(self.path) == self._seen:
            return
        try:
            self._load()
        except SimsearchError:
            if strict:
                raise

    # --- reading --------------------------------------------------------------------------

    def disk_state(self) -> tuple | None:
        """What tells the file changed on disk (None: no file): cheap, one ``stat``."""
        return _state(self.path)

    def answers(self, query: str) -> list[Unit]:
        self._refresh(strict=False)
        kept = self.queries.get(query.strip())
        return list(kept.units) if kept is not None else []

    def answers_in_index(self, query: str, store) -> bool:
        """Whether some sentence of the index ``store`` matches one of ``query``'s answers. One
        kept for a sentence since edited (and indexed again), or in a file since deleted or
        renamed, matches none: no model can find it, and "not in 10" would read as both missed it
        (``eval retrieval`` refuses such a file: every figure would be 0)."""
        self._refresh(strict=False)
        kept = self.queries.get(query.strip())
        return kept is not None and self._held(kept, store, self._indexed_documents(store))

    def why_not_in_index(self, query: str, store) -> str | None:
        """Why no sentence of the index matches ``query``'s kept answers (None: one does, or none
        is kept): ``FILE_GONE``, no file any answer names is in the index (deleted, renamed, its
        root forgotten, skipped now); ``EDITED``, each answer's file is, without its sentence;
        ``NOT_KNOWN``, some of each, or an answer that names no file."""
        self._refresh(strict=False)
        kept = self.queries.get(query.strip())
        if kept is None:
            return None
        indexed = self._indexed_documents(store)
        if self._held(kept, store, indexed):
            return None
        from .retrieval import _documents_of

        _, documents, by_form = indexed
        files = {bool(_documents_of(unit, documents, by_form)) if unit.path is not None else None for unit in kept.units}
        return {frozenset({False}): FILE_GONE, frozenset({True}): EDITED}.get(frozenset(files), NOT_KNOWN)

    def _held(self, kept: Query, store, indexed: tuple) -> bool:
        """Whether some sentence of ``store`` (``indexed``: its documents) is one of ``kept``'s answers."""
        from .retrieval import reachable_units

        paths = dict(indexed[1])
        # An answer kept from the TUI holds the sentence as stored: found by SQLite itself (the
        # text is indexed); else reachable_units reads the sentences of the files the answers name.
        for unit in kept.units:
            if unit.text is not None:
                for document_id, line, text in store.conn.execute(
                        "SELECT document_id, line, text FROM sentences WHERE text = ?", (unit.text,)):
                    if document_id in paths and unit.matches(paths[document_id], line, normalize_text(text)):
                        return True
        return bool(reachable_units(store, [kept], indexed))

    def _indexed_documents(self, store) -> tuple:
        """``retrieval._indexed_documents(store)``, read again only when the index changed (each
        path's forms take a ``realpath``: 0.3 s for 20k files, at every query no pane answered)."""
        from .retrieval import _indexed_documents

        key = (id(store.conn), store.conn.execute("PRAGMA data_version").fetchone()[0], store.conn.total_changes)
        if self._indexed is None or self._indexed[0] != key:
            self._indexed = key, _indexed_documents(store)
        return self._indexed[1]

    def answered(self, query: str, hits, store=None) -> list[bool]:
        """For each hit, whether it is one of ``query``'s answers (through any of its copies, as
        ``eval retrieval`` counts it)."""
        units = self.answers(query)
        if not units:
            return [False] * len(hits)
        return [bool(unit_matches(hit, units, self._forms, store)) for hit in hits]

    @property
    def answer_count(self) -> int:
        return sum(len(query.units) for query in self.queries.values())

    # --- writing --------------------------------------------------------------------------

    def written_path(self, path: str) -> str:
        """``path`` as the file holds it: relative to the file's folder when below it."""
        absolute = os.path.abspath(path)
        try:
            relative = os.path.relpath(absolute, self.base)
        except ValueError:  # another drive (Windows)
            return absolute
        # Absolute outside the folder, and for a first folder named "~..." (eval retrieval
        # expands a leading "~" of a relative path: "~/a.md" would be read as $HOME/a.md).
        outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
        return absolute if outside or relative.startswith("~") else relative

    def mark(self, query: str, hit, store=None) -> Marked:
        """Append ``hit`` (its text in its file) as an answer to ``query``; nothing is written
        when it already is one."""
        query = query.strip()
        if not query:
            raise SimsearchError("an answer needs a query")
        with self._locked():  # two sessions on one file: one reads and appends at a time
            return self._mark(query, hit, store)

    def _mark(self, query: str, hit, store=None) -> Marked:
        self._refresh()
        kept = self.queries.get(query)
        if kept is not None:
            matched = unit_matches(hit, kept.units, self._forms, store)
            if matched:
                unit = kept.units[min(matched)]
                return Marked(False, query, kept.id, len(kept.units), int(kept.named_at(unit).rsplit(":", 1)[1]))
        query_id = self._written_id(kept)
        item = {"path": self.written_path(hit.path), "text": hit.text}
        line = json.dumps({"id": query_id, "query": query, "relevant": [item]}, ensure_ascii=False)
        self._append(line)
        self._mine[line] += 1
        unit = Unit.make(os.path.join(self.base, item["path"]), None, hit.text, item["path"])
        source = f"{self.path}:{self.lines}"
        if kept is None:
            kept = self.queries[query] = Query(query, [], source, query_id)
        else:  # as load_queries reads the line: merged into the query's first line
            kept.merged.append(source)
            kept.merged_ids.append(query_id)
        kept.units.append(unit)
        kept.unit_sources[unit] = source
        return Marked(True, query, query_id, len(kept.units), self.lines)

    def toggle(self, query: str, hit, store=None) -> Marked:
        """``mark``, and for an answer this object kept (this session of the app), take it back:
        its line is deleted (``taken_back``). An answer that a line it did not write names (by hand,
        an earlier session, its own line edited since) is left as it is: ``line`` names that line.
        A file changed on disk since it was last read or written here is read again, not rewritten
        (a one-line error): the answers the caller shows were the old file's. Nor is an answer
        kept again that the caller showed as one and the file no longer holds (its line deleted in
        an editor meanwhile): ``a`` on a ✓ means "take it back", which the edit already did."""
        query = query.strip()
        if not query:
            raise SimsearchError("an answer needs a query")
        if self._seen is not None and _state(self.path) is None:  # deleted: refused before the lock makes it again
            self._refuse_stale(query, hit, store)
        with self._locked():
            changed = _state(self.path) != self._seen
            if changed:
                self._refuse_stale(query, hit, store)
            marked = self._mark(query, hit, store)
            return marked if marked.written else self._take_back(marked, hit, store, changed)

    def _refuse_stale(self, query: str, hit, store) -> None:
        """The file read again; an error where the caller showed ``hit`` as an answer and the file
        no longer holds it."""
        before = self.queries.get(query)  # what the caller shows
        shown = before is not None and bool(unit_matches(hit, before.units, self._forms, store))
        self._refresh()
        now = self.queries.get(query)
        if shown and not (now is not None and unit_matches(hit, now.units, self._forms, store)):
            raise SimsearchError(f"{self.path} changed on disk since simsearch read it: this result is no "
                                 f"longer an answer to {query!r} there; nothing written (press a again "
                                 "to keep it)")

    def _take_back(self, marked: Marked, hit, store, changed: bool) -> Marked:
        try:
            with _open(self.path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise SimsearchError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
        body = data[len(bom):]
        lines = re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", body)  # each with its line end
        if b"".join(lines) != body:  # (cannot happen: every byte is in one line)
            return marked
        mine, theirs, left = Counter(self._mine), [], Counter()
        for number, line in enumerate(lines, 1):
            try:
                text = line.rstrip(b"\r\n").decode("utf-8")
                named = text.strip() and _jsonl_query(text, self.base, f"{self.path}:{number}")
            except (UnicodeDecodeError, SimsearchError):
                continue  # (not an answer to this query: ``_mark`` read the whole file)
            if not named or named.text != marked.query or not unit_matches(hit, named.units, self._forms, store):
                continue
            if mine[text] > 0:
                mine[text] -= 1
                left[number] = 1
            else:
                theirs.append(number)
        if theirs or not left:  # a line this object did not write: the user's to edit
            return replace(marked, line=theirs[0]) if theirs else marked
        if changed:
            raise SimsearchError(f"{self.path} changed on disk since simsearch read it: nothing taken back "
                                 "(read again now; press a again to take the answer back)")
        self._rewrite(bom + b"".join(line for number, line in enumerate(lines, 1) if number not in left))
        for number in left:
            self._mine[lines[number - 1].rstrip(b"\r\n").decode("utf-8")] -= 1
        self._load()
        kept = self.queries.get(marked.query)
        return Marked(False, marked.query, marked.id, len(kept.units) if kept else 0, min(left), taken_back=True)

    def _rewrite(self, data: bytes) -> None:
        """The file holds ``data`` now, whole or not at all: a temporary file in its folder, on disk,
        then put in its place (``os.replace``) with the file's permissions. A symbolic link stays
        one (the file it names is rewritten). Refused where the file cannot be written (read-only:
        ``os.replace`` would replace it all the same), has other hard links (they would keep the old
        text), or changed since it was read here (an editor that does not lock it)."""
        target = os.path.realpath(self.path)
        try:
            info = os.stat(target)
        except OSError as exc:
            raise SimsearchError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
        if not _writable(target, info):
            raise SimsearchError(f"{self.path}: cannot be written (read-only)")
        if info.st_nlink > 1:
            raise SimsearchError(f"{self.path}: has {info.st_nlink} hard links, which a rewrite would part; "
                                 "edit the file to take the answer back")
        folder, name = os.path.split(target)
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        except OSError as exc:
            raise SimsearchError(f"{self.path}: cannot be rewritten: its folder cannot be written "
                                 f"({exc.strerror or exc})") from None
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):  # (only root may give a file away)
                    os.chown(temporary, info.st_uid, info.st_gid)
            if _state(self.path) != self._seen:  # (an editor wrote it since ``_take_back`` read it)
                raise SimsearchError(f"{self.path} changed on disk since simsearch read it: nothing taken back "
                                     "(read again now; press a again to take the answer back)")
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise SimsearchError(f"{self.path}: cannot be rewritten ({exc.strerror or exc})") from None
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        with contextlib.suppress(OSError):  # the new name on disk too
            descriptor = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def _written_id(self, kept: Query | None) -> str:
        """The ``"id"`` of a new line: the query's own. A query whose first line has none goes
        by that line's place ("file:line", as the file was named): written out, it would name
        another line once a line is added above it, or the file is named another way (two
        queries with one id: a file eval retrieval refuses). Such a query gets an id of its own
        (the one an earlier answer got, else a new one)."""
        if kept is None:
            return self._new_id()
        if kept.id != kept.source:
            return kept.id
        given = [i for i, source in zip(kept.merged_ids, kept.merged) if i != source and _ID.match(i)]
        return given[0] if given else self._new_id()

    def _new_id(self) -> str:
        ids = {i for query in self.queries.values() for i in query.ids}
        numbers = [int(m[1]) for m in map(_ID.match, ids) if m]
        number = max(numbers, default=0) + 1
        while f"q{number}" in ids:
            number += 1
        return f"q{number}"

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on the file (``flock``; none where the system has none). Taken by
        ``mark`` and ``toggle``, which write unless the answer is in the file: a missing file is
        created here, so that two sessions that both found none take turns (each would write "q1")."""
        if fcntl is None:
            yield
            return
        try:
            handle = _open(self.path, "ab")
        except OSError as exc:
            try:
                handle = _open(self.path, "rb")  # read-only: "already an answer" needs no write
            except OSError:
                raise SimsearchError(f"{self.path}: cannot be written ({exc.strerror or exc})") from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError:  # a file system without locks
                pass
            try:  # another session's ``toggle`` put a new file in its place meanwhile: lock that one
                replaced = os.fstat(handle.fileno()).st_ino != os.stat(self.path).st_ino
            except OSError:
                replaced = False
            if not replaced:
                yield
                return
        with self._locked():
            yield

    def _append(self, line: str) -> None:
        """One whole line at the end of the file, on disk before this returns. A file whose last
        line has no line end gets one first, so that the new line is a line of its own."""
        with contextlib.suppress(OSError):  # (none there: made here)
            if not _writable(self.path, os.stat(self.path)):
                raise SimsearchError(f"{self.path}: cannot be written (read-only)")
        try:
            with _open(self.path, "ab") as out:
                size = out.tell()
                ends_open = False
                if size:
                    with _open(self.path, "rb") as tail:
                        tail.seek(size - 1)
                        ends_open = tail.read(1) not in (b"\n", b"\r")
                        if size == len(codecs.BOM_UTF8):  # an empty file an editor began with a byte-order mark
                            tail.seek(0)
                            ends_open = tail.read() != codecs.BOM_UTF8
                data = ("\n" if ends_open else "") + line + "\n"
                out.write(data.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise SimsearchError(f"{self.path}: cannot be written ({exc.strerror or exc})") from None
        self.lines += 1
        self._seen = _state(self.path)  # our own line: no need to read the file again


_MODES = {"rb": os.O_RDONLY, "ab": os.O_WRONLY | os.O_APPEND | os.O_CREAT}


def _open(path: Path, mode: str):
    """``open(path, mode)`` ("rb" or "ab") for a regular file only: a FIFO, a device or a socket put
    at the path is refused (a one-line error) without waiting on it. ``open`` would wait for a
    FIFO's other end, and a read of /dev/zero never ends: the app, which reads the file again
    each time it changes, would hang."""
    descriptor = os.open(path, _MODES[mode] | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        info = os.fstat(descriptor)
        _check_regular(path, info)
        if hasattr(os, "set_blocking"):  # (a regular file's reads and writes never wait anyway)
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, mode)
    except BaseException:
        os.close(descriptor)
        raise


def _check_regular(path: Path, info: os.stat_result, label: str | None = None) -> None:
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):  # (a folder: its own error)
        raise SimsearchError(f"{label or path}: not a regular file ({file_kind(info.st_mode)}), expected a file "
                             "of questions (.jsonl), which simsearch reads again and appends to")


def _writable(path, info: os.stat_result) -> bool:
    """Whether the questions file may be written: ``os.access`` says so, and its mode has a write
    bit. A file made read-only (``chmod 444``) is one its owner asked not to be touched; root, whom
    ``os.access`` never refuses, honours that too."""
    return os.access(path, os.W_OK) and bool(info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _state(path: Path) -> tuple | None:
    """What tells a changed file (None: none there)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


__all__ = ["Marked", "QuestionFile"]
