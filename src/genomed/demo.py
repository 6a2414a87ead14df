"""``genomed demo``: a workspace built from the bundled real data, and what to try next.

The demo is the product's tour: each capability adds a step here. Inputs are the files in
``genomed/data/demo`` (see PROVENANCE.md there): the 1000 Genomes phase-3 chr1 subset
with its population panel (GRCh37, lifted to GRCh38), the PCGR colon-adenocarcinoma
tumour VCF (GRCh38) and the TCGA LAML cohort (GRCh37 MAF with clinical data). Every
tumour (the COAD one and the 200 LAML samples, OncoTree AML from the clinical data) is
interpreted into the workspace (``interpretations``) so cohorts can select by tier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from genomed.store.ingest import IngestResult
from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf

DEMO_DATA = Path(str(files("genomed") / "data" / "demo"))
THOUSAND_GENOMES = DEMO_DATA / "1000G_phase3_chr1_11697036-11836540.vcf.gz"
PANEL = DEMO_DATA / "integrated_call_samples_v3.20130502.ALL.panel"
COAD_TUMOUR = DEMO_DATA / "T001-COAD.grch38.vcf.gz"
LAML_STUDY = DEMO_DATA / "laml_study"
#: the tier cohorts the demo selects after interpreting the tumours: the COAD tumour's
#: BRAF V600E, and the LAML patients with an IDH1/IDH2 hotspot (IDH inhibitors in AML)
DEMO_TIER_COHORT = "mutated(BRAF, tier1)"
DEMO_AML_TIER_COHORT = "mutated(IDH1, tier1) or mutated(IDH2, tier1)"


@dataclass
class DemoStep:
    """One thing the demo did, printed as a line of the tour."""

    title: str
    result: IngestResult | None = None
    lines: list[str] = field(default_factory=list)


def run_demo(
    workspace: Path, chain: Path | None = None, say: Callable[[DemoStep], None] = print
) -> list[DemoStep]:
    """Build (or complete) the demo workspace; each step is idempotent."""
    steps = []

    def step(
        title: str, result: IngestResult | None = None, lines: list[str] | None = None
    ) -> None:
        item = DemoStep(title, result, lines or [])
        steps.append(item)
        say(item)

    result = ingest_vcf(
        workspace,
        COAD_TUMOUR,
        VcfIngestOptions(
            kind="tumor", tumor_type="COAD", build="GRCh38", institution_id="demo-hospital"
        ),
    )
    step("PCGR colon adenocarcinoma tumour VCF (TCGA-A6-2686, GRCh38)", result)
    result = ingest_vcf(
        workspace,
        THOUSAND_GENOMES,
        VcfIngestOptions(
            build="GRCh37", sample_map=PANEL, chain=chain, institution_id="demo-hospital"
        ),
    )
    step(
        "1000 Genomes phase 3, chr1:11.70-11.84 Mb, 2,504 genomes with populations (GRCh37 -> GRCh38)",
        result,
    )
    result = ingest_cbioportal(
        workspace,
        LAML_STUDY,
        StudyIngestOptions(chain=chain, institution_id="demo-hospital"),
    )
    step(
        "TCGA acute myeloid leukaemia (LAML) cBioPortal study: 200 patients, mutations, OS (GRCh37 -> GRCh38)",
        result,
    )
    from genomed.annotate.workspace_annotate import annotate_workspace, annotation_summary

    annotated = annotate_workspace(workspace)
    summary = annotation_summary(workspace)
    step(
        f"Annotated {annotated.variants_annotated:,} new distinct variants "
        f"(consequences, HGVS, ClinVar, hotspots, CIViC; bundle {annotated.bundle})",
        lines=[
            "canonical-transcript impact: "
            + ", ".join(f"{k} {v:,}" for k, v in summary["canonical_by_impact"].items()),
            f"ClinVar pathogenic/likely pathogenic: {summary['clinvar_pathogenic']:,}; "
            f"cancer hotspots: {summary['hotspots']:,}; CIViC variants: {summary['civic']:,}",
        ],
    )
    from genomed.popfreq.demo import build_demo_population_db

    population = build_demo_population_db(workspace)
    step(
        "Population frequency database (1000 Genomes; East Asian populations first)",
        lines=population.lines(),
    )
    from genomed.cohort.demo_analysis import laml_demo_analysis

    analysis = laml_demo_analysis(workspace, Path(workspace) / "plots")
    step("Cohort: TCGA LAML gene frequencies and overall survival by DNMT3A", lines=analysis.lines)
    step(
        "Interpreted every tumour into the workspace: the colon adenocarcinoma and the 200 "
        "LAML samples (AMP/ASCO/CAP tiers for cohorts)",
        lines=interpret_demo_tumours(workspace),
    )
    report = write_demo_report(Path(workspace) / "reports" / "T001-COAD.report.html")
    step(
        "Tumour-board report for the colon adenocarcinoma (tiers, therapies, TMB)",
        lines=[f"report: {report}"],
    )
    return steps


def interpret_demo_tumours(workspace: str | Path) -> list[str]:
    """Interpret every tumour sample of the demo workspace into its ``interpretations``
    table (samples in batches: about 20 samples a second) and select the tier cohorts the
    demo suggests; the lines ``genomed demo`` prints."""
    from genomed.cohort import open_cohort
    from genomed.interpret.workspace_interpretation import interpret_workspace
    from genomed.store.workspace import Workspace

    ws = Workspace.open(workspace)
    run = interpret_workspace(ws)
    tiers = ", ".join(f"{tier} {n:,}" for tier, n in run.tier_counts().items())
    by_type: dict[str, int] = {}
    for sample in run.interpreted:
        by_type[sample.tumor_type] = by_type.get(sample.tumor_type, 0) + 1
    samples = ", ".join(f"{n:,} {code}" for code, n in sorted(by_type.items()))
    lines = [
        f"{len(run.interpreted):,} tumour samples ({samples}): "
        f"{sum(s.rows for s in run.interpreted):,} calls and events tiered ({tiers}) "
        f"with {run.knowledge}: table interpretations"
    ]
    lines += [f"skipped {s.sample_id}: {s.reason}" for s in run.skipped]
    with open_cohort(ws, "all") as data:
        braf = data.select(DEMO_TIER_COHORT).patient_ids
        idh = data.select(DEMO_AML_TIER_COHORT).patient_ids
    return lines + [
        f"cohort {DEMO_TIER_COHORT}: {len(braf)} patient{'s' * (len(braf) != 1)} "
        f"({', '.join(braf)}); try "
        f'`genomed cohort define -w {workspace} braf_tier1 "{DEMO_TIER_COHORT}"`',
        f"cohort {DEMO_AML_TIER_COHORT}: {len(idh)} patients; try "
        f'`genomed cohort define -w {workspace} idh_tier1 "{DEMO_AML_TIER_COHORT}"`',
    ]


def write_demo_report(out: str | Path = "demo-report.html") -> Path:
    """The report of the bundled demo tumour (PCGR COAD example, TCGA-A6-2686, GRCh38,
    tumour type COAD); returns the path written."""
    from genomed.report.write import report_from_vcf

    return report_from_vcf(COAD_TUMOUR, out, tumor_type="COAD", sample_id="T001-COAD")
