"""Read transcript models from GFF3 (Ensembl or NCBI flavour) and GTF (GENCODE/Ensembl).

Both are 1-based inclusive already. A transcript is any feature that exons point to
with ``Parent`` (GFF3) or ``transcript_id`` (GTF); its coding span is the union of its
``CDS`` features, extended by ``stop_codon`` features in GTF, where CDS excludes the
stop codon (in GFF3 it includes it).

Identifiers: GFF3 ``ID=transcript:ENST00000304494`` with ``version=10`` gives
``ENST00000304494.10``; NCBI ``ID=rna-NM_000546.6`` gives ``NM_000546.6``
(``transcript_id`` attribute first). Gene symbol from the gene's ``Name`` (or ``gene``),
biotype from ``biotype``/``transcript_biotype``/``transcript_type``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.reference.transcript_model import CODING_BIOTYPES, TranscriptModel

_PREFIXES = ("transcript:", "gene:", "rna-", "gene-")
_GENE_TYPES = {"gene", "ncRNA_gene", "pseudogene"}


def _open(path: Path):
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def _strip(ident: str) -> str:
    for prefix in _PREFIXES:
        if ident.startswith(prefix):
            return ident[len(prefix) :]
    return ident


def _gff3_attributes(text: str) -> dict[str, str]:
    out = {}
    for item in text.strip().split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            out[key.strip()] = unquote(value.strip())
    return out


def _gtf_attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text.strip().split(";"):
        item = item.strip()
        if not item:
            continue
        key, _, value = item.partition(" ")
        value = value.strip().strip('"')
        if key == "tag":
            out["tag"] = (out["tag"] + "," + value) if "tag" in out else value
        else:
            out.setdefault(key, value)
    return out


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with _open(path) as handle:
        for line_no, text in enumerate(handle, start=1):
            if text.startswith("##FASTA"):
                return
            if not text.strip() or text.startswith("#"):
                continue
            fields = text.rstrip("\n").split("\t")
            if len(fields) != 9:
                raise InputError(
                    f"expected 9 tab-separated columns, found {len(fields)}",
                    path=str(path),
                    line=line_no,
                )
            yield line_no, fields


def _versioned(ident: str, attrs: dict[str, str]) -> str:
    version = attrs.get("version")
    if version and "." not in ident:
        return f"{ident}.{version}"
    return ident


def read_gff3(path: str | Path) -> Iterator[TranscriptModel]:
    """Yield the transcript models of a GFF3 file (see module docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    genes: dict[str, dict] = {}
    features: dict[str, dict] = {}
    exons: dict[str, list] = {}
    cds: dict[str, list] = {}
    for line_no, f in _rows(path):
        kind = f[2]
        attrs = _gff3_attributes(f[8])
        try:
            start, end = int(f[3]), int(f[4])
        except ValueError:
            raise InputError(
                "start/end are not integers", path=str(path), line=line_no, field="start"
            ) from None
        ident = attrs.get("ID")
        parents = attrs.get("Parent", "").split(",") if attrs.get("Parent") else []
        if kind in _GENE_TYPES and ident:
            genes[ident] = attrs
        elif kind == "exon":
            for p in parents:
                exons.setdefault(p, []).append((start, end))
        elif kind == "CDS":
            for p in parents:
                cds.setdefault(p, []).append((start, end))
        elif ident and parents:
            features[ident] = {
                "kind": kind,
                "chrom": f[0],
                "strand": f[6],
                "attrs": attrs,
                "parent": parents[0],
                "line": line_no,
            }
    for ident, feat in features.items():
        if ident not in exons:
            continue
        attrs = feat["attrs"]
        gene = genes.get(feat["parent"], {})
        raw_id = attrs.get("transcript_id") or _strip(ident)
        transcript_id = _versioned(raw_id, attrs)
        biotype = (
            attrs.get("biotype")
            or attrs.get("transcript_biotype")
            or attrs.get("transcript_type")
            or feat["kind"]
        )
        spans = cds.get(ident)
        coding_span = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None
        if biotype not in CODING_BIOTYPES and feat["kind"] != "mRNA":
            coding_span = None
        gene_id = gene.get("gene_id") or (_strip(feat["parent"]) if feat["parent"] else None)
        if gene_id and gene.get("version") and "." not in gene_id:
            gene_id = f"{gene_id}.{gene['version']}"
        yield _finish(
            path,
            feat["line"],
            transcript_id=transcript_id,
            chrom=feat["chrom"],
            strand=feat["strand"],
            exons=exons[ident],
            cds=coding_span,
            gene=gene.get("Name") or gene.get("gene") or attrs.get("gene"),
            gene_id=gene_id,
            biotype=biotype,
            name=attrs.get("Name"),
            attributes={k: v for k, v in attrs.items() if k in ("tag", "ccdsid", "protein_id")},
        )


def read_gtf(path: str | Path) -> Iterator[TranscriptModel]:
    """Yield the transcript models of a GTF file (CDS extended by ``stop_codon``)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    info: dict[str, dict] = {}
    exons: dict[str, list] = {}
    cds: dict[str, list] = {}
    for line_no, f in _rows(path):
        kind = f[2]
        if kind not in ("exon", "CDS", "stop_codon", "start_codon", "transcript"):
            continue
        attrs = _gtf_attributes(f[8])
        tid = attrs.get("transcript_id")
        if not tid:
            raise InputError(
                "feature without transcript_id", path=str(path), line=line_no, field="attributes"
            )
        tid = (
            tid
            if "." in tid or "transcript_version" not in attrs
            else (f"{tid}.{attrs['transcript_version']}")
        )
        start, end = int(f[3]), int(f[4])
        entry = info.setdefault(
            tid, {"chrom": f[0], "strand": f[6], "attrs": attrs, "line": line_no}
        )
        if kind == "transcript":
            entry["attrs"] = attrs
        elif kind == "exon":
            exons.setdefault(tid, []).append((start, end))
        elif kind in ("CDS", "stop_codon"):
            cds.setdefault(tid, []).append((start, end))
    for tid, entry in info.items():
        if tid not in exons:
            continue
        attrs = entry["attrs"]
        biotype = (
            attrs.get("transcript_biotype")
            or attrs.get("transcript_type")
            or attrs.get("gene_biotype")
            or "protein_coding"
        )
        spans = cds.get(tid)
        coding_span = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None
        if biotype not in CODING_BIOTYPES:
            coding_span = None
        gene_id = attrs.get("gene_id")
        if gene_id and "gene_version" in attrs and "." not in gene_id:
            gene_id = f"{gene_id}.{attrs['gene_version']}"
        yield _finish(
            path,
            entry["line"],
            transcript_id=tid,
            chrom=entry["chrom"],
            strand=entry["strand"],
            exons=exons[tid],
            cds=coding_span,
            gene=attrs.get("gene_name") or attrs.get("gene"),
            gene_id=gene_id,
            biotype=biotype,
            name=attrs.get("transcript_name"),
            attributes={k: v for k, v in attrs.items() if k in ("tag", "ccdsid", "protein_id")},
        )


def _finish(path: Path, line: int, **kw) -> TranscriptModel:
    if kw["strand"] not in ("+", "-"):
        raise InputError(
            f"strand {kw['strand']!r} of transcript {kw['transcript_id']}",
            path=str(path),
            line=line,
            field="strand",
        )
    exons = tuple(sorted(set(kw["exons"])))
    return TranscriptModel(
        transcript_id=kw["transcript_id"],
        chrom=normalise_chrom(kw["chrom"]),
        strand=1 if kw["strand"] == "+" else -1,
        exons=exons,
        cds=kw["cds"],
        gene=kw["gene"],
        gene_id=kw["gene_id"],
        biotype=kw["biotype"],
        transcript_name=kw["name"],
        attributes=kw["attributes"],
    )


def read_models(path: str | Path) -> Iterator[TranscriptModel]:
    """Models of a genePred, GFF3 or GTF file, chosen by its name (``.gff3``, ``.gff``,
    ``.gtf``, optionally ``.gz``; anything else is read as genePred)."""
    from genomed.reference.genepred import read_genepred

    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith((".gff3", ".gff")):
        return read_gff3(path)
    if name.endswith(".gtf"):
        return read_gtf(path)
    return read_genepred(path)
