"""The ``simsearch`` command: a thin typer layer over the library.

Every command that prints results has ``--json``. A user's mistake prints one line on
stderr (``error: ...``, naming the option or file) and exits with status 2, no traceback:
a ``SimsearchError`` from the library, or a usage error found while parsing the command
line (unknown option, a value of the wrong type, out of range or not one of the choices,
a missing file). Options are checked before anything is loaded or written.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shlex
import sqlite3
import sys
from enum import Enum
from pathlib import Path
from typing import Optional, get_args

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .errors import Interrupted, SimsearchError, counted, plain_number
from .interrupt import sigterm_as_ctrl_c
from .interrupt import stops_held as _stops_held
from .models import POOLERS, command_line, index_command_line, read_only_note

app = typer.Typer(
    help="Semantic search over your own documents with SimCSE sentence embeddings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from . import __version__
        from .extract import EXTRACTOR_VERSION

        # The reader's version too: an index made by another one reads its files again (``index``).
        stdout.print(f"simsearch {__version__} (reader version {EXTRACTOR_VERSION})", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                          help="Print simsearch's version and exit.")) -> None:
    pass


eval_app = typer.Typer(help="Evaluate models: STS benchmarks, alignment and uniformity, search quality on your own questions.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

# A line of text is never broken where the terminal (or 80 columns, when piped) ends: piped
# output stays one line per line for grep and friends. Tables lay out to the width instead
# (search's, piped, is wider where a path needs it: ``_search_widths``).
stdout = Console(soft_wrap=True)

# --- option types: fixed choices are enums (typer turns them into click choices) ------------


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


Pooler = Enum("Pooler", [(name, name) for name in POOLERS], type=str)


class Mode(str, Enum):  # search.MODES (and retrieval.MODES)
    dense = "dense"
    lexical = "lexical"
    hybrid = "hybrid"


DEFAULT_MODE = Mode.hybrid  # search.DEFAULT_MODE: chosen on the benchmarks (see benchmarks/bench_retrieval.py)
ModeOption = typer.Option(DEFAULT_MODE, "--mode",
                          help="dense: by meaning (the model's vectors); lexical: by words (BM25); "
                               "hybrid: both, fused (finds exact identifiers and names too).")


class Precision(str, Enum):  # precision.Precision (not imported here: it pulls in torch)
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    int8 = "int8"


class Aggregate(str, Enum):  # sts.AGGREGATIONS (not imported here: sts pulls in scipy)
    all = "all"
    mean = "mean"
    wmean = "wmean"


class StsSplit(str, Enum):
    test = "test"
    dev = "dev"


class GeometrySplit(str, Enum):
    all = "all"
    train = "train"
    dev = "dev"
    test = "test"


def _value(choice):
    """An enum option's plain string (``None`` stays ``None``)."""
    return choice.value if isinstance(choice, Enum) else choice


# --- option checks: callbacks that run while parsing, before any command body -------------


class OptionError(typer.BadParameter):
    """A bad option value whose message is already complete (``--temp 0: must be > 0``)."""


def _option_name(param) -> str:
    opts = list(getattr(param, "opts", None) or [])
    return opts[0] if opts else (getattr(param, "human_readable_name", None) or getattr(param, "name", "?"))


def _number(low: float | None = None, high: float | None = None, *, above: bool = False, below: bool = False):
    """A callback accepting finite numbers in [low, high]; ``above``/``below`` make an end open."""

    def check(param: typer.CallbackParam, value):
        if value is None:
            return None
        name = _option_name(param)
        if isinstance(value, float) and not math.isfinite(value):
            raise OptionError(f"{name} {value}: must be a finite number")
        if low is not None and (value <= low if above else value < low):  # (-1 as typed, not -1.0)
            raise OptionError(f"{name} {plain_number(value)}: must be {'>' if above else 'at least'} {plain_number(low)}")
        if high is not None and (value >= high if below else value > high):
            raise OptionError(f"{name} {plain_number(value)}: must be {'<' if below else 'at most'} {plain_number(high)}")
        return value

    return check


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _creatable(label: str, path: Path) -> None:
    """A path simsearch may create: its nearest existing ancestor is a writable folder."""
    ancestor = _nearest_existing(path)
    if not ancestor.is_dir():
        raise OptionError(f"{label}: cannot be created, {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OptionError(f"{label}: cannot be created, {ancestor} is not writable")


def _path(kind: str = "any", *, missing: str = "error"):
    """A callback for a path option or argument (one path or a list).

    ``kind`` is ``file``, ``folder`` or ``any``. A path that does not exist is an error
    (``missing="error"``), one simsearch will create (``"create"``: no file in the way and a
    writable folder above it), or left to the command, which explains what belongs there
    (``"explain"``).
    """

    def check(param: typer.CallbackParam, value):
        if value is None:
            return None
        option = _option_name(param)
        for path in value if isinstance(value, (list, tuple)) else [value]:
            label = f"{option} {path}" if option.startswith("-") else str(path)
            try:
                _check_path(label, path, kind, missing)
            except OSError as exc:  # a name too long, a folder above it that cannot be entered
                raise OptionError(f"{label}: {exc.strerror or exc}") from None
        return value

    return check


def _check_path(label: str, path: Path, kind: str, missing: str) -> None:
    """``_path``'s checks of one path (an ``OSError`` of the file system passes through)."""
    if not path.exists():
        if missing == "error":
            raise OptionError(f"{label}: no such file or folder")
        if missing == "create":
            _creatable(label, path)
    elif kind == "file" and path.is_dir():
        raise OptionError(f"{label}: is a folder, not a file")
    elif kind == "folder" and not path.is_dir():
        raise OptionError(f"{label}: is a file, not a folder")
    elif missing != "create" and not os.access(path, os.R_OK):
        raise OptionError(f"{label}: not readable")


def _nonempty_path(label: str):
    """A parser for a path option or argument: the text as a ``Path``, the empty string refused.

    Typer would turn ``""`` into ``Path(".")``: an unset shell variable (``simsearch index "$DIR"``)
    would index, forget or train on the working directory, or write there."""

    def parse(text):
        if isinstance(text, Path):
            return text
        if text == "":
            raise OptionError(f'{label} "": an empty path (an unset shell variable?); name a file or folder')
        return Path(text)

    return parse


def _path_option(*names: str, kind: str = "any", missing: str = "error", help: str):
    """An optional path option (``--db``, ``--data``...): refused empty, then checked by ``_path``."""
    return typer.Option(None, *names, parser=_nonempty_path(names[0]), callback=_path(kind, missing=missing),
                        metavar="<path>", help=help)


def _nonempty_glob(param: typer.CallbackParam, value):
    """``search --path ""`` would match the documents under the working directory."""
    if value == "":
        raise OptionError(f'{_option_name(param)} "": an empty glob or folder (an unset shell variable?)')
    return value


def _model_name(param: typer.CallbackParam, value):
    """A callback for a model option (one name or a list): the empty string is refused, never
    taken for the default model (``-m "$MODEL"`` with the variable unset)."""
    for name in value if isinstance(value, (list, tuple)) else [value]:
        if name == "":
            raise OptionError(f'{_option_name(param)} "": an empty model name (an unset shell variable?); '
                              "name a model or leave the option out")
    return value


# The loss compares every sentence of a batch with every other: a batch of 65,536 is 2^32
# similarities (16 GiB in float32, twice that with the second view or hard negatives).
MAX_TRAIN_BATCH = 65_536


def _train_batch(param: typer.CallbackParam, value):
    """``train --batch-size``: at most ``MAX_TRAIN_BATCH`` (the lower bound, 2, is TrainConfig's)."""
    if value is not None and value > MAX_TRAIN_BATCH:
        raise OptionError(f"{_option_name(param)} {value}: must be at most {MAX_TRAIN_BATCH:,} (the loss compares "
                          f"every pair in a batch: {MAX_TRAIN_BATCH:,}² similarities take 16 GiB)")
    return value


# --- shared options -------------------------------------------------------------------------

ModelOption = typer.Option(None, "--model", "-m", callback=_model_name,
                           help="Model: 'minilm' (embedded), a name under models/, a folder, or a Hugging Face id.")
PoolerOption = typer.Option(None, "--pooler", help="Pooling for a model without pooling metadata (or to override it).")
DataOption = _path_option("--data", kind="folder", missing="explain",
                          help="Evaluation data folder (default: $SIMSEARCH_DATA, else ../shared/data).")
# One default everywhere: auto (CUDA when available). $SIMSEARCH_DEVICE changes it per machine.
DeviceOption = typer.Option(Device.auto, "--device", envvar="SIMSEARCH_DEVICE",
                            help="auto: CUDA when available, else CPU.")
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
DbOption = _path_option("--db", kind="file", missing="create",
                        help="Index database (default: $SIMSEARCH_DB, else ~/.local/share/simsearch/index.db).")
PRECISION_HELP = ("auto follows the hardware: bf16 on CPUs with native bf16 (AMX, AVX512-BF16), else fp32; "
                  "int8 only on request (fastest on CPU, but moves about 1 in 9 of the 10 nearest neighbours)")
# Encoding for search: the precision each model's vectors were made at (recorded by `index`).
QueryPrecisionOption = typer.Option(Precision.auto, "--precision",
                                    help="Precision of the query encoder: auto is the one the model was indexed at; "
                                         "another one is an error (re-index to change it).")
BatchSizeOption = typer.Option(64, "--batch-size", callback=_number(1), help="Sentences per forward pass (>= 1).")


def _finite(obj):
    """``obj`` with every non-finite float (NaN, inf) as ``None``: JSON has no such numbers."""
    if type(obj).__module__ == "numpy" and hasattr(obj, "item"):  # numpy scalars
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: _finite(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(value) for value in obj]
    return obj


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(_finite(obj), ensure_ascii=False, allow_nan=False) + "\n")


@app.command("models")
def models_command(json_out: bool = JsonOption) -> None:
    """List the models simsearch can use without a download."""
    from .models import interrupted_runs, list_models, models_dir

    found = list_models()
    if json_out:
        for ref in found:
            _print_json({**ref.describe(), "metadata": ref.metadata})
        return
    table, left_out = _models_table(found, stdout.width)
    stdout.print(table, soft_wrap=False, crop=False)  # (a name longer than the terminal: one line)
    if left_out:
        shown = ", ".join(left_out[:-1]) + " and " if len(left_out) > 1 else ""
        stdout.print(f"{shown}{left_out[-1]} left out at {stdout.width} columns: `simsearch models --json` has every "
                     "field", highlight=False, markup=False, soft_wrap=True)
    for ref in found:  # why a folder is shadowed or unreadable: one line each, under the table
        if ref.note:
            stdout.print(_cell(f"{ref.name} ({ref.source}): {ref.note}"), highlight=False, soft_wrap=True)
    for run in interrupted_runs():  # a stopped `train` run's checkpoint: not a model, but its disk and its way on
        stdout.print(_cell(f"{_shown(run['out'])}: an interrupted `simsearch train` saved a checkpoint at {run['saved_at']} "
                           f"({_mib(run['bytes'])}) in {_shown(run['path'])}: the same command with --resume goes on "
                           "from it; delete that folder to drop it"), highlight=False, soft_wrap=True)
    stdout.print(
        f"Trained models are read from {_shown(models_dir())}/ ($SIMSEARCH_MODELS). Any local model folder or "
        "Hugging Face id (e.g. princeton-nlp/sup-simcse-bert-base-uncased) also works; a hub id is "
        "downloaded only when you name it."
    )


