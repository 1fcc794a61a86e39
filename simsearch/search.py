"""Searching an index with one of its models: ``Searcher.open(store, "minilm").search(query)``.

The CLI (``simsearch search``) and the TUI both go through ``Searcher``; it loads the
encoder lazily, so opening is cheap and a UI can show a loading state meanwhile.

Searching is read-only: it never takes the indexer's writer lock and never writes the
database or the HNSW file (an out-of-date file is patched or rebuilt in memory only), so
a search never blocks, and is never blocked by, a running ``simsearch index``. Each query
reads one snapshot of the database (a read transaction): the vector index is brought to it
first, however long ago the ``Searcher`` was opened, so every id it finds has its row, and
sentences indexed since opening are found.

Modes (``Searcher.search(query, mode=...)``; the CLI's default is :data:`DEFAULT_MODE`):

- ``dense``: nearest sentences by the model's vectors (cosine similarity);
- ``lexical``: BM25 over the full-text index (SQLite FTS5) of the same sentences; each word of
  the query matches its tokens in sequence (``os.path.join`` matches "os path join"), any word
  may match. A one-word query with punctuation (``--batch-size``, ``config.json``,
  ``std::vector``) puts the sentences that hold it as written first, whatever BM25 thinks of
  the shorter ones holding only its tokens ("The batch size matters."), and an identifier
  without it (``TimeStamper``) those holding it before those holding only words of its stem: see
  ``Store.lexical_ranked``;
- ``hybrid``: both candidate lists fused by weighted reciprocal-rank fusion (:func:`fuse`), the
  dense side weighing :data:`DENSE_WEIGHT` times the lexical one. A one-word query (an
  identifier, a name) weighs the lexical side :data:`ONE_WORD_LEXICAL_WEIGHT` times the dense
  one instead, and puts the sentences holding it as written first, so a sentence that contains
  it comes first whenever one exists. Each side contributes distinct texts (one entry per text,
  at its best rank), so a text stored many times takes one rank, not many, and the fused order
  of the others does not depend on how often it is stored.

In every mode, sentences with the same text (boilerplate, repeated code lines) come back as one
hit that lists its other locations (``copies``; ``other_locations``, up to :data:`COPIES_LISTED`),
so copies never fill the top k, and ``--min-score`` applies to the cosine similarity (``dense_score``): a hit below it, or
without a vector for the model, is left out, whichever side found it. A hybrid hit that only
the lexical side found has its cosine too; in lexical mode it is computed only for
``--min-score``. Lexical search needs no model: it also works on an index whose models were all
forgotten.
"""

from __future__ import annotations

import collections
import fnmatch
import hashlib
import json
import math
import os
import shlex
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from stat import S_ISREG

import numpy as np

from .ann import VectorIndex, cosines
from .errors import SimsearchError, Superseded
from .reader_version import EXTRACTOR_VERSION
from .models import (EMBEDDED_ALIASES, command_line, embedded_model_path, read_only_note, fingerprint, index_command_line, is_folder, may_be_hub_id, models_dir,
                     names_model_here, ref_for_row)
from .store import NAMES_UPGRADE_NOTE, ModelRow, Store, file_identity, query_precision, searched_word_count, writer_alive


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
    # Which side found it ("dense", "lexical"), its cosine (None: no vector for the model, or
    # not computed in lexical mode without --min-score) and its BM25 (None: no word matched).
    found_by: list[str] = field(default_factory=lambda: ["dense"])
    dense_score: float | None = None
    lexical_score: float | None = None
    # Sentences in the index with exactly this text (1: no copies) and where the others are
    # (at most COPIES_LISTED of them, each {"path", "line", "sentence_id", "location"}).
    copies: int = 1
    other_locations: list[dict] = field(default_factory=list)
    # The file now against what was indexed (``file_state``): "indexed" (the same bytes), or
    # "changed", "gone", "unreadable": then its line and context may no longer be where it says.
    file: str = "indexed"
    # Read by another version of simsearch's reader (``EXTRACTOR_VERSION``): the sentence, its line
    # and its context are as that version stored them, until ``simsearch index`` reads the file again.
    read_by_other_version: bool = False

    @property
    def location(self) -> str:
        return f"{display_path(self.path)}:{self.line}"

    @property
    def found_mark(self) -> str:
        """``D``, ``L`` or ``D+L``: which side found the hit, for tables."""
        return "+".join(side[0].upper() for side in self.found_by)

    def as_dict(self) -> dict:
        return {**asdict(self), "location": self.location}


MODES = ("dense", "lexical", "hybrid")
# The default of `simsearch search`, `tui` and `eval retrieval`, chosen on the benchmarks
# (benchmarks/bench_retrieval.py, docs/retrieval.md): within 0.01 hit@10 of dense on every
# benchmark (at worst 2 of 416 django-docs questions below, with the model trained there), with
# minilm and with a model trained on the benchmark's corpus, better than BM25 with each of them
# (not with a paraphrase model trained by the paper's loss alone), and it finds a bare identifier at rank 1. (The
# library's ``Searcher.search`` keeps ``mode="dense"`` as its default: callers get cosine scores.)
DEFAULT_MODE = "hybrid"
# Reciprocal-rank fusion: score = sum over sides of weight / (RRF_K + rank), with DENSE_WEIGHT
# on the dense side and 1 on the lexical one, FUSION_DEPTH candidates a side. Chosen by
# benchmarks/bench_retrieval.py --sweep over four benchmarks (django-docs, pytest-docs,
# sphinx-docs, STS-B/SICK paraphrases), each with minilm and with a model trained on its corpus:
# among 110 rules (RRF k 10-100, dense weight 1-2, 50-300 candidates; convex combinations of
# cosine and BM25; cosine plus a BM25 bonus), the best worst hit@10 against dense (-0.002, one
# paraphrase query), then the best MRR@10. Re-measured over 134 rules once each side counted a
# text once: this rule's worst is -0.005 and cosine + 0.1 x BM25/max reaches 0.000, at 0.044 and
# 0.053 hit@10 less on two documentation rows, so this rule stays. The previous rule (equal weights, 300 candidates)
# fell 0.022 below dense (9 of 416 questions) with the model trained on django-docs: a trained
# dense side is worth more than BM25, so it weighs twice (docs/retrieval.md).
RRF_K = 30
DENSE_WEIGHT = 2.0
# A one-word query is an identifier or a name: a sentence that contains it comes first (the
# lexical side weighs this many times the dense side, so its first hit scores four times the
# most a dense-only hit can get).
ONE_WORD_LEXICAL_WEIGHT = 4.0
# Candidates taken from each side before fusing (at least k).
FUSION_DEPTH = 50
FUSION_WEIGHTS = {"dense": DENSE_WEIGHT, "lexical": 1.0}


