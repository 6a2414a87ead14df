"""The command line starts without importing the storage and analysis stack.

Every command (and ``--help``) pays for what ``genomed.cli.main`` imports; DuckDB, pyarrow's
dataset layer, pandas and deltalake take most of a second, so commands import them when
they run. This checks the modules loaded, never a time.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("duckdb", "pyarrow.dataset", "pandas", "deltalake", "cyvcf2", "lifelines", "plotly")


def test_cli_main_imports_no_heavy_module():
    code = (
        f"import sys, genomed.cli.main; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
