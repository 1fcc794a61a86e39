"""Numeric precision of the encoder (and of training): fp32, bf16 autocast, or int8 dynamic quantization.

Outputs are float32 whatever the precision: only the transformer's matrix products change.
fp32 is today's encoder, bit for bit, and what ``eval sts`` uses unless told otherwise.

How ``auto`` picks, per device and purpose (``resolve``): bf16 autocast where the CPU has native
bf16 (AMX-BF16 or AVX512-BF16), fp32 everywhere else (CUDA included: not measured here, no GPU;
bf16 on request). On a Sapphire Rapids CPU (AMX) bf16 is also the fastest encoder: 26,083 STS
sentences at 1,803 sentences/s against int8's 1,541 and fp32's 866 (2 threads,
``benchmarks/bench_encode.py``, docs/speed.md). int8 is never picked by ``auto``: it is the fastest
encoder on the AMD EPYC without AMX (3.5x fp32) and keeps STS within 0.12, but it moves ~11% of each sentence's 10 nearest
neighbours in a real corpus (top-10 overlap with fp32 0.888 with every layer at 8 bits, 0.919
with the FFN down-projections in fp32, 0.846 with AVX2's 7 bits; target 0.98), so it is offered
as ``--precision int8`` for speed over fidelity. bf16 keeps 0.995. On an AVX2-only CPU bf16 is
emulated (6x slower than fp32 here with the kernels held to AVX2, ~200x in issue 14's probe) and
int8 was 1.36x fp32 at STS -0.26 but with the same neighbour changes: fp32 there.

Measured on this project's machine (2-core AMD EPYC, AVX-512 + AVX512-BF16 + AVX512-VNNI, no
AMX; torch 2.13), all-MiniLM-L6-v2, the 26k distinct STS sentences, one thread, CPU seconds
(steady under the shared machine's load, 10-17 on 2 cores): fp32 96.2 s, STS avg 78.874;
bf16 autocast 34.3 s, 78.880; bf16 weights (model cast) 36.0 s, 78.871 (no faster: autocast
kept, it needs no copy of the model); int8 per-tensor 24.7 s, 77.879 (-1.0); int8 per-channel
(torch's 7-bit activations) 27.3 s, 78.252; the same with 8-bit activations 27.8 s, 78.752 (-0.12);
7-bit with the FFN down-projections kept fp32 50.6 s, 78.632 (-0.24). Keeping the last layer
(78.339) or the attention outputs (78.298) in fp32 did not help enough. With fbgemm, oneDNN,
MKL and ATen held to AVX2 (``FBGEMM_ENABLE_INSTRUCTIONS=AVX2``, ``ATEN_CPU_CAPABILITY=avx2``,
``MKL_ENABLE_INSTRUCTIONS=AVX2``, ``ONEDNN_MAX_CPU_ISA=AVX2``; the instruction paths of an AVX2-only
CPU, not its caches or clocks): 400 STS-B sentences at 212 per CPU-second in fp32, 290 in int8
(this AVX2 plan), 35 in bf16 (emulated); all 26k STS sentences in int8 70.6 s, STS avg 78.614
(-0.26); with the FFN down-projections quantized too 55.6 s but 78.268 (-0.61).

Why 8-bit activations only with AVX512-VNNI: torch keeps dynamic int8 activations to 7 bits
because fbgemm's AVX2/AVX-512 kernels add pairs of u8 x s8 products in a saturating int16
(``vpmaddubsw``); VNNI (``vpdpbusd``) accumulates in int32. fbgemm has VNNI kernels only for
AVX-512, so AVX-VNNI alone (Alder Lake class) counts as AVX2 here.
"""

from __future__ import annotations

import contextlib
import copy
import enum
import functools
import warnings
from collections.abc import Callable

import torch

from .errors import SimsearchError


class Precision(str, enum.Enum):
    """``--precision``: what the user asks for; ``auto`` is resolved per device by ``resolve``."""

    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    int8 = "int8"


CONCRETE = ("fp32", "bf16", "int8")

_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni")


class PrecisionWarning(UserWarning):
    """A precision the device can run, but slowly (bf16 without native bf16 instructions)."""


