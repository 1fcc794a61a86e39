"""The index database: one SQLite file (sqlite-utils), the source of truth.

Tables: ``documents`` (path, content hash, mtime, size), ``sentences`` (document,
ordinal, text, character and line offsets), ``models`` (name, fingerprint, dimension,
pooling, HNSW parameters, and what the HNSW file beside the database reflects),
``vectors`` (one little-endian float32 BLOB per sentence and model, L2-normalised), and
``runs`` (a log of indexing runs), ``roots`` (what ``simsearch index`` keeps up to date) and
``sentences_fts`` (full-text search). The schema is built by the named migrations in
``simsearch.migrations``, so a database made by an older simsearch opens in a newer one.

Write-ahead logging lets ``search`` read while ``index`` writes. Every change to a file's
rows happens in one transaction, so a killed indexer leaves each file either fully
indexed or untouched; a reader that needs several statements to agree (ids and their
vectors) reads them inside one ``Store.snapshot()``. A full disk, a read-only database or
one that cannot be opened is a one-line ``StorageError`` naming the file, with the
transaction rolled back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import numbers
import os
import random
import re
import sqlite3
import threading
import time
import unicodedata
import urllib.parse
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import NoReturn

import numpy as np
from .lean_imports import sqlite_utils

from . import migrations
from .errors import SimsearchError
from .migrations import MIGRATIONS  # noqa: F401 (the schema's history, for callers and tests)


def default_db_path() -> Path:
    """``$SIMSEARCH_DB``, else ``$XDG_DATA_HOME/simsearch/index.db`` (``~/.local/share/...``)."""
    if os.environ.get("SIMSEARCH_DB"):
        return Path(os.environ["SIMSEARCH_DB"]).expanduser()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "simsearch" / "index.db"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# ``forget`` gives the space it freed back to the disk (``Store.reclaim``: VACUUM) when more than
# this share of the database's pages are unused. SQLite reuses free pages for what later runs
# write, but never shrinks the file: forgetting half of a 32 MiB index left a 32 MiB file with
# 16 MiB unused, until a later run filled it again.
RECLAIM_FREE_SHARE = 0.25
# The WAL a writer leaves once it starts it again from the top (after a checkpoint that no reader
# held back): SQLite keeps it at its largest otherwise, while any connection is open (a VACUUM's
# 20 MB beside an open TUI, through later index runs). About what its auto-checkpoint lets it reach.
WAL_KEEP_BYTES = 4 * 1024 * 1024

# Words of a query searched lexically (the rest are ignored): FTS5 limits an expression's depth.
FTS_MAX_WORDS = 64
# Queries of at most this many words rank the sentences holding their punctuated words as
# written first (``Store.lexical_ranked``).
WRITTEN_FIRST_MAX_WORDS = 1


def query_words(text: str) -> list[str]:
    """The words of ``text`` that lexical search looks for, in order: whitespace-separated
    (NUL is a space), the first of several that the full-text tokenizer reads as the same
    tokens (``Garden``/``garden``/``gardens``), at most :data:`FTS_MAX_WORDS`. Words are
    compared by the tokenizer's own tokens, not by Python's case folding: ``casefold()`` makes
    ``Straße`` and ``STRASSE`` one word where FTS5 keeps two, and the second was never searched."""
    return [word for word, _ in _words_and_tokens(text)]


def searched_word_count(text: str) -> int:
    """How many words lexical search looks for in ``text`` (:func:`query_words` that hold any
    token): ``config.json ?`` and ``config.json config.json`` are one word, like ``config.json``.
    The one rule for what a one-word query is: ``search.fusion_weights``, ``search.hybrid_order``
    and :meth:`Store.lexical_ranked` (:data:`WRITTEN_FIRST_MAX_WORDS`) all count with it."""
    return sum(1 for _, key in _words_and_tokens(text) if key)


@functools.lru_cache(maxsize=256)  # a hybrid search counts one query's words several times
def _words_and_tokens(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    words = text.replace("\x00", " ").split()
    unique: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
    for word, key in zip(words, fts_tokens(words)):
        unique.setdefault(key or (word,), (word, key))  # no tokens: a phrase that matches nothing, kept as it is
    return tuple(unique.values())[:FTS_MAX_WORDS]


_TOKENIZER = threading.local()


def fts_tokens(words: list[str]) -> list[tuple[str, ...]]:
    """Each word's tokens as the index's tokenizer (``migrations.FTS_TOKENIZE``) reads them:
    folded, without diacritics, stemmed, in order (read from an FTS5 table in memory, so they
    are the tokenizer's, whatever SQLite's Unicode tables say)."""
    if not words:
        return []
    conn = getattr(_TOKENIZER, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(f"CREATE VIRTUAL TABLE words USING fts5(word, tokenize=\"{migrations.FTS_TOKENIZE}\")")
        conn.execute("CREATE VIRTUAL TABLE word_tokens USING fts5vocab(words, 'instance')")
        _TOKENIZER.conn = conn
    conn.execute("BEGIN")
    try:
        conn.executemany("INSERT INTO words (rowid, word) VALUES (?, ?)", enumerate(words, 1))
        tokens: dict[int, list[str]] = {}
        for rowid, term in conn.execute("SELECT doc, term FROM word_tokens ORDER BY doc, offset"):
            tokens.setdefault(rowid, []).append(term)
    finally:
        conn.execute("ROLLBACK")
    return [tuple(tokens.get(rowid, ())) for rowid in range(1, len(words) + 1)]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for arbitrary user text: each word (:func:`query_words`) is a
    quoted FTS5 string, joined with OR and ranked by BM25. A quoted string is a phrase of the
    tokens the tokenizer finds in the word, so ``os.path.join`` matches ``os path join`` in a
    row in sequence, whatever separates them there (``os/path/join`` too): punctuation is not
    searched here, :func:`written_forms` and ``Store.lexical_ranked`` rank the sentences that
    hold such a word as written first. User text is never FTS5 syntax: quotes are doubled, NUL
    is a space (it would end the string), and a word without token characters is a phrase that
    matches nothing. None: no words."""
    words = query_words(text)
    if not words:
        return None
    return " OR ".join(_phrase(word) for word in words)


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


# --- scripts written without spaces between words -------------------------------------------
# FTS5's unicode61 tokenizer splits words at spaces and punctuation, so a run of Chinese or
# Japanese (or Thai, Lao, Khmer, Myanmar) text is one token, and a query word matched only a
# whole run ("寺" found nothing in "京都には古い寺がたくさんあります。"). Such runs are also indexed
# in ``sentences_cjk`` (m0017) as their characters and pairs of neighbouring characters
# (Lucene's CJK bigrams); a query's runs are looked up by their pairs (a one-character run by
# itself). Korean writes spaces, but between words with their particles attached ("도서관에서"):
# Hangul is read the same way.
_SPACELESS = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
    "\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
    "\u3005-\u3007\uff66-\uff9f\U00020000-\U0003134f]+")


def _spaceless_runs(text: str) -> list[list[str]]:
    """The runs of ``text`` in a script written without spaces, each as its characters (NFKC:
    half-width katakana as full-width; a combining mark kept with the letter before it; a
    punctuation mark or symbol inside the range, such as ・, ends the run)."""
    runs = []
    for match in _SPACELESS.finditer(unicodedata.normalize("NFKC", text)):
        run: list[str] = []
        for char in match.group():
            kind = unicodedata.category(char)[0]
            if kind == "M" and run:
                run[-1] += char
            elif kind in "LN":
                run.append(char)
            elif run:  # a break inside the range
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def spaceless_grams(text: str) -> str:
    """What ``sentences_cjk`` holds for a sentence: each character of its spaceless runs and each
    pair of neighbouring ones, separated by spaces ("" when it has none)."""
    grams = []
    for run in _spaceless_runs(text):
        grams.extend(run)
        grams.extend(a + b for a, b in zip(run, run[1:]))
    return " ".join(grams)


def spaceless_query(text: str) -> str | None:
    """An FTS5 MATCH expression over ``sentences_cjk`` for the spaceless runs of a query: each
    run's pairs of neighbouring characters (a one-character run: the character), each once, at
    most :data:`FTS_MAX_WORDS`, joined with OR; None when the query has no such run."""
    grams: dict[str, None] = {}
    for run in _spaceless_runs(text.replace("\x00", " ")):
        for gram in ([a + b for a, b in zip(run, run[1:])] if len(run) > 1 else run):
            grams.setdefault(gram)
    if not grams:
        return None
    return " OR ".join(_phrase(gram) for gram in list(grams)[:FTS_MAX_WORDS])


# Punctuation around a word that belongs to the sentence, not to the word ("(see config.json).",
# "os.path.join()?"), and markup pasted with it (`settings.json`, ``manage.py``, «x.json»): stripped
# before the word is looked for as written. Backticks are stripped on either side alone (the
# extractor drops them from Markdown and reST, so no indexed sentence holds them around a word);
# ``*`` and ``<``/``>`` only as a pair around the word (``*args``, ``char*`` and ``vector<int>``
# keep theirs), see :data:`_WRAPPERS`.
_LEADING = "\"'([{`\u2018\u201c\u00ab\u2039"
_TRAILING = ".,;:!?\"')]}(`\u2019\u201d\u00bb\u203a"
_WRAPPERS = (("**", "**"), ("*", "*"), ("~~", "~~"), ("<", ">"), ("_", "_"))
# A word longer than this is never looked for as written: it is no identifier, and its FTS5
# phrase (thousands of tokens for "a-a-a-...") would run a second time for nothing.
WRITTEN_MAX_CHARS = 200
# Apostrophes that are one character as written: "Django’s" is "Django's".
_APOSTROPHES = "'\u2019"


def _unwrap(word: str) -> str:
    """``word`` without the sentence's punctuation and the markup around it, as long as any is left."""
    while True:
        before = word
        word = word.lstrip(_LEADING).rstrip(_TRAILING)
        for opening, closing in _WRAPPERS:
            if len(word) > len(opening) + len(closing) and word.startswith(opening) and word.endswith(closing):
                if opening == "_" and (word[1] == "_" or word[-2] == "_"):
                    continue  # ``__init__`` is a name, not Markdown's _emphasis_
                word = word[len(opening):-len(closing)]
        if word == before:
            return word


def written_forms(text: str) -> list[str]:
    """The words of a query that lexical search also looks for *as written*: those that hold a
    character the tokenizer does not index (``--batch-size``, ``config.json``, ``std::vector``,
    ``utf-8``, ``os.path.join()``, ``C++``), without the sentence's punctuation and markup around
    them (a final ``.``, ``()``, quotes, brackets, backticks, guillemets, a ``*..*``, ``~~..~~``, ``_.._`` or ``<..>``
    pair), each once (case-insensitively), each with at least one letter or digit and at most
    :data:`WRITTEN_MAX_CHARS` characters. A plain word (``ValueError``, ``SIMSEARCH_DB``) is not
    one: its tokens are the word."""
    forms: dict[str, str] = {}
    for word in text.replace("\x00", " ").split():
        word = _unwrap(word)
        if len(word) <= WRITTEN_MAX_CHARS and re.search(r"\w", word) and re.search(r"[^\w]", word):
            forms.setdefault(re.sub(f"[{_APOSTROPHES}]", "'", word.casefold()), word)
    return list(forms.values())[:FTS_MAX_WORDS]


