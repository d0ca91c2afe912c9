"""What an evaluation gives: findings, the outcome of each line and of the claim.

A :class:`Finding` is what one rule says about a claim; a :class:`Result` gathers
the findings of every rule with the units per line and the outcome, which
:func:`outcomes` decides from the findings alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import attrs

from massagecodes._model import Claim

Outcome = Literal["pay", "partial", "hold", "undecided", "deny"]
OUTCOMES: tuple[Outcome, ...] = ("pay", "partial", "hold", "undecided", "deny")
LineOutcome = Literal["payable", "reduced", "denied", "bundled"]
Action = Literal["DENY", "BUNDLE", "REDUCE", "REQUIRE", "WARN"]


class Explainer(Protocol):
    """What explains a result: the ruleset that made it."""

    def _explain(self, claim: Claim, history: tuple[Claim, ...], result: Result) -> str: ...


@attrs.frozen
class Finding:
    """What one rule says about a claim.

    ``lines`` are 0-based indexes into the claim's lines (the denied, bundled or
    flagged lines); ``claim_level`` is True when the action is on the whole claim;
    ``related_lines`` are the lines a BUNDLE folds the others into. ``source``,
    ``line`` and ``column`` locate the rule in its ``.rules`` text.
    """

    rule_id: str
    action: Action
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
    _ruleset: Explainer = attrs.field(alias="ruleset", eq=False, repr=False)
    _claim: Claim = attrs.field(alias="claim", eq=False, repr=False)
    _history: tuple[Claim, ...] = attrs.field(alias="history", eq=False, repr=False)
    # Rules that did not hold only because a SAME/DIFFERENT region or side had no
    # value to compare (lines without a region): (rule id, why). Not a pass: a
    # question the claim does not answer.
    undecided: tuple[tuple[str, str], ...] = ()
    # The claim's own identifier (Claim.claim_id), so that a batch's results name their
    # claims; not in the repr (an account number may identify a person).
    claim_id: str | None = attrs.field(default=None, repr=False)

    def explain(self) -> str:
        """Which rules applied, which predicates held or failed, on what values."""
        return self._ruleset._explain(self._claim, self._history, self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the claim's id, ruleset, outcome, per-line outcomes and units, findings.
        No other claim data."""
        return {
            "claim_id": self.claim_id,
            "ruleset": {"name": self.ruleset_name, "version": self.ruleset_version, "hash": self.ruleset_hash},
            "outcome": self.outcome,
            "line_outcomes": list(self.line_outcomes),
            "units": list(self.units),
            "findings": [finding.to_dict() for finding in self.findings],
            "skipped_rules": [{"rule_id": rule_id, "reason": reason} for rule_id, reason in self.skipped],
            "undecided_rules": [{"rule_id": rule_id, "reason": reason} for rule_id, reason in self.undecided],
        }


def outcomes(
    findings: Sequence[Finding], count: int, undecided: bool = False
) -> tuple[Outcome, tuple[LineOutcome, ...]]:
    """The claim's outcome and each line's, from the findings: a DENY of the claim
    denies every line; DENY and BUNDLE mark their lines (a denial wins); REDUCE marks a
    payable line paid in part; REQUIRE holds the claim; no payable line left is a
    denial; a claim that would be paid while a rule could not decide (``undecided``)
    is undecided, not paid."""
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
                if line_outcomes[index] in ("payable", "reduced"):
                    line_outcomes[index] = "bundled"
        elif action == "REDUCE":
            for index in finding.lines:
                if line_outcomes[index] == "payable":
                    line_outcomes[index] = "reduced"
        elif action == "REQUIRE":
            held = True
    if claim_denied:
        line_outcomes = ["denied"] * count
    payable = line_outcomes.count("payable")
    paid = payable + line_outcomes.count("reduced")
    outcome: Outcome
    if claim_denied or paid == 0:
        outcome = "deny"
    elif held:
        outcome = "hold"
    elif payable < count:
        outcome = "partial"
    elif undecided:
        outcome = "undecided"
    else:
        outcome = "pay"
    return outcome, tuple(line_outcomes)


def lines_named(indexes: Sequence[int]) -> str:
    """``line 2`` or ``lines 0, 3``."""
    return ("line " if len(indexes) == 1 else "lines ") + ", ".join(str(i) for i in indexes)
