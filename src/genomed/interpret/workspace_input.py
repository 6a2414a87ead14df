"""Workspace samples as interpretation input: each sample's calls (joined to ``variants``)
in the input contract of :mod:`genomed.interpret.variant_input`, its ``cna`` rows as
copy-number events and its ``structural_variants`` fusions, plus the table versions read
(so a report can be reproduced).

:func:`load_workspace_samples` reads a batch of samples at once: one query per table for
all of them, and each distinct variant of the batch annotated once
(:func:`~genomed.interpret.variant_input.annotate_table` on the distinct variants, joined
back to every call of them). A sample reads the same whether it is loaded alone
(:func:`load_workspace_sample`) or in a batch: calls in ``variant_key`` order, events in
gene order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import GenomedError
from genomed.interpret.structural_events import CopyNumberEvent, FusionEvent
from genomed.interpret.variant_input import INPUT_COLUMNS, annotate_table
from genomed.store.workspace import Workspace

TABLES_READ = ("samples", "variants", "calls", "cna", "structural_variants")
#: input columns that belong to the call (the sample), not the variant; the others are
#: the same for every call of a variant and are computed once per distinct variant
CALL_COLUMNS = ("line", "filter", "vaf", "dp", "ad_alt")


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
    return load_workspace_samples(ws, [sample_id], reference)[sample_id]


def load_workspace_samples(
    ws: Workspace, sample_ids: list[str], reference=None
) -> dict[str, WorkspaceSample]:
    """Read the samples ``sample_ids`` of ``ws`` in one pass (see the module docstring);
    sample id -> :class:`WorkspaceSample`, in the order given.

    Raises :class:`SampleNotFound` for a sample id the ``samples`` table does not have.
    """
    ids = list(dict.fromkeys(sample_ids))
    if not ids:
        return {}
    con = ws.connect(tables=list(TABLES_READ))
    try:
        con.register("wanted", pa.table({"sample_id": pa.array(ids, pa.string())}))
        described = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT sample_id, any_value(kind), any_value(tumor_type), "
                "any_value(matched_normal_id) FROM samples "
                "WHERE sample_id IN (SELECT sample_id FROM wanted) GROUP BY sample_id"
            ).fetchall()
        }
        missing = [s for s in ids if s not in described]
        if missing:
            known = [
                r[0]
                for r in con.execute("SELECT sample_id FROM samples ORDER BY 1 LIMIT 20").fetchall()
            ]
            raise SampleNotFound(
                f"no sample {missing[0]!r} in workspace {ws.path} (samples: {', '.join(known)})"
            )
        calls = con.sql(
            """
            SELECT c.sample_id, v.chrom, v.pos, v.ref, v.alt, v.variant_key, c.filter, v.rsid,
                   c.vaf, c.dp, c.ad_alt
            FROM calls c JOIN (
                SELECT variant_key, any_value(chrom) AS chrom, any_value(pos) AS pos,
                       any_value(ref) AS ref, any_value(alt) AS alt, any_value(rsid) AS rsid
                FROM variants GROUP BY variant_key
            ) v USING (variant_key)
            WHERE c.sample_id IN (SELECT sample_id FROM wanted)
            ORDER BY c.sample_id, c.variant_key, c.filter, c.vaf, c.dp, c.ad_alt
            """
        ).to_arrow_table()
        cna_rows = con.execute(
            "SELECT sample_id, gene, value FROM cna "
            "WHERE sample_id IN (SELECT sample_id FROM wanted) ORDER BY ALL"
        ).fetchall()
        sv_rows = con.execute(
            "SELECT sample_id, gene1, gene2, chrom1, pos1, chrom2, pos2 FROM structural_variants "
            "WHERE sample_id IN (SELECT sample_id FROM wanted) ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    table = _annotated_calls(calls, reference)
    versions = {t: v for t, v in ws.versions().items() if t in TABLES_READ}
    samples = {
        s: WorkspaceSample(s, *described[s], table.slice(0, 0), [], [], versions) for s in ids
    }
    sample_column = calls.column("sample_id").to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.r_[True, sample_column[1:] != sample_column[:-1]])
    ends = np.r_[starts[1:], len(sample_column)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        samples[sample_column[start]].variants = table.slice(start, end - start)
    for sample_id, gene, value in cna_rows:
        if value in (2, -2):
            kind = "amplification" if value >= 2 else "deletion"
            samples[sample_id].cna.append(CopyNumberEvent(gene, kind, None, None, None, None))
    for sample_id, g1, g2, c1, p1, c2, p2 in sv_rows:
        if g1 and g2 and g1 != g2:
            samples[sample_id].fusions.append(FusionEvent(g1, g2, f"{c1}:{p1}", f"{c2}:{p2}", None))
    return samples


def _annotated_calls(calls: pa.Table, reference) -> pa.Table:
    """The calls as an :data:`INPUT_COLUMNS` table (in the same order), each distinct
    variant annotated once and its annotation joined back to every call of it."""
    n = calls.num_rows
    columns = {}
    for field in INPUT_COLUMNS:
        if field.name in calls.column_names:
            columns[field.name] = calls.column(field.name).cast(field.type)
        else:
            columns[field.name] = pa.nulls(n, field.type)
    vaf = columns["vaf"]
    columns["vaf"] = pc.if_else(pc.is_nan(vaf), pa.scalar(None, pa.float64()), vaf)
    for name in ("dp", "ad_alt"):
        column = columns[name]
        columns[name] = pc.if_else(pc.less(column, 0), pa.scalar(None, pa.int32()), column)
    table = pa.table(columns, schema=INPUT_COLUMNS)
    if not n:
        return table
    keys = table.column("variant_key").to_numpy()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    variants = annotate_table(table.take(pa.array(first)), reference)
    joined = variants.take(pa.array(inverse))
    for name in CALL_COLUMNS:
        index = INPUT_COLUMNS.get_field_index(name)
        joined = joined.set_column(index, INPUT_COLUMNS.field(name), table.column(name))
    return joined.combine_chunks()
