"""Read VCF/BCF records into column batches of split alleles, calls and no-calls.

cyvcf2 (htslib) decodes each record; genotypes and per-sample fields come back as NumPy
arrays, so the work per record is a few vectorised operations over all samples rather
than a Python loop per sample. Multi-allelic records are split: each ALT allele becomes
its own row with the sample's copies of that allele, its own AD and VAF.

Per-sample depth and allele fraction are read whatever the caller called them:

==================  =====================================================================
field               where it is read from, in order of preference
==================  =====================================================================
DP                  FORMAT/DP, FORMAT/DPT (PCGR), INFO/TDP (PCGR, single tumour column)
AD (ref, alt)       FORMAT/AD; FORMAT/RO+AO (FreeBayes); Strelka2 tier-1 ``{BASE}U``
                    (SNVs) or TAR/TIR (indels); FORMAT/ADT as a "ref,alt" string (PCGR)
VAF                 FORMAT/AF (Mutect2, VarDict), FORMAT/FA (MuTect1), FORMAT/VAF
                    (DeepVariant), FORMAT/FREQ "12.5%" (VarScan2), INFO/TVAF (PCGR),
                    else AD alt / (sum of AD)
GQ                  FORMAT/GQ
==================  =====================================================================
"""

from __future__ import annotations

import ctypes
import functools
import gzip
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cyvcf2 import VCF

from genomed.errors import InputError

_INT_MISSING = np.iinfo(np.int32).min  # htslib's missing (and min+1 = vector end)


@dataclass
class VcfHeaderInfo:
    """What genomed needs from a VCF header."""

    samples: list[str]
    format_fields: set[str]
    info_fields: set[str]
    header_lines: int
    tumor_sample: str | None = None
    normal_sample: str | None = None
    contig_lengths: dict[str, int] = field(default_factory=dict)


@dataclass
class AlleleBatch:
    """Split alleles of a run of records, with their calls, no-calls and site counts.

    Site arrays have one entry per split allele; ``call_row``/``nocall_row`` index into
    them and ``call_sample``/``nocall_sample`` into the header's sample list.
    """

    chrom: list[str] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    ref: list[str] = field(default_factory=list)
    alt: list[str] = field(default_factory=list)
    rsid: list[str | None] = field(default_factory=list)
    filter: list[str] = field(default_factory=list)
    line: list[int] = field(default_factory=list)
    n_called: list[int] = field(default_factory=list)
    an: list[int] = field(default_factory=list)
    ac: list[int] = field(default_factory=list)
    calls: dict[str, list[np.ndarray]] = field(default_factory=dict)
    nocalls: dict[str, list[np.ndarray]] = field(default_factory=dict)
    blocks: dict[str, list] = field(default_factory=dict)  # gVCF reference blocks
    spanning_deletions: int = 0

    def __len__(self) -> int:
        return len(self.pos)


def _open_text(path: Path):
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def count_header_lines(path: Path) -> int:
    """Number of ``#`` lines before the first record (0 for BCF), for line numbers."""
    if str(path).endswith(".bcf"):
        return 0
    n = 0
    with _open_text(path) as handle:
        for text in handle:
            if not text.startswith("#"):
                break
            n += 1
    return n


@functools.cache
def quiet_htslib() -> None:
    """Keep htslib's warnings (e.g. "Contig '1' is not defined in the header") off the
    terminal: genomed's own conformance check reports each deviation in the ingest
    report instead. Errors still print. cyvcf2 links htslib statically, so the switch is
    called through its extension module; if that fails, warnings simply stay on."""
    try:
        import cyvcf2

        extension = next(Path(cyvcf2.__file__).parent.glob("cyvcf2*.so"))
        ctypes.CDLL(str(extension)).hts_set_log_level(1)  # HTS_LOG_ERROR
    except (OSError, StopIteration, AttributeError):
        pass


