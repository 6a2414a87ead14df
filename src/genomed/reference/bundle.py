"""Open a reference bundle: its tables, and NumPy arrays the annotator works on.

:class:`ReferenceBundle` reads ``manifest.json`` and the Parquet tables described in
:mod:`genomed.reference.bundle_format`, checks the file checksums, and exposes:

* ``transcripts`` / ``exons`` as Arrow tables (row ``i`` of ``transcripts`` is transcript
  index ``i`` everywhere);
* :attr:`arrays`: the same columns as NumPy arrays, exons in CSR layout
  (``exon_first[i]``..``exon_first[i] + exon_count[i]`` are transcript ``i``'s exons,
  by genomic start) and all cDNA sequences concatenated in one ``uint8`` buffer
  (``seq_offset[i]``, -1 when the transcript has no sequence);
* :meth:`genome_fetch`: bases of the genome stretches the bundle carries (or ``None``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from genomed.model.chromosome import chrom_code
from genomed.reference import bundle_format as fmt
from genomed.reference.bundle_build import BundleError, sha256_file

BUNDLES_DIR = Path(str(files("genomed") / "data" / "bundles"))


def default_bundle_path(build: str = "GRCh38") -> Path:
    """The bundle shipped inside the package for ``build``."""
    path = BUNDLES_DIR / build
    if not (path / "manifest.json").exists():
        raise BundleError(
            f"genomed ships no {build} bundle: build one with "
            "`genomed reference build --models FILE --build ... -o DIR` and pass --bundle DIR"
        )
    return path


@dataclass
class BundleArrays:
    """Column arrays of a bundle, indexed by transcript index (see module docstring)."""

    chrom_code: np.ndarray  # int32, codes from ReferenceBundle.chrom_codes
    strand: np.ndarray  # int8
    start: np.ndarray  # int64 (all positions int64 to avoid overflow in arithmetic)
    end: np.ndarray
    coding: np.ndarray  # bool
    cds_start: np.ndarray  # 0 when non-coding
    cds_end: np.ndarray
    cdna_coding_start: np.ndarray  # 0 when non-coding
    cdna_coding_end: np.ndarray
    length: np.ndarray
    canonical: np.ndarray  # bool
    nmd: np.ndarray  # bool: biotype nonsense_mediated_decay
    mito: np.ndarray  # bool: on MT (vertebrate mitochondrial code)
    start_nf: np.ndarray  # bool: cds_start_NF
    end_nf: np.ndarray  # bool: cds_end_NF
    exon_first: np.ndarray  # int64
    exon_count: np.ndarray  # int64
    ex_start: np.ndarray  # int64, per exon
    ex_end: np.ndarray
    ex_cdna_start: np.ndarray
    ex_cdna_end: np.ndarray
    ex_number: np.ndarray
    ex_transcript: np.ndarray
    seq_offset: np.ndarray  # int64, -1 = no sequence
    seq_buffer: np.ndarray  # uint8, all cDNAs concatenated


class ReferenceBundle:
    """A bundle directory opened read-only (see module docstring)."""

    def __init__(self, path: str | Path, verify: bool = True) -> None:
        self.path = Path(path)
        manifest_path = self.path / "manifest.json"
        if not manifest_path.exists():
            raise BundleError(f"{self.path} is not a genomed bundle (no manifest.json)")
        self.manifest = json.loads(manifest_path.read_text())
        if self.manifest.get("format") != fmt.FORMAT_VERSION:
            raise BundleError(
                f"{manifest_path}: bundle format {self.manifest.get('format')} is not "
                f"{fmt.FORMAT_VERSION}; rebuild it with this genomed"
            )
        if verify:
            for file_name, info in self.manifest.get("files", {}).items():
                actual = sha256_file(self.path / file_name)
                if actual != info["sha256"]:
                    raise BundleError(
                        f"{self.path / file_name}: checksum differs from manifest.json "
                        "(the bundle was modified or is incomplete)"
                    )

    @classmethod
    def default(cls, build: str = "GRCh38") -> ReferenceBundle:
        return cls(default_bundle_path(build))

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def build(self) -> str:
        return self.manifest["build"]

    def _read(self, key: str) -> pa.Table:
        file_name, schema = fmt.TABLE_FILES[key]
        path = self.path / file_name
        if not path.exists():
            return schema.empty_table()
        return pq.read_table(path)

    @cached_property
    def transcripts(self) -> pa.Table:
        return self._read("transcripts")

    @cached_property
    def exons(self) -> pa.Table:
        return self._read("exons")

    @cached_property
    def validation(self) -> pa.Table:
        return self._read("validation")

    @cached_property
    def chrom_codes(self) -> dict[str, int]:
        """Chromosome name -> integer code (genomed's 1..25, then 100+ for other contigs)."""
        names = sorted(set(self.transcripts.column("chrom").to_pylist()))
        codes = {}
        extra = 100
        for n in names:
            code = chrom_code(n)
            if not code:
                code = extra
                extra += 1
            codes[n] = code
        return codes

    @cached_property
    def arrays(self) -> BundleArrays:
        t = self.transcripts
        e = self.exons

        def col(table: pa.Table, name: str, fill=0, dtype=np.int64) -> np.ndarray:
            return table.column(name).fill_null(fill).to_numpy().astype(dtype)

        n = t.num_rows
        tx_index = col(e, "transcript_index")
        exon_count = np.bincount(tx_index, minlength=n).astype(np.int64)
        exon_first = np.zeros(n, dtype=np.int64)
        np.cumsum(exon_count[:-1], out=exon_first[1:])
        chrom = t.column("chrom").to_pylist()
        codes = self.chrom_codes
        flags = t.column("flags").fill_null("").to_pylist()
        biotype = t.column("biotype").fill_null("").to_pylist()
        offsets, buffer = self._sequence_buffer()
        return BundleArrays(
            chrom_code=np.array([codes[c] for c in chrom], dtype=np.int32),
            strand=col(t, "strand", dtype=np.int8),
            start=col(t, "start"),
            end=col(t, "end"),
            coding=col(t, "coding", False, bool),
            cds_start=col(t, "cds_start"),
            cds_end=col(t, "cds_end"),
            cdna_coding_start=col(t, "cdna_coding_start"),
            cdna_coding_end=col(t, "cdna_coding_end"),
            length=col(t, "length"),
            canonical=col(t, "canonical", False, bool),
            nmd=np.array([b == "nonsense_mediated_decay" for b in biotype], dtype=bool),
            mito=np.array([c == "MT" for c in chrom], dtype=bool),
            start_nf=np.array(["cds_start_NF" in f for f in flags], dtype=bool),
            end_nf=np.array(["cds_end_NF" in f for f in flags], dtype=bool),
            exon_first=exon_first,
            exon_count=exon_count,
            ex_start=col(e, "start"),
            ex_end=col(e, "end"),
            ex_cdna_start=col(e, "cdna_start"),
            ex_cdna_end=col(e, "cdna_end"),
            ex_number=col(e, "exon_number"),
            ex_transcript=tx_index,
            seq_offset=offsets,
            seq_buffer=buffer,
        )

    def _sequence_buffer(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.transcripts.num_rows
        offsets = np.full(n, -1, dtype=np.int64)
        seqs = self._read("sequences")
        if seqs.num_rows == 0:
            return offsets, np.zeros(0, dtype=np.uint8)
        index = {
            tid: i for i, tid in enumerate(self.transcripts.column("transcript_id").to_pylist())
        }
        parts = []
        pos = 0
        for tid, seq in zip(
            seqs.column("transcript_id").to_pylist(),
            seqs.column("sequence").to_pylist(),
            strict=True,
        ):
            i = index.get(tid)
            if i is None:
                continue
            offsets[i] = pos
            raw = seq.encode("ascii")
            parts.append(raw)
            pos += len(raw)
        return offsets, np.frombuffer(b"".join(parts), dtype=np.uint8).copy()

    def sequence(self, index: int) -> str | None:
        """cDNA of transcript ``index`` (None when the bundle has none for it)."""
        a = self.arrays
        offset = a.seq_offset[index]
        if offset < 0:
            return None
        return a.seq_buffer[offset : offset + a.length[index]].tobytes().decode("ascii")

    @cached_property
    def _genome(self) -> dict[str, list[tuple[int, int, str]]]:
        table = self._read("genome")
        out: dict[str, list[tuple[int, int, str]]] = {}
        for chrom, start, end, seq in zip(
            table.column("chrom").to_pylist(),
            table.column("start").to_pylist(),
            table.column("end").to_pylist(),
            table.column("sequence").to_pylist(),
            strict=True,
        ):
            out.setdefault(chrom, []).append((start, end, seq))
        return out

    def genome_fetch(self, chrom: str, start: int, end: int) -> str | None:
        """Genome bases ``start..end`` (1-based inclusive) if a stored stretch covers them."""
        for s, e, seq in self._genome.get(chrom, ()):
            if s <= start and end <= e:
                return seq[start - s : end - s + 1]
        return None

    @property
    def has_genome(self) -> bool:
        return bool(self._genome)

    def summary(self) -> dict:
        """Manifest essentials for ``genomed reference info``."""
        m = self.manifest
        return {
            "id": m["id"],
            "build": m["build"],
            "path": str(self.path),
            "created_at": m.get("created_at"),
            "counts": m.get("counts", {}),
            "sources": [
                {k: s.get(k) for k in ("path", "licence", "role", "sha256")}
                for s in m.get("sources", [])
            ],
        }
