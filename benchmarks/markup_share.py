"""Share of indexed sentences that still hold markup, on real documentation trees.

Runs the indexer's own reading path (walk -> extract -> sentences_of) over documentation
trees and counts sentences that hold reStructuredText or Markdown markup: section
underlines, directives and their options, link targets, comments, roles, inline-literal
backticks, doctest prompts, Markdown headings, links, fences, tables and HTML tags.
The same count is made with the extractor of an older commit (``--before REV``, loaded from
``git show REV:simsearch/...`` as a separate package, nothing checked out), so the two
numbers come from one run.

The trees are installed from package registries, never committed:

    mkdir -p ~/.cache/simsearch-bench/sources && cd ~/.cache/simsearch-bench/sources
    apt-get download sphinx-doc python-requests-doc    # Debian bookworm: 5.3.0-4, 2.28.1+dfsg-1
    dpkg -x sphinx-doc_*.deb sphinx-doc && dpkg -x python-requests-doc_*.deb python-requests-doc
    pip download --no-binary :all: --no-deps markdown==3.11.3 -d sdists && tar xzf sdists/markdown-3.11.3.tar.gz -C sdists

    python benchmarks/markup_share.py --before 90dac1e [--show 20] [--html] [ROOT ...]

``--html`` also reads the two Sphinx HTML builds and compares each with its own ``_sources``.
"""

from __future__ import annotations

import argparse
import importlib
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__import__("os").environ.get("SIMSEARCH_BENCH_SOURCES", Path.home() / ".cache" / "simsearch-bench" / "sources"))
DEFAULT_ROOTS = [
    BENCH / "sphinx-doc/usr/share/doc/sphinx-doc/html/_sources",
    BENCH / "python-requests-doc/usr/share/doc/python-requests-doc/html/_sources",
    BENCH / "sdists/markdown-3.11.3/docs",
]

MARKUP = {
    "section underline": re.compile(r"""(?:^|\s)([=\-~^"'`#*+_])\1{3,}(?:\s|$)"""),
    "directive": re.compile(r"(?:^|\s)\.\.\s+[\w:.+-]+::"),
    "link target / comment": re.compile(r"^\.\.(?:\s|$)|(?:^|\s)\.\. _[^:]*:|^__ "),
    "field or option": re.compile(r"^:[\w][\w .()-]*:(?:\s|$)"),
    "role": re.compile(r":[\w.+-]+:`|`:[\w.+-]+:|\{[\w-]+\}`"),
    "backticks": re.compile(r"``|`[^`]+`_{1,2}|(?:^|\s)`[^`\s][^`]*`(?:\s|[.,;:]|$)"),
    "doctest prompt": re.compile(r">>>|^\.\.\. "),
    "literal-block marker": re.compile(r"(?:^|\s)::$"),
    "substitution": re.compile(r"(?:^|\s)\|[\w -]+\|(?:\s|$)"),
    "markdown heading": re.compile(r"^#{1,6}\s"),
    "markdown link/image": re.compile(r"\]\([^)]*\)|!\[|^\[[^\]]+\]:\s"),
    "code fence": re.compile(r"```|~~~"),
    "table border/row": re.compile(r"^\|.*\||\+[-=]{3,}\+|\|\s*:?-{3,}"),
    "html tag/comment": re.compile(r"<!--|</?(?:div|span|p|a|img|br|table|tr|td|details|summary)\b[^>]*>"),
    "admonition marker": re.compile(r"^(?:!!!|\?\?\?)\s"),
}


