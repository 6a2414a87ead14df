"""Clinical attributes a cohort definition can compare: where each one's values live.

Every attribute is a relation ``(patient_id, value)``; a patient matches a comparison
when *any* of its values does (a patient with two samples of different tumour types is
in ``tumor_type = LAML`` and in ``tumor_type = BRCA``). Missing values never match a
comparison; ``is missing`` asks for them. Names are case-insensitive and resolved in
this order:

1. the built-in attributes of :data:`BUILTIN_ATTRIBUTES` (columns of the workspace tables);
2. ``<endpoint>_months`` / ``<endpoint>_event`` of ``outcomes`` (``os_months``, ``pfs_event``);
3. any attribute of ``clinical_attributes`` (patient or sample level, typed NUMBER or
   text; e.g. ``FAB_CLASSIFICATION``, ``CYTOGENETICS``);
4. any observation ``name`` (``smoking_status``, ``bmi``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import duckdb

#: name -> (SQL yielding patient_id, value; value type: number | text | boolean).
BUILTIN_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "patient_id": ("SELECT patient_id, patient_id AS value FROM patients", "text"),
    "sex": ("SELECT patient_id, sex AS value FROM patients", "text"),
    "age": (
        "SELECT p.patient_id, coalesce(p.age_at_diagnosis, d.age) AS value FROM patients p "
        "LEFT JOIN (SELECT patient_id, min(age_at_diagnosis) AS age FROM diagnoses GROUP BY patient_id) d "
        "ON d.patient_id = p.patient_id",
        "number",
    ),
    "birth_year": ("SELECT patient_id, birth_year AS value FROM patients", "number"),
    "population": ("SELECT patient_id, population AS value FROM patients", "text"),
    "super_population": ("SELECT patient_id, super_population AS value FROM patients", "text"),
    "institution": ("SELECT patient_id, institution_id AS value FROM patients", "text"),
    "tumor_type": (
        "SELECT patient_id, tumor_type AS value FROM samples "
        "UNION ALL SELECT patient_id, tumor_type AS value FROM diagnoses",
        "text",
    ),
    "sample_id": ("SELECT patient_id, sample_id AS value FROM samples", "text"),
    "sample_kind": ("SELECT patient_id, kind AS value FROM samples", "text"),
    "panel": ("SELECT patient_id, panel_id AS value FROM samples", "text"),
    "disease": (
        "SELECT patient_id, disease_id AS value FROM diagnoses "
        "UNION ALL SELECT patient_id, disease_label AS value FROM diagnoses",
        "text",
    ),
    "hpo": (
        "SELECT patient_id, hpo_id AS value FROM phenotypes WHERE excluded IS NOT TRUE",
        "text",
    ),
}
#: Other spellings of built-in attributes.
ALIASES = {
    "age_at_diagnosis": "age",
    "institution_id": "institution",
    "panel_id": "panel",
    "oncotree_code": "tumor_type",
    "gender": "sex",
    "kind": "sample_kind",
}
ENDPOINTS = ("os", "pfs", "dfs", "dss")


@dataclass(frozen=True)
class Attribute:
    """A resolved attribute: its name, the SQL of its ``(patient_id, value)`` rows, its type."""

    name: str
    sql: str
    kind: str  # number | text | boolean
    source: str  # builtin | outcomes | clinical_attributes | observations


class AttributeCatalog:
    """The attributes of one workspace snapshot (clinical attribute names read once)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.sql(
            "SELECT upper(attribute), bool_and(datatype = 'NUMBER' OR value_string IS NULL) "
            "FROM clinical_attributes GROUP BY 1"
        ).fetchall()
        self.clinical = {name: numeric for name, numeric in rows}
        rows = con.sql(
            "SELECT lower(name), bool_and(value_string IS NULL AND value_number IS NOT NULL) "
            "FROM observations GROUP BY 1"
        ).fetchall()
        self.observations = {name: numeric for name, numeric in rows}

    def names(self) -> list[str]:
        """Every attribute name this workspace knows (for hints and ``cohort summary``)."""
        endpoint = [f"{e}_{x}" for e in ENDPOINTS for x in ("months", "event")]
        return [*BUILTIN_ATTRIBUTES, *endpoint, *sorted(self.clinical), *sorted(self.observations)]

    def suggest(self, name: str) -> list[str]:
        lowered = {n.lower(): n for n in self.names()}
        return [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=3)]

    def resolve(self, name: str) -> Attribute | None:
        """The attribute called ``name``, or None when the workspace has no such attribute."""
        key = ALIASES.get(name.lower(), name.lower())
        if key in BUILTIN_ATTRIBUTES:
            sql, kind = BUILTIN_ATTRIBUTES[key]
            return Attribute(key, sql, kind, "builtin")
        endpoint, _, what = key.partition("_")
        if endpoint in ENDPOINTS and what in ("months", "event"):
            column = "months" if what == "months" else "event"
            sql = f"SELECT patient_id, {column} AS value FROM outcomes WHERE lower(endpoint) = '{endpoint}'"
            return Attribute(key, sql, "number" if what == "months" else "boolean", "outcomes")
        upper = name.upper()
        if upper in self.clinical:
            numeric = self.clinical[upper]
            column = (
                "value_number"
                if numeric
                else "coalesce(value_string, CAST(value_number AS VARCHAR))"
            )
            quoted = upper.replace("'", "''")
            sql = (
                f"SELECT entity_id AS patient_id, {column} AS value FROM clinical_attributes "
                f"WHERE entity = 'patient' AND upper(attribute) = '{quoted}' "
                f"UNION ALL SELECT s.patient_id, {column.replace('value_', 'c.value_')} AS value "
                "FROM clinical_attributes c JOIN samples s ON s.sample_id = c.entity_id "
                f"WHERE c.entity = 'sample' AND upper(c.attribute) = '{quoted}'"
            )
            return Attribute(upper, sql, "number" if numeric else "text", "clinical_attributes")
        if key in self.observations:
            numeric = self.observations[key]
            column = (
                "value_number"
                if numeric
                else "coalesce(value_string, CAST(value_number AS VARCHAR))"
            )
            quoted = key.replace("'", "''")
            sql = f"SELECT patient_id, {column} AS value FROM observations WHERE lower(name) = '{quoted}'"
            return Attribute(key, sql, "number" if numeric else "text", "observations")
        return None
