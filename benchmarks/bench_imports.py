"""What a fresh process pays before it answers: loading a model, or a whole `simsearch search`.

  python benchmarks/bench_imports.py --runs 7
  python benchmarks/bench_imports.py --runs 7 --baseline OLD_TREE
  python benchmarks/bench_imports.py --runs 7 --baseline OLD_TREE --search INDEX.db "a query"

transformers imports, with every model class, scikit-learn where it is installed (for a threshold of
assisted decoding) and ``scipy.optimize`` (for its object-detection losses, SciPy being a
dependency of simsearch); ``simsearch.lean_imports`` leaves both out. Each run is a fresh Python
process, and the ways alternate, so that the machine's load falls on all alike:

- peer: transformers as it imports itself (``AutoTokenizer`` / ``AutoModel.from_pretrained``);
- baseline (with ``--baseline DIR``, a checkout of an older simsearch, e.g. ``git archive main |
  tar -x -C DIR``): that tree's ``simsearch.encoder.load_transformer``;
- simsearch: this tree's ``load_transformer``, the same calls after the lean imports.

Each way then runs the embedded model (minilm) on one query, and the script checks that every way's
last hidden state is the same bytes (the imports change the time, never the vector).

With ``--search DB QUERY`` it times the whole command a user types, ``python -m simsearch search
QUERY --db DB``, baseline and this tree alternating (wall time of the process, as a shell sees
it), and checks that both print the same ``--json``.

Prints each way's median and fastest wall time, its median CPU time (user + system, the process's
own: steadier than wall time on a shared machine) and the ratios, with the load average (on a
shared machine the wall times are upper bounds). For the load, the wall time is from the process's
first import to the weights loaded; the CPU time is the whole process's, the query's forward included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# argv: model folder, query. Prints: seconds to load, the modules left out, sha256 of the states.
TAIL = ("print(time.perf_counter() - t, ','.join(m for m in ('sklearn', 'scipy') if m in sys.modules) or '-'); "
        "import hashlib, torch\n"
        "with torch.inference_mode(): s = model(**tokenizer([sys.argv[2]], return_tensors='pt')).last_hidden_state\n"
        "print(hashlib.sha256(s.numpy().tobytes()).hexdigest())")
PEER = ("import sys, time; t = time.perf_counter(); from transformers import AutoModel, AutoTokenizer; "
        "tokenizer = AutoTokenizer.from_pretrained(sys.argv[1]); model = AutoModel.from_pretrained(sys.argv[1]); " + TAIL)
OURS = ("import sys, time; t = time.perf_counter(); from simsearch.encoder import load_transformer; "
        "tokenizer, model = load_transformer(sys.argv[1]); " + TAIL)


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: a child's own, taken before
    and after it runs, counts its work whatever else the machine runs (wall time does not)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def environment(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "TOKENIZERS_PARALLELISM": "false"}


def load_once(code: str, tree: Path, model: str, query: str) -> tuple[float, float, str, str]:
    cpu = children_cpu()
    done = subprocess.run([sys.executable, "-c", code, model, query], capture_output=True, text=True, check=True,
                          env=environment(tree))
    first, digest = done.stdout.splitlines()[-2:]
    seconds, imported = first.split()
    return float(seconds), children_cpu() - cpu, imported, digest


def search_once(tree: Path, db: str, query: str, *extra: str) -> tuple[float, float, str]:
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "simsearch", "search", query, "--db", db, *extra], capture_output=True,
                          text=True, env=environment(tree), cwd=tree)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"simsearch search in {tree} failed: {done.stderr.strip()}")
    return seconds, children_cpu() - cpu, done.stdout


def summary(times: dict[str, list[float]], cpus: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {way: {"median_s": round(statistics.median(t), 3), "fastest_s": round(min(t), 3),
                  "cpu_median_s": round(statistics.median(cpus[way]), 3)} for way, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes of each way (default 7)")
    parser.add_argument("--baseline", type=Path, help="a checkout of an older simsearch to compare with")
    parser.add_argument("--search", nargs=2, metavar=("DB", "QUERY"), help="time `simsearch search QUERY --db DB`")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    baseline = args.baseline.resolve() if args.baseline else None
    if args.search and baseline is None:
        parser.error("--search compares with a --baseline tree")
    if args.search:
        db, query = str(Path(args.search[0]).resolve()), args.search[1]
        ways = {"baseline": lambda: search_once(baseline, db, query), "simsearch": lambda: search_once(ROOT, db, query)}
    else:
        from simsearch.models import resolve_model

        model, query = resolve_model("minilm").path, "How do I compare two version numbers?"
        ways = {"peer": lambda: load_once(PEER, ROOT, str(model), query)}
        if baseline is not None:
            ways["baseline"] = lambda: load_once(OURS, baseline, str(model), query)
        ways["simsearch"] = lambda: load_once(OURS, ROOT, str(model), query)
    times: dict[str, list[float]] = {way: [] for way in ways}
    cpus: dict[str, list[float]] = {way: [] for way in ways}
    seen: dict[str, set[str]] = {way: set() for way in ways}
    digests: set[str] = set()
    for way in ways.values():  # (the files in the page cache for every way)
        way()
    for _ in range(args.runs):
        for way, run in ways.items():
            seconds, cpu, *rest = run()
            times[way].append(seconds)
            cpus[way].append(cpu)
            if not args.search:
                seen[way].add(rest[0])
                digests.add(rest[1])
    load = os.getloadavg()
    if args.search:  # both trees print the same hits
        outputs = {way: search_once(tree, db, query, "--json")[2] for way, tree in (("baseline", baseline), ("simsearch", ROOT))}
        if outputs["baseline"] != outputs["simsearch"]:
            sys.exit("the two trees' `search --json` differ")
    elif len(digests) != 1:
        sys.exit(f"the ways' hidden states differ: {sorted(digests)}")
    result: dict = summary(times, cpus)
    last = list(ways)[-1]
    result["ratios_median"] = {f"{way}/{last}": round(result[way]["median_s"] / result[last]["median_s"], 2)
                               for way in ways if way != last}
    result["cpu_ratios_median"] = {f"{way}/{last}": round(result[way]["cpu_median_s"] / result[last]["cpu_median_s"], 2)
                                   for way in ways if way != last}
    if not args.search:
        for way in ways:
            result[way]["imported"] = sorted(seen[way])
    result.update(load_average=[round(x, 2) for x in load], runs=args.runs,
                  measured="simsearch search (whole process)" if args.search else "model load (imports, tokenizer, weights)",
                  identical="search --json" if args.search else "last hidden state")
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['measured']}, {args.runs} processes each, alternating; same {result['identical']} in every way")
    for way in ways:
        imported = f" (of sklearn, scipy imported: {' '.join(result[way]['imported'])})" if not args.search else ""
        print(f"{way:10} median {result[way]['median_s']:.2f} s, fastest {result[way]['fastest_s']:.2f} s, "
              f"CPU median {result[way]['cpu_median_s']:.2f} s{imported}")
    print("; ".join(f"{pair} (median): {ratio:.2f}x wall, {result['cpu_ratios_median'][pair]:.2f}x CPU"
                    for pair, ratio in result["ratios_median"].items())
          + f"; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
