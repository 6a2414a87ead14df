"""Gene coordinates for ``genomed popfreq lookup GENE``.

genomed ships a small table of gene spans (``data/mane_select_gene_spans.GRCh38.tsv.gz``):
the genomic span of each gene's MANE Select transcript (MANE v1.5, GRCh38, 19,299 genes
on 1..22/X/Y), with provenance in ``data/PROVENANCE.md``. GRCh37 spans are not shipped
yet (MANE is defined on GRCh38 and no redistributable GRCh38->GRCh37 chain ships with
genomed), so on a GRCh37 workspace a gene look-up says so and asks for a region instead.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from genomed.errors import GenomedError

GENE_TABLES = {"GRCh38": "mane_select_gene_spans.GRCh38.tsv.gz"}


class GeneNotFound(GenomedError):
    """No coordinates for this gene symbol in this build."""


@dataclass(frozen=True)
class GeneSpan:
    symbol: str
    chrom: str
    start: int  # 1-based inclusive
    end: int
    strand: str
    hgnc_id: str


@cache
def _genes(build: str) -> dict[str, GeneSpan]:
    name = GENE_TABLES[build]
    resource = files("genomed.popfreq") / "data" / name
    with resource.open("rb") as raw, gzip.open(raw, "rt") as handle:
        return {
            r["symbol"].upper(): GeneSpan(
                r["symbol"], r["chrom"], int(r["start"]), int(r["end"]), r["strand"], r["hgnc_id"]
            )
            for r in csv.DictReader(handle, delimiter="\t")
        }


def gene_span(symbol: str, build: str) -> GeneSpan:
    """Span of a gene (HGNC symbol, case-insensitive) in ``build``."""
    if build not in GENE_TABLES:
        raise GeneNotFound(
            f"gene coordinates ship for {', '.join(GENE_TABLES)} only; this workspace is {build}: "
            "look up a region instead (e.g. 1:11845780-11866977)"
        )
    span = _genes(build).get(symbol.strip().upper())
    if span is None:
        raise GeneNotFound(f"no gene {symbol!r} among the MANE Select genes of {build}")
    return span
