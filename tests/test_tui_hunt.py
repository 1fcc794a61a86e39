"""Defects found driving `simsearch tui` in a real terminal (tmux). Each test fails on the code
as it was found."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from simsearch.indexer import index
from simsearch.store import Store
from simsearch.tui import CompareApp, ModelPicker
from simsearch.widgets import ContextPanel

from .test_index import write_docs
from .test_tui import _context, ask, run_app, settle, table_column, two_model_index, two_model_indexes  # noqa: F401


def _write_from_another_process(db: Path, table: str) -> None:
    """What `simsearch index` does from another shell: open, write, commit, close."""
    code = textwrap.dedent(f"""
        import sqlite3
        conn = sqlite3.connect({str(db)!r}, isolation_level=None)
        conn.execute("CREATE TABLE {table} (x)")
        conn.close()
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_second_store_open_in_one_process_does_not_orphan_the_first_ones_wal(tmp_path):
    """The TUI opens one index three times in one process (the app's store, and each pane's
    `Searcher` store; again on every reload). `_check_database_file` opens and closes the
    database file with Python's `open`, and closing any descriptor of a file drops all of the
    process's POSIX locks on it, the first connection's SHARED lock included. The next writer
    from another shell (`simsearch index`) then believes it is the last connection, checkpoints
    and deletes -wal and -shm under the open TUI, whose connections keep reading the deleted
    files: from then on the TUI never sees the index change again (a file indexed from another
    shell is not found; the CLI finds it)."""
    db = tmp_path / "index.db"
    Store.open(db).close()
    first = Store.open(db, create=False, readonly=True)
    first.conn.execute("SELECT count(*) FROM documents").fetchone()  # a read: its WAL is open
    second = Store.open(db, create=False, readonly=True)  # a pane loading its model
    try:
        _write_from_another_process(db, "one")
        assert Path(f"{db}-wal").exists(), "the writer deleted the WAL under two open connections"
        _write_from_another_process(db, "two")
        tables = {row[0] for row in first.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"one", "two"} <= tables, "the first connection no longer sees what is committed"
    finally:
        second.close()
        first.close()


def test_switching_quickly_to_lexical_while_a_failing_load_runs_still_answers_by_words(tmp_path, index_model,
                                                                                       monkeypatch):
    """A pane whose model folder is gone shows the error; README: lexical mode works without
    the folder. Pressing `m` twice quickly (hybrid -> dense -> lexical): the first press reloads
    for dense (which clears the error); the second finds no error and no searcher, so it does not
    reload; the dense load then fails, and the pane stays broken in lexical mode (one press at a
    time works)."""
    from .tiny_bert import create_random_bert

    trained = create_random_bert(tmp_path / "gone-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=5)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(index_model), str(trained)], progress=False)
    store.close()
    shutil.rmtree(trained)
    import time

    from simsearch import widgets

    opened = widgets.Searcher.open

    def slow_open(*args, **kwargs):  # a real index takes seconds to open: a key press comes meanwhile
        time.sleep(0.5)
        return opened(*args, **kwargs)

    async def scenario(app, pilot):
        await ask(app, pilot, "A list item on travel 1.")
        monkeypatch.setattr(widgets.Searcher, "open", slow_open)
        right = app.panes["right"]
        assert right.error is not None  # the folder is gone: said in its title
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("m", "m")  # hybrid -> dense -> lexical, faster than a load
        await settle(app, pilot)
        assert app.mode == "lexical"
        assert right.error is None and right.searcher is not None, right.error
        assert table_column(app, "right", "text"), "the right pane answers by words"

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="hybrid"), scenario)


def test_rows_are_shortened_for_the_panes_width_after_a_resize(tmp_path, index_model):
    """Rows are cut to the pane's width when the answer arrives (`watch_answer`) and never again:
    a query run in a narrow terminal keeps its 24-character sentences after the terminal is made
    wide (until the next query), with most of the pane empty."""
    docs = tmp_path / "docs"
    docs.mkdir()
    sentence = "The apple tree in the north corner of the garden needs pruning every February."
    (docs / "garden.md").write_text(sentence + "\n")
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model)], progress=False)
    store.close()

    async def scenario(app, pilot):
        await ask(app, pilot, "apple tree pruning")
        assert table_column(app, "left", "text")[0].startswith(sentence[:20])
        await pilot.resize_terminal(200, 40)
        await settle(app, pilot)
        shown = table_column(app, "left", "text")[0].split("\n")[0]
        assert shown == sentence, f"still cut for the narrow terminal: {shown!r}"

    run_app(CompareApp(tmp_path / "index.db", show_timings=False), scenario, size=(60, 30))


