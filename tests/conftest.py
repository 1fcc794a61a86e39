"""Shared fixtures: tiny random BERT models, fixture STS data, a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch the network
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The CLI's rich Console reads COLUMNS when it is made, at import: a COLUMNS exported by the shell
# that runs pytest (a CI runner, a remote shell) would fix every table at its width, and tests that
# set COLUMNS themselves would see tables cut to 80. Tests start from no terminal size at all.
for _variable in ("COLUMNS", "LINES"):
    os.environ.pop(_variable, None)

# Property tests draw the same examples on every run (`pytest`, CI): a run passes or fails for the
# code, not for the draw. SIMSEARCH_HYPOTHESIS=explore draws new ones each run (and keeps the
# failures Hypothesis finds in .hypothesis/), which is how the hunts look for new defects.
settings.register_profile("simsearch", derandomize=True, database=None)
settings.register_profile("simsearch-explore")
settings.load_profile("simsearch-explore" if os.environ.get("SIMSEARCH_HYPOTHESIS") == "explore" else "simsearch")

# The context window a new index gets in-process (see sentence_vectors_unless_marked).
_pinned = os.environ.get("SIMSEARCH_TEST_CONTEXT", "0")
if _pinned not in ("0", "1"):
    raise pytest.UsageError(f"SIMSEARCH_TEST_CONTEXT must be 0 or 1, not {_pinned!r}")
PINNED_CONTEXT = int(_pinned)


@pytest.fixture(scope="session", autouse=True)
def sentence_vectors_unless_marked():
    """A new index made in-process embeds each sentence alone (``index --vector-context 0``) unless the
    test is marked ``default_context`` (``real_default_context``). The suite's tests of vectors
    (reuse by text, exact search against an encoder, what an edit re-embeds) were written for
    sentence vectors and hold for them; context vectors, the default for a new index since
    ``indexer.DEFAULT_CONTEXT_WINDOW`` = 1, are tested by name (tests/test_context_vectors.py,
    whose default test is marked, and the stateful test, which draws the setting; the end-to-end
    paths run at both, see ``new_index_context``). Session-wide, so that module-scoped indexes are
    made so too. The in-process CLI runner (``run_cli``) gets 0 as well; a ``simsearch`` run in a
    subprocess (test_index_kill) gets the real default.
    ``SIMSEARCH_TEST_CONTEXT=1 pytest`` pins 1 instead, to run the in-process suite at the users'
    default (tests written for sentence vectors then fail by design)."""
    from simsearch import indexer

    real = indexer.DEFAULT_CONTEXT_WINDOW
    indexer.DEFAULT_CONTEXT_WINDOW = PINNED_CONTEXT
    yield real
    indexer.DEFAULT_CONTEXT_WINDOW = real


@pytest.fixture(autouse=True)
def real_default_context(request, monkeypatch, sentence_vectors_unless_marked):
    if "default_context" in request.keywords:
        monkeypatch.setattr("simsearch.indexer.DEFAULT_CONTEXT_WINDOW", sentence_vectors_unless_marked)


@pytest.fixture(params=[0, 1], ids=["context0", "context1"])
def new_index_context(request, monkeypatch):
    """Runs a test twice, a new index taking sentence vectors (0) and context vectors (1, the
    users' default) when no ``--context`` is given: for the end-to-end paths, whatever the pin."""
    monkeypatch.setattr("simsearch.indexer.DEFAULT_CONTEXT_WINDOW", request.param)
    return request.param


def shared_data() -> Path | None:
    """The real evaluation data, or None (tests that need it skip)."""
    candidates = [os.environ.get("SIMSEARCH_DATA"), Path(__file__).resolve().parents[1] / ".." / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "senteval").is_dir():
            return Path(candidate).resolve()
    return None


needs_data = pytest.mark.skipif(
    shared_data() is None, reason="evaluation data not found ($SIMSEARCH_DATA or ../shared/data)"
)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 3-layer, 32-wide random BERT with the bundled tokenizer and an MLP head."""
    from .tiny_bert import create_random_bert

    return create_random_bert(tmp_path_factory.mktemp("tiny") / "tiny", hidden_size=32, heads=2, layers=3,
                              pooler="cls_before_pooler", seed=0)


@pytest.fixture(scope="session")
def index_model(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide random BERT with mean pooling: spread-out vectors for search tests."""
    from .tiny_bert import create_random_bert

    return create_random_bert(tmp_path_factory.mktemp("index-model") / "tiny-avg", hidden_size=32, heads=2,
                              layers=2, pooler="avg", seed=0)


@pytest.fixture
def run_cli(capsys):
    """Run ``simsearch ARGS``; return (exit code, stdout, stderr)."""
    from simsearch.cli import main

    def run(*args: str):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write_sts_fixture(root: Path) -> Path:
    """A complete, tiny SentEval layout: every subset of every year, STS-B and SICK."""
    from simsearch.sts import STS_SUBSETS

    pairs = [
        ("a man is playing a guitar .", "a man plays the guitar .", "4.8"),
        ("a woman is slicing an onion .", "a man is riding a horse .", "0.2"),
        ("the cat sleeps on the sofa .", "a cat is asleep on a couch .", "4.2"),
        ("stocks fell sharply on monday .", "the market dropped on monday .", "3.5"),
        ("kids play football in a park .", "a plane lands at the airport .", "0.6"),
    ]
    for year, subsets in STS_SUBSETS.items():
        folder = root / "senteval" / "STS" / f"{year}-en-test"
        folder.mkdir(parents=True, exist_ok=True)
        for subset in subsets:
            (folder / f"STS.input.{subset}.txt").write_text("".join(f"{a}\t{b}\n" for a, b, _ in pairs))
            (folder / f"STS.gs.{subset}.txt").write_text("".join(f"{g}\n" for _, _, g in pairs))
    stsb = root / "senteval" / "STS" / "STSBenchmark"
    stsb.mkdir(parents=True, exist_ok=True)
    for split in ("train", "dev", "test"):
        (stsb / f"sts-{split}.csv").write_text(
            "".join(f"main-captions\tMSRvid\t2012test\t{i:04d}\t{g}\t{a}\t{b}\n" for i, (a, b, g) in enumerate(pairs))
        )
    sick = root / "senteval" / "SICK"
    sick.mkdir(parents=True, exist_ok=True)
    for name in ("SICK_train.txt", "SICK_trial.txt", "SICK_test_annotated.txt"):
        (sick / name).write_text(
            "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n"
            + "".join(f"{i}\t{a}\t{b}\t{float(g) + 0.1:.1f}\tNEUTRAL\n" for i, (a, b, g) in enumerate(pairs))
        )
    return root


@pytest.fixture
def sts_fixture(tmp_path) -> Path:
    return write_sts_fixture(tmp_path / "data")
