"""FHIR R4 Claim in and out (extra fhir): the round trip, the mapping, a Claim written elsewhere, every error."""

from __future__ import annotations

import copy
import datetime
import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.claim import Claim as FhirClaim
from hypothesis import given

import massagecodes as mc
from massagecodes import fhir
from strategies import claims

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = mc.Claim.from_json((ROOT / "examples" / "claim.json").read_text(encoding="utf-8"))
ELSEWHERE = ROOT / "tests" / "data" / "fhir" / "massage-claim-elsewhere.json"
EXT = fhir.BASE_URL + "/StructureDefinition/"

Mutation = Callable[[dict[str, Any]], object]


def written(claim: mc.Claim = EXAMPLE) -> dict[str, Any]:
    return copy.deepcopy(fhir.write_claim(claim))


def elsewhere() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ELSEWHERE.read_text(encoding="utf-8"))
    return data


def problems_of(error: mc.InputError) -> list[tuple[str, str]]:
    return [(problem.path, problem.message) for problem in error.problems]


def read_problems(resource: dict[str, Any] | str, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(resource, **kwargs)
    return problems_of(caught.value)


def contained(resource: dict[str, Any], resource_id: str) -> dict[str, Any]:
    (found,) = [item for item in resource["contained"] if item["id"] == resource_id]
    return found  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- #
# The round trip.                                                              #
# --------------------------------------------------------------------------- #


@given(claims())
def test_round_trip(claim: mc.Claim) -> None:
    resource = fhir.write_claim(claim)
    FhirClaim.model_validate(resource)  # fhir.resources accepts it as an R4 Claim
    text = json.dumps(resource)  # JSON-able as it is
    assert fhir.read_claim(resource) == claim
    assert fhir.read_claim(text) == claim
    assert fhir.write_claim(fhir.read_claim(text)) == resource  # and writing is stable


def test_round_trip_of_the_example() -> None:
    assert fhir.read_claim(fhir.write_claim(EXAMPLE)) == EXAMPLE


def test_round_trip_of_every_optional_part() -> None:
    claim = mc.Claim.from_dict(
        {
            "date_of_service": "2025-03-14",
            "payer": {"kind": "workers-comp", "name": "State Fund", "state": "WA"},
            "provider": {"npi": "1234567893", "license": "PT", "taxonomy": "225100000X"},
            "patient": {"id": " P 1 ", "birth_date": "1980-05-17"},
            "diagnoses": ["M54.50", "M62.830", "S16.1XXA"],
            "referral": {"npi": "1245319599", "date": "2025-01-02"},
            "authorization": {"number": "AUTH-9", "start": "2025-01-01", "end": "2025-06-30", "visits": 12},
            "documentation": {
                "soap": ["subjective", "plan"],
                "pain_scale": 0,
                "functional_goals": ["lift a child", "sit through a work day"],
                "elements": ["physician-order", "minutes-per-code"],
            },
            "lines": [
                {
                    "code": "97140",
                    "minutes": 23,
                    "units": 2,
                    "region": {"name": "upper-extremity", "side": "left"},
                    "modifiers": ["GP", "59", "KX", "XS"],
                    "diagnosis_pointers": [3, 1],
                    "charge": "90.10",
                },
                {"code": "G0283", "units": 1, "date": "2025-03-14", "charge": "0"},
                {"code": "97110", "minutes": 7, "date": "2025-03-12"},
            ],
        }
    )
    assert fhir.read_claim(fhir.write_claim(claim)) == claim
    assert fhir.read_claim(json.dumps(fhir.write_claim(claim))) == claim


def test_empty_documentation_is_not_no_documentation() -> None:
    for documentation in (None, mc.Documentation()):
        claim = mc.Claim.from_dict({**EXAMPLE.to_dict(), "documentation": documentation and documentation.to_dict()})
        assert fhir.read_claim(fhir.write_claim(claim)).documentation == documentation


def test_a_line_date_equal_to_the_claims_is_kept() -> None:
    line = mc.ServiceLine(code="97124", minutes=30, date=EXAMPLE.date_of_service)
    claim = mc.Claim.from_dict({**EXAMPLE.to_dict(), "diagnoses": [], "lines": [line.to_dict()]})
    resource = fhir.write_claim(claim)
    assert resource["item"][0]["extension"][-1] == {"url": EXT + "own-date", "valueBoolean": True}
    assert fhir.read_claim(resource).lines[0].date == EXAMPLE.date_of_service


def test_an_extended_region_vocabulary_round_trips() -> None:
    regions = mc.DEFAULT_REGIONS.extended(names=["gluteal"], aliases={"buttock": "gluteal"})
    data = {**EXAMPLE.to_dict(), "lines": [{"code": "97124", "minutes": 30, "region": "buttock"}], "diagnoses": []}
    claim = mc.Claim.from_dict(data, regions=regions)
    resource = fhir.write_claim(claim)
    assert fhir.read_claim(resource, regions=regions) == claim
    assert read_problems(resource) == [
        ("$.item[0].bodySite.coding[0].code", mc.DEFAULT_REGIONS.unknown_message("gluteal"))
    ]


# --------------------------------------------------------------------------- #
# What is written where.                                                       #
# --------------------------------------------------------------------------- #


def test_standard_elements_and_systems() -> None:
    resource = fhir.write_claim(EXAMPLE)
    assert resource["resourceType"] == "Claim"
    assert (resource["status"], resource["use"]) == ("active", "claim")
    assert resource["billablePeriod"] == {"start": "2025-03-14", "end": "2025-03-14"}
    massage, manual = resource["item"]
    assert massage["productOrService"] == {"coding": [{"system": fhir.CPT, "code": "97124"}]}
    assert massage["modifier"] == [{"coding": [{"system": fhir.HCPCS, "code": "GP"}]}]
    assert manual["modifier"] == [{"coding": [{"system": fhir.CPT, "code": "59"}]}]
    assert manual["quantity"] == {"value": 1}
    assert "quantity" not in massage  # the line bills minutes only
    assert manual["unitPrice"] == manual["net"] == {"value": 60, "currency": "USD"}
    assert manual["diagnosisSequence"] == [1, 2]
    assert manual["servicedDate"] == "2025-03-14"
    assert manual["bodySite"] == {"coding": [{"system": fhir.CS_BODY_REGION, "code": "cervical"}]}
    assert massage["extension"] == [
        {
            "url": EXT + "minutes",
            "valueDuration": {"value": 30, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"},
        }
    ]
    assert [d["diagnosisCodeableConcept"]["coding"][0] for d in resource["diagnosis"]] == [
        {"system": fhir.ICD10CM, "code": "M54.50"},
        {"system": fhir.ICD10CM, "code": "M62.830"},
    ]
    assert contained(resource, "provider")["identifier"] == [{"system": fhir.NPI, "value": "1234567893"}]
    assert contained(resource, "payer") == {
        "resourceType": "Organization",
        "id": "payer",
        "name": "Acme Health",
        "address": [{"state": "WA"}],
    }
    assert contained(resource, "coverage")["type"] == {"coding": [{"system": fhir.CS_PAYER_KIND, "code": "commercial"}]}
    assert contained(resource, "referral")["requester"] == {"identifier": {"system": fhir.NPI, "value": "1245319599"}}
    assert resource["total"] == {"value": 180, "currency": "USD"}


def test_taxonomy_side_authorization_and_documentation() -> None:
    claim = mc.Claim.from_dict(
        {
            **EXAMPLE.to_dict(),
            "provider": {"npi": "1234567893", "license": "LMT", "taxonomy": "225700000X"},
            "authorization": {"number": "A-1", "start": "2025-01-01", "visits": 6},
            "documentation": {"soap": ["objective"], "pain_scale": 6, "elements": ["plan-of-care"]},
            "lines": [{"code": "97124", "units": 3, "charge": "100", "region": {"name": "shoulder", "side": "right"}}],
            "diagnoses": [],
        }
    )
    resource = fhir.write_claim(claim)
    assert resource["careTeam"][0]["qualification"] == {"coding": [{"system": fhir.NUCC, "code": "225700000X"}]}
    item = resource["item"][0]
    assert item["subSite"] == [{"coding": [{"system": fhir.CS_SIDE, "code": "right"}]}]
    assert "unitPrice" not in item  # 100 / 3 is not a whole number of cents
    assert resource["insurance"][0] == {
        "extension": [
            {"url": EXT + "authorization-period", "valuePeriod": {"start": "2025-01-01"}},
            {"url": EXT + "authorization-visits", "valuePositiveInt": 6},
        ],
        "sequence": 1,
        "focal": True,
        "coverage": {"reference": "#coverage"},
        "preAuthRef": ["A-1"],
    }
    assert resource["extension"][1] == {
        "url": EXT + "documentation",
        "extension": [
            {"url": "subjective", "valueBoolean": False},
            {"url": "objective", "valueBoolean": True},
            {"url": "assessment", "valueBoolean": False},
            {"url": "plan", "valueBoolean": False},
            {"url": "pain-scale", "valueInteger": 6},
            {"url": "element", "valueCode": "plan-of-care"},
        ],
    }


def test_a_payer_without_name_or_state_is_said_to_be_unknown() -> None:
    claim = mc.Claim.from_dict({**EXAMPLE.to_dict(), "payer": {"kind": "self-pay"}})
    resource = fhir.write_claim(claim)
    assert "insurer" not in resource
    assert contained(resource, "coverage")["payor"] == [
        {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}
    ]
    state_only = mc.Claim.from_dict({**EXAMPLE.to_dict(), "payer": {"kind": "auto-pip", "state": "FL"}})
    organization = contained(fhir.write_claim(state_only), "payer")
    assert "name" not in organization
    assert organization["_name"]["extension"][0]["valueCode"] == "unknown"
    assert fhir.read_claim(fhir.write_claim(state_only)).payer == mc.Payer(kind="auto-pip", state="FL")


def test_created_and_billable_period() -> None:
    data = {**EXAMPLE.to_dict(), "lines": [{"code": "97124", "minutes": 30, "date": "2025-03-20"}], "diagnoses": []}
    claim = mc.Claim.from_dict(data)
    resource = fhir.write_claim(claim)
    assert resource["created"] == "2025-03-20"  # the latest date of service: no clock is read
    assert resource["billablePeriod"] == {"start": "2025-03-14", "end": "2025-03-20"}
    assert fhir.write_claim(claim, created=datetime.date(2025, 4, 1))["created"] == "2025-04-01"


def test_large_amounts_are_exact() -> None:
    data = {**EXAMPLE.to_dict(), "lines": [{"code": "97124", "units": 1, "charge": "123456789012.34"}], "diagnoses": []}
    claim = mc.Claim.from_dict(data)
    assert fhir.read_claim(json.dumps(fhir.write_claim(claim))).lines[0].charge == Decimal("123456789012.34")
    huge = mc.Claim.from_dict({**data, "lines": [{"code": "97124", "units": 1, "charge": "12345678901234567.89"}]})
    with pytest.raises(mc.InputError) as caught:
        fhir.write_claim(huge)
    assert problems_of(caught.value) == [("$.lines[0].charge", "too many digits to write exactly as a JSON number")]


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (("claim",), {}, [("claim", 'expected a massagecodes Claim, got "claim"')]),
        (
            (EXAMPLE,),
            {"created": datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)},
            [("created", "expected a datetime.date, got a datetime")],
        ),
        ((EXAMPLE,), {"created": "2025-01-01"}, [("created", 'expected a datetime.date, got "2025-01-01"')]),
    ],
    ids=["not-a-claim", "datetime", "string-date"],
)
def test_write_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    with pytest.raises(mc.InputError) as caught:
        fhir.write_claim(*args, **kwargs)
    assert problems_of(caught.value) == expected
    assert caught.value.what == "argument"


