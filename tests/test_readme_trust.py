"""The README run literally (the ninth hunt): a refused command leaves the index as it was, a
model that does not load is never half-registered, a folder that cannot be read is one line,
and the small messages say what happened.

Each test names the defect it guards (``/tmp/adv28/repro`` of the hunt reproduced them with the
CLI); the oracle is the database's whole content before and after a refused command.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from simsearch.errors import SimsearchError


def db_state(path: Path) -> dict:
    """Every row of every table, and the files beside the index (what a refused command must not change)."""
    if not path.exists():
        return {"files": []}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                    "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'")]
        state = {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}"))) for table in tables}
    finally:
        conn.close()
    state["files"] = sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm", ".lock")))
    return state


def _damage(folder: Path, how: str) -> None:
    if how == "truncated weights":
        with open(folder / "model.safetensors", "r+b") as weights:
            weights.truncate(1000)
    elif how == "unknown architecture":
        config = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**config, "model_type": "no-such-architecture"}))
    elif how == "no tokenizer":
        for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
            (folder / name).unlink(missing_ok=True)
    elif how == "no config.json":
        (folder / "config.json").unlink()
    else:
        raise AssertionError(how)


DAMAGES = ["truncated weights", "unknown architecture", "no tokenizer", "no config.json"]


@pytest.fixture
def indexed(tmp_path, index_model, run_cli, monkeypatch):
    """An index of one file made with the tiny model (``tmp/idx.db``), in tmp as working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    (tmp_path / "a.txt").write_text("The cat sat on the mat. A dog ran in the park.\n")
    code, _, err = run_cli("index", "a.txt", "--db", "idx.db", "-m", index_model, "--device", "cpu")
    assert code == 0, err
    return tmp_path


# --- 1. a model whose weights do not load stays registered -----------------------------------

@pytest.mark.parametrize("how", DAMAGES)
def test_a_model_that_does_not_load_leaves_the_index_as_it_was(indexed, index_model, run_cli, how):
    """Was: a ``models`` row with no vector and a failed run stayed, and every later `index` exited 2
    (after writing the new file's sentences) until `forget --model`."""
    broken = indexed / "broken"
    shutil.copytree(index_model, broken)
    _damage(broken, how)
    before = db_state(indexed / "idx.db")
    code, out, err = run_cli("index", "--db", "idx.db", "-m", "./broken", "--device", "cpu")
    assert code == 2 and err.startswith("error:") and len(err.strip().splitlines()) == 1, err
    assert db_state(indexed / "idx.db") == before
    (indexed / "b.txt").write_text("Something new here.\n")
    code, _, err = run_cli("index", "b.txt", "--db", "idx.db", "--device", "cpu")
    assert code == 0 and "broken" not in err, err
    with sqlite3.connect(indexed / "idx.db") as conn:
        assert [name for (name,) in conn.execute("SELECT name FROM models")] == [str(index_model)]
        assert conn.execute("SELECT count(*) FROM sentences s WHERE NOT EXISTS "
                            "(SELECT 1 FROM vectors v WHERE v.sentence_id = s.id)").fetchone()[0] == 0


