"""Superbills: the itemised receipt a client sends to their own insurer (DOMAIN.md section 7).

A superbill names the practice and the rendering provider (NPI, taxonomy, tax id),
the client, the dates of service, the ICD-10-CM diagnoses, the procedure lines with
their modifiers, units and charges, the payments, the balance due, and has a line
for the provider's signature. This module makes one from a :class:`~massagecodes.Claim`
or a :class:`~massagecodes.Session` and a :class:`Practice`, as a self-contained HTML
page (:func:`render_html`, no extra needed) or a one-page PDF (:func:`render_pdf`,
extra ``pdf``: ``pip install 'massagecodes[pdf]'``).

Money is :class:`~decimal.Decimal` throughout and nothing is guessed: a line whose
charge is neither on the claim nor in the practice's fee schedule is printed as
"not given", and so are the totals that would need it.

Layers: the values (:class:`Practice`, :class:`Client`, :class:`Payment`) -> ``_build``
(every number decided, once) -> the HTML or PDF writer, which only lays out what
it is given.
"""

from __future__ import annotations

import datetime
import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast

import attrs

from massagecodes import units as _units
from massagecodes._codes import DEFAULT_CATALOG, POINTER_LETTERS, CodeCatalog, diagnosis_problem, procedure_code_problem
from massagecodes._frozen import FrozenDict
from massagecodes._model import (
    _BAD,
    Claim,
    Issues,
    Patient,
    Provider,
    Referral,
    Session,
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
    _refuse_constant,
    _Spec,
    _to_money,
    _tuple,
)
from massagecodes._text import describe
from massagecodes.errors import ExtraMissingError, InputError, Problem

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = ["Client", "Payment", "Practice", "render_html", "render_pdf"]

MAX_ADDRESS_LINES = 4
# An employer identification number as the IRS writes it: two digits, a dash, seven digits.
_EIN = re.compile(r"[0-9]{2}-[0-9]{7}")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_SSN_SHAPE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
_CENT = Decimal("0.01")


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


# --------------------------------------------------------------------------- #
# Building: every number of the superbill, decided once.                       #
# --------------------------------------------------------------------------- #


@attrs.frozen
class _Line:
    date: datetime.date
    code: str
    description: str
    region: str | None
    modifiers: tuple[str, ...]
    pointers: tuple[str, ...]
    units: int | None
    unit_fee: Decimal | None
    amount: Decimal | None


@attrs.frozen
class _Diagnosis:
    letter: str
    code: str
    description: str | None


@attrs.frozen
class _Bill:
    practice: Practice
    provider: Provider
    provider_name: str | None
    client: Client | None
    patient: Patient | None
    payer: str | None
    referral: Referral | None
    authorization: str | None
    dates: tuple[datetime.date, ...]
    diagnoses: tuple[_Diagnosis, ...]
    lines: tuple[_Line, ...]
    payments: tuple[Payment, ...]
    issued: datetime.date | None
    descriptions: bool  # whether ICD-10-CM descriptions were looked up

    @property
    def unpriced(self) -> tuple[int, ...]:
        """Numbers (1-based, as printed) of the lines without an amount."""
        return tuple(number for number, line in enumerate(self.lines, start=1) if line.amount is None)

    @property
    def total(self) -> Decimal | None:
        if self.unpriced:
            return None
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal("0.00"))

    @property
    def paid(self) -> Decimal:
        return sum((payment.amount for payment in self.payments), Decimal("0.00"))

    @property
    def balance(self) -> Decimal | None:
        total = self.total
        return None if total is None else total - self.paid

    def note(self) -> str | None:
        """Why the totals are not given, when they are not."""
        unpriced = self.unpriced
        if not unpriced:
            return None
        which = ", ".join(f"{number} ({self.lines[number - 1].code})" for number in unpriced)
        noun = "line" if len(unpriced) == 1 else "lines"
        return (
            f"No charge is given for {noun} {which}, and the practice's fee schedule has no fee for it: "
            "the total charges and the balance due are not given."
        )


def _argument_error(name: str, message: str) -> InputError:
    return InputError([Problem(name, message)], what="argument")


