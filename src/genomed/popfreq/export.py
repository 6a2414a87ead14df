"""``genomed popfreq export``: the database as a sites VCF (bgzipped, tabix-indexed) or Parquet.

Both carry the columns of :mod:`genomed.popfreq.frequencies` (gnomAD-style keys: ``AC``,
``AN``, ``AF``, ``nhomalt``, ``nhemi``, ``AC_<grp>``..., ``grpmax``, ``AF_grpmax``, ``faf95``,
``faf99``, ``fafmax_...``); the VCF header documents every key, the groups and their sample
counts, the adj filter and the public-release rule. ``min_ac`` withholds rare per-group
counts (see :mod:`genomed.popfreq.frequencies`); ``min_ac=1`` exports everything.

The work goes a chromosome at a time (and a window of positions within it), so memory is
bounded by the largest window; INFO strings are formatted by DuckDB, not per record in
Python. The file is written beside the target and moved into place with its index.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from genomed import __version__
from genomed.errors import InputError
from genomed.io.vcf_writer import bgzip_and_index
from genomed.model.chromosome import sort_key
from genomed.popfreq.database import PopfreqError, PopfreqSettings, stored_settings
from genomed.popfreq.frequencies import GroupInfo, attach_alleles, load_groups, site_frequencies
from genomed.popfreq.totals import TOTALS_TABLES, read_totals, totals_sql
from genomed.store.workspace import Workspace

#: alleles per window of an export (bounds memory: window x groups x 8 integers)
WINDOW = 250_000

_DESCRIPTIONS = {
    "AC": ("Integer", "Alternate allele count{who}, adj genotypes"),
    "AN": ("Integer", "Total number of called alleles{who}, adj genotypes (callable samples only)"),
    "AF": ("Float", "Alternate allele frequency{who}, adj genotypes (AC/AN)"),
    "nhomalt": ("Integer", "Count of diploid homozygous-alternate individuals{who}, adj genotypes"),
    "nhemi": (
        "Integer",
        "Count of hemizygous-alternate XY individuals{who} (non-PAR X/Y), adj genotypes",
    ),
}


@dataclass
class ExportResult:
    output: str
    format: str
    records: int
    withheld_alleles: int
    min_ac: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _who(g: GroupInfo) -> str:
    if g.kind == "all":
        return " in all samples"
    if g.kind == "sex":
        return f" in {g.name} samples"
    if g.kind == "super_population_sex":
        sup, sex = g.name.rsplit("_", 1)
        return f" in {sex} samples of super-population {sup}"
    return f" in {g.kind.replace('_', '-')} {g.name}"


def info_definitions(
    groups: list[GroupInfo], settings: PopfreqSettings
) -> list[tuple[str, str, str, str]]:
    """(key, Number, Type, Description) of every INFO key, in column order."""
    out = []
    for g in groups:
        for metric, (kind, text) in _DESCRIPTIONS.items():
            out.append(
                (
                    f"{metric}{g.suffix}",
                    "A",
                    kind,
                    text.format(who=_who(g)) + f" ({g.n_samples} samples)",
                )
            )
        if g.kind == "all":
            for metric, (kind, text) in _DESCRIPTIONS.items():
                raw = text.format(who=" in all samples").replace(
                    "adj genotypes", "all genotypes (raw)"
                )
                out.append((f"{metric}_raw", "A", kind, raw))
    level = settings.grpmax.level.replace("_", "-")
    excluded = ", ".join(settings.grpmax.exclude) or "none"
    out += [
        (
            "grpmax",
            "A",
            "String",
            f"{level} group with the highest AF (AC > 0), excluding {excluded}",
        ),
        ("AC_grpmax", "A", "Integer", "AC of the grpmax group"),
        ("AN_grpmax", "A", "Integer", "AN of the grpmax group"),
        ("AF_grpmax", "A", "Float", "AF of the grpmax group"),
        ("nhomalt_grpmax", "A", "Integer", "nhomalt of the grpmax group"),
    ]
    candidates = [
        g
        for g in groups
        if g.kind == settings.grpmax.level and not settings.grpmax.excluded(g.name)
    ]
    for label, ci in (("faf95", "95%"), ("faf99", "99%")):
        out.append(
            (
                label,
                "A",
                "Float",
                f"Filtering allele frequency (Poisson {ci} CI) over all samples, adj",
            )
        )
        for g in candidates:
            out.append(
                (
                    f"{label}{g.suffix}",
                    "A",
                    "Float",
                    f"Filtering allele frequency (Poisson {ci} CI) in {g.name}, adj",
                )
            )
        if candidates:
            out.append(
                (
                    f"fafmax_{label}_max",
                    "A",
                    "Float",
                    f"Highest {label} among {level} groups (excluding {excluded})",
                )
            )
            out.append(
                (f"fafmax_{label}_max_gen_anc", "A", "String", f"Group with fafmax_{label}_max")
            )
    return out


def _windows(ws: Workspace) -> list[tuple[str, int, int]]:
    """(chrom, start, end) windows of at most WINDOW alleles (of the current totals), in
    genome order."""
    con = ws.connect(tables=list(TOTALS_TABLES))
    rows = con.sql(
        f"""
        SELECT chrom, min(pos), max(pos) FROM (
            SELECT chrom, pos, (row_number() OVER (PARTITION BY chrom ORDER BY pos) - 1) // {WINDOW} AS w
            FROM (SELECT DISTINCT chrom, pos, variant_key FROM ({totals_sql()})))
        GROUP BY chrom, w
        """
    ).fetchall()
    con.close()
    return sorted(rows, key=lambda r: (sort_key(r[0]), r[1]))


def _wide_windows(
    ws: Workspace, windows, groups, settings, min_ac: int
) -> Iterator[tuple[pa.Table, int]]:
    con = ws.connect(tables=list(TOTALS_TABLES))
    variants = ws.dataset("variants")
    for chrom, start, end in windows:
        span = (pc.field("chrom") == chrom) & (pc.field("pos") >= start) & (pc.field("pos") <= end)
        quoted = "'" + chrom.replace("'", "''") + "'"
        counts = read_totals(con, f"chrom = {quoted} AND pos BETWEEN {start} AND {end}")
        total = pc.count_distinct(counts.column("variant_key")).as_py()
        wide = site_frequencies(counts, groups, settings.grpmax, min_ac=min_ac)
        alleles = variants.to_table(columns=["variant_key", "ref", "alt", "rsid"], filter=span)
        yield attach_alleles(wide, alleles), total - wide.num_rows


def _info_sql(definitions: list[tuple[str, str, str, str]]) -> str:
    parts = []
    for key, _number, kind, _text in definitions:
        column = f'"{key}"'
        if kind == "Float":
            value = f"printf('%.6g', {column})"
        elif kind == "Integer":
            value = f"CAST({column} AS VARCHAR)"
        else:
            value = column
        parts.append(f"CASE WHEN {column} IS NULL THEN NULL ELSE '{key}=' || {value} END")
    return "concat_ws(';', " + ", ".join(parts) + ")"


def _header(
    ws: Workspace, groups, settings: PopfreqSettings, definitions, chroms, min_ac: int
) -> str:
    lines = [
        "##fileformat=VCFv4.2",
        f"##source=genomed {__version__} popfreq",
        f"##reference={ws.build}",
        f"##genomed_popfreq_op={ws.catalog.get('popfreq', {}).get('op')}",
        f'##genomed_popfreq_adj="{settings.adj.describe()}"',
        f"##genomed_popfreq_min_ac={min_ac} (per-group AC below this withheld, with one complementary sibling; alleles whose overall AC is withheld are left out)",
    ]
    for g in groups:
        lines.append(
            f"##genomed_popfreq_group=<ID={g.name},Kind={g.kind},Parent={g.parent or '.'},Samples={g.n_samples}>"
        )
    lines += [f"##contig=<ID={c}>" for c in chroms]
    lines.append('##FILTER=<ID=PASS,Description="All filters passed">')
    for key, number, kind, text in definitions:
        lines.append(f'##INFO=<ID={key},Number={number},Type={kind},Description="{text}">')
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    return "\n".join(lines) + "\n"


def _ready(ws: Workspace) -> PopfreqSettings:
    settings = stored_settings(ws)
    if settings is None or "popfreq_counts" not in ws.versions():
        raise PopfreqError(
            "the population database was never built: run `genomed popfreq build` first"
        )
    return settings


def export_sites_vcf(workspace, out: str | Path, *, min_ac: int = 1) -> ExportResult:
    """Write the database to ``out`` (.vcf.gz) with a tabix index beside it."""
    if min_ac < 1:
        raise InputError("must be at least 1", field="--min-ac")
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    settings = _ready(ws)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    con = ws.connect(tables=["popfreq_samples"])
    groups = load_groups(con)
    definitions = info_definitions(groups, settings)
    windows = _windows(ws)
    chroms = sorted({c for c, _, _ in windows}, key=sort_key)
    plain = out.with_name(out.name.removesuffix(".gz") + f".tmp-{os.getpid()}")
    records = withheld = 0
    info = _info_sql(definitions)
    with open(plain, "w") as handle:
        handle.write(_header(ws, groups, settings, definitions, chroms, min_ac))
        for wide, dropped in _wide_windows(ws, windows, groups, settings, min_ac):
            withheld += dropped
            con.register("_pf_wide", wide)
            lines = (
                con.sql(
                    f"""
                SELECT concat_ws(chr(9), chrom, CAST(pos AS VARCHAR), coalesce(rsid, '.'), ref, alt,
                                 '.', 'PASS', {info})
                FROM _pf_wide
                """
                )
                .arrow()
                .read_all()
            )
            con.unregister("_pf_wide")
            column = lines.column(0)
            if len(column):
                handle.write("\n".join(column.to_pylist()) + "\n")
            records += len(column)
    bgzip_and_index(plain, out)
    return ExportResult(str(out), "vcf", records, withheld, min_ac)


def export_sites_parquet(workspace, out: str | Path, *, min_ac: int = 1) -> ExportResult:
    """Write the database to ``out`` (Parquet): one row per allele, the VCF's INFO keys
    as columns plus ``variant_key``, ``chrom``, ``pos``, ``ref``, ``alt``, ``rsid``."""
    if min_ac < 1:
        raise InputError("must be at least 1", field="--min-ac")
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    settings = _ready(ws)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    groups = load_groups(ws.connect(tables=["popfreq_samples"]))
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    writer = None
    records = withheld = 0
    try:
        for wide, dropped in _wide_windows(ws, _windows(ws), groups, settings, min_ac):
            withheld += dropped
            front = ["variant_key", "chrom", "pos", "ref", "alt", "rsid"]
            wide = wide.select(front + [c for c in wide.column_names if c not in front])
            if writer is None:
                writer = pq.ParquetWriter(tmp, wide.schema)
            writer.write_table(wide)
            records += wide.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(pa.table({"variant_key": pa.array([], pa.int64())}), tmp)
    os.replace(tmp, out)
    return ExportResult(str(out), "parquet", records, withheld, min_ac)
