"""Training you can trust: resume equals an uninterrupted run, or is refused; nothing diverged,
foreign or planted is saved, deleted or executed. Tiny random models, a few steps each."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simsearch.encoder import Encoder, load_transformer
from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.train import Interrupted, TrainConfig, train
from tests.conftest import write_sts_fixture
from tests.test_train import config, weights, write_notes_and_triplets
from tests.tiny_bert import create_random_bert

FAST = settings(max_examples=2, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def staging_of(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def log_of(folder: Path) -> list[dict]:
    """The evaluation log without wall-clock times (the only field two equal runs may differ in)."""
    records = [json.loads(line) for line in (folder / "train_log.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "time"} for r in records]


def assert_same_run(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    assert log_of(a) == log_of(b)
    steps = [r["step"] for r in log_of(b)]
    assert steps == sorted(set(steps))  # no step logged twice
    ma, mb = (json.loads((f / METADATA_FILE).read_text()) for f in (a, b))
    assert (ma["best_step"], ma["best_dev_stsb"], ma["steps"]) == (mb["best_step"], mb["best_dev_stsb"], mb["steps"])


def interrupted_then_resumed(make, out: Path, stop: int) -> None:
    with pytest.raises(Interrupted, match=f"interrupted at step {stop} of"):
        train(make(out), stop_at_step=stop)
    assert not out.exists() and (staging_of(out) / "checkpoint.pt").is_file()
    train(make(out, resume=True))
    assert not staging_of(out).exists()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A tiny model, 240 sentences, NLI-style triplets and a fixture STS layout, shared by this file."""
    root = tmp_path_factory.mktemp("trust")
    model = create_random_bert(root / "tiny", hidden_size=32, heads=2, layers=2, pooler="cls_before_pooler", seed=0)
    return {"root": root, **write_notes_and_triplets(root), "model": model, "sts": write_sts_fixture(root / "data")}


# --- resume equals an uninterrupted run ------------------------------------------------------

@pytest.fixture(scope="module")
def two_epochs(world):
    """240 sentences in batches of 60: 4 steps an epoch, 8 in all, evaluated every 3 (and at 8)."""
    def make(out, **extra):
        return config(world["notes"], world["model"], out, batch_size=60, max_steps=None, epochs=2, eval_steps=3,
                      eval_data=world["sts"], **extra)

    reference = world["root"] / "two-epochs-full"
    assert train(make(reference))["steps"] == 8
    return make, reference


@FAST
@given(stop=st.integers(1, 7))
@example(stop=4)  # the last step of the first epoch
def test_resume_across_an_epoch_boundary_equals_an_uninterrupted_run(two_epochs, stop):
    make, reference = two_epochs
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cut"
        interrupted_then_resumed(make, out, stop)
        assert_same_run(reference, out)


def test_supervised_resume_equals_an_uninterrupted_run(world, tmp_path):
    def make(out, **extra):
        return config(world["triplets"], world["model"], out, mode="sup", pooler="cls", batch_size=24, max_steps=None,
                      epochs=2, eval_steps=3, eval_data=world["sts"], hard_negative_weight=2.0, **extra)

    assert train(make(tmp_path / "full"))["steps"] == 8  # 99 triplets: 4 batches an epoch
    interrupted_then_resumed(make, tmp_path / "cut", 5)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_held_out_resume_equals_an_uninterrupted_run(world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here: alignment/uniformity on held-out sentences
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)

    def make(out, **extra):
        return config(world["notes"], world["model"], out, max_steps=5, eval_steps=2, **extra)

    assert train(make(tmp_path / "full"))["selection"] == "last step"
    interrupted_then_resumed(make, tmp_path / "cut", 3)
    assert_same_run(tmp_path / "full", tmp_path / "cut")
    assert all({"alignment", "uniformity"} <= set(r) for r in log_of(tmp_path / "cut"))


