"""``genomed ingest cbioportal``: a whole cBioPortal study folder as one atomic ingest.

Every file is read and cross-checked first (sample ids of the molecular files must be
in the clinical sample file, patients of samples and timelines in the patient file, ...);
only then is the workspace opened and everything staged in one transaction whose
sha256 covers every file of the folder, so a second run of the same folder is skipped.

Where things go (tables of :mod:`genomed.store.schema`):

=====================================  ================================================
source                                 tables
=====================================  ================================================
clinical patient file                  ``patients`` (SEX -> sex, AGE -> age_at_diagnosis),
                                       ``outcomes`` (OS/PFS/DFS/DSS _MONTHS + _STATUS),
                                       ``clinical_attributes`` (every attribute)
clinical sample file                   ``samples`` (ONCOTREE_CODE -> tumor_type),
                                       ``diagnoses`` (ONCOTREE_CODE, CANCER_TYPE[_DETAILED]),
                                       ``clinical_attributes``
mutations (MAF)                        ``calls``, ``variants`` (:mod:`genomed.store.ingest_maf`)
discrete CNA                           ``cna`` (non-zero values)
structural variants                    ``structural_variants``
gene panel matrix, gene panel files    ``sample_profiles``, ``samples.panel_id``, ``gene_panels``
timelines                              ``timeline``; TREATMENT + AGENT -> ``treatments``;
                                       SPECIMEN + SAMPLE_ID -> ``samples.collection_day``
=====================================  ================================================

Patients and samples already in the workspace are not written again (their attributes,
outcomes and molecular data from this study are).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.cbioportal import (
    SURVIVAL_ENDPOINTS,
    ClinicalFile,
    CnaMatrix,
    GenePanel,
    StudyFolder,
    first_unknown,
    open_study,
    read_clinical,
    read_discrete_cna,
    read_gene_panel,
    read_gene_panel_matrix,
    read_structural_variants,
    read_timeline,
    survival_event,
)
from genomed.io.maf import MafRecords, read_maf
from genomed.store.ingest import IngestResult, commit_ingest, sha256_of
from genomed.store.ingest_maf import (
    REPORT_LIMIT,
    known_ids,
    matched_normals,
    open_workspace,
    resolve_build,
    stage_mutations,
)
from genomed.store.workspace import Transaction, Workspace

#: cBioPortal SEX/GENDER values -> ``patients.sex``; anything else is ``other``.
SEX_VALUES = {
    "male": "male",
    "m": "male",
    "female": "female",
    "f": "female",
    "unknown": "unknown",
    "not reported": "unknown",
}
#: Gene-panel-matrix values meaning "the whole exome/genome", not a panel.
WHOLE_GENOME_PANELS = ("WES", "WXS", "WGS")


@dataclass
class StudyIngestOptions:
    """Options of ``genomed ingest cbioportal`` (see the CLI help for each)."""

    build: str | None = None
    institution_id: str | None = None
    fasta: Path | None = None
    chain: Path | None = None


@dataclass
class StudyContents:
    """Everything read from a study folder, checked and ready to stage."""

    study: StudyFolder
    build: str
    samples: ClinicalFile
    patients: ClinicalFile | None
    mutations: list[MafRecords] = field(default_factory=list)
    cna: list[CnaMatrix] = field(default_factory=list)
    structural_variants: list[pa.Table] = field(default_factory=list)
    panel_matrix: list[pa.Table] = field(default_factory=list)
    panels: list[GenePanel] = field(default_factory=list)
    timelines: list[pa.Table] = field(default_factory=list)

    @property
    def patient_of_sample(self) -> dict[str, str]:
        return dict(zip(self.samples.ids, self.samples.patient_ids, strict=True))

    @property
    def patient_ids(self) -> list[str]:
        ordered = dict.fromkeys(self.patients.ids if self.patients else [])
        ordered.update(dict.fromkeys(self.samples.patient_ids))
        return list(ordered)


def _one(study: StudyFolder, role: str, required: bool):
    metas = study.of_role(role)
    if len(metas) > 1:
        raise InputError(
            f"{len(metas)} meta files for {role} ({', '.join(m.path.name for m in metas)})",
            path=str(study.path),
            expected="one",
        )
    if not metas and required:
        raise InputError(
            f"no meta file for {role}",
            path=str(study.path),
            expected="a meta file with genetic_alteration_type CLINICAL and datatype SAMPLE_ATTRIBUTES",
        )
    return metas[0] if metas else None


def _check_known(values, known: set, path: Path, lines, what: str, field_name: str) -> None:
    """InputError at the first value (a list or Arrow array) that is not ``known``."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    index = first_unknown(values, known)
    if index is not None:
        value = values[index].as_py() if isinstance(values, pa.Array) else values[index]
        raise InputError(
            f"{what} {value} is not in the study's clinical files",
            path=str(path),
            line=int(lines[index]) if lines is not None else None,
            field=field_name,
            expected=f"a {what} of the clinical {'sample' if 'sample' in what else 'patient'} file",
        )


