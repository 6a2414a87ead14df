"""Liftover with UCSC chain files (genomed.io.chain), cross-checked against pyliftover.

Real data: the UCSC hg19ToHg38 chain shipped in the package (genomed/data/chain), every
position of the TCGA LAML MAF, every aligned-block edge of the chain, and the PCGR
example tumour that ships in both builds (its GRCh38 file was made with CrossMap).
Expected values come from pyliftover (an independent implementation) or from the GRCh38
file, never from the code under test.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

import genomed
from genomed.errors import InputError
from genomed.io.chain import REASONS, ChainFile, find_chain, packaged_chain
from genomed.model.chromosome import normalise_chrom

CHAIN = packaged_chain("GRCh37", "GRCh38")
DATA = Path(__file__).resolve().parent / "data"
LAML_MAF = DATA / "liftover" / "tcga_laml.maf.gz"
PCGR37 = DATA / "pcgr" / "T001-COAD.grch37.vcf.gz"
PCGR38 = DATA / "pcgr" / "T001-COAD.grch38.vcf.gz"


@pytest.fixture(scope="module")
def chain() -> ChainFile:
    return ChainFile.load(CHAIN)


@pytest.fixture(scope="module")
def pyliftover():
    module = pytest.importorskip("pyliftover")
    return module.LiftOver(str(CHAIN))


def _expected(lo, chroms, positions):
    """pyliftover's first (highest-scoring) answer per 1-based position, canonical names."""
    out = []
    for chrom, pos in zip(chroms, positions, strict=True):
        hits = lo.convert_coordinate("chr" + chrom, int(pos) - 1)
        if not hits:
            out.append(None)
        else:
            name, pos0, strand, _score = hits[0]
            out.append((normalise_chrom(name), pos0 + 1, 1 if strand == "+" else -1))
    return out


def _got(result):
    return [
        (c, int(p), int(s)) if ok else None
        for c, p, s, ok in zip(result.chrom, result.pos, result.strand, result.ok, strict=True)
    ]


def _read_vcf(path):
    rows = []
    with gzip.open(path, "rt") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.startswith("#"):
                f = line.rstrip("\n").split("\t")
                rows.append((line_no, f[0], int(f[1]), f[3], f[4]))
    return rows


# -- agreement with pyliftover -----------------------------------------------------------


def test_every_tcga_laml_position_agrees_with_pyliftover(chain, pyliftover):
    header, *lines = gzip.decompress(LAML_MAF.read_bytes()).decode().splitlines()
    columns = header.split("\t")
    rows = [line.split("\t") for line in lines]
    chroms = [normalise_chrom(r[columns.index("Chromosome")]) for r in rows]
    starts = [int(r[columns.index("Start_Position")]) for r in rows]
    ends = [int(r[columns.index("End_position")]) for r in rows]
    chrom = np.array(chroms + chroms, dtype=object)
    pos = np.array(starts + ends, dtype=np.int64)
    assert len(pos) == 2 * 2207 and "X" in chroms  # the MAF spells X as 23

    result = chain.lift_positions(chrom, pos)
    expected = _expected(pyliftover, chrom, pos)

    assert _got(result) == expected
    assert int(result.ok.sum()) == sum(e is not None for e in expected) == 4414
    assert (result.n_targets[result.ok] == 1).all()


