"""Piped output: a line of text stays one line (grep finds it whole); tables keep to the width.

rich lays out to 80 columns when stdout is not a terminal, and used to break every longer line
there: `simsearch train ... | tee log` cut its verdict in two, `grep 'indexed'` lost the db path.
"""


def test_a_long_summary_line_is_not_broken_when_piped(tmp_path, index_model, run_cli):
    docs = tmp_path / "a-folder-with-a-rather-long-name-so-that-the-line-passes-eighty-columns"
    docs.mkdir()
    (docs / "note.txt").write_text("Boats float on water.\nTrains run on rails.\n", encoding="utf-8")
    db = docs.parent / "an-index-whose-name-is-long-too.db"
    code, out, _ = run_cli("index", docs, "-m", index_model, "--db", db, "--device", "cpu")
    assert code == 0, out
    [line] = [line for line in out.splitlines() if line.startswith("indexed ")]
    assert len(line) > 80 and line.rstrip().endswith(str(db)), out


def test_tables_still_fit_eighty_columns_when_piped(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Boats float on water.\nTrains run on rails.\n", encoding="utf-8")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db, "--device", "cpu")[0] == 0
    code, out, _ = run_cli("search", "boats on the water", "--db", db, "-m", index_model, "--device", "cpu")
    assert code == 0 and "Boats float on water." in " ".join(out.split()), out
    box = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert box and max(len(line) for line in box) <= 80, out


def test_the_recipe_note_of_train_is_one_line_when_piped(tmp_path, tiny_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here: the ict recipe is chosen and says so
    monkeypatch.delenv("SIMSEARCH_DATA", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    for d, topic in enumerate("river mountain engine garden violin coffee planet window market doctor silver winter".split()):
        (docs / f"{topic}.txt").write_text(" ".join(f"The {topic} note {i} is about {topic} again." for i in range(8)) + "\n")
    code, _, err = run_cli("train", "--unsup", docs, "-m", tiny_model, "--out", tmp_path / "out", "--batch-size", "8",
                           "--max-steps", "1", "--eval-steps", "1", "--device", "cpu")
    assert code == 0, err
    # "recipe: ict (12 documents, ... pairs; held out: 3 documents of 12, ...; --recipe paper|ict to choose)"
    [line] = [line for line in err.splitlines() if line.startswith("recipe: ")]
    assert len(line) > 80 and line.rstrip().endswith("--recipe paper|ict to choose)"), err


# --- a table's note that quotes a command is one line after the table (session 37) ------------

def test_eval_retrieval_says_its_command_whole_when_piped(tmp_path, index_model, run_cli):
    """Was: the caption "... context vectors (`index --vector-context 1`)" was wrapped to the
    table's 68 columns, "`index --vector-context" on one line and "1`)" on the next."""
    import json

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Boats float on water. Trains run on rails.\n", encoding="utf-8")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db, "--vector-context", "1", "--device", "cpu")[0] == 0
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "boats", "relevant": ["docs/note.txt"]}) + "\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", index_model, "--mode", "dense",
                             "--mode", "lexical", "--device", "cpu")
    assert code == 0, err
    assert all(line.count("`") % 2 == 0 for line in out.splitlines()), out
    [note] = [line for line in out.splitlines() if "counts once" in line]
    assert note.startswith("a relevant section or file counts once") and "lexical (BM25) uses no model" in note
    assert note.endswith("; context vectors (`index --vector-context 1`)") and len(note) > 80, out
    assert out.splitlines()[-1] == note  # under the table, as status says its settings
    box = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
    assert box and max(len(line) for line in box) <= 80, out


def test_eval_sts_says_its_option_whole_when_piped(tiny_model, sts_fixture, run_cli):
    """Was: "... the paper's numbers are fp32 (--precision fp32)" was wrapped to the table's
    width, and with a wider table between "--precision" and "fp32"."""
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "-m", "minilm", "--data", sts_fixture, "--device", "cpu",
                             "--precision", "bf16")
    assert code == 0, err
    [note] = [line for line in out.splitlines() if "no regressor" in line]
    assert note == "cosine similarity, no regressor, encoder at bf16; the paper's numbers are fp32 (--precision fp32)"
    assert out.splitlines()[-1] == note, out
