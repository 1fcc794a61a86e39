"""Three trust defects, each checked against what it must agree with.

- Lexical search (BM25) reads the index alone: it answers the same with the model's folder
  moved, deleted or changed, names no model, and dense/hybrid still refuse in one line.
- A .gitignore is split into lines as git splits it (at ``\\n`` only; ``str.splitlines`` also
  breaks at U+2028, form feed, ...): ``git check-ignore`` is the oracle.
- A sentence-transformers folder with ``"do_lower_case": true`` is embedded from lowercased
  text, as sentence-transformers embeds it (the oracle, where installed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simsearch import indexer
from simsearch.encoder import Encoder
from simsearch.errors import SimsearchError
from simsearch.extract import FoundFile, parse_gitignore, walk
from simsearch.extract.gitignore import _ignored
from simsearch.models import fingerprint, resolve_model
from simsearch.search import Searcher
from simsearch.store import Store

# --- lexical search needs no model --------------------------------------------------------

DOCS = {
    "garden.txt": "The garden needs water every morning.\n\nRoses grow along the garden wall.\n",
    "kitchen.txt": "Bread is baked in the kitchen oven.\n\nThe garden hose hangs by the kitchen door.\n",
    "code.md": "Set SIMSEARCH_DB to choose the index.\n\nCall os.path.join to build a path.\n",
}


@pytest.fixture
def lexical_index(tmp_path, index_model):
    """An index built with a model folder of its own (the test moves or changes it)."""
    model = tmp_path / "model"
    shutil.copytree(index_model, model)
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    db = tmp_path / "index.db"
    store = Store.open(db)
    indexer.index(store, [docs], [str(model)], progress=False)
    store.close()
    return db, model


def lexical_answers(run_cli, db, *options):
    answers = []
    for query in ("garden", "kitchen door", "SIMSEARCH_DB"):
        code, out, err = run_cli("search", query, "--db", db, "--mode", "lexical", "--json", *options)
        assert code == 0 and err == "", err
        answers.append([json.loads(line) for line in out.splitlines()])
    return answers


@pytest.mark.parametrize("how", ["moved", "deleted", "changed"])
def test_lexical_search_answers_the_same_without_the_model_folder(lexical_index, run_cli, tmp_path, how):
    db, model = lexical_index
    before = lexical_answers(run_cli, db)
    named = lexical_answers(run_cli, db, "--model", model)
    assert before == named and all(before)
    # BM25 used no model: the hits name none (not the model that happens to be the index's default)
    assert all(hit["model"] is None and hit["mode"] == "lexical" for hits in before for hit in hits)
    if how == "moved":
        model.rename(tmp_path / "elsewhere")
    elif how == "deleted":
        shutil.rmtree(model)
    else:  # any byte of the model changed: its vectors are stale, the full-text index is not
        (model / "config.json").write_text((model / "config.json").read_text().replace("}", ', "x": 1}', 1))
    assert lexical_answers(run_cli, db) == before
    assert lexical_answers(run_cli, db, "--model", model) == before
    code, out, err = run_cli("search", "garden", "--db", db, "--mode", "lexical")
    assert code == 0 and "'garden', lexical (6 sentences" in out and "Roses" in out and err == ""
    # Every search that needs the model still refuses, in one line, before printing anything.
    why = "changed since it was indexed" if how == "changed" else "is no longer at"
    for options in (["--mode", "hybrid"], ["--mode", "dense"], ["--mode", "lexical", "--min-score", "0.1"]):
        code, out, err = run_cli("search", "garden", "--db", db, *options)
        assert code == 2 and out == "" and why in err and len(err.strip().splitlines()) == 1, (options, err)


def test_a_lexical_searcher_checks_the_model_only_when_a_search_needs_it(lexical_index):
    db, model = lexical_index
    shutil.rmtree(model)
    store = Store.open(db, create=False)
    try:
        with pytest.raises(SimsearchError, match="is no longer at"):
            Searcher.open(store, str(model), device="cpu")  # the default still checks the folder first
        searcher = Searcher.open(store, str(model), device="cpu", lexical_only=True)
        hits = searcher.search("garden", 5, mode="lexical")
        assert {hit.text for hit in hits} >= {"The garden needs water every morning.",
                                              "Roses grow along the garden wall."}
        assert all(hit.found_by == ["lexical"] for hit in hits)
        assert searcher.search_many(["garden"], 5, mode="lexical") == [hits]
        for mode, min_score in (("dense", None), ("hybrid", None), ("lexical", 0.0)):
            with pytest.raises(SimsearchError, match="is no longer at"):
                searcher.search("garden", 5, mode=mode, min_score=min_score)
    finally:
        store.close()


# --- .gitignore lines as git reads them ---------------------------------------------------

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed (it is the oracle)")

# What may end a pattern: the line ends git knows (\n, \r\n) and characters that only
# str.splitlines (or str.rstrip) takes for one, which git keeps in the pattern.
SEPARATORS = ["\n", "\r\n", "\r", "\r\r\n", " \r\n", "\r \n", "  \n", "\t\n", "\x0b", "\x0c", "\x1c", "\x1d",
              "\x1e", "\x85", "\u2028", "\u2029", "\u00a0\n", "\t", " "]
# No backslashes: escapes in patterns are another matter than line splitting.
PATTERNS = ["a.txt", "b.txt", "c*.txt", "!a.txt", "#b.txt", " d.txt", "e?.txt", "", "!", "#"]


def git_ignored(repo: Path, gitignore: str, names: list[str]) -> set[str]:
    """The names ``git check-ignore`` says the .gitignore ignores (no global or system config)."""
    (repo / ".gitignore").write_bytes(gitignore.encode("utf-8"))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run([GIT, "check-ignore", "--no-index", "-z", "--stdin"], cwd=repo, env=env,
                          input="\0".join(names).encode("utf-8"), capture_output=True, check=False)
    assert done.returncode in (0, 1), done.stderr  # 1: none ignored
    return {name for name in done.stdout.decode("utf-8").split("\0") if name}


def candidate_names(gitignore: str) -> list[str]:
    """File names a pattern of this .gitignore may match, however its lines were split."""
    pieces = set(gitignore.split("\n")) | set(gitignore.splitlines()) | set(PATTERNS)
    names = set()
    for piece in pieces:
        for form in (piece, piece.removesuffix("\r"), piece.rstrip(" "), piece.rstrip(), piece.lstrip("\ufeff")):
            for name in (form, form.lstrip("!#")):
                names |= {name.replace("*", "1").replace("?", "2"), name.replace("*", "").replace("?", "e")}
    return sorted(name for name in names if name not in ("", ".", "..") and "/" not in name and "\0" not in name)


@pytest.fixture(scope="module")
def git_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("git-oracle")
    subprocess.run([GIT, "init", "-q", str(repo)], check=True, capture_output=True)
    return repo


@needs_git
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bom=st.booleans(), lines=st.lists(st.tuples(st.sampled_from(PATTERNS), st.sampled_from(SEPARATORS)),
                                         min_size=1, max_size=6))
@example(bom=False, lines=[("a.txt", "\u2028"), ("b.txt", "\n")])  # one pattern to git, two to splitlines
@example(bom=False, lines=[("a.txt", "\x0c"), ("b.txt", "\x85"), ("c*.txt", "\n")])
@example(bom=False, lines=[("a.txt", "\r\n"), ("b.txt", "\r")])  # CRLF line; a lone \r at the end
@example(bom=False, lines=[("a.txt", "\t\n"), ("b.txt", "\u00a0\n")])  # git keeps a trailing tab, a no-break space
@example(bom=True, lines=[("a.txt", "\n")])  # a byte-order mark before the first pattern is not part of it
def test_gitignore_lines_are_read_as_git_reads_them(git_repo, bom, lines):
    gitignore = ("\ufeff" if bom else "") + "".join(pattern + end for pattern, end in lines)
    names = candidate_names(gitignore)
    rules = [(git_repo, parse_gitignore(gitignore))]
    ours = {name for name in names if _ignored(rules, git_repo / name, False)}
    assert ours == git_ignored(git_repo, gitignore, names), repr(gitignore)


ESCAPED = ["\\#b.txt", "\\!a.txt", "f\\*.txt", "f*.txt", "g\\ ", "h\\?.txt", "i\\j", "k\\[1].txt", "k[1].txt",
           "l\\", "!\\#b.txt", "m\\\\n", "[\\]]", "a[ \\]]b", "[!\\]]", "[]]x", "[a-c].md", "[!a-c].md", "[z-a]y",
           "[-x]z", "[x-]w", "[*", "q[!]r", "[\\a-\\c]v"]
ESCAPED_NAMES = ["#b.txt", "!a.txt", "a.txt", "f*.txt", "f1.txt", "g ", "g", "h?.txt", "hx.txt", "ij", "i\\j",
                 "k[1].txt", "k1.txt", "l", "l\\", "m\\n", "mn", "]", "a b", "a]b", "\\", "x", "a", "]x", "b.md", "d.md",
                 "zy", "ay", "-z", "xz", "-w", "xw", "[", "q]r", "qxr", "bv", "dv"]


@needs_git
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ESCAPED), min_size=1, max_size=5))
def test_backslash_escapes_in_patterns_match_as_git_matches_them(git_repo, patterns):
    gitignore = "\n".join(patterns) + "\n"
    rules = [(git_repo, parse_gitignore(gitignore))]
    ours = {name for name in ESCAPED_NAMES if _ignored(rules, git_repo / name, False)}
    assert ours == git_ignored(git_repo, gitignore, ESCAPED_NAMES), repr(gitignore)


@needs_git
def test_the_walk_skips_what_git_ignores_when_a_pattern_holds_a_line_separator(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    subprocess.run([GIT, "init", "-q", str(root)], check=True, capture_output=True)
    names = ["a.txt", "b.txt", "a.txt\u2028b.txt", "c.txt", "c.txt\x0cd.txt", "d.txt"]
    for name in names:
        (root / name).write_text("Some text.\n")
    gitignore = "a.txt\u2028b.txt\nc.txt\x0cd.txt\r\n"
    ignored = git_ignored(root, gitignore, names)
    assert ignored == {"a.txt\u2028b.txt", "c.txt\x0cd.txt"}  # the oracle itself
    found = {entry.path.name for entry in walk([root]) if isinstance(entry, FoundFile)}
    assert found == set(names) - ignored


# --- do_lower_case ------------------------------------------------------------------------

# A cased vocabulary: "Hello" and "hello" are different tokens.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "Hello", "World", "the", "The", ".", "cat",
         "Cat", "sat", "Sat"]


def cased_st_folder(folder: Path, do_lower_case: bool | None) -> Path:
    """A sentence-transformers folder (mean pooling) over a random BERT with a cased tokenizer;
    ``do_lower_case`` None: its sentence_bert_config.json does not say."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=False).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(folder)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32,
                                                                  "pooling_mode_mean_tokens": True}))
    settings = {"max_seq_length": 32} | ({} if do_lower_case is None else {"do_lower_case": do_lower_case})
    (folder / "sentence_bert_config.json").write_text(json.dumps(settings))
    return folder


