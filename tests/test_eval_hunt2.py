"""Left from the `eval` hunt: what a run over several models keeps when one fails, one BM25 row
whatever the models, and a query written twice in a query file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simsearch import retrieval


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def damaged_copy(model: Path, folder: Path) -> Path:
    """A model folder that resolves (config, tokenizer, metadata) but whose weights do not load."""
    shutil.copytree(model, folder)
    (folder / "model.safetensors").write_bytes(b"\x00" * 64)
    return folder


def one_line_error(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    assert code == 2, err
    assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("error:"), err
    for needle in needles:
        assert needle in lines[0], err


# --- several models, one of them broken: the rows done are printed, then the error -------------

@pytest.mark.parametrize("command", ["sts", "geometry"])
def test_a_model_that_fails_after_another_keeps_the_first_ones_row(run_cli, tiny_model, sts_fixture, tmp_path,
                                                                    monkeypatch, command):
    """Was: `eval sts -m a -m broken` printed nothing of a (evaluated, minutes of work) before
    the error. The table keeps a's row; --json prints every row or none (session 50: a script
    reading standard output took a's row for the run's), so none here."""
    monkeypatch.setenv("COLUMNS", "250")  # the model column holds paths
    broken = damaged_copy(tiny_model, tmp_path / "broken")
    code, out, err = run_cli("eval", command, "-m", tiny_model, "-m", broken, "--data", sts_fixture, "--device", "cpu")
    one_line_error(code, err, "cannot load a model", str(broken))
    assert str(tiny_model) in out and str(broken) not in out  # the table of the model done
    code, alone, err = run_cli("eval", command, "-m", tiny_model, "--data", sts_fixture, "--device", "cpu", "--json")
    assert code == 0, err
    json_row = json.loads(alone)
    figure = f"{json_row['avg']:.2f}" if command == "sts" else f"{json_row['alignment']:.4f}"
    assert figure in out
    code, out, err = run_cli("eval", command, "-m", tiny_model, "-m", broken, "--data", sts_fixture, "--device", "cpu",
                             "--json")
    one_line_error(code, err, str(broken))
    assert out == ""


def test_the_first_model_failing_prints_no_table(run_cli, tiny_model, sts_fixture, tmp_path):
    broken = damaged_copy(tiny_model, tmp_path / "broken")
    code, out, err = run_cli("eval", "sts", "-m", broken, "-m", tiny_model, "--data", sts_fixture, "--device", "cpu")
    one_line_error(code, err, str(broken))
    assert out == ""


def index_two_copies(root: Path, model: Path):
    """An index of two copies of one tiny model (two models of the index) over one small corpus."""
    from simsearch import indexer
    from simsearch.store import Store

    first, second = root / "first", root / "second"
    shutil.copytree(model, first)
    shutil.copytree(model, second)
    write(root / "docs" / "a.txt", "The cat sat on the mat.\n\nStock prices fell sharply on Monday.\n")
    write(root / "docs" / "b.txt", "The river floods the valley every spring.\n")
    store = Store.open(root / "index.db")
    indexer.index(store, [root / "docs"], [str(first), str(second)], progress=False)
    store.close()
    queries = write(root / "q.jsonl", "".join(json.dumps({"query": query, "relevant": [f"docs/{name}"]}) + "\n"
                                              for query, name in (("cat on a mat", "a.txt"), ("river", "b.txt"))))
    return root, root / "index.db", str(first), str(second), queries


@pytest.fixture(scope="module")
def two_model_index(tmp_path_factory, index_model):
    return index_two_copies(tmp_path_factory.mktemp("two-models"), index_model)


def test_retrieval_keeps_the_rows_done_when_a_later_model_fails(two_model_index, run_cli, monkeypatch):
    """A model whose weights cannot be loaded any more (read when its first query is embedded):
    the rows of the models evaluated before it are printed in the table, then the error; --json
    prints every row or none (session 50), so none."""
    from simsearch import search
    from simsearch.errors import SimsearchError

    monkeypatch.setenv("COLUMNS", "250")
    root, db, first, second, queries = two_model_index
    load = search.Searcher.load_encoder

    def unreadable_second(self):
        if Path(self.ref.path).name == "second":
            raise SimsearchError(f"cannot load a model from {self.ref.path}: unreadable weights")
        return load(self)

    monkeypatch.setattr(search.Searcher, "load_encoder", unreadable_second)
    args = ("eval", "retrieval", queries, "--db", db, "-m", first, "-m", second, "--mode", "dense", "--device", "cpu")
    code, out, err = run_cli(*args)
    one_line_error(code, err, "second")
    assert "first" in out and "dense" in out and "second" not in out
    code, out, err = run_cli(*args, "--json")
    one_line_error(code, err, "second")
    assert out == ""


def test_retrieval_checks_every_models_folder_before_evaluating_any(index_model, run_cli, tmp_path, monkeypatch):
    """A model changed since indexing is refused before the first model is evaluated, not after it."""
    root, db, first, second, queries = index_two_copies(tmp_path, index_model)
    (Path(second) / "model.safetensors").write_bytes(b"\x00" * 64)
    evaluated = []
    evaluate = retrieval.evaluate
    monkeypatch.setattr(retrieval, "evaluate", lambda *args, **kwargs: evaluated.append(1) or evaluate(*args, **kwargs))
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "-m", first, "-m", second, "--mode", "dense",
                             "--device", "cpu")
    one_line_error(code, err, "changed since it was indexed", "second")
    assert out == "" and evaluated == []


# --- lexical (BM25) uses no model: one row, model null, as `search --mode lexical` says -------

def test_lexical_is_one_row_without_a_model_whatever_the_models(two_model_index, run_cli, monkeypatch):
    """Was: `-m a -m b --mode lexical --mode dense` gave a lexical row per model (the same
    figures twice, each naming a model), where `search --mode lexical --json` says model null."""
    root, db, first, second, queries = two_model_index
    args = ("eval", "retrieval", queries, "--db", db, "-m", first, "-m", second, "--device", "cpu")
    code, out, err = run_cli(*args, "--mode", "lexical", "--mode", "dense", "--json", "--details", root / "d.ndjson")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(row["model"] and Path(row["model"]).name, row["mode"]) for row in rows] == [
        (None, "lexical"), ("first", "dense"), ("second", "dense")]
    assert rows[0]["precision"] is None and rows[0]["missing_vectors"] == 0
    details = [json.loads(line) for line in (root / "d.ndjson").read_text().splitlines()]
    assert [(d["model"] and Path(d["model"]).name, d["mode"]) for d in details] == [
        (None, "lexical")] * 2 + [("first", "dense")] * 2 + [("second", "dense")] * 2
    code, searched, err = run_cli("search", "river", "--db", db, "-m", first, "--mode", "lexical", "--json")
    assert code == 0 and {json.loads(line)["model"] for line in searched.splitlines()} == {None}, err
    # lexical alone, several models: one row
    code, out, err = run_cli(*args, "--mode", "lexical", "--json")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["model"] is None and row == rows[0]
    # the table: one lexical row, its model cell empty ("-"), the line under it says why
    monkeypatch.setenv("COLUMNS", "250")
    code, out, err = run_cli(*args, "--mode", "dense", "--mode", "lexical")
    assert code == 0, err
    cells = [[cell.strip() for cell in line.split("│")[1:3]] for line in out.splitlines() if line.startswith("│")]
    assert [(Path(model).name if model != "-" else model, mode) for model, mode in cells] == [
        ("first", "dense"), ("-", "lexical"), ("second", "dense")]
    # Both models' vectors share one precision: said once under the table, no column for it.
    assert rows[1]["precision"] == rows[2]["precision"]
    assert "precision" not in out and f"vectors at {rows[1]['precision']}" in " ".join(out.split())
    assert "lexical (BM25) uses no model" in " ".join(out.split())


def test_run_eval_gives_the_lexical_row_once_in_its_place(two_model_index):
    from simsearch.store import Store

    root, db, first, second, queries = two_model_index
    store = Store.open(db, create=False, readonly=True)
    try:
        results = retrieval.run_eval(store, queries, [first, second], ["dense", "lexical", "hybrid"], device="cpu")
    finally:
        store.close()
    assert [(r.model and Path(r.model).name, r.mode) for r in results] == [
        ("first", "dense"), (None, "lexical"), ("first", "hybrid"), ("second", "dense"), ("second", "hybrid")]


# --- a query written twice: one query, the union of its judgements, said on stderr -------------

def test_a_jsonl_query_written_twice_is_merged_with_the_union_of_its_judgements(tmp_path):
    """Was: counted twice (its hit@1 weighed double in every average), with each line's own units."""
    from simsearch.retrieval import Unit, load_queries

    path = write(tmp_path / "queries.jsonl", "\n".join(json.dumps(obj) for obj in [
        {"query": "cat on a mat", "relevant": ["docs/a.txt"]},
        {"query": "river", "relevant": ["docs/b.txt"]},
        {"query": "  cat on a mat ", "id": "again", "relevant": ["docs/c.txt", "docs/a.txt"]},  # as eval strips it
        {"query": "Cat on a mat", "relevant": ["docs/a.txt"]},  # another query: case counts
        {"query": "cat on a mat", "relevant": [{"text": "The cat sat on the mat."}]},
    ]) + "\n")
    warnings: list[str] = []
    queries = load_queries(path, on_warning=warnings.append)
    assert [query.text for query in queries] == ["cat on a mat", "river", "Cat on a mat"]
    docs = tmp_path / "docs"
    assert queries[0].units == [Unit.make(str(docs / "a.txt")), Unit.make(str(docs / "c.txt")),
                                Unit.make(text="The cat sat on the mat.")]
    assert queries[0].id == f"{path}:1" and queries[0].merged == [f"{path}:3", f"{path}:5"]
    assert queries[0].ids == [f"{path}:1", "again", f"{path}:5"]
    assert warnings == [f"{path}:3: the same query as line 1; merged (counted once) under line 1's id "
                        f"\"{path}:1\" (--details lists \"again\" in its \"ids\")",
                        f"{path}:5: the same query as line 1; merged (counted once)"]
    assert load_queries(path) == queries  # no warning asked for: merged all the same


