"""Precision: the ``auto`` rule on faked CPUs, and the encoder at fp32, bf16 and int8 on tiny models."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch import precision as prec
from simsearch.encoder import Encoder, pad_batch
from simsearch.errors import SimsearchError
from simsearch.models import ref_at_path
from simsearch.precision import CONCRETE, Precision, PrecisionWarning, describe, resolve

CPU, CUDA = torch.device("cpu"), torch.device("cuda")
NONE = dict.fromkeys(("avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni", "avx_vnni"), False)
SAPPHIRE = {**NONE, "capability": "AVX512", "avx2": True, "avx512f": True, "avx512_bf16": True, "amx_bf16": True,
            "avx512_vnni": True, "avx_vnni": True}
ZEN4 = {**SAPPHIRE, "amx_bf16": False}  # this project's 2-core machine: AVX512-BF16, no AMX
ICELAKE = {**ZEN4, "avx512_bf16": False, "avx_vnni": False}  # AVX-512 VNNI, no bf16
HASWELL = {**NONE, "capability": "AVX2", "avx2": True}  # AVX2 only
OLD = {**NONE, "capability": "DEFAULT"}  # SSE only

# Longest first with distinct token lengths, so the encoder's length sort keeps this order.
SENTENCES = [
    "The quick brown fox jumps over the lazy dog while the farmer watches from the porch.",
    "A man is playing a guitar on the stage.",
    "Stocks fell sharply on Monday after the announcement.",
    "A woman slices an onion.",
    "Kids play outside.",
    "Short.",
]


@pytest.fixture
def fake_cpu(monkeypatch):
    def use(features: dict) -> None:
        monkeypatch.setattr(prec, "cpu_features", lambda: dict(features))
    return use


@pytest.mark.parametrize(("features", "encode", "train"), [
    (SAPPHIRE, "bf16", "bf16"),
    (ZEN4, "bf16", "bf16"),
    (ICELAKE, "fp32", "fp32"),  # int8 is faster, but moves 11% of the top-10 neighbours: never auto
    (HASWELL, "fp32", "fp32"),
    (OLD, "fp32", "fp32"),
])
def test_auto_on_cpu_follows_the_instruction_set(fake_cpu, features, encode, train):
    fake_cpu(features)
    assert resolve("auto", CPU) == encode
    assert resolve(Precision.auto, "cpu", purpose="train") == train


@pytest.mark.parametrize("bf16_gpu", [True, False])
def test_auto_on_cuda_encodes_fp32_and_trains_bf16_where_the_gpu_has_it(fake_cpu, monkeypatch, bf16_gpu):
    fake_cpu(SAPPHIRE)
    monkeypatch.setattr(prec, "_cuda_bf16", lambda device: bf16_gpu)
    assert resolve("auto", CUDA) == "fp32"
    assert resolve("auto", CUDA, purpose="train") == ("bf16" if bf16_gpu else "fp32")


def test_int8_of_a_model_with_nan_weights_gives_nan_not_a_crash(tiny_model):
    """A diverged model must reach the indexer's "not finite" check (with the model's name),
    not die inside torch's quantization parameter search."""
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(tiny_model)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(float("nan"))
    ref = ref_at_path("tiny", str(tiny_model), "cls")
    encoder = Encoder(ref, AutoTokenizer.from_pretrained(tiny_model), model, CPU, precision="int8")
    assert not np.isfinite(encoder.encode(SENTENCES)).any()


@pytest.mark.parametrize("features", [SAPPHIRE, ZEN4, ICELAKE, HASWELL, OLD])
@pytest.mark.parametrize("requested", ["fp32", "int8"])
def test_a_concrete_encode_choice_is_kept(fake_cpu, features, requested):
    fake_cpu(features)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fp32 and int8 never warn on a CPU
        assert resolve(requested, CPU) == requested
        assert resolve(Precision(requested), CPU) == requested


