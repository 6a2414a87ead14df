"""A workspace sample as interpretation input: its calls (joined to ``variants``) in the
input contract of :mod:`genomed.interpret.variant_input`, its ``cna`` rows as copy-number
events and its ``structural_variants`` fusions, plus the table versions read (so a
report can be reproduced).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from genomed.errors import GenomedError
from genomed.interpret.structural_events import CopyNumberEvent, FusionEvent
from genomed.interpret.variant_input import INPUT_COLUMNS, annotate_table
from genomed.store.workspace import Workspace

TABLES_READ = ("samples", "variants", "calls", "cna", "structural_variants")


class SampleNotFound(GenomedError):
    """The sample id is not in the workspace."""


@dataclass
class WorkspaceSample:
    sample_id: str
    kind: str | None
    tumor_type: str | None
    matched_normal_id: str | None
    variants: pa.Table
    cna: list[CopyNumberEvent]
    fusions: list[FusionEvent]
    table_versions: dict[str, int]


def load_workspace_sample(ws: Workspace, sample_id: str, reference=None) -> WorkspaceSample:
    """Read one sample of ``ws`` (see the module docstring)."""
    con = ws.connect()
    try:
        rows = con.execute(
            "SELECT kind, tumor_type, matched_normal_id FROM samples WHERE sample_id = ?",
            [sample_id],
        ).fetchall()
        if not rows:
            known = [
                r[0]
                for r in con.execute("SELECT sample_id FROM samples ORDER BY 1 LIMIT 20").fetchall()
            ]
            raise SampleNotFound(
                f"no sample {sample_id!r} in workspace {ws.path} (samples: {', '.join(known)})"
            )
        kind, tumor_type, normal = rows[0]
        calls = con.sql(
            """
            SELECT v.chrom, v.pos, v.ref, v.alt, v.variant_key, c.filter, v.rsid,
                   c.vaf, c.dp, c.ad_alt
            FROM calls c JOIN (
                SELECT variant_key, any_value(chrom) AS chrom, any_value(pos) AS pos,
                       any_value(ref) AS ref, any_value(alt) AS alt, any_value(rsid) AS rsid
                FROM variants GROUP BY variant_key
            ) v USING (variant_key)
            WHERE c.sample_id = ?
            ORDER BY c.variant_key
            """,
            params=[sample_id],
        ).to_arrow_table()
        cna_rows = con.execute(
            "SELECT gene, value FROM cna WHERE sample_id = ?", [sample_id]
        ).fetchall()
        sv_rows = con.execute(
            "SELECT gene1, gene2, chrom1, pos1, chrom2, pos2 FROM structural_variants WHERE sample_id = ?",
            [sample_id],
        ).fetchall()
    finally:
        con.close()
    n = calls.num_rows
    columns = {}
    for field in INPUT_COLUMNS:
        if field.name in calls.column_names:
            col = calls.column(field.name).cast(field.type)
            columns[field.name] = col.fill_null(-1) if field.name in () else col
        else:
            columns[field.name] = pa.nulls(n, field.type)
    columns["vaf"] = pa.array(
        [None if v is None or v != v else v for v in calls.column("vaf").to_pylist()], pa.float64()
    )
    for name in ("dp", "ad_alt"):
        columns[name] = pa.array(
            [None if v is None or v < 0 else v for v in calls.column(name).to_pylist()], pa.int32()
        )
    table = pa.table(columns, schema=INPUT_COLUMNS)
    if n:
        table = annotate_table(table, reference)
    cna = [
        CopyNumberEvent(gene, "amplification" if value >= 2 else "deletion", None, None, None, None)
        for gene, value in cna_rows
        if value in (2, -2)
    ]
    fusions = [
        FusionEvent(g1, g2, f"{c1}:{p1}", f"{c2}:{p2}", None)
        for g1, g2, c1, p1, c2, p2 in sv_rows
        if g1 and g2 and g1 != g2
    ]
    versions = {t: v for t, v in ws.versions().items() if t in TABLES_READ}
    return WorkspaceSample(sample_id, kind, tumor_type, normal, table, cna, fusions, versions)
