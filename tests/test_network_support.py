"""Shared helpers of the network and Beacon tests (no tests here).

- the *central* workspace: the demo data (1000 Genomes chr1 slice with populations,
  the TCGA LAML cBioPortal study with OS) plus six phenopacket-store phenopackets (HPO
  features), built once per test session;
- schema validation of Beacon responses against the official framework schemas copied
  into ``tests/data/beacon`` (``$ref``s resolved locally, never over the network);
- a real node process (``genomed serve`` on a free loopback port) for the federation
  tests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import httpx
from conftest import DEMO_DATA, TEST_DATA
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from genomed.io.chain import packaged_chain
from genomed.store.ingest_cbioportal import StudyIngestOptions, ingest_cbioportal
from genomed.store.ingest_phenopacket import ingest_phenopackets
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace

CHAIN = packaged_chain("GRCh37", "GRCh38")
FRAMEWORK = TEST_DATA / "beacon" / "framework" / "json"
PHENOPACKETS = TEST_DATA / "phenopackets" / "phenopacket_store"
GENOMED = str(Path(sys.executable).parent / "genomed")


def build_central_workspace(path: Path) -> Path:
    """The undivided workspace every federated answer is checked against (GRCh38)."""
    Workspace.create(path, build="GRCh38", institution_id="central")
    ingest_vcf(
        path,
        DEMO_DATA / "1000G_phase3_chr1_11697036-11836540.vcf.gz",
        VcfIngestOptions(
            build="GRCh37",
            sample_map=DEMO_DATA / "integrated_call_samples_v3.20130502.ALL.panel",
            chain=CHAIN,
            institution_id="central",
        ),
    )
    ingest_cbioportal(
        path, DEMO_DATA / "laml_study", StudyIngestOptions(chain=CHAIN, institution_id="central")
    )
    ingest_phenopackets(
        path, sorted(PHENOPACKETS.glob("*.json")), chain=CHAIN, institution_id="central"
    )
    return path


# -- schema validation -----------------------------------------------------------------------


@cache
def _registry() -> Registry:
    resources = []
    for path in FRAMEWORK.rglob("*.json"):
        if "examples" in path.parts or path.name == "endpoints.json":
            continue
        uri = path.resolve().as_uri()
        resources.append((uri, DRAFT202012.create_resource(json.loads(path.read_text()))))
    return Registry().with_resources(resources)


@cache
def validator(schema: str) -> Draft202012Validator:
    """A validator for a framework schema, e.g. ``responses/beaconCountResponse.json``."""
    path = (FRAMEWORK / schema).resolve()
    contents = json.loads(path.read_text())
    contents = dict(contents, **{"$id": path.as_uri()})
    return Draft202012Validator(contents, registry=_registry(), format_checker=FormatChecker())


RESPONSE_SCHEMA = {
    "boolean": "responses/beaconBooleanResponse.json",
    "count": "responses/beaconCountResponse.json",
    "record": "responses/beaconResultsetsResponse.json",
}


def assert_valid(body: dict, schema: str) -> None:
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{schema}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )


def assert_valid_beacon(body: dict, status: int = 200) -> None:
    """Validate any Beacon answer against the schema its kind and granularity call for."""
    if status != 200:
        assert_valid(body, "responses/beaconErrorResponse.json")
        return
    if "collections" in body.get("response", {}):
        assert_valid(body, "responses/beaconCollectionsResponse.json")
        return
    assert_valid(body, RESPONSE_SCHEMA[body["meta"]["returnedGranularity"]])
    # the request summary must itself be valid
    assert_valid(
        body["meta"]["receivedRequestSummary"],
        "responses/sections/beaconReceivedRequestSummary.json",
    )


# -- counts below the threshold -------------------------------------------------------------

COUNT_KEYS = {
    "numTotalResults",
    "resultsCount",
    "ac",
    "an",
    "nhomalt",
    "nhemi",
    "cohortSize",
    "individuals",
}


def small_counts(value, k: int = 5, path: str = "") -> list[str]:
    """Every count 1..k-1 anywhere in an answer (keys of counts, and 2x2 cells / groups)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}/{key}"
            if (
                key in COUNT_KEYS
                and isinstance(item, int)
                and not isinstance(item, bool)
                and 0 < item < k
            ):
                found.append(f"{here}={item}")
            elif key == "groups" and isinstance(item, dict):
                found += [
                    f"{here}/{g}={n}" for g, n in item.items() if isinstance(n, int) and 0 < n < k
                ]
            elif key == "table" and isinstance(item, list):
                found += [
                    f"{here}={c}" for row in item for c in row if isinstance(c, int) and 0 < c < k
                ]
            else:
                found += small_counts(item, k, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += small_counts(item, k, f"{path}[{i}]")
    return found


# -- node processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeProcess:
    """``genomed serve`` over a workspace on a free loopback port (stopped by :meth:`stop`)."""

    def __init__(self, workspace: Path, log: Path) -> None:
        self.workspace = workspace
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [
                GENOMED,
                "serve",
                "-w",
                str(workspace),
                "--port",
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"node on {self.workspace} exited: {Path(self.log.name).read_text()}"
                )
            try:
                if httpx.get(self.url + "/beacon/v2/info", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"node on {self.workspace} did not start: {Path(self.log.name).read_text()}"
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
