"""Every run's skip-or-read decision on a weighed file (a notebook, an EPUB, a PDF of photographs)
equals a fresh index's, whatever happened to the file, the limit, pypdf and the index before
(review 48, of m0018: a file's weight against ``--max-file-mb`` is recorded with its stat and the
limit, and an unchanged file's is not weighed again).

The oracle is a fresh index of the same folder with the same limit and the same pypdf: the
incremental index must hold, for each file, the same skip reason or the same sentences. The
recorded stat is trusted at once (``RACY_NS``), so only the weight's own record keeps a file
from being read: a stale one would show."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from simsearch import indexer
from simsearch.store import Store
from tests.test_extract_epub import book, page
from tests.test_extract_pdf import handmade_pdf
from tests.test_max_file_mb_containers import notebook, with_pictures
from tests.test_max_file_mb_pdf import with_photographs

pypdf = pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
PYPDF = pypdf
KiB = 2**10
SUPPORT = "skipped: PDF support is not installed: pip install 'simsearch[pdf]'"
NAMES = ["a.ipynb", "b.ipynb", "c.epub", "d.pdf"]
LIMITS = [2 * KiB, 12 * KiB, 2**20]  # bytes
WORDS = ["herons", "estuary", "lantern", "copper", "orchard", "glacier", "violin", "harbour"]


def sentences(seed: int, count: int) -> list[str]:
    return [f"Note {seed}.{n} tells of the {WORDS[(seed + n) % len(WORDS)]} by the shore." for n in range(count)]


def content(name: str, seed: int, count: int, pictures: int) -> bytes:
    """A file of ``count`` sentences and ``pictures`` bytes of pictures, in the format of ``name``."""
    if name.endswith(".ipynb"):
        return notebook(sentences(seed, count), 2 if pictures else 0, pictures // 2).encode()
    if name.endswith(".epub"):
        body = "".join(f"<p>{text}</p>" for text in sentences(seed, count))
        return with_pictures(book({"c1.xhtml": page(body)}), "OEBPS", pictures) if pictures else book(
            {"c1.xhtml": page(body)})
    pages = [sentences(seed, count)]
    chosen, sys.modules["pypdf"] = sys.modules.get("pypdf"), PYPDF  # (written with pypdf, whether the index has it)
    try:
        return with_photographs(handmade_pdf(pages), pictures) if pictures else handmade_pdf(pages)
    finally:
        sys.modules["pypdf"] = chosen


class WeightMachine(RuleBasedStateMachine):
    model: Path
    root: Path

    @initialize(files=st.lists(st.tuples(st.integers(0, 5), st.sampled_from([1, 200]), st.sampled_from([0, 8 * KiB])),
                               min_size=len(NAMES), max_size=len(NAMES)), limit=st.sampled_from(LIMITS))
    def start(self, files, limit):
        self.folder = Path(tempfile.mkdtemp(dir=self.root))
        self.docs = self.folder / "docs"
        self.docs.mkdir()
        self.db = self.folder / "index.db"
        self.fresh = 0
        self.limit = limit
        self.pdf = True
        self.runs = 0
        for name, (seed, count, pictures) in zip(NAMES, files):
            (self.docs / name).write_bytes(content(name, seed, count, pictures))
        self.run_index()

    def teardown(self):
        sys.modules["pypdf"] = PYPDF

    def use_pdf(self) -> None:
        sys.modules["pypdf"] = PYPDF if self.pdf else None  # None: uninstalled, `import pypdf` raises ImportError

    def index(self, db: Path) -> None:
        self.use_pdf()
        store = Store.open(db)
        try:
            indexer.index(store, [self.docs], [str(self.model)], max_file_mb=self.limit / 2**20, device="cpu",
                          progress=False, context=0)
        finally:
            store.close()

    @staticmethod
    def contents(db: Path) -> dict[str, object]:
        store = Store.open(db)
        try:
            rows = store.conn.execute("SELECT id, path, skip_reason FROM documents").fetchall()
            return {Path(path).name: reason if reason is not None else [text for (text,) in store.conn.execute(
                "SELECT text FROM sentences WHERE document_id = ? ORDER BY ordinal", (document_id,))]
                for document_id, path, reason in rows}
        finally:
            store.close()

    @rule(name=st.sampled_from(NAMES), seed=st.integers(0, 5), count=st.sampled_from([1, 200]),
          pictures=st.sampled_from([0, 8 * KiB]))
    def write(self, name, seed, count, pictures):
        (self.docs / name).write_bytes(content(name, seed, count, pictures))
        self.run_index()

    @rule(name=st.sampled_from(NAMES), seed=st.integers(0, 5), count=st.sampled_from([1, 200]),
          pictures=st.sampled_from([0, 8 * KiB]), move=st.booleans())
    def replace_keeping_size_and_mtime(self, name, seed, count, pictures, move):
        """Another version of the same size (padded or cut at the end: a notebook's JSON, an EPUB's
        zip comment-less tail, a PDF's trailer bytes all read the same or are skipped alike) with the
        old modification time, by `mv` or written in place and `touch -d` back."""
        path = self.docs / name
        if not path.exists():
            return
        old = path.stat()
        data = content(name, seed, count, pictures)
        if len(data) > old.st_size:
            return
        data = data + b" " * (old.st_size - len(data)) if not name.endswith(".epub") else data
        if len(data) != old.st_size:
            return
        if move:
            other = self.folder / "other"
            other.write_bytes(data)
            os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
            os.replace(other, path)
        else:
            path.write_bytes(data)
            os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
        self.run_index()

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name):
        (self.docs / name).unlink(missing_ok=True)
        self.run_index()

    @rule(limit=st.sampled_from(LIMITS))
    def another_limit(self, limit):
        self.limit = limit
        self.run_index()

    @rule()
    def toggle_pypdf(self):
        self.pdf = not self.pdf
        self.run_index()

    @rule()
    def forget_weights(self):
        """The index as a simsearch before m0018 left it: no weight recorded."""
        if self.db.exists():
            store = Store.open(self.db)
            try:
                with store.transaction():
                    store.conn.execute("UPDATE documents SET weight = NULL, weight_note = NULL, weight_limit = NULL")
            finally:
                store.close()
        self.run_index()

    def run_index(self):
        """An incremental run, and a fresh index of the folder as it is now: the same."""
        if not any(self.docs.iterdir()):
            return
        self.index(self.db)
        self.runs += 1
        self.fresh += 1
        fresh = self.folder / f"fresh{self.fresh}.db"
        self.index(fresh)
        incremental, oracle = self.contents(self.db), self.contents(fresh)
        for name, held in incremental.items():
            if isinstance(held, list) and oracle.get(name) == SUPPORT:
                # (an unchanged PDF indexed with pypdf stays indexed without it, where a fresh index
                # skips it: the rule since session 47, not of m0018's weights)
                incremental[name] = SUPPORT
        assert incremental == oracle, (self.limit, self.pdf)

    @invariant()
    def pypdf_as_chosen(self):
        self.use_pdf()


def test_every_runs_skip_or_read_of_a_weighed_file_equals_a_fresh_index(tmp_path, index_model, monkeypatch):
    monkeypatch.setattr(indexer, "RACY_NS", -(10**18))  # (a file written just now is otherwise read again)
    monkeypatch.setitem(sys.modules, "pypdf", PYPDF)
    WeightMachine.model, WeightMachine.root = index_model, tmp_path
    run_state_machine_as_test(WeightMachine, settings=settings(
        max_examples=int(os.environ.get("SIMSEARCH_STATEFUL_EXAMPLES", 12)),
        stateful_step_count=int(os.environ.get("SIMSEARCH_STATEFUL_STEPS", 12)), deadline=None, derandomize=True,
        database=None, suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]))
