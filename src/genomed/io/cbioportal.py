"""cBioPortal study folders: meta files, clinical files, CNA, SV, gene panels, timelines.

A study folder holds ``meta_study.txt`` (``cancer_study_identifier``, ``type_of_cancer``,
``reference_genome``) and one ``meta_*.txt`` per data file, naming it with
``data_filename`` and saying what it holds with ``genetic_alteration_type`` and
``datatype``. The data files read here:

======================================  ===============================================
genetic_alteration_type / datatype      reader
======================================  ===============================================
CLINICAL / PATIENT_ATTRIBUTES           :func:`read_clinical` (entity ``patient``)
CLINICAL / SAMPLE_ATTRIBUTES            :func:`read_clinical` (entity ``sample``)
CLINICAL / TIMELINE                     :func:`read_timeline`
MUTATION_EXTENDED / MAF                 :func:`genomed.io.maf.read_maf`
COPY_NUMBER_ALTERATION / DISCRETE       :func:`read_discrete_cna`
STRUCTURAL_VARIANT / SV                 :func:`read_structural_variants`
GENE_PANEL_MATRIX / GENE_PANEL_MATRIX   :func:`read_gene_panel_matrix`
======================================  ===============================================

plus gene panel definitions (``*gene_panel*.txt`` files that start with ``stable_id:``;
:func:`read_gene_panel`). Other meta files are listed as not read.

Every reader checks its file and raises :class:`~genomed.errors.InputError` naming the
file, line and column; none of them writes anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.errors import InputError
from genomed.io.maf import (
    NUMBER_PATTERN,
    TabTable,
    genome_build,
    parse_integers,
    read_tab_separated,
)
from genomed.model.chromosome import normalise_chrom

#: Clinical values cBioPortal treats as "no value" (compared case-insensitively).
CLINICAL_MISSING = (
    "",
    "na",
    "n/a",
    "[not available]",
    "[not applicable]",
    "[unknown]",
    "[not evaluated]",
    "[discrepancy]",
    "[completed]",
    "[pending]",
    "[null]",
)
DATATYPES = ("STRING", "NUMBER", "BOOLEAN")

#: (genetic_alteration_type, datatype) of the data files this module reads -> role.
ROLES = {
    ("CLINICAL", "PATIENT_ATTRIBUTES"): "clinical_patient",
    ("CLINICAL", "SAMPLE_ATTRIBUTES"): "clinical_sample",
    ("CLINICAL", "TIMELINE"): "timeline",
    ("MUTATION_EXTENDED", "MAF"): "mutations",
    ("COPY_NUMBER_ALTERATION", "DISCRETE"): "cna",
    ("STRUCTURAL_VARIANT", "SV"): "structural_variants",
    ("GENE_PANEL_MATRIX", "GENE_PANEL_MATRIX"): "gene_panel_matrix",
}

#: Alteration type of a molecular profile -> ``sample_profiles.profile``.
PROFILE_OF_ALTERATION = {
    "MUTATION_EXTENDED": "mutations",
    "COPY_NUMBER_ALTERATION": "cna",
    "STRUCTURAL_VARIANT": "structural_variants",
}

#: Survival status words without the ``0:``/``1:`` prefix -> event (True) or censored.
SURVIVAL_STATUS_WORDS = {
    "deceased": True,
    "dead": True,
    "dead with tumor": True,
    "recurred/progressed": True,
    "recurred": True,
    "progressed": True,
    "progression": True,
    "relapsed": True,
    "living": False,
    "alive": False,
    "diseasefree": False,
    "disease free": False,
    "progressionfree": False,
    "censored": False,
    "censor": False,
    "alive or dead tumor free": False,
}

#: Time-to-event attribute prefixes -> ``outcomes.endpoint``.
SURVIVAL_ENDPOINTS = {"OS": "os", "PFS": "pfs", "DFS": "dfs", "DSS": "dss"}


def survival_event(value: str) -> bool:
    """True for an event (``1:DECEASED``, ``1:Recurred/Progressed``), False when censored
    (``0:LIVING``, ``0:DiseaseFree``). The ``0:``/``1:`` prefix decides when present;
    otherwise the word is looked up in :data:`SURVIVAL_STATUS_WORDS` (``ValueError`` if
    unknown)."""
    text = value.strip()
    head, sep, _ = text.partition(":")
    if sep and head.strip() in ("0", "1"):
        return head.strip() == "1"
    if text in ("0", "1"):
        return text == "1"
    word = text.lower()
    if word in SURVIVAL_STATUS_WORDS:
        return SURVIVAL_STATUS_WORDS[word]
    raise ValueError(value)


def clinical_missing(values: pa.Array) -> pa.Array:
    """True where a clinical cell holds no value (:data:`CLINICAL_MISSING`)."""
    return pc.is_in(pc.utf8_lower(values), value_set=pa.array(CLINICAL_MISSING))


# -- meta files and the folder --------------------------------------------------------


@dataclass
class MetaFile:
    """One ``meta_*.txt``: ``key: value`` lines, with the line of each key."""

    path: Path
    fields: dict[str, str]
    lines: dict[str, int]

    @property
    def alteration_type(self) -> str:
        return self.fields.get("genetic_alteration_type", "").upper()

    @property
    def datatype(self) -> str:
        return self.fields.get("datatype", "").upper()

    @property
    def stable_id(self) -> str | None:
        return self.fields.get("stable_id")

    def require(self, key: str) -> str:
        value = self.fields.get(key, "")
        if not value:
            raise InputError(f"missing {key}", path=str(self.path), field=key)
        return value

    def data_path(self) -> Path:
        """The data file this meta file names (``InputError`` if it does not exist)."""
        name = self.require("data_filename")
        path = self.path.parent / name
        if not path.is_file():
            raise InputError(
                f"data file {name} does not exist",
                path=str(self.path),
                line=self.lines.get("data_filename"),
                field="data_filename",
            )
        return path


def read_meta(path: str | Path) -> MetaFile:
    """Read a cBioPortal meta file (``key: value`` per line, blank lines allowed)."""
    path = Path(path)
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    with open(path) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip() or text.startswith("#"):
                continue
            key, sep, value = text.partition(":")
            if not sep or not key.strip():
                raise InputError(
                    "not a 'key: value' line", path=str(path), line=number, expected="key: value"
                )
            fields[key.strip()] = value.strip()
            lines[key.strip()] = number
    return MetaFile(path, fields, lines)


@dataclass
class StudyFolder:
    """A cBioPortal study folder, its meta files sorted by role (see :data:`ROLES`)."""

    path: Path
    study_id: str
    type_of_cancer: str
    build: str
    meta: MetaFile
    roles: dict[str, list[MetaFile]] = field(default_factory=dict)
    not_read: list[MetaFile] = field(default_factory=list)
    gene_panel_files: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def of_role(self, role: str) -> list[MetaFile]:
        return self.roles.get(role, [])

    def profile_names(self) -> dict[str, str]:
        """Gene-panel-matrix column (a profile's ``stable_id``) -> ``sample_profiles.profile``."""
        names = {}
        for metas in self.roles.values():
            for meta in metas:
                profile = PROFILE_OF_ALTERATION.get(meta.alteration_type)
                if profile and meta.stable_id:
                    names[meta.stable_id] = profile
        return names


def _is_gene_panel_file(path: Path) -> bool:
    if "gene_panel" not in path.name or not path.name.endswith(".txt"):
        return False
    with open(path) as handle:
        for text in handle:
            if text.strip():
                return text.startswith("stable_id:")
    return False


def open_study(folder: str | Path) -> StudyFolder:
    """Read ``meta_study.txt`` and every ``meta_*.txt`` of a study folder.

    The study's build comes from ``reference_genome`` (``hg19`` when absent, as in
    cBioPortal). ``files`` lists every file of the folder (hidden files excepted), the
    content an ingest's sha256 covers.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a cBioPortal study folder", path=str(folder))
    study_path = folder / "meta_study.txt"
    if not study_path.is_file():
        raise InputError(
            "missing meta_study.txt", path=str(folder), expected="a cBioPortal study folder"
        )
    meta = read_meta(study_path)
    study_id = meta.require("cancer_study_identifier")
    type_of_cancer = meta.require("type_of_cancer")
    reference = meta.fields.get("reference_genome", "hg19")
    build = genome_build(reference)
    if build is None:
        raise InputError(
            f"unsupported reference_genome {reference!r}",
            path=str(study_path),
            line=meta.lines.get("reference_genome"),
            field="reference_genome",
            expected="hg19/GRCh37 or hg38/GRCh38",
        )
    study = StudyFolder(folder, study_id, type_of_cancer, build, meta)
    for path in sorted(folder.glob("meta_*.txt")):
        if path == study_path:
            continue
        item = read_meta(path)
        other = item.fields.get("cancer_study_identifier")
        if other is not None and other != study_id:
            raise InputError(
                f"cancer_study_identifier {other} differs from meta_study.txt ({study_id})",
                path=str(path),
                line=item.lines.get("cancer_study_identifier"),
                field="cancer_study_identifier",
            )
        role = ROLES.get((item.alteration_type, item.datatype))
        if role is None:
            study.not_read.append(item)
            continue
        item.data_path()
        study.roles.setdefault(role, []).append(item)
    study.gene_panel_files = [p for p in sorted(folder.glob("*.txt")) if _is_gene_panel_file(p)]
    study.files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    return study


# -- clinical files ------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicalAttribute:
    """One attribute of a clinical file, from its ``#`` header rows."""

    name: str
    display_name: str
    description: str
    datatype: str
    priority: str


@dataclass
class ClinicalFile:
    """A clinical patient or sample file.

    ``ids`` are the entity ids (PATIENT_ID or SAMPLE_ID) in file order, ``lines`` their
    lines, ``patient_ids`` the PATIENT_ID of each row (same as ``ids`` for a patient
    file). ``values`` is long: ``entity_id``, ``attribute``, ``value_string``,
    ``value_number`` (NUMBER attributes), ``datatype``, ``line``; one row per attribute
    value that is not missing (:data:`CLINICAL_MISSING`).
    """

    path: Path
    entity: str
    attributes: dict[str, ClinicalAttribute]
    ids: list[str]
    lines: list[int]
    patient_ids: list[str]
    values: pa.Table

    def attribute(self, name: str) -> dict[str, tuple[str, float | None, int]]:
        """{entity id: (text, number, line)} of one attribute (only entities with a value)."""
        selected = self.values.filter(pc.equal(self.values.column("attribute"), name))
        return {
            entity: (text, number, line)
            for entity, text, number, line in zip(
                selected.column("entity_id").to_pylist(),
                selected.column("value_string").to_pylist(),
                selected.column("value_number").to_pylist(),
                selected.column("line").to_pylist(),
                strict=True,
            )
        }


def _header_rows(tab: TabTable) -> list[list[str]]:
    """The ``#`` metadata rows of a clinical file: 4 (display name, description, datatype,
    priority) or 5 (the older format with an attribute-type row before priority)."""
    rows = tab.comments
    if len(rows) not in (4, 5):
        raise InputError(
            f"{len(rows)} metadata rows starting with '#'",
            path=str(tab.path),
            line=1,
            expected="4 rows: display names, descriptions, datatypes, priorities",
        )
    parsed = []
    for number, text in enumerate(rows, start=1):
        cells = [c.strip() for c in text[1:].split("\t")]
        if len(cells) != len(tab.names):
            raise InputError(
                f"{len(cells)} fields in a metadata row, the header has {len(tab.names)}",
                path=str(tab.path),
                line=number,
            )
        parsed.append(cells)
    return parsed


def read_clinical(path: str | Path, entity: str) -> ClinicalFile:
    """Read a cBioPortal clinical file; ``entity`` is ``patient`` or ``sample``.

    Requires PATIENT_ID (and SAMPLE_ID for samples), unique non-empty ids, a datatype of
    STRING, NUMBER or BOOLEAN for every attribute, numbers in NUMBER columns and
    TRUE/FALSE in BOOLEAN columns (missing values excepted); otherwise
    :class:`InputError` with line and attribute.
    """
    tab = read_tab_separated(path)
    rows = _header_rows(tab)
    datatype_row, priority_row = rows[2], rows[-1]
    id_column = "PATIENT_ID" if entity == "patient" else "SAMPLE_ID"
    names = {name.upper(): name for name in tab.names}
    for required in ("PATIENT_ID", id_column):
        if required not in names:
            raise InputError(
                f"missing column {required}",
                path=str(tab.path),
                line=tab.header_line,
                field=required,
            )
    attributes: dict[str, ClinicalAttribute] = {}
    for i, name in enumerate(tab.names):
        datatype = datatype_row[i].upper()
        if datatype not in DATATYPES:
            raise InputError(
                f"unknown datatype {datatype_row[i]!r}",
                path=str(tab.path),
                line=3,
                field=name,
                expected="STRING, NUMBER or BOOLEAN",
            )
        attributes[name.upper()] = ClinicalAttribute(
            name.upper(), rows[0][i], rows[1][i], datatype, priority_row[i]
        )
    ids = tab.text(names[id_column])
    tab.fail(pc.equal(ids, ""), f"empty {id_column}", names[id_column])
    patient_ids = tab.text(names["PATIENT_ID"])
    tab.fail(pc.equal(patient_ids, ""), "empty PATIENT_ID", names["PATIENT_ID"])
    id_list = ids.to_pylist()
    if len(set(id_list)) != len(id_list):
        seen: set[str] = set()
        for i, value in enumerate(id_list):
            if value in seen:
                raise InputError(
                    f"{id_column} {value} occurs twice",
                    path=str(tab.path),
                    line=int(tab.lines[i]),
                    field=names[id_column],
                )
            seen.add(value)
    parts = []
    skip = {"PATIENT_ID", id_column}
    for name in tab.names:
        attribute = attributes[name.upper()]
        if attribute.name in skip:
            continue
        raw = tab.text(name)
        present = pc.invert(clinical_missing(raw))
        number = pa.nulls(len(raw), pa.float64())
        text = raw
        if attribute.datatype == "NUMBER":
            tab.fail(
                pc.and_(present, pc.invert(pc.match_substring_regex(raw, NUMBER_PATTERN))),
                f"{attribute.name} is not a number",
                attribute.name,
                expected="a number, NA or empty (NUMBER attribute)",
            )
            number = pc.cast(pc.if_else(present, raw, pa.scalar(None, pa.string())), pa.float64())
        elif attribute.datatype == "BOOLEAN":
            text = pc.utf8_upper(raw)
            tab.fail(
                pc.and_(present, pc.invert(pc.is_in(text, value_set=pa.array(["TRUE", "FALSE"])))),
                f"{attribute.name} is not TRUE or FALSE",
                attribute.name,
                expected="TRUE, FALSE, NA or empty (BOOLEAN attribute)",
            )
        mask = present
        count = pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
        parts.append(
            pa.table(
                {
                    "entity_id": ids.filter(mask),
                    "attribute": pa.array([attribute.name] * count, pa.string()),
                    "value_string": text.filter(mask),
                    "value_number": number.filter(mask),
                    "datatype": pa.array([attribute.datatype] * count, pa.string()),
                    "line": pa.array(tab.lines, pa.int64()).filter(mask),
                }
            )
        )
    values = (
        pa.concat_tables(parts)
        if parts
        else pa.table(
            {
                "entity_id": pa.array([], pa.string()),
                "attribute": pa.array([], pa.string()),
                "value_string": pa.array([], pa.string()),
                "value_number": pa.array([], pa.float64()),
                "datatype": pa.array([], pa.string()),
                "line": pa.array([], pa.int64()),
            }
        )
    )
    return ClinicalFile(
        tab.path,
        entity,
        attributes,
        id_list,
        [int(x) for x in tab.lines],
        patient_ids.to_pylist(),
        values,
    )


# -- molecular data ------------------------------------------------------------------


@dataclass
class CnaMatrix:
    """A discrete CNA file: ``samples`` (its sample columns, header on ``header_line``)
    and ``calls`` (``sample_id``, ``gene``, ``value`` int8; zeros and NA left out)."""

    path: Path
    samples: list[str]
    header_line: int
    calls: pa.Table


CNA_VALUES = ("-2", "-1", "0", "1", "2")


def read_discrete_cna(path: str | Path) -> CnaMatrix:
    """Read ``data_cna.txt``: Hugo_Symbol[, Entrez_Gene_Id], then one column per sample
    with -2 (deep deletion), -1, 0, 1, 2 (amplification) or NA."""
    tab = read_tab_separated(path)
    gene_column = tab.find("Hugo_Symbol")
    if gene_column is None:
        raise InputError(
            "missing column Hugo_Symbol",
            path=str(tab.path),
            line=tab.header_line,
            field="Hugo_Symbol",
        )
    genes = tab.text(gene_column)
    tab.fail(pc.equal(genes, ""), "empty Hugo_Symbol", gene_column)
    fixed = {gene_column.lower(), "entrez_gene_id", "cytoband"}
    samples = [name for name in tab.names if name.lower() not in fixed]
    parts = []
    for sample in samples:
        raw = tab.text(sample)
        present = pc.invert(clinical_missing(raw))
        tab.fail(
            pc.and_(present, pc.invert(pc.is_in(raw, value_set=pa.array(CNA_VALUES)))),
            "not a discrete copy-number value",
            sample,
            expected="-2, -1, 0, 1, 2 or NA",
        )
        keep = pc.and_(present, pc.not_equal(raw, "0"))
        count = pc.sum(pc.cast(keep, pa.int64())).as_py() or 0
        parts.append(
            pa.table(
                {
                    "sample_id": pa.array([sample] * count, pa.string()),
                    "gene": genes.filter(keep),
                    "value": pc.cast(raw.filter(keep), pa.int8()),
                }
            )
        )
    calls = (
        pa.concat_tables(parts)
        if parts
        else pa.table(
            {
                "sample_id": pa.array([], pa.string()),
                "gene": pa.array([], pa.string()),
                "value": pa.array([], pa.int8()),
            }
        )
    )
    return CnaMatrix(tab.path, samples, tab.header_line, calls)


def _text_or_null(tab: TabTable, name: str, missing=clinical_missing) -> pa.Array:
    if not tab.has(name):
        return pa.nulls(tab.num_rows, pa.string())
    raw = tab.text(name)
    return pc.if_else(missing(raw), pa.scalar(None, pa.string()), raw)


def _chroms(values: pa.Array) -> pa.Array:
    return pa.array(
        [normalise_chrom(v) if v is not None else None for v in values.to_pylist()], pa.string()
    )


def read_structural_variants(path: str | Path) -> pa.Table:
    """Read a cBioPortal SV file (``data_sv.txt``) into ``sample_id``, ``gene1``,
    ``gene2``, ``chrom1``, ``pos1``, ``chrom2``, ``pos2``, ``sv_class``, ``event_info``,
    ``line``. Sample_Id is required; positions must be integers where given."""
    tab = read_tab_separated(path)
    if not tab.has("Sample_Id"):
        raise InputError(
            "missing column Sample_Id", path=str(tab.path), line=tab.header_line, field="Sample_Id"
        )
    samples = tab.text("Sample_Id")
    tab.fail(pc.equal(samples, ""), "empty Sample_Id", tab.find("Sample_Id"))
    columns = {"sample_id": samples, "line": pa.array(tab.lines, pa.int64())}
    for side in ("1", "2"):
        columns[f"gene{side}"] = _text_or_null(tab, f"Site{side}_Hugo_Symbol")
        columns[f"chrom{side}"] = _chroms(_text_or_null(tab, f"Site{side}_Chromosome"))
        position = f"Site{side}_Position"
        columns[f"pos{side}"] = (
            parse_integers(tab, position)
            if tab.has(position)
            else pa.nulls(tab.num_rows, pa.int64())
        )
    columns["sv_class"] = _text_or_null(tab, "Class")
    columns["event_info"] = _text_or_null(tab, "Event_Info")
    return pa.table(columns)


def read_gene_panel_matrix(path: str | Path) -> tuple[pa.Table, list[str]]:
    """Read ``data_gene_panel_matrix.txt``: SAMPLE_ID then one column per profile
    (``stable_id``), each cell a panel id, WES/WGS, or NA (not profiled: no row).

    Returns (``sample_id``, ``column``, ``panel_id``, ``line`` rows; the profile columns).
    """
    tab = read_tab_separated(path)
    id_column = tab.find("SAMPLE_ID")
    if id_column is None:
        raise InputError(
            "missing column SAMPLE_ID", path=str(tab.path), line=tab.header_line, field="SAMPLE_ID"
        )
    samples = tab.text(id_column)
    tab.fail(pc.equal(samples, ""), "empty SAMPLE_ID", id_column)
    profiles = [name for name in tab.names if name != id_column]
    parts = []
    lines = pa.array(tab.lines, pa.int64())
    for profile in profiles:
        raw = tab.text(profile)
        keep = pc.invert(clinical_missing(raw))
        count = pc.sum(pc.cast(keep, pa.int64())).as_py() or 0
        parts.append(
            pa.table(
                {
                    "sample_id": samples.filter(keep),
                    "column": pa.array([profile] * count, pa.string()),
                    "panel_id": raw.filter(keep),
                    "line": lines.filter(keep),
                }
            )
        )
    if not parts:
        return pa.table(
            {
                "sample_id": pa.array([], pa.string()),
                "column": pa.array([], pa.string()),
                "panel_id": pa.array([], pa.string()),
                "line": pa.array([], pa.int64()),
            }
        ), profiles
    return pa.concat_tables(parts), profiles


@dataclass(frozen=True)
class GenePanel:
    """A gene panel definition: ``stable_id``, ``description`` and its genes."""

    panel_id: str
    description: str
    genes: tuple[str, ...]
    path: Path


def read_gene_panel(path: str | Path) -> GenePanel:
    """Read a gene panel file (``stable_id:``, ``description:``, ``gene_list:`` lines;
    genes separated by tabs or spaces)."""
    meta = read_meta(path)
    genes = tuple(g for g in meta.require("gene_list").split() if g)
    if not genes:
        raise InputError("empty gene_list", path=str(path), field="gene_list")
    return GenePanel(
        meta.require("stable_id"), meta.fields.get("description", ""), genes, Path(path)
    )


# -- timelines -------------------------------------------------------------------------

_TIMELINE_FIXED = ("PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE")


def read_timeline(path: str | Path) -> pa.Table:
    """Read a cBioPortal timeline file (PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE,
    then any columns).

    Returns ``patient_id``, ``event_type`` (upper case), ``start_day``, ``stop_day``,
    ``attributes`` (JSON object of the other non-missing columns), ``sample_id``,
    ``agent``, ``treatment_type`` (SUBTYPE, else TREATMENT_TYPE, lower case) and ``line``.
    START_DATE is required and, like STOP_DATE, an integer number of days.
    """
    tab = read_tab_separated(path)
    for required in ("PATIENT_ID", "START_DATE", "EVENT_TYPE"):
        if not tab.has(required):
            raise InputError(
                f"missing column {required}",
                path=str(tab.path),
                line=tab.header_line,
                field=required,
            )
    patients = tab.text("PATIENT_ID")
    tab.fail(pc.equal(patients, ""), "empty PATIENT_ID", tab.find("PATIENT_ID"))
    start_raw = tab.text("START_DATE")
    tab.fail(
        clinical_missing(start_raw),
        "missing START_DATE",
        tab.find("START_DATE"),
        expected="a day number",
    )
    start = parse_integers(tab, "START_DATE", signed=True)
    stop = (
        parse_integers(tab, "STOP_DATE", signed=True)
        if tab.has("STOP_DATE")
        else pa.nulls(tab.num_rows, pa.int64())
    )
    event_type = pc.utf8_upper(tab.text("EVENT_TYPE"))
    tab.fail(pc.equal(event_type, ""), "empty EVENT_TYPE", tab.find("EVENT_TYPE"))
    extra = [name for name in tab.names if name.upper() not in _TIMELINE_FIXED]
    extra_values = {name: _text_or_null(tab, name).to_pylist() for name in extra}
    attributes = [
        json.dumps(
            {name: extra_values[name][i] for name in extra if extra_values[name][i] is not None},
            sort_keys=True,
        )
        for i in range(tab.num_rows)
    ]
    subtype = _text_or_null(tab, "SUBTYPE")
    treatment_type = pc.utf8_lower(pc.coalesce(subtype, _text_or_null(tab, "TREATMENT_TYPE")))
    return pa.table(
        {
            "patient_id": patients,
            "event_type": event_type,
            "start_day": pc.cast(start, pa.int32()),
            "stop_day": pc.cast(stop, pa.int32()),
            "attributes": pa.array(attributes, pa.string()),
            "sample_id": _text_or_null(tab, "SAMPLE_ID"),
            "agent": _text_or_null(tab, "AGENT"),
            "treatment_type": treatment_type,
            "line": pa.array(tab.lines, pa.int64()),
        }
    )


def first_unknown(values: pa.Array | list, known) -> int | None:
    """Index of the first non-null value not in ``known`` (``None`` when all are known)."""
    array = pa.array(values, pa.string()) if isinstance(values, list) else values
    unknown = pc.and_(
        pc.is_valid(array),
        pc.invert(pc.is_in(array, value_set=pa.array(sorted(known), pa.string()))),
    )
    bad = np.flatnonzero(unknown.to_numpy(zero_copy_only=False))
    return int(bad[0]) if len(bad) else None
