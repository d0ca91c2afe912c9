"""Tests of the claim and session model: validation messages, round trips, value semantics."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

import massagecodes as mc
from massagecodes import (
    DEFAULT_REGIONS,
    Claim,
    InputError,
    License,
    Payer,
    PayerKind,
    Problem,
    Provider,
    Region,
    ServiceLine,
    Session,
    Side,
)
from strategies import claims, sessions

EXAMPLE_CLAIM = Path(__file__).resolve().parent.parent / "examples" / "claim.json"
BASE_CLAIM: dict[str, Any] = json.loads(EXAMPLE_CLAIM.read_text(encoding="utf-8"))

LINE_KEYS = (
    '"code", "minutes", "units", "region", "modifiers", "diagnosis_pointers", "charge", "date" or "place_of_service"'
)
CLAIM_KEYS = '"date_of_service", "payer", "provider", "patient", "diagnoses", "referral", "authorization", "lines", "documentation", "claim_id", "place_of_service" or "accident"'
LICENSES = '"LMT", "PT", "PTA", "DC", "OT", "OTA", "MD" or "DO"'
PAYER_KINDS = '"commercial", "medicare", "medicare-advantage", "medicaid", "auto-pip", "workers-comp" or "self-pay"'
REGION_NAMES = "abdomen, cervical, head, lower-extremity, lumbar, pelvic, rib-cage, sacral, thoracic, upper-extremity"
ICD10_EXPECTED = (
    "expected an ICD-10-CM code: a capital letter, a digit, a letter or digit, "
    "then optionally a dot and 1-4 more (e.g. M54.50)"
)
CODE_EXPECTED = "expected a procedure code: five digits (CPT) or a capital letter and four digits (HCPCS)"
MODIFIER_EXPECTED = "expected a modifier of two capital letters or digits"
POINTER_EXPECTED = "expected a diagnosis pointer 1-12 or A-L"
MONEY_EXPECTED = 'expected an amount >= 0 with at most 2 decimal places, as a string such as "120.00"'

Mutation = Callable[[dict[str, Any]], None]


def base_claim() -> dict[str, Any]:
    return copy.deepcopy(BASE_CLAIM)


def problems_of(error: InputError) -> list[tuple[str, str]]:
    return [(problem.path, problem.message) for problem in error.problems]


def put(*path_then_value: Any) -> Mutation:
    """A mutation setting the item at a path (keys and indexes, then the value): put("payer", "kind", "x")."""
    *path, value = path_then_value

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def drop(*path: str | int) -> Mutation:
    """A mutation deleting the item at ``path``."""

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def line(index: int, key: str, value: object) -> Mutation:
    return put("lines", index, key, value)


MALFORMED: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    # --- minutes and units
    (
        "minutes-negative",
        line(1, "minutes", -5),
        [("$.lines[1].minutes", "expected whole minutes >= 0, got -5")],
    ),
    (
        "minutes-more-than-a-day",
        line(1, "minutes", 1441),
        [("$.lines[1].minutes", "expected at most 1440 minutes (one day), got 1441")],
    ),
    (
        "minutes-as-string",
        line(1, "minutes", "30"),
        [("$.lines[1].minutes", 'expected whole minutes >= 0, got "30"')],
    ),
    (
        "minutes-as-bool",
        line(1, "minutes", True),
        [("$.lines[1].minutes", "expected whole minutes >= 0, got true")],
    ),
    (
        "minutes-as-float",
        line(1, "minutes", 30.0),
        [("$.lines[1].minutes", "expected whole minutes >= 0, got 30.0")],
    ),
    (
        "units-zero",
        line(1, "units", 0),
        [("$.lines[1].units", "expected whole units >= 1, got 0")],
    ),
    (
        "line-without-minutes-or-units",
        drop("lines", 0, "minutes"),
        [("$.lines[0]", 'expected "minutes", "units" or both')],
    ),
    # --- keys
    (
        "line-unknown-key-did-you-mean",
        line(0, "minute", 30),
        [("$.lines[0].minute", f'unknown key (did you mean "minutes"?); expected {LINE_KEYS}')],
    ),
    (
        "line-unknown-key-needs-quoting",
        line(0, "my key", 1),
        [('$.lines[0]["my key"]', f"unknown key; expected {LINE_KEYS}")],
    ),
    (
        "top-level-unknown-key",
        put("pateint", {"id": "P-1"}),
        [("$.pateint", f'unknown key (did you mean "patient"?); expected {CLAIM_KEYS}')],
    ),
    (
        "line-missing-code",
        drop("lines", 0, "code"),
        [("$.lines[0].code", "required key is missing")],
    ),
    (
        "missing-payer",
        drop("payer"),
        [("$.payer", "required key is missing")],
    ),
    (
        "missing-lines",
        drop("lines"),
        [("$.lines", "required key is missing")],
    ),
    (
        "referral-missing-date",
        drop("referral", "date"),
        [("$.referral.date", "required key is missing")],
    ),
    # --- JSON types
    (
        "payer-as-string",
        put("payer", "Acme Health"),
        [("$.payer", 'expected payer (a JSON object), got "Acme Health"')],
    ),
    (
        "payer-null",
        put("payer", None),
        [("$.payer", "expected payer (a JSON object), got null")],
    ),
    (
        "lines-as-object",
        put("lines", {}),
        [("$.lines", "expected a list of lines, got an object")],
    ),
    (
        "lines-empty",
        put("lines", []),
        [("$.lines", "expected at least one line")],
    ),
    (
        "line-as-string",
        put("lines", ["97124"]),
        [("$.lines[0]", 'expected service line (a JSON object), got "97124"')],
    ),
    # --- procedure codes and modifiers
    (
        "procedure-code-four-digits",
        line(0, "code", "9712"),
        [("$.lines[0].code", f'{CODE_EXPECTED}, got "9712"')],
    ),
    (
        "modifier-lowercase",
        line(0, "modifiers", ["gp"]),
        [("$.lines[0].modifiers[0]", f'{MODIFIER_EXPECTED}, got "gp" (write it in capitals: "GP")')],
    ),
    (
        "modifier-three-characters",
        line(0, "modifiers", ["GPX"]),
        [("$.lines[0].modifiers[0]", f'{MODIFIER_EXPECTED}, got "GPX"')],
    ),
    (
        "five-modifiers",
        line(0, "modifiers", ["GP", "59", "XS", "KX", "AT"]),
        [("$.lines[0].modifiers", "expected at most 4 modifiers, got 5")],
    ),
    (
        "modifier-duplicate",
        line(0, "modifiers", ["GP", "59", "GP"]),
        [("$.lines[0].modifiers[2]", "duplicate of an earlier item (modifiers are listed once)")],
    ),
    # --- diagnoses
    (
        "icd10-without-dot",
        put("diagnoses", ["M5450", "M62.830"]),
        [("$.diagnoses[0]", f"{ICD10_EXPECTED}; this one lacks the dot after its third character")],
    ),
    (
        "icd10-lowercase",
        put("diagnoses", ["M54.50", "m62.830"]),
        [("$.diagnoses[1]", f"{ICD10_EXPECTED}; this one has lower-case letters")],
    ),
    (
        "icd10-too-long",
        put("diagnoses", ["M54.50123", "M62.830"]),
        [("$.diagnoses[0]", ICD10_EXPECTED)],
    ),
    (
        "thirteen-diagnoses",
        put("diagnoses", [f"M54.{n}" for n in range(13)]),
        [("$.diagnoses", "expected at most 12 diagnoses, got 13")],
    ),
    (
        "diagnosis-duplicate",
        put("diagnoses", ["M54.50", "M54.50"]),
        [("$.diagnoses[1]", "duplicate of an earlier item (diagnoses are listed once)")],
    ),
    # --- diagnosis pointers
    (
        "pointer-past-the-diagnoses",
        line(1, "diagnosis_pointers", [1, 3]),
        [("$.lines[1].diagnosis_pointers[1]", "points to diagnosis 3 (C) but the claim lists 2 diagnoses")],
    ),
    (
        "pointer-letter-M",
        line(1, "diagnosis_pointers", ["M"]),
        [("$.lines[1].diagnosis_pointers[0]", f'{POINTER_EXPECTED}, got "M"')],
    ),
    (
        "pointer-zero",
        line(1, "diagnosis_pointers", [0]),
        [("$.lines[1].diagnosis_pointers[0]", f"{POINTER_EXPECTED}, got 0")],
    ),
    (
        "pointer-thirteen",
        line(1, "diagnosis_pointers", [13]),
        [("$.lines[1].diagnosis_pointers[0]", f"{POINTER_EXPECTED}, got 13")],
    ),
    (
        "five-pointers",
        line(1, "diagnosis_pointers", [1, 2, 3, 4, 5]),
        [("$.lines[1].diagnosis_pointers", "expected at most 4 diagnosis pointers, got 5")],
    ),
    (
        "pointer-letter-and-number-duplicate",
        line(1, "diagnosis_pointers", ["A", 1]),
        [("$.lines[1].diagnosis_pointers[1]", "duplicate of an earlier item (diagnosis pointers are listed once)")],
    ),
    # --- provider
    (
        "npi-bad-check-digit",
        put("provider", "npi", "1234567890"),
        [
            (
                "$.provider.npi",
                'expected an NPI whose last digit is its check digit: "1234567890" should end in 3 '
                "(Luhn over 80840 and the first nine digits)",
            )
        ],
    ),
    (
        "npi-nine-digits",
        put("provider", "npi", "123456789"),
        [("$.provider.npi", 'expected an NPI of 10 digits, got "123456789"')],
    ),
    (
        "npi-as-number",
        put("provider", "npi", 1234567893),
        [("$.provider.npi", "expected an NPI of 10 digits, got 1234567893")],
    ),
    (
        "license-unknown-did-you-mean",
        put("provider", "license", "LMTT"),
        [("$.provider.license", f'expected {LICENSES}, got "LMTT" (did you mean "LMT"?)')],
    ),
    # --- payer
    (
        "payer-kind-unknown",
        put("payer", "kind", "private"),
        [("$.payer.kind", f'expected {PAYER_KINDS}, got "private"')],
    ),
    (
        "payer-kind-misspelt",
        put("payer", "kind", "medicaire"),
        [("$.payer.kind", f'expected {PAYER_KINDS}, got "medicaire" (did you mean "medicare"?)')],
    ),
    (
        "state-lowercase",
        put("payer", "state", "wa"),
        [("$.payer.state", 'expected a two-letter US state code (e.g. WA), got "wa" (write it in capitals: "WA")')],
    ),
    # --- regions
    (
        "region-unknown-did-you-mean",
        line(0, "region", "lumbr"),
        [
            (
                "$.lines[0].region",
                f'unknown region "lumbr" (did you mean "lumbar"?); expected one of: {REGION_NAMES}',
            )
        ],
    ),
    (
        "region-object-bad-side",
        line(0, "region", {"name": "lumbar", "side": "middle"}),
        [("$.lines[0].region.side", 'expected "left", "right" or "bilateral", got "middle"')],
    ),
    (
        "region-as-number",
        line(0, "region", 5),
        [
            (
                "$.lines[0].region",
                'expected a region name (e.g. "lumbar") or an object {"name": ..., "side": ...}, got 5',
            )
        ],
    ),
    # --- charges
    (
        "charge-as-float",
        line(0, "charge", 120.5),
        [
            (
                "$.lines[0].charge",
                'expected money as a decimal string such as "120.00" '
                "(a JSON number with a fraction is binary floating point), got 120.5",
            )
        ],
    ),
    (
        "charge-negative",
        line(0, "charge", "-1.00"),
        [("$.lines[0].charge", f"{MONEY_EXPECTED}, got -1.00")],
    ),
    (
        "charge-three-decimals",
        line(0, "charge", "1.005"),
        [("$.lines[0].charge", f"{MONEY_EXPECTED}, got 1.005")],
    ),
    (
        "charge-exponent-notation",
        line(0, "charge", "1E+2"),
        [("$.lines[0].charge", 'expected money as a decimal string such as "120.00", got "1E+2"')],
    ),
    # --- dates
    (
        "date-us-format",
        put("date_of_service", "03/14/2025"),
        [("$.date_of_service", 'expected a date as "YYYY-MM-DD", got "03/14/2025"')],
    ),
    (
        "date-no-such-day",
        put("date_of_service", "2025-02-30"),
        [("$.date_of_service", 'expected a calendar date, got "2025-02-30" (no such day)')],
    ),
    (
        "line-date-month-13",
        line(0, "date", "2025-13-01"),
        [("$.lines[0].date", 'expected a calendar date, got "2025-13-01" (no such day)')],
    ),
    (
        "authorization-ends-before-start",
        put("authorization", {"number": "A-1", "start": "2025-02-01", "end": "2025-01-31"}),
        [("$.authorization.end", "expected an end date on or after the start date")],
    ),
    # --- documentation
    (
        "pain-scale-eleven",
        put("documentation", {"pain_scale": 11}),
        [("$.documentation.pain_scale", "expected a pain scale, a whole number from 0 to 10, got a number")],
    ),
    (
        "soap-part-misspelt",
        put("documentation", {"soap": ["subjectiv"]}),
        [
            (
                "$.documentation.soap[0]",
                'expected "subjective", "objective", "assessment" or "plan", got a string of 9 characters '
                '(did you mean "subjective"?)',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [(mutate, expected) for _, mutate, expected in MALFORMED],
    ids=[name for name, _, _ in MALFORMED],
)
def test_malformed_claim_is_reported_at_its_path(mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    data = base_claim()
    mutate(data)
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert problems_of(caught.value) == expected
    assert str(caught.value).splitlines() == [
        f"invalid claim: {len(expected)} problem{'' if len(expected) == 1 else 's'}",
        *(f"  {path}: {message}" for path, message in expected),
    ]


def test_example_claim_is_valid() -> None:
    claim = Claim.from_dict(base_claim())
    assert claim.lines[1].diagnosis_pointers == (1, 2)
    assert claim.lines[0].charge == Decimal("120.00")
    assert claim.to_dict()["lines"][0]["region"] == "lumbar"


def test_every_problem_is_reported_at_once_in_order() -> None:
    data = base_claim()
    data["pateint"] = {"id": "P-1"}
    data["date_of_service"] = "2025/03/14"
    data["payer"]["kind"] = "private"
    data["diagnoses"][1] = "m62.830"
    data["lines"][0]["minutes"] = -5
    data["lines"][1]["modifiers"] = ["gp"]
    data["lines"][1]["units"] = 0
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    expected = [
        ("$.pateint", f'unknown key (did you mean "patient"?); expected {CLAIM_KEYS}'),
        ("$.date_of_service", 'expected a date as "YYYY-MM-DD", got "2025/03/14"'),
        ("$.payer.kind", f'expected {PAYER_KINDS}, got "private"'),
        ("$.diagnoses[1]", f"{ICD10_EXPECTED}; this one has lower-case letters"),
        ("$.lines[0].minutes", "expected whole minutes >= 0, got -5"),
        ("$.lines[1].units", "expected whole units >= 1, got 0"),
        ("$.lines[1].modifiers[0]", f'{MODIFIER_EXPECTED}, got "gp" (write it in capitals: "GP")'),
    ]
    assert problems_of(caught.value) == expected
    assert str(caught.value).splitlines()[0] == "invalid claim: 7 problems"


def test_messages_never_contain_patient_data() -> None:
    data = base_claim()
    data["patient"]["id"] = "SECRET\x00P-1"
    data["diagnoses"] = ["M54.50", "Z99SECRET"]
    data["authorization"] = {"number": "SECRET-AUTH\n42"}
    data["documentation"] = {"functional_goals": ["walk to the SECRET garden", "SECRET\x07goal", "   "]}
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    error = caught.value
    assert [problem.path for problem in error.problems] == [
        "$.patient.id",
        "$.diagnoses[1]",
        "$.authorization.number",
        "$.documentation.functional_goals[1]",
        "$.documentation.functional_goals[2]",
    ]
    assert error.problems[0].message == (
        "expected a non-empty string without control characters, got a string of 10 characters"
    )
    for text in [str(error), repr(error), *(str(problem) for problem in error.problems)]:
        assert "SECRET" not in text


def test_direct_construction_reports_every_bad_field() -> None:
    with pytest.raises(InputError) as caught:
        ServiceLine(code="9712", minutes=-1)
    assert problems_of(caught.value) == [
        ("$.code", f'{CODE_EXPECTED}, got "9712"'),
        ("$.minutes", "expected whole minutes >= 0, got -1"),
    ]
    assert caught.value.what == "ServiceLine"
    assert isinstance(caught.value, ValueError)


def test_direct_construction_checks_cross_field_rules() -> None:
    with pytest.raises(InputError) as caught:
        ServiceLine(code="97124")
    assert problems_of(caught.value) == [("$", 'expected "minutes", "units" or both')]


def test_model_objects_are_frozen_hashable_and_picklable() -> None:
    claim = Claim.from_dict(base_claim())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        claim.diagnoses = ()  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        claim.lines[0].minutes = 45  # type: ignore[misc]
    twin = Claim.from_dict(base_claim())
    assert hash(claim) == hash(twin)
    assert len({claim, twin, claim.lines[0], claim.lines[1]}) == 3
    restored = pickle.loads(pickle.dumps(claim))
    assert restored == claim
    assert restored is not claim


def test_input_error_pickles_with_its_problems() -> None:
    with pytest.raises(InputError) as caught:
        ServiceLine(code="9712", minutes=-1)
    error = caught.value
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is InputError
    assert restored.problems == error.problems
    assert all(isinstance(problem, Problem) for problem in restored.problems)
    assert restored.what == error.what
    assert str(restored) == str(error)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("neck", Region(name="cervical")),
        ("low back", Region(name="lumbar")),
        ("Upper Extremity", Region(name="upper-extremity")),
        ({"name": "shoulder", "side": "left"}, Region(name="upper-extremity", side=Side.LEFT)),
        ({"name": "lumbar"}, Region(name="lumbar")),
    ],
    ids=["neck", "low-back", "upper-extremity-spaced", "shoulder-object-with-side", "object-without-side"],
)
def test_region_aliases_resolve_to_canonical_names(written: object, expected: Region) -> None:
    service_line = ServiceLine.from_dict({"code": "97124", "minutes": 15, "region": written})
    assert service_line.region == expected


def test_region_is_written_as_a_string_without_side_and_an_object_with_side() -> None:
    without_side = ServiceLine(code="97124", minutes=15, region=Region(name="cervical"))
    with_side = ServiceLine(code="97124", minutes=15, region=Region(name="upper-extremity", side=Side.LEFT))
    assert without_side.to_dict()["region"] == "cervical"
    assert with_side.to_dict()["region"] == {"name": "upper-extremity", "side": "left"}


@pytest.mark.parametrize(("letter", "number"), [(letter, n) for n, letter in enumerate("ABCDEFGHIJKL", start=1)])
def test_pointer_letters_read_as_numbers(letter: str, number: int) -> None:
    data = base_claim()
    data["diagnoses"] = [f"M54.{n}" for n in range(12)]
    data["lines"][0]["diagnosis_pointers"] = [letter]
    claim = Claim.from_dict(data)
    assert claim.lines[0].diagnosis_pointers == (number,)
    assert claim.to_dict()["lines"][0]["diagnosis_pointers"] == [number]


@pytest.mark.parametrize(
    ("text", "path"),
    [("{", "line 1 column 2"), ('{\n  "payer": {},\n}', "line 3 column 1")],
    ids=["unclosed-brace", "trailing-comma"],
)
def test_malformed_json_names_line_and_column(text: str, path: str) -> None:
    with pytest.raises(InputError) as caught:
        Claim.from_json(text)
    [problem] = caught.value.problems
    assert problem.path == path
    assert problem.message == "malformed JSON: Expecting property name enclosed in double quotes"


@given(claims())
def test_claim_round_trips_through_dict_and_json(claim: Claim) -> None:
    data = claim.to_dict()
    assert Claim.from_dict(data) == claim
    text = json.dumps(data)
    assert json.loads(text) == data
    assert Claim.from_dict(json.loads(text)) == claim
    assert Claim.from_json(text) == claim


@given(sessions)
def test_session_round_trips_through_dict_and_json(session: Session) -> None:
    data = session.to_dict()
    assert Session.from_dict(data) == session
    text = json.dumps(data)
    assert json.loads(text) == data
    assert Session.from_dict(json.loads(text)) == session
    assert Session.from_json(text) == session


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("patient", "SECRET Jane Doe"),
        ("authorization", "SECRET-AUTH"),
        ("diagnoses", "Z99SECRET"),
        ("documentation", "SECRET notes"),
        ("documentation", {"functional_goals": "SECRET goal"}),
        ("documentation", {"soap": "SECRET"}),
        ("patient", {"id": "P-1", "birth_date": "SECRET/02/03"}),
        ("patient", {"id": "P-1", "birth_date": 19800203}),
    ],
    ids=[
        "patient-string",
        "authorization-string",
        "diagnoses-string",
        "documentation-string",
        "goals-string",
        "soap-string",
        "birth-date-format",
        "birth-date-number",
    ],
)
def test_wrong_types_in_health_fields_are_not_echoed(key: str, value: object) -> None:
    data = base_claim()
    data[key] = value
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert caught.value.problems
    assert "SECRET" not in str(caught.value)
    assert "19800203" not in str(caught.value)


def test_cross_field_checks_run_beside_other_problems() -> None:
    data = base_claim()
    data["date_of_service"] = "x"
    data["lines"] = [{"code": "97124", "minutes": 1, "diagnosis_pointers": [5]}, {"code": "97140"}]
    data["authorization"] = {"number": "A-1", "start": "2025-03-01", "end": "2025-02-01"}
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert problems_of(caught.value) == [
        ("$.date_of_service", 'expected a date as "YYYY-MM-DD", got "x"'),
        ("$.authorization.end", "expected an end date on or after the start date"),
        ("$.lines[1]", 'expected "minutes", "units" or both'),
    ]
    # Once the lines themselves are valid, the pointers are checked even though the date is still wrong.
    data["lines"] = [{"code": "97124", "minutes": 1, "diagnosis_pointers": [5]}]
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert ("$.lines[0].diagnosis_pointers[0]", "points to diagnosis 5 (E) but the claim lists 2 diagnoses") in (
        problems_of(caught.value)
    )


def test_direct_construction_accepts_plain_strings_for_enums_and_money() -> None:
    assert Provider(npi="1234567893", license="LMT").license is License.LMT
    assert Payer(kind="commercial").kind is PayerKind.COMMERCIAL
    assert Region(name="lumbar", side="left").side is Side.LEFT
    assert ServiceLine(code="97124", minutes=1, charge="120.00").charge == Decimal("120.00")
    with pytest.raises(InputError) as caught:
        Provider(npi="1234567893", license="LMTX")
    assert problems_of(caught.value) == [
        ("$.license", 'expected "LMT", "PT", "PTA", "DC", "OT", "OTA", "MD" or "DO", got "LMTX"')
    ]


@pytest.mark.parametrize("value", [5, "GP", None], ids=["int", "string", "none"])
def test_direct_construction_with_a_non_list_is_an_input_error(value: object) -> None:
    with pytest.raises(InputError) as caught:
        ServiceLine(code="97124", minutes=1, modifiers=value)
    assert problems_of(caught.value)[0][0] == "$.modifiers"
    assert problems_of(caught.value)[0][1].startswith("expected a list of modifiers, got ")


def test_money_is_written_without_exponent() -> None:
    line = ServiceLine(code="97124", minutes=1, charge=Decimal("1E+2"))
    assert line.to_dict()["charge"] == "100"
    assert ServiceLine.from_dict(line.to_dict()) == line


def test_region_refuses_an_alias_as_its_name() -> None:
    with pytest.raises(InputError) as caught:
        Region(name="neck")
    assert problems_of(caught.value) == [
        ("$.name", '"neck" is an alias: write Region(name="cervical") or Region.of("neck")')
    ]
    assert Region.of("neck", side="left") == Region(name="cervical", side=Side.LEFT)
    with pytest.raises(InputError, match='unknown region "knee-cap"'):
        Region.of("knee-cap")


def test_extended_vocabulary_round_trips() -> None:
    regions = DEFAULT_REGIONS.extended(names=["gluteal"], aliases={"buttock": "gluteal"})
    data = base_claim()
    data["lines"][0]["region"] = "buttock"
    with pytest.raises(InputError, match='unknown region "buttock"'):
        Claim.from_dict(data)
    claim = Claim.from_dict(data, regions=regions)
    assert claim.lines[0].region == Region(name="gluteal")
    assert Claim.from_dict(claim.to_dict(), regions=regions) == claim


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_from_json_refuses_non_json_constants(constant: str) -> None:
    with pytest.raises(InputError) as caught:
        ServiceLine.from_json('{"code": "97124", "minutes": ' + constant + "}")
    assert problems_of(caught.value) == [("$", f"malformed JSON: {constant} is not a JSON value")]


def test_authorization_visits_message() -> None:
    data = base_claim()
    data["authorization"] = {"number": "A", "visits": 0}
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert problems_of(caught.value) == [
        ("$.authorization.visits", "expected a whole number of visits >= 1, got a number")
    ]


UNTYPED: Any = mc  # called as untyped code would


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: UNTYPED.Claim.from_json(None), "$: expected JSON text (str or bytes), got null"),
        (lambda: mc.Claim.from_json('{"a": ' + "1" * 5000 + "}"), "$: malformed JSON: a number is too long"),
        (
            lambda: mc.Claim.from_dict({**BASE_CLAIM, "lines": [{"code": "97124", "minutes": 10**5000}]}),
            "$.lines[0].minutes: expected at most 1440 minutes (one day), got a number of more than 19 digits",
        ),
        (lambda: UNTYPED.Claim.from_dict(BASE_CLAIM, regions=None), "regions: expected a RegionVocabulary, got null"),
        (
            lambda: UNTYPED.units.check_claim(mc.Claim.from_dict(BASE_CLAIM), catalog=None),
            "catalog: expected a CodeCatalog, got null",
        ),
    ],
    ids=["json-none", "json-long-number", "huge-minutes", "regions-none", "catalog-none"],
)
def test_wrong_arguments_are_input_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(mc.InputError) as caught:
        call()
    assert message in str(caught.value)


def test_keys_inside_health_information_are_not_echoed() -> None:
    data = base_claim()
    data["patient"] = {"id": "P-1", "Jane Doe, HIV+": True}
    with pytest.raises(InputError) as caught:
        Claim.from_dict(data)
    assert "Jane" not in str(caught.value)
    assert problems_of(caught.value) == [
        (
            "$.patient",
            'an unknown key (not shown: this object holds health information); expected "id", "birth_date", "sex" or "member_id"',
        )
    ]
    # Read on their own, the classes that hold health information are just as careful.
    readers: list[tuple[Callable[[dict[str, Any]], object], dict[str, Any]]] = [
        (mc.Authorization.from_dict, {"number": "SECRET-1", "visits": "SECRET-2"}),
        (mc.Patient.from_dict, {"id": 7}),
    ]
    for read, value in readers:
        with pytest.raises(InputError) as caught:
            read(value)
        assert "SECRET" not in str(caught.value)
        assert "7" not in str(caught.value).replace("$", "")


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            '{"lines": [{"code": "97124", "minutes": 30, "minutes": 60}]}',
            [("$.lines[0].minutes", 'the key "minutes" appears twice in one object; remove one of them')],
        ),
        (
            '{"lines": [{"code": "97124", "units": 1}], "lines": [{"code": "97140", "units": 1}]}',
            [("$.lines", 'the key "lines" appears twice in one object; remove one of them')],
        ),
        # Inside health information the key is not named.
        (
            '{"patient": {"id": "P-1", "id": "P-2"}}',
            [("$.patient", "a key appears twice in one object; remove one of them")],
        ),
    ],
    ids=["minutes-twice", "lines-twice", "inside-the-patient"],
)
def test_a_key_written_twice_is_an_error_not_a_silent_merge(text: str, problems: list[tuple[str, str]]) -> None:
    with pytest.raises(InputError) as raised:
        mc.Claim.from_json(text)
    assert [(problem.path, problem.message) for problem in raised.value.problems] == problems
