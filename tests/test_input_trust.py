"""Input and store trust: files simsearch is given but did not make are refused, unchanged.

- ``--db`` naming a file that is not a simsearch index (empty, not SQLite, another program's
  SQLite database, one without any table) is refused in one line, for reading commands and
  ``index`` alike, with the file's bytes and mtime and its folder left as they were.
- ``--sup`` triplet files: a JSON value that is not a string (a number, a list, true, null in
  a row with text) or a NUL byte anywhere is refused with file:line (and key), never trained
  on as a Python repr.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.data import load_triplets
from simsearch.errors import SimsearchError
from simsearch.segment import ABBREVIATIONS, NEVER_FINAL
from simsearch.store import Store


def _folder_state(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file in ``folder``: (size, mtime_ns, bytes)."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir())}


def _not_an_index(kind: str, path: Path) -> None:
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("my notes\n" * 50)
    elif kind == "short":
        path.write_bytes(b"SQLite")  # the start of the header, nothing more
    elif kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'ada')")
        conn.commit()
        conn.close()
    elif kind == "no-tables":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 7")  # an SQLite file, with a header and no table
        conn.commit()
        conn.close()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # an mtime any write would change


KINDS = ["empty", "text", "short", "foreign", "no-tables"]


@pytest.mark.parametrize("create", [False, True], ids=["read", "create"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_an_index_is_refused_and_left_as_it_is(tmp_path, kind, create):
    path = tmp_path / "notes.txt"
    _not_an_index(kind, path)
    before = _folder_state(tmp_path)
    with pytest.raises(SimsearchError) as caught:
        Store.open(path, create=create)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "not a simsearch index" in message
    assert _folder_state(tmp_path) == before  # same bytes, same mtime, no schema, no -wal/-shm/.lock


@pytest.mark.parametrize("command", [
    ["search", "apple"],
    ["status"],
    ["forget", "--missing"],
    ["eval", "retrieval", "{queries}"],
    ["index", "{docs}"],
])
def test_commands_given_an_empty_file_as_db_refuse_it_in_one_line_and_write_nothing(run_cli, tmp_path, command):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Apples are red. Pears are green.\n")
    (tmp_path / "queries.tsv").write_text("q1\tred fruit\ta.txt\n")
    work = tmp_path / "work"
    work.mkdir()
    notes = work / "notes.txt"
    _not_an_index("empty", notes)
    before = _folder_state(work)
    args = [a.format(docs=docs, queries=tmp_path / "queries.tsv") for a in command]
    code, out, err = run_cli(*args, "--db", notes)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and f"{notes} is an empty file" in err
    assert "Traceback" not in err and out == ""
    assert _folder_state(work) == before


def test_a_new_index_appears_complete_and_leaves_nothing_beside_it(tmp_path, monkeypatch):
    """The file at --db is linked from one that already holds the whole schema; no staging
    file is left over; the next open (a reader) accepts it."""
    seen = []
    real_link = os.link

    def link(source, target, *args, **kwargs):
        conn = sqlite3.connect(source)
        seen.append(conn.execute("SELECT count(*) FROM _migrations").fetchone()[0])
        conn.close()
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    path = tmp_path / "new.db"
    store = Store.open(path)
    assert seen == [store.schema_version()] and store.schema_version() > 0
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["new.db"]
    Store.open(path, create=False).close()


def test_without_hard_links_a_new_index_is_made_in_place(tmp_path, monkeypatch):
    def no_link(source, target, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "fat" / "new.db"
    store = Store.open(path)
    assert store.schema_version() > 0
    store.close()
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["new.db"]
    Store.open(path, create=False).close()


def test_a_db_symlink_to_a_file_not_made_yet_gets_the_index_where_it_points(tmp_path):
    target = tmp_path / "data" / "real.db"
    link = tmp_path / "index.db"
    link.symlink_to(target)
    store = Store.open(link)
    assert store.schema_version() > 0
    store.close()
    assert link.is_symlink() and target.is_file()
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == ["real.db"]
    Store.open(link, create=False).close()


def test_a_db_name_at_the_file_systems_limit_is_made_like_any_other(tmp_path):
    path = tmp_path / ("n" * 237 + ".db")  # 240 bytes (its -wal 244): legal; a staging name built on it is not
    store = Store.open(path)
    assert store.schema_version() > 0
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [path.name]


# --- D9: supervised triplet files hold text, and only text ---------------------------------------

_WORDS = st.text(st.sampled_from("abc xyz"), min_size=1, max_size=8).filter(str.strip)
_NOT_TEXT = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False), st.lists(_WORDS, max_size=2),
    st.dictionaries(st.sampled_from("kq"), st.integers(), max_size=2),
)
COLUMNS = ("sent0", "sent1", "hard_neg")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_WORDS, _WORDS, _WORDS), min_size=1, max_size=6), data=st.data())
def test_a_jsonl_value_that_is_not_a_string_is_refused_naming_line_and_key(tmp_path, rows, data):
    """Oracle: every row of strings loads as those strings (spaces collapsed); one non-string
    value (number, boolean, list, object) anywhere is an error naming its line and key,
    never a row of Python reprs."""
    path = tmp_path / "t.jsonl"
    records = [dict(zip(COLUMNS, row)) for row in rows]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert load_triplets(path) == list(dict.fromkeys(tuple(" ".join(v.split()) for v in row) for row in rows))
    line = data.draw(st.integers(0, len(records) - 1))
    key = data.draw(st.sampled_from(COLUMNS))
    records[line][key] = data.draw(_NOT_TEXT)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(SimsearchError) as caught:
        load_triplets(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line + 1}: {key} must be a string") and "\n" not in message


def test_null_nul_and_surrogates_in_jsonl_are_refused(tmp_path):
    cases = {
        '{"sent0": "a", "sent1": null}': "sent1 is null (expected a string)",
        '{"sent0": "a\\u0000b", "sent1": "c"}': "sent0 holds a NUL character",
        '{"sent0": "a", "sent1": "\\ud800"}': "sent1 holds a lone surrogate (\\ud800)",
    }
    path = tmp_path / "t.jsonl"
    for line, expected in cases.items():
        path.write_text('{"sent0": "x", "sent1": "y"}\n' + line + "\n")
        with pytest.raises(SimsearchError) as caught:
            load_triplets(path)
        assert str(caught.value).startswith(f"{path}:2: {expected}"), caught.value
    # A row with nothing in it is still a blank row, left out.
    path.write_text('{"sent0": null, "sent1": null}\n{"sent0": "x", "sent1": "y"}\n')
    assert load_triplets(path) == [("x", "y")]



def test_a_csv_row_short_of_fields_says_so_not_null(tmp_path):
    # A quote left open swallows the lines after it into one field; the csv module then gives
    # None for the fields the row lacks, which is not "null" to someone who wrote a CSV file.
    path = tmp_path / "t.csv"
    path.write_text('sent0,sent1,hard_neg\na,b,c\n"open quote,x,y\nd,e,f\n')
    with pytest.raises(SimsearchError) as caught:
        load_triplets(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4: no sent1, hard_neg: the row has fewer fields than the header"), message
    assert "null" not in message and "quote left open" in message
    path.write_text("sent0,sent1\na,b\nlonely\n")
    with pytest.raises(SimsearchError, match=r"t\.csv:3: no sent1: the row has fewer fields"):
        load_triplets(path)


def test_a_csv_row_with_more_fields_than_the_header_is_refused(tmp_path):
    # A comma in a field not quoted split it: the row was trained on shifted ("Hello", "world"),
    # a part of one sentence as the other, and the rest ("Bye") dropped without a word.
    path = tmp_path / "t.csv"
    path.write_text("sent0,sent1\nq,r\nHello, world,Bye\n")
    with pytest.raises(SimsearchError, match=r"t\.csv:3: the row has more fields than the header \(sent0,sent1; "
                                             r"a comma in a field not quoted\?\)"):
        load_triplets(path)
    tsv = tmp_path / "t.tsv"
    tsv.write_text("sent0\tsent1\nHello\tworld\tBye\n")
    with pytest.raises(SimsearchError, match=r"t\.tsv:2: the row has more fields .*a tab in a field not quoted"):
        load_triplets(tsv)
    path.write_text("sent0,sent1\na,b,\n")  # a trailing empty field (a spreadsheet's) is no sentence lost
    assert load_triplets(path) == [("a", "b")]


def test_a_short_csv_row_with_an_empty_field_names_both(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("sent0,sent1,hard_neg\n,b\n")
    with pytest.raises(SimsearchError, match=r"t\.csv:2: empty sent0; no hard_neg: the row has fewer fields"):
        load_triplets(path)

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_WORDS, _WORDS), min_size=1, max_size=6), data=st.data(),
       delimiter=st.sampled_from([",", "\t"]), newline=st.sampled_from(["\n", "\r\n"]))
def test_a_nul_byte_in_a_csv_or_tsv_field_is_refused_with_its_line(tmp_path, rows, data, delimiter, newline):
    path = tmp_path / ("t.tsv" if delimiter == "\t" else "t.csv")
    lines = [delimiter.join(COLUMNS[:2])] + [delimiter.join(row) for row in rows]
    number = data.draw(st.integers(1, len(rows)))  # a data line (the header is line 1)
    at = data.draw(st.integers(0, len(lines[number])))
    lines[number] = lines[number][:at] + "\x00" + lines[number][at:]
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    with pytest.raises(SimsearchError) as caught:
        load_triplets(path)
    assert str(caught.value).startswith(f"{path}:{number + 1}: a NUL byte")


# --- D5: a lowercase, unpunctuated file of one phrase per line is read line by line ---------------

# Lowercase words; none an abbreviation ("mr", "etc"), after which a period would not end a sentence.
_LOWER_WORDS = st.text(st.sampled_from("abcdefghijklmnoprstuvwy"), min_size=2, max_size=9).filter(
    lambda word: word not in ABBREVIATIONS | NEVER_FINAL)


def _read_txt(text: str) -> list[str]:
    from simsearch.extract import extract, sentences_of

    return [s.text for s in sentences_of(extract(Path("notes.txt"), text.encode()))]


@settings(max_examples=60, deadline=None)
@given(length=st.integers(4, 8), shortest=st.integers(6, 10), data=st.data(), rounds=st.integers(3, 12),
       asked=st.sets(st.integers(0, 80), max_size=3))
def test_lowercase_unpunctuated_phrases_one_per_line_are_one_sentence_each(length, shortest, data, rounds, asked):
    """Oracle: each line is one sentence, exactly as written. The lines hold ``shortest`` to
    ``shortest + 5`` words of ``length`` letters, each count equally often (the hunt's file:
    widths spread over a few words, so about half the lines are as long as the widest; no
    capitals, no punctuation but a "?" ending a few). Read as wrapped prose (what simsearch
    did), runs of lines became one sentence."""
    from simsearch.segment import SENTENCE_PER_LINE, line_shape

    words = data.draw(st.lists(st.text(st.sampled_from("abcdefghijklmnoprstuvwy"), min_size=length,
                                       max_size=length), min_size=12, max_size=12))
    order = data.draw(st.permutations(range(shortest, shortest + 6)))
    lines = []
    for i in range(rounds * len(order)):
        line = " ".join(words[(i * 5 + j) % len(words)] for j in range(order[i % len(order)]))
        lines.append(line + ("?" if i in asked else ""))
    text = "\n".join(lines) + "\n"
    assert line_shape(text) == SENTENCE_PER_LINE
    assert _read_txt(text) == lines


@settings(max_examples=60, deadline=None)
@given(sentences=st.lists(st.lists(_LOWER_WORDS, min_size=4, max_size=20), min_size=8, max_size=30),
       width=st.integers(60, 100), punctuated=st.booleans(), ragged=st.integers(0, 10), data=st.data())
def test_lowercase_wrapped_prose_is_still_joined(sentences, width, punctuated, ragged, data):
    """Oracle: lowercase prose wrapped by an editor (greedy at ``width``, or by hand: each line
    broken anywhere in the last ``ragged`` columns before the width, as long as it ends in
    punctuation) is read as wrapped prose and, when punctuated, gives back its sentences.
    Lines stay at least 50 characters (narrower text is never taken for wrapped prose)."""
    from simsearch.segment import WRAPPED, line_shape

    ragged = min(ragged, width - 60)
    texts = [" ".join(words) + ("." if punctuated else "") for words in sentences]
    lines, line = [], ""
    for word in " ".join(texts).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        elif line and punctuated and len(line) + 1 + len(word) > width - ragged and data.draw(st.booleans()):
            lines.append(line)  # a hand-wrapped line ended a little early
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    text = "\n".join(lines) + "\n"
    if len(lines) < 4:
        return
    assert line_shape(text) == WRAPPED, (len(lines), text)
    if punctuated:
        assert _read_txt(text) == texts


def test_the_hunts_lowercase_phrase_file_is_two_hundred_sentences():
    """The round-3 hunt's file exactly: 200 lowercase lines of 25-69 characters, no punctuation."""
    import random

    from simsearch.segment import SENTENCE_PER_LINE, line_shape

    rnd = random.Random(1)
    words = "apple river stone music garden window cloud engine paper bridge lamp forest ocean train coffee letter"
    words = words.split()
    lines = [" ".join(rnd.choice(words) for _ in range(rnd.randint(4, 9))) + f" line {i}" for i in range(200)]
    text = "\n".join(lines) + "\n"
    assert line_shape(text) == SENTENCE_PER_LINE
    assert _read_txt(text) == lines


