"""Per-token rate limit (token bucket) and daily query budget.

Both are in memory of the node process and keyed by the token's public id. The daily
budget is seeded from the audit log at start-up (queries already answered today count),
so a restart does not refill it. A request over either limit gets HTTP 429 and is
audited like any other.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from genomed.network.access_levels import AccessError


class QueryQuota:
    """Token bucket of ``burst`` requests refilled at ``per_minute``, plus a daily budget."""

    def __init__(
        self, per_minute: float, burst: int, budget_per_day: int, clock=time.monotonic
    ) -> None:
        self.rate = float(per_minute) / 60.0
        self.burst = max(1, int(burst))
        self.budget = int(budget_per_day)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._used: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def today() -> str:
        return datetime.now(UTC).date().isoformat()

    def seed(self, token_id: str, day: str, used: int) -> None:
        """Queries ``token_id`` already made on ``day`` (read back from the audit log)."""
        with self._lock:
            self._used[(token_id, day)] = used

    def used_today(self, token_id: str) -> int:
        return self._used.get((token_id, self.today()), 0)

    def take(self, token_id: str) -> None:
        """Spend one request of ``token_id`` or raise :class:`AccessError` (429)."""
        now = self._clock()
        day = self.today()
        with self._lock:
            tokens, last = self._buckets.get(token_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                wait = (1.0 - tokens) / self.rate
                self._buckets[token_id] = (tokens, now)
                raise AccessError(
                    f"rate limit: at most {self.rate * 60:g} queries per minute "
                    f"(bursts of {self.burst}); retry in {wait:.1f} s",
                    status=429,
                )
            used = self._used.get((token_id, day), 0)
            if used >= self.budget:
                raise AccessError(
                    f"query budget spent: {self.budget} queries per day for this token "
                    "(resets at 00:00 UTC)",
                    status=429,
                )
            self._buckets[token_id] = (tokens - 1.0, now)
            self._used[(token_id, day)] = used + 1
