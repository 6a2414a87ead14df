"""Benchmark: cohort define + genes + survival at 100,000 patients / 10 million calls.

Generates (once, cached in --dir) a workspace with realistic mutation spectra: per-patient
burdens log-normal (median ~45, a hypermutated tail), driver genes at their pan-cancer
frequencies with hotspot protein changes (TP53 ~35%, KRAS G12/G13, PIK3CA E545K/H1047R,
BRAF V600E, ...), passenger genes weighted by coding length, MAF variant classes in
TCGA proportions (missense ~58%, silent ~24%, ...), 30% of patients on a 468-gene panel
(panel-aware denominators), overall survival with a worse prognosis for TP53-mutant
tumours. Then times, each in a fresh child process (wall time and peak RSS):

- genomed: ``define_cohort`` (parse, evaluate, save), ``gene_frequencies`` (every gene,
  panel-aware; timed twice: the first query of a snapshot builds its alteration index,
  later ones use it), ``survival_analysis --by mutated(TP53)`` (KM, log-rank, Cox);
- pandas: the same three computations written directly in pandas on the same Parquet
  files (read with pandas), with the same lifelines calls for the statistics.

It checks that both give the same cohort, gene counts and log-rank p, and prints the
timings and the ratio (pandas time / genomed time).

    .venv/bin/python benchmarks/cohort.py [--patients 100000] [--calls 10000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _measure import measure

DEFINITION = (
    "age >= 50 and (tumor_type in (LUAD, COAD, BRCA) or mutated(KRAS)) and not mutated(POLE)"
)
BY = "mutated(TP53)"
DAYS_PER_MONTH = 30.4375

#: gene -> (pan-cancer fraction of patients, hotspot protein changes)
DRIVERS = {
    "TP53": (0.35, ["R175H", "R248Q", "R273H", "R248W", "R273C", "G245S", "R282W", "Y220C"]),
    "PIK3CA": (0.13, ["E545K", "H1047R", "E542K", "N345K"]),
    "KRAS": (0.12, ["G12D", "G12V", "G12C", "G13D", "G12A", "Q61H"]),
    "APC": (0.07, ["R1450*", "E1309fs", "R876*", "R1114*"]),
    "PTEN": (0.06, ["R130Q", "R130*", "R233*"]),
    "BRAF": (0.06, ["V600E", "V600K", "G469A"]),
    "EGFR": (0.05, ["L858R", "E746_A750del", "T790M", "G719S"]),
    "ARID1A": (0.07, ["Q1334fs", "R1989*"]),
    "KMT2D": (0.08, ["P2354fs"]),
    "NRAS": (0.03, ["Q61R", "Q61K", "G12D"]),
    "IDH1": (0.03, ["R132H", "R132C"]),
    "CTNNB1": (0.03, ["S45F", "S33C", "T41A"]),
    "FBXW7": (0.03, ["R465C", "R505G"]),
    "SMAD4": (0.03, ["R361H"]),
    "CDKN2A": (0.04, ["H83Y", "R80*"]),
    "DNMT3A": (0.02, ["R882H", "R882C"]),
    "NPM1": (0.01, ["W288fs"]),
    "POLE": (0.02, ["P286R", "V411L"]),
    "ERBB2": (0.03, ["S310F", "L755S"]),
    "NF1": (0.05, ["R1276*"]),
}
TUMOR_TYPES = {
    "LUAD": 0.14,
    "BRCA": 0.15,
    "COAD": 0.11,
    "PRAD": 0.08,
    "SKCM": 0.06,
    "BLCA": 0.06,
    "UCEC": 0.06,
    "HNSC": 0.06,
    "GBM": 0.05,
    "PAAD": 0.05,
    "AML": 0.04,
    "STAD": 0.07,
    "OV": 0.07,
}
VARIANT_CLASSES = {
    "Missense_Mutation": 0.58,
    "Silent": 0.24,
    "Nonsense_Mutation": 0.05,
    "Frame_Shift_Del": 0.025,
    "Frame_Shift_Ins": 0.01,
    "Splice_Site": 0.02,
    "In_Frame_Del": 0.008,
    "In_Frame_Ins": 0.002,
    "3'UTR": 0.025,
    "5'UTR": 0.01,
    "Intron": 0.02,
    "RNA": 0.005,
    "Nonstop_Mutation": 0.001,
    "Translation_Start_Site": 0.001,
    "5'Flank": 0.003,
}
CLASS_OF_HOTSPOT = {"*": "Nonsense_Mutation", "fs": "Frame_Shift_Del", "del": "In_Frame_Del"}
AMINO = np.array(list("ACDEFGHIKLMNPQRSTVWY"))
N_GENES = 18_000
PANEL_GENES = 468
PANEL_FRACTION = 0.30


# -- generation ------------------------------------------------------------------------------


def generate(path: Path, n_patients: int, n_calls: int, seed: int = 7) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from genomed.store.workspace import Workspace

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    genes = np.array(list(DRIVERS) + [f"G{i:05d}" for i in range(N_GENES - len(DRIVERS))])
    lengths = rng.lognormal(np.log(450), 0.6, len(genes)).astype(int) + 50  # protein length, aa
    chroms = np.array([str(c) for c in range(1, 23)] + ["X"])[rng.integers(0, 23, len(genes))]
    panel = np.zeros(len(genes), bool)
    panel[: len(DRIVERS)] = True
    panel[
        rng.choice(np.arange(len(DRIVERS), len(genes)), PANEL_GENES - len(DRIVERS), replace=False)
    ] = True

    patients = np.array([f"P{i:06d}" for i in range(n_patients)])
    samples = np.char.add(patients, "-T")
    on_panel = rng.random(n_patients) < PANEL_FRACTION
    types = rng.choice(
        list(TUMOR_TYPES),
        n_patients,
        p=np.array(list(TUMOR_TYPES.values())) / sum(TUMOR_TYPES.values()),
    )
    age = np.clip(rng.normal(63, 12, n_patients), 18, 95).round(0)

    # drivers: one hotspot-or-other call per affected patient
    d_patient, d_gene, d_change = [], [], []
    for g, (freq, hotspots) in DRIVERS.items():
        hit = np.flatnonzero(rng.random(n_patients) < freq)
        d_patient.append(hit)
        d_gene.append(np.full(len(hit), list(DRIVERS).index(g)))
        d_change.append(
            rng.choice(hotspots + [""], len(hit), p=[0.6 / len(hotspots)] * len(hotspots) + [0.4])
        )
    d_patient, d_gene, d_change = (np.concatenate(x) for x in (d_patient, d_gene, d_change))

    # passengers: log-normal burden (panel samples see only panel genes), total = n_calls
    burden = rng.lognormal(np.log(45), 1.1, n_patients) * np.where(
        on_panel, PANEL_GENES / N_GENES * 3, 1
    )
    burden = 1 + rng.multinomial(n_calls - len(d_patient) - n_patients, burden / burden.sum())
    p_patient = np.repeat(np.arange(n_patients), burden)
    weights = lengths / lengths.sum()
    p_gene = rng.choice(len(genes), len(p_patient), p=weights)
    panel_idx = np.flatnonzero(panel)
    on = on_panel[p_patient]
    p_gene[on] = rng.choice(panel_idx, on.sum(), p=weights[panel_idx] / weights[panel_idx].sum())

    patient_of = np.concatenate([d_patient, p_patient])
    gene_of = np.concatenate([d_gene, p_gene])
    n = len(patient_of)
    classes = np.array(list(VARIANT_CLASSES))
    cls = rng.choice(
        len(classes), n, p=np.array(list(VARIANT_CLASSES.values())) / sum(VARIANT_CLASSES.values())
    )
    position = (rng.random(n) * lengths[gene_of]).astype(np.int64) + 1
    ref_aa = AMINO[rng.integers(0, 20, n)]
    alt_aa = AMINO[rng.integers(0, 20, n)]
    alt_aa = np.where(classes[cls] == "Nonsense_Mutation", "*", alt_aa)
    alt_aa = np.where(np.char.startswith(classes[cls], "Frame_Shift"), "fs", alt_aa)
    alt_aa = np.where(classes[cls] == "Silent", ref_aa, alt_aa)
    protein = pc.binary_join_element_wise(
        pa.array(np.full(n, "p.")),
        pa.array(ref_aa),
        pc.cast(pa.array(position), pa.string()),
        pa.array(alt_aa),
        "",
    ).to_numpy(zero_copy_only=False)
    hot = np.flatnonzero(np.concatenate([d_change != "", np.zeros(len(p_patient), bool)]))
    protein[hot] = np.char.add("p.", d_change[d_change != ""])
    hot_class = np.array(["Missense_Mutation"] * len(hot), dtype=object)
    for suffix, name in CLASS_OF_HOTSPOT.items():
        hot_class[np.char.find(d_change[d_change != ""].astype(str), suffix) >= 0] = name
    cls_names = classes[cls].astype(object)
    cls_names[hot] = hot_class
    # driver calls without a hotspot are nonsynonymous
    other = np.flatnonzero(np.concatenate([d_change == "", np.zeros(len(p_patient), bool)]))
    cls_names[other] = np.where(
        rng.random(len(other)) < 0.7, "Missense_Mutation", "Nonsense_Mutation"
    )

    calls = pa.table(
        {
            "sample_id": pa.array(samples[patient_of]),
            "variant_key": pa.array(rng.integers(1, 2**62, n, dtype=np.int64)),
            "chrom": pa.array(chroms[gene_of]),
            "pos": pa.array(rng.integers(1, 200_000_000, n).astype(np.int32)),
            "alt_count": pa.array(np.ones(n, np.int8)),
            "vaf": pa.array(rng.beta(4, 8, n).astype(np.float32)),
            "origin": pa.array(np.full(n, "somatic")),
            "gene": pa.array(genes[gene_of]),
            "protein_change": pa.array(protein, pa.string()),
            "variant_class": pa.array(cls_names.astype(str)),
            "batch_id": pa.array(np.full(n, "bench")),
        }
    )
    # outcomes: exponential OS, TP53-mutant hazard x1.5, uniform censoring, whole days
    tp53 = np.zeros(n_patients, bool)
    tp53[
        np.unique(
            patient_of[
                (gene_of == 0)
                & np.isin(cls_names, ["Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del"])
            ]
        )
    ] = True
    hazard = 1 / 900 * np.where(tp53, 1.5, 1.0) * np.where(age > 70, 1.3, 1.0)
    death = rng.exponential(1 / hazard)
    censor = rng.uniform(30, 3650, n_patients)
    days = np.round(np.minimum(death, censor))
    ws = Workspace.create(path, build="GRCh38")
    with ws.transaction() as tx:
        tx.append(
            "patients",
            {
                "patient_id": patients,
                "institution_id": rng.choice([f"H{i}" for i in range(5)], n_patients),
                "sex": rng.choice(["female", "male"], n_patients),
                "age_at_diagnosis": age,
            },
        )
        tx.append(
            "samples",
            {
                "sample_id": samples,
                "patient_id": patients,
                "kind": np.full(n_patients, "tumor"),
                "tumor_type": types,
                "batch_id": np.full(n_patients, "bench"),
            },
        )
        tx.append(
            "sample_profiles",
            {
                "sample_id": samples,
                "profile": np.full(n_patients, "mutations"),
                "panel_id": np.where(on_panel, "PANEL468", "WES"),
                "batch_id": np.full(n_patients, "bench"),
            },
        )
        tx.append(
            "gene_panels",
            {
                "panel_id": np.full(PANEL_GENES, "PANEL468"),
                "gene": genes[panel],
                "batch_id": np.full(PANEL_GENES, "bench"),
            },
        )
        tx.append(
            "outcomes",
            {
                "patient_id": patients,
                "endpoint": np.full(n_patients, "os"),
                "months": days / DAYS_PER_MONTH,
                "event": death <= censor,
                "batch_id": np.full(n_patients, "bench"),
            },
        )
        tx.append(
            "clinical_attributes",
            {
                "entity": np.full(n_patients, "patient"),
                "entity_id": patients,
                "attribute": np.full(n_patients, "STAGE"),
                "value_string": rng.choice(["I", "II", "III", "IV"], n_patients),
                "datatype": np.full(n_patients, "STRING"),
                "batch_id": np.full(n_patients, "bench"),
            },
        )
        tx.append("calls", calls)
    (path / "bench.json").write_text(json.dumps({"patients": n_patients, "calls": n, "seed": seed}))
    print(
        f"generated {n_patients:,} patients, {n:,} calls in {time.perf_counter() - started:.0f} s -> {path}",
        file=sys.stderr,
    )


# -- the two implementations -------------------------------------------------------------


def run_genomed(path: Path) -> dict:
    import shutil

    from genomed.cohort import define_cohort, gene_frequencies, survival_analysis
    from genomed.store.workspace import Workspace

    times = {}
    # start from no alteration index, so the first frequency query pays for building it
    shutil.rmtree(path / "cache", ignore_errors=True)
    t = time.perf_counter()
    ws = Workspace.open(path)
    cohort, _ = define_cohort(ws, "bench", DEFINITION, replace=True)
    times["define"] = time.perf_counter() - t
    t = time.perf_counter()
    gene_frequencies(ws, "bench")
    first_genes = time.perf_counter() - t
    t = time.perf_counter()
    freq = gene_frequencies(ws, "bench")
    times["genes"] = time.perf_counter() - t
    t = time.perf_counter()
    result = survival_analysis(ws, "bench", by=BY)
    times["survival"] = time.perf_counter() - t
    any_rows = freq[freq["alteration"] == "any"]
    return {
        "times": times,
        "first_genes": first_genes,
        "patients": cohort.n_patients,
        "genes": {
            g: [int(a), int(p)]
            for g, a, p in zip(
                any_rows["gene"].head(50),
                any_rows["altered"].head(50),
                any_rows["profiled"].head(50),
                strict=True,
            )
        },
        "logrank_p": result.logrank["p"],
        "hazard_ratio": float(result.cox["hazard_ratio"].iloc[0]),
    }


NONSYN = [
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
]


def _read(path: Path, table: str, version: int, columns: list[str]):
    import pandas as pd
    from deltalake import DeltaTable

    files = DeltaTable(path / "tables" / table, version=version).file_uris()
    frames = []
    for f in files:
        part = pd.read_parquet(f, columns=[c for c in columns if c != "chrom"])
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def run_pandas(path: Path) -> dict:
    import pandas as pd
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    times = {}
    versions = json.loads((path / "catalog.json").read_text())["versions"]
    t = time.perf_counter()
    patients = _read(path, "patients", versions["patients"], ["patient_id", "age_at_diagnosis"])
    samples = _read(path, "samples", versions["samples"], ["sample_id", "patient_id", "tumor_type"])
    calls = _read(
        path, "calls", versions["calls"], ["sample_id", "gene", "variant_class", "filter"]
    )
    counted = calls[
        calls["variant_class"].isin(NONSYN)
        & (calls["filter"].isna() | calls["filter"].isin(["PASS", "."]))
    ]
    counted = counted.merge(samples[["sample_id", "patient_id"]], on="sample_id")

    def mutated(gene: str) -> set:
        return set(counted.loc[counted["gene"] == gene, "patient_id"])

    typed = set(samples.loc[samples["tumor_type"].isin(["LUAD", "COAD", "BRCA"]), "patient_id"])
    old = set(patients.loc[patients["age_at_diagnosis"] >= 50, "patient_id"])
    members = sorted((old & (typed | mutated("KRAS"))) - mutated("POLE"))
    times["define"] = time.perf_counter() - t

    t = time.perf_counter()
    profiles = _read(
        path, "sample_profiles", versions["sample_profiles"], ["sample_id", "profile", "panel_id"]
    )
    panels = _read(
        path, "gene_panels", versions["gene_panels"], ["panel_id", "gene"]
    ).drop_duplicates()
    member_samples = samples[samples["patient_id"].isin(members)]
    prof = member_samples.merge(profiles[profiles["profile"] == "mutations"], on="sample_id")
    prof["panel_id"] = prof["panel_id"].where(
        ~prof["panel_id"].str.upper().isin(["WES", "WXS", "WGS"])
    )
    whole = prof.loc[prof["panel_id"].isna(), "patient_id"].nunique()
    on_panel = prof[prof["panel_id"].notna()].merge(panels, on="panel_id")
    per_gene_panel = on_panel.groupby("gene")["patient_id"].nunique()
    alt = counted[counted["patient_id"].isin(members)].merge(
        prof[["sample_id", "panel_id"]], on="sample_id"
    )
    alt = alt.merge(panels.assign(on=True), on=["panel_id", "gene"], how="left")
    alt = alt[alt["panel_id"].isna() | alt["on"].eq(True)]
    altered = alt.groupby("gene")["patient_id"].nunique().sort_values(ascending=False)
    profiled = whole + per_gene_panel.reindex(altered.index).fillna(0).astype(int)
    freq = pd.DataFrame(
        {"gene": altered.index, "altered": altered.to_numpy(), "profiled": profiled.to_numpy()}
    )
    freq["percent"] = 100 * freq["altered"] / freq["profiled"]
    freq = freq.sort_values(["altered", "gene"], ascending=[False, True])
    times["genes"] = time.perf_counter() - t

    t = time.perf_counter()
    outcomes = _read(
        path, "outcomes", versions["outcomes"], ["patient_id", "endpoint", "months", "event"]
    )
    os_ = outcomes[(outcomes["endpoint"] == "os") & outcomes["patient_id"].isin(members)].dropna()
    group = os_["patient_id"].isin(mutated("TP53")).to_numpy()
    months, events = os_["months"].to_numpy(), os_["event"].to_numpy(bool)
    for mask in (group, ~group):
        KaplanMeierFitter().fit(months[mask], events[mask])
    test = logrank_test(months[group], months[~group], events[group], events[~group])
    cox = CoxPHFitter().fit(
        pd.DataFrame({"months": months, "event": events, "g": group.astype(float)}),
        "months",
        "event",
        batch_mode=True,
    )
    times["survival"] = time.perf_counter() - t
    return {
        "times": times,
        "patients": len(members),
        "genes": {
            g: [int(a), int(p)]
            for g, a, p in zip(
                freq["gene"].head(50),
                freq["altered"].head(50),
                freq["profiled"].head(50),
                strict=True,
            )
        },
        "logrank_p": float(test.p_value),
        "hazard_ratio": float(cox.summary["exp(coef)"].iloc[0]),
    }


# -- driver ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "genomed-bench-cohort"
    )
    parser.add_argument("--run", choices=["genomed", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ws_path = args.dir / f"ws-{args.patients}-{args.calls}"
    if args.run:
        result = run_genomed(ws_path) if args.run == "genomed" else run_pandas(ws_path)
        args.result.write_text(json.dumps(result))
        return
    if args.generate:
        generate(ws_path, args.patients, args.calls)
        return
    if not (ws_path / "bench.json").exists():
        # in a child process: Linux carries a process's peak RSS over to the children it
        # starts, so the generator's memory would show up in the measurements below
        common = [
            "--patients",
            str(args.patients),
            "--calls",
            str(args.calls),
            "--dir",
            str(args.dir),
        ]
        measure([sys.executable, __file__, "--generate", *common])
    results, peaks, walls = {}, {}, {}
    for engine in ("genomed", "pandas"):
        out = args.dir / f"{engine}.json"
        m = measure(
            [
                sys.executable,
                __file__,
                "--run",
                engine,
                "--result",
                str(out),
                "--patients",
                str(args.patients),
                "--calls",
                str(args.calls),
                "--dir",
                str(args.dir),
            ]
        )
        results[engine] = json.loads(out.read_text())
        peaks[engine], walls[engine] = m.peak_rss_mb, m.seconds
    g, p = results["genomed"], results["pandas"]
    assert g["patients"] == p["patients"], (g["patients"], p["patients"])
    assert g["genes"] == p["genes"], "gene counts differ"
    assert (
        abs(g["logrank_p"] - p["logrank_p"]) <= 1e-9 * max(1e-300, p["logrank_p"])
        or g["logrank_p"] == p["logrank_p"]
    )
    meta = json.loads((ws_path / "bench.json").read_text())
    print(
        f"cohort benchmark: {meta['patients']:,} patients, {meta['calls']:,} calls; cohort of {g['patients']:,} patients"
    )
    print(
        f"definition: {DEFINITION}; survival by {BY} (HR {g['hazard_ratio']:.3f}, log-rank p {g['logrank_p']:.3g})"
    )
    print(f"{'step':<10}{'genomed s':>12}{'pandas s':>12}{'pandas/genomed':>16}")
    for step in ("define", "genes", "survival"):
        a, b = g["times"][step], p["times"][step]
        print(f"{step:<10}{a:>12.3f}{b:>12.3f}{b / a:>15.1f}x")
    a, b = sum(g["times"].values()), sum(p["times"].values())
    print(f"{'total':<10}{a:>12.3f}{b:>12.3f}{b / a:>15.1f}x")
    first = g["first_genes"]
    print(
        f"genes, first query after a data change (builds the snapshot's alteration index): "
        f"{first:.3f} s ({p['times']['genes'] / first:.1f}x pandas); later queries use the index"
    )
    print(
        f"process wall (incl. imports): genomed {walls['genomed']:.1f} s, pandas {walls['pandas']:.1f} s"
    )
    print(f"peak RSS: genomed {peaks['genomed']:.0f} MB, pandas {peaks['pandas']:.0f} MB")
    print("results agree: cohort size, top-50 gene counts and profiled denominators, log-rank p")


if __name__ == "__main__":
    main()
