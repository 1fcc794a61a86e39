"""benchmarks/bench_adaptation.py --recipe cli judges issue 13's targets from the rows it measured:
the gains over the base in both modes, STS within its tolerance, the held-out figure's direction
taken against the base on the same split as the trained model's."""

from __future__ import annotations

import json

from .benchmark_scripts import load_benchmark



def load_bench():
    return load_benchmark("bench_adaptation")


def scores(hit10: float, mrr10: float, hybrid_hit10: float, hybrid_mrr10: float, sts: float | None) -> dict:
    return {"hit@10": hit10, "mrr@10": mrr10, "hit@1": 0.3,
            "hybrid": {"hit@10": hybrid_hit10, "mrr@10": hybrid_mrr10, "hit@1": 0.3}, "sts_avg": sts}


def test_each_target_is_judged_on_its_own_delta():
    bench = load_bench()
    base = {**scores(0.80, 0.50, 0.80, 0.50, 78.9), "heldout": {"hit@10": 0.9}}
    row = {**scores(0.83, 0.519, 0.82, 0.53, 78.3), "heldout": {"hit@10": 0.70}}
    # the row's own split: its base figure 0.60, not the base row's 0.9
    bench.add_deltas(row, base, {"hit@10": 0.60})
    assert row["delta"]["hybrid"]["hit@10"] == 0.02
    assert row["delta"]["heldout_hit@10"] == 0.1 and row["same_direction"] is True
    assert bench.targets_met(row) == {
        "dense hit@10 +0.03": True,   # exactly the target counts (0.83 - 0.80 in floats)
        "dense mrr@10 +0.02": False,
        "hybrid hit@10 +0.03": False,
        "hybrid mrr@10 +0.02": True,
        "sts avg": False,             # 0.6 lower than the base: over the 0.5 allowed
        "held-out same way": True,
    }


def test_what_was_not_measured_is_none():
    bench = load_bench()
    base = {**scores(0.80, 0.50, 0.80, 0.50, None), "heldout": {"hit@10": 0.6}}
    row = {**scores(0.78, 0.55, 0.85, 0.55, None), "heldout": {}}
    bench.add_deltas(row, base, {})
    met = bench.targets_met(row)
    assert met["sts avg"] is None and met["held-out same way"] is None
    assert met["dense hit@10 +0.03"] is False and met["hybrid hit@10 +0.03"] is True


def test_either_counts_a_query_answered_in_any_sides_first_ten():
    bench = load_bench()
    ranks = [(1, None), (None, 10), (11, 12), (None, None), (3, 2)]
    dense = [{"first_relevant_rank": d} for d, _ in ranks]
    lexical = [{"first_relevant_rank": lex} for _, lex in ranks]
    assert bench.either_at(dense, lexical) == 3 / 5   # rank 11 and 12 are past the ten
    assert bench.either_at(dense) == 2 / 5 and bench.either_at(dense, lexical, k=12) == 4 / 5
    assert bench.either_at([], []) == 0.0


def test_either_has_its_own_delta_and_is_not_a_target():
    bench = load_bench()
    base = {**scores(0.80, 0.50, 0.80, 0.50, None), "heldout": {}}
    row = {**scores(0.84, 0.55, 0.81, 0.55, None), "heldout": {}}
    base["hybrid"]["either@10"], row["hybrid"]["either@10"] = 0.85, 0.84
    bench.add_deltas(row, base, {})
    assert row["delta"]["hybrid"]["either@10"] == -0.01
    assert not any("either" in name for name in bench.targets_met(row))


def test_each_mode_s_change_has_its_interval_and_the_evaluations_stay_out_of_the_row(tmp_path):
    """The gains the targets read, with the paired interval over the same questions; the
    evaluations they come from are not written to results.jsonl or printed with --json."""
    from simsearch import retrieval

    bench = load_bench()

    def evaluation(mode, ranks):
        details = [{"id": f"q:{n}", "first_relevant_rank": rank} for n, rank in enumerate(ranks)]
        return retrieval.Evaluation("m", mode, 10, {}, len(ranks), len(ranks), 0, 0, details)

    base_ranks, trained_ranks = [1, None, 3, None] * 10, [1, 2, 3, None] * 10
    base = {**scores(0.5, 0.4, 0.5, 0.4, None), "heldout": {},
            "_evaluations": {"dense": evaluation("dense", base_ranks), "hybrid": evaluation("hybrid", base_ranks)}}
    row = {**scores(0.75, 0.5, 0.5, 0.4, None), "heldout": {},
           "_evaluations": {"dense": evaluation("dense", trained_ranks), "hybrid": evaluation("hybrid", base_ranks)}}
    bench.add_deltas(row, base, {})
    dense, hybrid = row["against_base"]["dense"], row["against_base"]["hybrid"]
    assert dense["hit@10"]["difference"] == 0.25 and dense["verdict"] == "better"
    assert hybrid["hit@10"]["difference"] == 0.0 and not hybrid["hit@10"]["beyond"] and hybrid["verdict"] == "within noise"
    bench.emit([], row, tmp_path, as_json=False)
    written = json.loads((tmp_path / "results.jsonl").read_text())
    assert "_evaluations" not in written and written["against_base"]["dense"]["verdict"] == "better"


def test_a_variant_trains_the_cli_with_its_options_or_through_its_script(tmp_path, monkeypatch):
    """``--variant '--temp 0.1'`` runs ``simsearch train --unsup CORPUS`` with those options last;
    a variant whose first word is a ``.py`` runs that script in place of ``-m simsearch``."""
    import sys

    bench = load_bench()
    commands = []

    def run(command, env, check):
        commands.append(command)
        out = command[command.index("--out") + 1]
        (tmp_path / out).mkdir(parents=True, exist_ok=True)
        (tmp_path / out / "simsearch.json").write_text("{}")

    monkeypatch.setattr(bench.subprocess, "run", run)
    bench.train_cli(tmp_path / "corpus", tmp_path / "a", tmp_path, "cpu", ["--temp", "0.1"])
    bench.train_cli(tmp_path / "corpus", tmp_path / "b", tmp_path, "cpu", ["benchmarks/try_x.py", "--seed", "1"])
    bench.train_cli(tmp_path / "corpus", tmp_path / "c", tmp_path, "cpu")
    assert commands[0][:5] == [sys.executable, "-m", "simsearch", "train", "--unsup"]
    assert commands[0][-2:] == ["--temp", "0.1"]
    assert commands[1][:4] == [sys.executable, "benchmarks/try_x.py", "train", "--unsup"]
    assert commands[1][-2:] == ["--seed", "1"] and "benchmarks/try_x.py" not in commands[1][4:]
    assert commands[2][-2:] == ["--device", "cpu"]
