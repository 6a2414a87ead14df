"""A node's privacy settings: thresholds and limits, from a data table, overridable per node.

Defaults live in ``network/data/privacy_defaults.json`` (not in code); a node's
``node.json`` may override any of them under ``"privacy"``. Meaning of each setting:

``minimum_cell_count`` (k, default 5)
    a count of 1..k-1 individuals (or records, alleles, 2x2 cells, ...) is never
    released at public or registered level: it is reported as *below threshold*.
``rounding``
    per level, released counts are rounded to the nearest multiple (half up); 1 = exact.
``public_counts``
    whether public tokens may see (rounded) counts; otherwise public is boolean-only.
``query_budget_per_day`` / ``rate_limit_per_minute`` / ``rate_limit_burst``
    per token: queries per UTC day, and a token bucket refilled at the per-minute rate.
``differencing_guard`` / ``differencing_history``
    see :mod:`genomed.network.differencing_guard`.
``allow_anonymous``
    requests without a token are treated as public (otherwise they get 401).
``audit_fsync``
    fsync the audit log after every entry (durable at a small cost per query).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from functools import cache
from importlib.resources import files

from genomed.errors import GenomedError
from genomed.network.access_levels import AccessLevel


@cache
def _defaults() -> dict:
    with (files("genomed.network") / "data" / "privacy_defaults.json").open() as handle:
        data = json.load(handle)
    data.pop("_comment", None)
    return data


@dataclass(frozen=True)
class PrivacyPolicy:
    """Thresholds and limits applied to every answer of a node (see the module notes)."""

    minimum_cell_count: int = field(default_factory=lambda: _defaults()["minimum_cell_count"])
    rounding: dict = field(default_factory=lambda: dict(_defaults()["rounding"]))
    public_counts: bool = field(default_factory=lambda: _defaults()["public_counts"])
    query_budget_per_day: int = field(default_factory=lambda: _defaults()["query_budget_per_day"])
    rate_limit_per_minute: float = field(
        default_factory=lambda: _defaults()["rate_limit_per_minute"]
    )
    rate_limit_burst: int = field(default_factory=lambda: _defaults()["rate_limit_burst"])
    differencing_guard: bool = field(default_factory=lambda: _defaults()["differencing_guard"])
    differencing_history: int = field(default_factory=lambda: _defaults()["differencing_history"])
    allow_anonymous: bool = field(default_factory=lambda: _defaults()["allow_anonymous"])
    audit_fsync: bool = field(default_factory=lambda: _defaults()["audit_fsync"])

    def __post_init__(self) -> None:
        if self.minimum_cell_count < 1:
            raise GenomedError("privacy.minimum_cell_count must be at least 1")
        for level, step in self.rounding.items():
            if level not in ("public", "registered") or not isinstance(step, int) or step < 1:
                raise GenomedError(
                    f"privacy.rounding: {level}={step!r}; expected public/registered -> integer >= 1"
                )
        if self.query_budget_per_day < 1 or self.rate_limit_per_minute <= 0:
            raise GenomedError("privacy budget and rate limit must be positive")

    @classmethod
    def from_dict(cls, data: dict | None) -> PrivacyPolicy:
        """Defaults overridden by ``data`` (unknown keys are an error, not ignored)."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise GenomedError(
                f"unknown privacy settings {sorted(unknown)}; known: {', '.join(sorted(known))}"
            )
        if "rounding" in data:
            data["rounding"] = _defaults()["rounding"] | dict(data["rounding"])
        return cls(**data)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def rounding_for(self, level: AccessLevel) -> int:
        """The rounding step of released counts at ``level`` (1 at controlled)."""
        if level >= AccessLevel.CONTROLLED:
            return 1
        return int(self.rounding.get(level.label, 1))

    def applies_to(self, level: AccessLevel) -> bool:
        """Whether the aggregate rules (threshold, rounding, guard) bind ``level``."""
        return level < AccessLevel.CONTROLLED
