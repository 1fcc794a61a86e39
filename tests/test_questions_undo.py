"""`a` again takes back an answer kept in this session (``QuestionFile.toggle``): the line the
session wrote is deleted, the file rewritten whole (temporary file + ``os.replace``), every other
line byte for byte; a line the session did not write is never touched."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.errors import SimsearchError
from simsearch.questions import QuestionFile
from simsearch.retrieval import load_queries, normalize_text

from .test_questions import a_hit, press_a_on_the_first_result, questions_in_a_new_folder

QUERIES = ["how do I reset it", "chess openings", "ünïcode “quotes”"]
PLACES = ["notes/a.md", "notes/deep/b.rst", "../elsewhere/c.txt"]
TEXTS = ["Hold the button ten seconds.", "The Sicilian is sharp.", "Line \"one\"\\two", "Prices rose."]
# A user's lines: no line end at the end, CRLF and a blank line, a BOM, an answer by text alone.
PREFIXES = [
    b"",
    b'{"query": "chess openings", "relevant": ["notes/a.md:1-9"]}',
    b'\xef\xbb\xbf{"id": "mine", "query": "stock prices", "relevant": [{"text": "Prices rose."}]}\r\n\r\n',
    b'{"query": "how do I reset it", "relevant": [{"text": "Prices rose."}]}\n',
]


def _lines(data: bytes) -> list[bytes]:
    import re
    return re.findall(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES),
       steps=st.lists(st.tuples(st.sampled_from(QUERIES), st.sampled_from(PLACES), st.sampled_from(TEXTS),
                                st.booleans()), max_size=16))
def test_keep_and_take_back_leave_the_file_as_an_oracle_says(tmp_path_factory, prefix, steps):
    """Against an oracle of the file's lines: the user's lines, then the lines each session wrote
    in order, a line gone when its answer is taken back in the session that wrote it. ``reopen``
    starts a new session, whose answers before it can no longer be taken back by a key."""
    root, path = questions_in_a_new_folder(tmp_path_factory, prefix)
    prior = {q.text: list(q.units) for q in load_queries(path)} if prefix else {}
    expected = _lines(prefix)  # the file's lines, as bytes with their ends
    earlier: set[tuple[str, str, str]] = set()  # kept by an earlier session
    mine: dict[tuple[str, str, str], bytes] = {}  # kept by this session: its line
    kept = QuestionFile(path)
    for query, place, text, reopen in steps:
        if reopen:
            kept, earlier = QuestionFile(path), earlier | set(mine)
            mine = {}
        hit = a_hit(root, place, text)
        key = (query, os.path.normpath(hit.path), normalize_text(text))
        by_user = any(unit.matches((key[1],), hit.line, key[2]) for unit in prior.get(query, ()))
        marked = kept.toggle(query, hit)
        if key in mine:
            assert marked.taken_back and not marked.written
            line = mine.pop(key)
            assert expected[marked.line - 1] == line
            expected.remove(line)
        elif by_user or key in earlier:
            assert not marked.taken_back and not marked.written
            named = expected[marked.line - 1].decode("utf-8-sig")
            assert query in named or query not in json.loads(named)["query"]  # a line of this query
        else:
            assert marked.written
            if expected and not expected[-1].endswith((b"\n", b"\r")):
                expected[-1] += b"\n"
            line = path.read_bytes().splitlines(keepends=True)[-1]
            mine[key] = line
            expected.append(line)
        data = path.read_bytes() if path.exists() else b""
        assert _lines(data) == expected  # every other line byte for byte, in its place
    if not any(line.strip(b"\xef\xbb\xbf\r\n") for line in expected):
        return
    found = {q.text: {(u.path, u.text) for u in q.units if u.text is not None} for q in load_queries(path)}
    for query, place, text in {*earlier, *mine}:
        assert (place, text) in found[query]
    answers = sum(len(units) for units in found.values())
    user = sum(len({(u.path, u.text) for u in units if u.text is not None}) for units in prior.values())
    assert answers <= user + len(earlier) + len(mine)


def test_a_kept_answer_is_taken_back_and_can_be_kept_again(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q1", "query": "chess", "relevant": [{"path": "a.md", "text": "E4 first."}]}\n')
    os.chmod(path, 0o640)
    kept = QuestionFile.open(path)
    one, two = a_hit(tmp_path, "a.md", "The Sicilian is sharp."), a_hit(tmp_path, "b.md", "Reset it.")
    assert kept.toggle("chess", one).written and kept.toggle("reset it", two).written
    before = path.read_bytes().splitlines(keepends=True)
    back = kept.toggle("chess", one)
    assert (back.taken_back, back.line, back.answers) == (True, 2, 1)
    assert path.read_bytes().splitlines(keepends=True) == [before[0], before[2]]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert kept.answered("chess", [one]) == [False]
    last = kept.toggle("reset it", two)  # the query's only answer: its line goes, and the query with it
    assert (last.taken_back, last.answers) == (True, 0)
    assert [q.text for q in load_queries(path)] == ["chess"]
    again = kept.toggle("chess", one)
    assert again.written and again.line == 2


def test_an_answer_the_session_did_not_write_is_left_and_its_line_named(tmp_path):
    path = tmp_path / "q.jsonl"
    earlier = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    earlier.mark("chess", hit)
    path.write_bytes(b'{"query": "other", "relevant": "a.md"}\r\n' + path.read_bytes())  # edited by hand
    data = path.read_bytes()
    marked = QuestionFile.open(path).toggle("chess", hit)  # another session
    assert (marked.written, marked.taken_back, marked.line) == (False, False, 2)
    assert path.read_bytes() == data
    # This session's own line, edited by hand since: the user's now.
    session = QuestionFile.open(path)
    other = a_hit(tmp_path, "a.md", "E4 first.")
    session.toggle("chess", other)
    path.write_bytes(path.read_bytes().replace(b'"E4 first."}]}', b'"E4 first."}, "c.md"]}'))
    data = path.read_bytes()
    marked = session.toggle("chess", other)
    assert (marked.taken_back, marked.line) == (False, 3) and path.read_bytes() == data


def test_a_file_changed_on_disk_since_it_was_read_is_not_rewritten(tmp_path):
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    kept.toggle("chess", hit)
    with open(path, "a") as out:  # an editor, or another session, meanwhile
        out.write('{"query": "reset it", "relevant": "a.md"}\n')
    data = path.read_bytes()
    with pytest.raises(SimsearchError, match=r"q.jsonl changed on disk since simsearch read it: nothing taken back"):
        kept.toggle("chess", hit)
    assert path.read_bytes() == data
    back = kept.toggle("chess", hit)  # read again: now it is taken back, the other line kept
    assert back.taken_back and path.read_bytes() == b'{"query": "reset it", "relevant": "a.md"}\n'


def test_an_answer_deleted_in_an_editor_is_not_kept_again_by_a_press_meant_to_take_it_back(tmp_path):
    """Was: the ✓ the app showed was the file's before an editor deleted the answer's line; `a` on
    it (meaning "take it back") wrote the answer again and said "Kept as answer 1"."""
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    kept.toggle("chess", hit)
    path.write_bytes(b'{"query": "reset it", "relevant": "a.md"}\n')  # the line deleted, another one written
    data = path.read_bytes()
    with pytest.raises(SimsearchError, match=r"changed on disk since simsearch read it: this result is no longer an "
                                             r"answer to 'chess' there; nothing written \(press a again to keep it\)"):
        kept.toggle("chess", hit)
    assert path.read_bytes() == data and kept.answered("chess", [hit]) == [False]
    again = kept.toggle("chess", hit)  # the view read again: now `a` means "keep"
    assert again.written and len(load_queries(path)) == 2
    other = a_hit(tmp_path, "b.md", "Reset it.")  # a result that was no answer: kept, file changed or not
    with open(path, "a") as out:
        out.write('{"query": "x", "relevant": "a.md"}\n')
    assert kept.toggle("reset it", other).written

def test_a_press_on_an_answer_whose_file_was_deleted_makes_no_file(tmp_path):
    """Was: `a` on a ✓ whose file was deleted meanwhile said "…; nothing written (press a again to
    keep it)" and left an empty file of questions there, made by the lock taken to write."""
    path = tmp_path / "q.jsonl"
    kept = QuestionFile.open(path)
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    kept.toggle("chess", hit)
    path.unlink()
    with pytest.raises(SimsearchError, match=r"no longer an answer to 'chess' there; nothing written"):
        kept.toggle("chess", hit)
    assert not path.exists() and kept.answered("chess", [hit]) == [False]
    assert kept.toggle("chess", hit).written and len(load_queries(path)) == 1  # now `a` means "keep"


