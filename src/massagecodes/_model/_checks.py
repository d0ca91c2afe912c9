"""Field checks: whether a python value is valid for a field, as problems ``(sub-path, message)``.

A check decides what a field accepts and says what it expected; it never converts.
The same checks run on a hand-built object (on construction) and on a value read
from JSON (after loading), so both are refused with the same messages.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from massagecodes._codes import (
    MAX_DIAGNOSES,
    TAXONOMY,
    US_STATES,
    diagnosis_problem,
    modifier_problem,
    npi_problem,
    procedure_code_problem,
)
from massagecodes._model._enums import MAX_MINUTES
from massagecodes._text import describe, one_of

Issues = list[tuple[str, str]]
Check = Callable[[Any], Issues]


def _one(message: str | None) -> Issues:
    return [] if message is None else [("", message)]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_code(value: object) -> Issues:
    return _one(procedure_code_problem(value))


def _check_npi(value: object) -> Issues:
    # An NPI identifies a provider, not a patient: it is public and may be echoed.
    return _one(npi_problem(value))


def _check_minutes(value: object) -> Issues:
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        return [("", f"expected whole minutes >= 0, got {describe(value)}")]
    if value > MAX_MINUTES:  # type: ignore[operator]
        return [("", f"expected at most {MAX_MINUTES} minutes (one day), got {describe(value)}")]
    return []


def _optional(check: Check) -> Check:
    def checked(value: object) -> Issues:
        return [] if value is None else check(value)

    return checked


def _check_units(value: object) -> Issues:
    if _is_int(value) and value >= 1:  # type: ignore[operator]
        return []
    return [("", f"expected whole units >= 1, got {describe(value)}")]


def _check_text(*, sensitive: bool = False, what: str = "a non-empty string") -> Check:
    def check(value: object) -> Issues:
        if isinstance(value, str) and value.strip() and value.isprintable():
            return []
        return [("", f"expected {what} without control characters, got {describe(value, sensitive=sensitive)}")]

    return check


def _check_date(value: object) -> Issues:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return []
    return [("", f"expected a datetime.date, got {describe(value, sensitive=True)}")]


def _check_instance(cls: type, what: str) -> Check:
    def check(value: object) -> Issues:
        return [] if isinstance(value, cls) else [("", f"expected {what}, got {describe(value, sensitive=True)}")]

    return check


def _check_enum(cls: type[enum.StrEnum]) -> Check:
    def check(value: object) -> Issues:
        if isinstance(value, cls):
            return []
        return [("", f"expected {one_of(m.value for m in cls)}, got {describe(value)}")]

    return check


def _check_items(item: Check, *, max_len: int | None = None, unique: bool = False, label: str = "items") -> Check:
    def check(values: object) -> Issues:
        if not isinstance(values, tuple | frozenset):
            return [("", f"expected a list of {label}, got {describe(values, sensitive=True)}")]
        issues: Issues = []
        if max_len is not None and len(values) > max_len:
            issues.append(("", f"expected at most {max_len} {label}, got {len(values)}"))
        seen: set[object] = set()
        for index, value in enumerate(values):
            issues.extend((f"[{index}]{sub}", message) for sub, message in item(value))
            if unique:
                try:
                    duplicate = value in seen
                    seen.add(value)
                except TypeError:  # unhashable: the item check has reported it
                    continue
                if duplicate:
                    issues.append((f"[{index}]", f"duplicate of an earlier item ({label} are listed once)"))
        return issues

    return check


def _check_modifier(value: object) -> Issues:
    return _one(modifier_problem(value))


def _check_diagnosis(value: object) -> Issues:
    return _one(diagnosis_problem(value))


def _check_pointer(value: object) -> Issues:
    if _is_int(value) and 1 <= value <= MAX_DIAGNOSES:  # type: ignore[operator]
        return []
    return [("", f"expected a diagnosis pointer 1-{MAX_DIAGNOSES} or A-L, got {describe(value)}")]


def _check_money(value: object) -> Issues:
    if isinstance(value, Decimal) and value.is_finite() and value >= 0 and value.as_tuple().exponent >= -2:  # type: ignore[operator]
        return []
    return [
        (
            "",
            f'expected an amount >= 0 with at most 2 decimal places, as a string such as "120.00", got {describe(value)}',
        )
    ]


def _check_state(value: object) -> Issues:
    if isinstance(value, str) and value in US_STATES:
        return []
    hint = ""
    if isinstance(value, str) and value.upper() in US_STATES:
        hint = f' (write it in capitals: "{value.upper()}")'
    return [("", f"expected a two-letter US state code (e.g. WA), got {describe(value)}{hint}")]


def _check_taxonomy(value: object) -> Issues:
    if isinstance(value, str) and TAXONOMY.fullmatch(value):
        return []
    return [
        ("", f"expected a provider taxonomy code of 10 characters ending in X (e.g. 225700000X), got {describe(value)}")
    ]


def _check_place_of_service(value: object) -> Issues:
    # CMS place-of-service codes: two digits (11 office, 12 home, 02/10 telehealth, ...).
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isdigit() and value != "00":
        return []
    return [("", f'expected a two-digit place-of-service code such as "11" (office), got {describe(value)}')]


def _check_pain(value: object) -> Issues:
    # A pain score is health information: the found value is not echoed.
    if _is_int(value) and 0 <= value <= 10:  # type: ignore[operator]
        return []
    return [("", f"expected a pain scale, a whole number from 0 to 10, got {describe(value, sensitive=True)}")]


def _check_visits(value: object) -> Issues:
    if _is_int(value) and value >= 1:  # type: ignore[operator]
        return []
    return [("", f"expected a whole number of visits >= 1, got {describe(value, sensitive=True)}")]


def _check_nonempty_items(cls: type, what: str, label: str) -> Check:
    items = _check_items(_check_instance(cls, what))

    def check(values: object) -> Issues:
        if not isinstance(values, tuple):
            return [("", f"expected a list of {label}s, got {describe(values, sensitive=True)}")]
        issues = items(values)
        if not values:
            issues.append(("", f"expected at least one {label}"))
        return issues

    return check
