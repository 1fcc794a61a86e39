"""Lexical search inside text written without spaces (Chinese, Japanese, Thai; Korean words with
their particles attached): FTS5's unicode61 tokenizer reads a whole run as one token, so "寺"
found nothing in "京都には古い寺がたくさんあります。". ``sentences_cjk`` (m0017) holds each run's
characters and pairs of characters; checked against a substring oracle."""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import migrations
from simsearch.store import Store, spaceless_grams, spaceless_query

Sentence = namedtuple("Sentence", "text start end line")


def write(store: Store, path: str, texts: list[str]) -> dict[int, str]:
    sentences = [Sentence(text, 0, len(text), line) for line, text in enumerate(texts, 1)]
    with store.transaction():
        store.replace_document(path, f"hash-{path}-{hash(tuple(texts))}", 1, 1, "text", sentences)
    return dict(store.conn.execute(
        "SELECT s.id, s.text FROM sentences s JOIN documents d ON d.id = s.document_id WHERE d.path = ?", (path,)))


NOTES = ["東京は日本の首都です。", "大阪は食べ物で有名です。", "京都には古い寺がたくさんあります。",
         "北京是中国的首都。", "ภาษาไทยเขียนติดกันโดยไม่เว้นวรรค", "도서관에서 책을 빌렸습니다.",
         "The temple bell rings at noon.", "ｶﾀｶﾅ の メモ"]


@pytest.fixture
def notes_store(tmp_path):
    store = Store.open(tmp_path / "index.db")
    texts = write(store, "/notes/a.txt", NOTES)
    yield store, texts
    store.close()


@pytest.mark.parametrize("query, expected", [
    ("寺", ["京都には古い寺がたくさんあります。"]),
    ("首都", ["東京は日本の首都です。", "北京是中国的首都。"]),
    ("古い寺について", ["京都には古い寺がたくさんあります。"]),  # a question: its pairs, not the whole run
    ("ไทย", ["ภาษาไทยเขียนติดกันโดยไม่เว้นวรรค"]),  # Thai, its vowel marks with their letters
    ("도서관", ["도서관에서 책을 빌렸습니다."]),  # a Korean word without its particle
    ("カタカナ", ["ｶﾀｶﾅ の メモ"]),  # half-width katakana is the same letters
    ("temple 寺", ["京都には古い寺がたくさんあります。", "The temple bell rings at noon."]),
])
def test_a_word_inside_a_run_is_found(notes_store, query, expected):
    store, texts = notes_store
    assert sorted(texts[i] for i, _ in store.lexical(query, 10)) == sorted(expected)


def test_the_sentence_holding_more_of_the_question_comes_first(notes_store):
    store, texts = notes_store
    ranked = [texts[i] for i, _ in store.lexical("日本の首都はどこですか", 10)]
    assert ranked[0] == "東京は日本の首都です。" and "北京是中国的首都。" in ranked


def test_grams_of_english_text_are_empty_and_its_queries_unchanged():
    assert spaceless_grams("The temple bell rings at noon, naïvely.") == ""
    assert spaceless_query("temple bell") is None
    assert spaceless_grams("古い寺・鐘") == "古 い 寺 古い い寺 鐘"  # ・ ends a run: no pair 寺鐘
    assert spaceless_query("寺 東京") == '"寺" OR "東京"'


HAN = "寺古首都東京大阪日本の"


@st.composite
def corpora(draw):
    run = st.text(HAN, min_size=1, max_size=8)
    sentence = st.lists(st.one_of(run, st.sampled_from(["bell", "。", "、", " "])), min_size=1, max_size=5).map("".join)
    texts = draw(st.lists(sentence.filter(lambda t: t.strip(" 。、")), min_size=1, max_size=12, unique=True))
    return texts, draw(st.text(HAN, min_size=1, max_size=4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=corpora())
def test_lexical_search_finds_exactly_the_sentences_sharing_a_pair_with_the_query(tmp_path_factory, case):
    """Oracle: a query run of one character finds the sentences holding it; a longer one, those
    holding any pair of its neighbouring characters; whoever holds the whole query is among them."""
    texts, query = case
    store = Store.open(tmp_path_factory.mktemp("spaceless") / "index.db")
    try:
        held = write(store, "/notes/a.txt", texts)
        found = {held[i] for i, _ in store.lexical(query, 1000)}
        grams = [query] if len(query) == 1 else [a + b for a, b in zip(query, query[1:])]
        assert found == {t for t in texts if any(gram in t for gram in grams)}
        assert {t for t in texts if query in t} <= found
        assert store.check_fts() == []
    finally:
        store.close()


def test_an_index_made_before_the_table_gets_it_filled(tmp_path):
    path = tmp_path / "index.db"
    store = Store(path, sqlite3.connect(path, isolation_level=None))
    names = [m.name for m in migrations.MIGRATIONS]
    store.migrate(upto=names.index("0017_spaceless_fts"))
    texts = write(store, "/notes/a.txt", NOTES)
    store.close()
    store = Store.open(path)
    try:
        assert store.check_fts() == []
        assert [texts[i] for i, _ in store.lexical("寺", 10)] == ["京都には古い寺がたくさんあります。"]
        write(store, "/notes/a.txt", NOTES[:2])  # rewritten: the old rows go with their sentences
        assert store.check_fts() == []
        assert store.lexical("寺", 10) == []
    finally:
        store.close()


def test_check_fts_names_a_missing_row(notes_store):
    store, texts = notes_store
    [temple] = [i for i, t in texts.items() if "寺" in t]
    store.conn.execute("DELETE FROM sentences_cjk WHERE rowid = ?", (temple,))
    assert store.check_fts() == [f"spaceless full-text rows that differ from their sentence's text: [{temple}]"]


def test_search_from_the_command_line(tmp_path, index_model, run_cli):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "日記.txt").write_text("\n".join(NOTES) + "\n", encoding="utf-8")
    db = tmp_path / "index.db"
    assert run_cli("index", notes, "--db", db, "-m", index_model)[0] == 0
    for mode in ("lexical", "hybrid"):
        code, out, _ = run_cli("search", "寺", "--db", db, "-m", index_model, "--mode", mode, "--json", "-k", "3")
        assert code == 0
        assert json.loads(out.splitlines()[0])["text"] == "京都には古い寺がたくさんあります。"
