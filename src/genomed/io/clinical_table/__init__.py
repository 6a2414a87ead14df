"""Clinical tables (CSV/TSV): treatments, responses, outcomes, observations, diagnoses,
patients. Each KIND has a column contract (:data:`CONTRACTS`, documented for users in
``docs/clinical-tables.md``); a file is parsed with :mod:`pyarrow.csv`, every value is
checked against the contract, and the first problem is raised as an
:class:`~genomed.errors.InputError` naming the file, the line (the header is line 1;
``#`` comment lines before it count), the column as written in the file and what was
expected. Nothing is returned for a file with any bad value.

Besides genomed's own columns, two cBioPortal conventions are read:

- *timeline* (treatments): ``PATIENT_ID, START_DATE, STOP_DATE, EVENT_TYPE,
  TREATMENT_TYPE, SUBTYPE, AGENT``; dates are integer days relative to diagnosis. Only
  ``EVENT_TYPE = TREATMENT`` rows are treatments; others are counted and skipped.
- *wide outcomes* (outcomes): ``OS_MONTHS, OS_STATUS, PFS_MONTHS, PFS_STATUS, ...`` as
  in ``data_clinical_patient.txt``; each endpoint pair becomes one row.

Modules, one concept each (read them in this order):

- :mod:`.reader` :func:`read_clinical_table` and the :class:`ClinicalTable` it returns
- :mod:`.contracts` :class:`Column`, :class:`Contract` and :data:`CONTRACTS`, per KIND
- :mod:`.vocabularies` coded values: empty-cell spellings, RECIST, endpoints, events...
- :mod:`.raw_table` the file as strings: comments, header, delimiter, record lines
- :mod:`.layouts` genomed's layout and cBioPortal's timeline / wide outcomes, as blocks
- :mod:`.values` typed values and bad-value masks for one column, vectorised
- :mod:`.checks` block checks (values, cross-column rules, unique keys), first error

The names below are importable from ``genomed.io.clinical_table`` itself.
"""

from genomed.io.clinical_table.contracts import CONTRACTS, Column, Contract
from genomed.io.clinical_table.layouts import TIMELINE_COLUMNS
from genomed.io.clinical_table.reader import ClinicalTable, read_clinical_table
from genomed.io.clinical_table.vocabularies import (
    DRUGLESS_TREATMENTS,
    ENDPOINTS,
    EVENTS,
    NULL_VALUES,
    RECIST,
    SEXES,
    TREATMENT_TYPES,
)

__all__ = [
    "CONTRACTS",
    "DRUGLESS_TREATMENTS",
    "ENDPOINTS",
    "EVENTS",
    "NULL_VALUES",
    "RECIST",
    "SEXES",
    "TIMELINE_COLUMNS",
    "TREATMENT_TYPES",
    "ClinicalTable",
    "Column",
    "Contract",
    "read_clinical_table",
]
