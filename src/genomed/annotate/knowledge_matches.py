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


def _protein_parts(ann: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(aa_ref, aa_pos, aa_alt) of single-residue changes ('' / 0 elsewhere)."""
    aa = ann.column("amino_acids").fill_null("").to_pylist()
    pos = ann.column("protein_position").fill_null("").to_pylist()
    ref, where, alt = [], [], []
    for a, p in zip(aa, pos, strict=True):
        m = _AA.match(a)
        if m and p.isdigit():
            ref.append(m.group(1))
            where.append(int(p))
            alt.append(m.group(2))
        else:
            ref.append("")
            where.append(0)
            alt.append("")
    return np.array(ref, dtype=object), np.array(where, dtype=np.int64), np.array(alt, dtype=object)


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
            self.clinvar = {
                key: (vid, sig, rev, stars)
                for key, vid, sig, rev, stars in zip(
                    cv.column("variant_key").to_pylist(),
                    cv.column("clinvar_id").to_pylist(),
                    cv.column("significance").to_pylist(),
                    cv.column("review_status").to_pylist(),
                    cv.column("stars").to_pylist(),
                    strict=True,
                )
            }
            ha = k.table("hotspot_alleles")
            self.hotspot_alleles = dict(
                zip(
                    ha.column("variant_key").to_pylist(),
                    [
                        f"{g}:{p}"
                        for g, p in zip(
                            ha.column("gene").to_pylist(),
                            ha.column("protein_change").to_pylist(),
                            strict=True,
                        )
                    ],  # fmt: skip
                    strict=True,
                )
            )
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
        self._prepared = True

    def annotate(self, ann: pa.Table, build: str | None = None) -> pa.Table:
        """``ann`` (annotation rows) with :data:`KNOWLEDGE_COLUMNS` appended.

        ``build``: the assembly of ``ann``'s alleles. When the knowledge bundle is on
        another one, matches by genomic allele (ClinVar, hotspot alleles, CIViC alleles)
        are skipped (the same key means another base there); matches by gene and protein
        change (hotspot residues, CIViC changes and codons) still apply."""
        self._prepare()
        positional = build is None or self.knowledge is None or self.knowledge.build == build
        no_match: dict = {}
        clinvar = self.clinvar if positional and self.knowledge is not None else no_match
        hotspot_alleles = (
            self.hotspot_alleles if positional and self.knowledge is not None else no_match
        )
        civic_key = self.civic_key if positional and self.knowledge is not None else no_match
        n = ann.num_rows
        keys = ann.column("variant_key").to_pylist()
        out: dict[str, list] = {name: [None] * n for name, _ in KNOWLEDGE_COLUMNS}
        if self.knowledge is not None:
            genes = ann.column("gene").to_pylist()
            aa_ref, aa_pos, aa_alt = _protein_parts(ann)
            for i, key in enumerate(keys):
                hit = clinvar.get(key)
                if hit:
                    (out["clinvar_id"][i], out["clinvar_significance"][i],
                     out["clinvar_review_status"][i], out["clinvar_stars"][i]) = hit  # fmt: skip
                hot = hotspot_alleles.get(key)
                if (
                    hot is None
                    and aa_pos[i]
                    and (genes[i], int(aa_pos[i]), aa_ref[i]) in self.hotspot_residues
                ):
                    hot = f"{genes[i]}:{aa_ref[i]}{aa_pos[i]}"
                out["hotspot"][i] = hot
                names = set(civic_key.get(key, ()))
                if aa_pos[i]:
                    names |= self.civic_change.get(
                        (genes[i], aa_ref[i], int(aa_pos[i]), aa_alt[i]), set()
                    )
                    if aa_ref[i] != aa_alt[i]:
                        names |= self.civic_codon.get((genes[i], int(aa_pos[i])), set())
                out["civic"][i] = "&".join(sorted(names)) or None
            out["knowledge"] = [self.knowledge.id] * n
        unique = np.unique(np.asarray(keys, dtype=np.int64)) if n else np.zeros(0, np.int64)
        if self.sites_vcfs:
            af: dict[int, tuple[float | None, str | None]] = {}
            for path in self.sites_vcfs:
                sites = read_sites_vcf(path, keep=unique)
                for key, value, label in zip(sites.column("variant_key").to_pylist(),
                                             sites.column("af").to_pylist(),
                                             sites.column("af_populations").to_pylist(), strict=True):  # fmt: skip
                    af.setdefault(key, (value, label))
            for i, key in enumerate(keys):
                if key in af:
                    out["af"][i], out["af_populations"][i] = af[key]
        if self.popfreq is not None and self.popfreq.num_rows:
            pf = dict(zip(self.popfreq.column("variant_key").to_pylist(),
                          self.popfreq.column("popfreq_af").to_pylist(), strict=True))  # fmt: skip
            out["popfreq_af"] = [pf.get(key) for key in keys]
        for name, dtype in KNOWLEDGE_COLUMNS:
            ann = ann.append_column(name, pa.array(out[name], dtype))
        return ann
