"""UCSC liftOver chain files: parse once into NumPy arrays, lift whole columns at a time.

A chain file (https://genome.ucsc.edu/goldenPath/help/chain.html) is a list of chains::

    chain score tName tSize tStrand tStart tEnd qName qSize qStrand qStart qEnd id
    size dt dq
    ...
    size

Coordinates are 0-based half-open. ``t`` ("target" in UCSC's words) is the build we lift
*from* and ``q`` ("query") the build we lift *to*; this module calls them *source* and
*target*. Each ``size`` line is an ungapped aligned block; ``dt``/``dq`` are the gaps
before the next block on each side. ``qStrand`` ``-`` means the query coordinates count
from the end of the query chromosome's reverse strand.

Lifting is interval arithmetic, vectorised: every chromosome's blocks are laid end to end
on one global axis, cut at every block boundary into *elementary segments*, and each
segment remembers the best block covering it and how many chains cover it. A position
is then one :func:`numpy.searchsorted` away from its answer.

Which answer when several chains cover a base (``multiple``):

``"best"`` (default)
    the highest-scoring chain's mapping, i.e. the first element pyliftover's
    ``LiftOver.convert_coordinate`` returns (it sorts all hits by chain score). Ties on
    score go to the chain that comes first in the file. :attr:`LiftResult.n_targets` says
    how many chains covered the base, so callers can still report ambiguous lifts.
``"fail"``
    UCSC ``liftOver``'s default without ``-multiple``: a base covered by more than one
    chain is "Duplicated in new" and not lifted (reason ``"multiple targets"``).

Reasons a lift fails are the keys of :data:`REASONS`; see ``docs/liftover.md``.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

import numpy as np

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom

#: Why a record was not lifted (the ``reason`` values of :class:`LiftResult`; ``None`` = lifted).
REASONS: dict[str, str] = {
    "no chain": "the chain file has no chain for this source chromosome",
    "invalid position": "position below 1 or beyond the end of the source chromosome",
    "in a gap": "the base lies in no aligned block (deleted or unaligned in the target build)",
    "multiple targets": "several chains cover the base (only with multiple='fail', like UCSC liftOver's 'Duplicated in new')",
    "span changed": "the REF allele does not lie inside one aligned block: its last base is in a gap or in another block or chain",
    "indel on minus strand": "an insertion or deletion lifted to the minus strand: its anchor base would change side and it would need left-aligning against the target FASTA",
    "symbolic allele on minus strand": "an allele that cannot be reverse-complemented (symbolic, breakend) lifted to the minus strand",
}

#: Chain file names per (source build, target build), as UCSC publishes them.
CHAIN_FILE_NAMES: dict[tuple[str, str], str] = {
    ("GRCh37", "GRCh38"): "hg19ToHg38.over.chain.gz",
    ("GRCh38", "GRCh37"): "hg38ToHg19.over.chain.gz",
}
_BUILD_ALIASES = {"grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37", "37": "GRCh37"}
_BUILD_ALIASES |= {"grch38": "GRCh38", "hg38": "GRCh38", "b38": "GRCh38", "38": "GRCh38"}
CHAIN_DIR_ENV = "GENOMED_CHAIN_DIR"
DEFAULT_CHAIN_DIR = Path("~/.genomed/chains")
#: The chain files shipped inside the package: UCSC's, for both pairs of
#: :data:`CHAIN_FILE_NAMES` (sources, licence and sha256 in ``PROVENANCE.md`` there).
PACKAGED_CHAIN_DIR = Path(str(files("genomed") / "data" / "chain"))
UCSC_DOWNLOAD = {
    "GRCh37": "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/liftOver/",
    "GRCh38": "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/liftOver/",
}

#: The mitochondrion: GRCh37 and GRCh38 both use the rCRS (NC_012920.1, 16,569 bp); UCSC
#: hg19's ``chrM`` is the older Yoruba sequence (NC_001807.4, 16,571 bp) and the UCSC chains
#: map that one. See :meth:`ChainFile.load` (``mitochondrion``).
RCRS_LENGTH = 16569
HG19_CHRM_LENGTH = 16571

_HEADER = re.compile(rb"^chain[ \t][^\n]*", re.MULTILINE)
_COMMENT = re.compile(rb"^#[^\n]*", re.MULTILINE)
_COMPLEMENT = str.maketrans("ACGTNacgtn*.-", "TGCANtgcan*.-")
_REVERSIBLE = set("ACGTNacgtn*.-,")


@dataclass(frozen=True)
class LiftResult:
    """Lifted positions, one row per input position (all arrays the same length).

    ``chrom`` (object): canonical target chromosome, ``None`` where not lifted.
    ``pos`` (int64): 1-based target position (for a span, its leftmost base); 0 where not lifted.
    ``strand`` (int8): +1 or -1 (target strand of the aligned block); 0 where not lifted.
    ``ok`` (bool): lifted.
    ``reason`` (object): ``None`` where lifted, else a key of :data:`REASONS`.
    ``n_targets`` (int64): number of chains whose aligned blocks contain the (first) base;
    above 1 means the lift chose among several targets (see ``multiple``).
    """

    chrom: np.ndarray
    pos: np.ndarray
    strand: np.ndarray
    ok: np.ndarray
    reason: np.ndarray
    n_targets: np.ndarray

    def __len__(self) -> int:
        return len(self.pos)


@dataclass(frozen=True)
class _Chains:
    """Parsed chain file: one row per chain and one row per aligned block."""

    score: np.ndarray  # int64 per chain
    source: list[str]  # canonical source chromosome per chain
    source_size: np.ndarray
    target: list[str]  # canonical target chromosome per chain
    target_size: np.ndarray
    target_minus: np.ndarray  # bool per chain
    block_chain: np.ndarray  # chain index per block
    block_start: np.ndarray  # source start, 0-based
    block_end: np.ndarray  # source end, exclusive
    block_target_start: np.ndarray  # target start in the chain's target-strand coordinates


class ChainFile:
    """A loaded chain file, indexed for vectorised lifting. Build with :meth:`load`."""

    def __init__(self, chains: _Chains, path: str | None = None) -> None:
        self.path = path
        self.n_chains = len(chains.score)
        self.n_blocks = len(chains.block_start)
        # Source chromosomes laid end to end on one axis (offsets[i] = start of chromosome i).
        sizes: dict[str, int] = {}
        for name, size in zip(chains.source, chains.source_size.tolist(), strict=True):
            if sizes.setdefault(name, size) != size:
                raise InputError(
                    f"chains disagree on the length of source chromosome {name} "
                    f"({sizes[name]} vs {size})",
                    path=path,
                )
        self.source_sizes = sizes
        self._source_names = list(sizes)
        self._source_index = {name: i for i, name in enumerate(self._source_names)}
        size_arr = np.array([sizes[n] for n in self._source_names], dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(size_arr)[:-1]]).astype(np.int64)
        self._sizes = size_arr
        self._target_names = sorted(set(chains.target))
        # Last entry None: index -1 gives the chromosome of an unlifted row.
        self._target_name_array = np.array([*self._target_names, None], dtype=object)
        target_index = {name: i for i, name in enumerate(self._target_names)}

        chain_source = np.array([self._source_index[n] for n in chains.source], dtype=np.int64)
        chain_target = np.array([target_index[n] for n in chains.target], dtype=np.int64)
        bc = chains.block_chain
        offset = self._offsets[chain_source[bc]]
        g_start = offset + chains.block_start
        g_end = offset + chains.block_end
        minus = chains.target_minus[bc]
        # target0 = a + strand * source0, with source0 the 0-based position on the source
        # chromosome; minus-strand blocks count from the end of the target chromosome.
        a_plus = chains.block_target_start - chains.block_start
        a_minus = chains.target_size[bc] - 1 - chains.block_target_start + chains.block_start
        self._block_a = np.where(minus, a_minus, a_plus).astype(np.int64)
        self._block_strand = np.where(minus, -1, 1).astype(np.int8)
        self._block_target = chain_target[bc]
        self._block_g_end = g_end

        # Elementary segments: cut the axis at every block boundary.
        bounds = np.unique(np.concatenate([g_start, g_end]))
        lo = np.searchsorted(bounds, g_start)
        hi = np.searchsorted(bounds, g_end)
        span = hi - lo
        block_of_pair = np.repeat(np.arange(len(g_start)), span)
        first = np.repeat(np.cumsum(span) - span, span)
        seg_of_pair = np.repeat(lo, span) + (np.arange(span.sum()) - first)
        n_seg = max(len(bounds) - 1, 0)
        self._bounds = bounds
        self._seg_hits = np.bincount(seg_of_pair, minlength=n_seg).astype(np.int64)
        # Best block per segment: highest chain score, then earliest chain in the file.
        chain_rank = np.empty(self.n_chains, dtype=np.int64)
        chain_rank[np.lexsort((np.arange(self.n_chains), -chains.score))] = np.arange(self.n_chains)
        order = np.lexsort((chain_rank[bc][block_of_pair], seg_of_pair))
        seg_sorted = seg_of_pair[order]
        is_first = np.ones(len(order), dtype=bool)
        is_first[1:] = seg_sorted[1:] != seg_sorted[:-1]
        self._seg_block = np.full(n_seg, -1, dtype=np.int64)
        self._seg_block[seg_sorted[is_first]] = block_of_pair[order][is_first]

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: str | Path, *, mitochondrion: Literal["rCRS", "chain"] = "rCRS"
    ) -> ChainFile:
        """Read a chain file (gzip-compressed or plain, detected from its first bytes).

        Chromosome names are canonicalised with
        :func:`genomed.model.chromosome.normalise_chrom` (``chr1`` -> ``1``, ``chrM`` -> ``MT``).

        ``mitochondrion="rCRS"`` (default): inputs' ``MT`` is the rCRS, as in GRCh37 and
        GRCh38, so a chain between UCSC hg19's ``chrM`` (NC_001807, 16,571 bp) and the rCRS
        (16,569 bp) is replaced by the identity on the rCRS. ``"chain"`` keeps the file's
        chain, for data on UCSC hg19's ``chrM`` (a VCF whose ``##contig`` says length 16571).

        Raises :class:`genomed.errors.InputError` (with file and line) on a malformed file.
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read chain file: {exc.strerror}", path=str(path)) from exc
        if raw[:2] == b"\x1f\x8b":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as exc:
                raise InputError(f"corrupt gzip chain file: {exc}", path=str(path)) from exc
        chains = _parse(raw, str(path))
        if mitochondrion == "rCRS":
            chains = _rcrs_identity(chains)
        elif mitochondrion != "chain":
            raise ValueError(f"mitochondrion must be 'rCRS' or 'chain', not {mitochondrion!r}")
        return cls(chains, str(path))

    # -- lifting -----------------------------------------------------------------------

    def lift_positions(
        self,
        chrom: np.ndarray,
        pos: np.ndarray,
        *,
        multiple: Literal["best", "fail"] = "best",
    ) -> LiftResult:
        """Lift 1-based positions on the source build to the target build.

        ``chrom``: chromosome names (any spelling :func:`normalise_chrom` knows);
        ``pos``: 1-based positions. A base lifts when it lies inside an aligned block
        (UCSC liftOver's rule for single bases). For bases covered by several chains see
        ``multiple`` in the module docstring. Returns a :class:`LiftResult`.
        """
        result, _, _ = self._lift(chrom, pos, multiple)
        return result

    def lift_alleles(
        self,
        chrom: np.ndarray,
        pos: np.ndarray,
        ref: np.ndarray,
        alt: np.ndarray,
        *,
        multiple: Literal["best", "fail"] = "best",
    ) -> tuple[LiftResult, np.ndarray, np.ndarray]:
        """Lift VCF-style variants: the whole REF span, and the alleles' strand.

        The first REF base is lifted as in :meth:`lift_positions`; the span
        ``pos .. pos+len(ref)-1`` must lie inside the same aligned block (so it keeps its
        chromosome, strand and length), else reason ``"span changed"``. On a minus-strand
        block REF and every ALT (comma-separated) are reverse-complemented and ``pos``
        becomes the leftmost target base of the span: exact for SNVs, MNVs and delins
        (``CA>T``: the whole REF is replaced, so its reverse complement is replaced by
        ALT's). Pure insertions and deletions (``A>AT``, ``CTT>C``, MAF ``->T``/``G>-``)
        on a minus-strand block are not lifted (``"indel on minus strand"``): the anchor
        base would end up on the right, and putting the indel in its normal form
        (left-aligned, anchor on the left) needs the target reference sequence.

        Returns ``(result, new_ref, new_alt)``; where not lifted, ``new_ref``/``new_alt``
        hold the input alleles. The target REF is not checked against the target genome
        (no FASTA here): a base that differs between builds keeps its source REF.
        """
        ref = np.asarray(ref, dtype=object)
        alt = np.asarray(alt, dtype=object)
        pos = np.asarray(pos, dtype=np.int64)
        if not len(ref) == len(alt) == len(pos):
            raise ValueError(f"pos, ref, alt lengths differ: {len(pos)}, {len(ref)}, {len(alt)}")
        ref_len = np.fromiter(map(len, ref), dtype=np.int64, count=len(ref))
        first, block, g = self._lift(chrom, pos, multiple)
        ok = first.ok.copy()
        reason = first.reason.copy()
        target_pos = first.pos.copy()

        # The REF span must end inside the block that holds its first base.
        span = np.maximum(ref_len, 1)
        idx = np.flatnonzero(ok)
        bad = idx[g[idx] + span[idx] - 1 >= self._block_g_end[block[idx]]]
        ok[bad] = False
        reason[bad] = "span changed"

        new_ref = ref.copy()
        new_alt = alt.copy()
        minus = np.flatnonzero(ok & (first.strand < 0))
        for i in minus:  # minus-strand lifts are rare; alleles are strings anyway
            r, a = ref[i], alt[i]
            if not (set(r) <= _REVERSIBLE and set(a) <= _REVERSIBLE):
                ok[i], reason[i] = False, "symbolic allele on minus strand"
            elif _is_pure_indel(r, a):
                ok[i], reason[i] = False, "indel on minus strand"
            else:
                new_ref[i] = _reverse_complement(r)
                new_alt[i] = ",".join(_reverse_complement(x) for x in a.split(","))
                target_pos[i] = first.pos[i] - (span[i] - 1)

        lost = ~ok
        chrom_out = first.chrom.copy()
        chrom_out[lost] = None
        target_pos[lost] = 0
        strand = first.strand.copy()
        strand[lost] = 0
        result = LiftResult(chrom_out, target_pos, strand, ok, reason, first.n_targets)
        return result, new_ref, new_alt

    # -- internals ---------------------------------------------------------------------

    def _chrom_index(self, chrom: np.ndarray) -> np.ndarray:
        """Index of each name among the source chromosomes, -1 when the file has none."""
        names = np.asarray(chrom, dtype=object).reshape(-1)
        index = {
            name: self._source_index.get(normalise_chrom(str(name)), -1)
            for name in set(names.tolist())
        }
        return np.fromiter(map(index.__getitem__, names), dtype=np.int64, count=len(names))

    def _lift(
        self, chrom: np.ndarray, pos: np.ndarray, multiple: str
    ) -> tuple[LiftResult, np.ndarray, np.ndarray]:
        """Lift first bases; also return each row's block (-1 if none) and global position."""
        if multiple not in ("best", "fail"):
            raise ValueError(f"multiple must be 'best' or 'fail', not {multiple!r}")
        pos = np.asarray(pos, dtype=np.int64).reshape(-1)
        n = len(pos)
        ci = self._chrom_index(chrom)
        if len(ci) != n:
            raise ValueError(f"chrom has {len(ci)} values but pos has {n}")
        reason = np.full(n, None, dtype=object)
        known = ci >= 0
        reason[~known] = "no chain"
        pos0 = pos - 1
        ci = np.where(known, ci, 0)
        in_range = known & (pos0 >= 0) & (pos0 < self._sizes[ci])
        reason[known & ~in_range] = "invalid position"

        g = self._offsets[ci] + pos0
        seg = np.clip(
            np.searchsorted(self._bounds, g, side="right") - 1, 0, len(self._seg_hits) - 1
        )
        inside = in_range & (self._bounds[seg] <= g) & (g < self._bounds[seg + 1])
        hits = np.where(inside, self._seg_hits[seg], 0)
        reason[in_range & (hits == 0)] = "in a gap"
        ok = hits > 0
        if multiple == "fail":
            reason[hits > 1] = "multiple targets"
            ok &= hits == 1

        block = np.where(ok, self._seg_block[seg], -1)
        b = np.where(ok, block, 0)
        strand = np.where(ok, self._block_strand[b], 0).astype(np.int8)
        target_pos = np.where(ok, self._block_a[b] + strand * pos0 + 1, 0).astype(np.int64)
        chrom_out = self._target_name_array[np.where(ok, self._block_target[b], -1)]
        result = LiftResult(chrom_out, target_pos, strand, ok, reason, hits.astype(np.int64))
        return result, block, g