def read_study(folder: str | Path, options: StudyIngestOptions | None = None) -> StudyContents:
    """Read and cross-check every supported file of a study folder (nothing is written)."""
    options = options or StudyIngestOptions()
    study = open_study(folder)
    build = resolve_build(study.build, options.build, study.meta.path)
    samples = read_clinical(_one(study, "clinical_sample", True).data_path(), "sample")
    patient_meta = _one(study, "clinical_patient", False)
    patients = read_clinical(patient_meta.data_path(), "patient") if patient_meta else None
    if patients is not None:
        _check_known(
            samples.patient_ids,
            set(patients.ids),
            samples.path,
            samples.lines,
            "patient",
            "PATIENT_ID",
        )
    contents = StudyContents(study, build, samples, patients)
    sample_set = set(samples.ids)
    patient_set = set(contents.patient_ids)
    for meta in study.of_role("mutations"):
        records = read_maf(meta.data_path(), fasta=options.fasta)
        if options.build is None and records.build is not None and records.build != build:
            raise InputError(
                f"NCBI_Build says {records.build} but meta_study.txt says {study.build}",
                path=str(records.path),
                field="NCBI_Build",
                expected=f"{study.build} (reference_genome of meta_study.txt)",
            )
        _check_known(
            records.table.column("sample_name"),
            sample_set,
            records.path,
            records.table.column("line").to_numpy(),
            "sample",
            "Tumor_Sample_Barcode",
        )
        contents.mutations.append(records)
    for meta in study.of_role("cna"):
        matrix = read_discrete_cna(meta.data_path())
        unknown = [s for s in matrix.samples if s not in sample_set]
        if unknown:
            raise InputError(
                f"sample column {unknown[0]} is not a sample of the clinical sample file",
                path=str(matrix.path),
                line=matrix.header_line,
                field=unknown[0],
                expected="a SAMPLE_ID of the clinical sample file",
            )
        contents.cna.append(matrix)
    for meta in study.of_role("structural_variants"):
        table = read_structural_variants(meta.data_path())
        _check_known(
            table.column("sample_id"),
            sample_set,
            meta.data_path(),
            table.column("line").to_numpy(),
            "sample",
            "Sample_Id",
        )
        contents.structural_variants.append(table)
    for meta in study.of_role("gene_panel_matrix"):
        table, _ = read_gene_panel_matrix(meta.data_path())
        _check_known(
            table.column("sample_id"),
            sample_set,
            meta.data_path(),
            table.column("line").to_numpy(),
            "sample",
            "SAMPLE_ID",
        )
        contents.panel_matrix.append(table)
    contents.panels = [read_gene_panel(p) for p in study.gene_panel_files]
    for meta in study.of_role("timeline"):
        table = read_timeline(meta.data_path())
        lines = table.column("line").to_numpy()
        _check_known(
            table.column("patient_id"),
            patient_set,
            meta.data_path(),
            lines,
            "patient",
            "PATIENT_ID",
        )
        _check_known(
            table.column("sample_id"),
            sample_set,
            meta.data_path(),
            lines,
            "sample",
            "SAMPLE_ID",
        )
        contents.timelines.append(table)
    _outcome_rows(contents)  # check survival statuses before anything is written
    return contents


# -- rows of each table -------------------------------------------------------------------


def _sex(value: str | None) -> str | None:
    if value is None:
        return None
    return SEX_VALUES.get(value.strip().lower(), "other")


