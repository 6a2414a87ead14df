"""Gene-level alterations of patients and what each sample was profiled for, as SQL.

Alteration types (the ``alteration`` column everywhere in :mod:`genomed.cohort`):

==================  ===================================================================
``mutation``        a ``calls`` row with a ``gene`` whose ``variant_class`` is
                    nonsynonymous or unknown (:data:`~genomed.cohort.variant_classes.NONSYNONYMOUS`)
                    and whose ``filter`` is empty or PASS
``amplification``   a ``cna`` value of 2 (GISTIC high-level amplification)
``deep_deletion``   a ``cna`` value of -2 (homozygous deletion)
``fusion``          a ``structural_variants`` row naming the gene as gene1 or gene2
==================  ===================================================================

Profiled (panel-aware denominators). A sample counts towards a gene's denominator for an
alteration type only if it was profiled for that type with a panel holding the gene:

- a ``sample_profiles`` row of the type says which panel (null, WES, WXS, WGS: all genes);
- otherwise, for mutations, ``samples.panel_id`` is the panel (null: all genes) and the
  sample counts as sequenced if it has at least one call;
- otherwise, for CNA and structural variants, a sample with rows of that type, or a
  sequenced sample of an ingest that wrote rows of that type, was profiled genome-wide;
- but a sample of an ingest whose gene-panel matrix has rows for the type and not for
  this sample (cBioPortal ``NA``) was not profiled for it.

An alteration of a gene outside the sample's panel is not counted either, so a gene's
altered patients never exceed its profiled patients.
"""

from __future__ import annotations

from genomed.cohort.variant_classes import NONSYNONYMOUS, so_to_maf_sql, sql_in_list

ALTERATION_TYPES = ("mutation", "amplification", "deep_deletion", "fusion")
PROFILE_OF = {
    "mutation": "mutations",
    "amplification": "cna",
    "deep_deletion": "cna",
    "fusion": "structural_variants",
}
WHOLE_GENOME_PANELS = ("WES", "WXS", "WGS")
PASS_FILTER = "(c.filter IS NULL OR c.filter IN ('PASS', '.', ''))"
COUNTED_CLASSES = f"(c.variant_class IS NULL OR c.variant_class IN {sql_in_list(NONSYNONYMOUS)})"


def create_gene_calls(con) -> None:
    """Create the temp view ``gene_calls`` (sample_id, variant_key, gene, protein_change,
    variant_class, origin, filter): the calls that carry a gene from their MAF/cBioPortal
    source, plus, where ``annotations`` exist, calls without one annotated on a canonical
    transcript (gene, one-letter protein change, SO consequence mapped to a MAF class by
    :data:`~genomed.cohort.variant_classes.SO_TO_MAF`)."""
    direct = (
        "SELECT sample_id, variant_key, gene, protein_change, variant_class, origin, filter "
        "FROM calls WHERE gene IS NOT NULL"
    )
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM annotations LIMIT 1)").fetchall()[0][0]:
        annotated = (
            "SELECT c.sample_id, c.variant_key, a.gene, a.protein_change, "
            f"{so_to_maf_sql('coalesce(a.most_severe, a.consequence)')} AS variant_class, c.origin, c.filter "
            "FROM calls c JOIN (SELECT variant_key, gene, any_value(protein_change) AS protein_change, "
            "any_value(most_severe) AS most_severe, any_value(consequence) AS consequence FROM annotations "
            "WHERE canonical AND gene IS NOT NULL GROUP BY variant_key, gene) a ON a.variant_key = c.variant_key "
            "WHERE c.gene IS NULL"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW gene_calls AS {direct} UNION ALL {annotated}")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW gene_calls AS {direct}")


def mutation_rows(where: str = "") -> str:
    """SQL of gene-level calls: patient_id, sample_id, gene, protein_change, variant_class,
    origin, day (the sample's collection day). ``where`` adds conditions on ``c``/``s``."""
    extra = f" AND {where}" if where else ""
    return (
        "SELECT s.patient_id, c.sample_id, c.gene, c.protein_change, c.variant_class, c.origin, "
        "s.collection_day AS day FROM gene_calls c JOIN samples s ON s.sample_id = c.sample_id "
        f"WHERE c.gene IS NOT NULL AND {PASS_FILTER}{extra}"
    )


def cna_rows(where: str = "") -> str:
    """SQL: patient_id, sample_id, gene, value, day of every stored CNA call."""
    extra = f" AND {where}" if where else ""
    return (
        "SELECT s.patient_id, c.sample_id, c.gene, c.value, s.collection_day AS day "
        f"FROM cna c JOIN samples s ON s.sample_id = c.sample_id WHERE c.gene IS NOT NULL{extra}"
    )