# ``models``' columns, and those left out, in this order, where the terminal is too narrow for them
# beside the models' names and PATH_ROOM characters of their paths.
MODELS_COLUMNS = ("name", "source", "pooler", "max len", "base", "checked", "path")
MODELS_LEFT_OUT_WHEN_NARROW = ("max len", "pooler", "source", "base")
PATH_ROOM = 24  # the characters of a path a row shows, at least: its end ("…/models/notes-unsup-simcse")
BASE_ROOM = 12  # a longer base model's name (a hub id, a folder) folds onto more lines


def _models_table(found: list, width: int):
    """``models``' table for a terminal ``width`` columns wide (or, where even a name and a path's
    end do not fit, its list form: ``tables.models_table``), and the columns left out of it
    (:data:`MODELS_LEFT_OUT_WHEN_NARROW`). Each name whole on one line; each path by its end (the
    folder's own name) after a "…", in the room the other columns leave it (at least
    :data:`PATH_ROOM`, else 12, before the list form).
    Was: rich narrowed every column alike: at 80 columns "index-inde / x-unsup-si / mcse" over
    three lines, and paths cut at their end ("/tmp/s50/u…"), the part that tells two apart."""
    from rich.cells import cell_len

    from .tables import Column, models_table

    values = {column: [] for column in MODELS_COLUMNS}
    for ref in found:
        for column, value in zip(MODELS_COLUMNS, (
                _visible(ref.name), _visible(ref.source), ref.pooler or "",
                str(ref.max_length) if ref.max_length else "", _visible(ref.metadata.get("base_model", "")),
                _checked(ref.metadata), _visible(ref.path))):
            values[column].append(Text(value))
    # a path: its end, the folder's own name whole ("…/notes-unsup-simcse") if it is longer
    path_room = max(PATH_ROOM, *(cell_len(os.path.basename(cell.plain)) + 2 for cell in values["path"]))
    columns = [Column(column, values[column], wrap=column in ("base", "checked", "path"),
                      least={"base": BASE_ROOM, "path": path_room}.get(column),
                      floor=12 if column == "path" else None, grow={"path": 0, "checked": 1, "base": 2}.get(column, 0),
                      fit=(lambda cell, cells: Text(_path_end(cell.plain, cells))) if column == "path" else None)
               for column in MODELS_COLUMNS]
    return models_table("Models", columns, width, MODELS_LEFT_OUT_WHEN_NARROW)


def _path_end(path: str, cells: int) -> str:
    """``path`` in at most ``cells`` columns: whole, else "…" and its end, from a "/" where one is
    in it ("…/models/notes-unsup-simcse"; a wide character takes two columns)."""
    from rich.cells import cell_len

    if cell_len(path) <= cells:
        return path
    start = len(path)
    while start > 0 and cell_len(path[start - 1:]) <= cells - 1:
        start -= 1
    end = path[start:]
    return "…" + (end[end.index("/"):] if "/" in end[1:] else end)


def _checked(metadata: dict) -> str:
    """What `train` measured the model by, for `simsearch models`: its best STS-B dev score, else
    how the held-out check judged it against its base ("held-out: better", "held-out: within
    noise"...: `train.report.heldout_judgement`), else nothing (the embedded model, a model
    trained where neither was measured)."""
    best = metadata.get("best_dev_stsb")
    if isinstance(best, (int, float)) and math.isfinite(best):
        return f"STS-B dev {best:.2f}"
    if isinstance(metadata.get("heldout"), dict):
        from .train.report import heldout_judgement

        try:
            judgement = heldout_judgement(metadata["heldout"])
        except (KeyError, TypeError, ValueError):  # a simsearch.json edited by hand
            judgement = None
        if judgement:
            return f"held-out: {judgement}"
    return ""


def _resolve_all(names: Optional[list[str]], pooler: Optional[str]):
    """Every named model resolved (cheap: no weights loaded) before the first one is loaded."""
    from .models import resolve_model

    return [resolve_model(name, pooler) for name in names or [None]]


@eval_app.command("sts")
def eval_sts_command(
    model: Optional[list[str]] = ModelOption,
    data: Optional[Path] = DataOption,
    aggregate: Aggregate = typer.Option(Aggregate.all, "--aggregate", help="STS12-16 aggregation: all (pooled), mean, wmean."),
    split: StsSplit = typer.Option(StsSplit.test, "--split", help="test: the paper's Table 5; dev: STS-B dev only (model selection)."),
    pooler: Optional[Pooler] = PoolerOption,
    batch_size: int = BatchSizeOption,
    device: Device = DeviceOption,
    precision: Precision = typer.Option(Precision.fp32, "--precision",
                                        help="Encoder precision (default fp32: the paper's numbers). " + PRECISION_HELP + "."),
    json_out: bool = JsonOption,
) -> None:
    """STS12-16, STS-B and SICK-R with the SimCSE paper's protocol (Spearman x 100)."""
    from .encoder import Encoder
    from .sts import data_dir, evaluate_sts

    aggregate, split = _value(aggregate), _value(split)
    root = data_dir(data)
    rows = []
    try:
        for ref in _resolve_all(model, _value(pooler)):
            encoder = Encoder.load(ref, device=_value(device), batch_size=batch_size, precision=_value(precision))
            result = evaluate_sts(encoder.encode, root, aggregate_by=aggregate, split=split, precision=encoder.precision)
            result = {"model": encoder.name, "pooler": ref.pooler, **result}  # --pooler changes every figure
            rows.append(result)
        if json_out:  # all rows or none: a model that fails after others leaves no rows for a script to take as all
            for result in rows:
                _print_json(result)
    finally:  # a model that fails (or Ctrl-C) after others: their rows are printed, then the error
        if rows and not json_out:
            stdout.print(_sts_table(rows, aggregate, split, pooler is not None), soft_wrap=False, crop=False)
            _print_note(_sts_note(rows))


def _print_note(note: str) -> None:
    """A table's note, one line under it: a caption is wrapped to the table's width, and cut a
    command it quotes in two (`index --vector-context` / `1`), in a terminal or a pipe."""
    stdout.print(note, highlight=False, markup=False, soft_wrap=True)


def _sts_note(rows: list[dict]) -> str:
    """What ``eval sts``'s figures are: the protocol, the encoder's precision, how to get the paper's."""
    precisions = ", ".join(dict.fromkeys(result["protocol"]["precision"] for result in rows))
    return (f"cosine similarity, no regressor, encoder at {precisions}; "
            + ("comparable with SimCSE (Gao et al. 2021) Table 5" if precisions == "fp32"
               else "the paper's numbers are fp32 (--precision fp32)"))


def _sts_table(rows: list[dict], aggregate: str, split: str, pooler_given: bool, width: int | None = None):
    """``eval sts``'s table: one row per model evaluated, for a terminal ``width`` columns wide
    (standard output's), each model's name whole on one line (``tables.models_table``: a list
    where the table does not fit); its note: :func:`_sts_note`."""
    from .sts import TASKS
    from .tables import Column, models_table

    columns = ["STSBenchmark"] if split == "dev" else [*TASKS, "avg"]
    poolers = len({result["pooler"] for result in rows}) > 1 or pooler_given
    labels = {"STSBenchmark": "STS-B", "SICKRelatedness": "SICK-R", "avg": "Avg."}
    title = f"STS, Spearman x 100 ({'STS-B dev' if split == 'dev' else f'{aggregate!r} aggregation, test splits'})"
    table = [Column("model", [_cell(result["model"]) for result in rows])]
    if poolers:
        table.append(Column("pooler", [Text(result["pooler"]) for result in rows]))
    table += [Column(labels.get(c, c), [Text(f"{result[c]:.2f}") for result in rows], justify="right") for c in columns]
    return models_table(title, table, width if width is not None else stdout.width)[0]


@eval_app.command("geometry")
def eval_geometry_command(
    model: Optional[list[str]] = ModelOption,
    data: Optional[Path] = DataOption,
    split: GeometrySplit = typer.Option(GeometrySplit.all, "--split", help="STS-B splits to use: all, train, dev or test."),
    pooler: Optional[Pooler] = PoolerOption,
    device: Device = DeviceOption,
    json_out: bool = JsonOption,
) -> None:
    """Alignment and uniformity (Wang & Isola 2020) on STS-B, as in the SimCSE paper (lower is better)."""
    from .encoder import Encoder
    from .sts import alignment_uniformity, data_dir

    root = data_dir(data)
    rows = []
    try:
        for ref in _resolve_all(model, _value(pooler)):
            encoder = Encoder.load(ref, device=_value(device))
            rows.append({"model": encoder.name, "pooler": ref.pooler,
                         **alignment_uniformity(encoder.encode, root, split=_value(split))})
        if json_out:
            for result in rows:  # all rows or none, as eval sts
                _print_json(result)
    finally:  # a model that fails (or Ctrl-C) after others: their rows are printed, then the error
        if rows and not json_out:
            stdout.print(_geometry_table(rows, pooler is not None), soft_wrap=False, crop=False)


def _geometry_table(rows: list[dict], pooler_given: bool, width: int | None = None):
    """``eval geometry``'s table: one row per model, each name whole on one line (a list where the
    table does not fit: ``tables.models_table``)."""
    from .tables import Column, models_table

    table = [Column("model", [_cell(result["model"]) for result in rows])]
    if pooler_given:
        table.append(Column("pooler", [Text(result["pooler"]) for result in rows]))
    table += [Column("alignment", [Text(f"{result['alignment']:.4f}") for result in rows], justify="right"),
              Column("uniformity", [Text(f"{result['uniformity']:.4f}") for result in rows], justify="right"),
              Column("positive pairs", [Text(str(result["positive_pairs"])) for result in rows], justify="right"),
              Column("sentences", [Text(str(result["sentences"])) for result in rows], justify="right")]
    return models_table("Alignment and uniformity on STS-B (lower is better)", table,
                        width if width is not None else stdout.width)[0]


@eval_app.command("retrieval")
def eval_retrieval_command(
    queries: Path = typer.Argument(..., parser=_nonempty_path("QUERIES"), callback=_path("file"),
                                   help="Query file: JSONL {\"query\": ..., \"relevant\": [...]} per line, or TSV query<TAB>path[:A-B]."),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", callback=_model_name,
                                              help="One of the index's models; repeat to compare (default: minilm)."),
    mode: Optional[list[Mode]] = typer.Option(None, "--mode", help="Search mode; repeat to compare (default: the search default)."),
    k: int = typer.Option(10, "-k", "--k", callback=_number(1, 1000), help="Depth of recall@k (hit, MRR and nDCG are at 1 and 10)."),
    details: Optional[Path] = _path_option("--details", kind="file", missing="create",
                                           help="Write per-query NDJSON (rank of the first relevant hit, the top hits, which were relevant) to this new file."),
    db: Optional[Path] = DbOption,
    device: Device = DeviceOption,
    precision: Precision = QueryPrecisionOption,
    json_out: bool = typer.Option(False, "--json", help="One JSON object per model x mode."),
) -> None:
    """How well each model finds what a query file says is relevant: hit@1, hit@10, MRR@10, nDCG@10, recall@k."""
    from .retrieval import compare, comparison_line, ensure_new_file, iter_eval, load_queries, write_details
    from .search import index_running_message
    from .store import Store

    from .progress import print_warning

    loaded = load_queries(queries, on_warning=print_warning)  # a bad file fails before any model loads
    if details is not None:
        ensure_new_file(details)
    store = Store.open(db, create=False, readonly=True)
    _check_recorded_precision(store, model or [None], _value(precision))
    # Figures measured while `index` writes are of an index half old, half new: said on stderr,
    # and in each --json row (a before/after comparison must not take them for the index's own).
    running = index_running_message(store, "evaluate again")
    if running:
        print_warning(running)

    results, changes, rows = [], [], []
    try:
        for result in iter_eval(store, loaded, model or [None], [_value(m) for m in mode or [DEFAULT_MODE]], k,
                                device=_value(device), on_warning=print_warning, progress=not json_out):
            # Each model after the first against the first, in the same mode: the change and
            # whether it is more than the noise of this many questions.
            first = next((r for r in results if r.mode == result.mode and r.model is not None), None)
            change = compare(first, result) if first is not None and result.model is not None else None
            results.append(result)
            if change is not None:
                changes.append(change)
            if json_out:
                rows.append({**result.as_dict(), **({"compared_with": _compared_with(change)} if change else {}),
                             "index_in_progress": running is not None})
        if details is not None:  # only for a complete run: the file is all of it or nothing
            write_details(details, results)
        for row in rows:  # and so is standard output under --json, as eval sts's
            _print_json(row)
    finally:  # a model that fails (or Ctrl-C) after others: their rows are printed, then the error
        if results and not json_out:
            stdout.print(_retrieval_table(results, len(loaded), queries, store.path, k), soft_wrap=False, crop=False)
            _print_note(_retrieval_note(results))
            for change in changes:
                stdout.print(_shown(comparison_line(change)), highlight=False, soft_wrap=True)


