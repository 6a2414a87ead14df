"""The HTML report in a real browser (Playwright driving Debian's Chromium) with every
network request blocked: the page must render all sections without asking for anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from genomed.interpret.somatic import interpret_somatic
from genomed.report.report_document import build_document
from genomed.report.write import write_document

playwright = pytest.importorskip(
    "playwright.sync_api", reason="pip install -e '.[test]' installs playwright"
)
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (make test installs it)"
)

DATA = Path(__file__).parent / "data" / "interpret"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_html_report_renders_offline(tmp_path):
    result = interpret_somatic(
        DATA / "T001-COAD.grch38.vcf.gz",
        tumor_type="COAD",
        cna=DATA / "T001-COAD.grch38.cna.tsv",
        fusions=DATA / "T001-COAD.grch38.fusions.tsv",
        normal=DATA / "vep_csq_germline.vcf",
        sample_id="T001-COAD",
    )
    document = build_document(result)
    page_path = write_document(document, tmp_path / "report.html")
    requested, blocked, errors = [], [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(offline=True)

        def route(r):
            requested.append(r.request.url)
            if r.request.url == page_path.as_uri():
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        for section in (
            "case",
            "tier-i-ii",
            "other-findings",
            "tmb",
            "germline",
            "methods",
            "versions",
            "limitations",
        ):
            assert page.locator(f"section#{section}").is_visible(), section
            assert page.locator(f"section#{section} h2").inner_text().strip()
        cards = page.locator("#tier-i-ii .card.variant")
        assert cards.count() == document["summary"]["reportable"]
        first = cards.first
        assert first.get_attribute("data-tier") == "I-A"
        assert "BRAF V600E" in first.locator("h3").inner_text()
        assert "Cetuximab" in first.locator("table.therapies").inner_text()
        first.locator("details summary").click()
        assert first.locator("table.evidence").is_visible()
        assert "EID103" in first.locator("table.evidence").inner_text()
        assert "BRCA2" in page.locator("#germline").inner_text()
        assert (
            f"{document['tmb']['mutations_per_mb']} mutations/Mb"
            in page.locator("#tmb").inner_text()
        )
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        browser.close()
    assert blocked == [], blocked  # the page asked for nothing beyond itself
    assert requested == [page_path.as_uri()]
    assert errors == []