def sv_rows(where: str = "") -> str:
    """SQL: patient_id, sample_id, gene, partner, day; one row per gene side of each SV."""
    extra = f" AND {where}" if where else ""
    return (
        "SELECT s.patient_id, v.sample_id, v.gene, v.partner, s.collection_day AS day FROM ("
        "SELECT sample_id, gene1 AS gene, gene2 AS partner FROM structural_variants WHERE gene1 IS NOT NULL "
        "UNION ALL SELECT sample_id, gene2 AS gene, gene1 AS partner FROM structural_variants "
        "WHERE gene2 IS NOT NULL AND gene2 IS DISTINCT FROM gene1) v "
        f"JOIN samples s ON s.sample_id = v.sample_id WHERE TRUE{extra}"
    )


def _sample_panels_sql(profile: str) -> str:
    """SQL of the samples profiled for ``profile`` (mutations | cna | structural_variants):
    sample_id, patient_id, panel_id (null = every gene); needs ``called_samples``."""
    whole = sql_in_list(WHOLE_GENOME_PANELS)
    # an ingest with a gene-panel matrix for the profile lists every sample it profiled
    matrix_batches = f"(SELECT DISTINCT batch_id FROM sample_profiles WHERE profile = '{profile}')"
    if profile == "mutations":
        fallback = "s.panel_id"
        sequenced = "s.sample_id IN (SELECT sample_id FROM called_samples)"
    else:
        table = "cna" if profile == "cna" else "structural_variants"
        fallback = "NULL"
        sequenced = (
            f"(s.sample_id IN (SELECT DISTINCT sample_id FROM {table}) OR "
            f"(s.batch_id IN (SELECT DISTINCT batch_id FROM {table}) AND "
            "s.sample_id IN (SELECT sample_id FROM called_samples)))"
        )
    return (
        f"SELECT s.sample_id, s.patient_id, '{profile}' AS profile, "
        f"CASE WHEN upper(p) IN {whole} THEN NULL ELSE p END AS panel_id "
        f"FROM (SELECT s.sample_id, s.patient_id, CASE WHEN sp.sample_id IS NULL THEN {fallback} ELSE sp.panel_id END AS p, "
        f"sp.sample_id IS NOT NULL OR (coalesce(s.batch_id, '') NOT IN {matrix_batches} AND {sequenced}) AS profiled "
        "FROM samples s LEFT JOIN "
        f"(SELECT sample_id, any_value(panel_id) AS panel_id FROM sample_profiles WHERE profile = '{profile}' "
        "AND panel_id IS NOT NULL AND upper(panel_id) NOT IN ('NA', '') GROUP BY sample_id) sp "
        "ON sp.sample_id = s.sample_id) s WHERE profiled"
    )


def prepare(con, profiled=None) -> None:
    """Materialise, once per connection, what every frequency needs: ``called_samples``
    (samples with a call), ``profiled_samples`` (sample_id, patient_id, profile,
    panel_id) and ``panel_gene_pairs`` (distinct panel_id, gene).

    ``profiled``: ``profiled_samples`` already computed for this snapshot (an Arrow table,
    e.g. from the alteration index), so the calls need not be scanned again."""
    done = {
        r[0]
        for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    }
    if "profiled_samples" in done:
        return
    con.execute(
        "CREATE TEMP TABLE panel_gene_pairs AS SELECT DISTINCT panel_id, gene FROM gene_panels"
    )
    if profiled is not None:
        con.register("_profiled_samples", profiled)
        con.execute("CREATE TEMP TABLE profiled_samples AS SELECT * FROM _profiled_samples")
        con.unregister("_profiled_samples")
        return
    # whether a sample has calls only matters for samples without a gene-panel-matrix row
    unsure = (
        "SELECT sample_id FROM samples WHERE sample_id NOT IN "
        "(SELECT sample_id FROM sample_profiles WHERE profile = 'mutations') "
        "OR batch_id IN (SELECT batch_id FROM cna UNION SELECT batch_id FROM structural_variants)"
    )
    if con.execute(f"SELECT count(*) FROM ({unsure})").fetchall()[0][0]:
        con.execute(
            f"CREATE TEMP TABLE called_samples AS SELECT DISTINCT sample_id FROM calls WHERE sample_id IN ({unsure})"
        )
    else:
        con.execute("CREATE TEMP TABLE called_samples (sample_id VARCHAR)")
    union = " UNION ALL ".join(
        _sample_panels_sql(p) for p in ("mutations", "cna", "structural_variants")
    )
    con.execute(f"CREATE TEMP TABLE profiled_samples AS {union}")


def sample_panels(profile: str) -> str:
    """SQL: sample_id, patient_id, panel_id (null = every gene) of the samples profiled
    for ``profile`` (after :func:`prepare`)."""
    return (
        f"SELECT sample_id, patient_id, panel_id FROM profiled_samples WHERE profile = '{profile}'"
    )


