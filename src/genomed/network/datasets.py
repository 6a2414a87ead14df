"""The Beacon datasets of a workspace and which patients each one holds.

A patient belongs to the dataset of the ingest that created it (``patients.batch_id``);
its samples, calls and clinical rows go with it. By default every such ingest is a
dataset, named after its source (``laml_study``, ``1000G_phase3_chr1_...``; file
extensions dropped). ``node.json`` may instead group ingests into named datasets by
source name or batch id (see :mod:`genomed.network.node_config`); ingests it does not
name are not served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from genomed.network.node_config import DatasetSpec, NodeConfigError

_EXTENSIONS = re.compile(r"(\.(vcf|bcf|maf|tsv|txt|csv|json|gz|bgz|zip))+$", re.I)


@dataclass(frozen=True)
class Dataset:
    id: str
    name: str
    description: str
    batches: tuple[str, ...]
    created_at: str | None = None


def _slug(source: str) -> str:
    """``laml_study`` -> laml_study; ``x/1000G.vcf.gz`` -> 1000G; ``pp/ (6 files)`` -> pp."""
    text = re.sub(r"\s*\(.*?\)\s*", "", source).strip().rstrip("/")
    text = _EXTENSIONS.sub("", text.rsplit("/", 1)[-1])
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "dataset"


def workspace_datasets(
    con: duckdb.DuckDBPyConnection, configured: tuple[DatasetSpec, ...] | None
) -> list[Dataset]:
    """The datasets served (configured, or one per patient-creating ingest)."""
    rows = con.sql(
        """
        SELECT p.batch_id, any_value(i.source) AS source, any_value(i.kind) AS kind,
               min(i."at") AS at
        FROM (SELECT DISTINCT batch_id FROM patients) p
        LEFT JOIN ingests i USING (batch_id)
        GROUP BY p.batch_id ORDER BY min(i."at"), p.batch_id
        """
    ).fetchall()
    if configured is None:
        datasets, seen = [], set()
        for batch, source, kind, at in rows:
            slug = _slug(source or batch)
            if slug in seen:
                slug = f"{slug}-{batch[:8]}"
            seen.add(slug)
            datasets.append(
                Dataset(
                    slug,
                    source or batch,
                    f"{kind or 'ingest'} {source or ''} (batch {batch})".strip(),
                    (batch,),
                    str(at) if at else None,
                )
            )
        return datasets
    by_name: dict[str, list[str]] = {}
    for batch, source, _kind, _at in rows:
        by_name.setdefault(batch, []).append(batch)
        if source:
            by_name.setdefault(source, []).append(batch)
            by_name.setdefault(_slug(source), []).append(batch)
    datasets = []
    for spec in configured:
        batches = []
        for name in spec.sources:
            if name not in by_name:
                raise NodeConfigError(
                    f"dataset {spec.id}: no ingest with source or batch {name!r} "
                    f"(known: {', '.join(sorted(by_name))})"
                )
            batches.extend(by_name[name])
        datasets.append(Dataset(spec.id, spec.name, spec.description, tuple(sorted(set(batches)))))
    return datasets


def batch_dataset_table(datasets: list[Dataset]) -> pa.Table:
    """(batch_id, dataset_id) for joining patients to datasets in DuckDB."""
    batches, ids = [], []
    for dataset in datasets:
        for batch in dataset.batches:
            batches.append(batch)
            ids.append(dataset.id)
    return pa.table(
        {"batch_id": pa.array(batches, pa.string()), "dataset_id": pa.array(ids, pa.string())}
    )
