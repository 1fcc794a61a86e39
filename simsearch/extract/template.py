"""Jinja and Django templates saved as ``.html``: what is the page's text, and what is the template's.

A template's tags (``{% block body %}``, ``{% if user %}``) and comments (``{# ... #}``) render as
nothing, so they are no prose; an expression (``{{ post.title }}``) is a value filled in when the
page is made, which the file does not hold: it reads as "…". Only a file that is a template is read
so (``is_template``): a page that documents Jinja shows the same syntax in its code (``<pre>``,
``<code>``), which stays as written.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# Where a page shows code or holds what no reader sees: template syntax there is the page's own text
# (a page documenting Jinja), not the page's template.
_NOT_TEXT = re.compile(r"<(pre|code|kbd|samp|tt|script|style|textarea|xmp)\b.*?</\1\s*>|<!--.*?-->",
                       re.IGNORECASE | re.DOTALL)
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
_STATEMENT = re.compile(r"\{%-?\s*(\w+)[^%]*?-?%\}", re.DOTALL)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
# Folders whose .html files are templates by their use (Flask's, Django's, Sphinx's ``_templates``).
_TEMPLATE_FOLDERS = frozenset({"templates", "_templates", "template", "jinja", "jinja2"})

# What a template's syntax is replaced by, in one pass: a block whose body is output as written
# ({% raw %}, Django's {% verbatim %}), a comment block (Django's {% comment %}), a comment, a tag
# (with Django's {% trans "..." %} and {% translate "..." %}, whose string is the page's text), and
# an expression ({{ _("...") }} and {{ gettext("...") }} read as their string).
_SYNTAX = re.compile(
    r"""\{%-?\s*(?P<verbatim>raw|verbatim)\s*-?%\}(?P<body>.*?)\{%-?\s*end(?P=verbatim)\s*-?%\}"""
    r"""|\{%-?\s*comment\b.*?\{%-?\s*endcomment\s*-?%\}"""
    r"""|\{#.*?#\}"""
    r"""|\{%-?\s*(?:trans|translate)\s+(?P<tq>["'])(?P<trans>.*?)(?P=tq)[^%]*?-?%\}"""
    r"""|\{%.*?%\}"""
    r"""|\{\{-?\s*(?:_|gettext)\(\s*(?P<gq>["'])(?P<gettext>[^"']*)(?P=gq)\s*\)\s*-?\}\}"""
    r"""|(?P<expression>\{\{.*?\}\})""",
    re.DOTALL,
)


def is_template(text: str, path: PurePath | None = None) -> bool:
    """Whether an HTML file is a Jinja or Django template: outside its code (``_NOT_TEXT``), a tag
    of theirs (``{% extends "base.html" %}``, ``{% block %}``, ``{% if %}``) or a comment
    (``{# ... #}``), or two expressions (``{{ user }}``); one expression in a file of a
    ``templates`` folder (``{{ whiskey }}``: Flask's test templates). A page whose template syntax
    is all in ``<pre>`` or ``<code>`` (one that documents Jinja) is not one."""
    outside = _NOT_TEXT.sub(" ", text)
    if any(match.group(1) in _TAG_NAMES for match in _STATEMENT.finditer(outside)) or _COMMENT.search(outside):
        return True
    expressions = len(_EXPRESSION.findall(outside))
    in_folder = path is not None and any(part.lower() in _TEMPLATE_FOLDERS for part in PurePath(path).parts[:-1])
    return expressions >= 2 or (expressions == 1 and in_folder)


def without_template_syntax(text: str) -> str:
    """A template's text with its tags and comments taken out and each expression read as "…"
    (a string to translate as itself); every line break is kept, so lines stay where they were.
    A tag between two words stands between two texts (``Index{% else %}Post``: "Index Post"); else
    it leaves nothing (``Hello{% if name %}, world{% endif %}``: "Hello, world")."""

    def replace(match: re.Match) -> str:
        breaks = "\n" * match.group().count("\n")
        if match.group("verbatim"):
            body = match.group("body")
            return body + "\n" * (match.group().count("\n") - body.count("\n"))
        if match.group("trans") is not None:
            return match.group("trans") + "\n" * (match.group().count("\n") - match.group("trans").count("\n"))
        if match.group("gettext") is not None:
            return match.group("gettext") + breaks
        if match.group("expression"):
            return "…" + breaks
        return _GONE + breaks

    text = _SYNTAX.sub(replace, text.replace(_GONE, ""))  # (a NUL is no text of an HTML page)
    return _GONE_RUN.sub(lambda run: " " if run.group(1) and run.group(2) else "", text)


# Where a tag or comment was: a run of them, and whether a word stands either side.
_GONE = "\0"
_GONE_RUN = re.compile(r"(?:(?<=(\w))|)\0+(?:(?=(\w))|)")