@pytest.mark.parametrize("mode", ["unsup", "sup"])
def test_distilled_resume_equals_an_uninterrupted_run(world, tmp_path, mode):
    """--distill: the base model's embeddings are computed again on resume and must be the same,
    for one column (two views of a sentence) and three (with Eq. 8's own negative masked out)."""
    extra = dict(mode="sup", pooler="cls", batch_size=24, hard_negative_weight=0.0) if mode == "sup" else {}
    data = world["triplets"] if mode == "sup" else world["notes"]

    def make(out, **more):
        return config(data, world["model"], out, max_steps=5, eval_steps=2, eval_data=world["sts"], distill=2.0,
                      **extra, **more)

    full = train(make(tmp_path / "full"))
    assert full["distill"] == 2.0
    plain = train(config(data, world["model"], tmp_path / "plain", max_steps=5, eval_steps=2, eval_data=world["sts"],
                         distill=0.0, **extra))
    assert plain["distill"] == 0.0
    assert not all(torch.equal(a, b) for a, b in zip(weights(tmp_path / "full").values(),
                                                      weights(tmp_path / "plain").values()))  # the term acts
    interrupted_then_resumed(make, tmp_path / "cut", 3)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_distilled_resume_from_a_base_without_pooler_weights_equals_an_uninterrupted_run(world, tmp_path):
    """A mean-pooled model simsearch saved has no pooler weights: loading it as the teacher fills
    them at random, which must not move the random state a resumed run restored."""
    base = tmp_path / "base"
    train(config(world["notes"], world["model"], base, pooler="avg", max_steps=2, distill=0.0))
    assert not any(k.startswith("pooler.") for k in weights(base))

    def make(out, **more):
        return config(world["notes"], base, out, max_steps=5, eval_steps=2, eval_data=world["sts"], **more)

    assert train(make(tmp_path / "full"))["distill"] == 5.0  # the default for a sentence encoder's file of lines
    interrupted_then_resumed(make, tmp_path / "cut", 2)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_a_checkpoint_from_before_distill_resumes_as_the_undistilled_run_it_was(world, tmp_path):
    def make(**more):
        return config(world["notes"], world["model"], tmp_path / "cut", max_steps=3, eval_data=world["sts"], **more)

    with pytest.raises(Interrupted):
        train(make(distill=0.0), stop_at_step=1)
    path = staging_of(tmp_path / "cut") / "checkpoint.pt"
    saved = torch.load(path, weights_only=True)
    del saved["signature"]["--distill"]  # as an older simsearch wrote it: the paper's loss alone
    torch.save(saved, path)
    with pytest.raises(SimsearchError, match=r"--distill \(0\.0 then, 5\.0 now\)"):
        train(make(resume=True))  # the default now distils: not the run that was interrupted
    assert train(make(distill=0.0, resume=True))["distill"] == 0.0


def test_log_has_no_repeated_steps_when_a_resumed_run_died_past_its_checkpoint(world, tmp_path):
    """A run resumed from step 2 logs steps 3 and 4 and is killed (no new checkpoint): resuming from 2 again."""
    def make(out, **extra):
        return config(world["notes"], world["model"], out, max_steps=5, eval_steps=1, eval_data=world["sts"], **extra)

    train(make(tmp_path / "full"))
    out = tmp_path / "cut"
    with pytest.raises(Interrupted):
        train(make(out), stop_at_step=2)
    checkpoint = staging_of(out) / "checkpoint.pt"
    at_step_2 = checkpoint.read_bytes()
    with pytest.raises(Interrupted):
        train(make(out, resume=True), stop_at_step=4)
    assert [r["step"] for r in log_of(staging_of(out))] == [0, 1, 2, 3, 4]
    checkpoint.write_bytes(at_step_2)  # as if that run had been killed before writing its checkpoint
    train(make(out, resume=True))
    assert_same_run(tmp_path / "full", out)