def _checked_arguments(
    source: object,
    practice: object,
    client: object,
    payments: object,
    diagnoses: object,
    issued: object,
    catalog: object,
) -> tuple[tuple[Payment, ...], tuple[str, ...]]:
    problems: list[Problem] = []
    if not isinstance(source, Claim | Session):
        problems.append(Problem("source", f"expected a Claim or a Session, got {describe(source, sensitive=True)}"))
    if not isinstance(practice, Practice):
        problems.append(Problem("practice", f"expected a Practice, got {describe(practice, sensitive=True)}"))
    if client is not None and not isinstance(client, Client):
        problems.append(Problem("client", f"expected a Client or None, got {describe(client, sensitive=True)}"))
    paid: tuple[Payment, ...] = ()
    if isinstance(payments, Iterable) and not isinstance(payments, str | bytes | Mapping):
        paid = tuple(payments)
        problems.extend(
            Problem(f"payments[{index}]", f"expected a Payment, got {describe(item, sensitive=True)}")
            for index, item in enumerate(paid)
            if not isinstance(item, Payment)
        )
    else:
        problems.append(Problem("payments", f"expected a list of Payments, got {describe(payments, sensitive=True)}"))
    codes: tuple[str, ...] = ()
    if isinstance(diagnoses, Sequence) and not isinstance(diagnoses, str | bytes):
        codes = tuple(diagnoses)
        for index, code in enumerate(codes):
            problem = diagnosis_problem(code)
            if problem is not None:
                problems.append(Problem(f"diagnoses[{index}]", problem))
        if len(codes) > len(POINTER_LETTERS):
            problems.append(
                Problem("diagnoses", f"expected at most {len(POINTER_LETTERS)} diagnoses, got {len(codes)}")
            )
        if len(set(codes)) != len(codes):
            problems.append(Problem("diagnoses", "expected each diagnosis once"))
        if codes and isinstance(source, Claim):
            problems.append(
                Problem("diagnoses", "a claim carries its own diagnoses: give diagnoses with a session only")
            )
    else:
        problems.append(Problem("diagnoses", f"expected a list of ICD-10-CM codes, got {describe(diagnoses)}"))
    if issued is not None and (not isinstance(issued, datetime.date) or isinstance(issued, datetime.datetime)):
        problems.append(Problem("issued", f"expected a datetime.date or None, got {describe(issued)}"))
    if not isinstance(catalog, CodeCatalog):
        problems.append(Problem("catalog", f"expected a CodeCatalog, got {describe(catalog)}"))
    problems += _too_long(practice, client, paid)
    problems += _too_much(source, paid)
    if problems:
        raise InputError(problems, what="argument")
    return paid, codes


# What one page can print: a longer text or a larger amount is refused by name, not
# wrapped onto a second page or clipped.
_MAX_TEXT = 120
_MAX_MONEY = Decimal("99999999.99")


def _too_long(practice: object, client: object, paid: Sequence[object]) -> list[Problem]:
    texts: list[tuple[str, object, bool]] = []
    if isinstance(practice, Practice):
        texts += [("practice.name", practice.name, False), ("practice.phone", practice.phone, False)]
        texts += [(f"practice.address[{index}]", line, False) for index, line in enumerate(practice.address)]
        texts += [(f"practice.providers[{npi}]", name, False) for npi, name in practice.providers.items()]
    if isinstance(client, Client):  # health information: lengths are said, never the text
        texts += [("client.name", client.name, True)]
        texts += [(f"client.address[{index}]", line, True) for index, line in enumerate(client.address)]
    texts += [
        (f"payments[{index}].method", payment.method, False)
        for index, payment in enumerate(paid)
        if isinstance(payment, Payment)
    ]
    return [
        Problem(path, f"expected at most {_MAX_TEXT} characters to print on one page, got {len(text)}")
        for path, text, _ in texts
        if isinstance(text, str) and len(text) > _MAX_TEXT
    ]


def _too_much(source: object, paid: Sequence[object]) -> list[Problem]:
    amounts: list[tuple[str, Decimal | None]] = []
    if isinstance(source, Claim):
        amounts += [(f"source.lines[{index}].charge", line.charge) for index, line in enumerate(source.lines)]
        charges = [line.charge for line in source.lines if line.charge is not None]
        amounts.append(("source.lines", sum(charges, Decimal(0))))
    amounts += [
        (f"payments[{index}].amount", payment.amount)
        for index, payment in enumerate(paid)
        if isinstance(payment, Payment)
    ]
    return [
        Problem(path, f"expected at most {_MAX_MONEY:,} to print on a superbill")
        for path, amount in amounts
        if amount is not None and amount > _MAX_MONEY
    ]


def _icd10_descriptions(codes: Sequence[str]) -> tuple[list[str | None], bool]:
    """Each code's ICD-10-CM description, when the icd10 extra is installed."""
    from massagecodes import icd10

    try:
        return [icd10.description(code) for code in codes], True
    except ExtraMissingError:  # documented: without the extra a superbill lists the codes only
        return [None for _ in codes], False


def _unit_fee(amount: Decimal, units: int | None) -> Decimal | None:
    """The fee per unit of a line total, when it divides exactly to the cent."""
    if not units:
        return None
    fee = amount / units
    return fee if fee == fee.quantize(_CENT) and fee * units == amount else None


