"""Check an hnswlib build: what it was compiled for, and whether its index files load in another build.

    python benchmarks/check_hnswlib.py info
        Which distribution provides the ``hnswlib`` module, its file, and the instruction
        sets its machine code uses (``objdump -d``: counts of xmm/ymm/zmm registers,
        cpuid). A wheel built for the x86-64 baseline has no ymm/zmm instructions, so it
        runs on any x86-64 CPU; ``-march=native`` on a recent CPU leaves AVX/AVX-512 ones,
        which die with "Illegal instruction" on an older CPU.
    python benchmarks/check_hnswlib.py write DIR
        Build a cosine index (2,000 vectors, dim 32, sparse ids, 10% deleted), save it to
        DIR with the vectors, ids and deleted ids it was built from.
    python benchmarks/check_hnswlib.py read DIR
        Load DIR's index with this interpreter's hnswlib and compare 50 queries (with and
        without a filter) against brute force; prints "loads: ..." or the load error.
    python benchmarks/check_hnswlib.py threads DB [MODEL_ID]
        Build an HNSW graph over an index's vectors (simsearch's M and ef_construction, in
        ``ann.ADD_CHUNK`` slices as ``ann`` adds them) twice with one thread and twice with two,
        then also over the vectors eight times (each copy jittered); prints each build's time
        and how many of the queries (every seventh vector, nudged) get other top-10 ids from
        the two builds of one kind: why ``ann`` inserts with one thread.

Run ``write`` under one build and ``read`` under another to see whether their files are
interchangeable (hnswlib 0.8.0 and chroma-hnswlib 0.7.6 are not: Chroma's fork also
stores the vector norms; either build refuses the other's file with RuntimeError, which
``simsearch.ann`` treats as a damaged file and rebuilds from the database).
"""

from __future__ import annotations

import collections
import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np


def provider() -> str:
    names = importlib.metadata.packages_distributions().get("hnswlib", [])
    versions = sorted({f"{name} {importlib.metadata.version(name)}" for name in names})
    return ", ".join(versions) or "unknown"


def info() -> None:
    import hnswlib

    so = Path(hnswlib.__file__)
    print(f"module hnswlib from {provider()}: {so}")
    if not shutil.which("objdump"):
        print("objdump not found: install binutils to count instructions")
        return
    counts: collections.Counter[str] = collections.Counter()
    asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(so)], capture_output=True,
                         text=True, check=True).stdout
    for line in asm.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        insn = parts[-1]
        for reg in ("xmm", "ymm", "zmm"):
            if f"%{reg}" in insn:
                counts[reg] += 1
        mnemonic = insn.split(" ", 1)[0]
        if mnemonic in ("cpuid", "xgetbv"):
            counts[mnemonic] += 1
        if re.match(r"v[a-z]", mnemonic):
            counts["vex/evex-encoded (AVX+)"] += 1
    for key in ("xmm", "ymm", "zmm", "vex/evex-encoded (AVX+)", "cpuid", "xgetbv"):
        print(f"{key:>24}: {counts[key]}")


def write(folder: Path) -> None:
    import hnswlib

    rng = np.random.default_rng(0)
    n, dim = 2000, 32
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    ids = rng.choice(10**12, size=n, replace=False).astype(np.int64)
    dead = ids[rng.random(n) < 0.1]
    index = hnswlib.Index(space="cosine", dim=dim)
    index.init_index(max_elements=n, M=16, ef_construction=200)
    index.add_items(vectors, ids)
    for label in dead:
        index.mark_deleted(int(label))
    folder.mkdir(parents=True, exist_ok=True)
    index.save_index(str(folder / "index.hnsw"))
    np.save(folder / "vectors.npy", vectors)
    np.save(folder / "ids.npy", ids)
    np.save(folder / "dead.npy", dead)
    (folder / "writer.txt").write_text(provider() + "\n")
    print(f"wrote {folder / 'index.hnsw'} with {provider()}")


