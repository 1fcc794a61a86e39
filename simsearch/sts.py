"""STS evaluation with the SimCSE paper's protocol (its Table 5), and alignment/uniformity.

Protocol: embed both sentences of a pair, score by cosine similarity (no regressor),
Spearman correlation x 100. STS12-16 pool all subsets of a year ("all"; "mean" and
"wmean" are also offered), STS-B and SICK-R use their test splits, and the average is
the plain mean of the seven numbers. Sentences are whitespace-normalised the way
SentEval hands them to SimCSE (``" ".join(s.split())``). Model selection uses the STS-B
dev split only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from .data import read_text
from .errors import SimsearchError
from .segment import source_lines

STS_SUBSETS = {
    "STS12": ["MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews"],
    "STS13": ["FNWN", "headlines", "OnWN"],
    "STS14": ["deft-forum", "deft-news", "headlines", "images", "OnWN", "tweet-news"],
    "STS15": ["answers-forums", "answers-students", "belief", "headlines", "images"],
    "STS16": ["answer-answer", "headlines", "plagiarism", "postediting", "question-question"],
}
TASKS = [*STS_SUBSETS, "STSBenchmark", "SICKRelatedness"]
AGGREGATIONS = ("all", "mean", "wmean")
STSB_SPLITS = {"train": "sts-train.csv", "dev": "sts-dev.csv", "test": "sts-test.csv"}
SICK_SPLITS = {"train": "SICK_train.txt", "dev": "SICK_trial.txt", "test": "SICK_test_annotated.txt"}
DEFAULT_DATA = Path("..") / "shared" / "data"

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Pairs:
    """Scored sentence pairs of one subset or split."""

    name: str
    sent1: list[str]
    sent2: list[str]
    gold: np.ndarray

    def __len__(self) -> int:
        return len(self.gold)


def data_dir(option: str | Path | None = None) -> Path:
    """``--data``, else ``$SIMSEARCH_DATA``, else ``../shared/data``; must hold ``senteval/``."""
    chosen = Path(option or os.environ.get("SIMSEARCH_DATA") or DEFAULT_DATA).expanduser()
    if not (chosen / "senteval").is_dir():
        raise SimsearchError(
            f"no evaluation data at {chosen}: put the SentEval STS/SICK files under {chosen}/senteval "
            "(see README, 'Evaluation data'), or pass --data DIR or set SIMSEARCH_DATA"
        )
    return chosen


def _clean(sentence: str) -> str:
    return " ".join(sentence.split())


def _read_lines(path: Path) -> list[str]:
    """The file's lines, as UTF-8; a leading byte-order mark is not content."""
    # Lines end at \n, \r\n, \r only: a U+2028 or form feed inside a sentence must not put the
    # sentences and their gold scores out of step.
    return source_lines(read_text(path, "a file of the evaluation data", missing="file is missing from the evaluation data"))


def _some_pairs(pairs: Pairs, path: Path, why: str = "") -> Pairs:
    """``pairs``, unless there are none: a file without a pair is refused, as a missing one is
    (a correlation over no pairs, or a task left out of the average, would mislead)."""
    if not len(pairs):
        raise SimsearchError(f"{path}: no pairs were found in this file{why}")
    return pairs


def _score(text: str, path: Path, line: int) -> float:
    try:
        score = float(text)
    except ValueError:
        raise SimsearchError(f"{path}:{line}: gold score {text!r} is not a number") from None
    if not math.isfinite(score):  # nan would make the task's correlation undefined, inf rank above all
        raise SimsearchError(f"{path}:{line}: gold score {text!r} is not a finite number")
    return score


def _tab_rows(path: Path, lines: list[str], *, first: int, columns: int):
    """(line number, fields) of non-empty tab-separated lines with at least ``columns`` fields."""
    for number, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < columns:
            raise SimsearchError(f"{path}:{number}: expected at least {columns} tab-separated columns, found {len(parts)}")
        yield number, parts


