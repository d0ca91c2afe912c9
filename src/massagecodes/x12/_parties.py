"""The parties an 837P names and the model does not.

Submitter (1000A), receiver (1000B), billing provider (2010AA), the subscriber or a
rendering provider (2010BA, 2310B) and their addresses: each checks its own values
against what X12 allows, and names and addresses are never shown in a message.
"""

from __future__ import annotations

import re

import attrs

from massagecodes._codes import npi_problem
from massagecodes.errors import Problem
from massagecodes.x12._segments import _raise_if, _text_problems


@attrs.frozen(kw_only=True)
class Address:
    """A street address (segments N3 and N4)."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None

    def problems(self, path: str, *, sensitive: bool = False) -> list[Problem]:
        found = _text_problems(f"{path}.line1", self.line1, max_len=55, sensitive=sensitive)
        if self.line2 is not None:
            found += _text_problems(f"{path}.line2", self.line2, max_len=55, sensitive=sensitive)
        found += _text_problems(f"{path}.city", self.city, max_len=30, min_len=2, sensitive=sensitive)
        if not (isinstance(self.state, str) and re.fullmatch(r"[A-Z]{2}", self.state)):
            found.append(Problem(f"{path}.state", "expected a two-letter state code in capitals"))
        if not (isinstance(self.postal_code, str) and re.fullmatch(r"[0-9]{5}([0-9]{4})?", self.postal_code)):
            found.append(Problem(f"{path}.postal_code", "expected a ZIP code of 5 or 9 digits"))
        return found


@attrs.frozen(kw_only=True)
class Submitter:
    """Who sends the file (loop 1000A) and whom to call about it."""

    name: str
    id: str
    contact: str
    phone: str

    def __attrs_post_init__(self) -> None:
        found = _text_problems("submitter.name", self.name, max_len=60)
        found += _text_problems("submitter.id", self.id, max_len=15, min_len=2)
        found += _text_problems("submitter.contact", self.contact, max_len=60)
        if not (isinstance(self.phone, str) and re.fullmatch(r"[0-9]{10}", self.phone)):
            found.append(Problem("submitter.phone", "expected a phone number of 10 digits"))
        _raise_if(found, "submitter")


@attrs.frozen(kw_only=True)
class Receiver:
    """Who receives the file (loop 1000B): a clearinghouse or the payer."""

    name: str
    id: str

    def __attrs_post_init__(self) -> None:
        found = _text_problems("receiver.name", self.name, max_len=60)
        found += _text_problems("receiver.id", self.id, max_len=15, min_len=2)
        _raise_if(found, "receiver")


@attrs.frozen(kw_only=True)
class BillingProvider:
    """Who bills (loop 2010AA): an organisation or a person, with NPI, tax id and address."""

    name: str
    npi: str
    tax_id: str
    address: Address

    def __attrs_post_init__(self) -> None:
        found = _text_problems("billing.name", self.name, max_len=60)
        problem = npi_problem(self.npi)
        if problem is not None:
            found.append(Problem("billing.npi", problem))
        if not (isinstance(self.tax_id, str) and re.fullmatch(r"[0-9]{9}", self.tax_id)):
            found.append(Problem("billing.tax_id", "expected an employer identification number of 9 digits"))
        address: object = self.address  # checked at run time, whatever the annotation says
        if isinstance(address, Address):
            found += address.problems("billing.address")
        else:
            found.append(Problem("billing.address", "expected an Address"))
        _raise_if(found, "billing provider")


@attrs.frozen(kw_only=True)
class Person:
    """A person's name, for the subscriber (2010BA) or a rendering provider (2310B).

    ``address`` and ``sex`` (``F``, ``M`` or ``U`` for unknown) are written for a
    subscriber only. Names are health information: messages never show them.
    """

    last_name: str
    first_name: str | None = None
    address: Address | None = None
    sex: str = "U"

    def problems(self, path: str) -> list[Problem]:
        found = _text_problems(f"{path}.last_name", self.last_name, max_len=60, sensitive=True)
        if self.first_name is not None:
            found += _text_problems(f"{path}.first_name", self.first_name, max_len=35, sensitive=True)
        if self.address is not None:
            found += self.address.problems(f"{path}.address", sensitive=True)
        if self.sex not in ("F", "M", "U"):
            found.append(Problem(f"{path}.sex", 'expected "F", "M" or "U"'))
        return found
