"""Cohorts on TCGA LAML through the real ingest (`genomed ingest cbioportal` of the demo
study; real mutations and survival, synthetic CNA/SV/panels/timelines, see its
PROVENANCE.md). Every expected value is computed here from the study's raw files with
plain Python / numpy, or worked out by hand."""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO_DATA
from scipy import stats
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.cohort import (
    CohortError,
    CohortEvaluationError,
    compare_cohorts,
    cooccurrence,
    define_cohort,
    gene_frequencies,
    get_cohort,
    list_cohorts,
    lollipop,
    oncoprint,
    open_cohort,
    save_plot,
    survival_analysis,
)
from genomed.cohort.variant_classes import NONSYNONYMOUS
from genomed.store.ingest_cbioportal import ingest_cbioportal
from genomed.store.ingest_maf import ingest_maf
from genomed.store.workspace import Workspace

STUDY = DEMO_DATA / "laml_study"


def data_rows(path: Path) -> list[dict[str, str]]:
    with open(path) as handle:
        return list(
            csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        )


@pytest.fixture(scope="module")
def raw() -> dict:
    """What the raw study files say, read without genomed."""
    mutations = data_rows(STUDY / "data_mutations.txt")
    patient_of = {
        r["SAMPLE_ID"]: r["PATIENT_ID"] for r in data_rows(STUDY / "data_clinical_sample.txt")
    }
    fab = {
        r["PATIENT_ID"]: r["FAB_CLASSIFICATION"]
        for r in data_rows(STUDY / "data_clinical_sample.txt")
    }
    clinical = data_rows(STUDY / "data_clinical_patient.txt")
    mutated = defaultdict(set)
    for r in mutations:
        if r["Variant_Classification"] in NONSYNONYMOUS:
            mutated[r["Hugo_Symbol"]].add(patient_of[r["Tumor_Sample_Barcode"]])
    os_ = {
        r["PATIENT_ID"]: (float(r["OS_MONTHS"]), r["OS_STATUS"].startswith("1"))
        for r in clinical
        if r["OS_MONTHS"] != "NA"
    }
    return {
        "mutations": mutations,
        "mutated": mutated,
        "fab": fab,
        "os": os_,
        "patients": sorted(fab),
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    ws = Workspace.create(tmp_path_factory.mktemp("laml") / "ws", build="GRCh37")
    ingest_cbioportal(ws, STUDY)
    define_cohort(ws, "laml", "all")
    return ws


# -- frequencies ------------------------------------------------------------------------------


def test_mutated_patients_per_gene_equal_the_maf(ws, raw):
    freq = gene_frequencies(ws, "laml")
    mutation = freq[freq["alteration"] == "mutation"].set_index("gene")
    assert mutation["altered"].to_dict() == {g: len(p) for g, p in raw["mutated"].items()}
    # the gene panel matrix says WES for all 200 samples: every patient is profiled
    assert set(mutation["profiled"]) == {200}
    top = freq[freq["alteration"] == "any"].head(5)
    assert top["gene"].tolist() == ["FLT3", "DNMT3A", "NPM1", "IDH2", "IDH1"]
    assert top["altered"].tolist() == [52, 48, 33, 20, 18]  # maftools' oncoplot of this MAF
    assert top["percent"].tolist() == pytest.approx([26.0, 24.0, 16.5, 10.0, 9.0])


def test_panel_aware_denominators_for_copy_number(ws):
    # data_gene_panel_matrix: gistic = SYNTH_AML_CNA_V1 (8 genes) for 8 samples, NA for the
    # rest. data_cna: TP53 -2 in TCGA-AB-2805 (deep deletion), MYC 2 in 2805 (amplification);
    # +/-1 values are not counted. SVs (no matrix): the 193 samples with calls of the study.
    freq = gene_frequencies(ws, "laml", genes=["TP53", "MYC", "PML", "KMT2A"]).set_index(
        ["gene", "alteration"]
    )
    assert freq.loc[("TP53", "deep_deletion"), ["altered", "profiled"]].tolist() == [1, 8]
    assert freq.loc[("MYC", "amplification"), ["altered", "profiled"]].tolist() == [1, 8]
    assert freq.loc[("PML", "fusion"), ["altered", "profiled"]].tolist() == [2, 193]
    # TP53: 15 mutated patients (2805 not among them) + 1 deep deletion = 16 of 200
    assert freq.loc[("TP53", "any"), ["altered", "profiled"]].tolist() == [16, 200]
    assert freq.loc[("KMT2A", "any"), "altered"] == 0  # +1 gain only: not counted


def test_maf_only_workspace_counts_sequenced_samples(tmp_path, raw):
    # without a gene panel matrix, the 193 samples with calls are the profiled ones
    ingest_maf(tmp_path / "ws", STUDY / "data_mutations.txt")
    freq = gene_frequencies(Workspace.open(tmp_path / "ws"), "all", genes=["DNMT3A", "NPM1"])
    rows = freq[freq["alteration"] == "mutation"].set_index("gene")
    assert rows["altered"].to_dict() == {"DNMT3A": 48, "NPM1": 33}
    assert rows["profiled"].to_dict() == {"DNMT3A": 193, "NPM1": 193}


# -- definitions --------------------------------------------------------------------------------


def test_boolean_and_numeric_predicates_select_the_hand_worked_patients(ws, raw):
    definition = (
        "(FAB_CLASSIFICATION in (M4, M5) or mutated(NPM1)) and not mutated(FLT3) "
        "and os_months >= 12 and not DAYS_TO_LAST_FOLLOWUP > 1000"
    )
    days = {
        r["PATIENT_ID"]: r["DAYS_TO_LAST_FOLLOWUP"]
        for r in data_rows(STUDY / "data_clinical_patient.txt")
    }
    expected = sorted(
        p
        for p in raw["patients"]
        if (raw["fab"][p] in ("M4", "M5") or p in raw["mutated"]["NPM1"])
        and p not in raw["mutated"]["FLT3"]
        and p in raw["os"]
        and raw["os"][p][0] >= 12
        and not (days[p] != "NA" and float(days[p]) > 1000)
    )
    cohort, warnings = define_cohort(ws, "m45_or_npm1", definition)
    assert list(cohort.patient_ids) == expected
    assert len(expected) == 16 and warnings == []


def test_protein_change_class_and_cna_sv_predicates(ws, raw):
    r882 = sorted(
        {
            r["Tumor_Sample_Barcode"]
            for r in raw["mutations"]
            if r["Hugo_Symbol"] == "DNMT3A" and r["Protein_Change"].startswith("p.R882")
        }
    )
    with open_cohort(ws, "laml") as data:
        assert data.select("mutated(DNMT3A, R882)").patient_ids == r882
        r882h = [
            p
            for p in r882
            if any(
                r["Protein_Change"] == "p.R882H" and r["Tumor_Sample_Barcode"] == p
                for r in raw["mutations"]
            )
        ]
        assert data.select("mutated(dnmt3a, p.R882H)").patient_ids == r882h
        truncating = {
            r["Tumor_Sample_Barcode"]
            for r in raw["mutations"]
            if r["Hugo_Symbol"] == "NPM1"
            and r["Variant_Classification"]
            in ("Frame_Shift_Ins", "Frame_Shift_Del", "Nonsense_Mutation")
        }
        assert data.select("mutated(NPM1, truncating)").patient_ids == sorted(truncating)
        silent = {
            r["Tumor_Sample_Barcode"]
            for r in raw["mutations"]
            if r["Hugo_Symbol"] == "FLT3" and r["Variant_Classification"] == "Silent"
        }
        assert data.select("mutated(FLT3, silent)").patient_ids == sorted(silent)
        assert data.select("fusion(PML, RARA)").patient_ids == ["TCGA-AB-2803", "TCGA-AB-2804"]
        assert data.select("amplified(MYC) and deleted(TP53)").patient_ids == ["TCGA-AB-2805"]
        assert len(data.select("profiled(MYC, cna)").patient_ids) == 8
        assert data.select("treated_with(tretinoin) and fusion(RARA)").patient_ids == [
            "TCGA-AB-2803"
        ]


def test_unknown_attribute_points_at_the_token(ws):
    with pytest.raises(CohortEvaluationError) as info:
        define_cohort(ws, "bad", "mutated(FLT3) and FAB_CLASIFICATION = M3")
    assert info.value.token == "FAB_CLASIFICATION"
    assert "did you mean FAB_CLASSIFICATION" in str(info.value)
    with pytest.raises(CohortEvaluationError) as info:
        define_cohort(ws, "bad", "FAB_CLASSIFICATION >= M3")
    assert "text attribute" in str(info.value)
    assert all(c.name != "bad" for c in list_cohorts(ws))


def test_saved_cohort_records_versions_and_stays_reproducible(tmp_path):
    ws = Workspace.create(tmp_path / "ws", build="GRCh37")
    ingest_cbioportal(ws, STUDY)
    cohort, _ = define_cohort(ws, "dnmt3a", "mutated(DNMT3A)", description="DNMT3A-mutant AML")
    assert cohort.table_versions == {
        k: v for k, v in ws.versions().items() if k not in ("cohorts", "ingests")
    }
    assert cohort.n_patients == 48
    with pytest.raises(CohortError, match="exists"):
        define_cohort(ws, "dnmt3a", "mutated(NPM1)")
    # new outcomes arrive: the saved cohort is stale but reads the versions it was defined on
    (tmp_path / "os.csv").write_text("patient_id,endpoint,months,event\nTCGA-AB-2802,pfs,3.0,1\n")
    from genomed.store.ingest_clinical import ingest_clinical

    ingest_clinical(ws, "outcomes", tmp_path / "os.csv")
    saved = get_cohort(ws, "dnmt3a")
    assert saved.stale_tables(ws) == ["outcomes"]
    with pytest.raises(Exception, match="no pfs outcomes"):
        survival_analysis(ws, "dnmt3a", endpoint="pfs")
    redefined, _ = define_cohort(ws, "dnmt3a", "mutated(DNMT3A)", replace=True)
    assert redefined.stale_tables(ws) == []
    assert len(list_cohorts(ws)) == 1
    assert survival_analysis(ws, "dnmt3a", endpoint="pfs").groups["patients"].tolist() == [1]


def test_alteration_index_is_cached_per_snapshot_and_follows_new_data(tmp_path):
    # the per-snapshot index of alterations (cohort.alteration_index) must give the counts of
    # the snapshot asked for: one cached index per snapshot, a new one after an ingest, the
    # saved cohort still counted on its own versions, and a read-only workspace still served
    ws = Workspace.create(tmp_path / "ws", build="GRCh37")
    ingest_cbioportal(ws, STUDY)
    define_cohort(ws, "everyone", "all")
    cache = ws.path / "cache" / "alterations"

    def dnmt3a(cohort: str) -> int:
        freq = gene_frequencies(ws, cohort, genes=["DNMT3A"])
        return int(freq.set_index("alteration").loc["mutation", "altered"])

    assert dnmt3a("everyone") == 48
    first = sorted(p.name for p in cache.iterdir())
    assert len(first) == 1
    assert dnmt3a("everyone") == 48
    assert sorted(p.name for p in cache.iterdir()) == first  # reused, not rebuilt
    # a new patient with a DNMT3A R882H (a MAF of one line) -> a new snapshot
    maf = tmp_path / "new.maf"
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
        "Tumor_Sample_Barcode\tVariant_Classification\tHGVSp_Short\tNCBI_Build\n"
        "DNMT3A\t2\t25457242\tC\tT\tNEW-PATIENT-01\tMissense_Mutation\tp.R882H\tGRCh37\n"
    )
    ingest_maf(ws, maf)
    ws.reload()
    assert dnmt3a("all") == 49
    assert dnmt3a("everyone") == 48  # the saved cohort reads the versions it was defined on
    assert len(list(cache.iterdir())) == 2
    # where no index can be written (here a file blocks the cache directory; tests run as
    # root, so permissions would not stop them) it is built in memory: same answer
    shutil.rmtree(cache)
    cache.write_text("not a directory")
    assert dnmt3a("all") == 49
    assert cache.is_file()


