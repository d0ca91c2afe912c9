"""The session and claim model: frozen attrs classes, read from and written to JSON-shaped data.

Every class validates itself when constructed (so a hand-built object is as safe as
one read from JSON) and has ``from_dict``/``to_dict``. ``from_dict`` reports every
problem in its input at once, each at its JSON path, in one :class:`InputError`.

Layout of this module: field checks (python values) -> field loaders (JSON values)
-> a field spec table per class -> the classes.
"""

from __future__ import annotations

import datetime
import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Self, cast

import attrs

from massagecodes._codes import (
    MAX_DIAGNOSES,
    MAX_MODIFIERS_PER_LINE,
    MAX_POINTERS_PER_LINE,
    POINTER_LETTERS,
    TAXONOMY,
    US_STATES,
    diagnosis_problem,
    modifier_problem,
    npi_problem,
    procedure_code_problem,
)
from massagecodes._regions import DEFAULT_REGIONS, Region, RegionVocabulary, Side, region_name_problem
from massagecodes._text import describe, did_you_mean, one_of
from massagecodes.errors import InputError, Problem

MAX_MINUTES = 24 * 60  # minutes in a day: more on one line of one day is an input error


class License(enum.StrEnum):
    """Kinds of licence that report the 97xxx codes (DOMAIN.md section 1)."""

    LMT = "LMT"  # licensed massage therapist
    PT = "PT"  # physical therapist
    PTA = "PTA"  # physical therapist assistant
    DC = "DC"  # doctor of chiropractic
    OT = "OT"  # occupational therapist
    OTA = "OTA"  # occupational therapy assistant
    MD = "MD"  # doctor of medicine
    DO = "DO"  # doctor of osteopathic medicine


class PayerKind(enum.StrEnum):
    """Kinds of payer whose policies differ (DOMAIN.md section 1)."""

    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare-advantage"
    MEDICAID = "medicaid"
    AUTO_PIP = "auto-pip"
    WORKERS_COMP = "workers-comp"
    SELF_PAY = "self-pay"


class SoapPart(enum.StrEnum):
    """The four parts of a SOAP note (DOMAIN.md section 6)."""

    SUBJECTIVE = "subjective"
    OBJECTIVE = "objective"
    ASSESSMENT = "assessment"
    PLAN = "plan"


class DocElement(enum.StrEnum):
    """Documentation elements payers ask for (DOMAIN.md sections 1 and 6)."""

    PHYSICIAN_ORDER = "physician-order"  # a referral, prescription or written order
    PLAN_OF_CARE = "plan-of-care"
    MEDICAL_NECESSITY = "medical-necessity"
    FUNCTIONAL_LIMITATIONS = "functional-limitations"
    MEASURABLE_PROGRESS = "measurable-progress"
    PROGRESS_REPORT = "progress-report"
    MINUTES_PER_CODE = "minutes-per-code"
    MINUTES_PER_REGION = "minutes-per-region"
    TREATMENT_JUSTIFICATION = "treatment-justification"  # e.g. a second treatment on one day


# --------------------------------------------------------------------------- #
# Field checks: a python value -> problems as (sub-path, message).            #
# --------------------------------------------------------------------------- #

Issues = list[tuple[str, str]]
Check = Callable[[Any], Issues]


def _one(message: str | None) -> Issues:
    return [] if message is None else [("", message)]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_code(value: object) -> Issues:
    return _one(procedure_code_problem(value))


def _check_npi(value: object) -> Issues:
    # An NPI identifies a provider, not a patient: it is public and may be echoed.
    return _one(npi_problem(value))


def _check_minutes(value: object) -> Issues:
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        return [("", f"expected whole minutes >= 0, got {describe(value)}")]
    if value > MAX_MINUTES:  # type: ignore[operator]
        return [("", f"expected at most {MAX_MINUTES} minutes (one day), got {describe(value)}")]
    return []


def _optional(check: Check) -> Check:
    def checked(value: object) -> Issues:
        return [] if value is None else check(value)

    return checked


def _check_units(value: object) -> Issues:
    if _is_int(value) and value >= 1:  # type: ignore[operator]
        return []
    return [("", f"expected whole units >= 1, got {describe(value)}")]


