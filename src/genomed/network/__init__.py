"""The institution network: Beacon v2 nodes, access levels, privacy rules, the hub.

Each institution runs a *node* (``genomed serve``) over its workspace; a *hub*
(``genomed network``) asks many nodes the same question and pools their aggregate
answers into exact federated statistics. Patient-level data never leaves a node except
as records to a token whose level allows them. Modules, one concept each:

- :mod:`.access_levels` public / registered / controlled and the granularity each allows
- :mod:`.tokens` API tokens: created once, stored as scrypt hashes, mapped to datasets
- :mod:`.privacy_policy` minimum cell count, rounding, budgets: the node's privacy settings
- :mod:`.count_release` how one count is released under the policy (suppress, round)
- :mod:`.differencing_guard` refuses counts that differ from earlier ones by < k people
- :mod:`.query_quota` per-token rate limit and daily query budget
- :mod:`.audit_log` the append-only, hash-chained audit log
- :mod:`.node_config` a node's settings and state folder inside the workspace
- :mod:`.datasets` the Beacon datasets of a workspace (which patients each holds)
- :mod:`.beacon_request` Beacon v2 GET/POST requests parsed into one query object
- :mod:`.beacon_filters` Beacon filters -> cohort definitions (HPO/OncoTree descendants, sex, ...)
- :mod:`.hpo_terms` HPO descendant expansion (hpo3)
- :mod:`.oncotree_terms` OncoTree descendant expansion and names (the knowledge bundle)
- :mod:`.variant_query` g_variants request parameters -> SQL over ``variants``/``calls``
- :mod:`.beacon_records` records: genomicVariation, individual, biosample, dataset, cohort
- :mod:`.beacon_framework` info, service-info, configuration, map, entry types, filtering terms
- :mod:`.beacon_responses` the Beacon response envelopes (meta, summary, result sets, errors)
- :mod:`.node_service` answers one request: authorise, query, apply privacy, audit
- :mod:`.aggregates` genomed extension answers: allele counts, 2x2 tables, survival sums
- :mod:`.federated_statistics` pooled counts, AF, log-rank, Kaplan-Meier, Fisher (hub side)
- :mod:`.hub` the node registry and the concurrent fan-out with per-node status
- :mod:`.workspace_split` split a workspace by patient into institution workspaces (demo, tests)
"""
