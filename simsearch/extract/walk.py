"""The file walk: hidden files and folders, ``.gitignore``d paths, unknown extensions and
undecodable names are left out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import SimsearchError
from .base import FoundFile, reads_name
from .gitignore import _ignored, _Rule, parse_gitignore

# --- the walk -----------------------------------------------------------------------------

def printable(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes that are not UTF-8 backslash-escaped."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_undecodable(name: Path | str) -> bool:
    """Whether a name holds bytes that are not UTF-8 (Python keeps them as lone surrogates).

    Such a path cannot be stored in SQLite as text nor printed, so the walk skips it with a
    warning rather than storing an escaped name that could collide with a real one.
    """
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def walk(roots: list[Path]) -> Iterator[FoundFile | tuple[Path, str]]:
    """Yield every indexable file under ``roots``, or ``(path, reason)`` for a skipped one.

    Files named directly are taken whatever their name; hidden entries and ignored
    paths are skipped only below a named folder. A problem with one entry (a name that is
    not UTF-8, an unreadable folder, a symlink loop, a path too long) skips that entry, never
    the walk. The walk keeps its own stack, so nesting depth is not bounded by Python's.
    """
    for root in roots:
        root = Path(root).expanduser().absolute()
        if is_undecodable(root):
            yield root, "skipped: the path is not valid UTF-8 (rename it to index it)"
            continue
        try:
            exists, is_file = root.exists(), root.is_file()
        except OSError as exc:
            yield root, f"skipped: cannot read ({exc.strerror or exc})"
            continue
        if not exists:
            raise SimsearchError(f"{root}: no such file or folder")
        if is_file:
            found = _found(root)
            if isinstance(found, FoundFile):
                yield found
            else:
                yield root, found or f"unsupported file type {root.suffix or '(none)'}"
            continue
        yield from _walk_dir(root)


_Frame = tuple[Iterator[os.DirEntry], list[tuple[Path, list[_Rule]]]]


def _walk_dir(top: Path) -> Iterator[FoundFile | tuple[Path, str]]:
    """Depth first, each folder's entries in name order (the order a recursive walk gives)."""
    stack: list[_Frame] = []
    seen: set[tuple[int, int]] = set()  # (device, inode) of folders entered: a bind-mount loop ends
    yield from _enter(top, [], stack, seen)
    while stack:
        entries, rules = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if is_undecodable(entry.name):
            yield path, "skipped: the name is not valid UTF-8 (rename it to index it)"
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)  # symlinked folders are not followed
        except OSError as exc:
            yield path, f"skipped: cannot read ({exc.strerror or exc})"
            continue
        if rules and _ignored(rules, path, is_dir):
            continue
        if is_dir:
            yield from _enter(path, rules, stack, seen)
            continue
        if not reads_name(path):
            continue
        found = _found(path, entry)
        if found is not None:
            yield found if isinstance(found, FoundFile) else (path, found)


def _enter(folder: Path, rules: list[tuple[Path, list[_Rule]]], stack: list[_Frame],
           seen: set[tuple[int, int]]) -> Iterator[tuple[Path, str]]:
    """Push a folder's sorted entries (and its .gitignore rules) on the stack, or say why not."""
    try:
        stat = os.stat(folder)
        if (stat.st_dev, stat.st_ino) in seen:
            yield folder, "skipped: folder already walked (a loop of mounts or links)"
            return
        seen.add((stat.st_dev, stat.st_ino))
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"skipped: cannot list folder ({exc.strerror or exc})"
        return
    if any(entry.name == ".gitignore" for entry in entries):
        gitignore = folder / ".gitignore"
        try:
            rules = [*rules, (folder, parse_gitignore(os.fsdecode(gitignore.read_bytes())))]
        except IsADirectoryError:
            pass
        except OSError as exc:
            yield gitignore, f"cannot read ({exc.strerror or exc}); its rules are not applied"
    stack.append((iter(entries), rules))


def _found(path: Path, entry: os.DirEntry | None = None) -> FoundFile | str | None:
    """The file with its size and mtime; None if it is not a file we index; a reason if unreadable."""
    if not reads_name(path):
        return None
    try:
        if entry is not None and not entry.is_file():  # follows a symlink: a link loop raises
            if entry.is_symlink() and not os.path.exists(path):  # a link whose file is gone (moved, a drive not mounted)
                return f"skipped: a link to {printable(Path(os.readlink(path)))}, which is not there"
            return None
        stat = entry.stat() if entry is not None else path.stat()
    except FileNotFoundError:
        return None  # vanished between listing and stat, or a dangling link
    except OSError as exc:
        return f"skipped: cannot read ({exc.strerror or exc})"
    return FoundFile(path, stat.st_size, stat.st_mtime_ns)
