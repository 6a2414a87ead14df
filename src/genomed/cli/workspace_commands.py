"""``genomed stats``, ``genomed query``, ``genomed export``: reading the workspace back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption, open_workspace
from genomed.cli.output import console, print_json, print_table, reports_errors

export_app = typer.Typer(help="Export workspace data to standard formats.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the workspace commands to the top-level app."""
    app.command("stats")(stats)
    app.command("query")(query)
    app.add_typer(export_app, name="export")


@reports_errors
def stats(workspace: WorkspaceOption = DEFAULT_WS, as_json: JsonOption = False) -> None:
    """Rows and versions per table, the genome build, the last ingests."""
    from genomed.store.query import workspace_stats

    summary = workspace_stats(open_workspace(workspace))
    if as_json:
        print_json(summary)
        return
    console.print(
        f"workspace [bold]{summary['workspace']}[/] · build {summary['build']} · institution {summary['institution_id']}"
    )
    rows = [
        [name, f"{t['rows']:,}", t["version"]]
        for name, t in summary["tables"].items()
        if t["version"] is not None
    ]
    print_table("Tables", ["table", "rows", "version"], rows)
    ingests = [
        [i["at"][:19], i["kind"], i["source"], i["batch_id"]] for i in summary["last_ingests"]
    ]
    print_table("Last ingests", ["at (UTC)", "kind", "source", "batch"], ingests)


@reports_errors
def query(
    sql: Annotated[str, typer.Argument(help="One read-only SQL statement (DuckDB dialect).")],
    workspace: WorkspaceOption = DEFAULT_WS,
    limit: Annotated[int, typer.Option(help="At most this many rows (terminal output).")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Read-only SQL over the workspace tables (patients, samples, variants, calls, ...)."""
    from genomed.store.query import run_query

    result = run_query(open_workspace(workspace), sql, limit=None if as_json else limit)
    if as_json:
        print_json(result.to_pylist())
        return
    print_table(
        f"{result.num_rows} rows",
        result.column_names,
        [list(r.values()) for r in result.to_pylist()],
    )


@export_app.command("vcf")
@reports_errors
def export_vcf_command(
    samples: Annotated[str, typer.Option(help="Comma-separated sample ids.")],
    out: Annotated[
        Path, typer.Option("-o", "--output", help="Output .vcf.gz (bgzipped, tabix-indexed).")
    ],
    region: Annotated[str | None, typer.Option(help="CHROM or CHROM:START-END")] = None,
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Export samples' genotypes as a VCF (split alleles, one record per ALT)."""
    from genomed.store.export_vcf import export_vcf

    ids = [s.strip() for s in samples.split(",") if s.strip()]
    n = export_vcf(open_workspace(workspace), out, ids, region=region)
    if as_json:
        print_json({"output": str(out), "records": n, "samples": len(ids)})
    else:
        console.print(f"wrote {n:,} records for {len(ids)} samples to {out} (+ .tbi)")
