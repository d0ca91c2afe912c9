"""Which arguments read_claim and write_claim accept, besides the resource or claim itself.

A wrong argument is a :class:`~massagecodes.errors.Problem` named for the
argument; the caller raises them together as an ``InputError`` of what="argument".
"""

from __future__ import annotations

import datetime

from massagecodes._model import License, PayerKind
from massagecodes._text import describe, did_you_mean, one_of
from massagecodes.errors import Problem


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
