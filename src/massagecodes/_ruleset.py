"""Rulesets: compile ``.rules`` text, evaluate claims, report and explain findings."""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import attrs

from massagecodes._codes import CodeCatalog, CodeInfo
from massagecodes._lang import _predicates as p
from massagecodes._lang._ast import Document, Extends, ImportDecl, ParamDecl, TestBlock, Word
from massagecodes._lang._compile import CompiledRule, Param, compile_document
from massagecodes._lang._parse import MAX_SOURCE_BYTES, parse, source_lines
from massagecodes._lang._printer import format_document, format_text
from massagecodes._lang._tables import PtpTable, Table, load_mue, load_ptp
from massagecodes._model import Claim
from massagecodes._regions import RegionVocabulary
from massagecodes._text import describe
from massagecodes.errors import (
    Diagnostic,
    InputError,
    Problem,
    RulesetNotFoundError,
    RulesetResolutionError,
    RulesSemanticError,
    RulesSyntaxError,
)
from massagecodes.units import UnitMethod

Outcome = Literal["pay", "partial", "hold", "deny"]
LineOutcome = Literal["payable", "denied", "bundled"]

_TRACE_STEPS_PER_RULE = 60


@attrs.frozen
class Finding:
    """What one rule says about a claim.

    ``lines`` are 0-based indexes into the claim's lines (the denied, bundled or
    flagged lines); ``claim_level`` is True when the action is on the whole claim;
    ``related_lines`` are the lines a BUNDLE folds the others into. ``source``,
    ``line`` and ``column`` locate the rule in its ``.rules`` text.
    """

    rule_id: str
    action: Literal["DENY", "BUNDLE", "REQUIRE", "WARN"]
    lines: tuple[int, ...]
    claim_level: bool
    message: str
    fix: str | None
    carc: str | None
    rarc: str | None
    citation: str | None
    severity: str
    source: str
    line: int
    column: int
    related_lines: tuple[int, ...] = ()

    @property
    def location(self) -> str:
        """``file:line`` of the rule."""
        return f"{self.source}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "action": self.action,
            "lines": list(self.lines),
            "claim_level": self.claim_level,
            "related_lines": list(self.related_lines),
            "carc": self.carc,
            "rarc": self.rarc,
            "message": self.message,
            "fix": self.fix,
            "citation": self.citation,
            "severity": self.severity,
            "rule_source": self.location,
        }


