"""GA4GH Phenopacket v2 JSON: one file in, plain records out (no workspace knowledge).

Reads the parts genomed stores: the subject (id, sex, date of birth, age at last
encounter, vital status), ``phenotypicFeatures`` (HPO terms, excluded ones kept),
``diseases``, the variants of ``interpretations[].diagnosis.genomicInterpretations``
(``vcfRecord`` alleles with their allelic state, or a ``structuralType`` for variants
without one), ``biosamples`` and ``measurements``. Other fields are ignored.

Phenopackets are protobuf messages written as JSON, and protobuf JSON omits default
values: an absent ``excluded`` is false, an absent ``sex`` is ``UNKNOWN_SEX``, and int64
fields such as ``vcfRecord.pos`` may be written as strings. All three are accepted.

Errors are :class:`~genomed.errors.InputError` with the file, the JSON path of the bad
value as ``field`` (``phenotypicFeatures[3].type.id``) and a line when the JSON parser
gives one or the bad value occurs exactly once in the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genomed.errors import InputError

HPO_ID = re.compile(r"^HP:\d{7}$")
CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$")
_ALLELE = re.compile(r"^[ACGTNacgtn]+$")
_DURATION = re.compile(
    r"^P(?!$)(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_DATE = re.compile(r"^(?P<year>\d{4})-\d{2}-\d{2}")

#: Phenopacket ``Sex`` enum -> ``patients.sex``.
SEX = {"FEMALE": "female", "MALE": "male", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}

#: ``vcfRecord.genomeAssembly`` spellings (lower case, patch suffix removed) -> build.
ASSEMBLIES = {
    "hg19": "GRCh37",
    "grch37": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "hg38": "GRCh38",
    "grch38": "GRCh38",
}

#: GENO allelic state -> (alt_count, ploidy). Unlisted states keep the variant with
#: alt_count 0 and ploidy null, the calls-table encoding of "genotype not given".
ALLELIC_STATES: dict[str, tuple[int, int]] = {
    "GENO:0000135": (1, 2),  # heterozygous
    "GENO:0000458": (1, 2),  # simple heterozygous
    "GENO:0000402": (1, 2),  # compound heterozygous
    "GENO:0000136": (2, 2),  # homozygous
    "GENO:0000134": (1, 1),  # hemizygous
}

#: Histological diagnoses that say a biosample is *not* tumour tissue.
NEGATIVE_HISTOLOGY = frozenset({"NCIT:C38757"})  # Negative Finding

_AMINO_ACIDS = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Pyl": "O", "Xaa": "X",
}  # fmt: skip
_AMINO_ACID_RE = re.compile("|".join(_AMINO_ACIDS))


@dataclass(frozen=True)
class Term:
    """An ontology class: CURIE and label."""

    id: str
    label: str | None = None


@dataclass(frozen=True)
class TimeElement:
    """A Phenopacket time element as text (``P2Y3M``, ``HP:0003593``, ``P1Y/P5Y``,
    ``GA 30w2d``, an ISO timestamp) and, for an ISO 8601 age, its value in years."""

    text: str
    years: float | None = None


@dataclass(frozen=True)
class Subject:
    id: str
    sex: str  # female | male | other | unknown
    birth_year: int | None = None
    last_encounter: TimeElement | None = None
    vital_status: str | None = None  # ALIVE | DECEASED | UNKNOWN_STATUS
    survival_days: int | None = None
    time_of_death: TimeElement | None = None
    cause_of_death: Term | None = None


@dataclass(frozen=True)
class PhenotypicFeature:
    hpo_id: str
    label: str | None
    excluded: bool
    onset: TimeElement | None


@dataclass(frozen=True)
class Disease:
    disease_id: str
    label: str | None
    excluded: bool
    onset: TimeElement | None


@dataclass(frozen=True)
class GenomicVariant:
    """One ``variationDescriptor`` of a genomic interpretation.

    ``chrom``/``pos``/``ref``/``alt`` come from the ``vcfRecord`` (None without one);
    ``build`` is the record's assembly as GRCh37/GRCh38."""

    json_path: str
    subject_or_biosample_id: str | None
    descriptor_id: str | None
    label: str | None
    gene: str | None
    protein_change: str | None  # short HGVS p., e.g. p.R428Q
    hgvs_c: str | None
    alt_count: int
    ploidy: int | None
    allelic_state: Term | None
    build: str | None = None
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    rsid: str | None = None
    structural_type: Term | None = None
    interpretation_status: str | None = None
    acmg_class: str | None = None
    disease: Term | None = None

    @property
    def has_vcf_record(self) -> bool:
        return self.chrom is not None

    @property
    def is_symbolic(self) -> bool:
        """ALT is not a DNA sequence (``<DEL>``, ``N[chr2:123[``, ``DEL``): not placeable as
        an allele; such variants are kept as structural variants."""
        return self.alt is not None and not _ALLELE.match(self.alt)


