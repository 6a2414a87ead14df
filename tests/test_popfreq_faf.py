"""Filtering allele frequency: worked values, the defining Poisson property, gnomAD's
conventions (0 for singletons), and grpmax/FAF on a hand-made set of counts."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import poisson

from genomed.popfreq.filtering_allele_frequency import filtering_allele_frequency
from genomed.popfreq.frequencies import GroupInfo, site_frequencies
from genomed.popfreq.groups import GrpmaxSettings


def _bisect(f, lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def test_worked_values_by_hand() -> None:
    # AC = 2: P(X <= 1) = e^-l (1 + l) = 0.95  ->  l = 0.355362 (bisection, no scipy)
    lam2 = _bisect(lambda x: math.exp(-x) * (1 + x) - 0.95, 0.0, 5.0)
    assert lam2 == pytest.approx(0.3553615, abs=1e-6)
    assert filtering_allele_frequency(2, 10_000) == pytest.approx(lam2 / 10_000, rel=1e-9)
    # AC = 3: e^-l (1 + l + l^2/2) = 0.95  ->  l = 0.817691
    lam3 = _bisect(lambda x: math.exp(-x) * (1 + x + x * x / 2) - 0.95, 0.0, 5.0)
    assert lam3 == pytest.approx(0.8176914, abs=1e-6)
    assert filtering_allele_frequency(3, 5_008) == pytest.approx(lam3 / 5_008, rel=1e-9)
    # 99%: AC = 2: e^-l (1 + l) = 0.99  ->  l = 0.148554
    lam99 = _bisect(lambda x: math.exp(-x) * (1 + x) - 0.99, 0.0, 5.0)
    assert filtering_allele_frequency(2, 10_000, 0.99) == pytest.approx(lam99 / 10_000, rel=1e-9)
    assert filtering_allele_frequency(2, 10_000, 0.99) < filtering_allele_frequency(2, 10_000)


def test_gnomad_conventions() -> None:
    """hail (gnomAD) does not compute FAF for singletons or where AN is 0: it is 0."""
    values = filtering_allele_frequency([0, 1, 2, 5], [1000, 1000, 0, 0])
    assert values.tolist() == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("ac", "an"), [(2, 250_000), (5, 1008), (983, 1008), (3576, 5008), (40, 152_000)]
)
@pytest.mark.parametrize("ci", [0.95, 0.99])
def test_highest_af_whose_quantile_stays_below_ac(ac: int, an: int, ci: float) -> None:
    """hail's definition: the largest AF with qpois(ci, AN*AF) < AC (hail walks a 1e-6 grid
    up to it; genomed returns the exact threshold, at most 1e-6 above hail's value)."""
    faf = float(filtering_allele_frequency(ac, an, ci))
    assert poisson.ppf(ci, an * faf * (1 - 1e-9)) <= ac - 1
    assert poisson.ppf(ci, an * faf * (1 + 1e-9)) >= ac
    # hail's grid walk from below lands in (faf - 1e-6, faf]
    grid = math.floor(faf * 1e6) / 1e6
    while poisson.ppf(ci, an * grid) < ac:
        grid += 1e-6
    assert 0 <= faf - (grid - 1e-6) < 1e-6 + 1e-12


def _groups() -> list[GroupInfo]:
    return [
        GroupInfo("all", "all", None, 300),
        GroupInfo("EAS", "super_population", "all", 100),
        GroupInfo("FIN", "super_population", "all", 100),
        GroupInfo("SAS", "super_population", "all", 100),
    ]


def _counts(rows: list[tuple[int, str, int, int]]) -> pa.Table:
    n = len(rows)
    return pa.table(
        {
            "variant_key": pa.array([r[0] for r in rows], pa.int64()),
            "chrom": ["1"] * n,
            "pos": pa.array([r[0] for r in rows], pa.int32()),
            "grp": [r[1] for r in rows],
            **{c: pa.array([r[2] for r in rows], pa.int32()) for c in ("ac", "ac_raw")},
            **{c: pa.array([r[3] for r in rows], pa.int32()) for c in ("an", "an_raw")},
            **{
                c: pa.array([0] * n, pa.int32())
                for c in ("nhomalt", "nhemi", "nhomalt_raw", "nhemi_raw")
            },
        }
    )


def test_grpmax_skips_excluded_groups_and_ties_go_to_east_asia() -> None:
    counts = _counts(
        [
            # allele 1: FIN highest (excluded), SAS next
            (1, "all", 26, 600), (1, "EAS", 2, 200), (1, "FIN", 20, 200), (1, "SAS", 4, 200),
            # allele 2: EAS and SAS tie
            (2, "all", 10, 600), (2, "EAS", 5, 200), (2, "FIN", 0, 200), (2, "SAS", 5, 200),
            # allele 3: only FIN carries it -> no grpmax
            (3, "all", 3, 600), (3, "EAS", 0, 200), (3, "FIN", 3, 200), (3, "SAS", 0, 200),
        ]
    )  # fmt: skip
    wide = site_frequencies(counts, _groups(), GrpmaxSettings(exclude=("FIN",))).to_pylist()
    assert [w["grpmax"] for w in wide] == ["SAS", "EAS", None]
    assert wide[0]["AF_grpmax"] == 4 / 200 and wide[0]["AC_grpmax"] == 4
    assert wide[0]["fafmax_faf95_max_gen_anc"] == "SAS"
    assert wide[0]["fafmax_faf95_max"] == pytest.approx(filtering_allele_frequency(4, 200))
    assert wide[0]["faf95"] == pytest.approx(filtering_allele_frequency(26, 600))
    assert wide[2]["fafmax_faf95_max"] is None
    with_fin = site_frequencies(counts, _groups(), GrpmaxSettings(exclude=())).to_pylist()
    assert with_fin[0]["grpmax"] == "FIN"


def test_min_ac_withholds_a_complementary_sibling() -> None:
    """EAS AC 2 < 5 is withheld; with it alone withheld, all - FIN - SAS would give it
    away, so the smallest other carrier group (SAS, 6) is withheld too."""
    counts = _counts(
        [(1, "all", 28, 600), (1, "EAS", 2, 200), (1, "FIN", 20, 200), (1, "SAS", 6, 200)]
    )
    row = site_frequencies(counts, _groups(), GrpmaxSettings(exclude=()), min_ac=5).to_pylist()[0]
    assert (row["AC_eas"], row["AC_sas"], row["AC_fin"], row["AC"]) == (None, None, 20, 28)
    assert (row["AN_eas"], row["AF_eas"]) == (200, None)
    assert row["grpmax"] == "FIN"
    # an allele whose overall AC is below the minimum is not published at all
    rare = _counts([(2, "all", 3, 600), (2, "EAS", 3, 200), (2, "FIN", 0, 200), (2, "SAS", 0, 200)])
    assert site_frequencies(rare, _groups(), GrpmaxSettings(), min_ac=5).num_rows == 0
    assert np.isclose(
        site_frequencies(rare, _groups(), GrpmaxSettings()).to_pylist()[0]["AF"], 0.005
    )
