"""An interrupted `index` says what it saved: the vectors too, not only the files."""

import json
import sqlite3

import pytest

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.errors import Interrupted
from simsearch.store import Store


def test_an_interruption_while_embedding_counts_the_vectors_saved(tmp_path, index_model, monkeypatch):
    import shutil

    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n\n".join(f"Sentence number {i} about rivers." for i in range(6)) + "\n")
    other = tmp_path / "other-model"
    shutil.copytree(index_model, other)
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [docs], [str(index_model)], progress=False)  # the files are in: none to save again
        monkeypatch.setattr(indexer, "EMBED_CHUNK", 2)
        calls = {"n": 0}
        real = Store.add_vectors

        def interrupted_after_two_chunks(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > 2:  # the third chunk of vectors is encoded, never written
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Store, "add_vectors", interrupted_after_two_chunks)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [docs], [str(other)], progress=False)
        saved = sqlite3.connect(store.path).execute(
            "SELECT count(*) FROM vectors JOIN models ON models.id = vectors.model_id WHERE models.path = ?",
            (str(other),)).fetchone()[0]
        assert saved == 4
        message = str(info.value)
        assert "0 files" not in message and "4 vectors for" in message and "were saved" in message, message
        assert indexer.saved_phrase(["1 new or changed file"]) == "1 new or changed file was"
        assert indexer.saved_phrase(["1 vector for m"]) == "1 vector for m was"
        assert indexer.saved_phrase(["2 vectors for m"]) == "2 vectors for m were"
        assert indexer.saved_phrase(["1 new or changed file", "1 vector for m"]) == "1 new or changed file and 1 vector for m were"
        assert indexer.saved_phrase([]) == "nothing new was"
    finally:
        store.close()



