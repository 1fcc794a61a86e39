"""The index database's schema, as named migrations applied in order (as sqlite-utils and llm do it).

Each migration is a function registered by ``@migration``; its name (the function's, less the
leading ``m``) is recorded in ``_migrations`` when it has been applied, so a database made by
an older simsearch opens in a newer one and gets only what it lacks. Append new migrations at
the end; never edit or reorder one that has shipped (a database made with it would not get
the change). The names of migrations 1-6 are those recorded by simsearch before this module
existed, so its databases upgrade by name.

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with its record: a
killed process leaves it either applied and recorded or not at all, and two processes opening
a new database at once apply each migration exactly once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from .lean_imports import sqlite_utils

from .errors import SimsearchError

if TYPE_CHECKING:
    from .store import StorageError, Store

TABLE = "_migrations"


class Migration(NamedTuple):
    name: str
    apply: Callable[[sqlite_utils.Database], None]


MIGRATIONS: list[Migration] = []


def migration(function: Callable[[sqlite_utils.Database], None]) -> Callable[[sqlite_utils.Database], None]:
    """Register ``function`` as the next migration; its name without the leading ``m``."""
    name = function.__name__.removeprefix("m")
    if any(m.name == name for m in MIGRATIONS):
        raise ValueError(f"two migrations named {name!r}")
    MIGRATIONS.append(Migration(name, function))
    return function


def sql_statements(sql: str) -> list[str]:
    """The statements of a script, split at the semicolons that end one (not those inside a
    trigger's BEGIN ... END)."""
    statements, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\n;"):
                statements.append(current)
            current = ""
    if current.strip(" \t\n;"):
        statements.append(current)
    return statements


def _script(db: sqlite_utils.Database, sql: str) -> None:
    # One statement at a time inside the migration's transaction: sqlite3's executescript
    # (which sqlite-utils < 4 calls) would commit it half-way.
    for statement in sql_statements(sql):
        db.conn.execute(statement)


# --- the migrations ---------------------------------------------------------------------------

@migration
def m0001_documents_sentences_models_vectors(db: sqlite_utils.Database) -> None:
    _script(db, """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            hash TEXT NOT NULL,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            kind TEXT NOT NULL,
            indexed_at TEXT NOT NULL,
            skip_reason TEXT  -- set for a file left out (binary, too large): not re-read until it changes
        );
        -- AUTOINCREMENT: ids are never reused, so a deleted sentence's HNSW label stays dead.
        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            line INTEGER NOT NULL,
            UNIQUE (document_id, ordinal)
        );
        CREATE TABLE models (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            dim INTEGER NOT NULL,
            pooler TEXT NOT NULL,
            added_at TEXT NOT NULL,
            hnsw_space TEXT NOT NULL,
            hnsw_m INTEGER NOT NULL,
            hnsw_ef_construction INTEGER NOT NULL,
            hnsw_ef INTEGER NOT NULL,
            generation INTEGER NOT NULL DEFAULT 0,
            ann_generation INTEGER,
            ann_file_size INTEGER,
            ann_file_mtime_ns INTEGER
        );
        CREATE TABLE vectors (
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            model_id INTEGER NOT NULL REFERENCES models(id),
            embedding BLOB NOT NULL,
            PRIMARY KEY (sentence_id, model_id)
        );
        CREATE INDEX vectors_model ON vectors(model_id);
    """)


@migration
def m0002_runs(db: sqlite_utils.Database) -> None:
    """A log of indexing runs."""
    _script(db, """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            roots TEXT NOT NULL,
            models TEXT NOT NULL,
            status TEXT NOT NULL,
            files_seen INTEGER,
            files_changed INTEGER,
            files_removed INTEGER,
            sentences_added INTEGER,
            sentences_encoded INTEGER
        );
    """)


@migration
def m0003_ann_checksum(db: sqlite_utils.Database) -> None:
    """What the HNSW file held when it was saved: it is loaded only if its bytes still hash to this."""
    db["models"].add_column("ann_checksum", str)


@migration
def m0004_roots(db: sqlite_utils.Database) -> None:
    """The folders and files ``simsearch index`` keeps up to date.

    Older databases only logged them per run: a root is carried over unless it only appears in
    failed runs and holds no documents (a failed run may have been a typo). ``device`` is the
    root's st_dev when it was last seen, to tell an unmounted drive (its empty mount point) from
    a folder emptied by hand.
    """
    _script(db, """
        CREATE TABLE roots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            device INTEGER,
            added_at TEXT NOT NULL
        );
        INSERT OR IGNORE INTO roots (path, added_at)
            SELECT j.value, r.started_at FROM runs r, json_each(r.roots) j
            WHERE r.status != 'failed' OR EXISTS (
                SELECT 1 FROM documents d WHERE d.path = j.value
                OR substr(d.path, 1, length(rtrim(j.value, '/')) + 1) = rtrim(j.value, '/') || '/')
            ORDER BY r.id, j.key
    """)


FTS_TOKENIZE = "porter unicode61 remove_diacritics 2 tokenchars '_'"
# The full-text index and the triggers that keep it in step with ``sentences`` (m0005, m0011).
_FTS_SCHEMA = f"""
    CREATE VIRTUAL TABLE sentences_fts USING fts5(
        text, content='sentences', content_rowid='id',
        tokenize="{FTS_TOKENIZE}");
    CREATE TRIGGER sentences_fts_insert AFTER INSERT ON sentences BEGIN
        INSERT INTO sentences_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER sentences_fts_delete AFTER DELETE ON sentences BEGIN
        INSERT INTO sentences_fts (sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER sentences_fts_update AFTER UPDATE OF id, text ON sentences BEGIN
        INSERT INTO sentences_fts (sentences_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO sentences_fts (rowid, text) VALUES (new.id, new.text);
    END;
    INSERT INTO sentences_fts (sentences_fts) VALUES ('rebuild')
"""


@migration
def m0005_fts(db: sqlite_utils.Database) -> None:
    """Full-text search (hybrid search): an FTS5 index over sentences.text, kept in step by triggers.

    It is written in the same transaction as the sentences it indexes (a killed indexer leaves
    both as they were). External content: the text is stored once. Tokens: unicode61 with '_'
    inside words (SIMSEARCH_DB, tmp_path stay one token; '.' and '-' split, and a query word is
    searched as a phrase, so os.path.join and --max-file-mb match where they occur as written),
    Porter-stemmed (skipping finds skip). Measured on the benchmarks against plain unicode61 and
    either change alone (bench_retrieval.py). The prefix index lets search collapse copies of
    one sentence and list where the others are.
    """
    _script(db, _FTS_SCHEMA + """;
        CREATE INDEX sentences_text_prefix ON sentences (substr(text, 1, 48))
    """)


@migration
def m0006_extractor_version(db: sqlite_utils.Database) -> None:
    """Which version of the extractor (``extract.EXTRACTOR_VERSION``) read each document: one read
    by another version is read again even though its content is unchanged. Older rows: 1."""
    db["documents"].add_column("extractor_version", int, not_null_default=1)


@migration
def m0007_model_precision(db: sqlite_utils.Database) -> None:
    """The precision (fp32, bf16, int8) every vector of a model was made at: one per model, so
    vectors of two precisions are never mixed. Vectors made before this were all fp32."""
    db["models"].add_column("precision", str, not_null_default="fp32")


@migration
def m0008_file_identity(db: sqlite_utils.Database) -> None:
    """Each document's file identity beyond size and mtime: ``inode`` (st_ino) and ``ctime_ns``
    (st_ctime_ns, which no user can set and every write or rename moves), so a file replaced by
    one of the same size and mtime (``mv``, ``cp -p``, ``rsync -t``, ``unzip``) is read again.
    Older rows have NULL: read once more, and only their stat is updated when their content
    hash is unchanged.

    ``skip_kind`` says what a skipped file's skip depends on: ``limit`` (``--max-file-mb``:
    checked against each run's limit), ``support`` (an optional package that is not installed:
    checked again once it is) or ``content`` (binary, unreadable: kept while the file is the same).
    Older skips are classified by what simsearch wrote for them (an unread file has no hash)."""
    db["documents"].add_column("inode", int)
    db["documents"].add_column("ctime_ns", int)
    db["documents"].add_column("skip_kind", str)
    _script(db, """
        UPDATE documents SET skip_kind = CASE
            WHEN hash = '' THEN 'limit'
            WHEN skip_reason LIKE 'skipped: PDF support is not installed%' THEN 'support'
            ELSE 'content' END
        WHERE skip_reason IS NOT NULL
    """)


@migration
def m0009_normalised_paths(db: sqlite_utils.Database) -> None:
    """Roots and document paths spelled with ``..``, ``.`` or doubled slashes (``index docs/../docs``
    stored them as given) are stored normalised, like every new one (``indexer.root_key``): a root
    that then names an indexed root is dropped, and so is a document whose normalised path is
    indexed already (its copy); the others are renamed, keeping their sentences and vectors."""
    import os

    def odd(path: str) -> bool:
        return os.path.normpath(path) != path

    roots = db.conn.execute("SELECT id, path FROM roots ORDER BY id").fetchall()
    held = {path for _, path in roots if not odd(path)}
    for root_id, path in roots:
        if not odd(path):
            continue
        clean = os.path.normpath(path)
        if clean in held:
            db.conn.execute("DELETE FROM roots WHERE id = ?", (root_id,))
        else:
            db.conn.execute("UPDATE roots SET path = ? WHERE id = ?", (clean, root_id))
            held.add(clean)
    documents = db.conn.execute("SELECT id, path FROM documents ORDER BY id").fetchall()
    paths = {path for _, path in documents if not odd(path)}
    dropped = []
    for document_id, path in documents:
        if not odd(path):
            continue
        clean = os.path.normpath(path)
        if clean in paths:
            dropped.append(document_id)
        else:
            db.conn.execute("UPDATE documents SET path = ? WHERE id = ?", (clean, document_id))
            paths.add(clean)
    for document_id in dropped:
        db.conn.execute("DELETE FROM vectors WHERE sentence_id IN (SELECT id FROM sentences WHERE document_id = ?)",
                        (document_id,))
        db.conn.execute("DELETE FROM sentences WHERE document_id = ?", (document_id,))
        db.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
    if dropped:  # their vectors are gone: the HNSW files are out of date
        db.conn.execute("UPDATE models SET generation = generation + 1")


@migration
def m0010_settings(db: sqlite_utils.Database) -> None:
    """Options an index remembers between runs (``max_file_mb``: the last ``--max-file-mb`` given,
    which a run without one keeps)."""
    _script(db, "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # An index from before remembers no limit, but its size skips name the one they were made
    # with: start from the smallest, so a plain run does not index files the user kept out.
    import re

    limits = []
    for (reason,) in db.conn.execute("SELECT skip_reason FROM documents WHERE skip_kind = 'limit'"):
        found = re.search(r"over --max-file-mb ([0-9.eE+-]+)", reason or "")
        if found:
            try:
                limits.append(float(found.group(1)))
            except ValueError:
                continue
    if limits and min(limits) > 0:
        db.conn.execute("INSERT INTO settings (key, value) VALUES ('max_file_mb', ?)", (repr(min(limits)),))


# --- applying them ----------------------------------------------------------------------------

def applied(db: sqlite_utils.Database) -> list[str]:
    """The names of the migrations applied to this database, in the order applied."""
    if TABLE not in db.table_names():
        return []
    return [row[0] for row in db.conn.execute(f"SELECT name FROM {TABLE} ORDER BY id")]


def pending(db: sqlite_utils.Database, upto: int | None = None) -> list[tuple[int, Migration]]:
    """(number, migration) of each of the first ``upto`` migrations (default: all) not applied yet."""
    done = set(applied(db))
    return [(number, m) for number, m in enumerate(MIGRATIONS[:upto], start=1) if m.name not in done]


def check(db: sqlite_utils.Database, path) -> None:
    """Refuse another program's SQLite database (before anything is written to it) and one
    written by a newer simsearch (it holds migrations this one does not know)."""
    tables = db.table_names()
    if TABLE not in tables:
        if [t for t in tables if not t.startswith("sqlite_")]:
            raise SimsearchError(f"{path} is an SQLite database, but not a simsearch index")
        return
    known = {m.name for m in MIGRATIONS}
    unknown = [name for name in applied(db) if name not in known]
    if unknown:
        listed = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        raise SimsearchError(
            f"{path} was written by a newer simsearch: it has {_migrations_count(len(unknown))} this version "
            f"does not know ({listed}); upgrade simsearch to use it"
        )


def _migrations_count(count: int) -> str:
    return "a migration" if count == 1 else f"{count} migrations"


def migrate(store: Store, upto: int | None = None) -> list[str]:
    """Apply the migrations the store's database lacks (the first ``upto`` only, for tests that
    build an old database), each with its record in one ``BEGIN IMMEDIATE`` transaction.

    What has been applied is read again inside the write lock, so processes racing to open a
    new database apply each migration once. A database that is up to date is only read (a
    reader never waits for a writer here). Returns the names applied by this call.
    """
    db = store.db
    with store.snapshot():
        check(db, store.path)
        if not pending(db, upto):
            return []
        # An index made by an older simsearch (not a new one being made): a write that fails
        # (a read-only file, a full disk) says that the upgrade is what needed it.
        older = [m.name for _, m in pending(db, upto)] if applied(db) else []
    done = []
    while True:
        try:
            with store.transaction():
                check(db, store.path)
                db.conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
                todo = pending(db, upto)
                if not todo:
                    return done
                number, (name, apply) = todo[0]
                apply(db)
                db.conn.execute(f"INSERT INTO {TABLE} (id, name, applied_at) VALUES (?, ?, ?)", (number, name, _now()))
        except (SimsearchError, sqlite3.OperationalError) as exc:
            from .store import StorageError, storage_error

            failed = exc if isinstance(exc, StorageError) else storage_error(exc, store.path)
            if not older or failed is None or "locked" in str(failed):  # busy: Store.open retries
                raise
            raise upgrade_error(store.path, older, failed, applied_now=len(done)) from None
        done.append(name)


def upgrade_error(path, names: list[str], exc: BaseException, *, applied_now: int = 0) -> StorageError:
    """The one line for an index made by an older simsearch that could not be upgraded (``names``:
    the migrations it lacked, ``applied_now`` of them committed before the failure): every
    command (``status`` too) upgrades an older index before reading it, which writes to it."""
    from .store import StorageError

    reason = str(exc).removeprefix(f"{path}: ").removesuffix("; nothing was written")
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    kept = ("nothing was changed" if not applied_now else
            f"{applied_now} of them {'was' if applied_now == 1 else 'were'} applied, the others were not")
    return StorageError(
        f"{path} was made by an older simsearch and must be upgraded before use ({_migrations_count(len(names))}: "
        f"{listed}), which writes to it: {reason}; {kept}. Make it writable (or copy it somewhere writable) and run again"
    )


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@migration
def m0011_fts_tokenizer(db: sqlite_utils.Database) -> None:
    """The full-text index with today's tokenizer. Indexes made while m0005 was being measured
    (before this release) kept the first one (plain unicode61: no stemming, '_' splitting words)
    for good, so "garden" did not find "gardens" there; such a table and its triggers are made
    again and rebuilt from the sentences. One made with today's tokenizer is left as it is."""
    row = db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'sentences_fts'").fetchone()
    if row is not None and FTS_TOKENIZE in row[0]:
        return
    _script(db, """
        DROP TRIGGER IF EXISTS sentences_fts_insert;
        DROP TRIGGER IF EXISTS sentences_fts_delete;
        DROP TRIGGER IF EXISTS sentences_fts_update;
        DROP TABLE IF EXISTS sentences_fts
    """)
    _script(db, _FTS_SCHEMA)


@migration
def m0012_sentence_text_index(db: sqlite_utils.Database) -> None:
    """An index on each sentence's whole text: ``index`` looks every new sentence's text up to
    reuse a vector a model already holds for it (a moved or renamed file is not embedded again,
    ``Store.held_vector``). m0005's prefix index found it too, but sentences sharing their first
    48 characters (generated text, logs, tables) made each look-up scan all of them: 10,000 such
    sentences took 3.3 s to write instead of 0.1 s, growing with the square. Costs about the
    text's size again (1.2 % of django-docs' index with four models)."""
    db.conn.execute("CREATE INDEX IF NOT EXISTS sentences_text ON sentences (text)")


@migration
def m0013_run_files_reextracted(db: sqlite_utils.Database) -> None:
    """Of a run's ``files_changed``, the files read again only because this version of simsearch
    reads them otherwise (their content unchanged): ``status`` counts them apart, as the ``index``
    summary does, instead of calling them changed. Older runs: NULL (not counted apart)."""
    db["runs"].add_column("files_reextracted", int)


@migration
def m0014_context_vectors(db: sqlite_utils.Database) -> None:
    """Context vectors (``index --vector-context``): what a sentence's vector may
    depend on besides its text.

    ``documents.lines_are_sentences``: 1 for a plain-text file read as one sentence per line
    (``segment.SENTENCE_PER_LINE``), whose lines keep sentence vectors (their neighbours are
    unrelated lines), 0 otherwise. Only plain text can be read so, so older rows of another format
    are 0; older plain-text rows are NULL (their shape was not recorded): ``index`` reads them
    again (``Store.shape_unknown``; with context on only, before session 37), and until then
    they get no window, nor any passage in training.

    ``sentences.context``: the sha256 of the sentence's window (its document's sentences from
    ordinal - 1 to ordinal + 1, joined by single spaces) when the index embeds windows
    (``settings.context_window`` 1) and the document is not one sentence per line, else NULL.
    Every reuse of a vector matches on (text, context), so a vector is kept only where its window
    is the same too: m0012's index on the text becomes one on (text, context), which finds a text
    as the old one did and a (text, context) pair without walking the text's other copies (a line
    repeated in N files, each with its own neighbours, walked all N for each new copy).

    An index that already holds documents was embedded without windows: it records
    ``context_window`` 0, so upgrading changes nothing; a new index takes
    ``indexer.DEFAULT_CONTEXT_WINDOW``."""
    db["documents"].add_column("lines_are_sentences", int)
    db["sentences"].add_column("context", str)
    _script(db, """
        UPDATE documents SET lines_are_sentences = 0 WHERE kind != 'text';
        DROP INDEX IF EXISTS sentences_text;
        CREATE INDEX sentences_text_context ON sentences (text, context);
        INSERT OR IGNORE INTO settings (key, value) SELECT 'context_window', '0' WHERE EXISTS (SELECT 1 FROM documents)
    """)


@migration
def m0015_paragraph_lines(db: sqlite_utils.Database) -> None:
    """``documents.lines_are_blocks``: 1 for a plain-text file read as one paragraph per line
    (``segment.PARAGRAPH_PER_LINE``: reviews, notes, one entry per line, several sentences each),
    whose sentences' windows stay within their line (``store.windows_of``; a window across lines
    mixed an unrelated entry into a sentence's vector), 0 otherwise. Only plain text can be read
    so: rows of another format, and plain text read as one sentence per line, are 0. Older
    plain-text rows are NULL (their shape was not recorded): their windows, if any, cross lines
    as they were embedded, until ``index`` reads them again (``Store.shape_unknown``)."""
    db["documents"].add_column("lines_are_blocks", int)
    db.conn.execute("UPDATE documents SET lines_are_blocks = 0 WHERE kind != 'text' OR lines_are_sentences = 1")


@migration
def m0016_document_names(db: sqlite_utils.Database) -> None:
    """Context vectors embed each sentence's document's name too (``store.document_name``:
    ``normalize(s + w + NAME_WEIGHT * t)``, ``store.NAME_WEIGHT``), so the name joins the
    window's key in ``sentences.context`` (``store.context_key``). Every sentence with a window
    gets its new key, and its vectors, made without the name, are dropped for every model (each
    model's HNSW file is disowned, to be rebuilt): the next ``index`` makes them again. A document whose name
    has no letter keeps its keys and vectors; an index without context vectors is unchanged."""
    from .store import NAMES_UPGRADE_KEY, rewrite_contexts

    row = db.conn.execute("SELECT value FROM settings WHERE key = 'context_window'").fetchone()
    window = int(row[0]) if row else 0
    if not window:
        return
    changed = rewrite_contexts(db.conn, window)
    if changed:
        db.conn.execute("CREATE TEMP TABLE renamed_contexts (id INTEGER PRIMARY KEY)")
        db.conn.executemany("INSERT INTO temp.renamed_contexts VALUES (?)", [(i,) for i in changed])
        dropped = db.conn.execute("DELETE FROM vectors WHERE sentence_id IN (SELECT id FROM temp.renamed_contexts)"
                                  ).rowcount
        db.conn.execute("DROP TABLE temp.renamed_contexts")
        if dropped:  # said by ``index`` and search until a run has made them again (``Store.names_upgrade_dropped``)
            db.conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (NAMES_UPGRADE_KEY, str(dropped)))
        # disowned, as ``Store.reset_model`` does: the file holds the old vectors under the same
        # sentence ids, so it must be rebuilt, never patched by id
        db.conn.execute("UPDATE models SET generation = generation + 1, ann_generation = NULL, ann_file_size = NULL, "
                        "ann_file_mtime_ns = NULL, ann_checksum = NULL")


@migration
def m0017_spaceless_fts(db: sqlite_utils.Database) -> None:
    """``sentences_cjk``: full-text search inside text written without spaces between words
    (Chinese, Japanese, Thai, …; Korean's words with their particles attached), where FTS5's
    unicode61 tokenizer reads a whole run as one token and ``sentences_fts`` matched a query word
    only when it was the whole run. A row per sentence that holds such a run, its rowid the
    sentence's id: the run's characters and pairs of neighbouring characters, separated by spaces
    (``store.spaceless_grams``), under the ``ascii`` tokenizer, which splits at the spaces alone.
    Its own content (only those sentences' grams, not the text again): ``Store.write_document``
    writes a sentence's row with it, a trigger deletes it with the sentence, and this migration
    fills it from the sentences an index holds."""
    from .store import spaceless_grams

    _script(db, """
        CREATE VIRTUAL TABLE sentences_cjk USING fts5(grams, tokenize='ascii');
        CREATE TRIGGER sentences_cjk_delete AFTER DELETE ON sentences BEGIN
            DELETE FROM sentences_cjk WHERE rowid = old.id;
        END;
        CREATE TRIGGER sentences_cjk_update AFTER UPDATE OF id ON sentences BEGIN
            UPDATE sentences_cjk SET rowid = new.id WHERE rowid = old.id;
        END
    """)
    rows = ((sentence_id, spaceless_grams(text)) for sentence_id, text in db.conn.execute("SELECT id, text FROM sentences"))
    db.conn.executemany("INSERT INTO sentences_cjk (rowid, grams) VALUES (?, ?)", [row for row in rows if row[1]])


@migration
def m0018_document_weights(db: sqlite_utils.Database) -> None:
    """What a document's file weighs against ``--max-file-mb`` (an EPUB, Word, OpenDocument file,
    notebook or PDF: ``extract.read_size``): ``weight`` (bytes), ``weight_note`` (what it is where
    not its size on disk: "of PDF without its pictures"), and ``weight_limit``, the limit in bytes
    it was weighed against (a PDF's or notebook's weighing depends on it). Recorded with the file's
    stat (``size``, ``mtime_ns``, ``inode``, ``ctime_ns``), so an unchanged file is not weighed again
    by the next run (a PDF over the limit on disk is read through to be weighed: 0.18 s for beamer's
    illustrated user guide, 26.7 MiB, every run). NULL: another format, or not recorded (older
    rows, a PDF while pypdf is not installed): weighed as before, and recorded once weighed."""
    db["documents"].add_column("weight", int)
    db["documents"].add_column("weight_note", str)
    db["documents"].add_column("weight_limit", int)