def test_one_id_on_two_different_queries_is_an_error_naming_both_lines(two_model_index, run_cli):
    """Was: accepted, so two records of `--details` had one "id" and could not be told apart."""
    from simsearch.errors import SimsearchError
    from simsearch.retrieval import load_queries

    root, db, first, second, _ = two_model_index
    path = write(root / "ids.jsonl", "".join(json.dumps(obj) + "\n" for obj in [
        {"id": "x", "query": "cat on a mat", "relevant": ["docs/a.txt"]},
        {"id": 7, "query": "river", "relevant": ["docs/b.txt"]},
        {"id": "x", "query": "cat on a mat", "relevant": ["docs/b.txt"]},  # the same query: merged, as before
        {"id": "7", "query": "stock prices", "relevant": ["docs/a.txt"]},  # 7 and "7" are one id in --details
    ]))
    with pytest.raises(SimsearchError, match=f'^{path}:4: id "7" is already line 2\'s'):
        load_queries(path)
    details = root / "ids.ndjson"
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", "lexical",
                             "--details", details)
    one_line_error(code, err, f'{path}:4: id "7" is already line 2\'s')
    assert out == "" and not details.exists()
    write(path, "".join(path.read_text().splitlines(keepends=True)[:3]))
    [cat, river] = load_queries(path)
    assert (cat.id, river.id, cat.merged) == ("x", "7", [f"{path}:3"])


