"""Training examples from a document's own structure, and a label-free check on held-out documents.

A strong sentence encoder (all-MiniLM-L6-v2) learns next to nothing from the paper's
unsupervised task (two dropout views of one sentence against random in-batch negatives): the
task is already solved at step 0. The user's text holds a harder signal in its *structure*:
sentences that sit together are about the same thing. From documents (each a sequence of
sentences in reading order) this module builds, within the same contrastive framework
(InfoNCE over in-batch negatives, the temperature tau):

- **neighbour pairs** (:func:`neighbour_pairs`): a sentence and one other sentence of its window
  (the ``window`` sentences before and after it in its document, within its line in a file of
  one paragraph per line: the index's rule, ``store.window_positions``);
- **inverse cloze pairs** (:func:`ict_pairs`, Lee et al. 2019): a sentence (the pseudo-query) and
  the rest of its window joined into a passage, the sentence itself removed;
- **mined hard negatives** (:func:`mine_hard_negatives`): for each example, the positive of another
  example that the base model ranks near the anchor but that comes from another document.

Rows are ``(anchor, positive[, hard_negative])`` texts: what ``simsearch train --sup`` reads
(:func:`write_csv`), so they train through the supervised loss path unchanged.

Evidence without labels: :func:`heldout_split` sets some documents aside (the training examples
never contain a sentence of theirs) and :func:`structure_retrieval` measures, on those documents
only, how well a model finds a sentence's neighbours among all their sentences (hit@10, MRR@10),
with exact search. It is the user's own retrieval task in miniature: it goes up when a model
learned something about the user's text that carries over to documents it did not see.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import math
import os
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import document_name, window_positions

# Below this many words with letters a "sentence" is markup, a code fragment or a label:
# never an anchor, and never the only neighbour that makes a positive.
MIN_WORDS = 3
# How many held-out questions structure_retrieval asks at most (drawn at random from those it can ask).
MAX_QUESTIONS = 500
TOP = 10


@dataclass(frozen=True)
class Document:
    """A document as training sees it: its name (a path) and its sentences in reading order;
    ``blocks``, each sentence's line where its window stays within its line (``data.Document``);
    ``title``, the words of its file's name that the index embeds beside its windows
    (``store.document_name`` of its path as read, before :func:`relative_names`), None for none;
    ``shape_unknown``: indexed before its shape was recorded (each sentence a block of its own)."""

    name: str
    sentences: tuple[str, ...]
    blocks: tuple[int, ...] | None = None
    title: str | None = None
    shape_unknown: bool = False


@dataclass(frozen=True)
class Example:
    """One training row and where it came from (document index, anchor position, window)."""

    anchor: str
    positive: str
    document: int
    position: int
    window: tuple[int, int]  # first and last sentence position of the anchor's window (inclusive)
    sources: tuple[int, ...]  # positions of the sentences the positive is made of, in order
    hard_negative: str | None = None

    def row(self) -> tuple[str, ...]:
        return (self.anchor, self.positive) if self.hard_negative is None else (
            self.anchor, self.positive, self.hard_negative)


def is_prose(text: str, min_words: int = MIN_WORDS) -> bool:
    """Whether a sentence has at least ``min_words`` words that contain letters."""
    return sum(any(c.isalpha() for c in word) for word in text.split()) >= min_words


def as_documents(items) -> list[Document]:
    """``Document``s from anything with sentences and a ``path`` or ``name`` (``data.Document``)."""
    def blocks(item) -> tuple[int, ...] | None:
        return None if getattr(item, "blocks", None) is None else tuple(item.blocks)

    def converted(item) -> Document:
        path = getattr(item, "path", None) or item.name
        # (named as the index names the file: its path normalised, ``indexer.root_key``; a walk
        # of ".." gives /x/proj/sub/../README.md, whose folder is "..", where the index has "proj")
        return Document(path, tuple(item.sentences), blocks(item), document_name(os.path.normpath(str(path))),
                        bool(getattr(item, "shape_unknown", False)))

    return [item if isinstance(item, Document) else converted(item) for item in items if item.sentences]


def relative_names(documents: Sequence[Document], root=None) -> list[Document]:
    """The documents named by their paths relative to ``root`` (the folder the user gave), so
    that what depends on names (:func:`heldout_split`) is the same when that folder is moved or
    renamed, and when files are added beside or above the others. ``root`` may be one folder for
    all, or one per document (``--from-index``: each document's index root); a document outside
    its root, or ``root`` None, is named relative to the deepest folder holding all those
    documents. Names that are not all absolute paths are kept as they are."""
    import os

    names = [d.name for d in documents]
    if not names or not all(os.path.isabs(n) for n in names):
        return list(documents)
    roots = list(root) if isinstance(root, (list, tuple)) else [root] * len(names)
    if len(roots) != len(names):
        raise ValueError("one root per document, or one for all")

    def under(name: str, folder) -> bool:
        if folder is None:
            return False
        folder, name = os.path.abspath(os.path.expanduser(folder)), os.path.abspath(name)
        return name != folder and os.path.commonpath([folder, name]) == folder

    outside = [n for n, r in zip(names, roots) if not under(n, r)]
    common = os.path.commonpath([os.path.dirname(n) for n in outside]) if outside else None
    return [dataclasses.replace(d, name=Path(os.path.relpath(d.name, os.path.expanduser(r) if under(d.name, r) else common))
                                .as_posix()) for d, r in zip(documents, roots)]


def documents_from_store(store) -> list[Document]:
    """The indexed documents (not the skipped ones), each with its sentences in order."""
    from .data import indexed_documents

    return as_documents(indexed_documents(store))


def heldout_split(documents: Sequence[Document], share: float = 0.1, seed: int = 0, *,
                  min_queries: int = 0, min_documents: int = 0, max_sentence_share: float = 0.25,
                  window: int = 2, min_words: int = MIN_WORDS) -> tuple[list[Document], list[Document]]:
    """(training documents, held-out documents): ``share`` of the documents set aside.

    Which documents are held out depends only on the documents (their names, sentence counts and,
    with ``min_queries``, the questions their text gives; two of one name are told apart by their
    text) and ``seed``, not on the order they are given in: documents are taken in a hash order of
    their names, the
    first ``round(share * n)`` (at least one when ``share`` > 0 and there are two or more, never
    all) that keep the held-out documents within ``max_sentence_share`` of all sentences; a
    document too long to add is passed over, so one large document never takes most of the
    text away from training. When no document is short enough, the shortest one is held out.

    When the held-out documents give fewer than ``min_queries`` questions for
    :func:`structure_retrieval` (a few short documents can give a few dozen, where one question
    moves hit@10 by 0.03), the documents that follow in the same order and give questions are
    added until they do, each only if the held-out documents stay within the sentence share,
    and never the last one left to train on; so are documents until ``min_documents`` of the held-out
    ones give questions (with fewer, no change of the figure can be told from chance: the held-out
    test is by document, ``paired.fewest_units``). With ``min_queries`` > 0, held-out documents that
    give no question at all (one-line notes) are replaced: the same walk over the documents that
    give questions, when one of them fits. No sentence text of a held-out document is left in
    the training documents (boilerplate repeated across files would otherwise leak), so training
    examples built from them never contain one.
    """
    if not 0.0 <= share < 1.0:
        raise ValueError(f"share must be in [0, 1), got {share}")
    n = len(documents)
    key = {i: hashlib.sha256(f"{seed}\0{documents[i].name}".encode("utf-8", "surrogatepass")).hexdigest()
           for i in range(n)}
    # Two documents of one name (two index roots holding the same relative path): their text
    # decides, never their order or where they are (the same folder anywhere holds out the same).
    order = sorted(range(n), key=lambda i: (key[i], documents[i].name, documents[i].sentences))
    count = 0 if share == 0 or n < 2 else min(n - 1, max(1, round(share * n)))
    sizes = [len(d.sentences) for d in documents]
    budget = max_sentence_share * sum(sizes)
    wanted = min_queries > 0 or min_documents > 0
    questions = [len(_questions(d, window, min_words)) if wanted else 0 for d in documents]

    def walk(candidates: list[int]) -> list[int]:
        held: list[int] = []
        sentences = asked = asking = 0
        for i in candidates:  # the first ``count`` that fit
            if len(held) == count:
                break
            if sentences + sizes[i] <= budget:
                held.append(i)
                sentences, asked, asking = sentences + sizes[i], asked + questions[i], asking + bool(questions[i])
        for i in candidates:  # then more, for questions and for documents that ask them
            if (asked >= min_queries and asking >= min_documents) or len(held) >= n - 1:
                break
            if i not in held and questions[i] and sentences + sizes[i] <= budget:
                held.append(i)
                sentences, asked, asking = sentences + sizes[i], asked + questions[i], asking + 1
        return held

    held = walk(order) if count else []
    if count and not held:  # every document alone is over the share: the shortest
        held = [min(order, key=lambda i: sizes[i])]
    if wanted and held and not any(questions[i] for i in held):
        held = walk([i for i in order if questions[i]]) or held
    held_ids = set(held)
    heldout = [documents[i] for i in range(n) if i in held_ids]
    held_texts = {text for document in heldout for text in document.sentences}
    training = []
    for i, document in enumerate(documents):
        if i in held_ids:
            continue
        kept = [k for k, text in enumerate(document.sentences) if text not in held_texts]
        if kept:
            training.append(dataclasses.replace(
                document, sentences=tuple(document.sentences[k] for k in kept),
                blocks=None if document.blocks is None else tuple(document.blocks[k] for k in kept)))
    return training, heldout


def question_count(documents: Sequence[Document], window: int = 2, min_words: int = MIN_WORDS) -> int:
    """How many questions :func:`structure_retrieval` can ask about ``documents`` (before ``max_queries``)."""
    return sum(len(_questions(d, window, min_words)) for d in documents)


def _window(document: Document, i: int, window: int) -> tuple[int, int]:
    """The first and last position of sentence ``i``'s window (``store.window_positions``: the
    index's rule, within its line in a file of one paragraph per line)."""
    positions = window_positions(len(document.sentences), i, window, document.blocks)
    return positions[0], positions[-1]


def _context(document: Document, i: int, window: int, min_words: int) -> list[int]:
    """Positions of the anchor's window that can stand for it: other prose, never its own text."""
    anchor = document.sentences[i]
    return [j for j in window_positions(len(document.sentences), i, window, document.blocks)
            if j != i and document.sentences[j] != anchor and is_prose(document.sentences[j], min_words)]


def _questions(document: Document, window: int, min_words: int) -> list[int]:
    """Positions of a document's sentences that :func:`structure_retrieval` can ask about."""
    return [i for i, text in enumerate(document.sentences)
            if is_prose(text, min_words) and _context(document, i, window, min_words)]


def _anchors(documents: Sequence[Document], window: int, min_words: int):
    """(document index, document, sentence index, anchor, context) for every prose sentence
    that has at least one prose sentence in its window."""
    if window < 1:
        raise ValueError("window must be at least 1")
    for d, document in enumerate(documents):
        for i, anchor in enumerate(document.sentences):
            if is_prose(anchor, min_words):
                context = _context(document, i, window, min_words)
                if context:
                    yield d, document, i, anchor, context


def ict_pairs(documents: Sequence[Document], window: int = 2, *, min_words: int = MIN_WORDS) -> list[Example]:
    """Inverse cloze task: each prose sentence and the rest of its window as one passage.

    The passage is the window's other prose sentences in reading order, joined by spaces; the
    anchor (and any copy of its text) is removed from it. Sentences with no prose neighbour
    give no example.
    """
    return [Example(anchor, " ".join(document.sentences[j] for j in context), d, i,
                    _window(document, i, window), tuple(context))
            for d, document, i, anchor, context in _anchors(documents, window, min_words)]


def neighbour_pairs(documents: Sequence[Document], window: int = 2, *, seed: int = 0,
                    min_words: int = MIN_WORDS) -> list[Example]:
    """Each prose sentence and one other prose sentence of its window, drawn with ``seed``."""
    rng = random.Random(seed)
    out = []
    for d, document, i, anchor, context in _anchors(documents, window, min_words):
        j = rng.choice(context)
        out.append(Example(anchor, document.sentences[j], d, i, _window(document, i, window), (j,)))
    return out


Encode = Callable[[list[str]], np.ndarray]


def _encoder_function(encoder) -> Encode:
    """A function from texts to unit vectors, from an ``Encoder`` or such a function itself."""
    if hasattr(encoder, "encode"):
        return lambda texts: encoder.encode(texts, normalize=True, progress=False)
    return lambda texts: _normalized(np.asarray(encoder(texts), dtype=np.float32))


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def mine_hard_negatives(examples: Sequence[Example], documents: Sequence[Document], encoder, *,
                        skip: int = 0, depth: int = 20, seed: int = 0, chunk: int = 1024) -> list[Example]:
    """Each example with a hard negative: another example's positive, near the anchor, from another document.

    The base model (``encoder``: an ``Encoder`` or a function texts -> vectors) ranks every
    example's positive against each anchor; the negative is drawn at random among the ``depth``
    nearest that come from another document than the anchor's (so never from its own window)
    and share no text with the anchor's window, after leaving out the ``skip`` nearest of those
    (the likeliest false negatives). An example with no such candidate is dropped.
    """
    if not examples:
        return []
    encode = _encoder_function(encoder)
    rng = np.random.default_rng(seed)
    positives = list(dict.fromkeys(example.positive for example in examples))
    index = {text: k for k, text in enumerate(positives)}
    # Each distinct positive text: the documents it comes from (one text may occur in several).
    origins: list[set[int]] = [set() for _ in positives]
    for example in examples:
        origins[index[example.positive]].add(example.document)
    candidates = encode(positives)
    anchors = encode([example.anchor for example in examples])
    out = []
    for start in range(0, len(examples), chunk):
        scores = anchors[start : start + chunk] @ candidates.T
        for row, example in zip(scores, examples[start : start + chunk]):
            lo, hi = example.window
            own = set(documents[example.document].sentences[lo : hi + 1]) | {example.anchor, example.positive}
            allowed = []
            for k in np.argsort(-row, kind="stable"):
                text = positives[k]
                if example.document not in origins[k] and not any(
                        sentence in text for sentence in own):
                    allowed.append(text)
                    if len(allowed) >= skip + depth:
                        break
            pool = allowed[skip:]
            if pool:
                out.append(dataclasses.replace(example, hard_negative=pool[int(rng.integers(len(pool)))]))
    return out


def write_csv(examples: Iterable[Example], path: Path | str) -> int:
    """The examples as a ``sent0,sent1[,hard_neg]`` CSV (``simsearch train --sup``); returns the row count."""
    examples = list(examples)
    with_negatives = any(example.hard_negative is not None for example in examples)
    if with_negatives and not all(example.hard_negative is not None for example in examples):
        raise ValueError("either every example has a hard negative or none has")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sent0", "sent1", "hard_neg"] if with_negatives else ["sent0", "sent1"])
        for example in examples:
            writer.writerow(example.row())
    return len(examples)


def structure_queries(documents: Sequence[Document], window: int = 2, *, max_queries: int = MAX_QUESTIONS, seed: int = 0,
                      min_words: int = MIN_WORDS) -> list[tuple[int, int]]:
    """(document, position) of the sentences :func:`structure_retrieval` asks about.

    Prose sentences with at least one prose neighbour of another text in their window; at most
    ``max_queries``, drawn with ``seed`` (the same ones for every model compared). The draw and
    the order returned go by (document name, text, position), not by the order the documents
    are given in, so the same documents in another order give the same questions.
    """
    canonical = sorted(range(len(documents)), key=lambda d: (documents[d].name, documents[d].sentences))
    eligible = [(d, i) for d in canonical for i in _questions(documents[d], window, min_words)]
    if len(eligible) > max_queries:
        rank = {question: k for k, question in enumerate(eligible)}
        eligible = sorted(random.Random(seed).sample(eligible, max_queries), key=rank.__getitem__)
    return eligible


def structure_retrieval(encoder, documents: Sequence[Document], window: int = 2, *, max_queries: int = MAX_QUESTIONS,
                        seed: int = 0, min_words: int = MIN_WORDS) -> dict[str, float]:
    """How well a model finds a sentence's neighbours among all sentences of ``documents``.

    Each query is a prose sentence of ``documents`` (see :func:`structure_queries`); the
    candidates are the distinct texts of every document given, except the query's own text;
    a candidate is relevant when it is the text of a prose sentence of the query's window
    (another text), wherever else that text also occurs. A text copied into several documents
    is one candidate, so the figures do not depend on the order of the documents. The rank is
    that of the best relevant text, a tie with an irrelevant one counted against it (a model
    whose vectors are all alike finds nothing). Exact cosine search; returns ``hit@10``,
    ``mrr@10``, ``queries`` and ``ranks`` (each query's rank within the top 10, None below it:
    what two models are compared by, question by question, ``paired.test``). Meant for
    held-out documents (:func:`heldout_split`), before and after training.
    """
    queries = structure_queries(documents, window, max_queries=max_queries, seed=seed, min_words=min_words)
    if not queries:
        return {f"hit@{TOP}": math.nan, f"mrr@{TOP}": math.nan, "queries": 0, "ranks": []}
    unique = list(dict.fromkeys(text for document in documents for text in document.sentences))
    which = {text: u for u, text in enumerate(unique)}
    vectors = _encoder_function(encoder)(unique)
    hits = reciprocal = 0.0
    ranks: list[int | None] = []
    for d, i in queries:
        sentences = documents[d].sentences
        q = which[sentences[i]]
        scores = np.nan_to_num(vectors @ vectors[q], nan=-np.inf)
        relevant = np.zeros(len(unique), dtype=bool)
        relevant[[which[sentences[j]] for j in _context(documents[d], i, window, min_words)]] = True
        candidate = np.ones(len(unique), dtype=bool)
        candidate[q] = False  # the query's own text (and so each copy of it): never a hit
        best = scores[relevant].max()
        rank = 1 + int(np.count_nonzero(candidate & ~relevant & (scores >= best))) if np.isfinite(best) else None
        ranks.append(rank if rank is not None and rank <= TOP else None)
        if rank is not None and rank <= TOP:
            hits += 1.0
            reciprocal += 1.0 / rank
    return {f"hit@{TOP}": hits / len(queries), f"mrr@{TOP}": reciprocal / len(queries), "queries": len(queries),
            "ranks": ranks}
