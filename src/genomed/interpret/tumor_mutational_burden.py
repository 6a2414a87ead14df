"""Tumour mutational burden: coding mutations per megabase of callable territory.

Method (stated in every result): count PASS variants with tumour VAF >= ``tmb_min_vaf``
(``rules/somatic_thresholds.tsv``; variants without a VAF are counted) whose consequence
on the chosen transcript is non-synonymous coding — missense, nonsense, frameshift,
in-frame indel, start/stop loss, canonical splice site — plus coding variants whose
protein effect could not be determined (``coding_sequence_variant``: the reference
bundle has no sequence for the transcript; listed separately), and divide by the
territory in Mb: the callable BED's total length, a size given by the user, or
PCGR's default exome size (34 Mb), in that order. ``measure="all_coding"`` counts
synonymous variants too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from genomed.errors import InputError
from genomed.interpret.evidence_match import PROTEIN_ALTERING
from genomed.interpret.rules import threshold

UNDETERMINED = "coding_sequence_variant"


@dataclass
class TmbResult:
    mutations_per_mb: float
    counted: int
    undetermined_effect: int
    territory_mb: float
    territory_source: str
    measure: str
    min_vaf: float
    high: bool
    high_threshold: float
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


def bed_territory_mb(path: str | Path) -> float:
    """Total length (Mb) of a BED file's intervals (overlaps merged per chromosome)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            chrom, start, end = line.split("\t")[:3]
            spans.setdefault(chrom, []).append((int(start), int(end)))
    total = 0
    for intervals in spans.values():
        intervals.sort()
        cur_start, cur_end = intervals[0]
        for s, e in intervals[1:]:
            if s > cur_end:
                total += cur_end - cur_start
                cur_start, cur_end = s, e
            else:
                cur_end = max(cur_end, e)
        total += cur_end - cur_start
    return total / 1e6


def tumour_mutational_burden(
    variants: pa.Table,
    *,
    territory_mb: float | None = None,
    callable_bed: str | Path | None = None,
    measure: str = "nonsynonymous",
) -> TmbResult:
    """TMB of an interpretation input table (see the module docstring)."""
    min_vaf = threshold("tmb_min_vaf")
    if callable_bed is not None:
        territory, source = (
            bed_territory_mb(callable_bed),
            f"callable BED {Path(callable_bed).name}",
        )
    elif territory_mb is not None:
        territory, source = float(territory_mb), "size given by the user"
    else:
        territory = threshold("tmb_default_territory_mb")
        source = "assumed exome territory (PCGR default 34 Mb; no callable BED given)"
    counted_terms = set(PROTEIN_ALTERING) | {UNDETERMINED}
    if measure == "all_coding":
        counted_terms |= {"synonymous_variant", "stop_retained_variant", "start_retained_variant"}
    elif measure != "nonsynonymous":
        raise InputError(
            f"unknown TMB measure {measure!r}",
            field="tmb_measure",
            expected="nonsynonymous or all_coding",
        )
    counted = undetermined = 0
    for consequence, vaf, filt in zip(
        variants.column("consequence").to_pylist(),
        variants.column("vaf").to_pylist(),
        variants.column("filter").to_pylist(),
        strict=True,
    ):
        if filt not in ("PASS", ".", None) or consequence not in counted_terms:
            continue
        if vaf is not None and vaf < min_vaf:
            continue
        counted += 1
        undetermined += consequence == UNDETERMINED
    value = counted / territory if territory > 0 else 0.0
    high_at = threshold("tmb_high")
    return TmbResult(
        mutations_per_mb=round(value, 2),
        counted=counted,
        undetermined_effect=undetermined,
        territory_mb=round(territory, 3),
        territory_source=source,
        measure=measure,
        min_vaf=min_vaf,
        high=value >= high_at,
        high_threshold=high_at,
        method=(
            f"{counted} PASS {'non-synonymous' if measure == 'nonsynonymous' else 'coding'} "
            f"variants with VAF >= {min_vaf:g} ({undetermined} of them coding with undetermined "
            f"protein effect) / {territory:.3g} Mb ({source})"
        ),
    )
