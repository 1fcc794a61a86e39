"""Bad evaluation-data folders for `eval sts` / `eval geometry`: each is one SimsearchError naming
the file or folder (exit 2 through the CLI, one line, no traceback), found before anything is
encoded; never a traceback, a silent NaN, or a non-finite score that ranks first."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from simsearch.errors import SimsearchError
from simsearch.sts import (
    STS_SUBSETS,
    alignment_uniformity,
    evaluate_sts,
    load_sick,
    load_sts_subset,
    load_stsb,
)
from tests.conftest import write_sts_fixture

NON_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "+Infinity", "INF"]


def never_encode(sentences):
    raise AssertionError("bad data must be refused before anything is encoded")


def sts_dir(root):
    return root / "senteval" / "STS"


def with_score(root, fmt: str, score: str):
    """Write the fixture with ``score`` as the gold score of its second pair in one format's
    file; return (the loader call, the file, the line number the error must name)."""
    write_sts_fixture(root)
    if fmt == "sts":
        path = sts_dir(root) / "STS12-en-test" / "STS.gs.MSRpar.txt"
        path.write_text(f"4.8\n{score}\n4.2\n3.5\n0.6\n")
        return lambda: load_sts_subset(path.parent, "MSRpar"), path, 2
    if fmt == "stsb":
        path = sts_dir(root) / "STSBenchmark" / "sts-test.csv"
        lines = path.read_text().splitlines(keepends=True)
        lines[1] = lines[1].replace("\t0.2\t", f"\t{score}\t")
        path.write_text("".join(lines))
        return lambda: load_stsb(root, "test"), path, 2
    path = root / "senteval" / "SICK" / "SICK_test_annotated.txt"
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace("\t0.3\t", f"\t{score}\t")  # (line 1 is the header)
    path.write_text("".join(lines))
    return lambda: load_sick(root, "test"), path, 3


@pytest.mark.parametrize("fmt", ["sts", "stsb", "sick"])
@pytest.mark.parametrize("score", NON_FINITE)
def test_a_non_finite_gold_score_is_refused_with_file_and_line(tmp_path, fmt, score):
    """nan made a task's correlation (and the average) null with nothing said; inf ranked first."""
    load, path, line = with_score(tmp_path, fmt, score)
    with pytest.raises(SimsearchError, match=re.escape(f"{path}:{line}: gold score '{score}' is not a finite number") + "$"):
        load()
    with pytest.raises(SimsearchError, match="is not a finite number"):
        evaluate_sts(never_encode, tmp_path)


@pytest.mark.parametrize("fmt", ["sts", "stsb", "sick"])
@pytest.mark.parametrize("score", ["1e3", "-0.0", " 2.5 ", "1e-400"])
def test_finite_gold_scores_are_read_as_float_reads_them(tmp_path, fmt, score):
    """The check refuses only what is not finite: every finite spelling float() takes still loads."""
    load, _, _ = with_score(tmp_path, fmt, score)
    assert load().gold[1] == float(score)


def files_read_by(root, command: str) -> list:
    stsb = sts_dir(root) / "STSBenchmark"
    if command == "dev":
        return [stsb / "sts-dev.csv"]
    if command == "geometry":
        return [stsb / f"sts-{split}.csv" for split in ("train", "dev", "test")]
    years = [sts_dir(root) / f"{year}-en-test" / f"STS.{kind}.{subset}.txt"
             for year, subsets in STS_SUBSETS.items() for subset in subsets for kind in ("input", "gs")]
    return [*years, stsb / "sts-test.csv", root / "senteval" / "SICK" / "SICK_test_annotated.txt"]


def run_on(command: str, root):
    if command == "geometry":
        return alignment_uniformity(never_encode, root)
    return evaluate_sts(never_encode, root, split="dev" if command == "dev" else "test")


@pytest.mark.parametrize("command", ["test", "dev", "geometry"])
@pytest.mark.parametrize("content", ["", "\n\n\n"], ids=["empty", "blank-lines"])
def test_an_empty_data_file_is_refused_as_a_missing_one_is(tmp_path, command, content):
    """The rule for a missing file (stop, naming it) holds for a file without pairs: for every file
    the command reads, emptying it is a SimsearchError naming that file, raised before encoding
    (it was `ValueError: need at least one array to stack` for STS-B, SICK and a year's subset)."""
    root = write_sts_fixture(tmp_path / "data")
    for path in files_read_by(root, command):
        kept = path.read_bytes()
        path.write_text(content)
        with pytest.raises(SimsearchError, match=re.escape(path.name)) as refused:
            run_on(command, root)
        assert "\n" not in str(refused.value)
        path.write_bytes(kept)
        missing = path.with_name(path.name + ".away")
        path.rename(missing)  # the same file missing: refused the same way
        with pytest.raises(SimsearchError, match=re.escape(f"{path}: file is missing")):
            run_on(command, root)
        missing.rename(path)


def test_a_subset_without_a_scored_pair_is_refused(tmp_path):
    """Empty gold lines mark unscored pairs (dropped); a subset with none scored has no correlation."""
    (tmp_path / "STS.input.x.txt").write_text("a\tb\nc\td\n")
    (tmp_path / "STS.gs.x.txt").write_text("\n \n")
    with pytest.raises(SimsearchError, match=r"STS.gs.x.txt: no pairs were found in this file with a gold score"):
        load_sts_subset(tmp_path, "x")
    (tmp_path / "STS.gs.x.txt").write_text("\n3.0\n")  # one scored pair: kept
    assert load_sts_subset(tmp_path, "x").gold.tolist() == [3.0]


