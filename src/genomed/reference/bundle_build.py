"""Compile transcript models + sequences into a bundle directory (Parquet + manifest.json).

Sequences attach to transcripts in this order: an explicit ``sequences`` mapping
(transcript id -> cDNA, e.g. matched from a cDNA FASTA by accession), then the genome
(an indexed FASTA, or genomic slices) spliced along the model's exons. Every coding
sequence is validated (:mod:`genomed.reference.validation`); a transcript that fails
keeps its model but not its sequence, and the failure is listed, never hidden.

Canonical transcript per gene: MANE Select where known (from the MANE summary, a
``MANE_Select`` tag, or the model file's own flag), else an ``Ensembl_canonical`` tag,
else the longest CDS (then the longest transcript, then the smallest id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from genomed.errors import GenomedError
from genomed.model.chromosome import sort_key
from genomed.reference import bundle_format as fmt
from genomed.reference.mane import ManeRecord
from genomed.reference.transcript_model import TranscriptModel
from genomed.reference.validation import validate_coding_sequence

#: fetch(chrom, start1, end1) -> + strand bases, or None where the genome is unknown
Fetch = Callable[[str, int, int], "str | None"]


class BundleError(GenomedError):
    """A bundle cannot be built or opened (names the file and what is wrong)."""


@dataclass
class SequenceInput:
    """A cDNA for one transcript, with where it came from."""

    sequence: str
    source: str
    accession: str | None = None
    note: str | None = None


@dataclass
class GenomeSlice:
    """A stretch of genome (+ strand) to keep in the bundle."""

    chrom: str
    start: int
    end: int
    sequence: str
    source: str


@dataclass
class BuildReport:
    """What a build did: counts, and every transcript whose sequence failed a check."""

    path: Path
    transcripts: int = 0
    coding: int = 0
    canonical: int = 0
    with_sequence: int = 0
    failures: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "transcripts": self.transcripts,
            "coding": self.coding,
            "canonical": self.canonical,
            "with_sequence": self.with_sequence,
            "failed_validation": len(self.failures),
            "failures": self.failures,
            "id": self.manifest.get("id"),
        }


def sha256_file(path: Path) -> str:
    """sha256 of a file, or of a folder's files (names and bytes, sorted by name)."""
    digest = hashlib.sha256()
    paths = sorted(p for p in Path(path).rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in paths:
        if path.is_dir():
            digest.update(item.relative_to(path).as_posix().encode() + b"\0")
        with open(item, "rb") as handle:
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def write_parquet(table: pa.Table, path: Path) -> None:
    """zstd Parquet with delta-encoded integers (positions are nearly sorted) and
    dictionary-encoded strings: the shipped bundle stays a few megabytes."""
    ints = [f.name for f in table.schema if pa.types.is_integer(f.type)]
    strings = [f.name for f in table.schema if pa.types.is_string(f.type)]
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=strings,
        column_encoding=dict.fromkeys(ints, "DELTA_BINARY_PACKED"),
    )


def _unversioned(ident: str | None) -> str | None:
    return ident.split(".")[0] if ident else None


def choose_canonical(models: list[TranscriptModel], mane_ids: set[str]) -> set[str]:
    """Transcript ids of one canonical transcript per gene (see module docstring)."""
    by_gene: dict[str, list[TranscriptModel]] = {}
    for m in models:
        by_gene.setdefault(m.gene_id or m.gene or m.transcript_id, []).append(m)
    chosen = set()
    for group in by_gene.values():

        def rank(m: TranscriptModel) -> tuple:
            tags = m.attributes.get("tag", "")
            mane = (
                m.transcript_id in mane_ids
                or _unversioned(m.transcript_id) in mane_ids
                or "MANE_Select" in tags
                or m.attributes.get("mane_select")
            )
            cds_len = (m.cds[1] - m.cds[0]) if m.cds else -1
            return (
                0 if mane else 1,
                0 if m.attributes.get("canonical") or "Ensembl_canonical" in tags else 1,
                -cds_len,
                -m.length,
                m.transcript_id,
            )

        chosen.add(min(group, key=rank).transcript_id)
    return chosen


def _mane_index(mane: Iterable[ManeRecord]) -> dict[str, ManeRecord]:
    index: dict[str, ManeRecord] = {}
    for r in mane:
        for ident in (r.ensembl_nuc, r.refseq_nuc):
            if ident:
                index[ident] = r
                index.setdefault(_unversioned(ident), r)
    return index


