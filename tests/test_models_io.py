"""Models are read as they are, data files line by line as an editor numbers lines, the TUI only on a
terminal, and a root simsearch cannot read is refused.

- A sentence-transformers folder gives simsearch exactly sentence-transformers' vectors, whichever
  form its Pooling config has, or is refused in one line naming what simsearch does not compute
  (a Dense projection, a default prompt): never embedded without it.
- Query files, JSONL/CSV/TSV training files and ``--queries`` end lines at ``\\n``, ``\\r\\n`` and
  ``\\r`` only (``str.splitlines`` also breaks at U+2028, form feed, ...), with line numbers right.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.cli import _read_queries
from simsearch.data import line_of_byte, load_triplets
from simsearch.encoder import Encoder
from simsearch.errors import SimsearchError
from simsearch.models import METADATA_FILE, resolve_model
from simsearch.retrieval import load_queries
from simsearch.tui import require_terminal
from tests.tiny_bert import create_random_bert

# Short and long sentences in one batch: padding must not leak into a pooled vector.
TEXTS = ["A man plays a guitar.", "Stocks fell.",
         "The old farmer repairs a red car in the kitchen while two kids watch the sunset over the small boat."]


# --- sentence-transformers folders ----------------------------------------------------------

@pytest.fixture(scope="module")
def st_modules():
    sentence_transformers = pytest.importorskip("sentence_transformers")
    with warnings.catch_warnings():  # sentence_transformers.models is deprecated in 5.x, the only name in 2.x-4.x
        warnings.simplefilter("ignore")
        from sentence_transformers import models
    return sentence_transformers, models


@pytest.fixture(scope="module")
def raw_bert(tmp_path_factory) -> Path:
    """A BERT folder without simsearch metadata, as from the hub."""
    folder = create_random_bert(tmp_path_factory.mktemp("st") / "bert", hidden_size=32, heads=2, layers=2, seed=3)
    (folder / METADATA_FILE).unlink()
    return folder


def save_st(st_modules, raw_bert, folder: Path, *extra, mode="mean", **kwargs) -> Path:
    sentence_transformers, models = st_modules
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = [models.Transformer(str(raw_bert)), models.Pooling(32, pooling_mode=mode), *extra]
        sentence_transformers.SentenceTransformer(modules=modules, device="cpu", **kwargs).save(str(folder))
    return folder


def legacy_pooling_config(folder: Path, mode: str) -> None:
    """Rewrite the Pooling config as sentence-transformers before 5.0 wrote it (most hub models)."""
    config = {"word_embedding_dimension": 32, "pooling_mode_cls_token": mode == "cls",
              "pooling_mode_mean_tokens": mode == "mean", "pooling_mode_max_tokens": False,
              "pooling_mode_mean_sqrt_len_tokens": False}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("mode", ["mean", "cls"])
@pytest.mark.parametrize("form", ["as saved", "legacy flags", "with Normalize"])
def test_a_sentence_transformers_folder_gives_sentence_transformers_vectors(tmp_path, st_modules, raw_bert, mode, form):
    extra = [st_modules[1].Normalize()] if form == "with Normalize" else []
    folder = save_st(st_modules, raw_bert, tmp_path / "st", *extra, mode=mode)
    if form == "legacy flags":
        legacy_pooling_config(folder, mode)
    theirs = st_modules[0].SentenceTransformer(str(folder), device="cpu").encode(TEXTS, normalize_embeddings=True)
    encoder = Encoder.load(str(folder), device="cpu", precision="fp32")
    assert encoder.ref.pooler == {"mean": "avg", "cls": "cls_before_pooler"}[mode]
    np.testing.assert_allclose(encoder.encode(TEXTS, normalize=True, progress=False), theirs, atol=1e-5)


def test_a_module_simsearch_does_not_compute_is_refused_by_name_whatever_the_pooler(
        tmp_path, st_modules, raw_bert, run_cli):
    import torch

    dense = st_modules[1].Dense(32, 16, activation_function=torch.nn.Tanh())
    folder = save_st(st_modules, raw_bert, tmp_path / "st-dense", dense)
    assert st_modules[0].SentenceTransformer(str(folder), device="cpu").encode(TEXTS).shape == (3, 16)
    for form in ("as saved", "legacy flags"):
        if form == "legacy flags":
            legacy_pooling_config(folder, "mean")
        for pooler in (None, "avg"):  # --pooler replaces the Pooling module, not the Dense one
            with pytest.raises(SimsearchError, match=r"module Dense \(2_Dense\) is not supported"):
                resolve_model(str(folder), pooler)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("One sentence here.\n")
    code, out, err = run_cli("index", tmp_path / "docs", "-m", folder, "--db", tmp_path / "idx.db")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Dense" in err
    assert not (tmp_path / "idx.db").exists()


def test_a_default_prompt_is_refused_not_left_out(tmp_path, st_modules, raw_bert):
    folder = save_st(st_modules, raw_bert, tmp_path / "st-prompt", prompts={"query": "query: "},
                     default_prompt_name="query")
    with pytest.raises(SimsearchError, match="default prompt 'query' is not supported"):
        resolve_model(str(folder))


def test_a_pooling_simsearch_has_no_pooler_for_needs_pooler_and_then_takes_it(tmp_path, st_modules, raw_bert):
    folder = save_st(st_modules, raw_bert, tmp_path / "st-max", mode="max")
    with pytest.raises(SimsearchError, match="sentence-transformers pooling max is not supported; pass --pooler"):
        resolve_model(str(folder))
    assert resolve_model(str(folder), "cls_before_pooler").pooler == "cls_before_pooler"  # as the error says


# --- lines end at \n, \r\n and \r only ----------------------------------------------------------

# What str.splitlines() breaks at besides \n and \r: inside a line here, as in an editor.
OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
letter = st.sampled_from("abé")
# Text of one line as a user would write it: no leading or trailing whitespace (a reader strips it).
line_text = st.builds(lambda first, middle, last: first + middle + last, letter,
                      st.text(alphabet=st.sampled_from("ab é" + OTHER_BREAKS), max_size=10), letter)
line_end = st.sampled_from(["\n", "\r\n", "\r"])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(queries=st.lists(line_text, min_size=1, max_size=6), ends=st.lists(line_end, min_size=6, max_size=6))
def test_queries_written_one_per_line_read_back_as_that_list(tmp_path, queries, ends):
    text = "".join(q + end for q, end in zip(queries, ends))
    listed = tmp_path / "qs.txt"
    listed.write_bytes(text.encode("utf-8"))
    assert _read_queries(listed) == queries
    # eval's query files: JSONL as json.dumps(ensure_ascii=False) writes it (U+2028 raw), and TSV
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_bytes("".join(json.dumps({"query": q, "relevant": ["a.txt"]}, ensure_ascii=False) + end
                              for q, end in zip(queries, ends)).encode("utf-8"))
    tsv = tmp_path / "q.tsv"
    tsv.write_bytes("".join(f"{q}\ta.txt{end}" for q, end in zip(queries, ends)).encode("utf-8"))
    first = {}  # eval counts a query written twice once: at its first line, the later ones merged
    for n, query in enumerate(queries, 1):
        first.setdefault(query, n)
    for path in (jsonl, tsv):
        read = load_queries(path)
        assert [q.text for q in read] == list(first)
        assert [q.source for q in read] == [f"{path}:{n}" for n in first.values()]
        assert [q.merged for q in read] == [[f"{path}:{n}" for n, other in enumerate(queries, 1)
                                             if other == query and n != first[query]] for query in first]


@FAST
@given(rows=st.lists(st.tuples(line_text, line_text), min_size=1, max_size=5),
       ends=st.lists(line_end, min_size=6, max_size=6))
def test_training_pairs_read_back_and_a_bad_line_is_named_by_its_number(tmp_path, rows, ends):
    expected = list(dict.fromkeys((" ".join(a.split()), " ".join(b.split())) for a, b in rows))
    jsonl = tmp_path / "pairs.jsonl"
    lines = [json.dumps({"sent0": a, "sent1": b}, ensure_ascii=False) for a, b in rows]
    jsonl.write_bytes("".join(line + end for line, end in zip(lines, ends)).encode("utf-8"))
    assert load_triplets(jsonl) == expected
    jsonl.write_bytes("".join(line + end for line, end in zip([*lines, "{oops"], ends)).encode("utf-8"))
    with pytest.raises(SimsearchError, match=rf"pairs.jsonl:{len(rows) + 1}: not a JSON object"):
        load_triplets(jsonl)
    csv_file = tmp_path / "pairs.csv"
    csv_lines = ["sent0,sent1", *(f'"{a}","{b}"' for a, b in rows)]
    csv_file.write_bytes("".join(line + end for line, end in zip(csv_lines, ends + ["\n"])).encode("utf-8"))
    assert load_triplets(csv_file) == expected
    csv_file.write_bytes("".join(line + end for line, end in zip([*csv_lines, "x,"], ends + ["\n"])).encode("utf-8"))
    with pytest.raises(SimsearchError, match=rf"pairs.csv:{len(rows) + 2}: empty sent1"):
        load_triplets(csv_file)


def test_a_csv_row_is_named_by_the_line_it_is_on_after_blank_lines_and_quoted_breaks(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text('sent0,sent1\n\na,b\n"two\nlines",c\nd,\n', encoding="utf-8")
    with pytest.raises(SimsearchError, match=r"t.csv:6: empty sent1"):
        load_triplets(data)


@pytest.mark.parametrize("raw, line", [(b"a\nb\xff", 2), (b"a\rb\r\nc\xff", 3), (b"a\x0cb\xe2\x80\xa8c\xff", 1)])
def test_an_undecodable_byte_is_named_by_its_line(tmp_path, raw, line):
    assert line_of_byte(raw, raw.index(b"\xff")) == line
    path = tmp_path / "q.txt"
    path.write_bytes(raw)
    with pytest.raises(SimsearchError, match=f"line {line} is not UTF-8"):
        _read_queries(path)


# --- tui without a terminal ----------------------------------------------------------------

class Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_tui_names_each_stream_that_is_not_a_terminal():
    require_terminal(Stream(True), Stream(True))
    with pytest.raises(SimsearchError, match="needs a terminal: stderr is not one"):
        require_terminal(Stream(True), Stream(False))
    with pytest.raises(SimsearchError, match="needs a terminal: stdin and stderr are not"):
        require_terminal(Stream(False), Stream(False))


def test_tui_without_a_terminal_exits_at_once_with_one_line(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "simsearch", "tui", "--db", str(tmp_path / "nope.db")],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env,
                          cwd=tmp_path)  # before the fix it never exited: the timeout fails the test
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "nope.db").exists()


# --- index roots ----------------------------------------------------------------------------

def test_a_root_of_a_type_simsearch_cannot_read_is_refused_and_nothing_recorded(tmp_path, index_model, run_cli):
    from simsearch.store import Store

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Printers need ink.\n")
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04 not text")
    (tmp_path / "Makefile").write_text("no suffix\n")
    (tmp_path / "LOUD.TXT").write_text("A shouted note about ink.\n")
    db = tmp_path / "idx.db"
    code, out, err = run_cli("index", tmp_path / "notes.xlsx", "-m", index_model, "--db", db)
    assert code == 2 and out == "" and "notes.xlsx: simsearch cannot index .xlsx files" in err
    assert len(err.strip().splitlines()) == 1 and not db.exists()
    code, _, err = run_cli("index", tmp_path / "docs", "-m", index_model, "--db", db, "--json")
    assert code == 0, err
    for bad in ("notes.xlsx", "Makefile"):
        code, out, err = run_cli("index", tmp_path / "docs", tmp_path / bad, "--db", db)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and bad in err
    store = Store.open(db, create=False)
    assert store.roots() == {str(tmp_path / "docs"): store.roots()[str(tmp_path / "docs")]}
    store.close()
    code, _, err = run_cli("index", tmp_path / "LOUD.TXT", "--db", db, "--json")  # a suffix in capitals is read
    assert code == 0 and err == ""
    code, _, err = run_cli("index", "--db", db, "--json")  # the plain re-run warns about nothing
    assert code == 0 and err == ""
