"""Build retrieval benchmarks from real data into a cache folder (never into the repository).

Four sets, each a folder with ``corpus/`` (what to index), ``queries.jsonl`` (for
``simsearch eval retrieval``; relevant paths are relative to the file) and ``SOURCE.json``
(where the material came from, its sha256, and the counts):

``pytest-docs`` — question answering over documentation. The reStructuredText sources of
pytest's documentation (``doc/en`` of the pytest sdist from PyPI, minus the release
announcements, the changelog and ``reference/plugin_list.rst``, a generated table of some
1,500 third-party plugins that would be a third of the sentences). Every section heading is a candidate question; its answer
is the section's own text (up to the next heading of any level), given as ``path:A-B``. Kept
are headings that read as a question or a how-to (the filter, ``is_question``): they end with
``?``, or start with how/what/why/when/where/which/who/can/should/do/does/is/are/
or start with an imperative from ``IMPERATIVES`` ("Use ...", "Skip ...") or a gerund
("Using ...", "Disabling ..."); 3 to 16 words;
a heading text that occurs twice in the tree is dropped (ambiguous); the section must hold
at least ``MIN_ANSWER_WORDS`` words of prose (lines outside literal blocks and directives).
Every heading line (title, underline and overline) is removed from the indexed copy, so a
question never finds itself; a blank line keeps the paragraphs on either side apart.
Roles and inline literals in a heading are reduced to their text for the query.

``sphinx-docs`` — the same method on Sphinx's own documentation: the reStructuredText sources
that Debian's ``sphinx-doc`` package ships (``usr/share/doc/sphinx-doc/html/_sources/**/*.rst.txt``,
Sphinx 5.3.0 in bookworm, fetched with ``apt-get download sphinx-doc`` or taken from
``--sources``), minus ``changes.rst`` (an include stub) and ``extdev/deprecated.rst`` (a table of
some 200 deprecated API names). The same heading filter, kept as it is: 38 questions over 91
files, 5,625 sentences; one question is 0.026 of hit@10, so read its differences with that in mind.

``django-docs`` — the same method on Django's documentation, the largest of the three QA sets:
``docs/{faq,howto,intro,topics}/**/*.txt`` of the Django sdist from PyPI (5.1.4 by default; the
API reference ``ref/`` and the release notes left out), written to the corpus as ``*.rst``. The
same heading filter, unchanged: 416 questions over 122 files, 12,066 indexed sentences, so one
question is 0.0024 of hit@10 — the set where differences of a few hundredths can be read.

``stsb-sick-paraphrase`` — paraphrase retrieval. Pairs scored >= 4 (of 5) from the STS-B
train split and the SICK train split (``$SIMSEARCH_DATA`` or ../shared/data; their train
splits, so that the STS test numbers stay independent of anything tuned here). The corpus is
one file, ``sentences.txt``, one sentence per line: every distinct sentence of both train
files except those used as queries. A query is one side of a pair; its relevant items are
the exact texts (``{"text": ...}``) of every partner scored >= 4 that is in the corpus.
Judgements are incomplete: an unscored near-duplicate ("A man is playing an instrument" for
"A man is playing the instrument", common in SICK) counts as a miss, so absolute numbers
understate; compare models and modes on the same set. Queries are drawn with a fixed seed, at most ``--paraphrase-queries`` of them. With
``--paraphrase-layout paragraphs`` the same corpus has a blank line between sentences (set
``stsb-sick-paraphrase-paragraphs``): a control that holds whatever the segmenter does with
one-per-line files.

Reproduce (about a minute; the indexes take a few minutes each on 2 CPU cores)::

    python benchmarks/build_benchmarks.py                 # -> ~/.cache/simsearch-bench
    simsearch index ~/.cache/simsearch-bench/pytest-docs/corpus --db /tmp/pytest-docs.db
    simsearch eval retrieval ~/.cache/simsearch-bench/pytest-docs/queries.jsonl --db /tmp/pytest-docs.db
    simsearch index ~/.cache/simsearch-bench/stsb-sick-paraphrase/corpus --db /tmp/para.db
    simsearch eval retrieval ~/.cache/simsearch-bench/stsb-sick-paraphrase/queries.jsonl --db /tmp/para.db

Options: ``--out FOLDER`` (default ``$SIMSEARCH_BENCH`` or ``~/.cache/simsearch-bench``),
``--pytest-version`` (default 8.3.4), ``--django-version`` (default 5.1.4), ``--sources`` (a folder with the sphinx-doc .deb in ``debs/``
or extracted in ``sphinx-doc/``; default ``OUT/sources`` when present), ``--only docs|sphinx|django|paraphrase``, ``--data`` (the shared data folder), ``--paraphrase-queries``
(default 500), ``--seed``. A set already built is rebuilt in place (the folder holds nothing
else: it is this script's own).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterator

PYTEST_VERSION = "8.3.4"
EXCLUDED = ("changelog.rst", "reference/plugin_list.rst")
# Sphinx: the changelog is an include stub; deprecated.rst is a generated table of ~200 API names.
SPHINX_SOURCES = "usr/share/doc/sphinx-doc/html/_sources"
SPHINX_EXCLUDED = ("changes.rst", "extdev/deprecated.rst")
DJANGO_VERSION = "5.1.4"
# Django: the prose parts of its documentation; ref/ (API reference) and releases/ are left out.
DJANGO_PARTS = ("faq/", "howto/", "intro/", "topics/")
MIN_ANSWER_WORDS = 25
MIN_SCORE = 4.0

QUESTION_STARTS = {"how", "what", "why", "when", "where", "which", "who", "can", "should", "do", "does",
                   "is", "are"}
# Imperatives that start how-to headings ("Use fixtures in classes", "Skip all test functions").
IMPERATIVES = {"use", "override", "skip", "assert", "detect", "install", "run", "create", "request", "add", "avoid",
               "make", "get", "set", "write", "register", "pass", "access", "change", "define", "mark", "provide",
               "ignore", "capture", "check", "return", "parametrize", "share", "control", "specify", "select",
               "disable", "enable", "call", "organize", "keep", "find", "modularize", "apply", "remove", "turn",
               "handle", "import", "debug", "configure", "customize", "reuse", "group", "fail"}
# Gerunds that start headings without being how-tos.
NOT_HOWTO = {"during", "nothing", "something", "everything", "string", "thing", "bring", "king"}
ADORNMENT = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")


def default_out() -> Path:
    return Path(os.environ.get("SIMSEARCH_BENCH") or Path.home() / ".cache" / "simsearch-bench")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fresh(folder: Path) -> Path:
    """An empty folder for one set; only a folder this script made (it has SOURCE.json) is replaced."""
    if folder.exists():
        if not (folder / "SOURCE.json").exists() and any(folder.iterdir()):
            sys.exit(f"{folder} exists and was not made by this script; choose another --out")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


# --- reStructuredText headings -------------------------------------------------------------

def clean_heading(text: str) -> str:
    """Heading text as a reader sees it: roles, literals and link markup reduced to their text."""
    text = re.sub(r":[\w:+-]+:`([^`<]*?)\s*<[^`>]*>`", r"\1", text)  # :doc:`pdb <python:library/pdb>`
    text = re.sub(r":[\w:+-]+:`~?([^`]*)`", r"\1", text)  # :class:`pytest.Item`, :func:`~a.b`
    text = re.sub(r"``([^`]*)``", r"\1", text)
    text = re.sub(r"`([^`<]*?)\s*<[^`>]*>`_{1,2}", r"\1", text)
    text = re.sub(r"`([^`]*)`_{0,2}", r"\1", text)
    return " ".join(text.split())


def find_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line index, last line index, title) of each section title, 0-based, in order.

    A title is an unindented line followed by an adornment line (one punctuation character
    repeated, at least as long as the title), optionally preceded by the same adornment.
    """
    out = []
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i].rstrip(), lines[i + 1].rstrip()
        if (title.strip() and not title[0].isspace() and not ADORNMENT.match(title) and ADORNMENT.match(under)
                and len(under) >= len(title) and not title.startswith("..")):
            first = i - 1 if i > 0 and lines[i - 1].rstrip() == under else i
            out.append((first, i + 1, title.strip()))
            i += 2
            continue
        i += 1
    return out


