"""API tokens of a node: shown once at creation, stored only as scrypt hashes.

A token looks like ``gmd_<id>_<secret>``. ``id`` (8 hex digits) is public: it names the
token in the audit log and in ``genomed tokens list``. ``secret`` (43 URL-safe
characters, 256 bits) is never stored: ``tokens.json`` keeps a random salt and
``hashlib.scrypt(secret, salt, n=2**14, r=8, p=1)``. Checking a token costs one scrypt
(~20-50 ms), so a node remembers, for its lifetime, the SHA-256 of tokens it has
already verified (in memory only); revoking or editing tokens changes the file, which
clears that memory.

Each token has a level (public | registered | controlled) and the datasets it may see,
each at a level (``--datasets laml,1000g:registered``: ``laml`` at the token's level,
``1000g`` at registered); no ``--datasets`` means every dataset at the token's level.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from genomed.errors import GenomedError
from genomed.network.access_levels import AccessError, AccessLevel

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_TOKEN = re.compile(r"^gmd_([0-9a-f]{8})_([A-Za-z0-9_\-]{20,})$")
ALL_DATASETS = "*"


class TokenError(GenomedError):
    """A token file or token request that cannot be honoured."""


@dataclass(frozen=True)
class TokenRecord:
    """What a node knows about a token (never the secret)."""

    token_id: str
    label: str
    level: AccessLevel
    datasets: dict[str, AccessLevel]  # dataset id (or "*") -> level
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None

    def level_on(self, dataset_id: str) -> AccessLevel | None:
        """The token's level on a dataset, None if it may not see it."""
        if dataset_id in self.datasets:
            return self.datasets[dataset_id]
        return self.datasets.get(ALL_DATASETS)

    @property
    def active(self) -> bool:
        if self.revoked_at:
            return False
        expired = self.expires_at and datetime.fromisoformat(self.expires_at) <= datetime.now(UTC)
        return not expired

    def to_public_dict(self) -> dict:
        return {
            "id": self.token_id,
            "label": self.label,
            "level": self.level.label,
            "datasets": {k: v.label for k, v in self.datasets.items()},
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **SCRYPT)


def parse_dataset_grants(items: list[str] | None, level: AccessLevel) -> dict[str, AccessLevel]:
    """``["laml", "1000g:registered"]`` -> {laml: level, 1000g: registered}; None -> all."""
    if not items:
        return {ALL_DATASETS: level}
    grants: dict[str, AccessLevel] = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            name, _, lvl = part.partition(":")
            grants[name] = AccessLevel.parse(lvl) if lvl else level
    if not grants:
        raise TokenError("--datasets named no dataset")
    return grants


class TokenStore:
    """``tokens.json`` of a node (created on first use, mode 0600)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._verified: dict[bytes, str] = {}
        self._records: dict[str, dict] = {}
        self._stamp: tuple | None = None
        self._lock = threading.Lock()

    # -- file ----------------------------------------------------------------------------
    def _load(self) -> dict[str, dict]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._records, self._stamp = {}, None
            self._verified.clear()
            return self._records
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text())
            except json.JSONDecodeError as error:
                raise TokenError(f"{self.path}: not valid JSON ({error.msg})") from None
            self._records = {t["id"]: t for t in data.get("tokens", [])}
            self._stamp = stamp
            self._verified.clear()
        return self._records

    @contextlib.contextmanager
    def _editing(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = dict(self._load())
            yield records
            tmp = self.path.with_suffix(f".tmp-{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump({"tokens": list(records.values())}, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)

    @staticmethod
    def _record(raw: dict) -> TokenRecord:
        return TokenRecord(
            token_id=raw["id"],
            label=raw.get("label", ""),
            level=AccessLevel.parse(raw["level"]),
            datasets={k: AccessLevel.parse(v) for k, v in raw["datasets"].items()},
            created_at=raw["created_at"],
            expires_at=raw.get("expires_at"),
            revoked_at=raw.get("revoked_at"),
        )

    # -- operations ----------------------------------------------------------------------
    def create(
        self,
        level: AccessLevel,
        datasets: dict[str, AccessLevel] | None = None,
        label: str = "",
        expires_days: float | None = None,
    ) -> tuple[str, TokenRecord]:
        """A new token: returns the plaintext (shown once) and its record."""
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        now = datetime.now(UTC)
        with self._editing() as records:
            token_id = secrets.token_hex(4)
            while token_id in records:
                token_id = secrets.token_hex(4)
            raw = {
                "id": token_id,
                "label": label,
                "level": level.label,
                "datasets": {k: v.label for k, v in (datasets or {ALL_DATASETS: level}).items()},
                "created_at": now.isoformat(timespec="seconds"),
                "expires_at": (now + timedelta(days=expires_days)).isoformat(timespec="seconds")
                if expires_days
                else None,
                "revoked_at": None,
                "scrypt": dict(SCRYPT) | {"salt": salt.hex()},
                "hash": _hash(secret, salt).hex(),
            }
            records[token_id] = raw
        return f"gmd_{token_id}_{secret}", self._record(raw)

    def revoke(self, token_id: str) -> TokenRecord:
        with self._editing() as records:
            if token_id not in records:
                raise TokenError(f"no token with id {token_id!r} (see `genomed tokens list`)")
            records[token_id] = dict(records[token_id]) | {
                "revoked_at": datetime.now(UTC).isoformat(timespec="seconds")
            }
            return self._record(records[token_id])

    def list(self) -> list[TokenRecord]:
        with self._lock:
            return [self._record(r) for r in self._load().values()]

    def verify(self, token: str) -> TokenRecord:
        """The record of a valid, active token, else :class:`AccessError` (401)."""
        match = _TOKEN.match(token.strip())
        if not match:
            raise AccessError(
                "malformed token: expected 'Authorization: Bearer gmd_<id>_<secret>'", 401
            )
        token_id, secret = match.groups()
        digest = hashlib.sha256(token.strip().encode()).digest()
        with self._lock:
            records = self._load()
            raw = records.get(token_id)
            if raw is None:
                raise AccessError("unknown token", 401)
            known = self._verified.get(digest) == token_id
        if not known:
            params = raw["scrypt"]
            expected = bytes.fromhex(raw["hash"])
            actual = hashlib.scrypt(
                secret.encode(),
                salt=bytes.fromhex(params["salt"]),
                n=params["n"],
                r=params["r"],
                p=params["p"],
                dklen=params["dklen"],
            )
            if not hmac.compare_digest(expected, actual):
                raise AccessError("invalid token", 401)
            with self._lock:
                self._verified[digest] = token_id
        record = self._record(raw)
        if record.revoked_at:
            raise AccessError(f"token {token_id} was revoked at {record.revoked_at}", 401)
        if not record.active:
            raise AccessError(f"token {token_id} expired at {record.expires_at}", 401)
        return record