# -- survival ---------------------------------------------------------------------------------


def km(times: np.ndarray, events: np.ndarray):
    """Kaplan-Meier by hand: distinct event times, S(t), Greenwood sum d/(n(n-d))."""
    out_t, out_s, out_v = [], [], []
    s, v = 1.0, 0.0
    for t in np.unique(times[events]):
        n = (times >= t).sum()
        d = ((times == t) & events).sum()
        s *= 1 - d / n
        v += d / (n * (n - d)) if n > d else np.inf
        out_t.append(t)
        out_s.append(s)
        out_v.append(v)
    return np.array(out_t), np.array(out_s), np.array(out_v)


def median_and_ci(times, events):
    t, s, v = km(times, events)
    median = t[np.argmax(s <= 0.5)] if (s <= 0.5).any() else None
    with np.errstate(divide="ignore", invalid="ignore"):
        # log(-log S) interval ("exponential Greenwood"): S ** exp(-/+ z * sqrt(v) / log S)
        half = 1.959963984540054 * np.sqrt(v) / np.abs(np.log(s))
        lower = s ** np.exp(half)
        upper = s ** np.exp(-half)
    lo = t[np.argmax(lower <= 0.5)] if (lower <= 0.5).any() else None
    hi = t[np.argmax(upper <= 0.5)] if (upper <= 0.5).any() else None
    return median, lo, hi