def test_a_tsv_query_written_twice_is_merged_with_its_file_line_numbers(tmp_path):
    from simsearch.retrieval import Unit, load_queries

    path = write(tmp_path / "queries.tsv", "# comment\nriver\tdocs/b.txt\n\ncat on a mat\tdocs/a.txt\n"
                                            "river\tdocs/b.txt:1\tdocs/b.txt\n")
    warnings: list[str] = []
    river, cat = load_queries(path, on_warning=warnings.append)
    assert river.units == [Unit.make(str(tmp_path / "docs" / "b.txt")), Unit.make(str(tmp_path / "docs" / "b.txt"), (1, 1))]
    assert cat.merged == [] and river.merged == [f"{path}:5"]
    assert warnings == [f"{path}:5: the same query as line 2; merged (counted once)"]


def query_file(path: Path, lines: list[tuple[str, list[str]]]) -> Path:
    """A JSONL or TSV query file (by ``path``'s suffix) of (query, relevant paths)."""
    if path.suffix == ".jsonl":
        return write(path, "".join(json.dumps({"query": query, "relevant": relevant}) + "\n" for query, relevant in lines))
    return write(path, "".join("\t".join([query, *relevant]) + "\n" for query, relevant in lines))


@pytest.mark.parametrize("suffix", ["jsonl", "tsv"])
def test_eval_retrieval_counts_a_repeated_query_once_and_says_so(two_model_index, run_cli, suffix):
    """The file with the query twice scores as the file with it once and both judgements."""
    root, db, first, second, _ = two_model_index
    twice = query_file(root / f"twice.{suffix}", [("cat on a mat", ["docs/a.txt"]), ("river", ["docs/b.txt"]),
                                                  ("cat on a mat", ["docs/b.txt"])])
    once = query_file(root / f"once.{suffix}", [("cat on a mat", ["docs/a.txt", "docs/b.txt"]),
                                                ("river", ["docs/b.txt"])])
    args = ("--db", db, "-m", first, "--mode", "lexical", "--mode", "dense", "--device", "cpu", "--json")
    code, out, err = run_cli("eval", "retrieval", twice, *args, "--details", root / f"twice-{suffix}.ndjson")
    assert code == 0, err
    assert f"warning: {twice}:3: the same query as line 1; merged (counted once)" in err.splitlines()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(row["queries"], row["units"], row["merged_queries"]) for row in rows] == [(2, 3, 1)] * 2
    details = [json.loads(line) for line in (root / f"twice-{suffix}.ndjson").read_text().splitlines()]
    assert [(d["query"], d["units"]) for d in details] == [("cat on a mat", 2), ("river", 1)] * 2
    code, out, err = run_cli("eval", "retrieval", once, *args)
    assert code == 0 and "merged" not in err, err
    assert [{**row, "merged_queries": 1} for row in map(json.loads, out.splitlines())] == rows