def test_no_index_at_the_given_db_says_the_command_that_builds_that_one(tmp_path, monkeypatch):
    """Was: `simsearch tui --db X` with no index at X suggested `simsearch index ~/notes`, which
    builds the default index, not X; the default index's hint needs no --db."""
    from simsearch.store import default_db_path

    missing = tmp_path / "my index.db"

    async def scenario(app, pilot):
        await settle(app, pilot)
        assert f"simsearch index ~/notes --db '{missing}'" in app.problem
        assert f"simsearch tui --db '{missing}'" in app.problem

    run_app(CompareApp(missing, show_timings=False), scenario)
    monkeypatch.setenv("SIMSEARCH_DB", str(tmp_path / "default.db"))

    async def default(app, pilot):
        await settle(app, pilot)
        assert "simsearch index ~/notes\n" in app.problem and "--db" not in app.problem

    run_app(CompareApp(default_db_path(), show_timings=False), default)
    assert not missing.exists() and not (tmp_path / "default.db").exists()


def test_a_query_that_finds_nothing_says_so_in_each_pane(tmp_path, index_model):
    """Was: both panes left empty, with only "overlap@10: 0/0" below them."""
    from .tiny_bert import create_random_bert

    other = create_random_bert(tmp_path / "other-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 3)], [str(index_model), str(other)], progress=False)
    store.close()

    async def scenario(app, pilot):
        await ask(app, pilot, "zzzqqqxx")
        for side in ("left", "right"):
            assert table_column(app, side, "text") == ["no results for 'zzzqqqxx' in lexical mode"]
        await pilot.press("tab", "enter", "e")  # nothing to select, nothing to open: no error
        await settle(app, pilot)
        assert app.is_running

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario)


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_an_index_without_sentences_says_how_to_fill_it_as_the_cli_does(tmp_path, index_model, mode):
    """Was: "no results for 'birds' in dense mode", as for a query that matched nothing."""
    (tmp_path / "empty").mkdir()
    store = Store.open(tmp_path / "index.db")
    index(store, [tmp_path / "empty"], [str(index_model)], progress=False)
    store.close()

    async def scenario(app, pilot):
        await ask(app, pilot, "birds")
        [text] = table_column(app, "left", "text")  # (the index's path is cut to the pane's width)
        assert text.startswith("no results: the index holds no sentences;\nadd a folder with simsearch index FOLDER --db ")

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode=mode), scenario)

