"""SimCSE evidence runs (CPU-sized): before/after tables and the paper's dropout ablation.

  python benchmarks/simcse_evidence.py sup       # embedded model + SNLI dev/test triplets
  python benchmarks/simcse_evidence.py unsup     # embedded model + 11,914 Wikipedia sentences
  python benchmarks/simcse_evidence.py pooling   # unsup from the embedded model: own avg vs [CLS]+MLP
  python benchmarks/simcse_evidence.py scratch   # random small BERT: untrained vs p=0.0 / 0.1 / fixed 0.1
  python benchmarks/simcse_evidence.py ablation  # the same dropout ablation from the embedded model
  python benchmarks/simcse_evidence.py scratch-more-text  # scratch ablation on wiki + SNLI sentences (as raw text)
  python benchmarks/simcse_evidence.py scratch-one --pooler avg --lr 1e-4 --warmup 100 --dropout 0.1 \
      --epochs 3 --device cuda --keep DIR   # one from-scratch run with every knob (for GPU sweeps)

Each prints one JSON line per model and a markdown table at the end. Needs ../shared/data
(or $SIMSEARCH_DATA). Models go to a temporary folder unless --keep DIR is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from simsearch.encoder import Encoder
from simsearch.models import METADATA_FILE, embedded_model_path
from simsearch.sts import TASKS, data_dir, evaluate_sts
from simsearch.train import TrainConfig, train


def create_random_bert(folder: Path, *, hidden_size: int, layers: int, heads: int, pooler: str, seed: int = 0) -> Path:
    """The from-scratch experiments' base: a randomly initialised BERT with the embedded model's
    (uncased) tokenizer, since no raw pre-trained BERT is reachable offline.

    Built here, not by the tests' helper, so that the evidence in docs/benchmarks.md is made by
    this file alone: a seed and a shape give the same weights as when those numbers were taken.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(embedded_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden_size, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=4 * hidden_size, max_position_embeddings=512)
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / METADATA_FILE).write_text(json.dumps(
        {"pooler": pooler, "max_length": 128, "base_model": f"random-bert-{layers}x{hidden_size}"}, indent=2))
    return folder


def sts_row(name: str, model: str, root: Path, dev_only: bool = False, device: str = "cpu") -> dict:
    encoder = Encoder.load(model, device=device)
    dev = evaluate_sts(encoder.encode, root, split="dev")["STSBenchmark"]
    row = {"model": name, "stsb_dev": dev}
    if not dev_only:
        row.update({k: v for k, v in evaluate_sts(encoder.encode, root).items() if k != "protocol"})
    print(json.dumps(row), flush=True)
    return row


def run(config: TrainConfig) -> tuple[dict, float]:
    started = time.perf_counter()
    meta = train(config)
    return meta, time.perf_counter() - started