def _priced(
    practice: Practice, code: str, units: int | None, charge: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """(fee per unit, line amount): the line's own charge, else the fee schedule's fee x units."""
    if charge is not None:
        return _unit_fee(charge, units), charge
    fee = practice.fees.get(code)
    if fee is None or units is None:
        return None, None
    return fee, fee * units


def _build(
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None,
    payments: object,
    diagnoses: object,
    method: str | _units.UnitMethod,
    catalog: CodeCatalog,
    issued: datetime.date | None,
    descriptions: bool,
) -> _Bill:
    paid, extra_codes = _checked_arguments(source, practice, client, payments, diagnoses, issued, catalog)

    def described(code: str) -> str:
        info = catalog.get(code)
        return "" if info is None else info.description

    lines: list[_Line] = []
    unbilled: list[int] = []
    patient: Patient | None
    if isinstance(source, Claim):
        codes = source.diagnoses
        supported = _units.supported_units(source, method=method, catalog=catalog)
        for index, line in enumerate(source.lines):
            count = line.units
            if count is None:
                info = catalog.get(line.code)
                # Units the documented minutes support (the same arithmetic as
                # ``massagecodes units --claim``); an untimed code is one service.
                count = supported[index] if info is None or info.timed else 1
            if count == 0:
                unbilled.append(index)
            fee, amount = _priced(practice, line.code, count, line.charge)
            lines.append(
                _Line(
                    date=source.line_date(index),
                    code=line.code,
                    description=described(line.code),
                    region=None if line.region is None else str(line.region),
                    modifiers=line.modifiers,
                    pointers=tuple(POINTER_LETTERS[pointer - 1] for pointer in line.diagnosis_pointers),
                    units=count,
                    unit_fee=fee,
                    amount=amount,
                )
            )
        if unbilled:  # never a charge printed against no unit
            raise InputError(
                [
                    Problem(
                        f"source.lines[{index}].minutes",
                        "these minutes support no unit: bill the line with units, or leave it out",
                    )
                    for index in unbilled
                ],
                what="superbill",
            )
        provider, patient = source.provider, source.patient
        payer = source.payer.name
        referral = source.referral
        authorization = None if source.authorization is None else source.authorization.number
    else:
        codes = extra_codes
        for line in _units.lines_for_session(source, method=method, catalog=catalog).lines:
            fee, amount = _priced(practice, line.code, line.units, None)
            lines.append(
                _Line(
                    date=source.date,
                    code=line.code,
                    description=described(line.code),
                    region=None if line.region is None else str(line.region),
                    modifiers=(),
                    pointers=(),
                    units=line.units,
                    unit_fee=fee,
                    amount=amount,
                )
            )
        provider, patient, payer, referral, authorization = source.provider, source.patient, None, None, None
    if not lines:
        raise InputError(
            [Problem("source", "no line to bill: every treatment's minutes earned no unit")], what="superbill"
        )
    looked_up, found = _icd10_descriptions(codes) if descriptions and codes else ([None] * len(codes), False)
    return _Bill(
        practice=practice,
        provider=provider,
        provider_name=practice.providers.get(provider.npi),
        client=client,
        patient=patient,
        payer=payer,
        referral=referral,
        authorization=authorization,
        dates=tuple(sorted({line.date for line in lines})),
        diagnoses=tuple(
            _Diagnosis(POINTER_LETTERS[index], code, text)
            for index, (code, text) in enumerate(zip(codes, looked_up, strict=True))
        ),
        lines=tuple(lines),
        payments=paid,
        issued=issued,
        descriptions=found,
    )


# --------------------------------------------------------------------------- #
# Text shared by both writers.                                                 #
# --------------------------------------------------------------------------- #

NOT_GIVEN = "not given"


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return NOT_GIVEN
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _dates_text(dates: Sequence[datetime.date]) -> str:
    """``Date of service 2025-03-14`` or ``Dates of service 2025-03-10 to 2025-03-17``."""
    if len(dates) == 1:
        return f"Date of service {dates[0].isoformat()}"
    return f"Dates of service {dates[0].isoformat()} to {dates[-1].isoformat()}"


def _provider_rows(bill: _Bill) -> list[tuple[str, str]]:
    provider = bill.provider
    name = bill.provider_name or "(name not in the practice file)"
    rows = [("Rendering provider", f"{name}, {provider.license.value}"), ("Provider NPI", provider.npi)]
    if provider.taxonomy is not None:
        rows.append(("Provider taxonomy", provider.taxonomy))
    practice = bill.practice
    rows += [("Practice NPI", practice.npi), ("Tax ID (EIN)", practice.tax_id), ("Taxonomy", practice.taxonomy)]
    if bill.referral is not None:
        rows.append(("Referred by", f"NPI {bill.referral.npi}, {bill.referral.date.isoformat()}"))
    return rows


def _client_rows(bill: _Bill) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if bill.client is not None:
        rows.append(("Name", bill.client.name))
        rows.extend(("Address" if index == 0 else "", line) for index, line in enumerate(bill.client.address))
    else:
        rows.append(("Name", NOT_GIVEN))
    if bill.patient is not None:
        rows.append(("Account", bill.patient.id))
        if bill.patient.birth_date is not None:
            rows.append(("Date of birth", bill.patient.birth_date.isoformat()))
    if bill.payer is not None:
        rows.append(("Insurer", bill.payer))
    if bill.authorization is not None:
        rows.append(("Prior authorization", bill.authorization))
    return rows


def _line_description(line: _Line) -> str:
    """The service's short name (the catalog description up to its colon), then the region."""
    name = line.description.split(":", 1)[0]
    return ", ".join(part for part in (name, line.region) if part)


def _payment_text(payment: Payment) -> str:
    parts = [part for part in (payment.date and payment.date.isoformat(), payment.method) if part]
    return "Payment" + (f" ({', '.join(parts)})" if parts else "")


def _total_rows(bill: _Bill) -> list[tuple[str, str, bool]]:
    """(label, amount, emphasised) for the totals block."""
    rows = [("Total charges", _money(bill.total), False)]
    rows.extend((_payment_text(payment), _money(-payment.amount), False) for payment in bill.payments)
    rows.append(("Total paid", _money(bill.paid), False))
    balance = bill.balance
    if balance is not None and balance < 0:
        rows.append(("Credit to client", _money(-balance), True))
    else:
        rows.append(("Balance due", _money(balance), True))
    return rows


_CERTIFY = "I certify that the services listed above were provided by me or under my supervision."


# --------------------------------------------------------------------------- #
# HTML.                                                                        #
# --------------------------------------------------------------------------- #

_CSS = """
@page { size: letter; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 10pt; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 8mm 0; line-height: 1.35; }
header { display: flex; justify-content: space-between; align-items: flex-start;
         border-bottom: 2px solid #1f3a5f; padding-bottom: 4mm; }
header h1 { font-size: 15pt; margin: 0 0 1mm; }
header .title { text-align: right; }
header .title h2 { font-size: 18pt; letter-spacing: 0.08em; margin: 0 0 1mm; color: #1f3a5f; }
.muted { color: #555; }
.parties { display: flex; gap: 6mm; margin: 4mm 0; }
.parties section { flex: 1; border: 1px solid #bbb; border-radius: 2mm; padding: 2mm 3mm; }
h3 { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.06em; color: #1f3a5f; margin: 0 0 1.5mm; }
table { border-collapse: collapse; width: 100%; }
.kv th { text-align: left; font-weight: normal; color: #555; padding: 0.4mm 3mm 0.4mm 0; white-space: nowrap;
         vertical-align: top; width: 1%; }
.kv td { padding: 0.4mm 0; }
.grid { margin: 2mm 0 4mm; }
.grid th { background: #e8edf3; text-align: left; font-size: 9pt; }
.grid th, .grid td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.totals { width: 45%; margin-left: auto; }
.totals td { padding: 0.8mm 1.5mm; }
.totals tr.strong td { font-weight: bold; border-top: 1.5px solid #111; font-size: 11pt; }
.note { border-left: 3px solid #b26b00; padding: 1mm 3mm; margin: 3mm 0; }
.signature { display: flex; gap: 10mm; margin-top: 10mm; }
.signature div { border-top: 1px solid #111; padding-top: 1mm; }
.signature .sign { flex: 3; }
.signature .date { flex: 1; }
@media print { body { padding: 0; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _kv_table(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in rows)
    return f'<table class="kv">{cells}</table>'


def _html(bill: _Bill) -> str:
    practice = bill.practice
    contact = [*practice.address, *([] if practice.phone is None else [practice.phone])]
    title_rows = []
    if bill.issued is not None:
        title_rows.append(f"Statement date {bill.issued.isoformat()}")
    title_rows.append(_dates_text(bill.dates))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Superbill, {_e(_dates_text(bill.dates))}</title><style>{_CSS}</style></head>",
        "<body>",
        "<header><div>",
        f"<h1>{_e(practice.name)}</h1>",
        *(f'<div class="muted">{_e(line)}</div>' for line in contact),
        '</div><div class="title"><h2>SUPERBILL</h2>',
        *(f"<div>{_e(row)}</div>" for row in title_rows),
        "</div></header>",
        '<div class="parties">',
        f"<section><h3>Provider</h3>{_kv_table(_provider_rows(bill))}</section>",
        f"<section><h3>Client</h3>{_kv_table(_client_rows(bill))}</section>",
        "</div>",
        "<h3>Diagnoses (ICD-10-CM)</h3>",
    ]
    if bill.diagnoses:
        rows = "".join(
            f'<tr><td class="nowrap">{d.letter}</td><td class="nowrap">{_e(d.code)}</td>'
            + ("" if not bill.descriptions else f"<td>{_e(d.description or '(not in ICD-10-CM)')}</td>")
            + "</tr>"
            for d in bill.diagnoses
        )
        head = "<th>Ptr</th><th>Code</th>" + ("<th>Description</th>" if bill.descriptions else "")
        parts.append(f'<table class="grid"><tr>{head}</tr>{rows}</table>')
    else:
        parts.append('<p class="muted">None given.</p>')
    parts.append("<h3>Services</h3>")
    head = "".join(
        f'<th class="{cls}">{label}</th>' if cls else f"<th>{label}</th>"
        for label, cls in [
            ("#", "num"),
            ("Date", ""),
            ("Code", ""),
            ("Modifiers", ""),
            ("Description", ""),
            ("Dx ptr", ""),
            ("Units", "num"),
            ("Fee/unit", "num"),
            ("Amount", "num"),
        ]
    )
    body = "".join(
        "<tr>"
        f'<td class="num">{number}</td>'
        f'<td class="nowrap">{line.date.isoformat()}</td>'
        f"<td>{_e(line.code)}</td>"
        f"<td>{_e(' '.join(line.modifiers))}</td>"
        f"<td>{_e(_line_description(line))}</td>"
        f"<td>{_e(' '.join(line.pointers))}</td>"
        f'<td class="num">{"" if line.units is None else line.units}</td>'
        f'<td class="num">{"" if line.unit_fee is None else _e(_money(line.unit_fee))}</td>'
        f'<td class="num">{_e(_money(line.amount))}</td>'
        "</tr>"
        for number, line in enumerate(bill.lines, start=1)
    )
    parts.append(f'<table class="grid"><tr>{head}</tr>{body}</table>')
    totals = "".join(
        f'<tr class="{"strong" if strong else "plain"}"><td>{_e(label)}</td><td class="num">{_e(amount)}</td></tr>'
        for label, amount, strong in _total_rows(bill)
    )
    parts.append(f'<table class="totals">{totals}</table>')
    note = bill.note()
    if note is not None:
        parts.append(f'<p class="note">{_e(note)}</p>')
    signer = bill.provider_name or f"NPI {bill.provider.npi}"
    parts += [
        f"<p>{_e(_CERTIFY)}</p>",
        '<div class="signature">',
        f'<div class="sign">Provider signature: {_e(signer)}, {_e(bill.provider.license.value)}</div>',
        '<div class="date">Date</div>',
        "</div>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- #
# PDF (fpdf2, extra "pdf").                                                    #
# --------------------------------------------------------------------------- #

_PAGE_MARGIN = 15.0  # mm, all round, US Letter
_NAVY = (31, 58, 95)
_GREY = (85, 85, 85)
_RULE = (187, 187, 187)
_HEAD_FILL = (232, 237, 243)
_CELL_PADDING = 1.2  # mm, left and right of a table cell's text
# The first four bytes of TrueType, OpenType (CFF), font collection, WOFF and WOFF2 files.
_FONT_MAGIC = frozenset([b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf", b"wOFF", b"wOF2"])


def _fpdf_class() -> type[FPDF]:
    try:
        from fpdf import FPDF
    except ImportError:
        raise ExtraMissingError("PDF superbills need the pdf extra: pip install 'massagecodes[pdf]'") from None

    class _ComposedFPDF(FPDF):
        """Every text in its composed form (NFC) before fpdf2 encodes it: an "é" typed
        as "e" and a combining accent (as macOS often stores names) is the one
        character the built-in fonts and most TrueType fonts have."""

        def normalize_text(self, text: str) -> str:
            return super().normalize_text(unicodedata.normalize("NFC", text))

    return _ComposedFPDF


def _texts(bill: _Bill) -> list[tuple[str, str, bool]]:
    """Every text of the superbill that does not come from a fixed vocabulary:
    (where it comes from, the text, whether it is health information)."""
    practice = bill.practice
    texts = [("practice.name", practice.name, False)]
    texts += [(f"practice.address[{i}]", line, False) for i, line in enumerate(practice.address)]
    if practice.phone is not None:
        texts.append(("practice.phone", practice.phone, False))
    if bill.provider_name is not None:
        texts.append((f"practice.providers{_child('', bill.provider.npi)}", bill.provider_name, False))
    if bill.client is not None:
        texts.append(("client.name", bill.client.name, True))
        texts += [(f"client.address[{i}]", line, True) for i, line in enumerate(bill.client.address)]
    if bill.patient is not None:
        texts.append(("source.patient.id", bill.patient.id, True))
    if bill.payer is not None:
        texts.append(("source.payer.name", bill.payer, False))
    if bill.authorization is not None:
        texts.append(("source.authorization.number", bill.authorization, True))
    texts += [(f"payments[{i}].method", p.method, True) for i, p in enumerate(bill.payments) if p.method]
    texts += [
        (f"ICD-10-CM description of diagnosis {d.letter}", d.description, False)
        for d in bill.diagnoses
        if d.description
    ]
    texts += [(f"catalog description of {line.code}", line.description, False) for line in bill.lines]
    texts += [(f"region of line {n}", line.region, False) for n, line in enumerate(bill.lines, 1) if line.region]
    return texts


def _unprintable(bill: _Bill, printable: Any, why: str) -> None:
    """InputError naming each text with a character that ``printable(char)`` refuses."""
    problems = []
    for where, text, sensitive in _texts(bill):
        # As the writer prints it: composed (see _fpdf_class).
        bad = next((char for char in unicodedata.normalize("NFC", text) if not printable(char)), None)
        if bad is None:
            continue
        shown = "a character" if sensitive else f"{bad!r} (U+{ord(bad):04X})"
        problems.append(Problem(where, f"contains {shown}, which {why}"))
    if problems:
        raise InputError(problems, what="superbill text")


class _Writer:
    """Lays out one superbill on one US Letter page."""

    def __init__(self, bill: _Bill, font: str | os.PathLike[str] | None) -> None:
        self.bill = bill
        pdf = _fpdf_class()(orientation="portrait", unit="mm", format="letter")
        pdf.set_margins(_PAGE_MARGIN, _PAGE_MARGIN, _PAGE_MARGIN)
        pdf.set_auto_page_break(True, margin=_PAGE_MARGIN)
        pdf.set_title(f"Superbill, {_dates_text(bill.dates)}")  # no client data in metadata
        pdf.set_creator("massagecodes")
        pdf.set_producer("massagecodes")
        # The same input gives the same bytes: the creation date is the statement
        # date, else the last date of service, never the clock.
        day = bill.issued or bill.dates[-1]
        pdf.set_creation_date(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC))
        self.family = "helvetica"
        if font is None:
            _unprintable(
                bill,
                lambda char: ord(char) < 256,
                "the PDF's built-in fonts cannot show (they cover Latin-1 only); pass font= a TrueType font that has it",
            )
        else:
            self.family = "superbill"
            self._add_font(pdf, font)
        self.pdf = pdf

    def _add_font(self, pdf: FPDF, font: str | os.PathLike[str]) -> None:
        path = os.fspath(font)
        try:
            with open(path, "rb") as handle:
                magic = handle.read(4)
        except OSError as error:
            raise _argument_error("font", f"cannot read the font file {path}: {error.strerror}") from None
        if magic not in _FONT_MAGIC:
            raise _argument_error("font", f"{path} is not a TrueType or OpenType font file")
        try:
            for style in ("", "B"):  # one face serves as bold too: headings are also set larger
                pdf.add_font(self.family, style, path)
        except Exception as error:  # fontTools raises many kinds of errors on a bad file
            raise _argument_error(
                "font", f"cannot read {path} as a TrueType or OpenType font: {type(error).__name__}"
            ) from None
        cmap: Mapping[int, object] = getattr(pdf.fonts[self.family], "cmap", {})
        _unprintable(self.bill, lambda char: ord(char) in cmap, f"the font {path} has no glyph for")

    # Small drawing helpers ------------------------------------------------ #

    def font(self, size: float, *, bold: bool = False, colour: tuple[int, int, int] = (17, 17, 17)) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.ln(2.5)
        self.font(8.5, bold=True, colour=_NAVY)
        pdf.cell(0, 5, text.upper(), new_x="LMARGIN", new_y="NEXT")

    def pairs(self, x: float, y: float, width: float, title: str, rows: Sequence[tuple[str, str]]) -> float:
        """A titled box of label/value rows at (x, y); returns its bottom."""
        pdf = self.pdf
        self.font(8.5)
        label_width = min(max(pdf.get_string_width(label) for label, _ in rows) + 4, width * 0.45)
        pdf.set_xy(x + 3, y + 2)
        self.font(8.5, bold=True, colour=_NAVY)
        pdf.cell(width - 6, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        for label, value in rows:
            top = pdf.get_y()
            pdf.set_x(x + 3)
            self.font(8.5, colour=_GREY)
            pdf.cell(label_width, 4.6, label)
            pdf.set_xy(x + 3 + label_width, top)
            self.font(9.5)
            pdf.multi_cell(width - 6 - label_width, 4.6, value, align="L", new_x="LEFT", new_y="NEXT")
            pdf.set_y(max(pdf.get_y(), top + 4.6))
        return pdf.get_y() + 2

    def box(self, x: float, y: float, width: float, bottom: float) -> None:
        self.pdf.set_draw_color(*_RULE)
        self.pdf.set_line_width(0.3)
        self.pdf.rect(x, y, width, bottom - y, round_corners=True, corner_radius=1.5)

    # The page ----------------------------------------------------------------- #

    def render(self) -> bytes:
        pdf, bill = self.pdf, self.bill
        pdf.add_page()
        width = pdf.epw
        left = pdf.l_margin
        practice = bill.practice
        # Header: the practice on the left, the title and dates on the right.
        right_width = 80.0
        top = pdf.get_y()
        pdf.set_xy(left + width - right_width, top)
        self.font(18, bold=True, colour=_NAVY)
        pdf.cell(right_width, 8, "SUPERBILL", align="R", new_x="LEFT", new_y="NEXT")
        self.font(9)
        if bill.issued is not None:
            pdf.cell(
                right_width, 4.6, f"Statement date {bill.issued.isoformat()}", align="R", new_x="LEFT", new_y="NEXT"
            )
        pdf.multi_cell(right_width, 4.6, _dates_text(bill.dates), align="R", new_x="LEFT", new_y="NEXT")
        right_bottom = pdf.get_y()
        pdf.set_xy(left, top)
        self.font(15, bold=True)
        pdf.multi_cell(width - right_width - 4, 7, practice.name, align="L", new_x="LMARGIN", new_y="NEXT")
        self.font(9.5, colour=_GREY)
        for line in [*practice.address, *([] if practice.phone is None else [practice.phone])]:
            pdf.multi_cell(width - right_width - 4, 4.6, line, align="L", new_x="LMARGIN", new_y="NEXT")
        y = max(pdf.get_y(), right_bottom) + 2
        pdf.set_draw_color(*_NAVY)
        pdf.set_line_width(0.6)
        pdf.line(left, y, left + width, y)
        # Provider and client, side by side.
        y += 4
        column = (width - 6) / 2
        bottom = max(
            self.pairs(left, y, column, "Provider", _provider_rows(bill)),
            self.pairs(left + column + 6, y, column, "Client", _client_rows(bill)),
        )
        self.box(left, y, column, bottom)
        self.box(left + column + 6, y, column, bottom)
        pdf.set_y(bottom + 1)
        self.diagnoses()
        self.services()
        self.totals()
        self.signature()
        return bytes(pdf.output())

    def table(self, widths: Sequence[float], align: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        self.font(8.5)
        with pdf.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            width=min(sum(widths), pdf.epw),  # never a rounding error wider than the page
            align="LEFT",
            line_height=4.0,
            padding=(0.7, _CELL_PADDING),
            headings_style=FontFace(emphasis="BOLD", size_pt=8, fill_color=_HEAD_FILL, color=_NAVY),
            v_align="TOP",
        ) as table:
            for cells in rows:
                row = table.row()
                for text in cells:
                    row.cell(text)

    def widths(self, rows: Sequence[Sequence[str]], *, flexible: int | None = None) -> list[float]:
        """Column widths that fit each column's widest cell (heading included), in the
        table's fonts; the ``flexible`` column takes the rest of the page width."""
        pdf = self.pdf
        widths = []
        for column in range(len(rows[0])):
            self.font(8, bold=True)
            widest = pdf.get_string_width(rows[0][column])
            self.font(8.5)
            widest = max([widest, *(pdf.get_string_width(row[column]) for row in rows[1:])])
            widths.append(widest + 2 * _CELL_PADDING + 1)
        if flexible is not None:
            widths[flexible] = pdf.epw - sum(widths) + widths[flexible]
        return widths

    def diagnoses(self) -> None:
        bill = self.bill
        self.heading("Diagnoses (ICD-10-CM)")
        if not bill.diagnoses:
            self.font(9.5, colour=_GREY)
            self.pdf.cell(0, 5, "None given.", new_x="LMARGIN", new_y="NEXT")
            return
        # More than four diagnoses go in two columns (A-F, then G-L), so that twelve
        # (the most a claim holds) still leave room for the services.
        halves = 1 if len(bill.diagnoses) <= 4 else 2
        per_column = -(-len(bill.diagnoses) // halves)
        columns = [bill.diagnoses[i * per_column : (i + 1) * per_column] for i in range(halves)]
        head: tuple[str, ...] = ("Ptr", "Code", "Description") if bill.descriptions else ("Ptr", "Code")
        rows: list[tuple[str, ...]] = [head * halves]
        for index in range(per_column):
            row: tuple[str, ...] = ()
            for column in columns:
                if index < len(column):
                    d = column[index]
                    row += (d.letter, d.code, d.description or "(not in ICD-10-CM)")[: len(head)]
                else:
                    row += ("",) * len(head)
            rows.append(row)
        fixed = self.widths([row[:2] for row in rows])
        if bill.descriptions:
            text = (self.pdf.epw - halves * sum(fixed)) / halves
            widths = [*fixed, text] * halves
        else:
            widths = fixed * halves
        self.table(widths, ("CENTER", "LEFT", "LEFT")[: len(head)] * halves, rows)

    def services(self) -> None:
        bill = self.bill
        self.heading("Services")
        rows = [("#", "Date", "Code", "Modifiers", "Description", "Dx ptr", "Units", "Fee/unit", "Amount")]
        rows += [
            (
                str(number),
                line.date.isoformat(),
                line.code,
                " ".join(line.modifiers),
                _line_description(line),
                " ".join(line.pointers),
                "" if line.units is None else str(line.units),
                "" if line.unit_fee is None else _money(line.unit_fee),
                _money(line.amount),
            )
            for number, line in enumerate(bill.lines, start=1)
        ]
        widths = self.widths(rows, flexible=4)
        align = ("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
        self.table(widths, align, rows)

    def totals(self) -> None:
        pdf, bill = self.pdf, self.bill
        pdf.ln(2)
        rows = _total_rows(bill)
        self.font(10.5, bold=True)
        amount_width = max(pdf.get_string_width(amount) for _, amount, _ in rows) + 4
        self.font(9.5)
        label_width = min(max(pdf.get_string_width(label) for label, _, _ in rows) + 6, pdf.epw * 0.55)
        label_width = max(label_width, 50.0)
        x = pdf.l_margin + pdf.epw - label_width - amount_width
        for label, amount, strong in rows:
            if strong:
                pdf.set_draw_color(17, 17, 17)
                pdf.set_line_width(0.4)
                pdf.line(x, pdf.get_y() + 0.5, x + label_width + amount_width, pdf.get_y() + 0.5)
                pdf.ln(1.2)
            top = pdf.get_y()
            pdf.set_x(x)
            self.font(10.5 if strong else 9.5, bold=strong)
            pdf.multi_cell(label_width, 5.2, label, align="L", new_x="RIGHT", new_y="NEXT")
            bottom = pdf.get_y()
            pdf.set_xy(x + label_width, top)
            pdf.cell(amount_width, 5.2, amount, align="R")
            pdf.set_xy(pdf.l_margin, bottom)
        note = bill.note()
        if note is not None:
            pdf.ln(2)
            self.font(9, colour=(140, 80, 0))
            pdf.multi_cell(0, 4.4, note, align="L", new_x="LMARGIN", new_y="NEXT")

    def signature(self) -> None:
        pdf, bill = self.pdf, self.bill
        pdf.ln(4)
        self.font(9)
        pdf.multi_cell(0, 4.6, _CERTIFY, align="L", new_x="LMARGIN", new_y="NEXT")
        # Keep the signature block together at the foot of the content.
        pdf.ln(11)
        y = pdf.get_y()
        left, width = pdf.l_margin, pdf.epw
        sign_width = width * 0.62
        pdf.set_draw_color(17, 17, 17)
        pdf.set_line_width(0.3)
        pdf.line(left, y, left + sign_width, y)
        pdf.line(left + sign_width + 10, y, left + width, y)
        pdf.set_xy(left, y + 1)
        signer = bill.provider_name or f"NPI {bill.provider.npi}"
        self.font(8.5, colour=_GREY)
        pdf.cell(sign_width, 4.4, f"Provider signature: {signer}, {bill.provider.license.value}")
        pdf.set_x(left + sign_width + 10)
        pdf.cell(width - sign_width - 10, 4.4, "Date", new_x="LMARGIN", new_y="NEXT")


def _pdf(bill: _Bill, font: str | os.PathLike[str] | None) -> bytes:
    writer = _Writer(bill, font)
    data = writer.render()
    if writer.pdf.pages_count > 1:
        raise InputError(
            [
                Problem(
                    "source",
                    f"the superbill does not fit on one page ({len(bill.lines)} lines, {len(bill.diagnoses)} diagnoses);"
                    " split it into several superbills, for example one per date of service",
                )
            ],
            what="superbill",
        )
    missing = [glyph for key in writer.pdf.fonts for glyph in getattr(writer.pdf.fonts[key], "missing_glyphs", [])]
    if missing:  # a glyph of the fixed labels: the texts were checked before drawing
        shown = ", ".join(f"U+{code:04X}" for code in sorted(set(missing)))
        raise _argument_error("font", f"the font has no glyph for {shown}, which the superbill's labels use")
    return data


# --------------------------------------------------------------------------- #
# The public functions.                                                        #
# --------------------------------------------------------------------------- #


def render_html(
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None = None,
    payments: Iterable[Payment] = (),
    diagnoses: Sequence[str] = (),
    issued: datetime.date | None = None,
    method: str | _units.UnitMethod = "cms",
    catalog: CodeCatalog = DEFAULT_CATALOG,
    icd10_descriptions: bool = True,
) -> str:
    """The superbill as one self-contained HTML document (inline CSS, print-friendly).

    ``source`` is a claim (its lines, charges and diagnoses) or a session (its
    treatments become lines by ``method``, priced from ``practice.fees``; give its
    ICD-10-CM codes as ``diagnoses``). A claim line without units gets the units
    its minutes support by ``method`` (an untimed code: 1). ``issued`` is the
    statement date printed at the top (none by default: the library reads no clock).
    With the ``icd10`` extra and ``icd10_descriptions``, diagnoses are listed with
    their descriptions. Every value is HTML-escaped.
    """
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=catalog,
        issued=issued,
        descriptions=icd10_descriptions,
    )
    return _html(bill)


def render_pdf(
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None = None,
    payments: Iterable[Payment] = (),
    diagnoses: Sequence[str] = (),
    issued: datetime.date | None = None,
    method: str | _units.UnitMethod = "cms",
    catalog: CodeCatalog = DEFAULT_CATALOG,
    icd10_descriptions: bool = True,
    font: str | os.PathLike[str] | None = None,
) -> bytes:
    """The superbill as a one-page US Letter PDF (extra ``pdf``); arguments as :func:`render_html`.

    Raises :class:`~massagecodes.errors.InputError` when the content does not fit
    one page (it is never truncated or spilled onto a second page), and, without
    ``font``, when a text has a character outside Latin-1, naming the field: the
    PDF's built-in fonts cover Latin-1 only. ``font`` is the path of a TrueType or
    OpenType font to set every text in (its regular face also serves for bold);
    a character it has no glyph for is an InputError too. Without fpdf2 installed,
    raises :class:`~massagecodes.errors.ExtraMissingError`.
    """
    _fpdf_class()  # the missing extra is reported before anything else
    if font is not None and not isinstance(font, str | os.PathLike):
        raise _argument_error("font", f"expected a font file path or None, got {describe(font)}")
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=catalog,
        issued=issued,
        descriptions=icd10_descriptions,
    )
    return _pdf(bill, font)


def _source_from_json(text: str | bytes) -> Claim | Session:
    """A claim or a session from JSON text: a session is the object with ``treatments``."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return Claim.from_json(text)  # reports the malformed JSON as the model does
    if isinstance(data, dict) and "treatments" in data and "lines" not in data:
        return Session.from_dict(data)
    return Claim.from_dict(data)


_Format = Literal["html", "pdf"]


def _render(
    kind: _Format,
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None,
    payments: Iterable[Payment],
    diagnoses: Sequence[str],
    issued: datetime.date | None,
    method: str,
    font: str | os.PathLike[str] | None,
) -> tuple[bytes, _Bill]:
    """For the command line: the document's bytes and the bill it shows (for its summary)."""
    if kind == "pdf":
        _fpdf_class()
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=DEFAULT_CATALOG,
        issued=issued,
        descriptions=True,
    )
    data = _pdf(bill, font) if kind == "pdf" else _html(bill).encode("utf-8")
    return data, bill
