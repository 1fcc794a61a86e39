"""``search --path`` with accented names (session 44, trial44b): a file named on a Mac, or unpacked
from an archive made there, spells "Ü" as "U" and a combining diaeresis (NFD), where a name typed
on a keyboard is one character (NFC). The two read the same in the terminal, and ``--path
Überweisung.md`` answered "no indexed file matches it … one indexed file from here:
notes/Überweisung.md", naming the file it had not matched."""

from __future__ import annotations

import json
import unicodedata

import pytest


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_path_matches_a_name_in_either_unicode_form(tmp_path, run_cli, index_model, monkeypatch, form):
    notes = tmp_path / "notes"
    folder = notes / unicodedata.normalize(form, "Übersicht")
    folder.mkdir(parents=True)
    (folder / unicodedata.normalize(form, "Überweisung.md")).write_text(
        "Die Überweisung an die Stadtwerke ist am 3. Oktober fällig.\n")
    (notes / "other.md").write_text("Der Schlüssel liegt unter der Fußmatte.\n")
    db = tmp_path / "i.db"
    assert run_cli("index", notes, "-m", index_model, "--db", db)[0] == 0
    monkeypatch.chdir(tmp_path)
    other = "NFD" if form == "NFC" else "NFC"
    for typed in ["Überweisung.md", "*Überweisung*", "notes/Übersicht", "notes/Übersicht/Überweisung.md",
                  str(folder / "Überweisung.md")]:
        for spelled in (unicodedata.normalize(other, typed), unicodedata.normalize(form, typed)):
            code, out, err = run_cli("search", "Stadtwerke Schlüssel", "--db", db, "--path", spelled, "--json",
                                     "--mode", "lexical")
            rows = [json.loads(line) for line in out.splitlines()]
            assert code == 0 and [row["text"] for row in rows] == [
                "Die Überweisung an die Stadtwerke ist am 3. Oktober fällig."], (typed, err)