@dataclass(frozen=True)
class Biosample:
    sample_id: str
    individual_id: str | None
    kind: str  # tumor | germline
    tumor_type: str | None  # OncoTree code when histology is an ONCOTREE: term
    sampled_tissue: Term | None = None
    histological_diagnosis: Term | None = None
    tumor_progression: Term | None = None
    tumor_grade: Term | None = None
    pathological_stage: Term | None = None
    tnm_findings: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Measurement:
    json_path: str
    assay: Term
    value_number: float | None
    value_string: str | None
    unit: str | None
    time_observed: TimeElement | None


@dataclass(frozen=True)
class Phenopacket:
    """What genomed reads from one phenopacket file."""

    id: str
    path: Path
    sha256: str
    subject: Subject
    features: tuple[PhenotypicFeature, ...] = ()
    diseases: tuple[Disease, ...] = ()
    diagnosed: tuple[Term, ...] = ()  # interpretations[].diagnosis.disease
    variants: tuple[GenomicVariant, ...] = ()
    biosamples: tuple[Biosample, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    notes: dict[str, int] = field(default_factory=dict)


def short_protein_change(hgvs_p: str | None) -> str | None:
    """``NP_065873.2:p.(Arg428Gln)`` -> ``p.R428Q`` (accession and brackets dropped,
    three-letter amino acids to one letter, ``Ter`` to ``*``)."""
    if not hgvs_p:
        return None
    text = hgvs_p.split(":", 1)[-1].strip()
    if not text.startswith("p."):
        return None
    body = text[2:]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    return "p." + _AMINO_ACID_RE.sub(lambda m: _AMINO_ACIDS[m.group(0)], body)


def duration_years(text: str) -> float | None:
    """Years in an ISO 8601 duration (``P1Y6M`` -> 1.5; weeks and days over 365.25)."""
    match = _DURATION.match(text)
    if not match:
        return None
    part = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    days = part["W"] * 7 + part["D"] + (part["h"] + part["m"] / 60 + part["s"] / 3600) / 24
    return part["Y"] + part["M"] / 12 + days / 365.25


class _Document:
    """One parsed JSON file with helpers that raise located errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def line_of(self, value: Any) -> int | None:
        """Line of ``value`` (as JSON) when it occurs exactly once in the file."""
        needle = json.dumps(value, ensure_ascii=False)
        first = self.text.find(needle)
        if first < 0 or self.text.find(needle, first + 1) >= 0:
            return None
        return self.text.count("\n", 0, first) + 1

    def error(self, message: str, where: str, expected: str, value: Any = None) -> InputError:
        line = self.line_of(value) if value is not None else None
        return InputError(message, path=str(self.path), line=line, field=where, expected=expected)

    def object(self, node: Any, where: str, required: bool = False) -> dict:
        if node is None:
            if required:
                raise self.error("missing object", where, "a JSON object")
            return {}
        if not isinstance(node, dict):
            raise self.error(f"{type(node).__name__} instead of an object", where, "a JSON object")
        return node

    def array(self, node: Any, where: str) -> list:
        if node is None:
            return []
        if not isinstance(node, list):
            raise self.error(f"{type(node).__name__} instead of a list", where, "a JSON array")
        return node

    def string(self, node: dict, key: str, where: str, required: bool = False) -> str | None:
        value = node.get(key)
        path = f"{where}.{key}" if where else key
        if value is None or value == "":
            if required:
                raise self.error(f"missing {key}", path, "a non-empty string")
            return None
        if not isinstance(value, str):
            raise self.error(f"{value!r} is not a string", path, "a string", value)
        return value

    def boolean(self, node: dict, key: str, where: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            raise self.error(
                f"{value!r} is not true/false", f"{where}.{key}", "true or false", value
            )
        return value

    def term(self, node: Any, where: str, required: bool = False) -> Term | None:
        obj = self.object(node, where, required)
        if not obj:
            return None
        term_id = self.string(obj, "id", where, required=True)
        if not CURIE.match(term_id):
            raise self.error(
                f"{term_id!r} is not an ontology id",
                f"{where}.id",
                "a CURIE like OMIM:614959",
                term_id,
            )
        return Term(term_id, self.string(obj, "label", where))

    def time(self, node: Any, where: str) -> TimeElement | None:
        obj = self.object(node, where)
        if not obj:
            return None
        if "age" in obj:
            age = self.object(obj["age"], f"{where}.age")
            text = self.string(age, "iso8601duration", f"{where}.age", required=True)
            years = duration_years(text)
            if years is None:
                raise self.error(
                    f"{text!r} is not an ISO 8601 duration",
                    f"{where}.age.iso8601duration",
                    "a duration like P2Y3M or P10D",
                    text,
                )
            return TimeElement(text, years)
        if "ageRange" in obj:
            rng = self.object(obj["ageRange"], f"{where}.ageRange")
            ends = []
            for end in ("start", "end"):
                age = self.object(rng.get(end), f"{where}.ageRange.{end}")
                ends.append(age.get("iso8601duration", ""))
            return TimeElement("/".join(ends))
        if "ontologyClass" in obj:
            term = self.term(obj["ontologyClass"], f"{where}.ontologyClass", required=True)
            return TimeElement(term.id)
        if "gestationalAge" in obj:
            ga = self.object(obj["gestationalAge"], f"{where}.gestationalAge")
            return TimeElement(f"GA {ga.get('weeks', 0)}w{ga.get('days', 0)}d")
        if "timestamp" in obj:
            return TimeElement(str(obj["timestamp"]))
        if "interval" in obj:
            interval = self.object(obj["interval"], f"{where}.interval")
            return TimeElement(f"{interval.get('start', '')}/{interval.get('end', '')}")
        return None


def phenopacket_paths(paths: list[str | Path]) -> list[Path]:
    """The files to read: each path itself, or every ``*.json`` under a directory (sorted);
    a file reached twice is read once."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise InputError("no .json files in this directory", path=str(path))
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError("no such file", path=str(path))
    if not out:
        raise InputError("no phenopacket files given", expected="JSON files or folders")
    unique = {p.resolve(): p for p in out}  # a file named twice (itself and its folder) once
    return list(unique.values())


def read_phenopacket(path: str | Path) -> Phenopacket:
    """Parse one Phenopacket v2 JSON file (see the module docstring)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path=str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte {error.start})", path=str(path), expected="a JSON file"
        ) from None
    try:
        root = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"invalid JSON: {error.msg} (column {error.colno})",
            path=str(path),
            line=error.lineno,
            expected="a Phenopacket v2 JSON object",
        ) from None
    doc = _Document(path, text)
    root = doc.object(root, "$", required=True)
    subject = _subject(doc, root)
    packet_id = doc.string(root, "id", "") or path.stem
    notes: dict[str, int] = {}
    return Phenopacket(
        id=packet_id,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        subject=subject,
        features=tuple(_features(doc, root)),
        diseases=tuple(_diseases(doc, root)),
        diagnosed=tuple(_diagnosed(doc, root)),
        variants=tuple(_variants(doc, root)),
        biosamples=tuple(_biosamples(doc, root)),
        measurements=tuple(_measurements(doc, root, notes)),
        notes=notes,
    )


def read_phenopackets(paths: list[str | Path]) -> list[Phenopacket]:
    """Parse every file (directories expanded, see :func:`phenopacket_paths`)."""
    return [read_phenopacket(p) for p in phenopacket_paths(paths)]


def _subject(doc: _Document, root: dict) -> Subject:
    if "subject" not in root:
        raise doc.error("no subject", "subject", "a subject object with an id")
    node = doc.object(root["subject"], "subject", required=True)
    subject_id = doc.string(node, "id", "subject")
    if subject_id is None:
        raise InputError(
            "the subject has no id",
            path=str(doc.path),
            line=doc.line_of("subject"),
            field="subject.id",
            expected="a non-empty string (the pseudonymous patient id)",
        )
    sex_text = doc.string(node, "sex", "subject") or "UNKNOWN_SEX"
    if sex_text not in SEX:
        raise doc.error(
            f"unknown sex {sex_text!r}", "subject.sex", "one of " + ", ".join(SEX), sex_text
        )
    birth_year = None
    dob = doc.string(node, "dateOfBirth", "subject")
    if dob is not None:
        match = _DATE.match(dob)
        if not match:
            raise doc.error(
                f"{dob!r} is not a date",
                "subject.dateOfBirth",
                "an RFC 3339 timestamp like 1998-07-01T00:00:00Z",
                dob,
            )
        birth_year = int(match.group("year"))
    vital = doc.object(node.get("vitalStatus"), "subject.vitalStatus")
    survival = vital.get("survivalTimeInDays")
    if survival is not None:
        try:
            survival = int(survival)
        except (TypeError, ValueError):
            raise doc.error(
                f"{survival!r} is not a number of days",
                "subject.vitalStatus.survivalTimeInDays",
                "a non-negative integer",
                survival,
            ) from None
    return Subject(
        id=subject_id,
        sex=SEX[sex_text],
        birth_year=birth_year,
        last_encounter=doc.time(node.get("timeAtLastEncounter"), "subject.timeAtLastEncounter"),
        vital_status=(vital.get("status") or "UNKNOWN_STATUS") if vital else None,
        survival_days=survival,
        time_of_death=doc.time(vital.get("timeOfDeath"), "subject.vitalStatus.timeOfDeath"),
        cause_of_death=doc.term(vital.get("causeOfDeath"), "subject.vitalStatus.causeOfDeath"),
    )


def _features(doc: _Document, root: dict):
    for i, raw in enumerate(doc.array(root.get("phenotypicFeatures"), "phenotypicFeatures")):
        where = f"phenotypicFeatures[{i}]"
        node = doc.object(raw, where, required=True)
        term = doc.object(node.get("type"), f"{where}.type", required=True)
        hpo_id = doc.string(term, "id", f"{where}.type", required=True)
        if not HPO_ID.match(hpo_id):
            raise doc.error(
                f"{hpo_id!r} is not an HPO term id",
                f"{where}.type.id",
                r"HP:\d{7}, e.g. HP:0001250",
                hpo_id,
            )
        yield PhenotypicFeature(
            hpo_id=hpo_id,
            label=doc.string(term, "label", f"{where}.type"),
            excluded=doc.boolean(node, "excluded", where),
            onset=doc.time(node.get("onset"), f"{where}.onset"),
        )


def _diseases(doc: _Document, root: dict):
    for i, raw in enumerate(doc.array(root.get("diseases"), "diseases")):
        where = f"diseases[{i}]"
        node = doc.object(raw, where, required=True)
        term = doc.term(node.get("term"), f"{where}.term", required=True)
        yield Disease(
            disease_id=term.id,
            label=term.label,
            excluded=doc.boolean(node, "excluded", where),
            onset=doc.time(node.get("onset"), f"{where}.onset"),
        )


def _diagnosed(doc: _Document, root: dict):
    for i, raw in enumerate(doc.array(root.get("interpretations"), "interpretations")):
        where = f"interpretations[{i}].diagnosis"
        diagnosis = doc.object(doc.object(raw, f"interpretations[{i}]").get("diagnosis"), where)
        disease = doc.term(diagnosis.get("disease"), f"{where}.disease")
        if disease is not None:
            yield disease


def _variants(doc: _Document, root: dict):
    for i, raw in enumerate(doc.array(root.get("interpretations"), "interpretations")):
        where = f"interpretations[{i}]"
        interpretation = doc.object(raw, where, required=True)
        diagnosis = doc.object(interpretation.get("diagnosis"), f"{where}.diagnosis")
        disease = doc.term(diagnosis.get("disease"), f"{where}.diagnosis.disease")
        genomic = doc.array(
            diagnosis.get("genomicInterpretations"), f"{where}.diagnosis.genomicInterpretations"
        )
        for j, raw_gi in enumerate(genomic):
            gi_where = f"{where}.diagnosis.genomicInterpretations[{j}]"
            gi = doc.object(raw_gi, gi_where, required=True)
            vi = doc.object(gi.get("variantInterpretation"), f"{gi_where}.variantInterpretation")
            if not vi:
                continue  # a gene descriptor only: no variant to store
            vd_where = f"{gi_where}.variantInterpretation.variationDescriptor"
            vd = doc.object(vi.get("variationDescriptor"), vd_where, required=True)
            yield _variant(doc, gi, vi, vd, vd_where, disease)


def _variant(doc: _Document, gi: dict, vi: dict, vd: dict, where: str, disease: Term | None):
    expressions = {}
    for k, raw in enumerate(doc.array(vd.get("expressions"), f"{where}.expressions")):
        expression = doc.object(raw, f"{where}.expressions[{k}]")
        expressions.setdefault(expression.get("syntax"), expression.get("value"))
    state = doc.term(vd.get("allelicState"), f"{where}.allelicState")
    alt_count, ploidy = ALLELIC_STATES.get(state.id, (0, None)) if state else (0, None)
    gene = doc.object(vd.get("geneContext"), f"{where}.geneContext")
    fields: dict[str, Any] = {}
    record = doc.object(vd.get("vcfRecord"), f"{where}.vcfRecord")
    if record:
        rwhere = f"{where}.vcfRecord"
        assembly = doc.string(record, "genomeAssembly", rwhere, required=True)
        build = ASSEMBLIES.get(re.sub(r"\.p\d+$", "", assembly.strip().lower()))
        if build is None:
            raise doc.error(
                f"unknown genome assembly {assembly!r}",
                f"{rwhere}.genomeAssembly",
                "hg19/GRCh37 or hg38/GRCh38",
                assembly,
            )
        pos = record.get("pos")
        try:
            pos = int(pos)
            if pos < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise doc.error(
                f"{pos!r} is not a position", f"{rwhere}.pos", "a 1-based integer position", pos
            ) from None
        ref = doc.string(record, "ref", rwhere, required=True)
        alt = doc.string(record, "alt", rwhere, required=True)
        if not _ALLELE.match(ref):
            raise doc.error(
                f"REF {ref!r} is not a DNA sequence", f"{rwhere}.ref", "A, C, G, T, N", ref
            )
        rsid = record.get("id")
        fields = {
            "build": build,
            "chrom": doc.string(record, "chrom", rwhere, required=True),
            "pos": pos,
            "ref": ref,
            "alt": alt,
            "rsid": rsid if isinstance(rsid, str) and rsid.startswith("rs") else None,
        }
    return GenomicVariant(
        json_path=where,
        subject_or_biosample_id=gi.get("subjectOrBiosampleId"),
        descriptor_id=vd.get("id"),
        label=vd.get("label"),
        gene=gene.get("symbol"),
        protein_change=short_protein_change(expressions.get("hgvs.p")),
        hgvs_c=expressions.get("hgvs.c"),
        alt_count=alt_count,
        ploidy=ploidy,
        allelic_state=state,
        structural_type=doc.term(vd.get("structuralType"), f"{where}.structuralType"),
        interpretation_status=gi.get("interpretationStatus"),
        acmg_class=vi.get("acmgPathogenicityClassification"),
        disease=disease,
        **fields,
    )


def _biosamples(doc: _Document, root: dict):
    for i, raw in enumerate(doc.array(root.get("biosamples"), "biosamples")):
        where = f"biosamples[{i}]"
        node = doc.object(raw, where, required=True)
        sample_id = doc.string(node, "id", where, required=True)
        histology = doc.term(node.get("histologicalDiagnosis"), f"{where}.histologicalDiagnosis")
        progression = doc.term(node.get("tumorProgression"), f"{where}.tumorProgression")
        tumor = progression is not None or (
            histology is not None and histology.id not in NEGATIVE_HISTOLOGY
        )
        tnm = []
        for k, raw_t in enumerate(
            doc.array(node.get("pathologicalTnmFinding"), f"{where}.pathologicalTnmFinding")
        ):
            tnm.append(doc.term(raw_t, f"{where}.pathologicalTnmFinding[{k}]", required=True))
        tumor_type = None
        if histology is not None and histology.id.upper().startswith("ONCOTREE:"):
            tumor_type = histology.id.split(":", 1)[1].upper()
        yield Biosample(
            sample_id=sample_id,
            individual_id=doc.string(node, "individualId", where),
            kind="tumor" if tumor else "germline",
            tumor_type=tumor_type,
            sampled_tissue=doc.term(node.get("sampledTissue"), f"{where}.sampledTissue"),
            histological_diagnosis=histology,
            tumor_progression=progression,
            tumor_grade=doc.term(node.get("tumorGrade"), f"{where}.tumorGrade"),
            pathological_stage=doc.term(
                node.get("pathologicalStage"), f"{where}.pathologicalStage"
            ),
            tnm_findings=tuple(tnm),
        )


def _measurements(doc: _Document, root: dict, notes: dict[str, int]):
    for i, raw in enumerate(doc.array(root.get("measurements"), "measurements")):
        where = f"measurements[{i}]"
        node = doc.object(raw, where, required=True)
        assay = doc.term(node.get("assay"), f"{where}.assay", required=True)
        value = doc.object(node.get("value"), f"{where}.value")
        number = text = unit = None
        if "quantity" in value:
            quantity = doc.object(value["quantity"], f"{where}.value.quantity")
            raw_number = quantity.get("value", 0)  # protobuf JSON omits a zero
            if isinstance(raw_number, bool) or not isinstance(raw_number, int | float):
                raise doc.error(
                    f"{raw_number!r} is not a number",
                    f"{where}.value.quantity.value",
                    "a number",
                    raw_number,
                )
            number = float(raw_number)
            unit_term = doc.term(quantity.get("unit"), f"{where}.value.quantity.unit")
            unit = (unit_term.label or unit_term.id) if unit_term else None
        elif "ontologyClass" in value:
            text = doc.term(
                value["ontologyClass"], f"{where}.value.ontologyClass", required=True
            ).id
        else:
            notes["measurements_without_simple_value"] = (
                notes.get("measurements_without_simple_value", 0) + 1
            )
            continue
        yield Measurement(
            json_path=where,
            assay=assay,
            value_number=number,
            value_string=text,
            unit=unit,
            time_observed=doc.time(node.get("timeObserved"), f"{where}.timeObserved"),
        )
