"""JSON text and values as the FHIR reader sees them.

Decides how a place in the resource is named (a JSON path such as
``$.item[0].net.value``), how JSON text is parsed (numbers as exact Decimals, no
NaN or Infinity, malformed text an :class:`~massagecodes.errors.InputError`), and
how a JSON number, a FHIR date or dateTime, or a one-day Period is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from massagecodes._json import load_json
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem

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
        # Keys inside contained resources (a Patient) are health information: not named.
        data = load_json(resource, what="FHIR Claim", exact=True, hide_keys_under=_in_contained)
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


def _in_contained(path: str) -> bool:
    return path.startswith("$.contained")
