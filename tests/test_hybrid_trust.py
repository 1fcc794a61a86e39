"""Hybrid and lexical search against simple oracles (hunt round 6): an identifier written with
punctuation comes first, copies of a text do not change the fused order of the others, query
words are de-duplicated as the tokenizer reads them, every hybrid hit with a vector has its
cosine, and lexical search works on an index whose models were all forgotten."""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch import indexer
from simsearch.errors import SimsearchError
from simsearch.search import FUSION_DEPTH, Searcher, hybrid_order, lexical_depth_for
from simsearch.store import WRITTEN_MAX_CHARS, Store, fts_query, written_forms, written_pattern

Sentence = namedtuple("Sentence", "text start end line")


def write(store: Store, path: str, texts: list[str]) -> list[int]:
    """Index ``texts`` as the sentences of one file; their ids, in order."""
    sentences = [Sentence(text, 0, len(text), line) for line, text in enumerate(texts, 1)]
    with store.transaction():
        store.replace_document(path, f"hash-{path}-{hash(tuple(texts))}", 1, 1, "text", sentences)
    document = store.conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()[0]
    return [row[0] for row in store.conn.execute("SELECT id FROM sentences WHERE document_id = ? ORDER BY ordinal",
                                                 (document,))]


# --- an identifier written with punctuation ------------------------------------------------------

# Words that Porter stemming leaves alone and that no other word of the test contains.
TOKENS = ["batch", "size", "config", "json", "path", "join", "utf", "vector", "std", "content", "type", "os"]
JOINS = [".", "-", "::", "/", "->", "+", "'"]
PREFIXES = ["", "--", "-", ".", "@"]
FILLER = "when you index a very large folder of plain text files on a fast machine every night".split()
# How a user may paste an identifier: bare, in a sentence's punctuation, with Markdown/reST markup.
WRAPPERS = ["{}", "{}.", "({}).", '"{}"', "`{}`", "``{}``", "*{}*", "**{}**", "<{}>", "\u00ab{}\u00bb", "\u201c{}\u201d?"]
# What may stand right before an identifier inside a longer word ("myconfig.json", "top-k", "x_@os").
GLUES = ["my", "x_", "top", "2", "-", "a.", "/usr"]


@st.composite
def identifiers(draw):
    """An identifier of 1-3 tokens with punctuation inside or before it (``--batch-size``,
    ``config.json``, ``std::vector``, ``.path``, ``content'type``), never a plain word."""
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3))
    prefix = draw(st.sampled_from(PREFIXES if len(tokens) > 1 else PREFIXES[1:]))
    text = prefix + tokens[0]
    for token in tokens[1:]:
        text += draw(st.sampled_from(JOINS)) + token
    return text, tokens


def as_written(identifier: str, text: str) -> bool:
    """The oracle, the intended rule written out without regular expressions: ``identifier``
    occurs in ``text`` (ignoring case, the apostrophes ``'`` and ``\u2019`` alike) at a place
    where it does not continue a word: the character before it is no letter, digit or ``_``
    (nor a ``-`` when the identifier starts with ``-``; when it starts with ``.`` anything may
    come before it), and when it ends with a letter, digit or ``_``, the character after it is
    none of those."""
    def fold(value: str) -> str:
        return value.lower().replace("\u2019", "'")

    def word(char: str) -> bool:
        return char.isalnum() or char == "_"

    at, text = fold(identifier), fold(text)
    start = text.find(at)
    while start >= 0:
        before, after = text[start - 1:start], text[start + len(at):start + len(at) + 1]
        free_before = at[0] == "." or not before or not (word(before) or (at[0] == "-" and before == "-"))
        free_after = not (word(at[-1]) and after and word(after))
        if free_before and free_after:
            return True
        start = text.find(at, start + 1)
    return False


