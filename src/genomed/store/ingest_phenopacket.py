"""``genomed ingest phenopacket``: GA4GH phenopackets into the workspace in one atomic ingest.

All files given to one call are one ingest (one ``ingests`` row, sha256 over all files).
A file whose content an earlier phenopacket ingest already stored is skipped, so
re-running over a folder after adding files stores only the new ones.

What goes where (``docs/clinical-tables.md`` has the user-facing table):

- subject -> ``patients`` (sex, birth year from ``dateOfBirth``); ids already in the
  workspace are left as they are.
- ``phenotypicFeatures`` -> ``phenotypes``, excluded features kept with ``excluded`` true.
- ``diseases`` and ``interpretations[].diagnosis.disease`` -> ``diagnoses``; diseases
  marked ``excluded`` (ruled out) are *not* written as diagnoses, only counted.
- ``biosamples`` -> ``samples`` (tumor when ``tumorProgression`` is set or the histology is
  not *Negative Finding*, else germline) and their tissue, histology, progression, grade,
  stage and TNM findings -> ``clinical_attributes``.
- genomic interpretations with a ``vcfRecord`` -> ``variants`` + ``calls`` through
  :func:`genomed.store.alleles.prepare_alleles` (lifted when the record's assembly is not
  the workspace build). The call belongs to the biosample named by
  ``subjectOrBiosampleId``, else to a germline sample named like the patient (created
  if missing). ``origin`` is somatic on a tumour biosample, germline otherwise.
- variants without a placeable allele (no ``vcfRecord`` but a ``structuralType``, or a
  symbolic ALT) -> ``structural_variants``.
- ``timeAtLastEncounter``, ``vitalStatus`` and ``measurements`` -> ``observations``;
  ``vitalStatus.survivalTimeInDays`` -> ``outcomes`` (endpoint os).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.chain import find_chain
from genomed.io.phenopacket import (
    GenomicVariant,
    Phenopacket,
    Term,
    TimeElement,
    phenopacket_paths,
    read_phenopacket,
)
from genomed.model.chromosome import normalise_chrom
from genomed.store.alleles import new_variants, prepare_alleles
from genomed.store.ingest import IngestResult, commit_ingest, sha256_of
from genomed.store.workspace import CATALOG, Transaction, Workspace

#: Where a patient id comes from: ``subject.id`` or the phenopacket's own ``id``.
PATIENT_ID_SOURCES = ("subject", "phenopacket")
DAYS_PER_MONTH = 365.25 / 12

#: Biosample ontology fields stored as clinical attributes (attribute name, field).
BIOSAMPLE_ATTRIBUTES = (
    ("SAMPLED_TISSUE", "sampled_tissue"),
    ("HISTOLOGICAL_DIAGNOSIS", "histological_diagnosis"),
    ("TUMOR_PROGRESSION", "tumor_progression"),
    ("TUMOR_GRADE", "tumor_grade"),
    ("PATHOLOGICAL_STAGE", "pathological_stage"),
)


class _Rows:
    """Column lists per workspace table, filled row by row (phenopackets are small)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(self, table: str, **row) -> None:
        columns = self.tables[table]
        n = len(next(iter(columns.values()))) if columns else 0
        for name in set(columns) | set(row):
            column = columns[name]
            if len(column) < n:
                column.extend([None] * (n - len(column)))
            column.append(row.get(name))

    def count(self, table: str) -> int:
        columns = self.tables.get(table)
        return len(next(iter(columns.values()))) if columns else 0


def patient_ids(packets: list[Phenopacket], source: str) -> list[str]:
    """The patient id of every phenopacket; the same id in two files is an error, because
    phenopacket collections reuse subject ids (``Patient 1``) across publications."""
    if source not in PATIENT_ID_SOURCES:
        raise InputError(
            f"unknown patient id source {source!r}",
            field="--patient-id",
            expected=" or ".join(PATIENT_ID_SOURCES),
        )
    ids: list[str] = []
    first_file: dict[str, Path] = {}
    for packet in packets:
        pid = packet.subject.id if source == "subject" else packet.id
        if pid in first_file:
            hint = (
                "; if these are different people, use --patient-id phenopacket"
                if source == "subject"
                else ""
            )
            raise InputError(
                f"patient id {pid!r} also comes from {first_file[pid]}{hint}",
                path=str(packet.path),
                field="subject.id" if source == "subject" else "id",
                expected="one phenopacket per patient in one ingest",
            )
        first_file[pid] = packet.path
        ids.append(pid)
    return ids


