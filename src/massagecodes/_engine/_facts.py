"""What a rule sees of a claim: the facts computed once per evaluation, and the context.

:class:`Facts` holds each line's code, units, date, minutes, region and side (the
units at once, the others on first use) and the patient's history;
:class:`Context` is the state of one evaluation (the action's target lines, the
comparisons that lacked a value, the trace of an explanation). Nothing here
decides whether a rule holds: the predicates do.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs

from massagecodes._model import Claim
from massagecodes.units import UnitMethod, supported_units


class Rvus(Protocol):
    """A fee table of relative value units (the ruleset's imported RVU table)."""

    def rvus(self, code: str) -> Decimal | None: ...


Env = tuple[int | None, ...]
"""The lines bound to a condition's slots (None: a slot not bound)."""


class Facts:
    """Per-evaluation facts about one claim (and the patient's history).

    The codes and the units are computed at once (every evaluation needs them); each
    line's date, minutes, region and side on first use (a rule may need none of them).
    """

    __slots__ = (
        "_catalog",
        "_dates",
        "_days",
        "_history_units",
        "_lines_cache",
        "_method",
        "_minutes",
        "_regions",
        "_sides",
        "by_code",
        "claim",
        "codes",
        "history",
        "rvus",
        "units",
    )

    def __init__(
        self, claim: Claim, history: Sequence[Claim], method: UnitMethod, catalog: Any, rvus: Rvus | None = None
    ) -> None:
        self.claim = claim
        self.rvus = rvus
        self.history = history if type(history) is tuple else tuple(history)
        lines = claim.lines
        self.codes = codes = tuple([line.code for line in lines])
        by_code: dict[str, Any] = {}
        for index, code in enumerate(codes):
            found = by_code.get(code)
            if found is None:
                by_code[code] = (index,)
            else:
                by_code[code] = (*found, index)
        self.by_code: dict[str, tuple[int, ...]] = by_code
        self.units = _line_units(claim, method, catalog)
        self._lines_cache: dict[frozenset[str], tuple[int, ...]] = {}
        self._method = method
        self._catalog = catalog
        self._history_units: tuple[tuple[int | None, ...], ...] | None = None
        self._dates: tuple[datetime.date, ...] | None = None
        self._days: tuple[datetime.date, datetime.date, frozenset[datetime.date]] | None = None
        self._minutes: tuple[int | None, ...] | None = None
        self._regions: tuple[str | None, ...] | None = None
        self._sides: tuple[str | None, ...] | None = None

    @property
    def dates(self) -> tuple[datetime.date, ...]:
        """Each line's date of service: its own date, else the claim's."""
        dates = self._dates
        if dates is None:
            day = self.claim.date_of_service
            dates = self._dates = tuple([day if line.date is None else line.date for line in self.claim.lines])
        return dates

    @property
    def days(self) -> tuple[datetime.date, datetime.date, frozenset[datetime.date]]:
        """The earliest and the latest of the claim's dates (its date of service and its
        lines' dates), and all of them."""
        days = self._days
        if days is None:
            every = frozenset((self.claim.date_of_service, *self.dates))
            days = self._days = (min(every), max(every), every)
        return days

    @property
    def minutes(self) -> tuple[int | None, ...]:
        minutes = self._minutes
        if minutes is None:
            minutes = self._minutes = tuple([line.minutes for line in self.claim.lines])
        return minutes

    @property
    def regions(self) -> tuple[str | None, ...]:
        regions = self._regions
        if regions is None:
            regions = self._regions = tuple(
                [line.region.name if line.region is not None else None for line in self.claim.lines]
            )
        return regions

    @property
    def sides(self) -> tuple[str | None, ...]:
        sides = self._sides
        if sides is None:
            sides = self._sides = tuple(
                [
                    line.region.side.value if line.region is not None and line.region.side is not None else None
                    for line in self.claim.lines
                ]
            )
        return sides

    def measured(self, measure: str) -> Sequence[object]:
        """Each line's value of a measure: minutes, units, date or region."""
        if measure == "minutes":
            return self.minutes
        if measure == "units":
            return self.units
        if measure == "date":
            return self.dates
        return self.regions

    @property
    def history_units(self) -> tuple[tuple[int | None, ...], ...]:
        """Per history claim, each line's units as for this claim (billed, else from minutes)."""
        if self._history_units is None:
            self._history_units = tuple(_line_units(earlier, self._method, self._catalog) for earlier in self.history)
        return self._history_units

    def lines_with(self, codes: frozenset[str]) -> tuple[int, ...]:
        """The indexes of the lines whose code is in ``codes``, in claim order."""
        found = self._lines_cache.get(codes)
        if found is None:
            if len(codes) == 1:
                (code,) = codes
                found = self.by_code.get(code, ())
            else:
                found = tuple(sorted(index for code in codes for index in self.by_code.get(code, ())))
            self._lines_cache[codes] = found
        return found


def _line_units(claim: Claim, method: UnitMethod, catalog: Any) -> tuple[int | None, ...]:
    """Billed units where a line has them, else the units its minutes support.

    Lines of codes the catalog does not know keep their billed units (None
    without them): unknown codes are reported by the engine, not guessed at.
    """
    units = tuple([line.units for line in claim.lines])
    if None not in units:
        return units
    if all(line.units is not None or line.minutes is None for line in claim.lines):
        return units
    supported = supported_units(claim, method=method, catalog=catalog)
    return tuple(line.units if line.units is not None else supported[index] for index, line in enumerate(claim.lines))


@attrs.define
class TraceStep:
    """One predicate evaluated while explaining: what it was, whether it held, on what."""

    depth: int
    text: str
    held: bool | None  # None: a note, not a test
    detail: str


class Context:
    """The state of one evaluation: facts, the action's target lines, and the trace."""

    __slots__ = ("depth", "facts", "missing", "targets", "trace")

    def __init__(self, facts: Facts, *, trace: list[TraceStep] | None = None) -> None:
        self.facts = facts
        self.targets: tuple[int, ...] = ()
        self.trace = trace
        self.depth = 0
        # SAME/DIFFERENT comparisons that lacked a value: (what, the lines without it).
        self.missing: list[tuple[str, tuple[int, ...]]] = []

    def note(self, text: str, held: bool | None, detail: str) -> None:
        if self.trace is not None:
            self.trace.append(TraceStep(self.depth, text, held, detail))


def lines_text(indexes: Iterable[int]) -> str:
    """``line 3`` or ``lines 1, 2`` (``no line`` for none)."""
    listed = sorted(set(indexes))
    if not listed:
        return "no line"
    return ("line " if len(listed) == 1 else "lines ") + ", ".join(str(i) for i in listed)