def panel_genes() -> str:
    """SQL: distinct (panel_id, gene) pairs of every gene panel (after :func:`prepare`)."""
    return "SELECT panel_id, gene FROM panel_gene_pairs"


def alteration_parts(
    members: str = "cohort_patients",
    gene_filter: str = "",
    columns: str = "DISTINCT mp.patient_id, a.gene",
    joins: str = "",
) -> dict[str, str]:
    """Per alteration type, SQL of the distinct (patient_id, gene) of ``members`` with a
    counted alteration on a gene their sample was profiled for (after :func:`prepare`).
    ``gene_filter`` is a SQL condition on ``a.gene``; ``columns`` and ``joins`` let a
    caller select other columns of ``mp`` (the profiled sample) and ``a`` (the alteration)
    and join more tables (the alteration index numbers patients and genes this way)."""
    parts = {}
    extra = f" AND {gene_filter}" if gene_filter else ""
    for alteration in ALTERATION_TYPES:
        profile = PROFILE_OF[alteration]
        if alteration == "mutation":
            source = (
                "SELECT c.sample_id, c.gene FROM gene_calls c "
                f"WHERE c.gene IS NOT NULL AND {PASS_FILTER} AND {COUNTED_CLASSES}"
            )
        elif alteration == "amplification":
            source = "SELECT sample_id, gene FROM cna WHERE value >= 2"
        elif alteration == "deep_deletion":
            source = "SELECT sample_id, gene FROM cna WHERE value <= -2"
        else:
            source = (
                "SELECT sample_id, gene1 AS gene FROM structural_variants WHERE gene1 IS NOT NULL "
                "UNION SELECT sample_id, gene2 FROM structural_variants WHERE gene2 IS NOT NULL"
            )
        parts[alteration] = (
            f"SELECT {columns} FROM ({source}) a "
            f"JOIN (SELECT sample_id, patient_id, panel_id FROM profiled_samples WHERE profile = '{profile}' "
            f"AND patient_id IN (SELECT patient_id FROM {members})) mp ON mp.sample_id = a.sample_id "
            f"{joins} LEFT JOIN panel_gene_pairs g ON g.panel_id = mp.panel_id AND g.gene = a.gene "
            f"WHERE (mp.panel_id IS NULL OR g.gene IS NOT NULL){extra}"
        )
    return parts


def profiled_alterations(members: str = "cohort_patients", gene_filter: str = "") -> str:
    """SQL of the distinct (patient_id, gene, alteration) of :func:`alteration_parts`."""
    return " UNION ALL ".join(
        f"SELECT patient_id, gene, '{alteration}' AS alteration FROM ({sql})"
        for alteration, sql in alteration_parts(members, gene_filter).items()
    )


def patient_panels(profiles: tuple[str, ...], members: str = "cohort_patients") -> str:
    """SQL: distinct (patient_id, panel_id) of ``members`` over samples profiled for any of
    ``profiles``; panel_id null = every gene."""
    union = " UNION ALL ".join(sample_panels(p) for p in profiles)
    return (
        f"SELECT DISTINCT sp.patient_id, sp.panel_id FROM ({union}) sp "
        f"JOIN {members} m ON m.patient_id = sp.patient_id"
    )


def profiled_counts(profiles: tuple[str, ...], members: str = "cohort_patients") -> str:
    """SQL returning, per gene on some panel, how many members were profiled for it only
    through panels (``panel_patients``); members profiled genome-wide are counted once by
    :func:`whole_genome_count` and add to every gene.

    Patients are grouped by their combination of panels first, so the work is
    (distinct combinations x panel genes), not (patients x genes)."""
    pp = patient_panels(profiles, members)
    return (
        f"WITH pp AS ({pp}), "
        "whole AS (SELECT DISTINCT patient_id FROM pp WHERE panel_id IS NULL), "
        "partial AS (SELECT patient_id, list_sort(list(DISTINCT panel_id)) AS combo FROM pp "
        "WHERE patient_id NOT IN (SELECT patient_id FROM whole) GROUP BY patient_id), "
        "combos AS (SELECT combo, count(*) AS n FROM partial GROUP BY combo), "
        "combo_panels AS (SELECT combo, n, unnest(combo) AS panel_id FROM combos), "
        f"combo_genes AS (SELECT DISTINCT c.combo, c.n, g.gene FROM combo_panels c JOIN ({panel_genes()}) g "
        "ON g.panel_id = c.panel_id) "
        "SELECT gene, sum(n)::BIGINT AS panel_patients FROM combo_genes GROUP BY gene"
    )


def whole_genome_count(profiles: tuple[str, ...], members: str = "cohort_patients") -> str:
    """SQL: how many members were profiled genome-wide (panel null) for any of ``profiles``."""
    return f"SELECT count(DISTINCT patient_id) FROM ({patient_panels(profiles, members)}) WHERE panel_id IS NULL"