def test_every_block_edge_agrees_with_pyliftover(chain, pyliftover):
    """Both sides of every aligned block, parsed by pyliftover's own reader."""
    chroms, positions = [], []
    for c in pyliftover.chain_file.chains:
        for start, end, _ in c.blocks:
            for pos0 in (start - 1, start, end - 1, end, (start + end) // 2):
                chroms.append(c.source_name.removeprefix("chr"))
                positions.append(pos0 + 1)
    chrom = np.array(chroms, dtype=object)
    pos = np.array(positions, dtype=np.int64)
    # MT is the one deliberate difference (see test_mitochondrion_*): compare the chain as is.
    ucsc = ChainFile.load(CHAIN, mitochondrion="chain")
    result = ucsc.lift_positions(chrom, pos)
    expected = _expected(pyliftover, chrom, pos)

    assert len(pos) == 5 * ucsc.n_blocks == 5 * 53950
    assert _got(result) == expected
    minus = result.strand == -1
    assert minus.sum() > 10_000  # minus-strand chains are well exercised
    assert not result.ok[pos < 1].any()
    assert set(result.reason[~result.ok]) <= {"in a gap", "invalid position"}


def test_overlapping_chains_follow_pyliftover_or_fail(tmp_path):
    """Two chains covering the same bases (the UCSC files have none; others may)."""
    text = (
        "chain 100 chrA 1000 + 100 300 chrB 2000 + 0 200 1\n"
        "200\n\n"
        "chain 500 chrA 1000 + 200 400 chrC 500 - 50 260 2\n"
        "50 0 10\n150\n\n"
    )
    path = tmp_path / "overlap.chain"
    path.write_text(text)
    pyliftover = pytest.importorskip("pyliftover")
    lo = pyliftover.LiftOver(str(path))
    pos = np.arange(1, 1002, dtype=np.int64)
    chrom = np.full(len(pos), "chrA", dtype=object)
    chain = ChainFile.load(path)

    best = chain.lift_positions(chrom, pos)
    expected = []
    for p in pos:
        hits = lo.convert_coordinate("chrA", int(p) - 1)
        expected.append(
            (hits[0][0].removeprefix("chr"), hits[0][1] + 1, 1 if hits[0][2] == "+" else -1)
            if hits
            else None
        )
    assert _got(best) == expected
    # Bases 201..300 lie in both chains; the higher score (500, chrC minus) wins.
    assert best.n_targets.tolist().count(2) == 100
    assert (best.chrom[200], best.pos[200], best.strand[200]) == ("C", 500 - 50, -1)

    strict = chain.lift_positions(chrom, pos, multiple="fail")
    assert not strict.ok[200:300].any()
    assert set(strict.reason[200:300]) == {"multiple targets"}
    assert strict.ok[100:200].all() and strict.ok[300:350].all()


# -- the PCGR tumour in both builds ------------------------------------------------------


def test_pcgr_grch37_records_lift_to_the_grch38_records(chain):
    rows37, rows38 = _read_vcf(PCGR37), _read_vcf(PCGR38)
    assert (len(rows37), len(rows38)) == (3317, 3313)
    chrom = np.array([r[1] for r in rows37], dtype=object)
    pos = np.array([r[2] for r in rows37], dtype=np.int64)
    ref = np.array([r[3] for r in rows37], dtype=object)
    alt = np.array([r[4] for r in rows37], dtype=object)

    result, new_ref, new_alt = chain.lift_alleles(chrom, pos, ref, alt)

    assert result.ok.all()
    lifted = {
        (c, int(p), r, a): row[0]
        for c, p, r, a, row in zip(result.chrom, result.pos, new_ref, new_alt, rows37, strict=True)
    }
    assert len(lifted) == 3317
    # Every GRCh38 record is the lift of exactly one GRCh37 record, alleles included.
    assert all(r[1:] in lifted for r in rows38)
    # The four GRCh37 records the GRCh38 file lacks (line in the GRCh37 file -> our lift):
    extra = {line: key for key, line in lifted.items() if key not in {r[1:] for r in rows38}}
    assert extra == {
        # hg19 chr1:13331600 lies in a chain to an alt contig only; CrossMap writes it
        # there too, and PCGR keeps primary chromosomes.
        55: ("1_KI270766v1_alt", 169509, "G", "T"),
        # Minus-strand delins (REF replaced wholesale, so reverse-complementing both
        # alleles is exact); the GRCh38 file omits them (CrossMap 0.6.4 output).
        202: ("1", 145731018, "CCAGAAGT", "G"),
        1465: ("9", 66917963, "G", "TC"),
        2287: ("15", 22561602, "TG", "A"),
    }
    assert int((result.strand == -1).sum()) == 15


def test_minus_strand_snv_is_reverse_complemented(chain):
    # PCGR T001-COAD line 198: GRCh37 1:144915479 A>G is 1:148968996 T>C in the GRCh38 file.
    result, ref, alt = chain.lift_alleles(
        np.array(["1"], dtype=object), np.array([144915479]), np.array(["A"]), np.array(["G"])
    )
    assert (result.chrom[0], result.pos[0], result.strand[0], ref[0], alt[0]) == (
        "1",
        148968996,
        -1,
        "T",
        "C",
    )


def test_minus_strand_mnv_moves_to_the_leftmost_base(chain, pyliftover):
    first = pyliftover.convert_coordinate("chr1", 144915479 - 1)[0]
    last = pyliftover.convert_coordinate("chr1", 144915481 - 1)[0]
    assert first[2] == last[2] == "-" and first[1] - last[1] == 2
    result, ref, alt = chain.lift_alleles(
        np.array(["1"], dtype=object),
        np.array([144915479]),
        np.array(["ACG"], dtype=object),
        np.array(["TTA,GCG"], dtype=object),
    )
    assert result.ok[0] and result.pos[0] == last[1] + 1
    assert (ref[0], alt[0]) == ("CGT", "TAA,CGC")


@pytest.mark.parametrize(
    ("ref", "alt"),
    [("A", "AT"), ("ACT", "A"), ("-", "T"), ("AC", "-"), ("A", "G,AT")],
)
def test_indel_on_minus_strand_is_reported(chain, ref, alt):
    result, new_ref, new_alt = chain.lift_alleles(
        np.array(["1"], dtype=object),
        np.array([144915479]),
        np.array([ref], dtype=object),
        np.array([alt], dtype=object),
    )
    assert not result.ok[0] and result.reason[0] == "indel on minus strand"
    assert (new_ref[0], new_alt[0], result.chrom[0], result.pos[0]) == (ref, alt, None, 0)


def test_symbolic_allele_on_minus_strand_is_reported(chain):
    result, _, _ = chain.lift_alleles(
        np.array(["1"], dtype=object),
        np.array([144915479]),
        np.array(["A"], dtype=object),
        np.array(["<DEL>"], dtype=object),
    )
    assert result.reason[0] == "symbolic allele on minus strand"


def test_plus_strand_indel_keeps_its_alleles(chain):
    # PCGR line 4: GRCh37 1:1116222 CG>C is 1:1180842 CG>C in GRCh38.
    result, ref, alt = chain.lift_alleles(
        np.array(["1"], dtype=object), np.array([1116222]), np.array(["CG"]), np.array(["C"])
    )
    assert (result.ok[0], result.pos[0], ref[0], alt[0]) == (True, 1180842, "CG", "C")


# -- what is not lifted ------------------------------------------------------------------


def test_unliftable_positions_say_why(chain, pyliftover):
    # hg19 chr1:2,634,221-2,684,220 is a 50 kb gap of the chr1 chain that no chain covers;
    # 2,634,220 is the last aligned base before it (pyliftover: chr1 2702781, 1-based).
    assert pyliftover.convert_coordinate("chr1", 2650000 - 1) == []
    chrom = np.array(["1", "1", "chr1", "1", "1", "GL000192.1", "17"], dtype=object)
    pos = np.array([2634220, 2650000, 0, 249250621, 249250622, 100, 7577120])
    result = chain.lift_positions(chrom, pos)
    assert (
        result.reason.tolist()
        == [
            None,
            "in a gap",
            "invalid position",
            "in a gap",  # the last base of chr1 (telomere N's, unaligned)
            "invalid position",  # one past the end of hg19 chr1
            "no chain",  # GRCh37 names unplaced contigs GL000192.1; UCSC's chain says chr1_gl000192_random
            None,
        ]
    )
    assert result.pos.tolist()[0] == 2702781 and result.chrom[0] == "1"
    assert (result.chrom[6], result.pos[6]) == ("17", 7673802)  # TP53 R273, hand-checked
    assert set(result.reason) - {None} <= set(REASONS)
    assert (result.pos[~result.ok] == 0).all() and (result.strand[~result.ok] == 0).all()


def test_span_leaving_its_block_is_reported(chain):
    # A 2-base deletion REF starting at the last aligned base before the chr1 gap.
    result, _, _ = chain.lift_alleles(
        np.array(["1", "1"], dtype=object),
        np.array([2634220, 2634219]),
        np.array(["CA", "CA"], dtype=object),
        np.array(["C", "C"], dtype=object),
    )
    assert result.reason.tolist() == ["span changed", None]
    assert result.pos[1] == 2702780


def test_mitochondrion_is_rcrs_by_default(tmp_path):
    """GRCh37 and GRCh38 share the rCRS; UCSC hg19 chrM (16,571 bp) is another sequence."""
    rcrs = ChainFile.load(CHAIN)
    ucsc = ChainFile.load(CHAIN, mitochondrion="chain")
    chrom = np.array(["MT", "MT", "MT"], dtype=object)
    pos = np.array([100, 16569, 16570])
    assert rcrs.lift_positions(chrom, pos).pos.tolist() == [100, 16569, 0]
    # UCSC's chain (hg19 chrM -> rCRS) shifts positions past the hg19-specific bases
    # (pyliftover: chrM 16570 -> 16568, 1-based).
    assert ucsc.lift_positions(chrom, pos).pos.tolist() == [100, 16567, 16568]


# -- loading -----------------------------------------------------------------------------


def test_plain_and_gzip_files_load_the_same(tmp_path, chain):
    plain = tmp_path / "hg19ToHg38.over.chain"
    plain.write_bytes(gzip.decompress(CHAIN.read_bytes()))
    other = ChainFile.load(plain)
    # 53,950 blocks in 1,278 chains; the rCRS identity replaces chrM's 12 blocks by one.
    assert (other.n_chains, other.n_blocks) == (chain.n_chains, chain.n_blocks) == (1278, 53939)
    chrom = np.array(["7", "X", "12"], dtype=object)
    pos = np.array([140453136, 153296777, 25398284])  # BRAF V600E, MECP2, KRAS G12
    assert other.lift_positions(chrom, pos).pos.tolist() == [140753336, 154031326, 25245350]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("chain 1 chr1 100 + 0 10 chr1 100 + 0 10 1\n5 1 1\n", 1, "single 'size' line"),
        ("chain 1 chr1 100 + 0 10 chr1 100 + 0 10 1\n10\n\nchain 1 chr1\n", 4, "fields"),
        ("chain 1 chr1 100 + 0 10 chr1 100 + 0 10 1\n9\n", 1, "tEnd - tStart"),
        ("chain 1 chr1 100 - 0 10 chr1 100 + 0 10 1\n10\n", 1, "source strand"),
        (
            "chain 1 chr1 100 + 0 10 chr1 200 + 0 10 1\n10\n\n"
            "chain 1 chr1 90 + 0 10 chr1 200 + 0 10 2\n10\n",
            None,
            "disagree",
        ),
    ],
)
def test_malformed_chain_is_an_input_error(tmp_path, text, line, words):
    path = tmp_path / "bad.chain"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        ChainFile.load(path)
    assert info.value.path == str(path) and info.value.line == line
    assert words in str(info.value)


