"""The GRCh37 reference bundle: transcript models lifted from GRCh38 with the UCSC chain.

Expected values are worked out by hand (a chain written here) or published: the GRCh37
positions of well-known hotspots (COSMIC / the TCGA MAFs) and the protein changes of the
TCGA LAML MAF (GRCh37, annotated by its centre on RefSeq transcripts).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import DEMO_DATA
from typer.testing import CliRunner

from genomed.annotate import annotate_variants
from genomed.annotate.vcf_annotate import annotate_vcf
from genomed.cli.main import app
from genomed.errors import InputError
from genomed.interpret.variant_input import load_variants
from genomed.io.chain import ChainFile, packaged_chain
from genomed.reference.bundle import ReferenceBundle
from genomed.reference.bundle_lift import lift_models
from genomed.reference.transcript_model import TranscriptModel

# A chain by hand (UCSC format, 0-based): chr1 source 1..1000 -> target +100, then the
# target has 10 extra bases, source 1001..3000 -> target +110; chr2 source 1..1000 maps
# onto the target's minus strand: source p -> target 5001 - p (1-based).
CHAIN = """chain 1000 1 10000 + 0 3000 1 10000 + 100 3110 1
1000\t0\t10
2000

chain 1000 2 5000 + 0 1000 2 5000 - 0 1000 2
1000

