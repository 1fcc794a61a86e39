"""Keys typed in a burst, names the panes repeat, and what fits an 80×24 terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.widgets import DataTable, Input

from simsearch.questions import QuestionFile
from simsearch.tui import CompareApp
from simsearch.widgets import ContextPanel

from .test_tui import ask, run_app, settle, two_model_index, two_model_indexes  # noqa: F401
from .test_tui_hunt import screen_lines, shown_in, two_models  # noqa: F401
from .test_tui_next_step import shell_reads


def burst(app, text: str) -> None:
    """``text``'s keys as a terminal delivers keys typed fast: all read before the app handles
    the first (``Pilot.press`` waits for the app to be idle after each key)."""
    names = {"/": "slash", " ": "space", "+": "plus", "-": "minus", "?": "question_mark"}
    for char in text:
        event = events.Key(names.get(char, char), char)
        event.set_sender(app)
        app._driver.send_message(event)


async def select_in_left_pane(app, pilot, rank: int) -> None:
    """The query "chess" asked, the left pane focused and its result at ``rank`` selected."""
    await ask(app, pilot, "chess")
    app.query_one("#left-table", DataTable).focus()
    await pilot.press(*["down"] * (rank - 1))
    await settle(app, pilot)


@pytest.mark.parametrize("where", ["#left-table", "#context"])
def test_keys_typed_right_after_slash_go_to_the_query_box_and_record_no_answer(two_model_index, monkeypatch, tmp_path,
                                                                               where):
    """Was: `/` in a pane moved the focus to the query box only after the keys already read, so
    "/async" typed fast from a pane gave its `a` to the pane: the selected result was kept as an
    answer to the query (the file of questions that `eval retrieval` reads, changed), and the box
    got "sync" or less."""
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    questions = tmp_path / "q.jsonl"

    async def scenario(app, pilot):
        await select_in_left_pane(app, pilot, rank=2)
        assert app.selected is not None
        app.query_one(where).focus()
        await pilot.pause()
        box = app.query_one("#query", Input)
        box.value = ""
        burst(app, "/async mode")
        await settle(app, pilot)
        assert app.focused is box and box.value == "async mode", box.value
        assert (app.k, app.mode, app.is_running) == (10, "dense", True)
        assert not questions.exists() or not questions.read_text(), questions.read_text()

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(questions)), scenario, size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_one_model_in_both_panes_is_said_and_the_panes_named_by_side(two_model_index, monkeypatch, tmp_path, size):
    """Was: with one model in both panes (`--left minilm --right minilm`, or F3 choosing it), the
    titles were alike and at 160×45 the status line read "✓ minilm #1, minilm #1 · overlap@10: 10/10 ·
    k=10 · hybrid · minilm 78 ms · minilm 48 ms", the context panel "minilm: rank 2, …   minilm:
    rank 2, …": nothing said which figure was which pane's, nor that the panes show one model."""
    from simsearch.widgets import StatusLine

    db, base, _ = two_model_index
    monkeypatch.chdir(db.parent)

    async def scenario(app, pilot):
        status = app.query_one(StatusLine)
        assert str(status.render()).startswith(f"both panes: {base} · k=10 · dense"), str(status.render())
        await ask(app, pilot, "chess")
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("a")  # the first result: a known answer, so the line gives its ranks
        await settle(app, pilot)
        line = str(status.render())
        assert " ".join(shown_in(app, status)).strip() == line
        assert base not in line.replace(f"both panes: {base}", ""), line  # (the panes by side)
        if size[0] == 80:
            assert line.startswith("same model · ✓ left #1, right #1 · overlap@10: 10/10 · k=10 · dense"), line
        else:
            assert line.startswith(f"both panes: {base} · ✓ left #1, right #1 · overlap@10: 10/10 · k=10 · dense · "
                                   "left "), line
            head = shown_in(app, app.query_one(ContextPanel))[0]  # (its top border's title)
            assert f"{base} (left): rank 1," in head and f"{base} (right): rank 1," in head, head
        kept = next(note.message for note in app._notifications if note.message.startswith("Kept as answer"))
        assert f"-m {base} -m" not in kept and f"-m {base}" in kept, kept  # eval's -m, once (was twice: a warning)

    run_app(CompareApp(db, left=base, right=base, show_timings=True, questions=QuestionFile.open(tmp_path / "q.jsonl"),
                       mode="dense"), scenario, size=size)


