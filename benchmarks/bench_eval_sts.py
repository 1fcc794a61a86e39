"""`simsearch eval sts` on the embedded model vs sentence-transformers' encode (the peer).

Both run in fresh subprocesses, one after the other, on the same machine:
  ours: the whole CLI command (start-up, model load, encode, scoring);
  peer: SentenceTransformer(<embedded>).encode over the same distinct sentences, batch 32
        (its default), then the same cosine/Spearman scoring, so its STS avg is printed too.
Prints wall time, peak RSS and the ratio. Usage: python benchmarks/bench_eval_sts.py
"""

from __future__ import annotations

import json
import sys
import textwrap

from bench_index import measured  # benchmarks/ is the script's folder, first on sys.path

PEER = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    from sentence_transformers import SentenceTransformer
    from simsearch.models import embedded_model_path
    from simsearch.sts import data_dir, evaluate_sts
    model = SentenceTransformer(str(embedded_model_path()), device="cpu")
    result = evaluate_sts(lambda s: model.encode(list(s), batch_size=32), data_dir())
    json.dump({"avg": result["avg"], "seconds": time.perf_counter() - t0}, sys.stdout)
    """
)
def main() -> None:
    ours_wall, ours_peak, out = measured([sys.executable, "-m", "simsearch", "eval", "sts", "--json"])
    ours_avg = json.loads(out)["avg"]
    peer_wall, peer_peak, out = measured([sys.executable, "-c", PEER])
    peer_avg = json.loads(out)["avg"]
    print(f"simsearch eval sts   : {ours_wall:6.1f} s wall, peak RSS {ours_peak:7.0f} MiB, STS avg {ours_avg:.2f}")
    print(f"sentence-transformers: {peer_wall:6.1f} s wall, peak RSS {peer_peak:7.0f} MiB, STS avg {peer_avg:.2f}")
    print(f"ratio ours/peer wall : {ours_wall / peer_wall:.2f}  (target: ours <= 60 s, peak <= 2048 MiB)")


if __name__ == "__main__":
    main()
