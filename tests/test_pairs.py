"""Training examples from document structure (simsearch.pairs): invariants over generated documents.

Sentences are drawn from a small vocabulary so that copies occur inside a document and across
documents (boilerplate), and some are too short to be prose: the cases where a pair could
match a sentence with itself or leak a held-out sentence into training.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch import pairs
from simsearch.data import load_triplets
from simsearch.pairs import Document

WORDS = ["alpha", "beta", "gamma", "delta", "x1", "=", "::"]
sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
document_texts = st.lists(sentence, min_size=1, max_size=12)


@st.composite
def corpora(draw, min_size=1, max_size=8):
    texts = draw(st.lists(document_texts, min_size=min_size, max_size=max_size))
    return [Document(f"doc{k}.md", tuple(t)) for k, t in enumerate(texts)]


windows = st.integers(1, 3)
SETTINGS = settings(max_examples=60, deadline=None)


def fake_encode(texts):
    """Deterministic vectors from a text's hash: equal texts, equal vectors; otherwise unrelated."""
    out = np.empty((len(texts), 16), dtype=np.float32)
    for row, text in enumerate(texts):
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        out[row] = np.random.default_rng(seed).standard_normal(16)
    return out


def check_structure(example, documents, window, min_words=pairs.MIN_WORDS):
    document = documents[example.document].sentences
    i = example.position
    assert document[i] == example.anchor and pairs.is_prose(example.anchor, min_words)
    assert example.window == (max(0, i - window), min(len(document) - 1, i + window))
    assert example.sources and i not in example.sources
    for j in example.sources:
        assert example.window[0] <= j <= example.window[1]
        assert document[j] != example.anchor  # never the anchor, not even a copy of it elsewhere in the window
        assert pairs.is_prose(document[j], min_words)


@SETTINGS
@given(corpora(), windows)
def test_ict_window_excludes_anchor_and_covers_every_eligible_sentence(documents, window):
    examples = pairs.ict_pairs(documents, window)
    for example in examples:
        check_structure(example, documents, window)
        sentences = documents[example.document].sentences
        # The passage is all the window's other prose sentences, in reading order.
        assert list(example.sources) == sorted(example.sources)
        assert example.positive == " ".join(sentences[j] for j in example.sources)
        lo, hi = example.window
        assert set(example.sources) == {j for j in range(lo, hi + 1) if sentences[j] != example.anchor
                                        and pairs.is_prose(sentences[j])}
    # Completeness: every prose sentence with some other prose text in its window is an anchor once.
    expected = {(d, i) for d, doc in enumerate(documents) for i, s in enumerate(doc.sentences)
                if pairs.is_prose(s) and any(doc.sentences[j] != s and pairs.is_prose(doc.sentences[j])
                                             for j in range(max(0, i - window), min(len(doc.sentences), i + window + 1)))}
    assert sorted((e.document, e.position) for e in examples) == sorted(expected)


@SETTINGS
@given(corpora(), windows, st.integers(0, 3))
def test_neighbour_pairs_never_pair_a_sentence_with_itself(documents, window, seed):
    examples = pairs.neighbour_pairs(documents, window, seed=seed)
    for example in examples:
        check_structure(example, documents, window)
        assert len(example.sources) == 1
        assert example.positive == documents[example.document].sentences[example.sources[0]]
        assert example.positive != example.anchor
    assert examples == pairs.neighbour_pairs(documents, window, seed=seed)  # reproducible