def _check_text(*, sensitive: bool = False, what: str = "a non-empty string") -> Check:
    def check(value: object) -> Issues:
        if isinstance(value, str) and value.strip() and value.isprintable():
            return []
        return [("", f"expected {what} without control characters, got {describe(value, sensitive=sensitive)}")]

    return check


def _check_date(value: object) -> Issues:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return []
    return [("", f"expected a datetime.date, got {describe(value, sensitive=True)}")]


def _check_instance(cls: type, what: str) -> Check:
    def check(value: object) -> Issues:
        return [] if isinstance(value, cls) else [("", f"expected {what}, got {describe(value, sensitive=True)}")]

    return check


def _check_enum(cls: type[enum.StrEnum]) -> Check:
    def check(value: object) -> Issues:
        if isinstance(value, cls):
            return []
        return [("", f"expected {one_of(m.value for m in cls)}, got {describe(value)}")]

    return check


def _check_items(item: Check, *, max_len: int | None = None, unique: bool = False, label: str = "items") -> Check:
    def check(values: object) -> Issues:
        if not isinstance(values, tuple | frozenset):
            return [("", f"expected a list of {label}, got {describe(values, sensitive=True)}")]
        issues: Issues = []
        if max_len is not None and len(values) > max_len:
            issues.append(("", f"expected at most {max_len} {label}, got {len(values)}"))
        seen: set[object] = set()
        for index, value in enumerate(values):
            issues.extend((f"[{index}]{sub}", message) for sub, message in item(value))
            if unique:
                try:
                    duplicate = value in seen
                    seen.add(value)
                except TypeError:  # unhashable: the item check has reported it
                    continue
                if duplicate:
                    issues.append((f"[{index}]", f"duplicate of an earlier item ({label} are listed once)"))
        return issues

    return check


def _check_modifier(value: object) -> Issues:
    return _one(modifier_problem(value))


def _check_diagnosis(value: object) -> Issues:
    return _one(diagnosis_problem(value))


def _check_pointer(value: object) -> Issues:
    if _is_int(value) and 1 <= value <= MAX_DIAGNOSES:  # type: ignore[operator]
        return []
    return [("", f"expected a diagnosis pointer 1-{MAX_DIAGNOSES} or A-L, got {describe(value)}")]


def _check_money(value: object) -> Issues:
    if isinstance(value, Decimal) and value.is_finite() and value >= 0 and value.as_tuple().exponent >= -2:  # type: ignore[operator]
        return []
    return [
        (
            "",
            f'expected an amount >= 0 with at most 2 decimal places, as a string such as "120.00", got {describe(value)}',
        )
    ]


def _check_state(value: object) -> Issues:
    if isinstance(value, str) and value in US_STATES:
        return []
    hint = ""
    if isinstance(value, str) and value.upper() in US_STATES:
        hint = f' (write it in capitals: "{value.upper()}")'
    return [("", f"expected a two-letter US state code (e.g. WA), got {describe(value)}{hint}")]


def _check_taxonomy(value: object) -> Issues:
    if isinstance(value, str) and TAXONOMY.fullmatch(value):
        return []
    return [
        ("", f"expected a provider taxonomy code of 10 characters ending in X (e.g. 225700000X), got {describe(value)}")
    ]


def _check_pain(value: object) -> Issues:
    # A pain score is health information: the found value is not echoed.
    if _is_int(value) and 0 <= value <= 10:  # type: ignore[operator]
        return []
    return [("", f"expected a pain scale, a whole number from 0 to 10, got {describe(value, sensitive=True)}")]


