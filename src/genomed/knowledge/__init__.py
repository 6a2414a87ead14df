"""Versioned knowledge bundles built from raw sources (CIViC, cancer hotspots, ClinVar,
ACMG SF genes, OncoTree, ...), each with a manifest of versions, checksums and licences.

* :mod:`genomed.knowledge.bundle_format` — every bundle table and its columns, documented once.
* :mod:`genomed.knowledge.build` — ``build_knowledge_bundle``: sources -> bundle directory.
* :mod:`genomed.knowledge.bundle` — ``KnowledgeBundle``: open a bundle (the shipped default
  or one a user built) and read its tables.
* one adapter module per source: :mod:`~genomed.knowledge.civic`,
  :mod:`~genomed.knowledge.cgi`, :mod:`~genomed.knowledge.hotspots`,
  :mod:`~genomed.knowledge.clinvar`, :mod:`~genomed.knowledge.acmg_sf`,
  :mod:`~genomed.knowledge.oncotree`, :mod:`~genomed.knowledge.curated_tables`.
"""
