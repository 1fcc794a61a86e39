"""Training trust, round 3: --out holds only what training wrote or is refused; one run per --out
at a time; Ctrl-C while saving keeps the model; evaluation data is checked before an earlier
checkpoint is touched; --resume follows the held-out split; a crash inside the final swap is
recovered. Tiny random models, a few steps each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import train as train_module
from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.train import TrainConfig, train
from simsearch.train import outdir
from tests.test_train import config, weights, write_notes_and_triplets
from tests.tiny_bert import create_random_bert


def staging_of(out: Path) -> Path:
    return out.parent / f".{out.name}.partial"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("trust3")
    model = create_random_bert(root / "tiny", hidden_size=32, heads=2, layers=2, pooler="avg", seed=0)
    return {"root": root, **write_notes_and_triplets(root), "model": model}


def quick(world, out: Path, **extra) -> TrainConfig:
    settings_ = {"max_steps": 2, "eval_steps": 2, **extra}
    return config(world["notes"], world["model"], out, **settings_)


@pytest.fixture(scope="module")
def trained(world):
    """A model folder exactly as training writes it."""
    out = world["root"] / "trained"
    train(quick(world, out))
    return out


# --- D1: --out is replaced only when it holds nothing but what training wrote ----------------

def test_a_folder_with_a_foreign_simsearch_json_is_refused_and_untouched(world, tmp_path):
    out = tmp_path / "proj"
    out.mkdir()
    (out / METADATA_FILE).write_text('{"note": "my own config, not a model"}')
    (out / "thesis.txt").write_text("thesis draft, 3 months of work")
    before = snapshot(out)
    with pytest.raises(SimsearchError, match=r"not a simsearch model \(its simsearch.json is not one simsearch train wrote\)"):
        train(quick(world, out))
    assert snapshot(out) == before
    assert not staging_of(out).exists()
    base = tmp_path / "base"  # a model folder of the user's, with the simsearch.json that says how it pools
    shutil.copytree(world["model"], base)
    before = snapshot(base)
    with pytest.raises(SimsearchError, match="is not one simsearch train wrote"):
        train(quick(world, base))
    assert snapshot(base) == before


def test_a_file_the_user_added_to_a_model_folder_is_refused_by_name(world, trained, tmp_path):
    out = tmp_path / "m"
    shutil.copytree(trained, out)
    (out / "NOTES.md").write_text("my notes about this model")
    (out / "eval").mkdir()
    (out / "eval" / "results.csv").write_text("q,score\n")
    before = snapshot(out)
    with pytest.raises(SimsearchError, match=r"holds NOTES\.md, which simsearch did not write"):
        train(quick(world, out))
    assert snapshot(out) == before
    (out / "NOTES.md").unlink()
    with pytest.raises(SimsearchError, match="holds eval/"):
        train(quick(world, out))
    assert snapshot(out)["eval/results.csv"] == b"q,score\n"
    shutil.rmtree(out / "eval")
    train(quick(world, out, seed=7))  # only what training wrote: replaced
    assert weights(out).keys() == weights(trained).keys()
    assert not torch.equal(*(weights(f)["embeddings.word_embeddings.weight"] for f in (out, trained)))


def test_the_saved_metadata_lists_exactly_the_files_of_the_folder(trained):
    meta = json.loads((trained / METADATA_FILE).read_text())
    assert meta["files"] == sorted(snapshot(trained))
    outdir._check_out(trained)  # a folder training wrote is accepted as it is


NAME = st.text(st.sampled_from("abcXYZ_.-0"), min_size=1, max_size=8).filter(lambda n: n not in (".", ".."))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(NAME, min_size=1, max_size=3), where=st.sampled_from(["", "1_Pooling"]))
def test_any_entry_training_did_not_write_is_refused_by_name(trained, tmp_path, parts, where):
    """Oracle: the folder's files before the extra one is added (what training wrote)."""
    out = Path(tmp_path) / "copy"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(trained, out)
    written = set(snapshot(out))
    relative = "/".join(([where] if where else []) + parts)
    if relative in written or any(w.startswith(relative + "/") for w in written) or any(
            relative.startswith(w + "/") for w in written):
        return  # a name training writes (or a path through one of its files)
    path = out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("the user's")
    with pytest.raises(SimsearchError) as refused:
        outdir._check_out(out)
    shown = str(refused.value).split("holds ")[1].split(",")[0]
    assert relative == shown or relative.startswith(shown.rstrip("/") + "/")
    assert path.read_text() == "the user's"


