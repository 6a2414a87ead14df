"""Rebuild this cBioPortal study folder from the maftools TCGA LAML example files.

Run once by hand (tests never run it; they read the folder as committed)::

    python src/genomed/data/demo/laml_study/assemble_from_maftools.py /work/shared/data/cohorts

Real data: data_mutations.txt (tcga_laml.maf.gz, decompressed, bytes unchanged) and the
clinical files (from tcga_laml_annot.tsv). SYNTHETIC parts (made up for tests, clearly
not TCGA data): data_cna.txt, data_gene_panel_matrix.txt, data_gene_panel_synth_aml.txt,
data_sv.txt, data_timeline_treatment.txt, data_timeline_specimen.txt. See PROVENANCE.md.
"""

from __future__ import annotations

import csv
import gzip
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUDY = "laml_tcga_maftools"
DAYS_PER_MONTH = 30.4375  # 365.25 / 12

# -- synthetic parts (made up; see PROVENANCE.md) -------------------------------------
SYNTH_PANEL = "SYNTH_AML_CNA_V1"
SYNTH_PANEL_GENES = ["NPM1", "FLT3", "DNMT3A", "TP53", "KMT2A", "RUNX1", "CBFB", "MYC"]
SYNTH_CNA = {  # sample -> {gene: value}; genes not listed are 0
    "TCGA-AB-2802": {"MYC": 1},
    "TCGA-AB-2803": {},
    "TCGA-AB-2804": {"TP53": -1},
    "TCGA-AB-2805": {"TP53": -2, "MYC": 2},
    "TCGA-AB-2806": {"RUNX1": 1},
    "TCGA-AB-2807": {"KMT2A": 1, "FLT3": 1},
    "TCGA-AB-2808": {"CBFB": -1},
    "TCGA-AB-2809": {},
}
SYNTH_SV = [  # PML-RARA in two FAB M3 (APL) patients; breakpoints made up, inside the genes (hg19)
    ("TCGA-AB-2803", "PML", "15", 74315750, "RARA", "17", 38504568),
    ("TCGA-AB-2804", "PML", "15", 74316012, "RARA", "17", 38504101),
]
SYNTH_TREATMENTS = [  # patient, start, stop, agent, subtype
    ("TCGA-AB-2802", 0, 7, "Cytarabine", "Chemotherapy"),
    ("TCGA-AB-2802", 0, 3, "Daunorubicin", "Chemotherapy"),
    ("TCGA-AB-2803", 0, 45, "Tretinoin", "Targeted"),
    ("TCGA-AB-2803", 10, 38, "Arsenic Trioxide", "Targeted"),
]
SYNTH_SPECIMENS = ["TCGA-AB-2802", "TCGA-AB-2803"]  # sample (= patient) collected on day 0


def write_tsv(path: Path, header_rows: list[list[str]], rows: list[list[str]]) -> None:
    with open(path, "w", newline="") as handle:
        for row in header_rows:
            handle.write("\t".join(row) + "\n")
        for row in rows:
            handle.write("\t".join(str(v) for v in row) + "\n")


def write_meta(path: Path, fields: list[tuple[str, str]]) -> None:
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields))


def clinical_header(attributes: list[tuple[str, str, str, str]]) -> list[list[str]]:
    """4 '#' rows (display names, descriptions, datatypes, priorities) + attribute ids."""
    return [
        ["#" + attributes[0][1]] + [a[1] for a in attributes[1:]],
        ["#" + attributes[0][2]] + [a[2] for a in attributes[1:]],
        ["#" + attributes[0][3]] + [a[3] for a in attributes[1:]],
        ["#1"] + ["1"] * (len(attributes) - 1),
        [a[0] for a in attributes],
    ]


