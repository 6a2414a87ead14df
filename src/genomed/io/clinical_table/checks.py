"""Checking blocks against their contract: values per column, rules across columns, unique
keys; and raising the first problem in file order.

Problems are collected (record index, column, message, expected) rather than raised at
once, so the error names the earliest bad line however the blocks were split.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.clinical_table.contracts import Contract
from genomed.io.clinical_table.layouts import Block
from genomed.io.clinical_table.raw_table import RawTable
from genomed.io.clinical_table.values import convert, first_index, to_mask, trimmed
from genomed.io.clinical_table.vocabularies import DRUGLESS_TREATMENTS


@dataclass
class Problem:
    """One bad value or row, kept until all blocks are checked so the earliest can be raised.

    ``record`` is the record index in the file (not the line: lines are looked up only for
    the problem reported); ``message`` may hold ``{line:N}`` for "the line of record N".
    """

    record: int
    column: str
    message: str
    expected: str


def validate_block(contract: Contract, block: Block) -> tuple[dict[str, pa.Array], list[Problem]]:
    """Type every contract column of ``block``; return the values and the first problem of
    each column (an empty required value, then a value that does not fit its type)."""
    out: dict[str, pa.Array] = {}
    problems: list[Problem] = []
    n = len(block.records)
    for column in contract.columns:
        if column.name in block.constants:
            out[column.name] = pa.array([block.constants[column.name]] * n, pa.string())
            continue
        if column.name not in block.columns:
            continue
        display, strings = block.columns[column.name]
        text, missing = trimmed(strings)
        if column.required:
            row = first_index(missing)
            if row is not None:
                problems.append(
                    Problem(int(block.records[row]), display, "empty value", column.expected())
                )
        values, bad = convert(column, text, missing)
        row = first_index(bad)
        if row is not None:
            value = text[row].as_py()
            problems.append(
                Problem(
                    int(block.records[row]),
                    display,
                    f"invalid value {value!r} ({int(bad.sum())} invalid in this column)"
                    if bad.sum() > 1
                    else f"invalid value {value!r}",
                    column.expected(),
                )
            )
        out[column.name] = values
    return out, problems


def row_problems(contract: Contract, block: Block, values: dict[str, pa.Array]) -> list[Problem]:
    """Rules across columns: a drug unless radiation/surgery; stop >= start; one_of."""
    problems = []
    records = block.records

    def name(target: str) -> str:
        """The column as the file spells it (errors quote the user's header)."""
        return block.columns.get(target, (target, None))[0]

    def null(target: str) -> np.ndarray:
        """Rows where the typed column ``target`` has no value."""
        return to_mask(values[target].is_null())

    if contract.kind == "treatments":
        kinds = values.get("treatment_type")
        drugless = (
            to_mask(pc.is_in(kinds, pa.array(sorted(DRUGLESS_TREATMENTS))))
            if kinds is not None
            else np.zeros(len(records), bool)
        )
        row = first_index(null("drug") & ~drugless)
        if row is not None:
            problems.append(
                Problem(
                    int(records[row]),
                    name("drug"),
                    "empty drug",
                    "a drug name (it may be empty only when treatment_type is radiation or surgery)",
                )
            )
        if "start_day" in values and "stop_day" in values:
            before = pc.less(values["stop_day"], values["start_day"]).fill_null(False)
            row = first_index(to_mask(before))
            if row is not None:
                problems.append(
                    Problem(
                        int(records[row]),
                        name("stop_day"),
                        f"stop day {values['stop_day'][row].as_py()} is before start day "
                        f"{values['start_day'][row].as_py()}",
                        "stop_day >= start_day",
                    )
                )
    if contract.one_of:
        empty = np.ones(len(records), bool)
        for target in contract.one_of:
            if target in values:
                empty &= null(target)
        row = first_index(empty)
        if row is not None:
            problems.append(
                Problem(
                    int(records[row]),
                    "/".join(name(t) for t in contract.one_of),
                    "no " + " or ".join(contract.one_of),
                    "a value in at least one of " + ", ".join(contract.one_of),
                )
            )
    return problems


def unique_problem(
    contract: Contract,
    values: dict[str, pa.Array],
    records: np.ndarray,
    names: Callable[[str], str],
) -> Problem | None:
    """The first row that repeats the contract's ``unique`` key (e.g. one OS per patient).

    Checked after all blocks are merged and sorted, since the wide outcome layout spreads
    one patient's endpoints over several blocks.
    """
    if not contract.unique:
        return None
    seen: dict[tuple, int] = {}
    keys = zip(*(values[c].to_pylist() for c in contract.unique), strict=True)
    for row, key in enumerate(keys):
        if key in seen:
            return Problem(
                int(records[row]),
                names(contract.unique[-1]),
                f"{' / '.join(str(k) for k in key)} repeats the row on line {{line:{int(records[seen[key]])}}}",
                "one row per " + " and ".join(contract.unique),
            )
        seen[key] = row
    return None


def raise_first_problem(raw: RawTable, problems: list[Problem]) -> NoReturn:
    """Raise the problem earliest in the file, with its record index turned into a line."""
    problem = min(problems, key=lambda p: p.record)
    message = re.sub(
        r"\{line:(\d+)\}", lambda m: str(raw.line_of(int(m.group(1)))), problem.message
    )
    raise InputError(
        message,
        path=str(raw.path),
        line=raw.line_of(problem.record),
        field=problem.column,
        expected=problem.expected,
    )
