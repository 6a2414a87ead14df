"""Plain typed records and pure functions on them: no I/O."""
