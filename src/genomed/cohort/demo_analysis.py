"""The cohort step of ``genomed demo``: the TCGA LAML patients as a saved cohort, their
most altered genes, and overall survival by DNMT3A status with a Kaplan-Meier plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from genomed.cohort.cohort_store import define_cohort
from genomed.cohort.frequencies import gene_frequencies
from genomed.cohort.plots import save_plot
from genomed.cohort.survival import SurvivalResult, survival_analysis
from genomed.store.workspace import Workspace

DEMO_COHORT = "laml"
DEMO_DEFINITION = "tumor_type = AML"
DEMO_SPLIT = "mutated(DNMT3A)"


@dataclass
class DemoAnalysis:
    """What the demo shows: frequencies, the survival comparison, where the plots are."""

    frequencies: pd.DataFrame
    survival: SurvivalResult
    plots: list[Path]
    lines: list[str] = field(default_factory=list)


def laml_demo_analysis(workspace: Workspace | str | Path, out_dir: str | Path) -> DemoAnalysis:
    """Define cohort ``laml`` (``tumor_type = AML``) in a workspace holding the demo LAML
    study, compute its top-10 altered genes and OS by ``mutated(DNMT3A)``, and write the
    Kaplan-Meier plot to ``out_dir/laml_survival_dnmt3a.png`` and ``.html``.

    Returns the results and ``lines``, a short text report ending with where the plots are
    (what ``genomed demo`` prints). Re-running redefines the cohort on the current data.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    cohort, _ = define_cohort(
        ws, DEMO_COHORT, DEMO_DEFINITION, description="TCGA LAML (demo)", replace=True
    )
    freq = gene_frequencies(ws, DEMO_COHORT, top=10)
    survival = survival_analysis(ws, DEMO_COHORT, by=DEMO_SPLIT)
    out_dir = Path(out_dir)
    plots = [
        save_plot(survival, out_dir / "laml_survival_dnmt3a.png"),
        save_plot(survival, out_dir / "laml_survival_dnmt3a.html"),
    ]
    top = freq[freq["alteration"] == "any"]
    lines = [
        f"cohort {DEMO_COHORT} ({DEMO_DEFINITION}): {cohort.n_patients} patients",
        "most altered genes: "
        + ", ".join(f"{g} {p:.0f}%" for g, p in zip(top["gene"], top["percent"], strict=True)),
    ]
    for row in survival.groups.itertuples(index=False):
        median = (
            "not reached"
            if row.median is None or pd.isna(row.median)
            else f"{row.median:.1f} months"
        )
        lines.append(f"OS {row.group}: {row.patients} patients, median {median}")
    if survival.logrank:
        hr = survival.cox.iloc[0]
        lines.append(
            f"log-rank p = {survival.logrank['p']:.2g}; hazard ratio {hr['hazard_ratio']:.2f} "
            f"(95% CI {hr['lower']:.2f}-{hr['upper']:.2f})"
        )
    lines.append(f"Kaplan-Meier plot: {plots[0]} (interactive: {plots[1]})")
    return DemoAnalysis(freq, survival, plots, lines)