# --- D2: one run per --out at a time; the selected step is saved or nothing is ---------------

def test_a_second_run_into_the_same_out_is_refused_and_leaves_the_first_runs_work_alone(world, tmp_path):
    import fcntl

    out = tmp_path / "two"
    staging = staging_of(out)
    staging.mkdir()  # the first run's live work folder
    (staging / outdir.STAGING_MARKER).write_text("work folder\n")
    (staging / "train_log.jsonl").write_text('{"step": 0}\n')
    before = snapshot(staging)
    with open(tmp_path / ".two.lock", "a+") as first:  # the first run holds the lock, as train does
        fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SimsearchError, match=r"another `simsearch train` is writing to --out .*two"):
            train(quick(world, out))
        assert snapshot(staging) == before and not out.exists()
        (tmp_path / ".two.lock").unlink()  # as the first run does when it lets go (it made the file)
    train(quick(world, out))  # once it is released, the next run goes ahead
    assert out.is_dir() and not staging.exists() and not (tmp_path / ".two.lock").exists()


def test_a_lock_file_that_was_there_is_kept_and_a_file_system_without_locks_still_trains(world, tmp_path,
                                                                                        monkeypatch, capsys):
    import errno
    import fcntl

    out = tmp_path / "m"
    mine = tmp_path / ".m.lock"
    mine.write_text("the user's own file\n")
    train(quick(world, out))
    assert mine.read_text() == "the user's own file\n"  # locked and written to by nobody, never deleted

    def no_locks(handle, operation):  # Lustre without flock, some network file systems
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    ran = []
    with outdir.out_lock(tmp_path / "unlocked"):  # no traceback: the run goes on, warned
        ran.append(True)
    assert ran == [True]
    assert "this file system has no file locks" in " ".join(capsys.readouterr().err.split())


def test_the_lock_is_held_for_the_whole_run_and_released_after(world, tmp_path, monkeypatch):
    out = tmp_path / "held"
    seen = []
    plot = train_module.save._plot

    def plot_and_try_a_second_run(state, path, *kept):  # while the model is being saved
        with pytest.raises(SimsearchError, match="another `simsearch train`"), outdir.out_lock(out):
            pass
        seen.append(True)
        return plot(state, path, *kept)

    monkeypatch.setattr(train_module.save, "_plot", plot_and_try_a_second_run)
    train(quick(world, out))
    assert seen == [True]
    with outdir.out_lock(out):  # released
        pass


def test_a_selected_step_whose_weights_are_gone_is_a_bug_not_a_silent_last_step(world, tmp_path, monkeypatch):
    from tests.conftest import write_sts_fixture

    sts = write_sts_fixture(tmp_path / "data")
    out = tmp_path / "sel"
    monkeypatch.setattr(train_module.checkpoint, "_save_weights", lambda *args, **kwargs: None)  # best/ is never written
    with pytest.raises(RuntimeError, match=r"step 2 was selected but its weights are not in"):
        train(quick(world, out, max_steps=4, eval_data=sts))
    assert not out.exists()


def test_a_kept_steps_weights_gone_before_resume_are_said_and_chosen_again(world, tmp_path, monkeypatch, capsys):
    """A run killed while it replaced best/ (the old weights removed, the new not yet in place)
    resumes without the kept step's weights: it says so and the later steps choose again, where
    before it stopped at the end with a RuntimeError (and saved nothing of the resumed steps)."""
    from simsearch.train import Interrupted
    from tests.conftest import write_sts_fixture

    sts = write_sts_fixture(tmp_path / "data")
    out = tmp_path / "sel"
    make = lambda **extra: quick(world, out, max_steps=4, eval_data=sts, **extra)
    with pytest.raises(Interrupted):
        train(make(), stop_at_step=3)
    assert (staging_of(out) / "best").is_dir()  # step 2 was measured and kept
    shutil.rmtree(staging_of(out) / "best")
    capsys.readouterr()
    metadata = train(make(resume=True))
    assert "the weights of step 2, the best so far, were replaced after the checkpoint of step 3" in " ".join(
        capsys.readouterr().err.split())
    assert metadata["best_step"] == 4 and (out / "model.safetensors").is_file()


