"""The ``simsearch`` command: a thin typer layer over the library.

Every command that prints results has ``--json``. A user's mistake (``SimsearchError``)
prints one line on stderr and exits with status 2; no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import Interrupted, SimsearchError

app = typer.Typer(
    help="Semantic search over your own documents with SimCSE sentence embeddings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Evaluate a model: STS benchmarks, alignment and uniformity.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

stdout = Console()

ModelOption = typer.Option(None, "--model", "-m", help="Model: 'minilm' (embedded), a name under models/, a folder, or a Hugging Face id.")
PoolerOption = typer.Option(None, "--pooler", help="Override pooling: cls, cls_before_pooler, avg, avg_first_last, avg_top2.")
DataOption = typer.Option(None, "--data", help="Evaluation data folder (default: $SIMSEARCH_DATA, else ../shared/data).")
DeviceOption = typer.Option("auto", "--device", help="auto, cpu or cuda.")
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@app.command("models")
def models_command(json_out: bool = JsonOption) -> None:
    """List the models simsearch can use without a download."""
    from .models import list_models, models_dir

    found = list_models()
    if json_out:
        for ref in found:
            _print_json({**ref.describe(), "metadata": ref.metadata})
        return
    table = Table(title="Models")
    for column in ("name", "kind", "pooler", "max len", "base", "best dev", "path"):
        table.add_column(column)
    for ref in found:
        best = ref.metadata.get("best_dev_stsb")
        table.add_row(ref.name, ref.kind, ref.pooler, str(ref.max_length), ref.metadata.get("base_model", ""),
                      f"{best:.2f}" if isinstance(best, (int, float)) else "", str(ref.path))
    stdout.print(table)
    stdout.print(
        f"Trained models are read from {models_dir()}/ ($SIMSEARCH_MODELS). Any local model folder or "
        "Hugging Face id (e.g. princeton-nlp/sup-simcse-bert-base-uncased) also works; a hub id is "
        "downloaded only when you name it."
    )


@eval_app.command("sts")
def eval_sts_command(
    model: Optional[list[str]] = ModelOption,
    data: Optional[Path] = DataOption,
    aggregate: str = typer.Option("all", "--aggregate", help="STS12-16 aggregation: all (pooled), mean, wmean."),
    split: str = typer.Option("test", "--split", help="test: the paper's Table 5; dev: STS-B dev only (model selection)."),
    pooler: Optional[str] = PoolerOption,
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Sentences per forward pass."),
    device: str = DeviceOption,
    json_out: bool = JsonOption,
) -> None:
    """STS12-16, STS-B and SICK-R with the SimCSE paper's protocol (Spearman x 100)."""
    from .encoder import Encoder
    from .sts import AGGREGATIONS, TASKS, data_dir, evaluate_sts

    if aggregate not in AGGREGATIONS:
        raise SimsearchError(f"--aggregate {aggregate!r}: expected one of {', '.join(AGGREGATIONS)}")
    if split not in ("test", "dev"):
        raise SimsearchError(f"--split {split!r}: expected test or dev")
    root = data_dir(data)
    rows = []
    for name in model or [None]:
        encoder = Encoder.load(name, pooler=pooler, device=device, batch_size=batch_size)
        result = evaluate_sts(encoder.encode, root, aggregate_by=aggregate, split=split)
        result = {"model": encoder.name, **result}
        rows.append(result)
        if json_out:
            _print_json(result)
    if json_out:
        return
    columns = ["STSBenchmark"] if split == "dev" else [*TASKS, "avg"]
    labels = {"STSBenchmark": "STS-B", "SICKRelatedness": "SICK-R", "avg": "Avg."}
    table = Table(
        title=f"STS, Spearman x 100 ({'STS-B dev' if split == 'dev' else f'{aggregate!r} aggregation, test splits'})",
        caption="cosine similarity, no regressor; comparable with SimCSE (Gao et al. 2021) Table 5",
    )
    table.add_column("model")
    for column in columns:
        table.add_column(labels.get(column, column), justify="right")
    for result in rows:
        table.add_row(result["model"], *(f"{result[c]:.2f}" for c in columns))
    stdout.print(table)