def open_vcf(path: str | Path) -> tuple[VCF, VcfHeaderInfo]:
    """Open a VCF/BCF with cyvcf2 and summarise its header; InputError if unreadable."""
    path = Path(path)
    quiet_htslib()
    if not path.exists():
        raise InputError("file not found", path=str(path))
    try:
        vcf = VCF(str(path), lazy=True)
    except (OSError, Exception) as error:  # cyvcf2 raises bare Exception on bad headers
        raise InputError(
            f"not a readable VCF/BCF ({error})", path=str(path), field="header"
        ) from None
    formats, infos, meta, contigs = set(), set(), {}, {}
    for rec in vcf.header_iter():
        kind = rec.type
        info = rec.info()
        if kind == "FORMAT":
            formats.add(info["ID"])
        elif kind == "INFO":
            infos.add(info["ID"])
        elif kind == "GENERIC":
            meta[info.get("key", "")] = info.get("value", "")
    raw = vcf.raw_header
    for text in raw.splitlines():
        contig = _CONTIG_LINE.match(text)
        if contig:  # from the text: cyvcf2's header_iter drops a contig's length
            contigs[contig.group(1)] = int(contig.group(2))
        elif text.startswith("##tumor_sample="):
            meta["tumor_sample"] = text.split("=", 1)[1]
        elif text.startswith("##normal_sample="):
            meta["normal_sample"] = text.split("=", 1)[1]
    header = VcfHeaderInfo(
        samples=list(vcf.samples),
        format_fields=formats,
        info_fields=infos,
        header_lines=count_header_lines(path),
        tumor_sample=meta.get("tumor_sample"),
        normal_sample=meta.get("normal_sample"),
        contig_lengths=contigs,
    )
    return vcf, header


_CONTIG_LINE = re.compile(r"^##contig=<(?=.*\bID=([^,>]+))(?=.*\blength=(\d+))")


def _format_array(variant, name: str) -> np.ndarray | None:
    try:
        values = variant.format(name)
    except (KeyError, Exception):
        return None
    return values


def _clean_int(values: np.ndarray | None) -> np.ndarray | None:
    """int32 array with htslib's missing/vector-end markers as -1 (float arrays: NaN -> -1)."""
    if values is None:
        return None
    if values.dtype.kind == "f":
        out = np.where(np.isnan(values), -1, values).astype(np.int64)
    else:
        out = values.astype(np.int64)
        out[out <= _INT_MISSING + 1] = -1
    return out


def _clean_float(values: np.ndarray | None) -> np.ndarray | None:
    if values is None:
        return None
    out = values.astype(np.float64)
    if values.dtype.kind != "f":
        out[values <= _INT_MISSING + 1] = np.nan
    return out


def _parse_pair_strings(values) -> np.ndarray | None:
    """PCGR-style ``ADT=21,8`` stored as a String: -> int array (n, k)."""
    if values is None:
        return None
    rows = []
    for item in np.asarray(values).reshape(len(values), -1)[:, 0]:
        text = item.decode() if isinstance(item, bytes) else str(item)
        parts = []
        for p in text.split(","):
            parts.append(int(p) if p.strip().lstrip("-").isdigit() else -1)
        rows.append(parts)
    width = max(len(r) for r in rows)
    return np.array([r + [-1] * (width - len(r)) for r in rows], dtype=np.int64)


