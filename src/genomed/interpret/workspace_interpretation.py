"""``genomed interpret workspace``: interpret workspace samples and keep the results in
the ``interpretations`` table (columns documented in :mod:`genomed.store.schema`), so
cohorts can select by AMP/ASCO/CAP tier (``mutated(KRAS, tier1)``).

Which samples. By default every tumour sample (``samples.kind = 'tumor'``); ``samples``
names others. A tumour sample is interpreted with
:func:`~genomed.interpret.somatic.interpret_somatic` for the OncoTree code given
(``tumor_type``) or else its own ``samples.tumor_type``; a tumour sample with neither, or
with a code the knowledge bundle does not list, is skipped and the reason reported. A
germline or normal sample named in ``samples`` is classified with
:func:`~genomed.interpret.germline.interpret_germline` (ACMG/AMP class, no tier).

Batches. Samples are read ``batch`` at a time with
:func:`~genomed.interpret.workspace_input.load_workspace_samples` (one query per table,
each distinct variant annotated once) and then interpreted one by one, so the rows do not
depend on the batch size.

What is written. One row per call of the sample (every tier, IV included) and per
copy-number or fusion event the somatic interpretation kept, with the tier split into
``tier`` (I..IV) and ``tier_level`` (A..D), the oncogenicity class, the knowledge bundle
id, the annotation source and the Delta versions of the input tables read.

Idempotent and crash-safe. Samples are interpreted outside the workspace lock, then
written ``chunk`` samples at a time in one workspace transaction each: the sample's
earlier rows for the same knowledge bundle are deleted and the new ones appended in the
same commit, so a second run leaves the same rows and a crash leaves each sample either
at its old rows or its new ones. Rows made with other knowledge bundles stay; cohort
selection reads each sample's most recent interpretation
(:func:`latest_interpretations_sql`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from genomed import __version__
from genomed.errors import InputError
from genomed.interpret.amp_tiers import TIER_ORDER
from genomed.interpret.workspace_input import (
    SampleNotFound,
    WorkspaceSample,
    load_workspace_samples,
)
from genomed.knowledge.bundle import KnowledgeBundle
from genomed.knowledge.oncotree import UnknownTumorType
from genomed.store.schema import conform
from genomed.store.workspace import Workspace

TABLE = "interpretations"
GERMLINE_KINDS = ("germline", "normal")
#: samples interpreted before each workspace commit
CHUNK = 50
#: samples loaded (one query per table) and annotated (each distinct variant once) together
BATCH = 50
#: the ``tier`` column's values; the level (A..D) is ``tier_level``
TIERS = ("I", "II", "III", "IV")

#: ``(sample_id, done, total)`` after each sample
Progress = Callable[[str, int, int], None]


@dataclass
class SampleInterpretation:
    """What happened to one sample: ``status`` interpreted | skipped (with ``reason``)."""

    sample_id: str
    kind: str | None
    status: str
    tumor_type: str | None = None
    reason: str | None = None
    rows: int = 0
    tiers: dict[str, int] = field(default_factory=dict)  # I..IV -> rows (somatic)
    classes: dict[str, int] = field(default_factory=dict)  # ACMG class -> rows (germline)


@dataclass
class WorkspaceInterpretation:
    """The result of :func:`interpret_workspace`."""

    workspace: str
    knowledge: str
    batch_id: str
    samples: list[SampleInterpretation]
    table_version: int | None = None  # Delta version of ``interpretations`` after the run

    @property
    def interpreted(self) -> list[SampleInterpretation]:
        return [s for s in self.samples if s.status == "interpreted"]

    @property
    def skipped(self) -> list[SampleInterpretation]:
        return [s for s in self.samples if s.status == "skipped"]

    def tier_counts(self) -> dict[str, int]:
        """Rows per tier (I..IV) over every interpreted sample."""
        counts = {t: 0 for t in TIERS}
        for s in self.interpreted:
            for tier, n in s.tiers.items():
                counts[tier] += n
        return counts

    def to_dict(self) -> dict:
        return {
            "workspace": self.workspace,
            "knowledge": self.knowledge,
            "batch_id": self.batch_id,
            "table_version": self.table_version,
            "interpreted": len(self.interpreted),
            "skipped": len(self.skipped),
            "tiers": self.tier_counts(),
            "samples": [s.__dict__ for s in self.samples],
        }


def split_tier(tier: str) -> tuple[str, str | None]:
    """``"I-A"`` -> ``("I", "A")``; ``"III"`` -> ``("III", None)``."""
    name, _, level = tier.partition("-")
    return name, level or None


def interpret_workspace(
    workspace: str | Path | Workspace,
    samples: list[str] | None = None,
    *,
    tumor_type: str | None = None,
    knowledge: KnowledgeBundle | str | Path | None = None,
    reference: str | Path | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    batch: int = BATCH,
) -> WorkspaceInterpretation:
    """Interpret samples of ``workspace`` into its ``interpretations`` table (see the
    module docstring). ``samples``: sample ids (default: every tumour sample);
    ``tumor_type``: an OncoTree code used instead of each sample's own.

    Raises :class:`~genomed.interpret.workspace_input.SampleNotFound` for an unknown
    sample id and :class:`~genomed.knowledge.oncotree.UnknownTumorType` for an unknown
    ``tumor_type``, before anything is interpreted or written.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    kb = knowledge if isinstance(knowledge, KnowledgeBundle) else KnowledgeBundle.open(knowledge)
    if kb.build != ws.build:
        raise InputError(
            f"knowledge bundle {kb.id} is {kb.build} but workspace {ws.path} is {ws.build}"
        )
    code = kb.tumor_types.check(tumor_type) if tumor_type else None
    chosen = _choose_samples(ws, samples)
    run = WorkspaceInterpretation(str(ws.path), kb.id, "i" + uuid.uuid4().hex[:15], [])
    at = datetime.now(UTC)
    pending: list[tuple[str, pa.Table]] = []
    done, batch = 0, max(batch, 1)
    for start in range(0, len(chosen), batch):
        part = [(s, kind, code or own_type) for s, kind, own_type in chosen[start : start + batch]]
        loaded = load_workspace_samples(
            ws, [s for s, kind, t in part if _needs_calls(kb, kind, t)], reference
        )
        for sample_id, kind, sample_type in part:
            outcome, rows = _interpret_one(
                kb, sample_id, kind, sample_type, loaded.get(sample_id), reference
            )
            run.samples.append(outcome)
            if rows is not None:
                pending.append((sample_id, _provenance(rows, kb, run.batch_id, at)))
            if len(pending) >= chunk:
                _write(ws, kb.id, pending)
                pending = []
            done += 1
            if progress is not None:
                progress(sample_id, done, len(chosen))
    if pending:
        _write(ws, kb.id, pending)
    run.table_version = ws.versions().get(TABLE)
    return run


