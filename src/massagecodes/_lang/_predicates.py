"""Compiled predicates: small frozen objects that evaluate a claim.

A condition is solved, not just tested: code terms *bind* claim lines to slots, so
that ``97124 AND 97140 SAME region`` can ask about the two lines it found, and so
that an action can name the line to deny. ``solve(ctx, env)`` yields every
environment (a tuple of bound line indexes, one slot per code term) under which
the predicate holds. Each predicate is also a plain callable: ``pred(claim)`` is
True when some binding exists.

Nothing here keeps state between calls: a predicate is immutable and safe to share
between threads and to pickle.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Literal

import attrs

from massagecodes._codes import DEFAULT_CATALOG
from massagecodes._model import Claim
from massagecodes.units import CMS, UnitMethod, supported_units

Env = tuple[int | None, ...]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# --------------------------------------------------------------------------- #
# What a predicate sees: the claim's facts, computed once per evaluation.        #
# --------------------------------------------------------------------------- #


class Facts:
    """Per-evaluation facts about one claim (and the patient's history).

    The codes and the units are computed at once (every evaluation needs them); each
    line's date, minutes, region and side on first use (a rule may need none of them).
    """

    __slots__ = (
        "_catalog",
        "_dates",
        "_days",
        "_history_units",
        "_lines_cache",
        "_method",
        "_minutes",
        "_regions",
        "_sides",
        "by_code",
        "claim",
        "codes",
        "history",
        "units",
    )

    def __init__(self, claim: Claim, history: Sequence[Claim], method: UnitMethod, catalog: Any) -> None:
        self.claim = claim
        self.history = history if type(history) is tuple else tuple(history)
        lines = claim.lines
        self.codes = codes = tuple([line.code for line in lines])
        by_code: dict[str, Any] = {}
        for index, code in enumerate(codes):
            found = by_code.get(code)
            if found is None:
                by_code[code] = (index,)
            else:
                by_code[code] = (*found, index)
        self.by_code: dict[str, tuple[int, ...]] = by_code
        self.units = _line_units(claim, method, catalog)
        self._lines_cache: dict[frozenset[str], tuple[int, ...]] = {}
        self._method = method
        self._catalog = catalog
        self._history_units: tuple[tuple[int | None, ...], ...] | None = None
        self._dates: tuple[datetime.date, ...] | None = None
        self._days: tuple[datetime.date, datetime.date, frozenset[datetime.date]] | None = None
        self._minutes: tuple[int | None, ...] | None = None
        self._regions: tuple[str | None, ...] | None = None
        self._sides: tuple[str | None, ...] | None = None

    @property
    def dates(self) -> tuple[datetime.date, ...]:
        """Each line's date of service: its own date, else the claim's."""
        dates = self._dates
        if dates is None:
            day = self.claim.date_of_service
            dates = self._dates = tuple([day if line.date is None else line.date for line in self.claim.lines])
        return dates

    @property
    def days(self) -> tuple[datetime.date, datetime.date, frozenset[datetime.date]]:
        """The earliest and the latest of the claim's dates (its date of service and its
        lines' dates), and all of them."""
        days = self._days
        if days is None:
            every = frozenset((self.claim.date_of_service, *self.dates))
            days = self._days = (min(every), max(every), every)
        return days

    @property
    def minutes(self) -> tuple[int | None, ...]:
        minutes = self._minutes
        if minutes is None:
            minutes = self._minutes = tuple([line.minutes for line in self.claim.lines])
        return minutes

    @property
    def regions(self) -> tuple[str | None, ...]:
        regions = self._regions
        if regions is None:
            regions = self._regions = tuple(
                [line.region.name if line.region is not None else None for line in self.claim.lines]
            )
        return regions

    @property
    def sides(self) -> tuple[str | None, ...]:
        sides = self._sides
        if sides is None:
            sides = self._sides = tuple(
                [
                    line.region.side.value if line.region is not None and line.region.side is not None else None
                    for line in self.claim.lines
                ]
            )
        return sides

    def measured(self, measure: str) -> Sequence[object]:
        """Each line's value of a measure: minutes, units, date or region."""
        if measure == "minutes":
            return self.minutes
        if measure == "units":
            return self.units
        if measure == "date":
            return self.dates
        return self.regions

    @property
    def history_units(self) -> tuple[tuple[int | None, ...], ...]:
        """Per history claim, each line's units as for this claim (billed, else from minutes)."""
        if self._history_units is None:
            self._history_units = tuple(_line_units(earlier, self._method, self._catalog) for earlier in self.history)
        return self._history_units

    def lines_with(self, codes: frozenset[str]) -> tuple[int, ...]:
        """The indexes of the lines whose code is in ``codes``, in claim order."""
        found = self._lines_cache.get(codes)
        if found is None:
            if len(codes) == 1:
                (code,) = codes
                found = self.by_code.get(code, ())
            else:
                found = tuple(sorted(index for code in codes for index in self.by_code.get(code, ())))
            self._lines_cache[codes] = found
        return found


def _line_units(claim: Claim, method: UnitMethod, catalog: Any) -> tuple[int | None, ...]:
    """Billed units where a line has them, else the units its minutes support.

    Lines of codes the catalog does not know keep their billed units (None
    without them): unknown codes are reported by the engine, not guessed at.
    """
    units = tuple([line.units for line in claim.lines])
    if None not in units:
        return units
    if all(line.units is not None or line.minutes is None for line in claim.lines):
        return units
    supported = supported_units(claim, method=method, catalog=catalog)
    return tuple(line.units if line.units is not None else supported[index] for index, line in enumerate(claim.lines))


@attrs.define
class TraceStep:
    """One predicate evaluated while explaining: what it was, whether it held, on what."""

    depth: int
    text: str
    held: bool | None  # None: a note, not a test
    detail: str


class Context:
    """The state of one evaluation: facts, the action's target lines, and the trace."""

    __slots__ = ("depth", "facts", "missing", "targets", "trace")

    def __init__(self, facts: Facts, *, trace: list[TraceStep] | None = None) -> None:
        self.facts = facts
        self.targets: tuple[int, ...] = ()
        self.trace = trace
        self.depth = 0
        # SAME/DIFFERENT comparisons that lacked a value: (what, the lines without it).
        self.missing: list[tuple[str, tuple[int, ...]]] = []

    def note(self, text: str, held: bool | None, detail: str) -> None:
        if self.trace is not None:
            self.trace.append(TraceStep(self.depth, text, held, detail))


def _lines_text(indexes: Iterable[int]) -> str:
    listed = sorted(set(indexes))
    if not listed:
        return "no line"
    return ("line " if len(listed) == 1 else "lines ") + ", ".join(str(i) for i in listed)


# --------------------------------------------------------------------------- #
# The predicates.                                                                #
# --------------------------------------------------------------------------- #


def _max_slot(item: object) -> int:
    """The highest slot a predicate tree binds or reads (-1 if none)."""
    highest = -1
    kind = type(item)
    if attrs.has(kind):
        for field in attrs.fields(kind):
            value = getattr(item, field.name)
            if field.name == "slot" and isinstance(value, int):
                highest = max(highest, value)
            elif field.name == "slots" and isinstance(value, tuple):
                highest = max([highest, *value])
            elif isinstance(value, tuple):
                highest = max([highest, *(_max_slot(child) for child in value)])
            elif attrs.has(type(value)):
                highest = max(highest, _max_slot(value))
    return highest


class Predicate:
    """Base of compiled predicates: ``solve`` yields environments; calling tests a claim."""

    __slots__ = ()
    slots_used: ClassVar[int] = 0

    text: str

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, claim: Claim, history: Sequence[Claim] = ()) -> bool:
        """True when the predicate holds for ``claim`` (under CMS units)."""
        ctx = Context(Facts(claim, history, CMS, DEFAULT_CATALOG))
        return next(iter(self.solve(ctx, (None,) * (_max_slot(self) + 1))), None) is not None