@attrs.frozen
class Result:
    """The findings of one evaluation, the units per line, and the outcome."""

    ruleset_name: str
    ruleset_version: str | None
    ruleset_hash: str
    findings: tuple[Finding, ...]
    units: tuple[int | None, ...]
    outcome: Outcome
    line_outcomes: tuple[LineOutcome, ...]
    skipped: tuple[tuple[str, str], ...]
    _ruleset: Ruleset = attrs.field(alias="ruleset", eq=False, repr=False)
    _claim: Claim = attrs.field(alias="claim", eq=False, repr=False)
    _history: tuple[Claim, ...] = attrs.field(alias="history", eq=False, repr=False)
    # Rules that did not hold only because a SAME/DIFFERENT region or side had no
    # value to compare (lines without a region): (rule id, why). Not a pass: a
    # question the claim does not answer.
    undecided: tuple[tuple[str, str], ...] = ()

    def explain(self) -> str:
        """Which rules applied, which predicates held or failed, on what values."""
        return self._ruleset._explain(self._claim, self._history, self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ruleset, outcome, per-line outcomes and units, findings. No claim data."""
        return {
            "ruleset": {"name": self.ruleset_name, "version": self.ruleset_version, "hash": self.ruleset_hash},
            "outcome": self.outcome,
            "line_outcomes": list(self.line_outcomes),
            "units": list(self.units),
            "findings": [finding.to_dict() for finding in self.findings],
            "skipped_rules": [{"rule_id": rule_id, "reason": reason} for rule_id, reason in self.skipped],
            "undecided_rules": [{"rule_id": rule_id, "reason": reason} for rule_id, reason in self.undecided],
        }


_MEMO_LIMIT = 4096  # sets of claim codes remembered per ruleset (then forgotten at once)
_FINDINGS_PER_RULE = 64  # findings remembered per rule evaluator (then forgotten at once)


class _Memo(dict[Any, Any]):
    """A ruleset's cache: filled on demand, shared by threads (each entry is written
    whole, and two threads computing the same entry compute the same value), and
    pickled empty (it may hold closures; it is rebuilt after unpickling)."""

    def __reduce__(self) -> tuple[type[_Memo], tuple[()]]:
        return (_Memo, ())


def _index(
    rules: tuple[CompiledRule, ...],
) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...], dict[int, tuple[frozenset[str], ...]]]:
    """Rules by the codes that trigger them, the rules always tried, and the further
    code sets some rules require (most require only their trigger)."""
    by_code: dict[str, list[int]] = {}
    always: list[int] = []
    extra = {
        position: more
        for position, rule in enumerate(rules)
        if (more := tuple(r for r in rule.requires if r != rule.triggers))
    }
    for position, rule in enumerate(rules):
        if rule.triggers is None:
            always.append(position)
        else:
            for code in rule.triggers:
                by_code.setdefault(code, []).append(position)
    return {code: tuple(positions) for code, positions in by_code.items()}, tuple(always), extra


@attrs.frozen
class Ruleset:
    """Compiled rules: immutable, thread-safe, picklable. Build with :func:`compile_rules`."""

    name: str
    version: str | None
    language: int
    title: str | None
    effective: tuple[datetime.date, datetime.date | None] | None
    citation: str | None
    unit_method: UnitMethod
    hash: str
    catalog: CodeCatalog = attrs.field(repr=False)
    regions: RegionVocabulary = attrs.field(repr=False)
    rules: tuple[CompiledRule, ...] = attrs.field(repr=False)
    tests: tuple[TestBlock, ...] = attrs.field(repr=False)
    source: str
    declared_codes: tuple[CodeInfo, ...] = attrs.field(default=(), repr=False)
    groups: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), repr=False)
    params: tuple[Param, ...] = attrs.field(default=(), repr=False)
    bases: tuple[tuple[str, str | None, str], ...] = attrs.field(default=(), repr=False)
    tables: tuple[Table, ...] = attrs.field(default=(), repr=False)
    _by_code: dict[str, tuple[int, ...]] = attrs.field(init=False, eq=False, repr=False)
    _always: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)
    _skipped: tuple[tuple[str, str], ...] = attrs.field(init=False, eq=False, repr=False)
    _extra: dict[int, tuple[frozenset[str], ...]] = attrs.field(init=False, eq=False, repr=False)
    # Computed on first use and never pickled (see _Memo): the candidates of each set
    # of claim codes, and each rule's evaluator.
    _candidate_memo: _Memo = attrs.field(init=False, eq=False, repr=False)
    _plans: _Memo = attrs.field(init=False, eq=False, repr=False)
    # Per set of claim codes: the evaluator and the id of each candidate rule, in order.
    _check_memo: _Memo = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_candidate_memo", _Memo())
        object.__setattr__(self, "_plans", _Memo())
        object.__setattr__(self, "_check_memo", _Memo())
        by_code, always, extra = _index(self.rules)
        object.__setattr__(self, "_extra", extra)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_always", always)
        object.__setattr__(
            self, "_skipped", tuple((rule.id, rule.skip) for rule in self.rules if rule.skip is not None)
        )

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    @property
    def settings(self) -> dict[str, object]:
        """Parameter values by name (None while a parameter is unset)."""
        return {param.name: param.value for param in self.params}

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """Rules that cannot run, with the reason (an unset parameter)."""
        return self._skipped

    def run_tests(self) -> tuple[RuleTestOutcome, ...]:
        """Run the ``test`` blocks written beside the rules, in order."""
        return tuple(_run_test(self, test) for test in self.tests)

    def _candidates(self, facts: p.Facts) -> tuple[int, ...]:
        """The rules the claim can trigger, in order: indexed by code, then every code
        set the rule requires must meet the claim's codes. Remembered per set of codes."""
        key = frozenset(facts.by_code)
        memo = self._candidate_memo
        found: tuple[int, ...] | None = memo.get(key)
        if found is None:
            found = self._find_candidates(key)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found

    def _checks(self, facts: p.Facts) -> tuple[tuple[Plan, str], ...]:
        """The evaluator and the id of each candidate rule (see _candidates), in order.
        Remembered per set of codes, like the candidates."""
        key = frozenset(facts.by_code)
        memo = self._check_memo
        found: tuple[tuple[Plan, str], ...] | None = memo.get(key)
        if found is None:
            rules, plans = self.rules, self._plans
            checks = []
            for position in self._candidates(facts):
                plan = plans.get(position)
                if plan is None:
                    plan = plans[position] = _plan(rules[position])
                checks.append((plan, rules[position].id))
            found = tuple(checks)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found

    def _find_candidates(self, codes: frozenset[str]) -> tuple[int, ...]:
        positions = set(self._always)
        for code in codes:
            positions.update(self._by_code.get(code, ()))
        extra = self._extra
        if extra:
            for position in [position for position in positions if position in extra]:
                for required in extra[position]:
                    if required.isdisjoint(codes):
                        positions.discard(position)
                        break
        return tuple(sorted(positions))

    def _check_inputs(self, claim: object, history: object) -> tuple[Claim, tuple[Claim, ...]]:
        problems = []
        if not isinstance(claim, Claim):
            raise InputError(
                [Problem("claim", f"expected a Claim, got {describe(claim, sensitive=True)}")], what="argument"
            )
        if (type(history) is not tuple and type(history) is not list) and (
            isinstance(history, str | bytes) or not isinstance(history, Sequence)
        ):
            raise InputError(
                [Problem("history", f"expected a sequence of Claims, got {describe(history, sensitive=True)}")],
                what="argument",
            )
        earlier = history if type(history) is tuple else tuple(history)
        for index, item in enumerate(earlier):
            if not isinstance(item, Claim):
                problems.append(Problem(f"history[{index}]", f"expected a Claim, got {describe(item, sensitive=True)}"))
            elif item.patient.id != claim.patient.id:
                problems.append(
                    Problem(
                        f"history[{index}].patient.id",
                        "expected the same patient as the claim (history is one patient's earlier claims)",
                    )
                )
        if self.effective is not None:
            start, end = self.effective
            # The messages are built only when a date is out of range (the usual claim is not).
            days = [claim.date_of_service, *(line.date for line in claim.lines if line.date is not None)]
            if start <= min(days) and (end is None or max(days) <= end):
                dated: list[tuple[str, datetime.date]] = []
            else:
                dated = [("$.date_of_service", claim.date_of_service)]
                dated += [
                    (f"$.lines[{i}].date", line.date) for i, line in enumerate(claim.lines) if line.date is not None
                ]
            span = ""
            for path, day in dated:
                if day < start or (end is not None and day > end):
                    span = span or f"from {start}" + (f" to {end}" if end is not None else "")
                    problems.append(
                        Problem(
                            path,
                            f"{day} is outside the effective dates of ruleset {self.name} {self.version or ''}".rstrip()
                            + f" ({span})",
                        )
                    )
        if not problems and earlier:
            last = max(claim.line_date(i) for i in range(len(claim.lines)))
            for index, item in enumerate(earlier):
                later = [j for j in range(len(item.lines)) if item.line_date(j) > last]
                if later:
                    problems.append(
                        Problem(
                            f"history[{index}].lines[{later[0]}]",
                            "dated after every line of the claim (history is the patient's earlier claims"
                            " and those of the same dates)",
                        )
                    )
        if problems:
            raise InputError(problems, what="evaluation input")
        return claim, earlier

    def evaluate(self, claim: Claim, *, history: Sequence[Claim] = ()) -> Result:
        """Apply every rule to ``claim``; ``history`` is the patient's earlier claims.

        Every matching rule reports (not first match wins), in the order the rules
        are written. Raises :class:`~massagecodes.errors.InputError` for a claim
        outside the ruleset's effective dates or a history of another patient.
        """
        claim, earlier = self._check_inputs(claim, history)
        facts = p.Facts(claim, earlier, self.unit_method, self.catalog)
        ctx = p.Context(facts)
        findings = []
        undecided: list[tuple[str, str]] = []
        missing = ctx.missing
        seen = 0  # len(missing) before each rule
        for plan, rule_id in self._checks(facts):
            finding = plan(ctx)
            if finding is not None:
                findings.append(finding)
                if missing:
                    seen = len(missing)
            elif missing and len(missing) > seen:  # it did not hold, but only for want of a value
                undecided.append((rule_id, _undecided_reason(missing[seen:])))
                seen = len(missing)
        for table in self.tables:
            for rule in table.rules_for(facts, self.source):
                finding = _apply(rule, ctx)
                if finding is not None:
                    findings.append(finding)
        return self._result(claim, earlier, facts, tuple(findings), tuple(undecided))

    def _result(
        self,
        claim: Claim,
        history: tuple[Claim, ...],
        facts: p.Facts,
        findings: tuple[Finding, ...],
        undecided: tuple[tuple[str, str], ...] = (),
    ) -> Result:
        count = len(claim.lines)
        line_outcomes: list[LineOutcome] = ["payable"] * count
        claim_denied = False
        held = False
        for finding in findings:
            action = finding.action
            if action == "DENY":
                if finding.claim_level:
                    claim_denied = True
                else:
                    for index in finding.lines:
                        line_outcomes[index] = "denied"
            elif action == "BUNDLE":
                for index in finding.lines:
                    if line_outcomes[index] != "denied":
                        line_outcomes[index] = "bundled"
            elif action == "REQUIRE":
                held = True
        if claim_denied:
            line_outcomes = ["denied"] * count
        payable = line_outcomes.count("payable")
        outcome: Outcome
        if claim_denied or payable == 0:
            outcome = "deny"
        elif held:
            outcome = "hold"
        elif payable < count:
            outcome = "partial"
        else:
            outcome = "pay"
        # Positional (cheaper than keywords): the order of Result's fields.
        return Result(
            self.name,
            self.version,
            self.hash,
            findings,
            facts.units,
            outcome,
            tuple(line_outcomes),
            self._skipped,
            self,
            claim,
            history,
            undecided,
        )

    def _explain(self, claim: Claim, history: tuple[Claim, ...], result: Result) -> str:
        facts = p.Facts(claim, history, self.unit_method, self.catalog)
        candidates = set(self._candidates(facts))
        version = f" {self.version}" if self.version else ""
        lines = [
            f"ruleset {self.name}{version}: {len(self.rules)} rules, units by {self.unit_method.name}",
            f"claim: {len(claim.lines)} lines ({', '.join(facts.codes)}), date of service {claim.date_of_service}",
            f"outcome: {result.outcome} (lines: {', '.join(result.line_outcomes)})",
        ]
        for position, rule in enumerate(self.rules):
            head = f"rule {rule.id} ({rule.source}:{rule.line}): {rule.text}"
            if position not in candidates:
                present = facts.by_code.keys()
                lacking = next(
                    (needed for needed in (rule.triggers, *rule.requires) if needed and needed.isdisjoint(present)),
                    rule.triggers or frozenset(),
                )
                lines.append(f"{head}\n  not checked: the claim has none of {', '.join(sorted(lacking))}")
                continue
            trace: list[p.TraceStep] = []
            ctx = p.Context(facts, trace=trace)
            finding = _apply(rule, ctx)
            lines.append(head)
            for step in trace[:_TRACE_STEPS_PER_RULE]:
                mark = "" if step.held is None else "[held] " if step.held else "[failed] "
                detail = f": {step.detail}" if step.detail else ""
                lines.append(f"  {'  ' * step.depth}{mark}{step.text}{detail}")
            if len(trace) > _TRACE_STEPS_PER_RULE:
                lines.append(f"  ... {len(trace) - _TRACE_STEPS_PER_RULE} more steps")
            if finding is None and ctx.missing:
                lines.append(f"  => undecided: {_undecided_reason(ctx.missing)}")
            elif finding is None:
                lines.append("  => no finding")
            else:
                where = "the claim" if finding.claim_level else _lines(finding.lines)
                lines.append(f"  => {finding.action} {where}: {finding.message}")
        for table in self.tables:
            kind = "PTP" if isinstance(table, PtpTable) else "MUE"
            hits = list(table.rules_for(facts, self.source))
            lines.append(f"table {table.file} ({kind}, {table.count} edits): {len(hits)} apply to this claim's codes")
            for rule in hits:
                trace = []
                finding = _apply(rule, p.Context(facts, trace=trace))
                lines.append(f"  edit {rule.id}: {rule.text}")
                lines.extend(
                    f"    {'' if step.held is None else '[held] ' if step.held else '[failed] '}{step.text}: {step.detail}"
                    for step in trace
                )
                lines.append(
                    "    => no finding"
                    if finding is None
                    else f"    => {finding.action} {_lines(finding.lines)}: {finding.message}"
                )
        return "\n".join(lines)


