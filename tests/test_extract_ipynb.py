"""The Jupyter notebook reader (session 44): ``.ipynb`` files, where many data people keep their
notes, were not read at all (``simsearch index ./notebooks`` found no file to index). Cases from
nbsphinx 0.9.8's documentation notebooks and nbformat 5.11.1's test notebooks (nbformat 4, 3, 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsearch.extract import READABLE, FoundFile, Skip, extract, format_of, reads_name, walk

from .textgen import WORDS, read


def notebook(*cells: dict, indent: int | None = 1, **top) -> str:
    """A notebook as Jupyter writes it (``indent=1``, one source line per JSON line), or minified (None)."""
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top},
                      indent=indent, ensure_ascii=False) + "\n"


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)  # (as nbformat writes a source: each line with its end)


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": lines(text)}


def code(text: str, output: str = "") -> dict:
    outputs = [{"name": "stdout", "output_type": "stream", "text": lines(output)}] if output else []
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": outputs, "source": lines(text)}


def ipynb(source: str) -> list[tuple[int, str]]:
    return read("notes.ipynb", source)


def texts(source: str) -> list[str]:
    return [text for _, text in ipynb(source)]


def line_of(source: str, needle: str) -> int:
    """The (first) line of the file that holds ``needle``."""
    return next(number for number, line in enumerate(source.splitlines(), 1) if needle in line)


def test_a_notebook_is_found_and_read_as_a_notebook(tmp_path):
    (tmp_path / "analysis.ipynb").write_text(notebook(markdown("# Sales\n\nRevenue rose in May.")))
    (tmp_path / "Old.IPYNB").write_text(notebook(markdown("Plain prose.")))
    (tmp_path / ".ipynb_checkpoints").mkdir()  # (Jupyter's autosaves: a hidden folder, left out)
    (tmp_path / ".ipynb_checkpoints" / "analysis-checkpoint.ipynb").write_text(notebook(markdown("An older copy.")))
    assert format_of(Path("analysis.ipynb")) == format_of(Path("Old.IPYNB")) == "notebook"
    assert reads_name(Path("analysis.ipynb")) and ".ipynb" in READABLE
    assert sorted(found.path.name for found in walk([tmp_path]) if isinstance(found, FoundFile)) == ["Old.IPYNB", "analysis.ipynb"]
    source = (tmp_path / "analysis.ipynb").read_text()
    assert extract(Path("analysis.ipynb"), source.encode()).format == "notebook"
    assert texts(source) == ["Sales", "Revenue rose in May."]


def test_markdown_cells_are_read_as_markdown_and_code_outputs_and_raw_cells_are_left_out():
    """nbsphinx's raw-cells.ipynb and code-cells.ipynb: a code cell's source and its outputs (a
    stream, an execute_result's text/plain and text/html, an error's traceback) and a raw cell are
    no prose of the notebook."""
    result = {"data": {"text/plain": ["'The result of the computation'"], "text/html": ["<b>An HTML result</b>"]},
              "execution_count": 2, "metadata": {}, "output_type": "execute_result"}
    error = {"ename": "ZeroDivisionError", "evalue": "division by zero", "output_type": "error",
             "traceback": ["ZeroDivisionError: division by zero in the traceback"]}
    cells = [
        markdown("# Markdown Cells\n\nWe can use *emphasis*, **boldface**, `preformatted text`.\n\n"
                 "```python\nprint('a fenced block in markdown')\n```\n\n* One\n* Two"),
        code("print('hello from a code cell')", "hello from a stream output"),
        {**code("6 * 7"), "outputs": [result, error]},
        {"cell_type": "raw", "metadata": {"raw_mimetype": "text/restructuredtext"},
         "source": lines(".. note:: A raw reST cell is left out.")},
        markdown("The end."),
    ]
    assert texts(notebook(*cells)) == ["Markdown Cells", "We can use emphasis, boldface, preformatted text.",
                                       "One", "Two", "The end."]


def test_each_cell_is_a_block_of_its_own():
    """A cell that ends without a full stop does not run into the next cell's words."""
    source = notebook(markdown("Load the data from the warehouse"), code("df = load()"),
                      markdown("then clean it up"), markdown("Results are below"))
    assert texts(source) == ["Load the data from the warehouse", "then clean it up", "Results are below"]


