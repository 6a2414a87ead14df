"""The knowledge-bundle format: every table and column, documented once.

A knowledge bundle is a directory::

    manifest.json              name, version, id (name@version), build, created_at,
                               sources (name, version, licence, redistributable, citation,
                               input files with sha256), tables (file, sha256, rows),
                               redistributable (false when any source forbids it)
    biomarkers.parquet         one row per (evidence item, variant of its molecular profile)
    hotspots.parquet           one row per (cancer hotspot residue, variant amino acid)
    hotspot_alleles.parquet    genomic alleles that make a hotspot amino-acid change
    clinvar.parquet            one row per ClinVar allele (normalised, with review stars)
    acmg_sf.parquet            ACMG secondary-findings genes
    oncotree.parquet           OncoTree codes with their parent (the hierarchy)
    disease_map.parquet        OncoTree code -> disease names/DOIDs the sources use
    gene_roles.parquet         oncogene / tumour-suppressor role of cancer genes
    germline_gene_rules.parquet  gene-specific ACMG thresholds and disease mechanism

Positions are 1-based on the bundle's build (``manifest.json`` ``build``), chromosomes
canonical (``1..22, X, Y, MT``), alleles trimmed (see :mod:`genomed.model.normalise`),
``variant_key`` as in :mod:`genomed.model.variant_key`. A table a bundle was built
without is simply absent; readers treat it as empty.
"""

from __future__ import annotations

import pyarrow as pa

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

STR, I32, I64, F64, BOOL = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()

#: ``alteration_type`` values of :data:`BIOMARKERS` and what a variant must be to match.
ALTERATION_TYPES = {
    "protein_change": "this amino-acid change (aa_ref, aa_pos, aa_alt), or this genomic allele",
    "codon": "any missense/in-frame change of the residue aa_pos (e.g. KRAS G12)",
    "exon": "a protein-altering change in exon ``exon`` (optionally only deletions/insertions)",
    "gene_mutation": "any protein-altering change of the gene (CIViC MUTATION)",
    "truncating": "a null variant of the gene (stop-gained, frameshift, splice site)",
    "amplification": "a gene amplification (copy-number event)",
    "deletion": "a deep deletion / loss of the gene (copy-number event)",
    "fusion": "a fusion of the gene (with ``fusion_partner`` when named)",
    "expression": "an expression or epigenetic marker genomed cannot observe from DNA",
    "other": "an alteration genomed does not match automatically (kept for display)",
}

BIOMARKERS = pa.schema(
    [
        ("source", STR),  # civic | cgi
        ("evidence_id", STR),  # EID1409 (CIViC) or CGI row id
        ("evidence_url", STR),
        ("gene", STR),  # HGNC symbol of this component
        ("alteration", STR),  # the source's name for the variant: V600E, AMPLIFICATION
        ("molecular_profile", STR),  # the whole profile as named: "BRAF V600E"
        ("profile_size", I32),  # variants in the molecular profile (all must match)
        ("alteration_type", STR),  # see ALTERATION_TYPES
        ("aa_ref", STR),  # one-letter (V), for protein_change / codon
        ("aa_pos", I32),
        ("aa_alt", STR),  # one-letter, '*' stop, 'fs' frameshift, 'del', 'ins', 'dup'
        ("exon", I32),
        ("fusion_partner", STR),  # the other gene of a named fusion (BCR for BCR-ABL1)
        ("chrom", STR),  # genomic allele on the bundle's build, when the source gives one
        ("pos", I32),
        ("ref", STR),
        ("alt", STR),
        ("variant_key", I64),
        ("disease", STR),  # as the source names it
        ("doid", STR),  # Disease Ontology id, digits only ("1909"), when known
        (
            "evidence_type",
            STR,
        ),  # predictive | diagnostic | prognostic | predisposing | oncogenic | functional
        ("direction", STR),  # supports | does_not_support
        ("level", STR),  # A..E (CIViC scale; CGI levels mapped, see genomed.knowledge.cgi)
        ("significance", STR),  # sensitivity | resistance | adverse_response | poor_outcome | ...
        ("therapies", STR),  # comma-separated, as the source spells them
        ("therapy_interaction", STR),  # combination | sequential | substitutes
        ("pmid", STR),
        ("citation", STR),
        ("nct_ids", STR),
        ("rating", I32),  # CIViC trust rating 1-5
        ("origin", STR),  # somatic | germline | rare_germline | common_germline | unknown
        ("statement", STR),
    ]
)