class SampleFields:
    """Per-record reader of per-sample DP/AD/VAF/GQ, whatever the caller named them."""

    def __init__(self, header: VcfHeaderInfo) -> None:
        self.formats = header.format_fields
        self.infos = header.info_fields
        self.n = len(header.samples)
        self.has_gt = "GT" in self.formats
        self.any = bool(
            self.formats
            & {"DP", "DPT", "AD", "RO", "AO", "AF", "FA", "VAF", "FREQ", "GQ", "ADT", "TAR"}
            or self.infos & {"TVAF", "TDP"}
        )

    def read(self, variant) -> dict[str, np.ndarray | None]:
        """DP (n,), AD (n, n_alleles), VAF (n, n_alt), GQ (n,); None where absent."""
        if not self.any:
            return {"dp": None, "ad": None, "vaf": None, "gq": None}
        f = self.formats
        dp = _clean_int(_format_array(variant, "DP")) if "DP" in f else None
        if dp is None and "DPT" in f:
            dp = _clean_int(_format_array(variant, "DPT"))
        if dp is None and "TDP" in self.infos and self.n == 1:
            value = variant.INFO.get("TDP")
            dp = np.array([[int(value) if value is not None else -1]])
        ad = self._allele_depths(variant)
        vaf = self._allele_fractions(variant)
        gq = _clean_int(_format_array(variant, "GQ")) if "GQ" in f else None
        return {
            "dp": None if dp is None else dp.reshape(self.n, -1)[:, 0],
            "ad": ad,
            "vaf": vaf,
            "gq": None if gq is None else gq.reshape(self.n, -1)[:, 0],
        }

    def _allele_depths(self, variant) -> np.ndarray | None:
        f = self.formats
        if "AD" in f:
            ad = _clean_int(_format_array(variant, "AD"))
            if ad is not None:
                return ad
        if "RO" in f and "AO" in f:
            ro, ao = (
                _clean_int(_format_array(variant, "RO")),
                _clean_int(_format_array(variant, "AO")),
            )
            if ro is not None and ao is not None:
                return np.hstack([ro.reshape(self.n, 1), ao.reshape(self.n, -1)])
        if "TAR" in f and "TIR" in f and len(variant.ALT) == 1:
            tar, tir = (
                _clean_int(_format_array(variant, "TAR")),
                _clean_int(_format_array(variant, "TIR")),
            )
            if tar is not None and tir is not None:
                return np.stack([tar[:, 0], tir[:, 0]], axis=1)
        ref = variant.REF.upper()
        if f"{ref}U" in f and len(ref) == 1:
            columns = [_clean_int(_format_array(variant, f"{ref}U"))]
            for alt in variant.ALT:
                name = f"{alt.upper()}U"
                columns.append(_clean_int(_format_array(variant, name)) if name in f else None)
            if all(c is not None for c in columns):
                return np.stack([c[:, 0] for c in columns], axis=1)
        if "ADT" in f:
            return _parse_pair_strings(_format_array(variant, "ADT"))
        return None

    def _allele_fractions(self, variant) -> np.ndarray | None:
        f = self.formats
        for name in ("AF", "FA", "VAF"):
            if name in f:
                values = _clean_float(_format_array(variant, name))
                if values is not None:
                    return values.reshape(self.n, -1)
        if "FREQ" in f:
            raw = _format_array(variant, "FREQ")
            if raw is not None:
                out = []
                for item in np.asarray(raw).reshape(self.n, -1)[:, 0]:
                    text = (item.decode() if isinstance(item, bytes) else str(item)).rstrip("%")
                    try:
                        out.append(float(text) / 100.0)
                    except ValueError:
                        out.append(np.nan)
                return np.array(out).reshape(self.n, 1)
        if "TVAF" in self.infos and self.n == 1:
            value = variant.INFO.get("TVAF")
            if isinstance(value, tuple):
                return np.array([value], dtype=np.float64)
            return np.array([[np.nan if value is None else float(value)]])
        return None


def _is_reference_block(variant) -> bool:
    alts = variant.ALT
    return all(a in ("<NON_REF>", "<*>") for a in alts) or not alts


def iter_allele_batches(
    vcf: VCF,
    header: VcfHeaderInfo,
    *,
    path: str,
    carriers_without_gt: np.ndarray | None = None,
    max_cells: int = 4_000_000,
    progress=None,
) -> Iterator[AlleleBatch]:
    """Yield :class:`AlleleBatch` es of records, each holding up to ``max_cells``
    record x sample genotype cells (so memory stays flat however many samples).

    gVCF reference blocks (ALT only ``<NON_REF>``/``<*>``) become callable intervals of
    the sample that carries them; ``<NON_REF>`` is dropped from real variant records and
    ``*`` (a spanning deletion, not an allele of its own) is counted but not stored.
    Records without GT give a call to each sample in ``carriers_without_gt`` (by default
    every sample), with unknown copy number.
    """
    for split in iter_pending_batches(
        vcf,
        header,
        path=path,
        carriers_without_gt=carriers_without_gt,
        max_cells=max_cells,
        progress=progress,
    ):
        yield split()