# --- D4: Ctrl-C while the finished model is saved: it is saved, then the run stops ------------

def test_ctrl_c_while_saving_finishes_the_save_then_reports_the_interruption(world, tmp_path, monkeypatch):
    import os
    import signal

    from simsearch.train import Interrupted

    out = tmp_path / "cs"
    reference = tmp_path / "ref"
    train(quick(world, reference))
    plot = train_module.save._plot

    def plot_with_two_ctrl_c(state, path, *kept):  # the save is under way: the user presses Ctrl-C twice
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        return plot(state, path, *kept)

    monkeypatch.setattr(train_module.save, "_plot", plot_with_two_ctrl_c)
    outside = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job ignores it)
    try:
        with pytest.raises(Interrupted, match=rf"while the finished model was being saved; it was saved in {out}"):
            try:
                train(quick(world, out))
            except KeyboardInterrupt:
                pytest.fail("Ctrl-C stopped the save of the finished model")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler before the run is back
    finally:
        signal.signal(signal.SIGINT, outside)
    assert not staging_of(out).exists()
    assert snapshot(out).keys() == snapshot(reference).keys()
    wa, wb = weights(out), weights(reference)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


# --- D8: evaluation data is read and checked before an earlier run's work is touched ----------

@pytest.mark.parametrize("damage", ["broken line without tabs\n", "a\tb\tc\td\tnot-a-number\tx\ty\n", b"\xff\xfe\n"])
def test_a_malformed_sts_dev_file_is_refused_before_the_checkpoint_is_touched(world, tmp_path, damage):
    from simsearch.train import Interrupted
    from tests.conftest import write_sts_fixture

    good, bad = write_sts_fixture(tmp_path / "good"), write_sts_fixture(tmp_path / "bad")
    dev = bad / "senteval" / "STS" / "STSBenchmark" / "sts-dev.csv"
    with open(dev, "ab") as f:
        f.write(damage if isinstance(damage, bytes) else damage.encode())
    out = tmp_path / "sb"
    with pytest.raises(Interrupted):
        train(quick(world, out, max_steps=4, eval_data=good), stop_at_step=2)
    before = snapshot(staging_of(out))
    assert "checkpoint.pt" in before
    for resume in (False, True):
        with pytest.raises(SimsearchError, match="sts-dev.csv:"):
            train(quick(world, out, max_steps=4, eval_data=bad, resume=resume))
        assert snapshot(staging_of(out)) == before and not out.exists()


# --- D3: the held-out split follows names relative to the data's folder; --resume checks it ----

def write_documents(folder: Path, count: int = 12) -> Path:
    """``count`` small documents of eight sentences each (enough for --recipe ict)."""
    from tests.test_train import corpus

    sentences = corpus(count * 8)
    folder.mkdir(parents=True)
    for d in range(count):
        (folder / f"doc{d:02d}.txt").write_text(" ".join(sentences[d * 8:(d + 1) * 8]) + "\n")
    return folder


DOC_NAMES = st.lists(st.text(st.sampled_from("abcd/"), min_size=1, max_size=6).map(lambda n: n.strip("/") or "x")
                     .filter(lambda n: "//" not in n), min_size=2, max_size=12, unique=True)


@settings(max_examples=50, deadline=None, database=None)
@given(names=DOC_NAMES, roots=st.lists(st.sampled_from(["/home/me/notes", "/tmp/x", "/mnt/backup/old notes", "/n"]),
                                       min_size=2, max_size=2), seed=st.integers(0, 5))