@st.composite
def identifier_corpora(draw):
    """An identifier, the query (the identifier pasted with markup or punctuation around it,
    its apostrophes typed either way), one long sentence holding it as written (in any case,
    with either apostrophe), short decoys that hold its tokens in sequence joined otherwise
    (spaces, other punctuation, its prefix missing), often several times, so that BM25 alone
    ranks a decoy first, and some that also hold it glued to a longer word ("myconfig.json",
    "top--batch-size"): a word that only ends with the identifier is not it."""
    identifier, tokens = draw(identifiers())
    apostrophe = draw(st.sampled_from(["'", "\u2019"]))
    query = draw(st.sampled_from(WRAPPERS)).format(identifier.replace("'", draw(st.sampled_from(["'", "\u2019"]))))
    case = draw(st.sampled_from([str, str.upper, str.title]))
    words = draw(st.lists(st.sampled_from(FILLER), min_size=6, max_size=14))
    at = draw(st.integers(0, len(words)))
    target = " ".join(words[:at] + [case(identifier.replace("'", apostrophe))] + words[at:]).capitalize() + "."
    decoys = []
    for _ in range(draw(st.integers(1, 6))):
        join = draw(st.sampled_from([" ", ", ", " - ", ".", "-", "/", "::", " (", "\" "]))
        phrase = join.join(tokens)
        decoy = " ".join([phrase] * draw(st.integers(1, 3)))
        if draw(st.booleans()):
            decoy += " and " + draw(st.sampled_from(GLUES)) + identifier
        decoys.append(decoy + draw(st.sampled_from([".", "!", " now."])))
    return identifier, query, target, decoys, draw(st.randoms(use_true_random=False))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=identifier_corpora())
def test_an_identifier_with_punctuation_is_first_in_lexical_and_hybrid_order(tmp_path_factory, case):
    """Every sentence holding the identifier as written (:func:`as_written`) comes before every
    sentence that only holds its tokens, in lexical order and in hybrid order, whatever the dense
    side ranks first, and the sentences counted as holding it are exactly the oracle's."""
    identifier, query, target, decoys, rng = case
    store = Store.open(tmp_path_factory.mktemp("ident") / "index.db")
    try:
        texts = decoys + [target] + decoys[:2]  # some decoys twice (copies), the target between
        ids = write(store, "/docs/a.txt", texts)
        expected = {i for i, text in zip(ids, texts) if as_written(identifier, text)}
        assert ids[len(decoys)] in expected
        assert [form.replace("\u2019", "'") for form in written_forms(query)] == [identifier], query
        order = [i for i, _ in store.lexical(query, 100)]
        assert set(order[:len(expected)]) == expected, (query, texts, order)
        ranked = store.lexical_ranked(query, 100)
        assert [i for i, _, _ in ranked] == order
        assert {i for i, _, count in ranked if count} == expected
        assert {i for i, _, _ in ranked} == set(ids)  # the decoys still match, after
        # A longer query is ranked by BM25 alone (FTS5's own order), its words as written or not.
        longer = f"{query} machine"
        bm25 = [i for i, in store.conn.execute("SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ? "
                                                "ORDER BY rank, rowid", (fts_query(longer),))]
        assert [i for i, _ in store.lexical(longer, 100)] == bm25
        # any dense ranking of the sentences (the model may prefer a decoy)
        dense = list(ids)
        rng.shuffle(dense)
        written = {i: count for i, _, count in ranked if count}
        fused = hybrid_order(query, [(i, 1.0 - n / 100) for n, i in enumerate(dense)],
                             [(i, score) for i, score, _ in ranked], written=written)
        assert {i for i, _ in fused[:len(expected)]} == expected, (query, texts)
    finally:
        store.close()


@settings(max_examples=400, deadline=None)
@given(form=st.text("ab-._/@'\u2019", min_size=1, max_size=5).filter(lambda form: any(c.isalnum() for c in form)),
       left=st.text("ab_-./@ '\u2019", max_size=4), right=st.text("ab_-./@ '\u2019", max_size=4),
       inside=st.booleans())
def test_written_pattern_is_the_oracle(form, left, right, inside):
    """The product's regular expression against the rule written out (:func:`as_written`), on
    short texts around the form (or without it), the review's failures among them: ``-k`` in
    ``top-k``, ``/bin`` in ``/usr/bin``, ``config.json`` in ``myconfig.json``."""
    text = left + (form.upper() if inside else "") + right
    assert bool(written_pattern(form).search(text.casefold())) == as_written(form, text), (form, text)