def load_sts_subset(folder: Path, subset: str) -> Pairs:
    """One STS12-16 subset; pairs whose gold line is empty are unscored and dropped.
    A subset without a scored pair is refused (as a missing file is)."""
    inputs = folder / f"STS.input.{subset}.txt"
    golds = folder / f"STS.gs.{subset}.txt"
    input_lines, gold_lines = _read_lines(inputs), _read_lines(golds)
    if len(input_lines) != len(gold_lines):
        raise SimsearchError(
            f"{golds}: {len(gold_lines)} gold lines for {len(input_lines)} sentence pairs in {inputs.name}"
        )
    sent1, sent2, gold = [], [], []
    for number, (pair, score) in enumerate(zip(input_lines, gold_lines), start=1):
        if not score.strip():
            continue
        parts = pair.split("\t")
        if len(parts) < 2:
            raise SimsearchError(f"{inputs}:{number}: expected two tab-separated sentences")
        sent1.append(_clean(parts[0]))
        sent2.append(_clean(parts[1]))
        gold.append(_score(score.strip(), golds, number))
    pairs = Pairs(subset, sent1, sent2, np.asarray(gold))
    if not input_lines:
        return _some_pairs(pairs, inputs)
    return _some_pairs(pairs, golds, f" with a gold score (all its {len(gold_lines)} lines are empty: every pair is unscored)")


def load_sts_year(root: Path, task: str) -> list[Pairs]:
    folder = root / "senteval" / "STS" / f"{task}-en-test"
    return [load_sts_subset(folder, subset) for subset in STS_SUBSETS[task]]


def load_stsb(root: Path, split: str) -> Pairs:
    """STS Benchmark: tab-separated, score in column 4, sentences in 5 and 6."""
    path = stsb_file(root, split)
    sent1, sent2, gold = [], [], []
    for number, parts in _tab_rows(path, _read_lines(path), first=1, columns=7):
        gold.append(_score(parts[4], path, number))
        sent1.append(_clean(parts[5]))
        sent2.append(_clean(parts[6]))
    return _some_pairs(Pairs(f"STSBenchmark-{split}", sent1, sent2, np.asarray(gold)), path)


def stsb_file(root: Path, split: str) -> Path:
    """The STS-B file of ``split`` in the evaluation data folder ``root``."""
    return root / "senteval" / "STS" / "STSBenchmark" / STSB_SPLITS[split]