def ingest_phenopackets(
    workspace: str | Path | Workspace,
    paths: list[str | Path],
    *,
    build: str = "GRCh38",
    institution_id: str | None = None,
    patient_id_from: str = "subject",
    chain: str | Path | None = None,
) -> IngestResult:
    """Ingest phenopacket files (directories expand to their ``*.json``) as one batch.

    Every file is parsed and checked before the workspace is touched; bad input raises
    :class:`InputError` and writes nothing. A missing workspace is created with
    ``build`` (GRCh38 by default). ``chain`` is the UCSC chain file for records whose
    assembly differs from the workspace build.
    """
    files = phenopacket_paths(paths)
    packets = [read_phenopacket(p) for p in files]
    pids = patient_ids(packets, patient_id_from)
    _check_sample_ids(packets, pids)
    builds = sorted({v.build for p in packets for v in p.variants if v.build})
    if isinstance(workspace, Workspace):
        target = workspace.build
    elif (Path(workspace) / CATALOG).exists():
        target = Workspace.open(workspace).build
    else:
        target = build
    for source_build in builds:
        if source_build != target:
            find_chain(source_build, target, chain)  # a missing chain fails before any write
    ws = (
        workspace
        if isinstance(workspace, Workspace)
        else Workspace.open_or_create(workspace, build=build, institution_id=institution_id)
    )

    def write(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        return _write(tx, ws, batch_id, packets, pids, institution_id, chain)

    return commit_ingest(
        ws,
        kind="phenopacket",
        source=files[0].name
        if len(files) == 1
        else f"{_common_folder(files)} ({len(files)} files)",
        sha256=sha256_of(files),
        write=write,
        build=builds[0] if len(builds) == 1 else None,
        institution_id=institution_id,
    )


def _common_folder(files: list[Path]) -> str:
    parents = {f.resolve().parent for f in files}
    if len(parents) == 1:
        return parents.pop().name + "/"
    return "several folders"


def _check_sample_ids(packets: list[Phenopacket], pids: list[str]) -> None:
    owner: dict[str, str] = {}
    for packet, pid in zip(packets, pids, strict=True):
        for i, biosample in enumerate(packet.biosamples):
            if owner.setdefault(biosample.sample_id, pid) != pid:
                raise InputError(
                    f"biosample id {biosample.sample_id!r} is also a biosample of patient "
                    f"{owner[biosample.sample_id]!r}",
                    path=str(packet.path),
                    field=f"biosamples[{i}].id",
                    expected="biosample ids unique across patients",
                )


def _ingested_files(ws: Workspace) -> set[str]:
    """sha256 of every file an earlier phenopacket ingest stored."""
    done: set[str] = set()
    table = ws.read("ingests", columns=["kind", "report"])
    for kind, report in zip(
        table.column("kind").to_pylist(), table.column("report").to_pylist(), strict=True
    ):
        if kind == "phenopacket" and report:
            for entry in json.loads(report).get("files", []):
                if entry.get("stored", True):
                    done.add(entry["sha256"])
    return done


def _observation(rows: _Rows, pid: str, batch: str, category: str, name: str, value, unit=None):
    if isinstance(value, TimeElement):
        number, text = value.years, (None if value.years is not None else value.text)
        unit = "years" if value.years is not None else None
    elif isinstance(value, float | int):
        number, text = float(value), None
    else:
        number, text = None, value
    rows.add(
        "observations",
        patient_id=pid,
        category=category,
        name=name,
        value_string=text,
        value_number=number,
        unit=unit,
        batch_id=batch,
    )


def _write(
    tx: Transaction,
    ws: Workspace,
    batch_id: str,
    packets: list[Phenopacket],
    pids: list[str],
    institution_id: str | None,
    chain: str | Path | None,
) -> tuple[dict[str, int], dict]:
    institution = institution_id or ws.institution_id
    earlier = _ingested_files(ws)
    known_patients = set(ws.read("patients", columns=["patient_id"]).column(0).to_pylist())
    samples = ws.read("samples", columns=["sample_id", "patient_id", "kind"]).to_pylist()
    sample_owner = {s["sample_id"]: (s["patient_id"], s["kind"]) for s in samples}
    rows = _Rows()
    alleles: list[dict] = []
    report: dict = defaultdict(int)
    report["files"] = []
    not_stored: list[dict] = []

    for packet, pid in zip(packets, pids, strict=True):
        store = packet.sha256 not in earlier
        report["files"].append({"file": packet.path.name, "sha256": packet.sha256, "stored": store})
        if not store:
            report["files_already_ingested"] += 1
            continue
        subject = packet.subject
        if pid in known_patients:
            report["patients_already_present"] += 1
        else:
            known_patients.add(pid)
            rows.add(
                "patients",
                patient_id=pid,
                institution_id=institution,
                sex=subject.sex,
                birth_year=subject.birth_year,
                batch_id=batch_id,
            )
        for feature in packet.features:
            rows.add(
                "phenotypes",
                patient_id=pid,
                hpo_id=feature.hpo_id,
                label=feature.label,
                excluded=feature.excluded,
                onset=feature.onset.text if feature.onset else None,
                batch_id=batch_id,
            )
            report["phenotypes_excluded"] += int(feature.excluded)
        _diagnoses(rows, report, packet, pid, batch_id)
        _subject_observations(rows, packet, pid, batch_id)
        for measurement in packet.measurements:
            _observation(
                rows,
                pid,
                batch_id,
                "measurement",
                measurement.assay.id,
                measurement.value_number
                if measurement.value_number is not None
                else measurement.value_string,
                measurement.unit,
            )
        for key, n in packet.notes.items():
            report[key] += n
        biosample_kind = {}
        for biosample in packet.biosamples:
            biosample_kind[biosample.sample_id] = biosample.kind
            _biosample(rows, sample_owner, biosample, pid, packet, batch_id)
        for variant in packet.variants:
            sample_id = variant.subject_or_biosample_id
            if sample_id in biosample_kind:
                kind = biosample_kind[sample_id]
            else:
                sample_id, kind = _germline_sample(
                    rows, sample_owner, pid, subject.id, packet, batch_id
                )
            origin = "somatic" if kind == "tumor" else "germline"
            where = f"{packet.path.name}:{variant.json_path}"
            if variant.has_vcf_record and not variant.is_symbolic:
                alleles.append(_allele_row(variant, sample_id, origin, where))
            elif variant.structural_type is not None or variant.is_symbolic:
                _structural_variant(rows, variant, sample_id, batch_id)
            else:
                not_stored.append({"where": where, "reason": "no vcfRecord and no structuralType"})

    counts = _stage_rows(tx, rows)
    counts.update(_stage_calls(tx, ws, alleles, batch_id, chain, report))
    report["variants_not_stored"] = not_stored
    report["workspace_build"] = ws.build
    return {k: v for k, v in counts.items() if v}, dict(report)


def _diagnoses(rows: _Rows, report: dict, packet: Phenopacket, pid: str, batch_id: str) -> None:
    written: set[str] = set()
    excluded = {d.disease_id for d in packet.diseases if d.excluded}
    report["diseases_excluded_not_written"] += len(excluded)
    for disease in packet.diseases:
        if disease.excluded or disease.disease_id in written:
            continue
        written.add(disease.disease_id)
        rows.add(
            "diagnoses",
            patient_id=pid,
            disease_id=disease.disease_id,
            disease_label=disease.label,
            onset=disease.onset.text if disease.onset else None,
            batch_id=batch_id,
        )
    for term in packet.diagnosed:
        if term.id in written or term.id in excluded:
            continue
        written.add(term.id)
        rows.add(
            "diagnoses",
            patient_id=pid,
            disease_id=term.id,
            disease_label=term.label,
            batch_id=batch_id,
        )


def _subject_observations(rows: _Rows, packet: Phenopacket, pid: str, batch_id: str) -> None:
    subject = packet.subject
    if subject.last_encounter is not None:
        _observation(
            rows, pid, batch_id, "encounter", "age_at_last_encounter", subject.last_encounter
        )
    if subject.vital_status is not None:
        _observation(rows, pid, batch_id, "vital_status", "vital_status", subject.vital_status)
    if subject.time_of_death is not None:
        _observation(rows, pid, batch_id, "vital_status", "age_at_death", subject.time_of_death)
    if subject.cause_of_death is not None:
        _observation(
            rows, pid, batch_id, "vital_status", "cause_of_death", subject.cause_of_death.id
        )
    if subject.survival_days is not None:
        rows.add(
            "outcomes",
            patient_id=pid,
            endpoint="os",
            months=subject.survival_days / DAYS_PER_MONTH,
            event=subject.vital_status == "DECEASED",
            batch_id=batch_id,
        )


def _claim_sample(sample_owner: dict, sample_id: str, pid: str, packet: Phenopacket, where: str):
    """True when the sample is new; an existing sample of another patient is an error."""
    if sample_id not in sample_owner:
        return True
    owner = sample_owner[sample_id][0]
    if owner != pid:
        raise InputError(
            f"sample {sample_id!r} already belongs to patient {owner!r} in the workspace",
            path=str(packet.path),
            field=where,
            expected="a sample id not used by another patient",
        )
    return False


def _biosample(rows: _Rows, sample_owner: dict, biosample, pid: str, packet, batch_id: str) -> None:
    index = packet.biosamples.index(biosample)
    if not _claim_sample(sample_owner, biosample.sample_id, pid, packet, f"biosamples[{index}].id"):
        return
    sample_owner[biosample.sample_id] = (pid, biosample.kind)
    rows.add(
        "samples",
        sample_id=biosample.sample_id,
        patient_id=pid,
        kind=biosample.kind,
        tumor_type=biosample.tumor_type,
        source_name=biosample.sample_id,
        batch_id=batch_id,
    )
    terms: list[tuple[str, Term]] = [
        (name, getattr(biosample, attr))
        for name, attr in BIOSAMPLE_ATTRIBUTES
        if getattr(biosample, attr) is not None
    ]
    if biosample.tnm_findings:
        ids = ";".join(t.id for t in biosample.tnm_findings)
        labels = ";".join(t.label or "" for t in biosample.tnm_findings)
        terms.append(("PATHOLOGICAL_TNM_FINDING", Term(ids, labels)))
    for name, term in terms:
        for attribute, value in ((name, term.id), (f"{name}_LABEL", term.label)):
            if value:
                rows.add(
                    "clinical_attributes",
                    entity="sample",
                    entity_id=biosample.sample_id,
                    attribute=attribute,
                    value_string=value,
                    datatype="STRING",
                    batch_id=batch_id,
                )


def _germline_sample(rows, sample_owner, pid: str, subject_id: str, packet, batch_id: str):
    """The patient's germline sample (named like the patient), created on first use."""
    sample_id = pid
    if _claim_sample(sample_owner, sample_id, pid, packet, "subject.id"):
        sample_owner[sample_id] = (pid, "germline")
        rows.add(
            "samples",
            sample_id=sample_id,
            patient_id=pid,
            kind="germline",
            source_name=subject_id,
            batch_id=batch_id,
        )
    return sample_id, sample_owner[sample_id][1]


def _allele_row(variant: GenomicVariant, sample_id: str, origin: str, where: str) -> dict:
    return {
        "chrom": variant.chrom,
        "pos": variant.pos,
        "ref": variant.ref,
        "alt": variant.alt,
        "line": where,
        "build": variant.build,
        "sample_id": sample_id,
        "alt_count": variant.alt_count,
        "ploidy": variant.ploidy,
        "origin": origin,
        "gene": variant.gene,
        "protein_change": variant.protein_change,
        "rsid": variant.rsid,
    }


def _structural_variant(rows: _Rows, variant: GenomicVariant, sample_id: str, batch_id: str):
    sv_class = (
        variant.structural_type.label or variant.structural_type.id
        if variant.structural_type is not None
        else variant.alt.strip("<>")
    )
    rows.add(
        "structural_variants",
        sample_id=sample_id,
        gene1=variant.gene,
        chrom1=normalise_chrom(variant.chrom) if variant.chrom else None,
        pos1=variant.pos,
        sv_class=sv_class,
        event_info=variant.label or variant.hgvs_c or variant.descriptor_id,
        batch_id=batch_id,
    )


def _stage_rows(tx: Transaction, rows: _Rows) -> dict[str, int]:
    for table, columns in rows.tables.items():
        tx.append(table, dict(columns))
    return {table: rows.count(table) for table in rows.tables}


def _stage_calls(
    tx: Transaction,
    ws: Workspace,
    alleles: list[dict],
    batch_id: str,
    chain: str | Path | None,
    report: dict,
) -> dict[str, int]:
    """Key, lift and stage the alleles; calls already in the workspace are not repeated."""
    report["unlifted"] = []
    if not alleles:
        return {}
    table = pa.Table.from_pylist(alleles)
    prepared = []
    for build in sorted(set(table.column("build").to_pylist())):
        part = table.filter(pc.equal(table.column("build"), build))
        result = prepare_alleles(
            part, source_build=build, workspace_build=ws.build, chain_path=chain
        )
        prepared.append(result.table)
        report["unlifted"].extend(result.unlifted)
    report["unlifted_count"] = len(report["unlifted"])
    keyed = pa.concat_tables(prepared)
    con = ws.connect()
    try:
        con.register("_new_calls", keyed)
        calls = (
            con.sql(
                """
                SELECT * EXCLUDE (_rn) FROM (
                    SELECT *, row_number() OVER (PARTITION BY sample_id, variant_key) AS _rn
                    FROM _new_calls n
                    WHERE NOT EXISTS (
                        SELECT 1 FROM calls c
                        WHERE c.sample_id = n.sample_id AND c.variant_key = n.variant_key
                    )
                ) WHERE _rn = 1
                """
            )
            .arrow()
            .read_all()
        )
        report["calls_already_present"] = keyed.num_rows - calls.num_rows
        candidates = calls.select(["variant_key", "chrom", "pos", "ref", "alt", "rsid"])
        variants = new_variants(con, candidates)
    finally:
        con.close()
    tx.append("variants", variants)
    columns = ["sample_id", "variant_key", "chrom", "pos", "alt_count", "ploidy", "origin"]
    columns += ["gene", "protein_change"]
    staged = calls.select(columns).append_column(
        "batch_id", pa.array([batch_id] * calls.num_rows, pa.string())
    )
    tx.append("calls", staged)
    return {"variants": variants.num_rows, "calls": calls.num_rows}