def _check_visits(value: object) -> Issues:
    if _is_int(value) and value >= 1:  # type: ignore[operator]
        return []
    return [("", f"expected a whole number of visits >= 1, got {describe(value, sensitive=True)}")]


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
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except _NotJsonError as error:
            raise InputError([Problem("$", f"malformed JSON: {error}")], what=cls._WHAT) from None
        except json.JSONDecodeError as error:
            problem = Problem(f"line {error.lineno} column {error.colno}", f"malformed JSON: {error.msg}")
            raise InputError([problem], what=cls._WHAT) from None
        except (UnicodeDecodeError, RecursionError):
            raise InputError(
                [Problem("$", "malformed JSON: not UTF-8 text, or nested too deeply")], what=cls._WHAT
            ) from None
        except ValueError:  # a number of more digits than Python converts
            raise InputError([Problem("$", "malformed JSON: a number is too long")], what=cls._WHAT) from None
        return cls.from_dict(data, regions=regions)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-shaped data (dates and money as strings); ``from_dict(x.to_dict()) == x``."""
        out: dict[str, Any] = {}
        for spec in self._SPECS:
            value = getattr(self, spec.name)
            out[spec.name] = None if value is None else spec.dump(value)
        return out


class _NotJsonError(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    # NaN and Infinity are not JSON, though Python's parser accepts them by default.
    raise _NotJsonError(f"{name} is not a JSON value")


def _nested(cls: type[_Model], what: str) -> dict[str, Any]:
    """Spec keywords for a field holding one nested model object."""
    return {"check": _check_instance(cls, what), "load": cls._load, "dump": lambda value: value.to_dict()}


def _check_nonempty_items(cls: type, what: str, label: str) -> Check:
    items = _check_items(_check_instance(cls, what))

    def check(values: object) -> Issues:
        if not isinstance(values, tuple):
            return [("", f"expected a list of {label}s, got {describe(values, sensitive=True)}")]
        issues = items(values)
        if not values:
            issues.append(("", f"expected at least one {label}"))
        return issues

    return check


# --------------------------------------------------------------------------- #
# The classes.                                                                 #
# --------------------------------------------------------------------------- #

_REGION_SPECS = (
    _Spec("name", lambda value: _one(region_name_problem(value)), load=_load_region_name),
    _Spec("side", _check_enum(Side), load=_load_enum(Side), dump=_dump_enum, default=None),
)


def _region_spec() -> _Spec:
    return _Spec("region", _check_instance(Region, "a Region"), load=_load_region, dump=_dump_region, default=None)


@attrs.frozen(kw_only=True)
class Provider(_Model):
    """The rendering provider: NPI (check digit validated), licence, optional taxonomy."""

    npi: str
    license: License = attrs.field(converter=_to_license)
    taxonomy: str | None = None

    _WHAT = "provider"
    _SPECS = (
        _Spec("npi", _check_npi),
        _Spec("license", _check_enum(License), load=_load_enum(License), dump=_dump_enum),
        _Spec("taxonomy", _check_taxonomy, default=None),
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
    """The patient: an opaque id and, optionally, a birth date. Nothing more is needed."""

    id: str
    birth_date: datetime.date | None = None

    _WHAT = "patient"
    _SENSITIVE = True
    _SPECS = (
        _Spec("id", _check_text(sensitive=True)),
        _Spec("birth_date", _check_date, load=_load_date, dump=_dump_date, default=None, sensitive=True),
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
    )
    _CROSS = Cross(("diagnoses", "lines"), _claim_cross)

    def line_date(self, index: int) -> datetime.date:
        """The date of service of line ``index``: its own date, else the claim's."""
        line = self.lines[index]
        return self.date_of_service if line.date is None else line.date


@attrs.frozen(kw_only=True)
class Treatment(_Model):
    """Something done in a session: a procedure code, its minutes, the region treated."""

    code: str
    minutes: int
    region: Region | None = None

    _WHAT = "treatment"
    _SPECS = (
        _Spec("code", _check_code),
        _Spec("minutes", _check_minutes),
        _region_spec(),
    )


@attrs.frozen(kw_only=True)
class Session(_Model):
    """One visit: its date, provider, treatments, patient and documentation."""

    date: datetime.date
    provider: Provider
    treatments: tuple[Treatment, ...] = attrs.field(converter=_tuple)
    patient: Patient | None = None
    documentation: Documentation = attrs.field(factory=Documentation)

    _WHAT = "session"
    _SPECS = (
        _Spec("date", _check_date, load=_load_date, dump=_dump_date),
        _Spec("provider", **_nested(Provider, "a Provider")),
        _Spec(
            "treatments",
            _check_nonempty_items(Treatment, "a Treatment", "treatment"),
            load=_load_list(Treatment._load, what="a list of treatments"),
            dump=lambda treatments: [treatment.to_dict() for treatment in treatments],
        ),
        _Spec("patient", **_nested(Patient, "a Patient"), default=None, sensitive=True),
        _Spec("documentation", **_nested(Documentation, "a Documentation"), default=Documentation, sensitive=True),
    )