@pytest.mark.parametrize("form, text, found", [
    ("-k", "pass -k 20", True), ("-k", "top-k accuracy", False), ("-k", "--k", False), ("-m", "non-m", False),
    ("-m", "(-m)", True), ("--batch-size", "use --batch-size 8", True), ("--batch-size", "x--batch-size", False),
    (".json", "config.json", True), (".NET", "ASP.NET", True), (".filter()", "objects.filter()", True),
    ("/bin/sh", "/usr/bin/sh", False), ("/bin/sh", "run /bin/sh now", True), ("@decorator", "x@decorator", False),
    ("c++", "c++ code", True), ("config.json", "myconfig.json", False), ("config.json", "my-config.json", True),
    ("utf-8", "utf-80", False), ("Django's", "Django\u2019s admin", True), ("Django\u2019s", "django's admin", True),
    ("-c", "press ctrl-c", False)])
def test_as_written_decisions(form, text, found):
    """The rule's decisions, one case each (the review's cases among them): the oracle states
    them and the product agrees."""
    assert as_written(form, text) == found
    assert bool(written_pattern(form).search(text.casefold())) == found


@pytest.mark.parametrize("query, forms", [
    ("`settings.json`", ["settings.json"]), ("``manage.py``", ["manage.py"]), ("*manage.py*", ["manage.py"]),
    ("**manage.py**", ["manage.py"]), ("<manage.py>", ["manage.py"]), ("\u00absettings.json\u00bb", ["settings.json"]),
    ("(`config.json`).", ["config.json"]), ("*args", ["*args"]), ("**kwargs", ["**kwargs"]), ("char*", ["char*"]),
    ("std::vector<int>", ["std::vector<int>"]), ("Django\u2019s Django's", ["Django\u2019s"]),
    ("_config.json_", ["config.json"]), ("~~config.json~~", ["config.json"]), ("__init__.py", ["__init__.py"]),
    ("_private.name", ["_private.name"]),
    ("ValueError", []), ("`ValueError`", []),
    pytest.param("-".join(["a"] * 100), ["-".join(["a"] * 100)], id="199 characters"),
    pytest.param("a-" * 2500, [], id="5000 characters")])
def test_written_forms_strip_markup_and_skip_huge_words(query, forms):
    """A pasted identifier's markup is not part of it (the extractor drops backticks and
    emphasis from the indexed text, so no sentence held `settings.json` with its backticks);
    markup that is part of an identifier (``*args``, ``char*``) stays; a word of thousands of
    characters is not looked for as written."""
    assert written_forms(query) == forms


def test_a_huge_one_word_query_runs_its_full_text_phrase_once(tmp_path):
    """Review ZF-7: a one-word query of 5,000 characters ("a-a-a-...") is one FTS5 phrase of
    2,500 tokens (about a second on a large index); as a word to look for as written it ran a
    second time. Only the words up to WRITTEN_MAX_CHARS are looked for as written."""
    store = Store.open(tmp_path / "i.db")
    try:
        ids = write(store, "/d/a.txt", ["a-" * 2500, "A a a.", "b-" * 90 + "b"])
        statements = []
        store.conn.set_trace_callback(statements.append)
        assert [i for i, _, _ in store.lexical_ranked("a-" * 2500, 10)] == ids[:1]  # the phrase of 2,500 tokens
        assert sum("MATCH" in sql for sql in statements) == 1
        assert len("b-" * 90 + "b") <= WRITTEN_MAX_CHARS  # a long identifier is still one
        assert store.lexical_ranked("b-" * 90 + "b", 10)[0][2] == 1
        store.conn.set_trace_callback(None)
    finally:
        store.close()


REPRO = ["Pass --batch-size 128 when you index a very large folder of plain text files on a fast machine.",
         "The batch size matters.",
         "The setting lives in config.json beside the index database file that simsearch keeps.",
         "Edit the config: json is easy.",
         "Join the path to the os team.",
         "Paths are built with os.path.join so they work everywhere.",
         "A content type is a kind of content.",
         "Send the Content-Type header with every request to the server you call."]


@pytest.fixture(scope="module")
def repro_index(tmp_path_factory, index_model):
    root = tmp_path_factory.mktemp("repro")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("\n\n".join(REPRO) + "\n")
    store = Store.open(root / "index.db")
    indexer.index(store, [root / "docs"], [str(index_model)], progress=False)
    yield root, store, str(index_model)
    store.close()


