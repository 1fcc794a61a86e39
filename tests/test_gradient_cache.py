"""--micro-batch (gradient caching): the gradients of one pass over the batch, a piece at a time.

Oracles: the same pieces encoded with their graphs kept and one backward through the loss (what
caching must equal, dropout masks included), and with dropout 0 the plain one-pass step, which
shares none of the caching code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simsearch.train import (TrainConfig, _batch_loss, _cached_backward, _embed, _pieces, _rng_state, _set_rng_state,
                             _setup, effective_micro_batch, train)
from tests.test_train import config, weights
from tests.test_train_names import named_folder
from tests.test_train_trust import assert_same_run, interrupted_then_resumed, world  # noqa: F401 (fixture)

SETUPS = {
    "paper": dict(),
    "paper, distilled": dict(distill=2.0),
    "same dropout mask": dict(same_dropout_mask=True),
    "sup, Eq. 8": dict(mode="sup", pooler="cls", hard_negative_weight=2.0),
    "paper, bf16": dict(precision="bf16"),
    "ict: passages with their names": dict(recipe="ict"),
    "ict, distilled": dict(recipe="ict", distill=2.0),
}


@pytest.fixture(scope="module")
def runs(world, tmp_path_factory):
    """One set-up run per configuration (no step taken): its model, data and loss as training sees them."""
    made = {}
    docs = named_folder(tmp_path_factory.mktemp("gc-docs") / "docs")
    for name, extra in SETUPS.items():
        data = world["triplets"] if extra.get("mode") == "sup" else docs if extra.get("recipe") == "ict" else world["notes"]
        settings_ = {"precision": "fp32", **extra}
        made[name] = _setup(config(data, world["model"], tmp_path_factory.mktemp("gc") / "out", batch_size=16,
                                   eval_data=world["sts"], **settings_))
    return made


def gradients(model) -> dict[str, torch.Tensor]:
    out = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    model.zero_grad(set_to_none=True)
    return out


def assert_same_gradients(a: dict, b: dict, tolerance: float) -> None:
    """Equal up to rounding: the distance between the whole gradients, relative to their size."""
    assert a.keys() == b.keys() and len(a) > 10
    flat_a, flat_b = (torch.cat([g[name].flatten().double() for name in sorted(g)]) for g in (a, b))
    assert flat_b.norm() > 0
    assert ((flat_a - flat_b).norm() / flat_b.norm()).item() <= tolerance


def one_backward_over_pieces(run, rows, pieces) -> torch.Tensor:
    """The oracle: every piece's graph kept, one loss, one backward."""
    local = torch.cat([_embed(run, piece) for piece in pieces], dim=1)
    loss = _batch_loss(run, rows, local)
    loss.backward()
    return loss


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(setup=st.sampled_from(sorted(SETUPS)), size=st.integers(2, 16), micro=st.integers(1, 16), seed=st.integers(0, 99))
@example(setup="ict: passages with their names", size=16, micro=5, seed=0)  # the names' own forward pass, replayed
@example(setup="ict, distilled", size=9, micro=4, seed=1)
def test_cached_gradients_equal_one_backward_over_the_same_pieces(runs, setup, size, micro, seed):
    run = runs[setup]
    rows = np.random.default_rng(seed).permutation(len(run.split.training))[:size]
    pieces = _pieces(rows, micro)
    assert sum(len(p) for p in pieces) == size and all(len(p) <= micro for p in pieces)
    torch.manual_seed(seed)
    start = _rng_state(run.device)
    expected_loss = one_backward_over_pieces(run, rows, pieces)
    expected, expected_after = gradients(run.model), torch.get_rng_state()
    _set_rng_state(start, run.device)
    loss = _cached_backward(run, rows, pieces)
    got = gradients(run.model)
    # The dropout masks replayed exactly: the same gradients, and the random state goes on as it would have.
    assert torch.equal(torch.get_rng_state(), expected_after)
    tolerance = 1e-3 if run.precision == "bf16" else 1e-5
    assert loss.item() == pytest.approx(expected_loss.item(), rel=tolerance)
    assert_same_gradients(got, expected, tolerance)


@pytest.mark.parametrize("micro", [1, 3, 5])
def test_without_dropout_pieces_give_the_one_pass_gradients(world, tmp_path, micro):
    """Dropout 0: no masks to replay, so caching must equal the plain single pass over the batch
    (a code path it does not share). Supervised rows: with dropout 0 an unsupervised row's two
    views are one vector, and its tiny gradient is a difference of large terms."""
    run = _setup(config(world["triplets"], world["model"], tmp_path / "out", mode="sup", pooler="cls", batch_size=16,
                        dropout=0.0, precision="fp32", eval_data=world["sts"]))
    rows = np.arange(11)
    _batch_loss(run, rows, _embed(run, rows)).backward()
    expected = gradients(run.model)
    _cached_backward(run, rows, _pieces(rows, micro))
    # Pieces pad to their own lengths: the embeddings agree to ~1e-7, but a random tiny model's
    # small gradients amplify that to ~1%; a wrong slice or a missing piece is of order 1.
    assert_same_gradients(gradients(run.model), expected, 3e-2)


