"""check_vcf against the hts-specs VCF conformance suite, plus hand-written lenient cases.

The suite (tests/data/hts_specs, see PROVENANCE.md) has, per VCF version, files the spec
allows (``passed/``) and files it forbids (``failed/``). Strict mode must accept the first
and reject the second at a real line; lenient mode must name the rule each failed file
was written to break.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pysam
import pytest

import genomed.io.vcf_validation as vcf_validation
from genomed.errors import InputError
from genomed.io.vcf_validation import Deviation, check_vcf

TARBALL = Path(__file__).parent / "data" / "hts_specs" / "hts-specs_test_vcf.tar.gz"
PREFIX = "hts-specs-test-vcf/test/vcf/"


def _suite_files(kind: str) -> list[str]:
    """Paths like '4.3/failed/failed_body_alt_000.vcf' of one kind, read from the tarball."""
    with tarfile.open(TARBALL) as tar:
        names = [m.name for m in tar.getmembers() if m.isfile() and m.name.endswith(".vcf")]
    return sorted(name.removeprefix(PREFIX) for name in names if f"/{kind}/" in name)


PASSED = _suite_files("passed")
FAILED = _suite_files("failed")

#: Passed-directory files that break the spec they claim; see docs/vcf-conformance.md.
FIXTURE_DEFECTS = {
    "4.5/passed/zero_length_LAA.vcf": (
        "fixture defect: records out of POS order (line 8, POS 300 after 400) and no final "
        "newline, both forbidden by VCFv4.5 section 1.6 and rejected in 4.3/failed "
        "(failed_body_unsorted_000, failed_body_no_newline_*); its zero-length LAA/LEC "
        "fields, the point of the fixture, are accepted"
    ),
}

#: The field a failed file's category is about (name prefix after 'failed_').
CATEGORY_FIELD = {
    "body_alt": "ALT",
    "body_chrom": "CHROM",
    "body_contiguous": "CHROM",
    "body_duplicated": "ALT",
    "body_filter": "FILTER",
    "body_format": "FORMAT",
    "body_id": "ID",
    "body_info": "INFO",
    "body_no_newline": "newline",
    "body_pos": "POS",
    "body_qual": "QUAL",
    "body_ref": "REF",
    "body_samples_ploidy": "FORMAT/PL",
    "body_sample_011": "header",  # non-unique sample names are a #CHROM-line problem
    "body_sample": "FORMAT",
    "body_unsorted": "POS",
    "empty": "header",
    "fileformat": "header",
    "header": "header",
    "meta": "header",
}
FIXED_FIELDS = {"CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"}
OTHER_FIELDS = {"header", "samples", "newline", "line", "file"}


def _category_field(name: str) -> str:
    stem = Path(name).stem.removeprefix("failed_")
    prefix = max((p for p in CATEGORY_FIELD if stem.startswith(p)), key=len)
    return CATEGORY_FIELD[prefix]


def _line_of(path: Path, needle: str) -> int:
    """1-based number of the first line containing ``needle`` (worked out from the file)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return next(number for number, text in enumerate(lines, 1) if needle in text)


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite extracted once per session; returns the directory holding 4.1/, 4.2/..."""
    root = tmp_path_factory.mktemp("hts_specs")
    with tarfile.open(TARBALL) as tar:
        tar.extractall(root, filter="data")
    return root / PREFIX


def test_suite_has_every_version_and_both_kinds() -> None:
    versions = {name.split("/")[0] for name in PASSED + FAILED}
    assert versions == {"4.1", "4.2", "4.3", "4.5"}
    assert (len(PASSED), len(FAILED)) == (76, 607)


# --------------------------------------------------------------------------------------
# The conformance suite
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=FIXTURE_DEFECTS[n], strict=True))
        if n in FIXTURE_DEFECTS
        else n
        for n in PASSED
    ],
)
def test_passed_file_is_accepted_in_strict_mode(suite: Path, name: str) -> None:
    strict = check_vcf(suite / name, strict=True)
    # Nothing the spec forbids: lenient mode finds only the same "should" advisories.
    assert check_vcf(suite / name, strict=False) == strict


@pytest.mark.parametrize("name", FAILED)
def test_failed_file_is_rejected_in_strict_mode_at_a_real_line(suite: Path, name: str) -> None:
    path = suite / name
    n_lines = len(path.read_bytes().splitlines())
    with pytest.raises(InputError) as caught:
        check_vcf(path, strict=True)
    error = caught.value
    assert error.path == str(path)
    # A zero-byte file has no lines; its error points at line 1, where ##fileformat belongs.
    assert error.line is not None and 1 <= error.line <= max(n_lines, 1)
    assert error.field in FIXED_FIELDS | OTHER_FIELDS or error.field.startswith(
        ("INFO/", "FORMAT/")
    )
    assert error.expected


@pytest.mark.parametrize("name", FAILED)
def test_failed_file_breaks_the_rule_it_was_written_for(suite: Path, name: str) -> None:
    """Lenient mode lists every deviation; the one for the file's category is among them.

    Strict mode stops at the first; for a few files that is an incidental one (e.g. the
    unsorted and non-contiguous fixtures also write AC=249 for two ALT alleles).
    """
    path = suite / name
    try:
        found = check_vcf(path, strict=False)
    except InputError as fatal:
        found = [Deviation(fatal.line or 0, fatal.field or "", fatal.message)]
    want = _category_field(name)
    hits = [deviation for deviation in found if deviation.field.startswith(want)]
    assert hits, f"no {want} deviation in {found}"
    if want not in ("header", "newline"):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        assert not lines[hits[0].line - 1].startswith("#")  # it points at a data line


def test_unsorted_and_noncontiguous_records_are_found_on_their_lines(suite: Path) -> None:
    unsorted = suite / "4.3/failed/failed_body_unsorted_000.vcf"
    split = suite / "4.3/failed/failed_body_contiguous_000.vcf"
    assert Deviation(
        _line_of(unsorted, "1\t500\t"),
        "POS",
        "POS 500 comes after POS 1400 on 1; expected sorted POS",
    ) in check_vcf(unsorted, strict=False)
    assert Deviation(
        _line_of(split, "1\t600\t"),
        "CHROM",
        "records of 1 are not one contiguous block; expected one block",
    ) in check_vcf(split, strict=False)


def test_first_of_several_bad_lines_is_reported(suite: Path) -> None:
    path = suite / "4.3/failed/failed_body_info_036.vcf"
    with pytest.raises(InputError) as caught:
        check_vcf(path, strict=True)
    assert (caught.value.line, caught.value.field) == (_line_of(path, "\tAC=-1\t"), "INFO/AC")


def test_zero_length_laa_fixture_deviates_only_in_order_and_final_newline(suite: Path) -> None:
    path = suite / "4.5/passed/zero_length_LAA.vcf"
    last = len(path.read_text().splitlines())
    found = [(d.line, d.field) for d in check_vcf(path, strict=False)]
    assert found == [
        (_line_of(path, "#CHROM"), "header"),  # advisory: no ##contig lines
        (_line_of(path, "missing_LAA"), "POS"),
        (last, "newline"),
    ]


def test_flag_with_value_zero_in_a_passed_file_is_noted(suite: Path) -> None:
    path = suite / "4.3/passed/passed_body_info.vcf"
    note = Deviation(_line_of(path, "\tDB=0\t"), "INFO/DB", "INFO/DB is a Flag given the value 0")
    assert note in check_vcf(path, strict=True)


# --------------------------------------------------------------------------------------
# Hand-written cases: what lenient reports and strict rejects
# --------------------------------------------------------------------------------------

HEADER_42 = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=1,length=249250621>\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)


def _write(tmp_path: Path, text: str, name: str = "x.vcf") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_undeclared_info_key_is_a_deviation_in_both_modes_not_an_error(tmp_path: Path) -> None:
    """The spec says INFO keys *should* be declared; the suite's passed files use undeclared
    ones (RSQ, LDAF...), so strict mode reports the key but does not reject the file."""
    path = _write(tmp_path, HEADER_42 + "1\t100\t.\tA\tG\t50\tPASS\tDP=10;XYZ=3\tGT:GQ\t0/1:30\n")
    note = Deviation(7, "INFO/XYZ", "INFO key XYZ is not declared in a ##INFO line")
    assert check_vcf(path, strict=False) == [note]
    assert check_vcf(path, strict=True) == [note]


def test_float_under_integer_declaration_is_a_lenient_deviation_and_a_strict_error(
    tmp_path: Path,
) -> None:
    """GATK 1.x wrote GQ=14.79 (see ../shared Pfeiffer.vcf) although GQ is an Integer."""
    path = _write(tmp_path, HEADER_42 + "1\t100\t.\tA\tG\t50\tPASS\tDP=10\tGT:GQ\t0/1:14.79\n")
    assert check_vcf(path, strict=False) == [
        Deviation(7, "FORMAT/GQ", "FORMAT/GQ value '14.79' is not an Integer; expected an Integer")
    ]
    with pytest.raises(InputError) as caught:
        check_vcf(path, strict=True)
    error = caught.value
    assert (error.path, error.line, error.field, error.expected) == (
        str(path),
        7,
        "FORMAT/GQ",
        "an Integer",
    )
    assert str(error) == (
        f"{path}:7: FORMAT/GQ value '14.79' is not an Integer (field FORMAT/GQ); expected an Integer"
    )


def test_number_mismatch_is_reported_with_the_expected_count(tmp_path: Path) -> None:
    """Mutect2 declares MMQ Number=A but writes one value per allele (Number=R)."""
    header = HEADER_42.replace(
        "#CHROM", '##FORMAT=<ID=MMQ,Number=A,Type=Integer,Description="median MAPQ">\n#CHROM'
    )
    path = _write(tmp_path, header + "1\t100\t.\tA\tG\t50\tPASS\t.\tGT:MMQ\t0/1:60,60\n")
    assert check_vcf(path, strict=False) == [
        Deviation(8, "FORMAT/MMQ", "FORMAT/MMQ has 2 values; expected 1 (Number=A)")
    ]


def test_hla_contig_names_fail_strict_43_but_are_valid_from_44(tmp_path: Path) -> None:
    """GRCh38 HLA contigs (HLA-A*01:01:01:01) contain ':' and '*', which the 4.1-4.3
    suites reject; the current spec text (4.4+) allows them."""
    record = "HLA-A*01:01:01:01\t100\t.\tA\tG\t50\tPASS\t.\n"
    for version, allowed in (("4.2", False), ("4.3", False), ("4.4", True), ("4.5", True)):
        text = f"##fileformat=VCFv{version}\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        path = _write(tmp_path, text + record, f"hla{version}.vcf")
        fields = [d.field for d in check_vcf(path, strict=False)]
        assert ("CHROM" in fields) is not allowed, version


def test_deviations_stop_at_the_cap_but_the_file_is_read_to_the_end(tmp_path: Path) -> None:
    bad = "".join(f"1\t{100 + i}\t.\tA\tG\t50\tPASS\tDP=x\tGT\t0/1\n" for i in range(5))
    path = _write(tmp_path, HEADER_42 + bad + "1\t200\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\textra\n")
    with pytest.raises(InputError) as caught:  # the fatal column count on the last line
        check_vcf(path, strict=False, max_deviations=2)
    assert caught.value.line == 12
    shorter = _write(tmp_path, HEADER_42 + bad, "capped.vcf")
    assert [d.line for d in check_vcf(shorter, strict=False, max_deviations=2)] == [7, 8]


def _many_records(n: int, bad_at: int | None, bad_sample: str) -> str:
    rows = [
        f"1\t{1000 + i}\t.\tA\tG\t50\tPASS\tDP=10\tGT:GQ\t{bad_sample if i == bad_at else '0/1:30'}\n"
        for i in range(n)
    ]
    return HEADER_42 + "".join(rows)


def test_lenient_mode_samples_only_the_first_records_but_strict_checks_all(
    tmp_path: Path,
) -> None:
    late = vcf_validation.LENIENT_SAMPLE_RECORDS + 5  # record index, 0-based
    path = _write(tmp_path, _many_records(late + 10, late, "0/3:30"))
    assert check_vcf(path, strict=False) == []
    with pytest.raises(InputError) as caught:
        check_vcf(path, strict=True)
    assert (caught.value.line, caught.value.field) == (6 + late + 1, "FORMAT/GT")
    early = _write(tmp_path, _many_records(20, 3, "0/3:30"), "early.vcf")
    assert [(d.line, d.field) for d in check_vcf(early, strict=False)] == [(10, "FORMAT/GT")]


def test_wrong_column_count_is_fatal_even_after_the_sampled_records(tmp_path: Path) -> None:
    late = vcf_validation.LENIENT_SAMPLE_RECORDS + 5
    path = _write(tmp_path, _many_records(late + 10, late, "0/1:30\tstray"))
    with pytest.raises(InputError) as caught:
        check_vcf(path, strict=False)
    assert (caught.value.line, caught.value.field, caught.value.expected) == (
        6 + late + 1,
        "samples",
        "10 as in the #CHROM line",
    )


def test_gzip_and_bgzip_give_the_same_answer_as_plain_text(suite: Path, tmp_path: Path) -> None:
    plain = suite / "4.3/failed/failed_body_info_036.vcf"
    gz = tmp_path / "x.vcf.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    bgz = tmp_path / "y.vcf.gz"
    pysam.tabix_compress(str(plain), str(bgz))
    answers = []
    for path in (plain, gz, bgz):
        with pytest.raises(InputError) as caught:
            check_vcf(path, strict=True)
        answers.append((caught.value.line, caught.value.field, caught.value.message))
    assert answers[0] == answers[1] == answers[2]


def test_crlf_line_endings_are_accepted(suite: Path, tmp_path: Path) -> None:
    lf = suite / "4.3/passed/complexfile_passed_000.vcf"
    crlf = tmp_path / "crlf.vcf"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n"))
    assert check_vcf(crlf, strict=True) == check_vcf(lf, strict=True)


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not installed")
def test_bcf_is_left_to_htslib(tmp_path: Path) -> None:
    vcf = _write(tmp_path, HEADER_42 + "1\t100\t.\tA\tG\t50\tPASS\tDP=10\tGT:GQ\t0/1:30\n")
    bcf = tmp_path / "x.bcf"
    subprocess.run(["bcftools", "view", "-Ob", "-o", str(bcf), str(vcf)], check=True)
    renamed = tmp_path / "x.dat"  # recognised by its magic bytes, not only the suffix
    shutil.copy(bcf, renamed)
    assert check_vcf(bcf, strict=True) == check_vcf(renamed, strict=True) == []


def test_unreadable_input_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.vcf.gz"
    truncated.write_bytes(gzip.compress((HEADER_42 * 50).encode())[:60])
    with pytest.raises(InputError) as caught:
        check_vcf(truncated, strict=False)
    assert (caught.value.path, caught.value.field) == (str(truncated), "file")
    empty = _write(tmp_path, "", "empty.vcf")
    with pytest.raises(InputError, match=re.escape(f"{empty}:1: file is empty")):
        check_vcf(empty, strict=False)