def test_an_index_updated_from_another_shell_is_searched_and_counted_as_it_now_is(tmp_path, index_model):
    """The whole of the worst finding, through the app: the TUI open (its store and each pane's),
    `simsearch index` run twice from another process on a new file, then a query: the new
    sentences are found, and the pane's title counts them (it kept the count of its load)."""
    docs = write_docs(tmp_path / "docs", 3)
    db = tmp_path / "index.db"
    store = Store.open(db)
    index(store, [docs], [str(index_model)], progress=False)
    before = store.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
    store.close()

    def index_from_another_process():
        done = subprocess.run([sys.executable, "-m", "simsearch", "index", str(docs), "--db", str(db),
                               "-m", str(index_model)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    async def scenario(app, pilot):
        await ask(app, pilot, "zebrafinch")
        assert table_column(app, "left", "text") == ["no results for 'zebrafinch' in lexical mode"]
        (docs / "birds.txt").write_text("The zebrafinch sings at dawn.\n")
        index_from_another_process()
        (docs / "birds.txt").write_text("The zebrafinch sings at dawn.\n\nThe zebrafinch eats millet seeds.\n")
        index_from_another_process()
        await ask(app, pilot, "zebrafinch")
        assert [text.split("\n")[0] for text in table_column(app, "left", "text")] == [
            "The zebrafinch sings at dawn.", "The zebrafinch eats millet seeds."]
        assert f"{before + 2:,} sentences" in str(app.query_one("#left-title").render())
        assert Path(f"{db}-wal").exists()

    run_app(CompareApp(db, show_timings=False, mode="lexical"), scenario)


@pytest.fixture
def two_models(tmp_path, index_model, monkeypatch) -> Path:
    """An index of four notes with two models; the working directory is the index's folder."""
    from .tiny_bert import create_random_bert

    other = create_random_bert(tmp_path / "other-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 4)], [str(index_model), str(other)], progress=False)
    store.close()
    monkeypatch.chdir(tmp_path)  # locations as docs/…, short enough for a narrow pane
    return tmp_path / "index.db"


def test_a_score_reads_the_same_in_the_table_and_in_the_context_panel(two_models):
    """Was: in hybrid mode a pane's table said 0.0948 (as `simsearch search` prints it) and the
    context panel 0.095, for the selected hit and for its score on the other side."""

    def shown(app, side: str) -> dict[int, str]:
        """Each row's "rank N, score S" as its table shows them, by sentence id."""
        table = app.query_one(f"#{side}-table", DataTable)
        cells = {int(row.value): str(table.get_cell(row, "hit")).split() for row in table.rows}
        return {sentence: f"rank {cell[0]}, score {cell[1]}" for sentence, cell in cells.items()}

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        for mode in ("hybrid", "dense"):  # hybrid's fused scores are small: shown with four decimals
            assert app.mode == mode
            left, right = shown(app, "left"), shown(app, "right")
            app.query_one("#left-table", DataTable).focus()
            await pilot.press("down")
            await pilot.pause()
            hit = app.selected[1]
            detail = _context(app)
            assert left[hit.sentence_id] in detail, (left[hit.sentence_id], detail)
            assert hit.sentence_id in right and right[hit.sentence_id] in detail, (right[hit.sentence_id], detail)
            await pilot.press("m")  # hybrid -> dense
            await settle(app, pilot)

    # (wide enough for the context panel's whole head, which names the models by their folders)
    run_app(CompareApp(two_models, show_timings=False, mode="hybrid"), scenario, size=(250, 40))


def test_ctrl_q_while_a_model_loads_quits_without_waiting_for_the_load(tmp_path, index_model, monkeypatch):
    """Was: Ctrl+Q while the models loaded took about 5 s. The load ran in a thread worker, on
    asyncio's default executor, whose threads the app's ``asyncio.run`` (and then the interpreter)
    waits for at exit. Here the load is held until the test lets it go: the app, and the loop it
    ran in, have finished while it still is, and nothing at interpreter exit waits for it."""
    store = Store.open(tmp_path / "index.db")
    index(store, [write_docs(tmp_path / "docs", 2)], [str(index_model)], progress=False)
    store.close()
    from simsearch import widgets

    started, release, returned = threading.Event(), threading.Event(), threading.Event()
    loaders = []
    opened = widgets.Searcher.open

    def held_open(*args, **kwargs):
        loaders.append(threading.current_thread())
        started.set()
        release.wait(timeout=30)  # only a guard: a quit that waits for the load ends after it, and fails
        returned.set()
        return opened(*args, **kwargs)

    monkeypatch.setattr(widgets.Searcher, "open", held_open)
    app = CompareApp(tmp_path / "index.db", show_timings=False, mode="dense")

    async def main():
        async with app.run_test() as pilot:
            for _ in range(1000):
                if started.is_set():
                    break
                await pilot.pause(0.01)
            assert started.is_set(), "the model's load did not start"
            await pilot.press("ctrl+q")
        assert not app.is_running

    try:
        asyncio.run(main())  # as `App.run` runs the app
        assert not returned.is_set(), "quitting waited for the model's load"
        assert all(thread.daemon for thread in loaders), "the interpreter would wait for the load at exit"
    finally:
        release.set()


def screen_lines(app) -> list[str]:
    """The screen's text as the terminal shows it, row by row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def shown_in(app, widget) -> list[str]:
    """The screen's text within ``widget``'s region: what of it is visible."""
    region = widget.region
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]


LONG_LINE = ("A long line of the note about the weather, the garden, the river and the hills, with many more "
             "words after those, and then about the town, the market, the bridge and the old mill by the water, "
             "and still more about the roads, the fields and the woods beyond them, so that it wraps five or six "
             "times in the context panel of a terminal 80 columns wide ({}).")


def _index_one_note(tmp_path, index_model, name: str, text: str) -> None:
    """An index (tmp_path/index.db) of one note, ``name``, holding ``text``."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / name).write_text(text)
    store = Store.open(tmp_path / "index.db")
    index(store, [notes], [str(index_model)], progress=False)
    store.close()


async def _select_the_zebrafinch(app, pilot) -> ContextPanel:
    """Ask for "zebrafinch", put the cursor on the first result; the context panel."""
    await ask(app, pilot, "zebrafinch")
    app.query_one("#left-table", DataTable).focus()
    await settle(app, pilot)
    return app.query_one(ContextPanel)


def test_the_context_panel_shows_the_hits_line_and_scrolls_from_the_keyboard(tmp_path, index_model):
    """Was: the context panel showed the hit's excerpt from its top. With long lines above the
    hit (up to three, each wrapped) or a short panel, the hit's own line lay below the panel's
    edge, and the panel could not be scrolled from the keyboard (it was not focusable)."""
    _index_one_note(tmp_path, index_model, "long.md", "\n".join(LONG_LINE.format(n) for n in range(1, 6))
                    + "\n\nThe zebrafinch sings at dawn.\n\nA closing line.\n")

    async def scenario(app, pilot):
        panel = await _select_the_zebrafinch(app, pilot)
        assert app.selected[1].text == "The zebrafinch sings at dawn."
        assert panel.max_scroll_y > 0, "the test needs an excerpt taller than the panel"
        assert any("7 │ The zebrafinch sings at dawn." in line for line in shown_in(app, panel)), shown_in(app, panel)
        await pilot.press("tab")  # the one pane -> the context panel
        assert app.focused is panel
        assert {"down", "e"} <= {key for key, active in app.screen.active_bindings.items() if active.binding.show}
        await pilot.press("home")
        await pilot.pause()
        shown = shown_in(app, panel)
        assert panel.scroll_y == 0 and any("4 │ A long line" in line for line in shown)
        assert not any("zebrafinch" in line for line in shown)
        await pilot.press("pagedown")
        await pilot.pause()
        assert panel.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert panel.scroll_y == panel.max_scroll_y and any("9 │ A closing line." in line for line in shown_in(app, panel))
        await pilot.press("tab")
        assert app.focused is app.query_one("#query", Input)

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario, size=(80, 24))


def test_the_context_panel_shows_a_hit_inside_one_very_long_line(tmp_path, index_model):
    """Was: the panel centred the hit's whole lines. A notes file of one 16 KB line (80
    paragraphs on it) opened at the line's start, the hit some 120 wrapped rows below the panel's
    edge. Now the panel is scrolled to the hit's sentence itself."""
    sentences = [f"Paragraph {n} is about the {'zebrafinch' if n == 59 else 'garden'} and the weather, the river, "
                 f"the hills, the town, the market, the bridge and the old mill by the water, with many more "
                 f"words after those about the roads, the fields and the woods beyond them." for n in range(1, 81)]
    assert len(" ".join(sentences)) > 16_000
    _index_one_note(tmp_path, index_model, "one-line.md", " ".join(sentences) + "\n")

    async def scenario(app, pilot):
        panel = await _select_the_zebrafinch(app, pilot)
        assert app.selected[1].text.startswith("Paragraph 59 is about the zebrafinch")
        shown = " ".join(line.strip() for line in shown_in(app, panel))
        assert "Paragraph 59" in shown and "zebrafinch" in shown, shown
        await pilot.press("tab", "home")  # the line is there whole, from its start
        await pilot.pause()
        assert "1 │ Paragraph 1 is about" in " ".join(shown_in(app, panel))

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario, size=(80, 24))


@pytest.mark.parametrize("size", [(40, 12), (80, 24)])
def test_a_small_terminal_still_shows_both_panes_results(two_models, size):
    """Was: at 40×12 the result panes vanished. The query box, the context panel (as tall as its
    text, up to 14 rows) and the footer took every row first. Now below 80 columns the panes are
    stacked, below 20 rows the context panel is hidden (and the query box has no border)."""

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        for side, pane in app.panes.items():
            shown = "\n".join(shown_in(app, pane))
            hits = pane.answer.hits
            assert hits[0].text[:16] in shown and hits[0].location[-12:] in shown, (side, shown)
            if size == (80, 24):
                assert all(hit.text[:16] in shown for hit in hits[:3]), (side, shown)
        assert app.query_one("#query").region.height >= 1
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await settle(app, pilot)
        panel = app.query_one(ContextPanel)
        if size == (40, 12):  # no room for the context: the panes have it
            assert not panel.display
        else:
            hit = app.selected[1]
            assert panel.display and any(f"{hit.line} │ " in line for line in shown_in(app, panel))

    run_app(CompareApp(two_models, show_timings=False, mode="dense"), scenario, size=size)


def test_a_small_terminal_still_says_what_is_wrong(tmp_path):
    """The context panel, hidden below 20 rows, is where the app says why it cannot search."""

    async def scenario(app, pilot):
        assert "No index at" in "\n".join(shown_in(app, app.query_one(ContextPanel)))

    run_app(CompareApp(tmp_path / "absent.db"), scenario, size=(40, 12))


def test_the_help_can_be_read_whole_in_a_40x12_terminal(tmp_path):
    """Was: at 40×12 the help box was cut at the bottom (the rest of the keys, and how to close
    it, out of sight) and every key closed it: nothing scrolled. The scroll keys now move it;
    any other key still closes it."""
    from simsearch.tui import HELP, HelpScreen

    def words(lines) -> set[str]:
        text = re.sub(r"[\u2580-\u259f]", " ", " ".join(lines))  # (borders and scrollbars)
        return set(text.split())

    async def scenario(app, pilot):
        await pilot.press("f1")
        await pilot.pause()
        box = app.screen.query_one("#help")
        first = words(shown_in(app, box))
        wanted = words([re.sub(r"\[/?b\]", "", HELP)])
        assert not wanted <= first, "the help fits: this test no longer tests scrolling"
        seen = set(first)
        for _ in range(30):
            await pilot.press("pagedown")
            await pilot.pause()
            seen |= words(shown_in(app, box))
        assert isinstance(app.screen, HelpScreen), "a scroll key closed the help"
        assert wanted <= seen, sorted(wanted - seen)
        await pilot.press("home")
        await pilot.pause()
        assert words(shown_in(app, box)) == first
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

    run_app(CompareApp(tmp_path / "absent.db"), scenario, size=(40, 12))


def test_the_context_panel_finds_the_hit_on_the_other_side_under_another_copy(tmp_path, index_model, monkeypatch):
    """Was: with context vectors (the default for a new index) each copy of a sentence has a
    vector of its own, so two models may rank different copies of one text. The marks match a
    text on the other side by its text ("=1"), but the context panel matched it by sentence id and
    said "not in its top k" of a result the other pane showed at rank 1."""
    from .tiny_bert import create_random_bert

    shared = "Contact the desk when you forget your password."
    other = create_random_bert(tmp_path / "other-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rivers.md").write_text(f"The river rose in the night. {shared} Schools stayed closed for a week.\n")
    (docs / "kitchen.md").write_text(f"Cook the onions slowly. {shared} Serve with bread.\n")
    store = Store.open(tmp_path / "index.db")
    index(store, [docs], [str(index_model), str(other)], progress=False, context=1)
    texts = dict(store.conn.execute("SELECT id, text FROM sentences"))
    store.close()
    monkeypatch.chdir(tmp_path)

    async def scenario(app, pilot):
        await ask(app, pilot, shared)
        tables = {side: app.query_one(f"#{side}-table", DataTable) for side in ("left", "right")}
        copy = {side: next(int(key.value) for key in table.rows if texts[int(key.value)] == shared)
                for side, table in tables.items()}
        assert copy["left"] != copy["right"], "both panes show one copy: this test no longer tests copies"
        row = [int(key.value) for key in tables["left"].rows].index(copy["left"])
        right_rank = [int(key.value) for key in tables["right"].rows].index(copy["right"]) + 1
        assert table_column(app, "left", "mark")[row] != "only"  # the marks find it there
        tables["left"].focus()
        tables["left"].move_cursor(row=row)
        await pilot.pause()
        detail = _context(app)
        assert app.selected[1].sentence_id == copy["left"]
        assert f"{app.panes['right'].model}: rank {right_rank}, score" in detail, detail
        assert "not in its top k" not in detail

    # (wide enough for the context panel's whole head, which names the models by their folders)
    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="dense"), scenario, size=(250, 40))