def test_a_link_stays_a_link_and_a_read_only_or_hard_linked_file_is_refused(tmp_path):
    real = tmp_path / "real.jsonl"
    link = tmp_path / "q.jsonl"
    link.symlink_to(real)
    kept = QuestionFile.open(link)
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    kept.toggle("chess", hit)
    assert kept.toggle("chess", hit).taken_back
    assert link.is_symlink() and real.read_bytes() == b""
    kept.toggle("chess", hit)
    data = real.read_bytes()
    os.link(real, tmp_path / "other.jsonl")
    with pytest.raises(SimsearchError, match="changed on disk"):  # (a new link changes the file's ctime)
        kept.toggle("chess", hit)
    with pytest.raises(SimsearchError, match="has 2 hard links, which a rewrite would part"):
        kept.toggle("chess", hit)
    os.unlink(tmp_path / "other.jsonl")
    os.chmod(real, 0o444)  # (root too: was rewritten when root ran simsearch, which os.access lets write anything)
    with pytest.raises(SimsearchError, match="changed on disk"):  # (chmod changes the file's ctime)
        kept.toggle("chess", hit)
    with pytest.raises(SimsearchError, match="read-only"):
        kept.toggle("chess", hit)
    assert real.read_bytes() == data


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555], ids=oct)
def test_a_file_with_no_write_bit_gets_no_new_answer(tmp_path, mode):
    """Was: as root, `a` appended to a questions file made read-only (``chmod 444``), and took an
    answer back by rewriting it: ``os.access`` lets root write anything. The mode is the owner's
    "do not touch", for root as for anyone."""
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"id": "q1", "query": "chess", "relevant": [{"path": "a.md", "text": "E4 first."}]}\n')
    kept = QuestionFile.open(path)
    os.chmod(path, mode)
    data = path.read_bytes()
    hit = a_hit(tmp_path, "a.md", "The Sicilian is sharp.")
    for keep in (kept.mark, kept.toggle):
        with pytest.raises(SimsearchError, match=r"q.jsonl: cannot be written"):
            keep("chess", hit)
    assert path.read_bytes() == data and stat.S_IMODE(os.stat(path).st_mode) == mode
    already = kept.toggle("chess", a_hit(tmp_path, "a.md", "E4 first."))  # in the file: nothing to write
    assert (already.written, already.line) == (False, 1)


