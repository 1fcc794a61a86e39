"""Progress bars when stderr is not a terminal (`simsearch index DIR 2>err.txt`): nothing is drawn,
and nothing at all is written — rich's Progress ended with a blank line there."""

from __future__ import annotations

import io

from rich.console import Console

from simsearch import progress


def test_a_bar_on_a_stderr_that_is_not_a_terminal_writes_nothing(monkeypatch):
    written = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=written))  # a file, as with 2>err.txt
    with progress.progress_bar(3, "encoding (minilm)") as advance:
        advance(2, loss="0.5")
        advance(1)
    assert written.getvalue() == ""


def test_a_bar_on_a_terminal_is_still_drawn(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=120))
    with progress.progress_bar(3, "encoding (minilm)") as advance:
        advance(3)
    assert "encoding (minilm)" in screen.getvalue()


def test_index_into_a_file_leaves_no_blank_line_on_stderr(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river floods the valley every spring. Farmers plant rice there.\n", encoding="utf-8")
    code, out, err = run_cli("index", docs, "-m", index_model, "--db", tmp_path / "i.db", "--device", "cpu")
    assert code == 0, err
    assert "" not in err.splitlines(), repr(err)
