"""Run a command as a child process and report its wall time and peak RSS."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Measurement:
    seconds: float
    peak_rss_mb: float


def measure(args: list[str], stdout=subprocess.DEVNULL, env: dict | None = None) -> Measurement:
    """Wall time and the child's own peak RSS (from wait4), failing loudly on error."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode()[-2000:]}")
    return Measurement(seconds, usage.ru_maxrss / 1024)
