"""Residues where ClinVar has reviewed pathogenic variants: evidence that a protein region
is critical to its function (the "critical region" question of the ClinGen SVI PVS1
decision tree, Abou Tayoun et al. 2018).

genomed's reading: a region lost by a truncation that escapes NMD (or by an in-frame exon
skip) is critical when ClinVar classes another allele in it pathogenic or likely
pathogenic with >= 2 review stars: a missense change (the residues matter), or, for
C-terminal truncations, a nonsense/frameshift variant further 3' (losing even less of the
protein is pathogenic). The variants are annotated by genomed (see
:func:`genomed.interpret.germline.clinvar_pathogenic_alleles`). No domain annotation is
used: genomed ships none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class CriticalResidues:
    """gene -> [(residue, kind, protein change, variant_key)], kind ``missense`` or
    ``truncating``."""

    by_gene: dict[str, list[tuple[int, str, str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, gene: str, residue: int, kind: str, change: str, key: int) -> None:
        self.by_gene[gene].append((residue, kind, change, key))

    def within(
        self,
        gene: str | None,
        first: int | None,
        last: int | None,
        kinds: tuple[str, ...],
        own_key: int | None,
    ) -> list[str]:
        """Protein changes of other alleles of ``kinds`` at residues ``first..last``,
        by residue."""
        if not gene or first is None or last is None:
            return []
        found = {
            (residue, change)
            for residue, kind, change, key in self.by_gene.get(gene, ())
            if first <= residue <= last and kind in kinds and key != own_key
        }
        return [change for _, change in sorted(found)]
