"""``genomed ingest maf``: a MAF's somatic mutations into the workspace, one atomic commit.

Rows written (see :mod:`genomed.store.schema`):

- ``samples``: one per Tumor_Sample_Barcode not yet in the workspace (``kind`` tumor,
  ``source_name`` the barcode, ``matched_normal_id`` from Matched_Norm_Sample_Barcode);
- ``patients``: one per new patient. The patient of a sample comes from ``--sample-map``
  (:mod:`genomed.io.sample_map`), else from a TCGA barcode (its first 12 characters,
  ``TCGA-AB-2802``), else the sample is its own patient;
- ``variants``: alleles whose key the workspace does not have yet;
- ``calls``: one per (sample, allele), ``origin`` somatic (germline when Mutation_Status
  says so), ``gene``/``protein_change``/``variant_class`` from the MAF, read counts and
  VAF as :mod:`genomed.io.maf` reads them. A second row of the same sample and allele is
  dropped and counted in the report.

Records on a build other than the workspace's are lifted over; those that cannot be are
listed in the report (``unlifted``) and have no call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.maf import MafRecords, genome_build, read_maf, tcga_patient_id
from genomed.io.sample_map import SampleInfo, read_sample_map
from genomed.store.alleles import new_variants, prepare_alleles
from genomed.store.ingest import IngestResult, commit_ingest, sha256_of
from genomed.store.schema import conform
from genomed.store.workspace import Transaction, Workspace

#: How many unlifted records an ingest report lists (the count is always complete).
REPORT_LIMIT = 1000


@dataclass
class MafIngestOptions:
    """Options of ``genomed ingest maf`` (see the CLI help for each)."""

    build: str | None = None
    sample_map: Path | None = None
    institution_id: str | None = None
    fasta: Path | None = None
    chain: Path | None = None


def resolve_build(declared: str | None, override: str | None, path: Path | str) -> str:
    """The build of an input: ``override`` (any spelling of --build) wins, else ``declared``."""
    if override:
        build = genome_build(override)
        if build is None:
            raise InputError(
                f"unknown genome build {override!r}", field="--build", expected="GRCh37 or GRCh38"
            )
        return build
    if declared is None:
        raise InputError(
            "the genome build is not declared (no NCBI_Build column)",
            path=str(path),
            field="NCBI_Build",
            expected="an NCBI_Build column or --build GRCh37/GRCh38",
        )
    return declared


def open_workspace(
    workspace: Workspace | str | Path, build: str, institution_id: str | None
) -> Workspace:
    """``workspace`` itself, or the workspace at that path (created with ``build``)."""
    if isinstance(workspace, Workspace):
        return workspace
    return Workspace.open_or_create(workspace, build=build, institution_id=institution_id)


def tumour_samples(
    names: list[str], sample_map: dict[str, SampleInfo] | None = None
) -> dict[str, SampleInfo]:
    """Who each Tumor_Sample_Barcode is: the sample map, else the TCGA rule, else itself."""
    sample_map = sample_map or {}
    samples = {}
    for name in names:
        info = sample_map.get(name)
        if info is None:
            info = SampleInfo(
                source_name=name,
                sample_id=name,
                patient_id=tcga_patient_id(name) or name,
                kind="tumor",
            )
        samples[name] = info
    return samples


def stage_mutations(
    tx: Transaction,
    ws: Workspace,
    records: MafRecords,
    *,
    sample_ids: dict[str, str],
    source_build: str,
    batch_id: str,
    chain: Path | None = None,
) -> tuple[dict[str, int], dict]:
    """Stage the calls and new variants of ``records``; returns (rows per table, report).

    ``sample_ids`` maps each Tumor_Sample_Barcode to its workspace sample id.
    """
    table = records.table
    encoded = pc.dictionary_encode(table.column("sample_name").combine_chunks())
    ids = pa.array([sample_ids[name] for name in encoded.dictionary.to_pylist()], pa.string())
    table = table.append_column("sample_id", ids.take(encoded.indices))
    prepared = prepare_alleles(
        table, source_build=source_build, workspace_build=ws.build, chain_path=chain
    )
    placed = prepared.table
    first = (
        placed.append_column("_row", pa.array(np.arange(placed.num_rows), pa.int64()))
        .group_by(["sample_id", "variant_key"], use_threads=False)
        .aggregate([("_row", "min")])
        .column("_row_min")
    )
    duplicates = placed.num_rows - len(first)
    if duplicates:
        keep = np.zeros(placed.num_rows, dtype=bool)
        keep[first.to_numpy()] = True
        placed = placed.filter(pa.array(keep))
    n = placed.num_rows
    calls = conform(
        "calls",
        {
            "sample_id": placed.column("sample_id"),
            "variant_key": placed.column("variant_key"),
            "chrom": placed.column("chrom"),
            "pos": placed.column("pos"),
            "alt_count": placed.column("alt_count"),
            "ploidy": pc.if_else(
                pc.is_valid(placed.column("alt_count")),
                pa.scalar(2, pa.int8()),
                pa.scalar(None, pa.int8()),
            ),
            "phased": pa.array(np.zeros(n, dtype=bool)),
            "dp": placed.column("dp"),
            "ad_ref": placed.column("ad_ref"),
            "ad_alt": placed.column("ad_alt"),
            "vaf": placed.column("vaf"),
            "filter": placed.column("filter"),
            "origin": placed.column("origin"),
            "gene": placed.column("gene"),
            "protein_change": placed.column("protein_change"),
            "variant_class": placed.column("variant_class"),
            "batch_id": pa.array([batch_id] * n, pa.string()),
        },
    )
    candidates = placed.select(["variant_key", "chrom", "pos", "ref", "alt", "rsid"])
    con = ws.connect()
    try:
        fresh = new_variants(con, candidates)
    finally:
        con.close()
    tx.append("calls", calls)
    tx.append("variants", fresh)
    report = {
        "source_build": source_build,
        "workspace_build": ws.build,
        "mutations": records.num_rows,
        "indels": records.indels,
        "indels_anchored": records.anchored,
        "duplicate_calls_dropped": duplicates,
        "unlifted": prepared.unlifted[:REPORT_LIMIT],
        "unlifted_count": len(prepared.unlifted),
    }
    return {"calls": calls.num_rows, "variants": fresh.num_rows}, report


def known_ids(ws: Workspace, table: str, column: str) -> set[str]:
    """Ids already in a workspace table (read at the catalog's pinned version)."""
    return set(ws.read(table, columns=[column]).column(0).to_pylist())


def matched_normals(records: MafRecords) -> dict[str, str]:
    """The first Matched_Norm_Sample_Barcode given for each Tumor_Sample_Barcode."""
    table = records.table.select(["sample_name", "matched_normal"])
    table = table.filter(pc.is_valid(table.column("matched_normal")))
    first = table.group_by("sample_name", use_threads=False).aggregate(
        [("matched_normal", "first")]
    )
    return dict(
        zip(
            first.column("sample_name").to_pylist(),
            first.column("matched_normal_first").to_pylist(),
            strict=True,
        )
    )


def ingest_maf(
    workspace: Workspace | str | Path, path: str | Path, options: MafIngestOptions | None = None
) -> IngestResult:
    """Ingest one MAF (see :class:`MafIngestOptions`); returns what was written.

    The file is read and checked before anything is written: bad input raises
    :class:`InputError` and leaves the workspace as it was (and creates none). A
    workspace path that does not exist yet is created with the MAF's build. The same
    file content ingested again is skipped.
    """
    options = options or MafIngestOptions()
    path = Path(path)
    records = read_maf(path, fasta=options.fasta)
    source_build = resolve_build(records.build, options.build, path)
    sample_map = read_sample_map(options.sample_map) if options.sample_map else {}
    names = sorted(pc.unique(records.table.column("sample_name")).to_pylist())
    samples = tumour_samples(names, sample_map)
    normals = matched_normals(records)
    ws = open_workspace(workspace, source_build, options.institution_id)
    digest = sha256_of([path])

    def write(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        rows, report = stage_mutations(
            tx,
            ws,
            records,
            sample_ids={name: info.sample_id for name, info in samples.items()},
            source_build=source_build,
            batch_id=batch_id,
            chain=options.chain,
        )
        have_samples = known_ids(ws, "samples", "sample_id")
        have_patients = known_ids(ws, "patients", "patient_id")
        new_samples = [s for s in samples.values() if s.sample_id not in have_samples]
        new_patients: dict[str, SampleInfo] = {}
        for s in samples.values():
            if s.patient_id not in have_patients:
                new_patients.setdefault(s.patient_id, s)
        tx.append(
            "samples",
            {
                "sample_id": [s.sample_id for s in new_samples],
                "patient_id": [s.patient_id for s in new_samples],
                "kind": ["tumor"] * len(new_samples),
                "tumor_type": [s.tumor_type for s in new_samples],
                "source_name": [s.source_name for s in new_samples],
                "matched_normal_id": [normals.get(s.source_name) for s in new_samples],
                "batch_id": [batch_id] * len(new_samples),
            },
        )
        institution = options.institution_id or ws.institution_id
        tx.append(
            "patients",
            {
                "patient_id": list(new_patients),
                "institution_id": [institution] * len(new_patients),
                "sex": [p.sex for p in new_patients.values()],
                "population": [p.population for p in new_patients.values()],
                "super_population": [p.super_population for p in new_patients.values()],
                "batch_id": [batch_id] * len(new_patients),
            },
        )
        rows["samples"] = len(new_samples)
        rows["patients"] = len(new_patients)
        report["samples"] = len(samples)
        report["samples_already_in_workspace"] = len(samples) - len(new_samples)
        return rows, report

    return commit_ingest(
        ws,
        kind="maf",
        source=path.name,
        sha256=digest,
        write=write,
        build=source_build,
        institution_id=options.institution_id,
    )