def test_an_interruption_before_a_new_models_first_vector_says_the_model_was_added(tmp_path, index_model, monkeypatch,
                                                                                   capsys):
    """`index -m minilm -m NEW` stopped before NEW's first commit left NEW in the index, with no
    vector; the message said "nothing new was saved", and `status` said NEW is searched "exact"."""
    import json
    import shutil

    from simsearch import indexer
    from simsearch.cli import app
    from simsearch.store import Store
    from typer.testing import CliRunner

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n\n".join(f"Sentence number {i} about rivers." for i in range(6)) + "\n")
    other = tmp_path / "other-model"
    shutil.copytree(index_model, other)
    db = tmp_path / "i.db"
    store = Store.open(db)
    try:
        indexer.index(store, [docs], [str(index_model)], progress=False)

        def interrupted(self, *args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(Store, "add_vectors", interrupted)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [docs], [str(index_model), str(other)], progress=False)
        message = str(info.value)
        assert "nothing new" not in message, message
        assert f"model {str(other)!r} with no vector yet added to {db}" in message, message
        assert message.endswith("Run the same command again to continue."), message
    finally:
        store.close()
    monkeypatch.undo()
    result = CliRunner().invoke(app, ["status", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    searched = {m["path"]: m["search"] for m in json.loads(result.output)["models"]}
    assert searched == {str(index_model): "exact", str(other): "no: no vectors yet"}


def test_a_ctrl_c_while_embedding_keeps_the_vectors_made_since_the_last_commit(tmp_path, index_model, monkeypatch):
    """Vectors are committed a chunk (``EMBED_CHUNK``) at a time; a Ctrl-C kept only the chunks
    committed, so up to a chunk's encoding was lost. Now what was made is written, and the run
    done again ends with the vectors of a run never interrupted."""
    import shutil

    import numpy as np

    from simsearch import indexer
    from simsearch.store import Store

    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(3):
        (docs / f"n{n}.txt").write_text(" ".join(f"Note {n} sentence {i} is about rivers and {i} stones."
                                                 for i in range(5)) + "\n")
    other = tmp_path / "other-model"
    shutil.copytree(index_model, other)
    oracle = Store.open(tmp_path / "oracle.db")
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(oracle, [docs], [str(other)], progress=False)
        indexer.index(store, [docs], [str(index_model)], progress=False)
        real = indexer._encode_rows
        made = []

        def stopped_after_one_batch(*args, **kwargs):
            for positions, vectors in real(*args, **kwargs):
                made.append(sum(map(len, positions)))
                yield positions, vectors
                raise KeyboardInterrupt

        monkeypatch.setattr(indexer, "_encode_rows", stopped_after_one_batch)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [docs], [str(other)], progress=False)
        model = store.model(str(other))
        kept = store.count_vectors(model.id)
        assert kept == made[0] > 0  # fewer than a chunk: none was committed before the Ctrl-C
        assert f"{kept} vectors for {other}" in str(info.value), str(info.value)
        monkeypatch.undo()
        indexer.index(store, [docs], [str(other)], progress=False)

        def vectors(db):
            ids, matrix = db.vectors(db.model(str(other)))
            texts = {row["id"]: row["text"] for row in db.db.query("SELECT id, text FROM sentences")}
            return {texts[i]: v for i, v in zip(ids.tolist(), matrix)}

        got, expected = vectors(store), vectors(oracle)
        assert got.keys() == expected.keys()
        assert all(np.allclose(got[text], expected[text], atol=1e-5) for text in got)  # (batches differ)
    finally:
        store.close()
        oracle.close()

# --- `train`: a Ctrl-C that stops at once before the first step says what it left -----------------

@pytest.fixture(scope="module")
def train_world(tmp_path_factory):
    from tests.test_train import write_notes_and_triplets
    from tests.tiny_bert import create_random_bert

    root = tmp_path_factory.mktemp("train-interrupt")
    model = create_random_bert(root / "tiny", hidden_size=32, heads=2, layers=2, pooler="avg", seed=0)
    return {"root": root, **write_notes_and_triplets(root), "model": model}


def _raise_keyboard_interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["_evaluate", "_teacher_embeddings", "load_transformer"])
def test_train_interrupted_before_its_first_step_says_nothing_was_saved(train_world, tmp_path, monkeypatch, run_cli,
                                                                        where):
    """Was: a bare "interrupted" for a Ctrl-C while the base model was measured (step 0), loaded, or
    encoded as the teacher. Nothing is on disk then: no checkpoint, no --out, no work folder, and
    not the folders made to hold them (was: an empty "models/" left behind)."""
    from simsearch import train as train_module

    out = tmp_path / "new" / "models" / "cut"
    monkeypatch.setattr(train_module, where, _raise_keyboard_interrupt)
    code, _, err = run_cli("train", "--unsup", train_world["notes"], "-m", train_world["model"], "--out", out,
                           "--batch-size", "8", "--max-steps", "2", "--device", "cpu", "--distill", "1",
                           "--recipe", "paper")
    last = err.strip().splitlines()[-1]  # after the settings printed at start (the base measured, the teacher)
    assert code == 130 and "Traceback" not in err, err
    assert last.startswith("error: interrupted before the first step of this run; nothing"), err
    assert not (tmp_path / "new").exists(), sorted(p.relative_to(tmp_path) for p in (tmp_path / "new").rglob("*"))


def test_train_interrupted_before_its_first_step_keeps_the_users_own_folders(train_world, tmp_path, monkeypatch):
    """Only what simsearch made goes: an empty "models/" the user had stays, as does one with files."""
    from simsearch import train as train_module
    from simsearch.train import TrainConfig, train

    monkeypatch.setattr(train_module, "_evaluate", _raise_keyboard_interrupt)
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine\n")
    for out in (tmp_path / "empty" / "cut", tmp_path / "full" / "cut", tmp_path / "empty" / "made" / "cut"):
        with pytest.raises(Interrupted, match="^interrupted before the first step"):
            train(TrainConfig(mode="unsup", data=train_world["notes"], model=str(train_world["model"]), out=out,
                              batch_size=8, max_steps=2, progress=False, device="cpu", recipe="paper"))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "empty", "full", "full/notes.txt"]


