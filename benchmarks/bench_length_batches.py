"""Batches of one token length (today's encoder) against padded length-sorted batches (before).

The encoder cuts its batches so that every sentence of a batch has the same token length: no
padding, so under bf16 a sentence gets the vector it has alone (``tests/test_encoder.py`` checks
that). This measures what that costs, in one process, alternating the two ways three times each
over the same sentences (the distinct sentences of a real corpus, by default the django-docs
benchmark's, else pytest-docs'), and prints for each precision:

  - wall seconds of each way (best of three) and their ratio;
  - how far the vectors of each way are from the same sentences encoded one at a time (a sample),
    the largest coordinate difference.

Usage: python benchmarks/bench_length_batches.py [--corpus DIR] [--limit 4000] [--precisions fp32,bf16]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

import simsearch.encoder as encoder_module
from simsearch.encoder import Encoder
from simsearch.precision import cpu_features

sys.path.insert(0, str(Path(__file__).parent))
from bench_precision import corpus_sentences  # the same reading of a corpus

BENCH = Path("~/.cache/simsearch-bench").expanduser()


def padded_batches(order, lengths, size):
    """What the encoder did before: the length-sorted order cut every ``size`` sentences."""
    for first in range(0, len(order), size):
        yield list(order[first : first + size])


def timed(encoder: Encoder, sentences: list[str], batches) -> tuple[float, np.ndarray]:
    encoder_module.length_batches = batches
    start = time.perf_counter()
    vectors = encoder.encode(sentences, progress=False)
    return time.perf_counter() - start, vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next((BENCH / name / "corpus" for name in ("django-docs", "pytest-docs")
                    if (BENCH / name / "corpus").is_dir()), None)
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--limit", type=int, default=4000, help="sentences to encode (default 4000)")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--sample", type=int, default=200, help="sentences also encoded one at a time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.corpus is None or not args.corpus.is_dir():
        print("error: no corpus (python benchmarks/build_benchmarks.py, or --corpus DIR)", file=sys.stderr)
        return 2
    sentences = corpus_sentences(args.corpus)
    random.Random(0).shuffle(sentences)
    sentences = sentences[: args.limit]
    today = encoder_module.length_batches
    rows = []
    for precision in args.precisions.split(","):
        encoder = Encoder.load("minilm", device="cpu", precision=precision)
        times = {"length": [], "padded": []}
        vectors = {}
        for _ in range(3):
            for name, batches in (("length", today), ("padded", padded_batches)):
                seconds, vectors[name] = timed(encoder, sentences, batches)
                times[name].append(seconds)
        encoder_module.length_batches = today
        sample = random.Random(1).sample(range(len(sentences)), min(args.sample, len(sentences)))
        alone = np.concatenate([encoder.encode([sentences[i]]) for i in sample])
        row = {"precision": precision, "sentences": len(sentences),
               "length_s": min(times["length"]), "padded_s": min(times["padded"]),
               "length_vs_alone": float(np.abs(vectors["length"][sample] - alone).max()),
               "padded_vs_alone": float(np.abs(vectors["padded"][sample] - alone).max())}
        row["ratio"] = row["length_s"] / row["padded_s"]
        rows.append(row)
    result = {"corpus": str(args.corpus), "threads": torch.get_num_threads(), "cpu": cpu_features(), "rows": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    flags = [name for name, present in result["cpu"].items() if present is True]
    print(f"corpus {args.corpus}, {torch.get_num_threads()} threads, CPU: {' '.join(flags)}")
    print("precision  sentences  one-length s  padded s  ratio  max |v - alone| one-length / padded")
    for row in rows:
        print(f"{row['precision']:>9}  {row['sentences']:>9}  {row['length_s']:>12.1f}  {row['padded_s']:>8.1f}  "
              f"{row['ratio']:>5.2f}  {row['length_vs_alone']:.1e} / {row['padded_vs_alone']:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
