"""write_claim: a :class:`~massagecodes.Claim` as a FHIR R4 Claim dict.

Decides the resource written: the patient, practitioner, payer organization,
coverage and referral as contained resources; our extensions for what FHIR has no
element for (date of service, documentation, minutes, a line's own date, the
authorization's period and visits); money as exact JSON numbers. The result is
validated with fhir.resources before it is returned, so a claim FHIR cannot hold is
an :class:`~massagecodes.errors.InputError`, never an invalid resource.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from massagecodes._model import Claim, DocElement, ServiceLine, SoapPart
from massagecodes.errors import InputError, Problem
from massagecodes.fhir._arguments import _argument_type
from massagecodes.fhir._systems import (
    _CARE_TEAM_ROLE,
    _CLAIM_TYPE,
    _DATA_ABSENT,
    _PRIORITY,
    _V2_0203,
    CPT,
    CS_BODY_REGION,
    CS_LICENSE,
    CS_PAYER_KIND,
    CS_SIDE,
    EXT_AUTHORIZATION_PERIOD,
    EXT_AUTHORIZATION_VISITS,
    EXT_DATE_OF_SERVICE,
    EXT_DOCUMENTATION,
    EXT_MINUTES,
    EXT_OWN_DATE,
    HCPCS,
    ICD10CM,
    NPI,
    NUCC,
    UCUM,
)
from massagecodes.fhir._validation import _library, _validate


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _json_number(value: Decimal, path: str) -> int | float:
    """Money as a JSON number: whole amounts as ints (exact), others as floats that read back exactly."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise InputError([Problem(path, "too many digits to write exactly as a JSON number")], what="claim")
    return number


def _usd(value: Decimal, path: str) -> dict[str, Any]:
    return {"value": _json_number(value, path), "currency": "USD"}


def write_claim(claim: Claim, *, created: datetime.date | None = None) -> dict[str, Any]:
    """A FHIR R4 Claim for ``claim``, as JSON-shaped data (``json.dumps`` writes it).

    ``created`` is the Claim's creation date; by default the latest date of service
    on the claim (the library reads no clock). The result validates as an R4 Claim
    (fhir.resources R4B) and ``read_claim(write_claim(claim)) == claim``. Money is a
    JSON number (a whole amount an int, else a float that reads back exactly).
    """
    library = _library()
    problems: list[Problem] = []
    _argument_type("claim", claim, Claim, "a massagecodes Claim", problems)
    if created is not None:
        _argument_type("created", created, datetime.date, "a datetime.date", problems)
    if problems:
        raise InputError(problems, what="argument")
    days = [claim.line_date(index) for index in range(len(claim.lines))]
    first, last = min([claim.date_of_service, *days]), max([claim.date_of_service, *days])
    resource: dict[str, Any] = {
        "resourceType": "Claim",
        "contained": _contained(claim),
        "extension": [{"url": EXT_DATE_OF_SERVICE, "valueDate": claim.date_of_service.isoformat()}],
        "status": "active",
        "type": _coded(_CLAIM_TYPE, "professional"),
        "use": "claim",
        "patient": {"reference": "#patient"},
        "billablePeriod": {"start": first.isoformat(), "end": last.isoformat()},
        "created": (created or last).isoformat(),
    }
    if claim.documentation is not None:
        resource["extension"].append(_write_documentation(claim))
    if claim.payer.name is not None or claim.payer.state is not None:
        resource["insurer"] = {"reference": "#payer"}
    resource["provider"] = {"reference": "#provider"}
    resource["priority"] = _coded(_PRIORITY, "normal")
    if claim.referral is not None:
        resource["referral"] = {"reference": "#referral"}
    member: dict[str, Any] = {
        "sequence": 1,
        "provider": {"reference": "#provider"},
        "responsible": True,
        "role": _coded(_CARE_TEAM_ROLE, "primary"),
    }
    if claim.provider.taxonomy is not None:
        member["qualification"] = _coded(NUCC, claim.provider.taxonomy)
    resource["careTeam"] = [member]
    if claim.diagnoses:
        resource["diagnosis"] = [
            {"sequence": index + 1, "diagnosisCodeableConcept": _coded(ICD10CM, code)}
            for index, code in enumerate(claim.diagnoses)
        ]
    resource["insurance"] = [_write_insurance(claim)]
    resource["item"] = [_write_item(claim, index) for index in range(len(claim.lines))]
    charges = [line.charge for line in claim.lines]
    if all(charge is not None for charge in charges):
        resource["total"] = _usd(sum((charge for charge in charges if charge is not None), Decimal(0)), "$.lines")
    problems = _validate(resource, library)
    if problems:  # a claim the model accepts that FHIR cannot hold: say where, as for input
        raise InputError(problems, what="FHIR Claim written")
    return resource