"""


def _model(tid: str, chrom: str, exons, cds, strand: int = 1) -> TranscriptModel:
    return TranscriptModel(tid, chrom, strand, tuple(exons), cds, gene=tid)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> ChainFile:
    path = tmp_path_factory.mktemp("chain") / "test.over.chain.gz"
    path.write_bytes(gzip.compress(CHAIN.encode()))
    return ChainFile.load(path)


def test_lift_rules_by_hand(chain):
    models = [
        # clean: both exons in the first block -> +100
        _model("A", "1", [(101, 200), (301, 400)], (121, 390)),
        # exon 951-1050 straddles the 10-base target insertion: 100 bases become 110
        _model("B", "1", [(951, 1050)], (961, 1040)),
        # exon 3500-3600 lies beyond the chain
        _model("C", "1", [(2500, 2600), (3500, 3600)], None),
        # inverted region: exons 101-200, 301-400 (+) -> 4801-4900, 4601-4700 (-);
        # CDS 151..350 -> 4651..4850; cDNA 51..150 on both assemblies
        _model("D", "2", [(101, 200), (301, 400)], (151, 350)),
    ]
    outcome = lift_models(models, chain)
    lifted = {m.transcript_id: m for m in outcome.models}
    assert lifted["A"].exons == ((201, 300), (401, 500))
    assert lifted["A"].cds == (221, 490)
    assert lifted["A"].strand == 1
    assert lifted["D"].exons == ((4601, 4700), (4801, 4900))
    assert lifted["D"].strand == -1
    assert lifted["D"].cds == (4651, 4850)
    assert lifted["D"].coding_cdna_span() == (51, 150) == models[3].coding_cdna_span()
    reasons = {d["transcript_id"]: d["reason"] for d in outcome.dropped}
    assert reasons == {
        "B": "an exon changes length (assembly difference inside the exon)",
        "C": "an exon or CDS end does not lift (not in an aligned block)",
    }


def test_shipped_grch37_bundle_is_the_grch38_one_lifted():
    grch37, grch38 = ReferenceBundle.default("GRCh37"), ReferenceBundle.default("GRCh38")
    assert grch37.build == "GRCh37"
    notes = grch37.manifest["build_notes"]
    assert notes["lifted_from"] == grch38.id
    # every GRCh38 transcript is either lifted or listed with its reason
    assert notes["lifted"] + len(notes["not_lifted"]) == grch38.transcripts.num_rows
    assert notes["lifted"] == grch37.transcripts.num_rows
    # carried cDNAs are re-validated on the lifted models: nothing fails that did not on GRCh38
    failed37 = set(grch37.validation.column("transcript_id").to_pylist())
    assert failed37 <= set(grch38.validation.column("transcript_id").to_pylist())
    assert grch37.manifest["counts"]["failed_validation"] == 0
    # the development check against UCSC refGene hg19 recorded at build time
    assert notes["refgene_hg19_check"]["identical_percent"] > 95


def test_known_grch37_hotspots(tmp_path):
    # GRCh37 positions of hotspots as published (COSMIC, TCGA MAFs) and their HGVS c.
    hotspots = [
        ("2", 25457242, "C", "T", "DNMT3A", "c.2645G>A"),  # R882H
        ("2", 209113112, "C", "T", "IDH1", "c.395G>A"),  # R132H
        ("3", 178952085, "A", "G", "PIK3CA", "c.3140A>G"),  # H1047R
        ("7", 55259515, "T", "G", "EGFR", "c.2573T>G"),  # L858R
        ("7", 140453136, "A", "T", "BRAF", "c.1799T>A"),  # V600E
        ("12", 25398284, "C", "T", "KRAS", "c.35G>A"),  # G12D
        ("17", 7578406, "C", "T", "TP53", "c.524G>A"),  # R175H
    ]
    header = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=249250621>"]
    header += ["#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    records = [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t." for c, p, r, a, _, _ in hotspots]
    vcf = tmp_path / "hotspots.grch37.vcf"
    vcf.write_text("\n".join(header + records) + "\n")
    result = annotate_vcf(vcf, tmp_path / "out.tsv")  # the header's chr1 length says GRCh37
    assert result.bundle.startswith("genomed-GRCh37")
    rows = pd.read_csv(tmp_path / "out.tsv", sep="\t")
    rows = rows[rows["canonical"]]
    assert list(zip(rows["gene"], rows["hgvs_c"], strict=True)) == [(g, c) for *_, g, c in hotspots]
    braf = rows[rows["gene"] == "BRAF"].iloc[0]
    assert braf["hgvs_p"] == "p.(Val600Glu)" and "BRAF V600E" in braf["civic"]
    # ClinVar in the knowledge bundle is GRCh38: no match by GRCh37 allele keys
    assert rows["clinvar_id"].isna().all()
    # the same file against the GRCh38 bundle is refused, with what to do
    with pytest.raises(InputError, match="declares GRCh37"):
        annotate_vcf(vcf, tmp_path / "out38.tsv", bundle=ReferenceBundle.default("GRCh38").path)
    with pytest.raises(InputError, match="genomed ingest vcf FILE --build GRCh37"):
        load_variants(vcf)


@pytest.fixture(scope="module")
def laml() -> tuple[pd.DataFrame, pd.DataFrame]:
    """LAML MAF SNVs (GRCh37) and their canonical-transcript annotations (GRCh37 bundle)."""
    maf = pd.read_csv(
        DEMO_DATA / "laml_study" / "data_mutations.txt", sep="\t", comment="#", dtype=str
    )
    snv = maf[maf["Variant_Type"] == "SNP"].reset_index(drop=True)
    table = pa.table(
        {
            "chrom": snv["Chromosome"].tolist(),
            "pos": snv["Start_Position"].astype(int).tolist(),
            "ref": snv["Reference_Allele"].tolist(),
            "alt": snv["Tumor_Seq_Allele2"].tolist(),
        }
    )
    ann = annotate_variants(table, ReferenceBundle.default("GRCh37")).to_pandas()
    return snv, ann[ann["canonical"]]


def test_laml_protein_positions_agree_with_the_maf(laml):
    # The MAF names its RefSeq transcript (i_transcript_name, 2012 versions); where it is
    # the same accession.version as the bundle's MANE transcript, the codon number must be
    # the MAF's exactly; same accession, other versions: isoforms changed between them
    snv, ann = laml
    tx = ReferenceBundle.default("GRCh37").transcripts.to_pandas().set_index("transcript_id")
    rows = ann.merge(snv.assign(row=range(len(snv))), on="row")
    rows = rows[rows["Protein_Change"].str.match(r"^p\.[A-Z*]\d+[A-Z*]$", na=False)]
    refseq = rows["transcript"].map(tx["refseq_id"])
    maf_position = rows["Protein_Change"].str.extract(r"(\d+)")[0].astype(int)
    ours = pd.to_numeric(rows["protein_position"], errors="coerce")
    same_version = (rows["i_transcript_name"] == refseq).to_numpy()
    assert same_version.sum() >= 30
    assert (maf_position[same_version] == ours[same_version]).all()
    same_accession = (
        rows["i_transcript_name"].str.split(".").str[0] == refseq.str.split(".").str[0]
    ).to_numpy()
    agree = (maf_position[same_accession] == ours[same_accession]).mean()
    assert agree > 0.95, agree


def test_laml_grch37_and_lifted_grch38_annotations_agree(laml):
    # the same SNVs lifted to GRCh38 and annotated with the GRCh38 bundle: same transcript,
    # same consequence and HGVS c.; intronic offsets may differ where the intron's length
    # differs between the assemblies, nothing else may
    snv, ann37 = laml
    chain = ChainFile.load(packaged_chain("GRCh37", "GRCh38"))
    lifted = chain.lift_positions(
        np.array(snv["Chromosome"].tolist(), dtype=object),
        snv["Start_Position"].astype(int).to_numpy(),
    )
    ok = lifted.ok & (lifted.strand == 1)
    table = pa.table(
        {
            "chrom": list(lifted.chrom[ok]),
            "pos": lifted.pos[ok].tolist(),
            "ref": snv["Reference_Allele"][ok].tolist(),
            "alt": snv["Tumor_Seq_Allele2"][ok].tolist(),
        }
    )
    ann38 = annotate_variants(table, ReferenceBundle.default("GRCh38")).to_pandas()
    ann38 = ann38[ann38["canonical"]].assign(row=lambda f: np.flatnonzero(ok)[f["row"]])
    pairs = ann37.merge(ann38, on=["row", "transcript"], suffixes=("_37", "_38"))
    assert len(pairs) > 0.95 * len(ann37)
    assert (pairs["consequence_37"] == pairs["consequence_38"]).all()
    differ = pairs[pairs["hgvs_c_37"].fillna("") != pairs["hgvs_c_38"].fillna("")]
    assert differ["hgvs_c_37"].str.contains(r"\d[+-]\d").all()  # intronic offsets only
    assert len(differ) <= 0.01 * len(pairs)


def test_cli_reference_lift_rebuilds_the_shipped_models(tmp_path):
    out = tmp_path / "grch37"
    result = CliRunner().invoke(
        app, ["reference", "lift", "--build", "GRCh37", "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    shipped = ReferenceBundle.default("GRCh37")
    assert report["transcripts"] == shipped.transcripts.num_rows
    for name in ("transcripts.parquet", "exons.parquet", "sequences.parquet"):
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert digest == shipped.manifest["files"][name]["sha256"], name


def test_packaged_chain_is_the_one_the_provenance_names():
    path = packaged_chain("GRCh38", "GRCh37")
    text = (Path(path).parent / "PROVENANCE.md").read_text()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() in text


def test_cli_reference_info_and_validation_of_the_grch37_bundle():
    info = CliRunner().invoke(app, ["reference", "info", "--build", "GRCh37", "--json"])
    assert info.exit_code == 0, info.output
    summary = json.loads(info.output)
    shipped = ReferenceBundle.default("GRCh37")
    assert summary["build"] == "GRCh37" and summary["id"] == shipped.id
    checks = CliRunner().invoke(app, ["reference", "validation", "--build", "GRCh37", "--json"])
    assert checks.exit_code == 0, checks.output
    assert len(json.loads(checks.output)) == shipped.validation.num_rows


def test_a_grch37_workspace_is_annotated_with_the_grch37_bundle(tmp_path):
    # the LAML MAF declares NCBI_Build 37: a workspace created from it is GRCh37, and
    # `genomed annotate -w` uses the shipped GRCh37 bundle (it used to refuse: GRCh38 only)
    from genomed.annotate.workspace_annotate import annotate_workspace
    from genomed.store.ingest_maf import ingest_maf
    from genomed.store.workspace import Workspace

    ingest_maf(tmp_path / "ws", DEMO_DATA / "laml_study" / "data_mutations.txt")
    ws = Workspace.open(tmp_path / "ws")
    assert ws.build == "GRCh37"
    result = annotate_workspace(ws.path)
    assert result.bundle == ReferenceBundle.default("GRCh37").id
    con = Workspace.open(ws.path).connect()
    rows = con.execute(
        "SELECT DISTINCT a.gene, a.protein_position, a.clinvar_id FROM annotations a "
        "JOIN variants v USING (variant_key) WHERE v.chrom = '2' AND v.pos = 25457242 "
        "AND v.alt = 'T' AND a.canonical"
    ).fetchall()
    # DNMT3A R882H (GRCh37 chr2:25457242 C>T): codon 882; no ClinVar match by a GRCh37 key
    assert rows == [("DNMT3A", "882", None)]
