"""What `index`'s summary counts, and the remedy for a hit whose folder is gone (the Hatch trial,
session 37).

Was: a refresh that read 3 changed files said "106 sentences stored", the changed files'
sentences, which read as the index's total (2,581), as it is in the first run's line. And a result
from a deleted folder said "(gone since indexed: run simsearch index)", though `index` keeps a
missing folder's documents ("nothing to read: none of the roots exists now"): the remedy is
`simsearch forget --missing`.
"""

from __future__ import annotations

import json
import shutil


def _summary(out: str) -> str:
    return " ".join(out.split())


def test_a_refresh_says_whose_sentences_it_stored_and_what_the_index_holds(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b", "c"):
        (docs / f"{name}.txt").write_text(f"Boats of {name} float.\nTrains of {name} run.\nPlanes of {name} fly.\n")
    base = ["--db", tmp_path / "i.db", "-m", index_model, "--device", "cpu"]
    code, out, err = run_cli("index", docs, *base)
    assert code == 0, err
    # The first run: what it stored is all the index holds, said once.
    assert "0 files unchanged; 9 sentences stored from 3 files read; encoded: " in _summary(out), out
    (docs / "a.txt").write_text("Boats of a float.\nBicycles of a roll.\n")
    code, out, err = run_cli("index", docs, *base)
    assert code == 0, err
    assert "2 files unchanged; 2 sentences stored from 1 file read; the index holds 8 sentences; encoded: " in _summary(out), out
    code, out, _ = run_cli("index", docs, *base, "--json")
    assert (json.loads(out)["sentences_added"], json.loads(out)["sentences"]) == (0, 8)
    (docs / "b.txt").unlink()  # a removal only: no file read, what is left said
    code, out, err = run_cli("index", docs, *base)
    assert code == 0 and "0 new, 0 changed, 1 removed, 2 files unchanged; the index holds 5 sentences; encoded: " in _summary(out), out


def test_a_hit_whose_folder_is_gone_names_forget_missing(tmp_path, index_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIMSEARCH_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "400")  # each note on one line of its cell
    for folder in ("kept", "gone"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "note.txt").write_text(f"Boats float on water in {folder}.\n")
    base = ["--db", "my index.db", "--mode", "lexical"]
    assert run_cli("index", "kept", "gone", "--db", "my index.db", "-m", index_model, "--device", "cpu")[0] == 0
    (tmp_path / "kept" / "note.txt").unlink()  # a file gone from a folder that is there: index takes it out
    shutil.rmtree(tmp_path / "gone")  # the folder itself gone: index keeps its documents
    code, out, err = run_cli("search", "boats", *base, "-k", "2")
    assert code == 0, err
    said = _summary(out)
    assert "(gone since indexed: run simsearch index --db 'my index.db')" in said, out
    assert "(gone since indexed, its folder too: run simsearch forget --missing --db 'my index.db')" in said, out
    code, out, err = run_cli("search", "boats", *base, "-k", "2", "--json")
    assert sorted(json.loads(line)["file"] for line in out.splitlines()) == ["gone", "gone"]
