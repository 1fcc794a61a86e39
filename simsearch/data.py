"""Training data: sentences for unsupervised SimCSE, pairs or triplets for supervised."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from .errors import SimsearchError
from .segment import split_sentences

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}


def read_text(path: Path) -> str:
    """A file's text as UTF-8; undecodable bytes are reported with file and line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SimsearchError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SimsearchError(f"{path}: is a folder, expected a file") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SimsearchError(f"{path}:{line}: not valid UTF-8 (byte {raw[exc.start]:#04x})") from None


def text_files(path: Path) -> list[Path]:
    """``path`` itself, or the text/markdown files under a folder (hidden entries skipped)."""
    if path.is_file():
        return [path]
    if not path.exists():
        raise SimsearchError(f"{path}: no such file or folder")
    files = sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise SimsearchError(f"{path}: no text files ({', '.join(sorted(TEXT_SUFFIXES))}) in this folder")
    return files


def load_sentences(path: Path) -> list[str]:
    """Sentences of a text file or folder, in order; empty ones and exact duplicates dropped.

    In ``.txt`` files every line is a block of its own (SimCSE's one-sentence-per-line
    format; a line holding several sentences is split); in markdown and reStructuredText,
    wrapped lines of a paragraph are joined first. Duplicates matter: two copies in one
    batch would be each other's false negatives.
    """
    seen: dict[str, None] = {}
    for file in text_files(Path(path)):
        per_line = file.suffix.lower() in (".txt", ".text")
        for sentence in split_sentences(read_text(file), lines_are_blocks=per_line):
            seen.setdefault(sentence.text, None)
    if not seen:
        raise SimsearchError(f"{path}: no sentences found (the file is empty)")
    return list(seen)


def load_triplets(path: Path) -> list[tuple[str, ...]]:
    """(sent0, sent1[, hard_neg]) rows from CSV, TSV or JSONL, the SimCSE paper's columns.

    Every row has the same arity: 3 when a ``hard_neg`` column exists, else 2.
    Exact duplicate rows are dropped.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise SimsearchError(f"{path}: file is empty")
    if path.suffix.lower() in (".jsonl", ".json"):
        records, columns = [], None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SimsearchError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
            if not isinstance(record, dict):
                raise SimsearchError(f"{path}:{number}: expected a JSON object per line")
            columns = columns or list(record)
            records.append((number, record))
    else:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
        columns = reader.fieldnames or []
        records = [(number, row) for number, row in enumerate(reader, start=2)]
    needed = ["sent0", "sent1"] + (["hard_neg"] if "hard_neg" in (columns or []) else [])
    missing = [c for c in ("sent0", "sent1") if c not in (columns or [])]
    if missing:
        raise SimsearchError(
            f"{path}: needs columns sent0,sent1[,hard_neg]; found: {','.join(map(str, columns or [])) or 'none'}"
        )
    rows: dict[tuple[str, ...], None] = {}
    for number, record in records:
        values = tuple(" ".join(str(record.get(c) or "").split()) for c in needed)
        if not any(values):
            continue
        if not all(values):
            empty = [c for c, v in zip(needed, values) if not v]
            raise SimsearchError(f"{path}:{number}: empty {', '.join(empty)}")
        rows.setdefault(values, None)
    if not rows:
        raise SimsearchError(f"{path}: no rows with {','.join(needed)}")
    return list(rows)


def file_sha256(path: Path) -> str:
    """A content hash of a file, or of a folder's text files in order."""
    digest = hashlib.sha256()
    for file in text_files(Path(path)):
        digest.update(file.read_bytes())
    return digest.hexdigest()
