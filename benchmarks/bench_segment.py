"""Sentence segmenters side by side: the English golden rules and our fixtures.

1. The 48 English "golden rules" of the Pragmatic Segmenter, as pySBD ships them in its
   repository (``benchmarks/english_golden_rules.py``; not in its sdist or wheel: a copy with
   its MIT license is in ``tests/fixtures/golden_rules/``; read with ``ast.literal_eval``, never executed).
   Score: exact match of the whole list of sentences, per rule.
2. The fixtures in ``tests/fixtures/segment`` (one-per-line files, lowercase prose,
   wrapped prose, reStructuredText, Markdown), each with a gold ``line<TAB>sentence`` list.
   Scores: boundary F1 (a boundary is the last word of a sentence; predicted words are
   aligned to the gold words with difflib, so markup a segmenter leaves in costs precision)
   and exact-sentence F1. Libraries are measured twice: on the raw file text, and plugged
   into our extractor in place of our rules (markup removed and each plain-text file's
   shape decided by simsearch, ``segment.line_shape``: the library splits inside paragraphs
   and paragraph-per-line lines; a file of one sentence per line is not split by anyone, so
   there every column "in ours" scores 1.000).

Libraries are optional; install them in a separate environment to compare:

    python -m venv /tmp/segvenv && /tmp/segvenv/bin/pip install -e . pysbd syntok
    git clone https://github.com/nipunsadvilkar/pySBD   # for benchmarks/english_golden_rules.py
    /tmp/segvenv/bin/python benchmarks/bench_segment.py --golden pySBD/benchmarks/english_golden_rules.py
"""

from __future__ import annotations

import argparse
import ast
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from simsearch.extract import extract, sentences_of  # noqa: E402
from simsearch.segment import split_sentences  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "segment"
DEFAULT_GOLDEN = REPO / "tests" / "fixtures" / "golden_rules" / "english_golden_rules.py"  # pySBD's, MIT

# A segmenter: text -> list of (start, end) spans; a block splitter adapts one to simsearch.
Spans = Callable[[str], list[tuple[int, int]]]


def golden_rules(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "GOLDEN_EN_RULES":
            return ast.literal_eval(node.value)
    raise SystemExit(f"{path}: no GOLDEN_EN_RULES list")


def ours(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(text)]


def segmenters() -> dict[str, Spans]:
    found: dict[str, Spans] = {"simsearch": ours}
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        found[f"pysbd {pysbd.__version__}"] = lambda text: [(s.start, s.end) for s in segmenter.segment(text)]
    except ImportError:
        print("pysbd is not installed: not compared")
    try:
        from importlib.metadata import version

        from syntok import segmenter as syntok

        def syntok_spans(text: str) -> list[tuple[int, int]]:
            spans = []
            for paragraph in syntok.analyze(text):
                for sentence in paragraph:
                    start = sentence[0].offset
                    end = sentence[-1].offset + len(sentence[-1].value)
                    spans.append((start, end))
            return spans

        found[f"syntok {version('syntok')}"] = syntok_spans
    except ImportError:
        print("syntok is not installed: not compared")
    return found


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    out = [" ".join(text[a:b].split()) for a, b in spans]
    return [t for t in out if t]


def as_block_splitter(spans: Spans):
    def split(text: str, start: int, end: int, uncased: bool) -> list[int]:
        return [start + b for _, b in spans(text[start:end])][:-1]
    return split


def boundary_scores(predicted: list[str], gold: list[str]) -> tuple[float, float, float, int]:
    """(boundary precision, recall, F1, exact-sentence matches)."""
    def words(sentences):
        tokens, ends = [], set()
        for sentence in sentences:
            tokens.extend(sentence.split())
            ends.add(len(tokens) - 1)
        return tokens, ends

    p_tokens, p_ends = words(predicted)
    g_tokens, g_ends = words(gold)
    mapping = {}
    for block in difflib.SequenceMatcher(None, p_tokens, g_tokens, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    hits = sum(1 for e in p_ends if mapping.get(e) in g_ends)
    precision = hits / len(p_ends) if p_ends else 0.0
    recall = hits / len(g_ends) if g_ends else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    remaining = list(gold)
    exact = 0
    for sentence in predicted:
        if sentence in remaining:
            remaining.remove(sentence)
            exact += 1
    return precision, recall, f1, exact


def fixtures() -> list[tuple[Path, list[str]]]:
    out = []
    for gold in sorted(FIXTURES.glob("*.gold")):
        sentences = [line.split("\t", 1)[1] for line in gold.read_text(encoding="utf-8").splitlines() if line]
        out.append((gold.with_suffix(""), sentences))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=Path, default=DEFAULT_GOLDEN, help="pySBD's english_golden_rules.py")
    parser.add_argument("--verbose", action="store_true", help="print every failed rule")
    args = parser.parse_args()
    found = segmenters()
    names = list(found)

    if args.golden.is_file():
        rules = golden_rules(args.golden)
        print(f"\nGolden rules ({len(rules)}, exact match per rule) from {args.golden}")
        passed = {name: [] for name in names}
        for number, (text, expected) in enumerate(rules, start=1):
            for name in names:
                got = texts(text, found[name](text))
                passed[name].append(got == expected)
                if got != expected and args.verbose:
                    print(f"  {name} rule {number}: {got}")
        for name in names:
            failed = [str(i) for i, ok in enumerate(passed[name], start=1) if not ok]
            print(f"  {name:14} {sum(passed[name]):2}/{len(rules)} = {sum(passed[name]) / len(rules):.3f}"
                  f"   failed: {', '.join(failed) or 'none'}")
    else:
        print(f"no golden rules at {args.golden} (see --help): skipped")

    print("\nFixtures (tests/fixtures/segment): boundary F1 / exact-sentence F1")
    header = "  " + f"{'file':24}" + "".join(f"{name + ' ' + mode:>26}" for name in names
                                              for mode in (("",) if name == "simsearch" else ("raw", "in ours")))
    print(header)
    totals: dict[str, list[float]] = {}
    for path, gold in fixtures():
        row = f"  {path.name:24}"
        raw_text = extract(path, path.read_bytes())
        for name in names:
            modes = [("", None)] if name == "simsearch" else [("raw", "raw"), ("in ours", "ours")]
            for label, mode in modes:
                if mode == "raw":
                    source = path.read_text(encoding="utf-8")
                    predicted = texts(source, found[name](source))
                else:
                    splitter = None if mode is None else as_block_splitter(found[name])
                    predicted = [s.text for s in sentences_of(raw_text, splitter=splitter)]
                _, _, f1, exact = boundary_scores(predicted, gold)
                exact_f1 = 2 * exact / (len(predicted) + len(gold)) if predicted or gold else 1.0
                key = " ".join(filter(None, (name, label)))
                totals.setdefault(key, []).append(f1)
                totals.setdefault(key + " exact", []).append(exact_f1)
                row += f"{f'{f1:.3f} / {exact_f1:.3f}':>26}"
        print(row)
    row = f"  {'mean':24}"
    for name in names:
        for label in (("",) if name == "simsearch" else ("raw", "in ours")):
            key = " ".join(filter(None, (name, label)))
            f1s, exacts = totals[key], totals[key + " exact"]
            row += f"{f'{sum(f1s) / len(f1s):.3f} / {sum(exacts) / len(exacts):.3f}':>26}"
    print(row)


if __name__ == "__main__":
    main()
