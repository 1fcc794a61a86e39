"""``simsearch models`` and ``simsearch eval`` through the CLI: JSON output and one-line errors."""

from __future__ import annotations

import json

import pytest


def test_models_json_lists_the_embedded_model(run_cli):
    code, out, err = run_cli("models", "--json")
    assert code == 0, err
    first = json.loads(out.splitlines()[0])
    assert (first["name"], first["source"], first["pooler"]) == ("minilm", "embedded", "avg")


def test_models_table_names_the_columns_as_the_json_does(run_cli):
    code, out, err = run_cli("models")
    assert code == 0, err
    header = next(line for line in out.splitlines() if "name" in line and "pooler" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")][:3] == ["name", "source", "pooler"]


def test_eval_sts_json_keys(run_cli, tiny_model, sts_fixture):
    code, out, err = run_cli("eval", "sts", "--model", tiny_model, "--data", sts_fixture, "--json")
    assert code == 0, err
    result = json.loads(out)
    for key in ("STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark", "SICKRelatedness", "avg"):
        assert -100.0 <= result[key] <= 100.0
    assert result["protocol"]["sts12_16_aggregation"] == "all"
    assert result["model"] == str(tiny_model)


def test_eval_sts_table_and_dev_split(run_cli, tiny_model, sts_fixture):
    code, out, _ = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--aggregate", "wmean")
    assert code == 0 and "SICK-R" in out and "wmean" in out
    code, out, _ = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture, "--split", "dev", "--json")
    assert code == 0 and set(json.loads(out)) == {"model", "pooler", "STSBenchmark", "protocol"}


@pytest.mark.parametrize("command", ["sts", "geometry"])
def test_eval_records_the_pooler_its_figures_were_measured_with(run_cli, tiny_model, sts_fixture, command,
                                                                monkeypatch):
    """Was: `eval sts --pooler cls` and the model's own pooling gave rows with the same model name
    and nothing telling them apart (an adversarial hunt's finding)."""
    args = ("eval", command, "-m", tiny_model, "--data", sts_fixture)
    rows = {}
    for pooler in (None, "cls_before_pooler", "avg"):
        code, out, err = run_cli(*args, *(["--pooler", pooler] if pooler else []), "--json")
        assert code == 0, err
        rows[pooler] = json.loads(out)
    assert rows["avg"]["pooler"] == "avg" and rows["cls_before_pooler"]["pooler"] == "cls_before_pooler"
    assert rows[None]["pooler"] in ("cls", "cls_before_pooler", "avg", "avg_top2", "avg_first_last")
    monkeypatch.setenv("COLUMNS", "200")  # room for every column's title
    code, out, err = run_cli(*args, "--pooler", "avg")
    assert code == 0 and "pooler" in out and "avg" in out, err


def test_eval_geometry_json(run_cli, tiny_model, sts_fixture):
    code, out, err = run_cli("eval", "geometry", "-m", tiny_model, "--data", sts_fixture, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["positive_pairs"] == 6 and result["alignment"] >= 0


def test_user_errors_are_one_line_without_traceback(run_cli, tmp_path, sts_fixture, tiny_model):
    cases = [
        (("eval", "sts", "--model", "no-such-model", "--data", sts_fixture), "unknown model 'no-such-model'"),
        (("eval", "sts", "--model", tmp_path, "--data", sts_fixture), "is not a model folder"),
        (("eval", "sts", "--data", tmp_path / "nowhere"), "no evaluation data at"),
        (("eval", "sts", "--aggregate", "median", "--data", sts_fixture), "--aggregate 'median'"),
        (("eval", "sts", "-m", tiny_model, "--device", "tpu", "--data", sts_fixture), "--device 'tpu'"),
    ]
    for args, message in cases:
        code, out, err = run_cli(*args)
        assert code == 2, (args, err)
        assert message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err


def test_missing_data_file_names_the_file(run_cli, sts_fixture, tiny_model):
    (sts_fixture / "senteval" / "SICK" / "SICK_test_annotated.txt").unlink()
    code, _, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture)
    assert code == 2 and "SICK_test_annotated.txt: file is missing" in err


def test_malformed_line_names_file_and_line(run_cli, sts_fixture, tiny_model):
    gold = sts_fixture / "senteval" / "STS" / "STS13-en-test" / "STS.gs.FNWN.txt"
    gold.write_text("1.0\n2.0\nn/a\n4.0\n0.5\n")
    code, _, err = run_cli("eval", "sts", "-m", tiny_model, "--data", sts_fixture)
    assert code == 2 and "STS.gs.FNWN.txt:3: gold score 'n/a' is not a number" in err