def load_package(rev: str | None):
    """The simsearch package as in the working tree, or its extraction modules at ``rev``."""
    if rev is None:
        sys.path.insert(0, str(REPO))
        return importlib.import_module("simsearch.extract")
    folder = Path(tempfile.mkdtemp(prefix="simsearch_at_"))
    package = folder / "simsearch_before"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("extract", "segment", "errors"):
        source = subprocess.run(["git", "show", f"{rev}:simsearch/{name}.py"], cwd=REPO, check=True,
                                capture_output=True, text=True).stdout
        (package / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    return importlib.import_module("simsearch_before.extract")


def sentences(extract_module, roots: list[Path]) -> list[tuple[str, int, str]]:
    out = []
    for item in extract_module.walk(roots):
        if not isinstance(item, extract_module.FoundFile):
            continue
        try:
            extracted = extract_module.extract(item.path, item.path.read_bytes())
        except extract_module.Skip:
            continue
        for sentence in extract_module.sentences_of(extracted):
            out.append((str(item.path), sentence.line, sentence.text))
    return out


def measure(label: str, rows: list[tuple[str, int, str]], show: int) -> None:
    kinds: Counter[str] = Counter()
    flagged = []
    for path, line, text in rows:
        hits = [name for name, regex in MARKUP.items() if regex.search(text)]
        kinds.update(hits)
        if hits:
            flagged.append((path, line, text, hits))
    share = len(flagged) / max(1, len(rows))
    print(f"{label}: {len(rows):,} sentences, {len(flagged):,} with markup = {100 * share:.2f}%")
    for name, count in kinds.most_common():
        print(f"    {count:6,}  {name}")
    for path, line, text, hits in random.Random(0).sample(flagged, min(show, len(flagged))):
        print(f"    [{', '.join(hits)}] {Path(path).name}:{line}: {text[:160]}")


HTML_ROOTS = [
    BENCH / "sphinx-doc/usr/share/doc/sphinx-doc/html",
    BENCH / "python-requests-doc/usr/share/doc/python-requests-doc/html",
]


def _key(text: str) -> str:
    """A sentence compared across renderings: letters and digits only, lowercased (Sphinx turns
    quotes into curly ones and ``--`` into dashes)."""
    return "".join(char for char in text.lower() if char.isalnum())


def html_against_sources(extract_module, root: Path) -> tuple[int, int, int, int]:
    """A Sphinx HTML build read as HTML, against its own reStructuredText sources (``_sources``,
    the same pages): how many sentences the HTML gives, how many of them no source sentence
    holds (menus, sidebars, tables of contents, code, footers), how many source sentences
    there are, and how many of those the HTML gives (the content kept)."""
    html = [row for row in sentences(extract_module, [root]) if row[0].endswith(".html")]
    source = sentences(extract_module, [root / "_sources"])
    source_keys = {_key(text) for _, _, text in source}
    html_keys = {_key(text) for _, _, text in html}
    foreign = sum(_key(text) not in source_keys for _, _, text in html)
    kept = sum(_key(text) in html_keys for _, _, text in source)
    return len(html), foreign, len(source), kept


def measure_html(label: str, extract_module) -> None:
    for root in HTML_ROOTS:
        if not (root / "_sources").exists():
            continue
        n, foreign, n_source, kept = html_against_sources(extract_module, root)
        print(f"{label}: {root.parent.name} HTML: {n:,} sentences, {foreign:,} ({100 * foreign / max(1, n):.1f}%) "
              f"in no source sentence; {kept:,} of {n_source:,} source sentences "
              f"({100 * kept / max(1, n_source):.1f}%) found in the HTML")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", type=Path, help="documentation trees (default: the three above)")
    parser.add_argument("--before", metavar="REV", help="also measure the extractor of this git revision")
    parser.add_argument("--show", type=int, default=0, help="print this many flagged sentences, at random")
    parser.add_argument("--html", action="store_true",
                        help="also read Sphinx's HTML builds and compare them with their own sources")
    args = parser.parse_args()
    roots = args.roots or [root for root in DEFAULT_ROOTS if root.exists()]
    if not roots:
        sys.exit(f"no documentation tree found under {BENCH}; see this script's docstring")
    for root in roots:
        print(f"tree: {root}")
    if args.before:
        measure(f"before ({args.before})", sentences(load_package(args.before), roots), args.show)
    measure("now (working tree)", sentences(load_package(None), roots), args.show)
    if args.html:
        if args.before:
            measure_html(f"before ({args.before})", load_package(args.before))
        measure_html("now (working tree)", load_package(None))


if __name__ == "__main__":
    main()
