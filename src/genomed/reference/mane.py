"""Read the MANE summary table (NCBI/EMBL-EBI): which RefSeq/Ensembl pair is MANE Select.

Columns used: ``symbol``, ``HGNC_ID``, ``Ensembl_Gene``, ``RefSeq_nuc``, ``RefSeq_prot``,
``Ensembl_nuc``, ``Ensembl_prot``, ``MANE_status`` (``MANE Select`` or
``MANE Plus Clinical``), ``GRCh38_chr``, ``chr_start``, ``chr_end``, ``chr_strand``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom


@dataclass(frozen=True)
class ManeRecord:
    """One MANE transcript pair (span 1-based inclusive, GRCh38)."""

    symbol: str
    hgnc_id: str
    ensembl_gene: str
    refseq_nuc: str
    refseq_prot: str
    ensembl_nuc: str
    ensembl_prot: str
    status: str
    chrom: str
    start: int
    end: int
    strand: int


def read_mane_summary(path: str | Path) -> list[ManeRecord]:
    """All records of a MANE summary file (plain or gzip)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    with opener(path, "rt") as handle:
        header = handle.readline().lstrip("#").rstrip("\n").split("\t")
        need = ["symbol", "RefSeq_nuc", "Ensembl_nuc", "MANE_status", "GRCh38_chr"]
        missing = [c for c in need if c not in header]
        if missing:
            raise InputError(
                f"not a MANE summary: no {', '.join(missing)} column",
                path=str(path),
                line=1,
            )
        for line_no, text in enumerate(handle, start=2):
            row = dict(zip(header, text.rstrip("\n").split("\t"), strict=False))
            try:
                records.append(
                    ManeRecord(
                        symbol=row["symbol"],
                        hgnc_id=row.get("HGNC_ID", ""),
                        ensembl_gene=row.get("Ensembl_Gene", ""),
                        refseq_nuc=row["RefSeq_nuc"],
                        refseq_prot=row.get("RefSeq_prot", ""),
                        ensembl_nuc=row["Ensembl_nuc"],
                        ensembl_prot=row.get("Ensembl_prot", ""),
                        status=row["MANE_status"],
                        chrom=normalise_chrom(row["GRCh38_chr"]),
                        start=int(row["chr_start"]),
                        end=int(row["chr_end"]),
                        strand=1 if row.get("chr_strand") == "+" else -1,
                    )
                )
            except (KeyError, ValueError) as error:
                raise InputError(
                    f"malformed MANE row ({error})", path=str(path), line=line_no
                ) from None
    return records
