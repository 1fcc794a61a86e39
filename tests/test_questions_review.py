"""Review of ``tui --questions`` (session 40): defects found by an adversarial pass.

Each test states what a user is promised (README "Your own questions, as you search") and fails
on 2b493ae."""

from __future__ import annotations

import json
import os
from pathlib import Path

from simsearch.questions import QuestionFile
from simsearch.retrieval import load_queries

from .test_questions import a_hit


def test_an_answer_added_to_an_id_less_line_gets_an_id_that_is_not_a_place_in_the_file(tmp_path, monkeypatch):
    """A user's own line without an "id" (README's examples have none) goes by its place,
    "file:line" as the file was named. The app wrote that place as the next answer's "id":
    eval run with another spelling of the file (absolute, or from another folder) then warns
    "merged under line 1's id" and its --details "ids" list a path of this session's."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "reset it", "relevant": "notes/a.md"}\n')
    kept = QuestionFile.open(Path("q.jsonl"))
    kept.mark("reset it", a_hit(tmp_path, "notes/b.md", "Or pull the plug."))
    kept.mark("reset it", a_hit(tmp_path, "notes/c.md", "Or wait."))
    ids = [json.loads(line).get("id") for line in path.read_text().splitlines()[1:]]
    assert ids == ["q1", "q1"]  # were "q.jsonl:1" twice
    for spelling in (path, Path("q.jsonl")):
        [query] = load_queries(spelling)
        assert query.ids == [f"{spelling}:1", "q1"]


def test_two_sessions_on_one_file_never_give_one_id_to_two_queries(tmp_path):
    """Two TUIs (two terminals) on one file: each allocates ids from what it read at start, so
    both write "q1" for different queries, and the file is then refused by eval retrieval and by
    the next `tui --questions` ("id "q1" is already line 1's (another query)")."""
    path = tmp_path / "q.jsonl"
    one, two = QuestionFile.open(path), QuestionFile.open(path)
    one.mark("reset it", a_hit(tmp_path, "a.md", "Hold the button."))
    two.mark("chess openings", a_hit(tmp_path, "b.md", "The Sicilian is sharp."))
    queries = load_queries(path)  # raised SimsearchError on HEAD
    assert sorted(q.id for q in queries) == ["q1", "q2"]


def test_an_id_written_by_hand_while_the_app_runs_is_not_given_to_another_query(tmp_path):
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    kept.mark("reset it", a_hit(tmp_path, "a.md", "Hold the button."))
    with open(path, "a") as out:  # the user adds a question in an editor meanwhile
        out.write('{"id": "q2", "query": "stock prices", "relevant": [{"text": "Prices rose."}]}\n')
    marked = kept.mark("chess openings", a_hit(tmp_path, "b.md", "The Sicilian is sharp."))
    assert marked.line == 3
    assert sorted(q.id for q in load_queries(path)) == ["q1", "q2", "q3"]


def test_an_answer_taken_back_by_deleting_its_line_can_be_kept_again_in_the_same_session(tmp_path):
    """README: "to take an answer back, delete its line". Done while the app runs, the app still
    says "Already an answer" (and shows ✓), and writes nothing."""
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "Hold the button.")
    kept.mark("reset it", hit)
    path.write_text("")  # the user deleted the line
    assert kept.answered("reset it", [hit]) == [False]
    assert kept.mark("reset it", hit).written


def test_a_document_in_a_folder_named_tilde_is_the_file_eval_reads(tmp_path):
    """A path below the file's folder is written relative; eval expands a leading "~" of a
    relative path (``retrieval._resolve``), so "~/a.md" is read as $HOME/a.md, while the app's
    ✓ counted the real document."""
    path = tmp_path / "q.jsonl"
    hit = a_hit(tmp_path, "~/a.md", "Hold the button.")
    QuestionFile.open(path).mark("reset it", hit)
    [query] = load_queries(path)
    assert [unit.path for unit in query.units] == [os.path.normpath(hit.path)]


def test_a_file_holding_only_a_byte_order_mark_gets_the_answer_on_the_line_the_message_names(tmp_path):
    """An editor's empty UTF-8 file with a BOM: the app counts 0 lines, then writes a line end
    after the BOM first (it is not one), so the answer is on line 2 while the notice says :1."""
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\xef\xbb\xbf")
    marked = QuestionFile.open(path).mark("reset it", a_hit(tmp_path, "a.md", "Hold the button."))
    [query] = load_queries(path)
    assert f"{path}:{marked.line}" == query.source


def test_a_question_written_above_an_id_less_line_later_does_not_make_the_file_unreadable(tmp_path):
    """Worse than a warning: the app wrote the id "q.jsonl:1" (line 1's implicit id). The user
    later puts a new question of their own at the top (no id, as in README): its implicit id is
    now "q.jsonl:1" too, so eval retrieval and the next tui --questions refuse the whole file."""
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "reset it", "relevant": "notes/a.md"}\n')
    QuestionFile.open(path).mark("reset it", a_hit(tmp_path, "notes/b.md", "Or pull the plug."))
    path.write_text('{"query": "chess openings", "relevant": "notes/c.md"}\n' + path.read_text())
    assert len(load_queries(path)) == 2  # SimsearchError on HEAD


# --- the app ------------------------------------------------------------------------------

import shlex  # noqa: E402

from textual.widgets import DataTable  # noqa: E402

from simsearch.tui import CompareApp  # noqa: E402

from .test_tui import QUERY, ask, run_app, settle, two_model_index, two_model_indexes  # noqa: E402,F401


def _notices_after_keeping_the_second_result(db, path, mode: str, monkeypatch, k: int = 10) -> list[str]:
    """What the app said after QUERY in ``mode``, the left pane's second result kept with `a`."""
    said: list[str] = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await ask(app, pilot, QUERY)
        app.query_one("#left-table", DataTable).focus()
        await pilot.press("down")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)

    run_app(CompareApp(db, show_timings=False, mode=mode, k=k, questions=QuestionFile.open(path)), scenario)
    return said


