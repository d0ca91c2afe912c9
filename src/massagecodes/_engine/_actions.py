"""The action half of a rule, as small frozen steps: which matched lines a finding names.

A rule's fast plan (see :mod:`._plans`) finds the lines its condition binds, then
passes them through a :class:`Steps` chain: each step keeps the lines it accepts
(``OnCodes``: the target's codes; ``Lacking``: the lines without a required
modifier; ``NotExcused``: the lines without an excusing modifier) or stops the
rule for the whole claim (``Absent``: the claim gives no authorization or
referral). Steps are values with a readable ``repr``, composed like attrs'
validators; :func:`findings` makes each finding of a rule once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
        keep = self.keeper()
        return tuple(lines) if keep is None else keep(ctx, lines)

    def keeper(self) -> Keeper | None:
        """The one pass, as a plain function for a plan to call: the claim-wide gates
        first, then each line's code and modifiers; None when there is no step (every
        line is kept)."""
        if not self.steps:
            return None
        gates, codes, without = self._gates, self._codes, self._without

        def kept(ctx: Context, lines: Sequence[int]) -> tuple[int, ...]:
            for gate in gates:
                if not gate.holds(ctx):
                    return ()
            if without:
                claim_lines = ctx.facts.claim.lines
                if codes is None:
                    return tuple([i for i in lines if without.isdisjoint(claim_lines[i].modifiers)])
                line_codes = ctx.facts.codes
                return tuple(
                    [i for i in lines if line_codes[i] in codes and without.isdisjoint(claim_lines[i].modifiers)]
                )
            if codes is not None:
                line_codes = ctx.facts.codes
                return tuple([i for i in lines if line_codes[i] in codes])
            return lines if type(lines) is tuple else tuple(lines)

        if gates or without or codes is None:
            return kept

        def on_codes(ctx: Context, lines: Sequence[int]) -> tuple[int, ...]:  # the common chain, alone
            line_codes = ctx.facts.codes
            return tuple([i for i in lines if line_codes[i] in codes])

        return on_codes


Keeper = Callable[[Context, Sequence[int]], tuple[int, ...]]


def on_codes(codes: frozenset[str], bound: frozenset[str] | None) -> OnCodes | None:
    """The step that keeps the lines of ``codes``; None when the lines it is given can
    only have those codes (``bound``, what the condition binds there, is a subset)."""
    return None if bound is not None and bound <= codes else OnCodes(codes)


def steps(*chain: Step | None) -> Steps:
    """The chain of the steps given (None: no step there), gates first: a step that
    stops the whole rule is tried before the steps that look at each line."""
    given = [step for step in chain if step is not None]
    return Steps((*(s for s in given if isinstance(s, Absent)), *(s for s in given if not isinstance(s, Absent))))


def gate(kind: str | None) -> Absent | None:
    """The step of ``REQUIRE authorization|referral``; None for other requirements."""
    return Absent(kind) if kind in ("authorization", "referral") else None  # type: ignore[arg-type]


def findings(rule: CompiledRule) -> Callable[[FindingKey], Finding]:
    """The findings of one rule: immutable, and depending only on (lines, claim level,
    related lines), each is made once and given again (a few, then forgotten)."""
    made: dict[FindingKey, Finding] = {}
    rule_id, action, message, fix, carc, rarc = (
        rule.id,
        rule.action,
        rule.finding_message,
        rule.fix,
        rule.carc,
        rule.rarc,
    )
    citation, severity, source, line, column = rule.citation, rule.severity, rule.source, rule.line, rule.column

    def finding_for(key: FindingKey) -> Finding:
        finding = made.get(key)
        if finding is None:
            finding = Finding(rule_id, action, key[0], key[1], message, fix, carc, rarc, citation, severity, source,
                              line, column, key[2])  # fmt: skip
            if len(made) >= _FINDINGS_PER_RULE:
                made.clear()
            made[key] = finding
        return finding

    return finding_for
