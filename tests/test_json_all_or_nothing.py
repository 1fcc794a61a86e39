"""``--json`` of the commands that evaluate several models: standard output holds every row or
none. Was: each row was printed as it finished, so a later model that failed (exit 2) left the
earlier rows on standard output, and a script reading them took one model's figures for the run's."""

from __future__ import annotations

import json
import shutil

import pytest

from .test_retrieval import two_copies_with_questions


def _broken_copy(model, tmp_path):
    """A model folder that is resolved (its config and metadata are whole) but fails to load."""
    broken = tmp_path / "broken"
    shutil.copytree(model, broken)
    with open(broken / "model.safetensors", "r+b") as weights:
        weights.truncate(1000)
    return broken


@pytest.mark.parametrize("command", ["sts", "geometry"])
def test_eval_json_prints_no_row_when_a_later_model_fails(run_cli, tiny_model, sts_fixture, tmp_path, command):
    broken = _broken_copy(tiny_model, tmp_path)
    args = ("eval", command, "--data", sts_fixture, "-m", tiny_model, "-m", broken)
    code, out, err = run_cli(*args, "--json")
    assert code == 2 and err.startswith("error: ") and "broken" in err, err
    assert out == ""
    code, out, err = run_cli(*args)  # the table still shows the rows done, for a person to read
    assert code == 2 and str(tiny_model.name) in out


def test_eval_retrieval_json_prints_no_row_when_a_later_model_fails(tmp_path, index_model, run_cli, monkeypatch):
    """The second model is retrained over its folder while the first is evaluated: refused (exit 2)
    when its turn comes, and the first model's row is not left on standard output."""
    from simsearch import retrieval

    one, two, db, queries = two_copies_with_questions(tmp_path, index_model, run_cli)
    evaluate = retrieval.evaluate

    def evaluate_then_retrain_two(*args, **kwargs):
        result = evaluate(*args, **kwargs)
        with open(two / "model.safetensors", "ab") as weights:
            weights.write(b"\0")
        return result

    monkeypatch.setattr(retrieval, "evaluate", evaluate_then_retrain_two)
    args = ["eval", "retrieval", queries, "--db", db, "-m", one, "-m", two, "--device", "cpu"]
    code, out, err = run_cli(*args, "--json")
    assert code == 2 and err.startswith("error: ") and "m-two" in err, err
    assert out == ""
