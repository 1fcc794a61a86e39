"""Finding documents and getting their text: the file walk and the per-format extractors.

The walk skips hidden files and folders, paths ignored by a ``.gitignore`` on the way
down, files with an unknown extension, and binary files. Extractors return plain text
and, where the text is not the file itself (HTML, PDF), a map from text offsets back to
the file's own line numbers, so that a search hit points at ``path:line`` in the source.
"""

from __future__ import annotations

import bisect
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import SimsearchError
from .segment import Sentence, split_sentences

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".rst": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf"}
# Sentences longer than this are cut at a space: a model reads at most a few hundred tokens.
MAX_SENTENCE_CHARS = 1000
BINARY_SNIFF = 8192


@dataclass(frozen=True)
class FoundFile:
    path: Path  # absolute
    size: int
    mtime_ns: int


class Skip(Exception):
    """A file that is left out of the index, with the reason shown to the user."""


# --- .gitignore ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern
    negate: bool
    dir_only: bool


def _gitignore_regex(pattern: str) -> str:
    """A gitignore glob as a regex over a '/'-separated path relative to the .gitignore."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    return ("^" if anchored else "^(?:.*/)?") + body + "$"


def parse_gitignore(text: str) -> list[_Rule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith("\\"):
            line = line[1:]
        rules.append(_Rule(re.compile(_gitignore_regex(line)), negate, line.endswith("/")))
    return rules


def _ignored(rules: list[tuple[Path, list[_Rule]]], path: Path, is_dir: bool) -> bool:
    """Last matching rule wins, deeper .gitignore files after shallower ones (as git does)."""
    ignored = False
    for base, base_rules in rules:
        relative = path.relative_to(base).as_posix()
        for rule in base_rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(relative):
                ignored = not rule.negate
    return ignored


# --- the walk -----------------------------------------------------------------------------

def walk(roots: list[Path]) -> Iterator[FoundFile | tuple[Path, str]]:
    """Yield every indexable file under ``roots``, or ``(path, reason)`` for a skipped one.

    Files named directly are taken whatever their name; hidden entries and ignored
    paths are skipped only below a named folder.
    """
    for root in roots:
        root = Path(root).expanduser().absolute()
        if not root.exists():
            raise SimsearchError(f"{root}: no such file or folder")
        if root.is_file():
            found = _found(root)
            if found is not None:
                yield found
            else:
                yield root, f"unsupported file type {root.suffix or '(none)'}"
            continue
        yield from _walk_dir(root, [])


def _walk_dir(folder: Path, rules: list[tuple[Path, list[_Rule]]]) -> Iterator[FoundFile | tuple[Path, str]]:
    gitignore = folder / ".gitignore"
    if gitignore.is_file():
        try:
            rules = [*rules, (folder, parse_gitignore(gitignore.read_text(encoding="utf-8", errors="replace")))]
        except OSError:
            pass
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot list folder ({exc.strerror})"
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if rules and _ignored(rules, path, is_dir):
            continue
        if is_dir:
            yield from _walk_dir(path, rules)
        elif entry.is_file():
            found = _found(path, entry)
            if found is not None:
                yield found


def _found(path: Path, entry: os.DirEntry | None = None) -> FoundFile | None:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        stat = entry.stat() if entry is not None else path.stat()
    except OSError:
        return None  # vanished between listing and stat
    return FoundFile(path, stat.st_size, stat.st_mtime_ns)


# --- extraction ---------------------------------------------------------------------------

@dataclass
class Extracted:
    text: str
    kind: str
    warning: str | None = None
    # (offset in text, source line) pairs, sorted; None when text lines are the file's lines.
    line_map: list[tuple[int, int]] | None = None

    def source_line(self, offset: int, text_line: int) -> int:
        if not self.line_map:
            return text_line
        # bisect on the pairs themselves: (offset, inf) sorts after every entry at that offset.
        i = bisect.bisect_right(self.line_map, (offset, float("inf"))) - 1
        return self.line_map[max(i, 0)][1]


def extract(path: Path, data: bytes) -> Extracted:
    """Text of a file from its bytes; raises ``Skip`` for binary or unreadable content."""
    kind = TEXT_SUFFIXES.get(path.suffix.lower(), "text")
    if kind == "pdf":
        return _extract_pdf(path, data)
    if b"\0" in data[:BINARY_SNIFF]:
        raise Skip("binary content")
    text, warning = decode(data)
    if kind == "html":
        return _extract_html(text, warning)
    if kind == "markdown":
        text = _blank_code_fences(text)
    return Extracted(text, kind, warning)


def decode(data: bytes) -> tuple[str, str | None]:
    """UTF-8 (with or without BOM; UTF-16 with a BOM); otherwise cp1252, with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warning = f"not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); read as cp1252"
        return data.decode("cp1252", errors="replace"), warning


_FENCE = re.compile(r"^\s*(```|~~~)")


def _blank_code_fences(text: str) -> str:
    """Empty the lines of fenced code blocks (code is not prose), keeping line numbers."""
    if "```" not in text and "~~~" not in text:
        return text
    lines = text.splitlines(keepends=True)
    fence = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            lines[i] = "\n"
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            lines[i] = "\n"
    return "".join(lines)


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
              "table", "section", "article", "header", "footer", "blockquote", "pre", "dd", "dt", "hr",
              "title", "main", "nav", "aside", "figcaption"}
    SKIP = {"script", "style", "noscript", "template", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.line_map: list[tuple[int, int]] = []
        self.skipping = 0
        self.in_head = False
        self.in_title = False

    def _add(self, text: str, line: int | None = None) -> None:
        self.line_map.append((self.size, line or self.getpos()[0]))
        self.parts.append(text)
        self.size += len(text)

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "title":
            self.in_title = True
            self._add("\n\n")
        elif tag in self.BLOCKS:
            self._add("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
            self._add("\n\n")
        elif tag in self.BLOCKS:
            self._add("\n\n")

    def handle_data(self, data):
        if self.skipping or (self.in_head and not self.in_title):
            return
        first = self.getpos()[0]
        for number, piece in enumerate(data.split("\n")):  # text nodes span lines: map each one
            self._add(piece + " ", first + number)


def _extract_html(text: str, warning: str | None) -> Extracted:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    return Extracted("".join(parser.parts), "html", warning, parser.line_map)


def _extract_pdf(path: Path, data: bytes) -> Extracted:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        raise Skip("PDF support is not installed: pip install 'simsearch[pdf]'") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types for damaged files
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from None
    # "line" of a PDF hit is its page number: the one position every viewer can jump to.
    parts, line_map, size = [], [], 0
    for number, page in enumerate(pages, start=1):
        line_map.append((size, number))
        parts.append(page + "\n\n")
        size += len(page) + 2
    return Extracted("".join(parts), "pdf", None, line_map)


def sentences_of(extracted: Extracted) -> list[Sentence]:
    """Sentences of extracted text, long ones cut at spaces, lines mapped to the source."""
    out = []
    for sentence in split_sentences(extracted.text):
        line = extracted.source_line(sentence.start, sentence.line)
        for start, piece in _cut(sentence.text):
            out.append(Sentence(piece, sentence.start + start, sentence.start + start + len(piece), line))
    return out


def _cut(text: str) -> Iterator[tuple[int, str]]:
    if len(text) <= MAX_SENTENCE_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = min(start + MAX_SENTENCE_CHARS, len(text))
        if end < len(text):
            space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, end)
            end = space if space > start else end
        piece = text[start:end].strip()
        if piece:
            yield start, piece
        start = end
