"""Genome builds and transcript-model bundles (built from GTF/GFF3/genePred + sequences).

A bundle is a directory of Parquet tables plus ``manifest.json``; see
:mod:`genomed.reference.bundle` and ``docs/annotation.md`` for the format.
"""