# --- eval sts: an undefined correlation is said in one line, not by scipy -----------------------

@settings(max_examples=60, deadline=None)
@given(gold=st.lists(st.integers(0, 5), min_size=0, max_size=12), predicted=st.data())
def test_spearman_is_nan_with_one_warning_exactly_when_a_column_is_constant(gold, predicted):
    """Oracle: scipy's value wherever both columns vary; NaN with one warning naming the
    subset (and never scipy's own warning) where either is constant or there are < 2 pairs."""
    import math
    import warnings

    from scipy.stats import spearmanr

    from simsearch.sts import spearman100

    scores = predicted.draw(st.lists(st.sampled_from([0.1, 0.5, 0.9]), min_size=len(gold), max_size=len(gold)))
    heard = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's ConstantInputWarning would fail here
        value = spearman100(np.array(scores), np.array(gold, dtype=float), "STS13 FNWN", heard.append)
    undefined = len(gold) < 2 or len(set(gold)) == 1 or len(set(scores)) == 1
    if undefined:
        assert math.isnan(value) and len(heard) == 1 and heard[0].startswith("STS13 FNWN: ")
        assert "undefined" in heard[0] and "\n" not in heard[0]
    else:
        assert value == pytest.approx(spearmanr(scores, gold).statistic * 100) and heard == []


