"""MAF Variant_Classification values and the consequence classes cohorts use.

``calls.variant_class`` holds the MAF/cBioPortal Variant_Classification of a call. A
cohort predicate ``mutated(GENE)`` counts the *nonsynonymous* classes (maftools'
``vc_nonSyn``, the mutations cBioPortal shows by default) plus calls whose class is
unknown; ``mutated(GENE, CLASS)`` narrows to one class of :data:`CONSEQUENCE_CLASSES`.
The OncoPrint draws each call by its :data:`ONCOPRINT_CLASS`.
"""

from __future__ import annotations

#: Variant_Classification -> (consequence class, oncoprint glyph class).
VARIANT_CLASSES: dict[str, tuple[str, str]] = {
    "Missense_Mutation": ("missense", "missense"),
    "Nonsense_Mutation": ("nonsense", "truncating"),
    "Frame_Shift_Del": ("frameshift", "truncating"),
    "Frame_Shift_Ins": ("frameshift", "truncating"),
    "Nonstop_Mutation": ("nonstop", "truncating"),
    "Translation_Start_Site": ("start_lost", "truncating"),
    "Splice_Site": ("splice", "splice"),
    "In_Frame_Del": ("inframe", "inframe"),
    "In_Frame_Ins": ("inframe", "inframe"),
    "Splice_Region": ("splice_region", "other"),
    "Silent": ("silent", "other"),
    "Intron": ("noncoding", "other"),
    "IGR": ("noncoding", "other"),
    "RNA": ("noncoding", "other"),
    "lincRNA": ("noncoding", "other"),
    "3'UTR": ("noncoding", "other"),
    "5'UTR": ("noncoding", "other"),
    "3'Flank": ("noncoding", "other"),
    "5'Flank": ("promoter", "other"),
    "De_novo_Start_InFrame": ("noncoding", "other"),
    "De_novo_Start_OutOfFrame": ("noncoding", "other"),
    "Targeted_Region": ("noncoding", "other"),
}

#: The classes a plain ``mutated(GENE)`` counts (maftools vc_nonSyn).
NONSYNONYMOUS = (
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
)

#: Consequence class words accepted by ``mutated(GENE, CLASS)`` -> Variant_Classifications.
#: ``truncating`` groups nonsense, frameshift, nonstop and start-lost; ``any`` counts every call.
CONSEQUENCE_CLASSES: dict[str, tuple[str, ...]] = {
    **{
        name: tuple(vc for vc, (cls, _) in VARIANT_CLASSES.items() if cls == name)
        for name in sorted({cls for cls, _ in VARIANT_CLASSES.values()})
    },
    "truncating": tuple(vc for vc, (_, glyph) in VARIANT_CLASSES.items() if glyph == "truncating"),
    "nonsynonymous": NONSYNONYMOUS,
    "any": (),
}

#: OncoPrint glyph classes in drawing priority (the first wins when a cell has several).
ONCOPRINT_ORDER = (
    "truncating",
    "splice",
    "inframe",
    "missense",
    "other",
    "fusion",
    "amplification",
    "deep_deletion",
)
ONCOPRINT_CLASS = {vc: glyph for vc, (_, glyph) in VARIANT_CLASSES.items()}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_in_list(values: tuple[str, ...] | list[str]) -> str:
    """A SQL ``('a', 'b')`` list of constant strings (values from this module only)."""
    return "(" + ", ".join(_quote(v) for v in values) + ")"


def oncoprint_class_sql(column: str) -> str:
    """A SQL CASE mapping a Variant_Classification column to its OncoPrint class."""
    whens = " ".join(
        f"WHEN {column} IN {sql_in_list([vc for vc, g in ONCOPRINT_CLASS.items() if g == glyph])} THEN '{glyph}'"
        for glyph in ("truncating", "splice", "inframe", "missense")
    )
    return f"CASE {whens} ELSE 'other' END"


#: Sequence Ontology consequence (``annotations.most_severe``) -> MAF Variant_Classification,
#: as vcf2maf maps them; calls annotated by ``genomed annotate`` are classified with it.
#: ``coding_sequence_variant`` (a coding change the bundle could not resolve, e.g. without
#: sequence) is left unknown: counted by ``mutated(GENE)``, in no narrower class.
SO_TO_MAF: dict[str, str] = {
    "transcript_ablation": "Frame_Shift_Del",
    "splice_acceptor_variant": "Splice_Site",
    "splice_donor_variant": "Splice_Site",
    "stop_gained": "Nonsense_Mutation",
    "frameshift_variant": "Frame_Shift_Del",
    "stop_lost": "Nonstop_Mutation",
    "start_lost": "Translation_Start_Site",
    "initiator_codon_variant": "Translation_Start_Site",
    "inframe_insertion": "In_Frame_Ins",
    "inframe_deletion": "In_Frame_Del",
    "missense_variant": "Missense_Mutation",
    "protein_altering_variant": "Missense_Mutation",
    "conservative_missense_variant": "Missense_Mutation",
    "rare_amino_acid_variant": "Missense_Mutation",
    "splice_region_variant": "Splice_Region",
    "splice_donor_5th_base_variant": "Splice_Region",
    "splice_donor_region_variant": "Splice_Region",
    "splice_polypyrimidine_tract_variant": "Splice_Region",
    "incomplete_terminal_codon_variant": "Silent",
    "start_retained_variant": "Silent",
    "stop_retained_variant": "Silent",
    "synonymous_variant": "Silent",
    "mature_miRNA_variant": "RNA",
    "5_prime_UTR_variant": "5'UTR",
    "3_prime_UTR_variant": "3'UTR",
    "non_coding_transcript_exon_variant": "RNA",
    "intron_variant": "Intron",
    "non_coding_transcript_variant": "RNA",
    "upstream_gene_variant": "5'Flank",
    "downstream_gene_variant": "3'Flank",
    "intergenic_variant": "IGR",
}


def so_to_maf_sql(column: str) -> str:
    """A SQL CASE mapping an SO term column (first of '&'-joined terms) to its MAF class."""
    first = f"split_part({column}, '&', 1)"
    whens = " ".join(f"WHEN {_quote(so)} THEN {_quote(maf)}" for so, maf in SO_TO_MAF.items())
    return f"CASE {first} {whens} ELSE NULL END"