def _outcome_rows(contents: StudyContents) -> dict[str, list]:
    rows: dict[str, list] = {"patient_id": [], "endpoint": [], "months": [], "event": []}
    source = contents.patients
    if source is None:
        return rows
    for prefix, endpoint in SURVIVAL_ENDPOINTS.items():
        statuses = source.attribute(f"{prefix}_STATUS")
        months = source.attribute(f"{prefix}_MONTHS")
        for patient, (text, _, line) in statuses.items():
            try:
                event = survival_event(text)
            except ValueError:
                raise InputError(
                    f"unknown survival status {text!r}",
                    path=str(source.path),
                    line=line,
                    field=f"{prefix}_STATUS",
                    expected="1:DECEASED / 0:LIVING, 1:Recurred/Progressed / 0:DiseaseFree, ...",
                ) from None
            value = months.get(patient)
            number = None
            if value is not None:
                number = value[1]
                if number is None:
                    try:
                        number = float(value[0])
                    except ValueError:
                        raise InputError(
                            f"{prefix}_MONTHS is not a number",
                            path=str(source.path),
                            line=value[2],
                            field=f"{prefix}_MONTHS",
                            expected="a number",
                        ) from None
            rows["patient_id"].append(patient)
            rows["endpoint"].append(endpoint)
            rows["months"].append(number)
            rows["event"].append(event)
    return rows


def _clinical_rows(clinical: ClinicalFile, batch_id: str) -> pa.Table:
    values = clinical.values
    n = values.num_rows
    return pa.table(
        {
            "entity": pa.array([clinical.entity] * n, pa.string()),
            "entity_id": values.column("entity_id"),
            "attribute": values.column("attribute"),
            "value_string": values.column("value_string"),
            "value_number": values.column("value_number"),
            "datatype": values.column("datatype"),
            "batch_id": pa.array([batch_id] * n, pa.string()),
        }
    )


def _panel_assignments(contents: StudyContents) -> tuple[dict[str, list], dict[str, str]]:
    """sample_profiles rows and the mutations panel of each sample (samples.panel_id)."""
    names = contents.study.profile_names()
    rows: dict[str, list] = {"sample_id": [], "profile": [], "panel_id": []}
    mutation_panel: dict[str, str] = {}
    for table in contents.panel_matrix:
        for sample, column, panel in zip(
            table.column("sample_id").to_pylist(),
            table.column("column").to_pylist(),
            table.column("panel_id").to_pylist(),
            strict=True,
        ):
            profile = names.get(column, column.lower())
            rows["sample_id"].append(sample)
            rows["profile"].append(profile)
            rows["panel_id"].append(panel)
            if profile == "mutations" and panel.upper() not in WHOLE_GENOME_PANELS:
                mutation_panel[sample] = panel
    return rows, mutation_panel


def _collection_days(contents: StudyContents) -> dict[str, int]:
    days: dict[str, int] = {}
    for table in contents.timelines:
        specimens = table.filter(
            pc.and_(
                pc.equal(table.column("event_type"), "SPECIMEN"),
                pc.is_valid(table.column("sample_id")),
            )
        )
        for sample, day in zip(
            specimens.column("sample_id").to_pylist(),
            specimens.column("start_day").to_pylist(),
            strict=True,
        ):
            days[sample] = min(day, days.get(sample, day))
    return days


def _lift_breakpoints(
    table: pa.Table, source_build: str, ws: Workspace, chain: Path | None
) -> tuple[pa.Table, list[dict]]:
    """SV breakpoints lifted to the workspace build; an unliftable one gets a null
    chromosome and position and is reported (line, breakpoint, chrom, pos, reason)."""
    if source_build == ws.build or table.num_rows == 0:
        return table, []
    from genomed.io.chain import ChainFile, find_chain

    chain_file = ChainFile.load(find_chain(source_build, ws.build, chain))
    lines = table.column("line").to_pylist()
    unlifted: list[dict] = []
    for side in ("1", "2"):
        chrom_name, pos_name = f"chrom{side}", f"pos{side}"
        chrom = np.asarray(table.column(chrom_name).to_pylist(), dtype=object)
        pos = table.column(pos_name).to_pylist()
        rows = np.flatnonzero(
            [c is not None and p is not None for c, p in zip(chrom, pos, strict=True)]
        )
        if not len(rows):
            continue
        result = chain_file.lift_positions(
            chrom[rows], np.asarray([pos[i] for i in rows], dtype=np.int64)
        )
        new_chrom = chrom.copy()
        new_pos = np.asarray(pos, dtype=object)
        for k, i in enumerate(rows):
            if result.ok[k]:
                new_chrom[i], new_pos[i] = result.chrom[k], int(result.pos[k])
            else:
                unlifted.append(
                    {
                        "line": lines[i],
                        "breakpoint": side,
                        "chrom": chrom[i],
                        "pos": pos[i],
                        "reason": result.reason[k],
                    }
                )
                new_chrom[i], new_pos[i] = None, None
        table = table.set_column(
            table.column_names.index(chrom_name),
            chrom_name,
            pa.array(new_chrom.tolist(), pa.string()),
        )
        table = table.set_column(
            table.column_names.index(pos_name), pos_name, pa.array(new_pos.tolist(), pa.int64())
        )
    return table, unlifted


