"""Incremental add and withdrawal equal a full rebuild: a property test over random batches
of the 1000 Genomes samples (split with `bcftools view -s`), plus single-sample batches
whose callable BED makes them count at alleles other batches discover later. The totals
(base + pending deltas) equal a rebuild with deltas pending and after compaction, and the
readers (look-up, sites VCF, the Beacon node's allele counts) answer the same either way."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import PANEL, THOUSAND_GENOMES, run_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from genomed.cli.main import app
from genomed.network.beacon_records import frequency_record
from genomed.network.node_data import popfreq_rows
from genomed.popfreq.database import (
    PopfreqError,
    add_new_batches,
    build_popfreq,
    compact_popfreq,
    withdraw_samples,
)
from genomed.popfreq.export import export_sites_vcf
from genomed.popfreq.lookup import lookup
from genomed.popfreq.totals import TOTALS_TABLES, totals_sql
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

REGION = "1:11697036-11712000"
BED_REGION = ("1", 11697000, 11712000)  # 0-based start, end: the whole test region
POOL = 60
_counter = itertools.count()


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, list[str]]:
    """The first ~15 kb of the 1000 Genomes subset (all 2,504 samples), indexed; a pool of
    samples spread over the 26 populations."""
    folder = tmp_path_factory.mktemp("incremental")
    region = folder / "region.vcf.gz"
    run_tool("bcftools", "view", "-t", REGION, "-Oz", "-o", str(region), str(THOUSAND_GENOMES))
    run_tool("bcftools", "index", "-t", str(region))
    names = run_tool("bcftools", "query", "-l", str(region)).split()
    pool = names[:: len(names) // POOL][:POOL]
    return region, pool


def _batch(source_vcf: Path, samples: list[str], folder: Path, carriers_only: bool = False) -> Path:
    out = folder / f"batch{next(_counter)}.vcf.gz"
    subset = out.with_suffix(".subset.bcf") if carriers_only else out
    fmt = "-Ob" if carriers_only else "-Oz"
    run_tool("bcftools", "view", "-s", ",".join(samples), fmt, "-o", str(subset), str(source_vcf))
    if carriers_only:  # a single-sample variant-only VCF, as a lab would send it
        run_tool("bcftools", "view", "-i", 'GT="alt"', "-Oz", "-o", str(out), str(subset))
    return out


def _ingest(ws_dir: Path, vcf: Path, bed: Path | None = None) -> None:
    ingest_vcf(ws_dir, vcf, VcfIngestOptions(build="GRCh37", sample_map=PANEL, callable_bed=bed))


def _snapshot(ws_dir: Path) -> list[tuple]:
    """Current totals (base + pending deltas), as every reader sees them."""
    con = Workspace.open(ws_dir).connect(tables=list(TOTALS_TABLES))
    return con.sql(f"SELECT * FROM ({totals_sql()}) ORDER BY variant_key, grp").fetchall()


def _base(ws_dir: Path) -> list[tuple]:
    con = Workspace.open(ws_dir).connect(tables=list(TOTALS_TABLES))
    return con.sql("SELECT * FROM popfreq_counts ORDER BY variant_key, grp").fetchall()


def _pending(ws_dir: Path) -> int:
    con = Workspace.open(ws_dir).connect(tables=["popfreq_deltas"])
    return con.sql("SELECT count(*) FROM popfreq_deltas").fetchall()[0][0]


def _readers(ws_dir: Path, folder: Path) -> dict:
    """What the readers answer: a region look-up, the sites VCF (min AC 2, so the
    release rule runs on the sums; the header line naming the operation left out) and
    the Beacon node's frequencyInPopulations of every allele."""
    ws = Workspace.open(ws_dir)
    found = lookup(ws, f"1:{BED_REGION[1]}-{BED_REGION[2] + 100_000}", limit=100_000)
    out = folder / f"sites{next(_counter)}.vcf.gz"
    export_sites_vcf(ws, out, min_ac=2)
    text = run_tool("bcftools", "view", str(out)).splitlines()
    vcf = [line for line in text if not line.startswith(("##genomed_popfreq_op", "##bcftools"))]
    con = ws.connect()
    keys = [r[0] for r in con.sql("SELECT DISTINCT variant_key FROM variants").fetchall()]
    beacon = {
        key: frequency_record(rows, "genomed", "local", "v")
        for key, rows in popfreq_rows(con, keys).items()
    }
    return {"lookup": found.to_dict(), "vcf": vcf, "beacon": beacon}