def test_the_same_folder_anywhere_holds_out_the_same_documents(names, roots, seed):
    """Oracle: the split of the documents named relative to their folder, wherever it is."""
    from simsearch import pairs

    if any(a != b and b.startswith(a + "/") for a in names for b in names):
        return  # a name cannot be both a file and a folder
    def split_at(root):
        documents = [pairs.Document(f"{root}/{n}", ("one two three.", "four five six.")) for n in names]
        held = train_module.data.heldout_split(pairs.relative_names(documents), seed)[1]
        return sorted(d.name for d in held)

    first, second = (split_at(r) for r in roots)
    assert first == second
    assert all(not name.startswith("/") for name in first)


def ict(world, data: Path, out: Path, **extra) -> TrainConfig:
    return config(data, world["model"], out, recipe="ict", max_steps=4, eval_steps=2, **extra)


def test_resume_after_the_folder_was_moved_equals_an_uninterrupted_run(world, tmp_path):
    from simsearch.train import Interrupted

    first = write_documents(tmp_path / "dm1")
    out = tmp_path / "mv"
    with pytest.raises(Interrupted):
        train(ict(world, first, out), stop_at_step=2)
    moved = first.rename(tmp_path / "elsewhere-dm2")
    train(ict(world, moved, out, resume=True))
    reference = tmp_path / "ref"
    train(ict(world, moved, reference))
    wa, wb = weights(out), weights(reference)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    meta, ref = (json.loads((f / METADATA_FILE).read_text()) for f in (out, reference))
    assert meta["heldout"] == ref["heldout"]


def test_resume_is_refused_when_the_held_out_documents_would_differ(world, tmp_path):
    from simsearch.train import Interrupted

    data = write_documents(tmp_path / "docs")
    out = tmp_path / "rn"
    with pytest.raises(Interrupted):
        train(ict(world, data, out), stop_at_step=2)
    before = snapshot(staging_of(out))
    for path in sorted(data.iterdir()):  # the same text in the same order, under other names
        path.rename(path.with_name("x-" + path.name))
    with pytest.raises(SimsearchError, match=r"--resume: this run differs from the interrupted one in held-out documents"):
        train(ict(world, data, out, resume=True))
    assert snapshot(staging_of(out)) == before


# --- D6: ict's step cap applies only when neither --epochs nor --max-steps is given -----------

@settings(max_examples=40, deadline=None, database=None)
@given(epochs=st.one_of(st.none(), st.integers(1, 4)), max_steps=st.one_of(st.none(), st.integers(1, 500)),
       chosen_later=st.booleans())
def test_ict_caps_its_steps_only_when_the_length_of_the_run_was_not_given(epochs, max_steps, chosen_later):
    """Oracle: the cap when neither option was given; otherwise exactly what was given."""
    from simsearch.train.config import ICT_MAX_STEPS, MODE_DEFAULTS

    if chosen_later:  # no --recipe: resolve_recipe chooses ict from the data, then applies its defaults
        cfg = TrainConfig(mode="unsup", data="d", epochs=epochs, max_steps=max_steps)
        cfg.recipe = "ict"
        cfg._recipe_defaults()
    else:
        cfg = TrainConfig(mode="unsup", data="d", recipe="ict", epochs=epochs, max_steps=max_steps)
    expected = ICT_MAX_STEPS if epochs is None and max_steps is None else max_steps
    assert cfg.max_steps == expected
    assert cfg.epochs == (MODE_DEFAULTS["unsup"]["epochs"] if epochs is None else epochs)


# --- D10: a run killed inside the final swap is recovered by the next run ---------------------

