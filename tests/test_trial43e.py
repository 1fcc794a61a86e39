"""Session 43, trial E: the supervised training path (`train --sup`) and its input, tried as a user."""

from __future__ import annotations

import json

import pytest

from simsearch.data import load_triplets
from simsearch.errors import SimsearchError


def test_a_jsonl_hard_neg_after_a_first_line_without_one_is_not_dropped(tmp_path):
    """The columns were those of the first line alone: a file whose first record is a pair and
    whose others are triplets trained on pairs, every later hard_neg silently dropped (while the
    other order was refused as "empty hard_neg")."""
    path = tmp_path / "nli.jsonl"
    path.write_text(json.dumps({"sent0": "a", "sent1": "b"}) + "\n"
                    + json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:1: no hard_neg \(line 2 has one\)"):
        load_triplets(path)
    # The other order names the line that lacks the key, and says it is missing, not empty.
    path.write_text(json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n"
                    + json.dumps({"sent0": "a", "sent1": "b"}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:2: no hard_neg \(line 1 has one\)"):
        load_triplets(path)
    # A hard_neg that is there but empty is still "empty".
    path.write_text(json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n"
                    + json.dumps({"sent0": "a", "sent1": "b", "hard_neg": " "}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:2: empty hard_neg$"):
        load_triplets(path)
    # Pairs throughout, and extra keys, are fine as before.
    path.write_text(json.dumps({"sent0": "a", "sent1": "b"}) + "\n" + json.dumps({"sent0": "d", "sent1": "e", "id": 3}) + "\n")
    assert load_triplets(path) == [("a", "b"), ("d", "e")]


@pytest.mark.parametrize("suffix,delimiter", [(".csv", ","), (".tsv", "\t")])
def test_a_header_that_names_a_column_twice_is_refused(tmp_path, suffix, delimiter):
    """`sent0,sent1,hard_neg,sent1`: the csv module keeps the last field of that name, so training
    read the fourth column as the positive, silently."""
    path = tmp_path / f"nli{suffix}"
    path.write_text(delimiter.join(["sent0", "sent1", "hard_neg", "sent1"]) + "\n" + delimiter.join("abcd") + "\n")
    with pytest.raises(SimsearchError, match=rf"nli\{suffix}:1: the header names sent1 twice \(columns 2 and 4\)"):
        load_triplets(path)
    # A repeated column that training does not read is no matter.
    path.write_text(delimiter.join(["sent0", "sent1", "label", "label"]) + "\n" + delimiter.join("abcd") + "\n")
    assert load_triplets(path) == [("a", "b")]


@pytest.mark.parametrize("suffix,header,says", [
    (".csv", "sent0\tsent1\thard_neg", "the header is tab-separated: a tab-separated file is read as one when named .tsv"),
    (".tsv", "sent0,sent1,hard_neg", "the header is comma-separated: a comma-separated file is read as one when named .csv"),
])
def test_a_header_split_by_the_other_delimiter_says_so(tmp_path, suffix, header, says):
    """A TSV named .csv was refused with "found: sent0 sent1 hard_neg" (the tabs shown as spaces):
    the very columns asked for, seemingly."""
    path = tmp_path / f"nli{suffix}"
    path.write_text(header + "\n" + header.replace("sent0", "a").replace("sent1", "b").replace("hard_neg", "c") + "\n")
    with pytest.raises(SimsearchError) as error:
        load_triplets(path)
    assert says in str(error.value), error.value
    assert "\t" not in str(error.value)


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


def test_pairs_of_one_sentence_twice_tie_at_cosine_one():
    """STS12's SMTeuroparl has 65 pairs whose two sentences are the same, surprise.SMTnews 14:
    their cosine is 1, a tie, which Spearman ranks as one. Normalised then multiplied in float32,
    they came out 0.99999988 to 1.00000024, a rank order drawn from rounding (it moved with the
    batches the encoder happened to use): SMTeuroparl's Spearman was 63.75 or 63.67 by the noise,
    STS12's "mean" 0.03 off. SentEval's cosine, u.v / sqrt(u.u v.v), ties them exactly."""
    import numpy as np
    from scipy.stats import spearmanr

    from simsearch.sts import Pairs, cosine_scores, spearman100

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(60, 384)).astype(np.float32) * rng.uniform(0.1, 10, size=(60, 1)).astype(np.float32)
    cache = {f"s{i}": vectors[i] for i in range(60)}
    same = [f"s{i}" for i in range(40)]
    pairs = Pairs("x", same + [f"s{i}" for i in range(40, 50)], same + [f"s{i}" for i in range(50, 60)],
                  rng.uniform(0, 5, size=50))
    scores = cosine_scores(pairs, cache)
    assert (scores[:40] == 1.0).all(), sorted(set(scores[:40].tolist()))
    a, b = (np.stack([vectors[int(s[1:])] for s in column]).astype(np.float64) for column in (pairs.sent1, pairs.sent2))
    exact = np.where(np.arange(50) < 40, 1.0, (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(scores, exact, rtol=0, atol=1e-12)
    assert spearman100(scores, pairs.gold) == pytest.approx(spearmanr(exact, pairs.gold).statistic * 100, abs=1e-9)
    # A zero vector (nothing to compare) scores 0, as before, not nan.
    cache["z"] = np.zeros(384, dtype=np.float32)
    assert cosine_scores(Pairs("z", ["z", "s1"], ["s1", "z"], np.zeros(2)), cache).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("header", ["sent0,sent1, hard_neg", "sent0, sent1, hard_neg", " sent0 ,sent1,hard_neg "])
def test_spaces_around_a_header_name_are_not_part_of_it(tmp_path, header):
    """`sent0,sent1, hard_neg` (a space after a comma, as people type a header) trained on pairs:
    " hard_neg" was not the column hard_neg, so every hard negative was dropped, silently; and
    `sent0, sent1, hard_neg` was refused with "found: sent0, sent1, hard_neg", the columns asked for."""
    path = tmp_path / "nli.csv"
    path.write_text(header + "\na,b,c\n")
    assert load_triplets(path) == [("a", "b", "c")]


@pytest.mark.parametrize("name,content", [
    ("nli.csv", "sent0,sent1,Hard_Neg\na,b,c\n"),
    ("nli.tsv", "SENT0\tsent1\thard_neg\na\tb\tc\n"),
    ("nli.jsonl", json.dumps({"sent0": "a", "sent1": "b", "Hard_Neg": "c"}) + "\n"),
])
def test_a_column_named_as_a_known_one_in_other_case_is_refused(tmp_path, name, content):
    """`sent0,sent1,Hard_Neg` trained on pairs, the hard negatives dropped as an unknown column."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SimsearchError, match=r"column '(Hard_Neg|SENT0)' is not read: the columns are named sent0, "
                                             r"sent1 and hard_neg, in lower case"):
        load_triplets(path)


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


def eq5_oracle(h, positives, negatives, temp, alpha=1.0):
    """Eq. 5 (Eq. 8 for alpha) term by term, in plain torch: -log e^{sim(h_i, h_i+)/t} /
    sum_j (e^{sim(h_i, h_j+)/t} + alpha^{[i=j]} e^{sim(h_i, h_j-)/t}), averaged over i."""
    import torch

    def sim(x, y):
        return torch.dot(x, y) / (torch.linalg.vector_norm(x) * torch.linalg.vector_norm(y))

    total = 0
    for i in range(len(h)):
        denominator = sum(torch.exp(sim(h[i], positives[j]) / temp)
                          + (alpha if i == j else 1.0) * torch.exp(sim(h[i], negatives[j]) / temp)
                          for j in range(len(h)))
        total = total - torch.log(torch.exp(sim(h[i], positives[i]) / temp) / denominator)
    return total / len(h)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_the_supervised_loss_and_its_gradient_follow_eq5_at_the_papers_temperature(alpha):
    """tests/test_loss.py checks the value with hard negatives at temp 0.1; this checks Eq. 5 at
    the paper's 0.05 (the default), and the gradient that training follows, against the equation."""
    import torch

    from simsearch.loss import simcse_loss

    g = torch.Generator().manual_seed(5)
    leaves = [torch.randn(12, 24, generator=g, dtype=torch.float64) for _ in range(3)]
    leaves[1] = leaves[1] * 0.3 + leaves[0]  # positives near their anchors, so the loss is not flat
    ours = [x.clone().requires_grad_() for x in leaves]
    theirs = [x.clone().requires_grad_() for x in leaves]
    loss = simcse_loss(*ours, temp=0.05, hard_negative_weight=alpha)
    expected = eq5_oracle(*theirs, temp=0.05, alpha=alpha)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    loss.backward()
    expected.backward()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-9, atol=1e-12)


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


def _sup_worker(rank: int, world: int, init_file: str, queue) -> None:
    import torch
    import torch.distributed as dist

    from simsearch.loss import gather_with_grad, simcse_loss

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)  # the same weights on every rank
    batch = [torch.randn(8, 8) for _ in range(3)]  # anchors, entailments, contradictions: the global batch
    rows = slice(rank * 4, rank * 4 + 4)
    views = [gather_with_grad(encoder(column[rows])) for column in batch]
    loss = simcse_loss(*views, hard_negative_weight=2.0)
    (loss * world).backward()  # as train(): DDP then averages the gradients
    dist.all_reduce(encoder.weight.grad)
    queue.put((rank, loss.item(), (encoder.weight.grad / world).numpy()))
    dist.destroy_process_group()


def test_two_gloo_processes_give_the_supervised_loss_of_one_process(tmp_path):
    """tests/test_loss.py checks the all-gather on two dropout views; with hard negatives the
    anchor's own contradiction (Eq. 8's alpha) must be found in the gathered batch, not in the
    process's own rows."""
    import os

    import numpy as np
    import torch
    import torch.multiprocessing as mp

    from simsearch.loss import simcse_loss

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    mp.start_processes(_sup_worker, args=(2, str(tmp_path / "init"), queue), nprocs=2, join=True, start_method="spawn")
    results = [queue.get() for _ in range(2)]
    torch.manual_seed(0)
    encoder = torch.nn.Linear(8, 4)
    batch = [torch.randn(8, 8) for _ in range(3)]
    single = simcse_loss(*(encoder(column) for column in batch), hard_negative_weight=2.0)
    single.backward()
    for _, loss, grad in results:
        assert loss == pytest.approx(single.item(), rel=1e-6)
        np.testing.assert_allclose(grad, encoder.weight.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_a_roberta_like_models_positions_start_after_its_padding_id(tmp_path):
    """RoBERTa's 514 position embeddings hold 512 tokens (fairseq's positions start after
    pad_token_id 1): a --max-len of 513 or 514 was let through, to fail at the first step."""
    import json

    from simsearch.models import position_limit

    def limit(**config):
        (tmp_path / "config.json").write_text(json.dumps(config))
        return position_limit(tmp_path)

    assert limit(model_type="roberta", max_position_embeddings=514, pad_token_id=1) == 512
    assert limit(model_type="xlm-roberta", max_position_embeddings=514, pad_token_id=1) == 512
    assert limit(model_type="bert", max_position_embeddings=512, pad_token_id=0) == 512
    assert limit(model_type="roberta") is None


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