def test_edit_key_on_a_pdf_hit_names_its_page_instead_of_opening_its_bytes(tmp_path, index_model, monkeypatch):
    """`e` on a PDF's result ran `$EDITOR +8 manual.pdf`: the editor showed the PDF's bytes at
    their line 8, where the hit's "line" is its page."""
    pytest.importorskip("pypdf")
    from .test_extract_pdf import handmade_pdf

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "manual.pdf").write_bytes(handmade_pdf(
        [["The first page is about printers and their ink."], ["The zebrafinch page tells of birds that sing."]]))
    store = Store.open(tmp_path / "index.db")
    index(store, [tmp_path / "docs"], [str(index_model)], progress=False)
    store.close()
    monkeypatch.setenv("EDITOR", "vim")
    notes, opened = [], []
    monkeypatch.setattr("simsearch.tui.subprocess.run", lambda command, **kwargs: opened.append(command))

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notes.append(message))
        await _select_the_zebrafinch(app, pilot)
        assert app.selected[1].line == 2
        await pilot.press("e")
        await pilot.pause()
        assert opened == [] and notes[-1].endswith("manual.pdf is a PDF: open it in a PDF viewer at page 2"), notes

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_each_key_of_the_help_is_on_one_row_in_an_80_column_terminal(tmp_path, size):
    """Was: the help's key lines ran to 95 columns, wider than its box (90 inside at most), so in
    any terminal "a  keep the selected result … (tui --questions FILE.jsonl)," wrapped to the box's
    left edge, under the keys, and at 80×24 so did "Enter … previous queries" and six others.
    Now each line of the key table fits in the box of an 80-column terminal: it is one row."""
    from simsearch.tui import HELP

    keys = [re.sub(r"\[/?b\]", "", line).strip() for line in HELP.split("Marks:")[0].splitlines()[2:]]

    async def scenario(app, pilot):
        await pilot.press("f1")
        await pilot.pause()
        box = app.screen.query_one("#help")
        rows = [" ".join(row.split()) for row in shown_in(app, box)]
        for _ in range(10):
            await pilot.press("pagedown")
            await pilot.pause()
            rows += [" ".join(row.split()) for row in shown_in(app, box)]
        for line in filter(None, keys):
            assert any(" ".join(line.split()) in row for row in rows), line

    run_app(CompareApp(tmp_path / "absent.db"), scenario, size=size)


