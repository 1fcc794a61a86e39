"""Training data: the user's text as sentences for unsupervised SimCSE, pairs or triplets for supervised.

Text is read exactly as ``simsearch index`` reads it: the same walk (``extract.walk``:
``.gitignore``, hidden and binary files, the same file types), the same extraction and
segmentation (``extract.sentences_from_path``: markup and code left out, one-per-line files
split per line, UTF-8 or else cp1252 with a warning). A file the walk or the extractor skips
is a warning, not a failure; only a path that does not exist, or no text at all, is an error.
``indexed_documents`` reads the same structure back from an index, so a model can be trained
on exactly what was indexed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SimsearchError
from .extract import zipped
from .extract import READABLE, FoundFile, Skip, printable, read_path, read_size, walk
from .segment import source_lines

# ``warn(path, reason)``: told about every file left out or read with a caveat.
Warn = Callable[[str, str], None]


@dataclass
class Document:
    """One file's sentences in order (``sentences[i]`` is the sentence with ordinal ``i``).

    ``id`` is the document's id in an index (None for text read from files). ``blocks``: each
    sentence's line where a window stays within its line (a file of one paragraph per line,
    ``store.window_blocks``; a file of one sentence per line, whose lines are unrelated: every
    window is its sentence alone, so ``pairs.ict_pairs`` makes no passage of it, as the index
    gives it no window), else None: a sentence's window (``pairs.ict_pairs``) is the index's.
    ``shape_unknown``: plain text an index holds as read before m0014, whose shape was not
    recorded (``documents.lines_are_sentences`` NULL): the index gives it no window
    (``store.windows_of``), so each sentence is a block of its own and it gives no passage either,
    until ``simsearch index`` reads it again (``Store.shape_unknown``).
    """

    path: str
    sentences: list[str] = field(default_factory=list)
    id: int | None = None
    blocks: list[int] | None = None
    shape_unknown: bool = False


def print_file_warning(path: str, reason: str) -> None:
    from .progress import print_warning

    print_warning(f"{path}: {reason}")


def documents_from_path(path: Path | str, warn: Warn | None = None, max_file_mb: float | None = None,
                        without_sentences: list[str] | None = None) -> list[Document]:
    """The documents under a file or folder, in walk order, each with its sentences in order.

    Files without a sentence are left out (their paths added to ``without_sentences`` when given),
    and so are files of a folder larger than ``max_file_mb`` (an EPUB, Word or OpenDocument file: its text
    unpacked; a notebook: its JSON without pictures; ``extract.read_size``)
    (None: ``simsearch index``'s default, ``indexer.DEFAULT_MAX_FILE_MB``), with index's note, so
    ``--unsup FOLDER`` reads what ``index FOLDER`` + ``--from-index`` would. A file named on its own
    is read whatever its size (the paper's wiki1m_for_simcse.txt is about 120 MB). Raises
    ``SimsearchError`` for a path that does not exist and for one where nothing could be read
    (with the reason when it is one file).
    """
    from .indexer import DEFAULT_MAX_FILE_MB, READ_ATTEMPTS, over_limit  # (indexer never imports this module)
    from .store import file_identity, window_blocks

    warn = warn or print_file_warning
    max_bytes = int((DEFAULT_MAX_FILE_MB if max_file_mb is None else max_file_mb) * 1024 * 1024)
    path = Path(path)
    one_file = path.is_file()
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []

    def skip(where: str, reason: str) -> None:
        skipped.append((where, reason))
        if not one_file:  # a file named on its own: the error says why, once
            warn(where, reason)

    for item in walk([path]):
        if not isinstance(item, FoundFile):
            skip(printable(item[0]), item[1])
            continue
        where = printable(item.path)
        try:
            # As index decides it (``indexer._index_file``): weighed (a zip container: its text unpacked)
            # before it is read, and the version read is the one weighed: a file replaced or written
            # in between (a book of pictures weighed, one of 2 MiB of pages at its path) is weighed again.
            for _ in range(READ_ATTEMPTS):
                stat = os.stat(item.path)
                size, weighed = read_size(item.path, stat.st_size, max_bytes) if not one_file else (stat.st_size, None)
                if size > max_bytes and not one_file:
                    break
                with open(item.path, "rb") as handle:
                    if file_identity(os.fstat(handle.fileno())) != file_identity(stat):
                        continue
                    extracted, sentences = read_path(
                        item.path, warn=lambda reason, where=where: warn(where, reason), source=handle,
                        unpacked_limit=None if one_file else zipped.budget(max_bytes),
                        read_limit=zipped.budget(max_bytes) if not one_file and stat.st_size > max_bytes else None)
                if file_identity(os.stat(item.path)) == file_identity(stat):
                    break
            else:
                skip(where, f"skipped: the file kept changing while it was read ({READ_ATTEMPTS} tries)")
                continue
            if size > max_bytes and not one_file:
                skip(where, over_limit(size, max_bytes, weighed))
                continue
        except Skip as reason:
            skip(where, f"skipped: {reason}")
            continue
        except OSError as exc:
            skip(where, f"skipped: cannot read ({exc.strerror or exc})")
            continue
        if sentences:
            documents.append(Document(str(item.path), [s.text for s in sentences],
                                      blocks=window_blocks([s.line for s in sentences],
                                                           extracted.lines_are_blocks or extracted.lines_are_sentences)))
        elif without_sentences is not None:  # (code, markup or nothing else)
            without_sentences.append(str(item.path))
    if not documents:
        raise SimsearchError(_nothing_read(path, skipped))
    return documents


def _nothing_read(path: Path, skipped: list[tuple[str, str]]) -> str:
    if path.is_file():
        why = skipped[0][1] if skipped else "no sentences found (the file is empty)"
        return f"{path}: {why}"
    left_out = f"; {len(skipped)} left out (see the warnings)" if skipped else ""
    return f"{path}: no sentences found: no text files ({READABLE}, .pdf) with text in this folder{left_out}"


def indexed_documents(store) -> list[Document]:
    """The documents an index holds, each with its sentences in ordinal order: exactly the
    text ``simsearch index`` stored (files it skipped have none and are left out).

    Documents come in the order a walk of their folders gives (each folder's entries by
    name, depth first), so an index of a folder and ``documents_from_path`` of the same
    folder list the same documents in the same order.
    """
    from .store import window_blocks

    documents: dict[int, Document] = {}
    lines: dict[int, tuple[list[int], bool | None]] = {}  # each document's sentences' lines, and its shape
    with store.snapshot():
        rows = store.conn.execute(
            "SELECT d.id, d.path, s.text, s.line, d.lines_are_blocks OR d.lines_are_sentences, "
            "d.lines_are_sentences IS NULL FROM sentences s "
            "JOIN documents d ON d.id = s.document_id WHERE d.skip_reason IS NULL ORDER BY d.id, s.ordinal"
        )
        for document_id, path, text, line, lines_are_blocks, unknown in rows:
            document = documents.get(document_id)
            if document is None:
                document = documents[document_id] = Document(path, [], document_id, shape_unknown=bool(unknown))
                lines[document_id] = ([], lines_are_blocks)
            document.sentences.append(text)
            lines[document_id][0].append(line)
    for document_id, (numbers, lines_are_blocks) in lines.items():
        document = documents[document_id]
        # (of no recorded shape: no window in the index, ``store.windows_of``, so none here)
        document.blocks = (list(range(len(numbers))) if document.shape_unknown
                           else window_blocks(numbers, lines_are_blocks))
    return sorted(documents.values(), key=lambda d: Path(d.path).parts)


def unique_sentences(documents: Iterable[Document]) -> list[str]:
    """The documents' sentences in order, exact duplicates dropped (after their first time).

    Duplicates matter in SimCSE: two copies in one batch would be each other's false negatives.
    """
    return list(dict.fromkeys(s for document in documents for s in document.sentences))


def load_sentences(path: Path | str, warn: Warn | None = None) -> list[str]:
    """Sentences of a text file or folder as ``simsearch index`` reads them, in order, each once.

    ``warn(path, reason)`` hears about each file left out (default: a line on stderr).
    """
    return unique_sentences(documents_from_path(path, warn))


def documents_sha256(documents: Iterable[Document]) -> str:
    """A hash of the sentences read and of where each document starts (not of file bytes or
    paths): two reads agree on it exactly when they give the same training text."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(b"\x00D")
        for sentence in document.sentences:
            data = sentence.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def read_text(path: Path, what: str = "a file", missing: str = "no such file") -> str:
    """A data file's text (CSV, TSV, JSONL, a query file, evaluation data) as UTF-8, a leading
    byte-order mark left out; undecodable bytes are reported with file and line. ``what`` names
    the expected file in the folder error, ``missing`` says what an absent file is."""
    try:
        kind = file_kind(os.stat(path).st_mode)
        if kind in ("a device", "a socket"):  # a device never ends (/dev/zero) or waits; a socket cannot be read
            raise SimsearchError(f"{path}: not a regular file ({kind}), expected {what}")
        raw = path.read_bytes()  # (a FIFO or a pipe, ``<(...)``, is read once, to its end, as ``cat`` reads it)
    except FileNotFoundError:
        raise SimsearchError(f"{path}: {missing}") from None
    except NotADirectoryError:  # a file where a folder of the path belongs
        blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), path.parent)
        raise SimsearchError(f"{blocker}: is a file, expected a folder holding {path.name}") from None
    except IsADirectoryError:
        raise SimsearchError(f"{path}: is a folder, expected {what}") from None
    except OSError as exc:
        raise SimsearchError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return decoded(path, raw)