# -- parsing ---------------------------------------------------------------------------


def _parse(data: bytes, path: str) -> _Chains:
    """Parse chain text into arrays; errors name the chain's header line."""
    if b"#" in data:
        data = _COMMENT.sub(b"", data)  # keeps the newlines, so line numbers hold
    headers = list(_HEADER.finditer(data))
    if not headers:
        raise InputError("no 'chain' header lines", path=path, expected="a UCSC chain file")
    if data[: headers[0].start()].strip():
        raise InputError("text before the first chain header", path=path, line=1)
    score, source, source_size, target, target_size, minus = [], [], [], [], [], []
    source_start, target_start, n_blocks, tokens = [], [], [], []
    line = 1
    previous_end = 0
    for k, header in enumerate(headers):
        line += data.count(b"\n", previous_end, header.start())
        previous_end = header.start()
        fields = header.group().split()
        if len(fields) not in (12, 13):
            raise InputError(
                f"chain header has {len(fields)} fields",
                path=path,
                line=line,
                expected="chain score tName tSize tStrand tStart tEnd qName qSize qStrand qStart qEnd [id]",
            )
        try:
            s, t_size, t_start, t_end = (int(fields[i]) for i in (1, 3, 5, 6))
            q_size, q_start, q_end = (int(fields[i]) for i in (8, 10, 11))
        except ValueError as exc:
            raise InputError(
                "non-integer score, size or coordinate in chain header", path=path, line=line
            ) from exc
        if fields[4] != b"+":
            raise InputError(
                "source strand must be +", path=path, line=line, field="tStrand", expected="+"
            )
        if fields[9] not in (b"+", b"-"):
            raise InputError("query strand must be + or -", path=path, line=line, field="qStrand")
        end = headers[k + 1].start() if k + 1 < len(headers) else len(data)
        body = data[header.end() : end].split()
        if len(body) % 3 != 1:
            raise InputError(
                "alignment lines do not end with a single 'size' line",
                path=path,
                line=line,
                expected="'size dt dq' lines then one 'size' line",
            )
        score.append(s)
        source.append(normalise_chrom(fields[2].decode()))
        source_size.append(t_size)
        target.append(normalise_chrom(fields[7].decode()))
        target_size.append(q_size)
        minus.append(fields[9] == b"-")
        source_start.append((t_start, t_end))
        target_start.append((q_start, q_end))
        n_blocks.append(len(body) // 3 + 1)
        tokens.extend(body)
        tokens.extend((b"0", b"0"))  # pad the last block to 'size dt dq'
    try:
        numbers = np.array(tokens).astype(np.int64).reshape(-1, 3)
    except ValueError as exc:
        raise InputError("non-integer value in alignment lines", path=path) from exc
    n_blocks_arr = np.array(n_blocks, dtype=np.int64)
    block_chain = np.repeat(np.arange(len(headers)), n_blocks_arr)
    size, dt, dq = numbers[:, 0], numbers[:, 1], numbers[:, 2]
    if (size <= 0).any() or (dt < 0).any() or (dq < 0).any():
        bad = int(block_chain[np.flatnonzero((size <= 0) | (dt < 0) | (dq < 0))[0]])
        raise InputError(
            "block sizes must be positive and gaps non-negative",
            path=path,
            line=_header_line(data, headers, bad),
        )
    t_bounds = np.array(source_start, dtype=np.int64)
    q_bounds = np.array(target_start, dtype=np.int64)
    # Start of each block = chain start + everything (blocks and gaps) before it in the chain.
    chain_first = np.cumsum(n_blocks_arr) - n_blocks_arr
    step_t = np.cumsum(size + dt) - (size + dt)
    step_q = np.cumsum(size + dq) - (size + dq)
    block_start = t_bounds[block_chain, 0] + step_t - step_t[chain_first][block_chain]
    block_target_start = q_bounds[block_chain, 0] + step_q - step_q[chain_first][block_chain]
    block_end = block_start + size
    last = chain_first + n_blocks_arr - 1
    t_mismatch = block_end[last] != t_bounds[:, 1]
    q_mismatch = block_target_start[last] + size[last] != q_bounds[:, 1]
    t_sizes = np.array(source_size, dtype=np.int64)
    q_sizes = np.array(target_size, dtype=np.int64)
    beyond = (t_bounds[:, 1] > t_sizes) | (q_bounds[:, 1] > q_sizes) | (t_bounds[:, 0] < 0)
    for mask, message in (
        (t_mismatch, "blocks and gaps do not add up to tEnd - tStart"),
        (q_mismatch, "blocks and gaps do not add up to qEnd - qStart"),
        (beyond, "chain extends beyond its chromosome"),
    ):
        if mask.any():
            k = int(np.flatnonzero(mask)[0])
            raise InputError(message, path=path, line=_header_line(data, headers, k))
    return _Chains(
        score=np.array(score, dtype=np.int64),
        source=source,
        source_size=t_sizes,
        target=target,
        target_size=q_sizes,
        target_minus=np.array(minus, dtype=bool),
        block_chain=block_chain,
        block_start=block_start,
        block_end=block_end,
        block_target_start=block_target_start,
    )


def _header_line(data: bytes, headers: list[re.Match], k: int) -> int:
    return 1 + data.count(b"\n", 0, headers[k].start())


def _rcrs_identity(chains: _Chains) -> _Chains:
    """Replace chains between UCSC hg19 chrM and the rCRS by the identity on the rCRS."""
    sizes = {HG19_CHRM_LENGTH, RCRS_LENGTH}
    mt = np.array(
        [
            s == "MT" and t == "MT" and {int(a), int(b)} == sizes
            for s, t, a, b in zip(
                chains.source, chains.target, chains.source_size, chains.target_size, strict=True
            )
        ],
        dtype=bool,
    )
    if not mt.any():
        return chains
    keep_chain = ~mt
    keep_block = keep_chain[chains.block_chain]
    new_index = np.cumsum(keep_chain) - 1
    n_kept = int(keep_chain.sum())
    best = int(chains.score[mt].max())
    return _Chains(
        score=np.append(chains.score[keep_chain], best),
        source=[s for s, k in zip(chains.source, keep_chain, strict=True) if k] + ["MT"],
        source_size=np.append(chains.source_size[keep_chain], RCRS_LENGTH),
        target=[t for t, k in zip(chains.target, keep_chain, strict=True) if k] + ["MT"],
        target_size=np.append(chains.target_size[keep_chain], RCRS_LENGTH),
        target_minus=np.append(chains.target_minus[keep_chain], False),
        block_chain=np.append(new_index[chains.block_chain[keep_block]], n_kept),
        block_start=np.append(chains.block_start[keep_block], 0),
        block_end=np.append(chains.block_end[keep_block], RCRS_LENGTH),
        block_target_start=np.append(chains.block_target_start[keep_block], 0),
    )


# -- alleles ---------------------------------------------------------------------------


def _reverse_complement(allele: str) -> str:
    return allele.translate(_COMPLEMENT)[::-1]


def _is_pure_indel(ref: str, alt: str) -> bool:
    """Whether any ALT differs from REF by one inserted or deleted run of bases.

    Such an indel is canonical only once left-aligned against the genome; on the minus
    strand its anchor base (and, in a repeat, its position) would land on the right, so it
    is not lifted without the target FASTA. MAF's ``-`` counts as the empty allele.
    Replacements (SNV, MNV, delins such as ``CA>T``) are not pure indels.
    """
    ref = "" if ref == "-" else ref
    for allele in alt.split(","):
        if allele in ("*", "."):
            continue
        allele = "" if allele == "-" else allele
        if len(allele) == len(ref):
            continue
        short, long = sorted((ref, allele), key=len)
        prefix = len(os.path.commonprefix([short, long]))
        suffix = len(os.path.commonprefix([short[::-1], long[::-1]]))
        if prefix + suffix >= len(short):
            return True
    return False


# -- finding the file ------------------------------------------------------------------


def canonical_build(build: str) -> str:
    """``GRCh37``/``hg19``/``b37`` -> ``GRCh37``; likewise for GRCh38; else ValueError."""
    try:
        return _BUILD_ALIASES[build.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown genome build {build!r}; expected GRCh37 or GRCh38") from None


def packaged_chain(source_build: str, target_build: str) -> Path:
    """The chain file lifting ``source_build`` to ``target_build`` that ships with genomed.

    A path inside the installed package (:data:`PACKAGED_CHAIN_DIR`). Raises
    :class:`genomed.errors.InputError` when the builds are the same, and ``ValueError``
    for an unknown build name.
    """
    source, target = canonical_build(source_build), canonical_build(target_build)
    if (source, target) not in CHAIN_FILE_NAMES:
        raise InputError(f"no liftover from {source} to {target}: the builds are the same")
    return PACKAGED_CHAIN_DIR / CHAIN_FILE_NAMES[(source, target)]


def find_chain(source_build: str, target_build: str, explicit: str | Path | None = None) -> Path:
    """Locate the UCSC chain file lifting ``source_build`` to ``target_build``.

    Looks, in order, at ``explicit`` (a chain file, or a directory holding it), the
    directory named by ``$GENOMED_CHAIN_DIR``, then ``~/.genomed/chains``, for the file
    UCSC names ``hg19ToHg38.over.chain.gz`` (GRCh37 -> GRCh38) or
    ``hg38ToHg19.over.chain.gz`` (the reverse); the uncompressed name (without ``.gz``)
    is accepted too. When none of these has it, the copy shipped with genomed
    (:func:`packaged_chain`) is used, so explicit choices win over the packaged default.

    Raises :class:`genomed.errors.InputError` when ``explicit`` is given but is not a
    chain file or a directory holding one (no fallback then: the user asked for that
    file), when the builds are the same, or when the packaged file is missing from the
    installation (a damaged install); the message says where to download the file and
    how to pass it.
    """
    source, target = canonical_build(source_build), canonical_build(target_build)
    packaged = packaged_chain(source, target)
    name = packaged.name
    candidates = (name, name.removesuffix(".gz"))
    how = (
        f"download {name} from {UCSC_DOWNLOAD[source]} and pass it with --chain PATH, "
        f"or put it in the directory named by ${CHAIN_DIR_ENV} (or {DEFAULT_CHAIN_DIR})"
    )
    if explicit is not None:
        given = Path(explicit).expanduser()
        if given.is_file():
            return given
        if given.is_dir():
            for candidate in candidates:
                if (given / candidate).is_file():
                    return given / candidate
            raise InputError(f"no {name} in directory {given}; {how}", path=str(given))
        raise InputError(f"chain file not found; {how}", path=str(given))
    searched = []
    env_dir = os.environ.get(CHAIN_DIR_ENV)
    for directory in ([Path(env_dir).expanduser()] if env_dir else []) + [
        DEFAULT_CHAIN_DIR.expanduser()
    ]:
        searched.append(str(directory))
        for candidate in candidates:
            if (directory / candidate).is_file():
                return directory / candidate
    if packaged.is_file():
        return packaged
    searched.append(str(PACKAGED_CHAIN_DIR))
    raise InputError(
        f"liftover chain {name} ({source} -> {target}) not found in {', '.join(searched)} "
        f"(the copy shipped with genomed is missing: reinstall genomed, or {how})"
    )
