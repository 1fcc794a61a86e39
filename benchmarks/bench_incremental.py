"""What `simsearch index` costs again after a small edit to a large corpus, beside the same edit
done alone.

    python benchmarks/bench_incremental.py --src DOCS_DIR [DOCS_DIR ...] --copies 3 --work DIR -m MODEL
    python benchmarks/bench_incremental.py --work DIR -m MODEL --reuse      # corpus and index made before

The corpus is every text file under ``--src`` (.rst .md .txt), copied ``--copies`` times, each copy
after the first with one word of each line varied (a letter added to its first word of four or more
lowercase letters), so that copies are distinct sentences that each need a vector. It is indexed
once (timed, ``--json``), then, ``--repeat`` times each, these edits are made and
``simsearch index`` runs again (a fresh process, as a cron job or an editor hook starts it):

1. nothing changed;
2. one sentence of one file edited (a word appended to its first paragraph);
3. one new small file (three sentences) added;
4. one file deleted.

The peer, "the same edit's work done alone": the same edit made to an index of only that one file
(a one-file corpus indexed first, then edited and indexed again): the process start, model load
and the edit's own reading, embedding and writing, without the rest of the corpus. The ratio says
what the corpus's size adds to a run that changes one file. Printed: each run's wall time (median
of the repeats, and all of them), the run's own ``seconds``, its ``encode_seconds``, what it did to
the HNSW file, and the peer's wall time.

``--code DIR`` runs the ``simsearch`` package found in DIR (another version's: a before/after on the
same corpus and index). Run nothing else heavy meanwhile; on a shared machine, say so beside the
numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".rst", ".md", ".txt"}
WORD = re.compile(r"\b([a-z]{4,})\b")


def build_corpus(sources: list[Path], copies: int, out: Path) -> int:
    """Write the corpus under ``out``; the number of files written."""
    variants = [""] + [chr(ord("q") + k) for k in range(copies - 1)]
    written = 0
    for k, variant in enumerate(variants):
        for source in sources:
            for path in sorted(source.rglob("*")):
                if path.suffix not in SUFFIXES or not path.is_file():
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                if variant:
                    text = "\n".join(WORD.sub(lambda m: m.group(1) + variant, line, count=1)
                                     for line in text.split("\n"))
                target = out / f"copy{k}" / source.name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                written += 1
    return written


CODE = ROOT  # the simsearch that runs (``--code``)


def run_index(root: Path, db: Path, model: str, extra: list[str]) -> tuple[float, dict]:
    """One ``simsearch index ROOT --json`` in a fresh process: (wall seconds, its JSON report)."""
    env = dict(os.environ, PYTHONPATH=str(CODE))
    command = [sys.executable, "-m", "simsearch", "index", str(root), "--db", str(db), "-m", model, "--json", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout)


def edit_sentence(path: Path, number: int) -> None:
    """Append a word to the first line of prose (a line starting with a letter, not a heading's)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if re.match(r"[A-Za-z]", line) and len(line.split()) > 4 and not re.fullmatch(r"([=\-~^#*])\1+\s*", following):
            lines[i] = line.rstrip() + f" Edited{number}."
            break
    else:
        lines.append(f"A new line edited{number}.")
    path.write_text("\n".join(lines), encoding="utf-8")


def new_file(path: Path, number: int) -> None:
    path.write_text(f"A note written today, number {number}.\n\nIt says what changed in the build "
                    f"configuration.\n\nThe cache is cleared on every deploy now ({number}).\n", encoding="utf-8")


EDITS = ("nothing changed", "one sentence edited", "one small file added", "one file deleted")


def apply(edit: str, corpus: Path, candidates: list[Path], number: int) -> Path | None:
    """Make ``edit`` to the corpus; the file it touched (None for nothing)."""
    if edit == EDITS[0]:
        return None
    if edit == EDITS[1]:
        target = candidates[number % len(candidates)]
        while not target.exists():  # deleted by an earlier invocation
            number += 1
            target = candidates[number % len(candidates)]
        edit_sentence(target, number)
        return target
    if edit == EDITS[2]:
        target = corpus / "new" / f"note-{number}.md"
        target.parent.mkdir(exist_ok=True)
        new_file(target, number)
        return target
    target = candidates[-1 - number % len(candidates)]
    while not target.exists():  # deleted by an earlier invocation
        number += 1
        target = candidates[-1 - number % len(candidates)]
    target.unlink()
    return target


def peer(edit: str, source: Path | None, model: str, extra: list[str], scratch: Path, number: int) -> float:
    """The same edit made to a one-file index: wall seconds of the second run."""
    shutil.rmtree(scratch, ignore_errors=True)
    folder = scratch / "corpus"
    folder.mkdir(parents=True)
    keep = folder / "kept.md"  # the deleted file's folder keeps a file, so the root stays
    if edit == EDITS[2]:
        new_file(keep, -1)
    else:
        shutil.copy(source if source is not None and source.exists() else _sample(), keep)
    db = scratch / "peer.db"
    if edit == EDITS[3]:
        shutil.copy(keep, folder / "gone.md")
    run_index(folder, db, model, extra)
    if edit == EDITS[1]:
        edit_sentence(keep, number)
    elif edit == EDITS[2]:
        new_file(folder / f"note-{number}.md", number)
    elif edit == EDITS[3]:
        (folder / "gone.md").unlink()
    wall, _ = run_index(folder, db, model, extra)
    return wall


_SAMPLE: Path | None = None


def _sample() -> Path:
    assert _SAMPLE is not None
    return _SAMPLE


def main(argv: list[str] | None = None) -> None:
    global _SAMPLE, CODE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, nargs="*", default=[], help="folders of documentation to copy")
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--work", type=Path, required=True, help="where the corpus and the index go")
    parser.add_argument("-m", "--model", default="minilm")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the corpus and index already in --work")
    parser.add_argument("--vector-context", default=None, help="passed to every index run")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the folder holding the simsearch package to run (another version's, for a before/after)")
    args = parser.parse_args(argv)
    CODE = args.code
    extra = ["--vector-context", args.vector_context] if args.vector_context is not None else []
    corpus, db = args.work / "corpus", args.work / "index.db"
    if not args.reuse:
        if not args.src:
            parser.error("--src is needed unless --reuse")
        shutil.rmtree(corpus, ignore_errors=True)
        for leftover in args.work.glob("index.db*"):
            leftover.unlink()
        args.work.mkdir(parents=True, exist_ok=True)
        files = build_corpus(args.src, args.copies, corpus)
        wall, report = run_index(corpus, db, args.model, extra)
        print(f"built: {files:,} files, {report['sentences']:,} sentences in {wall:.1f} s "
              f"(encoding {report['encode_seconds']:.1f} s)", flush=True)
    candidates = sorted(p for p in (corpus / "copy0").rglob("*") if p.suffix in SUFFIXES)
    if not candidates:
        raise SystemExit(f"no corpus under {corpus}: run without --reuse first")
    _SAMPLE = candidates[0]
    scratch = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    rows = []
    try:
        for edit in EDITS:
            walls, seconds, encodes, hnsw, peers = [], [], [], set(), []
            for repeat in range(args.repeat):
                # distinct in every invocation: an edit the last one made is never made "again"
                number = os.getpid() * 100 + len(rows) * 10 + repeat
                touched = apply(edit, corpus, candidates, number)
                wall, report = run_index(corpus, db, args.model, extra)
                walls.append(wall)
                seconds.append(report["seconds"])
                encodes.append(report["encode_seconds"])
                hnsw.update(report["hnsw"].values() or ["untouched"])
                peers.append(peer(edit, touched if edit != EDITS[3] else None, args.model, extra,
                                  scratch, number))
            rows.append((edit, walls, seconds, encodes, sorted(hnsw), peers))
            print(f"{edit}: {statistics.median(walls):.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls)}; "
                  f"in-run {statistics.median(seconds):.2f} s, encoding {statistics.median(encodes):.2f} s, "
                  f"HNSW {'/'.join(sorted(hnsw))}) | alone {statistics.median(peers):.2f} s | "
                  f"ratio {statistics.median(walls) / statistics.median(peers):.1f}x", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print()
    print("| edit | `index` again (median) | the edit alone (one-file index) | ratio | HNSW |")
    print("|---|---|---|---|---|")
    for edit, walls, _, _, hnsw, peers in rows:
        print(f"| {edit} | {statistics.median(walls):.2f} s | {statistics.median(peers):.2f} s | "
              f"{statistics.median(walls) / statistics.median(peers):.1f}x | {', '.join(hnsw)} |")


if __name__ == "__main__":
    main()