def prose_words(lines: list[str]) -> int:
    """Words outside literal blocks (after ``::``), directives and their indented bodies."""
    words = 0
    skip_indent = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if not stripped or indent > skip_indent:
                continue
            skip_indent = None
        if stripped.startswith(".."):
            skip_indent = indent
            continue
        if stripped.startswith(">>>"):
            continue
        words += len(stripped.split())
        if stripped.endswith("::"):
            skip_indent = indent
    return words


def is_question(title: str) -> bool:
    words = title.split()
    if not 3 <= len(words) <= 16:
        return False
    first = words[0].lower().strip("\"'(")
    if title.endswith("?") or first in QUESTION_STARTS or first in IMPERATIVES:
        return True
    return first.endswith("ing") and len(first) > 5 and first not in NOT_HOWTO and first.isalpha()


def strip_headings(name: str, lines: list[str]) -> tuple[list[str], list[tuple], int]:
    """The corpus copy of one file without its heading lines, its sections and the lines removed.

    A section is (name, raw title, first line, last line, prose words), lines 1-based in the copy.
    """
    headings = find_headings(lines)
    kept: list[str] = []
    bounds = []  # per heading: the corpus line where its section starts
    cursor = 0
    removed = 0
    for first, last, title in headings:
        kept += lines[cursor:first]
        if kept and kept[-1].strip():
            kept.append("")  # the paragraphs either side of a removed heading stay apart
        removed += last - first + 1
        bounds.append((title, len(kept)))
        cursor = last + 1
    kept += lines[cursor:]
    sections = []
    for index, (title, start) in enumerate(bounds):
        end = bounds[index + 1][1] if index + 1 < len(bounds) else len(kept)
        body = kept[start:end]
        while body and not body[0].strip():
            body, start = body[1:], start + 1
        while body and not body[-1].strip():
            body = body[:-1]
        if body:
            sections.append((name, title, start + 1, start + len(body), prose_words(body)))
    return kept, sections, removed


