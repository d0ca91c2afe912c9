"""Reading JSON-shaped data: field loaders and dumpers, the field spec, and the generic reader.

A loader turns a JSON value into a python value or reports a problem at its JSON
path; ``_read_fields`` reads one object by its table of field specs, reporting every
problem at once (unknown and missing keys, bad values, checks across fields), and
never echoes a value inside a field that holds health information.
"""

from __future__ import annotations

import datetime
import enum
import json
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import attrs

from massagecodes._codes import POINTER_LETTERS
from massagecodes._model._checks import Check, _check_enum, _check_instance, _is_int, _one
from massagecodes._regions import Region, RegionVocabulary, Side, region_name_problem
from massagecodes._text import describe, did_you_mean, one_of
from massagecodes.errors import Problem

# --------------------------------------------------------------------------- #
# Field loaders: a JSON value -> a python value, or _BAD after reporting.      #
# --------------------------------------------------------------------------- #


class _Bad(enum.Enum):
    BAD = "bad"


_BAD = _Bad.BAD


@attrs.define
class _Reading:
    """State of one from_dict call: the problems found so far and the region vocabulary."""

    problems: list[Problem]
    regions: RegionVocabulary
    sensitive: bool = False  # inside a field that holds health information: echo no values

    def got(self, value: object) -> str:
        return describe(value, sensitive=self.sensitive)

    def add(self, path: str, message: str) -> _Bad:
        self.problems.append(Problem(path, message))
        return _BAD


Load = Callable[[object, str, _Reading], Any]


def _as_is(raw: object, path: str, ctx: _Reading) -> object:
    return raw


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _load_date(raw: object, path: str, ctx: _Reading) -> object:
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw
    if isinstance(raw, str) and _DATE.fullmatch(raw):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            return ctx.add(path, f"expected a calendar date, got {ctx.got(raw)} (no such day)")
    return ctx.add(path, f'expected a date as "YYYY-MM-DD", got {ctx.got(raw)}')


_MONEY = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _load_money(raw: object, path: str, ctx: _Reading) -> object:
    if isinstance(raw, Decimal) or _is_int(raw):
        return Decimal(raw)  # type: ignore[arg-type]
    if isinstance(raw, str) and _MONEY.fullmatch(raw):
        return Decimal(raw)
    if isinstance(raw, float):
        return ctx.add(
            path,
            f'expected money as a decimal string such as "120.00" (a JSON number with a fraction is binary floating point), got {ctx.got(raw)}',
        )
    return ctx.add(path, f'expected money as a decimal string such as "120.00", got {ctx.got(raw)}')


def _load_enum(cls: type[enum.StrEnum]) -> Load:
    names = [member.value for member in cls]

    def load(raw: object, path: str, ctx: _Reading) -> object:
        if isinstance(raw, cls):
            return raw
        if isinstance(raw, str) and raw in names:
            return cls(raw)
        hint = did_you_mean(raw, names) if isinstance(raw, str) else ""
        return ctx.add(path, f"expected {one_of(names)}, got {ctx.got(raw)}{hint}")

    return load


def _load_list(item: Load, *, what: str) -> Load:
    def load(raw: object, path: str, ctx: _Reading) -> object:
        if not isinstance(raw, list | tuple):
            return ctx.add(path, f"expected {what}, got {ctx.got(raw)}")
        values = [item(value, f"{path}[{index}]", ctx) for index, value in enumerate(raw)]
        return _BAD if any(value is _BAD for value in values) else tuple(values)

    return load


def _load_pointer(raw: object, path: str, ctx: _Reading) -> object:
    # CMS-1500 box 24E points with letters A-L; the 837P with numbers 1-12.
    if isinstance(raw, str) and len(raw) == 1 and raw in POINTER_LETTERS:
        return POINTER_LETTERS.index(raw) + 1
    return raw


def _load_region_name(raw: object, path: str, ctx: _Reading) -> object:
    if not isinstance(raw, str):
        return ctx.add(path, f"expected a region name, got {ctx.got(raw)}")
    name = ctx.regions.resolve(raw)
    return ctx.add(path, ctx.regions.unknown_message(raw)) if name is None else name


