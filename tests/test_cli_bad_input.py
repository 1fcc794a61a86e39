"""Bad input as a table: every command x every option with a wrong value.

Each row runs ``simsearch ARGS`` in a workspace holding a real index, a text file, a folder,
a malformed data file and so on, and asserts what a user is promised: exit status 2, one
line on stderr that names the option or file, no traceback, nothing on stdout, and nothing
written (the workspace is byte-for-byte the same afterwards). A few rows also run through
a real ``python -m simsearch`` process, and the rest of the file covers the options' shape:
choices in sync with the library, one ``--device`` default, JSON without NaN.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

WORKSPACE_FILES = {
    "docs/cooking.md": "# Cooking\n\nBoil the pasta in salted water. Drain it after nine minutes.\n\n"
                       "Grate the cheese while the sauce simmers. Serve at once.\n",
    "docs/travel.txt": "The train leaves at noon.\nPack a raincoat for the mountains.\n",
    "notes.txt": "One sentence here.\nAnother one there.\nA third line for good measure.\n",
    "bad.csv": "premise,hypothesis\na,b\n",
    "latin1.txt": "",  # bytes written below
    "queries-latin1.txt": "",
    "queries-nul.txt": "first query\n\n\x00\x00\n",
    "not-a-db.txt": "just some text, not SQLite\n",
}


@pytest.fixture(scope="module")
def built_workspace(tmp_path_factory, index_model) -> Path:
    """A workspace with an index built once (the model pools with ``avg``)."""
    from simsearch.cli import main

    root = tmp_path_factory.mktemp("bad-input") / "ws"
    for name, text in WORKSPACE_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "latin1.txt").write_bytes(b"fine line\nna\xefve caf\xe9\n")
    (root / "queries-latin1.txt").write_bytes(b"first query\ncaf\xe9 au lait\n")
    (root / "empty-folder").mkdir()
    (root / "data" / "senteval").mkdir(parents=True)  # passes the data check; no model is ever loaded on it
    foreign = sqlite3.connect(root / "foreign.db")
    foreign.execute("CREATE TABLE notes (body TEXT)")
    foreign.commit()
    foreign.close()
    main(["index", str(root / "docs"), "--model", str(index_model), "--db", str(root / "index.db"), "--json"])
    return root


@pytest.fixture
def workspace(built_workspace, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the workspace, the working directory, with every simsearch default inside it."""
    root = tmp_path / "ws"
    shutil.copytree(built_workspace, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SIMSEARCH_DB", str(root / "default.db"))
    monkeypatch.setenv("SIMSEARCH_MODELS", str(root / "models"))
    monkeypatch.setenv("SIMSEARCH_DATA", str(root / "no-data"))
    monkeypatch.delenv("SIMSEARCH_DEVICE", raising=False)
    return root


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root``: its bytes' hash (files) and permissions."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.name.endswith("-shm") or (path.name.endswith("-wal") and path.stat().st_size == 0):
            continue  # SQLite's shared-memory index and an empty log: any reader leaves them; no data
        rel = str(path.relative_to(root))
        if path.is_dir():
            state[rel] = ("dir", path.stat().st_mode)
        else:
            state[rel] = ("file", path.stat().st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return state


# (arguments, what the one line must contain). In arguments, {ws} is the workspace and
# {model} the index's tiny model. Rows are grouped by command; every option of every
# command with a value has at least one wrong value here.
CASES = [
    # the program itself
    (["nope"], "No such command 'nope'"),
    (["--nope"], "No such option: --nope"),
    # models
    (["models", "--nope"], "No such option: --nope"),
    # eval sts
    (["eval", "nope"], "No such command 'nope'"),
    (["eval", "sts", "--nope"], "No such option: --nope"),
    (["eval", "sts", "--aggregate", "median"], "--aggregate 'median': expected one of all, mean, wmean"),
    (["eval", "sts", "--split", "train"], "--split 'train': expected one of test, dev"),
    (["eval", "sts", "--pooler", "mean"], "--pooler 'mean': expected one of cls, cls_before_pooler, avg"),
    (["eval", "sts", "--batch-size", "0"], "--batch-size 0: must be at least 1"),
    (["eval", "sts", "--batch-size", "many"], "--batch-size 'many'"),
    (["eval", "sts", "--device", "tpu"], "--device 'tpu': expected one of auto, cpu, cuda"),
    (["eval", "sts", "--data", "{ws}/notes.txt"], "--data {ws}/notes.txt: is a file, not a folder"),
    (["eval", "sts", "--data", "{ws}/nowhere"], "no evaluation data at {ws}/nowhere"),
    (["eval", "sts", "--data", "{ws}/empty-folder"], "no evaluation data at {ws}/empty-folder"),
    (["eval", "sts", "--model", "notes.txt", "--data", "data"], "notes.txt is a file, not a model folder"),
    (["eval", "sts", "-m", "{model}", "-m", "{ws}/nowhere", "--data", "data"], "unknown model '{ws}/nowhere'"),
    (["eval", "sts", "-m", "empty-folder", "--data", "data"], "empty-folder is not a model folder (no config.json)"),
    (["eval", "sts", "--model"], "Option '--model' requires an argument"),
    (["eval", "sts", "--precision", "fp16"], "--precision 'fp16': expected one of auto, fp32, bf16, int8"),
    # eval geometry
    (["eval", "geometry", "--split", "validation"], "--split 'validation': expected one of all, train, dev, test"),
    (["eval", "geometry", "--pooler", "max"], "--pooler 'max'"),
    (["eval", "geometry", "--device", "gpu"], "--device 'gpu'"),
    (["eval", "geometry", "--data", "{ws}/bad.csv"], "--data {ws}/bad.csv: is a file, not a folder"),
    (["eval", "geometry", "--batch-size", "8"], "No such option: --batch-size"),
    (["eval", "geometry", "-m", "{model}", "-m", "bad.csv", "--data", "data"], "bad.csv is a file, not a model folder"),
    # train: files
    (["train"], "give exactly one of --unsup FILE or --sup FILE"),
    (["train", "--unsup", "notes.txt", "--sup", "bad.csv"], "give exactly one of --unsup FILE or --sup FILE"),
    (["train", "--unsup", "missing.txt"], "--unsup missing.txt: no such file or folder"),
    (["train", "--sup", "missing.csv"], "--sup missing.csv: no such file or folder"),
    # A name longer than the file system takes: Path.exists() raises instead of answering False.
    (["train", "--unsup", "notes.txt", "--out", "x" * 300 + "/m"], "--out " + "x" * 300 + "/m: File name too long"),
    (["index", "y" * 300], "y" * 300 + ": File name too long"),
    (["search", "pasta", "--db", "z" * 300 + "/idx.db"], "--db " + "z" * 300 + "/idx.db: File name too long"),
    (["train", "--sup", "docs"], "--sup docs: is a folder, not a file"),
    (["train", "--sup", "bad.csv", "-m", "{model}"], "needs columns sent0,sent1[,hard_neg]; found: premise,hypothesis"),
    (["train", "--unsup", "bad.csv", "-m", "{model}"], "bad.csv: unsupported file type .csv"),
    (["train", "--unsup", "empty-folder", "-m", "{model}"], "empty-folder"),
    (["train", "--unsup", "notes.txt", "--out", "notes.txt"], "--out notes.txt: is a file, not a folder"),
    (["train", "--unsup", "notes.txt", "--out", "notes.txt/model"], "cannot be created, {ws}/notes.txt is a file"),
    (["train", "--unsup", "notes.txt", "--data", "notes.txt"], "--data notes.txt: is a file, not a folder"),
    (["train", "--unsup", "notes.txt", "-m", "{model}", "--resume"], "--resume: no checkpoint"),
    (["train", "--unsup", "notes.txt", "-m", "{ws}/notes.txt"], "is a file, not a model folder"),
    # train: numbers and choices
    (["train", "--unsup", "notes.txt", "--lr", "fast"], "--lr 'fast'"),
    (["train", "--unsup", "notes.txt", "--lr", "0"], "--lr 0: must be positive"),
    (["train", "--unsup", "notes.txt", "--lr", "nan"], "--lr nan: must be a finite number"),
    (["train", "--unsup", "notes.txt", "--lr", "inf"], "--lr inf: must be a finite number"),
    (["train", "--unsup", "notes.txt", "--temp", "0"], "--temp 0: must be positive"),
    (["train", "--unsup", "notes.txt", "--temp", "-0.05"], "--temp -0.05: must be positive"),
    (["train", "--unsup", "notes.txt", "--temp", "-inf"], "--temp -inf: must be a finite number"),
    (["train", "--unsup", "notes.txt", "--dropout", "1"], "--dropout 1: must be in [0, 1)"),
    (["train", "--unsup", "notes.txt", "--dropout", "-0.1"], "--dropout -0.1: must be in [0, 1)"),
    (["train", "--unsup", "notes.txt", "--dropout", "nan"], "--dropout nan: must be a finite number"),
    (["train", "--unsup", "notes.txt", "--hard-negative-weight", "-1"], "--hard-negative-weight -1: must be >= 0"),
    (["train", "--unsup", "notes.txt", "--hard-negative-weight", "inf"], "--hard-negative-weight inf: must be a finite"),
    (["train", "--unsup", "notes.txt", "--distill", "-0.5"], "--distill -0.5: must be >= 0"),
    (["train", "--unsup", "notes.txt", "--distill", "nan"], "--distill nan: must be a finite number"),
    (["train", "--unsup", "notes.txt", "--epochs", "0"], "--epochs 0: must be at least 1"),
    (["train", "--unsup", "notes.txt", "--epochs", "1.5"], "--epochs '1.5'"),
    (["train", "--unsup", "notes.txt", "--max-steps", "0"], "--max-steps 0: must be at least 1"),
    (["train", "--unsup", "notes.txt", "--batch-size", "1"], "--batch-size 1: must be at least 2"),
    (["train", "--unsup", "notes.txt", "--max-len", "0"], "--max-len 0: must be at least"),
    (["train", "--unsup", "notes.txt", "--eval-steps", "0"], "--eval-steps 0: must be at least 1"),
    (["train", "--unsup", "notes.txt", "--warmup-steps", "-1"], "--warmup-steps -1: must be >= 0"),
    (["train", "--unsup", "notes.txt", "--seed", "-1"], "--seed -1: must be at least 0"),
    (["train", "--unsup", "notes.txt", "--seed", "4294967296"], "--seed 4294967296: must be at most"),
    (["train", "--unsup", "notes.txt", "--seed", "x"], "--seed 'x'"),
    (["train", "--unsup", "notes.txt", "--pooler", "first"], "--pooler 'first': expected one of"),
    (["train", "--unsup", "notes.txt", "--device", "mps"], "--device 'mps': expected one of auto, cpu, cuda"),
    # (int8 is no choice for training: the list named it, and int8 was then refused)
    (["train", "--unsup", "notes.txt", "--precision", "fp16"],
     "--precision 'fp16': expected one of auto, fp32, bf16 (int8 is for encoding)"),
    (["train", "--unsup", "notes.txt", "--precision", "int8"], "int8 is for encoding"),
    # index
    (["index", "typo.txt"], "typo.txt: no such file or folder"),
    (["index", "docs", "typo.txt", "--db", "new.db"], "typo.txt: no such file or folder"),
    (["index", "--db", "new.db"], "nothing to index"),
    (["index", "docs", "--db", "new.db", "-m", "{ws}/nowhere"], "unknown model '{ws}/nowhere'"),
    (["index", "docs", "--db", "index.db", "-m", "{ws}/nowhere"], "unknown model '{ws}/nowhere'"),
    (["index", "docs", "--db", "docs"], "--db docs: is a folder, not a file"),
    (["index", "docs", "--db", "notes.txt/index.db"], "cannot be created, {ws}/notes.txt is a file"),
    (["index", "docs", "--db", "not-a-db.txt"], "not-a-db.txt is not a simsearch index"),
    (["index", "docs", "--db", "new.db", "--batch-size", "0"], "--batch-size 0: must be at least 1"),
    (["index", "docs", "--db", "new.db", "--max-file-mb", "0"], "--max-file-mb 0: must be > 0"),
    (["index", "docs", "--db", "new.db", "--max-file-mb", "nan"], "--max-file-mb nan: must be a finite number"),
    (["index", "docs", "--db", "new.db", "--max-file-mb", "big"], "--max-file-mb 'big'"),
    (["index", "docs", "--db", "new.db", "--device", "tpu"], "--device 'tpu'"),
    (["index", "docs", "--db", "new.db", "--pooler", "mean", "-m", "{model}"], "--pooler 'mean'"),
    (["index", "docs", "--db", "new.db", "--pooler", "avg"], "--pooler applies to the models named with --model"),
    (["index", "docs", "--db", "new.db", "--nope"], "No such option: --nope"),
    (["index", "docs", "--db", "new.db", "--precision", "half"], "--precision 'half': expected one of auto, fp32"),
    # search
    (["search", "x", "--nope"], "No such option: --nope"),
    (["search", "-deadline"], "No such option: -d (in '-deadline'; a query or path that begins with '-' goes after "
                              "'--', options before it: simsearch search [OPTIONS] -- -deadline)"),
    (["eval", "retrieval", "-queries.jsonl"], "options before it: simsearch eval retrieval [OPTIONS] -- -queries.jsonl)"),
    (["search", "x", "-k", "abc"], "-k 'abc': expected a whole number"),
    (["search", "x", "-k", "2.5"], "-k '2.5': expected a whole number"),
    (["search", "x", "-k", "0"], "-k 0: must be at least 1"),
    (["search", "x", "--k", "-3"], "-k -3: must be at least 1"),
    (["search", "x", "-k", "99999999999999999999999"], "must be at most 1000000"),
    (["search", "x", "--context", "-1"], "--context -1: must be at least 0"),
    (["search", "x", "--context", "lots"], "--context 'lots'"),
    (["search", "x", "--context", "100000"], "--context 100000: must be at most 1000"),
    (["search", "x", "--min-score", "high"], "--min-score 'high': expected a number"),
    (["search", "x", "--min-score", "1.5"], "--min-score 1.5: must be at most 1"),
    (["search", "x", "--min-score", "nan"], "--min-score nan: must be a finite number"),
    (["search", "x", "--device", "tpu"], "--device 'tpu'"),
    (["search", "x", "--pooler", "mean"], "--pooler 'mean'"),
    (["search", "x", "--precision", "int4"], "--precision 'int4': expected one of auto, fp32, bf16, int8"),
    (["search", "x", "--db", "index.db", "--pooler", "cls"], "model {model!r} was indexed with pooler avg; "
                                                            "to search with cls, re-index it"),
    (["search", "x", "--db", "index.db", "--model", "nope"], "model 'nope' is not in the index"),
    # a name that is no model here: no `index --model nope` to suggest (it would fail the same way)
    (["search", "x", "--db", "index.db", "--model", "nope"], "no model of that name is here"),
    # neither was "give a QUERY or --queries FILE (not both)", to a user who had given neither (session 38)
    (["search", "--db", "index.db"], "nothing to search for: give a QUERY or --queries FILE"),
    (["search", "x", "--db", "index.db", "--queries", "notes.txt"], "give a QUERY or --queries FILE, not both"),
    (["search", "   ", "--db", "index.db"], "the query is empty"),
    (["search", "--queries", "missing.txt", "--db", "index.db"], "--queries missing.txt: no such file or folder"),
    (["search", "--queries", "docs", "--db", "index.db"], "--queries docs: is a folder, not a file"),
    (["search", "--queries", "queries-latin1.txt", "--db", "index.db"], "queries-latin1.txt: line 2 is not UTF-8"),
    (["search", "--queries", "queries-nul.txt", "--db", "index.db"], "queries-nul.txt: line 3: the query is empty"),
    (["search", "\x1b\u200b", "--db", "index.db"], "the query is empty"),
    (["search", "--queries", "--db", "index.db"], "--queries --db: no such file or folder"),
    (["search", "x", "--db", "absent.db"], "no index at absent.db"),
    (["search", "x", "--db", "docs"], "--db docs: is a folder, not a file"),
    (["search", "x", "--db", "not-a-db.txt"], "not-a-db.txt is not a simsearch index"),
    (["search", "x", "--db", "foreign.db"], "foreign.db is an SQLite database, but not a simsearch index"),
    # status
    (["status", "--nope"], "No such option: --nope"),
    (["status", "--db", "absent.db"], "no index at absent.db"),
    (["status", "--db", "empty-folder"], "--db empty-folder: is a folder, not a file"),
    (["status", "--db", "not-a-db.txt"], "not-a-db.txt is not a simsearch index"),
    (["status", "--db", "notes.txt/x.db"], "cannot be created, {ws}/notes.txt is a file"),
    # forget
    (["forget"], "nothing to forget: give indexed PATHS, --model NAME or --missing"),
    (["forget", "docs", "--db", "absent.db"], "no index at absent.db"),
    (["forget", "--missing", "--db", "docs"], "--db docs: is a folder, not a file"),
    (["forget", "--model", "x", "--db", "not-a-db.txt"], "not-a-db.txt is not a simsearch index"),
    (["forget", "--nope"], "No such option: --nope"),
    # tui (every row fails before the app would start)
    (["tui", "-k", "0"], "-k 0: must be at least 1"),
    (["tui", "-k", "ten"], "-k 'ten'"),
    (["tui", "--device", "tpu"], "--device 'tpu'"),
    (["tui", "--pooler", "mean"], "--pooler 'mean'"),
    (["tui", "--precision", "fp64"], "--precision 'fp64': expected one of auto, fp32, bf16, int8"),
    (["tui", "-m", "{model}"], "No such option: -m (the tui's two panes take --left MODEL and --right MODEL)"),
    (["tui", "--db", "index.db", "--pooler", "cls_before_pooler"], "was indexed with pooler avg"),
    (["tui", "--db", "index.db", "--left", "nope", "--pooler", "avg"], "model 'nope' is not in the index"),
    (["tui", "--db", "docs"], "--db docs: is a folder, not a file"),
    (["tui", "--nope"], "No such option: --nope"),
]

def fill(text: str, ws: Path, model: Path) -> str:
    return text.replace("{ws}", str(ws)).replace("{model!r}", repr(str(model))).replace("{model}", str(model))


def _params():
    for args, message in CASES:
        yield pytest.param(args, message, id=" ".join(args)[:60])


@pytest.mark.parametrize("args, message", list(_params()))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(run_cli, workspace, index_model, args, message):
    before = snapshot(workspace)
    code, out, err = run_cli(*[fill(a, workspace, index_model) for a in args])
    lines = err.strip().splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fill(message, workspace, index_model) in lines[0]
    assert "Traceback" not in err + out and out == ""
    assert snapshot(workspace) == before


# Through a real process: the entry point, stderr and the exit status as a shell sees them.
SUBPROCESS_CASES = [
    (["search", "x", "--nope"], "No such option: --nope"),
    (["search", "-deadline"], "No such option: -d (in '-deadline'; a query or path that begins with '-' goes after "
                              "'--', options before it: simsearch search [OPTIONS] -- -deadline)"),
    (["eval", "retrieval", "-queries.jsonl"], "options before it: simsearch eval retrieval [OPTIONS] -- -queries.jsonl)"),
    (["search", "x", "-k", "abc"], "-k 'abc'"),
    (["eval", "sts", "--aggregate", "median"], "--aggregate 'median': expected one of all, mean, wmean"),
    (["index", "docs", "typo.txt", "--db", "new.db"], "typo.txt: no such file or folder"),
    (["train", "--unsup", "notes.txt", "--dropout", "nan"], "--dropout nan: must be a finite number"),
]


def _simsearch(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SIMSEARCH_DB": str(cwd / "default.db"), "SIMSEARCH_MODELS": str(cwd / "models"),
           "COLUMNS": "80", "NO_COLOR": "1"}
    env.pop("SIMSEARCH_DEVICE", None)
    return subprocess.run([sys.executable, "-m", "simsearch", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args, message", SUBPROCESS_CASES, ids=[" ".join(a) for a, _ in SUBPROCESS_CASES])
def test_bad_input_in_a_real_process(workspace, args, message):
    before = snapshot(workspace)
    done = _simsearch(args, workspace)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"error: {done.stderr.splitlines()[0][7:]}"] and message in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert snapshot(workspace) == before


def test_bare_command_prints_the_help_and_exits_0_like_help(workspace):
    bare, helped = _simsearch([], workspace), _simsearch(["--help"], workspace)
    assert bare.returncode == helped.returncode == 0
    assert bare.stdout == helped.stdout and "Usage: simsearch" in bare.stdout and bare.stderr == ""
    group, group_help = _simsearch(["eval"], workspace), _simsearch(["eval", "--help"], workspace)
    assert group.returncode == 0 and group.stdout == group_help.stdout and "sts" in group.stdout


def _commands():
    import typer.main

    from simsearch.cli import app

    def walk(command, path):
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                yield from walk(child, [*path, name])
        else:
            yield path, command

    return list(walk(typer.main.get_command(app), []))


def test_every_command_has_help_and_one_device_default(run_cli):
    commands = _commands()
    assert {" ".join(path) for path, _ in commands} >= {
        "models", "eval sts", "eval geometry", "train", "index", "search", "status", "forget", "tui"}
    defaults = {}
    for path, command in commands:
        code, out, err = run_cli(*path, "--help")
        assert code == 0 and "Usage: simsearch " + " ".join(path) in out, err
        for param in command.params:
            if param.name == "device":
                defaults[" ".join(path)] = getattr(param.default, "value", param.default)
    assert len(defaults) >= 6 and set(defaults.values()) == {"auto"}, defaults


def test_choices_are_the_library_values():
    from simsearch import cli
    from simsearch.models import POOLERS
    from simsearch.sts import AGGREGATIONS, STSB_SPLITS

    assert [p.value for p in cli.Pooler] == list(POOLERS)
    assert [a.value for a in cli.Aggregate] == list(AGGREGATIONS)
    assert [s.value for s in cli.GeometrySplit] == ["all", *STSB_SPLITS]
    assert set(s.value for s in cli.StsSplit) == {"test", "dev"}


def test_device_from_the_environment_is_checked_and_named(run_cli, workspace, monkeypatch):
    monkeypatch.setenv("SIMSEARCH_DEVICE", "gpu")
    code, out, err = run_cli("search", "x", "--db", "index.db")
    assert code == 2 and err.strip() == "error: $SIMSEARCH_DEVICE 'gpu': expected one of auto, cpu, cuda"


# --- JSON never holds NaN or Infinity ------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


def _oracle(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _oracle(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_oracle(v) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_json_output_is_strict_json_with_non_finite_floats_as_null(value):
    from simsearch.cli import _print_json

    with contextlib.redirect_stdout(io.StringIO()) as buffer:
        _print_json({"value": value})
    out = buffer.getvalue()
    assert out.endswith("\n") and out.count("\n") == 1
    parsed = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in JSON output"))
    assert parsed == {"value": _oracle(value)}


def test_json_output_converts_numpy_scalars():
    import numpy as np

    from simsearch.cli import _finite

    assert _finite({"a": np.float32("nan"), "b": [np.float64(0.5), np.int64(3)], "c": np.float32("inf")}) == {
        "a": None, "b": [0.5, 3], "c": None}


# --- --pooler for a model without pooling metadata ----------------------------------------


@pytest.fixture(scope="module")
def raw_model(tmp_path_factory) -> Path:
    """A tiny BERT that says nothing about pooling (as a base BERT from the hub)."""
    from .tiny_bert import create_random_bert

    folder = create_random_bert(tmp_path_factory.mktemp("raw") / "raw-bert", hidden_size=32, heads=2, layers=2, seed=1)
    (folder / "simsearch.json").unlink()
    return folder


def test_eval_accepts_pooler_for_a_raw_model(run_cli, raw_model, sts_fixture):
    code, _, err = run_cli("eval", "sts", "-m", raw_model, "--data", sts_fixture, "--split", "dev", "--json")
    assert code == 2 and "does not say how to pool" in err and "--pooler" in err
    code, out, err = run_cli("eval", "sts", "-m", raw_model, "--data", sts_fixture, "--split", "dev",
                             "--pooler", "avg", "--json")
    assert code == 0, err
    assert json.loads(out)["model"] == str(raw_model)


def test_index_records_the_pooler_and_search_checks_it(run_cli, raw_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The cat sleeps on the sofa.\nStocks fell sharply on Monday.\n")
    db = tmp_path / "raw.db"
    code, _, err = run_cli("index", "a.txt", "-m", raw_model, "--db", db)
    assert code == 2 and "does not say how to pool" in err and not db.exists()
    code, out, err = run_cli("index", "a.txt", "-m", raw_model, "--pooler", "avg", "--db", db, "--json")
    assert code == 0, err
    code, out, err = run_cli("status", "--db", db, "--json")
    assert [(m["name"], m["pooler"]) for m in json.loads(out)["models"]] == [(str(raw_model), "avg")]
    code, out, err = run_cli("search", "a cat on a couch", "-m", raw_model, "--db", db, "--json", "-k", "1")
    assert code == 0 and json.loads(out)["text"], err
    code, out, err = run_cli("search", "a cat", "-m", raw_model, "--db", db, "--pooler", "avg", "-k", "1", "--json")
    assert code == 0, err
    code, out, err = run_cli("search", "a cat", "-m", raw_model, "--db", db, "--pooler", "avg_top2")
    assert code == 2 and "re-index it: simsearch index --model" in err and "--pooler avg_top2" in err


# --- forget -------------------------------------------------------------------------------


def _status(run_cli, db) -> dict:
    code, out, err = run_cli("status", "--db", db, "--json")
    assert code == 0, err
    return json.loads(out)


def test_forget_removes_roots_missing_roots_and_models(run_cli, tmp_path, monkeypatch, index_model, tiny_model):
    monkeypatch.chdir(tmp_path)
    for folder, texts in {"keep": ["Boil the pasta.", "Drain it."], "drop": ["The train leaves.", "Pack a coat."],
                          "gone": ["A note that vanishes.", "Another one."]}.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text("\n".join(texts) + "\n")
    db = tmp_path / "f.db"
    code, _, err = run_cli("index", "keep", "drop", "gone", "-m", index_model, "-m", tiny_model, "--db", db)
    assert code == 0, err
    assert _status(run_cli, db)["documents"] == 3
    files = {p.name for p in tmp_path.rglob("*") if p.is_file()}

    code, out, err = run_cli("forget", "drop", "--db", db, "--json")
    assert code == 0 and "roots" in json.loads(out), err
    assert _status(run_cli, db)["documents"] == 2
    assert (tmp_path / "drop" / "a.txt").exists()  # only the index forgets

    shutil.rmtree(tmp_path / "gone")
    code, out, err = run_cli("index", "--db", db, "--json")  # a vanished root is kept, not purged
    assert code == 0, err
    code, out, err = run_cli("forget", "--missing", "--db", db, "--json")
    assert code == 0 and "missing" in json.loads(out), err
    assert _status(run_cli, db)["documents"] == 1
    code, out, err = run_cli("index", "--db", db, "--json")  # plain refresh works again
    assert code == 0, err

    # A file inside an indexed folder is not a root: the next index run would read it again.
    code, out, err = run_cli("forget", "keep/a.txt", "--db", db)
    assert code == 2 and out == "" and "is inside the indexed folder" in err and "keep" in err
    assert len(err.strip().splitlines()) == 1 and _status(run_cli, db)["documents"] == 1

    code, out, err = run_cli("forget", "--model", str(tiny_model), "--db", db)
    assert code == 0 and out.startswith(f"forgot {tiny_model} ("), err
    assert [m["name"] for m in _status(run_cli, db)["models"]] == [str(index_model)]
    assert {p.name for p in tmp_path.rglob("*") if p.is_file()} >= files - {"a.txt"}


def test_index_summary_counts_skipped_files_and_never_calls_them_unchanged(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bin.txt").write_bytes(b"\x00\x01\x02 binary, not text")  # the folder's only file: skipped
    db = tmp_path / "i.db"
    code, out, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0 and "bin.txt" in err and "binary" in err
    assert "0 files unchanged, 1 skipped (see the warnings)" in out and "1 files unchanged" not in out
    code, out, err = run_cli("index", docs, "--db", db, "--device", "cpu")  # still skipped: not warned again
    assert code == 0 and err == "" and "up to date: 0 files unchanged, 1 still skipped" in out
    (docs / "note.txt").write_text("A real note about the harbour.\n")
    code, out, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0 and "indexed 1 new, 0 changed, 0 removed, 0 files unchanged, 1 still skipped; 1 sentence stored" \
        in " ".join(out.split())
    code, out, err = run_cli("index", docs, "--db", db, "--device", "cpu")
    assert code == 0 and "up to date: 1 file unchanged, 1 still skipped" in out

def test_index_summary_tells_a_deleted_file_from_one_now_skipped(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b", "c"):
        (docs / f"{name}.txt").write_text(f"A plain note called {name} about the harbour.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    (docs / "a.txt").unlink()
    (docs / "b.txt").write_bytes(b"\x00\x01\x02 binary now")  # indexed before, now skipped: its sentences leave
    code, out, err = run_cli("index", docs, "--db", db, "--device", "cpu")
    assert code == 0 and "b.txt" in err and "binary" in err
    assert "2 removed (1 now skipped), 1 file unchanged, 1 skipped (see the warnings)" in " ".join(out.split())
    code, out, err = run_cli("index", docs, "--db", db, "--device", "cpu", "--json")
    report = json.loads(out)
    assert code == 0 and report["removed"] == 0 and report["removed_skipped"] == 0 and report["skipped_before"] == 1