def test_a_location_cut_for_a_narrow_pane_keeps_its_line_number(tmp_path, index_model, monkeypatch):
    """Was: at 80×24 with two models the text of a row was cut to 20 characters (its floor) in a
    column of 18, so its last characters fell off the pane: over pip's docs "…y-resolution.md:291"
    showed as "…y-resolution.md:29" and "…table-installs.md:9" as "…table-installs.md:", a wrong
    line. Now a row is cut to the room its column has, and a location keeps its whole line number."""
    from .tiny_bert import create_random_bert

    other = create_random_bert(tmp_path / "other-model", hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    docs = tmp_path / "docs" / "html" / "topics"
    docs.mkdir(parents=True)
    for name in ("dependency-resolution", "repeatable-installs", "secure-installs"):
        filler = "".join(f"Filler {i} of {name}, about something else entirely.\n\n" for i in range(145))
        (docs / f"{name}.md").write_text(filler + f"Sometimes it is impossible to find versions of {name} "
                                         "that do not conflict with each other.\n")
    store = Store.open(tmp_path / "index.db")
    index(store, [tmp_path / "docs"], [str(index_model), str(other)], progress=False)
    store.close()
    monkeypatch.chdir(tmp_path)

    async def scenario(app, pilot):
        await ask(app, pilot, "impossible to find versions that do not conflict")
        for side, pane in app.panes.items():
            table = pane.query_one(DataTable)
            # the widest head a row can have ("  ✓ only D+L"), with a cell of padding either side,
            # and the scrollbar: what is left is the text's
            room = table.size.width - (12 + 2) - 2 - table.styles.scrollbar_size_vertical
            cells = table_column(app, side, "text")
            assert all(len(line) <= room for cell in cells for line in cell.split("\n")), (side, room, cells)
            locations = [cell.split("\n")[1] for cell in cells]
            for hit, shown in zip(pane.answer.hits, locations):
                assert shown.endswith(f":{hit.line}") and shown[-12:] == hit.location[-12:], (shown, hit.location)

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="hybrid"), scenario, size=(80, 24))


