"""Who a FHIR Claim is between, read into the model: payer, provider, patient, referral, authorization.

Decides which insurance is adjudicated (the one focal entry), the payer's kind
(Coverage.type in our system, else the payer_kind argument), name and state (the
insurer, else the coverage's one payor); the provider's NPI, licence (a
qualification in our system, else the license argument) and taxonomy, and that
every line is rendered by Claim.provider; the patient's id (the MR identifier)
and birth date; the referral (a contained ServiceRequest); and the prior
authorization (preAuthRef with our period and visits extensions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from massagecodes.fhir._json import _at, _day, _items, _key
from massagecodes.fhir._reader import _extensions, _Reader, _value
from massagecodes.fhir._systems import (
    _V2_0203,
    CS_LICENSE,
    CS_PAYER_KIND,
    EXT_AUTHORIZATION_PERIOD,
    EXT_AUTHORIZATION_VISITS,
    NPI,
    NUCC,
)


def _focal_insurance(data: Mapping[str, Any], reader: _Reader) -> tuple[str, Mapping[str, Any]] | None:
    """The insurance entry with focal = true: the coverage this claim is adjudicated against."""
    focal = [
        (_at("$.insurance", index), entry)
        for index, entry in _items(data.get("insurance"))
        if entry.get("focal") is True
    ]
    if len(focal) == 1:
        return focal[0]
    message = "expected exactly one insurance with focal = true (the coverage to adjudicate against)"
    reader.add("$.insurance", f"{message}, got {len(focal)}", field="$.payer")
    return None


def _payer(
    data: Mapping[str, Any], insurance: tuple[str, Mapping[str, Any]] | None, reader: _Reader, payer_kind: str | None
) -> dict[str, Any]:
    payer: dict[str, Any] = {}
    reader.source("$.payer", "$.insurance")
    coverage = (
        None
        if insurance is None
        else reader.resolve(insurance[1].get("coverage"), _key(insurance[0], "coverage"), "$.payer")
    )
    # kind
    kind: str | None = None
    if coverage is not None:
        found = reader.coding(
            coverage[1].get("type"), _key(coverage[0], "type"), [CS_PAYER_KIND], "payer kind", field="$.payer.kind"
        )
        if found is not None:
            kind = found[0]
            reader.source("$.payer.kind", found[1])
    if kind is not None and payer_kind is not None and kind != payer_kind:
        reader.add(
            "payer_kind",
            f'the resource says the payer kind is "{kind}", which payer_kind="{payer_kind}" contradicts',
            field="$.payer.kind",
        )
    elif kind is None and payer_kind is not None:
        kind = payer_kind
        reader.source("$.payer.kind", "payer_kind")
    if kind is not None:
        payer["kind"] = kind
    elif "$.payer.kind" not in reader.failed and "$.payer" not in reader.failed:
        where = "$.insurance" if coverage is None else _key(coverage[0], "type")
        message = (
            f'the payer kind is missing: expected a Coverage.type coding of system "{CS_PAYER_KIND}", '
            'or pass read_claim(..., payer_kind="commercial") (or another kind; eval --payer-kind)'
        )
        reader.add(where, message, field="$.payer.kind")
    # name and state: Claim.insurer, else the focal coverage's one payor
    organization: tuple[str, Mapping[str, Any]] | None = None
    if "insurer" in data:
        organization = reader.resolve(data["insurer"], "$.insurer", "$.payer.name")
        reference = data["insurer"]
        if organization is None and isinstance(reference, dict) and isinstance(reference.get("display"), str):
            payer["name"] = reference["display"]
            reader.source("$.payer.name", "$.insurer.display")
    elif coverage is not None:
        payors = _items(coverage[1].get("payor"))
        if len(payors) > 1:
            reader.add(
                _key(coverage[0], "payor"),
                "several payors: set Claim.insurer to say which one this claim is for",
                field="$.payer.name",
            )
        elif payors:
            organization = reader.resolve(payors[0][1], _at(_key(coverage[0], "payor"), 0), "$.payer.name")
    if organization is not None and organization[1].get("resourceType") == "Organization":
        path, resource = organization
        if isinstance(resource.get("name"), str):
            payer["name"] = resource["name"]
            reader.source("$.payer.name", _key(path, "name"))
        states = [
            (_key(_at(_key(path, "address"), index), "state"), address["state"])
            for index, address in _items(resource.get("address"))
            if "state" in address
        ]
        if len({state for _, state in states}) > 1:
            reader.add(
                _key(path, "address"),
                "addresses in different states: the payer has one state here",
                field="$.payer.state",
            )
        elif states:
            payer["state"] = states[0][1]
            reader.source("$.payer.state", states[0][0])
    return payer


def _identifiers(resource: Mapping[str, Any], path: str, system: str) -> list[tuple[object, str]]:
    return [
        (identifier.get("value"), _key(_at(_key(path, "identifier"), index), "value"))
        for index, identifier in _items(resource.get("identifier"))
        if identifier.get("system") == system
    ]


def _npi(resource: Mapping[str, Any], path: str, field: str, what: str, reader: _Reader) -> object:
    """The one NPI among a resource's (or a logical reference's) identifiers."""
    if "identifier" in resource and isinstance(resource["identifier"], dict):  # a Reference's logical identifier
        identifier = resource["identifier"]
        if identifier.get("system") == NPI:
            reader.source(field, _key(_key(path, "identifier"), "value"))
            return identifier.get("value")
        npis: list[tuple[object, str]] = []
    else:
        npis = _identifiers(resource, path, NPI)
    if len({value for value, _ in npis if isinstance(value, str)}) > 1:
        reader.add(_key(path, "identifier"), f"several different NPIs for the {what}", field=field)
        return None
    if not npis:
        reader.add(path, f'no NPI for the {what}: an identifier of system "{NPI}"', field=field)
        return None
    reader.source(field, npis[0][1])
    return npis[0][0]


def _provider(data: Mapping[str, Any], reader: _Reader, license: str | None) -> dict[str, Any]:
    provider: dict[str, Any] = {}
    reader.source("$.provider", "$.provider")
    reference = data.get("provider")
    resolved = reader.resolve(reference, "$.provider", "$.provider")
    if resolved is not None and resolved[1].get("resourceType") not in ("Practitioner", "Organization"):
        kind = resolved[1].get("resourceType")
        reader.add(
            "$.provider",
            f"expected a Practitioner or an Organization, got a {kind}; refer to the Practitioner",
            field="$.provider",
        )
        return provider
    if resolved is not None:
        path, resource = resolved
    elif isinstance(reference, dict) and "identifier" in reference:
        path, resource = "$.provider", reference
    else:
        message = (
            f'points outside this resource: contain the Practitioner, or give provider.identifier with system "{NPI}"'
        )
        if "$.provider" not in reader.failed:
            reader.add("$.provider", message, field="$.provider")
        return provider
    npi = _npi(resource, path, "$.provider.npi", "provider", reader)
    if npi is not None:
        provider["npi"] = npi
    # licence: Practitioner.qualification coded in our system, else the argument
    found: list[tuple[str, str]] = []
    taxonomies: list[tuple[str, str]] = []
    for index, qualification in _items(resource.get("qualification")):
        q_path = _key(_at(_key(path, "qualification"), index), "code")
        code = reader.coding(qualification.get("code"), q_path, [CS_LICENSE], "licence", field="$.provider.license")
        if code is not None:
            found.append(code)
        taxonomy = reader.coding(qualification.get("code"), q_path, [NUCC], "taxonomy", field="$.provider.taxonomy")
        if taxonomy is not None:
            taxonomies.append(taxonomy)
    if len({code for code, _ in found}) > 1:
        reader.add(_key(path, "qualification"), "several different licences", field="$.provider.license")
    elif found and license is not None and found[0][0] != license:
        reader.add(
            "license",
            f'the resource says the licence is "{found[0][0]}", which license="{license}" contradicts',
            field="$.provider.license",
        )
    elif found:
        provider["license"] = found[0][0]
        reader.source("$.provider.license", found[0][1])
    elif license is not None:
        provider["license"] = license
        reader.source("$.provider.license", "license")
    elif "$.provider.license" not in reader.failed:
        message = (
            f'the licence is missing: expected a qualification coding of system "{CS_LICENSE}", '
            'or pass read_claim(..., license="LMT") (or another licence; eval --license)'
        )
        reader.add(path, message, field="$.provider.license")
    # taxonomy: the care team's qualification for this provider, or the provider's own
    if isinstance(reference, dict):
        for index, member in _items(data.get("careTeam")):
            if member.get("provider") == reference and "qualification" in member:
                m_path = _key(_at("$.careTeam", index), "qualification")
                taxonomy = reader.coding(
                    member["qualification"], m_path, [NUCC], "taxonomy", field="$.provider.taxonomy"
                )
                if taxonomy is not None:
                    taxonomies.append(taxonomy)
    # The model has one provider a claim: a line rendered by another care-team member is
    # reported, never attributed to Claim.provider.
    members = {member.get("sequence"): member for _, member in _items(data.get("careTeam")) if isinstance(member, dict)}
    for index, item in _items(data.get("item")):
        sequences = item.get("careTeamSequence") if isinstance(item, dict) else None
        for position, sequence in _items(sequences):
            member = members.get(sequence)
            if member is not None and member.get("provider") != reference:
                reader.add(
                    _at(_key(_at("$.item", index), "careTeamSequence"), position),
                    "this line is rendered by a care-team member other than Claim.provider: the model has one "
                    "provider a claim, so make Claim.provider the practitioner who rendered every line",
                )
    if len({code for code, _ in taxonomies}) > 1:
        reader.add("$.careTeam", "several different taxonomy codes for the provider", field="$.provider.taxonomy")
    elif taxonomies:
        provider["taxonomy"] = taxonomies[0][0]
        reader.source("$.provider.taxonomy", taxonomies[0][1])
    return provider


def _patient(data: Mapping[str, Any], reader: _Reader) -> dict[str, Any]:
    patient: dict[str, Any] = {}
    reader.source("$.patient", "$.patient")
    reference = data.get("patient")
    resolved = reader.resolve(reference, "$.patient", "$.patient")
    if resolved is None:
        if isinstance(reference, dict) and isinstance(reference.get("identifier"), dict):
            patient["id"] = reference["identifier"].get("value")
            reader.source("$.patient.id", "$.patient.identifier.value")
        elif "$.patient" not in reader.failed:
            message = "points outside this resource: contain the Patient, or give patient.identifier"
            reader.add("$.patient", message, field="$.patient")
        return patient
    path, resource = resolved
    if resource.get("resourceType") != "Patient":
        reader.add("$.patient", f"expected a Patient, got a {resource.get('resourceType')}", field="$.patient")
        return patient
    identifiers = _items(resource.get("identifier"))
    records = [(index, identifier) for index, identifier in identifiers if _is_record_number(identifier)]
    chosen = records if records else identifiers
    if len(chosen) == 1:
        index, identifier = chosen[0]
        patient["id"] = identifier.get("value")
        reader.source("$.patient.id", _key(_at(_key(path, "identifier"), index), "value"))
    elif not chosen:
        reader.add(path, "no identifier for the patient", field="$.patient.id")
    else:
        message = f'cannot tell which identifier is the patient id: mark one with type "MR" (system "{_V2_0203}")'
        reader.add(_key(path, "identifier"), message, field="$.patient.id")
    if "birthDate" in resource:
        patient["birth_date"] = resource["birthDate"]
        reader.source("$.patient.birth_date", _key(path, "birthDate"))
    return patient


def _is_record_number(identifier: object) -> bool:
    kind = identifier.get("type") if isinstance(identifier, dict) else None
    codings = kind.get("coding") if isinstance(kind, dict) else None
    return any(
        isinstance(coding, dict) and coding.get("system") == _V2_0203 and coding.get("code") == "MR"
        for _, coding in _items(codings)
    )


def _referral(data: Mapping[str, Any], reader: _Reader) -> dict[str, Any] | None:
    if "referral" not in data:
        return None
    reader.source("$.referral", "$.referral")
    resolved = reader.resolve(data["referral"], "$.referral", "$.referral")
    if resolved is None:
        if "$.referral" not in reader.failed:
            reader.add("$.referral", "points outside this resource: contain the ServiceRequest", field="$.referral")
        return None
    path, resource = resolved
    if resource.get("resourceType") != "ServiceRequest":
        reader.add("$.referral", f"expected a ServiceRequest, got a {resource.get('resourceType')}", field="$.referral")
        return None
    referral: dict[str, Any] = {}
    if "authoredOn" in resource:
        referral["date"] = _day(resource["authoredOn"])
        reader.source("$.referral.date", _key(path, "authoredOn"))
    else:
        reader.add(path, "no date for the referral: give authoredOn", field="$.referral.date")
    requester_path = _key(path, "requester")
    requester = resource.get("requester")
    if not isinstance(requester, dict):
        reader.add(path, "no referring provider: give requester", field="$.referral.npi")
        return referral
    target = reader.resolve(requester, requester_path, "$.referral.npi")
    if target is not None:
        npi = _npi(target[1], target[0], "$.referral.npi", "referring provider", reader)
    elif "identifier" in requester:
        npi = _npi(requester, requester_path, "$.referral.npi", "referring provider", reader)
    else:
        if "$.referral.npi" not in reader.failed:
            message = f'points outside this resource: contain the Practitioner, or give requester.identifier with system "{NPI}"'
            reader.add(requester_path, message, field="$.referral.npi")
        return referral
    if npi is not None:
        referral["npi"] = npi
    return referral


def _authorization(insurance: tuple[str, Mapping[str, Any]] | None, reader: _Reader) -> dict[str, Any] | None:
    if insurance is None:
        return None
    path, entry = insurance
    ours = _extensions(entry, path, reader)
    numbers = _items(entry.get("preAuthRef"))
    if len(numbers) > 1:
        reader.add(
            _key(path, "preAuthRef"),
            f"expected one prior authorization number, got {len(numbers)}",
            field="$.authorization",
        )
        return None
    if not numbers:
        for url in (EXT_AUTHORIZATION_PERIOD, EXT_AUTHORIZATION_VISITS):
            if url in ours:
                reader.add(ours[url][0], "authorization details without a preAuthRef", field="$.authorization")
        return None
    reader.source("$.authorization", path)
    authorization: dict[str, Any] = {"number": numbers[0][1]}
    reader.source("$.authorization.number", _at(_key(path, "preAuthRef"), 0))
    if EXT_AUTHORIZATION_PERIOD in ours:
        ext_path, extension = ours[EXT_AUTHORIZATION_PERIOD]
        value = _value(extension, ext_path, "Period", reader, "$.authorization")
        if value is not None and isinstance(value[0], dict):
            for key, name in (("start", "start"), ("end", "end")):
                if key in value[0]:
                    authorization[name] = _day(value[0][key])
                    reader.source(f"$.authorization.{name}", _key(value[1], key))
            reader.source("$.authorization", value[1])  # the cross check of start and end
    if EXT_AUTHORIZATION_VISITS in ours:
        ext_path, extension = ours[EXT_AUTHORIZATION_VISITS]
        value = _value(extension, ext_path, "PositiveInt", reader, "$.authorization.visits")
        if value is not None:
            authorization["visits"] = value[0]
            reader.source("$.authorization.visits", value[1])
    return authorization