@attrs.frozen
class CodeTermPred(Predicate):
    """A claim line with one of ``codes``; binds it to ``slot`` (a line binds once)."""

    slot: int
    codes: frozenset[str]
    text: str = attrs.field(eq=False)
    after: int | None = None  # an earlier term for the same codes: bind a later line than its
    # Under NOT: the slots of the negated part. Only lines bound there are excluded,
    # not those bound outside the NOT, so NOT 97124 means no 97124 line at all.
    own: tuple[int, int] | None = None

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        codes = self.codes
        lines = ctx.facts.by_code.get(next(iter(codes)), ()) if len(codes) == 1 else ctx.facts.lines_with(codes)
        if not lines:
            if ctx.trace is not None:
                ctx.note(self.text, False, "no line with this code")
            return ()
        floor = env[self.after] if self.after is not None else None
        slot = self.slot
        before, after = env[:slot], env[slot + 1 :]
        taken = env if self.own is None else env[self.own[0] : self.own[1]]
        found = [(*before, index, *after) for index in lines if index not in taken and (floor is None or index > floor)]
        if ctx.trace is not None:
            for bound in found:
                index = bound[slot]
                assert index is not None
                ctx.note(self.text, True, f"{_lines_text([index])} ({ctx.facts.codes[index]})")
            if not found:
                ctx.note(self.text, False, "no line with this code that is not already matched")
        return found


