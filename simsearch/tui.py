"""``simsearch tui``: one query, two models side by side (the base model and a SimCSE model).

Both panes search the same index through ``Searcher``, in worker threads: a new query
cancels a stale one, and a model loads without freezing the screen. Marks show how the
two rankings differ: ``=3`` same rank on the other side, ``▲7`` found there at rank 7 and
ranked higher here, ``▼2`` found there at rank 2 and lower here, ``only`` not found there.
Both panes search in one mode (``--mode``, ``m`` cycles dense/lexical/hybrid); in hybrid mode
each result says which side found it: ``D`` dense, ``L`` lexical, ``D+L`` both.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.worker import get_current_worker

from .errors import SimsearchError
from .search import MODES, Hit, Searcher, display_path
from .store import ModelRow, Store, default_db_path

SIDES = ("left", "right")
SELECT_HINT = "Select a result (Tab to a pane, then ↑/↓) to see its context here; e opens it in $EDITOR."
K_STEPS = (5, 10, 20, 50, 100)


def rank_marks(this: list[Hit], other: list[Hit]) -> list[str]:
    """For each hit of one side, its place on the other side: ``=r``, ``▲r``, ``▼r`` or ``only``."""
    other_rank = {hit.sentence_id: hit.rank for hit in other}
    marks = []
    for hit in this:
        rank = other_rank.get(hit.sentence_id)
        if rank is None:
            marks.append("only")
        elif rank == hit.rank:
            marks.append(f"={rank}")
        else:
            marks.append(f"{'▲' if hit.rank < rank else '▼'}{rank}")
    return marks


def overlap(left: list[Hit], right: list[Hit]) -> tuple[int, int]:
    """(results found by both sides, results per side): the overlap@k shown in the status line."""
    common = {h.sentence_id for h in left} & {h.sentence_id for h in right}
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


@dataclass
class Side:
    """One pane's state: its model, its searcher (once loaded) and its latest results."""

    name: str
    model: str | None = None
    searcher: Searcher | None = None
    loading: bool = False
    error: str | None = None
    hits: list[Hit] = field(default_factory=list)
    query: str | None = None  # the query ``hits`` answer
    latency_ms: float | None = None
    requested: int = 0  # the newest query request for this pane; older results are dropped


class ModelPicker(ModalScreen[str]):
    """Choose one of the index's models for a pane."""

    BINDINGS = [Binding("escape", "dismiss_none", "cancel")]

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

  Enter        run the query            ↑ / ↓ (in the query)  previous queries
  Tab          move between query and panes
  Enter on a row, or moving the cursor: show its context below
  e            open the selected result in $EDITOR at its line
  l / r        choose the left / right model (F2 / F3 from anywhere)
  + / -        more / fewer results (k)
  m            search mode: dense (meaning), lexical (words), hybrid (both)
  /            back to the query
  ?  / F1      this help              q / Ctrl+Q   quit

Marks: [b]=3[/b] same rank on the other side · [b]▲7[/b] the other side has it at 7, this one higher ·
[b]▼2[/b] the other side has it at 2, this one lower · [b]only[/b] the other side did not find it.
In hybrid mode [b]D[/b] / [b]L[/b] / [b]D+L[/b] after a mark: found by the dense side, the lexical side, both.
The status line shows the mode, overlap@k (results both sides found) and each side's query latency.