def _status(ws_dir: Path) -> list[tuple]:
    con = Workspace.open(ws_dir).connect()
    return con.sql(
        "SELECT sample_id, batch_id, population, karyotype, status FROM popfreq_samples ORDER BY 1"
    ).fetchall()


batches_strategy = st.lists(
    st.lists(st.integers(0, POOL - 1), min_size=1, max_size=25, unique=True),
    min_size=2,
    max_size=4,
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batches=batches_strategy,
    interval_sample=st.one_of(st.none(), st.integers(0, POOL - 1)),
    withdraw_after=st.integers(0, 3),
    withdrawn=st.lists(st.integers(0, POOL - 1), max_size=4, unique=True),
    compact_fraction=st.sampled_from([0.0, 0.5, 1e9]),  # always, default, never automatic
    compact_after=st.integers(0, 4),  # an explicit `popfreq compact` after that step
)
def test_incremental_equals_rebuild(
    source,
    tmp_path_factory,
    batches,
    interval_sample,
    withdraw_after,
    withdrawn,
    compact_fraction,
    compact_after,
) -> None:
    region, pool = source
    folder = tmp_path_factory.mktemp("example")
    ws_dir = folder / "ws"
    bed = folder / "callable.bed"
    bed.write_text(f"{BED_REGION[0]}\t{BED_REGION[1]}\t{BED_REGION[2]}\n")
    steps: list[tuple[Path, Path | None]] = []
    if interval_sample is not None:  # first: one genome with a callable BED, carriers only
        steps.append((_batch(region, [pool[interval_sample]], folder, carriers_only=True), bed))
    steps += [(_batch(region, [pool[i] for i in batch], folder), None) for batch in batches]
    _ingest(ws_dir, *steps[0])
    build_popfreq(ws_dir)
    for number, (vcf, callable_bed) in enumerate(steps[1:], start=1):
        _ingest(ws_dir, vcf, callable_bed)
        results = [add_new_batches(ws_dir, compact_fraction=compact_fraction)]
        if number == withdraw_after:
            counted = {s for s, _, _, _, status in _status(ws_dir) if status == "counted"}
            chosen = [pool[i] for i in withdrawn if pool[i] in counted]
            if chosen:
                results.append(withdraw_samples(ws_dir, chosen, compact_fraction=compact_fraction))
        for result in results:
            if result.changed and result.rows and compact_fraction != 0.5:
                assert result.compacted == (compact_fraction == 0.0)
        assert _pending(ws_dir) == results[-1].pending_rows
        if number == compact_after:
            compact_popfreq(ws_dir)
            assert _pending(ws_dir) == 0
    # with deltas pending (if any)
    incremental, incremental_status = _snapshot(ws_dir), _status(ws_dir)
    pending_answers = _readers(ws_dir, folder)
    # after compaction: the base alone holds the same totals; readers answer the same
    compact_popfreq(ws_dir)
    assert _pending(ws_dir) == 0
    assert _base(ws_dir) == _snapshot(ws_dir) == incremental
    compacted_answers = _readers(ws_dir, folder)
    assert compacted_answers == pending_answers
    # a full rebuild gives the same totals and answers
    build_popfreq(ws_dir)
    assert _status(ws_dir) == incremental_status
    assert _base(ws_dir) == _snapshot(ws_dir) == incremental
    assert _readers(ws_dir, folder) == compacted_answers


