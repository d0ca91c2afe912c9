"""The session and claim model: frozen attrs classes, read from and written to JSON-shaped data.

Every class validates itself when constructed (so a hand-built object is as safe as
one read from JSON) and has ``from_dict``/``to_dict``. ``from_dict`` reports every
problem in its input at once, each at its JSON path, in one :class:`InputError`.

This package decides nothing itself: it gathers the names the rest of the library
imports from ``massagecodes._model``. Its modules, each importing only those above it:

- ``_enums``: the vocabularies (licence, payer kind, SOAP part, documentation element) and limits;
- ``_checks``: field checks of python values;
- ``_reading``: field loaders and dumpers of JSON values, the field spec and the generic reader;
- ``_base``: what every class shares (validation on construction, converters, from_dict/to_dict);
- ``_claim``: the classes of a claim; ``_session``: the treatment and the session.
"""

from __future__ import annotations

from massagecodes._model._base import _Model, _to_money, _tuple, health_information
from massagecodes._model._checks import (
    Issues,
    _check_date,
    _check_items,
    _check_money,
    _check_npi,
    _check_taxonomy,
    _check_text,
)
from massagecodes._model._claim import (
    Accident,
    Authorization,
    Claim,
    Documentation,
    Patient,
    Payer,
    Provider,
    Referral,
    ServiceLine,
)
from massagecodes._model._enums import MAX_MINUTES, AccidentCause, DocElement, License, PayerKind, Sex, SoapPart
from massagecodes._model._reading import (
    _BAD,
    _child,
    _dump_date,
    _dump_money,
    _load_date,
    _load_list,
    _load_money,
    _Reading,
    _Spec,
)
from massagecodes._model._session import Session, Treatment

# The names other modules import from here (the private ones are the superbill's).
__all__ = [
    "MAX_MINUTES",
    "Accident",
    "AccidentCause",
    "Authorization",
    "Claim",
    "DocElement",
    "Documentation",
    "Issues",
    "License",
    "Patient",
    "Payer",
    "PayerKind",
    "Provider",
    "Referral",
    "ServiceLine",
    "Session",
    "Sex",
    "SoapPart",
    "Treatment",
    "_BAD",
    "_Model",
    "_Reading",
    "_Spec",
    "_check_date",
    "_check_items",
    "_check_money",
    "_check_npi",
    "_check_taxonomy",
    "_check_text",
    "_child",
    "_dump_date",
    "_dump_money",
    "_load_date",
    "_load_list",
    "_load_money",
    "health_information",
    "_to_money",
    "_tuple",
]