@pytest.fixture(scope="module")
def cased_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("cased")
    return {flag: cased_st_folder(root / str(flag), flag) for flag in (True, False, None)}


def embed(folder: Path, texts: list[str]) -> np.ndarray:
    return Encoder.load(resolve_model(str(folder)), device="cpu").encode(texts, normalize=True, progress=False)


def test_do_lower_case_embeds_the_lowercased_text(cased_folders):
    texts = ["Hello World", "hello world", "HELLO WORLD", "The Cat sat."]
    lowered = embed(cased_folders[True], texts)
    np.testing.assert_allclose(lowered[0], lowered[1], atol=1e-6)
    np.testing.assert_allclose(lowered[0], lowered[2], atol=1e-6)
    np.testing.assert_allclose(lowered[3], embed(cased_folders[True], ["the cat sat."])[0], atol=1e-6)
    for flag in (False, None):  # the same weights and tokenizer, read as they are: case matters
        cased = embed(cased_folders[flag], texts)
        assert float(cased[0] @ cased[1]) < 0.999
        np.testing.assert_allclose(cased[1], lowered[1], atol=1e-6)  # lowercase text: nothing to lower


def test_do_lower_case_gives_sentence_transformers_vectors(cased_folders):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = ["Hello World", "The Cat sat.", "hello world"]
    for flag, folder in cased_folders.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sentence_transformers.SentenceTransformer(str(folder), device="cpu")
            expected = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        np.testing.assert_allclose(embed(folder, texts), expected, atol=1e-5, err_msg=f"do_lower_case {flag}")


