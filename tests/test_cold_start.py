"""A command that loads a model imports no more than it needs, and answers as it did before.

transformers imports ``scipy.optimize`` (most of SciPy) with every model class, for the Hungarian
matching of its object-detection losses; ``simsearch.lean_imports.transformers_without_scipy``
leaves it out. The oracle for "answers as before" is the same code run with SciPy and scikit-learn
imported first, which turns the lean imports into no-ops (transformers then imports as it
imports itself): the query vectors and ``search --json`` must match bit for bit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What makes a process import as transformers imports itself (and as simsearch did before).
PLAIN = "import scipy.optimize; import sklearn.metrics; "
QUERIES = ["How do rivers reach the sea?", "comets", "Bake it until the crust is brown.", "naïve café 東京"]


def python(code: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def test_loading_a_model_does_not_import_scipy(tiny_model):
    """Loading minilm imported scipy.optimize, through transformers' DETR losses (375 modules, 0.48 s
    of a search's start at load 2, docs/speed.md). A model loads without any of SciPy now, and the losses'
    ``linear_sum_assignment`` still answers, importing SciPy's when first called."""
    pytest.importorskip("scipy")
    code = ("import sys; from simsearch.encoder import load_transformer; load_transformer(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')); "
            "from transformers.utils import is_scipy_available; print(is_scipy_available()); "
            "import transformers.loss.loss_for_object_detection as d, transformers.loss.loss_rt_detr as r; "
            "print(d.linear_sum_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])[1].tolist(), "
            "r.linear_sum_assignment([[1, 0], [0, 1]])[1].tolist()); print('scipy.optimize' in sys.modules)")
    assert python(code, tiny_model).stdout.split("\n")[:4] == ["[]", "True", "[1, 0, 2] [1, 0]", "True"]


def test_the_lean_imports_leave_a_process_that_imported_scipy_first_alone(tiny_model):
    """A program that imported SciPy before loading a model gets transformers' own import: the lean
    import is a no-op, and the losses hold SciPy's function itself."""
    code = (PLAIN + "import sys; from simsearch.encoder import load_transformer; load_transformer(sys.argv[1]); "
            "import scipy.optimize, transformers.loss.loss_for_object_detection as d; "
            "print(d.linear_sum_assignment is scipy.optimize.linear_sum_assignment)")
    assert python(code, tiny_model).stdout.split() == ["True"]


QUERY_VECTORS = ("import sys, hashlib; from simsearch.encoder import Encoder; "
                 "e = Encoder.load(sys.argv[1], device='cpu', precision=sys.argv[2]); "
                 "v = e.encode(sys.argv[3:], normalize=True, progress=False); "
                 "print(v.dtype, v.shape, v.tobytes().hex()); print('scipy.optimize' in sys.modules)")


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_query_vectors_are_bit_identical_to_those_of_transformers_own_import(tiny_model, precision):
    lean = python(QUERY_VECTORS, tiny_model, precision, *QUERIES).stdout.splitlines()
    plain = python(PLAIN + QUERY_VECTORS, tiny_model, precision, *QUERIES).stdout.splitlines()
    assert (lean[1], plain[1]) == ("False", "True")  # (the two processes did import differently)
    assert lean[0] == plain[0]


SEARCH = ("import sys, runpy; sys.argv = ['simsearch', *sys.argv[1:]]; import atexit; "
          "atexit.register(lambda: print(*(m in sys.modules for m in ('scipy.optimize', 'simsearch.extract', "
          "'simsearch.indexer')), file=sys.stderr)); runpy.run_module('simsearch', run_name='__main__')")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, index_model) -> Path:
    root = tmp_path_factory.mktemp("cold")
    docs = root / "docs"
    docs.mkdir()
    (docs / "rivers.md").write_text("# Rivers\n\nRivers carry water from the mountains to the sea.\n"
                                    "Some rivers freeze in winter.\n\nA delta forms where a river meets the sea.\n")
    (docs / "kitchen.txt").write_text("Bread rises because yeast makes gas.\nBake it until the crust is brown.\n"
                                      "Comets are icy bodies that orbit the sun.\n")
    python(SEARCH, "index", docs, "--db", root / "index.db", "-m", index_model, "--device", "cpu")
    return root / "index.db"


def search(db: Path, model: Path, query: str, prefix: str = "", *extra: str) -> tuple[list[dict], list[str]]:
    done = python(prefix + SEARCH, "search", "--json", query, "--db", db, "-m", model, "--device", "cpu", *extra)
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr.splitlines()[-1].split()


def test_search_json_is_identical_to_that_of_transformers_own_import(indexed, index_model):
    for query in QUERIES[::2]:  # (each search is two fresh processes)
        lean, imported = search(indexed, index_model, query, "", "-k", "5")
        plain, imported_plain = search(indexed, index_model, query, PLAIN, "-k", "5")
        assert (imported[0], imported_plain[0]) == ("False", "True")
        assert lean and lean == plain, query


def test_search_imports_neither_the_readers_nor_the_indexer(indexed, index_model):
    """`search` imported every reader (``simsearch.extract``: Markdown, HTML, LaTeX, EPUB, PDF…) and
    the indexer, for the reader's version number and the writer lock's check, 0.23 to 0.37 s of its
    start under load (docs/speed.md). It needs neither; a hit still says when another reader version read it
    (tests/test_reader_change.py), and a running index is still told (test_search_while_indexing)."""
    hits, imported = search(indexed, index_model, "rivers and the sea")
    assert hits and imported[1:] == ["False", "False"]
