"""The LaTeX reader (session 46, trial latex): ``.tex`` files, a researcher's papers, thesis and
lecture notes, were not read at all (``simsearch index ~/thesis`` found nothing to index). Cases
from the LaTeX team's ``ltnews``/``usrguide``, beamer's user guide and the TeX Live manuals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simsearch.extract import READABLE, FoundFile, extract, format_of, reads_name, walk

from .textgen import read


def tex(source: str) -> list[tuple[int, str]]:
    return read("paper.tex", source)


def texts(source: str) -> list[str]:
    return [text for _, text in tex(source)]


def test_a_tex_file_is_found_and_read_as_latex(tmp_path):
    (tmp_path / "thesis.tex").write_text("Text.\n")
    (tmp_path / "Notes.LTX").write_text("Text.\n")
    assert format_of(Path("a.tex")) == format_of(Path("b.latex")) == format_of(Path("c.ltx")) == "latex"
    assert reads_name(Path("thesis.tex")) and ".tex" in READABLE
    assert sorted(f.path.name for f in walk([tmp_path]) if isinstance(f, FoundFile)) == ["Notes.LTX", "thesis.tex"]
    assert extract(Path("a.tex"), b"Text.\n").format == "latex"


PAPER = r"""\documentclass{article}
\usepackage{amsmath} % math
\newcommand{\tool}{SimSearch}
\title{A Study of \emph{Search}}
\begin{document}
\maketitle
\section{Introduction}\label{sec:intro}
We present \tool{}, a new tool.
It was written by Fran\c{c}ois and G\"odel in {\"O}sterreich --- see Section~\ref{sec:intro}.
% a comment line does not end the paragraph
Pages 1--3 are ``quoted'' here \cite{knuth}.
Let $x_i$ be the input.
\begin{equation}
  E = mc^2 \quad \text{secret}
\end{equation}
where $E$ is energy.\footnote{Energy is conserved.}

\begin{itemize}
  \item First point.
  \item[Term] The second.
\end{itemize}
\begin{figure}[h]
  \centering
  \includegraphics[width=0.5\textwidth]{plot.png}
  \caption{Results of the run.}
