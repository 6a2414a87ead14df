"""The reader: :func:`read_clinical_table` picks the layout, checks every value and returns
a :class:`ClinicalTable` in the columns of its workspace table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.clinical_table.checks import (
    Problem,
    raise_first_problem,
    row_problems,
    unique_problem,
    validate_block,
)
from genomed.io.clinical_table.contracts import CONTRACTS, Contract
from genomed.io.clinical_table.layouts import native_block, timeline_block, wide_outcome_blocks
from genomed.io.clinical_table.raw_table import RawTable, column_key, read_raw
from genomed.io.clinical_table.values import NUMBER


@dataclass
class ClinicalTable:
    """A validated clinical table: rows in the columns of workspace table ``contract.table``
    (without ``batch_id``), where each row came from, and what was left out."""

    kind: str
    path: Path
    format: str  # genomed | cbioportal-timeline | cbioportal-wide-outcomes
    table: pa.Table
    records: np.ndarray
    ignored_columns: list[str]
    skipped: dict[str, int]
    _raw: RawTable

    @property
    def contract(self) -> Contract:
        """The column contract of :attr:`kind`."""
        return CONTRACTS[self.kind]

    def line_of_row(self, row: int) -> int | None:
        """1-based line in the file where row ``row`` of :attr:`table` starts."""
        return self._raw.line_of(int(self.records[row]))

    def column_name(self, target: str) -> str:
        """How the file spells the column that fills workspace column ``target``."""
        for name in self._raw.names:
            if column_key(name) == target or column_key(name) in _aliases(self.contract, target):
                return name
        return target


def _aliases(contract: Contract, target: str) -> tuple[str, ...]:
    """Other header names the contract accepts for column ``target``."""
    for column in contract.columns:
        if column.name == target:
            return column.aliases
    return ()


def read_clinical_table(path: str | Path, kind: str) -> ClinicalTable:
    """Read and validate a clinical table of ``kind`` (a key of :data:`CONTRACTS`)."""
    path = Path(path)
    if kind not in CONTRACTS:
        raise InputError(
            f"unknown clinical table kind {kind!r}",
            field="KIND",
            expected="one of " + ", ".join(CONTRACTS),
        )
    contract = CONTRACTS[kind]
    raw = read_raw(path)
    keys = {column_key(n) for n in raw.names}
    skipped: dict[str, int] = {}
    unmapped: dict[str, int] = {}
    if kind == "treatments" and {"start_date", "event_type"} <= keys:
        fmt = "cbioportal-timeline"
        block, ignored = timeline_block(raw, skipped, unmapped)
        blocks = [block]
    elif kind == "outcomes" and "endpoint" not in keys and any(k.endswith("_months") for k in keys):
        fmt = "cbioportal-wide-outcomes"
        blocks, ignored = wide_outcome_blocks(raw, skipped)
    else:
        fmt = "genomed"
        block, ignored = native_block(raw, contract)
        blocks = [block]
    problems: list[Problem] = []
    parts: list[dict[str, pa.Array]] = []
    for block in blocks:
        values, found = validate_block(contract, block)
        problems += found
        if not found:
            problems += row_problems(contract, block, values)
        parts.append(values)
    if problems:
        raise_first_problem(raw, problems)
    records = np.concatenate([b.records for b in blocks]) if blocks else np.zeros(0, np.int64)
    targets = [c.name for c in contract.columns if any(c.name in p for p in parts)]
    merged = {
        t: pa.concat_arrays([p[t] for p in parts]) if parts else pa.array([], pa.string())
        for t in targets
    }
    order = np.argsort(records, kind="stable")
    merged = {t: v.take(pa.array(order)) for t, v in merged.items()}
    records = records[order]
    display = {t: b.columns[t][0] for b in blocks for t in b.columns}
    problem = unique_problem(contract, merged, records, lambda t: display.get(t, t))
    if problem:
        raise_first_problem(raw, [problem])
    table = _to_workspace(contract, merged)
    if unmapped:
        skipped["timeline treatment types read as other: " + ", ".join(sorted(unmapped))] = sum(
            unmapped.values()
        )
    return ClinicalTable(kind, path, fmt, table, records, ignored, skipped, raw)


def _to_workspace(contract: Contract, values: dict[str, pa.Array]) -> pa.Table:
    """Map contract columns to the columns of the workspace table."""
    columns = dict(values)
    if contract.kind == "observations":
        text = columns.pop("value")
        fits = pc.match_substring_regex(text, NUMBER).fill_null(False)
        numbers = pc.cast(pc.if_else(fits, text, pa.scalar(None, pa.string())), pa.float64())
        columns["value_number"] = numbers
        columns["value_string"] = pc.if_else(fits, pa.scalar(None, pa.string()), text)
    casts = {"integer": pa.int32(), "number": pa.float64(), "event": pa.bool_()}
    for column in contract.columns:
        if column.name in columns and column.type in casts:
            columns[column.name] = columns[column.name].cast(casts[column.type])
    return pa.table(columns)
