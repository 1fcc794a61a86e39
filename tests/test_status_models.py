"""`status` tells whether each model's vectors can be searched, as `search` decides it; a model
name means the same folder to `index` and to `search`; an index of another version is refused
or upgraded with a line that says what it lacks.

Oracles: `search` itself (``Searcher.open`` + a dense search: the refusal and its reason) for
the model states; the folder a name resolves to now (``models.resolve_offline``) for what
`index -m NAME` and `search -m NAME` must both read; the database's bytes for "nothing written".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simsearch import migrations
from simsearch.errors import SimsearchError
from simsearch.indexer import (
    FOLDER_STATES,
    folder_notes,
    forget_roots,
    index,
    index_status,
    model_folder_state,
)
from simsearch.models import fingerprint, resolve_offline
from simsearch.search import Searcher, pick_model
from simsearch.store import StorageError, Store
from tests.test_ann_trust import read_only as _read_only
from tests.tiny_bert import create_random_bert

FIXTURE = Path(__file__).parent / "fixtures" / "index-schema6" / "index.db"


def make_model(folder: Path, seed: int) -> Path:
    return create_random_bert(folder, hidden_size=32, heads=2, layers=2, pooler="avg", seed=seed)


@pytest.fixture(scope="module")
def two_models(tmp_path_factory) -> tuple[Path, Path]:
    """Two different tiny models (as a model and the same name retrained would be)."""
    root = tmp_path_factory.mktemp("status-models")
    return make_model(root / "first", 1), make_model(root / "second", 2)


def write_docs(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a.txt").write_text("The river runs to the sea.\n\nA dog barks at the postman.\n\nBread rises overnight.\n")
    return folder


def search_verdict(db: Path, model: str) -> str | None:
    """What `search --mode dense -m MODEL` does: None if it searches, else its one-line refusal."""
    store = Store.open(db, create=False)
    try:
        searcher = Searcher.open(store, model, device="cpu")
        searcher.search("river", k=2, mode="dense")
        return None
    except SimsearchError as exc:
        return str(exc)
    finally:
        store.close()


def reason_of(refusal: str | None) -> str:
    """The state a refusal is for, read from search's own words (the oracle's classification)."""
    if refusal is None:
        return "current"
    if "changed since it was indexed" in refusal:
        return "changed"
    if "no longer at" in refusal:
        return "gone"
    return "unreadable"


# What can happen to a model's folder after it was indexed.
def _retrain(folder: Path, other: Path) -> None:  # the same name, other weights (a new training run)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(other, folder)


def _restore(folder: Path, original: Path) -> None:  # the very files it was indexed with, copied back
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(original, folder)


def _delete(folder: Path, _: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _break(folder: Path, _: Path) -> None:  # the folder is there, but not a model any more
    with contextlib.suppress(FileNotFoundError):
        (folder / "config.json").unlink()


def _edit_metadata(folder: Path, _: Path) -> None:  # a file the model's identity covers
    if folder.is_dir():
        (folder / "extra.json").write_text(json.dumps({"edited": os.urandom(4).hex()}))


def _touch(folder: Path, _: Path) -> None:  # times change, bytes do not
    for file in folder.glob("*") if folder.is_dir() else []:
        os.utime(file, ns=(1_000_000_000, 1_000_000_000))


def _add_notes(folder: Path, _: Path) -> None:  # a file that is no part of the model
    if folder.is_dir():
        (folder / "NOTES.md").write_text("my notes on this model\n")


ACTIONS = {f.__name__.strip("_"): f for f in (_retrain, _restore, _delete, _break, _edit_metadata, _touch, _add_notes)}


def test_status_says_of_each_model_what_search_does_with_it(tmp_path, two_models):
    """Whatever happens to a model's folder after indexing, `status` says "current" exactly when
    search uses the vectors, and otherwise the reason search refuses them, in search's words."""
    original, other = two_models
    folder = tmp_path / "m"
    shutil.copytree(original, folder)
    db = tmp_path / "index.db"
    store = Store.open(db)
    index(store, [write_docs(tmp_path / "docs")], [str(folder)], device="cpu", progress=False, precision="fp32")
    store.close()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=3))
    @example([])
    @example(["retrain"])
    @example(["delete"])
    @example(["break"])
    @example(["edit_metadata"])
    @example(["touch", "add_notes"])
    @example(["retrain", "restore"])
    def check(actions: list[str]) -> None:
        _restore(folder, original)
        for action in actions:
            ACTIONS[action](folder, other)
        store = Store.open(db, create=False)
        try:
            (shown,) = index_status(store)["models"]
        finally:
            store.close()
        refusal = search_verdict(db, str(folder))
        assert shown["folder"] in FOLDER_STATES
        assert shown["folder"] == reason_of(refusal), (actions, refusal)
        assert shown["folder_note"] == refusal
        # The vectors are counted all the same: they are in the index, stale or not.
        assert shown["vectors"] == 3 and shown["missing"] == 0

    check()


