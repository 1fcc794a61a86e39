"""Retrieval evaluation: does a model find *your* answers? (``simsearch eval retrieval``)

A query file lists queries and what counts as relevant for each; every query is run
through the same search path users get (``Searcher.search_many`` in that mode), and each
(model, mode) gets hit@1, hit@10, MRR@10, nDCG@10 and recall@k.

Query files
-----------
JSONL, one object per line (blank lines skipped)::

    {"query": "how do I skip a test?", "relevant": ["how-to/skipping.rst:10-42"]}
    {"query": "a man plays a guitar", "relevant": [{"text": "A man is playing a guitar."}]}
    {"id": "q7", "query": "...", "relevant": [{"path": "notes/x.md", "lines": [3, 9]}, "notes/y.md"]}
    {"query": "...", "relevant": "notes/z.md:4-12"}

(a single relevant item may stand without the list, as on the last line), or a TSV with the
query, a tab, and one or more tab-separated relevant paths (``query<TAB>docs/x.rst:10-25``;
``#`` lines are comments). A relevant item is

- a **path**: a document, or a folder (every document below it);
- a **path with lines** (``path:A-B``, ``path:A``, or ``{"path": ..., "lines": [A, B]}``): the
  sentences of that document whose first line is within A..B (inclusive);
- a **sentence** (``{"text": ...}``, optionally with ``"path"``): a sentence whose text equals
  it, after collapsing runs of whitespace (case and punctuation count).

Relative paths are resolved against the query file's folder (not the working directory),
then matched against the index's absolute document paths (also through symlinks).

A query written on more than one line (the same text once stripped, which is what search is
given) is one query whose relevant items are all those lines' items, with a warning naming
the lines: counted once per line, it would weigh double in every average. A later line with
the same ``"id"`` as the first is an answer added on purpose (as ``simsearch tui --questions``
adds them): merged without a warning. Two different
queries may not share an ``"id"`` (``--details`` names each query's records by it; a record's
``"ids"`` adds those of the lines merged into it).

Relevance units and the metrics
-------------------------------
Each relevant item of a query is one *unit*, however many sentences it covers: a section
given as ``path:A-B`` is one answer, found when any of its sentences is retrieved. A hit is
*relevant* when it matches at least one unit. Search shows identical sentences once (one hit
with its ``other_locations``), so a hit matches a unit through any of its copies, not only
the location shown. Over the ranked hits of a query, with U units and binary gains:

- hit@n: 1 if a relevant hit is within the first n, else 0;
- MRR@n: 1/rank of the first relevant hit if that rank is <= n, else 0;
- nDCG@n: DCG = sum over ranks r <= n of gain_r / log2(r + 1), where gain_r is 1 when the hit
  at rank r matches a unit that no earlier hit matched (a second sentence of an already found
  section gains nothing), else 0; the ideal DCG is sum over r <= min(U, n) of 1 / log2(r + 1)
  (every unit found, one per rank, from the top). So nDCG is in [0, 1], and is 1 exactly when
  each of the first min(U, n) hits finds a new unit. (With overlapping units, for example a
  folder and a file inside it, 1 may be out of reach: list units that do not overlap.)
- recall@k: the share of the U units matched by the first k hits.

Each is averaged over queries. A unit that no indexed sentence can match (a file not indexed
yet, lines no sentence starts on, a sentence the segmenter split differently) is reported as
``unreachable`` with a warning, because it silently caps every metric. A relevant path that is
neither on disk nor in the index (a typo), or lines past the end of every version of their file
(:func:`past_the_end`), is an error, before any model loads.

Modes
-----
A mode is a function ``(searcher, queries, k) -> list[list[Hit]]``; ``MODES`` maps names to
them (``dense``, ``lexical`` and ``hybrid``, as ``simsearch search --mode``). Another search
mode plugs in by adding an entry to ``MODES`` or by passing the function itself to :func:`evaluate`.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from typing import TYPE_CHECKING

from .data import read_text
from .segment import source_lines
from .errors import SimsearchError
from .search import empty_query

if TYPE_CHECKING:
    from .search import Hit, Searcher

# The cut-off of hit@10, MRR@10 and nDCG@10; recall uses the caller's k.
TOP = 10

Mode = Callable[["Searcher", Sequence[str], int], "list[list[Hit]]"]


# --- relevance ------------------------------------------------------------------------------

def normalize_text(text: str) -> str:
    """Sentence text as compared: runs of whitespace collapsed, ends stripped."""
    return " ".join(text.split())


def _path_forms(path: str) -> tuple[str, ...]:
    """A path as written (normalised) and through symlinks, so either spelling matches."""
    plain = os.path.normpath(path)
    real = os.path.realpath(plain)
    return (plain,) if real == plain else (plain, real)


@dataclass(frozen=True)
class Unit:
    """One relevant item: a path (file or folder), optionally lines A..B, and/or a sentence text."""

    path: str | None = None  # absolute, normalised
    lines: tuple[int, int] | None = None
    text: str | None = None  # normalised
    forms: tuple[str, ...] = field(default=(), compare=False, repr=False)
    written: str | None = field(default=None, compare=False, repr=False)  # the path as the query file has it

    @classmethod
    def make(cls, path: str | None = None, lines: tuple[int, int] | None = None, text: str | None = None,
             written: str | None = None) -> "Unit":
        if path is not None:
            path = os.path.normpath(path)
        return cls(path, lines, normalize_text(text) if text is not None else None,
                   _path_forms(path) if path is not None else (), written)

    def matches_path(self, path_forms: Sequence[str]) -> bool:
        """Whether a document (its path forms) is this unit's path or lies below it (no path: any)."""
        return self.path is None or any(
            candidate == mine or candidate.startswith(mine.rstrip(os.sep) + os.sep)
            for candidate in path_forms for mine in self.forms
        )

    def matches(self, path_forms: Sequence[str], line: int, text: str) -> bool:
        """Whether a sentence (its document's path forms, first line, normalised text) is this unit."""
        return ((self.text is None or text == self.text) and self.matches_path(path_forms)
                and (self.lines is None or self.lines[0] <= line <= self.lines[1]))

    def describe(self) -> str:
        where = self.path or ""
        if self.lines:
            where += f":{self.lines[0]}-{self.lines[1]}"
        if self.text is not None:
            return f"{where} {self.text!r}".strip()
        return where