def table(rows: list[dict], dev_only: bool) -> str:
    columns = ["stsb_dev"] if dev_only else ["stsb_dev", *TASKS, "avg"]
    lines = ["| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        lines.append(f"| {row['model']} | " + " | ".join(f"{row[c]:.2f}" for c in columns) + " |")
    return "\n".join(lines)


def raw_text_wiki_and_snli(shared: Path, out: Path) -> Path:
    """Unlabeled text only: the SNLI sentences (no labels) added to the Wikipedia lines, shuffled."""
    import random

    lines = set()
    for name in ("s1.dev", "s2.dev", "s1.test", "s2.test"):
        lines.update((shared / "nli" / "snli_senteval" / name).read_text(encoding="utf-8").splitlines())
    lines.update((shared / "wiki" / "wiki1m_for_simcse.first11914.txt").read_text(encoding="utf-8").splitlines())
    ordered = sorted(lines)
    random.Random(0).shuffle(ordered)
    text = out / "wiki-and-snli.txt"
    out.mkdir(parents=True, exist_ok=True)
    text.write_text("\n".join(ordered) + "\n", encoding="utf-8")
    return text


def scratch_one(args, root: Path, out: Path) -> list[dict]:
    """One from-scratch run; prints the untrained row too (same seed, same random weights)."""
    text = (root / "wiki" / "wiki1m_for_simcse.first11914.txt" if args.text == "wiki"
            else raw_text_wiki_and_snli(root, out))
    shape = f"{args.layers}x{args.hidden}"
    base = create_random_bert(out / f"random-bert-{shape}", hidden_size=args.hidden, layers=args.layers,
                              heads=max(1, args.hidden // 64), pooler="avg" if args.pooler == "avg" else "cls_before_pooler")
    rows = [sts_row(f"random BERT {shape} ({args.pooler}), untrained", str(base), root, dev_only=True, device=args.device)]
    label = f"{args.pooler} lr {args.lr:g} warmup {args.warmup} p {args.dropout}{' fixed' if args.fixed else ''} seed {args.seed}"
    cfg = TrainConfig(mode="unsup", data=text, model=str(base), out=out / "trained", pooler=args.pooler, lr=args.lr,
                      epochs=args.epochs or 1, max_steps=args.max_steps, dropout=args.dropout, same_dropout_mask=args.fixed,
                      warmup_steps=args.warmup, batch_size=args.batch_size, eval_data=root, eval_steps=args.eval_steps,
                      device=args.device, seed=args.seed, progress=False)
    meta, seconds = run(cfg)
    row = sts_row(f"{shape} {label} (best of {meta['steps']} steps at {meta['best_step']}, {seconds:.0f} s)",
                  str(cfg.out), root, dev_only=True, device=args.device)
    log = cfg.out / "train_log.jsonl"
    if log.is_file():
        row["curve"] = [(e["step"], round(e.get("stsb_dev", float("nan")), 2)) for e in map(json.loads, log.read_text().splitlines())]
        print(json.dumps({"model": row["model"], "curve": row["curve"]}), flush=True)
    return rows + [row]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("experiment", choices=["sup", "unsup", "pooling", "scratch", "ablation", "scratch-more-text",
                                               "scratch-one"])
    parser.add_argument("--keep", type=Path, help="save trained models here")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--max-steps", type=int, default=None)
    one = parser.add_argument_group("scratch-one")
    one.add_argument("--pooler", default="cls", choices=["cls", "avg"])
    one.add_argument("--lr", type=float, default=1e-4)
    one.add_argument("--warmup", type=int, default=0)
    one.add_argument("--dropout", type=float, default=0.1)
    one.add_argument("--fixed", action="store_true", help="same dropout mask on both views")
    one.add_argument("--layers", type=int, default=4)
    one.add_argument("--hidden", type=int, default=256)
    one.add_argument("--batch-size", type=int, default=64)
    one.add_argument("--eval-steps", type=int, default=100)
    one.add_argument("--text", default="wiki+snli", choices=["wiki", "wiki+snli"])
    one.add_argument("--device", default="cpu")
    one.add_argument("--seed", type=int, default=42, help="training seed (the random BERT is always seed 0)")
    args = parser.parse_args()
    root = data_dir()
    shared = root
    out = args.keep or Path(tempfile.mkdtemp(prefix="simsearch-evidence-"))
    rows = []
    dev_only = args.experiment in ("scratch", "ablation", "scratch-more-text", "scratch-one")
    if args.experiment in ("sup", "unsup", "pooling", "ablation"):
        rows.append(sts_row("minilm (before)", "minilm", root, dev_only=args.experiment in ("pooling", "ablation")))
    if args.experiment == "sup":
        cfg = TrainConfig(mode="sup", data=shared / "nli" / "snli_devtest_triplets_for_simcse.csv", out=out / "sup",
                          epochs=args.epochs, eval_data=root)
        meta, seconds = run(cfg)
        rows.append(sts_row(f"sup SimCSE ({meta['steps']} steps, {seconds:.0f} s)", str(cfg.out), root))
    elif args.experiment == "unsup":
        cfg = TrainConfig(mode="unsup", data=shared / "wiki" / "wiki1m_for_simcse.first11914.txt", out=out / "unsup",
                          epochs=args.epochs, eval_data=root)
        meta, seconds = run(cfg)
        rows.append(sts_row(f"unsup SimCSE ({meta['steps']} steps, {seconds:.0f} s)", str(cfg.out), root))
    elif args.experiment == "pooling":
        for pooler in ("avg", "cls"):
            cfg = TrainConfig(mode="unsup", data=shared / "wiki" / "wiki1m_for_simcse.first11914.txt",
                              out=out / f"pool-{pooler}", pooler=pooler, eval_data=root)
            meta, seconds = run(cfg)
            rows.append(sts_row(f"unsup, train pooler {pooler} -> {meta['pooler']}", str(cfg.out), root, dev_only=True))
    elif args.experiment == "ablation":
        for label, dropout, same in (("p = 0.0", 0.0, False), ("p = 0.1", 0.1, False), ("fixed 0.1", 0.1, True)):
            cfg = TrainConfig(mode="unsup", data=shared / "wiki" / "wiki1m_for_simcse.first11914.txt",
                              out=out / f"ablation-{dropout}-{same}", dropout=dropout, same_dropout_mask=same,
                              max_steps=args.max_steps or 60, eval_data=root)
            meta, seconds = run(cfg)
            rows.append(sts_row(f"unsup SimCSE {label} ({meta['steps']} steps, {seconds:.0f} s)", str(cfg.out), root,
                                dev_only=True))
    elif args.experiment == "scratch-one":
        rows.extend(scratch_one(args, root, out))
    elif args.experiment == "scratch-more-text":
        text = raw_text_wiki_and_snli(shared, out)
        base = out / "random-bert"
        if not base.is_dir():
            create_random_bert(base, hidden_size=256, layers=4, heads=4, pooler="cls_before_pooler", seed=0)
        rows.append(sts_row("random BERT 4x256, untrained", str(base), root, dev_only=True))
        for label, dropout, same in (("p = 0.1", 0.1, False), ("p = 0.0", 0.0, False), ("fixed 0.1", 0.1, True)):
            cfg = TrainConfig(mode="unsup", data=text, model=str(base), out=out / f"more-{dropout}-{same}", pooler="cls",
                              lr=1e-4, epochs=1, dropout=dropout, same_dropout_mask=same, eval_data=root, eval_steps=145)
            meta, seconds = run(cfg)
            rows.append(sts_row(f"unsup SimCSE {label} ({meta['steps']} steps, {seconds:.0f} s)", str(cfg.out), root,
                                dev_only=True))
    else:
        base = create_random_bert(out / "random-bert", hidden_size=256, layers=4, heads=4, pooler="cls_before_pooler", seed=0)
        rows.append(sts_row("random BERT 4x256, untrained", str(base), root, dev_only=True))
        for label, dropout, same in (("p = 0.0", 0.0, False), ("p = 0.1", 0.1, False), ("fixed 0.1", 0.1, True)):
            cfg = TrainConfig(mode="unsup", data=shared / "wiki" / "wiki1m_for_simcse.first11914.txt",
                              model=str(base), out=out / f"scratch-{dropout}-{same}", pooler="cls", lr=3e-4,
                              epochs=args.epochs or 2, dropout=dropout, same_dropout_mask=same, eval_data=root,
                              eval_steps=93)
            meta, seconds = run(cfg)
            rows.append(sts_row(f"unsup SimCSE {label} ({meta['steps']} steps, {seconds:.0f} s)", str(cfg.out), root,
                                dev_only=True))
    print(table(rows, dev_only or args.experiment == "pooling"))
    print(f"models in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
