"""sqlite-utils without pandas.

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

__all__ = ["sqlite_utils"]
