"""Tests written beside the rules: what a ``test`` block expects, and running it.

The compiler turns each ``test`` block into a :class:`RuleTest` (its claim and
history as JSON values, its expectations); :func:`run_test` evaluates the claim
with the ruleset and lists every expectation the result does not meet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs

from massagecodes._engine._results import Finding, Result, lines_named
from massagecodes._model import Claim
from massagecodes._regions import RegionVocabulary
from massagecodes.errors import InputError


@attrs.frozen
class Expected:
    """One ``expect`` line: a finding of a rule (on some lines), no finding, or an outcome."""

    kind: Literal["finding", "none", "outcome"]
    action: str | None = None
    rule: str | None = None
    lines: tuple[int, ...] | None = None
    outcome: str | None = None


@attrs.frozen
class RuleTest:
    """A ``test`` block: its name and line, the claim and history (as written: JSON
    values), and what it expects."""

    __test__ = False  # not a pytest test class

    name: str
    line: int
    claim: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]]
    expectations: tuple[Expected, ...]


class Evaluates(Protocol):
    """What runs a test: a ruleset."""

    @property
    def regions(self) -> RegionVocabulary: ...

    def evaluate(self, claim: Claim, *, history: Sequence[Claim] = ()) -> Result: ...


@attrs.frozen
class RuleTestOutcome:
    """The result of one ``test`` block: passed, or the failures, and the evaluation."""

    name: str
    line: int
    passed: bool
    failures: tuple[str, ...]
    result: Result | None


def run_test(ruleset: Evaluates, test: RuleTest) -> RuleTestOutcome:
    """Evaluate the test's claim and compare the result with its expectations."""
    line = test.line
    try:
        claim = Claim.from_dict(test.claim, regions=ruleset.regions)
        history = [Claim.from_dict(item, regions=ruleset.regions) for item in test.history]
        result = ruleset.evaluate(claim, history=history)
    except InputError as error:
        return RuleTestOutcome(
            test.name, line, False, tuple(f"cannot evaluate: {problem}" for problem in error.problems), None
        )
    failures: list[str] = []
    actual: dict[tuple[str, str], Finding] = {(f.action, f.rule_id): f for f in result.findings}
    wanted = [e for e in test.expectations if e.kind == "finding"]
    for expectation in wanted:
        assert expectation.rule is not None
        assert expectation.action is not None
        found = actual.get((expectation.action, expectation.rule))
        lines = f" on {lines_named(expectation.lines)}" if expectation.lines is not None else ""
        if found is None:
            failures.append(f"expected {expectation.action} {expectation.rule}{lines}; it did not fire")
        elif expectation.lines is not None and tuple(sorted(expectation.lines)) != found.lines:
            where = lines_named(found.lines) if found.lines else "the claim"
            failures.append(f"expected {expectation.action} {expectation.rule}{lines}; it fired on {where}")
    if wanted:
        expected_keys = {(e.action, e.rule) for e in wanted if e.rule is not None}
        for key, finding in actual.items():
            if key not in expected_keys:
                failures.append(
                    f"unexpected {finding.action} {finding.rule_id} on {lines_named(finding.lines) if finding.lines else 'the claim'}"
                )
    for expectation in test.expectations:
        if expectation.kind == "none" and result.findings:
            fired = ", ".join(f"{f.action} {f.rule_id}" for f in result.findings)
            failures.append(f"expected no findings; found {fired}")
        elif (
            expectation.kind == "outcome" and expectation.outcome is not None and expectation.outcome != result.outcome
        ):
            failures.append(f"expected outcome {expectation.outcome}; the outcome is {result.outcome}")
    return RuleTestOutcome(test.name, line, not failures, tuple(failures), result)