def log_rank(times, events, group):
    """Two-group log-rank chi-squared by hand (hypergeometric variance)."""
    observed = expected = variance = 0.0
    for t in np.unique(times[events]):
        at_risk = times >= t
        n, n1 = at_risk.sum(), (at_risk & group).sum()
        d = ((times == t) & events).sum()
        d1 = ((times == t) & events & group).sum()
        observed += d1
        expected += d * n1 / n
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    chi2 = (observed - expected) ** 2 / variance
    return chi2, stats.chi2.sf(chi2, 1)


def test_dnmt3a_survival_equals_a_hand_computation(ws, raw):
    patients = sorted(raw["os"])
    times = np.array([raw["os"][p][0] for p in patients])
    events = np.array([raw["os"][p][1] for p in patients])
    mutant = np.array([p in raw["mutated"]["DNMT3A"] for p in patients])
    chi2, p = log_rank(times, events, mutant)
    result = survival_analysis(ws, "laml", by="mutated(DNMT3A)")
    assert result.logrank["statistic"] == pytest.approx(chi2, rel=1e-9)
    assert result.logrank["p"] == pytest.approx(p, rel=1e-9)
    groups = result.groups.set_index("group")
    for label, mask in (("mutated(DNMT3A)", mutant), ("not mutated(DNMT3A)", ~mutant)):
        median, lo, hi = median_and_ci(times[mask], events[mask])
        row = groups.loc[label]
        assert (row["patients"], row["events"]) == (mask.sum(), events[mask].sum())
        assert row["median"] == pytest.approx(median)
        assert row["median_lower"] == pytest.approx(lo)
        assert row["median_upper"] == pytest.approx(hi)
    assert groups.loc["mutated(DNMT3A)", ["patients", "events"]].tolist() == [45, 35]
    assert result.excluded == 12  # days_to_last_followup -Inf in the source
    assert (
        result.cox.iloc[0]["hazard_ratio"] > 1
        and result.cox.iloc[0]["term"] == "group=mutated(DNMT3A)"
    )


