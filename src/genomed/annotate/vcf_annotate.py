"""``genomed annotate IN.vcf -o OUT``: file to file, without a workspace.

Records are read in large batches of text lines (:mod:`~genomed.annotate.vcf_text`),
multi-allelic records are split into alleles with Arrow list kernels, each batch is
annotated in one :meth:`~genomed.annotate.annotator.Annotator.annotate` call, and then
either the INFO column gets a VEP-layout ``CSQ`` value (``--format vcf``; bgzipped and
tabix-indexed when the name ends in ``.gz``) or the annotation rows are written as
TSV, Parquet or JSON (one row per allele x transcript, with the input line number).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from genomed import __version__
from genomed.annotate.annotator import ANNOTATION_COLUMNS, Annotator
from genomed.annotate.bgzf import BgzfWriter
from genomed.annotate.csq import CsqBuilder, csq_fields, header_line
from genomed.annotate.vcf_text import iter_line_batches, read_header, record_lines, split_fields
from genomed.errors import InputError
from genomed.model.genome_build import build_from_header_lines
from genomed.reference.bundle import ReferenceBundle

FORMATS = ("vcf", "tsv", "parquet", "json")
#: what the VCF writer needs (transcript fields come from CsqBuilder's blocks)
VCF_COLUMNS = [
    "allele", "consequence", "most_severe", "impact", "exon", "intron", "hgvs_c", "hgvs_p",
    "cdna_position", "cds_position", "protein_position", "amino_acids", "codons", "distance",
    "hgvs_offset", "hgvs_g", "sequence_status", "tx_index", "variant_class",
]  # fmt: skip
ALL_COLUMNS = ANNOTATION_COLUMNS.names + ["tx_index", "variant_class"]


@dataclass
class AnnotateResult:
    """What ``annotate_vcf`` did (printed by the CLI)."""

    input: str
    output: str
    format: str
    bundle: str
    records: int = 0
    alleles: int = 0
    rows: int = 0
    seconds: float = 0.0
    indexed: bool = False
    consequences: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return self.__dict__ | {"variants_per_second": self.variants_per_second}

    @property
    def variants_per_second(self) -> float:
        return self.alleles / self.seconds if self.seconds else 0.0


def format_for(out: Path, fmt: str | None) -> str:
    """``fmt`` if given, else from the output name (.vcf[.gz] .tsv .parquet .json)."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError(
                f"unknown format {fmt!r}", field="--format", expected="|".join(FORMATS)
            )
        return fmt
    name = out.name.lower()
    for suffix, kind in ((".tsv", "tsv"), (".parquet", "parquet"), (".json", "json")):
        if name.endswith(suffix) or name.endswith(suffix + ".gz"):
            return kind
    return "vcf"


class _VcfWriter:
    def __init__(self, out: Path, header: list[str], compress: bool) -> None:
        self.out = out
        self.compress = compress
        if compress:
            # level 3: 2x faster than 6, ~5% larger; the same bytes as htslib's writer
            self.handle = BgzfWriter(out, level=3)
        else:
            self.handle = open(out, "wb")  # noqa: SIM115 (closed by close())
        self.handle.write(("\n".join(header) + "\n").encode())

    def write(self, lines: pa.Array) -> None:
        """Write lines (each ending in a newline) straight from the Arrow value buffer
        (no Python strings)."""
        if len(lines):
            text = lines
            if isinstance(text, pa.ChunkedArray):
                text = text.combine_chunks()
            offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
            first, last = offsets[text.offset], offsets[text.offset + len(text)]
            data = text.buffers()[2].slice(first, last - first)
            self.handle.write(memoryview(data))

    def close(self) -> bool:
        self.handle.close()
        return False


def _info_with_csq_key(info: pa.Array, entries_per_record: np.ndarray) -> pa.Array:
    """INFO up to the CSQ value: an input ``CSQ`` is dropped, ``CSQ=`` appended (after
    ``;`` unless INFO is empty) where the record has entries; ``.`` for an empty INFO."""
    if pc.any(pc.match_substring(info, "CSQ=")).as_py():
        info = pc.replace_substring_regex(info, r"(^|;)CSQ=[^;]*", "")
    info = pc.if_else(pc.equal(info, ""), pa.scalar("."), info)
    keyed = pc.if_else(
        pc.equal(info, "."), pa.scalar("CSQ="), pc.binary_join_element_wise(info, "CSQ=", ";")
    )
    return pc.if_else(pa.array(entries_per_record > 0), keyed, info)