def hybrid_order(query: str, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], *,
                 depth: int | None = None, dense_weight: float = DENSE_WEIGHT, rrf_k: float = RRF_K,
                 written: dict[int, int] | None = None, dense_share: float = 1.0) -> list[tuple[int, float]]:
    """Hybrid ranking of the two sides' ranked lists, the same however deep they go: the first
    ``depth`` of each side fused (:func:`fuse`), then the deeper candidates, fused among
    themselves, after them (``depth``: :data:`FUSION_DEPTH`). So ``-k 100`` starts with the same
    ten as ``-k 10``, given lists that start the same whatever their length (``Searcher._hybrid``
    reads the dense head at a fixed depth: an HNSW read deeper than its ``ef`` finds another top).

    For a one-word query the lexical head goes as deep as a lexical hit can still outrank every
    dense-only hit (rank r with ``4 w / (rrf_k + r) > w / (rrf_k + 1)``), so a sentence that
    contains the word comes first also when ``--min-score`` drops the first ``depth`` of them.
    A one-word query's lexical hits may hold only its tokens (``batch size`` for
    ``--batch-size``): ``written`` (id: how many of the query's punctuated words the sentence
    holds as written, from ``Store.lexical_ranked``) then puts those that hold it as written
    first, in their fused order, whatever the dense side thinks of the others. ``dense_share``:
    the share of the sentences the dense side could rank (:func:`fuse`).
    """
    depth = FUSION_DEPTH if depth is None else depth
    weights = fusion_weights(query, bool(lexical), dense_weight)
    lexical_depth = _lexical_head(weights, depth, rrf_k)
    head = fuse(dense[:depth], lexical[:lexical_depth], weights, rrf_k, dense_share)
    seen = {sentence_id for sentence_id, _ in head}
    tail = fuse(dense[depth:], lexical[lexical_depth:], weights, rrf_k, dense_share)
    order = head + [(sentence_id, score) for sentence_id, score in tail if sentence_id not in seen]
    if written and searched_word_count(query) == 1:
        order.sort(key=lambda item: -written.get(item[0], 0))  # stable: the fused order within each group
    return order


def _lexical_head(weights: dict[str, float], depth: int, rrf_k: float) -> int:
    if weights["lexical"] <= weights["dense"]:
        return depth
    return max(depth, math.ceil(weights["lexical"] / weights["dense"] * (rrf_k + 1) - rrf_k))


def lexical_depth_for(query: str, depth: int) -> int:
    """How many lexical candidates :func:`hybrid_order` reads for this query at ``depth``."""
    return _lexical_head(fusion_weights(query, True), depth, RRF_K)


def fusion_weights(query: str, lexical_found: bool, dense_weight: float = DENSE_WEIGHT) -> dict[str, float]:
    """The sides' weights for one query: a one-word query with lexical hits weighs the lexical side
    :data:`ONE_WORD_LEXICAL_WEIGHT` times the dense side. Words are counted as lexical search
    looks for them (``store.searched_word_count``): ``config.json ?`` is one word."""
    one_word = searched_word_count(query) == 1
    lexical = ONE_WORD_LEXICAL_WEIGHT * dense_weight if one_word and lexical_found else 1.0
    return {"dense": dense_weight, "lexical": lexical}


# Other locations listed per hit (``copies`` counts them all).
COPIES_LISTED = 20


