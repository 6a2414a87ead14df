"""Annotations beyond the gene: ClinVar, cancer hotspots, CIViC, population frequencies.

Matching rules (columns added to the annotation table, per row):

==========================  ===============================================================
column                      matched by
==========================  ===============================================================
clinvar_id, _significance,  the normalised allele (``variant_key``) in the knowledge
_review_status, _stars      bundle's ClinVar table (VCV id, significance, review stars)
hotspot                     ``GENE:V600E`` when the genomic allele is a known hotspot
                            allele; ``GENE:V600`` when the row's amino-acid change hits a
                            hotspot residue (gene + residue + reference amino acid)
civic                       single-variant CIViC/CGI molecular profiles: by genomic allele,
                            by gene + protein change (V600E), or by gene + codon (G12) for
                            missense/in-frame changes of that residue; ``&``-separated
af, af_populations          AF and ``pop:AF`` pairs from gnomAD-style sites VCFs (INFO
                            ``AF`` and ``AF_<pop>``), by normalised allele
popfreq_af                  AF of the workspace's own population database (group ``all``)
dbSNP ids                   passed through from the input ``ID`` column (CSQ
                            ``Existing_variation``)
==========================  ===============================================================
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genomed.knowledge.bundle import KnowledgeBundle
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles
from genomed.model.variant_key import variant_keys

KNOWLEDGE_COLUMNS = [
    ("clinvar_id", pa.string()),
    ("clinvar_significance", pa.string()),
    ("clinvar_review_status", pa.string()),
    ("clinvar_stars", pa.int8()),
    ("hotspot", pa.string()),
    ("civic", pa.string()),
    ("af", pa.float64()),
    ("af_populations", pa.string()),
    ("popfreq_af", pa.float64()),
    ("knowledge", pa.string()),
]

_AA = re.compile(r"^([A-Z*])/([A-Z*])$")


def _protein_parts(ann: pa.Table) -> tuple[pa.Array, np.ndarray, pa.Array]:
    """(aa_ref, aa_pos, aa_alt) of single-residue changes ('' / 0 elsewhere): amino acids
    ``R/H`` at a plain numeric protein position."""
    aa = pc.fill_null(ann.column("amino_acids"), "")
    pos = pc.fill_null(ann.column("protein_position"), "")
    parts = pc.extract_regex(aa, r"^(?P<ref>[A-Z*])/(?P<alt>[A-Z*])$")
    ok = pc.and_(pc.is_valid(parts), pc.match_substring_regex(pos, r"^[0-9]+$"))
    ok = pc.fill_null(ok, False)
    where = pc.cast(pc.if_else(ok, pos, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    ref = pc.if_else(ok, pc.struct_field(parts, [0]), "")
    alt = pc.if_else(ok, pc.struct_field(parts, [1]), "")
    return _flat(ref), np.asarray(where, dtype=np.int64), _flat(alt)


def _flat(column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


_NONE = "\x01"  # stands for a missing value inside a composite key


def _composite(*columns) -> pa.Array:
    """One string key per row from several columns (ints as decimal text, null as a
    marker), the same text :func:`_composite_of` gives a Python tuple."""
    texts = [
        pc.fill_null(c if pa.types.is_string(c.type) else pc.cast(c, pa.string()), _NONE)
        for c in columns
    ]
    return _flat(pc.binary_join_element_wise(*texts, "\x00"))


def _composite_of(key: tuple) -> str:
    return "\x00".join(_NONE if x is None else str(x) for x in key)


def _index_in(values, lookup: pa.Array) -> np.ndarray:
    """Position of each value in ``lookup`` (its first occurrence), -1 when absent."""
    found = pc.index_in(values, value_set=_flat(lookup))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _last_wins(table: pa.Table) -> pa.Table:
    """Rows in reverse order, so a first-occurrence lookup finds the last row (as a dict
    built from the rows would)."""
    return table.take(pa.array(np.arange(table.num_rows - 1, -1, -1, dtype=np.int64)))


def _taken(values: pa.Array, index: np.ndarray, dtype) -> pa.Array:
    """``values[index]`` with null where ``index`` is -1."""
    return _flat(values).take(pa.array(index, mask=index < 0)).cast(dtype)


def _info_field(info: pa.Array, index_in_record: np.ndarray, name: str) -> np.ndarray:
    """Numeric INFO ``name`` of each split allele (``Number=A`` values picked by the
    allele's index in its record); NaN when absent."""
    raw = pc.extract_regex(info, rf"(?:^|;){name}=(?P<v>[^;]*)")
    values = pc.struct_field(raw, [0]).to_pylist()
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values):
        if text:
            items = text.split(",")
            k = index_in_record[i]
            if k < len(items) and items[k] not in (".", ""):
                out[i] = float(items[k])
    return out