@dataclass
class Query:
    text: str
    units: list[Unit]
    source: str  # "file:line", for messages
    id: str = ""
    merged: list[str] = field(default_factory=list)  # "file:line" of later lines with the same query
    merged_ids: list[str] = field(default_factory=list)  # those lines' ids (their own, else their "file:line")
    # "file:line" of each unit a later line added (``merged``); the others are ``source``'s.
    unit_sources: dict[Unit, str] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.id = self.id or self.source

    @property
    def ids(self) -> list[str]:
        """Every id the query was given: its own (first line's), then its merged lines', each once."""
        return list(dict.fromkeys([self.id, *self.merged_ids]))

    def named_at(self, unit: Unit) -> str:
        """The "file:line" that names ``unit``: a merged line's for a unit only it gave."""
        return self.unit_sources.get(unit, self.source)


# --- query files ----------------------------------------------------------------------------

_RANGE = re.compile(r"^(?P<path>.+?):(?P<start>\d+)(?:-(?P<end>\d+))?$")
_QUERY_KEYS = {"query", "relevant", "id"}
_ITEM_KEYS = {"path", "lines", "text"}


# SQLite's largest INTEGER: a line number past it cannot be looked up (OverflowError).
MAX_LINE = 2**63 - 1


def _lines(value, where: str) -> tuple[int, int]:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        value = [value, value]
    if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                                                   for v in value)):
        raise SimsearchError(f"{where}: \"lines\" must be a line number or [first, last], got {json.dumps(value)}")
    start, end = value
    if start < 1 or end < start:
        raise SimsearchError(f"{where}: lines {start}-{end}: expected 1 <= first <= last")
    if end > MAX_LINE:
        raise SimsearchError(f"{where}: lines {start}-{end}: a line number is at most {MAX_LINE:,}")
    return start, end


def _exists(path: str) -> bool:
    """Whether ``path`` exists; a name the file system cannot hold (too long) does not."""
    try:
        return Path(path).exists()
    except OSError:
        return False


def _resolve(path: str, base: Path, where: str) -> str:
    if not path.strip():
        raise SimsearchError(f"{where}: empty path")
    candidate = Path(path).expanduser()
    return str(candidate if candidate.is_absolute() else base / candidate)


def parse_path_spec(spec: str, base: Path, where: str) -> Unit:
    """``path``, ``path:A`` or ``path:A-B`` (relative to ``base``) as a unit."""
    match = _RANGE.match(spec)
    if match and not _exists(_resolve(spec, base, where)):
        numbers = [match["start"], match["end"] or match["start"]]
        if any(len(number) > len(str(MAX_LINE)) for number in numbers):  # int() refuses 4,300+ digits
            raise SimsearchError(f"{where}: {spec[:80]}: a line number is at most {MAX_LINE:,}")
        lines = _lines([int(number) for number in numbers], where)
        return Unit.make(_resolve(match["path"], base, where), lines, written=spec)
    return Unit.make(_resolve(spec, base, where), written=spec)


def parse_item(item, base: Path, where: str) -> Unit:
    """One relevant item of a JSONL line."""
    if isinstance(item, str):
        return parse_path_spec(item, base, where)
    if not isinstance(item, dict) or not item or set(item) - _ITEM_KEYS or ("lines" in item and "path" not in item):
        raise SimsearchError(
            f"{where}: unknown relevance form {json.dumps(item, ensure_ascii=False)[:80]}; expected a path, "
            "\"path:A-B\", {\"path\": ..., \"lines\": [A, B]} or {\"text\": ...}"
        )
    path = item.get("path")
    text = item.get("text")
    if path is not None and not isinstance(path, str):
        raise SimsearchError(f"{where}: \"path\" must be a string")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise SimsearchError(f"{where}: \"text\" must be a non-empty string")
    lines = _lines(item["lines"], where) if "lines" in item else None
    return Unit.make(_resolve(path, base, where) if path is not None else None, lines, text, path)


def load_queries(path: Path | str, fmt: str | None = None, *,
                 on_warning: Callable[[str], None] | None = None, text: str | None = None) -> list[Query]:
    """Queries of a JSONL or TSV file (``fmt``: ``jsonl``/``tsv``; default from the suffix, else sniffed).

    A query written on several lines is one query (:func:`_merge_repeated`), with a warning
    (``on_warning``) for each later line. ``text``: the file's text, already read."""
    path = Path(path)
    if text is None:
        text = read_text(path, "a query file")
    base = path.absolute().parent
    lines = source_lines(text)  # \n, \r\n, \r only: U+2028 and \x0c are inside a line (valid JSON, one query)
    if fmt is None:
        suffix = path.suffix.lower()
        if suffix in JSON_LINES_SUFFIXES:
            fmt = "jsonl"
        elif suffix in (".tsv", ".tab"):
            fmt = "tsv"
        else:
            first = next((line.strip() for line in lines if line.strip()), "")
            fmt = "jsonl" if first.startswith("{") else "tsv"
    if fmt not in ("jsonl", "tsv"):
        raise SimsearchError(f"query file format {fmt!r}: expected jsonl or tsv")
    queries = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or (fmt == "tsv" and line.lstrip().startswith("#")):
            continue
        where = f"{path}:{number}"
        queries.append(_jsonl_query(line, base, where) if fmt == "jsonl" else _tsv_query(line, base, where))
    if not queries:
        raise SimsearchError(f"{path}: no queries in the file")
    _check_ids(queries)
    return _merge_repeated(queries, on_warning)


def _check_ids(queries: Sequence[Query]) -> None:
    """Refuse one ``"id"`` on two different queries: ``--details`` could not tell their records
    apart. (Two lines of the same query are one query, :func:`_merge_repeated`, whatever their ids.)"""
    first: dict[str, Query] = {}
    for query in queries:
        kept = first.setdefault(query.id, query)
        if kept.text != query.text:
            line = kept.source.rsplit(":", 1)[1]
            raise SimsearchError(f"{query.source}: id {json.dumps(query.id, ensure_ascii=False)} is already line {line}'s "
                                 f"(another query); give each query its own id")


