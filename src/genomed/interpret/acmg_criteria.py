"""ACMG/AMP 2015 criteria with ClinGen SVI refinements, in the points form of Tavtigian et
al. (Hum Mutat 2020): very strong 8, strong 4, moderate 2, supporting 1; benign
supporting -1, moderate -2 (BP4 by REVEL only), strong -4; BA1 is stand-alone benign (``rules/acmg_strengths.tsv``).
Thresholds of PVS1 and BP3 are in ``rules/germline_thresholds.tsv``.
Classes: Pathogenic >= 10, Likely pathogenic 6-9, VUS 0-5, Likely benign -1..-6,
Benign <= -7 (``rules/acmg_classes.tsv``).

Criteria computed, from the input row and the knowledge bundle:

PVS1   null variant in a gene whose disease mechanism is loss of function
       (``germline_gene_rules.lof_mechanism``), by the ClinGen SVI decision tree (Abou
       Tayoun et al., Hum Mutat 2018;39:1517) on the reference bundle's exon coordinates
       (:mod:`genomed.interpret.truncation_effect`):
       nonsense/frameshift: the premature stop (nonsense residue; frameshift ``fsTerN``
       moved back to reference coordinates; without ``fsTerN`` the variant position, said
       in the reason) in the last exon or within the last 50 nt of the penultimate exon
       escapes NMD, else NMD -> very strong. Canonical splice site: the exon whose
       donor/acceptor is hit is read as skipped; out of frame -> the new stop is found by
       translation when the bundle has the cDNA (else NMD assumed, except for the
       penultimate exon) -> very strong if NMD; in frame -> the exon's residues are lost.
       A truncation escaping NMD or an in-frame skip is strong when the lost region is
       critical (ClinVar P/LP >= 2 stars of other alleles in it: missense, or for
       C-terminal truncations also nonsense/frameshift; :mod:`genomed.interpret.critical_residues`)
       or > 10% of the protein, else moderate. Start loss -> moderate. Not modelled (PVS1
       stays very strong, reason says so): exons with the start/stop codon, non-coding or
       last exons, cryptic splice sites; not checked: LoF frequency in the exon and the
       exon's presence in other biologically relevant transcripts (no data). Without the
       transcript in the bundle (e.g. a VEP transcript of another version), only the
       annotation's exon number is used (last exon rule, no 50-nt rule).
PS1    same amino-acid change as a ClinVar pathogenic/likely pathogenic (>= 2 stars)
       missense variant with another nucleotide change (strong).
PM1    missense at a cancerhotspots.org residue (>= 10 tumours) of a cancer gene (moderate).
PM2    absent from, or at AF <= the gene's ``pm2_af`` in, the frequency source consulted
       (supporting, per SVI 2020).
PM4    in-frame deletion/insertion outside a repeat region, or stop loss (moderate); an
       in-frame indel with no reference bases around it keeps PM4 and the reason says the
       repeat (and BP3) was not evaluated.
PM5    another missense change at a residue where ClinVar has a P/LP (>= 2 stars)
       missense (moderate).
PP3    REVEL >= 0.644 (supporting), >= 0.773 (moderate), >= 0.932 (strong) (Pejaver
       et al. 2022); without REVEL, CADD >= 25.3 (supporting); SpliceAI >= 0.2 for
       non-missense variants (supporting).
BP4    REVEL <= 0.290 (supporting), <= 0.183 (moderate), <= 0.016 (strong); without
       REVEL, CADD <= 22.7 (supporting); SpliceAI <= 0.1 for synonymous/intronic.
BA1    AF > the gene's ``ba1_af`` (stand-alone benign).
BS1    AF > the gene's ``bs1_af`` (strong benign).
BP3    in-frame deletion/insertion in a repeat region (genomed rule: its codon-level repeat
       unit occurs >= 3 times in tandem in the reference, ``rules/germline_thresholds.tsv``;
       :mod:`genomed.interpret.tandem_repeat`), in a gene without cancerhotspots residues
       (PM1-type evidence) (benign supporting). Bases: the bundle's genome stretches and
       cDNAs of transcripts with a sequence; elsewhere not evaluated.
BP7    synonymous outside the splice region, or intronic at >= +7 / <= -21 from the
       exon (SVI 2023), with no SpliceAI score >= 0.1 (supporting).

PS1/PM5 use the classifications of *other* ClinVar variants (that is what the criteria
are); the variant's own ClinVar assertion is only used as PP5/BP6 with
``use_clinvar_assertions`` (supporting at 1 star, strong at >= 2 stars).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genomed.interpret.critical_residues import CriticalResidues
from genomed.interpret.evidence_match import NULL_VARIANT
from genomed.interpret.rules import points_table, threshold
from genomed.interpret.tandem_repeat import TandemRepeat
from genomed.interpret.transcript_structure import TranscriptStructure
from genomed.interpret.truncation_effect import TruncationEffect, exon_skipping, truncation

_INTRON_OFFSET = re.compile(r"^c\.[-*]?\d+([+-])(\d+)")


@dataclass
class AcmgHit:
    criterion: str  # PVS1, PM2_Supporting, ...
    strength: str  # very_strong | strong | moderate | supporting | benign_supporting | benign_moderate | benign_strong | stand_alone
    points: int
    reason: str


def _hit(code: str, strength: str, reason: str) -> AcmgHit:
    return AcmgHit(code, strength, points_table("acmg_strengths")[strength], reason)


def _label(code: str, strength: str, default: str) -> str:
    names = {
        "very_strong": "VeryStrong",
        "strong": "Strong",
        "moderate": "Moderate",
        "supporting": "Supporting",
    }
    return code if strength == default else f"{code}_{names.get(strength, strength)}"


def pvs1(
    v: dict,
    rule: dict,
    structure: TranscriptStructure | None = None,
    critical: CriticalResidues | None = None,
) -> AcmgHit | None:
    """PVS1 by the ClinGen SVI decision tree (see the module docstring): NMD or not from
    the exon structure, then the lost region's importance and size."""
    consequence = v.get("consequence")
    if consequence not in NULL_VARIANT or not rule.get("lof_mechanism"):
        return None
    gene = v.get("gene")
    what = f"{consequence} in {gene} (loss of function is its disease mechanism)"
    if consequence == "start_lost":
        return _hit("PVS1_Moderate", "moderate", f"start loss in {gene} (loss-of-function gene)")
    if consequence in ("stop_gained", "frameshift_variant"):
        if structure is None:
            return _pvs1_by_exon_number(v, what)
        effect = truncation(v, structure)
    elif consequence in ("splice_donor_variant", "splice_acceptor_variant"):
        if structure is None:
            return _hit(
                "PVS1", "very_strong", f"{what}; exon structure unknown: exon skipping not assessed"
            )
        effect = exon_skipping(v, structure)
    else:
        return _hit("PVS1", "very_strong", what)
    if effect.kind in ("nmd", "not_refined"):
        return _hit("PVS1", "very_strong", f"{what}: {effect.reason}")
    return _pvs1_region(v, what, effect, structure.protein_length, critical)


