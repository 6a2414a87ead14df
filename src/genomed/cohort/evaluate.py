"""Evaluate a cohort definition: compile it to one DuckDB query over the workspace views.

Every condition compiles to a query returning the ``patient_id`` of the patients that
satisfy it; ``and``/``or``/``not`` become INTERSECT/UNION/EXCEPT (``a and not b`` is
``a EXCEPT b``), so the whole definition runs as one vectorised statement and no Python
touches a patient. ``not`` is relative to every patient of the workspace: a patient
never sequenced for NPM1 is in ``not mutated(NPM1)`` (write ``profiled(NPM1) and not
mutated(NPM1)`` to require that NPM1 was looked at).

Genotype conditions read ``calls`` (MAF/cBioPortal ``gene``, ``protein_change``,
``variant_class``; see :mod:`genomed.cohort.alterations`), ``cna`` and
``structural_variants``; ``treated_with`` reads ``treatments``. Time order compares the
collection day of the sample carrying an alteration (``samples.collection_day``) and the
start/stop days of treatments, all days from the patient's index date; an event without
a day never satisfies a time relation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from genomed.cohort.alterations import (
    COUNTED_CLASSES,
    cna_rows,
    create_gene_calls,
    mutation_rows,
    panel_genes,
    prepare,
    sample_panels,
    sv_rows,
)
from genomed.cohort.attributes import AttributeCatalog
from genomed.cohort.definition_language import (
    PROFILES,
    Alteration,
    And,
    CohortReference,
    CohortSyntaxError,
    Comparison,
    Everyone,
    Membership,
    Missing,
    Node,
    Not,
    Or,
    TimeOrder,
    Treatment,
    parse_definition,
    to_text,
    walk,
)
from genomed.cohort.interpreted_calls import (
    NO_INTERPRETATIONS,
    TIER_NAMES,
    has_interpretations,
    tiered_mutation_rows,
)
from genomed.cohort.variant_classes import CONSEQUENCE_CLASSES, sql_in_list

TRUE_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class CohortEvaluationError(CohortSyntaxError):
    """A definition that parses but names something the workspace cannot answer
    (unknown attribute, a text attribute compared with <, ...); points at the token."""


@dataclass
class Selection:
    """The patients a definition selects, with what it was evaluated against."""

    definition: Node
    patient_ids: list[str]
    warnings: list[str] = field(default_factory=list)
    sql: str = ""

    @property
    def text(self) -> str:
        return to_text(self.definition)

    def __len__(self) -> int:
        return len(self.patient_ids)


class _Compiler:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        text: str | None,
        members_of: Callable[[str], list[str] | None] | None,
    ) -> None:
        self.con = con
        self.text = text
        self.members_of = members_of
        self.params: dict[str, object] = {}
        self._catalog: AttributeCatalog | None = None

    @property
    def catalog(self) -> AttributeCatalog:
        if self._catalog is None:
            self._catalog = AttributeCatalog(self.con)
        return self._catalog

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def fail(self, message: str, span) -> CohortEvaluationError:
        return CohortEvaluationError(message, self.text if span else None, span)

    # -- boolean structure ---------------------------------------------------------------
    def compile(self, node: Node) -> str:
        if isinstance(node, Everyone):
            return "SELECT patient_id FROM patients"
        if isinstance(node, And):
            positive = [i for i in node.items if not isinstance(i, Not)]
            negative = [i.item for i in node.items if isinstance(i, Not)]
            if not positive:
                positive, negative = [Everyone()], negative
            query = " INTERSECT ".join(
                f"SELECT patient_id FROM ({self.compile(i)})" for i in positive
            )
            for item in negative:
                query = f"SELECT patient_id FROM ({query}) EXCEPT SELECT patient_id FROM ({self.compile(item)})"
            return query
        if isinstance(node, Or):
            return " UNION ".join(f"SELECT patient_id FROM ({self.compile(i)})" for i in node.items)
        if isinstance(node, Not):
            return f"SELECT patient_id FROM patients EXCEPT SELECT patient_id FROM ({self.compile(node.item)})"
        if isinstance(node, Comparison | Membership | Missing):
            return self.attribute_condition(node)
        if isinstance(node, Alteration | Treatment):
            return f"SELECT DISTINCT patient_id FROM ({self.events(node)})"
        if isinstance(node, TimeOrder):
            return self.time_order(node)
        if isinstance(node, CohortReference):
            members = self.members_of(node.name) if self.members_of else None
            if members is None:
                raise self.fail(f"no saved cohort named {node.name!r}", node.span)
            return f"SELECT unnest({self.param(list(members))}::VARCHAR[]) AS patient_id"
        raise TypeError(f"not a cohort definition node: {node!r}")

    # -- clinical attributes -----------------------------------------------------------
    def attribute_condition(self, node: Comparison | Membership | Missing) -> str:
        attribute = self.catalog.resolve(node.attribute)
        if attribute is None:
            hints = self.catalog.suggest(node.attribute)
            hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
            raise self.fail(f"unknown attribute {node.attribute!r}{hint}", node.attribute_span)
        source = f"SELECT patient_id, value FROM ({attribute.sql}) WHERE value IS NOT NULL"
        present = f"SELECT DISTINCT patient_id FROM ({source})"
        if isinstance(node, Missing):
            if node.negated:
                return present
            return f"SELECT patient_id FROM patients EXCEPT {present}"
        if isinstance(node, Membership):
            values = [self.literal(attribute, v, node.attribute_span, "in") for v in node.values]
            if attribute.kind == "text":
                matched = f"SELECT DISTINCT patient_id FROM ({source}) WHERE list_contains({self.param(values)}::VARCHAR[], lower(value))"
            elif attribute.kind == "number":
                matched = f"SELECT DISTINCT patient_id FROM ({source}) WHERE list_contains({self.param(values)}::DOUBLE[], value)"
            else:
                matched = f"SELECT DISTINCT patient_id FROM ({source}) WHERE list_contains({self.param(values)}::BOOLEAN[], value)"
            return f"{present} EXCEPT {matched}" if node.negated else matched
        value = self.literal(attribute, node.value, node.value_span, node.op)
        if attribute.kind == "text":
            if node.op not in ("=", "!="):
                raise self.fail(
                    f"{attribute.name} is a text attribute: compare it with =, != or in, not {node.op}",
                    node.span,
                )
            matched = f"SELECT DISTINCT patient_id FROM ({source}) WHERE lower(value) = {self.param(value)}"
        elif attribute.kind == "boolean":
            if node.op not in ("=", "!="):
                raise self.fail(
                    f"{attribute.name} is true/false: compare it with = or !=", node.span
                )
            matched = (
                f"SELECT DISTINCT patient_id FROM ({source}) WHERE value = {self.param(value)}"
            )
        else:
            op = "=" if node.op == "!=" else node.op
            matched = (
                f"SELECT DISTINCT patient_id FROM ({source}) WHERE value {op} {self.param(value)}"
            )
        return f"{present} EXCEPT {matched}" if node.op == "!=" else matched

    def literal(self, attribute, value, span, op: str):
        if attribute.kind == "number":
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise self.fail(
                        f"{attribute.name} is numeric: {value!r} is not a number", span
                    ) from None
            return float(value)
        if attribute.kind == "boolean":
            key = str(value).lower() if not isinstance(value, float | int) else str(int(value))
            if key not in TRUE_WORDS:
                raise self.fail(f"{attribute.name} is true/false: {value!r} is neither", span)
            return TRUE_WORDS[key]
        if isinstance(value, float | int):
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        return str(value).lower()

    # -- events: genotype and treatment ----------------------------------------------------
    def events(self, node: Alteration | Treatment) -> str:
        """SQL of the node's dated events: patient_id, day, stop_day."""
        if isinstance(node, Treatment):
            line = f" AND line = {self.param(node.line)}" if node.line is not None else ""
            return (
                "SELECT patient_id, start_day AS day, stop_day FROM treatments "
                f"WHERE lower(drug) = {self.param(node.drug.lower())}{line}"
            )
        gene = self.param(node.gene)
        if node.kind == "mutated":
            conditions = [f"c.gene = {gene}"]
            if node.consequence is None:
                conditions.append(COUNTED_CLASSES)
            elif node.consequence != "any":
                conditions.append(
                    f"c.variant_class IN {sql_in_list(CONSEQUENCE_CLASSES[node.consequence])}"
                )
            if node.protein_change is not None:
                conditions.append(
                    f"regexp_matches(c.protein_change, {self.param(protein_pattern(node.protein_change))})"
                )
            if node.origin is not None:
                conditions.append(f"c.origin = {self.param(node.origin)}")
            if node.tier is not None:
                if not has_interpretations(self.con):
                    raise self.fail(NO_INTERPRETATIONS, node.qualifier_span or node.span)
                conditions.append(f"c.tier = {self.param(TIER_NAMES[node.tier])}")
                source = tiered_mutation_rows(" AND ".join(conditions))
            else:
                source = mutation_rows(" AND ".join(conditions))
        elif node.kind == "amplified":
            source = cna_rows(f"c.gene = {gene} AND c.value >= 2")
        elif node.kind == "deleted":
            source = cna_rows(f"c.gene = {gene} AND c.value <= -2")
        elif node.kind == "fusion":
            partner = f" AND v.partner = {self.param(node.partner)}" if node.partner else ""
            source = sv_rows(f"v.gene = {gene}{partner}")
        elif node.kind == "profiled":
            prepare(self.con)
            profiles = (node.profile,) if node.profile else PROFILES
            union = " UNION ALL ".join(sample_panels(p) for p in profiles)
            return (
                "SELECT sp.patient_id, s.collection_day AS day, s.collection_day AS stop_day "
                f"FROM ({union}) sp JOIN samples s ON s.sample_id = sp.sample_id "
                f"WHERE sp.panel_id IS NULL OR sp.panel_id IN (SELECT panel_id FROM ({panel_genes()}) "
                f"WHERE gene = {gene})"
            )
        else:
            raise TypeError(node.kind)
        return f"SELECT patient_id, day, day AS stop_day FROM ({source})"

    def time_order(self, node: TimeOrder) -> str:
        left, right = self.events(node.left), self.events(node.right)
        if node.relation == "after":
            condition = "a.day > b.day"
        elif node.relation == "before":
            condition = "a.day < b.day"
        else:
            condition = "a.day >= b.day AND (b.stop_day IS NULL OR a.day <= b.stop_day)"
        return (
            f"SELECT DISTINCT a.patient_id FROM ({left}) a JOIN ({right}) b ON a.patient_id = b.patient_id "
            f"WHERE a.day IS NOT NULL AND b.day IS NOT NULL AND {condition}"
        )