def _merge_repeated(queries: Sequence[Query], on_warning: Callable[[str], None] | None = None) -> list[Query]:
    """One query per text (as searched: stripped) of a query file: a later line with the same
    query adds its units to the first line's query, which keeps its place and id and names the
    line in ``merged`` (and its id in ``merged_ids``). Counted twice, the query would weigh double in
    every average. A later line's own ``"id"`` does not name the query; ``--details`` lists it in
    the record's ``"ids"`` (the warning says so). A later line with the first line's ``"id"`` is
    another answer written on purpose (``simsearch tui --questions`` writes them so): no warning."""
    first: dict[str, Query] = {}
    for query in queries:
        kept = first.get(query.text)
        if kept is None:
            first[query.text] = replace(query, units=list(query.units), merged=list(query.merged),
                                        merged_ids=list(query.merged_ids), unit_sources=dict(query.unit_sources))
            continue
        for unit in query.units:
            if unit not in kept.units:
                kept.unit_sources[unit] = query.named_at(unit)
        kept.units = list(dict.fromkeys([*kept.units, *query.units]))
        kept.merged.append(query.source)
        kept.merged_ids.append(query.id)
        if on_warning is not None and query.id != kept.id:  # the same id: written as one query on purpose
            line = kept.source.rsplit(":", 1)[1]
            named = ""
            if query.id not in (query.source, kept.id):  # an id of its own, which does not name the query
                named = (f" under line {line}'s id {json.dumps(kept.id, ensure_ascii=False)} (--details lists "
                         f"{json.dumps(query.id, ensure_ascii=False)} in its \"ids\")")
            on_warning(f"{query.source}: the same query as line {line}; merged (counted once){named}")
    return list(first.values())


# A query file with one of these suffixes is JSON Lines (`eval retrieval`, and `search --queries`,
# which reads each line's "query"); `eval retrieval` reads others by their first line.
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")


def json_line(line: str, where: str, kind: str):
    """Line ``where`` of a JSON Lines file, parsed; an array (a pretty-printed file's "[", which
    json would call "Expecting value") or text that is not JSON is an error naming the line and
    saying what the file should hold (``kind``)."""
    if line.lstrip().startswith("["):
        raise SimsearchError(f"{where}: a JSON array, which is not read ({kind})")
    try:
        return json.loads(line)
    except ValueError as exc:  # (a JSONDecodeError, or a number past Python's limit on digits)
        reason = f"{exc.msg}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise SimsearchError(f"{where}: not valid JSON ({reason}); {kind}") from None


def _jsonl_query(line: str, base: Path, where: str) -> Query:
    obj = json_line(line, where, "JSON Lines: one object with \"query\" and \"relevant\" a line")
    if not isinstance(obj, dict):
        raise SimsearchError(f"{where}: expected a JSON object with \"query\" and \"relevant\"")
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800": half of a character, which no tokenizer or file name holds
        raise SimsearchError(f"{where}: holds a lone surrogate (\\u{ord(exc.object[exc.start]):04x}), not text") from None
    missing = [key for key in ("query", "relevant") if key not in obj]
    if missing:
        raise SimsearchError(f"{where}: missing key {', '.join(repr(k) for k in missing)}")
    extra = sorted(set(obj) - _QUERY_KEYS)
    if extra:
        raise SimsearchError(f"{where}: unknown key {', '.join(repr(k) for k in extra)} "
                             "(expected \"query\", \"relevant\" and optionally \"id\")")
    query = obj["query"]
    if not isinstance(query, str):
        raise SimsearchError(f"{where}: \"query\" must be a string, not {json_kind(query)} "
                             f"({json.dumps(query)[:40]})")
    if empty_query(query):
        raise SimsearchError(f"{where}: empty query")
    relevant = obj["relevant"]
    if isinstance(relevant, (str, dict)):
        relevant = [relevant]
    if not isinstance(relevant, list) or not relevant:
        raise SimsearchError(f"{where}: \"relevant\" must list at least one path, \"path:A-B\" or {{\"text\": ...}}")
    units = list(dict.fromkeys(parse_item(item, base, where) for item in relevant))
    return Query(query.strip(), units, where, _query_id(obj.get("id"), where))


def json_kind(value) -> str:
    """What a JSON value is, for a message: "a number", "a list", "null"..."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def _query_id(value, where: str) -> str:
    """A query's ``"id"``: a string, or a number (kept as JSON writes it); absent or null: none.
    Anything else (an object, a list, true, NaN) is refused, never turned into its repr."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return json.dumps(value)
    kind = {bool: "a boolean", float: "a number that is not finite", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)
    raise SimsearchError(f"{where}: \"id\" must be a string or a number, not {kind} ({json.dumps(value)[:40]})")


def _tsv_query(line: str, base: Path, where: str) -> Query:
    parts = line.split("\t")
    if len(parts) < 2:
        raise SimsearchError(f"{where}: expected query<TAB>relevant path (a TSV line with at least two columns)")
    query, specs = parts[0].strip(), [p.strip() for p in parts[1:] if p.strip()]
    if empty_query(query):
        raise SimsearchError(f"{where}: empty query")
    if not specs:
        raise SimsearchError(f"{where}: no relevant path after the query")
    return Query(query, list(dict.fromkeys(parse_path_spec(spec, base, where) for spec in specs)), where)


# --- metrics (pure functions of which units each ranked hit matched) -------------------------

def first_relevant_rank(matches: Sequence[Iterable[int]]) -> int | None:
    """1-based rank of the first hit that matches any unit, or None."""
    return next((rank for rank, matched in enumerate(matches, 1) if matched), None)


def gains(matches: Sequence[Iterable[int]]) -> list[int]:
    """Binary gain per rank: 1 when the hit matches a unit no earlier hit matched."""
    seen: set[int] = set()
    out = []
    for matched in matches:
        new = set(matched) - seen
        out.append(1 if new else 0)
        seen |= new
    return out


def hit_at(matches: Sequence[Iterable[int]], n: int) -> float:
    rank = first_relevant_rank(matches)
    return 1.0 if rank is not None and rank <= n else 0.0


def reciprocal_rank(matches: Sequence[Iterable[int]], n: int) -> float:
    rank = first_relevant_rank(matches)
    return 1.0 / rank if rank is not None and rank <= n else 0.0


def ndcg_at(matches: Sequence[Iterable[int]], units: int, n: int) -> float:
    if units <= 0:
        return 0.0
    dcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains(matches[:n]), 1))
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(units, n) + 1))
    return dcg / ideal


