"""Where the workspace is when no ``--workspace`` is given (kept free of heavy imports:
every CLI command reads it at start-up)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WORKSPACE = "genomed-data"


def default_workspace_path() -> Path:
    """``$GENOMED_WORKSPACE`` or ``./genomed-data``."""
    return Path(os.environ.get("GENOMED_WORKSPACE", DEFAULT_WORKSPACE))
