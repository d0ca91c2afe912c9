"""The session: one visit's date, provider, treatments (code, minutes, region),
patient and documentation, as the model reads and validates it.

A session is what a therapist records; it becomes claim lines only by unit
arithmetic elsewhere (massagecodes.units), never here.
"""

from __future__ import annotations

import datetime

import attrs

from massagecodes._model._base import _Model, _nested, _tuple
from massagecodes._model._checks import _check_code, _check_date, _check_minutes, _check_nonempty_items
from massagecodes._model._claim import Documentation, Patient, Provider
from massagecodes._model._reading import _dump_date, _load_date, _load_list, _region_spec, _Spec
from massagecodes._regions import Region


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