def recall_at(matches: Sequence[Iterable[int]], units: int, n: int) -> float:
    if units <= 0:
        return 0.0
    found = set().union(*map(set, matches[:n])) if matches[:n] else set()
    return len(found) / units


def query_metrics(matches: Sequence[Iterable[int]], units: int, k: int = TOP) -> dict[str, float]:
    """hit@1, hit@10, MRR@10, nDCG@10 and recall@k of one query's ranked hits."""
    return {
        "hit@1": hit_at(matches, 1),
        f"hit@{TOP}": hit_at(matches, TOP),
        f"mrr@{TOP}": reciprocal_rank(matches, TOP),
        f"ndcg@{TOP}": ndcg_at(matches, units, TOP),
        f"recall@{k}": recall_at(matches, units, k),
    }


def metric_names(k: int = TOP) -> list[str]:
    return ["hit@1", f"hit@{TOP}", f"mrr@{TOP}", f"ndcg@{TOP}", f"recall@{k}"]


# --- modes ----------------------------------------------------------------------------------

def dense(searcher, queries: Sequence[str], k: int, *, on_query: Callable[[], None] | None = None) -> list:
    """Nearest sentences by the model's vectors: ``simsearch search --mode dense``."""
    return searcher.search_many(list(queries), k, mode="dense", context=0, on_query=on_query)


def lexical(searcher, queries: Sequence[str], k: int, *, on_query: Callable[[], None] | None = None) -> list:
    """BM25 over the full-text index: ``simsearch search --mode lexical``."""
    return searcher.search_many(list(queries), k, mode="lexical", context=0, on_query=on_query)


def hybrid(searcher, queries: Sequence[str], k: int, *, on_query: Callable[[], None] | None = None) -> list:
    """Dense and lexical fused: ``simsearch search --mode hybrid``."""
    return searcher.search_many(list(queries), k, mode="hybrid", context=0, on_query=on_query)


MODES: dict[str, Mode] = {"dense": dense, "lexical": lexical, "hybrid": hybrid}


def resolve_mode(mode: str | Mode) -> tuple[str, Mode]:
    if callable(mode):
        return getattr(mode, "__name__", "custom"), mode
    if mode not in MODES:
        raise SimsearchError(f"--mode {mode!r}: expected one of {', '.join(MODES)}")
    return mode, MODES[mode]


# --- evaluating ------------------------------------------------------------------------------

@dataclass
class Evaluation:
    """One (model, mode) over a query set: averaged metrics and per-query records."""

    model: str | None  # None: a mode that uses no model (lexical)
    mode: str
    k: int
    metrics: dict[str, float]
    queries: int
    units: int
    unreachable_units: int
    missing_vectors: int
    details: list[dict]
    # The precision the model's vectors were made at (and its queries encoded at); None in a
    # mode that uses no vectors (lexical).
    precision: str | None = None
    # Relevant files that are not what was indexed (changed, gone, unreadable): see stale_files.
    stale_files: int = 0
    # Lines of the query file that repeated an earlier line's query, merged into it: see _merge_repeated.
    merged_queries: int = 0
    # The index's context window (``index --vector-context``: what a vector embeds besides its sentence);
    # None in a mode that uses no vectors (lexical).
    context_window: int | None = None

    def as_dict(self) -> dict:
        return {"model": self.model, "mode": self.mode, "precision": self.precision, "queries": self.queries,
                "k": self.k, **{name: round(value, 4) for name, value in self.metrics.items()},
                "units": self.units, "unreachable_units": self.unreachable_units,
                "missing_vectors": self.missing_vectors, "stale_files": self.stale_files,
                "merged_queries": self.merged_queries, "context_window": self.context_window}


def compare(reference: Evaluation, other: Evaluation) -> dict:
    """``other`` against ``reference`` (two models, one mode, the same queries): the change of
    hit@10 and MRR@10, each against the changes chance makes on these questions (``paired.test``:
    ``difference``, ``noise``, ``beyond``, ``p``, ``rose``, ``fell``), and the verdict over both
    (``paired.judge``: "better", "worse", "mixed" or "within noise"). With 25 questions one
    question is 0.04 of hit@10: a model that finds one more is not shown to be better, and this
    says so. ``model``: the other model; ``reference``: the one it is compared with."""
    from . import paired

    if reference.mode != other.mode:
        raise ValueError(f"compared in one mode only: {reference.mode} and {other.mode}")
    ranks = {detail["id"]: detail["first_relevant_rank"] for detail in other.details}
    if len(ranks) != len(other.details) or ranks.keys() != {detail["id"] for detail in reference.details}:
        raise ValueError("compared over the same queries only")
    # In the reference's order, whatever the other's: the same draws of chance, the same answer
    (base_hits, base_rr), (hits, rr) = (paired.by_rank(side, TOP) for side in (
        [detail["first_relevant_rank"] for detail in reference.details],
        [ranks[detail["id"]] for detail in reference.details]))
    found = {f"hit@{TOP}": paired.test(base_hits, hits), f"mrr@{TOP}": paired.test(base_rr, rr)}
    return {"model": other.model, "reference": reference.model, "mode": other.mode, "queries": len(hits),
            **found, "level": paired.LEVEL, "verdict": paired.judge(list(found.values()))}


def comparison_line(change: dict) -> str:
    """One line of :func:`compare` for people: "hybrid, trained against minilm: hit@10 +0.040
    (noise ±0.080), MRR@10 +0.012 (noise ±0.034): within the noise of 25 queries"."""
    from .paired import shown

    queries = f"{change['queries']:,} {'query' if change['queries'] == 1 else 'queries'}"
    measured = [(f"hit@{TOP}", f"hit@{TOP}"), (f"mrr@{TOP}", f"MRR@{TOP}")]
    if all(change[name]["rose"] == 0 and change[name]["fell"] == 0 for name, _ in measured):
        # (was "+0.000 (noise ±0.000): within the noise", of two models that differ on no question)
        figures = ", ".join(f"{label} +0" for _, label in measured)
        return (f"{change['mode']}, {change['model']} against {change['reference']}: {figures}: every query's "
                f"first answer at the same rank in the top {TOP} ({queries})")
    said = {"better": f"better, beyond the noise of {queries}", "worse": f"worse, beyond the noise of {queries}",
            "mixed": f"one figure better and the other worse, beyond the noise of {queries}",
            "within noise": f"within the noise of {queries}", None: f"not compared ({queries})"}[change["verdict"]]
    figures = [f"{label} {shown(change[name])}" for name, label in measured]
    return f"{change['mode']}, {change['model']} against {change['reference']}: {', '.join(figures)}: {said}"