# --------------------------------------------------------------------------- #
# A Claim written elsewhere.                                                   #
# --------------------------------------------------------------------------- #

EXPECTED_ELSEWHERE = mc.Claim.from_dict(
    {
        "date_of_service": "2025-03-14",
        "payer": {"kind": "commercial", "name": "Acme Health", "state": "WA"},
        "provider": {"npi": "1234567893", "license": "LMT", "taxonomy": "225700000X"},
        "patient": {"id": "P-1", "birth_date": "1980-05-17"},
        "diagnoses": ["M54.50", "M62.830"],
        "referral": {"npi": "1245319599", "date": "2025-01-02"},
        "lines": [
            {"code": "97124", "units": 2, "region": "lumbar", "diagnosis_pointers": [1, 2], "charge": "80.00"},
            {
                "code": "97140",
                "units": 1,
                "region": "lumbar",
                "modifiers": ["59"],
                "diagnosis_pointers": [1],
                "charge": "45.00",
            },
            {"code": "97010", "units": 1, "region": "lumbar", "diagnosis_pointers": [1], "charge": "15.00"},
        ],
    }
)


def test_a_claim_written_elsewhere() -> None:
    text = ELSEWHERE.read_text(encoding="utf-8")
    assert fhir.read_claim(text, payer_kind="commercial", license="LMT") == EXPECTED_ELSEWHERE
    assert fhir.read_claim(json.loads(text), payer_kind=mc.PayerKind.COMMERCIAL, license=mc.License.LMT) == (
        EXPECTED_ELSEWHERE
    )


