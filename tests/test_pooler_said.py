"""``--pooler`` given to `index` for a model whose own files name another pooler: what happens is
said in one line (session 50, trial left)."""

from __future__ import annotations

import json

from simsearch.models import METADATA_FILE


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


def test_a_pooler_other_than_the_models_own_is_said_once_where_vectors_are_made_with_it(tmp_path, index_model,
                                                                                      run_cli):
    """Was: `index -m M --pooler cls_before_pooler` for a model whose simsearch.json says avg made
    its vectors with cls_before_pooler without a word; `search -m M` then used them, and `eval sts
    -m M` (its own avg) measured another model than the one searched."""
    note = tmp_path / "n.txt"
    note.write_text("Rivers run to the sea. Lakes are still. Mountains are high.\n")
    db = tmp_path / "i.db"
    args = ("index", note, "-m", index_model, "--db", db, "--vector-context", "0")
    code, _, err = run_cli(*args, "--pooler", "cls_before_pooler")
    assert code == 0, err
    [line] = _warnings(err)
    assert "its own files pool with avg; its vectors are made with cls_before_pooler (--pooler cls_before_pooler)" in line
    code, _, err = run_cli(*args, "--pooler", "cls_before_pooler")  # as recorded: nothing happens, nothing said
    assert code == 0 and not _warnings(err), err
    code, _, err = run_cli(*args, "--pooler", "avg")  # back to its own: re-embedded, said as before
    [line] = _warnings(err)
    assert "re-embedding all of them with avg (--pooler avg)" in line and "its own files" not in line, line
    code, _, err = run_cli(*args, "--pooler", "avg_first_last")
    [line] = _warnings(err)
    assert line.endswith("re-embedding all of them with avg_first_last (--pooler avg_first_last); its own files "
                         "pool with avg"), line
    code, out, err = run_cli("status", "--db", db, "--json")
    assert [m["pooler"] for m in json.loads(out)["models"]] == ["avg_first_last"]


def test_a_raw_bert_given_its_pooler_is_not_warned_about(tmp_path, index_model, run_cli):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(index_model, raw)
    (raw / METADATA_FILE).unlink()
    note = tmp_path / "n.txt"
    note.write_text("Rivers run to the sea. Lakes are still.\n")
    code, _, err = run_cli("index", note, "-m", raw, "--pooler", "cls_before_pooler", "--db", tmp_path / "i.db",
                           "--vector-context", "0")
    assert code == 0 and not _warnings(err), err


def test_a_symlink_re_pointed_to_another_raw_bert_is_re_embedded_saying_which_pooler(tmp_path, index_model,
                                                                                      run_cli):
    """`-m cur --pooler avg`, `cur` a symlink to a raw BERT, then re-pointed to another raw BERT: the
    fingerprint (every file hashed) tells the change and the plain refresh re-embeds, and `search`
    refuses until then. The new model's files name no pooler, so the one recorded is kept; was said
    only "changed since it was indexed; re-embedding", the pooler inherited without a word."""
    import os
    import shutil

    from .tiny_bert import create_random_bert

    raw_a, raw_b = tmp_path / "raw-a", tmp_path / "raw-b"
    shutil.copytree(index_model, raw_a)
    create_random_bert(raw_b, hidden_size=32, heads=2, layers=2, pooler="avg", seed=7)
    for raw in (raw_a, raw_b):
        (raw / METADATA_FILE).unlink()
    cur = tmp_path / "cur"
    cur.symlink_to(raw_a)
    note = tmp_path / "n.txt"
    note.write_text("Rivers run to the sea. Lakes are still.\n")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", note, "-m", cur, "--pooler", "avg", "--db", db, "--vector-context", "0")
    assert code == 0 and not _warnings(err), err
    code, before, _ = run_cli("search", "rivers", "-m", cur, "--db", db, "--json", "-k", "1")
    os.remove(cur)
    cur.symlink_to(raw_b)
    code, _, err = run_cli("search", "rivers", "-m", cur, "--db", db, "--json", "-k", "1")
    assert code == 2 and "changed" in err, err
    code, _, err = run_cli("index", "--db", db)
    assert code == 0, err
    [line] = _warnings(err)
    assert line.endswith("changed since it was indexed; re-embedding with pooler avg, the one it was indexed with "
                         "(its files name none; --pooler chooses another)"), line
    code, after, err = run_cli("search", "rivers", "-m", cur, "--db", db, "--json", "-k", "1")
    assert code == 0 and json.loads(after)["score"] != json.loads(before)["score"], err
