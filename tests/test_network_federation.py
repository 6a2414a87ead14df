"""Three real node processes, one hub: federated answers equal the central computation.

The central workspace (demo 1000 Genomes slice + TCGA LAML + phenopackets) is split by
patient into three institution workspaces; each gets its own population database and
runs as ``genomed serve`` on a free loopback port. The hub's pooled allele frequencies
are checked against the central population database and against genotypes counted
directly from the VCF (cyvcf2); its log-rank p and Kaplan-Meier curves against the
cohort module's survival analysis (lifelines) on the central workspace; its Fisher test
against scipy on the central 2x2 table.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
from conftest import DEMO_DATA
from scipy import stats
from test_network_support import GENOMED, NodeProcess, build_central_workspace, small_counts

from genomed.network.access_levels import AccessLevel
from genomed.network.audit_log import read_audit_log, verify_audit_log
from genomed.network.federated_queries import (
    federated_allele_frequency,
    federated_count,
    federated_fisher,
    federated_survival,
)
from genomed.network.hub import ANSWERED, FAILED, REFUSED, TIMED_OUT, NodeEntry, fan_out
from genomed.network.node_config import load_node_config
from genomed.network.tokens import TokenStore
from genomed.network.workspace_split import split_workspace
from genomed.popfreq.database import build_popfreq
from genomed.store.workspace import Workspace

NAMES = ("hospital-a", "hospital-b", "hospital-c")
VCF_PATH = DEMO_DATA / "1000G_phase3_chr1_11697036-11836540.vcf.gz"
PANEL = DEMO_DATA / "integrated_call_samples_v3.20130502.ALL.panel"


class Network:
    def __init__(self, root):
        self.root = root
        self.central = build_central_workspace(root / "central")
        ws = Workspace.open(self.central)
        con = ws.connect()
        patients = [
            r[0] for r in con.sql("SELECT patient_id FROM patients ORDER BY patient_id").fetchall()
        ]
        con.close()
        # an uneven split: 50% / 30% / 20% of patients, by a fixed pseudo-random draw
        rng = np.random.default_rng(7)
        draw = rng.choice(3, size=len(patients), p=[0.5, 0.3, 0.2])
        self.assignment = {p: NAMES[i] for p, i in zip(patients, draw, strict=True)}
        targets = {
            root / name: [p for p in patients if self.assignment[p] == name] for name in NAMES
        }
        split_workspace(self.central, targets)
        build_popfreq(self.central)
        self.tokens: dict[str, dict[str, str]] = {}
        for name in NAMES:
            build_popfreq(root / name)
            store = TokenStore(load_node_config(root / name).tokens_path)
            self.tokens[name] = {
                level: store.create(AccessLevel.parse(level), label="hub")[0]
                for level in ("public", "registered", "controlled")
            }
        self.processes = {name: NodeProcess(root / name, root / f"{name}.log") for name in NAMES}
        for process in self.processes.values():
            process.wait_ready()

    def nodes(self, level: str, timeout: float = 30.0) -> list[NodeEntry]:
        return [NodeEntry(n, self.processes[n].url, self.tokens[n][level], timeout) for n in NAMES]

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = Network(tmp_path_factory.mktemp("network"))
    yield net
    net.stop()


# -- independent references ------------------------------------------------------------------


def vcf_counts(rsid: str) -> dict[str, dict[str, int]]:
    """AC / AN / nhomalt per group of a biallelic 1000 Genomes site, counted with cyvcf2."""
    from cyvcf2 import VCF

    with open(PANEL) as handle:
        panel = {r["sample"]: r for r in csv.DictReader(handle, delimiter="\t")}
    vcf = VCF(str(VCF_PATH))
    samples = vcf.samples
    for record in vcf:
        if rsid != record.ID:
            continue
        assert len(record.ALT) == 1
        out: dict[str, dict[str, int]] = {}
        for sample, gt in zip(samples, record.genotypes, strict=True):
            alleles = [a for a in gt[:-1] if a >= 0]
            groups = ["all", panel[sample]["pop"], panel[sample]["super_pop"]]
            for g in groups:
                c = out.setdefault(g, {"ac": 0, "an": 0, "nhomalt": 0})
                c["ac"] += sum(a == 1 for a in alleles)
                c["an"] += len(alleles)
                c["nhomalt"] += int(len(alleles) == 2 and all(a == 1 for a in alleles))
        return out
    raise AssertionError(f"{rsid} not in the VCF")


def central_counts(network, variant: str) -> dict[str, dict]:
    chrom, pos, ref, alt = variant.split("-")
    con = Workspace.open(network.central).connect()
    rows = con.execute(
        "SELECT grp, ac, an, nhomalt FROM popfreq_counts c JOIN variants v USING (variant_key) "
        "WHERE v.chrom = ? AND v.pos = ? AND v.ref = ? AND v.alt = ?",
        [chrom, int(pos), ref, alt],
    ).fetchall()
    con.close()
    return {g: {"ac": ac, "an": an, "nhomalt": nh} for g, ac, an, nh in rows}


def common_variants(network, n: int = 4) -> list[tuple[str, str]]:
    con = Workspace.open(network.central).connect()
    rows = con.sql(
        "SELECT v.chrom || '-' || v.pos || '-' || v.ref || '-' || v.alt, v.rsid "
        "FROM popfreq_counts c JOIN variants v USING (variant_key) "
        "WHERE c.grp = 'all' AND c.ac BETWEEN 300 AND 2000 AND v.rsid IS NOT NULL "
        "AND length(v.ref) = 1 AND length(v.alt) = 1 ORDER BY v.pos LIMIT " + str(n)
    ).fetchall()
    con.close()
    return rows


# -- pooled allele frequencies -----------------------------------------------------------------


def test_pooled_allele_frequencies_equal_the_central_database_and_the_vcf(network):
    variants = common_variants(network)
    assert len(variants) == 4
    for variant, rsid in variants:
        result = federated_allele_frequency(network.nodes("registered"), variant)
        assert [n["status"] for n in result["nodes"]] == [ANSWERED] * 3
        assert result["used"] == sorted(NAMES)
        pooled = result["pooled"]["populations"]
        central = central_counts(network, variant)
        direct = vcf_counts(rsid)
        compared = 0
        for group in ("all", "EAS", "SAS", "EUR", "AFR", "AMR", "CHB", "JPT", "GIH"):
            for key in ("ac", "an", "nhomalt"):
                if pooled[group][key] is None:  # a node withheld a count 1..4 of this group
                    assert key in pooled[group]["withheld_by"]
                    continue
                assert pooled[group][key] == central[group][key] == direct[group][key], (group, key)
                compared += 1
            if pooled[group]["af"] is not None:
                assert pooled[group]["af"] == central[group]["ac"] / central[group]["an"]
        assert pooled["all"]["af"] is not None and compared >= 15
        assert small_counts(result) == []


def test_rare_allele_is_exact_at_controlled_level_and_marked_inexact_at_registered(network):
    con = Workspace.open(network.central).connect()
    (variant,) = con.sql(
        "SELECT v.chrom || '-' || v.pos || '-' || v.ref || '-' || v.alt FROM popfreq_counts c "
        "JOIN variants v USING (variant_key) WHERE c.grp = 'all' AND c.ac = 3 ORDER BY v.pos LIMIT 1"
    ).fetchall()[0]
    con.close()
    registered = federated_allele_frequency(network.nodes("registered"), variant)
    assert small_counts(registered) == []
    assert registered["pooled"]["populations"]["all"]["ac"] is None
    assert registered["pooled"]["populations"]["all"]["af"] is None
    assert "ac" in registered["pooled"]["populations"]["all"]["withheld_by"]
    controlled = federated_allele_frequency(network.nodes("controlled"), variant)
    central = central_counts(network, variant)
    for group, counts in central.items():
        got = controlled["pooled"]["populations"][group]
        assert got["exact"] and {k: got[k] for k in ("ac", "an", "nhomalt")} == counts


# -- survival and 2x2 --------------------------------------------------------------------------


def test_pooled_logrank_and_kaplan_meier_equal_the_cohort_module_on_the_union(network):
    from genomed.cohort import survival_analysis

    groups = {"mutated(FLT3)": "mutated(FLT3)", "not mutated(FLT3)": "not mutated(FLT3)"}
    result = federated_survival(network.nodes("controlled"), groups)
    assert [n["status"] for n in result["nodes"]] == [ANSWERED] * 3
    central = survival_analysis(Workspace.open(network.central), "all", by="mutated(FLT3)")
    assert result["logrank"]["chi2"] == pytest.approx(central.logrank["statistic"], rel=1e-9)
    assert result["logrank"]["p"] == pytest.approx(central.logrank["p"], rel=1e-9)
    sizes = dict(zip(central.groups["group"], central.groups["patients"], strict=True))
    for name in groups:
        pooled = result["pooled_sizes"][name]
        assert pooled["exact"] and pooled["count"] == sizes[name]
        curve = central.curves[name]
        km = result["kaplan_meier"][name]
        expected = dict(zip(curve["time"], curve["survival"], strict=True))
        for t, s in zip(km["time"], km["survival"], strict=True):
            assert s == pytest.approx(expected[t], rel=1e-12)
        assert min(km["at_risk"]) >= 5  # rows with fewer at risk are not published


def test_stratified_logrank_at_registered_level_equals_a_direct_stratified_computation(network):
    groups = {"flt3": "mutated(FLT3)", "wt": "not mutated(FLT3)"}
    result = federated_survival(network.nodes("registered"), groups)
    assert "tables" not in json.dumps(result["nodes"])
    assert "logrank" not in result and "kaplan_meier" not in result  # tables need controlled
    con = Workspace.open(network.central).connect()
    flt3 = {
        r[0]
        for r in con.sql(
            "SELECT DISTINCT s.patient_id FROM calls c JOIN samples s USING (sample_id) WHERE c.gene = 'FLT3'"
        ).fetchall()
    }
    rows = con.sql(
        "SELECT patient_id, months, event FROM outcomes WHERE endpoint = 'os' AND months IS NOT NULL AND event IS NOT NULL"
    ).fetchall()
    con.close()
    months = np.array([r[1] for r in rows], dtype=float)
    event = np.array([bool(r[2]) for r in rows])
    in_a = np.array([r[0] in flt3 for r in rows])
    node = np.array([network.assignment[r[0]] for r in rows])
    u = v = 0.0
    for stratum in NAMES:
        s = node == stratum
        for t in np.unique(months[s & event]):
            at = s & (months >= t)
            n, n_a = at.sum(), (at & in_a).sum()
            dead = s & (months == t) & event
            d, d_a = dead.sum(), (dead & in_a).sum()
            u += d_a - d * n_a / n
            if n > 1:
                v += d * (n - d) / (n - 1) * n_a / n * (1 - n_a / n)
    assert result["stratified_logrank"]["chi2"] == pytest.approx(u * u / v, rel=1e-9)
    assert result["stratified_logrank"]["p"] == pytest.approx(stats.chi2.sf(u * u / v, 1), rel=1e-9)


def test_pooled_fisher_equals_scipy_on_the_central_table(network):
    result = federated_fisher(
        network.nodes("controlled"), "mutated(FLT3)", "mutated(NPM1)", cohort="tumor_type = AML"
    )
    # the same definitions evaluated centrally, on the undivided workspace
    from genomed.cohort import select_patients

    con = Workspace.open(network.central).connect()
    aml = set(select_patients(con, "tumor_type = AML").patient_ids)
    flt3 = set(select_patients(con, "mutated(FLT3)").patient_ids) & aml
    npm1 = set(select_patients(con, "mutated(NPM1)").patient_ids) & aml
    con.close()
    table = [[len(flt3 & npm1), len(flt3 - npm1)], [len(npm1 - flt3), len(aml - flt3 - npm1)]]
    assert result["pooled"]["table"] == table
    assert result["pooled"]["p"] == pytest.approx(stats.fisher_exact(table)[1], rel=1e-12)


def test_pooled_counts_equal_central_counts(network):
    result = federated_count(
        network.nodes("registered"), filters=[{"id": "population", "operator": "=", "value": "CHB"}]
    )
    with open(PANEL) as handle:
        from cyvcf2 import VCF

        in_vcf = set(VCF(str(VCF_PATH)).samples)
        chb = sum(
            1
            for r in csv.DictReader(handle, delimiter="\t")
            if r["pop"] == "CHB" and r["sample"] in in_vcf
        )
    assert result["pooled"] == {"exact": True, "count": chb}
    assert sum(result["per_node"].values()) == chb


# -- failures, refusals, privacy, audit ------------------------------------------------------


def test_slow_node_times_out_and_a_node_killed_mid_query_is_reported_failed(network, tmp_path):
    slow = tmp_path / "slow"
    shutil.copytree(network.root / "hospital-c", slow)
    (slow / "node" / "node.json").write_text(json.dumps({"testing": {"delay_seconds": 3}}))
    process = NodeProcess(slow, tmp_path / "slow.log")
    try:
        process.wait_ready()
        nodes = network.nodes("registered")[:2] + [
            NodeEntry("slow", process.url, network.tokens["hospital-c"]["registered"], 30.0)
        ]
        timed = federated_count(nodes, filters=["NCIT:C16576"], timeout=1.0)
        assert [n["status"] for n in timed["nodes"]] == [ANSWERED, ANSWERED, TIMED_OUT]
        results = {}
        worker = threading.Thread(
            target=lambda: results.update(federated_count(nodes, filters=["NCIT:C16576"]))
        )
        worker.start()
        time.sleep(1.0)  # the slow node holds the request
        process.kill()
        worker.join(timeout=30)
        statuses = {n["node"]: n["status"] for n in results["nodes"]}
        assert statuses == {"hospital-a": ANSWERED, "hospital-b": ANSWERED, "slow": FAILED}
        assert results["used"] == ["hospital-a", "hospital-b"]
        both = federated_count(network.nodes("registered")[:2], filters=["NCIT:C16576"])
        assert results["pooled"] == both["pooled"]
    finally:
        process.stop()


def test_public_tokens_cannot_obtain_records_from_any_node(network):
    nodes = network.nodes("public")
    for path, body in [
        ("/beacon/v2/individuals", {"query": {"requestedGranularity": "record"}}),
        ("/beacon/v2/biosamples", {"query": {"requestedGranularity": "record"}}),
        (
            "/beacon/v2/g_variants",
            {
                "query": {
                    "requestedGranularity": "record",
                    "requestParameters": {
                        "referenceName": "1",
                        "start": [11742000],
                        "end": [11800000],
                    },
                }
            },
        ),
        ("/beacon/v2/individuals/HG00096", {}),
        ("/beacon/v2/individuals/HG00096/g_variants", {}),
        ("/beacon/v2/individuals", {"query": {"requestedGranularity": "count"}}),
        (
            "/genomed/v1/survival",
            {"groups": {"a": "mutated(FLT3)", "b": "not mutated(FLT3)"}, "tables": True},
        ),
    ]:
        for answer in fan_out(nodes, "POST", path, body):
            assert answer.status == REFUSED and answer.http_status == 403, (path, answer)
            assert set(answer.body) == {"meta", "error"}
    booleans = fan_out(nodes, "GET", "/beacon/v2/individuals", params={"filters": "NCIT:C16576"})
    assert all(
        a.status == ANSWERED and a.body["responseSummary"] == {"exists": True} for a in booleans
    )


def test_counts_below_threshold_never_leave_a_node_at_public_or_registered_level(network):
    rare_queries = [
        ("GET", "/beacon/v2/individuals", {"filters": "HP:0001250"}, None),
        ("GET", "/beacon/v2/individuals", {"filters": "HP:0000118"}, None),
        ("GET", "/beacon/v2/biosamples", {"filters": "FAB_CLASSIFICATION=M7"}, None),
        ("GET", "/beacon/v2/g_variants", {"geneId": "DNMT3A", "aminoacidChange": "R882H"}, None),
        (
            "GET",
            "/beacon/v2/g_variants",
            {"referenceName": "1", "start": "11742782", "end": "11742900"},
            None,
        ),
        ("GET", "/beacon/v2/g_variants/1-11742783-A-G/individuals", {}, None),
        ("GET", "/beacon/v2/datasets", {}, None),
        ("POST", "/genomed/v1/allele_counts", None, {"variant": "1-11742783-A-G"}),
        (
            "POST",
            "/genomed/v1/contingency",
            None,
            {"row": "mutated(IDH1)", "column": "mutated(IDH2)"},
        ),
        (
            "POST",
            "/genomed/v1/survival",
            None,
            {"groups": {"m7": "FAB_CLASSIFICATION = M7", "m4": "FAB_CLASSIFICATION = M4"}},
        ),
    ]
    seen_withheld = 0
    for level in ("public", "registered"):
        nodes = network.nodes(level)
        for method, path, params, body in rare_queries:
            if (
                params is not None
                and level == "registered"
                and path.endswith(("individuals", "biosamples", "g_variants"))
            ):
                params = dict(params, requestedGranularity="count")
            for answer in fan_out(nodes, method, path, payload=body, params=params):
                assert answer.status in (ANSWERED, REFUSED), answer
                assert small_counts(answer.body) == [], (level, path, answer.node, answer.body)
                seen_withheld += "below_threshold" in json.dumps(answer.body)
    assert seen_withheld >= 10


def test_every_query_is_in_each_nodes_audit_log(network):
    logs = {n: network.root / n / "node" / "audit.jsonl" for n in NAMES}
    before = {n: len(list(read_audit_log(p))) for n, p in logs.items()}
    nodes = network.nodes("registered")
    federated_count(nodes, filters=["NCIT:C20197"])
    federated_survival(nodes, {"a": "mutated(DNMT3A)", "b": "not mutated(DNMT3A)"})
    fan_out(
        nodes, "GET", "/beacon/v2/individuals", params={"requestedGranularity": "record"}
    )  # 403
    fan_out(
        [NodeEntry(n, network.processes[n].url, None) for n in NAMES],
        "GET",
        "/beacon/v2/individuals",
    )  # 401
    hub_tokens = {n: network.tokens[n]["registered"].split("_")[1] for n in NAMES}
    for name, path in logs.items():
        entries = list(read_audit_log(path))
        new = entries[before[name] :]
        assert [(e["endpoint"], e["status"]) for e in new] == [
            ("/beacon/v2/individuals", 200),
            ("/genomed/v1/survival", 200),
            ("/beacon/v2/individuals", 403),
            ("/beacon/v2/individuals", 401),
        ]
        assert [e["token"] for e in new[:3]] == [hub_tokens[name]] * 3
        assert new[3]["token"] == "unidentified"
        assert "numTotalResults" in new[0]["returned"]
        assert verify_audit_log(path)[1] is None
        text = path.read_text()
        assert all(
            p not in text
            for p, n in network.assignment.items()
            if n == name and p.startswith(("HG", "NA", "TCGA"))
        )


def test_cli_hub_add_and_query(network, tmp_path):
    env_file = tmp_path / "network.json"
    for name in NAMES:
        subprocess.run(
            [
                GENOMED,
                "network",
                "add",
                name,
                network.processes[name].url,
                "--token",
                network.tokens[name]["registered"],
                "--network-file",
                str(env_file),
            ],
            check=True,
            capture_output=True,
        )
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    out = subprocess.run(
        [
            GENOMED,
            "network",
            "query",
            "count",
            "--filter",
            "population=CHB|population=JPT",
            "--network-file",
            str(env_file),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out)
    direct = federated_count(
        network.nodes("registered"),
        filters=[
            {
                "or": [
                    {"id": "population", "operator": "=", "value": "CHB"},
                    {"id": "population", "operator": "=", "value": "JPT"},
                ]
            }
        ],
    )
    assert result["pooled"] == direct["pooled"] and result["pooled"]["exact"]
    survival = subprocess.run(
        [
            GENOMED,
            "network",
            "query",
            "survival",
            "--by",
            "mutated(NPM1)",
            "--network-file",
            str(env_file),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "log-rank stratified by node" in survival and "answered" in survival