def decoded(path: Path, raw: bytes) -> str:
    """``read_text``'s decoding of ``raw``, read from ``path``."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # (its offset counts from after a byte-order mark: exc.object)
        raise SimsearchError(f"{path}:{line_of_byte(exc.object, exc.start)}: not valid UTF-8 "
                             f"(byte {exc.object[exc.start]:#04x})") from None


def file_kind(mode: int) -> str:
    """What a file's ``st_mode`` says it is, in words for an error: "a regular file", "a FIFO"..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


_BYTE_LINE_END = re.compile(rb"\r\n|\r|\n")


def line_of_byte(raw: bytes, offset: int) -> int:
    """The 1-based line of ``raw[offset]``, lines ending at ``\\n``, ``\\r\\n`` or ``\\r`` only
    (as ``segment.source_lines`` and an editor count them)."""
    return len(_BYTE_LINE_END.split(raw[:offset]))


TAB = "\t"
COLUMNS = ("sent0", "sent1", "hard_neg")  # the SimCSE paper's columns of supervised data


def load_triplets(path: Path) -> list[tuple[str, ...]]:
    """(sent0, sent1[, hard_neg]) rows from CSV, TSV or JSONL, the SimCSE paper's columns.

    Every row has the same arity: 3 when a ``hard_neg`` column exists, else 2.
    Exact duplicate rows are dropped.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise SimsearchError(f"{path}: file is empty")
    if "\x00" in text:
        # Not text (the csv module keeps it in a field, and a tokenizer would see it): say where.
        raise SimsearchError(f"{path}:{line_of_char(text, text.index(chr(0)))}: a NUL byte (\\x00); "
                             f"a data file holds text only")
    json_lines = path.suffix.lower() in (".jsonl", ".json")
    if json_lines:
        records, columns = [], None
        # Lines end at \n, \r\n or \r only: json.dumps(..., ensure_ascii=False) writes U+2028 raw,
        # which str.splitlines() would break a valid line at.
        for number, line in enumerate(source_lines(text), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:  # JSONDecodeError, or a number past Python's digit limit
                raise SimsearchError(f"{path}:{number}: not a JSON object ({getattr(exc, 'msg', exc)})") from None
            if not isinstance(record, dict):
                raise SimsearchError(f"{path}:{number}: expected a JSON object per line")
            # Every line's keys: a hard_neg that only later lines hold makes the file triplets.
            columns = list(dict.fromkeys([*(columns or []), *record]))
            records.append((number, record))
    else:
        delimiter = TAB if path.suffix.lower() == ".tsv" else ","
        # newline="": the csv module sees the file's own line ends (a quoted field may hold one)
        # and no others; line_num is the line a row ends on, blank lines and quoted breaks counted.
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        # "sent0,sent1, hard_neg": the space is not part of the name (" hard_neg" trained on pairs)
        columns = reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        _check_header(path, columns, delimiter)
        records = [(reader.line_num, row) for row in reader]
    _check_names(path, columns or [])
    needed = ["sent0", "sent1"] + (["hard_neg"] if "hard_neg" in (columns or []) else [])
    missing = [c for c in ("sent0", "sent1") if c not in (columns or [])]
    if missing:
        raise SimsearchError(
            f"{path}: needs columns sent0,sent1[,hard_neg]; found: {','.join(map(str, columns or [])) or 'none'}"
        )
    rows: dict[tuple[str, ...], None] = {}
    for number, record in records:
        extra = record.get(None) if not json_lines else None  # csv's key for fields past the header's
        if extra and any(field.strip() for field in extra):
            # A comma (a tab) in a field not quoted splits it: its sentences would be trained on
            # shifted, a part of one as another, and the rest dropped.
            raise SimsearchError(f"{path}:{number}: the row has more fields than the header "
                                 f"({','.join(map(str, columns))}; a {'tab' if delimiter == TAB else 'comma'} "
                                 f"in a field not quoted?)")
        values = tuple(" ".join(_text_value(path, number, c, record.get(c)).split()) for c in needed)
        if not any(values):
            continue
        if not all(values):
            empty = [c for c, v in zip(needed, values) if not v]
            nulls = [c for c in empty if record.get(c, "") is None]
            if nulls and not json_lines:
                # csv gives None for the fields a row lacks: fewer fields than the header, as
                # after a quote left open, which swallows the lines after it into one field.
                blank = ", ".join(c for c in empty if c not in nulls)  # there, but empty
                what = (f"{f'empty {blank}; ' if blank else ''}no {', '.join(nulls)}: the row has fewer fields "
                        f"than the header ({','.join(map(str, columns))}; a quote left open?)")
            elif json_lines and any(c not in record for c in empty):
                absent = [c for c in empty if c not in record]
                what = f"no {', '.join(absent)} (line {_first_with(records, absent[0])} has one)"
            else:
                what = f"{', '.join(nulls)} is null (expected a string)" if nulls else f"empty {', '.join(empty)}"
            raise SimsearchError(f"{path}:{number}: {what}")
        rows.setdefault(values, None)
    if not rows:
        raise SimsearchError(f"{path}: no rows with {','.join(needed)}")
    return list(rows)


def _first_with(records: list[tuple[int, dict]], key: str) -> int:
    """The line of the first JSON record that has ``key``."""
    return next(number for number, record in records if key in record)


def _check_header(path: Path, columns: list[str], delimiter: str) -> None:
    """Refuse a CSV/TSV header that names a column training reads twice (the csv module would
    keep the last of them, silently), and say so when the header is split by the other
    delimiter (a TSV named .csv showed "found: sent0 sent1 hard_neg", the tabs as spaces)."""
    for name in COLUMNS:
        places = [i for i, column in enumerate(columns, start=1) if column == name]
        if len(places) > 1:
            raise SimsearchError(f"{path}:1: the header names {name} twice (columns {places[0]} and {places[1]}); "
                                 "which one holds the text?")
    other = "," if delimiter == TAB else TAB
    if len(columns) == 1 and other in columns[0] and "sent0" in columns[0]:
        kind, suffix = ("tab", ".tsv") if other == TAB else ("comma", ".csv")
        raise SimsearchError(f"{path}:1: the header is {kind}-separated: a {kind}-separated file is read as one "
                             f"when named {suffix}")


def _check_names(path: Path, columns: list) -> None:
    """Refuse a column named as one training reads in other case (``Hard_Neg``): it would be
    left out as an extra column, and its hard negatives with it, silently."""
    for column in columns:
        if isinstance(column, str) and column.lower() in COLUMNS and column not in COLUMNS:
            raise SimsearchError(f"{path}: column {column!r} is not read: the columns are named sent0, sent1 and "
                                 "hard_neg, in lower case")


_JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}


def _text_value(path: Path, number: int, column: str, value) -> str:
    """A triplet file's field as text: a string (None, JSON null or a missing key: empty). Any
    other JSON value (a number, a list, true) is refused with file, line and key, never
    trained on as its Python repr. A NUL inside a JSON string (``\\u0000``) is refused too."""
    if value is None:
        return ""
    if not isinstance(value, str):
        kind = _JSON_TYPES.get(type(value), type(value).__name__)
        raise SimsearchError(f"{path}:{number}: {column} must be a string, not {kind} ({json.dumps(value)[:40]})")
    if "\x00" in value:
        raise SimsearchError(f"{path}:{number}: {column} holds a NUL character (\\u0000); a data file holds text only")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # JSON's "\\ud800": half of a character, which no tokenizer can read
        raise SimsearchError(f"{path}:{number}: {column} holds a lone surrogate "
                             f"(\\u{ord(value[exc.start]):04x}), not text") from None
    return value


def line_of_char(text: str, offset: int) -> int:
    """The 1-based line of ``text[offset]``, lines ending at ``\\n``, ``\\r\\n`` or ``\\r`` only."""
    return len(_LINE_END.split(text[:offset]))


_LINE_END = re.compile(r"\r\n|\r|\n")


def file_sha256(path: Path) -> str:
    """A content hash of a data file's bytes (the supervised CSV/TSV/JSONL)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
