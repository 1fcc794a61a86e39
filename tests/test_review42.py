"""Review 42: a Ctrl-C after a non-finite model's vectors were taken back keeps none of them."""

from __future__ import annotations

import pytest

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.errors import Interrupted
from simsearch.store import Store


class _InterruptAfterCleanupCommit:
    """``store.conn``, but a Ctrl-C lands as the COMMIT that takes a model's vectors back returns
    (the signal came during its fsync: Python raises it once the call is done)."""

    def __init__(self, conn):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "cleaning", False)

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __setattr__(self, name, value):
        setattr(self._conn, name, value)

    def executemany(self, sql, *args):
        if sql.startswith("DELETE FROM vectors"):
            object.__setattr__(self, "cleaning", True)
        return self._conn.executemany(sql, *args)

    def execute(self, sql, *args):
        result = self._conn.execute(sql, *args)
        if sql == "COMMIT" and self.cleaning:
            object.__setattr__(self, "cleaning", False)
            raise KeyboardInterrupt
        return result


def test_a_ctrl_c_after_a_non_finite_models_vectors_were_taken_back_writes_none_again(
        tmp_path, index_model, monkeypatch):
    from .test_embed_window import twelve_paragraphs_and_a_forward_turning_non_finite

    root, forward = twelve_paragraphs_and_a_forward_turning_non_finite(tmp_path, after=3)
    calls = forward.calls
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 100)  # the finite vectors made so far wait, uncommitted
    monkeypatch.setattr(Encoder, "forward", forward)
    store = Store.open(tmp_path / "i.db")
    try:
        store.conn = _InterruptAfterCleanupCommit(store.conn)
        with pytest.raises(Interrupted):
            indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=False,
                          batch_size=1)
        assert calls["n"] >= 4
        assert store.conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0
    finally:
        store.close()


def test_hardbreaks_set_in_the_document_header_breaks_every_paragraphs_lines():
    """``:hardbreaks-option:`` is set in the header as a rule (Asciidoctor's docs); the header's
    entries were read by ``_header_end`` alone, so it was ignored there."""
    from .textgen import read

    source = "= Title\n:hardbreaks-option:\n\nRoses are red\nviolets are blue\n"
    assert read("a.adoc", source) == [(1, "Title"), (4, "Roses are red"), (5, "violets are blue")]
    unset = "= Title\n:hardbreaks-option:\n:hardbreaks-option!:\n\nRoses are red\nviolets are blue\n"
    assert read("a.adoc", unset) == [(1, "Title"), (5, "Roses are red violets are blue")]


class _InterruptAfterBegin(_InterruptAfterCleanupCommit):
    """``store.conn``, but a Ctrl-C lands right after the ``nth`` BEGIN returns, before the
    transaction's ``try`` (``Store.transaction``): the transaction is left open."""

    def __init__(self, conn, nth: int):
        super().__init__(conn)
        object.__setattr__(self, "begins", nth)

    def execute(self, sql, *args):
        result = self._conn.execute(sql, *args)
        if sql == "BEGIN IMMEDIATE":
            object.__setattr__(self, "begins", self.begins - 1)
            if self.begins == 0:
                raise KeyboardInterrupt
        return result


def test_a_ctrl_c_right_after_a_commits_begin_still_keeps_the_vectors_made(tmp_path, index_model, monkeypatch):
    """The vectors Ctrl-C keeps are committed in a transaction of their own: one left open by the
    interrupt (right after BEGIN) made it fail, "cannot start a transaction within a transaction",
    an error in place of the interrupt and of the vectors."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("\n\n".join(f"Sentence {n} about rivers." for n in range(6)) + "\n")
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], device="cpu", progress=False)
        other = tmp_path / "other"
        import shutil

        shutil.copytree(index_model, other)
        real = indexer._embed_missing

        def embedding(*args, **kwargs):  # the first BEGIN of the embedding is its first commit's
            store.conn = _InterruptAfterBegin(store.conn, 1)
            return real(*args, **kwargs)

        monkeypatch.setattr(indexer, "_embed_missing", embedding)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [root], [str(other)], device="cpu", progress=False)
        kept = store.conn.execute("SELECT count(*) FROM vectors JOIN models ON models.id = vectors.model_id "
                                  "WHERE models.path = ?", (str(other),)).fetchone()[0]
        assert kept == 6 and "6 vectors for" in str(info.value), str(info.value)
    finally:
        store.close()
