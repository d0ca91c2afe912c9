"""Superbills: the itemised receipt a client sends to their own insurer (DOMAIN.md section 7).

A superbill names the practice and the rendering provider (NPI, taxonomy, tax id),
the client, the dates of service, the ICD-10-CM diagnoses, the procedure lines with
their modifiers, units and charges, the payments, the balance due, and has a line
for the provider's signature. This module makes one from a :class:`~massagecodes.Claim`
or a :class:`~massagecodes.Session` and a :class:`Practice`, as a self-contained HTML
page (:func:`render_html`, no extra needed) or a one-page PDF (:func:`render_pdf`,
extra ``pdf``: ``pip install 'massagecodes[pdf]'``).

Money is :class:`~decimal.Decimal` throughout and nothing is guessed: a line whose
charge is neither on the claim nor in the practice's fee schedule is printed as
"not given", and so are the totals that would need it.

Layers, one module each: the values (``_values``: :class:`Practice`, :class:`Client`,
:class:`Payment`) -> ``_bill`` (every number decided, once) -> the words both writers
print (``_wording``) -> the HTML (``_html``) or PDF (``_pdf``) writer, which only lays
out what it is given. This module holds the public functions and those the command line calls.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence
from typing import Literal

from massagecodes import units as _units
from massagecodes._codes import DEFAULT_CATALOG, CodeCatalog
from massagecodes._json import load_json
from massagecodes._model import Claim, Session, health_information
from massagecodes._text import describe
from massagecodes.superbill._bill import _argument_error, _Bill, _build
from massagecodes.superbill._html import _html
from massagecodes.superbill._pdf import _fpdf_class, _pdf
from massagecodes.superbill._values import Client, Payment, Practice
from massagecodes.superbill._wording import _money as _money  # the command line prints totals with it

__all__ = ["Client", "Payment", "Practice", "render_html", "render_pdf"]


def render_html(
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None = None,
    payments: Iterable[Payment] = (),
    diagnoses: Sequence[str] = (),
    issued: datetime.date | None = None,
    method: str | _units.UnitMethod = "cms",
    catalog: CodeCatalog = DEFAULT_CATALOG,
    icd10_descriptions: bool = True,
) -> str:
    """The superbill as one self-contained HTML document (inline CSS, print-friendly).

    ``source`` is a claim (its lines, charges and diagnoses) or a session (its
    treatments become lines by ``method``, priced from ``practice.fees``; give its
    ICD-10-CM codes as ``diagnoses``). A claim line without units gets the units
    its minutes support by ``method`` (an untimed code: 1). ``issued`` is the
    statement date printed at the top (none by default: the library reads no clock).
    With the ``icd10`` extra and ``icd10_descriptions``, diagnoses are listed with
    their descriptions. Every value is HTML-escaped.
    """
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=catalog,
        issued=issued,
        descriptions=icd10_descriptions,
    )
    return _html(bill)


def render_pdf(
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None = None,
    payments: Iterable[Payment] = (),
    diagnoses: Sequence[str] = (),
    issued: datetime.date | None = None,
    method: str | _units.UnitMethod = "cms",
    catalog: CodeCatalog = DEFAULT_CATALOG,
    icd10_descriptions: bool = True,
    font: str | os.PathLike[str] | None = None,
) -> bytes:
    """The superbill as a one-page US Letter PDF (extra ``pdf``); arguments as :func:`render_html`.

    Raises :class:`~massagecodes.errors.InputError` when the content does not fit
    one page (it is never truncated or spilled onto a second page), and, without
    ``font``, when a text has a character outside Latin-1, naming the field: the
    PDF's built-in fonts cover Latin-1 only. ``font`` is the path of a TrueType or
    OpenType font to set every text in (its regular face also serves for bold);
    a character it has no glyph for is an InputError too. Without fpdf2 installed,
    raises :class:`~massagecodes.errors.ExtraMissingError`.
    """
    _fpdf_class()  # the missing extra is reported before anything else
    if font is not None and not isinstance(font, str | os.PathLike):
        raise _argument_error("font", f"expected a font file path or None, got {describe(font)}")
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=catalog,
        issued=issued,
        descriptions=icd10_descriptions,
    )
    return _pdf(bill, font)


def _source_from_json(text: str | bytes) -> Claim | Session:
    """A claim or a session from JSON text: a session is the object with ``treatments``."""
    data = load_json(text, what="claim or session", hide_keys_under=health_information)
    if isinstance(data, dict) and "treatments" in data and "lines" not in data:
        return Session.from_dict(data)
    return Claim.from_dict(data)


_Format = Literal["html", "pdf"]


def _render(
    kind: _Format,
    source: Claim | Session,
    practice: Practice,
    *,
    client: Client | None,
    payments: Iterable[Payment],
    diagnoses: Sequence[str],
    issued: datetime.date | None,
    method: str,
    font: str | os.PathLike[str] | None,
) -> tuple[bytes, _Bill]:
    """For the command line: the document's bytes and the bill it shows (for its summary)."""
    if kind == "pdf":
        _fpdf_class()
    bill = _build(
        source,
        practice,
        client=client,
        payments=payments,
        diagnoses=diagnoses,
        method=method,
        catalog=DEFAULT_CATALOG,
        issued=issued,
        descriptions=True,
    )
    data = _pdf(bill, font) if kind == "pdf" else _html(bill).encode("utf-8")
    return data, bill