def _compared_with(change: dict) -> dict:
    """A row's ``compared_with`` in ``eval retrieval --json``: the first model (``model``) and the
    row's change against it (``retrieval.compare``; the row itself names its own model)."""
    return {"model": change["reference"], **{key: value for key, value in change.items()
                                             if key not in ("model", "reference")}}


def _retrieval_note(results) -> str:
    """What ``eval retrieval``'s figures count, said under its table: a unit once, a lexical row,
    the vectors' precision when the models share it (else a column), context vectors."""
    note = "a relevant section or file counts once, found by any of its sentences"
    if any(result.model is None for result in results):
        note += "; lexical (BM25) uses no model: one row, whatever the models"
    # Precision (of a model's vectors and queries; none in lexical mode) gets a column only when
    # the models differ in it, else a word in the note: eight columns cut "recall@10" to
    # "recall@…" in an 80-column terminal.
    precisions = {result.precision for result in results if result.precision is not None}
    if len(precisions) == 1:
        note += f"; vectors at {next(iter(precisions))}"
    if any(result.context_window for result in results):  # (one index: one setting)
        note += "; context vectors (`index --vector-context 1`)"
    return note


def _retrieval_table(results, queries: int, path: Path, db: Path, k: int, width: int | None = None):
    """``eval retrieval``'s table: one row per model x mode evaluated, for a terminal ``width``
    columns wide (standard output's); its note: :func:`_retrieval_note`. Each model's name whole on
    one line (``tables.models_table``): the figures are never cut, their headers go on over two
    lines ("recall" / "@10") where that lets the table fit, else the rows are listed.
    Was: the model's column folded its names ("notes-index-unsup-si" / "mcse"), and in 60 columns
    the figures' headers were cut ("recal…")."""
    from .retrieval import metric_names
    from .tables import Column, models_table

    names = metric_names(k)
    by_row = len({result.precision for result in results if result.precision is not None}) > 1
    counted_queries = f"{queries:,} {'query' if queries == 1 else 'queries'}"  # (errors.counted: "querys")
    title = f"Retrieval: {counted_queries} from {_shown(path.name)} over {_shown(db.name)}"
    columns = [Column("model", [_cell(result.model) if result.model is not None else Text("-") for result in results]),
               Column("mode", [Text(result.mode) for result in results])]
    if by_row:
        columns.append(Column("precision", [Text(result.precision or "-") for result in results]))
    columns += [Column(name, [Text(f"{result.metrics[name]:.3f}") for result in results], justify="right")
                for name in names]
    return models_table(title, columns, width if width is not None else stdout.width)[0]


@app.command("train")
def train_command(
    unsup: Optional[Path] = _path_option("--unsup", kind="any",
                                         help="Unsupervised: a text file (read whatever its size) or a folder, read as "
                                              "`simsearch index` reads it (files over its --max-file-mb default skipped)."),
    sup: Optional[Path] = _path_option("--sup", kind="file", help="Supervised: CSV/TSV/JSONL with sent0,sent1[,hard_neg]."),
    from_index: bool = typer.Option(False, "--from-index",
                                    help="Unsupervised on exactly the sentences the index (--db) holds."),
    db: Optional[Path] = _path_option("--db", kind="file", missing="explain",
                                      help="With --from-index: the index (default: $SIMSEARCH_DB, else ~/.local/share/simsearch/index.db)."),
    model: str = typer.Option("minilm", "--model", "-m", callback=_model_name, help="Base model to start from."),
    out: Optional[Path] = _path_option("--out", kind="folder", missing="create",
                                       help="Output folder (default: models/<data>-<mode>-simcse, a folder named docs, doc, "
                                            "documentation, notes, src, text or data with its parent's name before "
                                            "it: click/docs -> click-docs-unsup-simcse; --from-index: "
                                            "models/<db>-index-unsup-simcse)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Passes over the data (default: unsup 1, sup 3)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Stop after this many steps."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", callback=_train_batch,
                                             help="Global batch, 2 to 65,536: the other sentences are the negatives (default: unsup 64, sup 512)."),
    micro_batch: Optional[int] = typer.Option(
        None, "--micro-batch", help="Encode each batch in pieces of this many rows (gradient caching): the same loss "
        "and gradients as one pass over --batch-size, with the memory of a piece. Default: one pass."),
    lr: Optional[float] = typer.Option(None, "--lr", callback=_number(), help="Learning rate (default: unsup 3e-5, sup 5e-5)."),
    temp: float = typer.Option(0.05, "--temp", callback=_number(), help="Temperature tau of the softmax over cosine similarities."),
    pooler: Optional[Pooler] = typer.Option(None, "--pooler", help="Training pooler (default: the base model's own; cls + MLP for raw BERT)."),
    max_len: Optional[int] = typer.Option(None, "--max-len",
                                          help="Truncate training texts to this many tokens, >= 4 (default: 32; --recipe ict: 128)."),
    recipe: Optional[str] = typer.Option(
        None, "--recipe", help="Unsupervised recipe: paper (two dropout views of a sentence, the paper's) or ict (a "
        "sentence and its neighbours, 10% of documents held out to measure it; at most 60 steps unless --max-steps/--epochs). "
        "Default: ict for 10+ documents, else paper."),
    hard_negative_weight: float = typer.Option(1.0, "--hard-negative-weight", callback=_number(),
                                               help="Eq. 8 alpha: weight of the anchor's own hard negative (1 = Eq. 5)."),
    distill: Optional[float] = typer.Option(
        None, "--distill", callback=_number(),
        help="Weight of a term that keeps the base model's view of each batch (RankCSE-style distillation; 0: the "
             "paper's loss alone). Default: 5 when the paper's recipe is chosen for you (a file of lines, fewer than 10 "
             "documents) from a sentence-encoder base, else 0."),
    dropout: float = typer.Option(0.1, "--dropout", callback=_number(), help="Dropout rate p in [0, 1) (the unsupervised views' only noise)."),
    warmup_steps: int = typer.Option(0, "--warmup-steps", help="Linear warm-up steps before the linear decay (paper: 0)."),
    same_dropout_mask: bool = typer.Option(False, "--same-dropout-mask", help="Ablation 'fixed 0.1': one mask for both views."),
    seed: int = typer.Option(42, "--seed", callback=_number(0, 2**32 - 1), help="Random seed (data order, dropout, MLP init)."),
    eval_steps: int = typer.Option(125, "--eval-steps", help="Evaluate every N steps (STS-B dev when available)."),
    checkpoint_every: float = typer.Option(
        5.0, "--checkpoint-every", callback=_number(), metavar="MINUTES",
        help="Save a checkpoint for --resume every this many minutes, so that kill -9, a crash or a "
             "power cut loses at most that much (0: only on Ctrl-C or SIGTERM)."),
    device: Device = DeviceOption,
    precision: Precision = typer.Option(Precision.auto, "--precision",
                                        help="Training precision (the loss stays fp32): auto is bf16 autocast on CPUs "
                                             "with native bf16, else fp32; int8 is for encoding only."),
    data: Optional[Path] = DataOption,
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same command."),
    no_bucket: bool = typer.Option(False, "--no-bucket", help="Plain random batches (no length bucketing)."),
    json_out: bool = JsonOption,
) -> None:
    """Train SimCSE: --unsup on your own text, or --sup on NLI triplets. A checkpoint is saved every 5 minutes and on Ctrl-C."""
    from .train import TrainConfig, train

    # Ranges (--lr > 0, --dropout in [0, 1), ...) are TrainConfig's, so a Python caller gets them too;
    # it checks them before any data or model is read. Here: only that floats are finite.
    if (unsup is not None) + (sup is not None) + from_index != 1:
        raise SimsearchError("give exactly one of --unsup FILE or --sup FILE or --from-index")
    if db is not None and not from_index:
        raise SimsearchError("--db goes with --from-index (train on what an index holds)")
    source = unsup or sup
    if from_index:
        from .store import default_db_path

        source = db or default_db_path()
    config = TrainConfig(
        mode="sup" if sup else "unsup", data=source, from_index=from_index, model=model, out=out, epochs=epochs,
        max_steps=max_steps, batch_size=batch_size, micro_batch=micro_batch, lr=lr, temp=temp, pooler=_value(pooler), max_len=max_len,
        hard_negative_weight=hard_negative_weight, dropout=dropout, same_dropout_mask=same_dropout_mask,
        warmup_steps=warmup_steps, seed=seed, eval_steps=eval_steps, checkpoint_every=checkpoint_every,
        device=_value(device), eval_data=data, resume=resume, bucket=not no_bucket, progress=not json_out, recipe=recipe,
        precision=_value(precision), distill=distill,
    )
    metadata = train(config)
    if metadata is None:  # not the main process under torchrun
        return
    if json_out:
        _print_json({"out": str(config.out), **metadata})
        return
    from .train.report import TOO_FEW, files_line, heldout_judgement, heldout_verdict, sts_judgement, sts_verdict

    used = files_line(metadata.get("data_source") or {})
    if used:  # (what `simsearch status` counts against what training read: the difference said)
        stdout.print(_shown(used), highlight=False, soft_wrap=True)
    best = metadata["best_dev_stsb"]
    # The check that chose the step did not find the model better: no "use it" for it. "not better"
    # (the base did as well or better), or "mixed" (held-out hit@10 and MRR@10 moved apart).
    judgements = {heldout_judgement(metadata.get("heldout")), sts_judgement(metadata)}
    unproven = next((j for j in ("not better", "mixed", "within noise", TOO_FEW) if j in judgements), None)
    verdicts = [v for v in (heldout_verdict(metadata.get("heldout")), sts_verdict(metadata)) if v]
    for verdict in verdicts:
        stdout.print(verdict, highlight=False)
    if not verdicts and config.mode == "unsup" and best is None:
        stdout.print("not measured against the base model (no documents held out, no STS data): your own questions "
                     "can compare them (below)", highlight=False)
    elif config.mode == "sup" and metadata["selection"] == "last step" and metadata.get("base_dev_stsb") is None:
        # (STS-B dev is a supervised run's only measure)
        stdout.print("not measured against the base model (no STS data: with STS-B dev (--data DIR or "
                     "SIMSEARCH_DATA) training keeps its best step and compares it with the base)", highlight=False)
    # The step held-out retrieval kept, when not the last (as STS-B dev's is said below): its figures are the
    # ones printed above, not the last step's of train_log.jsonl.
    kept = metadata.get("best_step") if metadata["selection"] == "best held-out retrieval" else None
    steps = (f"step {kept} of {metadata['steps']}" if kept is not None and kept != metadata["steps"]
             else counted(metadata["steps"], "step"))
    stdout.print(
        f"saved [bold]{_shown(config.out)}[/] ({steps}, {metadata['selection']}"
        + {"not better": " of its steps, not above the base model",
           "mixed": " of its steps, above the base model on one held-out figure, below it on the other",
           "within noise": " of its steps, within the noise of the held-out questions from the base model",
           TOO_FEW: " of its steps; too few held-out documents to tell it from the base model",
           None: ""}[unproven]
        + (f", STS-B dev {best:.2f} at step {metadata['best_step']}" if best is not None else "")
        + f"); inference pooler {metadata['pooler']}. " + _next_step(config, metadata, db, unproven)
    )