# -- finding the file --------------------------------------------------------------------


def test_find_chain_search_order(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".genomed" / "chains").mkdir(parents=True)
    in_home = home / ".genomed" / "chains" / "hg19ToHg38.over.chain.gz"
    in_home.write_bytes(b"")
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GENOMED_CHAIN_DIR", raising=False)
    assert find_chain("GRCh37", "GRCh38") == in_home

    monkeypatch.setenv("GENOMED_CHAIN_DIR", str(env_dir))
    assert find_chain("GRCh37", "GRCh38") == in_home  # env dir lacks it: fall through
    (env_dir / "hg19ToHg38.over.chain.gz").write_bytes(b"")
    assert find_chain("hg19", "hg38") == env_dir / "hg19ToHg38.over.chain.gz"

    explicit = tmp_path / "my.chain.gz"
    explicit.write_bytes(b"")
    assert find_chain("GRCh37", "GRCh38", explicit) == explicit
    assert find_chain("GRCh37", "GRCh38", env_dir) == env_dir / "hg19ToHg38.over.chain.gz"
    (home / ".genomed" / "chains" / "hg38ToHg19.over.chain").write_bytes(b"")
    assert find_chain("GRCh38", "GRCh37").name == "hg38ToHg19.over.chain"


def _provenance_sha256(name: str) -> str:
    """The sha256 PROVENANCE.md records for a shipped chain file (its table's last column)."""
    text = (Path(genomed.__file__).parent / "data" / "chain" / "PROVENANCE.md").read_text()
    row = re.search(rf"^\| `{re.escape(name)}` \|.*\| `([0-9a-f]{{64}})` \|$", text, re.MULTILINE)
    assert row, f"{name} not in PROVENANCE.md"
    return row.group(1)


