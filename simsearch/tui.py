"""``simsearch tui``: one query, two models side by side (the base model and a SimCSE model).

The app composes widgets (``simsearch.widgets``): the query box, two ``ResultsPane``s, the
context panel and the status line. ``k``, the mode and the query are reactive: changing one
searches again. Each pane loads its model and searches in its own workers (a new query cancels
a stale one), and the app shows both panes' answers together. Marks show how the
two rankings differ: ``=3`` same rank on the other side, ``▲7`` found there at rank 7 and
ranked higher here, ``▼2`` found there at rank 2 and lower here, ``only`` not found there.
Both panes search in one mode (``--mode``, ``m`` cycles dense/lexical/hybrid); in hybrid mode
each result says which side found it: ``D`` dense, ``L`` lexical, ``D+L`` both.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static

from .errors import SimsearchError
from .models import (command_line, default_out_name, index_command_line, models_dir, runs_training_from,
                     trained_from_index)
from .questions import QuestionFile
from .search import (DEFAULT_MODE, MODES, Hit, display_path, empty_query, find_model, index_running_message,
                     not_held_message, stale_note)
from .store import ModelRow, Store, default_db_path
from .widgets import (OFFICE_NAMES, SELECT_HINT, Answer, CommandHint, ContextPanel, QueryInput, ResultsPane,
                      StatusLine)

SIDES = ("left", "right")
K_STEPS = (5, 10, 20, 50, 100)
EVAL_K = 10  # eval retrieval's -k when not given
QUESTIONS_CHECK_S = 1.0  # how often the file of questions is looked at for a change made outside the app
TRAINING_CHECK_S = 5.0  # how often the one-model hint looks again for a `train` run from the index, or its model


def rank_marks(this: list[Hit], other: list[Hit]) -> list[str]:
    """For each hit of one side, its place on the other side: ``=r``, ``▲r``, ``▼r`` or ``only``.

    Hits are matched by their text: a sentence stored in several places is one hit per side
    (its copies collapsed), and which copy stands for it may differ between the two models."""
    other_rank = {hit.text: hit.rank for hit in other}
    marks = []
    for hit in this:
        rank = other_rank.get(hit.text)
        if rank is None:
            marks.append("only")
        elif rank == hit.rank:
            marks.append(f"={rank}")
        else:
            marks.append(f"{'▲' if hit.rank < rank else '▼'}{rank}")
    return marks


def overlap(left: list[Hit], right: list[Hit]) -> tuple[int, int]:
    """(results found by both sides, results per side): the overlap@k shown in the status line."""
    common = {h.text for h in left} & {h.text for h in right}  # (copies matched as in rank_marks)
    return len(common), max(len(left), len(right))


def default_models(store: Store) -> tuple[str | None, str | None]:
    """Left: the embedded model (else the first one added). Right: the most recently trained
    model the index holds (by its ``simsearch.json``), else the most recently added other one."""
    rows = store.models()
    if not rows:
        return None, None
    left = next((row for row in rows if row.name == "minilm"), rows[0])
    others = [row for row in rows if row.id != left.id]
    if not others:
        return left.name, None

    def trained_at(row: ModelRow) -> tuple[int, float, int]:
        meta = Path(row.path) / "simsearch.json"
        try:
            is_trained = '"steps"' in meta.read_text(encoding="utf-8")
            return (int(is_trained), meta.stat().st_mtime, row.id)
        except OSError:
            return (0, 0.0, row.id)

    return left.name, max(others, key=trained_at).name


class ModelPicker(ModalScreen[str]):
    """Choose one of the index's models for a pane."""

    BINDINGS = [Binding("escape", "dismiss_none", "cancel"),
                Binding("q", "dismiss_none", show=False)]  # (a picker is gone back from, as the help is)

    def __init__(self, side: str, models: list[str], current: str | None):
        super().__init__()
        self.side, self.models, self.current = side, models, current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(f"Model for the {self.side} pane (Enter to choose, Esc to cancel)")
            options = OptionList(*[f"{'● ' if m == self.current else '  '}{m}" for m in self.models], id="picker-list")
            yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.models:
            options.highlighted = self.models.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.models[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


HELP = """\
[b]simsearch tui[/b]: the same query against two models of one index.

  Enter        run the query
  ↑ / ↓        (in the query) previous queries
  Tab          move between the query, the panes and the context panel
  In the query box every key is typed; in a pane:
  ↑ / ↓        move through the results: the context panel shows the
               selected one in its file
  e            open the selected result in $EDITOR at its line (also
               from the context panel)
  a            keep the selected result as an answer to the query
               (tui --questions FILE.jsonl), for
               simsearch eval retrieval FILE.jsonl -m LEFT -m RIGHT;
               on an answer kept in this session: take it back
  + / -        more / fewer results (k)
  m            search mode: dense (meaning), lexical (words), hybrid
  l / r        choose the left / right model (F2 / F3 from anywhere)
  /            back to the query
  ?            this help (F1 from anywhere)
  q            quit (Ctrl+Q from anywhere)
  In the context panel (it opens with the hit's lines in the middle):
  ↑ / ↓, PgUp / PgDn, Home / End   scroll it

Marks: [b]=3[/b] same rank on the other side · [b]▲7[/b] the other side has it at 7, this one higher ·
[b]▼2[/b] the other side has it at 2, this one lower · [b]only[/b] the other side did not find it.
In hybrid mode [b]D[/b] / [b]L[/b] / [b]D+L[/b] after a mark: found by the dense side, the lexical side, both.
[b]✓[/b] before a mark: one of the query's answers in the file of questions.
The status line shows the mode, overlap@k (results both sides found) and each side's query latency;
for a query with answers, where each model put the first of them ([b]✓[/b] minilm #3).

Any key closes this help; ↑ / ↓, PgUp / PgDn, Home / End scroll it."""


class HelpScreen(ModalScreen[None]):
    """The keys, in a box that scrolls where the terminal is too small for them (40×12): the
    scroll keys move it, any other key closes it."""

    SCROLL_KEYS = frozenset({"up", "down", "pageup", "pagedown", "home", "end"})
    AUTO_FOCUS = "#help"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(HELP)

    def on_key(self, event: events.Key) -> None:
        if event.key not in self.SCROLL_KEYS:  # (those are the box's own bindings)
            self.dismiss(None)


class NarrowFooter(Footer):
    """The footer, without its "^p palette" entry below 100 columns (Ctrl+P still opens the
    palette): at 80 a pane's keys ran past the terminal's edge, F2/F3 cut off ("f2 lef▏")."""

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= 100
        if wide != self.show_command_palette:
            self.show_command_palette = wide
            self.refresh(recompose=True)  # (the footer draws its keys when it composes)


class CompareApp(App):
    """Base model and SimCSE model, side by side, over one index."""

    CSS_PATH = "tui.tcss"
    TITLE = "simsearch"
    AUTO_FOCUS = "#query"
    # The screen's classes by its size: tui.tcss stacks the panes in a narrow terminal and hides
    # the context panel in a short one.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    # Letter keys act when the query box does not have focus (there they are typed); the keys
    # that change the results (+, -, m, e) are the panes' own, so the footer shows them only there.
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True),
        Binding("q", "quit", "quit", show=False),
        Binding("f1", "help", "help"),
        Binding("question_mark", "help", "help", show=False),
        # (one footer entry for the two, "f2 f3 models": at 80 columns, two ran past its edge)
        Binding("f2", "pick('left')", "left model", group=Binding.Group("models")),
        Binding("f3", "pick('right')", "right model", group=Binding.Group("models")),
        Binding("l", "pick('left')", show=False),
        Binding("r", "pick('right')", show=False),
        # `/` from a pane or the context panel: a priority binding, handled as the key is read and
        # the focus moved at once (``action_focus_query``), so the keys typed after it go to the
        # query box. Was a pane's binding, handled after the keys already read had been sent to the
        # pane: "/async" typed fast gave it `a` (a result kept as an answer to the query in the file
        # of questions) and `m` (the mode changed). In the box, `/` is typed (``check_action``).
        Binding("slash", "focus_query", show=False, priority=True),
    ]

    k: reactive[int] = reactive(10, init=False)
    mode: reactive[str] = reactive("dense", init=False)
    query_text: reactive[str] = reactive("", init=False, always_update=True)  # the query sent (Enter)
    selected: reactive[tuple[ResultsPane, Hit] | None] = reactive(None, init=False)

    def __init__(self, db: Path | None = None, left: str | None = None, right: str | None = None, k: int = 10,
                 *, device: str = "cpu", show_timings: bool = True, mode: str = "dense", precision: str | None = None,
                 questions: QuestionFile | None = None):
        super().__init__()
        self.set_reactive(CompareApp.k, k)
        self.set_reactive(CompareApp.mode, mode)
        self.db_path = Path(db) if db else default_db_path()
        self.requested = {"left": left, "right": right}
        self.device, self.precision, self.show_timings = device, precision, show_timings
        self.questions = questions  # where ``a`` keeps a result as an answer to its query (``--questions``)
        self.questions_state: tuple | None = None  # its state on disk when the marks were last drawn
        self.store: Store | None = None
        self.models: list[str] = []
        self.problem: str | None = None
        self.request = 0  # the newest query request; answers to older ones are dropped
        self.index_running = False  # whether the last answers came while an index run was writing
        self.training_into: Path | None = None  # the --out of a `train` run from this index, going on (the hint's)
        self.hint_parts: tuple = ()  # what the one-model hint says now
        self.hint_timer = None
        self.query_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simsearch-query")

    def compose(self) -> ComposeResult:
        yield QueryInput(placeholder="Type a query and press Enter", id="query")
        with Horizontal(id="panes"):
            for side in SIDES:
                yield ResultsPane(side, self.db_path, self.query_thread, device=self.device,
                                  precision=self.precision).data_bind(CompareApp.mode)
            yield Static("", id="hint")
        yield ContextPanel(SELECT_HINT, id="context")
        yield StatusLine(show_timings=self.show_timings, id="stats").data_bind(CompareApp.k, CompareApp.mode)
        yield NarrowFooter()

    @property
    def panes(self) -> dict[str, ResultsPane]:
        return {pane.side: pane for pane in self.query(ResultsPane)}

    def on_mount(self) -> None:
        self.open_index()
        if self.questions is not None:  # the ✓ marks as the file holds them, edited in an editor or not
            self.questions_state = self.questions.disk_state()
            self.set_interval(QUESTIONS_CHECK_S, self.check_questions_file)

    def check_questions_file(self) -> None:
        """Draw the ✓ marks again when the file of questions changed on disk since last looked at (a
        line deleted or added in an editor, another session's answer): a stat every
        ``QUESTIONS_CHECK_S`` seconds, the file read only when it changed."""
        state = self.questions.disk_state()
        if state == self.questions_state:
            return
        self.questions_state = state
        for query in dict.fromkeys(pane.answer.query for pane in self.panes.values() if pane.answer is not None):
            self.show_answer_marks(query)

    def on_unmount(self) -> None:
        self.query_thread.shutdown(wait=False, cancel_futures=True)

    def open_index(self) -> None:
        if not self.db_path.exists():
            # The command that builds this index (the default one needs no --db); was: the
            # default's command whatever --db said, which built another index.
            db = "" if self.db_path == default_db_path() else f" --db {shlex.quote(str(self.db_path))}"
            return self.show_problem(f"No index at {self.db_path}.\n\nBuild one first:\n"
                                     f"    simsearch index ~/notes{db}\nthen run simsearch tui{db} again.")
        try:
            self.store = Store.open(self.db_path, create=False, readonly=True)
        except SimsearchError as exc:
            return self.show_problem(str(exc))
        self.models = [row.name for row in self.store.models()]
        left, right = default_models(self.store)
        left = self.requested["left"] or left
        right = self.requested["right"] or right
        if left is None:  # the TUI compares models; the full-text index alone is searched from the shell
            return self.show_problem(f"The index at {self.db_path} holds no models: this app compares models' results.\n"
                                     f"Add one:\n    {index_command_line('minilm', self.db_path)}\n"
                                     "or search its words without one:\n"
                                     f"    {command_line('search', '--mode', 'lexical', 'WORDS', db=self.db_path)}")
        for side, name in (("left", left), ("right", right)):
            if name is None:
                continue
            try:  # by name, or by the folder it means here (``search.find_model``)
                row = find_model(self.store, name)
            except SimsearchError as exc:
                return self.show_problem(str(exc))
            if row is None:
                problem = not_held_message(self.store, name)  # the remedy search gives, one that works
                return self.show_problem(problem[0].upper() + problem[1:])
            left, right = (row.name, right) if side == "left" else (left, row.name)
        panes = self.panes
        panes["left"].model = left
        if right is None:
            panes["right"].display = False
            self.hint_parts = self.one_model_hint(left).parts
            self.query_one("#hint", Static).update(CommandHint(*self.hint_parts))
            self.query_one("#hint").display = True
            # Looked at again while shown: a `train` run started from another terminal, its end.
            self.hint_timer = self.set_interval(TRAINING_CHECK_S, self.check_one_model_hint)
        else:
            panes["right"].model = right
        self.note_same_model()
        return None

    def check_one_model_hint(self) -> None:
        """The one-model hint again, every ``TRAINING_CHECK_S`` seconds while it is shown (2.6 ms
        a look for an index of pluggy's docs and three trained models): a `train` run from this
        index started in another terminal is named as under way, and once it ends its model as
        ready. Drawn again only when it changed. The app closing (its widgets gone before this
        timer) stops it."""
        try:
            hint = self.query_one("#hint", Static)
        except NoMatches:
            hint = None
        if hint is None or not hint.display or self.panes["left"].model is None:
            self.hint_timer.stop()
            self.training_into = None
            return
        parts = self.one_model_hint(self.panes["left"].model).parts
        if parts != self.hint_parts:
            self.hint_parts = parts
            hint.update(CommandHint(*parts))

    def one_model_hint(self, model: str) -> CommandHint:
        """What to run for a second model to compare with the index's one: embed the index with a
        model trained on it that is in the models folder (newest first), else train one.
        Was: "train --from-index" whatever the models folder held, when a model trained from this
        index was there already (trained but not indexed, or forgotten from the index).
        Short lines, no blank ones: at 80×24 the box has 13 rows of 34 columns (was cut after
        "(or any other model: simsearch index --model NAME --db", its index lost)."""
        command = CommandHint.command
        held = {os.path.realpath(row.path) for row in self.store.models()}
        try:
            trained = [ref for ref in trained_from_index(self.db_path) if os.path.realpath(ref.path) not in held]
        except SimsearchError:  # a models folder that cannot be read: as if it held none
            trained = []
        other = ("Or add any other model:", command(index_command_line("NAME", self.db_path)))
        # A `train` run from this index going on now (its --out locked): its model, once it ends,
        # not another run (which its lock would refuse). Was: "To train one on it and compare:
        # simsearch train --from-index", while that very command was running in another terminal.
        try:
            running = runs_training_from(self.db_path)
        except (OSError, SimsearchError):
            running = []
        self.training_into = running[0] if running else None
        if running:
            out = running[0]
            spelled = str(out) if out.name in self.models else out.name
            # (no "any other model" lines: at 80×24 the box's 13 rows hold these, the path on two)
            return CommandHint(f"This index holds one model: {model}.",
                               f"A `simsearch train` run is making one from it now, into {out}.",
                               "Once that run ends, embed with it:", command(index_command_line(spelled, self.db_path)),
                               "Then press F3 to show it here.")
        if not trained:
            out = default_out_name(Path(self.db_path), "index-unsup")  # train --from-index's default --out
            train = ["train", "--from-index"]
            # A folder there already (a model trained on another index of this name, a folder of the
            # user's): `train` would refuse the default --out, so the hint names a free one.
            name, number = out, 2
            while os.path.lexists(models_dir() / name):
                name, number = f"{out}-{number}", number + 1
            if name != out:
                train += ["--out", str(models_dir() / name)]
            return CommandHint(f"This index holds one model: {model}.", "To train one on it and compare:",
                               command(command_line(*train, db=self.db_path)),
                               command(index_command_line(name, self.db_path)), *other)
        newest = trained[0]
        # By its name, unless the index holds another model of that name (``index -m`` would take
        # the name for that one): then by its folder.
        spelled = str(newest.path) if newest.name in self.models else newest.name
        also = (f"(also trained on it: {', '.join(ref.name for ref in trained[1:])})",) if trained[1:] else ()
        return CommandHint(f"This index holds one model: {model}.", "A model trained on it is ready. To compare, "
                           "embed with it:", command(index_command_line(spelled, self.db_path)), *also,
                           "Then press F3 to show it here.", *other)

    def note_same_model(self) -> None:
        """The status line says so when both panes show one model (their titles alike)."""
        left, right = self.panes["left"], self.panes["right"]
        same = right.display and right.model is not None and right.model == left.model
        self.query_one(StatusLine).same_model = left.model if same else None

    def show_problem(self, message: str) -> None:
        self.problem = message
        self.query_one("#panes").display = False
        self.query_one(StatusLine).display = False  # no k or mode to show: nothing is searched
        self.refresh_bindings()  # the footer drops the keys that now do nothing (``check_action``)
        self.query_one(QueryInput).disabled = True
        panel = self.query_one(ContextPanel)
        panel.add_class("-problem")  # the whole screen's message: shown at any height
        panel.update(message)

    # The keys that act on results or models; with no index or no model (``show_problem``) there is
    # none, and the footer offers only what still acts: help, quit, scrolling the message.
    RESULT_ACTIONS = frozenset({"edit", "answer", "more", "fewer", "next_mode", "pick", "focus_query"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.problem is not None and action in self.RESULT_ACTIONS:
            return False  # hidden from the footer, and the key does nothing (was: notices about absent panes)
        if action == "focus_query" and (self.screen is not self.screen_stack[0] or isinstance(self.focused, QueryInput)):
            return False  # the key goes on: typed in the box, or to the help or the model picker
        return True

    # --- queries: Enter, k and the mode each search again ------------------------------------

    @on(Input.Submitted, "#query")
    def submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query and not empty_query(query):
            self.query_one(QueryInput).remember(query)
            self.query_text = query

    def watch_query_text(self) -> None:
        # A query sent (Enter) opens again a pane's model that failed: the command its title
        # gave (re-index it, put its folder back) may have been run since. Not on a load's
        # answer (``on_results_pane_loaded``): a model failing again would be reloaded forever.
        for pane in self.panes.values():
            pane.reopened = False
            if pane.model is not None and pane.error:
                pane.reload()
        self.search()

    def watch_k(self) -> None:
        self.drop_figures()
        self.search()

    def watch_mode(self) -> None:
        self.drop_figures()
        self.search()

    def drop_figures(self) -> None:
        """The status line's figures (overlap, answers' ranks, latencies) are of the answers shown:
        none until the new k's or mode's come (was: a model loading for seconds after `m`, the
        panes empty, the line gave the previous mode's figures under the new mode's name)."""
        status = self.query_one(StatusLine)
        status.overlap, status.latencies, status.answers = None, (), ()

    def on_results_pane_loaded(self, message: ResultsPane.Loaded) -> None:
        self.search()  # every ready pane again, so that the panes show one query together

    def search(self) -> None:
        """Send the query to every pane whose model is loaded (a loading one gets it once loaded)."""
        ready = [pane for pane in self.panes.values() if pane.searcher is not None]
        if not self.query_text or not ready:
            return
        self.request += 1
        for pane in ready:
            pane.asked, pane.pending = self.request, None
            pane.search(self.request, pane.searcher, self.query_text, self.k, self.mode)

    def on_results_pane_answered(self, message: ResultsPane.Answered) -> None:
        """Show the answers once every pane asked has answered: one redraw, never one pane ahead.

        On two cores two encodes in parallel take as long as the two in series, and the rank
        marks need both lists anyway.
        """
        pane = message.pane
        if message.request != self.request or pane.asked != message.request or pane.searcher is None:
            return  # a stale answer, or the pane's model was switched meanwhile
        pane.pending = message.answer
        asked = [p for p in self.panes.values() if p.asked == self.request and p.searcher is not None]
        if all(p.pending is not None for p in asked):
            self.show_results({p.side: p.pending for p in asked})

    def on_results_pane_failed(self, message: ResultsPane.Failed) -> None:
        """A pane's query failed (its title says why and it stopped searching): the panes
        still asked show their answers without waiting for it."""
        if self.selected is not None and self.selected[0] is message.pane:
            self.selected = None
        pane = message.pane
        if message.superseded and message.request == self.request and pane.error == message.error and not pane.reopened:
            # Re-embedded meanwhile: the index holds the new model's vectors, and opening it again
            # checks its folder against them, as the Enter the message asked for did. Once per
            # Enter: a model re-embedded again by then keeps the message.
            pane.reopened = True
            self.notify(f"Model {pane.model} was re-embedded since this pane opened it: opened again, "
                        "its answers are the new one's", timeout=8, markup=False)
            pane.reload()  # (its load's answer searches every pane again: ``on_results_pane_loaded``)
            return
        asked = [p for p in self.panes.values() if p.asked == self.request and p.searcher is not None]
        if message.request == self.request and asked and all(p.pending is not None for p in asked):
            self.show_results({p.side: p.pending for p in asked})
        elif message.request == self.request and not asked:  # no pane answers: no earlier answer's figures stay
            self.drop_figures()

    def show_results(self, answers: dict[str, Answer]) -> None:
        panes = self.panes
        for side, answer in answers.items():
            panes[side].pending = None
        left = answers.get("left") or panes["left"].answer
        right = answers.get("right") or panes["right"].answer
        both = panes["right"].model is not None and left is not None and right is not None and left.query == right.query
        if both:  # both tables show the new marks, also the one whose hits did not change
            left.marks, right.marks = rank_marks(left.hits, right.hits), rank_marks(right.hits, left.hits)
            answers = {"left": left, "right": right}
        for answer in answers.values():
            self._mark_answers(answer)
        with self.batch_update():  # one frame for both tables, not one per row
            for side, answer in answers.items():
                if answer.sentences is not None:
                    panes[side].sentences = answer.sentences
                if answer.missing is not None:  # (before the answer: it redraws the title)
                    panes[side].missing = panes[side].missing_note(answer.missing)
                panes[side].answer = answer
            status = self.query_one(StatusLine)
            status.overlap = overlap(left.hits, right.hits) if both else None
            status.latencies = tuple((pane.side, pane.model, pane.answer.latency_ms) for pane in panes.values()
                                     if pane.model is not None and pane.answer is not None)
            self.show_answer_ranks(status)
            self.selected = None
        self.note_index_run()

    def _mark_answers(self, answer: Answer) -> None:
        if self.questions is not None:
            answer.answered = self.questions.answered(answer.query, answer.hits, self.store)

    def answer_ranks(self) -> tuple[tuple[str, str, int | None], ...]:
        """For a query with known answers (``--questions``), each shown pane's side, model and the
        rank of its first answer (None: not in its results); else nothing."""
        panes = [pane for pane in self.panes.values() if pane.model is not None and pane.answer is not None
                 and pane.display]
        if self.questions is None or not panes or not self.questions.answers(panes[0].answer.query):
            return ()
        return tuple((pane.side, pane.model, next((hit.rank for hit, answered in zip(pane.answer.hits, pane.answer.answered)
                                        if answered), None)) for pane in panes)

    def show_answer_ranks(self, status: StatusLine) -> None:
        """The status line's ✓ part: where each pane put the query's first known answer, and why
        none did where the index no longer holds any."""
        status.answers = self.answer_ranks()
        status.answers_gone = self.answers_gone(status.answers)

    def answers_gone(self, ranks: tuple[tuple[str, str, int | None], ...]) -> str | None:
        """Whether no pane found the query's known answers because none is in the index any more
        (its sentence edited, its file deleted or renamed, and indexed again): the status line
        then says so, not "not in 10" for every model, which reads as both models missing it.
        Looked up only when no pane found one (it reads the index's sentences). Returns why
        (``QuestionFile.why_not_in_index``), or None."""
        if not ranks or any(rank is not None for _, _, rank in ranks) or self.store is None:
            return None
        query = next(pane.answer.query for pane in self.panes.values() if pane.answer is not None)
        return self.questions.why_not_in_index(query, self.store)

    def note_index_run(self) -> None:
        """Say once, when it starts to be so, that answers come while an index run writes the
        index (they may miss files not indexed yet), as `simsearch search` says it each time."""
        running = index_running_message(self.store, "ask again") if self.store is not None else None
        if running and not self.index_running:
            self.notify(running[0].upper() + running[1:], severity="warning", timeout=10, markup=False)
        self.index_running = running is not None

    # --- selection and actions ------------------------------------------------------------

    def on_results_pane_selected(self, message: ResultsPane.Selected) -> None:
        self.selected = (message.pane, message.hit)

    def watch_selected(self, selected: tuple[ResultsPane, Hit] | None) -> None:
        panel = self.query_one(ContextPanel)
        if selected is None or self.store is None:
            return panel.show_hint()
        pane, hit = selected
        other = self.panes["right" if pane.side == "left" else "left"]
        there = None
        if other.model is not None:  # its hits, if it answered this query (not: loading, or its model failed)
            answered = (other.answer is not None and pane.answer is not None
                        and (other.answer.query, other.answer.mode) == (pane.answer.query, pane.answer.mode))
            there = (other.model, other.answer.hits if answered else None)
        return panel.show_hit(self.store, hit, pane.model, there, pane.answer.mode if pane.answer else self.mode,
                               side=pane.side)

    def action_pick(self, side: str) -> None:
        if self.problem or self.store is None:
            return
        # The models the index holds now: another shell may have added one (as the one-model
        # hint says to) or forgotten one since the app opened (was: the list read at start).
        self.models = [row.name for row in self.store.models()]
        if not self.models:
            return
        pane = self.panes[side]
        if side == "right" and pane.model is None and len(self.models) < 2:
            self.notify(f"This index holds one model: add another with {index_command_line('NAME', self.db_path)}", markup=False)
            return

        def chosen(model: str | None) -> None:
            if model is None:
                return
            if not pane.display:
                self.query_one("#hint").display = False
                pane.display = True
            if model == pane.model and pane.error:
                pane.reload()  # the same model again: it may have been re-indexed since the error
            else:
                pane.model = model
            self.note_same_model()
            self.drop_figures()  # (of the model the pane showed: back with the new one's answers)

        self.push_screen(ModelPicker(side, self.models, pane.model), chosen)

    def action_more(self) -> None:
        self.k = _k_step(self.k, 1)

    def action_fewer(self) -> None:
        self.k = _k_step(self.k, -1)

    def action_next_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)] if self.mode in MODES else MODES[0]

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_focus_query(self) -> None:
        # Now, not after the keys already read (``Widget.focus`` defers it to the app's queue).
        self.screen.set_focus(self.query_one(QueryInput))

    def current_selection(self) -> tuple[ResultsPane, Hit] | None:
        """The result the user sees selected: in a pane with the focus, the row its cursor is on
        (``selected`` follows it by a message, which a key typed right after Tab may come before:
        "Tab a" from the left pane kept the left pane's result); elsewhere, ``selected``."""
        focused = self.focused
        for pane in self.panes.values():
            if focused is not None and pane in focused.ancestors_with_self and pane.answer is not None:
                row, hits = pane.query_one(DataTable).cursor_row, pane.answer.hits
                return (pane, hits[row]) if 0 <= row < len(hits) else None
        return self.selected

    def action_answer(self) -> None:
        """Keep the selected result as an answer to the query its pane shows (``--questions``);
        one kept in this session is taken back (``QuestionFile.toggle``)."""
        if self.questions is None:
            self.notify("To keep answers, start with simsearch tui --questions FILE.jsonl "
                        "(then: simsearch eval retrieval FILE.jsonl -m LEFT -m RIGHT)", severity="warning", timeout=8)
            return
        selected = self.current_selection()
        if selected is None or selected[0].answer is None:
            self.notify("Select a result first (Tab to a pane, then ↑/↓)")
            return
        pane, hit = selected
        query = pane.answer.query
        try:
            marked = self.questions.toggle(query, hit, self.store)
        except SimsearchError as exc:
            self.show_answer_marks(query)  # (a file changed on disk is read again: its answers shown)
            self.notify(str(exc), severity="error", markup=False)  # (a path, a line: not markup)
            return
        where = f"{display_path(str(self.questions.path))}:{marked.line}"
        if not marked.written and not marked.taken_back:
            self.notify(f"Already an answer to this query, on a line this session did not write: to take it back, "
                        f"edit {where}", timeout=8, markup=False)
            return
        self.show_answer_marks(query)
        if marked.taken_back:
            left = (f"{marked.answers} answer{'s' if marked.answers != 1 else ''} left" if marked.answers
                    else "the query has no answer left and is no longer in the file")
            self.notify(f"Taken back: no longer an answer to {query!r} (its line deleted: {where}; {left}). "
                        "Press a again to keep it", timeout=8, markup=False)
            return
        compare = ("Measure the words alone on all of them" if pane.answer.mode == "lexical"
                   else "Compare the models on all of them")
        self.notify(f"Kept as answer {marked.answers} to {query!r} ({where}; a again takes it back). {compare}: "
                    f"{self.eval_command(pane.answer.mode)}", timeout=8, markup=False)  # a query "[/]" is text

    def show_answer_marks(self, query: str) -> None:
        """Both panes' ✓ and the status line as the file of questions holds ``query``'s answers now."""
        with self.batch_update():  # both panes show the mark, the cursor where it was
            for each in self.panes.values():
                if each.answer is not None and each.answer.query == query:
                    row = each.query_one(DataTable).cursor_row
                    self._mark_answers(each.answer)
                    each.answer = each.answer  # drawn again (always_update)
                    if 0 < row < each.query_one(DataTable).row_count:
                        each.query_one(DataTable).move_cursor(row=row)
            self.show_answer_ranks(self.query_one(StatusLine))

    def eval_command(self, mode: str) -> str:
        """``eval retrieval`` over the file of questions, as this app searched: its index (--db
        when not the default one), mode (--mode when not eval's default) and depth (-k when not
        eval's 10), its panes' models that answer (none in lexical mode, where no model takes part;
        not one whose pane shows an error: eval would refuse it)."""
        words = ["simsearch", "eval", "retrieval", display_path(str(self.questions.path))]
        if self.db_path != default_db_path():
            words += ["--db", display_path(str(self.db_path))]
        if mode != "lexical":
            models = [p.model for p in self.panes.values() if p.model is not None and p.display and not p.error]
            words += [word for model in dict.fromkeys(models) for word in ("-m", model)]  # (one model in both panes: once)
        if mode != DEFAULT_MODE:
            words += ["--mode", mode]
        if self.k != EVAL_K:
            words += ["-k", str(self.k)]
        return " ".join(map(shlex.quote, words))

    def action_edit(self) -> None:
        selected = self.current_selection()
        if selected is None:
            self.notify("Select a result first (Tab to a pane, then ↑/↓)")
            return
        hit = selected[1]
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR (for example: export EDITOR=vim) to open results", severity="warning")
            return
        if not os.path.isfile(hit.path):  # an editor would open an empty new file in its place
            state = "unreadable" if os.path.exists(hit.path) else "gone"
            self.notify(f"Cannot open {hit.location}: {stale_note(self.store, hit.path, state)}",
                        severity="warning", markup=False)
            return
        kind = self.store.conn.execute("SELECT kind FROM documents WHERE id = ?", (hit.document_id,)).fetchone()
        if kind is not None and kind[0] == "pdf":  # an editor shows a PDF's bytes, and its "line" is a page
            self.notify(f"{display_path(hit.path)} is a PDF: open it in a PDF viewer at page {hit.line}", markup=False)
            return
        if kind is not None and kind[0] == "epub":  # a zip, and its "line" is a document of the book
            self.notify(f"{display_path(hit.path)} is an EPUB book: open it in an e-book reader at its document "
                        f"{hit.line} (the text is in the preview)", markup=False)
            return
        if kind is not None and kind[0] in OFFICE_NAMES:  # a zip of XML: its "line" is a paragraph
            self.notify(f"{display_path(hit.path)} is {OFFICE_NAMES[kind[0]]}: open it in a word processor "
                        f"(the hit is in paragraph {hit.line})", markup=False)
            return
        try:
            with self.suspend():
                subprocess.run(editor_command(editor, hit.path, hit.line), check=False)
        except SuspendNotSupported:  # a headless or web driver cannot hand the terminal over
            self.notify(f"Cannot open an editor from here: {display_path(hit.path)}:{hit.line}", severity="warning", markup=False)
        except OSError as exc:
            self.notify(f"$EDITOR {editor!r} failed: {exc.strerror}", severity="error", markup=False)