@attrs.frozen
class RuleTestOutcome:
    """The result of one ``test`` block: passed, or the failures, and the evaluation."""

    name: str
    line: int
    passed: bool
    failures: tuple[str, ...]
    result: Result | None


def _run_test(ruleset: Ruleset, test: TestBlock) -> RuleTestOutcome:
    line = test.span.line
    try:
        assert test.claim is not None  # the compiler insists on a claim
        claim = Claim.from_dict(test.claim.value, regions=ruleset.regions)  # type: ignore[arg-type]
        raw_history: Any = test.history.value if test.history is not None else []
        history = [Claim.from_dict(item, regions=ruleset.regions) for item in raw_history]
        result = ruleset.evaluate(claim, history=history)
    except InputError as error:
        return RuleTestOutcome(
            test.name, line, False, tuple(f"cannot evaluate: {problem}" for problem in error.problems), None
        )
    failures: list[str] = []
    actual = {(f.action, f.rule_id): f for f in result.findings}
    wanted = [e for e in test.expectations if e.kind == "finding"]
    for expectation in wanted:
        assert expectation.rule is not None
        assert expectation.action is not None
        found = actual.get((expectation.action, expectation.rule.text))  # type: ignore[arg-type]
        lines = f" on {_lines(expectation.lines)}" if expectation.lines is not None else ""
        if found is None:
            failures.append(f"expected {expectation.action} {expectation.rule.text}{lines}; it did not fire")
        elif expectation.lines is not None and tuple(sorted(expectation.lines)) != found.lines:
            where = _lines(found.lines) if found.lines else "the claim"
            failures.append(f"expected {expectation.action} {expectation.rule.text}{lines}; it fired on {where}")
    if wanted:
        expected_keys = {(e.action, e.rule.text) for e in wanted if e.rule is not None}
        for key, finding in actual.items():
            if key not in expected_keys:
                failures.append(
                    f"unexpected {finding.action} {finding.rule_id} on {_lines(finding.lines) if finding.lines else 'the claim'}"
                )
    for expectation in test.expectations:
        if expectation.kind == "none" and result.findings:
            fired = ", ".join(f"{f.action} {f.rule_id}" for f in result.findings)
            failures.append(f"expected no findings; found {fired}")
        elif (
            expectation.kind == "outcome"
            and expectation.outcome is not None
            and expectation.outcome.text != result.outcome
        ):
            failures.append(f"expected outcome {expectation.outcome.text}; the outcome is {result.outcome}")
    return RuleTestOutcome(test.name, line, not failures, tuple(failures), result)


def _lines(indexes: Sequence[int]) -> str:
    return ("line " if len(indexes) == 1 else "lines ") + ", ".join(str(i) for i in indexes)


