"""fhir.resources, imported on first use: whether it accepts a resource as an R4 Claim.

fhir.resources (and pydantic) are imported only when a function of
:mod:`massagecodes.fhir` is called: without the extra, :func:`_library` raises
:class:`~massagecodes.errors.ExtraMissingError` naming the ``pip install`` to run.
Validation uses its R4B models (the R4 structure); its errors become
:class:`~massagecodes.errors.Problem` s at JSON paths in the resource, and its
internals never escape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from massagecodes._text import describe
from massagecodes.errors import ExtraMissingError, Problem
from massagecodes.fhir._json import _NAME, _at, _key, _text_of


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
