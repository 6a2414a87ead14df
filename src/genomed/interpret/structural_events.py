"""Copy-number and fusion events from PCGR-style TSVs (or the workspace's ``cna`` and
``structural_variants`` tables), as gene-level events that can match evidence.

Copy number: segments ``Chromosome Start End nMajor nMinor`` (1-based, PCGR's allele-
specific format). Each gene of the reference bundle (canonical transcript span) takes
the total copy number of the segment that covers the middle of its span. A gene is
amplified at total CN >= ``amplification_total_cn`` and deeply deleted at
<= ``deep_deletion_total_cn`` (``rules/somatic_thresholds.tsv``).

Fusions: ``FusionGene`` (``NTRK1--TPM3``: 5' gene first), ``LeftBreakpoint``,
``RightBreakpoint`` (``chrom:pos``), ``SplitReads``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genomed.errors import InputError
from genomed.interpret.rules import threshold
from genomed.model.chromosome import normalise_chrom


@dataclass
class CopyNumberEvent:
    gene: str
    kind: str  # amplification | deletion
    total_cn: int | None  # None for discrete (GISTIC-style) workspace calls
    chrom: str | None
    start: int | None
    end: int | None


@dataclass
class FusionEvent:
    gene5: str
    gene3: str
    left: str
    right: str
    split_reads: int | None


def read_copy_number(path: str | Path, gene_spans) -> list[CopyNumberEvent]:
    """Gene-level amplifications and deep deletions from a segment TSV.

    ``gene_spans``: (gene, chrom, start, end) arrays of canonical transcripts.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("copy-number file not found", path=str(path))
    segments: dict[str, list[tuple[int, int, int]]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        need = {"Chromosome", "Start", "End", "nMajor", "nMinor"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                "missing columns", path=str(path), line=1, field=",".join(sorted(missing))
            )
        for line, row in enumerate(reader, start=2):
            try:
                start, end = int(row["Start"]), int(row["End"])
                total = int(row["nMajor"]) + int(row["nMinor"])
            except ValueError:
                raise InputError(
                    "expected integers", path=str(path), line=line, field="Start/End/nMajor/nMinor"
                ) from None
            segments.setdefault(normalise_chrom(row["Chromosome"]), []).append((start, end, total))
    amp_at = threshold("amplification_total_cn")
    del_at = threshold("deep_deletion_total_cn")
    genes, chroms, starts, ends = gene_spans
    events = []
    for chrom, segs in segments.items():
        segs.sort()
        seg_start = np.array([s[0] for s in segs])
        seg_end = np.array([s[1] for s in segs])
        seg_cn = np.array([s[2] for s in segs])
        on = np.flatnonzero(chroms == chrom)
        if not on.size:
            continue
        mid = (starts[on] + ends[on]) // 2
        k = np.searchsorted(seg_start, mid, side="right") - 1
        ok = (k >= 0) & (mid <= seg_end[np.clip(k, 0, None)])
        for i, seg in zip(on[ok], k[ok], strict=True):
            cn = int(seg_cn[seg])
            kind = "amplification" if cn >= amp_at else "deletion" if cn <= del_at else None
            if kind:
                events.append(
                    CopyNumberEvent(
                        genes[i], kind, cn, chrom, int(seg_start[seg]), int(seg_end[seg])
                    )
                )
    return events


def read_fusions(path: str | Path) -> list[FusionEvent]:
    path = Path(path)
    if not path.exists():
        raise InputError("fusion file not found", path=str(path))
    out = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if "FusionGene" not in (reader.fieldnames or []):
            raise InputError("missing column", path=str(path), line=1, field="FusionGene")
        for line, row in enumerate(reader, start=2):
            parts = row["FusionGene"].replace("::", "--").split("--")
            if len(parts) != 2:
                raise InputError(
                    "expected GENE5--GENE3", path=str(path), line=line, field="FusionGene"
                )
            reads = row.get("SplitReads", "")
            out.append(
                FusionEvent(
                    parts[0],
                    parts[1],
                    row.get("LeftBreakpoint", ""),
                    row.get("RightBreakpoint", ""),
                    int(reads) if reads.isdigit() else None,
                )  # fmt: skip
            )
    return out


def gene_spans_from_reference(reference=None):
    """(gene, chrom, start, end) NumPy arrays of the canonical transcripts of a
    reference bundle (default: the shipped GRCh38 bundle)."""
    from genomed.reference.bundle import ReferenceBundle

    bundle = ReferenceBundle.default() if reference is None else ReferenceBundle(reference)
    t = bundle.transcripts
    canonical = t.column("canonical").to_numpy(zero_copy_only=False)
    pick = np.flatnonzero(canonical)
    col = lambda name: np.asarray(t.column(name).to_numpy(zero_copy_only=False), dtype=object)[pick]  # noqa: E731
    return col("gene"), col("chrom"), col("start").astype(np.int64), col("end").astype(np.int64)
