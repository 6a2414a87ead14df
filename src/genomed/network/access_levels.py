"""Access levels and the Beacon granularity each one allows.

A token has a level on each dataset it may see. The level caps the *granularity* of
answers about that dataset (Beacon v2's ``boolean`` < ``count`` < ``record``):

==============  ================================================================
``public``      boolean (exists / does not exist); counts only if the node's
                policy sets ``public_counts`` (then rounded, see
                :mod:`genomed.network.privacy_policy`)
``registered``  counts (minimum cell count, rounding, differencing guard apply)
``controlled``  records (patient-level rows; the privacy rules for aggregates
                do not apply: a controlled user may see the rows themselves)
==============  ================================================================
"""

from __future__ import annotations

from enum import IntEnum

from genomed.errors import GenomedError


class AccessError(GenomedError):
    """A request the caller's token does not allow (HTTP 401/403/429 at a node)."""

    def __init__(self, message: str, status: int = 403) -> None:
        self.status = status
        super().__init__(message)


class AccessLevel(IntEnum):
    """Ordered: a higher level allows everything a lower one does."""

    PUBLIC = 1
    REGISTERED = 2
    CONTROLLED = 3

    @classmethod
    def parse(cls, text: str) -> AccessLevel:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise GenomedError(
                f"unknown access level {text!r}; expected public, registered or controlled"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Granularity(IntEnum):
    """Beacon v2 response granularity, ordered by detail."""

    BOOLEAN = 1
    COUNT = 2
    RECORD = 3

    @classmethod
    def parse(cls, text: str) -> Granularity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise GenomedError(
                f"unknown granularity {text!r}; expected boolean, count or record"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


def max_granularity(level: AccessLevel, public_counts: bool = False) -> Granularity:
    """The most detailed granularity ``level`` may receive."""
    if level >= AccessLevel.CONTROLLED:
        return Granularity.RECORD
    if level >= AccessLevel.REGISTERED or public_counts:
        return Granularity.COUNT
    return Granularity.BOOLEAN