class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even an ``except Exception``)."""


def test_a_run_killed_between_the_two_renames_of_the_swap_is_recovered(world, trained, tmp_path, monkeypatch):
    from simsearch.train import Interrupted

    out = tmp_path / "swap"
    shutil.copytree(trained, out)
    previous = snapshot(out)
    rename = Path.rename

    def killed_before_the_new_model_is_in(self, target):
        if Path(target) == out:  # the second rename: the old model is already aside
            raise Killed
        return rename(self, target)

    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)  # an OS without an atomic exchange
    monkeypatch.setattr(Path, "rename", killed_before_the_new_model_is_in)
    with pytest.raises(Killed):
        train(quick(world, out, seed=3))
    monkeypatch.setattr(Path, "rename", rename)
    aside = [p.name for p in tmp_path.iterdir() if p.name.startswith(".swap.old-")]
    assert not out.exists() and len(aside) == 1  # the state a SIGKILL there leaves
    with pytest.raises(Interrupted):  # the next run, whatever becomes of it, first puts the model back
        train(quick(world, out, seed=3), stop_at_step=1)
    assert snapshot(out) == previous
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".swap.old-")]
    train(quick(world, out, seed=3, resume=True))  # and replacing it in two renames works when nothing is killed
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".swap.old-")]
    assert snapshot(out).keys() == previous.keys() and snapshot(out) != previous


def test_the_swap_replaces_the_model_in_one_step_where_the_os_can(world, trained, tmp_path, monkeypatch):
    out = tmp_path / "atomic"
    shutil.copytree(trained, out)
    swaps = []
    exchange = outdir._exchange
    monkeypatch.setattr(outdir, "_exchange", lambda a, b: swaps.append(exchange(a, b)) or swaps[-1])
    train(quick(world, out, seed=5))
    if swaps != [True]:
        pytest.skip("no atomic exchange on this OS or file system")
    assert not torch.equal(*(weights(f)["embeddings.word_embeddings.weight"] for f in (out, trained)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic"]  # nothing left beside it


# --- cosmetics: the divergence hint names the extreme option; base_path is absolute -----------

@pytest.mark.parametrize("extreme, named", [({"temp": 1e-308}, "--temp 1e-308 is extreme"),
                                            ({"distill": 1e308}, "--distill 1e+308 is extreme")])
def test_a_divergence_from_an_extreme_option_names_it_not_the_learning_rate(world, tmp_path, extreme, named):
    from simsearch.train import TrainingDiverged

    out = tmp_path / "div"
    with pytest.raises(TrainingDiverged) as diverged:
        train(quick(world, out, **extreme))
    assert named in str(diverged.value) and "--lr" not in str(diverged.value)
    assert not out.exists() and not staging_of(out).exists()


def test_base_path_is_recorded_absolute(world, tmp_path, monkeypatch):
    monkeypatch.chdir(Path(world["model"]).parent)
    out = tmp_path / "abs"
    train(config(world["notes"], Path(world["model"]).name, out, max_steps=2, eval_steps=2))
    meta = json.loads((out / METADATA_FILE).read_text())
    assert Path(meta["base_path"]).is_absolute() and Path(meta["base_path"]) == Path(world["model"]).absolute()
    assert f"(`{meta['base_path']}`)" in (out / "README.md").read_text()


def test_a_model_folder_from_before_files_were_listed_may_hold_any_weights_or_tokenizer_file(trained):
    """Models written before simsearch.json listed its files are checked against the names
    training (through transformers) can write: a SentencePiece vocabulary, weights in shards."""
    meta = json.loads((trained / METADATA_FILE).read_text())
    meta.pop("files", None)
    for name in ("spm.model", "model-00001-of-00002.safetensors", "model.safetensors.index.json"):
        assert outdir._unexpected_entry(trained, meta) is None
        (trained / name).write_text("x")
        assert outdir._unexpected_entry(trained, meta) is None, name
        (trained / name).unlink()
    (trained / "model-1-of-2.safetensors").write_text("x")  # not a shard name transformers writes
    assert outdir._unexpected_entry(trained, meta) == "model-1-of-2.safetensors"
    (trained / "model-1-of-2.safetensors").unlink()


def test_resume_while_another_run_writes_the_out_says_so(world, tmp_path):
    out = tmp_path / "busy"
    with outdir.out_lock(out):  # another run holds --out and has no checkpoint yet
        with pytest.raises(SimsearchError, match=r"--resume: another `simsearch train` is writing to --out .*busy now"):
            train(quick(world, out, resume=True))
    with pytest.raises(SimsearchError, match="--resume: no checkpoint at"):  # nobody holds it: nothing to resume
        train(quick(world, out, resume=True))
    assert not outdir.out_locked_elsewhere(out)


def test_resume_after_a_run_killed_without_a_checkpoint_says_it_was_stopped_not_that_nothing_was(world, tmp_path):
    """kill -9 before a run's first checkpoint leaves its work folder without one: --resume said
    "nothing was interrupted", which was false; it now says what happened and what to run.
    (trial 44a: SIGKILL at step 3 of 10 of `train --from-index` over Alembic's docs)"""
    out = tmp_path / "killed"
    staging = staging_of(out)
    outdir._fresh_staging(staging)  # what the killed run had made: its marker and its log
    (staging / "train_log.jsonl").write_text('{"step": 0, "loss": null}\n')
    left = snapshot(staging)
    with pytest.raises(SimsearchError) as refused:
        train(quick(world, out, resume=True))
    message = str(refused.value)
    assert "stopped before it saved a checkpoint" in message and "without --resume" in message
    assert "nothing was interrupted" not in message
    assert snapshot(staging) == left and not out.exists()
    train(quick(world, out))  # the same command without --resume starts again
    assert (out / METADATA_FILE).is_file() and not staging.exists()


# --- session 44 (trial A): the model's files get the mode every new file gets -------------------

@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_the_saved_model_files_follow_the_umask(world, tmp_path, mask):
    """safetensors wrote model.safetensors 0600 beside 0644 files: copied to a shared models folder,
    another user could read the model's card but not load it."""
    import os
    import stat

    before = os.umask(mask)
    try:
        train(quick(world, tmp_path / "m"))
    finally:
        os.umask(before)
    modes = {p.relative_to(tmp_path / "m").as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "m").rglob("*") if p.is_file()}
    assert "model.safetensors" in modes and set(modes.values()) == {0o666 & ~mask}, modes


