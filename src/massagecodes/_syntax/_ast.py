"""The syntax tree of a ``.rules`` file: frozen attrs nodes, each with its source span.

The lark parse tree never leaves ``_transformer.py``; everything after works on these
nodes. Names are kept as written (a :class:`Word`); the checker decides what they
denote.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
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
    """A literal in a comparison: a word, a string, a whole number, a decimal, a date,
    or a ``$parameter`` (``value`` is then its name, without the ``$``)."""

    kind: Literal["word", "string", "number", "decimal", "date", "param"]
    value: str | int | Decimal | datetime.date
    span: Span = attrs.field(eq=False)


# ---- header and declarations --------------------------------------------------------


@attrs.frozen
class DateRange:
    start: datetime.date
    end: datetime.date | None  # None: open-ended
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Extends:
    """``extends NAME ["version constraint"]``."""

    name: Word
    spec: Value | None
    span: Span = attrs.field(eq=False)


@attrs.frozen
class HeaderItem:
    """``ruleset``, ``version``, ``language``, ``title``, ``effective``, ``source``, ``units``,
    ``payers``, ``states`` (language 2: the payer kinds and states a ruleset is for) or ``extends``."""

    key: Literal[
        "ruleset", "version", "language", "title", "effective", "source", "units", "payers", "states", "extends"
    ]
    value: Word | Value | DateRange | UnitsSpec | Extends | tuple[Word, ...]
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
class ParamDecl:
    """``param $name TYPE [= default]``: a setting the caller may give at load time."""

    name: Word  # without the $
    type: Word  # number, money, date or flag
    default: Value | None
    span: Span = attrs.field(eq=False)


@attrs.frozen
class ImportDecl:
    """``import ptp "file.csv"`` or ``import mue "file.csv"``: a CMS table beside the file."""

    kind: Word
    path: Value
    span: Span = attrs.field(eq=False)


@attrs.frozen
class DisableStmt:
    """``disable ID, ID``: rules inherited from the base ruleset that do not apply."""

    ids: tuple[Word, ...]
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
    """The patient's history has this code on the same day (by another provider, when ``other``)."""

    ref: CodeRef
    span: Span = attrs.field(eq=False)
    other: bool = True


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
class BillableCond:
    """``diagnoses are billable``: the claim has diagnoses and every one is a billable
    (leaf) ICD-10-CM code (needs the icd10 extra)."""

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
    """``visits this year ...`` (``year``), ``visits ...`` (``all``), or
    ``months since first visit ...`` (``months``)."""

    comparison: Comparison
    span: Span = attrs.field(eq=False)
    scope: Literal["year", "all", "months"] = "year"


@attrs.frozen
class ChargesCond:
    """``charges this year [of CODES] [with modifier M, ...] ...``: the patient's charges in
    the claim's calendar year, of some codes or with some modifiers (language 2)."""

    comparison: Comparison
    span: Span = attrs.field(eq=False)
    of: CodeRef | None = None
    modifiers: tuple[Word, ...] = ()


@attrs.frozen
class FlagCond:
    """``$name``: a yes/no setting."""

    name: Word
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
    | BillableCond
    | PresentCond
    | DocumentedCond
    | MeasureCond
    | VisitsCond
    | ChargesCond
    | FlagCond
    | Not
    | And
    | Or
    | Paren
)

# ---- actions and rules -----------------------------------------------------------------


@attrs.frozen
class Requirement:
    kind: Literal["referral", "authorization", "valid-authorization", "diagnosis", "documentation", "modifier"]
    element: Word | None = None  # documentation element
    modifiers: tuple[Word, ...] = ()
    target: Word | None = None  # modifier target
    span: Span | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Action:
    kind: Literal["DENY", "BUNDLE", "REDUCE", "REQUIRE", "WARN"]
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

Declaration = CodeDecl | GroupDecl | RegionDecl | AliasDecl | ParamDecl | ImportDecl


@attrs.frozen
class Document:
    """A whole ``.rules`` text, in source order within each kind of item."""

    header: tuple[HeaderItem, ...]
    declarations: tuple[Declaration, ...]
    rules: tuple[Rule, ...]
    tests: tuple[TestBlock, ...]
    disables: tuple[DisableStmt, ...] = ()