def protein_pattern(change: str) -> str:
    """A regular expression for ``calls.protein_change``: ``G12`` (a position) matches any
    change there (G12D, G12V, G12fs); anything longer matches exactly. ``p.`` optional."""
    change = change[2:] if change.startswith("p.") else change
    escaped = re.escape(change)
    if re.fullmatch(r"[A-Z*][0-9]+", change):
        return rf"^(p\.)?{escaped}([^0-9]|$)"
    return rf"^(p\.)?{escaped}$"


def _resolve_names(con: duckdb.DuckDBPyConnection, node: Node) -> tuple[Node, list[str]]:
    """Match gene symbols case-insensitively to the workspace's spelling; warn about
    genes and drugs the workspace has never seen."""
    genes = sorted({n.gene for n in walk(node) if isinstance(n, Alteration)})
    drugs = sorted({n.drug for n in walk(node) if isinstance(n, Treatment)})
    warnings = []
    spelling: dict[str, str] = {}
    if genes:
        # interpreted calls name their gene even where the calls themselves carry none
        interpreted = (
            " UNION ALL SELECT gene FROM interpretations" if has_interpretations(con) else ""
        )
        known_sql = (
            "SELECT DISTINCT gene FROM (SELECT gene FROM gene_panels UNION ALL SELECT gene FROM cna "
            "UNION ALL SELECT gene1 FROM structural_variants UNION ALL SELECT gene2 FROM structural_variants"
            f"{interpreted} UNION ALL SELECT gene FROM gene_calls WHERE gene IN (SELECT unnest($g::VARCHAR[]))) "
            "WHERE upper(gene) IN (SELECT upper(unnest($g::VARCHAR[])))"
        )
        known = [r[0] for r in con.execute(known_sql, {"g": genes}).fetchall()]
        exact = set(known)
        upper = {g.upper(): g for g in known}
        for gene in genes:
            if gene in exact:
                continue
            if gene.upper() in upper:
                spelling[gene] = upper[gene.upper()]
                continue
            alias = con.execute(
                "SELECT any_value(gene) FROM gene_calls WHERE upper(gene) = $g", {"g": gene.upper()}
            ).fetchone()[0]
            if alias is not None:
                spelling[gene] = alias
            else:
                warnings.append(
                    f"gene {gene} has no calls, copy-number or structural variants in this workspace"
                )
    if drugs:
        known_drugs = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT lower(drug) FROM treatments WHERE lower(drug) IN (SELECT unnest($d::VARCHAR[]))",
                {"d": drugs},
            ).fetchall()
        }
        warnings.extend(
            f"no patient in this workspace was treated with {d}"
            for d in drugs
            if d not in known_drugs
        )
    if spelling:
        node = _respell(node, spelling)
    return node, warnings


