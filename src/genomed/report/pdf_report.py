"""PDF: headless Chromium prints the same self-contained HTML page.

Chromium is found through ``$GENOMED_CHROMIUM`` or on the PATH (``chromium``,
``chromium-browser``, ``google-chrome``); on Debian/Ubuntu ``apt-get install chromium``.
It runs with networking features off and a throw-away profile; the page itself loads
nothing (see :mod:`genomed.report.html_report`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from genomed.errors import GenomedError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-pdf-header-footer",
)


class PdfError(GenomedError):
    """No Chromium to print with, or printing failed."""


def find_chromium() -> str:
    explicit = os.environ.get("GENOMED_CHROMIUM")
    if explicit:
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(
        "PDF reports are printed by headless Chromium, which was not found: install it "
        "(Debian/Ubuntu: apt-get install chromium) or set GENOMED_CHROMIUM; "
        "HTML, JSON and FHIR reports need nothing"
    )


def html_to_pdf(html: str, out: Path, timeout: float = 120) -> Path:
    """Print ``html`` to ``out`` with headless Chromium."""
    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="genomed-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        # print the evidence tables too: <details> is collapsed on screen, open on paper
        page.write_text(html.replace("<details>", "<details open>"), encoding="utf-8")
        target = Path(tmp) / "report.pdf"
        cmd = [
            chromium,
            *FLAGS,
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from None
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            raise PdfError(f"Chromium could not print the report: {done.stderr.strip()[-400:]}")
        shutil.move(str(target), out)
    return out