# --- session 48, trial tui: a two-model index of click 8.1.7's docs at 80×24, 100×30, 160×45 ----

def test_with_no_index_the_footer_offers_only_keys_that_act(tmp_path):
    """Was: `simsearch tui` before any `simsearch index` showed "e edit  a answer  f2 left model
    f3 right model" in the footer; `e` said "Select a result first (Tab to a pane, then ↑/↓)" and
    `a` "To keep answers, start with simsearch tui --questions …", of panes that are not there,
    and F2/F3 did nothing. Now the footer offers what acts (help, quit, scrolling the message)."""

    async def scenario(app, pilot):
        await settle(app, pilot)
        keys = {key for key, active in app.screen.active_bindings.items() if active.binding.show}
        assert keys and not keys & {"e", "a", "f2", "f3", "plus", "minus", "m"}, keys
        assert {"ctrl+q", "f1"} <= keys
        await pilot.press("e", "a", "f2", "plus", "m")
        await pilot.pause()
        assert not app._notifications and app.screen is app.screen_stack[0] and (app.k, app.mode) == (10, "dense")
        assert not app.query_one("#stats").display  # no k or mode to show: nothing is searched

    run_app(CompareApp(tmp_path / "absent.db", show_timings=False), scenario, size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_the_context_panel_always_shows_which_file_and_rank_its_lines_are_from(tmp_path, index_model, size,
                                                                              monkeypatch):
    """Was: at 80×24 the panel (6 rows inside) scrolled the hit to its middle, taking the head
    line off its top: "docs/testing.rst:6   minilm: rank 2, …" was above the panel's edge and the
    lines shown named no file. Now the head is docked above the lines, in view however they scroll."""
    _index_one_note(tmp_path, index_model, "long.md", "\n".join(LONG_LINE.format(n) for n in range(1, 6))
                    + "\n\nThe zebrafinch sings at dawn.\n\nA closing line.\n")
    monkeypatch.chdir(tmp_path)  # (notes/long.md:7)

    async def scenario(app, pilot):
        panel = await _select_the_zebrafinch(app, pilot)
        assert panel.max_scroll_y > 0, "the test needs an excerpt taller than the panel"
        for keys in ((), ("tab", "home"), ("pagedown",), ("end",)):
            await pilot.press(*keys)
            await pilot.pause()
            shown = " ".join(shown_in(app, panel))
            assert "long.md:7" in shown and "words: rank 1" in shown, (keys, shown)
            if not keys:
                assert "7 │ The zebrafinch sings at dawn." in shown, shown

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario, size=size)


