"""A stateful property test of the index against an exact oracle (issue 11).

Hypothesis drives a ``RuleBasedStateMachine`` through what a user and the world do to
an index: add, edit (keeping some sentences), delete and rename files; retrain a model
behind its name (same or another dimension); add and remove models; delete, truncate,
zero or garble an HNSW file (with or without keeping its mtime, as bit rot would);
interrupt ``index`` at a random commit point; replace a file by another of the same size
and mtime (``mv``, ``cp -p``: only inode and ctime tell them apart); index with another
``--max-file-mb`` (later runs keep it); upgrade (or downgrade) simsearch to a version whose
reader gives other sentences for the same bytes (``EXTRACTOR_VERSION``: the next run reads
every file again, re-embedding only texts no sentence holds a vector for); refresh. Everything runs through the
real indexer, store and ANN code, with tiny deterministic random BERTs and
``ann.EXACT_BELOW`` lowered so that HNSW serves the searches.

The oracle is independent of the store: it knows the text of every file it wrote,
encodes those sentences itself (``Encoder.load(<a private copy of the model>)``) and
searches them by brute force. When must what hold:

* always: an HNSW file whose stat is the one recorded at its save holds the recorded checksum
  (what lets a run with nothing to do leave it alone); ``PRAGMA integrity_check`` is ok, the FTS5 table holds exactly the
  sentences (``Store.check_fts``); for every model of the index, either
  ``Searcher.open`` refuses with a ``SimsearchError`` or every top-k answer equals the
  exact top-k (ties allowed) over the sentences the store holds a vector for, each
  scored with the model now in its folder; a reported score is the true score of the
  reported sentence;
* after a completed ``index`` run (and until the next interrupted one): the index holds
  exactly the files' text as of that run, a file over the limit in force as a skipped
  document without sentences (documents, sentences in order, one vector per
  sentence and model, no ``*.partial`` file), every sentence is searchable, and a model
  retrained since that run is refused by ``Searcher.open`` instead of answering;
* ``refresh_and_compare_with_a_clean_index``: after a refresh the index equals, document
  by document and vector by vector, an index built from scratch of the same files.

Profiles (read at import; nothing here changes Hypothesis' global profile):

* default, ``ci``: derandomized (the same examples on every run), about two minutes on
  two cores;
* ``SIMSEARCH_STATEFUL=long``: random, 300 examples of up to 40 steps (about 12,000
  steps); ``SIMSEARCH_STATEFUL_EXAMPLES`` / ``SIMSEARCH_STATEFUL_STEPS`` override the
  sizes of either profile.

Hypothesis prints a failing example as a sequence of rule calls, with ``note`` lines
saying which file or model each step touched.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from simsearch import ann, indexer
from simsearch.errors import Interrupted, SimsearchError
from simsearch.search import Searcher
from simsearch.store import Store

from .test_context_vectors import oracle_name

# --- readers ----------------------------------------------------------------------------

# simsearch versions whose readers give other sentences for the same bytes, as an upgrade that
# changes extraction does: each file is read again once (``EXTRACTOR_VERSION``). Version ->
# what that reader makes of each sentence of a file (None: left out).
CURRENT_READER = indexer.EXTRACTOR_VERSION
REAL_SENTENCES_OF = indexer.sentences_of


def _older_text(text: str) -> str | None:
    """An older reader: every other sentence of the pool keeps some markup the current one drops."""
    return text + " See also." if POOL.index(text) % 2 == 0 else text


def _other_text(text: str) -> str | None:
    """Another reader: every third sentence of the pool left out (read as a code block)."""
    return None if POOL.index(text) % 3 == 0 else text


READERS = {CURRENT_READER: lambda text: text, CURRENT_READER - 3: _older_text, CURRENT_READER - 1: _other_text}


def read_as(version: int, sentences: list[str]) -> list[str]:
    """The sentences of a file of these sentences as ``version``'s reader stores them."""
    return [t for t in map(READERS[version], sentences) if t is not None]


def use_reader(version: int) -> None:
    """Make the indexer the one of simsearch ``version`` (its reader and its EXTRACTOR_VERSION)."""
    indexer.EXTRACTOR_VERSION = version
    if version == CURRENT_READER:
        indexer.sentences_of = REAL_SENTENCES_OF
        return

    def sentences_of(extracted, *args, **kwargs):
        out = []
        for sentence in REAL_SENTENCES_OF(extracted, *args, **kwargs):
            text = READERS[version](sentence.text)
            if text is not None:
                out.append(type(sentence)(text, sentence.start, sentence.end, sentence.line))
        return out

    indexer.sentences_of = sentences_of


# --- profiles ---------------------------------------------------------------------------

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
    # No "explain" phase: it re-runs a failing example many times, each run costing seconds.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
settings.register_profile("simsearch-stateful-ci", max_examples=40, stateful_step_count=20, derandomize=True,
                          database=None, **_COMMON)