def test_interval_sample_counts_at_alleles_found_later(source, tmp_path: Path) -> None:
    """A genome sent as a carriers-only VCF with a callable BED is hom-ref (AN += 2) at
    alleles a later batch discovers inside the BED, and not outside it."""
    region, pool = source
    bed = tmp_path / "callable.bed"
    bed.write_text("1\t11697000\t11705000\n")
    lone = pool[0]
    _ingest(tmp_path / "ws", _batch(region, [lone], tmp_path, carriers_only=True), bed)
    build_popfreq(tmp_path / "ws")
    others = pool[1:11]
    _ingest(tmp_path / "ws", _batch(region, others, tmp_path))
    result = add_new_batches(tmp_path / "ws")
    assert result.samples_added == 10
    con = Workspace.open(tmp_path / "ws").connect()
    lone_sites = {
        r[0] for r in con.sql(f"SELECT pos FROM calls WHERE sample_id = '{lone}'").fetchall()
    }
    rows = con.sql("SELECT c.pos, c.an_raw FROM popfreq_counts c WHERE grp = 'all'").fetchall()
    # the 1000 Genomes genotypes have no gaps: ten diploid genomes call 20 alleles
    checked_in = checked_out = 0
    for pos, an in rows:
        if pos in lone_sites:
            continue
        if pos <= 11705000:
            assert an == 2 * len(others) + 2, pos
            checked_in += 1
        else:
            assert an == 2 * len(others), pos
            checked_out += 1
    assert checked_in > 50 and checked_out > 50


def test_cli_add_withdraw_and_errors(source, tmp_path: Path) -> None:
    region, pool = source
    ws_dir = tmp_path / "ws"
    runner = CliRunner()
    _ingest(ws_dir, _batch(region, pool[:5], tmp_path))
    result = runner.invoke(app, ["popfreq", "add", "-w", str(ws_dir)])
    assert result.exit_code == 1 and "popfreq build" in result.output
    with pytest.raises(PopfreqError):
        add_new_batches(ws_dir)
    assert runner.invoke(app, ["popfreq", "build", "-w", str(ws_dir), "--json"]).exit_code == 0
    result = runner.invoke(app, ["popfreq", "add", "-w", str(ws_dir)])
    assert result.exit_code == 0 and "up to date" in result.output
    _ingest(ws_dir, _batch(region, pool[5:9], tmp_path))
    result = runner.invoke(app, ["popfreq", "add", "-w", str(ws_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert '"samples_added": 4' in result.output and '"samples_counted": 9' in result.output
    result = runner.invoke(app, ["popfreq", "withdraw", pool[0], pool[6], "-w", str(ws_dir)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["popfreq", "withdraw", "NOBODY", "-w", str(ws_dir)])
    assert result.exit_code == 1 and "NOBODY" in result.output
    # leave a change pending (the CLI's automatic compaction would fold these small
    # changes at once), then compact it from the command line
    _ingest(ws_dir, _batch(region, pool[9:10], tmp_path))
    assert not add_new_batches(ws_dir, compact_fraction=1e9).compacted
    result = runner.invoke(app, ["popfreq", "compact", "-w", str(ws_dir), "--json"])
    assert result.exit_code == 0 and '"compacted": true' in result.output, result.output
    assert _pending(ws_dir) == 0
    result = runner.invoke(app, ["popfreq", "compact", "-w", str(ws_dir)])
    assert result.exit_code == 0 and "nothing to compact" in result.output
    con = Workspace.open(ws_dir).connect()
    assert con.sql("SELECT kind FROM popfreq_log ORDER BY op").fetchall() == [
        ("build",),
        ("add",),
        ("withdraw",),
        ("add",),
        ("compact",),
    ]
    an = con.sql("SELECT max(an_raw) FROM popfreq_counts WHERE grp = 'all'").fetchall()[0][0]
    assert an == 2 * 8  # ten genomes counted, two withdrawn
    # a rebuild keeps them out
    build_popfreq(ws_dir)
    assert Workspace.open(ws_dir).connect().sql(
        "SELECT count(*) FROM popfreq_samples WHERE status = 'withdrawn'"
    ).fetchall() == [(2,)]
