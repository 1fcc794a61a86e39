"""The widgets ``simsearch tui`` composes: the query box, a results pane, the context panel
and the status line; and where a hit lies in its file, for the context panel."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import re
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor
from dataclasses import dataclass, field
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.visual import visualize
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import Worker, get_current_worker

from .errors import SimsearchError, Superseded
from .extract import Skip, decode
from .extract import zipped
from .extract.ipynb import notebook_lines, without_pictures
from .extract.office import paragraphs
from .models import command_line, read_only_note
from .progress import visible
from .questions import EDITED, FILE_GONE, NOT_KNOWN
from .search import OTHER_READER_NOTE, Hit, Searcher, file_state, root_gone, shown_score
from .segment import source_lines
from .store import Store, file_identity

ANSWER_MARK = "✓"  # before a result's rank mark: one of the query's answers (``tui --questions``)
SELECT_HINT = "Select a result (Tab to a pane, then ↑/↓) to see it in its file here; e opens it in $EDITOR."
CONTEXT = 2  # neighbouring sentences fetched with each hit, on each side
AROUND = 3  # at most this many lines of the file shown above and below a hit


class QueryInput(Input):
    """The query box, with ↑/↓ through earlier queries. Printable keys are typed, never bound."""

    BINDINGS = [Binding("up", "history(-1)", show=False), Binding("down", "history(1)", show=False)]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.history: list[str] = []
        self.position = 0

    def remember(self, query: str) -> None:
        if not self.history or self.history[-1] != query:
            self.history.append(query)
        self.position = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self.position = max(0, min(len(self.history), self.position + step))
        self.value = self.history[self.position] if self.position < len(self.history) else ""
        self.cursor_position = len(self.value)


@dataclass(eq=False)  # a new answer always redraws, even if it equals the last one
class Answer:
    """One pane's results for one query, in the mode they were searched in."""

    query: str
    mode: str
    hits: list[Hit]
    latency_ms: float
    marks: list[str] = field(default_factory=list)  # each hit's place on the other pane, once both answered
    # Which hits answer the query, by the file of questions (``tui --questions``); empty: none known.
    answered: list[bool] = field(default_factory=list)
    # The index's sentences when the query was answered in lexical mode (the pane's title says
    # it): an index that another shell updated meanwhile shows its new count.
    sentences: int | None = None
    # Sentences without a vector for the model when answered in dense or hybrid mode (the title
    # says how many): an `index` run in another shell adds or embeds some meanwhile.
    missing: int | None = None


def answer_query(worker: Worker, searcher: Searcher, query: str, k: int,
                 mode: str) -> tuple[list[Hit], float, int | None, int | None] | SimsearchError | None:
    """On the query thread: the hits (with neighbours) and the latency, or None if a newer query
    cancelled the worker meanwhile (then nothing is encoded).

    A ``SimsearchError`` is returned, not raised: the pane shows it in its title. The searcher
    cannot answer again after one (``ann.ModelChanged``: the model was re-indexed or forgotten
    since the pane opened it; a broken model's NaN query; an unreadable database).
    """
    if worker.is_cancelled:
        return None
    try:
        hits = searcher.search(query, k, mode=mode, context=CONTEXT)
        sentences = searcher.sentences() if mode == "lexical" or not hits else None  # (none: an empty index?)
        missing = searcher.missing_vectors() if mode != "lexical" else None
    except SimsearchError as exc:
        return exc
    return hits, searcher.timings["total_ms"], sentences, missing