def _choose_samples(ws: Workspace, samples: list[str] | None) -> list[tuple[str, str, str]]:
    """(sample_id, kind, tumor_type) of the named samples, or of every tumour sample."""
    con = ws.connect(tables=["samples"])
    try:
        rows = con.execute(
            "SELECT sample_id, any_value(kind), any_value(tumor_type) FROM samples "
            "GROUP BY sample_id ORDER BY sample_id"
        ).fetchall()
    finally:
        con.close()
    if not samples:
        return [r for r in rows if r[1] == "tumor"]
    known = {r[0]: r for r in rows}
    missing = [s for s in samples if s not in known]
    if missing:
        listed = ", ".join(list(known)[:20]) or "none"
        raise SampleNotFound(
            f"no sample {', '.join(repr(s) for s in missing)} in workspace {ws.path} "
            f"(samples: {listed})"
        )
    return [known[s] for s in dict.fromkeys(samples)]


def _needs_calls(kb: KnowledgeBundle, kind: str | None, tumor_type: str | None) -> bool:
    """Whether the sample will be interpreted (so its calls must be loaded), not skipped."""
    if kind in GERMLINE_KINDS:
        return True
    if not tumor_type:
        return False
    try:
        kb.tumor_types.check(tumor_type)
    except UnknownTumorType:
        return False
    return True


