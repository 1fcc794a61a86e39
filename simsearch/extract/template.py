"""Jinja and Django templates saved as ``.html``: what is the page's text, and what is the template's.

A template's tags (``{% block body %}``, ``{% if user %}``) and comments (``{# ... #}``) render as
nothing, so they are no prose; an expression (``{{ post.title }}``) is a value filled in when the
page is made, which the file does not hold: it reads as "…". Only a file that is a template is read
so (``is_template``): a page that documents Jinja shows the same syntax in its code (``<pre>``,
``<code>``), which stays as written.
"""

from __future__ import annotations

import bisect
import re
from pathlib import PurePath

# Where a page shows code or holds what no reader sees: template syntax there is the page's own text
# (a page documenting Jinja), not the page's template. Each runs to the first end of its kind.
_NOT_TEXT_START = re.compile(r"<(pre|code|kbd|samp|tt|script|style|textarea|xmp)\b|<!--", re.IGNORECASE)
_NOT_TEXT_END = re.compile(r"</(pre|code|kbd|samp|tt|script|style|textarea|xmp)\s*>|-->", re.IGNORECASE)
# The tags of Jinja and Django (their built-in ones, and those of Flask's and Django's i18n): a
# "{% word ... %}" with another word is too rare outside a template to be one.
_TAG_NAMES = frozenset(
    """
    extends block endblock include import from macro endmacro call endcall set endset if elif else endif
    for empty endfor with endwith filter endfilter raw endraw autoescape endautoescape trans endtrans
    pluralize do break continue load url static csrf_token comment endcomment cycle firstof now spaceless
    endspaceless verbatim endverbatim blocktrans endblocktrans blocktranslate endblocktranslate translate
    templatetag widthratio regroup ifchanged endifchanged lorem debug
    """.split()
)
_TAG_NAME = re.compile(r"\{%-?\s*(\w+)")
# Folders whose .html files are templates by their use (Flask's, Django's, Sphinx's ``_templates``).
_TEMPLATE_FOLDERS = frozenset({"templates", "_templates", "template", "jinja", "jinja2"})
# Template syntax opens with "{%", "{{" or "{#" and runs to the first "%}", "}}" or "#}" after it
# (found by lookahead: "{{ x#}}" ends at its "}}").
_OPENER = re.compile(r"(?=(\{[%{#]))")
_CLOSER = re.compile(r"(?=([%}#]\}))")
_CLOSES = {"{%": "%}", "{{": "}}", "{#": "#}"}
# Tags read otherwise than as nothing: a block whose body is output as written ({% raw %}, Django's
# {% verbatim %}), a comment block (Django's {% comment %}), a string to translate ({% trans "..." %},
# {% translate "..." %}); and an expression that is one ({{ _("...") }}, {{ gettext("...") }}).
_BLOCK_TAG = re.compile(r"\{%-?\s*(raw|verbatim|comment)\b")
_END_TAG = {name: re.compile(rf"\{{%-?\s*end{name}\s*-?%\}}") for name in ("raw", "verbatim", "comment")}
_TRANS = re.compile(r"""\{%-?\s*(?:trans|translate)\s+(["'])(.*?)\1.*""", re.DOTALL)
# (The string may hold the other kind of quote, "Don't", and its own escaped, 'Can\'t'.)
_GETTEXT = re.compile(r"""\{\{-?\s*(?:_|gettext)\(\s*(["'])((?:\\.|(?!\1)[^\\])*)\1\s*\)\s*-?\}\}""", re.DOTALL)
_ESCAPED_QUOTE = re.compile(r"""\\(["'\\])""")


def _first_after(positions: list[int], at: int) -> int | None:
    k = bisect.bisect_left(positions, at)
    return positions[k] if k < len(positions) else None


