"""``genomed ingest vcf``: a VCF/BCF into the workspace in one streamed, atomic commit.

The file is read once. While this thread decodes the next batch of records, a worker
thread splits the previous one, normalises, lifts and keys its alleles
(:func:`genomed.store.alleles.prepare_alleles`) and writes its calls, no-calls and
per-site counts once, as the tables' own Parquet data files in the transaction's staging
folder (:class:`genomed.store.workspace.DataFiles`), so peak memory stays flat however
large the file. Only at the end are those files moved into the Delta tables, the new
variants appended and the catalog replaced (see :mod:`genomed.store.workspace`).
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from genomed.errors import InputError
from genomed.io.bed import read_bed
from genomed.io.sample_map import SampleInfo, read_sample_map
from genomed.io.vcf_reader import AlleleBatch, VcfHeaderInfo, iter_pending_batches, open_vcf
from genomed.io.vcf_validation import check_vcf
from genomed.model import genome_build
from genomed.model.normalise import left_align
from genomed.store.alleles import canonical_chroms, prepare_alleles
from genomed.store.ingest import IngestResult, commit_ingest, sha256_of
from genomed.store.schema import conform
from genomed.store.workspace import SPOOL_ROW_GROUP, Transaction, Workspace


@dataclass
class VcfIngestOptions:
    """Options of ``genomed ingest vcf`` (see the CLI help for each)."""

    kind: str = "germline"
    build: str | None = None
    sample_map: Path | None = None
    institution_id: str | None = None
    tumor_type: str | None = None
    strict: bool = False
    fasta: Path | None = None
    callable_bed: Path | None = None
    chain: Path | None = None


def build_from_header(header: VcfHeaderInfo, raw_header: str) -> str | None:
    """The genome build a VCF header declares: chr1's contig length, else ##reference."""
    return genome_build.build_from_header(header.contig_lengths, raw_header.splitlines())


def _tcga_kind(name: str) -> str | None:
    """TCGA barcodes carry the sample type: 01-09 tumour, 10-19 normal."""
    match = re.match(r"^TCGA-\w\w-\w{4}-(\d\d)", name)
    if not match:
        return None
    return "tumor" if int(match.group(1)) < 10 else "normal"


def _default_kind(name: str, header: VcfHeaderInfo, kind: str) -> str:
    if kind != "tumor" or len(header.samples) == 1:
        return kind
    if header.normal_sample == name:
        return "normal"
    if header.tumor_sample == name:
        return "tumor"
    lowered = name.lower()
    if "normal" in lowered or lowered.endswith(("_n", "-n")):
        return "normal"
    return _tcga_kind(name) or "tumor"


def _patient_of(name: str) -> str:
    match = re.match(r"^(TCGA-\w\w-\w{4})", name)
    return match.group(1) if match else name


def resolve_samples(
    header: VcfHeaderInfo, options: VcfIngestOptions, path: str
) -> list[SampleInfo]:
    """Who each sample column is: from the sample map, else from names and the header."""
    mapping = read_sample_map(options.sample_map) if options.sample_map else {}
    in_file = set(header.samples)
    for name, info in mapping.items():
        if name not in in_file and len(mapping) <= len(in_file):
            raise InputError(
                f"sample {name!r} of the sample map is not in the VCF",
                path=str(options.sample_map),
                line=info.line,
                field="source_name",
                expected=f"one of the VCF's samples ({', '.join(header.samples[:5])}...)",
            )
    resolved = []
    for name in header.samples:
        if name in mapping:
            resolved.append(mapping[name])
            continue
        kind = _default_kind(name, header, options.kind)
        resolved.append(
            SampleInfo(
                source_name=name,
                sample_id=name,
                patient_id=_patient_of(name),
                kind=kind,
                tumor_type=options.tumor_type if kind == "tumor" else None,
            )
        )
    return resolved