def test_status_json_flags_a_model_replaced_or_deleted_under_its_name(tmp_path, two_models, run_cli):
    """The hunt's case through the command line: the folder replaced by another model (search
    refuses), then deleted; `status --json` says so, and the lines `status` prints under its
    table name the model and the remedy."""
    original, other = two_models
    folder = tmp_path / "X"
    shutil.copytree(original, folder)
    db = tmp_path / "index.db"
    code, _, err = run_cli("index", write_docs(tmp_path / "docs"), "-m", folder, "--db", db, "--device", "cpu")
    assert code == 0, err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out)["models"][0]["folder"] == "current"

    _retrain(folder, other)
    code, _, err = run_cli("search", "river", "-m", folder, "--db", db, "--mode", "dense")
    assert code == 2 and "changed since it was indexed" in err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["models"][0]["folder"] == "changed"
    (line,) = folder_notes(info)
    assert "changed since it was indexed" in line and "simsearch index --model" in line
    code, out, err = run_cli("status", "--db", db)  # the table and the line under it
    assert code == 0 and "changed" in out and "simsearch index --model" in " ".join(out.split()), err

    shutil.rmtree(folder)
    code, out, err = run_cli("status", "--db", db, "--json")
    info = json.loads(out)
    assert info["models"][0]["folder"] == "gone"
    (line,) = folder_notes(info)
    assert str(folder) in line and "simsearch forget --model" in line


def test_status_reads_a_models_files_but_never_loads_it(tmp_path, two_models, monkeypatch):
    """Status stays cheap: the fingerprint is checked from the files; no weights are loaded."""
    import transformers

    from simsearch.encoder import Encoder

    original, other = two_models
    kept, retrained = tmp_path / "kept", tmp_path / "retrained"
    shutil.copytree(original, kept)
    shutil.copytree(original, retrained)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs")], [str(kept), str(retrained)], device="cpu", progress=False,
          precision="fp32")
    _retrain(retrained, other)

    def no_loading(*args, **kwargs):
        raise AssertionError("status loaded a model")

    monkeypatch.setattr(Encoder, "load", no_loading)
    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", no_loading)
    states = {Path(m["path"]).name: m["folder"] for m in index_status(store)["models"]}
    store.close()
    assert states == {"kept": "current", "retrained": "changed"}


# --- a name means one folder to index and to search ------------------------------------------

