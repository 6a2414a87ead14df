"""``genomed ingest vcf`` on the hts-specs conformance suite: every ``passed`` file
ingests; every ``failed`` file is rejected by ``--strict`` with file:line, and the
workspace stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_vcf_conformance import FAILED, FIXTURE_DEFECTS, PASSED, suite  # noqa: F401

from genomed.errors import InputError
from genomed.store.ingest_vcf import VcfIngestOptions, ingest_vcf
from genomed.store.workspace import Workspace


@pytest.fixture(scope="module")
def guarded_workspace(tmp_path_factory) -> Path:
    """A workspace holding one earlier ingest, so 'unchanged' is a real check."""
    ws_dir = tmp_path_factory.mktemp("strict") / "ws"
    ingest_vcf(ws_dir, Path(__file__).parent / "data" / "vcf" / "multiallelic.vcf")
    return ws_dir


@pytest.mark.parametrize("name", [n for n in PASSED if n not in FIXTURE_DEFECTS])
def test_passed_file_ingests(suite: Path, name: str, tmp_path: Path) -> None:  # noqa: F811
    result = ingest_vcf(tmp_path / "ws", suite / name)
    assert not result.skipped
    ingested = Workspace.open(tmp_path / "ws").versions()
    assert "ingests" in ingested


@pytest.mark.parametrize("name", FAILED)
def test_failed_file_rejected_strict_workspace_unchanged(
    suite: Path,  # noqa: F811
    name: str,
    guarded_workspace: Path,
) -> None:
    before = (guarded_workspace / "catalog.json").read_text()
    with pytest.raises(InputError) as error:
        ingest_vcf(guarded_workspace, suite / name, VcfIngestOptions(strict=True))
    assert error.value.path == str(suite / name)
    assert error.value.line is not None and error.value.line >= 1
    assert f"{suite / name}:{error.value.line}:" in str(error.value)
    assert (guarded_workspace / "catalog.json").read_text() == before
