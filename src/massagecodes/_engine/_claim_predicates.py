"""Predicates that test the claim as a whole: payer and provider fields, diagnoses,
referral and authorization, documentation, totals of a day, visits, charges,
settings, and what other claims of the patient billed.

They bind no line (``is_test``); most do not read the bound lines either
(``claim_wide``), so an AND tries them before its code terms.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import attrs

from massagecodes._engine._facts import Context, Env, Facts, lines_text
from massagecodes._engine._predicate import OPS, ClaimTest, LineSelector, Predicate


class _ClaimTest(Predicate):
    """A test of the whole claim: binds no line, reads none."""

    __slots__ = ()

    @property
    def is_test(self) -> bool:
        return True

    @property
    def claim_wide(self) -> bool:
        return True


@attrs.frozen
class FieldPred(_ClaimTest):
    """A payer or provider field compared with values (``is``: one of them)."""

    subject: Literal["payer", "provider"]
    field: str
    op: str
    values: tuple[str, ...]
    text: str = attrs.field(eq=False)
    # Payer names compare without case; computed once from ``values``.
    _folded: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_folded", frozenset(value.casefold() for value in self.values))

    @property
    def pure(self) -> bool:
        return True

    def _value(self, ctx: Context) -> str | None:
        claim = ctx.facts.claim
        raw = getattr(claim.payer if self.subject == "payer" else claim.provider, self.field)
        return None if raw is None else str(getattr(raw, "value", raw))

    def _holds(self, ctx: Context) -> bool:
        claim = ctx.facts.claim  # as _value, without the call: this is the fast test
        raw = getattr(claim.payer if self.subject == "payer" else claim.provider, self.field)
        actual = None if raw is None else str(getattr(raw, "value", raw))
        if self.field == "name" and actual is not None:
            found = actual.casefold() in self._folded
        else:
            found = actual in self.values
        return found if self.op in ("is", "=") else not found

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        held = self._holds(ctx)
        if ctx.trace is not None:
            actual = self._value(ctx)
            ctx.note(self.text, held, f"{self.subject} {self.field} is {actual if actual is not None else 'not given'}")
        return [env] if held else []

    def claim_test(self, start: Env) -> ClaimTest:
        return self._holds


@attrs.frozen
class DxPattern:
    """An ICD-10-CM pattern: exact code, a prefix (``M54.*``), or a range."""

    kind: Literal["exact", "prefix", "range"]
    first: str  # without the dot
    last: str = ""

    def matches(self, code: str) -> bool:
        bare = code.replace(".", "")
        if self.kind == "exact":
            return bare == self.first
        if self.kind == "prefix":
            return bare.startswith(self.first)
        return bare[: len(self.first)] >= self.first and bare[: len(self.last)] <= self.last


@attrs.frozen
class DiagnosisPred(_ClaimTest):
    """One of the claim's diagnoses matches one of the patterns."""

    patterns: tuple[DxPattern, ...]
    text: str = attrs.field(eq=False)
    # DxPattern.matches for every pattern at once: the exact codes and the prefixes
    # (without dots), then the ranges; computed once from ``patterns``.
    _exact: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    _prefixes: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _ranges: tuple[DxPattern, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        patterns = self.patterns
        object.__setattr__(self, "_exact", frozenset(p.first for p in patterns if p.kind == "exact"))
        object.__setattr__(self, "_prefixes", tuple(p.first for p in patterns if p.kind == "prefix"))
        object.__setattr__(self, "_ranges", tuple(p for p in patterns if p.kind == "range"))

    @property
    def pure(self) -> bool:
        return True

    def _holds(self, ctx: Context) -> bool:
        exact, prefixes, ranges = self._exact, self._prefixes, self._ranges
        for code in ctx.facts.claim.diagnoses:
            bare = code.replace(".", "")
            if bare in exact or bare.startswith(prefixes) or any(pattern.matches(code) for pattern in ranges):
                return True
        return False

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        held = self._holds(ctx)
        # Diagnoses are health information: the trace says how many, never which.
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{len(ctx.facts.claim.diagnoses)} diagnoses on the claim")
        return [env] if held else []

    def claim_test(self, start: Env) -> ClaimTest:
        return self._holds


@attrs.frozen
class BillablePred(_ClaimTest):
    """The claim has diagnoses and every one is billable (a leaf of ICD-10-CM). Needs
    the icd10 extra (its absence is reported as an error, never guessed)."""

    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        from massagecodes import icd10

        diagnoses = ctx.facts.claim.diagnoses
        held = bool(diagnoses) and all(icd10.is_billable(code) for code in diagnoses)
        if ctx.trace is not None:
            # Diagnoses are health information: say how many, never which.
            unbillable = sum(not icd10.is_billable(code) for code in diagnoses)
            ctx.note(self.text, held, f"{len(diagnoses)} diagnoses, {unbillable} not billable")
        return [env] if held else []


@attrs.frozen
class PresentPred(_ClaimTest):
    """The claim gives a referral (or an authorization)."""

    what: Literal["referral", "authorization"]
    text: str = attrs.field(eq=False)

    @property
    def pure(self) -> bool:
        return True

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        held = getattr(ctx.facts.claim, self.what) is not None
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{self.what} {'given' if held else 'not given'}")
        return [env] if held else []


@attrs.frozen
class DocumentedPred(_ClaimTest):
    """The claim's documentation has an element (or a SOAP part)."""

    element: str
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        documentation = ctx.facts.claim.documentation
        present: set[str] = set()
        if documentation is not None:
            present = {element.value for element in documentation.elements} | {
                part.value for part in documentation.soap
            }
        held = self.element in present
        ctx.note(self.text, held, "documented" if held else "not documented")
        return [env] if held else []


@attrs.frozen
class TotalPred(_ClaimTest):
    """``total minutes|units|rvus`` of one date of service, this claim's lines and the
    patient's other claims (history) on that date, compared (any date that holds).

    RVUs are each line's units times its code's RVUs in an imported fee table; a line
    whose code the table does not list leaves the total unknown (the rule is undecided,
    not passed)."""

    measure: Literal["minutes", "units", "rvus"]
    op: str
    value: int | Decimal
    text: str = attrs.field(eq=False)
    codes: frozenset[str] | None = None  # ``total units of GROUP``: only these codes count

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        measure, codes, rvus = self.measure, self.codes, facts.rvus
        table = facts.minutes if measure == "minutes" else facts.units
        totals: dict[datetime.date, Decimal | int] = {}
        line_codes = facts.codes

        unknown_days: set[datetime.date] = set()

        def amount(code: str, minutes: int | None, units: int | None, day: datetime.date) -> Decimal | int:
            if measure == "minutes":
                return minutes or 0
            if measure == "units":
                return units or 0
            per_unit = rvus.rvus(code) if rvus is not None else None
            if per_unit is None:
                unknown_days.add(day)  # that day's total is not known
                return 0
            return per_unit * (units or 0)

        for index, (day, count) in enumerate(zip(facts.dates, table, strict=True)):
            if codes is None or line_codes[index] in codes:
                line = facts.claim.lines[index]
                value = amount(line.code, line.minutes, count if measure != "minutes" else None, day)
                totals[day] = totals.get(day, 0) + value
        # The patient's other claims on the same dates count too ("per patient per day"),
        # whoever billed them.
        if facts.history:
            for earlier, earlier_units in zip(facts.history, facts.history_units, strict=True):
                for index, line in enumerate(earlier.lines):
                    day = earlier.line_date(index)
                    if day in totals and (codes is None or line.code in codes):
                        totals[day] += amount(line.code, line.minutes, earlier_units[index], day)
        if unknown_days:  # the lines of a day whose total is not known: undecided, not passed
            dates = facts.dates
            unknown = tuple(i for i in range(len(dates)) if dates[i] in unknown_days)
            ctx.missing.append((f"total {measure}", unknown))
            for day in unknown_days:
                del totals[day]
        compare, value = OPS[self.op], self.value
        held = False
        for total in totals.values():
            if compare(total, value):
                held = True
                break
        if ctx.trace is not None:
            ctx.note(self.text, held, "; ".join(f"{day}: {total}" for day, total in sorted(totals.items())))
        return [env] if held else []


def _visit_days(facts: Facts) -> set[datetime.date]:
    days = set(facts.dates)
    for earlier in facts.history:
        days.update(earlier.line_date(index) for index in range(len(earlier.lines)))
    return days


def _months_between(first: datetime.date, last: datetime.date) -> int:
    """Whole calendar months from ``first`` to ``last`` (2025-01-15 to 2025-02-14 is 0)."""
    months = (last.year - first.year) * 12 + (last.month - first.month)
    return months - 1 if last.day < first.day else months


@attrs.frozen
class VisitsPred(_ClaimTest):
    """Visits (distinct dates of service, this claim included): this calendar year
    (``year``), ever (``all``), or whole months since the first one (``months``).

    Counted up to the claim's date of service; with ``slot`` (language 2), up to the
    date of the line bound there, so that a limit denies only the visits past it."""

    op: str
    value: int
    text: str = attrs.field(eq=False)
    scope: Literal["year", "all", "months"] = "year"
    slot: int | None = None

    @property
    def claim_wide(self) -> bool:
        return self.slot is None  # it reads the bound line's date

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        bound = env[self.slot] if self.slot is not None and self.slot < len(env) else None
        if bound is None:
            day = facts.claim.date_of_service
            days = _visit_days(facts)
        else:
            day = facts.dates[bound]
            days = {visit for visit in _visit_days(facts) if visit <= day}
        if self.scope == "year":
            count = sum(1 for visit in days if visit.year == day.year)
            detail = f"{count} visits in {day.year}"
        elif self.scope == "all":
            count = len(days)
            detail = f"{count} visits"
        else:
            count = _months_between(min(days), day)
            detail = f"{count} whole months since {min(days)}"
        if bound is not None:
            detail += f" up to line {bound}'s date"
        held = OPS[self.op](count, self.value)
        ctx.note(self.text, held, detail)
        return [env] if held else []


@attrs.frozen
class ChargesPred(_ClaimTest):
    """The patient's charges in the claim's calendar year (this claim and the history);
    with ``codes`` or ``modifiers``, only the lines of those codes, or carrying one of
    those modifiers (a KX threshold counts PT and speech lines, GP or GN, apart from OT)."""

    op: str
    value: Decimal
    text: str = attrs.field(eq=False)
    codes: frozenset[str] | None = None
    modifiers: frozenset[str] | None = None

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        year = facts.claim.date_of_service.year
        codes, modifiers = self.codes, self.modifiers
        total = Decimal(0)
        for claim in (facts.claim, *facts.history):
            for index, line in enumerate(claim.lines):
                if (
                    line.charge is not None
                    and claim.line_date(index).year == year
                    and (codes is None or line.code in codes)
                    and (modifiers is None or not modifiers.isdisjoint(line.modifiers))
                ):
                    total += line.charge
        held = OPS[self.op](total, self.value)
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{total} charged in {year}")
        return [env] if held else []


@attrs.frozen
class ConstPred(_ClaimTest):
    """A yes/no setting: holds when it is yes."""

    value: bool
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        ctx.note(self.text, self.value, "yes" if self.value else "no")
        return [env] if self.value else []


@attrs.frozen
class BilledByOtherPred(Predicate):
    """The history has a code of the term (any code of a group) on the line's date,
    from another provider (NPI), or from any provider when ``other`` is false."""

    selector: LineSelector
    text: str = attrs.field(eq=False)
    other: bool = True

    @property
    def is_test(self) -> bool:
        return self.selector.tests_only

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        npi = facts.claim.provider.npi

        codes = self.selector.codes

        def other_provider(index: int) -> bool:
            day = facts.dates[index]
            return any(
                (earlier.provider.npi != npi or not self.other)
                and any(line.code in codes and earlier.line_date(i) == day for i, line in enumerate(earlier.lines))
                for earlier in facts.history
            )

        results, _, passed = self.selector.solve(ctx, env, other_provider)
        who = "another provider" if self.other else "an earlier claim"
        detail = f"{lines_text(passed)} billed by {who} that day" if passed else f"not billed by {who} that day"
        ctx.note(self.text, bool(results), detail)
        return results
