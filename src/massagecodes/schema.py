"""JSON Schema (draft 2020-12) of the claim and session shapes.

The schemas are built from the model's own vocabularies (payer kinds, licences,
documentation elements, limits), so they cannot drift from it. A document valid for
the schema is what the model reads, with these checks left to the library (JSON
Schema cannot state them): an NPI's check digit, diagnosis pointers within the
claim's diagnoses, an authorization's end after its start, region names against the
vocabulary (the schema asks for a non-empty name), and free text without control
characters.

>>> import massagecodes.schema
>>> massagecodes.schema.claim_schema()["$id"]
'https://massagecodes.invalid/schema/claim.schema.json'
"""

from __future__ import annotations

from typing import Any

from massagecodes._codes import MAX_DIAGNOSES, MAX_MODIFIERS_PER_LINE, MAX_POINTERS_PER_LINE, POINTER_LETTERS, US_STATES
from massagecodes._model import MAX_MINUTES, AccidentCause, DocElement, License, PayerKind, Sex, SoapPart
from massagecodes._regions import Side

__all__ = ["claim_schema", "session_schema"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "https://massagecodes.invalid/schema/"

_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "a calendar date, YYYY-MM-DD"}
_TEXT = {"type": "string", "minLength": 1, "pattern": "\\S"}
_NPI = {
    "type": "string",
    "pattern": "^[0-9]{10}$",
    "description": "10 digits, the last the Luhn check digit over 80840 and the first nine (checked by the library)",
}
_PLACE = {
    "type": "string",
    "pattern": "^(0[1-9]|[1-9][0-9])$",
    "description": "a CMS place-of-service code, two digits",
}
_CODE = {
    "type": "string",
    "pattern": "^([0-9]{5}|[A-Z][0-9]{4})$",
    "description": "CPT (five digits) or HCPCS (a capital letter and four digits)",
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _definitions() -> dict[str, Any]:
    region = {
        "description": "a body region by name or alias (checked against the vocabulary by the library), or a name and a side",
        "anyOf": [
            {"type": "string", "minLength": 1},
            _object(
                {
                    "name": {"type": "string", "minLength": 1},
                    "side": _nullable({"enum": [side.value for side in Side]}),
                },
                ["name"],
                "a region with a side",
            ),
        ],
    }
    documentation = _object(
        {
            "soap": {"type": "array", "items": {"enum": [part.value for part in SoapPart]}, "uniqueItems": True},
            "pain_scale": _nullable({"type": "integer", "minimum": 0, "maximum": 10}),
            "functional_goals": {"type": "array", "items": _TEXT},
            "elements": {
                "type": "array",
                "items": {"enum": [element.value for element in DocElement]},
                "uniqueItems": True,
            },
        },
        [],
        "what the visit's notes contain",
    )
    provider = _object(
        {
            "npi": _NPI,
            "license": {"enum": [license.value for license in License]},
            "taxonomy": _nullable({"type": "string", "pattern": "^[0-9A-Z]{9}X$"}),
            "name": _nullable(_TEXT),
        },
        ["npi", "license"],
        "the rendering provider",
    )
    patient = _object(
        {
            "id": _TEXT,
            "birth_date": _nullable(_DATE),
            "sex": _nullable({"enum": [sex.value for sex in Sex]}),
            "member_id": _nullable(_TEXT),
        },
        ["id"],
        "the patient: an opaque id, and optionally a birth date, sex and insurance member id",
    )
    return {"region": region, "documentation": documentation, "provider": provider, "patient": patient}


def _line() -> dict[str, Any]:
    pointer = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_DIAGNOSES}, {"enum": list(POINTER_LETTERS)}]}
    line = _object(
        {
            "code": _CODE,
            "minutes": _nullable({"type": "integer", "minimum": 0, "maximum": MAX_MINUTES}),
            "units": _nullable({"type": "integer", "minimum": 1}),
            "region": _nullable({"$ref": "#/$defs/region"}),
            "modifiers": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[0-9A-Z]{2}$"},
                "maxItems": MAX_MODIFIERS_PER_LINE,
                "uniqueItems": True,
            },
            "diagnosis_pointers": {
                "type": "array",
                "items": pointer,
                "maxItems": MAX_POINTERS_PER_LINE,
                "uniqueItems": True,
            },
            "charge": _nullable(
                {
                    "anyOf": [
                        {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$"},
                        {"type": "integer", "minimum": 0},
                    ]
                }
            ),
            "date": _nullable(_DATE),
            "place_of_service": _nullable(_PLACE),
        },
        ["code"],
        "one billed line; it carries minutes, units or both",
    )
    line["anyOf"] = [
        {"required": ["minutes"], "properties": {"minutes": {"type": "integer"}}},
        {"required": ["units"], "properties": {"units": {"type": "integer"}}},
    ]
    return line


