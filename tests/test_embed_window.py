"""The encoder's batch iterator and the indexer's embedding window.

``Encoder.encode_batches`` yields each distinct sentence once, with every position that holds it;
``index`` hands the encoder a window of up to ``EMBED_WINDOW`` sentences (wide, so that batches of
one token length fill) and commits the vectors in chunks of ``EMBED_CHUNK`` as they come. The
oracles: a plain loop that encodes each sentence alone, and the count of rows each commit wrote.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.store import Store, from_blobs, window_texts

from .test_context_vectors import oracle_name

WORDS = ["river", "stone", "a", "the", "quiet", "bridge", "runs", "over", "light", "north", "x"]
sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(lambda w: " ".join(w).capitalize() + ".")


@pytest.fixture(scope="module")
def encoder(index_model):
    return Encoder.load(str(index_model), device="cpu", precision="fp32")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(sentence, max_size=30), size=st.integers(1, 7))
def test_batches_cover_every_position_once_with_the_sentences_own_vector(encoder, texts, size):
    seen: list[int] = []
    for positions, vectors in encoder.encode_batches(texts, normalize=True, batch_size=size):
        assert len(positions) == len(vectors) <= size
        assert vectors.dtype == np.float32
        for places, vector in zip(positions, vectors):
            assert len({texts[i] for i in places}) == 1  # one text, all of its positions
            alone = encoder.encode([texts[places[0]]], normalize=True, batch_size=1)[0]
            np.testing.assert_allclose(vector, alone, rtol=0, atol=1e-6)
            seen += places
    assert sorted(seen) == list(range(len(texts)))
    whole = encoder.encode(texts, normalize=True, batch_size=size)
    assert whole.shape == (len(texts), encoder.dim)
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(whole[i], whole[texts.index(text)])


def test_the_generator_leaves_grad_mode_threads_and_training_mode_as_they_were(encoder):
    import torch

    threads = torch.get_num_threads()
    encoder.model.train()
    # Up to four sentences run on one thread: between batches the caller's thread count is back.
    batches = encoder.encode_batches(["One two.", "Three four five six.", "Seven."], batch_size=1)
    next(batches)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()  # the caller's code between batches
    assert torch.get_num_threads() == threads
    batches.close()
    assert encoder.model.training and torch.get_num_threads() == threads
    encoder.model.eval()


class Bars:
    """Stands in for ``progress_bar``: each bar's total and what it was advanced by."""

    def __init__(self):
        self.bars: list[dict] = []

    def __call__(self, total, description, *, unit="sent", enabled=True):
        import contextlib

        bar = {"total": total, "description": description, "steps": []}
        self.bars.append(bar)

        @contextlib.contextmanager
        def run():
            yield lambda n=1, **fields: bar["steps"].append(n)

        return run()


REPEATS = ["The river runs north.", "A stone.", "The river runs north.", "Light over the quiet bridge runs.",
           "A stone.", "The river runs north.", "X."]


def test_encodes_bar_counts_each_distinct_sentence_once(encoder, monkeypatch):
    from simsearch import encoder as encoder_module

    bars = Bars()
    monkeypatch.setattr(encoder_module, "progress_bar", bars)
    encoder.encode(REPEATS, progress=True, batch_size=1)
    [bar] = bars.bars
    assert bar["total"] == sum(bar["steps"]) == len(set(REPEATS))


def test_the_embedding_bar_counts_every_sentence_repeats_included(tmp_path, index_model, monkeypatch):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("\n\n".join(REPEATS) + "\n")
    (root / "b.txt").write_text("\n\n".join(REPEATS[:3]) + "\n")
    bars = Bars()
    monkeypatch.setattr(indexer, "progress_bar", bars)
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 2)
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=True)
        sentences = store.counts()["sentences"]
    finally:
        store.close()
    [bar] = [bar for bar in bars.bars if bar["description"].startswith("embedding")]
    assert sentences == len(REPEATS) + 3
    assert bar["total"] == sum(bar["steps"]) == sentences


def test_a_model_that_turns_non_finite_after_a_commit_leaves_none_of_its_vectors(tmp_path, index_model, monkeypatch):
    """Non-finite output partway through a window, after chunks of it were committed: every vector
    this run wrote for the model is taken back, and the run counts none."""
    root, forward = twelve_paragraphs_and_a_forward_turning_non_finite(tmp_path, after=7)
    commits: list[int] = []
    add = Store.add_vectors

    def add_vectors(self, model_id, ids, vectors):
        commits.append(len(ids))
        return add(self, model_id, ids, vectors)

    store = index_until_not_finite(tmp_path, root, index_model, monkeypatch, forward, add_vectors, 3)
    try:
        assert commits and sum(commits) >= 6  # chunks were committed before the model turned
    finally:
        store.close()


def twelve_paragraphs_and_a_forward_turning_non_finite(tmp_path, after: int):
    """A folder of one file of twelve paragraphs of 1 to 12 words, and an ``Encoder.forward`` whose
    output is NaN from its ``after + 1``-th call on."""
    import torch

    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("\n\n".join(" ".join(["word"] * n) + "." for n in range(1, 13)) + "\n")
    calls = {"n": 0}
    real = Encoder.forward

    def forward(self, batch):
        calls["n"] += 1
        out = real(self, batch)
        return out if calls["n"] <= after else torch.full_like(out, float("nan"))

    forward.calls = calls
    return root, forward