def _model_argument(out) -> str:
    """What `-m` takes for a model `train` saved in ``out``: its name in the models folder, else
    its absolute path (a bare ``m`` would mean the models folder's ``m`` first)."""
    from .models import models_dir

    out = Path(out)
    try:
        return out.name if out.parent.resolve() == models_dir().resolve() else str(out.absolute())
    except OSError:
        return str(out.absolute())


# The file of the user's own questions that `train`'s closing lines name: `tui --questions` keeps
# answers in it (`a`), `eval retrieval` compares the two models over them.
QUESTIONS = "questions.jsonl"
KEEP_ANSWER = "a keeps a result as your query's answer"


def _next_step(config, metadata: dict, db: Optional[Path], unproven: Optional[str] = None) -> str:
    """After `train`: a command that works here. `eval sts` only where STS data was found (it stops
    with "no evaluation data" elsewhere); after --from-index, embedding that index with the model.
    ``unproven``: the check that chose the step found it "not better" than the base, "mixed" (one
    held-out figure up, the other down), "within noise" (no change the held-out questions can
    tell from chance) or "too few documents" (none they could tell), so the line asks for a
    comparison on the user's own questions instead of saying "use it"."""
    out = Path(config.out)
    name = _model_argument(out)
    base = metadata["base_model"]
    compare = "compare the two on your own questions before you use it: "
    lead = {"not better": f"The base model did as well or better on that check: {compare}",
            "mixed": f"Neither model was better on both figures: {compare}",
            "within noise": f"The change on that check is within its noise: {compare}",
            "too few documents": f"That check had too few documents to tell: {compare}"}.get(
        unproven, "Try it on your own questions: ")
    if config.from_index:
        where = f" --db {db}" if db is not None else ""
        return (f"{lead}simsearch index{_shown(where)} -m {_shown(base)} -m {_shown(name)}, then simsearch "
                f"tui{_shown(where)} --left {_shown(base)} --right {_shown(name)} --questions {QUESTIONS} ({KEEP_ANSWER}), "
                f"and simsearch eval retrieval {QUESTIONS}{_shown(where)} -m {_shown(base)} -m {_shown(name)}")
    if metadata.get("best_dev_stsb") is not None:
        return f"Evaluate it: simsearch eval sts --model {_shown(out)}"
    if config.mode == "unsup" and config.data is not None:  # the user's own text: index it with both, compare
        data, base, name = (shlex.quote(str(value)) for value in (config.data, base, name))
        return (f"{lead}simsearch index {_shown(data)} -m {_shown(base)} -m {_shown(name)}, then simsearch tui "
                f"--left {_shown(base)} --right {_shown(name)} --questions {QUESTIONS} ({KEEP_ANSWER})"
                + f", and simsearch eval retrieval {QUESTIONS} -m {_shown(base)} -m {_shown(name)}")
    return f"{lead}simsearch index FOLDER -m {_shown(name)}"


def _visible(value) -> str:
    """A name, path or message from the user's files, its control characters escaped."""
    from .progress import visible

    return visible(str(value))


def _shown(value) -> str:
    """A name, path or message from the user's files inside Rich markup: printed as written
    (``[red]`` or ``[/]`` in a file name is text), its control characters escaped."""
    from .progress import visible

    return escape(visible(str(value)))


def _cell(value) -> Text:
    """A table cell holding such a value (a string cell would be read as markup)."""
    from .progress import visible

    return Text(visible(str(value)))


def _warn(path: str, reason: str) -> None:
    from .progress import print_warning
    from .search import display_path

    print_warning(f"{display_path(path)}: {reason}")


@app.command("index")
@sigterm_as_ctrl_c()  # from resolving the models to the summary, not only while `index()` runs
def index_command(
    paths: Optional[list[Path]] = typer.Argument(None, parser=_nonempty_path("PATHS"), callback=_path("any"),
                                                 help="Files or folders to index (default: the ones indexed before)."),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", callback=_model_name,
                                              help="Model to embed with; repeat for several (default: the index's models, else minilm)."),
    pooler: Optional[Pooler] = typer.Option(None, "--pooler", help="Pooling for --model when it has no pooling metadata; recorded in the index."),
    db: Optional[Path] = DbOption,
    device: Device = DeviceOption,
    precision: Precision = typer.Option(
        Precision.auto, "--precision",
        help="Precision the vectors are made at, recorded per model. auto keeps a model's recorded one; for a new "
             "model, " + PRECISION_HELP + ". Another precision than a model's recorded one re-embeds it."),
    batch_size: int = BatchSizeOption,
    max_file_mb: Optional[float] = typer.Option(
        None, "--max-file-mb", callback=_number(0, 1e9, above=True),
        help="Skip files larger than this many MiB (with a warning; an indexed file over it is taken out); the pictures of an "
             "EPUB, .docx, .odt or notebook do not count. Default: the last value given for this index, else 20."),
    vector_context: Optional[int] = typer.Option(
        None, "--vector-context", callback=_number(0, 1),
        help="1: each sentence's vector also embeds its neighbours, one either side (context vectors; files of one "
             "sentence per line keep sentence vectors); 0: the sentence alone, about 2.7x faster to index. One "
             "setting for every model of the index, recorded; a change re-embeds every model. Default: the index's "
             "setting (an index made before context vectors: 0), else 1."),
    status: bool = typer.Option(False, "--status", help="Show what the index holds instead (same as `simsearch status`)."),
    json_out: bool = JsonOption,
) -> None:
    """Index documents (.txt .md .rst .adoc .org .ipynb .html .epub .docx .odt; .pdf with the pdf extra): new and changed files only."""
    from .indexer import index, previous_roots
    from .models import resolve_model
    from .store import Store, default_db_path

    if status:
        return status_command(db=db, json_out=json_out)
    if pooler is not None and not model:
        raise SimsearchError("--pooler applies to the models named with --model; name them")
    _check_readable_roots(paths or [])
    if _value(device) not in ("auto", "cpu"):  # --device cuda without CUDA: refused before the index is opened
        from .encoder import pick_device

        pick_device(_value(device))
    db_path = Path(db) if db else default_db_path()
    new = not db_path.exists()
    made = _folders_to_make(db_path)  # made for a new index, removed with it
    if new:
        # A new index is created only for a run that can start: something to index, models that resolve.
        if not paths and not model:
            raise SimsearchError("nothing to index: give a folder or file (simsearch index ./docs)")
        for name in model or []:
            resolve_model(name, _value(pooler))
    extra = {"pooler": _value(pooler)} if pooler is not None else {}
    if vector_context is not None:
        extra["context"] = vector_context
    store = None
    ended: BaseException | None = None  # what ended the run early, if anything did
    try:
        if new:  # a stop as it is made comes once it is, and the clean-up below removes it (was:
            # "interrupted", and an empty index, or the folder made for it, left behind)
            with _stops_held():
                store = _open_new_index(db_path, made)
        else:  # (an old index's upgrade, which its opening runs, is cut short by a stop, as before)
            store = Store.open(db)
        roots = list(paths or [])
        if not roots and not model:
            roots = previous_roots(store)
            if not roots:
                raise SimsearchError("nothing to index: give a folder or file (simsearch index ./docs)")
        report = index(store, roots, model, device=_value(device), batch_size=batch_size, max_file_mb=max_file_mb,
                       progress=not json_out, on_warning=None if json_out else _warn, precision=_value(precision),
                       refusable=bool(paths), **extra)
    except (SimsearchError, KeyboardInterrupt) as exc:
        ended = exc
        if not json_out:  # a run stopped after reading: the files it read are not read again
            _warn_includes(getattr(exc, "includes_not_indexed", []), db)
        raise
    except BaseException as exc:  # (its own traceback, not one of the clean-up's)
        ended = exc
        raise
    finally:
        # However the run ended (refused, failed, stopped at any point, the stop included that
        # comes as this clean-up runs: it waits for its end), an index of refused runs alone (a
        # first run that indexed nothing asked of it, another such run started beside it) or of
        # nothing (a model that does not load, Ctrl-C while one loads) is none: removed, with the
        # folders made for it, by the last of those runs.
        with _stops_held(raise_after=False) as stop:
            if store is not None:
                refusal, removed = _discard_refused(store, new, made, db_path, paths or [], ended)
            else:  # the index did not open (a new one: not made; its folders go, if empty)
                refusal, removed = None, new and not os.path.lexists(db_path)
                if removed:
                    _remove_folders_made(made)
        # A run that failed on its own (a model that does not load, a full disk) is told by its
        # error, a stop during its clean-up or not: the clean-up waited, and the stop changed nothing.
        failed = ended is not None and not isinstance(ended, (KeyboardInterrupt, Interrupted))
        if (stop.stopped and not failed) or isinstance(ended, (KeyboardInterrupt, Interrupted)):
            if removed:  # what the stopped run's own message said it saved is gone with the index
                raise Interrupted(f"interrupted; {refusal + '; ' if refusal else ''}no index was made") from None
            if stop.stopped and ended is None:  # the run had finished: what it did is saved, and said
                from .indexer import stopped_once_finished

                if not json_out and not refusal:
                    _warn_includes(report.includes_not_indexed, db)
                raise Interrupted(f"interrupted; {refusal}") if refusal else stopped_once_finished(store, report)
            if stop.stopped:
                raise KeyboardInterrupt
    if removed:
        refusal += "; no index was made"
    if json_out:
        _print_json(report.as_dict())
        if refusal:
            raise SimsearchError(refusal)
        return
    if refusal:
        raise SimsearchError(refusal)
    encoded = ", ".join(f"{name} {count:,} ({report.precision.get(name, '?')})"
                        for name, count in report.encoded.items()) or "nothing (no model could be loaded)"
    if not roots:  # --model with no PATHS: the index's sentences were embedded, no file was read
        stdout.print(f"encoded the index's sentences: {_visible(encoded)} ({report.seconds:.1f} s) in {_visible(report.db)}; "
                     f"files not read (give PATHS, or run `{_visible(command_line('index', db=db))}` alone, to refresh them)",
                     highlight=False, markup=False, soft_wrap=True)
        return
    unchanged = report.unchanged + report.touched - report.skipped_before
    skipped = (f", {len(report.skipped):,} skipped (see the warnings)" if report.skipped else "") + (
        f", {report.skipped_before:,} still skipped" if report.skipped_before else "")
    if report.files_seen == 0 and report.changed == 0 and not any(report.encoded.values()):
        # an empty folder (or one of files simsearch does not read): not "up to date: 0 files unchanged"
        from .extract import READABLE

        folders = [root for root in roots if Path(root).is_dir()]
        if not folders:  # every root is gone (warned above): its documents stay, nothing was read
            stdout.print(f"nothing to read: none of the roots exists now (see the warnings); nothing was changed in "
                         f"{_visible(report.db)}", highlight=False, markup=False, soft_wrap=True)
            return
        where = ", ".join(_visible(root) for root in folders[:3]) + (
            f" and {len(folders) - 3:,} more" if len(folders) > 3 else "")
        # The folders stay recorded (a plain `simsearch index` reads them again): said, with the way out.
        forget = " ".join(shlex.quote(str(root)) for root in folders)
        stdout.print(f"no file to index was found in {where} (simsearch reads {READABLE}, .pdf with the pdf extra; "
                     f"hidden and .gitignored files are left out); nothing was indexed in {_visible(report.db)}. "
                     f"{'The folder stays' if len(folders) == 1 else 'The folders stay'} among the index's roots, "
                     f"read again by every `simsearch index` (`simsearch forget {_visible(forget)}` takes "
                     f"{'it' if len(folders) == 1 else 'them'} out)",
                     highlight=False, markup=False, soft_wrap=True)
        return
    rebuilt = "".join(f"; HNSW file {how} for {_shown(model)}" for model, how in report.hnsw.items())
    if report.changed == 0 and not any(report.encoded.values()) and report.vectors_dropped:
        # a switch of --vector-context whose models could not load: not "up to date"
        stdout.print(f"{counted(report.vectors_dropped, 'vector')} dropped for --vector-context {report.context_window} "
                     f"and none made again (no model could be loaded: see the warnings); {counted(unchanged, 'file')} "
                     f"unchanged{skipped}{rebuilt} ({report.seconds:.1f} s) in {_shown(report.db)}")
        return
    if report.changed == 0 and not any(report.encoded.values()) and unchanged == 0 and report.skipped:
        # every file given was skipped (a binary file named .txt): nothing is indexed, not "up to date"
        stdout.print(f"nothing was indexed: 0 files unchanged{skipped}{rebuilt} ({report.seconds:.1f} s) in {_shown(report.db)}")
        return
    if report.changed == 0 and not any(report.encoded.values()):
        stdout.print(f"index is up to date: {counted(unchanged, 'file')} unchanged{skipped}{rebuilt} "
                     f"({report.seconds:.1f} s) in {_shown(report.db)}")
        return
    # "stored": every sentence of the new and changed files is written again; "encoded" counts
    # those a model had no vector for (an edit of one line of a long file: 95 stored, 1 encoded).
    # A file read again only because this version reads files otherwise did not change: said apart.
    again = f", {counted(report.reextracted, 'file')} read again by this version of simsearch" if report.reextracted else ""
    # No file read (a model added to an unchanged index): "0 sentences stored" read as an empty index.
    # What was stored is of the files read; the index's total is said apart where it differs
    # (a refresh's "106 sentences stored" read as the index's 2,581).
    read = report.added + report.updated
    stored = (f"; {counted(report.sentences_added, 'sentence')} stored from {counted(read, 'file')} read"
              if read or report.sentences_added else "")
    if report.changed and report.sentences != report.sentences_added:
        stored += f"; the index holds {counted(report.sentences, 'sentence')}"
    stdout.print(
        f"indexed {report.added:,} new, {report.updated - report.reextracted:,} changed, {report.removed:,} removed"
        f"{f' ({report.removed_skipped:,} now skipped)' if report.removed_skipped else ''}, "
        f"{counted(unchanged, 'file')} unchanged{again}{skipped}{stored}; "
        f"encoded: {_shown(encoded)}{rebuilt} ({report.seconds:.1f} s) in {_shown(report.db)}"
    )
    _warn_includes(report.includes_not_indexed, db)