def test_a_relevant_item_of_a_merged_line_is_reported_at_its_own_line(two_model_index, run_cli):
    """Was: a relevant item that matches no indexed sentence, written on the later line of a
    query written twice, was reported at the first line ("first: q.jsonl:1: …missing.txt"),
    which does not name it."""
    root, db, first, second, _ = two_model_index
    path = query_file(root / "merged-missing.jsonl", [("cat on a mat", ["docs/a.txt"]), ("river", ["docs/b.txt"]),
                                                      ("cat on a mat", ["docs/a.txt:2"])])  # a blank line: no sentence there
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    assert code == 0, err
    lost = [line for line in err.splitlines() if "match no sentence" in line]
    assert len(lost) == 1 and f"(first: {path}:3: " in lost[0] and "a.txt:2" in lost[0], err
    path = query_file(root / "merged-typo.jsonl", [("cat on a mat", ["docs/a.txt"]), ("river", ["docs/b.txt"]),
                                                   ("cat on a mat", ["docs/missing.txt"])])  # a typo: the error
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "--mode", "lexical", "--json")
    one_line_error(code, err, f"{path}:3: docs/missing.txt: no such file")


# --- a relevant path in neither the index nor the disk: a typo, refused before any model loads -----

def test_a_relevant_path_on_neither_disk_nor_index_is_an_error_naming_its_line(two_model_index, run_cli,
                                                                               monkeypatch):
    """Was: `../docs/nofile.rst` (a typo) was only a warning; the query scored 0 and the run exited 0."""
    from simsearch import search

    root, db, first, second, _ = two_model_index
    opened = []
    monkeypatch.setattr(search.Searcher, "open", classmethod(lambda cls, *a, **k: opened.append(a) or 1 / 0))
    path = write(root / "sub" / "typo.jsonl", "".join(json.dumps(line) + "\n" for line in (
        {"query": "cat on a mat", "relevant": ["../docs/a.txt"]},
        {"query": "river", "relevant": ["../docs/b.txt"]},
        {"query": "stock prices", "relevant": ["../docs/nofile.rst", {"path": "../docs/gone.txt", "lines": 2}]},
    )))
    for mode in ("dense", "lexical"):
        code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", mode)
        one_line_error(code, err, f"{path}:3: ../docs/nofile.rst: no such file on disk or in the index")
        assert out == "" and opened == []