def test_train_resumed_and_interrupted_before_its_first_step_keeps_the_checkpoint(train_world, tmp_path, monkeypatch):
    from simsearch import train as train_module
    from simsearch.train import TrainConfig, train

    def make(**more):
        return TrainConfig(mode="unsup", data=train_world["notes"], model=str(train_world["model"]), out=tmp_path / "cut",
                           batch_size=8, max_steps=4, eval_steps=2, progress=False, lr=1e-3, device="cpu", distill=1.0,
                           **more)

    with pytest.raises(Interrupted):
        train(make(), stop_at_step=2)
    checkpoint = tmp_path / ".cut.partial" / "checkpoint.pt"
    saved = checkpoint.read_bytes()
    monkeypatch.setattr(train_module, "_teacher_embeddings", _raise_keyboard_interrupt)
    with pytest.raises(Interrupted, match=r"^interrupted before the first step of this run; nothing new was saved "
                                          r"\(the checkpoint in .* is as it was\)"):
        train(make(resume=True))
    assert checkpoint.read_bytes() == saved


def _ctrl_c_at_call(monkeypatch, train_module, n: int) -> None:
    """A second Ctrl-C (one that stops at once) as the ``n``-th step of this run begins."""
    step, calls = train_module._step, []

    def stepping(run, rows):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return step(run, rows)
    monkeypatch.setattr(train_module, "_step", stepping)


def test_a_second_ctrl_c_after_some_steps_says_nothing_is_left_to_resume(train_world, tmp_path, monkeypatch, run_cli):
    """Was: a bare "interrupted", and a work folder without a checkpoint left beside --out."""
    from simsearch import train as train_module

    out = tmp_path / "models" / "cut"
    _ctrl_c_at_call(monkeypatch, train_module, 3)
    code, _, err = run_cli("train", "--unsup", train_world["notes"], "-m", train_world["model"], "--out", out,
                           "--batch-size", "8", "--max-steps", "4", "--device", "cpu", "--recipe", "paper")
    text = " ".join(err.split())
    assert code == 130 and "Traceback" not in err, err
    assert "error: stopped at once at step 2 of 4 (a second Ctrl-C); no checkpoint was saved" in text, err
    assert not out.parent.exists(), err  # (nothing is left in the folder it made for --out)


def test_a_second_ctrl_c_of_a_resumed_run_names_the_checkpoint_it_keeps(train_world, tmp_path, monkeypatch):
    from simsearch import train as train_module
    from simsearch.train import TrainConfig, train

    def make(**more):
        return TrainConfig(mode="unsup", data=train_world["notes"], model=str(train_world["model"]), out=tmp_path / "cut",
                           batch_size=8, max_steps=4, eval_steps=2, progress=False, lr=1e-3, device="cpu", **more)

    with pytest.raises(Interrupted):
        train(make(), stop_at_step=2)
    checkpoint = tmp_path / ".cut.partial" / "checkpoint.pt"
    saved = checkpoint.read_bytes()
    _ctrl_c_at_call(monkeypatch, train_module, 2)  # step 3 done, then a second Ctrl-C
    with pytest.raises(Interrupted, match=r"^stopped at once at step 3 of 4 \(a second Ctrl-C\); the checkpoint in "
                                          r".* holds step 2: run the same command with --resume"):
        train(make(resume=True))
    assert checkpoint.read_bytes() == saved


# --- Found by session 42's review: a Ctrl-C after a non-finite model's vectors were taken back keeps
# none of them; one right after a commit's BEGIN keeps the vectors made.

class _InterruptAfterCleanupCommit:
    """``store.conn``, but a Ctrl-C lands as the COMMIT that takes a model's vectors back returns
    (the signal came during its fsync: Python raises it once the call is done)."""

    def __init__(self, conn):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "cleaning", False)

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __setattr__(self, name, value):
        setattr(self._conn, name, value)

    def executemany(self, sql, *args):
        if sql.startswith("DELETE FROM vectors"):
            object.__setattr__(self, "cleaning", True)
        return self._conn.executemany(sql, *args)

    def execute(self, sql, *args):
        result = self._conn.execute(sql, *args)
        if sql == "COMMIT" and self.cleaning:
            object.__setattr__(self, "cleaning", False)
            raise KeyboardInterrupt
        return result