def _past_step_0(log: Path) -> bool:
    """Whether the run's log has a trained step (step 0, the base, is logged before training starts:
    under torchrun another rank may still be setting up, before its Ctrl-C handler is in place)."""
    if not log.is_file():
        return False
    try:
        return any(json.loads(line)["step"] > 0 for line in log.read_text().splitlines() if line.strip())
    except json.JSONDecodeError:  # a line being written
        return False


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_real_sigint_or_sigterm_then_resume_equals_an_uninterrupted_run(world, tmp_path, signum):
    """SIGTERM (`timeout`, `kill`, job schedulers such as SLURM before their SIGKILL) stops the run as
    Ctrl-C does; before session 44 it killed it at once, with no checkpoint to resume from."""
    notes, model, sts = world["notes"], world["model"], world["sts"]
    out = tmp_path / "cut"
    args = [sys.executable, "-m", "simsearch", "train", "--unsup", str(notes), "-m", str(model), "--out", str(out),
            "--batch-size", "8", "--max-steps", "6", "--eval-steps", "1", "--lr", "1e-3", "--device", "cpu",
            "--data", str(sts), "--json"]
    # Same thread count as this process, so both compute in the same order (bit-equal results).
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log = staging_of(out) / "train_log.jsonl"
    deadline = time.monotonic() + 120
    while not _past_step_0(log) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert "interrupted at step" in err and "--resume" in err and "Traceback" not in err
    assert ("SIGTERM: stopping after this step" in err) == (signum == signal.SIGTERM)
    assert not out.exists() and (staging_of(out) / "checkpoint.pt").is_file()

    def make(folder, **extra):
        return config(notes, model, folder, max_steps=6, eval_steps=1, eval_data=sts, **extra)

    train(make(out, resume=True))
    train(make(tmp_path / "full"))
    assert_same_run(tmp_path / "full", out)


# --- resume refuses another run's checkpoint -------------------------------------------------

def test_resume_with_other_settings_or_data_is_refused_naming_them(world, tmp_path):
    data = tmp_path / "notes.txt"
    shutil.copy(world["notes"], data)
    other_model = create_random_bert(tmp_path / "other", hidden_size=32, heads=2, layers=3, seed=1)

    def make(out, **extra):
        model = extra.pop("model", world["model"])
        return config(data, model, out, **{"max_steps": 6, "eval_data": world["sts"], **extra})

    out = tmp_path / "cut"
    with pytest.raises(Interrupted):
        train(make(out), stop_at_step=2)
    checkpoint = (staging_of(out) / "checkpoint.pt").read_bytes()
    changes = [
        (dict(batch_size=16), "--batch-size (8 then, 16 now)"),
        (dict(seed=7), "--seed (42 then, 7 now)"),
        (dict(lr=2e-3), "--lr"),
        (dict(max_steps=5), "--max-steps"),
        (dict(pooler="avg"), "--pooler"),
        (dict(dropout=0.2), "--dropout"),
        (dict(temp=0.1), "--temp"),
        (dict(bucket=False), "--no-bucket"),
        (dict(model=str(other_model)), "--model (files)"),
        (dict(seed=7, batch_size=16), "--batch-size (8 then, 16 now), --seed (42 then, 7 now)"),
    ]
    for extra, named in changes:
        with pytest.raises(SimsearchError, match=r"^--resume: this run differs from the interrupted one in ") as err:
            train(make(out, resume=True, **extra))
        assert named in str(err.value) and "\n" not in str(err.value), extra
    data.write_text(data.read_text() + "One more line.\n")
    with pytest.raises(SimsearchError, match=r"differs from the interrupted one in training data \(sha256\)"):
        train(make(out, resume=True))
    assert (staging_of(out) / "checkpoint.pt").read_bytes() == checkpoint  # a refusal changes nothing
    shutil.copy(world["notes"], data)
    train(make(out, resume=True))  # the same run still resumes
    assert (out / METADATA_FILE).is_file()


def test_a_planted_checkpoint_is_never_unpickled(world, tmp_path):
    """A checkpoint.pt whose pickle would run code is refused, in one line, without running it."""
    out = tmp_path / "cut"
    make = lambda **extra: config(world["notes"], world["model"], out, eval_data=world["sts"], **extra)  # noqa: E731
    with pytest.raises(Interrupted):
        train(make(), stop_at_step=1)
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (marker, "pwned"))

    torch.save({"format": 2, "signature": {}, "model": Payload()}, staging_of(out) / "checkpoint.pt")
    with pytest.raises(SimsearchError, match=r"^--resume: .*checkpoint.pt is not a checkpoint simsearch can load "
                                             r"safely \(UnpicklingError\)") as err:
        train(make(resume=True))
    assert not marker.exists() and "\n" not in str(err.value)
    # A checkpoint of the older format (pickled, no settings) is refused too, not half-used.
    torch.save({"model": {}, "state": {}}, staging_of(out) / "checkpoint.pt")
    with pytest.raises(SimsearchError, match="written by another version of simsearch"):
        train(make(resume=True))


