"""Sentence segmentation of plain text.

Rule-based, measured against the English "golden rules" of the Pragmatic Segmenter and
against our own fixtures (``benchmarks/bench_segment.py``). A boundary is terminal
punctuation (``.``, ``!``, ``?``, an ellipsis), optional closing quotes or brackets, then
whitespace; whether it ends a sentence depends on what is around it:

- After a known abbreviation ("Dr.", "e.g.", "U.S.", "Co.") or an initial ("J. Smith"), a
  sentence ends only when the next word is a capitalised function word that starts
  sentences ("They", "How", "The", "It"...): "U.S. Government" goes on, "U.S. How" does not.
  Titles ("Mr.", "Dr.", "Mt.") never end one.
- After any other word, the next word may be lowercase: "the cat sat. the dog ran." is two
  sentences. A capital letter is not required, nor a letter: a name written with a symbol
  before it opens a sentence too ("three rules. / for the root", "debug mode. --app hello
  should be", ".env", "__name__", "`len`"; ``_SYMBOL_START``), though not "#2945", a dash or
  ":)". After ``!``, ``?`` or a closing quote or bracket, a lowercase word goes on ("Yahoo!
  in", '"Why?" she asked') unless the whole text is uncased (lowercased corpora, chat), where
  it ends the sentence.
- Ellipses: "..." attached to a word ends a sentence before a capital; spaced ". . ." never
  does; four dots are an ellipsis plus a period. "[...]" is an elision, never a boundary.
- Enumerations written inline ("1. The first item 2. The second item", "a) ... b) ...",
  "• item • item") are split at each item.
- A date that is all a sentence would hold ("May 5.", "5 May.", "Mon. 5 May.", "Sept. 3.",
  "Jan. 2024.", "Wed.", "2024-05-05.") opens the next one, as a journal entry's date does:
  "May 5. Planted the tomatoes." is one sentence. "He left on June 5. Then..." is two.
- A bracketed fragment after a sentence's end, with no end of its own inside its brackets and
  nothing after them but the end of a sentence, belongs to that sentence: "Get an attribute.
  (See Variables)" and "Version of project. (see version)." are one sentence each; "(This may
  not apply.)" is a sentence of its own, as is "(After acceptance) Translate it."

Blank lines always end a sentence; so does a line that starts a list item, heading, quote
or table row (a leading "#", "-", "*", "+" or ">" marker is dropped; enumerators stay).
Markup (Markdown, reStructuredText) is removed before this, in ``extract``, which also ends
each block with a blank line: such text is split with ``blocks_marked``, where a line that
starts with "-", "+", "*", "#" or ">" is text like any other (an inline literal such as
`` `+` `` or ``*`` that begins a wrapped line), never a new block.

A plain-text file has one of three shapes (``line_shape``): wrapped prose (lines joined
into paragraphs, as above); one paragraph per line (each line is a block, split as above);
or one sentence or thought per line, which is not segmented at all: each line that holds a
letter or digit is one sentence, exactly as written (runs of whitespace collapsed), with no
marker dropped and no split inside it.

Every sentence keeps its character offsets and its 1-based line number in the text. A line
ends at ``\n``, ``\r\n`` or ``\r`` only (``source_lines``): a form feed or U+2028 inside a
line, which ``str.splitlines`` would also break at, is whitespace, as an editor shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Abbreviations that may end a sentence ("...and Co. It closed") but usually do not.
ABBREVIATIONS = frozenset(
    """
    etc e.g i.e ex cf al fig figs eq eqs no nos vol vols pp ed eds approx est inc ltd co corp dept univ assn
    bros jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    u.s u.k u.n a.m p.m ph.d m.d b.a m.a b.sc m.sc e.u d.c viz ca resp incl min max jr sr st ave blvd rd
    ibid op cit ref refs sec ch art n° nr misc dept esp govt int'l approx avg std tel ext
    usw usf ggf evtl inkl bspw zzgl sog abschn u.ä o.ä ej ud uds vd vds sra srta dña pág págs núm aprox ecc
    janv févr avr juil déc др т.е т.д т.п напр стр рис
    """.split()
)
# Month and weekday abbreviations that are also everyday words ("under the sun.", "she sat."):
# abbreviations only when written with a capital ("Sun. 5 May", "Mar. 3"), unless the text is uncased.
CAPITALISED_ONLY = frozenset("mar sat sun wed".split())
# Abbreviations of other languages that English writes in capitals as acronyms ("an 8-bit AVR.",
# "deposited in the SRA.", "UD."): written all in capitals, they are the acronym (French "avr.",
# Spanish "Ud.", "Sra." are not).
NOT_IN_CAPITALS = frozenset("avr sra srta ud uds vd vds ej sog".split())
# Abbreviations that after a number are a unit, which may end a sentence: Russian "см." is "see"
# ("(см. Глава 2)") but "5 см." is five centimetres ("Длина 5 см. Потом …").
UNITS_AFTER_NUMBER = frozenset(["см"])
# Abbreviations that end a list, and so usually their sentence: before any capitalised word, a
# sentence starts ("text, emails, etc. HTML escaping would not make sense").
# German "usw." and Italian "ecc." are "etc."; Russian "и т. д.", "и т. п." and "и др." too.
LIST_ENDS = frozenset(["etc", "usw", "usf", "ecc", "т.д", "т.п", "др"])
# Titles and words that are never the last word of a sentence ("Mr. Smith", "e.g. The Hobbit").
NEVER_FINAL = frozenset(
    """
    mr mrs ms dr prof rev hon mt ft gen col capt lt sgt cmdr adm gov sen rep pres supt messrs mme mlle
    e.g i.e eg ie cf viz vs incl approx ca resp
    bzw vgl z.b d.h c.-à-d т.е см напр
    """.split()
)
# Capitalised words that start sentences but rarely follow an abbreviation inside one.
SENTENCE_STARTERS = frozenset(
    """
    i you he she it we they this that these those there here nobody everybody someone everyone nothing
    the a an my your his her its our their some any every each all both many most several such no
    and but or so yet however then thus therefore also still meanwhile moreover furthermore instead
    otherwise finally first next now later after before when while if although though because since
    as once unless what who whom whose which where why how is are was were do does did have has had can
    could will would shall should may might must not yes please let let's in on at for from to with by
    of under over during without within into about through between among against
    """.split()
)

# A contraction's ending: "Here's", "It's", "Don't" and "We're" start sentences as "here", "it",
# "do" and "we" do.
_CONTRACTION = re.compile(r"(?:n['’]t|['’](?:s|re|ll|d|ve|m))$")
# Whitespace that never ends a sentence: an extractor writes it after a sentence's end inside an
# inline literal ("``Hi from child. Hi from parent.``"), one piece of quoted text or code, never
# two sentences. It is whitespace to everything else, so a sentence stores it as a space.
# ``extract`` reads it in a file as a space: only an extractor writes it.
GLUE = "\x1f"
# A sentence's text as a reader reads it (``sentence_text``): without soft hyphens (U+00AD, HTML's
# ``&shy;``, shown only where a word breaks: "Konfigu&shy;rations&shy;datei" is "Konfigurationsdatei";
# kept, full-text search read three words), and with Latin ligature glyphs (U+FB00-FB06, text pasted
# from a PDF: "ﬁles") as their letters, as the PDF reader reads them; full-text search found neither.
_TEXT_FIXES = str.maketrans({"\u00ad": None, "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                             "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})


def sentence_text(source: str) -> str:
    """``source`` as a sentence stores it: whitespace runs one space, ``_TEXT_FIXES`` applied."""
    return " ".join(source.translate(_TEXT_FIXES).split())
# Closers: English quotes and brackets; German closing quotes ("„Gut.“ Dann", "»Gut.« Dann"), which
# end a sentence when a space follows them; a French closing guillemet after its space ("fini. » Puis").
_CANDIDATE = re.compile(r"""(?:\.(?:[ ]\.){2,}|[.!?…]+)(?:["'”’»)\]“«]|[ \u00a0\u202f]»(?=\s|$))*(?=[^\S\x1f]|$)""")
# Chinese and Japanese end a sentence with a full-width mark and no space after it; one closed
# by a quote or bracket (「行く。」と言った) is inside a sentence that goes on.
_CJK_END = re.compile(r"[。！？]+(?![」』）〕】”’。！？])")
_CLOSERS = "\"'”’»)]“« \u00a0\u202f"
# Openers: quotes and brackets, German's "„" and Spanish's "¿" and "¡" (and German's "»", ``_opens``).
_OPENERS = "\"'“‘«([{„¿¡"
# A line that starts a block of its own: heading, bullet, numbered item, quote, table row.
_BLOCK_START = re.compile(r"^\s*(#{1,6}\s|[-*+•]\s|\d{1,3}[.)]\s|>\s?|\|)")
# Heading, bullet and quote markers that open a block are not part of its first sentence;
# enumerators ("1.", "a)") are kept, as the golden rules keep them.
_BLOCK_MARKER = re.compile(r"[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|>[ \t]?)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_WORD_AFTER = re.compile(r"[\"'“‘«(\[„¿¡»]*([\w'’.-]*)")
_NON_SPACE = re.compile(r"\S")
_BULLET = re.compile(r"(?<=\s)[•⁃▪◦‣](?=\s?\w)")
_ENUMERATOR = re.compile(r"(?:(?<=[\s•⁃▪◦‣])|^)(\d{1,2}|[a-z])(\.\)|\)|\.)(?=\s)")
# A section number of two or more levels ending in a period, at the start of a block; or a caption's
# or an appendix's ("Table 2.1.", "Example 3.", "Appendix A.", DocBook's, which puts a no-break space
# on either side of the number; "Chapter 5. The end." stays two, tests/test_segment.py).
_SECTION_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})+\.(?=\s)"
                             r"|(?:Table|Figure|Example|Listing|Appendix"
                             # the same captions in DocBook's German, French, Spanish, Italian, Portuguese, Russian
                             r"|Tabelle|Abbildung|Beispiel|Anhang|Tableau|Exemple|Annexe|Tabla|Figura|Ejemplo"
                             r"|Apéndice|Tabella|Esempio|Appendice|Tabela|Exemplo|Apêndice"
                             r"|Таблица|Рисунок|Пример|Приложение)[ \t\u00a0]+"
                             r"(?:\d{1,3}|[A-ZА-Я])(?:\.\d{1,3})*\.(?=\s)")
