"""Genome builds: RefSeq accessions of the primary chromosomes (for HGVS ``g.``).

GRCh38 versions are those the MANE v1.5 summary uses; GRCh37 versions are those of
the GRCh37.p13 assembly report. ``MT`` is the rCRS (NC_012920.1) in both builds.
"""

from __future__ import annotations

from genomed.model.chromosome import CANONICAL

_GRCH38_VERSIONS = [11, 12, 12, 12, 10, 12, 14, 11, 12, 11, 10, 12, 11, 9, 10, 10, 11, 10, 10, 11,
                    9, 11, 11, 10]  # fmt: skip
_GRCH37_VERSIONS = [10, 11, 11, 11, 9, 11, 13, 10, 11, 10, 9, 11, 10, 8, 9, 9, 10, 9, 9, 10,
                    8, 10, 10, 9]  # fmt: skip


def _accessions(versions: list[int]) -> dict[str, str]:
    out = {CANONICAL[i]: f"NC_{i + 1:06d}.{v}" for i, v in enumerate(versions)}
    out["MT"] = "NC_012920.1"
    return out


#: build -> canonical chromosome -> RefSeq accession.version
REFSEQ_ACCESSIONS: dict[str, dict[str, str]] = {
    "GRCh38": _accessions(_GRCH38_VERSIONS),
    "GRCh37": _accessions(_GRCH37_VERSIONS),
}


def refseq_accession(build: str, chrom: str) -> str | None:
    """``("GRCh38", "17")`` -> ``"NC_000017.11"``; ``None`` for other contigs/builds."""
    return REFSEQ_ACCESSIONS.get(build, {}).get(chrom)
