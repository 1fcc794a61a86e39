"""Is torch.compile worth it for encoding? Eager vs compiled (inductor, dynamic shapes) throughput
of the same Encoder at bf16 autocast, over the first N real sentences (bench_index.real_sentences),
with the compile time and the worst cosine between the two outputs.

  python benchmarks/probe_compile.py [N=4000]
"""
import sys, time, torch, numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_index import real_sentences
from simsearch.encoder import Encoder
sents = real_sentences()[:int(sys.argv[1]) if len(sys.argv) > 1 else 4000]
for prec in ('bf16',):
    enc = Encoder.load('minilm', device='cpu', precision=prec)
    t = time.perf_counter(); ref = enc.encode(sents); eager = time.perf_counter() - t
    print(f'{prec} eager: {len(sents)/eager:.0f} sent/s', flush=True)
    enc.model = torch.compile(enc.model, dynamic=True)
    t = time.perf_counter(); enc.encode(sents[:256]); print(f'  compile warm-up {time.perf_counter()-t:.1f} s', flush=True)
    t = time.perf_counter(); out = enc.encode(sents); comp = time.perf_counter() - t
    cos = (ref * out).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(out, axis=1)
    print(f'{prec} compiled: {len(sents)/comp:.0f} sent/s ({eager/comp:.2f}x), min cos vs eager {cos.min():.4f}', flush=True)
