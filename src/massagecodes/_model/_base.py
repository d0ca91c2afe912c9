"""What every model class shares: validation on construction, the attrs converters,
and ``from_dict`` / ``from_json`` / ``to_dict`` driven by the class's field specs.

A class of the model declares its ``_SPECS`` (and optionally ``_CROSS``); ``_Model``
decides how such a class is validated, read and written.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Self, cast

from massagecodes._json import load_json
from massagecodes._model._checks import _check_instance
from massagecodes._model._enums import DocElement, License, PayerKind, Sex, SoapPart
from massagecodes._model._reading import _BAD, _MONEY, Cross, _read_fields, _Reading, _Spec
from massagecodes._regions import DEFAULT_REGIONS, RegionVocabulary
from massagecodes._text import describe
from massagecodes.errors import InputError, Problem


def _validate(obj: object, specs: Sequence[_Spec], cross: Cross | None) -> None:
    """Check a constructed object with the same rules ``from_dict`` applies."""
    problems: list[Problem] = []
    for spec in specs:
        value = getattr(obj, spec.name)
        if value is None and spec.default is None:
            continue
        problems.extend(Problem(f"$.{spec.name}{sub}", message) for sub, message in spec.check(value))
    if not problems and cross is not None:
        problems = cross.check({spec.name: getattr(obj, spec.name) for spec in specs})
    if problems:
        raise InputError(problems, what=type(obj).__name__)


def _tuple(value: Any) -> Any:
    """attrs converter: lists (and other collections) become tuples; other values pass to the check."""
    return tuple(value) if isinstance(value, list | set | frozenset) else value


def _to_enum(cls: type[enum.StrEnum]) -> Callable[[Any], Any]:
    """attrs converter: a plain string naming a member becomes the member; anything else goes to the check."""

    def convert(value: Any) -> Any:
        return cls(value) if isinstance(value, str) and value in cls._value2member_map_ else value

    return convert


def _to_enum_set(cls: type[enum.StrEnum]) -> Callable[[Any], Any]:
    member = _to_enum(cls)

    def convert(value: Any) -> Any:
        return frozenset(member(item) for item in value) if isinstance(value, list | tuple | set | frozenset) else value

    return convert


# Typed for the attrs plugin: these are the types ``__init__`` accepts. A string that
# names no member passes through unchanged, for the field's check to report.
def _to_license(value: License | str) -> License:
    return cast(License, _to_enum(License)(value))


def _to_sex(value: Sex | str | None) -> Sex | None:
    return cast("Sex | None", _to_enum(Sex)(value))


def _to_payer_kind(value: PayerKind | str) -> PayerKind:
    return cast(PayerKind, _to_enum(PayerKind)(value))


def _to_soap_parts(value: Iterable[SoapPart | str]) -> frozenset[SoapPart]:
    return cast(frozenset[SoapPart], _to_enum_set(SoapPart)(value))


def _to_doc_elements(value: Iterable[DocElement | str]) -> frozenset[DocElement]:
    return cast(frozenset[DocElement], _to_enum_set(DocElement)(value))


def _to_money(value: Decimal | str | int | None) -> Decimal | None:
    """attrs converter: a decimal string or whole number becomes a Decimal."""
    if isinstance(value, str):
        return Decimal(value) if _MONEY.fullmatch(value) else cast(Decimal, value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return cast(Decimal | None, value)  # None, a Decimal, or a wrong type for the check to report


class _Model:
    """Shared behaviour: validation on construction, from_dict, from_json, to_dict."""

    _SPECS: ClassVar[tuple[_Spec, ...]]
    _WHAT: ClassVar[str]
    _CROSS: ClassVar[Cross | None] = None
    _SENSITIVE: ClassVar[bool] = False  # holds health information: messages echo no values

    def __attrs_post_init__(self) -> None:
        _validate(self, self._SPECS, type(self)._CROSS)

    @classmethod
    def _load(cls, raw: object, path: str, ctx: _Reading) -> object:
        if isinstance(raw, cls):
            return raw
        values = _read_fields(raw, path, ctx, cls._SPECS, cls._WHAT, cls._CROSS)
        return _BAD if values is None else cls(**values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, regions: RegionVocabulary = DEFAULT_REGIONS) -> Self:
        """Read JSON-shaped data; raise :class:`~massagecodes.errors.InputError` listing every problem.

        ``regions`` is the region vocabulary to accept (a ruleset may extend the default).
        """
        if not isinstance(regions, RegionVocabulary):
            raise InputError(
                [Problem("regions", f"expected a RegionVocabulary, got {describe(regions)}")], what="argument"
            )
        ctx = _Reading([], regions, sensitive=cls._SENSITIVE)
        result = cls._load(data, "$", ctx)
        if result is _BAD:
            raise InputError(ctx.problems, what=cls._WHAT)
        return result  # type: ignore[return-value]

    @classmethod
    def from_json(cls, text: str | bytes, *, regions: RegionVocabulary = DEFAULT_REGIONS) -> Self:
        """Parse JSON text, then :meth:`from_dict`. Malformed JSON is an InputError too."""
        if not isinstance(text, str | bytes | bytearray):
            raise InputError(
                [Problem("$", f"expected JSON text (str or bytes), got {describe(text)}")], what="argument"
            )
        data = load_json(text, what=cls._WHAT, hide_keys_under=health_information)
        return cls.from_dict(data, regions=regions)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-shaped data (dates and money as strings); ``from_dict(x.to_dict()) == x``."""
        out: dict[str, Any] = {}
        for spec in self._SPECS:
            value = getattr(self, spec.name)
            out[spec.name] = None if value is None else spec.dump(value)
        return out


_HEALTH_INFORMATION = re.compile(r"\$(\[[0-9]+\])?\.(patient|authorization|documentation|accident)([.\[]|$)")


def health_information(path: str) -> bool:
    """Whether a JSON path of a claim (or of a list of claims) lies inside an object that
    holds health information, where keys are not named in errors."""
    return _HEALTH_INFORMATION.match(path) is not None


def _nested(cls: type[_Model], what: str) -> dict[str, Any]:
    """Spec keywords for a field holding one nested model object."""
    return {"check": _check_instance(cls, what), "load": cls._load, "dump": lambda value: value.to_dict()}
