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
from simsearch.store import Store, from_blobs

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


def test_the_generator_leaves_grad_mode_and_training_mode_as_they_were(encoder):
    import torch

    encoder.model.train()
    batches = encoder.encode_batches(["One two.", "Three four five six.", "Seven."], batch_size=1)
    next(batches)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()  # the caller's code between batches
    batches.close()
    assert encoder.model.training
    encoder.model.eval()


def _stored(store: Store) -> dict[int, np.ndarray]:
    model = store.models()[0]
    rows = store.conn.execute("SELECT sentence_id, embedding FROM vectors WHERE model_id = ?", (model.id,)).fetchall()
    return {sid: from_blobs([blob], model.dim)[0] for sid, blob in rows}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.lists(sentence, min_size=1, max_size=8), min_size=1, max_size=4),
       window=st.integers(1, 40), chunk=st.integers(1, 9))
def test_index_commits_chunks_of_the_window_and_stores_each_sentences_own_vector(
        tmp_path_factory, index_model, encoder, files, window, chunk):
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
            report = indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=False)
            sentences = dict(store.conn.execute("SELECT id, text FROM sentences").fetchall())
            vectors = _stored(store)
        finally:
            store.close()
    assert set(vectors) == set(sentences)  # every sentence, repeats included, has its vector
    assert sum(commits) == len(sentences) == sum(report.encoded.values())
    # Each window's commits are full chunks but its last.
    full = [n for n in commits if n != chunk]
    assert all(n < chunk for n in full)
    assert len(full) <= -(-len(sentences) // window)
    for sid, text in sentences.items():
        alone = encoder.encode([text], normalize=True, batch_size=1)[0]
        np.testing.assert_allclose(vectors[sid], alone, rtol=0, atol=1e-6)