def test_the_identifiers_of_the_report_come_first_through_the_searcher(repro_index, monkeypatch):
    """The report's case (hunt round 6, defect 1): the prose sentence with the same words was
    first. Here also when the dense side ranks the prose sentence first and the target last."""
    root, store, model = repro_index
    searcher = Searcher.open(store, model, device="cpu")
    search = searcher.vectors.search
    for query, target, decoy in [("--batch-size", 0, 1), ("config.json", 2, 3), ("os.path.join()", 5, 4),
                                 ("content-type", 7, 6), ("CONFIG.JSON", 2, 3)]:
        target_text, decoy_text = REPRO[target], REPRO[decoy]
        for mode in ("lexical", "hybrid"):
            assert searcher.search(query, 3, mode=mode, context=0)[0].text == target_text, (query, mode)
        ids = dict(store.conn.execute("SELECT text, id FROM sentences"))

        def adversarial(vector, k, allowed=None, target=ids[target_text], decoy=ids[decoy_text]):
            found, scores = search(vector, k + 2, allowed)
            rest = [i for i in found.tolist() if i not in (target, decoy)]
            order = ([decoy] + rest + [target])[:k]
            return np.asarray(order, dtype=np.int64), np.linspace(0.9, 0.1, len(order))

        monkeypatch.setattr(searcher.vectors, "search", adversarial)
        hits = searcher.search(query, 3, mode="hybrid", context=0)
        assert hits[0].text == target_text and "lexical" in hits[0].found_by, (query, [h.text for h in hits])
        monkeypatch.undo()


# --- copies of a text in hybrid search --------------------------------------------------------

BOILERPLATE = "Contact the support desk when you forgot your password and cannot sign in."
WORDS = ["garden", "river", "kitchen", "window", "report", "song", "folder", "server"]


def copies_tree(root: Path, copies: int) -> Path:
    """Forty pages, ``copies`` of them ending with one boilerplate sentence, and sentences that
    share words with each other (so both sides have many candidates)."""
    root.mkdir(parents=True)
    for i in range(40):
        extra = f"\n\n{BOILERPLATE}\n" if i < copies else "\n"
        (root / f"page{i:02d}.md").write_text(
            f"Page {i} is about the {WORDS[i % 8]} and the {WORDS[(i * 3 + 1) % 8]} of number {i}.{extra}")
    (root / "more.md").write_text("\n\n".join(f"The {WORDS[i % 8]} {WORDS[(i + 2) % 8]} list holds item {i}."
                                              for i in range(30)) + "\n")
    return root


@pytest.fixture(scope="module")
def copies_indexes(tmp_path_factory, index_model):
    root = tmp_path_factory.mktemp("copies")
    stores = {}
    for name, copies in (("once", 1), ("many", 30)):
        store = Store.open(root / f"{name}.db")
        indexer.index(store, [copies_tree(root / name, copies)], [str(index_model)], progress=False)
        stores[name] = store
    yield stores, str(index_model)
    for store in stores.values():
        store.close()


def boilerplate_vector(store: Store, searcher: Searcher) -> np.ndarray:
    ids = [row[0] for row in store.conn.execute("SELECT id FROM sentences WHERE text = ?", (BOILERPLATE,))]
    _, matrix = store.vectors(searcher.model, ids[:1])
    return matrix[0]


def test_hybrid_order_of_texts_does_not_depend_on_how_often_one_is_stored(copies_indexes, monkeypatch):
    """Oracle: the same texts with the boilerplate stored once. The query's vector is the
    boilerplate's, so its copies fill the dense side's first raw ranks (the report's case: the
    second text fell from rank 2 to 7); one-word queries, so BM25's order of the texts does not
    change with the number of copies either (only the idf, a common factor, does)."""
    stores, model = copies_indexes
    orders = {}
    for name, store in stores.items():
        searcher = Searcher.open(store, model, device="cpu")
        vector = boilerplate_vector(store, searcher)
        monkeypatch.setattr(searcher, "embed", lambda queries, vector=vector: np.stack([vector] * len(queries)))
        for query in ["garden", "kitchen", "page", "support"]:
            for k in (5, 20):
                hits = searcher.search(query, k, mode="hybrid", context=0)
                orders[name, query, k] = [hit.text for hit in hits]
                assert len(hits) == k and len(set(orders[name, query, k])) == k
                copy = next((hit for hit in hits if hit.text == BOILERPLATE), None)
                if copy is not None and name == "many":
                    assert copy.copies == 30 and len(copy.other_locations) == 20  # listed as before
    for query, k in {(query, k) for _, query, k in orders}:
        assert orders["once", query, k] == orders["many", query, k], (query, k)


