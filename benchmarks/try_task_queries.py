"""Task queries mined from the text, tried for issue 13 (session 41) and not adopted.

Questions people write are mostly tasks ("take any number of file names on the command line",
"show the default values in the help"), and documentation often names a task in the words a
person asks for it, then says how: "To show the defaults, pass show_default=True." /
"Use show_default=True to show the defaults." This script adds, to the inverse cloze rows the
defaults train on, one row per such sentence of the training documents: the task as the
anchor (a query written by the author, no generator model), the sentence's window as the passage
with the task's words taken out of that sentence (so that the pair is not a match of the same
words), embedded beside its file's name as every ``ict`` passage is. The rows are repeated so
that they are ``--share`` of all rows (at least once each). Everything else is ``simsearch train``
as a user runs it: the same split, held-out check, loss and defaults.

    python benchmarks/try_task_queries.py --share 0.15 -- --from-index --db IDX.db --out MODEL

(the arguments after ``--`` are ``simsearch train``'s). Measured with ``bench_natural.py`` on the
ten hand-written sets, the model's questions against the defaults' (docs/adaptation.md, "Task
queries mined from the text").
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from simsearch import pairs
from simsearch import train as training
from simsearch.pairs import Document, Example, is_prose

# "To X, Y." / "If you want to X, Y." and "Use Y to X.": X is the task, Y how to do it.
TASK_FIRST = re.compile(
    r"^(?:In order to|To|If you (?:want|need|wish|would like) to|If you'd like to|When you (?:want|need) to)\s+"
    r"(?P<task>[a-z][^,;:()]{8,120}?),\s+(?P<rest>\S.{6,})$")
TASK_LAST = re.compile(
    r"^(?P<rest>(?:Use|Call|Set|Pass|Add|Run|Write|Override|Subclass|Define|Configure)\s[^;:]{3,80}?)\s+"
    r"(?:in order )?to\s+(?P<task>[a-z][^,;:()]{8,120}?)[.!]?$")
# A task that points elsewhere ("to help you with this") says nothing by itself.
VAGUE = {"this", "that", "it", "them", "these", "those", "so", "which", "such", "you", "us", "here", "above", "below"}


def task_of(sentence: str) -> tuple[str, str] | None:
    """(the task a sentence names, the rest of it), or None."""
    match = TASK_FIRST.match(sentence) or TASK_LAST.match(sentence)
    if not match:
        return None
    task, rest = match.group("task").strip().rstrip("."), match.group("rest").strip()
    if VAGUE & set(task.lower().split()):
        return None
    return task, rest[:1].upper() + rest[1:]


def task_pairs(documents: Sequence[Document], window: int) -> list[Example]:
    """Each sentence naming a task as (the task, its window's prose with that sentence's task removed)."""
    out = []
    for d, document in enumerate(documents):
        for i, text in enumerate(document.sentences):
            found = task_of(text)
            if found is None or not is_prose(found[0]):
                continue
            context = sorted(set(pairs._context(document, i, window, pairs.MIN_WORDS)) | {i})
            passage = " ".join(found[1] if j == i else document.sentences[j] for j in context)
            out.append(Example(found[0], passage, d, i, pairs._window(document, i, window), tuple(context)))
    return out


def with_task_rows(share: float):
    """``resolve_recipe`` that adds the task rows of the training documents (``ict`` only)."""
    split, resolve = training.data.heldout_split, training.resolve_recipe
    seen: dict = {}

    def heldout_split(documents, seed):
        seen["training"], heldout = split(documents, seed)
        return seen["training"], heldout

    def resolve_recipe(config, data, note=None, base=None):
        rows, heldout = resolve(config, data, note=note, base=base)
        if config.recipe != "ict" or not share:
            return rows, heldout
        documents = seen["training"]
        tasks = [(*e.row(), documents[e.document].title or "") for e in task_pairs(documents, training.data.ICT_WINDOW)]
        if tasks:
            repeat = max(1, round(share / (1 - share) * len(rows) / len(tasks)))
            rows = list(rows) + tasks * repeat
            print(f"task rows: {len(tasks)} x {repeat}, {len(rows)} rows in all", file=sys.stderr)
        return rows, heldout

    # (heldout_split in the module that calls it, resolve_recipe where train's loop calls it)
    training.data.heldout_split, training.resolve_recipe = heldout_split, resolve_recipe


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    at = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", type=float, default=0.15, help="the task rows' share of all rows (default 0.15)")
    args = parser.parse_args(argv[:at])
    with_task_rows(args.share)
    from simsearch.cli import app

    app(["train", *argv[at + 1 :]])  # exits with train's status


if __name__ == "__main__":
    main()