Press any key to close."""


class HelpScreen(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Static(HELP, id="help")

    def on_key(self) -> None:
        self.dismiss(None)


class QueryInput(Input):
    """The query box, with ↑/↓ through earlier queries."""

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


class CompareApp(App):
    """Base model and SimCSE model, side by side, over one index."""

    CSS_PATH = "tui.tcss"
    TITLE = "simsearch"
    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", priority=True),
        Binding("q", "quit", "quit", show=False),
        Binding("f1", "help", "help"),
        Binding("question_mark", "help", "help", show=False),
        Binding("f2", "pick('left')", "left model"),
        Binding("f3", "pick('right')", "right model"),
        Binding("l", "pick('left')", show=False),
        Binding("r", "pick('right')", show=False),
        Binding("plus", "k(1)", "more"),
        Binding("minus", "k(-1)", "fewer"),
        Binding("m", "mode", "mode"),
        Binding("e", "edit", "edit"),
        Binding("slash", "focus_query", show=False),
    ]

    def __init__(self, db: Path | None = None, left: str | None = None, right: str | None = None, k: int = 10,
                 *, device: str = "cpu", show_timings: bool = True, mode: str = "dense"):
        super().__init__()
        self.mode = mode
        self.db_path = Path(db) if db else default_db_path()
        self.requested = {"left": left, "right": right}
        self.k = k
        self.device = device
        self.show_timings = show_timings
        self.sides = {name: Side(name) for name in SIDES}
        self.store: Store | None = None
        self.models: list[str] = []
        self.problem: str | None = None
        self.selected: tuple[str, Hit] | None = None
        self._requests = 0
        # Every query runs on this one long-lived thread: torch's CPU thread pool stays warm
        # (a fresh thread per query made each encode ~1.5x slower), and queries never overlap.
        self._query_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simsearch-query")

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield QueryInput(placeholder="Type a query and press Enter", id="query")
        with Horizontal(id="panes"):
            for side in SIDES:
                with Vertical(id=f"{side}-pane", classes="pane"):
                    yield Label("", id=f"{side}-title", classes="pane-title")
                    table = DataTable(id=f"{side}-table", cursor_type="row")
                    yield table
            yield Static("", id="hint")
        yield Static("", id="detail")
        yield Static("", id="stats")
        yield Footer()

    def on_mount(self) -> None:
        for side in SIDES:
            table = self.query_one(f"#{side}-table", DataTable)
            # Two cells of two lines per result (DataTable's cost grows with cells, and a
            # frame of ten 4-cell rows took ~45 ms here): "rank score / mark", "sentence / location".
            table.add_column(" #  score", key="hit")
            table.add_column("sentence / location", key="text")
        self.query_one("#hint").display = False
        self.open_index()
        self.query_one("#query").focus()

    def open_index(self) -> None:
        if not self.db_path.exists():
            return self.show_problem(f"No index at {self.db_path}.\n\nBuild one first:\n"
                                     "    simsearch index ~/notes\nthen run simsearch tui again (or pass --db FILE).")
        try:
            self.store = Store.open(self.db_path, create=False)
        except SimsearchError as exc:
            return self.show_problem(str(exc))
        self.models = [row.name for row in self.store.models()]
        left, right = default_models(self.store)
        left = self.requested["left"] or left
        right = self.requested["right"] or right
        if left is None:
            return self.show_problem(f"The index at {self.db_path} holds no models yet:\n    simsearch index ~/notes")
        for name in (left, right):
            if name is not None and name not in self.models:
                return self.show_problem(f"Model {name!r} is not in the index (it holds: {', '.join(self.models)}).\n"
                                         f"Add it with: simsearch index --model {name}")
        self.set_model("left", left)
        if right is None:
            self.query_one("#right-pane").display = False
            hint = self.query_one("#hint", Static)
            hint.update(f"This index holds one model ({left}).\n\nTo compare with a SimCSE model:\n"
                        "    simsearch train --unsup notes.txt\n    simsearch index --model notes-unsup-simcse\n\n"
                        "(or any other model: simsearch index --model NAME)")
            hint.display = True
        else:
            self.set_model("right", right)
        self.update_stats()
        return None

    def show_problem(self, message: str) -> None:
        self.problem = message
        self.query_one("#panes").display = False
        self.query_one("#query", Input).disabled = True
        self.query_one("#detail", Static).update(message)

    # --- models ---------------------------------------------------------------------------

    def active_sides(self) -> list[Side]:
        return [side for side in self.sides.values() if side.model is not None]

    def set_model(self, side_name: str, model: str) -> None:
        side = self.sides[side_name]
        side.model, side.searcher, side.loading, side.error, side.hits, side.query = model, None, True, None, [], None
        self.update_title(side)
        self.run_worker(lambda: self._load(side, model), thread=True, exclusive=True, group=f"load-{side_name}")

    def _load(self, side: Side, model: str) -> None:
        try:
            searcher = Searcher.open(Store.open(self.db_path, create=False), model, device=self.device)
            searcher.load_encoder()
            error = None
        except SimsearchError as exc:
            searcher, error = None, str(exc)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._loaded, side, model, searcher, error)

    def _loaded(self, side: Side, model: str, searcher: Searcher | None, error: str | None) -> None:
        if side.model != model:
            return  # switched again meanwhile
        side.searcher, side.loading, side.error = searcher, False, error
        self.update_title(side)
        query = self.query_one("#query", Input).value.strip()
        if searcher is not None and query:
            self.search([side], query)

    def update_title(self, side: Side) -> None:
        title = self.query_one(f"#{side.name}-title", Label)
        if side.error:
            title.update(Text(f"{side.model}: {side.error}", style="bold red"))
        elif side.loading:
            title.update(Text(f"{side.model}  (loading…)", style="italic"))
        else:
            size = side.searcher.size if side.searcher else 0
            title.update(Text.assemble((side.model or "", "bold"), f"  {size:,} sentences, {side.searcher.vectors.kind}"))

    # --- queries --------------------------------------------------------------------------

    @on(Input.Submitted, "#query")
    def submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            return
        self.query_one(QueryInput).remember(query)
        for side in self.active_sides():
            if side.searcher is None:
                self.update_title(side)  # loading: it runs the query once loaded
        self.search([side for side in self.active_sides() if side.searcher is not None], query)

    def search(self, sides: list[Side], query: str) -> None:
        """Query these panes one after the other on the query thread, and show them together.

        On two cores two encodes in parallel take as long as the two in series, and handing
        both result lists to the UI at once means one table refill and one frame (the rank
        marks need both lists anyway). A newer request makes an older one stop between panes.
        """
        if not sides:
            return
        self._requests += 1
        request, k, mode = self._requests, self.k, self.mode
        jobs = []
        for side in sides:
            side.requested = request
            jobs.append((side, side.searcher))
        self.run_worker(self._search(jobs, query, k, request, mode), exclusive=True,
                        group="search-" + "+".join(side.name for side in sides))

    async def _search(self, jobs: list[tuple[Side, Searcher]], query: str, k: int, request: int,
                      mode: str = "dense") -> None:
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(self._query_thread, _run_queries, jobs, query, k, request, mode)
        if results:
            self._show(query, request, results)

    def on_unmount(self) -> None:
        self._query_thread.shutdown(wait=False, cancel_futures=True)

    def _show(self, query: str, request: int, results: list[tuple[Side, Searcher, list[Hit], float]]) -> None:
        shown = False
        for side, searcher, hits, latency in results:
            if side.searcher is searcher and side.requested == request:
                side.hits, side.query, side.latency_ms = hits, query, latency
                shown = True
        if shown:
            self.selected = None
            self.query_one("#detail", Static).update(SELECT_HINT)
            self.refresh_tables()

    def refresh_tables(self) -> None:
        with self.batch_update():  # one frame for both tables, not one per row
            self._fill_tables()
        self.update_stats()

    def _fill_tables(self) -> None:
        left, right = self.sides["left"], self.sides["right"]
        comparable = right.model is not None and left.query is not None and left.query == right.query
        for side, other in ((left, right), (right, left)):
            table = self.query_one(f"#{side.name}-table", DataTable)
            table.clear()
            marks = rank_marks(side.hits, other.hits) if comparable else [""] * len(side.hits)
            text_width = max(24, table.size.width - 16)
            for hit, mark in zip(side.hits, marks):
                style = "green" if mark.startswith("▲") else "red" if mark.startswith("▼") else \
                    "yellow" if mark == "only" else "dim"
                head = Text(f"{hit.rank:>2}  {hit.score:.4f}\n    " if self.mode == "hybrid"
                            else f"{hit.rank:>2}  {hit.score:.3f}\n    ")
                head.append(mark, style=style)
                if self.mode == "hybrid":  # which side found it: D dense, L lexical
                    head.append(f" {hit.found_mark}", style="cyan")
                cell = Text(_shorten(hit.text, text_width))
                # The same text elsewhere too: one row, "(+N more)" after its location.
                location = hit.location + (f" (+{hit.copies - 1} more)" if hit.copies > 1 else "")
                cell.append("\n" + _shorten_left(location, text_width), style="dim")
                table.add_row(head, cell, key=str(hit.sentence_id), height=2)

    def update_stats(self) -> None:
        parts = [f"k={self.k}", self.mode]
        left, right = self.sides["left"], self.sides["right"]
        if right.model is not None and left.query is not None and left.query == right.query:
            common, total = overlap(left.hits, right.hits)
            parts.insert(0, f"overlap@{self.k}: {common}/{total}")
        if self.show_timings:
            for side in self.active_sides():
                if side.latency_ms is not None:
                    parts.append(f"{side.model} {side.latency_ms:.0f} ms")
        self.query_one("#stats", Static).update(" · ".join(parts))

    # --- selection and actions ------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        side = self.sides[event.data_table.id.split("-")[0]]
        if not event.data_table.has_focus or event.row_key is None or event.row_key.value is None:
            return  # new results highlight row 0 of both tables: only the user's cursor counts
        hit = next((h for h in side.hits if str(h.sentence_id) == event.row_key.value), None)
        if hit is not None:
            self.selected = (side.name, hit)
            self.show_detail(side, hit)

    def on_descendant_focus(self, event) -> None:
        table = event.widget
        if isinstance(table, DataTable) and table.row_count:
            side = self.sides[table.id.split("-")[0]]
            row = min(table.cursor_row, len(side.hits) - 1)
            if row >= 0:
                self.selected = (side.name, side.hits[row])
                self.show_detail(side, side.hits[row])

    def show_detail(self, side: Side, hit: Hit) -> None:
        other = self.sides["right" if side.name == "left" else "left"]
        text = Text()
        text.append(f"{hit.location}", style="bold")
        text.append(f"   {side.model}: rank {hit.rank}, score {hit.score:.3f}")
        if self.mode != "dense":
            text.append(f" (found by {' and '.join(hit.found_by)})")
        if other.model is not None:
            there = next((h for h in other.hits if h.sentence_id == hit.sentence_id), None)
            text.append(f"   {other.model}: " + (f"rank {there.rank}, score {there.score:.3f}" if there else "not in its top k"))
        if hit.copies > 1:
            text.append(f"\nthe same sentence is also at: {', '.join(o['location'] for o in hit.other_locations)}"
                        + (" …" if hit.copies - 1 > len(hit.other_locations) else ""), style="dim")
        text.append("\n")
        for sentence in hit.before:
            text.append(sentence + " ", style="dim")
        text.append(hit.text, style="bold reverse")
        for sentence in hit.after:
            text.append(" " + sentence, style="dim")
        self.query_one("#detail", Static).update(text)

    def action_pick(self, side_name: str) -> None:
        if self.problem or not self.models:
            return
        if side_name == "right" and self.sides["right"].model is None and len(self.models) < 2:
            self.notify("This index holds one model: add another with simsearch index --model NAME")
            return

        def chosen(model: str | None) -> None:
            if model is None:
                return
            if side_name == "right" and self.sides["right"].model is None:
                self.query_one("#hint").display = False
                self.query_one("#right-pane").display = True
            self.set_model(side_name, model)

        self.push_screen(ModelPicker(side_name, self.models, self.sides[side_name].model), chosen)

    def action_k(self, step: int) -> None:
        index = min(range(len(K_STEPS)), key=lambda i: abs(K_STEPS[i] - self.k))
        self.k = K_STEPS[max(0, min(len(K_STEPS) - 1, index + step))]
        query = self.query_one("#query", Input).value.strip()
        if query:
            self.search([side for side in self.active_sides() if side.searcher is not None], query)
        self.update_stats()

    def action_mode(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)] if self.mode in MODES else MODES[0]
        query = self.query_one("#query", Input).value.strip()
        if query:
            self.search([side for side in self.active_sides() if side.searcher is not None], query)
        self.update_stats()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_focus_query(self) -> None:
        self.query_one("#query").focus()

    def action_edit(self) -> None:
        if self.selected is None:
            self.notify("Select a result first (Tab to a pane, then ↑/↓)")
            return
        hit = self.selected[1]
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR (for example: export EDITOR=vim) to open results", severity="warning")
            return
        try:
            with self.suspend():
                subprocess.run(editor_command(editor, hit.path, hit.line), check=False)
        except SuspendNotSupported:  # a headless or web driver cannot hand the terminal over
            self.notify(f"Cannot open an editor from here: {display_path(hit.path)}:{hit.line}", severity="warning")
        except OSError as exc:
            self.notify(f"$EDITOR {editor!r} failed: {exc.strerror}", severity="error")


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


def _run_queries(jobs: list[tuple[Side, Searcher]], query: str, k: int, request: int,
                 mode: str = "dense") -> list | None:
    """On the query thread: each pane's hits (with context) and latency, or None once superseded."""
    results = []
    for side, searcher in jobs:
        if side.requested != request:
            return None
        hits = searcher.search(query, k, mode=mode, context=2)
        results.append((side, searcher, hits, searcher.timings["total_ms"]))
    return results


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _shorten_left(text: str, width: int) -> str:
    """Keep the end of a long location: the file name and line matter most."""
    return text if len(text) <= width else "…" + text[-(width - 1):]


def run(db: Path | None, left: str | None, right: str | None, k: int, device: str, mode: str = "dense") -> None:
    CompareApp(db, left, right, k, device=device, mode=mode).run()


__all__ = ["CompareApp", "default_models", "editor_command", "overlap", "rank_marks", "run"]