def _plain_identifier(word: str) -> bool:
    """Whether ``word``, without punctuation, reads as a name in code rather than a word of prose:
    a capital after its first letter (``TimeStamper``, ``ValueError``), an underscore or a digit."""
    return bool(re.fullmatch(r"\w+", word) and re.search(r"\w[A-Z]|_|\d", word))


def written_pattern(form: str) -> re.Pattern:
    """Where ``form`` occurs as written in a case-folded text: case-insensitively, ``'`` and
    ``’`` alike, and not as the end or the start of a longer word:

    - before it, no word character (letter, digit, ``_``): ``config.json`` is not in
      ``myconfig.json``, ``-k`` not in ``top-k``, ``/bin/sh`` not in ``/usr/bin/sh``, ``@x`` not
      in ``a@x``; a form that starts with ``-`` (an option) has no ``-`` before it either (``-k``
      is not in ``--k``); a form that starts with ``.`` (an extension, an attribute) may follow
      anything: ``.json`` is in ``config.json``, ``.filter()`` in ``objects.filter()``;
    - after it, no word character when it ends with one (``utf-8`` is not in ``utf-80``)."""
    folded = form.casefold()
    if folded.startswith("."):
        before = ""
    elif folded.startswith("-"):
        before = r"(?<![\w-])"
    else:
        before = r"(?<!\w)"
    body = "".join(f"[{_APOSTROPHES}]" if char in _APOSTROPHES else re.escape(char) for char in folded)
    return re.compile(before + body + (r"(?!\w)" if re.search(r"\w$", folded) else ""))


# Every sentence with exactly the text ?2, found through the index on its first 48 characters
# (m0005's ``sentences_text_prefix``). ``+s.text``, not ``s.text``: given ``s.text = ?``, SQLite's
# constant propagation rewrites ``substr(s.text, 1, 48)`` into ``substr(?, 1, 48)``, which no
# longer names the column, so the index went unused and every hit scanned all sentences (~15 ms
# a hit at 100k). The unary plus makes the equality no column's, so nothing is propagated; the
# comparison is the same (TEXT against a bound str, BINARY collation either way).
COPIES_SQL = ("SELECT s.id, d.path, s.line FROM sentences s JOIN documents d ON d.id = s.document_id "
              "WHERE substr(s.text, 1, 48) = substr(?, 1, 48) AND +s.text = ?")
# A model's vector for a sentence of exactly the text ?2, for ``Store.held_vector``: the sentences
# through m0014's ``sentences_text_context`` index, then each one's vector by primary key (CROSS JOIN: in
# this order, never all of the model's vectors through ``vectors_model``).
HELD_VECTOR_SQL = ("SELECT v.embedding FROM sentences s CROSS JOIN vectors v ON v.sentence_id = s.id AND v.model_id = ?1 "
                   "WHERE s.text = ?2 AND s.context IS ?3 LIMIT 1")
# The same for a sentence of the text ?2 in any context.
HELD_TEXT_SQL = HELD_VECTOR_SQL.replace(" AND s.context IS ?3", "")
# Both in one query: the vector in context ?3, else a row of NULL when a copy of the text in another
# context has one, else no row. The LIMIT ends the query at the first row, so the second look-up
# (through the same index) runs only when the first found nothing, and reads no embedding.
HELD_VECTOR_OR_TEXT_SQL = (f"{HELD_VECTOR_SQL.removesuffix(' LIMIT 1')} UNION ALL "
                           f"{HELD_TEXT_SQL.replace('SELECT v.embedding', 'SELECT NULL')}")
# The setting (m0014, ``Store.context_window``): how many sentences either side of a sentence its
# vector also embeds (0: the sentence alone; 1, the default for a new index: ``normalize(enc(sentence) +
# enc(window))``).
CONTEXT_WINDOW_KEY = "context_window"
CONTEXT_WINDOWS = (0, 1)
# Counts the times every vector was made again under the same sentence ids with the same models
# (``Store.set_context_window``): a reader's vectors in memory, matched to the index by id
# (``ann.VectorIndex.refresh``), are then of another kind, and are read again.
VECTORS_EPOCH_KEY = "vectors_epoch"
# How many vectors m0016 dropped (context vectors made before they embedded the file's name), until
# a run has made every model's vectors again: ``index`` and search say why they are missing.
NAMES_UPGRADE_KEY = "names_upgrade_dropped"
NAMES_UPGRADE_NOTE = ("this version's context vectors embed each file's name too, and opening the index dropped "
                      "the vectors made without it")


def check_context_window(window: int) -> None:
    """Refuse a context window other than those of :data:`CONTEXT_WINDOWS` (``index --vector-context``):
    an integer (``True``, ``1.0`` and ``0.0`` equal one of them, and were recorded as "True" or
    "1.0", which no later command could read)."""
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window not in CONTEXT_WINDOWS:
        raise SimsearchError(f"--vector-context {window}: must be one of {', '.join(map(str, CONTEXT_WINDOWS))}")


def sentence_window(texts: list[str], n: int, window: int, blocks: list | None = None) -> str:
    """The window of sentence ``n`` among its document's sentences ``texts`` (in order, or a run
    of them reaching ``window`` either side of it): the sentences from ``window`` before it to
    ``window`` after it, itself included, joined by single spaces (fewer at the document's ends),
    as ``pairs.ict_pairs`` joins a passage. With ``blocks`` (each sentence's block: its line in a
    file of one paragraph per line), only those of its own block.

    The one rule every window is built by, when a document is written (``contexts_of``: the key
    in ``sentences.context``) and when it is embedded (``Store.missing_vectors``), so that a
    vector's key and the window it embeds cannot disagree."""
    return " ".join(texts[k] for k in window_positions(len(texts), n, window, blocks))


def window_positions(count: int, n: int, window: int, blocks: list | None = None) -> list[int]:
    """The positions of sentence ``n``'s window among ``count`` sentences, as ``sentence_window``
    takes them: from ``window`` before it to ``window`` after it, itself included, only those
    of its own block with ``blocks``. Training's passages and held-out questions
    (``pairs.ict_pairs``) are made by this rule too, with the blocks ``window_blocks`` gives."""
    return [k for k in range(max(0, n - window), min(count, n + window + 1)) if blocks is None or blocks[k] == blocks[n]]


def window_blocks(lines: list[int], lines_are_blocks: bool | None) -> list[int] | None:
    """The blocks a document's windows keep within: its sentences' lines in a document of one
    paragraph per line (``documents.lines_are_blocks``), else None (across the document, and
    where the shape is not recorded: read before m0015)."""
    return list(lines) if lines_are_blocks else None


def window_texts(texts: list[str], window: int, blocks: list | None = None) -> list[str]:
    """Each sentence's window among a document's sentences ``texts`` (``sentence_window``)."""
    return [sentence_window(texts, n, window, blocks) for n in range(len(texts))]


# A file named so is named by its folder (``docs/install/index.rst`` is "install").
FOLDER_NAMED_STEMS = ("index", "readme")
# With context vectors, the weight of the document's name (``document_name``) in each sentence's
# vector, ``normalize(s + w + NAME_WEIGHT * t)``: 0.5 measured better than 0 and 1 on three heading
# benchmarks and five sets of questions written by hand (docs/retrieval.md, "The document's name";
# benchmarks/try_document_names.py). The inverse cloze recipe's passages carry their document's
# name at the same weight (``loss.with_names``).
NAME_WEIGHT = 0.5


def document_name(path: str) -> str | None:
    """The words of a document's name, which context vectors embed beside each sentence's window
    (m0016): the file's stem, its ``-``, ``_`` and ``.`` read as spaces (``git-reset.txt``: "git
    reset"), a file named ``index`` or ``README`` taking its folder's name. None for a name without
    a letter (``2024-05-01.md``, ``0042.txt``): it says nothing of the text. From the path alone,
    so a file keeps its name's vector wherever it is indexed from, and a renamed file gets its new one."""
    pure = PurePath(path)
    stem = pure.stem
    if stem.lower() in FOLDER_NAMED_STEMS and pure.parent.name:
        stem = pure.parent.name
    words = " ".join(re.sub(r"[-_.]+", " ", stem).split())
    return words if any(char.isalpha() for char in words) else None


def context_key(window_text: str, name: str | None = None) -> str:
    """What ``sentences.context`` holds for a window: the sha256 of its text, after its
    document's name when it has one (``document_name``); the window itself is read from the
    neighbours when it is embedded, ``Store.missing_vectors``."""
    import hashlib

    keyed = window_text if name is None else f"{name}\x00{window_text}"
    return hashlib.sha256(keyed.encode("utf-8", "surrogatepass")).hexdigest()


def windows_of(texts: list[str], lines: list[int], window: int, lines_are_sentences: bool | None,
               lines_are_blocks: bool | None) -> list[str | None]:
    """Each of a document's sentences' window as the index embeds it (``texts`` and ``lines``: the
    sentences' texts and lines, in order): None with no window (``window`` 0) or in a document of
    one sentence per line (or of that shape not recorded, ``lines_are_sentences`` None: read
    before m0014); within its line in a document of one paragraph per line (``lines_are_blocks``:
    a file of reviews or notes, one per line, whose neighbouring lines are unrelated); across its
    document otherwise, and where ``lines_are_blocks`` is None (read before m0015: such windows
    were embedded then, and are kept until the file is read again, see ``Store.shape_unknown``)."""
    if window == 0 or lines_are_sentences is None or lines_are_sentences:
        return [None] * len(texts)
    return window_texts(texts, window, window_blocks(lines, lines_are_blocks))


def contexts_of(texts: list[str], lines: list[int], window: int, lines_are_sentences: bool | None,
                lines_are_blocks: bool | None, path: str) -> list[str | None]:
    """``sentences.context`` for the sentences of the document at ``path``: each window's key
    with the document's name (``windows_of``, ``document_name``), None without a window."""
    name = document_name(path)
    return [None if text is None else context_key(text, name)
            for text in windows_of(texts, lines, window, lines_are_sentences, lines_are_blocks)]


