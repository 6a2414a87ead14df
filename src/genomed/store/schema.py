"""Every workspace table and its columns, documented once and referred to everywhere.

Column vocabulary (shared by all tables): ``chrom`` canonical name (1..22, X, Y, MT);
``pos`` 1-based like VCF; ``start``/``end`` 1-based inclusive; ``ref``/``alt`` normalised
alleles; ``variant_key`` see :mod:`genomed.model.variant_key`; ``sample_id``/``patient_id``
pseudonymous ids; ``batch_id`` the ingest that wrote the row (see ``ingests``); ``day``
days relative to the patient's index date (diagnosis), the cBioPortal timeline convention.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class TableSpec:
    """One workspace table: name, Arrow schema, Delta partition columns, what a row is."""

    name: str
    schema: pa.Schema
    partition_by: tuple[str, ...]
    row: str


def _s(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for name, dtype in fields])


STR, I8, I32, I64, F32, F64, BOOL = (
    pa.string(),
    pa.int8(),
    pa.int32(),
    pa.int64(),
    pa.float32(),
    pa.float64(),
    pa.bool_(),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(
            "patients",
            _s(
                ("patient_id", STR),
                ("institution_id", STR),
                ("sex", STR),  # female | male | other | unknown
                ("birth_year", I32),
                ("age_at_diagnosis", F64),
                ("population", STR),  # e.g. CHB, JPT (1000 Genomes codes or local labels)
                ("super_population", STR),  # e.g. EAS, SAS, EUR, AFR, AMR
                ("batch_id", STR),
            ),
            (),
            "one patient (pseudonymous id); re-ingests of the same id update nothing",
        ),
        TableSpec(
            "samples",
            _s(
                ("sample_id", STR),
                ("patient_id", STR),
                ("kind", STR),  # germline | tumor | normal
                ("tumor_type", STR),  # OncoTree code, null for germline
                (
                    "panel_id",
                    STR,
                ),  # gene panel the sample was sequenced with; null = whole genome/exome
                ("source_name", STR),  # the sample's name in the file it came from
                ("matched_normal_id", STR),
                ("collection_day", I32),  # day of specimen collection (timeline), if known
                ("batch_id", STR),
            ),
            (),
            "one sequenced sample of a patient",
        ),
        TableSpec(
            "variants",
            _s(
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                ("ref", STR),
                ("alt", STR),
                ("rsid", STR),  # first dbSNP id seen for this allele
            ),
            ("chrom",),
            "one distinct normalised allele (multi-allelic sites split)",
        ),
        TableSpec(
            "calls",
            _s(
                ("sample_id", STR),
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                (
                    "alt_count",
                    I8,
                ),  # copies of this allele in the genotype (0 only when GT is absent)
                ("ploidy", I8),  # alleles in the genotype (1 on haploid X/Y calls); null without GT
                ("phased", BOOL),
                (
                    "allele_mask",
                    I8,
                ),  # bit j set when the j-th allele of the GT is this ALT (keeps phase)
                ("dp", I32),
                ("ad_ref", I32),
                ("ad_alt", I32),
                ("vaf", F32),
                ("gq", I32),
                ("filter", STR),  # PASS or the VCF/MAF filter string
                ("origin", STR),  # germline | somatic
                ("gene", STR),  # from MAF / cBioPortal inputs (Hugo_Symbol)
                ("protein_change", STR),  # MAF Protein_Change or HGVSp_Short, e.g. p.R882H
                ("variant_class", STR),  # MAF Variant_Classification
                ("batch_id", STR),
            ),
            ("chrom",),
            "one non-reference call of a sample at an allele (sparse)",
        ),
        TableSpec(
            "nocalls",
            _s(
                ("sample_id", STR),
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                ("called_alleles", I8),  # alleles called despite the gap: 0 for ./., 1 for ./1
                ("batch_id", STR),
            ),
            ("chrom",),
            "a sample of a batch whose genotype at an allele's site is (partly) missing",
        ),
        TableSpec(
            "batch_sites",
            _s(
                ("batch_id", STR),
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                ("n_called", I32),  # samples with a non-missing genotype
                ("an", I32),  # called alleles (sum of ploidies of called genotypes)
                ("ac", I32),  # copies of this allele among them
            ),
            ("chrom",),
            "one allele of a multi-sample batch with its per-batch call counts; every sample "
            "of the batch not in nocalls was genotyped there (AN is right without dense storage)",
        ),
        TableSpec(
            "batch_samples",
            _s(("batch_id", STR), ("sample_id", STR)),
            (),
            "a sample genotyped in a multi-sample batch (a VCF): with batch_sites and nocalls "
            "this says who was callable at every site of the batch",
        ),
        TableSpec(
            "callable",
            _s(
                ("sample_id", STR),
                ("chrom", STR),
                ("start", I32),
                ("end", I32),
                ("source", STR),  # bed | gvcf
                ("batch_id", STR),
            ),
            ("chrom",),
            "an interval a sample was callable in (from --callable BED or gVCF reference blocks)",
        ),
        TableSpec(
            "cna",
            _s(
                ("sample_id", STR),
                ("gene", STR),
                (
                    "value",
                    I8,
                ),  # GISTIC-style: -2 deep deletion, -1 shallow, 0, 1 gain, 2 amplification
                ("batch_id", STR),
            ),
            (),
            "one discrete copy-number call of a gene in a sample (zeros not stored)",
        ),
        TableSpec(
            "structural_variants",
            _s(
                ("sample_id", STR),
                ("gene1", STR),
                ("gene2", STR),
                ("chrom1", STR),
                ("pos1", I32),
                ("chrom2", STR),
                ("pos2", I32),
                ("sv_class", STR),  # FUSION, DELETION, TRANSLOCATION, ...
                ("event_info", STR),
                ("batch_id", STR),
            ),
            (),
            "one structural variant / fusion of a sample",
        ),
        TableSpec(
            "gene_panels",
            _s(("panel_id", STR), ("gene", STR), ("batch_id", STR)),
            (),
            "one gene targeted by a panel",
        ),
        TableSpec(
            "sample_profiles",
            _s(
                ("sample_id", STR),
                ("profile", STR),  # mutations | cna | structural_variants
                ("panel_id", STR),  # null or WES/WGS = all genes
                ("batch_id", STR),
            ),
            (),
            "which panel a sample was profiled with for one alteration type (cBioPortal gene-panel matrix)",
        ),
        TableSpec(
            "diagnoses",
            _s(
                ("patient_id", STR),
                ("sample_id", STR),
                ("tumor_type", STR),  # OncoTree code
                ("disease_id", STR),  # ontology CURIE (OMIM:, MONDO:, NCIT:, ORPHA:)
                ("disease_label", STR),
                # age or stage of onset as the source states it: ISO 8601 age (P2Y3M) or an
                # HPO onset term (HP:0003593); from Phenopacket diseases[].onset
                ("onset", STR),
                ("age_at_diagnosis", F64),
                ("day", I32),
                ("batch_id", STR),
            ),
            (),
            "one diagnosis of a patient",
        ),
        TableSpec(
            "treatments",
            _s(
                ("patient_id", STR),
                ("drug", STR),  # lower-case generic name, e.g. cetuximab
                ("start_day", I32),
                ("stop_day", I32),
                ("line", I32),  # line of therapy, 1 = first line
                ("treatment_type", STR),  # e.g. chemotherapy, targeted, immunotherapy, radiation
                ("batch_id", STR),
            ),
            (),
            "one drug given to a patient over an interval",
        ),
        TableSpec(
            "responses",
            _s(
                ("patient_id", STR),
                ("drug", STR),
                ("response", STR),  # RECIST: CR | PR | SD | PD (or free text from the source)
                ("day", I32),
                ("batch_id", STR),
            ),
            (),
            "one assessed response of a patient to a treatment",
        ),
        TableSpec(
            "outcomes",
            _s(
                ("patient_id", STR),
                ("endpoint", STR),  # os | pfs | dfs | dss
                ("months", F64),
                ("event", BOOL),  # True = event (death, progression), False = censored
                ("batch_id", STR),
            ),
            (),
            "one time-to-event endpoint of a patient",
        ),
        TableSpec(
            "phenotypes",
            _s(
                ("patient_id", STR),
                ("hpo_id", STR),  # HP:0001250
                ("label", STR),
                ("excluded", BOOL),  # True = observed absent
                ("onset", STR),
                ("batch_id", STR),
            ),
            (),
            "one HPO phenotypic feature (present or explicitly excluded) of a patient",
        ),
        TableSpec(
            "observations",
            _s(
                ("patient_id", STR),
                ("category", STR),  # lifestyle | measurement | ...
                ("name", STR),  # smoking_status, pack_years, alcohol_units_per_week, bmi, ...
                ("value_string", STR),
                ("value_number", F64),
                ("unit", STR),
                ("day", I32),
                ("batch_id", STR),
            ),
            (),
            "one observation (lifestyle or measurement) of a patient",
        ),
        TableSpec(
            "clinical_attributes",
            _s(
                ("entity", STR),  # patient | sample
                ("entity_id", STR),
                ("attribute", STR),  # upper-case attribute id, e.g. FAB_CLASSIFICATION
                ("value_string", STR),
                ("value_number", F64),  # set when datatype is NUMBER
                ("datatype", STR),  # STRING | NUMBER | BOOLEAN
                ("batch_id", STR),
            ),
            (),
            "one typed clinical attribute value (any attribute a source carries)",
        ),
        TableSpec(
            "timeline",
            _s(
                ("patient_id", STR),
                ("event_type", STR),  # TREATMENT, SPECIMEN, STATUS, LAB_TEST, ...
                ("start_day", I32),
                ("stop_day", I32),
                ("attributes", STR),  # JSON object of the remaining columns
                ("batch_id", STR),
            ),
            (),
            "one cBioPortal timeline event",
        ),
        TableSpec(
            "ingests",
            _s(
                ("batch_id", STR),
                ("kind", STR),  # vcf | maf | cbioportal | phenopacket | clinical:<kind>
                ("source", STR),  # file or folder name (never patient data)
                ("sha256", STR),
                ("build", STR),
                ("institution_id", STR),
                ("rows", STR),  # JSON: rows written per table
                ("report", STR),  # JSON: deviations accepted, records not lifted over, ...
                ("at", pa.timestamp("us", tz="UTC")),
            ),
            (),
            "one ingest (an atomic commit); the same sha256 is never ingested twice",
        ),
        # -- population frequency database (genomed.popfreq) --------------------------------
        TableSpec(
            "popfreq_samples",
            _s(
                ("sample_id", STR),
                ("patient_id", STR),
                ("batch_id", STR),  # the VCF ingest whose genotypes of the sample are counted
                ("population", STR),  # label used for the counts (snapshot, e.g. CHB)
                ("super_population", STR),  # e.g. EAS
                ("karyotype", STR),  # XX | XY | null (unknown: left out of non-PAR X/Y counts)
                ("status", STR),  # counted | withdrawn | duplicate (patient counted already)
                ("op", I64),  # popfreq_log.op that last set this row
            ),
            (),
            "one germline sample the population database considered, with the labels it was "
            "counted under; a batch listed here contributes its sites to the database",
        ),
        TableSpec(
            "popfreq_counts",
            _s(
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                ("grp", STR),  # all | population | super_population | XX | XY | <super>_<XX|XY>
                ("ac", I32),  # adj: alt alleles among genotypes passing the adj filter
                ("an", I32),  # adj: called alleles among callable genotypes passing adj
                ("nhomalt", I32),  # adj: diploid homozygous-alt individuals
                ("nhemi", I32),  # adj: hemizygous-alt XY individuals (non-PAR X/Y)
                ("ac_raw", I32),  # the same four counts over all genotypes
                ("an_raw", I32),
                ("nhomalt_raw", I32),
                ("nhemi_raw", I32),
            ),
            ("chrom",),
            "population-frequency counts of one allele in one sample group as of the last build "
            "or compaction (the *base*; groups with nothing callable are left out). Current "
            "totals are these plus popfreq_deltas: read them through genomed.popfreq.totals",
        ),
        TableSpec(
            "popfreq_deltas",
            _s(
                ("op", I64),  # popfreq_log.op (add or withdraw) that appended the row
                ("variant_key", I64),
                ("chrom", STR),
                ("pos", I32),
                ("grp", STR),  # as in popfreq_counts
                ("ac", I32),  # signed changes of the eight popfreq_counts columns
                ("an", I32),
                ("nhomalt", I32),
                ("nhemi", I32),
                ("ac_raw", I32),
                ("an_raw", I32),
                ("nhomalt_raw", I32),
                ("nhemi_raw", I32),
            ),
            (),
            "signed change of one allele's counts in one group made by one add or withdrawal, "
            "not yet folded into popfreq_counts (`genomed popfreq compact` folds and empties it)",
        ),
        TableSpec(
            "popfreq_log",
            _s(
                ("op", I64),  # 1, 2, ... in order
                ("kind", STR),  # build | add | withdraw | compact
                ("batches", STR),  # JSON list of batch ids added
                ("samples", I32),  # samples counted (add/build) or withdrawn
                ("config", STR),  # JSON: adj thresholds, grpmax settings
                ("read_versions", STR),  # JSON: table versions the operation read
                ("at", pa.timestamp("us", tz="UTC")),
            ),
            (),
            "one change to the population database (full build, incremental add, withdrawal)",
        ),
        # -- saved cohorts (genomed.cohort) -------------------------------------------------
        TableSpec(
            "cohorts",
            _s(
                ("name", STR),  # unique; letters, digits, _ . -
                ("definition", STR),  # canonical text form (genomed.cohort.definition_language)
                ("definition_json", STR),  # the same definition in its JSON form
                ("table_versions", STR),  # JSON: {table: Delta version} it was evaluated on
                ("patient_ids", pa.list_(STR)),  # the members at those versions, sorted
                ("n_patients", I64),
                ("description", STR),
                ("defined_at", pa.timestamp("us", tz="UTC")),
            ),
            (),
            "one saved cohort: its definition, the table versions it was evaluated on, its members",
        ),
        # -- variant annotation (genomed.annotate) -------------------------------------------
        TableSpec(
            "annotations",
            _s(
                ("variant_key", I64),
                ("bundle", STR),  # reference bundle id (name@version) the row was computed with
                ("chrom", STR),
                ("pos", I32),
                ("gene", STR),  # HGNC symbol; null for intergenic rows
                ("gene_id", STR),
                ("transcript", STR),  # bundle transcript id (ENST..., versioned)
                ("refseq", STR),  # MANE RefSeq NM_ of the transcript, when known
                ("canonical", BOOL),  # MANE Select / canonical transcript of the gene
                ("biotype", STR),
                ("consequence", STR),  # SO terms (VEP names) joined by '&', most severe first
                ("most_severe", STR),
                ("impact", STR),  # HIGH | MODERATE | LOW | MODIFIER
                ("exon", STR),  # "3/11"
                ("intron", STR),
                ("hgvs_c", STR),  # c./n. without accession, e.g. c.1799T>A
                ("hgvs_p", STR),  # p.(Val600Glu); null when the bundle has no sequence
                ("hgvs_g", STR),  # NC_000007.14:g.140753336A>T
                ("protein_change", STR),  # one-letter, no parentheses: p.V600E
                ("protein_position", STR),
                ("amino_acids", STR),  # "V/E"
                ("codons", STR),
                ("cdna_position", STR),
                ("cds_position", STR),
                ("distance", I32),  # up/downstream rows: bases to the transcript
                ("sequence_status", STR),  # ok | no_sequence (p. unavailable) | ref_mismatch
                ("clinvar_id", STR),  # ClinVar VariationID matched by normalised allele
                ("clinvar_significance", STR),
                ("clinvar_review_status", STR),
                ("clinvar_stars", I8),
                ("hotspot", STR),  # cancer hotspot residue/allele matched, e.g. BRAF:V600
                ("civic", STR),  # CIViC/CGI molecular profiles matched, &-separated: BRAF V600E
                ("af", F64),  # population AF from a gnomAD-style sites VCF, when given
                ("popfreq_af", F64),  # AF in this workspace's population database (grp all)
                ("knowledge", STR),  # knowledge bundle id the knowledge columns came from
                ("batch_id", STR),  # the annotate run that wrote the row
            ),
            ("chrom",),
            "one consequence of a distinct variant on a transcript (or one intergenic row), "
            "computed with one reference bundle; a variant is annotated once per bundle",
        ),
        # -- clinical interpretation (genomed.interpret.workspace_interpretation) -----------
        TableSpec(
            "interpretations",
            _s(
                ("sample_id", STR),
                ("variant_key", I64),  # the call's allele; null for copy-number/fusion events
                ("alteration", STR),  # mutation | amplification | deletion | fusion
                ("chrom", STR),
                ("pos", I32),
                ("gene", STR),  # HGNC symbol the interpretation used; fusions GENE5::GENE3
                ("protein_change", STR),  # one-letter, no p.: V600E
                ("consequence", STR),  # SO term (VEP name) of the annotation used
                ("tier", STR),  # AMP/ASCO/CAP 2017: I | II | III | IV; null on germline rows
                ("tier_level", STR),  # A | B (tier I), C | D (tier II); null for III/IV
                ("tier_reason", STR),
                ("tier_evidence_ids", pa.list_(STR)),  # evidence that placed the tier
                ("oncogenicity", STR),  # ClinGen/CGC/VICC: Oncogenic ... Benign (somatic)
                ("acmg_class", STR),  # ACMG/AMP: Pathogenic ... Benign (germline rows)
                ("origin", STR),  # somatic (tumour sample) | germline (normal/germline)
                ("tumor_type", STR),  # OncoTree code the tiers were given for
                ("knowledge", STR),  # knowledge bundle id (name@version) interpreted with
                ("annotation", STR),  # where gene/consequence came from (reference bundle)
                ("table_versions", STR),  # JSON: {table: Delta version} of the inputs read
                ("genomed_version", STR),
                ("interpreted_at", pa.timestamp("us", tz="UTC")),
                ("batch_id", STR),  # the `genomed interpret workspace` run that wrote the row
            ),
            (),
            "one interpreted call (or copy-number/fusion event) of a sample under one "
            "knowledge bundle; re-interpreting a sample with the same bundle replaces its rows",
        ),
    ]
}


def empty_table(name: str) -> pa.Table:
    """An empty Arrow table with the schema of workspace table ``name``."""
    return TABLES[name].schema.empty_table()


def conform(name: str, data: dict | pa.Table) -> pa.Table:
    """Build an Arrow table of workspace table ``name`` from columns, filling absent
    columns with nulls and casting to the declared types (raises on bad casts)."""
    schema = TABLES[name].schema
    if isinstance(data, pa.Table):
        columns = {c: data.column(c) for c in data.column_names}
    else:
        columns = dict(data)
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise KeyError(f"table {name} has no columns {sorted(unknown)}")
    n = None
    for value in columns.values():
        n = len(value)
        break
    n = n or 0
    arrays = []
    for field in schema:
        if field.name in columns:
            value = columns[field.name]
            # from_pandas: NaN in a float array (e.g. a VAF that could not be computed) is null
            arr = (
                value
                if isinstance(value, pa.Array | pa.ChunkedArray)
                else pa.array(value, from_pandas=True)
            )
            arrays.append(arr.cast(field.type))
        else:
            arrays.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)