# --- the app ---------------------------------------------------------------------------------

from simsearch.tui import CompareApp  # noqa: E402

from .test_tui import run_app, two_model_index, two_model_indexes  # noqa: E402,F401


def test_in_the_app_an_earlier_sessions_answer_is_not_taken_back_and_its_line_is_named(two_model_index, tmp_path,
                                                                                    monkeypatch):
    db, _, _ = two_model_index
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "questions.jsonl"
    said: list[str] = []

    def session():
        async def scenario(app, pilot):
            monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
            await press_a_on_the_first_result(app, pilot)
        run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)

    session()
    data = path.read_bytes()
    session()  # the next day: `a` on the answer kept then
    assert path.read_bytes() == data
    assert said[1] == ("Already an answer to this query, on a line this session did not write: to take it back, "
                       "edit questions.jsonl:1"), said


def test_in_the_app_the_marks_follow_the_file_edited_outside_it(two_model_index, tmp_path, monkeypatch):
    """Was: a ✓ stayed beside a result whose answer line was deleted in an editor until another
    query was asked; `a` on it then kept the answer again. The app looks at the file every second
    and draws the marks again when it changed; `a` on a mark gone stale meanwhile writes nothing."""
    import asyncio

    from .test_questions import settle
    from .test_tui import table_column

    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    monkeypatch.setattr("simsearch.tui.QUESTIONS_CHECK_S", 0.1)
    path = tmp_path / "questions.jsonl"
    said: list[str] = []
    marks = {}

    def ticked(app):
        return [cell.split("\n")[1].lstrip().startswith("✓") for cell in table_column(app, "left", "hit")][:2]

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await press_a_on_the_first_result(app, pilot)
        marks["kept"] = ticked(app)
        kept = path.read_bytes()

        async def looked_at(wanted):  # a few looks (0.1 s each) at most; 5 s for a loaded machine
            for _ in range(50):
                await asyncio.sleep(0.1)
                await settle(app, pilot)
                if ticked(app) == wanted:
                    break
            return ticked(app)

        path.write_bytes(b"")  # the line deleted in an editor
        marks["deleted"] = await looked_at([False, False])
        path.write_bytes(kept)  # and written back
        marks["back"] = await looked_at([True, False])

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)
    assert marks == {"kept": [True, False], "deleted": [False, False], "back": [True, False]}, said


