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
    """Steps applied in turn: the lines the last one keeps.

    Run as one pass over the lines (the claim-wide gates first, then each line's
    code and modifiers): every step here keeps a line by its code, or by having none
    of some modifiers, so the chain keeps exactly the lines each step in turn would
    (``tests/test_fast_evaluation.py`` holds the two equal)."""

    steps: tuple[Step, ...]
    _gates: tuple[Absent, ...] = attrs.field(init=False, eq=False, repr=False)
    _codes: frozenset[str] | None = attrs.field(init=False, eq=False, repr=False)
    _without: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        codes: frozenset[str] | None = None
        for step in self.steps:
            if isinstance(step, OnCodes):
                codes = step.codes if codes is None else codes & step.codes
        without = frozenset().union(*(step.modifiers for step in self.steps if isinstance(step, Lacking)))
        object.__setattr__(self, "_gates", tuple(step for step in self.steps if isinstance(step, Absent)))
        object.__setattr__(self, "_codes", codes)
        object.__setattr__(self, "_without", without)

    def one_by_one(self, ctx: Context, lines: Sequence[int]) -> tuple[int, ...]:
        """Each step in turn, by its own definition (the reference for the one pass)."""
        for step in self.steps:
            lines = step(ctx, lines)
        return tuple(lines)

    def __call__(self, ctx: Context, lines: Sequence[int]) -> tuple[int, ...]:
        if self._gates:
            for gate in self._gates:
                if not gate.holds(ctx):
                    return ()
        codes, without = self._codes, self._without
        if without:
            claim_lines = ctx.facts.claim.lines
            if codes is not None:
                line_codes = ctx.facts.codes
                return tuple(
                    [i for i in lines if line_codes[i] in codes and without.isdisjoint(claim_lines[i].modifiers)]
                )
            return tuple([i for i in lines if without.isdisjoint(claim_lines[i].modifiers)])
        if codes is not None:
            line_codes = ctx.facts.codes
            return tuple([i for i in lines if line_codes[i] in codes])
        return lines if type(lines) is tuple else tuple(lines)


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
