"""HGVS p. descriptions from reference/variant protein pairs, one test per rule
(HGVS recommendations, protein section), and HGVS position text."""

from __future__ import annotations

import pytest

from genomed.annotate.hgvs import position_text, shift_3prime
from genomed.annotate.protein_change import describe, short_form

REF = "MAKKCFQQEDLSW*"  # M1 A2 K3 K4 C5 F6 Q7 Q8 E9 D10 L11 S12 W13 Ter14


@pytest.mark.parametrize(
    "alt,kwargs,expected",
    [
        (REF, {}, "p.(=)"),
        ("MAKKCFQQEDLSW*", {"start_lost": True}, "p.(Met1?)"),
        ("MAKRCFQQEDLSW*", {}, "p.(Lys4Arg)"),
        ("MAK*", {}, "p.(Lys4Ter)"),
        # frameshift: first changed residue and the new stop counted from it (= 1)
        ("MAKSAS*", {"frameshift": True}, "p.(Lys4SerfsTer4)"),  # S4=1 A5 S6 Ter7=4
        ("MAKSASRRR", {"frameshift": True}, "p.(Lys4SerfsTer?)"),
        # a frameshift whose first changed residue is a stop is a nonsense change
        ("MAK*", {"frameshift": True}, "p.(Lys4Ter)"),
        # extension: Ter14 -> Gln, 2 more residues, new stop is the 3rd after Gln
        ("MAKKCFQQEDLSWQGV*", {}, "p.(Ter14GlnextTer3)"),
        ("MAKKCFQQEDLSWQGVR", {}, "p.(Ter14GlnextTer?)"),
        # deletions, 3' rule: one of two Gln -> the second
        ("MAKKCFQEDLSW*", {"length_change": -3}, "p.(Gln8del)"),
        ("MAKKQQEDLSW*", {"length_change": -6}, "p.(Cys5_Phe6del)"),
        # duplication (insertion copying the residues before it), 3' most
        ("MAKKKCFQQEDLSW*", {"length_change": 3}, "p.(Lys4dup)"),
        ("MAKKCFCFQQEDLSW*", {"length_change": 6}, "p.(Cys5_Phe6dup)"),
        # insertion
        ("MAKKGGCFQQEDLSW*", {"length_change": 6}, "p.(Lys4_Cys5insGlyGly)"),
        # deletion-insertion
        ("MAKKWVFQQEDLSW*", {"length_change": 3}, "p.(Cys5delinsTrpVal)"),
        ("MAKKWQQEDLSW*", {"length_change": -3}, "p.(Cys5_Phe6delinsTrp)"),
        # in-frame change creating a stop right away is nonsense; a later one is delins..Ter
        ("MAKK*", {"length_change": 3}, "p.(Cys5Ter)"),
        ("MAKKW*", {"length_change": 3}, "p.(Cys5delinsTrpTer)"),
    ],
)
def test_describe(alt, kwargs, expected):
    assert describe(REF, alt, **kwargs) == expected


def test_short_form():
    assert short_form("p.(Val600Glu)") == "p.V600E"
    assert short_form("p.(Arg97ProfsTer23)") == "p.R97Pfs*23"
    assert short_form("p.(Lys4Ter)") == "p.K4*"
    assert short_form("p.(=)") is None


@pytest.mark.parametrize(
    "cdna,offset,coding,expected",
    [
        (150, 0, True, "1"),  # first base of the start codon (ccs = 150)
        (149, 0, True, "-1"),
        (120, 0, True, "-30"),
        (-4, 0, True, "-154"),  # upstream of the transcript: numbering continues
        (299, 0, True, "150"),  # last base of the stop codon (cce = 299)
        (320, 0, True, "*21"),
        (200, 5, True, "51+5"),
        (201, -12, True, "52-12"),
        (140, 3, True, "-10+3"),  # intron inside the 5' UTR
        (17, 0, False, "17"),
        (0, 0, False, "-1"),
        (405, 0, False, "*5"),
    ],
)
def test_position_text(cdna, offset, coding, expected):
    assert position_text(cdna, offset, coding, 150, 299, 400) == expected


def test_shift_3prime():
    # deletion of one A of AAAA -> the last A
    assert shift_3prime("CAAAAG", 1, 2, "") == (4, 5, "")
    # insertion of CA before CACA... rotates through the repeat
    assert shift_3prime("GCACAT", 1, 1, "CA") == (5, 5, "CA")
    # delins are never shifted
    assert shift_3prime("AAAA", 0, 1, "T") == (0, 1, "T")