def _cpuinfo_flags(path: str = "/proc/cpuinfo") -> set[str] | None:
    """The first processor's flags from a Linux cpuinfo file, or None where there is none."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        return None
    return None


def _torch_flags() -> dict[str, bool]:
    """The same facts from torch's own CPU probe (macOS, Windows, or no /proc)."""
    cpu = torch.cpu

    def probe(name: str) -> bool:
        check = getattr(cpu, name, None)
        try:
            return bool(check()) if check is not None else False
        except Exception:  # a probe missing on this build says nothing either way
            return False

    capability = torch.backends.cpu.get_cpu_capability()
    return {
        "avx2": probe("_is_avx2_supported") or capability in ("AVX2", "AVX512"),
        "avx512f": probe("_is_avx512_supported") or capability == "AVX512",
        "avx512_bf16": probe("_is_avx512_bf16_supported"),
        "amx_bf16": probe("_is_amx_tile_supported"),
        "avx512_vnni": probe("_is_vnni_supported") and probe("_is_avx512_supported"),
        "avx_vnni": probe("_is_vnni_supported"),
    }


@functools.cache
def cpu_features() -> dict:
    """What this CPU can do: torch's kernel capability and the instruction-set flags that matter.

    Flags come from /proc/cpuinfo where readable (Linux), else from torch's CPU probe.
    """
    flags = _cpuinfo_flags()
    found = {name: name in flags for name in _FLAGS} if flags is not None else _torch_flags()
    return {"capability": torch.backends.cpu.get_cpu_capability(), **found}


def native_bf16(features: dict | None = None) -> bool:
    features = cpu_features() if features is None else features
    return bool(features.get("amx_bf16") or features.get("avx512_bf16"))


def _as_device(device) -> torch.device:
    return device if isinstance(device, torch.device) else torch.device(device)


def resolve(requested: str | Precision, device, *, purpose: str = "encode",
            on_warning: Callable[[str], None] | None = None) -> str:
    """The concrete precision (one of ``CONCRETE``) to use on ``device`` for ``purpose``.

    ``purpose`` is ``"encode"`` or ``"train"``; int8 is for encoding only. A concrete choice
    the device can run only slowly (bf16 on a CPU without bf16 instructions) is kept, with a
    warning through ``on_warning`` (default: ``warnings.warn`` with ``PrecisionWarning``).
    """
    if purpose not in ("encode", "train"):
        raise ValueError(f"purpose must be 'encode' or 'train', not {purpose!r}")
    try:
        value = Precision(requested).value
    except ValueError:
        raise SimsearchError(f"--precision {requested!r}: expected one of auto, {', '.join(CONCRETE)}") from None
    device = _as_device(device)
    if value == "int8":
        if purpose == "train":
            raise SimsearchError("--precision int8 is for encoding; training runs in fp32 or bf16")
        if device.type != "cpu":
            raise SimsearchError("--precision int8 runs on the CPU only (use --device cpu, or fp32/bf16 on CUDA)")
    if value == "bf16" and device.type == "cpu" and not native_bf16():
        message = ("--precision bf16: this CPU has no bf16 instructions (AMX-BF16 or AVX512-BF16), "
                   "so bf16 runs emulated and far slower than fp32")
        if on_warning is None:
            warnings.warn(message, PrecisionWarning, stacklevel=2)
        else:
            on_warning(message)
    if value != "auto":
        return value
    if device.type != "cpu":
        # Training on CUDA has always run its forward pass under bf16 autocast (loss in fp32);
        # encoding on CUDA stays fp32 until a GPU run measures otherwise.
        return "bf16" if purpose == "train" and _cuda_bf16(device) else "fp32"
    return "bf16" if native_bf16() else "fp32"


def _cuda_bf16(device: torch.device) -> bool:
    try:
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    except (RuntimeError, AssertionError):
        return False


def _cpu_reason(precision: str) -> str:
    features = cpu_features()
    if precision == "bf16":
        have = [label for key, label in (("amx_bf16", "AMX-BF16"), ("avx512_bf16", "AVX512-BF16")) if features.get(key)]
        return f"CPU has {' and '.join(have)}" if have else "CPU has no bf16 instructions: emulated, slow"
    if precision == "int8":
        have = [label for key, label in (("avx512_vnni", "AVX512-VNNI"), ("avx_vnni", "AVX-VNNI"), ("avx2", "AVX2"))
                if features.get(key)]
        return f"CPU has {have[0]}" if have else f"CPU kernels {features.get('capability')}"
    return ""