def test_a_sentence_s_line_is_the_line_of_the_notebook_file_that_holds_it():
    source = notebook(
        markdown("# Title\n\nFirst paragraph, one line.\n\nA paragraph wrapped\nover two lines. Its second sentence."),
        code("x = 1\ny = 2", "3"),
        markdown("- an item\n- another item"))
    assert ipynb(source) == [
        (line_of(source, '"# Title'), "Title"),
        (line_of(source, '"First paragraph'), "First paragraph, one line."),
        (line_of(source, '"A paragraph wrapped'), "A paragraph wrapped over two lines."),
        (line_of(source, '"over two lines'), "Its second sentence."),
        (line_of(source, '"- an item'), "an item"),
        (line_of(source, '"- another item'), "another item"),
    ]


def test_a_source_written_as_one_string_points_at_the_line_where_it_begins():
    """Some tools write a cell's source as one string: its lines are all on that line of the file."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "Intro sentence.\n\nA second paragraph here."},
             {"cell_type": "markdown", "metadata": {}, "source": "Last cell."}]
    source = notebook(*cells)
    assert ipynb(source) == [(line_of(source, '"Intro sentence.'), "Intro sentence."),
                             (line_of(source, '"Intro sentence.'), "A second paragraph here."),
                             (line_of(source, '"Last cell.'), "Last cell.")]


def test_a_minified_notebook_points_at_line_1():
    source = notebook(markdown("One sentence.\n\nAnother one."), code("x = 1"), markdown("A third."), indent=None)
    assert source.count("\n") == 1
    assert ipynb(source) == [(1, "One sentence."), (1, "Another one."), (1, "A third.")]


def test_a_multiline_string_and_crlf_line_ends_map_to_the_file_s_lines():
    """A source list whose strings hold several lines (a hand-edited notebook), written with CRLF
    line ends (a notebook saved on Windows): each line of the cell is on its string's line."""
    cell = {"cell_type": "markdown", "metadata": {}, "source": ["First line.\nSecond line.\n", "\n", "Third line."]}
    source = notebook(cell).replace("\n", "\r\n")
    first, third = line_of(source, '"First line.'), line_of(source, '"Third line.')
    assert third == first + 2
    assert ipynb(source) == [(first, "First line."), (first, "Second line."), (third, "Third line.")]


def test_nbformat_3_worksheets_and_heading_cells_and_nbformat_2_lines_without_ends():
    """nbformat's test3.ipynb: cells in worksheets, a heading cell, a code cell's ``input``; its
    test2.ipynb (nbformat 2) writes a cell's lines without their ends, which join with newlines."""
    v3 = json.dumps({"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["nbconvert latex test"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Lorem ipsum dolor sit amet.\n", "Nunc luctus bibendum."]},
        {"cell_type": "code", "collapsed": False, "input": ["print('hello')"], "language": "python", "metadata": {},
         "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["hello\n"]}]},
        {"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Printed Using Python"]}]}]}, indent=1)
    assert ipynb(v3) == [(line_of(v3, '"nbconvert latex test'), "nbconvert latex test"),
                         (line_of(v3, '"Lorem'), "Lorem ipsum dolor sit amet."),
                         (line_of(v3, '"Nunc'), "Nunc luctus bibendum."),
                         (line_of(v3, '"Printed'), "Printed Using Python")]
    v2 = json.dumps({"metadata": {"name": "intro"}, "nbformat": 2, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# An introduction to the Jupyter notebook", "",
                                             "The IPython web notebook is a frontend that allows for new modes",
                                             "of interaction with IPython."]}]}]}, indent=1)
    assert ipynb(v2) == [(line_of(v2, '"# An intro'), "An introduction to the Jupyter notebook"),
                         (line_of(v2, '"The IPython'), "The IPython web notebook is a frontend that allows for "
                                                       "new modes of interaction with IPython.")]


