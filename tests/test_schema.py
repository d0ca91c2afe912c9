"""The JSON Schemas agree with the model: valid documents pass both, mutated ones fail both."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import massagecodes as mc
from massagecodes.__main__ import main
from massagecodes.schema import claim_schema, session_schema
from strategies import claims, sessions

ROOT = Path(__file__).resolve().parent.parent
CLAIM = jsonschema.Draft202012Validator(claim_schema())
SESSION = jsonschema.Draft202012Validator(session_schema())


def test_schemas_are_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(claim_schema())
    jsonschema.Draft202012Validator.check_schema(session_schema())


@pytest.mark.parametrize("shape", ["claim", "session"])
def test_published_schema_is_the_packaged_one(shape: str) -> None:
    out = io.StringIO()
    assert main(["schema", shape], out=out, err=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == json.loads((ROOT / "docs" / "schema" / f"{shape}.schema.json").read_text())


def _example_claims() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [
        (p.name, json.loads(p.read_text())) for p in sorted((ROOT / "examples").glob("*.json"))
    ]
    for path in sorted([*(ROOT / "rulesets").glob("*.rules"), *(ROOT / "examples").glob("*.rules")]):
        for test in mc.load_rules(path).tests:
            found.append((f"{path.name}: {test.name}", test.claim))
            found.extend((f"{path.name}: {test.name}: history", item) for item in test.history)
    return found


@pytest.mark.parametrize(("name", "data"), _example_claims(), ids=[name for name, _ in _example_claims()])
def test_every_example_and_fixture_is_valid(name: str, data: Any) -> None:
    CLAIM.validate(data)
    mc.Claim.from_dict(data)


@given(claims())
def test_generated_claims_pass_both(claim: mc.Claim) -> None:
    data = json.loads(json.dumps(claim.to_dict()))
    CLAIM.validate(data)
    assert mc.Claim.from_dict(data) == claim


@given(sessions)
def test_generated_sessions_pass_both(session: mc.Session) -> None:
    data = json.loads(json.dumps(session.to_dict()))
    SESSION.validate(data)
    assert mc.Session.from_dict(data) == session


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(*path: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


# Mutations the schema can see (an NPI's check digit, for one, it cannot).
MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("unknown-key", _set("colour", value="red")),
    ("unknown-line-key", _set("lines", 0, "minuts", value=3)),
    ("no-date", _drop("date_of_service")),
    ("bad-date", _set("date_of_service", value="03/14/2025")),
    ("no-lines", _set("lines", value=[])),
    ("lines-not-a-list", _set("lines", value={})),
    ("bad-code", _set("lines", 0, "code", value="9712")),
    ("negative-minutes", _set("lines", 0, "minutes", value=-5)),
    ("too-many-minutes", _set("lines", 0, "minutes", value=1441)),
    ("string-minutes", _set("lines", 0, "minutes", value="30")),
    ("zero-units", _set("lines", 0, "units", value=0)),
    ("lowercase-modifier", _set("lines", 0, "modifiers", value=["gp"])),
    ("five-modifiers", _set("lines", 0, "modifiers", value=["59", "XS", "XE", "XP", "XU"])),
    ("float-charge", _set("lines", 0, "charge", value=12.5)),
    ("three-decimals", _set("lines", 0, "charge", value="1.005")),
    ("pointer-zero", _set("lines", 0, "diagnosis_pointers", value=[0])),
    ("pointer-letter-m", _set("lines", 0, "diagnosis_pointers", value=["M"])),
    ("bad-payer-kind", _set("payer", "kind", value="comercial")),
    ("lowercase-state", _set("payer", "state", value="wa")),
    ("bad-license", _set("provider", "license", value="RN")),
    ("nine-digit-npi", _set("provider", "npi", value="123456789")),
    ("bad-taxonomy", _set("provider", "taxonomy", value="225700000")),
    ("empty-patient-id", _set("patient", "id", value="")),
    ("undotted-diagnosis", _set("diagnoses", value=["M5450"])),
    ("duplicate-diagnosis", _set("diagnoses", value=["M54.50", "M54.50"])),
    ("thirteen-diagnoses", _set("diagnoses", value=[f"M54.{n}" for n in range(13)])),
    ("bad-side", _set("lines", 0, "region", value={"name": "lumbar", "side": "up"})),
    ("pain-eleven", _set("documentation", value={"pain_scale": 11})),
    ("bad-element", _set("documentation", value={"elements": ["vibes"]})),
    ("neither-minutes-nor-units", lambda data: data["lines"][0].pop("minutes") and data["lines"][0].pop("units")),
]


@pytest.mark.parametrize("mutate", [m for _, m in MUTATIONS], ids=[name for name, _ in MUTATIONS])
@settings(max_examples=15)
@given(st.data())
def test_mutated_claims_fail_both(mutate: Callable[[dict[str, Any]], None], data: st.DataObject) -> None:
    claim = data.draw(claims())
    document = json.loads(json.dumps(claim.to_dict()))
    document["lines"][0].setdefault("minutes", 10)
    document["lines"][0]["minutes"] = document["lines"][0]["minutes"] or 10
    document["lines"][0]["units"] = document["lines"][0]["units"] or 1
    mutated = copy.deepcopy(document)
    mutate(mutated)
    assert not CLAIM.is_valid(mutated)
    with pytest.raises(mc.InputError):
        mc.Claim.from_dict(mutated)
