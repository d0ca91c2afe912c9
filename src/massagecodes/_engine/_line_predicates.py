"""Predicates that bind or read claim lines, and the combinators that join them.

Code terms bind lines to slots; relations compare bound lines (SAME/DIFFERENT
region, date, side); AND joins items under one binding, OR tries each, NOT holds
when its item has no binding; modifier and measure tests look at selected lines.
Each class says which fast forms it has (see :mod:`._predicate`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Literal

import attrs

from massagecodes._engine._facts import Context, Env, lines_text
from massagecodes._engine._predicate import (
    OPS,
    ClaimTest,
    EnvSource,
    LineSelector,
    LineSource,
    LineTest,
    Predicate,
    tests_source,
)


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
                ctx.note(self.text, True, f"{lines_text([index])} ({ctx.facts.codes[index]})")
            if not found:
                ctx.note(self.text, False, "no line with this code that is not already matched")
        return found

    def codes_bound(self, slot: int) -> frozenset[str] | None:
        return self.codes if slot == self.slot and self.own is None else None

    def plain(self, slot: int) -> bool:
        """Binds ``slot``, not under NOT, not ordered after another term."""
        return self.slot == slot and self.after is None and self.own is None

    def line_source(self) -> LineSource | None:
        if not self.plain(0):
            return None
        codes = self.codes
        if len(codes) == 1:
            (code,) = codes

            def one_code(ctx: Context) -> Sequence[int]:
                return ctx.facts.by_code.get(code, ())

            return one_code

        def term(ctx: Context) -> Sequence[int]:
            return ctx.facts.lines_with(codes)

        return term

    def env_source(self, slots: int) -> EnvSource:
        if slots != 1 or not self.plain(0):
            return super().env_source(slots)
        codes = self.codes

        def single(ctx: Context) -> list[Env]:
            return [(index,) for index in ctx.facts.lines_with(codes)]

        return single


@attrs.frozen
class Relation:
    """SAME or DIFFERENT region/date/side across the lines bound in ``slots``."""

    same: bool
    aspect: Literal["region", "date", "side"]
    slots: tuple[int, ...]
    text: str = attrs.field(eq=False)

    @property
    def name(self) -> str:
        return f"{'SAME' if self.same else 'DIFFERENT'} {self.aspect}"

    def values(self, ctx: Context) -> Sequence[object]:
        """Each line's value of the aspect."""
        facts, aspect = ctx.facts, self.aspect
        return facts.regions if aspect == "region" else facts.dates if aspect == "date" else facts.sides

    def holds(self, ctx: Context, env: Env) -> bool:
        table = self.values(ctx)
        bound = [index for slot in self.slots if (index := env[slot]) is not None]
        values = [table[index] for index in bound]
        if len(values) < 2 or None in values:
            held = False  # a missing region is never "the same" as another, nor different
            if len(values) >= 2:  # and the rule may not be decided: the caller is told
                lacking = tuple(index for index, value in zip(bound, values, strict=True) if value is None)
                ctx.missing.append((self.name, lacking))
        elif self.same:
            held = len(set(values)) == 1
        else:
            held = len(set(values)) == len(values)
        if ctx.trace is not None:
            shown = ", ".join("none" if value is None else str(value) for value in values)
            ctx.note(self.text, held, f"{self.aspect} of {lines_text(bound)}: {shown}")
        return held

    def pair_source(self, codes_a: frozenset[str], codes_b: frozenset[str], ordered: bool) -> EnvSource:
        """``A AND B`` with this relation of slots 0 and 1: the pairs (i, j) of distinct
        lines of A's and B's codes (j later than i when ``ordered``) whose values
        relate, A's lines in order, then B's; what :meth:`holds` says of each pair,
        with the same missing values, in the same order."""
        same, name, aspect = self.same, self.name, self.aspect

        def related(ctx: Context) -> list[Env]:
            facts = ctx.facts
            first = facts.lines_with(codes_a)
            if not first:
                return []
            second = facts.lines_with(codes_b)
            table = facts.regions if aspect == "region" else facts.dates if aspect == "date" else facts.sides
            found: list[Env] = []
            for i in first:
                value_i = table[i]
                for j in second:
                    if j == i or (ordered and j <= i):
                        continue
                    value_j = table[j]
                    if value_i is None or value_j is None:
                        lacking = tuple(index for index, value in ((i, value_i), (j, value_j)) if value is None)
                        ctx.missing.append((name, lacking))
                    elif (value_i == value_j) is same:
                        found.append((i, j))
            return found

        return related


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

    def codes_bound(self, slot: int) -> frozenset[str] | None:
        # A slot is bound by one item of an AND: the first that knows it.
        return next((codes for item in self.items if (codes := item.codes_bound(slot)) is not None), None)

    def claim_tests(self) -> Sequence[Predicate] | None:
        if not self.relations and self.items and all(item.is_test for item in self.items):
            return self.items
        return None

    def _lone_term(self) -> int | None:
        """For an AND of tests around one plain code term of slot 0 (no relations):
        the term's place among the items; None for other shapes."""
        if self.relations:
            return None
        terms = [index for index, item in enumerate(self.items) if not item.is_test]
        if len(terms) == 1:
            term = self.items[terms[0]]
            if isinstance(term, CodeTermPred) and term.plain(0):
                return terms[0]
        return None

    def _pair(self) -> tuple[CodeTermPred, CodeTermPred, Relation | None] | None:
        """``A AND B [SAME|DIFFERENT aspect]`` over slots 0 and 1; None for other shapes."""
        items, relations = self.items, self.relations
        if len(items) != 2:
            return None
        first, second = items
        if (
            isinstance(first, CodeTermPred)
            and first.plain(0)
            and isinstance(second, CodeTermPred)
            and second.slot == 1
            and second.after in (None, 0)
            and second.own is None
            and (not relations or (len(relations) == 1 and relations[0].slots == (0, 1)))
        ):
            return first, second, relations[0] if relations else None
        return None

    def env_source(self, slots: int) -> EnvSource:
        if self.claim_tests() is not None:
            return tests_source(self.items, slots)
        pair = self._pair() if slots == 2 else None
        if pair is not None:
            return _pair_source(*pair)
        position = self._lone_term() if slots == 1 else None
        if position is None:
            return super().env_source(slots)
        items = self.items
        before, after = items[:position], items[position + 1 :]
        codes = items[position].codes  # type: ignore[attr-defined]
        start: Env = (None,)

        def filtered(ctx: Context) -> list[Env]:
            for item in before:
                if not item.solve(ctx, start):
                    return []
            lines = ctx.facts.lines_with(codes)
            if not after:
                return [(index,) for index in lines]
            found: list[Env] = []
            for index in lines:
                env = (index,)
                for item in after:
                    if not item.solve(ctx, env):
                        break
                else:
                    found.append(env)
            return found

        return filtered

    def line_source(self) -> LineSource | None:
        position = self._lone_term()
        if position is None:
            return None
        items = self.items
        start: Env = (None,)
        before = [item.claim_test(start) for item in items[:position]]
        term_codes = items[position].codes  # type: ignore[attr-defined]
        after = items[position + 1 :]
        # Tests of the claim without effects, after the code term: tried once (the same
        # for every line), when the term has lines; the others on each line, in order.
        hoisted: list[ClaimTest] = []
        while after and after[0].pure:
            hoisted.append(after[0].claim_test(start))
            after = after[1:]
        per_line = [item.line_test() for item in after]

        def tested(ctx: Context) -> Sequence[int]:
            for test in before:
                if not test(ctx):
                    return ()
            lines = ctx.facts.lines_with(term_codes)
            if not lines:
                return ()
            for test in hoisted:
                if not test(ctx):
                    return ()
            if not per_line:
                return lines
            return [index for index in lines if all(line_test(ctx, index) for line_test in per_line)]

        return tested