\end{figure}
Use \verb|x{%| and \texttt{--help} and \textcolor{red}{warnings}.
\begin{verbatim}
secret code {
\end{verbatim}
\begin{tabular}{|l|l|}
Name & Value \\ \hline
Alpha & 1 \\
\end{tabular}
\input{chapter1}
\end{document}
secret after the end
"""


def test_a_paper_reads_as_its_typeset_text_each_sentence_at_its_line():
    assert tex(PAPER) == [
        (4, "A Study of Search"), (7, "Introduction"), (8, "We present SimSearch, a new tool."),
        (9, "It was written by François and Gödel in Österreich — see Section."),
        (11, "Pages 1–3 are “quoted” here [knuth]."), (12, "Let x_i be the input."), (16, "where E is energy."),
        (16, "(Energy is conserved.)"), (19, "First point."), (20, "Term: The second."), (25, "Results of the run."),
        (27, "Use x{% and --help and warnings."), (32, "Name; Value"), (33, "Alpha; 1")]
    assert extract(Path("a.tex"), PAPER.encode()).includes == [(35, "chapter1.tex")]


@pytest.mark.parametrize("source, text", [
    (r"\emph{Bold} and \textbf{strong} \textit{words}.", "Bold and strong words."),
    (r"Na\"ive caf\'e, \c{c}a, \v{s}, {\'\i}, \ss{} and \o.", "Naïve café, ça, š, í, ß and ø."),
    (r"A---B, 1--2, ``x'' and `y'.", "A—B, 1–2, “x” and ‘y'."),
    (r"See~\cite[p.~3]{k} and Figure~\ref{f}.", "See [k, p. 3] and Figure."),
    (r"\href{https://x.org}{The site} and \url{https://y.org}.", "The site and https://y.org."),
    (r"\setlength{\parindent}{0pt}\vspace{2em}Some \hspace*{1cm}text.", "Some text."),
    (r"The \LaTeX{} way, \TeX\ too, 5\,\% off \& more\ldots", "The LaTeX way, TeX too, 5 % off & more…"),
    (r"\mycommand{Newton} wrote \foo[opt]{this}.", "Newton wrote this."),
    (r"\only<2->{Shown} \alert<3>{later}.", "Shown later."),
    (r"\parindent 0pt Then text.", "Then text."),
    ("Inline \\(a+b\\) math and display \\[x\\] gone.", "Inline a+b math and display"),
])
def test_inline_markup_reads_as_its_text(source, text):
    assert texts(source + "\n")[0] == text


def test_preamble_math_code_floats_and_comments_are_left_out():
    source = ("\\documentclass{book}\n\\usepackage{secret}\n\\begin{document}\n"
              "\\begin{align}\nsecret &= 1\n\\end{align}\n\\[ secret \\]\n$$secret$$\n"
              "\\begin{lstlisting}\nsecret }\n\\end{lstlisting}\n\\begin{minted}{python}\nsecret\n\\end{minted}\n"
              "\\begin{table}\n\\begin{tabular}{ll}secret & x\\end{tabular}\n\\caption{A caption.}\n\\end{table}\n"
              "Prose % secret\nstays.\n\\end{document}\n")
    assert tex(source) == [(17, "A caption."), (19, "Prose stays.")]


def test_headings_frames_and_description_items_are_blocks():
    source = ("\\chapter*{Preface}\n\\begin{frame}[fragile]{Slide title}\n\\frametitle{Other title}\n"
              "\\begin{description}\n\\item[Apples] are red\n\\item[Pears:] are green\n\\end{description}\n"
              "\\end{frame}\n\\paragraph{Run-in.} Text follows.\n")
    assert tex(source) == [(1, "Preface"), (2, "Slide title"), (3, "Other title"), (5, "Apples: are red"),
                           (6, "Pears: are green"), (9, "Run-in."), (9, "Text follows.")]


def test_a_short_verb_the_file_declares_is_verbatim():
    assert texts("\\MakeShortVerb{\\|}\nUse |\\foo{x}| here.\n") == ["Use \\foo{x} here."]


def test_unclosed_groups_and_math_do_not_swallow_the_file():
    source = "A {broken group.\n\nThe \\(unclosed math.\n\nSome \\verb|x and $ alone.\n\nLast \\begin{equation} one.\n"
    assert texts(source) == ["A broken group.", "The unclosed math.", "Some |x and $ alone.", "Last", "one."]
    assert texts("{" * 50_000 + "Deep.\n")[-1].endswith("Deep.")


# --- properties ----------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("\\{}[]$%&~^_#'`\"-<>*|@ \n\tabcxyzABC123.,()=") + [
    "\\begin{", "\\end{", "itemize}", "verbatim}", "equation}", "figure}", "tabular}", "\\item", "\\section",
    "\\verb", "\\footnote", "\\caption", "\\newcommand", "\\def", "\\emph", "\\\\", "\\(", "\\)", "\\[", "\\]",
    "$$", "\\'", "\\\"", "\\c", "Word ", "Sentence. "]), max_size=120).map("".join))
def test_the_reader_never_raises_and_every_sentence_is_on_a_line_with_its_words(source):
    lines = source.split("\n")
    for line, text in tex(source):
        assert 1 <= line <= len(lines)
        first = re.sub(r"[^A-Za-z]", "", text.split()[0])  # (markup between letters goes: "a{Word" reads "aWord")
        pieces = {first[:1]} if first else set()  # (a command between letters goes too: "a\\foo a")
        # (a line of punctuation alone, "[", starts the sentence after it at its own line: the segmenter's rule)
        on_line = re.sub(r"[^A-Za-z]", "", lines[line - 1] if re.search(r"[A-Za-z]", lines[line - 1]) or line == len(lines) else lines[line])
        above = re.sub(r"[^A-Za-z]", "", "".join(lines[:line]))  # (a macro's text is defined above)
        assert not pieces or any(piece in on_line for piece in pieces) or any(piece in above for piece in pieces)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["para", "section", "item", "math", "code", "comment", "float"]),
                          st.lists(st.sampled_from("time water river garden engine signal".split()), min_size=2, max_size=5)),
                min_size=1, max_size=8))
def test_prose_keeps_its_line_and_left_out_text_never_shows(blocks):
    lines, expected = [], []
    for kind, words in blocks:
        text = " ".join(words).capitalize()
        if kind == "para":
            lines.append(f"{text} \\emph{{and}} more."); expected.append((len(lines), f"{text} and more."))
        elif kind == "section":
            lines.append(f"\\section{{{text}}}"); expected.append((len(lines), text))
        elif kind == "item":
            lines += ["\\begin{itemize}", f"\\item {text}.", "\\end{itemize}"]; expected.append((len(lines) - 1, f"{text}."))
        elif kind == "math":
            lines += ["\\begin{equation}", "zqxsecret = 1", "\\end{equation}"]
        elif kind == "code":
            lines += ["\\begin{verbatim}", "zqxsecret {", "\\end{verbatim}"]
        elif kind == "comment":
            lines.append("% zqxsecret")
        else:
            lines += ["\\begin{figure}", "zqxsecret", f"\\caption{{{text}}}", "\\end{figure}"]; expected.append((len(lines) - 1, text))
        lines.append("")
    assert tex("\n".join(lines) + "\n") == expected


# --- the index --------------------------------------------------------------------------------------

def test_index_reads_a_tex_file_and_search_finds_a_sentence_at_its_line(tmp_path, monkeypatch):
    from simsearch.cli import app
    docs = tmp_path / "thesis"
    docs.mkdir()
    (docs / "notes.md").write_text("Unrelated notes about cooking.\n")
    db = tmp_path / "index.db"
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(docs), "--db", str(db)]).exit_code == 0
    # a folder indexed before .tex was read: the next run picks the new file up
    (docs / "chapter.tex").write_text("\\section{Results}\n% note\nThe \\emph{glacier} melted\nfaster than predicted.\n")
    result = runner.invoke(app, ["index", "--db", str(db)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["search", "glacier melting speed", "--db", str(db), "--json", "-k", "1"])
    assert result.exit_code == 0, result.output
    hit = json.loads(result.output.splitlines()[0])
    assert hit["text"] == "The glacier melted faster than predicted." and hit["line"] == 3
    assert hit["path"].endswith("chapter.tex")


# --- review (session 46): nesting and unclosed brackets --------------------------------------------

@pytest.mark.parametrize("opener", ["{", "\\emph{", "\\footnote{", "\\begin{quote}\\textbf{"])
def test_groups_nested_deeper_than_tex_allows_read_as_their_words_not_a_recursion_error(opener):
    closer = "}}" if opener.startswith("\\begin") else "}"
    source = "Some text here.\n" + opener * 1000 + "deep words" + closer * 1000 + "\nAfter the nest.\n"
    found = texts(source)
    assert found[0] == "Some text here." and found[-1].endswith("After the nest.")
    assert any("deep words" in text for text in found)


def test_an_unclosed_bracket_after_each_command_of_a_long_line_is_read_in_linear_time():
    import time
    for source in ("\\foo[" * 20000, "\\item[ word " * 20000, "Text \\\\[ more " * 20000):
        start = time.perf_counter()
        tex(source)
        assert time.perf_counter() - start < 5
    assert texts("\\item[Term] The second.\n") == ["Term: The second."]


def test_a_preamble_written_on_one_long_line_is_read_in_linear_time():
    import time
    source = "\\usepackage{x}" * 50000 + "\\title{The Title} % \\title{Not this}\n\\begin{document}\nHi.\n\\end{document}\n"
    start = time.perf_counter()
    assert texts(source) == ["The Title", "Hi."]
    assert time.perf_counter() - start < 5


def test_a_comment_at_a_line_end_joins_the_lines_as_tex_does():
    # "%" eats the line end: "glac%" + "ier" typesets "glacier" (it read "glac ier", which no search finds)
    assert tex("The glac%\n  ier moved far.\nA \\emph{second}%\nhand report.\n") == [
        (1, "The glacier moved far."), (3, "A secondhand report.")]
    # a space before the "%", a line of markup, a comment line: nothing joined
    assert tex("Two words %\nhere.\n\\section{Intro}%\nText.\n% note\nMore.\n") == [
        (1, "Two words here."), (3, "Intro"), (4, "Text."), (6, "More.")]


def test_a_theorems_name_in_brackets_is_read_as_its_title():
    # "Definition 1.1 (Mass balance). The mass balance is ..." in the PDF: the name was left out
    source = ("\\newtheorem{defn}{Definition}\n\\begin{defn}[Mass\nbalance]\\label{d:mb}\nThe mass balance is the net gain.\n"
              "\\end{defn}\n\\begin{lemma}[Fermat]\nNo solutions.\n\\end{lemma}\n\\begin{proof}[Proof of \\ref{d:mb}]\nBy mass.\n"
              "\\end{proof}\n\\begin{enumerate}[(a)]\n\\item One.\n\\end{enumerate}\n\\begin{theorem}[label=thm:x]\nKeys.\n\\end{theorem}\n")
    assert tex(source) == [(2, "Mass balance"), (4, "The mass balance is the net gain."), (6, "Fermat"), (7, "No solutions."),
                           (9, "Proof of"), (10, "By mass."), (13, "One."), (16, "Keys.")]


def test_citations_read_as_their_keys_and_a_reference_as_the_kind_it_prints():
    """A citation read as nothing left "As shown by, melting accelerates." and "disagreed.": its
    key is a word a searcher types. \\cref and \\autoref print their target's kind ("Figure 3"),
    read from the label's prefix; a label's own words and a number are no text."""
    assert tex(
        "As shown by \\citet{knuth84}, melting accelerates.\n"
        "Ice melts fast~\\cite{lamport94, knuth84}.\n"
        "Ice melts slowly \\citep[see][p.~5]{smith2020}.\n"
        "\\citeauthor*{knuth84} disagreed\\nocite{x}, as \\citet[ch.~2]{lamport94} notes.\n"
        "As shown in \\cref{fig:melt}, the sheets thin.\n"
        "\\Cref{sec:intro} gives the background, see Section~\\ref{sec:intro} and \\eqref{eq:a}.\n"
        "\\autoref{tab:rates} lists the rates; \\autoref{rates} does not say which.\n") == [
        (1, "As shown by knuth84, melting accelerates."), (2, "Ice melts fast [lamport94, knuth84]."),
        (3, "Ice melts slowly [see smith2020, p. 5]."), (4, "knuth84 disagreed, as lamport94 (ch. 2) notes."),
        (5, "As shown in figure, the sheets thin."), (6, "Section gives the background, see Section and."),
        (7, "Table lists the rates; does not say which.")]


def test_the_title_pages_authors_and_date_are_read():
    assert tex("\\documentclass{article}\n\\title{Melting of Ice Sheets}\n"
               "\\author{Ada Lovelace\\thanks{Analytical Engine Society} \\and Charles Babbage}\n"
               "\\date{March 2021}\n\\begin{document}\n\\maketitle\nThe sheets thin.\n\\end{document}\n") == [
        (2, "Melting of Ice Sheets"), (3, "Ada Lovelace (Analytical Engine Society), Charles Babbage"), (4, "March 2021"),
        (7, "The sheets thin.")]


def test_a_bibliographys_widest_label_is_not_read_into_its_first_entry():
    """covington.tex's ``\\begin{thebibliography}{99}`` gave "99 Bickel, Balthasar, Bernard
    Comrie, and Martin Haspelmath: The Leipzig Glossing Rules..." at the line of the \\begin, not
    the entry's: the {99} (the widest label, for the layout) was read as text."""
    source = (r"\documentclass{article}" "\n" r"\begin{document}" "\n" "Some text here.\n"
              r"\begin{thebibliography}{99}" "\n"
              r"\bibitem{leipzig} Bickel, Balthasar: The Leipzig glossing rules." "\n"
              r"\bibitem{x} Knuth, Donald: The TeXbook." "\n"
              r"\end{thebibliography}" "\n" r"\end{document}" "\n")
    assert read("paper.tex", source) == [(3, "Some text here."), (5, "Bickel, Balthasar: The Leipzig glossing rules."),
                                         (6, "Knuth, Donald: The TeXbook.")]


def test_a_multicites_keys_each_keep_their_own_notes():
    """biblatex's example 82-style-debug.tex, "\\cites(see)()[30]{companion}", read "(see)()[30]companion"
    (session 47, trial readrev): the notes for all the keys, in parentheses, were text, and each
    key's own notes were given to all: "\\cites[p. 1]{a}[p. 2]{b}" read "[p. 1 a, b, p. 2]"."""
    assert tex("Compare \\cites(see)()[30]{companion}.\n"
               "Note \\autocites(pre)(post)[p. 1]{a}\n[p. 2]{b} ends.\n"
               "Also \\textcites[ch. 1]{a}[ch. 2]{b} said.\n"
               "Then \\parencites[see][p. 1]{a}{b, c} here; \\cites{#1} and \\cites (no keys) too.\n") == [
        (1, "Compare [see companion, 30]."), (2, "Note [pre a, p. 1; b, p. 2, post] ends."),
        (4, "Also a (ch. 1), b (ch. 2) said."), (5, "Then [see a, p. 1; b, c] here; and (no keys) too.")]


def test_authors_on_lines_of_their_own_are_joined_by_a_comma_after_the_name():
    """footnpag's title-2col.tex read "Joachim Schrod (Affilation) , B. Luser" (session 47, trial
    readrev): an \\and on a line of its own left the line's end before its comma."""
    assert tex("\\documentclass{article}\n\\author{Ada Lovelace\\\\\n  Analytical Society\n  \\and\n"
               "  Charles Babbage\\thanks{Cambridge}\n\\and Mary\n  Somerville}\n\\begin{document}\nThe sheets thin.\n"
               "\\end{document}\n") == [
        (2, "Ada Lovelace Analytical Society, Charles Babbage (Cambridge), Mary Somerville"), (9, "The sheets thin.")]


def test_a_reference_to_several_labels_reads_as_their_kinds_in_the_plural():
    """cleveref prints "Figures 2 and 3" for \\Cref{fig:a,fig:b}: it read "Figure" (session 47, trial
    readrev), and a second kind among the labels was not read."""
    assert tex("\\Cref{fig:a,fig:b} show the melt.\n"
               "As \\cref{fig:a, tab:b,fig:c} and \\autoref{app:a,app:b} and \\cref{x,cor:y,cor:z} show.\n") == [
        (1, "Figures show the melt."), (2, "As figures and table and Appendices and corollaries show.")]