def read_sites_vcf(path: str | Path, keep: np.ndarray | None = None) -> pa.Table:
    """(variant_key, af, af_populations) of a gnomAD-style sites VCF (AF, AF_<pop>),
    restricted to ``keep`` keys when given."""
    from genomed.annotate.vcf_text import iter_line_batches, read_header, split_fields

    vcf = read_header(path)
    pops = sorted(
        m.group(1)
        for h in vcf.header
        if (m := re.match(r"##INFO=<ID=AF_([A-Za-z0-9]+),", h))
        and not m.group(1).startswith(("XX", "XY", "male", "female", "raw"))
    )
    parts: list[pa.Table] = []
    line = len(vcf.header) + 1
    for lines in iter_line_batches(vcf):
        rec = split_fields(lines, line, str(path))
        line += len(lines)
        alts = pc.split_pattern(rec.alt, ",")
        parent = pc.list_parent_indices(alts)
        index_in_record = np.arange(len(parent)) - np.searchsorted(
            parent.to_numpy(), parent.to_numpy()
        )
        info = pc.take(rec.info, parent)
        chrom = [normalise_chrom(c) for c in pc.take(rec.chrom, parent).to_pylist()]
        pos = pc.take(rec.pos, parent).to_numpy()
        ref = pc.take(rec.ref, parent).to_pylist()
        alt = pc.list_flatten(alts).to_pylist()
        trimmed = [trim_alleles(int(p), r, a) for p, r, a in zip(pos, ref, alt, strict=True)]
        keys = variant_keys(chrom, [t[0] for t in trimmed], [t[1] for t in trimmed],
                            [t[2] for t in trimmed])  # fmt: skip

        af = _info_field(info, index_in_record, "AF")
        by_pop = [_info_field(info, index_in_record, f"AF_{p}") for p in pops]
        labels = [
            "|".join(
                f"{p}:{v[i]:.6g}" for p, v in zip(pops, by_pop, strict=True) if not np.isnan(v[i])
            )
            or None
            for i in range(len(af))
        ]
        table = pa.table(
            {
                "variant_key": keys,
                "af": pa.array(af, pa.float64(), mask=np.isnan(af)),
                "af_populations": pa.array(labels, pa.string()),
            }
        )
        if keep is not None:
            table = table.filter(pc.is_in(table.column("variant_key"), pa.array(keep)))
        parts.append(table)
    if not parts:
        return pa.table({"variant_key": pa.array([], pa.int64()), "af": pa.array([], pa.float64()),
                         "af_populations": pa.array([], pa.string())})  # fmt: skip
    return pa.concat_tables(parts)