# A German date writes its day as an ordinal ("am 3. Oktober 2023", "1. Jänner"): no sentence ends there.
# A month English spells the same goes on only before a year ("1. September 2023"; "step 3. August was").
_ORDINAL_MONTH = re.compile(r"(?:Januar|Jänner|Februar|März|Mai|Juni|Juli|Oktober|Dezember)\b"
                            r"|(?:April|August|September|November)[ \t\u00a0]+\d{4}\b")
_WEEKDAY = r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MONTH = (r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?|may|january|february|march|april|june|july"
          r"|august|september|october|november|december")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (rf"(?:{_MONTH})\s+{_DAY}(?:,?\s+\d{{4}})?|{_DAY}\s+(?:of\s+)?(?:{_MONTH})(?:,?\s+\d{{4}})?"
         rf"|(?:{_MONTH}),?\s+\d{{4}}|\d{{4}}-\d\d-\d\d|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}")
# A sentence that is only a date, a journal entry's, belongs to the sentence after it.
_DATE_ONLY = re.compile(rf"""\s*(?:(?:(?:{_WEEKDAY})[.,]?\s+)?(?:{_DATE})|{_WEEKDAY})\.\s*""",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # character offset in the source, inclusive
    end: int  # exclusive
    line: int  # 1-based line of the first character


# A block splitter: (text, start, end, uncased) -> offsets where sentences end inside the block.
BlockSplitter = Callable[[str, int, int, bool], list[int]]


def is_uncased(text: str) -> bool:
    """Whether ``text`` has (almost) no capital letters: lowercased corpora, chat."""
    letters = upper = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            upper += ch.isupper()
    return letters > 0 and upper * 100 < letters


def _word_before(text: str, dot: int, floor: int) -> str:
    match = _WORD_BEFORE.search(text, max(floor, dot - 64), dot)
    return match.group(1).lstrip("\"'“‘([«").lower() if match else ""


# Abbreviations of two words written with a space ("z. B.", "d. h.", "и т. д."), each letter an
# initial to ``_is_abbreviation``: looked up as their dotted form, which never ends a sentence or ends
# a list as that form does. Only these: "J. R. Tolkien" and "e. g. The" split as before.
_SPACED_PAIRS = frozenset(["z.b", "d.h", "т.д", "т.п", "т.е"])


def _spaced_pair(text: str, at: int, floor: int) -> str:
    """"z.b" for the "B" at ``at`` in "z. B.": the one-letter word and the initial before it, else ""."""
    if at - 3 < floor or text[at - 1] != " " or text[at - 2] != "." or not text[at - 3].isalpha():
        return ""
    if at - 4 >= floor and not (text[at - 4].isspace() or text[at - 4] in "(\"'“„«»"):
        return ""
    pair = f"{text[at - 3]}.{text[at]}".lower()
    return pair if pair in _SPACED_PAIRS else ""


def _after_number(text: str, at: int, floor: int) -> bool:
    """Whether the word at ``at`` follows a number ("5 см", "5\u00a0см")."""
    at -= 1
    while at >= floor and text[at] in " \t\u00a0\u202f":
        at -= 1
    return at >= floor and text[at].isdigit()


def _is_abbreviation(word: str) -> bool:
    if word in ABBREVIATIONS or word in NEVER_FINAL:
        return True
    if len(word) == 1 and word.isalpha():  # an initial ("J. Smith") or "p. 55"
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))  # dotted forms: "e.g", "u.s.a"