def pairs_sha256(pairs: Pairs) -> str:
    """A fingerprint of the pairs as read (sentences and gold scores, in order): what a score
    computed from them depends on, whatever the file's bytes around them (a byte-order mark, line
    ends, the columns not read)."""
    content = json.dumps([pairs.sent1, pairs.sent2, [float(g) for g in pairs.gold]], ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


def load_sick(root: Path, split: str) -> Pairs:
    """SICK relatedness: a header line, then pair_ID, sentence_A, sentence_B, score, label."""
    path = root / "senteval" / "SICK" / SICK_SPLITS[split]
    lines = _read_lines(path)
    if not any(line.strip() for line in lines):
        raise SimsearchError(f"{path}: no pairs were found in this file")
    if not lines[0].startswith("pair_ID"):
        raise SimsearchError(f"{path}:1: expected the SICK header line starting with 'pair_ID'")
    sent1, sent2, gold = [], [], []
    for number, parts in _tab_rows(path, lines[1:], first=2, columns=4):
        sent1.append(_clean(parts[1]))
        sent2.append(_clean(parts[2]))
        gold.append(_score(parts[3], path, number))
    return _some_pairs(Pairs(f"SICK-{split}", sent1, sent2, np.asarray(gold)), path, " after its header line")


# ``warn(message)``: told when a correlation is undefined (its number is NaN, null in JSON).
Warn = Callable[[str], None]


def _print_warning(message: str) -> None:
    from .progress import print_warning

    print_warning(message)


def spearman100(predicted: np.ndarray, gold: np.ndarray, name: str | None = None, warn: Warn | None = None) -> float:
    """Spearman's correlation x 100. NaN where it is undefined: a column of scores that are all
    the same (every gold score equal; or a model that gives every pair the same similarity,
    as a collapsed one does), or fewer than two pairs. ``warn`` (default: a line on stderr)
    is then told, in one line naming ``name``, instead of scipy's warning with its source line."""
    predicted, gold = np.asarray(predicted), np.asarray(gold)
    why = None
    if len(gold) < 2:
        why = "only one pair" if len(gold) == 1 else "no pairs"
    else:
        for what, column in (("gold scores", gold), ("predicted similarities", predicted)):
            if np.all(column == column[0]):
                why = f"all {len(column)} {what} are the same ({float(column[0]):g})"
                break
    if why is not None:
        (warn or _print_warning)(f"{name or 'STS'}: {why}: Spearman's correlation is undefined "
                                 f"(nan; null with --json), as is any average over it")
        return float("nan")
    return float(spearmanr(predicted, gold).statistic) * 100.0


def aggregate(subsets: Sequence[tuple[np.ndarray, np.ndarray]], how: str, task: str | None = None,
              names: Sequence[str] | None = None, warn: Warn | None = None) -> float:
    """Spearman x 100 over a year's subsets, given (predicted, gold) per subset.

    ``all`` pools every pair, then correlates once; ``mean`` averages per-subset
    correlations; ``wmean`` weights them by subset size (the paper's Table B.3).
    ``task`` and the subsets' ``names`` name them in a warning (``spearman100``).
    """
    names = list(names) if names is not None else [None] * len(subsets)
    if how == "all":
        return spearman100(np.concatenate([p for p, _ in subsets]), np.concatenate([g for _, g in subsets]),
                           task, warn)
    scores = np.array([spearman100(p, g, " ".join(filter(None, (task, name))) or None, warn)
                       for (p, g), name in zip(subsets, names)])
    if how == "mean":
        return float(scores.mean())
    if how == "wmean":
        sizes = np.array([len(g) for _, g in subsets], dtype=float)
        return float((scores * sizes).sum() / sizes.sum())
    raise SimsearchError(f"unknown --aggregate {how!r} (expected one of {', '.join(AGGREGATIONS)})")


def cosine_scores(pairs: Pairs, cache: dict[str, np.ndarray]) -> np.ndarray:
    """Each pair's cosine, as SentEval computes it: u.v / sqrt(u.u v.v), in float64. A pair of one
    sentence twice (STS12's SMTeuroparl has 65) scores exactly 1, a tie, where unit vectors
    multiplied gave 1 +- a few ulp, and a rank order drawn from rounding. A zero vector scores 0."""
    a = np.stack([cache[s] for s in pairs.sent1]).astype(np.float64)
    b = np.stack([cache[s] for s in pairs.sent2]).astype(np.float64)
    ab, aa, bb = ((x * y).sum(axis=1) for x, y in ((a, b), (a, a), (b, b)))
    return ab / np.sqrt(aa * bb).clip(min=1e-300)


def _embed_all(embed: Embed, pair_sets: Sequence[Pairs]) -> dict[str, np.ndarray]:
    """Encode every distinct sentence of all pair sets in one call (one sort, one pass)."""
    sentences = list(dict.fromkeys(s for p in pair_sets for s in (*p.sent1, *p.sent2)))
    return dict(zip(sentences, embed(sentences)))


def evaluate_sts(embed: Embed, root: Path, *, aggregate_by: str = "all", split: str = "test",
                 precision: str | None = None, warn: Warn | None = None) -> dict:
    """The paper's Table 5 row for one model, or the STS-B dev score when ``split='dev'``.

    ``embed`` maps a list of sentences to an array of embeddings (``Encoder.encode``);
    ``precision``, the precision it encodes at (``Encoder.precision``), is recorded in the
    protocol when given: the paper's numbers are fp32, the others are measured against them.
    A correlation that is undefined is NaN, and ``warn`` (default: a line on stderr) says why.
    """
    if aggregate_by not in AGGREGATIONS:
        raise SimsearchError(f"unknown --aggregate {aggregate_by!r} (expected one of {', '.join(AGGREGATIONS)})")
    if split == "dev":
        return {"STSBenchmark": stsb_dev_score(embed, load_stsb(root, "dev"), warn),
                "protocol": protocol(aggregate_by, split, precision)}
    if split != "test":
        raise SimsearchError(f"unknown --split {split!r} (expected test or dev)")
    years = {task: load_sts_year(root, task) for task in STS_SUBSETS}
    stsb, sick = load_stsb(root, "test"), load_sick(root, "test")
    cache = _embed_all(embed, [*(p for subsets in years.values() for p in subsets), stsb, sick])
    result: dict = {}
    for task, subsets in years.items():
        result[task] = aggregate([(cosine_scores(p, cache), p.gold) for p in subsets], aggregate_by, task,
                                 [p.name for p in subsets], warn)
    result["STSBenchmark"] = spearman100(cosine_scores(stsb, cache), stsb.gold, stsb.name, warn)
    result["SICKRelatedness"] = spearman100(cosine_scores(sick, cache), sick.gold, sick.name, warn)
    result["avg"] = float(np.mean([result[task] for task in TASKS]))
    result["protocol"] = protocol(aggregate_by, split, precision)
    return result


def stsb_dev_score(embed: Embed, dev: Pairs, warn: Warn | None = None) -> float:
    """STS-B dev's Spearman x 100 for ``embed``, on pairs read once (``load_stsb(root, "dev")``):
    ``train`` scores every evaluation on the pairs it read and fingerprinted at its start."""
    cache = _embed_all(embed, [dev])
    return spearman100(cosine_scores(dev, cache), dev.gold, dev.name, warn)


def protocol(aggregate_by: str, split: str, precision: str | None = None) -> dict:
    return {
        "similarity": "cosine",
        "metric": "spearman x 100",
        "sts12_16_aggregation": aggregate_by,
        "stsb_split": split,
        "sickr_split": "test" if split == "test" else None,
        **({"precision": precision} if precision is not None else {}),
        "reference": "Gao et al. 2021, SimCSE, Table 5",
    }


def alignment_uniformity(embed: Embed, root: Path, *, split: str = "all", threshold: float = 4.0) -> dict:
    """Wang & Isola (2020) alignment and uniformity, as the SimCSE paper measures them.

    Positive pairs are STS-B pairs with gold score > ``threshold``; uniformity uses every
    distinct STS-B sentence. Embeddings are L2-normalised. Lower is better for both.
    """
    splits = list(STSB_SPLITS) if split == "all" else [split]
    if any(s not in STSB_SPLITS for s in splits):
        raise SimsearchError(f"unknown --split {split!r} (expected all, train, dev or test)")
    pair_sets = [load_stsb(root, s) for s in splits]
    positives = [(a, b) for p in pair_sets for a, b, g in zip(p.sent1, p.sent2, p.gold) if g > threshold]
    files = f"{', '.join(STSB_SPLITS[s] for s in splits)} of {root / 'senteval' / 'STS' / 'STSBenchmark'}"
    if not positives:  # checked before anything is encoded
        raise SimsearchError(f"no positive pairs for alignment: no pair scores above {threshold:g} in {files}")
    if len({s for p in pair_sets for s in (*p.sent1, *p.sent2)}) < 2:
        raise SimsearchError(f"uniformity needs at least two distinct sentences; found one in {files}")
    cache = _embed_all(embed, pair_sets)
    x = _normalised(np.stack([cache[a] for a, _ in positives]))
    y = _normalised(np.stack([cache[b] for _, b in positives]))
    return {
        "alignment": alignment(x, y),
        "uniformity": uniformity(_normalised(np.stack(list(cache.values())))),
        "positive_pairs": len(positives),
        "sentences": len(cache),
        "split": split,
    }


def _normalised(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True).clip(min=1e-12)


def alignment(x: np.ndarray, y: np.ndarray, alpha: float = 2.0) -> float:
    """E ||f(x) - f(y)||^alpha over positive pairs (normalised embeddings)."""
    return float((np.linalg.norm(x - y, axis=1) ** alpha).mean())


def uniformity(x: np.ndarray, t: float = 2.0, chunk: int = 2048) -> float:
    """log E exp(-t ||f(x) - f(y)||^2) over all pairs of distinct rows (normalised embeddings).

    Summed over the full n x n kernel in row chunks (memory O(chunk x n)), minus the
    diagonal, halved. For unit vectors every term lies in [exp(-4t), 1]: no overflow, no
    log-sum-exp shift needed.
    """
    n = len(x)
    if n < 2:
        raise SimsearchError("uniformity needs at least two sentences")
    x = x.astype(np.float32)  # float32 kernel, float64 sums: ~1e-7 relative, twice the speed
    total = 0.0
    for start in range(0, n, chunk):
        sq = np.clip(2.0 - 2.0 * (x[start : start + chunk] @ x.T), 0.0, None)  # ||a-b||^2 for unit vectors
        total += float(np.exp(-t * sq).sum(dtype=np.float64))
    diagonal = float(np.exp(-t * np.clip(2.0 - 2.0 * np.einsum("ij,ij->i", x, x), 0.0, None)).sum(dtype=np.float64))
    return float(np.log((total - diagonal) / 2 / (n * (n - 1) / 2)))