def write_qa_set(folder: Path, documents, info: dict) -> dict:
    """Write ``corpus/`` (headings removed), ``queries.jsonl`` and ``SOURCE.json`` for one QA set.

    ``documents`` yields (relative path ending in .rst, lines); ``info`` gives name and source.
    """
    corpus = folder / "corpus"
    sections = []
    removed = 0
    for name, lines in documents:
        kept, found, gone = strip_headings(name, lines)
        sections += found
        removed += gone
        target = corpus / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    titles = Counter(clean_heading(title) for _, title, *_ in sections)
    queries = []
    for name, title, start, end, words in sections:
        question = clean_heading(title)
        if is_question(question) and titles[question] == 1 and words >= MIN_ANSWER_WORDS:
            queries.append({"id": f"{name}:{start}", "query": question, "relevant": [f"corpus/{name}:{start}-{end}"]})
    write_jsonl(folder / "queries.jsonl", queries)
    files = sorted(corpus.rglob("*.rst"))
    info = {
        **info, "files": len(files),
        "corpus_lines": sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files),
        "heading_lines_removed": removed, "sections": len(sections), "queries": len(queries),
        "filter": f"is_question(heading), unique heading text, >= {MIN_ANSWER_WORDS} prose words in the section",
    }
    (folder / "SOURCE.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def sdist_documents(package: str, version: str, work: Path, docs: str, rename) -> tuple[Path, Iterator]:
    """Download ``package==version``'s sdist from PyPI into ``work``; its archive, and (name, lines)
    of each file under ``docs/`` in it for which ``rename(name)`` gives a corpus name (None: skip)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"{package}=={version}", "-d", str(work)], check=True)
    [archive] = [p for p in work.glob("*.tar.gz") if p.name.lower() == f"{package}-{version}.tar.gz"]
    prefix = f"{archive.name[:-len('.tar.gz')]}/{docs}"

    def documents():
        with tarfile.open(archive) as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                name = member.name[len(prefix):] if member.name.startswith(prefix) and member.isfile() else None
                name = rename(name) if name else None
                if name:
                    yield name, tar.extractfile(member).read().decode("utf-8").splitlines()

    return archive, documents()


def build_docs(out: Path, version: str, work: Path) -> dict:
    folder = fresh(out / "pytest-docs")

    def rename(name: str) -> str | None:
        skip = (not name.endswith(".rst") or name.startswith("announce/") or name in EXCLUDED
                or any(part.startswith("_") for part in name.split("/")))
        return None if skip else name

    archive, documents = sdist_documents("pytest", version, work, "doc/en/", rename)
    return write_qa_set(folder, documents, {
        "name": "pytest-docs", "source": f"PyPI sdist pytest=={version}, doc/en/**/*.rst "
                                         f"(without announce/ and {', '.join(EXCLUDED)})",
        "archive_sha256": sha256(archive),
    })


def build_sphinx_docs(out: Path, work: Path, sources: Path | None = None) -> dict:
    """Sphinx's own documentation, the reStructuredText sources shipped in Debian's sphinx-doc.

    The package is fetched with ``apt-get download sphinx-doc`` (or taken from ``sources``, a
    folder holding an extracted package or the .deb) and the ``html/_sources/**/*.rst.txt`` are
    read, written to the corpus as ``*.rst``; the same method as pytest-docs.
    """
    folder = fresh(out / "sphinx-docs")
    deb = None
    root = None
    if sources is not None:
        extracted = sources / "sphinx-doc" / SPHINX_SOURCES
        if extracted.is_dir():
            root = extracted
        debs = sorted(sources.glob("debs/sphinx-doc_*.deb")) + sorted(sources.glob("sphinx-doc_*.deb"))
        deb = debs[-1] if debs else None
    if root is None:
        if deb is None:
            subprocess.run(["apt-get", "download", "sphinx-doc"], cwd=work, check=True)
            [deb] = sorted(work.glob("sphinx-doc_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "sphinx-doc")], check=True)
        root = work / "sphinx-doc" / SPHINX_SOURCES

    def documents():
        for path in sorted(root.rglob("*.rst.txt")):
            name = path.relative_to(root).as_posix()[:-len(".txt")]
            if name in SPHINX_EXCLUDED:
                continue
            yield name, path.read_text(encoding="utf-8").splitlines()

    return write_qa_set(folder, documents(), {
        "name": "sphinx-docs",
        "source": f"Debian package {deb.name if deb else 'sphinx-doc'}, {SPHINX_SOURCES}/**/*.rst.txt "
                  f"(without {', '.join(SPHINX_EXCLUDED)})",
        "deb_sha256": sha256(deb) if deb else None,
    })


def build_django_docs(out: Path, version: str, work: Path) -> dict:
    """Django's documentation: ``docs/{faq,howto,intro,topics}/**/*.txt`` of the sdist from PyPI.

    The same method as pytest-docs; the files are reStructuredText and are written as ``*.rst``.
    The API reference (``ref/``, 270k words) and the release notes are left out, so the corpus
    is the size of the issue's 15k-sentence case.
    """
    folder = fresh(out / "django-docs")

    def rename(name: str) -> str | None:
        return name[:-len(".txt")] + ".rst" if name.endswith(".txt") and name.startswith(DJANGO_PARTS) else None

    archive, documents = sdist_documents("django", version, work, "docs/", rename)
    return write_qa_set(folder, documents, {
        "name": "django-docs",
        "source": f"PyPI sdist django=={version}, docs/{{{','.join(p.rstrip('/') for p in DJANGO_PARTS)}}}/**/*.txt",
        "archive_sha256": sha256(archive),
    })


# --- paraphrases --------------------------------------------------------------------------

def read_pairs(data: Path) -> list[tuple[str, str, float, str]]:
    pairs = []
    stsb = data / "senteval" / "STS" / "STSBenchmark" / "sts-train.csv"
    with stsb.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 7:
                pairs.append((row[5], row[6], float(row[4]), "stsb-train"))
    sick = data / "senteval" / "SICK" / "SICK_train.txt"
    with sick.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            pairs.append((parts[1], parts[2], float(parts[3]), "sick-train"))
    return [(" ".join(a.split()), " ".join(b.split()), score, source) for a, b, score, source in pairs]


def build_paraphrase(out: Path, data: Path, limit: int, seed: int, layout: str = "lines") -> dict:
    name = "stsb-sick-paraphrase" + ("" if layout == "lines" else "-paragraphs")
    folder = fresh(out / name)
    pairs = read_pairs(data)
    partners: dict[str, set[str]] = defaultdict(set)
    for a, b, score, _ in pairs:
        if score >= MIN_SCORE and a != b:
            partners[a].add(b)
            partners[b].add(a)
    sentences = list(dict.fromkeys(s for a, b, _, _ in pairs for s in (a, b)))
    # Queries leave the corpus (else each query finds itself first); a query's partners stay.
    candidates = sorted(partners)
    random.Random(seed).shuffle(candidates)
    queries: list[str] = []
    targets: set[str] = set()
    chosen: set[str] = set()
    for sentence in candidates:
        if len(queries) >= limit:
            break
        if sentence in targets:
            continue
        kept = [p for p in sorted(partners[sentence]) if p not in chosen]
        if kept:
            queries.append(sentence)
            chosen.add(sentence)
            targets.update(kept)
    corpus = [s for s in sentences if s not in chosen]
    (folder / "corpus").mkdir()
    separator = "\n" if layout == "lines" else "\n\n"
    (folder / "corpus" / "sentences.txt").write_text(separator.join(corpus) + "\n", encoding="utf-8")
    write_jsonl(folder / "queries.jsonl", [
        {"id": f"q{i}", "query": q, "relevant": [{"text": p} for p in sorted(partners[q]) if p not in chosen]}
        for i, q in enumerate(queries, 1)
    ])
    sources = Counter(source for *_, source in pairs)
    info = {
        "name": name, "layout": layout,
        "source": "STS-B sts-train.csv and SICK_train.txt from the shared data folder; pairs scored >= 4",
        "files_sha256": {str(p.relative_to(data)): sha256(p) for p in
                         (data / "senteval/STS/STSBenchmark/sts-train.csv", data / "senteval/SICK/SICK_train.txt")},
        "pairs": dict(sources), "pairs_scored_ge_4": sum(score >= MIN_SCORE for _, _, score, _ in pairs),
        "corpus_sentences": len(corpus), "queries": len(queries),
        "relevant_per_query": round(sum(len(partners[q] - chosen) for q in queries) / max(len(queries), 1), 3),
        "seed": seed,
    }
    (folder / "SOURCE.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def shared_data(given: str | None) -> Path:
    for candidate in (given, os.environ.get("SIMSEARCH_DATA"), Path(__file__).resolve().parents[1] / ".." / "shared" / "data"):
        if candidate and (Path(candidate) / "senteval").is_dir():
            return Path(candidate).resolve()
    sys.exit("evaluation data not found: pass --data or set $SIMSEARCH_DATA")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=default_out())
    parser.add_argument("--pytest-version", default=PYTEST_VERSION)
    parser.add_argument("--data")
    parser.add_argument("--paraphrase-queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--django-version", default=DJANGO_VERSION)
    parser.add_argument("--only", choices=["docs", "sphinx", "django", "paraphrase"])
    parser.add_argument("--sources", type=Path, default=None,
                        help="a folder with the sphinx-doc package already fetched (debs/sphinx-doc_*.deb or "
                             "sphinx-doc/usr/...); default OUT/sources when present, else apt-get download")
    parser.add_argument("--paraphrase-layout", choices=["lines", "paragraphs"], default="lines",
                        help="paragraphs: a blank line between sentences (same queries), a control that "
                             "does not depend on how one-per-line files are segmented")
    args = parser.parse_args(argv)
    out = args.out.expanduser().absolute()
    repo = Path(__file__).resolve().parents[1]
    if out == repo or repo in out.parents:
        sys.exit(f"--out {out} is inside the repository; benchmark data is never committed")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if args.only in (None, "docs"):
            info = build_docs(out, args.pytest_version, Path(work))
            print(f"pytest-docs: {info['queries']} queries over {info['files']} files "
                  f"({info['corpus_lines']:,} lines, {info['heading_lines_removed']:,} heading lines removed) "
                  f"-> {out / 'pytest-docs'}")
        if args.only in (None, "sphinx"):
            sources = args.sources or (out / "sources" if (out / "sources").is_dir() else None)
            info = build_sphinx_docs(out, Path(work), sources)
            print(f"sphinx-docs: {info['queries']} queries over {info['files']} files "
                  f"({info['corpus_lines']:,} lines, {info['heading_lines_removed']:,} heading lines removed) "
                  f"-> {out / 'sphinx-docs'}")
        if args.only in (None, "django"):
            info = build_django_docs(out, args.django_version, Path(work))
            print(f"django-docs: {info['queries']} queries over {info['files']} files "
                  f"({info['corpus_lines']:,} lines, {info['heading_lines_removed']:,} heading lines removed) "
                  f"-> {out / 'django-docs'}")
    if args.only in (None, "paraphrase"):
        info = build_paraphrase(out, shared_data(args.data), args.paraphrase_queries, args.seed,
                                args.paraphrase_layout)
        print(f"{info['name']}: {info['queries']} queries, {info['relevant_per_query']} relevant each, "
              f"over {info['corpus_sentences']:,} sentences -> {out / info['name']}")


if __name__ == "__main__":
    main()
