"""simsearch: semantic search over your own documents with SimCSE sentence embeddings."""

import os

__version__ = "0.1.0"

# How many times an idle thread of torch's CPU pool (GNU OpenMP) spins before it sleeps, where the
# user set neither this nor OMP_WAIT_POLICY; read once, when torch loads, so set before any import
# of it. libgomp's 300,000 made every thread hold its core between parallel regions: beside another
# torch process on a 2-core CPU, indexing one file took 89 s instead of 15 s; on a quiet CPU 10,000
# is as fast as 300,000 (`benchmarks/bench_busy_cpu.py`, docs/speed.md).
SPINCOUNT = 10_000
if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = str(SPINCOUNT)
