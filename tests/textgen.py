"""What the reader's property tests share: words, generated prose, a reader, hard wrapping."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from simsearch.extract import extract, sentences_of

WORDS = """time people water number sound place years thing name line house picture animal mother earth
river garden morning evening kitchen window letter question answer music paper school story bridge table
mountain ocean forest market engine signal record summer winter travel follow carry listen bright""".split()
sentence = st.lists(st.sampled_from(WORDS), min_size=3, max_size=8).map(lambda w: " ".join(w).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=3)


def read(name: str, source: str) -> list[tuple[int, str]]:
    """(line, text) of each sentence the indexer stores for a file called ``name`` holding ``source``."""
    return [(s.line, s.text) for s in sentences_of(extract(Path(name), source.encode()))]


def wrap(text: str, width: int, indent: str, first: str | None = None) -> list[str]:
    """``text`` hard-wrapped at ``width`` characters, each line after ``indent`` (the first after ``first``)."""
    lines, current = [], []
    for word in text.split():
        if current and len(" ".join([*current, word])) > width:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    lines.append(" ".join(current))
    return [(first if number == 0 and first is not None else indent) + line for number, line in enumerate(lines)]
