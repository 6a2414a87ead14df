"""Patient reports from an interpretation: ``.html`` (self-contained), ``.pdf`` (headless
Chromium prints the HTML), ``.json`` (``report_schema.json``) and ``.fhir.json`` (an HL7
FHIR R4 Genomics Reporting bundle). All are rendered from one document
(:mod:`genomed.report.report_document`), so they carry the same content.

Entry points: :func:`genomed.report.write.write_report` (a result to a file, format by
extension), :func:`genomed.report.write.report_from_vcf` (a single case from files),
:func:`genomed.report.write.report_from_workspace` (a sample of a workspace); the demo
tumour's report is written by :func:`genomed.demo.write_demo_report`.
"""