@pytest.mark.parametrize("relevant", ["docs/a.txt:2", "docs-extra/on-disk-only.txt",
                                      {"text": "Not a sentence of a.txt.", "path": "docs/a.txt"}])
def test_a_relevant_item_on_disk_or_in_the_index_stays_a_warning(two_model_index, run_cli, relevant):
    """Only a path in neither is an error: a file not indexed yet, lines no sentence starts on, or
    a sentence the index does not hold are the warning they were (they cap every metric). (Lines
    past the file's end are an error: tests/test_eval_past_end.py.)"""
    root, db, first, second, _ = two_model_index
    write(root / "docs-extra" / "on-disk-only.txt", "Not indexed.\n")
    answerable = json.dumps({"query": "river", "relevant": ["docs/b.txt"]}) + "\n"
    path = write(root / "warned.jsonl", json.dumps({"query": "cat on a mat", "relevant": [relevant]}) + "\n" + answerable)
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", "lexical", "--json")
    assert code == 0 and "1 of 2 relevant items match no sentence" in err and "error" not in err, err
    assert json.loads(out)["unreachable_units"] == 1
    # a file not indexed yet: the warning names the command that indexes its folder (and only then)
    hint = f"1 of their files is not indexed: run `simsearch index {root / 'docs-extra'} --db {db}`"
    assert (hint in " ".join(err.split())) == (relevant == "docs-extra/on-disk-only.txt"), err


@pytest.mark.parametrize("relevant", [["docs/a.txt:2"], ["docs-extra/on-disk-only.txt", "docs/a.txt:2"]])
def test_questions_of_which_no_relevant_item_is_indexed_are_an_error(two_model_index, run_cli, relevant):
    """User trial on pip's docs (session 48): a questions file kept over another index gave a table
    of zeros for every model and mode, exit 0, with one warning among others. When no relevant
    item matches a sentence there is nothing to measure: one error line (with the command that
    indexes the files where they are on disk), exit 2, no table."""
    root, db, first, second, _ = two_model_index
    write(root / "docs-extra" / "on-disk-only.txt", "Not indexed.\n")
    path = write(root / "elsewhere.jsonl", "".join(json.dumps({"query": f"q{n}", "relevant": [item]}) + "\n"
                                                   for n, item in enumerate(relevant)))
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", "lexical", "--json")
    items = "the relevant item matches no" if len(relevant) == 1 else f"none of the {len(relevant)} relevant items match a"
    one_line_error(code, err, f"{items} sentence in the index")
    assert out == "" and "every figure would be 0" in err
    assert ("1 of their files is not indexed: run `simsearch index" in " ".join(err.split())) == (len(relevant) == 2), err


