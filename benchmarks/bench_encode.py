"""Encode throughput (issue 14): simsearch at each precision vs sentence-transformers' CPU backends.

Run it with a Python that has the peer installed (see benchmarks/peer-requirements.txt):

  /work/peer-venv/bin/python benchmarks/bench_encode.py              # all 26k distinct STS sentences
  /work/peer-venv/bin/python benchmarks/bench_encode.py --limit 2000 # quick run, evenly spaced (no STS avg)
  /work/peer-venv/bin/python benchmarks/bench_encode.py --json --systems simsearch-auto,st-onnx-int8

Same sentences (every distinct sentence of the STS12-16, STS-B test and SICK-R test pairs, read
with simsearch.sts as `eval sts` reads them), same model (the embedded all-MiniLM-L6-v2), same
batch size (64, or --batch-size), same max length (256 tokens), CPU. Each system runs in its own fresh process:
model load (and the peer's ONNX/OpenVINO loading) and a warm-up of two batches are not timed;
then one timed encode of all the sentences, sentences/s, peak RSS of that process.

Peer backends are exported once, untimed, from a copy of the embedded model's folder (never the
installed package's files), into $BENCH_DIR/encode-peer/<model hash> (reused while complete):
  st-torch       SentenceTransformer(folder)                      (its default backend)
  st-onnx        backend="onnx" (optimum export, fp32)
  st-onnx-int8   export_dynamic_quantized_onnx_model, the config this CPU matches
                 (avx512_vnni, avx512, avx2 or arm64)
  st-openvino    backend="openvino" (fp32), if optimum-intel/openvino are installed
  st-openvino-int8  static int8 quantization as export_static_quantized_openvino_model does it
                 (OVQuantizationConfig defaults, inputs padded to 384), calibrated on 300 sentences
                 of the Wikipedia sample instead of GLUE SST-2 (the hub is not reachable offline)

With the full sentence set, each system's STS avg (the paper's protocol, simsearch.sts) and the
cosine of its vectors to simsearch fp32's (mean and minimum over sentences) are printed too.
Timings on a shared machine are upper bounds: the load average is printed with every row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = Path(os.environ.get("BENCH_DIR", "/tmp/simsearch-bench"))
BATCH = 64
WARMUP = 2 * BATCH
OURS = ("simsearch-fp32", "simsearch-bf16", "simsearch-int8", "simsearch-auto")
PEERS = ("st-torch", "st-onnx", "st-onnx-int8", "st-openvino", "st-openvino-int8")
CALIBRATION = 300


# ----------------------------------------------------------------------------- facts about the machine

def cpu_report() -> dict:
    """CPU model, the flags that decide precision, torch's kernel capability and thread count."""
    import torch

    try:
        from simsearch.precision import cpu_features

        features = dict(cpu_features())
    except ImportError:  # a simsearch without precision support: read the flags directly
        flags = set()
        if Path("/proc/cpuinfo").exists():
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
                if line.startswith("flags"):
                    flags = set(line.partition(":")[2].split())
                    break
        features = {"capability": torch.backends.cpu.get_cpu_capability(),
                    **{f: f in flags for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni")}}
    model = platform.processor()
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {"cpu": model, "machine": platform.machine(), "cores": os.cpu_count(), **features,
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def peer_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in ("sentence-transformers", "transformers", "optimum", "optimum-onnx", "onnxruntime", "openvino",
                 "optimum-intel", "nncf"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def onnx_quantization_config(features: dict) -> str:
    """The export_dynamic_quantized_onnx_model preset this CPU matches."""
    if platform.machine().lower() in ("arm64", "aarch64"):
        return "arm64"
    if features.get("avx512_vnni"):
        return "avx512_vnni"
    if features.get("avx512f"):
        return "avx512"
    return "avx2"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ----------------------------------------------------------------------------- data

def sts_sentences(limit: int | None = None) -> list[str]:
    """Every distinct sentence `eval sts` encodes, in the order it encodes them (sts._embed_all)."""
    from simsearch.sts import STS_SUBSETS, data_dir, load_sick, load_stsb, load_sts_year

    root = data_dir(None)
    pair_sets = [*(p for task in STS_SUBSETS for p in load_sts_year(root, task)),
                 load_stsb(root, "test"), load_sick(root, "test")]
    sentences = list(dict.fromkeys(s for p in pair_sets for s in (*p.sent1, *p.sent2)))
    if not limit or limit >= len(sentences):
        return sentences
    # Evenly spaced over all sets, so a quick run has the full run's mix of lengths (STS12 alone is long).
    return [sentences[i * len(sentences) // limit] for i in range(limit)]


# ----------------------------------------------------------------------------- peer models (untimed)

def peer_folder() -> Path:
    from simsearch.models import embedded_model_path, file_sha256

    source = embedded_model_path()
    digest = hashlib.sha256(file_sha256(source / "model.safetensors").encode()).hexdigest()[:12]
    return WORK / "encode-peer" / digest


def prepare_peers(features: dict, openvino: bool) -> dict:
    """Export the peer's ONNX / ONNX-int8 / OpenVINO / OpenVINO-int8 models from a copy of the folder."""
    from simsearch.models import embedded_model_path

    base = peer_folder()
    marker = base / (".complete-openvino" if openvino else ".complete")
    config = onnx_quantization_config(features)
    files = {"onnx": base / "onnx-model", "onnx_int8": f"onnx/model_qint8_{config}.onnx", "onnx_config": config,
             "openvino": base / "openvino-model", "openvino_int8": "openvino/openvino_model_qint8_quantized.xml"}
    if marker.exists():
        return files
    started = time.perf_counter()
    print(f"  exporting the peer's models into {base} (once, untimed) ...", file=sys.stderr, flush=True)
    code = PREPARE.format(source=str(embedded_model_path()), base=str(base), config=config,
                          openvino=openvino, calibration=CALIBRATION)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"exporting the peer's models failed:\n{done.stderr[-4000:]}")
    marker.touch()
    print(f"  exported in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return files


PREPARE = """
import logging, shutil, sys
from pathlib import Path
logging.disable(logging.WARNING)
from sentence_transformers import SentenceTransformer
from sentence_transformers.backend import export_dynamic_quantized_onnx_model
base = Path({base!r})
shutil.rmtree(base, ignore_errors=True)
copy = base / "source"
shutil.copytree({source!r}, copy)
model = SentenceTransformer(str(copy), backend="onnx", device="cpu")
model.save_pretrained(str(base / "onnx-model"))
model = SentenceTransformer(str(base / "onnx-model"), backend="onnx", device="cpu")
export_dynamic_quantized_onnx_model(model, {config!r}, str(base / "onnx-model"))
if {openvino!r}:
    from datasets import Dataset
    from optimum.intel.openvino import OVConfig, OVQuantizationConfig, OVQuantizer
    from sentence_transformers.backend.utils import save_or_push_to_hub_model
    from simsearch.sts import data_dir
    model = SentenceTransformer(str(copy), backend="openvino", device="cpu")
    model.save_pretrained(str(base / "openvino-model"))
    model = SentenceTransformer(str(base / "openvino-model"), backend="openvino", device="cpu")
    wiki = data_dir(None) / "wiki" / "wiki1m_for_simcse.first11914.txt"
    sentences = [line.strip() for line in wiki.open(encoding="utf-8") if line.strip()][:{calibration}]
    # What export_static_quantized_openvino_model does, with a local calibration set instead of GLUE SST-2.
    config = OVQuantizationConfig()
    quantizer = OVQuantizer.from_pretrained(model.transformers_model)
    calibration = Dataset.from_dict({{"sentence": sentences}}).map(
        lambda rows: model.tokenizer(rows["sentence"], padding="max_length", max_length=384, truncation=True),
        batched=True, remove_columns=["sentence"])
    save_or_push_to_hub_model(
        export_function=lambda save_dir: quantizer.quantize(calibration, save_directory=save_dir,
                                                            ov_config=OVConfig(quantization_config=config)),
        export_function_name="export_static_quantized_openvino_model", config=config,
        model_name_or_path=str(base / "openvino-model"), file_suffix="qint8_quantized", backend="openvino", model=model)
shutil.rmtree(copy)
"""


# ----------------------------------------------------------------------------- one system, in its own process

def child(args) -> None:
    """Load one system, warm up, time one encode of the sentences, write vectors and a JSON line."""
    import logging

    logging.disable(logging.WARNING)
    import torch

    sentences = sts_sentences(args.limit)
    system = args.child
    started = time.perf_counter()
    info: dict = {"system": system}
    if system.startswith("simsearch-"):
        from simsearch.encoder import Encoder

        requested = system.removeprefix("simsearch-")
        encoder = Encoder.load("minilm", device="cpu", precision=requested, batch_size=args.batch_size)
        info["precision"] = encoder.precision
        info["max_length"] = encoder.max_length
        try:
            from simsearch.precision import describe

            info["describe"] = describe(encoder.precision, encoder.device)
        except ImportError:
            pass

        def encode(texts):
            return encoder.encode(texts, normalize=True, progress=False, batch_size=args.batch_size)
    else:
        from sentence_transformers import SentenceTransformer
        from simsearch.models import embedded_model_path

        files = json.loads(args.files)
        if system == "st-torch":
            model = SentenceTransformer(str(embedded_model_path()), device="cpu")
        elif system in ("st-onnx", "st-onnx-int8"):
            kwargs = {"file_name": files["onnx_int8"]} if system == "st-onnx-int8" else {"file_name": "onnx/model.onnx"}
            model = SentenceTransformer(files["onnx"], backend="onnx", device="cpu", model_kwargs=kwargs)
            info["file"] = kwargs["file_name"]
        else:
            kwargs = ({"file_name": files["openvino_int8"]} if system == "st-openvino-int8"
                      else {"file_name": "openvino/openvino_model.xml"})
            model = SentenceTransformer(files["openvino"], backend="openvino", device="cpu", model_kwargs=kwargs)
            info["file"] = kwargs["file_name"]
        info["max_length"] = model.max_seq_length

        def encode(texts):
            return model.encode(list(texts), batch_size=args.batch_size, show_progress_bar=False, convert_to_numpy=True)
    info["load_s"] = round(time.perf_counter() - started, 2)
    encode(sentences[:WARMUP])
    info["load_before"] = load_average()
    cpu_before = os.times()
    started = time.perf_counter()
    vectors = np.asarray(encode(sentences), dtype=np.float32)
    seconds = time.perf_counter() - started
    cpu_after = os.times()
    # CPU seconds of all this process's threads: on a shared machine, sentences per CPU-second is the
    # figure that depends least on how much of the cores the scheduler gave each system.
    cpu_seconds = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    info.update(seconds=round(seconds, 2), sentences=len(sentences), sent_per_s=round(len(sentences) / seconds, 1),
                cpu_s=round(cpu_seconds, 2), sent_per_cpu_s=round(len(sentences) / max(cpu_seconds, 1e-9), 1),
                peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                torch_threads=torch.get_num_threads(), load_after=load_average())
    np.save(args.out, vectors)
    print(json.dumps(info))


def run_child(system: str, args, files: dict, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", system, "--out", str(out),
               "--files", json.dumps({k: str(v) for k, v in files.items()})]
    if args.limit:
        command += ["--limit", str(args.limit)]
    command += ["--batch-size", str(args.batch_size)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        return {"system": system, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- quality (from the timed vectors)

def sts_avg(sentences: list[str], vectors: np.ndarray) -> float:
    from simsearch.sts import data_dir, evaluate_sts

    lookup = dict(zip(sentences, vectors))
    return round(evaluate_sts(lambda texts: np.stack([lookup[s] for s in texts]), data_dir(None))["avg"], 2)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True).clip(min=1e-12)
    b = b / np.linalg.norm(b, axis=1, keepdims=True).clip(min=1e-12)
    return (a * b).sum(axis=1)


# ----------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="encode only the first N sentences (no STS avg)")
    parser.add_argument("--systems", default=",".join(OURS + PEERS), help="comma-separated subset of: "
                        + ", ".join(OURS + PEERS))
    parser.add_argument("--batch-size", type=int, default=BATCH, help="sentences per batch, for every system (default 64)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout instead of the table")
    parser.add_argument("--json-out", help="also write that JSON object to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(OURS + PEERS))
    if unknown:
        parser.error(f"unknown system(s): {', '.join(unknown)}")
    cpu, versions = cpu_report(), peer_versions()
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else (lambda *a: print(*a, flush=True))
    say(f"CPU: {cpu['cpu']} ({cpu['machine']}, {cpu['cores']} cores), torch {cpu['torch']} capability "
        f"{cpu['capability']}, {cpu['torch_threads']} threads")
    say("flags: " + ", ".join(f"{k}={'yes' if cpu[k] else 'no'}" for k in
                              ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni") if k in cpu))
    say("peer: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v))
    say(f"load average at start: {load_average()}")
    openvino = bool(versions.get("openvino") and versions.get("optimum-intel"))
    skipped = {}
    if not openvino:
        for name in ("st-openvino", "st-openvino-int8"):
            if name in systems:
                systems.remove(name)
                skipped[name] = "optimum-intel / openvino not installed"
    files: dict = {}
    if any(s.startswith("st-") and s != "st-torch" for s in systems):
        files = prepare_peers(cpu, openvino)
    sentences = sts_sentences(args.limit)
    say(f"{len(sentences):,} distinct STS sentences, batch {args.batch_size}, warm-up {WARMUP} sentences untimed")
    rows, vectors = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-encode-") as tmp:
        for system in systems:
            out = Path(tmp) / f"{system}.npy"
            row = run_child(system, args, files, out)
            if "error" not in row:
                vectors[system] = np.load(out)
                if args.limit is None:
                    row["sts_avg"] = sts_avg(sentences, vectors[system])
            rows.append(row)
            if "error" in row:
                say(f"  {system:18s} FAILED: {row['error']}")
            else:
                say(f"  {system:18s} {row['sent_per_s']:8.1f} sent/s  {row['sent_per_cpu_s']:8.1f} sent/CPU-s  "
                    f"{row['seconds']:7.1f} s  load {row['load_before']}")
    reference = vectors.get("simsearch-fp32")
    for row in rows:
        if reference is not None and row["system"] in vectors:
            c = cosines(vectors[row["system"]], reference)
            row["cos_to_simsearch_fp32"] = {"mean": round(float(c.mean()), 5), "min": round(float(c.min()), 4)}
    ok = [r for r in rows if "error" not in r]
    peers = [r for r in ok if r["system"].startswith("st-")]
    fastest = max(peers, key=lambda r: r["sent_per_s"], default=None)
    torch_peer = next((r for r in ok if r["system"] == "st-torch"), None)
    auto = next((r for r in ok if r["system"] == "simsearch-auto"), None)
    summary = {"cpu": cpu, "versions": versions, "sentences": len(sentences), "batch_size": args.batch_size,
               "rows": rows, "skipped": skipped, "load_average_end": load_average()}
    if fastest:
        summary["fastest_peer"] = fastest["system"]
        if auto:
            summary["auto_over_fastest_peer"] = round(auto["sent_per_s"] / fastest["sent_per_s"], 2)
            fastest_cpu = max(peers, key=lambda r: r["sent_per_cpu_s"])
            summary["fastest_peer_per_cpu_s"] = fastest_cpu["system"]
            summary["auto_over_fastest_peer_per_cpu_s"] = round(auto["sent_per_cpu_s"] / fastest_cpu["sent_per_cpu_s"], 2)
            summary["target"] = ">= 1.5"
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(summary))
        return
    print()
    print(f"{'system':18s} {'precision':9s} {'sent/s':>8s} {'s/CPU-s':>8s} {'seconds':>8s} {'x st-torch':>10s} {'peak MiB':>8s} "
          f"{'STS avg':>7s} {'cos fp32 mean/min':>18s}  load avg (1/5/15 min) before")
    for row in rows:
        if "error" in row:
            print(f"{row['system']:18s} failed: {row['error']}")
            continue
        ratio = f"{row['sent_per_s'] / torch_peer['sent_per_s']:.2f}" if torch_peer else "-"
        cos = row.get("cos_to_simsearch_fp32")
        cos_text = f"{cos['mean']:.5f}/{cos['min']:.4f}" if cos else "-"
        precision = row.get("precision", "int8" if "int8" in row["system"] else "fp32")
        print(f"{row['system']:18s} {precision:9s} {row['sent_per_s']:8.1f} {row['sent_per_cpu_s']:8.1f} {row['seconds']:8.1f} {ratio:>10s} "
              f"{row['peak_rss_mib']:8d} {row.get('sts_avg', '-'):>7} {cos_text:>18s}  {row['load_before']}")
    for name, why in skipped.items():
        print(f"{name:18s} skipped: {why}")
    if auto and fastest:
        print(f"\nsimsearch auto ({auto['precision']}) / fastest peer ({fastest['system']}): "
              f"{summary['auto_over_fastest_peer']:.2f}x in sentences/s, "
              f"{summary['auto_over_fastest_peer_per_cpu_s']:.2f}x in sentences per CPU-second (target >= 1.5)")
    print(f"load average at end: {summary['load_average_end']}")


if __name__ == "__main__":
    main()