class _Spool:
    """Where each batch's rows go: calls, no-calls, site counts and gVCF blocks straight
    into their tables' data files (written once, moved into the tables at commit);
    variant candidates to a Parquet file in the staging folder, to be deduplicated
    against the workspace at the end."""

    DIRECT = ("calls", "nocalls", "batch_sites", "callable")

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        if name in self.DIRECT:
            self.tx.data_files(name).write(table)
            return
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.tx.staging / f"{name}.parquet", table.schema)
        self.writers[name].write_table(table, row_group_size=SPOOL_ROW_GROUP)

    def close(self) -> dict[str, Path]:
        """The spooled (not direct) files by table name."""
        for writer in self.writers.values():
            writer.close()
        return {name: self.tx.staging / f"{name}.parquet" for name in self.writers}


def _left_align_rows(alleles: pa.Table, fasta: Path) -> pa.Table:
    """Left-align indels against ``fasta`` (only rows where REF and ALT lengths differ)."""
    import pysam

    reference = pysam.FastaFile(str(fasta))
    names = set(reference.references)

    def fetch(chrom: str, start: int, end: int) -> str:
        contig = chrom if chrom in names else ("chr" + chrom if "chr" + chrom in names else chrom)
        return reference.fetch(contig, start, end)

    pos = alleles.column("pos").to_pylist()
    ref = alleles.column("ref").to_pylist()
    alt = alleles.column("alt").to_pylist()
    chrom = alleles.column("chrom").to_pylist()
    for i in range(len(pos)):
        if len(ref[i]) != len(alt[i]) and not alt[i].startswith("<"):
            try:
                pos[i], ref[i], alt[i] = left_align(chrom[i], pos[i], ref[i], alt[i], fetch)
            except (ValueError, KeyError) as error:
                raise InputError(str(error), path=str(fasta), field="REF") from None
    for name, values in (("pos", pa.array(pos, pa.int64())), ("ref", ref), ("alt", alt)):
        alleles = alleles.set_column(alleles.column_names.index(name), name, pa.array(values))
    return alleles


