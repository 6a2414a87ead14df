"""``genomed ingest ...``: one command per input format."""

from __future__ import annotations

import typer

ingest_app = typer.Typer(
    help="Ingest genomes and clinical records into the workspace.", no_args_is_help=True
)