@eval_app.command("geometry")
def eval_geometry_command(
    model: Optional[list[str]] = ModelOption,
    data: Optional[Path] = DataOption,
    split: str = typer.Option("all", "--split", help="STS-B splits to use: all, train, dev or test."),
    pooler: Optional[str] = PoolerOption,
    device: str = DeviceOption,
    json_out: bool = JsonOption,
) -> None:
    """Alignment and uniformity (Wang & Isola 2020) on STS-B, as in the SimCSE paper (lower is better)."""
    from .encoder import Encoder
    from .sts import alignment_uniformity, data_dir

    root = data_dir(data)
    table = Table(title="Alignment and uniformity on STS-B (lower is better)")
    for column in ("model", "alignment", "uniformity", "positive pairs", "sentences"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name in model or [None]:
        encoder = Encoder.load(name, pooler=pooler, device=device)
        result = {"model": encoder.name, **alignment_uniformity(encoder.encode, root, split=split)}
        if json_out:
            _print_json(result)
            continue
        table.add_row(result["model"], f"{result['alignment']:.4f}", f"{result['uniformity']:.4f}",
                      str(result["positive_pairs"]), str(result["sentences"]))
    if not json_out:
        stdout.print(table)


@app.command("train")
def train_command(
    unsup: Optional[Path] = typer.Option(None, "--unsup", help="Unsupervised: a text file or a folder of .txt/.md files."),
    sup: Optional[Path] = typer.Option(None, "--sup", help="Supervised: CSV/TSV/JSONL with sent0,sent1[,hard_neg]."),
    model: str = typer.Option("minilm", "--model", "-m", help="Base model to start from."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: models/<data>-<mode>-simcse)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Passes over the data (default: unsup 1, sup 3)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Stop after this many steps."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Global batch (default: unsup 64, sup 512)."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default: unsup 3e-5, sup 5e-5)."),
    temp: float = typer.Option(0.05, "--temp", help="Temperature tau of the softmax over cosine similarities."),
    pooler: Optional[str] = typer.Option(None, "--pooler", help="Training pooler (default: the base model's own; cls + MLP for raw BERT)."),
    max_len: int = typer.Option(32, "--max-len", help="Truncate training sentences to this many tokens."),
    hard_negative_weight: float = typer.Option(1.0, "--hard-negative-weight", help="Eq. 8 alpha: weight of the anchor's own hard negative (1 = Eq. 5)."),
    dropout: float = typer.Option(0.1, "--dropout", help="Dropout rate p (the unsupervised views' only noise)."),
    warmup_steps: int = typer.Option(0, "--warmup-steps", help="Linear warm-up steps before the linear decay (paper: 0)."),
    same_dropout_mask: bool = typer.Option(False, "--same-dropout-mask", help="Ablation 'fixed 0.1': one mask for both views."),
    seed: int = typer.Option(42, "--seed", help="Random seed (data order, dropout, MLP init)."),
    eval_steps: int = typer.Option(125, "--eval-steps", help="Evaluate every N steps (STS-B dev when available)."),
    device: str = DeviceOption,
    data: Optional[Path] = DataOption,
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same command."),
    no_bucket: bool = typer.Option(False, "--no-bucket", help="Plain random batches (no length bucketing)."),
    json_out: bool = JsonOption,
) -> None:
    """Train SimCSE: --unsup on your own text, or --sup on NLI triplets. Ctrl-C saves a checkpoint."""
    from .train import TrainConfig, train

    if (unsup is None) == (sup is None):
        raise SimsearchError("give exactly one of --unsup FILE or --sup FILE")
    config = TrainConfig(
        mode="unsup" if unsup else "sup", data=unsup or sup, model=model, out=out, epochs=epochs,
        max_steps=max_steps, batch_size=batch_size, lr=lr, temp=temp, pooler=pooler, max_len=max_len,
        hard_negative_weight=hard_negative_weight, dropout=dropout, same_dropout_mask=same_dropout_mask,
        warmup_steps=warmup_steps, seed=seed, eval_steps=eval_steps, device=device, eval_data=data, resume=resume,
        bucket=not no_bucket, progress=not json_out,
    )
    metadata = train(config)
    if metadata is None:  # not the main process under torchrun
        return
    if json_out:
        _print_json({"out": str(config.out), **metadata})
        return
    best = metadata["best_dev_stsb"]
    stdout.print(
        f"saved [bold]{config.out}[/] ({metadata['steps']} steps, {metadata['selection']}"
        + (f", STS-B dev {best:.2f} at step {metadata['best_step']}" if best is not None else "")
        + f"); inference pooler {metadata['pooler']}. Evaluate it: simsearch eval sts --model {config.out}"
    )


