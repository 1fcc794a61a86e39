"""A query typed without quotes, or options after '--' (the Hatch trial, session 37).

Was: `simsearch search use uv instead of pip -k 1` answered only "Got unexpected extra argument(s)
(uv instead of pip)", and `simsearch search -- --skip-install -k 1 --json` "Got unexpected extra
argument(s) (-k 1 --json)": nothing said to quote the query, or that options go before '--'.
Both now end with the command to type instead; exit status 2, nothing searched.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args, said", [
    (["use", "uv", "instead", "of", "pip"],
     ("(uv instead of pip): a query of several words goes in quotes: "
      "simsearch search 'use uv instead of pip'")),
    (["use", "uv", "instead", "of", "pip", "-k", "1", "--db", "my index.db"],
     "a query of several words goes in quotes: simsearch search 'use uv instead of pip' -k 1 --db 'my index.db'"),
    (["-k", "1", "use", "uv", "--json", "instead"],  # options between the words: kept, in their order
     "a query of several words goes in quotes: simsearch search 'use uv instead' -k 1 --json"),
    (["--k=3", "-m", "minilm", "don't", "panic"],
     "a query of several words goes in quotes: simsearch search 'don'\"'\"'t panic' --k=3 -m minilm"),
    (["--", "--skip-install", "-k", "1", "--json"],
     ("(-k 1 --json): every word after '--' is the query's, so options go "
      "before it: simsearch search -k 1 --json -- --skip-install")),
    (["--json", "--", "--skip-install", "now", "-k", "1"],
     ("every word after '--' is the query's, so options go before it, and a query of several words goes in "
      "quotes: simsearch search --json -k 1 -- '--skip-install now'")),
])
def test_extra_words_of_a_search_say_how_to_type_the_query(run_cli, tmp_path, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("search", *args)
    assert code == 2 and out == "", err
    assert err.startswith("error: Got unexpected extra argument") and said in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "my index.db").exists()


def test_other_commands_keep_the_plain_message(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("status", "extra", "words")
    assert code == 2 and err.startswith("error: Got unexpected extra argument") and err.endswith(" (extra words)\n"), err
