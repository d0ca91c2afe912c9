"""Writing claims as an 837P interchange (:func:`write_837p`).

Checks first that every claim has what an 837P needs (a diagnosis, a payer and its
id, a charge and a diagnosis pointer on each line, the people it names) and refuses
with every problem; then writes the envelope, the parties and one billing and
subscriber level per claim, and has pyx12 validate the result before returning it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from massagecodes._codes import NPI
from massagecodes._model import Claim
from massagecodes.errors import InputError, Problem
from massagecodes.x12._filing import _KIND_TO_FILING
from massagecodes.x12._notes import _K3_MAX, _claim_extras, _k3_payload, _line_extras
from massagecodes.x12._parties import Address, BillingProvider, Person, Receiver, Submitter
from massagecodes.x12._segments import VERSION, _raise_if, _text_problems
from massagecodes.x12._validation import _pyx12, _validate


def _x12_date(value: datetime.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"  # strftime drops a year's leading zeros


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f")  # X12 amounts carry no trailing zeros


def _diagnosis_out(code: str) -> str:
    return code.replace(".", "")


class _Writer:
    def __init__(self) -> None:
        self.segments: list[str] = []

    def add(self, *elements: str) -> None:
        while elements and elements[-1] == "":
            elements = elements[:-1]
        self.segments.append("*".join(elements) + "~")


def _check_claim_for_837p(index: int, claim: object, names: _Names) -> list[Problem]:
    path = f"$[{index}]"
    if not isinstance(claim, Claim):
        return [Problem(path, f"expected a Claim, got a {type(claim).__name__}")]
    found: list[Problem] = []
    if not claim.diagnoses:
        found.append(Problem(f"{path}.diagnoses", "an 837P needs at least one diagnosis (segment HI)"))
    if claim.payer.name is None:
        found.append(Problem(f"{path}.payer.name", "an 837P names the payer (loop 2010BB)"))
    elif names.payer_id(claim.payer.name) is None:
        found.append(Problem(f"{path}.payer.name", "no payer id for this payer: pass payer_id= or payer_ids="))
    else:
        found += _text_problems(f"{path}.payer.name", claim.payer.name, max_len=60)
    if claim.patient.id not in names.subscribers:
        found.append(Problem(f"{path}.patient.id", "no name for this patient in subscribers="))
    else:
        found += _text_problems(f"{path}.patient.id", claim.patient.id, max_len=80, min_len=2, sensitive=True)
    if claim.provider.npi != names.billing.npi and claim.provider.npi not in names.rendering:
        found.append(
            Problem(
                f"{path}.provider.npi",
                "the rendering provider is not the billing provider: pass its name in rendering=",
            )
        )
    if claim.authorization is not None:
        found += _text_problems(f"{path}.authorization.number", claim.authorization.number, max_len=50, sensitive=True)
    first_date = min(claim.line_date(index) for index in range(len(claim.lines)))
    pieces = len(_k3_payload(_claim_extras(claim, claim.to_dict(), first_date)))
    if pieces > _K3_MAX:
        where = f"{path}.documentation" if claim.documentation is not None else path
        found.append(
            Problem(where, f"too much to carry in an 837P: {pieces} K3 segments of 80 characters, at most {_K3_MAX}")
        )
    dated = [("date_of_service", claim.date_of_service)]
    dated += [(f"lines[{number}].date", line.date) for number, line in enumerate(claim.lines) if line.date is not None]
    if claim.patient.birth_date is not None:
        dated.append(("patient.birth_date", claim.patient.birth_date))
    found += [
        Problem(f"{path}.{name}", "an 837P carries no date before 1800") for name, value in dated if value.year < 1800
    ]
    for number, line in enumerate(claim.lines):
        where = f"{path}.lines[{number}]"
        if line.charge is None:
            found.append(Problem(f"{where}.charge", "an 837P needs a charge on every line (SV102)"))
        if not line.diagnosis_pointers:
            found.append(
                Problem(f"{where}.diagnosis_pointers", "an 837P needs at least one diagnosis pointer a line (SV107)")
            )
    return found


@attrs.frozen
class _Names:
    billing: BillingProvider
    subscribers: Mapping[str, Person]
    rendering: Mapping[str, Person]
    payer_ids: Mapping[str, str]
    default_payer_id: str | None

    def payer_id(self, name: str) -> str | None:
        return self.payer_ids.get(name, self.default_payer_id)


def _write_claim(out: _Writer, claim: Claim, number: int, hl: int, names: _Names, place_of_service: str) -> int:
    data = claim.to_dict()
    billing = names.billing
    out.add("HL", str(hl), "", "20", "1")
    if claim.provider.npi == billing.npi and claim.provider.taxonomy is not None:
        out.add("PRV", "BI", "PXC", claim.provider.taxonomy)
    out.add("NM1", "85", "2", billing.name, "", "", "", "", "XX", billing.npi)
    _address(out, billing.address)
    out.add("REF", "EI", billing.tax_id)
    out.add("HL", str(hl + 1), str(hl), "22", "0")
    out.add("SBR", "P", "18", "", "", "", "", "", "", _KIND_TO_FILING[claim.payer.kind])
    subscriber = names.subscribers[claim.patient.id]
    out.add("NM1", "IL", "1", subscriber.last_name, subscriber.first_name or "", "", "", "", "MI", claim.patient.id)
    if subscriber.address is not None:
        _address(out, subscriber.address)
    if claim.patient.birth_date is not None:
        out.add("DMG", "D8", _x12_date(claim.patient.birth_date), subscriber.sex)
    assert claim.payer.name is not None
    payer_id = names.payer_id(claim.payer.name)
    assert payer_id is not None
    out.add("NM1", "PR", "2", claim.payer.name, "", "", "", "", "PI", payer_id)
    total = sum((line.charge for line in claim.lines if line.charge is not None), Decimal(0))
    out.add("CLM", f"MC{number}", _money(total), "", "", f"{place_of_service}:B:1", "Y", "A", "Y", "Y")
    if claim.authorization is not None:
        out.add("REF", "G1", claim.authorization.number)
    first_date = min(claim.line_date(index) for index in range(len(claim.lines)))
    for piece in _k3_payload(_claim_extras(claim, data, first_date)):
        out.add("K3", piece)
    codes = [
        ("ABK" if position == 0 else "ABF") + ":" + _diagnosis_out(code)
        for position, code in enumerate(claim.diagnoses)
    ]
    out.add("HI", *codes)
    if claim.provider.npi != billing.npi:
        rendering = names.rendering[claim.provider.npi]
        kind = "1"
        out.add(
            "NM1", "82", kind, rendering.last_name, rendering.first_name or "", "", "", "", "XX", claim.provider.npi
        )
        if claim.provider.taxonomy is not None:
            out.add("PRV", "PE", "PXC", claim.provider.taxonomy)
    for position, (line, line_data) in enumerate(zip(claim.lines, data["lines"], strict=True), start=1):
        out.add("LX", str(position))
        procedure = ":".join(["HC", line.code, *line.modifiers])
        if line.units is not None:
            basis, quantity = "UN", line.units
        else:
            assert line.minutes is not None
            basis, quantity = "MJ", line.minutes
        pointers = ":".join(str(pointer) for pointer in line.diagnosis_pointers)
        assert line.charge is not None
        out.add("SV1", procedure, _money(line.charge), basis, str(quantity), "", "", pointers)
        out.add("DTP", "472", "D8", _x12_date(claim.line_date(position - 1)))
        extras = _line_extras(line_data)
        if extras:
            for piece in _k3_payload(extras):
                out.add("K3", piece)
    return hl + 2


def _address(out: _Writer, address: Address) -> None:
    out.add("N3", address.line1, address.line2 or "")
    out.add("N4", address.city, address.state, address.postal_code)


def write_837p(
    claims: Iterable[Claim],
    *,
    submitter: Submitter,
    receiver: Receiver,
    billing: BillingProvider,
    subscribers: Mapping[str, Person],
    payer_id: str | None = None,
    payer_ids: Mapping[str, str] | None = None,
    rendering: Mapping[str, Person] | None = None,
    place_of_service: str = "11",
    control_number: int = 1,
    created: datetime.datetime | None = None,
    production: bool = True,
    validate: bool = True,
) -> str:
    """Write ``claims`` as one 837P interchange (005010X222A1), one segment a line.

    An 837P names people and organisations the model does not carry:

    * ``submitter``, ``receiver`` and ``billing``: who sends, who receives, who bills;
    * ``subscribers``: the subscriber's name (and address and sex) by patient id; each
      patient is written as the subscriber (relationship 18, self);
    * ``payer_id`` (one id for every payer) or ``payer_ids`` (by payer name);
    * ``rendering``: the name of each rendering provider, by NPI, when a claim's
      provider is not the billing provider (loop 2310B).

    ``place_of_service`` is CLM05-1 (``11``, office). ``created`` stamps the envelope
    (default: now). With ``validate`` (the default) pyx12 checks the result before it
    is returned; that loads pyx12's 837P map, about half a second.
    Raises :class:`~massagecodes.errors.InputError` listing every claim field an
    837P needs and does not have (a charge or diagnosis pointer on each line, a
    diagnosis, a payer name), with its path (``$[0].lines[1].charge``).
    """
    pyx12 = _pyx12()
    claims = tuple(claims) if isinstance(claims, Iterable) else claims
    found: list[Problem] = []
    parties: tuple[tuple[str, object, type], ...] = (
        ("submitter", submitter, Submitter),
        ("receiver", receiver, Receiver),
        ("billing", billing, BillingProvider),
    )
    for name, value, kind in parties:
        if not isinstance(value, kind):
            found.append(Problem(name, f"expected a {kind.__name__}, got a {type(value).__name__}"))
    mappings: tuple[tuple[str, object], ...] = (
        ("subscribers", subscribers),
        ("rendering", rendering or {}),
        ("payer_ids", payer_ids or {}),
    )
    for name, mapping in mappings:
        if not isinstance(mapping, Mapping):
            found.append(Problem(name, f"expected a mapping, got a {type(mapping).__name__}"))
    if not isinstance(claims, tuple) or not claims:
        found.append(Problem("claims", "expected one or more claims"))
    if not (isinstance(place_of_service, str) and re.fullmatch(r"[0-9]{2}", place_of_service)):
        found.append(Problem("place_of_service", "expected a place of service code of two digits"))
    if not (isinstance(control_number, int) and 0 < control_number < 10**9) or isinstance(control_number, bool):
        found.append(Problem("control_number", "expected a whole number 1-999999999"))
    if payer_id is not None:
        found += _text_problems("payer_id", payer_id, max_len=80, min_len=2)
    stamp_given: object = created
    if stamp_given is not None and not isinstance(stamp_given, datetime.datetime):
        found.append(Problem("created", "expected a datetime.datetime"))
    _raise_if(found, "arguments")
    for person in subscribers.values():
        found += (
            [Problem("subscribers", "expected Person values")]
            if not isinstance(person, Person)
            else person.problems("subscribers[...]")
        )
    for npi, person in (rendering or {}).items():
        if not (isinstance(npi, str) and NPI.fullmatch(npi)):
            found.append(Problem("rendering", "expected NPIs as keys"))
        found += (
            [Problem("rendering", "expected Person values")]
            if not isinstance(person, Person)
            else person.problems(f"rendering[{npi}]")
        )
    for name, value in (payer_ids or {}).items():
        found += _text_problems(f"payer_ids[{name!r}]", value, max_len=80, min_len=2)
    names = _Names(billing, subscribers, rendering or {}, payer_ids or {}, payer_id)
    for index, claim in enumerate(claims):
        found += _check_claim_for_837p(index, claim, names)
    _raise_if(found, "claims for an 837P")

    stamp = created or datetime.datetime.now()  # the envelope's local time, as X12 expects
    out = _Writer()
    control = f"{control_number:09d}"
    out.add(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", submitter.id.ljust(15), "ZZ", receiver.id.ljust(15),
        stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), "^", "00501", control, "0", "P" if production else "T", ":",
    )  # fmt: skip
    out.add(
        "GS",
        "HC",
        submitter.id,
        receiver.id,
        stamp.strftime("%Y%m%d"),
        stamp.strftime("%H%M"),
        str(control_number),
        "X",
        VERSION,
    )
    start = len(out.segments)
    out.add("ST", "837", "0001", VERSION)
    out.add("BHT", "0019", "00", control, stamp.strftime("%Y%m%d"), stamp.strftime("%H%M"), "CH")
    out.add("NM1", "41", "2", submitter.name, "", "", "", "", "46", submitter.id)
    out.add("PER", "IC", submitter.contact, "TE", submitter.phone)
    out.add("NM1", "40", "2", receiver.name, "", "", "", "", "46", receiver.id)
    hl = 1
    for number, claim in enumerate(claims, start=1):
        hl = _write_claim(out, claim, number, hl, names, place_of_service)
    out.add("SE", str(len(out.segments) - start + 1), "0001")
    out.add("GE", "1", str(control_number))
    out.add("IEA", "1", control)
    text = "\n".join(out.segments) + "\n"
    problems = _validate(pyx12, text)[1] if validate else []
    if problems:  # a value the checks above let through: say where, never write a file pyx12 refuses
        raise InputError(problems, what="837P written")
    return text
