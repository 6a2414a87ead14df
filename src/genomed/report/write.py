"""Write reports: a result to a file (format from the extension), a single case from
files, a workspace sample, and the demo tumour.

=============  ==========================================================
extension      format
=============  ==========================================================
``.html``      self-contained page (:mod:`genomed.report.html_report`)
``.pdf``       the same page printed by headless Chromium
``.fhir.json`` HL7 FHIR R4 Genomics Reporting bundle
``.json``      the report document (``report_schema.json``)
=============  ==========================================================
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from genomed.errors import InputError
from genomed.interpret.somatic import SomaticResult, interpret_somatic
from genomed.report.fhir_report import to_fhir_bundle
from genomed.report.html_report import render_html
from genomed.report.report_document import build_document

FORMATS = (".fhir.json", ".json", ".html", ".pdf")


def report_format(path: str | Path) -> str:
    """``fhir`` | ``json`` | ``html`` | ``pdf`` from a file name; InputError otherwise."""
    name = Path(path).name.lower()
    for suffix in FORMATS:
        if name.endswith(suffix):
            return "fhir" if suffix == ".fhir.json" else suffix[1:]
    raise InputError("report file must end in .html, .pdf, .json or .fhir.json", path=str(path))


def write_document(document: dict, path: str | Path) -> Path:
    """Render a report document to ``path`` (atomically: temporary file, then rename)."""
    path = Path(path)
    kind = report_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if kind == "json":
            tmp.write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
        elif kind == "fhir":
            tmp.write_text(json.dumps(to_fhir_bundle(document), indent=1) + "\n", encoding="utf-8")
        elif kind == "html":
            tmp.write_text(render_html(document), encoding="utf-8")
        else:
            from genomed.report.pdf_report import html_to_pdf

            html_to_pdf(render_html(document), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_report(
    result: SomaticResult, path: str | Path, workspace_versions: dict | None = None
) -> Path:
    """Write a somatic interpretation as a report (format from the extension)."""
    return write_document(build_document(result, workspace_versions), path)


def report_from_vcf(
    vcf: str | Path,
    out: str | Path,
    *,
    tumor_type: str,
    normal: str | Path | None = None,
    cna: str | Path | None = None,
    fusions: str | Path | None = None,
    **options,
) -> Path:
    """Interpret a single case from files and write its report."""
    result = interpret_somatic(
        vcf, tumor_type=tumor_type, normal=normal, cna=cna, fusions=fusions, **options
    )
    return write_report(result, out)


def report_from_workspace(
    workspace, sample_id: str, out: str | Path, *, tumor_type: str | None = None, **options
) -> Path:
    """Report on a workspace sample: its calls, CNA and fusions; the tumour type from the
    ``samples`` table unless given; the matched normal's germline findings when the
    sample names one. The workspace table versions read are recorded in the report."""
    from genomed.interpret.germline import interpret_germline
    from genomed.interpret.workspace_input import load_workspace_sample
    from genomed.store.workspace import Workspace

    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    sample = load_workspace_sample(ws, sample_id, options.get("reference"))
    code = tumor_type or sample.tumor_type
    if not code:
        raise InputError(
            f"sample {sample_id} has no tumour type in the workspace: pass --tumor-type"
        )
    result = interpret_somatic(
        variants=sample.variants,
        tumor_type=code,
        cna=sample.cna or None,
        fusions=sample.fusions or None,
        sample_id=sample_id,
        **options,
    )
    versions = dict(sample.table_versions)
    if sample.matched_normal_id:
        normal = load_workspace_sample(ws, sample.matched_normal_id, options.get("reference"))
        result.germline = interpret_germline(
            variants=normal.variants,
            knowledge=options.get("knowledge"),
            secondary_findings_only=True,
        )
        result.case["normal"] = sample.matched_normal_id
    result.case["input"] = f"workspace {ws.path}, sample {sample_id}"
    return write_report(result, out, versions)
