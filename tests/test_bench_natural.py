"""benchmarks/bench_natural.py pools hand-written sets by concatenating their questions: each
question one pair of the paired test, so sets too small to show a change alone can show it
together; and it evaluates the base model itself, over the same index as the trained one."""

from __future__ import annotations

import json

from simsearch import indexer, retrieval
from simsearch.store import Store

from .benchmark_scripts import load_benchmark
from .tiny_bert import create_random_bert



def load_bench():
    return load_benchmark("bench_natural")


def test_sets_within_noise_alone_can_be_beyond_it_pooled(monkeypatch):
    """Three questions gained and none lost in a set: a pattern as lopsided (either way) comes by
    chance one time in four, within the noise; six gained and none lost over two such sets: one
    time in thirty-two, beyond it."""
    bench = load_bench()
    base = [None, None, None, 1, 2, 3, 4, 5, 6, 7]
    trained = [1, 3, 9, 1, 2, 3, 4, 5, 6, 7]
    monkeypatch.setattr(bench, "evaluate_set", lambda *args: {"dense": (base, trained)})
    rows = bench.run([("a", None, None, "m"), ("b", None, None, "m")], "minilm", ["dense"], "cpu")
    a, b, pooled, summary = rows
    for row in (a, b):
        assert row["change"]["hit@10"]["rose"] == 3 and row["change"]["hit@10"]["p"] == 0.25
        assert row["verdict"] == "within noise"
    assert pooled["set"] == "pooled" and pooled["questions"] == 20 and pooled["sets"] == ["a", "b"]
    assert pooled["base"]["hit@10"] == 0.7 and pooled["trained"]["hit@10"] == 1.0
    assert pooled["change"]["hit@10"]["p"] == 2 / 64 and pooled["change"]["hit@10"]["beyond"]
    assert pooled["verdict"] == "better"
    assert summary["moved"]["hit@10"] == {"up": 2, "down": 0, "same": 0}
    assert summary["verdicts"]["within noise"] == 2


def test_each_set_is_what_eval_retrieval_compares(tmp_path, index_model, capsys):
    """Base and trained evaluated in the run, over one index: each set's change and verdict are
    eval retrieval's own (``retrieval.compare``), and the pooled rows concatenate the sets."""
    bench = load_bench()
    other = create_random_bert(tmp_path / "other", hidden_size=32, heads=2, layers=2, pooler="avg", seed=1)
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ["river", "garden", "kitchen", "window", "server", "report"]
    for n, topic in enumerate(topics):
        (docs / f"{topic}.md").write_text(
            f"# The {topic}\n\nThe {topic} holds item {n}.\n\nA note on the {topic} and the {topics[n - 1]}.\n")
    sets = []
    for name, chosen in (("first", topics[:3]), ("second", topics[3:])):
        questions = tmp_path / f"{name}.jsonl"
        questions.write_text("".join(json.dumps({"query": f"where is the {topic}", "relevant": [f"docs/{topic}.md:3"]})
                                     + "\n" for topic in chosen))
        sets.append((name, questions))
    db = tmp_path / "idx.db"
    store = Store.open(db)
    try:
        indexer.index(store, [docs], [str(index_model), str(other)], progress=False)
        expected = {}
        for name, questions in sets:
            results = retrieval.run_eval(store, questions, [str(index_model), str(other)], ["dense", "hybrid"],
                                         device="cpu")
            for mode in ("dense", "hybrid"):
                first, second = [result for result in results if result.mode == mode]
                expected[name, mode] = retrieval.compare(first, second)
    finally:
        store.close()
    bench.main(["--json", "--device", "cpu", "--base", str(index_model),
                *[f"--set={name}={questions}:{db}:{other}" for name, questions in sets]])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for row in rows[:4]:
        change = expected[row["set"], row["mode"]]
        assert row["verdict"] == change["verdict"] and row["questions"] == 3
        for figure in ("hit@10", "mrr@10"):
            assert row["change"][figure] == change[figure]
    pooled = {row["mode"]: row for row in rows if row.get("set") == "pooled"}
    for mode in ("dense", "hybrid"):
        mine = [row for row in rows[:4] if row["mode"] == mode]
        assert pooled[mode]["questions"] == 6 and pooled[mode]["sets"] == ["first", "second"]
        for side in ("base", "trained"):
            assert abs(pooled[mode][side]["mrr@10"] - sum(row[side]["mrr@10"] for row in mine) / 2) < 1e-9
    assert [row["summary"] for row in rows if "summary" in row] == ["dense", "hybrid"]
