"""The workspace: Delta Lake tables, atomic ingests, DuckDB queries."""
