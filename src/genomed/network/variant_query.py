"""Beacon ``g_variants`` request parameters -> SQL selecting ``variants.variant_key``.

Query kinds (Beacon v2; coordinates 0-based, ``end`` exclusive; a stored variant at VCF
position ``pos`` with ``ref`` spans ``[pos - 1, pos - 1 + len(ref))``):

- *sequence*: ``referenceName``, one ``start``, ``alternateBases`` (and optionally
  ``referenceBases``): the allele starting there. Bases may contain ``N`` (any base).
  Beacon's trimmed indel form (empty ``referenceBases`` or ``alternateBases``, start
  just after the shared base) matches the VCF-anchored allele genomed stores.
- *range*: ``referenceName``, one ``start`` and one ``end``: every allele overlapping
  ``[start, end)``, optionally narrowed by ``variantType``/``alternateBases``/lengths.
- *bracket*: two ``start`` and two ``end`` values: alleles starting in
  ``[start[0], start[1]]`` and ending in ``[end[0], end[1]]``.
- *geneId*: alleles inside the gene (MANE Select span on GRCh38) or called in the gene
  (MAF/cBioPortal ``calls.gene``); with ``aminoacidChange`` (``V600E`` or ``p.V600E``):
  calls with that protein change in the gene.
- ``genomicAlleleShortForm``: a genomic HGVS substitution (``NC_000001.11:g.11796321G>A``).

``variantType`` accepts SNP, MNP, INDEL, DEL, INS and the SO terms SO:0001483 (SNV),
SO:0000159 (deletion), SO:0000667 (insertion). Length (``variantMinLength``/
``variantMaxLength``) is ``len(ref)`` for substitutions and the number of inserted or
deleted bases for indels.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from genomed.model.chromosome import CODE, normalise_chrom
from genomed.network.beacon_request import BeaconRequestError

_ASSEMBLIES = {
    "GRCh38": ("grch38", "hg38", "gcf_000001405.26", "gcf_000001405.39", "gcf_000001405.40"),
    "GRCh37": ("grch37", "hg19", "gcf_000001405.13", "gcf_000001405.25"),
}
_TYPE = {
    "SNP": "length(v.ref) = 1 AND length(v.alt) = 1",
    "SNV": "length(v.ref) = 1 AND length(v.alt) = 1",
    "SO:0001483": "length(v.ref) = 1 AND length(v.alt) = 1",
    "MNP": "length(v.ref) = length(v.alt) AND length(v.ref) > 1",
    "INDEL": "length(v.ref) <> length(v.alt)",
    "DEL": "length(v.ref) > length(v.alt)",
    "SO:0000159": "length(v.ref) > length(v.alt)",
    "INS": "length(v.ref) < length(v.alt)",
    "SO:0000667": "length(v.ref) < length(v.alt)",
}
LENGTH_SQL = (
    "CASE WHEN length(v.ref) = length(v.alt) THEN length(v.ref) "
    "ELSE abs(length(v.ref) - length(v.alt)) END"
)
_HGVS_G = re.compile(r"^(?:refseq:)?([A-Za-z0-9_.]+):g\.(\d+)([ACGTN])>([ACGTN])$")


@dataclass
class VariantSelection:
    """SQL (alias ``v`` over ``variants``) with its parameters, and the kind of query."""

    where: str
    params: list
    kind: str
    chrom: str | None = None  # every selected allele is on this chromosome
    positions: tuple[int, int] | None = None  # and starts (1-based POS) within these bounds

    def sql(self) -> str:
        return f"SELECT v.variant_key FROM variants v WHERE {self.where}"


@cache
def gene_spans() -> dict[str, tuple[str, int, int]]:
    """GRCh38 MANE Select gene spans (symbol -> chrom, start, end; 1-based inclusive),
    from the table the population database ships (``genomed.popfreq`` data)."""
    path = files("genomed.popfreq") / "data" / "mane_select_gene_spans.GRCh38.tsv.gz"
    spans = {}
    try:
        with path.open("rb") as raw, gzip.open(raw, "rt") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                spans[row["symbol"].upper()] = (row["chrom"], int(row["start"]), int(row["end"]))
    except FileNotFoundError:
        return {}
    return spans


def _chrom(name: str) -> str:
    text = name.strip()
    if text.lower().startswith("refseq:"):
        text = text[7:]
    chrom = normalise_chrom(text)
    if chrom not in CODE:
        raise BeaconRequestError(f"referenceName {name!r} is not a chromosome of the assembly")
    return chrom


def _bases(column: str, bases: str, params: list) -> str:
    if "N" in bases:
        params.append(bases.replace("N", "_"))
        return f"{column} LIKE ?"
    params.append(bases)
    return f"{column} = ?"


def variant_selection(parameters: dict, build: str) -> VariantSelection:
    """Compile request parameters (already validated by the request parser)."""
    p = dict(parameters)
    where: list[str] = []
    params: list = []
    assembly = p.get("assemblyId")
    if assembly and assembly.lower() not in _ASSEMBLIES.get(build, ()) and assembly != build:
        raise BeaconRequestError(
            f"assemblyId {assembly!r} does not match this node's genome build {build}"
        )
    if "genomicAlleleShortForm" in p:
        match = _HGVS_G.match(p.pop("genomicAlleleShortForm"))
        if not match:
            raise BeaconRequestError(
                "genomicAlleleShortForm: only genomic substitutions are supported, "
                "e.g. NC_000001.11:g.11796321G>A"
            )
        chrom, pos, ref, alt = match.groups()
        p.setdefault("referenceName", chrom)
        p["start"] = [int(pos) - 1]
        p["referenceBases"], p["alternateBases"] = ref, alt
    starts, ends = p.get("start"), p.get("end")
    kind = "all"
    if starts is not None or ends is not None:
        if "referenceName" not in p:
            raise BeaconRequestError("start/end need a referenceName")
        where.append("v.chrom = ?")
        params.append(_chrom(p["referenceName"]))
        if starts is None:
            raise BeaconRequestError("end needs a start")
        if ends is None:
            if len(starts) != 1:
                raise BeaconRequestError("a bracket query needs two start and two end values")
            if "alternateBases" not in p:
                raise BeaconRequestError(
                    "a sequence query (start without end) needs alternateBases"
                )
            kind = "sequence"
            start = starts[0]
            ref, alt = p.get("referenceBases"), p["alternateBases"]
            anchored = ["v.pos = ?"]
            params_anchor: list = [start + 1]
            anchored.append(_bases("v.alt", alt, params_anchor))
            if ref:
                anchored.append(_bases("v.ref", ref, params_anchor))
            clauses = ["(" + " AND ".join(anchored) + ")"]
            params_all = params_anchor
            if ref == "" or alt == "":
                trimmed = ["v.pos = ?", "left(v.ref, 1) = left(v.alt, 1)"]
                params_trim: list = [start]
                trimmed.append(_bases("substr(v.ref, 2)", ref or "", params_trim))
                trimmed.append(_bases("substr(v.alt, 2)", alt, params_trim))
                clauses.append("(" + " AND ".join(trimmed) + ")")
                params_all = params_anchor + params_trim
            where.append("(" + " OR ".join(clauses) + ")")
            params.extend(params_all)
        elif len(starts) == 1 and len(ends) == 1:
            kind = "range"
            if ends[0] <= starts[0]:
                raise BeaconRequestError("end must be greater than start")
            where.append("v.pos - 1 < ? AND v.pos - 1 + length(v.ref) > ?")
            params.extend([ends[0], starts[0]])
        elif len(starts) == 2 and len(ends) == 2:
            kind = "bracket"
            if starts[0] > starts[1] or ends[0] > ends[1]:
                raise BeaconRequestError("bracket query: start[0] <= start[1] and end[0] <= end[1]")
            where.append("v.pos - 1 BETWEEN ? AND ? AND v.pos - 1 + length(v.ref) BETWEEN ? AND ?")
            params.extend([starts[0], starts[1], ends[0], ends[1]])
        else:
            raise BeaconRequestError("start and end: one value each (range) or two each (bracket)")
    elif "referenceName" in p and "geneId" not in p:
        kind = "chromosome"
        where.append("v.chrom = ?")
        params.append(_chrom(p["referenceName"]))
    if kind != "sequence":
        if "alternateBases" in p and p["alternateBases"] != "":
            where.append(_bases("v.alt", p["alternateBases"], params))
        if p.get("referenceBases"):
            where.append(_bases("v.ref", p["referenceBases"], params))
    if "variantType" in p:
        condition = _TYPE.get(p["variantType"].upper())
        if condition is None:
            raise BeaconRequestError(
                f"variantType {p['variantType']!r} is not supported; use one of {', '.join(_TYPE)}"
            )
        where.append(condition)
    if "variantMinLength" in p:
        where.append(f"{LENGTH_SQL} >= ?")
        params.append(p["variantMinLength"])
    if "variantMaxLength" in p:
        where.append(f"{LENGTH_SQL} <= ?")
        params.append(p["variantMaxLength"])
    if "aminoacidChange" in p and "geneId" not in p:
        raise BeaconRequestError("aminoacidChange needs a geneId")
    if "geneId" in p:
        kind = "gene" if kind in ("all", "chromosome") else kind
        gene = p["geneId"].strip().upper()
        if "aminoacidChange" in p:
            change = p["aminoacidChange"].strip()
            change = change[2:] if change.lower().startswith("p.") else change
            where.append(
                "v.variant_key IN (SELECT variant_key FROM calls WHERE upper(gene) = ? "
                "AND (protein_change = ? OR protein_change = ?))"
            )
            params.extend([gene, change, f"p.{change}"])
        else:
            clauses = ["v.variant_key IN (SELECT variant_key FROM calls WHERE upper(gene) = ?)"]
            params_gene: list = [gene]
            span = gene_spans().get(gene) if build == "GRCh38" else None
            if span:
                clauses.append("(v.chrom = ? AND v.pos BETWEEN ? AND ?)")
                params_gene.extend(span)
            where.append("(" + " OR ".join(clauses) + ")")
            params.extend(params_gene)
    chrom = _chrom(p["referenceName"]) if "referenceName" in p and kind != "gene" else None
    positions = (starts[0], starts[0] + 1) if kind == "sequence" else None
    return VariantSelection(" AND ".join(where) or "TRUE", params, kind, chrom, positions)


def parse_variant_id(text: str) -> tuple[str, int, str, str]:
    """A genomed variant id ``CHROM-POS-REF-ALT`` (1-based POS) -> its parts."""
    parts = text.split("-")
    if len(parts) != 4 or not parts[1].isdigit():
        raise BeaconRequestError(
            f"variant id {text!r}: expected CHROM-POS-REF-ALT, e.g. 1-11796321-G-A"
        )
    chrom, pos, ref, alt = parts
    if not re.fullmatch(r"[ACGTN]+", ref) or not re.fullmatch(r"[ACGTN]+", alt):
        raise BeaconRequestError(f"variant id {text!r}: alleles must be A, C, G, T or N")
    return _chrom(chrom), int(pos), ref, alt