settings.register_profile("simsearch-stateful-long", max_examples=300, stateful_step_count=40, **_COMMON)
PROFILE_NAME = "long" if os.environ.get("SIMSEARCH_STATEFUL") == "long" else "ci"
PROFILE = settings(
    settings.get_profile(f"simsearch-stateful-{PROFILE_NAME}"),
    **{key: int(os.environ[var]) for key, var in (("max_examples", "SIMSEARCH_STATEFUL_EXAMPLES"),
                                                   ("stateful_step_count", "SIMSEARCH_STATEFUL_STEPS"))
       if os.environ.get(var)},
)

# --- the world: sentences, files, models ------------------------------------------------

# Distinct words, one sentence per paragraph: segmentation cannot merge or split them.
POOL = [
    "Amber falcons circle above the quiet harbor.",
    "Seven copper kettles whistle in the kitchen.",
    "A tired courier crosses the frozen river.",
    "Bright lanterns sway along the narrow canal.",
    "The violin teacher hums an old melody.",
    "Wild strawberries ripen beside the railway.",
    "Our neighbor repairs bicycles every weekend.",
    "Thunder rolls across the distant valley.",
    "The librarian stamps returned novels quickly.",
    "Fresh bread cools on the bakery shelf.",
    "Penguins waddle toward the icy shore.",
    "A chess champion studies her opponent carefully.",
    "Volcanic ash darkens the morning sky.",
    "Children build sandcastles near the pier.",
    "The engineer inspects rusty bridge cables.",
    "Lavender fields bloom in the summer heat.",  # (not "summer sun. Next": read as Sunday's "Sun.")
    "An astronaut floats inside the station module.",
    "古い寺の鐘が静かに鳴る。",  # (spaceless scripts: ``sentences_cjk`` is checked with the rest)
    "市場で新鮮な魚を買いました。",
    "The orchestra tunes before the concert begins.",
    "Farmers harvest pumpkins in late autumn.",
    "A lighthouse keeper writes letters by candlelight.",
    "Marble statues guard the museum entrance.",
    "The detective questions a nervous witness.",
    "Hummingbirds hover over scarlet flowers.",
    "Heavy snow blocks the mountain pass.",
]
FILE_NAMES = ["a.txt", "b.txt", "notes.md", "sub/c.txt", "sub/d.md", "sub/deep/e.txt"]
DIMS = (16, 24)
SEEDS = (0, 1, 2)
MODEL_NAMES = ("m1", "m2", "m3")
MAX_MODELS = 3
# Scores of the same sentence encoded alone (oracle) and in a padded batch (indexer) differ
# by float rounding (~1e-6); answers must agree to this, and scores closer than this are ties.
TOL = 1e-4

sentence_lists = st.lists(st.sampled_from(POOL), min_size=0, max_size=6)
interrupts = st.one_of(st.none(), st.tuples(st.integers(1, 6), st.booleans()))


# What the runs exercised (printed at the end of the test: ``pytest -s`` or ``-rP`` shows it).
STATS: collections.Counter = collections.Counter()


def tally(label: str) -> None:
    event(label)
    STATS[label] += 1


def file_text(sentences: list[str]) -> str:
    """A file of these sentences: one paragraph each, or, from 3 sentences on, two to a line (a
    file of one paragraph per line, whose windows stay within their line: ``expected_vectors``)."""
    if len(sentences) >= 3:
        return "".join(" ".join(sentences[i:i + 2]) + "\n" for i in range(0, len(sentences), 2))
    return "\n\n".join(sentences) + "\n" if sentences else ""


def file_size(sentences: list[str]) -> int:
    return len(file_text(sentences).encode("utf-8"))


class Models:
    """Tiny random BERTs, made once per session per (dim, seed) and copied where needed,
    and the oracle's encoders, loaded from these private copies (never from the folders
    the index uses, which the test rewrites)."""

    def __init__(self, root: Path):
        self.root = root
        self.folders: dict[tuple[int, int], Path] = {}
        self.encoders = {}
        self.memo: dict[tuple[int, int, str], np.ndarray] = {}

    def folder(self, key: tuple[int, int]) -> Path:
        if key not in self.folders:
            from .tiny_bert import create_random_bert

            dim, seed = key
            self.folders[key] = create_random_bert(self.root / f"bert-{dim}-{seed}", hidden_size=dim, layers=1,
                                                   heads=2, pooler="avg", seed=seed)
        return self.folders[key]

    def install(self, key: tuple[int, int], target: Path) -> None:
        """Put model ``key`` behind the folder ``target`` (a retrain, as far as the index can tell)."""
        source = self.folder(key)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target)

    def encode(self, key: tuple[int, int], texts: list[str]) -> np.ndarray:
        from simsearch.encoder import Encoder

        if key not in self.encoders:
            self.encoders[key] = Encoder.load(str(self.folder(key)), device="cpu")
        todo = [t for t in dict.fromkeys(texts) if (*key, t) not in self.memo]
        if todo:
            for text, vector in zip(todo, self.encoders[key].encode(todo, normalize=True, progress=False)):
                self.memo[(*key, text)] = vector
        if not texts:
            return np.empty((0, key[0]), dtype=np.float32)
        return np.stack([self.memo[(*key, t)] for t in texts])