def _batch_tables(
    batch: AlleleBatch,
    samples: list[SampleInfo],
    batch_id: str,
    options: VcfIngestOptions,
    source_build: str,
    workspace_build: str,
) -> tuple[dict[str, pa.Table], list[dict]]:
    """Rows of calls/nocalls/batch_sites/variant candidates for one batch of alleles."""
    alleles = pa.table(
        {
            "chrom": pa.array(batch.chrom, pa.string()),
            "pos": pa.array(batch.pos, pa.int64()),
            "ref": pa.array(batch.ref, pa.string()),
            "alt": pa.array(batch.alt, pa.string()),
            "rsid": pa.array(batch.rsid, pa.string()),
            "filter": pa.array(batch.filter, pa.string()),
            "line": pa.array(batch.line, pa.int64()),
            "row": pa.array(np.arange(len(batch)), pa.int64()),
            "n_called": pa.array(batch.n_called, pa.int32()),
            "an": pa.array(batch.an, pa.int32()),
            "ac": pa.array(batch.ac, pa.int32()),
        }
    )
    if options.fasta and len(batch):
        alleles = alleles.set_column(
            0, "chrom", pa.array(canonical_chroms(alleles.column("chrom")))
        )
        alleles = _left_align_rows(alleles, options.fasta)
    prepared = prepare_alleles(
        alleles,
        source_build=source_build,
        workspace_build=workspace_build,
        chain_path=options.chain,
    )
    placed = prepared.table
    key_of_row = np.full(len(batch), np.iinfo(np.int64).min, dtype=np.int64)
    key_of_row[placed.column("row").to_numpy()] = placed.column("variant_key").to_numpy()
    chrom_of_row = np.empty(len(batch), dtype=object)
    chrom_of_row[placed.column("row").to_numpy()] = placed.column("chrom").to_pylist()
    pos_of_row = np.zeros(len(batch), dtype=np.int64)
    pos_of_row[placed.column("row").to_numpy()] = placed.column("pos").to_numpy()
    filter_of_row = np.asarray(batch.filter, dtype=object)
    sample_dictionary = pa.array([s.sample_id for s in samples], pa.string())
    origin_of_sample = np.array([s.kind == "tumor" for s in samples], dtype=bool)

    origins = pa.array(["germline", "somatic"], pa.string())

    def sample_ids(index: np.ndarray) -> pa.Array:
        return sample_dictionary.take(pa.array(index, pa.int32()))

    def origin(index: np.ndarray) -> pa.Array:
        if not origin_of_sample.any():  # a germline file: no per-call lookup
            return pa.repeat(origins[0], len(index))
        return origins.take(pa.array(origin_of_sample[index].astype(np.int8)))

    tables = {
        "variants": placed.select(["variant_key", "chrom", "pos", "ref", "alt", "rsid"]),
        "batch_sites": pa.table(
            {
                "batch_id": pa.array([batch_id] * placed.num_rows, pa.string()),
                "variant_key": placed.column("variant_key"),
                "chrom": placed.column("chrom"),
                "pos": placed.column("pos"),
                "n_called": placed.column("n_called"),
                "an": placed.column("an"),
                "ac": placed.column("ac"),
            }
        ),
    }
    if batch.calls:
        c = {k: np.concatenate(v) for k, v in batch.calls.items()}
        keep = key_of_row[c["row"]] != np.iinfo(np.int64).min
        c = {k: v[keep] for k, v in c.items()}
        rows = c["row"]
        tables["calls"] = conform(
            "calls",
            {
                "sample_id": sample_ids(c["sample"]),
                "variant_key": key_of_row[rows],
                "chrom": pa.array(chrom_of_row, pa.string()).take(pa.array(rows)),
                "pos": pos_of_row[rows],
                "alt_count": _nullable(c["alt_count"]),
                "ploidy": _nullable(c["ploidy"]),
                "phased": c["phased"],
                "allele_mask": _nullable(np.where(c["alt_count"] < 0, -1, c["allele_mask"])),
                "dp": _nullable(c["dp"]),
                "ad_ref": _nullable(c["ad_ref"]),
                "ad_alt": _nullable(c["ad_alt"]),
                "vaf": pa.array(c["vaf"], pa.float32(), from_pandas=True),
                "gq": _nullable(c["gq"]),
                "filter": pa.array(filter_of_row, pa.string()).take(pa.array(rows)),
                "origin": origin(c["sample"]),
                "batch_id": pa.repeat(pa.scalar(batch_id), len(rows)),
            },
        )
    if batch.nocalls:
        n = {k: np.concatenate(v) for k, v in batch.nocalls.items()}
        keep = key_of_row[n["row"]] != np.iinfo(np.int64).min
        n = {k: v[keep] for k, v in n.items()}
        tables["nocalls"] = conform(
            "nocalls",
            {
                "sample_id": sample_ids(n["sample"]),
                "variant_key": key_of_row[n["row"]],
                "chrom": chrom_of_row[n["row"]],
                "pos": pos_of_row[n["row"]],
                "called_alleles": n["called_alleles"],
                "batch_id": np.full(len(n["row"]), batch_id, dtype=object),
            },
        )
    if batch.blocks:
        b = batch.blocks
        tables["callable"] = conform(
            "callable",
            {
                "sample_id": sample_ids(np.asarray(b["sample"])),
                "chrom": canonical_chroms(pa.array(b["chrom"])),
                "start": b["start"],
                "end": b["end"],
                "source": ["gvcf"] * len(b["start"]),
                "batch_id": [batch_id] * len(b["start"]),
            },
        )
    return tables, prepared.unlifted


def _nullable(values: np.ndarray) -> pa.Array:
    """Integer array with -1 meaning missing."""
    return pa.array(values, mask=np.asarray(values) < 0)