class _PathForms:
    """Cached path forms of documents (hits repeat the same documents)."""

    def __init__(self):
        self.cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, path: str) -> tuple[str, ...]:
        forms = self.cache.get(path)
        if forms is None:
            forms = self.cache[path] = _path_forms(path)
        return forms


def hit_locations(hit, store=None) -> list[tuple[str, int]]:
    """Every (path, line) where a hit's text stands: the location shown first, then the identical
    copies that search collapsed into it (``Hit.other_locations``). A hit lists at most
    ``search.COPIES_LISTED`` copies; when it has more (``Hit.copies``) and ``store`` is given,
    all of them are read from the index."""
    others = getattr(hit, "other_locations", None) or []
    if store is not None and getattr(hit, "copies", 1) > len(others) + 1:
        others = [{"path": path, "line": line} for sentence_id, path, line in store.copies(hit.text)
                  if sentence_id != getattr(hit, "sentence_id", None)]
    return [(hit.path, hit.line), *((other["path"], other["line"]) for other in others)]


def unit_matches(hit, units: Sequence[Unit], forms: Callable[[str], tuple[str, ...]], store=None) -> frozenset[int]:
    """Indices of the units a hit (anything with ``path``, ``line``, ``text``) matches.

    A hit stands for all its identical copies (search shows one row per distinct text), so it
    matches a unit when the location shown *or* any copy's location does: a sentence repeated
    in two files is found in the relevant one even when the other is the one shown."""
    text = normalize_text(hit.text)
    found: set[int] = set()
    for path, line in hit_locations(hit, store):
        path_forms = forms(path)
        found.update(i for i, unit in enumerate(units) if i not in found and unit.matches(path_forms, line, text))
        if len(found) == len(units):
            break
    return frozenset(found)


def _indexed_documents(store) -> tuple[dict[int, str], list[tuple[int, tuple[str, ...]]], dict[str, list[int]]]:
    """The index's documents: their paths by id, (id, path forms), and their ids by each path form."""
    forms = _PathForms()
    paths = dict(store.conn.execute("SELECT id, path FROM documents WHERE skip_reason IS NULL"))
    documents = [(document_id, forms(path)) for document_id, path in paths.items()]
    by_form: dict[str, list[int]] = {}
    for document_id, path_forms in documents:
        for form in path_forms:
            by_form.setdefault(form, []).append(document_id)
    return paths, documents, by_form


def reachable_units(store, queries: Sequence[Query], indexed=None) -> set[Unit]:
    """The units that some sentence of the index matches (the rest can never be found).
    ``indexed``: ``_indexed_documents(store)``, when the caller has it already."""
    units = {unit for query in queries for unit in query.units}
    _, documents, by_form = indexed or _indexed_documents(store)
    reachable: set[Unit] = set()
    by_text: dict[str, list[Unit]] = {}
    for unit in units:
        if unit.text is not None:
            by_text.setdefault(unit.text, []).append(unit)
            continue
        candidates = _documents_of(unit, documents, by_form)
        # a file that holds no sentence (emptied, code or markup alone) is indexed but answers nothing
        lines, bounds = ("", ()) if unit.lines is None else (" AND line BETWEEN ? AND ?", tuple(unit.lines))
        for document_id in candidates:
            if store.conn.execute(f"SELECT 1 FROM sentences WHERE document_id = ?{lines} LIMIT 1",
                                  (document_id, *bounds)).fetchone():
                reachable.add(unit)
                break
    if by_text:
        paths = dict(documents)
        for document_id, line, text in _sentences_for(store, [unit for units in by_text.values() for unit in units],
                                                      documents, by_form):
            text = normalize_text(text)
            for unit in by_text.get(text, ()):
                if document_id in paths and unit.matches(paths[document_id], line, text):
                    reachable.add(unit)
    return reachable


def _documents_of(unit: Unit, documents, by_form: dict[str, list[int]]) -> list[int]:
    """The ids of the documents ``unit`` (with a path) names: a file by lookup; a folder (no
    document has its path) by scanning for documents below it."""
    candidates = list(dict.fromkeys(i for form in unit.forms for i in by_form.get(form, ())))
    return candidates or [document_id for document_id, path_forms in documents if unit.matches_path(path_forms)]


def _sentences_for(store, units: Sequence[Unit], documents, by_form) -> Iterable[tuple[int, int, str]]:
    """(document id, line, text) of the sentences ``units`` could match: those of the files they
    name, all of the index's where one names none. (Every sentence read into Python took 1.4 s of a
    254k-sentence index at each TUI query whose kept answer was gone: trial review51.)"""
    if any(unit.path is None for unit in units):
        return store.conn.execute("SELECT document_id, line, text FROM sentences")
    wanted = sorted({i for unit in units for i in _documents_of(unit, documents, by_form)})
    return (row for start in range(0, len(wanted), 500) for row in store.conn.execute(
        "SELECT document_id, line, text FROM sentences WHERE document_id IN "
        f"({', '.join('?' * len(wanted[start:start + 500]))})", wanted[start:start + 500]))


def _not_indexed_hint(units: Sequence[Unit], indexed, db, roots: Sequence[str] = ()) -> str:
    """For relevant items in files on disk that the index does not hold (not indexed yet): the
    command that indexes them (their common folder), else nothing. A folder that holds one of the
    index's ``roots`` is not named but the files are: the index is of ``project/docs`` and the file
    is ``project/CHANGES.rst``, and ``index project`` would read its tests and templates too."""
    from .models import command_line

    _, _, by_form = indexed
    outside = sorted({unit.path for unit in units if unit.path is not None and os.path.isfile(unit.path)
                      and not any(form in by_form for form in unit.forms)})
    if not outside:
        return ""
    folder = os.path.commonpath([os.path.dirname(path) for path in outside])
    wider = any(root != folder and Path(root).is_relative_to(folder) for root in roots)
    return (f"; {len(outside):,} of their files {'is' if len(outside) == 1 else 'are'} not indexed: run "
            f"`{command_line('index', *(outside if wider else [folder]), db=db)}`")


