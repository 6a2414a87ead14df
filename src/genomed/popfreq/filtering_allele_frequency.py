"""Filtering allele frequency (FAF; Whiffin et al. 2017, Genet Med 19:1151), as gnomAD.

The FAF of an allele seen ``ac`` times in ``an`` alleles at confidence ``ci`` is the
highest true allele frequency ``af`` at which observing ``ac`` or more copies is still
unlikely: with ``X ~ Poisson(an * af)``, the largest ``af`` such that
``P(X <= ac - 1) >= ci`` (equivalently, ``P(X >= ac) <= 1 - ci``). A variant whose FAF
exceeds a disease's maximum credible allele frequency is too common to cause it.

Since ``P(X <= k) = Q(k + 1, lambda)`` (the regularised upper incomplete gamma function),
the threshold has a closed form: ``lambda* = Q^-1(ac, ci)`` and ``faf = lambda* / an``,
computed here for whole arrays at once with ``scipy.special.gammainccinv``.

gnomAD computes it with hail's ``filtering_allele_frequency``, which searches the same
threshold numerically on a grid of 1e-6 and returns a value at most 1e-6 below the exact
one; like hail, FAF is 0 when ``ac <= 1`` (not computed for singletons) or ``an == 0``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainccinv

CONFIDENCES = {"faf95": 0.95, "faf99": 0.99}


def filtering_allele_frequency(ac, an, ci: float = 0.95) -> np.ndarray:
    """FAF for arrays (or scalars) of allele counts and allele numbers; float64 array."""
    ac = np.asarray(ac, dtype=np.float64)
    an = np.asarray(an, dtype=np.float64)
    ok = (ac > 1) & (an > 0)
    out = np.zeros(np.broadcast(ac, an).shape, dtype=np.float64)
    if np.any(ok):
        ac_b, an_b = np.broadcast_arrays(ac, an)
        out[ok] = gammainccinv(ac_b[ok], ci) / an_b[ok]
    return out
