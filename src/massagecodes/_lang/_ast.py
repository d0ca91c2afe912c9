"""The syntax tree of a ``.rules`` file: frozen attrs nodes, each with its source span.

The lark parse tree never leaves ``_parse.py``; everything after works on these
nodes. Names are kept as written (a :class:`Word`); the checker decides what they
denote.
"""

from __future__ import annotations

import datetime
from typing import Literal

import attrs


@attrs.frozen
class Span:
    """Where a node is: 1-based line and column of its first character, and the
    line and column just past its last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@attrs.frozen
class Word:
    """A name or a value as written (a code, group, region, modifier, field, value)."""

    text: str
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Value:
    """A literal in a comparison: a word, a string, a whole number or a date."""

    kind: Literal["word", "string", "number", "date"]
    value: str | int | datetime.date
    span: Span = attrs.field(eq=False)


# ---- header and declarations --------------------------------------------------------


@attrs.frozen
class DateRange:
    start: datetime.date
    end: datetime.date | None  # None: open-ended
    span: Span = attrs.field(eq=False)


@attrs.frozen
class HeaderItem:
    """``ruleset``, ``version``, ``language``, ``title``, ``effective``, ``source`` or ``units``."""

    key: Literal["ruleset", "version", "language", "title", "effective", "source", "units"]
    value: Word | Value | DateRange | UnitsSpec
    span: Span = attrs.field(eq=False)


@attrs.frozen
class UnitsSpec:
    method: Word
    threshold: Value | None
    unit_minutes: Value | None
    span: Span = attrs.field(eq=False)


@attrs.frozen
class CodeDecl:
    code: Word
    timed: bool
    description: str | None
    span: Span = attrs.field(eq=False)


@attrs.frozen
class GroupDecl:
    name: Word
    codes: tuple[Word, ...]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class RegionDecl:
    name: Word
    span: Span = attrs.field(eq=False)


@attrs.frozen
class AliasDecl:
    alias: Word
    region: Word
    span: Span = attrs.field(eq=False)


# ---- conditions ----------------------------------------------------------------------


@attrs.frozen
class CodeRef:
    """A code, a group name, or ``any of`` a list: what a code term matches."""

    names: tuple[Word, ...]
    any_of: bool
    span: Span = attrs.field(eq=False)

    @property
    def text(self) -> str:
        return ("any of " if self.any_of else "") + ", ".join(name.text for name in self.names)


@attrs.frozen
class CodeTerm:
    """A line with this code is on the claim (binds that line)."""

    ref: CodeRef
    span: Span = attrs.field(eq=False)


@attrs.frozen
class BilledByOther:
    """The patient's history has this code by another provider on the same day."""

    ref: CodeRef
    span: Span = attrs.field(eq=False)


@attrs.frozen
class ModifierCond:
    """One of ``modifiers`` is on the target line(s)."""

    modifiers: tuple[Word, ...]
    target: Word | None  # a code or group, "either", "both", or None (see docs)
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Comparison:
    """``is [not] v1 or v2`` or ``OP value``."""

    op: Literal["is", "is not", "=", "!=", "<", "<=", ">", ">="]
    values: tuple[Value, ...]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class FieldCond:
    """``payer FIELD ...`` or ``provider FIELD ...``."""

    subject: Literal["payer", "provider"]
    field: Word
    comparison: Comparison
    span: Span = attrs.field(eq=False)


@attrs.frozen
class DxPattern:
    first: Word
    last: Word | None  # a range ``first to last``
    span: Span = attrs.field(eq=False)


@attrs.frozen
class DiagnosisCond:
    patterns: tuple[DxPattern, ...]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class PresentCond:
    """``referral`` or ``authorization``: the claim carries one."""

    what: Literal["referral", "authorization"]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class DocumentedCond:
    element: Word
    span: Span = attrs.field(eq=False)


@attrs.frozen
class MeasureCond:
    """``minutes of 97124 >= 8``, ``total units > 8``, ``date >= 2017-01-01``."""

    measure: Word
    of: CodeRef | None
    total: bool
    comparison: Comparison
    span: Span = attrs.field(eq=False)


@attrs.frozen
class VisitsCond:
    comparison: Comparison
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Relation:
    """``SAME region``, ``DIFFERENT date``: over the code terms of its AND-chain."""

    same: bool
    aspect: Literal["region", "date", "side"]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Not:
    item: Condition
    span: Span = attrs.field(eq=False)


@attrs.frozen
class And:
    items: tuple[Condition, ...]
    relations: tuple[Relation, ...]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Or:
    items: tuple[Condition, ...]
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Paren:
    """A parenthesised condition (kept so the formatter can write it back)."""

    item: Condition
    span: Span = attrs.field(eq=False)


Condition = (
    CodeTerm
    | BilledByOther
    | ModifierCond
    | FieldCond
    | DiagnosisCond
    | PresentCond
    | DocumentedCond
    | MeasureCond
    | VisitsCond
    | Not
    | And
    | Or
    | Paren
)

# ---- actions and rules -----------------------------------------------------------------


@attrs.frozen
class Requirement:
    kind: Literal["referral", "authorization", "documentation", "modifier"]
    element: Word | None = None  # documentation element
    modifiers: tuple[Word, ...] = ()
    target: Word | None = None  # modifier target
    span: Span | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Action:
    kind: Literal["DENY", "BUNDLE", "REQUIRE", "WARN"]
    target: Word | None  # a code or group, "claim", or None (the default)
    into: Word | None  # BUNDLE ... into
    requirement: Requirement | None
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Attribute:
    key: Literal["carc", "rarc", "message", "fix", "cite", "severity", "effective"]
    value: Word | str | DateRange
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Rule:
    """A rule: ``rule ID ["title"] ... end``, or a bare rule line (``id`` None)."""

    id: Word | None
    title: str | None
    condition: Condition
    action: Action
    unless: Condition | None
    attributes: tuple[Attribute, ...]
    span: Span = attrs.field(eq=False)


# ---- tests -------------------------------------------------------------------------------


@attrs.frozen
class JsonValue:
    """A JSON literal in a test block, already decoded, with its span."""

    value: object
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Expectation:
    kind: Literal["finding", "none", "outcome"]
    action: str | None = None
    rule: Word | None = None
    lines: tuple[int, ...] | None = None
    outcome: Word | None = None
    span: Span | None = attrs.field(default=None, eq=False)


@attrs.frozen
class TestBlock:
    __test__ = False  # not a pytest test class

    name: str
    claim: JsonValue | None
    history: JsonValue | None
    expectations: tuple[Expectation, ...]
    span: Span = attrs.field(eq=False)


# ---- the file --------------------------------------------------------------------------

Declaration = CodeDecl | GroupDecl | RegionDecl | AliasDecl


@attrs.frozen
class Document:
    """A whole ``.rules`` text, in source order within each kind of item."""

    header: tuple[HeaderItem, ...]
    declarations: tuple[Declaration, ...]
    rules: tuple[Rule, ...]
    tests: tuple[TestBlock, ...]
