"""Training on tiny random models: views, resume, selection, saved-model loaders, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from simsearch.encoder import Encoder, load_transformer, pool
from simsearch.train import Interrupted, TrainConfig, _batch_inputs, epoch_batches, train

SUBJECTS = ["a man", "the woman", "two kids", "a dog", "the old farmer", "a tired student", "our team"]
VERBS = ["plays", "watches", "paints", "repairs", "sells", "finds", "cleans"]
OBJECTS = ["a guitar", "the sunset", "a red car", "an old bike", "the kitchen", "a small boat"]


def corpus(n: int = 240) -> list[str]:
    rng = np.random.default_rng(0)
    out = []
    while len(out) < n:
        s = f"{SUBJECTS[rng.integers(7)].capitalize()} {VERBS[rng.integers(7)]} {OBJECTS[rng.integers(6)]} {rng.integers(1000)}."
        if s not in out:
            out.append(s)
    return out


def write_notes_and_triplets(root) -> dict:
    """``notes.txt`` (240 sentences, one per line) and ``nli.csv`` (99 sent0,sent1,hard_neg rows) in ``root``."""
    notes = root / "notes.txt"
    notes.write_text("\n".join(corpus()) + "\n")
    sentences = corpus(300)
    triplets = root / "nli.csv"
    triplets.write_text("sent0,sent1,hard_neg\n" + "".join(
        f'"{sentences[i]}","{sentences[i + 1]}","{sentences[i + 2]}"\n' for i in range(0, 297, 3)))
    return {"notes": notes, "triplets": triplets}


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(corpus()) + "\n\n" + corpus()[0] + "\n")  # one duplicate, one blank line
    return path


@pytest.fixture
def triplets(tmp_path):
    sentences = corpus(300)
    path = tmp_path / "nli.csv"
    rows = ["sent0,sent1,hard_neg"] + [f'"{sentences[i]}","{sentences[i + 1]}","{sentences[i + 2]}"' for i in range(0, 297, 3)]
    path.write_text("\n".join(rows) + "\n")
    return path


def config(data, model, out, **overrides) -> TrainConfig:
    settings = dict(mode="unsup", data=data, model=str(model), out=out, batch_size=8, max_steps=6, eval_steps=3,
                    progress=False, lr=1e-3, device="cpu")
    settings.update(overrides)
    return TrainConfig(**settings)


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


def test_two_views_differ_with_dropout_and_collapse_without(tiny_model):
    for rate, same in ((0.1, False), (0.0, True)):
        tokenizer, model = load_transformer(tiny_model, dropout=rate)
        model.train()
        cfg = TrainConfig(mode="unsup", data="x.txt", batch_size=2, progress=False)
        ids = [tokenizer(["A man plays a guitar.", "Stocks fell."])["input_ids"]]
        batch = _batch_inputs(tokenizer, ids, [0, 1], cfg, torch.device("cpu"))
        z = pool("cls_before_pooler", model(**batch), batch["attention_mask"])
        z1, z2 = z[:2], z[2:]
        assert torch.equal(z1, z2) is same, rate


def test_epoch_batches_cover_each_example_once_and_are_deterministic():
    lengths = np.random.default_rng(0).integers(3, 30, size=103)
    for bucket in (False, True):
        batches = epoch_batches(lengths, 10, seed=1, epoch=0, bucket=bucket)
        flat = np.concatenate(batches)
        assert len(batches) == 10 and len(set(flat.tolist())) == 100
        assert all(np.array_equal(a, b) for a, b in zip(batches, epoch_batches(lengths, 10, 1, 0, bucket)))
    assert not np.array_equal(np.concatenate(batches), np.concatenate(epoch_batches(lengths, 10, 1, 1, True)))


def test_interrupt_then_resume_equals_uninterrupted(tmp_path, tiny_model, notes, sts_fixture, capsys):
    common = dict(pooler="cls", eval_data=sts_fixture, max_steps=7)
    full = train(config(notes, tiny_model, tmp_path / "full", **common))
    with pytest.raises(Interrupted, match="interrupted at step 4 of 7.*--resume"):
        train(config(notes, tiny_model, tmp_path / "cut", **common), stop_at_step=4)
    assert not (tmp_path / "cut").exists()
    said = " ".join(capsys.readouterr().err.split())
    assert "--max-steps" not in said  # (7 steps fit in an epoch: nothing to say)
    resumed = train(config(notes, tiny_model, tmp_path / "cut", resume=True, **common))
    assert "resuming from step 4 of 7 (the checkpoint in " in " ".join(capsys.readouterr().err.split())
    assert resumed["best_step"] == full["best_step"] and resumed["best_dev_stsb"] == full["best_dev_stsb"]
    # It says it resumed (a line when it starts, the metadata after), which it did not say at all.
    assert (full["resumed_from_step"], resumed["resumed_from_step"]) == (None, 4)
    a, b = weights(tmp_path / "full"), weights(tmp_path / "cut")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert full["selection"] == "best STS-B dev" and full["pooler"] == "cls_before_pooler" and full["mlp_only_train"]
    log = [json.loads(line) for line in (tmp_path / "full" / "train_log.jsonl").read_text().splitlines()]
    # Step 0 is the base model, measured like every later step, logged and never kept.
    assert [r["step"] for r in log] == [0, 3, 6, 7] and all("stsb_dev" in r for r in log)
    assert log[0]["loss"] is None and full["base_dev_stsb"] == log[0]["stsb_dev"] == resumed["base_dev_stsb"]
    assert full["best_step"] > 0 and full["best_dev_stsb"] == max(r["stsb_dev"] for r in log[1:])
    assert (tmp_path / "full" / "training.png").read_bytes()[:4] == b"\x89PNG"


def test_max_steps_beyond_the_epochs_says_how_many_steps_there_are(tmp_path, tiny_model, notes, sts_fixture, capsys):
    """`--max-steps 10` over data of 3 steps an epoch trained 3 steps; only the header's
    `steps=3` said so (session 42 trial A: `--max-steps 30`, 18 steps)."""
    meta = train(config(notes, tiny_model, tmp_path / "out", batch_size=64, max_steps=10, eval_data=sts_fixture))
    assert meta["steps"] == 3
    assert "--max-steps 10: 1 epoch of this data is 3 steps, so 3 steps (--epochs 2 for more)" in " ".join(
        capsys.readouterr().err.split())


def test_ict_own_step_cap_is_not_said_as_a_max_steps_given(tmp_path):
    """ict caps a run at ICT_MAX_STEPS when neither --max-steps nor --epochs is given: a small
    corpus of fewer steps must not hear "--max-steps 60: …", an option it never gave."""
    from simsearch.train import max_steps_note
    from simsearch.train.config import ICT_MAX_STEPS

    default = TrainConfig(mode="unsup", data=tmp_path / "notes.txt", recipe="ict")
    default._recipe_defaults()
    assert default.max_steps == ICT_MAX_STEPS and max_steps_note(default, 18) is None
    given = TrainConfig(mode="unsup", data=tmp_path / "notes.txt", recipe="ict", max_steps=30)
    given._recipe_defaults()
    assert max_steps_note(given, 18) == "--max-steps 30: 1 epoch of this data is 18 steps, so 18 steps (--epochs 2 for more)"
    assert max_steps_note(given, 30) is None


def test_training_changes_the_model_and_without_benchmark_data_uses_held_out_geometry(
        tmp_path, tiny_model, notes, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    meta = train(config(notes, tiny_model, tmp_path / "out"))
    assert meta["selection"] == "last step" and meta["best_dev_stsb"] is None
    assert meta["examples"] == 240 - 12  # duplicates dropped, 5% held out
    log = [json.loads(line) for line in (tmp_path / "out" / "train_log.jsonl").read_text().splitlines()]
    assert all({"alignment", "uniformity"} <= set(r) for r in log)
    before, after = weights(tiny_model), weights(tmp_path / "out")
    assert not torch.equal(before["embeddings.word_embeddings.weight"], after["embeddings.word_embeddings.weight"])


def test_supervised_cls_model_loads_in_sentence_transformers_with_same_vectors(tmp_path, tiny_model, triplets, sts_fixture):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    meta = train(config(triplets, tiny_model, tmp_path / "sup", mode="sup", pooler="cls", eval_data=sts_fixture,
                        hard_negative_weight=2.0))
    assert (meta["pooler"], meta["mlp_only_train"], meta["examples"]) == ("cls", False, 99)
    texts = ["A man plays a guitar.", "Two kids clean the kitchen."]
    ours = Encoder.load(str(tmp_path / "sup"), device="cpu").encode(texts)
    theirs = sentence_transformers.SentenceTransformer(str(tmp_path / "sup"), device="cpu").encode(texts)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    from transformers import AutoModel

    AutoModel.from_pretrained(tmp_path / "sup")  # plain transformers loads it too


def test_avg_model_loads_in_sentence_transformers(tmp_path, tiny_model, notes, sts_fixture):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    train(config(notes, tiny_model, tmp_path / "avg", pooler="avg", eval_data=sts_fixture, max_steps=2))
    texts = ["A man plays a guitar.", "Stocks fell."]
    ours = Encoder.load(str(tmp_path / "avg"), device="cpu").encode(texts)
    theirs = sentence_transformers.SentenceTransformer(str(tmp_path / "avg"), device="cpu").encode(texts)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_existing_model_is_kept_whole_when_a_run_fails(tmp_path, tiny_model, notes, sts_fixture):
    out = tmp_path / "mine"
    train(config(notes, tiny_model, out, max_steps=2))  # a model training wrote (a base model's folder is refused)
    before = weights(out)
    with pytest.raises(Interrupted):
        train(config(notes, tiny_model, out, eval_data=sts_fixture, seed=1), stop_at_step=2)
    after = weights(out)
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_bad_training_input(tmp_path, tiny_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.txt").write_text("\n\n")
    (tmp_path / "bad.csv").write_text("premise,hypothesis\na,b\n")
    (tmp_path / "blob.txt").write_bytes(b"\x00binary")
    (tmp_path / "few.txt").write_text("One sentence here.\nAnother one there.\n")
    m = str(tiny_model)
    cases = [
        (("train", "--unsup", "missing.txt", "-m", m), "missing.txt: no such file"),
        (("train", "--unsup", "empty.txt", "-m", m), "empty.txt: no sentences found"),
        (("train", "--sup", "bad.csv", "-m", m), "needs columns sent0,sent1[,hard_neg]; found: premise,hypothesis"),
        (("train", "--unsup", "blob.txt", "-m", m), "blob.txt: skipped: binary content"),
        (("train", "--unsup", "few.txt", "-m", m, "--batch-size", "64"), "--batch-size 64 is larger than the 2"),
        (("train", "--unsup", "few.txt", "-m", m, "--device", "cuda"), "--device cuda: no CUDA device"),
        (("train", "-m", m), "give exactly one of --unsup FILE or --sup FILE"),
        (("train", "--unsup", "few.txt", "-m", m, "--temp", "0"), "--temp 0: must be positive"),
        (("train", "--unsup", "few.txt", "-m", m, "--resume"), "--resume: no checkpoint"),
    ]
    if torch.cuda.is_available():
        cases = [c for c in cases if "--device" not in c[0]]
    for args, message in cases:
        code, _, err = run_cli(*args)
        assert code == 2, (args, err)
        assert message in err and "Traceback" not in err, (args, err)


def test_train_cli_json(tmp_path, tiny_model, notes, sts_fixture, run_cli):
    code, out, err = run_cli("train", "--unsup", notes, "-m", tiny_model, "--out", tmp_path / "cli", "--max-steps", "3",
                             "--batch-size", "8", "--eval-steps", "2", "--data", sts_fixture, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["out"] == str(tmp_path / "cli") and result["steps"] == 3 and result["best_step"] in (2, 3)
    assert result["data_sha256"] and result["versions"]["torch"] == torch.__version__
    # the settings line names the poolers used, never the unset option's None
    settings = next(line for line in err.splitlines() if line.startswith("simsearch train "))
    assert " pooler=" not in settings and " train_pooler=" in settings, settings


def test_torchrun_two_processes_train_like_one_on_the_global_batch(tmp_path, tiny_model, notes, sts_fixture):
    """2 gloo processes with all-gathered negatives end where 1 process ends (dropout 0: same noise)."""
    import os
    import subprocess
    import sys

    args = ["train", "--unsup", str(notes), "-m", str(tiny_model), "--batch-size", "8", "--max-steps", "3",
            "--dropout", "0", "--lr", "1e-3", "--data", str(sts_fixture), "--device", "cpu", "--json",
            "--eval-steps", "1", "--precision", "fp32"]  # bf16's rounding would swamp the comparison below
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    single = subprocess.run([sys.executable, "-m", "simsearch", *args, "--out", str(tmp_path / "one")],
                            capture_output=True, text=True, env=env)
    assert single.returncode == 0, single.stderr[-2000:]
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                "-m", "simsearch"]
    double = subprocess.run([*launcher, *args, "--out", str(tmp_path / "two")], capture_output=True, text=True, env=env)
    assert double.returncode == 0, double.stderr[-2000:]
    records = [[json.loads(line) for line in (tmp_path / name / "train_log.jsonl").read_text().splitlines()]
               for name in ("one", "two")]
    assert [r["step"] for r in records[0]] == [r["step"] for r in records[1]] == [0, 1, 2, 3]
    assert records[0][0]["stsb_dev"] == pytest.approx(records[1][0]["stsb_dev"], abs=1e-9)  # the same base
    losses = [[r["loss"] for r in rs[1:]] for rs in records]
    assert len(losses[0]) == 3 and losses[0] == pytest.approx(losses[1], rel=1e-4)
    # Weights: reduction order differs across processes, and Adam turns that noise into up to
    # lr-sized steps where a gradient is ~0; so compare in aggregate, against how far they moved.
    a, b, start = weights(tmp_path / "one"), weights(tmp_path / "two"), weights(tiny_model)
    compared = 0
    for key in (k for k in a if k in start):
        moved = (a[key] - start[key]).abs().mean()
        if moved < 1e-6:
            continue  # e.g. attention key biases: their gradient is exactly zero, only noise moves them
        assert (a[key] - b[key]).abs().mean() < 0.01 * moved, key
        compared += 1
    assert compared > 20
    assert json.loads(double.stdout)["steps"] == 3


def test_lr_schedule_warmup_then_linear_decay():
    from simsearch.train import _lr_factor

    # No warm-up is the paper's schedule: 1 at step 0, linear to 0 at the last step.
    assert [_lr_factor(s, 0, 4) for s in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    # Warm-up: rises linearly to 1, then decays linearly over the remaining steps.
    assert [_lr_factor(s, 2, 6) for s in range(7)] == [0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]


def test_torchrun_with_more_processes_than_gpus_is_a_clear_error(monkeypatch):
    from simsearch.errors import SimsearchError
    from simsearch.train import _distributed

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(SimsearchError, match="process 1 has no GPU: this node has 1"):
        _distributed(torch.device("cuda"))


@pytest.mark.parametrize(("key", "values", "span"), [
    ("stsb_dev", [78.870, 78.873, 78.876], 5.0),
    ("heldout_hit@10", [0.573, 0.579], 0.1),
    ("heldout_hit@10", [0.97, 0.99], 0.1),
    ("heldout_hit@10", [0.01, 0.02], 0.1),
    ("uniformity", [-3.815, -3.812], 0.5),
])
def test_the_evaluation_axis_does_not_draw_a_small_change_as_a_climb(key, values, span):
    """training.png: a 0.006-point move must not fill the axis (the issue's example)."""
    from simsearch.train.report import eval_axis_limits

    low, high = eval_axis_limits(values, key)
    assert high - low >= span - 1e-9
    assert low <= min(values) and max(values) <= high
    if key == "heldout_hit@10":
        assert 0.0 <= low and high <= 1.0


def test_a_large_change_keeps_its_own_range():
    from simsearch.train.report import eval_axis_limits

    low, high = eval_axis_limits([60.0, 80.0], "stsb_dev")
    assert low <= 60.0 and high >= 80.0 and high - low < 25.0


def test_the_evaluation_legend_names_the_kept_step_when_it_is_not_the_last():
    from simsearch.train.report import eval_legend

    points = [(0, 0.618), (30, 0.71), (60, 0.69)]
    assert eval_legend("held-out hit@10", points, 60) == "held-out hit@10: step 0 0.618 -> step 60 0.690"
    assert eval_legend("held-out hit@10", points, 30).endswith("; kept: step 30 0.710")
    assert eval_legend("held-out hit@10", points, None).endswith("step 60 0.690")


def test_a_folder_too_small_for_the_default_batch_says_what_batch_size_would_do(tmp_path, tiny_model, run_cli):
    """A small notes folder (fewer than 10 documents: the paper's recipe) with the default batch
    of 64 is refused; the user never typed --batch-size, so the message names the value that
    would train."""
    notes = tmp_path / "projects"
    notes.mkdir()
    (notes / "bike.md").write_text("# Bike\n\nThe chain skipped on the third cog.\nThe brake squeals when wet.\n")
    (notes / "garden.txt").write_text("Water the tomatoes every morning.\nThe slugs ate the lettuce.\n")
    code, _, err = run_cli("train", "--unsup", notes, "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu")
    assert code == 2
    assert "--batch-size 64 is larger than the" in err and "give --batch-size" in err and "or less" in err, err


def test_training_png_draws_the_noise_the_verdict_tests_against_and_hides_no_point():
    """training.png: held-out hit@10 0.600 -> 0.625 against a noise of ±0.036 (within it: the
    verdict says "no better ... beyond the noise") drew a plain climb to a red star, the noise
    nowhere; and the legend in the axes' top right covered the kept step's star when it rose."""
    import types

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from simsearch.train.report import _figure, noise_band

    evals = [{"step": 0, "model": "base", "heldout_hit@10": 0.600, "heldout_mrr@10": 0.35, "heldout_queries": 417},
             {"step": 43, "heldout_hit@10": 0.625, "heldout_mrr@10": 0.36, "heldout_queries": 417}]
    change = {"difference": 0.025, "noise": 0.036, "beyond": False, "p": 0.2, "rose": 30, "fell": 20}
    heldout = {"base": {"hit@10": 0.600, "mrr@10": 0.35, "queries": 417, "step": 0},
               "trained": {"hit@10": 0.625, "mrr@10": 0.36, "queries": 417, "step": 43},
               "change": {"hit@10": change, "mrr@10": {**change, "noise": 0.02}, "level": 0.95, "candidates": 1}}
    low, high, label = noise_band(heldout)
    assert (low, high) == pytest.approx((0.564, 0.636)) and label == "noise of 417 held-out queries: ±0.036"
    state = types.SimpleNamespace(losses=[2.0 + 0.01 * i for i in range(43)], evals=evals)
    fig = _figure(state, 43, heldout)
    try:
        right = fig.axes[1]
        low, high = right.get_ylim()
        assert low <= 0.564 and high >= 0.636  # the whole band is on the axis
        labels = [text.get_text() for legend in fig.legends for text in legend.get_texts()]
        assert "noise of 417 held-out queries: ±0.036" in labels
        assert any(label.startswith("held-out hit@10: step 0 0.600 -> step 43 0.625") for label in labels)
        assert all(axes.get_legend() is None for axes in fig.axes)  # no legend over the curves
        # measured at its points alone: no solid line draws a climb between them
        assert [line.get_linestyle() for line in right.get_lines() if len(line.get_xdata()) > 1] == ["--"]
        fig.canvas.draw()
        legend_box = fig.legends[0].get_window_extent()
        assert legend_box.y1 <= right.get_window_extent().y0  # below the axes: it hides no point
    finally:
        plt.close(fig)
    # A move its three decimals would show beyond the noise (0.3693 -> 0.3957, ±0.0264): the
    # legend gives the figures at the decimals of the printed line.
    n = 417
    close = _heldout(154 / n, 165 / n, {"difference": 11 / n, "noise": 11 / n, "beyond": False, "p": 0.06,
                                        "rose": 11, "fell": 0})
    close_state = types.SimpleNamespace(losses=state.losses, evals=[
        {**evals[0], "heldout_hit@10": 154 / n}, {**evals[1], "heldout_hit@10": 165 / n}])
    fig = _figure(close_state, 43, close)
    try:
        labels = [text.get_text() for legend in fig.legends for text in legend.get_texts()]
        assert "held-out hit@10: step 0 0.3693 -> step 43 0.3957" in labels, labels
        assert "noise of 417 held-out queries: ±0.0264" in labels, labels
    finally:
        plt.close(fig)
    # No held-out figures (STS-B dev chose the step, or none held out): no band.
    assert noise_band(None) is None and noise_band({**heldout, "change": None}) is None


def _heldout(base_hit, trained_hit, hit_change, base_mrr=0.34711088272239327, trained_mrr=0.36734802634083197,
             mrr_change=None):
    mrr_change = mrr_change or {"difference": trained_mrr - base_mrr, "noise": 0.020859502873891357, "beyond": False,
                                "p": 0.058, "rose": 101, "fell": 77}
    return {"base": {"hit@10": base_hit, "mrr@10": base_mrr, "queries": 417, "step": 0},
            "trained": {"hit@10": trained_hit, "mrr@10": trained_mrr, "queries": 417, "step": 43},
            "change": {"hit@10": hit_change, "mrr@10": mrr_change, "level": 0.95, "candidates": 1},
            "documents": 4, "sentences": 437}


def test_the_held_out_line_never_shows_a_move_larger_than_the_noise_it_calls_within_it():
    """hit@10 154/417 -> 165/417 against a noise of 11/417 (a move equal to the noise: within it)
    was printed "hit@10 0.369 -> 0.396 ... noise: hit@10 ±0.026" beside "no better than the base
    model ... beyond the noise": 0.396 - 0.369 = 0.027, larger than the noise shown."""
    import re

    from simsearch.train.report import heldout_verdict

    n = 417
    within = _heldout(154 / n, 165 / n, {"difference": 11 / n, "noise": 11 / n, "beyond": False, "p": 0.06,
                                         "rose": 11, "fell": 0})
    line = heldout_verdict(within)
    assert line.startswith("no better than the base model on your held-out documents beyond the noise"), line
    before, after = (float(x) for x in re.search(r"hit@10 ([\d.]+) -> ([\d.]+)", line).groups())
    noise = re.search(r"noise: hit@10 ±([\d.]+)", line).group(1)
    assert round(after - before, len(noise) - 2) <= float(noise), line
    assert "hit@10 0.3693 -> 0.3957" in line and "±0.0264" in line, line
    # The real run's line (mypy's docs, session 46) keeps its three decimals.
    real = _heldout(0.5995203836930456, 0.6690647482014388,
                    {"difference": 0.06954436450839328, "noise": 0.03597122302158273, "beyond": True, "p": 0.0002,
                     "rose": 47, "fell": 18})
    assert heldout_verdict(real).startswith("held-out retrieval hit@10 0.600 -> 0.669, MRR@10 0.347 -> 0.367 (4 "
                                            "documents, 417 queries; noise: hit@10 ±0.036, MRR@10 ±0.021)")


def test_models_shows_an_interrupted_runs_checkpoint_until_it_is_resumed(tmp_path, tiny_model, notes, sts_fixture,
                                                                         run_cli, monkeypatch):
    """User trial on pip's docs (session 48): a run stopped with Ctrl-C leaves its checkpoint
    (minilm's: over 250 MiB) in ``.NAME.partial`` beside the model folder, and `simsearch models`
    said nothing of it: the way on (`--resume`), or the disk to free, was in the message alone."""
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    monkeypatch.setenv("COLUMNS", "400")
    common = dict(pooler="cls", eval_data=sts_fixture, max_steps=3)
    with pytest.raises(Interrupted):
        train(config(notes, tiny_model, models / "cut", **common), stop_at_step=2)
    code, out, err = run_cli("models")
    assert code == 0, err
    said = " ".join(out.split())
    assert (f"{models / 'cut'}: an interrupted `simsearch train` saved a checkpoint at " in said
            and f"in {models / '.cut.partial'}: the same command with --resume goes on from it" in said), said
    code, out, _ = run_cli("models", "--json")  # one object per model: the checkpoint is not one
    assert code == 0 and all("partial" not in json.loads(line)["path"] for line in out.splitlines())
    train(config(notes, tiny_model, models / "cut", resume=True, **common))
    code, out, err = run_cli("models")
    assert code == 0 and "interrupted" not in out and "cut" in out, out


def test_models_does_not_call_a_running_train_interrupted(tmp_path, run_cli, monkeypatch):
    """Review 48: a `train` that is still running has saved a checkpoint after its first
    `--checkpoint-every` (5 minutes), and `simsearch models` said of it "an interrupted `simsearch
    train` saved a checkpoint ...: delete that folder to drop it", the work folder of the run going
    on. A folder whose run holds the lock on its --out is not listed."""
    from simsearch.models import STAGING_MARKER
    from simsearch.train.outdir import out_lock

    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    monkeypatch.setenv("COLUMNS", "400")
    for name in ("running", "stopped"):
        staging = models / f".{name}.partial"
        staging.mkdir(parents=True)
        (staging / STAGING_MARKER).write_text("")
        (staging / "checkpoint.pt").write_bytes(b"0" * 1000)
    with out_lock(models / "running"):
        code, out, err = run_cli("models")
    said = " ".join(out.split())
    assert code == 0 and f"{models / 'stopped'}: an interrupted `simsearch train`" in said, (said, err)
    assert "running" not in said, said
