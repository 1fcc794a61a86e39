"""``simsearch --version`` names the version pyproject.toml releases, and the reader's version
(an index made by another reader version reads its files again, so a bug report needs it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from simsearch.extract import EXTRACTOR_VERSION


def test_version_prints_the_projects_version_and_the_readers(run_cli):
    released = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["version"]
    code, out, err = run_cli("--version")
    assert (code, out, err) == (0, f"simsearch {released} (reader version {EXTRACTOR_VERSION})\n", "")


def test_version_is_no_option_of_a_command(run_cli):
    code, out, err = run_cli("search", "--version")
    assert code == 2 and err.startswith("error: No such option: --version"), err


def test_the_readme_quotes_what_version_prints(run_cli):
    """README's Install section quotes `simsearch --version`'s line; it said "reader version 16"
    for a session after the reader became 17 (session 50's README trial)."""
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    code, out, _ = run_cli("--version")
    assert code == 0 and f"`{out.strip()}" in readme, out