@pytest.mark.parametrize("how", ["truncated weights", "unknown architecture"])
def test_a_first_index_with_a_model_that_does_not_load_creates_nothing(tmp_path, index_model, run_cli, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sat on the mat.\n")
    shutil.copytree(index_model, tmp_path / "broken")
    _damage(tmp_path / "broken", how)
    code, _, err = run_cli("index", "a.txt", "--db", "new/deeper/idx.db", "-m", "./broken", "--device", "cpu")
    assert code == 2, err
    assert not (tmp_path / "new").exists()  # no empty index, no lock file, no folder made for them


def test_an_index_left_with_a_model_that_never_loaded_is_refreshed_with_a_warning(indexed, index_model, run_cli):
    """An index an earlier version left with a broken model's row (no vectors): `index` goes on
    with the other models and says how to remove it, instead of exiting 2 on every run."""
    from simsearch.models import fingerprint, hidden_size, resolve_model
    from simsearch.store import Store

    broken = indexed / "broken"
    shutil.copytree(index_model, broken)
    _damage(broken, "truncated weights")
    ref = resolve_model(str(broken))
    store = Store.open(indexed / "idx.db")
    with store.transaction():
        store.add_model("./broken", str(broken), fingerprint(ref), hidden_size(ref), ref.pooler, "fp32")
    store.close()
    (indexed / "b.txt").write_text("Something new here.\n")
    code, out, err = run_cli("index", "b.txt", "--db", "idx.db", "--device", "cpu")
    assert code == 0, err
    assert "cannot be loaded" in err and "forget --model ./broken" in err
    with sqlite3.connect(indexed / "idx.db") as conn:
        good = conn.execute("SELECT id FROM models WHERE name = ?", (str(index_model),)).fetchone()[0]
        assert conn.execute("SELECT count(*) FROM sentences s WHERE NOT EXISTS (SELECT 1 FROM vectors v "
                            "WHERE v.sentence_id = s.id AND v.model_id = ?)", (good,)).fetchone()[0] == 0
        assert conn.execute("SELECT status FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0] == "done"


def test_a_model_damaged_after_indexing_keeps_its_vectors_on_a_refresh(indexed, index_model, run_cli):
    """A refresh finds the model's files changed (damaged) and used to reset its vectors before
    loading it: now it loads first, and a model that does not load keeps what it had."""
    model = indexed / "m"
    shutil.copytree(index_model, model)
    code, _, err = run_cli("index", "--db", "idx.db", "-m", "./m", "--device", "cpu")
    assert code == 0, err
    _damage(model, "truncated weights")
    before = db_state(indexed / "idx.db")
    code, _, err = run_cli("index", "--db", "idx.db", "--device", "cpu")
    assert code == 0 and "cannot be loaded" in err, err
    after = db_state(indexed / "idx.db")
    assert after["vectors"] == before["vectors"] and after["models"] == before["models"]


# --- 2. a refused option writes nothing ------------------------------------------------------

@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_cuda_without_cuda_writes_nothing(indexed, run_cli):
    """Was: the new file's sentences were stored (without vectors) before --device cuda was refused."""
    (indexed / "b.txt").write_text("A brand new sentence.\n")
    before = db_state(indexed / "idx.db")
    code, _, err = run_cli("index", "b.txt", "--db", "idx.db", "--device", "cuda")
    assert code == 2 and "--device cuda" in err
    assert db_state(indexed / "idx.db") == before
    code, _, err = run_cli("index", "b.txt", "--db", "other/idx.db", "--device", "cuda")
    assert code == 2 and not (indexed / "other").exists()

    from simsearch.indexer import index
    from simsearch.store import Store

    store = Store.open(indexed / "idx.db")
    with pytest.raises(SimsearchError, match="--device cuda"):
        index(store, [indexed / "b.txt"], device="cuda", progress=False)
    store.close()
    assert db_state(indexed / "idx.db") == before


# --- 3. a folder or file that cannot be read is one line -------------------------------------

def _deny_inside(monkeypatch, folder: Path) -> None:
    """Act as ``chmod 000 folder`` does for a user who is not root (the tests may run as root,
    whom permissions do not stop): listing it, or looking at anything inside it, is EACCES."""
    folder = os.path.abspath(folder)
    real_stat, real_listdir, real_scandir = os.stat, os.listdir, os.scandir

    def denied(path) -> bool:
        path = os.path.abspath(os.fspath(path))
        return path.startswith(folder + os.sep)

    def stat(path, *args, **kwargs):
        if not isinstance(path, int) and denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def listdir(path="."):
        if os.path.abspath(os.fspath(path)) == folder or denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_listdir(path)

    def scandir(path="."):
        if not isinstance(path, int) and (os.path.abspath(os.fspath(path)) == folder or denied(path)):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_models_folder_is_one_line_naming_it(tmp_path, run_cli, monkeypatch):
    """Was: a PermissionError traceback (exit 1) from `models`, `train` (its default --out) and `index -m NAME`."""
    models = tmp_path / "models"
    (models / "trained").mkdir(parents=True)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.txt").write_text("a b c.\nd e f.\ng h i.\n")
    _deny_inside(monkeypatch, models)
    for args in (["models"], ["train", "--unsup", "l.txt", "--batch-size", "2", "--max-steps", "1"],
                 ["index", "l.txt", "--db", "idx.db", "-m", "something"]):
        code, out, err = run_cli(*args)
        assert code == 2 and f"the models folder {models} cannot be read" in err, (args, err)
        assert len(err.strip().splitlines()) == 1
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.txt", "models"]  # nothing written
    assert [p.name for p in models.iterdir()] == ["trained"]


def test_an_unreadable_config_json_is_one_line_naming_it(tmp_path, index_model, run_cli, monkeypatch):
    """Was: a PermissionError traceback from ``models.file_sha256`` (the fingerprint) or the JSON reader."""
    import pathlib

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sat on the mat.\n")
    shutil.copytree(index_model, tmp_path / "m")
    config = os.path.abspath(tmp_path / "m" / "config.json")
    real_open = pathlib.Path.open

    def guarded(self, *args, **kwargs):
        if os.path.abspath(self) == config:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded)
    code, _, err = run_cli("index", "a.txt", "--db", "idx.db", "-m", "./m", "--device", "cpu")
    assert code == 2 and "config.json: cannot be read (Permission denied)" in err, err
    assert not (tmp_path / "idx.db").exists()
    from simsearch.models import ModelRef, file_sha256, fingerprint

    with pytest.raises(SimsearchError, match="config.json: cannot be read"):
        file_sha256(Path(config))
    with pytest.raises(SimsearchError, match="config.json: cannot be read"):
        fingerprint(ModelRef("m", tmp_path / "m", "folder", "avg", 128))


def _without_permission_override() -> list[str] | None:
    """A command prefix under which file permissions apply (as to a user who is not root), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


@pytest.fixture
def as_a_user() -> list[str]:
    """The command prefix under which file permissions apply; the test is skipped where none can."""
    prefix = _without_permission_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    return prefix


def test_an_unreadable_models_folder_with_real_permissions(tmp_path, as_a_user):
    """The same with the kernel's own permission check (not a monkeypatch): `simsearch models` on a 000 folder."""
    models = tmp_path / "models"
    models.mkdir()
    models.chmod(0)
    try:
        env = {**os.environ, "SIMSEARCH_MODELS": str(models), "HOME": str(tmp_path)}
        done = subprocess.run([*as_a_user, sys.executable, "-m", "simsearch", "models"], capture_output=True,
                              text=True, env=env, timeout=120)
    finally:
        models.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert f"the models folder {models} cannot be read" in done.stderr and "Traceback" not in done.stderr


# --- 5. small messages -----------------------------------------------------------------------

def test_queries_file_blank_lines_are_counted_and_a_file_without_a_query_is_refused(indexed, run_cli):
    """Was: blank lines skipped without a word, and an empty file answered nothing with exit 0."""
    (indexed / "q.txt").write_text("cat\n\n   \ndog\n")
    code, out, err = run_cli("search", "--db", "idx.db", "--queries", "q.txt", "-k", "1", "--mode", "lexical")
    assert code == 0 and "2 blank lines skipped" in err and "2 queries answered" in err, err
    (indexed / "one.txt").write_text("cat\n")
    code, out, err = run_cli("search", "--db", "idx.db", "--queries", "one.txt", "-k", "1", "--mode", "lexical")
    assert code == 0 and err == ""  # no blank line: nothing to say
    for text, why in (("", "it is empty"), ("\n \n", "2 blank lines")):
        (indexed / "none.txt").write_text(text)
        code, out, err = run_cli("search", "--db", "idx.db", "--queries", "none.txt", "--mode", "lexical")
        assert code == 2 and out == "" and "none.txt: no query in the file" in err and why in err, err


def test_a_pipe_as_root_is_named_as_not_a_regular_file(indexed, run_cli):
    """Was: "cannot list folder (Not a directory)", then "none of the roots exists now", exit 0."""
    os.mkfifo(indexed / "pipe.txt")
    before = db_state(indexed / "idx.db")
    code, _, err = run_cli("index", "pipe.txt", "--db", "idx.db")
    assert code == 2 and "pipe.txt: not a regular file or folder" in err, err
    assert db_state(indexed / "idx.db") == before


@pytest.mark.parametrize("value, kind", [(5, "a number"), (["a"], "a list"), (None, "null"), (True, "a boolean")])
def test_a_query_that_is_not_a_string_says_so(tmp_path, value, kind):
    """Was: "empty query" for ``{"query": 5}``."""
    from simsearch.retrieval import load_queries

    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"query": "fine", "relevant": ["a.txt"]}) + "\n"
                    + json.dumps({"query": value, "relevant": ["a.txt"]}) + "\n")
    with pytest.raises(SimsearchError, match=f'q.jsonl:2: "query" must be a string, not {kind}'):
        load_queries(path)


