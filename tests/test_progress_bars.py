"""Long phases show a bar (forgetting a large folder, eval retrieval, the sentences pass of an
index run) and `--json` draws none.

Found by session 44's trial 44c (scale: 366k sentences in 4,950 files)."""

from __future__ import annotations

import io

from rich.console import Console

from simsearch import ann, progress
from simsearch.indexer import forget_roots, index
from simsearch.store import Store


def _two_roots(tmp_path, index_model):
    roots = []
    for name in ("kept", "gone"):
        root = tmp_path / name
        root.mkdir()
        for i in range(3):
            (root / f"{name}{i}.txt").write_text(
                f"The {name} notes, page {i}, speak of rivers. The valley floods each spring.\n", encoding="utf-8")
        roots.append(root)
    store = Store.open(tmp_path / "i.db")
    index(store, roots, [str(index_model)], progress=False, context=0)
    return store, roots


def test_forgetting_a_large_folder_shows_the_hnsw_rebuild(tmp_path, index_model, monkeypatch, run_cli):
    # Forgetting half of a 122k-sentence index rebuilt the HNSW file for 19 s with nothing on the
    # screen (a quarter or more of the vectors gone: rebuilt, not patched); `index` shows that bar.
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    store, (_, gone) = _two_roots(tmp_path, index_model)
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=120))
    forget_roots(store, [gone], progress=True)
    assert "building HNSW" in screen.getvalue()
    # and `simsearch forget` asks for it
    other = tmp_path / "other"
    other.mkdir()
    store, (_, gone) = _two_roots(other, index_model)
    store.close()
    screen.truncate(0)
    code, out, err = run_cli("forget", gone, "--db", other / "i.db")
    assert code == 0, err
    assert "building HNSW" in screen.getvalue()


def test_forget_with_json_draws_no_bar(tmp_path, index_model, monkeypatch, run_cli):
    monkeypatch.setattr(ann, "EXACT_BELOW", 1)
    store, (_, gone) = _two_roots(tmp_path, index_model)
    store.close()
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=120))
    code, out, err = run_cli("forget", gone, "--db", tmp_path / "i.db", "--json")
    assert code == 0, err
    assert screen.getvalue() == ""


def _questions(tmp_path, kept):
    import json

    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps({"query": f"rivers of page {i}", "relevant": [{"path": str(kept / f"kept{i}.txt")}]}) + "\n"
                            for i in range(3)), encoding="utf-8")
    return path


def test_eval_retrieval_shows_a_bar_per_model_and_mode(tmp_path, index_model, monkeypatch, run_cli):
    # 165 questions over 366k sentences: 60 s of eval retrieval with nothing on the screen.
    store, (kept, _) = _two_roots(tmp_path, index_model)
    store.close()
    screen = io.StringIO()
    monkeypatch.setattr(progress, "stderr", Console(file=screen, force_terminal=True, width=150))
    code, out, err = run_cli("eval", "retrieval", _questions(tmp_path, kept), "--db", tmp_path / "i.db",
                             "--mode", "dense", "--mode", "lexical", "--device", "cpu")
    assert code == 0, err
    drawn = screen.getvalue()
    assert "eval dense (" in drawn and "3/3" in drawn and "query/s" in drawn
    assert "eval lexical" in drawn
    screen.truncate(0)
    screen.seek(0)
    code, out, err = run_cli("eval", "retrieval", _questions(tmp_path, kept), "--db", tmp_path / "i.db",
                             "--device", "cpu", "--json")
    assert code == 0, err
    assert screen.getvalue() == ""


def test_the_sentences_pass_counts_on_the_bar(tmp_path, index_model, monkeypatch):
    # minilm, 20,362 sentences with context vectors on 2 busy cores: the bar's count stood at 0 for
    # 90 s ("sentences first") and at 16,384 for 27 s in the next window, rate and ETA frozen.
    import contextlib

    from simsearch import indexer

    calls = []

    @contextlib.contextmanager
    def recorded(total, description, **kwargs):
        yield lambda n=1, **fields: calls.append((n, fields)) if description.startswith("embedding") else None

    monkeypatch.setattr(indexer, "progress_bar", recorded)
    monkeypatch.setattr(indexer, "EMBED_WINDOW", 4)  # two windows of sentences
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The river floods the valley every spring. Farmers plant rice there. "
                                "The mill grinds it in autumn. Merchants carry the flour downstream. "
                                "Children swim in the shallows. The bridge was rebuilt in stone.\n", encoding="utf-8")
    index(Store.open(tmp_path / "i.db"), [docs], [str(index_model)], progress=True, device="cpu", context=1)
    counted = [fields["sentences first"] for _, fields in calls if "sentences first" in fields]
    assert "4/4" in counted and "2/2" in counted  # each window's pass, as it goes
    assert counted[-1] == "" and counted.count("") == 2  # taken off the bar when each pass ends
    assert sum(n for n, _ in calls) == 6