def build_bundle(
    models: Iterable[TranscriptModel],
    out: str | Path,
    *,
    build: str,
    name: str,
    version: str,
    sources: list[dict],
    sequences: dict[str, SequenceInput] | None = None,
    genome: Fetch | None = None,
    genome_slices: list[GenomeSlice] | None = None,
    mane: Iterable[ManeRecord] | None = None,
    canonical: set[str] | None = None,
    canonical_only: bool = False,
    description: str = "",
) -> BuildReport:
    """Write a bundle to ``out`` (created; must be empty or absent) and return a report.

    ``sources`` lists the input files as dicts with at least ``path`` and ``licence``;
    their sha256 is recorded. ``canonical`` overrides the canonical choice;
    ``canonical_only`` keeps only canonical transcripts.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"{out} exists and is not empty: choose a new directory")
    sequences = sequences or {}
    mane_by_id = _mane_index(mane or [])
    seen: dict[str, TranscriptModel] = {}
    duplicates = []
    for m in models:
        if m.transcript_id in seen:
            duplicates.append(m.transcript_id)
            continue
        seen[m.transcript_id] = m
    all_models = sorted(seen.values(), key=lambda m: (sort_key(m.chrom), m.start, m.end))
    if canonical is None:
        canonical = choose_canonical(all_models, set(mane_by_id))
    if canonical_only:
        all_models = [m for m in all_models if m.transcript_id in canonical]
    report = BuildReport(path=out)
    tx_rows: dict[str, list] = {f.name: [] for f in fmt.TRANSCRIPTS}
    exon_rows: dict[str, list] = {f.name: [] for f in fmt.EXONS}
    seq_rows: dict[str, list] = {f.name: [] for f in fmt.SEQUENCES}
    val_rows: dict[str, list] = {f.name: [] for f in fmt.VALIDATION}
    for index, m in enumerate(all_models):
        span = m.coding_cdna_span()
        coding = m.cds is not None and span is not None
        record = mane_by_id.get(m.transcript_id) or mane_by_id.get(_unversioned(m.transcript_id))
        attrs = m.attributes
        mane_select = attrs.get("mane_select") or (
            record.refseq_nuc if record and record.status == "MANE Select" else None
        )
        mane_plus = attrs.get("mane_plus_clinical") or (
            record.refseq_nuc if record and record.status == "MANE Plus Clinical" else None
        )
        seq_input = sequences.get(m.transcript_id)
        if seq_input is None and genome is not None:
            spliced = m.spliced_sequence(genome)
            if spliced is not None:
                seq_input = SequenceInput(spliced, "genome", note="spliced from the genome")
        has_sequence = False
        if coding and seq_input is None and (span[1] - span[0] + 1) % 3:
            val_rows["transcript_id"].append(m.transcript_id)
            val_rows["gene"].append(m.gene)
            val_rows["check"].append("model_cds_not_multiple_of_3")
            val_rows["detail"].append(f"model CDS length {span[1] - span[0] + 1} (no sequence)")
            val_rows["sequence_source"].append(None)
        if seq_input is not None:
            failures = validate_coding_sequence(
                seq_input.sequence, m.length, span if coding else None, mito=m.chrom == "MT"
            )
            for check, detail in failures:
                val_rows["transcript_id"].append(m.transcript_id)
                val_rows["gene"].append(m.gene)
                val_rows["check"].append(check)
                val_rows["detail"].append(detail)
                val_rows["sequence_source"].append(seq_input.accession or seq_input.source)
            if failures:
                report.failures.append(
                    {
                        "transcript_id": m.transcript_id,
                        "gene": m.gene,
                        "checks": [c for c, _ in failures],
                        "source": seq_input.accession or seq_input.source,
                    }
                )
            else:
                has_sequence = True
                seq_rows["transcript_id"].append(m.transcript_id)
                seq_rows["sequence"].append(seq_input.sequence)
                seq_rows["source"].append(seq_input.source)
                seq_rows["accession"].append(seq_input.accession)
                seq_rows["note"].append(seq_input.note)
        flags = [f for f in ("cds_start_NF", "cds_end_NF") if attrs.get(f)]
        if attrs.get("cdsStartStat") in ("incmpl", "unk") and coding:
            flags.append("cds_start_NF" if m.strand > 0 else "cds_end_NF")
        if attrs.get("cdsEndStat") in ("incmpl", "unk") and coding:
            flags.append("cds_end_NF" if m.strand > 0 else "cds_start_NF")
        row = {
            "transcript_id": m.transcript_id,
            "transcript_name": m.transcript_name,
            "gene": m.gene or (record.symbol if record else None),
            "gene_id": m.gene_id or (record.ensembl_gene if record else None),
            "hgnc_id": attrs.get("hgnc_id") or (record.hgnc_id if record else None),
            "chrom": m.chrom,
            "strand": m.strand,
            "start": m.start,
            "end": m.end,
            "biotype": m.biotype,
            "coding": coding,
            "cds_start": m.cds[0] if coding else None,
            "cds_end": m.cds[1] if coding else None,
            "cdna_coding_start": span[0] if coding else None,
            "cdna_coding_end": span[1] if coding else None,
            "length": m.length,
            "exon_count": len(m.exons),
            "canonical": m.transcript_id in canonical,
            "mane_select": mane_select,
            "mane_plus_clinical": mane_plus,
            "refseq_id": attrs.get("refseq_id") or (record.refseq_nuc if record else None),
            "protein_id": attrs.get("protein_id") or (record.ensembl_prot if record else None),
            "refseq_protein": attrs.get("refseq_protein")
            or (record.refseq_prot if record else None),
            "has_sequence": has_sequence,
            "sequence_source": (seq_input.accession or seq_input.source)
            if has_sequence and seq_input
            else None,
            "flags": ",".join(sorted(set(flags))) or None,
        }
        for key, value in row.items():
            tx_rows[key].append(value)
        offset = 0
        ordered = m.exons_in_transcript_order()
        for number, (s, e) in enumerate(ordered, start=1):
            exon_rows["transcript_index"].append(index)
            exon_rows["exon_number"].append(number)
            exon_rows["start"].append(s)
            exon_rows["end"].append(e)
            exon_rows["cdna_start"].append(offset + 1)
            exon_rows["cdna_end"].append(offset + e - s + 1)
            offset += e - s + 1
        report.transcripts += 1
        report.coding += int(coding)
        report.canonical += int(m.transcript_id in canonical)
        report.with_sequence += int(has_sequence)
    exons = pa.table(exon_rows, schema=fmt.EXONS).sort_by(
        [("transcript_index", "ascending"), ("start", "ascending")]
    )
    tables = {
        "transcripts": pa.table(tx_rows, schema=fmt.TRANSCRIPTS),
        "exons": exons,
        "sequences": pa.table(seq_rows, schema=fmt.SEQUENCES),
        "validation": pa.table(val_rows, schema=fmt.VALIDATION),
    }
    if genome_slices:
        tables["genome"] = pa.table(
            {
                "chrom": [g.chrom for g in genome_slices],
                "start": [g.start for g in genome_slices],
                "end": [g.end for g in genome_slices],
                "sequence": [g.sequence for g in genome_slices],
                "source": [g.source for g in genome_slices],
            },
            schema=fmt.GENOME,
        )
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for key, table in tables.items():
        file_name = fmt.TABLE_FILES[key][0]
        write_parquet(table, out / file_name)
        files[file_name] = {"sha256": sha256_file(out / file_name), "rows": table.num_rows}
    source_entries = []
    for source in sources:
        entry = dict(source)
        path = Path(entry["path"])
        entry["path"] = path.name if entry.get("name_only", True) else str(path)
        entry.pop("name_only", None)
        if path.exists() and "sha256" not in entry:
            entry["sha256"] = sha256_file(path)
        source_entries.append(entry)
    manifest = {
        "format": fmt.FORMAT_VERSION,
        "id": f"{name}@{version}",
        "name": name,
        "version": version,
        "build": build,
        "description": description,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": source_entries,
        "files": files,
        "counts": {
            "transcripts": report.transcripts,
            "coding": report.coding,
            "canonical": report.canonical,
            "with_sequence": report.with_sequence,
            "failed_validation": len(report.failures),
            "duplicate_ids_skipped": len(duplicates),
        },
        "validation_failures": report.failures,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    report.manifest = manifest
    return report