def test_a_context_head_too_long_for_its_row_names_the_panes_by_side(two_models):
    """The whole head ("docs/002-music.md:3   /…/tiny-avg: rank 2, score 0.965   /…/other-model:
    rank 5, score 0.949") took five rows of the six an 80×24 panel has, over its lines. Where it
    does not fit one row it says the same in the table's terms, the panes named by side; where
    it fits (300 columns here: the models are named by long folders), it is whole."""

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await settle(app, pilot)
        panel, hit = app.query_one(ContextPanel), app.selected[1]
        found = next(h for h in app.panes["right"].answer.hits if h.text == hit.text)
        rows = shown_in(app, panel)[:-1]  # (the head is its top border's title)
        if app.size.width == 80:
            assert f"{hit.location} · left #{hit.rank} {hit.score:.3f} · right #{found.rank} {found.score:.3f}" in rows[0], rows
            assert any(f"{hit.line} │ " in row for row in rows[1:]), rows
        else:
            assert f"{app.panes['right'].model}: rank {found.rank}, score {found.score:.3f}" in rows[0], rows

    run_app(CompareApp(two_models, show_timings=False, mode="dense"), scenario, size=(80, 24))
    run_app(CompareApp(two_models, show_timings=False, mode="dense"), scenario, size=(300, 40))


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (400, 45)])  # (the models are named by long folders)
def test_the_status_line_fits_the_terminal_most_telling_first(two_models, tmp_path, size):
    """Was: at 80×24 the status line was cut after "overlap@10" (with `--questions`, after the
    answers' ranks): k, the mode and the latencies were off the screen's edge. Now, where the whole
    line does not fit, the panes are named by side ("✓ left #1, right #3"), then the latencies given
    as one pair ("12/9 ms"), then left out; a terminal wide enough shows the whole line as before."""
    from simsearch.questions import QuestionFile
    from simsearch.widgets import StatusLine

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("a")  # the first result: a known answer, so the line starts with its ranks
        await settle(app, pilot)
        status = app.query_one(StatusLine)
        line = str(status.render())
        assert len(line) <= status.content_size.width, line
        assert " ".join(shown_in(app, status)).strip() == line
        rank = {side: next(hit.rank for hit, known in zip(pane.answer.hits, pane.answer.answered) if known)
                for side, pane in app.panes.items()}
        common = len({h.text for h in app.panes["left"].answer.hits} & {h.text for h in app.panes["right"].answer.hits})
        models = {side: pane.model for side, pane in app.panes.items()}
        if size[0] < 400:
            assert line.startswith(f"✓ left #{rank['left']}, right #{rank['right']} · overlap@10: {common}/10 · "
                                   "k=10 · dense"), line
        else:  # as it always was
            assert line.startswith(f"✓ {models['left']} #{rank['left']}, {models['right']} #{rank['right']} · "
                                   f"overlap@10: {common}/10 · k=10 · dense · {models['left']} "), line
            assert re.search(f" · {re.escape(models['right'])} \\d+ ms$", line), line

    run_app(CompareApp(two_models, mode="dense", questions=QuestionFile.open(tmp_path / "q.jsonl")), scenario, size=size)


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_both_panes_results_stand_side_by_side_whatever_the_model_names(two_models, mode):
    """Was: at 100×30 the right pane's title "c-index-unsup-simcse  362 sentences, words only"
    wrapped to two rows and the left's did not: every result on the right stood a row below the
    result beside it, and the right pane showed one result fewer. A title is one row now, cut at
    the pane's edge (the model picker, F2/F3, names the models whole)."""

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        tables = [app.query_one(f"#{side}-table", DataTable) for side in ("left", "right")]
        assert tables[0].region.y == tables[1].region.y, [t.region for t in tables]
        assert all(app.query_one(f"#{side}-title").region.height == 1 for side in ("left", "right"))

    # the left model named by a short folder, the right one by a long one
    run_app(CompareApp(two_models, left=str(two_models.parent / "other-model"), show_timings=False, mode=mode),
            scenario, size=(100, 30))


def test_no_pane_scrolls_sideways_at_80_columns(two_model_index, monkeypatch):
    """Was: at 80×24 with k=100 in hybrid mode (over click's docs), the text column was cut to 18
    characters but its label, "sentence / location", is 19: the table overflowed its pane by a
    column, a horizontal scrollbar took a row, and End scrolled the table sideways, the ranks off
    its left edge. The label is shortened to the column ("sentence") where it is wider."""

    async def scenario(app, pilot):
        await ask(app, pilot, "A second remark about travel tools")
        for side, pane in app.panes.items():
            table = pane.query_one(DataTable)
            heads = [str(cell).split("\n")[1] for cell in table_column(app, side, "hit")]
            assert any(head.endswith("only D+L") for head in heads), "the test needs the widest head"
            assert table.max_scroll_x == 0 and not table.show_horizontal_scrollbar, (side, table.virtual_size, table.size)
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("m")  # hybrid -> dense: narrower heads ("10  0.523", "  ✓ only") leave the label its room
        await settle(app, pilot)
        for pane in app.panes.values():
            table = pane.query_one(DataTable)
            assert str(table.columns["text"].label) == "sentence / location" and table.max_scroll_x == 0

    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    run_app(CompareApp(db, show_timings=False, mode="hybrid", k=20), scenario, size=(80, 24))


