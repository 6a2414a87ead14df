"""The cohort definition language: text and an equivalent JSON form, parsed to one tree.

Text form (keywords case-insensitive; documented with examples in ``docs/cohorts.md``)::

    definition  := or
    or          := and ("or" and)*
    and         := unary ("and" unary)*
    unary       := "not" unary | "(" or ")" | event [("after"|"before"|"during") event]
                 | comparison | "all"
    event       := mutated(GENE[, CHANGE|CLASS|TIER][, origin=...])
                 | amplified(GENE) | deleted(GENE) | fusion(GENE[, PARTNER])
                 | profiled(GENE[, PROFILE]) | treated_with(DRUG[, line=N]) | in_cohort(NAME)
    comparison  := ATTRIBUTE ("=" | "!=" | "<" | "<=" | ">" | ">=") VALUE
                 | ATTRIBUTE ["not"] "in" "(" VALUE ("," VALUE)* ")"
                 | ATTRIBUTE "is" ["not"] "missing"

JSON form: one object per node, e.g. ``{"and": [{"attribute": "age", "op": ">=",
"value": 60}, {"mutated": "DNMT3A"}, {"not": {"mutated": "NPM1"}}]}``; see
:func:`to_json` for every key. :func:`parse` and :func:`from_json` return the same
frozen node objects, :func:`to_text` renders one back (``parse(to_text(n)) == n``).

Errors are :class:`CohortSyntaxError`: the offending token's position in the text (or
its JSON path), with the line and a caret under the token.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from genomed.cohort.definition_json import from_json, to_json
from genomed.cohort.definition_nodes import (
    _NUMBER,
    COMPARISON_OPERATORS,
    GENOTYPE_PREDICATES,
    KEYWORDS,
    PREDICATES,
    PROFILES,
    TIME_RELATIONS,
    Alteration,
    And,
    CohortReference,
    CohortSyntaxError,
    Comparison,
    Event,
    Everyone,
    Membership,
    Missing,
    Node,
    Not,
    Or,
    Span,
    TimeOrder,
    Treatment,
    classify_mutation_qualifier,
    to_text,
    walk,
)

#: The parser, plus the nodes, rendering and JSON form re-exported from one place.
__all__ = [
    "Alteration",
    "And",
    "COMPARISON_OPERATORS",
    "CohortReference",
    "CohortSyntaxError",
    "Comparison",
    "Event",
    "Everyone",
    "GENOTYPE_PREDICATES",
    "KEYWORDS",
    "Membership",
    "Missing",
    "Node",
    "Not",
    "Or",
    "PREDICATES",
    "PROFILES",
    "Span",
    "TIME_RELATIONS",
    "TimeOrder",
    "Treatment",
    "classify_mutation_qualifier",
    "from_json",
    "parse",
    "parse_definition",
    "to_json",
    "to_text",
    "tokenize",
    "walk",
]


# -- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # word | number | string | op | ( | ) | , | end
    text: str
    start: int
    end: int

    @property
    def span(self) -> Span:
        return (self.start, self.end)

    @property
    def lower(self) -> str:
        return self.text.lower()


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|<>|<=|>=|==|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z0-9_.*+\-/:@#%]+)
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    """Split a definition into tokens; an unexpected character raises at its position."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "\"'":
                raise CohortSyntaxError("unterminated quoted value", text, (pos, len(text)))
            raise CohortSyntaxError(f"unexpected character {text[pos]!r}", text, (pos, pos + 1))
        kind = match.lastgroup
        value = match.group()
        if kind == "string":
            body = value[1:-1]
            tokens.append(
                Token("string", re.sub(r"\\(.)", r"\1", body), match.start(), match.end())
            )
        elif kind == "op":
            op = {"<>": "!=", "==": "="}.get(value, value)
            tokens.append(Token("op", op, match.start(), match.end()))
        elif kind == "punct":
            tokens.append(Token(value, value, match.start(), match.end()))
        elif kind == "word":
            tokens.append(
                Token(
                    "number" if _NUMBER.match(value) else "word", value, match.start(), match.end()
                )
            )
        pos = match.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and re.fullmatch(r"[+-]?\d+", text) else value