def _enumeration(text: str, start: int, end: int) -> tuple[list[int], set[int]]:
    """Item starts of an inline enumeration that begins the block, and its markers' offsets.

    "1. a 2. b", "a) x b) y", "• 9. x • 10. y": markers with consecutive values in one
    style. A lone number at the start of a block ("1. Install it.") is a marker too, and so is
    a section number of several levels ("1.1. Implementation", "2.3.4. Limits") or a caption's
    ("Table 2.1. Keys", "Example 3. Commenting").
    """
    starts: list[int] = []
    markers: set[int] = set()
    head = start
    while head < end and (text[head].isspace() or text[head] in "•⁃▪◦‣"):
        head += 1
    section = _SECTION_NUMBER.match(text, head, end)
    if section:  # "1.1. Implementation", "2.3.4. Limits": a heading's number, not a sentence
        markers.add(section.end() - 1)
        return starts, markers
    first = _ENUMERATOR.match(text, head, end)
    if not first:
        return starts, markers
    value, style = first.group(1), first.group(2)
    chain = [first]
    expected = _next_value(value)
    for match in _ENUMERATOR.finditer(text, first.end(), end):
        if match.group(2) == style and match.group(1) == expected:
            chain.append(match)
            expected = _next_value(expected)
    if len(chain) == 1 and not value.isdigit():
        return starts, markers
    for match in chain:
        markers.add(match.start(2))
    for match in chain[1:]:
        cut = match.start()
        while cut > start and text[cut - 1] in " •⁃▪◦‣":  # the item's bullet goes with it
            cut -= 1
        starts.append(cut)
    return starts, markers


