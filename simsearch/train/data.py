"""What a run trains on and is measured on: the data read (``training_data``), the unsupervised
recipe and its held-out documents (``resolve_recipe``, ``heldout_split``, the notes that say what was
held out), and the evaluation split (``split_for_evaluation``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..data import (COLUMNS, Document, Warn, documents_from_path, documents_sha256, file_sha256, indexed_documents,
                   load_triplets, print_file_warning, unique_sentences)
from ..errors import SimsearchError, counted, plain_number
from ..models import ModelRef
from .base import is_sentence_encoder
from .config import TrainConfig
from .report import _no_questions

if TYPE_CHECKING:  # read lazily at run time (scipy)
    from ..sts import Pairs


ICT_WINDOW = 2
HELDOUT_SHARE = 0.1
HELDOUT_MIN_QUERIES = 200  # more documents are held out (up to a quarter of the sentences) to reach it
# and to reach this many documents that ask questions: the held-out change is tested by document, and
# with fewer no change could be told from chance (``paired.fewest_units()``: 2 of 2**6 sign patterns)
HELDOUT_MIN_DOCUMENTS = 6
# The paper's recipe chosen by itself (one file of lines) from a sentence encoder: on 14,820 lines
# of STS/SICK, all-MiniLM-L6-v2 trained with the paper's loss alone lost paraphrase retrieval
# (hit@10 0.942 -> 0.902) and STS (78.87 -> 77.09); with --distill 5 it kept both (0.940, 78.96)
# and gained MRR@10 (0.752 -> 0.762); --distill 1: 0.936, 78.88 (docs/adaptation.md).
AUTO_DISTILL = 5.0
AUTO_ICT_MIN_DOCUMENTS = 10  # fewer: the paper's recipe (one file of lines is one document)


@dataclass
class EvaluationSplit:
    """What a run is measured on, chosen once before training.

    ``sts_dev``: the STS data folder (STS-B dev is scored at each evaluation; the best step is
    kept). Without it, ``held_out``: examples kept out of training, measured by alignment and
    uniformity (none when the recipe holds out whole documents: their retrieval is measured
    instead). ``training``: the examples left to train on. ``sts_dev_pairs``: STS-B dev's pairs,
    read once at the start (every evaluation scores them, and ``--resume`` checks their fingerprint).
    """

    sts_dev: Path | None
    held_out: list
    training: list
    sts_dev_pairs: Pairs | None = None  # once read

    def describe(self, recipe: str | None, heldout_documents=()) -> str:
        """Which step is kept, as the run will choose it (``heldout_documents``: ict's)."""
        if self.sts_dev is not None:
            return "STS-B dev"
        if recipe == "ict":
            from ..pairs import question_count

            if heldout_documents and not question_count(heldout_documents):  # nothing to select by
                return f"last step ({_no_questions(len(heldout_documents))})"
            return "held-out documents (structure retrieval)"
        return f"none (held-out {len(self.held_out)} for alignment/uniformity)"


def names_column(config: TrainConfig) -> bool:
    """Whether the rows' last column is each passage's document's name (ict, :func:`resolve_recipe`)."""
    return config.mode == "unsup" and config.recipe == "ict"


@dataclass
class TrainingData:
    """What a run trains on, read before any model is loaded.

    ``examples``: 1-tuples of sentences (unsup, exact duplicates dropped) or (sent0, sent1[,
    hard_neg]) rows (sup). ``documents``: for unsup, the sentences grouped by document in
    order (with index ids for ``--from-index``), for recipes that use a text's structure.
    ``sha256`` is what ``--resume`` checks: of the sentences read (unsup), so a changed file
    or index is refused even when it would pass a check of file bytes; of the file (sup).
    ``roots``: per document, the folder its name is taken relative to (:func:`resolve_recipe`).
    """

    examples: list[tuple[str, ...]]
    sha256: str
    source: dict
    documents: list[Document] = field(default_factory=list)
    # Per document, the folder its held-out name is relative to: the folder given (unsup), or the
    # index root it was indexed under (--from-index).
    roots: list[str] = field(default_factory=list)


# What ``data_source.sentences`` counts, said beside it in simsearch.json: ``heldout``'s counts
# are of every sentence (report.ALL_SENTENCES), so the two differ by the duplicates.
DISTINCT_SENTENCES = "distinct sentences: an exact duplicate counted once (the texts training reads)"


def training_data(config: TrainConfig, warn: Warn | None = None) -> TrainingData:
    """Read ``config.data``: the index's sentences (``from_index``), a text file or folder read
    as ``simsearch index`` reads it (unsup; ``warn`` hears about files left out), or triplets."""
    if config.mode == "sup":
        examples = load_triplets(config.data)
        sha256 = file_sha256(config.data)
        columns = list(COLUMNS[:len(examples[0])])  # (every row has the same arity)
        kind = "triplets" if len(columns) == 3 else "pairs"
        if kind == "pairs" and config.hard_negative_weight != 1.0:
            raise SimsearchError(f"--hard-negative-weight {plain_number(config.hard_negative_weight)}: {config.data} has "
                                 "no hard_neg column, so no hard negative to weigh: drop the option, or add the column")
        return TrainingData(examples, sha256, {"kind": kind, "path": str(config.data.absolute()),
                                               "rows": len(examples), "columns": columns, "sha256": sha256})
    if config.from_index:
        from ..indexer import writer_alive
        from ..models import command_line
        from ..store import Store

        store = Store.open(config.data, create=False)
        try:
            with store.snapshot():  # the files as `simsearch status` counts them, those with sentences among them
                documents = indexed_documents(store)
                files = store.counts()["documents"]
                # Every indexed file, one that held no sentence too: holding prose now, it is changed
                # as surely as an edited one, and training misses its text as well.
                indexed = sorted((Document(path, [], document_id) for document_id, path in store.conn.execute(
                    "SELECT id, path FROM documents WHERE skip_reason IS NULL")), key=lambda d: Path(d.path).parts)
            stale = stale_documents(store, indexed)
            roots = [index_root(list(store.roots()), d.path) for d in documents]
            older = other_reader_documents(store, indexed)
            running = writer_alive(store)
        finally:
            store.close()
        if not documents:
            raise SimsearchError(f"--from-index: the index {config.data} holds no sentences yet; "
                                 f"index your text first: {command_line('index', 'FOLDER', db=config.data)}")
        if running:  # as `search` and `eval retrieval` say it: what it holds now is not what it will hold
            (warn or print_file_warning)(str(config.data), (
                f"an index run is in progress: training on the {counted(files, 'file')} it holds so far (files not yet "
                "indexed are missed, changed ones read as they were); train again when the run is done"))
        if stale:
            path, state = stale[0]
            (warn or print_file_warning)(str(config.data), (
                f"{len(stale)} of its {counted(files, 'file')} "
                + ("changed or is gone since it was" if len(stale) == 1 else "changed or are gone since they were")
                + f" indexed ({path}: "
                f"{state}{', …' if len(stale) > 1 else ''}); training on the text the index holds: run "
                f"`{command_line('index', db=config.data)}` first to train on what {'it holds' if len(stale) == 1 else 'they hold'} now"))
        if older:
            from ..indexer import files_of

            (warn or print_file_warning)(str(config.data), (
                f"{files_of(len(older), files)} read by another version of simsearch, which "
                f"reads files otherwise ({older[0]}{', …' if len(older) > 1 else ''}); training on the sentences "
                f"that version stored: run `{command_line('index', db=config.data)}` first to train on what this version reads (the "
                "sentences it then searches)"))
        source = {"kind": "index", "path": str(config.data.absolute()), "files_changed_since_indexed": len(stale),
                  "files_read_by_other_version": len(older), "index_in_progress": running}
    else:
        empty: list[str] = []
        documents = documents_from_path(config.data, warn, without_sentences=empty)
        source = {"kind": "files", "path": str(config.data.absolute())}
        roots = [str(config.data.expanduser().absolute())] * len(documents)
        files = len(documents) + len(empty)
    sentences = unique_sentences(documents)
    sha256 = documents_sha256(documents)
    source.update(documents=len(documents), sentences=len(sentences), sentences_meaning=DISTINCT_SENTENCES, sha256=sha256,
                  files=files, files_without_sentences=files - len(documents))
    source.update(files_used(len(documents)))  # (all of them until a recipe holds some out: resolve_recipe)
    return TrainingData([(s,) for s in sentences], sha256, source, documents, roots)


# What ``data_source``'s "files" counts are, said beside them in simsearch.json.
FILES_MEANING = ("files: the index's files as `simsearch status` counts them (--from-index), else the files read; "
                 "files_trained_on: those whose text training read (ict: that gave a sentence/passage pair and were not "
                 "held out); the others had no sentence, were held out to measure the result, or gave no pair")


def files_used(documents: int, held_out: int = 0, without_pairs: int = 0) -> dict:
    """``data_source``'s counts of the files (with sentences: ``documents``) a recipe trained on,
    held out and could make no example of."""
    return {"files_trained_on": documents - held_out - without_pairs, "files_held_out": held_out,
            "files_without_pairs": without_pairs, "files_meaning": FILES_MEANING}


def index_root(roots: list[str], path: str) -> str | None:
    """The index root ``path`` was indexed under (the deepest holding it), or None."""
    holding = [root for root in roots
               if os.path.abspath(path) == os.path.abspath(root) or os.path.commonpath(
                   [os.path.abspath(root), os.path.abspath(path)]) == os.path.abspath(root)]
    return max(holding, key=len) if holding else None


def stale_documents(store, documents) -> list[tuple[str, str]]:
    """(path, state) of each indexed document whose file no longer holds what was indexed
    ("changed", "gone", "unreadable": decided as ``search`` decides it, :func:`search.file_state`)."""
    from ..search import file_state

    states = ((d.path, file_state(store, d.id, d.path)) for d in documents)
    return [(path, state) for path, state in states if state != "indexed"]


def other_reader_documents(store, documents) -> list[str]:
    """Paths of the indexed documents another version of simsearch's reader read
    (``extract.EXTRACTOR_VERSION``): the next `simsearch index` reads them again, and may store
    other sentences for them."""
    from ..extract import EXTRACTOR_VERSION

    older = store.read_by_other_extractor(EXTRACTOR_VERSION)
    return [d.path for d in documents if d.id in older]


def heldout_split(documents, seed: int):
    """(training documents, held-out documents) as ``--recipe ict`` splits them."""
    from .. import pairs

    return pairs.heldout_split(documents, HELDOUT_SHARE, seed, min_queries=HELDOUT_MIN_QUERIES,
                               min_documents=HELDOUT_MIN_DOCUMENTS, window=ICT_WINDOW)


def resolve_recipe(config: TrainConfig, data: TrainingData, note=None, base: ModelRef | None = None
                   ) -> tuple[list, list]:
    """Choose the unsupervised recipe when none was given, apply its defaults, build its examples.

    Returns (training examples, held-out documents). ``paper``: the unique sentences, nothing
    held out (exactly the paper's run). ``ict``: ``HELDOUT_SHARE`` of the documents set aside
    (seeded, within a quarter of the sentences: :func:`pairs.heldout_split`), inverse-cloze
    pairs from the rest. With no --recipe, ``ict`` when the text is at least
    ``AUTO_ICT_MIN_DOCUMENTS`` documents giving at least a batch of pairs and held-out
    documents that give questions to measure the result with (a file of one sentence per line
    is one document of unrelated lines: the paper's recipe), else ``paper``. ``note`` hears
    which recipe was chosen and, for ``ict``, how much was held out. ``--distill``, when not
    given: ``AUTO_DISTILL`` where ``paper`` was chosen this way for a sentence-encoder ``base``
    (the paper's loss alone trains away what such a base knew), else 0 (``--recipe paper``
    given is the paper's loss alone).
    """
    if config.mode == "sup":
        config.distill = config.distill or 0.0
        return data.examples, []
    from .. import pairs

    # Named relative to the folder given (or each one's index root): the split is the same
    # wherever that folder is, and whatever is added beside it.
    documents = named_documents(data)
    chosen = config.recipe
    rows, heldout, questions = [], [], 0
    if chosen == "ict" or (chosen is None and len(documents) >= AUTO_ICT_MIN_DOCUMENTS):
        if len(documents) < 2:
            raise SimsearchError(f"--recipe ict sets {HELDOUT_SHARE:.0%} of your documents aside to measure the "
                                 f"result and trains on the rest: {config.data} is {len(documents)} document; "
                                 "use --recipe paper, or a folder of several documents")
        training, heldout = heldout_split(documents, config.seed)
        # (anchor, passage, the passage's document's name or ""): the step embeds the passage with
        # its name as the index embeds a window with its file's name (``_embed``, ``loss.with_names``).
        # One row per (anchor, passage), named by the first document that gives it: a window
        # repeated word for word in several files (an option's text on each command's page) would
        # otherwise be several rows told apart by their names alone, each the others' in-batch negative.
        named: dict[tuple, str] = {}
        paired: set[int] = set()  # the training documents that give a pair
        for e in pairs.ict_pairs(training, ICT_WINDOW):
            named.setdefault(e.row(), training[e.document].title or "")
            paired.add(e.document)
        rows = [(*row, name) for row, name in named.items()]
        questions = pairs.question_count(heldout, ICT_WINDOW)
    held_note = heldout_note(documents, heldout, questions)
    if chosen is None:
        batch = config.batch_size
        chosen = "ict" if len(rows) >= batch and questions else "paper"
        distilled = chosen == "paper" and config.distill is None and base is not None and is_sentence_encoder(base)
        if distilled:
            config.distill = AUTO_DISTILL
        if note is not None:
            if chosen == "ict":
                why = f"{counted(len(documents), 'document')}, {counted(len(rows), 'sentence/passage pair')}; {held_note}"
            elif len(rows) >= batch:  # enough pairs, but nothing held out could measure the result
                why = (f"{counted(len(documents), 'document')}; the inverse cloze recipe measures the result on held-out "
                       f"documents, and those it can hold out (at most a quarter of the sentences) give no questions")
            else:
                why = (f"{counted(len(documents), 'document')}; the inverse cloze recipe needs {AUTO_ICT_MIN_DOCUMENTS} "
                       f"or more giving at least {counted(batch, 'sentence/passage pair')}{_lines_alone_note(documents)}")
            why += _shape_unknown_note(documents, config.data)
            if distilled:
                why += (f"; --distill {AUTO_DISTILL:g} keeps what the base {base.name} knew, which the paper's loss alone "
                        "trains away from a sentence encoder")
            note(f"recipe: {chosen} ({why}; --recipe paper|ict to choose)", highlight=False)
    elif chosen == "ict" and note is not None:
        note(f"recipe: ict ({held_note}{_shape_unknown_note(documents, config.data)})", highlight=False)
    if config.distill is None:
        config.distill = 0.0
    config.recipe = chosen
    config._recipe_defaults()
    if chosen == "paper":
        data.source.update(files_used(len(documents)))
        return data.examples, []
    data.source.update(files_used(len(documents), len(heldout), len(training) - len(paired)))
    if len(rows) < 2:
        # (not for want of sentences, where every document is so)
        alone = _lines_alone_note(documents) + _shape_unknown_note(documents, config.data)
        why = (alone[2:] if _lines_alone(documents) + _shape_unknown(documents) == len(documents)
               else f"it needs documents of several sentences of 3+ words{alone}")
        raise SimsearchError(f"--recipe ict: {config.data} gives {counted(len(rows), 'sentence/passage pair')} ({why}); "
                             "use --recipe paper")
    return rows, heldout


def named_documents(data: TrainingData) -> list:
    """The data's documents (``pairs.Document``) named relative to the folder given, or each
    one's index root: the split is the same wherever that folder is, and whatever is added beside it."""
    from .. import pairs

    kept = [(d, r) for d, r in zip(data.documents, data.roots or [None] * len(data.documents)) if d.sentences]
    return pairs.relative_names(pairs.as_documents([d for d, _ in kept]), [r for _, r in kept])


def _lines_alone(documents) -> int:
    """How many of the documents (``pairs.Document``) hold each sentence alone in its line's block
    (``data.Document.blocks``: plain text of one sentence per line), whose lines give no passage."""
    blocks = [(getattr(d, "blocks", None), getattr(d, "shape_unknown", False)) for d in documents]
    return sum(1 for b, unknown in blocks if b is not None and len(set(b)) == len(b) and not unknown)


def _shape_unknown(documents) -> int:
    """How many of the documents (``pairs.Document``) an index holds as an older simsearch read them,
    before their shape was recorded (``data.Document.shape_unknown``): they give no passage."""
    return sum(1 for d in documents if getattr(d, "shape_unknown", False))


def _shape_unknown_note(documents, db) -> str:
    """'; 3 of the 12 documents are plain text whose shape an older simsearch did not record: ...',
    or '' for none: why they give no passage (the index gives them no window), and what reads them."""
    from ..models import command_line

    unknown = _shape_unknown(documents)
    if not unknown:
        return ""
    one = unknown == 1
    return (f"; {_some_documents(unknown, len(documents))} plain text whose shape an "
            f"older simsearch did not record: {'it gives' if one else 'they give'} no passage, as the index gives "
            f"{'it' if one else 'them'} no window, until `{command_line('index', db=db)}` reads "
            f"{'it' if one else 'them'} again")


def _lines_alone_note(documents) -> str:
    """'; 12 of the 12 documents are plain text of one sentence per line, ...', or '' for none: why
    the inverse cloze recipe finds no passage there (not for want of sentences)."""
    alone = _lines_alone(documents)
    return (f"; {_some_documents(alone, len(documents))} plain text of one sentence per line, whose "
            "lines are unrelated and give no passage") if alone else ""


def _some_documents(count: int, total: int) -> str:
    """"3 of the 12 documents are", "1 of the 12 documents is", "all 12 documents are", "the
    document is" (the one of one)."""
    if count == total:
        return "the document is" if total == 1 else f"all {total:,} documents are"
    return f"{count:,} of the {total:,} documents {'is' if count == 1 else 'are'}"


def heldout_note(documents, heldout, questions: int) -> str:
    """What the ict split held out, for the ``recipe:`` note: documents, sentences, their share."""
    if not heldout:
        return "nothing held out"
    held = sum(len(d.sentences) for d in heldout)
    total = sum(len(d.sentences) for d in documents)
    from .. import pairs

    asked = min(questions, pairs.MAX_QUESTIONS)  # what structure_retrieval asks: the end line counts these
    drawn = f" (drawn from {questions:,})" if questions > asked else ""
    if _shape_unknown(heldout) == len(heldout):
        why = f"{'it is' if len(heldout) == 1 else 'they are'} plain text whose shape an older simsearch did not record"
    elif _lines_alone(heldout) == len(heldout):
        why = f"{'it is' if len(heldout) == 1 else 'they are'} plain text of one sentence per line, whose lines are unrelated"
    else:
        why = "no sentence of 3+ words has a neighbour in its document"
    measured = (f"{counted(asked, 'question')}{drawn} to measure the result" if questions else
                f"{_no_questions(len(heldout))}, so the result is not measured ({why})")
    return (f"held out: {counted(len(heldout), 'document')} of {len(documents):,}, {counted(held, 'sentence')} of "
            f"{total:,} ({held / max(total, 1):.0%}); {measured}")


def split_for_evaluation(config: TrainConfig, examples: list, documents_held_out: bool = False) -> EvaluationSplit:
    """STS-B dev when the data is there; otherwise a held-out slice of the user's own data
    (none when whole documents are held out: they are the evaluation)."""
    from ..sts import data_dir

    try:
        return EvaluationSplit(data_dir(config.eval_data), [], examples)
    except SimsearchError:
        if config.eval_data is not None:
            raise
    size = min(1000, max(2, len(examples) // 20))
    if documents_held_out or len(examples) < 3 * size:
        return EvaluationSplit(None, [], examples)
    held = set(np.random.default_rng(config.seed).permutation(len(examples))[:size].tolist())
    return EvaluationSplit(None, [examples[i] for i in sorted(held)],
                           [e for i, e in enumerate(examples) if i not in held])