def rewrite_contexts(conn: sqlite3.Connection, window: int) -> list[int]:
    """Give every sentence of the index the context ``contexts_of`` gives it now at ``window``
    (``Store.set_context_window``; m0016, where the document's name joined the key). Returns the
    ids of the sentences whose context changed."""
    changed = []
    documents = conn.execute("SELECT id, path, lines_are_sentences, lines_are_blocks FROM documents "
                             "WHERE skip_reason IS NULL").fetchall()
    for document_id, path, lines_are_sentences, lines_are_blocks in documents:
        rows = conn.execute("SELECT id, text, line, context FROM sentences WHERE document_id = ? ORDER BY ordinal",
                            (document_id,)).fetchall()
        contexts = contexts_of([row[1] for row in rows], [row[2] for row in rows], window,
                               None if lines_are_sentences is None else bool(lines_are_sentences),
                               None if lines_are_blocks is None else bool(lines_are_blocks), path)
        moved = [(context, row[0]) for row, context in zip(rows, contexts) if context != row[3]]
        conn.executemany("UPDATE sentences SET context = ? WHERE id = ?", moved)
        changed += [sentence_id for _, sentence_id in moved]
    return changed


# A model's vector ids, for ``Store.vector_ids``.
VECTOR_IDS_SQL = "SELECT group_concat(sentence_id, ' ') FROM vectors WHERE +model_id = ?"

# How long opening keeps retrying a database that another process is creating or migrating.
OPEN_RETRY_SECONDS = 30.0

HNSW_DEFAULTS = {"hnsw_space": "cosine", "hnsw_m": 16, "hnsw_ef_construction": 200, "hnsw_ef": 128}


@dataclass(frozen=True)
class ModelRow:
    id: int
    name: str
    path: str
    fingerprint: str
    dim: int
    pooler: str
    added_at: str
    hnsw_space: str
    hnsw_m: int
    hnsw_ef_construction: int
    hnsw_ef: int
    generation: int
    ann_generation: int | None
    ann_file_size: int | None
    ann_file_mtime_ns: int | None
    ann_checksum: str | None = None
    precision: str = "fp32"  # what every one of the model's vectors was made at


def query_precision(model: ModelRow, requested: str | None = None, db: str | Path | None = None) -> str:
    """The precision to encode queries against ``model``'s vectors: the one they were made at.

    ``requested`` is the user's ``--precision``: ``auto`` (or None) means the recorded one; any
    other value must be the recorded one, since a query made at another precision than the
    vectors is not what they were measured with. (``db``: the index, named in the remedy.)"""
    from .models import index_command_line

    requested = getattr(requested, "value", requested)
    if requested in (None, "auto") or requested == model.precision:
        return model.precision
    raise SimsearchError(
        f"--precision {requested}: model {model.name!r} was indexed at {model.precision}; search it at "
        f"{model.precision} (drop --precision) or re-embed it at {requested}: "
        f"{index_command_line(model.name, db, '--precision', requested)}"
    )


@dataclass(frozen=True)
class DocumentRow:
    id: int
    path: str
    hash: str
    mtime_ns: int
    size: int
    skip_reason: str | None = None
    inode: int | None = None  # st_ino when last read (None: indexed before it was recorded)
    ctime_ns: int | None = None  # st_ctime_ns when last read
    skip_kind: str | None = None  # what a skip depends on: "limit", "support" or "content" (m0008)
    indexed_at: str | None = None  # when the file was last read (``now()``: UTC, whole seconds)
    # What the file (of this stat) weighs against --max-file-mb (a PDF, notebook or zip container):
    # (bytes, what it is where not its size, the limit in bytes it was weighed against) (m0018; None:
    # not recorded)
    weighed: tuple[int, str | None, int] | None = None


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.empty((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim)


class StorageError(SimsearchError):
    """The database or a file beside it cannot be written (disk full, read-only) or opened;
    ``reason``: what is wrong, without the path or what became of the write ("the disk is full")."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


# SQLite's messages for an environment problem (not a bug, not a corrupt file), and what to say.
_STORAGE_MESSAGES = {
    "database or disk is full": "the disk is full; nothing was written (free some space and run again)",
    "attempt to write a readonly database": "the database is read-only; nothing was written",
    "unable to open database file": "cannot open the database (is its folder there and writable?)",
    "database is locked": "the database stayed locked by another process for 30 s; try again",
}


def storage_error(exc: BaseException, path: Path | str) -> StorageError | None:
    """A one-line ``StorageError`` for a full disk, a read-only or unopenable file; else None."""
    if isinstance(exc, sqlite3.OperationalError):
        for marker, message in _STORAGE_MESSAGES.items():
            if marker in str(exc):
                return StorageError(f"{path}: {message}", message.split(";")[0])
    elif isinstance(exc, OSError):
        reason = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
                  errno.EACCES: "permission denied", errno.EDQUOT: "disk quota exceeded"}.get(exc.errno)
        reason = reason or exc.strerror or str(exc)
        return StorageError(f"{path}: {reason}; nothing was written", reason)
    return None


# The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


# POSIX record locks belong to a process and a file, not to a descriptor: closing *any* descriptor
# of the database file drops every lock this process holds on it, SQLite's included. A writer in
# another process that then finds itself alone deletes the WAL file that this process's
# connections still read, and they stop seeing its changes (a TUI, which opens the index once per
# pane, stopped seeing `simsearch index` runs made beside it). So the header check, which opens
# and closes the file, runs only while no connection of this process is open on that file: one
# that is was checked when it was opened, and SQLite is reading it. Connections are counted by
# the file's identity from just before they are made until ``Store.close``.
_OPEN_FILES: dict[tuple[int, int], int] = {}
_OPEN_FILES_LOCK = threading.Lock()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _claim(path: Path, *, check: bool = True) -> tuple[int, int] | None:
    """Count a connection about to be opened on ``path``'s file, checking the file first
    (``_check_database_file``) when no connection of this process is open on it; returns what
    ``_release`` takes back."""
    with _OPEN_FILES_LOCK:
        identity = _identity(path)
        if check and not _OPEN_FILES.get(identity):
            _check_database_file(path)
            identity = _identity(path)  # (replaced meanwhile: the file just checked)
        if identity is not None:
            _OPEN_FILES[identity] = _OPEN_FILES.get(identity, 0) + 1
        return identity


def _release(identity: tuple[int, int] | None) -> None:
    if identity is None:
        return
    with _OPEN_FILES_LOCK:
        left = _OPEN_FILES.get(identity, 0) - 1
        if left > 0:
            _OPEN_FILES[identity] = left
        else:
            _OPEN_FILES.pop(identity, None)


def _check_database_file(path: Path) -> None:
    """Refuse, before SQLite opens it (SQLite takes an empty file for a new database and would
    write a schema into it), a file at ``path`` that cannot be a simsearch index: an empty
    file or one that is not SQLite. Only reads its first bytes."""
    try:
        with open(path, "rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise storage_error(exc, path) from None
    if not head:
        raise SimsearchError(f"{path} is an empty file, not a simsearch index (left as it is: "
                             f"give --db a new file's name, or remove this one)")
    if head != SQLITE_HEADER:
        raise SimsearchError(f"{path} is not a simsearch index (not an SQLite database)")


class _Connection(sqlite3.Connection):
    """A connection whose environment errors (disk full, read-only, ...) are ``StorageError``s."""

    db_path: str = ""

    def execute(self, *args, **kwargs):
        try:
            return super().execute(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            raise (storage_error(exc, self.db_path) or exc) from None

    def executemany(self, *args, **kwargs):
        try:
            return super().executemany(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            raise (storage_error(exc, self.db_path) or exc) from None


def _writable(path: Path) -> bool:
    """Whether this process may write the database file and create files beside it (SQLite's
    ``-wal`` and ``-shm``): the file and its folder are writable, on a file system mounted read-write."""
    real = Path(os.path.realpath(path))
    return _file_writable(real) and os.access(real.parent, os.W_OK | os.X_OK)


def _file_writable(path: Path | str) -> bool:
    """Whether the database file may be written: ``os.access`` says so, and its mode has a write
    bit. An index made read-only (``chmod 444``) is one its owner asked not to be changed; root,
    whom ``os.access`` never refuses, honours that too (was: written by any command run as root)."""
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return False
    return os.access(real, os.W_OK) and bool(mode & 0o222)  # (a write bit: owner, group or others)


def _give_shm_write_bits(path: Path) -> None:
    """A ``-shm`` beside a database this process opens to write, that a read-only open left with
    no write bit: given the database file's write bits, as SQLite makes a new one. A reader of a
    read-only index with a ``-wal`` (``_open_readonly``) makes it with the file's mode of then
    (``chmod 444``); after ``chmod u+w`` SQLite would open the index read-only through it, and every
    write say "read-only" of a writable file. Changed by its owner only (root writes any -shm as it is)."""
    import stat

    real = os.path.realpath(path)
    shm = f"{real}-shm"
    with contextlib.suppress(OSError):
        info = os.lstat(shm)  # (a link there is not followed: what it names is not SQLite's)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & stat.S_IWUSR:
            os.chmod(shm, stat.S_IMODE(info.st_mode) | os.stat(real).st_mode & 0o222)


def run_files(run: dict) -> tuple[int, int, int]:
    """A run's files as the ``index`` summary counts them: (new or changed, removed, read again
    only by a newer extractor). Its ``files_changed`` holds all three; a run from before
    migration 0013 has no count of the third (NULL: 0, those files among the first)."""
    removed, again = run.get("files_removed") or 0, run.get("files_reextracted") or 0
    return (run.get("files_changed") or 0) - removed - again, removed, again


def file_identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    """What tells one version of a file from another without reading it: size and mtime, which
    ``cp -p``, ``rsync -t`` or ``unzip`` carry over to a new file, and inode and ctime, which they
    cannot (no user can set ctime; every write or rename moves it). A document row records it."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns


STAGING_PREFIX = ".simsearch-new-"
_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"([0-9]{1,10})-[0-9a-f]{8}\.db(?:-wal|-shm|-journal)?")
STAGING_GRACE_SECONDS = 60.0


def process_alive(pid: int) -> bool:
    """Whether a process of this number exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):  # none, or no process number at all
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


# How much later than a time a process's start must be to be after it: /proc/stat's boot time is
# whole seconds (a start time is counted in clock ticks from it), a FAT folder's times are even
# seconds, and a network folder's are its server's clock.
START_SLACK_SECONDS = 5.0


def process_started_after(pid: int, when: float) -> bool:
    """Whether the process of this number started after ``when`` (seconds since the epoch), from
    Linux's /proc; False where that cannot be told (no /proc, no such process). A process that
    wrote its number in a lock file had started before it wrote it: one started after is another
    process, given the number of one that died since (after a reboot; in a container, where each
    run starts at the same number)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()  # (after the command's name, which may hold spaces)
        with open("/proc/stat", "rb") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith(b"btime "))
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return started > when + START_SLACK_SECONDS


