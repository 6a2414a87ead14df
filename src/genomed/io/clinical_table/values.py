"""Parsing cell values by column type (see :class:`~.contracts.Column`), vectorised.

Each function works on a whole Arrow column at once and returns the typed values with a
NumPy mask of the cells that do not fit, so a file of any size costs a few array passes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.io.clinical_table.contracts import Column
from genomed.io.clinical_table.vocabularies import EVENTS, NULL_VALUES

#: Value patterns (pyarrow regex syntax) of the ``integer``, ``number``, ``curie`` and
#: ``oncotree`` column types; NUMBER also splits observation values into number / text.
_INTEGER = r"^[+-]?\d+(\.0*)?$"
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_CURIE = r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$"
_ONCOTREE = r"^[A-Z0-9][A-Z0-9_./-]*$"
_INT32 = 2**31 - 1


def trimmed(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Trimmed strings and a mask of missing values (see :data:`NULL_VALUES`)."""
    text = pc.utf8_trim_whitespace(values.fill_null(""))
    missing = pc.is_in(pc.utf8_lower(text), value_set=pa.array(NULL_VALUES))
    return text, to_mask(missing)


def to_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow column as a NumPy mask."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def first_index(mask: np.ndarray) -> int | None:
    """Index of the first True in ``mask`` (the first bad row), or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def convert(column: Column, text: pa.Array, missing: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Typed values (null where missing) and the mask of values that do not fit."""
    n = len(text)
    present = ~missing
    masked = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)
    if column.type in ("integer", "number"):
        pattern = _INTEGER if column.type == "integer" else NUMBER
        fits = to_mask(pc.match_substring_regex(text, pattern))
        bad = present & ~fits
        usable = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), masked)
        numbers = pc.cast(usable, pa.float64())
        values = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=float)
        with np.errstate(invalid="ignore"):
            if column.type == "integer":
                bad |= present & ~bad & (np.abs(values) > _INT32)
            if column.minimum is not None:
                bad |= present & ~bad & (values < column.minimum)
            if column.maximum is not None:
                bad |= present & ~bad & (values > column.maximum)
        if column.type == "integer":
            ints = np.where(present & ~bad, np.nan_to_num(values), 0).astype(np.int64)
            return pa.array(ints, pa.int64(), mask=~(present & ~bad)), bad
        return pa.array(
            np.where(present & ~bad, values, np.nan), pa.float64(), mask=~(present & ~bad)
        ), bad
    if column.type in ("code", "event"):
        codes = column.codes if column.type == "code" else EVENTS
        keys = pa.array(list(codes))
        lowered = pc.utf8_lower(text)
        index = pc.index_in(lowered, value_set=keys)
        stored = pa.array(
            list(codes.values()), pa.bool_() if column.type == "event" else pa.string()
        )
        values = pc.take(stored, index)
        found = to_mask(index.is_valid())
        if column.type == "event":
            digit = pc.extract_regex(lowered, r"^(?P<d>[01])\s*:")
            has_digit = to_mask(digit.is_valid())
            from_digit = pc.equal(pc.struct_field(digit, "d"), "1")
            values = pc.if_else(pa.array(found), values, from_digit)
            found |= has_digit
        bad = present & ~found
        keep = pa.array(present & ~bad)
        return pc.if_else(keep, values, pa.scalar(None, values.type)), bad
    if column.type in ("curie", "oncotree"):
        if column.case == "upper":
            text = pc.utf8_upper(text)
        pattern = _CURIE if column.type == "curie" else _ONCOTREE
        fits = to_mask(pc.match_substring_regex(text, pattern))
        bad = present & ~fits
        return pc.if_else(pa.array(present & ~bad), text, pa.scalar(None, pa.string())), bad
    if column.type == "drug":
        text = pc.replace_substring_regex(pc.utf8_lower(text), r"\s+", " ")
    elif column.case == "lower":
        text = pc.utf8_lower(text)
    elif column.case == "upper":
        text = pc.utf8_upper(text)
    return pc.if_else(pa.array(present), text, pa.scalar(None, pa.string())), np.zeros(n, bool)