@attrs.frozen
class Relation:
    """SAME or DIFFERENT region/date/side across the lines bound in ``slots``."""

    same: bool
    aspect: Literal["region", "date", "side"]
    slots: tuple[int, ...]
    text: str = attrs.field(eq=False)

    def holds(self, ctx: Context, env: Env) -> bool:
        facts = ctx.facts
        table: Sequence[object] = (
            facts.regions if self.aspect == "region" else facts.dates if self.aspect == "date" else facts.sides
        )
        slots = self.slots
        if len(slots) == 2:  # the common case: a pair of lines
            first, second = env[slots[0]], env[slots[1]]
            bound = [index for index in (first, second) if index is not None]
        else:
            bound = [index for slot in slots if (index := env[slot]) is not None]
        values = [table[index] for index in bound]
        if len(values) < 2 or None in values:
            held = False  # a missing region is never "the same" as another, nor different
            if len(values) >= 2:  # and the rule may not be decided: the caller is told
                lacking = tuple(index for index, value in zip(bound, values, strict=True) if value is None)
                ctx.missing.append((f"{'SAME' if self.same else 'DIFFERENT'} {self.aspect}", lacking))
        elif self.same:
            held = len(set(values)) == 1
        else:
            held = len(set(values)) == len(values)
        if ctx.trace is not None:
            shown = ", ".join("none" if value is None else str(value) for value in values)
            ctx.note(self.text, held, f"{self.aspect} of {_lines_text(bound)}: {shown}")
        return held


