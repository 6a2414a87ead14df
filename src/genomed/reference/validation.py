"""Checks a coding transcript must pass before a bundle uses its sequence for protein work.

A transcript that fails is still shipped for consequence classes and c. positions, but
without sequence, and the failure is listed in the bundle's ``validation.parquet`` and
manifest (nothing is dropped silently).

======================  ===================================================================
check                   fails when
======================  ===================================================================
length_mismatch         the sequence length differs from the model's spliced length
cds_not_multiple_of_3   the CDS length is not a multiple of 3
no_start_codon          the CDS does not begin with ATG (CTG/TTG/GTG are reported as such)
no_stop_codon           the last codon of the CDS is not a stop codon
internal_stop           a stop codon occurs before the last codon
ambiguous_bases         the CDS contains bases other than A/C/G/T
======================  ===================================================================

Selenoprotein transcripts (UGA read as Sec) fail ``internal_stop``; that is correct
for the standard genetic code and their records say so.
"""

from __future__ import annotations

from genomed.reference.genetic_code import translate

STOPS = frozenset({"TAA", "TAG", "TGA"})
MITO_STOPS = frozenset({"TAA", "TAG", "AGA", "AGG"})


def validate_coding_sequence(
    sequence: str,
    model_length: int,
    cds_cdna: tuple[int, int] | None,
    mito: bool = False,
) -> list[tuple[str, str]]:
    """Failed checks as (check, detail); empty when the transcript passes.

    ``cds_cdna`` is the cDNA span of the CDS (first base of the start codon, last base
    of the stop codon), 1-based inclusive; ``None`` for a non-coding transcript, which
    is only checked for length.
    """
    failures = []
    if len(sequence) != model_length:
        failures.append(
            ("length_mismatch", f"sequence {len(sequence)} nt, model {model_length} nt")
        )
        return failures
    if cds_cdna is None:
        return failures
    cds = sequence[cds_cdna[0] - 1 : cds_cdna[1]]
    if set(cds) - set("ACGT"):
        failures.append(("ambiguous_bases", "CDS has bases other than A/C/G/T"))
    if len(cds) % 3:
        failures.append(("cds_not_multiple_of_3", f"CDS length {len(cds)}"))
    if cds[:3] != "ATG":
        failures.append(("no_start_codon", f"CDS starts with {cds[:3]}"))
    stops = MITO_STOPS if mito else STOPS
    whole = len(cds) - len(cds) % 3
    if whole < 3 or cds[whole - 3 : whole] not in stops or len(cds) % 3:
        failures.append(("no_stop_codon", f"last codon {cds[whole - 3 : whole] or '-'}"))
    protein = translate(cds[: whole - 3], mito=mito)
    if "*" in protein:
        failures.append(("internal_stop", f"stop at codon {protein.index('*') + 1}"))
    return failures