def _next_value(value: str) -> str:
    return str(int(value) + 1) if value.isdigit() else chr(ord(value) + 1)


# A sentence may open with a name written with a symbol before it: a path ("/", "~/.bashrc"), an
# option ("--app"), a file (".env", "./run"), a variable ("$HOME", "%PATH%"), a decorator ("@route"),
# a private name ("__init__.py"), an argument ("*args"), a role or field (":start-after:"), a tag
# ("<input>"), code in backquotes ("`len`"). Such a word holds a letter or digit, or is a lone "/"
# (the root of a path). "#" is left out: "... events. #2945" is an issue's number, which ends its
# item and opens nothing; so are a dash ("-- with the month"), an arrow ("->") and ":)". A lone "…"
# is a value left out, as a template's "{{ user }}" reads ("Welcome. … is your name."; ``template``),
# which opens its sentence as the name it stands for would; "…and" after a full stop does not.
_SYMBOL_START = re.compile(r"[`/~.$@<*_:%\\-]\S*?[^\W_]|/(?!\S)|…(?!\S)")


def _starts_with_symbol(text: str, at: int, end: int) -> bool:
    """Whether the word at ``at`` is a name that opens a sentence with a symbol (``_SYMBOL_START``)."""
    return _SYMBOL_START.match(text, at, end) is not None


def _opens(text: str, at: int) -> bool:
    """Whether the character at ``at`` opens a quote or bracket: German's "»" opens one when a word
    follows it ("»Gut«"); in French, after a space, it closes one."""
    ch = text[at]
    return ch in _OPENERS or (ch == "»" and at + 1 < len(text) and text[at + 1].isalnum())


def _starts_sentence(text: str, at: int, uncased: bool) -> bool:
    ch = text[at]
    return ch.isupper() or ch.isdigit() or _opens(text, at) or (uncased and ch.isalpha())


