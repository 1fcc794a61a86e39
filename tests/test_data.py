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