def test_an_index_made_before_lowercasing_is_re_embedded_not_mixed(cased_folders, tmp_path):
    """Lowercasing is part of the model's identity where it is on: vectors of an index made
    without it are stale (the index re-embeds them, search refuses them); other models keep
    their fingerprint, so nothing else is re-embedded."""
    lower = resolve_model(str(cased_folders[True]))
    cased = resolve_model(str(cased_folders[False]))
    assert lower.lower_case and not cased.lower_case and not resolve_model(str(cased_folders[None])).lower_case
    import dataclasses

    assert fingerprint(lower) != fingerprint(dataclasses.replace(lower, lower_case=False))
    assert fingerprint(cased) == fingerprint(dataclasses.replace(cased, lower_case=False))
    # End to end: the index's vectors are the lowercased text's, found by a query in any case.
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hello World.\n\nThe cat sat.\n")
    store = Store.open(tmp_path / "index.db")
    try:
        indexer.index(store, [docs], [str(cased_folders[True])], progress=False)
        searcher = Searcher.open(store, str(cased_folders[True]), device="cpu")
        hit = searcher.search("HELLO WORLD.", 1, mode="dense")[0]
        assert hit.text == "Hello World." and hit.score == pytest.approx(1.0, abs=1e-5)
    finally:
        store.close()