def fuse(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], weights: dict[str, float] | None = None,
         rrf_k: float = RRF_K, dense_share: float = 1.0) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion of two ranked (id, score) lists, each without repeated
    ids: every id of either list once, as (id, fused score), best first. An id at rank r of a
    side gets ``weights[side] / (rrf_k + r)`` from it (ranks from 1; the sides' own scores are
    not used). Ties go to the id the dense list holds, in its order, then to the lexical
    order, so the result depends only on the two rankings.

    ``dense_share``: the share of the index's sentences the dense side could rank (a model whose
    ``index`` run was stopped, or is still running, has vectors for only some of them). Its rank r
    among those is taken as rank r / share among all, where it would stand on average: the
    few sentences of a model 1% embedded are not its first ten answers, and the sentences
    lexical search finds are not pushed below them."""
    weights = weights or FUSION_WEIGHTS
    fused: dict[int, float] = {}
    for side, ranked in (("dense", dense), ("lexical", lexical)):
        scale = 1.0 / dense_share if side == "dense" and 0 < dense_share < 1 else 1.0
        for rank, (sentence_id, _) in enumerate(ranked, 1):
            fused[sentence_id] = fused.get(sentence_id, 0.0) + weights[side] / (rrf_k + rank * scale)
    # dict order is first-seen order: the dense list, then the lexical-only ids; sorted() is stable
    return sorted(fused.items(), key=lambda item: -item[1])


def empty_query(query: str) -> bool:
    """Whether ``query`` holds nothing to look for: nothing but whitespace and control or format
    characters (NUL, an escape, a zero-width space, a byte-order mark)."""
    return all(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in query)


def check_query(query: str, what: str | None = None) -> str:
    """``query``, or the user's error "the query is empty" (:func:`empty_query`), as the CLI
    says it (``what``: which query, for a list)."""
    if not isinstance(query, str):
        raise TypeError(f"a query is a str, not {type(query).__name__}")
    if empty_query(query):
        raise SimsearchError("the query is empty" + (f" ({what}: {query!r})" if what else ""))
    return query


def needs_model(mode: str, min_score: float | None = None) -> bool:
    """Whether a search in ``mode`` uses the model (its folder, weights and vectors): every mode
    but ``lexical``, and ``lexical`` with ``min_score`` (a cosine needs the query's vector)."""
    return mode != "lexical" or min_score is not None


def file_state(store: Store, document_id: int, path: str, known: dict | None = None) -> str:
    """Whether the file at ``path`` still holds what was indexed for ``document_id``:
    "indexed" (its stat is the one recorded, or its bytes hash the same), "changed", "gone"
    or "unreadable" (not a file any more, no permission). ``known`` remembers the bytes' verdict
    for a row and a stat seen before (a searcher answering many queries hashes a file once)."""
    row = store.conn.execute("SELECT size, mtime_ns, inode, ctime_ns, hash FROM documents WHERE id = ?",
                             (document_id,)).fetchone()
    if row is None:
        return "changed"  # indexed again since this search read it
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return "gone"
    except OSError:
        return "unreadable"
    if not S_ISREG(stat.st_mode):
        return "unreadable"
    identity = file_identity(stat)
    if identity == tuple(row[:4]):
        return "indexed"
    if stat.st_size != row[0]:
        return "changed"
    key = (document_id, *row, *identity)
    if known is not None and key in known:
        return known[key]
    try:  # the same size, another stat (touched, copied back): the bytes decide, as for the indexer
        digester = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digester.update(block)
        same = digester.hexdigest() == row[4]
    except OSError:
        return "unreadable"
    if known is not None:
        known[key] = "indexed" if same else "changed"
    return "indexed" if same else "changed"


FILE_STATE_NOTES = {"changed": "changed since indexed", "gone": "gone since indexed", "unreadable": "cannot be read now"}


def root_gone(store: Store, path: str) -> bool:
    """Whether every indexed folder or file (root) that holds ``path`` is gone too: `simsearch
    index` keeps such a root's documents (a drive not mounted comes back), and only
    `simsearch forget --missing` takes them out."""
    roots = [root for root in store.roots() if path == root or Path(path).is_relative_to(root)]
    return bool(roots) and not any(os.path.exists(root) for root in roots)


def stale_note(store: Store, path: str, state: str) -> str:
    """The note on a hit whose file is not as indexed (``file_state``), with the command that
    brings the index up to date: "gone since indexed: run simsearch index"; for a file whose
    folder is gone too, "gone since indexed, its folder too: run simsearch forget --missing"; for
    one that cannot be read, both remedies (`index` would take its sentences out)."""
    if state == "gone" and root_gone(store, path):
        return (f"{FILE_STATE_NOTES[state]}, its folder too: run {command_line('forget', '--missing', db=store.path)}"
                f"{read_only_note(store.path)}")
    if state == "unreadable":  # `index` takes such a file out (as a fresh index would not hold it): say so
        return (f"{FILE_STATE_NOTES[state]}: make it readable again (no permission, or not a file), or run "
                f"{command_line('index', db=store.path)} to take it out{read_only_note(store.path)}")
    return f"{FILE_STATE_NOTES[state]}: run {command_line('index', db=store.path)}{read_only_note(store.path)}"
# A hit's file read by another version of the reader (``Hit.read_by_other_version``).
OTHER_READER_NOTE = "read by another version of simsearch"


def index_running_message(store: Store, again: str = "search again") -> str | None:
    """The warning for a search while another command holds the index's writer lock (a running
    `simsearch index`; `forget` too, for a moment), or None: what that means for the results. Read
    from the lock file's process id (``store.writer_alive``), never by taking the lock, which
    would block the writer. ``again``: what to do once the run is done (``eval retrieval``'s
    figures, the TUI's panes)."""
    if not writer_alive(store):
        return None
    return (f"an index run is in progress on {store.path}: results may miss files not yet indexed, and show "
            f"changed files as they were; {again} when it is done")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise SimsearchError(f"--mode {mode!r}: expected one of {', '.join(MODES)}")
    return mode


def shown_score(score: float, mode: str) -> str:
    """A score as people read it, in `search`'s table and everywhere in the TUI: three decimals,
    four in hybrid mode, whose fused scores (sums of weight / (RRF_K + rank)) are small."""
    return f"{score:.4f}" if mode == "hybrid" else f"{score:.3f}"


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the working directory (``cwd``, read once by callers in a loop) when below it, else as stored."""
    cwd = cwd or os.getcwd()
    try:
        return os.path.relpath(path, cwd) if Path(path).is_relative_to(cwd) else path
    except ValueError:
        return path


def folder_named(name: str) -> str | None:
    """The absolute folder a model name means from here when it is a path (``./m``, ``m`` for a
    folder in the working directory, ``/abs/m``), as ``models.resolve_offline`` reads it; None
    for the embedded model's aliases, a trained model's name in the models folder (the index's
    model of that name is meant, wherever ``$SIMSEARCH_MODELS`` points now) and names that are
    no folder here (hub ids, a folder since deleted)."""
    if name.lower() in EMBEDDED_ALIASES or ("/" not in name and is_folder(models_dir() / name)):
        return None
    folder = Path(name).expanduser()
    return os.path.abspath(folder) if is_folder(folder) else None


def find_model(store: Store, name: str) -> ModelRow | None:
    """The index's model a user means by ``name``: by name, unless the name is a folder here
    that is not that row's folder (then by that folder); else by the folder another spelling
    (an alias, a trained model's name, a path) points to. A name that means a folder the index
    does not hold, where the index holds another folder under that name, is an error naming both."""
    row = store.model(name)
    here = folder_named(name)
    if row is not None and here is not None and not same_folder(row.path, here):
        # './m' from another working directory: the index's './m' is another folder's model
        found = row_for_folder(store, here)
        if found is None:
            raise SimsearchError(f"model {name!r} is the folder {here} here, which the index does not hold "
                                 f"(its {name!r} is the folder {row.path}); `{index_command_line(name, store.path)}` adds it")
        return found
    if row is None:
        folders = [Path(name).expanduser(), models_dir() / name]
        if name.lower() in EMBEDDED_ALIASES:
            folders.insert(0, embedded_model_path())
        for folder in folders:
            row = row or (row_for_folder(store, str(folder)) if is_folder(folder) else None)
    return row


def row_for_folder(store: Store, folder: str) -> ModelRow | None:
    """The index's model whose folder is ``folder``, however either is spelled (``..``, a
    symlink): by the stored spelling first, then by comparing the folders themselves."""
    for spelling in dict.fromkeys([os.path.abspath(folder), str(Path(folder).resolve())]):
        row = store.model_by_path(spelling)
        if row is not None:
            return row
    return next((row for row in store.models() if same_folder(row.path, folder)), None)


def same_folder(a: str, b: str) -> bool:
    """Whether two spellings name one folder (through symlinks); a folder that is gone is no other's."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def model_ref(row: ModelRow, db: str | Path | None = None):
    """The ``ModelRef`` behind an index's model: found at its stored folder with its stored
    pooler, and checked against the fingerprint it was indexed with (``db``: the index, named in
    the remedy of a refusal)."""
    return ref_for_row(row.name, row.path, row.pooler, row.fingerprint, db)


def pick_model(store: Store, name: str | None) -> ModelRow:
    """An index's model by name (or by the folder the name points to); default the embedded one."""
    rows = store.models()
    if not rows:
        raise SimsearchError(f"the index at {store.path} holds no models yet: run "
                             f"`{command_line('index', 'FOLDER', db=store.path)}`")
    if name is None:
        return next((row for row in rows if row.name == "minilm"), rows[0])
    row = find_model(store, name)
    if row is None:
        raise SimsearchError(not_held_message(store, name))
    return row


def not_held_message(store: Store, name: str) -> str:
    """The refusal for a model name the index does not hold (:func:`find_model` found nothing),
    with a remedy that works: where the index holds a model of that folder name (``-m model-a``,
    the index's ``../edge/model-a``), that model, spelled so that it means it from here (its
    folder, else its name as the index stores it), shell-quoted; else the ``index`` command that
    adds ``name``. (``index --model model-a`` would fail there: no such folder here; so would
    ``index --model ./gone`` for a path that is no folder, which no download provides either.)"""
    rows = store.models()
    held = ", ".join(row.name for row in rows)
    here = folder_named(name)
    what = f"{name!r} (the folder {here} here)" if here not in (None, name) else repr(name)
    refusal = f"model {what} is not in the index (it holds: {held})"
    if here is None:
        wanted = Path(name.rstrip("/\\")).name
        for row in rows:
            if wanted and wanted in (Path(row.name.rstrip("/")).name, Path(row.path).name):
                spelling = next((s for s in (row.path, row.name) if _means(store, s, row)), None)
                if spelling is not None:
                    return (f"{refusal}; its {row.name!r} is the folder {row.path}: name it "
                            f"`-m {shlex.quote(spelling)}`")
    if here is None and not names_model_here(name):
        if "/" not in name:
            return (f"{refusal}, and no model of that name is here (an alias, a trained model in {models_dir()} or "
                    "a folder): `simsearch models` lists those you have")
        if not may_be_hub_id(name):  # (an "org/name" may be a hub id to download: `index` would fetch it)
            return f"{refusal}, and there is no folder {name} here: `simsearch models` lists those you have"
    return f"{refusal}; add it with `{index_command_line(name, store.path)}`"


def _means(store: Store, spelling: str, row: ModelRow) -> bool:
    """Whether ``-m spelling`` finds ``row`` from here."""
    try:
        found = find_model(store, spelling)
    except SimsearchError:
        return False
    return found is not None and found.id == row.id


def _distinct(ranked, texts: dict[int, str], first: dict[str, int]) -> list[tuple[int, float]]:
    """A side's ranked (id, score) list with one entry per text, at its best rank, under the id
    that stands for the text (``first``: filled with the text's first id seen on any side)."""
    out, seen = [], set()
    for sentence_id, score in ranked:
        text = texts.get(sentence_id)
        if text is None or text in seen:
            continue  # (a row always exists within the search's snapshot)
        seen.add(text)
        out.append((first.setdefault(text, sentence_id), score))
    return out


def read_distinct(fetch, wanted: int, texts: dict[int, str], text_of) -> tuple[list, bool]:
    """One side's raw rows (id first, copies included) as hybrid search reads them, and whether
    they are all the side has: ``fetch(n)`` at twice ``wanted`` (docs repeat lines; a second read
    costs a whole query), four times deeper while the rows hold fewer than ``wanted`` distinct
    texts. ``texts`` gains the rows' texts (``text_of``: ids -> {id: text})."""
    read = 2 * wanted
    while True:
        raw = fetch(read)
        texts.update(text_of([row[0] for row in raw if row[0] not in texts]))
        done = len(raw) < read
        if done or len({texts[row[0]] for row in raw}) >= wanted:
            return raw, done
        read *= 4


def distinct_sides(head_raw: list, lexical_raw: list, texts: dict[int, str], deep_raw: list | None = None
                   ) -> tuple[list[tuple[int, float]], list[tuple[int, float]], dict[int, int]]:
    """The lists hybrid search fuses, from the sides' raw rows: one entry per text at its best
    rank (:func:`_distinct`), a text standing under its best copy in the dense head, else its
    best lexical copy, else its best copy in ``deep_raw`` (a deeper dense read, whose texts
    follow the head's first :data:`FUSION_DEPTH`); and ``written`` (id: punctuated query words
    it holds as written, from ``Store.lexical_ranked``) for :func:`hybrid_order`."""
    first: dict[str, int] = {}  # text: the id that stands for it
    dense = _distinct(head_raw, texts, first)
    lexical = _distinct(((i, score) for i, score, _ in lexical_raw), texts, first)
    if deep_raw:
        dense = dense[:FUSION_DEPTH]
        placed = {i for i, _ in dense}
        dense += [(i, score) for i, score in _distinct(deep_raw, texts, first) if i not in placed]
    written = {first[texts[i]]: count for i, _, count in lexical_raw if count}
    return dense, lexical, written


class Searcher:
    """Searches one model's vectors; ``timings`` holds the last query's milliseconds."""

    def __init__(self, store: Store, model: ModelRow, vectors: VectorIndex | None = None, *, device: str = "auto",
                 ref=None, precision: str | None = None):
        self.store = store
        self.model = model
        # The model's folder (``ref``) and its vector index are found when a search first needs
        # them: lexical search reads only the full-text index, so it works with the model's
        # folder moved, deleted or changed (see ``open(lexical_only=True)``).
        self._ref = ref
        self._vectors = vectors
        self.device = device
        # Queries are encoded at the precision the model's vectors were made at (None or
        # "auto": the recorded one; another value is refused by store.query_precision).
        recorded = getattr(model, "precision", "fp32")
        self.precision = recorded if getattr(precision, "value", precision) in (None, "auto") else query_precision(model, precision,
                                                                                                          store.path)
        self.encoder = None
        self.timings: dict[str, float] = {}
        self._file_states: dict[tuple, str] = {}  # see ``file_state``
        self._batch_thread: int | None = None  # the thread in ``search_many``'s queries, if any (see ``embed``)
        self._batch_checked = False

    @classmethod
    def open(cls, store: Store, model: str | None = None, *, device: str = "auto",
             precision: str | None = None, lexical_only: bool = False) -> "Searcher":
        """A searcher over one of the index's models (``model``: see :func:`pick_model`).

        The model's folder is found and checked against its fingerprint here, so a model moved
        or changed since indexing fails early, with a clear message. With ``lexical_only`` (the
        caller will only search in ``lexical`` mode without ``min_score``: see
        :func:`needs_model`) it is not: BM25 reads the index alone, so lexical search works
        without the model's folder; a later search that needs the model checks it then. It
        works without any model too (``model`` None on an index whose models were all
        forgotten): then ``model`` is None and a search that needs one is the error
        :func:`pick_model` gives.
        """
        if lexical_only and model is None and not store.models():
            return cls(store, None, device=device, precision=precision)
        row = pick_model(store, model)
        query_precision(row, precision, store.path)  # a --precision the vectors were not made at fails before any loading
        if lexical_only:
            return cls(store, row, device=device, precision=precision)
        ref = model_ref(row, store.path)  # fails early, with a clear message, if the model changed on disk
        vectors = VectorIndex.open(store, row, save=False)  # a reader: never the writer lock, never a write
        return cls(store, row, vectors, device=device, ref=ref, precision=precision)

    @property
    def ref(self):
        """The model's ``ModelRef``, found (and checked) on first use: an error if its folder is
        gone or any of its files changed since it was indexed."""
        if self._ref is None:
            self._ref = model_ref(self._model_row(), self.store.path)
        return self._ref

    @property
    def vectors(self) -> VectorIndex:
        """The model's vector index, opened on first use (lexical search never opens it)."""
        if self._vectors is None:
            self._vectors = VectorIndex.open(self.store, self._model_row(), save=False)
        return self._vectors

    def _model_row(self) -> ModelRow:
        """The searcher's model; an index without any (a lexical-only searcher) is the user's error."""
        return self.model if self.model is not None else pick_model(self.store, None)

    @property
    def model_loaded(self) -> bool:
        """Whether the model's vectors and weights are loaded (a lexical-only searcher loads
        them on its first search that needs them)."""
        return self._vectors is not None and self.encoder is not None

    @property
    def name(self) -> str | None:
        """The model's name (None: a lexical-only searcher over an index without models)."""
        return self.model.name if self.model is not None else None

    @property
    def size(self) -> int:
        return self.vectors.count

    def sentences(self) -> int:
        """Sentences in the index (what lexical search reads), whatever the model's vectors."""
        return self.store.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]

    def load_encoder(self):
        if self.encoder is None:
            from .encoder import Encoder

            encoder = Encoder.load(self.ref, device=self.device, precision=self.precision)
            # The folder was checked when the searcher opened; the weights are read only now
            # (the TUI opens its panes first): a model retrained in between is refused, never
            # its new weights compared with the old one's vectors.
            if fingerprint(self.ref) != self.model.fingerprint:
                self._refuse_changed()
            self.encoder = encoder
        return self.encoder

    def embed(self, queries: list[str]) -> np.ndarray:
        encoder = self.load_encoder()
        # The weights in memory are those the vectors were made with, but a model retrained
        # behind its name since it loaded (a long-lived TUI, a `--queries` run) is another model
        # now: `search` and `status` say "changed", so answers under its name would not be its.
        # (The files' hashes are cached by their stat: an unchanged folder costs a few stats.)
        if self._batch_thread != threading.get_ident():
            self._check_unchanged()
        elif not self._batch_checked:  # ``search_many``'s first query: it checks again after its last
            self._check_unchanged()
            self._batch_checked = True
        return encoder.encode(queries, normalize=True, progress=False)

    def _check_unchanged(self) -> None:
        if fingerprint(self.ref) != self.model.fingerprint:
            self._refuse_changed()

    def _refuse_changed(self) -> None:
        """The error for a model whose files are no longer those this searcher opened. Against the
        index's row as it is now: the folder gone, unreadable or changed since it was indexed (the
        remedy: `index`), or changed and re-embedded meanwhile, where `index` would do nothing and a
        new search uses the new model."""
        current = self.store.model(self.name)
        if current is None:  # forgotten meanwhile
            raise SimsearchError(not_held_message(self.store, self.name))
        model_ref(current, self.store.path)  # its own words: gone, unreadable, changed (not re-embedded)
        raise Superseded(f"model {self.name!r} changed and was re-embedded since this search loaded it "
                             f"({self.ref.path}): search again to use the new one")

    def dense_share(self) -> float:
        """The share of the index's sentences this model's vectors cover: 1.0 once `simsearch
        index` has embedded them all, less while a run embeds them or after one was stopped
        (hybrid search then ranks its dense side as a sample: :func:`fuse`)."""
        total = self.sentences()
        return 1.0 if total <= 0 else min(1.0, self.vectors.count / total)

    def missing_vectors(self) -> int:
        """Sentences that have no vector for this model yet (a half-indexed database): dense
        search cannot find them until ``simsearch index`` has encoded them."""
        return self.store.count_missing_vectors(self._model_row().id)

    def missing_message(self) -> str | None:
        """The warning for a half-indexed database, or None when every sentence has a vector."""
        missing = self.missing_vectors()
        if not missing:
            return None
        total = self.store.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
        why = f" ({NAMES_UPGRADE_NOTE})" if self.store.names_upgrade_dropped() else ""
        return (f"{missing:,} of {total:,} sentences have no vector for model {self.name} yet{why}; "
                f"run `{command_line('index', db=self.store.path)}` (dense search cannot find them until then)")

    def search(self, query: str, k: int = 10, *, mode: str = "dense", min_score: float | None = None,
               path_glob: str | None = None, context: int = 1) -> list[Hit]:
        """The ``k`` best sentences for ``query`` in ``mode`` (fewer with ``min_score``, a
        ``path_glob`` or a small index), copies of one text collapsed into one hit: ``copies``
        counts them all, ``other_locations`` lists up to :data:`COPIES_LISTED` of the others.

        ``mode`` defaults to ``dense`` here (``score`` is then the cosine); the CLI's default
        is :data:`DEFAULT_MODE`. ``min_score`` applies to the cosine in every mode. A query of
        nothing but whitespace and control characters is refused ("the query is empty"), as
        by the CLI. Exactly tied scores come in the order of the sentences' places (path, then
        place in the file), so the hits for ``k`` are the start of the hits for a larger ``k``
        (exact search; HNSW for ``k`` up to its ``ef``), and any index of the same files gives them alike."""
        check_mode(mode)
        check_query(query)
        needs_vector = needs_model(mode, min_score)
        if needs_vector:
            self.load_encoder()  # loading is not query latency
        started = time.perf_counter()
        vector = self.embed([query])[0] if needs_vector else None
        encoded = time.perf_counter()
        hits = self._search(query, vector, k, mode, min_score, path_glob, context)
        done = time.perf_counter()
        self.timings = {"encode_ms": (encoded - started) * 1e3, "search_ms": (done - encoded) * 1e3,
                        "total_ms": (done - started) * 1e3}
        return hits

    def search_many(self, queries: list[str], k: int = 10, *, mode: str = "dense", min_score: float | None = None,
                    path_glob: str | None = None, context: int = 1,
                    on_query: Callable[[], None] | None = None) -> list[list[Hit]]:
        """``search`` for each query: each query's hits are exactly what ``search`` gives it, whatever
        the other queries (``eval retrieval`` measures what a user gets).

        So each query is embedded alone, as ``search`` embeds it: in one padded batch (bf16 autocast,
        which ``auto`` picks on a CPU with bf16) a query's vector moved with the longest query of
        its batch, by up to 0.0017 in cosine, enough to swap ranks. (Batches of queries of one token
        length gave the same bits on one CPU, but nothing promises that on another device.) A
        query repeated in the list is embedded once. ``on_query()`` is called as each query is
        answered (a progress bar)."""
        check_mode(mode)
        if k < 1:
            raise SimsearchError(f"-k {k}: must be at least 1")
        queries = list(queries)
        for number, query in enumerate(queries, 1):
            check_query(query, f"query {number} of {len(queries)}")
        vectors: dict[str, np.ndarray | None] = {}
        if needs_model(mode, min_score):
            # The model checked at the first query and after the last, not at each (4.5% of 1,000
            # queries): the results are all or nothing, so a retrain that overtakes the run
            # refuses it all the same.
            self._batch_thread, self._batch_checked = threading.get_ident(), False
            try:
                for query in queries:
                    if query not in vectors:
                        vectors[query] = self.embed([query])[0]
            finally:
                self._batch_thread = None
            if self._batch_checked:
                self._check_unchanged()
        results = []
        for query in queries:
            results.append(self._search(query, vectors.get(query), k, mode, min_score, path_glob, context))
            if on_query is not None:
                on_query()
        return results

    def search_vector(self, vector: np.ndarray, k: int = 10, *, min_score: float | None = None,
                      path_glob: str | None = None, context: int = 1) -> list[Hit]:
        """The ``k`` sentences nearest to an embedded query, one hit per sentence (copies of
        a text are not collapsed: this is the raw dense ranking)."""
        if k < 1:
            raise SimsearchError(f"-k {k}: must be at least 1")
        with self.store.snapshot():  # the ids found and the rows read for them: one state of the index
            allowed = self.allowed_ids(path_glob) if path_glob else None
            ids, scores = self.vectors.search(vector, k, allowed)
            hits = self._hits(ids, scores, context)
        for hit in hits:
            hit.dense_score = hit.score
        if min_score is not None:
            hits = [hit for hit in hits if hit.score >= min_score]
        return hits

    # --- one query in any mode --------------------------------------------------------------

    def _search(self, query: str, vector: np.ndarray | None, k: int, mode: str, min_score: float | None,
                path_glob: str | None, context: int) -> list[Hit]:
        if k < 1:
            raise SimsearchError(f"-k {k}: must be at least 1")
        # One read transaction for the whole query: the dense side (refreshed to it, see
        # ``VectorIndex.refresh``), the lexical side and the rows of the hits all see one state
        # of the index, so no id found is missing from it, whatever ``index`` commits meanwhile.
        with self.store.snapshot():
            return self._search_snapshot(query, vector, k, mode, min_score, path_glob, context)

    def _search_snapshot(self, query: str, vector: np.ndarray | None, k: int, mode: str, min_score: float | None,
                         path_glob: str | None, context: int) -> list[Hit]:
        documents = self.allowed_documents(path_glob) if path_glob else None
        allowed = self._sentence_ids(documents) if documents is not None else None
        if mode == "hybrid":
            return self._hybrid(query, vector, k, min_score, documents, allowed, context)
        if mode == "dense":
            return self._dense(vector, k, min_score, documents, allowed, context)
        depth, texts = max(k, FUSION_DEPTH), {}
        cosine: dict[int, float] = {}
        while True:
            # Copies of one text collapse into one hit: ask deeper until k distinct texts are found
            # (counted by their texts; the hits are made once, from the last read).
            ranked = lexical = self.store.lexical(query, depth, documents)
            if min_score is not None:
                cosine.update(self._cosines(vector, [i for i, _ in ranked if i not in cosine]))
                ranked = [(i, score) for i, score in ranked if cosine.get(i, -np.inf) >= min_score]
            texts.update(self._texts([i for i, _ in ranked if i not in texts]))
            if len({texts[i] for i, _ in ranked if i in texts}) >= k or len(lexical) < depth:
                return self._collapse(ranked, k, cosine, set(), dict(lexical), documents, context)
            depth *= 4

    def _dense(self, vector: np.ndarray, k: int, min_score: float | None, documents: list[int] | None,
               allowed: np.ndarray | None, context: int) -> list[Hit]:
        """Dense search, one hit per text, whose first hits are the same whatever ``k``: the
        first :data:`FUSION_DEPTH` texts come from one read of a fixed depth (:meth:`_dense_read`),
        as in :meth:`_hybrid`, and a deeper ``k`` (or a ``--min-score`` that leaves fewer than
        ``k`` of them) reads deeper only for the texts after them. (A read as deep as ``k``, four
        times deeper while copies collapsed, did not do: HNSW searches with ``ef = max(hnsw_ef,
        read)``, so a text stored more often than ``ef`` had another copy, or other neighbours,
        at ``-k 2`` than at ``-k 1``.) Past the head, a deeper read's texts follow in their own
        order: a text it finds that scores above the head's last comes after the head."""
        wanted = max(k, FUSION_DEPTH)
        texts: dict[int, str] = {}
        head_raw, head_done = self._dense_read(vector, FUSION_DEPTH, allowed, texts)
        while True:
            deep_raw, done = [], head_done
            if wanted > FUSION_DEPTH and not head_done:
                deep_raw, done = self._dense_read(vector, wanted, allowed, texts)
            dense = distinct_sides(head_raw, [], texts, deep_raw)[0][:wanted]
            cosine = dict(dense)
            ranked = dense if min_score is None else [(i, score) for i, score in dense if score >= min_score]
            # One entry per text already: the first k are the hits (rows for 100 ids cost 0.2 ms).
            hits = self._collapse(ranked[:k], k, cosine, set(cosine), {}, documents, context)
            # The dense list is the nearest by cosine: once its last one is below --min-score,
            # no sentence further down can pass it.
            below = min_score is not None and bool(dense) and dense[-1][1] < min_score
            if len(hits) >= k or done or below:
                return hits
            wanted *= 4

    def _hybrid(self, query: str, vector: np.ndarray, k: int, min_score: float | None, documents: list[int] | None,
                allowed: np.ndarray | None, context: int) -> list[Hit]:
        """Hybrid search fuses distinct texts: each side's list keeps one entry per text (its
        best-ranked copy), so its ranks count texts, and the fused order of the texts is the
        same whether one of them is stored once or a hundred times (boilerplate does not push
        the others down).

        The fused head (:func:`hybrid_order`) is the same whatever ``k``: its dense texts come
        from one read of a fixed depth (:meth:`_dense_read` at :data:`FUSION_DEPTH` texts), and
        a deeper ``k`` reads deeper only for the texts after them. (One read as deep as ``k``
        would not do: HNSW searches with ``ef = max(hnsw_ef, read)``, so a read of 200 returns
        another, better top 50 than the read of 100 behind ``-k 10``.) The lexical side needs
        no such care: ``Store.lexical_ranked`` only adds at the end when read deeper. A text's
        hit is its best copy in the dense head, else its best lexical copy, else its best copy
        in the deeper dense read (in that order, so a deeper ``k`` never changes a head hit)."""
        wanted = max(k, FUSION_DEPTH)  # distinct texts a side contributes (as raw ids before: see hybrid_order)
        texts: dict[int, str] = {}
        head_raw, head_done = self._dense_read(vector, FUSION_DEPTH, allowed, texts)
        share = self.dense_share()
        while True:
            wanted_lexical = lexical_depth_for(query, wanted)
            deep_raw, dense_done = [], head_done
            if wanted > FUSION_DEPTH and not head_done:
                deep_raw, dense_done = self._dense_read(vector, wanted, allowed, texts)
            lexical_raw, lexical_done = read_distinct(lambda n: self.store.lexical_ranked(query, n, documents),
                                                      wanted_lexical, texts, self._texts)
            dense, lexical, written = distinct_sides(head_raw, lexical_raw, texts, deep_raw)
            dense, lexical = dense[:wanted], lexical[:wanted_lexical]
            ranked = hybrid_order(query, dense, lexical, written=written, dense_share=share)
            cosine = dict(dense)
            if min_score is not None:
                cosine.update(self._cosines(vector, [i for i, _ in ranked if i not in cosine]))
                ranked = [(i, score) for i, score in ranked if cosine.get(i, -np.inf) >= min_score]
            hits = self._collapse(ranked, k, cosine, {i for i, _ in dense}, dict(lexical), documents, context,
                                  vector=vector)
            exhausted = dense_done and lexical_done
            # The dense list is the nearest by cosine: once its last one is below --min-score,
            # no sentence further down (on either side) can pass it.
            below = min_score is not None and bool(dense) and dense[-1][1] < min_score
            if len(hits) >= k or exhausted or below:
                return hits
            wanted *= 4

    def _dense_read(self, vector: np.ndarray, wanted: int, allowed: np.ndarray | None,
                    texts: dict[int, str]) -> tuple[list[tuple[int, float]], bool]:
        """The dense side's raw (id, cosine) list, read until it holds ``wanted`` distinct texts
        (copies take raw ranks; :func:`read_distinct`), and whether it is all there is."""
        copies: dict[str, dict[int, bytes]] = {}  # the read's texts: each copy's vector, read once
        place: dict[int, tuple[str, int]] = {}

        def fetch(n: int) -> list[tuple[int, float]]:
            ids, scores = self.vectors.search(vector, n, allowed)
            found = list(zip(ids.tolist(), scores.tolist()))
            found += self._tied_copies(found, allowed, copies)
            # Copies that share a vector tie exactly: they go in their places' order (path, then
            # place in the file), not their ids', so any index of the same files ranks them alike.
            place.update(self.store.places([i for i, _ in found if i not in place]))
            return sorted(found, key=lambda item: (-item[1], place.get(item[0], ("", 0))))

        return read_distinct(fetch, wanted, texts, self._texts)

    def _tied_copies(self, found: list[tuple[int, float]], allowed: np.ndarray | None,
                     copies: dict[str, dict[int, bytes]]) -> list[tuple[int, float]]:
        """The copies of ``found``'s texts that share a found row's vector (so its score) and that
        the read left out: a read cut inside their group holds those the vector index returned
        first (by id; HNSW returns any few of many equal vectors), and which copy stands for a
        text goes by place among all of them. ``copies`` keeps each text's copies (those
        ``allowed``) with their vectors for the read's later fetches: 30,000 copies of one text
        are 46 MiB of minilm's vectors, read once a read, not once a fetch."""
        texts = self._texts([i for i, _ in found])
        new = sorted(set(texts.values()) - copies.keys())
        if new:
            rows = self.store.conn.execute("SELECT id, text FROM sentences WHERE text IN (SELECT value FROM json_each(?))",
                                           (json.dumps(new),)).fetchall()
            if allowed is not None:
                permitted = set(allowed.tolist())
                rows = [(i, text) for i, text in rows if i in permitted]
            for text in new:
                copies[text] = {}
            shared = {text for text, count in collections.Counter(text for _, text in rows).items() if count > 1}
            rows = [(i, text) for i, text in rows if text in shared]  # (a text stored once ties with nothing)
            ids, matrix = self.store.vectors(self.model, [i for i, _ in rows])
            vectors = {i: vector.tobytes() for i, vector in zip(ids.tolist(), matrix)}
            for i, text in rows:
                if i in vectors:
                    copies[text][i] = vectors[i]
        have = {i for i, _ in found}
        score_of = {}
        for i, score in found:
            held = copies.get(texts.get(i), {})
            if i in held:
                score_of[texts[i], held[i]] = score
        added = []
        for text in {texts[i] for i in have if i in texts}:
            for i, held in copies[text].items():
                if i not in have:
                    score = score_of.get((text, held))
                    if score is not None:
                        added.append((i, score))
        return added

    def _texts(self, ids: list[int]) -> dict[int, str]:
        """The text of each of these sentences."""
        return dict(self.store.conn.execute("SELECT id, text FROM sentences WHERE id IN (SELECT value FROM json_each(?))",
                                            (json.dumps(sorted(set(ids))),)))

    def _cosines(self, vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine similarity of the query to these sentences' vectors (those that have one)."""
        if not ids:
            return {}
        found, matrix = self.store.vectors(self.model, ids)
        scores = cosines(matrix, vector)  # as the vector index scores it: one sentence, one cosine
        return {int(i): float(score) for i, score in zip(found.tolist(), scores.tolist()) if np.isfinite(score)}

    def _collapse(self, ranked: list[tuple[int, float]], k: int, cosine: dict[int, float], dense_ids: set[int],
                  bm25: dict[int, float], documents: list[int] | None, context: int, *,
                  vector: np.ndarray | None = None) -> list[Hit]:
        """The first ``k`` distinct texts of a ranking as hits, each with where its copies are.
        With the query's ``vector``, a hit the dense side did not return gets its cosine too
        (``dense_score`` is None only for a sentence without a vector)."""
        if not ranked:
            return []
        ids = np.fromiter((i for i, _ in ranked), dtype=np.int64, count=len(ranked))
        scores = np.fromiter((score for _, score in ranked), dtype=np.float64, count=len(ranked))
        seen: set[str] = set()
        hits = []
        for hit in self._hits(ids, scores, 0):
            if hit.text in seen:
                continue
            seen.add(hit.text)
            hit.rank = len(hits) + 1
            hit.dense_score = round(cosine[hit.sentence_id], 6) if hit.sentence_id in cosine else None
            hit.lexical_score = round(bm25[hit.sentence_id], 6) if hit.sentence_id in bm25 else None
            hit.found_by = [side for side, found in (("dense", hit.sentence_id in dense_ids),
                                                      ("lexical", hit.sentence_id in bm25)) if found]
            hits.append(hit)
            if len(hits) == k:
                break
        unscored = [hit.sentence_id for hit in hits if hit.dense_score is None]
        if vector is not None and unscored:
            scores = self._cosines(vector, unscored)
            for hit in hits:
                if hit.dense_score is None and hit.sentence_id in scores:
                    hit.dense_score = round(scores[hit.sentence_id], 6)
        cwd = os.getcwd()
        states: dict[int, str] = {}
        older = self.store.read_by_other_extractor(EXTRACTOR_VERSION, {hit.document_id for hit in hits})
        for index, hit in enumerate(hits):
            copies = self.store.copies(hit.text, documents)
            if hit.document_id not in states:
                states[hit.document_id] = file_state(self.store, hit.document_id, hit.path, self._file_states)
            if states[hit.document_id] != "indexed" and len(copies) > 1:
                hit = hits[index] = self._live_copy(hit, copies, states)
            hit.file = states[hit.document_id]
            hit.read_by_other_version = hit.document_id in older
            hit.copies = max(1, len(copies))
            others = [(sentence_id, path, line) for sentence_id, path, line in copies
                      if sentence_id != hit.sentence_id][:COPIES_LISTED]  # (display_path is slow: only for those listed)
            hit.other_locations = [
                {"path": path, "line": line, "sentence_id": sentence_id, "location": f"{display_path(path, cwd)}:{line}"}
                for sentence_id, path, line in others]
            if context > 0:
                self._add_context(hit, context)
        return hits

    def allowed_documents(self, path_glob: str) -> list[int]:
        """Ids of the documents whose path matches the glob (absolute or relative to cwd), or that
        lie under it as a folder."""
        pattern = str(Path(path_glob).expanduser()) if path_glob.startswith("~") else path_glob
        cwd = os.getcwd()
        # `./docs/a.md` or `../here/docs/a.md` names what `docs/a.md` does: match the path's
        # absolute spelling without `.` and `..` too (as the index stores paths).
        absolute = os.path.normpath(os.path.join(cwd, pattern))
        # "Ü" typed is one character (NFC); a file named on a Mac, or unpacked from its archive, often
        # spells it as "U" and a combining diaeresis (NFD): both read the same, so both match.
        pattern, absolute = unicodedata.normalize("NFC", pattern), unicodedata.normalize("NFC", absolute)
        cwd = unicodedata.normalize("NFC", cwd)
        prefix = absolute.rstrip(os.sep) + os.sep
        documents = []
        for document_id, path in self.store.conn.execute("SELECT id, path FROM documents"):
            path = unicodedata.normalize("NFC", path)
            if (fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, absolute)
                    or fnmatch.fnmatchcase(display_path(path, cwd), pattern)
                    or fnmatch.fnmatchcase(os.path.basename(path), pattern) or path.startswith(prefix)):
                documents.append(document_id)
        return documents

    def allowed_ids(self, path_glob: str) -> np.ndarray:
        """Sentence ids of documents whose path matches the glob (absolute or relative to cwd)."""
        return self._sentence_ids(self.allowed_documents(path_glob))

    def _sentence_ids(self, documents: list[int]) -> np.ndarray:
        ids = [row[0] for row in self.store.conn.execute(
            "SELECT id FROM sentences WHERE document_id IN (SELECT value FROM json_each(?))", (json.dumps(documents),))]
        return np.asarray(ids, dtype=np.int64)

    def _live_copy(self, hit: Hit, copies: list[tuple[int, str, int]], states: dict[int, str]) -> Hit:
        """``hit``, whose file changed or is gone, as a copy of it whose file holds what was
        indexed, when one ties with it: the same text and, for a hit with a cosine, the same
        vector (the same neighbours and file name), so the same scores. A moved folder indexed at
        its new place (its old one kept while missing: a drive not mounted) ties with every copy
        it left, and ties go by the copies' places, so the old copy may come first. Else ``hit`` itself."""
        others = [sentence_id for sentence_id, _, _ in copies if sentence_id != hit.sentence_id]
        live = []
        for copy in self._hits(np.array(others, dtype=np.int64), np.full(len(others), hit.score), 0):  # path, line order
            if copy.document_id not in states:
                states[copy.document_id] = file_state(self.store, copy.document_id, copy.path, self._file_states)
            if states[copy.document_id] == "indexed":
                live.append(copy)
        if live and hit.dense_score is not None:  # its cosine came from its own vector: a copy must have it too
            found, matrix = self.store.vectors(self.model, [hit.sentence_id, *(copy.sentence_id for copy in live)])
            vectors = dict(zip(found.tolist(), matrix))
            mine = vectors.get(hit.sentence_id)
            live = [copy for copy in live if mine is not None and copy.sentence_id in vectors
                    and np.array_equal(vectors[copy.sentence_id], mine)]
        if not live:
            return hit
        copy = live[0]
        copy.rank, copy.dense_score, copy.lexical_score, copy.found_by = (hit.rank, hit.dense_score,
                                                                        hit.lexical_score, hit.found_by)
        return copy

    def _hits(self, ids: np.ndarray, scores: np.ndarray, context: int) -> list[Hit]:
        if len(ids) == 0:
            return []
        rows = {
            row[0]: row
            for row in self.store.conn.execute(
                "SELECT s.id, s.text, s.line, s.document_id, s.ordinal, d.path FROM sentences s "
                "JOIN documents d ON d.id = s.document_id WHERE s.id IN (SELECT value FROM json_each(?))",
                (json.dumps([int(i) for i in ids]),),
            )
        }
        hits = []
        for sentence_id, score in zip(ids.tolist(), scores.tolist()):
            row = rows.get(sentence_id)
            if row is None:
                continue  # removed by an indexer since (only when called outside the search's snapshot)
            hit = Hit(len(hits) + 1, round(float(score), 6), row[1], row[5], row[2], row[0], row[3], row[4])
            if context > 0:
                self._add_context(hit, context)
            hits.append(hit)
        return hits

    def _add_context(self, hit: Hit, context: int) -> None:
        for ordinal, text in self.store.conn.execute(
            "SELECT ordinal, text FROM sentences WHERE document_id = ? AND ordinal BETWEEN ? AND ? "
            "AND ordinal != ? ORDER BY ordinal",
            (hit.document_id, hit.ordinal - context, hit.ordinal + context, hit.ordinal),
        ):
            (hit.before if ordinal < hit.ordinal else hit.after).append(text)