def test_micro_batch_resume_equals_an_uninterrupted_run_and_another_micro_batch_is_refused(world, tmp_path):
    def make(out, **extra):
        return config(world["notes"], world["model"], out, **{"batch_size": 24, "micro_batch": 7, "max_steps": 5,
                                                              "eval_steps": 2, "eval_data": world["sts"], **extra})

    full = train(make(tmp_path / "full"))
    assert full["micro_batch"] == 7 and full["batch_size"] == 24
    interrupted_then_resumed(make, tmp_path / "cut", 3)
    assert_same_run(tmp_path / "full", tmp_path / "cut")

    from simsearch.train import Interrupted

    with pytest.raises(Interrupted):
        train(make(tmp_path / "other"), stop_at_step=2)
    with pytest.raises(Exception, match=r"--micro-batch \(7 then, 5 now\)"):
        train(make(tmp_path / "other", resume=True, micro_batch=5))


@pytest.mark.parametrize("case", ["distilled", "sup, Eq. 5", "bf16"])
def test_micro_batch_resume_equals_an_uninterrupted_run_in_every_setup(world, tmp_path, case):
    """The replayed masks come from the random state the checkpoint saves, whatever the columns,
    the teacher or the precision (7 does not divide 24: a short last piece)."""
    extra = {"distilled": dict(distill=2.0), "sup, Eq. 5": dict(mode="sup", pooler="cls"),
             "bf16": dict(precision="bf16")}[case]
    data = world["triplets"] if extra.get("mode") == "sup" else world["notes"]

    def make(out, **more):
        return config(data, world["model"], out, **{"batch_size": 24, "micro_batch": 7, "max_steps": 5,
                                                    "eval_steps": 2, "eval_data": world["sts"], **extra, **more})

    assert train(make(tmp_path / "full"))["micro_batch"] == 7
    interrupted_then_resumed(make, tmp_path / "cut", 3)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_a_micro_batch_as_large_as_the_batch_is_the_plain_run(world, tmp_path):
    """Nothing to split: the same steps, weights and metadata as without the option."""
    def make(out, **extra):
        return config(world["notes"], world["model"], out, batch_size=12, max_steps=3, eval_steps=2,
                      eval_data=world["sts"], **extra)

    plain = train(make(tmp_path / "plain"))
    whole = train(make(tmp_path / "whole", micro_batch=12))
    assert plain["micro_batch"] is None and whole["micro_batch"] is None
    assert_same_run(tmp_path / "plain", tmp_path / "whole")
    assert effective_micro_batch(TrainConfig(mode="unsup", data=world["notes"], batch_size=12, micro_batch=6), 2) is None


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_a_bad_micro_batch_is_one_line(world, tmp_path, run_cli, value):
    code, out, err = run_cli("train", "--unsup", world["notes"], "-m", world["model"], "--out", tmp_path / "m",
                             "--micro-batch", value)
    assert code == 2 and "--micro-batch" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_torchrun_two_processes_with_micro_batches_train_like_one_without(tmp_path, world):
    """DDP averages gradients once, after the last piece (no_sync before): 2 processes × pieces of 3
    end where one process with the whole batch ends (dropout 0: the same noise)."""
    args = ["train", "--unsup", str(world["notes"]), "-m", str(world["model"]), "--batch-size", "12",
            "--max-steps", "3", "--dropout", "0", "--lr", "1e-3", "--data", str(world["sts"]), "--device", "cpu",
            "--json", "--eval-steps", "3", "--precision", "fp32"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, "-m", "simsearch", *args, "--out", str(tmp_path / "one")],
                            capture_output=True, text=True, env=env)
    assert single.returncode == 0, single.stderr[-2000:]
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "simsearch"]
    double = subprocess.run([*launcher, *args, "--micro-batch", "3", "--out", str(tmp_path / "two")],
                            capture_output=True, text=True, env=env)
    assert double.returncode == 0, double.stderr[-2000:]
    assert json.loads(double.stdout)["micro_batch"] == 3
    losses = [[json.loads(line)["loss"] for line in (tmp_path / name / "train_log.jsonl").read_text().splitlines()[1:]]
              for name in ("one", "two")]
    assert len(losses[0]) == 1 and losses[0] == pytest.approx(losses[1], rel=1e-4)
    a, b, start = weights(tmp_path / "one"), weights(tmp_path / "two"), weights(world["model"])
    compared = 0
    for key in (k for k in a if k in start):
        moved = (a[key] - start[key]).abs().mean()
        if moved < 1e-6:
            continue  # gradients of exactly zero: only reduction noise moves them (see test_train.py)
        assert (a[key] - b[key]).abs().mean() < 0.01 * moved, key
        compared += 1
    assert compared > 20