def test_a_config_without_model_type_is_one_short_line(tmp_path, index_model):
    """Was: transformers' error listing every architecture it knows (several hundred) on one line."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    from simsearch.models import resolve_model

    folder = tmp_path / "nm"
    shutil.copytree(index_model, folder)
    config = json.loads((folder / "config.json").read_text())
    del config["model_type"]
    (folder / "config.json").write_text(json.dumps(config))
    if any(pattern in str(folder) for pattern in CONFIG_MAPPING_NAMES):
        # transformers' fallback reads the architecture from the path: the folder is usable
        assert resolve_model(str(folder)).path == folder
        return
    with pytest.raises(SimsearchError) as refused:
        resolve_model(str(folder))
    assert "config.json" in str(refused.value) and '"model_type"' in str(refused.value)
    assert len(str(refused.value)) < 300


def test_train_batch_size_has_a_sane_bound(tmp_path, run_cli, monkeypatch):
    """Was: --batch-size 99999999999999999999 reached the data checks ("needs at least 99,999,... pairs")."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.txt").write_text("a b c.\nd e f.\ng h i.\n")
    code, _, err = run_cli("train", "--unsup", "l.txt", "--batch-size", "99999999999999999999", "--out", "o")
    assert code == 2 and "--batch-size 99999999999999999999: must be at most 65,536" in err, err
    code, _, err = run_cli("train", "--unsup", "l.txt", "--batch-size", "65536", "--out", "o", "--max-steps", "1")
    assert code == 2 and "must be at most" not in err  # within the bound: refused for the data, not the option
    assert not (tmp_path / "o").exists()


