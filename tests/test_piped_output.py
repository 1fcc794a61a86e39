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


def test_tables_still_fit_eighty_columns_when_piped(tmp_path, index_model, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short locations (docs/note.txt:1): a search table is wider only for longer ones
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
    # the table fits 80 columns (here a list: the model's 50-character path, whole on its line,
    # leaves the figures too little room beside it), and only the note is longer
    assert all(len(line) <= 80 for line in out.splitlines() if line != note), out


def test_eval_sts_says_its_option_whole_when_piped(tiny_model, sts_fixture, run_cli):
    """Was: "... the paper's numbers are fp32 (--precision fp32)" was wrapped to the table's
    width, and with a wider table between "--precision" and "fp32"."""
    code, out, err = run_cli("eval", "sts", "-m", tiny_model, "-m", "minilm", "--data", sts_fixture, "--device", "cpu",
                             "--precision", "bf16")
    assert code == 0, err
    [note] = [line for line in out.splitlines() if "no regressor" in line]
    assert note == "cosine similarity, no regressor, encoder at bf16; the paper's numbers are fp32 (--precision fp32)"
    assert out.splitlines()[-1] == note, out


# --- search's table when piped: whole paths, the hit marked without colour (session 37) ------

def _search_index(tmp_path, index_model, run_cli, folder: str):
    docs = tmp_path / folder
    docs.mkdir(parents=True)
    (docs / "select-installer.md").write_text(
        "The virtual environment type by default uses virtualenv for virtual environment creation and pip to "
        "install dependencies.\n\nYou can speed up environment creation and dependency resolution by using UV "
        "instead of both of those tools.\n\nThe caveat is that UV must be installed for this to work.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "-m", index_model, "--db", db, "--device", "cpu")[0] == 0
    return docs / "select-installer.md", db


def test_piped_search_keeps_each_path_whole_on_its_line(tmp_path, index_model, run_cli, monkeypatch):
    """The Hatch trial: `simsearch search "use uv instead of pip" | grep -c select-installer.md`
    counted 0, the 80-column table having folded the path mid-name
    ("hatch-1.13.0/docs/how-to/en│vironment/select-installer.│md:39")."""
    monkeypatch.chdir(tmp_path)
    _, db = _search_index(tmp_path, index_model, run_cli, "hatch-1.13.0/docs/how-to/environment")
    code, out, err = run_cli("search", "speed up environment creation with UV", "--db", db, "--mode", "lexical", "-k", "2")
    assert code == 0, err
    location = "hatch-1.13.0/docs/how-to/environment/select-installer.md:"
    assert sum(location in line for line in out.splitlines()) == 2, out
    box = [line for line in out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert len({len(line) for line in box}) == 1 and len(box[0]) > 80, out  # wider than 80 only as the paths need


def test_piped_search_marks_the_hit_without_colour(tmp_path, index_model, run_cli, monkeypatch):
    """The Hatch trial: piped, the hit could not be told from the context sentences around it in
    the cell (a terminal shows it bold and the context dim). Each line of the hit now begins
    with "> "; the context does not."""
    monkeypatch.chdir(tmp_path)
    _, db = _search_index(tmp_path, index_model, run_cli, "docs")
    code, out, err = run_cli("search", "speed up environment creation with UV", "--db", db, "--mode", "lexical",
                             "-k", "1")
    assert code == 0, err
    sentence = [line.split("│")[3].strip() for line in out.splitlines() if line.startswith("│")]
    marked = [line[2:] for line in sentence if line.startswith("> ")]
    assert " ".join(marked) == ("You can speed up environment creation and dependency resolution by using UV instead of "
                                "both of those tools."), out
    assert len(marked) > 1  # wrapped: every line of it marked
    context = [line for line in sentence if line and not line.startswith("> ")]
    assert context[0].startswith("… The virtual environment") and context[-1].endswith("for this to work. …"), out


def test_a_terminal_without_colour_marks_the_hit_and_keeps_to_its_width(tmp_path, index_model, run_cli, monkeypatch):
    """TERM=dumb (no colour, no bold): the hit's lines are marked as when piped, and the table
    keeps to the terminal's width (a long path folds there, as before)."""
    from rich.console import Console

    from simsearch import cli

    monkeypatch.chdir(tmp_path)
    _, db = _search_index(tmp_path, index_model, run_cli, "hatch-1.13.0/docs/how-to/environment")
    monkeypatch.setattr(cli, "stdout", Console(force_terminal=True, color_system=None, width=80, soft_wrap=True))
    code, out, err = run_cli("search", "speed up environment creation with UV", "--db", db, "--mode", "lexical", "-k", "1")
    assert code == 0, err
    box = [line for line in out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert {len(line) for line in box} == {80}, out
    sentence = [line.split("│")[3].strip() for line in box if line.startswith("│")]
    assert " ".join(line[2:] for line in sentence if line.startswith("> ")).startswith("You can speed up"), out
    assert "\x1b[" not in out
