"""How commands print: a rich table for people, ``--json`` for scripts, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from genomed.errors import GenomedError

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def reports_errors(func: Callable) -> Callable:
    """Turn :class:`GenomedError` into a red one-line message and exit status 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GenomedError as error:
            err_console.print("[bold red]error:[/] ", end="")
            err_console.print(
                str(error), highlight=False, soft_wrap=True, markup=False, emoji=False
            )
            raise typer.Exit(1) from None

    return wrapper
