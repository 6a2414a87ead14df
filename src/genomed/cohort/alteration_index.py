"""Every patient's counted alterations per gene, computed once per workspace snapshot.

Gene frequencies and comparisons ask many cohorts the same question: which patients have a
counted alteration (the rules of :mod:`genomed.cohort.alterations`: PASS calls of counted
classes, CNA +/-2, fusions, on a gene their sample was profiled for) in which gene. For all
patients together the answer depends only on the table versions, so it is computed once per
snapshot with the same SQL, kept as integer codes (patient, gene, alteration type) and a
cohort's counts become a NumPy ``bincount`` over its members: milliseconds instead of a
scan of every call.

The index of a snapshot is stored in ``<workspace>/cache/alterations/<key>/`` (Arrow IPC
files) where ``key`` hashes the versions of the tables it reads and :data:`FORMAT`; it is
written to a temporary directory and renamed into place, so a reader never sees half an
index, and a workspace that cannot be written to (read-only mount) still works: the index
is then rebuilt in memory for each analysis.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from genomed.cohort.alterations import ALTERATION_TYPES, alteration_parts, prepare

#: Tables the index is computed from (their versions key the cache).
INDEX_TABLES = (
    "calls",
    "samples",
    "sample_profiles",
    "gene_panels",
    "cna",
    "structural_variants",
    "annotations",
)
#: Bumped whenever the counting rules or the file layout change (old caches are ignored).
FORMAT = 3
#: Index directories kept per workspace (older snapshots are rebuilt if asked again).
KEEP = 4


@dataclass
class AlterationIndex:
    """Distinct (patient, gene, alteration type) of every patient, as integer codes.

    ``first`` marks the first row of each (patient, gene) pair, so counting the marked rows
    counts patients altered by any type without a second ``unique``.
    """

    patient_ids: pd.Index
    genes: np.ndarray
    patient: np.ndarray  # int32 into patient_ids
    gene: np.ndarray  # int32 into genes
    alteration: np.ndarray  # int8 into ALTERATION_TYPES
    first: np.ndarray  # bool
    profiled_samples: pa.Table  # sample_id, patient_id, profile, panel_id (alterations.prepare)

    def altered_counts(self, members: pa.Array | list[str]) -> pd.DataFrame:
        """gene, alteration, altered: patients among ``members`` with each alteration type
        in each gene, and with any of them (``any``); genes with no altered member left out."""
        rows = self.patient_ids.get_indexer(pd.Index(pa.array(members, pa.string()).to_pandas()))
        member = np.zeros(len(self.patient_ids), dtype=bool)
        member[rows[rows >= 0]] = True
        selected = member[self.patient]
        frames = []
        n_genes = len(self.genes)
        for code, alteration in [(None, "any"), *enumerate(ALTERATION_TYPES)]:
            keep = selected & (self.first if code is None else self.alteration == code)
            counts = np.bincount(self.gene[keep], minlength=n_genes)
            hit = np.flatnonzero(counts)
            frames.append(
                pd.DataFrame(
                    {"gene": self.genes[hit], "alteration": alteration, "altered": counts[hit]}
                )
            )
        return pd.concat(frames, ignore_index=True)


def snapshot_key(table_versions: dict[str, int | None]) -> str:
    """Cache key of the index for these table versions."""
    wanted = {name: table_versions.get(name) for name in INDEX_TABLES}
    text = json.dumps({"format": FORMAT, "versions": wanted}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def alteration_index(
    con, table_versions: dict[str, int | None], workspace: Path | None
) -> AlterationIndex:
    """The index of the snapshot ``con`` reads (``table_versions``): loaded from the
    workspace cache when there, else computed (and cached when ``workspace`` is writable)."""
    directory = None if workspace is None else Path(workspace) / "cache" / "alterations"
    key = snapshot_key(table_versions)
    if directory is not None and (directory / key).is_dir():
        try:
            return _load(directory / key)
        except (OSError, pa.ArrowInvalid, KeyError):
            pass  # a damaged cache is rebuilt below
    index = build_index(con)
    if directory is not None:
        with contextlib.suppress(OSError):  # read-only workspace: the index lives in memory
            _save(index, directory, key)
    return index


def build_index(con) -> AlterationIndex:
    """Compute the index with the SQL of :mod:`genomed.cohort.alterations` on every patient.

    Patients and genes are numbered in DuckDB (sorted ids), so only integers cross into
    NumPy; the rows are made distinct there by sorting one packed int64 key (patient,
    gene, type), which is faster than a DISTINCT over string pairs, and the sort gives the
    order the ``first`` flags need."""
    prepare(con)
    profiled = con.sql("SELECT * FROM profiled_samples").to_arrow_table()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _index_patients AS SELECT patient_id, "
        "(row_number() OVER (ORDER BY patient_id) - 1)::INTEGER AS code "
        "FROM (SELECT DISTINCT patient_id FROM samples)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _index_genes AS SELECT gene, "
        "(row_number() OVER (ORDER BY gene) - 1)::INTEGER AS code FROM ("
        "SELECT gene FROM gene_calls WHERE gene IS NOT NULL UNION SELECT gene FROM cna "
        "WHERE gene IS NOT NULL UNION SELECT gene1 FROM structural_variants WHERE gene1 IS NOT NULL "
        "UNION SELECT gene2 FROM structural_variants WHERE gene2 IS NOT NULL)"
    )
    joins = (
        "JOIN _index_patients ip ON ip.patient_id = mp.patient_id "
        "JOIN _index_genes ig ON ig.gene = a.gene"
    )
    parts = alteration_parts(
        members="(SELECT DISTINCT patient_id FROM samples)",
        columns="ip.code AS patient, ig.code AS gene",
        joins=joins,
    )
    union = " UNION ALL ".join(
        f"SELECT patient, gene, {code}::TINYINT AS alteration FROM ({sql})"
        for code, sql in enumerate(parts.values())
    )
    rows = con.sql(union).to_arrow_table()
    patient_ids = con.sql("SELECT patient_id FROM _index_patients ORDER BY code").fetchnumpy()
    genes = con.sql("SELECT gene FROM _index_genes ORDER BY code").fetchnumpy()
    con.execute("DROP TABLE _index_patients; DROP TABLE _index_genes")
    key = (
        (rows["patient"].to_numpy().astype(np.int64) << 32)
        | (rows["gene"].to_numpy().astype(np.int64) << 3)
        | rows["alteration"].to_numpy().astype(np.int64)
    )
    key.sort()
    if len(key):
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    patient = (key >> 32).astype(np.int32)
    gene = ((key >> 3) & 0x1FFFFFFF).astype(np.int32)
    first = np.ones(len(key), dtype=bool)
    first[1:] = (patient[1:] != patient[:-1]) | (gene[1:] != gene[:-1])
    return AlterationIndex(
        pd.Index(np.asarray(patient_ids["patient_id"], dtype=object)),
        np.asarray(genes["gene"], dtype=object),
        patient,
        gene,
        (key & 0x7).astype(np.int8),
        first,
        profiled,
    )


def use_index(con, index: AlterationIndex) -> None:
    """Give ``con`` the index's ``profiled_samples`` so :func:`~genomed.cohort.alterations.prepare`
    need not scan the calls again for them."""
    prepare(con, index.profiled_samples)


def _save(index: AlterationIndex, directory: Path, key: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=directory))
    try:
        feather.write_feather(
            pa.table(
                {
                    "patient": index.patient,
                    "gene": index.gene,
                    "alteration": index.alteration,
                    "first": index.first,
                }
            ),
            staging / "alterations.arrow",
            compression="uncompressed",
        )
        feather.write_feather(index.profiled_samples, staging / "profiled_samples.arrow")
        feather.write_feather(
            pa.table({"patient_id": pa.array(list(index.patient_ids), pa.string())}),
            staging / "patients.arrow",
        )
        feather.write_feather(
            pa.table({"gene": pa.array(list(index.genes), pa.string())}), staging / "genes.arrow"
        )
        try:
            os.rename(staging, directory / key)
        except OSError:
            if not (directory / key).is_dir():  # another process won the race: fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(directory)


def _load(path: Path) -> AlterationIndex:
    codes = feather.read_table(path / "alterations.arrow", memory_map=True)
    patients = feather.read_table(path / "patients.arrow")["patient_id"].to_pylist()
    genes = feather.read_table(path / "genes.arrow")["gene"].to_pylist()
    return AlterationIndex(
        pd.Index(patients, dtype=object),
        np.asarray(genes, dtype=object),
        codes["patient"].to_numpy(),
        codes["gene"].to_numpy(),
        codes["alteration"].to_numpy(),
        codes["first"].to_numpy(zero_copy_only=False),
        feather.read_table(path / "profiled_samples.arrow"),
    )


def _prune(directory: Path) -> None:
    """Keep the :data:`KEEP` most recently written indexes."""
    entries = sorted(
        (p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
