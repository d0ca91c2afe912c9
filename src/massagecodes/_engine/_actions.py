"""The action half of a rule, as small frozen steps: which matched lines a finding names.

A rule's fast plan (see :mod:`._plans`) finds the lines its condition binds, then
passes them through a :class:`Steps` chain: each step keeps the lines it accepts
(``OnCodes``: the target's codes; ``Lacking``: the lines without a required
modifier; ``NotExcused``: the lines without an excusing modifier) or stops the
rule for the whole claim (``Absent``: the claim gives no authorization or
referral). Steps are values with a readable ``repr``, composed like attrs'
validators; :class:`Findings` makes each finding of a rule once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs

from massagecodes._engine._facts import Context
from massagecodes._engine._results import Finding
from massagecodes._engine._rules import CompiledRule

FindingKey = tuple[tuple[int, ...], bool, tuple[int, ...]]
"""What varies between the findings of one rule: (lines, claim level, related lines)."""

_FINDINGS_PER_RULE = 64  # findings remembered per rule (then forgotten at once)


class Step:
    """One step of an action: the lines it keeps of those given (in order)."""

    __slots__ = ()

    def __call__(self, ctx: Context, lines: Sequence[int]) -> Sequence[int]:  # pragma: no cover - abstract
        raise NotImplementedError


@attrs.frozen
class OnCodes(Step):
    """The lines whose code is one of the target's."""

    codes: frozenset[str]

    def __call__(self, ctx: Context, lines: Sequence[int]) -> Sequence[int]:
        codes, wanted = ctx.facts.codes, self.codes
        return [index for index in lines if codes[index] in wanted]


@attrs.frozen
class Lacking(Step):
    """The lines that carry none of ``modifiers`` (``REQUIRE modifier``)."""

    modifiers: frozenset[str]

    def __call__(self, ctx: Context, lines: Sequence[int]) -> Sequence[int]:
        claim_lines, modifiers = ctx.facts.claim.lines, self.modifiers
        return [index for index in lines if modifiers.isdisjoint(claim_lines[index].modifiers)]


@attrs.frozen
class NotExcused(Lacking):
    """The lines that carry none of ``modifiers`` (``unless modifier``): the same test
    as :class:`Lacking`, named for what it means in the rule."""


@attrs.frozen
class Absent(Step):
    """Every line when the claim does not give ``what`` (``REQUIRE authorization``);
    none when it does."""

    what: Literal["authorization", "referral"]

    def holds(self, ctx: Context) -> bool:
        """The claim does not give it."""
        return getattr(ctx.facts.claim, self.what) is None

    def __call__(self, ctx: Context, lines: Sequence[int]) -> Sequence[int]:
        return lines if self.holds(ctx) else ()


@attrs.frozen
class Steps:
    """Steps applied in turn; the lines the last one keeps (stopping when none is left)."""

    steps: tuple[Step, ...]

    def __call__(self, ctx: Context, lines: Sequence[int]) -> tuple[int, ...]:
        for step in self.steps:
            lines = step(ctx, lines)
            if not lines:
                return ()
        return tuple(lines)


def steps(*chain: Step | None) -> Steps:
    """The chain of the steps given (None: no step there), gates first: a step that
    stops the whole rule is tried before the steps that look at each line."""
    given = [step for step in chain if step is not None]
    return Steps((*(s for s in given if isinstance(s, Absent)), *(s for s in given if not isinstance(s, Absent))))


def gate(kind: str | None) -> Absent | None:
    """The step of ``REQUIRE authorization|referral``; None for other requirements."""
    return Absent(kind) if kind in ("authorization", "referral") else None  # type: ignore[arg-type]


class Findings:
    """The findings of one rule: immutable, and depending only on (lines, claim level,
    related lines), each is made once and given again (a few, then forgotten)."""

    __slots__ = ("_made", "_rule")

    def __init__(self, rule: CompiledRule) -> None:
        self._rule = rule
        self._made: dict[FindingKey, Finding] = {}

    def __call__(self, key: FindingKey) -> Finding:
        made = self._made
        finding = made.get(key)
        if finding is None:
            rule = self._rule
            finding = Finding(rule.id, rule.action, key[0], key[1], rule.finding_message, rule.fix, rule.carc,
                              rule.rarc, rule.citation, rule.severity, rule.source, rule.line, rule.column,
                              key[2])  # fmt: skip
            if len(made) >= _FINDINGS_PER_RULE:
                made.clear()
            made[key] = finding
        return finding