DbOption = typer.Option(None, "--db", help="Index database (default: $SIMSEARCH_DB, else ~/.local/share/simsearch/index.db).")


def _warn(path: str, reason: str) -> None:
    from .search import display_path

    Console(stderr=True).print(f"[yellow]warning:[/] {display_path(path)}: {reason}", highlight=False, soft_wrap=True)


@app.command("index")
def index_command(
    paths: Optional[list[Path]] = typer.Argument(None, help="Files or folders to index (default: the ones indexed before)."),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="Model to embed with; repeat for several (default: the index's models, else minilm)."),
    db: Optional[Path] = DbOption,
    device: str = DeviceOption,
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Sentences per forward pass."),
    max_file_mb: float = typer.Option(20.0, "--max-file-mb", min=0.0, help="Skip larger files (with a warning)."),
    status: bool = typer.Option(False, "--status", help="Show what the index holds instead (same as `simsearch status`)."),
    json_out: bool = JsonOption,
) -> None:
    """Index documents (.txt .md .rst .html; .pdf with the pdf extra): new and changed files only."""
    from .indexer import index, previous_roots
    from .store import Store

    if status:
        return status_command(db=db, json_out=json_out)
    store = Store.open(db)
    roots = list(paths or [])
    if not roots and not model:
        roots = previous_roots(store)
        if not roots:
            raise SimsearchError("nothing to index: give a folder or file (simsearch index ./docs)")
    report = index(store, roots, model, device=device, batch_size=batch_size, max_file_mb=max_file_mb,
                   progress=not json_out, on_warning=None if json_out else _warn)
    if json_out:
        _print_json(report.as_dict())
        return
    encoded = ", ".join(f"{name} {count:,}" for name, count in report.encoded.items())
    if report.changed == 0 and not any(report.encoded.values()):
        stdout.print(f"index is up to date: {report.files_seen:,} files unchanged ({report.seconds:.1f} s) in {report.db}")
        return
    stdout.print(
        f"indexed {report.added:,} new, {report.updated:,} changed, {report.removed:,} removed, "
        f"{report.unchanged + report.touched:,} unchanged files; {report.sentences_added:,} sentences added; "
        f"encoded: {encoded} ({report.seconds:.1f} s) in {report.db}"
    )


