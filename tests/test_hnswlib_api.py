"""The hnswlib API simsearch uses, checked against brute force on the installed build.

simsearch depends on ``chroma-hnswlib`` (Chroma's fork with prebuilt, portable wheels;
its module is also called ``hnswlib``) instead of hnswlib 0.8.0 (source-only, compiled
with ``-march=native``). These tests pin down, for whichever build is installed, exactly
the behaviour ``simsearch.ann`` relies on, so swapping the package or upgrading it
(``.ci/run-latest``) cannot change answers silently:

- ``knn_query`` with ``ef`` >= the collection size returns the exact top-k, under a
  ``filter`` and with ``mark_deleted`` items, each label with its own vector's distance;
- ``get_ids_list`` and ``element_count`` still count deleted items, and a second
  ``mark_deleted`` raises ``RuntimeError`` (``ann`` counts stale labels that way);
- ``resize_index`` makes room, adding past ``max_elements`` raises ``RuntimeError``;
- ``save_index``/``load_index`` round-trips labels, vectors and deletions; a truncated
  or missing file raises ``RuntimeError`` (``ann`` rebuilds on it).
"""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

hnswlib = pytest.importorskip("hnswlib")

M, EF_CONSTRUCTION = 16, 200  # simsearch's defaults (store.HNSW_DEFAULTS)


def cosine_distances(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """hnswlib's cosine space: 1 - cos, vectors normalised on the way in."""
    v = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    q = query / np.linalg.norm(query)
    return 1.0 - v @ q


def new_index(dim: int, max_elements: int):
    index = hnswlib.Index(space="cosine", dim=dim)
    index.init_index(max_elements=max_elements, M=M, ef_construction=EF_CONSTRUCTION)
    return index


def check_knn(index, vectors, labels, dead, allowed, query, k):
    """Top-k from the index equals brute force over live (and allowed) items."""
    eligible = [i for i, label in enumerate(labels) if label not in dead and (allowed is None or label in allowed)]
    k = min(k, len(eligible))
    if k == 0:
        return
    found, dist = index.knn_query(
        query, k=k, filter=(lambda label: label in allowed) if allowed is not None else None
    )
    found, dist = found[0].astype(np.int64), dist[0]
    assert len(set(found.tolist())) == k, "duplicate labels"
    row_of = {label: i for i, label in enumerate(labels)}
    for label in found.tolist():
        assert label in row_of and label not in dead, f"label {label} is deleted or unknown"
        assert allowed is None or label in allowed, f"label {label} is outside the filter"
    truth = cosine_distances(vectors, query)
    # Each label comes back with the distance of its own vector (no label/vector mix-up) ...
    np.testing.assert_allclose(dist, truth[[row_of[label] for label in found.tolist()]], atol=1e-5)
    # ... best first, and (ef >= collection size) the exact k nearest, ties allowed.
    assert np.all(np.diff(dist) >= -1e-6)
    np.testing.assert_allclose(np.sort(dist), np.sort(truth[eligible])[:k], atol=1e-5)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 60))
    dim = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    if draw(st.booleans()):  # duplicate vectors: ties
        vectors[rng.integers(0, n, size=n // 3)] = vectors[0]
    # Sentence ids: large, sparse, in any order (simsearch passes database ids).
    labels = rng.choice(2**40, size=n, replace=False).astype(np.int64)
    first = draw(st.integers(1, n))  # added before resize_index, the rest after
    dead_share = draw(st.sampled_from([0.0, 0.3, 0.9]))
    dead = {int(x) for x in labels if rng.random() < dead_share}
    allowed = {int(x) for x in labels if rng.random() < 0.6} if draw(st.booleans()) else None
    queries = rng.normal(size=(3, dim)).astype(np.float32)
    k = draw(st.integers(1, 12))
    return vectors, labels, first, dead, allowed, queries, k


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_knn_filter_deletes_resize_and_reload_match_brute_force(tmp_path, scenario):
    vectors, labels, first, dead, allowed, queries, k = scenario
    n, dim = vectors.shape
    index = new_index(dim, first)
    index.add_items(vectors[:first], labels[:first])
    if first < n:
        with pytest.raises(RuntimeError):  # full: simsearch must resize first
            index.add_items(vectors[first:], labels[first:])
        index.resize_index(n)
        index.add_items(vectors[first:], labels[first:])
    for label in dead:
        index.mark_deleted(label)
    index.set_ef(max(n, 10))
    assert index.element_count == n  # deleted items still count
    assert sorted(index.get_ids_list()) == sorted(labels.tolist())
    probes = [*queries, vectors[0]]
    for query in probes:
        check_knn(index, vectors, labels.tolist(), dead, allowed, query, k)
        check_knn(index, vectors, labels.tolist(), dead, None, query, k)

    path = tmp_path / f"x-{n}-{dim}.hnsw"
    index.save_index(str(path))
    loaded = hnswlib.Index(space="cosine", dim=dim)
    loaded.load_index(str(path))
    loaded.set_ef(max(n, 10))
    assert loaded.element_count == n
    assert sorted(loaded.get_ids_list()) == sorted(labels.tolist())
    for query in probes:
        check_knn(loaded, vectors, labels.tolist(), dead, allowed, query, k)
    for label in dead:  # deletions survive the round trip
        with pytest.raises(RuntimeError):
            loaded.mark_deleted(label)


def test_bookkeeping_simsearch_relies_on(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    labels = np.arange(100, 120, dtype=np.int64)
    index = new_index(8, 20)
    index.add_items(vectors, labels)
    index.mark_deleted(105)
    with pytest.raises(RuntimeError):
        index.mark_deleted(105)  # already deleted
    with pytest.raises(RuntimeError):
        index.mark_deleted(7)  # never added
    assert 105 in index.get_ids_list() and index.element_count == 20
    with pytest.raises(RuntimeError):  # more than the live items: hnswlib refuses
        index.knn_query(vectors[0], k=20)
    with pytest.raises(RuntimeError):  # more than the filter lets through
        index.knn_query(vectors[0], k=3, filter=lambda label: label in {101, 102})

    path = tmp_path / "x.hnsw"
    index.save_index(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError):
        hnswlib.Index(space="cosine", dim=8).load_index(str(path))
    with pytest.raises(RuntimeError):
        hnswlib.Index(space="cosine", dim=8).load_index(str(tmp_path / "missing.hnsw"))


def test_one_distribution_provides_the_hnswlib_module():
    """hnswlib and chroma-hnswlib both install a top-level ``hnswlib``: with both, one
    silently overwrites the other's files, and which one runs depends on install order."""
    providers = importlib.metadata.packages_distributions().get("hnswlib", [])
    assert len(set(providers)) == 1, f"hnswlib module provided by {sorted(set(providers))}"