def test_a_claim_written_elsewhere_evaluates_against_a_shipped_ruleset() -> None:
    claim = fhir.read_claim(ELSEWHERE.read_text(encoding="utf-8"), payer_kind="commercial", license="LMT")
    result = mc.load_ruleset("commercial", "~=2026.1").evaluate(claim)
    # 97140 on the same region as 97124 passes with modifier 59; the hot pack is bundled.
    assert [(f.rule_id, f.action, f.lines) for f in result.findings] == [("hot-cold-packs-bundled", "BUNDLE", (2,))]


def test_what_a_claim_written_elsewhere_does_not_say() -> None:
    assert read_problems(elsewhere()) == [
        (
            "$.contained[4].type",
            f'the payer kind is missing: expected a Coverage.type coding of system "{fhir.CS_PAYER_KIND}", '
            'or pass read_claim(..., payer_kind="commercial") (or another kind; eval --payer-kind)',
        ),
        (
            "$.contained[1]",
            f'the licence is missing: expected a qualification coding of system "{fhir.CS_LICENSE}", '
            'or pass read_claim(..., license="LMT") (or another licence; eval --license)',
        ),
    ]


def test_arguments_must_agree_with_the_resource() -> None:
    assert read_problems(written(), payer_kind="medicare", license="PT") == [
        ("payer_kind", 'the resource says the payer kind is "commercial", which payer_kind="medicare" contradicts'),
        ("license", 'the resource says the licence is "LMT", which license="PT" contradicts'),
    ]
    assert fhir.read_claim(written(), payer_kind="commercial", license="LMT") == EXAMPLE


def _no_item_dates(data: dict[str, Any]) -> None:
    for item in data["item"]:
        del item["servicedDate"]


def _logical_references(data: dict[str, Any]) -> None:
    data["provider"] = {"identifier": {"system": fhir.NPI, "value": "1234567893"}}
    data["patient"] = {"identifier": {"system": "https://practice.example.org/patients", "value": "P-1"}}
    data["insurer"] = {"reference": "Organization/acme", "display": "Acme Health"}
    del data["careTeam"]


def _reordered(data: dict[str, Any]) -> None:
    data["diagnosis"].reverse()
    data["diagnosis"][0]["sequence"], data["diagnosis"][1]["sequence"] = 7, 3  # M62.830 is 7, M54.50 is 3
    data["diagnosis"][1]["diagnosisCodeableConcept"]["coding"].insert(
        0, {"system": "http://snomed.info/sct", "code": "279039007"}
    )  # a translation beside the ICD-10-CM code
    data["item"].reverse()
    for item in data["item"]:
        item["diagnosisSequence"] = [{1: 3, 2: 7}[sequence] for sequence in item["diagnosisSequence"]]


def _prices_only(data: dict[str, Any]) -> None:
    for item in data["item"]:
        item.pop("net")
    data["item"][2]["unitPrice"] = {"value": 7.5}
    data["item"][2]["quantity"] = {"value": 1}
    data["item"][2]["factor"] = 2