def _pvs1_region(
    v: dict, what: str, effect: TruncationEffect, length: int, critical: CriticalResidues | None
) -> AcmgHit:
    """PVS1_Strong / PVS1_Moderate for a truncated protein (NMD escape) or an in-frame
    exon skip: strong when the region is critical (ClinVar P/LP variants of other alleles
    in it) or more than ``pvs1_removed_fraction`` of the protein, else moderate."""
    first, last = effect.first_residue, effect.last_residue
    kinds = ("missense",) if effect.kind == "in_frame_skip" else ("missense", "truncating")
    found = (
        critical.within(v.get("gene"), first, last, kinds, v.get("variant_key")) if critical else []
    )
    fraction = (last - first + 1) / length if length > 0 else 0.0
    cut = threshold("pvs1_removed_fraction", "germline_thresholds")
    size = f"residues {first}-{last} of {length} ({fraction:.1%} of the protein"
    if found:
        shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
        return _hit(
            "PVS1_Strong",
            "strong",
            f"{what}: {effect.reason}; {size}) hold ClinVar P/LP (>= 2 stars) {shown}: critical region",
        )
    note = "no ClinVar P/LP (>= 2 stars) variant in the region"
    if fraction > cut:
        return _hit(
            "PVS1_Strong", "strong", f"{what}: {effect.reason}; {size} > {cut:.0%}); {note}"
        )
    return _hit(
        "PVS1_Moderate", "moderate", f"{what}: {effect.reason}; {size} <= {cut:.0%}); {note}"
    )


