"""Research cohorts: define patients by genotype, clinical data, treatment and time order;
analyse them (frequencies, OncoPrint, lollipop, survival, comparisons, co-occurrence,
treatment response). The CLI (``genomed cohort ...``) calls these same functions; each
returns pandas DataFrames or a small result object with a ``to_dict()`` for JSON.

A ``cohort`` argument is a saved cohort's name, a :class:`SavedCohort`, or a definition
(text, e.g. ``"tumor_type = AML and mutated(DNMT3A) and not mutated(NPM1) and age >= 60"``,
or its JSON form) evaluated on the current workspace. See ``docs/cohorts.md``.
"""

from genomed.cohort.cohort_data import CohortData, open_cohort
from genomed.cohort.cohort_store import (
    CohortError,
    SavedCohort,
    define_cohort,
    delete_cohort,
    get_cohort,
    list_cohorts,
    refresh_cohort,
)
from genomed.cohort.compare import compare_cohorts
from genomed.cohort.cooccurrence import cooccurrence
from genomed.cohort.definition_language import CohortSyntaxError, from_json, parse, to_json, to_text
from genomed.cohort.evaluate import CohortEvaluationError, select_patients
from genomed.cohort.frequencies import gene_frequencies
from genomed.cohort.lollipop import lollipop
from genomed.cohort.oncoprint import oncoprint
from genomed.cohort.plots import save_plot
from genomed.cohort.response import treatment_response
from genomed.cohort.summary import cohort_summary
from genomed.cohort.survival import survival_analysis

__all__ = [
    "CohortData",
    "CohortError",
    "CohortEvaluationError",
    "CohortSyntaxError",
    "SavedCohort",
    "cohort_summary",
    "compare_cohorts",
    "cooccurrence",
    "define_cohort",
    "delete_cohort",
    "from_json",
    "gene_frequencies",
    "get_cohort",
    "list_cohorts",
    "lollipop",
    "oncoprint",
    "open_cohort",
    "parse",
    "refresh_cohort",
    "save_plot",
    "select_patients",
    "survival_analysis",
    "to_json",
    "to_text",
    "treatment_response",
]