def _rows(db: Path) -> dict[str, tuple[str, str, int]]:
    """path -> (name, fingerprint, vectors) of every model the index holds."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {path: (name, digest, count) for name, path, digest, count in conn.execute(
            "SELECT name, path, fingerprint, (SELECT count(*) FROM vectors v WHERE v.model_id = m.id) FROM models m")}


def _search_reads(db: Path, name: str) -> str:
    """The folder `search -m NAME` reads (its model row's folder, checked as search checks it)."""
    store = Store.open(db, create=False)
    try:
        row = pick_model(store, name)
        assert model_folder_state(row) == ("current", None)
        return row.path
    finally:
        store.close()


@pytest.mark.parametrize("first_folder", ["kept", "deleted"])
def test_index_and_search_read_a_model_name_at_the_same_folder(tmp_path, two_models, run_cli, monkeypatch,
                                                                first_folder):
    """`-m T` indexed ./T; then a model T appears in the models directory (trained models are
    resolved first, so `-m T` now reaches it). Search reads the index's T at the folder it was
    indexed from; `index -m T` must read the same folder: not take the models directory's T for
    a retrain of ./T ("changed since it was indexed"), deleting ./T's vectors. It says that the
    other T is another model and how to add it. Only when ./T is gone is T looked for again by
    name, by both (index moves or re-embeds it; search then reads that folder)."""
    original, other = two_models
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(original, tmp_path / "T")
    db = tmp_path / "index.db"
    docs = write_docs(tmp_path / "docs")
    code, _, err = run_cli("index", docs, "-m", "T", "--db", db, "--device", "cpu")
    assert code == 0, err
    before = _rows(db)
    trained = tmp_path / "models" / "T"
    shutil.copytree(other, trained)
    if first_folder == "deleted":
        shutil.rmtree(tmp_path / "T")
        code, _, err = run_cli("index", docs, "-m", "T", "--db", db, "--device", "cpu")
        assert code == 0, err
        assert _search_reads(db, "T") == str(trained) == str(resolve_offline("T").path)
        assert _rows(db)[str(trained)][1:] == (fingerprint(resolve_offline("T")), 3)
        return
    assert _search_reads(db, "T") == str(tmp_path / "T")
    code, _, err = run_cli("index", docs, "-m", "T", "--db", db, "--device", "cpu")
    assert code == 0, err
    flat = " ".join(err.split())
    assert "changed since it was indexed" not in flat and "re-embedding" not in flat, err
    assert _rows(db) == before  # ./T's model, its fingerprint and its vectors, untouched
    assert _search_reads(db, "T") == str(tmp_path / "T")
    assert f"simsearch index --model {trained}" in flat, err  # the other T, and how to add it
    code, _, err = run_cli("index", docs, "-m", trained, "--db", db, "--device", "cpu")
    assert code == 0, err
    after = _rows(db)
    assert {path: after[path] for path in before} == before
    assert after[str(trained)][1:] == (fingerprint(resolve_offline(str(trained))), 3)
    assert _search_reads(db, str(trained)) == str(trained)


def test_index_says_so_when_a_name_means_another_folder_than_the_index_holds(tmp_path, two_models, run_cli,
                                                                             monkeypatch):
    """`-m ./m` from another working directory is another model (README: "a model is its folder");
    index adds it under its path and says why there are now two, and that the first keeps its vectors."""
    original, other = two_models
    for place, model in (("d1", original), ("d2", other)):
        shutil.copytree(model, tmp_path / place / "m")
    db = tmp_path / "index.db"
    docs = write_docs(tmp_path / "docs")
    monkeypatch.chdir(tmp_path / "d1")
    code, _, err = run_cli("index", docs, "-m", "./m", "--db", db, "--device", "cpu")
    assert code == 0, err
    monkeypatch.chdir(tmp_path / "d2")
    code, _, err = run_cli("index", docs, "-m", "./m", "--db", db, "--device", "cpu")
    assert code == 0, err
    flat = " ".join(err.split())
    assert "added as another model" in flat and str(tmp_path / "d1" / "m") in flat, err
    assert sorted(name for name, _, count in _rows(db).values()) == sorted(["./m", str(tmp_path / "d2" / "m")])
    assert all(count == 3 for _, _, count in _rows(db).values())


# --- indexes from other versions -----------------------------------------------------------------

def test_an_index_from_a_newer_simsearch_is_refused_naming_what_it_does_not_know(tmp_path, run_cli):
    db = tmp_path / "index.db"
    shutil.copyfile(FIXTURE, db)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO _migrations VALUES (50, '0050_from_the_future', 'later')")
        conn.commit()
    code, _, err = run_cli("status", "--db", db)
    assert code == 2
    line = " ".join(err.split())
    assert "newer simsearch" in line and "0050_from_the_future" in line, err
    assert "schema" not in line  # counts of migrations compared the wrong things ("schema 1, knows 11")
    assert len(err.strip().splitlines()) == 1


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_older_index_that_cannot_be_written_says_it_needs_upgrading(tmp_path):
    """Opened read-only (as a file on read-only media is), an older index cannot be upgraded:
    one line that says so, what it lacks and what to do; nothing written."""
    db = tmp_path / "index.db"
    shutil.copyfile(FIXTURE, db)
    before = _digest(db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
    store = Store(db, conn)
    lacking = [m.name for _, m in migrations.pending(store.db)]
    assert lacking
    with pytest.raises(StorageError) as raised:
        store.migrate()
    conn.close()
    message = str(raised.value)
    assert "older simsearch" in message and "upgraded" in message and "writable" in message
    assert lacking[0] in message and "nothing was changed" in message and "\n" not in message
    assert _digest(db) == before


def test_status_on_a_read_only_older_index_is_one_line_and_writes_nothing(tmp_path, run_cli):
    db = tmp_path / "index.db"
    shutil.copyfile(FIXTURE, db)
    before = _digest(db)
    with _read_only(db):
        code, out, err = run_cli("status", "--db", db)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    line = " ".join(err.split())
    assert "older simsearch" in line and "0007_model_precision" in line and "writable" in line, err
    assert _digest(db) == before
    # Writable again, status upgrades it (as every command does) and reads it.
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out)["schema"] == len(migrations.MIGRATIONS)


def test_an_upgrade_that_fails_half_way_says_how_far_it_got(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    old = Store(db, sqlite3.connect(db, isolation_level=None))
    old.migrate(upto=len(migrations.MIGRATIONS) - 3)  # three behind
    old.close()
    last = migrations.MIGRATIONS[-1]

    def disk_full(database):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS[:-1], migrations.Migration(last.name, disk_full)])
    with pytest.raises(StorageError) as raised:
        Store.open(db)
    message = str(raised.value)
    assert "3 migrations" in message and "2 of them were applied" in message and "disk is full" in message