def test_survival_by_attribute_has_one_curve_per_value(ws, raw):
    result = survival_analysis(ws, "laml", by="FAB_CLASSIFICATION")
    counts = defaultdict(int)
    for p in raw["os"]:
        if raw["fab"][p] != "NA":
            counts[raw["fab"][p]] += 1
    assert dict(zip(result.groups["group"], result.groups["patients"], strict=True)) == counts
    assert result.logrank["df"] == len(counts) - 1


# -- oncoprint, lollipop, co-occurrence, comparison ---------------------------------------------


def test_oncoprint_events_and_memo_sort(ws, raw):
    result = oncoprint(ws, "laml", top=4)
    assert result.genes == ["FLT3", "DNMT3A", "NPM1", "IDH2"]
    per_gene = (
        result.events[result.events["alteration"] == "mutation"]
        .groupby("gene")["patient_id"]
        .nunique()
    )
    assert per_gene.to_dict() == {g: len(raw["mutated"][g]) for g in result.genes}
    # memo sort: the first 52 patients are the FLT3-mutant ones, DNMT3A-mutant first among them
    flt3 = raw["mutated"]["FLT3"]
    assert set(result.patients[:52]) == flt3
    both = flt3 & raw["mutated"]["DNMT3A"]
    assert set(result.patients[: len(both)]) == both
    assert len(result.patients) == 200