# Files included from outside the index named one line each, up to this many; the rest in one line.
INCLUDE_LINES = 10


def _warn_includes(outside: list[dict], db: Optional[Path]) -> None:
    """After ``index``'s summary, the files that the files it read include (not followed) from
    outside every indexed folder: their text is in no document until they are indexed themselves."""
    from .progress import print_warning
    from .search import display_path

    for entry in outside[:INCLUDE_LINES]:
        first, others = entry["included_by"][0], len(entry["included_by"]) - 1
        who = (f"{display_path(first['path'])}:{first['line']} includes" if not others else
               f"{display_path(first['path'])}:{first['line']} and {counted(others, 'more file')} include")
        print_warning(f"{who} {display_path(entry['path'])}, outside the folders indexed (an include is not followed): "
                      f"`{entry['command']}` indexes it")
    rest = outside[INCLUDE_LINES:]
    if rest:
        print_warning(f"and {counted(len(rest), 'more included file')} outside the folders indexed: "
                      f"`{command_line('index', *(display_path(entry['path']) for entry in rest), db=db)}` indexes them")


def _indexed_example(searcher) -> str:
    """'; one indexed file from here: docs/a.md', for a --path that matches none (how to spell one)."""
    from .search import display_path

    first = searcher.store.conn.execute("SELECT path FROM documents WHERE skip_reason IS NULL ORDER BY path LIMIT 1").fetchone()
    return f"; one indexed file from here: {display_path(first[0])}" if first else ""


def _folders_to_make(db_path: Path) -> list[Path]:
    """The folders that opening a new index at ``db_path`` makes (``mkdir -p`` of its folder),
    deepest first, as spelt: ``newdir/../y.db`` makes ``newdir``, whose ``..`` is no folder of its own."""
    missing = []
    for folder in db_path.absolute().parents:
        if folder.exists():
            break
        if folder.name not in ("", ".", ".."):
            missing.append(folder)
    return missing


# The setting that names the folders a new index's opening made (``_open_new_index``).
FOLDERS_MADE_KEY = "folders_made"


def _open_new_index(db_path: Path, made: list[Path]):
    """A new index, with the folders its opening made (``_folders_to_make``) recorded in it: a
    refused run that did not make them, but removes the index as the last of its refused runs
    (another started beside the one that made it), removes them too."""
    from .store import Store

    store = Store.open(db_path)
    if made:
        with store.transaction():
            store.set_setting(FOLDERS_MADE_KEY, json.dumps([str(folder) for folder in made]))
    return store


def _recorded_folders_made(store, db_path: Path) -> list[Path]:
    """The folders recorded by ``_open_new_index`` that still hold ``db_path`` (not those of an
    index moved since)."""
    holding = set(db_path.absolute().parents)
    return [Path(folder) for folder in json.loads(store.setting(FOLDERS_MADE_KEY) or "[]") if Path(folder) in holding]


def _remove_folders_made(folders: list[Path]) -> None:
    """The folders a new index's run made for it (``_folders_to_make``), once it is removed:
    each that is empty (rmdir removes nothing else)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _none_of_the_files_read(store, paths: list[Path]) -> str | None:
    """``indexer.none_of_the_files_read``: the error of a run that indexed none of the files it was given."""
    from .indexer import none_of_the_files_read

    return none_of_the_files_read(store, paths)


def _discard_refused(store, new: bool, made: list[Path], db_path: Path, paths: list[Path],
                     ended: BaseException | None) -> tuple[str | None, bool]:
    """The end of an ``index`` run: its refusal (``_none_of_the_files_read``, None for a run that
    did what was asked or stopped before it knew), and whether the index was removed for holding
    refused runs' skips alone, or nothing (a new index whose run failed before it wrote), with
    the folders made for it. An existing index keeps a refused run's skips."""
    from .indexer import discard_unused

    try:
        refusal = _none_of_the_files_read(store, paths)
    except (sqlite3.Error, SimsearchError):  # (the run's own error is told)
        if ended is None:
            raise
        refusal = None
    if not (refusal or new and ended is not None):
        return refusal, False
    if refusal:
        made = made or _recorded_folders_made(store, db_path)  # (another refused run made the index, and them)
    if not discard_unused(store, refused=True):
        if not (refusal and not os.path.lexists(db_path)):
            return refusal, False
        # Removed meanwhile by another refused run (its end recorded after this one's): the folders
        # made for it go too, whichever of the two made them.
    _remove_folders_made(made)
    return refusal, True


def _check_readable_roots(paths: list[Path]) -> None:
    """A file named as a root must be of a type simsearch reads: another (``notes.rtf``) is the
    user's mistake, refused before anything is written, not a root recorded to warn on every run."""
    from .extract import READABLE, printable, reads_name

    for path in paths:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise SimsearchError(f"{printable(path)}: not a regular file or folder (a pipe, socket or device); "
                                 "nothing was indexed")
        if path.is_file() and not reads_name(path):
            kind = f"{path.suffix} files" if path.suffix else "files without a suffix"
            raise SimsearchError(f"{printable(path)}: simsearch cannot index {kind} (it reads {READABLE}, "
                                 ".pdf with the pdf extra); nothing was indexed")


def _check_recorded_pooler(store, names: list[Optional[str]], pooler: Optional[str]) -> None:
    """``--pooler`` on search/tui names the pooler the index was built with; a different one is an error."""
    if pooler is None:
        return
    from .search import pick_model

    for name in names:
        row = pick_model(store, name)
        if row.pooler != pooler:
            raise SimsearchError(
                f"--pooler {pooler}: model {row.name!r} was indexed with pooler {row.pooler}; to search with "
                f"{pooler}, re-index it: {index_command_line(row.name, store.path, '--pooler', pooler)}"
            )


def _check_recorded_precision(store, names: list[Optional[str]], precision: Optional[str]) -> None:
    """``--precision`` on search/tui/eval retrieval must be the precision each model's vectors
    were made at (``auto``: that one); another is a one-line error naming both."""
    if precision in (None, "auto"):
        return
    from .search import pick_model
    from .store import query_precision

    for name in names:
        query_precision(pick_model(store, name), precision, store.path)


