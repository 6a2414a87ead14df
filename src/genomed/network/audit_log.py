"""The node's append-only audit log: who asked what, when, and how much was returned.

One JSON object per line in ``<workspace>/node/audit.jsonl``, written with ``O_APPEND``
(and fsync'd, by default) before the answer leaves the node. Every request to a query
endpoint is logged, including those refused (401/403/429) or rejected (400).

Fields: ``seq`` (1, 2, ...), ``at`` (UTC), ``token`` (the token's public id or
``anonymous``), ``level``, ``client`` (address), ``method``, ``endpoint`` (the route
template, e.g. ``/beacon/v2/individuals/{id}``), ``entry_type``, ``query`` (filters,
request parameters, cohort definitions), ``requested_granularity``,
``returned_granularity``, ``status`` (HTTP), ``returned`` (counts released, with
suppressed ones marked, and the number of records sent), ``reason`` (for refusals),
``ms``, and the hash chain ``prev``/``hash``.

Never patient data: records are counted, not copied; identifiers that appear in a path
or a query (``/individuals/{id}``, ``patient_id = ...``) are replaced by a keyed hash
(HMAC-SHA-256 with the node's secret key, ``node/audit.key``; ``id:3f2a...``), so an
auditor can match repeated look-ups of the same id without the log naming anyone and
without the ids being guessable from the log alone.

Tamper evidence: ``hash`` is SHA-256 of the previous entry's hash and this entry's
canonical JSON; :func:`verify_audit_log` recomputes the chain and reports the first
entry where it breaks (an edited, removed or reordered line).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from genomed.errors import GenomedError

GENESIS = "0" * 64
ID_FIELDS = frozenset({"patient_id", "sample_id", "individual_id", "biosample_id", "id"})


class AuditError(GenomedError):
    """The audit log cannot be written or does not verify."""


def pseudonym(value: str, key: bytes) -> str:
    """What the log writes in place of an identifier."""
    return "id:" + hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()[:16]


def scrub(query, key: bytes):
    """``query`` with identifier values replaced by :func:`pseudonym` (recursively).

    Identifier values are those under keys named in :data:`ID_FIELDS` (other than a
    filter's ``id``, which names an ontology term or field), and the ``value`` of a filter
    or comparison whose ``id``/``attribute`` names an identifier field.
    """
    if isinstance(query, dict):
        target = str(query.get("attribute", query.get("id", ""))).lower()
        names_id = target in ID_FIELDS - {"id"}
        out = {}
        for name, value in query.items():
            hide = (name in ID_FIELDS and name != "id") or (names_id and name == "value")
            if hide and value is not None:
                out[name] = _pseudonyms(value, key)
            else:
                out[name] = scrub(value, key)
        return out
    if isinstance(query, list):
        return [scrub(v, key) for v in query]
    return query


def _pseudonyms(value, key: bytes):
    return [pseudonym(v, key) for v in value] if isinstance(value, list) else pseudonym(value, key)


def _canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def _chain(prev: str, entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(prev.encode() + _canonical(body)).hexdigest()


class AuditLog:
    """Appends entries to ``path``; thread-safe within one node process.

    Durability with group commit: each :meth:`append` returns only after its line is
    fsync'd (when ``fsync``), but one fsync covers every line written before it, so
    concurrent requests share fsyncs instead of queueing one each.
    """

    def __init__(self, path: str | Path, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq, self._prev = self._tail()
        self._synced = self._seq
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _tail(self) -> tuple[int, str]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return 0, GENESIS
        with open(self.path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = min(size, 1 << 16)
            handle.seek(size - block)
            lines = handle.read().splitlines()
        for line in reversed(lines):
            if line.strip():
                try:
                    last = json.loads(line)
                    return int(last["seq"]), str(last["hash"])
                except (json.JSONDecodeError, KeyError, ValueError):
                    raise AuditError(
                        f"{self.path}: last entry is damaged; run `genomed network audit --verify`"
                    ) from None
        return 0, GENESIS

    def append(self, entry: dict) -> dict:
        """Write one entry (``seq``, ``at``, ``prev``, ``hash`` are added here)."""
        with self._lock:
            full = {"seq": self._seq + 1, "at": datetime.now(UTC).isoformat()}
            full |= {k: v for k, v in entry.items() if k not in ("seq", "at", "prev", "hash")}
            full["prev"] = self._prev
            full["hash"] = _chain(self._prev, full)
            line = json.dumps(full, sort_keys=True, default=str) + "\n"
            os.write(self._fd, line.encode())
            self._seq, self._prev = full["seq"], full["hash"]
        if self.fsync:
            with self._sync_lock:
                if self._synced < full["seq"]:
                    written = self._seq
                    os.fsync(self._fd)
                    self._synced = written
        return full

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def read_audit_log(path: str | Path) -> Iterator[dict]:
    """Entries in order (an absent log has none)."""
    path = Path(path)
    if not path.exists():
        return
    with open(path) as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def verify_audit_log(path: str | Path) -> tuple[int, str | None]:
    """(entries checked, None) if the chain holds, else (seq where it breaks, why)."""
    prev, n = GENESIS, 0
    for n, entry in enumerate(read_audit_log(path), start=1):
        if entry.get("seq") != n:
            return n, f"entry {n} has seq {entry.get('seq')} (removed or reordered lines)"
        if entry.get("prev") != prev:
            return n, f"entry {n} does not follow entry {n - 1} (prev hash differs)"
        if _chain(prev, entry) != entry.get("hash"):
            return n, f"entry {n} was modified (hash differs)"
        prev = entry["hash"]
    return n, None


def queries_today(path: str | Path) -> dict[str, int]:
    """Queries per token id logged today (UTC), to seed the daily budgets."""
    today = datetime.now(UTC).date().isoformat()
    counts: dict[str, int] = {}
    for entry in read_audit_log(path):
        if str(entry.get("at", "")).startswith(today) and entry.get("status", 200) != 429:
            token = entry.get("token", "anonymous")
            counts[token] = counts.get(token, 0) + 1
    return counts