def test_empty_notebooks_give_no_sentences():
    for source in [notebook(), notebook(markdown(""), code("x = 1")), "", "\n",
                   notebook({"cell_type": "markdown", "metadata": {}, "source": []})]:
        assert ipynb(source) == []


@pytest.mark.parametrize("source, reason", [
    ('{"cells": [\n  {"cell_type": "markdown", "source": ["Hi.\\n",]}\n]}\n',
     "not a notebook: invalid JSON on line 2, column 48 (Expecting value)"),
    ("# Notes\nNot JSON at all.\n", "not a notebook: invalid JSON on line 1, column 1 (Expecting value)"),
    ('[{"cell_type": "markdown"}]', 'not a notebook: JSON, but a list without a "cells" list'),
    ('{"metadata": {}, "nbformat": 4}', 'not a notebook: JSON, but an object without a "cells" list'),
    ("42", 'not a notebook: JSON, but a single value without a "cells" list'),
    ('{"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0}',  # (nbformat's test3_no_worksheets.ipynb)
     'not a notebook: nbformat 3 JSON without its "worksheets" list'),
])
def test_a_file_that_is_no_notebook_is_skipped_with_the_reason(source, reason):
    with pytest.raises(Skip, match=re.escape(reason)):
        extract(Path("broken.ipynb"), source.encode())


def test_odd_cells_are_passed_over_and_the_rest_is_read():
    """A cell that is no object, has no type or a source of another kind is not read; the others are."""
    cells = ["a string", {"metadata": {}}, {"cell_type": "markdown", "source": 7},
             {"cell_type": "markdown", "source": ["x", 1]}, markdown("Still read.")]
    assert texts(notebook(*cells)) == ["Still read."]


def test_index_skips_a_broken_notebook_with_one_line_and_reads_the_rest(tmp_path, run_cli, index_model):
    docs = tmp_path / "notebooks"
    docs.mkdir()
    (docs / "good.ipynb").write_text(notebook(markdown("Revenue rose in May after the price change."),
                                              code("print('secret code text')", "secret output text")))
    (docs / "broken.ipynb").write_text('{"cells": [\n  {"cell_type": "markdown", "source": ["Hi.\\n",]}\n]}\n')
    (docs / "list.ipynb").write_text("[1, 2, 3]\n")
    db = tmp_path / "index.db"
    code_, out, err = run_cli("index", docs, "--db", db, "-m", index_model, "--device", "cpu")
    assert code_ == 0, err
    assert "Traceback" not in err
    assert "/broken.ipynb: skipped: not a notebook: invalid JSON on line 2, column 48 (Expecting value)\n" in err
    assert '/list.ipynb: skipped: not a notebook: JSON, but a list without a "cells" list\n' in err
    assert "2 skipped" in out
    code_, out, err = run_cli("search", "revenue in May", "--db", db, "-m", index_model, "--json", "-k", "5")
    assert code_ == 0, err
    hits = [json.loads(line) for line in out.splitlines() if line.strip()]
    found = [(Path(hit["path"]).name, hit["line"], hit["text"]) for hit in hits]
    assert found == [("good.ipynb", 7, "Revenue rose in May after the price change.")], found


# --- property: markdown words in, code never ------------------------------------------------------

_WORD_LIST = list(WORDS)
_CODE_WORDS = [f"zq{word}" for word in _WORD_LIST[:40]]  # (no prose word: "zq" starts none)