def split_block(text: str, start: int, end: int, uncased: bool) -> list[int]:
    """Offsets in ``text[start:end]`` where a sentence ends (the rules in the module doc)."""
    cuts = _boundaries(text, start, end, uncased)
    cuts = [cut for before, cut in zip([start, *cuts], cuts) if not _DATE_ONLY.fullmatch(text, before, cut)]
    return [cut for cut, after in zip(cuts, [*cuts[1:], end]) if not _bracketed_fragment(text[cut:after].strip())]


# What may follow a bracketed fragment's closing bracket: the end of the sentence it joins.
_FRAGMENT_TAIL = re.compile(r"""[.!?…]*["'”’»]*""")
_ENDS_SENTENCE = re.compile(r"""[.!?…]["'”’»)\]]*$""")


def _bracketed_fragment(piece: str) -> bool:
    """Whether ``piece``, a sentence as cut, is only a bracketed fragment that ends no sentence of
    its own ("(See Variables)", "(see version).", "[1]"): the sentence before it goes on with it,
    as a reader reads it. A whole sentence in brackets ("(This may not apply to all builders.)")
    is one of its own; so is one with words after its brackets ("(After acceptance) Translate it."),
    where the brackets label what follows as often as they end what came before."""
    if not piece or piece[0] not in "([":
        return False
    depth = 0
    for at, char in enumerate(piece):
        depth += (char in "([") - (char in ")]")
        if depth == 0:
            return bool(_FRAGMENT_TAIL.fullmatch(piece, at + 1)) and not _ENDS_SENTENCE.search(piece, 1, at)
    return False


def _boundaries(text: str, start: int, end: int, uncased: bool) -> list[int]:
    """``split_block``'s offsets, and those after a date that opens a sentence ("May 5. Planted")."""
    item_starts, markers = _enumeration(text, start, end)
    cuts = list(item_starts)
    cuts.extend(m.start() for m in _BULLET.finditer(text, start, end))
    for match in _CANDIDATE.finditer(text, start, end):
        punct_start = match.start()
        if punct_start in markers:
            continue
        following = _NON_SPACE.search(text, match.end(), end)
        if following is None:
            continue
        nxt = following.start()
        token = match.group()
        cluster = token.rstrip(_CLOSERS)
        closed = len(cluster) < len(token)
        attached = punct_start > start and not text[punct_start - 1].isspace()
        next_char = text[nxt]
        if "." in cluster and len(cluster) > 1 and "!" not in cluster and "?" not in cluster:
            # an ellipsis
            if text[punct_start - 1: punct_start] == "[" and text[punct_start + len(cluster): punct_start + len(cluster) + 1] == "]":
                continue  # "[...]" marks words left out of a quotation
            dots = cluster.count(".")
            if " " in cluster:
                if dots >= 4 and attached:  # "word. . . . Next": a period, then an ellipsis
                    if _starts_sentence(text, nxt, uncased):
                        cuts.append(punct_start + 1)
                elif dots >= 4 and _starts_sentence(text, nxt, uncased):
                    cuts.append(match.end())
                continue
            if dots >= 4:
                if _starts_sentence(text, nxt, uncased):
                    cuts.append(match.end())
            elif attached and (next_char.isupper() or _opens(text, nxt)):
                cuts.append(match.end())
            continue
        if cluster == "…":
            if attached and (next_char.isupper() or _opens(text, nxt)):
                cuts.append(match.end())
            continue
        if cluster == "." and not attached and not closed and not uncased and (next_char.islower() or next_char in "(["):
            continue  # a dot standing alone is a literal ("git add . and", "setting . (a period)"), unless the text is tokenised
        if next_char.islower() and (closed or cluster != "."):
            if uncased and not closed:
                cuts.append(match.end())
            continue  # "Yahoo! in", '"Great." she said', "(an engineer.) at"
        if cluster == "." and not closed:
            word = _word_before(text, punct_start, start)
            if word and _is_abbreviation(word) and not (
                    word in CAPITALISED_ONLY and not uncased and text[punct_start - len(word)].islower()) and not (
                    word in NOT_IN_CAPITALS and text[punct_start - len(word):punct_start].isupper()) and not (
                    word in UNITS_AFTER_NUMBER and _after_number(text, punct_start - len(word), start)):
                spaced = _spaced_pair(text, punct_start - len(word), start) if len(word) == 1 else ""
                if word in NEVER_FINAL or spaced in NEVER_FINAL or not next_char.isupper():
                    continue
                after = _WORD_AFTER.match(text, nxt, end)
                next_word = _CONTRACTION.sub("", after.group(1).lower().rstrip(".")) if after else ""
                if next_word not in SENTENCE_STARTERS and word not in LIST_ENDS and spaced not in LIST_ENDS:
                    continue  # "U.S. Government", "E. Smith"
            elif word.isdigit() and len(word) <= 2 and _ORDINAL_MONTH.match(text, nxt, end):
                continue  # "am 3. Oktober": a German date's day is an ordinal
            elif not (next_char.isalnum() or _opens(text, nxt) or (attached and _starts_with_symbol(text, nxt, end))):
                continue
        elif not (next_char.isalnum() or _opens(text, nxt) or (attached and _starts_with_symbol(text, nxt, end))):
            continue
        cuts.append(match.end())
    for match in _CJK_END.finditer(text, start, end):
        if _NON_SPACE.search(text, match.end(), end):  # (the block's last mark ends it anyway)
            cuts.append(match.end())
    return sorted(set(cuts))


