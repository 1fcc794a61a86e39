"""Session 42, trial A: defects found using the train → index → compare loop on marshmallow's docs."""

from __future__ import annotations

from simsearch.indexer import index
from simsearch.store import Store


def test_train_from_index_counts_a_changed_file_that_held_no_sentence(tmp_path, index_model):
    """A file indexed with no sentence (an `.. include::` alone, as marshmallow's docs/authors.rst)
    that holds prose now is a file changed since indexed: training misses its text as surely as an
    edited one's. The warning counted only files with sentences ("3 of its 30 files", of an index
    `status` counts 32 files in) and left it out."""
    from simsearch.train import TrainConfig, training_data

    root = tmp_path / "docs"
    root.mkdir()
    for name in ("a", "b", "c"):
        (root / f"{name}.txt").write_text(f"Note {name} says one thing. Note {name} says another thing.\n")
    (root / "authors.rst").write_text(".. include:: ../AUTHORS.rst\n")
    store = Store.open(tmp_path / "i.db")
    try:
        index(store, [root], [str(index_model)], device="cpu", progress=False)
        assert store.counts()["documents"] == 4
    finally:
        store.close()
    config = TrainConfig(mode="unsup", data=tmp_path / "i.db", from_index=True)
    (root / "authors.rst").write_text("Authors\n=======\n\nThe authors are thanked here. Everyone helped.\n")
    warnings: list[tuple[str, str]] = []
    data = training_data(config, lambda path, reason: warnings.append((path, reason)))
    [(where, reason)] = warnings
    assert reason.startswith("1 of its 4 files changed or are gone"), reason
    assert "authors.rst: changed" in reason
    assert data.source["files_changed_since_indexed"] == 1
    assert data.source["files"] == 4