@app.command("search")
def search_command(
    query: Optional[str] = typer.Argument(None, help="What to look for (a sentence or a few words)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", callback=_model_name, help="Which of the index's models (default: minilm)."),
    k: int = typer.Option(10, "-k", "--k", callback=_number(1, 1_000_000), help="Number of results (1 to 1,000,000)."),
    min_score: Optional[float] = typer.Option(None, "--min-score", callback=_number(-1, 1),
                                              help="Drop results whose cosine similarity to the query is below this (-1 to 1), in every mode."),
    path: Optional[str] = typer.Option(None, "--path", callback=_nonempty_glob,
                                       help="Only documents matching this glob or under this folder."),
    context: int = typer.Option(1, "--context", callback=_number(0, 1000), help="Neighbouring sentences shown each side (0 to 1000)."),
    queries: Optional[Path] = _path_option("--queries", kind="file", help="A file with one query per line (.jsonl, .ndjson, .json: each line's \"query\"); prints NDJSON."),
    mode: Mode = ModeOption,
    pooler: Optional[Pooler] = typer.Option(None, "--pooler", help="The pooler the model was indexed with (an error if it differs)."),
    db: Optional[Path] = DbOption,
    device: Device = DeviceOption,
    precision: Precision = QueryPrecisionOption,
    json_out: bool = typer.Option(False, "--json", help="One JSON object per result (NDJSON)."),
) -> None:
    """Search the index: score, sentence, path:line and the sentences around it."""
    from .progress import print_warning, visible
    from .search import OTHER_READER_NOTE, Searcher, index_running_message, needs_model, shown_score, stale_note
    from .store import Store

    if query is None and queries is None:
        raise SimsearchError("nothing to search for: give a QUERY or --queries FILE")
    if query is not None and queries is not None:
        raise SimsearchError("give a QUERY or --queries FILE, not both")
    from .search import empty_query

    if query is not None and empty_query(query):
        raise SimsearchError("the query is empty")
    if query is not None and not query.isascii():
        try:
            query.encode("utf-8")
        except UnicodeEncodeError as exc:  # bytes that are not UTF-8 reach Python as lone surrogates
            raise SimsearchError(f"the query is not valid UTF-8 (character {exc.start + 1}: "
                                 f"{exc.object[exc.start:exc.end]!r})") from None
    lines = _read_queries(queries) if queries is not None else []
    store = Store.open(db, create=False, readonly=True)
    _check_recorded_pooler(store, [model], _value(pooler))
    mode = _value(mode)
    # Lexical search (without --min-score) reads only the full-text index: the model's folder
    # may be moved or gone, and the hits name no model (none took part).
    uses_model = needs_model(mode, min_score)
    searcher = Searcher.open(store, model, device=_value(device), precision=_value(precision),
                             lexical_only=not uses_model)
    # A half-indexed database (an interrupted or running `simsearch index`): say so, every time.
    missing = searcher.missing_vectors() if uses_model else 0
    if missing:
        Console(stderr=True).print(f"[yellow]warning:[/] {_shown(searcher.missing_message())}", highlight=False, soft_wrap=True)
    running = index_running_message(searcher.store)  # (on stderr; --json's records carry it as a field)
    if running:
        print_warning(running)
    extra = {"model": searcher.name if uses_model else None, "mode": mode, "missing_vectors": missing,
             "index_in_progress": running is not None}
    if queries is not None:
        for text, hits in zip(lines, searcher.search_many(lines, k, mode=mode, min_score=min_score,
                                                          path_glob=path, context=context)):
            for hit in hits:
                _print_json({"query": text, **extra, **hit.as_dict()})
        return
    hits = searcher.search(query, k, mode=mode, min_score=min_score, path_glob=path, context=context)
    if json_out:
        for hit in hits:
            _print_json({"query": query, **extra, **hit.as_dict()})
        return
    if not hits:
        if not searcher.store.conn.execute("SELECT 1 FROM sentences LIMIT 1").fetchone():
            stdout.print(f"no results for {_shown(repr(query))}: the index holds no sentences "
                         f"({_shown(str(searcher.store.path))}); add a folder with "
                         f"`{_shown(command_line('index', 'FOLDER', db=searcher.store.path))}`",
                         highlight=False, soft_wrap=True)
            return
        why = [f"with --min-score {min_score}"] if min_score is not None else []
        if path is not None:  # a glob that names no indexed file at all is the likelier mistake
            why += [f"with --path {path}" + ("" if searcher.allowed_documents(path) else
                    ": no indexed file matches it (a path matches as written absolute, relative to this "
                    "folder, or by its file name; a folder, with what is under it" + _indexed_example(searcher) + ")")]
        why += [f"{counted(missing, 'sentence')} {'has' if missing == 1 else 'have'} no vector for {searcher.name} yet: "
                f"run `{command_line('index', db=searcher.store.path)}`"] if missing else []
        stdout.print(f"no results for {_shown(repr(query))} in {mode} mode" + (f" ({_shown('; '.join(why))})" if why else ""),
                     highlight=False, soft_wrap=True)
        return
    by_model = f" with {searcher.name}" if uses_model else ""
    searched = counted(searcher.vectors.count if uses_model else searcher.sentences(), "sentence")
    if mode == "hybrid" and missing:  # the words side reads every sentence, the meaning side those with a vector
        searched = f"{counted(searcher.sentences(), 'sentence')}, {searcher.vectors.count:,} with a vector"
    table = Table(title=f"{_shown(repr(query))}{_shown(by_model)}, {mode} ({searched}, "
                        f"{searcher.timings['total_ms']:.0f} ms)", show_lines=True,
                  caption="by: D dense (meaning), L lexical (words)" if mode == "hybrid" else None)
    rows, paths = [], []
    for hit in hits:
        location = visible(hit.location)
        paths.append(location)
        if hit.file != "indexed":  # its line and neighbours are the indexed version's
            location += f"\n({stale_note(searcher.store, hit.path, hit.file)})"
        if hit.read_by_other_version:  # its sentence and line are as that version of the reader stored them
            location += (f"\n({OTHER_READER_NOTE}: run {command_line('index', db=searcher.store.path)}"
                         f"{read_only_note(searcher.store.path)})")
        if hit.copies > 1:  # the same text elsewhere: one row, its other places listed
            others = [visible(other["location"]) for other in hit.other_locations[:3]]
            paths += [f"{other}," for other in others]
            location += f"\n(+{hit.copies - 1} more: {', '.join(others)}{'…' if hit.copies > 4 else ''})"
        rows.append([str(hit.rank), shown_score(hit.score, mode), *([hit.found_mark] if mode == "hybrid" else []),
                     hit, Text(location)])
    widths = _search_widths(rows, paths, stdout.width, piped=not stdout.is_terminal) if (
        not stdout.is_terminal or stdout.color_system is None) else None
    headers = ["#", "score", *(["by"] if mode == "hybrid" else []), "sentence", "location"]
    for header in headers:
        table.add_column(header, justify="right" if header in ("#", "score") else "left",
                         width=widths[header] if widths else None,
                         ratio=1 if header == "sentence" and not widths else None,
                         overflow="fold" if header == "location" else "ellipsis")
    if widths:  # laid out here: as wide as the columns (a path's line may pass the terminal's 80 when piped)
        table.width = sum(widths.values()) + 3 * len(widths) + 1
    for *cells, hit, location in rows:
        table.add_row(*cells, _hit_cell(hit, widths["sentence"] if widths and stdout.color_system is None else None),
                      location)
    stdout.print(table, soft_wrap=False, crop=not widths)


# Piped, a search table is as wide as its locations need (each path whole on its line, for grep),
# its sentence column at least this wide.
SENTENCE_ROOM = 30


