"""Exception classes shared by every layer.

Errors carry where the problem is (file, line, field) and what was expected, so the CLI
can print one actionable line and tests can assert on the location.
"""

from __future__ import annotations


class GenomedError(Exception):
    """Base class for errors genomed reports to the user (never a bare traceback)."""


class InputError(GenomedError):
    """Bad input: names the file, line and field and says what was expected."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.expected = expected
        self.message = message
        super().__init__(self._format())

    def __reduce__(self):
        # Keep path/line/field when the error crosses a process boundary (pickling).
        return (
            _rebuild_input_error,
            (self.message, self.path, self.line, self.field, self.expected),
        )

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        text = where + self.message
        if self.field:
            text += f" (field {self.field})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


def _rebuild_input_error(message, path, line, field, expected) -> InputError:
    return InputError(message, path=path, line=line, field=field, expected=expected)


class WorkspaceError(GenomedError):
    """The workspace is missing, locked, of another genome build, or otherwise unusable."""