def main(source: Path) -> None:
    with (
        gzip.open(source / "tcga_laml.maf.gz", "rb") as gz,
        open(HERE / "data_mutations.txt", "wb") as out,
    ):
        shutil.copyfileobj(gz, out)
    with open(source / "tcga_laml_annot.tsv") as handle:
        annot = list(csv.DictReader(handle, delimiter="\t"))

    write_meta(
        HERE / "meta_study.txt",
        [
            ("type_of_cancer", "aml"),
            ("cancer_study_identifier", STUDY),
            ("name", "Acute Myeloid Leukemia (TCGA, NEJM 2013; maftools example subset)"),
            ("short_name", "LAML (maftools)"),
            (
                "description",
                "TCGA LAML somatic mutations and survival from the maftools example data; "
                "CNA, SV, gene panel and timeline files are SYNTHETIC test data (see PROVENANCE.md).",
            ),
            ("citation", "Ley et al. NEJM 2013; Mayakonda et al. Genome Res 2018"),
            ("pmid", "23634996"),
            ("reference_genome", "hg19"),
            ("add_global_case_list", "true"),
        ],
    )

    # clinical patient file
    write_meta(
        HERE / "meta_clinical_patient.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "CLINICAL"),
            ("datatype", "PATIENT_ATTRIBUTES"),
            ("data_filename", "data_clinical_patient.txt"),
        ],
    )
    patient_rows = []
    for row in annot:
        days = row["days_to_last_followup"]
        known = days.lstrip("-").isdigit()
        months = f"{int(days) / DAYS_PER_MONTH:.2f}" if known else "NA"
        status = {"1": "1:DECEASED", "0": "0:LIVING"}[row["Overall_Survival_Status"]]
        patient_rows.append([row["Tumor_Sample_Barcode"], months, status, days if known else "NA"])
    write_tsv(
        HERE / "data_clinical_patient.txt",
        clinical_header(
            [
                (
                    "PATIENT_ID",
                    "Patient Identifier",
                    "Identifier to uniquely specify a patient.",
                    "STRING",
                ),
                (
                    "OS_MONTHS",
                    "Overall Survival (Months)",
                    "Overall survival in months since initial diagnosis.",
                    "NUMBER",
                ),
                (
                    "OS_STATUS",
                    "Overall Survival Status",
                    "Overall patient survival status.",
                    "STRING",
                ),
                (
                    "DAYS_TO_LAST_FOLLOWUP",
                    "Days to Last Followup",
                    "Days to last follow-up (maftools days_to_last_followup).",
                    "NUMBER",
                ),
            ]
        ),
        patient_rows,
    )

    # clinical sample file: one tumour sample per patient, same id as in the MAF
    write_meta(
        HERE / "meta_clinical_sample.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "CLINICAL"),
            ("datatype", "SAMPLE_ATTRIBUTES"),
            ("data_filename", "data_clinical_sample.txt"),
        ],
    )
    write_tsv(
        HERE / "data_clinical_sample.txt",
        clinical_header(
            [
                (
                    "PATIENT_ID",
                    "Patient Identifier",
                    "Identifier to uniquely specify a patient.",
                    "STRING",
                ),
                ("SAMPLE_ID", "Sample Identifier", "A unique sample identifier.", "STRING"),
                ("ONCOTREE_CODE", "Oncotree Code", "OncoTree code of the tumour.", "STRING"),
                ("CANCER_TYPE", "Cancer Type", "Cancer type.", "STRING"),
                ("CANCER_TYPE_DETAILED", "Cancer Type Detailed", "Detailed cancer type.", "STRING"),
                (
                    "FAB_CLASSIFICATION",
                    "FAB Classification",
                    "French-American-British AML subtype (maftools FAB_classification).",
                    "STRING",
                ),
            ]
        ),
        [
            [
                r["Tumor_Sample_Barcode"],
                r["Tumor_Sample_Barcode"],
                "AML",
                "Leukemia",
                "Acute Myeloid Leukemia",
                r["FAB_classification"],
            ]
            for r in annot
        ],
    )

    write_meta(
        HERE / "meta_mutations.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "MUTATION_EXTENDED"),
            ("datatype", "MAF"),
            ("stable_id", "mutations"),
            ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Mutations"),
            ("profile_description", "TCGA LAML somatic mutations (maftools example MAF)."),
            ("data_filename", "data_mutations.txt"),
        ],
    )

    # SYNTHETIC: discrete CNA, gene panel, gene panel matrix, SV, timelines
    write_meta(
        HERE / "meta_cna.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "COPY_NUMBER_ALTERATION"),
            ("datatype", "DISCRETE"),
            ("stable_id", "gistic"),
            ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Putative copy-number alterations (SYNTHETIC)"),
            ("profile_description", "SYNTHETIC discrete CNA made up for tests; not TCGA data."),
            ("data_filename", "data_cna.txt"),
        ],
    )
    samples = list(SYNTH_CNA)
    write_tsv(
        HERE / "data_cna.txt",
        [["Hugo_Symbol", *samples]],
        [[gene, *[SYNTH_CNA[s].get(gene, 0) for s in samples]] for gene in SYNTH_PANEL_GENES],
    )
    (HERE / "data_gene_panel_synth_aml.txt").write_text(
        f"stable_id: {SYNTH_PANEL}\n"
        "description: SYNTHETIC 8-gene AML copy-number panel made up for tests\n"
        "gene_list: " + "\t".join(SYNTH_PANEL_GENES) + "\n"
    )
    write_meta(
        HERE / "meta_gene_panel_matrix.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "GENE_PANEL_MATRIX"),
            ("datatype", "GENE_PANEL_MATRIX"),
            ("data_filename", "data_gene_panel_matrix.txt"),
        ],
    )
    write_tsv(
        HERE / "data_gene_panel_matrix.txt",
        [["SAMPLE_ID", "mutations", "gistic"]],
        [
            [
                r["Tumor_Sample_Barcode"],
                "WES",
                SYNTH_PANEL if r["Tumor_Sample_Barcode"] in SYNTH_CNA else "NA",
            ]
            for r in annot
        ],
    )
    write_meta(
        HERE / "meta_sv.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "STRUCTURAL_VARIANT"),
            ("datatype", "SV"),
            ("stable_id", "structural_variants"),
            ("show_profile_in_analysis_tab", "true"),
            ("profile_name", "Structural variants (SYNTHETIC)"),
            ("profile_description", "SYNTHETIC fusions made up for tests; not TCGA data."),
            ("data_filename", "data_sv.txt"),
        ],
    )
    write_tsv(
        HERE / "data_sv.txt",
        [
            [
                "Sample_Id",
                "SV_Status",
                "Site1_Hugo_Symbol",
                "Site1_Chromosome",
                "Site1_Position",
                "Site2_Hugo_Symbol",
                "Site2_Chromosome",
                "Site2_Position",
                "Class",
                "Event_Info",
            ]
        ],
        [
            [s, "SOMATIC", g1, c1, p1, g2, c2, p2, "TRANSLOCATION", f"{g1}-{g2} fusion"]
            for s, g1, c1, p1, g2, c2, p2 in SYNTH_SV
        ],
    )
    write_meta(
        HERE / "meta_timeline_treatment.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "CLINICAL"),
            ("datatype", "TIMELINE"),
            ("data_filename", "data_timeline_treatment.txt"),
        ],
    )
    write_tsv(
        HERE / "data_timeline_treatment.txt",
        [
            [
                "PATIENT_ID",
                "START_DATE",
                "STOP_DATE",
                "EVENT_TYPE",
                "TREATMENT_TYPE",
                "SUBTYPE",
                "AGENT",
            ]
        ],
        [
            [p, a, b, "TREATMENT", "Medical Therapy", sub, agent]
            for p, a, b, agent, sub in SYNTH_TREATMENTS
        ],
    )
    write_meta(
        HERE / "meta_timeline_specimen.txt",
        [
            ("cancer_study_identifier", STUDY),
            ("genetic_alteration_type", "CLINICAL"),
            ("datatype", "TIMELINE"),
            ("data_filename", "data_timeline_specimen.txt"),
        ],
    )
    write_tsv(
        HERE / "data_timeline_specimen.txt",
        [["PATIENT_ID", "START_DATE", "STOP_DATE", "EVENT_TYPE", "SAMPLE_ID", "SPECIMEN_SITE"]],
        [[s, 0, "", "SPECIMEN", s, "Bone marrow"] for s in SYNTH_SPECIMENS],
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