def _sample_rows(ws: Workspace, samples: list[SampleInfo], batch_id: str, institution: str) -> dict:
    """New patients and samples (ids already in the workspace are left as they are)."""
    con = ws.connect(tables=["samples", "patients"])
    try:
        known_samples = {row[0] for row in con.execute("SELECT sample_id FROM samples").fetchall()}
        known_patients = {
            row[0] for row in con.execute("SELECT patient_id FROM patients").fetchall()
        }
    finally:
        con.close()
    new_samples = [s for s in samples if s.sample_id not in known_samples]
    patients: dict[str, SampleInfo] = {}
    for s in samples:
        if s.patient_id not in known_patients and s.patient_id not in patients:
            patients[s.patient_id] = s
    normals = {s.patient_id: s.sample_id for s in samples if s.kind == "normal"}
    return {
        "samples": {
            "sample_id": [s.sample_id for s in new_samples],
            "patient_id": [s.patient_id for s in new_samples],
            "kind": [s.kind for s in new_samples],
            "tumor_type": [s.tumor_type for s in new_samples],
            "source_name": [s.source_name for s in new_samples],
            "matched_normal_id": [
                normals.get(s.patient_id) if s.kind == "tumor" else None for s in new_samples
            ],
            "batch_id": [batch_id] * len(new_samples),
        },
        "patients": {
            "patient_id": list(patients),
            "institution_id": [institution] * len(patients),
            "sex": [p.sex for p in patients.values()],
            "population": [p.population for p in patients.values()],
            "super_population": [p.super_population for p in patients.values()],
            "batch_id": [batch_id] * len(patients),
        },
        "batch_samples": {
            "batch_id": [batch_id] * len(samples),
            "sample_id": [s.sample_id for s in samples],
        },
    }


def _check_samples_unique(samples: list[SampleInfo], path: str) -> None:
    seen: set[str] = set()
    for s in samples:
        if s.sample_id in seen:
            raise InputError(f"sample id {s.sample_id!r} occurs twice", path=path, field="#CHROM")
        seen.add(s.sample_id)