# --- divergence, foreign folders ------------------------------------------------------------

def test_diverging_training_stops_saves_nothing_and_keeps_the_previous_model(world, tmp_path, run_cli):
    out = tmp_path / "model"
    train(config(world["notes"], world["model"], out, eval_data=world["sts"]))
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(SimsearchError, match=r"^training diverged at step \d+ \(loss nan\); nothing was saved; "
                                             r"try a lower --lr \(this run used 1e\+09\)$"):
        train(config(world["notes"], world["model"], out, eval_data=world["sts"], lr=1e9))
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no work folder, no half-saved model
    code, _, err = run_cli("train", "--unsup", world["notes"], "-m", world["model"], "--out", tmp_path / "new",
                           "--lr", "1e9", "--batch-size", "8", "--max-steps", "6", "--data", world["sts"],
                           "--device", "cpu")
    assert code == 2 and "training diverged at step" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: training diverged")  # the error is one line, the last
    assert not (tmp_path / "new").exists() and not staging_of(tmp_path / "new").exists()


def test_a_folder_simsearch_did_not_write_is_never_replaced_or_deleted(world, tmp_path):
    make = lambda out: config(world["notes"], world["model"], out, max_steps=2, eval_data=world["sts"])  # noqa: E731
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.md").write_text("years of work")
    with pytest.raises(SimsearchError, match=r"--out .*thesis: exists and is not a simsearch model \(no simsearch.json\)"):
        train(make(mine))
    assert (mine / "chapter1.md").read_text() == "years of work" and len(list(mine.iterdir())) == 1
    a_file = tmp_path / "notes.md"
    a_file.write_text("keep me")
    with pytest.raises(SimsearchError, match="exists and is not a folder"):
        train(make(a_file))
    assert a_file.read_text() == "keep me"
    # A user's folder where training keeps its work folder is not taken over either.
    staging = staging_of(tmp_path / "model")
    staging.mkdir()
    (staging / "diary.txt").write_text("private")
    with pytest.raises(SimsearchError, match="was not made by simsearch; move it away"):
        train(make(tmp_path / "model"))
    assert (staging / "diary.txt").read_text() == "private"
    # An empty folder is used; a model simsearch wrote is replaced, and a user's ".NAME.old" survives that.
    empty = tmp_path / "empty"
    empty.mkdir()
    train(make(empty))
    assert (empty / METADATA_FILE).is_file()
    old = tmp_path / ".empty.old"
    old.mkdir()
    (old / "keep.txt").write_text("mine")
    train(make(empty))
    assert (old / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".empty.old", ".model.partial", "empty", "notes.md", "thesis"]


def test_supervised_same_dropout_mask_is_refused():
    with pytest.raises(SimsearchError, match="--same-dropout-mask is an unsupervised ablation"):
        TrainConfig(mode="sup", data="nli.csv", same_dropout_mask=True)
    TrainConfig(mode="unsup", data="notes.txt", same_dropout_mask=True)  # the ablation itself stays


# --- raw models and model code --------------------------------------------------------------

@pytest.mark.parametrize("mode, inference, mlp_only", [("unsup", "cls_before_pooler", True), ("sup", "cls", False)])
def test_a_raw_model_trains_with_the_papers_cls_and_mlp(world, tmp_path, mode, inference, mlp_only):
    raw = create_random_bert(tmp_path / "raw-bert", hidden_size=32, heads=2, layers=2, seed=3)
    (raw / METADATA_FILE).unlink()  # now a plain transformers folder, as downloaded
    data = world["notes"] if mode == "unsup" else world["triplets"]
    meta = train(config(data, raw, tmp_path / "out", mode=mode, max_steps=2, eval_data=world["sts"]))
    assert (meta["train_pooler"], meta["pooler"], meta["mlp_only_train"]) == ("cls", inference, mlp_only)
    assert Encoder.load(str(tmp_path / "out"), device="cpu").encode(["A man plays a guitar."]).shape == (1, 32)


