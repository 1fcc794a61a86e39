"""Names and metadata of the models directory's folders: a trained folder named like the
built-in (which ``-m NAME`` can never reach), and malformed ``simsearch.json`` files, which are
one-line errors naming the file and the field, and never hide the other models from the list."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsearch.errors import SimsearchError
from simsearch.models import EMBEDDED_ALIASES, POOLERS, check_trained_name, list_models, resolve_model

FOLDER_ALIASES = [alias for alias in EMBEDDED_ALIASES if "/" not in alias]  # those a folder can be named


@st.composite
def spelled(draw, words):
    """One of ``words`` with any letters in upper case."""
    word = draw(st.sampled_from(words))
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=spelled(FOLDER_ALIASES), suffix=st.sampled_from(["", "-trained", "2", "_x"]))
def test_training_out_in_the_models_directory_must_not_be_an_alias(tmp_path, monkeypatch, name, suffix):
    models, elsewhere = tmp_path / "models", tmp_path / "elsewhere"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    out = models / (name + suffix)
    if suffix:
        check_trained_name(out)  # another name is fine
    else:
        with pytest.raises(SimsearchError, match="choose another name") as refused:
            check_trained_name(out)
        assert "\n" not in str(refused.value) and repr(name) in str(refused.value)
    check_trained_name(elsewhere / name)  # outside the models directory it is reached as a path
    check_trained_name(models / name / "sub")  # nested: not a model of the directory's own
    assert not models.exists() and not elsewhere.exists()  # the check writes nothing


def test_the_models_directory_is_recognised_however_it_is_written(tmp_path, monkeypatch):
    real = tmp_path / "real-models"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "link"))
    for out in (real / "minilm", tmp_path / "link" / "Default", tmp_path / "link" / ".." / "real-models" / "MiniLM"):
        with pytest.raises(SimsearchError, match="name of the built-in model"):
            check_trained_name(out)
    monkeypatch.chdir(real)
    with pytest.raises(SimsearchError, match="name of the built-in model"):
        check_trained_name(type(real)("minilm"))  # a relative --out, from inside the directory
    monkeypatch.setenv("SIMSEARCH_MODELS", "~/no-such-models")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SimsearchError, match="name of the built-in model"):
        check_trained_name(tmp_path / "no-such-models" / "default")  # $SIMSEARCH_MODELS with ~, not made yet


def test_a_folder_named_like_the_builtin_is_listed_as_shadowed(tmp_path, monkeypatch, tiny_model):
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    for name in ("minilm", "Default", "notes"):
        shutil.copytree(tiny_model, models / name)
    listed = [(ref.name, ref.source, ref.path) for ref in list_models()]
    assert [(name, source) for name, source, _ in listed] == [
        ("minilm", "embedded"), ("Default", "shadowed"), ("minilm", "shadowed"), ("notes", "trained")]
    assert listed[2][2] == models / "minilm"
    shadowed = [ref for ref in list_models() if ref.source == "shadowed"]
    assert all("shadowed by the built-in minilm: rename the folder" == ref.note for ref in shadowed)
    assert all(ref.describe()["note"] == ref.note and ref.pooler == "cls_before_pooler" for ref in shadowed)
    assert "note" not in list_models()[-1].describe()  # a usable model's JSON is as it was
    # What the note warns of: the name is the built-in's; the folder is reached as a path.
    assert resolve_model("minilm").source == resolve_model("DEFAULT").source == "embedded"
    monkeypatch.chdir(models)
    assert (resolve_model("./minilm").source, resolve_model("./minilm").path.resolve()) == ("folder", models / "minilm")


def test_a_folder_named_minilm_elsewhere_is_a_path(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("SIMSEARCH_MODELS", str(tmp_path / "models"))
    shutil.copytree(tiny_model, tmp_path / "work" / "minilm")
    check_trained_name(tmp_path / "work" / "minilm")
    monkeypatch.chdir(tmp_path / "work")
    check_trained_name(type(tmp_path)("minilm"))  # --out minilm from a project folder
    ref = resolve_model("./minilm")
    assert (ref.source, ref.pooler, ref.path.resolve()) == ("folder", "cls_before_pooler", tmp_path / "work" / "minilm")
    assert [ref.name for ref in list_models()] == ["minilm"]  # only the embedded one: nothing is shadowed


def _accepted(meta) -> tuple[bool, str]:
    """The oracle: whether simsearch.json holding ``meta`` is usable, else which field is wrong."""
    if not isinstance(meta, dict):
        return False, "not a JSON object"
    if meta.get("pooler") not in POOLERS:
        return False, "pooler"
    if "train_pooler" in meta and meta["train_pooler"] not in POOLERS:
        return False, "train_pooler"
    length = meta.get("max_length")
    if length is not None and (type(length) is not int or length < 1):
        return False, "max_length"
    return True, ""


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3000) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)
poolers = st.sampled_from(POOLERS) | json_values
metadata = json_values | st.fixed_dictionaries(
    {"pooler": poolers}, optional={"train_pooler": poolers, "max_length": json_values | st.integers(-2, 600),
                                   "base_model": json_values})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=metadata)
def test_any_simsearch_json_is_a_model_or_a_one_line_error(tmp_path_factory, monkeypatch, tiny_model, meta):
    models = tmp_path_factory.mktemp("models")
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    shutil.copytree(tiny_model, models / "good")
    shutil.copytree(tiny_model, models / "probe")
    meta_file = models / "probe" / "simsearch.json"
    meta_file.write_text(json.dumps(meta))
    usable, field = _accepted(meta)
    listed = {ref.name: ref for ref in list_models()}
    assert list(listed) == ["minilm", "good", "probe"] and listed["good"].source == "trained"
    if usable:
        ref = resolve_model("probe")
        assert (ref.source, ref.pooler) == ("trained", meta["pooler"])
        assert ref.max_length == (meta.get("max_length") or 512)  # else: the tiny BERT's 512 positions
        assert listed["probe"] == ref and not listed["probe"].note
        return
    with pytest.raises(SimsearchError) as refused:
        resolve_model("probe")
    message = str(refused.value)
    assert message.startswith(f"{meta_file}: ") and field in message and "\n" not in message
    assert (listed["probe"].source, listed["probe"].note) == ("unreadable", message)
    assert listed["probe"].describe()["pooler"] is None


@pytest.mark.parametrize("file, text, named", [
    ("config.json", "[]", "config.json: not a JSON object"),
    ("config.json", '{"max_position_embeddings": "long"}', "config.json: max_position_embeddings must be a positive"),
    ("sentence_bert_config.json", '{"max_seq_length": "long"}', "sentence_bert_config.json: max_seq_length must be"),
    ("sentence_bert_config.json", '{"max_seq_length": 0}', "sentence_bert_config.json: max_seq_length must be"),
])
def test_other_wrong_typed_model_files_name_the_file_and_field(tmp_path, tiny_model, file, text, named):
    folder = tmp_path / "m"
    shutil.copytree(tiny_model, folder)
    meta = json.loads((folder / "simsearch.json").read_text())
    meta.pop("max_length", None)  # so that config.json's length is read
    (folder / "simsearch.json").write_text(json.dumps(meta))
    if file == "sentence_bert_config.json":
        (folder / "simsearch.json").unlink()  # sentence-transformers' settings are read without it
    (folder / file).write_text(text)
    with pytest.raises(SimsearchError, match=named.replace(".", r"\.")):
        resolve_model(str(folder), pooler="avg")


def test_models_command_lists_every_folder_whatever_its_metadata(tmp_path, monkeypatch, run_cli, tiny_model):
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    bad = {"list-json": "[]", "null-json": "null", "maxlen-str": '{"pooler": "avg", "max_length": "long"}'}
    for name, text in bad.items():
        shutil.copytree(tiny_model, models / name)
        (models / name / "simsearch.json").write_text(text)
    shutil.copytree(tiny_model, models / "notes")
    shutil.copytree(tiny_model, models / "MiniLM")
    (models / "not-a-model").mkdir()
    code, out, err = run_cli("models", "--json")
    assert code == 0, err
    rows = {row["name"]: row for row in map(json.loads, out.splitlines()) if row["source"] != "embedded"}
    assert sorted(rows) == sorted([*bad, "notes", "MiniLM"])
    assert {name: rows[name]["source"] for name in rows} == {**dict.fromkeys(bad, "unreadable"), "notes": "trained",
                                                             "MiniLM": "shadowed"}
    assert "max_length must be a positive integer" in rows["maxlen-str"]["note"]
    assert rows["null-json"]["note"] == f"{models / 'null-json' / 'simsearch.json'}: not a JSON object"
    code, out, err = run_cli("models")
    assert code == 0 and "Traceback" not in err, err
    for name in ("list-json", "notes", "MiniLM"):
        assert name in out
    flat = " ".join(out.split())  # the table wraps long lines
    assert "MiniLM (shadowed): shadowed by the built-in" in flat and "null-json (unreadable):" in flat
    assert "not a JSON object" in flat
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("One sentence here. Another one there.")
    for name, text in bad.items():  # using one by name: one line on stderr, exit 2
        code, out, err = run_cli("index", docs, "--db", tmp_path / "d.db", "-m", name)
        assert code == 2 and err.count("\n") == 1 and "simsearch.json" in err, err
    assert not os.path.exists(tmp_path / "d.db")


def test_train_refuses_an_alias_out_in_the_models_directory_before_writing(tmp_path, monkeypatch, run_cli, tiny_model,
                                                                           sts_fixture):
    models, work = tmp_path / "models", tmp_path / "work"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    work.mkdir()
    notes = work / "notes.txt"
    notes.write_text("".join(f"Sentence number {i} is about topic {i % 5}.\n" for i in range(40)))
    args = ["--unsup", notes, "-m", tiny_model, "--max-steps", "1", "--batch-size", "8", "--data", sts_fixture,
            "--device", "cpu", "--precision", "fp32", "--json"]
    code, out, err = run_cli("train", *args, "--out", models / "Default")
    assert code == 2 and err.count("\n") == 1 and "choose another name" in err, err
    assert not models.exists()  # no lock file, no work folder, no model
    monkeypatch.chdir(work)  # the same name elsewhere is a path, and trains
    code, out, err = run_cli("train", *args, "--out", "minilm")
    assert code == 0, err
    ref = resolve_model("./minilm")
    assert (ref.source, ref.path.resolve()) == ("folder", work / "minilm") and (work / "minilm" / "simsearch.json").is_file()


def test_a_raw_bert_in_the_models_directory_is_listed_as_needing_a_pooler(tmp_path, monkeypatch, run_cli, tiny_model):
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    shutil.copytree(tiny_model, models / "rawbert")
    (models / "rawbert" / "simsearch.json").unlink()  # a raw BERT as from the hub: no pooling said
    for name in ("no-weights", "bad-config"):  # --pooler would not make these usable
        shutil.copytree(models / "rawbert", models / name)
    (models / "no-weights" / "model.safetensors").unlink()
    (models / "bad-config" / "config.json").write_text("{oops")
    code, out, err = run_cli("models", "--json")
    rows = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert code == 0 and rows["rawbert"]["source"] == "needs --pooler" and "pass --pooler" in rows["rawbert"]["note"]
    assert rows["no-weights"]["source"] == "unreadable" and "no weights file" in rows["no-weights"]["note"]
    assert rows["bad-config"]["source"] == "unreadable" and "not valid JSON" in rows["bad-config"]["note"]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("One sentence here. Another one there.")
    code, out, err = run_cli("index", docs, "--db", tmp_path / "d.db", "-m", "rawbert", "--pooler", "avg")
    assert code == 0, err  # usable, as the label says


def test_models_says_what_each_trained_model_was_checked_by(tmp_path, monkeypatch, run_cli, tiny_model):
    """The sqlite-utils trial: a model `train` judged by the held-out check showed an empty
    "best dev" cell, as if nothing had been measured. The cell says what was: its STS-B dev, else
    the held-out verdict against its base (the same judgement `train` printed)."""
    models = tmp_path / "models"
    monkeypatch.setenv("SIMSEARCH_MODELS", str(models))
    monkeypatch.setenv("COLUMNS", "300")
    base = {"hit@10": 0.616, "mrr@10": 0.342, "queries": 500, "step": 0}
    metadata = {
        "sts": {"best_dev_stsb": 82.5, "heldout": None},
        "better": {"best_dev_stsb": None, "heldout": {"base": base, "trained": {**base, "hit@10": 0.9, "mrr@10": 0.6}}},
        "worse": {"best_dev_stsb": None, "heldout": {"base": base, "trained": {**base, "hit@10": 0.3, "mrr@10": 0.1}}},
        "unmeasured": {"best_dev_stsb": None},
        "edited": {"best_dev_stsb": None, "heldout": {"base": {"hit@10": "x"}, "trained": {}}},
    }
    for name, extra in metadata.items():
        shutil.copytree(tiny_model, models / name)
        meta = json.loads((models / name / "simsearch.json").read_text())
        (models / name / "simsearch.json").write_text(json.dumps({**meta, **extra}))
    code, out, err = run_cli("models")
    assert code == 0, err
    cells = {line.split("│")[1].strip(): line.split("│")[6].strip() for line in out.splitlines()
             if line.startswith("│") and line.split("│")[1].strip() in metadata}
    assert cells == {"sts": "STS-B dev 82.50", "better": "held-out: better", "worse": "held-out: not better",
                     "unmeasured": "", "edited": ""}