def test_hybrid_fuses_each_sides_distinct_texts(copies_indexes):
    """Oracle within one index: the hybrid ranking is ``hybrid_order`` of the dense and lexical
    modes' own rankings (each already one hit per text), keyed by text."""
    stores, model = copies_indexes
    store = stores["many"]
    searcher = Searcher.open(store, model, device="cpu")
    for query in [BOILERPLATE, "the garden and the river", "password support page 3", "kitchen"]:
        wanted = max(10, FUSION_DEPTH)
        dense = [hit.text for hit in searcher.search(query, wanted, mode="dense", context=0)]
        lexical = [hit.text for hit in searcher.search(query, lexical_depth_for(query, wanted), mode="lexical",
                                                       context=0)]
        key = {text: n for n, text in enumerate(dict.fromkeys(dense + lexical))}
        expected = hybrid_order(query, [(key[t], 0.0) for t in dense], [(key[t], 0.0) for t in lexical])
        texts = {n: text for text, n in key.items()}
        hits = searcher.search(query, 10, mode="hybrid", context=0)
        assert [hit.text for hit in hits] == [texts[n] for n, _ in expected[:10]], query
        for hit in hits:
            assert ("dense" in hit.found_by) == (hit.text in dense) and ("lexical" in hit.found_by) == (hit.text in lexical)


def test_path_filter_and_copies_in_hybrid_mode(copies_indexes):
    """With --path, only the copies inside it count: one page's boilerplate is one hit, once."""
    stores, model = copies_indexes
    store = stores["many"]
    searcher = Searcher.open(store, model, device="cpu")
    hits = searcher.search(BOILERPLATE, 5, mode="hybrid", path_glob="page07.md", context=0)
    assert [hit.text for hit in hits].count(BOILERPLATE) == 1
    assert all(hit.path.endswith("page07.md") for hit in hits) and len(hits) == 2
    assert all(hit.copies == 1 and hit.other_locations == [] for hit in hits)


# --- query words as the tokenizer reads them ----------------------------------------------------

# Pairs that Python's casefold() or lower() makes one word and FTS5's unicode61 tokenizer keeps two.
VARIANTS = ["Straße", "STRASSE", "strasse", "ﬁle", "FILE", "ŉ", "ʼn", "Ϳ", "ϳ", "Ԩ", "ԩ", "Garden", "gardens", "garden"]


@pytest.fixture(scope="module")
def variants_store(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("variants") / "index.db")
    write(store, "/docs/a.txt", [f"The {word} is here." for word in VARIANTS] + ["Nothing else."])
    yield store
    store.close()


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(VARIANTS), min_size=1, max_size=6))
def test_a_query_finds_what_any_of_its_words_finds_in_any_order(variants_store, words):
    """Oracle: the union of each word searched alone. De-duplicating by casefold() dropped
    ``STRASSE`` after ``Straße`` (one sentence found, the other order found the other)."""
    found = {i for i, _ in variants_store.lexical(" ".join(words), 100)}
    alone = set().union(*({i for i, _ in variants_store.lexical(word, 100)} for word in words))
    assert found == alone
    assert found == {i for i, _ in variants_store.lexical(" ".join(reversed(words)), 100)}


# --- every hybrid hit with a vector has its cosine ---------------------------------------------