@attrs.frozen
class AllOf(Predicate):
    """Every item holds under one binding, and then every relation."""

    items: tuple[Predicate, ...]
    relations: tuple[Relation, ...] = ()
    text: str = attrs.field(default="", eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        # A join over the items, kept on an explicit stack: a chain of thousands of
        # terms must not use thousands of Python frames.
        items = self.items
        relations = self.relations
        if len(items) == 2:  # the common case (a pair of codes), without the stack
            first, second = items
            for bound in first.solve(ctx, env):
                for both in second.solve(ctx, bound):
                    if not relations or (
                        relations[0].holds(ctx, both)
                        if len(relations) == 1
                        else all(r.holds(ctx, both) for r in relations)
                    ):
                        yield both
            return
        if not items:
            if all(relation.holds(ctx, env) for relation in relations):
                yield env
            return
        stack = [iter(items[0].solve(ctx, env))]
        while stack:
            step: Env | None = next(stack[-1], None)
            if step is None:
                stack.pop()
            elif len(stack) == len(items):
                if all(relation.holds(ctx, step) for relation in relations):
                    yield step
            else:
                stack.append(iter(items[len(stack)].solve(ctx, step)))


@attrs.frozen
class AnyOf(Predicate):
    """One of the items holds (each may bind differently)."""

    items: tuple[Predicate, ...]
    text: str = attrs.field(default="", eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        for item in self.items:
            yield from item.solve(ctx, env)


_CLAIM_WIDE = (
    "FieldPred",
    "DiagnosisPred",
    "BillablePred",
    "PresentPred",
    "DocumentedPred",
    "VisitsPred",
    "ChargesPred",
    "TotalPred",
    "ConstPred",
)


def independent(item: Predicate) -> bool:
    """True for a predicate that neither binds nor reads bound lines (it looks at the
    claim as a whole), so it can be tried before the code terms of an AND."""
    if type(item).__name__ in _CLAIM_WIDE:
        return True
    if isinstance(item, MeasurePred | ModifierPred):
        return item.selector is None or item.selector.mode == "any"
    return False


def cheap_first(items: Sequence[Predicate]) -> tuple[Predicate, ...]:
    """The items of an AND with the claim-wide tests first: a rule that cannot hold
    fails before any line is bound. Meaning is unchanged (they do not use bindings)."""
    return (*(item for item in items if independent(item)), *(item for item in items if not independent(item)))


def all_of(*items: Predicate, relations: Sequence[Relation] = (), text: str = "") -> Predicate:
    """AND of predicates, flattening nested ANDs that carry no relations of their own."""
    flat: list[Predicate] = []
    for item in items:
        if isinstance(item, AllOf) and not item.relations:
            flat.extend(item.items)
        else:
            flat.append(item)
    if len(flat) == 1 and not relations:
        return flat[0]
    return AllOf(tuple(flat), tuple(relations), text)


def any_of(*items: Predicate, text: str = "") -> Predicate:
    """OR of predicates, flattening nested ORs."""
    flat: list[Predicate] = []
    for item in items:
        flat.extend(item.items if isinstance(item, AnyOf) else (item,))
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat), text)


@attrs.frozen
class Negation(Predicate):
    """NOT: holds when the item has no binding. Its code terms look at every line
    (NOT 97124: no 97124 line at all); its line pieces (``modifier 59 on 97124``)
    still refer to the lines bound before it."""

    item: Predicate
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        ctx.depth += 1
        try:
            held = next(iter(self.item.solve(ctx, env)), None) is None
        finally:
            ctx.depth -= 1
        ctx.note(self.text, held, "")
        return [env] if held else []


@attrs.frozen
class LineSelector:
    """Which lines a line predicate looks at.

    ``code``: the lines bound to ``slots`` whose code is in ``codes``; if none is
    bound, every claim line with one of ``codes``, each of which is then bound to
    ``bind`` (when set) as the predicate holds for it. ``either``/``both``: every
    bound line. ``target``: the action's target lines. ``any``: every claim line.
    """

    mode: Literal["code", "either", "both", "target", "any"]
    codes: frozenset[str] = frozenset()
    slots: tuple[int, ...] = ()
    bind: int | None = None

    def lines(self, ctx: Context, env: Env) -> tuple[tuple[int, ...], bool]:
        """The lines to look at, and whether each is a candidate to bind (True) or
        all are given (False)."""
        if self.mode == "code":
            bound = tuple(
                index
                for slot in self.slots
                if (index := env[slot]) is not None and ctx.facts.codes[index] in self.codes
            )
            if bound:
                return bound, False
            candidates = tuple(index for index in ctx.facts.lines_with(self.codes) if index not in env)
            return candidates, self.bind is not None
        if self.mode in ("either", "both"):
            return tuple(index for index in env if index is not None), False
        if self.mode == "target":
            return ctx.targets, False
        return tuple(range(len(ctx.facts.codes))), False

    @property
    def needs_all(self) -> bool:
        return self.mode in ("both", "target")

    def solve(
        self, ctx: Context, env: Env, test: Callable[[int], bool]
    ) -> tuple[list[Env], tuple[int, ...], list[int]]:
        """Apply ``test`` to the selected lines: the environments under which the
        predicate holds, the lines looked at, and the lines that passed."""
        lines, binding = self.lines(ctx, env)
        passed = [index for index in lines if test(index)]
        if binding:
            assert self.bind is not None
            return [(*env[: self.bind], index, *env[self.bind + 1 :]) for index in passed], lines, passed
        held = bool(lines) and (len(passed) == len(lines) if self.needs_all else bool(passed))
        return ([env] if held else []), lines, passed