def _pvs1_by_exon_number(v: dict, what: str) -> AcmgHit:
    """Without the transcript's exon coordinates: only the annotation's exon number is
    known, so only the last-exon rule can be applied (the 50-nt rule cannot)."""
    note = "exon coordinates unknown, so the 50-nt rule of the penultimate exon is not applied"
    if not (v.get("exon") and v.get("exon") == v.get("exon_total")):
        return _hit("PVS1", "very_strong", f"{what}; {note}")
    where = f"{what}: in the last exon ({v['exon']}/{v['exon_total']}), escapes NMD"
    length, pos = v.get("protein_length"), v.get("aa_pos")
    cut = threshold("pvs1_removed_fraction", "germline_thresholds")
    if length and pos:
        fraction = (length - pos + 1) / length
        strong = fraction > cut
        sign = ">" if strong else "<="
        where += f"; removes {fraction:.1%} of the protein ({sign} {cut:.0%})"
        if strong:
            return _hit("PVS1_Strong", "strong", where)
    return _hit("PVS1_Moderate", "moderate", where)


def frequency_criteria(v: dict, rule: dict) -> list[AcmgHit]:
    af, source = v.get("af"), v.get("af_source")
    if source is None:
        return []
    if af is None:
        return [
            _hit("PM2_Supporting", "supporting", f"absent from the population source ({source})")
        ]
    if af > rule["ba1_af"]:
        return [_hit("BA1", "stand_alone", f"AF {af:.3g} > {rule['ba1_af']:g} ({source})")]
    if af > rule["bs1_af"]:
        return [_hit("BS1", "benign_strong", f"AF {af:.3g} > {rule['bs1_af']:g} ({source})")]
    if af <= rule["pm2_af"]:
        return [
            _hit("PM2_Supporting", "supporting", f"AF {af:.3g} <= {rule['pm2_af']:g} ({source})")
        ]
    return []


def in_silico(v: dict) -> list[AcmgHit]:
    consequence = v.get("consequence")
    revel, cadd, splice = v.get("revel"), v.get("cadd_phred"), v.get("spliceai")
    if consequence == "missense_variant":
        if revel is not None:
            for cut, strength in ((0.932, "strong"), (0.773, "moderate"), (0.644, "supporting")):
                if revel >= cut:
                    return [
                        _hit(
                            _label("PP3", strength, "supporting"),
                            strength,
                            f"REVEL {revel} >= {cut}",
                        )
                    ]
            for cut, strength, label in (
                (0.016, "benign_strong", "BP4_Strong"),
                (0.183, "benign_moderate", "BP4_Moderate"),
                (0.290, "benign_supporting", "BP4"),
            ):
                if revel <= cut:
                    return [_hit(label, strength, f"REVEL {revel} <= {cut}")]
            return []
        if cadd is not None:
            if cadd >= 25.3:
                return [_hit("PP3", "supporting", f"CADD {cadd} >= 25.3 (no REVEL)")]
            if cadd <= 22.7:
                return [_hit("BP4", "benign_supporting", f"CADD {cadd} <= 22.7 (no REVEL)")]
        return []
    if splice is not None:
        if splice >= 0.2:
            return [_hit("PP3", "supporting", f"SpliceAI {splice} >= 0.2")]
        if splice <= 0.1 and consequence in ("synonymous_variant", "intron_variant"):
            return [_hit("BP4", "benign_supporting", f"SpliceAI {splice} <= 0.1")]
    return []


def bp7(v: dict) -> AcmgHit | None:
    consequence = v.get("consequence")
    terms = v.get("consequence_terms") or ""
    splice = v.get("spliceai")
    if splice is not None and splice >= 0.1:
        return None
    note = f"SpliceAI {splice}" if splice is not None else "no splice score: by location"
    if consequence == "synonymous_variant" and "splice" not in terms:
        return _hit("BP7", "benign_supporting", f"synonymous outside the splice region ({note})")
    if consequence == "intron_variant" and "splice" not in terms:
        m = _INTRON_OFFSET.match(v.get("hgvsc") or "")
        if m:
            offset = int(m.group(2))
            if (m.group(1) == "+" and offset >= 7) or (m.group(1) == "-" and offset >= 21):
                return _hit(
                    "BP7",
                    "benign_supporting",
                    f"intronic at {m.group(1)}{offset} from the exon ({note})",
                )
    return None


