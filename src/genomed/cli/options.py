"""Options shared by many commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.store.workspace import DEFAULT_WORKSPACE

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="GENOMED_WORKSPACE",
        help="Workspace directory.",
        show_default=True,
    ),
]
DEFAULT_WS = Path(DEFAULT_WORKSPACE)
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
