"""``genomed popfreq ...``: the population allele-frequency database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import DEFAULT_WS, JsonOption, WorkspaceOption
from genomed.cli.output import console, err_console, print_json, print_table, reports_errors

popfreq_app = typer.Typer(
    help="Population allele frequencies (gnomAD-style AC/AN/AF, grpmax, FAF), incremental.",
    no_args_is_help=True,
)


def _status(label: str, enabled: bool):
    from contextlib import nullcontext

    if not enabled or not err_console.is_terminal:
        return nullcontext()
    return err_console.status(label)


def print_result(result, as_json: bool) -> None:
    """Summary of a build/add/withdraw."""
    if as_json:
        print_json(result.to_dict())
        return
    if not result.changed:
        if result.kind == "compact":
            console.print("no pending changes: nothing to compact.")
        else:
            console.print("no new batches: the population database is up to date.")
        return
    of_change = result.kind in ("add", "withdraw") and not result.compacted
    rows = [
        ["operation", f"{result.kind} (#{result.op})"],
        ["batches read", ", ".join(result.batches) or "-"],
        ["samples added", f"{result.samples_added:,}"],
        ["samples withdrawn", f"{result.samples_withdrawn:,}"],
        ["duplicates of counted patients", f"{result.duplicates:,}"],
        ["samples counted in total", f"{result.samples_counted:,}"],
        ["alleles changed" if of_change else "alleles", f"{result.alleles:,}"],
        ["group counts changed" if of_change else "group counts", f"{result.rows:,}"],
        ["compacted", "yes" if result.compacted else f"no ({result.pending_rows:,} rows pending)"],
    ]
    print_table("Population database", ["", ""], rows)
    missing = result.missing_fields or {}
    if missing.get("calls") and missing.get("without_gq") == missing.get("calls"):
        console.print(
            "[yellow]the genotypes carry no GQ/DP/AD: the adj filter could not judge them, so adj = raw[/]"
        )


def print_lookup(result) -> None:
    """A look-up as tables: one per allele, groups in display order (East Asian first)."""
    if not result.variants:
        console.print(f"[yellow]{result.where}[/]: not in the population database")
        return
    for v in result.variants:
        grpmax = v["grpmax"]
        title = (
            f"{v['variant']} {v['rsid'] or ''}  AC {v['AC']}  AN {v['AN']}  AF {_af(v['AF'])}"
            f"  grpmax {grpmax['group'] or '-'} {_af(grpmax['AF'])}  faf95 {_af(v['faf95'])}"
        )
        rows = [
            [
                ("  " if g["kind"] in ("population", "super_population_sex") else "") + g["group"],
                g["samples"],
                g["AC"],
                g["AN"],
                _af(g["AF"]),
                g["nhomalt"],
                g["nhemi"],
                _af(g.get("faf95")),
            ]
            for g in v["groups"]
        ]
        print_table(title, ["group", "samples", "AC", "AN", "AF", "hom", "hemi", "faf95"], rows)
    if result.truncated:
        console.print("[yellow]more alleles match; narrow the region or use --limit[/]")


def _af(value) -> str:
    return "-" if value is None else f"{value:.4g}"


@popfreq_app.command("build")
@reports_errors
def build_command(
    workspace: WorkspaceOption = DEFAULT_WS,
    populations: Annotated[
        Path | None,
        typer.Option(
            help="TSV of sample, population, super_population, sex (a 1000 Genomes panel works)."
        ),
    ] = None,
    adj: Annotated[
        str | None,
        typer.Option(help='adj genotype filter, e.g. "GQ>=20,DP>=10,AB>=0.2" (gnomAD\'s default).'),
    ] = None,
    exclude_from_grpmax: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated groups left out of grpmax/fafmax (default: ASJ,FIN,MID,OTH,REMAINING)."
        ),
    ] = None,
    grpmax_level: Annotated[
        str | None, typer.Option(help="super_population (default) or population.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Full rebuild: per-group AC/AN/AF/nhomalt/nhemi (adj and raw) for every allele."""
    from genomed.popfreq.adj import parse_adj
    from genomed.popfreq.database import build_popfreq, stored_settings
    from genomed.popfreq.groups import GrpmaxSettings
    from genomed.store.workspace import Workspace

    ws = Workspace.open(workspace)
    previous = stored_settings(ws)
    grpmax = None
    if exclude_from_grpmax is not None or grpmax_level is not None:
        base = previous.grpmax if previous else GrpmaxSettings()
        exclude = (
            tuple(x.strip() for x in exclude_from_grpmax.split(",") if x.strip())
            if exclude_from_grpmax is not None
            else base.exclude
        )
        grpmax = GrpmaxSettings(level=grpmax_level or base.level, exclude=exclude)
    with _status("building the population database", not as_json):
        result = build_popfreq(
            ws,
            populations=populations,
            adj=parse_adj(adj) if adj is not None else None,
            grpmax=grpmax,
        )
    print_result(result, as_json)


