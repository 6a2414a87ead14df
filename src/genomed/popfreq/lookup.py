"""``genomed popfreq lookup``: frequencies of one variant, an rsID, a region or a gene.

Queries:

- a variant, ``1-11856378-G-A`` (also ``chr1:11856378:G:A``, ``1_11856378_G_A``,
  ``1:11856378 G>A``); alleles are trimmed to their minimal form;
- an rsID, ``rs1801133`` (the first dbSNP id the ingests recorded for an allele);
- a region, ``1:11800000-11810000`` (1-based, inclusive) or a whole chromosome, ``chr1``;
- a gene symbol, ``MTHFR`` (see :mod:`genomed.popfreq.genes`).

Only the rows of the alleles asked for are read (the base table is partitioned by
chromosome and sorted by position; the filter applies to base and delta rows before they
are summed, :mod:`genomed.popfreq.totals`), so a look-up takes well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles
from genomed.model.variant_key import variant_key
from genomed.popfreq.database import PopfreqError, stored_settings
from genomed.popfreq.frequencies import (
    METRICS,
    GroupInfo,
    attach_alleles,
    load_groups,
    site_frequencies,
)
from genomed.popfreq.genes import gene_span
from genomed.popfreq.totals import TOTALS_TABLES, read_totals
from genomed.store.export_vcf import parse_region
from genomed.store.workspace import Workspace

_VARIANT = re.compile(
    r"^(?:chr)?([0-9]{1,2}|X|Y|MT?)[-:_\s]+(\d+)[-:_\s]+([ACGTN]+)[-:_>\s]+([ACGTN]+)$", re.I
)
_RSID = re.compile(r"^rs\d+$", re.I)
_REGION = re.compile(r"^(?:chr)?([0-9]{1,2}|X|Y|MT?)(?::([\d,]+)(?:-([\d,]+))?)?$", re.I)


@dataclass
class LookupResult:
    """What a look-up found: the query, how it was read, and one record per allele."""

    query: str
    kind: str  # variant | rsid | region | gene
    where: str
    groups: list[GroupInfo] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    truncated: bool = False

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "kind": self.kind,
            "where": self.where,
            "variants": self.variants,
            "truncated": self.truncated,
        }


def parse_query(text: str, build: str) -> tuple[str, dict]:
    """(kind, parameters) of a look-up query; InputError if it is none of the forms."""
    query = text.strip()
    match = _VARIANT.match(query)
    if match:
        chrom = normalise_chrom(match.group(1))
        pos, ref, alt = trim_alleles(
            int(match.group(2)), match.group(3).upper(), match.group(4).upper()
        )
        return "variant", {"chrom": chrom, "pos": pos, "ref": ref, "alt": alt}
    if _RSID.match(query):
        return "rsid", {"rsid": query.lower()}
    if _REGION.match(query.replace(" ", "")):
        chrom, start, end = parse_region(query.replace(" ", ""))
        return "region", {"chrom": chrom, "start": start, "end": end}
    if re.match(r"^[A-Za-z][A-Za-z0-9\-\.]*$", query):
        span = gene_span(query, build)
        return "gene", {
            "chrom": span.chrom,
            "start": span.start,
            "end": span.end,
            "symbol": span.symbol,
        }
    raise InputError(
        f"cannot read {text!r}",
        field="QUERY",
        expected="a variant (1-11856378-G-A), an rsID (rs1801133), a region (1:11800000-11810000) or a gene symbol",
    )


def _record(row: dict, groups: list[GroupInfo]) -> dict:
    """One allele's wide row -> the nested record look-ups print and return."""
    record = {
        "variant": f"{row['chrom']}-{row['pos']}-{row['ref']}-{row['alt']}",
        "chrom": row["chrom"],
        "pos": row["pos"],
        "ref": row["ref"],
        "alt": row["alt"],
        "rsid": row["rsid"],
        "variant_key": row["variant_key"],
        "raw": {m: row[f"{m}_raw"] for m in METRICS},
        "grpmax": {
            "group": row["grpmax"],
            "AC": row["AC_grpmax"],
            "AN": row["AN_grpmax"],
            "AF": row["AF_grpmax"],
            "nhomalt": row["nhomalt_grpmax"],
        },
        "faf95": row.get("faf95"),
        "faf99": row.get("faf99"),
        "fafmax_faf95_max": row.get("fafmax_faf95_max"),
        "fafmax_faf95_max_gen_anc": row.get("fafmax_faf95_max_gen_anc"),
        "fafmax_faf99_max": row.get("fafmax_faf99_max"),
        "fafmax_faf99_max_gen_anc": row.get("fafmax_faf99_max_gen_anc"),
        "groups": [],
    }
    for g in groups:
        entry = g.to_dict() | {m: row[f"{m}{g.suffix}"] for m in METRICS}
        for label in ("faf95", "faf99"):
            if f"{label}{g.suffix}" in row:
                entry[label] = row[f"{label}{g.suffix}"]
        record["groups"].append(entry)
    overall = record["groups"][0] if record["groups"] else {}
    record.update({m: overall.get(m) for m in METRICS})
    return record


