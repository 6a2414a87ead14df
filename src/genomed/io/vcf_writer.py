"""Finishing a VCF written as text: bgzip it and index it with tabix, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pysam


def bgzip_and_index(plain: Path, out: Path) -> None:
    """Compress the text VCF ``plain`` to ``out`` (BGZF) with a ``.tbi`` beside it.

    ``plain`` is removed. Both files appear under their final names only when complete
    (written under temporary names, then renamed), so a crash leaves no half file.
    """
    gz = out.with_name(out.name + f".tmp-{os.getpid()}.gz")
    pysam.tabix_compress(str(plain), str(gz), force=True)
    Path(plain).unlink()
    pysam.tabix_index(str(gz), preset="vcf", force=True)
    os.replace(gz, out)
    os.replace(str(gz) + ".tbi", str(out) + ".tbi")
