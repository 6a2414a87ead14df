"""The population database on the 1000 Genomes chr1 subset, checked against the file's own
published super-population AFs and against bcftools +fill-tags per population."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PANEL, THOUSAND_GENOMES, run_tool
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.popfreq.database import build_popfreq
from genomed.popfreq.lookup import lookup
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

SUPER_POPULATIONS = ("EAS", "EUR", "AFR", "AMR", "SAS")


@pytest.fixture(scope="module")
def popfreq_ws(tmp_path_factory) -> Path:
    """The 2,504 genomes ingested with their panel and the database built from it."""
    ws_dir = tmp_path_factory.mktemp("popfreq") / "ws"
    ingest_vcf(ws_dir, THOUSAND_GENOMES, VcfIngestOptions(build="GRCh37", sample_map=PANEL))
    result = build_popfreq(ws_dir)
    assert result.samples_counted == 2504 and result.alleles == 4296
    return ws_dir


def _counts(ws_dir: Path, where: str = "TRUE") -> dict[tuple[int, str, str, str], tuple]:
    rows = (
        Workspace.open(ws_dir)
        .connect()
        .sql(
            "SELECT v.pos, v.ref, v.alt, c.grp, c.ac, c.an, c.nhomalt FROM popfreq_counts c "
            f"JOIN variants v USING (variant_key) WHERE {where}"
        )
        .fetchall()
    )
    return {(p, r, a, g): (ac, an, hom) for p, r, a, g, ac, an, hom in rows}


def test_super_population_af_equals_published_info(popfreq_ws: Path) -> None:
    """EAS_AF, EUR_AF, AFR_AF, AMR_AF, SAS_AF in the VCF (printed to 4 decimals) are what
    our adj AF rounds to, for every allele."""
    fmt = "%POS\t%REF\t%ALT\t" + "\t".join(f"%{s}_AF" for s in SUPER_POPULATIONS) + "\n"
    published = run_tool("bcftools", "query", "-f", fmt, str(THOUSAND_GENOMES)).splitlines()
    counts = _counts(popfreq_ws)
    checked = 0
    for line in published:
        pos, ref, alt, *values = line.split("\t")
        for sup, text in zip(SUPER_POPULATIONS, values, strict=True):
            ac, an, _ = counts.get((int(pos), ref, alt, sup), (0, None, 0))
            assert an, (pos, sup)
            decimals = len(text.split(".")[1]) if "." in text else 0
            assert round(ac / an, 4) == pytest.approx(float(text), abs=0.5 * 10**-decimals + 1e-12)
            # printed precision: rounding ours to the printed digits gives the printed text
            assert abs(ac / an - float(text)) <= 0.5 * 10**-4 + 1e-12, (pos, sup, ac, an, text)
            checked += 1
    assert checked == 4296 * 5


def test_population_counts_equal_bcftools_fill_tags(popfreq_ws: Path, tmp_path: Path) -> None:
    """AC/AN per population (CHB, JPT, CHS, CDX, KHV and the other 21) and overall equal
    `bcftools +fill-tags -- -S groups -t AC,AN,AF` run on the same file."""
    groups = tmp_path / "groups.tsv"
    lines = PANEL.read_text().splitlines()[1:]
    groups.write_text("".join(f"{f.split()[0]}\t{f.split()[1]}\n" for f in lines))
    populations = sorted({line.split()[1] for line in lines})
    assert len(populations) == 26
    filled = tmp_path / "filled.bcf"
    run_tool(
        "bcftools", "+fill-tags", str(THOUSAND_GENOMES), "-Ob", "-o", str(filled),
        "--", "-S", str(groups), "-t", "AC,AN,AF",
    )  # fmt: skip
    fmt = "%POS\t%REF\t%ALT\t%AC\t%AN" + "".join(f"\t%AC_{p}\t%AN_{p}" for p in populations)
    out = run_tool("bcftools", "query", "-f", fmt + "\n", str(filled)).splitlines()
    counts = _counts(popfreq_ws)
    for line in out:
        pos, ref, alt, ac, an, *per_pop = line.split("\t")
        key = (int(pos), ref, alt)
        assert counts[key + ("all",)][:2] == (int(ac), int(an))
        for i, pop in enumerate(populations):
            expected = (int(per_pop[2 * i]), int(per_pop[2 * i + 1]))
            assert counts[key + (pop,)][:2] == expected, (key, pop)
    assert len(out) == 4296


def test_nhomalt_equals_bcftools_genotype_count(popfreq_ws: Path) -> None:
    """Homozygous-alt JPT samples at rs11121815, counted by bcftools from the genotypes."""
    jpt = [line.split()[0] for line in PANEL.read_text().splitlines() if "\tJPT\t" in line]
    out = run_tool(
        "bcftools", "query", "-t", "1:11800048", "--force-samples", "-s", ",".join(jpt),
        "-f", "[%GT\n]", str(THOUSAND_GENOMES),
    )  # fmt: skip
    homs = sum(1 for gt in out.split() if gt in ("1|1", "1/1"))
    assert _counts(popfreq_ws, "v.pos = 11800048")[(11800048, "T", "C", "JPT")][2] == homs


def test_grpmax_and_faf_of_rs11121815(popfreq_ws: Path) -> None:
    """EAS carries T>C at 983/1008 (the file's EAS_AF=0.9752), the highest super-population:
    grpmax EAS; faf95 is the Poisson bound worked out in test_popfreq_faf."""
    from genomed.popfreq.filtering_allele_frequency import filtering_allele_frequency

    record = lookup(popfreq_ws, "rs11121815").variants[0]
    assert record["variant"] == "1-11800048-T-C"
    assert record["grpmax"] == {
        "group": "EAS",
        "AC": 983,
        "AN": 1008,
        "AF": 983 / 1008,
        "nhomalt": record["grpmax"]["nhomalt"],
    }
    assert record["faf95"] == pytest.approx(float(filtering_allele_frequency(3576, 5008, 0.95)))
    # East Asian groups come first after the overall count
    assert [g["group"] for g in record["groups"][:4]] == ["all", "EAS", "EAS_XX", "EAS_XY"]


def test_grpmax_excludes_configured_groups(tmp_path: Path, popfreq_ws: Path) -> None:
    """At population level FIN is left out by default (bottlenecked, as in gnomAD)."""
    import shutil

    from genomed.popfreq.groups import GrpmaxSettings

    ws_dir = tmp_path / "ws"
    shutil.copytree(popfreq_ws, ws_dir)
    build_popfreq(ws_dir, grpmax=GrpmaxSettings(level="population"))
    # rs11121815: which population has the highest AF among all but FIN (worked from counts)
    counts = _counts(ws_dir, "v.pos = 11800048")
    pops = {g: ac / an for (_, _, _, g), (ac, an, _) in counts.items() if len(g) == 3 and ac}
    best = max(
        (g for g in pops if g not in {"FIN", "EAS", "EUR", "SAS", "AFR", "AMR"}), key=pops.get
    )
    record = lookup(ws_dir, "rs11121815").variants[0]
    assert record["grpmax"]["group"] == best
    build_popfreq(ws_dir, grpmax=GrpmaxSettings(level="population", exclude=(best,)))
    assert lookup(ws_dir, "rs11121815").variants[0]["grpmax"]["group"] != best


def test_exported_vcf_passes_bcftools_and_matches_lookup(popfreq_ws: Path, tmp_path: Path) -> None:
    out = tmp_path / "sites.vcf.gz"
    result = CliRunner().invoke(
        app, ["popfreq", "export", "-w", str(popfreq_ws), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["records"] == 4296
    body = run_tool("bcftools", "view", "-H", str(out)).splitlines()
    assert len(body) == 4296
    header = run_tool("bcftools", "view", "-h", str(out))
    for key in ("AC", "AN", "AF", "nhomalt", "AC_eas", "AN_chb", "AF_jpt", "nhomalt_khv",
                "grpmax", "AF_grpmax", "faf95", "faf99", "AC_eas_XX", "nhemi_XY"):  # fmt: skip
        assert f"##INFO=<ID={key}," in header
    # every number of one region in the VCF equals the look-up's
    fmt = "%POS\t%REF\t%ALT\t%AC\t%AN\t%AF\t%AC_chb\t%AN_chb\t%AF_chb\t%nhomalt_jpt\t%grpmax\t%faf95\n"
    region = run_tool("bcftools", "query", "-r", "1:11790000-11800100", "-f", fmt, str(out))
    looked = {
        (v["pos"], v["ref"], v["alt"]): v
        for v in lookup(popfreq_ws, "1:11790000-11800100").variants
    }
    rows = region.splitlines()
    assert len(rows) == len(looked) > 50
    for line in rows:
        pos, ref, alt, ac, an, af, ac_chb, an_chb, af_chb, hom_jpt, grpmax, faf95 = line.split("\t")
        v = looked[(int(pos), ref, alt)]
        groups = {g["group"]: g for g in v["groups"]}
        assert (int(ac), int(an)) == (v["AC"], v["AN"])
        assert float(af) == pytest.approx(v["AF"], rel=1e-5, abs=1e-12)
        assert (int(ac_chb), int(an_chb)) == (groups["CHB"]["AC"], groups["CHB"]["AN"])
        assert float(af_chb) == pytest.approx(groups["CHB"]["AF"], rel=1e-5, abs=1e-12)
        assert int(hom_jpt) == groups["JPT"]["nhomalt"]
        assert grpmax == (v["grpmax"]["group"] or ".")
        assert float(faf95) == pytest.approx(v["faf95"], rel=1e-5, abs=1e-12)


def test_public_export_withholds_rare_counts(popfreq_ws: Path, tmp_path: Path) -> None:
    """--min-ac 5: a population AC of 1..4 is not published (with one sibling, so sums do
    not reveal it), and alleles with an overall AC of 1..4 are left out."""
    out = tmp_path / "public.vcf.gz"
    result = CliRunner().invoke(
        app, ["popfreq", "export", "-w", str(popfreq_ws), "-o", str(out), "--min-ac", "5"]
    )
    assert result.exit_code == 0, result.output
    bcf_ac = run_tool("bcftools", "query", "-f", "%AC\n", str(THOUSAND_GENOMES)).split()
    assert len(run_tool("bcftools", "view", "-H", str(out)).splitlines()) == sum(
        1
        for ac in bcf_ac
        if int(ac) >= 5 or int(ac) == 0  # AC 0 identifies no one
    )
    populations = sorted({line.split()[1] for line in PANEL.read_text().splitlines()[1:]})
    fmt = "%AC" + "".join(f"\t%AC_{p.lower()}\t%AN_{p.lower()}" for p in populations) + "\n"
    withheld = 0
    for line in run_tool("bcftools", "query", "-f", fmt, str(out)).splitlines():
        values = line.split("\t")
        assert int(values[0]) >= 5 or int(values[0]) == 0
        pop_acs = values[1::2]
        assert all(v == "." or int(v) == 0 or int(v) >= 5 for v in pop_acs)
        assert all(v != "." for v in values[2::2])  # AN is always published
        withheld += pop_acs.count(".")
    assert withheld > 0
    # CHB at rs11121815 is common and stays published
    row = run_tool("bcftools", "query", "-r", "1:11800048", "-f", "%AC_chb\n", str(out))
    assert row.strip() == "200"


def test_parquet_export_has_the_same_numbers(popfreq_ws: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from genomed.popfreq.export import export_sites_parquet

    out = tmp_path / "sites.parquet"
    assert export_sites_parquet(popfreq_ws, out).records == 4296
    table = pq.read_table(out, filters=[("pos", "=", 11800048)]).to_pylist()[0]
    v = lookup(popfreq_ws, "1-11800048-T-C").variants[0]
    assert (table["AC"], table["AN"], table["AC_eas"], table["grpmax"]) == (3576, 5008, 983, "EAS")
    assert table["faf95"] == v["faf95"]


def test_lookup_forms_and_cli(popfreq_ws: Path) -> None:
    runner = CliRunner()
    for query in ("1-11800048-T-C", "chr1:11800048:T:C", "rs11121815", "1_11800048_T_C"):
        result = runner.invoke(app, ["popfreq", "lookup", query, "-w", str(popfreq_ws), "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert [v["variant"] for v in data["variants"]] == ["1-11800048-T-C"], query
    region = lookup(popfreq_ws, "1:11800000-11800100")
    assert [v["pos"] for v in region.variants] == sorted(v["pos"] for v in region.variants)
    expected = run_tool(
        "bcftools", "view", "-H", "-t", "1:11800000-11800100", str(THOUSAND_GENOMES)
    ).splitlines()
    assert len(region.variants) == len(expected)
    result = runner.invoke(app, ["popfreq", "lookup", "rs11121815", "-w", str(popfreq_ws)])
    assert result.exit_code == 0 and "EAS" in result.output and "983" in result.output
    # a gene needs coordinates of the workspace's build: GRCh37 says so plainly
    result = runner.invoke(app, ["popfreq", "lookup", "MTHFR", "-w", str(popfreq_ws)])
    assert result.exit_code == 1 and "GRCh38 only" in result.output
    result = runner.invoke(app, ["popfreq", "lookup", "1-11800048-T-?", "-w", str(popfreq_ws)])
    assert result.exit_code == 1 and "cannot read" in result.output
    absent = lookup(popfreq_ws, "1-11800048-T-G")
    assert absent.variants == []