def _search_widths(rows: list[list], paths: list[str], width: int, *, piped: bool) -> dict[str, int]:
    """The width of each column of ``search``'s table where rich does not lay it out: piped (each
    path in ``paths`` whole on its line, the table wider than ``width`` where they need it) and in
    a terminal without colour (the hit's lines are marked, :func:`_hit_cell`, so its column's width
    must be known; there the table keeps to ``width`` and a long path folds as before). The
    location's notes (a file changed since indexed) take up to half of the room left."""
    from rich.cells import cell_len

    headers = ["#", "score", "by", "sentence", "location"] if len(rows[0]) == 5 else ["#", "score", "sentence", "location"]
    widths = {header: max([cell_len(header), *(cell_len(row[i]) for row in rows)])
              for i, header in enumerate(headers[:-2])}
    border = 3 * len(headers) + 1  # a space either side of each column, and a line between and around them
    room = width - border - sum(widths.values())  # for the sentence and the location
    longest = max(cell_len(line) for row in rows for line in row[-1].plain.splitlines())
    location = max(map(cell_len, ["location", *paths]))
    if not piped:  # a terminal's width is a hard limit: the sentence keeps SENTENCE_ROOM, or half the room
        location = max(min(location, room - SENTENCE_ROOM), min(location, room // 2), 8)
    widths["location"] = max(location, min(longest, room // 2))
    widths["sentence"] = max(room - widths["location"], SENTENCE_ROOM if piped else 8)
    return {header: widths[header] for header in headers}


def _hit_cell(hit, marked_width: Optional[int] = None) -> Text:
    """The sentence cell of a search result: the context before it, the hit, the context after it,
    each on its own lines. In colour the hit is bold and the context dim; without colour
    (``marked_width``: the cell's width) every line of the hit begins with "> ", so that it stands
    out from the context around it."""
    from .progress import visible

    before = "… " + visible(" ".join(hit.before)) if hit.before else None
    after = visible(" ".join(hit.after)) + " …" if hit.after else None
    cell = Text()
    if marked_width is None:
        cell.append(before + "\n" if before else "", style="dim")
        cell.append(visible(hit.text), style="bold")
        cell.append("\n" + after if after else "", style="dim")
        return cell
    lines = [line.plain.rstrip() for line in Text(visible(hit.text)).wrap(stdout, max(marked_width - 2, 1))]
    cell.append("\n".join(filter(None, [before, "\n".join(f"> {line}" for line in lines), after])))
    return cell


def _read_queries(path: Path) -> list[str]:
    """The queries of a ``--queries`` file, one per non-blank line (blank lines are counted on
    stderr): the line as written, or its "query" in a JSON Lines file (``retrieval.JSON_LINES_SUFFIXES``,
    as `eval retrieval` reads it; any other file is one query per line as written, a line that
    begins with "{" too: a template, a LaTeX snippet); a file with no query is refused."""
    from .retrieval import JSON_LINES_SUFFIXES

    from .progress import print_warning

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SimsearchError(f"--queries {path}: {exc.strerror}") from None
    from .data import line_of_byte
    from .segment import source_lines

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SimsearchError(f"--queries {path}: line {line_of_byte(data, exc.start)} is not UTF-8") from None
    from .search import empty_query

    json_lines = path.suffix.lower() in JSON_LINES_SUFFIXES
    # One query per line as an editor shows lines: a form feed or U+2028 inside a line does not split it.
    queries = []
    blank = looks_like_json = 0
    for number, line in enumerate(source_lines(text), 1):
        if not line.strip():
            blank += 1
            continue
        if json_lines:
            line = _json_query(line, path, number)
        elif _json_query_or_none(line) is not None:
            looks_like_json += 1
        if empty_query(line):
            raise SimsearchError(f"--queries {path}: line {number}: the query is empty (only control characters: "
                                 f"{line!r})")
        queries.append(line.strip())
    if not queries:
        raise SimsearchError(f"--queries {path}: no query in the file ({'it is empty' if not blank else counted(blank, 'blank line')}); "
                             "write one query per line" + (" (a JSON object with a \"query\" on each)" if json_lines else ""))
    if looks_like_json:  # eval retrieval's file under another name: searched as written, said so
        print_warning(f"--queries {path}: {counted(looks_like_json, 'line')} {'is a JSON object' if looks_like_json == 1 else 'are JSON objects'} "
                      "with a \"query\" (eval retrieval's format), searched as written: name the file .jsonl to "
                      "search each \"query\"")
    if blank:  # each line is answered as `search LINE` would be; a blank line is no query, so no answer
        print_warning(f"--queries {path}: {counted(blank, 'blank line')} skipped (no query); "
                      f"{len(queries):,} quer{'y' if len(queries) == 1 else 'ies'} answered")
    return queries


def _json_query(line: str, path: Path, number: int) -> str:
    """The "query" string of line ``number`` of a JSON Lines query file (other keys, such as eval
    retrieval's "relevant" and "id", are not read); anything else is an error naming the line."""
    where, kind = f"--queries {path}: line {number}", f"a {path.suffix} file is JSON Lines: one object with a \"query\" a line"
    from .retrieval import json_kind, json_line

    obj = json_line(line, where, kind)
    if not isinstance(obj, dict):
        raise SimsearchError(f"{where}: expected a JSON object ({kind})")
    if "query" not in obj:
        raise SimsearchError(f"{where}: no \"query\" in the JSON object (its keys: {', '.join(map(json.dumps, obj)) or 'none'})")
    query = obj["query"]
    if not isinstance(query, str):
        raise SimsearchError(f"{where}: \"query\" must be a string, not {json_kind(query)}")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800": half of a character, which no tokenizer holds
        raise SimsearchError(f"{where}: the query holds a lone surrogate (\\u{ord(exc.object[exc.start]):04x}), "
                             "not text") from None
    if not query.strip():
        raise SimsearchError(f"{where}: the query is empty")
    return query


def _json_query_or_none(line: str) -> str | None:
    """The "query" string of a line that is a JSON object holding one, else None."""
    if not line.lstrip().startswith("{"):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj.get("query") if isinstance(obj, dict) and isinstance(obj.get("query"), str) else None


def _mib(size: int) -> str:
    """A size in MiB as one word, "3.3MiB": rich wraps a line or a cell at any space, a
    non-breaking one too, and an 80-column `status` put "3.3" and "MiB" on two lines."""
    return f"{size / 2**20:.1f}MiB"


# ``status``'s columns, and those left out, in this order, where the terminal is too narrow for them
# beside a model's name: a row is for its model, and "missing" and "search" say whether search
# can use it (the header line counts the sentences, which "vectors" is but for "missing").
STATUS_COLUMNS = ("name", "dim", "pooler", "precision", "vectors", "missing", "search")
STATUS_LEFT_OUT_WHEN_NARROW = ("dim", "pooler", "vectors", "precision")


def _status_table(models: list[dict], width: int):
    """``status``'s table of the index's models for a terminal ``width`` columns wide (or, where
    even a whole name beside ``missing`` and ``search`` does not fit, its list form:
    ``tables.models_table``), and the columns left out of it (:data:`STATUS_LEFT_OUT_WHEN_NARROW`).
    Each name whole on one line; the short values (a count, "cls_before_pooler") never narrowed;
    search's cells wrap at spaces in the room the others leave them.
    Was: rich narrowed every column alike (at 40 columns it gave the name none), then the name
    kept only NAME_ROOM characters: at 80 columns "trio-index-unsup-sim" / "cse" beside ``dim``."""
    from .tables import Column, models_table

    values = {column: [] for column in STATUS_COLUMNS}
    for m in models:
        file = (f"file {_mib(m['ann_file_bytes'])}" + ("" if m["ann_current"] else " (stale)")
                if m["ann_file_bytes"] else "")
        searched = Text(m["search"] + (f", {file}" if file else ""))
        # A model whose folder changed, went or cannot be read is refused by search: its state
        # instead, and the HNSW file it still has beside the index (its vectors' too, kept).
        if m["folder"] != "current":
            searched = Text(f"no: {m['folder']}", style="bold red")
            if file:
                searched.append(f"; hnsw {file}")
        for column, value in zip(STATUS_COLUMNS, (_cell(m["name"]), Text(str(m["dim"])), Text(m["pooler"]),
                                                  Text(m["precision"]), Text(f"{m['vectors']:,}"),
                                                  Text(f"{m['missing']:,}"), searched)):
            values[column].append(value)
    columns = [Column(column, values[column], wrap=column == "search",
                      justify="left" if column in ("name", "pooler", "precision", "search") else "right")
               for column in STATUS_COLUMNS]
    return models_table("Models in the index", columns, width, STATUS_LEFT_OUT_WHEN_NARROW)


@app.command("status")
def status_command(db: Optional[Path] = DbOption, json_out: bool = JsonOption) -> None:
    """What the index holds: files, sentences, models, index files, last run."""
    from .indexer import folder_notes, index_status, reader_note
    from .store import Store, run_files

    info = index_status(Store.open(db, create=False, readonly=True))
    if json_out:
        _print_json(info)
        return
    # The skipped files are not among the indexed ones: "4 files (1 skipped)" read as 1 of the 4.
    stdout.print(f"[bold]{_shown(info['db'])}[/] (schema {info['schema']}): {counted(info['documents'], 'file')} indexed, "
                 f"{info['skipped']:,} skipped, {counted(info['sentences'], 'sentence')}, {_mib(info['db_bytes'])}"
                 + (f" ({_mib(info['db_unused_bytes'])} of it unused: later runs reuse it)"
                    if info["db_unused_bytes"] >= 0.1 * info["db_bytes"] else ""))
    table, left_out = _status_table(info["models"], stdout.width)
    stdout.print(table, soft_wrap=False, crop=False)  # (a name longer than the terminal: one line)
    if left_out:
        shown = ", ".join(left_out[:-1]) + " and " if len(left_out) > 1 else ""
        stdout.print(f"{shown}{left_out[-1]} left out at {stdout.width} columns: `simsearch status --json` has every "
                     "field", highlight=False, markup=False, soft_wrap=True)
    settings = {}
    for m in info["models"]:
        settings.setdefault(f"{m['hnsw_m']} / {m['hnsw_ef_construction']} / {m['hnsw_ef']}", []).append(m["name"])
    if settings:
        shown = (next(iter(settings)) if len(settings) == 1 else
                 "; ".join(f"{', '.join(_shown(name) for name in names)} {value}" for value, names in settings.items()))
        stdout.print(f"HNSW settings (M / ef_construction / ef): {shown}", highlight=False, soft_wrap=True)
    window = info["context_window"]
    if info["models"]:
        kind = f"with {counted(window, 'neighbour')} either side (context vectors)" if window else "alone"
        stdout.print(f"vectors: each sentence {kind}, `index --vector-context {window}`", highlight=False, soft_wrap=True)
    for line in folder_notes(info):  # models whose vectors search refuses now: why, and what to run
        stdout.print(f"[yellow]{_shown(line)}[/]", highlight=False, soft_wrap=True)
    if info["read_by_other_version"]:  # an upgrade that reads files otherwise: not re-read yet
        line = reader_note(info["read_by_other_version"], info["documents"] + info["skipped"], info["db"])
        stdout.print(f"[yellow]{_shown(line)}[/]", highlight=False, soft_wrap=True)
    run = info["last_run"]
    if run and run["status"] == "killed" and run["finished_at"] is None:
        stdout.print(f"last run: killed (its process ended without finishing), started {run['started_at']}; "
                     f"`{_shown(command_line('index', db=info['db']))}` carries on from what it saved", highlight=False, soft_wrap=True)
    elif run:
        # Counted as the `index` summary counts them: files read again only by a newer extractor apart.
        changed, removed, again = run_files(run)
        # (a run still walking or reading has counted no file as seen yet: not "0 files seen, 292 new or changed")
        seen = "" if run["files_seen"] is None else f"{counted(run['files_seen'], 'file')} seen, "
        stdout.print(f"last run: {run['status']}, started {run['started_at']}, finished {run['finished_at'] or '-'}; "
                     f"{seen}{changed:,} new or changed, {removed:,} removed, "
                     + (f"{again:,} read again by this version of simsearch, " if again else "")
                     + f"{counted(run['sentences_encoded'] or 0, 'sentence')} encoded")


def _describe(result: dict) -> str:
    """``forget``'s result for people: what went (the lists), then how much (the counts)."""
    names = [str(item) for value in result.values() if isinstance(value, (list, tuple)) for item in value]
    counts = [f"{key.replace('_', ' ')} {value:,}" for key, value in result.items()
              if isinstance(value, int) and not isinstance(value, bool)]
    return (", ".join(names) or "nothing") + (f" ({', '.join(counts)})" if counts else "")


@app.command("forget")
def forget_command(
    paths: Optional[list[Path]] = typer.Argument(None, parser=_nonempty_path("PATHS"),
                                                 help="Folders or files given to `simsearch index` (its roots) to remove from the index, with their documents."),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", callback=_model_name,
                                              help="A model to remove from the index, with its vectors; repeat for several."),
    missing: bool = typer.Option(False, "--missing", help="Remove every indexed folder or file that no longer exists."),
    db: Optional[Path] = DbOption,
    json_out: bool = JsonOption,
) -> None:
    """Remove indexed folders or files (the roots given to `index`) or models from the index (nothing on disk is deleted)."""
    from .store import Store

    if not (paths or model or missing):
        raise SimsearchError("nothing to forget: give indexed PATHS, --model NAME or --missing")
    store = Store.open(db, create=False)
    from .indexer import forget_missing_roots, forget_models, forget_roots, reclaim_space
    result = {}
    if paths:
        result["roots"] = forget_roots(store, list(paths), progress=not json_out)
    if missing:
        result["missing"] = forget_missing_roots(store, progress=not json_out)
    if model:
        result["models"] = forget_models(store, list(model))
    # what was forgotten leaves the file, not only the index
    try:
        space = reclaim_space(store, vectors_removed=result["models"]["vectors"] if model else 0)
    except KeyboardInterrupt:  # SQLite ends a VACUUM before Python sees the Ctrl-C: the forget is done
        space = {"reclaimed_bytes": 0, "reclaim_interrupted": True}
    if json_out:
        _print_json({**result, "space": space})
    else:
        for section, details in result.items():
            stdout.print(f"forgot {_visible(_describe(details))}", highlight=False, markup=False, soft_wrap=True)
    if space.get("reclaim_interrupted"):
        raise Interrupted(f"interrupted while giving the unused space in {_visible(str(store.path))} back to the disk; "
                          "what was forgotten stays forgotten")
    if json_out:
        return
    if space["reclaimed_bytes"]:
        held = ("; a search reading the index now keeps it, and a copy of the index beside it (its -wal file), "
                "until that search ends" if space.get("held_by_search") else "")
        stdout.print(f"gave {_mib(space['reclaimed_bytes'])} of unused space in {_visible(str(store.path))} back to the disk "
                     f"({space['seconds']:.1f} s){held}", highlight=False, markup=False, soft_wrap=True)
    elif space.get("reclaim_failed"):
        Console(stderr=True).print(f"warning: could not give the unused space in {_visible(str(store.path))} back to the disk "
                     f"({space['reclaim_failed']}); later index runs reuse it", highlight=False, markup=False, soft_wrap=True)


@app.command("tui")
def tui_command(
    db: Optional[Path] = DbOption,
    left: Optional[str] = typer.Option(None, "--left", callback=_model_name, help="Left pane's model (default: the embedded minilm)."),
    right: Optional[str] = typer.Option(None, "--right", callback=_model_name, help="Right pane's model (default: the most recently trained one in the index)."),
    k: int = typer.Option(10, "-k", "--k", callback=_number(1, 1_000), help="Results per pane, 1 to 1,000 (+/- in the app)."),
    mode: Mode = ModeOption,
    pooler: Optional[Pooler] = typer.Option(None, "--pooler", help="The pooler the models were indexed with (an error if one differs)."),
    device: Device = DeviceOption,
    precision: Precision = QueryPrecisionOption,
    questions: Optional[Path] = _path_option("--questions", kind="file", missing="create",
                                             help="Keep answers here (a .jsonl file): `a` on a result appends it as an answer to the query (created if absent; eval retrieval reads it)."),
) -> None:
    """Interactive search: the base model and a SimCSE model side by side."""
    from .questions import QuestionFile
    from .tui import default_models, run

    kept = QuestionFile.open(questions) if questions is not None else None  # a bad file: one line, before the app

    if pooler is not None or _value(precision) != "auto":
        from .store import Store, default_db_path

        if (db or default_db_path()).exists():  # else the app itself explains how to build an index
            store = Store.open(db, create=False, readonly=True)
            defaults = default_models(store)
            names = [name for name in (left or defaults[0], right or defaults[1]) if name is not None]
            _check_recorded_pooler(store, names, _value(pooler))
            _check_recorded_precision(store, names, _value(precision))
            store.close()
    run(db, left, right, k, _value(device), mode=_value(mode), precision=_value(precision),
        questions=kept)  # refused without a terminal


# --- entry point ----------------------------------------------------------------------------

# typer >= 0.2x vendors click (``typer._click``); older ones use click itself. The classes are
# found through typer's own public names, so ``isinstance`` matches whichever is in use.
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_NoArgsIsHelp = getattr(sys.modules[_ClickException.__module__], "NoArgsIsHelpError", ())


def _raw_value(argv: list[str], param) -> Optional[str]:
    """The text the user gave for ``param`` (its last occurrence in ``argv``), if any."""
    found = None
    for opt in [*(getattr(param, "opts", None) or []), *(getattr(param, "secondary_opts", None) or [])]:
        for i, arg in enumerate(argv):
            if arg == "--":
                break
            if arg == opt and i + 1 < len(argv):
                found = argv[i + 1]
            elif opt.startswith("--") and arg.startswith(opt + "="):
                found = arg[len(opt) + 1:]
            elif not opt.startswith("--") and arg.startswith(opt) and len(arg) > len(opt):
                found = arg[len(opt):]
    return found


def _choices(param) -> Optional[list[str]]:
    """The allowed values of an enum option: click's ``Choice`` or, in typers that vendor click,
    the annotation typer keeps."""
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices is None:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        enum = next((c for c in (annotation, *get_args(annotation)) if isinstance(c, type) and issubclass(c, Enum)), None)
        choices = list(enum) if enum is not None else None
    return [str(getattr(c, "value", c)) for c in choices] if choices else None


# What a value that does not parse as the option's type gets instead of the parser's own words
# ("Input should be a valid number, unable to parse string as a number").
EXPECTED_TYPES = {int: "expected a whole number", float: "expected a number"}


def _parse_reason(param, message: str) -> str:
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if annotation in EXPECTED_TYPES and message.startswith("Input should be a valid"):
        return EXPECTED_TYPES[annotation]
    return message


# Commands whose argument is a query: a query may well begin with "-" (``--batch-size``, ``-v``).
QUERY_COMMANDS = ("search",)


def usage_message(exc, argv: list[str]) -> str:
    """One line for a click/typer usage error, naming the option and the value given."""
    if isinstance(exc, OptionError):
        return exc.message
    param = getattr(exc, "param", None)
    if param is not None and getattr(param, "opts", None) and type(exc).__name__ == "BadParameter":
        name, raw = _option_name(param), _raw_value(argv, param)
        envvar = getattr(param, "envvar", None)
        if raw is None and isinstance(envvar, str) and os.environ.get(envvar) is not None:
            name, raw = f"${envvar}", os.environ[envvar]
        choices = _choices(param)
        reason = "expected one of " + ", ".join(choices) if choices else _parse_reason(param, exc.message)
        if choices and "int8" in choices and param.name == "precision" and _command_words(argv)[:1] == ["train"]:
            # (one Precision enum for every command; training takes no int8, which TrainConfig refuses by name)
            reason = "expected one of " + ", ".join(c for c in choices if c != "int8") + " (int8 is for encoding)"
        return f"{name} {raw!r}: {reason}" if raw is not None else f"{name}: {reason}"
    if exc.format_message().startswith("Got unexpected extra argument") and _command_words(argv) in (
            [command] for command in QUERY_COMMANDS):
        return f"{exc.format_message()}: {_query_as_typed(argv, getattr(exc, 'ctx', None))}"
    option = getattr(exc, "option_name", None)
    if type(exc).__name__ == "NoSuchOption" and option:
        # A query or path that begins with "-" is read as options (``-deadline`` as ``-d``).
        given = next((arg for arg in argv if arg.startswith(option) and arg != "--"), option)
        command = " ".join(_command_words(argv)) or "COMMAND"
        if command == "tui" and given in ("-m", "--model"):  # every other command takes -m
            return f"{exc.format_message()} (the tui's two panes take --left MODEL and --right MODEL)"
        if (given.startswith("--") or len(given) <= 2) and " " not in given:
            if command in QUERY_COMMANDS and not getattr(exc, "possibilities", None):
                # `simsearch search --batch-size`: a search for that word, unless it is close to an option
                return (f"{exc.format_message()} (if {given!r} is what to search for, put '--' before it: "
                        f"simsearch {command} [OPTIONS] -- {shlex.quote(given)})")
            return exc.format_message()  # an option misspelt, most likely
        return (f"{exc.format_message()} (in {given!r}; a query or path that begins with '-' goes after "
                f"'--', options before it: simsearch {command} [OPTIONS] -- {shlex.quote(given)})")
    return exc.format_message()


def _query_as_typed(argv: list[str], ctx) -> str:
    """How to type the query of ``simsearch search`` given as several words unquoted (each word
    after the first was an extra argument), or with options after '--' (they were taken for words
    of the query): the words as one quoted query, the options as given, in their order."""
    command = _command_words(argv)
    params = {opt: param for param in (ctx.command.params if ctx is not None else [])
              for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])] if opt.startswith("-")}
    words, options, after_dashes, moved = [], [], False, False
    tokens = iter(argv[len(command):])
    for token in tokens:
        if token == "--" and not after_dashes:
            after_dashes = True
        # After '--' an option is one the command has, following the query's first word.
        elif token.startswith("-") and len(token) > 1 and (not after_dashes or (words and token.split("=")[0] in params)):
            moved = moved or after_dashes
            options.append(token)
            param = params.get(token)  # spelt whole ("-k", "--db"), not "--k=3" or "-k3": its value follows
            if param is not None and not getattr(param, "is_flag", False) and not getattr(param, "count", False):
                options += [value for value in [next(tokens, None)] if value is not None]
        else:
            words.append(token)
    query = " ".join(words)
    line = shlex.join(["simsearch", *command, *options, "--", query] if query.startswith("-")
                      else ["simsearch", *command, query, *options])
    if moved:
        several = ", and a query of several words goes in quotes" if len(words) > 1 else ""
        return f"every word after '--' is the query's, so options go before it{several}: {line}"
    return f"a query of several words goes in quotes: {line}"


