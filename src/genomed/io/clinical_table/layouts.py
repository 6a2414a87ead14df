"""The file layouts a KIND may come in, each turned into :class:`Block` s of string columns.

genomed's own layout is one row per record; cBioPortal's timeline file (treatments) keeps
only ``EVENT_TYPE = TREATMENT`` rows, and its wide ``data_clinical_patient.txt``
(outcomes) gives one block per survival endpoint. Whatever the layout, the value checks
then see the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.clinical_table.contracts import Contract
from genomed.io.clinical_table.raw_table import RawTable, column_key
from genomed.io.clinical_table.values import to_mask, trimmed
from genomed.io.clinical_table.vocabularies import NULL_VALUES, TREATMENT_TYPES

#: cBioPortal timeline columns read for ``treatments`` (lower-case header -> role).
TIMELINE_COLUMNS = {
    "patient_id": "patient_id",
    "start_date": "start_day",
    "stop_date": "stop_day",
    "agent": "drug",
    "line_of_treatment": "line",
}


@dataclass
class Block:
    """Rows shaped like a contract: target column -> (name in the file, strings)."""

    columns: dict[str, tuple[str, pa.Array]]
    records: np.ndarray  # record index in the file of every row
    constants: dict[str, str] = field(default_factory=dict)


def _missing_columns(raw: RawTable, needed: list[str], have: set[str], kind: str, fmt: str) -> None:
    """Raise, naming the header line, when a column of ``needed`` is not in ``have``."""
    missing = [n for n in needed if n not in have]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} for {kind}"
            + (f" ({fmt})" if fmt != "genomed" else ""),
            path=str(raw.path),
            line=raw.header_line,
            field=missing[0],
            expected="columns " + ", ".join(needed) + " (see docs/clinical-tables.md)",
        )


def native_block(raw: RawTable, contract: Contract) -> tuple[Block, list[str]]:
    """genomed's layout: each contract column found by name or alias; returns the block and
    the columns not read (listed in the ingest report)."""
    by_key = {column_key(n): n for n in raw.names}
    columns: dict[str, tuple[str, pa.Array]] = {}
    used: set[str] = set()
    for column in contract.columns:
        for key in (column.name, *column.aliases):
            if key in by_key:
                name = by_key[key]
                columns[column.name] = (name, raw.table.column(name).combine_chunks())
                used.add(name)
                break
    needed = [c.name for c in contract.columns if c.required or c.in_header]
    _missing_columns(raw, needed, set(columns), contract.kind, "genomed")
    if contract.one_of and not any(t in columns for t in contract.one_of):
        _missing_columns(raw, [" or ".join(contract.one_of)], set(), contract.kind, "genomed")
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return Block(columns, np.arange(raw.table.num_rows)), ignored


def timeline_block(
    raw: RawTable, skipped: dict[str, int], unmapped: dict[str, int]
) -> tuple[Block, list[str]]:
    """cBioPortal timeline rows with ``EVENT_TYPE = TREATMENT`` as a treatments block.

    Other event types are counted in ``skipped``. SUBTYPE, else TREATMENT_TYPE, gives the
    treatment type; texts that name none (other than Medical Therapy) are read as ``other``
    and counted in ``unmapped``.
    """
    by_key = {column_key(n): n for n in raw.names}
    needed = ["patient_id", "start_date", "event_type"]
    _missing_columns(raw, needed, set(by_key), "treatments", "cBioPortal timeline")
    event = pc.utf8_upper(
        pc.utf8_trim_whitespace(raw.table.column(by_key["event_type"]).combine_chunks())
    )
    is_treatment = to_mask(pc.equal(event, "TREATMENT"))
    for value, count in zip(
        *np.unique(
            np.asarray(event.to_pylist(), dtype=object)[~is_treatment].astype(str),
            return_counts=True,
        ),
        strict=True,
    ):
        skipped[f"timeline rows with EVENT_TYPE {value or '(empty)'}"] = int(count)
    rows = np.flatnonzero(is_treatment)
    take = pa.array(rows)
    columns: dict[str, tuple[str, pa.Array]] = {}
    used = {by_key["event_type"]}
    for key, target in TIMELINE_COLUMNS.items():
        if key in by_key:
            name = by_key[key]
            columns[target] = (name, raw.table.column(name).combine_chunks().take(take))
            used.add(name)
    if "drug" not in columns:
        columns["drug"] = ("AGENT", pa.array([""] * len(rows), pa.string()))

    # treatment_type: SUBTYPE when it is a known type, else TREATMENT_TYPE when it is
    # (Radiation Therapy -> radiation; Medical Therapy alone says nothing more); any
    # other text -> other, counted in the report.
    def texts(key: str) -> list[str]:
        """Trimmed texts of column ``key`` on the treatment rows ('' when empty or absent)."""
        if key not in by_key:
            return [""] * len(rows)
        used.add(by_key[key])
        values = raw.table.column(by_key[key]).combine_chunks().take(take).to_pylist()
        return [("" if (v or "").strip().lower() in NULL_VALUES else v.strip()) for v in values]

    kinds: list[str | None] = []
    for subtype, general in zip(texts("subtype"), texts("treatment_type"), strict=True):
        kind = TREATMENT_TYPES.get(subtype.lower()) or TREATMENT_TYPES.get(general.lower())
        if kind is None:
            unknown = [t for t in (subtype, general) if t and t.lower() != "medical therapy"]
            if unknown:
                kind = "other"
                for text in unknown:
                    unmapped[text] = unmapped.get(text, 0) + 1
        kinds.append(kind)
    columns["treatment_type"] = ("SUBTYPE/TREATMENT_TYPE", pa.array(kinds, pa.string()))
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return Block(columns, rows), ignored


def wide_outcome_blocks(raw: RawTable, skipped: dict[str, int]) -> tuple[list[Block], list[str]]:
    """cBioPortal wide outcomes: one block per endpoint (``OS_MONTHS``/``OS_STATUS``...).

    Patients with neither value for an endpoint are left out of its block and counted in
    ``skipped``; a value in only one of the pair is an error the value checks report.
    """
    by_key = {column_key(n): n for n in raw.names}
    if "patient_id" not in by_key:
        _missing_columns(raw, ["patient_id"], set(), "outcomes", "cBioPortal wide")
    patient = raw.table.column(by_key["patient_id"]).combine_chunks()
    blocks = []
    used = {by_key["patient_id"]}
    for endpoint in ("os", "pfs", "dfs", "dss"):
        months_key, status_key = f"{endpoint}_months", f"{endpoint}_status"
        if months_key not in by_key and status_key not in by_key:
            continue
        _missing_columns(
            raw,
            [months_key.upper(), status_key.upper()],
            {k.upper() for k in by_key},
            "outcomes",
            "cBioPortal wide",
        )
        months = raw.table.column(by_key[months_key]).combine_chunks()
        status = raw.table.column(by_key[status_key]).combine_chunks()
        used |= {by_key[months_key], by_key[status_key]}
        _, months_missing = trimmed(months)
        _, status_missing = trimmed(status)
        both = months_missing & status_missing
        if both.any():
            skipped[f"patients without {endpoint.upper()}"] = int(both.sum())
        rows = np.flatnonzero(~both)
        take = pa.array(rows)
        blocks.append(
            Block(
                {
                    "patient_id": (by_key["patient_id"], patient.take(take)),
                    "months": (by_key[months_key], months.take(take)),
                    "event": (by_key[status_key], status.take(take)),
                },
                rows,
                constants={"endpoint": endpoint},
            )
        )
    ignored = [n for n in raw.names if n not in used and not n.startswith("_unnamed_")]
    return blocks, ignored