def test_a_sentence_bert_config_that_is_no_object_is_a_one_line_error(cased_folders, tmp_path):
    folder = tmp_path / "odd"
    shutil.copytree(cased_folders[True], folder)
    (folder / "sentence_bert_config.json").write_text('["do_lower_case"]')
    with pytest.raises(SimsearchError, match="sentence_bert_config.json: not a JSON object"):
        resolve_model(str(folder))  # was an AttributeError ('list' object has no attribute 'get')


def test_eval_retrieval_in_lexical_mode_needs_no_model_folder(lexical_index, run_cli, tmp_path):
    db, model = lexical_index
    queries = tmp_path / "queries.jsonl"
    docs = db.parent / "docs"
    queries.write_text("".join(json.dumps({"query": q, "relevant": [str(docs / name)]}) + "\n"
                               for q, name in (("garden wall", "garden.txt"), ("oven", "kitchen.txt"))))
    code, before, err = run_cli("eval", "retrieval", queries, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and err == "", err
    shutil.rmtree(model)
    code, after, err = run_cli("eval", "retrieval", queries, "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and err == "" and after == before and json.loads(after)["hit@1"] == 1.0
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "--mode", "lexical", "--mode", "hybrid")
    assert code == 2 and out == "" and "is no longer at" in err and len(err.strip().splitlines()) == 1


def test_training_from_a_do_lower_case_model_reads_lowercased_text(cased_folders, tmp_path):
    """Training tokenizes its data as the model reads it (the same weights from cased and
    lowercased data), and the trained folder keeps do_lower_case, so simsearch and
    sentence-transformers read it as it was trained."""
    import itertools

    from safetensors.torch import load_file

    from simsearch.train import TrainConfig, train

    words = ["Hello", "World", "The", "Cat", "Sat", "hello", "world", "the", "cat", "sat"]
    lines = list(dict.fromkeys(" ".join(combo) + " ." for combo in itertools.permutations(words[:5], 3)))[:48]
    outputs = {}
    for case, text in (("cased", lines), ("lower", [line.lower() for line in lines])):
        data = tmp_path / f"{case}.txt"
        data.write_text("\n".join(text) + "\n")
        train(TrainConfig(mode="unsup", data=data, model=str(cased_folders[True]), out=tmp_path / case, batch_size=8,
                          max_steps=3, eval_steps=100, progress=False, lr=1e-3, device="cpu", pooler="avg"))
        outputs[case] = tmp_path / case
    cased, lower = (load_file(str(outputs[case] / "model.safetensors")) for case in ("cased", "lower"))
    assert all(np.array_equal(cased[key].numpy(), lower[key].numpy()) for key in cased)
    assert json.loads((outputs["cased"] / "sentence_bert_config.json").read_text())["do_lower_case"] is True
    np.testing.assert_allclose(*embed(outputs["cased"], ["Hello World", "hello world"]), atol=1e-6)


POSIX_PATTERNS = ["a[[:alpha:]]b", "a[![:alpha:]]b", "a[[:digit:]x-z]b", "a[[:space:]]b", "a[[:punct:]]b",
                  "a[[:upper:][:digit:]]b", "a[^[:alnum:]]b", "a[[:blank:]]b", "a[[:cntrl:]]b", "a[[:graph:]]b",
                  "a[[:print:]]b", "a[[:lower:]]b", "a[[:xdigit:]]b", "a[[:digit:]-z]b", "a[[:foo:]]b",
                  "a[[:alpha]b", "a[[:]b", "a[[::]]b", "a[[:alpha:]", "[[:alpha:]]*.txt", "a?b", "a??b", "a[!x][!x]b",
                  "a[é]b", "a[é][é]b"]
POSIX_NAMES = [f"a{chr(c)}b" for c in range(1, 128) if chr(c) != "/"] + ["a:b", "a]b", "q.txt", "1.txt", "aéb"]


@needs_git
@pytest.mark.parametrize("pattern", POSIX_PATTERNS)
def test_posix_classes_in_brackets_match_as_git_matches_them(git_repo, pattern):
    rules = [(git_repo, parse_gitignore(pattern + "\n"))]
    ours = {name for name in POSIX_NAMES if _ignored(rules, git_repo / name, False)}
    assert ours == git_ignored(git_repo, pattern + "\n", POSIX_NAMES), pattern


@needs_git
@pytest.mark.parametrize("pattern", ["*.txt", "notes", "x*", "/notes", "d*/x.txt", "**/x.txt"])
def test_names_holding_a_newline_match_as_git_matches_them(git_repo, pattern):
    names = ["x.txt\n", "notes\n", "a\nb.txt", "d\nd/x.txt", "notes\n/keep.md", "x\n", "notes", "x.txt"]
    rules = [(git_repo, parse_gitignore(pattern + "\n"))]
    ours = {name for name in names if _ignored(rules, git_repo / name, False)}
    assert ours == git_ignored(git_repo, pattern + "\n", names), pattern


def test_counts_of_one_are_singular_in_status_and_search(tmp_path, index_model, run_cli):
    """'1 files', '1 sentences' in status's header and last run, and search's table title."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "one.txt").write_text("A single sentence about lighthouses.\n")
    db = tmp_path / "one.db"
    assert run_cli("index", tmp_path / "docs", "-m", index_model, "--db", db)[0] == 0
    code, out, _ = run_cli("status", "--db", db)
    assert code == 0 and "1 file " in out and "1 sentence," in out and "1 file seen" in out
    assert "1 files" not in out and "1 sentences" not in out
    code, out, _ = run_cli("search", "lighthouses", "--db", db, "-m", index_model, "--mode", "dense")
    assert code == 0 and "(1 sentence, " in " ".join(out.split())  # the title may wrap anywhere, with its padding


def test_a_run_that_only_rebuilds_the_hnsw_file_says_so(tmp_path, index_model, run_cli, monkeypatch):
    """It said "index is up to date" after rebuilding a deleted HNSW file for a minute and a half."""
    from simsearch import ann

    monkeypatch.setattr(ann, "EXACT_BELOW", 5)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("\n\n".join(f"Sentence number {i} is about boats." for i in range(12)) + "\n")
    db = tmp_path / "h.db"
    code, out, _ = run_cli("index", tmp_path / "docs", "-m", index_model, "--db", db, "--json")
    assert code == 0 and json.loads(out)["hnsw"] == {str(index_model): "built"}, out
    for hnsw in tmp_path.glob("h.db.model-*.hnsw"):
        hnsw.unlink()
    code, out, _ = run_cli("index", "--db", db)
    out = " ".join(out.split())
    assert code == 0 and "index is up to date" in out and "HNSW file built for" in out
    code, out, _ = run_cli("index", "--db", db)
    assert code == 0 and "HNSW" not in out
