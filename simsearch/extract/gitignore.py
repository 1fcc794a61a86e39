"""``.gitignore`` rules as git reads them: patterns, negation, anchoring, folders only."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

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
        elif pattern[i] == "\\":  # escapes the next character: \#, \!, \*, \ (a space)
            if i + 1 == len(pattern):
                return "(?!)"  # a trailing lone backslash: git matches nothing with the pattern
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern[i] == "[":
            bracket = _gitignore_bracket(pattern, i)
            if bracket is None:
                return "(?!)"  # an unclosed [: git's wildmatch matches nothing with the pattern
            regex, i = bracket
            out.append(regex)
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    # \Z, not $ (which also matches before a final newline): a name may hold one, as in git.
    return ("^" if anchored else "^(?:.*/)?") + body + "\\Z"


# git's wildmatch reads these classes inside brackets, on ASCII only (its own ctype table).
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "\\x21-\\x7e", "lower": "a-z", "print": "\\x20-\\x7e",
    "punct": "!-/:-@\\[-`{-~", "space": " \\t\\n\\r", "upper": "A-Z", "xdigit": "0-9a-fA-F",
}


def _gitignore_bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The bracket expression at ``pattern[start]`` (a ``[``) as a regex class and the index
    after it, read as git's wildmatch reads it: ``!`` or ``^`` first negates, a ``]`` first is
    literal, ``\\`` escapes the next character, ``a-z`` is a range, ``[:alpha:]`` and the other
    POSIX classes are their ASCII characters; a negated one never matches ``/``. None when the
    pattern can match nothing: the bracket is not closed, or it names an unknown class."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    i += negate
    items: list[str] = []
    first = True
    while i < len(pattern):
        char = pattern[i]
        if char == "]" and not first:
            return ("[^/" if negate else "[") + "".join(items) + "]", i + 1
        first = False
        if char == "[" and pattern.startswith(":", i + 1):
            end = pattern.find("]", i + 2)
            if end < 0:
                return None
            if end - 1 >= i + 2 and pattern[end - 1] == ":":
                name = pattern[i + 2:end - 1]
                if name not in _POSIX_CLASSES:
                    return None  # git: a malformed class matches nothing
                items.append(_POSIX_CLASSES[name])
                i = end + 1
                continue
            # no ":]" before the next "]": the "[" is an ordinary character
        if char == "\\" and i + 1 < len(pattern):
            i += 1
            char = pattern[i]
        i += 1
        if i + 1 < len(pattern) and pattern[i] == "-" and pattern[i + 1] != "]":
            high = pattern[i + 1]
            i += 2
            if high == "\\" and i < len(pattern):
                high, i = pattern[i], i + 1
            # a reversed range (z-a) matches its first character only, as wildmatch compares it first
            items.append(f"{re.escape(char)}-{re.escape(high)}" if char <= high else re.escape(char))
        else:
            items.append(re.escape(char))
    return None


def parse_gitignore(text: str) -> list[_Rule]:
    r"""A .gitignore's rules, its lines read as git reads them (``git check-ignore`` agrees): a
    line ends at ``\n`` only (a form feed, U+2028 or U+0085 is part of its pattern, where
    ``str.splitlines`` would cut it), one ``\r`` before that is dropped (CRLF files), then
    trailing spaces unless backslash-escaped (not tabs, which stay); a byte-order mark at the
    very start is skipped."""
    rules = []
    for raw in text.removeprefix("\ufeff").split("\n"):
        line = raw.removesuffix("\r")
        trimmed = line.rstrip(" ")
        if len(trimmed) < len(line) and (len(trimmed) - len(trimmed.rstrip("\\"))) % 2:
            trimmed = line[:len(trimmed) + 1]  # an odd run of backslashes escapes the first space
        line = trimmed
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        rules.append(_Rule(re.compile(_gitignore_regex(_as_bytes(line)), re.DOTALL), negate, line.endswith("/")))
    return rules


def _as_bytes(text: str) -> str:
    """``text``'s UTF-8 bytes, one character each: git matches patterns against names byte by
    byte (``?`` or ``[!a]`` is one byte, not one character), and so do these regexes."""
    return os.fsencode(text).decode("latin-1")


def _ignored(rules: list[tuple[Path, list[_Rule]]], path: Path, is_dir: bool) -> bool:
    """Last matching rule wins, deeper .gitignore files after shallower ones (as git does)."""
    ignored = False
    for base, base_rules in rules:
        relative = _as_bytes(path.relative_to(base).as_posix())
        for rule in base_rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(relative):
                ignored = not rule.negate
    return ignored
