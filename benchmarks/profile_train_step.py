"""Where a CPU training step's time goes: forward, backward, optimizer, host work.

Runs the same step as `simsearch train --unsup` (embedded model, batch 64, max len 32,
both views in one forward pass) for a few warm steps under torch.profiler, then prints
the phase split and the top operators.

  python benchmarks/profile_train_step.py [--steps 8] [--precision fp32|bf16]

``--precision bf16`` runs the forward pass under bf16 autocast, as `train --precision bf16` does
(loss, backward's accumulation and the optimizer in fp32).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from simsearch.data import load_sentences
from simsearch.encoder import float32_states, load_transformer, pool
from simsearch.loss import simcse_loss
from simsearch.models import resolve_model
from simsearch.precision import autocast
from simsearch.sts import data_dir
from simsearch.train import TrainConfig, _batch_inputs, epoch_batches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--dropout", type=float, default=0.1)
    args = parser.parse_args()
    sentences = load_sentences(data_dir() / "wiki" / "wiki1m_for_simcse.first11914.txt")
    base = resolve_model("minilm")
    tokenizer, model = load_transformer(base.path, dropout=args.dropout)
    model.pooler = None
    model.train()
    ids = [tokenizer(sentences, truncation=True, max_length=32)["input_ids"]]
    lengths = np.array([len(x) for x in ids[0]])
    batches = epoch_batches(lengths, 64, 42, 0, True)
    cfg = TrainConfig(mode="unsup", data="wiki.txt", progress=False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-5)
    phases = {"host (batching)": 0.0, "forward + loss": 0.0, "backward": 0.0, "optimizer": 0.0}

    def step(rows, timed: bool):
        t0 = time.perf_counter()
        batch = _batch_inputs(tokenizer, ids, rows, cfg, torch.device("cpu"))
        t1 = time.perf_counter()
        with autocast(args.precision, "cpu"):
            outputs = model(**batch)
        z = pool(base.pooler, float32_states(outputs), batch["attention_mask"])
        loss = simcse_loss(z[:64], z[64:])
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        if timed:
            for key, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                phases[key] += value

    for rows in batches[:2]:
        step(rows, False)
    for rows in batches[2 : 2 + args.steps]:
        step(rows, True)
    total = sum(phases.values())
    print(f"{args.steps} steps at {args.precision}, {total / args.steps:.2f} s/step, {64 * args.steps / total:.0f} sent/s")
    for key, value in phases.items():
        print(f"  {key:16s} {value / total:6.1%}")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for rows in batches[2 + args.steps : 4 + args.steps]:
            step(rows, False)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