def test_the_eval_command_the_notice_gives_measures_what_the_app_showed(two_model_index, tmp_path, monkeypatch,
                                                                        run_cli):
    """The notice after `a` says "Compare the models on all of them: simsearch eval retrieval
    FILE -m A -m B". Run as given it reads another index (no --db: the app's was given with
    --db) and another mode (no --mode: eval's default is hybrid, the app was in dense), so it
    does not report the rank the status line showed."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    monkeypatch.setenv("SIMSEARCH_DB", str(tmp_path / "default.db"))  # the user's everyday index: another one
    path = tmp_path / "questions.jsonl"
    said = _notices_after_keeping_the_second_result(db, path, "dense", monkeypatch)
    command = shlex.split(said[0].split("Compare the models on all of them: ", 1)[1])
    assert command[:3] == ["simsearch", "eval", "retrieval"]
    code, out, err = run_cli(*command[1:], "--json", "--details", tmp_path / "d.jsonl")
    assert code == 0 and err == "", err  # and no warning
    assert command[3:] == [str(path), "--db", "index.db", "-m", base, "-m", trained, "--mode", "dense"]
    assert json.loads((tmp_path / "d.jsonl").read_text().splitlines()[0])["first_relevant_rank"] == 2


def test_in_lexical_mode_the_notice_measures_the_words_and_names_no_model(two_model_index, tmp_path, monkeypatch):
    """In lexical mode no model takes part: the notice after `a` said "Compare the models on all of
    them: ... -m A -m B --mode lexical", two models whose rows eval gives as one."""
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    said = _notices_after_keeping_the_second_result(db, path, "lexical", monkeypatch)
    assert "Measure the words alone on all of them: " in said[0], said
    command = shlex.split(said[0].split("Measure the words alone on all of them: ", 1)[1])
    assert command[3:] == [str(path), "--db", "index.db", "--mode", "lexical"]


def test_the_notice_names_only_the_models_that_answered_and_the_panes_depth(two_model_index, tmp_path, monkeypatch):
    """Was: "... -m base-model -m notes-simcse --mode dense" with the right pane's model moved
    away (eval refuses the whole command for it) and the panes showing 20 results (eval's
    recall@10 then leaves out an answer kept at rank 15)."""
    db, base, trained = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    away = db.parent / f"{trained}.away"
    (db.parent / trained).rename(away)
    try:
        said = _notices_after_keeping_the_second_result(db, path, "dense", monkeypatch, k=20)
    finally:
        away.rename(db.parent / trained)
    command = shlex.split(said[0].split("Compare the models on all of them: ", 1)[1])
    assert command[3:] == [str(path), "--db", "index.db", "-m", base, "--mode", "dense", "-k", "20"]

