"""gnomAD's ``adj`` genotype filter: which genotypes count as high quality.

gnomAD (``gnomad.utils.annotations.get_adj_expr``) keeps a genotype when GQ >= 20,
DP >= 10 (DP >= 5 for haploid genotypes: XY outside the PARs, MT) and, for a
heterozygote, allele balance AD[alt] / DP >= 0.2. ``adj`` counts are computed over the
genotypes that pass; ``raw`` counts over all.

Missing fields. A VCF that carries GT only (the 1000 Genomes release, many imputed
panels) has no GQ, DP or AD. gnomAD's hail code would treat a missing GQ as failing,
which would empty every adj count; genomed instead does not apply a threshold whose
field is missing for that genotype (``missing="pass"``, the default), so on GT-only data
adj equals raw. ``missing="fail"`` reproduces hail's behaviour. The build report says
how many non-reference genotypes lacked each field.

Reference genotypes. The workspace stores no per-sample GQ/DP for 0/0 genotypes (only
non-reference calls are stored; gVCF reference blocks and callable BEDs are intervals
the caller already judged callable), so hom-ref genotypes always pass.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from genomed.errors import InputError

_TERM = re.compile(r"^\s*(GQ|DP|AB|HAPLOID_DP)\s*>=\s*([0-9]*\.?[0-9]+)\s*$", re.I)


@dataclass(frozen=True)
class AdjFilter:
    """Thresholds of the adj filter (defaults: gnomAD v4)."""

    gq: int = 20
    dp: int = 10
    ab: float = 0.2
    haploid_dp: int = 5
    missing: str = "pass"  # pass | fail: what a genotype lacking GQ/DP/AD gets

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AdjFilter:
        return cls(**{k: data[k] for k in ("gq", "dp", "ab", "haploid_dp", "missing") if k in data})

    def describe(self) -> str:
        return (
            f"GQ>={self.gq},DP>={self.dp},AB>={self.ab:g},HAPLOID_DP>={self.haploid_dp}"
            f" (missing fields {self.missing})"
        )

    def pass_sql(self, *, het: str = "het", haploid: str = "haploid_gt") -> str:
        """DuckDB boolean over columns ``gq``, ``dp``, ``ad_ref``, ``ad_alt`` and the
        boolean columns named by ``het`` and ``haploid``."""
        missing = "TRUE" if self.missing == "pass" else "FALSE"
        depth = f"(CASE WHEN {haploid} THEN {self.haploid_dp} ELSE {self.dp} END)"
        denominator = "coalesce(dp, ad_ref + ad_alt)"
        balance = (
            f"(NOT {het} OR coalesce(ad_alt::DOUBLE / nullif({denominator}, 0) >= {self.ab!r},"
            f" {missing}))"
        )
        return (
            f"(coalesce(gq >= {self.gq}, {missing}) AND coalesce(dp >= {depth}, {missing})"
            f" AND {balance})"
        )


def parse_adj(text: str | None) -> AdjFilter:
    """``"GQ>=20,DP>=10,AB>=0.2"`` (any subset, plus ``HAPLOID_DP>=5``) -> AdjFilter.

    Terms not given keep gnomAD's defaults; ``none`` turns the filter off (adj = raw).
    """
    if text is None or not text.strip():
        return AdjFilter()
    if text.strip().lower() == "none":
        return AdjFilter(gq=0, dp=0, ab=0.0, haploid_dp=0)
    values: dict = {}
    for term in text.split(","):
        match = _TERM.match(term)
        if not match:
            raise InputError(
                f"bad adj term {term.strip()!r}",
                field="--adj",
                expected='comma-separated GQ>=N, DP>=N, AB>=F, HAPLOID_DP>=N (e.g. "GQ>=20,DP>=10,AB>=0.2")',
            )
        name, number = match.group(1).lower(), match.group(2)
        values[name] = float(number) if name == "ab" else int(float(number))
    return AdjFilter(**values)
