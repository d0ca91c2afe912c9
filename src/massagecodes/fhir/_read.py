"""read_claim: a FHIR R4 Claim (a dict or JSON text) into a :class:`~massagecodes.Claim`.

The order of a read: import fhir.resources, check the arguments, parse, validate with it,
map the resource to the model's JSON shape (items and diagnoses, the parties, our
documentation extension, the total), then let the model validate it. Every problem
is reported at once, at its JSON path in the resource; a value whose problem is
reported already is marked unread, so the model neither asks for it again nor
checks across it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from massagecodes._model import Claim, License, PayerKind
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes._text import one_of
from massagecodes.errors import InputError, Problem
from massagecodes.fhir._arguments import _argument_enum, _argument_type
from massagecodes.fhir._json import _at, _items, _key, _number, _parse, _text_of
from massagecodes.fhir._read_items import _date_of_service, _diagnoses, _line_dates, _lines
from massagecodes.fhir._read_parties import _authorization, _focal_insurance, _patient, _payer, _provider, _referral
from massagecodes.fhir._reader import _collect_contained, _extensions, _modifier_extensions, _Reader, _value
from massagecodes.fhir._systems import _DOC_URLS, _SOAP_URLS, EXT_DOCUMENTATION
from massagecodes.fhir._validation import _check_resource_types, _library, _validate


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
