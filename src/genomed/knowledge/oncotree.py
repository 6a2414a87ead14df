"""OncoTree codes, their hierarchy, and the disease names the sources use for them.

A patient's tumour type is an OncoTree code (``COAD``); evidence is recorded against the
disease names of each source (CIViC ``Colorectal Cancer``, DOID 9256). Evidence *applies
to the tumour type* when its disease is mapped (``disease_map``) to the code itself or
to any ancestor of it (COAD -> COADREAD -> BOWEL -> TISSUE): evidence for colorectal
cancer applies to a colon adenocarcinoma, and evidence for "Cancer" (mapped to the root)
applies to every tumour. Below the tissue level, evidence recorded for a more specific
type (a descendant) applies too: a melanoma (MEL) takes skin-melanoma evidence. Evidence
for another branch is "other tumour type" evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from genomed.errors import GenomedError


class UnknownTumorType(GenomedError):
    """A tumour-type code that the bundle's OncoTree table does not list."""


@dataclass
class TumorTypes:
    """The OncoTree table and disease map of a bundle, indexed for lookups."""

    parent: dict[str, str | None]
    name: dict[str, str]
    diseases: dict[str, set[str]]  # code -> lower-case disease names
    doids: dict[str, set[str]]  # code -> DOIDs

    @classmethod
    def from_tables(cls, oncotree: pa.Table, disease_map: pa.Table) -> TumorTypes:
        parent, name = {}, {}
        for row in oncotree.to_pylist():
            parent[row["code"]] = row["parent"] or None
            name[row["code"]] = row["name"]
        diseases: dict[str, set[str]] = {}
        doids: dict[str, set[str]] = {}
        for row in disease_map.to_pylist():
            diseases.setdefault(row["oncotree_code"], set()).add(row["disease"].lower())
            if row["doid"]:
                doids.setdefault(row["oncotree_code"], set()).add(row["doid"])
        return cls(parent, name, diseases, doids)

    def check(self, code: str) -> str:
        """``code`` upper-cased if known, else :class:`UnknownTumorType`."""
        upper = code.strip().upper()
        if upper not in self.parent:
            raise UnknownTumorType(
                f"unknown OncoTree code {code!r}; the bundle lists {len(self.parent)} codes "
                "(see `genomed knowledge show --oncotree`)"
            )
        return upper

    def lineage(self, code: str) -> list[str]:
        """``code`` and its ancestors up to the root, nearest first."""
        out, seen = [], set()
        current: str | None = self.check(code)
        while current and current not in seen:
            out.append(current)
            seen.add(current)
            current = self.parent.get(current)
        return out

    def descendants(self, code: str) -> list[str]:
        """Codes below ``code`` in the hierarchy (children, grandchildren, ...)."""
        children: dict[str, list[str]] = {}
        for child, parent in self.parent.items():
            if parent:
                children.setdefault(parent, []).append(child)
        out, stack = [], list(children.get(code, []))
        while stack:
            item = stack.pop()
            out.append(item)
            stack.extend(children.get(item, []))
        return out

    def matching_diseases(self, code: str) -> tuple[set[str], set[str]]:
        """(lower-case disease names, DOIDs) whose evidence applies to tumour type ``code``:
        those mapped to the code and its ancestors and, below the tissue level, to its
        descendants too (a melanoma NOS takes the evidence recorded for skin melanoma)."""
        lineage = self.lineage(code)
        codes = list(lineage)
        if len(lineage) >= 3:  # code, tissue, root: a tumour type, not a tissue
            codes += self.descendants(lineage[0])
        names: set[str] = set()
        ids: set[str] = set()
        for item in codes:
            names |= self.diseases.get(item, set())
            ids |= self.doids.get(item, set())
        return names, ids
