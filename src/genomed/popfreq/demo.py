"""The population-database step of ``genomed demo``.

:func:`build_demo_population_db` builds (or brings up to date) the database from the demo
workspace's germline genomes (the 1000 Genomes subset with its panel) and looks up one
allele, East Asian groups first. The CLI prints the look-up with
``genomed.cli.popfreq_commands.print_lookup``; :meth:`DemoPopfreq.lines` gives a short
plain-text summary for the tour.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genomed.popfreq.database import PopfreqResult, add_new_batches, build_popfreq, stored_settings
from genomed.popfreq.lookup import LookupResult, lookup
from genomed.store.workspace import Workspace

#: rs11121815 (chr1:11,800,048 T>C on GRCh37, 11,739,991 on GRCh38): AF 0.975 in East
#: Asia, 0.37 in Africa; the allele the demo looks up.
DEMO_QUERY = "rs11121815"


@dataclass
class DemoPopfreq:
    build: PopfreqResult
    lookup: LookupResult

    def lines(self) -> list[str]:
        """Plain-text lines: what was counted and the looked-up allele, East Asian first."""
        out = [
            f"{self.build.samples_counted:,} genomes counted, {self.build.alleles:,} alleles, "
            f"per population, super-population and sex (adj + raw), grpmax and faf95/faf99"
        ]
        for v in self.lookup.variants:
            grpmax = v["grpmax"]
            out.append(
                f"{v['variant']} ({v['rsid']}): AF {v['AF']:.4f} overall, grpmax {grpmax['group']} "
                f"{grpmax['AF']:.4f}, faf95 {v['faf95']:.4f}"
            )
            shown = [g for g in v["groups"] if g["kind"] in ("super_population", "population")]
            for g in shown[:8]:
                indent = "  " if g["kind"] == "population" else ""
                af = "-" if g["AF"] is None else f"{g['AF']:.4f}"
                out.append(f"  {indent}{g['group']:<4} AC {g['AC']:>5}  AN {g['AN']:>5}  AF {af}")
        return out


def build_demo_population_db(workspace: str | Path, query: str = DEMO_QUERY) -> DemoPopfreq:
    """Build the population database of ``workspace`` (incrementally if it exists) and
    look up ``query``. Idempotent: a second run adds nothing."""
    ws = Workspace.open(workspace)
    result = build_popfreq(ws) if stored_settings(ws) is None else add_new_batches(ws)
    return DemoPopfreq(result, lookup(ws, query))
