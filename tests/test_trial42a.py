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


def test_the_saved_line_names_the_step_held_out_retrieval_kept(tmp_path, tiny_model, run_cli, monkeypatch):
    """`train --eval-steps 6` on marshmallow's docs kept step 6 of 18 by held-out retrieval (its
    model card says "kept: best held-out retrieval (step 6)"), and printed "hit@10 0.661 -> 0.659"
    (step 6's figures), then "saved …/mm5 (18 steps, best held-out retrieval of its steps, …)":
    nothing said the weights were step 6's, and train_log.jsonl's last step (18) shows 0.646. A run
    that STS-B dev chose says "STS-B dev 86.90 at step N"; one held-out retrieval chose says its step too."""
    import simsearch.train as train_module

    monkeypatch.setenv("COLUMNS", "400")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"Sentence number {i} is here.\n" for i in range(40)))
    heldout = {"base": {"hit@10": 0.661, "mrr@10": 0.408, "queries": 381, "step": 0},
               "trained": {"hit@10": 0.659, "mrr@10": 0.412, "queries": 381, "step": 6},
               "documents": 12, "sentences": 443, "share": 0.2, "of": {"documents": 30, "sentences": 2246}}
    metadata = {"best_dev_stsb": None, "base_dev_stsb": None, "best_step": 6, "steps": 18, "heldout": heldout,
                "selection": "best held-out retrieval", "pooler": "avg", "base_model": str(tiny_model)}
    monkeypatch.setattr(train_module, "train", lambda config: metadata)
    code, stdout, err = run_cli("train", "--unsup", text, "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu")
    assert code == 0, err
    said = " ".join(stdout.split())
    assert f"saved {tmp_path / 'm'} (step 6 of 18, best held-out retrieval of its steps" in said, said
    # The last step kept: as before.
    metadata.update(best_step=18, heldout={**heldout, "trained": {**heldout["trained"], "step": 18}})
    code, stdout, err = run_cli("train", "--unsup", text, "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu")
    assert code == 0, err
    assert f"saved {tmp_path / 'm'} (18 steps, best held-out retrieval of its steps" in " ".join(stdout.split())


def test_train_from_index_says_an_index_run_is_in_progress(tmp_path, index_model):
    """`simsearch index big --db m4.db` (248 files) and, 4 s in, `train --from-index --db m4.db`:
    the recipe line said "68 documents … 6,043 sentences" (of the 248 files and 17,968 sentences the
    run ended with), and nothing else, where `search` and `eval retrieval` say "an index run is in
    progress"; the model's `data_source` said nothing either. It says so now, and records it."""
    from simsearch.indexer import writer_lock

    from .test_text_path import indexed_notes_to_train_on

    read = indexed_notes_to_train_on(tmp_path / "docs", ("a", "b"), tmp_path / "i.db", index_model)
    data, warnings = read()
    assert warnings == [] and data.source["index_in_progress"] is False
    store = Store.open(tmp_path / "i.db", create=False)
    try:
        with writer_lock(store):  # held as a running `simsearch index` holds it
            data, warnings = read()
    finally:
        store.close()
    [(where, reason)] = warnings
    assert where == str(tmp_path / "i.db")
    assert reason.startswith("an index run is in progress: training on the 2 files it holds so far"), reason
    assert data.source["index_in_progress"] is True
