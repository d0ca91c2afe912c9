"""The values a superbill needs beyond the model: the practice, the client and a payment.

A claim holds no practice name, address or tax id and no client name; these
classes carry them, validated and read from JSON like the model's own classes
(every problem at its JSON path, health information never echoed). The checks
of their fields that the model does not already have are decided here too.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

import attrs

from massagecodes._codes import procedure_code_problem
from massagecodes._frozen import FrozenDict
from massagecodes._model import (
    _BAD,
    Issues,
    _check_date,
    _check_items,
    _check_money,
    _check_npi,
    _check_taxonomy,
    _check_text,
    _child,
    _dump_date,
    _dump_money,
    _load_date,
    _load_list,
    _load_money,
    _Model,
    _Reading,
    _Spec,
    _to_money,
    _tuple,
)
from massagecodes._text import describe

MAX_ADDRESS_LINES = 4
# An employer identification number as the IRS writes it: two digits, a dash, seven digits.
_EIN = re.compile(r"[0-9]{2}-[0-9]{7}")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_SSN_SHAPE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")


# --------------------------------------------------------------------------- #
# Field checks and loaders that the model does not already have.              #
# --------------------------------------------------------------------------- #


def _check_ein(value: object) -> Issues:
    # A tax id is never echoed: a mistyped one may be a Social Security number.
    if isinstance(value, str) and _EIN.fullmatch(value):
        return []
    message = f"expected an EIN written as 12-3456789, got {describe(value, sensitive=True)}"
    if isinstance(value, str) and _NINE_DIGITS.fullmatch(value):
        message += " (write it with its dash after the second digit)"
    elif isinstance(value, str) and _SSN_SHAPE.fullmatch(value):
        message += " shaped like a Social Security number; a superbill carries the practice's EIN, never an SSN"
    return [("", message)]


def _check_address(*, required: bool, sensitive: bool = False) -> Any:
    lines = _check_items(_check_text(sensitive=sensitive), max_len=MAX_ADDRESS_LINES, label="address lines")

    def check(value: object) -> Issues:
        issues = lines(value)
        if required and isinstance(value, tuple) and not value:
            issues.append(("", "expected at least one address line"))
        return issues

    return check


def _check_map(key: Any, value: Any, what: str) -> Any:
    """A check of a mapping: every key with ``key``, every value with ``value``."""

    def check(mapping: object) -> Issues:
        if not isinstance(mapping, Mapping):
            return [("", f"expected {what}, got {describe(mapping)}")]
        issues: Issues = []
        for name, item in mapping.items():
            if not isinstance(name, str):
                issues.append(("", f"expected string keys, got {describe(name)}"))
                continue
            sub = _child("", name)
            issues.extend((sub, message) for _, message in key(name))
            issues.extend((sub + inner, message) for inner, message in value(item))
        return issues

    return check


def _load_map(key: Any, value: Any, what: str) -> Any:
    """A loader of a JSON object: each key checked with ``key``, each value loaded with ``value``."""

    def load(raw: object, path: str, ctx: _Reading) -> object:
        if not isinstance(raw, dict):
            return ctx.add(path, f"expected {what}, got {ctx.got(raw)}")
        loaded: dict[str, object] = {}
        for name, item in raw.items():
            where = _child(path, str(name))
            issues = key(name)
            for _, message in issues:
                ctx.add(where, message)
            loaded[name] = _BAD if issues else value(item, where, ctx)
        return _BAD if any(item is _BAD for item in loaded.values()) else FrozenDict(loaded)

    return load


def _check_code_key(value: object) -> Issues:
    problem = procedure_code_problem(value)
    return [] if problem is None else [("", problem)]


def _check_npi_key(value: object) -> Issues:
    return _check_npi(value)


def _check_fee(value: object) -> Issues:
    return _check_money(value)


def _check_positive_money(value: object) -> Issues:
    issues = _check_money(value)
    if not issues and value == 0:
        return [("", "expected an amount > 0")]
    return issues


def _to_fees(value: Mapping[str, Decimal | str | int]) -> Mapping[str, Decimal]:
    """attrs converter: a mapping becomes a read-only one, its decimal strings Decimals."""
    given: Any = value  # anything else passes through, for the check to report
    if isinstance(given, Mapping):
        return cast(Mapping[str, Decimal], FrozenDict({name: _to_money(fee) for name, fee in given.items()}))
    return cast(Mapping[str, Decimal], given)


def _to_names(value: Mapping[str, str]) -> Mapping[str, str]:
    given: Any = value
    return FrozenDict(given) if isinstance(given, Mapping) else cast(Mapping[str, str], given)


def _dump_fees(fees: Mapping[str, Decimal]) -> dict[str, str]:
    return {code: _dump_money(fee) for code, fee in fees.items()}


# --------------------------------------------------------------------------- #
# The values.                                                                  #
# --------------------------------------------------------------------------- #


@attrs.frozen(kw_only=True)
class Practice(_Model):
    """Who bills: the practice's name, address, identifiers, providers and fees.

    ``npi`` is the practice's own (billing) NPI; a solo practitioner writes their
    individual NPI here too. ``tax_id`` is the practice's EIN (``12-3456789``).
    ``providers`` maps a rendering provider's NPI to the name printed for them
    (``"Jane Doe, LMT"``); the model's :class:`~massagecodes.Provider` has no name.
    ``fees`` maps a procedure code to the fee per unit, which prices the lines that
    carry no charge of their own (every line of a session).
    """

    name: str
    address: tuple[str, ...] = attrs.field(converter=_tuple)
    npi: str
    tax_id: str
    taxonomy: str
    phone: str | None = None
    providers: Mapping[str, str] = attrs.field(factory=FrozenDict, converter=_to_names)
    fees: Mapping[str, Decimal] = attrs.field(factory=FrozenDict, converter=_to_fees)

    _WHAT = "practice"
    _SPECS = (
        _Spec("name", _check_text()),
        _Spec(
            "address",
            _check_address(required=True),
            load=_load_list(lambda raw, path, ctx: raw, what="a list of address lines"),
            dump=list,
        ),
        _Spec("npi", _check_npi),
        _Spec("tax_id", _check_ein),
        _Spec("taxonomy", _check_taxonomy),
        _Spec("phone", _check_text(), default=None),
        _Spec(
            "providers",
            _check_map(_check_npi_key, _check_text(), "an object of NPI to the provider's name"),
            load=_load_map(_check_npi_key, lambda raw, path, ctx: raw, "an object of NPI to the provider's name"),
            dump=dict,
            default=FrozenDict,
        ),
        _Spec(
            "fees",
            _check_map(_check_code_key, _check_fee, "an object of procedure code to fee per unit"),
            load=_load_map(_check_code_key, _load_money, "an object of procedure code to fee per unit"),
            dump=_dump_fees,
            default=FrozenDict,
        ),
    )


@attrs.frozen(kw_only=True)
class Client(_Model):
    """The client as printed on the superbill: name and, optionally, postal address.

    The model's :class:`~massagecodes.Patient` holds only an opaque id and a birth
    date, so the name comes from here. Both are health information: messages
    about them never show their values.
    """

    name: str
    address: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    _WHAT = "client"
    _SENSITIVE = True
    _SPECS = (
        _Spec("name", _check_text(sensitive=True), sensitive=True),
        _Spec(
            "address",
            _check_address(required=False, sensitive=True),
            load=_load_list(lambda raw, path, ctx: raw, what="a list of address lines"),
            dump=list,
            default=tuple,
            sensitive=True,
        ),
    )


@attrs.frozen(kw_only=True)
class Payment(_Model):
    """A payment already made: its amount (a Decimal > 0) and, optionally, date and method."""

    amount: Decimal = attrs.field(converter=_to_money)
    date: datetime.date | None = None
    method: str | None = None

    _WHAT = "payment"
    _SPECS = (
        _Spec("amount", _check_positive_money, load=_load_money, dump=_dump_money),
        _Spec("date", _check_date, load=_load_date, dump=_dump_date, default=None),
        _Spec("method", _check_text(sensitive=True), default=None, sensitive=True),
    )
