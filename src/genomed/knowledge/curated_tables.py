"""Tables genomed curates itself, shipped as TSV in ``genomed/data/knowledge/curated``:

``oncotree.tsv``
    OncoTree codes with parent and level (a subset of OncoTree release
    oncotree_2021_11_02, transcribed by hand: tissues and the common tumour types);
``disease_map.tsv``
    OncoTree code -> the disease names and DOIDs CIViC uses;
``gene_roles.tsv``
    oncogene / tumour-suppressor role of cancer genes (for oncogenicity OVS1 and tier III);
``germline_gene_rules.tsv``
    gene-specific ACMG thresholds (BA1, BS1, PM2) and whether loss of function is a
    disease mechanism (PVS1), with the default row ``*``.

Each is read into the columns of the bundle table of the same name
(:mod:`genomed.knowledge.bundle_format`). Users may pass their own versions to
``genomed knowledge build``.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

from genomed.errors import InputError
from genomed.knowledge import bundle_format as fmt

CURATED_DIR = Path(str(files("genomed") / "data" / "knowledge" / "curated"))

CURATED_FILES = {
    "oncotree": "oncotree.tsv",
    "disease_map": "disease_map.tsv",
    "gene_roles": "gene_roles.tsv",
    "germline_gene_rules": "germline_gene_rules.tsv",
}


def _convert(value: str, dtype, path: Path, line: int, name: str):
    if value == "":
        return None
    if dtype == fmt.BOOL:
        if value.lower() not in ("true", "false"):
            raise InputError("expected true or false", path=str(path), line=line, field=name)
        return value.lower() == "true"
    if dtype in (fmt.I32, fmt.I64):
        if not value.lstrip("-").isdigit():
            raise InputError("expected an integer", path=str(path), line=line, field=name)
        return int(value)
    if dtype == fmt.F64:
        try:
            return float(value)
        except ValueError:
            raise InputError("expected a number", path=str(path), line=line, field=name) from None
    return value


def read_curated(table: str, path: str | Path | None = None) -> tuple[dict[str, list], Path]:
    """Columns of curated ``table`` from ``path`` (default: the shipped TSV)."""
    path = Path(path) if path else CURATED_DIR / CURATED_FILES[table]
    schema = fmt.TABLE_FILES[table][1]
    if not path.exists():
        raise InputError(f"{table} table not found", path=str(path))
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = [f.name for f in schema if f.name not in (reader.fieldnames or [])]
        if missing:
            raise InputError("missing columns", path=str(path), line=1, field=",".join(missing))
        columns: dict[str, list] = {f.name: [] for f in schema}
        for line, row in enumerate(reader, start=2):
            for field in schema:
                value = (row.get(field.name) or "").strip()
                columns[field.name].append(_convert(value, field.type, path, line, field.name))
    return columns, path