def test_a_file_beside_the_indexed_folder_is_named_not_the_folder_around_both(two_model_index, run_cli):
    """User trial on Werkzeug's docs (session 39): the index was of ``werkzeug-3.0.6/docs`` and a
    question named ``CHANGES.rst`` beside it; the warning said "run `simsearch index
    werkzeug-3.0.6`", which would read the project's tests, templates and requirements files too.
    A folder that holds an indexed folder is not named: the files are."""
    root, db, first, second, _ = two_model_index
    changes = write(root / "CHANGES.txt", "The river was renamed.\n")
    path = write(root / "beside.jsonl", json.dumps({"query": "river", "relevant": ["CHANGES.txt"]}) + "\n"
                 + json.dumps({"query": "cat on a mat", "relevant": ["docs/a.txt"]}) + "\n")
    code, out, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", "lexical", "--json")
    assert code == 0 and "match no sentence" in err, err
    assert f"1 of their files is not indexed: run `simsearch index {changes} --db {db}`" in " ".join(err.split()), err


def test_a_relevant_file_deleted_since_indexing_stays_a_warning(tmp_path, index_model, run_cli):
    """In the index but gone from disk: still searched (its sentences are indexed), with the stale warning."""
    root = tmp_path
    index_two_copies(root, index_model)
    (root / "docs" / "b.txt").unlink()
    code, out, err = run_cli("eval", "retrieval", root / "q.jsonl", "--db", root / "index.db", "-m", root / "first",
                             "--mode", "lexical", "--json")
    assert code == 0 and "error" not in err and "1 relevant file gone since indexed" in err, err
    assert json.loads(out)["unreachable_units"] == 0


def test_a_single_relevant_item_may_stand_without_a_list(tmp_path):
    """README: `"relevant": "docs/x.rst"` is `"relevant": ["docs/x.rst"]` (and an object alone likewise)."""
    from simsearch.retrieval import load_queries

    alone = write(tmp_path / "alone.jsonl", json.dumps({"query": "cat", "relevant": "docs/a.txt:1-2"}) + "\n"
                  + json.dumps({"query": "river", "relevant": {"text": "The river floods."}}) + "\n")
    listed = write(tmp_path / "listed.jsonl", json.dumps({"query": "cat", "relevant": ["docs/a.txt:1-2"]}) + "\n"
                   + json.dumps({"query": "river", "relevant": [{"text": "The river floods."}]}) + "\n")
    assert [q.units for q in load_queries(alone)] == [q.units for q in load_queries(listed)]


def test_the_details_of_a_merged_query_carry_every_line_s_id(two_model_index, run_cli):
    """Was: the --details record of a query written on two lines had only the first line's id, so
    a script joining the records to its own ids by the later line's id found nothing for it."""
    root, db, first, _, _ = two_model_index
    path = write(root / "merged-ids.jsonl", "".join(json.dumps(obj) + "\n" for obj in [
        {"id": "q1", "query": "cat on a mat", "relevant": ["docs/a.txt"]},
        {"query": "river", "relevant": ["docs/b.txt"]},
        {"id": "q9", "query": "cat on a mat", "relevant": ["docs/b.txt"]},
        {"query": "river", "relevant": ["docs/a.txt"]},  # no id of its own: its line names it
        {"id": "q1", "query": "cat on a mat", "relevant": ["docs/a.txt"]},  # the same id again: listed once
    ]))
    details = root / "merged-ids.ndjson"
    code, _, err = run_cli("eval", "retrieval", path, "--db", db, "-m", first, "--mode", "lexical",
                           "--details", details)
    assert code == 0, err
    assert f'{path}:3: the same query as line 1; merged (counted once) under line 1\'s id "q1" ' \
           f'(--details lists "q9" in its "ids")' in " ".join(err.split())
    records = [json.loads(line) for line in details.read_text().splitlines()]
    assert [(r["id"], r["ids"]) for r in records] == [("q1", ["q1", "q9"]), (f"{path}:2", [f"{path}:2", f"{path}:4"])]