def _pair_source(first: CodeTermPred, second: CodeTermPred, relation: Relation | None) -> EnvSource:
    """``A AND B [SAME|DIFFERENT aspect]``: the pairs of distinct lines, A's lines in
    order, then B's (a later line only, when B is ordered after A)."""
    codes_a, codes_b, ordered = first.codes, second.codes, second.after is not None
    if relation is not None:
        return relation.pair_source(codes_a, codes_b, ordered)

    def pairs(ctx: Context) -> list[Env]:
        facts = ctx.facts
        lines_a = facts.lines_with(codes_a)
        if not lines_a:
            return []
        lines_b = facts.lines_with(codes_b)
        return [(i, j) for i in lines_a for j in lines_b if j != i and (not ordered or j > i)]

    return pairs


@attrs.frozen
class AnyOf(Predicate):
    """One of the items holds (each may bind differently)."""

    items: tuple[Predicate, ...]
    text: str = attrs.field(default="", eq=False)

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        for item in self.items:
            yield from item.solve(ctx, env)


def cheap_first(items: Sequence[Predicate]) -> tuple[Predicate, ...]:
    """The items of an AND with the claim-wide tests first: a rule that cannot hold
    fails before any line is bound. Meaning is unchanged (they do not use bindings)."""
    return (*(item for item in items if item.claim_wide), *(item for item in items if not item.claim_wide))


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

    @property
    def is_test(self) -> bool:
        return True

    @property
    def pure(self) -> bool:
        return self.item.pure

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        ctx.depth += 1
        try:
            held = next(iter(self.item.solve(ctx, env)), None) is None
        finally:
            ctx.depth -= 1
        ctx.note(self.text, held, "")
        return [env] if held else []

    def claim_test(self, start: Env) -> ClaimTest:
        if not self.item.is_test:
            return super().claim_test(start)
        inner = self.item.claim_test(start)  # a test gives [env] or []: NOT is its negation

        def negated(ctx: Context) -> bool:
            return not inner(ctx)

        return negated


