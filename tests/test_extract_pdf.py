"""PDF text as a reader sees it: ligatures are letters, running headers and footers are left
out, a sentence runs over a page break (at the page where it starts), and a word hyphenated at a
line end is one word.

Most tests drive ``_pdf_text`` with the page strings pypdf returns; the end-to-end ones write a
small PDF by hand (no package beyond pypdf, the [pdf] extra).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import _pdf_text, extract, sentences_of

WORDS = ["river", "garden", "lantern", "copper", "meadow", "harbour", "violin", "orchard", "glacier", "thimble",
         "signal", "budget", "travel", "office"]


def sentences(pages: list[str]) -> list[tuple[int, str]]:
    """(page, sentence) pairs of a PDF whose pages pypdf read as ``pages``."""
    from simsearch.extract import Extracted

    text, line_map = _pdf_text(pages)
    return [(s.line, s.text) for s in sentences_of(Extracted(text, "pdf", None, line_map))]


def test_running_headers_and_page_numbers_are_left_out_and_a_sentence_runs_over_the_page_break():
    pages = ["Annual Report 2024\nThe committee met on Monday to review\nthe budget for the coming year and\n1",
             "Annual Report 2024\nagreed to cut travel costs. The chair\nthanked everyone for coming.\n2",
             "Annual Report 2024\nThe next meeting is in May.\n3"]
    assert sentences(pages) == [
        (1, "The committee met on Monday to review the budget for the coming year and agreed to cut travel costs."),
        (2, "The chair thanked everyone for coming."),
        (3, "The next meeting is in May.")]


def test_a_footer_of_two_lines_and_a_chapter_header_with_its_page_number_go():
    # reportlab's user guide: a chapter's title above "Page 11"; bashref: "Chapter 3: Basic Shell
    # Features 45", a header repeated on fewer than half the pages but with the page number changing
    pages = []
    for n in range(1, 9):
        chapter = "Chapter 1: Rivers" if n <= 3 else "Chapter 2: Mountains"
        pages.append(f"{chapter} {n}\nPage {n} body is about the {WORDS[n]}.\n{chapter}\nPage {n}")
    assert sentences(pages) == [(n, f"Page {n} body is about the {WORDS[n]}.") for n in range(1, 9)]


def test_few_pages_or_lines_that_repeat_on_few_pages_are_kept():
    # two pages: nothing repeats often enough to be told from the text
    assert [t for _, t in sentences(["Summary\nThe river rose.", "Summary\nThe river fell."])] == [
        "Summary The river rose.", "Summary The river fell."]
    # a first line repeated on 2 of 6 pages is text (and carries no changing number)
    pages = [f"Notes on the day\nEntry {WORDS[n]} ends here." if n < 2 else f"Entry {WORDS[n]} ends here."
             for n in range(6)]
    assert [t for _, t in sentences(pages)][:2] == [f"Notes on the day Entry {WORDS[0]} ends here.",
                                                   f"Notes on the day Entry {WORDS[1]} ends here."]


PAGE_WORDS = ["zero", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]


@st.composite
def documents(draw):
    """Pages of body lines (words), each with a running header and a page-number footer."""
    count = draw(st.integers(3, 7))
    header = draw(st.sampled_from(["Field Guide 2024", "BASH(1) General Commands Manual BASH(1)", "User Guide"]))
    pages, body = [], []
    for number in range(1, count + 1):
        lines = draw(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
                              min_size=1, max_size=4))
        # a page's own first and last lines differ from every other page's (body text, not a header)
        lines[0] = f"{PAGE_WORDS[number]} {lines[0]}"
        lines[-1] = f"{lines[-1]} {PAGE_WORDS[number]}"
        body += lines
        pages.append("\n".join([header, *lines, f"{number}"]))
    return pages, body


@settings(max_examples=60, deadline=None)
@given(documents())
def test_the_text_of_the_pages_is_their_body_lines_joined(document):
    pages, body = document
    text, line_map = _pdf_text(pages)
    assert text.split() == " ".join(body).split()
    # each page's text starts where the map says, and the map's pages are in order
    assert [page for _, page in line_map] == sorted(page for _, page in line_map)
    starts = {page: offset for offset, page in line_map}
    for number, page in enumerate(pages, start=1):
        assert text[starts[number]:].startswith(PAGE_WORDS[number] + " ")


def test_a_word_hyphenated_at_a_line_end_is_joined_unless_the_document_writes_it_with_a_hyphen():
    pages = [("The arithmetic expres-\nsion is evaluated by the well-\nknown rules of the\nshell. A well-known "
              "rule is kept. See Foo-\nBar and 1990-\n2000.\nThe text goes on to the next page where a long-\n"),
             "winded story ends."]
    text, _ = _pdf_text(pages)
    assert "expression is evaluated" in text
    assert "the well-known rules" in text  # written "well-known" elsewhere: the hyphen is the word's
    assert "Foo-\nBar" in text and "1990-\n2000" in text  # not lowercase letters either side
    assert "a longwinded story" in text  # across the page break


def test_ligatures_are_letters_and_other_compatibility_characters_are_kept():
    text, _ = _pdf_text([("The \ufb01nance of\ufb01ce \ufb02ew to the \ufb01le server. E\ufb00ort: "
                          "\ufb03x \ufb04y \ufb05 \ufb06. x\u00b2 costs \u00bd \u2122.")])
    assert text == "The finance office flew to the file server. Effort: ffix ffly st st. x\u00b2 costs \u00bd \u2122.\n"


def test_page_numbers_of_sentences_point_at_the_page_where_they_start():
    pages = ["Guide\nFirst page text. Then a sentence that\n1", "Guide\nends on page two. Page two text.\n2",
             "", "Guide\nPage four text.\n4"]
    assert sentences(pages) == [(1, "First page text."), (1, "Then a sentence that ends on page two."),
                                (2, "Page two text."), (4, "Page four text.")]


def test_a_heading_at_the_top_of_a_page_never_runs_into_the_last_sentence_of_the_page_before():
    # bashref p.15: "...if it was killed by signal n." ends page 14, "3.2.3 Pipelines" opens page 15
    pages = ["Shell Guide\nThe status is that of the last command, or 128+n if it was killed by signal n.\n14",
             "Shell Guide\n3.2.3 Pipelines\n\nA pipeline is a sequence of commands.\n15",
             "Shell Guide\nA sentence that runs over\n16", "Shell Guide\nthe page break (its end).\n17",
             "Shell Guide\n“Quoted words.”\n18", "Shell Guide\nPipes\n19"]
    assert sentences(pages) == [
        (1, "The status is that of the last command, or 128+n if it was killed by signal n."),
        (2, "3.2.3 Pipelines"), (2, "A pipeline is a sequence of commands."),
        (3, "A sentence that runs over the page break (its end)."), (5, "“Quoted words.”"), (6, "Pipes")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join),
                          st.sampled_from(["", ".", "?", ".)", ","])), min_size=1, max_size=6))
def test_pages_join_as_blocks_after_a_sentence_end_and_as_lines_otherwise(page_lines):
    pages = [f"{PAGE_WORDS[n % 8]} {words}{end}" for n, (words, end) in enumerate(page_lines)]
    text, line_map = _pdf_text(pages)
    assert text.split() == " ".join(pages).split()  # nothing lost, nothing added
    for (offset, number), (words, end) in zip(line_map[1:], page_lines):
        # what stands between a page and the next: a blank line after a sentence's end, a line break otherwise
        assert text[:offset].endswith(f"{words}{end}\n\n" if end and end != "," else f"{words}{end}\n")


def test_a_page_of_one_line_is_never_taken_for_a_running_header():
    # a photo book: one caption a page, the captions differing only in their numbers
    pages = [f"Photo {n} taken in 2019 at the lake." for n in range(1, 7)]
    assert sentences(pages) == [(n, page) for n, page in enumerate(pages, start=1)]
    # pages of one line among pages with a header: the one-line pages keep theirs (one with no sentence end runs on)
    pages = ["Guide\nThe river is wide.\n1", "Guide\nIt floods in May.\n2", "Guide", "Guide\nThe end.\n4", "5"]
    assert sentences(pages) == [(1, "The river is wide."), (2, "It floods in May."), (3, "Guide The end."), (5, "5")]


def handmade_pdf(pages: list[list[str]], mono: str = "Courier") -> bytes:
    """A valid PDF, written by hand: each page's lines set one under the other in Helvetica, with
    bytes 1 and 2 of the font's encoding drawn as the ligature glyphs /fi and /fl; a line that
    starts with a tab is set in the fixed-pitch font ``mono`` (a code example's), one that starts
    with "#" at 16 points instead of 11 (a heading's; "#*" in Helvetica-Bold), one that starts with "*" in Helvetica-Bold,
    one that starts with "~" at 8 points (a footnote's), the mark left out; "12\\tcode" is a listing's
    line: its number in Helvetica, the rest in ``mono``."""
    font = ("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
            "/BaseEncoding /WinAnsiEncoding /Differences [1 /fi 2 /fl] >> >>")
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, font,
               f"<< /Type /Font /Subtype /Type1 /BaseFont /{mono} /Encoding /WinAnsiEncoding >>",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        body = " T* ".join(f"({line.split(chr(9))[0]}) Tj /F2 11 Tf ( {line.split(chr(9), 1)[1]}) Tj /F1 11 Tf"
                           if re.match(r"\d+\t", line) else
                           f"/F2 11 Tf ({line[1:]}) Tj /F1 11 Tf" if line.startswith("\t") else
                           f"/F3 16 Tf ({line[2:]}) Tj /F1 11 Tf" if line.startswith("#*") else
                           f"/F1 16 Tf ({line[1:]}) Tj /F1 11 Tf" if line.startswith("#") else
                           f"/F3 11 Tf ({line[1:]}) Tj /F1 11 Tf" if line.startswith("*") else
                           f"/F1 8 Tf ({line[1:]}) Tj /F1 11 Tf" if line.startswith("~") else f"({line}) Tj"
                           for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 740 Td {body} ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_a_pdf_file_reads_as_its_body_text():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    data = handmade_pdf([
        ["Field Guide 2024", "Keep the con\\001guration \\001le next to the", "database; the work\\002ow expres-", "1"],
        ["Field Guide 2024", "sion is checked at start. Back up the", "\\001les every week.", "2"],
        ["Field Guide 2024", "Restore them with the same tool.", "3"]])
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), data))]
    assert got == [(1, "Keep the configuration file next to the database; the workflow expression is checked at start."),
                   (2, "Back up the files every week."), (3, "Restore them with the same tool.")]
    assert not any(re.search("[\ufb00-\ufb06]", text) for _, text in got)


def test_a_table_of_contents_and_an_index_are_left_out_and_their_titles_stand_alone():
    # R's manuals (texinfo): dot leaders, an entry wrapped over two lines, an index's letters;
    # gnuplot's (LaTeX): entries without leaders among those with, an index of "term, pages"
    contents = ("Table of Contents\nPreface . . . . . . . . . . . . . . . . 1\n1 Rivers and lakes ........... 2\n"
                "1.1 Why does the river rise in the\nspring? . . . . . . . . . . . . 3\nCanvas size 4\n"
                "2 Meadows . . . . . . . . . . . . . . . . . . 5")
    index = "Index\nA\nbudget, 2, 14\ngarden, 3, 7–9, 12,\n15, 21\nharbour . . . . . . . . . . . 4\n%\nlantern, 5"
    pages = ["A Field Guide", contents, "V Bugs 303\nVI Index 304", "Preface\nThe river rises in spring. Mind the",
             "banks.", index]
    assert sentences(pages) == [(1, "A Field Guide"), (2, "Table of Contents"),
                                (4, "Preface The river rises in spring."), (4, "Mind the banks."), (6, "Index")]


def test_dot_leaders_go_wherever_they_stand_and_ellipses_in_prose_stay():
    pages = ["The special argument is ....\nSee the summary\n3.4 Indexing ...................... 17\nbelow."]
    assert sentences(pages) == [(1, "The special argument is ...."), (1, "See the summary below.")]


def test_a_header_with_the_page_number_is_left_out_even_on_one_page_of_its_chapter():
    # R FAQ: a chapter's first page carries a bare number ("26"), its others "Chapter 6: R and Emacs 27";
    # chapter 6 has two pages, so its header stands on one page only
    pages = []
    for index in range(1, 9):
        printed = index + 10
        if index in (1, 4, 7):
            pages.append(f"{printed}\n{index} The {PAGE_WORDS[index]} chapter\nIts first page is about the {WORDS[index]}.")
        else:
            chapter = {2: "Chapter 1: Rivers", 3: "Chapter 1: Rivers", 5: "Chapter 4: Lakes",
                       6: "Chapter 4: Lakes", 8: "Chapter 7: Ends"}[index]
            pages.append(f"{chapter} {printed}\nThis page is about the {WORDS[index]} and\nthe {WORDS[index + 1]}.")
    got = sentences(pages)
    assert not any("Chapter" in text for _, text in got)
    assert (8, f"This page is about the {WORDS[8]} and the {WORDS[9]}.") in got
    # "1 The alpha chapter" on printed page 11 stays: a bare page number stood above it
    assert (1, f"1 The alpha chapter Its first page is about the {WORDS[1]}.") in got


def test_a_code_example_set_in_a_fixed_pitch_font_is_left_out_and_ends_the_sentence_before_it():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # R's manuals and gnuplot's: examples in cmtt, run into the prose around them
    # ("To produce a gray palette use: set palette model RGB set palette defined ...")
    pages = [["Field Guide", "To draw the river map use:", "\tset palette model RGB", "\tplot 'river.dat' with lines",
              "The map shows the banks. The R command", "\tobjects()", "lists what is stored.", "1"],
             ["Field Guide", "A term and what it means:", "\tsys.parents", "Get the labels of the calls.",
              "To see all of them run", "\tfor (i in 1:10) print(sys.call(i)) # and a comment that runs long", "2"],
             ["Field Guide", "A new page starts a sentence.", "3"]]
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == [(1, "To draw the river map use:"), (1, "The map shows the banks."),
                   (1, "The R command objects() lists what is stored."),  # a short line on its own is text
                   (2, "A term and what it means: sys.parents Get the labels of the calls."),
                   (2, "To see all of them run"), (3, "A new page starts a sentence.")]
    # a document set in a fixed-pitch font throughout (a text file printed to PDF) keeps its text
    pages = [["\tThe river rose in May.", "\tThe town was flooded.", "\tThe water went down."]]
    got = [s.text for s in sentences_of(extract(Path("notes.pdf"), handmade_pdf(pages)))]
    assert got == ["The river rose in May.", "The town was flooded.", "The water went down."]


def test_tex_accents_are_accented_letters_and_other_accent_marks_stay():
    text, _ = _pdf_text(["Wirtschaftsuniversit\u00a8at Fran\u00b8cois J\u00b4er\u02c6ome \u00b4Etienne Kul\u00b4\u0131k "
                         "Mu\u02dcnoz. Copyright c\u00a9 1990. Mean x\u00afy, set ’\u02dc a{x}, run `ls` or \u00b4a."])
    assert text == ("Wirtschaftsuniversit\u00e4t Fran\u00e7ois J\u00e9r\u00f4me \u00c9tienne Kul\u00edk Mu\u00f1oz. "
                    "Copyright \u00a9 1990. Mean x\u00afy, set ’\u02dc a{x}, run `ls` or \u00b4a.\n")


def test_a_heading_set_larger_than_the_text_is_a_sentence_of_its_own():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # R Language Definition p.60: "10.3.2 Identifiers" (cmbx12) ran into "Identifiers consist of ..."
    pages = [["Field Guide", "#1 Rivers", "#and their banks", "The river rises in spring and", "#1.1 Floods",
              "Floods come in May and", "1"],
             ["Field Guide", "#1.2 Bridges", "Bridges cross the river. A text line", "runs on.", "2"],
             ["Field Guide", "The next page follows a", "3"], ["Field Guide", "sentence that runs on.", "4"],
             # gnuplot's subsections: a bold line at the text's size ("Set datafile separator")
             ["Field Guide", "*Set river colour", "The command sets it.", "5"]]
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == [(1, "1 Rivers and their banks"), (1, "The river rises in spring and"), (1, "1.1 Floods"),
                   (1, "Floods come in May and"), (2, "1.2 Bridges"), (2, "Bridges cross the river."),
                   (2, "A text line runs on."), (3, "The next page follows a sentence that runs on."),
                   (5, "Set river colour"), (5, "The command sets it.")]


def test_a_url_broken_at_a_line_end_is_one_url_and_does_not_end_a_sentence():
    # R FAQ p.7: "It is free software (https://www." / "gnu.org/philosophy/free-sw.html) distributed"
    # was cut in two at "www."; pypdf also reads some breaks as a space ("https:// www.gnu.org")
    pages = ["It is free software (https://www.\ngnu.org/philosophy/free-sw.html) under a copyleft (https://\n"
             "www.gnu.org/copyleft/) and runs on\n", "(https://CRAN.R-project.org/ package=DBI) systems at https://a.stanford.\nedu/~tibs/. "
             "See (https://CRAN.\nR-project.org/x-\nray.html) too.\nThe home page is https://www.R-project.org/.\n"
             "It is free. See https://example.org/ for details."]
    assert sentences(pages) == [
        (1, "It is free software (https://www.gnu.org/philosophy/free-sw.html) under a copyleft "
            "(https://www.gnu.org/copyleft/) and runs on (https://CRAN.R-project.org/package=DBI) systems at https://a.stanford.edu/~tibs/."),
        (2, "See (https://CRAN.R-project.org/x-ray.html) too."), (2, "The home page is https://www.R-project.org/."),
        (2, "It is free."), (2, "See https://example.org/ for details.")]


def test_a_footnote_does_not_cut_the_sentence_that_runs_over_the_page_break():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # R Language Definition p.18: "If the first element of value1 is FALSE then" / footnote
    # "1 Evaluation always takes place in an environment." / p.19 "statement3 is evaluated."
    pages = [["Field Guide", "The river is wide.", "It floods in May. If the bank is low then",
              "~1 Evaluation of the bank takes a", "~survey of the river.", "1"],
             ["Field Guide", "the town is flooded. The end.", "2"],
             ["Field Guide", "A page with no full stop but a", "~2 A note.", "3"],
             ["Field Guide", "note of its own.", "~3 Another one.", "4"]]
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    # the notes move to after the page's first line that ends a sentence, and stay on page 1
    assert got == [(1, "The river is wide."), (1, "1 Evaluation of the bank takes a survey of the river."),
                   (1, "It floods in May."), (1, "If the bank is low then the town is flooded."), (2, "The end."),
                   # with no line that ends a sentence, a page keeps its notes where they are, a block of their own
                   (3, "A page with no full stop but a"), (3, "2 A note."), (4, "note of its own."), (4, "3 Another one.")]


def test_a_url_on_a_line_of_its_own_stays_in_its_sentence_and_ends_it():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # Asymptote's manual (texinfo) p.7: "Examples ... are available at" / a URL set in cmtt on its
    # own line, which was left out as a code example, and the next paragraph ran into a URL in the text font
    pages = [["Examples of the river maps are available at", "\thttps://example.org/river-maps/gallery/index/",
              "Clicking on a map shows its source.", "A quick card is at", "\thttps://example.org/card.pdf",
              "Try it in the Web application at", "http://maps.example.org", "It also takes commands by mail.",
              "The surveyors are at", "\tsurvey@example.org", "Write to them. The package is at",
              "\\(https://CRAN.", "R-project.org/package=DBI\\).", "It reads maps. The logo is drawn by",
              "\tlabel minipage \"Field Guide\", \\\\", "\thttps://example.org/river-maps/gallery/index/",
              "\tclip unitcircle, evenodd;"]]
    got = [s.text for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == ["Examples of the river maps are available at https://example.org/river-maps/gallery/index/",
                   "Clicking on a map shows its source.", "A quick card is at https://example.org/card.pdf",
                   "Try it in the Web application at http://maps.example.org", "It also takes commands by mail.",
                   "The surveyors are at survey@example.org", "Write to them.",
                   "The package is at (https://CRAN.R-project.org/package=DBI).", "It reads maps.",
                   "The logo is drawn by"]  # (a URL inside a code example is code)
    # gnuplot's manual p.22-23: the URL ends a page, the next sentence opens the next one
    pages = [["A resource for help with river maps is", "\thttps://stackoverflow.com/questions/tagged/rivers"],
             ["Bug reports go to the tracker."]]
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == [(1, "A resource for help with river maps is https://stackoverflow.com/questions/tagged/rivers"),
                   (2, "Bug reports go to the tracker.")]


def test_a_pdf_without_text_is_skipped_saying_so():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    from simsearch.extract import Skip

    # a scanned paper (page images only) was indexed with no sentence and no word of warning
    with pytest.raises(Skip, match=r"no text .*scanned"):
        extract(Path("scan.pdf"), handmade_pdf([[], [" "]]))
    # a PDF with text on one page of many is read
    assert [s.text for s in sentences_of(extract(Path("scan.pdf"), handmade_pdf([[], ["The river rose."]])))] == [
        "The river rose."]


def test_a_password_protected_pdf_is_skipped_saying_so():
    pypdf = pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    import io

    from simsearch.extract import Skip

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(handmade_pdf([["The river rose."]])))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    # it said "unreadable PDF (FileNotDecryptedError)"
    with pytest.raises(Skip, match=r"^password-protected PDF"):
        extract(Path("locked.pdf"), out.getvalue())


def test_headings_one_under_another_are_one_only_when_set_alike_and_the_second_has_no_number():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # asy-latex.pdf p.1 (LaTeX): "The asymptote package John Bowman, Tom Prince, and Will Robertson
    # 2021/12/29 v1.37 Abstract" and "2 User syntax 2.1 Package loading and options" were one sentence each
    pages = [["#The river guide", "*Abstract", "The river rises in May.", "#1 Introduction", "#2 Rivers",
              "*2.1 Banks", "The banks are high.", "#Flood plains and", "#their meadows", "The meadows are wet.",
              # R FAQ 7.41: a wrapped heading's middle line holds "R^2" in a code font, not in bold
              "#*7.41 Why does the river rise", "#in spring?", "It snows in the hills all winter, and in spring the snow melts",
              "into the brooks that feed the river."],
             # LaTeX's \\part and \\chapter: "Part I" (huge) above its title (Huge)
             ["*Part II", "#Bridges", "The bridges cross the river where it is narrow, and the town grew around them",
              "over the centuries."]]
    got = [s.text for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == ["The river guide", "Abstract", "The river rises in May.", "1 Introduction", "2 Rivers",
                   "2.1 Banks", "The banks are high.", "Flood plains and their meadows", "The meadows are wet.",
                   "7.41 Why does the river rise in spring?",
                   "It snows in the hills all winter, and in spring the snow melts into the brooks that feed the river.",
                   "Part II Bridges",
                   "The bridges cross the river where it is narrow, and the town grew around them over the centuries."]


def test_a_code_listing_with_line_numbers_is_left_out():
    pytest.importorskip("pypdf", reason="the [pdf] extra is not installed")
    # asy-latex.pdf (LaTeX's doc class), listings' numbers=left: the numbers in cmr7, the code in
    # cmtt; "69 \\DeclareOption{inline}{% 70 \\ASYinlinetrue 71 } 72 ..." was stored as sentences
    listing = [f"{number}\t{code}" for number, code in enumerate(
        ["newif ifriver", "if (xetex) {", "  river = true;", "} else {", "  def riverext{pdf}", "}"], start=81)]
    pages = [["Note this is not quite the same as the river test.", *listing, "The banks are high.", "Then"],
             ["the meadows are wet.", *listing, "The town is dry."]]
    got = [(s.line, s.text) for s in sentences_of(extract(Path("guide.pdf"), handmade_pdf(pages)))]
    assert got == [(1, "Note this is not quite the same as the river test."), (1, "The banks are high."),
                   (1, "Then the meadows are wet."), (2, "The town is dry.")]


def test_glyphs_read_as_control_characters_are_bullets_at_a_line_start_and_spaces_elsewhere():
    """gnuplot's manual (TeX fonts without a ToUnicode map): its bullets read "\\x88", so items were
    glued into one sentence ("…by the platform. \\x88 Integer overflow is …") and stored with the
    control character; R's reference manual draws big parentheses as "\\x12" and "\\x13"."""
    page = ("Support for integer arithmetic\n\x88 All evaluation uses 64-bit integers if the platform has them.\n"
            "\x88 Integer overflow is detected and handled.\nThe density is p(x) = \x12n x\x13 for every x.\n")
    assert sentences([page]) == [(1, "Support for integer arithmetic"),
                                 (1, "• All evaluation uses 64-bit integers if the platform has them."),
                                 (1, "• Integer overflow is detected and handled."),
                                 (1, "The density is p(x) = n x for every x.")]