# -- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_keyword(self, *words: str) -> bool:
        return self.tok.kind == "word" and self.tok.lower in words

    def error(self, message: str, tok: Token | None = None) -> CohortSyntaxError:
        tok = tok or self.tok
        found = "the end of the definition" if tok.kind == "end" else repr(tok.text)
        return CohortSyntaxError(
            message.replace("{found}", found),
            self.text,
            tok.span if tok.kind != "end" else (tok.start, tok.start + 1),
        )

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise self.error(f"expected {what} but found {{found}}")
        return self.advance()

    # grammar
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error("empty cohort definition (write `all` for every patient)")
        node = self.parse_or()
        if self.tok.kind != "end":
            if self.tok.kind == ")":
                raise self.error("unbalanced ')'")
            raise self.error("expected 'and', 'or' or the end of the definition but found {found}")
        return node

    def parse_or(self) -> Node:
        start = self.tok.start
        items = [self.parse_and()]
        while self.at_keyword("or"):
            self.advance()
            items.append(self.parse_and())
        return (
            items[0] if len(items) == 1 else Or(tuple(items), (start, self.tokens[self.i - 1].end))
        )

    def parse_and(self) -> Node:
        start = self.tok.start
        items = [self.parse_unary()]
        while self.at_keyword("and"):
            self.advance()
            items.append(self.parse_unary())
        return (
            items[0] if len(items) == 1 else And(tuple(items), (start, self.tokens[self.i - 1].end))
        )

    def parse_unary(self) -> Node:
        tok = self.tok
        if self.at_keyword("not"):
            self.advance()
            item = self.parse_unary()
            return Not(item, (tok.start, self.tokens[self.i - 1].end))
        if tok.kind == "(":
            self.advance()
            if self.tok.kind == ")":
                raise self.error("empty parentheses")
            node = self.parse_or()
            if self.tok.kind != ")":
                raise self.error(
                    "expected ')' to close the '(' opened at column "
                    f"{tok.start + 1} but found {{found}}"
                )
            self.advance()
            if self.at_keyword(*TIME_RELATIONS):
                raise self.error(
                    "'{found}' relates two events such as mutated(...) or "
                    "treated_with(...), not a parenthesised expression"
                )
            return node
        if (
            tok.kind == "word"
            and tok.lower == "all"
            and self.peek().kind != "op"
            and not (self.peek().kind == "word" and self.peek().lower in ("in", "is", "not"))
        ):
            self.advance()
            return Everyone(tok.span)
        if tok.kind == "word" and self.peek().kind == "(":
            event = self.parse_call()
            if self.at_keyword(*TIME_RELATIONS):
                relation_tok = self.advance()
                if isinstance(event, CohortReference):
                    raise self.error("in_cohort(...) has no date to order in time", relation_tok)
                right_tok = self.tok
                if not (right_tok.kind == "word" and self.peek().kind == "("):
                    raise self.error(
                        f"expected an event such as treated_with(DRUG) after "
                        f"'{relation_tok.text}' but found {{found}}"
                    )
                right = self.parse_call()
                if isinstance(right, CohortReference):
                    raise self.error("in_cohort(...) has no date to order in time", right_tok)
                if relation_tok.lower == "during" and not isinstance(right, Treatment):
                    raise self.error(
                        "'during' needs a treatment on its right: ... during treated_with(DRUG)",
                        right_tok,
                    )
                if self.at_keyword(*TIME_RELATIONS):
                    raise self.error("one time relation at a time: combine them with 'and'")
                return TimeOrder(
                    event, relation_tok.lower, right, (tok.start, self.tokens[self.i - 1].end)
                )
            return event
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        tok = self.tok
        if tok.kind != "word" or tok.lower in KEYWORDS:
            if tok.kind == "end":
                raise self.error("the definition ends too early: expected a condition")
            raise self.error(
                "expected a condition (an attribute comparison, mutated(...), "
                "treated_with(...), ...) but found {found}"
            )
        if _NUMBER.match(tok.text):
            raise self.error("expected an attribute name but found the number {found}")
        attribute = self.advance()
        if self.tok.kind == "op":
            op = self.advance()
            value, value_tok = self.parse_value()
            return Comparison(
                attribute.text,
                op.text,
                value,
                (tok.start, value_tok.end),
                attribute.span,
                value_tok.span,
            )
        if self.at_keyword("not") and self.peek().kind == "word" and self.peek().lower == "in":
            self.advance()
            return self.parse_in(attribute, negated=True)
        if self.at_keyword("in"):
            return self.parse_in(attribute, negated=False)
        if self.at_keyword("is"):
            self.advance()
            negated = False
            if self.at_keyword("not"):
                self.advance()
                negated = True
            if not self.at_keyword("missing"):
                raise self.error("expected 'missing' after 'is' but found {found}")
            end = self.advance()
            return Missing(attribute.text, negated, (tok.start, end.end), attribute.span)
        if self.tok.kind == "(":
            raise self.error("unknown function {found}")
        name = attribute.lower
        hint = difflib.get_close_matches(name, PREDICATES, n=1)
        message = (
            "expected an operator (=, !=, <, <=, >, >=, in, is missing) after the attribute {found}"
        )
        if hint:
            message += f" (did you mean {hint[0]}(...)?)"
        raise (
            self.error(message, attribute)
            if self.tok.kind == "end"
            else self.error(
                f"expected an operator (=, !=, <, <=, >, >=, in, is missing) after '{attribute.text}' but found {{found}}"
            )
        )

    def parse_value(self) -> tuple[str | float, Token]:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return _number(tok.text), tok
        if tok.kind in ("word", "string"):
            self.advance()
            return tok.text, tok
        raise self.error("expected a value but found {found}")

    def parse_in(self, attribute: Token, negated: bool) -> Membership:
        self.advance()  # 'in'
        self.expect("(", "'(' after 'in'")
        values: list[str | float] = []
        while True:
            value, _ = self.parse_value()
            values.append(value)
            if self.tok.kind == ",":
                self.advance()
                continue
            if self.tok.kind == ")":
                end = self.advance()
                break
            raise self.error("expected ',' or ')' in the value list but found {found}")
        return Membership(
            attribute.text, tuple(values), negated, (attribute.start, end.end), attribute.span
        )

    def parse_call(self) -> Event | CohortReference:
        name_tok = self.advance()
        name = name_tok.lower
        if name not in PREDICATES:
            hint = difflib.get_close_matches(name, PREDICATES, n=1)
            suffix = f" (did you mean {hint[0]}?)" if hint else f" (known: {', '.join(PREDICATES)})"
            raise self.error(f"unknown function {{found}}{suffix}", name_tok)
        self.advance()  # (
        args: list[tuple[str | None, Token]] = []
        while True:
            if self.tok.kind == ")":
                if not args:
                    raise self.error(f"{name}(...) needs an argument")
                break
            key = None
            if self.tok.kind == "word" and self.peek().kind == "op" and self.peek().text == "=":
                key = self.advance().lower
                self.advance()
            if self.tok.kind not in ("word", "number", "string"):
                raise self.error(f"expected an argument of {name}(...) but found {{found}}")
            args.append((key, self.advance()))
            if self.tok.kind == ",":
                self.advance()
                continue
            if self.tok.kind != ")":
                raise self.error(f"expected ',' or ')' in {name}(...) but found {{found}}")
        end = self.advance()
        span = (name_tok.start, end.end)
        if name == "treated_with":
            return self.build_treatment(args, span)
        if name == "in_cohort":
            if len(args) != 1 or args[0][0] is not None:
                raise self.error("in_cohort takes one cohort name", args[-1][1])
            return CohortReference(args[0][1].text, span)
        return self.build_alteration(name, args, span)

    def build_treatment(self, args: list[tuple[str | None, Token]], span: Span) -> Treatment:
        (key, drug), rest = args[0], args[1:]
        if key is not None:
            raise self.error("the first argument of treated_with is the drug", drug)
        line = None
        for key, tok in rest:
            if key != "line":
                raise self.error("treated_with takes one option, line=N", tok)
            if not re.fullmatch(r"[0-9]+", tok.text) or int(tok.text) < 1:
                raise self.error("line must be a whole number from 1 (first line)", tok)
            line = int(tok.text)
        return Treatment(drug.text.lower(), line, span)

    def build_alteration(
        self, name: str, args: list[tuple[str | None, Token]], span: Span
    ) -> Alteration:
        (key, gene), rest = args[0], args[1:]
        if key is not None or gene.kind == "number":
            raise self.error(f"the first argument of {name} is a gene symbol", gene)
        fields: dict[str, Any] = {}
        qualifier_span = None
        for key, tok in rest:
            value = tok.text
            if name == "fusion":
                if key not in (None, "partner") or "partner" in fields:
                    raise self.error("fusion takes one partner gene: fusion(BCR, ABL1)", tok)
                fields["partner"] = value
            elif name == "profiled":
                if (
                    key not in (None, "profile")
                    or value.lower() not in PROFILES
                    or "profile" in fields
                ):
                    raise self.error(f"profiled takes one profile: {', '.join(PROFILES)}", tok)
                fields["profile"] = value.lower()
            elif name in ("amplified", "deleted"):
                raise self.error(f"{name}(GENE) takes no other argument", tok)
            else:
                slot, normal = classify_mutation_qualifier(value, key)
                if slot is None:
                    raise self.error(normal, tok)
                if slot in fields:
                    raise self.error(f"mutated(...) has two {slot.replace('_', ' ')}s", tok)
                fields[slot] = normal
                if slot != "origin":
                    qualifier_span = tok.span
        return Alteration(
            name, gene.text, span=span, gene_span=gene.span, qualifier_span=qualifier_span, **fields
        )


def parse(text: str) -> Node:
    """Parse the text form of a cohort definition (raises :class:`CohortSyntaxError`)."""
    if not isinstance(text, str):
        raise CohortSyntaxError(f"a cohort definition is text, not {type(text).__name__}")
    return _Parser(text).parse()


def parse_definition(definition: str | dict | Node) -> Node:
    """A node from any form: text, JSON text/dict, or a node already."""
    if isinstance(definition, dict):
        return from_json(definition)
    if isinstance(definition, str):
        stripped = definition.lstrip()
        return from_json(definition) if stripped.startswith("{") else parse(definition)
    if isinstance(definition, Node):
        return definition
    raise CohortSyntaxError(f"a cohort definition is text or JSON, not {type(definition).__name__}")