@app.command("search")
def search_command(
    query: Optional[str] = typer.Argument(None, help="What to look for (a sentence or a few words)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Which of the index's models (default: minilm)."),
    k: int = typer.Option(10, "-k", "--k", help="Number of results."),
    min_score: Optional[float] = typer.Option(None, "--min-score", help="Drop results scoring below this cosine."),
    path: Optional[str] = typer.Option(None, "--path", help="Only documents matching this glob or under this folder."),
    context: int = typer.Option(1, "--context", min=0, help="Neighbouring sentences shown each side."),
    queries: Optional[Path] = typer.Option(None, "--queries", help="A file with one query per line; prints NDJSON."),
    db: Optional[Path] = DbOption,
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto (default cpu: a single short query needs no GPU)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per result (NDJSON)."),
) -> None:
    """Search the index: score, sentence, path:line and the sentences around it."""
    from .search import Searcher
    from .store import Store

    if (query is None) == (queries is None):
        raise SimsearchError("give a QUERY or --queries FILE (not both)")
    if k < 1:
        raise SimsearchError(f"-k {k}: must be at least 1")
    store = Store.open(db, create=False)
    searcher = Searcher.open(store, model, device=device)
    if queries is not None:
        lines = _read_queries(queries)
        vectors = searcher.embed(lines) if lines else []
        for text, vector in zip(lines, vectors):
            for hit in searcher.search_vector(vector, k, min_score=min_score, path_glob=path, context=context):
                _print_json({"query": text, "model": searcher.name, **hit.as_dict()})
        return
    if not query.strip():
        raise SimsearchError("the query is empty")
    hits = searcher.search(query, k, min_score=min_score, path_glob=path, context=context)
    if json_out:
        for hit in hits:
            _print_json({"query": query, "model": searcher.name, **hit.as_dict()})
        return
    if not hits:
        stdout.print(f"no results for {query!r}" + (f" with --min-score {min_score}" if min_score is not None else ""))
        return
    table = Table(title=f"{query!r} with {searcher.name} ({searcher.vectors.count:,} sentences, "
                        f"{searcher.timings['total_ms']:.0f} ms)", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("sentence", ratio=1)
    table.add_column("location", overflow="fold")
    from rich.text import Text

    for hit in hits:
        cell = Text()  # context on its own lines, so the hit stands out even without colour
        if hit.before:
            cell.append("… " + " ".join(hit.before) + "\n", style="dim")
        cell.append(hit.text, style="bold")
        if hit.after:
            cell.append("\n" + " ".join(hit.after) + " …", style="dim")
        table.add_row(str(hit.rank), f"{hit.score:.3f}", cell, hit.location)
    stdout.print(table)


def _read_queries(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SimsearchError(f"--queries {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SimsearchError(f"--queries {path}: line {line} is not UTF-8") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


@app.command("status")
def status_command(db: Optional[Path] = DbOption, json_out: bool = JsonOption) -> None:
    """What the index holds: files, sentences, models, index files, last run."""
    from .indexer import index_status
    from .store import Store

    info = index_status(Store.open(db, create=False))
    if json_out:
        _print_json(info)
        return
    stdout.print(f"[bold]{info['db']}[/] (schema {info['schema']}): {info['documents']:,} files "
                 f"({info['skipped']:,} skipped), {info['sentences']:,} sentences, {info['db_bytes'] / 2**20:.1f} MiB")
    table = Table(title="Models in the index")
    for column in ("name", "dim", "pooler", "vectors", "missing", "search", "index file", "HNSW (M / ef_c / ef)"):
        table.add_column(column, justify="left" if column in ("name", "pooler", "search") else "right")
    for m in info["models"]:
        size = f"{m['ann_file_bytes'] / 2**20:.1f} MiB" if m["ann_file_bytes"] else "-"
        table.add_row(m["name"], str(m["dim"]), m["pooler"], f"{m['vectors']:,}", f"{m['missing']:,}", m["search"],
                      size + ("" if m["ann_current"] or not m["ann_file_bytes"] else " (stale)"),
                      f"{m['hnsw_m']} / {m['hnsw_ef_construction']} / {m['hnsw_ef']}")
    stdout.print(table)
    run = info["last_run"]
    if run:
        stdout.print(f"last run: {run['status']}, started {run['started_at']}, finished {run['finished_at'] or '-'}; "
                     f"{run['files_seen'] or 0:,} files seen, {run['files_changed'] or 0:,} changed, "
                     f"{run['sentences_encoded'] or 0:,} sentences encoded")


@app.command("tui")
def tui_command(
    db: Optional[Path] = DbOption,
    left: Optional[str] = typer.Option(None, "--left", help="Left pane's model (default: the embedded minilm)."),
    right: Optional[str] = typer.Option(None, "--right", help="Right pane's model (default: the most recently trained one in the index)."),
    k: int = typer.Option(10, "-k", "--k", min=1, help="Results per pane (+/- in the app)."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda or auto."),
) -> None:
    """Interactive search: the base model and a SimCSE model side by side."""
    from .tui import run

    run(db, left, right, k, device)


def main(argv: Optional[list[str]] = None) -> None:
    """Entry point: run the app, turning user errors into one line and exit status 2."""
    try:
        app(args=argv, standalone_mode=False)
    except SimsearchError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(130 if isinstance(exc, Interrupted) else 2)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:  # click's usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