def _k_step(k: int, step: int) -> int:
    """The next of ``K_STEPS`` above ``k`` (``step`` 1) or below it (-1); ``k`` itself when there
    is none (a ``-k`` beyond the steps: "more" never gives fewer results, nor "fewer" more)."""
    if step > 0:
        return next((each for each in K_STEPS if each > k), k)
    return next((each for each in reversed(K_STEPS) if each < k), k)


def editor_command(editor: str, path: str, line: int) -> list[str]:
    """``$EDITOR +LINE PATH``: the form vi, vim, nvim, nano, emacs, micro and kak all accept.

    VS Code and Sublime want ``PATH:LINE`` with ``--goto``/as is; they are recognised by name.
    """
    words = shlex.split(editor)
    name = Path(words[0]).name if words else ""
    if name in ("code", "code-insiders", "codium"):
        return [*words, "--goto", f"{path}:{line}"]
    if name in ("subl", "sublime_text", "zed"):
        return [*words, f"{path}:{line}"]
    return [*words, f"+{line}", path]


def require_terminal(stdin=None, stderr=None) -> None:
    """Refuse to start without a terminal to draw on and read keys from.

    Textual's driver reads keys from stdin and draws on stderr (``sys.__stdin__``,
    ``sys.__stderr__``); with either not a terminal (a script, cron, a pipe) the app never
    gets a key and never exits, spinning a core.
    """
    import sys

    streams = {"stdin": stdin or sys.__stdin__, "stderr": stderr or sys.__stderr__}
    missing = [name for name, stream in streams.items() if stream is None or not _isatty(stream)]
    if missing:
        raise SimsearchError(f"simsearch tui needs a terminal: {' and '.join(missing)} "
                             f"{'is not one' if len(missing) == 1 else 'are not'} (in a script, use simsearch search)")


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def run(db: Path | None, left: str | None, right: str | None, k: int, device: str, mode: str = "dense",
        precision: str | None = None, questions: QuestionFile | None = None) -> None:
    require_terminal()
    CompareApp(db, left, right, k, device=device, mode=mode, precision=precision, questions=questions).run()


__all__ = ["CompareApp", "default_models", "editor_command", "overlap", "rank_marks", "require_terminal", "run"]
