"""``genomed stats``, ``genomed query``, ``genomed export``: reading the workspace back."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the workspace commands to the top-level app."""