def claim_schema() -> dict[str, Any]:
    """The JSON Schema of a claim, as :meth:`massagecodes.Claim.from_dict` reads it."""
    definitions = _definitions()
    definitions["line"] = _line()
    schema = _object(
        {
            "date_of_service": _DATE,
            "payer": _object(
                {
                    "kind": {"enum": [kind.value for kind in PayerKind]},
                    "name": _nullable(_TEXT),
                    "state": _nullable({"enum": sorted(US_STATES)}),
                },
                ["kind"],
                "who pays",
            ),
            "provider": {"$ref": "#/$defs/provider"},
            "patient": {"$ref": "#/$defs/patient"},
            "diagnoses": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[A-Z][0-9][0-9A-Z](\\.[0-9A-Z]{1,4})?$"},
                "maxItems": MAX_DIAGNOSES,
                "uniqueItems": True,
            },
            "referral": _nullable(_object({"npi": _NPI, "date": _DATE}, ["npi", "date"], "a referral or prescription")),
            "authorization": _nullable(
                _object(
                    {
                        "number": _TEXT,
                        "start": _nullable(_DATE),
                        "end": _nullable(_DATE),
                        "visits": _nullable({"type": "integer", "minimum": 1}),
                    },
                    ["number"],
                    "a prior authorization",
                )
            ),
            "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}, "minItems": 1},
            "documentation": _nullable({"$ref": "#/$defs/documentation"}),
            "claim_id": _nullable({**_TEXT, "description": "the billing system's own claim identifier (837P CLM01)"}),
            "place_of_service": _nullable(_PLACE),
            "accident": _nullable(
                _object(
                    {
                        "causes": {
                            "type": "array",
                            "items": {"enum": [cause.value for cause in AccidentCause]},
                            "minItems": 1,
                            "maxItems": 3,
                            "uniqueItems": True,
                        },
                        "date": _nullable(_DATE),
                        "state": _nullable({"enum": sorted(US_STATES)}),
                    },
                    ["causes"],
                    "what the condition is related to: an auto accident, employment, another accident",
                )
            ),
        },
        ["date_of_service", "payer", "provider", "patient", "lines"],
        "a claim: what is billed",
    )
    return {
        "$schema": _DRAFT,
        "$id": _BASE + "claim.schema.json",
        "title": "massagecodes claim",
        **schema,
        "$defs": definitions,
    }


def session_schema() -> dict[str, Any]:
    """The JSON Schema of a session, as :meth:`massagecodes.Session.from_dict` reads it."""
    definitions = _definitions()
    treatment = _object(
        {
            "code": _CODE,
            "minutes": {"type": "integer", "minimum": 0, "maximum": MAX_MINUTES},
            "region": _nullable({"$ref": "#/$defs/region"}),
        },
        ["code", "minutes"],
        "something done in the session",
    )
    schema = _object(
        {
            "date": _DATE,
            "provider": {"$ref": "#/$defs/provider"},
            "treatments": {"type": "array", "items": treatment, "minItems": 1},
            "patient": _nullable({"$ref": "#/$defs/patient"}),
            "documentation": {"$ref": "#/$defs/documentation"},
        },
        ["date", "provider", "treatments"],
        "a session: one visit, what was done",
    )
    return {
        "$schema": _DRAFT,
        "$id": _BASE + "session.schema.json",
        "title": "massagecodes session",
        **schema,
        "$defs": definitions,
    }