def protein_criteria(
    v: dict, clinvar_changes: dict, hotspot_residues: set, repeat: TandemRepeat | None = None
) -> list[AcmgHit]:
    """PS1, PM5 (ClinVar P/LP missense of other alleles), PM1 (cancer hotspot residue),
    PM4 and BP3 (``repeat``: the tandem repeat around an in-frame indel, None when no
    reference bases were available)."""
    out = []
    consequence = v.get("consequence")
    gene, pos, change = v.get("gene"), v.get("aa_pos"), v.get("protein_change")
    if consequence == "missense_variant" and gene and pos:
        others = [(c, k) for c, k in clinvar_changes.get((gene, pos), ()) if k != v["variant_key"]]
        same = sorted({c for c, _ in others if c == change})
        different = sorted({c for c, _ in others if c != change})
        if same:
            out.append(
                _hit(
                    "PS1",
                    "strong",
                    f"ClinVar P/LP (>= 2 stars) {gene} {change} from another nucleotide change",
                )
            )
        elif different:
            out.append(
                _hit(
                    "PM5",
                    "moderate",
                    f"ClinVar P/LP (>= 2 stars) missense at residue {pos}: {', '.join(different[:4])}",
                )
            )
        if (gene, pos) in hotspot_residues:
            out.append(
                _hit("PM1", "moderate", f"cancerhotspots.org residue {gene} {pos} (>= 10 tumours)")
            )
    if consequence == "stop_lost":
        out.append(_hit("PM4", "moderate", "stop loss: the protein is lengthened"))
    elif consequence in ("inframe_deletion", "inframe_insertion"):
        out += _inframe_criteria(v, repeat, hotspot_residues)
    return out


def _inframe_criteria(v: dict, repeat: TandemRepeat | None, hotspot_residues: set) -> list[AcmgHit]:
    """PM4 (in-frame length change outside repeats) or BP3 (inside a repeat, away from
    hotspots); with no reference bases around the variant, PM4 and BP3 not evaluated."""
    consequence, gene = v.get("consequence"), v.get("gene")
    if repeat is None:
        return [
            _hit(
                "PM4",
                "moderate",
                f"{consequence}: protein length changes; repeat not evaluated (no reference "
                "sequence around the variant), so BP3 not evaluated",
            )
        ]
    if not repeat.repetitive:
        return [
            _hit(
                "PM4",
                "moderate",
                f"{consequence}: protein length changes outside a repeat ({repeat.describe()})",
            )
        ]
    if gene in {g for g, _ in hotspot_residues}:
        return []  # in a repeat (no PM4), but the gene has hotspot (PM1-type) evidence
    return [
        _hit(
            "BP3",
            "benign_supporting",
            f"{consequence} in a repeat ({repeat.describe()}); {gene} has no cancerhotspots "
            "residue (PM1-type evidence)",
        )
    ]


def clinvar_assertion_criterion(clinvar: dict | None) -> AcmgHit | None:
    """PP5/BP6 from the variant's own ClinVar record (only with use_clinvar_assertions)."""
    if not clinvar:
        return None
    sig, stars = clinvar["significance"], clinvar["stars"]
    strong = stars >= 2
    if sig in ("pathogenic", "likely_pathogenic", "pathogenic/likely_pathogenic") and stars >= 1:
        return _hit(
            "PP5_Strong" if strong else "PP5",
            "strong" if strong else "supporting",
            f"ClinVar {sig} ({stars} stars)",
        )
    if sig in ("benign", "likely_benign", "benign/likely_benign") and stars >= 1:
        return _hit(
            "BP6_Strong" if strong else "BP6",
            "benign_strong" if strong else "benign_supporting",
            f"ClinVar {sig} ({stars} stars)",
        )
    return None
