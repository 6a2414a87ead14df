"""Variant annotation: consequences and HGVS from a reference bundle, then population
frequencies and knowledge-base matches. Each distinct variant is annotated once per
bundle version.

Entry points: :func:`genomed.annotate.annotator.annotate_variants` (an Arrow table of
``chrom``/``pos``/``ref``/``alt`` in, one row per variant x transcript out),
:func:`genomed.annotate.vcf_annotate.annotate_vcf` (file to file, VEP-style ``CSQ``) and
:func:`genomed.annotate.workspace_annotate.annotate_workspace`.
"""

from __future__ import annotations


def annotate_variants(*args, **kwargs):
    """See :func:`genomed.annotate.annotator.annotate_variants` (imported lazily so that
    importing the package has no cost)."""
    from genomed.annotate.annotator import annotate_variants as _annotate

    return _annotate(*args, **kwargs)
