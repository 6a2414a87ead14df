"""A BGZF (blocked gzip) writer that compresses on worker threads.

Byte for byte the file htslib's ``bgzf_write`` makes at the same level (pysam's
``BGZFile``): the stream is cut into blocks of :data:`BLOCK_SIZE` uncompressed bytes
whatever the write calls were, each block is one raw-deflate member with the ``BC``
extra field, and the file ends with the standard empty EOF block. htslib's writer holds
Python's GIL while it compresses; ``zlib`` releases it, so here compression runs beside
the annotation of the next batch and on both cores.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

#: uncompressed bytes per block (htslib's BGZF_BLOCK_SIZE)
BLOCK_SIZE = 0xFF00
#: the empty block that ends every BGZF file
EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_HEADER = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
#: blocks compressed per job (about 4 MB of text)
_BLOCKS_PER_JOB = 64


def compress_blocks(data: memoryview | bytes, level: int) -> bytes:
    """BGZF blocks of ``data``, cut every :data:`BLOCK_SIZE` bytes (the last may be short).
    Deflate's stored-block fallback keeps any block under the 64 KiB BGZF limit."""
    view = memoryview(data)
    out = []
    for i in range(0, len(view), BLOCK_SIZE):
        chunk = view[i : i + BLOCK_SIZE]
        deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = deflate.compress(chunk) + deflate.flush()
        out += [
            _HEADER,
            struct.pack("<H", len(payload) + 25),
            payload,
            struct.pack("<II", zlib.crc32(chunk), len(chunk)),
        ]
    return b"".join(out)


class BgzfWriter:
    """``write`` bytes-like objects (kept referenced until compressed), ``close`` once."""

    def __init__(self, path: str | Path, level: int = 6, threads: int | None = None) -> None:
        self.level = level
        self.handle = open(path, "wb")  # noqa: SIM115 (closed by close())
        self.pool = ThreadPoolExecutor(max_workers=threads or min(4, os.cpu_count() or 1))
        self.jobs: deque[Future] = deque()
        self.tail = b""  # bytes of a block not yet full

    def write(self, data) -> None:
        view = memoryview(data).cast("B")
        if self.tail:
            take = min(BLOCK_SIZE - len(self.tail), len(view))
            self.tail += bytes(view[:take])
            view = view[take:]
            if len(self.tail) < BLOCK_SIZE:
                return
            self._submit(self.tail)
            self.tail = b""
        full = len(view) - len(view) % BLOCK_SIZE
        step = BLOCK_SIZE * _BLOCKS_PER_JOB
        for i in range(0, full, step):
            self._submit(view[i : min(i + step, full)])
        self.tail = bytes(view[full:])

    def _submit(self, data) -> None:
        self.jobs.append(self.pool.submit(compress_blocks, data, self.level))
        while self.jobs and (self.jobs[0].done() or len(self.jobs) > 8):
            self.handle.write(self.jobs.popleft().result())

    def close(self) -> None:
        try:
            if self.tail:
                self._submit(self.tail)
                self.tail = b""
            while self.jobs:
                self.handle.write(self.jobs.popleft().result())
            self.handle.write(EOF_BLOCK)
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.handle.close()
