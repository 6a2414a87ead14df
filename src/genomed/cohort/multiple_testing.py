"""Multiple-testing correction shared by the comparisons of :mod:`genomed.cohort`."""

from __future__ import annotations

import numpy as np


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg q-values (false discovery rate) of ``p_values``.

    ``q_(i) = min over j >= i of p_(j) * m / j`` on the p-values sorted ascending, capped
    at 1; NaN p-values stay NaN and do not count in ``m``. Matches R's
    ``p.adjust(p, "BH")``.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    if m == 0:
        return q
    order = valid[np.argsort(p[valid], kind="mergesort")]
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q[order] = np.minimum(ranked, 1.0)
    return q