def test_bf16_without_native_bf16_is_kept_with_a_warning(fake_cpu):
    fake_cpu(HASWELL)
    with pytest.warns(PrecisionWarning, match="no bf16 instructions"):
        assert resolve("bf16", CPU) == "bf16"
    said: list[str] = []
    assert resolve("bf16", CPU, purpose="train", on_warning=said.append) == "bf16"
    assert len(said) == 1 and "slower" in said[0]
    fake_cpu(ZEN4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve("bf16", CPU) == "bf16"
        assert resolve("bf16", CUDA) == "bf16"  # no CPU-flag warning for a GPU


def test_int8_is_refused_for_training_and_on_cuda(fake_cpu):
    fake_cpu(SAPPHIRE)
    with pytest.raises(SimsearchError, match="int8 is for encoding; training runs in fp32 or bf16"):
        resolve("int8", CPU, purpose="train")
    with pytest.raises(SimsearchError, match="CPU only"):
        resolve("int8", CUDA)
    with pytest.raises(SimsearchError, match="expected one of auto, fp32, bf16, int8"):
        resolve("fp16", CPU)
    with pytest.raises(ValueError):
        resolve("fp32", CPU, purpose="index")  # a caller's bug, not the user's


FEATURES = st.fixed_dictionaries({key: st.booleans() for key in NONE}).map(lambda f: {**f, "capability": "X"})


@settings(max_examples=200, deadline=None)
@given(features=FEATURES, cuda=st.booleans(), gpu_bf16=st.booleans(), purpose=st.sampled_from(["encode", "train"]))
def test_auto_never_picks_what_the_hardware_lacks(features, cuda, gpu_bf16, purpose):
    """The GPU is drawn too: on a machine with a real one, its bf16 must not leak into the oracle
    (the first run on an H200 found this test asking for fp32 training there)."""
    original = prec.cpu_features, prec._cuda_bf16
    prec.cpu_features, prec._cuda_bf16 = (lambda: features), (lambda device: gpu_bf16)
    try:
        chosen = resolve("auto", CUDA if cuda else CPU, purpose=purpose)
    finally:
        prec.cpu_features, prec._cuda_bf16 = original
    assert chosen in CONCRETE
    native_bf16 = features["amx_bf16"] or features["avx512_bf16"]
    if chosen == "bf16":  # emulated bf16 is ~200x slower than fp32; encoding on CUDA stays fp32
        assert (not cuda and native_bf16) or (cuda and gpu_bf16 and purpose == "train")
    assert chosen != "int8"  # HNSW top-10 overlap with fp32 0.85-0.92, target 0.98
    assert chosen == ("bf16" if (gpu_bf16 and purpose == "train" if cuda else native_bf16) else "fp32")


def test_cpuinfo_flags_are_read_from_the_first_processor(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16 amx_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert prec._cpuinfo_flags(str(info)) == {"fpu", "avx2", "avx512_bf16", "amx_bf16"}
    assert prec._cpuinfo_flags(str(tmp_path / "absent")) is None


def test_cpu_features_without_proc_use_torchs_probe(monkeypatch):
    prec.cpu_features.cache_clear()
    monkeypatch.setattr(prec, "_cpuinfo_flags", lambda path="/proc/cpuinfo": None)
    try:
        from_torch = prec.cpu_features()
    finally:
        prec.cpu_features.cache_clear()
    assert set(from_torch) == {"capability", *NONE}
    assert from_torch["capability"] == torch.backends.cpu.get_cpu_capability()
    here = prec.cpu_features()
    if here["capability"] in ("AVX2", "AVX512"):  # torch's kernels need the flag the OS reports
        assert here["avx2"] and from_torch["avx2"]


def test_describe_names_the_precision_and_the_reason(fake_cpu):
    fake_cpu(ZEN4)
    assert describe("fp32", CPU) == "fp32"
    assert describe("bf16", CPU) == "bf16 (autocast; CPU has AVX512-BF16)"
    assert describe("int8", CPU) == "int8 (dynamic quantization of the linear layers; CPU has AVX512-VNNI)"
    fake_cpu(HASWELL)
    assert "emulated" in describe("bf16", CPU) and "AVX2" in describe("int8", CPU)
    with pytest.raises(ValueError):
        describe("auto", CPU)


# --- the encoder at each precision ---------------------------------------------------------


def _plain_forward(folder, pooler: str) -> np.ndarray:
    """The fp32 encoder written out by hand: each sentence a forward of its own (the encoder's
    batches hold one token length, and these sentences have one length each), the pooler, float32."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    ids = tokenizer(SENTENCES, truncation=True, max_length=128)["input_ids"]
    assert [len(i) for i in ids] == sorted({len(i) for i in ids}, reverse=True)
    rows = []
    for one in ids:
        batch = pad_batch([one], tokenizer, CPU)
        with torch.inference_mode():
            out = model(**batch)
            if pooler == "cls":
                rows.append(out.pooler_output.numpy())
                continue
            mask = batch["attention_mask"].unsqueeze(-1).float()
            rows.append(((out.last_hidden_state * mask).sum(1) / mask.sum(1)).numpy())
    return np.concatenate(rows)


@pytest.mark.parametrize("pooler", ["cls", "avg"])
def test_fp32_is_the_plain_forward_bit_for_bit(tiny_model, pooler):
    encoder = Encoder.load(ref_at_path("tiny", str(tiny_model), pooler), device="cpu", precision="fp32")
    assert encoder.precision == "fp32"
    np.testing.assert_array_equal(encoder.encode(SENTENCES), _plain_forward(tiny_model, pooler))


@pytest.mark.parametrize("precision", ["bf16", "int8"])
@pytest.mark.parametrize("pooler", ["cls", "avg_first_last"])
def test_bf16_and_int8_give_normalised_float32_close_to_fp32(tiny_model, precision, pooler):
    ref = ref_at_path("tiny", str(tiny_model), pooler)
    exact = Encoder.load(ref, device="cpu").encode(SENTENCES, normalize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)  # bf16 on a CPU without it: slow but fine here
        encoder = Encoder.load(ref, device="cpu", precision=precision)
    assert encoder.precision == precision
    vectors = encoder.encode(SENTENCES, normalize=True)
    assert vectors.dtype == np.float32 and vectors.shape == exact.shape
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    cosine = (vectors * exact).sum(axis=1)
    assert cosine.min() > 0.99
    assert not np.array_equal(vectors, exact)  # the precision really changed the arithmetic


def test_int8_quantizes_a_copy_and_leaves_the_callers_model_alone(tiny_model):
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(tiny_model)
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    linear_types = {name: type(m) for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    ref = ref_at_path("tiny", str(tiny_model), "cls")
    encoder = Encoder(ref, AutoTokenizer.from_pretrained(tiny_model), model, CPU, precision="int8")
    encoder.encode(SENTENCES)
    assert encoder.model is not model
    quantized = {name for name, m in encoder.model.named_modules() if isinstance(m, DynamicLinear)}
    assert quantized == set(prec.int8_plan(model)[0]) and quantized
    assert {name: type(m) for name, m in model.named_modules() if name in linear_types} == linear_types
    after = model.state_dict()
    assert before.keys() == after.keys()
    for name, tensor in before.items():
        assert torch.equal(tensor, after[name]), name


def test_int8_plan_follows_vnni(tiny_model):
    """With AVX512-VNNI every Linear is int8 with 8-bit activations; without, the FFN
    down-projections stay fp32 and activations keep torch's 7 bits (no int16 saturation)."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from transformers import AutoModel

    model = AutoModel.from_pretrained(tiny_model).eval()
    linears = {name: m for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    down = {name for name, m in linears.items() if m.in_features > m.out_features}
    assert down == {f"encoder.layer.{i}.output.dense" for i in range(3)}
    assert prec.int8_plan(model, ICELAKE) == (list(linears), True)
    names, full_range = prec.int8_plan(model, HASWELL)
    assert set(names) == set(linears) - down and not full_range

    vnni, avx2 = prec.quantize_int8(model, ICELAKE), prec.quantize_int8(model, HASWELL)
    for name, module in vnni.named_modules():
        if name in linears:
            assert isinstance(module, DynamicLinear) and module._get_name() == "DynamicQuantizedLinear8"
    for name, module in avx2.named_modules():
        if name in down:
            assert type(module) is torch.nn.Linear
        elif name in linears:
            assert type(module) is DynamicLinear  # torch's own: 7-bit activations
    batch = {"input_ids": torch.tensor([[101, 2023, 2003, 1037, 3231, 102]]), "attention_mask": torch.ones(1, 6, dtype=torch.long)}
    with torch.inference_mode():
        exact, eight, seven = (m(**batch).last_hidden_state for m in (model, vnni, avx2))
    assert not torch.equal(eight, seven)
    assert torch.nn.functional.cosine_similarity(seven, exact, dim=-1).min() > 0.99
    if prec.cpu_features()["avx512_vnni"]:  # elsewhere the 8-bit plan saturates: that is why it needs VNNI
        assert torch.nn.functional.cosine_similarity(eight, exact, dim=-1).min() > 0.99


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_fp32_and_bf16_encode_with_the_callers_model(tiny_model, precision):
    """Training evaluates mid-run through an Encoder over the model it trains: it must see the updates."""
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(tiny_model)
    encoder = Encoder(ref_at_path("tiny", str(tiny_model), "cls"), AutoTokenizer.from_pretrained(tiny_model),
                      model, CPU, precision=precision)
    assert encoder.model is model and all(p.dtype == torch.float32 for p in model.parameters())


def test_auto_resolves_inside_the_encoder(tiny_model, fake_cpu):
    ref = ref_at_path("tiny", str(tiny_model), "avg")
    fake_cpu(ZEN4)
    assert Encoder.load(ref, device="cpu", precision="auto").precision == "bf16"
    fake_cpu(OLD)
    assert Encoder.load(ref, device="cpu", precision=Precision.auto).precision == "fp32"


def test_bad_precision_fails_before_the_model_loads(tiny_model, monkeypatch):
    def load_transformer(path):
        raise AssertionError("the model was loaded before --precision was checked")

    monkeypatch.setattr("simsearch.encoder.load_transformer", load_transformer)
    with pytest.raises(SimsearchError, match="--precision 'half'"):
        Encoder.load(ref_at_path("tiny", str(tiny_model), "avg"), device="cpu", precision="half")


@pytest.mark.parametrize("pooler", ["cls", "avg_top2"])
def test_a_loaded_bf16_encoder_keeps_its_linears_in_bf16_and_the_vectors_of_autocast(tiny_model, pooler):
    """``Encoder.load`` stores its own model's Linear weights in bf16 (no cast per batch): the
    vectors must be bit for bit those of autocast over the fp32 model, for any batch split."""
    from transformers import AutoModel, AutoTokenizer

    ref = ref_at_path("tiny", str(tiny_model), pooler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)
        loaded = Encoder.load(ref, device="cpu", precision="bf16")
        plain = Encoder(ref, AutoTokenizer.from_pretrained(tiny_model), AutoModel.from_pretrained(tiny_model), CPU,
                        precision="bf16")
    linears = [m for m in loaded.model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(p.dtype == torch.bfloat16 for m in linears for p in m.parameters())
    others = [p for m in loaded.model.modules() if isinstance(m, (torch.nn.LayerNorm, torch.nn.Embedding))
              for p in m.parameters()]
    assert others and all(p.dtype == torch.float32 for p in others)
    assert all(p.dtype == torch.float32 for p in plain.model.parameters())
    sentences = SENTENCES * 3 + ["a b c d e f g h i j k l m n o p"]
    for size in (1, 3, 64):
        np.testing.assert_array_equal(loaded.encode(sentences, batch_size=size),
                                      plain.encode(sentences, batch_size=size))