@pytest.mark.parametrize(
    ("source", "target", "name"),
    [("GRCh37", "GRCh38", "hg19ToHg38.over.chain.gz"), ("hg38", "b37", "hg38ToHg19.over.chain.gz")],
)
def test_nothing_configured_uses_the_packaged_chain(tmp_path, monkeypatch, source, target, name):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GENOMED_CHAIN_DIR", str(tmp_path / "nowhere"))
    found = find_chain(source, target)
    assert found == packaged_chain(source, target) and found.name == name
    package = Path(genomed.__file__).resolve().parent
    assert found.resolve().is_relative_to(package)
    assert hashlib.sha256(found.read_bytes()).hexdigest() == _provenance_sha256(name)
    monkeypatch.delenv("GENOMED_CHAIN_DIR")
    assert find_chain(source, target) == found


def test_packaged_chain_loads_and_lifts():
    back = ChainFile.load(packaged_chain("GRCh38", "GRCh37"))
    # EGFR p.L858R: GRCh38 chr7:55191822 is GRCh37 chr7:55259515 (and the forward chain agrees)
    result = back.lift_positions(np.array(["7"]), np.array([55191822]))
    assert _got(result) == [("7", 55259515, 1)]
    assert _got(ChainFile.load(CHAIN).lift_positions(np.array(["chr7"]), np.array([55259515]))) == [
        ("7", 55191822, 1)
    ]