@attrs.frozen
class ModifierPred(Predicate):
    """One of ``modifiers`` is on the selected line (on every one, for both/target)."""

    modifiers: frozenset[str]
    selector: LineSelector
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        claim_lines = ctx.facts.claim.lines
        if self.selector.mode == "target" and ctx.trace is None:
            # The common `unless modifier ...`: every target line carries one of them.
            modifiers = self.modifiers
            targets = ctx.targets
            held = bool(targets) and all(not modifiers.isdisjoint(claim_lines[index].modifiers) for index in targets)
            return [env] if held else []
        results, lines, _ = self.selector.solve(
            ctx, env, lambda i: bool(self.modifiers.intersection(claim_lines[i].modifiers))
        )
        if ctx.trace is not None:
            shown = (
                "; ".join(f"line {i}: {', '.join(claim_lines[i].modifiers) or 'no modifier'}" for i in lines)
                or "no line"
            )
            ctx.note(self.text, bool(results), shown)
        return results


@attrs.frozen
class FieldPred(Predicate):
    """A payer or provider field compared with values (``is``: one of them)."""

    subject: Literal["payer", "provider"]
    field: str
    op: str
    values: tuple[str, ...]
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        owner = ctx.facts.claim.payer if self.subject == "payer" else ctx.facts.claim.provider
        raw = getattr(owner, self.field)
        actual = None if raw is None else str(getattr(raw, "value", raw))
        if self.field == "name" and actual is not None:
            found = actual.casefold() in {value.casefold() for value in self.values}
        else:
            found = actual in self.values
        held = found if self.op in ("is", "=") else not found
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{self.subject} {self.field} is {actual if actual is not None else 'not given'}")
        return [env] if held else []


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
class DiagnosisPred(Predicate):
    patterns: tuple[DxPattern, ...]
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        diagnoses = ctx.facts.claim.diagnoses
        held = any(pattern.matches(code) for code in diagnoses for pattern in self.patterns)
        # Diagnoses are health information: the trace says how many, never which.
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{len(diagnoses)} diagnoses on the claim")
        return [env] if held else []


@attrs.frozen
class BillablePred(Predicate):
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
class PresentPred(Predicate):
    what: Literal["referral", "authorization"]
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        held = getattr(ctx.facts.claim, self.what) is not None
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{self.what} {'given' if held else 'not given'}")
        return [env] if held else []


@attrs.frozen
class DocumentedPred(Predicate):
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
class MeasurePred(Predicate):
    """``minutes|units|date|region [of CODE]`` compared: holds when a selected line's value does."""

    measure: Literal["minutes", "units", "date", "region"]
    selector: LineSelector | None  # None: the claim's date of service (``date`` only)
    op: str
    values: tuple[object, ...]
    text: str = attrs.field(eq=False)

    def _value(self, ctx: Context, index: int) -> object:
        return ctx.facts.measured(self.measure)[index]

    def _compare(self, actual: object) -> bool:
        if actual is None:
            return False
        if self.op in ("is", "is not"):
            found = actual in self.values
            return found if self.op == "is" else not found
        return _OPS[self.op](actual, self.values[0])

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        if self.selector is None:
            day = ctx.facts.claim.date_of_service
            held = self._compare(day)
            if ctx.trace is not None:
                ctx.note(self.text, held, f"date of service {day}")
            return [env] if held else []
        results, lines, _ = self.selector.solve(ctx, env, lambda i: self._compare(self._value(ctx, i)))
        if ctx.trace is not None:
            shown = "; ".join(
                f"line {i}: {self._value(ctx, i) if self._value(ctx, i) is not None else 'none'}" for i in lines
            )
            ctx.note(self.text, bool(results), shown or "no line")
        return results


