"""Genotype predicates on calls without a MAF gene: VCF calls classified by `genomed
annotate` (the demo PCGR colon tumour, TCGA-A6-2686, annotated with the default bundle).
Expected values are read from the ``annotations`` table with plain SQL."""

from __future__ import annotations

import pytest
from conftest import DEMO_DATA

from genomed.annotate.workspace_annotate import annotate_workspace
from genomed.cohort import gene_frequencies, lollipop, oncoprint, open_cohort
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

TUMOUR = DEMO_DATA / "T001-COAD.grch38.vcf.gz"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    path = tmp_path_factory.mktemp("coad") / "ws"
    ingest_vcf(path, TUMOUR, VcfIngestOptions(kind="tumor", tumor_type="COAD", build="GRCh38"))
    annotate_workspace(path)
    return Workspace.open(path)


def canonical(ws: Workspace, where: str) -> list[tuple]:
    con = ws.connect()
    try:
        return con.execute(
            "SELECT DISTINCT a.gene, a.protein_change, a.most_severe FROM annotations a "
            f"JOIN calls c ON c.variant_key = a.variant_key WHERE a.canonical AND {where} ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()


def test_annotated_protein_changes_and_classes(ws):
    assert canonical(ws, "a.gene = 'BRAF' AND a.most_severe = 'missense_variant'") == [
        ("BRAF", "p.V600E", "missense_variant")
    ]
    tp53 = canonical(ws, "a.gene = 'TP53'")
    assert [r[2] for r in tp53] == ["frameshift_variant"]
    with open_cohort(ws, "all") as data:
        patient = data.patient_ids
        assert data.select("mutated(BRAF, V600E)").patient_ids == patient
        assert data.select("mutated(BRAF, V600)").patient_ids == patient
        assert data.select("mutated(BRAF, V600K)").patient_ids == []
        assert (
            data.select("mutated(TP53, truncating) and not mutated(TP53, missense)").patient_ids
            == patient
        )
        assert data.select("mutated(KRAS)").patient_ids == []


def test_annotated_calls_count_in_frequencies_and_plots(ws):
    # every canonical gene with a nonsynonymous (or unresolved coding) consequence
    counted = {
        "frameshift_variant", "stop_gained", "splice_acceptor_variant", "splice_donor_variant",
        "missense_variant", "inframe_deletion", "inframe_insertion", "stop_lost", "start_lost",
        "protein_altering_variant", "coding_sequence_variant",
    }  # fmt: skip
    genes = {g for g, _, so in canonical(ws, "TRUE") if so.split("&")[0] in counted}
    freq = gene_frequencies(ws, "all")
    mutated = set(freq[freq["alteration"] == "mutation"]["gene"])
    assert mutated == genes
    assert set(freq["profiled"]) == {1}
    assert lollipop(ws, "all", "BRAF").changes["protein_change"].tolist() == ["V600E"]
    events = oncoprint(ws, "all", genes=["TP53", "BRAF"]).events.set_index("gene")["glyph"]
    assert events.to_dict() == {"TP53": "truncating", "BRAF": "missense"}