class KnowledgeSources:
    """Knowledge and population sources of one annotation run (all optional)."""

    def __init__(
        self,
        knowledge: KnowledgeBundle | str | Path | None = None,
        sites_vcfs: list[str | Path] | None = None,
        popfreq: pa.Table | None = None,
        use_default_knowledge: bool = True,
    ) -> None:
        if knowledge is None and use_default_knowledge:
            knowledge = KnowledgeBundle.default()
        elif knowledge is not None and not isinstance(knowledge, KnowledgeBundle):
            knowledge = KnowledgeBundle(knowledge)
        self.knowledge = knowledge
        self.sites_vcfs = [Path(p) for p in sites_vcfs or []]
        self.popfreq = popfreq  # (variant_key, popfreq_af)
        self._prepared = False

    def _prepare(self) -> None:
        if self._prepared:
            return
        k = self.knowledge
        if k is not None:
            cv = k.table("clinvar")
            ha = k.table("hotspot_alleles")
            hs = k.table("hotspots")
            self.hotspot_residues = {
                (g, p, r)
                for g, p, r in zip(
                    hs.column("gene").to_pylist(),
                    hs.column("aa_pos").to_pylist(),
                    hs.column("aa_ref").to_pylist(),
                    strict=True,
                )  # fmt: skip
                if p is not None
            }
            bm = k.table("biomarkers").filter(pc.equal(pc.field("profile_size"), 1))
            self.civic_key: dict[int, set[str]] = {}
            self.civic_change: dict[tuple, set[str]] = {}
            self.civic_codon: dict[tuple, set[str]] = {}
            for row in bm.select(["molecular_profile", "alteration_type", "gene", "aa_ref", "aa_pos",
                                  "aa_alt", "variant_key"]).to_pylist():  # fmt: skip
                name = row["molecular_profile"]
                if row["variant_key"] is not None:
                    self.civic_key.setdefault(row["variant_key"], set()).add(name)
                if row["alteration_type"] == "protein_change" and row["aa_pos"]:
                    key = (row["gene"], row["aa_ref"], row["aa_pos"], row["aa_alt"])
                    self.civic_change.setdefault(key, set()).add(name)
                elif row["alteration_type"] == "codon" and row["aa_pos"]:
                    self.civic_codon.setdefault((row["gene"], row["aa_pos"]), set()).add(name)
            # the same lookups as Arrow arrays, for whole-column matching
            self._clinvar_rows = _last_wins(
                cv.select(["variant_key", "clinvar_id", "significance", "review_status", "stars"])
            )
            ha_last = _last_wins(ha)
            self._hotspot_allele_keys = _flat(ha_last.column("variant_key"))
            self._hotspot_allele_names = _flat(
                pc.binary_join_element_wise(
                    pc.fill_null(ha_last.column("gene"), "None"),
                    pc.fill_null(ha_last.column("protein_change"), "None"),
                    ":",
                )
            )
            self._residue_keys = pa.array(
                sorted(_composite_of(key) for key in self.hotspot_residues), pa.string()
            )
            self._civic_key_keys = pa.array(list(self.civic_key), pa.int64())
            self._civic_change_keys = pa.array(
                [_composite_of(key) for key in self.civic_change], pa.string()
            )
            self._civic_change_list = list(self.civic_change.values())
            self._civic_codon_keys = pa.array(
                [_composite_of(key) for key in self.civic_codon], pa.string()
            )
            self._civic_codon_list = list(self.civic_codon.values())
        self._prepared = True

    def annotate(self, ann: pa.Table, build: str | None = None) -> pa.Table:
        """``ann`` (annotation rows) with :data:`KNOWLEDGE_COLUMNS` appended.

        ``build``: the assembly of ``ann``'s alleles. When the knowledge bundle is on
        another one, matches by genomic allele (ClinVar, hotspot alleles, CIViC alleles)
        are skipped (the same key means another base there); matches by gene and protein
        change (hotspot residues, CIViC changes and codons) still apply."""
        self._prepare()
        positional = build is None or self.knowledge is None or self.knowledge.build == build
        n = ann.num_rows
        keys = _flat(ann.column("variant_key"))
        out: dict[str, pa.Array] = {}
        if self.knowledge is not None:
            genes = ann.column("gene")
            aa_ref, aa_pos, aa_alt = _protein_parts(ann)
            has_pos = aa_pos != 0
            no_row = np.full(n, -1, dtype=np.int64)
            # ClinVar by allele
            cv = self._clinvar_rows
            hit = _index_in(keys, cv.column("variant_key")) if positional else no_row
            for name, source in (("clinvar_id", "clinvar_id"),
                                 ("clinvar_significance", "significance"),
                                 ("clinvar_review_status", "review_status"),
                                 ("clinvar_stars", "stars")):  # fmt: skip
                out[name] = _taken(cv.column(source), hit, dict(KNOWLEDGE_COLUMNS)[name])
            # hotspots: the allele, else the residue (gene + position + reference residue)
            allele = _index_in(keys, self._hotspot_allele_keys) if positional else no_row
            hot = _taken(self._hotspot_allele_names, allele, pa.string())
            residue_key = _composite(genes, pa.array(aa_pos), aa_ref)
            residue = (allele < 0) & has_pos & (_index_in(residue_key, self._residue_keys) >= 0)
            if residue.any():
                named = pc.binary_join_element_wise(
                    pc.fill_null(genes, "None"), pc.binary_join_element_wise(
                        aa_ref, pc.cast(pa.array(aa_pos), pa.string()), ""), ":"
                )  # fmt: skip
                hot = pc.if_else(pa.array(residue), named, hot)
            out["hotspot"] = _flat(hot)
            # CIViC: by allele, by protein change, by codon; unions built where any matched
            by_key = _index_in(keys, self._civic_key_keys) if positional else no_row
            change_key = _composite(genes, aa_ref, pa.array(aa_pos), aa_alt)
            by_change = np.where(has_pos, _index_in(change_key, self._civic_change_keys), -1)
            codon_key = _composite(genes, pa.array(aa_pos))
            changed = np.asarray(pc.not_equal(aa_ref, aa_alt).to_numpy(zero_copy_only=False))
            by_codon = np.where(has_pos & changed, _index_in(codon_key, self._civic_codon_keys), -1)
            civic = np.full(n, None, dtype=object)
            matched = np.flatnonzero((by_key >= 0) | (by_change >= 0) | (by_codon >= 0))
            matched_keys = keys.take(pa.array(matched)).to_pylist()
            for i, key in zip(matched, matched_keys, strict=True):
                names = set(self.civic_key[key]) if by_key[i] >= 0 else set()
                if by_change[i] >= 0:
                    names |= self._civic_change_list[by_change[i]]
                if by_codon[i] >= 0:
                    names |= self._civic_codon_list[by_codon[i]]
                civic[i] = "&".join(sorted(names)) or None
            out["civic"] = pa.array(civic, pa.string())
            out["knowledge"] = pa.array(np.full(n, self.knowledge.id, dtype=object), pa.string())
        unique = (
            np.unique(np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.int64))
            if n
            else np.zeros(0, np.int64)
        )
        if self.sites_vcfs:
            # the first file (and first record) holding an allele gives its frequencies
            sites = pa.concat_tables(
                [read_sites_vcf(path, keep=unique) for path in self.sites_vcfs]
            )
            at = _index_in(keys, sites.column("variant_key"))
            out["af"] = _taken(sites.column("af"), at, pa.float64())
            out["af_populations"] = _taken(sites.column("af_populations"), at, pa.string())
        if self.popfreq is not None and self.popfreq.num_rows:
            pf = _last_wins(self.popfreq.select(["variant_key", "popfreq_af"]))
            at = _index_in(keys, pf.column("variant_key"))
            out["popfreq_af"] = _taken(pf.column("popfreq_af"), at, pa.float64())
        for name, dtype in KNOWLEDGE_COLUMNS:
            column = out.get(name)
            ann = ann.append_column(name, pa.nulls(n, dtype) if column is None else column)
        return ann
