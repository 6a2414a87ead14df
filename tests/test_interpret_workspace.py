"""``genomed interpret workspace``: tiers kept in the ``interpretations`` table, and cohorts
selecting by them (``mutated(GENE, tierN)``).

The workspace holds real tumours and single-variant cases from tests/data/interpret, one
patient each. Expected tiers are those tests/test_interpret_somatic.py worked out by hand
from the shipped CIViC 2018-05 dump and cancerhotspots tables:

- TCGA-A6-2686 (PCGR COAD example): BRAF V600E I-A (EID103), TP53 V73fs frameshift II-C
  (TP53 evidence in other tumour types only, e.g. EID517);
- TCGA-A2-A04W (PCGR BRCA example): PIK3CA H1047R I-B (EID2100, EID2103), TP53 V272M III;
- KRAS-COAD: KRAS G12D in colorectal cancer I-A (EID993, EID5345);
- BRAF-PRAD: BRAF V600E in prostate cancer II-C (A/B evidence elsewhere only);
- TP53-SYN: TP53 c.744G>A (17:7674219 C>T, CGG->CGA, R248=) synonymous, tier IV
  ("not protein-altering in a cancer gene");
- KRAS-UNTYPED: KRAS G12D in a tumour sample without a tumour type (skipped);
- KRAS-GERMLINE: KRAS G12D in a germline sample (ACMG class, no tier).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genomed.annotate.workspace_annotate import annotate_workspace
from genomed.cli.main import app
from genomed.cohort import CohortEvaluationError, define_cohort, open_cohort
from genomed.interpret.germline import interpret_germline
from genomed.interpret.somatic import interpret_somatic
from genomed.interpret.workspace_input import SampleNotFound
from genomed.interpret.workspace_interpretation import interpret_workspace, read_interpretations
from genomed.knowledge.bundle import KnowledgeBundle
from genomed.knowledge.oncotree import UnknownTumorType
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

DATA = Path(__file__).parent / "data" / "interpret"
COAD_SAMPLE = "TCGA-A6-2686-01A-01D-1408-10_TCGA-A6-2686-10A-01D-2188-10"
BRCA_SAMPLE = "TCGA-A2-A04W-01A-31D-A10Y-09_TCGA-A2-A04W-10A-01D-A110-09"
TUMOURS = ["BRAF-PRAD", "KRAS-COAD", "KRAS-UNTYPED", BRCA_SAMPLE, COAD_SAMPLE, "TP53-SYN"]
#: what identifies a row; the rest is provenance (run id, time)
CONTENT = [
    "sample_id", "variant_key", "alteration", "chrom", "pos", "gene", "protein_change",
    "consequence", "tier", "tier_level", "tier_reason", "oncogenicity", "acmg_class",
    "origin", "tumor_type", "knowledge", "annotation", "table_versions",
]  # fmt: skip


def _one_variant_vcf(directory: Path, name: str, source: str | None, record: str = "") -> Path:
    """A copy of a one-variant test VCF with the sample renamed (or another record)."""
    text = (DATA / (source or "kras_g12d.grch38.vcf")).read_text()
    if record:
        text = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
        text += record
    path = directory / f"{name}.vcf"
    path.write_text(text.replace("\tTUMOUR\n", f"\t{name}\n"))
    return path


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """The workspace before interpretation (annotated, as the demo does)."""
    tmp = tmp_path_factory.mktemp("interpret-ws")
    ws = tmp / "ws"

    def tumour(path: Path, tumor_type: str | None) -> None:
        options = VcfIngestOptions(kind="tumor", tumor_type=tumor_type, build="GRCh38")
        ingest_vcf(ws, path, options)

    tumour(DATA / "T001-COAD.grch38.vcf.gz", "COAD")
    tumour(DATA / "T001-BRCA.grch38.vcf.gz", "BRCA")
    tumour(_one_variant_vcf(tmp, "KRAS-COAD", "kras_g12d.grch38.vcf"), "COAD")
    tumour(_one_variant_vcf(tmp, "BRAF-PRAD", "braf_v600e.grch38.vcf"), "PRAD")
    tumour(_one_variant_vcf(tmp, "KRAS-UNTYPED", "kras_g12d.grch38.vcf"), None)
    synonymous = "17\t7674219\t.\tC\tT\t.\tPASS\t.\tGT:AD:DP\t0/1:40,25:65\n"
    tumour(_one_variant_vcf(tmp, "TP53-SYN", None, synonymous), "COAD")
    ingest_vcf(
        ws,
        _one_variant_vcf(tmp, "KRAS-GERMLINE", "kras_g12d.grch38.vcf"),
        VcfIngestOptions(kind="germline", build="GRCh38"),
    )
    annotate_workspace(ws)
    return ws


@pytest.fixture(scope="module")
def interpreted(ingested, tmp_path_factory) -> Path:
    """The same workspace after `interpret_workspace` on every tumour sample."""
    ws = tmp_path_factory.mktemp("interpreted") / "ws"
    shutil.copytree(ingested, ws)
    seen = []
    run = interpret_workspace(ws, progress=lambda sample, done, total: seen.append((done, total)))
    assert seen == [(i, len(TUMOURS)) for i in range(1, len(TUMOURS) + 1)]
    assert [s.sample_id for s in run.samples] == TUMOURS
    return ws


@pytest.fixture
def scratch(interpreted, tmp_path) -> Path:
    """A copy of the interpreted workspace a test may change."""
    shutil.copytree(interpreted, tmp_path / "ws")
    return tmp_path / "ws"


def _rows(ws: Path, sample_id: str | None = None) -> list[dict]:
    frame = read_interpretations(ws, sample_id)
    return frame[CONTENT].astype(object).where(frame[CONTENT].notna(), None).to_dict("records")


def _row(ws: Path, sample_id: str, gene: str) -> dict:
    frame = read_interpretations(ws, sample_id)
    (row,) = frame[(frame.gene == gene) & frame.tier.isin(["I", "II", "III", "IV"])].to_dict(
        "records"
    )
    return row


def _select(ws: Path, definition) -> list[str]:
    with open_cohort(Workspace.open(ws), "all") as data:
        return data.select(definition).patient_ids


# -- the table -----------------------------------------------------------------------------


def test_hand_checked_tiers_are_stored(interpreted):
    braf = _row(interpreted, COAD_SAMPLE, "BRAF")
    assert (braf["protein_change"], braf["tier"], braf["tier_level"]) == ("V600E", "I", "A")
    assert list(braf["tier_evidence_ids"]) == ["EID103"]
    assert (braf["chrom"], braf["pos"], braf["alteration"]) == ("7", 140753336, "mutation")
    assert braf["oncogenicity"] == "Likely oncogenic" and braf["tumor_type"] == "COAD"
    tp53 = _row(interpreted, COAD_SAMPLE, "TP53")
    assert (tp53["consequence"], tp53["tier"], tp53["tier_level"]) == (
        "frameshift_variant",
        "II",
        "C",
    )
    assert "EID517" in list(tp53["tier_evidence_ids"])
    kras = _row(interpreted, "KRAS-COAD", "KRAS")
    assert (kras["protein_change"], kras["tier"], kras["tier_level"]) == ("G12D", "I", "A")
    assert list(kras["tier_evidence_ids"]) == ["EID993", "EID5345"]
    pik3ca = _row(interpreted, BRCA_SAMPLE, "PIK3CA")
    assert (pik3ca["protein_change"], pik3ca["tier"], pik3ca["tier_level"]) == ("H1047R", "I", "B")
    assert {"EID2100", "EID2103"} <= set(pik3ca["tier_evidence_ids"])
    tp53 = _row(interpreted, BRCA_SAMPLE, "TP53")
    assert (tp53["protein_change"], tp53["tier"], tp53["tier_level"]) == ("V272M", "III", None)
    prad = _row(interpreted, "BRAF-PRAD", "BRAF")
    assert (prad["tier"], prad["tier_level"], prad["tumor_type"]) == ("II", "C", "PRAD")
    synonymous = _row(interpreted, "TP53-SYN", "TP53")
    assert (synonymous["consequence"], synonymous["tier"]) == ("synonymous_variant", "IV")


def test_every_call_gets_a_row_with_its_provenance(interpreted):
    ws = Workspace.open(interpreted)
    con = ws.connect()
    # one row per call of each interpreted sample (the COAD VCF has 3,313 records)
    per_sample = dict(
        con.execute("SELECT sample_id, count(*) FROM interpretations GROUP BY 1").fetchall()
    )
    calls = dict(con.execute("SELECT sample_id, count(*) FROM calls GROUP BY 1").fetchall())
    assert per_sample[COAD_SAMPLE] == 3313
    assert per_sample == {s: calls[s] for s in TUMOURS if s != "KRAS-UNTYPED"}
    frame = read_interpretations(interpreted, COAD_SAMPLE)
    # the same tiers as interpreting the VCF file itself (no CNA or fusions in the workspace)
    from_file = interpret_somatic(DATA / "T001-COAD.grch38.vcf.gz", tumor_type="COAD")
    expected = {t: 0 for t in ("I", "II", "III", "IV")}
    for tier, n in from_file.tier_counts.items():
        expected[tier.split("-")[0]] += n
    assert frame["tier"].value_counts().reindex(list(expected), fill_value=0).to_dict() == expected
    assert expected["I"] == 1 and expected["II"] >= 1  # BRAF V600E I-A, TP53 V73fs II-C
    kb = KnowledgeBundle.default()
    assert set(frame["knowledge"]) == {kb.id} and frame["batch_id"].nunique() == 1
    versions = json.loads(frame["table_versions"].iloc[0])
    assert versions == {t: ws.versions()[t] for t in ("calls", "samples", "variants")}
    assert frame["annotation"].iloc[0].startswith("genomed.annotate (genomed-GRCh38")


def test_sample_without_tumour_type_is_skipped_with_a_reason(interpreted):
    assert read_interpretations(interpreted, "KRAS-UNTYPED").empty
    run = interpret_workspace(interpreted, ["KRAS-UNTYPED"])
    (skipped,) = run.skipped
    assert "has no tumour type" in skipped.reason and "--tumor-type" in skipped.reason
    assert read_interpretations(interpreted, "KRAS-UNTYPED").empty


def test_germline_sample_gets_the_acmg_class_of_interpret_germline(scratch):
    run = interpret_workspace(scratch, ["KRAS-GERMLINE"])
    (row,) = _rows(scratch, "KRAS-GERMLINE")
    expected = interpret_germline(DATA / "kras_g12d.grch38.vcf").variants[0]["acmg_class"]
    assert (row["acmg_class"], row["tier"], row["origin"]) == (expected, None, "germline")
    assert run.interpreted[0].classes[expected] == 1


def test_reinterpreting_is_idempotent(scratch):
    before = _rows(scratch)
    versions = Workspace.open(scratch).versions()
    interpret_workspace(scratch)
    after = _rows(scratch)
    assert after == before
    con = Workspace.open(scratch).connect()
    # the old rows were replaced in the same commit, not kept beside the new ones
    assert con.execute("SELECT count(*) FROM interpretations").fetchone()[0] == len(before)
    assert con.execute(
        "SELECT count(*) FROM (SELECT sample_id, variant_key, knowledge FROM interpretations "
        "WHERE variant_key IS NOT NULL GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0] == 0  # fmt: skip
    assert con.execute("SELECT count(DISTINCT batch_id) FROM interpretations").fetchone()[0] == 1
    now = Workspace.open(scratch).versions()
    assert now["interpretations"] == versions["interpretations"] + 2  # one delete, one append
    assert {k: v for k, v in now.items() if k != "interpretations"} == {
        k: v for k, v in versions.items() if k != "interpretations"
    }


def test_a_tumour_type_override_replaces_the_sample_rows(scratch):
    interpret_workspace(scratch, ["KRAS-COAD"], tumor_type="PRAD")
    kras = _row(scratch, "KRAS-COAD", "KRAS")
    assert kras["tumor_type"] == "PRAD" and kras["tier"] != "I"
    assert len(_rows(scratch, "KRAS-COAD")) == 1
    assert _select(scratch, "mutated(KRAS, tier1)") == []


def test_another_knowledge_bundle_keeps_its_rows_and_the_latest_run_counts(scratch, tmp_path):
    other = tmp_path / "kb"
    shutil.copytree(KnowledgeBundle.default().path, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["id"] = "genomed-knowledge@next"
    (other / "manifest.json").write_text(json.dumps(manifest))
    interpret_workspace(scratch, ["KRAS-COAD"], knowledge=other)
    con = Workspace.open(scratch).connect()
    bundles = con.execute(
        "SELECT knowledge, count(*) FROM interpretations WHERE sample_id = 'KRAS-COAD' GROUP BY 1 "
        "ORDER BY 1"
    ).fetchall()
    assert bundles == sorted([(KnowledgeBundle.default().id, 1), ("genomed-knowledge@next", 1)])
    assert set(read_interpretations(scratch, "KRAS-COAD")["knowledge"]) == {
        "genomed-knowledge@next"
    }
    assert _select(scratch, "mutated(KRAS, tier1)") == ["KRAS-COAD"]


def test_unknown_sample_or_tumour_type_is_refused_before_anything_is_written(interpreted):
    versions = Workspace.open(interpreted).versions()
    with pytest.raises(SampleNotFound, match="'NOPE'"):
        interpret_workspace(interpreted, ["KRAS-COAD", "NOPE"])
    with pytest.raises(UnknownTumorType, match="'XYZ'"):
        interpret_workspace(interpreted, tumor_type="XYZ")
    assert Workspace.open(interpreted).versions() == versions


# -- cohorts -------------------------------------------------------------------------------


def test_tier_predicates_select_the_hand_checked_patients(interpreted):
    with open_cohort(Workspace.open(interpreted), "all") as data:
        select = lambda definition: data.select(definition).patient_ids  # noqa: E731
        assert select("mutated(KRAS, tier1)") == ["KRAS-COAD"]
        # KRAS-UNTYPED (not interpreted) and KRAS-GERMLINE (no tier) carry the same G12D
        assert select("mutated(KRAS, G12)") == ["KRAS-COAD", "KRAS-GERMLINE", "KRAS-UNTYPED"]
        assert select("mutated(KRAS, G12, tier1)") == ["KRAS-COAD"]
        assert select("mutated(KRAS, tier2)") == []
        assert select("mutated(BRAF, tier1)") == ["TCGA-A6-2686"]
        assert select("mutated(BRAF, tier_ii)") == ["BRAF-PRAD"]
        assert select("mutated(PIK3CA, tier1)") == ["TCGA-A2-A04W"]
        assert select("mutated(TP53, tier2)") == ["TCGA-A6-2686"]
        assert select("mutated(TP53, truncating, tier2)") == ["TCGA-A6-2686"]
        assert select("mutated(TP53, tier3)") == ["TCGA-A2-A04W"]
        # a tier IV synonymous call is not a counted mutation unless every class is asked for
        assert select("mutated(TP53, tier4)") == []
        assert select("mutated(TP53, any, tier4)") == ["TP53-SYN"]
        assert select("mutated(KRAS, tier1) or mutated(BRAF, tier1) or mutated(PIK3CA, tier1)") == [
            "KRAS-COAD",
            "TCGA-A2-A04W",
            "TCGA-A6-2686",
        ]
        assert select("mutated(TP53) and not mutated(TP53, tier2)") == ["TCGA-A2-A04W"]


def test_tier_predicate_without_annotation_knows_the_gene(tmp_path):
    # VCF calls carry no gene until `genomed annotate`; the interpretation names it, so the
    # tier predicate selects the patient and no "gene has no calls" warning is given
    ws = tmp_path / "ws"
    vcf = _one_variant_vcf(tmp_path, "KRAS-COAD", "kras_g12d.grch38.vcf")
    ingest_vcf(ws, vcf, VcfIngestOptions(kind="tumor", tumor_type="COAD", build="GRCh38"))
    interpret_workspace(ws)
    with open_cohort(Workspace.open(ws), "all") as data:
        selection = data.select("mutated(KRAS, tier1)")
    assert selection.patient_ids == ["KRAS-COAD"]
    assert selection.warnings == []


def test_json_form_of_the_tier_predicate(interpreted):
    for tier in ("1", 1, "I", "i"):
        assert _select(interpreted, {"mutated": "KRAS", "tier": tier}) == ["KRAS-COAD"]
    definition = {"and": [{"mutated": "BRAF", "tier": "2"}, {"not": {"mutated": "KRAS"}}]}
    assert _select(interpreted, definition) == ["BRAF-PRAD"]


def test_tier_predicate_before_interpretation_says_what_to_run(ingested):
    with pytest.raises(CohortEvaluationError) as error:
        _select(ingested, "mutated(KRAS, tier1)")
    assert "genomed interpret workspace" in str(error.value)
    assert error.value.token == "tier1"
    with pytest.raises(CohortEvaluationError, match="genomed interpret workspace"):
        _select(ingested, {"mutated": "KRAS", "tier": "1"})


def test_saved_tier_cohort_records_the_interpretations_version(scratch):
    ws = Workspace.open(scratch)
    cohort, _ = define_cohort(ws, "kras_tier1", "mutated(KRAS, tier1)")
    assert cohort.patient_ids == ("KRAS-COAD",)
    assert cohort.table_versions["interpretations"] == ws.versions()["interpretations"]


# -- crash safety ----------------------------------------------------------------------------

_CRASH_AT_CATALOG = """
import os, sys
import genomed.store.workspace as workspace
from genomed.interpret.workspace_interpretation import interpret_workspace
# die like a kill -9 after the Delta delete + append, before the catalog names them
workspace._write_json_atomic = lambda path, data: os._exit(9)
interpret_workspace(sys.argv[1], ["KRAS-COAD"], tumor_type="PRAD")
"""


def test_a_kill_before_the_catalog_commit_loses_nothing(scratch):
    before = _rows(scratch)
    versions = Workspace.open(scratch).versions()
    proc = subprocess.run(
        [sys.executable, "-c", _CRASH_AT_CATALOG, str(scratch)],
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 9, proc.stderr
    from deltalake import DeltaTable

    # the dead run wrote two Delta versions the catalog does not name ...
    table = DeltaTable(Workspace.open(scratch).table_path("interpretations"))
    assert table.version() == versions["interpretations"] + 2
    # ... and readers still see exactly the previous rows
    assert Workspace.open(scratch).versions() == versions
    assert _rows(scratch) == before
    assert _select(scratch, "mutated(KRAS, tier1)") == ["KRAS-COAD"]
    # the next run recovers the table and completes
    interpret_workspace(scratch, ["KRAS-COAD"], tumor_type="PRAD")
    assert _row(scratch, "KRAS-COAD", "KRAS")["tumor_type"] == "PRAD"
    assert len(_rows(scratch)) == len(before)


def test_a_failed_write_leaves_the_catalog_and_rows_unchanged(scratch, monkeypatch):
    import genomed.store.workspace as workspace

    before = _rows(scratch)
    catalog = (scratch / "catalog.json").read_text()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    # the delete has been committed to Delta when the append fails
    monkeypatch.setattr(workspace, "write_deltalake", fail)
    with pytest.raises(OSError, match="disk full"):
        interpret_workspace(scratch, ["KRAS-COAD"], tumor_type="PRAD")
    assert (scratch / "catalog.json").read_text() == catalog
    assert _rows(scratch) == before
    monkeypatch.undo()
    interpret_workspace(scratch, ["KRAS-COAD"], tumor_type="PRAD")
    assert _row(scratch, "KRAS-COAD", "KRAS")["tumor_type"] == "PRAD"


# -- CLI -----------------------------------------------------------------------------------


def test_cli_json_summary_and_skip_message(scratch):
    runner = CliRunner()
    result = runner.invoke(
        app, ["interpret", "workspace", "-w", str(scratch), "--sample", "KRAS-UNTYPED"]
    )
    assert result.exit_code == 0, result.output
    assert "skipped KRAS-UNTYPED" in result.output and "--tumor-type" in result.output
    result = runner.invoke(
        app,
        ["interpret", "workspace", "-w", str(scratch), "--sample", "KRAS-UNTYPED",
         "--sample", "BRAF-PRAD", "--tumor-type", "coad", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["interpreted"], summary["skipped"]) == (2, 0)
    assert summary["tiers"] == {"I": 2, "II": 0, "III": 0, "IV": 0}
    assert [s["tumor_type"] for s in summary["samples"]] == ["COAD", "COAD"]
    assert _select(scratch, "mutated(KRAS, tier1)") == ["KRAS-COAD", "KRAS-UNTYPED"]
    assert _select(scratch, "mutated(BRAF, tier1)") == ["BRAF-PRAD", "TCGA-A6-2686"]
    result = runner.invoke(app, ["interpret", "workspace", "-w", str(scratch), "--sample", "X"])
    assert result.exit_code == 1 and "no sample 'X'" in result.output


# -- batches ---------------------------------------------------------------------------------


def test_a_batch_gives_exactly_the_rows_of_one_sample_at_a_time(ingested, tmp_path, monkeypatch):
    # KRAS G12D is called in KRAS-COAD, KRAS-UNTYPED and KRAS-GERMLINE: a batch annotates
    # it once and every sample interpreted still gets its own row (KRAS-UNTYPED once it
    # is given a tumour type, in the second run)
    import genomed.interpret.workspace_input as workspace_input

    everyone = [*TUMOURS, "KRAS-GERMLINE"]
    small = ["BRAF-PRAD", "KRAS-COAD", "KRAS-UNTYPED", "KRAS-GERMLINE", "TP53-SYN"]
    annotated = []
    annotate_table = workspace_input.annotate_table

    def counting(table, reference=None):
        annotated.append(table.column("variant_key").to_pylist())
        return annotate_table(table, reference)

    monkeypatch.setattr(workspace_input, "annotate_table", counting)
    runs, seen = {}, []
    for batch, chunk in [(1, 1), (3, 2), (len(everyone), 50)]:
        ws = tmp_path / f"ws-{batch}"
        shutil.copytree(ingested, ws)
        annotated.clear()
        seen.clear()
        for samples, tumor_type in [(everyone, None), (small, "COAD")]:
            run = interpret_workspace(
                ws,
                samples,
                tumor_type=tumor_type,
                batch=batch,
                chunk=chunk,
                progress=lambda sample, done, total: seen.append(done),
            )
            assert [s.sample_id for s in run.samples] == samples
            runs[batch, tumor_type] = [(s.status, s.rows, s.tiers, s.classes) for s in run.samples]
        assert seen == [*range(1, len(everyone) + 1), *range(1, len(small) + 1)]
        runs[batch] = _rows(ws)
        # each distinct variant annotated once per batch
        assert all(len(keys) == len(set(keys)) for keys in annotated)
        if batch == len(everyone):
            assert len(annotated) == 2  # one batch per run
    kras = Workspace.open(ingested).connect().execute(
        "SELECT count(*) FROM calls JOIN variants USING (variant_key) "
        "WHERE variants.pos = 25245350"
    ).fetchone()[0]  # fmt: skip
    assert kras == 3
    one_at_a_time = runs[1]
    assert len(one_at_a_time) > 3313 and runs[3] == one_at_a_time
    assert runs[len(everyone)] == one_at_a_time
    for tumor_type in (None, "COAD"):
        assert runs[3, tumor_type] == runs[1, tumor_type] == runs[len(everyone), tumor_type]
    assert len([r for r in one_at_a_time if r["protein_change"] == "G12D"]) == 3


def test_loading_samples_together_reads_each_as_loading_it_alone(ingested):
    from genomed.interpret.workspace_input import load_workspace_sample, load_workspace_samples

    ws = Workspace.open(ingested)
    everyone = [*TUMOURS, "KRAS-GERMLINE"]
    together = load_workspace_samples(ws, everyone)
    assert list(together) == everyone
    for sample_id in everyone:
        alone = load_workspace_sample(ws, sample_id)
        assert together[sample_id].variants.equals(alone.variants)
        assert together[sample_id] == alone
    assert together[COAD_SAMPLE].variants.num_rows == 3313
    assert together["KRAS-COAD"].variants.column("gene").to_pylist() == ["KRAS"]
    with pytest.raises(SampleNotFound, match="'NOPE'"):
        load_workspace_samples(ws, ["KRAS-COAD", "NOPE"])


def test_the_demo_laml_study_is_interpreted_as_aml(tmp_path):
    # the 200 TCGA LAML samples carry OncoTree AML from the clinical data, which the
    # knowledge bundle lists: every sample is interpreted, none skipped, in a few batches
    from genomed.demo import DEMO_AML_TIER_COHORT, LAML_STUDY, interpret_demo_tumours
    from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal

    ws = tmp_path / "ws"
    Workspace.create(ws, "GRCh38")
    ingest_cbioportal(ws, LAML_STUDY, StudyIngestOptions())  # GRCh37, lifted
    lines = interpret_demo_tumours(ws)
    assert lines[0].startswith("200 tumour samples (200 AML): 2,211 calls and events tiered")
    assert not any(line.startswith("skipped") for line in lines)
    frame = read_interpretations(ws)
    assert frame["sample_id"].nunique() == 193  # 7 samples have no calls (nor events)
    assert set(frame["tumor_type"]) == {"AML"}
    # one row per call (2,207) and per CNA/fusion event kept (4)
    assert (frame["alteration"] == "mutation").sum() == 2207 and len(frame) == 2211
    r882h = frame[(frame.gene == "DNMT3A") & (frame.protein_change == "R882H")]
    assert len(r882h) == 19 and set(r882h.tier + "-" + r882h.tier_level) == {"I-A"}
    assert f"cohort {DEMO_AML_TIER_COHORT}: 37 patients" in lines[-1]