def test_explicit_chain_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("GENOMED_CHAIN_DIR", raising=False)
    missing = tmp_path / "missing.chain.gz"
    with pytest.raises(InputError) as info:  # no silent fallback to the packaged chain
        find_chain("GRCh37", "GRCh38", missing)
    message = str(info.value)
    assert info.value.path == str(missing) and "not found" in message
    for words in (
        "hg19ToHg38.over.chain.gz",
        "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/liftOver/",
        "--chain",
        "GENOMED_CHAIN_DIR",
    ):
        assert words in message
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(InputError, match="no hg19ToHg38.over.chain.gz in directory"):
        find_chain("GRCh37", "GRCh38", empty_dir)
    with pytest.raises(InputError, match="same"):
        find_chain("GRCh38", "hg38")
    with pytest.raises(InputError, match="same"):
        packaged_chain("GRCh37", "hg19")


def test_missing_packaged_chain_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GENOMED_CHAIN_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr("genomed.io.chain.PACKAGED_CHAIN_DIR", tmp_path / "damaged-install")
    with pytest.raises(InputError) as info:
        find_chain("GRCh37", "GRCh38")
    message = str(info.value)
    for words in (
        "hg19ToHg38.over.chain.gz",
        "shipped with genomed is missing",
        "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/liftOver/",
        "--chain",
        "GENOMED_CHAIN_DIR",
    ):
        assert words in message
