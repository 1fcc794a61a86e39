"""Training data loaders: text files and folders, CSV/TSV/JSONL triplets, clear errors."""

from __future__ import annotations

import json

import pytest

from simsearch.data import load_sentences, load_triplets
from simsearch.errors import SimsearchError


def test_folder_of_text_and_markdown(tmp_path):
    (tmp_path / "a.txt").write_text("One line. Two sentences.\n\nOne line. Two sentences.\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("# Title\n\nA wrapped\nparagraph.\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("Hidden.\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert load_sentences(tmp_path) == ["One line.", "Two sentences.", "Title", "A wrapped paragraph."]


def test_triplets_csv_tsv_jsonl_and_pairs(tmp_path):
    (tmp_path / "t.csv").write_text('sent0,sent1,hard_neg\n"A, quoted",b,c\n"A, quoted",b,c\nd,e,f\n')
    assert load_triplets(tmp_path / "t.csv") == [("A, quoted", "b", "c"), ("d", "e", "f")]
    (tmp_path / "t.tsv").write_text("sent0\tsent1\nx\ty\n")
    assert load_triplets(tmp_path / "t.tsv") == [("x", "y")]
    (tmp_path / "t.jsonl").write_text(json.dumps({"sent0": "p", "sent1": "q", "hard_neg": "r"}) + "\n\n")
    assert load_triplets(tmp_path / "t.jsonl") == [("p", "q", "r")]


def test_triplet_errors_name_file_line_and_columns(tmp_path):
    (tmp_path / "cols.csv").write_text("premise,hypothesis\na,b\n")
    with pytest.raises(SimsearchError, match="needs columns sent0,sent1\\[,hard_neg\\]; found: premise,hypothesis"):
        load_triplets(tmp_path / "cols.csv")
    (tmp_path / "gap.csv").write_text("sent0,sent1,hard_neg\na,b,c\nd,,f\n")
    with pytest.raises(SimsearchError, match="gap.csv:3: empty sent1"):
        load_triplets(tmp_path / "gap.csv")
    (tmp_path / "bad.jsonl").write_text('{"sent0": "a", "sent1": "b"}\n{oops\n')
    with pytest.raises(SimsearchError, match="bad.jsonl:2: not a JSON object"):
        load_triplets(tmp_path / "bad.jsonl")
    (tmp_path / "bytes.csv").write_bytes(b"sent0,sent1\na,b\n\xff\xfe,c\n")
    with pytest.raises(SimsearchError, match="bytes.csv:3: not valid UTF-8"):
        load_triplets(tmp_path / "bytes.csv")
    # After a byte-order mark: the same line, and the byte named is the bad one.
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfsent0,sent1\na,b\nc,\xff\n")
    with pytest.raises(SimsearchError, match=r"bom.csv:3: not valid UTF-8 \(byte 0xff\)"):
        load_triplets(tmp_path / "bom.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SimsearchError, match="empty.csv: file is empty"):
        load_triplets(tmp_path / "empty.csv")


def test_folder_without_text_files(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\0")
    with pytest.raises(SimsearchError, match="no text files"):
        load_sentences(tmp_path)


# --- Found by session 43's trial E: the supervised training path (`train --sup`) and its input, tried
# as a user.

def test_a_jsonl_hard_neg_after_a_first_line_without_one_is_not_dropped(tmp_path):
    """The columns were those of the first line alone: a file whose first record is a pair and
    whose others are triplets trained on pairs, every later hard_neg silently dropped (while the
    other order was refused as "empty hard_neg")."""
    path = tmp_path / "nli.jsonl"
    path.write_text(json.dumps({"sent0": "a", "sent1": "b"}) + "\n"
                    + json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:1: no hard_neg \(line 2 has one\)"):
        load_triplets(path)
    # The other order names the line that lacks the key, and says it is missing, not empty.
    path.write_text(json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n"
                    + json.dumps({"sent0": "a", "sent1": "b"}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:2: no hard_neg \(line 1 has one\)"):
        load_triplets(path)
    # A hard_neg that is there but empty is still "empty".
    path.write_text(json.dumps({"sent0": "d", "sent1": "e", "hard_neg": "f"}) + "\n"
                    + json.dumps({"sent0": "a", "sent1": "b", "hard_neg": " "}) + "\n")
    with pytest.raises(SimsearchError, match=r"nli.jsonl:2: empty hard_neg$"):
        load_triplets(path)
    # Pairs throughout, and extra keys, are fine as before.
    path.write_text(json.dumps({"sent0": "a", "sent1": "b"}) + "\n" + json.dumps({"sent0": "d", "sent1": "e", "id": 3}) + "\n")
    assert load_triplets(path) == [("a", "b"), ("d", "e")]


@pytest.mark.parametrize("suffix,delimiter", [(".csv", ","), (".tsv", "\t")])
def test_a_header_that_names_a_column_twice_is_refused(tmp_path, suffix, delimiter):
    """`sent0,sent1,hard_neg,sent1`: the csv module keeps the last field of that name, so training
    read the fourth column as the positive, silently."""
    path = tmp_path / f"nli{suffix}"
    path.write_text(delimiter.join(["sent0", "sent1", "hard_neg", "sent1"]) + "\n" + delimiter.join("abcd") + "\n")
    with pytest.raises(SimsearchError, match=rf"nli\{suffix}:1: the header names sent1 twice \(columns 2 and 4\)"):
        load_triplets(path)
    # A repeated column that training does not read is no matter.
    path.write_text(delimiter.join(["sent0", "sent1", "label", "label"]) + "\n" + delimiter.join("abcd") + "\n")
    assert load_triplets(path) == [("a", "b")]


@pytest.mark.parametrize("suffix,header,says", [
    (".csv", "sent0\tsent1\thard_neg", "the header is tab-separated: a tab-separated file is read as one when named .tsv"),
    (".tsv", "sent0,sent1,hard_neg", "the header is comma-separated: a comma-separated file is read as one when named .csv"),
])
def test_a_header_split_by_the_other_delimiter_says_so(tmp_path, suffix, header, says):
    """A TSV named .csv was refused with "found: sent0 sent1 hard_neg" (the tabs shown as spaces):
    the very columns asked for, seemingly."""
    path = tmp_path / f"nli{suffix}"
    path.write_text(header + "\n" + header.replace("sent0", "a").replace("sent1", "b").replace("hard_neg", "c") + "\n")
    with pytest.raises(SimsearchError) as error:
        load_triplets(path)
    assert says in str(error.value), error.value
    assert "\t" not in str(error.value)


@pytest.mark.parametrize("header", ["sent0,sent1, hard_neg", "sent0, sent1, hard_neg", " sent0 ,sent1,hard_neg "])
def test_spaces_around_a_header_name_are_not_part_of_it(tmp_path, header):
    """`sent0,sent1, hard_neg` (a space after a comma, as people type a header) trained on pairs:
    " hard_neg" was not the column hard_neg, so every hard negative was dropped, silently; and
    `sent0, sent1, hard_neg` was refused with "found: sent0, sent1, hard_neg", the columns asked for."""
    path = tmp_path / "nli.csv"
    path.write_text(header + "\na,b,c\n")
    assert load_triplets(path) == [("a", "b", "c")]


@pytest.mark.parametrize("name,content", [
    ("nli.csv", "sent0,sent1,Hard_Neg\na,b,c\n"),
    ("nli.tsv", "SENT0\tsent1\thard_neg\na\tb\tc\n"),
    ("nli.jsonl", json.dumps({"sent0": "a", "sent1": "b", "Hard_Neg": "c"}) + "\n"),
])
def test_a_column_named_as_a_known_one_in_other_case_is_refused(tmp_path, name, content):
    """`sent0,sent1,Hard_Neg` trained on pairs, the hard negatives dropped as an unknown column."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SimsearchError, match=r"column '(Hard_Neg|SENT0)' is not read: the columns are named sent0, "
                                             r"sent1 and hard_neg, in lower case"):
        load_triplets(path)
