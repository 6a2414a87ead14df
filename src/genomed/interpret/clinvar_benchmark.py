"""genomed's germline classes against ClinVar's reviewed assertions: a confusion matrix.

Records with >= ``min_stars`` review stars whose aggregate classification is P, LP,
P/LP, B, LB or B/LB are classified by :func:`genomed.interpret.germline.interpret_germline`
*without* ClinVar assertions as evidence; frequencies come from the ClinVar VCF's own
``AF_EXAC``/``AF_TGP``/``AF_ESP`` fields. The matrix (truth rows P-side / B-side x
genomed's five classes) and the cross-error rates are what ``docs/interpretation.md``
publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genomed.interpret.germline import CLASS_ORDER, GermlineResult, interpret_germline

TRUTH = {
    "pathogenic": "P/LP",
    "likely_pathogenic": "P/LP",
    "pathogenic/likely_pathogenic": "P/LP",
    "benign": "B/LB",
    "likely_benign": "B/LB",
    "benign/likely_benign": "B/LB",
}


@dataclass
class ConfusionMatrix:
    counts: dict[str, dict[str, int]]  # truth -> genomed class -> n
    total: dict[str, int]
    benign_called_pathogenic: int
    pathogenic_called_benign: int

    def rate(self, truth: str) -> float:
        wrong = self.benign_called_pathogenic if truth == "B/LB" else self.pathogenic_called_benign
        return wrong / self.total[truth] if self.total[truth] else 0.0

    def markdown(self) -> str:
        lines = ["| ClinVar (>= 2 stars) | " + " | ".join(CLASS_ORDER) + " | total |"]
        lines.append("|---" * (len(CLASS_ORDER) + 2) + "|")
        for truth in ("P/LP", "B/LB"):
            cells = [f"{self.counts[truth][c]:,}" for c in CLASS_ORDER]
            lines.append(f"| {truth} | " + " | ".join(cells) + f" | {self.total[truth]:,} |")
        return "\n".join(lines)


def confusion_matrix(result: GermlineResult, min_stars: int = 2) -> ConfusionMatrix:
    counts = {t: {c: 0 for c in CLASS_ORDER} for t in ("P/LP", "B/LB")}
    for row in result.variants:
        truth = TRUTH.get(row["clinvar_significance"] or "")
        if truth is None or (row["clinvar_stars"] or 0) < min_stars:
            continue
        counts[truth][row["acmg_class"]] += 1
    total = {t: sum(v.values()) for t, v in counts.items()}
    return ConfusionMatrix(
        counts,
        total,
        counts["B/LB"]["Pathogenic"] + counts["B/LB"]["Likely pathogenic"],
        counts["P/LP"]["Benign"] + counts["P/LP"]["Likely benign"],
    )


def evaluate_clinvar(
    vcf: str | Path, knowledge=None, min_stars: int = 2
) -> tuple[ConfusionMatrix, GermlineResult]:
    """Classify a ClinVar VCF and compare with its own reviewed assertions."""
    result = interpret_germline(vcf, knowledge=knowledge, use_clinvar_assertions=False)
    return confusion_matrix(result, min_stars), result
