"""``genomed annotate`` in a workspace: each distinct variant once per bundle version.

The variants not yet annotated with this reference bundle are found with one anti-join
in DuckDB (``variants`` minus ``annotations`` of this bundle id), annotated in batches,
matched against the knowledge bundle (and the workspace's own population database when
it has one), and appended to the ``annotations`` table in one atomic commit. A second run
with the same bundle finds nothing to do; new samples pay only for their new variants.
The catalog records which bundles the annotations were made with.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from genomed.annotate.annotator import Annotator
from genomed.annotate.knowledge_matches import KnowledgeSources
from genomed.annotate.protein_change import short_form
from genomed.reference.bundle import ReferenceBundle
from genomed.store.schema import TABLES
from genomed.store.workspace import Workspace

BATCH = 250_000


@dataclass
class WorkspaceAnnotateResult:
    workspace: str
    bundle: str
    knowledge: str | None
    variants_annotated: int
    rows_written: int
    already_annotated: int
    batch_id: str | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def pending_variants(ws: Workspace, bundle_id: str) -> pa.Table:
    """Distinct variants of the workspace without annotation rows for ``bundle_id``."""
    con = ws.connect()
    try:
        quoted = "'" + bundle_id.replace("'", "''") + "'"
        return con.sql(
            "SELECT DISTINCT v.variant_key, v.chrom, v.pos, v.ref, v.alt FROM variants v "
            f"ANTI JOIN (SELECT DISTINCT variant_key FROM annotations WHERE bundle = {quoted}) a "
            "ON v.variant_key = a.variant_key ORDER BY v.variant_key"
        ).to_arrow_table()
    finally:
        con.close()


def _popfreq(ws: Workspace) -> pa.Table | None:
    """AF of group ``all`` from the workspace population database (absent: None)."""
    if "popfreq_counts" not in TABLES or ws.versions().get("popfreq_counts") is None:
        return None
    from genomed.popfreq.totals import TOTALS_TABLES, totals_sql

    totals = totals_sql("grp = 'all'")
    con = ws.connect(tables=list(TOTALS_TABLES))
    try:
        return con.sql(
            "SELECT variant_key, CASE WHEN sum(an) > 0 THEN sum(ac)::DOUBLE / sum(an) END "
            f"AS popfreq_af FROM ({totals}) GROUP BY variant_key"
        ).to_arrow_table()
    finally:
        con.close()


def annotate_workspace(
    workspace: str | Path,
    *,
    bundle=None,
    knowledge=None,
    sites_vcfs: list[str | Path] | None = None,
    all_transcripts: bool = False,
    progress: Callable[[int], None] | None = None,
) -> WorkspaceAnnotateResult:
    """Annotate the workspace's not-yet-annotated variants (see module docstring)."""
    ws = Workspace.open(workspace)
    annotator = Annotator(
        bundle or ReferenceBundle.default(ws.build), all_transcripts=all_transcripts
    )
    if annotator.bundle.build != ws.build:
        from genomed.errors import WorkspaceError

        raise WorkspaceError(
            f"bundle {annotator.bundle.id} is {annotator.bundle.build}; workspace {ws.path} is "
            f"{ws.build}"
        )
    sources = KnowledgeSources(knowledge, sites_vcfs=sites_vcfs, popfreq=_popfreq(ws))
    todo = pending_variants(ws, annotator.bundle.id)
    con = ws.connect()
    total = con.execute("SELECT count(DISTINCT variant_key) FROM variants").fetchone()[0]
    con.close()
    result = WorkspaceAnnotateResult(
        str(ws.path),
        annotator.bundle.id,
        sources.knowledge.id if sources.knowledge is not None else None,
        todo.num_rows,
        0,
        total - todo.num_rows,
        None,
    )
    if todo.num_rows == 0:
        return result
    batch_id = "a" + uuid.uuid4().hex[:15]
    with ws.transaction() as tx:
        for start in range(0, todo.num_rows, BATCH):
            part = todo.slice(start, BATCH)
            ann = annotator.annotate(part)
            ann = sources.annotate(ann, build=ws.build)
            keys = pc.take(part.column("variant_key"), ann.column("row"))
            hgvs_p = ann.column("hgvs_p").to_pylist()
            rows = {
                "variant_key": keys,
                "bundle": ann.column("bundle"),
                "chrom": ann.column("chrom"),
                "pos": ann.column("pos"),
                "gene": ann.column("gene"),
                "gene_id": ann.column("gene_id"),
                "transcript": ann.column("transcript"),
                "refseq": pc.coalesce(ann.column("mane_select"), ann.column("mane_plus_clinical")),
                "canonical": ann.column("canonical"),
                "biotype": ann.column("biotype"),
                "protein_change": pa.array(
                    [short_form(p) if p else None for p in hgvs_p], pa.string()
                ),
                "knowledge": ann.column("knowledge"),
                "batch_id": pa.array([batch_id] * ann.num_rows, pa.string()),
            }
            for name in (
                "consequence", "most_severe", "impact", "exon", "intron", "hgvs_c", "hgvs_p",
                "hgvs_g", "protein_position", "amino_acids", "codons", "cdna_position",
                "cds_position", "distance", "sequence_status", "clinvar_id",
                "clinvar_significance", "clinvar_review_status", "clinvar_stars", "hotspot",
                "civic", "af", "popfreq_af",
            ):  # fmt: skip
                rows[name] = ann.column(name)
            tx.append("annotations", rows)
            result.rows_written += ann.num_rows
            if progress is not None:
                progress(min(start + BATCH, todo.num_rows))
        bundles = dict(ws.catalog.get("bundles", {}))
        bundles["reference"] = annotator.bundle.id
        if sources.knowledge is not None:
            bundles["knowledge"] = sources.knowledge.id
        tx.catalog_updates["bundles"] = bundles
    result.batch_id = batch_id
    return result


def annotation_summary(workspace: str | Path, bundle_id: str | None = None) -> dict:
    """What the annotations of a workspace say, for ``genomed demo`` and reports: rows,
    variants, and canonical-transcript counts by impact, plus ClinVar pathogenic /
    likely pathogenic matches, hotspot and CIViC matches (distinct variants)."""
    ws = Workspace.open(workspace)
    con = ws.connect()
    try:
        where = "TRUE" if bundle_id is None else "bundle = '" + bundle_id.replace("'", "''") + "'"
        impact = dict(
            con.execute(
                f"SELECT impact, count(DISTINCT variant_key) FROM annotations WHERE {where} "
                "AND canonical GROUP BY impact"
            ).fetchall()
        )
        row = con.execute(
            "SELECT count(*), count(DISTINCT variant_key), "
            "count(DISTINCT CASE WHEN clinvar_significance IN ('pathogenic', 'likely_pathogenic') "
            "THEN variant_key END), count(DISTINCT CASE WHEN hotspot IS NOT NULL THEN variant_key END), "
            "count(DISTINCT CASE WHEN civic IS NOT NULL THEN variant_key END) "
            f"FROM annotations WHERE {where}"
        ).fetchone()
    finally:
        con.close()
    return {
        "rows": row[0],
        "variants": row[1],
        "canonical_by_impact": {k: impact[k] for k in sorted(impact, key=str) if k},
        "clinvar_pathogenic": row[2],
        "hotspots": row[3],
        "civic": row[4],
    }