def on_own_thread(function: Callable, *args) -> asyncio.Future:
    """``function(*args)`` on a daemon thread of its own, as a future of the running loop.

    For a model's load, which takes seconds: quitting does not wait for it. A thread worker
    runs on asyncio's default executor, whose threads ``asyncio.run`` (``App.run``) and then
    the interpreter wait for at exit: Ctrl+Q while a model loaded took as long as the load.
    A load only reads (the index, which the app opened and migrated first, and the model's
    folder), so a process that ends under it leaves nothing half-written.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():  # else cancelled meanwhile: nobody waits for it
            outcome()

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as exc:  # raised where it is awaited, as a worker's error
            outcome = functools.partial(future.set_exception, exc)
        else:
            outcome = functools.partial(future.set_result, result)
        try:
            loop.call_soon_threadsafe(settle, outcome)
        except RuntimeError:  # the loop is closed: the app has exited
            pass

    threading.Thread(target=run, name=f"simsearch-{function.__name__}", daemon=True).start()
    return future


class ResultsPane(Vertical):
    """One model's side: its title, a table of its hits, and the model's searcher.

    Setting ``model`` loads it in a worker; ``search`` runs a query in another; each posts a
    message that the pane and then the app handle. ``answer`` is what the table shows.
    """

    BINDINGS = [  # on the pane, not the app: while the query box has focus these keys are typed
        Binding("plus", "app.more", "more", group=Binding.Group("more/fewer")),
        Binding("minus", "app.fewer", "fewer", group=Binding.Group("more/fewer")),
        Binding("m", "app.next_mode", "mode"),
        Binding("e", "app.edit", "edit"),
        Binding("a", "app.answer", "answer"),  # (`/`, back to the query: the app's, CompareApp.BINDINGS)
    ]

    model: reactive[str | None] = reactive(None, init=False)
    searcher: reactive[Searcher | None] = reactive(None, init=False)
    error: reactive[str | None] = reactive(None, init=False)
    answer: reactive[Answer | None] = reactive(None, init=False, always_update=True)  # its marks may change
    title: reactive[Text] = reactive(Text, init=False)
    mode: reactive[str] = reactive("dense", init=False)  # the app's (bound in ``CompareApp.compose``)

    class Loaded(Message):
        """A model finished loading (``searcher``) or failed (``error``)."""

        def __init__(self, pane: ResultsPane, model: str, searcher: Searcher | None, error: str | None,
                     sentences: int | None = None, missing: str | None = None):
            super().__init__()
            self.pane, self.model, self.searcher, self.error = pane, model, searcher, error
            # Counted off the UI thread: what lexical search reads, and the sentences without a vector.
            self.sentences, self.missing = sentences, missing

    class Answered(Message):
        """A query's results reached the UI thread; the app shows them once every pane answered."""

        def __init__(self, pane: ResultsPane, request: int, answer: Answer):
            super().__init__()
            self.pane, self.request, self.answer = pane, request, answer

    class Failed(Message):
        """A query ended in a user-facing error (``answer_query``); the pane drops its searcher.
        ``superseded``: its model was re-embedded meanwhile (``Superseded``): opened again, it answers."""

        def __init__(self, pane: ResultsPane, request: int, error: str, superseded: bool = False):
            super().__init__()
            self.pane, self.request, self.error, self.superseded = pane, request, error, superseded

    class Selected(Message):
        """The user's cursor is on a hit."""

        def __init__(self, pane: ResultsPane, hit: Hit):
            super().__init__()
            self.pane, self.hit = pane, hit

    def __init__(self, side: str, db_path: Path, query_thread: Executor, *, device: str = "cpu",
                 precision: str | None = None):
        super().__init__(id=f"{side}-pane", classes="pane")
        self.side, self.db_path, self.device, self.precision = side, db_path, device, precision
        # Queries run on the app's one long-lived thread: torch's CPU thread pool stays warm (a
        # fresh thread per query made each encode ~1.5x slower) and the panes never encode at once.
        self.query_thread = query_thread
        self.asked = 0  # the newest request sent to this pane
        self.pending: Answer | None = None  # its answer, until every pane asked has answered
        self.sentences: int | None = None  # the index's sentences, while the model is not loaded
        self.missing: str | None = None  # how many sentences have no vector for the model, if any
        self._laid_out_width = 0  # the width the rows shown were cut to
        self.reopened = False  # opened again for a re-embedded model since the user's last Enter

    def compose(self) -> ComposeResult:
        yield Label("", id=f"{self.side}-title", classes="pane-title")
        yield DataTable(id=f"{self.side}-table", cursor_type="row")

    def on_mount(self) -> None:
        self._add_columns(self.query_one(DataTable))

    HIT_LABEL, TEXT_LABEL = " #  score", "sentence / location"

    @classmethod
    def _add_columns(cls, table: DataTable, text_width: int | None = None) -> None:
        # Two cells of two lines per result (DataTable's cost grows with cells, and a frame of
        # ten 4-cell rows took ~45 ms): "rank score / mark", "sentence / location".
        table.add_column(cls.HIT_LABEL, key="hit")
        # A column is as wide as its label: one wider than the rows' text overflowed the table
        # (at 80×24 with k=100, "sentence / location" in a column cut to 18: a horizontal scrollbar
        # took a row, and End scrolled sideways).
        label = cls.TEXT_LABEL if text_width is None or text_width >= len(cls.TEXT_LABEL) else "sentence"
        table.add_column(label, key="text")

    # --- the model ------------------------------------------------------------------------

    def watch_model(self, model: str | None) -> None:
        self.workers.cancel_node(self)  # a load or search for the previous model is of no use now
        self.searcher, self.error, self.answer, self.pending = None, None, None, None
        if model is not None:
            # Lexical mode reads the index alone: the model is loaded when a mode needs it
            # (by the first dense or hybrid query), so a pane opens at once, even without its folder.
            self.load(model, lexical=self.mode == "lexical")

    def watch_mode(self, mode: str) -> None:
        if self.model is None:
            return
        # A pane that could not load its model may answer in another mode (lexical needs only the
        # index; a folder put back since is found again); one opened for lexical search loads its
        # model now that a mode needs it. A load still under way was started for the previous mode
        # (a dense load of a gone folder would fail in lexical mode too): it is started again for this one.
        if (self.error is not None or self.searcher is None
                or (mode != "lexical" and not self.searcher.model_loaded)):
            self.reload()

    def reload(self) -> None:
        """Open the same model again (after an error: it may have been re-indexed meanwhile)."""
        self.watch_model(self.model)

    @work(exclusive=True, group="load")
    async def load(self, model: str, lexical: bool = False) -> None:
        # Cancelled meanwhile (another model chosen, the app quitting): the await raises and
        # nothing is posted; the thread finishes on its own, its searcher dropped.
        loaded = await on_own_thread(self._open_searcher, model, lexical)
        self.post_message(self.Loaded(self, model, *loaded))

    def _open_searcher(self, model: str, lexical: bool) -> tuple[Searcher | None, str | None, int | None, str | None]:
        """On the load's thread: (searcher, error, sentences, missing) for ``Loaded``."""
        try:
            options = {"device": self.device}
            if self.precision is not None:
                if "precision" not in inspect.signature(Searcher.open).parameters:
                    raise SimsearchError("this simsearch cannot search at another precision yet")
                options["precision"] = self.precision
            searcher = Searcher.open(Store.open(self.db_path, create=False, readonly=True), model, lexical_only=lexical, **options)
            sentences = searcher.sentences()
            missing = None
            if not lexical:
                searcher.load_encoder()
                missing = self.missing_note(searcher.missing_vectors())
        except SimsearchError as exc:
            return None, str(exc), None, None
        return searcher, None, sentences, missing

    def missing_note(self, count: int) -> str | None:
        """What the title says of ``count`` sentences without a vector for the model, if any."""
        return f"{count:,} without a vector: run {command_line('index', db=self.db_path)}" if count else None

    def on_results_pane_loaded(self, message: Loaded) -> None:
        if message.pane is self and message.model == self.model:  # else switched again meanwhile
            self.searcher, self.error = message.searcher, message.error
            self.sentences, self.missing = message.sentences, message.missing

    def _no_results(self, answer: Answer) -> list[str]:
        """Why the table is empty (a line or two), as the CLI says it: an index without
        sentences names the command that fills it."""
        if answer.sentences == 0:
            return ["no results: the index holds no sentences;",
                    f"add a folder with {command_line('index', 'FOLDER', db=self.db_path)}"]
        return [f"no results for {visible(answer.query)!r} in {answer.mode} mode"]

    def compute_title(self) -> Text:
        if self.error:
            return Text(f"{self.model}: {self.error}", style="bold red")
        if self.searcher is None:
            return Text(f"{self.model}  (loading…)", style="italic")
        if self.mode == "lexical" or not self.searcher.model_loaded:  # the index's words alone
            return Text.assemble((self.model or "", "bold"), f"  {self.sentences or 0:,} sentences, words only")
        title = Text.assemble((self.model or "", "bold"), f"  {self.searcher.size:,} sentences, {self.searcher.vectors.method}")
        if self.missing:  # a half-indexed database: dense search cannot find them yet
            title.append(f"  ({self.missing})", style="yellow")
        return title

    def watch_title(self, title: Text) -> None:
        label = self.query_one(Label)
        label.update(title)
        # A title is one row, cut at the pane's edge, so that both panes' rows stand side by side
        # (was: at 100×30 "c-index-unsup-simcse  362 sentences, words only" wrapped, and the
        # right pane's results stood a row below the left's). One that says what to run (an
        # error, sentences without a vector) is whole, wrapped, where the panes are side by side.
        label.set_class(bool(self.error or self.missing), "-remedy")

    # --- queries --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="search")
    def search(self, request: int, searcher: Searcher, query: str, k: int, mode: str) -> None:
        """Search on the query thread; a newer call cancels this one (exclusive)."""
        worker = get_current_worker()
        try:
            result = self.query_thread.submit(answer_query, worker, searcher, query, k, mode).result()
        except CancelledError:
            return  # the app is closing
        if result is None or worker.is_cancelled:
            return
        if isinstance(result, SimsearchError):
            self.post_message(self.Failed(self, request, str(result), isinstance(result, Superseded)))
        else:
            hits, latency_ms, sentences, missing = result
            self.post_message(self.Answered(self, request, Answer(query, mode, hits, latency_ms, sentences=sentences,
                                                                  missing=missing)))

    def on_results_pane_failed(self, message: Failed) -> None:
        if message.pane is self and message.request == self.asked and self.searcher is not None:
            self.searcher, self.error, self.answer, self.pending = None, message.error, None, None

    def watch_answer(self, answer: Answer | None) -> None:
        table = self.query_one(DataTable)
        # The columns too: a column keeps the width of the widest cell it ever held, and rows
        # cut anew for a narrower pane overflowed it (a horizontal scrollbar took a row).
        text_width = self._laid_out_width = self._text_width()
        table.clear(columns=True)
        if answer is None:
            self._add_columns(table)
            return
        rows = self._rows(answer, text_width)
        # The text column has the room the rows' text is cut to, and what the first column, as wide
        # as its widest head, leaves of the 12 columns kept for it ("  ✓ ▲100 D+L").
        heads = max((Text(line).cell_len for head, _, _ in rows for line in str(head).split("\n")), default=0)
        self._add_columns(table, text_width + 12 - max(heads, len(self.HIT_LABEL)))
        for head, cell, key in rows:
            table.add_row(head, cell, key=key, height=2)
        # The width was read before this frame's layout: an answer that lands while the pane is
        # being laid out anew (a terminal resized, the panes stacked) is cut again to the width
        # it gets, if that differs (no Resize reaches the pane when only its table's changes).
        self.call_after_refresh(self._lay_out_again)

    def _rows(self, answer: Answer, text_width: int) -> list[tuple[Text | str, Text, str]]:
        """The table's rows for ``answer``: (rank score / mark, sentence / location, key)."""
        hybrid = answer.mode == "hybrid"
        marks = answer.marks or [""] * len(answer.hits)
        answered = answer.answered or [False] * len(answer.hits)
        if not answer.hits:  # said, as the CLI says it, rather than an empty table
            lines = "\n".join(_shorten(line, text_width) for line in self._no_results(answer))
            return [("", Text(lines, style="dim"), "no-results")]
        rows = []
        for hit, mark, is_answer in zip(answer.hits, marks, answered):
            style = "green" if mark.startswith("▲") else "red" if mark.startswith("▼") else \
                "yellow" if mark == "only" else "dim"
            head = Text(f"{hit.rank:>2}  {shown_score(hit.score, answer.mode)}\n  ")
            if is_answer:  # one of the query's answers (tui --questions)
                head.append(ANSWER_MARK, style="bold green")
            else:
                head.append(" ")
            head.append(" ")
            head.append(mark, style=style)
            if hybrid:  # which side found it: D dense, L lexical
                head.append(f" {hit.found_mark}", style="cyan")
            cell = Text(_shorten(visible(hit.text), text_width))
            # The same text elsewhere too: one row, "(+N more)" after its location; a file an older
            # reader read, "(read by another version)" (its sentence and line are that version's).
            location = visible(hit.location) + (f" (+{hit.copies - 1} more)" if hit.copies > 1 else "") \
                + (" (read by another version)" if hit.read_by_other_version else "")
            cell.append("\n" + _shorten_left(location, text_width), style="dim")
            rows.append((head, cell, str(hit.sentence_id)))
        return rows

    def _text_width(self) -> int:
        table = self.query_one(DataTable)
        # Less the vertical scrollbar when the rows will not all fit: rows cut to the whole
        # width overflowed it, and a horizontal scrollbar took a row of a short pane.
        rows = 2 * len(self.answer.hits) + table.show_header if self.answer else 0
        scrollbar = table.styles.scrollbar_size_vertical if rows > table.size.height else 0
        # Never wider than the column (was: at least 20: at 80×24 with two models that cut the
        # text to 20 in a column of 18, and a location lost the end of its line number, ":29" for
        # ":291"); a pane too narrow for 8 is too narrow for anything.
        return max(8, table.size.width - 16 - scrollbar)

    def on_resize(self, event: events.Resize) -> None:
        # Stacked panes (a narrow terminal, tui.tcss) give the columns' header row to the results.
        self.query_one(DataTable).show_header = not self.screen.has_class("-narrow")
        # Rows are cut to the table's width: cut again once the table has its new size (after
        # this refresh), the cursor kept on its row. Was: rows cut in a narrow terminal stayed
        # cut after it was made wide, until the next query.
        self.call_after_refresh(self._lay_out_again)

    def _lay_out_again(self) -> None:
        if self.answer is None or self._text_width() == self._laid_out_width:
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.watch_answer(self.answer)
        if 0 < row < table.row_count:
            table.move_cursor(row=row)

    # --- selection ------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.has_focus:  # new results highlight row 0 of both tables: only the user's cursor counts
            self.select(event.cursor_row)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.select(self.query_one(DataTable).cursor_row)

    def select(self, row: int) -> None:
        hits = self.answer.hits if self.answer else []
        if 0 <= row < len(hits):
            self.post_message(self.Selected(self, hits[row]))


