"""``build_knowledge_bundle``: raw knowledge sources -> a versioned bundle directory.

Every source is optional except the curated tables, which default to the ones genomed
ships. Genomic coordinates of a source on another build (CIViC and CGI give GRCh37) are
lifted with a UCSC chain when ``chain`` is given, else dropped (the evidence still
matches by gene and protein change); the manifest says which. The bundle is written to
a temporary sibling directory and renamed into place, so a failed build leaves the
previous bundle untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from genomed import __version__
from genomed.errors import GenomedError
from genomed.knowledge import bundle_format as fmt
from genomed.knowledge.acmg_sf import read_acmg_sf
from genomed.knowledge.allele_keys import allele_keys
from genomed.knowledge.cgi import LICENCE as CGI_LICENCE
from genomed.knowledge.cgi import read_cgi
from genomed.knowledge.civic import read_civic
from genomed.knowledge.clinvar import read_clinvar
from genomed.knowledge.curated_tables import CURATED_FILES, read_curated
from genomed.knowledge.hotspots import ALLELES_FILE, read_hotspot_alleles, read_hotspots
from genomed.model.chromosome import normalise_chrom
from genomed.model.normalise import trim_alleles


class KnowledgeBuildError(GenomedError):
    """A knowledge bundle cannot be built as asked (e.g. a restricted source into the
    shipped default bundle)."""


#: licence, whether genomed may redistribute it, and how to cite each source
SOURCES = {
    "civic": ("CC0-1.0", True, "Griffith M et al. CIViC. Nat Genet 2017;49:170-174"),
    "cancerhotspots": (
        "ODbL-1.0 (attribution; derived databases made public stay ODbL)",
        True,
        "Chang MT et al. Cancer Discov 2018;8:174-183 (cancerhotspots.org v2)",
    ),
    "hotspot_alleles": (
        "MIT (maftools genomic expansion) of ODbL-1.0 data (cancerhotspots.org)",
        True,
        "Mayakonda A et al. maftools. Genome Res 2018; Chang MT et al. 2018",
    ),
    "clinvar": ("public domain (NCBI)", True, "Landrum MJ et al. ClinVar. NAR 2018;46:D1062"),
    "acmg_sf": (
        "facts from the publication; file from PCGR (MIT)",
        True,
        "Miller DT et al. ACMG SF v3.2. Genet Med 2023;25:100866",
    ),
    "cgi": (CGI_LICENCE, False, "Tamborero D et al. Genome Med 2018;10:25"),
    "curated": (
        "Apache-2.0 (genomed); OncoTree codes after oncotree_2021_11_02",
        True,
        "genomed curated tables; Kundra R et al. OncoTree. JCO CCI 2021",
    ),
}

DEFAULT_BUNDLE_DIR = Path(__file__).resolve().parent.parent / "data" / "knowledge" / "default"


@dataclass
class KnowledgeSources:
    """Paths of the raw sources to build from (None = leave that source out)."""

    civic: Path | None = None
    cgi: Path | None = None
    hotspots: Path | None = None
    hotspot_alleles: Path | None = None
    clinvar: Path | None = None
    acmg_sf: Path | None = None
    curated: dict[str, Path] = field(
        default_factory=dict
    )  # table -> TSV overriding the shipped one


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lift(columns: dict[str, list], from_build: str, to_build: str, chain) -> str:
    """Trim, lift (when builds differ) and key the genomic columns in place; returns a
    note for the manifest."""
    n = len(columns.get("chrom", []))
    idx = [i for i in range(n) if columns["chrom"][i] is not None]
    if not idx:
        columns["variant_key"] = [None] * n
        return "no genomic coordinates"
    chrom = [normalise_chrom(str(columns["chrom"][i])) for i in idx]
    trimmed = [trim_alleles(columns["pos"][i], columns["ref"][i], columns["alt"][i]) for i in idx]
    pos = np.array([t[0] for t in trimmed], dtype=np.int64)
    ref = np.array([t[1] for t in trimmed], dtype=object)
    alt = np.array([t[2] for t in trimmed], dtype=object)
    chrom_arr = np.array(chrom, dtype=object)
    note = f"{len(idx)} alleles on {to_build}"
    keep = np.ones(len(idx), dtype=bool)
    if from_build != to_build:
        if chain is None:
            for key in ("chrom", "pos", "ref", "alt"):
                columns[key] = [None] * n
            columns["variant_key"] = [None] * n
            return f"{from_build} coordinates dropped (no chain given); matched by gene and protein change"
        result, ref, alt = chain.lift_alleles(chrom_arr, pos, ref, alt)
        keep = result.ok
        chrom_arr, pos = result.chrom, result.pos
        note = f"{int(keep.sum())} of {len(idx)} alleles lifted {from_build} -> {to_build}"
    keys = np.zeros(len(idx), dtype=np.int64)
    if keep.any():
        keys[keep] = allele_keys(chrom_arr[keep], pos[keep], ref[keep], alt[keep])
    out = {k: [None] * n for k in ("chrom", "pos", "ref", "alt", "variant_key")}
    for j, i in enumerate(idx):
        if keep[j]:
            out["chrom"][i] = chrom_arr[j]
            out["pos"][i] = int(pos[j])
            out["ref"][i] = ref[j]
            out["alt"][i] = alt[j]
            out["variant_key"][i] = int(keys[j])
    columns.update(out)
    return note


def _write_table(directory: Path, name: str, table: pa.Table, tables: dict) -> None:
    file_name = fmt.TABLE_FILES[name][0]
    path = directory / file_name
    pq.write_table(table, path, compression="zstd")
    tables[name] = {"file": file_name, "sha256": sha256_file(path), "rows": table.num_rows}


def _source_entry(name: str, version: str, files: list[Path], note: str | None = None) -> dict:
    licence, redistributable, citation = SOURCES[name]
    entry = {
        "name": name,
        "version": version,
        "licence": licence,
        "redistributable": redistributable,
        "citation": citation,
        "files": [{"name": Path(f).name, "sha256": sha256_file(Path(f))} for f in files],
    }
    if note:
        entry["note"] = note
    return entry


def _civic_version(columns: dict[str, list], directory: Path) -> str:
    import csv

    dates = []
    with open(directory / "nightly-ClinicalEvidenceSummaries.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("last_review_date"):
                dates.append(row["last_review_date"][:10])
    return f"nightly, last review {max(dates)}" if dates else "nightly"


def _clinvar_version(path: Path) -> str:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        for line in handle:
            if not line.startswith("##"):
                break
            if line.startswith("##fileDate="):
                return line.strip().split("=", 1)[1]
    return "unknown"


def build_knowledge_bundle(
    sources: KnowledgeSources,
    out: str | Path,
    *,
    name: str = "genomed-knowledge",
    version: str | None = None,
    build: str = "GRCh38",
    chain_path: str | Path | None = None,
) -> dict:
    """Build a bundle from ``sources`` into directory ``out``; returns the manifest.

    ``chain_path``: UCSC chain from GRCh37 to ``build`` for sources with GRCh37
    coordinates (CIViC, CGI). Raises :class:`KnowledgeBuildError` when a source that
    may not be redistributed (CGI) would go into genomed's shipped default bundle.
    """
    out = Path(out)
    restricted = [s for s, on in (("cgi", sources.cgi),) if on is not None and not SOURCES[s][1]]
    if restricted and out.resolve() == DEFAULT_BUNDLE_DIR.resolve():
        raise KnowledgeBuildError(
            f"{', '.join(restricted)} may not be redistributed ({CGI_LICENCE}); "
            "it cannot go into genomed's shipped default bundle — build into another directory"
        )
    chain = None
    if chain_path is not None:
        from genomed.io.chain import ChainFile

        chain = ChainFile.load(chain_path)
    staging = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        manifest = _build_into(staging, sources, name, version, build, chain)
        if out.exists():
            old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(out, old)
            os.replace(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _build_into(
    directory: Path, sources: KnowledgeSources, name: str, version, build: str, chain
) -> dict:
    tables: dict = {}
    entries: list[dict] = []
    biomarker_parts = []
    if sources.civic is not None:
        civic = read_civic(sources.civic)
        note = _lift(civic.columns, civic.coordinate_build, build, chain)
        biomarker_parts.append(fmt.conform("biomarkers", civic.columns))
        entries.append(
            _source_entry(
                "civic",
                _civic_version(civic.columns, Path(sources.civic)),
                civic.files,
                f"{civic.layout} layout; {note}",
            )
        )
    if sources.cgi is not None:
        columns = read_cgi(sources.cgi)
        note = _lift(columns, "GRCh37", build, chain)
        biomarker_parts.append(fmt.conform("biomarkers", columns))
        entries.append(_source_entry("cgi", "per-variant biomarkers", [sources.cgi], note))
    if biomarker_parts:
        _write_table(directory, "biomarkers", pa.concat_tables(biomarker_parts), tables)
    if sources.hotspots is not None:
        columns, files = read_hotspots(sources.hotspots)
        _write_table(directory, "hotspots", fmt.conform("hotspots", columns), tables)
        entries.append(_source_entry("cancerhotspots", "v2", files))
        alleles = sources.hotspot_alleles
        if alleles is None and (Path(sources.hotspots) / ALLELES_FILE).exists():
            alleles = Path(sources.hotspots) / ALLELES_FILE
    else:
        alleles = sources.hotspot_alleles
    if alleles is not None:
        columns = read_hotspot_alleles(alleles)
        columns["variant_key"] = allele_keys(
            columns["chrom"], columns["pos"], columns["ref"], columns["alt"]
        ).tolist()
        _write_table(directory, "hotspot_alleles", fmt.conform("hotspot_alleles", columns), tables)
        entries.append(_source_entry("hotspot_alleles", "v2 (GRCh38 expansion)", [alleles]))
    if sources.clinvar is not None:
        columns = read_clinvar(sources.clinvar)
        columns["variant_key"] = allele_keys(
            columns["chrom"], columns["pos"], columns["ref"], columns["alt"]
        ).tolist()
        _write_table(directory, "clinvar", fmt.conform("clinvar", columns), tables)
        entries.append(
            _source_entry("clinvar", _clinvar_version(Path(sources.clinvar)), [sources.clinvar])
        )
    if sources.acmg_sf is not None:
        columns = read_acmg_sf(sources.acmg_sf)
        versions = [v for v in columns["sf_version"] if v]
        _write_table(directory, "acmg_sf", fmt.conform("acmg_sf", columns), tables)
        entries.append(
            _source_entry(
                "acmg_sf",
                f"SF v{max(versions, key=_version_key)}" if versions else "SF",
                [sources.acmg_sf],
            )
        )
    curated_files = []
    for table in CURATED_FILES:
        columns, path = read_curated(table, sources.curated.get(table))
        _write_table(directory, table, fmt.conform(table, columns), tables)
        curated_files.append(path)
    digest = hashlib.sha256("".join(sha256_file(p) for p in curated_files).encode()).hexdigest()
    entries.append(_source_entry("curated", digest[:12], curated_files))
    redistributable = all(e["redistributable"] for e in entries)
    version = version or datetime.now(UTC).strftime("%Y.%m.%d")
    manifest = {
        "format": fmt.FORMAT_VERSION,
        "name": name,
        "version": version,
        "id": f"{name}@{version}",
        "build": build,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "genomed_version": __version__,
        "redistributable": redistributable,
        "sources": entries,
        "tables": tables,
    }
    (directory / fmt.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _version_key(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))