def read(folder: Path) -> int:
    import hnswlib

    vectors, ids, dead = (np.load(folder / f"{name}.npy") for name in ("vectors", "ids", "dead"))
    writer = (folder / "writer.txt").read_text().strip()
    index = hnswlib.Index(space="cosine", dim=vectors.shape[1])
    try:
        index.load_index(str(folder / "index.hnsw"))
    except RuntimeError as exc:
        print(f"refuses a file written by {writer} (reader {provider()}): RuntimeError: {exc}")
        return 1
    index.set_ef(len(ids))
    normed = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    live = ~np.isin(ids, dead)
    rng = np.random.default_rng(1)
    allowed = set(ids[live & (rng.random(len(ids)) < 0.5)].tolist())
    pos = {int(v): i for i, v in enumerate(ids)}
    wrong = 0
    for q in rng.normal(size=(50, vectors.shape[1])).astype(np.float32):
        truth = 1.0 - normed @ (q / np.linalg.norm(q))
        for keep in (None, allowed):
            mask = live if keep is None else live & np.isin(ids, list(keep))
            labels, dist = index.knn_query(q, k=10, filter=None if keep is None else keep.__contains__)
            expected = np.sort(truth[mask])[:10]
            got = truth[[pos[int(label)] for label in labels[0]]]
            if not (np.allclose(got, dist[0], atol=1e-5) and np.allclose(np.sort(got), expected, atol=1e-5)):
                wrong += 1
    print(f"loads a file written by {writer} (reader {provider()}): {wrong} of 100 queries differ from brute force")
    return 1 if wrong else 0


def threads(db: Path, model_id: int = 1) -> None:
    import sqlite3
    import time

    import hnswlib

    from simsearch import ann
    from simsearch.store import HNSW_DEFAULTS

    rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "SELECT embedding FROM vectors WHERE model_id = ? ORDER BY sentence_id", (model_id,))
    vectors = np.stack([np.frombuffer(blob, dtype="<f4") for (blob,) in rows])
    rng = np.random.default_rng(0)
    larger = np.concatenate([vectors] + [vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
                                         for _ in range(7)])
    for data in (vectors, larger):
        queries = data[::7] + 0.01
        found = {}
        for count in (1, 2):
            for attempt in (1, 2):
                hnsw = hnswlib.Index(space="cosine", dim=data.shape[1])
                hnsw.init_index(max_elements=len(data), M=HNSW_DEFAULTS["hnsw_m"],
                                ef_construction=HNSW_DEFAULTS["hnsw_ef_construction"])
                start = time.perf_counter()
                for at in range(0, len(data), ann.ADD_CHUNK):
                    hnsw.add_items(data[at:at + ann.ADD_CHUNK], np.arange(at, min(at + ann.ADD_CHUNK, len(data))),
                                   num_threads=count)
                took = time.perf_counter() - start
                hnsw.set_ef(HNSW_DEFAULTS["hnsw_ef"])
                found[(count, attempt)] = hnsw.knn_query(queries, k=10, num_threads=1)[0]
                print(f"{len(data):,} vectors, {count} thread(s), build {attempt}: {took:.2f} s", flush=True)
            differ = int((found[(count, 1)] != found[(count, 2)]).any(axis=1).sum())
            print(f"  {count} thread(s): {differ} of {len(queries):,} queries answered otherwise by the two builds")


def main(argv: list[str]) -> int:
    if argv[:1] == ["threads"] and len(argv) in (2, 3):
        threads(Path(argv[1]), int(argv[2]) if len(argv) == 3 else 1)
        return 0
    if argv[:1] == ["info"]:
        info()
        return 0
    if len(argv) == 2 and argv[0] in ("write", "read"):
        if argv[0] == "write":
            write(Path(argv[1]))
            return 0
        return read(Path(argv[1]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
