"""Units for timed codes: the CMS 8-minute rule, the per-code method, payer thresholds.

Sources (DOMAIN.md section 3):

* One timed code on one day: 0 units below 8 minutes, 1 unit for 8-22, 2 for 23-37,
  3 for 38-52, and so on, 15 minutes a unit: ``units = (minutes + 7) // 15``
  (CMS Medicare Claims Processing Manual, ch. 5 section 20.2).
* CMS total-time method: on a day with several timed codes, add up all timed
  minutes and read the total units off that table; give each code its whole
  15-minute units, then hand the units still owed, one each, to the codes with the
  largest leftover minutes (ch. 5 section 20.2). Ties between equal leftovers are
  broken here, deterministically, by more total minutes, then by the lower code.
* Per-code method (the AMA "substantial portion" reading many commercial payers
  use): each code is converted on its own with the same table.
* A payer's own threshold (say, 13 of 15 minutes) is the same arithmetic with
  another number: ``UnitMethod(basis="per-code", threshold=13)``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import attrs

from massagecodes._codes import DEFAULT_CATALOG, CodeCatalog, procedure_code_problem
from massagecodes._frozen import FrozenDict
from massagecodes._model import MAX_MINUTES, Claim, ServiceLine, Session
from massagecodes._regions import Region
from massagecodes._text import describe, did_you_mean, one_of
from massagecodes.errors import InputError, Problem, UnknownCodeError

__all__ = [
    "CMS",
    "PER_CODE",
    "Allocation",
    "ClaimUnits",
    "LineUnits",
    "SessionLines",
    "UnbilledTreatment",
    "UnitFinding",
    "UnitMethod",
    "UnitStep",
    "allocate",
    "check_claim",
    "lines_for_session",
    "supported_units",
    "units_for_minutes",
]

Basis = Literal["total-time", "per-code"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@attrs.frozen(kw_only=True)
class UnitMethod:
    """How minutes become units: the basis and the numbers, as data.

    ``basis`` is ``"total-time"`` (CMS: units from the day's total timed minutes,
    then distributed) or ``"per-code"`` (each code on its own). A unit is
    ``unit_minutes`` long and the last, partial unit counts once it reaches
    ``threshold`` minutes: ``units = (minutes + unit_minutes - threshold) // unit_minutes``.
    CMS's numbers are 15 and 8.
    """

    basis: Basis
    unit_minutes: int = 15
    threshold: int = 8

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.basis not in ("total-time", "per-code"):
            problems.append(Problem("basis", f'expected "total-time" or "per-code", got {describe(self.basis)}'))
        if not _is_int(self.unit_minutes) or self.unit_minutes < 1:
            problems.append(Problem("unit_minutes", f"expected whole minutes >= 1, got {describe(self.unit_minutes)}"))
        elif not _is_int(self.threshold) or not 1 <= self.threshold <= self.unit_minutes:
            problems.append(
                Problem(
                    "threshold", f"expected whole minutes from 1 to {self.unit_minutes}, got {describe(self.threshold)}"
                )
            )
        if problems:
            raise InputError(problems, what="unit method")

    @property
    def name(self) -> str:
        """``cms``, ``per-code``, or a spelled-out description for other numbers."""
        if (self.unit_minutes, self.threshold) == (15, 8):
            return "cms" if self.basis == "total-time" else "per-code"
        return f"{self.basis}, {self.threshold} of {self.unit_minutes} minutes"

    def units_for(self, minutes: int) -> int:
        """Units for ``minutes`` of one timed code (or one day's total, for total-time)."""
        _check_minutes(minutes, "minutes")
        return (minutes + self.unit_minutes - self.threshold) // self.unit_minutes


CMS = UnitMethod(basis="total-time")
PER_CODE = UnitMethod(basis="per-code")
_NAMED = {"cms": CMS, "per-code": PER_CODE}


def _method(method: str | UnitMethod) -> UnitMethod:
    if isinstance(method, UnitMethod):
        return method
    if isinstance(method, str) and method in _NAMED:
        return _NAMED[method]
    hint = did_you_mean(method, _NAMED) if isinstance(method, str) else ""
    raise InputError(
        [Problem("method", f"expected {one_of(_NAMED)} or a UnitMethod, got {describe(method)}{hint}")], what="argument"
    )


def _check_minutes(minutes: object, path: str) -> None:
    message = _minutes_problem(minutes)
    if message is not None:
        raise InputError([Problem(path, message)], what="argument")


def _minutes_problem(minutes: object) -> str | None:
    if not _is_int(minutes) or minutes < 0:  # type: ignore[operator]
        return f"expected whole minutes >= 0, got {describe(minutes)}"
    if minutes > _MAX_DAY_MINUTES:  # type: ignore[operator]
        return f"expected at most {_MAX_DAY_MINUTES} minutes, got {describe(minutes)}"
    return None


# The timed minutes of one day, summed over its codes, stay far below this; a larger
# number is a mistake (and would make arithmetic on untrusted input unbounded).
_MAX_DAY_MINUTES = 100 * MAX_MINUTES


def _check_catalog(catalog: object) -> None:
    if not isinstance(catalog, CodeCatalog):
        raise InputError([Problem("catalog", f"expected a CodeCatalog, got {describe(catalog)}")], what="argument")


def units_for_minutes(minutes: int) -> int:
    """Units for ``minutes`` of one timed code on one day, by the CMS table.

    0 below 8 minutes, then one more unit at 8, 23, 38, 53, ... minutes
    (CMS Claims Processing Manual ch. 5 section 20.2).
    """
    return CMS.units_for(minutes)


@attrs.frozen
class UnitStep:
    """One decision of an allocation: ``units`` given to ``code``, and why."""

    code: str
    units: int
    reason: str


def _frozen_map(units: Mapping[str, int]) -> FrozenDict[str, int]:
    return FrozenDict(units)


@attrs.frozen
class Allocation:
    """Units per code for one day, with the steps that produced them.

    ``units`` keeps the codes in the order they were given.
    """

    method: UnitMethod
    minutes: tuple[tuple[str, int], ...]
    units: Mapping[str, int] = attrs.field(converter=_frozen_map)
    steps: tuple[UnitStep, ...]

    @property
    def total_minutes(self) -> int:
        return sum(minutes for _, minutes in self.minutes)

    @property
    def total_units(self) -> int:
        return sum(self.units.values())

    def __getitem__(self, code: str) -> int:
        return self.units[code]

    def explain(self) -> str:
        """Where each unit went and why, one line a step."""
        head = f"{self.total_minutes} timed minutes, method {self.method.name}: {self.total_units} units"
        return "\n".join([head, *(f"  {step.code}: {step.reason}" for step in self.steps)])


def _validated(minutes_by_code: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(minutes_by_code, Mapping):
        raise InputError(
            [
                Problem(
                    "minutes_by_code",
                    f"expected a mapping of procedure code to minutes, got {describe(minutes_by_code)}",
                )
            ],
            what="argument",
        )
    problems = []
    for code, minutes in minutes_by_code.items():
        message = procedure_code_problem(code)
        if message is not None:
            problems.append(Problem(f"minutes_by_code[{describe(code)}]", message))
        problem = _minutes_problem(minutes)
        if problem is not None:
            problems.append(Problem(f"minutes_by_code[{describe(code)}]", problem))
    if problems:
        raise InputError(problems, what="argument")
    return tuple(minutes_by_code.items())


def _hand_out(total: int, items: Sequence[tuple[str, int]], unit: int) -> tuple[dict[str, int], list[UnitStep]]:
    """Give ``total`` units to ``items`` (key, minutes): each its whole units first,
    then one each to the items with the largest leftover minutes.

    Ties between equal leftovers go to the item with more minutes, then to the
    lower key, so the result never depends on the order of ``items``.
    """
    units = {key: 0 for key, _ in items}
    steps: list[UnitStep] = []
    for key, minutes in items:
        whole = minutes // unit
        if whole:
            units[key] = whole
            steps.append(
                UnitStep(
                    key, whole, f"{whole} whole unit{'s' if whole != 1 else ''} ({whole * unit} of {minutes} minutes)"
                )
            )
    owed = total - sum(units.values())
    ranked = sorted((item for item in items if item[1] % unit), key=lambda item: (-(item[1] % unit), -item[1], item[0]))
    for rank, (key, minutes) in enumerate(ranked[: max(owed, 0)], start=1):
        units[key] += 1
        steps.append(UnitStep(key, 1, f"+1 unit for {minutes % unit} leftover minutes (largest leftover #{rank})"))
    for key, minutes in items:
        if not units[key]:
            steps.append(
                UnitStep(
                    key, 0, f"no unit: {minutes} minutes, and its leftover is not among the {max(owed, 0)} largest"
                )
            )
    return units, steps


def allocate(minutes_by_code: Mapping[str, int], *, method: str | UnitMethod = "cms") -> Allocation:
    """Units per timed code for one day of service.

    ``method`` is ``"cms"`` (total time, the default), ``"per-code"``, or a
    :class:`UnitMethod` carrying a payer's own threshold.

    >>> allocate({"97112": 24, "97110": 23}).units
    {'97112': 2, '97110': 1}
    """
    chosen = _method(method)
    items = _validated(minutes_by_code)
    if chosen.basis == "per-code":
        units = {code: chosen.units_for(minutes) for code, minutes in items}
        steps = [
            UnitStep(
                code,
                units[code],
                f"{units[code]} unit{'s' if units[code] != 1 else ''} for {minutes} minutes on its own",
            )
            for code, minutes in items
        ]
        return Allocation(chosen, items, units, tuple(steps))
    total_minutes = sum(minutes for _, minutes in items)
    total_units = chosen.units_for(total_minutes)
    units, steps = _hand_out(total_units, items, chosen.unit_minutes)
    return Allocation(chosen, items, units, tuple(steps))


# --------------------------------------------------------------------------- #
# Sessions: the lines a session supports.                                      #
# --------------------------------------------------------------------------- #


@attrs.frozen
class UnbilledTreatment:
    """Treatment minutes that earned no unit, so no line bills them."""

    code: str
    region: Region | None
    minutes: int
    reason: str


@attrs.frozen
class SessionLines:
    """The lines a session supports, the minutes that earned nothing, and the allocation."""

    lines: tuple[ServiceLine, ...]
    unbilled: tuple[UnbilledTreatment, ...]
    allocation: Allocation


def _timed_flags(codes: Iterable[tuple[str, str]], catalog: CodeCatalog) -> dict[str, bool]:
    """``code -> timed`` for each (path, code); UnknownCodeError listing every unknown code."""
    flags: dict[str, bool] = {}
    problems = []
    for path, code in codes:
        info = catalog.get(code)
        if info is None:
            problems.append(Problem(path, catalog.unknown_code_message(code)))
        else:
            flags[code] = info.timed
    if problems:
        raise UnknownCodeError(problems, what="codes")
    return flags


def lines_for_session(
    session: Session, *, method: str | UnitMethod = "cms", catalog: CodeCatalog = DEFAULT_CATALOG
) -> SessionLines:
    """The claim lines a session's treatments support.

    Timed codes: units by ``method`` over the day's timed minutes per code; a code
    treated in several regions gets one line a region, its units handed out over
    the regions the same way (whole units, then largest leftover minutes).
    Untimed codes: one line of 1 unit per code, with the region when only one was
    treated. Minutes that earn no unit are listed in ``unbilled``, never dropped.
    """
    if not isinstance(session, Session):
        raise InputError([Problem("session", f"expected a Session, got {describe(session)}")], what="argument")
    _check_catalog(catalog)
    chosen = _method(method)
    timed = _timed_flags(((f"$.treatments[{i}].code", t.code) for i, t in enumerate(session.treatments)), catalog)
    by_code: dict[str, dict[Region | None, int]] = {}
    for treatment in session.treatments:
        regions = by_code.setdefault(treatment.code, {})
        regions[treatment.region] = regions.get(treatment.region, 0) + treatment.minutes
    timed_minutes = {code: sum(regions.values()) for code, regions in by_code.items() if timed[code]}
    allocation = allocate(timed_minutes, method=chosen)
    lines: list[ServiceLine] = []
    unbilled: list[UnbilledTreatment] = []
    for code, regions in by_code.items():
        if not timed[code]:
            region = next(iter(regions)) if len(regions) == 1 else None
            lines.append(ServiceLine(code=code, minutes=sum(regions.values()), units=1, region=region))
            continue
        keyed = [(f"{index:06d}", minutes) for index, minutes in enumerate(regions.values())]
        shares, _ = _hand_out(allocation[code], keyed, chosen.unit_minutes)
        for index, (region, minutes) in enumerate(regions.items()):
            share = shares[f"{index:06d}"]
            if share:
                lines.append(ServiceLine(code=code, minutes=minutes, units=share, region=region))
            else:
                reason = f"{minutes} minutes earned no unit under method {chosen.name}"
                unbilled.append(UnbilledTreatment(code, region, minutes, reason))
    return SessionLines(tuple(lines), tuple(unbilled), allocation)


# --------------------------------------------------------------------------- #
# Claims: the units each line's documented minutes support.                    #
# --------------------------------------------------------------------------- #


@attrs.frozen
class LineUnits:
    """Billed and supported units of one claim line (``supported`` is None without minutes)."""

    line: int
    code: str
    minutes: int | None
    billed: int | None
    supported: int | None


@attrs.frozen
class UnitFinding:
    """A problem with a line's units, with the denial code a payer would use."""

    line: int
    kind: Literal["units-exceed-minutes", "minutes-missing", "untimed-units"]
    message: str
    fix: str
    carc: str | None


@attrs.frozen
class ClaimUnits:
    """Per-line units of a claim and the findings about them."""

    method: UnitMethod
    lines: tuple[LineUnits, ...]
    findings: tuple[UnitFinding, ...]
    allocations: tuple[tuple[datetime.date, Allocation], ...]

    @property
    def supported(self) -> tuple[int | None, ...]:
        return tuple(line.supported for line in self.lines)


def _day_lines(claim: Claim, timed: Mapping[str, bool]) -> dict[datetime.date, dict[str, list[int]]]:
    """Indexes of the timed lines with minutes, by date of service and code.

    Lines whose code is not in ``timed`` are left out (callers decide whether
    that is an error).
    """
    days: dict[datetime.date, dict[str, list[int]]] = {}
    for index, line in enumerate(claim.lines):
        if timed.get(line.code) and line.minutes is not None:
            days.setdefault(claim.line_date(index), {}).setdefault(line.code, []).append(index)
    return days


def _untimed_units(claim: Claim, timed: Mapping[str, bool]) -> list[UnitFinding]:
    """An untimed code is 1 unit per date of service, "regardless of the number of
    minutes" (CMS Pub 100-04 ch. 5 §20.2 B): a finding per code and date billed with more."""
    billed: dict[tuple[datetime.date, str], list[int]] = {}
    for index, line in enumerate(claim.lines):
        if line.code in timed and not timed[line.code] and line.units is not None:
            billed.setdefault((claim.line_date(index), line.code), []).append(index)
    findings = []
    for (_, code), indexes in billed.items():
        units = sum(claim.lines[i].units or 0 for i in indexes)
        if units > 1:
            findings.append(
                UnitFinding(
                    indexes[0],
                    "untimed-units",
                    f"{_lines_text(indexes)} bill{'s' if len(indexes) == 1 else ''} {units} units of untimed code {code}"
                    " on one date of service; an untimed code is 1 unit a day whatever the minutes",
                    f"bill 1 unit of {code} for the day",
                    "151",
                )
            )
    return findings


def _supported_by_line(
    claim: Claim, days: Mapping[datetime.date, Mapping[str, list[int]]], method: UnitMethod
) -> tuple[dict[int, int], list[tuple[datetime.date, Allocation]]]:
    """Each line's units in the deterministic allocation of its day, and the allocations."""
    supported: dict[int, int] = {}
    allocations = []
    for day, codes in sorted(days.items()):
        minutes = {code: sum(claim.lines[i].minutes or 0 for i in indexes) for code, indexes in codes.items()}
        allocation = allocate(minutes, method=method)
        allocations.append((day, allocation))
        for code, indexes in codes.items():
            keyed = [(f"{i:06d}", claim.lines[i].minutes or 0) for i in indexes]
            shares, _ = _hand_out(allocation[code], keyed, method.unit_minutes)
            supported.update((i, shares[f"{i:06d}"]) for i in indexes)
    return supported, allocations


def supported_units(
    claim: Claim, *, method: str | UnitMethod = "cms", catalog: CodeCatalog = DEFAULT_CATALOG
) -> tuple[int | None, ...]:
    """Per line, the units its minutes support (None for a line without minutes or
    of an untimed or unknown code), in the allocation :func:`allocate` makes."""
    if not isinstance(claim, Claim):
        raise InputError([Problem("claim", f"expected a Claim, got {describe(claim)}")], what="argument")
    _check_catalog(catalog)
    chosen = _method(method)
    timed = {line.code: info.timed for line in claim.lines if (info := catalog.get(line.code)) is not None}
    supported, _ = _supported_by_line(claim, _day_lines(claim, timed), chosen)
    return tuple(supported.get(index) for index in range(len(claim.lines)))


def _most_units(allocation: Allocation) -> dict[str, int]:
    """The most units each code may bill in some compliant allocation of the day.

    Under total time, the units left after the whole units go to the largest
    leftovers; codes whose leftover ties with the last one served may take that
    unit instead, so each of them may bill it (the day's total still bounds the sum).
    """
    method = allocation.method
    if method.basis == "per-code":
        return dict(allocation.units)
    unit = method.unit_minutes
    owed = allocation.total_units - sum(minutes // unit for _, minutes in allocation.minutes)
    leftovers = sorted((minutes % unit for _, minutes in allocation.minutes if minutes % unit), reverse=True)
    if owed <= 0 or not leftovers:
        return {code: minutes // unit for code, minutes in allocation.minutes}
    cut = leftovers[min(owed, len(leftovers)) - 1]
    return {
        code: minutes // unit + (1 if minutes % unit and minutes % unit >= cut else 0)
        for code, minutes in allocation.minutes
    }


def _lines_text(indexes: Sequence[int]) -> str:
    return ("line " if len(indexes) == 1 else "lines ") + ", ".join(str(i) for i in indexes)


def check_claim(
    claim: Claim, *, method: str | UnitMethod = "cms", catalog: CodeCatalog = DEFAULT_CATALOG
) -> ClaimUnits:
    """The units each line's documented minutes support, and findings where billed units exceed them.

    Minutes are pooled per date of service (a line's own date, else the claim's)
    and per code. Billed units are checked per day and code against the most any
    compliant allocation gives that code (where leftover minutes tie, either code
    may take the unit), and, under total time, the day's billed timed units
    against the day's total; so the order of lines never matters. ``supported``
    on each line is the deterministic allocation of :func:`allocate`. A timed line
    billed in units without minutes gets a ``minutes-missing`` finding: its units
    cannot be checked.
    """
    if not isinstance(claim, Claim):
        raise InputError([Problem("claim", f"expected a Claim, got {describe(claim)}")], what="argument")
    _check_catalog(catalog)
    chosen = _method(method)
    timed = _timed_flags(((f"$.lines[{i}].code", line.code) for i, line in enumerate(claim.lines)), catalog)
    days = _day_lines(claim, timed)
    supported, allocations = _supported_by_line(claim, days, chosen)
    findings: list[UnitFinding] = []
    for day, allocation in allocations:
        most = _most_units(allocation)
        billed_lines: list[int] = []
        flagged = False
        for code, indexes in days[day].items():
            billed = [i for i in indexes if claim.lines[i].units is not None]
            billed_lines.extend(billed)
            units = sum(claim.lines[i].units or 0 for i in billed)
            if billed and units > most[code]:
                flagged = True
                minutes = sum(claim.lines[i].minutes or 0 for i in indexes)
                findings.append(
                    UnitFinding(
                        billed[0],
                        "units-exceed-minutes",
                        f"{_lines_text(billed)} bill{'s' if len(billed) == 1 else ''} {units} units of {code};"
                        f" its {minutes} documented minutes that day support at most {most[code]}"
                        f" under method {chosen.name}",
                        f"bill at most {most[code]} units, or document the minutes that support {units}",
                        "151",
                    )
                )
        units = sum(claim.lines[i].units or 0 for i in billed_lines)
        if chosen.basis == "total-time" and not flagged and units > allocation.total_units:
            billed_lines.sort()
            findings.append(
                UnitFinding(
                    billed_lines[0],
                    "units-exceed-minutes",
                    f"{_lines_text(billed_lines)} bill {units} timed units in all;"
                    f" the day's {allocation.total_minutes} timed minutes support {allocation.total_units}"
                    f" under method {chosen.name}",
                    f"bill {allocation.total_units} timed units in all for the day",
                    "151",
                )
            )
    findings.extend(_untimed_units(claim, timed))
    results = []
    for index, line in enumerate(claim.lines):
        results.append(LineUnits(index, line.code, line.minutes, line.units, supported.get(index)))
        if timed[line.code] and line.minutes is None:
            findings.append(
                UnitFinding(
                    index,
                    "minutes-missing",
                    f"line {index} bills timed code {line.code} without its minutes, so its units cannot be checked",
                    "document the minutes of direct treatment per code",
                    None,
                )
            )
    findings.sort(key=lambda finding: finding.line)  # stable: a line's findings keep their order
    return ClaimUnits(chosen, tuple(results), tuple(findings), tuple(allocations))