def missing_paths(queries: Sequence[Query], indexed) -> list[tuple[Query, Unit]]:
    """The units whose path is neither on disk nor in the index (``indexed``:
    ``_indexed_documents(store)``), a typo rather than a file: no sentence can ever match them.
    A path only on disk (not indexed yet) or only in the index (deleted since) is not one."""
    _, documents, by_form = indexed
    missing = []
    for query in queries:
        for unit in query.units:
            if unit.path is None or _exists(unit.path) or any(form in by_form for form in unit.forms):
                continue
            if not any(unit.matches_path(path_forms) for _, path_forms in documents):  # a folder of the index
                missing.append((query, unit))
    return missing


def _lines_hint(unit: Unit, indexed) -> str:
    """For a missing path whose part before its last ':' is a file on disk or in the index
    ("x.rst:abc", "x.rst:176–190" with an en dash, "x.rst:176 - 190"): the lines are what is
    wrong, not the file, and the message says so."""
    if unit.path is None or ":" not in os.path.basename(unit.path):
        return ""
    head, lines = unit.path.rsplit(":", 1)
    _, _, by_form = indexed
    # (os.path.isfile: a folder, "small:abc", is no file with a wrong line; a name too long is False)
    if not (os.path.isfile(head) or any(form in by_form for form in _path_forms(os.path.normpath(head)))):
        return ""
    return f"; the file is there, but {lines!r} after its ':' is not a line A or lines A-B"


def file_length(path: str) -> tuple[int, str] | None:
    """How far a file on disk goes in the numbers a hit's line is given in: its lines as an
    editor numbers them (``segment.source_lines``, as the readers count), a PDF's pages, or a
    Word or OpenDocument file's paragraphs (``extract.office``), as ``(count, "lines" | "pages" | "paragraphs")``;
    None when it cannot be read, or is an EPUB (not judged)."""
    from .extract import decode, format_of, is_pdf_data

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if format_of(Path(path)) == "epub":  # (its lines are the documents of its spine: not judged)
        return None
    if format_of(Path(path)) == "pdf" or is_pdf_data(data):
        from .extract.pdf import open_pdf

        try:
            return len(open_pdf(data).pages), "pages"
        except Exception:  # no pypdf, or a PDF it cannot read (the index skips it too)
            return None
    if format_of(Path(path)) in ("docx", "odt"):
        from .extract import Skip
        from .extract.office import paragraphs

        try:
            return len(paragraphs(data, format_of(Path(path)))), "paragraphs"
        except Skip:  # (the index skips it too)
            return None
    return len(source_lines(decode(data)[0])), "lines"


def past_the_end(store, lost: Sequence[tuple[Query, Unit]], indexed) -> list[tuple[Query, Unit, int, str]]:
    """The units of ``lost`` (those no indexed sentence matches) whose lines start past the end of
    their file in every version there is: the file on disk (:func:`file_length`) and the indexed
    one, which holds no sentence of it on or after those lines. No search can answer them, as
    none can a path that exists nowhere (:func:`missing_paths`). Lines a file has on disk but
    not in the index (it grew since indexing), or in the index only (it shrank), are not past
    the end: ``simsearch index`` brings those up to date. A file deleted since indexing has no
    known length (lines past its last sentence may be code), and is not judged.
    Each as ``(query, unit, count, "lines" | "pages" | "paragraphs")``."""
    _, _, by_form = indexed
    lengths: dict[str, tuple[int, str] | None] = {}
    found = []
    for query, unit in lost:
        if unit.lines is None or unit.path is None or not os.path.isfile(unit.path):
            continue
        if unit.path not in lengths:
            lengths[unit.path] = file_length(unit.path)
        length = lengths[unit.path]
        if length is None or unit.lines[0] <= length[0]:
            continue
        documents = dict.fromkeys(i for form in unit.forms for i in by_form.get(form, ()))
        if any(store.conn.execute("SELECT 1 FROM sentences WHERE document_id = ? AND line >= ? LIMIT 1",
                                  (document_id, unit.lines[0])).fetchone() for document_id in documents):
            continue
        found.append((query, unit, *length))
    return found


def _target(unit: Unit) -> str:
    """A unit with lines as the query file names it: ``docs/x.rst:900`` (``{"path", "lines"}``
    shown so too)."""
    written = unit.written or unit.path or ""
    first, last = unit.lines
    lines = f"{first}" if first == last else f"{first}-{last}"
    return written if written.endswith((f":{first}", f":{first}-{last}")) else f"{written}:{lines}"


def stale_files(store, queries: Sequence[Query], indexed=None) -> list[tuple[str, str]]:
    """The indexed files that the queries' units name, as ``(path, state)``, whose file is not
    what was indexed: ``changed``, ``gone`` or ``unreadable`` (``search.file_state``), in the
    order the query file names them.

    Search reads the indexed version of a file, so a ``path:A-B`` unit written against the file
    as it is now can miss a hit on those very lines (they moved), and a ``{"text", "path"}``
    unit can name a sentence the index does not hold yet. A unit naming a whole file is judged
    the same either way, and a deleted file's sentences stay in the index (and count) until the
    next ``simsearch index``, but the scores are then of a corpus that is no longer on disk:
    every unit that names a file counts, whatever its form. A folder unit names no file: files
    added to it since indexing are an index that is behind, which ``simsearch status`` tells.
    ``indexed``: as for :func:`reachable_units`.
    """
    from .search import file_state

    paths, _, by_form = indexed or _indexed_documents(store)
    known: dict = {}
    states: dict[int, str] = {}
    for query in queries:
        for unit in query.units:
            for document_id in dict.fromkeys(i for form in unit.forms for i in by_form.get(form, ())):
                if document_id not in states:
                    states[document_id] = file_state(store, document_id, paths[document_id], known)
    return [(paths[document_id], state) for document_id, state in states.items() if state != "indexed"]