def test_in_the_app_a_on_a_mark_gone_stale_writes_nothing(two_model_index, tmp_path, monkeypatch):
    from .test_questions import settle

    db, _, _ = two_model_index
    monkeypatch.chdir(db.parent)
    monkeypatch.setattr("simsearch.tui.QUESTIONS_CHECK_S", 3600)  # no look before the key
    path = tmp_path / "questions.jsonl"
    said: list[str] = []

    async def scenario(app, pilot):
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await press_a_on_the_first_result(app, pilot)
        path.write_bytes(b"")  # the line deleted in an editor
        await pilot.press("a")  # meant: take it back
        await settle(app, pilot)

    run_app(CompareApp(db, show_timings=False, questions=QuestionFile.open(path)), scenario)
    assert path.read_bytes() == b""
    assert "no longer an answer" in said[-1] and "nothing written" in said[-1], said


# --- presses against an editor: a state machine -----------------------------------------------

from hypothesis.stateful import RuleBasedStateMachine, initialize, rule  # noqa: E402

STATE_TEXTS = ["The Sicilian is sharp.", "E4 first.", "Castle early."]


class PressesAndAnEditor(RuleBasedStateMachine):
    """The app's `a` (``toggle``, then the marks drawn again) on the marks it shows, the poll that
    draws them as the file holds them, and an editor that adds or deletes lines (in place or by a
    rename) or deletes the file, in any order. Held after each press: `a` on a shown ✓ never
    writes a line (it means "take it back"); a press that fails leaves the file byte for byte as
    it was (no file where there was none); a press that keeps or takes back did so in the file (a
    plain reading of its lines, the oracle). Found: a press on a ✓ whose file was deleted made an
    empty file while saying "nothing written" (session 50, trial review50)."""

    @initialize()
    def start(self):
        import tempfile
        from pathlib import Path

        self.folder = Path(tempfile.mkdtemp(prefix="simsearch-presses-"))
        self.path = self.folder / "q.jsonl"
        self.kept = QuestionFile.open(self.path)
        self.hits = [a_hit(self.folder, "a.md", text) for text in STATE_TEXTS]
        self.shown = [False] * len(self.hits)
        self.edits = 0

    def teardown(self):
        import shutil

        if hasattr(self, "folder"):
            shutil.rmtree(self.folder, ignore_errors=True)

    def _answers(self) -> set[str]:
        """The texts the file holds as answers to "chess", read plainly."""
        if not self.path.exists():
            return set()
        lines = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return {unit["text"] for line in lines if line["query"] == "chess" for unit in line["relevant"]}

    def _bytes(self):
        return self.path.read_bytes() if self.path.exists() else None

    @rule()
    def poll(self):
        self.shown = self.kept.answered("chess", self.hits)

    @rule(i=st.integers(0, len(STATE_TEXTS) - 1))
    def press(self, i):
        before, answers = self._bytes(), self._answers()
        try:
            marked = self.kept.toggle("chess", self.hits[i])
        except SimsearchError as exc:
            assert self._bytes() == before, str(exc)
        else:
            assert not (self.shown[i] and marked.written), "a on a shown ✓ kept the answer again"
            if marked.written:
                assert STATE_TEXTS[i] in self._answers() and STATE_TEXTS[i] not in answers
            if marked.taken_back:
                assert STATE_TEXTS[i] not in self._answers()
        self.shown = self.kept.answered("chess", self.hits)  # the app draws the marks again

    def _edit(self, data: bytes, rename: bool):
        if rename:
            temporary = self.folder / "saved.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, self.path)
        else:
            with open(self.path, "r+b" if self.path.exists() else "wb") as out:
                out.truncate(0)
                out.write(data)
        self.edits += 1  # (a state of its own however fast the edits come: the clock may not tick between)
        info = os.stat(self.path)
        os.utime(self.path, ns=(info.st_atime_ns, info.st_mtime_ns + self.edits * 1000))

    @rule(i=st.integers(0, len(STATE_TEXTS) - 1), rename=st.booleans())
    def editor_adds_an_answer(self, i, rename):
        line = json.dumps({"query": "chess", "relevant": [{"path": "a.md", "text": STATE_TEXTS[i]}]}) + "\n"
        self._edit((self._bytes() or b"") + line.encode(), rename)

    @rule(j=st.integers(0, 5), rename=st.booleans())
    def editor_deletes_a_line(self, j, rename):
        lines = (self._bytes() or b"").splitlines(keepends=True)
        if lines:
            del lines[j % len(lines)]
            self._edit(b"".join(lines), rename)

    @rule()
    def editor_deletes_the_file(self):
        if self.path.exists():
            self.path.unlink()


TestPressesAndAnEditor = PressesAndAnEditor.TestCase
TestPressesAndAnEditor.settings = settings(max_examples=200, stateful_step_count=20, deadline=None)
