"""BED intervals (0-based half-open in the file) as 1-based inclusive columns."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom


def read_bed(path: str | Path) -> pa.Table:
    """Read the first three BED columns; returns chrom (canonical), start, end (1-based, inclusive).

    Header lines (``track``, ``browser``, ``#``) are skipped; a malformed line is an
    :class:`InputError` with its line number.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    chroms, starts, ends = [], [], []
    with opener(path, "rt") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip() or text.startswith(("#", "track", "browser")):
                continue
            parts = text.rstrip("\n").split("\t")
            if len(parts) < 3:
                raise InputError(
                    "a BED line needs chrom, start and end", path=str(path), line=number
                )
            try:
                start, end = int(parts[1]), int(parts[2])
            except ValueError:
                raise InputError(
                    "start/end are not integers", path=str(path), line=number, field="start/end"
                ) from None
            if start < 0 or end < start:
                raise InputError(
                    f"bad interval {start}-{end}",
                    path=str(path),
                    line=number,
                    expected="0 <= start <= end",
                )
            chroms.append(normalise_chrom(parts[0]))
            starts.append(start + 1)
            ends.append(end)
    return pa.table(
        {
            "chrom": pa.array(chroms, pa.string()),
            "start": pa.array(starts, pa.int32()),
            "end": pa.array(ends, pa.int32()),
        }
    )
