"""sqlite-utils without pandas, and transformers without scikit-learn or ``scipy.optimize``.

sqlite-utils imports pandas whenever it is installed (it is, beside torch and transformers), only
to map ``pandas.Timestamp`` values to TEXT columns, which simsearch never writes. That import took
1.5 of the 4.9 s a `simsearch index` with nothing to do took on the 2-core EPYC (Python's
``-X importtime``), in every command, a cron job's or an editor hook's run included. sqlite-utils
is imported here with pandas hidden from it; pandas stays importable for anything that asks later,
and sqlite-utils maps ``pandas.Timestamp`` once it is imported (``_TypeMapping``), as it would have.

transformers is left as it imports itself otherwise: the ``torch._dynamo`` and
``torch.distributed.tensor`` it imports with every model class (about 0.9 s each of a search's
start under load, ``-X importtime``) come from unconditional imports that no setting turns off
(``TORCHDYNAMO_DISABLE`` included), and avoiding them would mean patching torch (docs/speed.md).
"""

from __future__ import annotations

import sys


class _TypeMapping(dict):
    """sqlite-utils' column types by Python type, with ``pandas.Timestamp`` as TEXT once anything in
    the process has imported pandas (a program that uses simsearch and sqlite-utils with pandas)."""

    def __missing__(self, key):
        pandas = sys.modules.get("pandas")
        if pandas is not None and key is getattr(pandas, "Timestamp", None):
            return "TEXT"
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


if "sqlite_utils" not in sys.modules and "pandas" not in sys.modules:
    sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` raises ImportError
    try:
        import sqlite_utils
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]
    import sqlite_utils.db

    if isinstance(getattr(sqlite_utils.db, "COLUMN_TYPE_MAPPING", None), dict):
        sqlite_utils.db.COLUMN_TYPE_MAPPING = _TypeMapping(sqlite_utils.db.COLUMN_TYPE_MAPPING)
else:
    import sqlite_utils



def _roc_curve(*args, **kwargs):
    """scikit-learn's ``roc_curve``, imported when first called (``transformers_without_sklearn``)."""
    from sklearn.metrics import roc_curve

    return roc_curve(*args, **kwargs)


def _linear_sum_assignment(*args, **kwargs):
    """SciPy's ``linear_sum_assignment``, imported when first called (``transformers_without_scipy``)."""
    from scipy.optimize import linear_sum_assignment

    return linear_sum_assignment(*args, **kwargs)


def _import_hiding(flag: str, module: str, attribute: str, shim, targets: tuple[str, ...] = ()) -> None:
    """Import ``module`` with transformers' ``flag`` (``_sklearn_available``, ``_scipy_available``)
    set to False, then put the flag back and give ``module`` and each of ``targets`` that were
    imported and lack ``attribute`` the ``shim``. A no-op where the flag is not True (the package
    absent, or a transformers that keeps it elsewhere: the module then imports as it would have)."""
    try:
        import transformers.utils.import_utils as found
    except ImportError:  # (loading the model says what is missing)
        return
    available = getattr(found, flag, None)
    if available is not True:
        return
    setattr(found, flag, False)
    try:
        __import__(module)
    except ImportError:  # (a transformers without it)
        return
    finally:
        setattr(found, flag, available)
    for name in targets or (module,):
        imported = sys.modules.get(name)
        if imported is not None and not hasattr(imported, attribute):
            setattr(imported, attribute, shim)


def transformers_without_sklearn() -> None:
    """Import transformers' generation module without the scikit-learn it imports when installed.

    ``transformers.generation.candidate_generator`` (imported by every model class) runs ``from
    sklearn.metrics import roc_curve`` when scikit-learn is installed (sentence-transformers
    installs it), for a threshold of assisted decoding that simsearch never runs. Without it, a
    fresh process loads minilm in 4.15 s instead of 5.44 s (medians of 7, 1.31x, on the 2-core
    EPYC at load 2: ``benchmarks/bench_imports.py``), in every command that loads a model. It is imported here
    with scikit-learn hidden from transformers' check, then the check put back, and the module
    given a ``roc_curve`` that imports scikit-learn's when first called: assisted decoding in the
    same process works as it would have. A no-op once that module is imported, or where
    scikit-learn is absent or already imported.
    """
    if "transformers.generation.candidate_generator" in sys.modules or "sklearn" in sys.modules:
        return
    _import_hiding("_sklearn_available", "transformers.generation.candidate_generator", "roc_curve", _roc_curve)


# transformers' object-detection losses, each ``from scipy.optimize import linear_sum_assignment``
# when SciPy is installed (``transformers.loss.loss_utils`` imports them all).
OBJECT_DETECTION_LOSSES = ("transformers.loss.loss_for_object_detection", "transformers.loss.loss_deformable_detr",
                           "transformers.loss.loss_grounding_dino", "transformers.loss.loss_rt_detr")


def transformers_without_scipy() -> None:
    """Import transformers' losses without the ``scipy.optimize`` they import.

    ``transformers.modeling_utils`` (every model class) imports ``transformers.loss.loss_utils``,
    whose object-detection losses (DETR's Hungarian matching) run ``from scipy.optimize import
    linear_sum_assignment`` when SciPy is installed, as it always is beside simsearch (a
    dependency, for ``eval sts``' Spearman correlation); ``scipy.optimize`` imports most of SciPy.
    They are imported here with SciPy hidden from transformers' check, the check put back, and each
    given a ``linear_sum_assignment`` that imports SciPy's when first called: a detection model
    trained in the same process matches as it would have. A no-op once the losses are imported, or
    where SciPy is absent or ``scipy.optimize`` already imported. Called before
    :func:`transformers_without_sklearn`, whose module may one day import the losses itself.
    """
    if "transformers.loss.loss_utils" in sys.modules or "scipy.optimize" in sys.modules:
        return
    _import_hiding("_scipy_available", "transformers.loss.loss_utils", "linear_sum_assignment", _linear_sum_assignment,
                   OBJECT_DETECTION_LOSSES)


__all__ = ["sqlite_utils", "transformers_without_scipy", "transformers_without_sklearn"]
