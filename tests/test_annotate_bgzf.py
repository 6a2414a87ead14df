"""The threaded BGZF writer makes the same bytes as htslib's (pysam BGZFile)."""

import gzip
import random

from pysam.libcbgzf import BGZFile

from genomed.annotate.bgzf import BLOCK_SIZE, BgzfWriter


def test_same_bytes_as_htslib_whatever_the_write_sizes(tmp_path):
    rng = random.Random(3)
    text = "".join(
        f"chr1\t{i}\t.\tA\tG\t.\t.\tCSQ={'|'.join(rng.choice('ACGT') * rng.randint(1, 40) for _ in range(8))}\n"
        for i in range(60_000)
    ).encode()
    pieces, at = [], 0
    for size in (5, BLOCK_SIZE - 5, BLOCK_SIZE, 1, 3 * BLOCK_SIZE + 7, 70 * BLOCK_SIZE):
        pieces.append(text[at : at + size])
        at += size
    pieces.append(text[at:])
    theirs = tmp_path / "htslib.gz"
    handle = BGZFile(str(theirs), "wb3")
    for piece in pieces:
        handle.write(piece)
    handle.close()
    ours = tmp_path / "ours.gz"
    writer = BgzfWriter(ours, level=3, threads=2)
    for piece in pieces:
        writer.write(memoryview(piece))
    writer.close()
    assert ours.read_bytes() == theirs.read_bytes()
    assert gzip.decompress(ours.read_bytes()) == text


def test_empty_stream_is_the_eof_block(tmp_path):
    out = tmp_path / "empty.gz"
    BgzfWriter(out).close()
    assert gzip.decompress(out.read_bytes()) == b""
    theirs = tmp_path / "htslib.gz"
    BGZFile(str(theirs), "wb").close()
    assert out.read_bytes() == theirs.read_bytes()