def test_lollipop_counts_protein_changes(ws, raw):
    result = lollipop(ws, "laml", "DNMT3A")
    changes = result.changes.groupby("protein_change")["patients"].sum()
    expected = defaultdict(set)
    for r in raw["mutations"]:
        if (
            r["Hugo_Symbol"] == "DNMT3A"
            and r["Variant_Classification"] in NONSYNONYMOUS
            and r["Protein_Change"]
        ):
            expected[r["Protein_Change"][2:]].add(r["Tumor_Sample_Barcode"])
    assert changes.to_dict() == {k: len(v) for k, v in expected.items()}
    assert result.changes.set_index("protein_change").loc["R882H", "position"] == 882
    assert result.mutated_patients == 48


def test_cooccurrence_tables_equal_counts_from_the_maf(ws, raw):
    frame = cooccurrence(ws, "laml", genes=["DNMT3A", "NPM1", "IDH2"])
    row = frame[(frame["gene_a"] == "DNMT3A") & (frame["gene_b"] == "NPM1")].iloc[0]
    a, b = raw["mutated"]["DNMT3A"], raw["mutated"]["NPM1"]
    both, a_only, b_only = len(a & b), len(a - b), len(b - a)
    neither = 200 - both - a_only - b_only
    assert [row["neither"], row["a_only"], row["b_only"], row["both"]] == [
        neither,
        a_only,
        b_only,
        both,
    ]
    assert row["p"] == pytest.approx(
        stats.fisher_exact([[both, a_only], [b_only, neither]], alternative="greater")[1]
    )
    assert row["log2_odds_ratio"] == pytest.approx(np.log2(both * neither / (a_only * b_only)))
    assert row["tendency"] == "co-occurrence"


def test_compare_enrichment(ws, raw):
    result = compare_cohorts(ws, ["mutated(NPM1)", "not mutated(NPM1)"], names=["npm1", "wt"])
    genes = result.alterations.set_index("gene")
    dnmt3a = genes.loc["DNMT3A"]
    a = len(raw["mutated"]["DNMT3A"] & raw["mutated"]["NPM1"])
    b = len(raw["mutated"]["DNMT3A"] - raw["mutated"]["NPM1"])
    assert dnmt3a[["npm1_altered", "npm1_profiled", "wt_altered", "wt_profiled"]].tolist() == [
        a,
        33,
        b,
        167,
    ]
    assert dnmt3a["p"] == pytest.approx(stats.fisher_exact([[a, 33 - a], [b, 167 - b]])[1])
    assert genes.loc["NPM1", "p"] == genes["p"].min()
    assert result.overlap == 0
    assert (genes["q"] >= genes["p"] - 1e-12).all()
    fab = result.attributes.set_index("attribute").loc["FAB_CLASSIFICATION"]
    assert fab["test"] == "chi-squared"


# -- plots and CLI ------------------------------------------------------------------------------


