"""What importing transformers costs a command that loads a model, with and without scikit-learn.

  python benchmarks/bench_imports.py --runs 7

transformers imports scikit-learn, when it is installed (sentence-transformers, the benchmarks'
peer, installs it), in every model class's import, for a threshold of assisted decoding;
``simsearch.lean_imports.transformers_without_sklearn`` leaves it out. Each run is a fresh
Python process that loads the embedded model (minilm: tokenizer and weights); the two ways
alternate, so that the machine's load falls on both alike:

- peer: transformers as it imports itself (``AutoTokenizer`` / ``AutoModel.from_pretrained``);
- simsearch: ``simsearch.encoder.load_transformer``, the same calls after the lean import.

Prints each way's median and fastest wall time, and the ratio, with the load average (on a
shared machine the times are upper bounds). Without scikit-learn installed the two are the same
import, and the script says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PEER = ("import sys, time; t = time.perf_counter(); from transformers import AutoModel, AutoTokenizer; "
        "AutoTokenizer.from_pretrained(sys.argv[1]); AutoModel.from_pretrained(sys.argv[1]); "
        "print(time.perf_counter() - t, 'sklearn' in sys.modules)")
OURS = ("import sys, time; t = time.perf_counter(); from simsearch.encoder import load_transformer; "
        "load_transformer(sys.argv[1]); print(time.perf_counter() - t, 'sklearn' in sys.modules)")


def once(code: str, model: str) -> tuple[float, bool]:
    done = subprocess.run([sys.executable, "-c", code, model], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"})
    seconds, sklearn = done.stdout.split()
    return float(seconds), sklearn == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes of each way (default 7)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from simsearch.models import resolve_model

    model = resolve_model("minilm").path
    if importlib.util.find_spec("sklearn") is None:
        print("scikit-learn is not installed: transformers does not import it, and both ways are one", file=sys.stderr)
    times: dict[str, list[float]] = {"peer": [], "simsearch": []}
    imported: dict[str, set[bool]] = {"peer": set(), "simsearch": set()}
    once(OURS, model)  # (the files in the page cache for both)
    for _ in range(args.runs):
        for way, code in (("peer", PEER), ("simsearch", OURS)):
            seconds, sklearn = once(code, model)
            times[way].append(seconds)
            imported[way].add(sklearn)
    load = os.getloadavg()
    result = {way: {"median_s": round(statistics.median(t), 3), "fastest_s": round(min(t), 3),
                    "sklearn_imported": sorted(imported[way])} for way, t in times.items()}
    result["ratio_median"] = round(result["peer"]["median_s"] / result["simsearch"]["median_s"], 2)
    result["load_average"] = [round(x, 2) for x in load]
    result["runs"] = args.runs
    if args.json:
        print(json.dumps(result))
        return
    for way in ("peer", "simsearch"):
        print(f"{way:10} median {result[way]['median_s']:.2f} s, fastest {result[way]['fastest_s']:.2f} s "
              f"(scikit-learn imported: {', '.join(map(str, result[way]['sklearn_imported']))})")
    print(f"peer / simsearch (median): {result['ratio_median']:.2f}x; {args.runs} processes each, alternating; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
