"""``variant_key`` for columns that may hold very long alleles.

:func:`genomed.model.variant_key.variant_keys` converts whole columns to fixed-width
NumPy strings, so one 5-kb deletion in a ClinVar file makes every row 5,000 characters
wide. Alleles that cannot be packed anyway (longer than 12 bases) are keyed one by one
here (they get the same hashed key), the rest in one vectorised call.
"""

from __future__ import annotations

import numpy as np

from genomed.model.variant_key import variant_key, variant_keys

_PACKABLE = 12


def allele_keys(chrom, pos, ref, alt) -> np.ndarray:
    """Same result as ``variant_keys(chrom, pos, ref, alt)``, fast on long alleles."""
    chrom = list(chrom)
    pos = list(pos)
    ref = list(ref)
    alt = list(alt)
    n = len(pos)
    long = np.array(
        [len(r) > _PACKABLE or len(a) > _PACKABLE for r, a in zip(ref, alt, strict=True)],
        dtype=bool,
    )
    keys = np.zeros(n, dtype=np.int64)
    short = np.flatnonzero(~long)
    if short.size:
        keys[short] = variant_keys(
            [chrom[i] for i in short],
            [pos[i] for i in short],
            [ref[i] for i in short],
            [alt[i] for i in short],
        )
    for i in np.flatnonzero(long):
        keys[i] = variant_key(chrom[i], pos[i], ref[i], alt[i])
    return keys