def test_the_status_line_gives_no_figures_of_results_no_longer_shown(two_models, tmp_path, monkeypatch):
    """Was: started in lexical mode, `m` (→ hybrid) loads both models for seconds, the panes
    empty and "loading…"; meanwhile the status line said "✓ left #2, right #2 · overlap@10: 10/10 ·
    k=10 · hybrid · 3/18 ms": the lexical answers' ranks and latencies under the new mode's name
    (hybrid then put the answer at #4). Figures now come with the answers they are of."""
    from simsearch import widgets
    from simsearch.questions import QuestionFile
    from simsearch.widgets import StatusLine

    opened = widgets.Searcher.open
    loaded = threading.Event()  # set by the test: until then a model is "loading" (a real one takes seconds)

    def slow_open(*args, **kwargs):
        loaded.wait(30)
        return opened(*args, **kwargs)

    async def until(condition, what: str) -> None:
        for _ in range(200):
            if condition():
                return
            await pilot_of["pilot"].pause(0.05)
        raise AssertionError(f"never: {what}")

    pilot_of = {}

    async def scenario(app, pilot):
        pilot_of["pilot"] = pilot
        await ask(app, pilot, "A second remark about travel tools")
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down", "a")
        await settle(app, pilot)
        status = app.query_one(StatusLine)
        assert "✓ words #2 · overlap@10" in str(status.render())
        monkeypatch.setattr(widgets.Searcher, "open", slow_open)
        await pilot.press("m")  # lexical -> hybrid: both models load
        await pilot.pause()
        assert all(pane.answer is None for pane in app.panes.values())  # (loading…)
        assert str(status.render()) == "k=10 · hybrid", str(status.render())
        loaded.set()
        await settle(app, pilot)
        await until(lambda: all(pane.answer is not None for pane in app.panes.values()), "both panes answered")
        await settle(app, pilot)
        line = str(status.render())
        assert all(pane.answer.mode == "hybrid" for pane in app.panes.values())
        rank = next(hit.rank for hit, known in zip(app.panes["left"].answer.hits, app.panes["left"].answer.answered) if known)
        assert line.startswith(f"✓ left #{rank}, right ") and "· k=10 · hybrid" in line, line
        loaded.clear()
        await pilot.press("r")  # another model for the right pane: it loads until the test says
        await until(lambda: isinstance(app.screen, ModelPicker), "the model picker open")
        await pilot.press("up", "enter")
        await until(lambda: not isinstance(app.screen, ModelPicker), "the model picker closed")
        await pilot.pause()
        # (the model chosen is the left pane's: the line says so, and gives no figures)
        assert app.panes["right"].answer is None and str(status.render()) == "same model · k=10 · hybrid", str(status.render())
        loaded.set()
        await settle(app, pilot)
        await until(lambda: app.panes["right"].answer is not None, "the right pane answered")
        await settle(app, pilot)
        assert "overlap@10" in str(status.render()) and app.panes["right"].answer is not None

    run_app(CompareApp(two_models, mode="lexical", questions=QuestionFile.open(tmp_path / "q.jsonl")), scenario, size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_the_footer_shows_every_key_it_offers_whole(two_model_index, monkeypatch, size):
    """Was: at 80×24 a pane's footer ran past the terminal's edge, "+ more  - fewer  m mode  e edit
    a answer  ^q quit  f1 help  f2 lef▏^p palette": F2/F3 cut off (at 100×30 "f3 right mo▏"). The
    keys that go together share an entry ("+ - more/fewer", "f2 f3 models"), and below 100 columns
    the footer leaves out "^p palette" (Ctrl+P still opens it)."""
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        await ask(app, pilot, "chess")
        for focus in ("#left-table", "#context", "#query"):
            app.query_one(focus).focus()
            wanted = {"#left-table": ["+ - more/fewer", "m mode", "e edit", "a answer"],
                      "#context": ["e edit", "a answer"], "#query": []}[focus] + ["^q quit", "f1 help", "f2 f3 models"]
            for _ in range(200):  # the footer is composed again after a focus change: at load 9, later than one pause
                await pilot.pause(0.05)
                footer = screen_lines(app)[-1]
                if all(entry in footer for entry in wanted):
                    break
            for entry in wanted:
                assert entry in footer, (focus, entry, footer)
            assert ("^p palette" in footer) == (size[0] >= 100), footer

    run_app(CompareApp(db, show_timings=False), scenario, size=size)


def test_a_short_context_head_with_one_pane_names_its_model(tmp_path, index_model, monkeypatch):
    """With one model in the index there is one pane: the short head (80×24) said "docs/prompts.rst:24
    · left #2 0.0881 D+L", a side of nothing beside it. It names the model, as the whole head does."""
    _index_one_note(tmp_path, index_model, "long.md", "The zebrafinch sings at dawn.\n\nA closing line.\n")
    monkeypatch.chdir(tmp_path)

    async def scenario(app, pilot):
        await _select_the_zebrafinch(app, pilot)
        head = shown_in(app, app.query_one(ContextPanel))[0]  # (its top border's title)
        model = app.panes["left"].model
        # (short, or whole where it fits; the short one ends with the model, its folder cut at the border's end)
        assert re.search(rf"long.md:\d+ · #1 \S+ · {re.escape(model[:40])}", head) or f"{model}: rank 1," in head, head
        assert "left" not in head and "notes/long.md:" in head, head

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="dense"), scenario, size=(80, 24))
