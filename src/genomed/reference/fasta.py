"""FASTA input: whole small files as dicts, indexed genomes through pysam (htslib).

Sequences come back upper-case. Record names are the first word of the header line;
:func:`read_fasta_records` also returns the rest of the header (some sources, like the
km catalog, put coordinates there).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom


def _open(path: Path):
    with open(path, "rb") as handle:
        magic = handle.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def read_fasta_records(path: str | Path) -> Iterator[tuple[str, str, str]]:
    """(name, description, sequence) of every record, in file order."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    name = None
    description = ""
    parts: list[str] = []
    with _open(path) as handle:
        for line_no, text in enumerate(handle, start=1):
            text = text.strip()
            if not text:
                continue
            if text.startswith(">"):
                if name is not None:
                    yield name, description, "".join(parts).upper()
                header = text[1:].strip()
                if not header:
                    raise InputError("empty FASTA header", path=str(path), line=line_no)
                name, _, description = header.partition(" ")
                parts = []
            elif name is None:
                raise InputError(
                    "sequence before the first '>' header", path=str(path), line=line_no
                )
            else:
                parts.append(text)
    if name is not None:
        yield name, description, "".join(parts).upper()


def read_fasta(path: str | Path) -> dict[str, str]:
    """name -> sequence (first occurrence of a repeated name wins)."""
    out: dict[str, str] = {}
    for name, _, seq in read_fasta_records(path):
        out.setdefault(name, seq)
    return out


class IndexedGenome:
    """A genome FASTA read through htslib (``.fai`` built on first use; bgzip works).

    :meth:`fetch` takes genomed's canonical chromosome names and finds the contig as
    spelled in the file (``1`` or ``chr1``; ``MT`` or ``chrM``).
    """

    def __init__(self, path: str | Path) -> None:
        import pysam

        self.path = Path(path)
        if not self.path.exists():
            raise InputError("file not found", path=str(self.path))
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as error:
            raise InputError(f"cannot open FASTA ({error})", path=str(self.path)) from None
        self.contigs = {normalise_chrom(n): n for n in self._fasta.references}
        self.lengths = {
            normalise_chrom(n): n_len
            for n, n_len in zip(self._fasta.references, self._fasta.lengths, strict=True)
        }

    def fetch(self, chrom: str, start: int, end: int) -> str | None:
        """Bases ``start..end`` (1-based inclusive) of ``chrom``; ``None`` if the contig is
        absent or the range runs off its end."""
        contig = self.contigs.get(chrom)
        if contig is None or start < 1 or end > self.lengths[chrom]:
            return None
        return self._fasta.fetch(contig, start - 1, end).upper()

    def close(self) -> None:
        self._fasta.close()
