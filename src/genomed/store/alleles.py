"""Turn raw allele rows from any reader into workspace-ready variants.

Every ingest path (VCF, MAF, cBioPortal, Phenopacket) funnels its alleles through
:func:`prepare_alleles`, so the same variant gets the same ``variant_key`` whatever file
it came from: chromosome names canonicalised, alleles trimmed, GRCh37 positions lifted
to the workspace build (records that cannot be lifted are returned, never dropped
silently), keys computed in one vectorised pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.model.chromosome import CANONICAL, normalise_chrom
from genomed.model.normalise import trim_alleles
from genomed.model.variant_key import variant_keys


@dataclass
class PreparedAlleles:
    """``table`` keeps the input columns (rows that could be placed) with canonical
    ``chrom``/``pos``/``ref``/``alt`` and a new ``variant_key``; ``unlifted`` lists the
    rows that could not be lifted over (line, chrom, pos, ref, alt, reason)."""

    table: pa.Table
    unlifted: list[dict] = field(default_factory=list)


def canonical_chroms(chrom: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Canonical names for a column of chromosome names (each distinct name mapped once,
    through Arrow's dictionary encoding rather than a sort of Python strings)."""
    encoded = pc.dictionary_encode(pc.cast(chrom, pa.string()))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    names = np.array([normalise_chrom(u) for u in encoded.dictionary.to_pylist()], dtype=object)
    return names[encoded.indices.to_numpy(zero_copy_only=False)]


def _trimmed(pos: np.ndarray, ref: np.ndarray, alt: np.ndarray):
    """Trim shared bases (only rows whose alleles can share bases need the Python loop)."""
    pos = pos.copy()
    ref = ref.copy()
    alt = alt.copy()
    ref_len = np.char.str_len(ref.astype(str))
    alt_len = np.char.str_len(alt.astype(str))
    for i in np.flatnonzero((ref_len > 1) & (alt_len > 1)):
        pos[i], ref[i], alt[i] = trim_alleles(int(pos[i]), ref[i], alt[i])
    return pos, ref, alt


def prepare_alleles(
    table: pa.Table,
    *,
    source_build: str,
    workspace_build: str,
    chain_path: str | Path | None = None,
) -> PreparedAlleles:
    """Canonicalise, trim, lift and key the alleles of ``table``.

    ``table`` needs ``chrom``, ``pos`` (1-based), ``ref``, ``alt`` and may carry ``line``
    (input line number, used in the unlifted report) and any other columns, which are
    kept. Alleles are upper-cased. Lifting happens when ``source_build`` differs from
    ``workspace_build``; the chain is found with :func:`genomed.io.chain.find_chain`.
    """
    chrom = canonical_chroms(table.column("chrom"))
    pos = table.column("pos").to_numpy().astype(np.int64)
    ref = np.char.upper(np.asarray(table.column("ref").to_pylist(), dtype=object).astype(str))
    alt = np.char.upper(np.asarray(table.column("alt").to_pylist(), dtype=object).astype(str))
    ref = ref.astype(object)
    alt = alt.astype(object)
    pos, ref, alt = _trimmed(pos, ref, alt)
    unlifted: list[dict] = []
    keep = np.ones(len(pos), dtype=bool)
    if source_build != workspace_build and len(pos):
        from genomed.io.chain import ChainFile, find_chain

        chain = ChainFile.load(find_chain(source_build, workspace_build, chain_path))
        result, new_ref, new_alt = chain.lift_alleles(chrom, pos, ref, alt)
        reasons = np.asarray(result.reason, dtype=object).copy()
        # A base that lifts only onto an alt/patch contig is reported, not stored: the
        # workspace keeps the primary assembly (1..22, X, Y, MT) like the target file would.
        off_primary = np.asarray(result.ok, dtype=bool) & ~np.isin(
            np.asarray(result.chrom, dtype=object), CANONICAL
        )
        reasons[off_primary] = "lifted to a non-primary contig"
        ok = np.asarray(result.ok, dtype=bool) & ~off_primary
        lines = (
            table.column("line").to_pylist() if "line" in table.column_names else [None] * len(pos)
        )
        for i in np.flatnonzero(~ok):
            unlifted.append(
                {
                    "line": lines[i],
                    "chrom": chrom[i],
                    "pos": int(pos[i]),
                    "ref": ref[i],
                    "alt": alt[i],
                    "reason": reasons[i],
                }
            )
        keep = ok
        chrom, pos = np.asarray(result.chrom, dtype=object), np.asarray(result.pos, dtype=np.int64)
        ref, alt = np.asarray(new_ref, dtype=object), np.asarray(new_alt, dtype=object)
    keys = variant_keys(chrom[keep], pos[keep], ref[keep], alt[keep])
    out = table.filter(pa.array(keep))
    replacements = {
        "chrom": pa.array(chrom[keep].tolist(), pa.string()),
        "pos": pa.array(pos[keep], pa.int32()),
        "ref": pa.array(ref[keep].tolist(), pa.string()),
        "alt": pa.array(alt[keep].tolist(), pa.string()),
    }
    for name, column in replacements.items():
        out = out.set_column(out.column_names.index(name), name, column)
    out = out.append_column("variant_key", pa.array(keys, pa.int64()))
    return PreparedAlleles(out, unlifted)


def new_variants(ws_connection, candidates: pa.Table) -> pa.Table:
    """Rows of ``candidates`` (variant_key, chrom, pos, ref, alt[, rsid]) whose key is not
    yet in the workspace's variants table, one per key."""
    ws_connection.register("_candidates", candidates)
    try:
        return (
            ws_connection.sql(
                """
            SELECT * FROM (
                SELECT *, row_number() OVER (PARTITION BY variant_key ORDER BY pos) AS _rn
                FROM _candidates c
                WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE v.variant_key = c.variant_key)
            ) WHERE _rn = 1
            """
            )
            .arrow()
            .read_all()
            .drop(["_rn"])
        )
    finally:
        ws_connection.unregister("_candidates")