@pytest.mark.parametrize(
    ("mutate", "change"),
    [
        (_no_item_dates, {}),
        (
            lambda data: data["item"][2].update(servicedDate="2025-03-16"),
            {"lines": {2: {"date": "2025-03-16"}}},
        ),
        (
            lambda data: data["item"][0].update(servicedDate="2025-03-13"),
            {"date_of_service": "2025-03-13", "lines": {1: {"date": "2025-03-14"}, 2: {"date": "2025-03-14"}}},
        ),
        (
            lambda data: [
                item.update(servicedPeriod={"start": "2025-03-14T09:00:00-07:00", "end": "2025-03-14"})
                for item in data["item"]
                if item.pop("servicedDate")
            ],
            {},
        ),
        (
            _logical_references,
            {
                "payer": {"kind": "commercial", "name": "Acme Health"},
                "provider": {"npi": "1234567893", "license": "LMT"},
                "patient": {"id": "P-1"},
            },
        ),
        (_reordered, {}),
        (_prices_only, {}),
    ],
    ids=[
        "dates-from-billable-period",
        "a-later-line",
        "an-earlier-line",
        "one-day-periods",
        "logical-references",
        "out-of-order-sequences",
        "unit-prices",
    ],
)
def test_variations_of_a_claim_written_elsewhere(mutate: Mutation, change: dict[str, Any]) -> None:
    data = elsewhere()
    mutate(data)
    expected = EXPECTED_ELSEWHERE.to_dict()
    for key, value in change.items():
        if key == "lines":
            for index, line in value.items():
                expected["lines"][index].update(line)
        else:
            expected[key] = value
    # Compared as claims: money read from floats equals the expected amounts, if not their spelling
    assert fhir.read_claim(data, payer_kind="commercial", license="LMT") == mc.Claim.from_dict(expected)


# --------------------------------------------------------------------------- #
# Errors: every problem at once, at its JSON path, never with patient data.    #
# --------------------------------------------------------------------------- #

CPT_OR_HCPCS = f'"{fhir.CPT}" or "{fhir.HCPCS}"'


def _set(path: str, value: object) -> Mutation:
    """A mutation that sets ``a.b[0].c`` to value (or deletes it, for value DELETE)."""

    def mutate(data: dict[str, Any]) -> None:
        parts: list[str | int] = []
        for name in path.replace("]", "").replace("[", ".").split("."):
            parts.append(int(name) if name.isdigit() else name)
        target: Any = data
        for part in parts[:-1]:
            target = target[part]
        if value is DELETE:
            del target[parts[-1]]
        else:
            target[parts[-1]] = value

    return mutate


DELETE = object()
SNOMED = "http://snomed.info/sct"

