"""Calls with their AMP/ASCO/CAP tier, for ``mutated(GENE, tierN)``.

Tiers come from the workspace's ``interpretations`` table, written by ``genomed interpret
workspace`` (:mod:`genomed.interpret.workspace_interpretation`). A call has a tier when
the most recent interpretation of its sample has a row for its allele; the gene and
protein change are the interpretation's (so VCF calls need no ``genomed annotate``), the
MAF class is the call's own or else the interpretation's SO consequence mapped by
:data:`~genomed.cohort.variant_classes.SO_TO_MAF`. ``tier1`` selects tier I (AMP levels
A/B), ``tier2`` tier II (C/D), ``tier3`` tier III, ``tier4`` tier IV.
"""

from __future__ import annotations

import duckdb

from genomed.cohort.alterations import PASS_FILTER
from genomed.cohort.variant_classes import so_to_maf_sql
from genomed.interpret.workspace_interpretation import latest_interpretations_sql

#: the tier slot of a parsed ``mutated(...)`` -> the ``interpretations.tier`` value
TIER_NAMES = {"1": "I", "2": "II", "3": "III", "4": "IV"}
NO_INTERPRETATIONS = (
    "this workspace has no interpretations yet, so no tiers: run `genomed interpret "
    "workspace` to tier its tumour samples (AMP/ASCO/CAP), then select by tier"
)


def has_interpretations(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection's ``interpretations`` view has a row."""
    try:
        return bool(
            con.execute("SELECT count(*) FROM (SELECT 1 FROM interpretations LIMIT 1)").fetchone()[
                0
            ]
        )
    except duckdb.CatalogException:  # a connection opened on a subset of the tables
        return False


def tiered_mutation_rows(where: str) -> str:
    """SQL with the columns of :func:`~genomed.cohort.alterations.mutation_rows` over
    interpreted PASS calls; ``where`` adds conditions on ``c`` (gene, protein_change,
    variant_class, origin, tier, tier_level)."""
    calls = (
        "SELECT c.sample_id, c.variant_key, i.gene, "
        "coalesce(i.protein_change, c.protein_change) AS protein_change, "
        f"coalesce(c.variant_class, {so_to_maf_sql('i.consequence')}) AS variant_class, "
        "c.origin, c.filter, i.tier, i.tier_level "
        f"FROM calls c JOIN ({latest_interpretations_sql()}) i "
        "ON i.sample_id = c.sample_id AND i.variant_key = c.variant_key"
    )
    return (
        "SELECT s.patient_id, c.sample_id, c.gene, c.protein_change, c.variant_class, c.origin, "
        f"s.collection_day AS day FROM ({calls}) c JOIN samples s ON s.sample_id = c.sample_id "
        f"WHERE c.gene IS NOT NULL AND {PASS_FILTER} AND {where}"
    )