@pytest.fixture
def custom_code_model(tmp_path, monkeypatch):
    """A model folder whose config.json maps to a .py that would leave a marker file if imported."""
    folder = create_random_bert(tmp_path / "custom", hidden_size=32, heads=2, layers=1)
    marker = tmp_path / "custom-code-ran"
    (folder / "evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "from transformers import BertConfig, BertModel\n"
        "class EvilConfig(BertConfig):\n    model_type = 'evilbert'\n"
        "class EvilModel(BertModel):\n    config_class = EvilConfig\n")
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(model_type="evilbert", auto_map={"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"})
    (folder / "config.json").write_text(json.dumps(cfg))
    monkeypatch.setattr("builtins.input", lambda *args: "y")  # a user who answers transformers' prompt
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "modules"))
    return folder, marker


def test_model_code_in_a_folder_is_never_run(world, tmp_path, custom_code_model):
    folder, marker = custom_code_model
    with pytest.raises(SimsearchError, match=r"^cannot load a model from .*custom: The repository .* contains custom code"):
        load_transformer(folder)
    with pytest.raises(SimsearchError, match="contains custom code"):
        train(config(world["notes"], folder, tmp_path / "out", max_steps=2, eval_data=world["sts"]))
    assert not marker.exists()
    assert not (tmp_path / "out").exists() and not staging_of(tmp_path / "out").exists()