def test_a_in_the_context_panel_keeps_the_selected_result(two_model_index, tmp_path, monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    chosen = {}

    async def scenario(app, pilot):
        await ask(app, pilot, QUERY)
        app.query_one("#right-table", DataTable).focus()
        await pilot.press("down", "down")
        await settle(app, pilot)
        chosen["hit"] = app.selected[1]
        app.query_one("#context").focus()
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        chosen["after"] = app.selected[1] if app.selected else None

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)
    [line] = path.read_text().splitlines()
    assert json.loads(line)["relevant"][0]["text"] == chosen["hit"].text
    assert chosen["after"] is not None and chosen["after"].text == chosen["hit"].text


def test_a_document_named_tilde_something_does_not_make_the_file_a_traceback(tmp_path):
    """"~draft.md" below the file's folder was written relative: eval retrieval (and the next
    tui --questions, which reads the file first) expand "~draft.md" as user draft.md's home and
    stop with a RuntimeError traceback ("Could not determine home directory")."""
    path = tmp_path / "q.jsonl"
    hit = a_hit(tmp_path, "~draft.md", "Hold the button.")
    QuestionFile.open(path).mark("reset it", hit)
    [query] = load_queries(path)
    assert [unit.path for unit in query.units] == [os.path.normpath(hit.path)]
    QuestionFile.open(path)


def test_a_file_broken_by_hand_while_the_app_runs_is_said_and_not_appended_to(tmp_path):
    import pytest

    from simsearch.errors import SimsearchError

    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "Hold the button.")
    kept.mark("reset it", hit)
    with open(path, "a") as out:
        out.write("{oops\n")
    broken = path.read_bytes()
    assert kept.answered("reset it", [hit]) == [True]  # what was read stays shown
    with pytest.raises(SimsearchError, match=r"q.jsonl:2: not valid JSON"):
        kept.mark("chess", a_hit(tmp_path, "b.md", "The Sicilian is sharp."))
    assert path.read_bytes() == broken




def test_a_query_with_square_brackets_is_kept_and_said_as_typed(two_model_index, tmp_path, monkeypatch):
    """The notice after `a` quotes the query; notify reads its message as Textual markup, so a
    query such as "what does [/] close" crashed the app (MarkupError: auto closing tag has
    nothing to close) once the line was written, and "list[int] or List[int]" was said as
    "list or List". (test_tui's run_app runs without notifications: run_test(notifications=True).)"""
    import asyncio

    from textual.widgets._toast import Toast

    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    path = tmp_path / "questions.jsonl"
    app = CompareApp(db, show_timings=False, questions=QuestionFile.open(path))
    shown: list[str] = []

    async def main():
        async with app.run_test(size=(150, 40), notifications=True) as pilot:
            await settle(app, pilot)
            for query in ("list[int] or List[int]", "what does [/] close"):
                await ask(app, pilot, query)
                app.query_one("#left-table", DataTable).focus()
                await settle(app, pilot)
                await pilot.press("a")
                await settle(app, pilot)
                await pilot.pause(0.2)
                shown.extend(str(toast.render()) for toast in app.query(Toast))
            assert app.is_running

    asyncio.run(main())
    assert len(path.read_text().splitlines()) == 2
    assert any("'list[int] or List[int]'" in message for message in shown), shown
    assert any("'what does [/] close'" in message for message in shown), shown


def test_three_sessions_marking_at_once_give_each_query_its_own_id(tmp_path):
    """Three processes (three terminals) that start on a missing file and mark at once: on
    HEAD each wrote "q1" (no file, no lock, no reading again)."""
    import subprocess
    import sys
    import time

    path = tmp_path / "q.jsonl"
    script = (
        "import sys, time\n"
        "from simsearch.questions import QuestionFile\n"
        "from simsearch.search import Hit\n"
        "who, start = sys.argv[1], float(sys.argv[2])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        f"kept = QuestionFile.open({str(path)!r})\n"
        "for i in range(15):\n"
        f"    kept.mark(f'{{who}} query {{i}}', Hit(1, 0.5, f'text {{i}}', {str(tmp_path)!r} + f'/{{who}}.md', 3, 1, 1, 0))\n"
    )
    start = time.time() + 3
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    runs = [subprocess.Popen([sys.executable, "-c", script, who, str(start)], env=env) for who in "abc"]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    queries = load_queries(path)
    assert len(queries) == 45 and len({query.id for query in queries}) == 45