@contextlib.contextmanager
def interrupt_at(point: tuple[int, bool] | None):
    """Ctrl-C at the ``n``-th ``Store.transaction`` of what runs inside: before its COMMIT
    (rolled back) or just after it. Yields a function saying whether it fired."""
    fired = [False]
    if point is None:
        yield lambda: False
        return
    n, after_commit = point
    real = Store.transaction
    count = [0]

    def maybe_fire():
        count[0] += 1
        if count[0] == n and not fired[0]:
            fired[0] = True
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def transaction(self, *args, **kwargs):
        with real(self, *args, **kwargs) as value:
            yield value
            if not after_commit:
                maybe_fire()
        if after_commit:
            maybe_fire()

    Store.transaction = transaction
    try:
        yield lambda: fired[0]
    finally:
        Store.transaction = real


# --- comparing an answer with the exact one ---------------------------------------------

def assert_exact_top_k(hits, candidates: list[tuple[str, int, str]], scores: np.ndarray, k: int, what: str) -> None:
    """``hits`` (a Searcher's answer) is an exact top-``k`` of ``candidates`` ((path, ordinal,
    text) with oracle ``scores``), ties within TOL allowed either way."""
    expected_n = min(k, len(candidates))
    got = [(h.path, h.ordinal, h.text, h.score) for h in hits]
    assert len(hits) == expected_n, f"{what}: {len(hits)} hits, expected {expected_n}: {got}"
    if not expected_n:
        return
    true = {(path, ordinal): (text, float(score)) for (path, ordinal, text), score in zip(candidates, scores)}
    assert len({(h.path, h.ordinal) for h in hits}) == len(hits), f"{what}: a sentence returned twice: {got}"
    for hit in hits:
        key = (hit.path, hit.ordinal)
        assert key in true, f"{what}: returned {key} {hit.text!r}, which has no vector in the store: {got}"
        text, score = true[key]
        assert hit.text == text, f"{what}: {key} returned as {hit.text!r}, stored as {text!r}"
        assert abs(hit.score - score) <= TOL, (
            f"{what}: {key} {text!r} returned with score {hit.score:.6f}, its true score is {score:.6f}: {got}")
    assert all(a.score >= b.score - TOL for a, b in zip(hits, hits[1:])), f"{what}: not sorted: {got}"
    kth = float(np.sort(scores)[::-1][expected_n - 1])
    returned = {(h.path, h.ordinal) for h in hits}
    for key, (text, score) in true.items():
        if score > kth + TOL:
            assert key in returned, (
                f"{what}: missed {key} {text!r} with score {score:.6f} (k-th best is {kth:.6f}); got {got}")


# --- the state machine ------------------------------------------------------------------

