"""CPU training throughput: `simsearch train --unsup` vs sentence-transformers' trainer.

Same data (the first N sentences of the Wikipedia sample), same base (the embedded
all-MiniLM-L6-v2), batch 64, max length 32, same number of steps, lr 3e-5, on CPU.
The peer is SentenceTransformerTrainer with MultipleNegativesRankingLoss (scale 20 =
1 / tau 0.05) on (sentence, sentence) pairs: the usual way to run unsupervised SimCSE
with sentence-transformers, in fp32 (its default) and, with --peer-bf16, with bf16=True
(the HF trainer's CPU autocast). Each run is its own subprocess; we report steps-only
time (no model load, no evaluation, no save), sentences/s and peak RSS. The CPU flags
that decide precision and the load average are printed with the figures.

simsearch runs at each --precision (default: fp32, plus auto and bf16 where `train` has
--precision); the bucketed fp32 run is also repeated with --no-bucket.

  python benchmarks/bench_train_throughput.py [--steps 40] [--precision fp32,bf16,auto] [--peer-bf16]

Needs the peer in the running Python (sentence-transformers[train]); see peer-requirements.txt.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OURS = textwrap.dedent(
    """
    import json, os, resource, sys, tempfile
    from pathlib import Path
    from simsearch.train import TrainConfig, train
    data, steps, bucket, precision = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
    out = Path(tempfile.mkdtemp()) / "m"
    extra = {"precision": precision} if precision else {}  # a simsearch without --precision trains in fp32
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    meta = train(TrainConfig(mode="unsup", data=data, out=out, batch_size=64, max_len=32, lr=3e-5,
                             max_steps=steps, eval_steps=10**9, device="cpu", progress=False,
                             eval_data=None, bucket=bucket, **extra))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": meta["train_seconds"], "sent_per_s": meta["sentences_per_second"], "peak_mib": peak,
                      "precision": meta.get("train_precision", "fp32"), "load_before": load_before}))
    """
)
PEER = textwrap.dedent(
    """
    import json, os, resource, sys, tempfile, time
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from simsearch.data import load_sentences
    from simsearch.models import embedded_model_path
    data, steps, bf16 = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    sentences = load_sentences(data)
    model = SentenceTransformer(str(embedded_model_path()), device="cpu")
    model.max_seq_length = 32
    dataset = Dataset.from_dict({"anchor": sentences, "positive": sentences})
    args = SentenceTransformerTrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=64,
        max_steps=steps, learning_rate=3e-5, report_to="none", save_strategy="no", logging_steps=10**9,
        dataloader_drop_last=True, use_cpu=True, seed=42, disable_tqdm=True, bf16=bf16)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset,
                                         loss=MultipleNegativesRankingLoss(model, scale=20.0))
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "sent_per_s": steps * 64 / seconds, "peak_mib": peak,
                      "precision": "bf16" if bf16 else "fp32", "load_before": load_before}))
    """
)


def run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_line() -> str:
    """The CPU facts that decide precision: torch's kernel capability and the bf16/int8 flags."""
    import torch

    try:
        from simsearch.precision import cpu_features

        features = dict(cpu_features())
    except ImportError:  # a simsearch without precision support: read the flags directly
        flags = set()
        if os.path.exists("/proc/cpuinfo"):
            for line in open("/proc/cpuinfo", encoding="utf-8", errors="replace"):
                if line.startswith("flags"):
                    flags = set(line.partition(":")[2].split())
                    break
        features = {"capability": torch.backends.cpu.get_cpu_capability(),
                    **{f: f in flags for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni")}}
    capability = features.pop("capability")
    flags = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in features.items())
    return (f"CPU: {os.cpu_count()} cores, torch {torch.__version__} capability {capability}, "
            f"{torch.get_num_threads()} threads; {flags}")


def trains_with_precision() -> bool:
    from simsearch.train import TrainConfig

    return any(field.name == "precision" for field in dataclasses.fields(TrainConfig))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--data", default=None, help="text file (default: ../shared/data wiki sample)")
    parser.add_argument("--precision", default=None,
                        help="comma-separated simsearch training precisions (default: fp32,bf16,auto where "
                             "train has --precision, else fp32)")
    parser.add_argument("--peer-bf16", action="store_true", help="also run the peer with bf16=True")
    parser.add_argument("--no-plain", action="store_true", help="skip the --no-bucket fp32 run")
    args = parser.parse_args()
    from simsearch.sts import data_dir

    data = args.data or str(data_dir() / "wiki" / "wiki1m_for_simcse.first11914.txt")
    supported = trains_with_precision()
    precisions = [p.strip() for p in (args.precision or ("fp32,bf16,auto" if supported else "fp32")).split(",") if p.strip()]
    if not supported and precisions != ["fp32"]:
        sys.exit("this simsearch's train has no --precision: only fp32 can be measured")
    print(cpu_line(), flush=True)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    rows = []
    for precision in precisions:
        rows.append((f"simsearch train {precision} (bucketed)", run(OURS, data, args.steps, "1", precision if supported else "")))
    if not args.no_plain:
        rows.append(("simsearch train fp32 (--no-bucket)", run(OURS, data, args.steps, "0", "fp32" if supported else "")))
    peer = run(PEER, data, args.steps, "0")
    rows.append(("sentence-transformers MNRL fp32", peer))
    if args.peer_bf16:
        rows.append(("sentence-transformers MNRL bf16", run(PEER, data, args.steps, "1")))
    print(f"{args.steps} steps x batch 64, max len 32, embedded all-MiniLM-L6-v2, CPU")
    for name, r in rows:
        print(f"{name:36s}: {r['sent_per_s']:7.1f} sent/s  ({r['seconds']:6.1f} s)  peak RSS {r['peak_mib']:6.0f} MiB"
              f"  ran at {r['precision']}  x peer fp32 {r['sent_per_s'] / peer['sent_per_s']:.2f}  load {r['load_before']}")
    fastest_peer = max((r for name, r in rows if name.startswith("sentence-")), key=lambda r: r["sent_per_s"])
    for name, r in rows:
        if name.startswith("simsearch") and "auto" in name:
            print(f"ratio simsearch auto ({r['precision']}) / fastest peer ({fastest_peer['precision']}): "
                  f"{r['sent_per_s'] / fastest_peer['sent_per_s']:.2f}")
    print("targets: >= 2x the peer where AMX exists, >= 1.3x on AVX2; peak <= 4096 MiB")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
