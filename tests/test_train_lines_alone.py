"""Review of session 36: a folder of plain text of one sentence per line gives no inverse-cloze
passage (its lines are unrelated); `train` must say that, not blame the documents' sentences."""

from __future__ import annotations

import pytest

TOPICS = "river mountain engine garden violin coffee planet window market doctor silver winter".split()


def one_per_line_folder(root):
    docs = root / "docs"
    docs.mkdir()
    for topic in TOPICS:  # (lines of varied length: read as one sentence per line, not wrapped prose)
        (docs / f"{topic}.txt").write_text("".join(f"The {topic} number {i} was seen near the house{' today' * (i % 3)}.\n"
                                                   for i in range(10)), encoding="utf-8")
    return docs


@pytest.mark.parametrize("recipe", [[], ["--recipe", "ict"]])
def test_a_folder_of_one_sentence_per_line_is_said_to_be_so(tmp_path, tiny_model, run_cli, monkeypatch, recipe):
    from simsearch.extract import extract

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    docs = one_per_line_folder(tmp_path)
    assert extract(docs / "river.txt", (docs / "river.txt").read_bytes()).lines_are_sentences  # (the shape under test)
    code, _, err = run_cli("train", "--unsup", docs, "-m", tiny_model, "--out", tmp_path / "out", "--batch-size", "8",
                           "--max-steps", "1", "--eval-steps", "1", "--device", "cpu", *recipe)
    said = " ".join(err.split())
    assert (code != 0) == bool(recipe), err
    # every document has many sentences of 3+ words, each beside others: the reason is their lines' shape
    assert "no sentence of 3+ words has a neighbour" not in said and "it needs documents of several sentences" not in said, err
    assert "all 12 documents are plain text of one sentence per line" in said, err
    if not recipe:
        assert said.startswith("recipe: paper (12 documents;"), err
