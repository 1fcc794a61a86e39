"""HNSW's query-time ``ef`` against exact search: recall, and a query far from every other.

    python benchmarks/bench_hnsw_ef.py --db INDEX.db --questions queries.jsonl --work DIR
    python benchmarks/bench_hnsw_ef.py --db INDEX.db --questions q.jsonl --work DIR --efs 128,256,512 --json out.json

The index is copied into ``--work`` (the original is never written), and ``--planted`` Markdown
files are indexed into the copy with ``simsearch index -m MODEL``: each holds one sentence of
three unusual words among ordinary ones (made-up words, "The vorblen quastrid gelps the
trunmoor.", or unrelated nouns, "The wombat heron feeds the lantern."), and its query is those
three words in another order. Such a query lands where no other vector is, which is
where a graph search can stop in the wrong neighbourhood (a user's trial found one at rank 51
through HNSW and rank 1 exactly). The planted files are added after the rest, as a user's new
notes are: the graph is patched, not rebuilt.

Each query (the ``--questions`` file's ``query`` fields, then the planted ones) is answered by
``VectorIndex._search`` at each ``ef`` (the real path: hnswlib's ``ef`` candidates read back
from the store and scored exactly), and by the peer, numpy exact search over the same vectors.
Printed per ``ef``: recall@k of the exact top k, the share of queries whose top k is the exact
one, the planted sentence's rank 1 share and worst rank, and p50 / p95 ms, with the ratio of
ms to the peer's. Timings on a shared machine are upper bounds; the load average is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simsearch.ann import VectorIndex, cosines  # noqa: E402
from simsearch.search import Searcher  # noqa: E402
from simsearch.store import Store  # noqa: E402

FILLER = ["This page describes the setting in more detail.", "See the section below for an example.",
          "The default value works for most projects."]
NOUNS = ["wombat", "heron", "walrus", "otter", "badger", "falcon", "lobster", "beetle", "mango", "walnut",
         "turnip", "apricot", "violin", "trombone", "banjo", "harp", "anvil", "kettle", "lantern", "saddle",
         "glacier", "canyon", "lagoon", "meadow", "tulip", "cactus", "orchid", "pebble", "velvet", "marble"]
SYLLABLES = ["vor", "blen", "quas", "trid", "gelp", "trun", "moor", "zib", "fen", "drak", "lum", "pix",
             "orm", "snel", "wab", "krit", "yol", "mep", "thar", "ux"]


def made_up_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def plant(folder: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` files under ``folder``, each with one sentence about three things no documentation
    speaks of (made-up words in even files, unrelated nouns in odd ones); (sentence, query) pairs."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for n in range(count):
        words = [made_up_word(rng) for _ in range(3)] if n % 2 == 0 else rng.sample(NOUNS, 3)
        sentence = f"The {words[0]} {words[1]} {rng.choice(['gelps', 'wraps', 'feeds'])} the {words[2]}."
        (folder / f"planted-{n:03d}.md").write_text(f"# Note {n}\n\n{FILLER[0]} {sentence} {FILLER[n % 3]}\n")
        pairs.append((sentence, " ".join(rng.sample(words, 3))))
    return pairs


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL with a `query` field per line")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--planted", type=int, default=50)
    parser.add_argument("--efs", default="128,256,512,1024")
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "index.db"
    planted_dir = args.work / "planted"
    if not db.exists():
        shutil.copyfile(args.db, db)
    pairs = plant(planted_dir, args.planted, args.seed)
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    subprocess.run([sys.executable, "-m", "simsearch", "index", str(planted_dir), "-m", args.model,
                    "--db", str(db)], check=True, env=env, cwd=ROOT)

    store = Store.open(db, create=False)
    searcher = Searcher.open(store, args.model, device="cpu")
    row = searcher.vectors.model
    index = VectorIndex.open(store, row, save=False)
    print(f"{db}: {index.count:,} vectors of {row.name}, searched by {index.method} "
          f"(M {row.hnsw_m}, ef_construction {row.hnsw_ef_construction}, recorded ef {row.hnsw_ef})")

    questions = [json.loads(line)["query"] for line in args.questions.read_text().splitlines() if line.strip()]
    queries = questions + [query for _, query in pairs]
    kinds = ["question"] * len(questions) + ["planted"] * len(pairs)
    planted_ids = []
    for sentence, _ in pairs:
        ids = [r["id"] for r in store.db.query("SELECT id FROM sentences WHERE text = ?", [sentence])]
        planted_ids.append(ids[0] if ids else -1)
    vectors = searcher.embed(queries)
    all_ids, matrix = store.vectors(row)
    matrix = np.ascontiguousarray(matrix)

    k = args.k
    exact_top, peer_ms = [], []
    for vector in vectors:
        started = time.perf_counter()
        scores = cosines(matrix, vector)
        top = np.lexsort((all_ids, -scores))[:k]
        peer_ms.append((time.perf_counter() - started) * 1e3)
        exact_top.append(all_ids[top].tolist())
    peer = percentiles(peer_ms)
    planted_exact_first = sum(top[0] == pid for top, pid in zip(exact_top[len(questions):], planted_ids))
    print(f"{len(questions)} questions, {len(pairs)} planted queries ({planted_exact_first} with the planted "
          f"sentence first by exact search); k {k}; load {os.getloadavg()[0]:.1f}")
    print(f"peer (numpy exact, {len(all_ids):,} vectors): p50 {peer[0]:.2f} ms, p95 {peer[1]:.2f} ms")
    print(f"{'ef':>5} {'recall@k':>9} {'same top k':>11} {'planted #1':>11} {'worst rank':>11} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p50 / peer':>10}")
    results = {"db": str(args.db), "vectors": len(all_ids), "questions": len(questions), "planted": len(pairs),
               "peer_ms": peer, "load": os.getloadavg()[0], "rows": []}
    for ef in [int(e) for e in args.efs.split(",")]:
        recall, same, first, worst, ms = {"question": [], "planted": []}, 0, 0, 0, []
        for n, vector in enumerate(vectors):
            with store.snapshot():
                index.refresh()
                index.model = dataclasses.replace(index.model, hnsw_ef=ef)
                started = time.perf_counter()
                found, _ = index._search(vector, k, None)
                ms.append((time.perf_counter() - started) * 1e3)
            found = found.tolist()
            recall[kinds[n]].append(len(set(found) & set(exact_top[n])) / k)
            same += found == exact_top[n]
            if kinds[n] == "planted":
                pid = planted_ids[n - len(questions)]
                first += bool(found) and found[0] == pid
                if pid not in found:  # rank beyond k: ask deeper, exactly as a user's -k would
                    with store.snapshot():
                        deep, _ = index._search(vector, 200, None)
                    rank = deep.tolist().index(pid) + 1 if pid in deep.tolist() else 201
                else:
                    rank = found.index(pid) + 1
                worst = max(worst, rank)
        p50, p95 = percentiles(ms)
        every = recall["question"] + recall["planted"]
        print(f"{ef:>5} {np.mean(every):>9.4f} {same / len(vectors):>11.3f} {first / len(pairs):>11.3f} "
              f"{worst:>11} {p50:>7.2f} {p95:>7.2f} {p50 / peer[0]:>10.2f}")
        results["rows"].append({"ef": ef, "recall_at_k": float(np.mean(every)),
                                "recall_questions": float(np.mean(recall["question"])),
                                "recall_planted": float(np.mean(recall["planted"])),
                                "same_top_k": same / len(vectors), "planted_first": first / len(pairs),
                                "planted_worst_rank": worst, "ms": [p50, p95], "ms_over_peer": p50 / peer[0]})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
