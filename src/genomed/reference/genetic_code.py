"""The standard genetic code, amino-acid names, and translation (scalar and vectorised).

Codons are upper-case DNA (``T`` not ``U``). A codon with a base other than ACGT
translates to ``X``. The stop codon is ``*`` in one-letter code and ``Ter`` in
three-letter code, as HGVS writes it.
"""

from __future__ import annotations

import numpy as np

_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"

#: codon -> one-letter amino acid (standard code, NCBI table 1).
CODON_TABLE: dict[str, str] = {
    a + b + c: _AMINO[16 * i + 4 * j + k]
    for i, a in enumerate(_BASES)
    for j, b in enumerate(_BASES)
    for k, c in enumerate(_BASES)
}

#: Vertebrate mitochondrial code (NCBI table 2): differences from the standard code.
MITO_CODON_TABLE: dict[str, str] = CODON_TABLE | {
    "AGA": "*",
    "AGG": "*",
    "ATA": "M",
    "TGA": "W",
}

#: one-letter -> three-letter amino-acid code (HGVS spelling).
THREE_LETTER: dict[str, str] = {
    "A": "Ala",
    "R": "Arg",
    "N": "Asn",
    "D": "Asp",
    "C": "Cys",
    "Q": "Gln",
    "E": "Glu",
    "G": "Gly",
    "H": "His",
    "I": "Ile",
    "L": "Leu",
    "K": "Lys",
    "M": "Met",
    "F": "Phe",
    "P": "Pro",
    "S": "Ser",
    "T": "Thr",
    "W": "Trp",
    "Y": "Tyr",
    "V": "Val",
    "U": "Sec",
    "*": "Ter",
    "X": "Xaa",
}

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (N stays N)."""
    return seq.translate(_COMPLEMENT)[::-1]


def translate(seq: str, mito: bool = False) -> str:
    """Translate whole codons of ``seq`` (a trailing partial codon is dropped)."""
    table = MITO_CODON_TABLE if mito else CODON_TABLE
    return "".join(table.get(seq[i : i + 3], "X") for i in range(0, len(seq) - 2, 3))


def three_letter(protein: str) -> str:
    """``"MV*"`` -> ``"MetValTer"``."""
    return "".join(THREE_LETTER.get(aa, "Xaa") for aa in protein)


# -- vectorised -------------------------------------------------------------------------
#: base byte -> 2-bit code (T=0, C=1, A=2, G=3 as in _BASES); 255 for anything else.
BASE_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(_BASES):
    BASE_CODE[ord(_b)] = _i
    BASE_CODE[ord(_b.lower())] = _i

#: 64-entry lookups of one-letter amino acids (as bytes) by codon index; index 64 = X.
AMINO_BY_INDEX = np.frombuffer((_AMINO + "X").encode(), dtype=np.uint8)
_MITO = "".join(MITO_CODON_TABLE[a + b + c] for a in _BASES for b in _BASES for c in _BASES)
MITO_AMINO_BY_INDEX = np.frombuffer((_MITO + "X").encode(), dtype=np.uint8)


def translate_codons(codons: np.ndarray, mito: np.ndarray | None = None) -> np.ndarray:
    """One-letter amino acids (uint8 bytes) of an ``(n, 3)`` uint8 array of codon bytes."""
    codes = BASE_CODE[codons]
    bad = (codes == 255).any(axis=1)
    index = (codes[:, 0].astype(np.int64) << 4) | (codes[:, 1] << 2) | codes[:, 2]
    index[bad] = 64
    out = AMINO_BY_INDEX[index]
    if mito is not None and mito.any():
        out = np.where(mito, MITO_AMINO_BY_INDEX[index], out)
    return out


def translate_fast(seq: str, mito: bool = False) -> str:
    """:func:`translate` through the NumPy lookup table (same result, for long sequences)."""
    n = len(seq) // 3
    if n == 0:
        return ""
    codons = np.frombuffer(seq[: 3 * n].encode("ascii"), dtype=np.uint8).reshape(n, 3)
    flags = np.full(n, mito, dtype=bool) if mito else None
    return translate_codons(codons, flags).tobytes().decode("ascii")


def translate_until_stop(seq: str, start: int, mito: bool = False, chunk: int = 150) -> str:
    """Codons of ``seq`` from ``start`` translated up to and including the first stop
    (or to the end of ``seq`` when there is none)."""
    out = []
    pos = start
    while pos + 3 <= len(seq):
        piece = translate_fast(seq[pos : pos + 3 * chunk], mito)
        stop = piece.find("*")
        if stop >= 0:
            out.append(piece[: stop + 1])
            break
        out.append(piece)
        pos += 3 * chunk
        chunk *= 2
    return "".join(out)
