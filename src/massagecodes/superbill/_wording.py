"""The words both writers print: money, the dates of service, the provider, client and
totals rows, a line's description and the certification above the signature.

The HTML and PDF superbills say the same things; what they say is decided here once.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from massagecodes.superbill._bill import _Bill, _Line
from massagecodes.superbill._values import Payment

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
