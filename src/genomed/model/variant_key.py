"""``variant_key``: one int64 per distinct normalised allele, so joins are integer joins.

Layout of a *packed* key (non-negative), most significant bits first::

    0 | chrom code (5 bits) | pos (28 bits) | len(ref) (3) | len(alt) (3) | ref+alt bases, 2 bits each (24)

Packed keys sort like (chrom, pos, ref length, alt length, bases), i.e. in genome order.
An allele that does not fit (over 7 bases on either side, over 12 bases in all, a base
other than ACGT, a contig outside 1..22/X/Y/MT, or pos >= 2**28) gets a *hashed* key:
the negative of a 62-bit BLAKE2b digest of ``chrom:pos:ref:alt``. Hashed keys are
negative, so the two kinds never collide; a digest collision among hashed keys has
odds of about n**2 / 2**63 (negligible below billions of long alleles).
"""

from __future__ import annotations

import hashlib

import numpy as np

from genomed.model.chromosome import CANONICAL, CODE, chrom_codes

_MAX_SIDE = 7
_MAX_TOTAL = 12
_POS_BITS = 28
_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _i, _base in enumerate(b"ACGT"):
    _LOOKUP[_base] = _i
_LOOKUP[0] = 0  # padding after the last base; harmless because lengths are packed too
_BASES = np.array(list("ACGT"))


def _hashed_key(chrom: str, pos: int, ref: str, alt: str) -> int:
    digest = hashlib.blake2b(f"{chrom}:{pos}:{ref}:{alt}".encode(), digest_size=8).digest()
    return -(1 + (int.from_bytes(digest, "big") & ((1 << 62) - 1)))


def variant_keys(chrom, pos, ref, alt) -> np.ndarray:
    """Vectorised keys for arrays (or lists) of canonical chrom, 1-based pos, ref, alt.

    Returns an int64 array. Inputs must already be normalised (split, trimmed) and use
    canonical chromosome names; see :mod:`genomed.model.normalise`.
    """
    chrom = np.asarray(chrom, dtype=object)
    pos = np.asarray(pos, dtype=np.int64)
    ref_s = np.asarray(ref, dtype=object).astype(str)
    alt_s = np.asarray(alt, dtype=object).astype(str)
    n = len(pos)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    codes = chrom_codes(chrom)
    ref_len = np.char.str_len(ref_s)
    alt_len = np.char.str_len(alt_s)
    fits = (
        (codes > 0)
        & (ref_len >= 1)
        & (alt_len >= 1)
        & (ref_len <= _MAX_SIDE)
        & (alt_len <= _MAX_SIDE)
        & (ref_len + alt_len <= _MAX_TOTAL)
        & (pos >= 0)
        & (pos < (1 << _POS_BITS))
    )
    joined = np.char.add(ref_s, alt_s)
    joined[~fits] = ""
    raw = np.char.encode(joined, "ascii", errors="replace").astype(f"S{_MAX_TOTAL}")
    base_codes = _LOOKUP[np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(n, _MAX_TOTAL)]
    fits &= ~(base_codes == 255).any(axis=1)
    shifts = np.arange(2 * (_MAX_TOTAL - 1), -1, -2, dtype=np.int64)
    seq_bits = (base_codes.astype(np.int64) << shifts).sum(axis=1)
    keys = (
        (codes << 58)
        | (pos << 30)
        | ((ref_len.astype(np.int64) - 1) << 27)
        | ((alt_len.astype(np.int64) - 1) << 24)
        | seq_bits
    )
    for i in np.flatnonzero(~fits):
        keys[i] = _hashed_key(chrom[i], int(pos[i]), ref_s[i], alt_s[i])
    return keys


def variant_key(chrom: str, pos: int, ref: str, alt: str) -> int:
    """Key of one allele (see :func:`variant_keys`)."""
    return int(variant_keys([chrom], [pos], [ref], [alt])[0])


def unpack_variant_key(key: int) -> tuple[str, int, str, str] | None:
    """(chrom, pos, ref, alt) of a packed key; ``None`` for a hashed key (look it up in
    the variants table instead)."""
    if key < 0:
        return None
    code = (key >> 58) & 0x1F
    pos = (key >> 30) & ((1 << _POS_BITS) - 1)
    ref_len = ((key >> 27) & 0x7) + 1
    alt_len = ((key >> 24) & 0x7) + 1
    bases = "".join(_BASES[(key >> (2 * (_MAX_TOTAL - 1 - i))) & 0x3] for i in range(12))
    chrom = CANONICAL[code - 1] if 1 <= code <= len(CODE) else "?"
    return chrom, int(pos), bases[:ref_len], bases[ref_len : ref_len + alt_len]
