"""What `train` says to do next: a command that works here, not one that needs data the user lacks."""

from __future__ import annotations

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
    assert (f"Use it: simsearch index lines.txt -m {tiny_model} -m {tmp_path / 'm'}, then simsearch tui "
            f"--left {tiny_model} --right {tmp_path / 'm'}") in said
    assert "FOLDER" not in said
    assert said.count(f"-m {tmp_path / 'm'}") == 2 and " -m m " not in said  # the eval retrieval hint too