@st.composite
def notebook_cells(draw):
    """Random markdown cells of sentences (some wrapped, some written as one string) and code cells
    of words that no markdown cell has, each with an output."""
    cells, prose = [], []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            sentences = [" ".join(draw(st.lists(st.sampled_from(_WORD_LIST), min_size=2, max_size=9))).capitalize() + "."
                         for _ in range(draw(st.integers(1, 3)))]
            wrap_at = draw(st.integers(20, 80))
            text, line = [], ""
            for word in " ".join(sentences).split():
                if line and len(line) + 1 + len(word) > wrap_at:
                    text.append(line)
                    line = ""
                line = f"{line} {word}" if line else word
            text.append(line)
            body = "\n".join(text)
            if draw(st.booleans()):  # a heading, its own sentence
                title = " ".join(draw(st.lists(st.sampled_from(_WORD_LIST), min_size=1, max_size=4)))
                body = f"# {title}\n\n{body}"
                sentences = [title, *sentences]
            cell = markdown(body)
            if draw(st.booleans()):
                cell["source"] = body  # (one string)
            cells.append(cell)
            prose.append(sentences)
        else:
            words = draw(st.lists(st.sampled_from(_CODE_WORDS), min_size=1, max_size=8))
            cells.append(code(" = ".join(words) + "\n" + " ".join(words), " ".join(reversed(words))))
    return cells, prose


@settings(max_examples=200, deadline=None)
@given(notebook_cells(), st.sampled_from([1, 2, None]))
def test_every_markdown_word_is_read_no_code_word_ever_and_each_line_holds_its_sentence_s_first_word(drawn, indent):
    cells, prose = drawn
    source = notebook(*cells, indent=indent)
    found = ipynb(source)
    words = " ".join(text for _, text in found).split()
    assert [word.strip(".").lower() for word in words] == [
        word.strip(".").lower() for sentences in prose for sentence in sentences for word in sentence.split()]
    assert not any(word.startswith("zq") for word in words)
    file_lines = source.splitlines()
    for line, text in found:
        first = text.split()[0].strip(".")
        held = file_lines[line - 1].replace("\\n", " ")  # (the line as JSON writes it: "\n" ends a line of the cell)
        assert re.search(rf"\b{re.escape(first)}\b", held, re.IGNORECASE), (line, text)


@settings(max_examples=100, deadline=None)
@given(notebook_cells(), st.sampled_from([1, 2, None]))
def test_the_panel_s_lines_are_the_file_s_with_markdown_text_and_no_json_or_code(drawn, indent):
    """Session 45: the TUI's context panel showed a notebook hit among the file's raw JSON lines
    (`"source": [`, `"The boat is ready.\n",`). It shows the markdown cells' text on the file's
    own lines, so a hit's line is the same line, and nothing else."""
    from simsearch.extract.ipynb import notebook_lines

    cells, _ = drawn
    source = notebook(*cells, indent=indent)
    shown = notebook_lines(source)
    assert len(shown) == len(source.splitlines())
    panel = " ".join(shown)
    assert not any(word.startswith("zq") for word in panel.split()) and '"' not in panel and "\\n" not in panel
    for line, text in ipynb(source):
        first = text.split()[0].strip(".")
        assert re.search(rf"\b{re.escape(first)}\b", shown[line - 1], re.IGNORECASE), (line, text, shown[line - 1])


def test_the_context_panel_shows_a_notebook_s_text_not_its_json(tmp_path, index_model):
    from simsearch.indexer import index
    from simsearch.search import Searcher
    from simsearch.store import Store
    from simsearch.widgets import Excerpt, read_excerpt

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "trip.ipynb").write_text(notebook(markdown("# Boats\n\nThe boat is ready.\nCome soon."),
                                              code("boat = 1"), markdown("The harbour is calm.")))
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model)], progress=False)
    hit = next(h for h in Searcher.open(store, str(index_model)).search("boat", 10, context=2)
               if h.text == "The boat is ready.")
    excerpt = read_excerpt(store, hit)
    assert isinstance(excerpt, Excerpt)
    shown = [line for line in excerpt.lines if line]
    assert "The boat is ready." in shown and not any('"' in line or "cell_type" in line for line in excerpt.lines)
    assert excerpt.lines[hit.line - excerpt.first].startswith("The boat is ready.")