def test_plots_are_written(ws, tmp_path):
    result = survival_analysis(ws, "laml", by="mutated(DNMT3A)")
    png = save_plot(result, tmp_path / "km.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = save_plot(result, tmp_path / "km.html").read_text()
    assert "plotly" in html and '<script src="http' not in html  # self-contained, nothing fetched
    figure = json.loads(save_plot(result, tmp_path / "km.json").read_text())
    names = [trace.get("name") for trace in figure["data"]]
    assert any(n and n.startswith("mutated(DNMT3A) (n=45") for n in names)
    for make in (lambda: oncoprint(ws, "laml", top=5), lambda: lollipop(ws, "laml", "FLT3")):
        assert save_plot(make(), tmp_path / "x.png").stat().st_size > 1000


def test_cli_define_list_show_genes_survival(ws, tmp_path):
    runner = CliRunner()
    w = ["-w", str(ws.path)]
    out = runner.invoke(
        app, ["cohort", "define", "old", "mutated(DNMT3A) and not mutated(NPM1)", *w]
    )
    assert out.exit_code == 0, out.output
    assert "cohort old: 32 patients" in out.output
    listed = json.loads(runner.invoke(app, ["cohort", "list", "--json", *w]).output)
    assert {c["name"]: c["n_patients"] for c in listed}["old"] == 32
    shown = json.loads(
        runner.invoke(app, ["cohort", "show", "old", "--members", "--json", *w]).output
    )
    assert shown["definition_json"] == {
        "and": [{"mutated": "DNMT3A"}, {"not": {"mutated": "NPM1"}}]
    }
    assert (
        len(shown["patient_ids"]) == 32
        and shown["table_versions"]["calls"] == ws.versions()["calls"]
    )
    genes = json.loads(
        runner.invoke(
            app, ["cohort", "genes", "old", "--genes", "DNMT3A,IDH1", "--json", *w]
        ).output
    )
    rows = {(g["gene"], g["alteration"]): g for g in genes["genes"]}
    assert rows[("DNMT3A", "mutation")]["altered"] == 32
    plot = tmp_path / "km.png"
    out = runner.invoke(
        app, ["cohort", "survival", "laml", "--by", "mutated(DNMT3A)", "-o", str(plot), *w]
    )
    assert out.exit_code == 0, out.output
    assert "log-rank" in out.output and plot.exists()
    surv = json.loads(
        runner.invoke(
            app, ["cohort", "survival", "laml", "--by", "mutated(DNMT3A)", "--json", *w]
        ).output
    )
    assert surv["groups"][0]["patients"] == 45
    out = runner.invoke(app, ["cohort", "define", "x", "mutated(DNMT3A) and (", *w])
    assert out.exit_code == 1
    assert "ends too early" in out.output and "^" in out.output
    for command in (
        ["summary", "laml"],
        ["oncoprint", "laml", "--top", "3"],
        ["lollipop", "laml", "NPM1"],
        ["cooccurrence", "laml", "--top", "4"],
        ["compare", "old", "mutated(NPM1)"],
    ):
        out = runner.invoke(app, ["cohort", *command, *w])
        assert out.exit_code == 0, (command, out.output)
        out = runner.invoke(app, ["cohort", *command, "--json", *w])
        assert out.exit_code == 0 and json.loads(out.output), command


def test_demo_analysis(ws, tmp_path, raw):
    from genomed.cohort.demo_analysis import laml_demo_analysis

    demo = laml_demo_analysis(ws, tmp_path / "plots")
    assert demo.lines[0] == "cohort laml (tumor_type = AML): 200 patients"
    assert demo.lines[1].startswith("most altered genes: FLT3 26%, DNMT3A 24%, NPM1 16%")
    assert (
        demo.lines[-1]
        == f"Kaplan-Meier plot: {tmp_path / 'plots' / 'laml_survival_dnmt3a.png'} (interactive: {tmp_path / 'plots' / 'laml_survival_dnmt3a.html'})"
    )
    assert all(p.exists() for p in demo.plots)
    assert demo.survival.groups["patients"].tolist() == [45, 143]