# --- 4. an index that cannot be written can still be read ------------------------------------

def _read_only_here(monkeypatch, *paths: Path) -> None:
    """Make ``os.access`` say these paths cannot be written (as a read-only folder or mount
    does for a user who is not root); SQLite itself is not stopped, so the tests also check that
    nothing beside the index is created and the file is not changed."""
    denied = {os.path.realpath(p) for p in paths}
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and os.path.realpath(path) in denied:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


def _settle(db: Path) -> None:
    """Close what the in-process commands left open and fold the WAL into the file: the index as
    a finished `simsearch` process leaves it (one file, no -wal), so that a later change is the reader's."""
    import gc

    gc.collect()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("denied", ["folder", "file"])
def test_search_and_status_read_an_index_they_cannot_write(indexed, index_model, run_cli, monkeypatch, denied):
    """Was: "the database is read-only; nothing was written" (exit 2) for a 444 index in a 555
    folder, and -wal/-shm files left beside a 444 index in a writable folder."""
    db = indexed / "idx.db"
    code, expected, _ = run_cli("search", "cat", "--db", db, "--json", "--device", "cpu")
    assert code == 0 and expected
    _settle(db)
    content, beside = db.read_bytes(), sorted(os.listdir(indexed))
    _read_only_here(monkeypatch, db.parent if denied == "folder" else db)
    for mode in ("lexical", "dense", "hybrid"):
        code, out, err = run_cli("search", "cat", "--db", db, "--json", "--mode", mode, "--device", "cpu")
        assert code == 0, err
        if mode == "hybrid":
            assert out == expected  # the same answer as from a writable index
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["sentences"] == 2, err
    assert db.read_bytes() == content and sorted(os.listdir(indexed)) == beside


def test_a_read_only_index_that_needs_a_migration_says_so(tmp_path, monkeypatch, run_cli):
    from simsearch import migrations
    from simsearch.store import Store

    path = tmp_path / "old.db"
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(upto=len(migrations.MIGRATIONS) - 1)  # one migration behind
    old.close()
    content = path.read_bytes()
    _read_only_here(monkeypatch, tmp_path)
    code, _, err = run_cli("status", "--db", path)
    line = " ".join(err.split())
    assert code == 2 and "older simsearch" in line and migrations.MIGRATIONS[-1].name in line, err
    assert "read-only here; nothing was changed" in line and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == content and sorted(os.listdir(tmp_path)) == ["old.db"]