@SETTINGS
@given(corpora(min_size=0), st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.9]), st.integers(0, 3))
def test_heldout_split_never_leaks_into_training_pairs(documents, share, seed):
    training, heldout = pairs.heldout_split(documents, share, seed)
    names = [d.name for d in documents]
    held_names = {d.name for d in heldout}
    # Held-out documents are whole and untouched; the count follows the share, within a quarter
    # of the sentences (fewer only when every other document would break it; at least one).
    assert all(d in documents for d in heldout)
    expected = 0 if share == 0 or len(documents) < 2 else min(len(documents) - 1, max(1, round(share * len(documents))))
    assert min(1, expected) <= len(heldout) <= expected
    budget = 0.25 * sum(len(d.sentences) for d in documents)
    held_sentences = sum(len(d.sentences) for d in heldout)
    if len(heldout) < expected:
        assert all(held_sentences + len(d.sentences) > budget for d in documents if d.name not in held_names)
    # Training documents: the others, minus exactly the sentence texts that occur in held-out ones.
    held_texts = {s for d in heldout for s in d.sentences}
    by_name = {d.name: d for d in documents}
    for document in training:
        assert document.name not in held_names
        assert document.sentences == tuple(s for s in by_name[document.name].sentences if s not in held_texts)
    assert {d.name for d in training} | held_names <= set(names)
    assert {d.name for d in training} == {n for n in names if n not in held_names
                                          and any(s not in held_texts for s in by_name[n].sentences)}
    # So no pair built from the training side contains a held-out sentence.
    for example in pairs.ict_pairs(training, 2) + pairs.neighbour_pairs(training, 2, seed=seed):
        parts = [example.anchor] + [training[example.document].sentences[j] for j in example.sources]
        assert not held_texts.intersection(parts)
    # The order given does not change the choice.
    assert {d.name for d in pairs.heldout_split(documents[::-1], share, seed)[1]} == held_names


@SETTINGS
@given(corpora(min_size=0), st.sampled_from([0.0, 0.1, 0.3]), st.integers(0, 3), st.integers(0, 30),
       st.sampled_from([0.1, 0.25, 0.5, 1.0]), windows)
def test_heldout_split_holds_out_more_documents_to_reach_min_queries(documents, share, seed, wanted, cap, window):
    """The minimum only adds documents: to the plain split, in a way that grows with the minimum,
    within the sentence cap, never the last training document, and it stops only when it must."""
    def split(minimum):
        return pairs.heldout_split(documents, share, seed, min_queries=minimum, max_sentence_share=cap, window=window)

    def names(docs):
        return {d.name for d in docs}

    plain = names(split(0)[1])
    training, heldout = split(wanted)
    held = names(heldout)
    questions = len(pairs.structure_queries(heldout, window, max_queries=10**6))
    if plain and not pairs.structure_queries(split(0)[1], window):
        # The plain split gives no question: with any minimum it is replaced by the same walk over
        # the documents that give one (so a minimum of 0 and one of 5 need not be nested).
        if not wanted:
            assert held == plain
            return
        assert questions or not any(pairs.structure_queries([d], window) for d in documents
                                    if len(d.sentences) <= cap * sum(len(e.sentences) for e in documents))
        return
    assert plain <= held <= names(split(wanted + 5)[1])  # monotone in the minimum
    if not plain:
        assert held == plain  # nothing held out (share 0, or fewer than two documents): nothing added
        return
    assert len(held) < len(documents)
    total = sum(len(d.sentences) for d in documents)
    held_sentences = sum(len(d.sentences) for d in heldout)
    if held != plain:
        assert held_sentences <= cap * total
    if questions < wanted and len(held) < len(documents) - 1:
        # Short of the minimum with documents to spare: every one left out that gives a question
        # would break the cap (one that gives none would not help).
        assert all(held_sentences + len(d.sentences) > cap * total for d in documents
                   if d.name not in held and pairs.structure_queries([d], window))
    if held != plain and questions >= wanted:
        # Not one document more than needed: without the last one added it was short.
        assert any(len(pairs.structure_queries([d for d in heldout if d.name != extra], window, max_queries=10**6))
                   < wanted for extra in held - plain)
    # Training never contains a held-out sentence, as for the plain split.
    held_texts = {t for d in heldout for t in d.sentences}
    assert not any(t in held_texts for d in training for t in d.sentences)


@SETTINGS
@given(corpora(min_size=0, max_size=12), st.sampled_from([0.1, 0.3]), st.integers(0, 3), st.integers(0, 8),
       st.sampled_from([0.25, 0.5, 1.0]), windows)
