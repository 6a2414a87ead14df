"""Parsing structured meta lines (``##KEY=<ID=...,Description="...">``) and their values.

Pure parsing, no rule checks: :class:`~genomed.io.vcf_validation.header.Header` decides
what a parsed line may contain. :class:`Definition` is what an ##INFO/##FORMAT line (or the
reserved-key table) declares; the record checks read values against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genomed.io.vcf_validation.tokens import UINT
from genomed.io.vcf_validation.version_rules import Reserved

#: A parsed structured meta line: (key, value, was the value quoted).
Fields = list[tuple[str, str, bool]]


@dataclass(frozen=True)
class Definition:
    """A declared (or reserved) INFO/FORMAT key: Number and Type as written."""

    number: str
    type: str
    reserved: Reserved | None = None


class MetaSyntaxError(ValueError):
    """A structured meta line that does not parse as <key=value,...>."""


def parse_structured(body: str) -> Fields:
    """Split the inside of ``<...>`` into (key, value, quoted) triples.

    A value is quoted ("..." with backslash escapes), a [bracketed, list] or bare (up to
    the next comma). Raises :class:`MetaSyntaxError` with the reason.
    """
    fields: Fields = []
    i, n = 0, len(body)
    while i < n:
        eq, comma = body.find("=", i), body.find(",", i)
        if eq < 0 or 0 <= comma < eq:
            raise MetaSyntaxError(f"'{body[i : comma if comma >= 0 else n]}' is not key=value")
        key = body[i:eq]
        value, quoted, i = _structured_value(body, eq + 1)
        fields.append((key, value, quoted))
        if i < n:
            if body[i] != ",":
                raise MetaSyntaxError(f"unexpected '{body[i]}' after the value of {key}")
            i += 1
            if i == n:
                raise MetaSyntaxError("trailing comma")
    return fields


def _structured_value(body: str, i: int) -> tuple[str, bool, int]:
    """Read one value starting at ``i``; return (value, quoted, index after it)."""
    if body.startswith('"', i):
        j, out = i + 1, []
        while j < len(body) and body[j] != '"':
            if body[j] == "\\" and j + 1 < len(body):  # \" and \\ stand for " and \
                j += 1
            out.append(body[j])
            j += 1
        if j >= len(body):
            raise MetaSyntaxError("unterminated quoted value")
        return "".join(out), True, j + 1
    if body.startswith("[", i):
        j = body.find("]", i)
        if j < 0:
            raise MetaSyntaxError("unterminated [ list")
        return body[i : j + 1], False, j + 1
    j = body.find(",", i)
    j = len(body) if j < 0 else j
    return body[i:j], False, j


_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#\s]*)(\S*)")
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)*[A-Za-z][A-Za-z0-9\-]*\.?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def is_url(text: str) -> bool:
    """An absolute URL with a real host (RFC 3986 / RFC 1123); file:// may omit the host."""
    match = _URL.fullmatch(text)
    if not match:
        return False
    host = match.group(2).rpartition("@")[2]
    if host.startswith("["):
        return host.endswith("]") or "]:" in host
    host, _, port = host.partition(":")
    if port and not UINT.fullmatch(port):
        return False
    if not host:
        return match.group(1).lower() == "file"
    return bool(_IPV4.fullmatch(host) or _HOST.fullmatch(host))
