"""How many of the index's files `train` used, and why not the others (session 38).

Was: `simsearch status` said "15 files indexed" and `train --from-index` "13 documents", with
nothing to tell the two apart: an indexed file of code alone (or an empty one) holds no sentence,
so training never sees it. `train` now says how many of the files it trained on and why the
others were not (held out to measure the result, no sentences, no sentence/passage pair), and
`data_source` counts them (keys added beside the old ones).
"""

from __future__ import annotations

import json

import pytest

from tests.test_train_recipe import no_sts, write_documents  # noqa: F401 (fixture)


@pytest.mark.parametrize("source", ["index", "folder"])
def test_train_says_how_many_of_the_files_it_used_and_why_not_the_others(tmp_path, tiny_model, index_model,
                                                                         run_cli, no_sts, monkeypatch, source):
    monkeypatch.setenv("COLUMNS", "400")  # the summary's lines whole
    docs = write_documents(tmp_path / "docs")  # 12 documents of 8 sentences
    (docs / "code.md").write_text("```python\nprint('hello')\n```\n")  # indexed, no sentence
    (docs / "empty.txt").write_text("")  # indexed, no sentence
    (docs / "one.md").write_text("A single sentence stands in this note.\n")  # a sentence, no passage
    if source == "index":
        code, _, err = run_cli("index", docs, "--db", "d.db", "-m", index_model, "--device", "cpu")
        assert code == 0, err
        code, out, err = run_cli("status", "--db", "d.db", "--json")
        assert json.loads(out)["documents"] == 15
        args = ("--from-index", "--db", "d.db")
    else:
        args = ("--unsup", docs)
    code, out, err = run_cli("train", *args, "-m", tiny_model, "--out", "m", "--batch-size", "8", "--max-steps", "2",
                             "--recipe", "ict", "--device", "cpu")
    assert code == 0, err
    meta = json.loads((tmp_path / "m" / "simsearch.json").read_text())
    data = meta["data_source"]
    held = meta["heldout"]["documents"]
    assert data["documents"] == 13 and data["files"] == 15  # (the key that was there, and the count status gives)
    assert (data["files_without_sentences"], data["files_without_pairs"], data["files_held_out"]) == (2, 1, held)
    assert data["files_trained_on"] == 15 - 2 - 1 - held
    where = "indexed files" if source == "index" else "files read"
    assert (f"trained on {12 - held} of 15 {where} ({held} held out to measure the result; 2 with no sentences: "
            "code, markup or nothing else; 1 with no sentence/passage pair)") in out.splitlines(), out
