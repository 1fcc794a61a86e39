"""A training run's settings: ``TrainConfig``, its defaults and the checks of its values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SimsearchError, plain_number
from ..models import POOLERS, check_models_dir, models_dir
from ..precision import Precision
from .outdir import default_out_name


# The paper's defaults (Table A.1 for BERT-base; the supervised batch is 512, lr 5e-5, 3 epochs).
MODE_DEFAULTS = {
    "unsup": {"batch_size": 64, "lr": 3e-5, "epochs": 1},
    "sup": {"batch_size": 512, "lr": 5e-5, "epochs": 3},
}
# Unsupervised recipes (docs/adaptation.md): ``paper`` is the paper's (two dropout views of one
# sentence); ``ict`` is the inverse cloze task on the user's documents (a sentence and the rest
# of its window), trained through the supervised pair path with the same loss and tau.
RECIPES = ("paper", "ict")
PAPER_MAX_LEN = 32
ICT_MAX_LEN = 128  # the passage is up to 4 sentences
# A step of batch 64 with 128-token passages took 14 s for all-MiniLM-L6-v2 on the shared 2-core
# CPU (load ~2; 13 s at load 5-8 in docs/adaptation.md), so 60 steps is ~14 minutes at worst; one
# epoch of a 15k-sentence corpus would be ~230 steps (~54 min). The measured gains on pytest-docs
# came from 37 steps. --max-steps (or --epochs) overrides it.
ICT_MAX_STEPS = 60
CHECKPOINT_MINUTES = 5.0  # --checkpoint-every's default


@dataclass
class TrainConfig:
    mode: str  # "unsup" or "sup"
    data: Path  # a text file or folder (unsup), a CSV/TSV/JSONL (sup), or an index database (from_index)
    from_index: bool = False  # unsup on exactly the sentences the index at ``data`` holds
    model: str = "minilm"
    out: Path | None = None
    epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    micro_batch: int | None = None  # gradient caching: encode each batch in pieces of this many rows
    lr: float | None = None
    temp: float = 0.05
    pooler: str | None = None
    max_len: int | None = None  # paper and sup: 32; ict: 128
    hard_negative_weight: float = 1.0
    dropout: float = 0.1
    warmup_steps: int = 0  # the paper uses none; linear warm-up, then linear decay
    same_dropout_mask: bool = False  # the "fixed 0.1" ablation of the paper's Table 3
    seed: int = 42
    eval_steps: int = 125
    # Minutes between the checkpoints a run saves as it goes (0: only on Ctrl-C or SIGTERM), so that
    # kill -9, a crash or a power cut loses at most this much work to --resume.
    checkpoint_every: float = CHECKPOINT_MINUTES
    device: str = "auto"
    eval_data: Path | None = None
    resume: bool = False
    bucket: bool = True
    progress: bool = True
    recipe: str | None = None  # unsup: "paper" or "ict"; None: chosen from the data (see resolve_recipe)
    precision: str = "auto"  # "fp32", "bf16" (autocast forward; loss, optimizer, evaluation fp32) or "auto"
    distill: float | None = None  # weight of the distillation term towards the frozen base (0: the paper's loss;
    # None: AUTO_DISTILL when the paper's recipe is chosen for a sentence-encoder base, else 0; see resolve_recipe)

    def __post_init__(self) -> None:
        if self.mode not in MODE_DEFAULTS:
            raise SimsearchError(f"unknown training mode {self.mode!r}")
        # --epochs given (even as the default 1) asks for whole passes: ict's step cap is for when it is not
        self.epochs_given = self.epochs is not None  # (not a field, as default_out)
        self.max_steps_given = self.max_steps is not None  # (ict's default cap is not the user's)
        for key, value in MODE_DEFAULTS[self.mode].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        self.data = Path(self.data)
        self.checkpoint_every = float(self.checkpoint_every) + 0.0  # (-0.0, as typed, is 0)
        if str(getattr(self.precision, "value", self.precision)) not in ("auto", "fp32", "bf16"):
            raise SimsearchError("--precision must be auto, fp32 or bf16 for training (int8 is for encoding)")
        self.precision = Precision(self.precision).value
        if self.recipe is not None and self.recipe not in RECIPES:
            raise SimsearchError(f"--recipe {self.recipe!r}: expected one of {', '.join(RECIPES)}")
        if self.recipe is not None and self.mode != "unsup":
            raise SimsearchError(f"--recipe {self.recipe} is for unsupervised training (--unsup or --from-index); "
                                 "--sup trains on your pairs as they are")
        if self.mode == "sup" or self.recipe is not None:
            self._recipe_defaults()
        if self.from_index and self.mode != "unsup":
            raise SimsearchError("--from-index trains unsupervised on the index's sentences; it does not go with --sup")
        self.default_out = self.out is None  # (not a field: settings and signature stay as they were)
        if self.out is None:
            check_models_dir()  # an unreadable models folder: one line, before anything is read or written
            source = "index-unsup" if self.from_index else self.mode
            self.out = models_dir() / default_out_name(self.data, source)
        self.out = Path(self.out)
        # "--epochs 0: must be at least 1": the value as given beside the rule, as the CLI's other options say it
        ranges = [
            ("--batch-size", self.batch_size, self.batch_size >= 2, "must be at least 2 (the other sentences are the negatives)"),
            ("--micro-batch", self.micro_batch, self.micro_batch is None or self.micro_batch >= 1, "must be at least 1"),
            ("--temp", self.temp, self.temp > 0, "must be positive"),
            ("--lr", self.lr, self.lr > 0, "must be positive"),
            ("--dropout", self.dropout, 0.0 <= self.dropout < 1.0, "must be in [0, 1)"),
            ("--max-len", self.max_len, self.max_len is None or self.max_len >= 4, "must be at least 4"),
            ("--epochs", self.epochs, self.epochs >= 1, "must be at least 1"),
            ("--max-steps", self.max_steps, self.max_steps is None or self.max_steps >= 1, "must be at least 1"),
            ("--eval-steps", self.eval_steps, self.eval_steps >= 1, "must be at least 1"),
            ("--checkpoint-every", self.checkpoint_every, self.checkpoint_every >= 0, "must be >= 0 (0: only on Ctrl-C or SIGTERM)"),
            ("--warmup-steps", self.warmup_steps, self.warmup_steps >= 0, "must be >= 0"),
            ("--hard-negative-weight", self.hard_negative_weight, self.hard_negative_weight >= 0, "must be >= 0"),
            ("--distill", self.distill, self.distill is None or self.distill >= 0, "must be >= 0"),
        ]
        checks = [(ok, f"{option} {plain_number(value)}: {rule}" if isinstance(value, (int, float)) else f"{option} {rule}")
                  for option, value, ok, rule in ranges] + [
            (self.pooler is None or self.pooler in POOLERS, f"--pooler {self.pooler!r}: expected one of {', '.join(POOLERS)}"),
            # The ablation gives the two dropout views of one sentence the same mask; supervised
            # views are different sentences (anchor, entailment, contradiction), so it has no meaning.
            (not (self.same_dropout_mask and self.mode == "sup"),
             "--same-dropout-mask is an unsupervised ablation (two views of one sentence); "
             "supervised views are different sentences: drop it or use --unsup"),
            (not (self.same_dropout_mask and self.recipe == "ict"),
             "--same-dropout-mask is an ablation of the paper recipe (two views of one sentence); use --recipe paper"),
            (self.hard_negative_weight == 1.0 or self.mode == "sup",
             f"--hard-negative-weight {plain_number(self.hard_negative_weight)}: it weighs a supervised triplet's "
             "hard negative (--sup with a hard_neg column); unsupervised training has none: drop it"),
        ]
        for ok, message in checks:
            if not ok:
                raise SimsearchError(message)

    def _recipe_defaults(self) -> None:
        """The defaults that depend on the recipe (an option the user gave is kept)."""
        if self.max_len is None:
            self.max_len = ICT_MAX_LEN if self.recipe == "ict" else PAPER_MAX_LEN
        if self.recipe == "ict" and self.max_steps is None and not getattr(self, "epochs_given", False):
            # neither --max-steps nor --epochs given: --epochs N (1 too) asks for whole passes
            self.max_steps = ICT_MAX_STEPS


def effective_micro_batch(config: TrainConfig, world: int) -> int | None:
    """--micro-batch when it splits a process's share of the batch; otherwise None (one pass)."""
    micro = config.micro_batch
    return micro if micro and micro < config.batch_size // world else None
