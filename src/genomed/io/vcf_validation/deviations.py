"""How a check's findings reach the caller: a :class:`Deviation` list or an InputError.

Every rule in the header and record checks reports through one :class:`Reporter`, so the
strict/lenient decision and the deviation cap live in one place rather than in each rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from genomed.errors import InputError


@dataclass(frozen=True)
class Deviation:
    """One way a file departs from the VCF spec: where (1-based text line, field) and what."""

    line: int
    field: str
    message: str


class Reporter:
    """Turns rule outcomes into an InputError (strict / fatal) or a capped Deviation list."""

    def __init__(self, path: str, strict: bool, max_deviations: int) -> None:
        self.path = path
        self.strict = strict
        self.max_deviations = max_deviations
        self.deviations: list[Deviation] = []
        self._seen: set[tuple[str, str]] = set()

    def fatal(self, line: int, field: str, message: str, expected: str | None = None) -> NoReturn:
        """Something no reader can get past: raise in both modes."""
        raise InputError(message, path=self.path, line=line, field=field, expected=expected)

    def violation(self, line: int, field: str, message: str, expected: str | None = None) -> None:
        """The spec forbids it: raise when strict, record a deviation otherwise."""
        if self.strict:
            self.fatal(line, field, message, expected)
        self.note(line, field, message + (f"; expected {expected}" if expected else ""))

    def note(self, line: int, field: str, message: str) -> None:
        """Record a deviation (both modes), up to the cap."""
        if len(self.deviations) < self.max_deviations:
            self.deviations.append(Deviation(line, field, message))

    def once(self, key: str, line: int, field: str, message: str) -> None:
        """An advisory that would repeat on every record (undeclared key...): note it once."""
        if (key, field) not in self._seen:
            self._seen.add((key, field))
            self.note(line, field, message)
