"""The inverse cloze recipe embeds each passage with its document's name, as the index's context
vectors embed a window with its file's name (``normalize(w) + NAME_WEIGHT * normalize(name)``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from simsearch.encoder import float32_states, pool
from simsearch.loss import with_names
from simsearch.store import NAME_WEIGHT, document_name
from simsearch.train import _embed, _setup, resolve_recipe, training_data
from tests.test_train import config
from tests.test_train_recipe import no_sts, write_documents  # noqa: F401 (fixture)


def named_folder(folder: Path) -> Path:
    """12 documents of one topic each; two named by words, one by a date (a name without a letter)."""
    write_documents(folder)
    (folder / "doc03.txt").rename(folder / "2024-05-01.txt")
    (folder / "doc05.txt").rename(folder / "river-guide.txt")
    return folder


def test_ict_rows_end_with_the_name_of_their_passages_document(tmp_path, tiny_model, no_sts):
    docs = named_folder(tmp_path / "docs")
    cfg = config(docs, tiny_model, tmp_path / "out", recipe="ict")
    data = training_data(cfg)
    rows, heldout = resolve_recipe(cfg, data)
    held = {Path(d.name).name for d in heldout}
    names = {Path(d.path).name: document_name(str(d.path)) or "" for d in data.documents}
    assert names["river-guide.txt"] == "river guide" and names["2024-05-01.txt"] == ""
    assert {row[2] for row in rows} == {name for file, name in names.items() if file not in held}
    for anchor, passage, name in rows:  # a row's anchor and passage come from the document it names
        holders = {names[Path(d.path).name] for d in data.documents if anchor in d.sentences}
        assert name in holders and passage.split(". ")[0].rstrip(".") + "." in {
            s for d in data.documents if names[Path(d.path).name] == name for s in d.sentences}


def test_a_passage_is_embedded_with_its_name_as_the_index_combines_them(tmp_path, tiny_model, no_sts):
    """Oracle: each text encoded alone, unpadded, by the model and the training pooler; the
    passage's vector is its own, normalized, plus NAME_WEIGHT times its name's (0 without a name)."""
    run = _setup(config(named_folder(tmp_path / "docs"), tiny_model, tmp_path / "out", recipe="ict", dropout=0.0,
                        precision="fp32"))
    training = run.split.training
    assert np.array_equal(run.name_weights, [NAME_WEIGHT if row[2] else 0.0 for row in training])
    run.model.eval()

    def alone(text: str) -> torch.Tensor:
        inputs = run.tokenizer([text], truncation=True, max_length=run.config.max_len, return_tensors="pt")
        inputs.pop("token_type_ids", None)
        with torch.no_grad():
            outputs = run.model(**inputs, output_hidden_states=True)
        return pool(run.pooling.train, float32_states(outputs), inputs["attention_mask"])[0]

    rows = np.arange(min(12, len(training)))
    with torch.no_grad():
        got = _embed(run, rows)
    assert got.shape[:2] == (2, len(rows))
    for k, r in enumerate(rows):
        anchor, passage, name = training[r]
        expected = F.normalize(alone(passage), dim=-1) + run.name_weights[r] * F.normalize(alone(name), dim=-1)
        assert torch.allclose(got[0, k], alone(anchor), atol=1e-5)
        assert torch.allclose(got[1, k], expected, atol=1e-5)


def test_with_names_weighs_each_row_alone():
    passages, names = torch.randn(3, 8), torch.randn(3, 8)
    out = with_names(passages, names, torch.tensor([0.5, 0.0, 1.0]))
    assert torch.allclose(out[1], F.normalize(passages[1], dim=-1))  # no name: the passage alone
    assert torch.allclose(out[0], F.normalize(passages[0], dim=-1) + 0.5 * F.normalize(names[0], dim=-1))
    assert torch.allclose(out[2], F.normalize(passages[2], dim=-1) + F.normalize(names[2], dim=-1))


def test_resume_refuses_a_run_whose_files_were_renamed_meanwhile(tmp_path, tiny_model, no_sts):
    """The data hash is of the sentences; a renamed file gives its passages another name, so the
    resumed run would not be the interrupted one: refused, naming what changed."""
    import pytest

    from simsearch.errors import SimsearchError
    from simsearch.train import Interrupted, train
    from simsearch.train.checkpoint import PASSAGE_NAMES_KEY

    docs = named_folder(tmp_path / "docs")
    settings = dict(recipe="ict", batch_size=8, max_steps=4)
    with pytest.raises(Interrupted):
        train(config(docs, tiny_model, tmp_path / "out", **settings), stop_at_step=2)
    renamed = sorted(docs.glob("doc*.txt"))
    for path in renamed:  # every training file: whichever are held out, some passage's name changes
        path.rename(path.with_name("renamed-" + path.name))
    with pytest.raises(SimsearchError, match="the passages' file names") as refused:
        train(config(docs, tiny_model, tmp_path / "out", resume=True, **settings))
    assert PASSAGE_NAMES_KEY in str(refused.value)


def test_the_model_says_its_passages_had_names(tmp_path, tiny_model, no_sts):
    import json

    from simsearch.train import train

    out = tmp_path / "out"
    meta = train(config(named_folder(tmp_path / "docs"), tiny_model, out, recipe="ict", batch_size=8, max_steps=2))
    assert meta["passage_name_weight"] == NAME_WEIGHT
    assert json.loads((out / "simsearch.json").read_text())["passage_name_weight"] == NAME_WEIGHT
    assert "beside its file's name, normalize(passage) + 0.5" in (out / "README.md").read_text()
    paper = train(config(named_folder(tmp_path / "docs2"), tiny_model, tmp_path / "paper", recipe="paper",
                         batch_size=8, max_steps=2))
    assert paper["passage_name_weight"] is None and "file's name" not in (tmp_path / "paper" / "README.md").read_text()


def test_a_folder_given_through_dotdot_names_its_readme_as_the_index_does(tmp_path, monkeypatch):
    """`train --unsup ..` from a subfolder: the index stores /x/proj/README.md (``indexer.root_key``
    normalises the path) and embeds its windows beside "proj"; the walk of ".." gives
    /x/proj/sub/../README.md, whose folder is ".." (no name at all) unless the path is normalised."""
    from simsearch import pairs
    from simsearch.data import documents_from_path
    from simsearch.indexer import root_key

    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "README.md").write_text("The project explains its first step. It explains the second step too.\n")
    (project / "notes.md").write_text("The notes explain the first step. They explain the second step too.\n")
    monkeypatch.chdir(project / "sub")
    for given in ("..", "../sub/.."):
        titles = {Path(d.name).name: d.title for d in pairs.as_documents(documents_from_path(given))}
        assert titles == {"README.md": document_name(root_key("../README.md")), "notes.md": "notes"} == {
            "README.md": "proj", "notes.md": "notes"}, given


def test_a_passage_shared_by_several_files_is_one_row(tmp_path, tiny_model, no_sts, monkeypatch):
    """A window repeated word for word in several files (an option's text on every command's page:
    npm's docs/content, 3,966 rows of 2,966 distinct pairs) was one row before passages had names;
    one row per name makes the copies each other's in-batch negatives (the same anchor, the same
    passage, told apart by the file's name alone) and weighs boilerplate by how many files repeat it."""
    import simsearch.train as training
    from simsearch import pairs

    docs = write_documents(tmp_path / "docs")
    shared = ("Every command accepts the json flag for output. The flag prints machine readable records instead. "
              "It works with every other option given. Scripts should prefer it over parsing text.")
    for path in sorted(docs.glob("doc*.txt"))[1:]:  # not in doc00, the one held out below
        path.write_text(path.read_text() + shared + "\n")

    def hold_out_doc00(documents, seed):
        return ([d for d in documents if d.name != "doc00.txt"], [d for d in documents if d.name == "doc00.txt"])

    monkeypatch.setattr(training.data, "heldout_split", hold_out_doc00)
    cfg = config(docs, tiny_model, tmp_path / "out", recipe="ict")
    rows, heldout = resolve_recipe(cfg, training_data(cfg))
    assert [d.name for d in heldout] == ["doc00.txt"]
    pairs_ = [row[:2] for row in rows]
    assert len(pairs_) == len(set(pairs_))
    training_docs = [d for d in training.named_documents(training_data(cfg)) if d.name != "doc00.txt"]
    assert len(rows) == len({e.row() for e in pairs.ict_pairs(training_docs, training.data.ICT_WINDOW)})


def test_ict_resume_with_names_equals_an_uninterrupted_run(tmp_path, tiny_model, no_sts):
    """The names' own forward pass draws dropout masks too: a resumed run draws them as the
    uninterrupted one did (with gradient caching and --distill, whose teacher combines them too)."""
    from tests.test_train_trust import assert_same_run, interrupted_then_resumed

    docs = named_folder(tmp_path / "docs")

    def make(out, **extra):
        return config(docs, tiny_model, out, recipe="ict", batch_size=8, max_steps=4, eval_steps=2, micro_batch=3,
                      distill=1.0, **extra)

    from simsearch.train import train

    train(make(tmp_path / "full"))
    interrupted_then_resumed(make, tmp_path / "cut", 2)
    assert_same_run(tmp_path / "full", tmp_path / "cut")


def test_the_names_are_signed_passage_by_passage():
    """Which passage carries which name, in any order of the rows: a hash of the set of names
    alone was the same for two passages that swapped their names."""
    from simsearch.train.checkpoint import names_sha256

    rows = [("a1", "passage one", "alpha"), ("a2", "passage two", "beta"), ("a3", "passage two", "beta")]
    assert names_sha256(rows) == names_sha256(rows[::-1])
    swapped = [("a1", "passage one", "beta"), ("a2", "passage two", "alpha"), ("a3", "passage two", "alpha")]
    assert names_sha256(swapped) != names_sha256(rows)


def _interrupted_with_two_named_files(tmp_path, tiny_model, monkeypatch):
    """An ict run stopped at step 2 over 12 documents, two of them in folders of their own
    (x/alpha.txt, y/beta.txt), doc00.txt held out. Returns (docs, settings)."""
    import pytest

    import simsearch.train as training
    from simsearch.train import Interrupted, train

    docs = write_documents(tmp_path / "docs")
    for name, folder in (("alpha", "x"), ("beta", "y")):
        (docs / folder).mkdir()
    (docs / "doc01.txt").rename(docs / "x" / "alpha.txt")
    (docs / "doc02.txt").rename(docs / "y" / "beta.txt")

    def hold_out_doc00(documents, seed):  # whatever the names, the same document is held out
        return ([d for d in documents if d.name != "doc00.txt"], [d for d in documents if d.name == "doc00.txt"])

    monkeypatch.setattr(training.data, "heldout_split", hold_out_doc00)
    settings = dict(recipe="ict", batch_size=8, max_steps=4)
    with pytest.raises(Interrupted):
        train(config(docs, tiny_model, tmp_path / "out", **settings), stop_at_step=2)
    return docs, settings


def test_resume_refuses_passages_whose_file_names_were_swapped(tmp_path, tiny_model, no_sts, monkeypatch):
    """x/alpha.txt and y/beta.txt renamed x/beta.txt and y/alpha.txt: the same text in the same
    order (the walk's: the data hash is the same), the same set of names, but each file's passages
    beside the other's name. It resumed when the set of names was signed; refused now, in one
    line naming what differs. Put back, the run resumes and finishes."""
    import pytest

    from simsearch.errors import SimsearchError
    from simsearch.train import train
    from simsearch.train.checkpoint import PASSAGE_NAMES_KEY

    docs, settings = _interrupted_with_two_named_files(tmp_path, tiny_model, monkeypatch)
    (docs / "x" / "alpha.txt").rename(docs / "x" / "beta.txt")
    (docs / "y" / "beta.txt").rename(docs / "y" / "alpha.txt")
    with pytest.raises(SimsearchError) as refused:
        train(config(docs, tiny_model, tmp_path / "out", resume=True, **settings))
    message = str(refused.value)
    assert message.startswith(f"--resume: this run differs from the interrupted one in {PASSAGE_NAMES_KEY} (")
    assert "\n" not in message and "start again without --resume" in message
    assert message.count(" then, ") == 1, message  # nothing else differs: the text and the held-out set are the same
    (docs / "x" / "beta.txt").rename(docs / "x" / "alpha.txt")
    (docs / "y" / "alpha.txt").rename(docs / "y" / "beta.txt")
    meta = train(config(docs, tiny_model, tmp_path / "out", resume=True, **settings))
    assert meta["steps"] == 4 and meta["recipe"] == "ict"


def test_resume_refuses_a_checkpoint_that_signed_only_the_set_of_names(tmp_path, tiny_model, no_sts, monkeypatch):
    """A checkpoint written before the names were signed passage by passage cannot say whether
    each passage still has its name: refused in one line that says so and how to start over."""
    import pytest
    import torch

    from simsearch.errors import SimsearchError
    from simsearch.train import train
    from simsearch.train.checkpoint import PASSAGE_NAMES_KEY, SET_OF_NAMES_KEY

    docs, settings = _interrupted_with_two_named_files(tmp_path, tiny_model, monkeypatch)
    checkpoint = tmp_path / ".out.partial" / "checkpoint.pt"
    saved = torch.load(checkpoint, weights_only=True)
    saved["signature"][SET_OF_NAMES_KEY] = saved["signature"].pop(PASSAGE_NAMES_KEY)  # as session 37 wrote it
    torch.save(saved, checkpoint)
    with pytest.raises(SimsearchError) as refused:
        train(config(docs, tiny_model, tmp_path / "out", resume=True, **settings))
    assert str(refused.value) == (
        f"--resume: the checkpoint in {checkpoint.parent} was written by an older simsearch, which recorded the "
        "passages' file names but not which passage had which; start again without --resume")
