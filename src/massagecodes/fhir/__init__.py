"""FHIR R4 Claim resources in and out (extra ``fhir``, built on fhir.resources).

:func:`read_claim` turns a FHIR R4 ``Claim`` (a dict or JSON text) into a
:class:`~massagecodes.Claim`; :func:`write_claim` turns a claim into a FHIR R4
``Claim`` dict. ``read_claim(write_claim(claim)) == claim`` for every claim.

fhir.resources 8 defaults to FHIR R5; this module uses its R4B models
(``fhir.resources.R4B``), whose Claim has the R4 structure. fhir.resources is
imported on first use: without the extra, both functions raise
:class:`~massagecodes.errors.ExtraMissingError` naming the ``pip install`` to run,
and the rest of massagecodes works without it.

Layout: constants (code systems, our extensions) -> reading (parse, validate with
fhir.resources, map to the model's JSON shape, let the model validate) -> writing.
The mapping is documented element by element in docs/fhir.md.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from massagecodes._model import Claim, DocElement, License, PayerKind, ServiceLine, SoapPart
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes._text import describe, did_you_mean, one_of
from massagecodes.errors import ExtraMissingError, InputError, Problem

__all__ = [
    "BASE_URL",
    "CPT",
    "CS_BODY_REGION",
    "CS_LICENSE",
    "CS_PAYER_KIND",
    "CS_SIDE",
    "EXT_AUTHORIZATION_PERIOD",
    "EXT_AUTHORIZATION_VISITS",
    "EXT_DATE_OF_SERVICE",
    "EXT_DOCUMENTATION",
    "EXT_MINUTES",
    "EXT_OWN_DATE",
    "HCPCS",
    "ICD10CM",
    "NPI",
    "NUCC",
    "read_claim",
    "write_claim",
]

# --------------------------------------------------------------------------- #
# Constants: standard code systems, and ours for what FHIR has no element for. #
# --------------------------------------------------------------------------- #

BASE_URL = "https://massagecodes.dev/fhir"
"""Our extensions are ``BASE_URL/StructureDefinition/<name>``, our code systems ``BASE_URL/CodeSystem/<name>``."""

_EXT = BASE_URL + "/StructureDefinition/"
_CS = BASE_URL + "/CodeSystem/"

EXT_DATE_OF_SERVICE = _EXT + "date-of-service"  # Claim: valueDate, the claim's date of service
EXT_DOCUMENTATION = _EXT + "documentation"  # Claim: complex, what the notes contain
EXT_MINUTES = _EXT + "minutes"  # Claim.item: valueDuration in minutes
EXT_OWN_DATE = _EXT + "own-date"  # Claim.item: valueBoolean, servicedDate is the line's own date
EXT_AUTHORIZATION_PERIOD = _EXT + "authorization-period"  # Claim.insurance: valuePeriod
EXT_AUTHORIZATION_VISITS = _EXT + "authorization-visits"  # Claim.insurance: valuePositiveInt
_OUR_EXTENSIONS = frozenset(
    {
        EXT_DATE_OF_SERVICE,
        EXT_DOCUMENTATION,
        EXT_MINUTES,
        EXT_OWN_DATE,
        EXT_AUTHORIZATION_PERIOD,
        EXT_AUTHORIZATION_VISITS,
    }
)

CS_PAYER_KIND = _CS + "payer-kind"  # Coverage.type
CS_LICENSE = _CS + "license"  # Practitioner.qualification.code
CS_BODY_REGION = _CS + "body-region"  # Claim.item.bodySite
CS_SIDE = _CS + "side"  # Claim.item.subSite

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"  # HCPCS Level II codes and modifiers
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"
UCUM = "http://unitsofmeasure.org"
_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types; MR = medical record number
_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
_CARE_TEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
_DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

_PROCEDURE_SYSTEMS = (CPT, HCPCS)
_SOAP_URLS = {part.value: part for part in SoapPart}  # documentation sub-extensions, one boolean each
_DOC_URLS = (*_SOAP_URLS, "pain-scale", "functional-goal", "element")

# --------------------------------------------------------------------------- #
# fhir.resources, imported on first use.                                       #
# --------------------------------------------------------------------------- #


@attrs.frozen
class _Library:
    claim: Any  # fhir.resources.R4B.claim.Claim
    model_class: Callable[[str], Any]  # fhir.resources.R4B.get_fhir_model_class
    validation_error: type[Exception]  # pydantic.ValidationError


def _library() -> _Library:
    try:
        from fhir.resources.R4B import get_fhir_model_class
        from fhir.resources.R4B.claim import Claim as FhirClaim
        from pydantic import ValidationError
    except ImportError:
        raise ExtraMissingError("FHIR Claim resources need the fhir extra: pip install 'massagecodes[fhir]'") from None
    return _Library(FhirClaim, get_fhir_model_class, ValidationError)


# --------------------------------------------------------------------------- #
# Paths and small readers of JSON values.                                      #
# --------------------------------------------------------------------------- #

_NAME = re.compile(r"_?[A-Za-z][A-Za-z0-9]*")


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if _NAME.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _at(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _items(value: object) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _number(raw: object) -> Decimal | None:
    """A JSON number as an exact Decimal (a float by its shortest repr); None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, float):
        # A float reached us already rounded to binary; its shortest repr is the decimal it was written as.
        value = Decimal(repr(raw))
        return value if value.is_finite() else None
    return None


