"""Fast plans: each rule gets, on first use, an evaluator specialised to its shape.

A plan gives exactly what :func:`._reference.apply` gives when nothing is traced.
Its shape is read from what the predicates say of themselves (their fast forms,
see :mod:`._predicate`) and from the rule's action: the lines the condition binds
pass through the action's steps (see :mod:`._actions`). Rules of other shapes,
and every explanation, use the reference solver. ``tests/test_fast_evaluation.py``
proves the plans equal to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from massagecodes._engine._actions import FindingKey, Lacking, NotExcused, Steps, findings, gate, on_codes, steps
from massagecodes._engine._facts import Context, Env
from massagecodes._engine._line_predicates import ModifierPred
from massagecodes._engine._predicate import EnvSource, LineSource
from massagecodes._engine._reference import apply, in_effect
from massagecodes._engine._results import Finding
from massagecodes._engine._rules import CompiledRule

Plan = Callable[[Context], "Finding | None"]


def plan_of(rule: CompiledRule) -> Plan:
    """The rule's evaluator: specialised when its shape allows, else the reference."""
    general: Plan = functools.partial(apply, rule)
    requirement = rule.requirement
    kind = None if requirement is None else requirement.kind
    required: frozenset[str] = frozenset()
    if requirement is not None:
        if kind == "modifier":
            on_targets = requirement.on_targets
            if on_targets is None:
                return general
            required = on_targets
        elif kind not in ("authorization", "referral") or requirement.per_line:
            return general  # a requirement checked line by line (a dated referral) runs the reference
    excusing: frozenset[str] | None = None
    if rule.unless is not None:
        # `unless modifier X` (of the target lines) is the one exception with a plan.
        excusing = rule.unless.on_targets if isinstance(rule.unless, ModifierPred) else None
        if excusing is None:
            return general
    if rule.skip is not None:
        return general
    target, effective = rule.target, rule.effective
    # The common target: the line bound to one slot, when its code is one of the target's.
    slot = target.slots[0] if not target.claim and not target.last and len(target.slots) == 1 else None
    finding_for = findings(rule)
    core = _line_plan(rule, slot, kind, required, excusing, finding_for)
    if (
        core is None
        and target.claim
        and rule.into is None
        and excusing is None
        and kind in (None, "authorization", "referral")
    ):
        core = _claim_plan(rule, kind, finding_for)
    if core is None:
        core = _env_plan(rule, slot, kind, required, excusing, finding_for)
    if effective is None:
        return core
    start, end = effective

    def run(ctx: Context) -> Finding | None:
        first, last, days = ctx.facts.days
        if last < start or (end is not None and first > end):
            return None  # no date in range
        if not (start <= first and (end is None or last <= end)):
            in_range = sum(1 for day in days if in_effect(rule, day))
            if in_range == 0:
                return None
            if in_range < len(days):  # some lines in range, some not: the general way
                return apply(rule, ctx)
        return core(ctx)

    return run


FindingFor = Callable[[FindingKey], Finding]


def _line_plan(
    rule: CompiledRule,
    slot: int | None,
    kind: str | None,
    required: frozenset[str],
    excusing: frozenset[str] | None,
    finding_for: FindingFor,
) -> Plan | None:
    """One slot, its line the target (or the claim), no BUNDLE: the bound lines (in
    claim order, each once) through the action's steps."""
    if rule.into is not None or rule.slots != 1 or (slot != 0 and not rule.target.claim):
        return None
    source = rule.condition.line_source()
    if source is None:
        return None
    excused = NotExcused(excusing) if excusing is not None else None
    if rule.target.claim:
        if kind not in (None, "authorization", "referral"):
            return None
        return _claim_lines_plan(source, steps(gate(kind), excused), finding_for)
    codes = on_codes(rule.target.codes, rule.condition.codes_bound(0))
    chain = steps(codes, Lacking(required), excused) if kind == "modifier" else steps(gate(kind), codes, excused)

    keep = chain.keeper()

    def bound_lines(ctx: Context) -> Finding | None:
        lines = source(ctx)
        if not lines:
            return None
        chosen = tuple(lines) if keep is None else keep(ctx, lines)
        return finding_for((chosen, False, ())) if chosen else None

    bound_lines.steps = chain  # type: ignore[attr-defined]  # what the plan does, for a reader
    return bound_lines


