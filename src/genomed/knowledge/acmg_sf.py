"""ACMG secondary-findings gene list (SF v3.2, Miller et al. Genet Med 2023) -> ``acmg_sf``.

Input is the PCGR resource layout: a TSV with ``Gene``, ``Gene MIM``,
``Disease/Phentyope`` (sic), ``Disorder MIM``, ``Phenotype Category``, ``Inheritance``,
``SF List Version`` and ``Variants to report``. Header names are matched after trimming
spaces, so ``Inheritance `` (with a trailing space, as shipped) is read too. Cells may
span lines inside quotes (two categories or MIM numbers); they are joined with ``; ``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from genomed.errors import InputError

_COLUMNS = {
    "gene": ("Gene",),
    "gene_mim": ("Gene MIM",),
    "disease": ("Disease/Phentyope", "Disease/Phenotype", "Disease"),
    "disorder_mim": ("Disorder MIM",),
    "category": ("Phenotype Category", "Category"),
    "inheritance": ("Inheritance",),
    "sf_version": ("SF List Version",),
    "variants_to_report": ("Variants to report",),
}


def read_acmg_sf(path: str | Path) -> dict[str, list]:
    """Columns of the ``acmg_sf`` table; InputError names a missing column."""
    path = Path(path)
    if not path.exists():
        raise InputError("ACMG SF gene list not found", path=str(path))
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = [h.strip() for h in next(reader)]
        index = {}
        for name, options in _COLUMNS.items():
            found = next((header.index(o) for o in options if o in header), None)
            if found is None:
                raise InputError("missing column", path=str(path), line=1, field=options[0])
            index[name] = found
        columns: dict[str, list] = {name: [] for name in _COLUMNS}
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise InputError(
                    f"expected {len(header)} columns, found {len(row)}", path=str(path), line=line
                )
            for name, i in index.items():
                # multi-line quoted cells ("Cardiovascular\r\nMetabolic") -> "Cardiovascular; Metabolic"
                value = re.sub(r"\s*[\r\n]+\s*", "; ", row[i].strip())
                columns[name].append(value or None)
    return columns