def test_a_ctrl_c_after_a_non_finite_models_vectors_were_taken_back_writes_none_again(
        tmp_path, index_model, monkeypatch):
    from .test_embed_window import twelve_paragraphs_and_a_forward_turning_non_finite

    root, forward = twelve_paragraphs_and_a_forward_turning_non_finite(tmp_path, after=3)
    calls = forward.calls
    monkeypatch.setattr(indexer, "EMBED_CHUNK", 100)  # the finite vectors made so far wait, uncommitted
    monkeypatch.setattr(Encoder, "forward", forward)
    store = Store.open(tmp_path / "i.db")
    try:
        store.conn = _InterruptAfterCleanupCommit(store.conn)
        with pytest.raises(Interrupted):
            indexer.index(store, [root], [str(index_model)], device="cpu", precision="fp32", progress=False,
                          batch_size=1)
        assert calls["n"] >= 4
        assert store.conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0
    finally:
        store.close()


class _InterruptAfterBegin(_InterruptAfterCleanupCommit):
    """``store.conn``, but a Ctrl-C lands right after the ``nth`` BEGIN returns, before the
    transaction's ``try`` (``Store.transaction``): the transaction is left open."""

    def __init__(self, conn, nth: int):
        super().__init__(conn)
        object.__setattr__(self, "begins", nth)

    def execute(self, sql, *args):
        result = self._conn.execute(sql, *args)
        if sql == "BEGIN IMMEDIATE":
            object.__setattr__(self, "begins", self.begins - 1)
            if self.begins == 0:
                raise KeyboardInterrupt
        return result


def test_a_ctrl_c_right_after_a_commits_begin_still_keeps_the_vectors_made(tmp_path, index_model, monkeypatch):
    """The vectors Ctrl-C keeps are committed in a transaction of their own: one left open by the
    interrupt (right after BEGIN) made it fail, "cannot start a transaction within a transaction",
    an error in place of the interrupt and of the vectors."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("\n\n".join(f"Sentence {n} about rivers." for n in range(6)) + "\n")
    store = Store.open(tmp_path / "i.db")
    try:
        indexer.index(store, [root], [str(index_model)], device="cpu", progress=False)
        other = tmp_path / "other"
        import shutil

        shutil.copytree(index_model, other)
        real = indexer._embed_missing

        def embedding(*args, **kwargs):  # the first BEGIN of the embedding is its first commit's
            store.conn = _InterruptAfterBegin(store.conn, 1)
            return real(*args, **kwargs)

        monkeypatch.setattr(indexer, "_embed_missing", embedding)
        with pytest.raises(Interrupted) as info:
            indexer.index(store, [root], [str(other)], device="cpu", progress=False)
        kept = store.conn.execute("SELECT count(*) FROM vectors JOIN models ON models.id = vectors.model_id "
                                  "WHERE models.path = ?", (str(other),)).fetchone()[0]
        assert kept == 6 and "6 vectors for" in str(info.value), str(info.value)
    finally:
        store.close()


# --- Found by session 43's trial G (an index attacked with odd files and events): a full disk says what
# was saved, as Ctrl-C does.

def test_a_full_disk_mid_run_says_what_was_saved(tmp_path, index_model, run_cli, monkeypatch):
    """Was: "idx.db: the disk is full; nothing was written (free some space and run again)" when
    the disk filled at the third file of a run, although the first two were in the index (and
    `status` counted them): each file is committed on its own. Now it says what was saved, as
    Ctrl-C does, and the next run continues to the index a fresh run makes."""
    import sqlite3

    from simsearch.store import Store, storage_error

    monkeypatch.chdir(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    for number, text in enumerate(["The cat sat on the mat.", "A dog ran in the park.", "Bread rises slowly."]):
        (docs / f"{number}.txt").write_text(text + "\n")
    real = Store.replace_document
    calls = []

    def fills_the_disk(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:  # as the connection says SQLite's SQLITE_FULL
            raise storage_error(sqlite3.OperationalError("database or disk is full"), self.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "replace_document", fills_the_disk)
    code, _, err = run_cli("index", "docs", "--db", "idx.db", "-m", index_model, "--device", "cpu")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "the disk is full" in err and "2 new or changed files were saved" in err, err
    assert "nothing was written" not in err and "run the same command again" in err, err
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("index", "docs", "--db", "idx.db", "--json", "--device", "cpu")
    assert code == 0 and json.loads(out)["added"] == 1, err
    code, out, err = run_cli("search", "cat", "--db", "idx.db", "--mode", "lexical", "--json")
    assert json.loads(out.splitlines()[0])["text"] == "The cat sat on the mat."