def test_the_remedy_for_a_changed_model_mends_it_as_printed(tmp_path, two_models, run_cli, monkeypatch):
    """`./my m` indexed from one folder into an index given by --db, retrained in place; seen from
    a folder holding another `./my m`, the printed remedy is run word for word (the oracle: the
    model is current afterwards, and no other index or model appears). It names the indexed
    folder itself (`--model './my m'` there would add the other one) and the index (without
    `--db` it would act on the default index); with the index the default, no `--db`."""
    original, other = two_models
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copytree(original, a / "my m")
    shutil.copytree(other, b / "my m")
    db = tmp_path / "custom index.db"
    default = tmp_path / "default.db"
    monkeypatch.setenv("SIMSEARCH_DB", str(default))
    monkeypatch.chdir(a)
    assert run_cli("index", write_docs(a / "docs"), "-m", "./my m", "--db", db, "--device", "cpu")[0] == 0
    _retrain(a / "my m", other)

    def remedy(where) -> list[str]:
        monkeypatch.chdir(where)
        code, out, err = run_cli("status", "--db", db, "--json")
        note = json.loads(out)["models"][0]["folder_note"]
        printed = note.rsplit("re-embed with `", 1)[1].rstrip("`")
        return shlex.split(printed)

    assert remedy(a) == ["simsearch", "index", "--model", "./my m", "--db", str(db)]
    words = remedy(b)
    assert words == ["simsearch", "index", "--model", str(a / "my m"), "--db", str(db)], words
    code, out, err = run_cli(*words[1:], "--device", "cpu")
    assert code == 0, err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert [(m["name"], m["folder"]) for m in json.loads(out)["models"]] == [("./my m", "current")]
    assert not default.exists()

    monkeypatch.setenv("SIMSEARCH_DB", str(db))  # the index is the default one: no --db to name
    _retrain(a / "my m", original)
    assert remedy(a) == ["simsearch", "index", "--model", "./my m"]


def test_status_of_an_index_whose_folders_were_all_forgotten_says_it_holds_no_sentences(tmp_path, two_models):
    """After `forget FOLDER` of its only folder (mypy's docs, session 46) `status` said of minilm
    "search: no: no vectors yet", the words for a model whose vectors an interrupted `index -m`
    never wrote: as if a run were owed. No sentence waits for a vector; the index holds none."""
    db = tmp_path / "index.db"
    store = Store.open(db)
    docs = write_docs(tmp_path / "docs")
    index(store, [docs], [str(two_models[0])], device="cpu", progress=False, precision="fp32")
    forget_roots(store, [docs])
    try:
        (shown,) = index_status(store)["models"]
        assert index_status(store)["sentences"] == 0
    finally:
        store.close()
    assert shown["vectors"] == 0 and shown["search"] == "no: the index holds no sentences"
