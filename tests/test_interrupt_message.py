"""An interrupted `index` says what it saved: the vectors too, not only the files."""

import sqlite3

import pytest

from simsearch.errors import Interrupted


def test_an_interruption_while_embedding_counts_the_vectors_saved(tmp_path, index_model, monkeypatch):
    import shutil

    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n\n".join(f"Sentence number {i} about rivers." for i in range(6)) + "\n")
    other = tmp_path / "other-model"
    shutil.copytree(index_model, other)
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [docs], [str(index_model)], progress=False)  # the files are in: none to save again
        monkeypatch.setattr(indexer, "EMBED_CHUNK", 2)
        calls = {"n": 0}
        real = Store.add_vectors

        def interrupted_after_two_chunks(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > 2:  # the third chunk of vectors is encoded, never written
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Store, "add_vectors", interrupted_after_two_chunks)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [docs], [str(other)], progress=False)
        saved = sqlite3.connect(store.path).execute(
            "SELECT count(*) FROM vectors JOIN models ON models.id = vectors.model_id WHERE models.path = ?",
            (str(other),)).fetchone()[0]
        assert saved == 4
        message = str(info.value)
        assert "0 files" not in message and "4 vectors for" in message and "were saved" in message, message
        assert indexer.saved_phrase(["1 new or changed file"]) == "1 new or changed file was"
        assert indexer.saved_phrase(["1 vector for m"]) == "1 vector for m was"
        assert indexer.saved_phrase(["2 vectors for m"]) == "2 vectors for m were"
        assert indexer.saved_phrase(["1 new or changed file", "1 vector for m"]) == "1 new or changed file and 1 vector for m were"
        assert indexer.saved_phrase([]) == "nothing new was"
    finally:
        store.close()
