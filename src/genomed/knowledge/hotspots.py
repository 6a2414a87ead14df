"""cancerhotspots.org v2 (Chang et al. 2018; ODbL 1.0) -> ``hotspots`` and
``hotspot_alleles`` rows.

Inputs, in one directory (any may be absent):

``MSK-SNV-hotspots-v2.tsv``
    one row per (gene, residue, variant amino acid): ``Hugo_Symbol``,
    ``Amino_Acid_Position``, ``Mutation_Count`` (tumours mutated at the residue),
    ``Reference_Amino_Acid`` (``V:897``), ``Variant_Amino_Acid`` (``E:833``: tumours with
    this change), ``qvalue``, ``Detailed_Cancer_Types`` (``skcm:787:355|...``: code,
    tumours sequenced, tumours mutated).
``MSK-INDEL-hotspots-v2.tsv``
    the same for in-frame indels; ``Amino_Acid_Position`` may be a range (``746-750``),
    ``Variant_Amino_Acid`` lists changes (``K546del:5|...``).
``cancerhotspots_v2_GRCh38.tsv`` (maftools' genomic expansion, no header)
    ``chrom pos ref alt gene class protein_change sift``: the GRCh38 alleles that make
    each hotspot change, matched by ``variant_key`` without any consequence annotation.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from genomed.errors import InputError
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles

SNV_FILE = "MSK-SNV-hotspots-v2.tsv"
INDEL_FILE = "MSK-INDEL-hotspots-v2.tsv"
ALLELES_FILE = "cancerhotspots_v2_GRCh38.tsv"

csv.field_size_limit(sys.maxsize)


def _count(text: str) -> tuple[str, int]:
    """``"E:833"`` -> (``"E"``, 833)."""
    name, _, count = text.rpartition(":")
    return name, int(count) if count.isdigit() else 0


def _cancer_types(text: str) -> str:
    """``"skcm:787:355|thpa:486:293"`` -> ``"skcm:355|thpa:293"`` (mutated tumours only)."""
    out = []
    for item in text.split("|"):
        parts = item.split(":")
        if len(parts) == 3:
            out.append(f"{parts[0]}:{parts[2]}")
    return "|".join(out)


def read_hotspots(directory: str | Path) -> tuple[dict[str, list], list[Path]]:
    """Residue-level hotspots from the MSK SNV and INDEL tables of ``directory``."""
    directory = Path(directory)
    columns: dict[str, list] = {
        k: []
        for k in (
            "gene",
            "kind",
            "aa_pos",
            "aa_pos_end",
            "aa_ref",
            "aa_alt",
            "residue_count",
            "alt_count",
            "qvalue",
            "cancer_types",
        )
    }
    used = []
    for name, kind in ((SNV_FILE, "snv"), (INDEL_FILE, "indel")):
        path = directory / name
        if not path.exists():
            continue
        used.append(path)
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            for line, row in enumerate(reader, start=2):
                position = row["Amino_Acid_Position"]
                row_kind = kind
                if position.startswith("X") and position.endswith("_splice"):
                    position, row_kind = position[1:].removesuffix("_splice"), "splice"
                first, _, last = position.partition("-")
                if not first.isdigit():
                    raise InputError(
                        "residue is not a number",
                        path=str(path),
                        line=line,
                        field="Amino_Acid_Position",
                    )
                ref_aa, _ = _count(row["Reference_Amino_Acid"].split("|")[0])
                changes = [_count(x) for x in row["Variant_Amino_Acid"].split("|") if x]
                for alt, alt_count in changes or [(None, 0)]:
                    columns["gene"].append(row["Hugo_Symbol"])
                    columns["kind"].append(row_kind)
                    columns["aa_pos"].append(int(first))
                    columns["aa_pos_end"].append(int(last) if last.isdigit() else int(first))
                    columns["aa_ref"].append(ref_aa if kind == "snv" else ref_aa[:1] or None)
                    columns["aa_alt"].append(alt)
                    columns["residue_count"].append(int(row["Mutation_Count"] or 0))
                    columns["alt_count"].append(alt_count)
                    try:
                        columns["qvalue"].append(float(row["qvalue"]))
                    except ValueError:
                        columns["qvalue"].append(None)
                    columns["cancer_types"].append(_cancer_types(row["Detailed_Cancer_Types"]))
    if not used:
        raise InputError(
            f"no {SNV_FILE} or {INDEL_FILE} in the hotspots directory", path=str(directory)
        )
    return columns, used


def read_hotspot_alleles(path: str | Path) -> dict[str, list]:
    """Genomic alleles of hotspot changes (maftools layout, GRCh38), trimmed."""
    path = Path(path)
    columns: dict[str, list] = {
        k: [] for k in ("chrom", "pos", "ref", "alt", "gene", "protein_change")
    }
    with open(path, encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            fields = text.rstrip("\n").split("\t")
            if len(fields) < 7:
                raise InputError("expected 8 tab-separated columns", path=str(path), line=line)
            if not fields[1].isdigit():
                raise InputError("position is not a number", path=str(path), line=line, field="pos")
            ref = fields[2] if fields[2] != "-" else ""
            alt = fields[3] if fields[3] != "-" else ""
            if not ref or not alt:
                continue  # MAF-style indel without anchor base: cannot key without the genome
            pos, ref, alt = trim_alleles(int(fields[1]), ref, alt)
            columns["chrom"].append(normalise_chrom(fields[0]))
            columns["pos"].append(pos)
            columns["ref"].append(ref)
            columns["alt"].append(alt)
            columns["gene"].append(fields[4])
            columns["protein_change"].append(fields[6].removeprefix("p."))
    return columns
