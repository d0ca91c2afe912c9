"""What a compiled predicate is: how it is solved, and which fast forms it offers.

A condition is solved, not just tested: code terms *bind* claim lines to slots, so
that ``97124 AND 97140 SAME region`` can ask about the two lines it found, and so
that an action can name the line to deny. ``solve(ctx, env)`` yields every
environment (a tuple of bound line indexes, one slot per code term) under which
the predicate holds; it is the reference meaning, and explanations trace it.

Beside ``solve()``, each predicate offers its own fast forms, built from the same
helpers: a claim test, a line test, a line source, an environment source. The base
class gives each form through ``solve()``; a subclass overrides a form where it can
do it faster, and says what it does with bindings (``is_test``, ``claim_wide``,
``pure``) so that the engine's plans choose a form without looking inside it.
``tests/test_fast_evaluation.py`` holds every fast form equal to ``solve()``.

Nothing here keeps state between calls: a predicate is immutable and safe to share
between threads and to pickle.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import attrs

from massagecodes._codes import DEFAULT_CATALOG
from massagecodes._engine._facts import Context, Env, Facts
from massagecodes._model import Claim
from massagecodes.units import CMS

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

ClaimTest = Callable[[Context], bool]
"""A test of the whole claim: True when the predicate holds (binding no line)."""
LineTest = Callable[[Context, int], bool]
"""A test of one bound line (slot 0): True when the predicate holds for it."""
LineSource = Callable[[Context], Sequence[int]]
"""The lines a one-slot condition binds, in claim order, each once."""
EnvSource = Callable[[Context], Iterable[Env]]
"""The environments under which a condition holds, in the order solve() gives them."""


def max_slot(item: object) -> int:
    """The highest slot a predicate tree binds or reads (-1 if none)."""
    highest = -1
    kind = type(item)
    if attrs.has(kind):
        for field in attrs.fields(kind):
            value = getattr(item, field.name)
            if field.name == "slot" and isinstance(value, int):
                highest = max(highest, value)
            elif field.name == "slots" and isinstance(value, tuple):
                highest = max([highest, *value])
            elif isinstance(value, tuple):
                highest = max([highest, *(max_slot(child) for child in value)])
            elif attrs.has(type(value)):
                highest = max(highest, max_slot(value))
    return highest


class Predicate:
    """Base of compiled predicates: ``solve`` yields environments; calling tests a claim.

    The class attributes say what the predicate does with bindings; the methods
    give its fast forms (through ``solve()`` unless a subclass knows better). Each
    fast form has the same effects on the context as ``solve()`` (the comparisons
    that lacked a value) and differs only in not tracing.
    """

    __slots__ = ()

    text: str

    @property
    def is_test(self) -> bool:
        """solve() gives the environment it was given, or nothing: it binds no line,
        and reads nothing that the action sets (the target lines)."""
        return False

    @property
    def claim_wide(self) -> bool:
        """Neither binds nor reads the bound lines: it looks at the claim as a whole,
        so it may be tried before the code terms of an AND."""
        return False

    @property
    def pure(self) -> bool:
        """A claim-wide test without effects (no missing value, no error): it may be
        tried once for every line, and before the line tests."""
        return False

    def solve(self, ctx: Context, env: Env) -> Iterable[Env]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, claim: Claim, history: Sequence[Claim] = ()) -> bool:
        """True when the predicate holds for ``claim`` (under CMS units)."""
        ctx = Context(Facts(claim, history, CMS, DEFAULT_CATALOG))
        return next(iter(self.solve(ctx, (None,) * (max_slot(self) + 1))), None) is not None

    # ---- fast forms -------------------------------------------------------------------

    def claim_test(self, start: Env) -> ClaimTest:
        """For a test (``is_test``): whether it holds, from the start environment."""

        def solved(ctx: Context) -> bool:
            return bool(self.solve(ctx, start))

        return solved

    def line_test(self) -> LineTest:
        """For a test after a code term: whether it holds with the term's line bound."""

        def solved(ctx: Context, index: int) -> bool:
            return bool(self.solve(ctx, (index,)))

        return solved

    def line_source(self) -> LineSource | None:
        """For a condition of one slot: the lines it binds; None when it has no such form."""
        return None

    def codes_bound(self, slot: int) -> frozenset[str] | None:
        """The codes a line bound to ``slot`` can have when this holds; None if unknown."""
        return None

    def claim_tests(self) -> Sequence[Predicate] | None:
        """The tests of a condition that only tests the claim; None if it binds."""
        return (self,) if self.is_test else None

    def env_source(self, slots: int) -> EnvSource:
        """The environments of the condition of a rule of ``slots`` slots."""
        tests = self.claim_tests()
        if tests is not None:
            return tests_source(tests, slots)
        start = (None,) * slots

        def general(ctx: Context) -> Iterable[Env]:
            return self.solve(ctx, start)

        return general


def tests_source(tests: Sequence[Predicate], slots: int) -> EnvSource:
    """Tests only (of the claim, binding no line): the start, when every test holds
    (tried in order, up to the first that fails)."""
    start: Env = (None,) * slots
    held = (start,)

    def tests_only(ctx: Context) -> tuple[Env, ...]:
        for item in tests:
            if not item.solve(ctx, start):
                return ()
        return held

    return tests_only


@attrs.frozen
class LineSelector:
    """Which lines a line predicate looks at.

    ``code``: the lines bound to ``slots`` whose code is in ``codes``; if none is
    bound, every claim line with one of ``codes``, each of which is then bound to
    ``bind`` (when set) as the predicate holds for it. ``either``/``both``: every
    bound line. ``target``: the action's target lines. ``any``: every claim line.
    """

    mode: Literal["code", "either", "both", "target", "any"]
    codes: frozenset[str] = frozenset()
    slots: tuple[int, ...] = ()
    bind: int | None = None

    @property
    def tests_only(self) -> bool:
        """The predicate binds no line and reads nothing the action sets."""
        return self.bind is None and self.mode != "target"

    @property
    def claim_wide(self) -> bool:
        """Every claim line, whatever is bound."""
        return self.mode == "any"

    def lines(self, ctx: Context, env: Env) -> tuple[tuple[int, ...], bool]:
        """The lines to look at, and whether each is a candidate to bind (True) or
        all are given (False)."""
        if self.mode == "code":
            bound = tuple(
                index
                for slot in self.slots
                if (index := env[slot]) is not None and ctx.facts.codes[index] in self.codes
            )
            if bound:
                return bound, False
            candidates = tuple(index for index in ctx.facts.lines_with(self.codes) if index not in env)
            return candidates, self.bind is not None
        if self.mode in ("either", "both"):
            return tuple(index for index in env if index is not None), False
        if self.mode == "target":
            return ctx.targets, False
        return tuple(range(len(ctx.facts.codes))), False

    @property
    def needs_all(self) -> bool:
        return self.mode in ("both", "target")

    def solve(
        self, ctx: Context, env: Env, test: Callable[[int], bool]
    ) -> tuple[list[Env], tuple[int, ...], list[int]]:
        """Apply ``test`` to the selected lines: the environments under which the
        predicate holds, the lines looked at, and the lines that passed."""
        lines, binding = self.lines(ctx, env)
        passed = [index for index in lines if test(index)]
        if binding:
            assert self.bind is not None
            return [(*env[: self.bind], index, *env[self.bind + 1 :]) for index in passed], lines, passed
        held = bool(lines) and (len(passed) == len(lines) if self.needs_all else bool(passed))
        return ([env] if held else []), lines, passed
