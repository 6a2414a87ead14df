"""``genomed``: the command-line entry point. Each command group lives in its own module."""

from __future__ import annotations

import typer

from genomed import __version__
from genomed.cli import (
    annotate_commands,
    cohort_commands,
    demo_commands,
    ingest_clinical_commands,  # noqa: F401
    ingest_commands,
    ingest_study_commands,  # noqa: F401
    interpret_commands,
    knowledge_commands,
    network_commands,
    popfreq_commands,
    reference_commands,
    report_commands,
    serve_commands,
    token_commands,
    workspace_commands,
)

app = typer.Typer(
    name="genomed",
    help="Genome-based precision medicine: ingest, interpret, cohorts, population frequencies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(ingest_commands.ingest_app, name="ingest")
app.add_typer(cohort_commands.cohort_app, name="cohort")
workspace_commands.register(app)
demo_commands.register(app)
knowledge_commands.register(app)
interpret_commands.register(app)
report_commands.register(app)
annotate_commands.register(app)
reference_commands.register(app)
app.add_typer(popfreq_commands.popfreq_app, name="popfreq")
serve_commands.register(app)
token_commands.register(app)
network_commands.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"genomed {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    """genomed command line."""