def _whole(raw: object) -> object:
    """A JSON number that is whole becomes an int; anything else is passed on for the model to report."""
    value = _number(raw)
    if value is not None and value == value.to_integral_value() and not isinstance(raw, int):
        return int(value)
    return raw


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(raw: object) -> object:
    """A FHIR date or dateTime as its "YYYY-MM-DD" day; partial dates pass on for the model to report."""
    if isinstance(raw, str) and len(raw) > 10 and raw[10] == "T" and _DAY.fullmatch(raw[:10]):
        return raw[:10]  # the day as written, in the dateTime's own time zone
    return raw


def _text_of(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else describe(value)


# --------------------------------------------------------------------------- #
# Reading.                                                                     #
# --------------------------------------------------------------------------- #


@attrs.define
class _Reader:
    """State of one read_claim call.

    ``problems`` found while mapping; ``sources`` maps a path in the model's JSON
    shape to the FHIR path its value came from, so the model's own problems can
    be reported where they are in the resource; ``failed`` holds model paths whose
    value could not be read (their problem is reported already).
    """

    contained: dict[str, tuple[str, Mapping[str, Any]]]
    problems: list[Problem] = attrs.Factory(list)
    sources: dict[str, str] = attrs.Factory(dict)
    failed: set[str] = attrs.Factory(set)

    def add(self, path: str, message: str, *, field: str | None = None) -> None:
        self.problems.append(Problem(path, message))
        if field is not None:
            self.failed.add(field)

    def source(self, field: str, path: str) -> None:
        self.sources[field] = path

    def translate(self, problem: Problem) -> Problem | None:
        """A model problem at its FHIR path; None when its field's problem was reported already."""
        if any(_within(problem.path, field) for field in self.failed):
            return None
        best = max((field for field in self.sources if _within(problem.path, field)), key=len, default=None)
        # Say it in the resource's terms: money is a JSON number there, units a quantity.
        message = problem.message.replace(', as a string such as "120.00"', "")
        message = _IN_FHIR_TERMS.get(message, message)
        if best is None:
            return Problem(problem.path, message)
        return Problem(self.sources[best] + problem.path[len(best) :], message)

    # ---- references and codes ---- #

    def resolve(self, reference: object, path: str, field: str) -> tuple[str, Mapping[str, Any]] | None:
        """A reference to a contained resource -> (its path, the resource); None for any other reference.

        A local reference ("#id") to no contained resource is reported, failing ``field``.
        """
        if not isinstance(reference, dict):
            return None
        target = reference.get("reference")
        if isinstance(target, str) and target.startswith("#"):
            found = self.contained.get(target[1:])
            if found is None:
                self.add(
                    _key(path, "reference"), "points to a contained resource that is not in contained", field=field
                )
            return found
        return None

    def coding(
        self, concept: object, path: str, systems: Iterable[str], what: str, *, field: str | None = None
    ) -> tuple[str, str] | None:
        """The one code of ``concept`` in ``systems`` -> (code, its path); None, reporting nothing, if absent.

        Codings in other systems are translations of the same concept (that is what
        a CodeableConcept is), so they are not read; two different codes in our
        systems are a contradiction, and are reported.
        """
        systems = tuple(systems)
        found: list[tuple[str, str]] = []
        for index, coding in _items(concept.get("coding") if isinstance(concept, dict) else None):
            coding_path = _at(_key(path, "coding"), index)
            if not isinstance(coding, dict) or coding.get("system") not in systems:
                continue
            code = coding.get("code")
            if not isinstance(code, str):
                self.add(coding_path, f"a {what} coding without a code", field=field)
                return None
            found.append((code, _key(coding_path, "code")))
        if len({code for code, _ in found}) > 1:
            self.add(path, f"expected one {what} code, found {len(found)} different ones", field=field)
            return None
        return found[0] if found else None

    def missing_coding(self, concept: object, path: str, systems: Iterable[str], what: str, field: str) -> None:
        self.add(
            path, f"expected a coding of system {one_of(systems)} ({what}); {_found_systems(concept)}", field=field
        )


_IN_FHIR_TERMS = {
    'expected "minutes", "units" or both': "expected quantity (the units billed), the minutes extension, or both",
}


def _within(path: str, prefix: str) -> bool:
    return path == prefix or (path.startswith(prefix) and path[len(prefix)] in ".[")


def _found_systems(concept: object) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    systems: list[str] = []
    for _, coding in _items(codings):
        system = coding.get("system") if isinstance(coding, dict) else None
        label = f'"{system}"' if isinstance(system, str) else "no system"
        if label not in systems:
            systems.append(label)
    if not systems:
        return "found no coding"
    return "found codings of " + ", ".join(systems)


def _extensions(element: Mapping[str, Any], path: str, reader: _Reader) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Our extensions on ``element`` by URL -> (path, extension). Others' extensions are not read.

    A URL under our base that we do not define, or one of ours given twice, is reported.
    """
    ours: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for index, extension in _items(element.get("extension")):
        ext_path = _at(_key(path, "extension"), index)
        url = extension.get("url") if isinstance(extension, dict) else None
        if not isinstance(url, str) or not url.startswith(BASE_URL):
            continue
        if url not in _OUR_EXTENSIONS:
            reader.add(
                _key(ext_path, "url"),
                f"unknown massagecodes extension{did_you_mean(url, _OUR_EXTENSIONS)}; docs/fhir.md lists them",
            )
        elif url in ours:
            reader.add(ext_path, "this extension is given twice; it is allowed once here")
        else:
            ours[url] = (ext_path, extension)
    return ours


def _value(
    extension: Mapping[str, Any], path: str, kind: str, reader: _Reader, field: str
) -> tuple[object, str] | None:
    """The ``value<kind>`` of an extension -> (value, its path), reporting any other value[x]."""
    key = "value" + kind
    if key in extension:
        return extension[key], _key(path, key)
    reader.add(path, f"expected {key}", field=field)
    return None


def _one_day(period: object, path: str) -> tuple[object, str] | None:
    """A Period of one day -> (its day, the path of its start); None when it spans days or is open."""
    if not isinstance(period, dict):
        return None
    start, end = _day(period.get("start")), _day(period.get("end"))
    if isinstance(start, str) and start == end:
        return start, _key(path, "start")
    return None


def _parse(resource: object) -> dict[str, Any]:
    if isinstance(resource, str):
        try:
            data = json.loads(resource, parse_float=Decimal, parse_constant=_refuse_constant)
        except _NotJsonError as error:
            raise InputError([Problem("$", f"malformed JSON: {error}")], what="FHIR Claim") from None
        except json.JSONDecodeError as error:
            problem = Problem(f"line {error.lineno} column {error.colno}", f"malformed JSON: {error.msg}")
            raise InputError([problem], what="FHIR Claim") from None
        except (RecursionError, ValueError):
            raise InputError(
                [Problem("$", "malformed JSON: nested too deeply, or a number too long")], what="FHIR Claim"
            ) from None
    elif isinstance(resource, Mapping):
        data = dict(resource)
    else:
        raise InputError(
            [Problem("resource", f"expected a FHIR Claim as a dict or JSON text, got {describe(resource)}")],
            what="argument",
        )
    if not isinstance(data, dict):
        raise InputError(
            [Problem("$", f"expected a FHIR Claim (a JSON object), got {describe(data)}")], what="FHIR Claim"
        )
    return data


class _NotJsonError(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _NotJsonError(f"{name} is not a JSON value")


def _check_resource_types(data: Mapping[str, Any], library: _Library) -> list[Problem]:
    """resourceType is Claim and every contained resource names a FHIR resource type.

    Checked before fhir.resources sees the data: it raises a bare KeyError for an
    unknown contained resource type.
    """
    problems: list[Problem] = []
    kind = data.get("resourceType")
    if kind != "Claim":
        found = "none" if kind is None else _text_of(kind)
        problems.append(Problem("$.resourceType", f'expected "Claim", got {found}'))
        return problems

    def check_contained(resource: Mapping[str, Any], path: str) -> None:
        contained = resource.get("contained")
        if contained is None:
            return
        if not isinstance(contained, list):
            problems.append(
                Problem(_key(path, "contained"), f"expected a list of resources, got {describe(contained)}")
            )
            return
        for index, item in enumerate(contained):
            item_path = _at(_key(path, "contained"), index)
            if not isinstance(item, dict):
                problems.append(Problem(item_path, f"expected a resource (a JSON object), got {describe(item)}"))
                continue
            name = item.get("resourceType")
            if not isinstance(name, str) or not _is_resource_type(name, library):
                found = "none" if name is None else _text_of(name)
                problems.append(
                    Problem(_key(item_path, "resourceType"), f"expected a FHIR R4 resource type, got {found}")
                )
                continue
            check_contained(item, item_path)

    check_contained(data, "$")
    return problems


def _is_resource_type(name: str, library: _Library) -> bool:
    if not _NAME.fullmatch(name) or name.startswith("_"):
        return False
    try:
        model = library.model_class(name)
    except (ValueError, KeyError, ImportError):
        return False
    return bool(model.has_resource_base())


def _pydantic_problems(error: Exception) -> list[Problem]:
    """A pydantic ValidationError as problems at JSON paths; its messages never echo the input."""
    problems: list[Problem] = []
    for detail in error.errors():  # type: ignore[attr-defined]
        loc = tuple(detail.get("loc", ()))
        kind = str(detail.get("type", ""))
        path = "$"
        for position, part in enumerate(loc):
            if isinstance(part, int):
                path = _at(path, part)
            elif part == "resource_type":
                path = _key(path, "resourceType")
            elif (_NAME.fullmatch(part) and part != "root") or (kind == "extra_forbidden" and position == len(loc) - 1):
                # pydantic's own steps (function-after[...], root) are not keys of the resource
                path = _key(path, part)
        message = str(detail.get("msg", "invalid"))
        if kind == "extra_forbidden":
            message = "unknown element (FHIR R4 does not define it here)"
        elif kind in ("missing", "model_field_validation.missing"):
            message = "required element is missing"
        elif kind == "model_validation_format" and "model_class" in detail.get("ctx", {}):
            found = describe(detail.get("input"), sensitive=True)  # it may be a patient's data
            message = f"expected {detail['ctx']['model_class']} (a JSON object), got {found}"
        else:
            message = message.removeprefix("Value error, ")
            message = message[:1].lower() + message[1:]
        problem = Problem(path, message)
        if problem not in problems:
            problems.append(problem)
    return problems


def _validate(data: Mapping[str, Any], library: _Library) -> list[Problem]:
    try:
        library.claim.model_validate(data)
    except library.validation_error as error:
        return _pydantic_problems(error)
    except (KeyError, TypeError, ValueError, AttributeError):
        # fhir.resources failed on input it did not expect; do not let its internals escape.
        return [Problem("$", "fhir.resources could not validate this resource as a FHIR R4 Claim")]
    return []


def _collect_contained(data: Mapping[str, Any], reader: _Reader) -> None:
    for index, resource in _items(data.get("contained")):
        path = _at("$.contained", index)
        resource_id = resource.get("id")
        if not isinstance(resource_id, str):
            continue
        if resource_id in reader.contained:
            reader.add(_key(path, "id"), "duplicate contained resource id")
        else:
            reader.contained[resource_id] = (path, resource)


def _modifier_extensions(value: object, path: str, reader: _Reader) -> None:
    """A modifierExtension changes the meaning of its element: one we cannot read stops the read (FHIR rule)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "modifierExtension" and item:
                reader.add(
                    _key(path, key), "a modifier extension changes the meaning of this element and is not understood"
                )
            else:
                _modifier_extensions(item, _key(path, key), reader)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _modifier_extensions(item, _at(path, index), reader)


def read_claim(
    resource: Mapping[str, Any] | str,
    *,
    payer_kind: PayerKind | str | None = None,
    license: License | str | None = None,
    regions: RegionVocabulary = DEFAULT_REGIONS,
) -> Claim:
    """Read a FHIR R4 Claim (a dict or JSON text) into a :class:`~massagecodes.Claim`.

    The resource is validated with fhir.resources (its R4B Claim, the R4 structure),
    then mapped (docs/fhir.md) and validated by the model. Every problem is reported
    at once, at its JSON path in the resource, in one
    :class:`~massagecodes.errors.InputError`; nothing is dropped or guessed.

    ``payer_kind`` and ``license`` supply what a Claim written elsewhere does not say
    (it has no massagecodes code for them); they must agree with the resource when it
    does say. ``regions`` is the region vocabulary to accept.
    """
    library = _library()
    arguments: list[Problem] = []
    kind_value = _argument_enum("payer_kind", payer_kind, PayerKind, arguments)
    license_value = _argument_enum("license", license, License, arguments)
    _argument_type("regions", regions, RegionVocabulary, "a RegionVocabulary", arguments)
    if arguments:
        raise InputError(arguments, what="argument")
    data = _parse(resource)
    problems = _check_resource_types(data, library) or _validate(data, library)
    if problems:
        raise InputError(problems, what="FHIR Claim")
    reader = _Reader({})
    _modifier_extensions(data, "$", reader)
    _collect_contained(data, reader)
    shape = _claim_shape(data, reader, kind_value, license_value)
    try:
        claim = Claim.from_dict(shape, regions=regions)
    except InputError as error:
        translated = [reader.translate(problem) for problem in error.problems]
        reader.problems.extend(problem for problem in translated if problem is not None)
    else:
        if not reader.problems:
            return claim
    raise InputError(reader.problems, what="FHIR Claim")


def _argument_type(name: str, value: object, cls: type, what: str, problems: list[Problem]) -> None:
    # A datetime is a date subclass, but not a date to FHIR.
    if not isinstance(value, cls) or isinstance(value, datetime.datetime):
        problems.append(Problem(name, f"expected {what}, got {describe(value)}"))


def _argument_enum(
    name: str, value: object, cls: type[PayerKind] | type[License], problems: list[Problem]
) -> str | None:
    if value is None:
        return None
    names = [member.value for member in cls]
    if isinstance(value, str) and value in names:
        return str(value)
    hint = did_you_mean(value, names) if isinstance(value, str) else ""
    problems.append(Problem(name, f"expected {one_of(names)}, got {describe(value)}{hint}"))
    return None


def _claim_shape(
    data: Mapping[str, Any], reader: _Reader, payer_kind: str | None, license: str | None
) -> dict[str, Any]:
    """The model's JSON shape of the claim, recording where each value came from."""
    ours = _extensions(data, "$", reader)
    shape: dict[str, Any] = {}
    pointers = _diagnoses(data, reader, shape)
    lines, dates = _lines(data, reader, pointers)
    _date_of_service(data, ours, dates, reader, shape)
    _line_dates(data, lines, dates, shape.get("date_of_service"), reader)
    shape["lines"] = [line for line, _, _ in lines]
    _check_total(data, [line.get("charge") for line, _, _ in lines], reader)
    reader.source("$.lines", "$.item")
    for index, (_, item_path, _) in enumerate(lines):
        reader.source(f"$.lines[{index}]", item_path)
    insurance = _focal_insurance(data, reader)
    shape["payer"] = _payer(data, insurance, reader, payer_kind)
    shape["provider"] = _provider(data, reader, license)
    shape["patient"] = _patient(data, reader)
    shape["referral"] = _referral(data, reader)
    shape["authorization"] = _authorization(insurance, reader)
    shape["documentation"] = _documentation(ours, reader)
    for field in reader.failed:
        _mark_unread(shape, field)
    return shape


def _check_total(data: Mapping[str, Any], charges: list[object], reader: _Reader) -> None:
    """Claim.total, when given, is the sum of the items' charges (as CLM02 is in an 837P)."""
    total = data.get("total")
    declared = _number(total.get("value")) if isinstance(total, dict) else None
    valid = [charge for charge in charges if isinstance(charge, Decimal) and charge >= 0 and charge == round(charge, 2)]
    if declared is None or not charges or len(valid) != len(charges):  # a bad charge is reported on its own
        return
    if sum(valid, Decimal(0)) != declared:
        reader.add("$.total.value", "the claim's total is not the sum of its items' charges")


_UNREAD = object()  # a value no model check accepts: stands for one whose problem is reported already
_PATH_PART = re.compile(r"\.([a-z_]+)|\[([0-9]+)\]")


def _mark_unread(shape: dict[str, Any], field: str) -> None:
    """Put _UNREAD at ``field`` (a model path), so the model neither asks for it nor checks across it."""
    parts: list[str | int] = [
        name if name else int(index) for name, index in _PATH_PART.findall(field.removeprefix("$"))
    ]
    target: Any = shape
    for part in parts[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return  # a parent is unread already
    last = parts[-1]
    in_dict = isinstance(target, dict) and isinstance(last, str)
    in_list = isinstance(target, list) and isinstance(last, int) and last < len(target)
    if in_dict or in_list:
        target[last] = _UNREAD


def _diagnoses(data: Mapping[str, Any], reader: _Reader, shape: dict[str, Any]) -> dict[int, int]:
    """Claim.diagnosis in sequence order -> shape["diagnoses"]; returns sequence -> pointer (1-based)."""
    entries: list[tuple[int, int, Mapping[str, Any]]] = []
    seen: set[int] = set()
    for index, entry in _items(data.get("diagnosis")):
        path = _at("$.diagnosis", index)
        sequence = entry.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            reader.add(
                _key(path, "sequence"), f"expected a whole number, got {describe(sequence)}", field="$.diagnoses"
            )
        elif sequence in seen:
            reader.add(_key(path, "sequence"), f"duplicate diagnosis sequence {sequence}", field="$.diagnoses")
        else:
            seen.add(sequence)
            entries.append((sequence, index, entry))
    entries.sort(key=lambda entry: entry[0])
    diagnoses: list[str | None] = []
    for position, (_, index, entry) in enumerate(entries):
        path = _at("$.diagnosis", index)
        field = f"$.diagnoses[{position}]"
        if "diagnosisCodeableConcept" not in entry:
            reader.add(
                path,
                "a diagnosisReference (a Condition) is not read; give diagnosisCodeableConcept with an ICD-10-CM coding",
                field=field,
            )
            diagnoses.append(None)
            continue
        concept_path = _key(path, "diagnosisCodeableConcept")
        concept = entry["diagnosisCodeableConcept"]
        found = reader.coding(concept, concept_path, [ICD10CM], "ICD-10-CM", field=field)
        if found is None:
            if field not in reader.failed:
                reader.missing_coding(concept, concept_path, [ICD10CM], "ICD-10-CM", field)
            diagnoses.append(None)
            continue
        diagnoses.append(found[0])
        reader.source(field, found[1])
    # A diagnosis that could not be read keeps its position, so pointers stay right.
    shape["diagnoses"] = [code if code is not None else "" for code in diagnoses]
    reader.source("$.diagnoses", "$.diagnosis")
    return {sequence: position + 1 for position, (sequence, _, _) in enumerate(entries)}


_Line = tuple[dict[str, Any], str, tuple[object, str] | None]  # (line shape, item path, (serviced day, its path))


def _lines(data: Mapping[str, Any], reader: _Reader, pointers: Mapping[int, int]) -> tuple[list[_Line], list[bool]]:
    """Claim.item in sequence order -> line shapes; also whether each item says its date is its own."""
    items: list[tuple[int, int, Mapping[str, Any]]] = []
    seen: set[int] = set()
    for index, item in _items(data.get("item")):
        sequence = item.get("sequence")
        path = _key(_at("$.item", index), "sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            reader.add(path, f"expected a whole number, got {describe(sequence)}", field="$.lines")
        elif sequence in seen:
            reader.add(path, f"duplicate item sequence {sequence}", field="$.lines")
        else:
            seen.add(sequence)
        items.append((sequence if isinstance(sequence, int) else 0, index, item))
    if not items:
        reader.add("$.item", "expected at least one item", field="$.lines")
    items.sort(key=lambda entry: entry[0])
    lines: list[_Line] = []
    own: list[bool] = []
    for position, (_, index, item) in enumerate(items):
        line, day, is_own = _line(item, _at("$.item", index), f"$.lines[{position}]", reader, pointers)
        lines.append((line, _at("$.item", index), day))
        own.append(is_own)
    return lines, own


def _line(
    item: Mapping[str, Any], path: str, field: str, reader: _Reader, pointers: Mapping[int, int]
) -> tuple[dict[str, Any], tuple[object, str] | None, bool]:
    line: dict[str, Any] = {}
    ours = _extensions(item, path, reader)
    # code
    concept_path = _key(path, "productOrService")
    found = reader.coding(
        item.get("productOrService"), concept_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS", field=f"{field}.code"
    )
    if found is not None:
        line["code"] = found[0]
        reader.source(f"{field}.code", found[1])
    elif f"{field}.code" not in reader.failed:
        reader.missing_coding(
            item.get("productOrService"), concept_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS", f"{field}.code"
        )
    # minutes
    if EXT_MINUTES in ours:
        ext_path, extension = ours[EXT_MINUTES]
        value = _value(extension, ext_path, "Duration", reader, f"{field}.minutes")
        if value is not None:
            duration, duration_path = value
            if isinstance(duration, dict) and (duration.get("system"), duration.get("code")) == (UCUM, "min"):
                line["minutes"] = _whole(duration.get("value"))
                reader.source(f"{field}.minutes", _key(duration_path, "value"))
            else:
                reader.add(
                    duration_path,
                    f'expected a duration in minutes (system "{UCUM}", code "min")',
                    field=f"{field}.minutes",
                )
    # units
    quantity = item.get("quantity")
    if isinstance(quantity, dict) and "value" in quantity:
        quantity_path = _key(path, "quantity")
        unit_words = " ".join(str(quantity.get(key, "")) for key in ("unit", "code")).lower()
        if "comparator" in quantity:
            reader.add(_key(quantity_path, "comparator"), "expected an exact number of units", field=f"{field}.units")
        elif quantity.get("code") not in (None, "1") or any(word in unit_words for word in ("min", "hour", "sec")):
            # A quantity of 30 "min" is not 30 units: never guessed.
            reader.add(
                quantity_path,
                f'expected a count of units (no unit, or code "1"); minutes go in the extension "{EXT_MINUTES}"',
                field=f"{field}.units",
            )
        else:
            line["units"] = _whole(quantity["value"])
            reader.source(f"{field}.units", _key(quantity_path, "value"))
    # region
    region = _region(item, path, field, reader)
    if region is not None:
        line["region"] = region
    # modifiers
    modifiers: list[str] = []
    for index, concept in _items(item.get("modifier")):
        modifier_path = _at(_key(path, "modifier"), index)
        found = reader.coding(
            concept, modifier_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS modifier", field=f"{field}.modifiers"
        )
        if found is not None:
            modifiers.append(found[0])
            reader.source(f"{field}.modifiers[{index}]", found[1])
        elif f"{field}.modifiers" not in reader.failed:
            reader.missing_coding(
                concept, modifier_path, _PROCEDURE_SYSTEMS, "CPT or HCPCS modifier", f"{field}.modifiers"
            )
    line["modifiers"] = modifiers
    reader.source(f"{field}.modifiers", _key(path, "modifier"))
    # diagnosis pointers
    line_pointers: list[int] = []
    for index, sequence in _items(item.get("diagnosisSequence")):
        pointer_path = _at(_key(path, "diagnosisSequence"), index)
        if isinstance(sequence, int) and not isinstance(sequence, bool) and sequence in pointers:
            line_pointers.append(pointers[sequence])
            reader.source(f"{field}.diagnosis_pointers[{index}]", pointer_path)
        elif "$.diagnoses" in reader.failed:  # the sequences are in doubt: their problem is reported
            reader.failed.add(f"{field}.diagnosis_pointers")
        else:
            message = f"points to diagnosis sequence {describe(sequence)}, which Claim.diagnosis does not list"
            reader.add(pointer_path, message, field=f"{field}.diagnosis_pointers")
    line["diagnosis_pointers"] = line_pointers
    reader.source(f"{field}.diagnosis_pointers", _key(path, "diagnosisSequence"))
    # charge
    charge = _charge(item, path, f"{field}.charge", reader)
    if charge is not None:
        line["charge"] = charge
    # date: decided once the claim's date of service is known
    day: tuple[object, str] | None = None
    if "servicedDate" in item:
        day = (item["servicedDate"], _key(path, "servicedDate"))
    elif "servicedPeriod" in item:
        day = _one_day(item["servicedPeriod"], _key(path, "servicedPeriod"))
        if day is None:
            message = "a period of more than one day (or an open one); a line has one date of service: split it into one item per day"
            reader.add(_key(path, "servicedPeriod"), message, field=f"{field}.date")
    is_own = False
    if EXT_OWN_DATE in ours:
        ext_path, extension = ours[EXT_OWN_DATE]
        value = _value(extension, ext_path, "Boolean", reader, f"{field}.date")
        is_own = value is not None and value[0] is True
        if is_own and day is None and f"{field}.date" not in reader.failed:
            reader.add(path, "marked with its own date but has no servicedDate", field=f"{field}.date")
    return line, day, is_own


def _region(item: Mapping[str, Any], path: str, field: str, reader: _Reader) -> dict[str, Any] | None:
    sub_sites = _items(item.get("subSite"))
    if "bodySite" not in item:
        if sub_sites:
            reader.add(_key(path, "subSite"), "a side (subSite) without a region (bodySite)", field=f"{field}.region")
        return None
    region: dict[str, Any] = {"name": None, "side": None}
    reader.source(f"{field}.region", _key(path, "bodySite"))
    name = _concept_or_text(
        item["bodySite"], _key(path, "bodySite"), CS_BODY_REGION, "body region", f"{field}.region.name", reader
    )
    if name is not None:
        region["name"] = name
    if len(sub_sites) > 1:
        reader.add(
            _key(path, "subSite"), f"expected one side, got {len(sub_sites)} subSites", field=f"{field}.region.side"
        )
    elif sub_sites:
        side = _concept_or_text(
            sub_sites[0][1], _at(_key(path, "subSite"), 0), CS_SIDE, "side", f"{field}.region.side", reader
        )
        if side is not None:
            region["side"] = side
    return region


def _concept_or_text(concept: object, path: str, system: str, what: str, field: str, reader: _Reader) -> str | None:
    """Our code of a CodeableConcept, else its text (which the model reads as a name or alias)."""
    found = reader.coding(concept, path, [system], what, field=field)
    if found is not None:
        reader.source(field, found[1])
        return found[0]
    if field in reader.failed:
        return None
    text = concept.get("text") if isinstance(concept, dict) else None
    if isinstance(text, str):
        reader.source(field, _key(path, "text"))
        return text
    reader.add(
        path,
        f'expected a coding of system "{system}" ({what}) or a text naming the {what}; {_found_systems(concept)}',
        field=field,
    )
    return None


def _money(money: object, path: str, field: str, reader: _Reader) -> Decimal | None:
    if not isinstance(money, dict):
        return None
    currency = money.get("currency")
    if currency not in (None, "USD"):
        reader.add(
            _key(path, "currency"), f'expected "USD" (claims are in US dollars), got {_text_of(currency)}', field=field
        )
        return None
    if "value" not in money:
        reader.add(path, "an amount without a value", field=field)
        return None
    value = _number(money["value"])
    if value is None:
        reader.add(_key(path, "value"), f"expected a JSON number, got {describe(money['value'])}", field=field)
    return value


def _charge(item: Mapping[str, Any], path: str, field: str, reader: _Reader) -> Decimal | None:
    """The line's charge: item.net, else unitPrice x quantity x factor (FHIR's definition of net)."""
    net = _money(item.get("net"), _key(path, "net"), field, reader)
    price = _money(item.get("unitPrice"), _key(path, "unitPrice"), field, reader)
    if field in reader.failed:
        return None
    computed: Decimal | None = None
    if price is not None:
        quantity = item.get("quantity")
        count = _number(quantity.get("value")) if isinstance(quantity, dict) and "value" in quantity else Decimal(1)
        factor = _number(item["factor"]) if "factor" in item else Decimal(1)
        if count is not None and factor is not None:
            computed = price * count * factor
    if net is not None:
        if computed is not None and computed != net:
            reader.add(_key(path, "net"), "does not equal unitPrice x quantity x factor", field=field)
            return None
        reader.source(field, _key(_key(path, "net"), "value"))
        return net
    if price is not None:
        if computed is None:
            reader.add(path, "cannot compute the charge: quantity or factor is not a number", field=field)
            return None
        reader.source(field, _key(_key(path, "unitPrice"), "value"))
        return computed
    return None


def _date_of_service(
    data: Mapping[str, Any],
    ours: Mapping[str, tuple[str, Mapping[str, Any]]],
    own: list[bool],
    reader: _Reader,
    shape: dict[str, Any],
) -> None:
    """Our date-of-service extension; else the earliest item date; else a one-day billablePeriod."""
    if EXT_DATE_OF_SERVICE in ours:
        ext_path, extension = ours[EXT_DATE_OF_SERVICE]
        value = _value(extension, ext_path, "Date", reader, "$.date_of_service")
        if value is not None:
            shape["date_of_service"] = value[0]
            reader.source("$.date_of_service", value[1])
        return
    days: list[tuple[str, str]] = []
    for index, item in _items(data.get("item")):
        path = _at("$.item", index)
        if "servicedDate" in item and isinstance(_day(item["servicedDate"]), str):
            days.append((str(_day(item["servicedDate"])), _key(path, "servicedDate")))
        elif "servicedPeriod" in item:
            day = _one_day(item["servicedPeriod"], _key(path, "servicedPeriod"))
            if day is not None:
                days.append((str(day[0]), day[1]))
    period = _one_day(data.get("billablePeriod"), "$.billablePeriod")
    if days:
        earliest = min(days)
        shape["date_of_service"] = earliest[0]
        reader.source("$.date_of_service", earliest[1])
    elif period is not None:
        shape["date_of_service"] = period[0]
        reader.source("$.date_of_service", period[1])
    else:
        reader.add(
            "$.item",
            "no date of service: give each item a servicedDate, or the claim a billablePeriod of one day",
            field="$.date_of_service",
        )


def _line_dates(
    data: Mapping[str, Any], lines: list[_Line], own: list[bool], date_of_service: object, reader: _Reader
) -> None:
    """A line's date is its servicedDate when it differs from the claim's (or is marked its own).

    An item without a date takes the claim's date of service when that is certain: the
    claim says it (our extension), or its billablePeriod is that one day.
    """
    claim_day = _day(date_of_service)
    period = _one_day(data.get("billablePeriod"), "$.billablePeriod")
    from_extension = reader.sources.get("$.date_of_service", "").startswith("$.extension")
    certain = claim_day is None or from_extension or (period is not None and period[0] == claim_day)
    for index, ((line, path, day), is_own) in enumerate(zip(lines, own, strict=True)):
        field = f"$.lines[{index}].date"
        if day is None:
            if field not in reader.failed and not certain:
                message = "no servicedDate, and the claim's billablePeriod is not one day: give the item its date"
                reader.add(path, message, field=field)
            continue
        value, value_path = day
        if is_own or _day(value) != claim_day:
            line["date"] = _day(value)
            reader.source(field, value_path)


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


def _documentation(ours: Mapping[str, tuple[str, Mapping[str, Any]]], reader: _Reader) -> dict[str, Any] | None:
    if EXT_DOCUMENTATION not in ours:
        return None
    path, extension = ours[EXT_DOCUMENTATION]
    reader.source("$.documentation", path)
    documentation: dict[str, Any] = {"soap": [], "functional_goals": [], "elements": []}
    kinds = {"pain-scale": "Integer", "functional-goal": "String", "element": "Code"}
    seen: set[str] = set()
    for index, part in _items(extension.get("extension")):
        part_path = _at(_key(path, "extension"), index)
        url = part.get("url")
        if url not in _DOC_URLS:
            reader.add(
                _key(part_path, "url"), f"expected {one_of(_DOC_URLS)}, got {_text_of(url)}", field="$.documentation"
            )
            continue
        if url in seen and url not in ("functional-goal", "element"):
            reader.add(part_path, "given twice; it is allowed once", field="$.documentation")
            continue
        seen.add(url)
        if url in _SOAP_URLS:
            value = _value(part, part_path, "Boolean", reader, "$.documentation.soap")
            if value is not None and value[0] is True:
                documentation["soap"].append(url)
        elif url == "pain-scale":
            value = _value(part, part_path, kinds[url], reader, "$.documentation.pain_scale")
            if value is not None:
                documentation["pain_scale"] = value[0]
                reader.source("$.documentation.pain_scale", value[1])
        else:
            key = "functional_goals" if url == "functional-goal" else "elements"
            value = _value(part, part_path, kinds[url], reader, f"$.documentation.{key}")
            if value is not None:
                reader.source(f"$.documentation.{key}[{len(documentation[key])}]", value[1])
                documentation[key].append(value[0])
    return documentation


# --------------------------------------------------------------------------- #
# Writing.                                                                     #
# --------------------------------------------------------------------------- #


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