def _tabix(path: Path) -> bool:
    """Index a bgzipped VCF; False (file kept, valid, unindexed) when it is unsorted."""
    import pysam

    try:
        pysam.tabix_index(str(path), preset="vcf", force=True, keep_original=True)
        return True
    except (OSError, ValueError):
        Path(str(path) + ".tbi").unlink(missing_ok=True)
        return False


class _TableWriter:
    def __init__(self, out: Path, fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self.writer = None
        self.handle = None
        self.first = True

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.out, table.schema, compression="zstd")
            self.writer.write_table(table)
        elif self.fmt == "tsv":
            if self.writer is None:
                self.handle = open(self.out, "wb")  # noqa: SIM115 (closed by close())
                self.handle.write(("\t".join(table.column_names) + "\n").encode())
                options = pcsv.WriteOptions(
                    delimiter="\t", quoting_style="none", include_header=False
                )
                self.writer = pcsv.CSVWriter(self.handle, table.schema, write_options=options)
            self.writer.write_table(table)
        else:
            if self.handle is None:
                self.handle = open(self.out, "w")  # noqa: SIM115
                self.handle.write("[\n")
            for row in table.to_pylist():
                if not self.first:
                    self.handle.write(",\n")
                self.handle.write(json.dumps(row, separators=(",", ":")))
                self.first = False

    def close(self) -> bool:
        if self.writer is not None:
            self.writer.close()
        elif self.fmt != "json":
            self.out.touch()  # nothing to write: an empty file
        if self.fmt == "tsv" and self.handle is not None:
            self.handle.close()
        if self.fmt == "json":
            if self.handle is None:
                self.handle = open(self.out, "w")  # noqa: SIM115
                self.handle.write("[")
            self.handle.write("\n]\n")
            self.handle.close()
        return False


def _vcf_header(header: list[str], fields, bundle_id: str, command: str) -> list[str]:
    kept = [h for h in header[:-1] if not h.startswith("##INFO=<ID=CSQ,")]
    return kept + [
        header_line(fields, bundle_id, __version__),
        f'##genomed_annotate=<Version={__version__},Bundle={bundle_id},Command="{command}">',
        header[-1],
    ]


def _check_build(
    path: Path, bundle: ReferenceBundle, declared: str | None, asked: str | None
) -> None:
    """Refuse to annotate a file of one build with the transcript models of another."""
    if asked is not None and asked != bundle.build:
        raise InputError(
            f"--build {asked} but the bundle {bundle.id} is {bundle.build}",
            path=str(path),
            expected=f"a {asked} --bundle, or no --bundle",
        )
    if declared is not None and declared != bundle.build:
        raise InputError(
            f"the header declares {declared} (##contig/##reference) but the bundle {bundle.id} "
            f"is {bundle.build}",
            path=str(path),
            field="##contig",
            expected=f"--build {declared} (the shipped {declared} bundle) or a {declared} --bundle",
        )