ERRORS: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    ("not-a-claim", _set("resourceType", "Patient"), [("$.resourceType", 'expected "Claim", got "Patient"')]),
    ("no-resource-type", _set("resourceType", DELETE), [("$.resourceType", 'expected "Claim", got none')]),
    (
        "contained-unknown-type",
        lambda data: data["contained"].append({"resourceType": "Nope", "id": "x"}),
        [("$.contained[5].resourceType", 'expected a FHIR R4 resource type, got "Nope"')],
    ),
    (
        "contained-data-type",
        lambda data: data["contained"].append({"resourceType": "Address"}),
        [("$.contained[5].resourceType", 'expected a FHIR R4 resource type, got "Address"')],
    ),
    (
        "contained-not-an-object",
        lambda data: data["contained"].append("Patient"),
        [("$.contained[5]", 'expected a resource (a JSON object), got "Patient"')],
    ),
    (
        "fhir-structure",
        lambda data: (
            _set("item[0].productOrService", 5)(data),
            _set("bogus", 1)(data),
            _set("contained[0].birthDate", "1980-02-30")(data),
            _set("insurance[0].preAuthRef", [7])(data),
        ),
        [
            (
                "$.contained[0].birthDate",
                "input should be a valid date or datetime, day value is outside expected range",
            ),
            ("$.insurance[0].preAuthRef[0]", "input should be a valid string"),
            ("$.item[0].productOrService", "expected CodeableConcept (a JSON object), got a number"),
            ("$.bogus", "unknown element (FHIR R4 does not define it here)"),
        ],
    ),
    ("fhir-required", _set("status", DELETE), [("$.status", "required element is missing")]),
    (
        "unknown-code-system",
        _set("item[0].productOrService", {"coding": [{"system": SNOMED, "code": "12345"}]}),
        [
            (
                "$.item[0].productOrService",
                f'expected a coding of system {CPT_OR_HCPCS} (CPT or HCPCS); found codings of "{SNOMED}"',
            )
        ],
    ),
    (
        "code-without-system",
        _set("item[0].productOrService", {"coding": [{"code": "97124"}], "text": "massage"}),
        [
            (
                "$.item[0].productOrService",
                f"expected a coding of system {CPT_OR_HCPCS} (CPT or HCPCS); found codings of no system",
            )
        ],
    ),
    (
        "two-procedure-codes",
        lambda data: data["item"][0]["productOrService"]["coding"].append({"system": fhir.CPT, "code": "97140"}),
        [("$.item[0].productOrService", "expected one CPT or HCPCS code, found 2 different ones")],
    ),
    (
        "bad-procedure-code",
        _set("item[0].productOrService.coding[0].code", "97122x"),
        [
            (
                "$.item[0].productOrService.coding[0].code",
                'expected a procedure code: five digits (CPT) or a capital letter and four digits (HCPCS), got "97122x"',
            )
        ],
    ),
    (
        "five-modifiers",
        _set(
            "item[0].modifier",
            [{"coding": [{"system": fhir.HCPCS, "code": m}]} for m in ["GP", "KX", "XS", "XU", "XE"]],
        ),
        [("$.item[0].modifier", "expected at most 4 modifiers, got 5")],
    ),
    (
        "modifier-of-unknown-system",
        _set("item[1].modifier[0].coding[0].system", "http://example.org/modifiers"),
        [
            (
                "$.item[1].modifier[0]",
                f'expected a coding of system {CPT_OR_HCPCS} (CPT or HCPCS modifier); found codings of "http://example.org/modifiers"',
            )
        ],
    ),
    (
        "negative-minutes",
        _set("item[0].extension[0].valueDuration.value", -5),
        [("$.item[0].extension[0].valueDuration.value", "expected whole minutes >= 0, got -5")],
    ),
    (
        "minutes-in-hours",
        _set("item[0].extension[0].valueDuration.code", "h"),
        [
            (
                "$.item[0].extension[0].valueDuration",
                'expected a duration in minutes (system "http://unitsofmeasure.org", code "min")',
            )
        ],
    ),
    (
        "minutes-as-a-string",
        _set("item[0].extension[0]", {"url": EXT + "minutes", "valueString": "30"}),
        [("$.item[0].extension[0]", "expected valueDuration")],
    ),
    (
        "fractional-units",
        _set("item[1].quantity.value", 1.5),
        [
            ("$.item[1].net", "does not equal unitPrice x quantity x factor"),
            ("$.item[1].quantity.value", "expected whole units >= 1, got 1.5"),
        ],
    ),
    (
        "units-as-a-string",
        _set("item[1].quantity.value", "1"),
        [("$.item[1].quantity.value", 'expected whole units >= 1, got "1"')],
    ),
    (
        "zero-units",
        _set("item[1].quantity.value", 0),
        [
            ("$.item[1].net", "does not equal unitPrice x quantity x factor"),
            ("$.item[1].quantity.value", "expected whole units >= 1, got 0"),
        ],
    ),
    (
        "neither-units-nor-minutes",
        lambda data: data["item"][0].pop("extension"),
        [("$.item[0]", "expected quantity (the units billed), the minutes extension, or both")],
    ),
    (
        "euros",
        _set("item[0].net.currency", "EUR"),
        [("$.item[0].net.currency", 'expected "USD" (claims are in US dollars), got "EUR"')],
    ),
    (
        "money-as-a-string",
        _set("item[0].net.value", "120.00"),
        [("$.item[0].net.value", 'expected a JSON number, got "120.00"')],
    ),
    ("money-without-value", _set("item[0].net", {"currency": "USD"}), [("$.item[0].net", "an amount without a value")]),
    (
        "fraction-of-a-cent",
        _set("item[0].net.value", 1.005),
        [("$.item[0].net.value", "expected an amount >= 0 with at most 2 decimal places, got 1.005")],
    ),
    (
        "negative-money",
        _set("item[0].net.value", -1),
        [("$.item[0].net.value", "expected an amount >= 0 with at most 2 decimal places, got -1")],
    ),
    (
        "net-and-price-disagree",
        _set("item[1].net.value", 61),
        [("$.item[1].net", "does not equal unitPrice x quantity x factor")],
    ),
    (
        "pointer-to-nothing",
        _set("item[0].diagnosisSequence", [1, 7]),
        [("$.item[0].diagnosisSequence[1]", "points to diagnosis sequence 7, which Claim.diagnosis does not list")],
    ),
    (
        "diagnosis-in-snomed",
        _set("diagnosis[0].diagnosisCodeableConcept", {"coding": [{"system": SNOMED, "code": "279039007"}]}),
        [
            (
                "$.diagnosis[0].diagnosisCodeableConcept",
                f'expected a coding of system "{fhir.ICD10CM}" (ICD-10-CM); found codings of "{SNOMED}"',
            )
        ],
    ),
    (
        "diagnosis-reference",
        lambda data: (
            data["diagnosis"][0].update(
                {"diagnosisReference": {"reference": "Condition/1"}}, diagnosisCodeableConcept=None
            )
            or data["diagnosis"][0].pop("diagnosisCodeableConcept")
        ),
        [
            (
                "$.diagnosis[0]",
                "a diagnosisReference (a Condition) is not read; give diagnosisCodeableConcept with an ICD-10-CM coding",
            )
        ],
    ),
    (
        "diagnosis-without-its-dot",
        _set("diagnosis[0].diagnosisCodeableConcept.coding[0].code", "M5450"),
        [
            (
                "$.diagnosis[0].diagnosisCodeableConcept.coding[0].code",
                "expected an ICD-10-CM code: a capital letter, a digit, a letter or digit, then optionally a dot "
                "and 1-4 more (e.g. M54.50); this one lacks the dot after its third character",
            )
        ],
    ),
    (
        "duplicate-diagnosis-sequence",
        _set("diagnosis[1].sequence", 1),
        [("$.diagnosis[1].sequence", "duplicate diagnosis sequence 1")],
    ),
    ("duplicate-item-sequence", _set("item[1].sequence", 1), [("$.item[1].sequence", "duplicate item sequence 1")]),
    ("no-items", _set("item", []), [("$.item", "expected at least one item")]),
    (
        "no-focal-insurance",
        _set("insurance[0].focal", False),
        [
            (
                "$.insurance",
                "expected exactly one insurance with focal = true (the coverage to adjudicate against), got 0",
            )
        ],
    ),
    (
        "two-authorization-numbers",
        _set("insurance[0].preAuthRef", ["A-1", "A-2"]),
        [("$.insurance[0].preAuthRef", "expected one prior authorization number, got 2")],
    ),
    (
        "provider-elsewhere",
        _set("provider", {"reference": "Practitioner/123"}),
        [
            (
                "$.provider",
                f'points outside this resource: contain the Practitioner, or give provider.identifier with system "{fhir.NPI}"',
            )
        ],
    ),
    (
        "provider-is-a-patient",
        _set("provider", {"reference": "#patient"}),
        [("$.provider", "expected a Practitioner or an Organization, got a Patient; refer to the Practitioner")],
    ),
    (
        "provider-without-npi",
        _set("contained[1].identifier", DELETE),
        [("$.contained[1]", f'no NPI for the provider: an identifier of system "{fhir.NPI}"')],
    ),
    (
        "provider-with-two-npis",
        lambda data: data["contained"][1]["identifier"].append({"system": fhir.NPI, "value": "1245319599"}),
        [("$.contained[1].identifier", "several different NPIs for the provider")],
    ),
    (
        "bad-npi",
        _set("contained[1].identifier[0].value", "1234567890"),
        [
            (
                "$.contained[1].identifier[0].value",
                'expected an NPI whose last digit is its check digit: "1234567890" should end in 3 (Luhn over 80840 and the first nine digits)',
            )
        ],
    ),
    (
        "dangling-reference",
        _set("referral", {"reference": "#nothere"}),
        [("$.referral.reference", "points to a contained resource that is not in contained")],
    ),
    (
        "referral-elsewhere",
        _set("referral", {"reference": "ServiceRequest/1"}),
        [("$.referral", "points outside this resource: contain the ServiceRequest")],
    ),
    (
        "referral-without-date",
        _set("contained[4].authoredOn", DELETE),
        [("$.contained[4]", "no date for the referral: give authoredOn")],
    ),
    (
        "patient-elsewhere",
        _set("patient", {"reference": "Patient/123"}),
        [("$.patient", "points outside this resource: contain the Patient, or give patient.identifier")],
    ),
    (
        "patient-with-two-plain-identifiers",
        _set("contained[0].identifier", [{"value": "A"}, {"value": "B"}]),
        [
            (
                "$.contained[0].identifier",
                'cannot tell which identifier is the patient id: mark one with type "MR" (system "http://terminology.hl7.org/CodeSystem/v2-0203")',
            )
        ],
    ),
    (
        "partial-birth-date",
        _set("contained[0].birthDate", "1980-05"),
        [("$.contained[0].birthDate", 'expected a date as "YYYY-MM-DD", got a string of 7 characters')],
    ),
    (
        "lower-case-state",
        _set("contained[2].address[0].state", "wa"),
        [
            (
                "$.contained[2].address[0].state",
                'expected a two-letter US state code (e.g. WA), got "wa" (write it in capitals: "WA")',
            )
        ],
    ),
    (
        "several-payors",
        lambda data: (data.pop("insurer"), data["contained"][3]["payor"].append({"reference": "#patient"})),
        [("$.contained[3].payor", "several payors: set Claim.insurer to say which one this claim is for")],
    ),
    (
        "unknown-region",
        _set("item[0].bodySite.coding[0].code", "glutes"),
        [("$.item[0].bodySite.coding[0].code", mc.DEFAULT_REGIONS.unknown_message("glutes"))],
    ),
    (
        "region-in-snomed",
        _set("item[0].bodySite", {"coding": [{"system": SNOMED, "code": "37822005"}]}),
        [
            (
                "$.item[0].bodySite",
                f'expected a coding of system "{fhir.CS_BODY_REGION}" (body region) or a text naming the body region; found codings of "{SNOMED}"',
            )
        ],
    ),
    (
        "side-without-region",
        lambda data: data["item"][0].update(subSite=[{"text": "left"}]) or data["item"][0].pop("bodySite"),
        [("$.item[0].subSite", "a side (subSite) without a region (bodySite)")],
    ),
    (
        "two-sides",
        _set("item[0].subSite", [{"text": "left"}, {"text": "right"}]),
        [("$.item[0].subSite", "expected one side, got 2 subSites")],
    ),
    (
        "unknown-side",
        _set("item[0].subSite", [{"text": "up"}]),
        [("$.item[0].subSite[0].text", 'expected "left", "right" or "bilateral", got "up"')],
    ),
    (
        "a-period-of-days",
        lambda data: (
            data["item"][0].update(servicedPeriod={"start": "2025-03-14", "end": "2025-03-15"})
            or data["item"][0].pop("servicedDate")
        ),
        [
            (
                "$.item[0].servicedPeriod",
                "a period of more than one day (or an open one); a line has one date of service: split it into one item per day",
            )
        ],
    ),
    (
        "own-date-without-a-date",
        lambda data: (
            data["item"][0]["extension"].append({"url": EXT + "own-date", "valueBoolean": True})
            or data["item"][0].pop("servicedDate")
        ),
        [("$.item[0]", "marked with its own date but has no servicedDate")],
    ),
    (
        "modifier-extension",
        _set("item[0].modifierExtension", [{"url": "http://example.org/not-done", "valueBoolean": True}]),
        [
            (
                "$.item[0].modifierExtension",
                "a modifier extension changes the meaning of this element and is not understood",
            )
        ],
    ),
    (
        "misspelt-extension",
        lambda data: data["extension"].append({"url": EXT + "minute", "valueInteger": 1}),
        [
            (
                "$.extension[1].url",
                f'unknown massagecodes extension (did you mean "{EXT}minutes"?); docs/fhir.md lists them',
            )
        ],
    ),
    (
        "extension-twice",
        lambda data: data["extension"].append(data["extension"][0]),
        [("$.extension[1]", "this extension is given twice; it is allowed once here")],
    ),
    (
        "unknown-documentation-part",
        lambda data: data["extension"].append(
            {"url": EXT + "documentation", "extension": [{"url": "pain", "valueInteger": 3}]}
        ),
        [
            (
                "$.extension[1].extension[0].url",
                'expected "subjective", "objective", "assessment", "plan", "pain-scale", "functional-goal" or "element", got "pain"',
            )
        ],
    ),
    (
        "pain-out-of-range",
        lambda data: data["extension"].append(
            {"url": EXT + "documentation", "extension": [{"url": "pain-scale", "valueInteger": 11}]}
        ),
        [
            (
                "$.extension[1].extension[0].valueInteger",
                "expected a pain scale, a whole number from 0 to 10, got a number",
            )
        ],
    ),
    (
        "authorization-ends-before-it-starts",
        lambda data: data["insurance"][0].update(
            preAuthRef=["A-1"],
            extension=[
                {"url": EXT + "authorization-period", "valuePeriod": {"start": "2025-02-01", "end": "2025-01-01"}}
            ],
        ),
        [("$.insurance[0].extension[0].valuePeriod.end", "expected an end date on or after the start date")],
    ),
    (
        "authorization-details-without-a-number",
        _set("insurance[0].extension", [{"url": EXT + "authorization-visits", "valuePositiveInt": 3}]),
        [("$.insurance[0].extension[0]", "authorization details without a preAuthRef")],
    ),
    (
        "minutes-as-quantity",
        _set("item[0].quantity", {"value": 30, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min"}),
        [
            (
                "$.item[0].quantity",
                'expected a count of units (no unit, or code "1"); minutes go in the extension '
                '"https://massagecodes.dev/fhir/StructureDefinition/minutes"',
            )
        ],
    ),
    (
        "a-quantity-with-a-comparator",
        _set("item[1].quantity", {"value": 1, "comparator": "<"}),
        [("$.item[1].quantity.comparator", "expected an exact number of units")],
    ),
    (
        "a-line-rendered-by-someone-else",
        lambda data: (
            data["careTeam"].append(
                {
                    "sequence": 2,
                    "provider": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1245319599"}},
                }
            ),
            _set("item[1].careTeamSequence", [2])(data),
        ),
        [
            (
                "$.item[1].careTeamSequence[0]",
                "this line is rendered by a care-team member other than Claim.provider: the model has one provider a "
                "claim, so make Claim.provider the practitioner who rendered every line",
            )
        ],
    ),
    (
        "a-total-that-is-not-the-sum",
        _set("total.value", 9999),
        [("$.total.value", "the claim's total is not the sum of its items' charges")],
    ),
    (
        "many-problems-at-once",
        lambda data: (
            _set("item[0].extension[0].valueDuration.value", -5)(data),
            _set("item[1].modifier[0].coding[0].code", "5")(data),
            _set("contained[2].address[0].state", "XX")(data),
            _set("diagnosis[1].diagnosisCodeableConcept.coding[0].code", "m62")(data),
        ),
        [  # in the model's order: payer, diagnoses, lines
            ("$.contained[2].address[0].state", 'expected a two-letter US state code (e.g. WA), got "XX"'),
            (
                "$.diagnosis[1].diagnosisCodeableConcept.coding[0].code",
                "expected an ICD-10-CM code: a capital letter, a digit, a letter or digit, then optionally a dot "
                "and 1-4 more (e.g. M54.50); this one has lower-case letters",
            ),
            ("$.item[0].extension[0].valueDuration.value", "expected whole minutes >= 0, got -5"),
            ("$.item[1].modifier[0].coding[0].code", 'expected a modifier of two capital letters or digits, got "5"'),
        ],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in ERRORS], ids=[name for name, _, _ in ERRORS])
def test_errors(mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    data = written()
    mutate(data)
    assert read_problems(data) == expected


def test_an_external_date_of_service_needs_item_dates() -> None:
    data = elsewhere()
    _no_item_dates(data)
    data["billablePeriod"]["end"] = "2025-03-15"
    assert read_problems(data, payer_kind="commercial", license="LMT") == [
        (
            "$.item",
            "no date of service: give each item a servicedDate, or the claim a billablePeriod of one day",
        )
    ]
    data["item"][0]["servicedDate"] = "2025-03-14"
    message = "no servicedDate, and the claim's billablePeriod is not one day: give the item its date"
    assert read_problems(data, payer_kind="commercial", license="LMT") == [
        ("$.item[1]", message),
        ("$.item[2]", message),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", [("line 1 column 2", "malformed JSON: Expecting property name enclosed in double quotes")]),
        ("[1]", [("$", "expected a FHIR Claim (a JSON object), got a list")]),
        ('{"resourceType": "Claim", "x": NaN}', [("$", "malformed JSON: NaN is not a JSON value")]),
        ("[" * 100_000, [("$", "malformed JSON: nested too deeply")]),
        ('"Claim"', [("$", 'expected a FHIR Claim (a JSON object), got "Claim"')]),
    ],
    ids=["truncated", "a-list", "nan", "too-deep", "a-string"],
)
def test_bad_json(text: str, expected: list[tuple[str, str]]) -> None:
    assert read_problems(text) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"payer_kind": "comercial"},
            [
                (
                    "payer_kind",
                    'expected "commercial", "medicare", "medicare-advantage", "medicaid", "auto-pip", "workers-comp" '
                    'or "self-pay", got "comercial" (did you mean "commercial"?)',
                )
            ],
        ),
        ({"license": 3}, [("license", 'expected "LMT", "PT", "PTA", "DC", "OT", "OTA", "MD" or "DO", got 3')]),
        ({"regions": ["lumbar"]}, [("regions", "expected a RegionVocabulary, got a list")]),
    ],
    ids=["payer-kind", "license", "regions"],
)
def test_read_arguments(kwargs: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(written(), **kwargs)
    assert problems_of(caught.value) == expected
    assert caught.value.what == "argument"


def test_the_resource_must_be_a_dict_or_text() -> None:
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(b"{}")  # type: ignore[arg-type]
    assert problems_of(caught.value) == [("resource", "expected a FHIR Claim as a dict or JSON text, got a bytes")]


def test_messages_never_show_patient_data() -> None:
    claim = mc.Claim.from_dict(
        {
            **EXAMPLE.to_dict(),
            "patient": {"id": "SECRET-ID", "birth_date": "1971-07-04"},
            "authorization": {"number": "SECRET-AUTH"},
            "documentation": {"functional_goals": ["SECRET GOAL"]},
        }
    )
    data = written(claim)
    contained(data, "patient")["birthDate"] = "1971-07"  # partial: refused
    contained(data, "patient")["identifier"][0]["value"] = "SECRET\tID"  # a control character: refused
    data["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "SECRETDX"
    data["extension"][1]["extension"][4]["valueString"] = "SECRET\tGOAL"
    data["insurance"][0]["preAuthRef"] = ["SECRET-AUTH\t"]
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(data)
    text = str(caught.value)
    assert [path for path, _ in problems_of(caught.value)] == [
        "$.contained[0].identifier[0].value",
        "$.contained[0].birthDate",
        "$.diagnosis[0].diagnosisCodeableConcept.coding[0].code",
        "$.insurance[0].preAuthRef[0]",
        "$.extension[1].extension[4].valueString",
    ]
    for secret in ("SECRET", "1971", "\t"):
        assert secret not in text
    # fhir.resources' own messages do not echo values either
    data = written(claim)
    contained(data, "patient")["name"] = "SECRET NAME"
    contained(data, "patient")["identifier"][0]["value"] = 1971
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(data)
    assert problems_of(caught.value) == [
        ("$.contained[0].identifier[0].value", "input should be a valid string"),
        ("$.contained[0].name", "input should be a valid list"),
    ]


def test_no_pydantic_error_escapes() -> None:
    data = written()
    data["item"][0]["productOrService"] = {"coding": "97124"}
    data["contained"][0]["contained"] = [{"resourceType": []}]
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(data)
    assert problems_of(caught.value) == [
        ("$.contained[0].contained[0].resourceType", "expected a FHIR R4 resource type, got a list")
    ]
    del data["contained"][0]["contained"]
    with pytest.raises(mc.InputError) as caught:
        fhir.read_claim(data)
    assert problems_of(caught.value) == [("$.item[0].productOrService.coding", "input should be a valid list")]


# --------------------------------------------------------------------------- #
# The extra.                                                                   #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "call", [lambda: fhir.read_claim(written()), lambda: fhir.write_claim(EXAMPLE)], ids=["read", "write"]
)
def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch, call: Callable[[], object]) -> None:
    resource = written()  # built before the extra "goes missing"
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B", None)  # the import fails as if not installed
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.claim", None)
    with pytest.raises(mc.ExtraMissingError, match=r"pip install 'massagecodes\[fhir\]'"):
        call()
    with pytest.raises(ImportError):  # ExtraMissingError is an ImportError too
        fhir.read_claim(resource)