def _load_region(raw: object, path: str, ctx: _Reading) -> object:
    if isinstance(raw, Region):
        return raw
    if isinstance(raw, str):
        name = _load_region_name(raw, path, ctx)
        return name if name is _BAD else Region(name=cast(str, name))
    if isinstance(raw, dict):
        values = _read_fields(raw, path, ctx, _REGION_SPECS, "a region")
        return _BAD if values is None else Region(**values)
    return ctx.add(
        path, f'expected a region name (e.g. "lumbar") or an object {{"name": ..., "side": ...}}, got {ctx.got(raw)}'
    )


def _dump_region(region: Region) -> object:
    return region.name if region.side is None else {"name": region.name, "side": region.side.value}


def _dump_enum(value: enum.StrEnum) -> str:
    return value.value


def _dump_date(value: datetime.date) -> str:
    return value.isoformat()


def _dump_money(value: Decimal) -> str:
    return format(value, "f")  # never "1E+2"


# --------------------------------------------------------------------------- #
# Field specs and the generic reader.                                          #
# --------------------------------------------------------------------------- #


class _Required(enum.Enum):
    REQUIRED = "required"


REQUIRED = _Required.REQUIRED


def _identity(value: Any) -> Any:
    return value


@attrs.frozen
class _Spec:
    """One field: how to check a python value, load a JSON value, dump it, and its default.

    ``default`` is REQUIRED, None (optional, null allowed) or a factory.
    """

    name: str
    check: Check
    load: Load = _as_is
    dump: Callable[[Any], object] = _identity
    default: object = REQUIRED
    sensitive: bool = False  # holds health information: found values are never echoed


@attrs.frozen
class Cross:
    """A check across ``fields`` of one object; it runs when those fields are valid."""

    fields: tuple[str, ...]
    check: Callable[[dict[str, Any]], list[Problem]]


def _read_fields(
    data: object, path: str, ctx: _Reading, specs: Sequence[_Spec], what: str, cross: Cross | None = None
) -> dict[str, Any] | None:
    """Read ``data`` into keyword arguments per ``specs``; report every problem; None on failure."""
    if not isinstance(data, dict):
        ctx.add(path, f"expected {what} (a JSON object), got {ctx.got(data)}")
        return None
    before = len(ctx.problems)
    failed: set[str] = set()
    names = [spec.name for spec in specs]
    for key in data:
        if not isinstance(key, str):
            ctx.add(path, f"expected string keys, got {describe(key)}")
        elif key not in names:
            if ctx.sensitive:  # a key may be health information too: name none
                ctx.add(
                    path, "an unknown key (not shown: this object holds health information); expected " + one_of(names)
                )
            else:
                ctx.add(_child(path, key), "unknown key" + did_you_mean(key, names) + "; expected " + one_of(names))
    values: dict[str, Any] = {}
    for spec in specs:
        field_path = _child(path, spec.name)
        if spec.name not in data:
            if spec.default is REQUIRED:
                ctx.add(field_path, "required key is missing")
                failed.add(spec.name)
            else:
                values[spec.name] = spec.default() if callable(spec.default) else spec.default
            continue
        raw = data[spec.name]
        if raw is None and spec.default is None:
            values[spec.name] = None
            continue
        outer = ctx.sensitive
        ctx.sensitive = outer or spec.sensitive
        try:
            value = spec.load(raw, field_path, ctx)
        finally:
            ctx.sensitive = outer
        if value is _BAD:
            failed.add(spec.name)
            continue
        issues = spec.check(value)
        for sub, message in issues:
            ctx.add(field_path + sub, message)
        if issues:
            failed.add(spec.name)
        else:
            values[spec.name] = value
    if cross is not None and not failed & set(cross.fields):
        # Checks across fields run whenever the fields they read are valid.
        for problem in cross.check(values):
            ctx.add(path + problem.path.removeprefix("$"), problem.message)
    return None if len(ctx.problems) > before else values


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENTIFIER.fullmatch(key) else f"{path}[{json.dumps(key)}]"


_REGION_SPECS = (
    _Spec("name", lambda value: _one(region_name_problem(value)), load=_load_region_name),
    _Spec("side", _check_enum(Side), load=_load_enum(Side), dump=_dump_enum, default=None),
)


def _region_spec() -> _Spec:
    return _Spec("region", _check_instance(Region, "a Region"), load=_load_region, dump=_dump_region, default=None)
