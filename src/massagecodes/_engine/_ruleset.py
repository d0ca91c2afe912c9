"""The Ruleset: compiled rules, indexed by code, evaluated on a claim.

A :class:`Ruleset` is an immutable, thread-safe, picklable value. ``evaluate``
checks its inputs, finds the rules the claim's codes can trigger (remembered per
set of codes), runs each rule's plan (see :mod:`._plans`), then the CMS edit
tables, and gathers the findings into a :class:`~._results.Result`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import attrs

from massagecodes._codes import CodeCatalog, CodeInfo
from massagecodes._engine._edit_tables import ImportedTable
from massagecodes._engine._explain import explain
from massagecodes._engine._facts import Context, Facts
from massagecodes._engine._fee_tables import RvuTable
from massagecodes._engine._plans import Plan, plan_of
from massagecodes._engine._reference import apply, undecided_reason
from massagecodes._engine._results import Finding, Result, outcomes
from massagecodes._engine._rules import CompiledRule, Param
from massagecodes._engine._testing import RuleTest, RuleTestOutcome, run_test
from massagecodes._model import Claim
from massagecodes._regions import RegionVocabulary
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem
from massagecodes.units import UnitMethod

_MEMO_LIMIT = 4096  # sets of claim codes remembered per ruleset (then forgotten at once)


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
    """Compiled rules: immutable, thread-safe, picklable. Build with ``compile_rules``."""

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
    tests: tuple[RuleTest, ...] = attrs.field(repr=False)
    source: str
    declared_codes: tuple[CodeInfo, ...] = attrs.field(default=(), repr=False)
    groups: tuple[tuple[str, tuple[str, ...]], ...] = attrs.field(default=(), repr=False)
    params: tuple[Param, ...] = attrs.field(default=(), repr=False)
    bases: tuple[tuple[str, str | None, str], ...] = attrs.field(default=(), repr=False)
    tables: tuple[ImportedTable, ...] = attrs.field(default=(), repr=False)
    # The payer kinds (and states) the ruleset is for; empty: any (see applies_to).
    payers: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
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
        return tuple(run_test(self, test) for test in self.tests)

    def _candidates(self, facts: Facts) -> tuple[int, ...]:
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

    def _checks(self, facts: Facts) -> tuple[tuple[Plan, str], ...]:
        """The evaluator and the id of each candidate rule (see _candidates), in order.
        Remembered per set of codes, like the candidates."""
        key = frozenset(facts.by_code)
        memo = self._check_memo
        found: tuple[tuple[Plan, str], ...] | None = memo.get(key)
        if found is None:
            rules, plans = self.rules, self._plans
            checks = []
            for position in self._candidates(facts):
                found_plan = plans.get(position)
                if found_plan is None:
                    found_plan = plans[position] = plan_of(rules[position])
                checks.append((found_plan, rules[position].id))
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

    @property
    def rvus(self) -> RvuTable | None:
        """The fee table of RVUs the ruleset imports (the last one, if several); None without."""
        return next((table for table in reversed(self.tables) if isinstance(table, RvuTable)), None)

    def applies_to(self, claim: Claim) -> bool:
        """Whether the claim's payer is one the ruleset is for (its ``payers`` and ``states``)."""
        payer = claim.payer
        if self.payers and payer.kind.value not in self.payers:
            return False
        return not self.states or payer.state in self.states

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
        if (self.payers or self.states) and not self.applies_to(claim):
            problems.append(self._other_payer(claim))
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

    def _other_payer(self, claim: Claim) -> Problem:
        """Said plainly: this ruleset is for other payers (a Medicare policy does not judge a
        commercial claim)."""
        payer, name = claim.payer, f"{self.name} {self.version or ''}".rstrip()
        if self.payers and payer.kind.value not in self.payers:
            return Problem(
                "$.payer.kind",
                f"ruleset {name} is for {', '.join(self.payers)} claims, not {payer.kind.value}"
                " (massagecodes.ruleset_for(claim) picks the installed ruleset for a claim's payer)",
            )
        state = payer.state or "no state"
        return Problem(
            "$.payer.state",
            f"ruleset {name} is for claims of {', '.join(self.states)}, not {state}"
            " (massagecodes.ruleset_for(claim) picks the installed ruleset for a claim's payer)",
        )

    def evaluate(self, claim: Claim, *, history: Sequence[Claim] = ()) -> Result:
        """Apply every rule to ``claim``; ``history`` is the patient's earlier claims.

        Every matching rule reports (not first match wins), in the order the rules
        are written. Raises :class:`~massagecodes.errors.InputError` for a claim
        outside the ruleset's effective dates or a history of another patient.
        """
        claim, earlier = self._check_inputs(claim, history)
        facts = Facts(claim, earlier, self.unit_method, self.catalog, self.rvus)
        ctx = Context(facts)
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
                undecided.append((rule_id, undecided_reason(missing[seen:])))
                seen = len(missing)
        for table in self.tables:
            if isinstance(table, RvuTable):
                continue
            for rule in table.rules_for(facts, self.source):
                finding = apply(rule, ctx)
                if finding is not None:
                    findings.append(finding)
        return self._result(claim, earlier, facts, tuple(findings), tuple(undecided))

    def _result(
        self,
        claim: Claim,
        history: tuple[Claim, ...],
        facts: Facts,
        findings: tuple[Finding, ...],
        undecided: tuple[tuple[str, str], ...] = (),
    ) -> Result:
        outcome, line_outcomes = outcomes(findings, len(claim.lines), bool(undecided))
        # Positional (cheaper than keywords): the order of Result's fields.
        return Result(
            self.name,
            self.version,
            self.hash,
            findings,
            facts.units,
            outcome,
            line_outcomes,
            self._skipped,
            self,
            claim,
            history,
            undecided,
            claim.claim_id,
        )

    def _explain(self, claim: Claim, history: tuple[Claim, ...], result: Result) -> str:
        return explain(self, claim, history, result)