# --- session 44 (trial A): a forgotten --resume keeps the interrupted run's checkpoint ----------

def test_the_same_command_without_resume_is_refused_while_its_checkpoint_is_there(world, tmp_path):
    from simsearch.train import Interrupted

    out = tmp_path / "m"
    with pytest.raises(Interrupted):
        train(quick(world, out, max_steps=4), stop_at_step=2)
    checkpoint = staging_of(out) / "checkpoint.pt"
    saved = checkpoint.read_bytes()
    with pytest.raises(SimsearchError, match=r"saved a checkpoint at step 2 in .*: add --resume to go on from it, "
                                             r"or delete that folder to start again"):
        train(quick(world, out, max_steps=4))
    assert checkpoint.read_bytes() == saved and not out.exists()
    train(quick(world, out, max_steps=4, seed=7))  # other settings: it cannot be resumed, so it is replaced
    assert out.is_dir() and not staging_of(out).exists()


# --- session 49 (trial notes): the warning that replaces another run's checkpoint --------------

def test_replacing_another_runs_checkpoint_says_how_it_differs_not_to_pass_resume(world, tmp_path, capsys):
    """`train --from-index` stopped at step 10 of 60, then run with --max-steps 20: the warning said
    "pass --resume to continue it instead", and this command with --resume is refused (its
    --max-steps differs). Now it names the difference and what could continue that run."""
    from simsearch.train import Interrupted

    out = tmp_path / "m"
    with pytest.raises(Interrupted):
        train(quick(world, out, max_steps=4), stop_at_step=2)
    capsys.readouterr()
    train(quick(world, out, max_steps=3))
    err = " ".join(capsys.readouterr().err.split())
    assert "discarding the checkpoint of an interrupted run" in err
    assert "pass --resume" not in err
    assert "that run differs from this one in --max-steps (4 then, 3 now)" in err
    assert "only that run's own options with --resume could continue it" in err
    with pytest.raises(Interrupted):  # this command's --resume indeed cannot continue a 4-step run
        train(quick(world, out, max_steps=4), stop_at_step=2)
    with pytest.raises(SimsearchError, match=r"differs from the interrupted one in --max-steps \(4 then, 3 now\)"):
        train(quick(world, out, max_steps=3, resume=True))
