"""A reader that stops early (`simsearch ... | head -1`) ends every command quietly with status 0
(the Hatch trial, session 37).

Was: `search --json | head -1`, `eval retrieval --json | head -1` and `models | head -1` exited 1
(typer and rich turn a closed pipe into exit status 1), while the table of `search | head -2`
exited 0 only because it was written whole before head left: a `set -o pipefail` script saw
either. The reader here closes the pipe before simsearch writes a byte, so every write fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _run_into_closed_pipe(args: list, cwd, env: dict) -> tuple[int, str]:
    process = subprocess.Popen([sys.executable, "-m", "simsearch", *map(str, args)], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader is gone before the first write
    err = process.stderr.read()
    return process.wait(timeout=120), err


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, index_model):
    from simsearch.indexer import index
    from simsearch.store import Store

    root = tmp_path_factory.mktemp("pipe")
    (root / "docs").mkdir()
    (root / "docs" / "a.txt").write_text("".join(f"The boat number {i} floats on the water.\n" for i in range(40)))
    (root / "q.jsonl").write_text(json.dumps({"query": "boat", "relevant": ["docs/a.txt"]}) + "\n")
    store = Store.open(root / "i.db")
    index(store, [root / "docs"], [str(index_model)], progress=False)
    store.close()
    return root


@pytest.mark.parametrize("args", [
    ["search", "boat", "--mode", "lexical", "--db", "i.db", "-k", "40", "--json"],
    ["search", "boat", "--mode", "lexical", "--db", "i.db", "-k", "40"],
    ["search", "--queries", "q.jsonl", "--mode", "lexical", "--db", "i.db"],
    ["eval", "retrieval", "q.jsonl", "--mode", "lexical", "--db", "i.db", "--json"],
    ["status", "--db", "i.db"],
    ["models"],
    ["models", "--json"],
    ["search", "--help"],
], ids=lambda args: " ".join(a for a in args if not a.endswith(".db")))
def test_a_closed_pipe_ends_the_command_quietly_with_status_0(indexed, args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SIMSEARCH_MODELS": str(indexed / "models")}
    code, err = _run_into_closed_pipe(args, indexed, env)
    assert (code, err) == (0, "")


def test_a_closed_pipe_does_not_hide_an_error(indexed):
    """Status 2 and the error line on stderr stay what they were."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    code, err = _run_into_closed_pipe(["search", "boat", "--db", "nope.db"], indexed, env)
    assert code == 2 and err.startswith("error: no index at nope.db"), err
