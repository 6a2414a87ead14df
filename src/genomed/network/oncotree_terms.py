"""OncoTree codes, their names and descendants, from the shipped knowledge bundle.

The hierarchy is the bundle's ``oncotree`` table (:class:`genomed.knowledge.oncotree.
TumorTypes`: a hand-transcribed subset of OncoTree release oncotree_2021_11_02, tissues
and the common tumour types), loaded on first use and kept. A Beacon ontology filter on
an OncoTree code matches samples of the code or any code below it
(``includeDescendantTerms``, default true), as for HPO terms (:mod:`.hpo_terms`):
``oncotree:NSCLC`` matches NSCLC, LUAD, LUSC and LCLC; ``oncotree:LUNG`` also SCLC.

The table lists fewer codes than OncoTree does, and workspaces hold whatever codes their
sources carry, so a code the table does not list is not an error: it has no known
descendants and matches itself only (:func:`is_known` tells the two apart).
"""

from __future__ import annotations

import threading
from functools import cache

from genomed.knowledge.oncotree import TumorTypes

_lock = threading.Lock()


@cache
def tumor_types() -> TumorTypes:
    """The OncoTree table of the knowledge bundle shipped with genomed."""
    with _lock:
        from genomed.knowledge.bundle import KnowledgeBundle

        return KnowledgeBundle.default().tumor_types


@cache
def oncotree_version() -> str:
    """What the node says of its OncoTree (``resources[].version`` of /filtering_terms)."""
    from genomed.knowledge.bundle import KnowledgeBundle

    bundle = KnowledgeBundle.default()
    return f"oncotree_2021_11_02 subset ({len(tumor_types().parent)} codes, {bundle.id})"


def is_known(code: str) -> bool:
    """Whether the OncoTree table lists ``code`` (case-insensitive)."""
    return code.strip().upper() in tumor_types().parent


def term_label(code: str) -> str | None:
    """The OncoTree name of ``code`` (``Non-Small Cell Lung Cancer``), None if unlisted."""
    return tumor_types().name.get(code.strip().upper())


def descendants(code: str) -> tuple[str, ...]:
    """``code`` (upper-cased) and every code below it, sorted; ``(code,)`` for a code the
    table does not list (nothing is known below it)."""
    upper = code.strip().upper()
    if not is_known(upper):
        return (upper,)  # not cached: any text a client sends would stay in memory
    return _known_descendants(upper)


@cache
def _known_descendants(code: str) -> tuple[str, ...]:
    return tuple(sorted({code, *tumor_types().descendants(code)}))