def _stage(
    tx: Transaction,
    ws: Workspace,
    contents: StudyContents,
    options: StudyIngestOptions,
    batch_id: str,
) -> tuple[dict[str, int], dict]:
    rows: dict[str, int] = defaultdict(int)
    report: dict = {
        "study_id": contents.study.study_id,
        "type_of_cancer": contents.study.type_of_cancer,
        "source_build": contents.build,
        "workspace_build": ws.build,
        "files_not_read": [
            {
                "meta": m.path.name,
                "genetic_alteration_type": m.alteration_type,
                "datatype": m.datatype,
            }
            for m in contents.study.not_read
        ],
    }

    def append(name: str, data) -> None:
        table = data if isinstance(data, pa.Table) else pa.table(data)
        if table.num_rows == 0:
            return
        if "batch_id" not in table.column_names:
            table = table.append_column(
                "batch_id", pa.array([batch_id] * table.num_rows, pa.string())
            )
        tx.append(name, table)
        rows[name] += table.num_rows

    # molecular data first: mutations need the workspace's variants as they were
    sample_ids = {s: s for s in contents.samples.ids}
    mutation_reports = []
    normals: dict[str, str] = {}
    for records in contents.mutations:
        written, part = stage_mutations(
            tx,
            ws,
            records,
            sample_ids=sample_ids,
            source_build=contents.build,
            batch_id=batch_id,
            chain=options.chain,
        )
        for name, count in written.items():
            rows[name] += count
        part["file"] = records.path.name
        mutation_reports.append(part)
        for sample, normal in matched_normals(records).items():
            normals.setdefault(sample, normal)
    report["mutations"] = mutation_reports
    report["unlifted_count"] = sum(p["unlifted_count"] for p in mutation_reports)

    for matrix in contents.cna:
        append("cna", matrix.calls)
    sv_unlifted: list[dict] = []
    for table in contents.structural_variants:
        lifted, lost = _lift_breakpoints(table, contents.build, ws, options.chain)
        sv_unlifted.extend(lost)
        append("structural_variants", lifted.drop(["line"]))
    report["sv_breakpoints_unlifted"] = sv_unlifted[:REPORT_LIMIT]
    report["unlifted_count"] += len(sv_unlifted)

    have_panels = known_ids(ws, "gene_panels", "panel_id")
    defined = set(have_panels)
    for panel in contents.panels:
        if panel.panel_id in defined:
            continue
        defined.add(panel.panel_id)
        append(
            "gene_panels",
            {"panel_id": [panel.panel_id] * len(panel.genes), "gene": list(panel.genes)},
        )
    profiles, mutation_panel = _panel_assignments(contents)
    append("sample_profiles", profiles)
    report["undefined_panels"] = sorted(
        {p for p in profiles["panel_id"] if p.upper() not in WHOLE_GENOME_PANELS} - defined
    )

    # clinical: patients, samples, attributes, outcomes, diagnoses
    have_patients = known_ids(ws, "patients", "patient_id")
    have_samples = known_ids(ws, "samples", "sample_id")
    sex = contents.patients.attribute("SEX") if contents.patients else {}
    if contents.patients and not sex:
        sex = contents.patients.attribute("GENDER")
    age = contents.patients.attribute("AGE") if contents.patients else {}
    new_patients = [p for p in contents.patient_ids if p not in have_patients]
    institution = options.institution_id or ws.institution_id
    append(
        "patients",
        {
            "patient_id": new_patients,
            "institution_id": [institution] * len(new_patients),
            "sex": [_sex(sex[p][0]) if p in sex else None for p in new_patients],
            "age_at_diagnosis": pa.array(
                [age[p][1] if p in age else None for p in new_patients], pa.float64()
            ),
        },
    )
    oncotree = contents.samples.attribute("ONCOTREE_CODE")
    cancer_type = contents.samples.attribute("CANCER_TYPE")
    detailed = contents.samples.attribute("CANCER_TYPE_DETAILED")
    days = _collection_days(contents)
    patient_of = contents.patient_of_sample
    new_samples = [s for s in contents.samples.ids if s not in have_samples]
    append(
        "samples",
        {
            "sample_id": new_samples,
            "patient_id": [patient_of[s] for s in new_samples],
            "kind": ["tumor"] * len(new_samples),
            "tumor_type": [oncotree[s][0].upper() if s in oncotree else None for s in new_samples],
            "panel_id": [mutation_panel.get(s) for s in new_samples],
            "source_name": new_samples,
            "matched_normal_id": [normals.get(s) for s in new_samples],
            "collection_day": pa.array([days.get(s) for s in new_samples], pa.int32()),
        },
    )
    diagnosed = [
        s for s in contents.samples.ids if s in oncotree or s in cancer_type or s in detailed
    ]
    append(
        "diagnoses",
        {
            "patient_id": [patient_of[s] for s in diagnosed],
            "sample_id": diagnosed,
            "tumor_type": [oncotree[s][0].upper() if s in oncotree else None for s in diagnosed],
            "disease_label": [
                (detailed.get(s) or cancer_type.get(s) or (None,))[0] for s in diagnosed
            ],
            "age_at_diagnosis": pa.array(
                [age[patient_of[s]][1] if patient_of[s] in age else None for s in diagnosed],
                pa.float64(),
            ),
        },
    )
    if contents.patients:
        append("clinical_attributes", _clinical_rows(contents.patients, batch_id))
    append("clinical_attributes", _clinical_rows(contents.samples, batch_id))
    outcomes = _outcome_rows(contents)
    append("outcomes", {**outcomes, "months": pa.array(outcomes["months"], pa.float64())})

    # timelines
    for table in contents.timelines:
        append(
            "timeline",
            table.select(["patient_id", "event_type", "start_day", "stop_day", "attributes"]),
        )
        given = table.filter(
            pc.and_(
                pc.equal(table.column("event_type"), "TREATMENT"),
                pc.is_valid(table.column("agent")),
            )
        )
        append(
            "treatments",
            {
                "patient_id": given.column("patient_id"),
                "drug": pc.utf8_lower(given.column("agent")),
                "start_day": given.column("start_day"),
                "stop_day": given.column("stop_day"),
                "treatment_type": given.column("treatment_type"),
            },
        )

    report["patients"] = len(contents.patient_ids)
    report["samples"] = len(contents.samples.ids)
    report["patients_already_in_workspace"] = len(contents.patient_ids) - len(new_patients)
    report["samples_already_in_workspace"] = len(contents.samples.ids) - len(new_samples)
    report["gene_panels_already_in_workspace"] = sorted(
        {p.panel_id for p in contents.panels} & have_panels
    )
    return dict(rows), report


def ingest_cbioportal(
    workspace: Workspace | str | Path, folder: str | Path, options: StudyIngestOptions | None = None
) -> IngestResult:
    """Ingest a cBioPortal study folder (see the module notes); returns what was written.

    Bad input raises :class:`InputError` before the workspace is touched (a workspace
    path that does not exist is created, with the study's build, only for good input).
    """
    options = options or StudyIngestOptions()
    contents = read_study(folder, options)
    ws = open_workspace(workspace, contents.build, options.institution_id)
    digest = sha256_of(contents.study.files)

    def write(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        return _stage(tx, ws, contents, options, batch_id)

    return commit_ingest(
        ws,
        kind="cbioportal",
        source=contents.study.path.resolve().name,
        sha256=digest,
        write=write,
        build=contents.build,
        institution_id=options.institution_id,
    )