def test_a_hit_only_the_lexical_side_found_has_its_cosine(repro_index, monkeypatch):
    root, store, model = repro_index
    searcher = Searcher.open(store, model, device="cpu")
    query = "config.json"
    target = store.conn.execute("SELECT id FROM sentences WHERE text = ?", (REPRO[2],)).fetchone()[0]
    search = searcher.vectors.search

    def blind(vector, k, allowed=None):
        ids, scores = search(vector, k + 1, allowed)
        keep = ids != target
        return ids[keep][:k], scores[keep][:k]

    monkeypatch.setattr(searcher.vectors, "search", blind)
    hits = searcher.search(query, 8, mode="hybrid", context=0)
    hit = next(hit for hit in hits if hit.sentence_id == target)
    assert hit.found_by == ["lexical"]
    _, matrix = store.vectors(searcher.model, [target])
    cosine = float(matrix[0] @ searcher.embed([query])[0])
    assert hit.dense_score == pytest.approx(cosine, abs=1e-5)
    assert all(hit.dense_score is not None for hit in hits)  # every sentence here has a vector


# --- lexical search without any model ---------------------------------------------------------

def test_lexical_search_works_after_the_only_model_is_forgotten(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("\n\n".join(REPRO) + "\n")
    db = tmp_path / "index.db"
    code, _, err = run_cli("index", docs, "--db", db, "-m", index_model)
    assert code == 0, err
    code, _, err = run_cli("forget", "-m", index_model, "--db", db)
    assert code == 0, err
    code, out, err = run_cli("search", "config.json", "--db", db, "--mode", "lexical", "--json")
    assert code == 0 and err == "", err
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["text"] == REPRO[2] and records[0]["model"] is None
    code, out, err = run_cli("search", "config.json", "--db", db, "--mode", "hybrid")
    assert code == 2 and "holds no models yet" in err and len(err.strip().splitlines()) == 1
    store = Store.open(db, create=False)
    try:
        searcher = Searcher.open(store, None, lexical_only=True)
        assert searcher.name is None and searcher.search("batch", 5, mode="lexical")[0].text == REPRO[1]
        with pytest.raises(SimsearchError, match="holds no models yet"):
            searcher.search("batch", 5, mode="dense")
        with pytest.raises(SimsearchError, match="holds no models yet"):
            searcher.search("batch", 5, mode="lexical", min_score=0.1)
    finally:
        store.close()


def test_eval_retrieval_in_lexical_mode_after_every_model_is_forgotten(tmp_path, index_model, run_cli):
    """Lexical evaluation needs no model: it runs on an index whose models were all forgotten
    (one row, no model named); a mode that needs a model is the one-line error."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The harbour opens at dawn every day.\n\nFish are sold in the market square.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")[0] == 0
    assert run_cli("forget", "--model", index_model, "--db", db)[0] == 0
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"query": "harbour dawn", "relevant": [str(docs / "a.txt")]}) + "\n")
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "--mode", "lexical", "--json")
    assert code == 0, err
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["model"] is None and row["mode"] == "lexical" and row["hit@1"] == 1.0 and row["missing_vectors"] == 0
    code, out, err = run_cli("eval", "retrieval", queries, "--db", db, "--mode", "hybrid")
    assert code == 2 and "holds no models" in err and len(err.strip().splitlines()) == 1


def test_a_filtered_lexical_search_runs_its_full_text_match_once(tmp_path):
    """With a document filter (`--path`) or a list of sentences found as written, FTS5 must not
    take ``rowid IN (...)`` as its own constraint: it then runs the MATCH once per listed row
    (15–20 s for `--path '*'` on 12k sentences). Every statement ``lexical_ranked`` runs is
    checked with SQLite's own query plan: the full-text table is scanned by MATCH alone."""
    store = Store.open(tmp_path / "i.db")
    try:
        ids = write(store, "/d/a.txt", ["Pass --batch-size 128 here.", "The batch size matters.", "Use config.json now."])
        statements = []
        store.conn.set_trace_callback(statements.append)
        for query in ("--batch-size", "config.json", "batch size"):
            assert store.lexical_ranked(query, 10, document_ids=[1])
        store.conn.set_trace_callback(None)
        matches = [sql for sql in statements if "MATCH" in sql]
        assert len(matches) >= 5 and ids
        for sql in matches:
            plan = " | ".join(row[-1] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "VIRTUAL TABLE INDEX 0:M" in plan and ":=" not in plan, (sql, plan)
    finally:
        store.close()


@pytest.mark.parametrize("query, target, decoys", [
    ("TimeStamper", "Please note that structlog comes with such a processor built in: TimeStamper.",
     ["Flexible timestamping.", "Adds a timestamp.", "Parsing timestamps is tedious."]),
    ("`LOG_LEVELS`", "The LOG_LEVELS mapping gives the number of each level name in this project.",
     ["Log_level.", "The log_level now.", "log_level, log_level"]),
])
def test_a_plain_identifier_comes_before_words_that_share_only_its_stem(tmp_path, query, target, decoys):
    """Was: `search TimeStamper` over structlog's docs put "Flexible timestamping." and two other
    sentences holding only the word's stem (Porter's "timestamp") before the sentence holding
    `TimeStamper`, in lexical and hybrid order: the rule that a one-word query's sentences
    holding it as written come first held only for words with punctuation (`config.json`)."""
    store = Store.open(tmp_path / "index.db")
    try:
        ids = write(store, "/docs/a.txt", decoys + [target])
        target_id = ids[-1]
        ranked = store.lexical_ranked(query, 100)
        assert {i for i, _, _ in ranked} == set(ids)  # the stem still finds every sentence, after it
        assert ranked[0][0] == target_id and [count for _, _, count in ranked] == [1, 0, 0, 0], ranked
        assert store.lexical(query, 100)[0][0] == target_id
        dense = [(i, 1.0 - n / 10) for n, i in enumerate(ids)]  # the dense side prefers every decoy
        fused = hybrid_order(query, dense, [(i, score) for i, score, _ in ranked],
                             written={i: count for i, _, count in ranked if count})
        assert fused[0][0] == target_id
        longer = store.lexical_ranked(f"{query} machine", 100)  # a longer query: BM25 alone, as before
        assert all(count == 0 for _, _, count in longer)
        write(store, "/docs/b.txt", ["Kites fly best in a steady wind.", "A long tail keeps a kite from spinning."])
        assert all(count == 0 for _, _, count in store.lexical_ranked("kite", 100))  # a word of prose: BM25 alone
    finally:
        store.close()


def test_a_model_embedded_for_a_few_sentences_does_not_rank_them_above_lexical_matches(tmp_path, index_model):
    """A session-47 user trial: during (or after a stop of) `index -m NEW`, hybrid search with NEW
    ranked the few sentences that had vectors (licence lines, cosine 0.03-0.10) as its whole top
    ten, above the sentences lexical search found word for word: a dense rank among 32 of 8,797
    sentences was fused as a rank among all. It now counts as the rank it would have among all
    (rank / share), so the lexical matches come first; with every vector there nothing changes."""
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = [f"Entry {n} of the ledger lists {n} crates of apples shipped north." for n in range(120)]
    (docs / "ledger.txt").write_text("\n".join(filler) + "\n")
    (docs / "keeper.txt").write_text("The lighthouse keeper polished the brass lamp every evening.\n")
    store = Store.open(tmp_path / "i.db")
    indexer.index(store, [docs], [str(index_model)], device="cpu", progress=False, context=0)
    model = store.models()[0]
    target = store.conn.execute("SELECT id FROM sentences WHERE text LIKE 'The lighthouse%'").fetchone()[0]
    searcher = Searcher(store, model, device="cpu")
    full = [hit.sentence_id for hit in searcher.search("lighthouse keeper brass lamp", 10, mode="hybrid")]
    assert full[0] == target and searcher.dense_share() == 1.0
    # As a stopped run leaves it: vectors for two ledger lines alone (the target has none).
    kept = [row[0] for row in store.conn.execute("SELECT id FROM sentences WHERE id != ? ORDER BY id LIMIT 2", (target,))]
    with store.transaction():
        store.conn.execute(f"DELETE FROM vectors WHERE model_id = ? AND sentence_id NOT IN ({kept[0]}, {kept[1]})",
                           (model.id,))
        store.bump_generations([model.id])
    model = next(m for m in store.models() if m.id == model.id)
    searcher = Searcher(store, model, device="cpu")
    hits = [hit.sentence_id for hit in searcher.search("lighthouse keeper brass lamp", 10, mode="hybrid")]
    assert searcher.dense_share() == pytest.approx(2 / 121)
    assert hits[0] == target, hits