def writer_alive(store: "Store") -> bool:
    """Whether the process that last took the writer lock is still running (read-only: the
    lock file's recorded process id, never a lock taken, which could make an `index` starting
    in that instant fail). A run killed (SIGKILL, a power cut) leaves its number there: a process
    of that number that started after the number was written (``process_started_after``) is
    another one, given the number since."""
    real = store.real_path
    try:
        with open(real.with_name(real.name + ".lock"), "rb") as handle:
            text = handle.read().decode(errors="replace").strip()
            written = os.fstat(handle.fileno()).st_mtime
    except OSError:
        return False
    return (text.isascii() and text.isdigit() and process_alive(int(text))
            and not process_started_after(int(text), written))


def remove_dead_staging(folder: Path) -> list[Path]:
    """Remove the hidden databases that ``Store._create`` left in ``folder`` when it was
    killed (SIGKILL, a power cut) before it could clean up: files named as only it names
    them, whose process is gone and which nothing touched for a minute (a process of the
    same number on another machine sharing the folder is still building its own). Returns
    what was removed; anything it cannot remove is left as it is."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _STAGING_NAME.fullmatch(entry.name)
        if match is None or process_alive(int(match.group(1))):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or now - entry.stat(follow_symlinks=False).st_mtime < STAGING_GRACE_SECONDS:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _abandon_open(conn: sqlite3.Connection | None, claimed: tuple[int, int] | None, path: Path,
                  exc: BaseException) -> NoReturn:
    """Raise what an open that failed raises, its connection closed and only then its count taken
    back (``_claim``): a user's error as it is, SQLite's said as a storage problem or as a file
    that is not a simsearch index, anything else (Ctrl-C) as it came."""
    if conn is not None:
        conn.close()
    _release(claimed)
    if isinstance(exc, SimsearchError) or not isinstance(exc, sqlite3.DatabaseError):
        raise exc
    raise (storage_error(exc, path) or SimsearchError(f"{path} is not a simsearch index ({exc})")) from None


def _file_state(path: Path) -> tuple:
    """What changes when a writer touches an index: its file's identity, size and time, and
    whether a WAL file stands beside it."""
    try:
        stat = os.stat(path)
        state: tuple = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except OSError:
        state = ()
    return state + (os.path.exists(f"{path}-wal"),)


def no_index_message(path: Path) -> str:
    """The error for a command that reads an index where there is none: the command that builds
    it, with the ``--db`` given (without it, the advice built the default index instead)."""
    from .models import command_line

    default = os.path.abspath(Path(path).expanduser()) == os.path.abspath(default_db_path())
    return (f"no index at {path}: build one with `{command_line('index', 'FOLDER', db=path)}`"
            + (" (or pass --db)" if default else ""))


class Store:
    """The index database. ``Store.open(path)`` creates or migrates it."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        if isinstance(conn, _Connection):
            conn.db_path = str(path)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self._immutable: tuple | None = None  # read as immutable: the file as it was then (``snapshot``)
        self._releasing = False  # see ``holding_released_vectors``
        # (model id, text, context), or (model id, text) in any context, with no vector this run
        self._unheld: set[tuple[int, str, str | None] | tuple[int, str]] = set()
        self._released: weakref.finalize | None = None  # takes the connection's count back (``_hold``)
        self._file: tuple[int, int] | None = None  # (device, inode) of the file the connection is on
        self._columns: dict[tuple[str, str], bool] = {}  # (table, column) -> present (``_has_column``)
        self.reclaim_held = False  # the last ``reclaim``'s space was held back by a reader

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True, readonly: bool = False) -> "Store":
        """Open the index at ``path`` (default: ``default_db_path()``), migrating it if it is older.

        ``create=False`` (every command that only reads, or changes an index that must exist):
        no index there is an error. Either way a file that is not a simsearch index is refused
        before anything is written to it or beside it: an empty file (simsearch never leaves
        one: a new index is built aside and appears complete, see ``_create``), a file that is
        not SQLite, an SQLite database of another program, or one without any table.

        ``readonly`` (commands that only read: search, status, eval retrieval): an index this user
        cannot write (a read-only file or folder, a read-only mount) is opened read-only instead of
        refused (see ``_open_readonly``); one it can write opens as for any command, so that SQLite
        removes its WAL files on close as usual. A file this user cannot write is opened so by
        every command (its first write is then the one-line read-only error): SQLite would open it
        read-only anyway and leave a ``-wal`` and ``-shm`` beside it with the file's mode, and a
        ``-shm`` it cannot write keeps the index read-only after ``chmod u+w``."""
        path = Path(path) if path is not None else default_db_path()
        if path.exists() and not path.is_dir() and not (
                _writable(path) if readonly else _file_writable(path)):
            return cls._open_readonly(path)
        if not path.exists():
            if not create:
                raise SimsearchError(no_index_message(path))
            # A symlink to a file not made yet: the index is made where it points (as SQLite would).
            target = Path(os.path.realpath(path)) if path.is_symlink() else path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise storage_error(exc, target.parent) from None
            # False from _create (no hard links): SQLite makes the file below, as it opens it.
            made_in_place = not cls._create(target) and not target.exists()
        elif path.is_dir():
            raise SimsearchError(f"--db {path} is a folder, not a database file")
        else:
            made_in_place = False
            _give_shm_write_bits(path)
        claimed = None if made_in_place else _claim(path)
        conn = None
        deadline = time.monotonic() + OPEN_RETRY_SECONDS
        try:
            while True:
                # isolation_level=None: transactions are explicit (``Store.transaction``), never implicit.
                conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False,
                                       factory=_Connection)
                conn.db_path = str(path)
                if claimed is None:  # made in place: the file SQLite just made is this connection's from now on
                    claimed = _claim(path, check=False)
                try:
                    conn.execute("PRAGMA busy_timeout=30000")
                    store = cls(path, conn)
                    store._check_schema()  # before any write: another program's database is left as it is
                    if not made_in_place and not store.db.table_names():
                        # Not one simsearch made (it never shows a database without its schema):
                        # the user's, or another program's about to be filled. Left as it is.
                        raise SimsearchError(f"{path} is an SQLite database without any table, not a simsearch index")
                    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        conn.execute("PRAGMA journal_mode=WAL")  # persistent: set once, by the first opener
                    conn.execute("PRAGMA synchronous=NORMAL")
                    conn.execute(f"PRAGMA journal_size_limit={WAL_KEEP_BYTES}")
                    store.migrate()
                    break
                except (sqlite3.OperationalError, StorageError) as exc:
                    # SQLite answers "locked" at once, without its busy handler, where waiting
                    # could deadlock: switching a new file to WAL, or a reader's lock upgraded
                    # while another process creates the schema. Those are retried from the top.
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    conn.close()
                    conn = None
                    time.sleep(0.05 + random.random() * 0.1)
        except BaseException as exc:
            _abandon_open(conn, claimed, path, exc)
        store._hold(claimed)
        return store

    @classmethod
    def _open_readonly(cls, path: Path) -> "Store":
        """Open an index that cannot be written here, for reading only (``mode=ro``).

        SQLite reads a WAL database only with a shared-memory file beside it, which it cannot
        create in a read-only folder, and which it would leave behind (with an empty ``-wal``)
        beside a read-only file. With no ``-wal`` file (no writer has the index open, none was
        killed mid-write) the file is read as immutable: no lock and no file beside it. A
        migration that the index still needs is refused (it writes), never attempted."""
        claimed = _claim(path)
        immutable = not Path(f"{path}-wal").exists()
        uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro" + ("&immutable=1" if immutable else "")
        conn = None
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30.0, check_same_thread=False,
                                   factory=_Connection)
            conn.db_path = str(path)
            store = cls(path, conn)
            if immutable:
                store._immutable = _file_state(path)
            store._check_schema()
            if not store.db.table_names():
                raise SimsearchError(f"{path} is an SQLite database without any table, not a simsearch index")
            todo = migrations.pending(store.db)
            if todo:  # the upgrade would write: said as a failed upgrade says it, nothing attempted
                raise migrations.upgrade_error(path, [m.name for _, m in todo],
                                               SimsearchError("the database is read-only here"))
        except BaseException as exc:
            _abandon_open(conn, claimed, path, exc)
        store._hold(claimed)
        return store

    @classmethod
    def _create(cls, path: Path) -> bool:
        """Make a new, fully migrated index at ``path``, which did not exist a moment ago.

        The database is built in a hidden file beside ``path`` and hard-linked to ``path``
        (which fails if anything appeared there meanwhile), so no other process ever sees an
        empty or half-made index there: an empty file at ``path`` is always someone else's.
        Processes racing to create the same index each build one; the first link wins and the
        others open it. Where the file system has no hard links the database is made in place,
        as SQLite does (a second process opening it in that instant is told it is empty), and
        False is returned."""
        remove_dead_staging(path.parent)
        # A short name: a --db name near the file system's limit must not fail for its staging file.
        staging = path.with_name(f"{STAGING_PREFIX}{os.getpid()}-{random.getrandbits(32):08x}.db")
        conn = None
        try:
            conn = sqlite3.connect(staging, isolation_level=None, factory=_Connection)
            conn.execute("PRAGMA journal_mode=WAL")
            cls(path, conn).migrate()
            # The schema into the file itself before it is linked into place (its WAL is deleted
            # below): the checkpoint that closing makes fails on a full disk without a word.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            conn = None
            try:
                os.link(staging, path)
            except FileExistsError:
                pass  # another process made it first: open theirs
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK,
                                     errno.ENOSYS):
                    raise
                return False  # no hard links here: SQLite makes the file in place when it is opened
            return True
        except sqlite3.DatabaseError as exc:
            raise (storage_error(exc, path) or exc) from None
        except OSError as exc:
            raise (storage_error(exc, path) or exc) from None
        finally:
            if conn is not None:
                conn.close()
            for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm"), Path(f"{staging}-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def is_its_file(self, stat: os.stat_result) -> bool:
        """Whether a file (by its stat) is the database file this store's connection is on."""
        mine = self._file or _identity(self.path)
        return mine is not None and mine == (stat.st_dev, stat.st_ino)

    def _hold(self, identity: tuple[int, int] | None) -> None:
        """Count this store's connection in ``_OPEN_FILES`` until ``close``, or until the connection
        is collected: most commands and every TUI pane drop their store without closing it."""
        self._file = identity
        self._released = weakref.finalize(self.conn, _release, identity)

    def close(self) -> None:
        self.conn.close()
        if self._released is not None:
            self._released()  # (once: a finalizer runs at most once)

    def unused(self) -> bool:
        """Whether no run has written anything here: no document, model, root or run (a new index
        whose first command was refused)."""
        return not any(self.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                       for table in ("documents", "models", "roots", "runs"))

    def _only_refused_runs_skips(self) -> bool:
        """Whether the index holds refused runs' work alone (``refuse_run``), and no file of it
        indexed: what refused first runs leave (``discard_unused(refused=True)``; two started
        at once each find the other's run), and not an index another command wrote to since
        (its run, its files)."""
        return (not self.conn.execute("SELECT 1 FROM runs WHERE status != 'refused' LIMIT 1").fetchone()
                and not self.conn.execute("SELECT 1 FROM documents WHERE skip_reason IS NULL LIMIT 1").fetchone())

    def refuse_run(self, run_id: int) -> None:
        """Mark a finished run as refused: it did none of what was asked (``index`` given files
        of which none could be read), whatever it recorded of them."""
        with self.transaction():
            self.conn.execute("UPDATE runs SET status = 'refused' WHERE id = ?", (run_id,))

    def on_disk(self) -> bool:
        """Whether the database path still names the file this store's connection was opened on
        (not removed, nor replaced by another file, since)."""
        return self._file is None or _identity(self.path) == self._file

    def discard_unused(self, refused: bool = False) -> bool:
        """Close the index and remove its file (with its WAL, shared-memory and lock files) if
        :meth:`unused`, or ``refused``: an index whose runs were all refused (``refuse_run``: each
        indexed none of the files it was given; it holds their skips, and nothing to search),
        no other command's work (another may have indexed into it since). What a refused first command
        leaves is no index at all. Returns whether it was removed. The caller holds the writer lock (``indexer.writer_lock``): no other command
        writes here meanwhile, and one that opened the file and takes the lock after finds it gone
        (``on_disk``) instead of writing to a removed file."""
        unused = self.unused() or refused and self._only_refused_runs_skips()
        self.close()
        if not unused:
            return False
        real = self.real_path
        # The WAL before the database: stopped between the two, a WAL left without its database
        # would be replayed into a new index made at the same path.
        for path in (Path(f"{real}-wal"), Path(f"{real}-shm"), real, real.with_name(real.name + ".lock")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return True

    @property
    def real_path(self) -> Path:
        """The database file with every symlink resolved: one file, however it is spelled
        (``--db link.db``, a relative path). The writer lock and the HNSW files are named after
        it, so every spelling shares them."""
        return Path(os.path.realpath(self.path))

    # --- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        """How many migrations the database has had (``simsearch status`` shows it)."""
        return len(migrations.applied(self.db))

    def migrate(self, upto: int | None = None) -> None:
        """Apply the migrations this database lacks (see ``simsearch.migrations``)."""
        migrations.migrate(self, upto)
        self._columns = {}

    def _check_schema(self) -> None:
        migrations.check(self.db, self.path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``: all or nothing, and no writer deadlocks.

        On any error (a full disk at ``COMMIT`` included) the transaction is rolled back;
        SQLite may already have rolled it back itself.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            raise

    def _check_unchanged(self) -> None:
        """An index read as immutable (``_open_readonly``: SQLite takes no lock and keeps what it
        read) gives no answer once its file changed: someone who can write it is indexing it, and
        what was read may be stale or torn. The next command opens it again, as it now is."""
        if self._immutable is not None and _file_state(self.path) != self._immutable:
            raise SimsearchError(f"{self.path} changed while it was being read (someone who can write it is "
                                 "indexing it now); run the command again to read it as it is now")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction (deferred ``BEGIN`` ... ``COMMIT``): every statement inside sees one
        state of the database, whatever a writer commits meanwhile (WAL). Inside a
        transaction already open on this connection, that transaction is the snapshot."""
        if self.conn.in_transaction:
            yield
            return
        self._check_unchanged()
        self.conn.execute("BEGIN")
        try:
            yield
        except (sqlite3.DatabaseError, LookupError):
            self._check_unchanged()  # a read torn by a writer: said as such, not as a damaged index
            raise
        else:
            self._check_unchanged()
        finally:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("COMMIT")  # nothing was written: this only ends the read

    # --- documents and sentences ----------------------------------------------------------

    def documents_under(self, roots: Iterable[Path]) -> dict[str, DocumentRow]:
        """Indexed documents whose path is one of ``roots`` or below one of them."""
        found = {}
        for root in roots:
            root = os.path.normpath(Path(root).expanduser().absolute())
            prefix = root.rstrip(os.sep) + os.sep
            weights = "weight, weight_note, weight_limit" if self._has_column("documents", "weight") else "NULL, NULL, NULL"
            rows = self.conn.execute(
                "SELECT id, path, hash, mtime_ns, size, skip_reason, inode, ctime_ns, skip_kind, indexed_at, "
                f"{weights} FROM documents WHERE path = ? OR substr(path, 1, ?) = ?",
                (root, len(prefix), prefix),
            )
            for row in rows:
                found[row[1]] = DocumentRow(*row[:10], weighed=tuple(row[10:]) if row[10] is not None else None)
        return found

    def touch_document(self, document_id: int, mtime_ns: int, size: int, inode: int | None = None,
                       ctime_ns: int | None = None, weighed: tuple[int, str | None, int] | None = None) -> None:
        """Record a file's new stat (its content is unchanged), read now, and what it weighs (``DocumentRow.weighed``)."""
        self.conn.execute("UPDATE documents SET mtime_ns = ?, size = ?, inode = ?, ctime_ns = ?, indexed_at = ? "
                          "WHERE id = ?", (mtime_ns, size, inode, ctime_ns, now(), document_id))
        self.record_weight(document_id, weighed)

    def record_weight(self, document_id: int, weighed: tuple[int, str | None, int] | None) -> None:
        """What the document's file, of the stat its row holds, weighs (``DocumentRow.weighed``; None: not known)."""
        if self._has_column("documents", "weight"):  # (m0018: a test may write into an older schema)
            self.conn.execute("UPDATE documents SET weight = ?, weight_note = ?, weight_limit = ? WHERE id = ?",
                              (*(weighed or (None, None, None)), document_id))

    def delete_documents(self, document_ids: list[int]) -> None:
        """Remove documents with their sentences and vectors (inside a transaction)."""
        for document_id in document_ids:
            self.conn.execute(
                "DELETE FROM vectors WHERE sentence_id IN (SELECT id FROM sentences WHERE document_id = ?)",
                (document_id,),
            )
            self.conn.execute("DELETE FROM sentences WHERE document_id = ?", (document_id,))
            self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        if document_ids:
            self.bump_generations()

    def replace_document(self, path: str, digest: str, mtime_ns: int, size: int, format: str,
                         sentences: list, skip_reason: str | None = None, *, inode: int | None = None,
                         ctime_ns: int | None = None, skip_kind: str | None = None,
                         on_written: Callable[[int], None] | None = None, every: int = 2048,
                         lines_are_sentences: bool = False, lines_are_blocks: bool = False,
                         weighed: tuple[int, str | None, int] | None = None) -> int:
        """Write a document and its sentences, replacing an older version of it.

        ``format`` is how the file was read (``Extracted.format``: "text", "markdown", "rst", "asciidoc",
        "org", "notebook", "html", "pdf", "docx", "odt"), or "skipped". ``inode`` and ``ctime_ns`` complete the file's stat
        (``DocumentRow``); ``skip_kind`` what a skip depends on (``skip_reason`` set).
        ``on_written(count)`` is called after every ``every`` sentences written (a progress bar).

        A new sentence gets the vector that a model already holds for its text, so that only
        text new to the index is embedded: editing one paragraph re-embeds that paragraph, and a
        file moved or copied re-embeds nothing (renamed, neither with sentence vectors; with
        context vectors its sentences embed its new name). The vector is taken, for each model
        (its own row: one fingerprint, one precision), from the older version of this document,
        else from any sentence of the index with exactly this text (documents gone from disk
        are removed only after a run has read every file, so a moved file finds its old copy),
        else from the vectors this run released (``holding_released_vectors``). A vector is the
        same whichever sentence holds it, since the encoder embeds each text alone: exactly under
        bf16, to the last bits under fp32; under int8 (activations scaled per batch) it is the
        vector of the batch it was made in, as any vector of an index updated file by file.

        With context vectors on (:meth:`context_window` 1) a sentence's vector also embeds its
        window, whose key (``contexts_of``) is written in ``sentences.context``: every reuse above
        matches on (text, context), so a sentence keeps a vector only where its neighbours are the
        same too. ``lines_are_sentences``: the file was read as one sentence per line (recorded;
        such a document keeps sentence vectors); ``lines_are_blocks``: as one paragraph per line
        (recorded; a window stays within its sentence's line, ``windows_of``). ``weighed``: what the
        file weighs against ``--max-file-mb`` (``DocumentRow.weighed``).
        """
        old = self.conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        kept: dict[tuple[int, str, str | None], bytes] = {}
        if old:
            for model_id, text, context, blob in self.conn.execute(
                "SELECT v.model_id, s.text, " + ("s.context" if self._has_context_columns() else "NULL")
                + ", v.embedding FROM vectors v JOIN sentences s "
                "ON s.id = v.sentence_id WHERE s.document_id = ?", (old[0],)
            ):
                kept[(model_id, text, context)] = blob
            self.delete_documents([old[0]])
        # The column is still called ``kind`` (migration m0001): renaming a column is a migration,
        # which a name alone does not justify.
        columns = {"path": path, "hash": digest, "mtime_ns": mtime_ns, "size": size, "kind": format,
                   "indexed_at": now(), "skip_reason": skip_reason}
        with_context = self._has_context_columns()  # (m0014: a test may write into an older schema)
        if with_context:
            columns["lines_are_sentences"] = int(bool(lines_are_sentences))
        with_blocks = self._has_column("documents", "lines_are_blocks")  # (m0015, likewise)
        with_spaceless = self._has_column("sentences_cjk", "grams")  # (m0017, likewise)
        if with_blocks:
            columns["lines_are_blocks"] = int(bool(lines_are_blocks))
        # m0008's columns only when known (a row without them is read again once, which is safe).
        extra = {"inode": inode, "ctime_ns": ctime_ns, "skip_kind": skip_kind if skip_reason is not None else None}
        columns.update({name: value for name, value in extra.items() if value is not None})
        if weighed is not None and self._has_column("documents", "weight"):  # (m0018, likewise)
            columns.update(zip(("weight", "weight_note", "weight_limit"), weighed))
        cursor = self.conn.execute(
            f"INSERT INTO documents ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(columns.values()),
        )
        document_id = cursor.lastrowid
        model_ids = [row[0] for row in self.conn.execute("SELECT id FROM models")]
        # (an older schema, written by a test, records no paragraph-per-line shape: windows across lines)
        contexts = contexts_of([sentence.text for sentence in sentences], [sentence.line for sentence in sentences],
                               self.context_window() if with_context else 0, bool(lines_are_sentences),
                               bool(lines_are_blocks) if with_blocks else None, path)
        for ordinal, (sentence, context) in enumerate(zip(sentences, contexts)):
            values = (document_id, ordinal, sentence.text, sentence.start, sentence.end, sentence.line)
            if with_context:
                sentence_id = self.conn.execute(
                    'INSERT INTO sentences (document_id, ordinal, text, start, "end", line, context) '
                    'VALUES (?, ?, ?, ?, ?, ?, ?)', (*values, context)).lastrowid
            else:
                sentence_id = self.conn.execute(
                    'INSERT INTO sentences (document_id, ordinal, text, start, "end", line) VALUES (?, ?, ?, ?, ?, ?)',
                    values).lastrowid
            grams = spaceless_grams(sentence.text) if with_spaceless else ""
            if grams:
                self.conn.execute("INSERT INTO sentences_cjk (rowid, grams) VALUES (?, ?)", (sentence_id, grams))
            for model_id in model_ids:
                key = (model_id, sentence.text, context)
                if key not in kept:  # looked up once per (text, context) (None: no model holds it)
                    kept[key] = self.held_vector(model_id, sentence.text, context)
                if kept[key] is not None:
                    self.conn.execute("INSERT INTO vectors VALUES (?, ?, ?)", (sentence_id, model_id, kept[key]))
            if on_written is not None and (ordinal + 1) % every == 0:
                on_written(ordinal + 1)
        if old and self._releasing:
            # The old version's vectors whose text is not in the new one: another file read
            # later in this run may hold that text now (two files swapped their contents).
            texts = set(zip((sentence.text for sentence in sentences), contexts))
            self.conn.executemany(
                "INSERT OR IGNORE INTO temp.released_vectors (model_id, text, context, embedding) VALUES (?, ?, ?, ?)",
                [(model_id, text, context or "", blob) for (model_id, text, context), blob in kept.items()
                 if blob is not None and (text, context) not in texts])
        return document_id

    def _has_context_columns(self) -> bool:
        """Whether the schema has m0014's columns (every index opened by ``Store.open`` has)."""
        return self._has_column("sentences", "context")

    def _has_column(self, table: str, column: str) -> bool:
        """Whether ``table`` has ``column`` (asked once a connection: a test may write into an older schema)."""
        if (table, column) not in self._columns:
            self._columns[(table, column)] = any(
                row[1] == column for row in self.conn.execute(f"PRAGMA table_info({table})"))
        return self._columns[(table, column)]

    def held_vector(self, model_id: int, text: str, context: str | None = None) -> bytes | None:
        """The model's vector for a sentence of exactly this text and context (``sentences.context``:
        None without a window), held by any sentence of the
        index (or released this run, see ``holding_released_vectors``); None if none is. Found
        through the ``sentences_text_context`` index (see :data:`HELD_VECTOR_SQL`; ~5-10 us a look-up,
        where SQLite's own choice, all of the model's vectors, took 6.5 ms on 12k sentences)."""
        key = (model_id, text, context)
        row = None
        if key not in self._unheld and key[:2] not in self._unheld:
            # With context vectors each copy of a line has a context of its own, so a key is new
            # at every copy: while a run reads its files, whether any copy has a vector is learnt
            # in the same query (:data:`HELD_VECTOR_OR_TEXT_SQL`) and remembered below.
            any_context = self._releasing and context is not None
            if not self._has_context_columns():  # (an older schema, written by a test)
                row = self.conn.execute(HELD_TEXT_SQL, key[:2]).fetchone()
            else:
                row = self.conn.execute(HELD_VECTOR_OR_TEXT_SQL if any_context else HELD_VECTOR_SQL, key).fetchone()
            elsewhere = row is not None and row[0] is None  # only copies in other contexts have one
            if elsewhere:
                row = None
            if row is None and self._releasing:
                # While a run reads its files no vector is made, so a text no sentence holds a
                # vector for stays so: not looked up again (each look-up walks every copy of the
                # text: a line in 50k files without a vector cost 2 ms a look-up, 50k times).
                self._unheld.add(key)
                # No copy in any context either (a line in 4,000 files took 4.4 s of look-ups,
                # quadratic in its copies, before this was remembered).
                if any_context and not elsewhere:
                    self._unheld.add(key[:2])
        if row is None and self._releasing:
            row = self.conn.execute("SELECT embedding FROM temp.released_vectors WHERE model_id = ? AND text = ? "
                                    "AND context = ?", (model_id, text, context or "")).fetchone()
        return row[0] if row else None

    @contextlib.contextmanager
    def holding_released_vectors(self) -> Iterator[None]:
        """While open, ``replace_document`` keeps the vectors an older version of a document
        loses (texts no longer in it) in a temporary table of this connection (on disk when
        large, never in the database file), where later documents of the same run find them.
        Dropped on exit: a model's vectors can be reset between runs."""
        self.conn.execute("DROP TABLE IF EXISTS temp.released_vectors")
        # ``context`` '' for none (a WITHOUT ROWID key is never NULL).
        self.conn.execute("CREATE TEMP TABLE released_vectors (model_id INTEGER NOT NULL, text TEXT NOT NULL, "
                          "context TEXT NOT NULL, embedding BLOB NOT NULL, PRIMARY KEY (model_id, text, context)) "
                          "WITHOUT ROWID")
        self._releasing = True
        self._unheld = set()
        try:
            yield
        finally:
            self._releasing = False
            self._unheld = set()
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("DROP TABLE IF EXISTS temp.released_vectors")

    def set_extractor_version(self, document_id: int, version: int) -> None:
        """Record the extractor version that read a document (inside its write transaction)."""
        self.conn.execute("UPDATE documents SET extractor_version = ? WHERE id = ?", (version, document_id))

    def read_by_other_extractor(self, version: int, ids: set[int] | None = None) -> set[int]:
        """Ids of the documents (of ``ids``, when given) read by another extractor version than ``version``."""
        if ids is not None and not ids:
            return set()
        if ids is not None:
            rows = self.conn.execute(f"SELECT id FROM documents WHERE extractor_version != ? AND id IN "
                                     f"({','.join('?' * len(ids))})", (version, *ids))
        else:
            rows = self.conn.execute("SELECT id FROM documents WHERE extractor_version != ?", (version,))
        return {row[0] for row in rows}

    def count_read_by_other_extractor(self, version: int) -> int:
        """How many files (documents, skipped ones too) another extractor version read: the next
        ``index`` reads them again, and until then search finds them as that version stored them.
        A file skipped as over the size limit is not counted: no version read it, nor will."""
        return self.conn.execute("SELECT count(*) FROM documents WHERE extractor_version != ? "
                                 "AND skip_kind IS NOT 'limit'", (version,)).fetchone()[0]

    def shape_unknown(self) -> set[int]:
        """Ids of the documents whose shape was not recorded (plain text read before m0014,
        ``documents.lines_are_sentences`` NULL, or before m0015, ``lines_are_blocks`` NULL):
        ``index`` reads them again, so that with context on one of one sentence per line keeps
        sentence vectors and one of one paragraph per line gets windows within its lines
        (``windows_of``), and training's passages follow its shape too (``data.indexed_documents``:
        until then, none, as the index gives it no window); the reader itself is the same: not
        counted as read by another version."""
        return {row[0] for row in self.conn.execute(
            "SELECT id FROM documents WHERE (lines_are_sentences IS NULL OR lines_are_blocks IS NULL) "
            "AND skip_reason IS NULL")}

    def missing_vectors(self, model_id: int, limit: int, *, windows: bool = False) -> list[tuple]:
        """Up to ``limit`` (sentence id, text) pairs that have no vector for the model yet. With
        ``windows``: (sentence id, text, window, name) rows, the window (``sentence_window``, read
        from the sentence's neighbours as stored, by its document's shape) and its document's name
        (``document_name``, None for a name without a letter) both None for a sentence without a context."""
        window = self.context_window() if windows else 0
        if not window:
            rows = self.conn.execute(
                "SELECT s.id, s.text FROM sentences s WHERE NOT EXISTS "
                "(SELECT 1 FROM vectors v WHERE v.sentence_id = s.id AND v.model_id = ?) ORDER BY s.id LIMIT ?",
                (model_id, limit),
            ).fetchall()
            return [(*row, None, None) for row in rows] if windows else rows
        rows = self.conn.execute(
            "SELECT s.id, s.text, s.context, s.document_id, s.ordinal, d.lines_are_blocks, d.path FROM sentences s "
            "JOIN documents d ON d.id = s.document_id WHERE NOT EXISTS "
            "(SELECT 1 FROM vectors v WHERE v.sentence_id = s.id AND v.model_id = ?) ORDER BY s.id LIMIT ?",
            (model_id, limit),
        ).fetchall()
        out = []
        for sentence_id, text, context, document_id, ordinal, lines_are_blocks, path in rows:
            if context is None:
                out.append((sentence_id, text, None, None))
                continue
            ordinals, texts, lines = zip(*self.conn.execute(
                "SELECT ordinal, text, line FROM sentences WHERE document_id = ? AND ordinal BETWEEN ? AND ? "
                "ORDER BY ordinal", (document_id, ordinal - window, ordinal + window)))
            text_window = sentence_window(list(texts), ordinals.index(ordinal), window,
                                          window_blocks(lines, lines_are_blocks))
            name = document_name(path)
            if context_key(text_window, name) != context:  # a bug, never a vector of another window
                raise RuntimeError(f"sentence {sentence_id}: its window is not the one its context records")
            out.append((sentence_id, text, text_window, name))
        return out

    def count_missing_vectors(self, model_id: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM sentences s WHERE NOT EXISTS "
            "(SELECT 1 FROM vectors v WHERE v.sentence_id = s.id AND v.model_id = ?)", (model_id,)
        ).fetchone()[0]

    def add_vectors(self, model_id: int, sentence_ids: list[int], vectors: np.ndarray) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
            ((sid, model_id, to_blob(vec)) for sid, vec in zip(sentence_ids, vectors)),
        )
        self.bump_generations([model_id])

    def bump_generations(self, model_ids: list[int] | None = None) -> None:
        """Mark models' vectors as changed, so that their HNSW files count as stale."""
        if model_ids is None:
            self.conn.execute("UPDATE models SET generation = generation + 1")
        else:
            self.conn.executemany("UPDATE models SET generation = generation + 1 WHERE id = ?",
                                  [(m,) for m in model_ids])

    # --- models ---------------------------------------------------------------------------

    def models(self) -> list[ModelRow]:
        return [ModelRow(**row) for row in self.db.query("SELECT * FROM models ORDER BY id")]

    def model(self, name: str) -> ModelRow | None:
        rows = list(self.db.query("SELECT * FROM models WHERE name = ?", [name]))
        return ModelRow(**rows[0]) if rows else None

    def model_by_path(self, path: str) -> ModelRow | None:
        rows = list(self.db.query("SELECT * FROM models WHERE path = ? ORDER BY id LIMIT 1", [path]))
        return ModelRow(**rows[0]) if rows else None

    def model_by_id(self, model_id: int) -> ModelRow:
        return ModelRow(**next(iter(self.db.query("SELECT * FROM models WHERE id = ?", [model_id]))))

    def add_model(self, name: str, path: str, fingerprint: str, dim: int, pooler: str,
                  precision: str = "fp32") -> ModelRow:
        # Raw SQL, not ``Table.insert``: sqlite-utils 3.x commits inside ``with conn:``, which would
        # end the caller's transaction half-way.
        self.conn.execute(
            "INSERT INTO models (name, path, fingerprint, dim, pooler, added_at, hnsw_space, hnsw_m, "
            "hnsw_ef_construction, hnsw_ef, precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, path, fingerprint, dim, pooler, now(), *HNSW_DEFAULTS.values(), precision),
        )
        return self.model(name)

    def move_model(self, model_id: int, path: str, name: str | None = None) -> None:
        """The model's folder moved, its files unchanged: the same vectors, found at ``path`` (and
        named ``name`` from now on, when given)."""
        self.conn.execute("UPDATE models SET path = ?, name = coalesce(?, name) WHERE id = ?", (path, name, model_id))

    def reset_model(self, model_id: int, path: str, fingerprint: str, dim: int, pooler: str,
                    precision: str | None = None) -> None:
        """The model behind a name changed (or its vectors are to be made at another
        ``precision``): drop its vectors (they are re-embedded) and disown its HNSW file, which
        holds the old vectors under the same sentence ids: it must be rebuilt, never patched by
        id (nor loaded with another dimension). In one transaction with the precision, so the
        vectors a model has are always all of its recorded precision."""
        self.conn.execute("DELETE FROM vectors WHERE model_id = ?", (model_id,))
        self.conn.execute(
            "UPDATE models SET path = ?, fingerprint = ?, dim = ?, pooler = ?, precision = coalesce(?, precision), "
            "generation = generation + 1, ann_generation = NULL, ann_file_size = NULL, ann_file_mtime_ns = NULL, "
            "ann_checksum = NULL WHERE id = ?",
            (path, fingerprint, dim, pooler, precision, model_id),
        )

    def record_ann(self, model_id: int, generation: int, size: int, mtime_ns: int, checksum: str | None = None,
                   fingerprint: str | None = None) -> bool:
        """Record what the HNSW file now holds. With ``fingerprint``, only if the model is still
        that one (a file built from a model since reset is not recorded). Returns whether recorded."""
        sql = ("UPDATE models SET ann_generation = ?, ann_file_size = ?, ann_file_mtime_ns = ?, ann_checksum = ? "
               "WHERE id = ?")
        params: tuple = (generation, size, mtime_ns, checksum, model_id)
        if fingerprint is not None:
            sql += " AND fingerprint = ?"
            params += (fingerprint,)
        return self.conn.execute(sql, params).rowcount == 1

    def vectors(self, model: ModelRow, sentence_ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, float32 matrix) of a model's vectors, all or the given ids.

        Rows come in sentence-id order, not in the order of ``sentence_ids``, and ids without
        a vector are left out: always pair vectors with the ids returned, never the ids asked for.
        """
        if sentence_ids is None:
            rows = self.conn.execute("SELECT sentence_id, embedding FROM vectors WHERE model_id = ? ORDER BY sentence_id",
                                     (model.id,)).fetchall()
        else:
            ids = list(sentence_ids)
            rows = []
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                rows += self.conn.execute(
                    f"SELECT sentence_id, embedding FROM vectors WHERE model_id = ? AND sentence_id IN ({','.join('?' * len(chunk))})",
                    (model.id, *chunk),
                ).fetchall()
        ids_out = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return ids_out, from_blobs([r[1] for r in rows], model.dim)

    def iter_vectors(self, model: ModelRow, chunk: int = 50_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All of a model's (ids, vectors) in slices of ``chunk`` rows, in sentence-id order, read
        by one statement (one consistent state even outside ``snapshot()``)."""
        cursor = self.conn.execute(
            "SELECT sentence_id, embedding FROM vectors WHERE model_id = ? ORDER BY sentence_id", (model.id,))
        while rows := cursor.fetchmany(chunk):
            yield (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                   from_blobs([r[1] for r in rows], model.dim))

    def vector_ids(self, model_id: int) -> np.ndarray:
        """A model's sentence ids that have a vector, sorted. Read through the primary key's
        index, which holds both columns (``+model_id`` keeps SQLite off ``vectors_model``, through
        which it reads each row's page, vector included), as one string rather than a Python
        tuple per row: 100k ids in ~20-50 ms where a row per id through ``vectors_model`` took
        ~260 ms (2 cores under load)."""
        text = self.conn.execute(VECTOR_IDS_SQL, (model_id,)).fetchone()[0]
        if not text:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.fromstring(text, dtype=np.int64, sep=" "))

    def count_vectors(self, model_id: int) -> int:
        return self.conn.execute("SELECT count(*) FROM vectors WHERE model_id = ?", (model_id,)).fetchone()[0]

    # --- runs -----------------------------------------------------------------------------

    def start_run(self, roots: list[str], models: list[str]) -> int:
        import json

        return self.conn.execute(
            "INSERT INTO runs (started_at, roots, models, status, files_changed, files_removed, files_reextracted, "
            "sentences_added, sentences_encoded) VALUES (?, ?, ?, 'running', 0, 0, 0, 0, 0)",
            (now(), json.dumps(roots), json.dumps(models)),
        ).lastrowid

    # files_changed: every file written or removed (new, changed, read again, removed); files_removed
    # and files_reextracted (read again only by a newer extractor, content unchanged) are of those.
    RUN_COUNTS = ("files_changed", "files_removed", "files_reextracted", "sentences_added", "sentences_encoded")

    def count_run(self, run_id: int | None, **counts: int) -> None:
        """Add to a run's counts (``RUN_COUNTS``), inside the transaction that writes what they
        count: committed together, so the ``runs`` row never says one file more or less than
        the database holds, however the run ends (an interrupt right after a commit included)."""
        if run_id is None or not counts:
            return
        unknown = set(counts) - set(self.RUN_COUNTS)
        if unknown:
            raise ValueError(f"not a run count: {sorted(unknown)}")
        sets = ", ".join(f"{name} = coalesce({name}, 0) + ?" for name in counts)
        self.conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*counts.values(), run_id))

    def run(self, run_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        return rows[0] if rows else None

    def finish_run(self, run_id: int, status: str, **counts: int | None) -> None:
        """End a run: its status, ``files_seen`` and any count given (a count not given, or None,
        keeps what ``count_run`` committed)."""
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, files_seen = ?, files_changed = coalesce(?, files_changed), "
            "files_removed = coalesce(?, files_removed), sentences_added = coalesce(?, sentences_added), "
            "sentences_encoded = coalesce(?, sentences_encoded) WHERE id = ?",
            (now(), status, counts.get("files_seen"), counts.get("files_changed"), counts.get("files_removed"),
             counts.get("sentences_added"), counts.get("sentences_encoded"), run_id),
        )

    def last_run(self) -> dict | None:
        """The newest row of ``runs``, its ``roots`` and ``models`` (stored as JSON text) as lists."""
        rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
        if not rows:
            return None
        run = rows[0]
        return {**run, **{key: json.loads(run[key]) for key in ("roots", "models") if isinstance(run[key], str)}}

    def counts(self) -> dict[str, int]:
        return {
            "documents": self.conn.execute("SELECT count(*) FROM documents WHERE skip_reason IS NULL").fetchone()[0],
            "skipped": self.conn.execute("SELECT count(*) FROM documents WHERE skip_reason IS NOT NULL").fetchone()[0],
            "sentences": self.conn.execute("SELECT count(*) FROM sentences").fetchone()[0],
        }

    def space(self) -> tuple[int, int]:
        """(bytes of the database's pages, bytes of them unused): SQLite keeps the pages that deleted
        rows free in the file (its freelist) and reuses them for later writes, but never gives
        them back to the disk by itself."""
        page_size = self.conn.execute("PRAGMA page_size").fetchone()[0]
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        free = self.conn.execute("PRAGMA freelist_count").fetchone()[0]
        return pages * page_size, free * page_size

    def reclaim(self, share: float = RECLAIM_FREE_SHARE, *, force: bool = False) -> int:
        """``VACUUM`` the database when more than ``share`` of its pages are unused (``space``),
        or with ``force``; the bytes it gave back (0: nothing done). Call with the writer lock held
        (``indexer.reclaim_space``) and no transaction open. (``force``: rows deleted all over the
        file leave its pages part-full, not free: the vectors of one model of two are every other
        row of ``vectors``, two to a page, and forgetting one freed no page of the 15 MiB they took.)

        Safe beside readers and against interruption: in WAL mode ``VACUUM`` is one write
        transaction like any other (a search reading meanwhile keeps its snapshot; a kill before
        the commit leaves the database as it was), and keeps every row id that anything refers to
        (sentences, documents, models, the full-text tables: all ``INTEGER PRIMARY KEY``), so
        the HNSW files stay valid. The file shrinks at the next checkpoint that no reader holds
        back (at the latest when the last connection closes; ``reclaim_held``: a reader held it back
        at the end of this call). A failure (a full disk: it needs
        about the database's size again, in its WAL) raises ``StorageError``; the database is then
        as it was."""
        total, unused = self.space()
        self.reclaim_held = False
        if not total or (unused <= share * total and not force):
            return 0
        try:
            self.conn.execute("VACUUM")
            # The VACUUM wrote the whole database into the WAL: empty it too (TRUNCATE), or it
            # stays that size on the disk while any other connection is open (an idle TUI). With
            # no wait: a reader in a transaction makes it a PASSIVE checkpoint (never waits).
            timeout = self.conn.execute("PRAGMA busy_timeout").fetchone()[0]
            try:
                self.conn.execute("PRAGMA busy_timeout=0")
                with contextlib.suppress(sqlite3.Error):
                    # (busy: a search reading meanwhile keeps the old pages, and the WAL, until it ends)
                    self.reclaim_held = bool(self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
            finally:
                self.conn.execute(f"PRAGMA busy_timeout={int(timeout)}")
        except sqlite3.Error as exc:
            raise (storage_error(exc, self.path) or StorageError(f"{self.path}: {exc}")) from None
        return max(total - self.space()[0], 0)

    # --- full-text search ------------------------------------------------------------------

    def lexical(self, query: str, limit: int, document_ids: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """Up to ``limit`` (sentence id, BM25 score) pairs for ``query``, in the order of
        :meth:`lexical_ranked` (BM25 best first, after the sentences holding the query's
        punctuated words as written)."""
        return [(sentence_id, score) for sentence_id, score, _ in self.lexical_ranked(query, limit, document_ids)]

    def lexical_ranked(self, query: str, limit: int,
                       document_ids: Iterable[int] | None = None) -> list[tuple[int, float, int]]:
        """Up to ``limit`` (sentence id, BM25 score, words found as written) for ``query`` (any
        text, see :func:`fts_query`), best first. With ``document_ids``, only sentences of
        those documents.

        The score is FTS5's ``bm25()`` negated (higher is better) for the OR of the query's
        words, each matching its tokens in sequence. A word with punctuation
        (:func:`written_forms`: ``--batch-size``, ``config.json``) also matches a sentence that
        holds only its tokens ("The batch size matters."), which BM25 may prefer (a shorter
        sentence), and an identifier without punctuation matches the words that share its stem
        (``TimeStamper``: "Flexible timestamping."). So when the query is at most :data:`WRITTEN_FIRST_MAX_WORDS` words (as
        :func:`searched_word_count` counts them: ``config.json ?`` is one), the sentences that
        hold its punctuated words (else its identifier) as written (:func:`written_pattern`) come first, those with more of them before those with fewer, each group by BM25; then the
        rest by BM25. Ties go in the sentences' places (path, then place in the file), so a
        deeper ``limit`` only adds at the end, and the same files rank alike in any index of them.
        Longer queries are ranked by BM25 alone (their third field is 0): there a sentence's
        other words weigh more than the way one of them is written (measured: ranking them by
        words found as written first cost 0.017 hit@10 on django-docs, whose questions hold
        ``Django's``, ``built-in``, ``doesn't``)."""
        expression = fts_query(query)
        if expression is None or limit < 1:
            return []
        documents = json.dumps([int(i) for i in document_ids]) if document_ids is not None else None
        in_documents = " AND +rowid IN (SELECT id FROM sentences WHERE document_id IN (SELECT value FROM json_each(?)))"
        found: dict[int, int] = {}
        forms = []
        if searched_word_count(query) <= WRITTEN_FIRST_MAX_WORDS:
            # An identifier without punctuation counts too: stemming matches `TimeStamper` in
            # "Flexible timestamping." (a plain word, "kites", keeps BM25's order with "kite").
            forms = written_forms(query) or [word for word in (_unwrap(word) for word, key in _words_and_tokens(query) if key)
                                             if len(word) <= WRITTEN_MAX_CHARS and _plain_identifier(word)]
        for form in forms:
            # The sentences holding the form's tokens in sequence, then those holding it as written.
            pattern = written_pattern(form)
            sql = ("SELECT s.id, s.text FROM sentences s WHERE s.id IN (SELECT rowid FROM sentences_fts "
                   "WHERE sentences_fts MATCH ?" + (in_documents if documents is not None else "") + ")")
            for sentence_id, text in self.conn.execute(sql, [_phrase(form)] + ([documents] if documents else [])):
                if pattern.search(text.casefold()):
                    found[sentence_id] = found.get(sentence_id, 0) + 1
        first: list[tuple[int, float, int]] = []
        if found:
            rows = self.conn.execute(
                "SELECT rowid, -bm25(sentences_fts) FROM sentences_fts WHERE sentences_fts MATCH ? "
                "AND +rowid IN (SELECT value FROM json_each(?))", (expression, json.dumps(sorted(found))))
            first = [(int(i), float(score), found[i]) for i, score in rows]
        sql = "SELECT rowid, -bm25(sentences_fts) AS score FROM sentences_fts WHERE sentences_fts MATCH ?"
        params: list = [expression]
        if documents is not None:
            sql += in_documents
            params.append(documents)
        spaceless = spaceless_query(query) if self._has_column("sentences_cjk", "grams") else None
        if spaceless is not None:
            # Runs of Chinese, Japanese, … are searched by their characters' pairs too: a
            # sentence's score is the sum of its BM25 scores in both tables.
            sql = ("SELECT rowid, sum(score) AS score FROM (" + sql
                   + " UNION ALL SELECT rowid, -bm25(sentences_cjk) FROM sentences_cjk WHERE sentences_cjk MATCH ?"
                   + (in_documents if documents is not None else "") + ") GROUP BY rowid")
            params += [spaceless] + ([documents] if documents is not None else [])
        placed = {i for i, _, _ in first}
        wanted = limit + len(placed)
        rows = [(int(i), float(score)) for i, score in
                self.conn.execute(f"SELECT rowid, score FROM ({sql}) ORDER BY score DESC, rowid LIMIT ?", (*params, wanted + 1))]
        if len(rows) > wanted and rows[wanted - 1][1] == rows[wanted][1]:
            # Sentences of equal score straddle the cut (the same text in several files): which
            # of them make the list is decided below by their place, so every one of them is read.
            cut = rows[wanted - 1][1]
            rows = [row for row in rows if row[1] != cut] + [
                (int(i), float(score)) for i, score in
                self.conn.execute(f"SELECT rowid, score FROM ({sql}) WHERE score = ?", (*params, cut))]
        rest = [(i, score, found.get(i, 0)) for i, score in rows if i not in placed]
        # Equal scores go in the order of the sentences' places (path, then place in the file),
        # not of their ids: an index built over the same files in another order, or kept up to
        # date through other edits, ranks them alike.
        place = self.places([i for i, _, _ in first + rest])
        first.sort(key=lambda r: (-r[2], -r[1], place[r[0]]))
        rest.sort(key=lambda r: (-r[1], place[r[0]]))
        return (first[:limit] + rest)[:limit]

    def places(self, sentence_ids: list[int]) -> dict[int, tuple[str, int]]:
        """Each sentence's (path, ordinal): where it is, whatever id the index gave it."""
        if not sentence_ids:
            return {}
        return {int(i): (path, ordinal) for i, path, ordinal in self.conn.execute(
            "SELECT s.id, d.path, s.ordinal FROM sentences s JOIN documents d ON d.id = s.document_id "
            "WHERE s.id IN (SELECT value FROM json_each(?))", (json.dumps(sentence_ids),))}

    def copies(self, text: str, document_ids: Iterable[int] | None = None) -> list[tuple[int, str, int]]:
        """(sentence id, path, line) of every sentence whose text is exactly ``text`` (in
        ``document_ids`` when given), in path and line order: found through the
        ``sentences_text_prefix`` index (see :data:`COPIES_SQL`), one search per hit."""
        sql = COPIES_SQL
        params: list = [text, text]
        if document_ids is not None:
            sql += " AND s.document_id IN (SELECT value FROM json_each(?))"
            params.append(json.dumps([int(i) for i in document_ids]))
        return [tuple(row) for row in self.conn.execute(sql + " ORDER BY d.path, s.line, s.id", params)]

    def check_fts(self) -> list[str]:
        """What is wrong with the full-text index (empty when it matches the sentences):
        its row ids must be the sentence ids, and FTS5's integrity check against the
        sentences' text must pass. For tests and `status`-like checks; takes a write lock."""
        problems = []
        fts_ids = {row[0] for row in self.conn.execute("SELECT id FROM sentences_fts_docsize")}
        sentence_ids = {row[0] for row in self.conn.execute("SELECT id FROM sentences")}
        if fts_ids != sentence_ids:
            problems.append(f"full-text rows without a sentence: {sorted(fts_ids - sentence_ids)[:10]}; "
                            f"sentences without a full-text row: {sorted(sentence_ids - fts_ids)[:10]}")
        try:
            self.conn.execute("INSERT INTO sentences_fts (sentences_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"FTS5 integrity check: {exc}")
        if self._has_column("sentences_cjk", "grams"):
            held = dict(self.conn.execute("SELECT rowid, grams FROM sentences_cjk"))
            wanted = {i: grams for i, text in self.conn.execute("SELECT id, text FROM sentences")
                      if (grams := spaceless_grams(text))}
            if held != wanted:
                wrong = sorted(i for i in held.keys() | wanted.keys() if held.get(i) != wanted.get(i))
                problems.append(f"spaceless full-text rows that differ from their sentence's text: {wrong[:10]}")
            try:
                self.conn.execute("INSERT INTO sentences_cjk (sentences_cjk) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"FTS5 integrity check (sentences_cjk): {exc}")
        return problems

    # --- settings -------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """An option the index remembers between runs (m0010), or None."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def context_window(self) -> int:
        """How many neighbours either side a sentence's vector embeds (``CONTEXT_WINDOW_KEY``);
        0 where none is recorded (an index no run has written yet, see ``indexer.index``)."""
        value = self.setting(CONTEXT_WINDOW_KEY)
        return int(value) if value is not None else 0

    def names_upgrade_dropped(self) -> int:
        """How many vectors the upgrade to file names in context vectors dropped (m0016) and no
        completed run has made again yet (``NAMES_UPGRADE_KEY``; 0 when none)."""
        if not self._has_column("settings", "value"):
            return 0
        value = self.setting(NAMES_UPGRADE_KEY)
        return int(value) if value is not None else 0

    def vectors_epoch(self) -> int:
        """How many times every vector was made again under the same ids (``VECTORS_EPOCH_KEY``;
        0 in a schema before m0010's settings, which a test may search)."""
        if not self._has_column("settings", "value"):
            return 0
        value = self.setting(VECTORS_EPOCH_KEY)
        return int(value) if value is not None else 0

    def set_context_window(self, window: int) -> int:
        """Record ``window`` (inside the caller's transaction) and, when it changes what vectors
        are, rewrite every sentence's context and drop every model's vectors (they are all
        re-embedded; each model's HNSW file is disowned, as by ``reset_model``). Plain-text
        documents whose shape is not recorded (:meth:`shape_unknown`) get the windows
        ``windows_of`` gives them (read before m0014: sentence vectors; before m0015: windows
        across their lines) until ``index`` reads them again, which it does while context is on.
        Returns how many vectors were dropped."""
        check_context_window(window)
        before = self.context_window()
        self.set_setting(CONTEXT_WINDOW_KEY, str(window))
        if before == window:
            return 0
        dropped = self.conn.execute("SELECT count(*) FROM vectors").fetchone()[0]
        for model in self.models():
            self.reset_model(model.id, model.path, model.fingerprint, model.dim, model.pooler)
        # the same ids and models, other vectors: an open reader must not keep its own by id
        self.set_setting(VECTORS_EPOCH_KEY, str(self.vectors_epoch() + 1))
        rewrite_contexts(self.conn, window)
        return dropped

    # --- roots ----------------------------------------------------------------------------

    def roots(self) -> dict[str, int | None]:
        """The indexed roots (absolute paths, in the order first indexed) and their last seen st_dev."""
        return dict(self.conn.execute("SELECT path, device FROM roots ORDER BY id").fetchall())

    def add_root(self, path: str, device: int | None) -> None:
        self.conn.execute(
            "INSERT INTO roots (path, device, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT(path) DO UPDATE SET device = excluded.device",
            (path, device, now()),
        )

    def remove_roots(self, paths: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM roots WHERE path = ?", [(p,) for p in paths])

    def count_documents_under(self, root: str) -> int:
        """Indexed (not skipped) documents at or below ``root``."""
        prefix = root.rstrip(os.sep) + os.sep
        return self.conn.execute(
            "SELECT count(*) FROM documents WHERE skip_reason IS NULL AND (path = ? OR substr(path, 1, ?) = ?)",
            (root, len(prefix), prefix),
        ).fetchone()[0]
