"""Input alleles in the two forms annotation needs: VCF style and minimal (VEP) style.

VCF style keeps the anchor base of indels (``pos=100 ref=A alt=AT``). Minimal style
drops every shared base, as Ensembl VEP does: ``start``/``end`` span the reference bases
that change, ``ref``/``alt`` may be empty, and an insertion has ``start = end + 1``
(it sits between ``end`` and ``start``). Overlap tests written for closed intervals then
work unchanged for insertions: an insertion overlaps a feature when both flanking bases
are inside it.

Only rows whose alleles are longer than one base go through Python; SNVs stay in NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles


@dataclass
class VariantAlleles:
    """Columns (NumPy) of n input alleles; see module docstring for the two styles."""

    chrom: np.ndarray  # object, canonical names
    pos: np.ndarray  # int64, VCF style after trimming
    ref: np.ndarray  # object, VCF style after trimming (upper case)
    alt: np.ndarray
    start: np.ndarray  # int64, minimal style
    end: np.ndarray
    ref_min: np.ndarray  # object, '' when empty
    alt_min: np.ndarray
    rlen: np.ndarray  # int64, len(ref_min)
    alen: np.ndarray
    annotatable: np.ndarray  # bool: plain A/C/G/T/N alleles (not symbolic, not '*')
    chrom_names: np.ndarray | None = None  # object: the distinct canonical names ...
    chrom_index: np.ndarray | None = None  # int: ... and each row's index into them

    def __len__(self) -> int:
        return len(self.pos)

    def chrom_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct chromosome names, each row's index into them)."""
        if self.chrom_index is None:
            names, index = np.unique(self.chrom.astype(str), return_inverse=True)
            return names.astype(object), index
        return self.chrom_names, self.chrom_index


def _upper(column) -> pa.Array:
    return pc.utf8_upper(pc.cast(column, pa.string()).fill_null(""))


def _minimal_anchored(rows, ref_a, alt_a, ref_len, alt_len, start, end, ref_min, alt_min) -> None:
    """Minimal form of alleles where REF or ALT is one base (trimming leaves them as they
    are), written into the arrays at ``rows``: the same rules as the per-row loop of
    :func:`prepare_alleles`, with Arrow string kernels."""
    if len(rows) == 0:
        return
    index = pa.array(rows)
    r, a = ref_a.take(index), alt_a.take(index)
    rl, al = ref_len[rows], alt_len[rows]

    def first(x):
        return pc.utf8_slice_codeunits(x, 0, 1)

    def last(x):
        return pc.utf8_slice_codeunits(x, -1)

    def mask(x) -> np.ndarray:
        return np.asarray(x.to_numpy(zero_copy_only=False), dtype=bool)

    left = mask(pc.equal(first(r), first(a)))  # anchor base first: drop it
    right_ins = ~left & (rl == 1) & mask(pc.equal(last(a), r))  # right-anchored insertion
    right_del = ~left & ~right_ins & (al == 1) & mask(pc.equal(last(r), a))
    empty = pa.scalar("")
    r_min = pc.if_else(
        pa.array(left),
        pc.utf8_slice_codeunits(r, 1),
        pc.if_else(
            pa.array(right_ins),
            empty,
            pc.if_else(pa.array(right_del), pc.utf8_slice_codeunits(r, 0, -1), r),
        ),
    )
    a_min = pc.if_else(
        pa.array(left),
        pc.utf8_slice_codeunits(a, 1),
        pc.if_else(
            pa.array(right_ins),
            pc.utf8_slice_codeunits(a, 0, -1),
            pc.if_else(pa.array(right_del), empty, a),
        ),
    )
    r2 = np.where(left | right_del, rl - 1, np.where(right_ins, 0, rl))
    a2 = np.where(left | right_ins, al - 1, np.where(right_del, 0, al))
    start[rows] = start[rows] + left
    end[rows] = start[rows] + r2 - 1
    ref_min[rows] = r_min.to_numpy(zero_copy_only=False)
    alt_min[rows] = a_min.to_numpy(zero_copy_only=False)
    ref_len[rows], alt_len[rows] = r2, a2


def prepare_alleles(table: pa.Table) -> VariantAlleles:
    """Trimmed VCF-style and minimal-style alleles of ``table`` (``chrom``, ``pos``,
    ``ref``, ``alt`` columns; ``pos`` 1-based)."""
    chrom_col = pc.cast(table.column("chrom"), pa.string())
    if isinstance(chrom_col, pa.ChunkedArray):
        chrom_col = chrom_col.combine_chunks()
    encoded = chrom_col.dictionary_encode()
    names = np.array([normalise_chrom(u) for u in encoded.dictionary.to_pylist()], dtype=object)
    chrom_index = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    chrom = names[chrom_index]
    pos = table.column("pos").to_numpy().astype(np.int64)
    ref_a, alt_a = _upper(table.column("ref")), _upper(table.column("alt"))
    ref_len = pc.utf8_length(ref_a).to_numpy().astype(np.int64)
    alt_len = pc.utf8_length(alt_a).to_numpy().astype(np.int64)
    plain = pc.and_(
        pc.match_substring_regex(ref_a, "^[ACGTN]+$"),
        pc.match_substring_regex(alt_a, "^[ACGTN]+$"),
    )
    annotatable = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
    ref = np.asarray(ref_a.to_numpy(zero_copy_only=False), dtype=object)
    alt = np.asarray(alt_a.to_numpy(zero_copy_only=False), dtype=object)
    start = pos.copy()
    end = pos.copy()
    ref_min = ref.copy()
    alt_min = alt.copy()
    todo = ((ref_len != 1) | (alt_len != 1)) & annotatable
    # one allele of one base (VCF-anchored indels): nothing to trim, minimal form by column
    anchored = todo & ((ref_len == 1) | (alt_len == 1))
    _minimal_anchored(np.flatnonzero(anchored), ref_a, alt_a, ref_len, alt_len, start, end,
                      ref_min, alt_min)  # fmt: skip
    for i in np.flatnonzero(todo & ~anchored):
        p, r, a = trim_alleles(int(pos[i]), ref[i], alt[i])
        pos[i], ref[i], alt[i] = p, r, a
        s = p
        if r[0] == a[0] and (len(r) == 1 or len(a) == 1):
            r2, a2, s = r[1:], a[1:], p + 1
        elif len(r) == 1 and a.endswith(r):  # right-anchored insertion
            r2, a2 = "", a[:-1]
        elif len(a) == 1 and r.endswith(a):  # right-anchored deletion
            r2, a2 = r[:-1], ""
        else:
            r2, a2 = r, a
        start[i] = s
        end[i] = s + len(r2) - 1
        ref_min[i], alt_min[i] = r2, a2
        ref_len[i], alt_len[i] = len(r2), len(a2)
    annotatable &= ~((ref_len == 1) & (alt_len == 1) & (ref == alt))
    annotatable &= (ref_len > 0) | (alt_len > 0)
    return VariantAlleles(
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        start=start,
        end=end,
        ref_min=ref_min,
        alt_min=alt_min,
        rlen=ref_len,
        alen=alt_len,
        annotatable=annotatable,
        chrom_names=names,
        chrom_index=chrom_index,
    )