def test_sick_with_only_its_header_is_refused(tmp_path):
    root = write_sts_fixture(tmp_path)
    path = root / "senteval" / "SICK" / "SICK_test_annotated.txt"
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    with pytest.raises(SimsearchError, match=re.escape(f"{path}: no pairs were found in this file after its header line") + "$"):
        evaluate_sts(never_encode, root)


@pytest.mark.parametrize("split", ["all", "train", "dev", "test"])
def test_geometry_without_a_positive_pair_is_refused_before_encoding(tmp_path, split):
    root = write_sts_fixture(tmp_path)
    for path in files_read_by(root, "geometry"):
        path.write_text(path.read_text().replace("\t4.8\t", "\t4.0\t").replace("\t4.2\t", "\t3.0\t"))
    with pytest.raises(SimsearchError, match=r"no positive pairs for alignment: no pair scores above 4 in sts-"):
        alignment_uniformity(never_encode, root, split=split)


def test_geometry_with_one_distinct_sentence_is_refused(tmp_path):
    root = write_sts_fixture(tmp_path)
    (sts_dir(root) / "STSBenchmark" / "sts-test.csv").write_text("g\tf\t2012\t0001\t5.0\tsame .\tsame .\n")
    with pytest.raises(SimsearchError, match="at least two distinct sentences; found one in sts-test.csv"):
        alignment_uniformity(never_encode, root, split="test")


def test_a_file_where_a_folder_belongs_and_a_folder_where_a_file_belongs(tmp_path):
    root = write_sts_fixture(tmp_path)
    year = sts_dir(root) / "STS13-en-test"
    shutil.rmtree(year)
    year.write_text("not a folder")
    with pytest.raises(SimsearchError, match=re.escape(f"{year}: is a file, expected a folder holding STS.input.FNWN.txt") + "$"):
        evaluate_sts(never_encode, root)
    write_sts_fixture(tmp_path / "b")
    gold = sts_dir(tmp_path / "b") / "STS12-en-test" / "STS.gs.MSRpar.txt"
    gold.unlink()
    gold.mkdir()
    with pytest.raises(SimsearchError, match=re.escape(f"{gold}: is a folder, expected a file")):
        evaluate_sts(never_encode, tmp_path / "b")


@pytest.mark.parametrize("which", ["sts", "stsb", "sick"])
def test_a_byte_order_mark_is_not_content(tmp_path, which):
    """A file saved with a UTF-8 BOM loads exactly as without it (SICK's was refused as having no
    header; STS-B's and STS12-16's put U+FEFF into the first sentence or score)."""
    root = write_sts_fixture(tmp_path)
    if which == "sts":
        folder = sts_dir(root) / "STS14-en-test"
        paths, load = [folder / "STS.input.images.txt", folder / "STS.gs.images.txt"], lambda: load_sts_subset(folder, "images")
    elif which == "stsb":
        paths, load = [sts_dir(root) / "STSBenchmark" / "sts-test.csv"], lambda: load_stsb(root, "test")
    else:
        paths, load = [root / "senteval" / "SICK" / "SICK_test_annotated.txt"], lambda: load_sick(root, "test")
    plain = load()
    for path in paths:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    marked = load()
    assert (marked.sent1, marked.sent2) == (plain.sent1, plain.sent2)
    np.testing.assert_array_equal(marked.gold, plain.gold)


def test_invalid_utf8_after_a_byte_order_mark_names_its_own_line(tmp_path):
    """The decoder's offset skips the BOM: the bad byte at the start of line 2 is not put on line 1."""
    (tmp_path / "STS.input.x.txt").write_bytes(b"\xef\xbb\xbfa\tb\n\xff\tc\n")
    (tmp_path / "STS.gs.x.txt").write_text("1\n2\n")
    with pytest.raises(SimsearchError, match=r"STS.input.x.txt:2: not valid UTF-8 \(byte 0xff\)$"):
        load_sts_subset(tmp_path, "x")


def _nan_gold(root):
    (sts_dir(root) / "STS15-en-test" / "STS.gs.belief.txt").write_text("4.8\n0.2\nnan\n3.5\n0.6\n")


def _empty_stsb_test(root):
    (sts_dir(root) / "STSBenchmark" / "sts-test.csv").write_text("")


def _no_positives(root):
    path = sts_dir(root) / "STSBenchmark" / "sts-test.csv"
    path.write_text(path.read_text().replace("\t4.8\t", "\t1.0\t").replace("\t4.2\t", "\t1.0\t"))


def _year_is_a_file(root):
    shutil.rmtree(sts_dir(root) / "STS16-en-test")
    (sts_dir(root) / "STS16-en-test").write_text("")


@pytest.mark.parametrize("mutate, args, message", [
    (_nan_gold, ("sts",), "STS.gs.belief.txt:3: gold score 'nan' is not a finite number"),
    (_empty_stsb_test, ("sts",), "sts-test.csv: no pairs were found in this file"),
    (_empty_stsb_test, ("geometry", "--split", "test"), "sts-test.csv: no pairs were found in this file"),
    (_no_positives, ("geometry", "--split", "test"), "no pair scores above 4 in sts-test.csv"),
    (_year_is_a_file, ("sts", "--aggregate", "mean"), "STS16-en-test: is a file, expected a folder"),
], ids=["nan-gold", "empty-stsb", "geometry-empty", "geometry-no-positives", "year-is-a-file"])
def test_cli_reports_bad_data_in_one_line_with_exit_2(run_cli, tiny_model, tmp_path, mutate, args, message):
    root = write_sts_fixture(tmp_path / "data")
    mutate(root)
    code, out, err = run_cli("eval", *args, "-m", tiny_model, "--data", root, "--json")
    assert code == 2, err
    assert message in err and "Traceback" not in err and out == ""
    assert len(err.strip().splitlines()) == 1, err
