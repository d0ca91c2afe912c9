"""The general solver: what a rule says of a claim, by its definition.

:func:`apply` solves the rule's condition, finds the target lines of each match,
checks the requirement and the exceptions, and gives one finding (or None). It is
the reference meaning of a rule: explanations trace it, rules of shapes without a
fast plan run it, and the tests hold every fast plan equal to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from massagecodes._engine._facts import Context
from massagecodes._engine._results import Finding, lines_named
from massagecodes._engine._rules import CompiledRule


def in_effect(rule: CompiledRule, day: datetime.date) -> bool:
    if rule.effective is None:
        return True
    start, end = rule.effective
    return start <= day and (end is None or day <= end)


def undecided_reason(missing: Sequence[tuple[str, tuple[int, ...]]]) -> str:
    """``SAME region: line 1 has no region`` for the comparisons that lacked a value."""
    by_test: dict[str, set[int]] = {}
    for test, lacking in missing:
        by_test.setdefault(test, set()).update(lacking)
    parts = []
    for test, indexes in by_test.items():
        listed = sorted(indexes)
        which = ("line " if len(listed) == 1 else "lines ") + ", ".join(str(index) for index in listed)
        has = "has" if len(listed) == 1 else "have"
        parts.append(f"{test}: {which} {has} no {test.split()[1]}")
    return "; ".join(parts)


def apply(rule: CompiledRule, ctx: Context) -> Finding | None:
    """Solve one rule on the claim: one finding with every line it names, or None."""
    facts = ctx.facts
    if rule.skip is not None:
        ctx.note("skipped", None, rule.skip)
        return None
    # A rule with effective dates applies to the lines dated in its range: the claim's
    # date of service when the match binds no line, else every bound line's date.
    out_of_range: frozenset[datetime.date] = frozenset()
    if rule.effective is not None:
        days = {facts.claim.date_of_service, *facts.dates}
        out_of_range = frozenset(day for day in days if not in_effect(rule, day))
        if out_of_range == days:
            if ctx.trace is not None:
                start, end = rule.effective
                shown = ", ".join(str(day) for day in sorted(days))
                ctx.note(f"effective {start} to {end or 'open'}", False, f"dates of service {shown}")
            return None
    lines: set[int] = set()
    related: set[int] = set()
    claim_level = False
    matched = False
    tracing = ctx.trace is not None
    target = rule.target
    for env in rule.condition.solve(ctx, (None,) * rule.slots):
        if out_of_range:
            bound_days = {facts.dates[index] for index in env if index is not None}
            if not (
                bound_days.isdisjoint(out_of_range) if bound_days else facts.claim.date_of_service not in out_of_range
            ):
                if tracing:
                    ctx.note("effective", False, "a matched line is dated outside the rule's effective dates")
                continue
        if target.claim:
            targets = tuple(sorted({index for index in env if index is not None}))
        else:
            targets = target.lines(facts, env)
            if not targets:
                continue
        # A claim-level action whose condition binds no line looks at every line
        # (for REQUIRE modifier and unless modifier): "the claim's lines".
        scope = targets if targets or not target.claim else tuple(range(len(facts.codes)))
        line_finding = False
        if rule.requirement is not None:
            ctx.targets = scope
            bound = tuple(sorted({index for index in env if index is not None}))
            missing = rule.requirement.missing(ctx, env, bound)
            if ctx.trace is not None:
                lacking = (
                    "missing" if not missing or not rule.requirement.per_line else f"missing on {lines_named(missing)}"
                )
                ctx.note(f"REQUIRE {rule.requirement.text}", missing is None, "present" if missing is None else lacking)
            if missing is None:
                continue
            if rule.requirement.per_line:
                targets = missing
                line_finding = True  # the lines that lack it
        if rule.unless is not None:
            ctx.targets = targets if line_finding else scope
            ctx.depth += 1
            if tracing:
                ctx.note("unless", None, f"exceptions for {lines_named(targets) if targets else 'the claim'}")
            excused = next(iter(rule.unless.solve(ctx, env)), None) is not None
            ctx.depth -= 1
            if excused:
                if tracing:
                    ctx.note("unless", None, "an exception applies: no finding for this match")
                continue
        matched = True
        claim_level = claim_level or (rule.target.claim and not line_finding)
        lines.update(targets)
        if rule.into is not None:
            related.update(rule.into.lines(facts, env))
    if not matched:
        return None
    return Finding(
        rule_id=rule.id,
        action=rule.action,
        lines=tuple(sorted(lines)),
        claim_level=claim_level,
        message=rule.finding_message,
        fix=rule.fix,
        carc=rule.carc,
        rarc=rule.rarc,
        citation=rule.citation,
        severity=rule.severity,
        source=rule.source,
        line=rule.line,
        column=rule.column,
        related_lines=tuple(sorted(related - lines)),
    )