def iter_pending_batches(
    vcf: VCF,
    header: VcfHeaderInfo,
    *,
    path: str,
    carriers_without_gt: np.ndarray | None = None,
    max_cells: int = 4_000_000,
    progress=None,
) -> Iterator[Callable[[], AlleleBatch]]:
    """:func:`iter_allele_batches` one step earlier: yields, for each batch of decoded
    records, a function that splits them into an :class:`AlleleBatch`. A caller can run
    the split (whole-batch NumPy work that mostly releases the GIL) in another thread
    while this generator decodes the next records."""
    fields = SampleFields(header)
    n_samples = len(header.samples)
    if carriers_without_gt is None:
        carriers_without_gt = np.ones(n_samples, dtype=bool)
    per_batch = max(64, max_cells // max(1, n_samples))
    buffer = _RecordBuffer(fields, n_samples)
    for index, variant in enumerate(_records(vcf, header, path)):
        line = header.header_lines + index + 1
        if progress is not None and index % 1000 == 0:
            progress(index)
        try:
            buffer.add(variant, line)
        except (ValueError, TypeError) as error:
            raise InputError(f"cannot read record ({error})", path=path, line=line) from None
        if len(buffer) >= per_batch:
            yield functools.partial(buffer.detach().flush, carriers_without_gt)
    if len(buffer) or buffer.blocks:
        yield functools.partial(buffer.detach().flush, carriers_without_gt)


def _records(vcf: VCF, header: VcfHeaderInfo, path: str) -> Iterator:
    """Records of ``vcf``; a record htslib cannot parse becomes an InputError at its line."""
    iterator = iter(vcf)
    index = 0
    while True:
        try:
            variant = next(iterator)
        except StopIteration:
            return
        except Exception as error:  # cyvcf2 raises bare Exception for htslib parse errors
            line = header.header_lines + index + 1
            raise InputError(
                f"htslib cannot parse this record ({error})", path=path, line=line
            ) from None
        index += 1
        yield variant


class _RecordBuffer:
    """Records kept as decoded arrays until a batch is full, then split and counted in
    whole-batch NumPy operations (no Python loop over alleles x samples)."""

    def __init__(self, fields: SampleFields, n_samples: int) -> None:
        self.fields = fields
        self.n = n_samples
        self.records: list[tuple] = []
        self.blocks: dict[str, list] = {}
        self.spanning = 0

    def __len__(self) -> int:
        return len(self.records)

    def detach(self) -> _RecordBuffer:
        """A buffer holding the records added so far; this one starts empty again."""
        full = _RecordBuffer(self.fields, self.n)
        full.records, full.blocks, full.spanning = self.records, self.blocks, self.spanning
        self.records, self.blocks, self.spanning = [], {}, 0
        return full

    def add(self, variant, line: int) -> None:
        if _is_reference_block(variant):
            end = int(variant.INFO.get("END") or variant.POS)
            for s in range(self.n):
                for key, value in (
                    ("sample", s),
                    ("chrom", variant.CHROM),
                    ("start", variant.POS),
                    ("end", end),
                ):
                    self.blocks.setdefault(key, []).append(value)
            return
        gt = _genotype_array(variant) if self.n and self.fields.has_gt else None
        values = self.fields.read(variant)
        alts = []
        for i, alt in enumerate(variant.ALT, start=1):
            if alt == "*":
                self.spanning += 1
            elif alt not in ("<NON_REF>", "<*>"):
                alts.append((i, alt))
        self.records.append(
            (
                variant.CHROM,
                variant.POS,
                variant.REF,
                alts,
                variant.ID,
                variant.FILTER or "PASS",
                line,
                gt,
                values,
            )
        )

    def flush(self, carriers_without_gt: np.ndarray) -> AlleleBatch:
        batch = AlleleBatch(blocks=self.blocks, spanning_deletions=self.spanning)
        records = self.records
        self.records, self.blocks, self.spanning = [], {}, 0
        if not records:
            return batch
        rec_idx, allele_idx = [], []
        for r, (chrom, pos, ref, alts, rsid, filt, line, _gt, _values) in enumerate(records):
            for i, alt in alts:
                rec_idx.append(r)
                allele_idx.append(i)
                batch.chrom.append(chrom)
                batch.pos.append(pos)
                batch.ref.append(ref)
                batch.alt.append(alt)
                batch.rsid.append(rsid)
                batch.filter.append(filt)
                batch.line.append(line)
        rec_idx = np.asarray(rec_idx, dtype=np.int64)
        allele_idx = np.asarray(allele_idx, dtype=np.int64)
        if self.n == 0 or len(rec_idx) == 0:
            zeros = [0] * len(rec_idx)
            batch.n_called, batch.an, batch.ac = zeros, list(zeros), list(zeros)
            return batch
        genotypes, phased, has_gt = _stack_genotypes([r[7] for r in records], self.n)
        ploidy = _count_planes(genotypes, -2, equal=False)
        phased &= ploidy > 1  # htslib marks haploid calls phased; phase means nothing there
        missing = _count_planes(genotypes, -1, equal=True)
        called = ploidy - missing
        copies = _count_alleles(genotypes, rec_idx, allele_idx)
        batch.n_called = ((missing == 0) & (ploidy > 0)).sum(axis=1)[rec_idx].tolist()
        batch.an = called.sum(axis=1)[rec_idx].tolist()
        batch.ac = copies.sum(axis=1).tolist()
        rows, samples = np.nonzero(copies > 0)
        alt_count = copies[rows, samples]
        no_gt_rows = np.flatnonzero(~has_gt[rec_idx])
        if no_gt_rows.size:
            who = np.flatnonzero(carriers_without_gt)
            rows = np.concatenate([rows, np.repeat(no_gt_rows, who.size)])
            samples = np.concatenate([samples, np.tile(who, no_gt_rows.size)])
            alt_count = np.concatenate([alt_count, np.full(no_gt_rows.size * who.size, -1)])
        recs = rec_idx[rows]
        batch.calls = {
            "row": [rows],
            "sample": [samples],
            "alt_count": [alt_count],
            "ploidy": [np.where(has_gt[recs], ploidy[recs, samples], -1)],
            "phased": [phased[recs, samples]],
            "allele_mask": [_allele_masks(genotypes, recs, samples, allele_idx[rows])],
        }
        self._add_values(batch, records, rows, samples, recs, allele_idx[rows])
        if len(rec_idx) == len(records) and has_gt.all():  # one allele a record, all with GT
            gaps_rows, gaps_samples = np.nonzero(missing > 0)
        else:
            gaps_rows, gaps_samples = np.nonzero((missing[rec_idx] > 0) & has_gt[rec_idx][:, None])
        if gaps_rows.size:
            batch.nocalls = {
                "row": [gaps_rows],
                "sample": [gaps_samples],
                "called_alleles": [called[rec_idx[gaps_rows], gaps_samples]],
            }
        return batch

    def _add_values(self, batch, records, rows, samples, recs, alleles) -> None:
        """DP/GQ/AD/VAF at each call, gathered with fancy indexing from stacked arrays."""
        k = rows.size
        dp = _stack_field([r[8]["dp"] for r in records], self.n, -1)
        gq = _stack_field([r[8]["gq"] for r in records], self.n, -1)
        ad = _stack_field([r[8]["ad"] for r in records], self.n, -1)
        vaf = _stack_field([r[8]["vaf"] for r in records], self.n, np.nan)
        batch.calls["dp"] = [dp[recs, samples, 0] if dp is not None else np.full(k, -1)]
        batch.calls["gq"] = [gq[recs, samples, 0] if gq is not None else np.full(k, -1)]
        if ad is not None:
            width = ad.shape[2]
            ad_ref = ad[recs, samples, 0]
            ad_alt = np.where(
                alleles < width, ad[recs, samples, np.minimum(alleles, width - 1)], -1
            )
            total = ad[recs, samples].clip(min=0).sum(axis=1)
        else:
            ad_ref = ad_alt = np.full(k, -1)
            total = np.zeros(k)
        batch.calls["ad_ref"] = [ad_ref]
        batch.calls["ad_alt"] = [ad_alt]
        with np.errstate(invalid="ignore", divide="ignore"):
            from_ad = np.where((ad_alt >= 0) & (total > 0), ad_alt / np.maximum(total, 1), np.nan)
        if vaf is not None:
            width = vaf.shape[2]
            given = np.where(
                alleles - 1 < width, vaf[recs, samples, np.minimum(alleles - 1, width - 1)], np.nan
            )
            fraction = np.where(np.isnan(given), from_ad, given)
        else:
            fraction = from_ad
        batch.calls["vaf"] = [fraction]


def _genotype_array(variant) -> np.ndarray | None:
    """The record's GT array, or None when this record's FORMAT has no GT (allowed per
    record even when the header declares GT)."""
    try:
        return variant.genotype.array()
    except Exception:  # cyvcf2: "couldn't get genotypes for variant"
        return None


def _count_planes(genotypes: np.ndarray, value: int, *, equal: bool) -> np.ndarray:
    """(R, n) count of a sample's alleles equal (or not equal) to ``value``, summed over
    the allele planes of ``genotypes`` (R, P, n) (each plane's rows are contiguous, so
    this is P fast passes, not a strided reduction over a short last axis)."""
    out = np.zeros((genotypes.shape[0], genotypes.shape[2]), dtype=np.int16)
    for j in range(genotypes.shape[1]):
        plane = genotypes[:, j, :]
        out += (plane == value) if equal else (plane != value)
    return out


def _count_alleles(
    genotypes: np.ndarray, rec_idx: np.ndarray, allele_idx: np.ndarray
) -> np.ndarray:
    """Copies of allele ``allele_idx[a]`` in each sample's genotype at record ``rec_idx[a]``."""
    out = np.zeros((len(rec_idx), genotypes.shape[2]), dtype=np.int16)
    if len(rec_idx) == len(genotypes) and (allele_idx == 1).all():
        # every record biallelic (the usual batch): no gather of the genotype array
        for j in range(genotypes.shape[1]):
            out += genotypes[:, j, :] == 1
        return out
    wanted = allele_idx.astype(np.int16)[:, None]
    for j in range(genotypes.shape[1]):
        out += genotypes[rec_idx, j, :] == wanted
    return out


def _allele_masks(genotypes, recs, samples, alleles) -> np.ndarray:
    """Bit j set when the j-th allele of the sample's genotype is the call's allele."""
    mask = np.zeros(len(recs), dtype=np.int16)
    for j in range(genotypes.shape[1]):
        mask |= (genotypes[recs, j, samples] == alleles).astype(np.int16) << j
    return mask


def _stack_genotypes(arrays: list, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R, P, n) allele indices padded with -2 (allele j of every sample of record r is
    the contiguous row ``[r, j]``), (R, n) phased, (R,) whether GT exists."""
    has_gt = np.array([a is not None for a in arrays], dtype=bool)
    shapes = {a.shape for a in arrays if a is not None}
    if has_gt.all() and len(shapes) == 1:  # one ploidy throughout: one copy per record
        width = next(iter(shapes))[1]
        stacked = np.empty((len(arrays), width, n), dtype=np.int16)
        for r, a in enumerate(arrays):
            stacked[r] = a.T
        return stacked[:, :-1, :], stacked[:, -1, :] == 1, has_gt
    width = max((a.shape[1] - 1 for a in arrays if a is not None), default=1)
    genotypes = np.full((len(arrays), width, n), -2, dtype=np.int16)
    phased = np.zeros((len(arrays), n), dtype=bool)
    for r, a in enumerate(arrays):
        if a is None:
            continue
        genotypes[r, : a.shape[1] - 1, :] = a[:, :-1].T
        phased[r] = a[:, -1] == 1
    return genotypes, phased, has_gt


def _stack_field(arrays: list, n: int, fill) -> np.ndarray | None:
    """Stack per-record (n,) or (n, k) arrays into (R, n, K) padded with ``fill``."""
    if all(a is None for a in arrays):
        return None
    width = max(a.reshape(n, -1).shape[1] for a in arrays if a is not None)
    dtype = np.float64 if isinstance(fill, float) else np.int64
    out = np.full((len(arrays), n, width), fill, dtype=dtype)
    for r, a in enumerate(arrays):
        if a is not None:
            a2 = a.reshape(n, -1)
            out[r, :, : a2.shape[1]] = a2
    return out