@pytest.mark.parametrize("db", ["one.db", "an-index-of-my-notes/index.db"])
def test_the_one_model_hint_is_shown_whole_at_80x24(tmp_path, index_model, monkeypatch, db):
    """Was: at 80×24 the hint of an index with one model was cut after "(or any other model:
    simsearch index --model NAME --db": the command it gives lost its end (the index), and the
    hint its bottom border."""
    import shutil

    from simsearch.indexer import index
    from simsearch.store import Store

    from .test_index import write_docs

    monkeypatch.chdir(tmp_path)
    shutil.copytree(index_model, "minilm-l6")  # a model named as short as the embedded one
    Path(db).parent.mkdir(exist_ok=True)
    store = Store.open(Path(db))
    index(store, [write_docs(Path("docs"), 2)], ["minilm-l6"], progress=False)
    store.close()

    async def scenario(app, pilot):
        hint = app.query_one("#hint")
        assert hint.display
        assert app.query_one("#panes").region.contains_region(hint.region), hint.region  # in view, its border too
        rows = shown_in(app, hint)
        assert rows[-1].startswith("╰") and rows[-1].endswith("╯"), rows
        shown = " ".join(" ".join(row[2:-2].split()) for row in rows[1:-1])
        for line in str(hint.content).splitlines():
            if not line.startswith("  simsearch "):
                assert " ".join(line.split()) in shown, (rows, line)
        # each command whole, read from the rows as the shell reads them pasted (over rows, it goes on)
        whole = str(hint.content)
        assert shell_reads([row[2:-2].rstrip() for row in rows[1:-1]]) == shell_reads(whole.splitlines()), rows
        assert f"simsearch index --model NAME --db {db}" in whole

    run_app(CompareApp(Path(db), show_timings=False), scenario, size=(80, 24))


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_the_context_panels_scrollbar_runs_beside_the_lines_that_scroll_not_its_head(tmp_path, index_model, monkeypatch,
                                                                                    size):
    """Was: the head (path:line and ranks) was a row docked above the lines, inside the panel: at
    80×24 the scrollbar ran beside it too, its thumb beside the head at the top, as if the head
    were the first line scrolled, and the lines had 4 of the panel's 5 rows. The head is the
    panel's border title now: the scrollbar is as tall as the lines, which have all 5 rows; where
    the lines fit (160×45) there is none."""
    from .test_tui_hunt import LONG_LINE, _index_one_note, _select_the_zebrafinch

    _index_one_note(tmp_path, index_model, "long.md", "\n".join(LONG_LINE.format(n) for n in range(1, 6))
                    + "\n\nThe zebrafinch sings at dawn.\n\nA closing line.\n")
    monkeypatch.chdir(tmp_path)

    async def scenario(app, pilot):
        panel = await _select_the_zebrafinch(app, pilot)
        if size == (160, 45):
            assert panel.max_scroll_y == 0 and not panel.show_vertical_scrollbar
        else:
            bar = panel.vertical_scrollbar.region
            assert panel.show_vertical_scrollbar and bar.height == panel.scrollable_content_region.height, bar
            for keys in ((), ("tab", "home"), ("end",)):
                await pilot.press(*keys)
                await pilot.pause()
                rows = [row[panel.region.x:panel.region.right] for row in screen_lines(app)[bar.y:bar.bottom]]
                assert not any("long.md:7" in row for row in rows), (keys, rows)  # beside the lines only
                assert keys or any("7 │ The zebrafinch" in row for row in rows), rows
            assert bar.height == 5  # (the panel's rows inside its border, all the lines')
        assert "notes/long.md:7" in screen_lines(app)[panel.region.y]  # the head: its top border's title

    run_app(CompareApp(tmp_path / "index.db", show_timings=False, mode="lexical"), scenario, size=size)



def test_a_typed_right_after_tab_keeps_the_result_the_focused_pane_shows_selected(two_model_index, monkeypatch, tmp_path):
    """Was: "Tab a" typed fast (one write: tmux send-keys -l, 3 times of 3 in a real terminal)
    from the left pane, its third result selected, moved the focus to the right pane, which showed
    its first result selected, but kept the left pane's third: `a` kept ``selected``, which follows
    the focus by a message that came after the key. Here the key comes before that message (the
    focus moved and `a` handled in one step), as it did in the terminal."""
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    questions = tmp_path / "q.jsonl"

    async def scenario(app, pilot):
        await select_in_left_pane(app, pilot, rank=3)
        assert app.selected[1].rank == 3
        right = app.query_one("#right-table", DataTable)
        app.screen.set_focus(right)  # Tab
        app.action_answer()  # `a`, before the pane's Selected message
        meant = app.panes["right"].answer.hits[right.cursor_row]
        [line] = questions.read_text().splitlines()
        assert json.loads(line)["relevant"][0]["text"] == meant.text != app.panes["left"].answer.hits[2].text
        await settle(app, pilot)
        assert app.selected == (app.panes["right"], meant)  # (what the context panel shows)

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(questions)), scenario, size=(80, 24))