def test_eval_sts_with_constant_embeddings_warns_in_one_line_per_score_and_writes_null(sts_fixture, capsys):
    import warnings

    from simsearch.sts import TASKS, evaluate_sts

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate_sts(lambda sentences: np.ones((len(sentences), 4), dtype=np.float32), sts_fixture)
    err = capsys.readouterr().err
    assert all(np.isnan(result[task]) for task in TASKS) and np.isnan(result["avg"])
    lines = err.strip().splitlines()
    assert len(lines) == len(TASKS) and all(line.startswith("warning: ") for line in lines), err
    assert "ConstantInputWarning" not in err and "all" in lines[0] and "predicted similarities" in lines[0]


# --- eval retrieval: the unknown model first; a query's "id" is a string or a number -------------

def test_eval_retrieval_names_an_unknown_model_before_warning_about_the_queries(tmp_path, index_model):
    from simsearch import indexer
    from simsearch.retrieval import load_queries, run_eval

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Apples are red.\n\nPears are green.\n")
    queries = tmp_path / "q.tsv"
    # unreachable: the warning the old code gave first (beside one that is not: all unreachable is an error)
    queries.write_text("red fruit\tnot-indexed.txt\ngreen fruit\tdocs/a.txt\n")
    (tmp_path / "not-indexed.txt").write_text("Apples are red.\n")  # on disk (not indexed): a warning, not a typo
    store = Store.open(tmp_path / "index.db")
    try:
        indexer.index(store, [tmp_path / "docs"], [str(index_model)], progress=False)
        heard = []
        with pytest.raises(SimsearchError, match="model 'nosuchmodel' is not in the index"):
            run_eval(store, load_queries(queries), ["nosuchmodel"], ["dense"], on_warning=heard.append)
        assert heard == []
        run_eval(store, load_queries(queries), [str(index_model)], ["dense"], on_warning=heard.append)
        assert len(heard) == 1 and "match no sentence" in heard[0]  # known model: the warning still comes
    finally:
        store.close()


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=4)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_JSON_VALUES)
def test_a_jsonl_query_id_is_a_string_or_a_number(tmp_path, value):
    """Oracle: a string is kept as it is, a finite number as JSON writes it, null or "" is no
    id (the query's file:line stands in); any other value is one error naming file:line and
    "id", never its Python repr."""
    import math

    from simsearch.retrieval import load_queries

    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "x", "relevant": "a.txt"}\n'
                    + json.dumps({"id": value, "query": "y", "relevant": "a.txt"}) + "\n")
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if value is None or isinstance(value, str) or number:
        loaded = load_queries(path)
        written = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        assert loaded[1].id == (written or f"{path}:2")  # no id: the query's file:line
    else:
        with pytest.raises(SimsearchError) as caught:
            load_queries(path)
        assert str(caught.value).startswith(f"{path}:2: \"id\" must be a string or a number")


