"""The population allele-frequency database: per-group AC/AN/AF, grpmax, FAF, incremental.

Counts are computed the way gnomAD computes them (adj genotype filter, hemizygous X/Y,
filtering allele frequency, grpmax without bottlenecked groups) from what the workspace
recorded, and kept as totals that a new batch or a withdrawn sample changes exactly.

Modules, each one concept:

- :mod:`.sex_chromosomes` expected ploidy by region (PARs) and karyotype
- :mod:`.adj` gnomAD's adj genotype filter (GQ, DP, allele balance)
- :mod:`.groups` who counts, under which labels; groups and grpmax settings
- :mod:`.counts` per-group AC/AN/nhomalt/nhemi of a set of samples over a set of alleles
- :mod:`.database` build, incremental add, withdrawal, compaction (atomic, logged)
- :mod:`.totals` the current totals (base + pending deltas), read by every reader
- :mod:`.filtering_allele_frequency` faf95/faf99
- :mod:`.frequencies` one wide record per allele: AF, grpmax, FAF, public-release suppression
- :mod:`.lookup` variant / rsID / region / gene look-ups
- :mod:`.export` bgzipped, tabix-indexed sites VCF and Parquet
"""