def _spans(opens: list[tuple[int, int, str]], closes: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Where each construct runs: from each opening (start, end, kind), in order, to the first closing
    of its kind (start, end, kind) after it, as a regular expression's ``open.*?close`` finds them but
    in a time linear in the text (but for a log): an opening with no closing after it opens nothing,
    and what follows it is read; an opening inside a construct is part of it."""
    starts: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    for start, end, kind in closes:
        starts.setdefault(kind, []).append(start)
        ends.setdefault(kind, []).append(end)
    spans, covered = [], 0
    for start, end, kind in opens:
        if start < covered:
            continue
        k = bisect.bisect_left(starts.get(kind, []), end)
        if k < len(starts.get(kind, [])):
            covered = ends[kind][k]
            spans.append((start, covered))
    return spans


def _code_spans(text: str) -> list[tuple[int, int]]:
    """The page's code, scripts, styles and comments: ``<pre`` to the first ``</pre>``, ..."""
    return _spans([(m.start(), m.end(), (m.group(1) or "!--").lower()) for m in _NOT_TEXT_START.finditer(text)],
                  [(m.start(), m.end(), (m.group(1) or "!--").lower()) for m in _NOT_TEXT_END.finditer(text)])


def _syntax_spans(text: str) -> list[tuple[int, int]]:
    """The template's tags, expressions and comments: ``{%`` to the first ``%}`` after it, ``{{`` to
    the first ``}}``, ``{#`` to the first ``#}``."""
    return _spans([(m.start(), m.start() + 2, _CLOSES[m.group(1)]) for m in _OPENER.finditer(text)],
                  [(m.start(), m.start() + 2, m.group(1)) for m in _CLOSER.finditer(text)])


def is_template(text: str, path: PurePath | None = None) -> bool:
    """Whether an HTML file is a Jinja or Django template: outside its code (``<pre>``, ``<code>``,
    ``<kbd>``, ``<samp>``, ``<tt>``, scripts, styles, HTML comments), a tag of theirs (``{% extends
    "base.html" %}``, ``{% block %}``, ``{% if %}``) or a comment (``{# ... #}``), or two expressions
    (``{{ user }}``); one expression in a file of a ``templates`` folder (``{{ whiskey }}``: Flask's
    test templates). A page whose template syntax is all in code (one that documents Jinja) is not one."""
    if "{" not in text:
        return False
    pieces, at = [], 0
    for start, end in _code_spans(text):
        pieces.append(text[at:start])
        at = end
    outside = " ".join([*pieces, text[at:]])
    expressions = 0
    for start, end in _syntax_spans(outside):
        opened = outside[start:start + 2]
        if opened == "{#":
            return True
        if opened == "{%":
            name = _TAG_NAME.match(outside, start)
            if name and name.group(1) in _TAG_NAMES:
                return True
        else:
            expressions += 1
    in_folder = path is not None and any(part.lower() in _TEMPLATE_FOLDERS for part in PurePath(path).parts[:-1])
    return expressions >= 2 or (expressions == 1 and in_folder)


def without_template_syntax(text: str) -> str:
    """A template's text with its tags and comments taken out and each expression read as "…"
    (a string to translate as itself); every line break is kept, so lines stay where they were.
    A tag between two words stands between two texts (``Index{% else %}Post``: "Index Post"); else
    it leaves nothing (``Hello{% if name %}, world{% endif %}``: "Hello, world")."""
    text = text.replace(_GONE, "")  # (a NUL is no text of an HTML page)
    closes: dict[str, list[int]] = {}
    for match in _CLOSER.finditer(text):
        closes.setdefault(match.group(1), []).append(match.start())
    ends = {name: [match.start() for match in pattern.finditer(text)] for name, pattern in _END_TAG.items()}
    out, at = [], 0
    for match in _OPENER.finditer(text):  # (as ``_syntax_spans``, a block's body and end taken as it goes)
        start = match.start()
        close = _first_after(closes.get(_CLOSES[match.group(1)], []), start + 2) if start >= at else None
        if close is None:
            continue
        end = close + 2
        out.append(text[at:start])
        syntax = text[start:end]
        breaks = "\n" * syntax.count("\n")
        block = _BLOCK_TAG.match(syntax)
        body_end = _first_after(ends[block.group(1)], end) if block else None
        if body_end is not None:  # {% raw %} ... {% endraw %}: the body as written; a comment's, nothing
            at = _END_TAG[block.group(1)].match(text, body_end).end()
            kept = text[end:body_end] if block.group(1) != "comment" else ""
            lines = text.count("\n", start, at) - kept.count("\n")
            out.append((kept or _GONE) + "\n" * lines)
            continue
        if syntax.startswith("{%"):
            trans = _TRANS.fullmatch(syntax)
            out.append(trans.group(2) + "\n" * (syntax.count("\n") - trans.group(2).count("\n")) if trans else _GONE + breaks)
        elif syntax.startswith("{#"):
            out.append(_GONE + breaks)
        else:
            gettext = _GETTEXT.fullmatch(syntax)
            said = _ESCAPED_QUOTE.sub(r"\1", gettext.group(2)) if gettext else "…"
            out.append(said + "\n" * (syntax.count("\n") - said.count("\n")))
        at = end
    out.append(text[at:])
    return _GONE_RUN.sub(lambda run: " " if run.group(1) and run.group(2) else "", "".join(out))


# Where a tag or comment was: a run of them, and whether a word stands either side.
_GONE = "\0"
_GONE_RUN = re.compile(r"(?:(?<=(\w))|)\0+(?:(?=(\w))|)")
