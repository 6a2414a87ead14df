"""Patient x gene matrices for a short list of genes: what is altered, what was profiled.

The OncoPrint, co-occurrence and comparisons read these. Columns are genes, rows the
cohort's patients (every member, in ``cohort_patients`` order); alterations counted as in
:mod:`genomed.cohort.alterations` (on samples profiled for the gene).
"""

from __future__ import annotations

import pandas as pd

from genomed.cohort.alterations import (
    COUNTED_CLASSES,
    PASS_FILTER,
    PROFILE_OF,
    panel_genes,
    prepare,
    sample_panels,
)
from genomed.cohort.cohort_data import CohortData
from genomed.cohort.variant_classes import oncoprint_class_sql

PROFILES_OF_TYPES = {
    "any": ("mutations", "cna", "structural_variants"),
    **{alteration: (profile,) for alteration, profile in PROFILE_OF.items()},
}


def altered_events(data: CohortData, genes: list[str]) -> pd.DataFrame:
    """patient_id, gene, alteration, glyph (OncoPrint class) of each counted alteration
    in ``genes`` (one row per distinct patient/gene/glyph)."""
    if not genes:
        return pd.DataFrame(columns=["patient_id", "gene", "alteration", "glyph"])
    prepare(data.con)
    glyph = oncoprint_class_sql("c.variant_class")
    in_genes = "IN (SELECT gene FROM wanted)"
    sql = (
        "WITH wanted AS (SELECT unnest($g::VARCHAR[]) AS gene), "
        "mp AS (SELECT sample_id, patient_id, panel_id, profile FROM profiled_samples "
        "WHERE patient_id IN (SELECT patient_id FROM cohort_patients)), "
        f"ev AS (SELECT c.sample_id, c.gene, 'mutation' AS alteration, {glyph} AS glyph, 'mutations' AS profile "
        f"FROM gene_calls c WHERE c.gene {in_genes} AND {PASS_FILTER} AND {COUNTED_CLASSES} "
        f"UNION ALL SELECT sample_id, gene, 'amplification', 'amplification', 'cna' FROM cna WHERE value >= 2 AND gene {in_genes} "
        f"UNION ALL SELECT sample_id, gene, 'deep_deletion', 'deep_deletion', 'cna' FROM cna WHERE value <= -2 AND gene {in_genes} "
        "UNION ALL SELECT sample_id, gene1, 'fusion', 'fusion', 'structural_variants' FROM structural_variants "
        f"WHERE gene1 {in_genes} UNION ALL SELECT sample_id, gene2, 'fusion', 'fusion', 'structural_variants' "
        f"FROM structural_variants WHERE gene2 {in_genes} AND gene2 IS DISTINCT FROM gene1) "
        "SELECT DISTINCT mp.patient_id, ev.gene, ev.alteration, ev.glyph FROM ev "
        "JOIN mp ON mp.sample_id = ev.sample_id AND mp.profile = ev.profile "
        "LEFT JOIN panel_gene_pairs p ON p.panel_id = mp.panel_id AND p.gene = ev.gene "
        "WHERE mp.panel_id IS NULL OR p.gene IS NOT NULL"
    )
    return data.con.execute(sql, {"g": list(genes)}).df()


def profiled_matrix(data: CohortData, genes: list[str], alteration: str = "any") -> pd.DataFrame:
    """Boolean patients x genes: the patient has a sample profiled for the gene."""
    prepare(data.con)
    union = " UNION ALL ".join(sample_panels(p) for p in PROFILES_OF_TYPES[alteration])
    sql = (
        f"WITH sp AS (SELECT DISTINCT s.patient_id, s.panel_id FROM ({union}) s "
        "JOIN cohort_patients m ON m.patient_id = s.patient_id), "
        "genes AS (SELECT unnest($g::VARCHAR[]) AS gene) "
        "SELECT DISTINCT sp.patient_id, genes.gene FROM sp CROSS JOIN genes WHERE sp.panel_id IS NULL "
        f"UNION SELECT sp.patient_id, pg.gene FROM sp JOIN ({panel_genes()}) pg ON pg.panel_id = sp.panel_id "
        "WHERE pg.gene IN (SELECT gene FROM genes)"
    )
    pairs = data.con.execute(sql, {"g": list(genes)}).df()
    return _matrix(data, genes, pairs)


def altered_matrix(data: CohortData, genes: list[str], alteration: str = "any") -> pd.DataFrame:
    """Boolean patients x genes: the patient has an alteration of the type in the gene."""
    events = altered_events(data, genes)
    if alteration != "any":
        events = events[events["alteration"] == alteration]
    return _matrix(data, genes, events[["patient_id", "gene"]])


def _matrix(data: CohortData, genes: list[str], pairs: pd.DataFrame) -> pd.DataFrame:
    matrix = pd.DataFrame(
        False, index=pd.Index(data.patient_ids, name="patient_id"), columns=list(genes)
    )
    if len(pairs):
        rows = matrix.index.get_indexer(pairs["patient_id"])
        cols = matrix.columns.get_indexer(pairs["gene"])
        keep = (rows >= 0) & (cols >= 0)
        values = matrix.to_numpy()
        values[rows[keep], cols[keep]] = True
        matrix = pd.DataFrame(values, index=matrix.index, columns=matrix.columns)
    return matrix