@attrs.frozen
class TotalPred(Predicate):
    """``total minutes|units`` of one date of service, this claim's lines and the
    patient's other claims (history) on that date, compared (any date that holds)."""

    measure: Literal["minutes", "units"]
    op: str
    value: int
    text: str = attrs.field(eq=False)
    codes: frozenset[str] | None = None  # ``total units of GROUP``: only these codes count

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        table = facts.minutes if self.measure == "minutes" else facts.units
        codes = self.codes
        totals: dict[datetime.date, int] = {}
        line_codes = facts.codes
        for index, (day, amount) in enumerate(zip(facts.dates, table, strict=True)):
            if codes is None or line_codes[index] in codes:
                totals[day] = totals.get(day, 0) + (amount or 0)
        # The patient's other claims on the same dates count too ("per patient per day").
        if facts.history:
            for earlier, earlier_units in zip(facts.history, facts.history_units, strict=True):
                for index, line in enumerate(earlier.lines):
                    day = earlier.line_date(index)
                    if day in totals and (codes is None or line.code in codes):
                        amount = line.minutes if self.measure == "minutes" else earlier_units[index]
                        totals[day] += amount or 0
        compare, value = _OPS[self.op], self.value
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
class DayUnitsPred(Predicate):
    """The units of ``code`` on one date of service exceed ``limit``; binds those lines."""

    code: str
    limit: int
    slot: int
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        by_day: dict[datetime.date, list[int]] = {}
        for index in facts.by_code.get(self.code, ()):
            by_day.setdefault(facts.dates[index], []).append(index)
        over = []
        for day, indexes in sorted(by_day.items()):
            total = sum(facts.units[index] or 0 for index in indexes)
            if total > self.limit:
                over.extend(indexes)
            if ctx.trace is not None:
                ctx.note(self.text, total > self.limit, f"{day}: {total} units")
        return [(*env[: self.slot], index, *env[self.slot + 1 :]) for index in over]


@attrs.frozen
class VisitsPred(Predicate):
    """Visits (distinct dates of service, this claim included): this calendar year
    (``year``), ever (``all``), or whole months since the first one (``months``)."""

    op: str
    value: int
    text: str = attrs.field(eq=False)
    scope: Literal["year", "all", "months"] = "year"

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        day = facts.claim.date_of_service
        days = _visit_days(facts)
        if self.scope == "year":
            count = sum(1 for visit in days if visit.year == day.year)
            detail = f"{count} visits in {day.year}"
        elif self.scope == "all":
            count = len(days)
            detail = f"{count} visits"
        else:
            count = _months_between(min(days), day)
            detail = f"{count} whole months since {min(days)}"
        held = _OPS[self.op](count, self.value)
        ctx.note(self.text, held, detail)
        return [env] if held else []


@attrs.frozen
class ChargesPred(Predicate):
    """The patient's charges in the claim's calendar year (this claim and the history)."""

    op: str
    value: Decimal
    text: str = attrs.field(eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        facts = ctx.facts
        year = facts.claim.date_of_service.year
        total = Decimal(0)
        for claim in (facts.claim, *facts.history):
            for index, line in enumerate(claim.lines):
                if line.charge is not None and claim.line_date(index).year == year:
                    total += line.charge
        held = _OPS[self.op](total, self.value)
        if ctx.trace is not None:
            ctx.note(self.text, held, f"{total} charged in {year}")
        return [env] if held else []


@attrs.frozen
class ConstPred(Predicate):
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
        detail = f"{_lines_text(passed)} billed by {who} that day" if passed else f"not billed by {who} that day"
        ctx.note(self.text, bool(results), detail)
        return results
