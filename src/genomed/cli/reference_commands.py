"""``genomed reference build|info|validation``: transcript-model bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import JsonOption
from genomed.cli.output import console, print_json, print_table, reports_errors

BuildOption = Annotated[
    str, typer.Option(help="Which shipped bundle when --bundle is not given: GRCh38 | GRCh37.")
]

reference_app = typer.Typer(
    help="Reference bundles: transcript models + sequences for annotation.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``genomed reference ...`` to the top-level app."""
    app.add_typer(reference_app, name="reference")


@reference_app.command("build")
@reports_errors
def build(
    models: Annotated[
        list[Path], typer.Option("--models", help="genePred / GFF3 / GTF (repeatable).")
    ],
    out: Annotated[Path, typer.Option("-o", "--output", help="Bundle directory to create.")],
    build_name: Annotated[str, typer.Option("--build", help="GRCh38 | GRCh37.")],
    fasta: Annotated[
        Path | None, typer.Option(help="Genome FASTA (sequences spliced from it).")
    ] = None,
    transcripts: Annotated[
        Path | None, typer.Option(help="cDNA FASTA named by transcript id (e.g. NM_000546.6).")
    ] = None,
    mane: Annotated[
        Path | None, typer.Option(help="MANE summary (canonical = MANE Select).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Bundle name (default: directory name).")] = None,
    version: Annotated[str, typer.Option(help="Bundle version.")] = "1",
    canonical_only: Annotated[
        bool, typer.Option("--canonical-only", help="Keep one canonical transcript per gene.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Compile transcript models and sequences into a bundle (Parquet + manifest.json)."""
    from genomed.reference.build import build_reference_bundle

    report = build_reference_bundle(
        models, out, build=build_name, fasta=fasta, transcripts=transcripts, mane=mane,
        name=name, version=version, canonical_only=canonical_only,
    )  # fmt: skip
    if as_json:
        print_json(report.to_dict())
        return
    console.print(
        f"built {report.manifest['id']} in {out}: {report.transcripts:,} transcripts "
        f"({report.coding:,} coding, {report.canonical:,} canonical, "
        f"{report.with_sequence:,} with sequence)"
    )
    if report.failures:
        rows = [
            [f["transcript_id"], f["gene"], ", ".join(f["checks"])] for f in report.failures[:20]
        ]
        print_table(
            f"{len(report.failures)} transcripts failed sequence checks (kept without sequence)",
            ["transcript", "gene", "checks"],
            rows,
        )


@reference_app.command("info")
@reports_errors
def info(
    bundle: Annotated[
        Path | None, typer.Option(help="Bundle directory (default: shipped).")
    ] = None,
    build: BuildOption = "GRCh38",
    as_json: JsonOption = False,
) -> None:
    """Show a bundle's id, build, counts and sources."""
    from genomed.reference.bundle import ReferenceBundle

    b = ReferenceBundle(bundle) if bundle else ReferenceBundle.default(build)
    summary = b.summary()
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{summary['id']}[/] ({summary['build']}) at {summary['path']}")
    print_table("Counts", ["what", "n"], [[k, f"{v:,}"] for k, v in summary["counts"].items()])
    print_table(
        "Sources", ["file", "role", "licence"],
        [[s["path"], s.get("role"), s.get("licence")] for s in summary["sources"]],
    )  # fmt: skip


@reference_app.command("validation")
@reports_errors
def validation(
    bundle: Annotated[
        Path | None, typer.Option(help="Bundle directory (default: shipped).")
    ] = None,
    build: BuildOption = "GRCh38",
    as_json: JsonOption = False,
) -> None:
    """List every failed transcript check of a bundle."""
    from genomed.reference.bundle import ReferenceBundle

    b = ReferenceBundle(bundle) if bundle else ReferenceBundle.default(build)
    rows = b.validation.to_pylist()
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} failed checks in {b.id}",
        ["transcript", "gene", "check", "detail", "sequence"],
        [
            [r["transcript_id"], r["gene"], r["check"], r["detail"], r["sequence_source"]]
            for r in rows
        ],
    )


@reference_app.command("build-default")
@reports_errors
def build_default(
    shared: Annotated[Path, typer.Option(help="The project's shared data folder.")],
    out: Annotated[Path, typer.Option("-o", "--output", help="Bundle directory to create.")],
    build: Annotated[
        str,
        typer.Option(help="GRCh38 (from the shared models) or GRCh37 (the GRCh38 bundle lifted)."),
    ] = "GRCh38",
    as_json: JsonOption = False,
) -> None:
    """(Developers) rebuild a bundle shipped in genomed/data/bundles."""
    if build == "GRCh37":
        from genomed.reference.default_bundle_grch37 import build_default_grch37_bundle

        report = build_default_grch37_bundle(shared, out)
    elif build == "GRCh38":
        from genomed.reference.default_bundle import build_default_bundle

        report = build_default_bundle(shared, out)
    else:
        raise typer.BadParameter("GRCh38 or GRCh37", param_hint="--build")
    if as_json:
        print_json(report.to_dict())
    else:
        console.print(f"built {report.manifest['id']} in {out}: {report.manifest['counts']}")


@reference_app.command("lift")
@reports_errors
def lift(
    out: Annotated[Path, typer.Option("-o", "--output", help="Bundle directory to create.")],
    build: Annotated[str, typer.Option(help="Target assembly (GRCh37, GRCh38).")],
    bundle: Annotated[
        Path | None, typer.Option(help="Source bundle (default: the shipped GRCh38 one).")
    ] = None,
    chain: Annotated[
        Path | None,
        typer.Option(help="UCSC chain source -> target (default: the shipped one for the pair)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Bundle name (default: source name + build).")
    ] = None,
    version: Annotated[str, typer.Option(help="Bundle version.")] = "1",
    as_json: JsonOption = False,
) -> None:
    """Lift a bundle's transcript models onto another assembly (exons moved by the chain;
    transcripts the chain cannot move cleanly are left out and listed in the manifest)."""
    from genomed.io.chain import find_chain
    from genomed.reference.bundle import ReferenceBundle
    from genomed.reference.bundle_lift import lift_bundle

    source = ReferenceBundle(bundle) if bundle else ReferenceBundle.default()
    chain_path = find_chain(source.build, build, chain)
    report, dropped = lift_bundle(
        source,
        chain_path,
        out,
        build=build,
        name=name or f"{source.manifest['name']}-lifted-{build}",
        version=version,
    )
    if as_json:
        print_json(report.to_dict() | {"not_lifted": dropped})
        return
    console.print(
        f"lifted {report.transcripts:,} of {report.transcripts + len(dropped):,} transcripts of "
        f"{source.id} to {build} in {out} ({len(dropped):,} left out: see manifest.json build_notes)"
    )
