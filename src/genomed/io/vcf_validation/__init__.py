"""VCF conformance: strict rejection of what the specification forbids, lenient reports.

``genomed ingest vcf PATH --strict`` must refuse a file the VCF specification (v4.1,
v4.2, v4.3; v4.4/v4.5 with the v4.3 rules plus their additions) forbids, naming file,
line, field and what was expected. Without ``--strict`` the ingest accepts what real
callers emit and lists how the file deviates, so a reviewer sees that, say, GATK wrote
``GQ=14.79`` under a ``Type=Integer`` declaration.

Each rule has one of three levels (docs/vcf-conformance.md lists them all):

* *violation* -- the spec says must / must not. Strict: :class:`InputError` at the first
  one. Lenient: a :class:`Deviation`.
* *advisory* -- the spec says should (undeclared INFO keys, undeclared contigs...). Both
  modes: a :class:`Deviation`, never an error.
* *fatal* -- no reader can go on (no ``#CHROM`` line, wrong column count, POS not an
  integer, duplicate sample names). Both modes: :class:`InputError`.

The rules follow the spec text and, where the text is silent or has changed since, the
hts-specs conformance suite (test/vcf, derived from EBI's vcf-validator), which is what
"conformant" means in practice. The file is streamed once. Lenient mode checks the sample
columns of the first :data:`LENIENT_SAMPLE_RECORDS` records only and afterwards just
counts them, so a 2,504-sample file costs about what a sites-only file costs.

Modules, one concept each (read them in this order):

- :mod:`.check` the driver: :func:`check_vcf` walks the file once, line by line
- :mod:`.deviations` :class:`Deviation` and the reporter that applies strict/lenient
- :mod:`.version_rules` what differs between versions: reserved keys, name patterns
- :mod:`.tokens` value syntax shared by every version (numbers, bases, allele IDs)
- :mod:`.meta_lines` parsing ``##KEY=<...>`` lines; the :class:`Definition` of a key
- :mod:`.header` checks of the meta lines and the ``#CHROM`` line
- :mod:`.records` checks of the data lines: fixed columns, INFO, FORMAT, samples

The names below are importable from ``genomed.io.vcf_validation`` itself.
"""

from genomed.io.vcf_validation.check import check_vcf
from genomed.io.vcf_validation.deviations import Deviation
from genomed.io.vcf_validation.header import HEADER_COLUMNS
from genomed.io.vcf_validation.meta_lines import (
    Definition,
    Fields,
    MetaSyntaxError,
    is_url,
    parse_structured,
)
from genomed.io.vcf_validation.records import LENIENT_SAMPLE_RECORDS, expected_count
from genomed.io.vcf_validation.tokens import symbolic_id_problem
from genomed.io.vcf_validation.version_rules import (
    FORMAT_TYPES,
    INFO_TYPES,
    RESERVED_FORMAT_41,
    RESERVED_FORMAT_43,
    RESERVED_INFO_41,
    RESERVED_INFO_43,
    SUPPORTED_VERSIONS,
    SV_TYPES,
    Reserved,
    VersionRules,
    rules_for,
)

__all__ = [
    "FORMAT_TYPES",
    "HEADER_COLUMNS",
    "INFO_TYPES",
    "LENIENT_SAMPLE_RECORDS",
    "RESERVED_FORMAT_41",
    "RESERVED_FORMAT_43",
    "RESERVED_INFO_41",
    "RESERVED_INFO_43",
    "SUPPORTED_VERSIONS",
    "SV_TYPES",
    "Definition",
    "Deviation",
    "Fields",
    "MetaSyntaxError",
    "Reserved",
    "VersionRules",
    "check_vcf",
    "expected_count",
    "is_url",
    "parse_structured",
    "rules_for",
    "symbolic_id_problem",
]