def stale_message(stale: Sequence[tuple[str, str]], db=None) -> str:
    """One line for :func:`stale_files`: how many, in which state, the first one, the remedy
    (``db``: the index it acts on)."""
    from .models import command_line
    from .search import FILE_STATE_NOTES, display_path

    counts: dict[str, int] = {}
    for _, state in stale:
        counts[state] = counts.get(state, 0) + 1
    first = display_path(stale[0][0])
    if len(stale) == 1:
        what = f"1 relevant file {FILE_STATE_NOTES[stale[0][1]]} ({first})"
    else:
        how = ", ".join(f"{count:,} {FILE_STATE_NOTES[state]}" for state, count in counts.items())
        what = f"{len(stale):,} relevant files are not as indexed: {how} (first: {first})"
    return (f"{what}; hits are judged against the indexed version (its line numbers, its sentences), "
            f"so a found answer can count as a miss: run `{command_line('index', db=db)}` first")


def evaluate(searcher, queries: Sequence[Query], mode: str | Mode = "dense", k: int = TOP, *,
             reachable: set[Unit] | None = None, stale: int = 0, progress: bool = False) -> Evaluation:
    """Run every query through ``mode`` with ``searcher`` and score the ranked hits.

    Searches ``max(k, 10)`` deep, so hit@10/MRR@10/nDCG@10 do not depend on ``k``. A mode that
    uses no model (``lexical``, see ``search.needs_model``) is reported with ``model`` None.
    ``reachable`` (from :func:`reachable_units`, computed once per index) only feeds the
    ``unreachable_units`` count, ``stale`` (the length of :func:`stale_files`) ``stale_files``.
    ``progress``: a bar (queries answered, rate, ETA) for a built-in mode: 165 questions over
    366k sentences took 60 s in hybrid mode.
    """
    if k < 1:
        raise SimsearchError(f"-k {k}: must be at least 1")
    from .search import needs_model

    name, run = resolve_mode(mode)
    # A mode that uses no model (lexical: BM25 over the index's words) names none, as search does.
    model = searcher.name if needs_model(name) else None
    depth = max(k, TOP)
    texts = [query.text for query in queries]
    if run in (dense, lexical, hybrid):
        from .progress import progress_bar

        label = f"eval {name} ({model})" if model is not None else f"eval {name}"
        with progress_bar(len(texts), label, unit="query", enabled=progress) as advance:
            results = run(searcher, texts, depth, on_query=advance)
    else:  # a caller's own mode (the benchmarks')
        results = run(searcher, texts, depth)
    forms = _PathForms()
    totals = dict.fromkeys(metric_names(k), 0.0)
    details = []
    for query, hits in zip(queries, results):
        hits = hits[:depth]
        matches = [unit_matches(hit, query.units, forms, searcher.store) for hit in hits]
        scores = query_metrics(matches, len(query.units), k)
        for key, value in scores.items():
            totals[key] += value
        details.append({
            "id": query.id, "ids": query.ids, "query": query.text, "model": model, "mode": name,
            "first_relevant_rank": first_relevant_rank(matches), "units": len(query.units),
            **{key: round(value, 4) for key, value in scores.items()},
            "hits": [{**{key: value for key, value in hit.as_dict().items() if key not in ("before", "after")},
                      "relevant": bool(matched), "units": sorted(matched)}
                     for hit, matched in zip(hits, matches)],
        })
    count = len(details)
    units = sum(len(query.units) for query in queries)
    unreachable = 0 if reachable is None else sum(unit not in reachable for query in queries for unit in query.units)
    missing = 0 if model is None else searcher.store.count_missing_vectors(searcher.model.id)
    precision = searcher.precision if model is not None else None
    return Evaluation(model, name, k, {key: value / max(count, 1) for key, value in totals.items()},
                      count, units, unreachable, missing, details, precision, stale,
                      sum(len(query.merged) for query in queries),
                      searcher.store.context_window() if model is not None else None)


def run_eval(store, queries: Sequence[Query] | Path | str, models: Sequence[str | None] = (None,),
             modes: Sequence[str | Mode] = ("dense",), k: int = TOP, *, device: str = "auto",
             on_warning: Callable[[str], None] | None = None) -> list[Evaluation]:
    """``simsearch eval retrieval``: every model x mode over one index, side by side
    (:func:`iter_eval`'s evaluations, all of them)."""
    return list(iter_eval(store, queries, models, modes, k, device=device, on_warning=on_warning))


