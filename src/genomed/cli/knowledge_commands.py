"""``genomed knowledge build|show``: versioned knowledge bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import JsonOption
from genomed.cli.output import console, print_json, print_table, reports_errors

knowledge_app = typer.Typer(
    help="Knowledge bundles (CIViC, cancer hotspots, ClinVar, ACMG SF, OncoTree).",
    no_args_is_help=True,
)

OptPath = Annotated[Path | None, typer.Option()]


def register(app: typer.Typer) -> None:
    app.add_typer(knowledge_app, name="knowledge")


@knowledge_app.command("build")
@reports_errors
def build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Bundle directory to write.")],
    civic: Annotated[
        Path | None,
        typer.Option(help="CIViC nightly TSV directory (2018 or molecular-profile layout)."),
    ] = None,
    cgi: Annotated[
        Path | None,
        typer.Option(
            help="CGI per-variant biomarkers TSV (non-commercial licence: never redistributable)."
        ),
    ] = None,
    hotspots: Annotated[
        Path | None,
        typer.Option(help="cancerhotspots v2 directory (MSK-SNV/INDEL-hotspots-v2.tsv)."),
    ] = None,
    hotspot_alleles: Annotated[
        Path | None,
        typer.Option(help="Genomic hotspot alleles (maftools cancerhotspots_v2_GRCh38.tsv)."),
    ] = None,
    clinvar: Annotated[Path | None, typer.Option(help="ClinVar VCF (GRCh38).")] = None,
    genes: Annotated[
        Path | None, typer.Option("--genes", "--acmg-sf", help="ACMG SF gene list TSV.")
    ] = None,
    oncotree: OptPath = None,
    disease_map: OptPath = None,
    gene_roles: OptPath = None,
    germline_rules: OptPath = None,
    chain: Annotated[
        Path | None, typer.Option(help="hg19ToHg38 chain to lift GRCh37 source coordinates.")
    ] = None,
    version: Annotated[str | None, typer.Option(help="Bundle version (default: today).")] = None,
    name: Annotated[str, typer.Option(help="Bundle name.")] = "genomed-knowledge",
    json_out: JsonOption = False,
) -> None:
    """Build a knowledge bundle (Parquet tables + manifest.json) from raw sources."""
    from genomed.knowledge.build import KnowledgeSources, build_knowledge_bundle

    curated = {
        k: v
        for k, v in {
            "oncotree": oncotree,
            "disease_map": disease_map,
            "gene_roles": gene_roles,
            "germline_gene_rules": germline_rules,
        }.items()
        if v is not None
    }
    sources = KnowledgeSources(
        civic=civic,
        cgi=cgi,
        hotspots=hotspots,
        hotspot_alleles=hotspot_alleles,
        clinvar=clinvar,
        acmg_sf=genes,
        curated=curated,
    )
    with console.status("building knowledge bundle ..."):
        manifest = build_knowledge_bundle(
            sources, out, name=name, version=version, chain_path=chain
        )
    if json_out:
        print_json(manifest)
        return
    console.print(f"[bold green]✓[/] {manifest['id']} written to {out}")
    _print_summary(manifest["sources"], {k: v["rows"] for k, v in manifest["tables"].items()})
    if not manifest["redistributable"]:
        console.print(
            "[yellow]This bundle contains sources that may not be redistributed "
            "(manifest redistributable: false).[/]"
        )


@knowledge_app.command("show")
@reports_errors
def show(
    bundle: Annotated[
        Path | None, typer.Argument(help="Bundle directory (default: the shipped bundle).")
    ] = None,
    oncotree: Annotated[bool, typer.Option("--oncotree", help="List the OncoTree codes.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Show a bundle's sources, versions, licences and table sizes."""
    from genomed.knowledge.bundle import KnowledgeBundle

    kb = KnowledgeBundle.open(bundle)
    if oncotree:
        rows = kb.table("oncotree").to_pylist()
        if json_out:
            print_json(rows)
        else:
            print_table(
                "OncoTree codes",
                ["code", "name", "parent"],
                [[r["code"], r["name"], r["parent"]] for r in rows],
            )
        return
    summary = kb.summary()
    if json_out:
        print_json(summary)
        return
    console.print(f"[bold]{summary['id']}[/] ({summary['build']}) at {summary['path']}")
    _print_summary(summary["sources"], summary["tables"])


def _print_summary(sources: list[dict], tables: dict[str, int]) -> None:
    print_table(
        "sources",
        ["source", "version", "licence", "redistributable"],
        [[s["name"], s["version"], s["licence"], s["redistributable"]] for s in sources],
    )
    print_table("tables", ["table", "rows"], [[k, f"{v:,}"] for k, v in tables.items()])
