"""sqlite-utils without pandas, and transformers without scikit-learn.

sqlite-utils imports pandas whenever it is installed (it is, beside torch and transformers), only
to map ``pandas.Timestamp`` values to TEXT columns, which simsearch never writes. That import took
1.5 of the 4.9 s a `simsearch index` with nothing to do took on the 2-core EPYC (Python's
``-X importtime``), in every command, a cron job's or an editor hook's run included. sqlite-utils
is imported here with pandas hidden from it; pandas stays importable for anything that asks later,
and sqlite-utils maps ``pandas.Timestamp`` once it is imported (``_TypeMapping``), as it would have.
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
    try:
        import transformers.utils.import_utils as found
    except ImportError:  # (loading the model says what is missing)
        return
    available = getattr(found, "_sklearn_available", None)
    if available is not True:
        return
    found._sklearn_available = False
    try:
        import transformers.generation.candidate_generator as generator
    except ImportError:
        return
    finally:
        found._sklearn_available = available
    if not hasattr(generator, "roc_curve"):
        generator.roc_curve = _roc_curve


__all__ = ["sqlite_utils", "transformers_without_sklearn"]