def _interpret_one(
    kb: KnowledgeBundle,
    sample_id: str,
    kind: str | None,
    tumor_type: str | None,
    sample: WorkspaceSample | None,
    reference,
) -> tuple[SampleInterpretation, pa.Table | None]:
    """Interpret one loaded sample (``sample`` is None for a sample that will be skipped)."""
    if kind in GERMLINE_KINDS:
        from genomed.interpret.germline import interpret_germline

        result = interpret_germline(
            variants=sample.variants, knowledge=kb, reference=reference, sample_id=sample_id
        )
        rows = germline_rows(sample_id, result.variants)
        outcome = SampleInterpretation(
            sample_id, kind, "interpreted", rows=rows.num_rows, classes=result.class_counts
        )
        return outcome, _with_inputs(rows, sample.table_versions)
    if not tumor_type:
        reason = (
            f"sample {sample_id} has no tumour type in the samples table: "
            "give one with --tumor-type (or ingest it with one)"
        )
        return SampleInterpretation(sample_id, kind, "skipped", reason=reason), None
    try:
        code = kb.tumor_types.check(tumor_type)
    except UnknownTumorType as error:
        return SampleInterpretation(sample_id, kind, "skipped", tumor_type, str(error)), None
    from genomed.interpret.somatic import interpret_somatic

    result = interpret_somatic(
        variants=sample.variants,
        tumor_type=code,
        knowledge=kb,
        reference=reference,
        cna=sample.cna or None,
        fusions=sample.fusions or None,
        sample_id=sample_id,
    )
    rows = somatic_rows(sample_id, code, result.variants, result.events)
    tiers = {t: 0 for t in TIERS}
    for tier in rows.column("tier").to_pylist():
        tiers[tier] += 1
    outcome = SampleInterpretation(
        sample_id, kind, "interpreted", code, rows=rows.num_rows, tiers=tiers
    )
    rows = rows.append_column(
        "annotation_source",
        pa.array([result.provenance["annotation"]] * rows.num_rows, pa.string()),
    )
    return outcome, _with_inputs(rows, sample.table_versions)


def _protein(change: str | None) -> str | None:
    return change[2:] if change and change.startswith("p.") else change


def somatic_rows(
    sample_id: str, tumor_type: str, variants: list[dict], events: list[dict]
) -> pa.Table:
    """``interpretations`` columns of a somatic result's variant and event rows (without
    the provenance columns)."""
    tiers = [split_tier(r["tier"]) for r in variants + events]
    for r in variants + events:
        if r["tier"] not in TIER_ORDER:
            raise ValueError(f"unexpected tier {r['tier']!r}")
    n_variants = len(variants)
    alteration = ["mutation"] * n_variants + [
        {"amplification": "amplification", "deletion": "deletion"}.get(e["kind"], e["kind"])
        for e in events
    ]
    return pa.table(
        {
            "sample_id": [sample_id] * (n_variants + len(events)),
            "variant_key": [r["variant_key"] for r in variants] + [None] * len(events),
            "alteration": alteration,
            "chrom": [r["chrom"] for r in variants] + [None] * len(events),
            "pos": [r["pos"] for r in variants] + [None] * len(events),
            "gene": [r["gene"] for r in variants + events],
            "protein_change": [_protein(r["protein_change"]) for r in variants]
            + [None] * len(events),
            "consequence": [r["consequence"] for r in variants] + [None] * len(events),
            "tier": [t for t, _ in tiers],
            "tier_level": [level for _, level in tiers],
            "tier_reason": [r["tier_reason"] for r in variants + events],
            "tier_evidence_ids": [list(r["tier_evidence_ids"]) for r in variants + events],
            "oncogenicity": [r["oncogenicity"] for r in variants] + [None] * len(events),
            "origin": ["somatic"] * (n_variants + len(events)),
            "tumor_type": [tumor_type] * (n_variants + len(events)),
        }
    )


