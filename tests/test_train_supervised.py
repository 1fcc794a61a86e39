"""`train --sup`: what a run on triplets or pairs refuses, says and writes in its model card.

Found by session 43's trial E: the supervised training path (`train --sup`) and its input, tried as
a user."""

from __future__ import annotations


def test_one_training_example_is_refused_without_advising_an_impossible_batch(tmp_path, run_cli, tiny_model,
                                                                           monkeypatch):
    """A file of one row said "give --batch-size 1 or less", and --batch-size 1 was then refused
    ("must be at least 2"): the advice could not be followed."""
    monkeypatch.chdir(tmp_path)  # no evaluation data here
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    (tmp_path / "one.csv").write_text("sent0,sent1,hard_neg\nA man sleeps.,Someone rests.,A man runs.\n")
    code, out, err = run_cli("train", "--sup", tmp_path / "one.csv", "-m", tiny_model, "--out", tmp_path / "m",
                             "--device", "cpu")
    assert code == 2 and out == ""
    assert "needs at least 2 training examples" in err and "found 1" in err, err
    assert "--batch-size 1 or less" not in err
    assert not (tmp_path / "m").exists()


def test_a_model_trained_on_pairs_is_not_described_as_trained_with_hard_negatives(tmp_path, tiny_model, sts_fixture):
    """`train --sup pairs.csv` (sent0,sent1: the README's "or pairs") wrote a model card saying
    "objective: supervised SimCSE (Eq. 5): entailment pairs are positives, contradictions hard
    negatives", "recipe: supervised triplets" and "alpha: 1 (the weight of each anchor's own
    contradiction)": there were none."""
    from simsearch.train import TrainConfig, train

    from .test_train import corpus

    sentences = corpus(200)
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("sent0,sent1\n" + "".join(f'"{sentences[i]}","{sentences[i + 1]}"\n' for i in range(0, 200, 2)))
    out = tmp_path / "m"
    meta = train(TrainConfig(mode="sup", data=pairs, model=str(tiny_model), out=out, pooler="cls", batch_size=8,
                             max_steps=2, eval_steps=2, eval_data=sts_fixture, progress=False, device="cpu"))
    assert (meta["data_source"]["kind"], meta["data_source"]["columns"]) == ("pairs", ["sent0", "sent1"])
    card = (out / "README.md").read_text()
    assert "contradiction" not in card and "triplets" not in card, card
    assert "- objective: supervised SimCSE (Eq. 5 without hard negatives): each sent1 is its sent0's positive, " \
           "the batch's other sent1 its negatives" in card
    assert "- hard-negative weight alpha: 1 (not used: the data has no hard_neg column)" in card
    assert "- recipe: supervised pairs; 100 training examples" in card
    # Triplets: as before, and the columns said.
    triplets = tmp_path / "nli.csv"
    triplets.write_text("sent0,sent1,hard_neg\n" + "".join(
        f'"{sentences[i]}","{sentences[i + 1]}","{sentences[i + 2]}"\n' for i in range(0, 198, 3)))
    meta = train(TrainConfig(mode="sup", data=triplets, model=str(tiny_model), out=tmp_path / "t", pooler="cls",
                             batch_size=8, max_steps=2, eval_steps=2, eval_data=sts_fixture, progress=False, device="cpu"))
    assert meta["data_source"]["columns"] == ["sent0", "sent1", "hard_neg"]
    card = (tmp_path / "t" / "README.md").read_text()
    assert "contradictions hard negatives" in card and "- recipe: supervised triplets;" in card


def test_a_supervised_run_without_sts_data_says_it_was_not_measured(tmp_path, tiny_model, run_cli, monkeypatch):
    """`train --sup` with no STS data keeps the last step and compares nothing with the base; it
    ended "saved … (12 steps, last step) … Try it on your own questions", with no word that
    nothing was measured (the unsupervised run of a file of lines says so)."""
    from .test_train import corpus

    monkeypatch.chdir(tmp_path)  # no ../shared/data from here
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    sentences = corpus(90)
    (tmp_path / "nli.csv").write_text("sent0,sent1,hard_neg\n" + "".join(
        f'"{sentences[i]}","{sentences[i + 1]}","{sentences[i + 2]}"\n' for i in range(0, 90, 3)))
    code, stdout, err = run_cli("train", "--sup", "nli.csv", "-m", tiny_model, "--out", tmp_path / "m",
                                "--device", "cpu", "--batch-size", "8", "--max-steps", "2")
    assert code == 0, err
    said = " ".join(stdout.split())
    assert "not measured against the base model (no STS data: with STS-B dev (--data DIR or SIMSEARCH_DATA) " \
           "training keeps its best step and compares it with the base)" in said, said


def test_a_max_len_beyond_the_models_positions_is_refused_before_anything_is_written(tmp_path, tiny_model, run_cli,
                                                                                    monkeypatch):
    """`train --sup long.csv --max-len 5000` loaded the model, measured the base, then died at the
    first step with a traceback ("The size of tensor a (2052) must match the size of tensor b
    (512)"): BERT's position embeddings end at 512. It left a `.NAME.partial` folder behind."""
    monkeypatch.chdir(tmp_path)  # no evaluation data here
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    long = " ".join(f"word{i}" for i in range(700))
    (tmp_path / "nli.csv").write_text("sent0,sent1,hard_neg\n" + "".join(
        f"{long if i == 0 else f'Sentence {i} here.'},Another {i} there.,Not {i} at all.\n" for i in range(40)))
    code, out, err = run_cli("train", "--sup", "nli.csv", "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu",
                             "--batch-size", "4", "--max-steps", "1", "--max-len", "5000")
    assert code == 2, err
    assert "Traceback" not in err
    assert f"--max-len 5000: the base model {tiny_model} reads at most 512 tokens (its position embeddings)" in \
        " ".join(err.split()), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nli.csv"]
    # At the limit it trains.
    code, out, err = run_cli("train", "--sup", "nli.csv", "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu",
                             "--batch-size", "4", "--max-steps", "1", "--max-len", "512")
    assert code == 0, err


def test_a_hard_negative_weight_without_hard_negatives_is_refused(tmp_path, tiny_model, run_cli, monkeypatch):
    """`--hard-negative-weight 3` was accepted and ignored by `--unsup` and by `--sup` on pairs (no
    hard_neg column): a run that did not do what the user asked, without a word."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    (tmp_path / "pairs.csv").write_text("sent0,sent1\n" + "".join(f"Sentence {i} here.,Another {i} there.\n" for i in range(8)))
    (tmp_path / "notes.txt").write_text("".join(f"Note number {i} is about the cache.\n" for i in range(8)))
    for data in (["--sup", "pairs.csv"], ["--unsup", "notes.txt"]):
        code, out, err = run_cli("train", *data, "-m", tiny_model, "--out", tmp_path / "m", "--device", "cpu",
                                 "--max-steps", "1", "--hard-negative-weight", "3")
        assert code == 2 and "Traceback" not in err, err
        said = " ".join(err.split())
        assert said.startswith("error: --hard-negative-weight 3: ") and len(err.strip().splitlines()) == 1, err
        assert ("pairs.csv has no hard_neg column" in said) == (data[0] == "--sup"), said
        assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "pairs.csv"]