def lookup(workspace, query: str, *, limit: int = 1000) -> LookupResult:
    """Frequencies for ``query`` (see the module doc); ``limit`` caps region/gene results."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    settings = stored_settings(ws)
    if settings is None or "popfreq_counts" not in ws.versions():
        raise PopfreqError(
            "the population database was never built: run `genomed popfreq build` first"
        )
    kind, params = parse_query(query, ws.build)
    variants = ws.dataset("variants")
    chrom = params.get("chrom")
    if kind == "variant":
        key = variant_key(params["chrom"], params["pos"], params["ref"], params["alt"])
        keys = pa.array([key], pa.int64())
        where = f"{params['chrom']}-{params['pos']}-{params['ref']}-{params['alt']}"
        span = (params["pos"], params["pos"])
    elif kind == "rsid":
        found = variants.to_table(
            columns=["variant_key", "chrom", "pos"], filter=pc.field("rsid") == params["rsid"]
        )
        keys = found.column("variant_key").combine_chunks()
        where = params["rsid"]
        chrom = found.column("chrom")[0].as_py() if found.num_rows else None
        span = (
            (pc.min(found.column("pos")).as_py(), pc.max(found.column("pos")).as_py())
            if found.num_rows
            else None
        )
    else:
        keys = None
        start, end = params.get("start"), params.get("end")
        span = (start, end) if start is not None else None
        where = chrom + (f":{start}-{end}" if start is not None else "")
        if kind == "gene":
            where = f"{params['symbol']} ({where})"
    result = LookupResult(query=query, kind=kind, where=where)
    if chrom is None or (keys is not None and len(keys) == 0):
        return result
    con = ws.connect(tables=["popfreq_samples", *TOTALS_TABLES])
    where = "chrom = " + "'" + chrom.replace("'", "''") + "'"
    if span is not None:
        where += f" AND pos BETWEEN {int(span[0])} AND {int(span[1])}"
    if keys is not None:
        con.register("_pf_lookup_keys", pa.table({"variant_key": keys.cast(pa.int64())}))
        where += " AND variant_key IN (SELECT variant_key FROM _pf_lookup_keys)"
    counts = read_totals(con, where)
    result.groups = load_groups(con)
    wide = site_frequencies(counts, result.groups, settings.grpmax)
    if wide.num_rows > limit:
        wide = wide.slice(0, limit)
        result.truncated = True
    alleles = variants.to_table(
        columns=["variant_key", "ref", "alt", "rsid"],
        filter=(pc.field("chrom") == chrom)
        & pc.field("variant_key").isin(wide.column("variant_key")),
    )
    joined = attach_alleles(wide, alleles)
    result.variants = [_record(row, result.groups) for row in joined.to_pylist()]
    return result