# Hard-wrapped prose whose lines rarely start with a capital (one-sentence paragraphs, wrapped
# list items, a tool named in lowercase): the D5 fix first read these line by line (a review
# found 135 of git's release notes cut at every line end). Text with capitals keeps case as its evidence.
_WRAPPED_WITH_FEW_CAPITALS = {
    "authors": ("The parser was first written by Alice Example\n"
                "and later extended by Bob Example (bob@example.org).\n\n"
                "Carol Example and Dan Example took over the project and maintained it\n"
                "for several years while the format was still changing.\n\n"
                "It is now maintained by Erin Example (erin@example.org) together with\n"
                "a small group of volunteers who review every change.\n",
                ["The parser was first written by Alice Example and later extended by Bob Example (bob@example.org).",
                 "Carol Example and Dan Example took over the project and maintained it for several years while "
                 "the format was still changing.",
                 "It is now maintained by Erin Example (erin@example.org) together with a small group of volunteers "
                 "who review every change."]),
    "lowercase name": ("zap is a small program that removes trailing whitespace from files:\n"
                       "it reads each file once, rewrites it in place and keeps the original\n"
                       "permissions. zap never touches binary files and leaves files it cannot\n"
                       "read as they are.\n\n"
                       "zap has no configuration file.\n",
                       ["zap is a small program that removes trailing whitespace from files: it reads each file once, "
                        "rewrites it in place and keeps the original permissions.",
                        "zap never touches binary files and leaves files it cannot read as they are.",
                        "zap has no configuration file."]),
}


@pytest.mark.parametrize("name", sorted(_WRAPPED_WITH_FEW_CAPITALS))
def test_wrapped_prose_with_few_capitals_at_line_starts_is_still_prose(name):
    from simsearch.segment import WRAPPED, line_shape

    text, sentences = _WRAPPED_WITH_FEW_CAPITALS[name]
    assert line_shape(text) == WRAPPED
    assert _read_txt(text) == sentences


def test_a_json_number_past_pythons_digit_limit_is_a_one_line_error(tmp_path):
    """json.loads raises a plain ValueError (not JSONDecodeError) for an integer of more than
    4,300 digits: it was a traceback in training data and in query files."""
    from simsearch.retrieval import load_queries

    big = "1" * 5000
    triplets = tmp_path / "t.jsonl"
    triplets.write_text('{"sent0": "a", "sent1": "b"}\n{"sent0": "a", "sent1": ' + big + "}\n")
    with pytest.raises(SimsearchError, match=rf"^{re.escape(str(triplets))}:2: not a JSON object"):
        load_triplets(triplets)
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "x", "relevant": ["a.txt"], "id": ' + big + "}\n")
    with pytest.raises(SimsearchError, match=r"q.jsonl:1: not valid JSON"):
        load_queries(queries)