def test_the_module_imports_without_the_extra() -> None:
    script = (
        "import sys\n"
        "sys.modules['fhir'] = None\n"
        "sys.modules['pydantic'] = None\n"
        "import massagecodes, massagecodes.fhir\n"
        "try:\n"
        "    massagecodes.fhir.read_claim('{}')\n"
        "except massagecodes.ExtraMissingError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == "FHIR Claim resources need the fhir extra: pip install 'massagecodes[fhir]'\n"


def test_a_key_written_twice_is_an_error() -> None:
    claim = fhir.write_claim(mc.Claim.from_json(Path("examples/claim.json").read_text()))
    text = json.dumps(claim)
    doubled = text.replace('"resourceType": "Claim"', '"resourceType": "Claim", "resourceType": "Claim"', 1)
    with pytest.raises(mc.InputError) as raised:
        fhir.read_claim(doubled)
    assert [(p.path, p.message) for p in raised.value.problems] == [
        ("$.resourceType", 'the key "resourceType" appears twice in one object; remove one of them')
    ]
    # Inside a contained resource (the Patient) the key is not named.
    hidden = text.replace('"resourceType": "Patient"', '"resourceType": "Patient", "resourceType": "Patient"', 1)
    with pytest.raises(mc.InputError) as raised:
        fhir.read_claim(hidden)
    assert [p.message for p in raised.value.problems] == ["a key appears twice in one object; remove one of them"]
    assert raised.value.problems[0].path.startswith("$.contained[")
