"""LaTeX to prose, as the typeset document reads: a researcher's papers, thesis and lecture notes.

What is read: the body (between ``\\begin{document}`` and ``\\end{document}``; a file without them,
a chapter that a main file ``\\input``s or ``\\include``s, is all body) and what the preamble sets
for the title page: ``\\title``, ``\\subtitle``, ``\\author`` (``\\and`` a comma), ``\\date`` and
``\\institute``, each a block. A sectioning command (``\\part`` … ``\\subparagraph``, starred or not), a beamer frame's
title (``\\frametitle``, ``\\begin{frame}{Title}``, a ``block``'s) and a ``\\caption`` are blocks of
their own; so is each ``\\item`` of a list (``\\item[term]`` reads "term: text") and each row of a
``tabular`` outside a float (its cells joined with "; ", as the other readers' tables), and a
theorem's name (``\\begin{lemma}[Fermat]``, amsthm's environments and those the file's ``\\newtheorem`` makes). A footnote
reads " (text)" where it is marked, as Org's inline footnote does.

Inline: ``\\emph{x}``, ``\\textbf{x}`` and every command not known here read as their text
arguments (an argument that is a dimension, a colour, a ``key=value`` list or no words is left out,
and so are the arguments of commands that set, define or use things: ``\\setlength``,
``\\usetheme``); ``\\verb|x|``, ``\\texttt``, ``\\url`` and inline math (``$x_i$``, ``\\(x\\)``) as
their text as written, as the Markdown reader reads ``$x_i$``; ``\\href{url}{text}`` as its text;
accents (``\\'e``, ``{\\"o}``, ``\\c{c}``) and TeX's ligatures (``--``, ``---``, `````…''``) as
characters; ``~`` as a space; a macro the file defines without parameters (``\\newcommand{\\tool}{Foo}``)
as its text. A citation reads as its keys, the words a searcher types ("as shown by
\\citet{knuth84}" reads "as shown by knuth84", "\\cite[p.~5]{knuth84}" "[knuth84, p. 5]"); ``\\cref``,
``\\Cref`` and ``\\autoref`` as the kind they print, named by their label's prefix ("\\Cref{fig:melt}"
reads "Figure"); ``\\ref``, ``\\eqref`` and ``\\pageref`` show nothing, with the spaces before them ("as
in Section~\\ref{x}." reads "as in Section."): the numbers are known only to a LaTeX run.

What is left out: the preamble, comments (``%``), display math (``\\[…\\]``, ``$$…$$``, ``equation``,
``align`` and the other math environments), code (``verbatim``, ``lstlisting``, ``minted``,
``comment``), pictures (``tikzpicture``), a figure's or table's body but its caption, labels, index
entries, and what follows ``\\end{document}``. ``\\input`` and ``\\include`` are not followed: each
file is indexed as its own (``Extracted.includes`` names them).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter

from ..segment import source_lines
from .rst import Lines, _glued, _Out

_BREAK = "\x01"  # a block ends here
_CELL = "\x03"  # a table's cell ends here
_GONE = "\x02"  # a line whose content was all markup: no blank line (it ends no paragraph)
_JOIN = "\x04"  # a comment right after a word: its line end is eaten, the next line's text goes on the word

_ENV_SKIP = frozenset("""verbatim verbatim* Verbatim Verbatim* BVerbatim LVerbatim lstlisting minted comment alltt
    filecontents filecontents* equation equation* align align* alignat alignat* flalign flalign* gather gather*
    multline multline* eqnarray eqnarray* displaymath math dmath dmath* tikzpicture picture pspicture tikzcd
    forest circuitikz axis lstlisting* code pycode sagesilent sageblock sagecommandline asy dot2tex
    thebibliography* otherlanguage* spverbatim tcblisting tcboutputlisting latexcode verbatimwrite
    example minted* program programlisting codebox sourcecode""".split())
# Opaque to the brace matcher as well: their text may hold unbalanced braces and "%".
_ENV_RAW = frozenset("""verbatim verbatim* Verbatim Verbatim* BVerbatim LVerbatim lstlisting minted comment
    filecontents filecontents* spverbatim tcblisting latexcode verbatimwrite lstlisting* minted*""".split())
_ENV_FLOAT = frozenset("figure figure* table table* wrapfigure wraptable sidewaysfigure sidewaystable subfigure "
                       "longtable* marginfigure margintable".split())
_ENV_LIST = frozenset("itemize enumerate description compactitem compactenum inparaenum asparaenum "
                      "list trivlist thebibliography".split())
_ENV_TABLE = frozenset("tabular tabular* tabularx tabulary longtable supertabular tabu xltabular array".split())
_ENV_TITLED = frozenset("frame block alertblock exampleblock".split())  # {Title} after \begin{..}

_HEADINGS = frozenset("part chapter section subsection subsubsection paragraph subparagraph frametitle "
                      "framesubtitle caption title subtitle author date institute addchap addsec minisec".split())
# What the preamble says that the title page prints: each a block of its own.
_TITLE_PAGE = frozenset("title subtitle author date institute".split())
# Citations: read as their keys (a key, "knuth84", is a word a searcher types); a textual one
# ("as shown by \citet{knuth84}") as the keys, a parenthetical one as "[knuth84, p. 5]".
_CITES = frozenset("""cite citep citet citealt citealp citeauthor citeyear citeyearpar parencite textcite autocite
    footcite smartcite supercite Cite Citep Citet Citealt Citealp Citeauthor Parencite Textcite Autocite Smartcite
    cites parencites textcites autocites footcites""".split())
# A multicite's note for all its keys: "(see)" (no parenthesis or line end in it)
_PAREN_CLOSE = re.compile(r"\([^()\n]*\)")
_TEXTUAL_CITES = frozenset("citet citealt citealp citeauthor textcite Citet Citealt Citealp Citeauthor Textcite "
                           "textcites".split())
# A cross-reference that prints its target's kind ("Figure 3"): that kind, from its label's prefix
# ("fig:melt"); the number, and a label's words, are no text (a LaTeX run makes them).
_KIND_REFS = {"cref": False, "Cref": True, "autoref": True, "Autoref": True, "cpageref": False, "Cpageref": True}
_KINDS = {"fig": "figure", "figure": "figure", "tab": "table", "table": "table", "sec": "section", "section": "section",
          "ssec": "section", "subsec": "section", "sub": "section", "chap": "chapter", "ch": "chapter",
          "chapter": "chapter", "eq": "equation", "eqn": "equation", "equation": "equation", "thm": "theorem",
          "theorem": "theorem", "lem": "lemma", "lemma": "lemma", "def": "definition", "prop": "proposition",
          "cor": "corollary", "app": "appendix", "appendix": "appendix", "alg": "algorithm", "lst": "listing",
          "listing": "listing", "part": "part", "item": "item", "ex": "example", "rem": "remark"}
def _plural(kind: str) -> str:
    """A kind of ``_KINDS`` in the plural: "figures", "corollaries", "appendices"."""
    return kind[:-1] + "ies" if kind.endswith("y") else kind[:-2] + "ices" if kind.endswith("ix") else kind + "s"


# Commands whose arguments are never text: references, settings, files, definitions.
_DROP_ARGS = frozenset("""label ref eqref pageref autoref cref Cref vref nameref nocite includegraphics input include includeonly
    bibliography bibliographystyle addbibresource documentclass usepackage RequirePackage vspace hspace
    vspace* hspace* vskip hskip pagestyle thispagestyle pagenumbering color definecolor index glossary
    newtheorem hyphenation graphicspath setlength addtolength setcounter addtocounter stepcounter
    refstepcounter newcounter newlength settowidth selectlanguage foreignlanguage* linespread fontsize
    usefont fontfamily fontseries fontshape rule raisebox* phantom hphantom vphantom kern label* bibitem
    includepdf lstinputlisting inputminted verbatiminput lstset titleformat titlespacing geometry hypersetup
    pgfplotsset tikzset usetikzlibrary tikz scalebox* resizebox* columnwidth addplot draw node path fill
    labelcref labelformat crefname Crefname hyperref* hypertarget* hyperlink* marginpar* todo* ifthenelse
    newif providecommand* ExplSyntaxOn ExplSyntaxOff""".split())
# Commands whose last argument is text and the ones before are not.
_LAST_ARG = {"textcolor": 2, "colorbox": 2, "href": 2, "hyperlink": 2, "hypertarget": 2, "foreignlanguage": 2,
             "fcolorbox": 3, "resizebox": 3, "scalebox": 2, "raisebox": 2, "parbox": 2, "makebox": 1,
             "framebox": 1, "multicolumn": 3, "multirow": 3, "marginpar": 1, "todo": 1, "setbeamercolor": 0,
             "only": 1, "uncover": 1, "visible": 1, "invisible": 1, "alt": 2, "alert": 1, "temporal": 3,
             "newenvironment": 0, "renewenvironment": 0}
_VERBATIM_ARG = frozenset("texttt url path nolinkurl code lstinline mintinline".split())
_FOOTNOTES = frozenset("footnote footnotetext thanks".split())
_SYMBOLS = {"LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "TeX": "TeX", "BibTeX": "BibTeX", "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX",
            "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX", "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "ConTeXt": "ConTeXt",
            "ldots": "…", "dots": "…", "textellipsis": "…", "dag": "†", "ddag": "‡", "S": "§", "P": "¶",
            "copyright": "©", "textregistered": "®", "texttrademark": "™", "pounds": "£", "euro": "€", "textdegree": "°",
            "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "l": "ł",
            "L": "Ł", "i": "ı", "j": "ȷ", "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
            "textbar": "|", "textless": "<", "textgreater": ">", "textendash": "–", "textemdash": "—",
            "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
            "textbullet": "•", "slash": "/", "quad": " ", "qquad": " ", "space": " ", "enspace": " ", "thinspace": " ",
            "newline": " ", "linebreak": " ", "par": _BREAK, "item": _BREAK, "medskip": _BREAK, "bigskip": _BREAK,
            "smallskip": _BREAK, "newpage": _BREAK, "clearpage": _BREAK, "pause": "", "maketitle": _BREAK,
            "and": ", ", "AND": ", "}
_ESCAPES = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", ",": " ", ";": " ",
            ":": " ", "!": "", "@": "", "/": "", "-": "", "\n": " ", "\t": " ", "|": "‖", ">": " ", "<": "", "=": "", "+": ""}
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
            "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328", "r": "\u030a", "d": "\u0323",
            "b": "\u0331", "t": "\u0361"}
_LIGATURES = re.compile(r"---|--|``|''|`|!`|\?`|<<|>>")
_LIGATURE = {"---": "—", "--": "–", "``": "“", "''": "”", "`": "‘", "!`": "¡", "?`": "¿", "<<": "«", ">>": "»"}
_COMMAND = re.compile(r"\\([A-Za-z@]+\*?|.|\n|$)", re.DOTALL)
_SPECIAL = re.compile(r"[\\%{}$~&\n]")
_DEFINES = frozenset("newcommand renewcommand providecommand newcommand* renewcommand* providecommand* def gdef edef xdef "
                     "DeclareRobustCommand NewDocumentCommand RenewDocumentCommand DeclareMathOperator let".split())
_SETTING = re.compile(r"^(?:set|new|renew|provide|declare|Declare|define|use|add|pgf|tikz|tcb|beamer|sisetup|"
                      r"geometry|hyper|lst|titl|pdf|renew|ifx?|fi$|else$|expandafter|csname|endcsname|makeatletter|makeatother)")
# An argument that is no text: a dimension ("0.5\\textwidth", "2cm"), key=value options, a colour
# ("red", "blue!20"), a column specification ("|l|c|"), a label or file name ("fig:plot", "a.png").
_PARAMETER = re.compile(r"^\s*(?:[-+]?[\d.]*\s*(?:pt|em|ex|cm|mm|in|bp|sp|pc|dd|cc|mu|fil+)?\s*(?:\\[A-Za-z]+)?"
                        r"|[\w.-]+\s*=.*|(?:red|green|blue|black|white|gray|grey|orange|yellow|cyan|magenta|violet|brown|"
                        r"purple|teal|olive|lime|pink|darkgray|lightgray)(?:!\d+(?:!\w+)?)*|[lcrpmbXSs|@*<>.\d\s{}]+"
                        r"|[\w.-]+:[\w:./-]+|[\w./-]+\.(?:png|pdf|jpe?g|eps|svg|tex|bib|sty|cls))\s*$", re.DOTALL)
_BEGIN_DOCUMENT = re.compile(r"^[^%\n]*?\\begin\s*\{document\}", re.MULTILINE)
_END_DOCUMENT = re.compile(r"^[^%\n]*?\\end\s*\{document\}", re.MULTILINE)
_ENV_NAME = re.compile(r"\s*\{([^{}\n]*)\}")
_INCLUDE = re.compile(r"\\(input|include|subfile)\s*\{([^{}\n]+)\}")
_SPACES = re.compile(r"[ \t]+")
_BEFORE_REF = re.compile(r"[ \t~]*$")


class _Document:
    """The source, its opaque spans (comments, verbatim text) and its braces' matches: found in one
    pass, so that reading never scans a group twice (an unclosed "{" is text, not the rest of the file)."""

    def __init__(self, text: str):
        self.text = text
        self.raw: dict[int, tuple[int, str]] = {}  # start -> (end, kind: "%", "verb" or an environment)
        self.close: dict[int, int] = {}  # "{" -> its "}"
        self.macros: dict[str, str] = {}
        self.comments: list[int] = []  # where each comment starts, in order
        self.theorems = {found.group(1).strip() for found in _NEWTHEOREM.finditer(text)}
        stack: list[int] = []
        at, n = 0, len(text)
        short = _SHORT_VERB.search(text)  # (doc's \MakeShortVerb{\|}: "|\foo|" is \verb|\foo|)
        first = re.compile(r"[\\%{}" + re.escape(short.group(1)) + "]") if short else _FIRST
        self.special = re.compile(_SPECIAL.pattern[:-1] + re.escape(short.group(1)) + "]") if short else _SPECIAL
        while True:
            found = first.search(text, at)
            if found is None:
                break
            at = found.start()
            char = text[at]
            if char == "%":
                end = text.find("\n", at)
                end = n if end < 0 else end
                self.raw[at] = end, "%"
                self.comments.append(at)
                at = end
            elif short and char == short.group(1) and at > short.end():
                close = text.find(char, at + 1)
                line_end = text.find("\n", at)
                if close > 0 and (line_end < 0 or close < line_end):
                    self.raw[at] = close + 1, "verb"
                    at = close + 1
                else:
                    at += 1
            elif char == "{":
                stack.append(at)
                at += 1
            elif char == "}":
                if stack:
                    self.close[stack.pop()] = at
                at += 1
            else:  # a backslash
                command = _COMMAND.match(text, at)
                name = command.group(1)
                end = command.end()
                if name in ("verb", "verb*", "lstinline") and end < n and text[end] not in " \n{[":
                    close = text.find(text[end], end + 1)
                    line_end = text.find("\n", end)
                    if close > 0 and (line_end < 0 or close < line_end):
                        self.raw[at] = close + 1, "verb"
                        end = close + 1
                elif name == "begin":
                    env = _ENV_NAME.match(text, end)
                    if env and env.group(1).strip() in _ENV_RAW:
                        closer = text.find("\\end{" + env.group(1).strip() + "}", env.end())
                        stop = n if closer < 0 else closer + len(env.group(1).strip()) + 6
                        self.raw[at] = stop, "env"
                        end = stop
                at = end


# Theorem-like environments (amsthm's, and the ones a file defines): their "[name]" is a title.
_THEOREMS = frozenset("""theorem lemma proposition corollary definition remark proof conjecture claim observation
    fact assumption axiom hypothesis notation exercise problem solution""".split())
_NEWTHEOREM = re.compile(r"\\(?:newtheorem|declaretheorem|spnewtheorem)\*?\s*(?:\[[^\]{}]*\]\s*)?\{([^{}\n]+)\}")
_FIRST = re.compile(r"[\\%{}]")
_MAX_DEPTH = 100  # groups and arguments read inside one another; deeper ones are read flat
_MARKUP = re.compile(r"\\[A-Za-z@]+\*?|\\.|[{}$]|%[^\n]*")
_SHORT_VERB = re.compile(r"\\(?:MakeShortVerb|DefineShortVerb)\*?\s*\{\\(.)\}")
_OPTIONAL_MAX = 1000  # characters: no "[…]" argument is longer (and none spans more than four lines)
_OPTIONAL_STOP = re.compile(r"[\]{\n]")
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")
_OVERLAY = re.compile(r"<[\d\-,+|. a-z]*>")
# A TeX assignment written without braces: "\\parindent 0pt", "\\baselineskip=12pt plus 1pt".
_ASSIGNMENT = re.compile(r"[ \t]*=?[ \t]*-?[\d.]+[ \t]*(?:pt|em|ex|cm|mm|in|bp|sp|pc|dd|cc|mu)?(?:[ \t]+(?:plus|minus)[ \t]+-?[\d.]+[ \t]*(?:pt|em|ex|fil+))*")
_CAPTION = re.compile(r"\\caption(?![A-Za-z])")


def _clean_latex(text: str, includes: list[tuple[int, str]] | None = None) -> Lines:
    """The prose of a LaTeX file (``Lines``); the files it ``\\input``s or ``\\include``s, not
    followed, go to ``includes`` as (line, target as written, ``.tex`` added when it has no suffix)."""
    text = "\n".join(source_lines(text))
    doc = _Document(text)
    begin = _BEGIN_DOCUMENT.search(text)
    body_start = begin.end() if begin else 0
    end = _END_DOCUMENT.search(text, body_start)
    body_end = end.start() if end else len(text)
    reader = _Reader(doc, includes)
    preamble = reader.preamble(0, body_start) if begin else ""
    body = reader.read(body_start, body_end)
    after = "\n" * text.count("\n", body_end)
    converted = preamble + body + after
    out = _Out()
    joined = False  # the line before ended in a word and a comment: its text goes on with this line's
    for number, (line, source) in enumerate(zip(converted.split("\n"), text.split("\n")), 1):
        if not source.strip():
            out.gap(number)
            joined = False
            continue
        pieces = line.split(_BREAK)
        for k, piece in enumerate(pieces):
            if k:
                out.gap(number)
                joined = False
            cleaned = "; ".join(cell for cell in (_SPACES.sub(" ", cell).strip() for cell in piece.replace(_GONE, "").replace(_JOIN, "").split(_CELL)) if cell)
            if cleaned and joined and k == 0 and source.lstrip()[:1].isalnum() and out.lines and out.lines[-1][1]:
                out.lines[-1] = out.lines[-1][0], out.lines[-1][1] + cleaned
            elif cleaned:
                out.add(number, cleaned)
            joined = k == len(pieces) - 1 and cleaned[-1:].isalnum() and piece.replace(_GONE, "").endswith(_JOIN) \
                and piece.replace(_GONE, "")[-2:-1].isalnum()  # (a word split over two lines: "glac%" "ier")
    return out.lines


class _Reader:
    def __init__(self, doc: _Document, includes: list[tuple[int, str]] | None):
        self.doc = doc
        self.text = doc.text
        self.includes = includes
        self.depth = 0

    def preamble(self, start: int, end: int) -> str:
        """Newlines for the preamble, its ``\\title`` (and ``\\subtitle``) a block at its line; the
        macros it defines are kept for the body."""
        pieces, at = [], start
        for found in _COMMAND.finditer(self.text, start, end):
            if found.start() < at or self._in_raw(found.start()):
                continue
            name = found.group(1)
            if name in _TITLE_PAGE or name in _DEFINES:
                pieces.append("\n" * self.text.count("\n", at, found.start()))
                pieces.append(_BREAK + self.read(found.start(), end, once=True) + _BREAK)
                at = self._last
        pieces.append("\n" * self.text.count("\n", at, end))
        return "".join(pieces)

    def _in_raw(self, at: int) -> bool:
        line = self.text.rfind("\n", 0, at) + 1
        k = bisect.bisect_left(self.doc.comments, at)  # (the last comment before it, on its line)
        return k > 0 and self.doc.comments[k - 1] >= line

    def read(self, start: int, end: int, *, once: bool = False, table: bool = False, verbatim: bool = False) -> str:
        """The text of ``source[start:end]`` with every newline kept; ``once``: only the construct at
        ``start`` (its end is left in ``self._last``)."""
        out: list[str] = []
        text, raw, at = self.text, self.doc.raw, start
        if self.depth >= _MAX_DEPTH and not once:  # (TeX itself stops at 255 levels: its words, not a RecursionError)
            self._last = end
            return _MARKUP.sub("", text[start:end])
        self.depth += 1
        try:
            while at < end:
                began, emitted = at, len(out)
                self._construct(out, at, end, table, verbatim)
                at = self._at
                # every source line keeps its place: a construct gives as many line ends as it spans
                shown = sum(piece.count("\n") for piece in out[emitted:])
                needed = text.count("\n", began, at)
                if shown < needed:
                    out.append("\n" * (needed - shown))
                elif shown > needed:
                    out[emitted:] = ["".join(out[emitted:])[::-1].replace("\n", " ", shown - needed)[::-1]]
                if once:
                    break
        finally:
            self.depth -= 1
        self._last = at
        return "".join(out)

    def _construct(self, out: list[str], at: int, end: int, table: bool, verbatim: bool) -> None:
        """Reads the construct at ``at`` into ``out``; where reading goes on is left in ``self._at``."""
        text, raw = self.text, self.doc.raw
        if at in raw:
            stop, kind = raw[at]
            stop = min(stop, end)
            if kind == "verb":
                command = _COMMAND.match(text, at) if text[at] == "\\" else None
                out.append(_glued(text[(command.end() if command else at) + 1:stop - 1]))
            else:
                joins = kind == "%" and at > 0 and text[at - 1] not in " \t\n" and text.startswith("\n", stop)
                out.append((_JOIN if joins else _GONE if kind == "%" else _BREAK) + "\n" * text.count("\n", at, stop))
            at = stop
        elif text[at] == "\\":
            at = self._command(at, end, out, table, verbatim)
        elif text[at] == "{":
            close = self.doc.close.get(at)
            if close is None or close >= end:  # (an unclosed brace: text)
                at += 1
            else:
                out.append(self.read(at + 1, close, table=table, verbatim=verbatim))
                at = close + 1
        elif text[at] == "}":
            at += 1
        elif text[at] == "$" and not verbatim:
            at = self._math(at, end, out)
        elif text[at] == "~":
            out.append("~" if verbatim else " ")
            at += 1
        elif text[at] == "&":
            out.append(_CELL if table else "&")
            at += 1
        elif text[at] == "\n":
            out.append("\n")
            at += 1
        else:
            found = self.doc.special.search(text, at + 1, end)
            stop = found.start() if found else end
            while stop < end and text[stop] == "%" and stop not in raw:  # (never: every "%" starts a comment)
                stop += 1
            run = text[at:stop]
            out.append(run if verbatim else _LIGATURES.sub(lambda m: _LIGATURE[m.group()], run))
            at = stop
        self._at = at

    def _skip_space(self, at: int, end: int) -> int:
        """Past spaces and at most one line end (TeX's rule between a command and its argument)."""
        while at < end and self.text[at] in " \t":
            at += 1
        if at < end and self.text[at] == "\n":
            after = at + 1
            while after < end and self.text[after] in " \t":
                after += 1
            if after < end and self.text[after] in "{[" :
                return after
        return at

    def _optional(self, at: int, end: int) -> tuple[int, int] | None:
        """The span inside a ``[…]`` at ``at`` (groups in it skipped), or None."""
        if at >= end or self.text[at] != "[":
            return None
        k = at + 1
        end = min(end, k + _OPTIONAL_MAX)  # (an unclosed "[" on a long line is not scanned to its end, each time)
        while True:
            found = _OPTIONAL_STOP.search(self.text, k, end)
            if found is None:
                return None
            k, char = found.start(), found.group()
            if char == "]":
                return at + 1, k
            if char == "{" and k in self.doc.close:
                k = self.doc.close[k]
            elif char == "\n" and self.text.count("\n", at, k) > 3:
                return None
            k += 1

    def _args(self, at: int, end: int, count: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
        """Optional and (up to ``count``) mandatory arguments after a command: their spans, and where
        reading goes on."""
        optional, mandatory = [], []
        while True:
            k = self._skip_space(at, end) if mandatory or optional or count else at
            overlay = _OVERLAY.match(self.text, k, end)
            if overlay:  # beamer's "<2->"
                at = overlay.end()
                continue
            span = self._optional(k, end)
            if span is not None:
                optional.append(span)
                at = span[1] + 1
                continue
            if len(mandatory) < count and k < end and self.text[k] == "{" and self.doc.close.get(k, end) < end:
                close = self.doc.close[k]
                mandatory.append((k + 1, close))
                at = close + 1
                continue
            return optional, mandatory, at

    def _newlines(self, start: int, end: int) -> str:
        return "\n" * self.text.count("\n", start, end)

    def _command(self, at: int, end: int, out: list[str], table: bool, verbatim: bool) -> int:
        text = self.text
        found = _COMMAND.match(text, at)
        name, after = found.group(1), found.end()
        if not name:
            return after
        if not (name[0].isalpha() or name[0] == "@"):  # a one-character command
            if name in _ACCENTS:
                return self._accent(name, after, end, out)
            if name == "\\":  # a line break (with its "*" and "[2pt]"): a table's row ends
                if after < end and text[after] == "*":
                    after += 1
                span = self._optional(self._skip_space(after, end), end) if after < end else None
                if span:
                    out.append(self._newlines(after, span[1] + 1))
                    after = span[1] + 1
                out.append(_BREAK if table else " ")
                return after
            if name in ("(", "["):  # inline math as its LaTeX; display math left out
                closer = text.find("\\" + (")" if name == "(" else "]"), after, end)
                if closer < 0 or _PARAGRAPH_END.search(text, after, closer):  # (math never holds a blank line)
                    return after
                stop = closer + 2
                body = text[after:stop - 2 if closer >= 0 else stop]
                out.append(body if name == "(" else _BREAK + "\n" * body.count("\n") + _BREAK)
                return stop
            out.append(_ESCAPES.get(name, name if name in "\"'" else ""))
            return after
        if name in ("begin", "end"):
            return self._environment(name, at, after, end, out, table)
        if name in _ACCENTS:  # \c{c}, \v{s}, \u{a}
            return self._accent(name, after, end, out)
        if name in _SYMBOLS:
            if name == "item":
                optional, _, stop = self._args(after, end, 0)
                out.append(_BREAK)
                if optional:
                    start, close = optional[0]
                    term = self.read(start, close).strip()
                    out.append(term + ("" if not term or term[-1] in ":.?!" else ":") + " " + self._newlines(after, stop))
                    return stop
                return after
            if name in ("and", "AND"):  # authors' names, one after the other: "Ada Lovelace, Charles Babbage"
                # (the comma right after the name before it: its line's end, "Ada Lovelace\\" above,
                # goes after the comma, so that each line keeps its number)
                lines = 0
                while out and not out[-1].strip(" \t\n"):
                    lines += out.pop().count("\n")
                if out:
                    name_before = out.pop()
                    kept = name_before.rstrip(" \t\n")
                    out.append(kept + ", ")
                    lines += name_before.count("\n", len(kept))
                out.append("\n" * lines)
                return self._eat_spaces(after, end)
            out.append(_SYMBOLS[name])
            if after < end and text[after] == "{" and self.doc.close.get(after) == after + 1:
                return after + 2  # \LaTeX{}
            return self._eat_spaces(after, end)
        if name in self.doc.macros and self.depth < 20:
            out.append(self.doc.macros[name])
            if after < end and text[after] == "{" and self.doc.close.get(after) == after + 1:
                return after + 2
            return self._eat_spaces(after, end)
        if name in _DEFINES:
            return self._define(name, after, end, out)
        bare = name.rstrip("*")
        if bare in _HEADINGS or name in _HEADINGS:
            _, mandatory, stop = self._args(after, end, 1)
            title = self.read(*mandatory[0]) if mandatory else ""
            out.append(_BREAK + title + _BREAK + self._newlines(mandatory[0][1] if mandatory else after, stop))
            return stop
        if bare in _FOOTNOTES:
            _, mandatory, stop = self._args(after, end, 1)
            if mandatory:
                note = self.read(*mandatory[0]).strip()
                out.append((" (" + note + ")" if note else "") + self._newlines(mandatory[0][1], stop))
            return stop
        if name in _VERBATIM_ARG or bare in _VERBATIM_ARG:
            _, mandatory, stop = self._args(after, end, 2 if name == "mintinline" else 1)
            if mandatory:
                start, close = mandatory[-1]
                out.append(_glued(self.read(start, close, verbatim=True)) + self._newlines(close, stop))
            return stop
        if name in ("input", "include", "subfile") and self.includes is not None:
            include = _INCLUDE.match(text, at)
            if include:
                target = include.group(2).strip()
                self.includes.append((text.count("\n", 0, at) + 1, target if "." in target.rsplit("/", 1)[-1] else target + ".tex"))
        if bare in _CITES:
            return self._cite(bare, after, end, out)
        if name in _KIND_REFS:
            _, mandatory, stop = self._args(after, end, 1)
            labels = text[mandatory[0][0]:mandatory[0][1]].split(",") if mandatory else []
            # each kind once, in the plural for two labels or more: "\\Cref{fig:a,fig:b,tab:c}" prints
            # "Figures 1 and 2 and table 3"
            kinds = Counter(_KINDS.get(label.split(":")[0].strip().lower()) for label in labels if ":" in label)
            kinds.pop(None, None)
            if kinds:
                kind = " and ".join(_plural(kind) if count > 1 else kind for kind, count in kinds.items())
                out.append((kind[0].upper() + kind[1:] if _KIND_REFS[name] else kind) + self._newlines(after, stop))
                return stop
        if name in _DROP_ARGS or bare in _DROP_ARGS or _SETTING.match(name):
            if name.startswith(("ref", "eqref", "autoref", "cref", "Cref", "vref", "pageref", "nameref")):  # (with the spaces before it)
                while out and _BEFORE_REF.search(out[-1]) and out[-1].rstrip(" \t~") != out[-1]:
                    out[-1] = out[-1].rstrip(" \t~")
                    if out[-1]:
                        break
                    out.pop()
            _, mandatory, stop = self._args(after, end, 9)
            out.append(self._newlines(after, stop))
            return stop
        if name in _LAST_ARG:
            _, mandatory, stop = self._args(after, end, max(_LAST_ARG[name], 1) if _LAST_ARG[name] else 9)
            keep = mandatory[-1:] if _LAST_ARG[name] and len(mandatory) == _LAST_ARG[name] else []
            for start, close in keep:
                out.append(self.read(start, close, table=table))
            out.append(self._newlines(after, stop))
            return stop
        # any other command: its optional arguments left out, its groups read where they are text
        assignment = _ASSIGNMENT.match(text, after, end)
        if assignment and assignment.group().strip(" \t="):
            return assignment.end()
        optional, mandatory, stop = self._args(after, end, 9)
        for k, (start, close) in enumerate(mandatory):
            if k:
                out.append(" ")
            inner = text[start:close]
            if _PARAMETER.match(inner) or not re.search(r"[^\W\d_]", inner):
                out.append(self._newlines(start, close))
            else:
                out.append(self.read(start, close, table=table, verbatim=verbatim))
        out.append(self._newlines(after, stop) if not mandatory else "")
        if optional and mandatory:
            out.append(self._newlines(after, mandatory[0][0]))
        return self._eat_spaces(stop, end) if stop == after and name[-1].isalpha() else stop

    def _eat_spaces(self, at: int, end: int) -> int:
        """Past the spaces after a command word, as TeX reads them ("\\LaTeX is" typesets "LaTeXis")."""
        while at < end and self.text[at] in " \t":
            at += 1
        return at

    def _cite(self, name: str, after: int, end: int, out: list[str]) -> int:
        """A citation as its keys: "knuth84, lamport94" where it is part of the sentence (``\\citet``),
        else "[see knuth84, p. 5]" (natbib's and biblatex's notes: one optional argument is the
        note after, two the note before and after). biblatex's multicites (``\\cites``,
        ``\\autocites(pre)(post)[p. 1]{a}[p. 2]{b}``) give each of their keys its own notes:
        "[pre a, p. 1; b, p. 2, post]", textual "a (p. 1), b (p. 2)"."""
        text = self.text
        if name.endswith("cites"):
            before, note, groups, stop = self._multicite(after, end)
        else:
            optional, mandatory, stop = self._args(after, end, 1)
            notes = [" ".join(self.read(start, close).split()) for start, close in optional[:2]]
            before, note = (notes[0], notes[1]) if len(notes) == 2 else ("", notes[0] if notes else "")
            groups = [([], mandatory[0])] if mandatory else []
        cited = []  # (its notes before and after, its keys)
        for notes, (start, close) in groups:
            # (a key that holds a command or a parameter is a macro's: "\\cite{#1}" in a definition)
            keys = ", ".join(key.strip() for key in text[start:close].split(",")
                             if key.strip() and not re.search(r"[\\#{}%]", key))
            notes = [" ".join(self.read(start, close).split()) for start, close in notes]
            if keys:
                cited.append(((notes[0], notes[1]) if len(notes) == 2 else ("", notes[0] if notes else ""), keys))
        if name in _TEXTUAL_CITES:
            each = [keys + (f" ({', '.join(part for part in own if part)})" if any(own) else "") for own, keys in cited]
            notes = ", ".join(part for part in (before, note) if part)
            reading = ", ".join(each) + (f" ({notes})" if notes and each else "")
        else:
            each = [f"{own[0] + ' ' if own[0] else ''}{keys}{', ' + own[1] if own[1] else ''}" for own, keys in cited]
            reading = f"[{before + ' ' if before else ''}{'; '.join(each)}{', ' + note if note else ''}]" if each else ""
        out.append(reading + self._newlines(after, stop))
        return stop

    def _multicite(self, after: int, end: int) -> tuple[str, str, list[tuple[list[tuple[int, int]], tuple[int, int]]], int]:
        """A multicite's notes for all its keys (``(pre)(post)``, or ``(post)``), its groups of keys,
        each with the spans of its own notes (``[post]`` or ``[pre][post]``), and where reading goes on."""
        text = self.text
        overall, groups, at = [], [], after
        while True:
            k = self._skip_space(at, end)
            if not groups and len(overall) < 2 and k < end and text[k] == "(":
                close = _PAREN_CLOSE.match(text, k, end)
                if close:
                    overall.append(" ".join(self.read(k + 1, close.end() - 1).split()))
                    at = close.end()
                    continue
            notes = []
            while len(notes) < 2:
                span = self._optional(k, end)
                if span is None:
                    break
                notes.append(span)
                k = self._skip_space(span[1] + 1, end)
            if k < end and text[k] == "{" and self.doc.close.get(k, end) < end:
                groups.append((notes, (k + 1, self.doc.close[k])))
                at = self.doc.close[k] + 1
                continue
            if not groups:  # no keys: no citation (its "(...)" text)
                return "", "", [], after
            before, note = (overall[0], overall[1]) if len(overall) == 2 else ("", overall[0] if overall else "")
            return before, note, groups, at

    def _accent(self, name: str, after: int, end: int, out: list[str]) -> int:
        text = self.text
        mark = _ACCENTS[name]
        at = self._skip_space(after, end) if name.isalpha() else after
        if at < end and text[at] == "{" and self.doc.close.get(at, end) < end:
            close = self.doc.close[at]
            base = self.read(at + 1, close).replace("ı", "i").replace("ȷ", "j")
            stop = close + 1
        elif at < end and text[at] == "\\":
            found = _COMMAND.match(text, at)
            base, stop = {"i": "i", "j": "j"}.get(found.group(1)) or _SYMBOLS.get(found.group(1), ""), found.end()  # (a dotless i takes the accent)
        elif at < end and text[at] not in "\n":
            base, stop = text[at], at + 1
        else:
            out.append("" if name.isalpha() else name)
            return after
        if not base:
            out.append(self._newlines(after, stop))
            return stop
        out.append(unicodedata.normalize("NFC", base[0] + mark + base[1:]) + self._newlines(after, stop))
        return stop

    def _math(self, at: int, end: int, out: list[str]) -> int:
        text = self.text
        if text.startswith("$$", at):
            closer = text.find("$$", at + 2, end)
            if closer < 0 or _PARAGRAPH_END.search(text, at, closer):
                out.append("$$")
                return at + 2
            stop = closer + 2
            out.append(_BREAK + self._newlines(at, stop) + _BREAK)
            return stop
        closer = at + 1
        while True:
            closer = text.find("$", closer, end)
            if closer < 0 or text[closer - 1] != "\\":
                break
            closer += 1
        if closer < 0 or _PARAGRAPH_END.search(text, at, closer):
            out.append("$")
            return at + 1
        out.append(text[at + 1:closer])
        return closer + 1

    def _environment(self, name: str, at: int, after: int, end: int, out: list[str], table: bool) -> int:
        text = self.text
        found = _ENV_NAME.match(text, after)
        if not found:
            return after
        env = found.group(1).strip()
        stop = found.end()
        if name == "end":
            out.append(_BREAK if env in _ENV_LIST or env in _ENV_TITLED or env in _ENV_TABLE else "")
            return stop
        if env in _ENV_SKIP or env in _ENV_FLOAT or env in _ENV_TABLE:
            closer = self._closing(env, stop, end)
            body_end = closer if closer is not None else stop
            finish = closer + len(env) + 6 if closer is not None else stop
            if env in _ENV_FLOAT:
                out.append(_BREAK)
                position = at
                for caption in _CAPTION.finditer(text, stop, body_end):  # each at its own line
                    if caption.start() < position:
                        continue
                    out.append(self._newlines(position, caption.start()))
                    out.append(_BREAK + self.read(caption.start(), body_end, once=True).strip(_BREAK) + _BREAK)
                    position = self._last
                out.append(self._newlines(position, finish) + _BREAK)
                return finish
            if env in _ENV_TABLE and closer is not None:
                _, spec, begin = self._args(stop, body_end, 2 if env in ("tabular*", "tabularx", "tabulary", "xltabular") else 1)
                out.append(_BREAK + self._newlines(at, begin) + self.read(begin, body_end, table=True) + _BREAK)
                return finish
            out.append(_BREAK + self._newlines(at, finish) + _BREAK)
            return finish
        if env in _ENV_TITLED:
            optional, mandatory, begin = self._args(stop, end, 1 if env != "frame" else 1)
            title = self.read(*mandatory[0]) if mandatory else ""
            out.append(_BREAK + title + _BREAK + self._newlines(mandatory[0][1] if mandatory else stop, begin))
            return begin
        # any other: its arguments left out (a minipage's width, multicols' count), its body read
        optional, mandatory, begin = self._args(stop, end, 1 if env in ("minipage", "multicols", "otherlanguage", "wrapfigure", "thebibliography") else 0)
        title = ""  # a theorem's name: "\begin{lemma}[Fermat]" typesets "Lemma 2 (Fermat)."
        if optional and (env.rstrip("*") in _THEOREMS or env.rstrip("*") in self.doc.theorems) \
                and not _PARAMETER.match(self.text[optional[0][0]:optional[0][1]]):  # (thmtools' "[name=x, label=y]")
            title = _BREAK + self.read(*optional[0]).replace("\n", " ") + _BREAK
        out.append((_BREAK if env in _ENV_LIST else "") + title + self._newlines(stop, begin))
        return begin

    def _closing(self, env: str, start: int, end: int) -> int | None:
        """Where ``\\end{env}`` closes the environment opened before ``start`` (nested ones counted)."""
        opener, closer = "\\begin{" + env + "}", "\\end{" + env + "}"
        depth, at = 1, start
        while True:
            close = self.text.find(closer, at, end)
            if close < 0:
                return None
            depth += self.text.count(opener, at, close) - 1
            if depth <= 0:
                return close
            at = close + len(closer)

    def _define(self, name: str, after: int, end: int, out: list[str]) -> int:
        """A definition: left out; a macro without parameters whose body is text is kept for later."""
        text = self.text
        at = self._skip_space(after, end)
        if name == "let":
            found = re.compile(r"\s*\\[A-Za-z@]+\s*=?\s*(?:\\[A-Za-z@]+|\\.|.)").match(text, at)
            stop = found.end() if found else at
            out.append(self._newlines(after, stop))
            return stop
        macro = None
        if text.startswith("{", at) and self.doc.close.get(at, end) < end:
            macro = text[at + 1:self.doc.close[at]].strip()
            at = self.doc.close[at] + 1
        else:
            found = _COMMAND.match(text, at)
            if found:
                macro, at = "\\" + found.group(1), found.end()
        while at < end and text[at] not in "{\n" and at - after < 40:  # [1][default] or #1#2
            at += 1
        if at < end and text[at] == "{" and self.doc.close.get(at, end) < end:
            body_start, body_end = at + 1, self.doc.close[at]
            parameters = text[after:at]
            stop = body_end + 1
            if name in ("NewDocumentCommand", "RenewDocumentCommand"):  # {\x}{arg spec}{body}
                spec, at = text[at + 1:body_end], self._skip_space(stop, end)
                if text.startswith("{", at) and self.doc.close.get(at, end) < end:
                    body_start, body_end, stop = at + 1, self.doc.close[at], self.doc.close[at] + 1
                parameters += spec
            if macro and macro.startswith("\\") and "#" not in parameters and not re.search(r"\[\d\]", parameters) \
                    and "DeclareMathOperator" not in name:
                body = self.read(body_start, body_end).replace("\n", " ")
                if _BREAK not in body and re.search(r"[^\W\d_]", body):
                    self.doc.macros[macro[1:]] = body.replace(_GONE, "").replace(_JOIN, "")
            out.append(self._newlines(after, stop))
            return stop
        out.append(self._newlines(after, at))
        return at