def describe(precision: str, device) -> str:
    """One short line for people: what runs and why it can run fast here."""
    device = _as_device(device)
    if precision == "fp32":
        return "fp32"
    if precision == "bf16":
        how = "bf16 (autocast"
        return f"{how}; {_cpu_reason('bf16')})" if device.type == "cpu" else f"{how} on {device.type})"
    if precision == "int8":
        return f"int8 (dynamic quantization of the linear layers; {_cpu_reason('int8')})"
    raise ValueError(f"not a concrete precision: {precision!r}")


def autocast(precision: str, device):
    """The context a forward pass runs in: bf16 autocast, or nothing (fp32, int8)."""
    device = _as_device(device)
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def bf16_linears(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with every Linear layer's weight and bias stored in bf16, in place; for a model
    that only encodes, under :func:`autocast` (bf16).

    Autocast rounds each fp32 weight to bf16 on every call (its cache lasts one forward pass); a
    weight already in bf16 is read as it is. The rounding is the same, so vectors are bit for bit
    those of plain autocast (checked by a test), in less time: on a 2-core Sapphire Rapids (AMX),
    10,000 STS sentences at 1,754-1,832 sentences/s against 1,396-1,599 (probe, two rounds each).
    LayerNorm and the embeddings stay fp32, where autocast keeps them. Never for
    a model being trained: its optimizer updates the fp32 weights.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.Linear):
            module.to(torch.bfloat16)
    return model


def _full_range_linear():
    """torch's dynamic int8 Linear with 8-bit activations instead of its default 7 (``reduce_range``).

    torch keeps activations to 7 bits because fbgemm's pre-VNNI kernels (``vpmaddubsw``) add two
    u8 x s8 products in a saturating int16; VNNI (``vpdpbusd``) accumulates in int32 and cannot
    saturate, so there the 8th bit is free precision (STS avg -0.62 -> -0.12 vs fp32, measured).
    """
    from torch.ao.nn.quantized.dynamic import Linear

    class FullRangeDynamicLinear(Linear):
        def forward(self, x):
            y = torch.ops.quantized.linear_dynamic(x, self._packed_params._packed_params, reduce_range=False)
            return y.to(x.dtype)

        def _get_name(self):
            return "DynamicQuantizedLinear8"

    return FullRangeDynamicLinear


def int8_plan(model: torch.nn.Module, features: dict | None = None) -> tuple[list[str], bool]:
    """Which Linear layers ``quantize_int8`` makes int8, and whether activations get all 8 bits.

    With AVX512-VNNI: every Linear layer, 8-bit activations. Without (AVX2 kernels, 7-bit
    activations): the FFN down-projections (in_features > out_features, the layers fed by
    GELU's long-tailed outputs) stay fp32; quantizing them too cost 0.62 STS points here.
    """
    features = cpu_features() if features is None else features
    full_range = bool(features.get("avx512_vnni"))  # fbgemm's VNNI kernels are AVX-512 only
    names = [name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)
             and (full_range or module.in_features <= module.out_features)]
    return names, full_range


def quantize_int8(model: torch.nn.Module, features: dict | None = None) -> torch.nn.Module:
    """An int8 copy of ``model``: dynamic quantization (per-channel weights) of its Linear layers
    as ``int8_plan`` says. ``model`` itself is untouched; nothing is written to disk."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    if not all(torch.isfinite(p).all() for p in model.parameters()):
        # Quantization cannot scale NaN/inf weights (torch raises deep inside); such a model (a
        # diverged run) is left as it is, so its non-finite output is caught where vectors are
        # checked, with the model's name.
        return copy.deepcopy(model).eval()
    names, full_range = int8_plan(model, features)
    mapping = {torch.nn.Linear: _full_range_linear()} if full_range else None
    with warnings.catch_warnings():
        # torch announces the quantized-tensor API's future removal on every call; it works in this torch.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*", category=UserWarning)
        return quantize_dynamic(copy.deepcopy(model).eval(), dict.fromkeys(names, per_channel_dynamic_qconfig),
                                dtype=torch.qint8, mapping=mapping, inplace=True)
