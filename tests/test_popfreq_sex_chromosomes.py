"""Hemizygous X/Y, PARs, MT and the adj filter on small VCFs whose counts are worked out
by hand (tests/data/popfreq: F1, F2 female; M1, M2 male; U1 sex unknown; GRCh38)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_DATA

from genomed.popfreq.adj import AdjFilter, parse_adj
from genomed.popfreq.database import build_popfreq
from genomed.popfreq.sex_chromosomes import expected_ploidy, region_of
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

DATA = TEST_DATA / "popfreq"
SAMPLES = DATA / "samples.tsv"


def _counts(ws_dir: Path, raw: bool = True) -> dict[tuple[str, int, str], tuple[int, ...]]:
    suffix = "_raw" if raw else ""
    rows = (
        Workspace.open(ws_dir)
        .connect()
        .sql(
            f"SELECT chrom, pos, grp, ac{suffix}, an{suffix}, nhomalt{suffix}, nhemi{suffix} "
            "FROM popfreq_counts"
        )
        .fetchall()
    )
    return {(c, p, g): tuple(v) for c, p, g, *v in rows}


@pytest.fixture(scope="module")
def sex_ws(tmp_path_factory) -> Path:
    ws_dir = tmp_path_factory.mktemp("sex") / "ws"
    ingest_vcf(ws_dir, DATA / "sex_chromosomes.vcf", VcfIngestOptions(sample_map=SAMPLES))
    build_popfreq(ws_dir)
    return ws_dir


# (chrom, pos, group): (AC, AN, nhomalt, nhemi), worked from the genotypes by hand.
HAND_WORKED = {
    # 1:1000 autosome F1 0/1, F2 0/0, M1 1/1, M2 0/0, U1 0/1: everyone diploid
    ("1", 1000, "all"): (4, 10, 1, 0),
    ("1", 1000, "XY"): (2, 4, 1, 0),
    ("1", 1000, "EAS"): (4, 6, 1, 0),
    # X:100000 is in PAR1 (GRCh38 X:10,001-2,781,479): diploid for XY as well
    ("X", 100000, "all"): (5, 10, 1, 0),
    ("X", 100000, "XY"): (3, 4, 1, 0),
    ("X", 100000, "GBR"): (2, 4, 1, 0),
    # X:5000000 non-PAR: F1 1/1, F2 0/1, M1 "1" (hemizygous), M2 "0", U1 left out
    ("X", 5000000, "all"): (4, 6, 1, 1),
    ("X", 5000000, "XX"): (3, 4, 1, 0),
    ("X", 5000000, "XY"): (1, 2, 0, 1),
    ("X", 5000000, "EAS"): (3, 3, 1, 1),
    ("X", 5000000, "CHB"): (2, 2, 1, 0),
    ("X", 5000000, "JPT"): (1, 1, 0, 1),
    ("X", 5000000, "EUR"): (1, 3, 0, 0),
    # X:6000000 non-PAR, diploid calls in males: M1 0/1 -> missing, M2 1/1 -> hemizygous
    ("X", 6000000, "all"): (2, 5, 0, 1),
    ("X", 6000000, "XY"): (1, 1, 0, 1),
    ("X", 6000000, "EUR_XY"): (1, 1, 0, 1),
    # X:8000000 F1 ./1 (one allele called), M1 "." (missing), M2 "1", F2 0/0
    ("X", 8000000, "all"): (2, 4, 0, 1),
    ("X", 8000000, "XX"): (1, 3, 0, 0),
    ("X", 8000000, "CHB"): (1, 1, 0, 0),
    # Y:3000000 non-PAR: XX samples contribute nothing (F2's "1" ignored), M1 "1", M2 "0"
    ("Y", 3000000, "all"): (1, 2, 0, 1),
    ("Y", 3000000, "EAS"): (1, 1, 0, 1),
    # MT:100 haploid for everyone: F1 1, F2 0, M1 1, M2 ".", U1 1
    ("MT", 100, "all"): (3, 4, 0, 0),
    ("MT", 100, "CHB"): (2, 2, 0, 0),
}


@pytest.mark.parametrize("key", list(HAND_WORKED), ids=lambda k: f"{k[0]}:{k[1]}:{k[2]}")
def test_hand_worked_counts(sex_ws: Path, key) -> None:
    assert _counts(sex_ws)[key] == HAND_WORKED[key]


def test_groups_with_nothing_callable_are_left_out(sex_ws: Path) -> None:
    counts = _counts(sex_ws)
    assert ("Y", 3000000, "XX") not in counts  # no Y in XX samples
    assert ("X", 6000000, "JPT") not in counts  # M1's het on non-PAR X is missing
    assert counts[("Y", 3000000, "XY")] == (1, 2, 0, 1)


def test_region_classes_and_ploidy_table() -> None:
    assert region_of("GRCh38", "X", 2781479) == "X_par"
    assert region_of("GRCh38", "X", 2781480) == "X_nonpar"
    assert region_of("GRCh37", "X", 2699520) == "X_par"
    assert region_of("GRCh37", "X", 2699521) == "X_nonpar"
    assert region_of("GRCh37", "Y", 59034050) == "Y_par"
    assert region_of("GRCh38", "1", 5) == "autosome"
    assert (expected_ploidy("X_nonpar", "XY"), expected_ploidy("X_nonpar", "XX")) == (1, 2)
    assert (expected_ploidy("Y_nonpar", "XX"), expected_ploidy("X_nonpar", None)) == (0, 0)


@pytest.fixture(scope="module")
def adj_ws(tmp_path_factory) -> Path:
    ws_dir = tmp_path_factory.mktemp("adj") / "ws"
    ingest_vcf(ws_dir, DATA / "adj.vcf", VcfIngestOptions(sample_map=SAMPLES))
    return ws_dir


def test_adj_filter_hand_worked(adj_ws: Path) -> None:
    result = build_popfreq(adj_ws)
    # 5 + 3 + 3 non-reference calls; only F2 at 2:2000 lacks GQ, DP and AD
    assert result.missing_fields == {"calls": 11, "without_gq": 1, "without_dp": 1, "without_ad": 1}
    raw, adj = _counts(adj_ws, raw=True), _counts(adj_ws, raw=False)
    # 2:1000: F2 GQ 10 < 20, M1 DP 8 < 10, M2 AB 2/20 < 0.2 fail; F1 and U1 (1/1) pass
    assert raw[("2", 1000, "all")] == (6, 10, 1, 0)
    assert adj[("2", 1000, "all")] == (3, 4, 1, 0)
    # 2:2000: F2's 0/1 has no GQ/DP/AD (passes by default); M2 AB 6/30 = 0.2 passes
    assert raw[("2", 2000, "all")] == adj[("2", 2000, "all")] == (4, 8, 1, 0)
    # X:5000000: haploid calls need DP >= 5: M1 DP 6 passes, M2 DP 4 fails
    assert raw[("X", 5000000, "all")] == (2, 6, 0, 2)
    assert adj[("X", 5000000, "all")] == (1, 5, 0, 1)
    assert adj[("X", 5000000, "XX")] == (0, 4, 0, 0)


def test_adj_missing_fields_can_fail(adj_ws: Path) -> None:
    build_popfreq(adj_ws, adj=AdjFilter(missing="fail"))
    assert _counts(adj_ws, raw=False)[("2", 2000, "all")] == (3, 6, 1, 0)
    build_popfreq(adj_ws, adj=parse_adj("GQ>=5,DP>=5,AB>=0.05"))
    adj = _counts(adj_ws, raw=False)
    assert adj[("2", 1000, "all")] == (6, 10, 1, 0)  # every call passes the looser filter
    assert adj[("X", 5000000, "all")] == (1, 5, 0, 1)  # HAPLOID_DP stays 5: M2 DP 4 fails


def test_parse_adj() -> None:
    assert parse_adj("GQ>=20,DP>=10,AB>=0.2") == AdjFilter()
    assert parse_adj("GQ>=30") == AdjFilter(gq=30)
    assert parse_adj("dp >= 8, HAPLOID_DP>=3") == AdjFilter(dp=8, haploid_dp=3)
    assert parse_adj("none") == AdjFilter(gq=0, dp=0, ab=0.0, haploid_dp=0)
    from genomed.errors import InputError

    with pytest.raises(InputError) as error:
        parse_adj("GQ>20")
    assert error.value.field == "--adj"


def test_gene_lookup_on_grch38(sex_ws: Path) -> None:
    """NLGN4X's MANE Select span (GRCh38 X:5,890,042-6,228,867) holds X:6000000 G>A."""
    import json

    from typer.testing import CliRunner

    from genomed.cli.main import app
    from genomed.popfreq.genes import gene_span
    from genomed.popfreq.lookup import lookup

    span = gene_span("nlgn4x", "GRCh38")
    assert (span.chrom, span.start, span.end, span.strand) == ("X", 5890042, 6228867, "-")
    assert (gene_span("MTHFR", "GRCh38").start, gene_span("MTHFR", "GRCh38").end) == (
        11785723,
        11805964,
    )
    result = CliRunner().invoke(app, ["popfreq", "lookup", "NLGN4X", "-w", str(sex_ws), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "gene" and data["where"] == "NLGN4X (X:5890042-6228867)"
    [variant] = data["variants"]
    assert variant["variant"] == "X-6000000-G-A"
    assert (variant["AC"], variant["AN"], variant["nhemi"]) == (2, 5, 1)
    region = lookup(sex_ws, "chrX:5000000-8000000")
    assert [v["pos"] for v in region.variants] == [5000000, 6000000, 8000000]
