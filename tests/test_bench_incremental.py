"""benchmarks/bench_incremental.py: its corpus copies are distinct sentences, and each edit changes
what it says it changes (no timings here)."""

from __future__ import annotations

from .benchmark_scripts import load_benchmark


def test_copies_vary_one_word_a_line_and_edits_touch_one_line(tmp_path):
    bench = load_benchmark("bench_incremental")
    source = tmp_path / "src" / "docs"
    source.mkdir(parents=True)
    (source / "a.rst").write_text("Title\n=====\n\nThe worker reads every queue in order.\n\nMore text here now.\n")
    (source / "skip.py").write_text("print(1)\n")
    out = tmp_path / "corpus"
    assert bench.build_corpus([source], 3, out) == 3
    copies = [(out / f"copy{k}" / "docs" / "a.rst").read_text().split("\n") for k in range(3)]
    assert copies[0][3] == "The worker reads every queue in order."
    assert copies[1][3] == "The workerq reads every queue in order." and copies[2][3] == "The workerr reads every queue in order."
    assert copies[1][1] == "=====" and len({c[3] for c in copies}) == 3
    target = out / "copy0" / "docs" / "a.rst"
    before = target.read_text().split("\n")
    bench.edit_sentence(target, 7)
    after = target.read_text().split("\n")
    assert [i for i, (x, y) in enumerate(zip(before, after)) if x != y] == [3] and after[3].endswith(" Edited7.")
    assert len(before) == len(after)
