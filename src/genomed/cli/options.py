"""Options shared by many commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.store.location import DEFAULT_WORKSPACE

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

# Inputs of a tumour case, shared by `genomed interpret somatic` and `genomed report`.
CnaOption = Annotated[Path | None, typer.Option(help="Copy-number segments TSV (PCGR format).")]
FusionsOption = Annotated[Path | None, typer.Option(help="Fusions TSV (PCGR format).")]
CallableBedOption = Annotated[Path | None, typer.Option(help="Callable territory BED for TMB.")]
TargetSizeOption = Annotated[float | None, typer.Option(help="Territory size for TMB, Mb.")]


def open_workspace(path: Path):
    """The workspace at ``path`` (imported here, not at start-up: the storage stack takes
    half a second to import and ``--help`` needs none of it)."""
    from genomed.store.workspace import Workspace

    return Workspace.open(path)