def iter_eval(store, queries: Sequence[Query] | Path | str, models: Sequence[str | None] = (None,),
              modes: Sequence[str | Mode] = ("dense",), k: int = TOP, *, device: str = "auto",
              on_warning: Callable[[str], None] | None = None, progress: bool = False) -> Iterator[Evaluation]:
    """Every model x mode over one index, each evaluation as it finishes (a caller keeps those
    done when a later model fails).

    A model named more than once (``/abs/m``, ``./m`` and ``m`` are one folder, so one model
    of the index) or a mode given twice is evaluated once, with a warning. A mode that uses no
    model (``lexical``) is evaluated once, in its place among the first model's rows, with
    ``model`` None, however many models are named. Every model's folder
    is checked before the first evaluation: a model moved or changed since indexing fails
    before any work, and so is a relevant path on neither the disk nor the index
    (:func:`missing_paths`) or lines past the end of their file (:func:`past_the_end`). Warns (``on_warning``) when some relevant units match no indexed sentence,
    when a file they name is not what was indexed (:func:`stale_files`), and when a model lacks
    vectors for some sentences (a half-indexed database).
    """
    from .models import index_command_line
    from .search import Searcher, model_ref, needs_model, pick_model

    warn = on_warning or (lambda message: None)
    if not isinstance(queries, (list, tuple)):
        queries = load_queries(queries, on_warning=warn)
    for mode in modes:
        resolve_mode(mode)  # fail on a bad --mode before loading anything
    # A model the index lacks is the error, before any warning about the queries. Each of the
    # index's models once, under the first spelling that named it (the one Searcher.open is given).
    spellings: dict[int, list[str | None]] = {}
    rows = {}
    # Lexical mode reads the full-text index only: the models' folders need not be there, and an
    # index whose models were all forgotten is still searched (no model named: one row, no model).
    lexical_only = not any(needs_model(resolve_mode(mode)[0]) for mode in modes)
    for model in list(models) or [None]:
        if lexical_only and model is None and not store.models():
            spellings.setdefault(0, []).append(None)
            continue
        row = pick_model(store, model)
        spellings.setdefault(row.id, []).append(model)
        rows[row.id] = row
    if not lexical_only:  # as Searcher.open checks each, but all before minutes of work on the first
        for row in rows.values():
            model_ref(row, store.path)
    for row_id, named in spellings.items():
        if len(named) > 1:
            warn(f"{_times('-m', named)}: one model of the index ({rows[row_id].name}), evaluated once")
    given_modes: dict = {}
    for mode in modes:
        given_modes.setdefault(mode, []).append(resolve_mode(mode)[0])
    for names in given_modes.values():
        if len(names) > 1:
            warn(f"{_times('--mode', names)}: evaluated once")
    indexed = _indexed_documents(store)
    missing = missing_paths(queries, indexed)
    if missing:  # a typo: every metric of its query would be capped, with only a warning to say why
        query, unit = missing[0]
        more = f" ({len(missing) - 1:,} more relevant paths are missing too)" if len(missing) > 1 else ""
        raise SimsearchError(f"{query.named_at(unit)}: {unit.written or unit.path}: no such file on disk or in the "
                             f"index{_lines_hint(unit, indexed)}{more}")
    reachable = reachable_units(store, queries, indexed)
    lost = [(query, unit) for query in queries for unit in query.units if unit not in reachable]
    beyond = past_the_end(store, lost, indexed)
    if beyond:  # lines no version of the file has: as a missing file, a question nothing can answer
        query, unit, count, what = beyond[0]
        others = len(beyond) - 1
        more = (f" ({others:,} more relevant {'item is' if others == 1 else 'items are'} past their file's end too)"
                if others else "")
        what = what[:-1] if count == 1 else what
        raise SimsearchError(f"{query.named_at(unit)}: {_target(unit)}: past the end of the file, which has "
                             f"{count:,} {what}{more}")
    total_units = sum(len(q.units) for q in queries)
    if lost and len(lost) == total_units:  # every metric 0 for every model: nothing was measured
        query, unit = lost[0]
        items = "the relevant item matches" if total_units == 1 else f"none of the {total_units:,} relevant items match"
        raise SimsearchError(f"{items} {'no' if total_units == 1 else 'a'} sentence in the index {store.path} (first: "
                             f"{query.named_at(unit)}: {unit.describe()}): every figure would be 0, nothing to compare"
                             + _not_indexed_hint([unit for _, unit in lost], indexed, store.path, list(store.roots())))
    if lost:
        query, unit = lost[0]
        warn(f"{len(lost)} of {total_units} relevant items match no sentence in the index "
             f"(first: {query.named_at(unit)}: {unit.describe()}); they cap every metric"
             + _not_indexed_hint([unit for _, unit in lost], indexed, store.path, list(store.roots())))
    stale = stale_files(store, queries, indexed)
    if stale:
        warn(stale_message(stale, store.path))
    from .extract import EXTRACTOR_VERSION
    from .indexer import reader_note

    older = store.count_read_by_other_extractor(EXTRACTOR_VERSION)
    if older:  # figures of the sentences an older reader stored: not comparable with those after a re-read
        counts = store.counts()
        warn(f"the index: {reader_note(older, counts['documents'] + counts['skipped'], store.path)}; these figures "
             "are of the sentences that version stored")
    done = set()  # the modes without a model evaluated already
    for model, *_ in spellings.values():
        searcher = Searcher.open(store, model, device=device, lexical_only=lexical_only)
        missing = 0 if lexical_only else store.count_missing_vectors(searcher.model.id)
        if missing:
            total = store.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
            warn(f"model {searcher.name} has no vectors for {missing:,} of {total:,} sentences (a half-indexed "
                 f"database); they cannot be found: run `{index_command_line(searcher.name, store.path)}` to finish")
        for mode in given_modes:
            if not needs_model(resolve_mode(mode)[0]):
                if mode in done:
                    continue  # its figures do not depend on the model
                done.add(mode)
            yield evaluate(searcher, queries, mode, k, reachable=reachable, stale=len(stale), progress=progress)


def _times(option: str, given: Sequence) -> str:
    """``-m a given 3 times`` (one spelling repeated) or ``-m /x/a, -m ./a and -m a`` (several)."""
    shown = [f"{option} {'(default)' if value is None else value}" for value in dict.fromkeys(given)]
    if len(shown) == 1:
        return f"{shown[0]} given {len(given)} times"
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def ensure_new_file(path: Path | str, option: str = "--details") -> Path:
    """A path to create: refuse one that exists (it may be the user's) before any work is done."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise SimsearchError(f"{option} {path}: already exists; remove it or choose another name")
    if not path.parent.is_dir():
        raise SimsearchError(f"{option} {path}: no such folder {path.parent}")
    return path


def write_details(path: Path | str, evaluations: Sequence[Evaluation]) -> int:
    """Per-query NDJSON (one line per query x model x mode) to a new file; returns the line count.

    Refuses to replace an existing file (it may be the user's). Writes through a temporary file
    of a name no other file has (created with ``O_EXCL`` beside the target), which becomes
    the target at the end, only if no file of that name appeared meanwhile; on a failure it
    is removed, so nothing is left half-written and no file simsearch did not create is touched.
    """
    path = ensure_new_file(path)
    lines = 0
    temporary = None
    try:
        temporary, handle = _new_temporary(path)
        with handle:
            for evaluation in evaluations:
                for record in evaluation.details:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    lines += 1
        _publish(temporary, path)
    except FileExistsError:
        raise SimsearchError(f"--details {path}: already exists (created while the evaluation ran); "
                             f"remove it or choose another name") from None
    except OSError as exc:
        raise SimsearchError(f"--details {path}: {exc.strerror}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return lines


def _new_temporary(path: Path):
    """A new file beside ``path``, ``.NAME.<random>.partial``, opened for writing: ``O_EXCL``, so
    never a file that was there (the user's), with the permissions a new file gets (umask)."""
    for _ in range(100):
        temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        try:
            return temporary, os.fdopen(fd, "w", encoding="utf-8")
        except BaseException:
            os.close(fd)
            temporary.unlink(missing_ok=True)
            raise
    raise SimsearchError(f"--details {path}: no free temporary name beside it")


def _publish(temporary: Path, path: Path) -> None:
    """Give the finished ``temporary`` the name ``path``, never replacing a file that has it: a
    hard link fails if the name is taken (``FileExistsError``). On a file system without hard
    links, a rename after checking the name is free."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "already exists", str(path)) from None
        os.replace(temporary, path)