def test_heldout_split_holds_out_documents_until_enough_ask_questions(documents, share, seed, wanted, cap, window):
    """A minimum of documents that ask questions only adds documents to the split without it, each
    one that asks, within the sentence cap and never the last training document; short of the
    minimum only when every document left that asks would break the cap or nothing would be left
    to train on; and not one document more than it needs."""
    def split(minimum):
        return pairs.heldout_split(documents, share, seed, min_documents=minimum, max_sentence_share=cap,
                                   window=window)[1]

    def asking(docs):
        return [d for d in docs if pairs.structure_queries([d], window)]

    plain, held = {d.name for d in split(0)}, split(wanted)
    names = {d.name for d in held}
    if not plain or not asking(split(0)):
        return  # nothing held out, or replaced by the walk over the documents that ask (test above)
    assert plain <= names <= {d.name for d in split(wanted + 2)}
    total = sum(len(d.sentences) for d in documents)
    held_sentences = sum(len(d.sentences) for d in held)
    added = names - plain
    assert all(asking([d]) for d in held if d.name in added)
    if added:
        assert held_sentences <= cap * total
    if len(asking(held)) < wanted and len(held) < len(documents) - 1:
        assert all(held_sentences + len(d.sentences) > cap * total for d in documents
                   if d.name not in names and asking([d]))
    if added:
        assert len(asking(held)) - 1 < wanted  # without the last one added it was short


def test_the_held_out_minimum_of_documents_is_the_fewest_the_test_by_document_can_judge():
    from simsearch import paired
    from simsearch import train

    assert train.data.HELDOUT_MIN_DOCUMENTS == paired.fewest_units()


def test_heldout_split_rejects_a_share_out_of_range():
    with pytest.raises(ValueError):
        pairs.heldout_split([Document("a", ("one two three",))], 1.0)


def mine_oracle(examples, documents, skip, depth):
    """Per example, the allowed candidates in rank order (brute force, the rules written out)."""
    positives = list(dict.fromkeys(e.positive for e in examples))
    vectors = pairs._normalized(fake_encode(positives))
    out = []
    for example in examples:
        anchor = pairs._normalized(fake_encode([example.anchor]))[0]
        order = sorted(range(len(positives)), key=lambda k: (-float(vectors[k] @ anchor), k))
        lo, hi = example.window
        own = set(documents[example.document].sentences[lo:hi + 1]) | {example.anchor, example.positive}
        allowed = [positives[k] for k in order
                   if all(e.document != example.document for e in examples if e.positive == positives[k])
                   and not any(s in positives[k] for s in own)]
        out.append(allowed[skip:skip + depth])
    return out


@SETTINGS
@given(corpora(min_size=2), windows, st.integers(0, 2), st.integers(1, 3), st.booleans())
def test_mined_negatives_come_from_other_documents_never_the_anchors_window(documents, window, skip, depth, ict):
    examples = pairs.ict_pairs(documents, window) if ict else pairs.neighbour_pairs(documents, window)
    mined = pairs.mine_hard_negatives(examples, documents, fake_encode, skip=skip, depth=depth, seed=1)
    oracle = dict(zip([(e.document, e.position) for e in examples], mine_oracle(examples, documents, skip, depth)))
    # Exactly the examples with a candidate are kept, each with one of the oracle's candidates.
    assert [(e.document, e.position) for e in mined] == [k for k in oracle if oracle[k]]
    for example in mined:
        lo, hi = example.window
        window_texts = documents[example.document].sentences[lo:hi + 1]
        assert example.hard_negative not in (example.anchor, example.positive)
        assert not any(s in example.hard_negative for s in window_texts)
        sources = [e for e in examples if e.positive == example.hard_negative]
        assert sources and all(e.document != example.document for e in sources)
        assert example.hard_negative in oracle[(example.document, example.position)]