def ingest_vcf(
    workspace: str | Path,
    path: str | Path,
    options: VcfIngestOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest one VCF/BCF (see :class:`VcfIngestOptions`); returns what was written.

    Raises :class:`InputError` for bad input (nothing is written) and creates the
    workspace with the file's build if it does not exist yet.
    """
    options = options or VcfIngestOptions()
    path = Path(path)
    if options.strict:  # reject before touching the workspace; lenient checks run alongside
        check_vcf(path, strict=True)
    try:
        vcf, header = open_vcf(path)
    except InputError:
        if path.exists():
            check_vcf(path, strict=True)  # htslib gave up: let the checker name line and field
        raise
    declared = build_from_header(header, vcf.raw_header)
    if options.build and declared and options.build != declared:
        raise InputError(
            f"--build {options.build} but the header says {declared}",
            path=str(path),
            line=1,
            field="##contig/##reference",
        )
    source_build = options.build or declared or "GRCh38"
    samples = resolve_samples(header, options, str(path))
    _check_samples_unique(samples, str(path))
    bed = read_bed(options.callable_bed) if options.callable_bed else None
    ws = Workspace.open_or_create(
        workspace, build=source_build, institution_id=options.institution_id
    )
    digest = sha256_of([path])

    def write(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        try:
            rows, report = _write_batch(tx, batch_id)
        except InputError:
            checking.result()  # the checker's error names the field; prefer it
            raise
        deviations = checking.result()
        report["deviations"] = [d.__dict__ for d in deviations[:200]]
        report["deviation_count"] = len(deviations)
        return rows, report

    def _write_batch(tx: Transaction, batch_id: str) -> tuple[dict[str, int], dict]:
        spool = _Spool(tx)
        unlifted: list[dict] = []
        spanning = 0
        tumors = np.array([s.kind == "tumor" for s in samples], dtype=bool)
        carriers = tumors if tumors.any() else np.ones(len(samples), dtype=bool)

        def split_and_spool(split: Callable[[], AlleleBatch]) -> tuple[list[dict], int]:
            batch = split()
            tables, lost = _batch_tables(batch, samples, batch_id, options, source_build, ws.build)
            for name, table in tables.items():
                spool.write(name, table)
            return lost, batch.spanning_deletions

        # One worker thread splits, keys and spools batch k while this thread decodes
        # batch k+1 (NumPy, Arrow and Parquet release the GIL; cyvcf2's decoding does not).
        # At most two batches are in memory; spool writes stay in file order.
        with ThreadPoolExecutor(max_workers=1) as worker:
            running: Future | None = None
            for split in iter_pending_batches(
                vcf, header, path=str(path), carriers_without_gt=carriers, progress=progress
            ):
                if running is not None:
                    lost, skipped = running.result()
                    unlifted.extend(lost)
                    spanning += skipped
                running = worker.submit(split_and_spool, split)
            if running is not None:
                lost, skipped = running.result()
                unlifted.extend(lost)
                spanning += skipped
        files = spool.close()
        rows = {name: n for name, n in spool.rows.items() if name in spool.DIRECT}
        rows |= _stage_variants(tx, ws, files)
        people = _sample_rows(ws, samples, batch_id, options.institution_id or ws.institution_id)
        for name, columns in people.items():
            tx.append(name, columns)
            rows[name] = len(next(iter(columns.values())))
        if bed is not None:
            rows["callable"] = rows.get("callable", 0) + _stage_bed(tx, bed, samples, batch_id)
        report = {
            "source_build": source_build,
            "workspace_build": ws.build,
            "samples": len(samples),
            "alleles": spool.rows.get("batch_sites", 0),
            "unlifted": unlifted[:1000],
            "unlifted_count": len(unlifted),
            "spanning_deletion_alleles_skipped": spanning,
        }
        return rows, report

    with _conformance_check(path, strict=False) as checking:
        return commit_ingest(
            ws,
            kind="vcf",
            source=path.name,
            sha256=digest,
            write=write,
            build=source_build,
            institution_id=options.institution_id,
        )


@contextmanager
def _conformance_check(path: Path, strict: bool) -> Iterator[Future]:
    """Check the file against the VCF specification in a second process while this one
    ingests it (nothing is written before the commit, so a strict failure found later
    still leaves the workspace untouched); halves the wall time on two cores.

    The checker is started before the workspace lock is taken, so it never inherits the
    lock's file descriptor, and it is killed with its parent (a kill -9 of an ingest must
    not leave an orphan behind)."""
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=get_context("fork"), initializer=_die_with_parent
    )
    try:
        yield pool.submit(check_vcf, path, strict)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:  # not Linux/glibc: the worker ends when its queue closes instead
        pass


def _stage_variants(tx: Transaction, ws: Workspace, files: dict[str, Path]) -> dict[str, int]:
    """Append the spooled variants whose keys the workspace does not have yet."""
    if "variants" not in files:
        return {}
    con = ws.connect(tables=["variants"])
    fresh = (
        con.sql(
            f"""
        SELECT variant_key, any_value(chrom) AS chrom, any_value(pos) AS pos,
               any_value(ref) AS ref, any_value(alt) AS alt, any_value(rsid) AS rsid
        FROM read_parquet('{files["variants"]}') c
        WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE v.variant_key = c.variant_key)
        GROUP BY variant_key
        """
        )
        .arrow()
        .read_all()
    )
    tx.append("variants", fresh)
    return {"variants": fresh.num_rows}


def _stage_bed(tx: Transaction, bed: pa.Table, samples: list[SampleInfo], batch_id: str) -> int:
    n = bed.num_rows
    total = 0
    for s in samples:
        tx.append(
            "callable",
            {
                "sample_id": [s.sample_id] * n,
                "chrom": bed.column("chrom"),
                "start": bed.column("start"),
                "end": bed.column("end"),
                "source": ["bed"] * n,
                "batch_id": [batch_id] * n,
            },
        )
        total += n
    return total
