"""Checkpoints saved as a run goes (``--checkpoint-every``): a run killed at any moment, by
kill -9, a crash or a power cut, resumes with ``--resume`` to the very run an uninterrupted one
is. Before session 45 only Ctrl-C and SIGTERM saved one: a killed run started again from step 1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file
from hypothesis import given
from hypothesis import strategies as st

import simsearch.train as training
from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.train import train
from simsearch.train.checkpoint import BEST_STEP_FILE
from tests.test_train import config
from tests.test_train_trust import FAST, assert_same_run, log_of, staging_of, world  # noqa: F401 (a fixture)

STEPS = 6


class Killed(BaseException):
    """kill -9 as the run would see it, if it could: nothing of simsearch's own handling runs."""


def make(world, out, **extra):
    """Evaluated every 2 steps against STS-B dev (the best step is kept), a checkpoint after every step."""
    settings = dict(max_steps=STEPS, eval_steps=2, eval_data=world["sts"], checkpoint_every=1e-9)
    return config(world["notes"], world["model"], out, **{**settings, **extra})


@pytest.fixture(scope="module")
def uninterrupted(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "full"
    train(make(world, out))
    return out


def killed_in(monkeypatch, name: str, when) -> None:
    """Make ``simsearch.train.<name>`` die (``Killed``) at its first call for which ``when(run)`` holds."""
    original = getattr(training, name)

    def dying(run, *args, **kwargs):
        if when(run):
            raise Killed
        return original(run, *args, **kwargs)

    monkeypatch.setattr(training, name, dying)


@FAST
@given(step=st.integers(1, STEPS - 1))
def test_killed_during_any_step_resumes_to_the_uninterrupted_run(world, uninterrupted, tmp_path_factory, step):
    """Killed while computing step ``step + 1``: the checkpoint of step ``step`` is there, and the
    run resumed from it saves the weights, log and selection of a run never stopped."""
    out = tmp_path_factory.mktemp("cut") / "cut"
    with pytest.MonkeyPatch.context() as monkeypatch:
        killed_in(monkeypatch, "_step", lambda run: run.state.step == step)
        with pytest.raises(Killed):
            train(make(world, out))
    assert not out.exists()
    saved = torch.load(staging_of(out) / "checkpoint.pt", weights_only=True)
    assert saved["state"]["step"] == step
    train(make(world, out, resume=True))
    assert_same_run(uninterrupted, out)
    assert not staging_of(out).exists()


# STS-B dev as it would score each step of a model that learns: better at 2 and at 4.
SCORES = {1: 10.0, 2: 30.0, 3: 20.0, 4: 40.0, 5: 35.0, 6: 25.0}


def scored(monkeypatch, scores: dict) -> None:
    original = training._figures

    def figures(run, evaluator, key):
        found = original(run, evaluator, key)
        if run.state.step:
            found["stsb_dev"] = scores[run.state.step]
        return found

    monkeypatch.setattr(training, "_figures", figures)


def killed_after_step_4s_weights(world, out) -> None:
    """A run killed after it saved step 4's weights as the best, in the checkpoint that follows
    them: the last checkpoint is step 3's, which kept step 2."""
    with pytest.MonkeyPatch.context() as dying:
        scored(dying, SCORES)
        killed_in(dying, "_checkpoint", lambda run: run.state.step == 4)
        with pytest.raises(Killed):
            train(make(world, out, eval_steps=1))
    assert (staging_of(out) / "best" / BEST_STEP_FILE).read_text().strip() == "4"
    saved = torch.load(staging_of(out) / "checkpoint.pt", weights_only=True)
    assert (saved["state"]["step"], saved["state"]["best_step"]) == (3, 2)


def test_killed_between_a_better_steps_weights_and_its_checkpoint(world, tmp_path, monkeypatch, capsys):
    """best/ then holds step 4, which the last checkpoint (step 3's, keeping step 2) does not
    know: the resumed run says so and chooses again from step 4 on. The steps compute as before,
    so it keeps step 4 again, as the uninterrupted run did."""
    with pytest.MonkeyPatch.context() as same:
        scored(same, SCORES)
        train(make(world, tmp_path / "full", eval_steps=1))
    out = tmp_path / "cut"
    killed_after_step_4s_weights(world, out)
    capsys.readouterr()
    scored(monkeypatch, SCORES)
    train(make(world, out, eval_steps=1, resume=True))
    said = " ".join(capsys.readouterr().err.split())
    assert "the weights of step 2, the best so far, were replaced after the checkpoint of step 3 was saved" in said
    assert_same_run(tmp_path / "full", out)
    assert json.loads((out / METADATA_FILE).read_text())["best_step"] == 4
    assert not (out / BEST_STEP_FILE).exists()  # the work folder's note is not part of the model


def test_a_kept_steps_weights_are_that_steps_when_the_resumed_run_scores_otherwise(world, tmp_path, monkeypatch):
    """Resumed where the steps score otherwise (another machine's arithmetic), step 4 no longer
    beats step 2. Before, best/ kept step 4's weights and the model was saved with them as "step
    2": one step's weights under another's name. Now the steps from 4 on choose (step 5 here),
    and the model holds step 5's weights: those of a run that kept step 5 all along."""
    resumed_scores = {4: 25.0, 5: 28.0, 6: 20.0}
    with pytest.MonkeyPatch.context() as reference:
        scored(reference, {1: 10.0, 2: 20.0, 3: 20.0, **resumed_scores})
        assert train(make(world, tmp_path / "five", eval_steps=1))["best_step"] == 5
    out = tmp_path / "cut"
    killed_after_step_4s_weights(world, out)
    scored(monkeypatch, {**SCORES, **resumed_scores})
    assert train(make(world, out, eval_steps=1, resume=True))["best_step"] == 5
    five, cut = (load_file(str(folder / "model.safetensors")) for folder in (tmp_path / "five", out))
    assert all(torch.equal(five[k], cut[k]) for k in five)


def test_killed_before_the_first_checkpoint_says_what_saves_one(world, tmp_path, monkeypatch):
    out = tmp_path / "cut"
    killed_in(monkeypatch, "_step", lambda run: True)
    with pytest.raises(Killed):
        train(make(world, out, checkpoint_every=5))
    monkeypatch.undo()
    with pytest.raises(SimsearchError, match="stopped before it saved a checkpoint .*every 5 minutes "
                                             r"\(--checkpoint-every\) and on Ctrl-C or SIGTERM"):
        train(make(world, out, checkpoint_every=5, resume=True))
    with pytest.raises(Killed), pytest.MonkeyPatch.context() as again:
        killed_in(again, "_step", lambda run: True)
        train(make(world, out, checkpoint_every=0))
    with pytest.raises(SimsearchError, match="with --checkpoint-every 0 only Ctrl-C or SIGTERM saves one"):
        train(make(world, out, checkpoint_every=0, resume=True))


def test_no_checkpoint_is_saved_as_a_run_goes_with_checkpoint_every_0(world, tmp_path, monkeypatch):
    saves = []
    original = training._checkpoint
    monkeypatch.setattr(training, "_checkpoint", lambda run: saves.append(run.state.step) or original(run))
    train(make(world, tmp_path / "off", checkpoint_every=0))
    train(make(world, tmp_path / "on"))
    assert saves == list(range(1, STEPS))  # every step but the last (its weights are the model)
    assert_same_run(tmp_path / "off", tmp_path / "on")  # saving one changes nothing the run computes


def test_real_sigkill_then_resume_equals_an_uninterrupted_run(world, uninterrupted, tmp_path):
    """kill -9 of the real command; the same command again without --resume is refused (it would
    throw the steps away), and --resume ends where a run never stopped ends."""
    out = tmp_path / "cut"
    args = [sys.executable, "-m", "simsearch", "train", "--unsup", str(world["notes"]), "-m", str(world["model"]),
            "--out", str(out), "--batch-size", "8", "--max-steps", str(STEPS), "--eval-steps", "2", "--lr", "1e-3",
            "--device", "cpu", "--data", str(world["sts"]), "--json"]
    # Same thread count as this process, so both compute in the same order (bit-equal results).
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    process = subprocess.Popen(args + ["--checkpoint-every", "0.000001"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    checkpoint = staging_of(out) / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run ended before it could be killed (a machine this fast: nothing was tested)")
    assert process.returncode == -signal.SIGKILL and checkpoint.is_file() and not out.exists()
    again = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 2 and "saved a checkpoint at step" in again.stderr and "--resume" in again.stderr
    assert "Traceback" not in again.stderr and checkpoint.is_file()
    train(make(world, out, resume=True))
    assert_same_run(uninterrupted, out)



def full_disk_from(monkeypatch, step: int) -> None:
    """Checkpoints fail as on a full disk from step ``step`` on, after part of the file is written."""
    import errno

    def opening(path, mode="r", *args, **kwargs):
        file = open(path, mode, *args, **kwargs)
        if str(path).endswith("checkpoint.pt.tmp") and saving[0] >= step:
            file.write(b"half a checkpoint")
            file.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return file

    saving = [0]
    original = training._checkpoint
    monkeypatch.setattr(training, "_checkpoint", lambda run: saving.__setitem__(0, run.state.step) or original(run))
    monkeypatch.setattr(training.checkpoint, "open", opening, raising=False)


def test_a_full_disk_at_a_periodic_checkpoint_warns_and_the_run_goes_on(world, uninterrupted, tmp_path, monkeypatch,
                                                                        capsys):
    """Before, torch's writer raised "RuntimeError: [enforce fail at inline_container.cc:672] .
    unexpected pos 17920 vs 17814" as a traceback, the run was lost, and a half-written
    checkpoint.pt.tmp was left filling the disk. Now each failed checkpoint is a warning naming
    the one there is to resume from, the half-written file goes, and the run ends as a run
    whose checkpoints were all written."""
    out = tmp_path / "full"
    full_disk_from(monkeypatch, 3)
    train(make(world, out))
    said = " ".join(capsys.readouterr().err.split())
    assert ("the checkpoint of step 3 could not be saved in " in said and "(No space left on device); the one of "
            "step 2 is there to --resume from; training goes on" in said), said
    assert "Traceback" not in said
    # Session 47: said once, not at each checkpoint (steps 3, 4 and 5 failed), then summed up.
    assert said.count("could not be saved") == 2 and "checkpoint of step 4" not in said, said
    assert ("3 of 5 checkpoints could not be saved in " in said and " as the run went (the last: No space left on "
            "device); the last saved holds step 2" in said), said
    assert_same_run(uninterrupted, out)


def test_the_time_spent_writing_checkpoints_is_not_training_time(world, tmp_path, monkeypatch):
    """Session 47: `train_seconds` is documented as the steps alone (evaluations counted apart),
    but the checkpoints written as the run went were counted in it: 5 checkpoints of 0.4 s each in
    a run of 6 steps counted 5 checkpoints' writing. They are counted in neither now (each
    checkpoint here takes 100 s by the clock the run's time is counted with)."""
    original, clock, later = training._save_checkpoint, time.perf_counter, [0.0]

    def slow(*args, **kwargs):
        later[0] += 100.0
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "_save_checkpoint", slow)
    monkeypatch.setattr(training.time, "perf_counter", lambda: clock() + later[0])
    metadata = train(make(world, tmp_path / "slow"))
    assert later[0] == 500.0 and metadata["train_seconds"] < 100.0, metadata["train_seconds"]


def test_a_full_disk_when_ctrl_c_saves_says_which_checkpoint_is_left(world, uninterrupted, tmp_path, monkeypatch):
    out = tmp_path / "cut"
    with pytest.MonkeyPatch.context() as full:
        full_disk_from(full, 4)
        with pytest.raises(training.Interrupted, match=r"interrupted at step 4 of 6, but the checkpoint of step 4 could "
                                                       r"not be saved in .* \(No space left on device\); the one of step "
                                                       "3 is there to --resume from"):
            train(make(world, out), stop_at_step=4)
    assert sorted(p.name for p in staging_of(out).iterdir()) == ["best", "checkpoint.pt", "simsearch-staging",
                                                                  "train_log.jsonl"]
    assert torch.load(staging_of(out) / "checkpoint.pt", weights_only=True)["state"]["step"] == 3
    train(make(world, out, resume=True))
    assert_same_run(uninterrupted, out)


@pytest.mark.parametrize("error", ["OSError", "safetensors'"])
def test_a_full_disk_when_the_best_weights_are_saved_stops_in_a_line(world, uninterrupted, tmp_path, monkeypatch,
                                                                     error):
    """Going on would save another step's weights as the model; stopped, the last checkpoint
    and best/ agree, and --resume (room made) ends as the uninterrupted run. safetensors says a
    full disk as a bare Exception, "No space left on device (os error 28)" (found on a 4 MiB tmpfs)."""
    import errno

    out = tmp_path / "cut"
    real = training.checkpoint._save_weights

    def full(model, tokenizer, folder, step=None):
        if step == 2:
            (folder.with_name("best.tmp")).mkdir()
            (folder.with_name("best.tmp") / "model.safetensors").write_bytes(b"half")
            if error == "OSError":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise Exception("No space left on device (os error 28)")  # noqa: TRY002 (as safetensors raises it)
        return real(model, tokenizer, folder, step)

    with pytest.MonkeyPatch.context() as dying:
        dying.setattr(training.checkpoint, "_save_weights", full)
        with pytest.raises(SimsearchError, match=r"the weights of step 2, the best so far, could not be saved in .*best "
                                                 r"\(No space left on device\); make room, then run the same command "
                                                 "with --resume to go on from the checkpoint of step 1"):
            train(make(world, out))
    train(make(world, out, resume=True))
    assert_same_run(uninterrupted, out)


def test_a_full_disk_when_the_model_is_saved_says_so_in_a_line(world, uninterrupted, tmp_path, monkeypatch):
    """Before: shutil.Error's list of files as a traceback. Now one line, the half-copied model
    removed, and --resume (room made) redoes the last step."""
    import errno
    import shutil

    out = tmp_path / "cut"

    def full(src, dst, **kwargs):
        (dst / "x").parent.mkdir(parents=True)
        raise shutil.Error([(str(src), str(dst), f"[Errno 28] {os.strerror(errno.ENOSPC)}: '{src}' -> '{dst}'")])

    with pytest.MonkeyPatch.context() as dying:
        dying.setattr(training.shutil, "copytree", full)
        with pytest.raises(SimsearchError, match=r"the trained model could not be saved in .*model \(No space left on "
                                                 r"device\); make room, then run the same command with --resume to go on "
                                                 "from the checkpoint of step 5$"):
            train(make(world, out))
    assert not (staging_of(out) / "model").exists() and not out.exists()
    train(make(world, out, resume=True))
    assert_same_run(uninterrupted, out)


@pytest.mark.parametrize("variant", ["micro-batch", "distill", "sup with hard negatives", "ict, held-out documents"])
def test_killed_mid_run_resumes_to_the_uninterrupted_run_in_every_mode(world, tmp_path, monkeypatch, variant):
    """Gradient caching (its replayed dropout), the teacher's embeddings, hard negatives, ict's
    held-out selection: each killed (kill -9, as a crash) after the checkpoint of step 3 resumes
    to the weights, log and kept step of a run never stopped."""
    from tests.test_train_evidence import write_documents

    monkeypatch.chdir(tmp_path)  # no ../shared/data from here: ict's held-out retrieval selects
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)

    def made(out, **extra):
        if variant == "micro-batch":
            return make(world, out, micro_batch=2, **extra)
        if variant == "distill":
            return make(world, out, distill=5.0, **extra)
        if variant == "sup with hard negatives":
            return config(world["triplets"], world["model"], out, mode="sup", pooler="cls", batch_size=24,
                          hard_negative_weight=2.0, **{**settings, **extra})
        documents = tmp_path / "docs"
        if not documents.exists():
            write_documents(documents)
        return config(documents, world["model"], out, recipe="ict", **{**settings, "eval_data": None, **extra})

    settings = dict(max_steps=STEPS, eval_steps=2, eval_data=world["sts"], checkpoint_every=1e-9)

    full = tmp_path / "full"
    metadata = train(made(full))
    if variant.startswith("ict"):
        assert metadata["selection"] == "best held-out retrieval"
    out = tmp_path / "cut"
    with pytest.MonkeyPatch.context() as monkeypatch:
        killed_in(monkeypatch, "_step", lambda run: run.state.step == 3)
        with pytest.raises(Killed):
            train(made(out))
    train(made(out, resume=True))
    wa, wb = (load_file(str(f / "model.safetensors")) for f in (full, out))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert log_of(full) == log_of(out)
    ma, mb = (json.loads((f / METADATA_FILE).read_text()) for f in (full, out))
    assert (ma["best_step"], ma["heldout"], mb["resumed_from_step"]) == (mb["best_step"], mb["heldout"], 3)


@pytest.mark.parametrize("moment", ["writing best.tmp", "between removing best and renaming best.tmp"])
def test_killed_while_a_better_steps_weights_are_saved(world, tmp_path, monkeypatch, capsys, moment):
    """kill -9 in the middle of saving step 4's weights (the last checkpoint, step 3's, keeps step
    2): half a best.tmp beside step 2's best/, or no best/ at all. Resumed, the run ends as one
    never stopped, and never with a half-written copy."""
    import shutil

    with pytest.MonkeyPatch.context() as same:
        scored(same, SCORES)
        train(make(world, tmp_path / "full", eval_steps=1))
    out = tmp_path / "cut"
    real_rmtree, real_save = shutil.rmtree, training.checkpoint._save_weights

    def dying_save(model, tokenizer, folder, step=None):
        if step == 4 and moment == "writing best.tmp":
            tmp = folder.with_name("best.tmp")
            tmp.mkdir()
            (tmp / "model.safetensors").write_bytes(b"half")
            raise Killed
        return real_save(model, tokenizer, folder, step)

    def dying_rmtree(path, *args, **kwargs):
        real_rmtree(path, *args, **kwargs)
        if path.name == "best" and (path.with_name("best.tmp") / BEST_STEP_FILE).read_text().strip() == "4":
            raise Killed

    with pytest.MonkeyPatch.context() as dying:
        scored(dying, SCORES)
        dying.setattr(training.checkpoint, "_save_weights", dying_save)
        if moment.startswith("between"):
            dying.setattr(training.shutil, "rmtree", dying_rmtree)
        with pytest.raises(Killed):
            train(make(world, out, eval_steps=1))
    assert torch.load(staging_of(out) / "checkpoint.pt", weights_only=True)["state"]["step"] == 3
    assert (staging_of(out) / "best").is_dir() == (moment == "writing best.tmp")
    capsys.readouterr()
    scored(monkeypatch, SCORES)
    train(make(world, out, eval_steps=1, resume=True))
    assert_same_run(tmp_path / "full", out)
    assert ("were replaced after the checkpoint of step 3" in " ".join(capsys.readouterr().err.split())) == (
        moment.startswith("between"))


def test_a_damaged_step_note_in_best_is_weights_the_checkpoint_does_not_know(world, tmp_path, monkeypatch, capsys):
    """best/'s step note emptied (a power cut before it reached the disk): before, int('') was a
    ValueError traceback on --resume. Now those weights are discarded as unknown ones are."""
    with pytest.MonkeyPatch.context() as same:
        scored(same, SCORES)
        train(make(world, tmp_path / "full", eval_steps=1))
    out = tmp_path / "cut"
    killed_after_step_4s_weights(world, out)
    (staging_of(out) / "best" / BEST_STEP_FILE).write_text("")
    scored(monkeypatch, SCORES)
    train(make(world, out, eval_steps=1, resume=True))
    assert "the best so far, were replaced after the checkpoint of step 3" in " ".join(capsys.readouterr().err.split())
    assert_same_run(tmp_path / "full", out)


def test_the_best_weights_and_the_checkpoint_reach_the_disk_before_they_are_renamed_into_place(world, tmp_path,
                                                                                               monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(training.os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real(fd))
    train(make(world, tmp_path / "out", max_steps=3))
    names = [path.rsplit("/", 1)[-1] for path in synced]
    assert "checkpoint.pt.tmp" in names and ".out.partial" in names  # the file, then its folder's rename
    assert any(path.endswith("best.tmp/model.safetensors") for path in synced)


def test_the_trained_model_reaches_the_disk_before_it_replaces_the_old_one(world, tmp_path, monkeypatch):
    """Session 45's review: the model's files were renamed into --out unsynced, so a power cut
    just after a run could leave empty files where the old model was."""
    events = []
    real_fsync, real_swap = os.fsync, training.save._swap_in
    monkeypatch.setattr(training.os, "fsync",
                        lambda fd: events.append(os.readlink(f"/proc/self/fd/{fd}")) or real_fsync(fd))
    monkeypatch.setattr(training.save, "_swap_in", lambda final, out: events.append("swap") or real_swap(final, out))
    train(make(world, tmp_path / "out", max_steps=2, checkpoint_every=0))
    swap = events.index("swap")
    assert any(path.endswith("model/model.safetensors") for path in events[:swap])


def test_a_full_disk_while_the_log_grows_is_a_warning_and_the_model_s_log_is_whole(world, uninterrupted, tmp_path,
                                                                                   monkeypatch, capsys):
    """The record of each evaluation is appended to the work folder's train_log.jsonl as the run
    goes; a full disk there was an OSError traceback that lost the run. It is a warning now: the
    records are kept, and the model's log, written from them, is whole."""
    import builtins
    import errno

    def full(path, mode="r", *args, **kwargs):
        if str(path).endswith("train_log.jsonl") and mode == "a":
            raise OSError(errno.ENOSPC, "No space left on device")
        return builtins.open(path, mode, *args, **kwargs)

    monkeypatch.setattr(training, "open", full, raising=False)
    out = tmp_path / "full-disk"
    train(make(world, out))
    said = " ".join(capsys.readouterr().err.split())
    assert "step 2's record could not be added to" in said and "(No space left on device); it is kept" in said
    assert_same_run(uninterrupted, out)


def test_a_full_disk_when_a_resumed_run_rewrites_its_log_is_one_line(world, tmp_path, monkeypatch):
    import errno

    out = tmp_path / "cut"
    with pytest.MonkeyPatch.context() as dying:
        killed_in(dying, "_step", lambda run: run.state.step == 3)
        with pytest.raises(Killed):
            train(make(world, out))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(training, "_write_log", full)
    checkpoint = (staging_of(out) / "checkpoint.pt").read_bytes()
    with pytest.raises(SimsearchError, match=r"^--resume: .*train_log\.jsonl could not be written \(No space left on "
                                             r"device\); make room, then run the same command again$"):
        train(make(world, out, resume=True))
    assert (staging_of(out) / "checkpoint.pt").read_bytes() == checkpoint