def test_a_read_only_folder_with_real_permissions(indexed, as_a_user):
    """The same with the kernel's permission check: a 444 index in a 555 folder, searched and shown."""
    folder = indexed / "ro"
    folder.mkdir()
    # A copy of the index as it is now (its WAL included), in WAL mode as simsearch keeps it.
    with sqlite3.connect(indexed / "idx.db") as source, sqlite3.connect(folder / "idx.db") as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")
    copy.close()
    (folder / "idx.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        env = {**os.environ, "HOME": str(indexed)}
        runs = [subprocess.run([*as_a_user, sys.executable, "-m", "simsearch", *args, "--db", str(folder / "idx.db")],
                               capture_output=True, text=True, env=env, timeout=300)
                for args in (["search", "cat", "-k", "1", "--mode", "lexical", "--json"], ["status", "--json"])]
    finally:
        folder.chmod(0o755)
    for done in runs:
        assert done.returncode == 0, done.stderr
    assert json.loads(runs[0].stdout)["text"] == "The cat sat on the mat."
    assert sorted(os.listdir(folder)) == ["idx.db"]


def test_search_by_name_and_train_from_python_with_an_unreadable_models_folder(indexed, run_cli, monkeypatch):
    """`search -m NAME` looked for NAME in the models folder with ``is_dir`` (a PermissionError
    traceback), and ``train()`` called from Python with the default out skipped the CLI's check."""
    from simsearch.train import TrainConfig

    models = indexed / "models"
    models.mkdir()
    _deny_inside(monkeypatch, models)
    code, out, err = run_cli("search", "cat", "--db", "idx.db", "-m", "something")
    assert code == 2 and f"the models folder {models} cannot be read" in err and "Traceback" not in err, err
    with pytest.raises(SimsearchError, match="cannot be read"):
        TrainConfig(mode="unsup", data=indexed / "a.txt")


def test_an_index_read_as_immutable_gives_no_answer_once_a_writer_changed_it(indexed, index_model, monkeypatch):
    """Review ZZ: read as immutable (no lock, SQLite keeps what it read), a search while the index's
    owner re-indexed answered from the old index in silence, or failed with a KeyError or "database
    disk image is malformed". Once the file changed (or a writer's WAL appeared) it is one line."""
    from simsearch.indexer import index
    from simsearch.search import Searcher
    from simsearch.store import Store

    db = indexed / "copy.db"  # the index as its owner leaves it: closed, in WAL mode, no -wal file
    source, copy = sqlite3.connect(indexed / "idx.db"), sqlite3.connect(db)
    source.backup(copy)
    copy.execute("PRAGMA journal_mode=WAL")
    source.close(), copy.close()
    assert not Path(f"{db}-wal").exists()
    _read_only_here(monkeypatch, db, indexed)
    reader = Store.open(db, create=False, readonly=True)
    assert reader._immutable is not None
    searcher = Searcher.open(reader, str(index_model), device="cpu")
    assert searcher.search("cat", 1, mode="lexical")
    monkeypatch.undo()
    monkeypatch.chdir(indexed)
    (indexed / "b.txt").write_text("A bird sang in the tree.\n")
    writer = Store.open(db)  # the owner, who can write it
    index(writer, [indexed / "a.txt", indexed / "b.txt"], [str(index_model)], progress=False, device="cpu")
    with pytest.raises(SimsearchError, match="changed while it was being read"):
        searcher.search("bird", 1, mode="lexical")
    writer.close()
    with pytest.raises(SimsearchError, match="changed while it was being read"):  # and after the writer is gone
        searcher.search("bird", 1, mode="lexical")
    # a read torn by the writer is said as such, not as a damaged index
    with pytest.raises(SimsearchError, match="changed while it was being read"):
        with reader.snapshot():
            raise sqlite3.DatabaseError("database disk image is malformed")
    fresh = Searcher.open(Store.open(db, create=False, readonly=True), str(index_model), device="cpu")
    assert [hit.text for hit in fresh.search("bird", 1, mode="lexical")] == ["A bird sang in the tree."]



def _missing_vectors(db: Path, model: str) -> int:
    with sqlite3.connect(db) as conn:
        model_id = conn.execute("SELECT id FROM models WHERE name = ?", (model,)).fetchone()[0]
        return conn.execute("SELECT count(*) FROM sentences s WHERE NOT EXISTS (SELECT 1 FROM vectors v "
                            "WHERE v.sentence_id = s.id AND v.model_id = ?)", (model_id,)).fetchone()[0]


def test_a_refresh_goes_on_past_a_model_whose_size_cannot_be_read(indexed, index_model, run_cli):
    """Review ZZ D2: a model of the index whose config.json lost its hidden_size (or whose files cannot
    be read) stopped a plain `index` whole (exit 2, nothing indexed) instead of being skipped."""
    second = indexed / "second"
    shutil.copytree(index_model, second)
    code, _, err = run_cli("index", "--db", "idx.db", "-m", str(index_model), "-m", "./second", "--device", "cpu")
    assert code == 0, err
    config = json.loads((second / "config.json").read_text())
    del config["hidden_size"]
    (second / "config.json").write_text(json.dumps(config))
    (indexed / "b.txt").write_text("Something new here.\n")
    code, _, err = run_cli("index", "b.txt", "--db", "idx.db", "--device", "cpu")
    assert code == 0 and "cannot be loaded" in err and "forget --model ./second" in err, err
    assert _missing_vectors(indexed / "idx.db", str(index_model)) == 0  # the good model embedded the new file


def test_a_named_model_that_no_longer_loads_fails_the_run_not_up_to_date(indexed, index_model, run_cli, monkeypatch):
    """Review ZZ D3: `index -m ./m` for a model with vectors and unchanged files that no longer loads
    (only the environment changed) said "indexed ..." and exited 0, its new sentences without vectors."""
    from simsearch.encoder import Encoder

    second = indexed / "second"
    shutil.copytree(index_model, second)
    code, _, err = run_cli("index", "--db", "idx.db", "-m", "./second", "--device", "cpu")
    assert code == 0, err
    real_load = Encoder.load.__func__

    def load(cls, ref, *args, **kwargs):
        if os.path.abspath(getattr(ref, "path", ref)) == os.path.abspath(second):
            raise SimsearchError("the weights cannot be read here")
        return real_load(cls, ref, *args, **kwargs)

    monkeypatch.setattr(Encoder, "load", classmethod(load))
    (indexed / "b.txt").write_text("Something new here.\n")
    code, out, err = run_cli("index", "b.txt", "--db", "idx.db", "-m", "./second", "--device", "cpu")
    assert code == 2 and "cannot be loaded" in err and "wait until it loads" in err, (out, err)
    assert _missing_vectors(indexed / "idx.db", "./second") == 1
    monkeypatch.undo()
    monkeypatch.chdir(indexed)
    code, _, err = run_cli("index", "--db", "idx.db", "-m", "./second", "--device", "cpu")
    assert code == 0 and _missing_vectors(indexed / "idx.db", "./second") == 0, err


def test_ctrl_c_while_a_first_index_loads_its_model_leaves_nothing(tmp_path, index_model, run_cli, monkeypatch):
    """Review ZZ D4: Ctrl-C while a first index loaded its model left an empty index, its lock file
    and the folders made for it."""
    from simsearch.encoder import Encoder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sat on the mat.\n")

    def load(cls, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Encoder, "load", classmethod(load))
    code, _, err = run_cli("index", "a.txt", "--db", "n/x/idx.db", "-m", str(index_model), "--device", "cpu")
    assert code == 130, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


# --- Found by session 43's trial G: a fresh install driven by the README, and an index attacked with
# odd files and events.

def _as_user(prefix: list[str], folder, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(folder), "SIMSEARCH_MODELS": str(folder / "models"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # this checkout's simsearch, run elsewhere
    return subprocess.run([*prefix, sys.executable, "-m", "simsearch", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=folder, timeout=300)


def test_index_on_a_read_only_database_leaves_nothing_that_keeps_it_read_only(indexed, index_model, as_a_user):
    """Was: `index` on a 444 index in a writable folder said "read-only" but left a 444 -wal and
    -shm beside it (SQLite opened the file read-only and made them with its mode), so after
    `chmod u+w` every `index` still said "the database is read-only", until the user found and
    deleted the -shm. Now nothing is made beside it, and the index is writable again with the file."""
    db = indexed / "idx.db"
    _settle(db)
    beside = sorted(os.listdir(indexed))
    db.chmod(0o444)
    try:
        done = _as_user(as_a_user, indexed, "index", "a.txt", "--db", db, "-m", index_model, "--device", "cpu")
        assert done.returncode == 2 and "idx.db: the database is read-only" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert sorted(os.listdir(indexed)) == beside
    finally:
        db.chmod(0o644)
    (indexed / "b.txt").write_text("Bread rises in a warm kitchen.\n")
    done = _as_user(as_a_user, indexed, "index", "b.txt", "--db", db, "-m", index_model, "--device", "cpu")
    assert done.returncode == 0, done.stderr