# What the status line says for each reason no kept answer is in the index (in full, and short):
# a file that is gone is not called edited, nor the other way round.
GONE_SAID = {FILE_GONE: ("answer's file gone from the index", "answer's file not indexed"),
             EDITED: ("answer's sentence edited since kept", "answer edited since kept"),
             NOT_KNOWN: ("answer not in the index (edited or file gone)", "answer not in the index")}
WORDS_ONLY = "words"  # what answers in lexical mode, for the status line (no model takes part)


class StatusLine(Static):
    """k, the mode, overlap@k of the two panes, each model's query latency, and for a query with
    known answers (``tui --questions``) where each model put the first of them.

    What matters most comes first: the answers' ranks, overlap, k and the mode, then latencies.
    A line too long for the terminal names the panes "left" and "right" rather than their models
    (their titles name them), then gives the latencies as one figure pair, then leaves them out.
    Was: at 80×24 it was cut after "overlap@10", k, the mode and the latencies lost.
    """

    k: reactive[int] = reactive(10)
    mode: reactive[str] = reactive("dense")
    overlap: reactive[tuple[int, int] | None] = reactive(None)
    # (side, model, query latency) per pane that answered.
    latencies: reactive[tuple[tuple[str, str, float], ...]] = reactive(())
    # (side, model, rank of its first answer or None) per pane, for a query with known answers (``--questions``).
    answers: reactive[tuple[tuple[str, str, int | None], ...]] = reactive(())
    # Why none of the query's known answers is in the index (``QuestionFile.why_not_in_index``), or None.
    answers_gone: reactive[str | None] = reactive(None)
    # The model both panes show, if they show the same one: the line says so, and names the panes by side.
    same_model: reactive[str | None] = reactive(None)

    def __init__(self, *, show_timings: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.show_timings = show_timings

    def render(self) -> str:
        width = self.content_size.width
        # One model in both panes: said first, the panes named by side (was: "✓ minilm #1, minilm #1 ·
        # … · minilm 78 ms · minilm 48 ms").
        if self.same_model:
            both = f"both panes: {self.same_model}"
            forms = [self.line(short=True, note=both), self.line(short=True, timings="pair", note=both),
                     self.line(short=True, timings="", note=both), self.line(short=True, timings="", note="same model")]
        else:
            forms = [self.line(), self.line(short=True), self.line(short=True, timings="pair"),
                     self.line(short=True, timings="")]
        return next((form for form in forms if not width or cell_len(form) <= width), forms[-1])

    def line(self, *, short: bool = False, timings: str = "each", note: str = "") -> str:
        """The status line; ``short``: the panes named by side; ``timings``: "each" pane's latency
        after its name, one "pair" of figures ("23/13 ms"), or none (""); ``note`` first."""
        parts = [f"k={self.k}", self.mode]
        if self.overlap is not None:
            parts.insert(0, f"overlap@{self.k}: {self.overlap[0]}/{self.overlap[1]}")
        if self.answers and self.answers_gone:  # no model can find it: not "not in 10" for each
            parts.insert(0, f"{ANSWER_MARK} " + GONE_SAID.get(self.answers_gone, GONE_SAID[NOT_KNOWN])[short])
        elif self.answers:  # where each model put the query's first known answer
            parts.insert(0, f"{ANSWER_MARK} " + ", ".join(f"{name} {'#' + str(rank) if rank else 'not in ' + str(self.k)}"
                                                          for name, rank in self._per_pane(self.answers, short)))
        latencies = self._per_pane(self.latencies, short) if self.show_timings else ()
        if timings == "pair" and len(latencies) > 1:
            parts.append("/".join(f"{ms:.0f}" for _, ms in latencies) + " ms")
        elif timings:
            parts += [f"{name} {ms:.0f} ms" for name, ms in latencies]
        return " · ".join([note, *parts] if note else parts)

    def _per_pane(self, entries: tuple, short: bool) -> tuple[tuple[str, object], ...]:
        """Each pane's (name, value), named by its model (``short``: by its side when both panes
        are shown); in lexical mode, where both panes search the index's words alone and no model
        takes part, the first pane's value, named so."""
        if self.mode == "lexical" and entries:
            return ((WORDS_ONLY, entries[0][2]),)
        by_side = short and len(entries) > 1
        return tuple((side if by_side else model, value) for side, model, value in entries)


HIT_STYLE = "bold reverse"  # the hit in the context panel (and how _hit_columns finds it there)


class ContextPanel(VerticalScroll):
    """The selected hit as it is in its file: its lines highlighted among the lines around it.

    Scrolled so that the hit stands in the middle (above it may be long lines, wrapped, earlier
    sentences of its own long line, or the panel short), and focusable (Tab to it): ↑/↓,
    PgUp/PgDn, Home/End scroll it. Its text is the ``Static`` ``#detail``.
    """

    BINDINGS = [  # with ScrollableContainer's (up, pageup, pagedown, home, end): "down" only shows them in the footer
        Binding("down", "scroll_down", "scroll", key_display="↑↓"),
        Binding("e", "app.edit", "edit"),
        Binding("a", "app.answer", "answer"),  # (`/`, back to the query: the app's, CompareApp.BINDINGS)
    ]

    def __init__(self, text: str, **kwargs):
        super().__init__(**kwargs)
        self.text = Static(text, id="detail")
        # Where the hit is (path:line) and its ranks: the panel's border title, never scrolled
        # away. Was the text's first line: scrolling the hit to the middle of a panel 6 rows high
        # (80×24) took it off the top, and the lines shown named no file. Then a row docked above
        # the lines: the scrollbar ran beside it too, its thumb beside the head at the top (the
        # head read as the first line scrolled), a row longer than the lines that scroll.
        self.head: Text | None = None  # the head shown (``fit_head``)
        # The text above the hit's lines and the text through them, while a hit is shown.
        self.hit_span: tuple[Text, Text] | None = None
        self.head_forms: tuple[Text, Text] = (Text(), Text())  # the head, whole and short (``fit_head``)

    def compose(self) -> ComposeResult:
        yield self.text

    def update(self, message: str) -> None:
        """A message instead of a hit (the hint, a problem), from its top."""
        self.hit_span = None
        self.head = self.border_title = None
        self.text.update(message)
        self.scroll_home(animate=False)

    def show_hint(self) -> None:
        self.update(SELECT_HINT)

    def show_hit(self, store: Store, hit: Hit, here: str, there: tuple[str, list[Hit] | None] | None, mode: str,
                 side: str = "left") -> None:
        """``there``: the other pane's model and its hits for this query (None: it has none, its
        model loading or failed; ``there`` None: no other pane). ``side``: the hit's pane."""
        if mode == "lexical":  # the index's words alone, the same search in both panes: no model ranked it
            here, there = WORDS_ONLY, None
        model, hits = there if there is not None else (None, None)
        found = None
        if hits is not None:
            # By text, as the marks match (``tui.rank_marks``): the other side may show another copy
            # (with context vectors each copy has a vector of its own, so each model picks its own).
            found = next((h for h in hits if h.text == hit.text), None)
        score = shown_score(hit.score, mode)
        other = "right" if side == "left" else "left"
        named_here, named_there = here, model
        if model is not None and model == here:  # one model in both panes: each named by its side too
            named_here, named_there = f"{here} ({side})", f"{model} ({other})"
        head = Text()
        head.append(f"{hit.location}", style="bold")
        head.append(f"   {named_here}: rank {hit.rank}, score {score}")
        if mode != "dense":
            head.append(f" (found by {' and '.join(hit.found_by)})")
        if model is not None and hits is None:  # was "not in its top k", of a pane that searched nothing
            head.append(f"   {named_there}: no results to compare (its pane did not answer this query)")
        elif model is not None:
            head.append(f"   {named_there}: " + (f"rank {found.rank}, score {shown_score(found.score, mode)}" if found else "not in its top k"))
        # The same in the table's terms, the panes named by side (their titles name the models):
        # for a panel too narrow for the whole head on one row.
        short = Text()
        short.append(f"{hit.location}", style="bold")
        # (by its model where no other pane is shown, or in lexical mode "words": last, so that a
        # model named by a long folder, cut at the border's end, leaves the rank and score in view)
        short.append(f" · {side} #{hit.rank} {score}" if model is not None else f" · #{hit.rank} {score}")
        if mode != "dense":
            short.append(f" {hit.found_mark}")
        if model is None:
            short.append(f" · {here}")
        if model is not None and hits is None:
            short.append(f" · {other}: no results")
        elif model is not None:
            short.append(f" · {other} " + (f"#{found.rank} {shown_score(found.score, mode)}" if found else "not in its top k"))
        self.head_forms = (head, short)
        notes = Text()  # below the head, scrolled with the lines
        if hit.read_by_other_version:
            notes.append(f"{OTHER_READER_NOTE}, which reads files otherwise: this sentence and its line are as that "
                        f"version stored them until {command_line('index', db=store.path)} reads the file again"
                        f"{read_only_note(store.path)}", style="yellow")
        if hit.copies > 1:
            notes.append(("\n" if notes else "") + f"the same sentence is also at: "
                         f"{', '.join(o['location'] for o in hit.other_locations)}"
                         + (" …" if hit.copies - 1 > len(hit.other_locations) else ""), style="dim")
        excerpt = read_excerpt(store, hit)
        if isinstance(excerpt, Excerpt):
            lines = excerpt.render().split("\n", allow_blank=True)
            first, last = excerpt.start[0] - excerpt.first, excerpt.end[0] - excerpt.first
        else:  # why, on its first line, then the sentences as indexed
            lines = indexed_sentences(hit, excerpt).split("\n", allow_blank=True)
            first, last = 1, len(lines) - 1
        newline = Text("\n")
        # Through the hit's first word and through its last character, not its lines' ends: one
        # line may hold a whole file of paragraphs, wrapped to a hundred rows and more.
        start, end = _hit_columns(lines[first]), _hit_columns(lines[last])
        start_line = lines[first] if start is None else lines[first][:_word_end(lines[first].plain, start[0])]
        end_line = lines[last] if end is None else lines[last][:end[1]]
        above = [notes] if notes else []
        self.hit_span = (newline.join([*above, *lines[:first], start_line]),
                         newline.join([*above, *lines[:last], end_line]))
        self.fit_head()
        self.text.update(newline.join([*above, *lines]))
        self.call_after_refresh(self.show_hit_lines)

    def fit_head(self) -> None:
        """The whole head where it fits in the top border, else its short form (cut with "…" there)."""
        width = self.outer_size.width - 6  # (less the border's corners and a "─ " either side of the title)
        full, short = self.head_forms
        self.head = full if width > 0 and full.cell_len <= width else short
        self.border_title = self.head

    def show_hit_lines(self) -> None:
        """Scroll the hit to the middle (its top, if it is taller than the panel): the rows from
        the one its first word is on to the one its last is on, as the panel wraps them."""
        # The width the text is to have: a scrollbar just shown may not have narrowed it yet.
        width = self.scrollable_content_region.width - self.text.styles.gutter.width
        if self.hit_span is None or not width:
            return
        to_start, through = (visualize(self.text, text).get_height(self.text.styles, width) for text in self.hit_span)
        above = to_start - 1
        room = self.scrollable_content_region.height - (through - above)
        self.scroll_to(y=above - max(0, room // 2), animate=False)

    def on_resize(self) -> None:
        if self.hit_span is not None:
            self.fit_head()
        self.call_after_refresh(self.show_hit_lines)  # its lines wrap anew

    def watch_show_vertical_scrollbar(self) -> None:
        self.call_after_refresh(self.show_hit_lines)  # its lines wrap anew, two columns narrower or wider


# --- where a hit lies in its file ---------------------------------------------------------

WORD = re.compile(r"\w+")
_CONTROL = {c: "�" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]}


@dataclass
class Excerpt:
    """Lines of a file, numbered from ``first``, and the hit's span in them: ``start`` is the
    (line, column) of its first character, ``end`` the (line, column) just past its last."""

    first: int
    lines: list[str]
    start: tuple[int, int]
    end: tuple[int, int]

    def render(self) -> Text:
        width = len(str(self.first + len(self.lines) - 1))
        out = Text()
        for number, line in enumerate(self.lines, self.first):
            inside = self.start[0] <= number <= self.end[0]
            out.append(f"{number:>{width}} │ ", style="bold" if inside else "dim")
            body = Text(line.translate(_CONTROL))
            if inside:
                body.stylize(HIT_STYLE, self.start[1] if number == self.start[0] else 0,
                             self.end[1] if number == self.end[0] else len(line))
            body.expand_tabs(4)
            out.append_text(body)
            if number < self.first + len(self.lines) - 1:
                out.append("\n")
        return out


def locate(lines: list[str], text: str, line: int, last: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where a sentence as indexed (markup left out, lines joined) lies in its file's ``lines``:
    ((line, column) of its start, (line, column) past its end), or None if its words are not there.

    It lies within lines ``line`` to ``last`` (1-based), starting on ``line`` unless it is the
    second part of a long sentence cut in two. Its words are matched in order, skipping file words
    the extractor left out (a link's URL); the alignment that skips fewest words wins, then the
    one starting on the earliest line, then the latest on that line (an earlier word on the line
    belongs to an earlier sentence).
    """
    words = [word.casefold() for word in WORD.findall(text)]
    if not words or not 1 <= line <= len(lines):
        return None
    found = [(n, m) for n in range(line, min(last, len(lines)) + 1) for m in WORD.finditer(lines[n - 1])]
    best = None
    for i, (n, m) in enumerate(found):
        if m.group().casefold() != words[0]:
            continue
        matched, skipped, end = 1, 0, (n, m.end())
        for n2, m2 in found[i + 1:]:
            if matched == len(words):
                break
            if m2.group().casefold() == words[matched]:
                matched, end = matched + 1, (n2, m2.end())
            else:
                skipped += 1
        key = (skipped, n, -m.start())
        if matched == len(words) and (best is None or key < best[0]):
            best = (key, (n, m.start()), end)
    if best is None:
        return None
    (start_line, start), (end_line, end) = best[1], best[2]
    # What touches the first or last word belongs to the sentence: "(see", "**bold**", "[link](url).".
    first, final = lines[start_line - 1], lines[end_line - 1]
    while start > 0 and not first[start - 1].isspace():
        start -= 1
    while end < len(final) and not final[end].isspace():
        end += 1
    return (start_line, start), (end_line, end)


def excerpt(lines: list[str], hit: Hit, neighbour_lines: dict[int, int], around: int = AROUND) -> Excerpt:
    """The hit and its neighbouring sentences' lines, at most ``around`` lines either side.

    ``neighbour_lines`` maps the ordinals of the sentences near the hit (up to ``CONTEXT + 1``
    after it) to the lines they start on.
    """
    after = sorted(o for o in neighbour_lines if o > hit.ordinal)
    # The hit ends by the line where a later sentence starts (the first on a later line: the
    # parts of a long sentence cut in two all carry the line it starts on).
    next_line = min([neighbour_lines[o] for o in after if neighbour_lines[o] > hit.line], default=hit.line + 200)
    span = locate(lines, hit.text, hit.line, next_line)
    if span is None:  # not found word for word (the extractor rewrote it): its whole lines
        last = max(hit.line, min(next_line - 1, len(lines)))
        span = (hit.line, 0), (last, len(lines[last - 1]) if last <= len(lines) else 0)
    (start_line, _), (end_line, _) = span
    before = [neighbour_lines[o] for o in neighbour_lines if o < hit.ordinal]
    first = max(start_line - around, min([start_line, *before]), 1)
    # Through the last neighbour's lines: up to where the sentence after it starts (if any).
    beyond = [neighbour_lines[o] for o in after if o > hit.ordinal + CONTEXT]
    last = max([neighbour_lines[o] for o in after if o <= hit.ordinal + CONTEXT] + [beyond[0] - 1]) if beyond \
        else end_line + around
    last = min(max(last, end_line), end_line + around, len(lines))
    while first < start_line and not lines[first - 1].strip():
        first += 1
    while last > end_line and not lines[last - 1].strip():
        last -= 1
    return Excerpt(first, lines[first - 1:last], *span)


def read_excerpt(store: Store, hit: Hit, around: int = AROUND) -> Excerpt | str:
    """The hit in its file as it is now, or why it cannot be shown from the file."""
    # documents.kind holds the document's format (``Extracted.format``); the column keeps its old name.
    row = store.conn.execute("SELECT kind FROM documents WHERE id = ?", (hit.document_id,)).fetchone()
    if row is None:
        if store.conn.execute("SELECT 1 FROM documents WHERE path = ?", (hit.path,)).fetchone():
            return "the file was indexed again since this search; run the query again"
        return ("the file was taken out of the index since this search (deleted, or simsearch forget); "
                "run the query again")
    if row[0] == "pdf":
        return f"a PDF: the text indexed from page {hit.line}"
    if row[0] == "epub":
        return f"an EPUB book: the text indexed from its document {hit.line} in reading order"
    # The file against what was indexed, as `search` says it (``file_state``: its whole stat, then its bytes).
    state = file_state(store, hit.document_id, hit.path)
    try:
        if state == "indexed":
            lines = _file_lines(hit.path, file_identity(os.stat(hit.path)), row[0], _read_limit(store))
    except OSError:
        state = "gone" if not os.path.lexists(hit.path) else "unreadable"
    except Skip:  # (a document the index read, unreadable now though its bytes are the same: never, in practice)
        state = "unreadable"
    if state == "gone":
        if root_gone(store, hit.path):  # `index` keeps a missing folder's documents
            return (f"the file is gone since it was indexed, and its folder too "
                    f"({command_line('forget', '--missing', db=store.path)} takes them out of the index{read_only_note(store.path)})")
        return (f"the file is gone since it was indexed ({command_line('index', db=store.path)} brings the index up "
                f"to date{read_only_note(store.path)})")
    if state == "unreadable":
        return "the file cannot be read now (not a file, or no permission)"
    if state == "changed" or hit.line > len(lines):
        return (f"the file changed since it was indexed ({command_line('index', db=store.path)} brings the index up "
                f"to date{read_only_note(store.path)})")
    neighbours = dict(store.conn.execute(
        "SELECT ordinal, line FROM sentences WHERE document_id = ? AND ordinal BETWEEN ? AND ? AND ordinal != ?",
        (hit.document_id, hit.ordinal - CONTEXT, hit.ordinal + CONTEXT + 1, hit.ordinal)))
    return excerpt(lines, hit, neighbours, around)


# A Word or OpenDocument file, as a notice names it (its lines are its paragraphs: ``extract.office``).
OFFICE_NAMES = {"docx": "a Word document", "odt": "an OpenDocument text"}


def _read_limit(store: Store) -> int:
    """What a Word or OpenDocument file's XML may unpack to for the panel: the ``--max-file-mb`` the
    index recorded (its reader's budget when ``index`` read it), or the readers' own cap if larger."""
    try:
        limit = int(float(store.setting("max_file_mb") or 0) * 2**20)
    except (ValueError, OverflowError, sqlite3.Error):
        limit = 0
    return max(limit, zipped.MAX_UNPACKED)


@functools.lru_cache(maxsize=4)  # moving the cursor through one file's hits reads it once
def _file_lines(path: str, identity: tuple[int, int, int, int], file_format: str = "text",
                budget: int | None = None) -> list[str]:
    """The file's lines; ``identity`` (size, mtime, inode, ctime) keys the cache, so a file
    written since (even with its size and mtime put back) is read again. A Word or OpenDocument
    file's "lines" are its paragraphs as a hit numbers them (read from the file, its pictures never
    in memory, within ``budget`` unpacked), so the panel shows its text, not its XML; a notebook's
    are its own, with its markdown cells' text on them and nothing of its JSON (read without its
    pictures)."""
    if file_format in OFFICE_NAMES:
        with open(path, "rb") as handle:
            return paragraphs(handle, file_format, budget)
    if file_format == "notebook":
        with open(path, "rb") as handle:
            return notebook_lines(decode(without_pictures(handle)[0])[0])
    return source_lines(decode(Path(path).read_bytes())[0])


def _hit_columns(line: Text) -> tuple[int, int] | None:
    """Where the hit's highlight lies in one rendered line: (start, end), or None if not on it."""
    spans = [span for span in line.spans if str(span.style) == HIT_STYLE and span.end > span.start]
    return (min(span.start for span in spans), max(span.end for span in spans)) if spans else None


def _word_end(text: str, start: int) -> int:
    """Just past the word (what runs to the next space) that begins at ``start``."""
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return max(end, start + 1)


def indexed_sentences(hit: Hit, reason: str) -> Text:
    """The hit between its neighbouring sentences as they were indexed, after why the file is not shown."""
    text = Text(f"({reason}; as indexed:)\n", style="italic yellow")
    for sentence in hit.before:
        text.append(sentence + " ", style="dim")
    text.append(hit.text, style=HIT_STYLE)
    for sentence in hit.after:
        text.append(" " + sentence, style="dim")
    return text


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _shorten_left(text: str, width: int) -> str:
    """Keep the end of a long location: the file name and line matter most."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


class CommandHint:
    """A hint of prose lines and commands to paste, laid out for the width it is drawn at: a
    command too long for one line goes on over several, broken between two of its words, each
    line but the last ending in `` \\``, so that the lines copied together run as one command.
    Was: a Static's text, which wrapped a command like prose: at 100 columns "simsearch index
    --model" on one line and its model on the next (pasted, the first line ran alone).

    ``parts``: a prose line (``str``), or a command's shell words as :func:`shlex.join` gave them
    (``tuple``). A word wider than the box (a long model name or ``--db`` path; at 80 columns the
    box has 34) is cut where the shell joins it again: a line ending in ``\\`` right after a
    character, the rest of the word from the first column. (Not inside quotes, where the shell
    keeps the backslash: a quoted word too wide is folded, as prose.)"""

    INDENT, GOES_ON = "  ", "    "

    def __init__(self, *parts: str | tuple[str, ...]):
        self.parts = parts

    @staticmethod
    def command(line: str) -> tuple[str, ...]:
        """A command line (:func:`simsearch.models.command_line`) as its quoted words."""
        import shlex

        return tuple(shlex.quote(word) for word in shlex.split(line))

    def lines(self, width: int) -> list[str]:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out += [piece for line in self._command_lines(part, width) for piece in _cut_for_shell(line, width)]
        return out

    def _command_lines(self, words: tuple[str, ...], width: int) -> list[str]:
        """The command over lines broken between words; a line may still be too wide for one word."""
        units: list[list[str]] = []  # an option and its value go on one line: "--model NAME"
        for word in words:
            if units and len(units[-1]) == 1 and units[-1][0].startswith("-") and not word.startswith("-"):
                units[-1].append(word)
            else:
                units.append([word])
        out = []
        line = None
        while units:
            unit = " ".join(words := units.pop(0))
            rest = " \\" if units else ""  # (the last line ends in the last word)
            if line is not None and cell_len(f"{line} {unit}{rest}") <= width:
                line += f" {unit}"
                continue
            # on a line of its own, indented less where that makes room for it and its " \\"
            indents = (self.INDENT,) if line is None else (self.GOES_ON, self.INDENT)
            indent = next((indent for indent in (*indents, "") if cell_len(f"{indent}{unit}{rest}") <= width), None)
            if indent is None and len(words) > 1:
                units[:0] = [[word] for word in words]  # an option and its value too wide together: apart
                continue
            if line is not None:
                out.append(line + " \\")
            line = (indents[0] if indent is None else indent) + unit
        out.append(line)
        return out

    def __rich_console__(self, console, options):
        yield Text("\n".join(self.lines(options.max_width)))

    def __str__(self) -> str:
        """Each command on one line, as at any width it fits."""
        return "\n".join(part if isinstance(part, str) else self.INDENT + " ".join(part) for part in self.parts)


def _cut_for_shell(line: str, width: int) -> list[str]:
    """``line`` (of a command) in pieces no wider than ``width``, each but the last ending in a
    backslash that the shell removes with the line break after it: the pieces pasted are the line.
    Never inside single quotes, where the shell keeps the backslash: a word :func:`shlex.quote`
    put in single quotes is put in double quotes instead (where it is removed), when it holds
    nothing they would read otherwise (``$ ` \\ " !``). A line it cannot cut is left whole."""
    if cell_len(line) <= width or width < 2:
        return [line]
    if '"' not in line:
        line = re.sub(r"'([^'$`\\\\!]*)'", r'"\1"', line)
    quoted, quote = [], ""  # the quote open after each character: the cuts allowed
    for char in line:
        quote = "" if quote == char else char if not quote and char in "'\"" else quote
        quoted.append(quote)
    pieces, start = [], 0
    while cell_len(line[start:]) > width:
        cut = None
        for end in range(start + 1, len(line)):
            if cell_len(line[start:end]) > width - 1:
                break
            if quoted[end - 1] != "'" and line[start:end].strip():
                cut = end  # (never inside single quotes, nor after the indent alone)
        if cut is None:
            break
        pieces.append(line[start:cut] + "\\")
        start = cut
    return [*pieces, line[start:]]
