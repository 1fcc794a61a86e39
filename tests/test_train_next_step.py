"""What `train` says to do next: a command that works here, not one that needs data the user lacks."""

from __future__ import annotations

import pytest

from .test_text_path import write_notes


def test_from_index_run_without_sts_data_names_the_index_step_not_eval_sts(tmp_path, tiny_model, index_model,
                                                                           run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data here
    monkeypatch.setenv("COLUMNS", "400")  # the commands on one line each
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    notes, db = write_notes(tmp_path / "notes"), tmp_path / "notes.db"
    code, _, err = run_cli("index", notes, "-m", index_model, "--db", db, "--device", "cpu")
    assert code == 0, err
    code, out, err = run_cli("train", "--from-index", "--db", db, "-m", tiny_model, "--max-steps", "2",
                             "--batch-size", "8", "--device", "cpu")
    assert code == 0, err
    said = " ".join(out.split())
    # Without STS data, `simsearch eval sts` stops with "no evaluation data": not the step to suggest.
    assert "eval sts" not in said
    # The trained model is in the models folder: named as `-m` takes it, with the index it came from.
    assert f"simsearch index --db {db} -m {tiny_model} -m notes-index-unsup-simcse" in said
    # So does its model card (was "simsearch index ~/notes --model …": a folder it was never given).
    model = models / "notes-index-unsup-simcse"
    card = (model / "README.md").read_text()
    assert f"simsearch index --model {model} --db {db}\nsimsearch search 'how do I ...' --model {model} --db {db}\n" in card
    assert "~/notes" not in card
    code, _, err = run_cli("index", "--db", db, "-m", tiny_model, "-m", "notes-index-unsup-simcse", "--device", "cpu")
    assert code == 0, err


def test_run_with_sts_data_still_names_eval_sts(tmp_path, tiny_model, sts_fixture, run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"Sentence number {i} is here.\n" for i in range(40)))
    out = tmp_path / "m"
    code, stdout, err = run_cli("train", "--unsup", text, "-m", tiny_model, "--out", out, "--max-steps", "2",
                                "--batch-size", "8", "--data", sts_fixture, "--device", "cpu")
    assert code == 0, err
    assert f"simsearch eval sts --model {out}" in " ".join(stdout.split())


def test_a_model_outside_the_models_folder_is_named_by_its_absolute_path(tmp_path, tiny_model, run_cli,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)  # a bare "m" is also a name the models folder could hold
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("COLUMNS", "400")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"Sentence number {i} is here.\n" for i in range(40)))
    code, stdout, err = run_cli("train", "--unsup", "lines.txt", "-m", tiny_model, "--out", "m", "--max-steps", "2",
                                "--batch-size", "8", "--device", "cpu")
    assert code == 0, err
    said = " ".join(stdout.split())
    # the text it trained on, with the base beside the new model, then the side-by-side view
    assert (f"Try it on your own questions: simsearch index lines.txt -m {tiny_model} -m {tmp_path / 'm'}, then simsearch tui "
            f"--left {tiny_model} --right {tmp_path / 'm'}") in said
    assert "FOLDER" not in said
    assert said.count(f"-m {tmp_path / 'm'}") == 2 and " -m m " not in said  # the eval retrieval hint too


def _heldout(base_hit: float, trained_hit: float, base_mrr: float, trained_mrr: float) -> dict:
    return {"base": {"hit@10": base_hit, "mrr@10": base_mrr, "queries": 180, "step": 0},
            "trained": {"hit@10": trained_hit, "mrr@10": trained_mrr, "queries": 180, "step": 8},
            "documents": 5, "sentences": 200, "share": 0.24, "of": {"documents": 16, "sentences": 839}}


def _metadata(base: str, heldout: dict) -> dict:
    return {"best_dev_stsb": None, "base_dev_stsb": None, "best_step": 8, "steps": 8, "heldout": heldout,
            "selection": "best held-out retrieval", "pooler": "avg", "base_model": base}


@pytest.mark.parametrize("trained, says_use_it", [((0.672, 0.355), False),   # both figures down
                                                   ((0.700, 0.350), False),   # mixed
                                                   ((0.694, 0.356), False),   # the same as printed
                                                   ((0.720, 0.380), True)])
def test_a_model_no_better_on_the_held_out_check_is_not_offered_for_use(tmp_path, tiny_model, run_cli, monkeypatch,
                                                                          trained, says_use_it):
    """The attrs trial: `train` said "not better than the base model on your held-out documents",
    then "saved … (best held-out retrieval). Use it: …" — the step it kept was only the best of its
    own steps. A model the check did not find better is offered for a comparison, not for use."""
    import simsearch.train as train_module

    monkeypatch.setenv("COLUMNS", "400")
    text = tmp_path / "lines.txt"
    text.write_text("".join(f"Sentence number {i} is here.\n" for i in range(40)))
    monkeypatch.setattr(train_module, "train",
                        lambda config: _metadata(str(tiny_model), _heldout(0.694, trained[0], 0.356, trained[1])))
    code, stdout, err = run_cli("train", "--unsup", text, "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu")
    assert code == 0, err
    said = " ".join(stdout.split())
    assert ("Try it on your own questions: simsearch index" in said) is says_use_it
    if not says_use_it:
        mixed = trained == (0.700, 0.350)
        # Mixed: one figure up, the other down; not "the base model did as well or better" (the Hatch trial)
        assert ("above the base model on one held-out figure, below it on the other" if mixed else
                "not above the base model") in said
        assert ("Neither model was better on both figures" if mixed else "The base model did as well or better") in said
        assert ("did as well or better" in said) is not mixed
        assert f"compare the two on your own questions before you use it: simsearch index {text}" in said
        assert f"simsearch eval retrieval questions.jsonl -m {tiny_model} -m {tmp_path / 'm'}" in said
        assert f"--right {tmp_path / 'm'} --questions questions.jsonl (a keeps a result as your query's answer)" in said


def test_a_from_index_models_card_names_its_index_even_the_default_one(tmp_path, monkeypatch):
    """The card is read long after the shell that trained it: its `--db` is named even where it
    was that shell's default index (``$SIMSEARCH_DB``)."""
    from simsearch.train.report import _use_lines

    db = tmp_path / "notes.db"
    monkeypatch.setenv("SIMSEARCH_DB", str(db))
    lines = _use_lines({"data_source": {"kind": "index", "path": str(db)}, "data_file": str(db)}, tmp_path / "m")
    assert lines == [f"simsearch index --model {tmp_path / 'm'} --db {db}",
                     f"simsearch search 'how do I ...' --model {tmp_path / 'm'} --db {db}"]
    assert _use_lines({"data_source": {"kind": "files"}, "data_file": "notes.txt"}, tmp_path / "m")[0] == \
        f"simsearch index ~/notes --model {tmp_path / 'm'}"
