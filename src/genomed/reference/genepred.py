"""Read UCSC genePred tables (plain, extended, refGene with ``bin``, or with a header).

genePred is 0-based half-open; models come out 1-based inclusive. Layouts recognised:

==============  ============================================================================
layout          columns
==============  ============================================================================
genePred        name chrom strand txStart txEnd cdsStart cdsEnd exonCount exonStarts exonEnds
genePredExt     genePred + score name2 cdsStartStat cdsEndStat exonFrames
refGene         bin + genePredExt (UCSC ``refGene.txt``)
with header     a first line ``#name<TAB>chrom...``: columns found by name; extra columns
                (``gene_symbol``, ``ensembl_gene_id``, ``biotype``, MANE flags...) are kept
                in :attr:`TranscriptModel.attributes`
==============  ============================================================================

``cdsStart == cdsEnd`` means non-coding. Contigs are renamed to genomed's canonical
names (``chr1`` -> ``1``).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.reference.transcript_model import CODING_BIOTYPES, TranscriptModel

_PLAIN = [
    "name",
    "chrom",
    "strand",
    "txStart",
    "txEnd",
    "cdsStart",
    "cdsEnd",
    "exonCount",
    "exonStarts",
    "exonEnds",
]
_EXT = _PLAIN + ["score", "name2", "cdsStartStat", "cdsEndStat", "exonFrames"]
#: header names from other tools mapped to genePred names
_ALIASES = {
    "ideogram_tx_name": "name",
    "gene_symbol": "name2",
    "#name": "name",
    "#bin": "bin",
}


def _open(path: Path):
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def _columns_for(first: list[str], header: list[str] | None) -> list[str]:
    if header is not None:
        return [_ALIASES.get(h.lstrip("#"), h.lstrip("#")) for h in header]
    if len(first) >= 16 and first[0].isdigit():
        return ["bin"] + _EXT
    if len(first) >= 15:
        return _EXT + [f"extra{i}" for i in range(len(first) - 15)]
    return _PLAIN + [f"extra{i}" for i in range(len(first) - 10)]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.strip().strip(",").split(",") if x != ""]


def read_genepred(path: str | Path) -> Iterator[TranscriptModel]:
    """Yield the transcript models of a genePred file; :class:`InputError` names the line
    and field of anything malformed."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    header = None
    columns = None
    with _open(path) as handle:
        for line_no, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            fields = text.rstrip("\n").split("\t")
            if text.startswith("#"):
                if columns is None:
                    header = fields
                continue
            if columns is None:
                columns = _columns_for(fields, header)
                missing = [c for c in _PLAIN if c not in columns]
                if missing:
                    raise InputError(
                        f"genePred header lacks {', '.join(missing)}",
                        path=str(path),
                        line=1,
                        expected="genePred columns (name chrom strand txStart txEnd ...)",
                    )
            row = dict(zip(columns, fields, strict=False))
            yield _model(row, path, line_no)


def _model(row: dict, path: Path, line_no: int) -> TranscriptModel:
    try:
        starts, ends = _ints(row["exonStarts"]), _ints(row["exonEnds"])
        cds_start, cds_end = int(row["cdsStart"]), int(row["cdsEnd"])
        tx_start, tx_end = int(row["txStart"]), int(row["txEnd"])
    except (KeyError, ValueError) as error:
        raise InputError(
            f"malformed genePred row ({error})", path=str(path), line=line_no, field="exonStarts"
        ) from None
    if len(starts) != len(ends) or not starts:
        raise InputError(
            "exonStarts and exonEnds differ in length",
            path=str(path),
            line=line_no,
            field="exonEnds",
        )
    if str(len(starts)) != row.get("exonCount", str(len(starts))).strip():
        raise InputError(
            f"exonCount {row.get('exonCount')} but {len(starts)} exons listed",
            path=str(path),
            line=line_no,
            field="exonCount",
        )
    if row.get("strand") not in ("+", "-"):
        raise InputError(
            f"strand {row.get('strand')!r}", path=str(path), line=line_no, field="strand"
        )
    exons = tuple(sorted((s + 1, e) for s, e in zip(starts, ends, strict=True)))
    if any(e < s for s, e in exons) or exons[0][0] - 1 != tx_start or exons[-1][1] != tx_end:
        raise InputError(
            "exons fall outside txStart..txEnd or have negative length",
            path=str(path),
            line=line_no,
            field="exonStarts",
        )
    biotype = row.get("biotype") or None
    coding = cds_end > cds_start
    if biotype is not None and biotype not in CODING_BIOTYPES:
        coding = False
    known = set(_EXT) | {"bin", "biotype"}
    attributes = {k: v for k, v in row.items() if k not in known and v != ""}
    for flag in ("cdsStartStat", "cdsEndStat"):
        if row.get(flag):
            attributes[flag] = row[flag]
    name = row["name"]
    return TranscriptModel(
        transcript_id=name,
        chrom=normalise_chrom(row["chrom"]),
        strand=1 if row["strand"] == "+" else -1,
        exons=exons,
        cds=(cds_start + 1, cds_end) if coding else None,
        gene=row.get("name2") or None,
        gene_id=row.get("ensembl_gene_id") or None,
        biotype=biotype or ("protein_coding" if coding else "non_coding"),
        transcript_name=name,
        attributes=attributes,
    )