def test_write_csv_is_what_supervised_training_reads(tmp_path):
    documents = [Document("a.md", ("The first point is here.", "A second, \"quoted\" point, with commas.",
                                   "Third point follows now.")),
                 Document("b.md", ("Another file talks here.", "It goes on at length."))]
    examples = pairs.ict_pairs(documents, 1)
    assert pairs.write_csv(examples, tmp_path / "p.csv") == len(examples)
    assert load_triplets(tmp_path / "p.csv") == [e.row() for e in examples]
    mined = pairs.mine_hard_negatives(examples, documents, fake_encode)
    pairs.write_csv(mined, tmp_path / "t.csv")
    assert load_triplets(tmp_path / "t.csv") == [e.row() for e in mined] and all(len(e.row()) == 3 for e in mined)


def structure_oracle(encode, documents, window, queries):
    """Distinct texts ranked by cosine with the query's text (its own text left out); the rank of
    the first text that is a prose neighbour of the query in its window (fake_encode: no ties)."""
    texts = sorted({t for doc in documents for t in doc.sentences})
    vectors = dict(zip(texts, pairs._normalized(encode(texts))))
    hits = rr = 0.0
    for d, i in queries:
        doc = documents[d].sentences
        ranked = sorted((t for t in texts if t != doc[i]), key=lambda t: -float(vectors[t] @ vectors[doc[i]]))[:10]
        relevant = {doc[j] for j in range(max(0, i - window), min(len(doc), i + window + 1))
                    if j != i and doc[j] != doc[i] and pairs.is_prose(doc[j])}
        rank = next((r for r, t in enumerate(ranked, 1) if t in relevant), None)
        if rank:
            hits, rr = hits + 1, rr + 1 / rank
    return hits / len(queries), rr / len(queries)


@SETTINGS
@given(corpora(), windows, st.integers(0, 3))
def test_structure_retrieval_matches_a_brute_force_oracle(documents, window, seed):
    result = pairs.structure_retrieval(fake_encode, documents, window, max_queries=5, seed=seed)
    queries = pairs.structure_queries(documents, window, max_queries=5, seed=seed)
    assert result["queries"] == len(queries) <= 5
    if not queries:
        assert math.isnan(result["hit@10"])
        return
    hit, mrr = structure_oracle(fake_encode, documents, window, queries)
    assert result["hit@10"] == pytest.approx(hit) and result["mrr@10"] == pytest.approx(mrr)


def test_structure_retrieval_rewards_an_encoder_that_knows_the_structure():
    # 3 documents of 30 unique sentences.
    documents = [Document(f"d{d}", tuple(f"document {d} sentence number {i} here" for i in range(30)))
                 for d in range(3)]
    position = {s: (d, i) for d, doc in enumerate(documents) for i, s in enumerate(doc.sentences)}

    def knows(texts):  # neighbours are nearest: a point on a per-document arc
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            d, i = position[text]
            out[row, d] = 10.0
            out[row, 3] = i
        return out

    good = pairs.structure_retrieval(knows, documents, 2)
    assert good["hit@10"] == 1.0 and good["mrr@10"] == 1.0
    blind = pairs.structure_retrieval(fake_encode, documents, 2)
    assert blind["hit@10"] < 0.8


def test_as_documents_takes_the_readers_documents():
    from simsearch.data import Document as ReadDocument

    read = [ReadDocument("/notes/a.md", ["One two three.", "Four five six."], 1), ReadDocument("/notes/empty.md", [], 2)]
    assert pairs.as_documents(read) == [Document("/notes/a.md", ("One two three.", "Four five six."), title="a")]


# --- a file of one paragraph per line: windows stay within their line, as the index's do ----------

REVIEWS = "".join(f"Review {n} talks about the {topic} at length. The {topic} was better than expected. "
                  f"I would visit the {topic} number {n} again.\n"
                  for n, topic in enumerate(["river", "garden", "bakery", "violin", "glacier", "harbour"] * 5))