def _contained(claim: Claim) -> list[dict[str, Any]]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [{"type": _coded(_V2_0203, "MR"), "value": claim.patient.id}],
    }
    if claim.patient.birth_date is not None:
        patient["birthDate"] = claim.patient.birth_date.isoformat()
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": "provider",
        "identifier": [{"system": NPI, "value": claim.provider.npi}],
        "qualification": [{"code": _coded(CS_LICENSE, claim.provider.license.value)}],
    }
    contained = [patient, practitioner]
    payer = claim.payer
    if payer.name is not None or payer.state is not None:
        organization: dict[str, Any] = {"resourceType": "Organization", "id": "payer"}
        if payer.name is not None:
            organization["name"] = payer.name
        else:  # an Organization needs a name or an identifier (org-1): say the name is unknown
            organization["_name"] = {"extension": [{"url": _DATA_ABSENT, "valueCode": "unknown"}]}
        if payer.state is not None:
            organization["address"] = [{"state": payer.state}]
        contained.append(organization)
        payor: dict[str, Any] = {"reference": "#payer"}
    else:
        payor = {"extension": [{"url": _DATA_ABSENT, "valueCode": "unknown"}]}
    contained.append(
        {
            "resourceType": "Coverage",
            "id": "coverage",
            "status": "active",
            "type": _coded(CS_PAYER_KIND, payer.kind.value),
            "beneficiary": {"reference": "#patient"},
            "payor": [payor],
        }
    )
    if claim.referral is not None:
        contained.append(
            {
                "resourceType": "ServiceRequest",
                "id": "referral",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "#patient"},
                "authoredOn": claim.referral.date.isoformat(),
                "requester": {"identifier": {"system": NPI, "value": claim.referral.npi}},
            }
        )
    return contained


def _write_documentation(claim: Claim) -> dict[str, Any]:
    documentation = claim.documentation
    assert documentation is not None
    parts: list[dict[str, Any]] = [{"url": part.value, "valueBoolean": part in documentation.soap} for part in SoapPart]
    if documentation.pain_scale is not None:
        parts.append({"url": "pain-scale", "valueInteger": documentation.pain_scale})
    parts.extend({"url": "functional-goal", "valueString": goal} for goal in documentation.functional_goals)
    parts.extend(
        {"url": "element", "valueCode": element.value} for element in DocElement if element in documentation.elements
    )
    return {"url": EXT_DOCUMENTATION, "extension": parts}


def _write_insurance(claim: Claim) -> dict[str, Any]:
    insurance: dict[str, Any] = {"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}
    authorization = claim.authorization
    if authorization is not None:
        extensions: list[dict[str, Any]] = []
        period = {
            key: value.isoformat()
            for key, value in (("start", authorization.start), ("end", authorization.end))
            if value is not None
        }
        if period:
            extensions.append({"url": EXT_AUTHORIZATION_PERIOD, "valuePeriod": period})
        if authorization.visits is not None:
            extensions.append({"url": EXT_AUTHORIZATION_VISITS, "valuePositiveInt": authorization.visits})
        if extensions:
            insurance = {"extension": extensions, **insurance}
        insurance["preAuthRef"] = [authorization.number]
    return insurance


def _procedure_system(code: str) -> str:
    # CPT codes and modifiers are digits (97124, 59); HCPCS Level II ones start with a letter (G0283, GP).
    return CPT if code[0].isdigit() else HCPCS


def _write_item(claim: Claim, index: int) -> dict[str, Any]:
    line: ServiceLine = claim.lines[index]
    item: dict[str, Any] = {}
    extensions: list[dict[str, Any]] = []
    if line.minutes is not None:
        duration = {"value": line.minutes, "unit": "min", "system": UCUM, "code": "min"}
        extensions.append({"url": EXT_MINUTES, "valueDuration": duration})
    if line.date is not None:
        extensions.append({"url": EXT_OWN_DATE, "valueBoolean": True})
    if extensions:
        item["extension"] = extensions
    item["sequence"] = index + 1
    item["careTeamSequence"] = [1]
    if line.diagnosis_pointers:
        item["diagnosisSequence"] = list(line.diagnosis_pointers)
    item["productOrService"] = _coded(_procedure_system(line.code), line.code)
    if line.modifiers:
        item["modifier"] = [_coded(_procedure_system(modifier), modifier) for modifier in line.modifiers]
    item["servicedDate"] = claim.line_date(index).isoformat()
    if line.units is not None:
        item["quantity"] = {"value": line.units}
    if line.charge is not None:
        path = f"$.lines[{index}].charge"
        if line.units is not None:
            price = line.charge / line.units
            if price == price.quantize(Decimal("0.01")) and price * line.units == line.charge:
                item["unitPrice"] = _usd(price.quantize(Decimal("0.01")), path)
        item["net"] = _usd(line.charge, path)
    if line.region is not None:
        item["bodySite"] = _coded(CS_BODY_REGION, line.region.name)
        if line.region.side is not None:
            item["subSite"] = [_coded(CS_SIDE, line.region.side.value)]
    return item
