"""sqlite-utils without pandas.

sqlite-utils imports pandas whenever it is installed (it is, beside torch and transformers), only
to map ``pandas.Timestamp`` values to TEXT columns, which simsearch never writes. That import took
1.5 of the 4.9 s a `simsearch index` with nothing to do took on the 2-core EPYC (Python's
``-X importtime``), in every command, a cron job's or an editor hook's run included. sqlite-utils
is imported here with pandas hidden from it; pandas stays importable for anything that asks later.
"""

from __future__ import annotations

import sys

if "sqlite_utils" not in sys.modules and "pandas" not in sys.modules:
    sys.modules["pandas"] = None  # type: ignore[assignment]  # `import pandas` raises ImportError
    try:
        import sqlite_utils
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]
else:
    import sqlite_utils

__all__ = ["sqlite_utils"]