def read_both_ways(docs, db, model) -> tuple[list, list]:
    """The documents of folder ``docs`` as `train --unsup DOCS` reads them, and as `--from-index`
    reads them from an index of it."""
    from simsearch.data import documents_from_path, indexed_documents
    from simsearch.indexer import index
    from simsearch.store import Store

    store = Store.open(db)
    try:
        index(store, [docs], [str(model)], progress=False, device="cpu")
        from_index = indexed_documents(store)
    finally:
        store.close()
    return documents_from_path(docs), from_index

def test_ict_passages_stay_within_a_line_in_a_file_of_one_paragraph_per_line(tmp_path, index_model):
    """A file of reviews, one per line: the index's windows stay within a line (store.window_positions),
    but training's passages crossed lines: the first review's last sentence was paired with the
    second review's first. Read from the folder (train --unsup) and from the index (--from-index)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "reviews.txt").write_text(REVIEWS, encoding="utf-8")
    from_files, from_index = read_both_ways(docs, tmp_path / "i.db", index_model)
    first = ["Review 0 talks about the river at length.", "The river was better than expected.",
             "I would visit the river number 0 again."]
    for documents in (from_files, from_index):
        examples = pairs.ict_pairs(pairs.as_documents(documents), 2)
        passages = {e.anchor: e.positive for e in examples if e.document == 0 and e.position < 3}
        assert passages == {anchor: " ".join(s for s in first if s != anchor) for anchor in first}
        lines = documents[0].blocks
        assert all({lines[j] for j in e.sources} == {lines[e.position]} for e in examples)
        assert len(examples) == 90  # every sentence has its line's two others


def test_a_file_of_one_sentence_per_line_gives_no_passage(tmp_path, index_model):
    """A file of unrelated lines (one sentence each) has no windows in the index (sentence vectors),
    but training paired each line with its neighbours as if they were one paragraph. Now none of
    its lines is an anchor or in a passage, read from the folder and from the index; the prose
    file beside it still gives its passages."""
    from simsearch.extract import extract

    lines = [f"The {topic} on shelf {n} needs a new label before the weekend."
             for n, topic in enumerate(["jar", "kettle", "ladder", "mirror", "notebook", "oven", "pencil", "quilt"] * 3)]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-todo.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (docs / "b-reviews.txt").write_text(REVIEWS, encoding="utf-8")
    assert extract(docs / "a-todo.txt", (docs / "a-todo.txt").read_bytes()).lines_are_sentences  # (the shape under test)
    for documents in read_both_ways(docs, tmp_path / "i.db", index_model):
        assert [len(d.sentences) for d in documents] == [len(lines), 90]
        examples = pairs.ict_pairs(pairs.as_documents(documents), 2)
        assert {e.document for e in examples} == {1} and len(examples) == 90
        assert pairs.question_count(pairs.as_documents(documents[:1]), 2) == 0


def test_documents_carry_the_name_the_index_embeds_beside_their_windows(tmp_path, index_model):
    """Training pairs each passage with its document's name as the index embeds a window with its
    file's name (store.document_name of the path it stores): the same words read from the folder and
    from the index, a README named by its folder, a name without a letter none."""
    import sqlite3

    from simsearch.store import document_name

    docs = tmp_path / "docs"
    (docs / "install").mkdir(parents=True)
    prose = "The {0} guide explains the first step. The {0} guide explains the second step.\n"
    (docs / "git-reset.txt").write_text(prose.format("reset"), encoding="utf-8")
    (docs / "install" / "README.md").write_text(prose.format("install"), encoding="utf-8")
    (docs / "2024-05-01.txt").write_text(prose.format("diary"), encoding="utf-8")
    from_files, from_index = read_both_ways(docs, tmp_path / "i.db", index_model)
    with sqlite3.connect(tmp_path / "i.db") as conn:
        embedded = {document_name(path) for (path,) in conn.execute("SELECT path FROM documents")}
    assert embedded == {"git reset", "install", None}
    for documents in (from_files, from_index):
        read = pairs.as_documents(documents)
        assert {d.title for d in read} == embedded
        renamed = pairs.relative_names(read, docs)  # names relative to the folder: the titles kept
        assert {d.title for d in renamed} == embedded and {d.name for d in renamed} != {d.name for d in read}
