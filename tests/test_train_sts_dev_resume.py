"""``train --resume`` and STS-B dev, which chooses the step kept: the interrupted run's pairs
are signed by their content, not only by the folder's path (session 32)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE
from simsearch.train import Interrupted, train
from tests.conftest import write_sts_fixture
from tests.test_train import config, write_notes_and_triplets
from tests.test_train_trust import assert_same_run, staging_of
from tests.tiny_bert import create_random_bert


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("sts-dev-resume")
    model = create_random_bert(root / "tiny", hidden_size=32, heads=2, layers=2, pooler="cls_before_pooler", seed=0)
    return {"root": root, **write_notes_and_triplets(root), "model": model}


def interrupted(world, tmp_path, **extra):
    """A run interrupted after step 2, its own STS data folder (to edit), and how to make it again."""
    sts = write_sts_fixture(tmp_path / "data")

    def make(**more):
        return config(world["notes"], world["model"], tmp_path / "out", max_steps=4, eval_steps=2,
                      **{"eval_data": sts, **extra, **more})

    with pytest.raises(Interrupted):
        train(make(), stop_at_step=2)
    return make, sts, stsb_file(sts, "dev")


def stsb_file(root: Path, split: str) -> Path:
    return root / "senteval" / "STS" / "STSBenchmark" / f"sts-{split}.csv"


def swapped_scores(dev: Path) -> None:
    """The same sentences with other gold scores: another model-selection criterion."""
    rows = [line.split("\t") for line in dev.read_text().splitlines()]
    scores = [r[4] for r in rows]
    dev.write_text("".join("\t".join([*r[:4], s, *r[5:]]) + "\n" for r, s in zip(rows, reversed(scores))))


def test_resume_with_other_sts_dev_pairs_is_refused_naming_the_file(world, tmp_path, run_cli):
    make, sts, dev = interrupted(world, tmp_path)
    checkpoint = (staging_of(tmp_path / "out") / "checkpoint.pt").read_bytes()
    original = dev.read_bytes()
    swapped_scores(dev)
    with pytest.raises(SimsearchError, match=r"^--resume: this run differs from the interrupted one in the STS-B dev "
                                             r"pairs of .*sts-dev\.csv, which choose the step kept \(sha256 '[0-9a-f]{12}' "
                                             r"then, '[0-9a-f]{12}' now\); resume with the same options and data") as err:
        train(make(resume=True))
    assert str(dev.resolve()) in str(err.value) and "\n" not in str(err.value)
    assert (staging_of(tmp_path / "out") / "checkpoint.pt").read_bytes() == checkpoint  # a refusal changes nothing
    # One more pair is other content too.
    dev.write_bytes(original + b"main-captions\tMSRvid\t2012test\t0099\t2.0\ta dog runs .\ta dog is running .\n")
    with pytest.raises(SimsearchError, match=r"STS-B dev pairs of .*sts-dev\.csv"):
        train(make(resume=True))
    # From the command line: one line, exit status 2.
    code, _, err_text = run_cli("train", "--unsup", world["notes"], "-m", world["model"], "--out", tmp_path / "out",
                                "--batch-size", 8, "--max-steps", 4, "--eval-steps", 2, "--lr", 1e-3, "--device", "cpu",
                                "--precision", make().precision, "--data", sts, "--resume")
    assert code == 2 and "Traceback" not in err_text, err_text
    errors = [line for line in err_text.splitlines() if line.startswith("error:")]  # (after the recipe's note)
    assert len(errors) == 1 and err_text.rstrip().endswith(errors[0]), err_text
    assert errors[0].startswith("error: --resume: this run differs from the interrupted one in the STS-B dev pairs of ")
    assert str(dev.resolve()) in errors[0]
    dev.write_bytes(original)
    assert train(make(resume=True))["steps"] == 4  # the same pairs again: it resumes


def test_the_same_pairs_resume_whatever_the_file_times_or_bytes_around_them(world, tmp_path):
    make, sts, dev = interrupted(world, tmp_path)
    text = dev.read_text()
    # Written again (a new mtime), with a byte-order mark and CRLF line ends: the same pairs.
    dev.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    later = dev.stat().st_mtime + 3600
    os.utime(dev, (later, later))
    train(make(resume=True))
    dev.write_text(text)
    train(config(world["notes"], world["model"], tmp_path / "full", max_steps=4, eval_steps=2, eval_data=sts))
    assert_same_run(tmp_path / "full", tmp_path / "out")


def test_a_checkpoint_from_before_the_pairs_were_signed_resumes_as_it_did(world, tmp_path):
    make, sts, dev = interrupted(world, tmp_path)
    path = staging_of(tmp_path / "out") / "checkpoint.pt"
    saved = torch.load(path, weights_only=True)
    key = next(k for k in saved["signature"] if "STS-B dev" in k)
    del saved["signature"][key]  # as simsearch wrote it before session 32: the folder's path only
    torch.save(saved, path)
    swapped_scores(dev)  # not known then: it resumes, as it did
    train(make(resume=True))
    assert (tmp_path / "out" / METADATA_FILE).is_file()


def test_a_checkpoint_from_before_still_refuses_another_folder(world, tmp_path):
    make, sts, dev = interrupted(world, tmp_path)
    path = staging_of(tmp_path / "out") / "checkpoint.pt"
    saved = torch.load(path, weights_only=True)
    del saved["signature"][next(k for k in saved["signature"] if "STS-B dev" in k)]
    torch.save(saved, path)
    other = write_sts_fixture(tmp_path / "other")
    with pytest.raises(SimsearchError, match=r"in --data \(evaluation\) \('.*data' then, '.*other' now\); resume"):
        train(make(resume=True, eval_data=other))


def test_another_folder_is_named_once(world, tmp_path):
    """Another --data folder is said by its path; its pairs' fingerprint is not said a second time."""
    make, sts, dev = interrupted(world, tmp_path)
    other = write_sts_fixture(tmp_path / "other")
    swapped_scores(stsb_file(other, "dev"))
    with pytest.raises(SimsearchError) as err:
        train(make(resume=True, eval_data=other))
    assert "--data (evaluation) (" in str(err.value) and "STS-B dev" not in str(err.value), str(err.value)


def test_a_run_scores_every_evaluation_on_the_pairs_it_read_at_its_start(world, tmp_path, monkeypatch):
    """STS-B dev is read once: an edit of the file while the run trains changes no evaluation."""
    import simsearch.sts as sts_module

    sts = write_sts_fixture(tmp_path / "data")
    reads = []
    real = sts_module.load_stsb
    monkeypatch.setattr(sts_module, "load_stsb", lambda root, split: reads.append(split) or real(root, split))
    meta = train(config(world["notes"], world["model"], tmp_path / "out", max_steps=4, eval_steps=1, eval_data=sts))
    assert meta["steps"] == 4 and reads == ["dev"]  # five evaluations (steps 0 to 4), one read


def test_the_same_pairs_in_another_folder_resume_as_an_uninterrupted_run(world, tmp_path):
    """The STS data moved (or another copy of it): the pairs that choose the step kept are the
    same, so the run resumes, as training data moved elsewhere does; it was refused naming the
    folder ("--data (evaluation) ('…/data' then, '…/moved' now)")."""
    make, sts, dev = interrupted(world, tmp_path)
    moved = tmp_path / "moved"
    sts.rename(moved)
    train(make(resume=True, eval_data=moved))
    train(config(world["notes"], world["model"], tmp_path / "full", max_steps=4, eval_steps=2, eval_data=moved))
    assert_same_run(tmp_path / "full", tmp_path / "out")
