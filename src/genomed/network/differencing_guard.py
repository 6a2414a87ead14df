"""The differencing guard: no two released counts may differ by fewer than k people.

The attack it stops. With a minimum cell count alone, a user can learn about one person
by asking two large questions whose answers differ only by that person: "how many
patients are female and born in 1950?" (37) and "how many are female, born in 1950 and
not CHB?" (36) reveal that exactly one such patient is CHB, although every answer was
above the threshold.

The method (query-set overlap control). Every count a node releases at public or
registered level is the size of a *member set* (the patients, samples or records it
counts). For each token the guard keeps the member sets it has released (the last
``differencing_history`` of them). A new count whose member set ``S`` differs from an
earlier released set ``P`` by fewer than ``k`` members, ``0 < |S symmetric-difference P| < k``,
is not released: the answer says ``differencing_guard`` where the number would be.
Identical sets are allowed (asking again, or asking an equivalent question, reveals
nothing new). Only sets whose sizes differ by less than ``k`` can be that close, so the
check looks only at those (sets are indexed by size).

An answer that releases several counts at once (the cells of a 2x2 table, the groups of
a survival comparison) is checked as a whole: each set and their union (the implied
margin) must pass; if any fails, every count of the answer is withheld, so a withheld
cell cannot be recovered from a margin.

What it does not do, documented in docs/network.md: the fact that an answer was
withheld tells the user that some earlier answer is close to it; histories are per
token and in memory (a restart, or two colluding tokens, start afresh); counts of
different kinds of entries (variants vs individuals) are not compared with each other.
Rounding, the per-token budget and the audit log bound and expose what remains.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _History:
    by_size: dict[int, dict[int, np.ndarray]] = field(default_factory=dict)
    order: deque = field(default_factory=deque)
    next_id: int = 0


def member_set(values) -> np.ndarray:
    """A member set as a sorted array of unique int64 codes (e.g. DuckDB ``hash(patient_id)``)."""
    array = np.asarray(values)
    if array.dtype.kind == "u":
        array = array.view(np.int64) if array.dtype.itemsize == 8 else array.astype(np.int64)
    return np.unique(array.astype(np.int64, copy=False))


def symmetric_difference_size(a: np.ndarray, b: np.ndarray) -> int:
    """``|a ^ b|`` of two sorted unique arrays."""
    common = np.intersect1d(a, b, assume_unique=True).size
    return int(a.size + b.size - 2 * common)


class DifferencingGuard:
    """Per-token memory of released member sets (see the module notes)."""

    def __init__(self, minimum_cell_count: int, history: int = 10000) -> None:
        self.k = int(minimum_cell_count)
        self.history = int(history)
        self._tokens: dict[str, _History] = {}
        self._lock = threading.Lock()

    def _too_close(self, hist: _History, members: np.ndarray) -> bool:
        n = members.size
        for size in range(max(0, n - self.k + 1), n + self.k):
            for earlier in hist.by_size.get(size, {}).values():
                diff = symmetric_difference_size(members, earlier)
                if 0 < diff < self.k:
                    return True
        return False

    def _record(self, hist: _History, members: np.ndarray) -> None:
        if members.size == 0:
            return
        bucket = hist.by_size.setdefault(members.size, {})
        for earlier in bucket.values():
            if earlier.size == members.size and np.array_equal(earlier, members):
                return
        entry = hist.next_id
        hist.next_id += 1
        bucket[entry] = members
        hist.order.append((entry, members.size))
        while len(hist.order) > self.history:
            old, size = hist.order.popleft()
            hist.by_size.get(size, {}).pop(old, None)

    def admit(self, token_id: str, sets: list[np.ndarray]) -> bool:
        """Whether counts of ``sets`` may be released together; records them if so.

        Sets smaller than ``k`` are never released (the threshold withholds them first),
        so callers pass only the sets whose counts would otherwise be released.
        """
        sets = [member_set(s) for s in sets]
        checks = list(sets)
        if len(sets) > 1:
            checks.append(member_set(np.concatenate(sets)))
        with self._lock:
            hist = self._tokens.setdefault(token_id, _History())
            if any(self._too_close(hist, s) for s in checks):
                return False
            for s in checks:
                self._record(hist, s)
            return True

    def forget(self, token_id: str) -> None:
        with self._lock:
            self._tokens.pop(token_id, None)
