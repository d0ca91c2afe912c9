"""The classes of a claim: provider, payer, patient, referral, authorization, service line,
documentation, and the claim itself, each with the field specs that validate and read it.

The checks across fields (an authorization's dates, a line's minutes or units, a
claim's diagnosis pointers) are decided here, next to the class they belong to.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import attrs

from massagecodes._codes import MAX_DIAGNOSES, MAX_MODIFIERS_PER_LINE, MAX_POINTERS_PER_LINE, POINTER_LETTERS
from massagecodes._model._base import (
    _Model,
    _nested,
    _to_doc_elements,
    _to_license,
    _to_money,
    _to_payer_kind,
    _to_sex,
    _to_soap_parts,
    _tuple,
)
from massagecodes._model._checks import (
    _check_code,
    _check_date,
    _check_diagnosis,
    _check_enum,
    _check_items,
    _check_minutes,
    _check_modifier,
    _check_money,
    _check_nonempty_items,
    _check_npi,
    _check_pain,
    _check_place_of_service,
    _check_pointer,
    _check_state,
    _check_taxonomy,
    _check_text,
    _check_units,
    _check_visits,
)
from massagecodes._model._enums import AccidentCause, DocElement, License, PayerKind, Sex, SoapPart
from massagecodes._model._reading import (
    Cross,
    _as_is,
    _dump_date,
    _dump_enum,
    _dump_money,
    _load_date,
    _load_enum,
    _load_list,
    _load_money,
    _load_pointer,
    _region_spec,
    _Spec,
)
from massagecodes._regions import Region
from massagecodes.errors import Problem


@attrs.frozen(kw_only=True)
class Provider(_Model):
    """The rendering provider: NPI (check digit validated), licence, optional taxonomy
    and name."""

    npi: str
    license: License = attrs.field(converter=_to_license)
    taxonomy: str | None = None
    name: str | None = None

    _WHAT = "provider"
    _SPECS = (
        _Spec("npi", _check_npi),
        _Spec("license", _check_enum(License), load=_load_enum(License), dump=_dump_enum),
        _Spec("taxonomy", _check_taxonomy, default=None),
        _Spec("name", _check_text(), default=None),
    )


@attrs.frozen(kw_only=True)
class Payer(_Model):
    """Who pays. The kind of payer decides which policy applies."""

    kind: PayerKind = attrs.field(converter=_to_payer_kind)
    name: str | None = None
    state: str | None = None

    _WHAT = "payer"
    _SPECS = (
        _Spec("kind", _check_enum(PayerKind), load=_load_enum(PayerKind), dump=_dump_enum),
        _Spec("name", _check_text(), default=None),
        _Spec("state", _check_state, default=None),
    )


@attrs.frozen(kw_only=True)
class Patient(_Model):
    """The patient: an opaque id and, optionally, a birth date, sex and the insurance
    member id (the subscriber's, for a dependant)."""

    id: str
    birth_date: datetime.date | None = None
    sex: Sex | None = attrs.field(default=None, converter=_to_sex)
    member_id: str | None = None

    _WHAT = "patient"
    _SENSITIVE = True
    _SPECS = (
        _Spec("id", _check_text(sensitive=True)),
        _Spec("birth_date", _check_date, load=_load_date, dump=_dump_date, default=None, sensitive=True),
        _Spec("sex", _check_enum(Sex), load=_load_enum(Sex), dump=_dump_enum, default=None, sensitive=True),
        _Spec("member_id", _check_text(sensitive=True), default=None, sensitive=True),
    )


@attrs.frozen(kw_only=True)
class Referral(_Model):
    """A referral or prescription: the referring provider's NPI and its date."""

    npi: str
    date: datetime.date

    _WHAT = "referral"
    _SPECS = (
        _Spec("npi", _check_npi),
        _Spec("date", _check_date, load=_load_date, dump=_dump_date),
    )


def _authorization_cross(values: dict[str, Any]) -> list[Problem]:
    start, end = values.get("start"), values.get("end")
    if start is not None and end is not None and end < start:
        return [Problem("$.end", "expected an end date on or after the start date")]
    return []


@attrs.frozen(kw_only=True)
class Authorization(_Model):
    """A prior authorization: its number and, optionally, its dates and number of visits."""

    number: str
    start: datetime.date | None = None
    end: datetime.date | None = None
    visits: int | None = None

    _WHAT = "authorization"
    _SENSITIVE = True
    _SPECS = (
        _Spec("number", _check_text(sensitive=True)),
        _Spec("start", _check_date, load=_load_date, dump=_dump_date, default=None),
        _Spec("end", _check_date, load=_load_date, dump=_dump_date, default=None),
        _Spec("visits", _check_visits, default=None),
    )
    _CROSS = Cross(("start", "end"), _authorization_cross)


def _line_cross(values: dict[str, Any]) -> list[Problem]:
    if values.get("minutes") is None and values.get("units") is None:
        return [Problem("$", 'expected "minutes", "units" or both')]
    return []


@attrs.frozen(kw_only=True)
class ServiceLine(_Model):
    """One billed line.

    A procedure code with its minutes and/or units, region, modifiers, diagnosis
    pointers (1-based, as on the form: 1 is diagnosis A), charge, and an optional
    date that overrides the claim's date of service.
    """

    code: str
    minutes: int | None = None
    units: int | None = None
    region: Region | None = None
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    diagnosis_pointers: tuple[int, ...] = attrs.field(default=(), converter=_tuple)
    charge: Decimal | None = attrs.field(default=None, converter=_to_money)
    date: datetime.date | None = None
    place_of_service: str | None = None

    _WHAT = "service line"
    _SPECS = (
        _Spec("code", _check_code),
        _Spec("minutes", _check_minutes, default=None),
        _Spec("units", _check_units, default=None),
        _region_spec(),
        _Spec(
            "modifiers",
            _check_items(_check_modifier, max_len=MAX_MODIFIERS_PER_LINE, unique=True, label="modifiers"),
            load=_load_list(_as_is, what="a list of modifiers"),
            dump=list,
            default=tuple,
        ),
        _Spec(
            "diagnosis_pointers",
            _check_items(_check_pointer, max_len=MAX_POINTERS_PER_LINE, unique=True, label="diagnosis pointers"),
            load=_load_list(_load_pointer, what="a list of diagnosis pointers"),
            dump=list,
            default=tuple,
        ),
        _Spec("charge", _check_money, load=_load_money, dump=_dump_money, default=None),
        _Spec("date", _check_date, load=_load_date, dump=_dump_date, default=None),
        _Spec("place_of_service", _check_place_of_service, default=None),
    )
    _CROSS = Cross(("minutes", "units"), _line_cross)


@attrs.frozen(kw_only=True)
class Documentation(_Model):
    """What the visit's notes contain: SOAP parts, pain scale, functional goals, other elements."""

    soap: frozenset[SoapPart] = attrs.field(factory=frozenset, converter=_to_soap_parts)
    pain_scale: int | None = None
    functional_goals: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    elements: frozenset[DocElement] = attrs.field(factory=frozenset, converter=_to_doc_elements)

    _WHAT = "documentation"
    _SENSITIVE = True
    _SPECS = (
        _Spec(
            "soap",
            _check_items(_check_enum(SoapPart), unique=True, label="SOAP parts"),
            load=_load_list(_load_enum(SoapPart), what="a list of SOAP parts"),
            dump=lambda parts: [part.value for part in SoapPart if part in parts],
            default=frozenset,
        ),
        _Spec("pain_scale", _check_pain, default=None),
        _Spec(
            "functional_goals",
            _check_items(_check_text(sensitive=True), label="goals"),
            load=_load_list(_as_is, what="a list of goals"),
            dump=list,
            default=tuple,
        ),
        _Spec(
            "elements",
            _check_items(_check_enum(DocElement), unique=True, label="documentation elements"),
            load=_load_list(_load_enum(DocElement), what="a list of documentation elements"),
            dump=lambda elements: sorted(element.value for element in elements),
            default=frozenset,
        ),
    )


_check_causes = _check_items(_check_enum(AccidentCause), max_len=3, unique=True, label="accident causes")


def _check_nonempty_causes(value: object) -> list[tuple[str, str]]:
    issues = _check_causes(value)
    if not issues and not value:
        return [("", "expected at least one cause: auto, employment or other")]
    return issues


@attrs.frozen(kw_only=True)
class Accident(_Model):
    """What the claim's condition is related to: one or more causes (auto, employment,
    other), the accident's date and, for an auto accident, the state it happened in."""

    causes: tuple[AccidentCause, ...] = attrs.field(converter=_tuple)
    date: datetime.date | None = None
    state: str | None = None

    _WHAT = "accident"
    _SENSITIVE = True
    _SPECS = (
        _Spec(
            "causes",
            _check_nonempty_causes,
            load=_load_list(_load_enum(AccidentCause), what="a list of accident causes"),
            dump=lambda causes: [cause.value for cause in causes],
        ),
        _Spec("date", _check_date, load=_load_date, dump=_dump_date, default=None, sensitive=True),
        _Spec("state", _check_state, default=None),
    )


def _claim_cross(values: dict[str, Any]) -> list[Problem]:
    count = len(values.get("diagnoses", ()))
    problems = []
    for index, line in enumerate(values.get("lines", ())):
        for position, pointer in enumerate(line.diagnosis_pointers):
            if pointer > count:
                letter = POINTER_LETTERS[pointer - 1]
                message = f"points to diagnosis {pointer} ({letter}) but the claim lists {count} diagnoses"
                problems.append(Problem(f"$.lines[{index}].diagnosis_pointers[{position}]", message))
    return problems


@attrs.frozen(kw_only=True)
class Claim(_Model):
    """What is billed: payer, provider, patient, diagnoses, referral, authorization, lines."""

    date_of_service: datetime.date
    payer: Payer
    provider: Provider
    patient: Patient
    lines: tuple[ServiceLine, ...] = attrs.field(converter=_tuple)
    diagnoses: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    referral: Referral | None = None
    authorization: Authorization | None = None
    documentation: Documentation | None = None
    claim_id: str | None = None
    place_of_service: str | None = None
    accident: Accident | None = None

    _WHAT = "claim"
    _SPECS = (
        _Spec("date_of_service", _check_date, load=_load_date, dump=_dump_date),
        _Spec("payer", **_nested(Payer, "a Payer")),
        _Spec("provider", **_nested(Provider, "a Provider")),
        _Spec("patient", **_nested(Patient, "a Patient"), sensitive=True),
        _Spec(
            "diagnoses",
            _check_items(_check_diagnosis, max_len=MAX_DIAGNOSES, unique=True, label="diagnoses"),
            load=_load_list(_as_is, what="a list of diagnoses"),
            dump=list,
            default=tuple,
            sensitive=True,
        ),
        _Spec("referral", **_nested(Referral, "a Referral"), default=None),
        _Spec("authorization", **_nested(Authorization, "an Authorization"), default=None, sensitive=True),
        _Spec(
            "lines",
            _check_nonempty_items(ServiceLine, "a ServiceLine", "line"),
            load=_load_list(ServiceLine._load, what="a list of lines"),
            dump=lambda lines: [line.to_dict() for line in lines],
        ),
        _Spec("documentation", **_nested(Documentation, "a Documentation"), default=None, sensitive=True),
        # The billing system's own identifier (837P CLM01, FHIR Claim.identifier): carried
        # into results; an account number may identify a person, so it is never echoed.
        _Spec("claim_id", _check_text(sensitive=True), default=None, sensitive=True),
        _Spec("place_of_service", _check_place_of_service, default=None),
        _Spec("accident", **_nested(Accident, "an Accident"), default=None, sensitive=True),
    )
    _CROSS = Cross(("diagnoses", "lines"), _claim_cross)

    def line_date(self, index: int) -> datetime.date:
        """The date of service of line ``index``: its own date, else the claim's."""
        line = self.lines[index]
        return self.date_of_service if line.date is None else line.date
