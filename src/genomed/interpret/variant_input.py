"""The input contract of interpretation: one row per (split, trimmed) allele.

Every interpretation works on an Arrow table with these columns (:data:`INPUT_COLUMNS`);
:func:`load_variants` builds it from a VCF, and any other producer (a workspace query, a
MAF) may build it too:

===================  =======================================================================
column               meaning
===================  =======================================================================
chrom, pos, ref,     the allele, canonical chromosome, 1-based, trimmed
alt, variant_key     (:mod:`genomed.model.variant_key`)
line                 line of the record in the input file (for error messages and traceability)
filter, rsid         FILTER (``PASS``) and ID of the record
vaf, dp, ad_alt      allele fraction, depth and alt reads of the interpreted sample
                     (caller-agnostic, see :mod:`genomed.io.vcf_reader`)
gene, transcript     the chosen transcript (MANE Select / canonical first) and its gene
consequence          most severe SO term on that transcript (VEP names)
consequence_terms    all terms, ``&``-joined
hgvsc, hgvsp         ``c.1799T>A``, ``p.Val600Glu`` (no accession)
protein_change       one-letter form without ``p.`` (``V600E``, ``P72fs``)
aa_pos               residue number of the protein change
exon, exon_total     exon number of the variant and exons in the transcript
annotation_source    ``CSQ (VEP, input file)`` or the genomed reference bundle id
af, af_source        population allele frequency used for BA1/BS1/PM2/OP4 and where it came
                     from (``INFO/gnomAD_AF``, ``CSQ/MAX_AF``, ``sites VCF ...``); ``af`` null
                     with ``af_source`` "absent from ..." when a source was consulted and
                     has no entry; both null when the input carries no frequency source
revel, cadd_phred,   in-silico scores when the input carries them (INFO or CSQ fields
spliceai             ``REVEL``/``REVEL_score``, ``CADD_PHRED``, ``SpliceAI_pred_DS_*`` max)
===================  =======================================================================

Annotation: a VCF with a VEP ``CSQ`` INFO field is read as annotated (the picked block:
``PICK``, else MANE Select, else ``CANONICAL=YES``, else the most severe); a VCF without one
(like the PCGR examples) is annotated with :func:`genomed.annotate.annotate_variants`
against the shipped reference bundle (or ``reference``).
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
from cyvcf2 import VCF

from genomed.errors import InputError
from genomed.io.vcf_reader import SampleFields, open_vcf
from genomed.knowledge.allele_keys import allele_keys
from genomed.knowledge.alteration import one_letter
from genomed.model.chromosome import normalise_chrom
from genomed.model.genome_build import build_from_header
from genomed.model.normalise import trim_alleles

S, I32, I64, F64 = pa.string(), pa.int32(), pa.int64(), pa.float64()
#: input columns the annotation fills (from a CSQ entry or genomed.annotate)
ANNOTATION_FIELDS = (
    "gene",
    "transcript",
    "consequence",
    "consequence_terms",
    "hgvsc",
    "hgvsp",
    "protein_change",
    "aa_pos",
    "exon",
    "exon_total",
    "annotation_source",
)

INPUT_COLUMNS = pa.schema(
    [
        ("chrom", S),
        ("pos", I32),
        ("ref", S),
        ("alt", S),
        ("variant_key", I64),
        ("line", I64),
        ("filter", S),
        ("rsid", S),
        ("vaf", F64),
        ("dp", I32),
        ("ad_alt", I32),
        ("gene", S),
        ("transcript", S),
        ("consequence", S),
        ("consequence_terms", S),
        ("hgvsc", S),
        ("hgvsp", S),
        ("protein_change", S),
        ("aa_pos", I32),
        ("exon", I32),
        ("exon_total", I32),
        ("annotation_source", S),
        ("af", F64),
        ("af_source", S),
        ("revel", F64),
        ("cadd_phred", F64),
        ("spliceai", F64),
    ]
)

#: INFO / CSQ fields read as population allele frequencies; the maximum over those
#: present is used (BA1/BS1 ask for the highest continental frequency)
FREQUENCY_FIELDS = (
    "gnomAD_AF_popmax",
    "gnomAD_AF_grpmax",
    "AF_popmax",
    "AF_grpmax",
    "MAX_AF",
    "gnomAD_AF",
    "gnomADe_AF",
    "gnomADg_AF",
    "gnomad_AF",
    "AF_EXAC",
    "AF_TGP",
    "AF_ESP",
    "ExAC_AF",
    "1000G_AF",
)
FREQUENCY_PREFIXES = ("gnomAD_AF_", "gnomADe_AF_", "gnomADg_AF_", "gnomADe_", "gnomADg_")
_SCORE_FIELDS = {
    "revel": ("REVEL", "REVEL_score", "REVEL_rankscore"),
    "cadd_phred": ("CADD_PHRED", "CADD_phred", "CADD"),
}
_SPLICEAI = (
    "SpliceAI_pred_DS_AG",
    "SpliceAI_pred_DS_AL",
    "SpliceAI_pred_DS_DG",
    "SpliceAI_pred_DS_DL",
)


def _number(value) -> float | None:
    if value is None or value == "" or value == ".":
        return None
    if isinstance(value, tuple | list):
        values = [_number(v) for v in value]
        values = [v for v in values if v is not None]
        return max(values) if values else None
    if isinstance(value, str) and ("&" in value or "," in value):
        return _number([v for part in value.split(",") for v in part.split("&")])
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _frequency_fields(names: set[str]) -> list[str]:
    fields = [f for f in FREQUENCY_FIELDS if f in names]
    fields += sorted(
        n
        for n in names
        if n.startswith(FREQUENCY_PREFIXES)
        and n not in fields
        and n.endswith(
            ("_AF", "afr", "amr", "asj", "eas", "fin", "nfe", "oth", "sas", "mid", "ami")
        )
        and "XX" not in n
        and "XY" not in n
    )
    return fields


class CsqFormat:
    """Field names of a VEP ``CSQ`` header and the picking rule for one allele."""

    def __init__(self, description: str) -> None:
        text = description.split("Format:", 1)[-1].strip().strip('"').strip()
        self.names = [n.strip() for n in text.split("|")]
        self.index = {n: i for i, n in enumerate(self.names)}

    def entries(self, value: str, alt: str, ref: str, n_alts: int) -> list[dict[str, str]]:
        out = []
        minimal = alt[1:] if len(ref) != len(alt) and alt[:1] == ref[:1] else alt
        for raw in value.split(","):
            fields = raw.split("|")
            # VEP percent-encodes ",;=|" and spaces inside values (p.Leu100%3D)
            entry = {
                n: unquote(fields[i]) if i < len(fields) else "" for n, i in self.index.items()
            }
            if n_alts > 1 and entry.get("Allele") not in (alt, minimal or "-", "-"):
                continue
            out.append(entry)
        return out


def _severity_rank() -> dict[str, int]:
    from genomed.annotate.consequence_terms import TERMS

    return {t.name: i for i, t in enumerate(TERMS)}


def _pick_csq(entries: list[dict[str, str]], rank: dict[str, int]) -> dict[str, str] | None:
    if not entries:
        return None

    def key(e: dict[str, str]) -> tuple:
        terms = e.get("Consequence", "").split("&")
        worst = min((rank.get(t, 99) for t in terms), default=99)
        return (
            e.get("PICK") != "1",
            not e.get("MANE_SELECT"),
            e.get("CANONICAL") != "YES",
            worst,
        )

    return min(entries, key=key)


def _split_number(text: str | None) -> tuple[int | None, int | None]:
    """``"15/18"`` -> (15, 18); ``"3-4/11"`` -> (3, 11)."""
    if not text:
        return None, None
    number, _, total = text.partition("/")
    first = number.split("-")[0]
    return (int(first) if first.isdigit() else None, int(total) if total.isdigit() else None)


def _aa_pos(protein_change: str | None) -> int | None:
    if not protein_change:
        return None
    digits = ""
    for ch in protein_change[1:]:
        if ch.isdigit():
            digits += ch
        elif digits:
            break
    return int(digits) if digits else None


def _check_build(path: Path, header, raw_header: str, reference) -> None:
    """Interpretation matches ClinVar, hotspots and CIViC on GRCh38 (the knowledge bundle's
    build): a VCF declaring another build must be lifted first, not read as if GRCh38."""
    from genomed.reference.bundle import ReferenceBundle

    declared = build_from_header(header.contig_lengths, raw_header.splitlines())
    bundle_build = ReferenceBundle(reference, verify=False).build if reference else "GRCh38"
    if declared is not None and declared != bundle_build:
        raise InputError(
            f"the header declares {declared} (##contig/##reference); interpretation runs on "
            f"{bundle_build}",
            path=str(path),
            field="##contig",
            expected=f"a {bundle_build} VCF: lift it with `genomed ingest vcf FILE --build {declared}` "
            f"into a {bundle_build} workspace, then `genomed report --sample ID`",
        )


def load_variants(
    path: str | Path,
    *,
    sample: str | None = None,
    reference: str | Path | None = None,
    pass_only: bool = False,
) -> pa.Table:
    """Read a VCF into the :data:`INPUT_COLUMNS` table, annotating it if it has no CSQ.

    ``sample``: which sample's VAF/DP to read (default: ``##tumor_sample`` or the only
    or first sample). ``pass_only``: drop records whose FILTER is not PASS/``.``.
    """
    path = Path(path)
    vcf, header = open_vcf(path)
    samples = header.samples
    chosen = sample or header.tumor_sample or (samples[0] if samples else None)
    if chosen is not None and samples and chosen not in samples:
        raise InputError(
            f"sample {chosen!r} not in the VCF (has {', '.join(samples)})", path=str(path)
        )
    s_index = samples.index(chosen) if chosen is not None and samples else None
    _check_build(path, header, vcf.raw_header, reference)
    csq = None
    for rec in vcf.header_iter():
        info = rec.info()
        if rec.type == "INFO" and info.get("ID") == "CSQ":
            csq = CsqFormat(info.get("Description", ""))
    freq_info = _frequency_fields(header.info_fields)
    freq_csq = _frequency_fields(set(csq.names)) if csq else []
    rank = _severity_rank()
    fields = SampleFields(header)
    cols: dict[str, list] = {f.name: [] for f in INPUT_COLUMNS}
    for index, variant in enumerate(vcf):
        line = header.header_lines + index + 1
        filt = variant.FILTER or "PASS"
        if pass_only and filt != "PASS":
            continue
        alts = [a for a in variant.ALT if a not in ("*", "<NON_REF>", "<*>")]
        if not alts:
            continue
        values = fields.read(variant) if s_index is not None else {}
        info = variant.INFO
        csq_value = info.get("CSQ") if csq else None
        for j, alt_raw in enumerate(variant.ALT):
            if alt_raw not in alts or alt_raw.startswith("<"):
                continue
            pos, ref, alt = trim_alleles(variant.POS, variant.REF.upper(), alt_raw.upper())
            cols["chrom"].append(normalise_chrom(variant.CHROM))
            cols["pos"].append(pos)
            cols["ref"].append(ref)
            cols["alt"].append(alt)
            cols["line"].append(line)
            cols["filter"].append(filt)
            cols["rsid"].append(variant.ID)
            _sample_values(cols, values, s_index, j)
            entry = None
            if csq_value:
                entry = _pick_csq(
                    csq.entries(csq_value, alt_raw.upper(), variant.REF.upper(), len(variant.ALT)),
                    rank,
                )
            _annotation_values(cols, entry)
            af, source = None, None
            for name in freq_info:
                number = _number(info.get(name))
                if number is not None and (af is None or number > af):
                    af, source = number, f"INFO/{name}"
            for name in freq_csq:
                number = _number(entry.get(name)) if entry else None
                if number is not None and (af is None or number > af):
                    af, source = number, f"CSQ/{name}"
            if af is None and (freq_info or freq_csq):
                source = "absent from " + ", ".join(
                    [f"INFO/{n}" for n in freq_info] + [f"CSQ/{n}" for n in freq_csq]
                )
            cols["af"].append(af)
            cols["af_source"].append(source)
            for column, names in _SCORE_FIELDS.items():
                value = next(
                    (
                        _number(v)
                        for v in [info.get(n) for n in names]
                        + [entry.get(n) if entry else None for n in names]
                        if _number(v) is not None
                    ),
                    None,
                )
                cols[column].append(value)
            splice = [_number(info.get(n)) for n in _SPLICEAI] + [
                _number(entry.get(n)) if entry else None for n in _SPLICEAI
            ]
            splice = [v for v in splice if v is not None]
            cols["spliceai"].append(max(splice) if splice else None)
    vcf.close()
    cols["variant_key"] = allele_keys(cols["chrom"], cols["pos"], cols["ref"], cols["alt"]).tolist()
    table = pa.table({f.name: pa.array(cols[f.name], type=f.type) for f in INPUT_COLUMNS})
    if csq is None and table.num_rows:
        table = annotate_table(table, reference)
    return table


def _sample_values(cols: dict, values: dict, s_index: int | None, j: int) -> None:
    dp = vaf = ad_alt = None
    if s_index is not None and values:
        if values.get("dp") is not None and values["dp"][s_index] >= 0:
            dp = int(values["dp"][s_index])
        ad = values.get("ad")
        if ad is not None and ad.shape[1] > j + 1 and ad[s_index, j + 1] >= 0:
            ad_alt = int(ad[s_index, j + 1])
        v = values.get("vaf")
        if v is not None and v.shape[1] > j and not np.isnan(v[s_index, j]):
            vaf = float(v[s_index, j])
        elif ad is not None and ad_alt is not None:
            total = int(ad[s_index].clip(min=0).sum())
            vaf = ad_alt / total if total else None
    cols["dp"].append(dp)
    cols["vaf"].append(vaf)
    cols["ad_alt"].append(ad_alt)


def _annotation_values(cols: dict, entry: dict | None) -> None:
    if entry is None:
        for name in ANNOTATION_FIELDS:
            cols[name].append(None)
        return
    terms = entry.get("Consequence") or None
    hgvsp = (entry.get("HGVSp") or "").split(":")[-1] or None
    hgvsc = (entry.get("HGVSc") or "").split(":")[-1] or None
    change = one_letter(hgvsp) if hgvsp and "=" not in hgvsp else None
    exon, total = _split_number(entry.get("EXON"))
    cols["gene"].append(entry.get("SYMBOL") or None)
    cols["transcript"].append(entry.get("Feature") or None)
    cols["consequence"].append(terms.split("&")[0] if terms else None)
    cols["consequence_terms"].append(terms)
    cols["hgvsc"].append(hgvsc)
    cols["hgvsp"].append(hgvsp)
    cols["protein_change"].append(change)
    cols["aa_pos"].append(_aa_pos(change))
    cols["exon"].append(exon)
    cols["exon_total"].append(total)
    cols["annotation_source"].append("CSQ (VEP, input file)")


def annotate_table(table: pa.Table, reference: str | Path | None = None) -> pa.Table:
    """Fill the annotation columns of an :data:`INPUT_COLUMNS` table with
    :func:`genomed.annotate.annotate_variants` (one transcript per row: MANE Select /
    canonical first, then the most severe consequence)."""
    from genomed.annotate import annotate_variants

    annotated = annotate_variants(table.select(["chrom", "pos", "ref", "alt"]), reference)
    rank = _severity_rank()
    rows = annotated.column("row").to_numpy()
    canonical = annotated.column("canonical").to_numpy(zero_copy_only=False)
    worst = annotated.column("most_severe").to_pylist()
    severity = np.array([rank.get(w, 99) if w else 99 for w in worst])
    has_gene = annotated.column("gene").is_valid().to_numpy(zero_copy_only=False)
    order = np.lexsort((severity, ~canonical, ~has_gene, rows))
    first = np.ones(len(order), dtype=bool)
    first[1:] = rows[order][1:] != rows[order][:-1]
    picked = annotated.take(pa.array(order[first])).to_pylist()
    bundle = picked[0]["bundle"] if picked else None
    by_row = {r["row"]: r for r in picked}
    cols = {name: [] for name in INPUT_COLUMNS.names}
    for i in range(table.num_rows):
        r = by_row.get(i)
        if r is None or r["consequence"] is None:
            _annotation_values(cols, None)
            continue
        hgvsp = r["hgvs_p"].replace("p.(", "p.").rstrip(")") if r["hgvs_p"] else None
        change = one_letter(hgvsp) if hgvsp and "=" not in hgvsp else None
        exon, total = _split_number(r["exon"])
        cols["gene"].append(r["gene"])
        cols["transcript"].append(r["transcript"])
        cols["consequence"].append(r["most_severe"])
        cols["consequence_terms"].append(r["consequence"])
        cols["hgvsc"].append(r["hgvs_c"])
        cols["hgvsp"].append(hgvsp)
        cols["protein_change"].append(change)
        cols["aa_pos"].append(_aa_pos(change) or _aa_pos("X" + (r["protein_position"] or "")))
        cols["exon"].append(exon)
        cols["exon_total"].append(total)
        cols["annotation_source"].append(f"genomed.annotate ({bundle})")
    for name in ANNOTATION_FIELDS:
        index = table.schema.get_field_index(name)
        table = table.set_column(
            index,
            INPUT_COLUMNS.field(name),
            pa.array(cols[name], type=INPUT_COLUMNS.field(name).type),
        )
    return table


def frequencies_from_sites_vcf(table: pa.Table, path: str | Path) -> pa.Table:
    """Fill ``af``/``af_source`` from a gnomAD-style sites VCF (INFO ``AF`` and
    ``AF_<population>``; the maximum is used) where the input has no frequency."""
    path = Path(path)
    vcf = VCF(str(path))
    names = [
        h["ID"] for h in (r.info() for r in vcf.header_iter()) if h.get("HeaderType") == "INFO"
    ]
    af_fields = [
        n for n in names if n == "AF" or (n.startswith("AF_") and "XX" not in n and "XY" not in n)
    ]
    wanted = set(table.column("variant_key").to_pylist())
    found: dict[int, float] = {}
    for variant in vcf:
        for j, alt in enumerate(variant.ALT):
            pos, ref, a = trim_alleles(variant.POS, variant.REF, alt)
            key = int(allele_keys([normalise_chrom(variant.CHROM)], [pos], [ref], [a])[0])
            if key not in wanted:
                continue
            best = None
            for name in af_fields:
                value = variant.INFO.get(name)
                if isinstance(value, tuple):
                    value = value[j] if j < len(value) else None
                number = _number(value)
                if number is not None and (best is None or number > best):
                    best = number
            if best is not None:
                found[key] = best
    vcf.close()
    af = table.column("af").to_pylist()
    source = table.column("af_source").to_pylist()
    for i, key in enumerate(table.column("variant_key").to_pylist()):
        if af[i] is None:
            if key in found:
                af[i], source[i] = (
                    found[key],
                    f"sites VCF {path.name} (max of {', '.join(af_fields)})",
                )
            else:
                af[i], source[i] = None, f"absent from sites VCF {path.name}"
    table = table.set_column(table.schema.get_field_index("af"), "af", pa.array(af, type=F64))
    return table.set_column(
        table.schema.get_field_index("af_source"), "af_source", pa.array(source, type=S)
    )


#: groups left out of the maximum, as gnomAD does for grpmax (founder or unassigned)
_EXCLUDED_GROUPS = {"asj", "fin", "mid", "oth", "remaining", "all"}


def frequencies_from_workspace(table: pa.Table, workspace, min_an: int = 20) -> pa.Table:
    """Fill ``af``/``af_source`` from a workspace's population database
    (``popfreq_counts``, built by ``genomed popfreq build``): the highest AC/AN over its
    population and super-population groups with AN >= ``min_an`` (sex groups, ``all`` and
    founder/unassigned groups left out, as gnomAD's grpmax). Input frequencies are kept
    where present."""
    from genomed.errors import WorkspaceError
    from genomed.popfreq.totals import TOTALS_TABLES, totals_source, totals_sql
    from genomed.store.workspace import Workspace

    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    if "popfreq_counts" not in ws.versions():
        raise WorkspaceError(
            f"workspace {ws.path} has no population database: build one with `genomed popfreq build`"
        )
    keys = pa.table({"variant_key": table.column("variant_key")})
    con = ws.connect(tables=list(TOTALS_TABLES))
    try:
        con.register("wanted", keys)
        rows = con.execute(
            f"""
            SELECT variant_key, grp, ac, an
            FROM ({totals_sql("variant_key IN (SELECT variant_key FROM wanted)")})
            WHERE an >= ?
            """,
            [min_an],
        ).fetchall()
    finally:
        con.close()
    best: dict[int, tuple[float, str]] = {}
    for key, grp, ac, an in rows:
        name = (grp or "").lower()
        if name in _EXCLUDED_GROUPS or name in ("xx", "xy") or name.endswith(("_xx", "_xy")):
            continue
        value = ac / an
        if key not in best or value > best[key][0]:
            best[key] = (value, grp)
    version = totals_source(ws.versions())
    af = table.column("af").to_pylist()
    source = table.column("af_source").to_pylist()
    for i, key in enumerate(table.column("variant_key").to_pylist()):
        if af[i] is not None:
            continue
        if key in best:
            af[i] = best[key][0]
            source[i] = f"workspace population database ({version}, group {best[key][1]})"
        else:
            source[i] = f"absent from the workspace population database ({version})"
    table = table.set_column(table.schema.get_field_index("af"), "af", pa.array(af, type=F64))
    return table.set_column(
        table.schema.get_field_index("af_source"), "af_source", pa.array(source, type=S)
    )
