"""Benchmark: a genomed node under bounded load on loopback, and a 3-node federated query.

Builds three institution workspaces from the demo data (1000 Genomes slice + TCGA LAML,
split by patient), starts three ``genomed serve`` processes on free 127.0.0.1 ports, then

1. sends a bounded number of Beacon queries (g_variants sequence and range queries,
   individuals counts with filters) to one node from ``--concurrency`` concurrent
   clients, and prints throughput, p50/p95/p99 latency and the number of errors
   (anything but HTTP 200); the same queries answered in-process by the node service
   (no HTTP) are timed as the baseline;
2. times federated queries over the three nodes (pooled count, pooled allele frequency,
   survival sums) and prints their p50/p95 latency.

Traffic goes only to the loopback address; the run is bounded by ``--requests`` and
``--max-seconds`` and stops its node processes at the end.

    .venv/bin/python benchmarks/network.py [--requests 3000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

import httpx

DEMO = Path(str(files("genomed") / "data" / "demo"))
GENOMED = str(Path(sys.executable).parent / "genomed")
POPULATIONS = ["CHB", "JPT", "CHS", "CDX", "KHV", "GIH", "PJL", "BEB", "STU", "ITU", "GBR", "YRI"]


def build_network(root: Path) -> list[Path]:
    from genomed.io.chain import packaged_chain
    from genomed.network.workspace_split import split_workspace
    from genomed.popfreq.database import build_popfreq
    from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal
    from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
    from genomed.store.workspace import Workspace

    chain = packaged_chain("GRCh37", "GRCh38")
    central = root / "central"
    Workspace.create(central, build="GRCh38", institution_id="central")
    ingest_vcf(
        central,
        DEMO / "1000G_phase3_chr1_11697036-11836540.vcf.gz",
        VcfIngestOptions(
            build="GRCh37",
            sample_map=DEMO / "integrated_call_samples_v3.20130502.ALL.panel",
            chain=chain,
        ),
    )
    ingest_cbioportal(central, DEMO / "laml_study", StudyIngestOptions(chain=chain))
    con = Workspace.open(central).connect()
    patients = [r[0] for r in con.sql("SELECT patient_id FROM patients ORDER BY 1").fetchall()]
    con.close()
    nodes = [root / f"node{i}" for i in range(3)]
    split_workspace(central, {n: patients[i::3] for i, n in enumerate(nodes)})
    for node in nodes:
        build_popfreq(node)
        (node / "node").mkdir(exist_ok=True)
        (node / "node" / "node.json").write_text(
            json.dumps(
                {
                    "privacy": {
                        "rate_limit_per_minute": 10**7,
                        "rate_limit_burst": 10**5,
                        "query_budget_per_day": 10**8,
                    }
                }
            )
        )
    return nodes


def token_for(workspace: Path, level: str) -> str:
    from genomed.network.access_levels import AccessLevel
    from genomed.network.node_config import load_node_config
    from genomed.network.tokens import TokenStore

    return TokenStore(load_node_config(workspace).tokens_path).create(
        AccessLevel.parse(level), label="benchmark"
    )[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workspace: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [GENOMED, "serve", "-w", str(workspace), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/beacon/v2/info", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"node on {workspace} did not start: {log.read_text()[-2000:]}")


def queries(variants: list[tuple], n: int, seed: int = 1) -> list[tuple[str, dict]]:
    """A fixed mix: 40% g_variants sequence, 20% g_variants range, 40% individuals counts."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        r = rng.random()
        chrom, pos, ref, alt = rng.choice(variants)
        if r < 0.4:
            out.append(
                (
                    "/beacon/v2/g_variants",
                    {
                        "referenceName": chrom,
                        "start": str(pos - 1),
                        "referenceBases": ref,
                        "alternateBases": alt,
                        "requestedGranularity": "count",
                    },
                )
            )
        elif r < 0.6:
            out.append(
                (
                    "/beacon/v2/g_variants",
                    {
                        "referenceName": chrom,
                        "start": str(pos - 500),
                        "end": str(pos + 500),
                        "requestedGranularity": "count",
                    },
                )
            )
        else:
            pops = rng.sample(POPULATIONS, 2)
            out.append(
                (
                    "/beacon/v2/individuals",
                    {
                        "filters": f"population={pops[0]}|population={pops[1]},NCIT:C16576",
                        "requestedGranularity": "count",
                    },
                )
            )
    return out


def percentiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


async def load(
    url: str, token: str, work: list[tuple[str, dict]], concurrency: int, max_seconds: float
) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    queue: asyncio.Queue = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    deadline = time.perf_counter() + max_seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client_loop(client: httpx.AsyncClient) -> None:
        while not queue.empty() and time.perf_counter() < deadline:
            path, params = queue.get_nowait()
            started = time.perf_counter()
            try:
                response = await client.get(url + path, params=params, headers=headers)
                if response.status_code != 200:
                    errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
            except httpx.HTTPError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {"requests": len(latencies), "seconds": wall, "latencies": latencies, "errors": errors}