class IndexMachine(RuleBasedStateMachine):
    models_cache: Models  # set by the test function

    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="simsearch-stateful-"))
        self.root = self.tmp / "docs"
        self.root.mkdir()
        self.db = self.tmp / "index" / "index.db"
        self.model_dir = self.tmp / "models"
        self.files: dict[str, list[str]] = {}  # on disk now: name -> sentences
        self.models: dict[str, tuple[int, int]] = {}  # folder (the model's name) -> (dim, seed) in it now
        self.indexed_files: dict[str, list[str]] = {}  # as of the last completed run (within its limit)
        self.indexed_skipped: set[str] = set()  # files over the limit at the last completed run
        self.limit_bytes = int(indexer.DEFAULT_MAX_FILE_MB * 2**20)  # --max-file-mb in force (the last given)
        self.indexed_models: dict[str, tuple[int, int]] = {}
        self.pending: set[str] = set()  # models asked for by a run that did not complete
        # models left out of a completed run that named others (`index DOCS -m B` over an index of A
        # and B): their vectors of sentences that run changed are missing until a run embeds them
        self.partial: set[str] = set()
        self.clean = False  # the last index run completed
        self.readers_save = True  # whether a Searcher may write a repaired HNSW file
        self.clock = 1_700_000_000 * 10**9
        self.started = False
        self.saved = (ann.EXACT_BELOW, ann.REBUILD_DELETED_SHARE)
        self.rng = np.random.default_rng(0)
        self.clean_builds = 0
        self.reader = CURRENT_READER  # the simsearch version installed now (its reader)
        self.last_report = None
        self.context = 0  # the index's --vector-context (context vectors): drawn by ``start``
        use_reader(CURRENT_READER)

    def teardown(self):
        ann.EXACT_BELOW, ann.REBUILD_DELETED_SHARE = self.saved
        use_reader(CURRENT_READER)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers --------------------------------------------------------------------------

    def write(self, name: str, sentences: list[str]) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file_text(sentences), encoding="utf-8")
        # A distinct mtime per save, as a person's saves have: a same-size edit within the
        # file system's timestamp granularity is a different question (not this test's).
        self.clock += 10**9
        os.utime(path, ns=(self.clock, self.clock))
        self.files[name] = list(sentences)

    def pick(self, names, which: int) -> str:
        names = sorted(names)
        return names[which % len(names)]

    def run_index(self, models: list[str] | None, interrupt=None, limit_bytes: int | None = None,
                  context: int | None = None, only: bool = False) -> None:
        """``only``: ``models`` are some of the index's models, named alone (the others are left as they are)."""
        named = [Path(m).name for m in models] if models else "(the index's own)"
        note(f"  index --model {named}"
             + (f" --max-file-mb {limit_bytes}B" if limit_bytes is not None else "")
             + (f" --vector-context {context}" if context is not None else "")
             + (f", Ctrl-C at transaction {interrupt[0]} {'after' if interrupt[1] else 'before'} its commit"
                if interrupt else ""))
        assert limit_bytes is None or interrupt is None  # the oracle knows the limit of completed runs only
        assert context is None or interrupt is None  # and the context window of completed runs
        store = Store.open(self.db)
        try:
            with interrupt_at(interrupt) as fired:
                try:
                    self.last_report = indexer.index(store, [self.root], models, progress=False,
                                  max_file_mb=None if limit_bytes is None else limit_bytes / 2**20,
                                  context=context)
                except (Interrupted, KeyboardInterrupt):
                    if not fired():
                        raise
        finally:
            store.close()
        if fired():
            note("  ... interrupted")
            tally("index run interrupted")
            self.clean = False
        else:
            tally("index run completed" + (" (a Ctrl-C was set but never reached)" if interrupt else ""))
            self.clean = True
            if only:
                self.partial = (self.partial | set(self.models)) - set(models)
            else:
                self.partial = set()
            self.pending.clear()
            if limit_bytes is not None:
                self.limit_bytes = limit_bytes
            if context is not None:
                self.context = context
            self.indexed_files = {name: read_as(self.reader, s) for name, s in self.files.items()
                                  if file_size(s) <= self.limit_bytes}
            self.indexed_raw = dict(self.files)  # the files as that run read them (their shape)
            self.indexed_skipped = {name for name, s in self.files.items() if file_size(s) > self.limit_bytes}
            if only:  # the models it left out stay as the index held them (retrained meanwhile: stale)
                self.indexed_models.update({name: self.models[name] for name in models})
            else:
                self.indexed_models = dict(self.models)

    def refresh_models(self) -> list[str] | None:
        """A plain `simsearch index` (the index's models), or the same command again when a
        run that named models did not complete."""
        return sorted(self.models) if self.pending else None

    def hnsw_files(self) -> list[Path]:
        return sorted(self.db.parent.glob("*.hnsw")) if self.db.parent.is_dir() else []

    # --- rules ----------------------------------------------------------------------------

    @initialize(exact_below=st.integers(0, 6), rebuild_share=st.sampled_from([0.0, 0.25, 1.0]),
                dim=st.sampled_from(DIMS), seed=st.sampled_from(SEEDS),
                files=st.lists(st.lists(st.sampled_from(POOL), min_size=1, max_size=6), min_size=1, max_size=4), rng_seed=st.integers(0, 2**16),
                context=st.sampled_from([0, 1]))
    def start(self, exact_below, rebuild_share, dim, seed, files, rng_seed, context):
        note(f"  EXACT_BELOW={exact_below} REBUILD_DELETED_SHARE={rebuild_share} model m1={(dim, seed)} "
             f"--vector-context {context}")
        ann.EXACT_BELOW = exact_below
        ann.REBUILD_DELETED_SHARE = rebuild_share
        self.rng = np.random.default_rng(rng_seed)
        for name, sentences in zip(FILE_NAMES, files):
            note(f"  {name}: {sentences}")
            self.write(name, sentences)
        name = str(self.model_dir / MODEL_NAMES[0])
        self.models_cache.install((dim, seed), Path(name))
        self.models[name] = (dim, seed)
        self.pending.add(name)
        self.started = True
        self.run_index([name], context=context)

    @rule(name=st.sampled_from(FILE_NAMES), sentences=sentence_lists)
    def write_file(self, name, sentences):
        """Create a file, or overwrite one with any text."""
        note(f"  {name}: {self.files.get(name)} -> {sentences}")
        tally("file overwritten" if name in self.files else "file added")
        self.write(name, sentences)

    @precondition(lambda self: any(self.files.values()))
    @rule(which=st.integers(0, 5), keep=st.lists(st.integers(0, 5), min_size=1, max_size=6),
          new=st.lists(st.sampled_from(POOL), min_size=1, max_size=3), positions=st.lists(st.integers(0, 6), max_size=3))
    def edit_file(self, which, keep, new, positions):
        """Edit a file keeping some of its sentences (in order) and inserting new ones among them:
        kept sentences carry their vectors over, new ones are embedded later (issue 11, bug 1)."""
        name = self.pick([n for n, s in self.files.items() if s], which)
        old = self.files[name]
        result = [old[i % len(old)] for i in sorted({i % len(old) for i in keep})]
        for sentence, position in zip(new, positions + [0] * len(new)):
            result.insert(position % (len(result) + 1), sentence)
        note(f"  {name}: {old} -> {result}")
        tally("file edited, keeping some sentences")
        self.write(name, result)

    @precondition(lambda self: any(len(set(s)) > 1 for s in self.files.values()))
    @rule(which=st.integers(0, 5), shift=st.integers(1, 5), move=st.booleans())
    def replace_keeping_size_and_mtime(self, which, shift, move):
        """Replace a file by one of the same size and mtime and other text (its sentences rotated):
        what ``mv`` of a copy made with ``cp -p``, ``rsync -t`` or ``unzip`` does (``move``), or an
        in-place rewrite whose mtime is put back."""
        name = self.pick([n for n, s in self.files.items() if len(set(s)) > 1], which)
        old = self.files[name]
        new = old[shift % len(old):] + old[:shift % len(old)]
        if new == old:
            new = old[::-1]
        if new == old:
            return
        path = self.root / name
        before = path.stat()
        note(f"  {'mv a copy over' if move else 'rewrite in place'} {name}: {old} -> {new}, same size and mtime")
        tally(f"file replaced, same size and mtime ({'mv' if move else 'in place'})")
        target = self.tmp / "incoming" if move else path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file_text(new), encoding="utf-8")
        os.utime(target, ns=(before.st_mtime_ns, before.st_mtime_ns))
        if move:
            os.replace(target, path)
        after = path.stat()
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        self.files[name] = new

    @rule(limit=st.sampled_from([0, 60, 100, 160, 250, 2**20]))
    def index_with_another_max_file_mb(self, limit):
        """``--max-file-mb`` (here in bytes) applies to the index as it is after the run: files
        over it are left out (and taken out if indexed), files under it are read (even if an
        earlier, lower limit skipped them); later runs without it keep it."""
        over = sorted(n for n, s in self.files.items() if file_size(s) > limit)
        tally("index with another --max-file-mb" + (" (files over it)" if over else ""))
        self.run_index(self.refresh_models(), limit_bytes=limit)

    @precondition(lambda self: self.files)
    @rule(which=st.integers(0, 5))
    def delete_file(self, which):
        name = self.pick(self.files, which)
        note(f"  delete {name}")
        tally("file deleted")
        (self.root / name).unlink()
        del self.files[name]

    @precondition(lambda self: self.files)
    @rule(which=st.integers(0, 5), to=st.sampled_from(FILE_NAMES))
    def rename_file(self, which, to):
        name = self.pick(self.files, which)
        if to == name:
            return
        note(f"  rename {name} -> {to}")
        tally("file renamed" + (" over another" if to in self.files else ""))
        (self.root / to).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.root / name, self.root / to)
        self.files[to] = self.files.pop(name)

    @rule(which=st.integers(0, 3), dim=st.sampled_from(DIMS), seed=st.sampled_from(SEEDS))
    def retrain_model(self, which, dim, seed):
        name = self.pick(self.models, which)
        note(f"  retrain {Path(name).name}: {self.models[name]} -> {(dim, seed)}")
        tally("model retrained: " + ("same weights" if self.models[name] == (dim, seed) else
                                     "same dimension" if self.models[name][0] == dim else "other dimension"))
        self.models_cache.install((dim, seed), Path(name))
        self.models[name] = (dim, seed)

    @precondition(lambda self: len(self.models) < MAX_MODELS)
    @rule(dim=st.sampled_from(DIMS), seed=st.sampled_from(SEEDS), interrupt=interrupts)
    def add_model(self, dim, seed, interrupt):
        name = next(str(self.model_dir / n) for n in MODEL_NAMES if str(self.model_dir / n) not in self.models)
        note(f"  add model {Path(name).name} = {(dim, seed)}")
        tally("model added")
        self.models_cache.install((dim, seed), Path(name))
        self.models[name] = (dim, seed)
        self.pending.add(name)
        self.run_index(sorted(self.models), interrupt)

    @precondition(lambda self: self.started and len(self.models) >= 2 and not self.pending)
    @rule(which=st.integers(0, 3), interrupt=interrupts)
    def index_one_model(self, which, interrupt):
        """`index DOCS -m B` on an index of A and B (then `index -m A`, or a refresh, later): the
        files' changes are read, B embeds them; A keeps its vectors of sentences that stayed and
        lacks those of the others (searched as missing), and never holds B's or stale ones."""
        name = self.pick(self.models, which)
        tally("index run naming one of the index's models")
        self.run_index([name], interrupt, only=True)

    @precondition(lambda self: hasattr(indexer, "forget_models") and len(self.models) >= 2
                  and any(name not in self.pending for name in self.models))
    @rule(which=st.integers(0, 3))
    def remove_model(self, which):
        name = self.pick([n for n in self.models if n not in self.pending], which)
        note(f"  remove model {Path(name).name}")
        tally("model removed")
        store = Store.open(self.db)
        try:
            removed = indexer.forget_models(store, [name])["vectors"]
            if hasattr(indexer, "reclaim_space"):  # as `simsearch forget --model` does: VACUUM, ids kept
                indexer.reclaim_space(store, vectors_removed=removed)
        finally:
            store.close()
        del self.models[name]
        self.indexed_models.pop(name, None)
        shutil.rmtree(name)

    @precondition(lambda self: self.started and self.hnsw_files())
    @rule(which=st.integers(0, 3), kind=st.sampled_from(["delete", "truncate", "zero", "garble"]),
          start=st.integers(0, 99), length=st.integers(1, 100), keep_mtime=st.booleans(),
          seed=st.integers(0, 2**16))
    def damage_hnsw(self, which, kind, start, length, keep_mtime, seed):
        """What a crash, a full disk, a bad sector or another program can do to a cache file."""
        path = self.pick(self.hnsw_files(), which)
        before = path.stat()
        size = before.st_size
        offset = size * start // 100
        count = max(1, (size - offset) * length // 100)
        note(f"  {kind} {path.name} ({size} bytes) at {offset} for {count}, keep_mtime={keep_mtime}")
        tally(f"HNSW file damaged: {kind}{', mtime kept' if keep_mtime and kind != 'delete' else ''}")
        if kind == "delete":
            path.unlink()
            return
        if kind == "truncate":
            os.truncate(path, offset)
        else:
            payload = bytes(count) if kind == "zero" else np.random.default_rng(seed).bytes(count)
            with open(path, "r+b") as handle:
                handle.seek(offset)
                handle.write(payload)
        if keep_mtime:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    @precondition(lambda self: self.started)
    @rule(version=st.sampled_from(sorted(READERS)), interrupt=interrupts)
    def install_another_version(self, version, interrupt):
        """simsearch upgraded (or downgraded) to a version whose reader gives other sentences for the
        same bytes, then `simsearch index`: every file read by another version is read again, and only
        texts that no sentence held a vector for are embedded (a kept text keeps its vector)."""
        before = self.reader
        note(f"  install the version whose reader is {version} (was {before})")
        tally("another version installed" if version != before else "the same version installed again")
        self.reader = version
        use_reader(version)
        store = Store.open(self.db)
        try:  # the texts each up-to-date model holds a vector for, before the run
            # (with --vector-context 1 a vector is of a text in its window: a pair, ``sentences.context``)
            held = {row.name: set(store.conn.execute(
                        "SELECT DISTINCT s.text, s.context FROM vectors v JOIN sentences s ON s.id = v.sentence_id "
                        "WHERE v.model_id = ?", (row.id,)))
                    for row in store.models()
                    if self.clean and self.indexed_models.get(row.name) == self.models.get(row.name)}
            # files this version read already (a run of it interrupted before): not read again
            current = store.conn.execute("SELECT count(*) FROM documents WHERE extractor_version = ?",
                                         (version,)).fetchone()[0]
        finally:
            store.close()
        self.run_index(self.refresh_models(), interrupt)
        if not self.clean:
            return
        report = self.last_report
        store = Store.open(self.db)
        try:
            stored = store.conn.execute("SELECT text, context FROM sentences").fetchall()
            for name, texts in held.items():
                assert report.encoded.get(name, 0) == sum(text not in texts for text in stored), (
                    f"{Path(name).name}: {report.encoded.get(name, 0)} sentences embedded, "
                    f"{sum(text not in texts for text in stored)} hold a text it had no vector for")
            assert store.read_by_other_extractor(version) == set()
        finally:
            store.close()
        if current == 0:  # every file another version read is read again, none left as it was
            assert report.unchanged == 0, f"{report.unchanged} files read by another version were not read again"

    @rule()
    def switch_context(self):
        """``index --vector-context`` the other way: every model's vectors are made again (context vectors)."""
        tally(f"--vector-context switched to {1 - self.context}")
        self.run_index(self.refresh_models(), context=1 - self.context)

    @rule(interrupt=interrupts)
    def refresh(self, interrupt):
        self.run_index(self.refresh_models(), interrupt)

    @rule()
    def toggle_readers_save(self):
        self.readers_save = not self.readers_save
        note(f"  searchers may save a repaired HNSW file: {self.readers_save}")

    @rule()
    def refresh_and_compare_with_a_clean_index(self):
        self.run_index(self.refresh_models())
        self.clean_builds += 1
        fresh_path = self.tmp / f"clean-{self.clean_builds}" / "index.db"
        store, fresh = Store.open(self.db), Store.open(fresh_path)
        try:
            indexer.index(fresh, [self.root], sorted(self.models), progress=False,
                          max_file_mb=self.limit_bytes / 2**20, context=self.context)
            assert self.contents(store) == self.contents(fresh)
            for key in ("documents", "skipped", "sentences"):
                assert store.counts()[key] == fresh.counts()[key], key
            for name in self.models:
                mine, theirs = self.vectors_by_place(store, name), self.vectors_by_place(fresh, name)
                assert mine.keys() == theirs.keys(), name
                for place, vector in mine.items():
                    assert np.allclose(vector, theirs[place], atol=TOL), (name, place)
        finally:
            store.close()
            fresh.close()
            shutil.rmtree(fresh_path.parent, ignore_errors=True)

    # --- reading the store ----------------------------------------------------------------

    @staticmethod
    def contents(store: Store) -> dict[str, list[str] | str]:
        """path -> sentence texts in order (or the skip reason) of every document."""
        out: dict[str, list[str] | str] = {}
        for path, reason in store.conn.execute("SELECT path, skip_reason FROM documents"):
            out[path] = reason if reason is not None else []
        for path, text in store.conn.execute(
                "SELECT d.path, s.text FROM sentences s JOIN documents d ON d.id = s.document_id "
                "ORDER BY d.path, s.ordinal"):
            out[path].append(text)
        return out

    @staticmethod
    def vectors_by_place(store: Store, name: str) -> dict[tuple[str, int], np.ndarray]:
        row = store.model(name)
        rows = store.conn.execute(
            "SELECT d.path, s.ordinal, v.embedding FROM vectors v JOIN sentences s ON s.id = v.sentence_id "
            "JOIN documents d ON d.id = s.document_id WHERE v.model_id = ?", (row.id,)).fetchall()
        return {(path, ordinal): np.frombuffer(blob, dtype="<f4") for path, ordinal, blob in rows}

    # --- the invariant --------------------------------------------------------------------

    @invariant()
    def index_answers_exactly(self):
        if not self.started:
            return
        tally("steps checked")
        store = Store.open(self.db, create=False)
        try:
            assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert store.check_fts() == []  # the full-text index holds exactly the sentences
            if self.clean:
                self.check_contents(store)
            for row in store.models():
                self.check_saved_stat(store, row)
                self.check_model(store, row)
        finally:
            store.close()

    def check_saved_stat(self, store: Store, row) -> None:
        """A run with nothing to do skips an HNSW file whose stat is the one recorded at its save
        (``ann.saved_file_current``): that stat never stands for another content than the recorded
        checksum, whatever was done to the file since (damage_hnsw keeping the mtime included)."""
        if ann.saved_file_current(store, row):
            tally("HNSW file as saved: a run with nothing to do leaves it alone")
            path = ann.ann_path(store, row)
            assert ann.file_checksum(path) == store.model_by_id(row.id).ann_checksum, path.name

    def check_contents(self, store: Store) -> None:
        expected: dict = {str(self.root / name): list(s) for name, s in self.indexed_files.items()}
        total = sum(len(s) for s in expected.values())
        expected.update({str(self.root / name): "over --max-file-mb" for name in self.indexed_skipped})
        got = {path: "over --max-file-mb" if isinstance(value, str) and "over --max-file-mb" in value else value
               for path, value in self.contents(store).items()}
        assert got == expected
        counts = store.counts()
        assert (counts["documents"], counts["skipped"], counts["sentences"]) == (
            len(self.indexed_files), len(self.indexed_skipped), total)
        assert {row.name for row in store.models()} == set(self.indexed_models)
        for row in store.models():
            if row.name in self.partial:
                assert store.count_vectors(row.id) <= total, f"{row.name}: vectors"
                assert store.count_missing_vectors(row.id) == total - store.count_vectors(row.id), row.name
                continue
            assert store.count_vectors(row.id) == total, f"{row.name}: vectors"
        leftovers = [p.name for p in self.db.parent.iterdir() if p.name.endswith(".partial")]
        assert not leftovers, f"partial files left after a completed run: {leftovers}"

    def expected_vectors(self, store: Store, key: tuple[int, int], candidates: list) -> np.ndarray:
        """The oracle's vector of each (path, ordinal, text): the text's, or with --vector-context 1
        ``normalize(enc(text) + enc(window) + 0.5 enc(name))`` (the name: ``oracle_name``), the window being the document's sentences from
        ordinal - 1 to ordinal + 1 as the index holds them (a document is written whole, so they are
        the text of one version of the file), except in a plain-text file read as one sentence per
        line (no window), and in one read as one paragraph per line only those of the sentence's
        own line (``segment.line_shape`` of the file as written, when the run that read it completed)."""
        texts = [text for _, _, text in candidates]
        if not self.context or not candidates:
            return self.models_cache.encode(key, texts)
        from simsearch.segment import PARAGRAPH_PER_LINE, SENTENCE_PER_LINE, line_shape

        documents: dict[str, list[tuple[str, int]]] = {}
        for path, text, line in store.conn.execute(
                "SELECT d.path, s.text, s.line FROM sentences s JOIN documents d ON d.id = s.document_id "
                "ORDER BY d.path, s.ordinal"):
            documents.setdefault(path, []).append((text, line))
        shapes = {path: (bool(per_line), bool(blocks)) for path, per_line, blocks in store.conn.execute(
            "SELECT path, lines_are_sentences, lines_are_blocks FROM documents")}
        if self.clean:  # the shape the index recorded is the file's
            for name, sentences in self.indexed_files.items():
                path = str(self.root / name)
                if path in shapes and path.endswith(".txt"):
                    shape = line_shape(file_text(self.indexed_raw[name]))
                    assert shapes[path] == (shape == SENTENCE_PER_LINE, shape == PARAGRAPH_PER_LINE), path

        def window(path: str, ordinal: int) -> str | None:
            per_line, blocks = shapes[path]
            if per_line:
                return None
            sentences = documents[path]
            around = sentences[max(0, ordinal - 1):ordinal + 2]
            if blocks:
                tally("vectors checked with windows within their line (one paragraph per line)")
                around = [(text, line) for text, line in around if line == sentences[ordinal][1]]
            return " ".join(text for text, _ in around)

        windows = [window(path, ordinal) for path, ordinal, _ in candidates]
        names = [oracle_name(path) for path, _, _ in candidates]
        alone = self.models_cache.encode(key, texts)
        out = alone.copy()
        around = [i for i, window in enumerate(windows) if window is not None]
        if around:
            tally("vectors checked with their windows (--vector-context 1)")
            summed = alone[around] + self.models_cache.encode(key, [windows[i] for i in around])
            named = [i for i in around if names[i] is not None]
            if named:
                tally("vectors checked with their file's name")
                summed[[around.index(i) for i in named]] += 0.5 * self.models_cache.encode(key, [names[i] for i in named])
            out[around] = summed / np.linalg.norm(summed, axis=1, keepdims=True)
        return out

    def check_model(self, store: Store, row) -> None:
        name = Path(row.name).name
        key = self.models.get(row.name)
        stale = self.clean and self.indexed_models.get(row.name) != key
        with contextlib.ExitStack() as stack:
            if not self.readers_save:
                stack.enter_context(indexer.writer_lock(store))  # a Searcher then keeps repairs in memory
            try:
                searcher = Searcher.open(store, row.name)
            except SimsearchError as exc:
                assert not self.clean or stale, f"{name}: Searcher.open refused an up-to-date model: {exc}"
                tally("search refused: model changed since indexed")
                return
        assert not stale, f"{name}: Searcher.open accepted a model retrained since it was indexed"
        assert key is not None, f"{name}: the index answers for a model the test removed"
        candidates = store.conn.execute(
            "SELECT d.path, s.ordinal, s.text FROM vectors v JOIN sentences s ON s.id = v.sentence_id "
            "JOIN documents d ON d.id = s.document_id WHERE v.model_id = ? ORDER BY d.path, s.ordinal",
            (row.id,)).fetchall()
        if self.clean and row.name not in self.partial:
            assert len(candidates) == sum(len(s) for s in self.indexed_files.values()), f"{name}: vectors missing"
        elif row.name in self.partial:
            tally("searched a model left out of the last run")
        vectors = self.expected_vectors(store, key, candidates)
        dim = key[0]
        queries = [("random", q / np.linalg.norm(q)) for q in self.rng.standard_normal((2, dim)).astype(np.float32)]
        for i in self.rng.choice(len(candidates), size=min(2, len(candidates)), replace=False):
            queries.append((f"sentence {candidates[i][:2]}", vectors[i]))
        n = len(candidates)
        tally(f"searched: {searcher.vectors.method}")
        ks = sorted({1, 3, 5, max(n, 1), n + 1})
        sub = str(self.root / "sub") + os.sep
        in_sub = [i for i, c in enumerate(candidates) if c[0].startswith(sub)]
        for label, query in queries:
            scores = vectors @ query if n else np.empty(0, dtype=np.float32)
            for k in ks:
                hits = searcher.search_vector(query, k, context=0)
                assert_exact_top_k(hits, candidates, scores, k, f"{name} ({searcher.vectors.method}) {label} k={k}")
            hits = searcher.search_vector(query, 3, context=0, path_glob=str(self.root / "sub"))
            assert_exact_top_k(hits, [candidates[i] for i in in_sub], scores[in_sub], 3,
                               f"{name} ({searcher.vectors.method}) {label} k=3 --path sub")


@pytest.fixture(scope="session")
def stateful_models(tmp_path_factory) -> Models:
    return Models(tmp_path_factory.mktemp("stateful-models"))


def test_index_matches_an_exact_oracle_through_any_sequence(stateful_models):
    IndexMachine.models_cache = stateful_models
    STATS.clear()
    try:
        run_state_machine_as_test(IndexMachine, settings=PROFILE)
    finally:
        print(f"\nstateful profile {PROFILE_NAME}: {PROFILE.max_examples} examples x up to "
              f"{PROFILE.stateful_step_count} steps")
        for label, number in sorted(STATS.items()):
            print(f"  {number:6d}  {label}")
