"""The nodes of a cohort definition (shared by its text and JSON forms), their errors,
and the canonical text rendering (:func:`to_text`). The grammar is in
:mod:`genomed.cohort.definition_language`, the JSON form in :mod:`genomed.cohort.definition_json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from genomed.cohort.variant_classes import CONSEQUENCE_CLASSES
from genomed.errors import GenomedError

Span = tuple[int, int]

COMPARISON_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
TIME_RELATIONS = ("after", "before", "during")
GENOTYPE_PREDICATES = ("mutated", "amplified", "deleted", "fusion", "profiled")
PREDICATES = (*GENOTYPE_PREDICATES, "treated_with", "in_cohort")
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "missing", "all", *TIME_RELATIONS})
PROFILES = ("mutations", "cna", "structural_variants")
ORIGINS = ("somatic", "germline")

#: ``R882H``, ``p.G12D``, ``G12`` (any change at a position), ``p.R882*``, ``E746_A750del``,
#: ``V600_K601delinsE``, ``P72fs``, ``X359_splice``: one-letter HGVS protein notation.
PROTEIN_CHANGE = re.compile(
    r"^(p\.)?[A-Z*][0-9]+([A-Z*]|_[A-Z*]?[0-9]+|fs|del|ins|dup|ext|splice)?.*$"
)
TIER = re.compile(r"^tier[_-]?(i{1,3}|iv|[1-4])$", re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CohortSyntaxError(GenomedError):
    """A definition that does not parse: where (text position or JSON path) and why."""

    def __init__(
        self,
        message: str,
        text: str | None = None,
        span: Span | None = None,
        json_path: str | None = None,
    ) -> None:
        self.message = message
        self.text = text
        self.span = span
        self.json_path = json_path
        super().__init__(self._format())

    @property
    def position(self) -> int | None:
        """0-based character offset of the offending token in the text form."""
        return None if self.span is None else self.span[0]

    @property
    def token(self) -> str | None:
        if self.text is None or self.span is None:
            return None
        return self.text[self.span[0] : self.span[1]]

    def _format(self) -> str:
        if self.json_path is not None:
            return f"{self.message} (at {self.json_path})"
        if self.text is None or self.span is None:
            return self.message
        start, end = self.span
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", start)
        line_end = len(self.text) if line_end < 0 else line_end
        line_no = self.text.count("\n", 0, start) + 1
        column = start - line_start + 1
        width = max(1, min(end, line_end) - start)
        where = f"line {line_no}, column {column}" if "\n" in self.text else f"column {column}"
        caret = " " * (start - line_start) + "^" * width
        return f"{self.message} at {where}\n  {self.text[line_start:line_end]}\n  {caret}"


# -- nodes -------------------------------------------------------------------------------
# Every node is frozen and compares without its span, so a definition parsed from text
# equals the same definition read from JSON.


@dataclass(frozen=True)
class Everyone:
    """``all``: every patient of the workspace."""

    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Comparison:
    """``attribute op value``; ``op`` one of :data:`COMPARISON_OPERATORS`."""

    attribute: str
    op: str
    value: str | float
    span: Span | None = field(default=None, compare=False)
    attribute_span: Span | None = field(default=None, compare=False)
    value_span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Membership:
    """``attribute [not] in (v1, v2, ...)``."""

    attribute: str
    values: tuple[str | float, ...]
    negated: bool = False
    span: Span | None = field(default=None, compare=False)
    attribute_span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Missing:
    """``attribute is [not] missing``."""

    attribute: str
    negated: bool = False
    span: Span | None = field(default=None, compare=False)
    attribute_span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Alteration:
    """``mutated(GENE, ...)``, ``amplified(GENE)``, ``deleted(GENE)``, ``fusion(GENE[, PARTNER])``,
    ``profiled(GENE[, PROFILE])``.

    For ``mutated``: ``protein_change`` (``R882H``; a bare position such as ``G12`` means
    any change there), ``consequence`` (a class of :data:`CONSEQUENCE_CLASSES`), ``tier``
    (``1``..``4``) and ``origin`` (somatic/germline) narrow the calls. ``partner`` is
    the other gene of a fusion, ``profile`` the alteration type of ``profiled``.
    """

    kind: str
    gene: str
    protein_change: str | None = None
    consequence: str | None = None
    tier: str | None = None
    origin: str | None = None
    partner: str | None = None
    profile: str | None = None
    span: Span | None = field(default=None, compare=False)
    gene_span: Span | None = field(default=None, compare=False)
    qualifier_span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Treatment:
    """``treated_with(DRUG[, line=N])``; drugs compare case-insensitively."""

    drug: str
    line: int | None = None
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CohortReference:
    """``in_cohort(NAME)``: the members of a saved cohort."""

    name: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TimeOrder:
    """``left after|before|during right``: an event of ``left`` dated relative to one of ``right``."""

    left: Alteration | Treatment
    relation: str
    right: Alteration | Treatment
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Not:
    item: Node
    span: Span | None = field(default=None, compare=False)


Node = (
    Everyone
    | Comparison
    | Membership
    | Missing
    | Alteration
    | Treatment
    | CohortReference
    | TimeOrder
    | And
    | Or
    | Not
)
Event = Alteration | Treatment


def classify_mutation_qualifier(value: str, key: str | None = None) -> tuple[str | None, str]:
    """Which slot of ``mutated(GENE, value)`` a qualifier fills, and its normal form;
    ``(None, message)`` when it is none of them."""
    lowered = value.lower()
    if key in (None, "class", "consequence") and lowered in CONSEQUENCE_CLASSES:
        return "consequence", lowered
    if key in (None, "tier"):
        match = TIER.match(value) if key is None else re.fullmatch(r"(i{1,3}|iv|[1-4])", lowered)
        if match:
            level = match.group(1).lower()
            return "tier", _ROMAN.get(level, level)
    if key in (None, "protein", "protein_change") and PROTEIN_CHANGE.match(value):
        return "protein_change", value[2:] if value.startswith("p.") else value
    if key == "origin" and lowered in ORIGINS:
        return "origin", lowered
    if key not in (None, "class", "consequence", "tier", "protein", "protein_change", "origin"):
        return None, f"unknown option {key}= of mutated (class=, protein=, tier=, origin=)"
    classes = ", ".join(sorted(CONSEQUENCE_CLASSES))
    return None, (
        f"{value!r} is not a protein change (R882H, p.G12D, G12), a consequence class "
        f"({classes}) or a tier (tier1..tier4)"
        if key is None
        else f"{value!r} is not a valid {key}"
    )


# -- rendering ---------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9_.*+\-/:@#%]+$")


def _value_text(value: str | float) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    if _PLAIN.match(text) and not _NUMBER.match(text) and text.lower() not in KEYWORDS:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _event_text(node: Alteration | Treatment) -> str:
    if isinstance(node, Treatment):
        return f"treated_with({_value_text(node.drug)}" + (
            f", line={node.line})" if node.line else ")"
        )
    args = [_value_text(node.gene)]
    if node.protein_change:
        args.append(node.protein_change)
    if node.consequence:
        args.append(node.consequence)
    if node.tier:
        args.append(f"tier{node.tier}")
    if node.origin:
        args.append(f"origin={node.origin}")
    if node.partner:
        args.append(_value_text(node.partner))
    if node.profile:
        args.append(node.profile)
    return f"{node.kind}({', '.join(args)})"


def to_text(node: Node, _parent: str | None = None) -> str:
    """The canonical text of a definition (``parse(to_text(n)) == n``)."""
    if isinstance(node, Everyone):
        return "all"
    if isinstance(node, Comparison):
        return f"{node.attribute} {node.op} {_value_text(node.value)}"
    if isinstance(node, Membership):
        values = ", ".join(_value_text(v) for v in node.values)
        return f"{node.attribute} {'not in' if node.negated else 'in'} ({values})"
    if isinstance(node, Missing):
        return f"{node.attribute} is {'not missing' if node.negated else 'missing'}"
    if isinstance(node, Alteration | Treatment):
        return _event_text(node)
    if isinstance(node, CohortReference):
        return f"in_cohort({_value_text(node.name)})"
    if isinstance(node, TimeOrder):
        return f"{_event_text(node.left)} {node.relation} {_event_text(node.right)}"
    if isinstance(node, Not):
        inner = to_text(node.item, "not")
        return f"not {inner}"
    if isinstance(node, And | Or):
        word = "and" if isinstance(node, And) else "or"
        text = f" {word} ".join(to_text(item, word) for item in node.items)
        return (
            f"({text})" if _parent in ("not", "and") or (_parent == "or" and word == "or") else text
        )
    raise TypeError(f"not a cohort definition node: {node!r}")


def walk(node: Node):
    """Every node of a definition, depth-first."""
    yield node
    if isinstance(node, And | Or):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, TimeOrder):
        yield from walk(node.left)
        yield from walk(node.right)