def germline_rows(sample_id: str, variants: list[dict]) -> pa.Table:
    """``interpretations`` columns of a germline result's rows (ACMG class, no tier)."""
    n = len(variants)
    return pa.table(
        {
            "sample_id": [sample_id] * n,
            "variant_key": pa.array([r["variant_key"] for r in variants], pa.int64()),
            "alteration": ["mutation"] * n,
            "chrom": pa.array([r["chrom"] for r in variants], pa.string()),
            "pos": pa.array([r["pos"] for r in variants], pa.int32()),
            "gene": pa.array([r["gene"] for r in variants], pa.string()),
            "protein_change": pa.array(
                [_protein(r["protein_change"]) for r in variants], pa.string()
            ),
            "consequence": pa.array([r["consequence"] for r in variants], pa.string()),
            "acmg_class": pa.array([r["acmg_class"] for r in variants], pa.string()),
            "origin": ["germline"] * n,
            "annotation_source": pa.array([r["annotation_source"] for r in variants], pa.string()),
        }
    )


def _with_inputs(rows: pa.Table, table_versions: dict[str, int]) -> pa.Table:
    text = json.dumps(dict(sorted(table_versions.items())))
    return rows.append_column("table_versions", pa.array([text] * rows.num_rows, pa.string()))


def _provenance(rows: pa.Table, kb: KnowledgeBundle, batch_id: str, at: datetime) -> pa.Table:
    """The rows as an ``interpretations`` table, with the run's provenance columns."""
    n = rows.num_rows
    columns = {name: rows.column(name) for name in rows.column_names}
    annotation = columns.pop("annotation_source", None)
    columns |= {
        "annotation": annotation if annotation is not None else pa.nulls(n, pa.string()),
        "knowledge": pa.array([kb.id] * n, pa.string()),
        "genomed_version": pa.array([__version__] * n, pa.string()),
        "interpreted_at": pa.array([at] * n, pa.timestamp("us", tz="UTC")),
        "batch_id": pa.array([batch_id] * n, pa.string()),
    }
    return conform(TABLE, columns)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write(ws: Workspace, knowledge_id: str, pending: list[tuple[str, pa.Table]]) -> None:
    """Replace the rows of the ``pending`` samples for this knowledge bundle, in one commit."""
    ids = ", ".join(_quote(sample_id) for sample_id, _ in pending)
    with ws.transaction() as tx:
        tx.delete(TABLE, f"knowledge = {_quote(knowledge_id)} AND sample_id IN ({ids})")
        for _, rows in pending:
            tx.append(TABLE, rows)


def latest_interpretations_sql() -> str:
    """SQL of the ``interpretations`` rows of each sample's most recent run (the rows of
    one knowledge bundle per sample, whichever was interpreted last)."""
    return (
        "SELECT i.* FROM interpretations i JOIN (SELECT sample_id, "
        "arg_max(batch_id, interpreted_at) AS batch_id FROM interpretations GROUP BY sample_id) "
        "latest ON latest.sample_id = i.sample_id AND latest.batch_id = i.batch_id"
    )


def read_interpretations(workspace: str | Path | Workspace, sample_id: str | None = None):
    """The most recent interpretation rows (of one sample, or all) as a pandas DataFrame,
    ordered by sample, tier and gene."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    con = ws.connect(tables=[TABLE])
    try:
        where = "WHERE sample_id = $s" if sample_id is not None else ""
        return con.execute(
            f"SELECT * FROM ({latest_interpretations_sql()}) {where} "
            "ORDER BY sample_id, tier, tier_level, gene, variant_key",
            {"s": sample_id} if sample_id is not None else {},
        ).df()
    finally:
        con.close()
