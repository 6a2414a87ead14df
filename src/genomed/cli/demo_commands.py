"""``genomed demo``: build the demo workspace and print what to try next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genomed.cli.options import WorkspaceOption
from genomed.cli.output import console, reports_errors

NEXT_STEPS = [
    "genomed stats -w {ws}",
    'genomed query -w {ws} "SELECT super_population, count(*) FROM patients GROUP BY 1"',
    'genomed query -w {ws} "SELECT sample_id, count(*) AS calls FROM calls GROUP BY 1 ORDER BY 2 DESC LIMIT 5"',
    "genomed export vcf -w {ws} --samples NA18525,NA18526 --region 1:11790000-11800000 -o demo.vcf.gz",
    "genomed popfreq lookup AGTRAP -w {ws}",
    'genomed cohort define -w {ws} dnmt3a_not_npm1 "mutated(DNMT3A) and not mutated(NPM1)"',
    'genomed cohort survival -w {ws} laml --by "mutated(NPM1)" -o npm1_os.png',
    "genomed interpret somatic {coad} --tumor-type COAD -o coad.tsv",
    "genomed annotate {coad} -o coad.annotated.vcf.gz",
    "# serve the workspace as a Beacon v2 node (second terminal), then query it:",
    "genomed tokens create -w {ws} --level registered --label demo   # prints the token once",
    "genomed serve -w {ws} --port 8000                               # OpenAPI: http://127.0.0.1:8000/docs",
    'curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/beacon/v2/individuals?filters=NCIT:C16576,population=CHB&requestedGranularity=count"',
    'curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8000/beacon/v2/g_variants?referenceName=1&start=11742782&end=11800000&requestedGranularity=count"',
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@reports_errors
def demo(
    workspace: WorkspaceOption = Path("demo-workspace"),
    chain: Annotated[
        Path | None,
        typer.Option(
            help="hg19ToHg38.over.chain.gz (default: $GENOMED_CHAIN_DIR, ~/.genomed/chains, "
            "else the copy shipped with genomed)"
        ),
    ] = None,
) -> None:
    """Build a demo workspace from the bundled real data and show what to try next."""
    from genomed.demo import COAD_TUMOUR, run_demo

    def say(step) -> None:
        line = f"[bold green]✓[/] {step.title}"
        if step.result is not None:
            r = step.result
            if r.skipped:
                line += " [dim](already in the workspace)[/]"
            else:
                calls = r.rows.get("calls", 0)
                line += f" [dim]— {r.rows.get('samples', 0):,} samples, {calls:,} calls"
                if r.report.get("unlifted_count"):
                    line += f", {r.report['unlifted_count']} records not lifted (listed in the ingest report)"
                line += "[/]"
        console.print(line)
        for text in step.lines:
            console.print(f"    {text}", highlight=False)

    console.print(f"Building the genomed demo workspace in [bold]{workspace}[/] ...")
    run_demo(workspace, chain=chain, say=say)
    console.print("\nTry next:")
    for text in NEXT_STEPS:
        console.print(
            "  " + text.format(ws=workspace, coad=COAD_TUMOUR), highlight=False, markup=False
        )