def index_until_not_finite(tmp_path, root, index_model, monkeypatch, forward, add_vectors, chunk, **options):
    """Index ``root`` with ``Encoder.forward`` and ``Store.add_vectors`` replaced, commits every
    ``chunk`` vectors: the run must fail on non-finite vectors and leave none of the model's."""
    from simsearch.errors import SimsearchError

    monkeypatch.setattr(indexer, "EMBED_CHUNK", chunk)
    monkeypatch.setattr(Encoder, "forward", forward)
    monkeypatch.setattr(Store, "add_vectors", add_vectors)
    store = Store.open(tmp_path / "i.db")
    with pytest.raises(SimsearchError, match="not finite"):
        indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=False, **options)
    assert store.conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0
    assert store.last_run()["sentences_encoded"] == 0
    return store


def test_with_context_vectors_a_model_that_turns_non_finite_after_a_commit_leaves_none_of_its_vectors(
        tmp_path, index_model, monkeypatch):
    """As above, for (sentence, window) pairs (``indexer._encode_rows``' other branch, which the
    suite's tests of sentence vectors never reach): NaN from the first forward pass after a commit."""
    import torch

    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text(" ".join(" ".join(["word"] * n) + "." for n in range(1, 13)) + "\n")
    turned = {"on": False}
    real, add = Encoder.forward, Store.add_vectors

    def forward(self, batch):
        out = real(self, batch)
        return torch.full_like(out, float("nan")) if turned["on"] else out

    def add_vectors(self, model_id, ids, vectors):
        turned["on"] = True
        return add(self, model_id, ids, vectors)

    store = index_until_not_finite(tmp_path, root, index_model, monkeypatch, forward, add_vectors, 2,
                                   context=1, batch_size=1)
    try:
        assert turned["on"] and store.conn.execute("SELECT count(*) FROM sentences WHERE context IS NULL"
                                                   ).fetchone()[0] == 0  # (every vector was a pair)
    finally:
        store.close()


def _stored(store: Store) -> dict[int, np.ndarray]:
    model = store.models()[0]
    rows = store.conn.execute("SELECT sentence_id, embedding FROM vectors WHERE model_id = ?", (model.id,)).fetchall()
    return {sid: from_blobs([blob], model.dim)[0] for sid, blob in rows}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(sentence, min_size=1, max_size=8), min_size=1, max_size=4),
       window=st.integers(1, 40), chunk=st.integers(1, 9), context=st.integers(0, 1))
def test_index_commits_chunks_of_the_window_and_stores_each_sentences_own_vector(
        tmp_path_factory, index_model, encoder, files, window, chunk, context):
    """``context``: sentence vectors, or context vectors (the users' default), whose pairs are
    made in two passes over the window (``indexer._encode_rows``)."""
    root = tmp_path_factory.mktemp("docs")
    for n, lines in enumerate(files):
        (root / f"f{n}.txt").write_text("\n\n".join(lines) + "\n")
    commits: list[int] = []
    real = Store.add_vectors

    def add_vectors(self, model_id, ids, vectors):
        commits.append(len(ids))
        return real(self, model_id, ids, vectors)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexer, "EMBED_WINDOW", window)
        patch.setattr(indexer, "EMBED_CHUNK", chunk)
        patch.setattr(Store, "add_vectors", add_vectors)
        store = Store.open(tmp_path_factory.mktemp("db") / "i.db")
        try:
            report = indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=False,
                                   context=context)
            sentences = dict(store.conn.execute("SELECT id, text FROM sentences").fetchall())
            windows = {}  # sentence id -> its window (context vectors of a file not read one sentence per line)
            names = {}  # sentence id -> its file's name ("f0")
            for document_id, path in store.conn.execute("SELECT id, path FROM documents WHERE NOT lines_are_sentences "
                                                        "AND ?", (context,)).fetchall():
                rows = store.conn.execute("SELECT id, text FROM sentences WHERE document_id = ? ORDER BY ordinal",
                                          (document_id,)).fetchall()
                windows.update(zip([i for i, _ in rows], window_texts([text for _, text in rows], context)))
                names.update((i, oracle_name(path)) for i, _ in rows)
            vectors = _stored(store)
        finally:
            store.close()
    assert set(vectors) == set(sentences)  # every sentence, repeats included, has its vector
    assert sum(commits) == len(sentences) == sum(report.encoded.values())
    # Each window's commits are full chunks but its last.
    full = [n for n in commits if n != chunk]
    assert all(n < chunk for n in full)
    assert len(full) <= -(-len(sentences) // window)
    alone = {text: encoder.encode([text], normalize=True, batch_size=1)[0]
             for text in {*sentences.values(), *windows.values(), *names.values()}}
    for sid, text in sentences.items():
        expected = alone[text]
        if sid in windows:
            summed = alone[text] + alone[windows[sid]] + 0.5 * alone[names[sid]]
            expected = summed / np.linalg.norm(summed)
        np.testing.assert_allclose(vectors[sid], expected, rtol=0, atol=1e-6)