@popfreq_app.command("add")
@reports_errors
def add_command(
    workspace: WorkspaceOption = DEFAULT_WS,
    populations: Annotated[
        Path | None, typer.Option(help="Labels for the new samples (same TSV as build).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Incremental: add the batches ingested since the last change (reads only those)."""
    from genomed.popfreq.database import add_new_batches

    with _status("adding new batches", not as_json):
        result = add_new_batches(workspace, populations=populations)
    print_result(result, as_json)


@popfreq_app.command("withdraw")
@reports_errors
def withdraw_command(
    samples: Annotated[list[str], typer.Argument(help="Sample ids whose consent was withdrawn.")],
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Subtract samples from the database (consent withdrawn); they stay out of rebuilds."""
    from genomed.popfreq.database import withdraw_samples

    result = withdraw_samples(workspace, samples)
    print_result(result, as_json)


@popfreq_app.command("compact")
@reports_errors
def compact_command(
    workspace: WorkspaceOption = DEFAULT_WS,
    as_json: JsonOption = False,
) -> None:
    """Fold the changes of adds and withdrawals into the base totals (no total changes)."""
    from genomed.popfreq.database import compact_popfreq

    result = compact_popfreq(workspace)
    print_result(result, as_json)


@popfreq_app.command("lookup")
@reports_errors
def lookup_command(
    query: Annotated[
        str,
        typer.Argument(
            help="Variant (1-11856378-G-A), rsID (rs1801133), region (1:11800000-11810000) or gene."
        ),
    ],
    workspace: WorkspaceOption = DEFAULT_WS,
    limit: Annotated[int, typer.Option(help="At most this many alleles.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Frequencies per group (East Asian first), grpmax and FAF of matching alleles."""
    from genomed.popfreq.lookup import lookup

    result = lookup(workspace, query, limit=limit)
    if as_json:
        print_json(result.to_dict())
    else:
        print_lookup(result)


@popfreq_app.command("export")
@reports_errors
def export_command(
    out: Annotated[
        Path, typer.Option("-o", "--output", help="sites.vcf.gz (bgzipped + .tbi) or .parquet")
    ],
    workspace: WorkspaceOption = DEFAULT_WS,
    min_ac: Annotated[
        int,
        typer.Option(help="Public release: withhold per-group counts with 0 < AC < this."),
    ] = 1,
    fmt: Annotated[
        str | None, typer.Option("--format", help="vcf | parquet (default: from the file name)")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Export the database: gnomAD-style sites VCF (header documents each key) or Parquet."""
    from genomed.popfreq.export import export_sites_parquet, export_sites_vcf

    kind = fmt or ("parquet" if out.suffix == ".parquet" else "vcf")
    if kind not in ("vcf", "parquet"):
        raise typer.BadParameter("expected vcf or parquet", param_hint="--format")
    with _status(f"exporting {out.name}", not as_json):
        if kind == "vcf":
            result = export_sites_vcf(workspace, out, min_ac=min_ac)
        else:
            result = export_sites_parquet(workspace, out, min_ac=min_ac)
    if as_json:
        print_json(result.to_dict())
    else:
        extra = (
            f" ({result.withheld_alleles:,} alleles withheld by --min-ac {min_ac})"
            if result.withheld_alleles
            else ""
        )
        console.print(f"wrote {result.records:,} alleles to {out}{extra}")
