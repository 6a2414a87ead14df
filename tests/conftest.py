"""Shared fixtures: where test data lives, and the reference tools tests compare against."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

TEST_DATA = Path(__file__).parent / "data"
DEMO_DATA = Path(str(files("genomed") / "data" / "demo"))
REPO = Path(__file__).parent.parent
THOUSAND_GENOMES = DEMO_DATA / "1000G_phase3_chr1_11697036-11836540.vcf.gz"
PANEL = DEMO_DATA / "integrated_call_samples_v3.20130502.ALL.panel"


def run_tool(*args: str) -> str:
    """Run a reference tool (bcftools, tabix); `make test` installs them."""
    if shutil.which(args[0]) is None:
        raise RuntimeError(f"{args[0]} is not installed: run `make test`, which installs it")
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    return tmp_path / "ws"
