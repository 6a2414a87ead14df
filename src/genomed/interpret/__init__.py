"""Clinical interpretation: somatic tiers and therapies, oncogenicity, TMB, copy-number and
fusion events, germline ACMG/AMP classification.

Python API (the functions the CLI calls):

* :func:`genomed.interpret.somatic.interpret_somatic` — tumour VCF (+ CNA/fusions) and an
  OncoTree code -> :class:`~genomed.interpret.somatic.SomaticResult`;
* :func:`genomed.interpret.germline.interpret_germline` — germline VCF ->
  :class:`~genomed.interpret.germline.GermlineResult`;
* :func:`genomed.interpret.variant_input.load_variants` — the input contract every
  interpretation starts from (documented in that module);
* :func:`genomed.interpret.tables.write_table` — ``.tsv`` / ``.json`` variant tables.
"""
