"""What `simsearch index` costs again when little or nothing changed (session 46, trial incr):
a run with nothing to do leaves a saved HNSW file alone, and no command imports pandas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hnswlib
import pytest

from simsearch import ann
from simsearch.indexer import forget_models, index
from simsearch.search import Searcher
from simsearch.store import Store

from .test_index import top_texts, write_docs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "index.db")
    yield s
    s.close()


@pytest.fixture
def loads(monkeypatch):
    """The paths hnswlib loads, in order."""
    loaded: list[str] = []
    real = hnswlib.Index.load_index

    def spy(self, path, *args, **kwargs):
        loaded.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(hnswlib.Index, "load_index", spy)
    return loaded


def run(store, roots, models=None):
    return index(store, roots, models, progress=False)


def test_a_run_with_nothing_changed_leaves_the_saved_hnsw_file_alone(store, tmp_path, index_model, monkeypatch, loads):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    docs = write_docs(tmp_path / "docs")
    name = str(index_model)
    run(store, [docs], [name])
    path = ann.ann_path(store, store.model(name))
    before = path.stat()
    loads.clear()
    again = run(store, [docs])
    # Before: every such run loaded the file (sha256 and hnswlib's load: ~0.9 s at 140k x 384).
    assert loads == [] and again.hnsw == {} and again.unchanged == 8
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_ctime_ns) == (before.st_ino, before.st_mtime_ns, before.st_ctime_ns)
    query = "A list item on physics 4."
    assert top_texts(store, name, query, 1) == [query]
    # An edit loads, patches and saves it as before; the next run with nothing to do leaves it alone.
    (docs / "001-travel.md").write_text("# Travel\n\nA new remark about trains and ferries.\n")
    edited = run(store, [docs])
    assert edited.hnsw == {name: "patched"} and loads
    loads.clear()
    assert run(store, [docs]).hnsw == {} and loads == []
    assert top_texts(store, name, "A new remark about trains and ferries.", 1) == ["A new remark about trains and ferries."]


@pytest.mark.parametrize("how", ["zeroed, mtime put back", "replaced by a copy, mtime kept", "deleted"])
def test_a_file_written_since_its_save_is_still_verified_and_repaired_by_a_run_with_nothing_changed(
        store, tmp_path, index_model, monkeypatch, how):
    """Only the stat recorded right after the save, ctime and inode included, lets a run skip the
    file: a write that puts the mtime back, or `cp -p` over it, moves the ctime or the inode."""
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    docs = write_docs(tmp_path / "docs")
    name = str(index_model)
    run(store, [docs], [name])
    path = ann.ann_path(store, store.model(name))
    good = path.read_bytes()
    stat = path.stat()
    if how == "deleted":
        path.unlink()
    elif how.startswith("zeroed"):
        with open(path, "r+b") as handle:
            handle.seek(len(good) // 3)
            handle.write(bytes(len(good) // 4))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    else:
        copy = tmp_path / "copy.hnsw"
        copy.write_bytes(good[: len(good) // 2] + bytes(len(good) - len(good) // 2))
        os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(copy, path)
    assert not Searcher.open(store, name).vectors.method == "exact"
    again = run(store, [docs])
    assert again.hnsw == {name: "built"}
    assert ann.hnsw_file_problem(path, store.model(name).dim) is None
    assert not ann.VectorIndex.open(store, store.model(name), save=False).repaired  # the rebuilt file, verified


def test_forgetting_a_model_forgets_the_stat_of_its_file(store, tmp_path, index_model, monkeypatch):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    docs = write_docs(tmp_path / "docs")
    run(store, [docs], [str(index_model)])
    row = store.model(str(index_model))
    assert store.setting(ann.SAVED_STAT_KEY.format(row.id)) is not None
    forget_models(store, [str(index_model)])
    assert store.setting(ann.SAVED_STAT_KEY.format(row.id)) is None


def test_no_command_imports_pandas(tmp_path):
    """sqlite-utils imported pandas (1.5 s of a 4.9 s `index` with nothing to do) for a column type
    simsearch never writes; it is imported without it, and works."""
    code = ("import sys; import simsearch.cli, simsearch.indexer, simsearch.search; "
            "from simsearch.store import Store; s = Store.open(sys.argv[1]); s.close(); "
            "print('pandas' in sys.modules); import pandas; print(pandas.__name__)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.db")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.split() == ["False", "pandas"]


def test_sqlite_utils_maps_pandas_timestamps_once_pandas_is_imported_after_simsearch(tmp_path):
    """A program that imports simsearch, then pandas, and writes a ``pandas.Timestamp`` with
    sqlite-utils (which maps it to TEXT) got ``KeyError: <class 'pandas.Timestamp'>``: sqlite-utils
    had been imported with pandas hidden. pandas imported first was always mapped."""
    code = ("import simsearch.store, pandas, sqlite_utils; db = sqlite_utils.Database(memory=True); "
            "db['t'].insert({'when': pandas.Timestamp('2024-01-01'), 'n': 1}); "
            "db['t'].insert({'when': pandas.Timestamp('2024-01-02'), 'n': 2}, alter=True); "
            "print(db['t'].columns_dict['when'].__name__, [r['when'] for r in db['t'].rows])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["str", "['2024-01-01T00:00:00',", "'2024-01-02T00:00:00']"]

def test_a_file_saved_before_the_stat_was_recorded_is_verified_once_then_left_alone(
        store, tmp_path, index_model, monkeypatch, loads):
    monkeypatch.setattr(ann, "EXACT_BELOW", 0)
    docs = write_docs(tmp_path / "docs")
    name = str(index_model)
    run(store, [docs], [name])
    row = store.model(name)
    with store.transaction():  # as an index saved by session 45's simsearch
        store.conn.execute("DELETE FROM settings WHERE key = ?", (ann.SAVED_STAT_KEY.format(row.id),))
    loads.clear()
    assert run(store, [docs]).hnsw == {} and len(loads) == 1  # verified (sha256, load), not saved again
    assert store.setting(ann.SAVED_STAT_KEY.format(row.id)) is not None
    loads.clear()
    assert run(store, [docs]).hnsw == {} and loads == []


def test_loading_a_model_does_not_import_sklearn(tiny_model):
    """transformers imported scikit-learn (installed beside sentence-transformers) in every command
    that loads a model, for a threshold of assisted decoding simsearch never runs: minilm loaded in
    5.44 s, 4.15 s without it (benchmarks/bench_imports.py). A model loads without it now, and transformers'
    ``roc_curve`` still answers, importing scikit-learn when first called."""
    pytest.importorskip("sklearn")
    code = ("import sys; from simsearch.encoder import load_transformer; load_transformer(sys.argv[1]); "
            "print('sklearn' in sys.modules); import transformers.generation.candidate_generator as g; "
            "from transformers.utils import is_sklearn_available; print(is_sklearn_available()); "
            "print(g.roc_curve([0, 1, 1], [0.1, 0.8, 0.4])[1].tolist()); print('sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(tiny_model)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.split("\n")[:4] == ["False", "True", "[0.0, 0.5, 1.0, 1.0]", "True"], done.stdout
