"""Counts in messages say "1 model", "2 models": never "model(s)" (session 50, trial ux)."""

from __future__ import annotations

import ast
from pathlib import Path

import simsearch
from simsearch.indexer import index
from simsearch.store import Store


def _warnings_of(store: Store, docs: Path, model: str, **options) -> list[str]:
    said: list[str] = []
    index(store, [docs], [model], progress=False, device="cpu", on_warning=lambda path, reason: said.append(reason),
          **options)
    return said


def test_one_model_and_one_vector_are_said_in_the_singular(tmp_path, index_model):
    """Was: `index --vector-context 1` on an index of one model said "re-embedding all 6 vectors of
    1 model(s)"; a change of precision "its 1 vectors were made at fp32; re-embedding all of them"."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text("The bridge opens at dawn.\n")
    store = Store.open(tmp_path / "i.db")
    model = str(index_model)
    _warnings_of(store, docs, model, context=0, precision="fp32")
    said = _warnings_of(store, docs, model, context=1)
    assert any(w.endswith("; re-embedding the 1 vector of 1 model") for w in said), said
    said = _warnings_of(store, docs, model, precision="bf16")
    assert any(w.endswith("its 1 vector was made at fp32; re-embedding it at bf16 (--precision bf16)") for w in said), said
    (docs / "two.txt").write_text("Cars cross it slowly. Boats pass under it.\n")
    _warnings_of(store, docs, model)
    said = _warnings_of(store, docs, model, context=0)
    assert any(w.endswith("; re-embedding all 3 vectors of 1 model") for w in said), said
    said = _warnings_of(store, docs, model, precision="fp32")
    assert any(w.endswith("its 3 vectors were made at bf16; re-embedding all of them at fp32 (--precision fp32)")
               for w in said), said
    store.close()


def test_no_message_counts_in_a_noun_with_s_in_brackets():
    """Every string of the package but docstrings (messages, help): "(s)" was in `index`'s warnings."""
    found = []
    for path in Path(simsearch.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and (body := node.body) and isinstance(body[0], ast.Expr)}  # (for readers, not users)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "(s)" in node.value \
                    and id(node) not in docstrings:
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert not found, found
