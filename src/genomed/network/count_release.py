"""How one count leaves a node: released exactly, rounded, or withheld as below threshold.

The rule, at public and registered level (``k`` = minimum cell count):

- ``0`` is released as 0 (an empty answer says no more than a Beacon's boolean ``false``);
- ``1 .. k-1`` is *suppressed*: the answer says "below threshold", never the number;
- ``k`` and above is released, rounded half-up to the level's rounding step (a rounded
  value is never below ``k``).

At controlled level counts are released exactly. A suppressed count serialises as
``{"suppressed": "below_threshold", "minimumCellCount": k}`` wherever a number would be.
"""

from __future__ import annotations

from dataclasses import dataclass

from genomed.network.access_levels import AccessLevel
from genomed.network.privacy_policy import PrivacyPolicy

BELOW_THRESHOLD = "below_threshold"
DIFFERENCING = "differencing_guard"


@dataclass(frozen=True)
class CountRelease:
    """A count as released: ``value`` is None when suppressed (``reason`` says why)."""

    value: int | None
    reason: str | None = None
    rounded_to: int = 1
    minimum_cell_count: int = 1

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def to_json(self) -> int | dict:
        """The number, or the suppression marker (never the hidden number)."""
        if self.value is not None:
            return self.value
        return {"suppressed": self.reason, "minimumCellCount": self.minimum_cell_count}


def round_half_up(n: int, step: int) -> int:
    """``n`` to the nearest multiple of ``step`` (ties up); ``step`` 1 leaves it alone."""
    if step <= 1:
        return int(n)
    return int((2 * n + step) // (2 * step) * step)


def release_count(n: int, level: AccessLevel, policy: PrivacyPolicy) -> CountRelease:
    """Apply the minimum cell count and rounding of ``policy`` at ``level`` to ``n``."""
    n = int(n)
    k = policy.minimum_cell_count
    if not policy.applies_to(level):
        return CountRelease(n, minimum_cell_count=k)
    if 0 < n < k:
        return CountRelease(None, BELOW_THRESHOLD, minimum_cell_count=k)
    step = policy.rounding_for(level)
    value = round_half_up(n, step)
    if n > 0:  # never round a released count down to 0 or below the threshold
        value = max(value, step * -(-k // step))
    return CountRelease(value, rounded_to=step, minimum_cell_count=k)


def suppressed(reason: str, policy: PrivacyPolicy) -> CountRelease:
    """A count withheld for ``reason`` (e.g. the differencing guard)."""
    return CountRelease(None, reason, minimum_cell_count=policy.minimum_cell_count)
