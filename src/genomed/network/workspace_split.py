"""Split one workspace by patient into several institution workspaces.

For the network demo, the tests and the benchmark: three "hospitals" holding disjoint
parts of the demo data, so that a federated answer can be checked against the same
statistic on the undivided workspace. Each patient goes to exactly one target with
every row that belongs to it (samples, calls, no-calls, callable intervals, clinical
tables); rows keyed by a sample follow the sample's patient. Per-batch site lists
(``batch_sites``) are kept in every target (they say where a batch was genotyped) but
their batch-wide counts (``n_called``, ``an``, ``ac``) are cleared, since they describe
samples now held elsewhere. Variants are kept where some kept row refers to them.
Saved cohorts and the population database are not copied (each institution builds its
own). Ingest provenance rows are copied unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import GenomedError
from genomed.store.schema import TABLES
from genomed.store.workspace import Workspace

NOT_COPIED = ("cohorts", "popfreq_samples", "popfreq_counts", "popfreq_deltas", "popfreq_log")
KEEP_ALL = ("ingests", "gene_panels", "batch_sites")


def _mask(table: pa.Table, column: str, ids: pa.Array) -> pa.Array:
    return pc.fill_null(pc.is_in(table.column(column), value_set=ids), False)


def split_workspace(
    source: str | Path | Workspace,
    targets: dict[str | Path, list[str]],
    institution_prefix: str = "site",
) -> list[Workspace]:
    """Write one new workspace per ``targets`` entry (path -> its patient ids).

    Raises if a patient is assigned twice or a target exists already.
    """
    ws = source if isinstance(source, Workspace) else Workspace.open(source)
    seen: set[str] = set()
    for ids in targets.values():
        overlap = seen & set(ids)
        if overlap:
            raise GenomedError(f"patients assigned to two workspaces: {sorted(overlap)[:5]}")
        seen |= set(ids)
    data = {
        name: ws.read(name) for name in TABLES if name in ws.versions() and name not in NOT_COPIED
    }
    samples = data.get("samples", TABLES["samples"].schema.empty_table())
    out = []
    for i, (path, ids) in enumerate(targets.items(), start=1):
        path = Path(path)
        if (path / "catalog.json").exists():
            raise GenomedError(f"{path} is a workspace already")
        patient_ids = pa.array(sorted(ids), pa.string())
        sample_ids = samples.filter(_mask(samples, "patient_id", patient_ids)).column("sample_id")
        sample_ids = (
            pc.unique(sample_ids.combine_chunks()) if len(sample_ids) else pa.array([], pa.string())
        )
        kept: dict[str, pa.Table] = {}
        for name, table in data.items():
            columns = table.column_names
            if name in KEEP_ALL:
                if name == "batch_sites":
                    for column in ("n_called", "an", "ac"):
                        table = table.set_column(
                            columns.index(column), column, pa.nulls(table.num_rows, pa.int32())
                        )
                kept[name] = table
            elif "patient_id" in columns:
                kept[name] = table.filter(_mask(table, "patient_id", patient_ids))
            elif "sample_id" in columns:
                kept[name] = table.filter(_mask(table, "sample_id", sample_ids))
            elif name == "clinical_attributes":
                ids_all = pa.concat_arrays([patient_ids, sample_ids.cast(pa.string())])
                kept[name] = table.filter(_mask(table, "entity_id", ids_all))
            elif name == "variants":
                continue
            else:
                kept[name] = table
        if "variants" in data:
            keys = [
                kept[t].column("variant_key")
                for t in ("calls", "nocalls", "batch_sites")
                if t in kept
            ]
            key_set = pc.unique(
                pa.chunked_array([c for k in keys for c in k.chunks], pa.int64()).combine_chunks()
            )
            kept["variants"] = data["variants"].filter(
                _mask(data["variants"], "variant_key", key_set)
            )
        target = Workspace.create(path, build=ws.build, institution_id=f"{institution_prefix}{i}")
        with target.transaction() as tx:
            for name, table in kept.items():
                tx.append(name, table)
        out.append(Workspace.open(path))
    return out