def repeated_option(argv: list[str]) -> str | None:
    """One line for an option of one value given twice with two values (``search -m minilm -m
    full``), which click takes silently as the last; None when there is none. Flags, options of
    several values (``eval retrieval -m``) and anything after ``--`` are not counted."""
    command, words = typer.main.get_command(app), []  # (built once: ``_command_words`` would build it again)
    for arg in argv:
        if arg not in (getattr(command, "commands", None) or {}):
            break
        words.append(arg)
        command = command.commands[arg]
    if getattr(command, "commands", None) or "--help" in argv:
        return None
    options = {opt: param for param in command.params if param.param_type_name == "option"  # (typer's own click)
               for opt in [*param.opts, *param.secondary_opts]}
    given: dict[str, list[tuple[str, str | None]]] = {}
    tokens = iter(argv[len(words):])
    for token in tokens:
        if token == "--":
            break
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        elif not token.startswith("--") and len(token) > 2 and token[:2] in options:
            name, value = token[:2], token[2:]  # "-k5"
        param = options.get(name)
        if param is None or param.is_flag or param.count:
            continue
        if value is None:
            value = next(tokens, None)
        if not param.multiple:
            given.setdefault(param.name, []).append((name, value))
    for param_name, uses in given.items():
        values = list(dict.fromkeys(value for _, value in uses))
        if len(values) > 1:
            name = uses[-1][0]
            hint = ""
            if words == ["search"] and param_name == "model":
                hint = ("; to compare models, `simsearch tui --left A --right B` shows them side by side and "
                        "`simsearch eval retrieval QUESTIONS -m A -m B` measures them")
            times = "twice" if len(uses) == 2 else f"{len(uses)} times"
            return (f"{name} given {times} ({', '.join(repr(value) for value in values)}): "
                    f"it takes one value{hint}")
    return None


def _command_words(argv: list[str]) -> list[str]:
    """The (sub)command names that ``argv`` begins with: ``eval retrieval``, ``search``."""
    command, words = typer.main.get_command(app), []
    for arg in argv:
        commands = getattr(command, "commands", None)
        if not commands or arg not in commands:
            break
        words.append(arg)
        command = commands[arg]
    return words


def _error(message: str) -> None:
    line = Text.assemble(("error:", "bold red"), " ", " ".join(message.split()))
    Console(stderr=True).print(line, highlight=False, soft_wrap=True)


def _reader_gone() -> None:
    """The reader of stdout went away (``simsearch search ... | head -1``): nothing more can be
    said to it, and it asked for no more, so the command ends quietly with status 0. Stdout points
    at /dev/null first, so that Python's last flush, as it exits, finds no closed pipe to report."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # (a stdout without a file descriptor: tests' capture)
        pass
    sys.exit(0)


def _stopped_as_it_exits(signum, frame) -> None:
    """A Ctrl-C or SIGTERM after the command ended, while Python shuts down: its work is saved and
    said, so the process ends at once, with the status of a stopped command (``_end_on_stop``).
    A program that goes on after calling ``main()`` (a script, a notebook) is stopped as before:
    KeyboardInterrupt, or SIGTERM's own end (was: ended at once, its own handling skipped)."""
    import signal
    import threading

    if not getattr(threading, "_SHUTTING_DOWN", True):  # (set as Python starts to exit, before its exit handlers)
        for which, original in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
            if signal.getsignal(which) is _stopped_as_it_exits:  # (the handlers ``_end_on_stop`` replaced)
                signal.signal(which, original)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        os.kill(os.getpid(), signum)
        return
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(130)


def _end_on_stop() -> None:
    """From the end of the command on, a Ctrl-C or SIGTERM ends the process with status 130, as a
    stopped command does. Python takes a moment to exit after a command that loaded torch (2.5 s
    after an `index` on a busy 2-core machine), and a Ctrl-C then hit whatever finalizer ran: a
    traceback from torch's, and exit status 0, or death by SIGINT (status -2 to the program that
    started it). Only where Python's own handler (or none) was set: a background job ignores Ctrl-C."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _stopped_as_it_exits)
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _stopped_as_it_exits)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app; user and usage errors become one line and exit status 2. Run as
    the program (no ``argv``: ``simsearch``, ``python -m simsearch``), a stop once the command
    is over ends the process with status 130 (``_end_on_stop``)."""
    try:
        _main(argv)
    finally:
        if argv is None:
            _end_on_stop()


def _main(argv: Optional[list[str]] = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        repeated = repeated_option(argv)
        if repeated:  # (click would take the last value without a word)
            _error(repeated)
            sys.exit(2)
        code = app(args=argv, prog_name="simsearch", standalone_mode=False)
        sys.stdout.flush()  # a reader gone before the last lines: found here, not as Python exits
    except BrokenPipeError:
        _reader_gone()
    except SystemExit as exc:
        # typer (an EPIPE while a command wrote) and rich (Console.on_broken_pipe) turn a closed
        # pipe into exit status 1, which a `set -o pipefail` script reads as a failure.
        if isinstance(exc.__context__, BrokenPipeError):
            _reader_gone()
        raise
    except _NoArgsIsHelp as exc:  # bare `simsearch` (or `simsearch eval`): help, as with --help
        # The same bytes as --help: typer echoes ``ctx.get_help()``, which rich typers print
        # themselves (returning ""), and older ones return as text.
        sys.stdout.write(exc.format_message() + "\n")
        sys.exit(0)
    except _ClickException as exc:
        _error(usage_message(exc, argv))
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except SimsearchError as exc:
        _error(str(exc))
        sys.exit(130 if isinstance(exc, Interrupted) else 2)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)
    except sqlite3.DatabaseError as exc:  # a damaged page, found only when a read reaches it (the open checks the schema)
        if type(exc) is not sqlite3.DatabaseError or "malformed" not in str(exc):
            raise
        _error(f"the index is damaged (SQLite: {exc}): build a new one with `simsearch index FOLDER --db NEW_FILE`")
        sys.exit(2)
    except typer.Abort:
        sys.exit(1)
    # Outside standalone mode typer returns an exit code instead of raising: typer.Exit, --help (0)
    # and Ctrl-C outside our own handlers (130).
    if isinstance(code, int) and not isinstance(code, bool) and code:
        if code == 130:
            Console(stderr=True).print("interrupted")
        sys.exit(code)