def _children(parent: int) -> list[int]:
    """Process ids whose parent is ``parent`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _rank_of(pid: int) -> int | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    ranks = [e.split(b"=", 1)[1] for e in environ if e.startswith(b"RANK=")]
    return int(ranks[0]) if ranks else None


def _torchrun_workers(launcher: subprocess.Popen) -> dict[int, int]:
    """{rank: pid} of the worker processes torchrun has started so far."""
    workers = {}
    for pid in _children(launcher.pid):
        workers.update({_rank_of(pid): pid} if _rank_of(pid) is not None else {})
        for grandchild in _children(pid):  # some launchers put the workers one level deeper
            if _rank_of(grandchild) is not None:
                workers[_rank_of(grandchild)] = grandchild
    return workers


def _has_loaded_torch(pid: int) -> bool:
    """Whether the process has mapped libtorch: ``python -m simsearch`` imports torch only after
    installing its Ctrl-C handler for torchrun (``simsearch.interrupt``)."""
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds torchrun's workers through /proc")
@pytest.mark.parametrize("moment", ["importing", "setting up", "importing, over a checkpoint"])
def test_ctrl_c_reaching_one_torchrun_process_while_it_starts_stops_both_cleanly(world, tmp_path, moment):
    """Rank 1 gets SIGINT while it imports (libtorch mapped) or sets up (rank 0 has made the work
    folder), before any step: it must not die of it (rank 0 would wait for it in the first
    collective); both stop together, before the first step (nothing left behind) or, if the
    signal came later, at the same step with a checkpoint. An interrupted earlier run's
    checkpoint (the command re-run without --resume) is left as it was."""
    out = tmp_path / "early"
    earlier = None
    if moment.endswith("over a checkpoint"):
        with pytest.raises(Interrupted):
            train(config(world["notes"], world["model"], out, batch_size=8, max_steps=25, lr=1e-3,
                         eval_data=world["sts"]), stop_at_step=2)
        earlier = (staging_of(out) / "checkpoint.pt").read_bytes()
    args = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "simsearch",
            "train", "--unsup", str(world["notes"]), "-m", str(world["model"]), "--out", str(out), "--batch-size", "8",
            "--max-steps", "25", "--lr", "1e-3", "--device", "cpu", "--data", str(world["sts"]), "--json"]
    launcher = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 120
    rank1 = None
    while launcher.poll() is None and time.monotonic() < deadline:
        rank1 = _torchrun_workers(launcher).get(1)
        if rank1 is not None and (staging_of(out).exists() if moment == "setting up" else _has_loaded_torch(rank1)):
            break
        time.sleep(0.005)
    assert rank1 is not None, "torchrun started no rank 1"
    os.kill(rank1, signal.SIGINT)
    try:
        _, err = launcher.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        launcher.kill()
        raise AssertionError("a torchrun process hung after another one was interrupted while starting") from None
    early = err.count("interrupted before the first step")
    late = {line.split("interrupted at step ")[1].split()[0] for line in err.splitlines() if "interrupted at step" in line}
    assert early == 2 or (err.count("interrupted at step") == 2 and len(late) == 1), err[-3000:]
    assert not out.exists()
    if earlier is not None:
        assert early == 2 and (staging_of(out) / "checkpoint.pt").read_bytes() == earlier
    elif early:
        assert not staging_of(out).exists()  # a fresh run's work folder holds nothing to resume
    else:
        assert (staging_of(out) / "checkpoint.pt").is_file()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds torchrun's workers through /proc")
def test_ctrl_c_seen_by_one_torchrun_process_stops_both_at_one_step_with_a_checkpoint(world, tmp_path):
    """Only rank 1 gets SIGINT: both agree (all-reduce) on the step, rank 0 saves, nobody hangs in all_gather."""
    out = tmp_path / "cut"
    args = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "simsearch",
            "train", "--unsup", str(world["notes"]), "-m", str(world["model"]), "--out", str(out), "--batch-size", "8",
            "--max-steps", "25", "--eval-steps", "1", "--lr", "1e-3", "--device", "cpu", "--data", str(world["sts"]),
            "--json"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launcher = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    log = staging_of(out) / "train_log.jsonl"
    deadline = time.monotonic() + 180
    while not _past_step_0(log) and launcher.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _torchrun_workers(launcher)
    assert set(workers) == {0, 1}, workers
    os.kill(workers[1], signal.SIGINT)
    try:
        _, err = launcher.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        launcher.kill()
        raise AssertionError("a torchrun process hung after another one was interrupted") from None
    assert err.count("interrupted at step") == 2, err[-3000:]  # both ranks, at the same step
    steps = {line.split("interrupted at step ")[1].split()[0] for line in err.splitlines() if "interrupted at step" in line}
    assert len(steps) == 1, steps
    saved = torch.load(staging_of(out) / "checkpoint.pt", weights_only=True)
    assert saved["state"]["step"] == int(steps.pop()) and len(saved["rng"]) == 2


@pytest.mark.parametrize("world_size, argv, defers", [
    ("2", ["train", "--unsup", "notes.txt"], True),
    ("2", ["--help"], False),
    ("2", ["index", "docs"], False),  # only train's processes wait for each other
    ("2", ["search", "train"], False),
    ("1", ["train", "--unsup", "notes.txt"], False),  # a single process keeps Python's Ctrl-C
    ("", ["train"], False),  # not torchrun's: no crash before the CLI can say so
    ("two", ["train"], False),
])
def test_only_train_under_torchrun_defers_ctrl_c(monkeypatch, world_size, argv, defers):
    from simsearch import interrupt

    monkeypatch.setenv("WORLD_SIZE", world_size)
    before = signal.getsignal(signal.SIGINT)
    try:
        interrupt.defer_under_torchrun(argv)
        assert interrupt.is_deferring(signal.getsignal(signal.SIGINT)) == defers
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("value", ["two", "", "0"])
def test_a_malformed_world_size_is_one_line_naming_it(world, tmp_path, value, run_cli, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", value)
    code, _, err = run_cli("train", "--unsup", world["notes"], "-m", world["model"], "--out", tmp_path / "out",
                           "--device", "cpu", "--max-steps", "1")
    assert code == 2 and "WORLD_SIZE" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists() and not staging_of(tmp_path / "out").exists()


def test_the_default_out_never_replaces_a_model_trained_on_another_file_of_the_same_name(world, tmp_path, run_cli,
                                                                                         monkeypatch):
    """Two projects' notes.txt both default to <models>/notes-unsup-simcse: the second is refused
    (the first may be in an index); the same file again, or an explicit --out, replaces it."""
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    for place in ("work", "home"):
        (tmp_path / place).mkdir()
        shutil.copy(world["notes"], tmp_path / place / "notes.txt")
    (tmp_path / "home" / "notes.txt").write_text("\n".join(reversed(world["notes"].read_text().splitlines())) + "\n")
    common = ["-m", world["model"], "--max-steps", "1", "--batch-size", "8", "--recipe", "paper", "--device", "cpu",
              "--data", world["sts"]]
    out = tmp_path / "models" / "notes-unsup-simcse"
    monkeypatch.chdir(tmp_path / "work")
    code, _, err = run_cli("train", "--unsup", "notes.txt", *common)
    assert code == 0, err
    first = (out / "model.safetensors").read_bytes()
    assert json.loads((out / METADATA_FILE).read_text())["data_file"] == str(tmp_path / "work" / "notes.txt")
    monkeypatch.chdir(tmp_path / "home")
    code, _, err = run_cli("train", "--unsup", "notes.txt", *common)
    assert code == 2 and str(tmp_path / "work" / "notes.txt") in err and "--out" in err and len(err.strip().splitlines()) == 1
    assert (out / "model.safetensors").read_bytes() == first
    code, _, err = run_cli("train", "--unsup", "notes.txt", *common, "--out", out)  # asked for by name
    assert code == 0, err
    assert json.loads((out / METADATA_FILE).read_text())["data_file"] == str(tmp_path / "home" / "notes.txt")
    code, _, err = run_cli("train", "--unsup", "notes.txt", *common, "--seed", "3")  # the same file again
    assert code == 0, err


def test_the_default_out_of_a_docs_folder_is_named_after_its_project_too(world, tmp_path, run_cli, monkeypatch):
    """Every project has a docs/: its default --out was docs-unsup-simcse, so a second project's
    training was refused (the first one's model was there). A folder of a generic name is named
    with its parent's; a folder of its own name, and a file, as before."""
    from simsearch.train import TrainConfig

    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    for project in ("click", "flask"):
        (tmp_path / project / "docs").mkdir(parents=True)
        shutil.copy(world["notes"], tmp_path / project / "docs" / "notes.txt")
    common = ["-m", world["model"], "--max-steps", "1", "--batch-size", "8", "--recipe", "paper", "--device", "cpu",
              "--data", world["sts"]]
    for project in ("click", "flask"):
        code, _, err = run_cli("train", "--unsup", tmp_path / project / "docs", *common)
        assert code == 0, err
        saved = json.loads((tmp_path / "models" / f"{project}-docs-unsup-simcse" / METADATA_FILE).read_text())
        assert saved["data_file"] == str(tmp_path / project / "docs")
    monkeypatch.chdir(tmp_path / "click" / "docs")
    assert TrainConfig(mode="unsup", data=Path(".")).out.name == "click-docs-unsup-simcse"
    assert TrainConfig(mode="unsup", data=tmp_path / "click").out.name == "click-unsup-simcse"
    assert TrainConfig(mode="unsup", data=Path("notes.txt")).out.name == "notes-unsup-simcse"


def test_the_default_out_of_a_folder_is_its_whole_name_and_dot_is_the_folder_it_stands_for(tmp_path, monkeypatch):
    """`train --unsup .` defaulted to "-unsup-simcse" (named after no folder), `..` to
    "..-unsup-simcse", and a folder's dots were taken for a suffix (click-8.1.7 -> click-8.1)."""
    from simsearch.train import TrainConfig

    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    (tmp_path / "project" / "click-8.1.7").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project" / "click-8.1.7")
    names = {data: TrainConfig(mode="unsup", data=Path(data)).out.name for data in (".", "..", "../click-8.1.7")}
    assert names == {".": "click-8.1.7-unsup-simcse", "..": "project-unsup-simcse",
                     "../click-8.1.7": "click-8.1.7-unsup-simcse"}
    assert TrainConfig(mode="unsup", data=Path("notes.v2.txt")).out.name == "notes.v2-unsup-simcse"  # a file: as before