HOTSPOTS = pa.schema(
    [
        ("gene", STR),
        (
            "kind",
            STR,
        ),  # snv (single residue) | indel (in-frame ins/del) | splice (splice site next to residue)
        ("aa_pos", I32),  # residue (first residue of an indel's range)
        ("aa_pos_end", I32),
        ("aa_ref", STR),
        ("aa_alt", STR),  # variant amino acid (snv) or the indel's change ("K546del")
        ("residue_count", I32),  # tumours with any mutation at this residue (range)
        ("alt_count", I32),  # tumours with this exact change
        ("qvalue", F64),
        ("cancer_types", STR),  # "skcm:355|thpa:293|..." tumours per OncoTree code
    ]
)

HOTSPOT_ALLELES = pa.schema(
    [
        ("chrom", STR),
        ("pos", I32),
        ("ref", STR),
        ("alt", STR),
        ("variant_key", I64),
        ("gene", STR),
        ("protein_change", STR),  # one-letter, no "p.": V600E
    ]
)

CLINVAR = pa.schema(
    [
        ("variant_key", I64),
        ("chrom", STR),
        ("pos", I32),
        ("ref", STR),
        ("alt", STR),
        ("clinvar_id", STR),  # VariationID
        ("gene", STR),  # first GENEINFO symbol
        ("clnsig", STR),  # CLNSIG as written (Pathogenic/Likely_pathogenic)
        (
            "significance",
            STR,
        ),  # pathogenic | likely_pathogenic | uncertain | likely_benign | benign | conflicting | other
        ("review_status", STR),  # CLNREVSTAT
        ("stars", I32),  # 0..4 from the review status
        ("molecular_consequence", STR),  # first SO term name of MC
        ("hgvs", STR),  # CLNHGVS
        ("af_exac", F64),
        ("af_tgp", F64),
        ("af_esp", F64),
        ("disease", STR),  # CLNDN
    ]
)

ACMG_SF = pa.schema(
    [
        ("gene", STR),
        ("gene_mim", STR),
        ("disease", STR),
        ("disorder_mim", STR),
        ("category", STR),  # Cancer | Cardiovascular | Metabolism | Miscellaneous
        ("inheritance", STR),  # AD | AR | XL | SD
        ("sf_version", STR),  # list version the gene was added in
        ("variants_to_report", STR),  # "All P and LP" | "Biallelic P and LP" | ...
    ]
)

ONCOTREE = pa.schema(
    [
        ("code", STR),  # COAD
        ("name", STR),  # Colon Adenocarcinoma
        ("main_type", STR),
        ("tissue", STR),  # Bowel
        ("parent", STR),  # COADREAD; TISSUE for the roots
        ("level", I32),  # 1 = tissue
    ]
)

DISEASE_MAP = pa.schema(
    [
        ("oncotree_code", STR),
        ("disease", STR),  # the name CIViC / CGI use ("Colorectal Cancer")
        ("doid", STR),  # digits only ("9256"); empty for CGI-only names
        ("source", STR),  # civic | cgi | doid
    ]
)

GENE_ROLES = pa.schema(
    [
        ("gene", STR),
        ("role", STR),  # oncogene | tsg | both
        ("source", STR),
    ]
)

GERMLINE_GENE_RULES = pa.schema(
    [
        ("gene", STR),  # "*" = the default row
        ("lof_mechanism", BOOL),  # loss of function is a known disease mechanism (PVS1)
        ("inheritance", STR),  # AD | AR | XL
        ("ba1_af", F64),  # BA1 stand-alone benign when AF > this
        ("bs1_af", F64),  # BS1 strong benign when AF > this
        ("pm2_af", F64),  # PM2_Supporting when AF <= this (or absent)
        ("source", STR),  # where the thresholds come from
    ]
)

#: file name and schema of every table, by table name
TABLE_FILES: dict[str, tuple[str, pa.Schema]] = {
    "biomarkers": ("biomarkers.parquet", BIOMARKERS),
    "hotspots": ("hotspots.parquet", HOTSPOTS),
    "hotspot_alleles": ("hotspot_alleles.parquet", HOTSPOT_ALLELES),
    "clinvar": ("clinvar.parquet", CLINVAR),
    "acmg_sf": ("acmg_sf.parquet", ACMG_SF),
    "oncotree": ("oncotree.parquet", ONCOTREE),
    "disease_map": ("disease_map.parquet", DISEASE_MAP),
    "gene_roles": ("gene_roles.parquet", GENE_ROLES),
    "germline_gene_rules": ("germline_gene_rules.parquet", GERMLINE_GENE_RULES),
}


def conform(name: str, columns: dict) -> pa.Table:
    """An Arrow table of bundle table ``name`` from a dict of columns (absent columns
    become nulls; values are cast to the declared types)."""
    schema = TABLE_FILES[name][1]
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise KeyError(f"knowledge table {name} has no columns {sorted(unknown)}")
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for field in schema:
        if field.name in columns:
            arrays.append(pa.array(columns[field.name], type=field.type))
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
