"""Which genome build a VCF header declares (chr1's ``##contig`` length, else ``##reference``).

Ingest uses it to refuse a GRCh37 file in a GRCh38 workspace without ``--build``; annotation
uses it to pick the reference bundle of the file's build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Length of chromosome 1 in each build: enough to tell the builds apart from a header.
CHR1_LENGTH = {249250621: "GRCh37", 248956422: "GRCh38"}
BUILD_WORDS = {
    "GRCh37": ("grch37", "hg19", "b37", "hs37", "human_g1k_v37"),
    "GRCh38": ("grch38", "hg38", "hs38"),
}
_CONTIG = re.compile(r"^##contig=<(?=.*\bID=(?:chr)?1,)(?=.*\blength=(\d+))", re.IGNORECASE)


def build_from_header(
    contig_lengths: dict[str, int | None], header_lines: Iterable[str]
) -> str | None:
    """GRCh37 / GRCh38 from chr1's length in ``contig_lengths``, else from the words of a
    ``##reference`` / ``##assembly`` line; None when the header does not say."""
    for name in ("1", "chr1"):
        length = contig_lengths.get(name)
        if length in CHR1_LENGTH:
            return CHR1_LENGTH[length]
    for text in header_lines:
        if text.startswith(("##reference", "##assembly")):
            lowered = text.lower()
            for build, words in BUILD_WORDS.items():
                if any(w in lowered for w in words):
                    return build
    return None


def build_from_header_lines(header_lines: list[str]) -> str | None:
    """:func:`build_from_header` from the header text alone (``##contig`` lines parsed here)."""
    lengths: dict[str, int | None] = {}
    for text in header_lines:
        match = _CONTIG.match(text)
        if match:
            lengths["1"] = int(match.group(1))
            break
    return build_from_header(lengths, header_lines)
