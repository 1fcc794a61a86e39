"""A lexical residual in the ``ict`` loss, tried for issue 13 (session 51).

The idea (CLEAR: Gao, Dai, Chen, Fan, Van Durme & Callan 2021, "Complement Lexical Retrieval
Model with Semantic Residual Embeddings"): hybrid search, the default, already has BM25, so the
dense side should learn what the lexical side gets wrong rather than repeat what it finds. Within
the paper's loss (InfoNCE over in-batch negatives, tau): each logit ``cos(a_i, p_j) / tau`` gets
``BETA * bm25(a_i, p_j) / max_k bm25(a_i, p_k)`` added, BM25 scored with the index's own FTS5
tokenizer (``store.fts_tokens``: folded, stemmed), its IDF over the training passages, k1 1.2 and
b 0.75 as FTS5's ``bm25()``, each anchor's distinct tokens as the query (as hybrid search's OR
query counts a word once). A row whose passage BM25 already ranks first in the batch has a
peaked softmax and teaches little; a row where BM25 prefers another row's passage makes the dense
side outweigh it. The model saved is the dense model alone: search fuses it with BM25 as always.

Everything else is ``simsearch train`` as a user runs it (data, split, held-out check, steps)::

    python benchmarks/try_lexical_residual.py train --unsup CORPUS --out MODEL
    SIMSEARCH_TRY_RESIDUAL=8 python benchmarks/try_lexical_residual.py train ...

and through the benchmark, beside the base of the same run::

    python benchmarks/bench_adaptation.py --bench django-docs --variant benchmarks/try_lexical_residual.py

Measured in docs/adaptation.md ("Session 51: a lexical residual in the loss").
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter

import torch
import torch.nn.functional as F

from simsearch import train as training
from simsearch.cli import main
from simsearch.loss import simcse_logits
from simsearch.store import fts_tokens

BETA = float(os.environ.get("SIMSEARCH_TRY_RESIDUAL", "4"))
K1, B = 1.2, 0.75


class Lexical:
    """BM25 of each row's anchor against each row's passage, for the rows of one batch."""

    def __init__(self, rows: list[tuple[str, ...]]):
        words = sorted({w for row in rows for text in row[:2] for w in text.replace("\x00", " ").split()})
        tokens = dict(zip(words, fts_tokens(words)))

        def terms(text: str) -> list[str]:
            return [t for w in text.replace("\x00", " ").split() for t in tokens[w]]

        self.queries = [sorted(set(terms(row[0]))) for row in rows]
        self.passages = [Counter(terms(row[1])) for row in rows]
        self.lengths = [sum(c.values()) for c in self.passages]
        self.average = sum(self.lengths) / len(self.lengths)
        frequency = Counter(t for c in self.passages for t in c)
        n = len(self.passages)
        self.idf = {t: max(math.log((n - f + 0.5) / (f + 0.5)), 1e-6) for t, f in frequency.items()}

    def score(self, query: int, passage: int) -> float:
        counts, norm = self.passages[passage], K1 * (1 - B + B * self.lengths[passage] / self.average)
        total = 0.0
        for t in self.queries[query]:
            tf = counts.get(t)
            if tf:
                total += self.idf[t] * tf * (K1 + 1) / (tf + norm)
        return total

    def bias(self, rows) -> torch.Tensor:
        """(rows, rows): each anchor's BM25 over the batch's passages, its best passage 1."""
        scores = torch.tensor([[self.score(int(i), int(j)) for j in rows] for i in rows], dtype=torch.float32)
        best = scores.max(dim=1, keepdim=True).values
        return torch.where(best > 0, scores / best.clamp_min(1e-12), torch.zeros_like(scores))


_LEXICAL: dict[int, Lexical] = {}
_original = training._batch_loss


def residual_loss(run, rows, local):
    if run.teacher is not None or run.name_weights is None or run.world > 1:
        print("try_lexical_residual: only for ict on one process without --distill; training as the CLI does",
              file=sys.stderr)
        return _original(run, rows, local)
    lexical = _LEXICAL.get(id(run))
    if lexical is None:
        lexical = _LEXICAL[id(run)] = Lexical(run.split.training)
        print(f"try_lexical_residual: beta {BETA}, BM25 over {len(run.split.training):,} passages", file=sys.stderr)
    anchors, positives = local[0], local[1]
    logits = simcse_logits(anchors, positives, None, temp=run.config.temp)
    logits = logits + BETA * lexical.bias(rows).to(logits.device, logits.dtype)
    return F.cross_entropy(logits, torch.arange(len(anchors), device=logits.device))


if __name__ == "__main__":
    training._batch_loss = residual_loss
    main(sys.argv[1:])
