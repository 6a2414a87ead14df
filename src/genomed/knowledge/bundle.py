"""Open a knowledge bundle: manifest, checksums, tables.

``KnowledgeBundle.default()`` opens the bundle shipped in the package
(``genomed/data/knowledge/default``, built from licence-compatible sources only; see
``PROVENANCE.md`` there); ``KnowledgeBundle(path)`` opens one a user built with
``genomed knowledge build``. Tables are read on first use and cached.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from genomed.errors import GenomedError
from genomed.knowledge import bundle_format as fmt
from genomed.knowledge.build import DEFAULT_BUNDLE_DIR, sha256_file
from genomed.knowledge.oncotree import TumorTypes


class KnowledgeBundleError(GenomedError):
    """A knowledge bundle is missing, corrupt (checksum mismatch) or of another format."""


class KnowledgeBundle:
    """A knowledge bundle directory opened read-only."""

    def __init__(self, path: str | Path, verify: bool = True) -> None:
        self.path = Path(path)
        manifest_path = self.path / fmt.MANIFEST
        if not manifest_path.exists():
            raise KnowledgeBundleError(
                f"no knowledge bundle at {self.path} (no {fmt.MANIFEST}); build one with "
                "`genomed knowledge build ... -o DIR`"
            )
        self.manifest = json.loads(manifest_path.read_text())
        if self.manifest.get("format") != fmt.FORMAT_VERSION:
            raise KnowledgeBundleError(
                f"{manifest_path}: unsupported knowledge-bundle format {self.manifest.get('format')}"
            )
        if verify:
            for name, entry in self.manifest["tables"].items():
                file_path = self.path / entry["file"]
                if not file_path.exists() or sha256_file(file_path) != entry["sha256"]:
                    raise KnowledgeBundleError(
                        f"{file_path}: missing or checksum differs from the manifest "
                        f"(table {name}); rebuild the bundle"
                    )
        self._tables: dict[str, pa.Table] = {}

    @classmethod
    def default(cls) -> KnowledgeBundle:
        """The bundle shipped with genomed."""
        return cls(DEFAULT_BUNDLE_DIR)

    @classmethod
    def open(cls, path: str | Path | None) -> KnowledgeBundle:
        """``path`` or, when None, the shipped default."""
        return cls.default() if path is None else cls(path)

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def build(self) -> str:
        return self.manifest["build"]

    def has(self, name: str) -> bool:
        return name in self.manifest["tables"]

    def table(self, name: str) -> pa.Table:
        """Bundle table ``name`` (an empty table of its schema when the bundle has none)."""
        if name not in self._tables:
            if name not in fmt.TABLE_FILES:
                raise KeyError(f"no knowledge table {name!r}")
            if self.has(name):
                self._tables[name] = pq.read_table(
                    self.path / self.manifest["tables"][name]["file"]
                )
            else:
                self._tables[name] = fmt.TABLE_FILES[name][1].empty_table()
        return self._tables[name]

    @cached_property
    def tumor_types(self) -> TumorTypes:
        return TumorTypes.from_tables(self.table("oncotree"), self.table("disease_map"))

    def source(self, name: str) -> dict | None:
        """The manifest entry of source ``name``, if the bundle was built with it."""
        return next((s for s in self.manifest["sources"] if s["name"] == name), None)

    def summary(self) -> dict:
        """What ``genomed knowledge show`` prints: id, build, sources, table rows."""
        return {
            "id": self.id,
            "path": str(self.path),
            "build": self.build,
            "redistributable": self.manifest.get("redistributable"),
            "sources": [
                {k: s.get(k) for k in ("name", "version", "licence", "redistributable", "note")}
                for s in self.manifest["sources"]
            ],
            "tables": {k: v["rows"] for k, v in self.manifest["tables"].items()},
        }