def in_process(workspace: Path, token: str, work: list[tuple[str, dict]]) -> list[float]:
    """The same queries answered by the node service directly (no HTTP, one thread)."""
    from genomed.network.node_service import NodeService

    service = NodeService(workspace)
    times = []
    for path, params in work:
        entry = path.rsplit("/", 1)[1]
        started = time.perf_counter()
        status, body = service.beacon_request(
            authorization=f"Bearer {token}",
            client="bench",
            method="GET",
            endpoint=path,
            entry=entry,
            params=params,
        )
        times.append(time.perf_counter() - started)
        assert status == 200, (params, body.get("error"))
    service.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--federated", type=int, default=30, help="federated queries of each kind")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()

    from genomed.network.federated_queries import (
        federated_allele_frequency,
        federated_count,
        federated_survival,
    )
    from genomed.network.hub import NodeEntry
    from genomed.store.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="genomed-network-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        nodes = build_network(root)
        print(f"built 3 node workspaces from the demo data in {time.perf_counter() - t0:.1f} s")
        tokens = [token_for(n, "registered") for n in nodes]
        con = Workspace.open(nodes[0]).connect()
        variants = con.sql(
            "SELECT chrom, pos, ref, alt FROM variants WHERE chrom = '1' AND regexp_matches(ref || alt, '^[ACGT]+$') ORDER BY pos"
        ).fetchall()
        common = con.sql(
            "SELECT v.chrom || '-' || v.pos || '-' || v.ref || '-' || v.alt FROM popfreq_counts c "
            "JOIN variants v USING (variant_key) WHERE c.grp = 'all' AND c.ac > 50 ORDER BY v.pos LIMIT 20"
        ).fetchall()
        con.close()
        procs = []
        try:
            for i, n in enumerate(nodes):
                procs.append(start(n, root / f"node{i}.log"))
            url = procs[0][1]
            work = queries(variants, args.requests)
            warm = asyncio.run(load(url, tokens[0], work[:100], 4, 60))
            assert not warm["errors"], warm["errors"]
            result = asyncio.run(load(url, tokens[0], work, args.concurrency, args.max_seconds))
            p50, p95, p99 = percentiles(result["latencies"])
            print(
                f"\nload on one node ({result['requests']} queries, {args.concurrency} concurrent clients, loopback)"
            )
            print(f"  throughput        {result['requests'] / result['seconds']:8.1f} queries/s")
            print(
                f"  latency p50/p95/p99  {p50 * 1000:6.1f} / {p95 * 1000:6.1f} / {p99 * 1000:6.1f} ms"
            )
            print(f"  errors            {sum(result['errors'].values())} {result['errors'] or ''}")
            baseline = in_process(nodes[1], tokens[1], work[:500])
            b50, b95, _ = percentiles(baseline)
            print(
                f"  in-process service (no HTTP, 1 thread, 500 queries): p50 {b50 * 1000:.1f} ms, p95 {b95 * 1000:.1f} ms, "
                f"{len(baseline) / sum(baseline):.1f} queries/s"
            )
            entries = [NodeEntry(f"node{i}", u, tokens[i], 30.0) for i, (_, u) in enumerate(procs)]
            kinds = {
                "pooled count": lambda i: federated_count(
                    entries,
                    filters=[
                        {
                            "id": "population",
                            "operator": "=",
                            "value": POPULATIONS[i % len(POPULATIONS)],
                        }
                    ],
                ),
                "pooled allele frequency": lambda i: federated_allele_frequency(
                    entries, common[i % len(common)][0]
                ),
                "survival sums (log-rank)": lambda i: federated_survival(
                    entries, {"a": "mutated(FLT3)", "b": "not mutated(FLT3)"}, tables=False
                ),
            }
            print(f"\nfederated queries over 3 nodes ({args.federated} of each, sequential)")
            for name, run in kinds.items():
                times, failures = [], 0
                for i in range(args.federated):
                    started = time.perf_counter()
                    answer = run(i)
                    times.append(time.perf_counter() - started)
                    failures += sum(n["status"] != "answered" for n in answer["nodes"])
                f50, f95, _ = percentiles(times)
                print(
                    f"  {name:26s} p50 {f50 * 1000:6.1f} ms   p95 {f95 * 1000:6.1f} ms   node failures {failures}"
                )
        finally:
            for proc, _ in procs:
                proc.send_signal(signal.SIGTERM)
            for proc, _ in procs:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print(f"\n(python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
