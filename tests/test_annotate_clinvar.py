"""Consequences against ClinVar's MC field, on a subset of the development ClinVar file
(tests/data/annotate/PROVENANCE.md). Only records on a canonical transcript the shipped
bundle has a sequence for are compared (APC, BRCA2, ATM here; PALB2 and MUTYH have none).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from genomed.annotate import annotate_variants
from genomed.annotate.agreement import clinvar_agreement, clinvar_terms

SUBSET = Path(__file__).parent / "data" / "annotate" / "clinvar_20260226_GRCh38_dev_subset.vcf.gz"


def test_agreement_with_clinvar_mc_is_at_least_98_percent():
    report = clinvar_agreement(SUBSET)
    assert report["compared"] > 3500
    assert report["rate"] >= 0.98, report["disagreements"][:10]
    # records without a sequenced transcript are left out, and counted
    assert report["skipped"]["no transcript with sequence"] > 500


def test_clinvar_vocabulary_mapping():
    assert clinvar_terms("SO:0001587|nonsense,SO:0001627|intron_variant") == {
        "stop_gained",
        "intron_variant",
    }
    assert clinvar_terms("SO:0001582|initiator_codon_variant") == {"start_lost"}
    assert "inframe_deletion" in clinvar_terms("SO:0001820|inframe_indel")


def test_known_clinvar_records():
    # VCV 51187 BRCA2 c.1763_1766del (MC frameshift), VCV 2584327 APC c.18T>G (MC nonsense)
    table = pa.table(
        {
            "chrom": ["13", "5"],
            "pos": [32333238, 112754908],
            "ref": ["CAAAT", "T"],
            "alt": ["C", "G"],
        }
    )
    rows = {r["gene"]: r for r in annotate_variants(table).to_pylist() if r["canonical"]}
    assert rows["BRCA2"]["consequence"] == "frameshift_variant"
    assert rows["APC"]["consequence"] == "stop_gained"
