"""CPU training throughput: `simsearch train --unsup` vs sentence-transformers' trainer.

Same data (the first N sentences of the Wikipedia sample), same base (the embedded
all-MiniLM-L6-v2), batch 64, max length 32, same number of steps, lr 3e-5, fp32 on CPU.
The peer is SentenceTransformerTrainer with MultipleNegativesRankingLoss (scale 20 =
1 / tau 0.05) on (sentence, sentence) pairs: the usual way to run unsupervised SimCSE
with sentence-transformers. Each side runs in its own subprocess; we report steps-only
time (no model load, no evaluation, no save), sentences/s and peak RSS.

  python benchmarks/bench_train_throughput.py [--steps 40] [--profile]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

OURS = textwrap.dedent(
    """
    import json, resource, sys, tempfile
    from pathlib import Path
    from simsearch.train import TrainConfig, train
    data, steps, bucket = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    out = Path(tempfile.mkdtemp()) / "m"
    meta = train(TrainConfig(mode="unsup", data=data, out=out, batch_size=64, max_len=32, lr=3e-5,
                             max_steps=steps, eval_steps=10**9, device="cpu", progress=False,
                             eval_data=None, bucket=bucket))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": meta["train_seconds"], "sent_per_s": meta["sentences_per_second"], "peak_mib": peak}))
    """
)
PEER = textwrap.dedent(
    """
    import json, resource, sys, tempfile, time
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from simsearch.data import load_sentences
    from simsearch.models import embedded_model_path
    data, steps = sys.argv[1], int(sys.argv[2])
    sentences = load_sentences(data)
    model = SentenceTransformer(str(embedded_model_path()), device="cpu")
    model.max_seq_length = 32
    dataset = Dataset.from_dict({"anchor": sentences, "positive": sentences})
    args = SentenceTransformerTrainingArguments(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=64,
        max_steps=steps, learning_rate=3e-5, report_to="none", save_strategy="no", logging_steps=10**9,
        dataloader_drop_last=True, use_cpu=True, seed=42, disable_tqdm=True)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset,
                                         loss=MultipleNegativesRankingLoss(model, scale=20.0))
    t0 = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "sent_per_s": steps * 64 / seconds, "peak_mib": peak}))
    """
)


def run(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--data", default=None, help="text file (default: ../shared/data wiki sample)")
    args = parser.parse_args()
    from simsearch.sts import data_dir

    data = args.data or str(data_dir() / "wiki" / "wiki1m_for_simcse.first11914.txt")
    ours = run(OURS, data, args.steps, "1")
    plain = run(OURS, data, args.steps, "0")
    peer = run(PEER, data, args.steps)
    print(f"{args.steps} steps x batch 64, max len 32, embedded all-MiniLM-L6-v2, CPU fp32")
    for name, r in (("simsearch train (bucketed)", ours), ("simsearch train (--no-bucket)", plain),
                    ("sentence-transformers MNRL", peer)):
        print(f"{name:30s}: {r['sent_per_s']:7.1f} sent/s  ({r['seconds']:6.1f} s)  peak RSS {r['peak_mib']:6.0f} MiB")
    print(f"ratio simsearch/peer: {ours['sent_per_s'] / peer['sent_per_s']:.2f} (bucketed), "
          f"{plain['sent_per_s'] / peer['sent_per_s']:.2f} (no bucketing); target >= 1.3, peak <= 4096 MiB")


if __name__ == "__main__":
    main()
