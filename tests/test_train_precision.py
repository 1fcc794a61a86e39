"""train --precision: bf16 autocast steps (loss, optimizer and evaluation in fp32), resumed exactly, recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from simsearch.encoder import Encoder
from simsearch.errors import Interrupted, SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.sts import evaluate_sts
from simsearch.train import TrainConfig, train
from tests.test_train import config, corpus, weights
from tests.test_train_trust import assert_same_run, interrupted_then_resumed, staging_of


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("precision") / "notes.txt"
    path.write_text("\n".join(corpus()) + "\n")
    return path


def test_bf16_resume_equals_an_uninterrupted_bf16_run(tmp_path, tiny_model, notes, sts_fixture):
    def make(out, **extra):
        return config(notes, tiny_model, out, max_steps=5, eval_steps=2, eval_data=sts_fixture, precision="bf16",
                      **extra)

    full = train(make(tmp_path / "full"))
    assert full["train_precision"] == "bf16"
    interrupted_then_resumed(make, tmp_path / "cut", 3)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_bf16_changes_the_steps_but_not_the_evaluation(tmp_path, tiny_model, notes, sts_fixture):
    """The forward runs in bf16 (other weights than fp32's); the STS-B dev figure is the fp32 encoder's."""
    runs = {}
    for precision in ("fp32", "bf16"):
        out = tmp_path / precision
        # One evaluation after step 0 (the base), at the last step: the saved model is the evaluated one.
        runs[precision] = train(config(notes, tiny_model, out, max_steps=3, eval_steps=3, eval_data=sts_fixture,
                                       precision=precision))
        log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
        assert [(r["step"], r["train_precision"]) for r in log] == [(0, precision), (3, precision)]
        encoder = Encoder.load(str(out), device="cpu", precision="fp32")
        rescored = evaluate_sts(lambda s: encoder.encode(s, progress=False), sts_fixture, split="dev")["STSBenchmark"]
        assert runs[precision]["best_dev_stsb"] == pytest.approx(rescored, abs=1e-9)
    assert (runs["fp32"]["train_precision"], runs["bf16"]["train_precision"]) == ("fp32", "bf16")
    a, b = weights(tmp_path / "fp32"), weights(tmp_path / "bf16")
    assert not all(torch.equal(a[k], b[k]) for k in a)  # the bf16 steps really ran in bf16
    assert all(a[k].dtype == torch.float32 and b[k].dtype == torch.float32 for k in a)  # weights stay fp32
    meta = json.loads((tmp_path / "bf16" / METADATA_FILE).read_text())
    assert meta["train_precision"] == "bf16"


def test_resume_at_another_precision_is_refused(tmp_path, tiny_model, notes, sts_fixture):
    make = lambda **extra: config(notes, tiny_model, tmp_path / "cut", max_steps=4, eval_data=sts_fixture,  # noqa: E731
                                  **extra)
    with pytest.raises(Interrupted):
        train(make(precision="bf16"), stop_at_step=1)
    checkpoint = (staging_of(tmp_path / "cut") / "checkpoint.pt").read_bytes()
    with pytest.raises(SimsearchError, match=r"differs from the interrupted one in --precision \('bf16' then, "
                                             r"'fp32' now\)"):
        train(make(precision="fp32", resume=True))
    assert (staging_of(tmp_path / "cut") / "checkpoint.pt").read_bytes() == checkpoint


def test_a_checkpoint_from_before_precision_resumes_as_the_fp32_run_it_was(tmp_path, tiny_model, notes, sts_fixture):
    make = lambda **extra: config(notes, tiny_model, tmp_path / "cut", max_steps=3, eval_data=sts_fixture,  # noqa: E731
                                  **extra)
    with pytest.raises(Interrupted):
        train(make(precision="fp32"), stop_at_step=1)
    path = staging_of(tmp_path / "cut") / "checkpoint.pt"
    saved = torch.load(path, weights_only=True)
    del saved["signature"]["--precision"]  # as an older simsearch wrote it (CPU: fp32)
    torch.save(saved, path)
    with pytest.raises(SimsearchError, match=r"--precision \('fp32' then, 'bf16' now\)"):
        train(make(precision="bf16", resume=True))
    assert train(make(precision="fp32", resume=True))["train_precision"] == "fp32"


@pytest.mark.parametrize("precision", ["int8", "fp16", "half"])
def test_a_precision_training_cannot_use_is_a_one_line_error(precision):
    with pytest.raises(SimsearchError, match=r"^--precision must be auto, fp32 or bf16 for training"):
        TrainConfig(mode="unsup", data="notes.txt", precision=precision)