def _respell(node: Node, spelling: dict[str, str]) -> Node:
    from dataclasses import replace

    if isinstance(node, Alteration):
        return replace(
            node,
            gene=spelling.get(node.gene, node.gene),
            partner=spelling.get(node.partner, node.partner) if node.partner else None,
        )
    if isinstance(node, And | Or):
        return replace(node, items=tuple(_respell(i, spelling) for i in node.items))
    if isinstance(node, Not):
        return replace(node, item=_respell(node.item, spelling))
    if isinstance(node, TimeOrder):
        return replace(
            node, left=_respell(node.left, spelling), right=_respell(node.right, spelling)
        )
    return node


def compile_definition(
    con: duckdb.DuckDBPyConnection,
    definition: str | dict | Node,
    members_of: Callable[[str], list[str] | None] | None = None,
) -> tuple[str, dict, Node, list[str]]:
    """(SQL, parameters, resolved node, warnings) selecting the definition's patient ids."""
    text = (
        definition
        if isinstance(definition, str) and not definition.lstrip().startswith("{")
        else None
    )
    node = parse_definition(definition)
    if not con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'gene_calls'"
    ).fetchall()[0][0]:
        create_gene_calls(con)
    node, warnings = _resolve_names(con, node)
    compiler = _Compiler(con, text, members_of)
    inner = compiler.compile(node)
    sql = (
        f"SELECT DISTINCT q.patient_id FROM ({inner}) q "
        "WHERE q.patient_id IN (SELECT patient_id FROM patients) ORDER BY 1"
    )
    return sql, compiler.params, node, warnings


def select_patients(
    con: duckdb.DuckDBPyConnection,
    definition: str | dict | Node,
    members_of: Callable[[str], list[str] | None] | None = None,
) -> Selection:
    """The patients of ``definition`` on the tables ``con`` sees (sorted ids)."""
    sql, params, node, warnings = compile_definition(con, definition, members_of)
    try:
        rows = con.execute(sql, params).fetchnumpy()["patient_id"]
    except duckdb.Error as error:  # a bug here, not bad input: keep the SQL for the report
        raise RuntimeError(f"cohort query failed: {error}\n{sql}") from error
    ids = rows.tolist() if hasattr(rows, "tolist") else list(rows)
    return Selection(node, ids, warnings, sql)
