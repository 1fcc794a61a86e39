"""A new user's walkthrough of the README (session 32): what it found wrong in the code.

- `status` said "4 files (1 skipped)" of an index holding 4 files and 1 skipped beside them: read
  as one of the 4 skipped. It now says "4 files indexed, 1 skipped".
- `index -m ./folder` whose config.json is malformed said "does not say how to pool ...; pass
  --pooler", and only with --pooler named the malformed file: the real mistake comes first now.
"""

from __future__ import annotations

import shutil

from .test_readme_trust import db_state


def test_status_counts_skipped_files_beside_the_indexed_ones(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river floods the valley every spring.\n", encoding="utf-8")
    (docs / "b.md").write_text("# Maps\n\nOld maps show the river further east.\n", encoding="utf-8")
    (docs / "blob.txt").write_bytes(b"\x00\x01\x02 binary")
    db = tmp_path / "i.db"
    code, _, err = run_cli("index", docs, "-m", index_model, "--db", db, "--device", "cpu")
    assert code == 0, err
    code, out, err = run_cli("status", "--db", db)
    assert code == 0, err
    assert "2 files indexed, 1 skipped, 3 sentences" in " ".join(out.split()), out
    assert "(1 skipped)" not in out


def test_a_malformed_config_is_named_before_a_missing_pooler(tmp_path, index_model, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river floods the valley every spring.\n", encoding="utf-8")
    (tmp_path / "index").mkdir()
    db = tmp_path / "index" / "i.db"
    code, _, err = run_cli("index", docs, "-m", index_model, "--db", db, "--device", "cpu")
    assert code == 0, err
    before = db_state(db)
    broken = tmp_path / "models" / "broken"
    shutil.copytree(index_model, broken)
    for name in ("simsearch.json", "modules.json"):  # no pooling metadata: it would need --pooler
        (broken / name).unlink(missing_ok=True)
    shutil.rmtree(broken / "1_Pooling", ignore_errors=True)
    (broken / "config.json").write_text("{", encoding="utf-8")
    for extra in ((), ("--pooler", "avg")):
        code, out, err = run_cli("index", "-m", broken, "--db", db, "--device", "cpu", *extra)
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
        assert "config.json: not valid JSON" in lines[0], err
    assert db_state(db) == before
