"""``genomed cohort ...``: define, list, show, refresh and delete cohorts; the analyses
are in :mod:`genomed.cli.cohort_analysis_commands`.

A COHORT argument is a saved cohort's name or a definition in quotes, e.g.
``genomed cohort genes "tumor_type = LAML and age >= 60"``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from genomed.cli import cohort_analysis_commands
from genomed.cli.cohort_output import notes
from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption, open_workspace
from genomed.cli.output import console, print_json, print_table, reports_errors

cohort_app = typer.Typer(
    help="Research cohorts: define by genotype, clinical data, treatment and time order; analyse.",
    no_args_is_help=True,
)

# -- definitions -----------------------------------------------------------------------------


@cohort_app.command("define")
@reports_errors
def define(
    name: Annotated[str, typer.Argument(help="Cohort name (letters, digits, _ . -).")],
    definition: Annotated[
        str | None,
        typer.Argument(help='e.g. "tumor_type = LAML and mutated(DNMT3A) and age >= 60"'),
    ] = None,
    from_json: Annotated[
        Path | None,
        typer.Option("--from-json", help="Read the definition's JSON form from a file."),
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="Free-text note saved with the cohort.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Redefine an existing cohort.")
    ] = False,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Evaluate a definition and save it, with the table versions it was evaluated on."""
    from genomed.cohort.cohort_store import CohortError, define_cohort

    if (definition is None) == (from_json is None):
        raise CohortError("give a definition or --from-json FILE (one of them)")
    source = json.loads(from_json.read_text()) if from_json else definition
    cohort, warnings = define_cohort(
        open_workspace(workspace), name, source, description=description, replace=replace
    )
    if as_json:
        print_json(cohort.to_dict() | {"warnings": warnings})
        return
    notes({}, warnings)
    console.print(
        f"cohort [bold]{cohort.name}[/]: {cohort.n_patients:,} patients  ({cohort.definition})",
        highlight=False,
    )


@cohort_app.command("list")
@reports_errors
def list_command(workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False) -> None:
    """Saved cohorts."""
    from genomed.cohort.cohort_store import list_cohorts

    ws = open_workspace(workspace)
    cohorts = list_cohorts(ws)
    if as_json:
        print_json([c.to_dict() | {"stale_tables": c.stale_tables(ws)} for c in cohorts])
        return
    rows = [
        [
            c.name,
            f"{c.n_patients:,}",
            c.definition,
            c.defined_at.strftime("%Y-%m-%d %H:%M"),
            "yes" if c.stale_tables(ws) else "",
        ]
        for c in cohorts
    ]
    print_table(
        f"{len(cohorts)} cohorts",
        ["name", "patients", "definition", "defined (UTC)", "data changed since"],
        rows,
    )


@cohort_app.command("show")
@reports_errors
def show(
    name: str,
    members: Annotated[bool, typer.Option("--members", help="List the patient ids.")] = False,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """A saved cohort: definition (text and JSON), table versions, members."""
    from genomed.cohort.cohort_store import get_cohort

    ws = open_workspace(workspace)
    cohort = get_cohort(ws, name)
    stale = cohort.stale_tables(ws)
    if as_json:
        print_json(cohort.to_dict(members=members) | {"stale_tables": stale})
        return
    console.print(
        f"[bold]{cohort.name}[/]: {cohort.n_patients:,} patients, defined {cohort.defined_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    console.print(f"definition: {cohort.definition}", highlight=False)
    console.print(f"json: {json.dumps(cohort.definition_json)}", highlight=False)
    if cohort.description:
        console.print(f"description: {cohort.description}", highlight=False)
    versions = ", ".join(f"{t} v{v}" for t, v in cohort.table_versions.items())
    console.print(f"evaluated on: {versions}", highlight=False)
    if stale:
        console.print(
            f"[yellow]changed since:[/] {', '.join(stale)} (`genomed cohort refresh {name}`)"
        )
    if members:
        console.print("\n".join(cohort.patient_ids), highlight=False)


@cohort_app.command("refresh")
@reports_errors
def refresh(
    name: str, workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False
) -> None:
    """Re-evaluate a saved cohort on the current workspace."""
    from genomed.cohort.cohort_store import get_cohort, refresh_cohort

    ws = open_workspace(workspace)
    before = get_cohort(ws, name).n_patients
    cohort, warnings = refresh_cohort(ws, name)
    if as_json:
        print_json(cohort.to_dict() | {"patients_before": before, "warnings": warnings})
        return
    notes({}, warnings)
    console.print(f"cohort [bold]{name}[/]: {before:,} -> {cohort.n_patients:,} patients")


@cohort_app.command("delete")
@reports_errors
def delete(name: str, workspace: WorkspaceOption = DEFAULT_WS) -> None:
    """Delete a saved cohort (its earlier versions stay in the table's history)."""
    from genomed.cohort.cohort_store import delete_cohort

    delete_cohort(open_workspace(workspace), name)
    console.print(f"deleted cohort {name}")


cohort_analysis_commands.register(cohort_app)
