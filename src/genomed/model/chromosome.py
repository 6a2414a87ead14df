"""Chromosome names: one spelling everywhere (``1..22, X, Y, MT``, no ``chr``).

Inputs spell chromosomes many ways (``chr1``, ``1``, ``chrM``, ``MT``, ``NC_000001.11``);
the workspace stores one, so joins across sources are plain string/integer joins.
"""

from __future__ import annotations

import numpy as np

#: Canonical names in karyotype order; the index (+1) is the chromosome code used in
#: variant keys, so the order of keys follows the genome.
CANONICAL = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]
CODE = {name: i + 1 for i, name in enumerate(CANONICAL)}

_ALIASES = {"M": "MT", "23": "X", "24": "Y", "25": "MT"}
# RefSeq chromosome accessions (GRCh37 and GRCh38 share the NC_0000NN prefix).
_REFSEQ = {f"NC_{i:06d}": CANONICAL[i - 1] for i in range(1, 25)} | {"NC_012920": "MT"}


def normalise_chrom(name: str) -> str:
    """Return the canonical spelling of a chromosome name; unknown contigs pass unchanged
    but without a ``chr`` prefix (``chr1`` -> ``1``, ``chrM`` -> ``MT``, ``NC_000023.11`` -> ``X``)."""
    text = name.strip()
    if text.startswith("NC_"):
        return _REFSEQ.get(text.split(".")[0], text)
    if text[:3].lower() == "chr":
        text = text[3:]
    text = _ALIASES.get(text.upper(), text)
    return text.upper() if text.upper() in CODE else text


def chrom_code(name: str) -> int:
    """Code 1..25 of a canonical chromosome; 0 for contigs outside the primary assembly."""
    return CODE.get(name, 0)


def chrom_codes(names: np.ndarray) -> np.ndarray:
    """Vectorised :func:`chrom_code` over an array of canonical names."""
    uniq, inverse = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    codes = np.array([CODE.get(u, 0) for u in uniq], dtype=np.int64)
    return codes[inverse]


def sort_key(name: str) -> tuple[int, str]:
    """Karyotype order for sorting: primary chromosomes first, then other contigs by name."""
    code = CODE.get(name, 0)
    return (code if code else 100, name)
