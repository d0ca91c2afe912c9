"""What a compiled rule is: its condition, action, target lines, requirement and
attributes, and the ruleset's parameters.

The compiler builds these values; the engine evaluates them. Nothing here reads
rule text.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Literal

import attrs

from massagecodes._engine._facts import Context, Env, Facts
from massagecodes._engine._predicate import LineSelector, Predicate


@attrs.frozen
class Target:
    """The lines an action names: those bound to ``slots`` whose code is in ``codes``,
    or the whole claim. With ``last``, only the last of ``slots`` that the match
    bound (the default target: the last code term, in whichever ``OR`` branch held)."""

    claim: bool
    slots: tuple[int, ...] = ()
    codes: frozenset[str] = frozenset()
    last: bool = False

    def lines(self, facts: Facts, env: Env) -> tuple[int, ...]:
        if self.claim:
            return tuple(sorted({index for index in env if index is not None}))
        if self.last:
            for slot in reversed(self.slots):
                index = env[slot]
                if index is not None:
                    return (index,)
            return ()
        if len(self.slots) == 1:  # the common case, without building a set
            index = env[self.slots[0]]
            return (index,) if index is not None and facts.codes[index] in self.codes else ()
        return tuple(
            sorted(
                {index for slot in self.slots if (index := env[slot]) is not None and facts.codes[index] in self.codes}
            )
        )


@attrs.frozen
class Requirement:
    """What REQUIRE asks for; ``missing`` says which lines lack it (None: nothing lacks)."""

    kind: Literal["referral", "authorization", "valid-authorization", "diagnosis", "documentation", "modifier"]
    element: str = ""
    modifiers: frozenset[str] = frozenset()
    selector: LineSelector | None = None
    # ``REQUIRE referral`` from language 2: the referral must be dated on or before each
    # line's date of service (a line before it has no referral).
    dated: bool = False

    @property
    def per_line(self) -> bool:
        """The finding names the lines that lack it (not every target line)."""
        return self.kind in ("modifier", "valid-authorization") or (self.kind == "referral" and self.dated)

    @property
    def on_targets(self) -> frozenset[str] | None:
        """The modifiers, when this asks for them on the action's target lines; None
        for other requirements."""
        if self.kind == "modifier" and self.selector is not None and self.selector.mode == "target":
            return self.modifiers
        return None

    @property
    def text(self) -> str:
        if self.kind == "modifier":
            return "modifier " + " or ".join(sorted(self.modifiers))
        if self.kind == "documentation":
            return f"documentation {self.element}"
        if self.kind == "valid-authorization":
            return "valid authorization"
        return self.kind

    def missing(self, ctx: Context, env: Env, bound: tuple[int, ...]) -> tuple[int, ...] | None:
        claim = ctx.facts.claim
        if self.kind == "referral" and self.dated and claim.referral is not None:
            dates, ordered = ctx.facts.dates, claim.referral.date
            lacking = tuple(i for i in ctx.targets if dates[i] < ordered)
            return lacking if lacking else None
        if self.kind in ("referral", "authorization"):
            return None if getattr(claim, self.kind) is not None else bound
        if self.kind == "valid-authorization":
            return _unauthorized(ctx)
        if self.kind == "diagnosis":
            if not claim.diagnoses:
                return bound
            lacking = tuple(i for i in ctx.targets if not claim.lines[i].diagnosis_pointers)
            return lacking if lacking else None
        if self.kind == "documentation":
            documentation = claim.documentation
            present: set[str] = set()
            if documentation is not None:
                present = {e.value for e in documentation.elements} | {s.value for s in documentation.soap}
            return None if self.element in present else bound
        assert self.selector is not None
        lines, _ = self.selector.lines(ctx, env)
        lacking = tuple(i for i in lines if not self.modifiers.intersection(claim.lines[i].modifiers))
        return lacking if lacking else None


@attrs.frozen
class CompiledRule:
    """One rule, ready to evaluate."""

    id: str
    order: int
    title: str | None
    action: Literal["DENY", "BUNDLE", "REDUCE", "REQUIRE", "WARN"]
    condition: Predicate
    unless: Predicate | None
    target: Target
    into: Target | None
    requirement: Requirement | None
    carc: str | None
    rarc: str | None
    message: str | None
    fix: str | None
    citation: str | None
    severity: str
    effective: tuple[datetime.date, datetime.date | None] | None
    slots: int
    triggers: frozenset[str] | None  # the claim must have one of these codes; None: always considered
    text: str
    source: str
    line: int
    column: int
    skip: str | None = None  # why the rule cannot run (an unset parameter), or None
    requires: tuple[frozenset[str], ...] = ()  # and one code of each of these sets

    @property
    def finding_message(self) -> str:
        """The message of its findings: its own, else its title, else what it is."""
        return self.message or self.title or f"{self.action} by rule {self.id}: {self.text}"


ParamType = Literal["number", "money", "date", "flag"]
PARAM_TYPES: tuple[ParamType, ...] = ("number", "money", "date", "flag")


@attrs.frozen
class Param:
    """A ruleset setting: its type and value (None while unset)."""

    name: str
    type: ParamType
    value: int | Decimal | datetime.date | bool | None


def param_value(param_type: ParamType, raw: object) -> int | Decimal | datetime.date | bool | None:
    """A caller's value for a parameter as its type, or None when it does not fit."""
    if param_type == "number":
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None
    if param_type == "money":
        if (isinstance(raw, Decimal | int) and not isinstance(raw, bool)) or (
            isinstance(raw, str) and re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", raw)
        ):
            value = Decimal(raw)
        else:
            return None
        return value if value.is_finite() and value >= 0 else None
    if param_type == "date":
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            try:
                return datetime.date.fromisoformat(raw)
            except ValueError:
                return None
        return None
    if isinstance(raw, bool):
        return raw
    return {"yes": True, "no": False}.get(raw) if isinstance(raw, str) else None


def _unauthorized(ctx: Context) -> tuple[int, ...] | None:
    """The target lines the claim's authorization does not cover: dated before its start
    or after its end, or on a visit past the visits it allows, counting the patient's
    earlier claims under the same authorization number (a visit is a date of service).
    None when every line is covered, or when the claim gives no authorization (that is
    ``REQUIRE authorization``'s finding, with its own CARC)."""
    facts = ctx.facts
    given = facts.claim.authorization
    if given is None:
        return None
    dates = facts.dates
    visits: list[datetime.date] = []
    if given.visits is not None:
        days = set(dates)
        for earlier in facts.history:
            if earlier.authorization is not None and earlier.authorization.number == given.number:
                days.update(earlier.line_date(index) for index in range(len(earlier.lines)))
        visits = sorted(days)
    lacking = []
    for index in ctx.targets:
        day = dates[index]
        if (
            (given.start is not None and day < given.start)
            or (given.end is not None and day > given.end)
            or (given.visits is not None and visits.index(day) + 1 > given.visits)
        ):
            lacking.append(index)
    return tuple(lacking) if lacking else None