def annotate_vcf(
    path: str | Path,
    out: str | Path,
    *,
    bundle=None,
    all_transcripts: bool = False,
    fmt: str | None = None,
    fasta: str | Path | None = None,
    knowledge="default",
    progress: Callable[[int], None] | None = None,
    annotator: Annotator | None = None,
    build: str | None = None,
) -> AnnotateResult:
    """Annotate a VCF/BCF file into ``out`` (see module docstring).

    ``knowledge``: a :class:`~genomed.annotate.knowledge_matches.KnowledgeSources` whose
    matches (ClinVar, hotspots, CIViC, population frequencies) become columns / CSQ
    fields; ``"default"`` uses the shipped knowledge bundle, ``None`` skips matching. Raises :class:`InputError` for unreadable input; ``out`` is
    written to a temporary name and renamed only when complete.

    Without ``bundle``/``annotator`` the shipped bundle of ``build`` is used, else of the
    build the header declares (chr1's ``##contig`` length, ``##reference``), else GRCh38;
    a header declaring another build than the bundle's is an :class:`InputError`.
    """
    path, out = Path(path), Path(out)
    fmt = format_for(out, fmt)
    if isinstance(knowledge, str) and knowledge == "default":
        from genomed.annotate.knowledge_matches import KnowledgeSources

        knowledge = KnowledgeSources()
    vcf = read_header(path)
    declared = build_from_header_lines(vcf.header)
    if annotator is None:
        if bundle is None:
            bundle = ReferenceBundle.default(build or declared or "GRCh38")
        annotator = Annotator(
            bundle,
            all_transcripts=all_transcripts,
            fasta=fasta,
            keys=knowledge is not None or fmt != "vcf",
        )
    _check_build(path, annotator.bundle, declared, build)
    result = AnnotateResult(str(path), str(out), fmt, annotator.bundle.id)
    started = time.perf_counter()
    partial = out.with_name(out.name + ".partial")
    writer = None
    fields_layout = None
    line_no = len(vcf.header) + 1
    counts: dict[str, int] = {}
    try:
        for lines in iter_line_batches(vcf):
            rec = split_fields(lines, line_no, str(path))
            alts = pc.split_pattern(rec.alt, ",")
            parent = pc.list_parent_indices(alts)
            alleles = pa.table(
                {
                    "chrom": pc.take(rec.chrom, parent),
                    "pos": pc.take(rec.pos, parent),
                    "ref": pc.take(rec.ref, parent),
                    "alt": pc.list_flatten(alts),
                }
            )
            if fmt == "vcf" and knowledge is None:
                ann = annotator.annotate(alleles, columns=VCF_COLUMNS)
            else:
                ann = annotator.annotate(alleles, columns=ALL_COLUMNS)
            allele_of_row = ann.column("row").to_numpy()
            record_of_row = parent.to_numpy()[allele_of_row]
            rsid = pc.take(rec.id, pa.array(record_of_row))
            rsid = pc.if_else(pc.equal(rsid, "."), pa.scalar(None, pa.string()), rsid)
            if knowledge is not None:
                ann = knowledge.annotate(ann, build=annotator.bundle.build)
            for item in pc.value_counts(ann.column("most_severe")).to_pylist():
                if item["values"]:
                    counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
            if fields_layout is None:
                builder = CsqBuilder(annotator.bundle)
                fields_layout = builder.fields(ann)
                if fmt == "vcf":
                    command = f"genomed annotate {path.name} -o {out.name}"
                    writer = _VcfWriter(
                        partial,
                        _vcf_header(vcf.header, fields_layout, annotator.bundle.id, command),
                        compress=out.name.endswith(".gz"),
                    )
                else:
                    writer = _TableWriter(partial, fmt)
            if fmt == "vcf":
                keep = pc.is_valid(ann.column("consequence"))
                entries = builder.entries(ann.filter(keep), rsid.filter(keep))
                if isinstance(entries, pa.ChunkedArray):
                    entries = entries.combine_chunks()
                rec_of_entry = record_of_row[keep.to_numpy(zero_copy_only=False)]
                counts_per_record = np.bincount(rec_of_entry, minlength=len(lines))
                offsets = np.zeros(len(lines) + 1, dtype=np.int32)
                np.cumsum(counts_per_record, out=offsets[1:])
                joined = pc.binary_join(pa.ListArray.from_arrays(offsets, entries), ",")
                writer.write(
                    record_lines(rec, _info_with_csq_key(rec.info, counts_per_record), joined)
                )
            else:
                table = (
                    ann.drop_columns(["row"])
                    .add_column(0, "line", pa.array(line_no + record_of_row, pa.int64()))
                    .add_column(1, "id", rsid)
                )
                writer.write(
                    table.drop_columns(
                        [c for c in ("existing_variation",) if c in table.column_names]
                    )
                )
            result.records += len(lines)
            result.alleles += alleles.num_rows
            result.rows += ann.num_rows
            line_no += len(lines)
            if progress is not None:
                progress(result.records)
        if writer is None:  # empty file
            fields_layout = csq_fields(pa.table({}))
            if fmt == "vcf":
                writer = _VcfWriter(
                    partial,
                    _vcf_header(vcf.header, fields_layout, annotator.bundle.id, "genomed annotate"),
                    compress=out.name.endswith(".gz"),
                )
            else:
                writer = _TableWriter(partial, fmt)
        writer.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    Path(str(out) + ".tbi").unlink(missing_ok=True)
    result.indexed = fmt == "vcf" and out.name.endswith(".gz") and _tabix(out)
    result.seconds = time.perf_counter() - started
    result.consequences = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
    return result