def _in_effect(rule: CompiledRule, day: datetime.date) -> bool:
    if rule.effective is None:
        return True
    start, end = rule.effective
    return start <= day and (end is None or day <= end)


def _undecided_reason(missing: Sequence[tuple[str, tuple[int, ...]]]) -> str:
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


def _apply(rule: CompiledRule, ctx: p.Context) -> Finding | None:
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
        out_of_range = frozenset(day for day in days if not _in_effect(rule, day))
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
                    "missing" if not missing or rule.requirement.kind != "modifier" else f"missing on {_lines(missing)}"
                )
                ctx.note(f"REQUIRE {rule.requirement.text}", missing is None, "present" if missing is None else lacking)
            if missing is None:
                continue
            if rule.requirement.kind == "modifier":
                targets = missing
                line_finding = True  # the lines that lack the modifier
        if rule.unless is not None:
            ctx.targets = targets if line_finding else scope
            ctx.depth += 1
            if tracing:
                ctx.note("unless", None, f"exceptions for {_lines(targets) if targets else 'the claim'}")
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
    message = rule.message or rule.title or f"{rule.action} by rule {rule.id}: {rule.text}"
    return Finding(
        rule_id=rule.id,
        action=rule.action,
        lines=tuple(sorted(lines)),
        claim_level=claim_level,
        message=message,
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


# --------------------------------------------------------------------------- #
# Fast evaluation: each rule gets, on first use, an evaluator specialised to its  #
# shape (how its condition binds lines, and the form of its action), that gives   #
# exactly what _apply gives when nothing is traced. Rules of other shapes, and     #
# every explanation, use _apply. tests/test_fast_evaluation.py proves them equal. #
# --------------------------------------------------------------------------- #

Plan = Callable[[p.Context], "Finding | None"]
EnvSource = Callable[[p.Context], "Iterable[p.Env]"]
LineSource = Callable[[p.Context], "Sequence[int]"]
ClaimTest = Callable[[p.Context], bool]
LineTest = Callable[[p.Context, int], bool]

# Predicates whose solve() gives [env] or [] (the environment it was given, unchanged):
# they test, they never bind.
_FILTERS = (
    p.FieldPred,
    p.DiagnosisPred,
    p.BillablePred,
    p.PresentPred,
    p.DocumentedPred,
    p.VisitsPred,
    p.ChargesPred,
    p.TotalPred,
    p.ConstPred,
    p.Negation,
)


def _is_filter(item: p.Predicate) -> bool:
    if type(item) in _FILTERS:
        return True
    if type(item) in (p.MeasurePred, p.ModifierPred, p.BilledByOtherPred):
        selector: p.LineSelector | None = getattr(item, "selector")  # noqa: B009 - the three have one
        return selector is None or (selector.bind is None and selector.mode != "target")
    return False


def _plain_term(item: p.Predicate, slot: int) -> bool:
    """A code term binding ``slot``, not under NOT, not ordered after another term."""
    return type(item) is p.CodeTermPred and item.slot == slot and item.after is None and item.own is None


def _lone_measure_codes(rule: CompiledRule) -> frozenset[str] | None:
    """The codes of a rule whose whole condition is a measure of a code binding its one
    slot (``minutes of 97124 > 60``); None for other shapes."""
    condition = rule.condition
    if rule.slots != 1 or type(condition) is not p.MeasurePred:
        return None
    selector = condition.selector
    if (
        selector is not None
        and selector.mode == "code"
        and selector.bind == 0
        and condition.values
        and (condition.op in p._OPS or condition.op in ("is", "is not"))
    ):
        return selector.codes
    return None


def _claim_tests_only(condition: p.Predicate) -> Sequence[p.Predicate] | None:
    """The tests of a condition that only tests the claim (one test, or an AND of tests
    without relations); None for other shapes."""
    if _is_filter(condition):
        return (condition,)
    if (
        type(condition) is p.AllOf
        and not condition.relations
        and condition.items
        and all(_is_filter(item) for item in condition.items)
    ):
        return condition.items
    return None


def _filtered_term(rule: CompiledRule) -> int | None:
    """For a rule of one slot whose condition is an AND of tests around one plain code
    term (no relations): the term's place among the items; None for other shapes."""
    condition = rule.condition
    if rule.slots != 1 or type(condition) is not p.AllOf or condition.relations:
        return None
    terms = [index for index, item in enumerate(condition.items) if not _is_filter(item)]
    if len(terms) == 1 and _plain_term(condition.items[terms[0]], 0):
        return terms[0]
    return None


def _env_source(rule: CompiledRule) -> EnvSource:
    """The environments under which the rule's condition holds, in the order its
    solve() gives them, with the same effects on the context (missing values)."""
    condition = rule.condition
    if rule.slots == 1 and _plain_term(condition, 0):
        assert isinstance(condition, p.CodeTermPred)
        codes = condition.codes

        def single(ctx: p.Context) -> list[p.Env]:
            return [(index,) for index in ctx.facts.lines_with(codes)]

        return single
    measured = _lone_measure_codes(rule)
    if measured is not None:
        assert isinstance(condition, p.MeasurePred)
        return _measured_source(condition, measured)
    tests = _claim_tests_only(condition)
    if tests is not None:
        return _tests_source(tests, rule.slots)
    if type(condition) is p.AllOf:
        items, relations = condition.items, condition.relations
        if (
            rule.slots == 2
            and len(items) == 2
            and _plain_term(items[0], 0)
            and type(items[1]) is p.CodeTermPred
            and items[1].slot == 1
            and items[1].after in (None, 0)
            and items[1].own is None
            and (not relations or (len(relations) == 1 and relations[0].slots == (0, 1)))
        ):
            return _pair_source(items[0], items[1], relations[0] if relations else None)
        position = _filtered_term(rule)
        if position is not None:
            return _filtered_source(items[:position], items[position], items[position + 1 :])
    start = (None,) * rule.slots

    def general(ctx: p.Context) -> Iterable[p.Env]:
        return condition.solve(ctx, start)

    return general


def _pair_source(first: p.Predicate, second: p.Predicate, relation: p.Relation | None) -> EnvSource:
    """``A AND B [SAME|DIFFERENT aspect]``: the pairs of distinct lines, A's lines in
    order, then B's (a later line only, when A and B are the same codes)."""
    assert isinstance(first, p.CodeTermPred)
    assert isinstance(second, p.CodeTermPred)
    codes_a, codes_b, ordered = first.codes, second.codes, second.after is not None
    if relation is None:

        def pairs(ctx: p.Context) -> list[p.Env]:
            facts = ctx.facts
            lines_a = facts.lines_with(codes_a)
            if not lines_a:
                return []
            lines_b = facts.lines_with(codes_b)
            return [(i, j) for i in lines_a for j in lines_b if j != i and (not ordered or j > i)]

        return pairs
    aspect, same = relation.aspect, relation.same
    name = f"{'SAME' if same else 'DIFFERENT'} {aspect}"

    def related(ctx: p.Context) -> list[p.Env]:
        facts = ctx.facts
        lines_a = facts.lines_with(codes_a)
        if not lines_a:
            return []
        lines_b = facts.lines_with(codes_b)
        table: Sequence[object] = (
            facts.regions if aspect == "region" else facts.dates if aspect == "date" else facts.sides
        )
        found: list[p.Env] = []
        for i in lines_a:
            value_i = table[i]
            for j in lines_b:
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


def _tests_source(tests: Sequence[p.Predicate], slots: int) -> EnvSource:
    """Tests only (of the claim, binding no line): the start, when every test holds
    (tried in order, up to the first that fails)."""
    start: p.Env = (None,) * slots
    held = (start,)

    def tests_only(ctx: p.Context) -> tuple[p.Env, ...]:
        for item in tests:
            if not item.solve(ctx, start):
                return ()
        return held

    return tests_only


def _measured_lines(measure: p.MeasurePred, codes: frozenset[str]) -> LineSource:
    """``minutes|units|date|region of CODE`` compared, alone: each line of the codes
    whose value holds, in claim order (a line without the value does not hold)."""
    kind, op, values = measure.measure, measure.op, measure.values
    compare = p._OPS.get(op)
    wanted = values[0]
    member = op in ("is", "is not")
    expected = op == "is"

    def measured_lines(ctx: p.Context) -> list[int]:
        facts = ctx.facts
        table = facts.measured(kind)
        found: list[int] = []
        for index in facts.lines_with(codes):
            value = table[index]
            if value is None:
                continue
            if member:
                if (value in values) is expected:
                    found.append(index)
            elif compare is not None and compare(value, wanted):
                found.append(index)
        return found

    return measured_lines


def _measured_source(measure: p.MeasurePred, codes: frozenset[str]) -> EnvSource:
    """The lines of :func:`_measured_lines`, each bound."""
    lines = _measured_lines(measure, codes)

    def measured(ctx: p.Context) -> list[p.Env]:
        return [(index,) for index in lines(ctx)]

    return measured


def _filtered_source(before: Sequence[p.Predicate], term: p.Predicate, after: Sequence[p.Predicate]) -> EnvSource:
    """Tests of the claim (or of the bound line) around one code term: the tests
    before it once, the code term's lines, then the tests after it on each line."""
    assert isinstance(term, p.CodeTermPred)
    codes = term.codes
    start: p.Env = (None,)

    def filtered(ctx: p.Context) -> list[p.Env]:
        for item in before:
            if not item.solve(ctx, start):
                return []
        lines = ctx.facts.lines_with(codes)
        if not after:
            return [(index,) for index in lines]
        found: list[p.Env] = []
        for index in lines:
            env = (index,)
            for item in after:
                if not item.solve(ctx, env):
                    break
            else:
                found.append(env)
        return found

    return filtered


def _claim_test(item: p.Predicate, start: p.Env) -> ClaimTest:
    """A test of the claim (binding no line, reading none), as a plain function: the
    common ones written out, the others through their solve()."""
    kind = type(item)
    if kind is p.FieldPred:
        assert isinstance(item, p.FieldPred)
        payer, field, values, positive = item.subject == "payer", item.field, item.values, item.op in ("is", "=")
        folded = frozenset(value.casefold() for value in values) if field == "name" else None

        def field_test(ctx: p.Context) -> bool:
            claim = ctx.facts.claim
            raw = getattr(claim.payer if payer else claim.provider, field)
            actual = None if raw is None else str(getattr(raw, "value", raw))
            found = actual.casefold() in folded if folded is not None and actual is not None else actual in values
            return found if positive else not found

        return field_test
    if kind is p.DiagnosisPred or (kind is p.Negation and type(getattr(item, "item")) is p.DiagnosisPred):  # noqa: B009
        negated = kind is p.Negation
        diagnosis = getattr(item, "item") if negated else item  # noqa: B009
        assert isinstance(diagnosis, p.DiagnosisPred)
        patterns = diagnosis.patterns
        # DxPattern.matches on each code without its dot, the exact and prefix patterns at once.
        prefixes = tuple(pattern.first for pattern in patterns if pattern.kind == "prefix")
        exact = frozenset(pattern.first for pattern in patterns if pattern.kind == "exact")
        ranges = tuple(pattern for pattern in patterns if pattern.kind == "range")

        def diagnosis_test(ctx: p.Context) -> bool:
            held = False
            for code in ctx.facts.claim.diagnoses:
                bare = code.replace(".", "")
                if bare.startswith(prefixes) or bare in exact or any(pattern.matches(code) for pattern in ranges):
                    held = True
                    break
            return not held if negated else held

        return diagnosis_test

    def solved(ctx: p.Context) -> bool:
        return bool(item.solve(ctx, start))

    return solved


def _pure_claim_test(item: p.Predicate) -> bool:
    """A test of the claim that has no effect (no missing value, no error): it may be
    tried once for every line, and before the line tests."""
    kind = type(item)
    if kind is p.Negation:
        return type(getattr(item, "item")) in (p.DiagnosisPred, p.FieldPred, p.PresentPred)  # noqa: B009
    return kind in (p.FieldPred, p.DiagnosisPred, p.PresentPred)


def _line_test(item: p.Predicate) -> LineTest:
    """A filter after the code term, on its bound line (slot 0), as a function of the line."""
    if type(item) is p.MeasurePred:
        assert isinstance(item, p.MeasurePred)
        selector = item.selector
        if (
            selector is not None
            and selector.mode == "code"
            and selector.bind is None
            and selector.slots == (0,)
            and item.values
            and (item.op in p._OPS or item.op in ("is", "is not"))
        ):
            kind, op, values, codes = item.measure, item.op, item.values, selector.codes
            compare = p._OPS.get(op)
            wanted = values[0]
            member, expected = op in ("is", "is not"), op == "is"

            def holds(value: object) -> bool:
                if value is None:
                    return False
                if member:
                    return (value in values) is expected
                assert compare is not None
                return compare(value, wanted)

            def measure_test(ctx: p.Context, index: int) -> bool:
                facts = ctx.facts
                table = facts.measured(kind)
                if facts.codes[index] in codes:  # the bound line is one of the measure's codes
                    return holds(table[index])
                return any(holds(table[other]) for other in facts.lines_with(codes) if other != index)

            return measure_test

    def solved(ctx: p.Context, index: int) -> bool:
        return bool(item.solve(ctx, (index,)))

    return solved


def _line_source(rule: CompiledRule) -> LineSource | None:
    """For a rule of one slot whose condition is a code term, a lone measure of a code,
    or a code term among tests: the lines its condition binds, in claim order (each
    once), with the same effects as its solve(). None for other shapes."""
    condition = rule.condition
    if rule.slots != 1:
        return None
    if _plain_term(condition, 0):
        assert isinstance(condition, p.CodeTermPred)
        codes = condition.codes
        if len(codes) == 1:
            (code,) = codes

            def one_code(ctx: p.Context) -> Sequence[int]:
                return ctx.facts.by_code.get(code, ())

            return one_code

        def term(ctx: p.Context) -> Sequence[int]:
            return ctx.facts.lines_with(codes)

        return term
    measured = _lone_measure_codes(rule)
    if measured is not None:
        assert isinstance(condition, p.MeasurePred)
        return _measured_lines(condition, measured)
    position = _filtered_term(rule)
    if position is None:
        return None
    assert type(condition) is p.AllOf
    items = condition.items
    start: p.Env = (None,)
    before = [_claim_test(item, start) for item in items[:position]]
    term_codes = items[position].codes  # type: ignore[attr-defined]
    after = items[position + 1 :]
    # Tests of the claim without effects, after the code term: tried once (the same
    # for every line), when the term has lines; the others on each line, in order.
    hoisted = []
    while after and _pure_claim_test(after[0]):
        hoisted.append(_claim_test(after[0], start))
        after = after[1:]
    per_line = [_line_test(item) for item in after]

    def tested(ctx: p.Context) -> Sequence[int]:
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


def _plan(rule: CompiledRule) -> Plan:
    """The rule's evaluator: specialised when its shape allows, else _apply."""
    general: Plan = functools.partial(_apply, rule)
    requirement = rule.requirement
    kind = None if requirement is None else requirement.kind
    required: frozenset[str] = frozenset()
    if requirement is not None:
        if kind == "modifier":
            if requirement.selector is None or requirement.selector.mode != "target":
                return general
            required = requirement.modifiers
        elif kind not in ("authorization", "referral"):
            return general
    unless = rule.unless
    excusing: frozenset[str] | None = None
    if unless is not None:
        if type(unless) is not p.ModifierPred or unless.selector.mode != "target":
            return general
        excusing = unless.modifiers
    if rule.skip is not None:
        return general
    target, into, effective = rule.target, rule.into, rule.effective
    whole_claim = target.claim
    # The common target: the line bound to one slot, when its code is one of the target's.
    slot = target.slots[0] if not target.claim and not target.last and len(target.slots) == 1 else None
    message = rule.message or rule.title or f"{rule.action} by rule {rule.id}: {rule.text}"
    # Findings are immutable and depend only on the rule and on (lines, claim level,
    # related lines): each is made once and given again (a few per rule, then forgotten).
    rule_id, action, fix, carc, rarc, citation = rule.id, rule.action, rule.fix, rule.carc, rule.rarc, rule.citation
    severity, rule_source, rule_line, rule_column = rule.severity, rule.source, rule.line, rule.column
    made: dict[tuple[tuple[int, ...], bool, tuple[int, ...]], Finding] = {}

    def finding_for(key: tuple[tuple[int, ...], bool, tuple[int, ...]]) -> Finding:
        finding = made.get(key)
        if finding is None:
            finding = Finding(rule_id, action, key[0], key[1], message, fix, carc, rarc, citation, severity,
                              rule_source, rule_line, rule_column, key[2])  # fmt: skip
            if len(made) >= _FINDINGS_PER_RULE:
                made.clear()
            made[key] = finding
        return finding

    core = _line_plan(rule, slot, kind, required, excusing, finding_for)
    if (
        core is None
        and whole_claim
        and into is None
        and excusing is None
        and kind in (None, "authorization", "referral")
    ):
        core = _claim_plan(rule, kind, finding_for)
    if core is None:
        core = _env_plan(rule, slot, kind, required, excusing, finding_for)
    if effective is None:
        return core

    def run(ctx: p.Context) -> Finding | None:
        first, last, days = ctx.facts.days
        if last < effective[0] or (effective[1] is not None and first > effective[1]):
            return None  # no date in range
        if not (effective[0] <= first and (effective[1] is None or last <= effective[1])):
            in_effect = sum(1 for day in days if _in_effect(rule, day))
            if in_effect == 0:
                return None
            if in_effect < len(days):  # some lines in range, some not: the general way
                return _apply(rule, ctx)
        return core(ctx)

    return run


FindingFor = Callable[[tuple[tuple[int, ...], bool, tuple[int, ...]]], Finding]


def _line_plan(
    rule: CompiledRule,
    slot: int | None,
    kind: str | None,
    required: frozenset[str],
    excusing: frozenset[str] | None,
    finding_for: FindingFor,
) -> Plan | None:
    """One slot, its line the target, no BUNDLE: the bound lines (in claim order, each
    once) are the candidates; one evaluator per form of action."""
    if rule.into is not None or (slot != 0 and not rule.target.claim):
        return None
    source = _line_source(rule)
    if source is None:
        return None
    target_codes = rule.target.codes
    if rule.target.claim:
        if kind not in (None, "authorization", "referral"):
            return None
        return _claim_lines_plan(source, kind, excusing, finding_for)
    if kind is None and excusing is None:

        def lines_plain(ctx: p.Context) -> Finding | None:
            lines = source(ctx)
            if not lines:
                return None
            codes = ctx.facts.codes
            chosen = tuple([index for index in lines if codes[index] in target_codes])
            return finding_for((chosen, False, ())) if chosen else None

        return lines_plain
    if kind == "modifier":

        def lines_lacking(ctx: p.Context) -> Finding | None:
            lines = source(ctx)
            if not lines:
                return None
            facts = ctx.facts
            codes, claim_lines = facts.codes, facts.claim.lines
            chosen = tuple(
                [
                    index
                    for index in lines
                    if codes[index] in target_codes
                    and required.isdisjoint(claim_lines[index].modifiers)
                    and (excusing is None or excusing.isdisjoint(claim_lines[index].modifiers))
                ]
            )
            return finding_for((chosen, False, ())) if chosen else None

        return lines_lacking
    given = kind  # authorization, referral, or None (with an `unless modifier`)

    def lines_given(ctx: p.Context) -> Finding | None:
        lines = source(ctx)
        if not lines:
            return None
        facts = ctx.facts
        if given is not None and getattr(facts.claim, given) is not None:
            return None
        codes, claim_lines = facts.codes, facts.claim.lines
        chosen = tuple(
            [
                index
                for index in lines
                if codes[index] in target_codes
                and (excusing is None or excusing.isdisjoint(claim_lines[index].modifiers))
            ]
        )
        return finding_for((chosen, False, ())) if chosen else None

    return lines_given


def _claim_lines_plan(
    source: LineSource, kind: str | None, excusing: frozenset[str] | None, finding_for: FindingFor
) -> Plan:
    """One slot, the action on the claim (``REQUIRE authorization``, ``DENY claim``):
    the bound lines (those not excused by their own modifiers), at claim level."""

    def claim_lines(ctx: p.Context) -> Finding | None:
        lines = source(ctx)
        if not lines:
            return None
        claim = ctx.facts.claim
        if kind is not None and getattr(claim, kind) is not None:
            return None
        if excusing is not None:
            claim_lines = claim.lines
            lines = [index for index in lines if excusing.isdisjoint(claim_lines[index].modifiers)]
            if not lines:
                return None
        return finding_for((tuple(lines), True, ()))

    return claim_lines


def _claim_plan(rule: CompiledRule, kind: str | None, finding_for: FindingFor) -> Plan | None:
    """Tests of the claim only, the action on the claim: one finding, when they hold."""
    items = _claim_tests_only(rule.condition)
    if items is None:
        return None
    start: p.Env = (None,) * rule.slots
    tests = [_claim_test(item, start) for item in items]
    key: tuple[tuple[int, ...], bool, tuple[int, ...]] = ((), True, ())

    def claim_tests(ctx: p.Context) -> Finding | None:
        for test in tests:
            if not test(ctx):
                return None
        if kind is not None and getattr(ctx.facts.claim, kind) is not None:
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
    source = _env_source(rule)
    target, into = rule.target, rule.into
    whole_claim = target.claim
    target_codes = target.codes

    if slot is not None and not whole_claim and kind in (None, "modifier") and (kind is None or excusing is None):
        # The usual pair: the line bound to one slot, excused by its own modifiers
        # (BUNDLE: and the lines it folds into).
        lacking_only = kind == "modifier"

        def slot_lines(ctx: p.Context) -> Finding | None:
            envs = source(ctx)
            if not envs:
                return None
            facts = ctx.facts
            codes, claim_lines = facts.codes, facts.claim.lines
            found: set[int] = set()
            related: set[int] = set()
            for env in envs:
                bound = env[slot]
                if bound is None or codes[bound] not in target_codes:
                    continue
                if lacking_only:
                    if not required.isdisjoint(claim_lines[bound].modifiers):
                        continue
                elif excusing is not None and not excusing.isdisjoint(claim_lines[bound].modifiers):
                    continue
                found.add(bound)
                if into is not None:
                    related.update(into.lines(facts, env))
            if not found:
                return None
            return finding_for((tuple(sorted(found)), False, tuple(sorted(related - found)) if related else ()))

        return slot_lines

    def run(ctx: p.Context) -> Finding | None:
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


Resolver = Callable[[str, "str | None", "tuple[tuple[str, str | None], ...]", "Mapping[str, object]"], "Ruleset"]
"""Finds and compiles a base ruleset: (name, version constraint, chain so far, params) -> Ruleset."""


def compile_rules(
    text: str,
    *,
    source: str = "<rules>",
    params: Mapping[str, object] | None = None,
    resolver: Resolver | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> Ruleset:
    """Compile ``.rules`` text into a :class:`Ruleset`.

    ``params`` gives values to the ruleset's ``param`` settings; ``directory`` is
    where ``import``-ed tables are read from. A ruleset that
    ``extends`` another finds its base with ``resolver`` (by default, among the
    shipped rulesets and those of installed packages; see :func:`load_ruleset`).
    Raises :class:`~massagecodes.errors.RulesSyntaxError` or
    :class:`~massagecodes.errors.RulesSemanticError` listing every problem, each at
    ``source:line:column`` with the line and a caret.
    """
    if not isinstance(text, str):
        raise InputError([Problem("text", f"expected the rules as a str, got {describe(text)}")], what="argument")
    if not isinstance(source, str):
        raise InputError([Problem("source", f"expected a file name as a str, got {describe(source)}")], what="argument")
    if params is not None and not isinstance(params, Mapping):
        raise InputError(
            [Problem("params", f"expected a mapping of parameter names to values, got {describe(params)}")],
            what="argument",
        )
    if directory is not None and not isinstance(directory, str | os.PathLike):
        raise InputError([Problem("directory", f"expected a folder path, got {describe(directory)}")], what="argument")
    files = _folder_reader(Path(directory)) if directory is not None else None
    return _compile(text, source=source, params=dict(params or {}), resolver=resolver, chain=(), files=files)


FileReader = Callable[[str], bytes]


def _folder_reader(folder: Path | Traversable) -> FileReader:
    def read(name: str) -> bytes:
        if not _PLAIN_FILE.fullmatch(name):
            raise OSError(f"{name!r}: an imported table is a file name beside the ruleset (no folders)")
        return (folder / name).read_bytes()

    return read


_PLAIN_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _tables(document: Document, *, source: str, text: str, files: FileReader | None) -> tuple[Table, ...]:
    tables: list[Table] = []
    for decl in document.declarations:
        if not isinstance(decl, ImportDecl) or decl.kind.text not in ("ptp", "mue"):
            continue
        name = str(decl.path.value)
        span = decl.path.span
        line_text = source_lines(text)[span.line - 1]
        try:
            if files is None:
                raise OSError(
                    "a ruleset that imports tables is loaded from a file (load_rules, load_ruleset) or given directory="
                )
            data = files(name)
        except OSError as error:
            message = (
                str(error)
                if files is None or "beside" in str(error)
                else f"cannot read {name!r}: {getattr(error, 'strerror', None) or error}"
            )
            raise RulesSemanticError(
                [Diagnostic("MC215", message, source, span.line, span.column, span.end_column, line_text)]
            ) from None
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        try:
            loader = load_ptp if decl.kind.text == "ptp" else load_mue
            tables.append(loader(data, file=name, source=source, digest=digest))
        except UnicodeDecodeError:
            raise RulesSemanticError(
                [
                    Diagnostic(
                        "MC215", f"{name} is not UTF-8 text", source, span.line, span.column, span.end_column, line_text
                    )
                ]
            ) from None
    return tuple(tables)


def _compile(
    text: str,
    *,
    source: str,
    params: Mapping[str, object],
    resolver: Resolver | None,
    chain: tuple[tuple[str, str | None], ...],
    lenient_params: bool = False,
    files: FileReader | None = None,
) -> Ruleset:
    with _no_collection():
        return _compile_collected(
            text,
            source=source,
            params=params,
            resolver=resolver,
            chain=chain,
            lenient_params=lenient_params,
            files=files,
        )


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Compiling builds many small objects and no reference cycles worth collecting:
    the cyclic collector would spend a third of the time walking them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _with_semantic_problems(error: RulesSyntaxError, *, source: str, text: str) -> RulesSyntaxError:
    """Syntax errors, and the semantic problems of the statements that did parse, together."""
    partial = error.partial
    if not isinstance(partial, Document) or any(item.key == "extends" for item in partial.header):
        return error
    # A test that names a rule whose block failed to parse is not a second problem.
    written = re.findall(r"^[ \t]*rule[ \t]+([A-Za-z0-9_.-]+)", text, flags=re.MULTILINE)
    try:
        compile_document(partial, source=source, text=text, unparsed_rule_ids=written)
    except RulesSemanticError as semantic:
        merged = sorted((*error.diagnostics, *semantic.diagnostics), key=lambda d: (d.line, d.column))
        return RulesSyntaxError(merged)
    except InputError:
        return error
    return error


def _compile_collected(
    text: str,
    *,
    source: str,
    params: Mapping[str, object],
    resolver: Resolver | None,
    chain: tuple[tuple[str, str | None], ...],
    lenient_params: bool,
    files: FileReader | None,
) -> Ruleset:
    try:
        document = parse(text, source=source)
    except RulesSyntaxError as error:
        raise _with_semantic_problems(error, source=source, text=text) from None
    extends = next((item.value for item in document.header if item.key == "extends"), None)
    base: Ruleset | None = None
    if isinstance(extends, Extends):
        if resolver is None:
            from massagecodes._registry import default_resolver

            resolver = default_resolver()
        spec = str(extends.spec.value) if extends.spec is not None else None
        own = next((item.value for item in document.header if item.key == "ruleset"), None)
        own_version = next((item.value for item in document.header if item.key == "version"), None)
        here = (
            own.text if isinstance(own, Word) else "inline",
            own_version.text if isinstance(own_version, Word) else None,
        )
        try:
            try:
                base = resolver(extends.name.text, spec, (*chain, here), params)
            except InputError as error:  # a malformed version constraint
                raise RulesetResolutionError(
                    "; ".join(f"{problem.path}: {problem.message}" for problem in error.problems)
                ) from None
        except (RulesetNotFoundError, RulesetResolutionError) as error:
            span = extends.span
            line_text = source_lines(text)[span.line - 1] if span.line <= len(text.splitlines()) else ""
            end = span.end_column if span.end_line == span.line else len(line_text) + 1
            diagnostic = Diagnostic("MC214", str(error), source, span.line, span.column, end, line_text)
            raise RulesSemanticError([diagnostic]) from None
    declared = {decl.name.text for decl in document.declarations if isinstance(decl, ParamDecl)}
    inherited = {param.name for param in base.params} if base is not None else set()
    own_params = {name: value for name, value in params.items() if not lenient_params or name in declared | inherited}
    compiled = compile_document(document, source=source, text=text, base=base, params=own_params)
    header = compiled.header
    canonical = format_document(document, memo=compiled.texts)
    digest = hashlib.sha256(b"massagecodes ruleset, language 1\n")
    digest.update(canonical.encode("utf-8"))
    bases: tuple[tuple[str, str | None, str], ...] = ()
    if base is not None:
        bases = ((base.name, base.version, base.hash), *base.bases)
        digest.update(f"\nextends {base.name} {base.version} {base.hash}".encode())
    for param in sorted(compiled.params, key=lambda item: item.name):
        digest.update(f"\nparam {param.name} {param.type} {param.value}".encode())
    tables = _tables(document, source=source, text=text, files=files)
    for table in tables:
        digest.update(f"\ntable {table.file} {table.digest}".encode())
    if base is not None:
        tables = (*base.tables, *tables)
    return Ruleset(
        name=header.name,
        version=header.version,
        language=header.language,
        title=header.title if header.title is not None or base is None else base.title,
        effective=header.effective if header.effective is not None or base is None else base.effective,
        citation=header.source_citation,
        unit_method=compiled.unit_method,
        hash="sha256:" + digest.hexdigest(),
        catalog=compiled.catalog,
        regions=compiled.regions,
        rules=compiled.rules,
        tests=compiled.tests,
        source=source,
        declared_codes=compiled.declared_codes,
        groups=compiled.groups,
        params=compiled.params,
        bases=bases,
        tables=tables,
    )


def format_rules(text: str, *, source: str = "<rules>") -> str:
    """The canonical text of ``.rules`` text: one style, comments kept, idempotent.

    ``parse(format_rules(x))`` gives the same rules as ``parse(x)``. Raises
    :class:`~massagecodes.errors.RulesSyntaxError` when the text does not parse.
    """
    if not isinstance(text, str):
        raise InputError([Problem("text", f"expected the rules as a str, got {describe(text)}")], what="argument")
    return format_text(text, parse(text, source=source))


def read_rules_file(location: Path) -> str:
    """The text of a ``.rules`` file: UTF-8, at most ``MAX_SOURCE_BYTES``; InputError otherwise."""
    try:
        with location.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as error:
        raise InputError(
            [Problem(str(location), f"cannot read the file: {error.strerror}")], what="rules file"
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise InputError(
            [Problem(str(location), f"the file is larger than {MAX_SOURCE_BYTES} bytes")], what="rules file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            [Problem(str(location), f"the file is not UTF-8 text (byte {error.start})")], what="rules file"
        ) from None


def load_rules(
    path: str | os.PathLike[str],
    *,
    params: Mapping[str, object] | None = None,
    directories: Sequence[str | os.PathLike[str]] = (),
) -> Ruleset:
    """Read and compile a ``.rules`` file (UTF-8, at most 16 MiB); tables it imports
    are read from the same folder. A base it ``extends`` is looked for in
    ``directories`` as well as among the shipped and installed rulesets."""
    if not isinstance(path, str | os.PathLike):
        raise InputError([Problem("path", f"expected a file path, got {describe(path)}")], what="argument")
    location = Path(path)
    text = read_rules_file(location)
    resolver = None
    if directories:
        from massagecodes._registry import directory_resolver

        resolver = directory_resolver(directories)
    return compile_rules(text, source=str(location), params=params, directory=location.parent, resolver=resolver)