def _claim_lines_plan(source: LineSource, chain: Steps, finding_for: FindingFor) -> Plan:
    """One slot, the action on the claim (``REQUIRE authorization``, ``DENY claim``):
    the bound lines (those the steps keep), at claim level."""

    keep = chain.keeper()

    def claim_lines(ctx: Context) -> Finding | None:
        lines = source(ctx)
        if not lines:
            return None
        kept = tuple(lines) if keep is None else keep(ctx, lines)
        return finding_for((kept, True, ())) if kept else None

    claim_lines.steps = chain  # type: ignore[attr-defined]
    return claim_lines


def _claim_plan(rule: CompiledRule, kind: str | None, finding_for: FindingFor) -> Plan | None:
    """Tests of the claim only, the action on the claim: one finding, when they hold."""
    items = rule.condition.claim_tests()
    if items is None:
        return None
    start: Env = (None,) * rule.slots
    tests = [item.claim_test(start) for item in items]
    absent = gate(kind)
    key: FindingKey = ((), True, ())

    def claim_tests(ctx: Context) -> Finding | None:
        for test in tests:
            if not test(ctx):
                return None
        if absent is not None and not absent.holds(ctx):
            return None
        return finding_for(key)

    return claim_tests


def _env_plan(
    rule: CompiledRule,
    slot: int | None,
    kind: str | None,
    required: frozenset[str],
    excusing: frozenset[str] | None,
    finding_for: FindingFor,
) -> Plan:
    """Any other shape: the environments of its condition (specialised or solved),
    then the action on each."""
    source: EnvSource = rule.condition.env_source(rule.slots)
    target, into = rule.target, rule.into
    whole_claim = target.claim
    target_codes = target.codes

    if slot is not None and not whole_claim and kind in (None, "modifier") and (kind is None or excusing is None):
        # The usual pair: the line bound to one slot, through the steps (BUNDLE: and
        # the lines it folds into, from the environments of the lines kept).
        chain = steps(
            on_codes(target_codes, rule.condition.codes_bound(slot)),
            Lacking(required) if kind == "modifier" else NotExcused(excusing) if excusing is not None else None,
        )

        keep = chain.keeper()

        def slot_lines(ctx: Context) -> Finding | None:
            envs = source(ctx)
            if not envs:
                return None
            if into is None:
                bound_lines = set()
                for env in envs:
                    bound = env[slot]
                    if bound is not None:
                        bound_lines.add(bound)
                ordered = sorted(bound_lines)
                found = tuple(ordered) if keep is None else keep(ctx, ordered)
                return finding_for((found, False, ())) if found else None
            by_line: dict[int, list[Env]] = {}
            for env in envs:
                bound = env[slot]
                if bound is not None:
                    by_line.setdefault(bound, []).append(env)
            found = tuple(sorted(by_line)) if keep is None else keep(ctx, sorted(by_line))
            if not found:
                return None
            related: set[int] = set()
            facts = ctx.facts
            for index in found:
                for env in by_line[index]:
                    related.update(into.lines(facts, env))
            return finding_for((found, False, tuple(sorted(related.difference(found))) if related else ()))

        slot_lines.steps = chain  # type: ignore[attr-defined]
        return slot_lines

    def run(ctx: Context) -> Finding | None:
        envs = source(ctx)
        if not envs:  # the usual way a rule does not apply: no match at all
            return None
        facts = ctx.facts
        lines: set[int] = set()
        related: set[int] = set()
        claim_level = False
        matched = False
        claim = facts.claim
        claim_lines = claim.lines
        codes = facts.codes
        for env in envs:
            if whole_claim:
                targets = tuple(sorted({index for index in env if index is not None}))
            elif slot is not None:
                bound = env[slot]
                if bound is None or codes[bound] not in target_codes:
                    continue
                targets = (bound,)
            else:
                targets = target.lines(facts, env)
                if not targets:
                    continue
            scope = targets if targets or not whole_claim else tuple(range(len(codes)))
            line_finding = False
            if kind is not None:
                if kind == "modifier":
                    lacking = tuple(index for index in scope if required.isdisjoint(claim_lines[index].modifiers))
                    if not lacking:
                        continue
                    targets = lacking
                    line_finding = True
                elif getattr(claim, kind) is not None:  # authorization, referral: given
                    continue
            if excusing is not None:
                excused_lines = targets if line_finding else scope
                if excused_lines and all(
                    not excusing.isdisjoint(claim_lines[index].modifiers) for index in excused_lines
                ):
                    continue
            matched = True
            claim_level = claim_level or (whole_claim and not line_finding)
            lines.update(targets)
            if into is not None:
                related.update(into.lines(facts, env))
        if not matched:
            return None
        return finding_for((tuple(sorted(lines)), claim_level, tuple(sorted(related - lines)) if related else ()))

    return run