_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` as an editor numbers them: broken at ``\\n``, ``\\r\\n`` and ``\\r`` only."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start another
    return lines


def _lines_with_ends(text: str):
    start = 0
    for match in _LINE_END.finditer(text):
        yield text[start:match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s")
_BULLETED = re.compile(r"^\s*[-*+!•‣⁃]\s")  # ("!": a NEWS file's, plain text's ``_TEXT_ITEM``)


def starts_item(line: str, previous: str, in_list: bool) -> bool:
    """Whether ``line``, which opens with a bullet or a number ("- ", "2. "), starts a list item
    after ``previous`` (the line before it, "" for none or a blank one). A bullet always does.
    Inside a paragraph a number does only when it is 1 (as in CommonMark), when a list is going
    on (``in_list``: an item since the last blank line), or when ``previous`` ends with ``. ! ?
    : ;``: "... on March\n15. Please come." is one paragraph, with its date."""
    number = _NUMBERED.match(line)
    if not number or not previous.strip():
        return bool(number or _BULLETED.match(line))
    return number.group(1) == "1" or in_list or bool(_TERMINAL_END.search(previous.rstrip()))


def _blocks(text: str, lines_are_blocks: bool, blocks_marked: bool = False):
    """(start offset, end offset) of paragraphs, headings and list items (or of lines); with
    ``blocks_marked``, of the runs of lines between blank lines only."""
    start = None
    offset = 0
    previous, in_list = "", False
    for line in _lines_with_ends(text):
        stripped = line.strip()
        if lines_are_blocks:
            if stripped:
                yield offset, offset + len(line)
        elif not stripped:
            if start is not None:
                yield start, offset
                start = None
            in_list = False
        elif not blocks_marked and _BLOCK_START.match(line) and start is not None and (
                not (_NUMBERED.match(line) or _BULLETED.match(line)) or starts_item(line, previous, in_list)):
            yield start, offset
            start = offset
            in_list = in_list or bool(_NUMBERED.match(line) or _BULLETED.match(line))
        elif start is None:
            start = offset
            in_list = bool(_NUMBERED.match(line) or _BULLETED.match(line))
        previous = line if stripped else ""
        offset += len(line)
    if start is not None:
        yield start, offset


def split_sentences(text: str, *, lines_are_blocks: bool = False, lines_are_sentences: bool = False,
                    blocks_marked: bool = False, splitter: BlockSplitter | None = None) -> list[Sentence]:
    """Split ``text`` into sentences with offsets and line numbers.

    By default wrapped lines of a paragraph are joined (prose). With ``lines_are_blocks``
    every line break also ends a sentence (one paragraph per line). With
    ``lines_are_sentences`` every line that holds a letter or digit is one sentence, exactly
    as written (runs of whitespace collapsed): one sentence or one thought per line (see
    ``line_shape``); nothing is dropped from it and it is not split. With ``blocks_marked``
    (markup already removed, blocks already separated by blank lines) only blank lines end a
    block and no leading marker is dropped. ``splitter`` replaces
    the rules that split inside a block (the benchmark plugs other segmenters in there).
    """
    line_starts = [0] + [m.end() for m in _LINE_END.finditer(text)]
    sentences: list[Sentence] = []
    uncased = is_uncased(text)
    split = splitter or split_block

    def emit(start: int, end: int) -> None:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        start, piece = start + lead, piece.strip()
        if not piece or not any(ch.isalnum() for ch in piece):
            return
        line = _line_of(line_starts, start)
        sentences.append(Sentence(sentence_text(piece), start, start + len(piece), line))

    for block_start, block_end in _blocks(text, lines_are_blocks or lines_are_sentences, blocks_marked):
        if lines_are_sentences:
            emit(block_start, block_end)
            continue
        marker = None if blocks_marked else _BLOCK_MARKER.match(text, block_start, block_end)
        cursor = block_start = marker.end() if marker else block_start
        for cut in split(text, block_start, block_end, uncased):
            emit(cursor, cut)
            cursor = cut
        emit(cursor, block_end)
    return sentences


_TERMINAL_END = re.compile(r"""[.!?:;…]["'”’»)\]]*$""")


WRAPPED, PARAGRAPH_PER_LINE, SENTENCE_PER_LINE = "wrapped", "paragraph per line", "sentence per line"
# A line that opens with an item's or a section's number: "2. ", "1) ", "1.1. ", "2.3.4. ".
_NUMBERED_LINE = re.compile(r"\s*\d{1,3}(?:\.\d{1,3})*[.)]\s")


def looks_one_per_line(text: str) -> bool:
    """Whether a plain-text file holds one sentence or thought per line (``line_shape``)."""
    return line_shape(text) == SENTENCE_PER_LINE


def line_shape(text: str) -> str:
    """How a plain-text file uses its lines: ``WRAPPED``, ``PARAGRAPH_PER_LINE`` or ``SENTENCE_PER_LINE``.

    Hard-wrapped prose has a wrap width W, the 90th percentile of the non-blank lines'
    lengths. Counting only lines followed by another non-blank line that is not a list item:

    - a line is *full* when the next line's first word would (nearly) not have fitted
      after it (``len(line) + 1 + len(next first word) > 0.9 W``): an editor wrapping at
      about W, by hand or greedily, leaves no room for it;
    - a line is *wrapped* when it is full, ends mid-sentence (no ``. ! ? : ; …`` at its
      end) and the next line goes on in lowercase.

    The file is wrapped prose when W is at least 50 characters (nobody wraps narrower; a
    list of short lines is not prose) and either at least 35% of the lines are wrapped, or
    at least 80% are full and one in twenty is wrapped (greedy wrapping, where sentences
    that happen to end at a line's end hide the wrap); a file with no such lines at all (one
    line, or paragraphs of one line each) is prose too. Otherwise its lines are units: one
    paragraph per line when at least 40% of the lines that hold a letter or digit
    contain a sentence boundary (``split_block``), or when more than half of them open with a
    number ("2. ", "1.1. ": an outline, numbered notes; items written as prose, whose numbers
    ``split_block`` splits nothing at), else one sentence per line — lists,
    logs, chat exports and SimCSE-style corpora, whatever the lines' lengths.

    "Wrapped" rests on case and punctuation: a line that ends without a period before one
    that starts in lowercase. Lowercased text that gives no punctuation either (see
    ``_case_or_punctuation_to_go_by``: unpunctuated phrases, headlines, transcripts) would
    count every full line as wrapped, so only the second test is trusted there: such a file
    is prose only when at least 80% of its lines are full, as an editor's wrapping leaves
    them; a list of phrases of spread lengths is read one line per sentence.
    """
    width, candidates, full, wrapped = wrap_evidence(text)
    if candidates == 0:
        return WRAPPED
    uncased = is_uncased(text)
    if width >= 50 and ((wrapped >= 0.35 * candidates and _case_or_punctuation_to_go_by(text, candidates, uncased))
                        or (full >= 0.8 * candidates and wrapped >= 0.05 * candidates)):
        return WRAPPED
    lines = several = numbered = 0
    for match in re.finditer(r"[^\r\n]+", text):
        if any(ch.isalnum() for ch in match.group()):
            lines += 1
            # a journal's "May 5. Planted the beans." counts: its lines are written as prose
            several += bool(_boundaries(text, match.start(), match.end(), uncased))
            numbered += bool(_NUMBERED_LINE.match(match.group()))
    if several * 5 >= lines * 2 or numbered * 2 > lines:
        return PARAGRAPH_PER_LINE
    return SENTENCE_PER_LINE



def _case_or_punctuation_to_go_by(text: str, candidates: int, uncased: bool) -> bool:
    """Whether ``wrapped`` lines (``wrap_evidence``) are evidence of wrapping in ``text``.

    Text with capitals (``uncased``: ``is_uncased(text)``, false) gives case to go by: a lowercase start after a line
    that ends without a period means something, as it always did. Lowercased text must give
    punctuation instead: at least one non-blank line in five ends with ``. ! ?`` or holds a
    sentence boundary before its end (so a line ending without one means something), or at least
    5% of the ``candidates`` lines are followed by a line starting with a capital. A lowercase
    list of unpunctuated phrases gives neither."""
    if not uncased:
        return True
    lines = [line.rstrip() for line in source_lines(text)]
    capitals = 0
    for line, following in zip(lines, lines[1:]):
        if line.strip() and following.strip() and not _BLOCK_START.match(following):
            capitals += following.split()[0][0].isupper()
    if capitals >= 0.05 * candidates:
        return True
    nonblank = punctuated = 0
    for line in lines:
        if line.strip():
            nonblank += 1
            punctuated += line.endswith((".", "!", "?")) or any(
                match.end() < len(line) for match in _CANDIDATE.finditer(line))
    return punctuated > 0 and punctuated * 5 >= nonblank


# A mail's header field ("Subject: ...", "X-Mailer: ...") and the line that opens its signature ("-- ",
# its space kept: a line of two dashes alone is a separator, wrapped prose under it).
_HEADER_FIELD = re.compile(r"[A-Za-z][\w-]+:[ \t]")
_SIGNATURE = re.compile(r"--[ \t]+$")


def mail_lines(lines: list[str]) -> set[int]:
    """The lines of a mail's header (two or more "Name: value" fields from the first line on, a
    name of two letters or more, a field's indented continuations too) and of its signature (from
    a "-- " line to the next blank line): they are not prose, whose wrapping ``wrap_evidence``
    measures."""
    header = fields = 0
    while header < len(lines) and (_HEADER_FIELD.match(lines[header])
                                   or (header and lines[header][:1] in " \t" and lines[header].strip())):
        fields += bool(_HEADER_FIELD.match(lines[header]))
        header += 1
    skipped = set(range(header)) if fields >= 2 else set()
    signature = None
    for k, line in enumerate(lines):
        if _SIGNATURE.match(line):
            signature = k
        elif not line.strip():
            signature = None
        if signature is not None:
            skipped.add(k)
    return skipped


# A table's line: a border or a row of cells, drawn with "+", "|" or box-drawing characters.
_TABLE_LINE = re.compile(r"\s*[+|\u2500-\u257f].*[+|\u2500-\u257f]$")
# The rule under a table's header that marks its columns: groups of dashes ("------  -------").
COLUMN_RULE = re.compile(r"^\s*[-=]{2,}(?:[ \t]+[-=]{2,})+\s*$")


def _column_table_lines(lines: list[str]) -> set[int]:
    """The lines of each table of columns: a ``COLUMN_RULE``, the line above it, and the rows
    under it up to a blank line."""
    found: set[int] = set()
    for k, line in enumerate(lines):
        if COLUMN_RULE.match(line) and k + 1 < len(lines) and lines[k + 1].strip():
            end = next((j for j in range(k + 1, len(lines)) if not lines[j].strip()), len(lines))
            found.update(range(max(k - 1, 0), end))
    return found


def wrap_evidence(text: str) -> tuple[int, int, int, int]:
    """(W, lines counted, full lines, wrapped lines) as ``looks_one_per_line`` defines them; a
    mail's header and signature (``mail_lines``) and a table's lines are not counted, nor is a
    table's width."""
    lines = [line.rstrip() for line in source_lines(text)]
    columns = _column_table_lines(lines)
    lines = ["" if _TABLE_LINE.match(line) or k in columns else line for k, line in enumerate(lines)]
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 2:
        return 0, 0, 0, 0
    width = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    mail = mail_lines(lines)
    candidates = full = wrapped = 0
    for k, (line, following) in enumerate(zip(lines, lines[1:])):
        if not line.strip() or not following.strip() or _BLOCK_START.match(following) or k in mail:
            continue
        candidates += 1
        first_word = following.split()[0]
        if len(line) + 1 + len(first_word) > 0.9 * width:
            full += 1
            if not _TERMINAL_END.search(line) and first_word[0].islower():
                wrapped += 1
    return width, candidates, full, wrapped


def _line_of(line_starts: list[int], offset: int) -> int:
    lo, hi = 0, len(line_starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1