@attrs.frozen
class ModifierPred(Predicate):
    """One of ``modifiers`` is on the selected line (on every one, for both/target)."""

    modifiers: frozenset[str]
    selector: LineSelector
    text: str = attrs.field(eq=False)

    @property
    def is_test(self) -> bool:
        return self.selector.tests_only

    @property
    def claim_wide(self) -> bool:
        return self.selector.claim_wide

    @property
    def on_targets(self) -> frozenset[str] | None:
        """The modifiers, when this is ``modifier X`` of the action's target lines
        (``unless modifier 59``); None for other selections."""
        return self.modifiers if self.selector.mode == "target" else None

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
class MeasurePred(Predicate):
    """``minutes|units|date|region [of CODE]`` compared: holds when a selected line's value does."""

    measure: Literal["minutes", "units", "date", "region"]
    selector: LineSelector | None  # None: the claim's date of service (``date`` only)
    op: str
    values: tuple[object, ...]
    text: str = attrs.field(eq=False)
    # The comparison, decided once from ``op`` and ``values``: membership (is, is not)
    # or an operator against the first value.
    _member: bool | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_member", (self.op == "is") if self.op in ("is", "is not") else None)

    @property
    def is_test(self) -> bool:
        return self.selector is None or self.selector.tests_only

    @property
    def claim_wide(self) -> bool:
        return self.selector is None or self.selector.claim_wide

    def compare(self, actual: object) -> bool:
        """Whether one value holds (a missing value never does)."""
        if actual is None:
            return False
        member = self._member
        if member is not None:
            return (actual in self.values) is member
        return OPS[self.op](actual, self.values[0])

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:
        if self.selector is None:
            day = ctx.facts.claim.date_of_service
            held = self.compare(day)
            if ctx.trace is not None:
                ctx.note(self.text, held, f"date of service {day}")
            return [env] if held else []
        table = ctx.facts.measured(self.measure)
        results, lines, _ = self.selector.solve(ctx, env, lambda i: self.compare(table[i]))
        if ctx.trace is not None:
            shown = "; ".join(f"line {i}: {table[i] if table[i] is not None else 'none'}" for i in lines)
            ctx.note(self.text, bool(results), shown or "no line")
        return results

    def codes_bound(self, slot: int) -> frozenset[str] | None:
        selector = self.selector
        return selector.codes if selector is not None and selector.mode == "code" and selector.bind == slot else None

    def _of_code(self, bind: int | None, slots: tuple[int, ...] | None = None) -> frozenset[str] | None:
        """The codes of ``measure of CODE``, selected with ``bind`` (and ``slots``);
        None for other selections."""
        selector = self.selector
        if (
            selector is None
            or selector.mode != "code"
            or selector.bind != bind
            or (slots is not None and selector.slots != slots)
            or not self.values
            or not (self.op in OPS or self.op in ("is", "is not"))
        ):
            return None
        return selector.codes

    def line_source(self) -> LineSource | None:
        """Alone, binding its code's lines to slot 0: each line of the codes whose
        value holds, in claim order."""
        codes = self._of_code(0)
        if codes is None:
            return None
        kind, compare = self.measure, self.compare

        def measured_lines(ctx: Context) -> list[int]:
            table = ctx.facts.measured(kind)
            return [index for index in ctx.facts.lines_with(codes) if compare(table[index])]

        return measured_lines

    def env_source(self, slots: int) -> EnvSource:
        lines = self.line_source() if slots == 1 else None
        if lines is None:
            return super().env_source(slots)
        source = lines

        def measured(ctx: Context) -> list[Env]:
            return [(index,) for index in source(ctx)]

        return measured

    def line_test(self) -> LineTest:
        """After a code term of slot 0: the bound line when it has one of the codes,
        else any other line of the codes."""
        codes = self._of_code(None, (0,))
        if codes is None:
            return super().line_test()
        kind, compare = self.measure, self.compare

        def measure_test(ctx: Context, index: int) -> bool:
            facts = ctx.facts
            table = facts.measured(kind)
            if facts.codes[index] in codes:  # the bound line is one of the measure's codes
                return compare(table[index])
            return any(compare(table[other]) for other in facts.lines_with(codes) if other != index)

        return measure_test


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
