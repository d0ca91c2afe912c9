"""Building a superbill from a claim or a session: every number decided, once.

The arguments are checked (each problem named), each line is priced (its own charge,
else the practice's fee per unit times the units), the diagnoses are lettered and,
with the icd10 extra, described; the writers only lay out the ``_Bill`` made here.
What one page can print (text lengths, amounts) is refused here by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from massagecodes import units as _units
from massagecodes._codes import POINTER_LETTERS, CodeCatalog, diagnosis_problem
from massagecodes._model import Claim, Patient, Provider, Referral, Session
from massagecodes._text import describe
from massagecodes.errors import ExtraMissingError, InputError, Problem
from massagecodes.superbill._values import Client, Payment, Practice

_CENT = Decimal("0.01")


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
